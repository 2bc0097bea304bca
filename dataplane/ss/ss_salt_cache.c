/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Time-bounded exact salt cache (SIP022 3.1.4): see ss_salt_cache.h.
 */
#include <openssl/crypto.h>
#include <stdlib.h>
#include <string.h>

#include "../../crypto/rb_blake3.h"
#include "ss_salt_cache.h"

static uint64_t salt_hash(const struct ss_salt_cache *c, const uint8_t *salt)
{
	uint8_t out[8];
	uint64_t h = 0;

	rb_blake3_keyed(c->key, salt, c->salt_len, out, sizeof(out));
	for (int i = 0; i < 8; i++)
		h = h << 8 | out[i];
	return h;
}

int ss_salt_cache_init(struct ss_salt_cache *c, uint32_t capacity, uint8_t salt_len,
		       const uint8_t key[32])
{
	uint64_t slots = 2;

	memset(c, 0, sizeof(*c));
	if (capacity == 0 || capacity > (1u << 30) || salt_len == 0 ||
	    salt_len > SS_SALT_MAX_LEN || key == NULL)
		return -1;
	while (slots < 2ull * capacity)
		slots <<= 1;
	c->ring = calloc(capacity, sizeof(*c->ring));
	c->idx = calloc(slots, sizeof(*c->idx));
	if (c->ring == NULL || c->idx == NULL) {
		ss_salt_cache_free(c);
		return -1;
	}
	c->capacity = capacity;
	c->mask = (uint32_t)(slots - 1);
	c->salt_len = salt_len;
	memcpy(c->key, key, 32);
	return 0;
}

void ss_salt_cache_free(struct ss_salt_cache *c)
{
	if (c->ring)
		OPENSSL_cleanse(c->ring, (size_t)c->capacity * sizeof(*c->ring));
	free(c->ring);
	free(c->idx);
	OPENSSL_cleanse(c, sizeof(*c));
}

size_t ss_salt_cache_mem(const struct ss_salt_cache *c)
{
	return (size_t)c->capacity * sizeof(*c->ring) + ((size_t)c->mask + 1) * sizeof(*c->idx);
}

/* The index slot holding ring position pos (present by construction). */
static uint32_t slot_of(const struct ss_salt_cache *c, uint32_t pos, uint64_t h)
{
	uint32_t i = (uint32_t)h & c->mask;

	while (c->idx[i] != pos + 1)
		i = (i + 1) & c->mask;
	return i;
}

/* Linear-probing delete with backward shift (no tombstones). */
static void idx_delete(struct ss_salt_cache *c, uint32_t i)
{
	uint32_t j = i;

	for (;;) {
		uint32_t k;

		j = (j + 1) & c->mask;
		if (c->idx[j] == 0)
			break;
		k = (uint32_t)salt_hash(c, c->ring[c->idx[j] - 1].salt) & c->mask;
		/* move j into the hole at i unless its home k lies in (i, j] */
		if (i <= j ? (k <= i || k > j) : (k <= i && k > j)) {
			c->idx[i] = c->idx[j];
			i = j;
		}
	}
	c->idx[i] = 0;
}

void ss_salt_cache_expire(struct ss_salt_cache *c, uint64_t now)
{
	while (c->count) {
		struct ss_salt_ent *e = &c->ring[c->head];

		if (now <= e->t + SS_SALT_TTL_S)
			break;
		idx_delete(c, slot_of(c, c->head, salt_hash(c, e->salt)));
		OPENSSL_cleanse(e, sizeof(*e));
		c->head = c->head + 1 == c->capacity ? 0 : c->head + 1;
		c->count--;
		c->expired++;
	}
}

enum ss_salt_result ss_salt_cache_check_add(struct ss_salt_cache *c, const uint8_t *salt,
					    uint64_t now)
{
	uint64_t h = salt_hash(c, salt);
	uint32_t i = (uint32_t)h & c->mask, pos;

	ss_salt_cache_expire(c, now);
	for (; c->idx[i]; i = (i + 1) & c->mask)
		if (CRYPTO_memcmp(c->ring[c->idx[i] - 1].salt, salt, c->salt_len) == 0) {
			c->replays++;
			return SS_SALT_REPLAY;
		}
	if (c->count == c->capacity) {
		c->full++;
		return SS_SALT_FULL;
	}
	pos = c->head + c->count;
	if (pos >= c->capacity)
		pos -= c->capacity;
	/* stored times never decrease, so the ring stays in expiry order even
	 * if the clock steps back */
	if (now > c->last_t)
		c->last_t = now;
	memset(c->ring[pos].salt, 0, sizeof(c->ring[pos].salt));
	memcpy(c->ring[pos].salt, salt, c->salt_len);
	c->ring[pos].t = c->last_t;
	c->idx[i] = pos + 1;
	c->count++;
	return SS_SALT_FRESH;
}
