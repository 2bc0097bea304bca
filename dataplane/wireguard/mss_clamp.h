/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TCP MSS clamping for tunnel MTUs (mss_clamp.c), as `iptables TCPMSS
 * --clamp-mss-to-pmtu` does: the MSS option (RFC 9293 3.2, kind 2 length
 * 4; RFC 9293 3.7.1: MSS = MTU - IP header - 20) of a SYN is lowered so that
 * segments fit the tunnel, and the TCP checksum updated incrementally (RFC
 * 1624).  IPv6 SYNs are found behind any extension headers (net/ip6_ext.h's
 * walker, structure only).
 */
#ifndef WG_MSS_CLAMP_H
#define WG_MSS_CLAMP_H

#include <stdint.h>

/* ip[0..len): one IPv4 or IPv6 packet.  Lowers the MSS of a TCP SYN (not a
 * fragment; IPv6 behind any Hop-by-Hop, Destination Options, Routing or
 * atomic Fragment headers, not behind AH) to mtu - IP header (IPv4 options
 * and IPv6 extension headers included) - 20 when it is above.  Returns 1
 * when it changed the packet, 0 when not (anything but such a SYN,
 * truncated headers, chains or options, or an MSS that fits). */
int wg_mss_clamp_buf(uint8_t *ip, uint32_t len, uint16_t mtu);

#endif
