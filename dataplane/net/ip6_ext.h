/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The IPv6 extension header chain walker (RFC 8200 4), the one copy every
 * IPv6 parser uses: the IP input (ip6.c: local delivery, the forwarding
 * path's Hop-by-Hop look, reassembly; icmp6.c, nd.c) and WireGuard's
 * terminated mode (wireguard/term_parse.c, the ICMP echo relay).  Pure:
 * bytes in, a verdict out (ip6_ext.c), so the unit tests (test_ip6.c,
 * test_wg_term.c) and fuzz_wg_term link it alone.  Wire formats:
 * nd_wire.h (RFC 8200 4.2-4.6) and RFC 4302 2.2 (AH, below).
 */
#ifndef RB_IP6_EXT_H
#define RB_IP6_EXT_H

#include <stdint.h>
#include "nd_wire.h"

#define RB_IP6_MAX_EXT      8    /* extension headers walked before ip6_exthdr_limit */
/*
 * Octets of extension headers after the fixed header before ip6_exthdr_len.
 * The IP input hands L4 the upper-layer offset in the mbuf's 9-bit l3_len
 * (at most 511), so 40 + the chain must stay below 512: 464 is the largest
 * multiple of 8 that does.  RFC 7112 wants the chain in the first fragment
 * anyway; RFC 8883 1 recognizes that nodes discard chains past their limits.
 */
#define RB_IP6_MAX_EXT_LEN  464

/* RFC 4302 2.2: Authentication Header.  Payload Len is its length in
 * 4-octet units minus 2; for IPv6 a multiple of 8 octets (RFC 4302 3.3.3.2.1
 * pads the ICV), at least the 12 octets of fixed fields. */
#define RB_IP6_NH_ESP       50   /* RFC 4303: ends the walk (encrypted) */
#define RB_IP6_NH_AH        51
#define RB_IP6_AH_LEN(plen) (((uint32_t)(plen) + 2) * 4)
#define RB_IP6_AH_MIN       12

enum rb_ip6_walk_rc {
	RB_IP6W_OK = 0,   /* reached the upper-layer header (or one the walk does not enter) */
	RB_IP6W_FRAG,     /* stopped at a fragment header that is not atomic */
	RB_IP6W_BAD,      /* malformed or to be discarded: `why` says which */
	RB_IP6W_LIMIT,    /* over RB_IP6_MAX_EXT headers or RB_IP6_MAX_EXT_LEN octets */
};

/* Why a walk ended in BAD or LIMIT; each has its drop counter
 * (rb_ip6_walk_drop). */
enum rb_ip6_walk_why {
	RB_IP6W_WHY_NONE = 0,
	RB_IP6W_WHY_MALFORMED, /* past its bounds, or a bad AH length: ip6_bad_exthdr */
	RB_IP6W_WHY_HBH_POS,   /* Hop-by-Hop not first (4.1): ip6_hbh_not_first */
	RB_IP6W_WHY_OPTION,    /* unknown option, a discard action (4.2): ip6_bad_option */
	RB_IP6W_WHY_ROUTING,   /* Segments Left != 0 (4.4): ip6_routing_segleft */
	RB_IP6W_WHY_COUNT,     /* over RB_IP6_MAX_EXT headers: ip6_exthdr_limit */
	RB_IP6W_WHY_LEN,       /* over RB_IP6_MAX_EXT_LEN octets: ip6_exthdr_len */
};

#define RB_IP6W_HBH_ONLY 1  /* process the Hop-by-Hop header only (routers, RFC 8200 4) */
#define RB_IP6W_NO_OPTS  2  /* check the structure only, take no option/routing action */
#define RB_IP6W_AH       4  /* walk through Authentication Headers (nothing verified) */

struct rb_ip6_walk {
	uint8_t proto;     /* upper-layer protocol; RB_IP6_NH_FRAGMENT with FRAG */
	uint8_t n_ext;     /* extension headers walked */
	uint8_t has_frag;  /* a fragment header was seen (an atomic one included) */
	uint8_t has_ah;    /* an Authentication Header was walked through (RB_IP6W_AH) */
	uint8_t trunc;     /* on BAD: the chain runs past the data given */
	uint8_t why;       /* on BAD or LIMIT: enum rb_ip6_walk_why */
	int8_t pp_code;    /* on BAD: Parameter Problem code to send, or -1 for none */
	uint8_t pp_mcast;  /* ... even to a multicast destination (option action 10) */
	uint16_t off;      /* offset of the upper-layer header (of the fragment header with FRAG) */
	uint16_t nh_off;   /* offset of the Next Header field that names proto */
	uint32_t pointer;  /* on BAD: offset of the offending octet (the PP pointer) */
};

/*
 * Walk the chain in pkt[0, len) (pkt at the IPv6 header) from the header at
 * `off` whose type is in the Next Header field at pkt[nh_off]; a full walk
 * is off = 40, nh_off = 6.  Enters Hop-by-Hop, Routing, Fragment and
 * Destination Options headers (and AH with RB_IP6W_AH); any other Next
 * Header ends the walk as the upper layer: ESP (RFC 4303, nothing readable
 * follows), No Next Header (RFC 8200 4.7), AH without the flag (we hold no
 * security association, RFC 4302 3.4.2), and the headers a destination
 * must recognize to skip (RFC 6564: Mobility, HIP, Shim6, 253/254), which
 * no code here implements, so the caller answers them as an unrecognized
 * Next Header.  Headers may come in any order and number (RFC 8200 4.1:
 * receivers accept any), except Hop-by-Hop, only first (a fragment whose
 * fragmentable part begins with it is BAD too).  Acts on
 * Hop-by-Hop and Destination options (4.2) and on Routing headers with
 * Segments Left != 0 (4.4) unless RB_IP6W_NO_OPTS.  Atomic fragments are
 * walked through (RFC 6946).  Bounded by RB_IP6_MAX_EXT and
 * RB_IP6_MAX_EXT_LEN; never reads outside pkt[0, len).
 */
int rb_ip6_walk(const uint8_t *pkt, uint32_t len, uint32_t off, uint32_t nh_off, unsigned flags,
		struct rb_ip6_walk *w);

/* The drop counter (enum rb_drop) of a walk that ended in BAD or LIMIT. */
int rb_ip6_walk_drop(const struct rb_ip6_walk *w);

#endif
