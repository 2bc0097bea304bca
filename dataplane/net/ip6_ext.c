/* SPDX-License-Identifier: BSD-3-Clause */
/* The IPv6 extension header chain walker (RFC 8200 4); see ip6_ext.h. */
#include <string.h>
#include <rte_ip.h>
#include "../rb_counters.h"
#include "ip6_ext.h"

/* A BAD end: why, and the Parameter Problem to send (code -1: none). */
static int walk_bad(struct rb_ip6_walk *w, uint8_t why, int pp_code, uint32_t pointer)
{
	w->why = why;
	w->pp_code = (int8_t)pp_code;
	w->pointer = pointer;
	return RB_IP6W_BAD;
}

static int walk_trunc(struct rb_ip6_walk *w)
{
	w->trunc = 1;
	w->why = RB_IP6W_WHY_MALFORMED;
	return RB_IP6W_BAD;
}

/* RFC 8200 4.2: the options of a Hop-by-Hop or Destination Options header
 * at pkt[off, off + hl).  Returns 0, or RB_IP6W_BAD with w's BAD fields set. */
static int walk_opts(const uint8_t *pkt, uint32_t off, uint32_t hl, struct rb_ip6_walk *w)
{
	uint32_t i = off + 2, end = off + hl;

	while (i < end) {
		uint8_t t = pkt[i];

		if (t == RB_IP6_OPT_PAD1) {
			i++;
			continue;
		}
		if (i + 2 > end || i + 2 + pkt[i + 1] > end)
			return walk_bad(w, RB_IP6W_WHY_MALFORMED, -1, i);
		/* Pad1/PadN, Router Alert (RFC 2711) and Tunnel Encapsulation
		 * Limit (RFC 2473) all carry action 00: nothing else is known. */
		switch (RB_IP6_OPT_ACTION(t)) {
		case RB_IP6_OPT_SKIP:
			break;
		case RB_IP6_OPT_DISCARD:
			return walk_bad(w, RB_IP6W_WHY_OPTION, -1, i);
		case RB_IP6_OPT_DISCARD_ICMP:
			w->pp_mcast = 1;
			/* fall through */
		default:
			return walk_bad(w, RB_IP6W_WHY_OPTION, RB_ICMP6_PP_OPTION, i);
		}
		i += 2u + pkt[i + 1];
	}
	return 0;
}

/* One more header: within RB_IP6_MAX_EXT?  0, or the walk's end. */
static int walk_count(struct rb_ip6_walk *w)
{
	if (++w->n_ext > RB_IP6_MAX_EXT) {
		w->why = RB_IP6W_WHY_COUNT;
		return RB_IP6W_LIMIT;
	}
	return 0;
}

/* The header of hl octets at off: inside pkt[0, len) and within
 * RB_IP6_MAX_EXT_LEN?  0, or the walk's end. */
static int walk_fit(struct rb_ip6_walk *w, uint32_t off, uint32_t hl, uint32_t len)
{
	if (off + hl > len)
		return walk_trunc(w);
	if (off + hl > RB_IP6_HDR_LEN + RB_IP6_MAX_EXT_LEN) {
		w->why = RB_IP6W_WHY_LEN;
		return RB_IP6W_LIMIT;
	}
	return 0;
}

int rb_ip6_walk(const uint8_t *pkt, uint32_t len, uint32_t off, uint32_t nh_off, unsigned flags,
		struct rb_ip6_walk *w)
{
	memset(w, 0, sizeof(*w));
	w->pp_code = -1;
	for (;;) {
		uint8_t nh = pkt[nh_off];
		uint32_t hl;
		int rc;

		w->nh_off = (uint16_t)nh_off;
		w->off = (uint16_t)off;
		w->proto = nh;
		if ((flags & RB_IP6W_HBH_ONLY) && (nh != RB_IP6_NH_HOPOPTS || off != RB_IP6_HDR_LEN))
			return RB_IP6W_OK;
		switch (nh) {
		case RB_IP6_NH_HOPOPTS:
			/* RFC 8200 4.1: only directly after the IPv6 header. */
			if (off != RB_IP6_HDR_LEN)
				return walk_bad(w, RB_IP6W_WHY_HBH_POS, RB_ICMP6_PP_NEXTHDR, nh_off);
			/* fall through */
		case RB_IP6_NH_DSTOPTS:
		case RB_IP6_NH_ROUTING:
			rc = walk_count(w);
			if (rc == 0 && off + 2 > len)
				rc = walk_trunc(w);
			if (rc == 0)
				rc = walk_fit(w, off, RB_IP6_EXT_LEN(pkt[off + 1]), len);
			if (rc != 0)
				return rc;
			hl = RB_IP6_EXT_LEN(pkt[off + 1]);
			if (!(flags & RB_IP6W_NO_OPTS)) {
				if (nh != RB_IP6_NH_ROUTING) {
					if (walk_opts(pkt, off, hl, w) != 0)
						return RB_IP6W_BAD;
				} else if (pkt[off + 3] != 0) {
					/* 4.4: no Routing Type is implemented (type 0
					 * is deprecated, RFC 5095; type 2 is Mobile
					 * IPv6, type 4 Segment Routing, RFC 8754 4.3.3
					 * says the same); Segments Left != 0. */
					return walk_bad(w, RB_IP6W_WHY_ROUTING, RB_ICMP6_PP_HEADER,
							off + 2);
				}
			}
			nh_off = off;
			off += hl;
			if (nh == RB_IP6_NH_HOPOPTS && (flags & RB_IP6W_HBH_ONLY)) {
				w->nh_off = (uint16_t)nh_off;
				w->off = (uint16_t)off;
				w->proto = pkt[nh_off];
				return RB_IP6W_OK;
			}
			break;
		case RB_IP6_NH_AH:
			if (!(flags & RB_IP6W_AH))
				return RB_IP6W_OK;
			rc = walk_count(w);
			if (rc == 0 && off + 2 > len)
				rc = walk_trunc(w);
			if (rc != 0)
				return rc;
			hl = RB_IP6_AH_LEN(pkt[off + 1]);
			if (hl < RB_IP6_AH_MIN || (hl & 7) != 0)
				return walk_bad(w, RB_IP6W_WHY_MALFORMED, -1, off + 1);
			rc = walk_fit(w, off, hl, len);
			if (rc != 0)
				return rc;
			w->has_ah = 1;
			nh_off = off;
			off += hl;
			break;
		case RB_IP6_NH_FRAGMENT: {
			const struct rte_ipv6_fragment_ext *fh;

			rc = walk_count(w);
			if (rc == 0)
				rc = walk_fit(w, off, RB_IP6_FRAG_LEN, len);
			if (rc != 0)
				return rc;
			w->has_frag = 1;
			fh = (const struct rte_ipv6_fragment_ext *)(pkt + off);
			if (RB_IP6_FRAG_OFF(fh->frag_data) != 0 || RB_IP6_FRAG_MF(fh->frag_data)) {
				/* 4.1, 4.5: a fragmentable part that begins with
				 * Hop-by-Hop puts it after the Fragment header (every
				 * fragment says so); reassembled, it would sit first */
				if (pkt[off] == RB_IP6_NH_HOPOPTS)
					return walk_bad(w, RB_IP6W_WHY_HBH_POS, RB_ICMP6_PP_NEXTHDR,
							off);
				return RB_IP6W_FRAG;
			}
			/* RFC 6946 4: an atomic fragment is processed in isolation. */
			nh_off = off;
			off += RB_IP6_FRAG_LEN;
			break;
		}
		default:
			return RB_IP6W_OK;
		}
	}
}

int rb_ip6_walk_drop(const struct rb_ip6_walk *w)
{
	switch (w->why) {
	case RB_IP6W_WHY_HBH_POS:
		return RB_DROP_IP6_HBH_NOT_FIRST;
	case RB_IP6W_WHY_OPTION:
		return RB_DROP_IP6_BAD_OPTION;
	case RB_IP6W_WHY_ROUTING:
		return RB_DROP_IP6_ROUTING_SEGLEFT;
	case RB_IP6W_WHY_COUNT:
		return RB_DROP_IP6_EXTHDR_LIMIT;
	case RB_IP6W_WHY_LEN:
		return RB_DROP_IP6_EXTHDR_LEN;
	default:
		return RB_DROP_IP6_BAD_EXTHDR;
	}
}
