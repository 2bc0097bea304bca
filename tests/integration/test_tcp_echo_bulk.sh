#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# TCP stack, bulk: a Linux client (tcp_peer.py echo) streams random bytes to
# the dataplane's echo service (RFC 862) while reading the echo back; the
# SHA-256 of what it sent and of what came back must match.
#   1. af_xdp ports, clean:    RB_TCP_BULK_BYTES      (default 1 GiB)
#   2. af_xdp ports, 5 % random loss each way (nftables `numgen random` in
#      cli, IPv6):             RB_TCP_BULK_LOSS_BYTES (default 1 GiB)
#      DSACK (RFC 2883) both ways: Linux counts the DSACKs ringbox sent for
#      its spurious retransmissions (nstat TcpExtTCPDSACKRecv/OfoRecv), and
#      ringbox counts (tcp_dsack_rcvd) the ones Linux sent (TCPDSACKOldSent/
#      OfoSent), never more, none out of window (tcp_dsack_bad).
#   3. af_packet ports, clean: RB_TCP_BULK_PKT_BYTES  (default 64 MiB)
# Both ends run timer floors for this ~0.1 ms RTT path: the dataplane via
# dataplane.tcp (rto_min_ms 4, tlp_wcdelack_ms 2, delack_ms 5;
# RB_TCP_BULK_TCP_CFG replaces the group, RB_TCP_BULK_DEFAULT_TIMERS=1 keeps
# the stack's 200 ms defaults), the Linux client via its routes (rto_min
# 10ms, quickack 1).  With the defaults the echo at 5 % moved ~2 MB/s, with
# the floors 12 MB/s (load 13): the 1 GiB at 5 % takes ~90 s, up to ~200 s
# on a busier VM, so this is a ~2-4 minute test (tools/test allows 300 s per
# script).  Nothing here is timed: the sizes only decide how long it runs.
# (Before 956f0ee put every mbuf inside the af_xdp UMEM, the clean af_xdp
# echo stalled for good after 40..230 MB; phase 1 guards that.)
. "$(dirname "$0")/lib.sh"
rb_init
rb_require_cmd nft
BYTES=${RB_TCP_BULK_BYTES:-1073741824}
LOSS_BYTES=${RB_TCP_BULK_LOSS_BYTES:-1073741824}
PKT_BYTES=${RB_TCP_BULK_PKT_BYTES:-67108864}
RB_CFG_EXTRA='services = ( { type = "diag"; tag = "diag"; echo = 7; } );'
# Timer floors for a veth path (RTT ~0.1 ms), config/README.md "dataplane.tcp":
# the defaults' 200 ms RTO floor and 200 ms worst-case delayed ACK in the
# probe timeout were most of a lossy transfer's time (dataplane/tcp/README.md
# "Echo at 5 % loss").  RB_TCP_BULK_DEFAULT_TIMERS=1 runs with the defaults.
[ "${RB_TCP_BULK_DEFAULT_TIMERS:-0}" = 1 ] ||
	RB_CFG_DP_EXTRA=${RB_TCP_BULK_TCP_CFG:-'tcp = { rto_min_ms = 4; tlp_wcdelack_ms = 2; delack_ms = 5; };'}
RB_DRIVER=af_xdp
rb_topo_two_hosts
rb_dp_start

echo_run() { rb_tcp_echo_check "$1" "$2" "$3" "$RB_DRIVER"; } # addr bytes timeout
# Sum of Linux MIB counters in the client's namespace (absolute since the
# test made it; -s leaves nstat's history file alone).
lx_mib() { rb_ns "$RB_NS_CLI" nstat -azs "$@" | awk '$1 !~ /^#/ {s += $2} END {print s + 0}'; }

rb_dp_stats
rb_stats_mark
echo_run "$RB_DP_CLI_IP4" "$BYTES" 75
rb_dp_stats
rb_assert_stat_delta_ge event.tcp_passive_open 1
rb_assert_stat_delta_ge port.cli.rx_bytes "$BYTES"
rb_assert_stat_delta_ge port.cli.tx_bytes "$BYTES"
# informational: no loss on the veth, so every one of these is spurious
rb_note "clean: retransmits $(rb_stat_delta event.tcp_retransmit) rto $(rb_stat_delta event.tcp_rto) tlp $(rb_stat_delta event.tcp_tlp) duplicate_rx $(rb_stat_delta drop.tcp_duplicate) load $(cut -d' ' -f1 /proc/loadavg)"
rb_stats_mark

# The Linux client alike: RTO floor 10 ms, no delayed ACKs (quickack), on
# the routes to the dataplane (ip-route(8) rto_min, quickack).
if [ "${RB_TCP_BULK_DEFAULT_TIMERS:-0}" != 1 ]; then
	ip -n "$RB_NS_CLI" -6 route replace "$RB_NET6:1::/64" dev "$RB_IF_CLI" rto_min 10ms quickack 1 ||
		rb_fail "ip route rto_min/quickack in $RB_NS_CLI"
	ip -n "$RB_NS_CLI" route replace "10.$RB_NET.1.0/24" dev "$RB_IF_CLI" rto_min 10ms quickack 1 ||
		rb_fail "ip route rto_min/quickack in $RB_NS_CLI"
fi
rb_ns "$RB_NS_CLI" nft -f - 2>"$RB_TMP/nft.err" <<NFT || rb_fail "nft setup failed: $(head -c 300 "$RB_TMP/nft.err")"
table inet ${RB_ID}loss {
  chain out { type filter hook output priority 0; meta l4proto tcp numgen random mod 100 < 5 drop; }
  chain in { type filter hook input priority 0; meta l4proto tcp numgen random mod 100 < 5 drop; }
}
NFT
lx_ds_rcv0=$(lx_mib TcpExtTCPDSACKRecv TcpExtTCPDSACKOfoRecv)
lx_ds_snt0=$(lx_mib TcpExtTCPDSACKOldSent TcpExtTCPDSACKOfoSent)
echo_run "$RB_DP_CLI_IP6" "$LOSS_BYTES" 230
rb_dp_stats
rb_assert_stat_delta_ge event.tcp_retransmit 1
lx_ds_rcv=$(($(lx_mib TcpExtTCPDSACKRecv TcpExtTCPDSACKOfoRecv) - lx_ds_rcv0))
lx_ds_snt=$(($(lx_mib TcpExtTCPDSACKOldSent TcpExtTCPDSACKOfoSent) - lx_ds_snt0))
rb_ns "$RB_NS_CLI" nft delete table inet "${RB_ID}loss"
rb_note "5 % loss: retransmits $(rb_stat_delta event.tcp_retransmit) rto $(rb_stat_delta event.tcp_rto) tlp $(rb_stat_delta event.tcp_tlp) sack_recovery $(rb_stat_delta event.tcp_sack_recovery) pmtu_blackhole $(rb_stat_delta event.tcp_pmtu_blackhole) load $(cut -d" " -f1 /proc/loadavg)"
rb_note "5 % loss, DSACK: ringbox sent $(rb_stat_delta event.tcp_dsack_sent), Linux counted $lx_ds_rcv; Linux sent $lx_ds_snt, ringbox counted $(rb_stat_delta event.tcp_dsack_rcvd) (bad $(rb_stat_delta event.tcp_dsack_bad)); undone: recoveries $(rb_stat_delta event.tcp_undo_recovery) rto $(rb_stat_delta event.tcp_undo_rto)"
if [ "$RB_DP_KERNEL" != 1 ]; then
	# Linux's duplicates (retransmissions whose ACK was lost) are reported,
	# and Linux counts them as DSACKs; 5 % of them are lost on the way, and
	# the way back.  Bounds: at least half arrive, at most 5 % (+10) more
	# than sent (a DSACK Linux writes into one segment may reach us more
	# than once; 1 % more was seen: 2414 counted of 2384 sent)
	ds_snt=$(rb_stat_delta event.tcp_dsack_sent)
	ds_rcv=$(rb_stat_delta event.tcp_dsack_rcvd)
	rb_assert_ge "$ds_snt" 1 "tcp_dsack_sent"
	rb_assert_ge "$lx_ds_rcv" $((ds_snt / 2 + 1)) "Linux TCPDSACKRecv+TCPDSACKOfoRecv (ringbox sent $ds_snt)"
	rb_assert_ge $((ds_snt + ds_snt / 20 + 10)) "$lx_ds_rcv" "ringbox DSACKs sent vs Linux's count"
	rb_assert_ge "$lx_ds_snt" 1 "Linux TCPDSACKOldSent+TCPDSACKOfoSent"
	rb_assert_ge "$ds_rcv" $((lx_ds_snt / 2 + 1)) "tcp_dsack_rcvd (Linux sent $lx_ds_snt)"
	rb_assert_ge $((lx_ds_snt + lx_ds_snt / 20 + 10)) "$ds_rcv" "Linux DSACKs sent vs ringbox's count"
	rb_assert_eq "$(rb_stat_delta event.tcp_dsack_bad)" 0 "tcp_dsack_bad"
fi
rb_dp_stop

# The same veths, now through net_af_packet.
RB_DRIVER=af_packet
rb_dp_config "$RB_CFG"
rb_dp_start
rb_dp_stats
rb_stats_mark
echo_run "$RB_DP_CLI_IP4" "$PKT_BYTES" 40
rb_dp_stats
rb_assert_stat_delta_ge port.cli.rx_bytes "$PKT_BYTES"
rb_assert_stat_delta_ge port.cli.tx_bytes "$PKT_BYTES"
rb_dp_stop
rb_pass
