#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Proxy authentication: SOCKS5 username/password (RFC 1929) on a socks
# inbound and HTTP Basic proxy auth (RFC 9110 11.7, 407 answer) on an http
# inbound, plus both on one mixed inbound, with curl in cli.  Right
# credentials fetch the page (nginx in srv logs each one); wrong or missing
# credentials get an error at the client and never reach nginx; the
# dataplane's proxy_err_auth counter and ringboxctl stats move by the number
# of failures.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/proxy_lib.sh"
rb_init
rb_require_cmd curl
rb_topo_two_hosts
PX_CTL=$(px_control_cfg)
PX_SOCK=$RB_TMP/run/ctl.sock
USERS='users = ( { username = "alice"; password = "wonder:land"; },
             { username = "bob"; password = "b0b"; } );'
px_config "
$PX_CTL
inbounds = (
  { type = \"socks\"; tag = \"socks-in\"; listen = \"$RB_DP_CLI_IP4\"; listen_port = 1080; $USERS },
  { type = \"http\"; tag = \"http-in\"; listen = \"$RB_DP_CLI_IP4\"; listen_port = 3128; $USERS },
  { type = \"mixed\"; tag = \"mixed-in\"; listen = \"$RB_DP_CLI_IP4\"; listen_port = 2080; $USERS },
  { type = \"socks\"; tag = \"open-in\"; listen = \"$RB_DP_CLI_IP4\"; listen_port = 1081; }
);
outbounds = ( { type = \"direct\"; tag = \"direct\"; } );
"
rb_dp_start --eal "-m 768"
px_control_start
px_nginx_start
P=$RB_DP_CLI_IP4
CTL=$RB_BUILD/tools/ringboxctl
px_wait_proxy "socks5://$P:1081"
rb_dp_stats
rb_stats_mark
ctl_auth() { "$CTL" -s "$PX_SOCK" stats -a | awk '$1 ~ /proxy_err_auth/ { print $NF; exit }'; }
A0=$(ctl_auth)
[ -n "$A0" ] || rb_fail "ringboxctl stats has no proxy_err_auth line: $("$CTL" -s "$PX_SOCK" stats -a 2>&1 | grep -i proxy | head -5 | tr "\n" " ")"

# nginx log lines for a unique path: the request reached the origin
hits() { grep -c " /$1 " "$RB_TMP/nginx/access.log"; }
n=0
OKS=0
ok() { # tag proxy [curl args]
	local tag=$1 proxy=$2
	shift 2
	n=$((n + 1))
	cp "$RB_TMP/www/index.html" "$RB_TMP/www/ok$n"
	px_curl "$@" -x "$proxy" "http://$RB_SRV_IP4:8080/ok$n" || rb_fail "$tag: $PX_OUT"
	[ "$PX_OUT" = "hello from srv" ] || rb_fail "$tag: got '$PX_OUT'"
	rb_assert_eq "$(hits "ok$n")" 1 "$tag: nginx log lines for /ok$n"
	OKS=$((OKS + 1))
}
FAILS=0
bad() { # tag proxy expected-error-regex [curl args]
	local tag=$1 proxy=$2 re=$3
	shift 3
	n=$((n + 1))
	cp "$RB_TMP/www/index.html" "$RB_TMP/www/bad$n"
	px_curl -w '\nhttp=%{http_code}\n' "$@" -x "$proxy" "http://$RB_SRV_IP4:8080/bad$n"
	[[ $PX_OUT =~ $re ]] || rb_fail "$tag: curl said '$(echo "$PX_OUT" | tr '\n' ' ')', expected /$re/"
	rb_assert_eq "$(hits "bad$n")" 0 "$tag: nginx log lines for /bad$n (must not reach the origin)"
	FAILS=$((FAILS + 1))
}

# SOCKS5, RFC 1929: ':' is legal in a password
ok "socks5 alice" "socks5://alice:wonder%3Aland@$P:1080"
ok "socks5h bob" "socks5h://bob:b0b@$P:1080"
bad "socks5 wrong password" "socks5://alice:wonder@$P:1080" "(rejected|authentication|User was)"
bad "socks5 unknown user" "socks5h://mallory:b0b@$P:1080" "(rejected|authentication|User was)"
bad "socks5 other user's password" "socks5://bob:wonder%3Aland@$P:1080" "(rejected|authentication|User was)"
# no credentials offered: the server must refuse the no-auth method (0xFF)
bad "socks5 no credentials" "socks5://$P:1080" "(No authentication method|authentication|Unable to receive)"
# SOCKS4 carries no password: an inbound with users refuses it
bad "socks4 on an auth inbound" "socks4://$P:1080" "(rejected|Failed|SOCKS4|reply)"

# HTTP Basic: forwarding (407 status) and CONNECT (tunnel failed, 407)
ok "http alice" "http://alice:wonder%3Aland@$P:3128"
ok "http CONNECT bob" "http://bob:b0b@$P:3128" -p
bad "http wrong password" "http://alice:nope@$P:3128" "http=407"
bad "http no credentials" "http://$P:3128" "http=407"
bad "http CONNECT wrong" "http://bob:bob@$P:3128" "407" -p
# a 407 must ask for Basic
hdr=$(ip netns exec "$RB_NS_CLI" curl -s -o /dev/null -D - --max-time 10 -x "http://$P:3128" \
	"http://$RB_SRV_IP4:8080/") || true
[[ $hdr =~ [Pp]roxy-[Aa]uthenticate:\ *Basic ]] ||
	rb_fail "407 without Proxy-Authenticate: Basic: $(echo "$hdr" | tr '\r\n' '  ')"
FAILS=$((FAILS + 1))

# mixed: both protocols on one port, the same users
ok "mixed socks5" "socks5h://bob:b0b@$P:2080"
ok "mixed http" "http://alice:wonder%3Aland@$P:2080"
bad "mixed socks5 wrong" "socks5://bob:x@$P:2080" "(rejected|authentication|User was)"
bad "mixed http wrong" "http://bob:x@$P:2080" "http=407"
# an inbound without users does not ask
ok "open socks5" "socks5://$P:1081"

rb_dp_stats
d=$(rb_stat_delta event.proxy_err_auth)
rb_assert_eq "$d" "$FAILS" "proxy_err_auth delta (one per refused client)"
A1=$(ctl_auth)
rb_assert_eq "$((A1 - A0))" "$FAILS" "ringboxctl stats proxy_err_auth delta"
rb_dp_stop
rb_pass "$FAILS refused, $OKS accepted, counters match"
