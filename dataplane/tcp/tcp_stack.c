/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The per-lcore TCP stack object: connection table, listeners, connection
 * memory, the timer wheel and deferred work (coalesced output, frees).
 *
 * Timers: each connection keeps absolute TSC deadlines for retransmission,
 * persist, delayed ACK, keepalive and the connection timer (TIME_WAIT,
 * FIN_WAIT_2, handshake) and sits once in a hashed wheel of 1 ms ticks at
 * the earliest of them.  tcp_lcore_poll() advances the wheel once per loop.
 */
#include <errno.h>
#include <string.h>
#include <sys/random.h>
#include <rte_malloc.h>
#include <rte_random.h>
#include <rte_hash_crc.h>
#include "tcp_priv.h"

#define TCP_SLAB_CONNS 64

struct tcp_slab {
	struct tcp_slab *next;
	struct tcp_conn conns[TCP_SLAB_CONNS];
};

#define TCP_RECOV_SLAB 32

struct tcp_recov_slab {
	struct tcp_recov_slab *next;
	struct tcp_recov rv[TCP_RECOV_SLAB];
};

static const struct tcp_params tcp_params_default = {
	.max_conns = 65536,
	.max_time_wait = 16384,
	.mem_limit = 256ull << 20, /* at most; see tcp_mem_default() */
	.rcv_fair_div = 2,
	.sndbuf = 512 * 1024,
	.rcvbuf = 512 * 1024,
	.backlog = 1024,
	.rto_min_ms = 200,   /* RFC 6298 2.4 says 1 s; 200 ms as deployed stacks */
	.rto_max_ms = 60000, /* RFC 6298 2.5 */
	.rto_init_ms = 1000, /* RFC 6298 2.1 */
	.delack_ms = 40,
	.tlp_wcdelack_ms = 200, /* RFC 8985 7.2 */
	.tlp_slack_ms = 2,      /* as Linux's TCP_TIMEOUT_MIN */
	.msl_ms = 30000,
	.fin_wait2_ms = 60000,
	.syn_retries = 6,
	.retries = 15,
	.keepalive_ms = 0,
	.keepalive_intvl_ms = 75000,
	.keepalive_probes = 9,
	.mss_default = 1460,
	.sack = 1,
	.timestamps = 1,
	.wscale = 1,
	.mtu_probing = 1, /* black-hole detection (tcp_pmtu.c) */
	.zc_tx = 2, /* in place only (tcp_output.c): the relay's segments */
	.rd_burst = 1,
	.rx_burst = 1, /* the worker's RX-burst bracket (tcp_input.c) */
	.cc = "cubic",
	.cookies = TCP_COOKIES_AUTO,
};

struct tcp_params *tcp_params(struct rb_lcore *lc)
{
	return lc->tcp ? &lc->tcp->prm : NULL;
}

const char *tcp_state_name(int state)
{
	static const char *const names[] = {
		"CLOSED",     "LISTEN",     "SYN-SENT",   "SYN-RECEIVED", "ESTABLISHED", "FIN-WAIT-1",
		"FIN-WAIT-2", "CLOSE-WAIT", "CLOSING",    "LAST-ACK",     "TIME-WAIT",
	};

	if (state < 0 || state >= (int)RTE_DIM(names))
		return "?";
	return names[state];
}

static void tcp_secret(uint64_t k[2])
{
	if (getrandom(k, 2 * sizeof(uint64_t), 0) != (ssize_t)(2 * sizeof(uint64_t))) {
		k[0] = rte_rand();
		k[1] = rte_rand();
	}
}

/* All queues of all lcores together may hold at most half of the mbuf
 * pool: the rest is for the RX rings, packets in flight and headers.  A
 * pool drained by TCP queues starves RX, so no ACK can come in to free
 * them, and every connection of the port stalls for good. */
static uint64_t tcp_mem_default(const struct rb_lcore *lc)
{
	const struct rte_mempool *mp = lc->dp->pool;
	unsigned workers = lc->dp->n_workers ? lc->dp->n_workers : 1;
	uint64_t share;

	if (mp == NULL)
		return tcp_params_default.mem_limit;
	share = (uint64_t)mp->size * rte_pktmbuf_data_room_size((struct rte_mempool *)mp) / 2 /
		workers;
	return RTE_MIN(share, tcp_params_default.mem_limit);
}

int tcp_lcore_init(struct rb_lcore *lc)
{
	struct tcp_stack *st;
	uint32_t nb = 1;
	int socket = (int)rte_lcore_to_socket_id(lc->lcore_id);

	if (socket < 0)
		socket = SOCKET_ID_ANY;
	st = rte_zmalloc_socket("tcp_stack", sizeof(*st), RTE_CACHE_LINE_SIZE, socket);
	if (st == NULL)
		return -ENOMEM;
	st->lc = lc;
	st->prm = tcp_params_default;
	st->prm.mem_limit = tcp_mem_default(lc);
	if (lc->dp->cfg) /* dataplane.tcp, before sizing and the diag listeners */
		tcp_params_from_cfg(&st->prm, &lc->dp->cfg->dp.tcp);
	st->hz = lc->dp->tsc_hz;
	st->tsc_ms = st->hz / 1000 ? st->hz / 1000 : 1;
	st->tsc_us = st->hz / 1000000 ? st->hz / 1000000 : 1;
	while (nb < st->prm.max_conns && nb < (1u << 22))
		nb <<= 1;
	st->htab = rte_zmalloc_socket("tcp_htab", nb * sizeof(*st->htab), RTE_CACHE_LINE_SIZE,
				      socket);
	if (st->htab == NULL) {
		rte_free(st);
		return -ENOMEM;
	}
	st->hmask = nb - 1;
	for (uint32_t i = 0; i < nb; i++)
		LIST_INIT(&st->htab[i]);
	for (int i = 0; i < TCP_WHEEL_SLOTS; i++)
		LIST_INIT(&st->wheel[i]);
	st->wheel_tick = lc->now / st->tsc_ms;
	st->rv_max = UINT32_MAX;
	TAILQ_INIT(&st->pending);
	TAILQ_INIT(&st->reap);
	TAILQ_INIT(&st->mem_wait);
	TAILQ_INIT(&st->rwnd_wait);
	tcp_secret(st->isn_key);
	tcp_secret(st->cookie_key);
	st->hseed = (uint32_t)st->isn_key[0] ^ (uint32_t)rte_rand();
	st->eph_next = (uint16_t)(TCP_EPH_LO + rte_rand() % (TCP_EPH_HI - TCP_EPH_LO + 1));
	lc->tcp = st;
	if (tcp_diag_start(lc) < 0) {
		tcp_lcore_fini(lc);
		return -EINVAL;
	}
	return 0;
}

static void tcp_conn_release(struct tcp_stack *st, struct tcp_conn *c);

void tcp_lcore_fini(struct rb_lcore *lc)
{
	struct tcp_stack *st = lc->tcp;
	struct tcp_slab *s;

	if (st == NULL)
		return;
	tcp_diag_stop(lc);
	for (uint32_t i = 0; i <= st->hmask; i++) {
		struct tcp_conn *c;

		while ((c = LIST_FIRST(&st->htab[i])) != NULL) {
			c->flags &= ~TF_APP;
			tcp_conn_drop(c, -ECONNABORTED);
		}
	}
	tcp_deferred_run(st);
	while ((s = st->slabs) != NULL) {
		st->slabs = s->next;
		rte_free(s);
	}
	while (st->rv_slabs != NULL) {
		struct tcp_recov_slab *r = st->rv_slabs;

		st->rv_slabs = r->next;
		rte_free(r);
	}
	explicit_bzero(st->isn_key, sizeof(st->isn_key));
	explicit_bzero(st->cookie_key, sizeof(st->cookie_key));
	rte_free(st->htab);
	rte_free(st);
	lc->tcp = NULL;
}

/* ---- connection memory ---- */
struct tcp_conn *tcp_conn_alloc(struct tcp_stack *st)
{
	struct tcp_conn *c;

	if (st->n_conns >= st->prm.max_conns) {
		rb_drop_count(st->lc, RB_DROP_TCP_CONN_LIMIT);
		return NULL;
	}
	if (st->free_list == NULL) {
		struct tcp_slab *s = rte_zmalloc("tcp_slab", sizeof(*s), RTE_CACHE_LINE_SIZE);

		if (s == NULL) {
			rb_drop_count(st->lc, RB_DROP_TCP_CONN_LIMIT);
			return NULL;
		}
		s->next = st->slabs;
		st->slabs = s;
		for (int i = TCP_SLAB_CONNS - 1; i >= 0; i--) {
			s->conns[i].hlink.le_next = st->free_list;
			st->free_list = &s->conns[i];
		}
	}
	c = st->free_list;
	st->free_list = c->hlink.le_next;
	memset(c, 0, sizeof(*c));
	c->st = st;
	c->sndbuf = st->prm.sndbuf;
	c->rcvbuf = st->prm.rcvbuf;
	st->n_conns++;
	rb_count(st->lc, RB_EV_TCP_CONN_ALLOC);
	return c;
}

/* ---- loss-recovery tables (struct tcp_recov, tcp_priv.h) ----
 * Taken from a per-lcore free list, grown a slab at a time like the
 * connections and bounded by them (one block per connection at most). */
struct tcp_recov *tcp_recov_get(struct tcp_conn *c)
{
	struct tcp_stack *st = c->st;
	struct tcp_recov *rv;

	if (c->rv != NULL)
		return c->rv;
	if (st->n_recov >= st->rv_max) {
		rb_count(st->lc, RB_EV_TCP_RECOV_NOMEM);
		return NULL;
	}
	if (st->rv_free == NULL) {
		struct tcp_recov_slab *s = rte_malloc("tcp_recov", sizeof(*s), RTE_CACHE_LINE_SIZE);

		if (s == NULL) {
			rb_count(st->lc, RB_EV_TCP_RECOV_NOMEM);
			return NULL;
		}
		s->next = st->rv_slabs;
		st->rv_slabs = s;
		for (int i = TCP_RECOV_SLAB - 1; i >= 0; i--) {
			s->rv[i].next = st->rv_free;
			st->rv_free = &s->rv[i];
		}
	}
	rv = st->rv_free;
	st->rv_free = rv->next;
	c->rv = rv;
	st->n_recov++;
	rb_count(st->lc, RB_EV_TCP_RECOV_ALLOC);
	return rv;
}

void tcp_recov_put(struct tcp_conn *c)
{
	struct tcp_stack *st = c->st;

	c->rv->next = st->rv_free;
	st->rv_free = c->rv;
	c->rv = NULL;
	st->n_recov--;
}

static void tcp_conn_release(struct tcp_stack *st, struct tcp_conn *c)
{
	if (c->rv != NULL) /* tcp_conn_drop emptied the tables */
		tcp_recov_put(c);
	if (st->dsack_c == c)
		st->dsack_c = NULL;
	c->flags = TF_FREED;
	c->hlink.le_next = st->free_list;
	st->free_list = c;
	st->n_conns--;
	rb_count(st->lc, RB_EV_TCP_CLOSED);
}

/* ---- memory accounting of queued buffers ---- */
int tcp_mem_charge(struct tcp_stack *st, uint32_t truesize)
{
	if (st->mem + truesize > st->prm.mem_limit)
		return -1;
	st->mem += truesize;
	return 0;
}

void tcp_mem_uncharge(struct tcp_stack *st, uint32_t truesize)
{
	st->mem = st->mem > truesize ? st->mem - truesize : 0;
}

/* ---- receive windows against the lcore's memory ----
 * A window advertised is a promise: the peer may send all of it at once,
 * and RFC 9293 3.8.6 forbids taking it back (the right edge never moves
 * left).  So the windows of all connections together, plus what is
 * queued, must fit the lcore's mem_limit, else heavy fan-in (many peers
 * filling their windows at once) drops in-window data at the limit and
 * costs each peer an RTO.  Windows are counted in payload bytes and
 * weighed TCP_RCV_TRUESIZE to one: a full-sized segment fills about 2/3
 * of its buffer; plus one buffer per window for the partial segment at
 * its end (smaller segments are copied into the queue's last buffer,
 * tcp_input.c mbq_absorbs, so only a peer sending many mid-sized segments
 * can still reach the limit: counted as tcp_mem_limit).
 *
 * Fair share: no window grows beyond the payload budget (mem_limit / 2)
 * / rcv_fair_div (2) divided among the connections holding a window, at
 * least 2 segments, so that the first connections cannot promise the
 * whole budget away (windows are never taken back) and a newcomer still
 * finds room once the queues are read.  With the defaults this only
 * binds past about mem_limit / 4 / rcvbuf connections.
 *
 * Pressure (as Linux's tcp_mem pressure mode, counted tcp_mem_pressure
 * when entered): an offer was cut by the budget, not by the connection's
 * own buffer.  The connection joins rwnd_wait; tcp_lcore_poll visits a
 * few of those each time round and sends a window update to any whose
 * window can open by an MSS again (the peer of a zero window would
 * otherwise wait for its backed-off probes).  Pressure ends when queues
 * and promises together are below half the limit. */
#define TCP_RCV_TRUESIZE 2
#define TCP_RCV_SLACK    RTE_MBUF_DEFAULT_BUF_SIZE /* the partial segment of a window */

static uint64_t tcp_rcv_committed(const struct tcp_stack *st)
{
	return st->mem + TCP_RCV_TRUESIZE * st->rcv_promise +
	       (uint64_t)st->n_rcv_promised * TCP_RCV_SLACK;
}

uint32_t tcp_rcv_budget(const struct tcp_conn *c)
{
	const struct tcp_stack *st = c->st;
	uint64_t lim = st->prm.mem_limit;
	uint32_t n_others = st->n_rcv_promised - (c->rcv_promised != 0);
	uint64_t held = st->mem + (uint64_t)(n_others + 1) * TCP_RCV_SLACK;
	uint64_t free = lim > held ? (lim - held) / TCP_RCV_TRUESIZE : 0;
	uint64_t others = st->rcv_promise - c->rcv_promised;
	uint64_t b = free > others ? free - others : 0;

	{
		uint32_t n = st->n_rcv_promised + (c->rcv_promised == 0);
		uint64_t fair = lim / TCP_RCV_TRUESIZE / RTE_MAX(st->prm.rcv_fair_div, 2u) / n;

		fair = RTE_MAX(fair, 2ull * c->rcv_mss);
		b = RTE_MIN(b, fair);
	}
	/* Floor: a connection with nothing queued may always take one
	 * segment.  Without it, once the promises of a few thousand
	 * connections cover the budget, a new connection's SYN-ACK offers a
	 * zero window and its peer cannot send the request that would ever
	 * free anything (test_proxy_load: 1000 proxied pairs, 900 handshake
	 * timeouts).  The overcommit is one segment per idle connection,
	 * bounded by max_conns; what exceeds mem_limit is still dropped and
	 * counted (tcp_mem_limit). */
	if (c->rcvq.bytes == 0)
		b = RTE_MAX(b, (uint64_t)c->rcv_mss);
	return (uint32_t)RTE_MIN(b, (uint64_t)UINT32_MAX);
}

void tcp_rcv_promise_sync(struct tcp_conn *c)
{
	struct tcp_stack *st = c->st;
	uint32_t p = seq_gt(c->rcv_adv, c->rcv_nxt) ? c->rcv_adv - c->rcv_nxt : 0;

	if (c->flags & (TF_REAP | TF_FIN_RCVD)) /* no data can come any more */
		p = 0;
	st->n_rcv_promised = st->n_rcv_promised + (p != 0) - (c->rcv_promised != 0);
	st->rcv_promise = st->rcv_promise + p - c->rcv_promised;
	c->rcv_promised = p;
}

void tcp_rcv_clamped(struct tcp_conn *c)
{
	struct tcp_stack *st = c->st;

	if (!st->mem_pressure) {
		st->mem_pressure = 1;
		rb_count(st->lc, RB_EV_TCP_MEM_PRESSURE);
	}
	if (c->flags & (TF_RWND_WAIT | TF_REAP))
		return;
	c->flags |= TF_RWND_WAIT;
	TAILQ_INSERT_TAIL(&st->rwnd_wait, c, rlink);
}

static void tcp_rwnd_wait_remove(struct tcp_conn *c)
{
	if (!(c->flags & TF_RWND_WAIT))
		return;
	TAILQ_REMOVE(&c->st->rwnd_wait, c, rlink);
	c->flags &= ~TF_RWND_WAIT;
}

#define TCP_RWND_VISIT 8 /* rwnd_wait entries looked at per poll */

/* Leave pressure below half the limit; offer the windows that were cut
 * as soon as they can open again (a few per call, round robin). */
static void tcp_rcv_pressure_check(struct tcp_stack *st)
{
	struct tcp_conn *c;

	if (st->mem_pressure && tcp_rcv_committed(st) < st->prm.mem_limit / 2)
		st->mem_pressure = 0;
	for (int k = 0; k < TCP_RWND_VISIT && (c = TAILQ_FIRST(&st->rwnd_wait)) != NULL; k++) {
		tcp_rwnd_wait_remove(c);
		if (tcp_have_fin_rcvd(c) || c->state < TCPS_SYN_RECEIVED ||
		    c->state == TCPS_TIME_WAIT)
			continue; /* nothing more to receive */
		if (tcp_rcv_wnd_update_due(c)) {
			c->flags |= TF_ACK_NOW;
			tcp_pending_add(c);
		} else {
			c->flags |= TF_RWND_WAIT;
			TAILQ_INSERT_TAIL(&st->rwnd_wait, c, rlink);
		}
	}
}

void tcp_mem_wait(struct tcp_conn *c)
{
	struct tcp_stack *st = c->st;

	if (c->flags & (TF_MEM_WAIT | TF_REAP))
		return;
	c->flags |= TF_MEM_WAIT;
	TAILQ_INSERT_TAIL(&st->mem_wait, c, mlink);
	st->n_mem_wait++;
}

static void tcp_mem_wait_remove(struct tcp_conn *c)
{
	if (!(c->flags & TF_MEM_WAIT))
		return;
	TAILQ_REMOVE(&c->st->mem_wait, c, mlink);
	c->flags &= ~TF_MEM_WAIT;
	c->st->n_mem_wait--;
}

/* Once 1/8 of the limit is free again, tell the writers that were refused
 * (those refused again meanwhile wait for the next round). */
static void tcp_mem_wake(struct tcp_stack *st)
{
	uint32_t n = st->n_mem_wait;

	if (n == 0 || st->mem + st->prm.mem_limit / 8 > st->prm.mem_limit)
		return;
	while (n-- > 0 && !TAILQ_EMPTY(&st->mem_wait)) {
		struct tcp_conn *c = TAILQ_FIRST(&st->mem_wait);

		tcp_mem_wait_remove(c);
		if ((c->flags & TF_APP) && tcp_send_space(c) > 0) {
			c->flags &= ~TF_WANT_WRITE;
			if (c->cb && c->cb->on_writable)
				c->cb->on_writable(c);
		}
	}
}

void tcp_mbq_free(struct tcp_stack *st, struct tcp_mbq *q)
{
	struct rte_mbuf *m = q->head, *n;

	while (m != NULL) {
		n = m->next;
		m->next = NULL;
		rte_pktmbuf_free_seg(m);
		m = n;
	}
	tcp_mem_uncharge(st, q->truesize);
	memset(q, 0, sizeof(*q));
}

/* ---- connection table ---- */
static uint32_t tcp_key_hash(const struct tcp_stack *st, const struct tcp_key *k)
{
	return rte_hash_crc(k, sizeof(*k), st->hseed);
}

void tcp_conn_hash(struct tcp_conn *c)
{
	struct tcp_stack *st = c->st;

	LIST_INSERT_HEAD(&st->htab[tcp_key_hash(st, &c->key) & st->hmask], c, hlink);
	c->flags |= TF_HASHED;
}

struct tcp_conn *tcp_conn_lookup(struct tcp_stack *st, const struct tcp_key *k)
{
	struct tcp_conn *c;

	LIST_FOREACH(c, &st->htab[tcp_key_hash(st, k) & st->hmask], hlink)
		if (memcmp(&c->key, k, sizeof(*k)) == 0)
			return c;
	return NULL;
}

void tcp_conn_set_state(struct tcp_conn *c, int state)
{
	struct tcp_stack *st = c->st;

	if (c->state == state)
		return;
	if (c->state == TCPS_TIME_WAIT)
		st->n_tw--;
	if (c->state == TCPS_SYN_RECEIVED) {
		st->n_synrcvd--;
		if (c->lst != NULL) {
			c->lst->n_synrcvd--;
			c->lst = NULL;
		}
	}
	if (state == TCPS_TIME_WAIT)
		st->n_tw++;
	if (state == TCPS_SYN_RECEIVED)
		st->n_synrcvd++;
	if (state == TCPS_ESTABLISHED)
		rb_count(st->lc, RB_EV_TCP_ESTABLISHED);
	c->state = (uint8_t)state;
}

static void tcp_wheel_remove(struct tcp_conn *c)
{
	if (c->wheel_expire) {
		LIST_REMOVE(c, wlink);
		c->wheel_expire = 0;
	}
}

/* Terminate: free the buffers, leave the table, tell the application. */
void tcp_conn_drop(struct tcp_conn *c, int err)
{
	struct tcp_stack *st = c->st;

	if (c->flags & TF_REAP)
		return;
	tcp_conn_set_state(c, TCPS_CLOSED);
	if (c->flags & TF_HASHED) {
		LIST_REMOVE(c, hlink);
		c->flags &= ~TF_HASHED;
	}
	tcp_wheel_remove(c);
	c->t_rexmt = c->t_persist = c->t_delack = c->t_keep = c->t_conn = 0;
	tcp_mbq_free(st, &c->sndq);
	tcp_mbq_free(st, &c->rcvq);
	for (int i = 0; i < c->n_ooo; i++) {
		struct tcp_mbq q = {.head = c->rv->ooo[i].head, .truesize = c->rv->ooo[i].truesize};

		tcp_mbq_free(st, &q);
	}
	c->n_ooo = c->n_sb = c->n_rxt = 0;
	tcp_recov_trim(c);
	tcp_mem_wait_remove(c);
	tcp_rwnd_wait_remove(c);
	if (c->flags & TF_PENDING) {
		TAILQ_REMOVE(&st->pending, c, plink);
		c->flags &= ~TF_PENDING;
	}
	c->flags |= TF_REAP;
	tcp_rcv_promise_sync(c); /* its window is no promise any more */
	TAILQ_INSERT_TAIL(&st->reap, c, plink);
	if (c->flags & TF_APP) {
		c->flags &= ~TF_APP;
		if ((c->flags & TF_CONNECTING) && c->cb && c->cb->on_connected) {
			c->flags &= ~TF_CONNECTING;
			c->cb->on_connected(c, err ? err : -ECONNRESET);
		}
		if (c->cb && c->cb->on_closed)
			c->cb->on_closed(c, err);
	}
}

void tcp_pending_add(struct tcp_conn *c)
{
	if (c->flags & (TF_PENDING | TF_REAP))
		return;
	c->flags |= TF_PENDING;
	TAILQ_INSERT_TAIL(&c->st->pending, c, plink);
}

/* c's deferred work (on_readable, output), taken off the pending list. */
void tcp_pending_run(struct tcp_conn *c)
{
	if (!(c->flags & TF_PENDING))
		return;
	TAILQ_REMOVE(&c->st->pending, c, plink);
	c->flags &= ~TF_PENDING;
	if (c->flags & TF_BURST_ACK) {
		/* an ACK went early in the burst (tcp_conn_input): the burst's
		 * end acknowledges all the rest now, as it would have */
		c->flags &= ~TF_BURST_ACK;
		if (c->flags & TF_DELACK)
			c->flags |= TF_ACK_NOW;
	}
	if ((c->flags & (TF_NOTIFY_READ | TF_RD_DEFER)) == TF_NOTIFY_READ) {
		/* deferred by tcp_conn_input under rx_burst (one that
		 * rd_burst keeps for the RX burst's end waits for it) */
		c->flags &= ~TF_NOTIFY_READ;
		tcp_notify_readable(c);
		if (c->flags & TF_REAP)
			return;
	}
	tcp_output(c);
}

/* Runs the callbacks deferred work owes (on_readable, on_closed) with
 * in_input raised: an application that closes, reads or shuts down a
 * connection from one of them only queues work, which this loop then
 * runs.  Running it there instead, nested, would call other connections'
 * callbacks from inside the application's own teardown (a UDP chain
 * freeing a detour's state while closing it). */
void tcp_deferred_run(struct tcp_stack *st)
{
	struct tcp_conn *c;

	st->in_input++;
	do {
		while ((c = TAILQ_FIRST(&st->pending)) != NULL)
			tcp_pending_run(c);
		while ((c = TAILQ_FIRST(&st->reap)) != NULL) {
			TAILQ_REMOVE(&st->reap, c, plink);
			tcp_conn_release(st, c);
		}
	} while (!TAILQ_EMPTY(&st->pending));
	st->in_input--;
}

/* Inside an RX burst: keep c's on_readable for its end (TF_NOTIFY_READ
 * stays set).  Returns 0 when it must be told now (no burst, or the list
 * is full). */
int tcp_rd_defer(struct tcp_conn *c)
{
	struct tcp_stack *st = c->st;

	if (!st->rx_burst)
		return 0;
	if (c->flags & TF_RD_DEFER)
		return 1;
	if (st->n_rd_defer == RTE_DIM(st->rd_defer))
		return 0;
	c->flags |= TF_RD_DEFER;
	st->rd_defer[st->n_rd_defer++] = c;
	return 1;
}

void tcp_rx_burst_begin(struct rb_lcore *lc)
{
	if (lc->tcp != NULL)
		lc->tcp->rx_burst = lc->tcp->prm.rd_burst;
}

/* The burst's readable connections, each told once, in the order their
 * data came; then the output they caused (one tcp_output per connection:
 * a relay's whole burst goes out in one pass). */
void tcp_rx_burst_end(struct rb_lcore *lc)
{
	struct tcp_stack *st = lc->tcp;

	if (st == NULL)
		return;
	st->rx_burst = 0;
	if (st->n_rd_defer == 0)
		return;
	st->in_input++;
	for (uint16_t i = 0; i < st->n_rd_defer; i++) {
		struct tcp_conn *c = st->rd_defer[i];

		if (!(c->flags & TF_RD_DEFER))
			continue; /* released (and maybe reused) since */
		c->flags &= ~TF_RD_DEFER;
		if ((c->flags & (TF_NOTIFY_READ | TF_REAP)) == TF_NOTIFY_READ) {
			c->flags &= ~TF_NOTIFY_READ;
			tcp_notify_readable(c);
		}
	}
	st->n_rd_defer = 0;
	if (--st->in_input == 0)
		tcp_deferred_run(st);
}

void tcp_notify_readable(struct tcp_conn *c)
{
	if ((c->flags & TF_APP) && c->cb && c->cb->on_readable)
		c->cb->on_readable(c);
}

/* ---- timers ---- */
void tcp_timer_update(struct tcp_conn *c)
{
	struct tcp_stack *st = c->st;
	uint64_t t, tick;

	if (c->flags & TF_REAP)
		return;
	/* the earliest armed deadline (0 = off: minus one wraps to the top,
	 * so all off gives 0 again); without branches, once per segment */
	t = c->t_rexmt - 1;
	t = c->t_persist - 1 < t ? c->t_persist - 1 : t;
	t = c->t_delack - 1 < t ? c->t_delack - 1 : t;
	t = c->t_keep - 1 < t ? c->t_keep - 1 : t;
	t = c->t_conn - 1 < t ? c->t_conn - 1 : t;
	if (c->flags & TF_UNDO) /* an undo episode's idle end (tcp_undo.c) */
		t = c->rv->undo_idle_at - 1 < t ? c->rv->undo_idle_at - 1 : t;
	t++;
	if (t == 0) {
		tcp_wheel_remove(c);
		return;
	}
	tick = (t + st->tsc_ms - 1) / st->tsc_ms;
	if (tick <= st->wheel_tick)
		tick = st->wheel_tick + 1;
	if (tick == c->wheel_expire)
		return;
	tcp_wheel_remove(c);
	c->wheel_expire = tick;
	LIST_INSERT_HEAD(&st->wheel[tick % TCP_WHEEL_SLOTS], c, wlink);
}

static void tcp_keepalive_timeout(struct tcp_conn *c)
{
	struct tcp_stack *st = c->st;
	uint64_t now = tcp_now(st);

	c->t_keep = 0;
	if (c->state != TCPS_ESTABLISHED && c->state != TCPS_CLOSE_WAIT)
		return;
	if (now - c->last_rcv < tcp_ms2tsc(st, st->prm.keepalive_ms)) {
		c->t_keep = c->last_rcv + tcp_ms2tsc(st, st->prm.keepalive_ms);
		c->keep_probes = 0;
		return;
	}
	if (c->keep_probes >= st->prm.keepalive_probes) {
		rb_count(st->lc, RB_EV_TCP_TIMEOUT);
		tcp_send_rst(c);
		tcp_conn_drop(c, -ETIMEDOUT);
		return;
	}
	/* RFC 9293 3.8.4: <SEQ=SND.UNA-1><ACK=RCV.NXT>, no data */
	c->keep_probes++;
	rb_count(st->lc, RB_EV_TCP_KEEPALIVE);
	tcp_send_segment(c, c->snd_una - 1, 0, TCP_ACK);
	c->t_keep = now + tcp_ms2tsc(st, st->prm.keepalive_intvl_ms);
}

static void tcp_conn_timeout(struct tcp_conn *c)
{
	struct tcp_stack *st = c->st;

	c->t_conn = 0;
	switch (c->state) {
	case TCPS_TIME_WAIT:
		tcp_conn_drop(c, 0);
		break;
	case TCPS_FIN_WAIT_2:
		rb_count(st->lc, RB_EV_TCP_TIMEOUT);
		tcp_conn_drop(c, -ETIMEDOUT);
		break;
	default:
		break;
	}
}

static void tcp_timers_fire(struct tcp_conn *c)
{
	uint64_t now = tcp_now(c->st);

	if (c->t_conn && c->t_conn <= now)
		tcp_conn_timeout(c);
	if ((c->flags & TF_REAP) == 0 && c->t_rexmt && c->t_rexmt <= now) {
		c->t_rexmt = 0;
		tcp_rexmt_timeout(c);
	}
	if ((c->flags & TF_REAP) == 0 && c->t_persist && c->t_persist <= now) {
		c->t_persist = 0;
		tcp_persist_timeout(c);
	}
	if ((c->flags & TF_REAP) == 0 && c->t_keep && c->t_keep <= now)
		tcp_keepalive_timeout(c);
	if ((c->flags & TF_REAP) == 0 && c->t_delack && c->t_delack <= now) {
		c->t_delack = 0;
		if (c->flags & TF_DELACK)
			tcp_send_ack(c);
	}
	if ((c->flags & (TF_REAP | TF_UNDO)) == TF_UNDO && c->rv->undo_idle_at &&
	    c->rv->undo_idle_at <= now)
		tcp_undo_timer(c);
	tcp_recov_trim(c);
	tcp_timer_update(c);
}

static void tcp_wheel_slot(struct tcp_stack *st, unsigned slot, uint64_t upto)
{
	struct tcp_wslot local;
	struct tcp_conn *c;

	LIST_INIT(&local);
	while ((c = LIST_FIRST(&st->wheel[slot])) != NULL) {
		LIST_REMOVE(c, wlink);
		LIST_INSERT_HEAD(&local, c, wlink);
	}
	while ((c = LIST_FIRST(&local)) != NULL) {
		LIST_REMOVE(c, wlink);
		if (c->wheel_expire > upto) {
			LIST_INSERT_HEAD(&st->wheel[slot], c, wlink);
			continue;
		}
		c->wheel_expire = 0;
		tcp_timers_fire(c);
	}
}

void tcp_lcore_poll(struct rb_lcore *lc)
{
	struct tcp_stack *st = lc->tcp;
	uint64_t target;

	if (st == NULL)
		return;
	st->in_input++;
	target = lc->now / st->tsc_ms;
	if (target > st->wheel_tick + TCP_WHEEL_SLOTS) {
		st->wheel_tick = target;
		for (unsigned s = 0; s < TCP_WHEEL_SLOTS; s++)
			tcp_wheel_slot(st, s, target);
	} else {
		while (st->wheel_tick < target) {
			st->wheel_tick++;
			tcp_wheel_slot(st, st->wheel_tick % TCP_WHEEL_SLOTS, st->wheel_tick);
		}
	}
	tcp_mem_wake(st);
	tcp_rcv_pressure_check(st);
	if (--st->in_input == 0)
		tcp_deferred_run(st);
}

/* ---- listeners ---- */
struct tcp_listener *tcp_listener_lookup(struct tcp_stack *st, int family, const uint8_t *addr,
					 uint16_t port)
{
	struct tcp_listener *wild = NULL;
	static const uint8_t zero[16];
	size_t alen = family == AF_INET ? 4 : 16;

	for (int i = 0; i < TCP_MAX_LISTENERS; i++) {
		struct tcp_listener *l = &st->lst[i];

		if (!l->in_use || l->foreign || l->port != port ||
		    (l->family && l->family != family))
			continue;
		if (memcmp(l->addr, addr, alen) == 0)
			return l;
		if (memcmp(l->addr, zero, 16) == 0)
			wild = l;
	}
	return wild;
}

struct tcp_listener *tcp_listen(struct rb_lcore *lc, const struct tcp_listen_params *p, int *err)
{
	struct tcp_stack *st = lc->tcp;
	struct tcp_listener *l = NULL;
	const struct tcp_cc_ops *cc;
	int e = 0;

	if (st == NULL || p == NULL || p->on_accept == NULL || (p->port == 0 && !p->foreign) ||
	    (p->family != 0 && p->family != AF_INET && p->family != AF_INET6)) {
		e = -EINVAL;
		goto out;
	}
	cc = tcp_cc_pick(st, p->cc);
	if (cc == NULL) {
		e = -ENOENT;
		goto out;
	}
	for (int i = 0; i < TCP_MAX_LISTENERS; i++) {
		struct tcp_listener *o = &st->lst[i];

		if (o->in_use && !o->foreign && !p->foreign && o->port == rte_cpu_to_be_16(p->port) &&
		    (o->family == 0 || p->family == 0 || o->family == p->family) &&
		    memcmp(o->addr, p->addr, 16) == 0) {
			e = -EADDRINUSE;
			goto out;
		}
		if (!o->in_use && l == NULL)
			l = o;
	}
	if (l == NULL) {
		e = -ENOSPC;
		goto out;
	}
	memset(l, 0, sizeof(*l));
	l->st = st;
	l->family = p->family;
	memcpy(l->addr, p->addr, 16);
	l->port = rte_cpu_to_be_16(p->port);
	l->cookies = p->cookies != TCP_COOKIES_DEFAULT ? p->cookies : st->prm.cookies;
	l->backlog = p->backlog ? p->backlog : st->prm.backlog;
	l->cc = cc;
	l->on_accept = p->on_accept;
	l->arg = p->arg;
	l->foreign = p->foreign;
	l->in_use = 1;
out:
	if (err)
		*err = e;
	return e ? NULL : l;
}

void tcp_unlisten(struct tcp_listener *l)
{
	struct tcp_stack *st;

	if (l == NULL || !l->in_use)
		return;
	st = l->st;
	/* Half-open connections of this listener go away with it. */
	for (uint32_t i = 0; i <= st->hmask && l->n_synrcvd; i++) {
		struct tcp_conn *c, *n;

		for (c = LIST_FIRST(&st->htab[i]); c != NULL; c = n) {
			n = LIST_NEXT(c, hlink);
			if (c->lst == l) {
				tcp_send_rst(c);
				tcp_conn_drop(c, -ECONNABORTED);
			}
		}
	}
	l->in_use = 0;
	if (!st->in_input)
		tcp_deferred_run(st);
}
