/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Portable ChaCha20 (RFC 8439 section 2.3/2.4) and HChaCha20
 * (draft-irtf-cfrg-xchacha-03 section 2.2).  Used for the XChaCha20 subkey,
 * the CSPRNG and QUIC ChaCha20 header protection (RFC 9001 section 5.4.4).
 * Bulk AEAD goes through rb_aead.h, not through this file.
 */
#ifndef RB_CHACHA_H
#define RB_CHACHA_H

#include <stddef.h>
#include <stdint.h>

#define RB_CHACHA_KEY_LEN   32
#define RB_CHACHA_NONCE_LEN 12
#define RB_CHACHA_BLOCK_LEN 64

/* One 64-byte keystream block for (key, 32-bit counter, 96-bit nonce). */
void rb_chacha20_block(const uint8_t key[32], uint32_t counter, const uint8_t nonce[12],
		       uint8_t out[64]);

/* out = in XOR keystream starting at block `counter`.  in == out is allowed. */
void rb_chacha20_xor(const uint8_t key[32], uint32_t counter, const uint8_t nonce[12],
		     const uint8_t *in, uint8_t *out, size_t len);

/* HChaCha20: 32-byte subkey from a 32-byte key and a 16-byte nonce. */
void rb_hchacha20(const uint8_t key[32], const uint8_t nonce[16], uint8_t out[32]);

#endif
