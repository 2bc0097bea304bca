/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Salt replay filter for Shadowsocks AEAD (SIP004 recommends servers
 * reject reused salts; shadowsocks-libev and sing-box use a Bloom filter).
 *
 * Two Bloom filters, current and previous, of `capacity` salts each: a salt
 * is a replay when either holds it; inserts go to current, and when current
 * holds `capacity` salts it becomes previous (the old previous is cleared).
 * So at least the last `capacity` salts are always remembered, memory is
 * fixed (2 * bits / 8 bytes), and false positives (a fresh salt rejected)
 * stay under about 2 * fp.  Bit positions come from a keyed hash (BLAKE3
 * keyed with a random key), so peers cannot aim salts at chosen bits.
 */
#ifndef SS_REPLAY_H
#define SS_REPLAY_H

#include <stddef.h>
#include <stdint.h>

struct ss_replay {
	uint64_t *bits[2]; /* [cur], [cur ^ 1] = previous */
	uint64_t nbits;	   /* per filter, a power of two */
	uint32_t k;	   /* probes per salt */
	uint32_t cur;
	uint64_t capacity, count; /* salts in the current filter */
	uint64_t replays, rotations;
	uint8_t key[32];
};

/* capacity >= 1, 0 < fp < 1 (e.g. 1e6 salts, 1e-6).  key: 32 random bytes.
 * Returns 0 or -1 (bad arguments, no memory). */
int ss_replay_init(struct ss_replay *r, uint64_t capacity, double fp, const uint8_t key[32]);
void ss_replay_free(struct ss_replay *r);
/* Check and insert.  Returns 1 when the salt was seen (counted, not
 * inserted again), 0 when fresh (now remembered). */
int ss_replay_check_add(struct ss_replay *r, const uint8_t *salt, size_t len);
/* Bytes held by the two filters. */
size_t ss_replay_mem(const struct ss_replay *r);

#endif
