/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Every way a connection ends gives back all it held: after each close path
 * (table) both stacks are back to no connection, no queued memory, no
 * SYN_RECEIVED or TIME_WAIT entry, the listener's SYN queue is empty, the
 * path's counter moved, and the listener still answers a new SYN.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <CUnit/CUnit.h>
#include "test_tcp_harness.h"
#include "test_tcp_app.h"
#include "dataplane/tcp/tcp_priv.h"

#define MS 1000000ull
#define SEC 1000000000ull

enum close_path {
	CP_PEER_RST,        /* the client aborts: RST into ESTABLISHED */
	CP_LOCAL_ABORT,     /* the server's application aborts */
	CP_RTO_GIVEUP,      /* the client vanishes while the server sends */
	CP_TIME_WAIT,       /* orderly close, the server closes first */
	CP_SYN_RCVD,        /* SYN-ACKs never answered */
	CP_REFUSED,         /* on_accept refuses */
	CP_FIN_WAIT2,       /* server closed, the client never sends its FIN */
	CP_UNREAD,          /* server closes with unread data: RST */
	CP_KEEPALIVE,       /* idle peer gone: keepalive gives up */
};

struct close_case {
	const char *name;
	enum close_path path;
	bool drop_ev;       /* counter below is a drop, else an event */
	int counter;        /* must have moved on host 1 */
};

static const struct close_case close_cases[] = {
	{"RST from the peer", CP_PEER_RST, false, RB_EV_TCP_RST_RX},
	{"local abort", CP_LOCAL_ABORT, false, RB_EV_TCP_RST_TX},
	{"retransmission give-up", CP_RTO_GIVEUP, false, RB_EV_TCP_TIMEOUT},
	{"TIME_WAIT expiry", CP_TIME_WAIT, false, RB_EV_TCP_CLOSED},
	{"SYN_RECEIVED timeout", CP_SYN_RCVD, false, RB_EV_TCP_TIMEOUT},
	{"accept refused", CP_REFUSED, false, RB_EV_TCP_ACCEPT_REFUSED},
	{"orphaned FIN_WAIT_2 timeout", CP_FIN_WAIT2, false, RB_EV_TCP_TIMEOUT},
	{"close with unread data", CP_UNREAD, false, RB_EV_TCP_RST_TX},
	{"keepalive timeout", CP_KEEPALIVE, false, RB_EV_TCP_TIMEOUT},
};

static void small_timers(int h)
{
	struct tcp_params *p = tcp_params(&th.h[h].lc);

	p->msl_ms = 100;
	p->fin_wait2_ms = 300;
	p->retries = 3;
	p->syn_retries = 2;
}

static void stack_idle(int h, const struct tcp_listener *l, const char *name)
{
	const struct tcp_stack *st = th.h[h].lc.tcp;

	if (st->n_conns || st->mem || st->n_synrcvd || st->n_tw || st->n_mem_wait ||
	    (l && l->n_synrcvd))
		printf("\n  %s: host %d conns %u mem %lu synrcvd %u tw %u memwait %u lsyn %u", name,
		       h, st->n_conns, (unsigned long)st->mem, st->n_synrcvd, st->n_tw,
		       st->n_mem_wait, l ? l->n_synrcvd : 0);
	CU_ASSERT_EQUAL(st->n_conns, 0);
	CU_ASSERT_EQUAL(st->mem, 0);
	CU_ASSERT_EQUAL(st->n_synrcvd, 0);
	CU_ASSERT_EQUAL(st->n_tw, 0);
	CU_ASSERT_EQUAL(st->n_mem_wait, 0);
	if (l)
		CU_ASSERT_EQUAL(l->n_synrcvd, 0);
}

static void run_close_case(const struct close_case *cc)
{
	struct app_server srv = {0};
	struct app a, b;
	uint8_t *data = pattern(256 << 10, 5);
	uint64_t before;

	th_setup(2, false);
	small_timers(0);
	small_timers(1);
	if (cc->path == CP_KEEPALIVE) {
		tcp_params(&th.h[1].lc)->keepalive_ms = 500;
		tcp_params(&th.h[1].lc)->keepalive_intvl_ms = 100;
		tcp_params(&th.h[1].lc)->keepalive_probes = 2;
	}
	srv.refuse = cc->path == CP_REFUSED;
	srv.tmpl.no_read = cc->path == CP_UNREAD;
	CU_ASSERT_PTR_NOT_NULL_FATAL(app_listen(&srv, 1, 7000, TCP_COOKIES_NEVER, 0, NULL));
	before = cc->drop_ev ? th_counter_drop(1, cc->counter) : th_counter_ev(1, cc->counter);
	app_init(&a);
	if (cc->path == CP_SYN_RCVD)
		th.h[0].blackhole_rx = true; /* the client never sees the SYN-ACK */
	CU_ASSERT_PTR_NOT_NULL_FATAL(app_connect(&a, 0, 1, AF_INET, 7000, 0, NULL));
	th_run(100 * MS);
	if (cc->path != CP_SYN_RCVD && cc->path != CP_REFUSED)
		CU_ASSERT_EQUAL_FATAL(srv.n, 1);
	switch (cc->path) {
	case CP_PEER_RST:
		tcp_abort(a.c);
		a.c = NULL;
		break;
	case CP_LOCAL_ABORT:
		tcp_abort(srv.apps[0].c);
		srv.apps[0].c = NULL;
		break;
	case CP_RTO_GIVEUP:
		th.h[0].blackhole_rx = th.h[0].blackhole_tx = true;
		tcp_write(srv.apps[0].c, data, 64 << 10);
		break;
	case CP_TIME_WAIT:
		a.close_on_eof = true;
		tcp_close(srv.apps[0].c);
		srv.apps[0].c = NULL;
		break;
	case CP_FIN_WAIT2:
		tcp_close(srv.apps[0].c); /* the client reads the EOF and stays */
		srv.apps[0].c = NULL;
		break;
	case CP_UNREAD:
		tcp_write(a.c, data, 1000);
		th_run(100 * MS);
		tcp_close(srv.apps[0].c);
		srv.apps[0].c = NULL;
		break;
	case CP_KEEPALIVE:
		th.h[0].blackhole_rx = th.h[0].blackhole_tx = true;
		break;
	case CP_SYN_RCVD:
	case CP_REFUSED:
		break;
	}
	th_run(10 * SEC);
	th.h[0].blackhole_rx = th.h[0].blackhole_tx = false;
	/* the client side of the paths that leave it open */
	if (a.c != NULL)
		tcp_abort(a.c);
	a.c = NULL;
	th_run(2 * SEC);
	if ((cc->drop_ev ? th_counter_drop(1, cc->counter) : th_counter_ev(1, cc->counter)) <= before) {
		printf("\n  %s: its counter did not move", cc->name);
		CU_FAIL("close path counted");
	}
	stack_idle(1, srv.l, cc->name);
	stack_idle(0, NULL, cc->name);
	/* the listener answers again */
	srv.refuse = false;
	srv.tmpl.no_read = false;
	app_init(&b);
	CU_ASSERT_PTR_NOT_NULL_FATAL(app_connect(&b, 0, 1, AF_INET, 7000, 0, NULL));
	th_run(100 * MS);
	CU_ASSERT_EQUAL(b.connected, 1);
	if (b.c)
		tcp_abort(b.c);
	th_run(SEC);
	for (int i = 0; i < srv.n; i++)
		app_free(&srv.apps[i]);
	app_free(&a);
	app_free(&b);
	free(data);
	CU_ASSERT_EQUAL(th_teardown(), 0);
}

static void test_close_paths(void)
{
	for (unsigned i = 0; i < RTE_DIM(close_cases); i++)
		run_close_case(&close_cases[i]);
}

/* The timer wheel turns once per 1.024 s (1 ms slots): loops stalled longer
 * than a turn (tcp_lcore_poll's catch-up path) must still fire every
 * connection's timers, rounded up to whole turns: each step below jumps
 * `step_ms` at once. */
struct wheel_case {
	const char *name;
	uint32_t step_ms;
	int n;
};

static const struct wheel_case wheel_cases[] = {
	{"steps of 1 ms", 1, 40},
	{"steps of 700 ms", 700, 40},
	{"steps of 1500 ms (> a wheel turn)", 1500, 40},
	{"steps of 5 s", 5000, 40},
};

static void test_wheel_jumps(void)
{
	for (unsigned ci = 0; ci < RTE_DIM(wheel_cases); ci++) {
		const struct wheel_case *wc = &wheel_cases[ci];
		struct app_server srv = {0};
		struct app *cl = calloc((size_t)wc->n, sizeof(*cl));
		uint8_t *data = pattern(4096, 3);
		uint64_t t0, timeouts0, live = 0;
		int ok = 1;

		th_setup(2, false);
		small_timers(1);
		srv.refuse = false;
		CU_ASSERT_PTR_NOT_NULL_FATAL(app_listen(&srv, 1, 7100, TCP_COOKIES_NEVER, 0, NULL));
		/* the app_server holds 8 apps: it refuses the rest (RST) */
		for (int i = 0; i < wc->n; i++) {
			app_init(&cl[i]);
			CU_ASSERT_PTR_NOT_NULL_FATAL(app_connect(&cl[i], 0, 1, AF_INET, 7100, 0, NULL));
			th_run(2 * MS);
		}
		th_run(100 * MS);
		CU_ASSERT_EQUAL(srv.n, 8);
		/* every client writes, then vanishes: host 1 acks, host 0 retransmits
		 * into the void until it gives up (retries = 3 on both) */
		small_timers(0);
		for (int i = 0; i < wc->n; i++)
			if (cl[i].c && cl[i].connected == 1) {
				tcp_write(cl[i].c, data, 4096);
				live++;
			}
		CU_ASSERT_EQUAL(live, 8);
		th.h[0].blackhole_rx = true;
		th.h[0].blackhole_tx = true;
		timeouts0 = th_counter_ev(0, RB_EV_TCP_TIMEOUT);
		t0 = th.now;
		while (th.now - t0 < 120 * SEC) {
			th.now += (uint64_t)wc->step_ms * MS;
			for (int h = 0; h < 2; h++) {
				th.h[h].lc.now = th.now;
				tcp_lcore_poll(&th.h[h].lc);
			}
			if (th.h[0].lc.tcp->n_conns == 0)
				break;
		}
		if (th.h[0].lc.tcp->n_conns != 0 ||
		    th_counter_ev(0, RB_EV_TCP_TIMEOUT) - timeouts0 != live) {
			printf("\n  wheel '%s': %u connections left, %lu timeouts", wc->name,
			       th.h[0].lc.tcp->n_conns,
			       (unsigned long)(th_counter_ev(0, RB_EV_TCP_TIMEOUT) - timeouts0));
			ok = 0;
		}
		CU_ASSERT(ok);
		th.h[0].blackhole_rx = th.h[0].blackhole_tx = false;
		for (int i = 0; i < srv.n; i++)
			if (srv.apps[i].c)
				tcp_abort(srv.apps[i].c);
		th_run(SEC);
		for (int i = 0; i < srv.n; i++)
			app_free(&srv.apps[i]);
		for (int i = 0; i < wc->n; i++)
			app_free(&cl[i]);
		free(cl);
		free(data);
		CU_ASSERT_EQUAL(th_teardown(), 0);
	}
}

void test_tcp_close_register(CU_pSuite s);

void test_tcp_close_register(CU_pSuite s)
{
	CU_add_test(s, "every close path frees all (table)", test_close_paths);
	CU_add_test(s, "timers fire across loop stalls (table)", test_wheel_jumps);
}
