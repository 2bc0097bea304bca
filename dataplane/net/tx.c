/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Transmit side of a worker: per-port TX buffers drained when full or on a
 * TSC deadline (l3fwd style), 802.1Q insertion, and the two inter-lcore
 * rings: `txring` for ports whose tx queue another worker owns, `handoff`
 * for packets whose flow another worker owns.
 */
#include <string.h>
#include <rte_ethdev.h>
#include "../rb_lcore.h"
#include "cksum.h"

static void txbuf_flush(struct rb_lcore *lc, uint16_t port)
{
	struct rb_txbuf *tb = &lc->tx[port];
	struct rb_port_counters *pc = &lc->stats->port[port];
	uint16_t sent, i;
	uint64_t bytes = 0;

	if (tb->n == 0)
		return;
	for (i = 0; i < tb->n; i++)
		bytes += tb->m[i]->pkt_len;
	sent = rte_eth_tx_burst(lc->dp->ports[port].port_id, tb->queue, tb->m, tb->n);
	for (i = sent; i < tb->n; i++) {
		bytes -= tb->m[i]->pkt_len;
		rb_drop(lc, tb->m[i], RB_DROP_TX_FULL);
	}
	pc->tx_packets += sent;
	pc->tx_bytes += bytes;
	tb->n = 0;
}

void rb_tx_flush(struct rb_lcore *lc)
{
	for (int p = 0; p < lc->dp->n_ports; p++)
		txbuf_flush(lc, (uint16_t)p);
}

/* Queue a finished frame on our own tx queue of `port`. */
static inline void txbuf_add(struct rb_lcore *lc, uint16_t port, struct rte_mbuf *m)
{
	struct rb_txbuf *tb = &lc->tx[port];

	tb->m[tb->n++] = m;
	if (tb->n == RB_TXBUF_SIZE)
		txbuf_flush(lc, port);
}

/* A frame in one segment whose buffer is its own: m when it is already
 * (one direct segment nobody else references), else m linearised in place
 * (a chain headed by such a segment with room for the rest) or copied into
 * a new mbuf.  For ports without multi-segment TX (AF_XDP, AF_PACKET copy
 * mode) and for whoever writes into the frame's data (VLAN insertion,
 * WireGuard's in-place seal, delivery to ourselves): an indirect mbuf or a
 * chain from TCP zero-copy transmit references the sender's queues.
 * Returns NULL after counting a drop (m freed). */
struct rte_mbuf *rb_tx_private(struct rb_lcore *lc, struct rte_mbuf *m)
{
	struct rte_mbuf *c;
	const void *src;
	void *dst;

	if (RTE_MBUF_DIRECT(m) && rte_mbuf_refcnt_read(m) == 1 && rte_pktmbuf_linearize(m) == 0)
		return m;
	c = rte_pktmbuf_alloc(lc->dp->pool);
	if (c == NULL || rte_pktmbuf_tailroom(c) < rte_pktmbuf_pkt_len(m)) {
		rte_pktmbuf_free(c);
		rb_drop(lc, m, RB_DROP_NO_MBUF);
		return NULL;
	}
	dst = rte_pktmbuf_append(c, (uint16_t)rte_pktmbuf_pkt_len(m));
	src = rte_pktmbuf_read(m, 0, rte_pktmbuf_pkt_len(m), dst);
	if (src != dst)
		memcpy(dst, src, rte_pktmbuf_pkt_len(m));
	c->port = m->port;
	c->ol_flags = m->ol_flags & ~(RTE_MBUF_F_INDIRECT | RTE_MBUF_F_EXTERNAL);
	c->vlan_tci = m->vlan_tci;
	c->tx_offload = m->tx_offload; /* the lengths an offloaded sum needs */
	rte_pktmbuf_free(m);
	return c;
}

void rb_tx_l2(struct rb_lcore *lc, uint16_t port, struct rte_mbuf *m)
{
	const struct rb_port *p = &lc->dp->ports[port];
	struct rb_txbuf *tb = &lc->tx[port];

	if (unlikely(m->ol_flags & RTE_MBUF_F_TX_L4_MASK)) {
		/* asked of a port that does not offer it (the route left by
		 * another port than the one the connection was set up on) */
		uint64_t need = (m->ol_flags & RTE_MBUF_F_TX_L4_MASK) == RTE_MBUF_F_TX_TCP_CKSUM
					? RTE_ETH_TX_OFFLOAD_TCP_CKSUM
					: RTE_ETH_TX_OFFLOAD_UDP_CKSUM;

		if (!(p->tx_offloads & need))
			rb_cksum_tx_finish(m, m->l2_len);
	}
	if ((unlikely(!(p->tx_offloads & RTE_ETH_TX_OFFLOAD_MULTI_SEGS)) &&
	     (m->nb_segs > 1 || !RTE_MBUF_DIRECT(m))) ||
	    (unlikely(p->vlan) && (!RTE_MBUF_DIRECT(m) || rte_mbuf_refcnt_read(m) > 1))) {
		/* such ports take one segment of their own (an AF_XDP frame
		 * must be its UMEM slot); rte_vlan_insert refuses a shared
		 * first buffer (TCP's in-place zero copy: tcp_output.c) */
		m = rb_tx_private(lc, m);
		if (m == NULL)
			return;
	}

	if (p->vlan) {
		m->vlan_tci = p->vlan;
		if (rte_vlan_insert(&m) != 0) {
			rb_drop(lc, m, RB_DROP_NO_MBUF);
			return;
		}
		if (m->l2_len) /* checksum offloads find the IP header past the tag */
			m->l2_len += sizeof(struct rte_vlan_hdr);
	}
	m->port = port;
	if (likely(tb->queue != RB_TXQ_NONE)) {
		txbuf_add(lc, port, m);
		return;
	}
	/* The tx queue belongs to another worker: hand the frame over. */
	if (rte_ring_mp_enqueue(lc->dp->workers[tb->owner]->txring, m) != 0)
		rb_drop(lc, m, RB_DROP_HANDOFF_FULL);
}

/* Frames other workers queued for our tx queues. */
unsigned rb_txring_drain(struct rb_lcore *lc)
{
	struct rte_mbuf *m[RB_BURST_MAX];
	unsigned n, i;

	n = rte_ring_sc_dequeue_burst(lc->txring, (void **)m, RB_BURST_MAX, NULL);
	for (i = 0; i < n; i++)
		txbuf_add(lc, m[i]->port, m[i]);
	return n;
}

void rb_handoff(struct rb_lcore *lc, unsigned owner, struct rte_mbuf *m)
{
	rb_meta(m)->kind = RB_MK_L3;
	if (rte_ring_mp_enqueue(lc->dp->workers[owner]->handoff, m) != 0) {
		rb_drop(lc, m, RB_DROP_HANDOFF_FULL);
		return;
	}
	rb_count(lc, RB_EV_HANDOFF_TX);
}

void rb_loopback(struct rb_lcore *lc, struct rte_mbuf *m, uint8_t l3)
{
	struct rb_mbuf_meta *mt;

	/* No NIC on this path: finish an offloaded checksum, and hand the
	 * receiver one private buffer rather than a chain that may reference
	 * the sender's queues (TCP zero-copy transmit). */
	rb_cksum_tx_finish(m, 0);
	if (m->nb_segs > 1 || !RTE_MBUF_DIRECT(m)) {
		m = rb_tx_private(lc, m);
		if (m == NULL)
			return;
	}
	mt = rb_meta(m);
	mt->kind = RB_MK_LOOP;
	mt->l3 = l3;
	mt->flags = 0;
	if (rte_ring_mp_enqueue(lc->handoff, m) != 0)
		rb_drop(lc, m, RB_DROP_HANDOFF_FULL);
}

/* Send a learn-only copy of an ARP/ND packet (data at its L3 header) to
 * every other worker so that all neighbor tables converge. */
void rb_l2_broadcast_learn(struct rb_lcore *lc, struct rte_mbuf *m, uint8_t l3)
{
	struct rb_dp *dp = lc->dp;

	for (int w = 0; w < dp->n_workers; w++) {
		struct rte_mbuf *c;

		if ((unsigned)w == lc->worker)
			continue;
		c = rte_pktmbuf_copy(m, dp->pool, 0, UINT32_MAX);
		if (c == NULL) {
			rb_drop_count(lc, RB_DROP_NO_MBUF);
			continue;
		}
		c->port = m->port;
		rb_meta(c)->kind = RB_MK_LEARN;
		rb_meta(c)->l3 = l3;
		if (rte_ring_mp_enqueue(dp->workers[w]->handoff, c) != 0)
			rb_drop(lc, c, RB_DROP_HANDOFF_FULL);
	}
}

/* Packets handed to us by other workers. */
unsigned rb_handoff_drain(struct rb_lcore *lc)
{
	struct rte_mbuf *m[RB_BURST_MAX];
	unsigned n, i;

	n = rte_ring_sc_dequeue_burst(lc->handoff, (void **)m, RB_BURST_MAX, NULL);
	for (i = 0; i < n; i++) {
		struct rb_mbuf_meta *mt = rb_meta(m[i]);

		if (mt->kind == RB_MK_LEARN) {
			if (mt->l3 == 6)
				rb_nd_input(lc, m[i], 1);
			else
				rb_arp_input(lc, m[i], 1);
			continue;
		}
		if (mt->kind == RB_MK_LOOP)
			mt->kind = RB_MK_RX; /* full local processing, owner check included */
		else
			rb_count(lc, RB_EV_HANDOFF_RX);
		if (mt->l3 == 6)
			rb_ip6_local(lc, m[i]);
		else
			rb_ip4_local(lc, m[i]);
	}
	return n;
}
