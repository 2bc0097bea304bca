/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The `shadowsocks` inbound (SIP004 AEAD, and `none`), TCP.
 *
 * Handshake: the client's bytes go into the decoder as they come (the
 * handshake buffer is emptied on every feed); the first payload starts with
 * the target address in SOCKS5 form (ss_wire.h), the rest of the plaintext
 * travels upstream first (s->early).  The salt goes through the lcore's
 * replay filter once the first chunk has authenticated.  There is no reply:
 * the relay starts when the upstream is ready, and then unwrap opens the
 * client's chunks and wrap seals the upstream's bytes (own salt).
 *
 * Probe resistance (as shadowsocks-libev and sing-box): a first chunk that
 * does not authenticate (wrong key, random bytes, bad length) or a replayed
 * salt gets no answer and no reset: the session reads and discards whatever
 * comes until the client closes or `probe_timeout` (default 30 s) passes,
 * then closes.  Counted per inbound: handshake errors `auth` / `replay`
 * (ringbox_proxy_auth_failures_total, ringbox_proxy_handshake_errors_total).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "../proxy/proxy_priv.h"
#include "ss2022_compat.h"
#include "ss_proxy.h"
#include "ss_relay.h"

#define SS_IN_BUF 4096 /* handshake read size (the buffer is emptied each feed) */

static struct ss_lcore *lcore_of(struct psess *s)
{
	return ss_lcore_get(s->pl->lc, s->pl->cfg);
}

static int ss_in_start(struct psess *s)
{
	struct ss_lcore *sl = lcore_of(s);
	struct ss_conn *x = sl ? ss_conn_get(sl, 1, s->inbound) : NULL;

	if (x == NULL)
		return -ENOMEM;
	s->xin = x;
	s->buf = malloc(SS_IN_BUF);
	if (s->buf == NULL)
		return -ENOMEM;
	s->bcap = SS_IN_BUF;
	memset(&s->req, 0, sizeof(s->req));
	s->req.cmd = RB_CMD_CONNECT;
	return 0;
}

/* A failed or replayed client: say nothing, read and discard until it
 * closes or the probe timeout passes (proxy.c then closes, FIN). */
static void probe_drain(struct psess *s, struct ss_conn *x, enum rb_proxy_err why)
{
	const struct rb_cfg_inbound *in = &s->pl->cfg->inbounds[s->inbound];

	x->draining = 1;
	s->quiet = 1; /* counted here once: the close is not another error */
	s->pl->wk->in[s->inbound].errors[why]++;
	rb_count(s->pl->lc, RB_EV_PROXY_ERR_AUTH);
	s->deadline = s->pl->lc->now + proxy_ms_tsc(s->pl, in->probe_timeout_ms);
	if (s->early) {
		explicit_bzero(s->early, s->elen);
		free(s->early);
		s->early = NULL;
		s->elen = 0;
	}
}

static int early_add(struct psess *s, const uint8_t *p, size_t n)
{
	uint8_t *e;

	if (n == 0)
		return 0;
	e = realloc(s->early, s->elen + n);
	if (e == NULL)
		return -ENOMEM;
	memcpy(e + s->elen, p, n);
	s->early = e;
	s->elen += (uint32_t)n;
	return 0;
}

/* Plaintext from the client: the address first (ss_hdr.c), then early
 * data.  Returns RB_PARSE_MORE / DONE, or ERR (the session is failed). */
static int take_plain(struct psess *s, struct ss_conn *x, const uint8_t *p, size_t n)
{
	if (!x->addr_done) {
		struct rb_dest *d = &s->req.dst;
		struct ss_target t;
		size_t used = 0;
		int r = ss_hdr_feed(&x->hdr, p, n, &used, &t);

		if (r == SS_HDR_MORE)
			return RB_PARSE_MORE;
		if (r == SS_HDR_BAD) {
			proxy_fail(s, RB_PERR_ADDRESS);
			return RB_PARSE_ERR;
		}
		d->family = (uint8_t)t.family;
		memcpy(d->addr, t.addr, 16);
		d->port = t.port;
		if (t.family == 0)
			snprintf(d->domain, sizeof(d->domain), "%s", t.host);
		x->addr_done = 1;
		p += used;
		n -= used;
	}
	if (early_add(s, p, n) != 0) {
		proxy_fail(s, RB_PERR_NONE);
		return RB_PARSE_ERR;
	}
	return RB_PARSE_DONE;
}

static int ss_in_feed(struct psess *s, const uint8_t *buf, size_t len, size_t *used)
{
	struct ss_conn *x = s->xin;
	struct ss_lcore *sl = lcore_of(s);
	int rc = RB_PARSE_MORE;

	/* everything goes into the decoder: the handshake buffer starts over */
	*used = 0;
	s->blen = s->parsed = 0;
	if (x->draining)
		return RB_PARSE_MORE;
	if (x->m == NULL)
		return take_plain(s, x, buf, len);
	while (len) {
		size_t u = 0, prod = 0;
		int r = ss_dec(s->pl->lc->aead, &x->dec, buf, len, &u, sl->tmp_out,
			       sizeof(sl->tmp_out), &prod);

		if (r != SS_OK) {
			if (x->addr_done) { /* a later chunk of an authenticated client */
				proxy_fail(s, RB_PERR_MALFORMED);
				return RB_PARSE_ERR;
			}
			/* 2022: a replayed salt shows up here (the decoder's salt cache) */
			probe_drain(s, x, r == SS2022_ERR_REPLAY ? RB_PERR_REPLAY : RB_PERR_AUTH);
			return RB_PARSE_MORE;
		}
		if (prod && (rc = take_plain(s, x, sl->tmp_out, prod)) == RB_PARSE_ERR)
			return rc;
		if (u == 0 && prod == 0)
			break;
		buf += u;
		len -= u;
	}
	if (!x->addr_done)
		return RB_PARSE_MORE;
	/* 2022: the decoder checked its salt cache (no Bloom filter: SIP022 3.1.4) */
	switch (ss22c_is_2022(x->m) ? 0 : ss_replay_seen(sl, x->dec.salt, x->m->key_len)) {
	case 0:
		return RB_PARSE_DONE;
	case 1:
		probe_drain(s, x, RB_PERR_REPLAY);
		return RB_PARSE_MORE;
	default:
		proxy_fail(s, RB_PERR_NONE);
		return RB_PARSE_ERR;
	}
}

static int ss_in_reply(struct psess *s, int err)
{
	(void)s;
	return err == 0 ? 0 : -1; /* no reply in the protocol: failures just close */
}

static struct rte_mbuf *ss_in_unwrap(struct psess *s, struct rte_mbuf *m)
{
	struct ss_conn *x = s->xin;
	struct ss_lcore *sl;
	int err;

	if (x->m == NULL)
		return m;
	sl = lcore_of(s);
	m = ss_mbuf_open(s->pl->lc, sl, &x->dec, m, &err);
	if (m == NULL && err)
		s->xform_err = 1;
	return m;
}

static struct rte_mbuf *ss_in_wrap(struct psess *s, struct rte_mbuf *m)
{
	struct ss_conn *x = s->xin;
	struct ss_lcore *sl;
	int err;

	if (x->m == NULL)
		return m;
	sl = lcore_of(s);
	if (ss_conn_enc_ready(s->pl->lc, x) != 0) {
		rte_pktmbuf_free(m);
		s->xform_err = 1;
		return NULL;
	}
	m = ss_mbuf_seal(s->pl->lc, sl, &x->enc, m, &err);
	if (m == NULL && err)
		s->xform_err = 1;
	return m;
}

static void ss_in_release(struct psess *s)
{
	ss_conn_put(ss_lcore_get(s->pl->lc, s->pl->cfg), s->xin);
	s->xin = NULL;
}

const struct rb_inbound_ops rb_ss_inbound_ops = {
	.name = "shadowsocks",
	.start = ss_in_start,
	.feed = ss_in_feed,
	.reply = ss_in_reply,
	.unwrap = ss_in_unwrap,
	.wrap = ss_in_wrap,
	.release = ss_in_release,
	.incremental = 1,
};
