/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * BLAKE3 (the BLAKE3 paper / spec, version 2020-01-09): hash, keyed hash and
 * derive_key, with extendable output.  Portable C, no SIMD: it serves key
 * derivation (e.g. Shadowsocks 2022 session subkeys), not bulk hashing.
 */
#ifndef RB_BLAKE3_H
#define RB_BLAKE3_H

#include <stddef.h>
#include <stdint.h>

#define RB_BLAKE3_KEY_LEN   32
#define RB_BLAKE3_OUT_LEN   32   /* default output length */
#define RB_BLAKE3_BLOCK_LEN 64
#define RB_BLAKE3_CHUNK_LEN 1024
#define RB_BLAKE3_MAX_DEPTH 54   /* 2^54 chunks = 2^64 bytes */

struct rb_blake3 {
	uint32_t key[8];
	uint32_t cv[8];           /* current chunk's chaining value */
	uint64_t chunk_counter;
	uint8_t buf[RB_BLAKE3_BLOCK_LEN];
	uint8_t buf_len;
	uint8_t blocks_compressed;
	uint8_t flags;
	uint8_t cv_stack_len;
	uint32_t cv_stack[RB_BLAKE3_MAX_DEPTH][8];
};

void rb_blake3_init(struct rb_blake3 *h);
void rb_blake3_init_keyed(struct rb_blake3 *h, const uint8_t key[RB_BLAKE3_KEY_LEN]);
/* derive_key mode; the context string is hashed in full (no NUL needed). */
void rb_blake3_init_derive_key(struct rb_blake3 *h, const void *context, size_t context_len);
void rb_blake3_update(struct rb_blake3 *h, const void *data, size_t len);
/* Any output length (XOF).  Does not change h: more input may follow. */
void rb_blake3_final(const struct rb_blake3 *h, uint8_t *out, size_t out_len);
void rb_blake3_wipe(struct rb_blake3 *h);

/* One-shot forms. */
void rb_blake3(const void *data, size_t len, uint8_t *out, size_t out_len);
void rb_blake3_keyed(const uint8_t key[RB_BLAKE3_KEY_LEN], const void *data, size_t len,
		     uint8_t *out, size_t out_len);
void rb_blake3_derive_key(const void *context, size_t context_len, const void *material,
			  size_t material_len, uint8_t *out, size_t out_len);

#endif
