/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Time-bounded salt cache for Shadowsocks 2022 (SIP022 3.1.4 "Replay
 * Protection"): servers and clients store every incoming salt for 60 s and
 * reject a salt seen within that time.  No false positives (the spec rules
 * out Bloom filters): an exact hash set.
 *
 * Why 60 s: a header is accepted when its timestamp is within 30 s of our
 * clock, so a recording can be replayed for at most 60 s after the original
 * was accepted.  A salt added at t is remembered while now <= t + 60.
 *
 * Memory is fixed at init: `capacity` entries (a FIFO ring in arrival
 * order, so expiry pops from the head) and an open-addressing index of
 * 2 * capacity slots (linear probing, backward-shift deletion), ~44 bytes
 * per entry.  Index positions come from BLAKE3 keyed with a random key.
 *
 * When full of unexpired salts, a new salt is refused (SS_SALT_FULL,
 * counted): failing closed never lets a replay through, and only salts of
 * authenticated headers are added, so only a key holder can fill it.  Size
 * it for the peak new-session rate times 60 s.
 *
 * One cache per inbound per lcore, no locks; `now` (seconds) is injected.
 */
#ifndef SS_SALT_CACHE_H
#define SS_SALT_CACHE_H

#include <stddef.h>
#include <stdint.h>

#define SS_SALT_TTL_S	60
#define SS_SALT_MAX_LEN 32

enum ss_salt_result {
	SS_SALT_FRESH = 0,  /* not seen: now remembered */
	SS_SALT_REPLAY = 1, /* seen within the last 60 s (counted) */
	SS_SALT_FULL = 2,   /* capacity reached, nothing expired: refused (counted) */
};

struct ss_salt_ent {
	uint8_t salt[SS_SALT_MAX_LEN];
	uint64_t t;
};

struct ss_salt_cache {
	struct ss_salt_ent *ring; /* capacity entries, head = oldest */
	uint32_t *idx;		  /* ring position + 1, 0 = empty */
	uint32_t capacity, head, count;
	uint32_t mask; /* idx slots - 1 */
	uint8_t salt_len;
	uint64_t last_t; /* newest insert time (stored times never decrease) */
	uint64_t replays, full, expired;
	uint8_t key[32];
};

/* capacity 1 .. 2^30, salt_len 1 .. 32, key: 32 random bytes.  0 or -1. */
int ss_salt_cache_init(struct ss_salt_cache *c, uint32_t capacity, uint8_t salt_len,
		       const uint8_t key[32]);
void ss_salt_cache_free(struct ss_salt_cache *c);
/* Expire, then check salt (salt_len bytes) and remember it when fresh. */
enum ss_salt_result ss_salt_cache_check_add(struct ss_salt_cache *c, const uint8_t *salt,
					    uint64_t now);
/* Drop salts older than 60 s (check_add does it too). */
void ss_salt_cache_expire(struct ss_salt_cache *c, uint64_t now);
size_t ss_salt_cache_mem(const struct ss_salt_cache *c);

#endif
