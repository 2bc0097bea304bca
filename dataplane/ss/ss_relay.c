/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Shared by the Shadowsocks inbound and outbound: method dispatch, the
 * per-lcore state and the relay's mbuf seal/open (ss_relay.h).
 *
 * Records go through the codec's burst AEAD.  The chain is walked in
 * passes of at most SS_PASS_MAX bytes: a seal pass gathers that much
 * plaintext into tmp_in (ss_enc: its chunks in one rb_aead_batch_run), an
 * open pass that much of the chain (ss_dec: the payload opens of the whole
 * chunks in it in one batch).  Each input segment is freed as soon as it is
 * gathered, so the output segments allocated in the same pass are the
 * just-freed, cache-hot ones (the mempool cache is LIFO): a pass touches
 * about 3 x SS_PASS_MAX bytes whatever the chain's length, rather than the
 * whole input chain, both linear buffers and a whole new output chain.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../rb_log.h"
#include "ss2022_compat.h"
#include "ss_proxy.h"
#include "ss_relay.h"

/* Bytes gathered per pass: two whole SIP004 chunks, so SIP004's chunking
 * on the wire is what 8-chunk passes gave (2022 chunks: at most this, not
 * 0xFFFF).  Chosen on bench_relay, 1, 2 and 4 chunks against 8
 * (dataplane/ss/README.md). */
#define SS_PASS_MAX (2 * SS_MAX_PAYLOAD)
_Static_assert(SS_PASS_MAX <= SS_LIN_MAX, "a pass fits tmp_in");

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

/* ------------------------------------------------------------------ mbufs */

struct obuf {
	struct rte_mbuf *head, *tail;
	uint32_t len;
	uint16_t nseg;
};

static int obuf_put(struct rb_lcore *lc, struct obuf *o, const uint8_t *p, size_t n)
{
	while (n) {
		struct rte_mbuf *t = o->tail;
		uint32_t room = t ? (uint32_t)rte_pktmbuf_tailroom(t) : 0;
		uint32_t k;

		if (room == 0) {
			t = rte_pktmbuf_alloc(lc->dp->pool);
			if (t == NULL) {
				rb_drop_count(lc, RB_DROP_NO_MBUF);
				return -ENOBUFS;
			}
			if (o->tail)
				o->tail->next = t;
			else
				o->head = t;
			o->tail = t;
			o->nseg++;
			room = (uint32_t)rte_pktmbuf_tailroom(t);
		}
		k = n < room ? (uint32_t)n : room;
		memcpy(rte_pktmbuf_mtod_offset(t, uint8_t *, t->data_len), p, k);
		t->data_len = (uint16_t)(t->data_len + k);
		o->len += k;
		p += k;
		n -= k;
	}
	return 0;
}

static struct rte_mbuf *obuf_done(struct obuf *o)
{
	if (o->head == NULL)
		return NULL;
	o->head->pkt_len = o->len;
	o->head->nb_segs = o->nseg;
	return o->head;
}

/* Copy up to SS_PASS_MAX bytes of the chain from (*seg, *off) into
 * sl->tmp_in and advance past them, freeing each segment once read; how
 * many (0 at the end).  *seg is then the rest of the chain (or NULL). */
static size_t gather(struct ss_lcore *sl, struct rte_mbuf **seg, uint32_t *off)
{
	size_t lin = 0;

	while (*seg && lin < SS_PASS_MAX) {
		struct rte_mbuf *s = *seg;
		uint32_t k = s->data_len - *off;

		if (k > SS_PASS_MAX - lin)
			k = (uint32_t)(SS_PASS_MAX - lin);
		memcpy(sl->tmp_in + lin, rte_pktmbuf_mtod_offset(s, const uint8_t *, *off), k);
		lin += k;
		*off += k;
		if (*off == s->data_len) {
			*seg = s->next;
			*off = 0;
			rte_pktmbuf_free_seg(s);
		}
	}
	return lin;
}

struct rte_mbuf *ss_mbuf_seal(struct rb_lcore *lc, struct ss_lcore *sl, struct ss_cipher *c,
			      struct rte_mbuf *m, int *err)
{
	struct obuf o = {0};
	struct rte_mbuf *seg = m; /* what is left of m */
	uint32_t off = 0;

	*err = 0;
	while (seg) {
		size_t lin = gather(sl, &seg, &off); /* up to SS_PASS_MAX bytes of plaintext */
		long n;

		if (lin == 0)
			break;
		n = ss_enc(lc->aead, c, sl->tmp_in, lin, sl->tmp_out);
		if (n < 0) {
			*err = -EIO;
			goto fail;
		}
		if (obuf_put(lc, &o, sl->tmp_out, (size_t)n) != 0) {
			*err = -ENOBUFS;
			goto fail;
		}
	}
	return obuf_done(&o); /* m was freed segment by segment */
fail:
	rte_pktmbuf_free(seg);
	rte_pktmbuf_free(obuf_done(&o));
	return NULL;
}

struct rte_mbuf *ss_mbuf_open(struct rb_lcore *lc, struct ss_lcore *sl, struct ss_cipher *c,
			      struct rte_mbuf *m, int *err)
{
	struct obuf o = {0};
	struct rte_mbuf *seg = m; /* what is left of m */
	uint32_t off = 0;

	*err = 0;
	while (seg) {
		/* up to SS_PASS_MAX bytes: the whole chunks in them are
		 * opened, their payloads in one batch */
		size_t lin = gather(sl, &seg, &off), done = 0;

		while (done < lin) {
			size_t used = 0, prod = 0;
			int rc = ss_dec(lc->aead, c, sl->tmp_in + done, lin - done, &used, sl->tmp_out,
					sizeof(sl->tmp_out), &prod);

			if (rc != SS_OK) {
				*err = rc == SS_ERR_INTERNAL ? -EIO : -EBADMSG;
				goto fail;
			}
			if (prod && obuf_put(lc, &o, sl->tmp_out, prod) != 0) {
				*err = -ENOBUFS;
				goto fail;
			}
			if (used == 0 && prod == 0) {
				*err = -EIO; /* cannot happen: tmp_out holds a whole chunk */
				goto fail;
			}
			done += used;
		}
	}
	return obuf_done(&o); /* m was freed segment by segment */
fail:
	rte_pktmbuf_free(seg);
	rte_pktmbuf_free(obuf_done(&o));
	return NULL;
}
