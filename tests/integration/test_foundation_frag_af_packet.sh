#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# test_foundation_frag with af_packet ports.  DPDK 22.11's net_af_packet puts
# its sockets in a PACKET_FANOUT group with PACKET_FANOUT_FLAG_DEFRAG: the
# kernel reassembled the 4028-byte echoes before the ring, which cut them
# to its 2048-byte frames (drop ip4_bad_len, 0/3 replies); the dataplane
# now reopens the sockets without the flag (drivers/af_packet.c) and
# reassembles the fragments itself (event frag_reassembled).
RB_DRIVER=af_packet RB_TEST_NAME=${RB_TEST_NAME:-test_foundation_frag_af_packet} \
	exec bash "$(dirname "$0")/test_foundation_frag.sh"
