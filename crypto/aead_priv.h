/* SPDX-License-Identifier: BSD-3-Clause */
/* Internal to crypto/: the AEAD context and the backend entry points. */
#ifndef RB_AEAD_PRIV_H
#define RB_AEAD_PRIV_H

#include "rb_aead.h"

struct IMB_MGR;
struct evp_cipher_ctx_st;

struct rb_aead_ctx {
	enum rb_aead_backend backend;
	struct IMB_MGR *mgr;              /* ipsec-mb manager, this lcore only */
	void *mgr_mem;                    /* its memory (scrubbed on free) */
	struct evp_cipher_ctx_st *evp;    /* EVP_CIPHER_CTX */
	struct rb_aead_stats stats;
	uint8_t auto_pick;                /* created AUTO: streams follow the measured pick */
};

/* intel-ipsec-mb (aead_imb.c) */
int aead_imb_global_init(void);          /* 0 when usable on this CPU */
const char *aead_imb_name(void);
int aead_imb_key_expand(struct rb_aead_key *key);
int aead_imb_ctx_init(struct rb_aead_ctx *ctx);
void aead_imb_ctx_fini(struct rb_aead_ctx *ctx);
void aead_imb_run(struct rb_aead_ctx *ctx, struct rb_aead_op *ops, unsigned n);

/* streams (aead_stream.c dispatches; the backends implement) */
void aead_stream_pick_init(void);        /* measure once (AUTO contexts) */
int aead_imb_stream_begin(struct rb_aead_stream *s, const uint8_t *key, const uint8_t *nonce,
			  const uint8_t *aad, uint32_t aad_len);
void aead_imb_stream_update(struct rb_aead_stream *s, const uint8_t *src, uint8_t *dst,
			    uint32_t len);
void aead_imb_stream_final(struct rb_aead_stream *s, uint8_t tag[RB_AEAD_TAG_LEN]);
int aead_evp_stream_begin(struct rb_aead_stream *s, const uint8_t *key, const uint8_t *nonce,
			  const uint8_t *aad, uint32_t aad_len);
int aead_evp_stream_update(struct rb_aead_stream *s, const uint8_t *src, uint8_t *dst,
			   uint32_t len);
/* seal: tag out; open: tag in, returns RB_AEAD_OK / RB_AEAD_EAUTH / EBACKEND */
int aead_evp_stream_final(struct rb_aead_stream *s, uint8_t tag[RB_AEAD_TAG_LEN]);

/* OpenSSL EVP (aead_evp.c) */
int aead_evp_global_init(void);
int aead_evp_ctx_init(struct rb_aead_ctx *ctx);
void aead_evp_ctx_fini(struct rb_aead_ctx *ctx);
void aead_evp_op(struct rb_aead_ctx *ctx, struct rb_aead_op *op);
void aead_evp_run(struct rb_aead_ctx *ctx, struct rb_aead_op *ops, unsigned n);

/* The key and nonce an op really uses (XChaCha: the derived ones). */
static inline const uint8_t *aead_op_key(const struct rb_aead_op *op)
{
	return op->key->alg == RB_AEAD_XCHACHA20_POLY1305 ? op->priv_key : op->key->raw;
}

static inline const uint8_t *aead_op_nonce(const struct rb_aead_op *op)
{
	return op->key->alg == RB_AEAD_XCHACHA20_POLY1305 ? op->priv_nonce : op->nonce;
}

#endif
