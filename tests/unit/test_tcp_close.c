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

/* The passive closer's final ACK arrives late (RX backlog): the echo side
 * (LAST_ACK) probes or retransmits its tail + FIN, then takes the late ACK
 * and frees the connection; the client's ACK of the spurious copy meets the
 * listener, which answers with a RST (RFC 9293 3.10.7.2) counted as a bad
 * cookie -- the RSTs seen in test_tcp_many_conns.  Rows: how many ACKs of
 * the FIN are held back before the first is let through. */
struct late_ack {
	uint32_t fin_end;   /* server's FIN sequence + 1, once seen */
	bool have_fin;
	struct rte_mbuf *held;
	int n_held;
};

static bool late_ack_filter(int from, struct rte_mbuf *m, void *arg)
{
	struct late_ack *la = arg;
	struct th_tcp_view v;

	if (!th_tcp_parse(m, &v))
		return false;
	if (from == 1 && (v.flags & TCP_FIN)) {
		la->fin_end = v.seq + v.len + 1;
		la->have_fin = true;
		return false;
	}
	if (from == 0 && la->have_fin && la->held == NULL && v.len == 0 &&
	    v.flags == TCP_ACK && v.ack == la->fin_end) {
		la->held = rte_pktmbuf_copy(m, th.pool, 0, UINT32_MAX);
		la->n_held++;
		return true;
	}
	return false;
}

struct late_case {
	const char *name;
	bool sack;          /* SACK on: a tail loss probe, else the RTO */
};

static const struct late_case late_cases[] = {
	{"tail loss probe", true},
	{"RTO", false},
};

static void test_late_final_ack(void)
{
	for (unsigned ci = 0; ci < RTE_DIM(late_cases); ci++) {
		const struct late_case *lc = &late_cases[ci];
		struct late_ack la = {0};
		uint8_t *data = pattern(4096, 9);
		uint64_t rst0, bad0, rx0;
		struct app a;

		th_setup(2, true);
		tcp_params(&th.h[0].lc)->sack = lc->sack;
		th.delay_ns = 1 * MS;
		th.filter = late_ack_filter;
		th.filter_arg = &la;
		CU_ASSERT_PTR_NOT_NULL_FATAL(app_send_all(&a, AF_INET, 7, NULL, data, 4096));
		rx0 = th_counter_ev(1, RB_EV_TCP_RETRANSMIT);
		rst0 = th_counter_ev(1, RB_EV_TCP_RST_TX);
		bad0 = th_counter_drop(1, RB_DROP_TCP_COOKIE_BAD);
		for (int t = 0; t < 5000 && !(la.held && th_counter_ev(1, RB_EV_TCP_RETRANSMIT) > rx0);
		     t++)
			th_run(MS / 4);
		CU_ASSERT_PTR_NOT_NULL_FATAL(la.held);
		CU_ASSERT(th_counter_ev(1, RB_EV_TCP_RETRANSMIT) > rx0);
		/* the late ACK: the server frees its side */
		th_deliver(1, la.held);
		CU_ASSERT_EQUAL(th.h[1].lc.tcp->n_conns, 0);
		th_run(SEC);
		if (th_counter_ev(1, RB_EV_TCP_RST_TX) == rst0)
			printf("\n  late final ACK '%s': no RST", lc->name);
		CU_ASSERT(th_counter_ev(1, RB_EV_TCP_RST_TX) > rst0);
		CU_ASSERT_EQUAL(th_counter_ev(1, RB_EV_TCP_RST_TX) - rst0,
				th_counter_drop(1, RB_DROP_TCP_COOKIE_BAD) - bad0);
		CU_ASSERT_EQUAL(la.n_held, 1);
		CU_ASSERT(a.eof);
		CU_ASSERT(a.rx_len == 4096 && memcmp(a.rx, data, 4096) == 0);
		stack_idle(1, NULL, lc->name);
		if (a.c)
			tcp_abort(a.c);
		th_run(SEC);
		app_free(&a);
		free(data);
		CU_ASSERT_EQUAL(th_teardown(), 0);
	}
}

/* ---- segments of a short exchange: ACKs that ride on data or a FIN ----
 * The handshake's ACK of an active open goes at the end of the input pass,
 * so data on_connected writes carries it; a FIN into ESTABLISHED is
 * acknowledged with a delayed ACK, so a close within delack_ms carries it
 * (tcp_input.c tcp_synsent_input, tcp_fin_in).  Rows: does the client write
 * in on_connected, when does the server close after the client's FIN
 * (0: never), how many pure ACKs each side may send. */
struct seg_log {
	int pure_acks[2];   /* segments with only ACK set and no data, per host */
	int segs[2];
	uint64_t first_pure_ack_at[2];
	uint64_t fin_in_at;  /* the client's FIN reached the wire */
};

static bool seg_log_filter(int from, struct rte_mbuf *m, void *arg)
{
	struct seg_log *sl = arg;
	struct th_tcp_view v;

	if (!th_tcp_parse(m, &v) || from > 1)
		return false;
	sl->segs[from]++;
	if (v.flags == TCP_ACK && v.len == 0 && sl->pure_acks[from]++ == 0)
		sl->first_pure_ack_at[from] = th.now;
	if (from == 0 && (v.flags & TCP_FIN) && sl->fin_in_at == 0)
		sl->fin_in_at = th.now;
	return false;
}

struct seg_case {
	const char *name;
	bool early_data;        /* the client writes 100 bytes + FIN in on_connected */
	uint64_t srv_close_ns;  /* the server closes this long after the FIN; 0 never */
	int cli_pure_acks;      /* exact pure ACKs from the client */
	int srv_pure_acks;      /* exact pure ACKs from the server */
	bool srv_ack_delayed;   /* the server's one pure ACK comes >= delack_ms late */
};

static const struct seg_case seg_cases[] = {
	/* data rides on the handshake's ACK; the FIN's ACK on the server's FIN;
	 * the client's last ACK is the one pure ACK of the exchange */
	{"data in on_connected, server closes at 5 ms", true, 5 * MS, 1, 0, false},
	/* nothing to write: the handshake's ACK goes alone, in the same pass */
	{"no data in on_connected, server closes at 5 ms", false, 5 * MS, 2, 0, false},
	/* the server never closes: its ACK of the FIN after delack_ms */
	{"data in on_connected, server never closes", true, 0, 0, 1, true},
};

static void test_seg_piggyback(void)
{
	for (unsigned ci = 0; ci < RTE_DIM(seg_cases); ci++) {
		const struct seg_case *sc = &seg_cases[ci];
		struct app_server srv = {0};
		struct seg_log sl = {0};
		uint8_t *data = pattern(100, 3);
		struct app a;
		uint32_t delack_ms;

		th_setup(2, false);
		small_timers(0);
		small_timers(1);
		delack_ms = tcp_params(&th.h[1].lc)->delack_ms;
		th.delay_ns = 100000; /* 0.1 ms one way */
		th.filter = seg_log_filter;
		th.filter_arg = &sl;
		CU_ASSERT_PTR_NOT_NULL_FATAL(app_listen(&srv, 1, 7000, TCP_COOKIES_NEVER, 0, NULL));
		app_init(&a);
		if (sc->early_data) {
			a.tx = data;
			a.tx_len = 100;
			a.shut_after_tx = true;
		}
		CU_ASSERT_PTR_NOT_NULL_FATAL(app_connect(&a, 0, 1, AF_INET, 7000, 0, NULL));
		th_run(2 * MS);
		CU_ASSERT_EQUAL_FATAL(srv.n, 1);
		if (sc->early_data) {
			/* FIN in, its ACK still delayed: the window promise is gone
			 * already (else the lcore's budget shrinks for nothing) */
			CU_ASSERT(srv.apps[0].eof);
			CU_ASSERT_EQUAL(th.h[1].lc.tcp->rcv_promise, 0);
			CU_ASSERT_EQUAL(th.h[1].lc.tcp->n_rcv_promised, 0);
		}
		if (!sc->early_data) {
			tcp_write(a.c, data, 100);
			tcp_shutdown(a.c);
		}
		if (sc->srv_close_ns) {
			th_run(sc->srv_close_ns);
			CU_ASSERT(srv.apps[0].eof);
			CU_ASSERT_EQUAL(srv.apps[0].rx_len, 100);
			a.close_on_eof = true;
			tcp_close(srv.apps[0].c);
			srv.apps[0].c = NULL;
			th_run(SEC);
		} else {
			th_run((uint64_t)delack_ms * MS * 2);
			CU_ASSERT(srv.apps[0].eof);
		}
		if (sl.pure_acks[0] != sc->cli_pure_acks || sl.pure_acks[1] != sc->srv_pure_acks)
			printf("\n  %s: pure ACKs client %d server %d (segments %d %d)", sc->name,
			       sl.pure_acks[0], sl.pure_acks[1], sl.segs[0], sl.segs[1]);
		CU_ASSERT_EQUAL(sl.pure_acks[0], sc->cli_pure_acks);
		CU_ASSERT_EQUAL(sl.pure_acks[1], sc->srv_pure_acks);
		if (sc->srv_ack_delayed && sl.pure_acks[1] == 1)
			CU_ASSERT(sl.first_pure_ack_at[1] >= sl.fin_in_at + (uint64_t)delack_ms * MS);
		if (sc->srv_close_ns) {
			stack_idle(1, srv.l, sc->name);
		} else {
			tcp_abort(srv.apps[0].c);
			srv.apps[0].c = NULL;
			if (a.c)
				tcp_abort(a.c);
			th_run(SEC);
		}
		th.filter = NULL;
		app_free(&a);
		for (int i = 0; i < srv.n; i++)
			app_free(&srv.apps[i]);
		free(data);
		CU_ASSERT_EQUAL(th_teardown(), 0);
	}
}

/* A connection closed, shut down or aborted from inside another's
 * callback runs no third connection's callback from within it: the stack
 * only queues the work, and the deferred-work loop it is in runs it next
 * (a UDP chain closing its detour's control connection from on_readable
 * was re-entered by the detour's own teardown and freed it twice). */
enum nest_act { NEST_CLOSE, NEST_SHUTDOWN, NEST_ABORT };

static const struct nest_case {
	const char *name;
	enum nest_act act;
} nest_cases[] = {
	{"tcp_close", NEST_CLOSE},
	{"tcp_shutdown", NEST_SHUTDOWN},
	{"tcp_abort", NEST_ABORT},
};

static struct nest_state {
	enum nest_act act;
	struct app *target;     /* closed by the first on_readable */
	int depth, max_depth;
	unsigned calls;
} nest;

static void nest_readable(struct tcp_conn *c)
{
	struct app *a = tcp_user(c);

	nest.depth++;
	nest.max_depth = RTE_MAX(nest.max_depth, nest.depth);
	nest.calls++;
	app_read(a);
	if (nest.target != NULL && nest.target->c != NULL) {
		struct tcp_conn *t = nest.target->c;

		if (nest.act != NEST_SHUTDOWN)
			nest.target->c = NULL;
		if (nest.act == NEST_CLOSE)
			tcp_close(t);
		else if (nest.act == NEST_SHUTDOWN)
			tcp_shutdown(t);
		else
			tcp_abort(t);
		nest.target = NULL;
	}
	nest.depth--;
}

static struct tcp_callbacks nest_cb;

static void test_close_from_callback(void)
{
	nest_cb = app_cb;
	nest_cb.on_readable = nest_readable;
	for (unsigned ci = 0; ci < RTE_DIM(nest_cases); ci++) {
		const struct nest_case *nc = &nest_cases[ci];
		struct app_server srv = {0};
		struct app cl[3];
		uint8_t *data = pattern(100, 9);

		th_setup(2, false);
		th.rx_burst = 8;
		CU_ASSERT_PTR_NOT_NULL_FATAL(app_listen(&srv, 1, 7002, TCP_COOKIES_NEVER, 0, NULL));
		for (int i = 0; i < 3; i++) {
			app_init(&cl[i]);
			CU_ASSERT_PTR_NOT_NULL_FATAL(app_connect(&cl[i], 0, 1, AF_INET, 7002, 0, NULL));
		}
		th_run(100 * MS);
		CU_ASSERT_EQUAL_FATAL(srv.n, 3);
		for (int i = 0; i < 2; i++)
			tcp_set_callbacks(srv.apps[i].c, &nest_cb, &srv.apps[i]);
		memset(&nest, 0, sizeof(nest));
		nest.act = nc->act;
		nest.target = &srv.apps[2];
		/* one RX burst at host 1 makes both readable at its end */
		CU_ASSERT_EQUAL(tcp_write(cl[0].c, data, 100), 100);
		CU_ASSERT_EQUAL(tcp_write(cl[1].c, data, 100), 100);
		th_run(100 * MS);
		if (nest.max_depth != 1 || nest.calls < 2)
			printf("\n  %s from on_readable: %u calls, depth %d", nc->name, nest.calls,
			       nest.max_depth);
		CU_ASSERT_EQUAL(nest.max_depth, 1);
		CU_ASSERT(nest.calls >= 2);
		CU_ASSERT_PTR_NULL(nest.target);
		CU_ASSERT_EQUAL(srv.apps[0].rx_len, 100);
		CU_ASSERT_EQUAL(srv.apps[1].rx_len, 100);
		/* the target's peer saw the close (FIN or RST) */
		CU_ASSERT(cl[2].eof || cl[2].closed);
		th.rx_burst = 0;
		for (int i = 0; i < 3; i++) {
			if (cl[i].c)
				tcp_abort(cl[i].c);
			cl[i].c = NULL;
			if (srv.apps[i].c)
				tcp_abort(srv.apps[i].c);
			srv.apps[i].c = NULL;
		}
		th_run(2 * SEC);
		stack_idle(0, NULL, nc->name);
		stack_idle(1, srv.l, nc->name);
		for (int i = 0; i < 3; i++) {
			app_free(&cl[i]);
			app_free(&srv.apps[i]);
		}
		free(data);
		CU_ASSERT_EQUAL(th_teardown(), 0);
	}
}

void test_tcp_close_register(CU_pSuite s);

void test_tcp_close_register(CU_pSuite s)
{
	CU_add_test(s, "every close path frees all (table)", test_close_paths);
	CU_add_test(s, "timers fire across loop stalls (table)", test_wheel_jumps);
	CU_add_test(s, "late final ACK of a passive close (table)", test_late_final_ack);
	CU_add_test(s, "ACKs ride on data and FINs (table)", test_seg_piggyback);
	CU_add_test(s, "a close from a callback nests no other callback (table)",
		    test_close_from_callback);
}
