/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests for the IPv6 half of the L3 stack (dataplane/net/ip6.c,
 * icmp6.c, nd.c).  This file holds the table-driven tests of the pure
 * helpers (extension header walk, ND validation, checksums, solicited-node
 * groups) and main(); tests/unit/test_ip6_path.c runs packets through the
 * paths on real mbufs (EAL without hugepages) against the test doubles of
 * tests/unit/ip6_fake.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <CUnit/Basic.h>
#include <rte_eal.h>
#include <rte_ip_frag.h>
#include <rte_mbuf.h>
#include "ip6_fake.h"

/* ---- pure helpers ---- */

static void test_solicited_node(void)
{
	static const struct {
		const char *addr, *group;
		uint8_t mac[6];
	} t[] = {
		{"fe80::1", "ff02::1:ff00:1", {0x33, 0x33, 0xff, 0, 0, 1}},
		{"2001:db8::1:2:3", "ff02::1:ff02:3", {0x33, 0x33, 0xff, 0x02, 0, 3}},
		{"2001:db8::abcd:ef12:3456", "ff02::1:ff12:3456", {0x33, 0x33, 0xff, 0x12, 0x34, 0x56}},
		{"::", "ff02::1:ff00:0", {0x33, 0x33, 0xff, 0, 0, 0}},
	};
	uint8_t a[16], g[16], out[16], mac[6];

	for (size_t i = 0; i < RTE_DIM(t); i++) {
		a6(t[i].addr, a);
		a6(t[i].group, g);
		rb_ip6_solicited_node(a, out);
		CU_ASSERT(memcmp(out, g, 16) == 0);
		CU_ASSERT(rb_ip6_is_solnode(out));
		rb_ip6_mcast_mac(out, mac);
		CU_ASSERT(memcmp(mac, t[i].mac, 6) == 0);
	}
	rb_ip6_mcast_mac(ALL_NODES, mac);
	CU_ASSERT(memcmp(mac, "\x33\x33\x00\x00\x00\x01", 6) == 0);
	CU_ASSERT(!rb_ip6_is_solnode(ALL_NODES));
	/* groups of port 0's addresses (ll6 fe80::1, 2001:db8:1::1) */
	a6("ff02::1:ff00:1", g);
	CU_ASSERT(rb_ip6_port_solnode(&dp.ports[0], g));
	a6("ff02::1:ff00:2", g);
	CU_ASSERT(!rb_ip6_port_solnode(&dp.ports[0], g));
	a6("ff02::2:ff00:1", g);
	CU_ASSERT(!rb_ip6_port_solnode(&dp.ports[0], g));
}

static void test_walk(void)
{
	static const struct {
		const char *name;
		uint8_t nh;
		const char *ext;
		unsigned flags;
		int rc;
		uint8_t proto;
		uint16_t off;
		int pp;
		uint32_t pointer;
		uint8_t frag;
	} t[] = {
		{"no ext", 6, "", 0, RB_IP6W_OK, 6, 40, -1, 0, 0},
		{"hbh padn", 0, "0600 0104 00000000", 0, RB_IP6W_OK, 6, 48, -1, 0, 0},
		{"hbh dst rt0 dst", 0,
		 "3c00 0104 00000000 2b00 0104 00000000 3c00 0400 00000000 1100 0104 00000000", 0,
		 RB_IP6W_OK, 17, 72, -1, 0, 0},
		{"hbh 16 octets", 0, "0601 0104 00000000 010600000000 0000", 0, RB_IP6W_OK, 6, 56,
		 -1, 0, 0},
		{"hbh not first", 60, "0000 0104 00000000 0600 0104 00000000", 0, RB_IP6W_BAD, 0, 48,
		 1, 40, 0},
		{"8 headers", 60,
		 "3c00 0104 00000000 3c00 0104 00000000 3c00 0104 00000000 3c00 0104 00000000 "
		 "3c00 0104 00000000 3c00 0104 00000000 3c00 0104 00000000 0600 0104 00000000",
		 0, RB_IP6W_OK, 6, 104, -1, 0, 0},
		{"9 headers", 60,
		 "3c00 0104 00000000 3c00 0104 00000000 3c00 0104 00000000 3c00 0104 00000000 "
		 "3c00 0104 00000000 3c00 0104 00000000 3c00 0104 00000000 3c00 0104 00000000 "
		 "0600 0104 00000000",
		 0, RB_IP6W_LIMIT, 60, 104, -1, 0, 0},
		{"truncated header", 60, "0601 0104 00000000", 0, RB_IP6W_BAD, 60, 40, -1, 0, 0},
		{"truncated length", 60, "06", 0, RB_IP6W_BAD, 60, 40, -1, 0, 0},
		{"option overruns", 60, "0600 010a 00000000", 0, RB_IP6W_BAD, 60, 40, -1, 42, 0},
		{"option len past end", 60, "0600 0000 00000001", 0, RB_IP6W_BAD, 60, 40, -1, 47, 0},
		{"pad1 only", 60, "0600 0000 00000000", 0, RB_IP6W_OK, 6, 48, -1, 0, 0},
		{"unknown skip", 60, "0600 1e04 00000000", 0, RB_IP6W_OK, 6, 48, -1, 0, 0},
		{"unknown discard", 60, "0600 5e04 00000000", 0, RB_IP6W_BAD, 60, 40, -1, 42, 0},
		{"unknown icmp", 60, "0600 9e04 00000000", 0, RB_IP6W_BAD, 60, 40, 2, 42, 0},
		{"unknown icmp ucast", 60, "0600 0000 de020000", 0, RB_IP6W_BAD, 60, 40, 2, 44, 0},
		{"routing left 1", 43, "0600 0401 00000000", 0, RB_IP6W_BAD, 43, 40, 0, 42, 0},
		{"routing left 0", 43, "0600 0000 00000000", 0, RB_IP6W_OK, 6, 48, -1, 0, 0},
		{"atomic frag", 44, "0600 0000 12345678", 0, RB_IP6W_OK, 6, 48, -1, 0, 1},
		{"first frag", 44, "0600 0001 12345678", 0, RB_IP6W_FRAG, 44, 40, -1, 0, 1},
		{"later frag", 44, "0600 00b8 12345678", 0, RB_IP6W_FRAG, 44, 40, -1, 0, 1},
		{"dst then frag", 60, "2c00 0104 00000000 1100 05a9 00000001", 0, RB_IP6W_FRAG, 44,
		 48, -1, 0, 1},
		{"frag truncated", 44, "060000", 0, RB_IP6W_BAD, 44, 40, -1, 0, 0},
		/* RFC 8200 4.1: Hop-by-Hop as the fragmentable part's first header
		 * is not first; every fragment says so in its Next Header */
		{"first frag of hbh", 44, "0000 0001 12345678 0600 0104 00000000", 0, RB_IP6W_BAD, 44,
		 40, 1, 40, 1},
		{"later frag of hbh", 60, "2c00 0104 00000000 0000 00b8 12345678", 0, RB_IP6W_BAD, 44,
		 48, 1, 48, 1},
		{"atomic frag of hbh", 44, "0000 0000 12345678 0600 0104 00000000", 0, RB_IP6W_BAD, 0,
		 48, 1, 40, 1},
		{"hbh only", 0, "3c00 0104 00000000 0600 5e04 00000000", RB_IP6W_HBH_ONLY,
		 RB_IP6W_OK, 60, 48, -1, 0, 0},
		{"hbh only, none", 60, "0600 5e04 00000000", RB_IP6W_HBH_ONLY, RB_IP6W_OK, 60, 40,
		 -1, 0, 0},
		{"hbh only, bad", 0, "0600 5e04 00000000", RB_IP6W_HBH_ONLY, RB_IP6W_BAD, 0, 40, -1,
		 42, 0},
		{"no opts", 60, "0600 5e04 00000000", RB_IP6W_NO_OPTS, RB_IP6W_OK, 6, 48, -1, 0, 0},
		{"no opts routing", 43, "0600 0401 00000000", RB_IP6W_NO_OPTS, RB_IP6W_OK, 6, 48, -1,
		 0, 0},
	};
	uint8_t pkt[256];
	struct rb_ip6_walk w;

	for (size_t i = 0; i < RTE_DIM(t); i++) {
		uint32_t n = unhex(t[i].ext, pkt + 40);
		int rc;

		ip6_hdr(pkt, PEER_G1, OUR_G1, t[i].nh, 64, n);
		rc = rb_ip6_walk(pkt, 40 + n, 40, 6, t[i].flags, &w);
		if (rc != t[i].rc || w.proto != t[i].proto || w.off != t[i].off ||
		    w.pp_code != t[i].pp || (t[i].rc == RB_IP6W_BAD && w.pointer != t[i].pointer) ||
		    w.has_frag != t[i].frag)
			fprintf(stderr, "walk %s: rc %d proto %u off %u pp %d ptr %u frag %u\n",
				t[i].name, rc, w.proto, w.off, w.pp_code, w.pointer, w.has_frag);
		CU_ASSERT(rc == t[i].rc);
		CU_ASSERT(w.proto == t[i].proto);
		CU_ASSERT(w.off == t[i].off);
		CU_ASSERT(w.pp_code == t[i].pp);
		if (t[i].rc == RB_IP6W_BAD)
			CU_ASSERT(w.pointer == t[i].pointer);
		CU_ASSERT(w.has_frag == t[i].frag);
	}
	/* the action-10 option asks for an error even to a group */
	unhex("0600 9e04 00000000", pkt + 40);
	ip6_hdr(pkt, PEER_G1, OUR_G1, 60, 64, 8);
	rb_ip6_walk(pkt, 48, 40, 6, 0, &w);
	CU_ASSERT(w.pp_mcast == 1);
	unhex("0600 de04 00000000", pkt + 40);
	rb_ip6_walk(pkt, 48, 40, 6, 0, &w);
	CU_ASSERT(w.pp_mcast == 0);
}

/* The walk's bounds, AH (RFC 4302 2.2) and why a walk ended (each its
 * drop counter). */
static void test_walk_bounds(void)
{
	static const struct {
		const char *name;
		uint8_t nh;
		const char *ext;
		uint16_t dst_len;   /* non-zero: one Destination Options header this long first */
		unsigned flags;
		int rc;
		uint8_t proto;
		uint16_t off;
		uint8_t why;
		int drop;
		uint8_t ah;
	} t[] = {
		{"ah walked", 51, "3a04 0000 00000001 00000001 00000000 00000000 00000000", 0, RB_IP6W_AH,
		 RB_IP6W_OK, 58, 64, 0, -1, 1},
		{"ah ends the walk without the flag", 51,
		 "3a04 0000 00000001 00000001 00000000 00000000 00000000", 0, 0, RB_IP6W_OK, 51, 40, 0, -1, 0},
		{"dst ah dst", 60, "3300 0104 00000000 3c04 0000 00000001 00000001 00000000 00000000 00000000 "
		 "3a00 0104 00000000", 0, RB_IP6W_AH | RB_IP6W_NO_OPTS, RB_IP6W_OK, 58, 80, 0, -1, 1},
		{"ah 12 octets (not a multiple of 8)", 51, "3a01 0000 00000001 00000001", 0,
		 RB_IP6W_AH, RB_IP6W_BAD, 51, 40, RB_IP6W_WHY_MALFORMED, RB_DROP_IP6_BAD_EXTHDR, 0},
		{"ah 8 octets (below 12)", 51, "3a00 0000 00000001", 0, RB_IP6W_AH, RB_IP6W_BAD, 51, 40,
		 RB_IP6W_WHY_MALFORMED, RB_DROP_IP6_BAD_EXTHDR, 0},
		{"ah past the data", 51, "3a0a 0000 00000001 00000001 00000000 00000000", 0,
		 RB_IP6W_AH, RB_IP6W_BAD, 51, 40, RB_IP6W_WHY_MALFORMED, RB_DROP_IP6_BAD_EXTHDR, 0},
		{"esp ends it", 60, "3200 0104 00000000", 0, RB_IP6W_AH, RB_IP6W_OK, 50, 48, 0, -1, 0},
		{"no next header ends it", 0, "3b00 0104 00000000", 0, 0, RB_IP6W_OK, 59, 48, 0, -1, 0},
		{"shim6 ends it (not recognized)", 140, "0600 0104 00000000", 0, 0, RB_IP6W_OK, 140, 40,
		 0, -1, 0},
		{"464 octets", 60, "", 464, 0, RB_IP6W_OK, 6, 504, 0, -1, 0},
		{"472 octets", 60, "", 472, 0, RB_IP6W_LIMIT, 60, 40, RB_IP6W_WHY_LEN,
		 RB_DROP_IP6_EXTHDR_LEN, 0},
		{"464 + fragment header", 60, "0600 0000 12345678", 464, 0, RB_IP6W_LIMIT, 44, 504,
		 RB_IP6W_WHY_LEN, RB_DROP_IP6_EXTHDR_LEN, 0},
		{"456 + atomic fragment", 60, "0600 0000 12345678", 456, 0, RB_IP6W_OK, 6, 504, 0, -1,
		 0},
		{"472 octets, structure only", 60, "", 472, RB_IP6W_NO_OPTS, RB_IP6W_LIMIT, 60, 40,
		 RB_IP6W_WHY_LEN, RB_DROP_IP6_EXTHDR_LEN, 0},
		{"hbh of 472 on the forwarding path", 0, "", 472, RB_IP6W_HBH_ONLY, RB_IP6W_LIMIT, 0, 40,
		 RB_IP6W_WHY_LEN, RB_DROP_IP6_EXTHDR_LEN, 0},
		{"9 headers", 60, "3c00 0104 00000000 3c00 0104 00000000 3c00 0104 00000000 "
		 "3c00 0104 00000000 3c00 0104 00000000 3c00 0104 00000000 3c00 0104 00000000 "
		 "3c00 0104 00000000 0600 0104 00000000", 0, 0, RB_IP6W_LIMIT, 60, 104,
		 RB_IP6W_WHY_COUNT, RB_DROP_IP6_EXTHDR_LIMIT, 0},
		{"hbh not first", 60, "0000 0104 00000000 0600 0104 00000000", 0, 0, RB_IP6W_BAD, 0, 48,
		 RB_IP6W_WHY_HBH_POS, RB_DROP_IP6_HBH_NOT_FIRST, 0},
		{"option action 01", 60, "0600 5e04 00000000", 0, 0, RB_IP6W_BAD, 60, 40,
		 RB_IP6W_WHY_OPTION, RB_DROP_IP6_BAD_OPTION, 0},
		{"routing left 1", 43, "0600 0401 00000000", 0, 0, RB_IP6W_BAD, 43, 40,
		 RB_IP6W_WHY_ROUTING, RB_DROP_IP6_ROUTING_SEGLEFT, 0},
		{"option overruns", 60, "0600 010a 00000000", 0, 0, RB_IP6W_BAD, 60, 40,
		 RB_IP6W_WHY_MALFORMED, RB_DROP_IP6_BAD_EXTHDR, 0},
	};
	uint8_t pkt[1024];
	struct rb_ip6_walk w;

	for (size_t i = 0; i < RTE_DIM(t); i++) {
		uint32_t n = 0;
		int rc;

		if (t[i].dst_len) {
			/* one long header of PadN options, naming what follows */
			uint8_t next = t[i].ext[0] ? RB_IP6_NH_FRAGMENT : RB_IP6_NH_TCP;

			memset(pkt + 40, 0, t[i].dst_len);
			pkt[40] = next;
			pkt[41] = (uint8_t)(t[i].dst_len / 8 - 1);
			pkt[42] = RB_IP6_OPT_PADN;
			pkt[43] = (uint8_t)RTE_MIN(t[i].dst_len - 4u, 255u);
			for (uint32_t o = 44 + pkt[43]; o + 2 <= 40u + t[i].dst_len; o += 2 + pkt[o + 1]) {
				pkt[o] = RB_IP6_OPT_PADN;
				pkt[o + 1] = (uint8_t)RTE_MIN(40u + t[i].dst_len - o - 2, 255u);
			}
			n = t[i].dst_len;
		}
		n += unhex(t[i].ext, pkt + 40 + n);
		memset(pkt + 40 + n, 0, 20);
		n += 20;
		ip6_hdr(pkt, PEER_G1, OUR_G1, t[i].nh, 64, n);
		rc = rb_ip6_walk(pkt, 40 + n, 40, 6, t[i].flags, &w);
		if (rc != t[i].rc || w.proto != t[i].proto || w.off != t[i].off ||
		    (rc != RB_IP6W_OK && rc != RB_IP6W_FRAG &&
		     (w.why != t[i].why || rb_ip6_walk_drop(&w) != t[i].drop)) ||
		    w.has_ah != t[i].ah)
			fprintf(stderr, "walk %s: rc %d proto %u off %u why %u drop %d ah %u\n", t[i].name,
				rc, w.proto, w.off, w.why, rb_ip6_walk_drop(&w), w.has_ah);
		CU_ASSERT(rc == t[i].rc);
		CU_ASSERT(w.proto == t[i].proto);
		CU_ASSERT(w.off == t[i].off);
		CU_ASSERT(w.has_ah == t[i].ah);
		if (rc != RB_IP6W_OK && rc != RB_IP6W_FRAG) {
			CU_ASSERT(w.why == t[i].why);
			CU_ASSERT(rb_ip6_walk_drop(&w) == t[i].drop);
		}
		/* the same bytes ending anywhere inside the chain: malformed, and
		 * no read past the end (an exact-size copy, for ASan) */
		for (uint32_t cut = 40; rc == RB_IP6W_OK && cut < w.off; cut++) {
			uint8_t *b = malloc(cut);
			struct rb_ip6_walk wc;
			int rcc;

			CU_ASSERT_FATAL(b != NULL);
			memcpy(b, pkt, cut);
			rcc = rb_ip6_walk(b, cut, 40, 6, t[i].flags, &wc);
			CU_ASSERT(rcc == RB_IP6W_BAD && wc.why == RB_IP6W_WHY_MALFORMED && wc.trunc);
			free(b);
		}
	}
}

static void test_nd_parse(void)
{
	static const struct {
		const char *name;
		uint8_t type, hlim, code;
		const char *src, *dst, *target;
		uint32_t flags;
		const char *opts;
		uint32_t len; /* 0: the whole message */
		int rc;
		uint8_t dad, lla;
	} t[] = {
		{"NS", 135, 255, 0, "fe80::2", "ff02::1:ff00:1", "fe80::1", 0, "0101 020000000002",
		 0, 0, 0, 1},
		{"NS unicast no opt", 135, 255, 0, "fe80::2", "fe80::1", "fe80::1", 0, "", 0, 0, 0, 0},
		{"NA", 136, 255, 0, "fe80::2", "fe80::1", "fe80::2", 0x60000000, "0201 020000000002",
		 0, 0, 0, 1},
		{"NA with SLLA only", 136, 255, 0, "fe80::2", "fe80::1", "fe80::2", 0x60000000,
		 "0101 020000000002", 0, 0, 0, 0},
		{"hop limit 254", 135, 254, 0, "fe80::2", "ff02::1:ff00:1", "fe80::1", 0,
		 "0101 020000000002", 0, -1, 0, 0},
		{"NA hop limit 64", 136, 64, 0, "fe80::2", "fe80::1", "fe80::2", 0, "", 0, -1, 0, 0},
		{"code 1", 135, 255, 1, "fe80::2", "ff02::1:ff00:1", "fe80::1", 0, "", 0, -1, 0, 0},
		{"short", 135, 255, 0, "fe80::2", "ff02::1:ff00:1", "fe80::1", 0, "", 20, -1, 0, 0},
		{"zero-length option", 135, 255, 0, "fe80::2", "ff02::1:ff00:1", "fe80::1", 0,
		 "0100 020000000002", 0, -1, 0, 0},
		{"option past end", 135, 255, 0, "fe80::2", "ff02::1:ff00:1", "fe80::1", 0,
		 "0102 020000000002", 0, -1, 0, 0},
		{"trailing octet", 135, 255, 0, "fe80::2", "ff02::1:ff00:1", "fe80::1", 0,
		 "0101 020000000002 01", 0, -1, 0, 0},
		{"multicast target", 135, 255, 0, "fe80::2", "ff02::1:ff00:1", "ff02::1", 0, "", 0, -1,
		 0, 0},
		{"NA multicast target", 136, 255, 0, "fe80::2", "ff02::1", "ff02::1", 0, "", 0, -1, 0,
		 0},
		{"DAD probe", 135, 255, 0, "::", "ff02::1:ff00:1", "2001:db8:1::1", 0, "", 0, 0, 1, 0},
		{"DAD probe with SLLA", 135, 255, 0, "::", "ff02::1:ff00:1", "2001:db8:1::1", 0,
		 "0101 020000000002", 0, -1, 1, 1},
		{"DAD probe to unicast", 135, 255, 0, "::", "2001:db8:1::1", "2001:db8:1::1", 0, "",
		 0, -1, 1, 0},
		{"NA multicast solicited", 136, 255, 0, "fe80::2", "ff02::1", "fe80::2", 0x40000000,
		 "", 0, -1, 0, 0},
		{"NA multicast override", 136, 255, 0, "fe80::2", "ff02::1", "fe80::2", 0x20000000,
		 "0201 020000000002", 0, 0, 0, 1},
		{"NA from ::", 136, 255, 0, "::", "ff02::1", "fe80::2", 0, "", 0, -1, 1, 0},
		{"group MAC in SLLA", 135, 255, 0, "fe80::2", "ff02::1:ff00:1", "fe80::1", 0,
		 "0101 330000000001", 0, -1, 0, 1},
		{"zero MAC in SLLA", 135, 255, 0, "fe80::2", "ff02::1:ff00:1", "fe80::1", 0,
		 "0101 000000000000", 0, -1, 0, 1},
		{"unknown option", 135, 255, 0, "fe80::2", "ff02::1:ff00:1", "fe80::1", 0,
		 "0e01 000000000000 0101 020000000002", 0, 0, 0, 1},
		{"not ND", 128, 255, 0, "fe80::2", "fe80::1", "fe80::1", 0, "", 0, -1, 0, 0},
	};
	uint8_t pkt[128], s[16], d[16];
	struct rb_nd_info nd;

	for (size_t i = 0; i < RTE_DIM(t); i++) {
		struct rb_nd_msg *m = (struct rb_nd_msg *)(pkt + 40);
		uint32_t n = unhex(t[i].opts, pkt + 40 + 24);
		int rc;

		a6(t[i].src, s);
		a6(t[i].dst, d);
		ip6_hdr(pkt, s, d, RB_IP6_NH_ICMPV6, t[i].hlim, 24 + n);
		m->hdr.type = t[i].type;
		m->hdr.code = t[i].code;
		m->hdr.cksum = 0;
		m->hdr.data = rte_cpu_to_be_32(t[i].flags);
		a6(t[i].target, m->target);
		rc = rb_nd_parse((const struct rte_ipv6_hdr *)pkt, pkt + 40,
				 t[i].len ? t[i].len : 24 + n, &nd);
		if (rc != t[i].rc)
			fprintf(stderr, "nd %s: rc %d\n", t[i].name, rc);
		CU_ASSERT(rc == t[i].rc);
		if (rc == 0) {
			CU_ASSERT(nd.dad == t[i].dad);
			CU_ASSERT(nd.has_lla == t[i].lla);
			CU_ASSERT(nd.flags == t[i].flags);
			CU_ASSERT(memcmp(nd.target, m->target, 16) == 0);
			if (nd.has_lla)
				CU_ASSERT(memcmp(nd.lla, PEER_MAC, 6) == 0);
		}
	}
}

static void test_cksum(void)
{
	/* scapy 2.5: IPv6()/ICMPv6EchoRequest(id=0x1234, seq=1, data=b"abcdefgh") and
	 * IPv6()/ICMPv6ND_NS(tgt="fe80::1")/ICMPv6NDOptSrcLLAddr(lladdr=02:..:02) */
	static const struct {
		const char *hex;
		uint16_t cksum;
	} t[] = {
		{"6000000000103a4020010db800010000000000000000000220010db8000100000000000000000001"
		 "80008073123400016162636465666768",
		 0x8073},
		{"6000000000203afffe800000000000000000000000000002ff0200000000000000000001ff000001"
		 "87007a9700000000fe8000000000000000000000000000010101020000000002",
		 0x7a97},
	};

	for (size_t i = 0; i < RTE_DIM(t); i++) {
		uint8_t b[128];
		uint32_t n = unhex(t[i].hex, b), len = n - 40;
		const struct rte_ipv6_hdr *ip = (const struct rte_ipv6_hdr *)b;
		struct rte_mbuf *m;

		CU_ASSERT(rb_ip6_sum_buf(ip->src_addr, ip->dst_addr, 58, b + 40, len) == 0xffff);
		/* an odd-sized segmentation gives the same sum */
		m = mk(b, n, 7);
		CU_ASSERT(m->nb_segs > 1);
		CU_ASSERT(rb_ip6_sum_mbuf(ip->src_addr, ip->dst_addr, 58, m, 40, len) == 0xffff);
		rte_pktmbuf_free(m);
		b[42] = b[43] = 0;
		CU_ASSERT((uint16_t)~rb_ip6_sum_buf(ip->src_addr, ip->dst_addr, 58, b + 40, len) ==
			  rte_cpu_to_be_16(t[i].cksum));
		b[42] = (uint8_t)(t[i].cksum >> 8);
		b[43] = (uint8_t)t[i].cksum;
		b[n - 1] ^= 0x10;
		CU_ASSERT(rb_ip6_sum_buf(ip->src_addr, ip->dst_addr, 58, b + 40, len) != 0xffff);
		b[n - 1] ^= 0x10;
		b[20] ^= 1; /* the source address is covered too */
		CU_ASSERT(rb_ip6_sum_buf(ip->src_addr, ip->dst_addr, 58, b + 40, len) != 0xffff);
	}
}

int main(void)
{
	char *eal[] = {"test_ip6", "--no-huge", "--no-pci", "-m", "128", "--no-shconf",
		       "--no-telemetry", "--log-level=error", "-l", "0"};
	static const struct {
		const char *name;
		CU_TestFunc fn;
	} tests[] = {
		{"solicited-node groups", test_solicited_node},
		{"extension header walk", test_walk},
		{"extension header walk: bounds, AH, why", test_walk_bounds},
		{"ND validation", test_nd_parse},
		{"ICMPv6 checksum", test_cksum},
		{"ICMPv6 error size", test_error_limits},
		{"ICMPv6 error suppression", test_error_suppression},
		{"NS handling", test_nd_ns},
		{"NA handling", test_nd_na},
		{"NS sending", test_nd_solicit},
		{"echo", test_echo},
		{"forwarding", test_forward},
		{"header validation", test_validate},
		{"local delivery", test_local_l4},
		{"ICMPv6 errors to TCP, on the flow's owner", test_icmp6_to_tcp},
		{"reassembly", test_reassembly},
		{"output", test_output},
		{"no mbuf leaked", test_no_leak},
	};
	CU_pSuite s;
	unsigned fails;

	if (rte_eal_init((int)RTE_DIM(eal), eal) < 0 || ip6_fake_setup() < 0) {
		fprintf(stderr, "test_ip6: EAL or setup failed\n");
		return 1;
	}
	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("ip6", NULL, NULL);
	for (size_t i = 0; i < RTE_DIM(tests); i++)
		CU_add_test(s, tests[i].name, tests[i].fn);
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	fails = CU_get_number_of_failures() + CU_get_number_of_tests_failed();
	CU_cleanup_registry();
	rte_ip_frag_table_destroy(lc.frag);
	rte_mempool_free(dp.pool);
	rte_eal_cleanup();
	return fails ? 1 : 0;
}
