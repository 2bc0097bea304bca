#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Foundation: forwarding cli <-> srv through the appliance (AF_XDP), TTL and
# hop limit decremented once, Time Exceeded for TTL 1, a TCP stream intact.
. "$(dirname "$0")/lib.sh"
rb_init
rb_topo_two_hosts
rb_dp_start
rb_check_forward
rb_dp_stop
rb_pass
