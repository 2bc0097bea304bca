#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# tools/bench/ss_peers.sh: the ringbox `shadowsocks` inbound against
# shadowsocks-libev's ss-server on the veth testbed, in one run, with the
# same client, the same origin (nginx in srv) and the same namespaces
# (tests/integration/lib.sh, tools/bench/peers_lib.sh).  The relay under
# test is on CPU 1 in both: ringbox's worker lcore, or ss-server pinned
# there with taskset; the load source, curl and nginx are on CPU 0.
#
# The load source (BENCH_CLIENT):
#   ringbox (default)  a second ringbox in cli, a socks inbound per method
#       routed to a shadowsocks outbound per method (the project's codec,
#       intel-ipsec-mb), curl in a gen namespace behind it:
#         gen curl -> [cli: client ringbox, socks in -> ss out] -> relay -> srv nginx
#   ss-local  shadowsocks-libev's ss-local in cli and curl through it (the
#       old set-up: ss-local and curl bound both relays, the ratio says
#       little about the relay core).
# Per method (BENCH_METHODS, default aes-128-gcm aes-256-gcm
# chacha20-ietf-poly1305, both relays; BENCH_RB_ONLY, default
# 2022-blake3-aes-128-gcm, ringbox alone: ss-server has no 2022 ciphers):
#   MB/s      the best byte-exact run of BENCH_RUNS (2) downloads of BENCH_MB
#             MiB (64)
#   core MB/s that run's MiB over the CPU seconds it cost the relay under
#             test: ringbox, the smaller of its worker's busy seconds
#             (iterations that moved packets, ringbox_lcore_busy_seconds_total,
#             rdtsc: on a loaded machine it counts preemption inside an
#             iteration too) and the worker thread's CPU time (idle polls
#             included; the worker sleeps after 64 empty polls,
#             idle_sleep_us = BENCH_RB_SLEEP_US, default 20, so that this
#             is close to the work done): both overstate the cost;
#             ss-server, its user + system CPU time (lib.sh
#             rb_proc_cpu_seconds; softirq work outside its syscalls is not
#             counted, which flatters ss-server)
#   user      ringbox only: the same over its worker's user time alone (the
#             af_packet syscalls' kernel work, which on veth also runs the
#             receiving namespaces' stack, left out: what a NIC would take)
# BENCH_RPS=MASK (peers_lib.sh pl_rps): the cli and srv veths' receive path
# runs on the CPUs of MASK (1: CPU 0, the load side) by RPS instead of
# inside the sender's syscall; neither the relay under test (ringbox's TX
# kick, a kernel peer's sendmsg) pays for its neighbours' stacks then.
# then ratios ringbox/ss-server per method (goal of issue 6: >= 4x per
# core), and the load average.  ringbox uses af_packet ports (RB_DRIVER);
# RB_DRIVER=af_xdp (copy mode on veth) works since af_xdp ports got
# busy_budget=0 (3b5a60c; before, a bulk transfer stalled in the PMD): 2 of
# 2 byte-exact runs per method, and per-core ratios within the noise of
# af_packet's (2026-11-29, dataplane/ss/README.md): on veth the
# neighbours' receive path runs inside the TX kick either way.
# What ss-server runs per method (ldd/nm of Debian's ss-server): aes-256-gcm
# and chacha20-ietf-poly1305 on libsodium (AES-NI, precomputed key),
# aes-128-gcm on mbedtls' GCM (13-16 c/B here, bench numbers in
# dataplane/ss/README.md): its aes-128-gcm is its slowest method, so
# aes-128 ratios flatter ringbox and "vs best" is the fair one.
# Informational: no pass/fail.  Needs root, nginx, shadowsocks-libev, curl.
#   RB_BUILD=build tools/bench/ss_peers.sh
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/peers_lib.sh"
METHODS=${BENCH_METHODS:-aes-128-gcm aes-256-gcm chacha20-ietf-poly1305}
RB_ONLY=${BENCH_RB_ONLY-2022-blake3-aes-128-gcm}
CLIENT=${BENCH_CLIENT:-ringbox}
export RB_DRIVER=${RB_DRIVER:-af_packet}

if [ "${1:-}" != --one ]; then
	echo "== Shadowsocks relay: ringbox vs ss-server (load source: $CLIENT; relay on CPU 1)"
	export PL_METHODS="$METHODS $RB_ONLY"
	pl_main "$0" '
	$1 == "RESULT" { k = $2 " " $3; v[k] = $4; ok[k] = $5; core[k] = $6; user[k] = $7; n++ }
	function ratio(a, b) { return (b + 0 > 0 && a + 0 > 0) ? sprintf("%.2fx", a / b) : "n/a" }
	END {
		if (!n) { print "no results"; exit 1 }
		nm = split(ENVIRON["PL_METHODS"], m, " ")
		best = 0
		for (i = 1; i <= nm; i++) if (v["ss-server " m[i]] + 0 > best) { best = v["ss-server " m[i]] + 0; bm = m[i] }
		f = "%-24s %8s %4s %8s %8s | %9s %4s %8s | %7s %7s %7s %8s\n"
		printf f, "method", "ringbox", "runs", "core", "user", "ss-server", "runs", "core", "ratio",
			"core", "user", "vs best"
		printf f, "", "MB/s", "", "MB/s", "MB/s", "MB/s", "", "MB/s", "MB/s", "MB/s", "MB/s", "MB/s"
		for (i = 1; i <= nm; i++) {
			r = "ringbox " m[i]; s = "ss-server " m[i]
			printf f, m[i], v[r], ok[r], core[r], user[r],
				(s in v) ? v[s] : "-", (s in v) ? ok[s] : "-", (s in v) ? core[s] : "-",
				ratio(v[r], v[s]), ratio(core[r], core[s]), ratio(user[r], core[s]), ratio(v[r], best)
		}
		printf "(core: MiB per CPU second of the relay under test; user: ringbox per second of its worker'"'"'s user time alone, without the kernel side of af_packet, which on veth also runs the neighbours'"'"' receive path; \"vs best\": against ss-server with its fastest method, %s; goal: ringbox >= 4x ss-server per core)\n", bm
	}' ringbox peers
	exit $?
fi

MODE=$2
[ "$MODE" = peers ] && export RB_DP_KERNEL=1
. "$PL_LIB/lib.sh"
. "$PL_LIB/proxy_lib.sh"
rb_init
rb_require_cmd curl nginx taskset
[ "$CLIENT" = ss-local ] && rb_require_cmd ss-local
[ "$MODE" = peers ] && rb_require_cmd ss-server
PX_BIG=${BENCH_MB:-64}
RUNS=${BENCH_RUNS:-2}
rb_topo_two_hosts
pl_rps
P=$RB_DP_CLI_IP4
URL=http://$RB_SRV_IP4:8080
PW="bench-$RANDOM$RANDOM"
# 2022: the key itself (base64), fresh per run
PSK16=$(head -c 16 /dev/urandom | base64)
PSK32=$(head -c 32 /dev/urandom | base64)
pw_of() { # method
	case $1 in
	2022-blake3-aes-128-gcm) echo "$PSK16" ;;
	2022-*) echo "$PSK32" ;;
	*) echo "$PW" ;;
	esac
}
# The methods this mode measures: ss-server (and ss-local) have no 2022.
MS=($METHODS)
[ "$MODE" = ringbox ] && [ "$CLIENT" = ringbox ] && MS+=($RB_ONLY)

# nginx's master and workers on CPU 0, with the load source
pin_nginx() {
	local m
	m=$(cat "$RB_TMP/nginx/nginx.pid" 2>/dev/null) || return 0
	for p in $m $(pgrep -P "$m"); do taskset -a -p -c 0 "$p" >/dev/null 2>&1; done
}

# ---- the relay under test, a port per method from 8388 ----
if [ "$MODE" = ringbox ]; then
	ins= sep=
	for i in "${!MS[@]}"; do
		ins+="$sep{ type = \"shadowsocks\"; tag = \"ss-$i\"; listen = \"$P\"; listen_port = $((8388 + i));
    network = \"tcp\"; method = \"${MS[i]}\"; password = \"$(pw_of "${MS[i]}")\"; }"
		sep=",
  "
	done
	PL_RB_SLEEP_US=${BENCH_RB_SLEEP_US:-20}
	pl_ringbox_start "inbounds = (
  $ins
);
outbounds = ( { type = \"direct\"; tag = \"direct\"; } );"
	PL_COST=${BENCH_COST:-pl_rb_cost}
	PL_INFO_COST="pl_worker_cpu_s $RB_DP_PID user"
else
	px_nginx_start
	SS_PIDS=()
	for i in "${!MS[@]}"; do
		rb_bg "$RB_TMP/ss-server-$i.out" ip netns exec "$RB_NS_DP" taskset -c 1 ss-server -s "$P" \
			-p $((8388 + i)) -m "${MS[i]}" -k "$PW"
		SS_PIDS+=("$RB_BG_PID")
		rb_wait_for 5 ip netns exec "$RB_NS_CLI" bash -c "exec 3<>/dev/tcp/$P/$((8388 + i))" ||
			rb_fail "ss-server ${MS[i]} did not come up"
	done
fi
pin_nginx

# ---- the load source: per method i, a SOCKS5 port for curl ----
if [ "$CLIENT" = ringbox ]; then
	pl_gen_topo
	pl_client_ctl_init
	ins= outs= rules= sep=
	for i in "${!MS[@]}"; do
		ins+="$sep{ type = \"socks\"; tag = \"s$i\"; listen = \"$PL_GEN_NET.1\"; listen_port = $((1080 + i)); }"
		outs+="$sep{ type = \"shadowsocks\"; tag = \"o$i\"; server = \"$P\"; server_port = $((8388 + i));
    network = \"tcp\"; method = \"${MS[i]}\"; password = \"$(pw_of "${MS[i]}")\"; }"
		rules+="$sep{ inbound = \"s$i\"; outbound = \"o$i\"; }"
		sep=",
  "
	done
	cat >"$RB_TMP/client.cfg" <<CFG
log = { level = "info"; };
$(pl_client_dp_cfg "[ 0 ]" 20)
$PL_CLIENT_CTL
inbounds = (
  $ins
);
outbounds = (
  $outs
);
route = { rules = (
  $rules
); };
CFG
	PL_CLIENT_ARGS="--eal -m768"
	pl_client_start "$RB_TMP/client.cfg" ctl
	PL_CURL_NS=$PL_NS_GEN
	socks_of() { echo "$PL_GEN_NET.1:$((1080 + $1))"; }
else
	for i in "${!MS[@]}"; do
		rb_bg "$RB_TMP/ss-local-$i.log" ip netns exec "$RB_NS_CLI" taskset -c 0 ss-local -s "$P" \
			-p $((8388 + i)) -b 127.0.0.1 -l $((1080 + i)) -m "${MS[i]}" -k "$(pw_of "${MS[i]}")"
		rb_wait_for 5 ip netns exec "$RB_NS_CLI" bash -c "exec 3<>/dev/tcp/127.0.0.1/$((1080 + i))" ||
			rb_fail "ss-local ${MS[i]} did not start"
	done
	socks_of() { echo "127.0.0.1:$((1080 + $1))"; }
fi
PL_CURL_CPU=0

NAME=ringbox
[ "$MODE" = peers ] && NAME=ss-server
for i in "${!MS[@]}"; do
	m=${MS[i]}
	rb_wait_for 10 ip netns exec "${PL_CURL_NS:-$RB_NS_CLI}" curl -sf -o /dev/null --max-time 2 \
		-x "socks5://$(socks_of "$i")" "$URL/" || rb_fail "$m: no answer through the relay"
	[ "$MODE" = peers ] && PL_COST="rb_proc_cpu_seconds ${SS_PIDS[i]}"
	echo "RESULT $NAME $m $(pl_tput "$NAME $m" -x "socks5://$(socks_of "$i")")"
done
[ "$CLIENT" = ringbox ] && pl_client_stop
[ "$MODE" = ringbox ] && rb_dp_stop
rb_pass "$NAME measured"
