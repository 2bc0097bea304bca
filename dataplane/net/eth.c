/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Ethernet II and 802.1Q input (IEEE 802.3 clause 3, IEEE 802.1Q 9.6).
 * Validates the frame, checks the destination MAC and VLAN, strips the L2
 * header and sorts the burst into ARP, IPv4 and IPv6, each of which is then
 * processed as a burst.
 */
#include <rte_ether.h>
#include <rte_prefetch.h>
#include "../rb_lcore.h"

/* Classify one frame; returns the EtherType (host order) or 0 if dropped. */
static inline uint16_t eth_classify(struct rb_lcore *lc, struct rte_mbuf *m)
{
	const struct rb_port *p = &lc->dp->ports[m->port];
	const struct rte_ether_hdr *eh;
	uint16_t type, l2 = sizeof(*eh), vid = 0;

	if (unlikely(rte_pktmbuf_data_len(m) < sizeof(*eh))) {
		rb_drop(lc, m, RB_DROP_ETH_SHORT);
		return 0;
	}
	eh = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
	if (unlikely(!rte_is_same_ether_addr(&eh->dst_addr, &p->mac) &&
		     !rte_is_multicast_ether_addr(&eh->dst_addr))) {
		rb_drop(lc, m, RB_DROP_ETH_NOT_FOR_US);
		return 0;
	}
	if (unlikely(rte_is_multicast_ether_addr(&eh->src_addr) ||
		     rte_is_zero_ether_addr(&eh->src_addr))) {
		rb_drop(lc, m, RB_DROP_ETH_BAD_SRC);
		return 0;
	}
	type = rte_be_to_cpu_16(eh->ether_type);
	if (type == RTE_ETHER_TYPE_VLAN) {
		const struct rte_vlan_hdr *vh;

		if (unlikely(rte_pktmbuf_data_len(m) < sizeof(*eh) + sizeof(*vh))) {
			rb_drop(lc, m, RB_DROP_ETH_SHORT);
			return 0;
		}
		vh = (const struct rte_vlan_hdr *)(eh + 1);
		vid = rte_be_to_cpu_16(vh->vlan_tci) & 0xfff;
		type = rte_be_to_cpu_16(vh->eth_proto);
		l2 += sizeof(*vh);
	} else if (m->ol_flags & RTE_MBUF_F_RX_VLAN_STRIPPED) {
		vid = m->vlan_tci & 0xfff;
	}
	if (unlikely(vid != p->vlan)) {
		rb_drop(lc, m, RB_DROP_VLAN_UNKNOWN);
		return 0;
	}
	if (unlikely(type == 0)) { /* 0 means "dropped" to the caller */
		rb_drop(lc, m, RB_DROP_ETH_UNKNOWN_TYPE);
		return 0;
	}
	rb_meta(m)->vlan = vid;
	rb_meta(m)->flags = rte_is_multicast_ether_addr(&eh->dst_addr) ? RB_MF_L2_MCAST : 0;
	m->l2_len = 0;
	rte_pktmbuf_adj(m, l2);
	return type;
}

uint16_t rb_eth_input(struct rb_lcore *lc, struct rte_mbuf **m, uint16_t n)
{
	struct rte_mbuf *v4[RB_BURST_MAX], *v6[RB_BURST_MAX];
	uint16_t n4 = 0, n6 = 0, i;

	for (i = 0; i < n && i < 4; i++)
		rte_prefetch0(rte_pktmbuf_mtod(m[i], void *));
	for (i = 0; i < n; i++) {
		struct rte_mbuf *pkt = m[i];
		uint16_t type;

		if (i + 4 < n)
			rte_prefetch0(rte_pktmbuf_mtod(m[i + 4], void *));
		type = eth_classify(lc, pkt);
		switch (type) {
		case 0:
			break;
		case RTE_ETHER_TYPE_IPV4:
			v4[n4++] = pkt;
			break;
		case RTE_ETHER_TYPE_IPV6:
			v6[n6++] = pkt;
			break;
		case RTE_ETHER_TYPE_ARP:
			rb_arp_input(lc, pkt, 0);
			break;
		default:
			rb_drop(lc, pkt, RB_DROP_ETH_UNKNOWN_TYPE);
			break;
		}
	}
	if (n4)
		rb_ip4_input(lc, v4, n4);
	if (n6)
		rb_ip6_input(lc, v6, n6);
	return n;
}
