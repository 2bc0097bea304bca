/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Burst AEAD: AES-128/192/256-GCM (NIST SP 800-38D), ChaCha20-Poly1305
 * (RFC 8439 section 2.8) and XChaCha20-Poly1305 (draft-irtf-cfrg-xchacha-03).
 * All use a 16-byte tag.
 *
 * Usage, per lcore, no locks:
 *
 *	struct rb_aead_ctx *ctx = rb_aead_ctx_create(RB_AEAD_BACKEND_AUTO);
 *	struct rb_aead_key key;
 *	rb_aead_key_init(&key, RB_AEAD_AES_256_GCM, secret, 32);
 *
 *	rb_aead_batch_reset(&b);
 *	for each record:
 *		rb_aead_batch_add_seal(&b, &key, nonce, aad, aad_len, src, dst, len, tag, cookie);
 *	nfail = rb_aead_batch_run(ctx, &b);
 *	b.op[i].status tells each op's result (RB_AEAD_OK, RB_AEAD_EAUTH, ...).
 *
 * The backend (intel-ipsec-mb job API, or OpenSSL EVP) is chosen per context
 * at creation.  Keys are usable with any context of the process.
 * A key must outlive the batch_run that uses it; buffers may be in place
 * (src == dst) but must not otherwise overlap.  On an open that fails, dst is
 * zeroed.  Keys are wiped with rb_aead_key_wipe(); nothing here logs keys.
 */
#ifndef RB_AEAD_H
#define RB_AEAD_H

#include <stddef.h>
#include <stdint.h>

enum rb_aead_alg {
	RB_AEAD_AES_128_GCM = 0,
	RB_AEAD_AES_192_GCM,
	RB_AEAD_AES_256_GCM,
	RB_AEAD_CHACHA20_POLY1305,  /* IETF, 96-bit nonce */
	RB_AEAD_XCHACHA20_POLY1305, /* 192-bit nonce */
	RB_AEAD_ALG_COUNT
};

enum rb_aead_backend {
	RB_AEAD_BACKEND_AUTO = 0,  /* ipsec-mb when the CPU has AES-NI, else OpenSSL */
	RB_AEAD_BACKEND_IPSEC_MB,
	RB_AEAD_BACKEND_OPENSSL,
};

enum rb_aead_status {
	RB_AEAD_OK = 0,
	RB_AEAD_EAUTH,      /* open: tag mismatch (dst zeroed) */
	RB_AEAD_EINVAL,     /* bad arguments (NULL pointer, length, key/alg) */
	RB_AEAD_EBACKEND,   /* the crypto library reported an error */
	RB_AEAD_PENDING,    /* queued, not run yet */
};

#define RB_AEAD_TAG_LEN       16
#define RB_AEAD_MAX_KEY_LEN   32
#define RB_AEAD_MAX_NONCE_LEN 24
#define RB_AEAD_MAX_LEN       (1u << 30)  /* per op, plaintext and AAD each */
#define RB_AEAD_BATCH_MAX     64

/* Size of ipsec-mb's struct gcm_key_data (checked at compile time). */
#define RB_AEAD_GCM_KEY_DATA_SIZE 1008

struct rb_aead_key {
	/* expanded AES + GHASH keys for ipsec-mb (GCM only) */
	uint8_t gcm[RB_AEAD_GCM_KEY_DATA_SIZE] __attribute__((aligned(64)));
	uint8_t raw[RB_AEAD_MAX_KEY_LEN];
	uint8_t alg;        /* enum rb_aead_alg */
	uint8_t key_len;
	uint8_t gcm_ready;  /* gcm[] holds the expansion */
	uint8_t valid;
};

struct rb_aead_op {
	const struct rb_aead_key *key;
	const uint8_t *nonce;   /* rb_aead_nonce_len(alg) bytes */
	const uint8_t *aad;
	const uint8_t *src;
	uint8_t *dst;
	uint8_t *tag;           /* seal: 16 bytes written; open: 16 bytes read */
	void *user;             /* caller cookie, untouched */
	uint32_t aad_len;
	uint32_t len;
	uint8_t open;           /* 0 = seal, 1 = open */
	uint8_t status;         /* enum rb_aead_status */
	/* private scratch, valid only inside rb_aead_batch_run */
	uint8_t priv_nonce[12];
	uint8_t priv_tag[RB_AEAD_TAG_LEN];
	uint8_t priv_key[32];
};

struct rb_aead_batch {
	uint32_t n;
	struct rb_aead_op op[RB_AEAD_BATCH_MAX];
};

struct rb_aead_ctx;

/* ---- algorithms ---- */
size_t rb_aead_key_len(enum rb_aead_alg alg);    /* 0 for an unknown alg */
size_t rb_aead_nonce_len(enum rb_aead_alg alg);  /* 12, or 24 for XChaCha */
const char *rb_aead_alg_name(enum rb_aead_alg alg);
/* "aes-128-gcm", "aes-192-gcm", "aes-256-gcm", "chacha20-poly1305"
 * (alias "chacha20-ietf-poly1305"), "xchacha20-poly1305" (alias
 * "xchacha20-ietf-poly1305").  Returns the alg, or -1. */
int rb_aead_alg_from_name(const char *name);

/* ---- keys ---- */
/* Returns 0, or -1 when len does not match the algorithm. */
int rb_aead_key_init(struct rb_aead_key *key, enum rb_aead_alg alg, const uint8_t *bytes,
		     size_t len);
void rb_aead_key_wipe(struct rb_aead_key *key);

/* ---- per-lcore contexts ---- */
/* NULL when the requested backend cannot be used (or out of memory). */
struct rb_aead_ctx *rb_aead_ctx_create(enum rb_aead_backend backend);
void rb_aead_ctx_free(struct rb_aead_ctx *ctx);
enum rb_aead_backend rb_aead_ctx_backend(const struct rb_aead_ctx *ctx);
/* e.g. "intel-ipsec-mb 1.3.0 (avx2)" or "openssl 3.0.x" */
const char *rb_aead_ctx_backend_name(const struct rb_aead_ctx *ctx);
/* What RB_AEAD_BACKEND_AUTO picks on this CPU, for `ringboxctl status`. */
const char *rb_aead_backend_name(void);

/* ---- batches ---- */
static inline void rb_aead_batch_reset(struct rb_aead_batch *b)
{
	b->n = 0;
}
/* Queue an op.  Returns its index in b->op[], or -1 when the batch is full. */
int rb_aead_batch_add_seal(struct rb_aead_batch *b, const struct rb_aead_key *key,
			   const uint8_t *nonce, const uint8_t *aad, uint32_t aad_len,
			   const uint8_t *src, uint8_t *dst, uint32_t len, uint8_t *tag_out,
			   void *user);
int rb_aead_batch_add_open(struct rb_aead_batch *b, const struct rb_aead_key *key,
			   const uint8_t *nonce, const uint8_t *aad, uint32_t aad_len,
			   const uint8_t *src, uint8_t *dst, uint32_t len, const uint8_t *tag_in,
			   void *user);
/* Run every queued op; sets op[i].status.  Returns the number of ops whose
 * status is not RB_AEAD_OK.  The batch keeps its ops (reset to reuse). */
unsigned rb_aead_batch_run(struct rb_aead_ctx *ctx, struct rb_aead_batch *b);

/* ---- single shot, same path; return an enum rb_aead_status ---- */
int rb_aead_seal(struct rb_aead_ctx *ctx, const struct rb_aead_key *key, const uint8_t *nonce,
		 const uint8_t *aad, uint32_t aad_len, const uint8_t *src, uint8_t *dst,
		 uint32_t len, uint8_t tag[RB_AEAD_TAG_LEN]);
int rb_aead_open(struct rb_aead_ctx *ctx, const struct rb_aead_key *key, const uint8_t *nonce,
		 const uint8_t *aad, uint32_t aad_len, const uint8_t *src, uint8_t *dst,
		 uint32_t len, const uint8_t tag[RB_AEAD_TAG_LEN]);

/* Run `n` ops from a caller-owned array (what batch_run and seal/open use). */
unsigned rb_aead_run_ops(struct rb_aead_ctx *ctx, struct rb_aead_op *ops, unsigned n);

/* ---- one record over scattered buffers (mbuf chains) ----
 *
 *	rb_aead_stream_begin(ctx, &s, &key, nonce, aad, aad_len, len, open);
 *	for each piece: rb_aead_stream_update(&s, src, dst, len);   (any lengths)
 *	rc = rb_aead_stream_final(&s, tag);  seal: writes the tag; open: checks it
 *
 * The same record as rb_aead_seal/open over the concatenated pieces, whose
 * lengths must add up to len (else final says RB_AEAD_EINVAL).  The
 * library is picked per algorithm and record size (rb_aead_stream_pick):
 * for an AUTO context the one measured faster on this CPU at the first
 * rb_aead_ctx_create(AUTO) (64 B, 1500 B and 16 KiB records), else the
 * context's own.  Between begin
 * and final the context runs nothing else (it may hold the EVP context).
 * An open's plaintext is written before the tag is checked: on
 * RB_AEAD_EAUTH the caller must wipe and discard every piece it got.
 * final (or rb_aead_stream_abort) wipes the state.  Pieces may be in
 * place (src == dst).  Returns an enum rb_aead_status. */
struct rb_aead_stream {
	uint8_t state[256] __attribute__((aligned(64))); /* backend state */
	struct rb_aead_ctx *ctx;
	const struct rb_aead_key *key;
	uint64_t len;      /* so far */
	uint32_t want;     /* the record's length */
	uint8_t open;
	uint8_t evp;       /* on the context's EVP_CIPHER_CTX */
	uint8_t active;
	uint8_t xkey[32];  /* XChaCha20: the HChaCha20 subkey */
	uint8_t xnonce[12];
};
int rb_aead_stream_begin(struct rb_aead_ctx *ctx, struct rb_aead_stream *s,
			 const struct rb_aead_key *key, const uint8_t *nonce, const uint8_t *aad,
			 uint32_t aad_len, uint32_t len, int open);
int rb_aead_stream_update(struct rb_aead_stream *s, const uint8_t *src, uint8_t *dst,
			  uint32_t len);
int rb_aead_stream_final(struct rb_aead_stream *s, uint8_t tag[RB_AEAD_TAG_LEN]);
void rb_aead_stream_abort(struct rb_aead_stream *s);
/* "intel-ipsec-mb" or "openssl": what an AUTO context's streams use for
 * alg and records of len bytes (measured once per process). */
const char *rb_aead_stream_pick(enum rb_aead_alg alg, uint32_t len);

/* Per-context counters (plain reads; the context belongs to one lcore). */
struct rb_aead_stats {
	uint64_t ops;
	uint64_t bytes;
	uint64_t auth_fail;
	uint64_t errors;    /* EINVAL + EBACKEND */
};
void rb_aead_ctx_stats(const struct rb_aead_ctx *ctx, struct rb_aead_stats *st);

#endif
