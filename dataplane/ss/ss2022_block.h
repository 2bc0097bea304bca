/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The AES block cipher (one 16-byte block, ECB, no padding) that SIP022
 * uses outside the AEAD: the UDP separate header (SIP022 3.2.1,
 * aes_new(psk)) and the identity headers (SIP023, aes_encrypt(key, 16
 * bytes)).  AES-128 for 16-byte keys, AES-256 for 32-byte keys.  Over
 * OpenSSL EVP with the cipher fetched once; a struct keeps its keyed
 * contexts so a per-PSK key schedule is done once, not per packet.
 */
#ifndef SS2022_BLOCK_H
#define SS2022_BLOCK_H

#include <stddef.h>
#include <stdint.h>

#define SS22_BLOCK_LEN 16

struct ss22_block {
	void *enc, *dec; /* EVP_CIPHER_CTX */
};

/* key_len 16 or 32.  0 or -1; on -1 nothing is held. */
int ss22_block_init(struct ss22_block *b, const uint8_t *key, size_t key_len);
void ss22_block_free(struct ss22_block *b);
/* in == out allowed.  0 or -1. */
int ss22_block_encrypt(const struct ss22_block *b, const uint8_t in[16], uint8_t out[16]);
int ss22_block_decrypt(const struct ss22_block *b, const uint8_t in[16], uint8_t out[16]);
/* One-shot (a key used once, e.g. a TCP identity subkey).  0 or -1. */
int ss22_block_once(const uint8_t *key, size_t key_len, int encrypt, const uint8_t in[16],
		    uint8_t out[16]);

#endif
