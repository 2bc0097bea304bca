/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * SIP022 behind the SIP004 calls: see ss2022_compat.h.
 */
#include <openssl/crypto.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../../crypto/rb_rand.h"
#include "ss2022_compat.h"

struct enc_layer {
	struct ss_layer l;
	uint8_t started, pad;
	uint8_t salt[SS_MAX_SALT];
	struct ss22_keys k; /* client, until the first call: PSKs and hashes only */
	struct ss22_enc e;
};

struct dec_layer {
	struct ss_layer l;
	struct ss22_dec d;
};

static uint64_t (*clock_fn)(void);

void ss22c_set_clock(uint64_t (*now)(void)) { clock_fn = now; }

static uint64_t now_s(void)
{
	struct timespec ts;

	if (clock_fn)
		return clock_fn();
	clock_gettime(CLOCK_REALTIME_COARSE, &ts);
	return (uint64_t)ts.tv_sec;
}

int ss22c_is_2022(const struct ss_method *m)
{
	return m != NULL && ss2022_method_find(m->name) == m;
}

/* Zeroed up to `clear` bytes (a decoder's 64 KiB buffer needs no clearing). */
static void *layer_alloc(size_t n, size_t clear)
{
	void *p = aligned_alloc(64, (n + 63) & ~(size_t)63);

	if (p)
		memset(p, 0, clear);
	return p;
}

#define DEC_CLEAR (offsetof(struct dec_layer, d) + offsetof(struct ss22_dec, buf))

/* The cipher the caller holds: only a pointer to the layer (and m). */
static void attach(struct ss_cipher *c, const struct ss_method *m, struct ss_layer *l)
{
	memset(c, 0, offsetof(struct ss_cipher, pend_buf));
	c->m = m;
	c->pend = c->pend_buf;
	c->layer = l;
}

/* ------------------------------------------------------------ encoder */

static size_t enc_size(const struct ss_layer *l, size_t len)
{
	const struct enc_layer *x = (const struct enc_layer *)l;
	const struct ss_method *m = x->k.m;

	if (x->started || x->e.server)
		return ss22_enc_size(&x->e, len);
	/* an upper bound: the address is part of len */
	return m->key_len + 16u * (x->k.n - 1u) + SS2022_FIXED_REQ + SS_TAG_LEN + 2 + x->pad +
	       SS_TAG_LEN + len + SS_CHUNK_OVERHEAD * ((len + SS2022_MAX_PAYLOAD - 1) / SS2022_MAX_PAYLOAD);
}

static long enc(struct rb_aead_ctx *ctx, struct ss_layer *l, const uint8_t *in, size_t len,
		uint8_t *out)
{
	struct enc_layer *x = (struct enc_layer *)l;
	int family, alen, rc;
	uint8_t a[16];
	char host[256];
	uint16_t port;

	if (x->started || x->e.server)
		return ss22_enc(ctx, &x->e, now_s(), in, len, out);
	if (len == 0)
		return 0;
	/* the first plaintext starts with the target address (SIP004 habit) */
	alen = ss_addr_parse(in, len, &family, a, host, sizeof(host), &port);
	if (alen <= 0)
		return SS2022_ERR_ADDR;
	rc = ss22_enc_client_init(&x->e, &x->k, x->salt, in, (size_t)alen, x->pad);
	OPENSSL_cleanse(&x->k.psk, sizeof(x->k.psk));
	if (rc != SS_OK)
		return rc;
	x->started = 1;
	return ss22_enc(ctx, &x->e, now_s(), in + alen, len - (size_t)alen, out);
}

static int enc_dec(struct rb_aead_ctx *ctx, struct ss_layer *l, const uint8_t *in, size_t len,
		   size_t *used, uint8_t *out, size_t outcap, size_t *produced)
{
	(void)ctx, (void)l, (void)in, (void)len, (void)out, (void)outcap;
	*used = *produced = 0;
	return SS_ERR_INTERNAL; /* an encoder */
}

static void destroy(struct ss_layer *l);

static const struct ss_layer_ops enc_ops = {enc, enc_size, enc_dec, destroy};

/* ------------------------------------------------------------ decoder */

static long dec_enc(struct rb_aead_ctx *ctx, struct ss_layer *l, const uint8_t *in, size_t len,
		    uint8_t *out)
{
	(void)ctx, (void)l, (void)in, (void)len, (void)out;
	return SS_ERR_INTERNAL; /* a decoder */
}

static size_t dec_enc_size(const struct ss_layer *l, size_t len)
{
	(void)l, (void)len;
	return 0;
}

static int dec(struct rb_aead_ctx *ctx, struct ss_layer *l, const uint8_t *in, size_t len,
	       size_t *used, uint8_t *out, size_t outcap, size_t *produced)
{
	return ss22_dec(ctx, &((struct dec_layer *)l)->d, now_s(), in, len, used, out, outcap,
			produced);
}

static const struct ss_layer_ops dec_ops = {dec_enc, dec_enc_size, dec, destroy};

static void destroy(struct ss_layer *l)
{
	size_t n = l->ops == &dec_ops ? sizeof(struct dec_layer) : sizeof(struct enc_layer);

	OPENSSL_cleanse(l, n);
	free(l);
}

struct ss_cipher *ss22c_stream(struct ss_cipher *c)
{
	struct ss_layer *l = c->layer;

	if (l == NULL)
		return c;
	if (l->ops == &enc_ops) {
		struct enc_layer *x = (struct enc_layer *)l;

		return (x->started || x->e.server) && x->e.hdr_sent ? &x->e.c : NULL;
	}
	return ss22_dec_streaming(&((struct dec_layer *)l)->d) ? &((struct dec_layer *)l)->d.c : NULL;
}

/* ------------------------------------------------------------ set-up */

int ss22c_client(struct ss_cipher *encc, struct ss_cipher *decc, const struct ss22_keys *k,
		 const uint8_t *salt, uint16_t pad, struct ss_salt_cache *salts)
{
	struct enc_layer *e;
	struct dec_layer *d;

	if (pad == 0 || pad > SS22C_MAX_PAD || k->n == 0)
		return SS_ERR_INTERNAL;
	e = layer_alloc(sizeof(*e), sizeof(*e));
	d = layer_alloc(sizeof(*d), DEC_CLEAR);
	if (e == NULL || d == NULL) {
		free(e);
		free(d);
		return SS_ERR_INTERNAL;
	}
	e->l.ops = &enc_ops;
	e->pad = (uint8_t)pad;
	memcpy(e->salt, salt, k->m->key_len);
	e->k.m = k->m;
	e->k.n = k->n;
	memcpy(e->k.psk, k->psk, sizeof(e->k.psk));
	memcpy(e->k.hash, k->hash, sizeof(e->k.hash));
	e->e.m = k->m;
	d->l.ops = &dec_ops;
	ss22_dec_client_init(&d->d, k->m, k->psk[k->n - 1], salt, salts);
	attach(encc, k->m, &e->l);
	attach(decc, k->m, &d->l);
	return SS_OK;
}

int ss22c_server_dec(struct ss_cipher *decc, const struct ss_method *m, const uint8_t *psk,
		     struct ss_eih_users *users, struct ss_salt_cache *salts)
{
	struct dec_layer *d = layer_alloc(sizeof(*d), DEC_CLEAR);

	if (d == NULL)
		return SS_ERR_INTERNAL;
	d->l.ops = &dec_ops;
	if (ss22_dec_server_init(&d->d, m, psk, users, salts) != SS_OK) {
		free(d);
		return SS_ERR_INTERNAL;
	}
	d->d.emit_addr = 1;
	attach(decc, m, &d->l);
	return SS_OK;
}

const struct ss22_dec *ss22c_dec_state(const struct ss_cipher *decc)
{
	return decc->layer && decc->layer->ops == &dec_ops
		       ? &((const struct dec_layer *)decc->layer)->d
		       : NULL;
}

int ss22c_server_enc(struct ss_cipher *encc, const struct ss_cipher *decc, const uint8_t *salt)
{
	const struct ss22_dec *d = ss22c_dec_state(decc);
	struct enc_layer *e;

	if (d == NULL || !d->server || !d->hdr_done)
		return SS_ERR_INTERNAL;
	e = layer_alloc(sizeof(*e), sizeof(*e));
	if (e == NULL)
		return SS_ERR_INTERNAL;
	e->l.ops = &enc_ops;
	e->k.m = d->m;
	if (ss22_enc_server_init(&e->e, d->m, d->psk, salt, d->salt) != SS_OK) {
		destroy(&e->l);
		return SS_ERR_INTERNAL;
	}
	attach(encc, d->m, &e->l);
	return SS_OK;
}

/* ------------------------------------------------------------ salts */

static struct ss_salt_cache *worker_salts[SS22C_MAX_WORKERS][2];

struct ss_salt_cache *ss22c_worker_salts(unsigned w, uint8_t salt_len)
{
	int i = salt_len == 32;
	uint8_t key[32];

	if (w >= SS22C_MAX_WORKERS || (salt_len != 16 && salt_len != 32))
		return NULL;
	if (worker_salts[w][i] == NULL) {
		struct ss_salt_cache *c = calloc(1, sizeof(*c));

		if (c == NULL || rb_getrandom(key, sizeof(key)) != 0 ||
		    ss_salt_cache_init(c, SS22C_SALTS, salt_len, key) != 0) {
			free(c);
			OPENSSL_cleanse(key, sizeof(key));
			return NULL;
		}
		OPENSSL_cleanse(key, sizeof(key));
		worker_salts[w][i] = c;
	}
	return worker_salts[w][i];
}

/* Users tables, per worker, a list keyed by (inbound, gen). */
struct users_ent {
	struct users_ent *next;
	unsigned idx;
	const void *gen;
	struct ss_eih_users t;
};

static struct users_ent *worker_users[SS22C_MAX_WORKERS];

static void users_free(struct users_ent *u)
{
	ss_eih_users_free(&u->t);
	free(u);
}

struct ss_eih_users *ss22c_worker_users(unsigned w, unsigned idx, const void *gen,
					const struct ss_method *m, const uint8_t *ipsk,
					const char *upsk, size_t stride, unsigned n)
{
	struct users_ent **pp, *u;
	uint8_t key[SS_MAX_KEY];

	if (w >= SS22C_MAX_WORKERS)
		return NULL;
	for (pp = &worker_users[w]; (u = *pp) != NULL; pp = &u->next)
		if (u->idx == idx) {
			if (u->gen == gen && u->t.m == m)
				return &u->t;
			*pp = u->next; /* another config: rebuild */
			users_free(u);
			break;
		}
	u = calloc(1, sizeof(*u));
	if (u == NULL || ss_eih_users_init(&u->t, m, ipsk) != 0) {
		free(u);
		return NULL;
	}
	for (unsigned i = 0; i < n; i++) {
		int rc = ss2022_psk_decode(m, upsk + (size_t)i * stride, key);

		if (rc == 0)
			rc = ss_eih_users_add(&u->t, key, i);
		OPENSSL_cleanse(key, sizeof(key));
		if (rc != 0) {
			users_free(u);
			return NULL;
		}
	}
	u->idx = idx;
	u->gen = gen;
	u->next = worker_users[w];
	worker_users[w] = u;
	return &u->t;
}

void ss22c_worker_fini(unsigned w)
{
	if (w >= SS22C_MAX_WORKERS)
		return;
	while (worker_users[w]) {
		struct users_ent *u = worker_users[w];

		worker_users[w] = u->next;
		users_free(u);
	}
	for (int i = 0; i < 2; i++)
		if (worker_salts[w][i]) {
			ss_salt_cache_free(worker_salts[w][i]);
			free(worker_salts[w][i]);
			worker_salts[w][i] = NULL;
		}
}
