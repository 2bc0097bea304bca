/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Shadowsocks 2022 UDP sessions: see ss_udp22_sess.h.
 */
#include <openssl/crypto.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../../crypto/rb_chacha.h"
#include "ss_udp22_sess.h"

static int is_chacha(const struct ss_method *m) { return m->alg == RB_AEAD_CHACHA20_POLY1305; }

/* ------------------------------------------------------------ server */

static uint32_t sid_hash(const struct ss22_usrv *t, const uint8_t sid[8],
			 const struct ss_eih_user *user)
{
	uint64_t v = 0;

	memcpy(&v, sid, 8);
	v ^= t->seed;
	v ^= (uint64_t)(uintptr_t)user * 0x9E3779B97F4A7C15ull;
	v *= 0xFF51AFD7ED558CCDull;
	v ^= v >> 33;
	v *= 0xC4CEB9FE1A85EC53ull;
	v ^= v >> 29;
	return (uint32_t)v;
}

int ss22_usrv_init(struct ss22_usrv *t, const struct ss_method *m, const uint8_t *psk,
		   struct ss_eih_users *users, uint32_t cap, uint64_t seed)
{
	uint32_t nb = 1;

	memset(t, 0, sizeof(*t));
	if (cap == 0)
		return SS_ERR_INTERNAL;
	while (nb < cap)
		nb <<= 1;
	t->s = calloc(cap, sizeof(*t->s));
	t->bucket = calloc(nb, sizeof(*t->bucket));
	if (t->s == NULL || t->bucket == NULL ||
	    ss22_udp_server_init(&t->u, m, psk, users) != SS_OK) {
		free(t->s);
		free(t->bucket);
		memset(t, 0, sizeof(*t));
		return SS_ERR_INTERNAL;
	}
	t->cap = cap;
	t->nb = nb;
	t->seed = seed;
	for (uint32_t i = cap; i-- > 0;) {
		t->s[i].next = t->free;
		t->free = &t->s[i];
	}
	return SS_OK;
}

static void sess_unlink(struct ss22_usrv *t, struct ss22_usess *s)
{
	struct ss22_usess **pp = &t->bucket[s->hash & (t->nb - 1)];

	while (*pp && *pp != s)
		pp = &(*pp)->next;
	if (*pp)
		*pp = s->next;
	OPENSSL_cleanse(s, sizeof(*s));
	s->next = t->free;
	t->free = s;
	t->live--;
}

void ss22_usrv_clear(struct ss22_usrv *t)
{
	for (uint32_t i = 0; i < t->cap; i++)
		if (t->s[i].used)
			sess_unlink(t, &t->s[i]);
}

void ss22_usrv_free(struct ss22_usrv *t)
{
	if (t->s) {
		ss22_usrv_clear(t);
		free(t->s);
	}
	free(t->bucket);
	ss22_udp_free(&t->u);
	OPENSSL_cleanse(t, sizeof(*t));
}

static struct ss22_usess *sess_find(struct ss22_usrv *t, const uint8_t sid[8],
				    const struct ss_eih_user *user, uint32_t h)
{
	for (struct ss22_usess *s = t->bucket[h & (t->nb - 1)]; s; s = s->next)
		if (s->hash == h && s->user == user && memcmp(s->rx.sid, sid, 8) == 0)
			return s;
	return NULL;
}

/* The PSK and block cipher of a session of `user` (or the inbound's). */
static const uint8_t *sess_psk(const struct ss22_usrv *t, const struct ss_eih_user *user)
{
	return user ? user->psk : t->u.psk;
}

static const struct ss22_block *sess_blk(const struct ss22_usrv *t,
					 const struct ss_eih_user *user)
{
	if (is_chacha(t->u.m))
		return NULL;
	return user ? &user->blk : &t->u.blk;
}

int ss22_usrv_open(struct rb_aead_ctx *ctx, struct ss22_usrv *t, uint8_t *pkt, uint32_t len,
		   uint64_t now, const uint8_t rnd[8], struct ss22_udp_in *in, struct ss22_usess **sp)
{
	const struct ss_method *m = t->u.m;
	struct ss22_usess *s = NULL;
	uint8_t ssid[8];
	uint32_t h = 0;
	int rc;

	*sp = NULL;
	memset(in, 0, sizeof(*in));
	in->pkt = pkt;
	in->len = len;
	ss22_udp_open_hdr(&t->u, in, 1);
	if (in->status != SS_OK)
		return in->status;
	if (!is_chacha(m)) {
		/* AES: the session (so its subkey) from the separate header */
		h = sid_hash(t, in->sid, in->user);
		s = sess_find(t, in->sid, in->user, h);
		if (s == NULL &&
		    ss22_udp_rx_init(&t->tmp, m, sess_psk(t, in->user), in->sid) != SS_OK)
			return SS_ERR_INTERNAL;
		in->rx = s ? &s->rx : &t->tmp;
	}
	ss22_udp_open_body(ctx, &t->u, &t->b, in, 1, now);
	if (in->status != SS_OK)
		goto out;
	if (is_chacha(m)) {
		h = sid_hash(t, in->sid, NULL);
		s = sess_find(t, in->sid, NULL, h);
		if (s == NULL && ss22_udp_rx_init(&t->tmp, m, t->u.psk, in->sid) != SS_OK) {
			rc = SS_ERR_INTERNAL;
			goto fail;
		}
	}
	if (s) {
		rc = ss22_udp_accept(&s->rx, in, now);
		if (rc != SS_OK)
			goto fail;
		s->rx_pkts++;
		*sp = s;
		goto out;
	}
	/* a new client session: authenticated and fresh */
	rc = ss22_udp_accept(&t->tmp, in, now);
	if (rc != SS_OK)
		goto fail;
	if (t->free == NULL) {
		t->full++;
		rc = SS2022_ERR_FULL;
		goto fail;
	}
	memcpy(ssid, rnd, 8);
	if (memcmp(ssid, in->sid, 8) == 0)
		ssid[0] ^= 1; /* SIP022 3.2.2: never the client's */
	s = t->free;
	if (ss22_udp_tx_init(&s->tx, m, sess_psk(t, in->user), sess_blk(t, in->user), ssid) !=
	    SS_OK) {
		OPENSSL_cleanse(&s->tx, sizeof(s->tx));
		rc = SS_ERR_INTERNAL;
		goto fail;
	}
	t->free = s->next;
	s->rx = t->tmp;
	s->used = 1;
	s->refs = 0;
	s->user = in->user;
	s->hash = h;
	s->created = now;
	s->rx_pkts = 1;
	s->tx_pkts = 0;
	s->next = t->bucket[h & (t->nb - 1)];
	t->bucket[h & (t->nb - 1)] = s;
	t->live++;
	t->created++;
	*sp = s;
	OPENSSL_cleanse(&t->tmp, sizeof(t->tmp));
	OPENSSL_cleanse(ssid, sizeof(ssid));
	return SS_OK;
fail:
	in->status = rc;
	if (rc == SS2022_ERR_REPLAY)
		t->replayed++;
out:
	OPENSSL_cleanse(&t->tmp, sizeof(t->tmp));
	return in->status;
}

int ss22_usrv_peek_sid(const struct ss22_usrv *t, const uint8_t *pkt, uint32_t len,
		       uint8_t sid[8])
{
	const struct ss22_block *blk;
	uint8_t sep[SS22_UDP_SEP], sub[32], n12[12];

	if (t->u.m == NULL || len < SS22_UDP_SEP + SS_TAG_LEN)
		return -1;
	if (is_chacha(t->u.m)) {
		if (len < SS22_UDP_XNONCE + SS22_UDP_SEP + SS_TAG_LEN)
			return -1;
		rb_hchacha20(t->u.psk, pkt, sub);
		memset(n12, 0, 4);
		memcpy(n12 + 4, pkt + 16, 8);
		rb_chacha20_xor(sub, 1, n12, pkt + SS22_UDP_XNONCE, sid, 8);
		OPENSSL_cleanse(sub, sizeof(sub));
		return 0;
	}
	blk = t->u.users ? &t->u.users->iblk : &t->u.blk;
	if (ss22_block_decrypt(blk, pkt, sep) != 0)
		return -1;
	memcpy(sid, sep, 8);
	OPENSSL_cleanse(sep, sizeof(sep));
	return 0;
}

unsigned ss22_usess_owner(const uint8_t sid[8], unsigned n)
{
	uint64_t v;

	if (n <= 1)
		return 0;
	memcpy(&v, sid, 8);
	v ^= v >> 31; /* splitmix64's finalizer */
	v *= 0x7FB5D329728EA185ull;
	v ^= v >> 27;
	v *= 0x81DADEF4BC2DD44Dull;
	v ^= v >> 33;
	return (unsigned)(v % n);
}

size_t ss22_usrv_seal_size(const struct ss22_usrv *t, size_t alen, size_t pad, size_t len)
{
	return ss22_udp_seal_size(&t->u, alen, pad, len);
}

int ss22_usrv_seal(struct rb_aead_ctx *ctx, struct ss22_usrv *t, struct ss22_usess *s,
		   const uint8_t *addr, uint16_t alen, uint16_t pad, const uint8_t *data,
		   uint32_t len, const uint8_t *xnonce, uint8_t *out, uint64_t now)
{
	struct ss22_udp_out o = {
		.tx = &s->tx, .addr = addr, .alen = alen, .pad_len = pad, .payload = data,
		.len = len, .xnonce = xnonce, .client_sid = s->rx.sid, .out = out,
	};

	if (ss22_udp_seal(ctx, &t->u, &t->b, &o, 1, now) != 0)
		return o.out_len < 0 ? o.out_len : SS_ERR_INTERNAL;
	s->tx_pkts++;
	return o.out_len;
}

void ss22_usrv_ref(struct ss22_usess *s) { s->refs++; }

void ss22_usrv_unref(struct ss22_usess *s)
{
	if (s->refs)
		s->refs--;
}

unsigned ss22_usrv_expire(struct ss22_usrv *t, uint64_t now, uint64_t keep_s)
{
	unsigned n = 0;

	if (keep_s < SS22_USRV_KEEP_S)
		keep_s = SS22_USRV_KEEP_S;
	for (uint32_t i = 0; i < t->cap && t->live; i++) {
		struct ss22_usess *s = &t->s[i];

		if (s->used && s->refs == 0 && now > s->rx.last + keep_s) {
			sess_unlink(t, s);
			t->expired++;
			n++;
		}
	}
	return n;
}

/* ------------------------------------------------------------ client */

int ss22_ucli_init(struct ss22_ucli *c, const struct ss_method *m, const char *psks,
		   const uint8_t sid[8])
{
	memset(c, 0, sizeof(*c));
	if (ss22_keys_decode(&c->keys, m, psks) != 0)
		return SS_ERR_INTERNAL;
	if (ss22_udp_client_init(&c->u, &c->keys) != SS_OK ||
	    ss22_udp_client_session(&c->c, &c->keys, sid) != SS_OK) {
		ss22_ucli_free(c);
		return SS_ERR_INTERNAL;
	}
	return SS_OK;
}

void ss22_ucli_free(struct ss22_ucli *c)
{
	ss22_udp_client_wipe(&c->c);
	ss22_udp_free(&c->u);
	ss22_keys_free(&c->keys);
	OPENSSL_cleanse(c, sizeof(*c));
}

size_t ss22_ucli_seal_size(const struct ss22_ucli *c, size_t alen, size_t pad, size_t len)
{
	return ss22_udp_seal_size(&c->u, alen, pad, len);
}

int ss22_ucli_seal(struct rb_aead_ctx *ctx, struct ss22_ucli *c, const uint8_t *addr,
		   uint16_t alen, uint16_t pad, const uint8_t *data, uint32_t len,
		   const uint8_t *xnonce, uint8_t *out, uint64_t now)
{
	struct ss22_udp_out o = {
		.tx = &c->c.tx, .addr = addr, .alen = alen, .pad_len = pad, .payload = data,
		.len = len, .xnonce = xnonce, .out = out,
	};

	if (ss22_udp_seal(ctx, &c->u, &c->b, &o, 1, now) != 0)
		return o.out_len < 0 ? o.out_len : SS_ERR_INTERNAL;
	return o.out_len;
}

int ss22_ucli_open(struct rb_aead_ctx *ctx, struct ss22_ucli *c, uint8_t *pkt, uint32_t len,
		   uint64_t now, struct ss22_udp_in *in)
{
	struct ss22_udp_rx *rx = NULL;
	int cha = is_chacha(c->keys.m), rc;

	memset(in, 0, sizeof(*in));
	in->pkt = pkt;
	in->len = len;
	ss22_udp_open_hdr(&c->u, in, 1);
	if (in->status != SS_OK)
		return in->status;
	if (!cha) {
		rx = ss22_udp_client_rx(&c->c, &c->keys, in->sid, now);
		if (rx == NULL) {
			c->refused++;
			return in->status = SS2022_ERR_SALT;
		}
		in->rx = rx;
	}
	ss22_udp_open_body(ctx, &c->u, &c->b, in, 1, now);
	if (in->status != SS_OK)
		return in->status;
	if (cha) {
		rx = ss22_udp_client_rx(&c->c, &c->keys, in->sid, now);
		if (rx == NULL) {
			c->refused++;
			return in->status = SS2022_ERR_SALT;
		}
	}
	rc = ss22_udp_client_accept(&c->c, rx, in, now);
	if (rc == SS2022_ERR_REPLAY)
		c->replayed++;
	else if (rc == SS2022_ERR_SALT)
		c->foreign++;
	return in->status = rc;
}

/* ------------------------------------------------------------ padding */

uint16_t ss22_udp_pad(uint16_t port, uint32_t len, uint32_t rnd)
{
	if (len == 0)
		return (uint16_t)(1 + rnd % SS2022_MAX_PADDING);
	if (port == 53 && len < SS2022_MAX_PADDING)
		return (uint16_t)(1 + rnd % (SS2022_MAX_PADDING - len));
	return 0;
}

uint64_t ss22_udp_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME_COARSE, &ts);
	return (uint64_t)ts.tv_sec;
}
