#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Foundation, multi-lcore variant: three worker lcores all mapped to CPU 1
# (lcores = [1, 1, 1] -> --lcores=0@0,1@1,2@1,3@1).  Correctness only: the
# ping and forwarding checks, never timing.
. "$(dirname "$0")/lib.sh"
rb_init
RB_LCORES='[1, 1, 1]'
RB_LOG_LEVEL=debug
rb_topo_two_hosts
rb_dp_start
if [ "$RB_DP_KERNEL" != 1 ]; then
	grep -q -- '--lcores=0@0,1@1,2@1,3@1' "$RB_TMP/dp.err" ||
		rb_fail "EAL not started with --lcores=0@0,1@1,2@1,3@1: $(grep -m1 'EAL:' "$RB_TMP/dp.err")"
fi
rb_check_ping_ports
rb_check_forward
# Several TCP flows, one after another: different ports, different workers.
for i in 1 2 3; do
	rb_check_tcp_stream "$RB_SRV_IP4" 500000
	rb_check_tcp_stream "$RB_SRV_IP6" 500000
done
rb_dp_stop
rb_pass
