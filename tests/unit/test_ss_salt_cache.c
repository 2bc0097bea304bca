/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Shadowsocks 2022 salt cache (dataplane/ss/ss_salt_cache.c), time
 * injected: a replay within 60 s is rejected and counted, after 60 s the
 * salt is accepted again; capacity is a hard bound (full -> refused, never
 * a silent eviction of a live salt); expiry frees room; backward-shift
 * deletion keeps every live salt findable (checked against a brute-force
 * model under churn); a clock stepping back does not break expiry order.
 */
#include <CUnit/Basic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dataplane/ss/ss_salt_cache.h"

static const uint8_t key[32] = {9, 8, 7};

static void salt_of(uint32_t i, uint8_t *s, size_t n)
{
	memset(s, 0, n);
	memcpy(s, &i, sizeof(i)); /* structured salts: worst case for an unkeyed index */
	s[n - 1] ^= 0x5a;
}

static void test_args(void)
{
	static const struct {
		uint32_t cap;
		uint8_t len;
		int rc;
	} t[] = {
	    {0, 16, -1}, {1, 0, -1}, {1, 33, -1}, {(1u << 30) + 1, 16, -1},
	    {1, 1, 0},	 {1, 16, 0}, {7, 32, 0},  {1000, 32, 0},
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct ss_salt_cache c;

		CU_ASSERT_EQUAL(ss_salt_cache_init(&c, t[i].cap, t[i].len, key), t[i].rc);
		if (t[i].rc == 0) {
			CU_ASSERT(ss_salt_cache_mem(&c) >= (size_t)t[i].cap * 40);
			CU_ASSERT(c.mask + 1 >= 2 * t[i].cap);
		}
		ss_salt_cache_free(&c);
	}
}

/* One salt, replayed at t0 + d: table of d -> expected result. */
static void test_ttl(void)
{
	static const struct {
		int64_t d;
		enum ss_salt_result want;
	} t[] = {
	    {0, SS_SALT_REPLAY},  {1, SS_SALT_REPLAY},  {30, SS_SALT_REPLAY},
	    {59, SS_SALT_REPLAY}, {60, SS_SALT_REPLAY}, {61, SS_SALT_FRESH},
	    {120, SS_SALT_FRESH}, {-5, SS_SALT_REPLAY}, /* clock stepped back */
	};
	const uint64_t t0 = 1700000000;

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		for (uint8_t len = 16; len <= 32; len += 16) {
			struct ss_salt_cache c;
			uint8_t s[32];

			CU_ASSERT_FATAL(ss_salt_cache_init(&c, 8, len, key) == 0);
			salt_of(42, s, len);
			CU_ASSERT_EQUAL(ss_salt_cache_check_add(&c, s, t0), SS_SALT_FRESH);
			CU_ASSERT_EQUAL(ss_salt_cache_check_add(&c, s, (uint64_t)((int64_t)t0 + t[i].d)),
					t[i].want);
			CU_ASSERT_EQUAL(c.replays, t[i].want == SS_SALT_REPLAY ? 1u : 0u);
			CU_ASSERT_EQUAL(c.expired, t[i].want == SS_SALT_FRESH ? 1u : 0u);
			CU_ASSERT_EQUAL(c.count, 1u);
			/* a different salt is never confused with it */
			s[0] ^= 1;
			CU_ASSERT_EQUAL(ss_salt_cache_check_add(&c, s, t0 + 61), SS_SALT_FRESH);
			ss_salt_cache_free(&c);
		}
}

static void test_full(void)
{
	struct ss_salt_cache c;
	uint8_t s[16];
	const uint64_t t0 = 1000;

	CU_ASSERT_FATAL(ss_salt_cache_init(&c, 100, 16, key) == 0);
	for (uint32_t i = 0; i < 100; i++) {
		salt_of(i, s, 16);
		CU_ASSERT_EQUAL(ss_salt_cache_check_add(&c, s, t0 + i / 10), SS_SALT_FRESH);
	}
	/* full of live salts: a new one is refused, the old ones still replay */
	salt_of(100, s, 16);
	CU_ASSERT_EQUAL(ss_salt_cache_check_add(&c, s, t0 + 20), SS_SALT_FULL);
	CU_ASSERT_EQUAL(c.full, 1u);
	for (uint32_t i = 0; i < 100; i++) {
		salt_of(i, s, 16);
		CU_ASSERT_EQUAL(ss_salt_cache_check_add(&c, s, t0 + 20), SS_SALT_REPLAY);
	}
	/* at t0 + 61 the first ten (added at t0) expired: room for ten */
	for (uint32_t i = 100; i < 110; i++) {
		salt_of(i, s, 16);
		CU_ASSERT_EQUAL(ss_salt_cache_check_add(&c, s, t0 + 61), SS_SALT_FRESH);
	}
	CU_ASSERT_EQUAL(c.expired, 10u);
	salt_of(110, s, 16);
	CU_ASSERT_EQUAL(ss_salt_cache_check_add(&c, s, t0 + 61), SS_SALT_FULL);
	salt_of(10, s, 16); /* added at t0 + 1: still live */
	CU_ASSERT_EQUAL(ss_salt_cache_check_add(&c, s, t0 + 61), SS_SALT_REPLAY);
	salt_of(0, s, 16); /* expired: fresh, but no room */
	CU_ASSERT_EQUAL(ss_salt_cache_check_add(&c, s, t0 + 61), SS_SALT_FULL);
	ss_salt_cache_free(&c);
}

/* Churn against a brute-force model: salts arrive at one per tick with
 * replays of recent and old ones mixed in; every answer must match. */
static void test_model(void)
{
	enum { N = 4000, CAP = 700 };
	struct ss_salt_cache c;
	static uint64_t seen_at[N];
	uint64_t live = 0;
	uint32_t rng = 12345;

	CU_ASSERT_FATAL(ss_salt_cache_init(&c, CAP, 32, key) == 0);
	memset(seen_at, 0, sizeof(seen_at));
	for (uint64_t tick = 0; tick < 20000; tick++) {
		uint64_t now = 1000 + tick / 12; /* 12 arrivals per second: ~730 live */
		uint32_t id;
		uint8_t s[32];
		enum ss_salt_result want, got;

		rng = rng * 1103515245u + 12345u;
		id = (rng >> 8) % N;
		salt_of(id, s, 32);
		/* model: live = added and now <= added + 60; count live entries */
		live = 0;
		for (uint32_t k = 0; k < N; k++)
			if (seen_at[k] && now <= seen_at[k] + 60)
				live++;
		if (seen_at[id] && now <= seen_at[id] + 60)
			want = SS_SALT_REPLAY;
		else if (live == CAP)
			want = SS_SALT_FULL;
		else
			want = SS_SALT_FRESH;
		got = ss_salt_cache_check_add(&c, s, now);
		CU_ASSERT_EQUAL(got, want);
		if (got != want) {
			printf("tick %llu id %u: got %d want %d\n", (unsigned long long)tick, id,
			       got, want);
			break;
		}
		if (want == SS_SALT_FRESH)
			seen_at[id] = now;
		CU_ASSERT_EQUAL(c.count, live + (want == SS_SALT_FRESH));
	}
	CU_ASSERT(c.replays > 100);
	CU_ASSERT(c.expired > 1000);
	ss_salt_cache_free(&c);
}

int main(void)
{
	CU_pSuite s;
	unsigned fails;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("ss_salt_cache", NULL, NULL);
	CU_add_test(s, "arguments", test_args);
	CU_add_test(s, "60 s window", test_ttl);
	CU_add_test(s, "bounded: full refuses, expiry frees", test_full);
	CU_add_test(s, "churn vs model", test_model);
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	fails = CU_get_number_of_failures();
	CU_cleanup_registry();
	return fails ? 1 : 0;
}
