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
 * In a chain it may detour through any outbound; the reverse (another
 * protocol outbound's handshake through this one) is refused by the config.
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

/* Send plaintext p[0..n) to the server, sealed (or as is for none). */
static int send_sealed(struct psess *s, struct ss_lcore *sl, struct ss_conn *y, const uint8_t *p,
		       size_t n)
{
	while (n) {
		size_t k = n < SS_LIN_MAX ? n : SS_LIN_MAX;
		long c;

		if (y->m == NULL) {
			if (proxy_send(s->up, p, k) != 0)
				return -ENOBUFS;
		} else {
			c = ss_enc(s->pl->lc->aead, &y->enc, p, k, sl->tmp_out);
			if (c < 0)
				return -EIO;
			if (proxy_send(s->up, sl->tmp_out, (size_t)c) != 0)
				return -ENOBUFS;
		}
		p += k;
		n -= k;
	}
	return 0;
}

static int ss_out_start(struct psess *s, int hop, const struct rb_dest *dst, uint8_t *out)
{
	struct ss_lcore *sl = lcore_of(s);
	struct ss_conn *y;
	uint8_t addr[SS_ADDR_MAX];
	int alen, rc;

	(void)out;
	if (sl == NULL)
		return -ENOMEM;
	if (s->xout == NULL) {
		s->xout = ss_conn_get(sl, 0, s->hops[hop]);
		if (s->xout == NULL)
			return -ENOMEM;
	}
	y = s->xout;
	alen = dst->domain[0] ? ss_addr_write(addr, 0, dst->addr, dst->domain, dst->port)
			      : ss_addr_write(addr, dst->family, dst->addr, NULL, dst->port);
	if (alen < 0)
		return -EAFNOSUPPORT;
	if (y->m && ss_conn_enc_ready(s->pl->lc, y) != 0)
		return -EIO;
	/* the address and as much early data as fits go in the first chunk */
	if (s->elen && s->early) {
		size_t k = s->elen < sizeof(sl->tmp_in) - (size_t)alen ? s->elen
								      : sizeof(sl->tmp_in) - (size_t)alen;

		memcpy(sl->tmp_in, addr, (size_t)alen);
		memcpy(sl->tmp_in + alen, s->early, k);
		rc = send_sealed(s, sl, y, sl->tmp_in, (size_t)alen + k);
		if (rc == 0)
			rc = send_sealed(s, sl, y, s->early + k, s->elen - k);
		if (rc != 0)
			return rc;
		proxy_count_bytes(s, 1, s->elen);
		explicit_bzero(s->early, s->elen);
		free(s->early);
		s->early = NULL;
		s->elen = 0;
	} else {
		rc = send_sealed(s, sl, y, addr, (size_t)alen);
		if (rc != 0)
			return rc;
	}
	return 0; /* sent already */
}

static struct rte_mbuf *ss_out_wrap(struct psess *s, struct rte_mbuf *m)
{
	struct ss_conn *y = s->xout;
	int err;

	if (y->m == NULL)
		return m;
	m = ss_mbuf_seal(s->pl->lc, lcore_of(s), &y->enc, m, &err);
	if (m == NULL && err)
		s->xform_err = 1;
	return m;
}

static struct rte_mbuf *ss_out_unwrap(struct psess *s, struct rte_mbuf *m)
{
	struct ss_conn *y = s->xout;
	int err;

	if (y->m == NULL)
		return m;
	m = ss_mbuf_open(s->pl->lc, lcore_of(s), &y->dec, m, &err);
	if (m == NULL && err)
		s->xform_err = 1;
	return m;
}

static void ss_out_release(struct psess *s)
{
	ss_conn_put(ss_lcore_get(s->pl->lc, s->pl->cfg), s->xout);
	s->xout = NULL;
}

const struct rb_outbound_ops rb_ss_outbound_ops = {
	.name = "shadowsocks",
	.start = ss_out_start,
	.feed = NULL, /* no reply to wait for */
	.wrap = ss_out_wrap,
	.unwrap = ss_out_unwrap,
	.release = ss_out_release,
};
