#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Shadowsocks 2022 UDP through a relay (sing-box `destinations`, SIP023
# "UDP" and "Scenarios"), ringbox <-> ringbox (no 2022 peer is packaged
# in Debian), one dataplane every hop:
#   socks5_udp.py (cli) -> socks inbound -> 2022 outbound (R:IA:UA, R:PB)
#   -> ss_udp_relay.py (srv) -> relay inbound (destinations; ss_udp_in.c
#   with ss_dest_udp_relay) -> direct -> ss_udp_relay.py (srv) -> the
#   destination's 2022 inbound -> direct -> UDP echo / dnsmasq (srv)
# (ss_udp_relay.py carries each hop out of the dataplane and back: the
# dataplane cannot send to its own addresses.)
# Checks: through "dest-a" (a multi-user inbound, client keys R:IA:UA)
# and "dest-b" (a single-key inbound, R:PB): datagrams of 1, 100, 1000 and
# 1400 bytes echoed byte-exact (1400 needs IP fragments on the first hop)
# and a DNS query answered, each landing on its own destination inbound;
# a recorded packet replayed to the relay passes it and is refused by the
# destination's window (ss_udp_replay), dnsmasq sees the query once;
# an identity naming no destination (R:X) is dropped silently at the relay
# and counted (ss_udp_relay_unknown, the relay's auth failures), nothing
# reaches the destinations or dnsmasq; a wrong user key behind a good
# relay identity (R:IA:UX) passes the relay and is refused by dest-a
# (ss_udp_user).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/proxy_lib.sh"
. "$(dirname "$0")/ss_lib.sh"
rb_init
rb_require_cmd dnsmasq openssl curl
rb_topo_two_hosts
px_control_init
px_config "
$PX_CTL
$(ss_relay_cfg udp "" a b x w)
"
px_start
px_dnsmasq_start
px_wait_rules
ss_udp_relay_start 8400:18400 8401:18401 8402:18402
E="$RB_SRV_IP4:7007"
conns() { ss_metric "ringbox_proxy_conns_total{inbound=\"$1\"}"; }

# ---- both destinations: byte-exact both ways, each on its own inbound
r0=$(conns relay)
for d in a b; do
	[ "$d" = a ] && port=1080 || port=1081
	n0=$(conns "s$d") o0=$(conns "s$([ "$d" = a ] && echo b || echo a)")
	out=$(px_udp_client $port "echo:$E:1" "echo:$E:100" "echo:$E:1000" "echo:$E:1400" \
		"dns:$RB_SRV_IP4:53:relay-$d.example.test:$RB_SRV_IP4" 2>&1) ||
		rb_fail "dest-$d: $out"
	grep -q "query\[A\] relay-$d.example.test from $RB_DP_SRV_IP4" "$RB_TMP/dnsmasq.log" ||
		rb_fail "dest-$d: dnsmasq did not see the query from the appliance"
	# flows of the destination: the echo server and dnsmasq
	rb_assert_ge "$(($(conns "s$d") - n0))" 2 "dest-$d: flows of inbound s$d"
	rb_assert_eq "$(($(conns "s$([ "$d" = a ] && echo b || echo a)") - o0))" 0 \
		"dest-$d: flows of the other destination"
	rb_note "dest-$d: 1..1400-byte datagrams byte-exact through the relay, DNS ok"
done
# the relay: a flow (client address, destination) per destination at least
rb_assert_ge "$(($(conns relay) - r0))" 2 "relay flows"

# ---- a replay through the relay: it cannot tell (no session key) and
# passes it on; the destination's window refuses it
rb_dp_stats
rb_stats_mark
rb_wait_for 5 test -s "$RB_TMP/8400.bin" || rb_fail "the relay recorded nothing"
r=$(ip netns exec "$RB_NS_SRV" "$RB_PY" "$RB_LIB_DIR/replay_send.py" -u "$RB_DP_SRV_IP4" 18400 \
	"$RB_TMP/8400.bin") || rb_fail "replay client failed"
rb_assert_eq "$r" silent "a replay through the relay"
for i in $(seq 20); do
	rb_dp_stats
	[ "$(rb_stat_delta drop.ss_udp_replay)" -ge 1 ] && break
	sleep 0.25
done
rb_assert_eq "$(rb_stat_delta drop.ss_udp_replay)" 1 "replay refused by dest-b (ss_udp_replay)"
rb_assert_eq "$(rb_stat_delta drop.ss_udp_relay_unknown)" 0 "replay: refused by the relay"
rb_assert_eq "$(grep -c 'query\[A\] relay-b.example.test' "$RB_TMP/dnsmasq.log")" 1 \
	"replayed query: times it reached dnsmasq"

# ---- an identity naming no destination: silence, counted at the relay
rb_stats_mark
a0=$(ss_metric 'ringbox_proxy_auth_failures_total{inbound="relay"}')
n0=$(($(conns sa) + $(conns sb)))
PX_UDP_TIMEOUT=10 px_udp_client 1082 "dns:$RB_SRV_IP4:53:unknown.example.test:$RB_SRV_IP4" \
	>/dev/null 2>&1 && rb_fail "unknown identity: answered"
ss_metric_wait_gt 'ringbox_proxy_auth_failures_total{inbound="relay"}' "$a0" "unknown identity"
grep -q "unknown.example.test" "$RB_TMP/dnsmasq.log" && rb_fail "unknown identity: the query went through"
rb_assert_eq "$(($(conns sa) + $(conns sb) - n0))" 0 "unknown identity: flows of the destinations"
rb_dp_stats
rb_assert_stat_delta_ge drop.ss_udp_relay_unknown 1

# ---- a wrong user key behind a good relay identity: dest-a refuses it
rb_stats_mark
w0=$(ss_metric 'ringbox_proxy_auth_failures_total{inbound="sa"}')
PX_UDP_TIMEOUT=10 px_udp_client 1083 "dns:$RB_SRV_IP4:53:wronguser.example.test:$RB_SRV_IP4" \
	>/dev/null 2>&1 && rb_fail "wrong user: answered"
ss_metric_wait_gt 'ringbox_proxy_auth_failures_total{inbound="sa"}' "$w0" "wrong user"
grep -q "wronguser.example.test" "$RB_TMP/dnsmasq.log" && rb_fail "wrong user: the query went through"
rb_dp_stats
rb_assert_eq "$(rb_stat_delta drop.ss_udp_relay_unknown)" 0 "wrong user: refused by the relay"
rb_assert_stat_delta_ge drop.ss_udp_user 1

rb_dp_stop
rb_pass "2022 UDP through a relay to 2 destinations by identity, 1..1400 B byte-exact, DNS, replay, unknown identity, wrong user"
