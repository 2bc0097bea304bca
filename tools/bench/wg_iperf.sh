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
# The wireguard-go client bounds both A and B (it encrypts about as fast as
# the wireguard-go server decrypts), so two more runs use a faster load
# source, a second ringbox (WG_STREAMS parallel iperf3 streams, default 4):
#   gen --veth-- cli [client ringbox, routed endpoint, CPU 0] --veth-- dp --
#   srv; iperf3 from gen to srv, the client ringbox encrypts and initiates;
#   C. the server is ringbox (worker lcore on CPU 1);
#   D. the server is wireguard-go pinned to CPU 1, the kernel forwarding.
# Every process shares the two vCPUs with two busy-polling lcores in C (one
# in D), so the figures are only comparable within one run.
# Then bench_wg: the in-memory batched encrypt/decrypt against the bare
# ChaCha20-Poly1305 ceiling.
RB_TEST_NAME=bench_wg_iperf
. "$(dirname "$0")/../../tests/integration/lib.sh"
. "$(dirname "$0")/../../dataplane/wireguard/wg_itest.sh"
. "$(dirname "$0")/peers_lib.sh"
SECS=${1:-5}
STREAMS=${WG_STREAMS:-4}
rb_init
rb_require_cmd iperf3 taskset
wg_keys
wg_endpoint_cfg
rb_topo_two_hosts

iperf() { # label [ns [streams]] -> Mbit/s on stdout
	local out ns=${2:-$RB_NS_CLI} p=${3:-1}
	rb_bg "$RB_TMP/iperf_srv.out" ip netns exec "$RB_NS_SRV" iperf3 -s -1 -B "$RB_SRV_IP4" -p 5201
	sleep 0.5
	out=$(ip netns exec "$ns" timeout $((SECS + 20)) iperf3 -c "$RB_SRV_IP4" -p 5201 \
		-t "$SECS" -P "$p" -f m 2>&1) || rb_fail "iperf3 ($1): $out"
	if [ "$p" -gt 1 ]; then
		echo "$out" | awk '/SUM.*receiver/ {print $(NF-2)}'
	else
		echo "$out" | awk '/receiver/ {print $(NF-2)}'
	fi
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
GO_DP_PID=$RB_BG_PID
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

# ---- C/D: a second ringbox in cli is the load source ----
kill "$RB_WG_GO_PID"
wait "$RB_WG_GO_PID" 2>/dev/null
ip -n "$RB_NS_CLI" link del "${RB_ID}w" 2>/dev/null
pl_gen_topo
NS_GEN=$PL_NS_GEN
GEN_NET=$PL_GEN_NET
ip -n "$RB_NS_SRV" route add "$GEN_NET.0/24" via "$RB_DP_SRV_IP4"
cat >"$RB_TMP/client.cfg" <<CFG
log = { level = "info"; };
$(pl_client_dp_cfg "[ 0 ]")
endpoints = ( { type = "wireguard"; tag = "wgc"; address = [ "10.99.0.2/24" ];
  private_key = "$RB_WG_PEER_PRIV"; listen_port = $WG_PEER_PORT;
  peers = ( { address = "$RB_DP_CLI_IP4"; port = $WG_PORT; public_key = "$RB_WG_DP_PUB";
              pre_shared_key = "$RB_WG_PSK"; allowed_ips = [ "10.$RB_NET.2.0/24" ]; } ); } );
CFG
client_start() { pl_client_start "$RB_TMP/client.cfg"; }
client_stop() { pl_client_stop; }

# D first (wireguard-go still runs in dp): its peer gets gen's subnet too.
rb_ns "$RB_NS_DP" wg set "$GIF" peer "$RB_WG_PEER_PUB" allowed-ips "10.99.0.2/32,$GEN_NET.0/24"
ip -n "$RB_NS_DP" route add "$GEN_NET.0/24" dev "$GIF"
client_start
rb_wait_for 10 ip netns exec "$NS_GEN" ping -q -c 1 -W 1 "$RB_SRV_IP4" ||
	rb_fail "gen -> client ringbox -> wireguard-go -> srv: no ping"
D=$(iperf "ringbox client, wireguard-go server" "$NS_GEN" "$STREAMS")
client_stop
kill "$GO_DP_PID" 2>/dev/null
wait "$GO_DP_PID" 2>/dev/null
ip -n "$RB_NS_DP" link del "$GIF" 2>/dev/null
ip -n "$RB_NS_DP" addr flush dev "$RB_IF_DP_CLI"
ip -n "$RB_NS_DP" addr flush dev "$RB_IF_DP_SRV"
ip netns exec "$RB_NS_DP" sysctl -qw net.ipv4.ip_forward=0

# C: the server is ringbox again; its peer gets gen's subnet too.
wg_endpoint_cfg
RB_CFG_EXTRA=${RB_CFG_EXTRA/\"fd99::2\/128\"/\"fd99::2\/128\", \"$GEN_NET.0\/24\"}
rb_dp_config "$RB_CFG"
rb_dp_start
client_start
rb_wait_for 10 ip netns exec "$NS_GEN" ping -q -c 1 -W 1 "$RB_SRV_IP4" ||
	rb_fail "gen -> client ringbox -> ringbox -> srv: no ping"
C=$(iperf "ringbox client, ringbox server" "$NS_GEN" "$STREAMS")
client_stop
rb_dp_stop

echo "== WireGuard iperf3 TCP cli -> srv, inner MTU 1420, $SECS s each, same testbed"
echo "  through ringbox (1 worker lcore, CPU 1):     $A Mbit/s"
echo "  through wireguard-go (pinned to CPU 1):      $B Mbit/s"
awk -v a="$A" -v b="$B" 'BEGIN { if (b > 0) printf "  ratio ringbox / wireguard-go: %.2f (both bounded by the wireguard-go client in cli)\n", a / b }'
echo "== the same, load from a second ringbox (client lcore on CPU 0), $STREAMS iperf3 streams from gen"
echo "  server ringbox (1 worker lcore, CPU 1):      $C Mbit/s"
echo "  server wireguard-go (pinned to CPU 1):       $D Mbit/s"
awk -v a="$C" -v b="$D" 'BEGIN { if (b > 0) printf "  ratio ringbox / wireguard-go as the server: %.2f (goal >= 5)\n", a / b }'
if [ -x "$RB_BUILD/dataplane/wireguard/bench_wg" ]; then
	echo "== bench_wg (in memory, one core)"
	for len in 1420 64; do
		"$RB_BUILD/dataplane/wireguard/bench_wg" 2 $len | sed "s/^/  /"
	done
fi
RB_DONE=1
