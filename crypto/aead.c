/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Burst AEAD front end: algorithm table, keys, contexts, batch bookkeeping.
 * The two backends are aead_imb.c (intel-ipsec-mb job API) and aead_evp.c
 * (OpenSSL EVP).
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <openssl/crypto.h>
#include <openssl/opensslv.h>

#include "aead_priv.h"
#include "rb_chacha.h"

static const struct {
	const char *name;
	const char *alias;
	uint8_t key_len;
	uint8_t nonce_len;
} alg_tab[RB_AEAD_ALG_COUNT] = {
	[RB_AEAD_AES_128_GCM] = {"aes-128-gcm", NULL, 16, 12},
	[RB_AEAD_AES_192_GCM] = {"aes-192-gcm", NULL, 24, 12},
	[RB_AEAD_AES_256_GCM] = {"aes-256-gcm", NULL, 32, 12},
	[RB_AEAD_CHACHA20_POLY1305] = {"chacha20-poly1305", "chacha20-ietf-poly1305", 32, 12},
	[RB_AEAD_XCHACHA20_POLY1305] = {"xchacha20-poly1305", "xchacha20-ietf-poly1305", 32, 24},
};

size_t rb_aead_key_len(enum rb_aead_alg alg)
{
	return (unsigned)alg < RB_AEAD_ALG_COUNT ? alg_tab[alg].key_len : 0;
}

size_t rb_aead_nonce_len(enum rb_aead_alg alg)
{
	return (unsigned)alg < RB_AEAD_ALG_COUNT ? alg_tab[alg].nonce_len : 0;
}

const char *rb_aead_alg_name(enum rb_aead_alg alg)
{
	return (unsigned)alg < RB_AEAD_ALG_COUNT ? alg_tab[alg].name : "unknown";
}

int rb_aead_alg_from_name(const char *name)
{
	if (name == NULL)
		return -1;
	for (int i = 0; i < RB_AEAD_ALG_COUNT; i++) {
		if (strcasecmp(name, alg_tab[i].name) == 0 ||
		    (alg_tab[i].alias != NULL && strcasecmp(name, alg_tab[i].alias) == 0))
			return i;
	}
	return -1;
}

/* ---- process-wide state, set up once ---- */
static pthread_once_t aead_once = PTHREAD_ONCE_INIT;
static int imb_usable;
static char auto_name[64];
static char evp_name[48];

static void aead_global_init(void)
{
	imb_usable = aead_imb_global_init() == 0;
	snprintf(evp_name, sizeof(evp_name), "openssl %s", OpenSSL_version(OPENSSL_VERSION_STRING));
	if (aead_evp_global_init() != 0)
		snprintf(evp_name, sizeof(evp_name), "none");
	if (imb_usable)
		snprintf(auto_name, sizeof(auto_name), "%s", aead_imb_name());
	else
		snprintf(auto_name, sizeof(auto_name), "%s", evp_name);
}

static void aead_init_once(void)
{
	pthread_once(&aead_once, aead_global_init);
}

const char *rb_aead_backend_name(void)
{
	aead_init_once();
	return auto_name;
}

/* ---- keys ---- */
int rb_aead_key_init(struct rb_aead_key *key, enum rb_aead_alg alg, const uint8_t *bytes,
		     size_t len)
{
	if (key == NULL)
		return -1;
	memset(key, 0, sizeof(*key));
	if ((unsigned)alg >= RB_AEAD_ALG_COUNT || bytes == NULL || len != alg_tab[alg].key_len)
		return -1;
	aead_init_once();
	memcpy(key->raw, bytes, len);
	key->alg = (uint8_t)alg;
	key->key_len = (uint8_t)len;
	if (imb_usable && aead_imb_key_expand(key) == 0)
		key->gcm_ready = 1;
	key->valid = 1;
	return 0;
}

void rb_aead_key_wipe(struct rb_aead_key *key)
{
	if (key != NULL)
		OPENSSL_cleanse(key, sizeof(*key));
}

/* ---- contexts ---- */
struct rb_aead_ctx *rb_aead_ctx_create(enum rb_aead_backend backend)
{
	struct rb_aead_ctx *ctx;
	int is_auto = backend == RB_AEAD_BACKEND_AUTO;

	aead_init_once();
	if (is_auto)
		aead_stream_pick_init(); /* its own contexts are not AUTO */
	if (backend == RB_AEAD_BACKEND_AUTO)
		backend = imb_usable ? RB_AEAD_BACKEND_IPSEC_MB : RB_AEAD_BACKEND_OPENSSL;
	if (backend == RB_AEAD_BACKEND_IPSEC_MB && !imb_usable)
		return NULL;
	if (backend != RB_AEAD_BACKEND_IPSEC_MB && backend != RB_AEAD_BACKEND_OPENSSL)
		return NULL;
	ctx = calloc(1, sizeof(*ctx));
	if (ctx == NULL)
		return NULL;
	ctx->backend = backend;
	ctx->auto_pick = (uint8_t)is_auto;
	/* The EVP context serves as the fallback for keys without an expansion. */
	if (aead_evp_ctx_init(ctx) != 0 ||
	    (backend == RB_AEAD_BACKEND_IPSEC_MB && aead_imb_ctx_init(ctx) != 0)) {
		rb_aead_ctx_free(ctx);
		return NULL;
	}
	return ctx;
}

void rb_aead_ctx_free(struct rb_aead_ctx *ctx)
{
	if (ctx == NULL)
		return;
	aead_imb_ctx_fini(ctx);
	aead_evp_ctx_fini(ctx);
	OPENSSL_cleanse(ctx, sizeof(*ctx));
	free(ctx);
}

enum rb_aead_backend rb_aead_ctx_backend(const struct rb_aead_ctx *ctx)
{
	return ctx->backend;
}

const char *rb_aead_ctx_backend_name(const struct rb_aead_ctx *ctx)
{
	return ctx->backend == RB_AEAD_BACKEND_IPSEC_MB ? aead_imb_name() : evp_name;
}

void rb_aead_ctx_stats(const struct rb_aead_ctx *ctx, struct rb_aead_stats *st)
{
	*st = ctx->stats;
}

/* ---- batches ---- */
static int batch_add(struct rb_aead_batch *b, const struct rb_aead_key *key,
		     const uint8_t *nonce, const uint8_t *aad, uint32_t aad_len,
		     const uint8_t *src, uint8_t *dst, uint32_t len, uint8_t *tag, void *user,
		     uint8_t open)
{
	struct rb_aead_op *op;

	if (b->n >= RB_AEAD_BATCH_MAX)
		return -1;
	op = &b->op[b->n];
	op->key = key;
	op->nonce = nonce;
	op->aad = aad;
	op->aad_len = aad_len;
	op->src = src;
	op->dst = dst;
	op->len = len;
	op->tag = tag;
	op->user = user;
	op->open = open;
	op->status = RB_AEAD_PENDING;
	return (int)b->n++;
}

int rb_aead_batch_add_seal(struct rb_aead_batch *b, const struct rb_aead_key *key,
			   const uint8_t *nonce, const uint8_t *aad, uint32_t aad_len,
			   const uint8_t *src, uint8_t *dst, uint32_t len, uint8_t *tag_out,
			   void *user)
{
	return batch_add(b, key, nonce, aad, aad_len, src, dst, len, tag_out, user, 0);
}

int rb_aead_batch_add_open(struct rb_aead_batch *b, const struct rb_aead_key *key,
			   const uint8_t *nonce, const uint8_t *aad, uint32_t aad_len,
			   const uint8_t *src, uint8_t *dst, uint32_t len, const uint8_t *tag_in,
			   void *user)
{
	/* The tag is only read on open; the cast keeps one op layout. */
	return batch_add(b, key, nonce, aad, aad_len, src, dst, len, (uint8_t *)(uintptr_t)tag_in,
			 user, 1);
}

/*
 * Validate an op and derive what both backends need: for XChaCha20 the
 * HChaCha20 subkey and the 12-byte nonce 0^4 || nonce[16..24]
 * (draft-irtf-cfrg-xchacha-03 section 2.3).  Returns 0 when the op can run.
 */
static int op_prepare(struct rb_aead_op *op)
{
	const struct rb_aead_key *k = op->key;

	if (k == NULL || !k->valid || k->alg >= RB_AEAD_ALG_COUNT || op->nonce == NULL ||
	    op->tag == NULL || op->len > RB_AEAD_MAX_LEN || op->aad_len > RB_AEAD_MAX_LEN ||
	    (op->len > 0 && (op->src == NULL || op->dst == NULL)) ||
	    (op->aad_len > 0 && op->aad == NULL)) {
		op->status = RB_AEAD_EINVAL;
		return -1;
	}
	if (k->alg == RB_AEAD_XCHACHA20_POLY1305) {
		rb_hchacha20(k->raw, op->nonce, op->priv_key);
		memset(op->priv_nonce, 0, 4);
		memcpy(op->priv_nonce + 4, op->nonce + 16, 8);
	}
	op->status = RB_AEAD_PENDING;
	return 0;
}

unsigned rb_aead_run_ops(struct rb_aead_ctx *ctx, struct rb_aead_op *ops, unsigned n)
{
	unsigned nfail = 0, nx = 0;

	if (n == 0)
		return 0;
	for (unsigned i = 0; i < n; i++) {
		if (op_prepare(&ops[i]) == 0 && ops[i].key->alg == RB_AEAD_XCHACHA20_POLY1305)
			nx++;
	}
	if (ctx->backend == RB_AEAD_BACKEND_IPSEC_MB)
		aead_imb_run(ctx, ops, n);
	else
		aead_evp_run(ctx, ops, n);

	for (unsigned i = 0; i < n; i++) {
		struct rb_aead_op *op = &ops[i];

		if (op->status == RB_AEAD_PENDING)
			op->status = RB_AEAD_EBACKEND; /* not reached; never report success */
		if (op->status != RB_AEAD_OK) {
			nfail++;
			if (op->status == RB_AEAD_EAUTH)
				ctx->stats.auth_fail++;
			else
				ctx->stats.errors++;
			if (op->open && op->dst != NULL && op->len > 0 &&
			    op->status != RB_AEAD_EINVAL)
				OPENSSL_cleanse(op->dst, op->len);
		} else {
			ctx->stats.bytes += op->len;
		}
		if (nx > 0 && op->key != NULL && op->key->alg == RB_AEAD_XCHACHA20_POLY1305)
			OPENSSL_cleanse(op->priv_key, sizeof(op->priv_key));
	}
	ctx->stats.ops += n;
	return nfail;
}

unsigned rb_aead_batch_run(struct rb_aead_ctx *ctx, struct rb_aead_batch *b)
{
	return rb_aead_run_ops(ctx, b->op, b->n);
}

int rb_aead_seal(struct rb_aead_ctx *ctx, const struct rb_aead_key *key, const uint8_t *nonce,
		 const uint8_t *aad, uint32_t aad_len, const uint8_t *src, uint8_t *dst,
		 uint32_t len, uint8_t tag[RB_AEAD_TAG_LEN])
{
	struct rb_aead_op op = {
		.key = key, .nonce = nonce, .aad = aad, .aad_len = aad_len,
		.src = src, .dst = dst, .len = len, .tag = tag, .open = 0,
	};

	rb_aead_run_ops(ctx, &op, 1);
	return op.status;
}

int rb_aead_open(struct rb_aead_ctx *ctx, const struct rb_aead_key *key, const uint8_t *nonce,
		 const uint8_t *aad, uint32_t aad_len, const uint8_t *src, uint8_t *dst,
		 uint32_t len, const uint8_t tag[RB_AEAD_TAG_LEN])
{
	struct rb_aead_op op = {
		.key = key, .nonce = nonce, .aad = aad, .aad_len = aad_len,
		.src = src, .dst = dst, .len = len, .tag = (uint8_t *)(uintptr_t)tag, .open = 1,
	};

	rb_aead_run_ops(ctx, &op, 1);
	OPENSSL_cleanse(op.priv_tag, sizeof(op.priv_tag));
	return op.status;
}
