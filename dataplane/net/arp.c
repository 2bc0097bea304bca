/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ARP (RFC 826) for Ethernet/IPv4.
 *
 * Packet reception, per RFC 826 "Packet Reception":
 *   ?Do I have the hardware type in ar$hrd?  ?protocol type in ar$pro?
 *   Merge_flag := false; if <protocol type, sender protocol address> is
 *     already in my table, update the sender hardware address; merge := true
 *   ?Am I the target protocol address?
 *     if not merge: add the triplet to the table
 *     ?Is the opcode ares_op$REQUEST?  swap, set local addresses, send reply
 */
#include <string.h>
#include <sys/socket.h>
#include <rte_arp.h>
#include <rte_ether.h>
#include "../rb_lcore.h"
#include "neigh.h"

static bool arp_sender_ok(const struct rte_arp_ipv4 *a)
{
	uint32_t sip = rte_be_to_cpu_32(a->arp_sip);

	if (rte_is_multicast_ether_addr(&a->arp_sha) || rte_is_zero_ether_addr(&a->arp_sha))
		return false;
	/* 0.0.0.0 (an RFC 5227 probe) is valid but never learned */
	if ((sip >> 24) == 127 || (sip >> 28) == 0xe || sip == 0xffffffff)
		return false;
	return true;
}

void rb_arp_input(struct rb_lcore *lc, struct rte_mbuf *m, int learn_only)
{
	const struct rb_port *p = &lc->dp->ports[m->port];
	struct rte_arp_hdr *ah;
	struct rte_ether_hdr *eh;
	uint16_t op;
	uint32_t sip, tip;
	bool for_us, learned = false;

	if (rte_pktmbuf_data_len(m) < sizeof(*ah)) {
		rb_drop(lc, m, RB_DROP_ARP_MALFORMED);
		return;
	}
	ah = rte_pktmbuf_mtod(m, struct rte_arp_hdr *);
	op = rte_be_to_cpu_16(ah->arp_opcode);
	if (ah->arp_hardware != rte_cpu_to_be_16(RTE_ARP_HRD_ETHER) ||
	    ah->arp_protocol != rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4) || ah->arp_hlen != 6 ||
	    ah->arp_plen != 4 || (op != RTE_ARP_OP_REQUEST && op != RTE_ARP_OP_REPLY)) {
		rb_drop(lc, m, RB_DROP_ARP_MALFORMED);
		return;
	}
	sip = ah->arp_data.arp_sip;
	tip = ah->arp_data.arp_tip;
	if (!arp_sender_ok(&ah->arp_data) || rb_port_has_addr4(p, sip)) {
		rb_drop(lc, m, RB_DROP_ARP_BAD_SENDER);
		return;
	}
	for_us = rb_port_has_addr4(p, tip);

	/* Merge: refresh an existing entry; add one only when we are the target. */
	if (sip != 0) {
		struct rb_neigh_entry *e = rb_neigh_lookup(lc, m->port, AF_INET, (uint8_t *)&sip);

		if (e != NULL || for_us) {
			rb_neigh_update(lc, m->port, AF_INET, (uint8_t *)&sip,
					ah->arp_data.arp_sha.addr_bytes, for_us);
			learned = true;
		}
	}
	if (learn_only) {
		rte_pktmbuf_free(m);
		return;
	}
	if (learned)
		rb_l2_broadcast_learn(lc, m, 0);
	if (!for_us) {
		rb_drop(lc, m, RB_DROP_ARP_NOT_FOR_US);
		return;
	}
	if (op == RTE_ARP_OP_REPLY) {
		rb_count(lc, RB_EV_ARP_REPLY_RX);
		rte_pktmbuf_free(m);
		return;
	}
	rb_count(lc, RB_EV_ARP_REQUEST_RX);

	/* Turn the request into the reply in place. */
	ah->arp_opcode = rte_cpu_to_be_16(RTE_ARP_OP_REPLY);
	ah->arp_data.arp_tha = ah->arp_data.arp_sha;
	ah->arp_data.arp_tip = sip;
	ah->arp_data.arp_sha = p->mac;
	ah->arp_data.arp_sip = tip;
	rte_pktmbuf_trim(m, rte_pktmbuf_pkt_len(m) - sizeof(*ah));
	eh = (struct rte_ether_hdr *)rte_pktmbuf_prepend(m, sizeof(*eh));
	if (eh == NULL) {
		rb_drop(lc, m, RB_DROP_NO_MBUF);
		return;
	}
	eh->dst_addr = ah->arp_data.arp_tha;
	eh->src_addr = p->mac;
	eh->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_ARP);
	rb_count(lc, RB_EV_ARP_REPLY_TX);
	rb_tx_l2(lc, m->port, m);
}

void rb_arp_solicit(struct rb_lcore *lc, uint16_t port, uint32_t target)
{
	const struct rb_port *p = &lc->dp->ports[port];
	struct rte_mbuf *m = rte_pktmbuf_alloc(lc->dp->pool);
	struct rte_ether_hdr *eh;
	struct rte_arp_hdr *ah;

	if (m == NULL) {
		rb_drop_count(lc, RB_DROP_NO_MBUF);
		return;
	}
	eh = (struct rte_ether_hdr *)rte_pktmbuf_append(m, sizeof(*eh) + sizeof(*ah));
	ah = (struct rte_arp_hdr *)(eh + 1);
	memset(&eh->dst_addr, 0xff, RTE_ETHER_ADDR_LEN);
	eh->src_addr = p->mac;
	eh->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_ARP);
	ah->arp_hardware = rte_cpu_to_be_16(RTE_ARP_HRD_ETHER);
	ah->arp_protocol = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	ah->arp_hlen = RTE_ETHER_ADDR_LEN;
	ah->arp_plen = 4;
	ah->arp_opcode = rte_cpu_to_be_16(RTE_ARP_OP_REQUEST);
	ah->arp_data.arp_sha = p->mac;
	ah->arp_data.arp_sip = rb_port_src4(p, target);
	memset(&ah->arp_data.arp_tha, 0, RTE_ETHER_ADDR_LEN);
	ah->arp_data.arp_tip = target;
	rb_count(lc, RB_EV_ARP_REQUEST_TX);
	rb_tx_l2(lc, port, m);
}
