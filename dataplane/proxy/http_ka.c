/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Keep-alive for the plain-HTTP proxy (absolute-form requests, RFC 9112
 * 3.2.2): one client connection carries many requests, each routed by
 * itself (its own rule and outbound), answered in order (RFC 9112 9.3.2),
 * over upstream connections that are kept and reused for the next request
 * to the same origin through the same outbound.
 *
 * One exchange at a time (begin .. done):
 *   - the request head goes up with "Connection: keep-alive"
 *     (http_parse.c); then only the request's own body (Content-Length,
 *     or chunked: scanned by rb_http_body_scan as it goes up, read in
 *     steps that cannot pass its end, rb_http_body_sure; broken chunked
 *     framing is answered 400, proxy_http_bad_chunk): what the client sent
 *     after it (pipelined requests) is kept in `pipe` or waits in the
 *     client connection, bounded by PROXY_HTTP_PIPE_MAX (more: the
 *     connection is reset, proxy_http_pipe_full);
 *   - the response head is read and passed on with its Connection fields
 *     replaced (rb_http_resp_parse); its body flows as in any relay, through
 *     rb_http_body_scan (http_body.c), which finds the end of a
 *     Content-Length or chunked body (with trailers), or none (HEAD, 1xx,
 *     204, 304);
 *   - at that end (request body sent, response passed on) the session goes
 *     back to reading the next request head, first from `pipe`.  The
 *     upstream is kept idle (`idle`) when the origin did not say close, the
 *     framing was unambiguous and nothing came after the response; the next
 *     request reuses it (proxy_http_ka_reuse, called after routing) when it
 *     routes to the same outbound and origin (host:port after overrides),
 *     else it is closed and a new one dialled.
 * A request sent on a kept upstream that the origin closes before a byte
 * of the response came (it closed the idle connection as the request went
 * out, RFC 9112 9.3.1) is sent again, once, on a new connection when its
 * method is idempotent (RFC 9110 9.2.2) and all of it that went up is in
 * `rq` (a copy kept for this, up to RQ_CAP: 2 x max_header_size + 320
 * bytes, 16.7 kB by default); otherwise the client gets 502
 * (proxy_http_retry, proxy_http_no_retry; of those, idempotent requests
 * longer than the copy also proxy_http_no_retry_long).  As HAProxy's
 * retries (only what is still in its buffer goes again) and unlike nginx
 * (which spools whole request bodies to disk first), a request is never
 * held back or buffered whole for a retry that may not come.  An upstream that ends before
 * any response byte on a new connection is answered 502 too.
 * A response delimited by the origin's close, 101 and responses after which
 * the client's connection ends are relayed to the end as before (the
 * session becomes a plain relay).  Chains with stream-transforming
 * outbounds fall back to one request per connection ("Connection: close"
 * upstream).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "proxy_priv.h"

#define PROXY_HTTP_PIPE_MAX (64 * 1024) /* client bytes waiting behind a request */
#define RQ_CAP(ka) (2 * (ka)->max_head + 320) /* the head as forwarded and a body's start */

struct proxy_http_ka {
	/* the exchange in progress */
	struct rb_http_body req;        /* where the request body ends (none, CL, chunked) */
	uint32_t early_body;            /* body bytes that went with the head (s->early) */
	uint32_t fwd_len;               /* the rewritten request head in s->early */
	uint32_t max_head;
	uint32_t rlen;                  /* response head bytes in rbuf */
	uint8_t active;                 /* begin .. done */
	uint8_t head_req;
	uint8_t head_done;              /* the final response head went to the client */
	uint8_t reuse_ok;               /* the origin keeps its connection, framing clean */
	uint8_t cli_eof;                /* the client's FIN came after its request */
	uint8_t from_pipe;              /* this request's bytes came pipelined */
	uint8_t req_err;                /* broken chunked framing came with the head */
	uint8_t idempotent;             /* the method may be sent again (RFC 9110 9.2.2) */
	uint8_t on_kept;                /* sent on a kept upstream: may go again, once */
	uint8_t resp_seen;              /* a byte of the response came */
	uint8_t rq_ok;                  /* rq holds all of the request sent so far */
	uint8_t rq_long;                /* idempotent, but longer than rq: no second try */
	uint32_t rq_len;
	uint8_t *rq;                    /* that copy (RQ_CAP bytes, allocated on first use) */
	struct rb_http_body body;       /* where the response body ends */
	struct rb_dest req_dst;         /* this request's origin (after overrides) */
	/* kept between exchanges */
	uint8_t idle;                   /* s->up is a kept upstream, between requests */
	uint16_t idle_out;              /* its outbound */
	struct rb_dest idle_dst;        /* its origin */
	uint32_t plen;                  /* pipelined client bytes in pipe */
	uint8_t *pipe;                  /* max_head bytes */
	uint8_t rbuf[];                 /* max_head bytes, then max_head + 64 for the rewrite,
					 * then pipe */
};

static void close_up(struct psess *s)
{
	if (s->up) {
		tcp_set_callbacks(s->up, NULL, NULL);
		tcp_close(s->up);
		s->up = NULL;
	}
}

void proxy_http_ka_free(struct psess *s)
{
	if (s->ka && s->ka->rq) {
		explicit_bzero(s->ka->rq, RQ_CAP(s->ka)); /* the client's request */
		free(s->ka->rq);
	}
	free(s->ka);
	s->ka = NULL;
}

/* Leave keep-alive: a kept upstream is closed, the memory freed. */
void proxy_http_ka_end(struct psess *s)
{
	if (s->ka && s->ka->idle)
		close_up(s);
	proxy_http_ka_free(s);
}

/* The forwarded head in s->early ends in RB_HTTP_KA_LINE: make it ask the
 * origin to close (one request on this upstream). */
static void fwd_to_close(struct psess *s, uint32_t fwd_len)
{
	const size_t kl = sizeof(RB_HTTP_KA_LINE) - 1, cl = sizeof(RB_HTTP_CLOSE_LINE) - 1;
	uint8_t *h = s->early + fwd_len - kl;

	if (s->early == NULL || fwd_len < kl || s->elen < fwd_len || memcmp(h, RB_HTTP_KA_LINE, kl))
		return;
	memcpy(h, RB_HTTP_CLOSE_LINE, cl);
	memmove(h + cl, s->early + fwd_len, s->elen - fwd_len);
	s->elen -= (uint32_t)(kl - cl);
}

int proxy_http_ka_begin(struct psess *s, const struct rb_http_srv *h, uint32_t fwd_len)
{
	struct proxy_http_ka *ka = s->ka;

	if (!h->keep_alive) {
		proxy_http_ka_end(s);
		return 0;
	}
	if (ka == NULL || ka->max_head != h->max_head) {
		proxy_http_ka_end(s);
		ka = calloc(1, sizeof(*ka) + 3 * (size_t)h->max_head + 64);
		if (ka == NULL) {
			fwd_to_close(s, fwd_len);
			return -ENOMEM;
		}
		ka->max_head = h->max_head;
		ka->pipe = ka->rbuf + 2 * (size_t)h->max_head + 64;
		s->ka = ka;
	}
	if (ka->from_pipe)
		rb_count(s->pl->lc, RB_EV_PROXY_HTTP_PIPELINED);
	ka->from_pipe = 0;
	rb_http_body_init(&ka->req, h->body_chunked ? RB_BODY_CHUNKED
				    : h->body_len  ? RB_BODY_LENGTH
						   : RB_BODY_NONE,
			  h->body_len);
	ka->early_body = 0;
	ka->fwd_len = fwd_len;
	ka->head_req = h->head_method;
	ka->idempotent = h->idempotent;
	ka->active = 1;
	ka->head_done = ka->reuse_ok = ka->cli_eof = 0;
	ka->req_err = ka->on_kept = ka->resp_seen = ka->rq_ok = ka->rq_long = 0;
	ka->rlen = ka->rq_len = 0;
	memset(&ka->req_dst, 0, sizeof(ka->req_dst));
	return 0;
}

uint32_t proxy_http_ka_split(struct psess *s, const uint8_t *p, uint32_t n)
{
	struct proxy_http_ka *ka = s->ka;
	uint32_t body, keep;

	if (ka == NULL || !ka->active)
		return 0;
	body = (uint32_t)rb_http_body_scan(&ka->req, p, n);
	if (rb_http_body_failed(&ka->req)) {
		/* broken chunked framing: nothing goes up, the request is
		 * answered 400 once routed (proxy_http_ka_reuse) */
		ka->req_err = 1;
		return n;
	}
	keep = n - body;
	if (keep > ka->max_head - ka->plen) {
		/* more than the pipe holds (a mixed inbound's handshake buffer is
		 * at least 1100 bytes, max_header_size may be less): the rest goes
		 * up after a request that now asks the origin to close, and the
		 * client connection ends with its response */
		fwd_to_close(s, ka->fwd_len);
		proxy_http_ka_end(s);
		return 0;
	}
	memcpy(ka->pipe + ka->plen, p + body, keep);
	ka->plen += keep;
	ka->early_body += body;
	return keep;
}

/* A request sent on a kept upstream: keep a copy of what goes up, to send
 * it again if that upstream turns out closed (idempotent methods only). */
static void rq_save(struct proxy_http_ka *ka, const uint8_t *p, uint32_t n)
{
	ka->rq_ok = 0;
	if (!ka->idempotent)
		return;
	if (n > RQ_CAP(ka)) {
		ka->rq_long = 1;
		return;
	}
	if (ka->rq == NULL && (ka->rq = malloc(RQ_CAP(ka))) == NULL)
		return;
	memcpy(ka->rq, p, n);
	ka->rq_len = n;
	ka->rq_ok = 1;
}

static void rq_append(struct proxy_http_ka *ka, const uint8_t *p, uint32_t n)
{
	if (!ka->rq_ok)
		return;
	if (n > RQ_CAP(ka) - ka->rq_len) {
		ka->rq_ok = 0; /* too long to send again */
		ka->rq_long = 1;
		return;
	}
	memcpy(ka->rq + ka->rq_len, p, n);
	ka->rq_len += n;
}

/* An error answer before the session ends: what the client sent and we
 * did not read is dropped first, so that its connection ends with a FIN
 * after the answer rather than a reset (which may discard it). */
static void answer(struct psess *s, int status)
{
	uint8_t e[256];
	size_t el = rb_http_error(status, e, sizeof(e));
	struct rte_mbuf *m;

	if (s->cli == NULL)
		return;
	while ((m = tcp_read(s->cli, UINT32_MAX)) != NULL)
		rte_pktmbuf_free(m);
	proxy_send(s->cli, e, el);
}

/* A broken chunked request body: 400 (when no response went to the client
 * yet; else the connection is reset), the session ends. */
static void bad_body(struct psess *s)
{
	rb_count(s->pl->lc, RB_EV_PROXY_HTTP_BAD_CHUNK);
	if (s->ka->head_done) {
		s->pl->wk->in[s->inbound].errors[RB_PERR_MALFORMED]++;
		rb_count(s->pl->lc, RB_EV_PROXY_ERR_MALFORMED);
		proxy_sess_free(s);
		return;
	}
	answer(s, 400);
	proxy_fail(s, RB_PERR_MALFORMED);
}

void proxy_http_ka_relay(struct psess *s)
{
	struct proxy_http_ka *ka = s->ka;
	uint32_t extra;
	int fallback = 0;

	if (ka == NULL || !ka->active)
		return;
	/* bytes that came with the head: the body's first part (scanned) */
	extra = s->elen > ka->fwd_len ? s->elen - ka->fwd_len : 0;
	if (extra != ka->early_body)
		fallback = 1; /* other bytes (sniffed tunnel bytes): one per connection */
	for (int i = 0; i < s->n_hops && !fallback; i++) {
		const struct rb_outbound_ops *o =
			proxy_outbound_ops[s->pl->cfg->outbounds[s->hops[i]].type];

		if (o && (o->wrap || o->unwrap))
			fallback = 1;
	}
	if (s->in_ops->unwrap || s->in_ops->wrap)
		fallback = 1;
	if (!fallback) {
		if (ka->on_kept)
			rq_save(ka, s->early, s->elen);
		return;
	}
	/* a chain that transforms the stream: one request per connection, the
	 * pipelined bytes go up after it as in a tunnel */
	fwd_to_close(s, ka->fwd_len);
	if (ka->plen) {
		uint8_t *e = realloc(s->early, s->elen + ka->plen);

		if (e != NULL) {
			memcpy(e + s->elen, ka->pipe, ka->plen);
			s->early = e;
			s->elen += ka->plen;
		}
	}
	proxy_http_ka_end(s);
}

uint32_t proxy_http_ka_up_room(const struct psess *s, uint32_t space)
{
	uint64_t sure;

	if (s->ka == NULL || !s->ka->active)
		return space;
	sure = rb_http_body_sure(&s->ka->req);
	return sure < space ? (uint32_t)sure : space;
}

int proxy_http_ka_up_moved(struct psess *s, struct rte_mbuf *m)
{
	struct proxy_http_ka *ka = s->ka;

	if (ka == NULL || !ka->active)
		return 0;
	for (struct rte_mbuf *seg = m; seg; seg = seg->next) {
		const uint8_t *p = rte_pktmbuf_mtod(seg, const uint8_t *);

		/* read in steps of rb_http_body_sure: all of it is body, unless
		 * the framing broke */
		if (rb_http_body_scan(&ka->req, p, seg->data_len) < seg->data_len ||
		    rb_http_body_failed(&ka->req)) {
			rte_pktmbuf_free(m);
			bad_body(s);
			return -1;
		}
		rq_append(ka, p, seg->data_len);
	}
	return 0;
}

int proxy_http_ka_pipe_check(struct psess *s)
{
	struct proxy_http_ka *ka = s->ka;

	if (ka == NULL || !ka->active || !rb_http_body_done(&ka->req) || s->cli == NULL ||
	    (uint64_t)tcp_readable(s->cli) + ka->plen <= PROXY_HTTP_PIPE_MAX)
		return 0;
	rb_count(s->pl->lc, RB_EV_PROXY_HTTP_PIPE_FULL);
	proxy_sess_free(s);
	return -1;
}

int proxy_http_ka_cli_eof(struct psess *s)
{
	struct proxy_http_ka *ka = s->ka;

	if (ka == NULL || !ka->active || !rb_http_body_done(&ka->req))
		return 0;
	/* the client is done sending: its requests are still answered, the
	 * upstream keeps its side open */
	ka->cli_eof = 1;
	return 1;
}

/* The final response ends the client's connection (or turns it into a
 * tunnel, 101): relay the rest as is; pipelined bytes follow upstream. */
static int ka_plain(struct psess *s)
{
	struct proxy_http_ka *ka = s->ka;
	int rc = proxy_send_pend(s, 1, ka->pipe, ka->plen);

	proxy_http_ka_free(s);
	if (rc != 0) {
		proxy_sess_free(s);
		return -1;
	}
	return 0;
}

/* Bytes of the response body (from the head buffer): pass on what belongs
 * to it; anything after the response is dropped and the upstream not kept. */
static int ka_body_bytes(struct psess *s, const uint8_t *p, uint32_t n)
{
	struct proxy_http_ka *ka = s->ka;
	size_t b = rb_http_body_scan(&ka->body, p, n);

	if (rb_http_body_failed(&ka->body)) {
		rb_count(s->pl->lc, RB_EV_PROXY_HTTP_BAD_RESP);
		proxy_sess_free(s);
		return -1;
	}
	if (b < n) {
		rb_count(s->pl->lc, RB_EV_PROXY_HTTP_BAD_RESP);
		ka->reuse_ok = 0;
	}
	if (proxy_send_pend(s, 0, p, (uint32_t)b) != 0) {
		proxy_sess_free(s);
		return -1;
	}
	return 0;
}

/* The upstream ended (closed: freed by the stack; else it sent its FIN)
 * before a byte of the response came.  On a kept connection the origin
 * closed it as the request went out (RFC 9112 9.3.1): an idempotent
 * request whose bytes are all in rq goes again, once, on a new connection;
 * otherwise, and on a new connection, the client gets 502.  Returns -1
 * (the session was freed or dials again: the caller stops). */
static int ka_no_response(struct psess *s, int closed)
{
	struct proxy_http_ka *ka = s->ka;
	struct proxy_lcore *pl = s->pl;
	const struct rb_cfg_outbound *o = &pl->cfg->outbounds[s->outbound];
	int kept = ka->on_kept;
	uint8_t *e;

	if (closed)
		s->up = NULL; /* the stack frees it */
	else
		close_up(s);
	ka->on_kept = 0;
	if (!kept || !ka->idempotent || !ka->rq_ok || s->cli == NULL ||
	    ka->rq_len < ka->fwd_len || (e = malloc(ka->rq_len)) == NULL) {
		rb_count(pl->lc, kept ? RB_EV_PROXY_HTTP_NO_RETRY : RB_EV_PROXY_HTTP_BAD_RESP);
		if (kept && ka->rq_long)
			rb_count(pl->lc, RB_EV_PROXY_HTTP_NO_RETRY_LONG);
		answer(s, 502);
		proxy_fail(s, RB_PERR_NONE);
		return -1;
	}
	rb_count(pl->lc, RB_EV_PROXY_HTTP_RETRY);
	/* what went up on the old connection, from the copy: the head and the
	 * body bytes scanned so far (a write still pending is among them) */
	rte_pktmbuf_free(s->pend_up);
	rte_pktmbuf_free(s->pend_down);
	s->pend_up = s->pend_down = NULL;
	memcpy(e, ka->rq, ka->rq_len);
	free(s->early);
	s->early = e;
	s->elen = ka->rq_len;
	ka->early_body = ka->rq_len - ka->fwd_len;
	ka->rq_ok = 0;
	s->shut_up = s->shut_down = 0;
	s->deadline = pl->lc->now +
		      proxy_ms_tsc(pl, o->connect_timeout_ms ? o->connect_timeout_ms : 5000);
	proxy_dial_first(s); /* proxy_start_relay sends s->early once connected */
	return -1;
}

int proxy_http_ka_head(struct psess *s)
{
	struct proxy_http_ka *ka = s->ka;
	uint8_t *out;

	if (ka == NULL || !ka->active || ka->head_done)
		return 0;
	if (s->pend_down) {
		/* an interim response (100 Continue) that waited for send
		 * space goes before the final head is read: the client may be
		 * waiting for it to send the body the origin waits for */
		uint32_t len = s->pend_down->pkt_len;
		int rc = s->cli ? tcp_write_mbuf(s->cli, s->pend_down) : -EPIPE;

		if (rc == 0) {
			s->pend_down = NULL;
			proxy_count_bytes(s, 0, len);
		} else if (rc != -EAGAIN && rc != -ENOBUFS) {
			goto fail;
		}
	}
	out = ka->rbuf + ka->max_head;
	for (;;) {
		struct rb_http_resp r;
		size_t n, olen, used;
		uint32_t rest;
		int rc;

		n = tcp_read_copy(s->up, ka->rbuf + ka->rlen, ka->max_head - ka->rlen);
		ka->rlen += (uint32_t)n;
		if (n)
			ka->resp_seen = 1;
		rc = rb_http_resp_parse(ka->rbuf, ka->rlen, ka->max_head, ka->head_req, 1, &r, out,
					ka->max_head + 64, &olen, &used);
		if (rc == RB_PARSE_MORE) {
			if (n == 0 && !tcp_eof(s->up))
				return 1; /* wait for more of the head */
			if (n)
				continue;
			if (!ka->resp_seen)
				return ka_no_response(s, 0); /* EOF before any byte */
			rc = RB_PARSE_ERR; /* EOF inside the head */
		}
		if (rc == RB_PARSE_ERR) {
			/* not a response we understand: pass it on as it is, and
			 * end the client connection with the upstream */
			if (proxy_send_pend(s, 0, ka->rbuf, ka->rlen) != 0)
				goto fail;
			return ka_plain(s);
		}
		if (r.bad_length) {
			/* RFC 9112 6.3 5: an invalid Content-Length from the origin:
			 * 502 and close (nothing of the response was passed on) */
			uint8_t e[256];
			size_t el = rb_http_error(502, e, sizeof(e));

			rb_count(s->pl->lc, RB_EV_PROXY_HTTP_BAD_RESP);
			proxy_send(s->cli, e, el);
			proxy_fail(s, RB_PERR_NONE);
			return -1;
		}
		if (proxy_send_pend(s, 0, out, (uint32_t)olen) != 0)
			goto fail;
		rest = ka->rlen - (uint32_t)used;
		memmove(ka->rbuf, ka->rbuf + used, rest);
		ka->rlen = rest;
		if (r.interim)
			continue;
		ka->head_done = 1;
		ka->rlen = 0;
		if (!r.keep_alive) {
			/* the start of the body (or the tunnel's first bytes) */
			if (proxy_send_pend(s, 0, ka->rbuf, rest) != 0)
				goto fail;
			return ka_plain(s);
		}
		ka->reuse_ok = !r.origin_close && !r.suspect;
		rb_http_body_init(&ka->body, r.body, r.length);
		return rest ? ka_body_bytes(s, ka->rbuf, rest) : 0;
	}
fail:
	proxy_sess_free(s);
	return -1;
}

uint32_t proxy_http_ka_down_room(const struct psess *s, uint32_t space)
{
	uint64_t room;

	if (s->ka == NULL || !s->ka->active || !s->ka->head_done)
		return space;
	room = rb_http_body_room(&s->ka->body);
	return room < space ? (uint32_t)room : space;
}

/* Cut chain m after its first k bytes (0 < k < pkt_len). */
static void chain_cut(struct rte_mbuf *m, uint32_t k)
{
	struct rte_mbuf *seg = m, *rest;
	uint16_t nseg = 1;

	while (k > seg->data_len) {
		k -= seg->data_len;
		seg = seg->next;
		nseg++;
	}
	seg->data_len = (uint16_t)k;
	rest = seg->next;
	seg->next = NULL;
	rte_pktmbuf_free(rest);
	m->nb_segs = nseg;
	m->pkt_len = 0;
	for (seg = m; seg; seg = seg->next)
		m->pkt_len += seg->data_len;
}

struct rte_mbuf *proxy_http_ka_down_moved(struct psess *s, struct rte_mbuf *m)
{
	struct proxy_http_ka *ka = s->ka;
	uint32_t used = 0;

	if (ka == NULL || !ka->active || !ka->head_done)
		return m;
	for (struct rte_mbuf *seg = m; seg; seg = seg->next) {
		size_t k = rb_http_body_scan(&ka->body, rte_pktmbuf_mtod(seg, const uint8_t *),
					     seg->data_len);

		used += (uint32_t)k;
		if (k < seg->data_len)
			break;
	}
	if (rb_http_body_failed(&ka->body)) {
		/* broken chunked coding: the client cannot find the end either */
		rb_count(s->pl->lc, RB_EV_PROXY_HTTP_BAD_RESP);
		rte_pktmbuf_free(m);
		proxy_sess_free(s);
		return NULL;
	}
	if (used < m->pkt_len) {
		/* bytes after the response's end: not the client's, and the
		 * upstream is out of step */
		rb_count(s->pl->lc, RB_EV_PROXY_HTTP_BAD_RESP);
		ka->reuse_ok = 0;
		if (used == 0) {
			rte_pktmbuf_free(m);
			return NULL;
		}
		chain_cut(m, used);
	}
	return m;
}

static int dest_eq(const struct rb_dest *a, const struct rb_dest *b)
{
	if (a->family != b->family || a->port != b->port)
		return 0;
	if (a->family)
		return memcmp(a->addr, b->addr, 16) == 0;
	return strcmp(a->domain, b->domain) == 0;
}

int proxy_http_ka_reuse(struct psess *s)
{
	struct proxy_http_ka *ka = s->ka;
	int fwd = s->req.cmd == RB_CMD_HTTP_FORWARD;

	if (ka && ka->active) {
		ka->req_dst = s->target;
		if (ka->req_err) {
			/* broken chunked framing came with the head: 400, nothing
			 * went up (RFC 9112 7.1) */
			rb_count(s->pl->lc, RB_EV_PROXY_HTTP_BAD_CHUNK);
			answer(s, 400);
			proxy_fail(s, RB_PERR_MALFORMED);
			return 1;
		}
	}
	if (ka == NULL || !ka->idle) {
		if (fwd)
			rb_count(s->pl->lc, RB_EV_PROXY_HTTP_DIAL);
		return 0;
	}
	ka->idle = 0;
	if (!fwd || !ka->active || s->up == NULL || ka->idle_out != s->outbound ||
	    !dest_eq(&ka->idle_dst, &s->target) || tcp_eof(s->up) || tcp_readable(s->up)) {
		close_up(s);
		if (fwd)
			rb_count(s->pl->lc, RB_EV_PROXY_HTTP_DIAL);
		return 0;
	}
	/* the kept upstream of this origin: the request goes on it */
	rb_count(s->pl->lc, RB_EV_PROXY_HTTP_REUSE);
	ka->on_kept = 1;
	proxy_info_update(s, RB_CONN_DIALING);
	s->state = PS_DIAL;
	if (proxy_reply(s, 0) != 0) {
		proxy_fail(s, RB_PERR_NONE);
		return 1;
	}
	proxy_start_relay(s);
	return 1;
}

int proxy_http_ka_idle_up(struct psess *s, struct tcp_conn *c, int closed)
{
	struct proxy_http_ka *ka = s->ka;

	if (ka == NULL || c != s->up)
		return 0;
	if (!ka->idle) {
		/* the exchange's upstream: ended before any response byte? */
		if (!ka->active || ka->resp_seen || s->state != PS_RELAY || tcp_readable(c) ||
		    (!closed && !tcp_eof(c)))
			return 0;
		ka_no_response(s, closed);
		return 1;
	}
	if (closed) {
		s->up = NULL; /* the stack frees it */
		ka->idle = 0;
	} else if (tcp_eof(c) || tcp_readable(c)) {
		/* the origin closed its kept connection, or talks out of turn */
		close_up(s);
		ka->idle = 0;
	}
	return 1;
}

int proxy_http_ka_done(struct psess *s)
{
	struct proxy_http_ka *ka = s->ka;
	struct proxy_lcore *pl = s->pl;
	const struct rb_cfg_inbound *in;

	if (ka == NULL || !ka->active || !ka->head_done || !rb_http_body_done(&ka->body) ||
	    !rb_http_body_done(&ka->req) || s->pend_up || s->pend_down || s->cli == NULL)
		return 0;
	/* the exchange is complete: keep the upstream, or close it */
	if (ka->reuse_ok && !s->shut_up && s->up && !tcp_eof(s->up) && !tcp_readable(s->up)) {
		ka->idle = 1;
		ka->idle_out = s->outbound;
		ka->idle_dst = ka->req_dst;
	} else {
		close_up(s);
	}
	if (s->routed) {
		pl->wk->out[s->outbound].active--;
		pl->wk->rules[s->rule_slot].active--;
		s->routed = 0;
	}
	ka->active = 0;
	in = &pl->cfg->inbounds[s->inbound];
	s->state = PS_HANDSHAKE;
	s->ka_idle = 1;
	s->shut_up = s->shut_down = 0;
	s->outbound = 0xffff;
	s->n_hops = s->hop = 0;
	memset(&s->route, 0, sizeof(s->route));
	s->route.rule = 0xfffe;
	memset(&s->target, 0, sizeof(s->target));
	memset(&s->req, 0, sizeof(s->req));
	s->deadline = pl->lc->now + proxy_ms_tsc(pl, in->handshake_timeout_ms);
	if (s->in_ops->start(s) != 0) {
		proxy_fail(s, RB_PERR_NONE);
		return 1;
	}
	/* the next request: first what came pipelined (RFC 9112 9.3.2) */
	if (ka->plen) {
		memcpy(s->buf, ka->pipe, ka->plen);
		s->blen = ka->plen;
		s->parsed = 0;
		ka->plen = 0;
		ka->from_pipe = 1;
		s->hs_pending = 1;
	}
	if ((uint64_t)tcp_readable(s->cli) + s->blen > PROXY_HTTP_PIPE_MAX) {
		rb_count(pl->lc, RB_EV_PROXY_HTTP_PIPE_FULL);
		proxy_sess_free(s);
		return 1;
	}
	proxy_info_update(s, RB_CONN_HANDSHAKE);
	if (s->blen || tcp_readable(s->cli) || tcp_eof(s->cli))
		proxy_handshake_input(s);
	return 1;
}

int proxy_http_ka_eof(struct psess *s)
{
	struct proxy_http_ka *ka = s->ka;

	if (ka == NULL || !ka->active)
		return 0;
	/* the origin closed before the response's end: the client sees the
	 * truncation as the end of its connection */
	if (ka->head_done && !rb_http_body_done(&ka->body))
		rb_count(s->pl->lc, RB_EV_PROXY_HTTP_BAD_RESP);
	if (ka->cli_eof && !s->shut_up) {
		s->shut_up = 1;
		tcp_shutdown(s->up);
	}
	proxy_http_ka_free(s);
	return 0;
}
