#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Route rules on the real dataplane, each checked at the server: four direct
# outbounds A B C D override the destination to four nginx vhosts in srv
# (one address each, its own access log), so the vhost that logged a unique
# path names the outbound the router chose.  Covers domain, domain_suffix,
# domain_keyword, domain_regex, ip_cidr, port, port_range, logical and/or,
# invert, route.final, reject (default: a refusal the client reads; drop:
# the connection is reset without an answer), through socks5h and http
# inbounds; then `ringboxctl route test` agrees for the same requests.
# A leading sniff rule must not change any decision (curl's Host header
# names the same domain), and a resolve rule whose name cannot resolve (no
# dns configured) refuses with a counted dial failure, never routing to
# the first outbound.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/proxy_lib.sh"
rb_init
rb_require_cmd curl
rb_topo_two_hosts
px_vhosts_four
N=$PX_VH
PX_CTL=$(px_control_cfg)
PX_SOCK=$RB_TMP/run/ctl.sock
px_config "
$PX_CTL
inbounds = (
  { type = \"socks\"; tag = \"socks-in\"; listen = \"$RB_DP_CLI_IP4\"; listen_port = 1080; },
  { type = \"http\"; tag = \"http-in\"; listen = \"$RB_DP_CLI_IP4\"; listen_port = 3128; }
);
outbounds = ( $PX_VH_OUTBOUNDS );
route = {
  rules = (
    { action = \"sniff\"; },
    { domain_suffix = \"res.test\"; action = \"resolve\"; },
    { domain = \"rej.test\"; action = \"reject\"; },
    { domain = [\"drop.test\"]; action = \"reject\"; method = \"drop\"; },
    { domain = [\"exact.test\", \"exact2.test\"]; outbound = \"a\"; },
    { domain_suffix = \"suf.test\"; outbound = \"b\"; },
    { domain_keyword = [\"kwd\"]; outbound = \"c\"; },
    { domain_regex = [\"^re[0-9]+[.]test\$\"]; outbound = \"a\"; },
    { ip_cidr = [\"$N.9/32\"]; outbound = \"b\"; },
    { ip_cidr = [\"10.$RB_NET.3.0/24\"]; outbound = \"c\"; },
    { port = 8081; outbound = \"c\"; },
    { port_range = \"9000:9100\"; outbound = \"a\"; },
    { type = \"logical\"; mode = \"and\"; rules = ( { domain_suffix = \"and.test\"; }, { port = 8082; } );
      outbound = \"b\"; },
    { type = \"logical\"; mode = \"or\"; rules = ( { domain = \"or1.test\"; }, { port = 8083; } );
      outbound = \"c\"; },
    { domain_suffix = \"test\"; invert = true; outbound = \"a\"; }
  );
  final = \"d\";
};
"
rb_dp_start --eal "-m 768"
px_control_start
px_nginx_start
P=$RB_DP_CLI_IP4
CTL=$RB_BUILD/tools/ringboxctl
rb_wait_for 10 ip netns exec "$RB_NS_CLI" curl -s -o /dev/null --max-time 2 -x "socks5h://$P:1080" \
	http://exact.test:8080/ || rb_fail "proxy never answered"
rb_dp_stats
rb_stats_mark

n=0
CASES=0
# expect VHOST HOST:PORT [proxy]: the request reaches VHOST and no other
expect() {
	local want=$1 hp=$2 proxy=${3:-socks5h://$P:1080} v got=
	n=$((n + 1))
	cp "$RB_TMP/www/index.html" "$RB_TMP/www/r$n"
	px_curl -x "$proxy" "http://$hp/r$n" || rb_fail "$hp via $proxy (want $want): $PX_OUT"
	[ "$PX_OUT" = "hello from srv" ] || rb_fail "$hp via $proxy: got '$PX_OUT'"
	for v in A B C D access; do
		[ "$(px_hit $v "/r$n")" = 1 ] && got="$got$v"
	done
	rb_assert_eq "$got" "$want" "$hp via $proxy: vhost(s) that saw /r$n"
	CASES=$((CASES + 1))
}
# refused HOST:PORT REGEX [proxy]: curl fails as REGEX says, no vhost sees it
refused() {
	local hp=$1 re=$2 proxy=${3:-socks5h://$P:1080} v
	n=$((n + 1))
	px_curl -w '\nhttp=%{http_code}\n' -x "$proxy" "http://$hp/r$n"
	[[ $PX_OUT =~ $re ]] || rb_fail "$hp via $proxy: curl said '$(echo "$PX_OUT" | tr '\n' ' ')', expected /$re/"
	for v in A B C D access; do
		[ "$(px_hit $v "/r$n")" = 0 ] || rb_fail "$hp via $proxy: reached vhost $v"
	done
	CASES=$((CASES + 1))
}

expect A exact.test:8080
expect A exact2.test:8080
expect D www.exact.test:8080               # domain is exact
expect B suf.test:8080                     # suffix: itself ...
expect B a.b.suf.test:8080                 # ... and below
expect D notsuf.test:8080                  # ... not a longer label
expect C xkwdx.test:8080
expect A re42.test:8080
expect D re.test:8080
expect D are42.test:8080                   # ^ anchors
expect B "$N.9:8080" "socks5://$P:1080"   # ip_cidr /32
expect C "10.$RB_NET.3.77:8080" "socks5://$P:1080"
expect C "any.test:8081"                   # port
expect A "any.test:9000"                   # port_range, both ends
expect A "any.test:9100"
expect D "any.test:9101"
expect B "x.and.test:8082"                 # and: both
expect D "x.and.test:8080"                 # and: one only
expect C "or1.test:8080"                   # or: either
expect C "zzz.test:8083"
expect A "other.example:8080"              # invert: not *.test
expect D "plain.test:8080"                 # final
# the same through the http inbound (absolute URI, Host routed)
expect B "a.suf.test:8080" "http://$P:3128"
expect C "kwd.test:8080" "http://$P:3128"
expect A "other.example:8080" "http://$P:3128"

# reject default: SOCKS5 reply 2 (not allowed), HTTP 403; drop: no answer
refused rej.test:8080 "(not allowed|\\(2\\)|refused)"
refused rej.test:8080 "http=403" "http://$P:3128"
refused drop.test:8080 "(Unable to receive|Recv failure|reset|Empty reply|Failed to receive|http=000)"
refused drop.test:8080 "(Recv failure|reset|Empty reply|http=000)" "http://$P:3128"
rb_dp_stats
rb_assert_stat_delta_ge event.proxy_reject 4
rb_stats_mark
refused x.res.test:8080 "(unreachable|\\(4\\)|refused)"
refused x.res.test:8080 "http=502" "http://$P:3128"
rb_dp_stats
rb_assert_stat_delta_ge event.proxy_dial_fail 2

# ringboxctl route test agrees
rt() { # inbound host:port expected-regex [options]: after sniffing (--protocol http)
	local o
	o=$("$CTL" -s "$PX_SOCK" --json route test --inbound "$1" --dst "$2" "${@:4}" 2>&1) ||
		rb_fail "route test $2: $o"
	[[ $o =~ $3 ]] || rb_fail "route test $1 $2: '$o' does not match /$3/"
}
rt socks-in exact.test:8080 '"result": ?"sniff"'
rt socks-in exact.test:8080 '"outbound": ?"a"' --protocol http
rt socks-in a.b.suf.test:8080 '"outbound": ?"b"' --protocol http
rt socks-in "$N.9:80" '"outbound": ?"b"' --protocol http
rt http-in any.test:9050 '"outbound": ?"a"' --protocol http
rt socks-in x.and.test:8080 '"rule": ?"final"' --protocol http
rt socks-in rej.test:80 '"result": ?"reject"' --protocol http
rt socks-in drop.test:80 '"result": ?"reject \(drop\)"' --protocol http
rb_dp_stop
rb_pass "$CASES requests routed/refused as the rules say, route test agrees"
