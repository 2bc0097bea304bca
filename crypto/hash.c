/* SPDX-License-Identifier: BSD-3-Clause */
/* MD5/SHA, HMAC, HKDF via OpenSSL 3 EVP; algorithm objects are fetched once. */
#include <pthread.h>
#include <string.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/params.h>

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
static EVP_MAC *hmac;
static EVP_KDF *hkdf;

static void hash_global_init(void)
{
	for (int i = 0; i < RB_HASH_ALG_COUNT; i++)
		mds[i] = EVP_MD_fetch(NULL, hash_tab[i].name, NULL);
	hmac = EVP_MAC_fetch(NULL, "HMAC", NULL);
	hkdf = EVP_KDF_fetch(NULL, "HKDF", NULL);
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

int rb_hmac(enum rb_hash_alg alg, const uint8_t *key, size_t key_len, const void *data,
	    size_t len, uint8_t *out)
{
	static const uint8_t empty[1];
	size_t outl = 0;

	if (get_md(alg) == NULL || hmac == NULL || out == NULL || (key == NULL && key_len > 0) ||
	    (data == NULL && len > 0))
		return -1;
	if (EVP_Q_mac(NULL, "HMAC", NULL, hash_tab[alg].name, NULL, key_len ? key : empty,
		      key_len, len ? data : empty, len, out, hash_tab[alg].len, &outl) == NULL ||
	    outl != hash_tab[alg].len) {
		memset(out, 0, hash_tab[alg].len);
		return -1;
	}
	return 0;
}

static int hkdf_run(enum rb_hash_alg alg, int mode, const uint8_t *salt, size_t salt_len,
		    const uint8_t *key, size_t key_len, const uint8_t *info, size_t info_len,
		    uint8_t *out, size_t out_len)
{
	OSSL_PARAM p[6], *q = p;
	EVP_KDF_CTX *kc;
	int rc = -1;

	if (get_md(alg) == NULL || hkdf == NULL || out == NULL || out_len == 0 ||
	    (key == NULL && key_len > 0) || (salt == NULL && salt_len > 0) ||
	    (info == NULL && info_len > 0))
		return -1;
	if (mode != EVP_KDF_HKDF_MODE_EXTRACT_ONLY && out_len > 255u * hash_tab[alg].len)
		return -1;
	kc = EVP_KDF_CTX_new(hkdf);
	if (kc == NULL)
		return -1;
	*q++ = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST,
						(char *)(uintptr_t)hash_tab[alg].name, 0);
	*q++ = OSSL_PARAM_construct_int(OSSL_KDF_PARAM_MODE, &mode);
	*q++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, (void *)(uintptr_t)key,
						 key_len);
	if (salt_len > 0)
		*q++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT,
							 (void *)(uintptr_t)salt, salt_len);
	if (info_len > 0)
		*q++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO,
							 (void *)(uintptr_t)info, info_len);
	*q = OSSL_PARAM_construct_end();
	if (EVP_KDF_derive(kc, out, out_len, p) == 1)
		rc = 0;
	else
		OPENSSL_cleanse(out, out_len);
	EVP_KDF_CTX_free(kc);
	return rc;
}

int rb_hkdf(enum rb_hash_alg alg, const uint8_t *salt, size_t salt_len, const uint8_t *ikm,
	    size_t ikm_len, const uint8_t *info, size_t info_len, uint8_t *out, size_t out_len)
{
	return hkdf_run(alg, EVP_KDF_HKDF_MODE_EXTRACT_AND_EXPAND, salt, salt_len, ikm, ikm_len,
			info, info_len, out, out_len);
}

int rb_hkdf_extract(enum rb_hash_alg alg, const uint8_t *salt, size_t salt_len,
		    const uint8_t *ikm, size_t ikm_len, uint8_t *prk)
{
	return hkdf_run(alg, EVP_KDF_HKDF_MODE_EXTRACT_ONLY, salt, salt_len, ikm, ikm_len, NULL,
			0, prk, rb_hash_len(alg));
}

int rb_hkdf_expand(enum rb_hash_alg alg, const uint8_t *prk, size_t prk_len, const uint8_t *info,
		   size_t info_len, uint8_t *out, size_t out_len)
{
	if (prk == NULL || prk_len < rb_hash_len(alg))
		return -1;
	return hkdf_run(alg, EVP_KDF_HKDF_MODE_EXPAND_ONLY, NULL, 0, prk, prk_len, info,
			info_len, out, out_len);
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
