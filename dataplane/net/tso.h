/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TCP segmentation offload on the output path.  dataplane/tcp hands the IP
 * layer a super-segment (RTE_MBUF_F_TX_TCP_SEG: one TCP header, up to
 * 64 KiB of payload, tso_segsz payload bytes per wire segment, the TCP
 * checksum field seeded with the pseudo-header sum without the length, as
 * DPDK requires for TSO) only when the connection's port offers TSO.  A
 * route that reaches no such port (WireGuard, delivery to ourselves, a
 * port without TSO, IPv6 on a port whose TSO is IPv4 only) cuts it here in
 * software (DPDK 22.11's librte_gso has no TCP/IPv6).
 */
#ifndef RB_TSO_H
#define RB_TSO_H

#include <stdbool.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include "../rb_lcore.h"

/* May a TSO frame of this family (4 or 6) go to port as is? */
static inline bool rb_tso_port_ok(const struct rb_dp *dp, uint16_t port, int v6)
{
	const struct rb_port *p;

	if (port >= dp->n_ports)
		return false;
	p = &dp->ports[port];
	return (p->tx_offloads & RTE_ETH_TX_OFFLOAD_TCP_TSO) && (!v6 || p->tso6);
}

/* The payload per wire segment of a super-segment to port for a
 * connection whose full segment carries smss bytes. */
static inline uint32_t rb_tso_segsz(const struct rb_dp *dp, uint16_t port, uint32_t smss)
{
	uint32_t slack = port < dp->n_ports ? dp->ports[port].tso_hdr_slack : 0;

	return smss > 2 * slack ? smss - slack : smss;
}

/* Cut the TSO frame m (data at its IP header, l3_len and l4_len set) into
 * wire segments of at most tso_segsz payload bytes, each a single mbuf
 * with its own IP and TCP header (IPv4 id, length and header checksum,
 * sequence number; FIN and PSH on the last only, CWR on the first only)
 * and RTE_MBUF_F_TX_TCP_CKSUM with the pseudo-header sum (length
 * included) in the field, as any offloaded segment: whoever sends it on
 * finishes the sum (rb_cksum_tx_finish) or leaves it to its NIC.  Each
 * piece goes to out(lc, piece, arg) in order; m is consumed.  Returns the
 * number of pieces, or -1 after counting a drop (no mbuf; tso_bad:
 * headers not as above, no payload, a segment size of 0 or beyond one
 * mbuf, more than 1024 pieces).  The caller counts tcp_tso_soft. */
int rb_tso_segment(struct rb_lcore *lc, struct rte_mbuf *m,
		   void (*out)(struct rb_lcore *lc, struct rte_mbuf *piece, void *arg), void *arg);

#endif
