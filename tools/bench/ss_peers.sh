#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# tools/bench/ss_peers.sh: the ringbox `shadowsocks` inbound against
# shadowsocks-libev's ss-server on the veth testbed, in one run, with the
# same client (ss-local in cli, curl through its SOCKS5 port), the same
# origin (nginx in srv) and the same namespaces (tests/integration/lib.sh):
#
#   ss-local -> ringbox shadowsocks inbound -> direct -> nginx
#   ss-local -> ss-server (dp namespace, kernel forwarding, CPU 1) -> nginx
#
# per method (BENCH_METHODS, default aes-128-gcm aes-256-gcm
# chacha20-ietf-poly1305).  ringbox's worker runs on CPU 1, ss-server is
# pinned there with taskset; ss-local and curl are the same in both.
# Figure: MB/s of a BENCH_MB MiB (default 64) download, best byte-exact run
# of BENCH_RUNS (2); then ratios ringbox/ss-server per method and against
# ss-server's fastest method (libev's aes-128-gcm is mbedTLS, slow).
# ringbox uses af_packet ports (RB_DRIVER): over af_xdp a bulk transfer
# stalls in the PMD (tests/integration/test_tcp_echo_bulk.sh).
# Informational: no pass/fail.  Needs root, nginx, shadowsocks-libev, curl.
#   RB_BUILD=build tools/bench/ss_peers.sh
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
LIB=$HERE/../../tests/integration
METHODS=${BENCH_METHODS:-aes-128-gcm aes-256-gcm chacha20-ietf-poly1305}
export RB_DRIVER=${RB_DRIVER:-af_packet}

if [ "${1:-}" != --one ]; then
	out=$(mktemp)
	trap 'rm -f "$out"' EXIT
	for mode in ringbox peers; do
		RB_TEST_NAME=ss_peers_$mode bash "$0" --one "$mode" | tee -a "$out" | grep -v '^RESULT' ||
			true
	done
	awk -v methods="$METHODS" '
	$1 == "RESULT" { v[$2 " " $3] = $4; ok[$2 " " $3] = $5; n++ }
	function ratio(a, b) { return (b + 0 > 0 && a + 0 > 0) ? sprintf("%.2fx", a / b) : "n/a" }
	END {
		if (!n) { print "no results"; exit 1 }
		nm = split(methods, m, " ")
		best = 0
		for (i = 1; i <= nm; i++) if (v["ss-server " m[i]] + 0 > best) { best = v["ss-server " m[i]] + 0; bm = m[i] }
		printf "%-26s %14s %8s %14s %8s %10s %12s\n", "method", "ringbox MB/s", "runs", "ss-server MB/s", "runs", "ratio", "vs best"
		for (i = 1; i <= nm; i++) {
			r = v["ringbox " m[i]]; s = v["ss-server " m[i]]
			printf "%-26s %14s %8s %14s %8s %10s %12s\n", m[i], r, ok["ringbox " m[i]], s,
				ok["ss-server " m[i]], ratio(r, s), ratio(r, best)
		}
		printf "\n(\"vs best\": against ss-server with its fastest method here, %s)\n", bm
	}' "$out"
	exit 0
fi

MODE=$2
[ "$MODE" = peers ] && export RB_DP_KERNEL=1
. "$LIB/lib.sh"
. "$LIB/proxy_lib.sh"
rb_init
rb_require_cmd curl nginx taskset ss-local ss-server
PX_BIG=${BENCH_MB:-64}
RUNS=${BENCH_RUNS:-2}
rb_topo_two_hosts
P=$RB_DP_CLI_IP4
URL=http://$RB_SRV_IP4:8080
PW="bench-$RANDOM$RANDOM"

# "MB/s ok/runs": best of RUNS byte-exact downloads through SOCKS port $1
tput() { # name socks-port
	local name=$1 best=0 ok=0 r sp sum
	for ((r = 0; r < RUNS; r++)); do
		sum=$(ip netns exec "$RB_NS_CLI" curl -sS --max-time 120 --speed-limit 1048576 \
			--speed-time 10 --socks5-hostname "127.0.0.1:$2" -o - \
			-w '%{stderr}SPEED %{speed_download}\n' "$URL/big.bin" \
			2>"$RB_TMP/curl.err" | sha256sum | cut -d' ' -f1)
		sp=$(awk '$1 == "SPEED" { print $2 }' "$RB_TMP/curl.err")
		if [ "$sum" != "$PX_BIG_SHA" ] || [ -z "$sp" ]; then
			rb_note "$name: run $r failed or not byte-exact: $(grep -v '^SPEED' "$RB_TMP/curl.err" | tail -n 1)"
			continue
		fi
		ok=$((ok + 1))
		sp=${sp%.*}
		[ "$sp" -gt "$best" ] && best=$sp
	done
	awk -v b="$best" -v ok="$ok" -v n="$RUNS" 'BEGIN { printf "%.1f %d/%d", b / 1048576, ok, n }'
}

local_port=1090
# ss-local in cli toward $P:$2 with method $1; its SOCKS port in SSL
ss_local() { # method server-port
	SSL=$local_port
	local_port=$((local_port + 1))
	rb_bg "$RB_TMP/ss-local-$SSL.log" ip netns exec "$RB_NS_CLI" ss-local -s "$P" -p "$2" \
		-b 127.0.0.1 -l "$SSL" -m "$1" -k "$PW"
	rb_wait_for 5 ip netns exec "$RB_NS_CLI" bash -c "exec 3<>/dev/tcp/127.0.0.1/$SSL" ||
		rb_fail "ss-local $1 did not start"
}

port=8388
if [ "$MODE" = ringbox ]; then
	ins= sep=
	for m in $METHODS; do
		ins+="$sep{ type = \"shadowsocks\"; tag = \"ss-$m\"; listen = \"$P\"; listen_port = $port;
    method = \"$m\"; password = \"$PW\"; }"
		sep=",
  "
		port=$((port + 1))
	done
	PX_CTL=$(px_control_cfg)
	PX_SOCK=$RB_TMP/run/ctl.sock
	px_config "
$PX_CTL
inbounds = (
  $ins
);
outbounds = ( { type = \"direct\"; tag = \"direct\"; } );
"
	rb_dp_start --eal "-m 768"
	px_control_start
	px_nginx_start
	port=8388
	for m in $METHODS; do
		ss_local "$m" $port
		rb_wait_for 10 ip netns exec "$RB_NS_CLI" curl -sf -o /dev/null --max-time 2 \
			--socks5-hostname "127.0.0.1:$SSL" "$URL/" || rb_fail "$m: no answer"
		echo "RESULT ringbox $m $(tput "ringbox $m" "$SSL")"
		port=$((port + 1))
	done
	rb_dp_stop
	rb_pass "ringbox measured"
fi

px_nginx_start
for m in $METHODS; do
	rb_bg "$RB_TMP/ss-server-$m.out" ip netns exec "$RB_NS_DP" taskset -c 1 ss-server -s "$P" \
		-p $port -m "$m" -k "$PW"
	rb_wait_for 5 ip netns exec "$RB_NS_CLI" bash -c "exec 3<>/dev/tcp/$P/$port" ||
		rb_fail "ss-server $m did not come up"
	ss_local "$m" $port
	echo "RESULT ss-server $m $(tput "ss-server $m" "$SSL")"
	port=$((port + 1))
done
rb_pass "peers measured"
