#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Foundation, af_packet variant: the ping and forwarding checks with both
# ports on net_af_packet instead of net_af_xdp.
. "$(dirname "$0")/lib.sh"
rb_init
RB_DRIVER=af_packet
rb_topo_two_hosts
grep -q 'net_af_packet0' "$RB_CFG" || rb_fail "config does not use net_af_packet"
rb_dp_start
rb_check_ping_ports
rb_check_forward
rb_dp_stop
rb_pass
