/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The `shadowsocks` outbound (SIP004 AEAD, and `none`), TCP.
 *
 * start() sends the salt and the sealed target address, with the client's
 * early bytes (s->early) in the same write: the protocol has no reply, so
 * the hop is through at once (feed is NULL, proxy_out.c hops_start).  Then
 * wrap seals the client's bytes and unwrap opens the server's stream (its
 * own salt first).  A failed tag or length from the server closes the
 * session (proxy_xform_err).
 *
 * In a chain it is a stream-transforming hop (dataplane/proxy/proxy_layer.c):
 * it may detour through any outbound, and any outbound may detour through
 * it.  As hop k its header and records are level-k bytes, sealed in turn
 * by the hops below; the handshakes of the hops above it (a socks client's
 * greeting, another Shadowsocks header) are the first bytes it seals, and
 * their replies the first it opens.  Only the outermost hop takes the
 * client's early bytes into its first write.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "../proxy/proxy_priv.h"
#include "ss_proxy.h"
#include "ss_relay.h"

static struct ss_lcore *lcore_of(struct psess *s)
{
	return ss_lcore_get(s->pl->lc, s->pl->cfg);
}

static struct ss_conn *hop_conn(struct psess *s, int hop)
{
	void **x = proxy_hop_state(s, hop);

	return x ? *x : NULL;
}

static int ss_out_start(struct psess *s, int hop, const struct rb_dest *dst, uint8_t *out)
{
	struct ss_lcore *sl = lcore_of(s);
	void **x = proxy_hop_state(s, hop);
	struct rte_mbuf *m, *e = NULL;
	struct ss_conn *y;
	uint8_t addr[SS_ADDR_MAX];
	int alen, err, outer = hop + 1 == s->n_hops;
	uint32_t early = 0;

	(void)out;
	if (sl == NULL || x == NULL)
		return -ENOMEM;
	if (*x == NULL) {
		*x = ss_conn_get(sl, 0, s->hops[hop]);
		if (*x == NULL)
			return -ENOMEM;
	}
	y = *x;
	alen = dst->domain[0] ? ss_addr_write(addr, 0, dst->addr, dst->domain, dst->port)
			      : ss_addr_write(addr, dst->family, dst->addr, NULL, dst->port);
	if (alen < 0)
		return -EAFNOSUPPORT;
	if (y->m && ss_conn_enc_ready(s->pl->lc, y) != 0)
		return -EIO;
	/* the address, and (outermost hop) the client's early bytes: one
	 * plaintext, whose first record carries the address and as much
	 * early data as fits */
	m = proxy_mbuf_from(s->pl->lc, addr, (size_t)alen);
	if (m && outer && s->elen && s->early) {
		e = proxy_mbuf_from(s->pl->lc, s->early, s->elen);
		if (e == NULL || rte_pktmbuf_chain(m, e) != 0) {
			rte_pktmbuf_free(e);
			rte_pktmbuf_free(m);
			return -ENOBUFS;
		}
		early = s->elen;
	}
	explicit_bzero(addr, sizeof(addr));
	if (m == NULL)
		return -ENOBUFS;
	if (y->m) {
		m = ss_mbuf_seal(s->pl->lc, sl, &y->enc, m, &err);
		if (m == NULL)
			return err ? err : -EIO;
	}
	err = proxy_layer_send_mbuf(s, hop, m); /* through the hops below */
	if (err != 0)
		return err;
	if (early) {
		proxy_count_bytes(s, 1, early);
		explicit_bzero(s->early, s->elen);
		free(s->early);
		s->early = NULL;
		s->elen = 0;
	}
	return 0; /* sent already */
}

static struct rte_mbuf *ss_out_wrap(struct psess *s, int hop, struct rte_mbuf *m)
{
	struct ss_conn *y = hop_conn(s, hop);
	int err;

	if (y == NULL) {
		rte_pktmbuf_free(m);
		s->xform_err = 1;
		return NULL;
	}
	if (y->m == NULL)
		return m;
	m = ss_mbuf_seal(s->pl->lc, lcore_of(s), &y->enc, m, &err);
	if (m == NULL && err)
		s->xform_err = 1;
	return m;
}

static struct rte_mbuf *ss_out_unwrap(struct psess *s, int hop, struct rte_mbuf *m)
{
	struct ss_conn *y = hop_conn(s, hop);
	int err;

	if (y == NULL) {
		rte_pktmbuf_free(m);
		s->xform_err = 1;
		return NULL;
	}
	if (y->m == NULL)
		return m;
	m = ss_mbuf_open(s->pl->lc, lcore_of(s), &y->dec, m, &err);
	if (m == NULL && err)
		s->xform_err = 1;
	return m;
}

static void ss_out_release(struct psess *s, int hop)
{
	void **x = proxy_hop_state(s, hop);

	if (x == NULL)
		return;
	ss_conn_put(ss_lcore_get(s->pl->lc, s->pl->cfg), *x);
	*x = NULL;
}

const struct rb_outbound_ops rb_ss_outbound_ops = {
	.name = "shadowsocks",
	.start = ss_out_start,
	.feed = NULL, /* no reply to wait for */
	.wrap = ss_out_wrap,
	.unwrap = ss_out_unwrap,
	.release = ss_out_release,
};
