#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Router: control's resolver sends its queries THROUGH THE DATAPLANE'S UDP.
# dnsmasq in srv answers a local zone (example.test); dns.servers points at
# it.  `ringboxctl route resolve NAME` starts a query as a worker would and
# shows the cached answer: checked at the server (dnsmasq's log sees the
# appliance's srv data-port address as the client), then served from the
# cache.  Then curl in cli through socks5h://
# fetches http://img.cdn.example.test:8080/ from nginx in srv, resolved the
# same way.  Then dnsmasq is stopped and a new name times out: a "failed"
# answer, control's timeout counter, and a clear log line.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/proxy_lib.sh"
rb_init
rb_require_cmd curl dnsmasq
RB_CTL_BIN=${RB_CTL_BIN:-$RB_BUILD/control/ringbox-control}
RB_CTLCLI=${RB_CTLCLI:-$RB_BUILD/tools/ringboxctl}
[ -x "$RB_CTL_BIN" ] && [ -x "$RB_CTLCLI" ] || rb_fail "ringbox-control/ringboxctl not built in $RB_BUILD"
SOCK=$RB_TMP/run/ctl.sock
MPORT=$((20000 + RANDOM % 20000))
rb_topo_two_hosts
px_config "
control = { ctl_socket = \"$SOCK\"; metrics_listen = \"127.0.0.1:$MPORT\"; };
$(px_socks_cfg)
dns = {
  servers = ( { tag = \"lan\"; type = \"udp\"; server = \"$RB_SRV_IP4\"; server_port = 53; } );
  strategy = \"ipv4_only\";
  timeout_ms = 500; retries = 1;
};
"
rb_dp_start --eal "-m 768"   # two FIBs while control's table replaces the start-up one
rb_bg "$RB_TMP/ctl.log" "$RB_CTL_BIN" -c "$RB_CFG"
rb_wait_for 10 sh -c "'$RB_CTLCLI' -s '$SOCK' --json status | grep -q '\"dataplane_up\":true'" ||
	rb_fail "control did not see the dataplane up: $(tail -n 5 "$RB_TMP/ctl.log" | tr '\n' ' ')"
px_nginx_start
rb_bg "$RB_TMP/dnsmasq.log" ip netns exec "$RB_NS_SRV" dnsmasq --no-daemon --user=root \
	--no-resolv --no-hosts --bind-interfaces --listen-address="$RB_SRV_IP4" --port=53 \
	--pid-file="$RB_TMP/dnsmasq.pid" --log-queries --log-facility=- \
	--address=/example.test/"$RB_SRV_IP4"
DNS_PID=$RB_BG_PID
rb_wait_for 5 grep -q "started" "$RB_TMP/dnsmasq.log" || rb_fail "dnsmasq did not start: $(cat "$RB_TMP/dnsmasq.log")"
rbctl() { "$RB_CTLCLI" -s "$SOCK" "$@"; }
# poll `route resolve NAME` until it is no longer pending; JSON in RB_OUT
resolve() { # name
	local i
	for ((i = 0; i < 50; i++)); do
		RB_OUT=$(rbctl --json route resolve "$1" 2>&1) || rb_fail "route resolve $1: $RB_OUT"
		case $RB_OUT in *'"state":"pending"'*) sleep 0.1 ;; *) return 0 ;; esac
	done
	rb_fail "route resolve $1 still pending after 5 s: $RB_OUT"
}
rb_wait_for 10 sh -c "'$RB_CTLCLI' -s '$SOCK' --json route resolve warmup.example.test | grep -q '\"ok\":true'" ||
	rb_fail "route resolve never answered: $("$RB_CTLCLI" -s "$SOCK" --json route resolve x.example.test)"

# 1. a name resolved through the dataplane's UDP
resolve www.example.test
rb_assert_match "$RB_OUT" '"state":"answer"' "www.example.test answered"
rb_assert_match "$RB_OUT" "\"addresses\":\\[\"$RB_SRV_IP4\"" "www.example.test -> $RB_SRV_IP4"
rb_assert_match "$RB_OUT" '"dp_udp_sent":[1-9]' "the dataplane sent the query"
rb_assert_match "$RB_OUT" '"dp_udp_recv":[1-9]' "the dataplane returned the reply"
# dnsmasq saw the query from the appliance's data port address
grep -q "query\[A\] www.example.test from $RB_DP_SRV_IP4" "$RB_TMP/dnsmasq.log" ||
	rb_fail "dnsmasq did not see the query from $RB_DP_SRV_IP4: $(grep query "$RB_TMP/dnsmasq.log" | tail -3)"
n1=$(grep -c "query\[A\] www.example.test" "$RB_TMP/dnsmasq.log")
resolve WWW.Example.Test.
rb_assert_match "$RB_OUT" '"state":"answer"' "cached answer (case and trailing dot folded)"
n2=$(grep -c "query\[A\] www.example.test" "$RB_TMP/dnsmasq.log")
rb_assert_eq "$n2" "$n1" "queries for a cached name"

# 1b. through the proxy (socks5h: the domain goes to the appliance)
px_wait_proxy "socks5://$RB_DP_CLI_IP4:1080"
PX_TIMEOUT=10 px_curl -x "socks5h://$RB_DP_CLI_IP4:1080" "http://img.cdn.example.test:8080/index.html" ||
	rb_fail "curl socks5h://.../img.cdn.example.test: $PX_OUT"
[ "$PX_OUT" = "hello from srv" ] || rb_fail "img.cdn.example.test: got '$PX_OUT'"
grep -q "query\[A\] img.cdn.example.test from $RB_DP_SRV_IP4" "$RB_TMP/dnsmasq.log" ||
	rb_fail "dnsmasq did not see the proxy's query"

# 2. the server stops answering: a clear error, counted
rb__kill_pid "$DNS_PID"
resolve gone.example.test
rb_assert_match "$RB_OUT" '"state":"failed"' "unanswered name fails"
rb_assert_match "$RB_OUT" '"timeouts":[1-9]' "timeout counted"
rb_wait_for 5 grep -q "resolver: gone.example.test: no answer after 2 attempts of 500 ms" "$RB_TMP/ctl.log" ||
	rb_fail "no clear resolver error in the control log: $(tail -n 5 "$RB_TMP/ctl.log" | tr '\n' ' ')"
rb_note "$(grep 'resolver: gone' "$RB_TMP/ctl.log" | head -1)"
# the same counters in /metrics, which stays valid exposition format
curl -sf --max-time 5 "http://127.0.0.1:$MPORT/metrics" >"$RB_TMP/metrics.txt" || rb_fail "GET /metrics"
if command -v promtool >/dev/null; then
	rb_expect_ok "promtool check metrics" sh -c "promtool check metrics <'$RB_TMP/metrics.txt'"
fi
grep -qE '^ringbox_resolver_timeouts_total [1-9]' "$RB_TMP/metrics.txt" ||
	rb_fail "no resolver timeout in /metrics: $(grep resolver "$RB_TMP/metrics.txt" | head -5)"
grep -qE '^ringbox_resolver_datagrams_total\{direction="received"\} [1-9]' "$RB_TMP/metrics.txt" ||
	rb_fail "no received resolver datagram in /metrics"

# 3. rule tables replaced at run time: each new table is acked only after
# the grace period of the one it replaced (non-blocking token check), so a
# third table can only be applied once the second's predecessor was freed
for g in 2 3; do
	sed -i "s|route = { final = \\\"direct\\\"; };|route = { rules = ( { domain_suffix = [\\\"t$g.example\\\"]; action = \\\"reject\\\"; } ); final = \\\"direct\\\"; };|; s|t[0-9].example|t$g.example|" "$RB_CFG"
	rb_expect_ok "reload $g" rbctl reload
	rb_wait_for 5 grep -q "route: rule table $g applied" "$RB_TMP/dp.out" "$RB_TMP/dp.err" ||
		rb_fail "rule table $g not applied: $(grep 'rule table' "$RB_TMP/dp.out" "$RB_TMP/dp.err" | tail -2)"
done
rb_expect_ok "route test" rbctl route test --inbound socks-in --dst a.t3.example:80
rb_assert_match "$RB_OUT" "reject" "the third table decides"
rb_dp_stop
rb_pass "resolved through the dataplane's UDP (seen by dnsmasq from $RB_DP_SRV_IP4), cached, socks5h curl by name, timeout reported and counted"
