#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Drivers: the memif and tap vdevs.
#   cli --veth/af_xdp-- dpA ==memif== dpB --veth/af_xdp-- srv
# Two ringbox-dataplanes joined by a memif link (A is the memif server, B the
# client, over a filesystem socket), each routing the far subnet via the
# other: a ping cli -> srv crosses both and arrives with TTL 62.  Then a tap
# port: the dataplane creates the tap, the test moves it into a namespace
# and pings the appliance through it.
. "$(dirname "$0")/lib.sh"
rb_init
[ "$RB_DP_KERNEL" = 1 ] && rb_skip "needs the dataplane"

NS_CLI=$RB_ID-c; NS_A=$RB_ID-a; NS_B=$RB_ID-b; NS_SRV=$RB_ID-s
for ns in $NS_CLI $NS_A $NS_B $NS_SRV; do rb_netns_add "$ns"; done
for ns in $NS_A $NS_B; do
	rb_ns "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
done
rb_veth "$NS_CLI" "${RB_ID}c" "$NS_A" "${RB_ID}ac"
rb_veth "$NS_SRV" "${RB_ID}s" "$NS_B" "${RB_ID}bs"
N=$RB_NET
ip -n "$NS_CLI" addr add 10.$N.1.2/24 dev "${RB_ID}c"
ip -n "$NS_CLI" route add default via 10.$N.1.1
ip -n "$NS_SRV" addr add 10.$N.2.2/24 dev "${RB_ID}s"
ip -n "$NS_SRV" route add default via 10.$N.2.1
SOCK=$RB_TMP/memif.sock

# dp_cfg NAME PORT0-NAME PORT0-DEV PORT0-ADDR PORT1-NAME PORT1-DEV PORT1-ADDR ROUTE VIA VIA-PORT
dp_cfg() {
	cat >"$RB_TMP/$1.cfg" <<CFG
log = { level = "info"; };
dataplane = {
  lcores = 1;
  idle_sleep_us = 20;
  shm_name = "/${RB_ID}$1";
  ports = (
    { name = "$2"; device = "$3"; addresses = [ "$4" ]; },
    { name = "$5"; device = "$6"; addresses = [ "$7" ]; }
  );
  routes = ( { prefix = "$8"; via = "$9"; port = "${10}"; } );
};
CFG
}
dp_cfg A cli "net_af_xdp0,iface=${RB_ID}ac,start_queue=0,queue_count=1" 10.$N.1.1/24 \
	mem "net_memif0,role=server,id=0,socket=$SOCK,socket-abstract=no" 10.$N.9.1/24 \
	10.$N.2.0/24 10.$N.9.2 mem
dp_cfg B mem "net_memif0,role=client,id=0,socket=$SOCK,socket-abstract=no" 10.$N.9.2/24 \
	srv "net_af_xdp0,iface=${RB_ID}bs,start_queue=0,queue_count=1" 10.$N.2.1/24 \
	10.$N.1.0/24 10.$N.9.1 mem

start_dp() { # name ns -> DP_PID
	rb_bg "$RB_TMP/$1.out" env LSAN_OPTIONS="$RB_DP_LSAN" ip netns exec "$2" "$RB_DP_BIN" -c "$RB_TMP/$1.cfg"
	DP_PID=$RB_BG_PID
	rb_wait_for 30 grep -q '^ringbox-dataplane: ready' "$RB_TMP/$1.out" ||
		rb_fail "dataplane $1 not ready: $(grep -v '^EAL' "$RB_TMP/$1.out" | tail -n 3 | tr '\n' ' ')"
}
stop_dp() { # name pid
	kill -TERM "$2"
	wait "$2"
	local rc=$?
	[ "$rc" = 0 ] || rb_fail "dataplane $1 exited with status $rc"
	grep -qE 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:' "$RB_TMP/$1.out" &&
		rb_fail "sanitizer report from dataplane $1"
	return 0
}
start_dp A "$NS_A"; PID_A=$DP_PID
start_dp B "$NS_B"; PID_B=$DP_PID

out=$(rb_ns "$NS_CLI" ping -c 5 -i 0.2 -W 2 10.$N.2.2 2>&1)
got=$(sed -n 's/.* \([0-9]*\) received.*/\1/p' <<<"$out")
rb_assert_ge "${got:-0}" 4 "echo replies cli -> srv across two dataplanes joined by memif"
ttls=$(sed -n 's/.* ttl=\([0-9]*\) .*/\1/p' <<<"$out" | sort -u | tr '\n' ' ')
rb_assert_eq "$ttls" "62 " "TTL after two routed hops (64 - 2)"
rb_check_ping "$NS_CLI" 10.$N.9.2 3
stop_dp A "$PID_A"
stop_dp B "$PID_B"
grep -q 'stats: event ip4_forward' "$RB_TMP/A.out" || rb_fail "dataplane A forwarded nothing"

# tap: created by the PMD in NS_A, then moved into NS_CLI.
TAP=${RB_ID}t
cat >"$RB_TMP/T.cfg" <<CFG
dataplane = {
  lcores = 1;
  idle_sleep_us = 20;
  shm_name = "/${RB_ID}T";
  ports = ( { name = "tap"; device = "net_tap0,iface=$TAP"; addresses = [ "10.$N.7.1/24" ]; } );
};
CFG
start_dp T "$NS_A"; PID_T=$DP_PID
ip -n "$NS_A" link set "$TAP" netns "$NS_CLI" || rb_fail "cannot move $TAP into $NS_CLI"
ip -n "$NS_CLI" addr add 10.$N.7.2/24 dev "$TAP"
ip -n "$NS_CLI" link set "$TAP" up
rb_check_ping "$NS_CLI" 10.$N.7.1 3
stop_dp T "$PID_T"
grep -q 'stats: event icmp_echo_reply' "$RB_TMP/T.out" || rb_fail "tap port answered no echo"
rb_pass
