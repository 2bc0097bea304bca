/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Replay protection for transport counters: a sliding bitmap window of
 * WG_REPLAY_BITS bits, as the Linux kernel's counter_validate
 * (drivers/net/wireguard/receive.c, after RFC 6479): whole 64-bit words
 * ahead of the window are cleared as it slides, so the cost is bounded by
 * the window size however far the counter jumps.  Run only after the
 * packet authenticated (whitepaper section 5.4.6).
 */
#include <string.h>
#include "wg.h"

void wg_replay_init(struct wg_replay *r)
{
	memset(r, 0, sizeof(*r));
}

bool wg_replay_check(struct wg_replay *r, uint64_t their)
{
	uint64_t index, cur, top, bit;

	if (r->counter >= WG_REJECT_AFTER_MESSAGES + 1 || their >= WG_REJECT_AFTER_MESSAGES)
		return false;
	++their;
	if (WG_REPLAY_WINDOW + their < r->counter)
		return false;
	index = their >> 6;
	if (their > r->counter) {
		cur = r->counter >> 6;
		top = index - cur;
		if (top > WG_REPLAY_WORDS)
			top = WG_REPLAY_WORDS;
		for (uint64_t i = 1; i <= top; i++)
			r->bitmap[(i + cur) & (WG_REPLAY_WORDS - 1)] = 0;
		r->counter = their;
	}
	index &= WG_REPLAY_WORDS - 1;
	bit = 1ull << (their & 63);
	if (r->bitmap[index] & bit)
		return false;
	r->bitmap[index] |= bit;
	return true;
}
