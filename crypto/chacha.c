/* SPDX-License-Identifier: BSD-3-Clause */
/* Portable ChaCha20 / HChaCha20, RFC 8439 section 2, draft-irtf-cfrg-xchacha. */
#include <string.h>
#include <openssl/crypto.h>

#include "rb_chacha.h"

#define ROTL32(v, n) (((v) << (n)) | ((v) >> (32 - (n))))

#define QR(a, b, c, d)                                                                             \
	do {                                                                                       \
		a += b;                                                                            \
		d ^= a;                                                                            \
		d = ROTL32(d, 16);                                                                 \
		c += d;                                                                            \
		b ^= c;                                                                            \
		b = ROTL32(b, 12);                                                                 \
		a += b;                                                                            \
		d ^= a;                                                                            \
		d = ROTL32(d, 8);                                                                  \
		c += d;                                                                            \
		b ^= c;                                                                            \
		b = ROTL32(b, 7);                                                                  \
	} while (0)

static inline uint32_t ld32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static inline void st32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

/* RFC 8439 2.3: "expa" "nd 3" "2-by" "te k" */
static void chacha_init(uint32_t s[16], const uint8_t key[32])
{
	s[0] = 0x61707865;
	s[1] = 0x3320646e;
	s[2] = 0x79622d32;
	s[3] = 0x6b206574;
	for (int i = 0; i < 8; i++)
		s[4 + i] = ld32(key + 4 * i);
}

static void chacha_rounds(uint32_t x[16])
{
	for (int i = 0; i < 10; i++) {
		QR(x[0], x[4], x[8], x[12]);
		QR(x[1], x[5], x[9], x[13]);
		QR(x[2], x[6], x[10], x[14]);
		QR(x[3], x[7], x[11], x[15]);
		QR(x[0], x[5], x[10], x[15]);
		QR(x[1], x[6], x[11], x[12]);
		QR(x[2], x[7], x[8], x[13]);
		QR(x[3], x[4], x[9], x[14]);
	}
}

static void chacha_core(const uint32_t s[16], uint8_t out[64])
{
	uint32_t x[16];

	memcpy(x, s, sizeof(x));
	chacha_rounds(x);
	for (int i = 0; i < 16; i++)
		st32(out + 4 * i, x[i] + s[i]);
	OPENSSL_cleanse(x, sizeof(x));
}

void rb_chacha20_block(const uint8_t key[32], uint32_t counter, const uint8_t nonce[12],
		       uint8_t out[64])
{
	uint32_t s[16];

	chacha_init(s, key);
	s[12] = counter;
	s[13] = ld32(nonce);
	s[14] = ld32(nonce + 4);
	s[15] = ld32(nonce + 8);
	chacha_core(s, out);
	OPENSSL_cleanse(s, sizeof(s));
}

void rb_chacha20_xor(const uint8_t key[32], uint32_t counter, const uint8_t nonce[12],
		     const uint8_t *in, uint8_t *out, size_t len)
{
	uint32_t s[16];
	uint8_t ks[64];

	chacha_init(s, key);
	s[12] = counter;
	s[13] = ld32(nonce);
	s[14] = ld32(nonce + 4);
	s[15] = ld32(nonce + 8);
	while (len > 0) {
		size_t n = len < 64 ? len : 64;

		chacha_core(s, ks);
		for (size_t i = 0; i < n; i++)
			out[i] = in[i] ^ ks[i];
		s[12]++;
		in += n;
		out += n;
		len -= n;
	}
	OPENSSL_cleanse(s, sizeof(s));
	OPENSSL_cleanse(ks, sizeof(ks));
}

/* draft-irtf-cfrg-xchacha-03 2.2: rounds without the final addition, output
 * words 0..3 and 12..15. */
void rb_hchacha20(const uint8_t key[32], const uint8_t nonce[16], uint8_t out[32])
{
	uint32_t x[16];

	chacha_init(x, key);
	for (int i = 0; i < 4; i++)
		x[12 + i] = ld32(nonce + 4 * i);
	chacha_rounds(x);
	for (int i = 0; i < 4; i++) {
		st32(out + 4 * i, x[i]);
		st32(out + 16 + 4 * i, x[12 + i]);
	}
	OPENSSL_cleanse(x, sizeof(x));
}
