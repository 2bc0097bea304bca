/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TAI64N timestamps (cr.yp.to/libtai/tai64.html) as the WireGuard handshake
 * initiation carries them (WireGuard paper section 5.4.2): 8 bytes big-endian
 * seconds + 2^62 + 10 (TAI-UTC offset as WireGuard computes it), then 4 bytes
 * big-endian nanoseconds.
 */
#ifndef RB_TAI64N_H
#define RB_TAI64N_H

#include <stdint.h>

#define RB_TAI64N_LEN 12

/* From CLOCK_REALTIME.  The nanoseconds are rounded down to a multiple of
 * 2^24 ns (about 16.8 ms), as wireguard-go and the kernel do, so the stamp
 * leaks less about the clock; strictly increasing stamps across calls are not
 * promised (compare with rb_tai64n_after). */
void rb_tai64n_now(uint8_t out[RB_TAI64N_LEN]);
/* Encode explicit UNIX seconds and nanoseconds (no rounding). */
void rb_tai64n_encode(uint8_t out[RB_TAI64N_LEN], uint64_t unix_sec, uint32_t nsec);
/* 1 when a is strictly later than b (byte-wise big-endian compare). */
int rb_tai64n_after(const uint8_t a[RB_TAI64N_LEN], const uint8_t b[RB_TAI64N_LEN]);

#endif
