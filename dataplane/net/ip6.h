/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IPv6, ICMPv6 and Neighbor Discovery internals shared by ip6.c, icmp6.c
 * and nd.c, and the pure helpers the unit tests drive (tests/unit/test_ip6.c).
 */
#ifndef RB_IP6_H
#define RB_IP6_H

#include <stdbool.h>
#include <string.h>
#include <rte_ip.h>
#include "../rb_lcore.h"
#include "nd_wire.h"
#include "ip6_ext.h"

#define RB_IP6_DEFAULT_HLIM 64
#define RB_IP6_PORT_ANY     (-1)

/* ---- address classes (RFC 4291 2.4, 2.5.6, 2.7.1) ---- */
static inline bool rb_ip6_is_mcast(const uint8_t a[16])
{
	return a[0] == 0xff;
}

static inline bool rb_ip6_is_linklocal(const uint8_t a[16])
{
	return a[0] == 0xfe && (a[1] & 0xc0) == 0x80;
}

static inline bool rb_ip6_is_unspec(const uint8_t a[16])
{
	static const uint8_t z[16];

	return memcmp(a, z, 16) == 0;
}

static inline bool rb_ip6_is_loopback(const uint8_t a[16])
{
	static const uint8_t lo[16] = {[15] = 1};

	return memcmp(a, lo, 16) == 0;
}

/* ff02::1, the link-local all-nodes group */
static inline bool rb_ip6_is_all_nodes(const uint8_t a[16])
{
	static const uint8_t an[16] = {0xff, 0x02, [15] = 1};

	return memcmp(a, an, 16) == 0;
}

/* ff02::1:ff00:0/104, a solicited-node group (RFC 4291 2.7.1) */
static inline bool rb_ip6_is_solnode(const uint8_t a[16])
{
	static const uint8_t sn[13] = {0xff, 0x02, [11] = 0x01, [12] = 0xff};

	return memcmp(a, sn, 13) == 0;
}

/* The solicited-node group of addr. */
void rb_ip6_solicited_node(const uint8_t addr[16], uint8_t out[16]);
/* The Ethernet group address of an IPv6 multicast address (RFC 2464 7). */
void rb_ip6_mcast_mac(const uint8_t addr[16], uint8_t mac[6]);
/* Is a the solicited-node group of one of port p's IPv6 addresses? */
bool rb_ip6_port_solnode(const struct rb_port *p, const uint8_t a[16]);

/* ---- extension header chain (RFC 8200 4): ip6_ext.h ---- */
/* m: a fragment (data at the IPv6 header, w from a walk that stopped at its
 * fragment header) into lc's reassembly table: the datagram once complete
 * (fixed header + fragmentable part, l3_len = 40), else NULL (m kept, or
 * dropped and counted). */
struct rte_mbuf *rb_ip6_reassemble(struct rb_lcore *lc, struct rte_mbuf *m,
				   const struct rb_ip6_walk *w);

/* Minimum bytes of an upper-layer header that must sit in a first fragment
 * (RFC 7112) and in the first mbuf segment. */
uint32_t rb_ip6_l4_min(uint8_t proto);

/* ---- checksums (RFC 8200 8.1 pseudo-header) ---- */
/* One's complement sum of the pseudo-header, not folded. */
uint32_t rb_ip6_phdr_sum(const uint8_t src[16], const uint8_t dst[16], uint32_t len, uint8_t nh);
/* Folded sum of pseudo-header + data.  With the checksum field included a
 * valid packet gives 0xffff; with the field zero, ~result is the checksum. */
uint16_t rb_ip6_sum_buf(const uint8_t src[16], const uint8_t dst[16], uint8_t nh, const void *buf,
			uint32_t len);
uint16_t rb_ip6_sum_mbuf(const uint8_t src[16], const uint8_t dst[16], uint8_t nh,
			 const struct rte_mbuf *m, uint32_t off, uint32_t len);

/* ---- Neighbor Discovery (nd.c) ---- */
struct rb_nd_info {
	uint8_t type;       /* NS or NA */
	uint8_t has_lla;    /* source (NS) / target (NA) link-layer address option */
	uint8_t dad;        /* NS from the unspecified address (RFC 4862 5.4.2) */
	uint32_t flags;     /* NA R/S/O, host order */
	uint8_t target[16];
	uint8_t lla[6];
};
/* Validate an NS or NA per RFC 4861 7.1.1/7.1.2, checksum excluded: ip is
 * its IPv6 header, msg[0, len) the ICMPv6 message.  Returns 0 or -1. */
int rb_nd_parse(const struct rte_ipv6_hdr *ip, const uint8_t *msg, uint32_t len,
		struct rb_nd_info *nd);

/* ---- ICMPv6 (icmp6.c) ---- */
/* m: data at the IPv6 header, l3_len = offset of the ICMPv6 header. */
void rb_icmp6_input(struct rb_lcore *lc, struct rte_mbuf *m, int fragmented);
/* Is m (data at its IPv6 header) itself an ICMPv6 error message, behind
 * any extension headers (RFC 4443 2.4(e.1): never answered)? */
bool rb_icmp6_is_error(const struct rte_mbuf *m);
/* Octets of an offending packet of pkt_len octets an error quotes (RFC 4443 2.4(c)). */
static inline uint32_t rb_icmp6_quote_len(uint32_t pkt_len)
{
	uint32_t max = RB_ICMP6_ERR_MAX - RB_IP6_HDR_LEN - sizeof(struct rb_icmp6_hdr);

	return pkt_len < max ? pkt_len : max;
}

/* ---- output (ip6.c) ---- */
/*
 * rb_ip6_output with a port for link-local and multicast destinations
 * (ignored for others, which go through the FIB) and a hop limit.
 */
int rb_ip6_output_port(struct rb_lcore *lc, struct rte_mbuf *m, int port, const uint8_t src[16],
		       const uint8_t dst[16], uint8_t proto, uint8_t tclass, uint8_t hlim);
/* Prepend an Ethernet header for dmac and hand the frame to rb_tx_l2. */
void rb_ip6_tx_mac(struct rb_lcore *lc, uint16_t port, struct rte_mbuf *m, const uint8_t dmac[6]);

#endif
