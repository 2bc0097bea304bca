/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Rotating double Bloom filter of salts: see ss_replay.h.
 */
#include <math.h>
#include <openssl/crypto.h>
#include <stdlib.h>
#include <string.h>

#include "../../crypto/rb_blake3.h"
#include "ss_replay.h"

int ss_replay_init(struct ss_replay *r, uint64_t capacity, double fp, const uint8_t key[32])
{
	double m;
	uint64_t nbits = 64;

	memset(r, 0, sizeof(*r));
	if (capacity == 0 || !(fp > 0 && fp < 1) || capacity > (1ull << 32))
		return -1;
	/* m = -n ln p / (ln 2)^2, k = m/n ln 2 */
	m = -(double)capacity * log(fp) / (M_LN2 * M_LN2);
	while ((double)nbits < m)
		nbits <<= 1;
	r->nbits = nbits;
	r->k = (uint32_t)ceil((double)nbits / (double)capacity * M_LN2);
	if (r->k < 1)
		r->k = 1;
	if (r->k > 16)
		r->k = 16;
	r->capacity = capacity;
	memcpy(r->key, key, 32);
	r->bits[0] = calloc(nbits / 64, 8);
	r->bits[1] = calloc(nbits / 64, 8);
	if (r->bits[0] == NULL || r->bits[1] == NULL) {
		ss_replay_free(r);
		return -1;
	}
	return 0;
}

void ss_replay_free(struct ss_replay *r)
{
	free(r->bits[0]);
	free(r->bits[1]);
	OPENSSL_cleanse(r, sizeof(*r));
}

size_t ss_replay_mem(const struct ss_replay *r) { return (size_t)(2 * r->nbits / 8); }

static int has(const uint64_t *b, const uint64_t *pos, uint32_t k)
{
	for (uint32_t i = 0; i < k; i++)
		if (!(b[pos[i] >> 6] & (1ull << (pos[i] & 63))))
			return 0;
	return 1;
}

int ss_replay_check_add(struct ss_replay *r, const uint8_t *salt, size_t len)
{
	uint64_t h[2], pos[16];
	uint8_t d[16];

	rb_blake3_keyed(r->key, salt, len, d, sizeof(d));
	memcpy(h, d, sizeof(h));
	h[1] |= 1; /* double hashing: odd step over a power-of-two table */
	for (uint32_t i = 0; i < r->k; i++)
		pos[i] = (h[0] + i * h[1]) & (r->nbits - 1);
	if (has(r->bits[r->cur], pos, r->k) || has(r->bits[r->cur ^ 1], pos, r->k)) {
		r->replays++;
		return 1;
	}
	if (r->count == r->capacity) {
		r->cur ^= 1;
		memset(r->bits[r->cur], 0, r->nbits / 8);
		r->count = 0;
		r->rotations++;
	}
	for (uint32_t i = 0; i < r->k; i++)
		r->bits[r->cur][pos[i] >> 6] |= 1ull << (pos[i] & 63);
	r->count++;
	return 0;
}
