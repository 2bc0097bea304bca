#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# test_ss_libev: the Shadowsocks SIP004 codec (dataplane/ss/ss_aead.c)
# against shadowsocks-libev, through bench_ss's kernel-socket server and
# tunnel (not the dataplane: see dataplane/ss/README.md), inside a private
# network namespace (loopback only).  For every AEAD method libev has:
#   ss-local -> bench_ss server -> HTTP server   (curl via SOCKS5, 100 MiB, sha256)
#   bench_ss tunnel -> ss-server -> HTTP server  (curl, 100 MiB, sha256)
# and a wrong password on ss-local: curl fails, bench_ss counts auth-fail.
# RB_BUILD (default build) names the build directory; RB_SS_MIB the size.
NAME=test_ss_libev
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${RB_BUILD:-build}
[[ $BUILD = /* ]] || BUILD=$ROOT/$BUILD
BENCH=$BUILD/dataplane/ss/bench_ss
MIB=${RB_SS_MIB:-100}
NS=rbss$(printf %05x $$ | tail -c 5)
TMP=$(mktemp -d /tmp/$NAME.XXXXXX)
PIDS=()

cleanup() {
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
	for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null; done
	# forked per-connection children (all ours: the namespace is ours)
	for p in $(ip netns pids "$NS" 2>/dev/null); do kill "$p" 2>/dev/null; done
	ip netns del "$NS" 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT
fail() { echo "FAIL $NAME: $*"; exit 1; }
skip() { echo "SKIP $NAME: $*"; exit 77; }

[ "$(id -u)" = 0 ] || skip "needs root"
command -v ss-local >/dev/null && command -v ss-server >/dev/null || skip "shadowsocks-libev missing"
[ -x "$BENCH" ] || skip "no $BENCH"
ip netns add "$NS" || fail "netns"
ip -n "$NS" link set lo up
X() { ip netns exec "$NS" "$@"; }
bg() { ip netns exec "$NS" "$@" & PIDS+=($!); }

mkdir -p "$TMP/www"
head -c $((MIB * 1024 * 1024)) /dev/urandom >"$TMP/www/big"
want=$(sha256sum <"$TMP/www/big" | cut -d' ' -f1)
bg /usr/bin/python3 -m http.server -b 127.0.0.1 -d "$TMP/www" 18080 >/dev/null 2>&1
sleep 1

wait_port() { for _ in $(seq 50); do X bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" 2>/dev/null && return 0; sleep 0.1; done; return 1; }

port=20000
for m in aes-128-gcm aes-256-gcm chacha20-ietf-poly1305 xchacha20-ietf-poly1305; do
	pw="pw-$m-$RANDOM"
	# libev client -> our server
	bg "$BENCH" server $port "$m" "$pw" 2>>"$TMP/srv.err"
	bg ss-local -s 127.0.0.1 -p $port -l $((port + 1)) -b 127.0.0.1 -m "$m" -k "$pw" >/dev/null 2>&1
	wait_port $((port + 1)) || fail "$m: ss-local did not start"
	wait_port $port || fail "$m: bench_ss server did not start"
	t0=$(date +%s.%N)
	got=$(X curl -sf --socks5-hostname 127.0.0.1:$((port + 1)) http://127.0.0.1:18080/big | sha256sum | cut -d' ' -f1)
	t1=$(date +%s.%N)
	[ "$got" = "$want" ] || fail "$m: ss-local -> bench_ss server: sha256 mismatch"
	echo "  $m: ss-local -> ringbox codec: ${MIB} MiB ok ($(echo "$MIB / ($t1 - $t0)" | bc -l | cut -c1-6) MiB/s)"
	# our client -> libev server
	bg ss-server -s 127.0.0.1 -p $((port + 2)) -m "$m" -k "$pw" >/dev/null 2>&1
	bg "$BENCH" tunnel $((port + 3)) 127.0.0.1 $((port + 2)) "$m" "$pw" 127.0.0.1 18080
	wait_port $((port + 2)) && wait_port $((port + 3)) || fail "$m: ss-server/tunnel did not start"
	t0=$(date +%s.%N)
	got=$(X curl -sf http://127.0.0.1:$((port + 3))/big | sha256sum | cut -d' ' -f1)
	t1=$(date +%s.%N)
	[ "$got" = "$want" ] || fail "$m: bench_ss tunnel -> ss-server: sha256 mismatch"
	echo "  $m: ringbox codec -> ss-server: ${MIB} MiB ok ($(echo "$MIB / ($t1 - $t0)" | bc -l | cut -c1-6) MiB/s)"
	port=$((port + 10))
done

# wrong password: nothing reaches the HTTP server, the failure is counted
bg "$BENCH" server $port aes-256-gcm right 2>>"$TMP/bad.err"
bg ss-local -s 127.0.0.1 -p $port -l $((port + 1)) -b 127.0.0.1 -m aes-256-gcm -k wrong >/dev/null 2>&1
wait_port $((port + 1)) && wait_port $port || fail "wrong password setup"
X curl -sf -m 3 --socks5-hostname 127.0.0.1:$((port + 1)) http://127.0.0.1:18080/big >/dev/null && fail "wrong password: download succeeded"
# the server logs the failure when it has read the client's first record,
# which may come after curl gave up on a loaded machine: poll, do not guess
for _ in $(seq 100); do grep -q auth-fail "$TMP/bad.err" && break; sleep 0.1; done
grep -q auth-fail "$TMP/bad.err" ||
	fail "wrong password: no auth-fail counted in 10 s: $(tail -n 3 "$TMP/bad.err" | tr '\n' ' ')"
echo "PASS $NAME"
