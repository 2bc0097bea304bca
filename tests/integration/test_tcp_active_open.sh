#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# TCP stack, active open against Linux: the diag service's client mode
# (`fetch`, dataplane/tcp/tcp_diag.c).  A client in cli asks the dataplane
# on the fetch port; the dataplane connects on its own to a Linux server in
# srv (tcp_peer.py serve), sends the file name, half-closes (the server
# answers only after that FIN, so this is the dataplane-side half-close
# while the other direction stays open), reads the file to EOF and replies
# "ok <bytes> <sha256>", compared here with the file's own digest.
#   - IPv4 and IPv6 servers, RB_TCP_FETCH_BYTES (default 256 MiB) each
#   - 4 fetches of 4 MiB at once (several active opens on one lcore)
#   - a server port nobody listens on: "error connect: Connection refused"
# Afterwards only the successful fetches' own connections may remain in the
# dataplane, in TIME_WAIT (it closed first): alloc - closed <= their number.
. "$(dirname "$0")/lib.sh"
rb_init
BYTES=${RB_TCP_FETCH_BYTES:-268435456}
PEER="$RB_PY $RB_LIB_DIR/tcp_peer.py"
rb_topo_two_hosts
RB_CFG_EXTRA="services = (
  { type = \"diag\"; tag = \"fetch4\"; fetch = 8007; fetch_server = \"$RB_SRV_IP4\"; fetch_server_port = 8000; },
  { type = \"diag\"; tag = \"fetch6\"; fetch = 8008; fetch_server = \"$RB_SRV_IP6\"; fetch_server_port = 8000; },
  { type = \"diag\"; tag = \"refused\"; fetch = 8009; fetch_server = \"$RB_SRV_IP4\"; fetch_server_port = 8001; }
);"
rb_dp_config "$RB_CFG"

mkdir -p "$RB_TMP/www"
head -c "$BYTES" /dev/urandom >"$RB_TMP/www/big.bin"
head -c 4194304 /dev/urandom >"$RB_TMP/www/small.bin"
BIG_SHA=$(sha256sum <"$RB_TMP/www/big.bin" | cut -d' ' -f1)
SMALL_SHA=$(sha256sum <"$RB_TMP/www/small.bin" | cut -d' ' -f1)
for a in "$RB_SRV_IP4" "$RB_SRV_IP6"; do
	rb_bg "$RB_TMP/srv.$a.log" ip netns exec "$RB_NS_SRV" $PEER serve "$a" 8000 "$RB_TMP/www"
	rb_wait_for 5 grep -q listening "$RB_TMP/srv.$a.log" || rb_fail "server on $a did not start"
done
rb_dp_start
rb_dp_stats
rb_stats_mark

fetch() { # port name expected_bytes expected_sha out
	rb_ns "$RB_NS_CLI" timeout 90 $PEER --timeout 80 fetch "$RB_DP_CLI_IP4" "$1" "$2" >"$5" 2>&1
	rb_assert_eq "$(cat "$5")" "fetch-reply ok $3 $4" "fetch of $2 through port $1"
}

fetch 8007 big.bin "$BYTES" "$BIG_SHA" "$RB_TMP/f4.out"
rb_note "IPv4: $(cat "$RB_TMP/f4.out" | cut -c1-40)..."
fetch 8008 big.bin "$BYTES" "$BIG_SHA" "$RB_TMP/f6.out"
pids=()
for i in 1 2 3 4; do
	rb_ns "$RB_NS_CLI" timeout 60 $PEER --timeout 50 fetch "$RB_DP_CLI_IP4" 8007 small.bin \
		>"$RB_TMP/par$i.out" 2>&1 &
	pids+=($!)
done
for i in 1 2 3 4; do
	wait "${pids[i - 1]}"
	rb_assert_eq "$(cat "$RB_TMP/par$i.out")" "fetch-reply ok 4194304 $SMALL_SHA" "parallel fetch $i"
done
rb_ns "$RB_NS_CLI" timeout 30 $PEER --timeout 20 fetch "$RB_DP_CLI_IP4" 8009 big.bin >"$RB_TMP/ref.out" 2>&1
rb_assert_match "$(cat "$RB_TMP/ref.out")" "^fetch-reply error connect: Connection refused after 0 bytes" \
	"fetch from a closed server port"

# The server answered each request only after the dataplane's FIN.
for a in "$RB_SRV_IP4" "$RB_SRV_IP6"; do
	rb_assert_match "$(cat "$RB_TMP/srv.$a.log")" "served big.bin $BYTES to $RB_DP_SRV_IP4 after EOF|served big.bin $BYTES to $RB_DP_SRV_IP6 after EOF" \
		"server $a saw the dataplane's request and FIN"
done
rb_assert_eq "$(grep -c "served small.bin 4194304 to $RB_DP_SRV_IP4 after EOF" "$RB_TMP/srv.$RB_SRV_IP4.log")" 4 \
	"parallel fetches served"

rb_dp_stats
rb_assert_stat_delta_ge event.tcp_active_open 7
rb_assert_stat_delta_ge event.tcp_passive_open 7
rb_assert_stat_delta_ge port.srv.rx_bytes $((2 * BYTES))
# Left: at most the 6 fetch connections, in TIME_WAIT.  Fewer is fine: the
# server's FIN is often retransmitted before our ACK lands, our second ACK
# reaches a closed Linux socket, its RST ends our TIME_WAIT (RFC 9293
# 3.10.7.4 allows it).  Every trigger connection and the refused one are gone.
open=$(($(rb_stat event.tcp_conn_alloc) - $(rb_stat event.tcp_closed)))
rb_assert_ge 6 "$open" "dataplane connections left (only fetches' own, in TIME_WAIT)"
rb_assert_stat_delta_ge event.tcp_closed 8
rb_dp_stop
rb_pass
