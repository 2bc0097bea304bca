#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# TCP stack, bulk: a Linux client (tcp_peer.py echo) streams random bytes to
# the dataplane's echo service (RFC 862) while reading the echo back; the
# SHA-256 of what it sent and of what came back must match.
#   1. af_xdp ports, clean:    RB_TCP_BULK_BYTES      (default 1 GiB)
#   2. af_xdp ports, 5 % random loss each way (nftables `numgen random` in
#      cli, IPv6):             RB_TCP_BULK_LOSS_BYTES (default 32 MiB)
#   3. af_packet ports, clean: RB_TCP_BULK_PKT_BYTES  (default 64 MiB)
# At 5 % loss the echo moves 2-3 MB/s on the 2-vCPU test VM, as a Linux echo
# server with CUBIC does on the same path (0.8-0.9 MB/s at load 20+; the
# issue's 20 MB/s was Linux with BBR: dataplane/tcp/README.md "Echo at 5 %
# loss"), so 32 MiB is what fits the 60 s budget and the issue's 1 GiB
# (~7 minutes) runs by hand: RB_TCP_BULK_LOSS_BYTES=1073741824.  (Before 956f0ee put every mbuf inside the af_xdp UMEM, the clean
# af_xdp echo stalled for good after 40..230 MB; phase 1 guards that.)
. "$(dirname "$0")/lib.sh"
rb_init
rb_require_cmd nft
BYTES=${RB_TCP_BULK_BYTES:-1073741824}
LOSS_BYTES=${RB_TCP_BULK_LOSS_BYTES:-33554432}
PKT_BYTES=${RB_TCP_BULK_PKT_BYTES:-67108864}
RB_CFG_EXTRA='services = ( { type = "diag"; tag = "diag"; echo = 7; } );'
RB_DRIVER=af_xdp
rb_topo_two_hosts
rb_dp_start

echo_run() { rb_tcp_echo_check "$1" "$2" "$3" "$RB_DRIVER"; } # addr bytes timeout

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

rb_ns "$RB_NS_CLI" nft -f - 2>"$RB_TMP/nft.err" <<NFT || rb_fail "nft setup failed: $(head -c 300 "$RB_TMP/nft.err")"
table inet ${RB_ID}loss {
  chain out { type filter hook output priority 0; meta l4proto tcp numgen random mod 100 < 5 drop; }
  chain in { type filter hook input priority 0; meta l4proto tcp numgen random mod 100 < 5 drop; }
}
NFT
echo_run "$RB_DP_CLI_IP6" "$LOSS_BYTES" 60
rb_dp_stats
rb_assert_stat_delta_ge event.tcp_retransmit 1
rb_ns "$RB_NS_CLI" nft delete table inet "${RB_ID}loss"
rb_note "5 % loss: retransmits $(rb_stat_delta event.tcp_retransmit) rto $(rb_stat_delta event.tcp_rto) sack_recovery $(rb_stat_delta event.tcp_sack_recovery)"
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
