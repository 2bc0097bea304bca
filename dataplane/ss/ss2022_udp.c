/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Shadowsocks 2022 UDP codec: see ss2022_udp.h.
 */
#include <openssl/crypto.h>
#include <stdint.h>
#include <string.h>

#include "../../crypto/rb_blake3.h"
#include "ss2022_udp.h"

/* ------------------------------------------------------------ window */

/* The bitmap holds SS22_UDP_WINDOW / 64 words; ids within WINDOW - 64 of
 * the newest are tracked exactly (the newest id's word is shared). */
#define TRACKED (SS22_UDP_WINDOW - 64)
#define WORDS	(SS22_UDP_WINDOW / 64)

void ss22_window_init(struct ss22_window *w) { memset(w, 0, sizeof(*w)); }

int ss22_window_accept(struct ss22_window *w, uint64_t pid)
{
	uint64_t *word, bit = 1ull << (pid & 63);

	if (!w->any) {
		w->any = 1;
		w->top = pid;
		memset(w->bits, 0, sizeof(w->bits));
	} else if (pid > w->top) {
		uint64_t from = w->top >> 6, to = pid >> 6;

		if (to - from >= WORDS)
			memset(w->bits, 0, sizeof(w->bits));
		else
			for (uint64_t i = from + 1; i <= to; i++)
				w->bits[i % WORDS] = 0;
		w->top = pid;
	} else if (w->top - pid >= TRACKED) {
		return 0;
	}
	word = &w->bits[(pid >> 6) % WORDS];
	if (*word & bit)
		return 0;
	*word |= bit;
	return 1;
}

/* ------------------------------------------------------------ helpers */

static int is_chacha(const struct ss_method *m) { return m->alg == RB_AEAD_CHACHA20_POLY1305; }

static void put_be64(uint8_t *p, uint64_t v)
{
	for (int i = 7; i >= 0; i--, v >>= 8)
		p[i] = (uint8_t)v;
}

static uint64_t get_be64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

static int time_ok(uint64_t ts, uint64_t now)
{
	return ts + SS2022_MAX_SKEW_S >= now && ts <= now + SS2022_MAX_SKEW_S;
}

/* Body header bytes of packets we send (tx) or receive (rx). */
static size_t hdr_len(int from_server) { return from_server ? 1 + 8 + 8 + 2 : 1 + 8 + 2; }

static size_t eih_len(const struct ss22_udp *u, int tx)
{
	if (is_chacha(u->m))
		return 0;
	if (tx)
		return u->server ? 0 : 16u * (u->keys->n - 1u);
	return u->server && u->users ? 16 : 0;
}

/* ------------------------------------------------------------ set-up */

int ss22_udp_client_init(struct ss22_udp *u, const struct ss22_keys *keys)
{
	memset(u, 0, sizeof(*u));
	u->m = keys->m;
	u->keys = keys;
	if (is_chacha(u->m) &&
	    rb_aead_key_init(&u->xkey, RB_AEAD_XCHACHA20_POLY1305, keys->psk[0], 32) != 0)
		return SS_ERR_INTERNAL;
	return SS_OK;
}

int ss22_udp_server_init(struct ss22_udp *u, const struct ss_method *m, const uint8_t *psk,
			 struct ss_eih_users *users)
{
	memset(u, 0, sizeof(*u));
	u->m = m;
	u->server = 1;
	u->users = users;
	if (is_chacha(m)) {
		if (users != NULL)
			return SS_ERR_INTERNAL;
		memcpy(u->psk, psk, m->key_len);
		return rb_aead_key_init(&u->xkey, RB_AEAD_XCHACHA20_POLY1305, psk, 32) == 0
			   ? SS_OK
			   : SS_ERR_INTERNAL;
	}
	if (users != NULL)
		return users->m == m ? SS_OK : SS_ERR_INTERNAL;
	memcpy(u->psk, psk, m->key_len);
	return ss22_block_init(&u->blk, psk, m->key_len) == 0 ? SS_OK : SS_ERR_INTERNAL;
}

void ss22_udp_free(struct ss22_udp *u)
{
	ss22_block_free(&u->blk);
	OPENSSL_cleanse(u, sizeof(*u));
}

/* subkey = BLAKE3 derive_key(ctx, PSK || session id) (SIP022 3.2.1). */
static int udp_key(struct rb_aead_key *key, const struct ss_method *m, const uint8_t *psk,
		   const uint8_t sid[8])
{
	uint8_t mat[SS_MAX_KEY + 8], sub[SS_MAX_KEY];
	int rc;

	memcpy(mat, psk, m->key_len);
	memcpy(mat + m->key_len, sid, 8);
	rb_blake3_derive_key(SS2022_SUBKEY_CTX, sizeof(SS2022_SUBKEY_CTX) - 1, mat,
			     m->key_len + 8u, sub, m->key_len);
	rc = rb_aead_key_init(key, (enum rb_aead_alg)m->alg, sub, m->key_len);
	OPENSSL_cleanse(mat, sizeof(mat));
	OPENSSL_cleanse(sub, sizeof(sub));
	return rc == 0 ? SS_OK : SS_ERR_INTERNAL;
}

int ss22_udp_tx_init(struct ss22_udp_tx *tx, const struct ss_method *m, const uint8_t *psk,
		     const struct ss22_block *blk, const uint8_t sid[8])
{
	memset(tx, 0, sizeof(*tx));
	memcpy(tx->sid, sid, 8);
	tx->blk = blk;
	if (is_chacha(m))
		return SS_OK; /* the AEAD key is the PSK (ss22_udp.xkey) */
	if (blk == NULL)
		return SS_ERR_INTERNAL;
	return udp_key(&tx->key, m, psk, sid);
}

int ss22_udp_rx_init(struct ss22_udp_rx *rx, const struct ss_method *m, const uint8_t *psk,
		     const uint8_t sid[8])
{
	memset(rx, 0, sizeof(*rx));
	memcpy(rx->sid, sid, 8);
	if (!is_chacha(m) && udp_key(&rx->key, m, psk, sid) != SS_OK)
		return SS_ERR_INTERNAL;
	rx->valid = 1;
	return SS_OK;
}

/* ------------------------------------------------------------ seal */

size_t ss22_udp_seal_size(const struct ss22_udp *u, size_t alen, size_t pad, size_t len)
{
	size_t body = hdr_len(u->server) + pad + alen + len;

	if (is_chacha(u->m))
		return SS22_UDP_XNONCE + SS22_UDP_SEP + body + SS_TAG_LEN;
	return SS22_UDP_SEP + eih_len(u, 1) + body + SS_TAG_LEN;
}

unsigned ss22_udp_seal(struct rb_aead_ctx *ctx, struct ss22_udp *u, struct rb_aead_batch *b,
		       struct ss22_udp_out *p, unsigned n, uint64_t now)
{
	int cha = is_chacha(u->m);
	unsigned bad = 0;

	rb_aead_batch_reset(b);
	for (unsigned i = 0; i < n; i++) {
		struct ss22_udp_out *o = &p[i];
		uint8_t *q, *start = NULL;
		size_t alen;

		if (i >= SS22_UDP_BURST || o->tx == NULL || o->alen == 0 || (cha && o->xnonce == NULL) ||
		    (u->server && o->client_sid == NULL) || (!cha && o->tx->blk == NULL)) {
			o->out_len = SS_ERR_INTERNAL;
			bad++;
			continue;
		}
		o->pid = o->tx->next_pid++;
		q = o->out;
		if (cha) {
			memcpy(q, o->xnonce, SS22_UDP_XNONCE);
			q += SS22_UDP_XNONCE;
			start = q;
		}
		memcpy(q, o->tx->sid, 8);
		put_be64(q + 8, o->pid);
		q += SS22_UDP_SEP;
		if (!cha) {
			if (!u->server && u->keys->n > 1 && ss_eih_udp_build(u->keys, o->out, q) != 0) {
				o->out_len = SS_ERR_INTERNAL;
				bad++;
				continue;
			}
			q += eih_len(u, 1);
			start = q;
		}
		*q++ = u->server ? SS2022_TYPE_RESPONSE : SS2022_TYPE_REQUEST;
		put_be64(q, now);
		q += 8;
		if (u->server) {
			memcpy(q, o->client_sid, 8);
			q += 8;
		}
		*q++ = (uint8_t)(o->pad_len >> 8);
		*q++ = (uint8_t)o->pad_len;
		memset(q, 0, o->pad_len);
		q += o->pad_len;
		memcpy(q, o->addr, o->alen);
		q += o->alen;
		if (o->len)
			memcpy(q, o->payload, o->len);
		q += o->len;
		alen = (size_t)(q - start);
		rb_aead_batch_add_seal(b, cha ? &u->xkey : &o->tx->key, cha ? o->out : o->out + 4,
				       NULL, 0, start, start, (uint32_t)alen, q, o);
		o->out_len = (int32_t)(q + SS_TAG_LEN - o->out);
	}
	if (b->n && rb_aead_batch_run(ctx, b) != 0)
		for (unsigned k = 0; k < b->n; k++)
			if (b->op[k].status != RB_AEAD_OK) {
				((struct ss22_udp_out *)b->op[k].user)->out_len = SS_ERR_INTERNAL;
				bad++;
			}
	/* the nonce came from the plaintext separate header: encrypt it now */
	if (!cha)
		for (unsigned k = 0; k < b->n; k++) {
			struct ss22_udp_out *o = b->op[k].user;

			if (o->out_len > 0 && ss22_block_encrypt(o->tx->blk, o->out, o->out) != 0) {
				o->out_len = SS_ERR_INTERNAL;
				bad++;
			}
		}
	rb_aead_batch_reset(b);
	return bad;
}

/* ------------------------------------------------------------ open */

static size_t min_len(const struct ss22_udp *u)
{
	size_t h = hdr_len(!u->server);

	if (is_chacha(u->m))
		return SS22_UDP_XNONCE + SS22_UDP_SEP + h + SS_TAG_LEN;
	return SS22_UDP_SEP + eih_len(u, 0) + h + SS_TAG_LEN;
}

unsigned ss22_udp_open_hdr(struct ss22_udp *u, struct ss22_udp_in *p, unsigned n)
{
	const struct ss22_block *blk = is_chacha(u->m) ? NULL
				       : u->server     ? (u->users ? &u->users->iblk : &u->blk)
						       : &u->keys->blk[u->keys->n - 1];
	unsigned bad = 0;

	for (unsigned i = 0; i < n; i++) {
		struct ss22_udp_in *in = &p[i];

		in->status = SS_OK;
		in->user = NULL;
		in->rx = NULL;
		in->data = NULL;
		in->data_len = 0;
		if (in->len < min_len(u) || i >= SS22_UDP_BURST) {
			in->status = SS_ERR_LEN;
			u->bad_len++;
			bad++;
			continue;
		}
		if (blk == NULL)
			continue; /* ChaCha: everything is inside the AEAD */
		if (ss22_block_decrypt(blk, in->pkt, in->pkt) != 0) {
			in->status = SS_ERR_INTERNAL;
			bad++;
			continue;
		}
		memcpy(in->sid, in->pkt, 8);
		in->pid = get_be64(in->pkt + 8);
		if (u->server && u->users) {
			in->user = ss_eih_udp_identify(u->users, in->pkt, in->pkt + SS22_UDP_SEP);
			if (in->user == NULL) {
				in->status = SS2022_ERR_USER;
				u->bad_user++;
				bad++;
			}
		}
	}
	return bad;
}

/* Parse an authenticated body [q, end). */
static int parse_body(struct ss22_udp *u, struct ss22_udp_in *in, const uint8_t *q,
		      const uint8_t *end, uint64_t now)
{
	size_t plen;
	int alen;

	if (q[0] != (u->server ? SS2022_TYPE_REQUEST : SS2022_TYPE_RESPONSE)) {
		u->bad_type++;
		return SS2022_ERR_TYPE;
	}
	in->ts = get_be64(q + 1);
	if (!time_ok(in->ts, now)) {
		u->bad_time++;
		return SS2022_ERR_TIME;
	}
	q += 9;
	if (!u->server) {
		memcpy(in->client_sid, q, 8);
		q += 8;
	}
	plen = (size_t)q[0] << 8 | q[1];
	q += 2;
	if (plen > (size_t)(end - q)) {
		u->bad_addr++;
		return SS2022_ERR_PADDING;
	}
	q += plen;
	alen = ss_addr_parse(q, (size_t)(end - q), &in->target.family, in->target.addr,
			     in->target.host, sizeof(in->target.host), &in->target.port);
	if (alen <= 0) {
		u->bad_addr++;
		return SS2022_ERR_ADDR;
	}
	in->data = q + alen;
	in->data_len = (uint32_t)(end - in->data);
	return SS_OK;
}

unsigned ss22_udp_open_body(struct rb_aead_ctx *ctx, struct ss22_udp *u, struct rb_aead_batch *b,
			    struct ss22_udp_in *p, unsigned n, uint64_t now)
{
	int cha = is_chacha(u->m);
	size_t skip = cha ? SS22_UDP_XNONCE : SS22_UDP_SEP + eih_len(u, 0);
	unsigned bad = 0;

	rb_aead_batch_reset(b);
	for (unsigned i = 0; i < n && i < SS22_UDP_BURST; i++) {
		struct ss22_udp_in *in = &p[i];
		uint32_t clen;

		if (in->status != SS_OK)
			continue;
		if (!cha && in->rx == NULL) {
			in->status = SS_ERR_INTERNAL;
			continue;
		}
		clen = in->len - (uint32_t)skip - SS_TAG_LEN;
		rb_aead_batch_add_open(b, cha ? &u->xkey : &in->rx->key, cha ? in->pkt : in->pkt + 4,
				       NULL, 0, in->pkt + skip, in->pkt + skip, clen,
				       in->pkt + skip + clen, in);
	}
	if (b->n)
		rb_aead_batch_run(ctx, b);
	for (unsigned k = 0; k < b->n; k++) {
		struct ss22_udp_in *in = b->op[k].user;
		const uint8_t *q = in->pkt + skip, *end = in->pkt + in->len - SS_TAG_LEN;

		if (b->op[k].status != RB_AEAD_OK) {
			in->status = b->op[k].status == RB_AEAD_EAUTH ? SS_ERR_AUTH : SS_ERR_INTERNAL;
			u->bad_auth++;
			continue;
		}
		if (cha) {
			memcpy(in->sid, q, 8);
			in->pid = get_be64(q + 8);
			q += SS22_UDP_SEP;
		}
		in->status = parse_body(u, in, q, end, now);
	}
	for (unsigned i = 0; i < n; i++)
		bad += p[i].status != SS_OK;
	rb_aead_batch_reset(b);
	return bad;
}

int ss22_udp_accept(struct ss22_udp_rx *rx, const struct ss22_udp_in *p, uint64_t now)
{
	if (p->status != SS_OK)
		return p->status;
	if (!rx->valid || memcmp(rx->sid, p->sid, 8) != 0)
		return SS2022_ERR_SALT;
	if (!ss22_window_accept(&rx->win, p->pid))
		return SS2022_ERR_REPLAY;
	rx->last = now;
	return SS_OK;
}

/* ------------------------------------------------------------ client */

int ss22_udp_client_session(struct ss22_udp_client *c, const struct ss22_keys *k,
			    const uint8_t sid[8])
{
	memset(c, 0, sizeof(*c));
	return ss22_udp_tx_init(&c->tx, k->m, k->psk[k->n - 1], is_chacha(k->m) ? NULL : &k->blk[0],
				sid);
}

struct ss22_udp_rx *ss22_udp_client_rx(struct ss22_udp_client *c, const struct ss22_keys *k,
				       const uint8_t sid[8], uint64_t now)
{
	for (int i = 0; i < 2; i++)
		if (c->rx[i].valid && memcmp(c->rx[i].sid, sid, 8) == 0)
			return &c->rx[i];
	if (c->rx[1].valid && now < c->rx[1].last + SS22_UDP_OLD_S) {
		c->refused++;
		return NULL;
	}
	if (c->rx[2].valid && memcmp(c->rx[2].sid, sid, 8) == 0)
		return &c->rx[2];
	if (ss22_udp_rx_init(&c->rx[2], k->m, k->psk[k->n - 1], sid) != SS_OK)
		return NULL;
	return &c->rx[2];
}

int ss22_udp_client_accept(struct ss22_udp_client *c, struct ss22_udp_rx *rx,
			   const struct ss22_udp_in *p, uint64_t now)
{
	int rc;

	if (p->status != SS_OK)
		return p->status;
	if (memcmp(p->client_sid, c->tx.sid, 8) != 0)
		return SS2022_ERR_SALT;
	rc = ss22_udp_accept(rx, p, now);
	if (rc == SS_OK && rx == &c->rx[2]) {
		if (c->rx[0].valid)
			c->rx[1] = c->rx[0];
		c->rx[0] = c->rx[2];
		OPENSSL_cleanse(&c->rx[2], sizeof(c->rx[2]));
	}
	return rc;
}

void ss22_udp_client_wipe(struct ss22_udp_client *c) { OPENSSL_cleanse(c, sizeof(*c)); }
