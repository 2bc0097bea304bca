#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# A keyword-heavy rule table on the real dataplane: 9000 domain_keyword
# rules (more than RB_ROUTE_KWQ_MIN, so the compiler builds the keyword
# q-gram index instead of the automaton) behind a short keyword with a port
# condition; four direct outbounds A B C D override the destination to four
# nginx vhosts in srv, so the vhost that logged a unique path names the
# outbound the router chose (as in test_proxy_rules.sh).  Checks: a keyword
# anywhere in the name, case-insensitive, two keywords in one name (the
# earlier rule wins), a near miss (final), the short keyword with and
# without its port; then `ringboxctl route test` agrees.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/proxy_lib.sh"
rb_init
rb_require_cmd curl
rb_topo_two_hosts
px_vhosts_four
N=$PX_VH
PX_CTL=$(px_control_cfg)
PX_SOCK=$RB_TMP/run/ctl.sock
NKW=9000
# rule 1 + i: keyword k<i, 5 digits>z, outbound a/b/c by i % 3
KWRULES=$(awk -v n=$NKW 'BEGIN { o[0] = "a"; o[1] = "b"; o[2] = "c";
	for (i = 0; i < n; i++)
		printf ",\n    { domain_keyword = [\"k%05dz\"]; outbound = \"%s\"; }", i, o[i % 3] }')
px_config "
$PX_CTL
inbounds = ( { type = \"socks\"; tag = \"socks-in\"; listen = \"$RB_DP_CLI_IP4\"; listen_port = 1080; } );
outbounds = ( $PX_VH_OUTBOUNDS );
route = {
  rules = (
    { domain_keyword = [\"qj\"]; port = 8081; outbound = \"c\"; }$KWRULES
  );
  final = \"d\";
};
"
rb_dp_start --eal "-m 768"
px_control_start
px_nginx_start
P=$RB_DP_CLI_IP4
CTL=$RB_BUILD/tools/ringboxctl
rb_wait_for 20 ip netns exec "$RB_NS_CLI" curl -s -o /dev/null --max-time 2 -x "socks5h://$P:1080" \
	http://plain.test:8080/ || rb_fail "proxy never answered"

n=0
CASES=0
expect() { # VHOST HOST:PORT: the request reaches VHOST and no other
	local want=$1 hp=$2 v got=
	n=$((n + 1))
	cp "$RB_TMP/www/index.html" "$RB_TMP/www/r$n"
	px_curl -x "socks5h://$P:1080" "http://$hp/r$n" || rb_fail "$hp (want $want): $PX_OUT"
	[ "$PX_OUT" = "hello from srv" ] || rb_fail "$hp: got '$PX_OUT'"
	for v in A B C D access; do
		[ "$(px_hit $v "/r$n")" = 1 ] && got="$got$v"
	done
	rb_assert_eq "$got" "$want" "$hp: vhost(s) that saw /r$n"
	CASES=$((CASES + 1))
}
expect A www.k00042z.test:8080             # 42 % 3 = 0: a
expect B x.yK00043Zy.test:8080             # case-insensitive, inside a label
expect C k08999z.test:8080                 # the last rule
expect B xk00044zk00043z.test:8080         # two keywords: 43 is the earlier rule (b)
expect D k0004z.test:8080                  # near miss: final
expect D k00042.z.test:8080                # split by a dot: no keyword
expect C aqjb.test:8081                    # the short keyword and its port
expect A k00042z.qj.test:8080              # ... not on another port: rule 42

rt() { # host:port expected-regex
	local o
	o=$("$CTL" -s "$PX_SOCK" --json route test --inbound socks-in --dst "$1" 2>&1) ||
		rb_fail "route test $1: $o"
	[[ $o =~ $2 ]] || rb_fail "route test $1: '$o' does not match /$2/"
}
rt www.k00042z.test:8080 '"outbound": ?"a"'
rt k07000z.test:8080 '"outbound": ?"b"'
rt k0004z.test:8080 '"rule": ?"final"'
rb_dp_stop
rb_pass "$CASES requests through $NKW keyword rules (q-gram index) routed as the rules say, route test agrees"
