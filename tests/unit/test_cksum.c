/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_cksum: dataplane/net/cksum.h.  rb_raw_sum (SSE2, or AVX2 where the
 * CPU has it, then 8 bytes per step) must
 * fold to what DPDK's 2-byte loop gives, for every length, alignment and
 * byte pattern in the tables; rb_cksum_mbuf over chains split at odd and
 * even points must equal the flat sum; RFC 1071 section 3's example.
 * Mbufs are plain structs over static buffers (no EAL).
 */
#include <stdio.h>
#include <string.h>
#include <CUnit/Basic.h>
#include "dataplane/net/cksum.h"

static uint8_t data[9216 + 16];

enum pat { P_ZERO, P_ONES, P_RAND, P_ALT };

static void fill(enum pat p, size_t n, uint32_t seed)
{
	for (size_t i = 0; i < n; i++) {
		seed = seed * 1103515245u + 12345u;
		data[i] = p == P_ZERO ? 0 : p == P_ONES ? 0xff : p == P_ALT ? (i & 1 ? 0xff : 0)
			: (uint8_t)(seed >> 16);
	}
}

static uint16_t ref_sum(const void *buf, size_t len)
{
	return rb_cksum_fold(__rte_raw_cksum(buf, len, 0));
}

static void test_rfc1071(void)
{
	/* RFC 1071 3: 00 01 f2 03 f4 f5 f6 f7 sums to ddf2 (big-endian words) */
	static const uint8_t ex[8] = {0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7};

	CU_ASSERT_EQUAL(rte_be_to_cpu_16(rb_cksum_fold(rb_raw_sum(ex, sizeof(ex)))), 0xddf2);
}

static void test_flat(void)
{
	static const size_t lens[] = {0, 1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 33, 63, 64,
				      65, 20, 40, 60, 536, 1447, 1448, 1449, 1460, 4096, 9000,
				      /* around the AVX2 path's threshold and block (CPUs
				       * with AVX2: 64-byte blocks from 256 bytes on) */
				      255, 256, 257, 319, 320, 383, 8191, 9216,
				      /* AVX-512F: 128-byte blocks from 512 bytes on */
				      511, 512, 513, 575, 639, 640, 767, 1408};
	static const enum pat pats[] = {P_ZERO, P_ONES, P_RAND, P_ALT};
	unsigned bad = 0;

	for (size_t p = 0; p < sizeof(pats) / sizeof(pats[0]); p++)
		for (size_t l = 0; l < sizeof(lens) / sizeof(lens[0]); l++)
			for (size_t a = 0; a < 8; a++) {
				fill(pats[p], sizeof(data), (uint32_t)(l * 131 + a));
				if (rb_cksum_fold(rb_raw_sum(data + a, lens[l])) !=
				    ref_sum(data + a, lens[l])) {
					if (bad++ < 5)
						fprintf(stderr, "pattern %zu len %zu align %zu\n", p,
							lens[l], a);
				}
			}
	CU_ASSERT_EQUAL(bad, 0);
}

/* A chain of up to 4 segments over data[0..len), split at cuts. */
static struct rte_mbuf segs[4];

static struct rte_mbuf *chain(size_t len, const size_t *cuts, int ncuts)
{
	size_t start = 0;

	memset(segs, 0, sizeof(segs));
	for (int i = 0; i <= ncuts; i++) {
		size_t end = i < ncuts ? cuts[i] : len;

		segs[i].buf_addr = data + start;
		segs[i].data_off = 0;
		segs[i].data_len = (uint16_t)(end - start);
		segs[i].next = i < ncuts ? &segs[i + 1] : NULL;
		start = end;
	}
	segs[0].nb_segs = (uint16_t)(ncuts + 1);
	segs[0].pkt_len = (uint32_t)len;
	return &segs[0];
}

static void test_chain(void)
{
	static const struct {
		size_t len, cuts[3];
		int ncuts;
		uint32_t off, n;
	} t[] = {
		{1500, {1}, 1, 0, 1500},
		{1500, {701, 1199}, 2, 0, 1500},
		{1500, {700, 1201, 1333}, 3, 20, 1480},
		{3000, {1449, 2897}, 2, 33, 2967},
		{100, {3, 50, 51}, 3, 3, 97},
		{64, {32}, 1, 0, 64},
		{9, {4, 5, 8}, 3, 1, 7},
	};
	unsigned bad = 0;

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		uint16_t got = 0;

		fill(P_RAND, t[i].len, (uint32_t)i);
		if (rb_cksum_mbuf(chain(t[i].len, t[i].cuts, t[i].ncuts), t[i].off, t[i].n,
				  &got) != 0 ||
		    got != ref_sum(data + t[i].off, t[i].n)) {
			fprintf(stderr, "chain case %zu\n", i);
			bad++;
		}
	}
	/* a chain shorter than asked */
	{
		static const size_t cut[1] = {10};
		uint16_t got;

		CU_ASSERT_EQUAL(rb_cksum_mbuf(chain(20, cut, 1), 5, 16, &got), -1);
	}
	CU_ASSERT_EQUAL(bad, 0);
}

int main(void)
{
	CU_pSuite s;
	unsigned fails;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("cksum", NULL, NULL);
	CU_add_test(s, "rfc1071 example", test_rfc1071);
	CU_add_test(s, "flat: lengths x alignments x patterns", test_flat);
	CU_add_test(s, "mbuf chains", test_chain);
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	fails = CU_get_number_of_failures() + CU_get_number_of_tests_failed();
	CU_cleanup_registry();
	return fails ? 1 : 0;
}
