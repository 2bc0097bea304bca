#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Foundation: MTU and fragmentation.  The srv link has MTU 1400, the cli link
# 1500.  Large echoes to the appliance are reassembled and answered with
# fragments; large echoes through it are refragmented to 1400 (IPv4), DF
# packets and IPv6 packets over 1400 get Fragmentation Needed / Packet Too
# Big from the appliance, after which the sender's PMTU makes them pass.
. "$(dirname "$0")/lib.sh"
rb_init
RB_SRV_MTU=1400
rb_topo_two_hosts
rb_dp_start
rb_dp_stats
rb_stats_mark

# To the appliance: 4028-byte datagrams in three fragments each way.
rb_check_ping "$RB_NS_CLI" "$RB_DP_CLI_IP4" 3 -s 4000
rb_check_ping "$RB_NS_CLI" "$RB_DP_CLI_IP6" 3 -s 4000
rb_dp_stats
rb_assert_stat_delta_ge event.frag_reassembled 6
rb_assert_stat_delta_ge event.frag_tx 18

# DF set: Fragmentation Needed (RFC 792, RFC 1191) naming MTU 1400.
rb_ping "$RB_NS_CLI" "$RB_SRV_IP4" 1 -M "do" -s 1450
rb_assert_match "$RB_OUT" "From $RB_DP_CLI_IP4 .*(Frag needed|[Ff]ragmentation needed).*1400" \
	"IPv4 DF echo of 1478 bytes to a 1400 MTU link"

# Through it: cli sends 1500-byte fragments that must become <= 1400 on srv.
rb_check_ping "$RB_NS_CLI" "$RB_SRV_IP4" 3 -M dont -s 4000
rb_check_ping "$RB_NS_CLI" "$RB_SRV_IP4" 3 -M dont -s 1450
if command -v tcpdump >/dev/null; then
	# No frame on the srv wire is larger than its MTU.
	rb_bg "$RB_TMP/big.txt" ip netns exec "$RB_NS_SRV" tcpdump -l -n -e -c 1 -i "$RB_IF_SRV" \
		'greater 1415'
	rb_wait_for 5 grep -q 'listening on' "$RB_TMP/big.txt" || rb_fail "tcpdump did not start"
	rb_ping "$RB_NS_CLI" "$RB_SRV_IP4" 2 -M dont -s 3000
	sleep 0.5
	grep -qE 'ethertype .*length [0-9]+' "$RB_TMP/big.txt" &&
		rb_fail "frame over MTU 1400 on the srv link: $(grep -E 'ethertype' "$RB_TMP/big.txt" | head -n 1)"
fi

# The kernel of cli now knows PMTU 1400 and fragments DF traffic itself.
rb_check_ping "$RB_NS_CLI" "$RB_SRV_IP4" 3 -s 1450

# IPv6: routers never fragment; Packet Too Big (RFC 4443 3.2) with MTU 1400.
rb_ping "$RB_NS_CLI" "$RB_SRV_IP6" 1 -s 1420
rb_assert_match "$RB_OUT" "From $RB_DP_CLI_IP6 .*[Pp]acket too big.*1400" \
	"IPv6 echo of 1468 bytes to a 1400 MTU link"
rb_check_ping "$RB_NS_CLI" "$RB_SRV_IP6" 3 -s 1420
rb_check_ping "$RB_NS_CLI" "$RB_SRV_IP6" 3 -s 4000

rb_dp_stats
rb_assert_stat_delta_ge drop.mtu_exceeded 2
rb_dp_stop
rb_pass
