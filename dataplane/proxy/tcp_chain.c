/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A TCP stream through an outbound chain without a client connection
 * (tcp_chain.h): dial the innermost hop's server, run each hop's
 * handshake on the one stream (through the transforms of the hops below,
 * proxy_layer.c), then hand the stream at the top level to the owner.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "../rb_lcore.h"
#include "../tcp/tcp.h"
#include "tcp_chain.h"

static const struct rb_cfg_outbound *hop_cfg(const struct proxy_tchain *t, int hop)
{
	return &t->cpl.cfg->outbounds[t->cs.hops[hop]];
}

static const struct rb_outbound_ops *hop_ops(const struct proxy_tchain *t, int hop)
{
	int ty = hop_cfg(t, hop)->type;

	return ty >= 0 && ty < RB_OUT_TYPE_MAX ? proxy_outbound_ops[ty] : NULL;
}

/* Does the last hop run the owner's handshake? */
static int own_top(const struct proxy_tchain *t)
{
	return t->ops->top_start != NULL;
}

/* The feed of hop t->hop: the owner's for the last hop when it has one. */
static int hop_has_feed(const struct proxy_tchain *t)
{
	if (t->hop + 1 == t->cs.n_hops && own_top(t))
		return t->ops->top_feed != NULL;
	return hop_ops(t, t->hop)->feed != NULL;
}

/* Send level-`hop` bytes of a handshake (through the hops below) and wipe
 * them (they may hold a password). */
static int hs_send(struct proxy_tchain *t, int hop, uint8_t *out, size_t len)
{
	int rc = proxy_layer_send(&t->cs, hop, out, len);

	explicit_bzero(out, len);
	if (rc != 0)
		return rc == -EIO ? -EIO : -ENOBUFS;
	tcp_flush(t->cs.up);
	return 0;
}

/* Hop t->hop is through: what is left in buf is level-hop bytes, which a
 * transforming hop opens for the next level.  0 or -errno. */
static int hop_through(struct proxy_tchain *t)
{
	const struct rb_outbound_ops *ops = hop_ops(t, t->hop);
	struct rte_mbuf *m;
	int rc = 0;

	if (ops->unwrap == NULL || t->blen == 0)
		return 0;
	m = proxy_mbuf_from(t->cpl.lc, t->buf, t->blen);
	explicit_bzero(t->buf, t->blen);
	t->blen = 0;
	if (m == NULL)
		return -ENOBUFS;
	m = ops->unwrap(&t->cs, t->hop, m);
	if (m == NULL)
		return t->cs.xform_err ? -EIO : 0;
	if (m->pkt_len > sizeof(t->buf))
		rc = -EPROTO;
	else
		t->blen = m->pkt_len;
	if (rc == 0 && t->blen) {
		const void *d = rte_pktmbuf_read(m, 0, t->blen, t->buf);

		if (d != t->buf)
			memcpy(t->buf, d, t->blen);
	}
	rte_pktmbuf_free(m);
	return rc;
}

/* Start hop t->hop's handshake and every following one that waits for no
 * reply (Shadowsocks).  0 (waiting for a reply), 1 (all through) or
 * -errno. */
static int hops_start(struct proxy_tchain *t)
{
	for (;;) {
		int last = t->hop + 1 == t->cs.n_hops;
		const struct rb_outbound_ops *ops = hop_ops(t, t->hop);
		uint8_t out[PROXY_HS_OUT_MAX];
		struct rb_dest dst;
		int n, rc;

		if (last && own_top(t)) {
			n = t->ops->top_start(t->arg, out);
		} else {
			if (ops == NULL || ops->start == NULL)
				return -EOPNOTSUPP;
			if (last) {
				dst = t->dst;
			} else {
				const struct rb_cfg_outbound *next = hop_cfg(t, t->hop + 1);

				proxy_cfg_host_dest(&next->server, next->server_port, &dst);
			}
			n = ops->start(&t->cs, t->hop, &dst, out);
		}
		if (n < 0)
			return n;
		if (n > 0 && (rc = hs_send(t, t->hop, out, (size_t)n)) != 0)
			return rc;
		if (n == 0)
			tcp_flush(t->cs.up); /* sent by start() itself (Shadowsocks) */
		if (hop_has_feed(t))
			return 0; /* wait for its reply */
		if (!(last && own_top(t)) && (rc = hop_through(t)) != 0)
			return rc;
		if (last)
			return 1;
		t->hop++;
	}
}

/* Upstream bytes, read and opened up to the current hop's level, into
 * buf.  0, or -errno (a hop below could not open them). */
static int hs_fill(struct proxy_tchain *t)
{
	struct tcp_conn *c = t->cs.up;

	if (!proxy_layer_xform(&t->cs, t->hop)) {
		t->blen += (uint32_t)tcp_read_copy(c, t->buf + t->blen, sizeof(t->buf) - t->blen);
		return 0;
	}
	while (t->blen < sizeof(t->buf)) {
		struct rte_mbuf *m = tcp_read(c, (uint32_t)(sizeof(t->buf) - t->blen));
		const void *d;
		uint32_t k;

		if (m == NULL)
			return 0;
		m = proxy_layer_unwrap(&t->cs, t->hop, m);
		if (m == NULL) {
			if (t->cs.xform_err)
				return -EIO;
			continue; /* part of a record */
		}
		k = m->pkt_len;
		if (k > sizeof(t->buf) - t->blen) {
			rte_pktmbuf_free(m);
			return -EPROTO; /* more than any handshake reply */
		}
		d = rte_pktmbuf_read(m, 0, k, t->buf + t->blen);
		if (d != t->buf + t->blen)
			memcpy(t->buf + t->blen, d, k);
		t->blen += k;
		rte_pktmbuf_free(m);
	}
	return 0;
}

/* Upstream bytes during the handshakes: 0 (more), 1 (through), < 0 failed. */
static int handshake(struct proxy_tchain *t)
{
	struct tcp_conn *c = t->cs.up;

	for (;;) {
		int last = t->hop + 1 == t->cs.n_hops;
		uint8_t out[PROXY_HS_OUT_MAX];
		size_t used = 0, outlen = 0;
		int rc;

		if ((rc = hs_fill(t)) != 0)
			return rc;
		if (last && own_top(t))
			rc = t->ops->top_feed(t->arg, t->buf, t->blen, &used, out, &outlen);
		else
			rc = hop_ops(t, t->hop)->feed(&t->cs, t->hop, t->buf, t->blen, &used, out,
						      &outlen);
		memmove(t->buf, t->buf + used, t->blen - used);
		t->blen -= (uint32_t)used;
		if (outlen && hs_send(t, t->hop, out, outlen) != 0)
			return -ENOBUFS;
		if (rc == RB_PARSE_ERR)
			return -ECONNREFUSED;
		if (rc == RB_PARSE_DONE) {
			/* this hop is through: what follows is the next hop's */
			if (!(last && own_top(t)) && (rc = hop_through(t)) != 0)
				return rc;
			if (last)
				return 1;
			t->hop++;
			if ((rc = hops_start(t)) != 0)
				return rc;
			continue;
		}
		if (used > 0)
			continue;
		if (t->blen == sizeof(t->buf))
			return -EPROTO;
		if (tcp_eof(c) && tcp_readable(c) == 0)
			return -ECONNRESET;
		if (tcp_readable(c) == 0)
			return 0;
	}
}

/* rc from hops_start / handshake: through (ready(0)) or failed. */
static void settle(struct proxy_tchain *t, int rc)
{
	if (rc == 0)
		return;
	if (rc > 0)
		t->through = 1;
	t->ops->ready(t->arg, rc > 0 ? 0 : rc); /* may free t */
}

static void on_readable(struct tcp_conn *c)
{
	struct proxy_tchain *t = tcp_user(c);

	if (t == NULL)
		return;
	if (t->through) {
		t->ops->readable(t->arg);
		return;
	}
	settle(t, handshake(t));
}

static void on_connected(struct tcp_conn *c, int err)
{
	struct proxy_tchain *t = tcp_user(c);

	if (t == NULL)
		return;
	if (err != 0) {
		tcp_set_callbacks(c, NULL, NULL); /* on_closed follows: not ours any more */
		t->cs.up = NULL;
		t->ops->ready(t->arg, err);
		return;
	}
	t->hop = 0;
	err = hops_start(t);
	settle(t, err);
}

static void on_closed(struct tcp_conn *c, int err)
{
	struct proxy_tchain *t = tcp_user(c);

	if (t == NULL)
		return;
	t->cs.up = NULL; /* freed when this returns */
	if (t->through)
		t->ops->closed(t->arg);
	else
		t->ops->ready(t->arg, err ? err : -ECONNRESET);
}

static const struct tcp_callbacks chain_cb = {
	.on_connected = on_connected,
	.on_readable = on_readable,
	.on_closed = on_closed,
};

/* The innermost hop's detour is a wireguard outbound (rb_tcp_chain ends
 * there): dial from the endpoint's tunnel address of the family, as
 * proxy_out.c does; the FIB sends it to the peer whose allowed IPs match.
 * -EADDRNOTAVAIL when the endpoint has no address of that family. */
static int dial_bind(const struct proxy_tchain *t, uint8_t laddr[16])
{
	static const uint8_t zero[16];
	const struct rb_cfg_proxy *p = t->cpl.cfg;
	int k = p->outbounds[t->cs.hops[0]].detour_idx;
	const struct rb_cfg_outbound *o;
	size_t len = t->first.family == AF_INET ? 4 : 16;

	if (k < 0 || k >= p->n_outbounds || p->outbounds[k].type != RB_OUT_WIREGUARD)
		return 0;
	o = &p->outbounds[k];
	memcpy(laddr, t->first.family == AF_INET ? o->inet4_bind : o->inet6_bind, len);
	return memcmp(laddr, zero, len) == 0 ? -EADDRNOTAVAIL : 0;
}

static int dial(struct proxy_tchain *t)
{
	struct tcp_connect_params cp = {
		.family = t->first.family,
		.rport = t->first.port,
		.cb = &chain_cb,
		.user = t,
	};
	int err = dial_bind(t, cp.laddr);

	if (err != 0)
		return err;
	memcpy(cp.raddr, t->first.addr, 16);
	t->cs.up = tcp_connect(t->cpl.lc, &cp, &err);
	return t->cs.up ? 0 : (err ? err : -ENOMEM);
}

static void resolved(void *arg, int family, const uint8_t *addr, int err)
{
	struct proxy_tchain *t = arg;

	t->resolving = 0;
	if (err != 0 || (family != AF_INET && family != AF_INET6)) {
		t->ops->ready(t->arg, -EHOSTUNREACH);
		return;
	}
	t->first.family = (uint8_t)family;
	memset(t->first.addr, 0, 16);
	memcpy(t->first.addr, addr, family == AF_INET ? 4 : 16);
	err = dial(t);
	if (err != 0)
		t->ops->ready(t->arg, err);
}

int proxy_tchain_open(struct proxy_tchain *t, struct rb_lcore *lc, const struct rb_cfg_proxy *p,
		      const uint16_t *hops, int n, const struct rb_dest *dst,
		      const struct proxy_tchain_ops *ops, void *arg)
{
	const struct rb_cfg_outbound *o0;
	int rc;

	if (n < 1 || n > PROXY_MAX_HOPS)
		return -EINVAL;
	t->ops = ops;
	t->arg = arg;
	t->cpl.lc = lc;
	t->cpl.cfg = p;
	t->cs.pl = &t->cpl;
	t->cs.n_hops = (uint8_t)n;
	memcpy(t->cs.hops, hops, sizeof(hops[0]) * (size_t)n);
	if (dst)
		t->dst = *dst;
	o0 = &p->outbounds[hops[0]];
	proxy_cfg_host_dest(&o0->server, o0->server_port, &t->first);
	if (t->first.family != 0)
		return dial(t);
	t->resolving = 1;
	rc = rb_resolve_start(lc, o0->server.name, 0, resolved, t);
	if (rc < 0)
		t->resolving = 0;
	/* the answer may have come at once (cache): dialled, or failed (its
	 * ready(err) came before the owner was opening: it ignores that) */
	return t->resolving || t->cs.up ? 0 : -EHOSTUNREACH;
}

int proxy_tchain_write(struct proxy_tchain *t, struct rte_mbuf *m)
{
	int rc;

	if (t->cs.up == NULL || !t->through) {
		rte_pktmbuf_free(m);
		return -ENOTCONN;
	}
	rc = proxy_layer_send_mbuf(&t->cs, t->cs.n_hops, m);
	if (rc == 0)
		tcp_flush(t->cs.up);
	return rc;
}

struct rte_mbuf *proxy_tchain_read(struct proxy_tchain *t, int *err)
{
	struct rte_mbuf *m;

	*err = 0;
	if (t->blen) {
		m = proxy_mbuf_from(t->cpl.lc, t->buf, t->blen);
		explicit_bzero(t->buf, t->blen);
		t->blen = 0;
		if (m == NULL)
			*err = -ENOBUFS;
		return m;
	}
	if (t->cs.up == NULL)
		return NULL;
	while ((m = tcp_read(t->cs.up, UINT32_MAX)) != NULL) {
		m = proxy_layer_unwrap(&t->cs, t->cs.n_hops, m);
		if (m)
			return m;
		if (t->cs.xform_err) {
			*err = -EIO;
			return NULL;
		}
	}
	return NULL;
}

void proxy_tchain_close(struct proxy_tchain *t)
{
	if (t->cpl.lc == NULL)
		return; /* never opened */
	if (t->resolving)
		rb_resolve_cancel(t->cpl.lc, resolved, t);
	t->resolving = 0;
	if (t->cs.up) {
		tcp_set_callbacks(t->cs.up, NULL, NULL);
		tcp_close(t->cs.up);
		t->cs.up = NULL;
	}
	proxy_layer_free(&t->cs); /* the hops' states (Shadowsocks ciphers) */
	if (t->cs.out) {
		explicit_bzero(t->cs.out, sizeof(*t->cs.out));
		free(t->cs.out);
		t->cs.out = NULL;
	}
	explicit_bzero(t->buf, sizeof(t->buf));
	t->blen = 0;
}
