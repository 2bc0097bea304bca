/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Outbounds: routing a complete request, building the detour chain, dialling
 * the first hop (direct: tcp_connect from the egress address the FIB picks),
 * and the client handshakes of the socks and http outbounds, hop by hop on
 * the one upstream stream.
 *
 * A chain: route -> outbound O; O.detour -> O2; ... until a `direct` or an
 * outbound without detour.  The protocol outbounds of the chain, innermost
 * first, are s->hops[]; the TCP connection goes to hops[0]'s server, hop i
 * speaks its handshake toward hops[i + 1]'s server, the last toward the
 * destination.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "../ss/ss_proxy.h"
#include "../ss/ss_uot_dp.h"
#include "proxy_priv.h"
#include "socks_wire.h"

void proxy_cfg_host_dest(const struct rb_cfg_host *h, uint16_t port, struct rb_dest *d)
{
	memset(d, 0, sizeof(*d));
	d->family = h->family;
	memcpy(d->addr, h->addr, 16);
	if (h->family == 0)
		snprintf(d->domain, sizeof(d->domain), "%s", h->name);
	d->port = port;
}

/* ------------------------------------------------------- protocol clients */

/* The session's outbound client state (one per session, reused hop by hop). */
static union proxy_out_state *out_state(struct psess *s)
{
	if (s->out == NULL)
		s->out = calloc(1, sizeof(*s->out));
	return s->out;
}

static int socks_out_start(struct psess *s, int hop, const struct rb_dest *dst, uint8_t *out)
{
	const struct rb_cfg_outbound *o = &s->pl->cfg->outbounds[s->hops[hop]];
	static const int ver[] = {[RB_SOCKS_V5] = 5, [RB_SOCKS_V4] = 4, [RB_SOCKS_V4A] = 0x4a};
	union proxy_out_state *st = out_state(s);
	size_t n;

	if (st == NULL)
		return -ENOMEM;
	n = rb_socks_cli_start(&st->socks, ver[o->version], SOCKS5_CMD_CONNECT, o->username,
			       o->password, dst, out);
	return n ? (int)n : -EAFNOSUPPORT;
}

static int socks_out_feed(struct psess *s, int hop, const uint8_t *buf, size_t len, size_t *used,
			  uint8_t *out, size_t *outlen)
{
	(void)hop;
	return rb_socks_cli_feed(&s->out->socks, buf, len, used, out, outlen);
}

static int http_out_start(struct psess *s, int hop, const struct rb_dest *dst, uint8_t *out)
{
	const struct rb_cfg_outbound *o = &s->pl->cfg->outbounds[s->hops[hop]];
	union proxy_out_state *st = out_state(s);
	size_t n;

	if (st == NULL)
		return -ENOMEM;
	n = rb_http_cli_start(&st->http, dst, o->username, o->password, out, PROXY_HS_OUT_MAX);
	return n ? (int)n : -EINVAL;
}

static int http_out_feed(struct psess *s, int hop, const uint8_t *buf, size_t len, size_t *used,
			 uint8_t *out, size_t *outlen)
{
	(void)hop;
	(void)out;
	*outlen = 0;
	return rb_http_cli_parse(&s->out->http, buf, len, used);
}

static const struct rb_outbound_ops socks_out_ops = {
	.name = "socks",
	.start = socks_out_start,
	.feed = socks_out_feed,
};
static const struct rb_outbound_ops http_out_ops = {
	.name = "http",
	.start = http_out_start,
	.feed = http_out_feed,
};

const struct rb_outbound_ops *const proxy_outbound_ops[RB_OUT_TYPE_MAX] = {
	[RB_OUT_SOCKS] = &socks_out_ops,
	[RB_OUT_HTTP] = &http_out_ops,
	[RB_OUT_SHADOWSOCKS] = &rb_ss_outbound_ops, /* dataplane/ss/ss_out.c */
};

/* ------------------------------------------------------------- failures */

#define PROXY_SNIFF_MAX   2048     /* client bytes read for sniffing */
#define PROXY_SNIFF_MS    300      /* sing-box's default sniff timeout (rule: `timeout`) */

int proxy_reply(struct psess *s, int err)
{
	if (s->replied)
		return err == 0 ? 0 : -1; /* answered already: the close says it */
	return s->in_ops->reply(s, err);
}

static void dial_failed(struct psess *s, int err)
{
	struct proxy_lcore *pl = s->pl;

	rb_count(pl->lc, RB_EV_PROXY_DIAL_FAIL);
	if (s->outbound < RB_CONN_MAX_TAGS)
		pl->wk->out[s->outbound].dial_fail++;
	if (s->cli)
		proxy_reply(s, err);
	proxy_fail(s, RB_PERR_NONE);
}

static void rejected(struct psess *s)
{
	rb_count(s->pl->lc, RB_EV_PROXY_REJECT);
	s->pl->wk->in[s->inbound].rejected++;
	if (s->route.reject == RB_REJECT_DROP) {
		proxy_sess_free(s); /* say nothing: reset */
		return;
	}
	proxy_reply(s, -EACCES);
	proxy_fail(s, RB_PERR_NONE);
}

/* --------------------------------------------------------------- relay */

/* The handshakes are through: what the last hop's server sent after its
 * reply (in buf past `parsed`, then hs_rest; opened up to the client's
 * level) belongs to the client, through the inbound's wrap when it has one. */
static void upstream_ready(struct psess *s)
{
	/* Without protocol hops the buffer still holds the client's request,
	 * whose extra bytes already went to s->early: not for the client. */
	uint32_t left = s->n_hops ? s->blen - s->parsed : 0;
	struct rte_mbuf *m = NULL, *rest = s->hs_rest;
	uint32_t n;

	s->hs_rest = NULL;
	if (proxy_reply(s, 0) != 0)
		goto fail;
	if (left && (m = proxy_mbuf_from(s->pl->lc, s->buf + s->parsed, left)) == NULL)
		goto fail;
	if (rest && m && rte_pktmbuf_chain(m, rest) != 0)
		goto fail;
	if (rest && m == NULL)
		m = rest;
	rest = NULL;
	if (m && s->in_ops->wrap && (m = s->in_ops->wrap(s, m)) == NULL && s->xform_err)
		goto fail;
	if (m) {
		n = m->pkt_len;
		if (s->cli == NULL)
			rte_pktmbuf_free(m);
		else if (tcp_write_mbuf(s->cli, m) == 0)
			proxy_count_bytes(s, 0, n);
		else {
			s->pend_down = m; /* the relay sends it first (and counts it) */
			proxy_pend_watch(s);
		}
	}
	proxy_start_relay(s);
	return;
fail:
	rte_pktmbuf_free(m);
	rte_pktmbuf_free(rest);
	proxy_fail(s, RB_PERR_NONE);
}

static void hop_start(struct psess *s)
{
	const struct rb_cfg_proxy *p = s->pl->cfg;
	const struct rb_cfg_outbound *o = &p->outbounds[s->hops[s->hop]];
	struct rb_dest dst;
	uint8_t out[PROXY_HS_OUT_MAX];
	int n;

	if (s->hop + 1 < s->n_hops) {
		const struct rb_cfg_outbound *next = &p->outbounds[s->hops[s->hop + 1]];

		proxy_cfg_host_dest(&next->server, next->server_port, &dst);
	} else {
		dst = s->target;
	}
	n = proxy_outbound_ops[o->type]->start(s, s->hop, &dst, out);
	if (n < 0 || proxy_layer_send(s, s->hop, out, (size_t)n) != 0) {
		dial_failed(s, n < 0 ? n : -ENOBUFS);
		return;
	}
}

/* Hop s->hop is through (its reply parsed, or none to wait for): what
 * follows in buf and hs_rest is level-hop bytes.  A hop that transforms
 * the stream opens them for the next level. */
static int hop_through(struct psess *s)
{
	const struct rb_outbound_ops *ops =
		proxy_outbound_ops[s->pl->cfg->outbounds[s->hops[s->hop]].type];
	struct rte_mbuf *m = NULL;

	memmove(s->buf, s->buf + s->parsed, s->blen - s->parsed);
	s->blen -= s->parsed;
	s->parsed = 0;
	if (ops->unwrap == NULL || (s->blen == 0 && s->hs_rest == NULL))
		return 0;
	if (s->blen && (m = proxy_mbuf_from(s->pl->lc, s->buf, s->blen)) == NULL)
		return -1;
	if (m && s->hs_rest && rte_pktmbuf_chain(m, s->hs_rest) != 0) {
		rte_pktmbuf_free(m);
		return -1;
	}
	if (m == NULL)
		m = s->hs_rest;
	explicit_bzero(s->buf, s->blen);
	s->blen = 0;
	s->hs_rest = ops->unwrap(s, s->hop, m);
	return s->hs_rest == NULL && s->xform_err ? -1 : 0;
}

/* The hops below could not open what the server sent (a wrong key, a
 * server that is not one): the dial failed, by a failed transform. */
static void hs_xform_failed(struct psess *s)
{
	rb_count(s->pl->lc, RB_EV_PROXY_XFORM_ERR);
	dial_failed(s, -ECONNREFUSED);
}

/* Start hop s->hop and every following one that waits for no reply
 * (feed NULL).  Returns 1 when the chain is through (relaying) or the
 * session failed, 0 to wait for the current hop's reply. */
static int hops_start(struct psess *s)
{
	const struct rb_cfg_proxy *p = s->pl->cfg;

	for (;;) {
		hop_start(s);
		if (s->state == PS_FREE)
			return 1;
		if (proxy_outbound_ops[p->outbounds[s->hops[s->hop]].type]->feed)
			return 0;
		if (hop_through(s) != 0) {
			hs_xform_failed(s);
			return 1;
		}
		if (++s->hop == s->n_hops) {
			upstream_ready(s);
			return 1;
		}
	}
}

/* Drop k bytes from the front of chain m; the rest, or NULL when none. */
static struct rte_mbuf *mbuf_drop_front(struct rte_mbuf *m, uint32_t k)
{
	while (m && k && k >= m->data_len) {
		struct rte_mbuf *next = m->next;

		k -= m->data_len;
		if (next) {
			next->pkt_len = m->pkt_len - m->data_len;
			next->nb_segs = (uint16_t)(m->nb_segs - 1);
		}
		m->next = NULL;
		rte_pktmbuf_free_seg(m);
		m = next;
	}
	if (m && k)
		rte_pktmbuf_adj(m, (uint16_t)k);
	if (m && m->pkt_len == 0) {
		rte_pktmbuf_free(m);
		m = NULL;
	}
	return m;
}

/* More upstream bytes for the current hop's handshake: into buf, opened
 * by the hops below (through hs_rest, which is used up before the
 * connection is read again).  0, or -1 when a hop below failed. */
static int hs_fill(struct psess *s)
{
	while (s->blen < s->bcap) {
		struct rte_mbuf *m = s->hs_rest;
		const void *d;
		uint32_t k;

		if (m == NULL && !proxy_layer_xform(s, s->hop)) {
			s->blen += (uint32_t)tcp_read_copy(s->up, s->buf + s->blen, s->bcap - s->blen);
			return 0;
		}
		if (m == NULL) {
			m = tcp_read(s->up, s->bcap - s->blen);
			if (m == NULL)
				return 0;
			m = proxy_layer_unwrap(s, s->hop, m);
			if (m == NULL) {
				if (s->xform_err)
					return -1;
				continue; /* a partial record: read on */
			}
		}
		k = m->pkt_len < s->bcap - s->blen ? m->pkt_len : s->bcap - s->blen;
		d = rte_pktmbuf_read(m, 0, k, s->buf + s->blen);
		if (d != s->buf + s->blen) /* contiguous in the first segment */
			memcpy(s->buf + s->blen, d, k);
		s->blen += k;
		s->hs_rest = mbuf_drop_front(m, k);
	}
	return 0;
}

static int hs_more(const struct psess *s)
{
	return s->hs_rest || tcp_readable(s->up);
}

void proxy_up_handshake_readable(struct psess *s)
{
	const struct rb_cfg_proxy *p = s->pl->cfg;

	for (;;) {
		const struct rb_outbound_ops *ops = proxy_outbound_ops[p->outbounds[s->hops[s->hop]].type];
		uint8_t out[PROXY_HS_OUT_MAX];
		size_t used = 0, outlen = 0;
		int rc;

		if (hs_fill(s) != 0) {
			hs_xform_failed(s);
			return;
		}
		do {
			rc = ops->feed(s, s->hop, s->buf + s->parsed, s->blen - s->parsed, &used,
				       out, &outlen);
			s->parsed += (uint32_t)used;
			if (outlen && proxy_layer_send(s, s->hop, out, outlen) != 0)
				rc = RB_PARSE_ERR;
		} while (rc == RB_PARSE_MORE && used > 0);
		if (rc == RB_PARSE_ERR) {
			dial_failed(s, -ECONNREFUSED);
			return;
		}
		if (rc == RB_PARSE_MORE) {
			if (s->blen == s->bcap) {
				dial_failed(s, -EPROTO);
				return;
			}
			if (!hs_more(s)) {
				if (tcp_eof(s->up))
					dial_failed(s, -ECONNRESET);
				return;
			}
			continue;
		}
		/* this hop is through: keep the rest for the next one (or the client) */
		if (hop_through(s) != 0) {
			hs_xform_failed(s);
			return;
		}
		if (++s->hop == s->n_hops) {
			upstream_ready(s);
			return;
		}
		if (hops_start(s) || (s->blen == 0 && !hs_more(s)))
			return;
	}
}

void proxy_up_connected(struct tcp_conn *c, int err)
{
	struct psess *s = tcp_user(c);

	if (s == NULL)
		return;
	if (err != 0) {
		tcp_set_callbacks(c, NULL, NULL); /* on_closed follows: not ours any more */
		s->up = NULL;
		dial_failed(s, err);
		return;
	}
	if (s->n_hops == 0) {
		upstream_ready(s);
		return;
	}
	s->state = PS_OUT_HS;
	if (s->bcap < PROXY_UP_BUF) {
		uint8_t *b = realloc(s->buf, PROXY_UP_BUF);

		if (b == NULL) {
			dial_failed(s, -ENOMEM);
			return;
		}
		s->buf = b;
		s->bcap = PROXY_UP_BUF;
	}
	explicit_bzero(s->buf, s->blen);
	s->blen = s->parsed = 0;
	s->hop = 0;
	hops_start(s);
}

/* ------------------------------------------------------------- dialling */

/* The chain ends in a wireguard outbound: dial from the endpoint's tunnel
 * address of that family (-1 when it has none).  0 otherwise. */
static int dial_bind(const struct psess *s, int family, uint8_t laddr[16])
{
	static const uint8_t zero[16];
	const struct rb_cfg_proxy *p = s->pl->cfg;
	int k = s->outbound;

	for (int n = 0; k >= 0 && k < p->n_outbounds && n <= PROXY_MAX_HOPS; n++) {
		const struct rb_cfg_outbound *o = &p->outbounds[k];

		if (o->type == RB_OUT_WIREGUARD) {
			const uint8_t *b = family == AF_INET ? o->inet4_bind : o->inet6_bind;
			size_t len = family == AF_INET ? 4 : 16;

			memcpy(laddr, b, len);
			return memcmp(b, zero, len) == 0 ? -1 : 0;
		}
		if (o->type == RB_OUT_DIRECT)
			return 0;
		k = o->detour_idx;
	}
	return 0;
}

static void dial(struct psess *s, const struct rb_dest *to)
{
	struct tcp_connect_params cp = {
		.family = to->family,
		.rport = to->port,
		.cb = &proxy_up_cb,
		.user = s,
	};
	int err = 0;

	memcpy(cp.raddr, to->addr, 16);
	if (dial_bind(s, to->family, cp.laddr) != 0) {
		dial_failed(s, -EADDRNOTAVAIL);
		return;
	}
	s->state = PS_DIAL;
	s->up = tcp_connect(s->pl->lc, &cp, &err);
	if (s->up == NULL)
		dial_failed(s, err ? err : -ENOMEM);
}

void proxy_resolved(void *arg, int family, const uint8_t *addr, int err)
{
	struct psess *s = arg;
	struct rb_dest to;

	s->resolving = 0;
	if (err != 0 || (family != AF_INET && family != AF_INET6)) {
		/* a name a resolve rule could not resolve: host unreachable */
		int by_rule = s->route_resolving;

		s->route_resolving = 0;
		dial_failed(s, by_rule || !err ? -EHOSTUNREACH : err);
		return;
	}
	if (s->route_resolving) {
		/* a resolve rule's answer: the destination keeps its domain and
		 * gets the address, and the rules are matched again */
		s->route_resolving = 0;
		s->req.dst.family = (uint8_t)family;
		memset(s->req.dst.addr, 0, 16);
		memcpy(s->req.dst.addr, addr, family == AF_INET ? 4 : 16);
		proxy_route_and_dial(s);
		return;
	}
	if (s->n_hops) {
		const struct rb_cfg_outbound *o = &s->pl->cfg->outbounds[s->hops[0]];

		proxy_cfg_host_dest(&o->server, o->server_port, &to);
	} else {
		to = s->target;
		s->target.family = (uint8_t)family;
		memcpy(s->target.addr, addr, family == AF_INET ? 4 : 16);
	}
	to.family = (uint8_t)family;
	memset(to.addr, 0, 16);
	memcpy(to.addr, addr, family == AF_INET ? 4 : 16);
	proxy_info_update(s, RB_CONN_DIALING);
	dial(s, &to);
}

/* Would the rules refuse this request if the sniff found nothing, or need
 * a resolve first?  Then it is decided at once, with an answer the client
 * can read, rather than answered early for a sniff (after which a refusal
 * or a failed resolve can only close the connection). */
static int refused_unsniffed(struct psess *s, const struct rb_route_req *rq)
{
	const struct rb_cfg_proxy *p = s->pl->cfg;
	struct rb_route_req q = *rq;
	struct rb_route_result r;

	memset(&r, 0, sizeof(r));
	q.sniff.proto = RB_SNIFF_UNKNOWN;
	if (rb_route_match(s->pl->lc, &q, &r) < 0)
		return 1;
	return r.need_resolve || r.action == RB_ACT_REJECT || r.outbound >= p->n_outbounds ||
	       p->outbounds[r.outbound].type == RB_OUT_BLOCK;
}

void proxy_sniff_input(struct psess *s, int timeout)
{
	struct rb_sniff_result r;
	int rc = -ENOENT;

	if (!timeout && s->elen < PROXY_SNIFF_MAX) {
		uint8_t *e = realloc(s->early, PROXY_SNIFF_MAX);
		size_t n;

		if (e == NULL) {
			proxy_fail(s, RB_PERR_NONE);
			return;
		}
		s->early = e;
		n = tcp_read_copy(s->cli, s->early + s->elen, PROXY_SNIFF_MAX - s->elen);
		s->elen += (uint32_t)n;
		rc = s->elen ? rb_sniff_only(s->early, s->elen, s->route.sniffers, &r) : -EAGAIN;
		if (rc == -EAGAIN && s->elen < PROXY_SNIFF_MAX && !tcp_eof(s->cli))
			return; /* more bytes, or the timeout */
	}
	/* decided (sniffed, not a known protocol, full, EOF or timeout):
	 * match again; the bytes go upstream first */
	proxy_route_and_dial(s);
}

void proxy_route_and_dial(struct psess *s)
{
	struct proxy_lcore *pl = s->pl;
	const struct rb_cfg_proxy *p = pl->cfg;
	struct rb_route_req rq;
	const struct rb_cfg_outbound *o, *term = NULL;
	uint16_t chain[PROXY_MAX_HOPS];
	int n = 0, k, rc;

	if (s->req.cmd == RB_CMD_UDP_ASSOCIATE) {
		proxy_udp_associate(s); /* routed per UDP session (udp_relay.c) */
		return;
	}
	if (s->req.cmd == RB_CMD_UOT) {
		ss_uot_in_start(s); /* routed per destination (ss/ss_uot_in.c) */
		return;
	}
	s->state = PS_ROUTE;
	memset(&rq, 0, sizeof(rq));
	rq.inbound = s->inbound;
	rq.network = s->req.cmd == RB_CMD_UDP_ASSOCIATE ? RB_NET_UDP : RB_NET_TCP;
	memcpy(rq.user, s->req.user, sizeof(rq.user));
	if (s->info) {
		rq.src_family = s->info->src_family;
		memcpy(rq.src_addr, s->info->src, 16);
		rq.src_port = s->info->src_port;
	}
	rq.dst = s->req.dst;
	memset(&s->route, 0, sizeof(s->route));
	rc = rb_route_match(pl->lc, &rq, &s->route);
	/* A sniff rule: sniff the client bytes already here (the forwarded
	 * request of an http inbound, data that came with a request).  The
	 * relay does not wait for more yet: without any it goes on past the
	 * rule as after a sniff that found nothing (as sing-box does). */
	if (rc == 0 && s->route.need_sniff && s->elen == 0 && !s->sniff_waited &&
	    s->req.cmd == RB_CMD_CONNECT && s->cli && !s->in_ops->unwrap &&
	    rb_sniff_any(s->route.sniffers) && !refused_unsniffed(s, &rq)) {
		/* (not for an inbound that decodes the stream: the raw bytes are
		 * not the client's) */
		/* a tunnel: answer now, sniff the client's first bytes (PS_SNIFF) */
		s->sniff_waited = 1;
		if (s->in_ops->reply(s, 0) != 0) {
			proxy_fail(s, RB_PERR_NONE);
			return;
		}
		s->replied = 1;
		s->state = PS_SNIFF;
		s->deadline = pl->lc->now +
			      proxy_ms_tsc(pl, s->route.sniff_timeout_ms ? s->route.sniff_timeout_ms
									 : PROXY_SNIFF_MS);
		if (tcp_readable(s->cli) || tcp_eof(s->cli))
			proxy_sniff_input(s, 0);
		return;
	}
	if (rc == 0 && s->route.need_sniff) {
		if (s->elen == 0 ||
		    rb_sniff_only(s->early, s->elen, s->route.sniffers, &rq.sniff) != 0) {
			memset(&rq.sniff, 0, sizeof(rq.sniff));
			rq.sniff.proto = RB_SNIFF_UNKNOWN;
		}
		memset(&s->route, 0, sizeof(s->route));
		rc = rb_route_match(pl->lc, &rq, &s->route);
	}
	/* A resolve rule: resolve the domain, then match again with its
	 * address (proxy_resolved -> here, dst now has both). */
	if (rc == 0 && s->route.need_resolve) {
		s->resolving = 1;
		s->route_resolving = 1;
		rc = rb_resolve_start(pl->lc, s->req.dst.domain, s->route.resolve_strategy,
				      proxy_resolved, s);
		if (rc < 0) {
			s->resolving = s->route_resolving = 0;
			dial_failed(s, rc == -ENOSYS ? -EHOSTUNREACH : rc);
		}
		return;
	}
	if (rc == 0 && (s->route.action == RB_ACT_REJECT || s->route.outbound >= p->n_outbounds ||
			p->outbounds[s->route.outbound].type == RB_OUT_BLOCK))
		pl->wk->rules[rb_conn_rule_slot(s->route.rule)].conns++; /* matched, refused */
	if (rc < 0 || s->route.action == RB_ACT_REJECT || s->route.outbound >= p->n_outbounds ||
	    p->outbounds[s->route.outbound].type == RB_OUT_BLOCK) {
		rejected(s);
		return;
	}
	s->outbound = s->route.outbound;
	s->target = s->req.dst;
	if (s->route.override_family) {
		s->target.family = s->route.override_family;
		memcpy(s->target.addr, s->route.override_addr, 16);
		s->target.domain[0] = '\0';
	}
	if (s->route.override_port)
		s->target.port = s->route.override_port;
	/* the chain, outermost (the routed outbound) first */
	for (k = s->outbound; k >= 0; k = o->detour_idx) {
		o = &p->outbounds[k];
		if (o->type == RB_OUT_DIRECT || o->type == RB_OUT_WIREGUARD) {
			term = o;
			break;
		}
		if (o->type == RB_OUT_BLOCK || n == PROXY_MAX_HOPS) {
			rejected(s);
			return;
		}
		chain[n++] = (uint16_t)k;
	}
	s->n_hops = (uint8_t)n;
	for (int i = 0; i < n; i++)
		s->hops[i] = chain[n - 1 - i];
	proxy_count_routed(s);
	o = &p->outbounds[s->outbound];
	s->deadline = pl->lc->now + proxy_ms_tsc(pl, o->connect_timeout_ms ? o->connect_timeout_ms
									    : 5000);
	if (n == 0 && term) {
		/* direct: its own override_address / override_port */
		if (term->override_address.name[0]) {
			proxy_cfg_host_dest(&term->override_address, s->target.port, &s->target);
		}
		if (term->override_port)
			s->target.port = term->override_port;
	}
	if (proxy_http_ka_reuse(s))
		return; /* the kept upstream of this outbound and origin (http_ka.c) */
	proxy_dial_first(s);
}

void proxy_dial_first(struct psess *s)
{
	const struct rb_cfg_proxy *p = s->pl->cfg;
	struct rb_dest to;
	int rc;

	if (s->n_hops)
		proxy_cfg_host_dest(&p->outbounds[s->hops[0]].server, p->outbounds[s->hops[0]].server_port,
			      &to);
	else
		to = s->target;
	proxy_info_update(s, RB_CONN_DIALING);
	if (to.family == 0) {
		s->state = PS_DIAL;
		s->resolving = 1;
		rc = rb_resolve_start(s->pl->lc, to.domain, s->route.resolve_strategy, proxy_resolved,
				      s);
		if (rc < 0) {
			s->resolving = 0;
			dial_failed(s, rc == -ENOSYS ? -EHOSTUNREACH : rc);
		}
		return;
	}
	dial(s, &to);
}
