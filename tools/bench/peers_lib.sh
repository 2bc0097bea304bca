# shellcheck shell=bash
# SPDX-License-Identifier: BSD-3-Clause
# tools/bench/peers_lib.sh: what the peer benchmarks share (proxy_peers.sh,
# ss_peers.sh, wg_iperf.sh).  Informational figures, never pass/fail.
#
#   pl_main SCRIPT AWK MODES...  the driver: "SCRIPT --one MODE" per mode (a
#                                fresh testbed each, tests/integration/lib.sh),
#                                their lines without the RESULT ones, then AWK
#                                over all the RESULT lines; the load average
#                                before and after
#   pl_tput NAME CURL-ARGS...    "MB/s ok/runs MB/s-per-core" of the best of
#                                RUNS byte-exact downloads of $URL/big.bin
#   pl_ringbox_start PROXY-CFG   the dataplane under test in dp with these
#                                inbounds/outbounds, its ringbox-control, nginx
#   pl_busy_s, pl_worker_cpu_s   busy seconds, CPU seconds of its worker lcores
#   pl_rb_cost                   both (pl_tput's PL_COST for ringbox)
#                                (a kernel peer's: lib.sh's rb_proc_cpu_seconds)
#   pl_rb_stats_cost             the same without a control (busy_us from the
#                                dataplane's USR1 stats block)
#   pl_tree_user_s PID           user seconds of a process tree
#   pl_cost_d A B, pl_per_cpu    the smallest increase of cost snapshots; an
#                                amount per CPU second of it
#   pl_rps                       BENCH_RPS: the neighbours' receive steered off
#                                the relay's CPU
#   pl_gen_topo                  a gen namespace behind cli (a second ringbox
#                                in cli as the load source)
#   pl_client_start CFG [ctl]    that ringbox (and its control: pl_client_ctl_init),
#                                pl_client_stop
#
# Source it after tests/integration/lib.sh (and proxy_lib.sh for
# pl_ringbox_start / pl_tput).

PL_HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PL_LIB=$(cd "$PL_HERE/../../tests/integration" && pwd)

pl_loadavg() { cut -d' ' -f1-3 /proc/loadavg; }

# BENCH_RPS=MASK (hex CPU mask, e.g. 1 for CPU 0): Receive Packet Steering on
# the kernel ends of the cli and srv veths, so that the clients' and the
# origin's receive path runs on those CPUs (softirq after an IPI) instead of
# inside the sender's syscall on the relay's CPU.  The relay under test then
# pays neither for its neighbours' stacks, ringbox's TX kick no more than a
# kernel peer's sendmsg: what a NIC would take off both.  Unset: nothing
# changes (the neighbours' receive is billed to whoever sends to them).
pl_rps() {
	local ns ifc
	[ -n "${BENCH_RPS:-}" ] || return 0
	for ns in "$RB_NS_CLI:$RB_IF_CLI" "$RB_NS_SRV:$RB_IF_SRV"; do
		ifc=${ns#*:}
		ip netns exec "${ns%%:*}" sh -c "echo $BENCH_RPS > /sys/class/net/$ifc/queues/rx-0/rps_cpus" ||
			rb_fail "rps_cpus on $ifc"
	done
	echo "RPS: the cli and srv veths' receive on CPU mask $BENCH_RPS" >&2
}

pl_main() { # script awk-program modes...
	local script=$1 prog=$2 out mode rc name
	shift 2
	name=$(basename "$script" .sh)
	out=$(mktemp)
	echo "load average before: $(pl_loadavg)"
	for mode in "$@"; do
		RB_TEST_NAME=${name}_$mode bash "$script" --one "$mode" | tee -a "$out" |
			grep -v '^RESULT' || true
	done
	echo "load average after:  $(pl_loadavg) (2 vCPUs shared by the team: figures compare only within one run)"
	awk "$prog" "$out"
	rc=$?
	rm -f "$out"
	return $rc
}

# ---- measuring -------------------------------------------------------------

# Busy seconds of the dataplane under test's worker lcores (iterations that
# moved packets; ringbox_lcore_busy_seconds_total) from its control's
# /metrics (px_control_init's PX_MPORT).
pl_busy_s() {
	curl -s --max-time 5 "http://127.0.0.1:$PX_MPORT/metrics" |
		awk '$1 ~ /^ringbox_lcore_busy_seconds_total/ { s += $2 } END { printf "%.6f", s }'
}

# CPU seconds of the worker lcore threads (EAL's "rte-worker-N") of the
# dataplane process $1: all the time they held a CPU, idle polls included;
# with "user", only user time (not the kernel's side of af_packet/af_xdp
# I/O, which on the veth testbed also runs the neighbours' receive path).
pl_worker_cpu_s() { # pid [user]
	local t ticks=0 f='$12 + $13'
	[ "${2:-}" = user ] && f='$12'
	for t in /proc/"$1"/task/*; do
		case $(cat "$t/comm" 2>/dev/null) in rte-worker-*) ;; *) continue ;; esac
		ticks=$((ticks + $(awk "{ sub(/^.*\\) /, \"\"); print $f }" "$t/stat" 2>/dev/null || echo 0)))
	done
	awk -v t="$ticks" -v hz="$(getconf CLK_TCK)" 'BEGIN { printf "%.3f", t / hz }'
}

# The cost of the dataplane under test, two upper bounds: its workers' busy
# seconds (rdtsc over iterations that moved packets: on a shared machine it
# also counts the time the thread was preempted inside one) and their CPU
# time (idle polls included); pl_tput takes the smaller.
pl_rb_cost() { echo "$(pl_busy_s) $(pl_worker_cpu_s "$RB_DP_PID")"; }

# The same for a dataplane run without ringbox-control (no /metrics): the
# busy seconds from the "stats: cpu busy_us" line of its SIGUSR1 stats block.
pl_rb_stats_cost() {
	rb_dp_stats
	awk -v us="$(rb_stat cpu.busy_us)" -v w="$(pl_worker_cpu_s "$RB_DP_PID")" \
		'BEGIN { printf "%.6f %s", us / 1e6, w }'
}

# User seconds of process $1 and its descendants (reaped children included):
# rb_proc_cpu_seconds without the system time, i.e. without the kernel's
# TCP/UDP/TUN work done in the process's syscalls and the softirq work that
# ran in its context.
pl_tree_user_s() { rb_proc_cpu_seconds "$1" user; } # pid

# The smallest positive increase between two cost snapshots A and B (each
# one or more cumulative CPU-second figures, as PL_COST prints), 0 if none.
pl_cost_d() { # a b
	awk -v a="$1" -v b="$2" 'BEGIN {
		n = split(a, x, " "); split(b, y, " "); d = -1
		for (i = 1; i <= n; i++)
			if (y[i] - x[i] > 0 && (d < 0 || y[i] - x[i] < d)) d = y[i] - x[i]
		printf "%.6f", (d > 0 ? d : 0) }'
}

# Each figure's increase between snapshots A and B ("0.52 1.43": busy and
# CPU seconds of pl_rb_cost), for the log.
pl_cost_all() { # a b
	awk -v a="$1" -v b="$2" 'BEGIN { n = split(a, x, " "); split(b, y, " ")
		for (i = 1; i <= n; i++) printf "%s%.3f", (i > 1 ? " " : ""), y[i] - x[i] }'
}

# AMOUNT per CPU second between snapshots A and B ("-" when no CPU showed).
pl_per_cpu() { # amount a b
	awk -v n="$1" -v d="$(pl_cost_d "$2" "$3")" \
		'BEGIN { if (d > 0) printf "%.1f", n / d; else printf "-" }'
}

# "MB/s ok/runs core-MB/s info-MB/s": the best of RUNS downloads of $URL/big.bin
# (PX_BIG MiB, px_nginx_start) that arrived byte-exact; a run that stalls
# (under 1 MiB/s for 10 s) or mismatches does not count.  curl runs in
# PL_CURL_NS (default cli), on CPU PL_CURL_CPU when set.  With PL_COST set
# (a command printing the cumulative CPU seconds of the relay under test,
# or several such figures: the smallest increase counts), core-MB/s is that
# best run's MiB over the CPU seconds it cost the relay, else "-"; info-MB/s
# the same over the increase of PL_INFO_COST (another such command, e.g.
# user time only), else "-".
pl_tput() { # name curl-args...
	local name=$1 best=0 ok=0 r sp sum c0 c1 i0 i1 core=- info=- pin=()
	shift
	[ -n "${PL_CURL_CPU:-}" ] && pin=(taskset -c "$PL_CURL_CPU")
	for ((r = 0; r < RUNS; r++)); do
		[ -n "${PL_COST:-}" ] && c0=$($PL_COST)
		[ -n "${PL_INFO_COST:-}" ] && i0=$($PL_INFO_COST)
		# the body streams into sha256sum (no disk in the path)
		sum=$(ip netns exec "${PL_CURL_NS:-$RB_NS_CLI}" "${pin[@]}" curl -sS --max-time 120 \
			--speed-limit 1048576 --speed-time 10 "$@" -o - \
			-w '%{stderr}SPEED %{speed_download}\n' "${PL_URL:-$URL/big.bin}" \
			2>"$RB_TMP/curl.err" | sha256sum | cut -d' ' -f1)
		[ -n "${PL_COST:-}" ] && c1=$($PL_COST)
		[ -n "${PL_INFO_COST:-}" ] && i1=$($PL_INFO_COST)
		sp=$(awk '$1 == "SPEED" { print $2 }' "$RB_TMP/curl.err")
		if [ "$sum" != "$PX_BIG_SHA" ] || [ -z "$sp" ]; then
			rb_note "$name: run $r failed or not byte-exact: $(grep -v '^SPEED' "$RB_TMP/curl.err" | tail -n 1)"
			continue
		fi
		ok=$((ok + 1))
		sp=${sp%.*}
		if [ "$sp" -gt "$best" ]; then
			best=$sp
			[ -n "${PL_COST:-}" ] && core=$(pl_per_cpu "$PX_BIG" "$c0" "$c1")
			[ -n "${PL_INFO_COST:-}" ] && info=$(pl_per_cpu "$PX_BIG" "$i0" "$i1")
		fi
	done
	awk -v b="$best" -v ok="$ok" -v n="$RUNS" -v c="$core" -v i="$info" \
		'BEGIN { printf "%.1f %d/%d %s %s", b / 1048576, ok, n, c, i }'
}

# ---- the dataplane under test ------------------------------------------------

# ringbox in dp with the proxy config $1 (inbounds, outbounds, route), its
# control (PX_SOCK, PX_MPORT) and nginx in srv.  PL_RB_SLEEP_US: the
# worker's idle_sleep_us (it then sleeps after a run of empty polls, so
# that its thread's CPU time is close to the work it did, as a kernel
# peer's; default 0, busy polling).
pl_ringbox_start() { # proxy-config-text
	[ -n "${PL_RB_SLEEP_US:-}" ] && RB_CFG_DP_EXTRA="${RB_CFG_DP_EXTRA:-}
  idle_sleep_us = $PL_RB_SLEEP_US;"
	px_control_init
	px_config "
$PX_CTL
$1
"
	rb_dp_start --eal "-m 768"
	px_control_start
	px_nginx_start
}

# ---- a second ringbox in cli as the load source ------------------------------
#
#   gen ns            cli ns (client ringbox)                 dp ns
#   ${RB_ID}g  <-- veth -->  ${RB_ID}gc  port "gen"          (under test)
#   $PL_GEN_NET.2/24         $PL_GEN_NET.1/24
#                            $RB_IF_CLI  port "up" $RB_CLI_IP4  <-- veth -->
#
# The cli kernel gives up its address on $RB_IF_CLI (the client ringbox owns
# it); gen routes through the client ringbox (default via $PL_GEN_NET.1).
pl_gen_topo() {
	PL_NS_GEN=$RB_ID-gen
	PL_GEN_NET=10.$RB_NET.5
	rb_netns_add "$PL_NS_GEN"
	rb_ns "$RB_NS_CLI" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
		net.ipv6.conf.default.disable_ipv6=1 >/dev/null
	rb_veth "$PL_NS_GEN" "${RB_ID}g" "$RB_NS_CLI" "${RB_ID}gc"
	ip -n "$PL_NS_GEN" addr add "$PL_GEN_NET.2/24" dev "${RB_ID}g"
	ip -n "$PL_NS_GEN" route add default via "$PL_GEN_NET.1"
	ip -n "$RB_NS_CLI" addr flush dev "$RB_IF_CLI"
}

# The client ringbox's dataplane group: lcores, shm, the two ports; with
# idle-sleep-us, its worker yields the CPU after a run of empty polls (it
# shares CPU 0 with curl and nginx).
pl_client_dp_cfg() { # lcores [idle-sleep-us]
	cat <<CFG
dataplane = {
  lcores = $1;
  idle_sleep_us = ${2:-0};
  shm_name = "/${RB_ID}c";
  ports = (
    { name = "gen"; device = "$(rb_dp_device "${RB_ID}gc" 0)"; addresses = [ "$PL_GEN_NET.1/24" ]; },
    { name = "up"; device = "$(rb_dp_device "$RB_IF_CLI" 1)"; addresses = [ "$RB_CLI_IP4/24" ]; }
  );
};
CFG
}

# Start the client ringbox on config file $1 in cli (PL_CLIENT_ARGS: more
# ringbox-dataplane arguments, e.g. --eal "-m 768"); with "ctl", its own
# ringbox-control too (proxy configs need the route table it publishes; the
# config then carries $PL_CLIENT_CTL from pl_client_ctl_init).
PL_CLIENT_PID=
PL_CLIENT_CTL_PID=
pl_client_start() { # cfg-file [ctl]
	: >"$RB_TMP/client.out"
	# shellcheck disable=SC2086 # PL_CLIENT_ARGS: extra dataplane arguments
	ip netns exec "$RB_NS_CLI" "$RB_DP_BIN" -c "$1" ${PL_CLIENT_ARGS:-} >"$RB_TMP/client.out" \
		2>"$RB_TMP/client.err" </dev/null &
	PL_CLIENT_PID=$!
	RB_PIDS+=("$PL_CLIENT_PID")
	rb_wait_for 20 grep -q '^ringbox-dataplane: ready' "$RB_TMP/client.out" ||
		rb_fail "client ringbox not ready: $(tail -n 3 "$RB_TMP/client.err" | tr '\n' ' ')"
	[ "${2:-}" = ctl ] || return 0
	rb_bg "$RB_TMP/client_ctl.log" "$RB_BUILD/control/ringbox-control" -c "$1"
	PL_CLIENT_CTL_PID=$RB_BG_PID
	rb_wait_for 30 sh -c "'$RB_BUILD/tools/ringboxctl' -s '$PL_CLIENT_SOCK' --json status | grep -q '\"dataplane_up\":true'" ||
		rb_fail "client control did not see its dataplane: $(tail -n 3 "$RB_TMP/client_ctl.log" | tr '\n' ' ')"
	rb_wait_for 10 sh -c "grep -q 'route: rule table [0-9]* applied' '$RB_TMP/client.out' '$RB_TMP/client.err'" ||
		rb_fail "client ringbox: no rule table applied"
}
# Sets PL_CLIENT_SOCK and PL_CLIENT_CTL (the client's control group; the
# metrics port next to the one under test's).
pl_client_ctl_init() {
	PX_MPORT=${PX_MPORT:-$((20000 + RANDOM % 20000))}
	PL_CLIENT_SOCK=$RB_TMP/run/client.sock
	PL_CLIENT_CTL="control = { ctl_socket = \"$PL_CLIENT_SOCK\"; metrics_listen = \"127.0.0.1:$((PX_MPORT + 1))\"; };"
}
pl_client_stop() {
	local p
	for p in $PL_CLIENT_CTL_PID $PL_CLIENT_PID; do
		kill "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	PL_CLIENT_PID=
	PL_CLIENT_CTL_PID=
}
