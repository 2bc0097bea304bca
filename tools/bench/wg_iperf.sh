#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# WireGuard throughput, ringbox vs wireguard-go, same testbed, same run
# (dataplane/wireguard/README.md, "Tests and bench"; informational, no
# pass/fail on timing).
#
#   tools/bench/wg_iperf.sh [SECONDS]      (root; RB_BUILD as the tests)
#
# Topology (tests/integration/lib.sh): cli -- dp -- srv over veth.  In both
# runs a wireguard-go client in cli (pinned to CPU 0) sends iperf3 TCP
# through its tunnel (MTU 1420: 1420-byte inner packets) to srv:
#   A. ringbox in dp terminates the tunnel (its worker lcore on CPU 1);
#   B. wireguard-go in dp, pinned to CPU 1 (the CPU ringbox polls on),
#      same keys and addresses, the kernel forwarding to srv.
# Then bench_wg: the in-memory batched encrypt/decrypt against the bare
# ChaCha20-Poly1305 ceiling.
RB_TEST_NAME=bench_wg_iperf
. "$(dirname "$0")/../../tests/integration/lib.sh"
. "$(dirname "$0")/../../dataplane/wireguard/wg_itest.sh"
SECS=${1:-5}
rb_init
rb_require_cmd iperf3 taskset
wg_keys
wg_endpoint_cfg
rb_topo_two_hosts

iperf() { # label -> Mbit/s on stdout
	local out
	rb_bg "$RB_TMP/iperf_srv.out" ip netns exec "$RB_NS_SRV" iperf3 -s -1 -B "$RB_SRV_IP4" -p 5201
	sleep 0.5
	out=$(ip netns exec "$RB_NS_CLI" timeout $((SECS + 20)) iperf3 -c "$RB_SRV_IP4" -p 5201 \
		-t "$SECS" -f m 2>&1) || rb_fail "iperf3 ($1): $out"
	echo "$out" | awk '/receiver/ {print $(NF-2)}'
}

# A: ringbox.
rb_dp_start
wg_peer_up 1
taskset -a -p -c 0 "$RB_WG_GO_PID" >/dev/null
rb_check_ping "$RB_NS_CLI" "$RB_SRV_IP4" 3
A=$(iperf ringbox)
rb_dp_stop
kill "$RB_WG_GO_PID"
wait "$RB_WG_GO_PID" 2>/dev/null

# B: wireguard-go on the dp namespace's kernel, pinned to CPU 1.
ip netns exec "$RB_NS_DP" sysctl -qw net.ipv4.ip_forward=1
ip -n "$RB_NS_DP" addr add "$RB_DP_CLI_IP4/24" dev "$RB_IF_DP_CLI"
ip -n "$RB_NS_DP" addr add "$RB_DP_SRV_IP4/24" dev "$RB_IF_DP_SRV"
ip -n "$RB_NS_DP" link set "$RB_IF_DP_CLI" xdp off 2>/dev/null
ip -n "$RB_NS_DP" link set "$RB_IF_DP_SRV" xdp off 2>/dev/null
GIF=${RB_ID}g
echo "$RB_WG_DP_PRIV" >"$RB_TMP/dp.key"
echo "$RB_WG_PSK" >"$RB_TMP/dp.psk"
rb_bg "$RB_TMP/wggo_dp.out" ip netns exec "$RB_NS_DP" env WG_PROCESS_FOREGROUND=1 \
	LOG_LEVEL=error GOMAXPROCS=1 taskset -c 1 wireguard-go "$GIF"
rb_wait_for 10 test -S "/var/run/wireguard/$GIF.sock" || rb_fail "wireguard-go (dp) did not start"
rb_ns "$RB_NS_DP" wg set "$GIF" listen-port "$WG_PORT" private-key "$RB_TMP/dp.key" \
	peer "$RB_WG_PEER_PUB" preshared-key "$RB_TMP/dp.psk" allowed-ips 10.99.0.2/32 ||
	rb_fail "wg set (dp)"
ip -n "$RB_NS_DP" addr add 10.99.0.1/24 dev "$GIF"
ip -n "$RB_NS_DP" link set "$GIF" mtu 1420 up
ip -n "$RB_NS_CLI" link del "${RB_ID}w" 2>/dev/null
ip -n "$RB_NS_SRV" route del 10.99.0.0/24 2>/dev/null
ip -n "$RB_NS_SRV" -6 route del fd99::/64 2>/dev/null
wg_peer_up 1
taskset -a -p -c 0 "$RB_WG_GO_PID" >/dev/null
rb_check_ping "$RB_NS_CLI" "$RB_SRV_IP4" 3
B=$(iperf wireguard-go)

echo "== WireGuard iperf3 TCP cli -> srv, inner MTU 1420, $SECS s each, same testbed"
echo "  through ringbox (1 worker lcore, CPU 1):     $A Mbit/s"
echo "  through wireguard-go (pinned to CPU 1):      $B Mbit/s"
awk -v a="$A" -v b="$B" 'BEGIN { if (b > 0) printf "  ratio ringbox / wireguard-go: %.2f (goal >= 5; both bounded by the wireguard-go client in cli)\n", a / b }'
if [ -x "$RB_BUILD/dataplane/wireguard/bench_wg" ]; then
	echo "== bench_wg (in memory, one core)"
	for len in 1420 64; do
		"$RB_BUILD/dataplane/wireguard/bench_wg" 2 $len | sed "s/^/  /"
	done
fi
RB_DONE=1
