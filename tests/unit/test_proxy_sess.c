/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Sessions that another layer opens on a proxy lcore (proxy_sess_open:
 * WireGuard terminated mode's UDP and ICMP sessions), on a real proxy
 * lcore over the in-process fixture (net_fixture.c).  A session is counted
 * active from its open until proxy_sess_free, which must end it whatever
 * the caller did in between, including nothing (a session refused right
 * after its open): the slot goes back to the table and every counter
 * returns.  Regression: proxy_sess_open left the new session in PS_FREE,
 * which proxy_sess_free skips, so every refused session stayed active (the
 * callers set a state first as a workaround); the table ran out after
 * 16384 of them and proxy_lcore_fini looped for ever at shutdown.
 *
 * The `conns` TCP rows' sweep (tcp_rows_refresh, proxy.c), with a slice of
 * 3 sessions per millisecond (RB_CONNS_ROWS_SLICE): every row is refreshed
 * within ceil(sessions / slice) slices, 3 sessions per millisecond between
 * polls when they come 10 ms apart as the worker's do, also when the session the cursor
 * points at is freed and its slot reused at the tail (the sweep goes on
 * from the next one instead of jumping to the tail), and a sweep starts no
 * more often than every RB_CONN_TCP_REFRESH_MS.  A row's refreshes are
 * counted by its seqlock (two per write).  The poll's walk over the
 * sessions (deadlines) is bounded the same way (RB_PROXY_WALK_SLICE).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <CUnit/Basic.h>

#include "dataplane/proxy/proxy_priv.h"
#include "dataplane/proxy/rb_proxy.h"
#include "cunit_fixture.h"
#include "net_fixture.h"

#define ROUNDS 20000 /* more than the lcore's session table (16384) */

static char cfg[1024];

struct sess_case {
	const char *name;
	int set_up;             /* 0: freed as opened; 1: made a UDP session first */
	int close_req;          /* 1: ended by a `conns close` request instead */
};

static const struct sess_case cases[] = {
	{ "freed as opened (a refused session)", 0, 0 },
	{ "set up as a UDP session, then freed", 1, 0 },
	{ "freed as opened, by conns close", 0, 1 },
};

static void run_case(const struct sess_case *c)
{
	struct rb_lcore *lc;
	struct rb_conn_worker *wk = NULL;
	const uint8_t src[4] = {10, 1, 0, 2};
	uint64_t conns0 = 0;
	int opened = 0;

	CU_ASSERT_EQUAL_FATAL(fx_setup(cfg), 0);
	lc = fx_lc(0);
	CU_ASSERT_EQUAL_FATAL(proxy_lcore_init(lc), 0);
	for (int i = 0; i < ROUNDS; i++) {
		struct psess *s = proxy_sess_open(lc, 0, AF_INET, src, (uint16_t)(1024 + i % 60000));

		if (s == NULL)
			break;
		opened++;
		if (wk == NULL) {
			wk = s->pl->wk;
			conns0 = wk->in[0].conns - 1;
		}
		CU_ASSERT_NOT_EQUAL(s->state, PS_FREE);
		CU_ASSERT_EQUAL(wk->active, 1);
		CU_ASSERT_EQUAL(wk->in[0].active, 1);
		if (c->set_up) {
			s->state = PS_UDP;
			s->req.cmd = RB_CMD_UDP_ASSOCIATE;
		}
		if (c->close_req) {
			wk->close_req[0] = s->id;
			proxy_lcore_poll(lc);
		} else {
			proxy_sess_free(s);
		}
		CU_ASSERT_EQUAL(s->state, PS_FREE);
		if (wk->active != 0) {
			fprintf(stderr, "\n%s: session %d still active\n", c->name, i);
			break;
		}
	}
	if (opened != ROUNDS)
		fprintf(stderr, "\n%s: %d of %d opened\n", c->name, opened, ROUNDS);
	CU_ASSERT_EQUAL(opened, ROUNDS);
	CU_ASSERT_PTR_NOT_NULL_FATAL(wk);
	CU_ASSERT_EQUAL(wk->active, 0);
	CU_ASSERT_EQUAL(wk->in[0].active, 0);
	CU_ASSERT_EQUAL(wk->in[0].conns - conns0, (uint64_t)opened);
	/* shutdown ends (it frees every active session first) */
	if (wk->active == 0)
		proxy_lcore_fini(lc);
	fx_teardown();
}

#define ROWS_N 10
#define ROWS_SLICE "3"

struct rows_case {
	const char *name;
	int free_at;            /* after the first slice: free this session, open
				 * another (its slot reused at the tail); -1 none */
	int polls;              /* poll_ms apart, the first starts a sweep */
	int poll_ms;
	int refreshes;          /* of each first-opened session still open */
};

static const struct rows_case rows_cases[] = {
	{ "every row within ceil(10 / 3) = 4 slices", -1, 4, 1, 1 },
	{ "the cursor's session freed, its slot reused", 3, 4, 1, 1 },
	{ "one sweep per RB_CONN_TCP_REFRESH_MS (200 polls, 1 ms apart)", -1,
	  2 * RB_CONN_TCP_REFRESH_MS, 1, 2 },
	{ "polls 10 ms apart (the worker's): 3 rows per ms, all in 2 polls", -1, 2, 10, 1 },
};

static void rows_case(const struct rows_case *c)
{
	const uint8_t src[4] = {10, 1, 0, 2};
	struct psess *ss[ROWS_N];
	uint32_t seq0[ROWS_N];
	struct rb_lcore *lc;

	CU_ASSERT_EQUAL_FATAL(fx_setup(cfg), 0);
	lc = fx_lc(0);
	setenv("RB_CONNS_ROWS_SLICE", ROWS_SLICE, 1);
	CU_ASSERT_EQUAL_FATAL(proxy_lcore_init(lc), 0);
	unsetenv("RB_CONNS_ROWS_SLICE");
	for (int i = 0; i < ROWS_N; i++) {
		ss[i] = proxy_sess_open(lc, 0, AF_INET, src, (uint16_t)(2000 + i));
		CU_ASSERT_PTR_NOT_NULL_FATAL(ss[i]);
		CU_ASSERT_PTR_NOT_NULL_FATAL(ss[i]->info);
		seq0[i] = ss[i]->info->seq;
	}
	for (int p = 0; p < c->polls; p++) {
		fx_advance_ms((uint64_t)c->poll_ms);
		proxy_lcore_poll(lc);
		if (p == 0 && c->free_at >= 0) {
			CU_ASSERT_PTR_EQUAL(ss[0]->pl->rows_cur, ss[c->free_at]);
			proxy_sess_free(ss[c->free_at]);
			CU_ASSERT_PTR_EQUAL(proxy_sess_open(lc, 0, AF_INET, src, 3000),
					    ss[c->free_at]); /* the same slot, now at the tail */
			ss[c->free_at] = NULL;
		}
	}
	for (int i = 0; i < ROWS_N; i++) {
		uint32_t n;

		if (ss[i] == NULL)
			continue;
		n = (ss[i]->info->seq - seq0[i]) / 2;
		if (n != (uint32_t)c->refreshes)
			fprintf(stderr, "\n%s: session %d refreshed %u times\n", c->name, i, n);
		CU_ASSERT_EQUAL(n, (uint32_t)c->refreshes);
	}
	proxy_lcore_fini(lc);
	fx_teardown();
}

static void test_tcp_rows(void)
{
	for (size_t i = 0; i < sizeof(rows_cases) / sizeof(rows_cases[0]); i++)
		rows_case(&rows_cases[i]);
}

/* The poll's walk (proxy_lcore_poll) with RB_PROXY_WALK_SLICE=3: ten
 * sessions past their deadline end three a poll; with the walk's cursor
 * session freed between polls and its slot reused at the tail (no
 * deadline), the walk goes on from the next one. */
static void test_poll_walk(void)
{
	const uint8_t src[4] = {10, 1, 0, 2};
	static const uint64_t left[2][4] = {
		{7, 4, 1, 0},   /* after each poll */
		{7, 4, 1, 1},   /* cursor's session freed after poll 1, a new one opened */
	};
	struct psess *ss[ROWS_N];

	for (int c = 0; c < 2; c++) {
		struct rb_conn_worker *wk;
		struct rb_lcore *lc;

		CU_ASSERT_EQUAL_FATAL(fx_setup(cfg), 0);
		lc = fx_lc(0);
		setenv("RB_PROXY_WALK_SLICE", "3", 1);
		CU_ASSERT_EQUAL_FATAL(proxy_lcore_init(lc), 0);
		unsetenv("RB_PROXY_WALK_SLICE");
		for (int i = 0; i < ROWS_N; i++) {
			ss[i] = proxy_sess_open(lc, 0, AF_INET, src, (uint16_t)(4000 + i));
			CU_ASSERT_PTR_NOT_NULL_FATAL(ss[i]);
			ss[i]->deadline = fx_now() + 1; /* PS_HANDSHAKE: a timeout */
		}
		wk = ss[0]->pl->wk;
		for (int p = 0; p < 4; p++) {
			fx_advance_ms(10);
			proxy_lcore_poll(lc);
			if (p == 0 && c == 1) {
				CU_ASSERT_PTR_EQUAL(ss[0]->pl->walk_cur, ss[3]);
				proxy_sess_free(ss[3]);
				CU_ASSERT_PTR_EQUAL(proxy_sess_open(lc, 0, AF_INET, src, 3000), ss[3]);
			}
			if (wk->active != left[c][p])
				fprintf(stderr, "\nwalk case %d: %lu sessions after poll %d\n", c,
					(unsigned long)wk->active, p + 1);
			CU_ASSERT_EQUAL(wk->active, left[c][p]);
		}
		CU_ASSERT_EQUAL(wk->in[0].errors[RB_PERR_TIMEOUT], (uint64_t)(ROWS_N - c));
		proxy_lcore_fini(lc);
		fx_teardown();
	}
}

static void test_sess_table(void)
{
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		run_case(&cases[i]);
}

static int sess_register(void)
{
	CU_pSuite su;

	if (fx_proxy_cfg(cfg, sizeof(cfg), "sess", "") != 0)
		return -1;
	su = CU_add_suite("proxy sessions opened by another layer", NULL, NULL);
	CU_add_test(su, "open / free table", test_sess_table);
	CU_add_test(su, "conns TCP rows: bounded sweep", test_tcp_rows);
	CU_add_test(su, "poll walk: bounded, cursor past a freed session", test_poll_walk);
	return 0;
}

int main(int argc, char **argv)
{
	(void)argc;
	return fx_cunit_main(argv[0], "test_proxy_sess", sess_register, 0);
}
