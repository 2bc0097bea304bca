/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Hashes over OpenSSL 3 EVP (digests fetched once); HMAC and HKDF built on
 * them (the tests cross-check HKDF against OpenSSL's EVP_KDF).
 *  - MD5 (RFC 1321), SHA-1/224/256/384/512 (FIPS 180-4)
 *  - HMAC (RFC 2104), HKDF (RFC 5869), EVP_BytesToKey-MD5 (Shadowsocks
 *    password -> master key).
 * All functions return 0 on success and -1 on bad arguments or a library
 * error; outputs are left zeroed on error.  Thread-safe.
 */
#ifndef RB_HASH_H
#define RB_HASH_H

#include <stddef.h>
#include <stdint.h>

enum rb_hash_alg {
	RB_HASH_MD5 = 0,
	RB_HASH_SHA1,
	RB_HASH_SHA224,
	RB_HASH_SHA256,
	RB_HASH_SHA384,
	RB_HASH_SHA512,
	RB_HASH_ALG_COUNT
};

#define RB_HASH_MAX_LEN 64

size_t rb_hash_len(enum rb_hash_alg alg);  /* 0 for an unknown alg */
const char *rb_hash_name(enum rb_hash_alg alg);

int rb_hash(enum rb_hash_alg alg, const void *data, size_t len, uint8_t *out);

/* Incremental hashing; final() releases the context, free() drops it unused. */
struct rb_hash_ctx {
	void *md;  /* EVP_MD_CTX */
	uint8_t alg;
};
int rb_hash_init(struct rb_hash_ctx *c, enum rb_hash_alg alg);
int rb_hash_update(struct rb_hash_ctx *c, const void *data, size_t len);
int rb_hash_final(struct rb_hash_ctx *c, uint8_t *out);
void rb_hash_free(struct rb_hash_ctx *c);

/* out receives rb_hash_len(alg) bytes. */
int rb_hmac(enum rb_hash_alg alg, const uint8_t *key, size_t key_len, const void *data,
	    size_t len, uint8_t *out);

/* RFC 5869.  salt may be NULL/0 (= HashLen zero bytes), info may be NULL/0.
 * out_len <= 255 * HashLen. */
int rb_hkdf(enum rb_hash_alg alg, const uint8_t *salt, size_t salt_len, const uint8_t *ikm,
	    size_t ikm_len, const uint8_t *info, size_t info_len, uint8_t *out, size_t out_len);
/* RFC 5869 2.2; prk receives rb_hash_len(alg) bytes. */
int rb_hkdf_extract(enum rb_hash_alg alg, const uint8_t *salt, size_t salt_len,
		    const uint8_t *ikm, size_t ikm_len, uint8_t *prk);
/* RFC 5869 2.3. */
int rb_hkdf_expand(enum rb_hash_alg alg, const uint8_t *prk, size_t prk_len, const uint8_t *info,
		   size_t info_len, uint8_t *out, size_t out_len);

/* OpenSSL EVP_BytesToKey(MD5, no salt, 1 round) as Shadowsocks uses it to turn
 * a password into a master key: D_i = MD5(D_{i-1} || password). */
int rb_bytes_to_key_md5(const void *password, size_t pw_len, uint8_t *key, size_t key_len);

#endif
