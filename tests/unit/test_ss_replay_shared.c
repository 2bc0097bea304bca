/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The cross-worker salt replay filter (dataplane/ss/ss_replay_shared.c):
 * arguments and memory bound; replays caught for both salt sizes; count
 * rotation (exactly one per `capacity` fresh salts, the last capacity ..
 * 2 x capacity salts remembered, older ones forgotten); 200 000 random
 * operations against a generation model (exact but for the rare counted
 * early evictions at peak load); no false positive among 300 000
 * fresh salts; and threads racing the same salts: each salt is fresh
 * exactly once however many threads send it at the same moment.
 */
#include <CUnit/Basic.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dataplane/ss/ss_replay_shared.h"

static const uint8_t key[32] = {1, 2, 3, 4, 5};

static struct ss_rpx *make(uint64_t cap, void **mem)
{
	size_t n = ss_rpx_mem(cap);

	*mem = n ? aligned_alloc(64, (n + 63) & ~(size_t)63) : NULL;
	return *mem ? ss_rpx_init(*mem, n, cap, key) : NULL;
}

static void salt_of(uint64_t i, uint8_t *s, size_t n)
{
	memset(s, 0xa5, n);
	memcpy(s, &i, sizeof(i)); /* structured salts: the keyed hash must spread them */
}

static void test_args(void)
{
	static const struct {
		uint64_t cap;
		long size_delta; /* bytes given beyond ss_rpx_mem */
		int misalign, ok;
	} t[] = {
	    {0, 0, 0, 0},
	    {SS_RPX_MIN_CAP - 1, 0, 0, 0},
	    {SS_RPX_MAX_CAP + 1, 0, 0, 0},
	    {SS_RPX_MIN_CAP, 0, 0, 1},
	    {SS_RPX_MIN_CAP, -8, 0, 0},
	    {SS_RPX_MIN_CAP, 64, 8, 0},
	    {1000, 0, 0, 1},
	    {SS_RPX_DEFAULT_CAP, 0, 0, 1},
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		size_t need = ss_rpx_mem(t[i].cap);
		size_t give = need ? (size_t)((long)need + t[i].size_delta) : 4096;
		uint8_t *mem = aligned_alloc(64, (give + 127) & ~(size_t)63);
		struct ss_rpx *r;

		CU_ASSERT_FATAL(mem != NULL);
		r = ss_rpx_init(mem + t[i].misalign, give - (size_t)t[i].misalign, t[i].cap, key);
		CU_ASSERT_EQUAL(r != NULL, t[i].ok);
		if (r) {
			/* >= 4 slots a salt, a power of two, 8 bytes each */
			CU_ASSERT(r->slots >= 4 * t[i].cap && (r->slots & (r->slots - 1)) == 0);
			CU_ASSERT(r->slots < 8 * t[i].cap + SS_RPX_WINDOW);
			CU_ASSERT_EQUAL(need, sizeof(*r) + r->slots * 8);
		}
		free(mem);
	}
	/* the default: 16 MiB and a header */
	CU_ASSERT(ss_rpx_mem(SS_RPX_DEFAULT_CAP) <= (16u << 20) + 4096);
}

static void test_basic(void)
{
	static const struct {
		size_t len;
		uint64_t first;
	} t[] = {{16, 0}, {32, 0}, {16, 1ull << 40}, {32, 77}};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		void *mem;
		struct ss_rpx *r = make(1000, &mem);
		uint8_t s[32];
		int rot = -1;

		CU_ASSERT_FATAL(r != NULL);
		for (uint64_t k = 0; k < 500; k++) {
			salt_of(t[i].first + k, s, t[i].len);
			CU_ASSERT_EQUAL(ss_rpx_check_add(r, s, t[i].len, &rot), SS_RPX_FRESH);
			CU_ASSERT_EQUAL(rot, 0);
		}
		for (uint64_t k = 0; k < 500; k++) {
			salt_of(t[i].first + k, s, t[i].len);
			CU_ASSERT_EQUAL(ss_rpx_check_add(r, s, t[i].len, NULL), SS_RPX_REPLAY);
			/* a salt of the other size with the same first bytes is another salt */
			CU_ASSERT_EQUAL(ss_rpx_check_add(r, s, t[i].len == 16 ? 32 : 16, NULL),
					SS_RPX_FRESH);
		}
		CU_ASSERT_EQUAL(r->replays, 500);
		CU_ASSERT_EQUAL(r->evictions, 0);
		free(mem);
	}
}

/* capacity C: the C-th fresh salt rotates; generation g's salts are
 * remembered through generation g + 1 and forgotten in g + 2. */
static void test_rotation(void)
{
	static const uint64_t caps[] = {SS_RPX_MIN_CAP, 100, 1000, 5000};

	for (size_t i = 0; i < sizeof(caps) / sizeof(caps[0]); i++) {
		const uint64_t C = caps[i];
		void *mem;
		struct ss_rpx *r = make(C, &mem);
		uint8_t s[16];
		uint64_t rotations = 0;
		int rot;

		CU_ASSERT_FATAL(r != NULL);
		for (uint64_t k = 0; k < 3 * C; k++) {

			salt_of(k, s, 16);
			CU_ASSERT_EQUAL(ss_rpx_check_add(r, s, 16, &rot), SS_RPX_FRESH);
			CU_ASSERT_EQUAL(rot, (k + 1) % C == 0);
			rotations += (uint64_t)rot;
			if (k + 1 == 2 * C) {
				/* generations 1 and 2 are full, 3 just began: gen 2 (the
				 * previous) is live, gen 1 stale (its salts fresh again,
				 * and the C-th of them fills gen 3: a rotation) */
				for (uint64_t j = C; j < 2 * C; j++) {
					salt_of(j, s, 16);
					CU_ASSERT_EQUAL(ss_rpx_check_add(r, s, 16, NULL), SS_RPX_REPLAY);
				}
				for (uint64_t j = 0; j < C; j++) {
					salt_of(j, s, 16);
					CU_ASSERT_EQUAL(ss_rpx_check_add(r, s, 16, &rot), SS_RPX_FRESH);
					CU_ASSERT_EQUAL(rot, j + 1 == C);
				}
				break;
			}
		}
		CU_ASSERT_EQUAL(rotations, 2);
		CU_ASSERT_EQUAL(r->rotations, 3);
		CU_ASSERT_EQUAL(r->replays, C);
		CU_ASSERT_EQUAL(r->evictions, 0);
		free(mem);
	}
}

/* Random salts with repeats against the generation model: a salt is a
 * replay iff it was last inserted in the current or previous generation. */
static void test_model(void)
{
	enum { C = 1024, U = 6000, OPS = 200000 };
	void *mem;
	struct ss_rpx *r = make(C, &mem);
	uint64_t *gen_of = calloc(U, sizeof(uint64_t)); /* 0 = never */
	uint64_t gen = 1, count = 0, bad = 0, rng = 88172645463325252ull;
	uint8_t s[32];

	CU_ASSERT_FATAL(r != NULL && gen_of != NULL);
	for (int op = 0; op < OPS; op++) {
		uint64_t u;
		int want, got, rot;

		rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
		u = rng % U;
		want = gen_of[u] && gen_of[u] + 1 >= gen;
		salt_of(u, s, 32);
		got = ss_rpx_check_add(r, s, 32, &rot) == SS_RPX_REPLAY;
		bad += (uint64_t)(got != want);
		if (!want) {
			gen_of[u] = gen;
			if (++count == C) {
				gen++;
				count = 0;
				bad += (uint64_t)(rot != 1);
			}
		}
	}
	/* at the design's peak load (0.5) a window is now and then full of live
	 * salts: one is forgotten early (counted), and only such a salt can
	 * differ from the model */
	CU_ASSERT(bad <= r->evictions);
	CU_ASSERT(r->evictions * 10000 < r->fresh);
	printf("\n  %lu evictions in %lu fresh salts, %lu rotations, %lu differ from the model",
	       (unsigned long)r->evictions, (unsigned long)r->fresh, (unsigned long)r->rotations,
	       (unsigned long)bad);
	free(gen_of);
	free(mem);
}

/* No false positives among many fresh random-looking salts. */
static void test_no_false_positive(void)
{
	void *mem;
	struct ss_rpx *r = make(65536, &mem);
	uint8_t s[32];
	uint64_t fp = 0;

	CU_ASSERT_FATAL(r != NULL);
	for (uint64_t k = 0; k < 300000; k++) {
		salt_of(k * 0x9e3779b97f4a7c15ull, s, 32);
		fp += (uint64_t)(ss_rpx_check_add(r, s, 32, NULL) == SS_RPX_REPLAY);
	}
	CU_ASSERT_EQUAL(fp, 0);
	CU_ASSERT_EQUAL(r->rotations, 300000 / 65536);
	free(mem);
}

/* ---- threads racing the same salts ---- */

#define RACE_N 200000
struct racer {
	struct ss_rpx *r;
	pthread_barrier_t *bar;
	uint64_t salt_base;
	int reverse;
	uint64_t fresh;
};

static void *race(void *arg)
{
	struct racer *x = arg;
	uint8_t s[16];

	pthread_barrier_wait(x->bar);
	for (uint64_t k = 0; k < RACE_N; k++) {
		uint64_t i = x->reverse ? (k & ~7ull) + (7 - (k & 7)) : k; /* near, not in step */

		salt_of(x->salt_base + i, s, 16);
		x->fresh += (uint64_t)(ss_rpx_check_add(x->r, s, 16, NULL) == SS_RPX_FRESH);
	}
	return NULL;
}

static void test_race(void)
{
	static const struct {
		int threads, reverse;
	} t[] = {{2, 0}, {2, 1}, {4, 0}, {4, 1}};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		void *mem;
		struct ss_rpx *r = make(2 * RACE_N, &mem); /* no rotation during the race */
		pthread_t th[4];
		struct racer x[4];
		pthread_barrier_t bar;
		uint64_t fresh = 0;

		CU_ASSERT_FATAL(r != NULL);
		pthread_barrier_init(&bar, NULL, (unsigned)t[i].threads);
		for (int k = 0; k < t[i].threads; k++) {
			x[k] = (struct racer){r, &bar, 1000 * i, t[i].reverse && (k & 1), 0};
			pthread_create(&th[k], NULL, race, &x[k]);
		}
		for (int k = 0; k < t[i].threads; k++) {
			pthread_join(th[k], NULL);
			fresh += x[k].fresh;
		}
		pthread_barrier_destroy(&bar);
		/* every salt fresh exactly once, all the other sends replays */
		CU_ASSERT_EQUAL(fresh, RACE_N);
		CU_ASSERT_EQUAL(r->replays, (uint64_t)(t[i].threads - 1) * RACE_N);
		CU_ASSERT_EQUAL(r->fresh, RACE_N);
		printf("\n  %d threads%s: %lu fresh, %lu replays", t[i].threads,
		       t[i].reverse ? " (interleaved order)" : "", (unsigned long)fresh,
		       (unsigned long)r->replays);
		free(mem);
	}
}

/* Racing with rotations: every salt is sent by two threads; with small
 * generations a thread that falls two generations behind finds the other's
 * salts retired (fresh again: how far depends on scheduling, so no upper
 * bound here), but a salt is never refused by both and the counts agree. */
static void test_race_rotating(void)
{
	void *mem;
	struct ss_rpx *r = make(4096, &mem);
	pthread_t th[2];
	struct racer x[2];
	pthread_barrier_t bar;

	CU_ASSERT_FATAL(r != NULL);
	pthread_barrier_init(&bar, NULL, 2);
	for (int k = 0; k < 2; k++) {
		x[k] = (struct racer){r, &bar, 1u << 30, k, 0};
		pthread_create(&th[k], NULL, race, &x[k]);
	}
	for (int k = 0; k < 2; k++)
		pthread_join(th[k], NULL);
	pthread_barrier_destroy(&bar);
	CU_ASSERT(x[0].fresh + x[1].fresh >= RACE_N);
	CU_ASSERT_EQUAL(x[0].fresh + x[1].fresh, r->fresh);
	CU_ASSERT_EQUAL(x[0].fresh + x[1].fresh + r->replays, 2ull * RACE_N);
	CU_ASSERT_EQUAL(r->rotations, r->fresh / 4096);
	free(mem);
}

int main(void)
{
	CU_pSuite s;
	unsigned fails;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("ss_replay_shared", NULL, NULL);
	CU_add_test(s, "arguments and memory", test_args);
	CU_add_test(s, "replays, both salt sizes", test_basic);
	CU_add_test(s, "count rotation window", test_rotation);
	CU_add_test(s, "random ops vs generation model", test_model);
	CU_add_test(s, "no false positives", test_no_false_positive);
	CU_add_test(s, "threads racing the same salts", test_race);
	CU_add_test(s, "racing across rotations", test_race_rotating);
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	fails = CU_get_number_of_failures();
	CU_cleanup_registry();
	return fails ? 1 : 0;
}
