#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Foundation: SIGTERM and SIGINT shut the dataplane down cleanly (exit 0,
# final stats block) and leave no process, XDP program, shared-memory
# segment or namespace behind; a second start on the same veths works.
. "$(dirname "$0")/lib.sh"
rb_init
[ "$RB_DP_KERNEL" = 1 ] && rb_skip "needs the dataplane"
rb_require_cmd ethtool
shm_before=$(find /dev/shm -mindepth 1 -maxdepth 1 -printf "%f\n" | sort)
rb_topo_two_hosts

xdp_on() { ip -d -n "$RB_NS_DP" link show dev "$1" | grep -qE '(^| )xdp|prog/xdp'; }

round=0
for sig in TERM INT; do
	round=$((round + 1))
	rb_dp_start
	pid=$RB_DP_PID
	rb_check_ping "$RB_NS_CLI" "$RB_DP_CLI_IP4" 3
	rb_check_ping "$RB_NS_CLI" "$RB_SRV_IP4" 3
	# While running, the AF_XDP ports hold an XDP program (so the check
	# below can see one when it is there).
	for ifc in "$RB_IF_DP_CLI" "$RB_IF_DP_SRV"; do
		xdp_on "$ifc" || rb_fail "round $round: no XDP program on $ifc while running"
	done
	rb_dp_stop 15 "$sig"
	rb_assert_ge "$(rb_stat port.cli.rx_packets)" 6 "round $round: final stats port cli rx_packets"
	rb_assert_ge "$(rb_stat port.srv.tx_packets)" 3 "round $round: final stats port srv tx_packets"
	kill -0 "$pid" 2>/dev/null && rb_fail "round $round: pid $pid still exists"
	left=$(ip netns pids "$RB_NS_DP")
	[ -n "$left" ] && rb_fail "round $round: processes left in the dp namespace: $left"
	for ifc in "$RB_IF_DP_CLI" "$RB_IF_DP_SRV"; do
		xdp_on "$ifc" && rb_fail "round $round: XDP program left on $ifc after SIG$sig: $(ip -d -n "$RB_NS_DP" link show dev "$ifc" | grep -E 'xdp')"
	done
	shm_now=$(find /dev/shm -mindepth 1 -maxdepth 1 -printf "%f\n" | sort)
	# new names, but not other runs' segments (rb + 7 hex digits, another
	# RB_ID: tests running at the same time)
	new=$(comm -13 <(echo "$shm_before") <(echo "$shm_now") |
		grep -Ev "^rb[0-9a-f]{7}" | tr '\n' ' ')
	new+=$(comm -13 <(echo "$shm_before") <(echo "$shm_now") | grep "^$RB_ID" | tr '\n' ' ')
	[ -z "$new" ] || rb_fail "round $round: shared memory left in /dev/shm: $new"
	rb_note "round $round (SIG$sig): exit 0, nothing left"
done

# The namespaces (and with them the veths) go with the harness cleanup.
ns_list=("${RB_NETNS[@]}")
rb_cleanup
for ns in "${ns_list[@]}"; do
	[ -e "/run/netns/$ns" ] && rb_fail "namespace $ns still exists after cleanup"
done
ip -o link show | grep -q "$RB_ID" && rb_fail "interface $RB_ID* left in the root namespace"
rb_pass
