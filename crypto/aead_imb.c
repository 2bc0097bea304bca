/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * intel-ipsec-mb backend (job API, library 1.3).  One IMB_MGR per context,
 * i.e. per lcore.  Jobs are filled straight from the ops: no allocation and
 * no EVP call on this path.  ipsec-mb computes the tag on decrypt but does
 * not check it, so open writes the tag into op->priv_tag and compares it in
 * constant time.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/crypto.h>
#define NO_COMPAT_IMB_API_053
#include <intel-ipsec-mb.h>

#include "aead_priv.h"

_Static_assert(sizeof(struct gcm_key_data) == RB_AEAD_GCM_KEY_DATA_SIZE,
	       "RB_AEAD_GCM_KEY_DATA_SIZE does not match ipsec-mb");
_Static_assert(_Alignof(struct gcm_key_data) <= 64, "gcm_key_data alignment");

static IMB_MGR *key_mgr;   /* key expansion only (stateless function pointers) */
static IMB_ARCH imb_arch;
static char imb_name[64];

static const char *arch_name(IMB_ARCH a)
{
	switch (a) {
	case IMB_ARCH_NOAESNI:
		return "no-aesni";
	case IMB_ARCH_SSE:
		return "sse";
	case IMB_ARCH_AVX:
		return "avx";
	case IMB_ARCH_AVX2:
		return "avx2";
	case IMB_ARCH_AVX512:
		return "avx512";
	default:
		return "none";
	}
}

int aead_imb_global_init(void)
{
	IMB_MGR *m = alloc_mb_mgr(0);

	if (m == NULL)
		return -1;
	init_mb_mgr_auto(m, &imb_arch);
	/* Without AES-NI ipsec-mb emulates AES; OpenSSL is the better choice. */
	if (imb_get_errno(m) != 0 || imb_arch == IMB_ARCH_NONE || imb_arch == IMB_ARCH_NOAESNI) {
		free_mb_mgr(m);
		return -1;
	}
	key_mgr = m;
	snprintf(imb_name, sizeof(imb_name), "intel-ipsec-mb %s (%s)", imb_get_version_str(),
		 arch_name(imb_arch));
	return 0;
}

const char *aead_imb_name(void)
{
	return imb_name;
}

int aead_imb_key_expand(struct rb_aead_key *key)
{
	struct gcm_key_data *gk = (struct gcm_key_data *)key->gcm;

	if (key_mgr == NULL)
		return -1;
	switch (key->alg) {
	case RB_AEAD_AES_128_GCM:
		IMB_AES128_GCM_PRE(key_mgr, key->raw, gk);
		return 0;
	case RB_AEAD_AES_192_GCM:
		IMB_AES192_GCM_PRE(key_mgr, key->raw, gk);
		return 0;
	case RB_AEAD_AES_256_GCM:
		IMB_AES256_GCM_PRE(key_mgr, key->raw, gk);
		return 0;
	default:
		return -1; /* ChaCha keys are used raw */
	}
}

/* The manager lives in memory we own, so it can be scrubbed on free (its job
 * slots and lanes hold key pointers, keystream and partial state). */
static size_t mgr_size(void)
{
	return (imb_get_mb_mgr_size() + 63) & ~(size_t)63;
}

int aead_imb_ctx_init(struct rb_aead_ctx *ctx)
{
	void *mem = aligned_alloc(64, mgr_size());
	IMB_MGR *m;
	IMB_ARCH arch;

	if (mem == NULL)
		return -1;
	m = imb_set_pointers_mb_mgr(mem, 0, 1);
	if (m == NULL) {
		free(mem);
		return -1;
	}
	init_mb_mgr_auto(m, &arch);
	/* Expanded GCM keys are laid out for one arch: contexts must match. */
	if (imb_get_errno(m) != 0 || arch != imb_arch) {
		free(mem);
		return -1;
	}
	ctx->mgr = m;
	ctx->mgr_mem = mem;
	return 0;
}

void aead_imb_ctx_fini(struct rb_aead_ctx *ctx)
{
	if (ctx->mgr != NULL) {
		/* Nothing is outstanding after a run; drain anyway before scrubbing. */
		while (IMB_FLUSH_JOB(ctx->mgr) != NULL)
			;
		OPENSSL_cleanse(ctx->mgr_mem, mgr_size());
		free(ctx->mgr_mem);
		ctx->mgr = NULL;
		ctx->mgr_mem = NULL;
	}
}

static uint8_t imb_dummy[64] __attribute__((aligned(64)));

static void imb_fill(IMB_JOB *job, struct rb_aead_op *op)
{
	const struct rb_aead_key *k = op->key;

	job->src = op->len > 0 ? op->src : imb_dummy;
	job->dst = op->len > 0 ? op->dst : imb_dummy;
	job->cipher_start_src_offset_in_bytes = 0;
	job->msg_len_to_cipher_in_bytes = op->len;
	job->hash_start_src_offset_in_bytes = 0;
	job->msg_len_to_hash_in_bytes = op->len;
	job->iv = aead_op_nonce(op);
	job->iv_len_in_bytes = 12;
	job->auth_tag_output = op->open ? op->priv_tag : op->tag;
	job->auth_tag_output_len_in_bytes = RB_AEAD_TAG_LEN;
	job->cipher_direction = op->open ? IMB_DIR_DECRYPT : IMB_DIR_ENCRYPT;
	job->chain_order = op->open ? IMB_ORDER_HASH_CIPHER : IMB_ORDER_CIPHER_HASH;
	job->user_data = op;
	if (k->alg == RB_AEAD_CHACHA20_POLY1305 || k->alg == RB_AEAD_XCHACHA20_POLY1305) {
		job->cipher_mode = IMB_CIPHER_CHACHA20_POLY1305;
		job->hash_alg = IMB_AUTH_CHACHA20_POLY1305;
		job->enc_keys = aead_op_key(op);
		job->dec_keys = job->enc_keys;
		job->key_len_in_bytes = 32;
		job->u.CHACHA20_POLY1305.aad = op->aad_len > 0 ? op->aad : imb_dummy;
		job->u.CHACHA20_POLY1305.aad_len_in_bytes = op->aad_len;
		job->u.CHACHA20_POLY1305.ctx = NULL;
	} else {
		job->cipher_mode = IMB_CIPHER_GCM;
		job->hash_alg = IMB_AUTH_AES_GMAC;
		job->enc_keys = k->gcm;
		job->dec_keys = k->gcm;
		job->key_len_in_bytes = k->key_len;
		job->u.GCM.aad = op->aad_len > 0 ? op->aad : imb_dummy;
		job->u.GCM.aad_len_in_bytes = op->aad_len;
		job->u.GCM.ctx = NULL;
	}
}

static void imb_complete(const IMB_JOB *job)
{
	struct rb_aead_op *op = job->user_data;

	if (op == NULL)
		return;
	if (job->status != IMB_STATUS_COMPLETED) {
		op->status = job->status == IMB_STATUS_INVALID_ARGS ? RB_AEAD_EINVAL
								    : RB_AEAD_EBACKEND;
		return;
	}
	if (op->open && CRYPTO_memcmp(op->priv_tag, op->tag, RB_AEAD_TAG_LEN) != 0)
		op->status = RB_AEAD_EAUTH;
	else
		op->status = RB_AEAD_OK;
}

void aead_imb_run(struct rb_aead_ctx *ctx, struct rb_aead_op *ops, unsigned n)
{
	IMB_MGR *m = ctx->mgr;
	IMB_JOB *job;

	for (unsigned i = 0; i < n; i++) {
		struct rb_aead_op *op = &ops[i];

		if (op->status != RB_AEAD_PENDING)
			continue;
		if (op->key->alg <= RB_AEAD_AES_256_GCM && !op->key->gcm_ready) {
			aead_evp_op(ctx, op); /* key made before ipsec-mb was usable */
			continue;
		}
		job = IMB_GET_NEXT_JOB(m);
		imb_fill(job, op);
		job = IMB_SUBMIT_JOB(m);
		while (job != NULL) {
			imb_complete(job);
			job = IMB_GET_COMPLETED_JOB(m);
		}
	}
	while ((job = IMB_FLUSH_JOB(m)) != NULL)
		imb_complete(job);
}

/* ---- streams: the direct API (init / update / finalize), no jobs ---- */

_Static_assert(sizeof(struct gcm_context_data) <= sizeof(((struct rb_aead_stream *)0)->state),
	       "gcm_context_data fits a stream");
_Static_assert(sizeof(struct chacha20_poly1305_context_data) <=
		       sizeof(((struct rb_aead_stream *)0)->state),
	       "chacha20_poly1305_context_data fits a stream");

int aead_imb_stream_begin(struct rb_aead_stream *s, const uint8_t *key, const uint8_t *nonce,
			  const uint8_t *aad, uint32_t aad_len)
{
	IMB_MGR *m = s->ctx->mgr;
	const struct gcm_key_data *gk = (const struct gcm_key_data *)s->key->gcm;
	const uint8_t *a = aad_len > 0 ? aad : imb_dummy;

	switch (s->key->alg) {
	case RB_AEAD_AES_128_GCM:
		IMB_AES128_GCM_INIT(m, gk, (struct gcm_context_data *)s->state, nonce, a, aad_len);
		return 0;
	case RB_AEAD_AES_192_GCM:
		IMB_AES192_GCM_INIT(m, gk, (struct gcm_context_data *)s->state, nonce, a, aad_len);
		return 0;
	case RB_AEAD_AES_256_GCM:
		IMB_AES256_GCM_INIT(m, gk, (struct gcm_context_data *)s->state, nonce, a, aad_len);
		return 0;
	default:
		IMB_CHACHA20_POLY1305_INIT(m, key, (struct chacha20_poly1305_context_data *)s->state,
					   nonce, a, aad_len);
		return 0;
	}
}

void aead_imb_stream_update(struct rb_aead_stream *s, const uint8_t *src, uint8_t *dst,
			    uint32_t len)
{
	IMB_MGR *m = s->ctx->mgr;
	const struct gcm_key_data *gk = (const struct gcm_key_data *)s->key->gcm;
	struct gcm_context_data *g = (struct gcm_context_data *)s->state;
	struct chacha20_poly1305_context_data *cc = (struct chacha20_poly1305_context_data *)s->state;
	const uint8_t *ck = s->key->alg == RB_AEAD_XCHACHA20_POLY1305 ? s->xkey : s->key->raw;

	switch (s->key->alg) {
	case RB_AEAD_AES_128_GCM:
		if (s->open)
			IMB_AES128_GCM_DEC_UPDATE(m, gk, g, dst, src, len);
		else
			IMB_AES128_GCM_ENC_UPDATE(m, gk, g, dst, src, len);
		break;
	case RB_AEAD_AES_192_GCM:
		if (s->open)
			IMB_AES192_GCM_DEC_UPDATE(m, gk, g, dst, src, len);
		else
			IMB_AES192_GCM_ENC_UPDATE(m, gk, g, dst, src, len);
		break;
	case RB_AEAD_AES_256_GCM:
		if (s->open)
			IMB_AES256_GCM_DEC_UPDATE(m, gk, g, dst, src, len);
		else
			IMB_AES256_GCM_ENC_UPDATE(m, gk, g, dst, src, len);
		break;
	default:
		if (s->open)
			IMB_CHACHA20_POLY1305_DEC_UPDATE(m, ck, cc, dst, src, len);
		else
			IMB_CHACHA20_POLY1305_ENC_UPDATE(m, ck, cc, dst, src, len);
		break;
	}
}

/* The computed tag into tag (an open compares it: aead_stream.c). */
void aead_imb_stream_final(struct rb_aead_stream *s, uint8_t tag[RB_AEAD_TAG_LEN])
{
	IMB_MGR *m = s->ctx->mgr;
	const struct gcm_key_data *gk = (const struct gcm_key_data *)s->key->gcm;
	struct gcm_context_data *g = (struct gcm_context_data *)s->state;
	struct chacha20_poly1305_context_data *cc = (struct chacha20_poly1305_context_data *)s->state;

	switch (s->key->alg) {
	case RB_AEAD_AES_128_GCM:
		if (s->open)
			IMB_AES128_GCM_DEC_FINALIZE(m, gk, g, tag, RB_AEAD_TAG_LEN);
		else
			IMB_AES128_GCM_ENC_FINALIZE(m, gk, g, tag, RB_AEAD_TAG_LEN);
		break;
	case RB_AEAD_AES_192_GCM:
		if (s->open)
			IMB_AES192_GCM_DEC_FINALIZE(m, gk, g, tag, RB_AEAD_TAG_LEN);
		else
			IMB_AES192_GCM_ENC_FINALIZE(m, gk, g, tag, RB_AEAD_TAG_LEN);
		break;
	case RB_AEAD_AES_256_GCM:
		if (s->open)
			IMB_AES256_GCM_DEC_FINALIZE(m, gk, g, tag, RB_AEAD_TAG_LEN);
		else
			IMB_AES256_GCM_ENC_FINALIZE(m, gk, g, tag, RB_AEAD_TAG_LEN);
		break;
	default:
		if (s->open)
			IMB_CHACHA20_POLY1305_DEC_FINALIZE(m, cc, tag, RB_AEAD_TAG_LEN);
		else
			IMB_CHACHA20_POLY1305_ENC_FINALIZE(m, cc, tag, RB_AEAD_TAG_LEN);
		break;
	}
}
