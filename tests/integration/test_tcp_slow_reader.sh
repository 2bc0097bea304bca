#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# TCP stack, slow readers and half-close, Linux (tcp_peer.py) against the
# dataplane's diag services:
#  - zero window towards the dataplane: a chargen client with a 16 KiB
#    receive buffer stops reading for 3 s; the dataplane must probe
#    (tcp_zwp grows) and resume; 2.25 MiB of pattern arrive exactly.
#  - zero window both ways: an echo client sends 4 MiB without reading; the
#    echo's send queue fills, it stops reading, its window closes and the
#    client's send blocks; then the client reads: all 4 MiB back exactly.
#  - half-close by the client: SHUT_WR to echo with 2 MiB unread; the
#    connection stays open for the echo, which ends with the dataplane's FIN.
#  - half-close by the client to chargen while its window is closed: the
#    dataplane closes (FIN after everything it had queued); the client
#    reads the pattern exactly up to that FIN.
# (The dataplane half-closing first while the peer keeps sending is in
# test_tcp_active_open: the diag fetch sends its request, SHUT_WR, and the
# Linux server answers only after that FIN.)
# Over IPv4 and IPv6; afterwards the dataplane holds no connection.
. "$(dirname "$0")/lib.sh"
rb_init
PEER="$RB_PY $RB_LIB_DIR/tcp_peer.py"
RB_CFG_EXTRA='services = ( { type = "diag"; tag = "diag"; echo = 7; chargen = 19; } );'
rb_topo_two_hosts
rb_dp_start

peer() { # args...
	rb_ns "$RB_NS_CLI" timeout 70 $PEER --timeout 60 "$@" >>"$RB_TMP/client.out" 2>&1 ||
		rb_fail "$*: $(tail -n 2 "$RB_TMP/client.out" | tr '\n' ' ')"
	rb_note "$(tail -n 1 "$RB_TMP/client.out")"
}

rb_dp_stats
rb_stats_mark
for a in "$RB_DP_CLI_IP4" "$RB_DP_CLI_IP6"; do
	peer --stall 3 zwin-chargen "$a" 19
	peer --stall 3 zwin-echo "$a" 7 4194304
	peer --stall 2 halfclose-echo "$a" 7 2097152
	peer --stall 2 halfclose-chargen "$a" 19
done
rb_dp_stats
rb_assert_stat_delta_ge event.tcp_zwp 2
rb_assert_stat_delta_ge event.tcp_passive_open 8
n=0
for ((i = 0; i < 50; i++)); do
	rb_dp_stats
	n=$(($(rb_stat event.tcp_conn_alloc) - $(rb_stat event.tcp_closed)))
	[ "$n" = 0 ] && break
	sleep 0.2
done
rb_assert_eq "$n" 0 "dataplane TCP connections still allocated (alloc - closed)"
rb_note "zero-window probes $(rb_stat_delta event.tcp_zwp), rst_tx $(rb_stat_delta event.tcp_rst_tx)"
rb_dp_stop
rb_pass
