/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Per-lcore CSPRNG: a ChaCha20 keystream generator with fast key erasure
 * (each refill's first 32 bytes become the next key, served bytes are wiped
 * from the buffer), seeded from getrandom() and reseeded from it every
 * RB_RAND_RESEED_BYTES of output and after a fork (checked at refill).
 * One struct per lcore, no locks.  Use it for salts, session ids, padding,
 * random IVs; protocol nonces that must not repeat should be counters.
 */
#ifndef RB_RAND_H
#define RB_RAND_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define RB_RAND_BUF_LEN      512
#define RB_RAND_RESEED_BYTES (1u << 20)

struct rb_rand {
	uint8_t key[32];
	uint8_t buf[RB_RAND_BUF_LEN];
	uint32_t pos;             /* next unserved byte of buf */
	uint32_t seeded;
	uint64_t counter;         /* nonce of the next refill */
	uint64_t since_reseed;    /* bytes generated since the last reseed */
	uint64_t reseeds;
	pid_t pid;
};

/* Seeds from getrandom().  Returns 0, or -1 when the kernel gives nothing. */
int rb_rand_init(struct rb_rand *r);
/* Fills buf.  Returns 0, or -1 when the generator was never seeded (buf is
 * zeroed then).  A failed periodic reseed keeps the current (still secure)
 * key and is retried at the next refill. */
int rb_rand_bytes(struct rb_rand *r, void *buf, size_t len);
uint64_t rb_rand_u64(struct rb_rand *r);
/* Uniform in [0, bound), bound > 0, without modulo bias. */
uint32_t rb_rand_uniform(struct rb_rand *r, uint32_t bound);
void rb_rand_wipe(struct rb_rand *r);

/* Straight from the kernel (getrandom, blocking until seeded); 0 or -1. */
int rb_getrandom(void *buf, size_t len);

#endif
