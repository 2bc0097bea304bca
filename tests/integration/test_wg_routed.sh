#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# WireGuard routed mode against wireguard-go (the peer initiates): handshake,
# ping to the endpoint address and to srv through the tunnel (IPv4 and IPv6
# inner), oversize IPv4 without DF fragmented into the tunnel, an iperf3 TCP transfer, roaming (the peer's source address moves),
# and a peer with an unknown key (no handshake, counted).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/../../dataplane/wireguard/wg_itest.sh"
rb_init
rb_require_cmd iperf3
wg_keys
wg_endpoint_cfg
rb_topo_two_hosts
rb_dp_start
wg_peer_up 1

# Handshake and inner IPv4/IPv6 through the tunnel.
rb_check_ping "$RB_NS_CLI" 10.99.0.1 3
rb_check_ping "$RB_NS_CLI" "$RB_SRV_IP4" 3
rb_check_ping "$RB_NS_CLI" "$RB_SRV_IP6" 3
rb_check_ping "$RB_NS_SRV" 10.99.0.2 3
[ "$(wg_peer_handshake)" != 0 ] || rb_fail "wireguard-go saw no handshake"
# Above the endpoint MTU (1408) without DF: fragmented inside the tunnel.
rb_stats_mark
rb_check_ping "$RB_NS_SRV" 10.99.0.2 3 -M dont -s 1450
rb_dp_stats
rb_assert_stat_delta_ge event.frag_tx 6
rb_assert_eq "$(rb_stat_delta drop.wg_mtu)" 0 "oversize IPv4 without DF dropped"
rb_dp_stats
rb_assert_stat_ge event.wg_hs_completed 1
rb_assert_stat_ge event.wg_rx_data 12
rb_assert_stat_ge event.wg_tx_data 12

# Bulk: iperf3 from cli to srv through the tunnel.
rb_bg "$RB_TMP/iperf_srv.out" ip netns exec "$RB_NS_SRV" iperf3 -s -1 -B "$RB_SRV_IP4" -p 5201
sleep 0.5
RB_OUT=$(rb_ns "$RB_NS_CLI" timeout 30 iperf3 -c "$RB_SRV_IP4" -p 5201 -t 3 -f m 2>&1) ||
	rb_fail "iperf3 through the tunnel: $RB_OUT"
rate=$(echo "$RB_OUT" | awk '/receiver/ {print $(NF-2)}')
rb_note "iperf3 cli -> srv through ringbox wg: ${rate} Mbit/s"
rb_dp_stats
rb_assert_stat_ge event.wg_rx_data 1000

# Roaming: the peer's packets now come from another address.
ip -n "$RB_NS_CLI" addr add "10.$RB_NET.1.3/24" dev "$RB_IF_CLI"
ip -n "$RB_NS_CLI" route add "$RB_DP_CLI_IP4/32" dev "$RB_IF_CLI" src "10.$RB_NET.1.3"
rb_check_ping "$RB_NS_CLI" "$RB_SRV_IP4" 3
rb_ns "$RB_NS_CLI" wg show "$RB_WG_IF" endpoints >/dev/null

# An unknown key: another wireguard-go identity gets no handshake.
rb_dp_stats
rb_stats_mark
RB_WG_PEER_PRIV=$(wg genkey)
echo "$RB_WG_PEER_PRIV" >"$RB_TMP/peer.key"
rb_ns "$RB_NS_CLI" wg set "$RB_WG_IF" private-key "$RB_TMP/peer.key"
rb_ping "$RB_NS_CLI" "$RB_SRV_IP4" 2
rb_dp_stats
rb_assert_stat_delta_ge drop.wg_hs_unknown_peer 1
rb_assert_eq "$(rb_stat_delta event.wg_hs_completed)" 0 "handshakes with an unknown key"

rb_dp_stop
rb_pass
