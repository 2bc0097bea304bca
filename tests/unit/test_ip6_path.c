/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IPv6 packet paths under test: ICMPv6 errors, Neighbor Discovery, echo,
 * forwarding, header validation, local delivery, reassembly and output.
 * Packets go in through rb_ip6_input; what comes out is recorded by the
 * test doubles (tests/unit/ip6_fake.c).
 */
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <CUnit/Basic.h>
#include <rte_cycles.h>
#include <rte_ether.h>
#include <rte_ip_frag.h>
#include <rte_mbuf.h>
#include "ip6_fake.h"

/* ---- ICMPv6 errors ---- */

/* A UDP datagram of len octets (IPv6 included) from src to dst. */
static struct rte_mbuf *udp_pkt(const uint8_t *src, const uint8_t *dst, uint32_t len, uint32_t seg)
{
	static uint8_t b[4096];

	for (uint32_t i = 40; i < len; i++)
		b[i] = (uint8_t)(i * 7);
	ip6_hdr(b, src, dst, RB_IP6_NH_UDP, 64, len - 40);
	return mk(b, len, seg);
}

void test_error_limits(void)
{
	static const uint32_t sizes[] = {48, 100, 1232, 1233, 1280, 1500, 4000};

	for (size_t i = 0; i < RTE_DIM(sizes); i++) {
		struct rte_mbuf *m = udp_pkt(PEER_G1, OUR_G1, sizes[i], 1000), *e;
		const struct rte_ipv6_hdr *ip;
		const struct rb_icmp6_hdr *ic;
		uint32_t q = RTE_MIN(sizes[i], 1232u);
		uint8_t a[1280], b[1280];

		reset();
		rb_icmp6_error(&lc, m, RB_ICMP6_DEST_UNREACH, RB_ICMP6_DU_PORT, 0);
		CU_ASSERT_FATAL(n_caps == 1);
		e = caps[0].m;
		CU_ASSERT(caps[0].kind == CAP_IP6_TX && caps[0].port == 0);
		CU_ASSERT(memcmp(caps[0].nh, PEER_G1, 16) == 0);
		CU_ASSERT(rte_pktmbuf_pkt_len(e) == 48 + q);
		CU_ASSERT(rte_pktmbuf_pkt_len(e) <= RB_ICMP6_ERR_MAX);
		ip = rte_pktmbuf_mtod(e, const struct rte_ipv6_hdr *);
		ic = (const struct rb_icmp6_hdr *)(ip + 1);
		CU_ASSERT(memcmp(ip->src_addr, OUR_G1, 16) == 0);
		CU_ASSERT(memcmp(ip->dst_addr, PEER_G1, 16) == 0);
		CU_ASSERT(ip->proto == 58 && ip->hop_limits == 64);
		CU_ASSERT(rte_be_to_cpu_16(ip->payload_len) == 8 + q);
		CU_ASSERT(ic->type == 1 && ic->code == 4 && ic->data == 0);
		CU_ASSERT(cksum_ok(e, 0));
		/* the quote is the offending packet's first q octets */
		CU_ASSERT(memcmp(rte_pktmbuf_read(e, 48, q, a), rte_pktmbuf_read(m, 0, q, b), q) ==
			  0);
		CU_ASSERT(EVENTS(ICMP_ERROR_TX) == 1);
		CU_ASSERT(total_drops() == 0);
		rte_pktmbuf_free(m);
	}
	reset();
}

void test_error_suppression(void)
{
	static const struct {
		const char *name;
		int icmp_type;     /* -1: UDP offender, else an ICMPv6 offender of this type */
		const char *src, *dst;
		uint8_t type, code;
		int sent;
	} t[] = {
		{"udp", -1, "2001:db8:1::2", "2001:db8:1::1", 1, 4, 1},
		{"about an error", 1, "2001:db8:1::2", "2001:db8:1::1", 1, 4, 0},
		{"about a PTB", 2, "2001:db8:1::2", "2001:db8:1::1", 3, 0, 0},
		{"about an echo request", 128, "2001:db8:1::2", "2001:db8:1::1", 3, 0, 1},
		{"to a group", -1, "2001:db8:1::2", "ff02::1", 1, 4, 0},
		{"PTB to a group", -1, "2001:db8:1::2", "ff02::1", 2, 0, 1},
		{"option to a group", -1, "2001:db8:1::2", "ff02::1", 4, 2, 1},
		{"header to a group", -1, "2001:db8:1::2", "ff02::1", 4, 0, 0},
		{"from ::", -1, "::", "2001:db8:1::1", 1, 4, 0},
		{"from a group", -1, "ff02::5", "2001:db8:1::1", 2, 0, 0},
		{"link-local", -1, "fe80::2", "fe80::1", 1, 4, 1},
	};
	uint8_t s[16], d[16], b[128];

	for (size_t i = 0; i < RTE_DIM(t); i++) {
		struct rte_mbuf *m;

		a6(t[i].src, s);
		a6(t[i].dst, d);
		if (t[i].icmp_type < 0)
			m = udp_pkt(s, d, 100, 2048);
		else
			m = mk(b, icmp6_pkt(b, s, d, 64, (uint8_t)t[i].icmp_type, 0, 0, b, 0), 2048);
		reset();
		rb_icmp6_error(&lc, m, t[i].type, t[i].code, 0);
		if (n_caps != t[i].sent)
			fprintf(stderr, "error suppression %s: %d sent\n", t[i].name, n_caps);
		CU_ASSERT(n_caps == t[i].sent);
		CU_ASSERT(EVENTS(ICMP_ERROR_TX) == (uint64_t)t[i].sent);
		if (n_caps && !strcmp(t[i].name, "link-local")) {
			const struct rte_ipv6_hdr *ip =
				rte_pktmbuf_mtod(caps[0].m, const struct rte_ipv6_hdr *);

			/* out of the port it came in, from our link-local address */
			CU_ASSERT(caps[0].port == 0 && memcmp(caps[0].nh, s, 16) == 0);
			CU_ASSERT(memcmp(ip->src_addr, OUR_LL, 16) == 0);
		}
		rte_pktmbuf_free(m);
	}
	/* the token bucket */
	reset();
	lc.icmp_tokens = 2;
	for (int i = 0; i < 5; i++) {
		struct rte_mbuf *m = udp_pkt(PEER_G1, OUR_G1, 100, 2048);

		rb_icmp6_error(&lc, m, 1, 4, 0);
		rte_pktmbuf_free(m);
	}
	CU_ASSERT(n_caps == 2);
	CU_ASSERT(EVENTS(ICMP_RATELIMIT) == 3);
	reset();
}

/* ---- Neighbor Discovery ---- */

static struct rte_mbuf *nd_pkt(uint8_t type, const uint8_t *src, const uint8_t *dst,
			       const uint8_t *target, uint32_t flags, uint8_t opt)
{
	uint8_t b[128], body[32];
	uint32_t n = nd_body(body, target, opt, PEER_MAC);

	return mk(b, icmp6_pkt(b, src, dst, 255, type, 0, flags, body, n), 2048);
}

/* Check a captured NA frame (data at the Ethernet header). */
static void check_na(const struct cap *c, const uint8_t *dmac, const uint8_t *dst,
		     const uint8_t *target, uint32_t flags)
{
	const struct rte_ether_hdr *eh = rte_pktmbuf_mtod(c->m, const struct rte_ether_hdr *);
	const struct rte_ipv6_hdr *ip = (const struct rte_ipv6_hdr *)(eh + 1);
	const struct rb_nd_msg *na = (const struct rb_nd_msg *)(ip + 1);
	const struct rb_nd_opt_lla *o = (const struct rb_nd_opt_lla *)(na + 1);

	CU_ASSERT(c->kind == CAP_L2 && c->port == 0);
	CU_ASSERT(memcmp(&eh->dst_addr, dmac, 6) == 0);
	CU_ASSERT(memcmp(&eh->src_addr, OUR_MAC, 6) == 0);
	CU_ASSERT(eh->ether_type == rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV6));
	CU_ASSERT(rte_pktmbuf_pkt_len(c->m) == 14 + 40 + 32);
	CU_ASSERT(ip->hop_limits == 255 && ip->proto == 58);
	CU_ASSERT(memcmp(ip->src_addr, target, 16) == 0);
	CU_ASSERT(memcmp(ip->dst_addr, dst, 16) == 0);
	CU_ASSERT(na->hdr.type == 136 && na->hdr.code == 0);
	CU_ASSERT(rte_be_to_cpu_32(na->hdr.data) == flags);
	CU_ASSERT(memcmp(na->target, target, 16) == 0);
	CU_ASSERT(o->type == RB_ND_OPT_TLLA && o->len == 1 && memcmp(o->mac, OUR_MAC, 6) == 0);
	CU_ASSERT(cksum_ok(c->m, 14));
}

void test_nd_ns(void)
{
	uint8_t sn[16], other[16];
	struct rb_nd_info nd;
	struct rte_mbuf *m;

	/* NS for our link-local address, multicast, with SLLA */
	reset();
	memset(&nupd, 0, sizeof(nupd));
	rb_ip6_solicited_node(OUR_LL, sn);
	input(nd_pkt(135, PEER_LL, sn, OUR_LL, 0, RB_ND_OPT_SLLA));
	CU_ASSERT_FATAL(n_caps == 1);
	check_na(&caps[0], PEER_MAC, PEER_LL, OUR_LL, 0xe0000000); /* R, S, O */
	CU_ASSERT(nupd.n == 1 && nupd.create == 1);
	CU_ASSERT(memcmp(nupd.ip, PEER_LL, 16) == 0 && memcmp(nupd.mac, PEER_MAC, 6) == 0);
	CU_ASSERT(n_bcast == 1);
	CU_ASSERT(EVENTS(ND_NS_RX) == 1 && EVENTS(ND_NA_TX) == 1);
	CU_ASSERT(total_drops() == 0);

	/* unicast NS for our global address without SLLA: NA resolved normally */
	reset();
	memset(&nupd, 0, sizeof(nupd));
	input(nd_pkt(135, PEER_G1, OUR_G1, OUR_G1, 0, 0));
	CU_ASSERT_FATAL(n_caps == 1);
	CU_ASSERT(caps[0].kind == CAP_IP6_TX && memcmp(caps[0].nh, PEER_G1, 16) == 0);
	CU_ASSERT(nupd.n == 0 && n_bcast == 0);

	/* DAD probe for our address: NA to all-nodes, S clear, nothing learned */
	reset();
	memset(&nupd, 0, sizeof(nupd));
	rb_ip6_solicited_node(OUR_G1, sn);
	input(nd_pkt(135, (const uint8_t[16]){0}, sn, OUR_G1, 0, 0));
	CU_ASSERT_FATAL(n_caps == 1);
	check_na(&caps[0], (const uint8_t *)"\x33\x33\x00\x00\x00\x01", ALL_NODES, OUR_G1,
		 0xa0000000); /* R, O */
	CU_ASSERT(nupd.n == 0 && n_bcast == 0);

	/* NS for an address that is not ours, sent to a group we are in */
	reset();
	a6("2001:db8:1::1:0:1", other); /* same solicited-node group as ::1 */
	input(nd_pkt(135, PEER_G1, sn, other, 0, RB_ND_OPT_SLLA));
	CU_ASSERT(n_caps == 0 && DROPS(ND_NOT_FOR_US) == 1);

	/* NS to a group we are not in */
	reset();
	rb_ip6_solicited_node(other, sn);
	sn[15] ^= 0x55;
	input(nd_pkt(135, PEER_G1, sn, other, 0, RB_ND_OPT_SLLA));
	CU_ASSERT(n_caps == 0 && DROPS(IP6_NOT_FOR_US) == 1);

	/* routed (hop limit 254) */
	reset();
	{
		uint8_t b[128], body[32];
		uint32_t n = nd_body(body, OUR_G1, RB_ND_OPT_SLLA, PEER_MAC);

		input(mk(b, icmp6_pkt(b, PEER_G1, OUR_G1, 254, 135, 0, 0, body, n), 2048));
		CU_ASSERT(n_caps == 0 && DROPS(ND_MALFORMED) == 1);
		/* bad checksum */
		reset();
		icmp6_pkt(b, PEER_G1, OUR_G1, 255, 135, 0, 0, body, n);
		b[60] ^= 1;
		input(mk(b, 48 + n, 2048));
		CU_ASSERT(n_caps == 0 && DROPS(ICMP6_MALFORMED) == 1);
	}

	/* a learn-only copy: learns, never answers, counts nothing */
	reset();
	memset(&nupd, 0, sizeof(nupd));
	rb_ip6_solicited_node(OUR_LL, sn);
	m = nd_pkt(135, PEER_LL, sn, OUR_LL, 0, RB_ND_OPT_SLLA);
	rb_meta(m)->kind = RB_MK_LEARN;
	rb_nd_input(&lc, m, 1);
	CU_ASSERT(n_caps == 0 && n_bcast == 0 && nupd.n == 1 && nupd.create == 1);
	CU_ASSERT(EVENTS(ND_NS_RX) == 0 && total_drops() == 0);

	/* NS from our own address */
	reset();
	rb_ip6_solicited_node(OUR_LL, sn);
	input(nd_pkt(135, OUR_G1, sn, OUR_LL, 0, RB_ND_OPT_SLLA));
	CU_ASSERT(n_caps == 0 && DROPS(ND_DUP_ADDR) == 1);
	(void)nd;
	reset();
}

void test_nd_na(void)
{
	static const uint8_t OLD_MAC[6] = {0x02, 0, 0, 0, 0, 0x99};
	uint8_t peer3[16];

	memset(ntab, 0, sizeof(ntab));
	a6("2001:db8:1::3", peer3);
	/* an entry we are resolving */
	ntab[0].state = RB_NEIGH_INCOMPLETE;
	ntab[0].family = AF_INET6;
	memcpy(ntab[0].ip, PEER_G1, 16);
	/* an entry already resolved to another MAC */
	ntab[1].state = RB_NEIGH_REACHABLE;
	ntab[1].family = AF_INET6;
	memcpy(ntab[1].ip, peer3, 16);
	memcpy(ntab[1].mac, OLD_MAC, 6);

	reset();
	memset(&nupd, 0, sizeof(nupd));
	input(nd_pkt(136, PEER_G1, OUR_G1, PEER_G1, RB_ND_NA_SOLICITED, RB_ND_OPT_TLLA));
	CU_ASSERT(nupd.n == 1 && nupd.create == 0 && memcmp(nupd.mac, PEER_MAC, 6) == 0);
	CU_ASSERT(ntab[0].state == RB_NEIGH_REACHABLE);
	CU_ASSERT(n_bcast == 1 && n_caps == 0 && EVENTS(ND_NA_RX) == 1);

	/* without Override a different MAC is not taken ... */
	reset();
	memset(&nupd, 0, sizeof(nupd));
	input(nd_pkt(136, peer3, OUR_G1, peer3, RB_ND_NA_SOLICITED, RB_ND_OPT_TLLA));
	CU_ASSERT(nupd.n == 0 && memcmp(ntab[1].mac, OLD_MAC, 6) == 0);
	/* ... with it, it is */
	input(nd_pkt(136, peer3, OUR_G1, peer3, RB_ND_NA_SOLICITED | RB_ND_NA_OVERRIDE,
		     RB_ND_OPT_TLLA));
	CU_ASSERT(nupd.n == 1 && memcmp(ntab[1].mac, PEER_MAC, 6) == 0);

	/* unsolicited NA for a neighbor we do not know: nothing created */
	reset();
	memset(&nupd, 0, sizeof(nupd));
	input(nd_pkt(136, FAR, ALL_NODES, FAR, RB_ND_NA_OVERRIDE, RB_ND_OPT_TLLA));
	CU_ASSERT(nupd.n == 0 && EVENTS(ND_NA_RX) == 1 && total_drops() == 0);

	/* NA claiming our address */
	reset();
	input(nd_pkt(136, PEER_G1, ALL_NODES, OUR_G1, RB_ND_NA_OVERRIDE, RB_ND_OPT_TLLA));
	CU_ASSERT(DROPS(ND_DUP_ADDR) == 1);

	/* NA with a fragment header (RFC 6980) */
	reset();
	{
		uint8_t b[160], body[32];
		uint32_t n = nd_body(body, PEER_G1, RB_ND_OPT_TLLA, PEER_MAC), len;

		len = icmp6_pkt(b + 8, PEER_G1, OUR_G1, 255, 136, 0, RB_ND_NA_SOLICITED, body, n);
		memmove(b, b + 8, 40);
		ip6_hdr(b, PEER_G1, OUR_G1, RB_IP6_NH_FRAGMENT, 255, len - 40 + 8);
		unhex("3a00 0000 00000001", b + 40);
		input(mk(b, len + 8, 2048));
		CU_ASSERT(DROPS(ND_MALFORMED) == 1 && n_caps == 0);
	}
	memset(ntab, 0, sizeof(ntab));
	reset();
}

void test_nd_solicit(void)
{
	const struct rte_ether_hdr *eh;
	const struct rte_ipv6_hdr *ip;
	const struct rb_nd_msg *ns;
	const struct rb_nd_opt_lla *o;
	uint8_t sn[16];

	reset();
	rb_nd_solicit(&lc, 0, PEER_G1, 0, NULL);
	CU_ASSERT_FATAL(n_caps == 1 && caps[0].kind == CAP_L2);
	eh = rte_pktmbuf_mtod(caps[0].m, const struct rte_ether_hdr *);
	ip = (const struct rte_ipv6_hdr *)(eh + 1);
	ns = (const struct rb_nd_msg *)(ip + 1);
	o = (const struct rb_nd_opt_lla *)(ns + 1);
	rb_ip6_solicited_node(PEER_G1, sn);
	CU_ASSERT(memcmp(&eh->dst_addr, "\x33\x33\xff\x00\x00\x02", 6) == 0);
	CU_ASSERT(memcmp(ip->dst_addr, sn, 16) == 0 && memcmp(ip->src_addr, OUR_G1, 16) == 0);
	CU_ASSERT(ip->hop_limits == 255 && ns->hdr.type == 135 && ns->hdr.data == 0);
	CU_ASSERT(memcmp(ns->target, PEER_G1, 16) == 0);
	CU_ASSERT(o->type == RB_ND_OPT_SLLA && memcmp(o->mac, OUR_MAC, 6) == 0);
	CU_ASSERT(cksum_ok(caps[0].m, 14));
	CU_ASSERT(EVENTS(ND_NS_TX) == 1);
	/* what we send passes our own validation */
	{
		struct rb_nd_info nd;

		CU_ASSERT(rb_nd_parse(ip, (const uint8_t *)ns, 32, &nd) == 0 && nd.has_lla);
	}

	/* unicast re-probe of a stale entry, link-local: from our link-local */
	reset();
	rb_nd_solicit(&lc, 0, PEER_LL, 1, PEER_MAC);
	CU_ASSERT_FATAL(n_caps == 1);
	eh = rte_pktmbuf_mtod(caps[0].m, const struct rte_ether_hdr *);
	ip = (const struct rte_ipv6_hdr *)(eh + 1);
	CU_ASSERT(memcmp(&eh->dst_addr, PEER_MAC, 6) == 0);
	CU_ASSERT(memcmp(ip->dst_addr, PEER_LL, 16) == 0 && memcmp(ip->src_addr, OUR_LL, 16) == 0);
	CU_ASSERT(cksum_ok(caps[0].m, 14));
	reset();
}

/* ---- echo, forwarding, local delivery ---- */

void test_echo(void)
{
	uint8_t b[256], data[64];
	const struct rte_ipv6_hdr *ip;
	const struct rb_icmp6_hdr *ic;

	for (int i = 0; i < 64; i++)
		data[i] = (uint8_t)i;
	reset();
	input(mk(b, icmp6_pkt(b, PEER_G1, OUR_G1, 64, 128, 0, 0x12340001, data, 64), 2048));
	CU_ASSERT_FATAL(n_caps == 1);
	CU_ASSERT(caps[0].kind == CAP_IP6_TX && caps[0].port == 0);
	CU_ASSERT(memcmp(caps[0].nh, PEER_G1, 16) == 0);
	ip = rte_pktmbuf_mtod(caps[0].m, const struct rte_ipv6_hdr *);
	ic = (const struct rb_icmp6_hdr *)(ip + 1);
	CU_ASSERT(memcmp(ip->src_addr, OUR_G1, 16) == 0 && memcmp(ip->dst_addr, PEER_G1, 16) == 0);
	CU_ASSERT(ip->hop_limits == 64 && rte_be_to_cpu_16(ip->payload_len) == 72);
	CU_ASSERT(ic->type == 129 && ic->code == 0 && ic->data == rte_cpu_to_be_32(0x12340001));
	CU_ASSERT(memcmp(ic + 1, data, 64) == 0);
	CU_ASSERT(cksum_ok(caps[0].m, 0));
	CU_ASSERT(EVENTS(ICMP6_ECHO_REPLY) == 1 && EVENTS(IP6_LOCAL) == 1);

	/* to all-nodes from a link-local peer: from our link-local, out port 0 */
	reset();
	input(mk(b, icmp6_pkt(b, PEER_LL, ALL_NODES, 1, 128, 0, 7, data, 8), 2048));
	CU_ASSERT_FATAL(n_caps == 1);
	CU_ASSERT(caps[0].kind == CAP_IP6_TX && caps[0].port == 0);
	CU_ASSERT(memcmp(caps[0].nh, PEER_LL, 16) == 0);
	ip = rte_pktmbuf_mtod(caps[0].m, const struct rte_ipv6_hdr *);
	CU_ASSERT(memcmp(ip->src_addr, OUR_LL, 16) == 0);
	CU_ASSERT(cksum_ok(caps[0].m, 0));

	/* to our address on the other port (weak host model) */
	reset();
	input(mk(b, icmp6_pkt(b, PEER_G1, OUR_G2, 64, 128, 0, 7, data, 8), 2048));
	CU_ASSERT_FATAL(n_caps == 1);
	ip = rte_pktmbuf_mtod(caps[0].m, const struct rte_ipv6_hdr *);
	CU_ASSERT(memcmp(ip->src_addr, OUR_G2, 16) == 0);

	/* bad checksum, truncated message */
	reset();
	icmp6_pkt(b, PEER_G1, OUR_G1, 64, 128, 0, 7, data, 8);
	b[50] ^= 0xff;
	input(mk(b, 56, 2048));
	ip6_hdr(b, PEER_G1, OUR_G1, RB_IP6_NH_ICMPV6, 64, 4);
	input(mk(b, 44, 2048));
	CU_ASSERT(n_caps == 0 && DROPS(ICMP6_MALFORMED) == 2);

	/* RS, RA, echo reply: not handled */
	reset();
	input(mk(b, icmp6_pkt(b, PEER_LL, ALL_NODES, 255, 133, 0, 0, data, 0), 2048));
	input(mk(b, icmp6_pkt(b, PEER_LL, ALL_NODES, 255, 134, 0, 0, data, 8), 2048));
	input(mk(b, icmp6_pkt(b, PEER_G1, OUR_G1, 64, 129, 0, 0, data, 8), 2048));
	CU_ASSERT(n_caps == 0 && DROPS(ICMP6_UNHANDLED) == 3);
	reset();
}

static const struct rb_icmp6_hdr *cap_icmp(int i)
{
	return rte_pktmbuf_mtod_offset(caps[i].m, const struct rb_icmp6_hdr *, 40);
}

void test_forward(void)
{
	uint8_t b[2048];
	const struct rte_ipv6_hdr *ip;

	memset(b, 0xab, sizeof(b));
	/* connected on port 1 */
	reset();
	input(udp_pkt(PEER_G1, FAR, 200, 2048));
	CU_ASSERT_FATAL(n_caps == 1);
	CU_ASSERT(caps[0].kind == CAP_IP6_TX && caps[0].port == 1);
	CU_ASSERT(memcmp(caps[0].nh, FAR, 16) == 0);
	ip = rte_pktmbuf_mtod(caps[0].m, const struct rte_ipv6_hdr *);
	CU_ASSERT(ip->hop_limits == 63 && EVENTS(IP6_FORWARD) == 1);

	/* via a gateway */
	reset();
	input(udp_pkt(PEER_G1, GW3, 200, 2048));
	CU_ASSERT_FATAL(n_caps == 1);
	CU_ASSERT(caps[0].port == 0 && memcmp(caps[0].nh, VIA3, 16) == 0);

	/* hop limit 1 and 0: time exceeded back to the source */
	for (uint8_t h = 0; h <= 1; h++) {
		struct rte_mbuf *m = udp_pkt(PEER_G1, FAR, 200, 2048);

		rte_pktmbuf_mtod(m, struct rte_ipv6_hdr *)->hop_limits = h;
		reset();
		input(m);
		CU_ASSERT_FATAL(n_caps == 1);
		CU_ASSERT(caps[0].port == 0 && memcmp(caps[0].nh, PEER_G1, 16) == 0);
		CU_ASSERT(cap_icmp(0)->type == 3 && cap_icmp(0)->code == 0);
		ip = rte_pktmbuf_mtod(caps[0].m, const struct rte_ipv6_hdr *);
		/* from our address on the ingress interface (traceroute6) */
		CU_ASSERT(memcmp(ip->src_addr, OUR_G1, 16) == 0);
		CU_ASSERT(DROPS(TTL_EXPIRED) == 1 && EVENTS(IP6_FORWARD) == 0);
	}

	/* hop limit 1 to us is still delivered */
	reset();
	{
		uint8_t e[64];

		input(mk(e, icmp6_pkt(e, PEER_G1, OUR_G1, 1, 128, 0, 1, e, 0), 2048));
		CU_ASSERT(n_caps == 1 && EVENTS(ICMP6_ECHO_REPLY) == 1);
	}

	/* too big for port 1 (MTU 1280): Packet Too Big with the MTU */
	reset();
	input(udp_pkt(PEER_G1, FAR, 1281, 2048));
	CU_ASSERT_FATAL(n_caps == 1);
	CU_ASSERT(cap_icmp(0)->type == 2 && rte_be_to_cpu_32(cap_icmp(0)->data) == 1280);
	CU_ASSERT(DROPS(MTU_EXCEEDED) == 1);
	reset();
	input(udp_pkt(PEER_G1, FAR, 1280, 2048));
	CU_ASSERT(n_caps == 1 && caps[0].port == 1 && total_drops() == 0);

	/* no route */
	reset();
	input(udp_pkt(PEER_G1, NOROUTE, 100, 2048));
	CU_ASSERT_FATAL(n_caps == 1);
	CU_ASSERT(cap_icmp(0)->type == 1 && cap_icmp(0)->code == 0 && DROPS(NO_ROUTE) == 1);

	/* link-local source or destination never leaves the link */
	reset();
	input(udp_pkt(PEER_LL, FAR, 100, 2048));
	CU_ASSERT_FATAL(n_caps == 1);
	CU_ASSERT(cap_icmp(0)->type == 1 && cap_icmp(0)->code == 2 && DROPS(IP6_SCOPE) == 1);
	reset();
	{
		uint8_t ll3[16];

		a6("fe80::3", ll3);
		input(udp_pkt(PEER_LL, ll3, 100, 2048));
		CU_ASSERT(n_caps == 0 && DROPS(IP6_NOT_FOR_US) == 1);
	}
	/* other groups */
	reset();
	{
		uint8_t g[16];

		a6("ff02::fb", g);
		input(udp_pkt(PEER_LL, g, 100, 2048));
		a6("ff05::2", g);
		input(udp_pkt(PEER_G1, g, 100, 2048));
		CU_ASSERT(n_caps == 0 && DROPS(IP6_NOT_FOR_US) == 2);
	}
	/* source :: is never forwarded */
	reset();
	input(udp_pkt((const uint8_t[16]){0}, FAR, 100, 2048));
	CU_ASSERT(n_caps == 0 && DROPS(IP6_BAD_SRC) == 1);

	/* a Hop-by-Hop option that must be discarded, on the forwarding path */
	reset();
	{
		uint32_t n = unhex("1100 5e04 00000000", b + 40);

		ip6_hdr(b, PEER_G1, FAR, RB_IP6_NH_HOPOPTS, 64, n + 8);
		input(mk(b, 40 + n + 8, 2048));
		CU_ASSERT(n_caps == 0 && DROPS(IP6_BAD_OPTION) == 1);
		/* ... and a destination option is not looked at by routers */
		reset();
		unhex("1100 5e04 00000000", b + 40);
		ip6_hdr(b, PEER_G1, FAR, RB_IP6_NH_DSTOPTS, 64, n + 8);
		input(mk(b, 40 + n + 8, 2048));
		CU_ASSERT(n_caps == 1 && caps[0].port == 1 && total_drops() == 0);
	}
	reset();
}

void test_validate(void)
{
	struct rte_mbuf *m;
	uint8_t lo[16];

	reset();
	m = udp_pkt(PEER_G1, OUR_G1, 100, 2048);
	rte_pktmbuf_mtod(m, uint8_t *)[0] = 0x45;
	input(m);
	CU_ASSERT(DROPS(IP6_BAD_VERSION) == 1);
	m = udp_pkt(PEER_G1, OUR_G1, 100, 2048);
	rte_pktmbuf_mtod(m, struct rte_ipv6_hdr *)->payload_len = rte_cpu_to_be_16(61);
	input(m);
	CU_ASSERT(DROPS(IP6_BAD_LEN) == 1);
	m = udp_pkt(PEER_G1, OUR_G1, 100, 2048);
	rte_pktmbuf_trim(m, 80);
	input(m);
	CU_ASSERT(DROPS(IP6_SHORT) == 1);
	a6("ff02::1", lo);
	input(udp_pkt(lo, OUR_G1, 100, 2048));
	a6("::1", lo);
	input(udp_pkt(lo, OUR_G1, 100, 2048));
	CU_ASSERT(DROPS(IP6_BAD_SRC) == 2);
	input(udp_pkt(PEER_G1, lo, 100, 2048));
	input(udp_pkt(PEER_G1, (const uint8_t[16]){0}, 100, 2048));
	CU_ASSERT(DROPS(IP6_BAD_DST) == 2);
	CU_ASSERT(n_caps == 0 && total_drops() == 7);

	/* Ethernet padding is trimmed: a 44-octet datagram in a 64-octet frame */
	reset();
	m = udp_pkt(PEER_G1, OUR_G1, 64, 2048);
	rte_pktmbuf_mtod(m, struct rte_ipv6_hdr *)->payload_len = rte_cpu_to_be_16(8);
	input(m);
	CU_ASSERT_FATAL(n_caps == 1 && caps[0].kind == CAP_UDP);
	CU_ASSERT(rte_pktmbuf_pkt_len(caps[0].m) == 8);
	reset();
}

/* Destination Unreachable and Packet Too Big quoting a TCP segment of ours
 * go to TCP (tcp_icmp_input) on the worker that owns the quoted flow:
 * handed over at L3 when another one does, parsed again there. */
void test_icmp6_to_tcp(void)
{
	static const struct {
		const char *name;
		uint8_t type, code, proto;
		uint32_t word, quote;   /* quoted bytes: IPv6 header + TCP */
		unsigned owner;
		int tcp;                /* handed to TCP */
		int drop;               /* -1 none, else the drop reason */
	} rows[] = {
		{"PTB 1280", 2, 0, RB_IP6_NH_TCP, 1280, 60, 0, 1, -1},
		{"port unreachable", 1, 4, RB_IP6_NH_TCP, 0, 48, 0, 1, -1},
		{"PTB, another worker's flow", 2, 0, RB_IP6_NH_TCP, 1400, 60, 3, 1, -1},
		{"quote of UDP", 1, 4, RB_IP6_NH_UDP, 0, 48, 0, 0, RB_DROP_ICMP6_UNHANDLED},
		{"quote cut in the TCP ports", 2, 0, RB_IP6_NH_TCP, 1280, 44, 0, 0,
		 RB_DROP_TCP_ICMP_QUOTE_BAD},
		{"time exceeded", 3, 0, RB_IP6_NH_TCP, 0, 60, 0, 0, RB_DROP_ICMP6_UNHANDLED},
	};
	uint8_t q[60], b[160];

	for (size_t i = 0; i < RTE_DIM(rows); i++) {
		struct rte_mbuf *m;
		uint32_t n;

		reset();
		n_icmp_tcp = 0;
		flow_owner = rows[i].owner;
		memset(q, 0, sizeof(q));
		/* the segment we sent: OUR_G1:40000 -> FAR:443, seq 77 */
		ip6_hdr(q, OUR_G1, FAR, rows[i].proto, 64, 20);
		q[40] = 0x9c, q[41] = 0x40, q[42] = 0x01, q[43] = 0xbb, q[47] = 77;
		n = icmp6_pkt(b, PEER_G1, OUR_G1, 64, rows[i].type, rows[i].code, rows[i].word, q,
			      rows[i].quote);
		input(mk(b, n, 2048));
		if (rows[i].owner != 0) {
			CU_ASSERT_FATAL(n_caps == 1 && caps[0].kind == CAP_HANDOFF &&
					caps[0].owner == rows[i].owner);
			CU_ASSERT_EQUAL(n_icmp_tcp, 0);
			m = caps[0].m;
			n_caps = 0;
			rb_ip6_local(&lc, m); /* on the owner */
		}
		CU_ASSERT_EQUAL(n_caps, 0);
		CU_ASSERT_EQUAL(n_icmp_tcp, (unsigned)rows[i].tcp);
		if (rows[i].drop >= 0)
			CU_ASSERT_EQUAL(st.drops[rows[i].drop], 1);
		if (!rows[i].tcp || n_icmp_tcp != 1)
			continue;
		CU_ASSERT(memcmp(icmp_tcp_last.laddr, OUR_G1, 16) == 0);
		CU_ASSERT(memcmp(icmp_tcp_last.raddr, FAR, 16) == 0);
		CU_ASSERT(rte_be_to_cpu_16(icmp_tcp_last.lport) == 40000 &&
			  rte_be_to_cpu_16(icmp_tcp_last.rport) == 443 && icmp_tcp_last.seq == 77);
		CU_ASSERT(icmp_tcp_last.kind == (rows[i].type == 2 ? TCP_ICMP_PMTU : TCP_ICMP_HARD));
		CU_ASSERT(rows[i].type != 2 || icmp_tcp_last.mtu == rows[i].word);
	}
	reset();
}

void test_local_l4(void)
{
	uint8_t b[256];
	const struct rte_ipv6_hdr *ip;
	struct rte_mbuf *m;

	/* we own the flow: L4 gets data at its header, IPv6 at -l3_len */
	reset();
	input(udp_pkt(PEER_G1, OUR_G1, 100, 2048));
	CU_ASSERT_FATAL(n_caps == 1 && caps[0].kind == CAP_UDP);
	m = caps[0].m;
	CU_ASSERT(m->l3_len == 40 && m->l2_len == 0 && rb_meta(m)->l3 == 6);
	CU_ASSERT(rte_pktmbuf_pkt_len(m) == 60);
	ip = rte_pktmbuf_mtod_offset(m, const struct rte_ipv6_hdr *, -40);
	CU_ASSERT(memcmp(ip->src_addr, PEER_G1, 16) == 0);

	/* another worker owns it: handed over at L3; it re-enters and is delivered */
	reset();
	flow_owner = 3;
	memset(b, 0, sizeof(b));
	ip6_hdr(b, PEER_G1, OUR_G1, RB_IP6_NH_TCP, 64, 20);
	input(mk(b, 60, 2048));
	CU_ASSERT_FATAL(n_caps == 1 && caps[0].kind == CAP_HANDOFF && caps[0].owner == 3);
	m = caps[0].m;
	n_caps = 0;
	CU_ASSERT(rte_pktmbuf_mtod(m, const struct rte_ipv6_hdr *)->proto == RB_IP6_NH_TCP);
	rb_ip6_local(&lc, m); /* on the owner; flow_owner still says 3 */
	CU_ASSERT_FATAL(n_caps == 1 && caps[0].kind == CAP_TCP);
	CU_ASSERT(EVENTS(IP6_LOCAL) == 1);

	/* extension headers are removed before L4 */
	reset();
	{
		uint32_t n = unhex("3c00 0104 00000000 1100 0000 00000000", b + 40);

		for (uint32_t i = 0; i < 16; i++)
			b[40 + n + i] = (uint8_t)(0xa0 + i);
		ip6_hdr(b, PEER_G1, OUR_G1, RB_IP6_NH_HOPOPTS, 64, n + 16);
		input(mk(b, 40 + n + 16, 2048));
		CU_ASSERT_FATAL(n_caps == 1 && caps[0].kind == CAP_UDP);
		m = caps[0].m;
		ip = rte_pktmbuf_mtod_offset(m, const struct rte_ipv6_hdr *, -40);
		CU_ASSERT(m->l3_len == 40 && ip->proto == RB_IP6_NH_UDP);
		CU_ASSERT(rte_be_to_cpu_16(ip->payload_len) == 16 && rte_pktmbuf_pkt_len(m) == 16);
		CU_ASSERT(rte_pktmbuf_mtod(m, uint8_t *)[0] == 0xa0);
		CU_ASSERT(memcmp(ip->dst_addr, OUR_G1, 16) == 0);
	}

	/* unknown upper layer: Parameter Problem code 1 at the Next Header field */
	reset();
	ip6_hdr(b, PEER_G1, OUR_G1, 253, 64, 8);
	input(mk(b, 48, 2048));
	CU_ASSERT_FATAL(n_caps == 1);
	CU_ASSERT(cap_icmp(0)->type == 4 && cap_icmp(0)->code == 1);
	CU_ASSERT(rte_be_to_cpu_32(cap_icmp(0)->data) == 6 && DROPS(PROTO_UNREACH) == 1);
	/* ... behind a Destination Options header, the pointer follows */
	reset();
	unhex("fd00 0104 00000000", b + 40);
	ip6_hdr(b, PEER_G1, OUR_G1, RB_IP6_NH_DSTOPTS, 64, 8);
	input(mk(b, 48, 2048));
	CU_ASSERT_FATAL(n_caps == 1);
	CU_ASSERT(rte_be_to_cpu_32(cap_icmp(0)->data) == 40);
	/* No Next Header: silently nothing */
	reset();
	ip6_hdr(b, PEER_G1, OUR_G1, RB_IP6_NH_NONE, 64, 0);
	input(mk(b, 40, 2048));
	CU_ASSERT(n_caps == 0 && DROPS(PROTO_UNREACH) == 1);
	/* unknown destination option with action 10: Parameter Problem code 2 */
	reset();
	unhex("1100 9e04 00000000", b + 40);
	ip6_hdr(b, PEER_G1, OUR_G1, RB_IP6_NH_DSTOPTS, 64, 8);
	input(mk(b, 48, 2048));
	CU_ASSERT_FATAL(n_caps == 1);
	CU_ASSERT(cap_icmp(0)->type == 4 && cap_icmp(0)->code == 2);
	CU_ASSERT(rte_be_to_cpu_32(cap_icmp(0)->data) == 42 && DROPS(IP6_BAD_OPTION) == 1);
	/* a routing header with segments left: code 0 at the routing type */
	reset();
	unhex("1100 0001 00000000", b + 40);
	ip6_hdr(b, PEER_G1, OUR_G1, RB_IP6_NH_ROUTING, 64, 8);
	input(mk(b, 48, 2048));
	CU_ASSERT_FATAL(n_caps == 1);
	CU_ASSERT(cap_icmp(0)->code == 0 && rte_be_to_cpu_32(cap_icmp(0)->data) == 42);
	CU_ASSERT(DROPS(IP6_ROUTING_SEGLEFT) == 1);
	/* too many extension headers */
	reset();
	for (int i = 0; i < 9; i++)
		unhex("3c00 0104 00000000", b + 40 + 8 * i);
	b[40 + 64] = RB_IP6_NH_UDP;
	ip6_hdr(b, PEER_G1, OUR_G1, RB_IP6_NH_DSTOPTS, 64, 72);
	input(mk(b, 112, 2048));
	CU_ASSERT(n_caps == 0 && DROPS(IP6_EXTHDR_LIMIT) == 1);
	/* UDP to all-nodes: no listeners on groups */
	reset();
	input(udp_pkt(PEER_LL, ALL_NODES, 100, 2048));
	CU_ASSERT(n_caps == 0 && DROPS(IP6_NOT_FOR_US) == 1);
	reset();
}

/* ---- fragments ---- */

/* Fragment an ICMPv6 echo request of `data` octets into pieces of at most
 * `chunk` octets of fragmentable part; returns the number of fragments. */
static int make_frags(struct rte_mbuf **out, uint32_t data, uint32_t chunk, uint32_t id)
{
	static uint8_t whole[8192], b[2048];
	uint32_t flen, n = 0;

	for (uint32_t i = 0; i < data; i++)
		whole[48 + i] = (uint8_t)(i * 13 + 1);
	flen = icmp6_pkt(whole, PEER_G1, OUR_G1, 64, 128, 0, 0x00770001, whole + 48, data) - 40;
	for (uint32_t fo = 0; fo < flen; fo += chunk, n++) {
		uint32_t len = RTE_MIN(chunk, flen - fo);

		ip6_hdr(b, PEER_G1, OUR_G1, RB_IP6_NH_FRAGMENT, 64, 8 + len);
		b[40] = RB_IP6_NH_ICMPV6;
		b[41] = 0;
		*(uint16_t *)(b + 42) = rte_cpu_to_be_16((uint16_t)(fo | (fo + len < flen)));
		*(uint32_t *)(b + 44) = rte_cpu_to_be_32(id);
		memcpy(b + 48, whole + 40 + fo, len);
		out[n] = mk(b, 48 + len, 2048);
	}
	return (int)n;
}

/* Reassemble the captured reply fragments (in order) and check the echo. */
static void check_frag_reply(uint32_t data, uint32_t mtu)
{
	static uint8_t whole[8192];
	uint32_t total = 0, id = 0;
	const struct rte_ipv6_hdr *ip = NULL;

	CU_ASSERT_FATAL(n_caps >= 2);
	for (int i = 0; i < n_caps; i++) {
		const struct rte_ipv6_fragment_ext *fh;
		uint32_t len;

		CU_ASSERT(caps[i].kind == CAP_IP6_TX && caps[i].port == 0);
		CU_ASSERT(rte_pktmbuf_pkt_len(caps[i].m) <= mtu);
		ip = rte_pktmbuf_mtod(caps[i].m, const struct rte_ipv6_hdr *);
		fh = (const struct rte_ipv6_fragment_ext *)(ip + 1);
		CU_ASSERT_FATAL(ip->proto == RB_IP6_NH_FRAGMENT && fh->next_header == 58);
		len = rte_be_to_cpu_16(ip->payload_len) - 8;
		CU_ASSERT(RB_IP6_FRAG_OFF(fh->frag_data) == total);
		CU_ASSERT(RB_IP6_FRAG_MF(fh->frag_data) == (i + 1 < n_caps));
		if (i == 0)
			id = fh->id;
		CU_ASSERT(fh->id == id);
		CU_ASSERT_FATAL(total + len <= sizeof(whole));
		memcpy(whole + 40 + total, (const uint8_t *)(fh + 1), len);
		total += len;
	}
	CU_ASSERT(total == 8 + data);
	memcpy(whole, ip, 40);
	((struct rte_ipv6_hdr *)whole)->proto = 58;
	CU_ASSERT(whole[40] == 129);
	CU_ASSERT(rb_ip6_sum_buf(OUR_G1, PEER_G1, 58, whole + 40, total) == 0xffff);
	for (uint32_t i = 0; i < data; i++)
		if (whole[48 + i] != (uint8_t)(i * 13 + 1)) {
			CU_FAIL("echo data differs");
			break;
		}
}

void test_reassembly(void)
{
	struct rte_mbuf *f[16];
	int n;

	/* ping -s 4000: three fragments in order, the reply fragmented back */
	reset();
	n = make_frags(f, 4000, 1448, 1);
	CU_ASSERT(n == 3);
	for (int i = 0; i < n; i++)
		input(f[i]);
	CU_ASSERT(EVENTS(FRAG_REASSEMBLED) == 1 && EVENTS(ICMP6_ECHO_REPLY) == 1);
	CU_ASSERT(EVENTS(FRAG_TX) == (uint64_t)n_caps && total_drops() == 0);
	check_frag_reply(4000, 1500);

	/* out of order */
	reset();
	n = make_frags(f, 3000, 1000, 2);
	CU_ASSERT(n == 4);
	input(f[3]);
	input(f[1]);
	input(f[0]);
	CU_ASSERT(n_caps == 0);
	input(f[2]);
	CU_ASSERT(EVENTS(FRAG_REASSEMBLED) == 1);
	check_frag_reply(3000, 1500);

	/* behind a Destination Options header (per-fragment part) */
	reset();
	n = make_frags(f, 2000, 1200, 3);
	for (int i = 0; i < n; i++) {
		uint8_t *p;

		CU_ASSERT_FATAL(rte_pktmbuf_prepend(f[i], 8) != NULL);
		p = rte_pktmbuf_mtod(f[i], uint8_t *);
		memmove(p, p + 8, 40);
		unhex("2c00 0104 00000000", p + 40);
		p[6] = RB_IP6_NH_DSTOPTS;
		((struct rte_ipv6_hdr *)p)->payload_len = rte_cpu_to_be_16(
			(uint16_t)(rte_be_to_cpu_16(((struct rte_ipv6_hdr *)p)->payload_len) + 8));
		input(f[i]);
	}
	CU_ASSERT(EVENTS(FRAG_REASSEMBLED) == 1 && total_drops() == 0);
	check_frag_reply(2000, 1500);

	/* an atomic fragment is processed on its own (RFC 6946) */
	reset();
	n = make_frags(f, 100, 1448, 4);
	CU_ASSERT(n == 1);
	input(f[0]);
	CU_ASSERT(n_caps == 1 && EVENTS(FRAG_REASSEMBLED) == 0 && EVENTS(ICMP6_ECHO_REPLY) == 1);

	/* overlapping fragments (RFC 5722): nothing is delivered */
	reset();
	n = make_frags(f, 3000, 1000, 5);
	{
		struct rte_mbuf *o[16];
		int k = make_frags(o, 3000, 1504, 5); /* same datagram, other cut */

		input(f[0]);
		input(o[1]); /* 1504..3007 overlaps f[1] and f[2] */
		input(f[1]);
		input(f[2]);
		input(f[3]);
		for (int i = 0; i < k; i++)
			if (i != 1)
				rte_pktmbuf_free(o[i]);
	}
	CU_ASSERT(EVENTS(FRAG_REASSEMBLED) == 0 && n_caps == 0);
	/* the overlap is seen when f[1] arrives: f[0], o[1] and f[1] go; f[2]
	 * and f[3] start a new entry that can only time out */
	CU_ASSERT(DROPS(FRAG_BAD) == 3 && total_drops() == 3);

	/* more fragments than rte_ip_frag holds (RTE_LIBRTE_IP_FRAG_MAX_FRAG,
	 * 8): the 7th middle one gives the datagram up, its 8 fragments are
	 * counted as too many (not as bad) */
	reset();
	n = make_frags(f, 3000, 256, 8);
	CU_ASSERT_FATAL(n == 12);
	for (int i = 0; i < 8; i++)
		input(f[i]);
	for (int i = 8; i < n; i++)
		rte_pktmbuf_free(f[i]);
	CU_ASSERT(EVENTS(FRAG_REASSEMBLED) == 0 && n_caps == 0);
	CU_ASSERT(DROPS(FRAG_TOO_MANY) == 8 && total_drops() == 8);

	/* not a multiple of 8 with more to come: Parameter Problem at the length */
	reset();
	n = make_frags(f, 3000, 1000, 6);
	rte_pktmbuf_trim(f[0], 1);
	rte_pktmbuf_mtod(f[0], struct rte_ipv6_hdr *)->payload_len =
		rte_cpu_to_be_16(8 + 999);
	for (int i = 0; i < n; i++)
		input(f[i]);
	CU_ASSERT(DROPS(FRAG_BAD) == 1 && EVENTS(FRAG_REASSEMBLED) == 0);
	CU_ASSERT_FATAL(n_caps == 1);
	CU_ASSERT(cap_icmp(0)->type == 4 && cap_icmp(0)->code == 0 &&
		  rte_be_to_cpu_32(cap_icmp(0)->data) == 4);
	/* the other three wait in the table until they time out */

	/* past 65535 octets: Parameter Problem at the fragment offset */
	reset();
	n = make_frags(f, 100, 64, 7);
	*rte_pktmbuf_mtod_offset(f[1], uint16_t *, 42) = rte_cpu_to_be_16(65528 | 0);
	input(f[1]);
	CU_ASSERT(DROPS(FRAG_BAD) == 1);
	CU_ASSERT_FATAL(n_caps == 1);
	CU_ASSERT(rte_be_to_cpu_32(cap_icmp(0)->data) == 42);
	rte_pktmbuf_free(f[0]);

	/* first fragment without the upper-layer header (RFC 7112) */
	reset();
	{
		uint8_t b[64];

		ip6_hdr(b, PEER_G1, OUR_G1, RB_IP6_NH_FRAGMENT, 64, 8 + 8);
		unhex("3c00 0001 00000008 3a00 0104 00000000", b + 40); /* dstopts, no ICMPv6 */
		input(mk(b, 56, 2048));
		CU_ASSERT(DROPS(FRAG_BAD) == 1);
		CU_ASSERT_FATAL(n_caps == 1);
		CU_ASSERT(cap_icmp(0)->type == 4 && cap_icmp(0)->code == 3);
	}
	/* a first fragment whose fragmentable part holds 9 extension headers:
	 * named as the chain would be without fragments, nothing answered */
	reset();
	{
		uint8_t b[128];
		uint32_t pl = unhex("3c00 0001 00000009", b + 40);

		for (int i = 0; i < 9; i++)
			pl += unhex(i < 8 ? "3c00 0104 00000000" : "3a00 0104 00000000", b + 40 + pl);
		pl += unhex("8000 0000 0001 0001", b + 40 + pl);
		ip6_hdr(b, PEER_G1, OUR_G1, RB_IP6_NH_FRAGMENT, 64, (uint16_t)pl);
		input(mk(b, 40 + pl, 2048));
		CU_ASSERT(DROPS(IP6_EXTHDR_LIMIT) == 1 && total_drops() == 1 && n_caps == 0);
	}
	reset();
}

/* ---- output ---- */

void test_output(void)
{
	struct rte_mbuf *m;
	uint16_t *udp;
	const struct rte_ipv6_hdr *ip;

	/* UDP with the source left to us: the checksum is fixed up */
	reset();
	m = rte_pktmbuf_alloc(dp.pool);
	CU_ASSERT_FATAL(rte_pktmbuf_append(m, 40) != NULL);
	udp = rte_pktmbuf_mtod(m, uint16_t *);
	memset(udp, 0x5a, 40);
	udp[0] = rte_cpu_to_be_16(5353);
	udp[1] = rte_cpu_to_be_16(53);
	udp[2] = rte_cpu_to_be_16(40);
	udp[3] = 0;
	udp[3] = (uint16_t)~rb_ip6_sum_buf((const uint8_t[16]){0}, PEER_G1, 17, udp, 40);
	CU_ASSERT(rb_ip6_output(&lc, m, (const uint8_t[16]){0}, PEER_G1, 17, 0x20) == 0);
	CU_ASSERT_FATAL(n_caps == 1);
	ip = rte_pktmbuf_mtod(caps[0].m, const struct rte_ipv6_hdr *);
	CU_ASSERT(memcmp(ip->src_addr, OUR_G1, 16) == 0);
	CU_ASSERT(rte_be_to_cpu_32(ip->vtc_flow) == (6u << 28 | 0x20u << 20));
	CU_ASSERT(ip->hop_limits == 64 && ip->proto == 17);
	CU_ASSERT(cksum_ok(caps[0].m, 0));
	CU_ASSERT(caps[0].m->l3_len == 40);

	/* TCP above the MTU is a bug of the caller: dropped */
	reset();
	m = rte_pktmbuf_alloc(dp.pool);
	memset(rte_pktmbuf_append(m, 1461), 0, 1461);
	CU_ASSERT(rb_ip6_output(&lc, m, OUR_G1, PEER_G1, 6, 0) == 0);
	CU_ASSERT(n_caps == 0 && DROPS(MTU_EXCEEDED) == 1);
	/* no route */
	m = rte_pktmbuf_alloc(dp.pool);
	memset(rte_pktmbuf_append(m, 8), 0, 8);
	CU_ASSERT(rb_ip6_output(&lc, m, OUR_G1, NOROUTE, 17, 0) == -1);
	CU_ASSERT(DROPS(NO_ROUTE) == 1);
	/* link-local destination without a port: from our link-local it is port 0 */
	m = rte_pktmbuf_alloc(dp.pool);
	memset(rte_pktmbuf_append(m, 8), 0, 8);
	CU_ASSERT(rb_ip6_output(&lc, m, OUR_LL, PEER_LL, 17, 0) == 0);
	CU_ASSERT(n_caps == 1 && caps[0].port == 0);
	m = rte_pktmbuf_alloc(dp.pool);
	memset(rte_pktmbuf_append(m, 8), 0, 8);
	CU_ASSERT(rb_ip6_output(&lc, m, OUR_G1, PEER_LL, 17, 0) == -1);
	CU_ASSERT(DROPS(NO_ROUTE) == 2);
	reset();
}

/* Every mbuf the tests made is back in the pool once the fragments still
 * waiting in the table expire. */
void test_no_leak(void)
{
	uint32_t before = lc.frag_dr.cnt;

	reset();
	rte_ip_frag_table_del_expired_entries(lc.frag, &lc.frag_dr, rte_rdtsc() + dp.tsc_hz * 10);
	/* three left by the odd-length test, two after the overlap */
	CU_ASSERT(lc.frag_dr.cnt - before == 5);
	rte_ip_frag_free_death_row(&lc.frag_dr, 0);
	CU_ASSERT(rte_mempool_in_use_count(dp.pool) == 0);
}
