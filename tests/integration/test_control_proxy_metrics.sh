#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# The proxy's families in /metrics, on the real dataplane: curl in cli to
# nginx in srv through a socks inbound (user alice, routed by an auth_user
# rule to outbound direct2), an http inbound (route.final, outbound direct),
# a wrong password (an auth failure) and a port a rule rejects.  Scrapes
# before and after, checks that each number moved by what was done (the
# byte counters by at least the body size) and that the exposition is
# valid (promtool when installed).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/proxy_lib.sh"
rb_init
rb_require_cmd curl
PX_BIG=${PX_BIG:-1}
rb_topo_two_hosts
px_control_init
px_config "
$PX_CTL
inbounds = (
  { type = \"socks\"; tag = \"socks-in\"; listen = \"$RB_DP_CLI_IP4\"; listen_port = 1080;
    users = ( { username = \"alice\"; password = \"wonder\"; } ); },
  { type = \"http\"; tag = \"http-in\"; listen = \"$RB_DP_CLI_IP4\"; listen_port = 3128; }
);
outbounds = ( { type = \"direct\"; tag = \"direct\"; }, { type = \"direct\"; tag = \"direct2\"; } );
route = {
  rules = (
    { port = 8081; action = \"reject\"; },
    { auth_user = [\"alice\"]; outbound = \"direct2\"; }
  );
  final = \"direct\";
};
"
px_start nginx   # the dataplane gets a second FIB when control publishes
P=$RB_DP_CLI_IP4
px_wait_proxy "http://$P:3128"
# px_wait_proxy passes on a 403 too: wait until the rule table is in
px_wait_rules

scrape() { px_scrape "$@"; }
val() { px_val "$@"; }
# check that series moved by at least min between the two scrapes
moved() { # series min
	local a b
	a=$(val "$RB_TMP/m1.txt" "$1")
	b=$(val "$RB_TMP/m2.txt" "$1")
	[ $((b - a)) -ge "$2" ] || rb_fail "$1 moved by $((b - a)) ($a -> $b), expected >= $2"
	rb_log "$1: $a -> $b"
}
same() { # series
	local a b
	a=$(val "$RB_TMP/m1.txt" "$1")
	b=$(val "$RB_TMP/m2.txt" "$1")
	[ "$a" = "$b" ] || rb_fail "$1 changed ($a -> $b)"
}

scrape "$RB_TMP/m1.txt"
SIZE=$((PX_BIG << 20))
px_curl -o /dev/null -x "socks5://alice:wonder@$P:1080" "http://$RB_SRV_IP4:8080/big.bin" ||
	rb_fail "socks as alice: $PX_OUT"
px_curl -o /dev/null -x "http://$P:3128" "http://$RB_SRV_IP4:8080/big.bin" ||
	rb_fail "http: $PX_OUT"
px_curl -o /dev/null -x "socks5://alice:nope@$P:1080" "http://$RB_SRV_IP4:8080/" &&
	rb_fail "a wrong password was accepted"
px_curl -f -o /dev/null -x "http://$P:3128" "http://$RB_SRV_IP4:8081/" &&
	rb_fail "the reject rule did not reject"
# the last FINs may still be on their way: wait for the gauge
for ((i = 0; i < 20; i++)); do
	scrape "$RB_TMP/m2.txt"
	[ "$(val "$RB_TMP/m2.txt" 'ringbox_proxy_sessions_active')" = 0 ] && break
	sleep 0.25
done

moved 'ringbox_proxy_conns_total{inbound="socks-in"}' 2
moved 'ringbox_proxy_conns_total{inbound="http-in"}' 2
moved 'ringbox_proxy_sessions_total' 4
moved 'ringbox_proxy_bytes_total{inbound="socks-in",direction="down"}' "$SIZE"
moved 'ringbox_proxy_bytes_total{inbound="http-in",direction="down"}' "$SIZE"
moved 'ringbox_proxy_bytes_total{inbound="http-in",direction="up"}' 40
moved 'ringbox_proxy_outbound_conns_total{outbound="direct2"}' 1
moved 'ringbox_proxy_outbound_bytes_total{outbound="direct2",direction="down"}' "$SIZE"
moved 'ringbox_proxy_outbound_bytes_total{outbound="direct",direction="down"}' "$SIZE"
moved 'ringbox_proxy_rule_conns_total{rule="1"}' 1
moved 'ringbox_proxy_rule_bytes_total{rule="1",direction="down"}' "$SIZE"
moved 'ringbox_proxy_rule_conns_total{rule="0"}' 1
moved 'ringbox_proxy_rule_conns_total{rule="final"}' 1
moved 'ringbox_proxy_auth_failures_total{inbound="socks-in"}' 1
moved 'ringbox_proxy_handshake_errors_total{inbound="socks-in",reason="auth"}' 1
moved 'ringbox_proxy_rejected_total{inbound="http-in"}' 1
same 'ringbox_proxy_auth_failures_total{inbound="http-in"}'
same 'ringbox_proxy_rejected_total{inbound="socks-in"}'
# everything finished: nothing active (the gauges came back down)
for s in 'ringbox_proxy_sessions_active' 'ringbox_proxy_conns_active{inbound="socks-in"}' \
	'ringbox_proxy_outbound_conns_active{outbound="direct2"}' \
	'ringbox_proxy_rule_conns_active{rule="1"}'; do
	rb_assert_eq "$(val "$RB_TMP/m2.txt" "$s")" 0 "$s after the transfers"
done
if command -v promtool >/dev/null; then
	rb_expect_ok "promtool check metrics" sh -c "promtool check metrics <'$RB_TMP/m2.txt'"
fi
rb_dp_stop
rb_pass "conns, bytes per inbound/outbound/rule, auth failures, rejects moved; gauges back to 0"
