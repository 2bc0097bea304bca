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
# BENCH_LINUX_CC (default cubic): the Linux echo server's congestion control
# (TCP_CONGESTION on its listener).  Without it the server gets the
# namespace's default, inherited from the host: bbr on the project VMs,
# which does not back off on random loss, so a loss comparison against it
# compares congestion controllers rather than loss recovery.  (A namespace
# may not set a default outside tcp_allowed_congestion_control: EPERM.)
# BENCH_FLOORS=1: timer floors for the veth RTT on both ends, as
# test_tcp_echo_bulk.sh: ringbox's dataplane.tcp (BENCH_TCP_CFG, default
# rto_min_ms 4, tlp_wcdelack_ms 2, delack_ms 5) and the client's routes
# (rto_min 10ms quickack 1); the Linux server keeps its own defaults.
# RB_BUILD_B=dir: a second ringbox build ("ringbox_b"), run alternately with
# RB_BUILD's in the same session (old/new binaries on a noisy machine);
# BENCH_ALT=N repeats the ringbox[/ringbox_b]/linux round N times (default
# 1).  Every run's MB/s is listed; the table gives the best and the median.
# Per ringbox run: recovery episodes, retransmissions, RTOs and probes; per
# run of either: the client's `rwnd_limited` share (ss -ti: the time the
# client's sending waited on the echo server's window, i.e. on the echo
# server's own sending back).
#   RB_BUILD=build tools/bench/tcp_echo.sh      (BENCH_MB=128 BENCH_RUNS=3 ...)
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
LIB=$HERE/../../tests/integration
export RB_DRIVER=${RB_DRIVER:-af_xdp}

if [ "${1:-}" != --one ]; then
	out=$(mktemp)
	trap 'rm -f "$out"' EXIT
	modes="ringbox${RB_BUILD_B:+ ringbox_b} linux"
	for ((alt = 0; alt < ${BENCH_ALT:-1}; alt++)); do
		for mode in $modes; do
			RB_TEST_NAME=tcp_echo_$mode bash "$0" --one "$mode" | tee -a "$out" |
				grep -Ev '^(RESULT|RATE) ' || true
		done
	done
	echo "loss ${BENCH_LOSS:-0} % each way, floors ${BENCH_FLOORS:-0}, linux cc ${BENCH_LINUX_CC:-cubic}, load average $(cut -d' ' -f1-3 /proc/loadavg)"
	awk '
	$1 == "RESULT" { okr[$2] += $4; tot[$2] += $5; if ($6 != "n/a") cpb[$2] = $6; n++ }
	$1 == "RATE" { r[$2] = r[$2] " " $3; k = $2; m = ++cnt[k]; v[k, m] = $3 + 0 }
	END {
		if (!n) { print "no results"; exit 1 }
		printf "%-10s %8s %8s %8s %14s  %s\n", "echo", "best", "median", "runs ok", "cycles/byte", "MB/s each way, run by run"
		for (k in okr) {
			best = 0; med = 0; c = cnt[k]
			for (i = 1; i <= c; i++) { if (v[k, i] > best) best = v[k, i]; s[i] = v[k, i] }
			for (i = 1; i <= c; i++) for (j = i + 1; j <= c; j++) if (s[j] < s[i]) { t = s[i]; s[i] = s[j]; s[j] = t }
			if (c) med = (c % 2) ? s[(c + 1) / 2] : (s[c / 2] + s[c / 2 + 1]) / 2
			bst[k] = best; mdn[k] = med
			printf "%-10s %8.1f %8.1f %8s %14s %s\n", k, best, med, okr[k] "/" tot[k], (k in cpb) ? cpb[k] : "n/a", r[k]
		}
		if (mdn["linux"] + 0 > 0 && mdn["ringbox"] + 0 > 0)
			printf "\nringbox / linux throughput (medians): %.2fx\n", mdn["ringbox"] / mdn["linux"]
		if (mdn["ringbox"] + 0 > 0 && mdn["ringbox_b"] + 0 > 0)
			printf "ringbox_b / ringbox throughput (medians): %.2fx\n", mdn["ringbox_b"] / mdn["ringbox"]
		if (cpb["linux"] + 0 > 0 && cpb["ringbox"] + 0 > 0)
			printf "linux / ringbox cycles per byte (CPU per byte echoed): %.2fx\n", cpb["linux"] / cpb["ringbox"]
	}' "$out"
	exit 0
fi

MODE=$2
[ "$MODE" = linux ] && export RB_DP_KERNEL=1
[ "$MODE" = ringbox_b ] && export RB_BUILD=$RB_BUILD_B RB_DP_BIN=$RB_BUILD_B/dataplane/ringbox-dataplane
. "$LIB/lib.sh"
rb_init
rb_require_cmd taskset bc
MB=${BENCH_MB:-256}
RUNS=${BENCH_RUNS:-3}
HZ=$(awk -F': ' '/^cpu MHz/ { printf "%d", $2 * 1e6; exit }' /proc/cpuinfo)
RB_CFG_EXTRA='services = ( { type = "diag"; tag = "diag"; echo = 7; } );'
[ "${BENCH_FLOORS:-0}" = 1 ] &&
	RB_CFG_DP_EXTRA=${BENCH_TCP_CFG:-'tcp = { rto_min_ms = 4; tlp_wcdelack_ms = 2; delack_ms = 5; };'}
rb_topo_two_hosts
if [ "${BENCH_FLOORS:-0}" = 1 ]; then
	ip -n "$RB_NS_CLI" -6 route replace "$RB_NET6:1::/64" dev "$RB_IF_CLI" rto_min 10ms quickack 1 &&
		ip -n "$RB_NS_CLI" route replace "10.$RB_NET.1.0/24" dev "$RB_IF_CLI" rto_min 10ms quickack 1 ||
		rb_fail "ip route rto_min/quickack in $RB_NS_CLI"
fi
if [ "$MODE" != linux ]; then
	rb_dp_start
else
	rb_bg "$RB_TMP/echo.log" ip netns exec "$RB_NS_DP" taskset -c 1 "$RB_PY" \
		"$LIB/tcp_peer.py" --cc "${BENCH_LINUX_CC:-cubic}" echo-server "$RB_DP_CLI_IP4" 7
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
	if [ "$MODE" != linux ]; then
		rb_dp_stats
		echo "scale=6; $(rb_stat cpu.busy_us) / 1000000" | bc
	else
		rb_proc_cpu_seconds "$ECHO_PID"
	fi
}

# The client's ss -ti line for the echo connection, sampled until it ends:
# its last sample's rwnd_limited share.
ss_watch() { # pid
	local last=
	while kill -0 "$1" 2>/dev/null; do
		last=$(rb_ns "$RB_NS_CLI" ss -tinH dst "$RB_DP_CLI_IP4" dport = 7 2>/dev/null | tr -s ' \t\n' ' ')
		[ -n "$last" ] && echo "$last" >"$RB_TMP/ss.last"
		# the Linux server's congestion control as its socket reports it
		[ "$MODE" = linux ] && rb_ns "$RB_NS_DP" ss -tinH sport = 7 2>/dev/null |
			grep -o -m 1 -E '\b(cubic|bbr|reno|[a-z0-9]+) wscale' | cut -d' ' -f1 >>"$RB_TMP/cc"
		sleep 0.2
	done
}

best=0 ok=0 cpb=n/a
for ((r = 1; r <= RUNS; r++)); do
	c0=$(echo_cpu)
	if [ "$MODE" != linux ]; then rb_dp_stats; rb_stats_mark; fi
	: >"$RB_TMP/ss.last"
	rb_ns "$RB_NS_CLI" timeout $((${BENCH_TIMEOUT:-100} + 20)) "$RB_PY" "$LIB/tcp_peer.py" --timeout "${BENCH_TIMEOUT:-100}" echo \
		"$RB_DP_CLI_IP4" 7 $((MB << 20)) >"$RB_TMP/client.out" 2>&1 &
	cpid=$!
	ss_watch "$cpid"
	wait "$cpid"
	line=$(tail -n 1 "$RB_TMP/client.out")
	rwl=$(grep -o 'rwnd_limited:[^ ]*' "$RB_TMP/ss.last" | head -n 1)
	cc=
	[ "$MODE" = linux ] && cc=" server cc $(sort -u "$RB_TMP/cc" 2>/dev/null | tr '\n' ' ')"
	echo "$MODE run $r: $line ${rwl:-rwnd_limited:none}$cc"
	case $line in "echo ok "*) ;; *) continue ;; esac
	ok=$((ok + 1))
	secs=$(echo "$line" | awk '{ print $9 }' | tr -d s)
	rate=$(echo "scale=1; $MB * 1.048576 / $secs" | bc)
	echo "RATE $MODE $rate"
	if [ "$MODE" != linux ]; then
		rb_dp_stats
		echo "$MODE run $r: episodes $(rb_stat_delta event.tcp_fast_recovery) retransmits $(rb_stat_delta event.tcp_retransmit) rto $(rb_stat_delta event.tcp_rto) probes $(rb_stat_delta event.tcp_tlp) lost_retransmits $(rb_stat_delta event.tcp_lost_retransmit)"
	fi
	if [ "$(echo "$rate > $best" | bc)" = 1 ]; then
		best=$rate
		# both directions' bytes cross the server: MB in and MB out
		cpb=$(echo "scale=2; ($(echo_cpu) - $c0) * $HZ / ($MB * 1048576)" | bc)
	fi
done
[ "$MODE" != linux ] && rb_dp_stop
echo "RESULT $MODE $best $ok $RUNS $cpb"
rb_pass
