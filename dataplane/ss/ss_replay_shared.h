/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * One salt replay filter shared by every worker lcore, without locks
 * (Shadowsocks: SIP004 says servers should refuse reused salts; SIP022
 * 3.1.4 wants every salt remembered for 60 s; a replay may be sent to any
 * worker, as RSS spreads connections by 4-tuple).
 *
 * An open-addressing set of 64-bit salt fingerprints in one block of
 * memory (a DPDK memzone in the dataplane, any aligned block in tests):
 *
 *   slot = fingerprint (56 bits of BLAKE3 keyed with a random key) << 8
 *          | generation tag (8 bits); 0 = empty
 *
 * A salt is looked up in a window of SS_RPX_WINDOW slots (four cache lines)
 * starting at a keyed-hash position.  Slots of the current and the previous
 * generation are live; older tags are stale and reused in place, so a
 * rotation clears nothing: bumping the generation retires the previous one
 * at once.  The generation advances when the current one has taken
 * `capacity` fresh salts (count basis), so the last `capacity` to
 * 2 x `capacity` salts are always remembered.  Memory: 4 x capacity slots
 * rounded up to a power of two (<= 0.5 load), 8 bytes each (32 B a salt;
 * the default 524288 salts a generation: 16 MiB).
 *
 * Concurrency: check-and-insert is a scan, then a compare-and-swap of the
 * first empty or stale slot; a failed CAS re-reads that slot.  Two lcores
 * racing the same salt scan the same window in the same order and meet at
 * the same slot: exactly one CAS wins (fresh), the other reads the winner's
 * fingerprint (replay).  The generation and its fresh count share one
 * 64-bit word (gen << 32 | count), so the one lcore whose increment reaches
 * `capacity` rotates with one CAS that also zeroes the count.
 * Limits (documented, not hidden): across a rotation that retires a slot
 * two racing duplicates may both pass; a full window (no empty or stale
 * slot: only when far above the design load) evicts a previous-generation
 * entry (or the first) and counts it.  False positives: a fresh salt whose
 * 56-bit fingerprint equals a live one in its window (~ 32 / 2^56).
 */
#ifndef SS_REPLAY_SHARED_H
#define SS_REPLAY_SHARED_H

#include <stddef.h>
#include <stdint.h>

#define SS_RPX_MAGIC	      0x3158505253535242ULL /* "BRSSRPX1" */
#define SS_RPX_WINDOW	      32
#define SS_RPX_DEFAULT_CAP    524288u
#define SS_RPX_MIN_CAP	      64u
#define SS_RPX_MAX_CAP	      (1u << 28)

enum ss_rpx_result {
	SS_RPX_FRESH = 0,  /* not seen: now remembered */
	SS_RPX_REPLAY = 1, /* seen (in this or the previous generation) */
};

struct ss_rpx {
	uint64_t magic;
	uint64_t slots;	   /* power of two */
	uint64_t capacity; /* fresh salts a generation */
	uint8_t key[32];
	uint64_t pad0[2];
	/* written by every lcore: own cache lines */
	uint64_t gc __attribute__((aligned(64))); /* generation << 32 | fresh count */
	uint64_t replays __attribute__((aligned(64)));
	uint64_t rotations, evictions, fresh;
	uint64_t tab[] __attribute__((aligned(64)));
};

/* Bytes a filter of capacity salts a generation needs (0: out of range). */
size_t ss_rpx_mem(uint64_t capacity);
/* Lay a filter out in mem (size bytes, 64-byte aligned, from one thread,
 * before any other uses it); key: 32 random bytes.  Returns the filter, or
 * NULL (capacity out of SS_RPX_MIN_CAP..SS_RPX_MAX_CAP, size too small). */
struct ss_rpx *ss_rpx_init(void *mem, size_t size, uint64_t capacity, const uint8_t key[32]);
/* Check salt (len bytes) and remember it when fresh; from any thread.
 * *rotated (may be NULL) is set to 1 when this call advanced the
 * generation, else 0. */
enum ss_rpx_result ss_rpx_check_add(struct ss_rpx *r, const uint8_t *salt, size_t len,
				    int *rotated);
/* Wipe the key and the table (one thread, after the last user). */
void ss_rpx_wipe(struct ss_rpx *r);

#endif
