#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Foundation: hostile input (tests/integration/hostile.py, scapy).  Every
# malformed frame is received, dropped under its own counter, and the
# appliance keeps answering ping and shuts down cleanly afterwards.
. "$(dirname "$0")/lib.sh"
rb_init
[ "$RB_DP_KERNEL" = 1 ] && rb_skip "needs the dataplane's counters"
"$RB_PY" -c 'import scapy.all' 2>/dev/null || rb_skip "needs python3-scapy for $RB_PY"
rb_topo_two_hosts
rb_dp_start
# Resolve neighbors both ways first, so that forwarded cases have a next hop.
rb_check_ping "$RB_NS_CLI" "$RB_SRV_IP4" 2
rb_check_ping "$RB_NS_CLI" "$RB_SRV_IP6" 2
# No ARP/ND from the hosts' kernels while the cases run (it would move
# the event counters that some cases require to stay still).
ip -n "$RB_NS_CLI" neigh replace "$RB_DP_CLI_IP4" lladdr "$RB_DP_CLI_MAC" dev "$RB_IF_CLI" nud permanent
ip -n "$RB_NS_CLI" -6 neigh replace "$RB_DP_CLI_IP6" lladdr "$RB_DP_CLI_MAC" dev "$RB_IF_CLI" nud permanent
ip -n "$RB_NS_SRV" neigh replace "$RB_DP_SRV_IP4" lladdr "$RB_DP_SRV_MAC" dev "$RB_IF_SRV" nud permanent
ip -n "$RB_NS_SRV" -6 neigh replace "$RB_DP_SRV_IP6" lladdr "$RB_DP_SRV_MAC" dev "$RB_IF_SRV" nud permanent

ip netns exec "$RB_NS_CLI" "$RB_PY" "$RB_LIB_DIR/hostile.py" \
	--iface "$RB_IF_CLI" --src-mac "$RB_CLI_MAC" --dst-mac "$RB_DP_CLI_MAC" \
	--src4 "$RB_CLI_IP4" --dp4 "$RB_DP_CLI_IP4" --far4 "$RB_SRV_IP4" \
	--src6 "$RB_CLI_IP6" --dp6 "$RB_DP_CLI_IP6" --far6 "$RB_SRV_IP6" \
	--port cli --dp-pid "$RB_DP_PID" --dp-out "$RB_TMP/dp.out" \
	${RB_HOSTILE_ONLY:+--only $RB_HOSTILE_ONLY} >"$RB_TMP/hostile.txt" 2>&1
hrc=$?
cat "$RB_TMP/hostile.txt" >&2
rb_dp_alive || rb_fail "dataplane died during hostile input"

# Still serving after all that.
rb_check_ping "$RB_NS_CLI" "$RB_DP_CLI_IP4" 3
rb_check_ping "$RB_NS_CLI" "$RB_DP_CLI_IP6" 3
rb_check_ping "$RB_NS_CLI" "$RB_SRV_IP4" 3
rb_dp_stop
[ $hrc = 0 ] || rb_fail "$(tail -n 1 "$RB_TMP/hostile.txt")"
rb_pass "$(tail -n 1 "$RB_TMP/hostile.txt")"
