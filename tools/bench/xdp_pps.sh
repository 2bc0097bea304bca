#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Packets per second forwarded cli -> srv over the AF_XDP testbed, by
# ringbox-dataplane or (RB_DP_KERNEL=1) by the Linux kernel in the same
# topology.  pktgen sends 64-byte UDP frames from the cli namespace over
# AF_XDP; the srv veth's rx counter measures what was forwarded.
# Informational only: prints "RESULT pps_<mode> N".
#   tools/bench/xdp_pps.sh [SECONDS]
SECS=${1:-5}
RB_TEST_NAME=bench_xdp_pps
. "$(dirname "$0")/../../tests/integration/lib.sh"
rb_init
GEN=${RB_BUILD}/tools/bench/pktgen
[ -x "$GEN" ] || rb_fail "$GEN not built"
mode=ringbox
[ "$RB_DP_KERNEL" = 1 ] && mode=kernel
RB_CFG_DP_EXTRA='burst = 32;'
rb_topo_two_hosts
rb_dp_start
# Resolve neighbors first (ARP both sides), so the run measures forwarding.
rb_ping "$RB_NS_CLI" "$RB_SRV_IP4" 2 >/dev/null || rb_fail "no connectivity before the run"
rx() { ip netns exec "$RB_NS_SRV" cat "/sys/class/net/$RB_IF_SRV/statistics/rx_packets"; }
rx0=$(rx)
ip netns exec "$RB_NS_CLI" "$GEN" --vdev-args "net_af_xdp0,iface=$RB_IF_CLI,start_queue=0,queue_count=1" \
	--dmac "$RB_DP_CLI_MAC" --src "$RB_CLI_IP4" --dst "$RB_SRV_IP4" --seconds "$SECS" \
	>"$RB_TMP/gen.out" 2>&1 || rb_fail "pktgen failed: $(tail -n 2 "$RB_TMP/gen.out")"
sleep 0.2
rx1=$(rx)
cat "$RB_TMP/gen.out" >&2
pps=$(( (rx1 - rx0) / SECS ))
echo "RESULT pps_$mode $pps"
rb_dp_stop
rb_pass
