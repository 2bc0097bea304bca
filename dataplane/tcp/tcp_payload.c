/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TCP output's payload: a segment's bytes out of the send queue, copied,
 * referenced (zero copy: indirect mbufs on the queue's buffers) or in
 * place (the headers written into the buffer's own headroom), with the
 * payload's checksum gathered on the way where it is summed in software;
 * a frame kept within the port's mbufs per frame.  tcp_output.c builds
 * the headers around it (tcp_send_seg).
 */
#include <string.h>
#include <rte_ethdev.h>
#include "tcp_priv.h"
#include "../net/cksum.h"
#include "tcp_psum.h"

/* ---- payload ---- */
/* Zero-copy transmit (`zc_tx` 1; a TSO super-segment's under the default
 * 2 too, up to the port's mbufs per frame): a segment's payload is
 * referenced where
 * it lies in the send queue (indirect mbufs chained behind the header
 * mbuf, each holding a reference on the queue's buffer, so the data
 * outlives the queue's own reference until the NIC is done with it) when
 * the port takes chains (RTE_ETH_TX_OFFLOAD_MULTI_SEGS).  Pieces below
 * TCP_ZC_MIN bytes and the queue's open tail (tcp_write() may still
 * append to it, and appends only to a buffer nobody else references) are
 * copied.  Ports without chains (net_af_xdp in DPDK 22.11, whose mbufs
 * must also come from the UMEM pool) get one copied mbuf per segment.
 *
 * In place (`zc_tx` 1 or 2, the default; tcp_seg_inplace): a segment
 * whose payload is the start of one send-queue buffer that nobody else
 * references goes out as a single indirect mbuf on that buffer, its
 * headers written into the buffer's headroom in front of the data: no
 * header mbuf, no chain, no copy, one reference (set, not an atomic
 * increment: the count was 1).  refcnt 1 is what makes the headroom free:
 * no earlier transmission of that buffer is still on its way.  This is
 * the relay's segment (tcp_splice queues the buffers the other
 * connection received, one segment each); the open tail only when it is
 * such a buffer (a valid payload sum: tcp_psum.h), so local writers keep
 * filling theirs.  Whoever would write into a frame's data (VLAN
 * insertion, WireGuard's in-place seal, delivery to ourselves, ports
 * without chains) takes a private copy first (rb_tx_private).
 *
 * Payload sums: where the checksum is summed in software, the payload's
 * sum is gathered per piece: a whole buffer with a valid payload sum adds
 * it without reading the data, any other piece is summed as it is
 * referenced or copied; tcp_xmit_psum then sums only the header. */
#define TCP_ZC_MIN 256
/* Room in front of the TCP header for IPv6 (40), Ethernet and 802.1Q (18). */
#define TCP_ZC_L2L3 64

int tcp_zc_port(const struct tcp_conn *c)
{
	const struct rb_dp *dp = c->st->lc->dp;

	return c->st->prm.zc_tx && c->port < RB_MAX_PORTS &&
	       (dp->ports[c->port].tx_offloads & RTE_ETH_TX_OFFLOAD_MULTI_SEGS) != 0;
}

/* Will tcp_xmit sum this connection's segments in software? */
int tcp_sw_cksum(const struct tcp_conn *c)
{
	return c->port >= RB_MAX_PORTS ||
	       !(c->st->lc->dp->ports[c->port].tx_offloads & RTE_ETH_TX_OFFLOAD_TCP_CKSUM);
}

/* Folded sum of [off, off + n) of send-queue buffer s, placed at payload
 * offset poff (an odd offset swaps it, RFC 1071). */
static uint16_t tcp_piece_sum(struct tcp_conn *c, struct rte_mbuf *s, uint32_t off, uint32_t n,
			      uint32_t poff)
{
	uint16_t sum;

	if (off == 0 && n == s->data_len && tcp_psum_get(s, &sum))
		rb_count(c->st->lc, RB_EV_TCP_PSUM_REUSED);
	else
		sum = rb_cksum_fold(rb_raw_sum(rte_pktmbuf_mtod_offset(s, const uint8_t *, off), n));
	return (poff & 1) ? rte_bswap16(sum) : sum;
}

/* The send-queue buffer holding byte pos (counted from the start of
 * sndq.head's data), from the copy cursor when it lies before; *base: the
 * position of its first byte. */
static struct rte_mbuf *tcp_sndq_at(struct tcp_conn *c, uint32_t pos, uint32_t *base)
{
	struct rte_mbuf *s;
	uint32_t b;

	if (c->scur != NULL && c->scur_pos <= pos) {
		s = c->scur;
		b = c->scur_pos;
	} else {
		s = c->sndq.head;
		b = 0;
	}
	while (s != NULL && b + s->data_len <= pos) {
		b += s->data_len;
		s = s->next;
	}
	*base = b;
	return s;
}

/* The in-place segment (above) for len payload bytes at seq behind hlen
 * bytes of TCP header, or NULL when it does not apply.  *psum: the
 * payload's sum when sum is asked for. */
struct rte_mbuf *tcp_seg_inplace(struct tcp_conn *c, uint32_t seq, uint32_t len,
					unsigned hlen, int sum, uint16_t *psum)
{
	uint32_t pos = c->sndq_off + (seq - c->sndq_seq), base;
	struct rte_mbuf *s = tcp_sndq_at(c, pos, &base), *r;
	uint16_t ps;

	if (s == NULL || pos != base || len > s->data_len || len < TCP_ZC_MIN ||
	    !RTE_MBUF_DIRECT(s) || rte_mbuf_refcnt_read(s) != 1 ||
	    s->data_off < hlen + TCP_ZC_L2L3)
		return NULL;
	if (s == c->sndq.tail && rte_pktmbuf_tailroom(s) != 0 && !tcp_psum_get(s, &ps))
		return NULL; /* a local writer's open buffer */
	r = rte_pktmbuf_alloc(c->st->lc->dp->pool);
	if (r == NULL)
		return NULL;
	rte_pktmbuf_attach(r, s);
	r->ol_flags = RTE_MBUF_F_INDIRECT; /* none of the buffer's RX flags or its sum */
	r->tx_offload = 0;
	r->packet_type = 0;
	r->data_off = (uint16_t)(s->data_off - hlen);
	r->data_len = (uint16_t)(hlen + len);
	r->pkt_len = hlen + len;
	if (sum)
		*psum = tcp_piece_sum(c, s, 0, len, 0);
	c->scur = s;
	c->scur_pos = base;
	rb_count(c->st->lc, RB_EV_TCP_ZC_INPLACE);
	return r;
}

/* A new mbuf referencing [off, off + n) of send-queue segment s. */
static struct rte_mbuf *tcp_ref_seg(struct rte_mempool *mp, struct rte_mbuf *s, uint32_t off,
				    uint32_t n)
{
	struct rte_mbuf *r = rte_pktmbuf_alloc(mp);

	if (r == NULL)
		return NULL;
	rte_pktmbuf_attach(r, s);
	r->ol_flags &= RTE_MBUF_F_INDIRECT | RTE_MBUF_F_EXTERNAL;
	r->data_off = (uint16_t)(r->data_off + off);
	r->data_len = (uint16_t)n;
	r->pkt_len = n;
	return r;
}

/* Append len bytes of the send queue starting at seq to m: referenced
 * (zc) or copied (chaining new segments when the last is full), in at
 * most seg_max mbufs in all (0: no bound).  Returns the bytes appended
 * (short of len only where seg_max stopped it), -1 without an mbuf.
 * With psum: the payload's folded sum there. */
int tcp_payload_out(struct tcp_conn *c, struct rte_mbuf *m, uint32_t seq, uint32_t len,
			   int zc, uint16_t *psum, uint32_t seg_max)
{
	uint32_t want = len;
	struct rte_mempool *mp = c->st->lc->dp->pool;
	uint32_t pos = c->sndq_off + (seq - c->sndq_seq), base, poff = 0;
	struct rte_mbuf *s, *last = rte_pktmbuf_lastseg(m);
	uint64_t acc = 0;

	s = tcp_sndq_at(c, pos, &base);
	while (len > 0 && s != NULL) {
		uint32_t off = pos - base, n = RTE_MIN(len, (uint32_t)s->data_len - off);

		if (zc && n >= TCP_ZC_MIN &&
		    (s != c->sndq.tail || rte_pktmbuf_tailroom(s) == 0)) {
			struct rte_mbuf *r;

			if (seg_max && m->nb_segs >= seg_max)
				break;
			r = tcp_ref_seg(mp, s, off, n);
			if (r == NULL)
				return -1;
			last->next = r;
			m->nb_segs++;
			last = r;
		} else {
			uint32_t room = RTE_MBUF_DIRECT(last) ? rte_pktmbuf_tailroom(last) : 0;

			if (room == 0) {
				struct rte_mbuf *nm;

				if (seg_max && m->nb_segs >= seg_max)
					break;
				nm = rte_pktmbuf_alloc(mp);
				if (nm == NULL)
					return -1;
				last->next = nm;
				m->nb_segs++;
				last = nm;
				room = rte_pktmbuf_tailroom(nm);
			}
			n = RTE_MIN(n, room);
			memcpy(rte_pktmbuf_mtod_offset(last, char *, last->data_len),
			       rte_pktmbuf_mtod_offset(s, char *, off), n);
			last->data_len = (uint16_t)(last->data_len + n);
		}
		if (psum)
			acc += tcp_piece_sum(c, s, off, n, poff);
		poff += n;
		m->pkt_len += n;
		pos += n;
		len -= n;
		if (pos - base == s->data_len) {
			c->scur = s;
			c->scur_pos = base;
			base += s->data_len;
			s = s->next;
		}
	}
	if (s != NULL) {
		c->scur = s;
		c->scur_pos = base;
	}
	if (psum)
		*psum = rb_cksum_fold(acc);
	if (len != 0 && (s == NULL || seg_max == 0))
		return -1; /* the queue ended short: a caller's bug */
	return (int)(want - len);
}

/* Cut chain m back to len bytes in all (len <= its pkt_len, > 0). */
void tcp_chain_trim(struct rte_mbuf *m, uint32_t len)
{
	struct rte_mbuf *s = m, *rest;
	uint32_t at = 0;

	while (at + s->data_len < len) {
		at += s->data_len;
		s = s->next;
	}
	s->data_len = (uint16_t)(len - at);
	rest = s->next;
	s->next = NULL;
	m->pkt_len = len;
	for (struct rte_mbuf *t = rest; t != NULL; t = t->next)
		m->nb_segs--;
	rte_pktmbuf_free(rest);
}
