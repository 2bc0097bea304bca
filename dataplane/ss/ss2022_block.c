/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * AES single-block helper for SIP022/SIP023: see ss2022_block.h.
 */
#include <openssl/evp.h>
#include <pthread.h>
#include <string.h>

#include "ss2022_block.h"

static EVP_CIPHER *ecb128, *ecb256;
static pthread_once_t ecb_once = PTHREAD_ONCE_INIT;

static void ecb_init(void)
{
	ecb128 = EVP_CIPHER_fetch(NULL, "AES-128-ECB", NULL);
	ecb256 = EVP_CIPHER_fetch(NULL, "AES-256-ECB", NULL);
}

static EVP_CIPHER_CTX *ctx_new(const uint8_t *key, size_t key_len, int enc)
{
	EVP_CIPHER_CTX *c;
	const EVP_CIPHER *ci;

	pthread_once(&ecb_once, ecb_init);
	ci = key_len == 16 ? ecb128 : key_len == 32 ? ecb256 : NULL;
	if (ci == NULL || (c = EVP_CIPHER_CTX_new()) == NULL)
		return NULL;
	if (EVP_CipherInit_ex(c, ci, NULL, key, NULL, enc) != 1 ||
	    EVP_CIPHER_CTX_set_padding(c, 0) != 1) {
		EVP_CIPHER_CTX_free(c);
		return NULL;
	}
	return c;
}

int ss22_block_init(struct ss22_block *b, const uint8_t *key, size_t key_len)
{
	b->enc = ctx_new(key, key_len, 1);
	b->dec = ctx_new(key, key_len, 0);
	if (b->enc == NULL || b->dec == NULL) {
		ss22_block_free(b);
		return -1;
	}
	return 0;
}

void ss22_block_free(struct ss22_block *b)
{
	EVP_CIPHER_CTX_free(b->enc); /* frees (and cleanses) the key schedule */
	EVP_CIPHER_CTX_free(b->dec);
	b->enc = b->dec = NULL;
}

static int run(void *c, const uint8_t in[16], uint8_t out[16])
{
	uint8_t tmp[16];
	int n = 0;

	if (c == NULL || EVP_CipherUpdate(c, tmp, &n, in, 16) != 1 || n != 16)
		return -1;
	memcpy(out, tmp, 16);
	return 0;
}

int ss22_block_encrypt(const struct ss22_block *b, const uint8_t in[16], uint8_t out[16])
{
	return run(b->enc, in, out);
}

int ss22_block_decrypt(const struct ss22_block *b, const uint8_t in[16], uint8_t out[16])
{
	return run(b->dec, in, out);
}

int ss22_block_once(const uint8_t *key, size_t key_len, int encrypt, const uint8_t in[16],
		    uint8_t out[16])
{
	EVP_CIPHER_CTX *c = ctx_new(key, key_len, encrypt);
	int rc = run(c, in, out);

	EVP_CIPHER_CTX_free(c);
	return rc;
}
