/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A sender facing a closed window (a slow reader, as test_control_conns'
 * rate-limited curl behind an autotuned multi-MB buffer):
 * - its RST reaches the peer whatever state the window is in (table): a
 *   receiver takes a RST only inside its window (RFC 9293 3.10.7.4; RFC
 *   5961 3.2: at RCV.NXT, elsewhere a challenge ACK), and silently drops one
 *   beyond it, which a zero-window probe's byte past the right edge used to
 *   cause (the peer's socket stayed open until it sent again);
 * - the answers to its zero-window probes are no duplicate ACKs (the
 *   probe's byte lies beyond the window: no loss, no recovery);
 * - once the reader drains, data flows again within one probe interval,
 *   also when the window update that announces it is lost (table).
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

/* host 0 sends `size` bytes to host 1 (a reader that does not read,
 * receive buffer 64 KiB) until the window is closed */
struct zw {
	struct app_server srv;
	struct app a;
	uint8_t *data;
	size_t size;
};

static void zw_start(struct zw *z, bool reads)
{
	memset(z, 0, sizeof(*z));
	z->size = 1 << 20;
	z->data = pattern(z->size, 17);
	th_setup(2, false);
	th.delay_ns = 500000; /* 1 ms RTT */
	tcp_params(&th.h[1].lc)->rcvbuf = 64 << 10;
	z->srv.tmpl.no_read = !reads;
	CU_ASSERT_PTR_NOT_NULL_FATAL(app_listen(&z->srv, 1, 5100, TCP_COOKIES_NEVER, 0, NULL));
	app_init(&z->a);
	z->a.tx = z->data;
	z->a.tx_len = z->size;
	CU_ASSERT_PTR_NOT_NULL_FATAL(app_connect(&z->a, 0, 1, AF_INET, 5100, 0, NULL));
}

static void zw_end(struct zw *z)
{
	if (z->a.c)
		tcp_abort(z->a.c);
	for (int i = 0; i < z->srv.n; i++)
		if (z->srv.apps[i].c)
			tcp_abort(z->srv.apps[i].c);
	th_run(SEC);
	app_free(&z->a);
	for (int i = 0; i < z->srv.n; i++)
		app_free(&z->srv.apps[i]);
	free(z->data);
	CU_ASSERT_EQUAL(th_teardown(), 0);
}

/* ---- the RST of an abort reaches the peer (table) ---- */
enum rst_when {
	RW_INFLIGHT,    /* window open, data in flight: seq past RCV.NXT (challenge ACK) */
	RW_CLOSED,      /* window closed, all acknowledged, no probe sent yet */
	RW_PROBE,       /* a zero-window probe's byte out, one past the right edge */
	RW_PROBES,      /* several probes answered */
};

struct rst_case {
	const char *name;
	enum rst_when when;
	uint64_t min_zwp; /* zero-window probes sent before the abort */
};

static const struct rst_case rst_cases[] = {
	{"window open, data in flight", RW_INFLIGHT, 0},
	{"window closed, no probe yet", RW_CLOSED, 0},
	{"window closed, a probe's byte out", RW_PROBE, 1},
	{"window closed, four probes answered", RW_PROBES, 4},
};

struct rst_wait {
	struct app *a;
	enum rst_when when;
	uint64_t min_zwp;
};

static bool rst_ready(void *arg)
{
	struct rst_wait *w = arg;
	struct tcp_info i;

	if (w->a->c == NULL || w->a->connected != 1)
		return false;
	tcp_get_info(w->a->c, &i);
	switch (w->when) {
	case RW_INFLIGHT:
		return i.inflight > 0 && i.snd_wnd > 0 && i.bytes_acked > 0;
	case RW_CLOSED:
		return i.snd_wnd == 0 && i.inflight == 0;
	default:
		return i.snd_wnd == 0 && i.inflight == 1 &&
		       th_counter_ev(0, RB_EV_TCP_ZWP) >= w->min_zwp;
	}
}

static void test_rst_closed_window(void)
{
	for (size_t k = 0; k < sizeof(rst_cases) / sizeof(rst_cases[0]); k++) {
		const struct rst_case *rc = &rst_cases[k];
		struct rst_wait w;
		struct zw z;
		uint64_t rst_rx0;
		struct app *peer;

		zw_start(&z, rc->when == RW_INFLIGHT);
		w = (struct rst_wait){.a = &z.a, .when = rc->when, .min_zwp = rc->min_zwp};
		if (!th_run_until(rst_ready, &w, 60 * SEC)) {
			printf("\n  '%s': state never reached", rc->name);
			CU_FAIL("state before the abort never reached");
			zw_end(&z);
			continue;
		}
		if (rc->when != RW_INFLIGHT) {
			/* the last probe's answer in, the next probe >= 200 ms away */
			th_run(10 * MS);
			CU_ASSERT_FATAL(rst_ready(&w));
		}
		CU_ASSERT_EQUAL_FATAL(z.srv.n, 1);
		peer = &z.srv.apps[0];
		rst_rx0 = th_counter_ev(1, RB_EV_TCP_RST_RX);
		tcp_abort(z.a.c);
		z.a.c = NULL;
		/* nothing else leaves host 0 (its connection is gone) and the
		 * stalled reader sends nothing on its own: only the RST (and a
		 * challenge ACK's answer) can end the peer's connection */
		th_run(SEC);
		if (!peer->closed)
			printf("\n  '%s': the peer's connection is still open", rc->name);
		CU_ASSERT(peer->closed);
		CU_ASSERT_EQUAL(peer->close_err, -ECONNRESET);
		CU_ASSERT_EQUAL(th_counter_ev(1, RB_EV_TCP_RST_RX) - rst_rx0, 1);
		CU_ASSERT_EQUAL(th.h[1].lc.tcp->n_conns, 0);
		zw_end(&z);
	}
}

/* ---- the window reopens: data again within one probe interval ---- */
struct reopen_case {
	const char *name;
	uint64_t closed_ns;   /* how long the reader stalls with the window closed */
	bool lose_update;     /* the reader's window update is lost */
};

static const struct reopen_case reopen_cases[] = {
	{"short stall, update delivered", 300 * MS, false},
	{"short stall, update lost", 300 * MS, true},
	{"long stall (probe backoff), update delivered", 20 * SEC, false},
	{"long stall (probe backoff), update lost", 20 * SEC, true},
};

struct lose_first_ack {
	bool armed;
	int lost;
};

/* drop host 1's first pure ACK with a non-zero window once armed */
static bool lose_update_filter(int from, struct rte_mbuf *m, void *arg)
{
	struct lose_first_ack *l = arg;
	struct th_tcp_view v;

	if (!l->armed || from != 1 || !th_tcp_parse(m, &v))
		return false;
	if (v.len == 0 && v.win > 0 && !(v.flags & (TCP_SYN | TCP_FIN | TCP_RST))) {
		l->armed = false;
		l->lost++;
		return true;
	}
	return false;
}

static bool window_closed(void *arg)
{
	struct tcp_info i;

	tcp_get_info(((struct app *)arg)->c, &i);
	return i.snd_wnd == 0 && i.bytes_acked > 0;
}

static void test_window_reopens(void)
{
	for (size_t k = 0; k < sizeof(reopen_cases) / sizeof(reopen_cases[0]); k++) {
		const struct reopen_case *rc = &reopen_cases[k];
		struct lose_first_ack lose = {0};
		uint64_t budget, t0, dt, rec0, dup0;
		struct app *peer;
		struct zw z;
		size_t rx0;

		zw_start(&z, false);
		th.filter = lose_update_filter;
		th.filter_arg = &lose;
		CU_ASSERT_FATAL(th_run_until(window_closed, &z.a, 10 * SEC));
		rec0 = th_counter_ev(0, RB_EV_TCP_FAST_RECOVERY);
		dup0 = th_counter_ev(0, RB_EV_TCP_DUPACK_RX);
		th_run(rc->closed_ns);
		/* the answers to the probes (window still zero) are no
		 * duplicate ACKs: the probe's byte lies beyond the window, no
		 * loss (each third answer started a recovery and cut cwnd) */
		if (th_counter_ev(0, RB_EV_TCP_FAST_RECOVERY) != rec0)
			printf("\n  '%s': %lu recoveries, %lu duplicate ACKs while the window was closed",
			       rc->name, (unsigned long)(th_counter_ev(0, RB_EV_TCP_FAST_RECOVERY) - rec0),
			       (unsigned long)(th_counter_ev(0, RB_EV_TCP_DUPACK_RX) - dup0));
		CU_ASSERT_EQUAL(th_counter_ev(0, RB_EV_TCP_FAST_RECOVERY), rec0);
		CU_ASSERT_EQUAL(th_counter_ev(0, RB_EV_TCP_DUPACK_RX), dup0);
		CU_ASSERT_EQUAL_FATAL(z.srv.n, 1);
		peer = &z.srv.apps[0];
		CU_ASSERT_PTR_NOT_NULL_FATAL(z.a.c);
		/* the probe due next bounds the wait when the update is lost
		 * (tsc_hz is 1e9 in the harness: TSC ticks are ns) */
		CU_ASSERT_FATAL(z.a.c->t_persist != 0);
		budget = z.a.c->t_persist - th.h[0].lc.now;
		lose.armed = rc->lose_update;
		peer->no_read = false;
		app_read(peer); /* drains the buffer: the window opens */
		rx0 = peer->rx_len;
		t0 = th.now;
		/* new data, more than a probe's byte */
		while (peer->rx_len <= rx0 + 1 && th.now - t0 < 120 * SEC) {
			th_run(MS);
			app_read(peer);
		}
		dt = th.now - t0;
		CU_ASSERT_EQUAL(lose.lost, rc->lose_update ? 1 : 0);
		/* delivered update: a few RTTs (1 ms each); lost: the next
		 * probe's, whose byte the reader takes and acknowledges after
		 * its delayed-ACK time (that ACK opens the window), plus the
		 * same few RTTs */
		if (rc->lose_update)
			budget += tcp_params(&th.h[1].lc)->delack_ms * MS;
		else
			budget = 0;
		if (dt > budget + 10 * MS)
			printf("\n  '%s': data again after %lu ms (allowed %lu ms + 10)", rc->name,
			       (unsigned long)(dt / MS), (unsigned long)(budget / MS));
		CU_ASSERT(dt <= budget + 10 * MS);
		CU_ASSERT(!z.a.closed);
		th.filter = NULL;
		zw_end(&z);
	}
}

void test_tcp_persist_register(CU_pSuite s);

void test_tcp_persist_register(CU_pSuite s)
{
	CU_add_test(s, "abort's RST reaches the peer, window open or closed (table)",
		    test_rst_closed_window);
	CU_add_test(s, "window reopens: data within one probe interval (table)",
		    test_window_reopens);
}
