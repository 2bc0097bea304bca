/* SPDX-License-Identifier: BSD-3-Clause */
/* OpenSSL EVP AEAD backend: the fallback and the cross-check reference. */
#include <string.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "aead_priv.h"

/* Fetched once: the implicit fetch of EVP_aes_128_gcm() on every init is slow. */
static EVP_CIPHER *evp_ciphers[RB_AEAD_ALG_COUNT];

int aead_evp_global_init(void)
{
	static const char *const names[RB_AEAD_ALG_COUNT] = {
		[RB_AEAD_AES_128_GCM] = "AES-128-GCM",
		[RB_AEAD_AES_192_GCM] = "AES-192-GCM",
		[RB_AEAD_AES_256_GCM] = "AES-256-GCM",
		[RB_AEAD_CHACHA20_POLY1305] = "ChaCha20-Poly1305",
		[RB_AEAD_XCHACHA20_POLY1305] = "ChaCha20-Poly1305",
	};
	int rc = 0;

	for (int i = 0; i < RB_AEAD_ALG_COUNT; i++) {
		evp_ciphers[i] = EVP_CIPHER_fetch(NULL, names[i], NULL);
		if (evp_ciphers[i] == NULL)
			rc = -1;
	}
	return rc;
}

int aead_evp_ctx_init(struct rb_aead_ctx *ctx)
{
	ctx->evp = EVP_CIPHER_CTX_new();
	return ctx->evp != NULL ? 0 : -1;
}

void aead_evp_ctx_fini(struct rb_aead_ctx *ctx)
{
	EVP_CIPHER_CTX_free(ctx->evp); /* cleanses key material */
	ctx->evp = NULL;
}

/* dummy target for zero-length buffers */
static uint8_t evp_dummy[16];

void aead_evp_op(struct rb_aead_ctx *ctx, struct rb_aead_op *op)
{
	EVP_CIPHER_CTX *c = ctx->evp;
	const EVP_CIPHER *cipher = evp_ciphers[op->key->alg];
	int enc = !op->open, outl;

	if (cipher == NULL) {
		op->status = RB_AEAD_EBACKEND;
		return;
	}
	if (EVP_CipherInit_ex2(c, cipher, aead_op_key(op), aead_op_nonce(op), enc, NULL) != 1)
		goto err;
	if (op->aad_len > 0 && EVP_CipherUpdate(c, NULL, &outl, op->aad, (int)op->aad_len) != 1)
		goto err;
	if (op->len > 0 && EVP_CipherUpdate(c, op->dst, &outl, op->src, (int)op->len) != 1)
		goto err;
	if (op->open) {
		if (EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_SET_TAG, RB_AEAD_TAG_LEN, op->tag) != 1)
			goto err;
		if (EVP_CipherFinal_ex(c, evp_dummy, &outl) != 1) {
			op->status = RB_AEAD_EAUTH;
			return;
		}
	} else {
		if (EVP_CipherFinal_ex(c, evp_dummy, &outl) != 1 ||
		    EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_GET_TAG, RB_AEAD_TAG_LEN, op->tag) != 1)
			goto err;
	}
	op->status = RB_AEAD_OK;
	return;
err:
	op->status = RB_AEAD_EBACKEND;
}

void aead_evp_run(struct rb_aead_ctx *ctx, struct rb_aead_op *ops, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		if (ops[i].status == RB_AEAD_PENDING)
			aead_evp_op(ctx, &ops[i]);
	}
}

/* ---- streams: one EVP_CipherInit_ex2, then EVP_CipherUpdate per piece ---- */

int aead_evp_stream_begin(struct rb_aead_stream *s, const uint8_t *key, const uint8_t *nonce,
			  const uint8_t *aad, uint32_t aad_len)
{
	EVP_CIPHER_CTX *c = s->ctx->evp;
	const EVP_CIPHER *cipher = evp_ciphers[s->key->alg];
	int outl;

	if (cipher == NULL || EVP_CipherInit_ex2(c, cipher, key, nonce, !s->open, NULL) != 1)
		return -1;
	if (aad_len > 0 && EVP_CipherUpdate(c, NULL, &outl, aad, (int)aad_len) != 1)
		return -1;
	return 0;
}

int aead_evp_stream_update(struct rb_aead_stream *s, const uint8_t *src, uint8_t *dst,
			   uint32_t len)
{
	int outl;

	/* GCM and ChaCha20-Poly1305 are stream modes: outl == len */
	return EVP_CipherUpdate(s->ctx->evp, dst, &outl, src, (int)len) == 1 && (uint32_t)outl == len
		       ? 0
		       : -1;
}

int aead_evp_stream_final(struct rb_aead_stream *s, uint8_t tag[RB_AEAD_TAG_LEN])
{
	EVP_CIPHER_CTX *c = s->ctx->evp;
	int outl;

	if (s->open) {
		if (EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_SET_TAG, RB_AEAD_TAG_LEN, tag) != 1)
			return RB_AEAD_EBACKEND;
		return EVP_CipherFinal_ex(c, evp_dummy, &outl) == 1 ? RB_AEAD_OK : RB_AEAD_EAUTH;
	}
	if (EVP_CipherFinal_ex(c, evp_dummy, &outl) != 1 ||
	    EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_GET_TAG, RB_AEAD_TAG_LEN, tag) != 1)
		return RB_AEAD_EBACKEND;
	return RB_AEAD_OK;
}
