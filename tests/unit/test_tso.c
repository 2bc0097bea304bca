/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * net/tso.c: software segmentation of TCP super-segments.  Each row builds
 * a super-segment as tcp_xmit and the IP output leave it (IPv4 or IPv6,
 * TCP options, the checksum field seeded with the pseudo-header sum
 * without the length, payload in one mbuf or a chain of pieces), cuts it
 * with rb_tso_segment and checks every wire segment against a reference
 * built here from the row: IP lengths, IPv4 id and header checksum, the
 * TCP sequence number, flags (FIN/PSH on the last only, CWR on the first
 * only), options copied, payload bytes, and the TCP checksum once
 * finished as a NIC would (sum over the segment with the field as left)
 * equal to one computed from scratch.  Malformed input is dropped and
 * counted in tso_bad, no mbuf left behind.
 */
#include <stdio.h>
#include <string.h>
#include <netinet/in.h>
#include <CUnit/Basic.h>
#include <rte_eal.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include "dataplane/rb_lcore.h"
#include "dataplane/net/tso.h"
#include "dataplane/net/cksum.h"

static struct rte_mempool *pool;
static struct rb_dp dp;
static struct rb_lcore_stats stats;
static struct rb_lcore lc;

#define FL_FIN 0x01
#define FL_PSH 0x08
#define FL_ACK 0x10
#define FL_CWR 0x80

struct tso_case {
	const char *name;
	int v6;
	unsigned optlen;     /* TCP options, multiple of 4 */
	uint32_t payload;    /* bytes */
	uint16_t segsz;
	uint8_t flags;
	uint32_t chain;      /* payload per chained mbuf, 0: one mbuf after the header */
	uint32_t seq;
	/* malformed input */
	int bad;             /* 0 ok; else which corruption */
};

enum { BAD_NONE, BAD_SEGSZ0, BAD_DOFF, BAD_PROTO, BAD_NOPAYLOAD, BAD_L3LEN, BAD_VERSION,
       BAD_SEGSZ_BIG, BAD_TOO_MANY };

static const struct tso_case cases[] = {
	{"v4 3 full segments", 0, 0, 3 * 1460, 1460, FL_ACK, 0, 1000, 0},
	{"v4 timestamps, odd tail", 0, 12, 5 * 1448 + 7, 1448, FL_ACK | FL_PSH, 0, 7, 0},
	{"v4 FIN+PSH on the last only", 0, 12, 4 * 1448 + 100, 1448, FL_ACK | FL_PSH | FL_FIN, 0,
	 0xfffff000u, 0},
	{"v4 CWR on the first only", 0, 12, 3 * 1448, 1448, FL_ACK | FL_CWR | FL_PSH, 0, 1, 0},
	{"v4 40 bytes of options", 0, 40, 2 * 1420 + 1, 1420, FL_ACK, 0, 5, 0},
	{"v4 chain of 1000-byte pieces", 0, 12, 10 * 1448 + 3, 1448, FL_ACK | FL_PSH, 1000, 9, 0},
	{"v4 chain of 2048-byte pieces, 64 KiB", 0, 12, 45 * 1448, 1448, FL_ACK, 2048,
	 0x7fffffffu, 0},
	{"v4 one byte segments' worth (536)", 0, 0, 536 * 7 + 535, 536, FL_ACK | FL_PSH, 300, 3, 0},
	{"v4 exactly one segment", 0, 12, 1448, 1448, FL_ACK | FL_FIN, 0, 3, 0},
	{"v6 3 segments, timestamps", 1, 12, 3 * 1428, 1428, FL_ACK | FL_PSH, 0, 77, 0},
	{"v6 odd tail, chain, FIN", 1, 12, 6 * 1428 + 999, 1428, FL_ACK | FL_PSH | FL_FIN, 1500,
	 0xffffff00u, 0},
	{"v6 SACK-sized options", 1, 36, 2 * 1400 + 13, 1400, FL_ACK | FL_CWR, 0, 1, 0},
	{"bad: segment size 0", 0, 12, 3000, 0, FL_ACK, 0, 1, BAD_SEGSZ0},
	{"bad: data offset differs from l4_len", 0, 12, 3000, 1448, FL_ACK, 0, 1, BAD_DOFF},
	{"bad: not TCP", 0, 12, 3000, 1448, FL_ACK, 0, 1, BAD_PROTO},
	{"bad: headers only", 0, 12, 0, 1448, FL_ACK, 0, 1, BAD_NOPAYLOAD},
	{"bad: l3_len not the IPv4 header's", 0, 12, 3000, 1448, FL_ACK, 0, 1, BAD_L3LEN},
	{"bad: IP version 5", 0, 12, 3000, 1448, FL_ACK, 0, 1, BAD_VERSION},
	{"bad: segment beyond one mbuf", 1, 12, 9000, 4000, FL_ACK, 0, 1, BAD_SEGSZ_BIG},
	{"bad: more than 1024 pieces", 0, 0, 60000, 20, FL_ACK, 2000, 1, BAD_TOO_MANY},
};

static const uint8_t src4[4] = {10, 0, 0, 1}, dst4[4] = {10, 0, 0, 2};
static const uint8_t src6[16] = {0xfd, [15] = 1}, dst6[16] = {0xfd, [15] = 2};

static uint8_t payload_byte(uint32_t i)
{
	return (uint8_t)(i * 7u + (i >> 8) * 13u + 1u);
}

/* Pseudo-header sum without the length (RFC 9293 3.1; RFC 8200 8.1),
 * folded, not complemented: what tcp_xmit seeds for TSO. */
static uint16_t phdr_seed(int v6)
{
	uint64_t s = rte_cpu_to_be_16(IPPROTO_TCP);

	s += v6 ? rb_raw_sum(src6, 16) + rb_raw_sum(dst6, 16) : rb_raw_sum(src4, 4) + rb_raw_sum(dst4, 4);
	return rb_cksum_fold(s);
}

static struct rte_mbuf *build(const struct tso_case *tc)
{
	unsigned l3 = tc->v6 ? 40 : 20, l4 = 20 + tc->optlen, hl = l3 + l4;
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool), *last = m;
	uint8_t *h = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)hl), *t = h + l3;
	uint32_t done = 0;
	uint16_t seed = phdr_seed(tc->v6);

	memset(h, 0, hl);
	if (tc->v6) {
		h[0] = 0x60;
		h[6] = IPPROTO_TCP;
		h[7] = 64;
		memcpy(h + 8, src6, 16);
		memcpy(h + 24, dst6, 16);
	} else {
		h[0] = 0x45;
		h[4] = 0x12; /* id 0x1234 */
		h[5] = 0x34;
		h[6] = 0x40; /* DF */
		h[8] = 64;
		h[9] = IPPROTO_TCP;
		memcpy(h + 12, src4, 4);
		memcpy(h + 16, dst4, 4);
	}
	t[0] = 0x30, t[1] = 0x39, t[2] = 0x00, t[3] = 0x50;
	t[4] = (uint8_t)(tc->seq >> 24), t[5] = (uint8_t)(tc->seq >> 16);
	t[6] = (uint8_t)(tc->seq >> 8), t[7] = (uint8_t)tc->seq;
	t[8] = 0xaa, t[11] = 0x55; /* ack */
	t[12] = (uint8_t)((l4 / 4) << 4);
	t[13] = tc->flags;
	t[14] = 0x10; /* window */
	for (unsigned i = 0; i < tc->optlen; i++)
		t[20 + i] = i % 4 == 3 ? (uint8_t)i : 1; /* NOPs and bytes to copy */
	memcpy(t + 16, &seed, 2);
	while (done < tc->payload) {
		uint32_t room = tc->chain ? tc->chain : rte_pktmbuf_tailroom(last), n;
		uint8_t *d;

		if (tc->chain || rte_pktmbuf_tailroom(last) == 0) {
			struct rte_mbuf *nm = rte_pktmbuf_alloc(pool);

			CU_ASSERT_PTR_NOT_NULL_FATAL(nm);
			last->next = nm;
			last = nm;
			m->nb_segs++;
			room = RTE_MIN(room, (uint32_t)rte_pktmbuf_tailroom(nm));
		}
		room = RTE_MIN(room, (uint32_t)rte_pktmbuf_tailroom(last));
		n = RTE_MIN(room, tc->payload - done);
		d = rte_pktmbuf_mtod_offset(last, uint8_t *, last->data_len);
		for (uint32_t i = 0; i < n; i++)
			d[i] = payload_byte(done + i);
		last->data_len = (uint16_t)(last->data_len + n);
		m->pkt_len += n;
		done += n;
	}
	if (!tc->v6) {
		uint16_t tl = rte_cpu_to_be_16((uint16_t)RTE_MIN(m->pkt_len, 65535u));

		memcpy(h + 2, &tl, 2);
		((struct rte_ipv4_hdr *)(void *)h)->hdr_checksum =
			rte_ipv4_cksum((struct rte_ipv4_hdr *)(void *)h);
	} else {
		uint16_t pl = rte_cpu_to_be_16((uint16_t)(m->pkt_len - 40));

		memcpy(h + 4, &pl, 2);
	}
	m->l2_len = 0;
	m->l3_len = l3;
	m->l4_len = l4;
	m->tso_segsz = tc->segsz;
	m->ol_flags = RTE_MBUF_F_TX_TCP_SEG | RTE_MBUF_F_TX_TCP_CKSUM |
		      (tc->v6 ? RTE_MBUF_F_TX_IPV6 : RTE_MBUF_F_TX_IPV4);
	m->port = 3;
	switch (tc->bad) {
	case BAD_DOFF:
		t[12] = (uint8_t)(((l4 / 4) - 1) << 4);
		break;
	case BAD_PROTO:
		h[9] = IPPROTO_UDP;
		break;
	case BAD_L3LEN:
		m->l3_len = 24;
		m->l4_len = l4 - 4;
		break;
	case BAD_VERSION:
		h[0] = 0x55;
		break;
	default:
		break;
	}
	return m;
}

static struct rte_mbuf *pieces[2048];
static int n_pieces;

static void collect(struct rb_lcore *l, struct rte_mbuf *p, void *arg)
{
	CU_ASSERT_PTR_EQUAL(l, &lc);
	CU_ASSERT_PTR_EQUAL(arg, &n_pieces);
	if (n_pieces < (int)RTE_DIM(pieces))
		pieces[n_pieces++] = p;
	else
		rte_pktmbuf_free(p);
}

static void check_piece(const struct tso_case *tc, int i, int n, struct rte_mbuf *p)
{
	unsigned l3 = tc->v6 ? 40 : 20, l4 = 20 + tc->optlen, hl = l3 + l4;
	uint32_t off = (uint32_t)i * tc->segsz, plen = RTE_MIN((uint32_t)tc->segsz, tc->payload - off);
	uint8_t *h = rte_pktmbuf_mtod(p, uint8_t *), *t = h + l3;
	uint32_t seq = tc->seq + off, got;
	uint8_t fl = tc->flags;
	uint16_t f, want;
	uint64_t sum;
	int bad = 0;

	CU_ASSERT_EQUAL(p->nb_segs, 1);
	CU_ASSERT_EQUAL(rte_pktmbuf_pkt_len(p), hl + plen);
	CU_ASSERT((p->ol_flags & RTE_MBUF_F_TX_TCP_SEG) == 0);
	CU_ASSERT_EQUAL(p->ol_flags & RTE_MBUF_F_TX_L4_MASK, RTE_MBUF_F_TX_TCP_CKSUM);
	CU_ASSERT((p->ol_flags & (tc->v6 ? RTE_MBUF_F_TX_IPV6 : RTE_MBUF_F_TX_IPV4)) != 0);
	CU_ASSERT_EQUAL(p->l3_len, l3);
	CU_ASSERT_EQUAL(p->l4_len, l4);
	CU_ASSERT_EQUAL(p->port, 3);
	if (tc->v6) {
		CU_ASSERT_EQUAL(h[4] << 8 | h[5], l4 + plen);
		CU_ASSERT(memcmp(h + 8, src6, 16) == 0 && memcmp(h + 24, dst6, 16) == 0);
	} else {
		struct rte_ipv4_hdr *ih = (struct rte_ipv4_hdr *)(void *)h;

		CU_ASSERT_EQUAL(h[2] << 8 | h[3], hl + plen);
		CU_ASSERT_EQUAL(h[4] << 8 | h[5], (0x1234 + i) & 0xffff);
		CU_ASSERT_EQUAL(h[6], 0x40);
		CU_ASSERT_EQUAL(rte_ipv4_cksum(ih), 0); /* header sums to 0xffff */
	}
	got = (uint32_t)t[4] << 24 | (uint32_t)t[5] << 16 | (uint32_t)t[6] << 8 | t[7];
	CU_ASSERT_EQUAL(got, seq);
	CU_ASSERT_EQUAL(t[8], 0xaa);
	CU_ASSERT_EQUAL(t[11], 0x55);
	CU_ASSERT_EQUAL(t[12] >> 4, l4 / 4);
	if (i != n - 1)
		fl &= (uint8_t)~(FL_FIN | FL_PSH);
	if (i != 0)
		fl &= (uint8_t)~FL_CWR;
	CU_ASSERT_EQUAL(t[13], fl);
	for (unsigned k = 0; k < tc->optlen; k++)
		bad |= t[20 + k] != (k % 4 == 3 ? (uint8_t)k : 1);
	for (uint32_t k = 0; k < plen; k++)
		bad |= h[hl + k] != payload_byte(off + k);
	CU_ASSERT_EQUAL(bad, 0);
	/* a NIC finishes the sum over the segment, the seed in the field */
	sum = rb_raw_sum(t, l4 + plen);
	f = (uint16_t)~rb_cksum_fold(sum);
	/* the reference: the field zeroed, everything summed from scratch */
	t[16] = t[17] = 0;
	want = tc->v6 ? rte_ipv6_udptcp_cksum((const struct rte_ipv6_hdr *)(void *)h, t)
		      : rte_ipv4_udptcp_cksum((const struct rte_ipv4_hdr *)(void *)h, t);
	CU_ASSERT_EQUAL(f, want);
	if (f != want)
		printf("\n  %s: piece %d checksum %04x, want %04x", tc->name, i, f, want);
}

static void test_tso_table(void)
{
	for (unsigned r = 0; r < RTE_DIM(cases); r++) {
		const struct tso_case *tc = &cases[r];
		unsigned avail = rte_mempool_avail_count(pool);
		uint64_t bad0 = stats.drops[RB_DROP_TSO_BAD];
		struct rte_mbuf *m = build(tc);
		int n, want_n;

		if (tc->bad == BAD_SEGSZ0)
			m->tso_segsz = 0;
		n_pieces = 0;
		n = rb_tso_segment(&lc, m, collect, &n_pieces);
		if (tc->bad) {
			CU_ASSERT_EQUAL(n, -1);
			CU_ASSERT_EQUAL(n_pieces, 0);
			CU_ASSERT_EQUAL(stats.drops[RB_DROP_TSO_BAD], bad0 + 1);
			if (n != -1)
				printf("\n  %s: %d pieces, want a drop", tc->name, n);
		} else {
			want_n = (int)((tc->payload + tc->segsz - 1) / tc->segsz);
			CU_ASSERT_EQUAL(n, want_n);
			CU_ASSERT_EQUAL(n_pieces, want_n);
			CU_ASSERT_EQUAL(stats.drops[RB_DROP_TSO_BAD], bad0);
			if (n != want_n)
				printf("\n  %s: %d pieces, want %d", tc->name, n, want_n);
			for (int i = 0; i < n_pieces; i++)
				check_piece(tc, i, n_pieces, pieces[i]);
		}
		for (int i = 0; i < n_pieces; i++)
			rte_pktmbuf_free(pieces[i]);
		/* the super-segment consumed, nothing leaked */
		CU_ASSERT_EQUAL(rte_mempool_avail_count(pool), avail);
	}
}

/* Out of mbufs half way: the pieces made are sent, the frame is dropped
 * and counted once, nothing leaks. */
static void test_tso_no_mbuf(void)
{
	const struct tso_case tc = {"v4 no mbuf", 0, 12, 20 * 1448, 1448, FL_ACK, 2048, 1, 0};
	struct rte_mbuf *m = build(&tc);
	static struct rte_mbuf *hold[1024];
	unsigned avail = rte_mempool_avail_count(pool), k = 0, segs = m->nb_segs;
	uint64_t nm0 = stats.drops[RB_DROP_NO_MBUF];
	int n;

	/* leave 5 mbufs in the pool (beyond the lcore cache: none used) */
	while (rte_mempool_avail_count(pool) > 5) {
		struct rte_mbuf *x = rte_pktmbuf_alloc(pool);

		if (x == NULL)
			break;
		hold[k++] = x; /* the pool holds 1023 */
	}
	n_pieces = 0;
	n = rb_tso_segment(&lc, m, collect, &n_pieces);
	CU_ASSERT_EQUAL(n, -1);
	CU_ASSERT_EQUAL(n_pieces, 5);
	CU_ASSERT_EQUAL(stats.drops[RB_DROP_NO_MBUF], nm0 + 1);
	for (int i = 0; i < n_pieces; i++) {
		check_piece(&tc, i, 20, pieces[i]);
		rte_pktmbuf_free(pieces[i]);
	}
	for (unsigned i = 0; i < k; i++)
		rte_pktmbuf_free(hold[i]);
	/* the frame's own mbufs are back too */
	CU_ASSERT_EQUAL(rte_mempool_avail_count(pool), avail + segs);
}

int main(void)
{
	char *argv[] = {"test_tso", "--no-huge", "--no-pci", "-m", "256", "--no-shconf",
			"--no-telemetry", "-l", "0", "--log-level", "error", NULL};
	CU_pSuite s;
	unsigned fails;

	if (rte_eal_init((int)RTE_DIM(argv) - 1, argv) < 0)
		return 1;
	/* no per-lcore cache: the counts above are exact */
	pool = rte_pktmbuf_pool_create("tso_pool", 1023, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
				       SOCKET_ID_ANY);
	if (pool == NULL)
		return 1;
	dp.pool = pool;
	lc.dp = &dp;
	lc.stats = &stats;
	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("tso", NULL, NULL);
	CU_add_test(s, "table: sizes, options, flags, IPv4/IPv6, chains, malformed",
		    test_tso_table);
	CU_add_test(s, "out of mbufs half way", test_tso_no_mbuf);
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	fails = CU_get_number_of_failures();
	CU_cleanup_registry();
	return fails ? 1 : 0;
}
