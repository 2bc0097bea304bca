/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Internet checksum over mbuf chains (RFC 1071).
 *
 * DPDK 22.11's rte_raw_cksum_mbuf() truncates a segment's unreduced 32-bit
 * sum to 16 bits before the byte swap needed after an odd-length segment,
 * which loses carries: wrong checksums on chains with odd segment lengths.
 * rb_cksum_mbuf() has the same contract without that bug.
 */
#ifndef RB_CKSUM_H
#define RB_CKSUM_H

#include <stdint.h>
#include <rte_byteorder.h>
#include <rte_ip.h>
#include <rte_mbuf.h>

static inline uint16_t rb_cksum_fold(uint64_t s)
{
	s = (s & 0xffffffff) + (s >> 32);
	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	return (uint16_t)s;
}

/* Sum of [off, off + len) of m, folded, not inverted, in *out.
 * Returns 0, or -1 when the chain is shorter than off + len. */
static inline int rb_cksum_mbuf(const struct rte_mbuf *m, uint32_t off, uint32_t len,
				uint16_t *out)
{
	const struct rte_mbuf *seg = m;
	uint64_t sum = 0;
	uint32_t done = 0;

	while (seg != NULL && off >= rte_pktmbuf_data_len(seg)) {
		off -= rte_pktmbuf_data_len(seg);
		seg = seg->next;
	}
	for (; done < len; seg = seg->next, off = 0) {
		uint32_t n;
		uint16_t s;

		if (seg == NULL)
			return -1;
		n = rte_pktmbuf_data_len(seg) - off;
		if (n > len - done)
			n = len - done;
		s = rb_cksum_fold(__rte_raw_cksum(rte_pktmbuf_mtod_offset(seg, const uint8_t *, off),
						  n, 0));
		if (done & 1) /* this segment's bytes sit at odd offsets: swap */
			s = rte_bswap16(s);
		sum += s;
		done += n;
	}
	*out = rb_cksum_fold(sum);
	return 0;
}

#endif
