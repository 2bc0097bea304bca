/* SPDX-License-Identifier: BSD-3-Clause */
/* BLAKE2s, RFC 7693 sections 2-3; HMAC and the WireGuard KDF on top. */
#include <string.h>
#include <openssl/crypto.h>

#include "rb_blake2s.h"

static const uint32_t IV[8] = {0x6A09E667, 0xBB67AE85, 0x3C6EF372, 0xA54FF53A,
			       0x510E527F, 0x9B05688C, 0x1F83D9AB, 0x5BE0CD19};

/* RFC 7693 2.7 */
static const uint8_t SIGMA[10][16] = {
	{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15},
	{14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3},
	{11, 8, 12, 0, 5, 2, 15, 13, 10, 14, 3, 6, 7, 1, 9, 4},
	{7, 9, 3, 1, 13, 12, 11, 14, 2, 6, 5, 10, 4, 0, 15, 8},
	{9, 0, 5, 7, 2, 4, 10, 15, 14, 1, 11, 12, 6, 8, 3, 13},
	{2, 12, 6, 10, 0, 11, 8, 3, 4, 13, 7, 5, 15, 14, 1, 9},
	{12, 5, 1, 15, 14, 13, 4, 10, 0, 7, 6, 3, 9, 2, 8, 11},
	{13, 11, 7, 14, 12, 1, 3, 9, 5, 0, 15, 4, 8, 6, 2, 10},
	{6, 15, 14, 9, 11, 3, 0, 8, 12, 2, 13, 7, 1, 4, 10, 5},
	{10, 2, 8, 4, 7, 6, 1, 5, 15, 11, 9, 14, 3, 12, 13, 0},
};

static inline uint32_t rotr(uint32_t v, int n)
{
	return (v >> n) | (v << (32 - n));
}

static inline uint32_t ld32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* RFC 7693 3.1, rotation constants R1..R4 = 16, 12, 8, 7 */
#define G(a, b, c, d, x, y)                                                                        \
	do {                                                                                       \
		v[a] = v[a] + v[b] + (x);                                                          \
		v[d] = rotr(v[d] ^ v[a], 16);                                                      \
		v[c] = v[c] + v[d];                                                                \
		v[b] = rotr(v[b] ^ v[c], 12);                                                      \
		v[a] = v[a] + v[b] + (y);                                                          \
		v[d] = rotr(v[d] ^ v[a], 8);                                                       \
		v[c] = v[c] + v[d];                                                                \
		v[b] = rotr(v[b] ^ v[c], 7);                                                       \
	} while (0)

/* RFC 7693 3.2 */
static void compress(struct rb_blake2s *s, const uint8_t block[64], int last)
{
	uint32_t v[16], m[16];

	for (int i = 0; i < 16; i++)
		m[i] = ld32(block + 4 * i);
	memcpy(v, s->h, 32);
	memcpy(v + 8, IV, 32);
	v[12] ^= s->t[0];
	v[13] ^= s->t[1];
	if (last)
		v[14] = ~v[14];
	for (int r = 0; r < 10; r++) {
		const uint8_t *sg = SIGMA[r];

		G(0, 4, 8, 12, m[sg[0]], m[sg[1]]);
		G(1, 5, 9, 13, m[sg[2]], m[sg[3]]);
		G(2, 6, 10, 14, m[sg[4]], m[sg[5]]);
		G(3, 7, 11, 15, m[sg[6]], m[sg[7]]);
		G(0, 5, 10, 15, m[sg[8]], m[sg[9]]);
		G(1, 6, 11, 12, m[sg[10]], m[sg[11]]);
		G(2, 7, 8, 13, m[sg[12]], m[sg[13]]);
		G(3, 4, 9, 14, m[sg[14]], m[sg[15]]);
	}
	for (int i = 0; i < 8; i++)
		s->h[i] ^= v[i] ^ v[i + 8];
	OPENSSL_cleanse(v, sizeof(v));
	OPENSSL_cleanse(m, sizeof(m));
}

static void add_counter(struct rb_blake2s *s, uint32_t n)
{
	s->t[0] += n;
	if (s->t[0] < n)
		s->t[1]++;
}

int rb_blake2s_init(struct rb_blake2s *s, size_t out_len, const uint8_t *key, size_t key_len)
{
	memset(s, 0, sizeof(*s));
	if (out_len == 0 || out_len > RB_BLAKE2S_OUT_LEN || key_len > RB_BLAKE2S_KEY_LEN ||
	    (key == NULL && key_len > 0))
		return -1;
	memcpy(s->h, IV, 32);
	/* parameter block: digest length, key length, fanout 1, depth 1 */
	s->h[0] ^= 0x01010000u ^ ((uint32_t)key_len << 8) ^ (uint32_t)out_len;
	s->out_len = (uint32_t)out_len;
	if (key_len > 0) {
		/* RFC 7693 3.3: the key, zero padded, is the first block */
		memcpy(s->buf, key, key_len);
		s->buf_len = RB_BLAKE2S_BLOCK_LEN;
	}
	return 0;
}

void rb_blake2s_update(struct rb_blake2s *s, const void *data, size_t len)
{
	const uint8_t *p = data;

	while (len > 0) {
		/* Only compress a full buffer once more input is known to follow:
		 * the last block must be compressed with the final flag. */
		if (s->buf_len == RB_BLAKE2S_BLOCK_LEN) {
			add_counter(s, RB_BLAKE2S_BLOCK_LEN);
			compress(s, s->buf, 0);
			s->buf_len = 0;
		}
		size_t take = RB_BLAKE2S_BLOCK_LEN - s->buf_len;

		if (take > len)
			take = len;
		memcpy(s->buf + s->buf_len, p, take);
		s->buf_len += (uint32_t)take;
		p += take;
		len -= take;
	}
}

void rb_blake2s_final(struct rb_blake2s *s, uint8_t *out)
{
	uint8_t full[32];

	add_counter(s, s->buf_len);
	memset(s->buf + s->buf_len, 0, RB_BLAKE2S_BLOCK_LEN - s->buf_len);
	compress(s, s->buf, 1);
	for (int i = 0; i < 8; i++) {
		full[4 * i] = (uint8_t)s->h[i];
		full[4 * i + 1] = (uint8_t)(s->h[i] >> 8);
		full[4 * i + 2] = (uint8_t)(s->h[i] >> 16);
		full[4 * i + 3] = (uint8_t)(s->h[i] >> 24);
	}
	memcpy(out, full, s->out_len);
	OPENSSL_cleanse(full, sizeof(full));
	OPENSSL_cleanse(s, sizeof(*s));
}

int rb_blake2s(uint8_t *out, size_t out_len, const uint8_t *key, size_t key_len,
	       const void *data, size_t len)
{
	struct rb_blake2s s;

	if (rb_blake2s_init(&s, out_len, key, key_len) != 0)
		return -1;
	rb_blake2s_update(&s, data, len);
	rb_blake2s_final(&s, out);
	return 0;
}

void rb_blake2s_hmac(uint8_t out[RB_BLAKE2S_OUT_LEN], const uint8_t *key, size_t key_len,
		     const void *data, size_t len)
{
	uint8_t k[RB_BLAKE2S_BLOCK_LEN] = {0}, pad[RB_BLAKE2S_BLOCK_LEN], ih[RB_BLAKE2S_OUT_LEN];
	struct rb_blake2s s;

	if (key_len > RB_BLAKE2S_BLOCK_LEN)
		rb_blake2s(k, RB_BLAKE2S_OUT_LEN, NULL, 0, key, key_len);
	else if (key_len > 0)
		memcpy(k, key, key_len);

	for (int i = 0; i < RB_BLAKE2S_BLOCK_LEN; i++)
		pad[i] = k[i] ^ 0x36;
	rb_blake2s_init(&s, RB_BLAKE2S_OUT_LEN, NULL, 0);
	rb_blake2s_update(&s, pad, sizeof(pad));
	rb_blake2s_update(&s, data, len);
	rb_blake2s_final(&s, ih);

	for (int i = 0; i < RB_BLAKE2S_BLOCK_LEN; i++)
		pad[i] = k[i] ^ 0x5c;
	rb_blake2s_init(&s, RB_BLAKE2S_OUT_LEN, NULL, 0);
	rb_blake2s_update(&s, pad, sizeof(pad));
	rb_blake2s_update(&s, ih, sizeof(ih));
	rb_blake2s_final(&s, out);

	OPENSSL_cleanse(k, sizeof(k));
	OPENSSL_cleanse(pad, sizeof(pad));
	OPENSSL_cleanse(ih, sizeof(ih));
}

void rb_blake2s_kdf(uint8_t *t1, uint8_t *t2, uint8_t *t3, const uint8_t key[RB_BLAKE2S_OUT_LEN],
		    const void *input, size_t len)
{
	uint8_t t0[32], buf[33], t[32];

	rb_blake2s_hmac(t0, key, RB_BLAKE2S_OUT_LEN, input, len);
	buf[0] = 1;
	rb_blake2s_hmac(t, t0, sizeof(t0), buf, 1);
	memcpy(t1, t, 32);
	if (t2 != NULL) {
		memcpy(buf, t, 32);
		buf[32] = 2;
		rb_blake2s_hmac(t, t0, sizeof(t0), buf, 33);
		memcpy(t2, t, 32);
		if (t3 != NULL) {
			memcpy(buf, t, 32);
			buf[32] = 3;
			rb_blake2s_hmac(t, t0, sizeof(t0), buf, 33);
			memcpy(t3, t, 32);
		}
	}
	OPENSSL_cleanse(t0, sizeof(t0));
	OPENSSL_cleanse(buf, sizeof(buf));
	OPENSSL_cleanse(t, sizeof(t));
}
