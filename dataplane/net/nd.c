/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IPv6 Neighbor Discovery (RFC 4861), the address-resolution part only:
 * Neighbor Solicitations for our addresses are answered (7.2.4) and their
 * source link-layer address learned, Advertisements update entries we are
 * resolving (7.2.5), duplicate address detection probes for our addresses
 * are defended (RFC 4862 5.4.3), and rb_nd_solicit sends the solicitations
 * the neighbor table asks for (7.2.2).  Router and redirect messages are
 * not handled: the appliance is configured statically.
 *
 * Each worker keeps its own neighbor table, so a message that taught us
 * something is copied to the other workers (rb_l2_broadcast_learn), which
 * run it through rb_nd_input with learn_only set: learn, never answer.
 */
#include <string.h>
#include <sys/socket.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include "../rb_lcore.h"
#include "neigh.h"
#include "ip6.h"

int rb_nd_parse(const struct rte_ipv6_hdr *ip, const uint8_t *msg, uint32_t len,
		struct rb_nd_info *nd)
{
	const struct rb_nd_msg *h = (const struct rb_nd_msg *)msg;
	uint8_t want;

	memset(nd, 0, sizeof(*nd));
	/* 7.1.1 / 7.1.2: hop limit 255 (not forwarded), code 0, 24 octets
	 * or more, target not a group. */
	if (len < RB_ND_MSG_LEN)
		return -1;
	nd->type = h->hdr.type;
	if (nd->type != RB_ICMP6_NEIGH_SOL && nd->type != RB_ICMP6_NEIGH_ADV)
		return -1;
	if (ip->hop_limits != RB_ND_HOPLIMIT || h->hdr.code != 0)
		return -1;
	memcpy(nd->target, h->target, 16);
	if (rb_ip6_is_mcast(nd->target))
		return -1;
	nd->flags = rte_be_to_cpu_32(h->hdr.data);
	nd->dad = rb_ip6_is_unspec(ip->src_addr);
	/* 4.6: every option has a non-zero length and fits in the message;
	 * unknown options are ignored. */
	want = nd->type == RB_ICMP6_NEIGH_SOL ? RB_ND_OPT_SLLA : RB_ND_OPT_TLLA;
	for (uint32_t off = RB_ND_MSG_LEN; off < len;) {
		uint32_t olen;

		if (off + sizeof(struct rb_nd_opt) > len)
			return -1;
		olen = (uint32_t)msg[off + 1] * 8;
		if (olen == 0 || off + olen > len)
			return -1;
		if (msg[off] == want && olen >= sizeof(struct rb_nd_opt_lla)) {
			memcpy(nd->lla, msg + off + 2, 6);
			nd->has_lla = 1;
		}
		off += olen;
	}
	if (nd->has_lla && (nd->lla[0] & 1 || rte_is_zero_ether_addr((void *)nd->lla)))
		return -1; /* a neighbor's address is a unicast MAC */
	if (nd->type == RB_ICMP6_NEIGH_SOL) {
		/* 7.1.1: from ::, only to a solicited-node group, without SLLA. */
		if (nd->dad && (!rb_ip6_is_solnode(ip->dst_addr) || nd->has_lla))
			return -1;
	} else {
		/* 7.1.2: a multicast advertisement is never "solicited"; and
		 * an advertisement always comes from an interface address. */
		if (rb_ip6_is_mcast(ip->dst_addr) && (nd->flags & RB_ND_NA_SOLICITED))
			return -1;
		if (nd->dad)
			return -1;
	}
	return 0;
}

/*
 * Build an NS or NA (4.3, 4.4) with a link-layer address option carrying
 * our MAC; data at the IPv6 header, checksum complete.
 */
static struct rte_mbuf *nd_build(struct rb_lcore *lc, uint16_t port, uint8_t type,
				 const uint8_t src[16], const uint8_t dst[16],
				 const uint8_t target[16], uint32_t flags, uint8_t opt)
{
	const uint32_t mlen = RB_ND_MSG_LEN + sizeof(struct rb_nd_opt_lla);
	struct rte_mbuf *m = rte_pktmbuf_alloc(lc->dp->pool);
	struct rte_ipv6_hdr *ip;
	struct rb_nd_msg *nd;
	struct rb_nd_opt_lla *o;

	if (m == NULL) {
		rb_drop_count(lc, RB_DROP_NO_MBUF);
		return NULL;
	}
	ip = (struct rte_ipv6_hdr *)rte_pktmbuf_append(m, (uint16_t)(sizeof(*ip) + mlen));
	if (ip == NULL) {
		rb_drop(lc, m, RB_DROP_NO_MBUF);
		return NULL;
	}
	ip->vtc_flow = rte_cpu_to_be_32(6u << 28);
	ip->payload_len = rte_cpu_to_be_16((uint16_t)mlen);
	ip->proto = RB_IP6_NH_ICMPV6;
	ip->hop_limits = RB_ND_HOPLIMIT;
	memcpy(ip->src_addr, src, 16);
	memcpy(ip->dst_addr, dst, 16);
	nd = (struct rb_nd_msg *)(ip + 1);
	nd->hdr.type = type;
	nd->hdr.code = 0;
	nd->hdr.cksum = 0;
	nd->hdr.data = rte_cpu_to_be_32(flags);
	memcpy(nd->target, target, 16);
	o = (struct rb_nd_opt_lla *)(nd + 1);
	o->type = opt;
	o->len = 1;
	memcpy(o->mac, lc->dp->ports[port].mac.addr_bytes, 6);
	nd->hdr.cksum = (uint16_t)~rb_ip6_sum_buf(src, dst, RB_IP6_NH_ICMPV6, nd, mlen);
	m->l2_len = 0;
	m->l3_len = sizeof(*ip);
	m->port = port;
	return m;
}

void rb_nd_solicit(struct rb_lcore *lc, uint16_t port, const uint8_t target[16], int unicast,
		   const uint8_t dmac[6])
{
	const struct rb_port *p = &lc->dp->ports[port];
	uint8_t src[16], dst[16], mac[6];
	struct rte_mbuf *m;

	/* 7.2.2: an address of the interface (link-local for link-local targets). */
	rb_port_src6(p, target, src);
	if (unicast) {
		/* Re-probing a stale entry: straight to the cached address. */
		memcpy(dst, target, 16);
		memcpy(mac, dmac, 6);
	} else {
		rb_ip6_solicited_node(target, dst);
		rb_ip6_mcast_mac(dst, mac);
	}
	m = nd_build(lc, port, RB_ICMP6_NEIGH_SOL, src, dst, target, 0, RB_ND_OPT_SLLA);
	if (m == NULL)
		return;
	rb_count(lc, RB_EV_ND_NS_TX);
	rb_ip6_tx_mac(lc, port, m, mac);
}

/* 7.2.4: answer a solicitation for one of our addresses. */
static void nd_advertise(struct rb_lcore *lc, struct rte_mbuf *ns, const struct rb_nd_info *nd)
{
	const struct rte_ipv6_hdr *ip = rte_pktmbuf_mtod(ns, const struct rte_ipv6_hdr *);
	static const uint8_t all_nodes[16] = {0xff, 0x02, [15] = 1};
	uint16_t port = ns->port;
	uint8_t dst[16], mac[6];
	uint32_t flags = RB_ND_NA_ROUTER | RB_ND_NA_OVERRIDE;
	struct rte_mbuf *m;
	bool known_mac = true;

	if (nd->dad) {
		/* A duplicate address probe for our address: the answer goes
		 * to all nodes, unsolicited (RFC 4862 5.4.3). */
		memcpy(dst, all_nodes, 16);
		rb_ip6_mcast_mac(dst, mac);
	} else {
		memcpy(dst, ip->src_addr, 16);
		flags |= RB_ND_NA_SOLICITED;
		if (nd->has_lla)
			memcpy(mac, nd->lla, 6);
		else
			known_mac = false; /* unicast probe: resolve as usual */
	}
	m = nd_build(lc, port, RB_ICMP6_NEIGH_ADV, nd->target, dst, nd->target, flags,
		     RB_ND_OPT_TLLA);
	if (m == NULL)
		return;
	rb_count(lc, RB_EV_ND_NA_TX);
	if (known_mac)
		rb_ip6_tx_mac(lc, port, m, mac);
	else
		rb_ip6_tx(lc, port, dst, m);
}

/*
 * nd_ns and nd_na return -1 when they consumed m, else 1 if the table
 * learned something worth sharing with the other workers, 0 if not.
 */
static int nd_ns(struct rb_lcore *lc, struct rte_mbuf *m, const struct rb_nd_info *nd,
		  int learn_only)
{
	const struct rte_ipv6_hdr *ip = rte_pktmbuf_mtod(m, const struct rte_ipv6_hdr *);
	const struct rb_port *p = &lc->dp->ports[m->port];

	if (!rb_port_has_addr6(p, nd->target)) {
		rb_drop(lc, m, RB_DROP_ND_NOT_FOR_US);
		return -1;
	}
	if (!nd->dad && rb_port_has_addr6(p, ip->src_addr)) {
		rb_drop(lc, m, RB_DROP_ND_DUP_ADDR);
		return -1;
	}
	/* 7.2.3: a solicitation for us creates or updates the sender's
	 * entry; a DAD probe (from ::) never teaches anything. */
	if (!nd->dad && nd->has_lla)
		rb_neigh_update(lc, m->port, AF_INET6, ip->src_addr, nd->lla, 1);
	if (learn_only) {
		rte_pktmbuf_free(m);
		return -1;
	}
	rb_count(lc, RB_EV_ND_NS_RX);
	nd_advertise(lc, m, nd);
	return !nd->dad && nd->has_lla;
}

static int nd_na(struct rb_lcore *lc, struct rte_mbuf *m, const struct rb_nd_info *nd,
		  int learn_only)
{
	const struct rb_port *p = &lc->dp->ports[m->port];
	struct rb_neigh_entry *e;
	uint8_t mac[6];

	if (rb_port_has_addr6(p, nd->target)) {
		/* Someone else claims our address (RFC 4862 5.4.4). */
		rb_drop(lc, m, RB_DROP_ND_DUP_ADDR);
		return -1;
	}
	/* 7.2.5: only entries that exist are touched (create = 0). */
	e = rb_neigh_lookup(lc, m->port, AF_INET6, nd->target);
	if (e != NULL && nd->has_lla) {
		/* Without Override, a different address for an entry we already
		 * resolved is not taken. */
		if (e->state == RB_NEIGH_INCOMPLETE || (nd->flags & RB_ND_NA_OVERRIDE) ||
		    memcmp(e->mac, nd->lla, 6) == 0)
			rb_neigh_update(lc, m->port, AF_INET6, nd->target, nd->lla, 0);
	} else if (e != NULL && e->state != RB_NEIGH_INCOMPLETE &&
		   (nd->flags & RB_ND_NA_SOLICITED)) {
		/* A solicited answer without the option confirms reachability. */
		memcpy(mac, e->mac, 6);
		rb_neigh_update(lc, m->port, AF_INET6, nd->target, mac, 0);
	}
	if (learn_only) {
		rte_pktmbuf_free(m);
		return -1;
	}
	rb_count(lc, RB_EV_ND_NA_RX);
	return nd->has_lla;
}

void rb_nd_input(struct rb_lcore *lc, struct rte_mbuf *m, int learn_only)
{
	const struct rte_ipv6_hdr *ip = rte_pktmbuf_mtod(m, const struct rte_ipv6_hdr *);
	uint32_t len = RTE_MIN((uint32_t)rte_pktmbuf_data_len(m), rte_pktmbuf_pkt_len(m));
	struct rb_ip6_walk w;
	struct rb_nd_info nd;
	int rc;

	/* Data at the IPv6 header, from rb_icmp6_input or as a learn-only
	 * copy: find the message again; it must be in one segment. */
	if (len < RB_IP6_HDR_LEN ||
	    rb_ip6_walk((const uint8_t *)ip, len, RB_IP6_HDR_LEN, 6, RB_IP6W_NO_OPTS, &w) !=
		    RB_IP6W_OK ||
	    w.proto != RB_IP6_NH_ICMPV6 || w.has_frag || len != rte_pktmbuf_pkt_len(m) ||
	    rb_nd_parse(ip, (const uint8_t *)ip + w.off, len - w.off, &nd) < 0) {
		rb_drop(lc, m, RB_DROP_ND_MALFORMED);
		return;
	}
	if (nd.type == RB_ICMP6_NEIGH_SOL)
		rc = nd_ns(lc, m, &nd, learn_only);
	else
		rc = nd_na(lc, m, &nd, learn_only);
	if (rc < 0)
		return;
	if (rc > 0)
		rb_l2_broadcast_learn(lc, m, 6); /* copies; m stays ours */
	rte_pktmbuf_free(m);
}
