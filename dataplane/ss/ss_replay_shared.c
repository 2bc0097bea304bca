/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Lock-free salt replay filter shared by the workers: see ss_replay_shared.h.
 */
#include <openssl/crypto.h>
#include <string.h>

#include "../../crypto/rb_blake3.h"
#include "ss_replay_shared.h"

#define TAG(v)	   ((uint8_t)((v) & 0xff))
#define COUNT(w)   ((uint32_t)(w))
#define GEN(w)	   ((uint32_t)((w) >> 32))

static uint64_t slots_for(uint64_t capacity)
{
	uint64_t n = SS_RPX_WINDOW;

	while (n < 4 * capacity)
		n <<= 1;
	return n;
}

size_t ss_rpx_mem(uint64_t capacity)
{
	if (capacity < SS_RPX_MIN_CAP || capacity > SS_RPX_MAX_CAP)
		return 0;
	return sizeof(struct ss_rpx) + (size_t)slots_for(capacity) * sizeof(uint64_t);
}

struct ss_rpx *ss_rpx_init(void *mem, size_t size, uint64_t capacity, const uint8_t key[32])
{
	size_t need = ss_rpx_mem(capacity);
	struct ss_rpx *r = mem;

	if (need == 0 || mem == NULL || size < need || ((uintptr_t)mem & 63))
		return NULL;
	memset(mem, 0, need);
	r->slots = slots_for(capacity);
	r->capacity = capacity;
	memcpy(r->key, key, 32);
	r->gc = (uint64_t)1 << 32; /* generation 1, none counted */
	__atomic_store_n(&r->magic, SS_RPX_MAGIC, __ATOMIC_RELEASE);
	return r;
}

void ss_rpx_wipe(struct ss_rpx *r)
{
	if (r == NULL)
		return;
	OPENSSL_cleanse(r, sizeof(*r) + (size_t)r->slots * sizeof(uint64_t));
}

/* A slot of generation tag t is live under generation g: g's or g - 1's. */
static int live(uint64_t v, uint32_t g)
{
	return v != 0 && (TAG(v) == (uint8_t)g || TAG(v) == (uint8_t)(g - 1));
}

/* After a fresh insert under generation g: count it; the increment that
 * reaches capacity rotates (one CAS bumps the generation and zeroes the
 * count, so a late increment of the old generation cannot rotate twice). */
static int count_fresh(struct ss_rpx *r, uint32_t g)
{
	uint64_t w = __atomic_add_fetch(&r->gc, 1, __ATOMIC_ACQ_REL);

	__atomic_fetch_add(&r->fresh, 1, __ATOMIC_RELAXED);
	while (GEN(w) == g && COUNT(w) >= r->capacity) {
		uint64_t next = (uint64_t)(g + 1) << 32;

		if (__atomic_compare_exchange_n(&r->gc, &w, next, 0, __ATOMIC_ACQ_REL,
						__ATOMIC_ACQUIRE)) {
			__atomic_fetch_add(&r->rotations, 1, __ATOMIC_RELAXED);
			return 1;
		}
	}
	return 0;
}

enum ss_rpx_result ss_rpx_check_add(struct ss_rpx *r, const uint8_t *salt, size_t len,
				    int *rotated)
{
	uint64_t h[2], fp, mask = r->slots - 1, base, mine;
	uint64_t *t = r->tab;
	uint8_t d[16];
	uint32_t g = GEN(__atomic_load_n(&r->gc, __ATOMIC_ACQUIRE));
	int first_free = -1, first_prev = -1;

	if (rotated)
		*rotated = 0;
	rb_blake3_keyed(r->key, salt, len, d, sizeof(d));
	memcpy(h, d, sizeof(h));
	fp = (h[1] >> 8) | 1; /* 56 bits, never 0 */
	mine = fp << 8 | (uint8_t)g;
	base = h[0] & mask & ~(uint64_t)7; /* a cache-line boundary */
	/* 1. a live slot with our fingerprint: a replay */
	for (int i = 0; i < SS_RPX_WINDOW; i++) {
		uint64_t v = __atomic_load_n(&t[(base + (uint64_t)i) & mask], __ATOMIC_ACQUIRE);

		if (live(v, g) && v >> 8 == fp)
			goto replay;
		if (!live(v, g) && first_free < 0)
			first_free = i;
		if (v != 0 && TAG(v) == (uint8_t)(g - 1) && first_prev < 0)
			first_prev = i;
	}
	/* 2. claim the first empty or stale slot; a lost race re-reads it:
	 * our fingerprint there means a concurrent duplicate won */
	for (int i = first_free; i >= 0 && i < SS_RPX_WINDOW; i++) {
		uint64_t *p = &t[(base + (uint64_t)i) & mask];
		uint64_t v = __atomic_load_n(p, __ATOMIC_ACQUIRE);

		for (;;) {
			if (live(v, g) && v >> 8 == fp)
				goto replay;
			if (live(v, g))
				break; /* taken by another salt: the next slot */
			if (__atomic_compare_exchange_n(p, &v, mine, 0, __ATOMIC_ACQ_REL,
							__ATOMIC_ACQUIRE)) {
				if (count_fresh(r, g) && rotated)
					*rotated = 1;
				return SS_RPX_FRESH;
			}
		}
	}
	/* 3. the window is full of live salts (far above the design load):
	 * forget a previous-generation one, else the first */
	{
		uint64_t *p = &t[(base + (uint64_t)(first_prev >= 0 ? first_prev : 0)) & mask];

		__atomic_store_n(p, mine, __ATOMIC_RELEASE);
		__atomic_fetch_add(&r->evictions, 1, __ATOMIC_RELAXED);
		if (count_fresh(r, g) && rotated)
			*rotated = 1;
		return SS_RPX_FRESH;
	}
replay:
	__atomic_fetch_add(&r->replays, 1, __ATOMIC_RELAXED);
	return SS_RPX_REPLAY;
}
