/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Shadowsocks salt replay filter (dataplane/ss/ss_replay.c): replays
 * caught, the last `capacity` salts always remembered, older ones
 * forgotten (bounded memory), false positives near the configured rate,
 * argument checks.
 */
#include <CUnit/Basic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dataplane/ss/ss_replay.h"

static const uint8_t key[32] = {7, 1, 2, 3};

static void salt_of(uint64_t i, uint8_t *s)
{
	/* distinct, structured salts (worst case for an unkeyed filter) */
	memset(s, 0, 32);
	memcpy(s, &i, sizeof(i));
}

static void test_args(void)
{
	struct ss_replay r;

	CU_ASSERT_EQUAL(ss_replay_init(&r, 0, 1e-6, key), -1);
	CU_ASSERT_EQUAL(ss_replay_init(&r, 100, 0, key), -1);
	CU_ASSERT_EQUAL(ss_replay_init(&r, 100, 1, key), -1);
	CU_ASSERT_EQUAL(ss_replay_init(&r, 100, -0.5, key), -1);
	CU_ASSERT_EQUAL(ss_replay_init(&r, 1, 0.5, key), 0);
	CU_ASSERT(r.k >= 1);
	ss_replay_free(&r);
}

static void test_window(void)
{
	static const struct {
		uint64_t cap;
		double fp;
	} t[] = {{1000, 1e-6}, {10000, 1e-6}, {50000, 1e-4}};

	for (size_t ti = 0; ti < sizeof(t) / sizeof(t[0]); ti++) {
		struct ss_replay r;
		uint64_t cap = t[ti].cap, total = cap * 7 / 2, fresh_fp = 0, old_hits = 0,
			 missed = 0;
		uint8_t s[32];

		CU_ASSERT_EQUAL_FATAL(ss_replay_init(&r, cap, t[ti].fp, key), 0);
		/* memory: two filters of at most 2x the Bloom optimum */
		CU_ASSERT(ss_replay_mem(&r) <= (size_t)(2 * 2 * cap * 30 / 8 + 64));
		for (uint64_t i = 0; i < total; i++) {
			salt_of(i, s);
			fresh_fp += (uint64_t)ss_replay_check_add(&r, s, 32);
			/* an immediate replay is always caught */
			CU_ASSERT_EQUAL(ss_replay_check_add(&r, s, 32), 1);
		}
		/* false positives on fresh salts near 2 * fp */
		CU_ASSERT(fresh_fp <= 5 + (uint64_t)(total * t[ti].fp * 20));
		printf("\n  cap %lu fp %g: %zu bytes, k %u, %lu false positives in %lu",
		       (unsigned long)cap, t[ti].fp, ss_replay_mem(&r), r.k,
		       (unsigned long)fresh_fp, (unsigned long)total);
		/* the last `cap` salts are all remembered, except those rejected
		 * as false positives (never inserted: their bits may have rotated
		 * out with the previous filter) */
		for (uint64_t i = total - cap; i < total; i++) {
			salt_of(i, s);
			missed += (uint64_t)(ss_replay_check_add(&r, s, 32) == 0);
		}
		CU_ASSERT(missed <= fresh_fp);
		/* salts older than two windows are forgotten (bounded memory) */
		for (uint64_t i = 0; i < cap; i++) {
			salt_of(i, s);
			old_hits += (uint64_t)ss_replay_check_add(&r, s, 32);
		}
		CU_ASSERT(old_hits < cap / 100 + 5);
		CU_ASSERT(r.rotations >= 3);
		CU_ASSERT(r.replays >= total + cap);
		ss_replay_free(&r);
	}
}

/* A different key puts the same salts on different bits. */
static void test_keyed(void)
{
	struct ss_replay a, b;
	uint8_t k2[32] = {9}, s[32];
	int same = 1;

	ss_replay_init(&a, 100, 1e-3, key);
	ss_replay_init(&b, 100, 1e-3, k2);
	salt_of(42, s);
	ss_replay_check_add(&a, s, 32);
	ss_replay_check_add(&b, s, 32);
	CU_ASSERT_EQUAL(a.nbits, b.nbits);
	for (uint64_t i = 0; i < a.nbits / 64; i++)
		same &= a.bits[a.cur][i] == b.bits[b.cur][i];
	CU_ASSERT_FALSE(same);
	ss_replay_free(&a);
	ss_replay_free(&b);
}

int main(void)
{
	CU_pSuite s;
	unsigned fails;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("ss_replay", NULL, NULL);
	CU_add_test(s, "arguments", test_args);
	CU_add_test(s, "window and false positives", test_window);
	CU_add_test(s, "keyed positions", test_keyed);
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	fails = CU_get_number_of_failures();
	CU_cleanup_registry();
	return fails ? 1 : 0;
}
