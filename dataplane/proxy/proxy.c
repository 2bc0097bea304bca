/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The proxy framework on one worker lcore: listeners for every inbound,
 * the session table, timeouts, the shared connections table and close
 * requests from control.  The relay (splicing two TCP connections with
 * flow control and half-close: proxy_pump) is in proxy_relay.c.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <rte_cycles.h>
#include <rte_malloc.h>

#include "../rb_log.h"
#include "../ss/ss_proxy.h"
#include "../ss/ss_uot_dp.h"
#include "../wireguard/wg_term.h"
#include "proxy_priv.h"
#include "rb_proxy.h"

#ifndef TAILQ_FOREACH_SAFE
#define TAILQ_FOREACH_SAFE(var, head, field, tvar)                                        \
	for ((var) = TAILQ_FIRST((head)); (var) && ((tvar) = TAILQ_NEXT((var), field), 1);   \
	     (var) = (tvar))
#endif

#define PROXY_WALK_PER_POLL  2048  /* sessions proxy_lcore_poll visits a poll */

static struct proxy_lcore *proxy_lcores[RB_MAX_LCORES];
static struct rb_conn_shm conn_shm;
static unsigned conn_shm_users;

static void cli_readable(struct tcp_conn *c);
static void cli_writable(struct tcp_conn *c);
static void cli_closed(struct tcp_conn *c, int err);
static void up_readable(struct tcp_conn *c);
static void up_writable(struct tcp_conn *c);
static void up_closed(struct tcp_conn *c, int err);

static const struct tcp_callbacks cli_cb = {
	.on_readable = cli_readable,
	.on_writable = cli_writable,
	.on_closed = cli_closed,
};
const struct tcp_callbacks proxy_up_cb = {
	.on_connected = proxy_up_connected,
	.on_readable = up_readable,
	.on_writable = up_writable,
	.on_closed = up_closed,
};

uint64_t proxy_ms_tsc(const struct proxy_lcore *pl, uint32_t ms)
{
	return pl->lc->dp->tsc_hz / 1000 * ms;
}

int proxy_send(struct tcp_conn *c, const void *buf, size_t len)
{
	if (len == 0)
		return 0;
	if (c == NULL || tcp_write(c, buf, len) != len)
		return -ENOBUFS;
	return 0;
}

/* Bytes for the upstream (upward) or the client that a full send queue
 * must not fail: what the connection's send space takes goes now (counted);
 * the rest waits in pend_up / pend_down, which pump sends first and counts
 * (the short write armed on_writable; proxy_pend_watch retries it too).
 * Returns -1 only without the connection or mbufs. */
int proxy_send_pend(struct psess *s, int upward, const uint8_t *p, uint32_t n)
{
	struct tcp_conn *c = upward ? s->up : s->cli;
	struct rte_mbuf **pend = upward ? &s->pend_up : &s->pend_down;
	struct rte_mbuf *m;
	size_t w = 0;

	if (n == 0)
		return 0;
	if (c == NULL)
		return -1;
	if (*pend == NULL) {
		w = tcp_write(c, p, n);
		proxy_count_bytes(s, upward, (uint32_t)w);
		if (w == n)
			return 0;
	}
	if ((m = proxy_mbuf_from(s->pl->lc, p + w, n - w)) == NULL)
		return -1;
	if (*pend == NULL) {
		*pend = m;
	} else if (rte_pktmbuf_chain(*pend, m) != 0) {
		rte_pktmbuf_free(m);
		return -1;
	}
	proxy_pend_watch(s);
	return 0;
}

/* ---------------------------------------------------------- conn table */

static uint64_t real_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void info_begin(struct rb_conn_info *i)
{
	__atomic_store_n(&i->seq, i->seq + 1, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_RELEASE);
}

static void info_end(struct rb_conn_info *i)
{
	__atomic_store_n(&i->seq, i->seq + 1, __ATOMIC_RELEASE);
}

/* A string into a slot's field, cut to fit and NUL-terminated: no format
 * parsing per connection or row (snprintf "%s" was ~1 % of the worker's
 * time in the conn/s run). */
static void name_copy(char *dst, size_t len, const char *src)
{
	size_t n = src ? strnlen(src, len - 1) : 0;

	memcpy(dst, src, n);
	dst[n] = '\0';
}

void proxy_info_update(struct psess *s, uint8_t state)
{
	struct rb_conn_info *i = s->info;
	const struct rb_cfg_proxy *p = s->pl->cfg;

	if (i == NULL)
		return;
	info_begin(i);
	i->state = state;
	i->network = s->req.cmd == RB_CMD_UDP_ASSOCIATE || s->req.cmd == RB_CMD_UOT ? RB_NET_UDP
		     : s->req.cmd == RB_CMD_ICMP_ECHO  ? RB_NET_ICMP
						       : RB_NET_TCP;
	name_copy(i->domain, sizeof(i->domain), s->req.dst.domain);
	name_copy(i->user, sizeof(i->user), s->req.user);
	if (s->target.family) {
		i->dst_family = s->target.family;
		memcpy(i->dst, s->target.addr, 16);
		i->dst_port = s->target.port;
	} else {
		i->dst_family = s->req.dst.family;
		memcpy(i->dst, s->req.dst.addr, 16);
		i->dst_port = s->req.dst.port;
	}
	if (state >= RB_CONN_DIALING) {
		i->outbound = s->outbound;
		i->rule = s->route.rule;
		name_copy(i->out_tag, sizeof(i->out_tag),
			  s->outbound < p->n_outbounds ? p->outbounds[s->outbound].tag : "");
	}
	info_end(i);
}

static void tcp_row(struct rb_conn_tcp *t, const struct tcp_conn *c)
{
	struct tcp_info ti;

	if (c == NULL) {
		memset(t, 0, sizeof(*t));
		return;
	}
	tcp_get_info(c, &ti);
	name_copy(t->cc, sizeof(t->cc), ti.cc);
	name_copy(t->state, sizeof(t->state), tcp_state_name(ti.state));
	t->srtt_us = ti.srtt_us;
	t->rto_us = ti.rto_us;
	t->cwnd = ti.cwnd;
	t->retransmits = ti.retransmits;
	t->mss = ti.mss;
}

/* The TCP rows of `ringboxctl conns` (each session's connections as its
 * stack sees them), refreshed in sweeps over the active list: a sweep
 * starts at most every RB_CONN_TCP_REFRESH_MS and refreshes rows_slice
 * sessions (RB_CONN_TCP_ROWS_PER_MS; the RB_CONNS_ROWS_SLICE environment
 * variable sets it, for tests) per millisecond since the previous call
 * (the worker polls every 10 ms; at most 16 ms' worth), from a cursor that
 * proxy_sess_free moves past a session it frees.  So a poll costs at most
 * 16 slices, and a row is at most max(RB_CONN_TCP_REFRESH_MS,
 * active / rows_slice ms) old, plus a poll interval. */
static void tcp_rows_refresh(struct proxy_lcore *pl)
{
	uint64_t now = pl->lc->now, ms = proxy_ms_tsc(pl, 1), n;
	struct psess *s;

	if (now < pl->rows_next)
		return;
	s = pl->rows_cur;
	if (s == NULL) {
		if (now < pl->sweep_next)
			return;
		pl->sweep_next = now + proxy_ms_tsc(pl, RB_CONN_TCP_REFRESH_MS);
		pl->rows_last = now - ms; /* a sweep begins with one slice */
		s = TAILQ_FIRST(&pl->active);
	}
	n = (now - pl->rows_last) / ms;
	n = (n < 1 ? 1 : n > 16 ? 16 : n) * pl->rows_slice;
	pl->rows_last = now;
	pl->rows_next = now + ms;
	for (; s != NULL && n > 0; s = TAILQ_NEXT(s, link), n--) {
		if (s->info == NULL)
			continue;
		info_begin(s->info);
		tcp_row(&s->info->cli_tcp, s->cli);
		tcp_row(&s->info->up_tcp, s->up);
		info_end(s->info);
	}
	pl->rows_cur = s;
	pl->rows_swept += s == NULL;
}

void proxy_count_routed(struct psess *s)
{
	struct rb_conn_worker *wk = s->pl->wk;

	if (s->routed || s->outbound >= RB_CONN_MAX_TAGS)
		return;
	s->routed = 1;
	s->rule_slot = (uint16_t)rb_conn_rule_slot(s->route.rule);
	wk->out[s->outbound].conns++;
	wk->out[s->outbound].active++;
	wk->rules[s->rule_slot].conns++;
	wk->rules[s->rule_slot].active++;
}

void proxy_count_bytes(struct psess *s, int upward, uint32_t n)
{
	struct rb_conn_worker *wk = s->pl->wk;

	if (upward) {
		s->bytes_up += n;
		wk->in[s->inbound].bytes_up += n;
		if (s->routed) {
			wk->out[s->outbound].bytes_up += n;
			wk->rules[s->rule_slot].bytes_up += n;
		}
		if (s->info)
			s->info->bytes_up = s->bytes_up;
	} else {
		s->bytes_down += n;
		wk->in[s->inbound].bytes_down += n;
		if (s->routed) {
			wk->out[s->outbound].bytes_down += n;
			wk->rules[s->rule_slot].bytes_down += n;
		}
		if (s->info)
			s->info->bytes_down = s->bytes_down;
	}
}

/* ---------------------------------------------------------- sessions */

static struct psess *sess_alloc(struct proxy_lcore *pl)
{
	struct psess *s;

	if (pl->n_free == 0)
		return NULL;
	s = &pl->sess[pl->free_list[--pl->n_free]];
	memset((uint8_t *)s + sizeof(s->link), 0, sizeof(*s) - sizeof(s->link));
	s->pl = pl;
	s->idx = (uint32_t)(s - pl->sess);
	s->id = ((uint64_t)pl->lc->worker << 48) | ++pl->seq;
	s->outbound = 0xffff;
	s->route.rule = 0xfffe;
	s->info = rb_conn_shm_slot(&conn_shm, pl->lc->worker, s->idx);
	TAILQ_INSERT_TAIL(&pl->active, s, link);
	pl->wk->active++;
	pl->wk->total++;
	return s;
}

void proxy_sess_free(struct psess *s)
{
	struct proxy_lcore *pl = s->pl;
	struct rb_proxy_tag_counters *ic = &pl->wk->in[s->inbound];

	if (s->state == PS_FREE)
		return;
	if (s->resolving)
		rb_resolve_cancel(pl->lc, proxy_resolved, s);
	proxy_udp_free(s);
	ss_uot_in_free(s);
	if (s->cli) {
		tcp_set_callbacks(s->cli, NULL, NULL);
		tcp_abort(s->cli);
	}
	if (s->up) {
		tcp_set_callbacks(s->up, NULL, NULL);
		tcp_abort(s->up);
	}
	rte_pktmbuf_free(s->pend_up);
	rte_pktmbuf_free(s->pend_down);
	proxy_buf_release(s);
	free(s->early);
	free(s->out);
	s->out = NULL;
	if (s->xin && s->in_ops && s->in_ops->release)
		s->in_ops->release(s);
	proxy_layer_free(s);
	proxy_http_ka_free(s);
	ic->active--;
	if (s->routed) {
		pl->wk->out[s->outbound].active--;
		pl->wk->rules[s->rule_slot].active--;
	}
	if (s->info) {
		info_begin(s->info);
		s->info->state = RB_CONN_FREE;
		info_end(s->info);
	}
	rb_count(pl->lc, RB_EV_PROXY_CLOSED);
	explicit_bzero(&s->in, sizeof(s->in));
	s->state = PS_FREE;
	if (pl->rows_cur == s)
		pl->rows_cur = TAILQ_NEXT(s, link); /* the TCP rows' sweep goes on after it */
	if (pl->walk_cur == s)
		pl->walk_cur = TAILQ_NEXT(s, link); /* so does the poll's walk */
	if (s->on_pend) {
		TAILQ_REMOVE(&pl->pend_q, s, pend_link);
		s->on_pend = 0;
	}
	TAILQ_REMOVE(&pl->active, s, link);
	pl->wk->active--;
	pl->free_list[pl->n_free++] = s->idx;
}

void proxy_fail(struct psess *s, enum rb_proxy_err why)
{
	static const enum rb_event ev[RB_PERR_MAX] = {
		[RB_PERR_NONE] = RB_EV_PROXY_DIAL_FAIL,
		[RB_PERR_MALFORMED] = RB_EV_PROXY_ERR_MALFORMED,
		[RB_PERR_VERSION] = RB_EV_PROXY_ERR_MALFORMED,
		[RB_PERR_AUTH] = RB_EV_PROXY_ERR_AUTH,
		[RB_PERR_NO_METHOD] = RB_EV_PROXY_ERR_AUTH,
		[RB_PERR_COMMAND] = RB_EV_PROXY_ERR_COMMAND,
		[RB_PERR_ADDRESS] = RB_EV_PROXY_ERR_MALFORMED,
		[RB_PERR_TOO_LARGE] = RB_EV_PROXY_ERR_TOO_LARGE,
		[RB_PERR_TIMEOUT] = RB_EV_PROXY_ERR_TIMEOUT,
		[RB_PERR_REPLAY] = RB_EV_PROXY_ERR_AUTH,
	};

	if (why != RB_PERR_NONE) {
		s->pl->wk->in[s->inbound].errors[why]++;
		rb_count(s->pl->lc, ev[why]);
	}
	/* Let the error reply leave: close (FIN after queued data) rather
	 * than abort, unless unread data forces a reset. */
	if (s->cli) {
		tcp_set_callbacks(s->cli, NULL, NULL);
		tcp_close(s->cli);
		s->cli = NULL;
	}
	proxy_sess_free(s);
}

/* ---------------------------------------------------------- callbacks */

static void cli_handshake(struct psess *s);

void proxy_handshake_input(struct psess *s)
{
	cli_handshake(s);
}

static void cli_handshake(struct psess *s)
{
	for (;;) {
		size_t n, used = 0;
		int rc;

		if (s->blen == s->bcap || s->hs_pending) {
			/* the request does not fit the handshake buffer, or the
			 * buffer holds a pipelined request (http_ka.c) */
			int full = s->blen == s->bcap;

			s->hs_pending = 0;
			rc = s->in_ops->feed(s, s->buf + s->parsed, s->blen - s->parsed, &used);
			if (rc == RB_PARSE_ERR)
				return;
			if (rc == RB_PARSE_MORE) {
				if (full)
					proxy_fail(s, RB_PERR_TOO_LARGE);
				if (full)
					return;
				continue; /* read the rest */
			}
		} else {
			n = tcp_read_copy(s->cli, s->buf + s->blen, s->bcap - s->blen);
			if (n == 0) {
				if (tcp_eof(s->cli)) /* EOF mid-request; or a keep-alive client left */
					proxy_fail(s, (s->ka_idle || s->quiet) && s->blen == 0 ? RB_PERR_NONE
										 : RB_PERR_MALFORMED);
				return;
			}
			s->blen += (uint32_t)n;
			if (s->in_ops->incremental)
				rc = s->in_ops->feed(s, s->buf + s->parsed, s->blen - s->parsed,
						     &used);
			else
				rc = s->in_ops->feed(s, s->buf, s->blen, &used);
		}
		if (rc == RB_PARSE_ERR)
			return; /* the inbound replied and failed the session */
		s->parsed = s->in_ops->incremental ? s->parsed + (uint32_t)used : (uint32_t)used;
		if (rc == RB_PARSE_DONE) {
			/* bytes after the request travel upstream first */
			if (s->blen > s->parsed) {
				/* (an HTTP request's pipelined successors stay: http_ka.c) */
				uint32_t extra = s->blen - s->parsed -
						 proxy_http_ka_split(s, s->buf + s->parsed,
								     s->blen - s->parsed);
				uint8_t *e = extra ? realloc(s->early, s->elen + extra) : s->early;

				if (e == NULL && extra) {
					proxy_fail(s, RB_PERR_NONE);
					return;
				}
				memcpy(e + s->elen, s->buf + s->parsed, extra);
				s->early = e;
				s->elen += extra;
			}
			proxy_route_and_dial(s);
			return;
		}
	}
}

/* A UDP association's TCP connection carries nothing more (RFC 1928 7):
 * discard what comes; its end ends the association. */
static void udp_ctl_readable(struct psess *s)
{
	struct rte_mbuf *m;

	while ((m = tcp_read(s->cli, UINT32_MAX)) != NULL)
		rte_pktmbuf_free(m);
	if (tcp_eof(s->cli)) {
		tcp_set_callbacks(s->cli, NULL, NULL);
		tcp_close(s->cli);
		s->cli = NULL;
		proxy_sess_free(s);
	}
}

static void cli_readable(struct tcp_conn *c)
{
	struct psess *s = tcp_user(c);

	if (s == NULL)
		return;
	if (s->state == PS_HANDSHAKE)
		cli_handshake(s);
	else if (s->state == PS_RELAY)
		proxy_pump(s, 1);
	else if (s->state == PS_UDP)
		udp_ctl_readable(s);
	else if (s->state == PS_UOT)
		ss_uot_in_readable(s);
	else if (s->state == PS_SNIFF)
		proxy_sniff_input(s, 0);
	else if (tcp_eof(c) && tcp_readable(c) == 0 && s->state != PS_RELAY &&
		 !proxy_http_ka_cli_eof(s)) {
		/* the client gave up while we dial: abandon (not a client that
		 * half-closed after complete HTTP requests: they are answered) */
		tcp_set_callbacks(c, NULL, NULL);
		tcp_close(c);
		s->cli = NULL;
		proxy_sess_free(s);
	}
}

static void cli_writable(struct tcp_conn *c)
{
	struct psess *s = tcp_user(c);

	if (s && s->state == PS_RELAY)
		proxy_pump(s, 0);
}

static void cli_closed(struct tcp_conn *c, int err)
{
	struct psess *s = tcp_user(c);

	if (s == NULL)
		return;
	if (s->state == PS_RELAY && err == 0) {
		/* orderly: flush what is left of it, then end the other side */
		if (proxy_pump(s, 1) < 0 && (s->state == PS_FREE || s->cli != c))
			return;
	}
	s->cli = NULL;
	if (err == 0 && s->up && s->state == PS_RELAY) {
		tcp_set_callbacks(s->up, NULL, NULL);
		tcp_close(s->up);
		s->up = NULL;
	}
	proxy_sess_free(s);
}

static void up_readable(struct tcp_conn *c)
{
	struct psess *s = tcp_user(c);

	if (s == NULL || (s->ka && proxy_http_ka_idle_up(s, c, 0)))
		return; /* (a kept HTTP upstream between requests) */
	if (s->state == PS_RELAY)
		proxy_pump(s, 0);
	else if (s->state == PS_OUT_HS)
		proxy_up_handshake_readable(s);
}

static void up_writable(struct tcp_conn *c)
{
	struct psess *s = tcp_user(c);

	if (s && s->state == PS_RELAY)
		proxy_pump(s, 1);
}

static void up_closed(struct tcp_conn *c, int err)
{
	struct psess *s = tcp_user(c);

	if (s == NULL || (s->ka && proxy_http_ka_idle_up(s, c, 1)))
		return; /* (a kept HTTP upstream between requests) */
	if (s->state == PS_RELAY && err == 0 && proxy_pump(s, 0) < 0)
		return;
	s->up = NULL;
	if (s->state != PS_RELAY && s->in_ops && s->cli) {
		/* the upstream died during its handshake (as dial_failed counts) */
		rb_count(s->pl->lc, RB_EV_PROXY_DIAL_FAIL);
		s->pl->wk->out[s->outbound < RB_CONN_MAX_TAGS ? s->outbound : 0].dial_fail++;
		if (proxy_reply(s, err ? err : -ECONNRESET) == 0) {
			proxy_fail(s, RB_PERR_NONE);
			return;
		}
		proxy_fail(s, RB_PERR_NONE);
		return;
	}
	if (err == 0 && s->cli) {
		tcp_set_callbacks(s->cli, NULL, NULL);
		tcp_close(s->cli);
		s->cli = NULL;
	}
	proxy_sess_free(s);
}

/* A new session of `inbound`: counted as accepted, its row in the
 * connections table started (from family/src/sport). */
static void sess_begin(struct psess *s, uint16_t inbound, int family, const uint8_t *src,
		       uint16_t sport)
{
	struct proxy_lcore *pl = s->pl;

	pl->wk->in[inbound].conns++;
	pl->wk->in[inbound].active++;
	info_begin(s->info);
	memset((uint8_t *)s->info + sizeof(s->info->seq), 0,
	       sizeof(*s->info) - sizeof(s->info->seq));
	s->info->state = RB_CONN_HANDSHAKE;
	s->info->id = s->id;
	s->info->start_ns = real_ns();
	s->info->inbound = inbound;
	s->info->outbound = 0xffff;
	s->info->rule = 0xfffe;
	memcpy(s->info->src, src, family == AF_INET ? 4 : 16);
	s->info->src_port = sport;
	s->info->src_family = (uint8_t)family;
	name_copy(s->info->in_tag, sizeof(s->info->in_tag), pl->cfg->inbounds[inbound].tag);
	info_end(s->info);
}

struct psess *proxy_sess_open(struct rb_lcore *lc, uint16_t inbound, int family,
			      const uint8_t *src, uint16_t sport)
{
	struct proxy_lcore *pl = lc->worker < RB_MAX_LCORES ? proxy_lcores[lc->worker] : NULL;
	struct psess *s;

	if (pl == NULL || inbound >= pl->cfg->n_inbounds)
		return NULL;
	s = sess_alloc(pl);
	if (s == NULL) {
		rb_count(lc, RB_EV_PROXY_SESS_FULL);
		return NULL;
	}
	s->inbound = inbound;
	s->in_type = (uint8_t)pl->cfg->inbounds[inbound].type;
	/* not PS_FREE (sess_alloc's zeroes), which proxy_sess_free skips: a
	 * session its caller refuses at once must end too.  No deadline, no
	 * client: nothing but the caller, conns close or shutdown ends it. */
	s->state = PS_HANDSHAKE;
	sess_begin(s, inbound, family, src, sport);
	return s;
}

static int on_accept(struct tcp_conn *c, void *arg)
{
	struct proxy_lcore *pl = proxy_lcores[tcp_lcore(c)->worker];
	uint16_t inbound = (uint16_t)(uintptr_t)arg;
	const struct rb_cfg_inbound *in = &pl->cfg->inbounds[inbound];
	struct psess *s = sess_alloc(pl);
	int family;
	uint8_t laddr[16], src[16];
	uint16_t lport, sport;

	if (s == NULL) {
		rb_count(pl->lc, RB_EV_PROXY_SESS_FULL);
		return -1;
	}
	rb_count(pl->lc, RB_EV_PROXY_ACCEPT);
	s->cli = c;
	s->inbound = inbound;
	s->in_type = (uint8_t)in->type;
	s->state = PS_HANDSHAKE;
	s->deadline = pl->lc->now + proxy_ms_tsc(pl, in->handshake_timeout_ms);
	tcp_set_callbacks(c, &cli_cb, s);
	tcp_get_addrs(c, &family, laddr, &lport, src, &sport);
	sess_begin(s, inbound, family, src, sport);
	if (proxy_in_accept(s) != 0) {
		/* the session is already failed and freed; the conn is ours to refuse */
		return 0;
	}
	return 0;
}

/* ---------------------------------------------------------- lcore */

static void close_requests(struct proxy_lcore *pl)
{
	for (int i = 0; i < RB_CONN_CLOSE_SLOTS; i++) {
		uint64_t id = __atomic_load_n(&pl->wk->close_req[i], __ATOMIC_ACQUIRE);
		struct psess *s, *t;

		if (id == 0)
			continue;
		TAILQ_FOREACH_SAFE(s, &pl->active, link, t)
			if (id == RB_CONN_CLOSE_ALL || s->id == id) {
				rb_count(pl->lc, RB_EV_PROXY_CLOSED_BY_CTL);
				proxy_sess_free(s);
			}
		__atomic_store_n(&pl->wk->close_req[i], 0, __ATOMIC_RELEASE);
	}
}

void proxy_pend_watch(struct psess *s)
{
	if (!s->on_pend && s->state != PS_FREE) {
		TAILQ_INSERT_TAIL(&s->pl->pend_q, s, pend_link);
		s->on_pend = 1;
	}
}

/* A session's turn in the poll's walk: its deadline, UDP and UoT flows, and
 * a pending write that is not on pend_q. */
static void poll_one(struct proxy_lcore *pl, struct psess *s)
{
	struct rb_lcore *lc = pl->lc;

	if (s->deadline && lc->now > s->deadline) {
		if (s->state == PS_SNIFF) {
			s->deadline = 0;
			proxy_sniff_input(s, 1); /* sniff time over: route as it is */
		} else if (s->state == PS_HANDSHAKE) {
			/* an idle keep-alive connection ends quietly */
			proxy_fail(s, (s->ka_idle || s->quiet) && s->blen == 0 ? RB_PERR_NONE
										: RB_PERR_TIMEOUT);
		} else if (s->in_ops && s->cli) {
			if (s->state >= PS_DIAL && s->state <= PS_OUT_HS)
				rb_count(lc, RB_EV_PROXY_DIAL_FAIL); /* as dial_failed */
			if (s->state >= PS_DIAL && s->outbound < RB_CONN_MAX_TAGS)
				pl->wk->out[s->outbound].dial_fail++;
			proxy_reply(s, -ETIMEDOUT);
			proxy_fail(s, RB_PERR_NONE);
		} else {
			proxy_sess_free(s);
		}
		return;
	}
	if (s->state == PS_UDP)
		proxy_udp_poll(s);
	else if (s->state == PS_UOT)
		ss_uot_in_poll(s);
	if (s->state == PS_RELAY && !s->on_pend && (s->pend_up || s->pend_down)) {
		if (proxy_pump(s, 1) == 0)
			proxy_pump(s, 0);
	}
}

/* Every 10 ms (the worker's housekeeping): close requests, the TCP rows'
 * slice, pending writes (pend_q), then the walk: at most walk_max sessions
 * (PROXY_WALK_PER_POLL) from where the last poll stopped, so that a
 * timeout fires at most ceil(active / walk_max) polls late (80 ms for
 * 16384 sessions, the default dataplane.max_sessions) and a poll's cost
 * stays bounded. */
void proxy_lcore_poll(struct rb_lcore *lc)
{
	struct proxy_lcore *pl = lc->worker < RB_MAX_LCORES ? proxy_lcores[lc->worker] : NULL;
	struct psess *s, *t;

	if (pl == NULL)
		return;
	close_requests(pl);
	tcp_rows_refresh(pl);
	rb_ss_udp_lcore_poll(lc);
	TAILQ_FOREACH_SAFE(s, &pl->pend_q, pend_link, t) {
		if (s->state != PS_RELAY || (!s->pend_up && !s->pend_down)) {
			TAILQ_REMOVE(&pl->pend_q, s, pend_link);
			s->on_pend = 0;
		} else if (proxy_pump(s, 1) == 0) {
			proxy_pump(s, 0); /* (s may be freed: then off pend_q) */
		}
	}
	s = pl->walk_cur ? pl->walk_cur : TAILQ_FIRST(&pl->active);
	for (uint32_t n = 0; s != NULL && n < pl->walk_max; n++) {
		/* proxy_sess_free moves walk_cur past any session it frees */
		pl->walk_cur = TAILQ_NEXT(s, link);
		poll_one(pl, s);
		s = pl->walk_cur;
	}
	pl->walk_cur = s;
}

/* A slice size from the environment, for tests (a positive integer), else
 * dflt. */
static uint32_t test_knob(const char *name, uint32_t dflt)
{
	const char *v = getenv(name);
	int n = v ? atoi(v) : 0;

	return n > 0 ? (uint32_t)n : dflt;
}

int proxy_lcore_init(struct rb_lcore *lc)
{
	const struct rb_cfg_proxy *p = lc->dp->cfg->proxy;
	struct proxy_lcore *pl;
	int err;

	if (p == NULL || p->n_inbounds == 0 || lc->worker >= RB_MAX_LCORES)
		return 0;
	if (conn_shm_users++ == 0) {
		char name[64];

		rb_conn_shm_name(lc->dp->cfg->dp.shm_name, name, sizeof(name));
		err = rb_conn_shm_create(&conn_shm, name, (unsigned)lc->dp->n_workers,
					 lc->dp->cfg->dp.max_sessions);
		if (err != 0) {
			RB_ERR("proxy: cannot create %s: %s", name, strerror(-err));
			conn_shm_users = 0;
			return -1;
		}
		conn_shm.hdr->n_inbounds = (uint32_t)p->n_inbounds;
		conn_shm.hdr->n_outbounds = (uint32_t)p->n_outbounds;
		for (int i = 0; i < p->n_inbounds && i < RB_CONN_MAX_TAGS; i++)
			snprintf(conn_shm.hdr->in_tags[i], RB_CONN_TAG_LEN, "%s",
				 p->inbounds[i].tag);
		for (int i = 0; i < p->n_outbounds && i < RB_CONN_MAX_TAGS; i++)
			snprintf(conn_shm.hdr->out_tags[i], RB_CONN_TAG_LEN, "%s",
				 p->outbounds[i].tag);
	}
	pl = rte_zmalloc_socket("proxy_lcore", sizeof(*pl), RTE_CACHE_LINE_SIZE,
				(int)rte_lcore_to_socket_id(lc->lcore_id));
	if (pl == NULL)
		return -1;
	pl->lc = lc;
	pl->cfg = p;
	pl->n_sess = lc->dp->cfg->dp.max_sessions; /* dataplane.max_sessions */
	pl->rows_slice = test_knob("RB_CONNS_ROWS_SLICE", RB_CONN_TCP_ROWS_PER_MS);
	pl->sess = calloc(pl->n_sess, sizeof(*pl->sess));
	pl->free_list = calloc(pl->n_sess, sizeof(*pl->free_list));
	if (pl->sess == NULL || pl->free_list == NULL)
		goto fail;
	for (uint32_t i = 0; i < pl->n_sess; i++)
		pl->free_list[i] = pl->n_sess - 1 - i;
	pl->n_free = pl->n_sess;
	TAILQ_INIT(&pl->active);
	TAILQ_INIT(&pl->pend_q);
	pl->walk_max = test_knob("RB_PROXY_WALK_SLICE", PROXY_WALK_PER_POLL);
	pl->wk = rb_conn_shm_worker(&conn_shm, lc->worker);
	proxy_lcores[lc->worker] = pl;
	for (int i = 0; i < p->n_inbounds; i++) {
		const struct rb_cfg_inbound *in = &p->inbounds[i];
		/* tcp_* keys: 0 leaves the stack's own (dataplane.tcp) */
		struct tcp_listen_params lp = {
			.family = in->listen.family,
			.port = in->listen_port,
			.on_accept = on_accept,
			.arg = (void *)(uintptr_t)i,
			.cc = tcp_cfg_cc_name(in->tcp_cc - 1),
			.cookies = tcp_cfg_cookie_mode(in->tcp_cookies - 1),
			.backlog = in->tcp_backlog,
		};

		if ((in->type == RB_IN_DIRECT || in->type == RB_IN_SHADOWSOCKS) &&
		    in->network == RB_CFG_NET_UDP)
			continue;
		lp.foreign = in->type == RB_IN_WIREGUARD; /* the endpoint's flows */
		memcpy(lp.addr, in->listen.addr, 16);
		pl->lis[i] = tcp_listen(lc, &lp, &err);
		if (pl->lis[i] && lp.foreign)
			rb_wg_term_listen(lc, in->tag, pl->lis[i]);
		if (pl->lis[i] == NULL) {
			RB_ERR("proxy: inbound '%s': cannot listen on port %u: %s", in->tag,
			       in->listen_port, strerror(-err));
			goto fail;
		}
	}
	err = rb_ss_lcore_init(lc, p); /* shadowsocks: shared replay filter, relays */
	if (err != 0) {
		RB_ERR("proxy: shadowsocks: %s", strerror(-err));
		goto fail;
	}
	err = rb_ss_udp_lcore_init(lc, p, pl->wk); /* shadowsocks inbounds' UDP */
	if (err != 0) {
		RB_ERR("proxy: shadowsocks UDP: %s", strerror(-err));
		goto fail;
	}
	if (lc->worker == 0)
		RB_INFO("proxy: %d inbound(s), %d outbound(s)", p->n_inbounds, p->n_outbounds);
	return 0;
fail:
	proxy_lcore_fini(lc);
	return -1;
}

void proxy_lcore_fini(struct rb_lcore *lc)
{
	struct proxy_lcore *pl = lc->worker < RB_MAX_LCORES ? proxy_lcores[lc->worker] : NULL;

	if (pl == NULL)
		return;
	while (!TAILQ_EMPTY(&pl->active))
		proxy_sess_free(TAILQ_FIRST(&pl->active));
	for (int i = 0; i < RB_MAX_INBOUNDS; i++)
		if (pl->lis[i]) {
			if (i < pl->cfg->n_inbounds && pl->cfg->inbounds[i].type == RB_IN_WIREGUARD)
				rb_wg_term_listen(lc, pl->cfg->inbounds[i].tag, NULL);
			tcp_unlisten(pl->lis[i]);
		}
	free(pl->sess);
	free(pl->free_list);
	rb_ss_udp_lcore_fini(lc);
	rb_ss_lcore_fini(lc);
	proxy_lcores[lc->worker] = NULL;
	rte_free(pl);
	if (conn_shm_users && --conn_shm_users == 0)
		rb_conn_shm_close(&conn_shm);
}
