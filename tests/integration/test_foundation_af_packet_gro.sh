#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# af_packet ports on an interface with GRO on.  A veth with GRO on runs in
# NAPI mode and merges the peer's TCP segments into super-packets before
# packet sockets see them; net_af_packet's ring (2048-byte frames) cut them
# short (drop ip4_bad_len) and the sender sent them again, to be merged
# again.  The dataplane turns GRO (and LRO) off on an af_packet port's
# interface while the port runs (drivers/af_packet.c rb_afp_nogro) and back
# on at stop.  Checks: a 16 MiB TCP echo byte-exact (SHA-256) through the
# cli port, no ip4_bad_len, GRO off while running and on again after.
. "$(dirname "$0")/lib.sh"
rb_init
RB_DRIVER=af_packet
RB_CFG_EXTRA='services = ( { type = "diag"; tag = "diag"; echo = 7; } );'
rb_topo_two_hosts
gro() { rb_ns "$RB_NS_DP" ethtool -k "$RB_IF_DP_CLI" | awk '/^generic-receive-offload:/ { print $2 }'; }
rb_ns "$RB_NS_DP" ethtool -K "$RB_IF_DP_CLI" gro on >/dev/null || rb_fail "ethtool -K gro on failed"
rb_assert_eq "$(gro)" on "GRO on the cli port's veth before the dataplane starts"
rb_dp_start
rb_assert_eq "$(gro)" off "GRO on the cli port's veth while the dataplane runs"
rb_assert_match "$(cat "$RB_TMP/dp.err")" "port cli: .*GRO.* off" "the port's log line"
rb_dp_stats
rb_stats_mark
rb_tcp_echo_check "$RB_DP_CLI_IP4" 16777216 40 "af_packet, GRO on before start"
rb_dp_stats
rb_assert_eq "$(rb_stat_delta drop.ip4_bad_len)" 0 "frames cut short by the ring (ip4_bad_len)"
rb_assert_stat_delta_ge port.cli.rx_bytes 16777216
rb_dp_stop
rb_assert_eq "$(gro)" on "GRO on the cli port's veth after the dataplane stopped"
rb_pass "16 MiB echo byte-exact over af_packet with GRO on before start; GRO off while running, on after"
