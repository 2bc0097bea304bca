# shellcheck shell=bash
# SPDX-License-Identifier: BSD-3-Clause
#
# ringbox integration-test harness: network namespaces, veth pairs and a
# ringbox-dataplane under test.  Every tests/integration/test_*.sh sources
# this file:
#
#   . "$(dirname "$0")/lib.sh"
#   rb_init                      # root check, temp dir, EXIT trap
#   rb_topo_two_hosts            # namespaces dp, cli, srv + dataplane config
#   rb_dp_start                  # dataplane in the dp namespace, wait for ready
#   rb_check_ping_ports          # ... assertions ...
#   rb_dp_stop                   # SIGTERM, exit status 0, final stats parsed
#   rb_pass
#
# Every script ends with exactly one result line, `PASS name`,
# `FAIL name: reason` or `SKIP name: reason`, and exits 0, 1 or 77.
#
# Topology made by rb_topo_two_hosts (N = RB_NET, H = RB_NET6):
#
#   cli ns                    dp ns (ringbox-dataplane)                 srv ns
#   $RB_IF_CLI  <-- veth -->  $RB_IF_DP_CLI  port "cli"
#   10.N.1.2/24               10.N.1.1/24  fdH:1::1/64
#   fdH:1::2/64
#                             $RB_IF_DP_SRV  port "srv"   <-- veth -->  $RB_IF_SRV
#                             10.N.2.1/24  fdH:2::1/64                  10.N.2.2/24
#                                                                       fdH:2::2/64
#
# The veth ends in dp carry no kernel addresses and have IPv6 disabled, so
# only the dataplane answers there.  With RB_DP_KERNEL=1 the dp namespace
# forwards with the kernel instead (the addresses go on the dp veth ends);
# that mode checks the harness itself and never counts as a dataplane test.
#
# Knobs (environment, or set before rb_topo_two_hosts):
#   RB_BUILD            build directory (default <repo>/build)
#   RB_DP_BIN           dataplane binary (default $RB_BUILD/dataplane/ringbox-dataplane)
#   RB_DRIVER           af_xdp (default) or af_packet
#   RB_LCORES           value of dataplane.lcores (default 1; e.g. "[1, 1, 1]")
#   RB_SRV_MTU          MTU of the srv link, both ends and the port (default 1500)
#   RB_CFG_DP_EXTRA     extra lines for the dataplane group of the config
#   RB_CFG_EXTRA        extra top-level config lines
#   RB_DP_READY_TIMEOUT seconds to wait for `ready` (default 30)
#   RB_KEEP=1           keep the temp dir (logs, config) after the run
#   RB_VERBOSE=1        log harness steps to stderr

RB_LIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
RB_ROOT=$(cd "$RB_LIB_DIR/../.." && pwd)
RB_BUILD=${RB_BUILD:-$RB_ROOT/build}
RB_DP_BIN=${RB_DP_BIN:-$RB_BUILD/dataplane/ringbox-dataplane}
RB_PY=${RB_PY:-/usr/bin/python3}
RB_TEST_NAME=${RB_TEST_NAME:-$(basename "$0" .sh)}
RB_DRIVER=${RB_DRIVER:-af_xdp}
RB_LCORES=${RB_LCORES:-1}
RB_SRV_MTU=${RB_SRV_MTU:-1500}
RB_DP_READY_TIMEOUT=${RB_DP_READY_TIMEOUT:-30}
RB_DP_KERNEL=${RB_DP_KERNEL:-0}
# LeakSanitizer options for every dataplane a test starts (sanitizer builds:
# known third-party leaks only, lsan.supp); a script that starts one itself
# (not with rb_dp_start) puts LSAN_OPTIONS="$RB_DP_LSAN" in its environment.
RB_DP_LSAN=${LSAN_OPTIONS:-suppressions=$RB_LIB_DIR/lsan.supp:print_suppressions=0}

# Unique per run: "rb" + 5 hex digits of the PID + 2 random hex digits
# (9 chars), so that "${RB_ID}dc" etc. stay well under IFNAMSIZ-1 = 15.
RB_ID=${RB_ID:-rb$(printf '%05x%02x' $(($$ & 0xfffff)) $((RANDOM & 0xff)))}
RB_NET=${RB_NET:-$((20 + RANDOM % 200))}
RB_NET6=${RB_NET6:-$(printf 'fd%02x' "$RB_NET")}

RB_PIDS=()        # every background process this script started
RB_NETNS=()       # every namespace this script created
RB_DONE=0         # a result line has been printed
RB_DP_PID=
RB_DP_RC=
RB_STREAM_N=0
RB_TMP=
declare -gA RB_STATS=()
declare -gA RB_STATS_MARK=()

rb_log() { [ "${RB_VERBOSE:-0}" = 1 ] && echo "[$RB_TEST_NAME] $*" >&2; return 0; }
rb_note() { echo "[$RB_TEST_NAME] $*" >&2; }

# ---------------------------------------------------------------------------
# Results and cleanup

rb__descendants() { # pid: its children, theirs, ...
	local c
	for c in $(pgrep -P "$1" 2>/dev/null); do
		echo "$c"
		rb__descendants "$c"
	done
}

# pid and what it started: rb_bg of a shell function runs a subshell whose
# child (ip netns exec ... python3) SIGTERM to the subshell does not reach;
# left alone it outlived the test (test_proxy_many_idle's holder sleeps an
# hour).  The descendants are listed before the parent dies (after, they
# belong to init and cannot be told from anyone else's).
rb__kill_pid() {
	local pid=$1 kids
	kill -0 "$pid" 2>/dev/null || return 0
	kids=$(rb__descendants "$pid")
	rb__term_wait 50 "$pid"
	wait "$pid" 2>/dev/null
	[ -z "$kids" ] || rb__term_wait 30 $kids
	return 0
}

# SIGTERM the PIDs, wait up to tenths/10 s for all to end, SIGKILL the rest.
rb__term_wait() { # tenths pid...
	local n=$1 i p alive
	shift
	kill -TERM "$@" 2>/dev/null
	for ((i = 0; i < n; i++)); do
		alive=
		for p in "$@"; do
			kill -0 "$p" 2>/dev/null && { alive=$p; break; }
		done
		[ -n "$alive" ] || return 0
		sleep 0.1
	done
	for p in "$@"; do
		kill -0 "$p" 2>/dev/null || continue
		rb_note "pid $p ignored SIGTERM for $((n / 10)) s; sending SIGKILL"
		kill -KILL "$p" 2>/dev/null
	done
}

# Kill what we started (by PID only) and delete our namespaces.
rb_cleanup() {
	local i ns
	for ((i = ${#RB_PIDS[@]} - 1; i >= 0; i--)); do
		rb__kill_pid "${RB_PIDS[i]}"
	done
	RB_PIDS=()
	# shm segments named after this run (configs use /$RB_ID...): a process
	# killed with -9 by the test leaves them behind
	[ -n "$RB_ID" ] && rm -f "/dev/shm/$RB_ID"*
	for ns in "${RB_NETNS[@]}"; do
		# An XDP program leaves with its netns; nothing else to detach.
		ip netns del "$ns" 2>/dev/null
	done
	RB_NETNS=()
	if [ -n "$RB_TMP" ] && [ -d "$RB_TMP" ]; then
		if [ "${RB_KEEP:-0}" = 1 ]; then
			rb_note "kept $RB_TMP"
		else
			rm -rf "$RB_TMP"
		fi
		RB_TMP=
	fi
	return 0
}

rb__on_exit() {
	local rc=$?
	trap - EXIT
	if [ "$RB_DONE" != 1 ]; then
		rb__diag
		rb_cleanup
		echo "FAIL $RB_TEST_NAME: script exited unexpectedly (status $rc)"
		exit 1
	fi
	rb_cleanup
	exit "$rc"
}

# Dataplane logs to stderr of the test, for the failure report; with
# RB_DIAG_NS (namespaces), their TCP state too (rb_tcp_diag).
rb__diag() {
	[ -n "$RB_TMP" ] || return 0
	[ -n "${RB_DIAG_NS:-}" ] && rb_tcp_diag $RB_DIAG_NS
	if [ -s "$RB_TMP/dp.err" ]; then
		echo "--- dataplane stderr (last 40 lines) ---" >&2
		tail -n 40 "$RB_TMP/dp.err" >&2
	fi
	if [ -s "$RB_TMP/dp.out" ]; then
		echo "--- dataplane stdout (last 40 lines) ---" >&2
		tail -n 40 "$RB_TMP/dp.out" >&2
	fi
	# every counter at the failure (the tail above may hold an older block)
	if [ "$RB_DP_KERNEL" != 1 ] && [ -s "$RB_TMP/dp.out" ] && rb_dp_alive; then
		echo "--- dataplane counters at the failure ---" >&2
		rb__stats_request 2 | grep -E '^stats: (drop|event)' | tr '\n' ';' | sed 's/stats: //g' >&2
		echo >&2
	fi
	return 0
}

rb_pass() {
	# the EAL heap is sized by eal_memory_mb (dataplane/main.c): a FIB that
	# cannot be built there means the estimate is wrong, whatever else passed
	if [ -n "$RB_TMP" ] && grep -qs 'cannot create LPM tables' "$RB_TMP/dp.err"; then
		rb_fail "dataplane ran out of EAL memory for a FIB: $(grep -m1 'cannot create LPM' "$RB_TMP/dp.err")"
	fi
	rb_cleanup
	RB_DONE=1
	echo "PASS $RB_TEST_NAME${1:+ ($1)}"
	exit 0
}

rb_fail() {
	rb__diag
	rb_cleanup
	RB_DONE=1
	echo "FAIL $RB_TEST_NAME: $*"
	exit 1
}

rb_skip() {
	rb_cleanup
	RB_DONE=1
	echo "SKIP $RB_TEST_NAME: $*"
	exit 77
}

rb_require_cmd() {
	local c
	for c in "$@"; do
		command -v "$c" >/dev/null 2>&1 || rb_skip "needs $c"
	done
}

# Must be called first.  Sets the trap and the temp dir.
rb_init() {
	[ "$(id -u)" = 0 ] || { RB_DONE=1; echo "SKIP $RB_TEST_NAME: needs root"; exit 77; }
	trap rb__on_exit EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
	rb_require_cmd ip ping
	RB_TMP=$(mktemp -d "/tmp/$RB_ID.XXXX") || rb_fail "mktemp"
	if [ "$RB_DP_KERNEL" != 1 ] && [ ! -x "$RB_DP_BIN" ]; then
		rb_fail "dataplane binary $RB_DP_BIN not built"
	fi
	return 0
}

# ---------------------------------------------------------------------------
# Assertions

rb_assert_eq() { # actual expected what
	[ "$1" = "$2" ] || rb_fail "$3: got '$1', expected '$2'"
}

rb_assert_ge() { # actual min what
	[ "$1" -ge "$2" ] 2>/dev/null || rb_fail "$3: got '$1', expected >= $2"
}

rb_assert_match() { # text regex what
	[[ $1 =~ $2 ]] || rb_fail "$3: '$(echo "$1" | head -c 300)' does not match /$2/"
}

# rb_expect_ok "what" cmd args...: the command must exit 0.
rb_expect_ok() {
	local what=$1 out
	shift
	out=$("$@" 2>&1) || rb_fail "$what: '$*' failed: $(echo "$out" | tail -n 5 | tr '\n' ' ')"
	RB_OUT=$out
}

# rb_expect_fail "what" cmd args...: the command must exit non-zero.
rb_expect_fail() {
	local what=$1 out
	shift
	if out=$("$@" 2>&1); then
		rb_fail "$what: '$*' unexpectedly succeeded: $(echo "$out" | tail -n 3 | tr '\n' ' ')"
	fi
	RB_OUT=$out
}

# Poll "cmd args..." every 0.1 s until it succeeds or `secs` pass.
rb_wait_for() { # secs cmd args...
	local secs=$1 i
	shift
	for ((i = 0; i < secs * 10; i++)); do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	return 1
}

# ---------------------------------------------------------------------------
# Namespaces and processes

rb_ns() { # ns cmd args...
	local ns=$1
	shift
	ip netns exec "$ns" "$@"
}

rb_netns_add() { # name
	ip netns add "$1" || rb_fail "ip netns add $1"
	RB_NETNS+=("$1")
	ip -n "$1" link set lo up
	# No DAD, no router solicitations: addresses are usable at once.
	rb_ns "$1" sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0 \
		net.ipv6.conf.default.router_solicitations=0 net.ipv6.conf.all.accept_ra=0 \
		net.ipv6.conf.default.accept_ra=0 >/dev/null 2>&1
	# Peers answer every probe: no ICMP rate limiting in test hosts.
	rb_ns "$1" sysctl -qw net.ipv4.icmp_ratelimit=0 net.ipv6.icmp.ratelimit=0 >/dev/null 2>&1
	return 0
}

# Start "cmd args..." in the background, tracked for cleanup; sets RB_BG_PID.
# cmd must be a program, not a shell function (so that $! is its PID);
# `ip netns exec NS prog` execs prog in place and keeps the PID.
rb_bg() { # outfile cmd args...
	local out=$1
	shift
	# Truncate here, not in the background job: a caller polling $out must
	# never see a previous run's lines.
	: >"$out"
	"$@" >>"$out" 2>&1 &
	RB_BG_PID=$!
	RB_PIDS+=("$RB_BG_PID")
}

# Cap the TCP receive buffer of sockets opened in namespace $1 at $2 bytes
# (net.ipv4.tcp_rmem is per namespace and starts as the host's: 32 MiB on
# the project's machines).  A rate-limited reader (curl --limit-rate) whose
# buffer autotuning grew to megabytes reads it in bursts and then sleeps
# for seconds to keep its average (seen: 7.6 MB taken in 1.2 s, then no
# read for 12 s, the window closed all along), and bytes queued there come
# before a reset: Linux hands them to the reader before ECONNRESET, so its
# curl ran on for the 35 s its 7 MB took.  A test that watches a slow
# reader's bytes move, or its process end after a reset, caps the buffer:
# the reader then sleeps at most $2 / rate.
rb_ns_rcvbuf_max() { # ns bytes
	local def=$(($2 < 131072 ? $2 : 131072))
	rb_ns "$1" sysctl -qw net.ipv4.tcp_rmem="4096 $def $2" >/dev/null ||
		rb_fail "cannot set net.ipv4.tcp_rmem in $1"
}

# TCP state of namespaces for a failure report (never fails): sockets with
# their timers, windows and memory (ss -tinoem), the kernel's TCP counters
# that tell a dropped or ignored segment (nstat, without touching nstat's
# shared history file), and the dataplane's tcp counters when it runs.
rb_tcp_diag() { # ns...
	local ns off block
	for ns in "$@"; do
		echo "--- $ns: ss -tinoem ---" >&2
		rb_ns "$ns" ss -tinoem 2>/dev/null >&2
		echo "--- $ns: nstat (TCP, non-zero) ---" >&2
		rb_ns "$ns" nstat -asz 2>/dev/null |
			awk '$1 ~ /^Tcp/ && $2 != 0 { printf "%s=%s ", $1, $2 } END { print "" }' >&2
	done
	if [ "$RB_DP_KERNEL" != 1 ] && rb_dp_alive; then
		off=$(stat -c %s "$RB_TMP/dp.out")
		kill -USR1 "$RB_DP_PID" 2>/dev/null
		block=$(rb__stats_block_after "$off" 2) &&
			echo "--- dataplane tcp counters: $(echo "$block" |
				awk '$3 ~ /tcp/ { printf "%s.%s=%s ", $2, $3, $4 }')" >&2
	fi
	return 0
}

rb_mac() { # ns ifname
	ip -n "$1" link show dev "$2" | awk '/link\/ether/ { print $2; exit }'
}

# A veth pair between two namespaces, created directly inside them.
rb_veth() { # ns_a if_a ns_b if_b [mtu]
	local mtu=${5:-1500}
	ip link add "$2" netns "$1" mtu "$mtu" type veth peer name "$4" netns "$3" mtu "$mtu" ||
		rb_fail "cannot create veth $2/$4"
	rb__veth_end_up "$1" "$2"
	rb__veth_end_up "$3" "$4"
}

rb__veth_end_up() { # ns ifname
	# XDP and af_packet frames from a veth may carry partial checksums and
	# GSO super-frames unless the kernel side computes and segments them.
	rb_ns "$1" ethtool -K "$2" tx off tso off gso off gro off >/dev/null 2>&1 ||
		rb_note "ethtool -K $2 failed (offloads stay on)"
	ip -n "$1" link set "$2" up || rb_fail "cannot bring $2 up"
}

rb_topo_two_hosts() {
	RB_NS_DP=$RB_ID-dp
	RB_NS_CLI=$RB_ID-cli
	RB_NS_SRV=$RB_ID-srv
	RB_IF_DP_CLI=${RB_ID}dc
	RB_IF_DP_SRV=${RB_ID}ds
	RB_IF_CLI=${RB_ID}c
	RB_IF_SRV=${RB_ID}s
	RB_CLI_IP4=10.$RB_NET.1.2
	RB_DP_CLI_IP4=10.$RB_NET.1.1
	RB_SRV_IP4=10.$RB_NET.2.2
	RB_DP_SRV_IP4=10.$RB_NET.2.1
	RB_CLI_IP6=$RB_NET6:1::2
	RB_DP_CLI_IP6=$RB_NET6:1::1
	RB_SRV_IP6=$RB_NET6:2::2
	RB_DP_SRV_IP6=$RB_NET6:2::1

	rb_netns_add "$RB_NS_DP"
	rb_netns_add "$RB_NS_CLI"
	rb_netns_add "$RB_NS_SRV"
	if [ "$RB_DP_KERNEL" != 1 ]; then
		# The kernel in dp must stay silent on the dataplane's veth ends.
		rb_ns "$RB_NS_DP" sysctl -qw net.ipv6.conf.default.disable_ipv6=1 \
			net.ipv6.conf.all.disable_ipv6=1 >/dev/null
	fi
	rb_veth "$RB_NS_CLI" "$RB_IF_CLI" "$RB_NS_DP" "$RB_IF_DP_CLI"
	rb_veth "$RB_NS_SRV" "$RB_IF_SRV" "$RB_NS_DP" "$RB_IF_DP_SRV" "$RB_SRV_MTU"

	ip -n "$RB_NS_CLI" addr add "$RB_CLI_IP4/24" dev "$RB_IF_CLI"
	ip -n "$RB_NS_CLI" -6 addr add "$RB_CLI_IP6/64" dev "$RB_IF_CLI" nodad
	ip -n "$RB_NS_CLI" route add default via "$RB_DP_CLI_IP4"
	ip -n "$RB_NS_CLI" -6 route add default via "$RB_DP_CLI_IP6"
	ip -n "$RB_NS_SRV" addr add "$RB_SRV_IP4/24" dev "$RB_IF_SRV"
	ip -n "$RB_NS_SRV" -6 addr add "$RB_SRV_IP6/64" dev "$RB_IF_SRV" nodad
	ip -n "$RB_NS_SRV" route add "10.$RB_NET.1.0/24" via "$RB_DP_SRV_IP4"
	ip -n "$RB_NS_SRV" -6 route add "$RB_NET6:1::/64" via "$RB_DP_SRV_IP6"

	if [ "$RB_DP_KERNEL" = 1 ]; then
		ip -n "$RB_NS_DP" addr add "$RB_DP_CLI_IP4/24" dev "$RB_IF_DP_CLI"
		ip -n "$RB_NS_DP" addr add "$RB_DP_SRV_IP4/24" dev "$RB_IF_DP_SRV"
		ip -n "$RB_NS_DP" -6 addr add "$RB_DP_CLI_IP6/64" dev "$RB_IF_DP_CLI" nodad
		ip -n "$RB_NS_DP" -6 addr add "$RB_DP_SRV_IP6/64" dev "$RB_IF_DP_SRV" nodad
		rb_ns "$RB_NS_DP" sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1 \
			net.ipv4.icmp_ratelimit=0 net.ipv6.icmp.ratelimit=0 >/dev/null
	fi
	RB_DP_CLI_MAC=$(rb_mac "$RB_NS_DP" "$RB_IF_DP_CLI")
	RB_DP_SRV_MAC=$(rb_mac "$RB_NS_DP" "$RB_IF_DP_SRV")
	RB_CLI_MAC=$(rb_mac "$RB_NS_CLI" "$RB_IF_CLI")
	RB_CFG=$RB_TMP/ringbox.cfg
	rb_dp_config "$RB_CFG"
	rb_log "topology $RB_ID: cli $RB_CLI_IP4 -> dp $RB_DP_CLI_IP4|$RB_DP_SRV_IP4 -> srv $RB_SRV_IP4"
}

# The device string for a port on veth $1 with DPDK vdev index $2.
rb_dp_device() { # iface index
	case $RB_DRIVER in
	af_xdp) echo "net_af_xdp$2,iface=$1,start_queue=0,queue_count=1" ;;
	af_packet) echo "net_af_packet$2,iface=$1" ;;
	*) rb_fail "unknown RB_DRIVER '$RB_DRIVER'" ;;
	esac
}

# Write the dataplane config for the two-host topology to $1.
# RB_CLI_IFACE_CFG / RB_SRV_IFACE_CFG override the ports' interfaces.
rb_dp_config() { # file
	local mtu_line=
	[ "$RB_SRV_MTU" != 1500 ] && mtu_line="mtu = $RB_SRV_MTU;"
	cat >"$1" <<EOF
# ringbox integration test $RB_TEST_NAME ($RB_ID), written by tests/integration/lib.sh
log = {
  level = "${RB_LOG_LEVEL:-info}";
};

dataplane = {
  lcores = $RB_LCORES;
  shm_name = "/$RB_ID";
  ports = (
    {
      name = "cli";
      device = "$(rb_dp_device "${RB_CLI_IFACE_CFG:-$RB_IF_DP_CLI}" 0)";
      addresses = [ "$RB_DP_CLI_IP4/24", "$RB_DP_CLI_IP6/64" ];
    },
    {
      name = "srv";
      device = "$(rb_dp_device "${RB_SRV_IFACE_CFG:-$RB_IF_DP_SRV}" 1)";
      addresses = [ "$RB_DP_SRV_IP4/24", "$RB_DP_SRV_IP6/64" ];
      $mtu_line
    }
  );
${RB_CFG_DP_EXTRA:-}
};
${RB_CFG_EXTRA:-}
EOF
}

# ---------------------------------------------------------------------------
# The dataplane under test

# Start the dataplane in the dp namespace and wait for its ready line.
# Extra arguments go to ringbox-dataplane.  Fails the test on timeout/exit.
rb_dp_start() {
	local i
	if [ "$RB_DP_KERNEL" = 1 ]; then
		rb_log "kernel stand-in: no dataplane started"
		return 0
	fi
	: >"$RB_TMP/dp.out"
	: >"$RB_TMP/dp.err"
	LSAN_OPTIONS=$RB_DP_LSAN \
		ip netns exec "$RB_NS_DP" "$RB_DP_BIN" -c "$RB_CFG" "$@" \
		>"$RB_TMP/dp.out" 2>"$RB_TMP/dp.err" </dev/null &
	RB_DP_PID=$!
	RB_PIDS+=("$RB_DP_PID")
	for ((i = 0; i < RB_DP_READY_TIMEOUT * 10; i++)); do
		if grep -q '^ringbox-dataplane: ready' "$RB_TMP/dp.out"; then
			rb_log "dataplane pid $RB_DP_PID ready after $((i / 10)).$((i % 10)) s"
			return 0
		fi
		if ! kill -0 "$RB_DP_PID" 2>/dev/null; then
			wait "$RB_DP_PID"
			RB_DP_RC=$?
			rb_fail "dataplane exited with status $RB_DP_RC before ready: $(tail -n 3 "$RB_TMP/dp.err" | tr '\n' ' ')"
		fi
		sleep 0.1
	done
	rb_fail "dataplane not ready after $RB_DP_READY_TIMEOUT s"
}

rb_dp_alive() {
	[ "$RB_DP_KERNEL" = 1 ] && return 0
	[ -n "$RB_DP_PID" ] && kill -0 "$RB_DP_PID" 2>/dev/null
}

# Parse stats lines (stdin) into RB_STATS:
#   port.<name>.rx_packets ..., drop.<reason>, event.<name>
rb__parse_stats() {
	local tag kind name rest f i
	RB_STATS=()
	while read -r tag kind name rest; do
		[ "$tag" = "stats:" ] || continue
		read -ra f <<<"$rest"
		case $kind in
		end) ;;
		port)
			for ((i = 0; i + 1 < ${#f[@]}; i += 2)); do
				RB_STATS["port.$name.${f[i]}"]=${f[i + 1]}
			done
			;;
		*) RB_STATS["$kind.$name"]=${f[0]:-0} ;;
		esac
	done
	RB_STATS_VALID=1
	return 0
}

# The stats block printed after byte offset $1 of dp.out, once complete.
rb__stats_block_after() { # offset timeout_s
	local off=$1 secs=${2:-5} i
	for ((i = 0; i < secs * 20; i++)); do
		if tail -c +"$((off + 1))" "$RB_TMP/dp.out" | grep -q '^stats: end'; then
			tail -c +"$((off + 1))" "$RB_TMP/dp.out" | sed '/^stats: end/q'
			return 0
		fi
		sleep 0.05
	done
	return 1
}

# SIGUSR1 the dataplane and print the stats block it writes in reply
# (status 1: none within timeout_s).
rb__stats_request() { # timeout_s
	local off
	off=$(stat -c %s "$RB_TMP/dp.out")
	kill -USR1 "$RB_DP_PID" 2>/dev/null || return 1
	rb__stats_block_after "$off" "$1"
}

# SIGUSR1 the dataplane and parse its stats block into RB_STATS.
rb_dp_stats() {
	local block
	if [ "$RB_DP_KERNEL" = 1 ]; then
		RB_STATS=()
		RB_STATS_VALID=0
		return 0
	fi
	rb_dp_alive || rb_fail "dataplane is not running (stats requested)"
	block=$(rb__stats_request 5) || {
		rb_dp_alive || rb_fail "the dataplane died (stderr below) before its stats block"
		rb_fail "no stats block 5 s after SIGUSR1"
	}
	rb__parse_stats <<<"$block"
}

rb_stat() { # key -> value (0 when absent)
	echo "${RB_STATS[$1]:-0}"
}

# CPU seconds (user + system) used so far by process $1 and its descendants,
# reaped children included: a kernel peer's side of a per-core comparison
# (the dataplane's is cpu.busy_us from rb_dp_stats, its busy iterations).
# With "user": user time only (no kernel work done in its syscalls).
rb_proc_cpu_seconds() { # pid [user]
	# One awk over every /proc/PID/stat: fields after "comm)" are state(1)
	# ppid(2) ... utime(12) stime(13) cutime(14) cstime(15).
	local user=0
	[ "${2:-}" = user ] && user=1
	cat /proc/[0-9]*/stat 2>/dev/null | awk -v root="$1" -v hz="$(getconf CLK_TCK)" -v user=$user '
	{
		pid = $1; sub(/^.*\) /, "")
		ppid[pid] = $2
		own[pid] = user ? $12 : $12 + $13
		reaped[pid] = user ? $14 : $14 + $15
	}
	END {
		in_tree[root] = 1
		do {
			changed = 0
			for (p in ppid)
				if (!(p in in_tree) && (ppid[p] in in_tree)) { in_tree[p] = 1; changed = 1 }
		} while (changed)
		for (p in in_tree) t += own[p]
		t += reaped[root]
		printf "%.3f\n", t / hz
	}'
}

# Remember the current RB_STATS; rb_stat_delta compares with it.
rb_stats_mark() {
	local k
	RB_STATS_MARK=()
	for k in "${!RB_STATS[@]}"; do
		RB_STATS_MARK[$k]=${RB_STATS[$k]}
	done
}

rb_stat_delta() { # key
	echo $((${RB_STATS[$1]:-0} - ${RB_STATS_MARK[$1]:-0}))
}

# In kernel stand-in mode there are no counters: stat assertions are skipped.
rb_assert_stat_ge() { # key min
	[ "$RB_DP_KERNEL" = 1 ] && return 0
	rb_assert_ge "$(rb_stat "$1")" "$2" "counter $1"
}

rb_assert_stat_delta_ge() { # key min
	[ "$RB_DP_KERNEL" = 1 ] && return 0
	rb_assert_ge "$(rb_stat_delta "$1")" "$2" "counter $1 (delta)"
}

# SIGTERM (or signal $2) the dataplane; it must exit 0 within $1 s (default
# 15) and print a final stats block, parsed into RB_STATS.  RB_DP_RC holds
# the status.
rb_dp_stop() {
	local secs=${1:-15} sig=${2:-TERM} off i block
	[ "$RB_DP_KERNEL" = 1 ] && return 0
	rb_dp_alive || {
		wait "$RB_DP_PID" 2>/dev/null
		rb_fail "dataplane died before stop (status $?)"
	}
	off=$(stat -c %s "$RB_TMP/dp.out")
	kill -"$sig" "$RB_DP_PID"
	for ((i = 0; i < secs * 10; i++)); do
		kill -0 "$RB_DP_PID" 2>/dev/null || break
		sleep 0.1
	done
	kill -0 "$RB_DP_PID" 2>/dev/null && rb_fail "dataplane still running $secs s after SIG$sig"
	wait "$RB_DP_PID"
	RB_DP_RC=$?
	[ "$RB_DP_RC" = 0 ] || rb_fail "dataplane exited with status $RB_DP_RC after SIG$sig"
	block=$(rb__stats_block_after "$off" 1) || rb_fail "no final stats block after SIG$sig"
	rb__parse_stats <<<"$block"
	if grep -qE 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:' "$RB_TMP/dp.err"; then
		rb_fail "sanitizer report in dataplane stderr"
	fi
	RB_DP_PID=
	return 0
}

# ---------------------------------------------------------------------------
# Reusable checks (used by several foundation tests)

# ping from a namespace; output in RB_OUT.  Returns ping's status.
rb_ping() { # ns addr count [ping args...]
	local ns=$1 addr=$2 count=$3
	shift 3
	RB_OUT=$(rb_ns "$ns" ping -n -c "$count" -i 0.2 -W 2 "$@" "$addr" 2>&1)
}

# Require count/count replies (after one warm-up probe that may resolve ARP).
rb_check_ping() { # ns addr count [ping args...]
	local ns=$1 addr=$2 count=$3 rcvd
	shift 3
	rb_ns "$ns" ping -n -c 1 -W 2 "$@" "$addr" >/dev/null 2>&1
	rb_ping "$ns" "$addr" "$count" "$@"
	rcvd=$(echo "$RB_OUT" | sed -n 's/.* \([0-9]*\) received.*/\1/p')
	[ "${rcvd:-0}" = "$count" ] ||
		rb_fail "ping $* $addr from $ns: ${rcvd:-0}/$count replies: $(echo "$RB_OUT" | tail -n 2 | tr '\n' ' ')"
}

# Every address of the appliance answers IPv4/IPv6 echo from cli and srv.
rb_check_ping_ports() {
	rb_dp_stats
	rb_stats_mark
	rb_check_ping "$RB_NS_CLI" "$RB_DP_CLI_IP4" 3
	rb_check_ping "$RB_NS_CLI" "$RB_DP_CLI_IP6" 3
	rb_check_ping "$RB_NS_SRV" "$RB_DP_SRV_IP4" 3
	rb_check_ping "$RB_NS_SRV" "$RB_DP_SRV_IP6" 3
	# The far-side address of the appliance, reached through it.
	rb_check_ping "$RB_NS_CLI" "$RB_DP_SRV_IP4" 3
	rb_check_ping "$RB_NS_CLI" "$RB_DP_SRV_IP6" 3
	rb_dp_stats
	rb_assert_stat_delta_ge event.icmp_echo_reply 12
	rb_assert_stat_delta_ge event.icmp6_echo_reply 6
	rb_assert_stat_delta_ge event.arp_reply_tx 1
	rb_assert_stat_delta_ge event.nd_na_tx 1
}

# TTL seen on echo replies, one per line.
rb__ttls() { sed -n 's/.* ttl=\([0-9]*\) .*/\1/p'; }

# Forwarding cli <-> srv: echo both ways with TTL 63 on arrival, TTL 1 makes
# the appliance answer Time Exceeded, and a TCP stream arrives intact.
rb_check_forward() {
	local fam ttls pcap n
	rb_dp_stats
	rb_stats_mark
	for fam in 4 6; do
		local dst src me
		if [ $fam = 4 ]; then
			dst=$RB_SRV_IP4 src=$RB_CLI_IP4 me=$RB_DP_CLI_IP4
		else
			dst=$RB_SRV_IP6 src=$RB_CLI_IP6 me=$RB_DP_CLI_IP6
		fi
		rb_check_ping "$RB_NS_CLI" "$dst" 5
		ttls=$(echo "$RB_OUT" | rb__ttls | sort -u | tr '\n' ' ')
		rb_assert_eq "$ttls" "63 " "IPv$fam reply TTL/hop limit at cli (srv sends 64)"
		rb_check_ping "$RB_NS_SRV" "$src" 3
		ttls=$(echo "$RB_OUT" | rb__ttls | sort -u | tr '\n' ' ')
		rb_assert_eq "$ttls" "63 " "IPv$fam reply TTL/hop limit at srv (cli sends 64)"

		# TTL of the requests as they arrive in srv (forward direction).
		if command -v tcpdump >/dev/null; then
			pcap=$RB_TMP/fwd$fam.txt
			if [ $fam = 4 ]; then
				rb_bg "$pcap" ip netns exec "$RB_NS_SRV" tcpdump -l -n -v -c 3 -i "$RB_IF_SRV" \
					"icmp and icmp[icmptype] == icmp-echo and src $src"
			else
				rb_bg "$pcap" ip netns exec "$RB_NS_SRV" tcpdump -l -n -v -c 3 -i "$RB_IF_SRV" \
					"icmp6 and ip6[40] == 128 and src $src"
			fi
			rb_wait_for 5 grep -q 'listening on' "$pcap" || rb_fail "tcpdump did not start"
			rb_ping "$RB_NS_CLI" "$dst" 3 -t 64
			rb_wait_for 5 eval "[ \$(grep -cE '(ttl|hlim) [0-9]+' '$pcap') -ge 3 ]" ||
				rb_fail "IPv$fam: tcpdump in srv saw < 3 echo requests: $(tr '\n' ' ' <"$pcap" | head -c 300)"
			ttls=$(grep -oE '(ttl|hlim) [0-9]+' "$pcap" | awk '{print $2}' | sort -u | tr '\n' ' ')
			rb_assert_eq "$ttls" "63 " "IPv$fam TTL/hop limit of requests arriving at srv (sent with 64)"
		fi

		# TTL 1: the appliance must answer Time Exceeded from its own address.
		rb_ping "$RB_NS_CLI" "$dst" 1 -t 1
		rb_assert_match "$RB_OUT" "From $me .*([Tt]ime to live exceeded|[Tt]ime exceeded)" \
			"IPv$fam echo with TTL 1 through the appliance"
	done

	# A TCP stream in both address families, checked end to end.
	for fam in 4 6; do
		local dst
		[ $fam = 4 ] && dst=$RB_SRV_IP4 || dst=$RB_SRV_IP6
		rb_check_tcp_stream "$dst" 2000000
	done

	rb_dp_stats
	rb_assert_stat_delta_ge event.ip4_forward 16
	rb_assert_stat_delta_ge event.ip6_forward 16
	rb_assert_stat_delta_ge drop.ttl_expired 2
	n=$(rb_stat_delta event.icmp_error_tx)
	[ "$RB_DP_KERNEL" = 1 ] || rb_assert_ge "$n" 2 "counter event.icmp_error_tx (delta)"
}

# Echo BYTES random bytes from the client namespace to ADDR:7 (the diag echo
# service) with tcp_peer.py and compare the SHA-256 of what was sent and what
# came back; LABEL names the path in messages.  Output: $RB_TMP/client.out.
rb_tcp_echo_check() { # addr bytes timeout label
	rb_ns "$RB_NS_CLI" timeout $(($3 + 10)) "$RB_PY" "$RB_LIB_DIR/tcp_peer.py" --timeout "$3" \
		echo "$1" 7 "$2" >>"$RB_TMP/client.out" 2>&1 ||
		rb_fail "echo of $2 bytes to $1 ($4): $(tail -n 2 "$RB_TMP/client.out" | tr '\n' ' ')"
	local tx rx
	read -r tx rx < <(tail -n 1 "$RB_TMP/client.out" | awk '{ print $5, $8 }')
	rb_assert_eq "$rx" "$tx" "SHA-256 of the $2 bytes echoed by $1 ($4)"
	rb_note "$4: $(tail -n 1 "$RB_TMP/client.out" | cut -d" " -f2,4,9,10)"
}

# Send $2 random bytes over TCP cli -> srv:5001 and compare SHA-256 digests.
rb_check_tcp_stream() { # srv_addr bytes
	local dst=$1 bytes=$2 sum_tx sum_rx i
	local rx=$RB_TMP/stream.$RB_STREAM_N.rx tx=$RB_TMP/stream.$RB_STREAM_N.tx
	RB_STREAM_N=$((RB_STREAM_N + 1))
	head -c "$bytes" /dev/urandom >"$RB_TMP/stream.bin"
	sum_tx=$(sha256sum <"$RB_TMP/stream.bin" | cut -d' ' -f1)
	rb_bg "$rx" ip netns exec "$RB_NS_SRV" "$RB_PY" -c '
import hashlib, socket, sys
fam = socket.AF_INET6 if ":" in sys.argv[1] else socket.AF_INET
s = socket.socket(fam, socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], 5001)); s.listen(1); s.settimeout(20)
print("listening", flush=True)
c, _ = s.accept(); c.settimeout(20); h = hashlib.sha256(); n = 0
while True:
    b = c.recv(65536)
    if not b: break
    h.update(b); n += len(b)
print("got", n, h.hexdigest(), flush=True)
' "$dst"
	rb_wait_for 5 grep -q listening "$rx" || rb_fail "TCP sink did not start"
	rb_ns "$RB_NS_CLI" timeout 30 "$RB_PY" -c '
import socket, sys
fam = socket.AF_INET6 if ":" in sys.argv[1] else socket.AF_INET
s = socket.create_connection((sys.argv[1], 5001), timeout=20)
with open(sys.argv[2], "rb") as f:
    s.sendall(f.read())
s.close()
' "$dst" "$RB_TMP/stream.bin" >"$tx" 2>&1 ||
		rb_fail "TCP stream to $dst failed: $(tail -n 2 "$tx" | tr '\n' ' ')"
	for ((i = 0; i < 100; i++)); do
		grep -q '^got' "$rx" && break
		sleep 0.1
	done
	sum_rx=$(awk '/^got/ { print $3 }' "$rx")
	rb_assert_eq "$sum_rx" "$sum_tx" "SHA-256 of $bytes bytes over TCP to $dst"
}
