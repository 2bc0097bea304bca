/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Shared by the Shadowsocks inbound and outbound: method dispatch and the
 * per-lcore state (ss_relay.h).  The relay's mbuf seal/open is ss_chain.c.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../rb_log.h"
#include "ss2022_compat.h"
#include "ss_proxy.h"
#include "ss_relay.h"

static struct ss_lcore *ss_lcores[RB_MAX_LCORES];

/* The method table: config's enum rb_ss_method -> how the dataplane
 * carries it.  SIP022 plugs in here (a kind and its codec) once wired. */
static const struct {
	uint8_t kind;
	int8_t aead; /* enum ss_method_id for SS_KIND_AEAD */
} ss_protos[RB_SS_METHOD_MAX] = {
	[RB_SS_NONE] = {SS_KIND_NONE, -1},
	[RB_SS_AES_128_GCM] = {SS_KIND_AEAD, SS_M_AES_128_GCM},
	[RB_SS_AES_256_GCM] = {SS_KIND_AEAD, SS_M_AES_256_GCM},
	[RB_SS_CHACHA20_IETF_POLY1305] = {SS_KIND_AEAD, SS_M_CHACHA20_IETF_POLY1305},
	[RB_SS_XCHACHA20_IETF_POLY1305] = {SS_KIND_AEAD, SS_M_XCHACHA20_IETF_POLY1305},
	[RB_SS_2022_BLAKE3_AES_128_GCM] = {SS_KIND_UNWIRED, -1},
	[RB_SS_2022_BLAKE3_AES_256_GCM] = {SS_KIND_UNWIRED, -1},
	[RB_SS_2022_BLAKE3_CHACHA20_POLY1305] = {SS_KIND_UNWIRED, -1},
};

enum ss_kind ss_kind_of(int rb_method, const struct ss_method **m)
{
	*m = NULL;
	if (rb_method < 0 || rb_method >= RB_SS_METHOD_MAX)
		return SS_KIND_UNWIRED;
	if (ss_protos[rb_method].kind == SS_KIND_AEAD)
		*m = ss_method_get((enum ss_method_id)ss_protos[rb_method].aead);
	return (enum ss_kind)ss_protos[rb_method].kind;
}

static void *zalloc64(size_t n)
{
	void *p = aligned_alloc(64, (n + 63) & ~(size_t)63);

	if (p)
		memset(p, 0, n);
	return p;
}

struct ss_lcore *ss_lcore_get(struct rb_lcore *lc, const struct rb_cfg_proxy *cfg)
{
	struct ss_lcore *sl;

	if (lc->worker >= RB_MAX_LCORES)
		return NULL;
	sl = ss_lcores[lc->worker];
	if (sl == NULL) {
		sl = zalloc64(sizeof(*sl));
		if (sl == NULL)
			return NULL;
		ss_lcores[lc->worker] = sl;
	}
	sl->lc = lc;
	if (sl->cfg != cfg) {
		/* another config: forget the cached keys */
		explicit_bzero(sl->in_key, sizeof(sl->in_key));
		explicit_bzero(sl->out_key, sizeof(sl->out_key));
		memset(sl->in_key_ok, 0, sizeof(sl->in_key_ok));
		memset(sl->out_key_ok, 0, sizeof(sl->out_key_ok));
		sl->cfg = cfg;
	}
	return sl;
}

void rb_ss_lcore_fini(struct rb_lcore *lc)
{
	struct ss_lcore *sl = lc->worker < RB_MAX_LCORES ? ss_lcores[lc->worker] : NULL;

	ss_lcore_setup_fini(lc); /* the shared replay filter, relay tables */
	if (sl == NULL)
		return;
	while (sl->free) {
		struct ss_conn *c = sl->free;

		sl->free = c->next;
		free(c);
	}
	ss22c_worker_fini(lc->worker);
	explicit_bzero(sl, sizeof(*sl));
	free(sl);
	ss_lcores[lc->worker] = NULL;
}

/* The 2022 methods: TCP only, behind ss_enc/ss_dec (ss2022_compat.h); for
 * ss_kind_of (and so UDP) they stay unwired.  NULL for another method. */
static const struct ss_method *ss22_method_of(int rb_method)
{
	return rb_method >= RB_SS_2022_BLAKE3_AES_128_GCM && rb_method < RB_SS_METHOD_MAX
		       ? ss2022_method_find(rb_cfg_ss_method_name(rb_method)) /* same names */
		       : NULL;
}

/* SIP022 set-up (ss2022_compat.h): the inbound's decoder now (its encoder
 * once the request is in: ss_conn_enc_ready), the outbound's both ways now
 * (salt, PSK list, padding), enc_ready then set.  0 or -1. */
static int ss22_conn_setup(struct ss_lcore *sl, struct ss_conn *c, int is_in, int idx,
			   const char *pw)
{
	const struct ss_method *m = c->m;
	struct ss_salt_cache *salts;
	struct ss22_keys k;
	uint8_t salt[SS_MAX_SALT + 1];
	unsigned w = 0;
	int rc = -1;

	while (w < RB_MAX_LCORES && ss_lcores[w] != sl)
		w++;
	salts = w < RB_MAX_LCORES ? ss22c_worker_salts(w, m->key_len) : NULL;
	if (salts == NULL)
		return -1;
	if (is_in) {
		/* multi-user (SIP023): `password` is the iPSK, the users' keys the uPSKs */
		const struct rb_cfg_inbound *in = &sl->cfg->inbounds[idx];
		struct ss_eih_users *users = NULL;

		if (in->n_users > 0) {
			users = ss22c_worker_users(w, (unsigned)idx, sl->cfg, m, c->master,
						   in->users[0].password, sizeof(in->users[0]),
						   (unsigned)in->n_users);
			if (users == NULL)
				return -1;
		}
		return ss22c_server_dec(&c->dec, m, c->master, users, salts) == SS_OK ? 0 : -1;
	}
	if (ss22_keys_decode_tcp(&k, m, pw) != 0)
		return -1;
	/* salt, then one byte for the padding length (1..SS22C_MAX_PAD) */
	if (rb_getrandom(salt, (size_t)m->key_len + 1) == 0 &&
	    ss22c_client(&c->enc, &c->dec, &k, salt, (uint16_t)(1 + salt[m->key_len] % SS22C_MAX_PAD),
			 salts) == SS_OK)
		rc = 0;
	ss22_keys_free(&k);
	explicit_bzero(salt, sizeof(salt));
	c->enc_ready = rc == 0;
	return rc;
}

struct ss_conn *ss_conn_get(struct ss_lcore *sl, int is_in, int idx)
{
	const struct rb_cfg_proxy *p = sl->cfg;
	int method = is_in ? p->inbounds[idx].ss_method : p->outbounds[idx].ss_method;
	const char *pw = is_in ? p->inbounds[idx].password : p->outbounds[idx].password;
	uint8_t *key = is_in ? sl->in_key[idx] : sl->out_key[idx];
	uint8_t *ok = is_in ? &sl->in_key_ok[idx] : &sl->out_key_ok[idx];
	const struct ss_method *m;
	struct ss_conn *c;

	if (ss_kind_of(method, &m) == SS_KIND_UNWIRED && (m = ss22_method_of(method)) == NULL)
		return NULL;
	if (m && !*ok) {
		/* 2022: the inbound's PSK (an outbound's list is read per connection) */
		if (ss22c_is_2022(m) ? is_in && ss2022_psk_decode(m, pw, key) != 0
				     : ss_master_key(m, pw, key) != 0)
			return NULL;
		*ok = 1;
	}
	c = sl->free;
	if (c) {
		sl->free = c->next;
		sl->n_free--;
	} else {
		c = zalloc64(sizeof(*c));
		if (c == NULL)
			return NULL;
	}
	c->m = m;
	c->next = NULL;
	if (m) {
		memcpy(c->master, key, m->key_len);
		if (!ss22c_is_2022(m)) {
			ss_dec_init(&c->dec, m, c->master);
		} else if (ss22_conn_setup(sl, c, is_in, idx, pw) != 0) {
			ss_conn_put(sl, c);
			return NULL;
		}
	}
	return c;
}

void ss_conn_put(struct ss_lcore *sl, struct ss_conn *c)
{
	if (c == NULL)
		return;
	/* keys, salts, nonces, buffered plaintext: all of it */
	ss_cipher_wipe(&c->dec);
	ss_cipher_wipe(&c->enc);
	explicit_bzero(c, sizeof(*c));
	if (sl && sl->n_free < SS_POOL_KEEP) {
		c->next = sl->free;
		sl->free = c;
		sl->n_free++;
		return;
	}
	free(c);
}

int ss_conn_enc_ready(struct rb_lcore *lc, struct ss_conn *c)
{
	uint8_t salt[SS_MAX_SALT];
	int rc;

	if (c->enc_ready)
		return 0;
	if (rb_rand_bytes(&lc->rand, salt, c->m->key_len) != 0)
		return -EIO;
	rc = ss22c_is_2022(c->m) ? ss22c_server_enc(&c->enc, &c->dec, salt) /* bound to the request */
				 : ss_enc_init(&c->enc, c->m, c->master, salt);
	explicit_bzero(salt, sizeof(salt));
	if (rc != SS_OK)
		return -EIO;
	c->enc_ready = 1;
	return 0;
}
