/* SPDX-License-Identifier: BSD-3-Clause */
/* dataplane/wireguard/wg_term_icmp_tab.c: the echo relay's identifier table,
 * table-driven (allocate, look up by key and by reply, expiry, full, slot
 * reuse, worker ownership of the ids). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <CUnit/Basic.h>

#include "dataplane/wireguard/wg_term_icmp_tab.h"

static struct wg_icmp_tab tab;

/* Key n: peer 10.99.0.(2 + n % 3), id 100 + n / 3, destination 192.0.2.(1 + n % 5)
 * (IPv4) or the same in fd99::/2001:db8:: (IPv6 when n >= 50). */
static struct wg_icmp_key key(int n)
{
	struct wg_icmp_key k;

	memset(&k, 0, sizeof(k));
	if (n >= 50) {
		k.family = AF_INET6;
		k.src[0] = 0xfd, k.src[1] = 0x99, k.src[15] = (uint8_t)(2 + n % 3);
		k.dst[0] = 0x20, k.dst[1] = 0x01, k.dst[15] = (uint8_t)(1 + n % 5);
	} else {
		k.family = AF_INET;
		k.src[0] = 10, k.src[1] = 99, k.src[3] = (uint8_t)(2 + n % 3);
		k.dst[0] = 192, k.dst[2] = 2, k.dst[3] = (uint8_t)(1 + n % 5);
	}
	k.id = (uint16_t)(100 + n / 3);
	return k;
}

enum op { ADD, FIND, REPLY, REPLY_FROM, DEL, EXPIRE, TOUCH };

struct step {
	enum op op;
	int k;          /* key number */
	uint64_t now;   /* ADD/TOUCH: clock; EXPIRE: clock */
	int want;       /* ADD/FIND/REPLY: 1 found/added, 0 not; EXPIRE: count ended */
};

struct tcase {
	const char *name;
	unsigned worker, n_workers, cap;
	struct step s[24];
	int n;
};

#define S(...) {__VA_ARGS__}
static const struct tcase cases[] = {
	{"add, find, reply", 0, 1, 4,
	 {S(FIND, 0, 0, 0), S(ADD, 0, 1, 1), S(FIND, 0, 0, 1), S(REPLY, 0, 0, 1),
	  S(FIND, 1, 0, 0), S(ADD, 1, 1, 1), S(REPLY, 1, 0, 1), S(FIND, 0, 0, 1)}, 8},
	{"keys differ by id, source, destination, family", 0, 1, 16,
	 {S(ADD, 0, 1, 1), S(ADD, 3, 1, 1), S(ADD, 1, 1, 1), S(ADD, 51, 1, 1),
	  S(FIND, 0, 0, 1), S(FIND, 3, 0, 1), S(FIND, 1, 0, 1), S(FIND, 51, 0, 1),
	  S(FIND, 2, 0, 0), S(FIND, 50, 0, 0)}, 10},
	{"a reply from another address is not the session's", 0, 1, 4,
	 {S(ADD, 0, 1, 1), S(REPLY_FROM, 0, 0, 0), S(REPLY, 0, 0, 1)}, 3},
	{"full: refused until one ends", 0, 1, 3,
	 {S(ADD, 0, 1, 1), S(ADD, 1, 1, 1), S(ADD, 2, 1, 1), S(ADD, 3, 1, 0),
	  S(DEL, 1, 0, 0), S(ADD, 3, 1, 1), S(FIND, 3, 0, 1), S(FIND, 1, 0, 0),
	  S(ADD, 4, 1, 0)}, 9},
	{"expiry: idle ones only, strictly past the idle time", 0, 1, 8,
	 {S(ADD, 0, 100, 1), S(ADD, 1, 150, 1), S(EXPIRE, 0, 200, 0), S(EXPIRE, 0, 201, 1),
	  S(FIND, 0, 0, 0), S(FIND, 1, 0, 1), S(TOUCH, 1, 300, 1), S(EXPIRE, 0, 350, 0),
	  S(EXPIRE, 0, 401, 1), S(FIND, 1, 0, 0), S(ADD, 0, 500, 1)}, 11},
	{"an ended session's id does not reach its slot's next session", 0, 1, 1,
	 {S(ADD, 0, 1, 1), S(DEL, 0, 0, 0), S(REPLY, 0, 0, 0), S(ADD, 1, 1, 1),
	  S(REPLY, 0, 0, 0), S(REPLY, 1, 0, 1)}, 6},
	{"worker 2 of 3", 2, 3, 8,
	 {S(ADD, 0, 1, 1), S(ADD, 52, 1, 1), S(REPLY, 0, 0, 1), S(REPLY, 52, 0, 1)}, 4},
	{"128 workers: cap limited to 512", 127, 128, 0,
	 {S(ADD, 0, 1, 1), S(REPLY, 0, 0, 1)}, 2},
};

static uint16_t outer_of[100];
static uint8_t to_of[100][16];

static void run(const struct tcase *c)
{
	wg_icmp_tab_init(&tab, c->worker, c->n_workers, c->cap);
	memset(outer_of, 0, sizeof(outer_of));
	for (int i = 0; i < c->n; i++) {
		const struct step *s = &c->s[i];
		struct wg_icmp_key k = key(s->k);
		struct wg_icmp_ent *e;
		uint8_t from[16];
		int got = -1;

		switch (s->op) {
		case ADD:
			e = wg_icmp_tab_add(&tab, &k, k.dst, s->now);
			got = e != NULL;
			if (e) {
				e->idle = 100;
				outer_of[s->k] = e->outer;
				memcpy(to_of[s->k], k.dst, 16);
				CU_ASSERT_EQUAL(e->outer % c->n_workers, c->worker);
				CU_ASSERT_EQUAL(wg_icmp_outer_owner(e->outer, c->n_workers), c->worker);
			}
			break;
		case FIND:
			got = wg_icmp_tab_find(&tab, &k) != NULL;
			break;
		case REPLY:
		case REPLY_FROM:
			memcpy(from, to_of[s->k], 16);
			if (s->op == REPLY_FROM)
				from[3] ^= 0x40;
			e = wg_icmp_tab_reply(&tab, k.family, from, outer_of[s->k]);
			got = e != NULL;
			if (e)
				CU_ASSERT_EQUAL(memcmp(&e->k, &k, sizeof(k)), 0);
			break;
		case DEL:
			e = wg_icmp_tab_find(&tab, &k);
			CU_ASSERT_PTR_NOT_NULL_FATAL(e);
			wg_icmp_tab_del(&tab, e);
			got = 0;
			break;
		case TOUCH:
			e = wg_icmp_tab_find(&tab, &k);
			got = e != NULL;
			if (e)
				e->last = s->now;
			break;
		case EXPIRE:
			got = (int)wg_icmp_tab_expire(&tab, s->now, NULL, NULL);
			break;
		}
		if (got != s->want)
			fprintf(stderr, "\n%s: step %d: got %d, want %d\n", c->name, i, got, s->want);
		CU_ASSERT_EQUAL(got, s->want);
	}
}

static void test_cases(void)
{
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		run(&cases[i]);
	/* the 128-worker table holds 512 */
	CU_ASSERT_EQUAL(tab.cap, 512);
}

/* Fill a table per (worker, workers): every id distinct, owned by the
 * worker, replies find exactly their session; another worker's ids find
 * nothing; the table refuses one more. */
static void test_ids(void)
{
	static const unsigned shapes[][2] = {{0, 1}, {0, 2}, {1, 2}, {3, 7}, {63, 64}, {5, 200}};

	for (size_t s = 0; s < sizeof(shapes) / sizeof(shapes[0]); s++) {
		unsigned w = shapes[s][0], nw = shapes[s][1];
		static uint8_t seen[65536];
		struct wg_icmp_key k;
		unsigned n = 0;

		memset(seen, 0, sizeof(seen));
		wg_icmp_tab_init(&tab, w, nw, 0);
		memset(&k, 0, sizeof(k));
		k.family = AF_INET;
		for (;;) {
			struct wg_icmp_ent *e;

			k.id = (uint16_t)n;
			e = wg_icmp_tab_add(&tab, &k, k.dst, 0);
			if (e == NULL)
				break;
			CU_ASSERT_EQUAL(seen[e->outer], 0);
			seen[e->outer] = 1;
			CU_ASSERT_EQUAL(e->outer % nw, w);
			CU_ASSERT_PTR_EQUAL(wg_icmp_tab_reply(&tab, AF_INET, k.dst, e->outer), e);
			if (nw > 1)
				CU_ASSERT_PTR_NULL(wg_icmp_tab_reply(&tab, AF_INET, k.dst,
								     (uint16_t)(e->outer + 1)));
			n++;
		}
		CU_ASSERT_EQUAL(n, tab.cap);
		CU_ASSERT_EQUAL(n, nw * WG_ICMP_TAB_MAX > 65536 ? 65536 / nw : WG_ICMP_TAB_MAX);
		CU_ASSERT_EQUAL(tab.n_used, n);
	}
}

/* Churn: sessions end and start again on the same slots; each new
 * session's id differs from every id the slot had within its generations. */
static void test_reuse(void)
{
	struct wg_icmp_key k;
	uint16_t prev = 0;

	wg_icmp_tab_init(&tab, 0, 1, 1);
	CU_ASSERT_EQUAL(tab.gens, 65536);
	memset(&k, 0, sizeof(k));
	k.family = AF_INET6;
	for (int i = 0; i < 1000; i++) {
		struct wg_icmp_ent *e;

		k.id = (uint16_t)i;
		e = wg_icmp_tab_add(&tab, &k, k.dst, 0);
		CU_ASSERT_PTR_NOT_NULL_FATAL(e);
		if (i > 0)
			CU_ASSERT_NOT_EQUAL(e->outer, prev);
		if (i > 0) /* the previous session's id finds nothing */
			CU_ASSERT_PTR_NULL(wg_icmp_tab_reply(&tab, AF_INET6, k.dst, prev));
		prev = e->outer;
		wg_icmp_tab_del(&tab, e);
		CU_ASSERT_EQUAL(tab.n_used, 0);
	}
}

int main(void)
{
	CU_pSuite s;
	unsigned fails;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("wg_icmp_tab", NULL, NULL);
	CU_add_test(s, "table cases", test_cases);
	CU_add_test(s, "ids per worker", test_ids);
	CU_add_test(s, "slot reuse", test_reuse);
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	fails = CU_get_number_of_failures();
	CU_cleanup_registry();
	return fails ? 1 : 0;
}
