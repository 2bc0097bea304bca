#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# tools/bench/tcp_echo.sh: the echo path of ringbox's TCP stack against a
# Linux echo server, on the veth testbed, in one run, with the same client
# (tests/integration/tcp_peer.py echo: random bytes out, echo read back
# concurrently, SHA-256 compared) and the same namespaces
# (tests/integration/lib.sh's two-host topology):
#
#   ringbox   the dataplane's diag echo (RFC 862) in the dp namespace,
#             worker lcore on CPU 1
#   linux     the kernel in the dp namespace (RB_DP_KERNEL=1) with
#             `tcp_peer.py echo-server` (a thread per connection, 1 MiB
#             recv + sendall) pinned to CPU 1.  (socat's PIPE echo deadlocks
#             on its own pipe once the client's window fills.)
#
# Figures: MB/s each way for BENCH_MB MiB (default 256), best byte-exact run
# of BENCH_RUNS (3) (stalled/corrupt runs shown as not ok), and cycles per
# byte echoed: ringbox = its workers' busy time (the `cpu busy_us` stats
# line: iterations that moved packets) / bytes; linux = the echo server's
# CPU time (user+sys, not softirq work) / bytes.  Then the ratios
# ringbox/linux.  Informational: no pass/fail.
# BENCH_LOSS=N drops N % of TCP packets each way at random in the client
# namespace (nftables numgen, as test_tcp_echo_bulk.sh), for both servers:
# how the two stacks' loss recovery compare on the same path.
# Ports on net_af_xdp (RB_DRIVER=af_packet for the other).  The Python client
# tops out near 58 MB/s each way even over loopback, so on the 2-vCPU VM both
# sides are largely client-bound.
#   RB_BUILD=build tools/bench/tcp_echo.sh      (BENCH_MB=128 BENCH_RUNS=3 ...)
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
LIB=$HERE/../../tests/integration
export RB_DRIVER=${RB_DRIVER:-af_xdp}

if [ "${1:-}" != --one ]; then
	out=$(mktemp)
	trap 'rm -f "$out"' EXIT
	for mode in ringbox linux; do
		RB_TEST_NAME=tcp_echo_$mode bash "$0" --one "$mode" | tee -a "$out" | grep -v '^RESULT' ||
			true
	done
	echo "loss ${BENCH_LOSS:-0} % each way, load average $(cut -d' ' -f1-3 /proc/loadavg)"
	awk '
	$1 == "RESULT" { mbps[$2] = $3; okr[$2] = $4; cpb[$2] = $5; n++ }
	END {
		if (!n) { print "no results"; exit 1 }
		printf "%-10s %12s %8s %14s\n", "echo", "MB/s each", "runs ok", "cycles/byte"
		for (k in mbps) printf "%-10s %12s %8s %14s\n", k, mbps[k], okr[k], cpb[k]
		if (mbps["linux"] + 0 > 0 && mbps["ringbox"] + 0 > 0)
			printf "\nringbox / linux throughput: %.2fx\n", mbps["ringbox"] / mbps["linux"]
		if (cpb["linux"] + 0 > 0 && cpb["ringbox"] + 0 > 0)
			printf "linux / ringbox cycles per byte (CPU per byte echoed): %.2fx\n", cpb["linux"] / cpb["ringbox"]
	}' "$out"
	exit 0
fi

MODE=$2
[ "$MODE" = linux ] && export RB_DP_KERNEL=1
. "$LIB/lib.sh"
rb_init
rb_require_cmd taskset bc
MB=${BENCH_MB:-256}
RUNS=${BENCH_RUNS:-3}
HZ=$(awk -F': ' '/^cpu MHz/ { printf "%d", $2 * 1e6; exit }' /proc/cpuinfo)
RB_CFG_EXTRA='services = ( { type = "diag"; tag = "diag"; echo = 7; } );'
rb_topo_two_hosts
if [ "$MODE" = ringbox ]; then
	rb_dp_start
else
	rb_bg "$RB_TMP/echo.log" ip netns exec "$RB_NS_DP" taskset -c 1 "$RB_PY" \
		"$LIB/tcp_peer.py" echo-server "$RB_DP_CLI_IP4" 7
	ECHO_PID=$RB_BG_PID
	rb_wait_for 5 grep -q listening "$RB_TMP/echo.log" || rb_fail "echo server did not start"
fi

LOSS=${BENCH_LOSS:-0}
if [ "$LOSS" != 0 ]; then
	rb_require_cmd nft
	rb_ns "$RB_NS_CLI" nft -f - <<NFT || rb_fail "nft setup failed"
table inet ${RB_ID}loss {
  chain out { type filter hook output priority 0; meta l4proto tcp numgen random mod 100 < $LOSS drop; }
  chain in { type filter hook input priority 0; meta l4proto tcp numgen random mod 100 < $LOSS drop; }
}
NFT
fi

# CPU seconds so far: the Linux echo server's (user + sys, all threads), or
# the dataplane workers' busy time.
echo_cpu() {
	if [ "$MODE" = ringbox ]; then
		rb_dp_stats
		echo "scale=6; $(rb_stat cpu.busy_us) / 1000000" | bc
	else
		rb_proc_cpu_seconds "$ECHO_PID"
	fi
}

best=0 ok=0 cpb=n/a
for ((r = 1; r <= RUNS; r++)); do
	c0=$(echo_cpu)
	line=$(rb_ns "$RB_NS_CLI" timeout $((${BENCH_TIMEOUT:-100} + 20)) "$RB_PY" "$LIB/tcp_peer.py" --timeout "${BENCH_TIMEOUT:-100}" echo \
		"$RB_DP_CLI_IP4" 7 $((MB << 20)) 2>&1 | tail -n 1)
	echo "$MODE run $r: $line"
	case $line in "echo ok "*) ;; *) continue ;; esac
	ok=$((ok + 1))
	secs=$(echo "$line" | awk '{ print $9 }' | tr -d s)
	rate=$(echo "scale=1; $MB * 1.048576 / $secs" | bc)
	if [ "$(echo "$rate > $best" | bc)" = 1 ]; then
		best=$rate
		# both directions' bytes cross the server: MB in and MB out
		cpb=$(echo "scale=2; ($(echo_cpu) - $c0) * $HZ / ($MB * 1048576)" | bc)
	fi
done
[ "$MODE" = ringbox ] && rb_dp_stop
echo "RESULT $MODE $best $ok/$RUNS $cpb"
rb_pass
