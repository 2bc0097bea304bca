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
# Per core: every run also gives the server's Mbit/s per CPU second it
# used during the iperf3 run (Mbit transferred / CPU seconds), the issue 7
# goal being ringbox >= 5x wireguard-go per core:
#   core  ringbox: the smaller of its worker lcore's busy seconds ("stats:
#         cpu busy_us" of its USR1 stats block; rdtsc over iterations that
#         moved packets, preemption inside one included) and the worker
#         thread's user + system time (it sleeps WG_RB_SLEEP_US, default 20,
#         after a run of empty polls, so that this follows its work); this
#         includes the kernel side of its af_xdp/af_packet I/O, which on veth
#         runs the receiving namespace's stack inside its TX kick.
#         wireguard-go: user + system time of its process (all its threads):
#         its TUN and UDP syscalls, and the forwarding of what it writes to
#         TUN, run in its context (no IRQ_TIME_ACCOUNTING on this kernel:
#         softirq work is charged to the task it interrupted).
#   user  user time only (ringbox's worker thread; wireguard-go's process):
#         the crypto and packet handling without the kernel I/O path.
# Neither counts the load source, iperf3, ringbox's main lcore.
# Testbed kernel setting, the same for every run (A-D):
#   WG_GRO=1  GRO on srv's veth end (`ethtool -K <srv veth> gro on`; the
#             other ends keep lib.sh's tx/tso/gso/gro off).  On 6.x kernels
#             this gives that veth a NAPI instance without XDP, so frames
#             sent to it are queued and received by NAPI with GRO instead of
#             netif_rx one by one.  Both servers' sends to srv run that NAPI
#             in their own context (softirq on bh enable), so it changes
#             what each is charged for srv's TCP receive.  Default 0 (off,
#             as the integration tests); the bench prints which was used.
#   What was measured (dataplane/wireguard/README.md): af_xdp copy-mode TX
#   builds one skb per frame and __dev_direct_xmit re-enables bh per frame,
#   so srv's NAPI runs per frame inside ringbox's sendto and GRO merges
#   almost nothing there.  wireguard-go 0.0.20220316 has no TUN GSO: it
#   writes one packet per write() (perf stat: 203 k writes for ~193 k
#   packets), each forwarded to srv inside that syscall, so GRO merges
#   nothing for it either; the setting moves neither figure.
# Every run also pings srv from the load's namespace through the tunnel, 10
# a second while iperf3 runs ("ping avg/max", ms: queueing behind iperf3's
# TCP included, so it shows what the endpoint's batching adds under load).
# BENCH_RPS=MASK (peers_lib.sh pl_rps): the cli and srv veths' receive path
# runs on the CPUs of MASK (1: CPU 0, the load side) by RPS instead of
# inside the sender's syscall; neither the relay under test (ringbox's TX
# kick, a kernel peer's sendmsg) pays for its neighbours' stacks then.
# Knobs for looking closer (informational):
#   WG_PERF=DIR    perf record -g (DIR/C.data, DIR/D.data) and perf stat
#                  (DIR/C.stat, D.stat: task clock, context switches, the
#                  send/receive/sleep syscalls) of the server under test
#                  during runs C and D
#   WG_DEVARGS=S   appended to every ringbox port's device string, both
#                  ringboxes (RB_DRIVER=af_packet WG_DEVARGS=,qdisc_bypass=1)
#   WG_CLIENT_SLEEP_US  idle_sleep_us of the load-source ringbox (default 0:
#                  it busy-polls CPU 0, so iperf3 and srv's stack crowd CPU 1)
#   RB_DP_BIN      the dataplane binary (lib.sh), to compare two builds
# Then bench_wg: the in-memory batched encrypt/decrypt against the bare
# ChaCha20-Poly1305 ceiling.
RB_TEST_NAME=bench_wg_iperf
. "$(dirname "$0")/../../tests/integration/lib.sh"
. "$(dirname "$0")/../../dataplane/wireguard/wg_itest.sh"
. "$(dirname "$0")/peers_lib.sh"
SECS=${1:-5}
# WG_DEVARGS (header)
eval "$(declare -f rb_dp_device | sed '1s/rb_dp_device/wg_dp_device_base/')"
rb_dp_device() { echo "$(wg_dp_device_base "$@")${WG_DEVARGS:-}"; }
STREAMS=${WG_STREAMS:-4}
rb_init
rb_require_cmd iperf3 taskset
wg_keys
wg_endpoint_cfg
# shellcheck disable=SC2034 # read by lib.sh's rb_dp_config
RB_CFG_DP_EXTRA="  idle_sleep_us = ${WG_RB_SLEEP_US:-20};"
rb_topo_two_hosts
pl_rps
GRO=${WG_GRO:-0}
if [ "$GRO" = 1 ]; then
	rb_ns "$RB_NS_SRV" ethtool -K "$RB_IF_SRV" gro on >/dev/null || rb_fail "ethtool gro on"
fi
LOAD0=$(cut -d' ' -f1-3 /proc/loadavg)

# "Mbit/s core user": iperf3's receiver rate, and the Mbit it moved per CPU
# second of the server under test (COST, USER_COST: commands printing its
# cumulative CPU seconds, as peers_lib's PL_COST; "-" where unset).
COST=
USER_COST=
PERF_ARGS=()
iperf() { # label [ns [streams [perf-name]]]
	local out ns=${2:-$RB_NS_CLI} p=${3:-1} c0='' c1='' u0='' u1='' mbps mbit perf='' ping rtt
	rb_bg "$RB_TMP/iperf_srv.out" ip netns exec "$RB_NS_SRV" iperf3 -s -1 -B "$RB_SRV_IP4" -p 5201
	sleep 0.5
	if [ -n "${WG_PERF:-}" ] && [ -n "${4:-}" ] && [ ${#PERF_ARGS[@]} -gt 0 ]; then
		# WG_PERF=DIR: perf record -g and perf stat (syscalls, context
		# switches) of the server under test during C and D
		mkdir -p "$WG_PERF"
		rb_bg "$RB_TMP/perf.out" perf record -q -e cpu-clock -g -o "$WG_PERF/$4.data" "${PERF_ARGS[@]}" \
			-- sleep "$((SECS + 1))"
		perf=$RB_BG_PID
		rb_bg "$RB_TMP/perfstat.out" perf stat -x, -o "$WG_PERF/$4.stat" \
			-e task-clock,context-switches,syscalls:sys_enter_sendto \
			-e syscalls:sys_enter_recvfrom,syscalls:sys_enter_clock_nanosleep \
			-e syscalls:sys_enter_write,syscalls:sys_enter_sendmmsg \
			-e syscalls:sys_enter_recvmmsg,syscalls:sys_enter_read \
			"${PERF_ARGS[@]}" -- sleep "$((SECS + 1))"
		perf="$perf $RB_BG_PID"
	fi
	[ -n "$COST" ] && c0=$($COST) && u0=$($USER_COST)
	# the round trip through the tunnel while it is loaded (ms, avg/max)
	ip netns exec "$ns" ping -q -c "$((SECS * 10 - 5))" -i 0.1 "$RB_SRV_IP4" \
		>"$RB_TMP/ping_load.out" 2>&1 &
	ping=$!
	out=$(ip netns exec "$ns" timeout $((SECS + 20)) iperf3 -c "$RB_SRV_IP4" -p 5201 \
		-t "$SECS" -P "$p" -f m 2>&1) || rb_fail "iperf3 ($1): $out"
	[ -n "$COST" ] && c1=$($COST) && u1=$($USER_COST)
	wait "$ping"
	rtt=$(awk -F/ '/^rtt/ { printf "%s/%s", $5, $6 }' "$RB_TMP/ping_load.out")
	# shellcheck disable=SC2086 # the perf PIDs
	[ -n "$perf" ] && wait $perf
	if [ "$p" -gt 1 ]; then
		mbps=$(echo "$out" | awk '/SUM.*receiver/ {print $(NF-2)}')
	else
		mbps=$(echo "$out" | awk '/receiver/ {print $(NF-2)}')
	fi
	# the receiver line's seconds: the time the rate is over
	mbit=$(echo "$out" | awk -v r="$mbps" '/receiver/ {
		for (i = 1; i <= NF; i++) if ($i ~ /^[0-9.]+-[0-9.]+$/) { split($i, t, "-"); s = t[2] } }
		END { printf "%.1f", r * s }')
	if [ -n "$COST" ]; then
		echo "  $1: $mbit Mbit, server CPU seconds $(pl_cost_all "$c0" "$c1") (core), $(pl_cost_all "$u0" "$u1") (user), ping ${rtt:--} ms" >&2
		echo "$mbps $(pl_per_cpu "$mbit" "$c0" "$c1") $(pl_per_cpu "$mbit" "$u0" "$u1") ${rtt:--}"
	else
		echo "$mbps - - ${rtt:--}"
	fi
}
# the server under test: ringbox's worker, or wireguard-go's process
cost_ringbox() {
	COST=pl_rb_stats_cost
	USER_COST="pl_worker_cpu_s $RB_DP_PID user"
	PERF_ARGS=(-t "$(grep -l '^rte-worker' /proc/"$RB_DP_PID"/task/*/comm | head -n 1 | cut -d/ -f5)")
}
cost_go() { COST="rb_proc_cpu_seconds $1"; USER_COST="pl_tree_user_s $1"; PERF_ARGS=(-p "$1"); }

# A: ringbox.
rb_dp_start
wg_peer_up 1
taskset -a -p -c 0 "$RB_WG_GO_PID" >/dev/null
rb_check_ping "$RB_NS_CLI" "$RB_SRV_IP4" 3
cost_ringbox
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
cost_go "$GO_DP_PID"
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
$(pl_client_dp_cfg "[ 0 ]" "${WG_CLIENT_SLEEP_US:-0}")
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
cost_go "$GO_DP_PID"
D=$(iperf "ringbox client, wireguard-go server" "$NS_GEN" "$STREAMS" D)
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
cost_ringbox
C=$(iperf "ringbox client, ringbox server" "$NS_GEN" "$STREAMS" C)
client_stop
rb_dp_stop

# one row: label "Mbit/s core user"
row() { set -- "$1" $2; printf "  %-42s %9s %10s %10s %13s\n" "$1" "$2" "$3" "$4" "$5"; }
# ratio row: label "a-row" "b-row"
ratios() {
	awk -v l="$1" -v a="$2" -v b="$3" -v note="$4" '
	function r(x, y) { return (x + 0 > 0 && y + 0 > 0) ? sprintf("%.2fx", x / y) : "n/a" }
	BEGIN { split(a, x, " "); split(b, y, " ")
		printf "  %-42s %9s %10s %10s  %s\n", l, r(x[1], y[1]), r(x[2], y[2]), r(x[3], y[3]), note }'
}
hdr() { printf "  %-42s %9s %10s %10s %13s\n" "" "Mbit/s" "core" "user" "ping avg/max"; }
echo "== WireGuard iperf3 TCP cli -> srv, inner MTU 1420, $SECS s each, same testbed"
echo "   load average $LOAD0 -> $(cut -d' ' -f1-3 /proc/loadavg); srv veth GRO $([ "$GRO" = 1 ] && echo on || echo off) (WG_GRO)"
echo "   (core, user: Mbit per CPU second of the server under test; see the header;"
echo "    ping: ms through the tunnel during the run, 10 a second)"
hdr
row "through ringbox (1 worker lcore, CPU 1)" "$A"
row "through wireguard-go (pinned to CPU 1)" "$B"
ratios "ratio ringbox / wireguard-go" "$A" "$B" "(raw: both bounded by the wireguard-go client)"
echo "== the same, load from a second ringbox (client lcore on CPU 0), $STREAMS iperf3 streams from gen"
hdr
row "server ringbox (1 worker lcore, CPU 1)" "$C"
row "server wireguard-go (pinned to CPU 1)" "$D"
ratios "ratio ringbox / wireguard-go as the server" "$C" "$D" "(goal >= 5 per core)"
if [ -x "$RB_BUILD/dataplane/wireguard/bench_wg" ]; then
	echo "== bench_wg (in memory, one core)"
	for len in 1420 64; do
		"$RB_BUILD/dataplane/wireguard/bench_wg" 2 $len | sed "s/^/  /"
	done
fi
RB_DONE=1
