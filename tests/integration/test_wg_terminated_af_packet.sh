#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# test_wg_terminated with af_packet ports.  af_packet takes mbuf chains
# (RTE_ETH_TX_OFFLOAD_MULTI_SEGS), so the terminated connections' TCP sends
# the relay's spliced buffers in place (zc_tx 2: an indirect mbuf, headers
# in the buffer's headroom) into WireGuard, which seals a private copy of
# such a frame; af_xdp ports take no chains and never go that way.  The
# copy used to be leaked and the indirect frame sent and freed a second
# time (ASan: memcpy-param-overlap in tcp_payload_out, a new mbuf still
# attached to a send-queue buffer; the 4 MiB download never arrived).
RB_DRIVER=af_packet RB_TEST_NAME=${RB_TEST_NAME:-test_wg_terminated_af_packet} \
	exec bash "$(dirname "$0")/test_wg_terminated.sh"
