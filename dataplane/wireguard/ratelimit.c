/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Per-source handshake rate limit (as the kernel's ratelimiter.c: 20
 * packets/s with a burst of 5 per IPv4 address or IPv6 /64), in a fixed
 * table: a new source takes over its hash bucket, so memory stays bounded
 * under a flood from many addresses (one per lcore, no locks).
 */
#include <string.h>
#include <sys/socket.h>
#include "wg.h"

#define RL_COST (WG_NSEC / WG_RL_PPS)
#define RL_MAX  (RL_COST * WG_RL_BURST)

void wg_rl_init(struct wg_ratelimit *rl, uint64_t seed)
{
	memset(rl, 0, sizeof(*rl));
	rl->seed = seed | 1;
}

static uint64_t mix64(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdull;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ull;
	x ^= x >> 33;
	return x;
}

bool wg_rl_allow(struct wg_ratelimit *rl, int family, const uint8_t *addr, uint64_t now)
{
	uint64_t key, h;
	struct wg_rl_entry *e;

	if (family == AF_INET) {
		uint32_t a;

		memcpy(&a, addr, 4);
		key = (1ull << 63) | a;
	} else {
		memcpy(&key, addr, 8);   /* the /64 */
		key &= ~(1ull << 63);
	}
	h = mix64(key ^ rl->seed);
	e = &rl->e[h & (WG_RL_BUCKETS - 1)];
	if (e->key != key || e->last_ns == 0) {
		e->key = key;
		e->last_ns = now;
		e->tokens = RL_MAX - RL_COST;
		return true;
	}
	e->tokens += now - e->last_ns;
	if (e->tokens > RL_MAX)
		e->tokens = RL_MAX;
	e->last_ns = now;
	if (e->tokens < RL_COST)
		return false;
	e->tokens -= RL_COST;
	return true;
}
