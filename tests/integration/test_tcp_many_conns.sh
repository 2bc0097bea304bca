#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# TCP stack, many connections: a Linux asyncio client (tcp_peer.py many)
# opens RB_TCP_CONNS (default 2000) connections to the dataplane's echo
# service, all established before any sends; then each sends
# RB_TCP_CONN_BYTES (default 16 KiB) of its own random bytes, half-closes
# and must get exactly those bytes back, then FIN.  Afterwards the
# dataplane holds no connection: tcp_conn_alloc - tcp_closed = 0 (it
# closes last, so nothing of these sits in its TIME_WAIT), and a second
# round works the same (IPv6).
. "$(dirname "$0")/lib.sh"
rb_init
CONNS=${RB_TCP_CONNS:-2000}
CONN_BYTES=${RB_TCP_CONN_BYTES:-16384}
PEER="$RB_PY $RB_LIB_DIR/tcp_peer.py"
RB_CFG_EXTRA='services = ( { type = "diag"; tag = "diag"; echo = 7; } );'
rb_topo_two_hosts
# Ephemeral ports for 2 x CONNS client sockets (the cli side keeps TIME_WAIT).
rb_ns "$RB_NS_CLI" sysctl -qw net.ipv4.ip_local_port_range="10000 60999"
rb_dp_start

open_conns() { # -> connections allocated and not yet freed, from RB_STATS
	echo $(($(rb_stat event.tcp_conn_alloc) - $(rb_stat event.tcp_closed)))
}

many_run() { # addr round
	rb_dp_stats
	rb_stats_mark
	rb_ns "$RB_NS_CLI" timeout 100 $PEER --timeout 80 many "$1" 7 "$CONNS" "$CONN_BYTES" \
		>>"$RB_TMP/client.out" 2>&1 ||
		rb_fail "round $2 ($1): $(tail -n 2 "$RB_TMP/client.out" | tr '\n' ' ')"
	rb_note "round $2: $(tail -n 1 "$RB_TMP/client.out")"
	rb_assert_match "$(tail -n 1 "$RB_TMP/client.out")" "^many ok conns $CONNS open-at-once $CONNS exact $CONNS " \
		"round $2: every connection open at once and echoed exactly"
	# The dataplane frees its side after the last ACK of its FIN.
	local i n
	for ((i = 0; i < 50; i++)); do
		rb_dp_stats
		n=$(open_conns)
		[ "$n" = 0 ] && break
		sleep 0.2
	done
	rb_assert_eq "$n" 0 "round $2: dataplane TCP connections still allocated (alloc - closed)"
	rb_assert_stat_delta_ge event.tcp_passive_open "$CONNS"
	rb_assert_stat_delta_ge event.tcp_closed "$CONNS"
	rb_assert_eq "$(rb_stat drop.tcp_conn_limit)" 0 "drop.tcp_conn_limit"
	rb_assert_eq "$(rb_stat drop.tcp_mem_limit)" 0 "drop.tcp_mem_limit"
	# informational: the veth loses nothing, so every one of these is spurious
	rb_note "round $2: retransmits $(rb_stat_delta event.tcp_retransmit) rto $(rb_stat_delta event.tcp_rto) tlp $(rb_stat_delta event.tcp_tlp) duplicate_rx $(rb_stat_delta drop.tcp_duplicate) rst_tx $(rb_stat_delta event.tcp_rst_tx) mem_pressure $(rb_stat_delta event.tcp_mem_pressure) load $(cut -d' ' -f1 /proc/loadavg)"
}

many_run "$RB_DP_CLI_IP4" 1
many_run "$RB_DP_CLI_IP6" 2
rb_note "syncookies sent $(rb_stat event.tcp_syncookie_sent) validated $(rb_stat event.tcp_syncookie_ok), rst_tx $(rb_stat event.tcp_rst_tx)"
rb_dp_stop
rb_pass
