/* SPDX-License-Identifier: BSD-3-Clause */
/* MD5/SHA via OpenSSL 3 EVP (digests fetched once); HMAC and HKDF on top. */
#include <pthread.h>
#include <string.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "rb_hash.h"

static const struct {
	const char *name;   /* OpenSSL name */
	uint8_t len;
} hash_tab[RB_HASH_ALG_COUNT] = {
	[RB_HASH_MD5] = {"MD5", 16},       [RB_HASH_SHA1] = {"SHA1", 20},
	[RB_HASH_SHA224] = {"SHA224", 28}, [RB_HASH_SHA256] = {"SHA256", 32},
	[RB_HASH_SHA384] = {"SHA384", 48}, [RB_HASH_SHA512] = {"SHA512", 64},
};

static pthread_once_t hash_once = PTHREAD_ONCE_INIT;
static EVP_MD *mds[RB_HASH_ALG_COUNT];

static void hash_global_init(void)
{
	for (int i = 0; i < RB_HASH_ALG_COUNT; i++)
		mds[i] = EVP_MD_fetch(NULL, hash_tab[i].name, NULL);
}

static const EVP_MD *get_md(enum rb_hash_alg alg)
{
	if ((unsigned)alg >= RB_HASH_ALG_COUNT)
		return NULL;
	pthread_once(&hash_once, hash_global_init);
	return mds[alg];
}

size_t rb_hash_len(enum rb_hash_alg alg)
{
	return (unsigned)alg < RB_HASH_ALG_COUNT ? hash_tab[alg].len : 0;
}

const char *rb_hash_name(enum rb_hash_alg alg)
{
	return (unsigned)alg < RB_HASH_ALG_COUNT ? hash_tab[alg].name : "unknown";
}

int rb_hash(enum rb_hash_alg alg, const void *data, size_t len, uint8_t *out)
{
	const EVP_MD *md = get_md(alg);

	if (md == NULL || out == NULL || (data == NULL && len > 0))
		return -1;
	if (EVP_Digest(len > 0 ? data : "", len, out, NULL, md, NULL) != 1) {
		memset(out, 0, hash_tab[alg].len);
		return -1;
	}
	return 0;
}

int rb_hash_init(struct rb_hash_ctx *c, enum rb_hash_alg alg)
{
	const EVP_MD *md = get_md(alg);

	c->md = NULL;
	if (md == NULL)
		return -1;
	c->md = EVP_MD_CTX_new();
	if (c->md == NULL)
		return -1;
	if (EVP_DigestInit_ex2(c->md, md, NULL) != 1) {
		rb_hash_free(c);
		return -1;
	}
	c->alg = (uint8_t)alg;
	return 0;
}

int rb_hash_update(struct rb_hash_ctx *c, const void *data, size_t len)
{
	if (c->md == NULL || (data == NULL && len > 0))
		return -1;
	if (len == 0)
		return 0;
	return EVP_DigestUpdate(c->md, data, len) == 1 ? 0 : -1;
}

int rb_hash_final(struct rb_hash_ctx *c, uint8_t *out)
{
	int rc;

	if (c->md == NULL || out == NULL)
		return -1;
	rc = EVP_DigestFinal_ex(c->md, out, NULL) == 1 ? 0 : -1;
	if (rc != 0)
		memset(out, 0, hash_tab[c->alg].len);
	rb_hash_free(c);
	return rc;
}

void rb_hash_free(struct rb_hash_ctx *c)
{
	EVP_MD_CTX_free(c->md);
	c->md = NULL;
}

/*
 * HMAC (RFC 2104) straight on EVP_MD_CTX: the key's inner and outer pad
 * blocks are hashed once and the states copied per message, which HKDF-Expand
 * reuses for every output block.  Much cheaper than an EVP_MAC/EVP_KDF
 * context per call (Shadowsocks runs HKDF per UDP packet).
 */
struct hmac_key {
	const EVP_MD *md;
	EVP_MD_CTX *in, *out, *tmp;
	size_t hl;
};

static void hmac_free(struct hmac_key *h)
{
	EVP_MD_CTX_free(h->in); /* cleanses the pad states */
	EVP_MD_CTX_free(h->out);
	EVP_MD_CTX_free(h->tmp);
	h->in = h->out = h->tmp = NULL;
}

static int hmac_init(struct hmac_key *h, enum rb_hash_alg alg, const uint8_t *key, size_t klen)
{
	uint8_t k[128] = {0}, pad[128];
	size_t bl;
	int rc = -1;

	h->md = get_md(alg);
	h->in = h->out = h->tmp = NULL;
	if (h->md == NULL)
		return -1;
	h->hl = hash_tab[alg].len;
	bl = (size_t)EVP_MD_get_block_size(h->md);
	if (bl > sizeof(k) || bl < h->hl)
		return -1;
	h->in = EVP_MD_CTX_new();
	h->out = EVP_MD_CTX_new();
	h->tmp = EVP_MD_CTX_new();
	if (h->in == NULL || h->out == NULL || h->tmp == NULL)
		goto out;
	if (klen > bl) {
		if (EVP_Digest(key, klen, k, NULL, h->md, NULL) != 1)
			goto out;
	} else if (klen > 0) {
		memcpy(k, key, klen);
	}
	for (size_t i = 0; i < bl; i++)
		pad[i] = k[i] ^ 0x36;
	if (EVP_DigestInit_ex2(h->in, h->md, NULL) != 1 || EVP_DigestUpdate(h->in, pad, bl) != 1)
		goto out;
	for (size_t i = 0; i < bl; i++)
		pad[i] = k[i] ^ 0x5c;
	if (EVP_DigestInit_ex2(h->out, h->md, NULL) != 1 || EVP_DigestUpdate(h->out, pad, bl) != 1)
		goto out;
	rc = 0;
out:
	OPENSSL_cleanse(k, sizeof(k));
	OPENSSL_cleanse(pad, sizeof(pad));
	if (rc != 0)
		hmac_free(h);
	return rc;
}

/* out = HMAC(key, a || b || c); any part may be empty. */
static int hmac_run(struct hmac_key *h, const void *a, size_t al, const void *b, size_t bl,
		    const void *c, size_t cl, uint8_t *out)
{
	uint8_t ih[EVP_MAX_MD_SIZE];
	int ok;

	ok = EVP_MD_CTX_copy_ex(h->tmp, h->in) == 1 && (al == 0 || EVP_DigestUpdate(h->tmp, a, al) == 1) &&
	     (bl == 0 || EVP_DigestUpdate(h->tmp, b, bl) == 1) &&
	     (cl == 0 || EVP_DigestUpdate(h->tmp, c, cl) == 1) &&
	     EVP_DigestFinal_ex(h->tmp, ih, NULL) == 1 && EVP_MD_CTX_copy_ex(h->tmp, h->out) == 1 &&
	     EVP_DigestUpdate(h->tmp, ih, h->hl) == 1 && EVP_DigestFinal_ex(h->tmp, out, NULL) == 1;
	OPENSSL_cleanse(ih, sizeof(ih));
	return ok ? 0 : -1;
}

int rb_hmac(enum rb_hash_alg alg, const uint8_t *key, size_t key_len, const void *data,
	    size_t len, uint8_t *out)
{
	struct hmac_key h;
	int rc;

	if (out == NULL || (key == NULL && key_len > 0) || (data == NULL && len > 0) ||
	    hmac_init(&h, alg, key, key_len) != 0)
		return -1;
	rc = hmac_run(&h, data, len, NULL, 0, NULL, 0, out);
	if (rc != 0)
		memset(out, 0, h.hl);
	hmac_free(&h);
	return rc;
}

int rb_hkdf_extract(enum rb_hash_alg alg, const uint8_t *salt, size_t salt_len,
		    const uint8_t *ikm, size_t ikm_len, uint8_t *prk)
{
	static const uint8_t zeros[RB_HASH_MAX_LEN];

	if ((unsigned)alg >= RB_HASH_ALG_COUNT)
		return -1;
	/* RFC 5869 2.2: no salt = HashLen zero octets */
	if (salt == NULL || salt_len == 0) {
		if (salt == NULL && salt_len > 0)
			return -1;
		salt = zeros;
		salt_len = hash_tab[alg].len;
	}
	return rb_hmac(alg, salt, salt_len, ikm, ikm_len, prk);
}

int rb_hkdf_expand(enum rb_hash_alg alg, const uint8_t *prk, size_t prk_len, const uint8_t *info,
		   size_t info_len, uint8_t *out, size_t out_len)
{
	uint8_t t[RB_HASH_MAX_LEN];
	struct hmac_key h;
	size_t tl = 0, done = 0;
	int rc = 0;

	if (out == NULL || out_len == 0 || (info == NULL && info_len > 0) || prk == NULL ||
	    (unsigned)alg >= RB_HASH_ALG_COUNT || prk_len < hash_tab[alg].len ||
	    out_len > 255u * hash_tab[alg].len || hmac_init(&h, alg, prk, prk_len) != 0)
		return -1;
	/* RFC 5869 2.3: T(i) = HMAC(PRK, T(i-1) || info || i) */
	for (uint8_t i = 1; done < out_len; i++) {
		size_t n = out_len - done < h.hl ? out_len - done : h.hl;

		if (hmac_run(&h, t, tl, info, info_len, &i, 1, t) != 0) {
			rc = -1;
			break;
		}
		tl = h.hl;
		memcpy(out + done, t, n);
		done += n;
	}
	if (rc != 0)
		OPENSSL_cleanse(out, out_len);
	OPENSSL_cleanse(t, sizeof(t));
	hmac_free(&h);
	return rc;
}

int rb_hkdf(enum rb_hash_alg alg, const uint8_t *salt, size_t salt_len, const uint8_t *ikm,
	    size_t ikm_len, const uint8_t *info, size_t info_len, uint8_t *out, size_t out_len)
{
	uint8_t prk[RB_HASH_MAX_LEN];
	int rc;

	if (out == NULL || (unsigned)alg >= RB_HASH_ALG_COUNT || (ikm == NULL && ikm_len > 0))
		return -1;
	rc = rb_hkdf_extract(alg, salt, salt_len, ikm, ikm_len, prk);
	if (rc == 0)
		rc = rb_hkdf_expand(alg, prk, hash_tab[alg].len, info, info_len, out, out_len);
	else if (out_len > 0)
		OPENSSL_cleanse(out, out_len);
	OPENSSL_cleanse(prk, sizeof(prk));
	return rc;
}

int rb_bytes_to_key_md5(const void *password, size_t pw_len, uint8_t *key, size_t key_len)
{
	uint8_t d[16];
	size_t done = 0;
	int rc = -1;
	struct rb_hash_ctx c;

	if (key == NULL || (password == NULL && pw_len > 0))
		return -1;
	while (done < key_len) {
		size_t n = key_len - done < 16 ? key_len - done : 16;

		if (rb_hash_init(&c, RB_HASH_MD5) != 0)
			goto out;
		if ((done > 0 && rb_hash_update(&c, d, 16) != 0) ||
		    rb_hash_update(&c, password, pw_len) != 0) {
			rb_hash_free(&c);
			goto out;
		}
		if (rb_hash_final(&c, d) != 0)
			goto out;
		memcpy(key + done, d, n);
		done += n;
	}
	rc = 0;
out:
	if (rc != 0)
		OPENSSL_cleanse(key, key_len);
	OPENSSL_cleanse(d, sizeof(d));
	return rc;
}
