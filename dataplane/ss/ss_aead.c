/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Shadowsocks SIP004 AEAD stream codec: see ss_aead.h and ss_wire.h.
 */
#include <arpa/inet.h>
#include <openssl/crypto.h>
#include <stddef.h>
#include <string.h>
#include <sys/socket.h>

#include "../../crypto/rb_hash.h"
#include "ss_aead.h"

enum { ST_SALT = SS_ST_SALT, ST_LEN = SS_ST_LEN, ST_PAYLOAD = SS_ST_PAYLOAD };

static const struct ss_method methods[SS_M_COUNT] = {
    [SS_M_AES_128_GCM] = {"aes-128-gcm", RB_AEAD_AES_128_GCM, 16, 12, SS_MAX_PAYLOAD},
    [SS_M_AES_256_GCM] = {"aes-256-gcm", RB_AEAD_AES_256_GCM, 32, 12, SS_MAX_PAYLOAD},
    [SS_M_CHACHA20_IETF_POLY1305] = {"chacha20-ietf-poly1305", RB_AEAD_CHACHA20_POLY1305, 32, 12,
				     SS_MAX_PAYLOAD},
    [SS_M_XCHACHA20_IETF_POLY1305] = {"xchacha20-ietf-poly1305", RB_AEAD_XCHACHA20_POLY1305, 32,
				      24, SS_MAX_PAYLOAD},
};

const struct ss_method *ss_method_find(const char *name)
{
	for (int i = 0; i < SS_M_COUNT; i++)
		if (name && strcmp(name, methods[i].name) == 0)
			return &methods[i];
	return NULL;
}

const struct ss_method *ss_method_get(enum ss_method_id id)
{
	return (unsigned)id < SS_M_COUNT ? &methods[id] : NULL;
}

int ss_master_key(const struct ss_method *m, const char *password, uint8_t *key)
{
	return rb_bytes_to_key_md5(password, strlen(password), key, m->key_len);
}

int ss_subkey(const struct ss_method *m, const uint8_t *master, const uint8_t *salt,
	      uint8_t *subkey)
{
	return rb_hkdf(RB_HASH_SHA1, salt, m->key_len, master, m->key_len,
		       (const uint8_t *)SS_SUBKEY_INFO, sizeof(SS_SUBKEY_INFO) - 1, subkey,
		       m->key_len);
}

static int set_salt(struct ss_cipher *c, const uint8_t *salt)
{
	uint8_t sub[SS_MAX_KEY];
	int rc;

	memcpy(c->salt, salt, c->m->key_len);
	rc = ss_subkey(c->m, c->master, salt, sub);
	if (rc == 0)
		rc = rb_aead_key_init(&c->key, (enum rb_aead_alg)c->m->alg, sub, c->m->key_len);
	OPENSSL_cleanse(sub, sizeof(sub));
	if (rc != 0)
		return SS_ERR_INTERNAL;
	memset(c->nonce, 0, sizeof(c->nonce));
	c->keyed = 1;
	return SS_OK;
}

static void cipher_init(struct ss_cipher *c, const struct ss_method *m, const uint8_t *master)
{
	memset(c, 0, offsetof(struct ss_cipher, pend_buf));
	c->m = m;
	c->pend = c->pend_buf;
	if (master)
		memcpy(c->master, master, m->key_len);
}

int ss_enc_init(struct ss_cipher *c, const struct ss_method *m, const uint8_t *master,
		const uint8_t *salt)
{
	cipher_init(c, m, master);
	return set_salt(c, salt);
}

void ss_dec_init(struct ss_cipher *c, const struct ss_method *m, const uint8_t *master)
{
	cipher_init(c, m, master);
	c->st = ST_SALT;
}

void ss_cipher_wipe(struct ss_cipher *c)
{
	if (c->layer)
		c->layer->ops->destroy(c->layer);
	if (c->pend && c->pend != c->pend_buf)
		OPENSSL_cleanse(c->pend, (size_t)c->m->max_payload + SS_TAG_LEN);
	OPENSSL_cleanse(c, sizeof(*c));
}

int ss_cipher_init_keyed(struct ss_cipher *c, const struct ss_method *m, const uint8_t *subkey,
			 uint64_t nonce, uint8_t *pend)
{
	cipher_init(c, m, NULL);
	if (pend)
		c->pend = pend;
	else if (m->max_payload > SS_MAX_PAYLOAD)
		c->pend = NULL; /* an encoder: ss_dec refuses it */
	if (rb_aead_key_init(&c->key, (enum rb_aead_alg)m->alg, subkey, m->key_len) != 0)
		return SS_ERR_INTERNAL;
	for (unsigned i = 0; i < 8; i++, nonce >>= 8)
		c->nonce[i] = (uint8_t)nonce;
	c->keyed = 1;
	c->salt_sent = 1;
	c->st = ST_LEN;
	return SS_OK;
}

/* The next nonce into slot, then increment (little endian, SIP004). */
static const uint8_t *nonce_take(struct ss_cipher *c, unsigned slot)
{
	memcpy(c->nonces[slot], c->nonce, c->m->nonce_len);
	for (unsigned i = 0; i < c->m->nonce_len; i++)
		if (++c->nonce[i] != 0)
			break;
	return c->nonces[slot];
}

void ss_nonce_take(struct ss_cipher *c, uint8_t *out)
{
	memcpy(out, nonce_take(c, RB_AEAD_BATCH_MAX - 1), c->m->nonce_len);
}

size_t ss_enc_size(const struct ss_cipher *c, size_t len)
{
	size_t n;

	if (c->layer)
		return c->layer->ops->enc_size(c->layer, len);
	n = (len + c->m->max_payload - 1) / c->m->max_payload;
	if (len == 0)
		return 0;
	return (c->salt_sent ? 0 : c->m->key_len) + n * SS_CHUNK_OVERHEAD + len;
}

static int run_batch(struct rb_aead_ctx *ctx, struct ss_cipher *c)
{
	unsigned bad;

	if (c->batch.n == 0)
		return SS_OK;
	bad = rb_aead_batch_run(ctx, &c->batch);
	if (bad) {
		for (unsigned i = 0; i < c->batch.n; i++)
			if (c->batch.op[i].status == RB_AEAD_EAUTH) {
				rb_aead_batch_reset(&c->batch);
				return SS_ERR_AUTH;
			}
		rb_aead_batch_reset(&c->batch);
		return SS_ERR_INTERNAL;
	}
	rb_aead_batch_reset(&c->batch);
	return SS_OK;
}

long ss_enc(struct rb_aead_ctx *ctx, struct ss_cipher *c, const uint8_t *in, size_t len,
	    uint8_t *out)
{
	size_t off = 0, total;
	int rc;

	if (c->layer)
		return c->layer->ops->enc(ctx, c->layer, in, len, out);
	total = ss_enc_size(c, len);
	if (len == 0)
		return 0;
	rb_aead_batch_reset(&c->batch);
	if (!c->salt_sent) {
		memcpy(out, c->salt, c->m->key_len);
		off = c->m->key_len;
		c->salt_sent = 1;
	}
	while (len) {
		uint32_t n = len > c->m->max_payload ? c->m->max_payload : (uint32_t)len;
		unsigned slot = c->batch.n;
		uint8_t *h = out + off;

		if (slot + 2 > RB_AEAD_BATCH_MAX) {
			rc = run_batch(ctx, c);
			if (rc != SS_OK)
				return rc;
			slot = 0;
		}
		h[0] = (uint8_t)(n >> 8);
		h[1] = (uint8_t)n;
		rb_aead_batch_add_seal(&c->batch, &c->key, nonce_take(c, slot), NULL, 0, h, h,
				       SS_LEN_LEN, h + SS_LEN_LEN, NULL);
		rb_aead_batch_add_seal(&c->batch, &c->key, nonce_take(c, slot + 1), NULL, 0, in,
				       h + SS_LEN_LEN + SS_TAG_LEN, n,
				       h + SS_LEN_LEN + SS_TAG_LEN + n, NULL);
		off += SS_CHUNK_OVERHEAD + n;
		in += n;
		len -= n;
		c->chunks++;
	}
	rc = run_batch(ctx, c);
	return rc == SS_OK ? (long)total : rc;
}

static int dec_fail(struct ss_cipher *c, int err)
{
	c->failed = 1;
	rb_aead_batch_reset(&c->batch);
	return err;
}

/* One complete unit at src (salt, length, or payload + tag). */
static int dec_unit(struct rb_aead_ctx *ctx, struct ss_cipher *c, const uint8_t *src, uint8_t *out,
		    size_t *produced)
{
	uint8_t lb[SS_LEN_LEN];
	int rc;

	switch (c->st) {
	case ST_SALT:
		rc = set_salt(c, src);
		if (rc != SS_OK)
			return rc;
		c->st = ST_LEN;
		return SS_OK;
	case ST_LEN:
		rc = rb_aead_open(ctx, &c->key, nonce_take(c, RB_AEAD_BATCH_MAX - 1), NULL, 0, src,
				  lb, SS_LEN_LEN, src + SS_LEN_LEN);
		if (rc != RB_AEAD_OK)
			return rc == RB_AEAD_EAUTH ? SS_ERR_AUTH : SS_ERR_INTERNAL;
		c->plen = (uint16_t)((lb[0] << 8) | lb[1]);
		if (c->plen == 0 || c->plen > c->m->max_payload)
			return SS_ERR_LEN;
		c->st = ST_PAYLOAD;
		return SS_OK;
	default:
		if (c->batch.n == RB_AEAD_BATCH_MAX - 1) {
			/* the last slot's nonce belongs to length opens */
			rc = run_batch(ctx, c);
			if (rc != SS_OK)
				return rc;
		}
		rb_aead_batch_add_open(&c->batch, &c->key, nonce_take(c, c->batch.n), NULL, 0, src,
				       out + *produced, c->plen, src + c->plen, NULL);
		*produced += c->plen;
		c->chunks++;
		c->st = ST_LEN;
		return SS_OK;
	}
}

int ss_dec(struct rb_aead_ctx *ctx, struct ss_cipher *c, const uint8_t *in, size_t len,
	   size_t *used, uint8_t *out, size_t outcap, size_t *produced)
{
	size_t u = 0;
	int rc = SS_OK;

	if (c->layer)
		return c->layer->ops->dec(ctx, c->layer, in, len, used, out, outcap, produced);
	*used = 0;
	*produced = 0;
	if (c->failed)
		return SS_ERR_AUTH;
	if (c->pend == NULL)
		return SS_ERR_INTERNAL;
	rb_aead_batch_reset(&c->batch);
	for (;;) {
		size_t need = c->st == ST_SALT	? c->m->key_len
			      : c->st == ST_LEN ? (size_t)SS_LEN_LEN + SS_TAG_LEN
						: (size_t)c->plen + SS_TAG_LEN;
		const uint8_t *src;

		if (c->st == ST_PAYLOAD && *produced + c->plen > outcap)
			break;
		if (c->pend_len || len - u < need) {
			size_t take = need - c->pend_len;

			if (take > len - u)
				take = len - u;
			if (take == 0)
				break;
			/* queued opens may read pend: run them before it changes */
			rc = run_batch(ctx, c);
			if (rc != SS_OK)
				return dec_fail(c, rc);
			memcpy(c->pend + c->pend_len, in + u, take);
			c->pend_len += (uint32_t)take;
			u += take;
			if (c->pend_len < need)
				break;
			src = c->pend;
			c->pend_len = 0;
		} else {
			src = in + u;
			u += need;
		}
		rc = dec_unit(ctx, c, src, out, produced);
		if (rc != SS_OK)
			return dec_fail(c, rc);
	}
	rc = run_batch(ctx, c);
	if (rc != SS_OK)
		return dec_fail(c, rc);
	*used = u;
	return SS_OK;
}

/* ------------------------------------------------------------ addresses */

int ss_addr_parse(const uint8_t *b, size_t len, int *family, uint8_t addr[16], char *host,
		  size_t hostcap, uint16_t *port)
{
	size_t n;

	if (len < 1)
		return 0;
	memset(addr, 0, 16);
	switch (b[0]) {
	case SS_ATYP_IPV4:
		n = 1 + 4;
		if (len < n + 2)
			return 0;
		*family = AF_INET;
		memcpy(addr, b + 1, 4);
		inet_ntop(AF_INET, addr, host, (socklen_t)hostcap);
		break;
	case SS_ATYP_IPV6:
		n = 1 + 16;
		if (len < n + 2)
			return 0;
		*family = AF_INET6;
		memcpy(addr, b + 1, 16);
		inet_ntop(AF_INET6, addr, host, (socklen_t)hostcap);
		break;
	case SS_ATYP_DOMAIN:
		if (len < 2)
			return 0;
		if (b[1] == 0 || (size_t)b[1] + 1 > hostcap)
			return -1;
		n = 2 + (size_t)b[1];
		if (len < n + 2)
			return 0;
		for (size_t i = 2; i < n; i++)
			if (b[i] == 0)
				return -1;
		*family = 0;
		memcpy(host, b + 2, b[1]);
		host[b[1]] = '\0';
		break;
	default:
		return -1;
	}
	*port = (uint16_t)((b[n] << 8) | b[n + 1]);
	return (int)(n + 2);
}

int ss_addr_write(uint8_t *out, int family, const uint8_t addr[16], const char *host, uint16_t port)
{
	size_t n;

	if (family == AF_INET) {
		out[0] = SS_ATYP_IPV4;
		memcpy(out + 1, addr, 4);
		n = 5;
	} else if (family == AF_INET6) {
		out[0] = SS_ATYP_IPV6;
		memcpy(out + 1, addr, 16);
		n = 17;
	} else {
		size_t hl = host ? strlen(host) : 0;

		if (hl == 0 || hl > 255)
			return -1;
		out[0] = SS_ATYP_DOMAIN;
		out[1] = (uint8_t)hl;
		memcpy(out + 2, host, hl);
		n = 2 + hl;
	}
	out[n] = (uint8_t)(port >> 8);
	out[n + 1] = (uint8_t)port;
	return (int)(n + 2);
}
