#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Foundation: IPv4 and IPv6 echo to every address of the appliance (AF_XDP).
. "$(dirname "$0")/lib.sh"
rb_init
rb_topo_two_hosts
rb_dp_start
rb_check_ping_ports
rb_dp_stop
rb_pass
