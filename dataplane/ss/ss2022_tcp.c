/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Shadowsocks 2022 TCP stream codec: see ss2022_tcp.h.
 */
#include <openssl/crypto.h>
#include <stddef.h>
#include <string.h>

#include "ss2022_tcp.h"

enum { D_SALT = 0, D_EIH, D_FIXED, D_VAR, D_RFIXED, D_FIRST, D_STREAM };

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

/* Key c from psk || salt, chunk nonces from 2 (0 and 1 are the headers'). */
static int key_stream(struct ss_cipher *c, const struct ss_method *m, const uint8_t *psk,
		      const uint8_t *salt, uint8_t *pend)
{
	uint8_t sub[SS_MAX_KEY];
	int rc;

	ss2022_subkey(m, psk, salt, sub);
	rc = ss_cipher_init_keyed(c, m, sub, 2, pend);
	OPENSSL_cleanse(sub, sizeof(sub));
	return rc;
}

static const uint8_t nonce0[12] = {0}, nonce1[12] = {1};

/* ------------------------------------------------------------ encoder */

int ss22_enc_client_init(struct ss22_enc *e, const struct ss22_keys *k, const uint8_t *salt,
			 const uint8_t *addr, size_t alen, uint16_t pad_len)
{
	const struct ss_method *m = k->m;

	memset(&e->m, 0, sizeof(*e) - offsetof(struct ss22_enc, m));
	if (alen == 0 || alen > SS22_ADDR_MAX || pad_len > SS2022_MAX_PADDING || k->n == 0)
		return SS_ERR_INTERNAL;
	e->m = m;
	memcpy(e->salt, salt, m->key_len);
	memcpy(e->addr, addr, alen);
	e->alen = (uint16_t)alen;
	e->pad_len = pad_len;
	e->n_eih = (uint8_t)(k->n - 1);
	if (ss_eih_tcp_build(k, salt, e->eih) != 0)
		return SS_ERR_INTERNAL;
	return key_stream(&e->c, m, k->psk[k->n - 1], salt, NULL);
}

int ss22_enc_server_init(struct ss22_enc *e, const struct ss_method *m, const uint8_t *psk,
			 const uint8_t *salt, const uint8_t *req_salt)
{
	memset(&e->m, 0, sizeof(*e) - offsetof(struct ss22_enc, m));
	e->m = m;
	e->server = 1;
	memcpy(e->salt, salt, m->key_len);
	memcpy(e->req_salt, req_salt, m->key_len);
	return key_stream(&e->c, m, psk, salt, NULL);
}

/* How much of len rides in the header's payload chunk. */
static size_t first_len(const struct ss22_enc *e, size_t len)
{
	size_t room = e->server ? SS2022_MAX_PAYLOAD
				: SS2022_MAX_PAYLOAD - (size_t)e->alen - 2 - e->pad_len;

	return len < room ? len : room;
}

static size_t hdr_size(const struct ss22_enc *e, size_t first)
{
	size_t kl = e->m->key_len;

	if (e->server)
		return kl + (1 + 8 + kl + 2) + SS_TAG_LEN + first + SS_TAG_LEN;
	return kl + 16u * e->n_eih + SS2022_FIXED_REQ + SS_TAG_LEN + e->alen + 2 + e->pad_len +
	       first + SS_TAG_LEN;
}

size_t ss22_enc_size(const struct ss22_enc *e, size_t len)
{
	size_t first;

	if (e->hdr_sent || (e->server && len == 0))
		return ss_enc_size(&e->c, len);
	first = first_len(e, len);
	return hdr_size(e, first) + ss_enc_size(&e->c, len - first);
}

long ss22_enc(struct rb_aead_ctx *ctx, struct ss22_enc *e, uint64_t now, const uint8_t *in,
	      size_t len, uint8_t *out)
{
	size_t kl = e->m->key_len, first, off, flen, vlen;
	uint8_t *f, *v;
	long rest;

	if (e->hdr_sent || (e->server && len == 0))
		return ss_enc(ctx, &e->c, in, len, out);
	if (!e->server && len == 0 && e->pad_len == 0)
		return SS2022_ERR_PADDING;
	first = first_len(e, len);
	memcpy(out, e->salt, kl);
	off = kl;
	if (e->server) {
		flen = 1 + 8 + kl + 2;
		f = out + off;
		f[0] = SS2022_TYPE_RESPONSE;
		put_be64(f + 1, now);
		memcpy(f + 9, e->req_salt, kl);
		f[9 + kl] = (uint8_t)(first >> 8);
		f[10 + kl] = (uint8_t)first;
		v = f + flen + SS_TAG_LEN;
		memcpy(v, in, first);
		vlen = first;
	} else {
		memcpy(out + off, e->eih, 16u * e->n_eih);
		off += 16u * e->n_eih;
		flen = SS2022_FIXED_REQ;
		f = out + off;
		vlen = (size_t)e->alen + 2 + e->pad_len + first;
		f[0] = SS2022_TYPE_REQUEST;
		put_be64(f + 1, now);
		f[9] = (uint8_t)(vlen >> 8);
		f[10] = (uint8_t)vlen;
		v = f + flen + SS_TAG_LEN;
		memcpy(v, e->addr, e->alen);
		v[e->alen] = (uint8_t)(e->pad_len >> 8);
		v[e->alen + 1] = (uint8_t)e->pad_len;
		memset(v + e->alen + 2, 0, e->pad_len); /* sealed: zeros look random */
		if (first)
			memcpy(v + e->alen + 2 + e->pad_len, in, first);
	}
	/* both header seals in one batch */
	rb_aead_batch_reset(&e->c.batch);
	rb_aead_batch_add_seal(&e->c.batch, &e->c.key, nonce0, NULL, 0, f, f, (uint32_t)flen,
			       f + flen, NULL);
	rb_aead_batch_add_seal(&e->c.batch, &e->c.key, nonce1, NULL, 0, v, v, (uint32_t)vlen,
			       v + vlen, NULL);
	if (rb_aead_batch_run(ctx, &e->c.batch) != 0)
		return SS_ERR_INTERNAL;
	rb_aead_batch_reset(&e->c.batch);
	e->hdr_sent = 1;
	off = (size_t)(v + vlen + SS_TAG_LEN - out);
	if (len == first)
		return (long)off;
	rest = ss_enc(ctx, &e->c, in + first, len - first, out + off);
	return rest < 0 ? rest : (long)(off + (size_t)rest);
}

void ss22_enc_wipe(struct ss22_enc *e) { OPENSSL_cleanse(e, sizeof(*e)); }

/* ------------------------------------------------------------ decoder */

static void dec_init(struct ss22_dec *d, const struct ss_method *m, struct ss_salt_cache *salts)
{
	memset(d, 0, offsetof(struct ss22_dec, buf));
	d->m = m;
	d->salts = salts;
	d->st = D_SALT;
}

int ss22_dec_server_init(struct ss22_dec *d, const struct ss_method *m, const uint8_t *psk,
			 struct ss_eih_users *users, struct ss_salt_cache *salts)
{
	dec_init(d, m, salts);
	d->server = 1;
	d->users = users;
	if (users == NULL)
		memcpy(d->psk, psk, m->key_len);
	else if (users->m != m)
		return SS_ERR_INTERNAL;
	return SS_OK;
}

int ss22_dec_client_init(struct ss22_dec *d, const struct ss_method *m, const uint8_t *psk,
			 const uint8_t *req_salt, struct ss_salt_cache *salts)
{
	dec_init(d, m, salts);
	memcpy(d->psk, psk, m->key_len);
	memcpy(d->req_salt, req_salt, m->key_len);
	return SS_OK;
}

void ss22_dec_wipe(struct ss22_dec *d) { OPENSSL_cleanse(d, sizeof(*d)); }

static size_t unit_need(const struct ss22_dec *d)
{
	switch (d->st) {
	case D_SALT:
		return d->m->key_len;
	case D_EIH:
		return SS_EIH_LEN;
	case D_FIXED:
		return SS2022_FIXED_REQ + SS_TAG_LEN;
	case D_RFIXED:
		return 1 + 8 + (size_t)d->m->key_len + 2 + SS_TAG_LEN;
	default: /* D_VAR, D_FIRST */
		return (size_t)d->vlen + SS_TAG_LEN;
	}
}

static int open_hdr(struct rb_aead_ctx *ctx, struct ss22_dec *d, const uint8_t *nonce,
		    const uint8_t *src, uint8_t *dst, size_t len)
{
	int rc = rb_aead_open(ctx, &d->c.key, nonce, NULL, 0, src, dst, (uint32_t)len, src + len);

	return rc == RB_AEAD_OK ? SS_OK : rc == RB_AEAD_EAUTH ? SS_ERR_AUTH : SS_ERR_INTERNAL;
}

static int salt_check(struct ss22_dec *d, uint64_t now)
{
	if (d->salts == NULL)
		return SS_OK;
	switch (ss_salt_cache_check_add(d->salts, d->salt, now)) {
	case SS_SALT_FRESH:
		return SS_OK;
	case SS_SALT_REPLAY:
		return SS2022_ERR_REPLAY;
	default:
		return SS2022_ERR_FULL;
	}
}

/* The variable-length request header, opened into buf. */
static int var_header(struct ss22_dec *d, uint8_t *out, size_t *produced)
{
	const uint8_t *v = d->buf;
	size_t vlen = d->vlen, plen, pay;
	struct ss22_target *t = &d->target;
	int alen = ss_addr_parse(v, vlen, &t->family, t->addr, t->host, sizeof(t->host), &t->port);

	if (alen <= 0 || (size_t)alen + 2 > vlen)
		return SS2022_ERR_ADDR;
	plen = (size_t)v[alen] << 8 | v[alen + 1];
	if (plen > SS2022_MAX_PADDING || (size_t)alen + 2 + plen > vlen)
		return SS2022_ERR_PADDING;
	pay = vlen - (size_t)alen - 2 - plen;
	if (plen == 0 && pay == 0)
		return SS2022_ERR_PADDING;
	if (d->emit_addr) {
		memcpy(out + *produced, v, (size_t)alen);
		*produced += (size_t)alen;
	}
	memcpy(out + *produced, v + alen + 2 + plen, pay);
	*produced += pay;
	d->hdr_done = 1;
	return SS_OK;
}

static int dec_unit(struct rb_aead_ctx *ctx, struct ss22_dec *d, const uint8_t *src, uint64_t now,
		    uint8_t *out, size_t *produced)
{
	const struct ss_method *m = d->m;
	size_t kl = m->key_len;
	uint8_t fx[1 + 8 + SS_MAX_SALT + 2];
	const struct ss_eih_user *u;
	int rc;

	switch (d->st) {
	case D_SALT:
		memcpy(d->salt, src, kl);
		if (d->users) {
			d->st = D_EIH;
			return SS_OK;
		}
		d->st = d->server ? D_FIXED : D_RFIXED;
		return key_stream(&d->c, m, d->psk, d->salt, d->buf);
	case D_EIH:
		u = ss_eih_tcp_identify(d->users, d->salt, src);
		if (u == NULL)
			return SS2022_ERR_USER;
		memcpy(d->psk, u->psk, kl);
		d->user = u->id;
		d->has_user = 1;
		d->st = D_FIXED;
		return key_stream(&d->c, m, d->psk, d->salt, d->buf);
	case D_FIXED:
		rc = open_hdr(ctx, d, nonce0, src, fx, SS2022_FIXED_REQ);
		if (rc != SS_OK)
			return rc;
		if (fx[0] != SS2022_TYPE_REQUEST)
			return SS2022_ERR_TYPE;
		d->timestamp = get_be64(fx + 1);
		if (!time_ok(d->timestamp, now))
			return SS2022_ERR_TIME;
		d->vlen = (uint32_t)fx[9] << 8 | fx[10];
		if (d->vlen == 0)
			return SS2022_ERR_ADDR;
		d->st = D_VAR;
		return salt_check(d, now);
	case D_VAR:
		rc = open_hdr(ctx, d, nonce1, src, d->buf, d->vlen);
		if (rc != SS_OK)
			return rc;
		d->st = D_STREAM;
		return var_header(d, out, produced);
	case D_RFIXED:
		rc = open_hdr(ctx, d, nonce0, src, fx, 1 + 8 + kl + 2);
		if (rc != SS_OK)
			return rc;
		if (fx[0] != SS2022_TYPE_RESPONSE)
			return SS2022_ERR_TYPE;
		d->timestamp = get_be64(fx + 1);
		if (!time_ok(d->timestamp, now))
			return SS2022_ERR_TIME;
		if (CRYPTO_memcmp(fx + 9, d->req_salt, kl) != 0)
			return SS2022_ERR_SALT;
		d->vlen = (uint32_t)fx[9 + kl] << 8 | fx[10 + kl];
		if (d->vlen == 0)
			return SS_ERR_LEN;
		d->st = D_FIRST;
		return salt_check(d, now);
	default: /* D_FIRST */
		rc = open_hdr(ctx, d, nonce1, src, out + *produced, d->vlen);
		if (rc != SS_OK)
			return rc;
		*produced += d->vlen;
		d->hdr_done = 1;
		d->st = D_STREAM;
		return SS_OK;
	}
}

int ss22_dec_streaming(const struct ss22_dec *d)
{
	return d->st == D_STREAM && d->err == 0;
}

int ss22_dec(struct rb_aead_ctx *ctx, struct ss22_dec *d, uint64_t now, const uint8_t *in,
	     size_t len, size_t *used, uint8_t *out, size_t outcap, size_t *produced)
{
	size_t u = 0, p = 0;
	int rc = SS_OK;

	*used = 0;
	*produced = 0;
	if (d->err)
		return d->err;
	while (d->st != D_STREAM) {
		size_t need = unit_need(d);
		const uint8_t *src;

		if ((d->st == D_VAR || d->st == D_FIRST) && p + d->vlen > outcap)
			goto done;
		if (d->have || len - u < need) {
			size_t take = need - d->have;

			if (take > len - u)
				take = len - u;
			memcpy(d->buf + d->have, in + u, take);
			d->have += (uint32_t)take;
			u += take;
			if (d->have < need)
				goto done;
			src = d->buf;
			d->have = 0;
		} else {
			src = in + u;
			u += need;
		}
		rc = dec_unit(ctx, d, src, now, out, &p);
		if (rc != SS_OK)
			goto fail;
	}
	if (u < len) {
		size_t u2, p2;

		rc = ss_dec(ctx, &d->c, in + u, len - u, &u2, out + p, outcap - p, &p2);
		if (rc != SS_OK)
			goto fail;
		u += u2;
		p += p2;
	}
done:
	*used = u;
	*produced = p;
	return SS_OK;
fail:
	d->err = (int8_t)rc;
	return rc;
}
