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
 *
 * Replays: every salt (SIP004 once the first chunk authenticated; 2022 once
 * the header did, after the worker's exact 60 s cache) goes through the
 * filter all workers share (ss_replay_dp.c), so a salt replayed to another
 * worker is refused as well.
 *
 * Relay inbounds (`destinations`, SIP023; ss_dest.h): the first salt +
 * identity header pick the destination, which becomes the request (routed
 * like any, the destination's name as the user); the salt and the rest of
 * the client's bytes go to it unchanged, and the replies come back
 * unchanged (no decryption either way).  An identity header that names no
 * destination is drained like a probe (counted: ss_relay_unknown, and the
 * inbound's auth errors); a destination that cannot be reached is counted
 * (ss_relay_dial) and closes the client.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "../proxy/proxy_priv.h"
#include "ss2022_compat.h"
#include "ss_dest.h"
#include "ss_proxy.h"
#include "ss_relay.h"
#include "ss_uot.h"

#define SS_IN_BUF 4096 /* handshake read size (the buffer is emptied each feed) */

static struct ss_lcore *lcore_of(struct psess *s)
{
	return ss_lcore_get(s->pl->lc, s->pl->cfg);
}

/* A relay inbound (destinations): no state of its own, s->xin stays NULL. */
static size_t relay_hdr(const struct psess *s)
{
	return ss_dest_hdr_len(s->pl->cfg, s->inbound);
}

static int ss_in_start(struct psess *s)
{
	struct ss_lcore *sl = lcore_of(s);
	struct ss_conn *x = NULL;

	if (relay_hdr(s) == 0 && (sl == NULL || (x = ss_conn_get(sl, 1, s->inbound)) == NULL))
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

	if (x)
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
		if (t.family == 0 && uot_magic_version(t.host))
			s->req.cmd = RB_CMD_UOT; /* sing-box UDP over TCP (ss_uot_in.c) */
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

/* A relay: wait for salt + identity header (they stay in the handshake
 * buffer), pick the destination, pass the salt on first; the proxy then
 * appends the bytes after our identity header (s->early). */
static int relay_feed(struct psess *s, const uint8_t *buf, size_t len, size_t *used)
{
	const struct rb_cfg_inbound *in = &s->pl->cfg->inbounds[s->inbound];
	size_t hl = relay_hdr(s), salt_len = hl - 16;
	const struct rb_cfg_ss_dest *d;
	int k;

	*used = 0;
	if (s->quiet) { /* draining a refused client */
		s->blen = s->parsed = 0;
		return RB_PARSE_MORE;
	}
	if (len < hl)
		return RB_PARSE_MORE;
	k = ss_dest_identify(s->pl->lc, s->inbound, buf);
	if (k < 0 || k >= in->n_dests) {
		rb_drop_count(s->pl->lc, RB_DROP_SS_RELAY_UNKNOWN);
		probe_drain(s, NULL, RB_PERR_AUTH);
		s->blen = s->parsed = 0;
		return RB_PARSE_MORE;
	}
	d = &in->dests[k];
	proxy_cfg_host_dest(&d->server, d->server_port, &s->req.dst);
	snprintf(s->req.user, sizeof(s->req.user), "%s", d->name);
	if (early_add(s, buf, salt_len) != 0) {
		proxy_fail(s, RB_PERR_NONE);
		return RB_PARSE_ERR;
	}
	*used = hl;
	return RB_PARSE_DONE;
}

/* The salt through the workers' shared replay filter (2022: the decoder's
 * salt, after the worker's own 60 s cache).  0 fresh, 1 replay, -1 error. */
static int replay_check(struct ss_lcore *sl, struct ss_conn *x)
{
	const struct ss22_dec *d;

	if (!ss22c_is_2022(x->m))
		return ss_replay_seen(sl, x->dec.salt, x->m->key_len);
	d = ss22c_dec_state(&x->dec);
	return d ? ss_replay_seen(sl, d->salt, x->m->key_len) : -1;
}

/* A 2022 multi-user inbound: the user the identity header named, by name
 * (route rules' auth_user, the connections table). */
static void name_user(struct psess *s, const struct ss_conn *x)
{
	const struct rb_cfg_inbound *in = &s->pl->cfg->inbounds[s->inbound];
	const struct ss22_dec *d = ss22c_is_2022(x->m) ? ss22c_dec_state(&x->dec) : NULL;

	if (d && d->has_user && d->user < (uint32_t)in->n_users)
		snprintf(s->req.user, sizeof(s->req.user), "%s", in->users[d->user].username);
}

static int ss_in_feed(struct psess *s, const uint8_t *buf, size_t len, size_t *used)
{
	struct ss_conn *x = s->xin;
	struct ss_lcore *sl = lcore_of(s);
	int rc = RB_PARSE_MORE;

	if (x == NULL)
		return relay_feed(s, buf, len, used);
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
	switch (replay_check(sl, x)) {
	case 0:
		name_user(s, x);
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
	/* a relay's destination that could not be reached (not a refusal) */
	if (s->xin == NULL && err != 0 && err != -EACCES)
		rb_drop_count(s->pl->lc, RB_DROP_SS_RELAY_DIAL);
	return err == 0 ? 0 : -1; /* no reply in the protocol: failures just close */
}

static struct rte_mbuf *ss_in_unwrap(struct psess *s, struct rte_mbuf *m)
{
	struct ss_conn *x = s->xin;
	struct ss_lcore *sl;
	int err;

	if (x == NULL || x->m == NULL) /* a relay, or method none: as it is */
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

	if (x == NULL || x->m == NULL) /* a relay, or method none: as it is */
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
