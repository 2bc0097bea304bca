/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The outbound chain as layered streams (proxy_priv.h, "proxy_layer.c").
 *
 * A chain of protocol outbounds hops[0] (dialled) .. hops[n-1] (routed) is
 * a stack of byte streams: level 0 is the TCP connection, level k the
 * stream hop k speaks, level n the client's payload.  A hop that only
 * handshakes (socks, http) passes its level through; a hop that transforms
 * the stream (Shadowsocks: AEAD records; later VMess, Trojan over TLS, ...)
 * seals level k + 1 into level k with its wrap and opens the reverse with
 * its unwrap.  So everything hop k sends, its handshake included, goes
 * down through the wraps of hops k-1 .. 0, and everything it reads comes up
 * through the unwraps of hops 0 .. k-1: a socks client's greeting over a
 * Shadowsocks hop is sealed by that hop, and the socks reply opened by it
 * before the socks client parses it.
 *
 * Flow control: a transform works on the chain it is given (the relay
 * reads no more than the destination can take) and keeps at most one
 * partial record; during the handshakes the opened bytes wait in
 * s->hs_rest, which is not refilled before it is used up.  A chain with no
 * transform anywhere never comes here on the relay path (mbufs move as
 * they are read).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../rb_log.h"
#include "proxy_priv.h"

static const struct rb_outbound_ops *hop_ops(const struct psess *s, int hop)
{
	return proxy_outbound_ops[s->pl->cfg->outbounds[s->hops[hop]].type];
}

void **proxy_hop_state(struct psess *s, int hop)
{
	if (hop < 0 || hop >= PROXY_MAX_HOPS)
		return NULL;
	if (s->xhop == NULL)
		s->xhop = calloc(PROXY_MAX_HOPS, sizeof(*s->xhop));
	return s->xhop ? &s->xhop[hop] : NULL;
}

int proxy_layer_xform(const struct psess *s, int level)
{
	for (int i = 0; i < level && i < s->n_hops; i++) {
		const struct rb_outbound_ops *o = hop_ops(s, i);

		if (o->wrap || o->unwrap)
			return 1;
	}
	return 0;
}

struct rte_mbuf *proxy_layer_wrap(struct psess *s, int level, struct rte_mbuf *m)
{
	for (int i = level - 1; i >= 0 && m; i--) {
		const struct rb_outbound_ops *o = hop_ops(s, i);

		if (o->wrap)
			m = o->wrap(s, i, m);
	}
	return m;
}

struct rte_mbuf *proxy_layer_unwrap(struct psess *s, int level, struct rte_mbuf *m)
{
	for (int i = 0; i < level && m; i++) {
		const struct rb_outbound_ops *o = hop_ops(s, i);

		if (o->unwrap)
			m = o->unwrap(s, i, m);
	}
	return m;
}

struct rte_mbuf *proxy_mbuf_from(struct rb_lcore *lc, const void *p, size_t n)
{
	struct rte_mbuf *head = NULL, *tail = NULL;
	const uint8_t *b = p;
	uint16_t nseg = 0;

	while (n) {
		struct rte_mbuf *t = rte_pktmbuf_alloc(lc->dp->pool);
		uint16_t k;

		if (t == NULL) {
			rb_drop_count(lc, RB_DROP_NO_MBUF);
			rte_pktmbuf_free(head);
			return NULL;
		}
		k = (uint16_t)(n < rte_pktmbuf_tailroom(t) ? n : rte_pktmbuf_tailroom(t));
		memcpy(rte_pktmbuf_mtod(t, uint8_t *), b, k);
		t->data_len = k;
		if (tail)
			tail->next = t;
		else
			head = t;
		tail = t;
		nseg++;
		head->pkt_len += k;
		b += k;
		n -= k;
	}
	if (head)
		head->nb_segs = nseg;
	return head;
}

int proxy_layer_send_mbuf(struct psess *s, int level, struct rte_mbuf *m)
{
	int rc;

	if (m == NULL)
		return 0;
	m = proxy_layer_wrap(s, level, m);
	if (m == NULL)
		return s->xform_err ? -EIO : 0; /* all of it kept for a whole record */
	rc = s->up ? tcp_write_mbuf(s->up, m) : -EPIPE;
	if (rc != 0) {
		rte_pktmbuf_free(m);
		return rc == -EAGAIN ? -ENOBUFS : rc;
	}
	return 0;
}

int proxy_layer_send(struct psess *s, int level, const void *p, size_t n)
{
	struct rte_mbuf *m;

	if (n == 0)
		return 0;
	if (!proxy_layer_xform(s, level))
		return proxy_send(s->up, p, n);
	m = proxy_mbuf_from(s->pl->lc, p, n);
	if (m == NULL)
		return -ENOBUFS;
	return proxy_layer_send_mbuf(s, level, m);
}

int proxy_layer_relay_has(const struct psess *s)
{
	return s->in_ops->unwrap || s->in_ops->wrap || proxy_layer_xform(s, s->n_hops);
}

struct rte_mbuf *proxy_layer_relay(struct psess *s, int upward, struct rte_mbuf *m)
{
	if (upward) {
		if (s->in_ops->unwrap && (m = s->in_ops->unwrap(s, m)) == NULL)
			return NULL;
		return proxy_layer_wrap(s, s->n_hops, m);
	}
	m = proxy_layer_unwrap(s, s->n_hops, m);
	if (m && s->in_ops->wrap)
		m = s->in_ops->wrap(s, m);
	return m;
}

void proxy_layer_free(struct psess *s)
{
	rte_pktmbuf_free(s->hs_rest);
	s->hs_rest = NULL;
	if (s->xhop == NULL)
		return;
	for (int i = 0; i < s->n_hops && i < PROXY_MAX_HOPS; i++) {
		const struct rb_outbound_ops *o = hop_ops(s, i);

		if (s->xhop[i] && o->release)
			o->release(s, i);
		s->xhop[i] = NULL;
	}
	free(s->xhop);
	s->xhop = NULL;
}
