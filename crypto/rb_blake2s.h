/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * BLAKE2s (RFC 7693): hash with 1..32-byte output, keyed mode (the MAC of
 * RFC 7693 section 2.5), HMAC-BLAKE2s-256 (RFC 2104 with a 64-byte block) and
 * the WireGuard KDF built on it (WireGuard paper section 5.4, "Kdf_n").
 * Portable C; used by the WireGuard handshake, cookies and MAC1/MAC2.
 */
#ifndef RB_BLAKE2S_H
#define RB_BLAKE2S_H

#include <stddef.h>
#include <stdint.h>

#define RB_BLAKE2S_OUT_LEN   32
#define RB_BLAKE2S_KEY_LEN   32
#define RB_BLAKE2S_BLOCK_LEN 64

struct rb_blake2s {
	uint32_t h[8];
	uint32_t t[2];
	uint8_t buf[RB_BLAKE2S_BLOCK_LEN];
	uint32_t buf_len;
	uint32_t out_len;
};

/* out_len 1..32, key_len 0..32 (key may be NULL when key_len is 0).
 * Return 0, or -1 on a bad length. */
int rb_blake2s_init(struct rb_blake2s *s, size_t out_len, const uint8_t *key, size_t key_len);
void rb_blake2s_update(struct rb_blake2s *s, const void *data, size_t len);
/* Writes out_len bytes and wipes the state. */
void rb_blake2s_final(struct rb_blake2s *s, uint8_t *out);

/* One-shot hash / MAC. */
int rb_blake2s(uint8_t *out, size_t out_len, const uint8_t *key, size_t key_len,
	       const void *data, size_t len);

/* HMAC-BLAKE2s-256 (any key length). */
void rb_blake2s_hmac(uint8_t out[RB_BLAKE2S_OUT_LEN], const uint8_t *key, size_t key_len,
		     const void *data, size_t len);

/*
 * WireGuard Kdf_n(key, input), n = 1..3 by which outputs are non-NULL
 * (t1 is required; t3 needs t2):
 *   t0 = HMAC(key, input); t1 = HMAC(t0, 0x1); t2 = HMAC(t0, t1 || 0x2);
 *   t3 = HMAC(t0, t2 || 0x3).
 * It equals HKDF-BLAKE2s with empty info (RFC 5869).
 */
void rb_blake2s_kdf(uint8_t *t1, uint8_t *t2, uint8_t *t3, const uint8_t key[RB_BLAKE2S_OUT_LEN],
		    const void *input, size_t len);

#endif
