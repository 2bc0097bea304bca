/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Shadowsocks 2022 (SIP022) TCP headers: see ss2022.h.
 */
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <string.h>

#include "../../crypto/rb_blake3.h"
#include "ss2022.h"

static const struct ss_method methods2022[] = {
    {"2022-blake3-aes-128-gcm", RB_AEAD_AES_128_GCM, 16, 12, SS2022_MAX_PAYLOAD},
    {"2022-blake3-aes-256-gcm", RB_AEAD_AES_256_GCM, 32, 12, SS2022_MAX_PAYLOAD},
    {"2022-blake3-chacha20-poly1305", RB_AEAD_CHACHA20_POLY1305, 32, 12,
     SS2022_MAX_PAYLOAD},
};

const struct ss_method *ss2022_method_find(const char *name)
{
	for (size_t i = 0; i < sizeof(methods2022) / sizeof(methods2022[0]); i++)
		if (name && strcmp(name, methods2022[i].name) == 0)
			return &methods2022[i];
	return NULL;
}

int ss2022_psk_decode(const struct ss_method *m, const char *b64, uint8_t *psk)
{
	size_t n = strlen(b64), pad = 0;
	uint8_t buf[48];
	int len;

	if (n == 0 || n % 4 || n > 4 * sizeof(buf) / 3)
		return -1;
	len = EVP_DecodeBlock(buf, (const unsigned char *)b64, (int)n);
	if (b64[n - 1] == '=')
		pad++;
	if (b64[n - 2] == '=')
		pad++;
	if (len < 0 || (size_t)len - pad != m->key_len) {
		OPENSSL_cleanse(buf, sizeof(buf));
		return -1;
	}
	memcpy(psk, buf, m->key_len);
	OPENSSL_cleanse(buf, sizeof(buf));
	return 0;
}

void ss2022_subkey(const struct ss_method *m, const uint8_t *psk, const uint8_t *salt,
		   uint8_t *subkey)
{
	uint8_t mat[2 * SS_MAX_KEY];

	memcpy(mat, psk, m->key_len);
	memcpy(mat + m->key_len, salt, m->key_len);
	rb_blake3_derive_key(SS2022_SUBKEY_CTX, sizeof(SS2022_SUBKEY_CTX) - 1, mat,
			     2 * (size_t)m->key_len, subkey, m->key_len);
	OPENSSL_cleanse(mat, sizeof(mat));
}

int ss2022_dir_init(struct ss2022_dir *d, const struct ss_method *m, const uint8_t *psk,
		    const uint8_t *salt)
{
	uint8_t sub[SS_MAX_KEY];
	int rc;

	memset(d, 0, sizeof(*d));
	d->m = m;
	ss2022_subkey(m, psk, salt, sub);
	rc = rb_aead_key_init(&d->key, (enum rb_aead_alg)m->alg, sub, m->key_len);
	OPENSSL_cleanse(sub, sizeof(sub));
	return rc;
}

static void nonce_next(struct ss2022_dir *d)
{
	for (int i = 0; i < 12; i++)
		if (++d->nonce[i])
			break;
}

/* Seal buf[0..len) in place, tag after it; returns len + 16 or < 0. */
static long seal(struct rb_aead_ctx *ctx, struct ss2022_dir *d, uint8_t *buf, size_t len)
{
	int rc = rb_aead_seal(ctx, &d->key, d->nonce, NULL, 0, buf, buf, (uint32_t)len, buf + len);

	nonce_next(d);
	return rc == RB_AEAD_OK ? (long)(len + SS_TAG_LEN) : SS_ERR_INTERNAL;
}

static int open_(struct rb_aead_ctx *ctx, struct ss2022_dir *d, uint8_t *buf, size_t len)
{
	int rc = rb_aead_open(ctx, &d->key, d->nonce, NULL, 0, buf, buf, (uint32_t)len, buf + len);

	nonce_next(d);
	return rc == RB_AEAD_OK ? 0 : rc == RB_AEAD_EAUTH ? SS_ERR_AUTH : SS_ERR_INTERNAL;
}

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

long ss2022_req_build(struct rb_aead_ctx *ctx, struct ss2022_dir *d, const uint8_t *salt,
		      uint64_t now, const uint8_t *addr, size_t alen, const uint8_t *padding,
		      size_t plen, const uint8_t *payload, size_t len, uint8_t *out)
{
	size_t sl = d->m->key_len, vlen = alen + 2 + plen + len, off;
	uint8_t *f = out + sl, *v = f + SS2022_FIXED_REQ + SS_TAG_LEN;

	if (plen > SS2022_MAX_PADDING || (plen == 0 && len == 0) || vlen > SS2022_MAX_PAYLOAD)
		return SS2022_ERR_PADDING;
	memcpy(out, salt, sl);
	f[0] = SS2022_TYPE_REQUEST;
	put_be64(f + 1, now);
	f[9] = (uint8_t)(vlen >> 8);
	f[10] = (uint8_t)vlen;
	memcpy(v, addr, alen);
	off = alen;
	v[off++] = (uint8_t)(plen >> 8);
	v[off++] = (uint8_t)plen;
	if (plen)
		memcpy(v + off, padding, plen);
	off += plen;
	if (len)
		memcpy(v + off, payload, len);
	if (seal(ctx, d, f, SS2022_FIXED_REQ) < 0 || seal(ctx, d, v, vlen) < 0)
		return SS_ERR_INTERNAL;
	return (long)(sl + SS2022_FIXED_REQ + SS_TAG_LEN + vlen + SS_TAG_LEN);
}

int ss2022_req_parse(struct rb_aead_ctx *ctx, struct ss2022_dir *d, uint8_t *in, size_t len,
		     uint64_t now, struct ss2022_req *r)
{
	size_t vlen, plen;
	uint8_t *v = in + SS2022_FIXED_REQ + SS_TAG_LEN, fx[SS2022_FIXED_REQ], nonce0[12];
	int rc, alen;

	memset(r, 0, sizeof(*r));
	if (len < SS2022_FIXED_REQ + SS_TAG_LEN)
		return SS2022_ERR_SHORT;
	/* open the fixed header into a copy: a short input leaves in and the
	 * nonce untouched, so the caller retries with more bytes */
	memcpy(nonce0, d->nonce, 12);
	rc = rb_aead_open(ctx, &d->key, d->nonce, NULL, 0, in, fx, SS2022_FIXED_REQ,
			  in + SS2022_FIXED_REQ);
	if (rc != RB_AEAD_OK)
		return rc == RB_AEAD_EAUTH ? SS_ERR_AUTH : SS_ERR_INTERNAL;
	vlen = (size_t)fx[9] << 8 | fx[10];
	if (len < SS2022_FIXED_REQ + SS_TAG_LEN + vlen + SS_TAG_LEN)
		return SS2022_ERR_SHORT;
	nonce_next(d);
	if (fx[0] != SS2022_TYPE_REQUEST)
		return SS2022_ERR_TYPE;
	r->timestamp = get_be64(fx + 1);
	if (!time_ok(r->timestamp, now))
		return SS2022_ERR_TIME;
	if (vlen == 0)
		return SS2022_ERR_ADDR;
	rc = open_(ctx, d, v, vlen);
	if (rc != 0)
		return rc;
	alen = ss_addr_parse(v, vlen, &r->family, r->addr, r->host, sizeof(r->host), &r->port);
	if (alen <= 0 || (size_t)alen + 2 > vlen)
		return SS2022_ERR_ADDR;
	plen = (size_t)v[alen] << 8 | v[alen + 1];
	if (plen > SS2022_MAX_PADDING || (size_t)alen + 2 + plen > vlen)
		return SS2022_ERR_PADDING;
	r->payload = v + alen + 2 + plen;
	r->payload_len = vlen - (size_t)alen - 2 - plen;
	if (plen == 0 && r->payload_len == 0)
		return SS2022_ERR_PADDING;
	r->used = SS2022_FIXED_REQ + SS_TAG_LEN + vlen + SS_TAG_LEN;
	return 0;
}

long ss2022_resp_build(struct rb_aead_ctx *ctx, struct ss2022_dir *d, const uint8_t *salt,
		       uint64_t now, const uint8_t *req_salt, const uint8_t *payload, size_t len,
		       uint8_t *out)
{
	size_t sl = d->m->key_len, flen = 1 + 8 + sl + 2;
	uint8_t *f = out + sl, *v = f + flen + SS_TAG_LEN;

	if (len == 0 || len > SS2022_MAX_PAYLOAD)
		return SS_ERR_LEN;
	memcpy(out, salt, sl);
	f[0] = SS2022_TYPE_RESPONSE;
	put_be64(f + 1, now);
	memcpy(f + 9, req_salt, sl);
	f[9 + sl] = (uint8_t)(len >> 8);
	f[10 + sl] = (uint8_t)len;
	memcpy(v, payload, len);
	if (seal(ctx, d, f, flen) < 0 || seal(ctx, d, v, len) < 0)
		return SS_ERR_INTERNAL;
	return (long)(sl + flen + SS_TAG_LEN + len + SS_TAG_LEN);
}

int ss2022_resp_parse(struct rb_aead_ctx *ctx, struct ss2022_dir *d, uint8_t *in, size_t len,
		      uint64_t now, const uint8_t *req_salt, const uint8_t **payload, size_t *plen,
		      size_t *used)
{
	size_t sl = d->m->key_len, flen = 1 + 8 + sl + 2, n;
	uint8_t fx[1 + 8 + SS_MAX_SALT + 2];
	int rc;

	if (len < flen + SS_TAG_LEN)
		return SS2022_ERR_SHORT;
	rc = rb_aead_open(ctx, &d->key, d->nonce, NULL, 0, in, fx, (uint32_t)flen, in + flen);
	if (rc != RB_AEAD_OK)
		return rc == RB_AEAD_EAUTH ? SS_ERR_AUTH : SS_ERR_INTERNAL;
	if (fx[0] != SS2022_TYPE_RESPONSE)
		return SS2022_ERR_TYPE;
	if (!time_ok(get_be64(fx + 1), now))
		return SS2022_ERR_TIME;
	if (CRYPTO_memcmp(fx + 9, req_salt, sl) != 0)
		return SS2022_ERR_SALT;
	n = (size_t)fx[9 + sl] << 8 | fx[10 + sl];
	if (n == 0)
		return SS_ERR_LEN;
	if (len < flen + SS_TAG_LEN + n + SS_TAG_LEN)
		return SS2022_ERR_SHORT;
	nonce_next(d);
	rc = open_(ctx, d, in + flen + SS_TAG_LEN, n);
	if (rc != 0)
		return rc;
	*payload = in + flen + SS_TAG_LEN;
	*plen = n;
	*used = flen + SS_TAG_LEN + n + SS_TAG_LEN;
	return 0;
}
