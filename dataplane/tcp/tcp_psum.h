/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Payload sums kept with received segments, so that bytes relayed without
 * a change need no second pass for the checksum of the segment that sends
 * them on (RFC 1071: the ones' complement sum of a range is the sum of
 * its parts, a part at an odd offset byte-swapped; RFC 1624 for the same
 * arithmetic applied incrementally).
 *
 * tcp_input.c records the payload's sum of a single-mbuf segment whose
 * checksum it verified in software (rb_mbuf_meta psum, rb_lcore.h).  The
 * sum stays valid while the mbuf keeps rb_psum_flag and the data_off and
 * data_len it was taken over: anything that trims, splits or appends to
 * the buffer changes one of them, so a stale sum is never used.  What
 * could change the bytes in place (an application holding them) never
 * sees the flag: tcp_read() clears it; only tcp_splice() moves buffers
 * from a receive queue to a send queue with it.  tcp_output.c adds the
 * sums of whole buffers to the header's instead of summing the payload.
 */
#ifndef TCP_PSUM_H
#define TCP_PSUM_H

#include <stdint.h>
#include <rte_mbuf.h>
#include "../rb_lcore.h"

static inline void tcp_psum_set(struct rte_mbuf *m, uint16_t sum)
{
	struct rb_mbuf_meta *mt = rb_meta(m);

	mt->psum = sum;
	mt->psum_off = m->data_off;
	mt->psum_len = m->data_len;
	m->ol_flags |= rb_psum_flag;
}

static inline void tcp_psum_clear(struct rte_mbuf *m)
{
	m->ol_flags &= ~rb_psum_flag;
}

/* The sum of m's data (folded), when known: 1 and *sum, else 0. */
static inline int tcp_psum_get(struct rte_mbuf *m, uint16_t *sum)
{
	const struct rb_mbuf_meta *mt;

	if (rb_psum_flag == 0 || !(m->ol_flags & rb_psum_flag))
		return 0;
	mt = rb_meta(m);
	if (mt->psum_off != m->data_off || mt->psum_len != m->data_len)
		return 0;
	*sum = mt->psum;
	return 1;
}

#endif
