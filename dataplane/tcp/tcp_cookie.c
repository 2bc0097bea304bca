/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Keyed hashing for TCP: SipHash-2-4 (Aumasson & Bernstein), initial
 * sequence numbers (RFC 6528) and SYN cookies (RFC 4987 3.6).
 *
 * Cookie ISN layout: bits 31..27 a 64-second counter (mod 32), 26..24 the
 * MSS table index, 23..0 a keyed hash of the 4-tuple, the peer's ISN, the
 * counter and the MSS index.  With timestamps the options the SYN offered
 * (window scale 4 bits, SACK-permitted 1 bit, "ws present" 1 bit) ride in
 * the low 6 bits of our TSval and come back in the peer's TSecr; without
 * timestamps the connection has no window scaling and no SACK, as in
 * every SYN-cookie implementation.
 */
#include <string.h>
#include "tcp_priv.h"

#define ROTL(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))
#define SIPROUND                                                                           \
	do {                                                                               \
		v0 += v1;                                                                  \
		v1 = ROTL(v1, 13);                                                         \
		v1 ^= v0;                                                                  \
		v0 = ROTL(v0, 32);                                                         \
		v2 += v3;                                                                  \
		v3 = ROTL(v3, 16);                                                         \
		v3 ^= v2;                                                                  \
		v0 += v3;                                                                  \
		v3 = ROTL(v3, 21);                                                         \
		v3 ^= v0;                                                                  \
		v2 += v1;                                                                  \
		v1 = ROTL(v1, 17);                                                         \
		v1 ^= v2;                                                                  \
		v2 = ROTL(v2, 32);                                                         \
	} while (0)

uint64_t tcp_siphash(const uint64_t key[2], const void *data, size_t len)
{
	const uint8_t *p = data;
	uint64_t v0 = 0x736f6d6570736575ULL ^ key[0];
	uint64_t v1 = 0x646f72616e646f6dULL ^ key[1];
	uint64_t v2 = 0x6c7967656e657261ULL ^ key[0];
	uint64_t v3 = 0x7465646279746573ULL ^ key[1];
	uint64_t b = (uint64_t)len << 56, m;
	size_t i;

	for (i = 0; i + 8 <= len; i += 8) {
		memcpy(&m, p + i, 8);
		m = rte_le_to_cpu_64(m);
		v3 ^= m;
		SIPROUND;
		SIPROUND;
		v0 ^= m;
	}
	for (size_t j = 0; i + j < len; j++)
		b |= (uint64_t)p[i + j] << (8 * j);
	v3 ^= b;
	SIPROUND;
	SIPROUND;
	v0 ^= b;
	v2 ^= 0xff;
	SIPROUND;
	SIPROUND;
	SIPROUND;
	SIPROUND;
	return v0 ^ v1 ^ v2 ^ v3;
}

/* RFC 6528 3: ISN = M + F(localip, localport, remoteip, remoteport, secretkey),
 * M a 4-microsecond timer. */
uint32_t tcp_isn(struct tcp_stack *st, const struct tcp_key *k)
{
	uint32_t f = (uint32_t)tcp_siphash(st->isn_key, k, sizeof(*k));

	return f + (uint32_t)(tcp_now_us(st) / 4);
}

/* Our MSS choices for cookies (3 bits). */
static const uint16_t cookie_mss[8] = {536, 1200, 1280, 1360, 1400, 1440, 1460, 8960};

struct cookie_in {
	struct tcp_key k;
	uint32_t peer_isn;
	uint32_t count;
	uint32_t mssidx;
};

static uint32_t cookie_hash(struct tcp_stack *st, const struct tcp_key *k, uint32_t peer_isn,
			    uint32_t count, uint32_t mssidx)
{
	struct cookie_in in;

	memset(&in, 0, sizeof(in));
	in.k = *k;
	in.peer_isn = peer_isn;
	in.count = count;
	in.mssidx = mssidx;
	return (uint32_t)tcp_siphash(st->cookie_key, &in, sizeof(in)) & 0xffffff;
}

static uint32_t cookie_count(struct tcp_stack *st)
{
	return (uint32_t)(tcp_now(st) / (st->hz * 64));
}

uint32_t tcp_cookie_make(struct tcp_stack *st, const struct tcp_key *k, uint32_t peer_isn,
			 uint16_t mss, uint32_t *tsval, const struct tcp_opts *o)
{
	uint32_t count = cookie_count(st), idx = 0;

	for (uint32_t i = 0; i < 8; i++)
		if (cookie_mss[i] <= mss)
			idx = i;
	if (tsval) {
		uint32_t bits = 0;

		if (o->has_ws)
			bits = 0x20 | o->ws;
		if (o->sack_perm)
			bits |= 0x10;
		*tsval = (*tsval & ~0x3fu) | bits;
	}
	return (count & 0x1f) << 27 | idx << 24 | cookie_hash(st, k, peer_isn, count, idx);
}

/* Validate the cookie echoed as ACK-1; fill o with the MSS and the options
 * the SYN carried.  Cookies are valid for two counter periods (64-128 s). */
int tcp_cookie_check(struct tcp_stack *st, const struct tcp_key *k, uint32_t peer_isn,
		     uint32_t cookie, uint32_t tsecr, int has_ts, struct tcp_opts *o)
{
	uint32_t now = cookie_count(st), idx = (cookie >> 24) & 7;

	for (uint32_t age = 0; age < 2; age++) {
		uint32_t count = now - age;

		if ((count & 0x1f) != cookie >> 27)
			continue;
		if (cookie_hash(st, k, peer_isn, count, idx) != (cookie & 0xffffff))
			continue;
		memset(o, 0, sizeof(*o));
		o->has_mss = 1;
		o->mss = cookie_mss[idx];
		if (has_ts) {
			o->has_ts = 1;
			if (tsecr & 0x20) {
				o->has_ws = 1;
				o->ws = tsecr & 0xf;
				if (o->ws > TCP_WSCALE_MAX)
					o->ws = TCP_WSCALE_MAX;
			}
			o->sack_perm = (tsecr & 0x10) != 0;
		}
		return 0;
	}
	return -1;
}
