/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Where a packet the dataplane originates goes: the FIB's next hop for a
 * destination, checked against the next-hop kinds the caller can send
 * through, and our source address on that next hop's port.  One copy for
 * the UDP stack's sockets (udp.c: any route but a blackhole), the
 * terminated-mode ICMP echo relay (wg_term_icmp.c: out of a port only) and
 * WireGuard's outer packets (wg_dp.c: not into a tunnel).  Inline over
 * rb_fib_lookup4/6 and rb_port_src4/6 so that test harnesses that stand
 * in for those (tests/unit/test_tcp_harness.c) need nothing more.
 */
#ifndef RB_ROUTE_SRC_H
#define RB_ROUTE_SRC_H

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include "../rb_dp.h"

/* Sets of next-hop kinds (enum rb_nh_kind) for rb_route_src's policy. */
#define RB_NH_BIT(k)   (1u << (k))
#define RB_NH_ETH      (RB_NH_BIT(RB_NH_CONNECTED) | RB_NH_BIT(RB_NH_GATEWAY)) /* out of a port */
#define RB_NH_ROUTABLE (~RB_NH_BIT(RB_NH_BLACKHOLE))                           /* any but blackhole */

/*
 * dst: 4 (AF_INET) or 16 (AF_INET6) bytes.  Fills src with our address on
 * the next hop's port (rb_port_src4/6: the one on dst's prefix, else the
 * port's first of the family; zero past an IPv4 address) and *port (when
 * not NULL) with that port.  0, -ENETUNREACH (no FIB, no route, or a kind
 * not in kinds) or -EADDRNOTAVAIL (no address of the family on the port).
 */
static inline int rb_route_src(const struct rb_dp *dp, int family, const uint8_t *dst,
			       unsigned kinds, uint8_t src[16], uint16_t *port)
{
	const struct rb_fib *fib = __atomic_load_n(&dp->fib, __ATOMIC_ACQUIRE);
	const struct rb_nexthop *nh;
	uint32_t d4 = 0, s4;

	if (fib == NULL)
		return -ENETUNREACH;
	if (family == AF_INET) {
		memcpy(&d4, dst, 4);
		nh = rb_fib_lookup4(fib, d4);
	} else {
		nh = rb_fib_lookup6(fib, dst);
	}
	if (nh == NULL || !(kinds & RB_NH_BIT(nh->kind)))
		return -ENETUNREACH;
	if (family == AF_INET) {
		s4 = rb_port_src4(&dp->ports[nh->port], d4);
		if (s4 == 0)
			return -EADDRNOTAVAIL;
		memset(src, 0, 16);
		memcpy(src, &s4, 4);
	} else if (!rb_port_src6(&dp->ports[nh->port], dst, src)) {
		return -EADDRNOTAVAIL;
	}
	if (port != NULL)
		*port = nh->port;
	return 0;
}

#endif
