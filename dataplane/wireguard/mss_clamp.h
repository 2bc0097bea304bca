/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TCP MSS clamping for tunnel MTUs (mss_clamp.c), as `iptables TCPMSS
 * --clamp-mss-to-pmtu` does: the MSS option (RFC 9293 3.2, kind 2 length
 * 4; RFC 9293 3.7.1: MSS = MTU - IP header - 20) of a SYN is lowered so that
 * segments fit the tunnel, and the TCP checksum recomputed (RFC 9293 3.1).
 */
#ifndef WG_MSS_CLAMP_H
#define WG_MSS_CLAMP_H

#include <stdint.h>

/* ip[0..len): one IPv4 or IPv6 packet.  Lowers the MSS of a TCP SYN (not a
 * fragment; IPv6 without extension headers) to mtu - IP header - 20 when it
 * is above.  Returns 1 when it changed the packet, 0 when not (anything but
 * such a SYN, truncated headers or options, or an MSS that fits). */
int wg_mss_clamp_buf(uint8_t *ip, uint32_t len, uint16_t mtu);

#endif
