/* SPDX-License-Identifier: BSD-3-Clause */
/* TAI64N encoding for the WireGuard handshake timestamp. */
#include <string.h>
#include <time.h>

#include "rb_tai64n.h"

#define TAI64_BASE (0x4000000000000000ULL + 10)
#define NSEC_MASK  (~((1u << 24) - 1))

void rb_tai64n_encode(uint8_t out[RB_TAI64N_LEN], uint64_t unix_sec, uint32_t nsec)
{
	uint64_t s = TAI64_BASE + unix_sec;

	for (int i = 0; i < 8; i++)
		out[i] = (uint8_t)(s >> (56 - 8 * i));
	for (int i = 0; i < 4; i++)
		out[8 + i] = (uint8_t)(nsec >> (24 - 8 * i));
}

void rb_tai64n_now(uint8_t out[RB_TAI64N_LEN])
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	rb_tai64n_encode(out, (uint64_t)ts.tv_sec, (uint32_t)ts.tv_nsec & NSEC_MASK);
}

int rb_tai64n_after(const uint8_t a[RB_TAI64N_LEN], const uint8_t b[RB_TAI64N_LEN])
{
	return memcmp(a, b, RB_TAI64N_LEN) > 0;
}
