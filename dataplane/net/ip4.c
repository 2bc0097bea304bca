/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IPv4 (RFC 791, router behaviour per RFC 1812): header validation, local
 * delivery with reassembly (rte_ip_frag), forwarding through the FIB with
 * TTL decrement and ICMP errors, fragmentation on output, and the L4 output
 * used by TCP/UDP/ICMP.
 */
#include <string.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <rte_ip.h>
#include <rte_ip_frag.h>
#include <rte_prefetch.h>
#include "../rb_lcore.h"
#include "cksum.h"
#include "neigh.h"
#include "ip4.h"
#include "frag_account.h"
#include "tso.h"

#define IP4_DEFAULT_TTL 64
#define IP4_OPT_LSRR    131
#define IP4_OPT_SSRR    137

static inline bool ip4_is_frag(const struct rte_ipv4_hdr *ih)
{
	return (ih->fragment_offset & rte_cpu_to_be_16(RTE_IPV4_HDR_MF_FLAG |
						       RTE_IPV4_HDR_OFFSET_MASK)) != 0;
}

/* RFC 7126 4.3/4.4: drop source-routed packets. Returns 0 if acceptable. */
static int ip4_check_options(const uint8_t *opt, int len)
{
	int i = 0;

	while (i < len) {
		uint8_t type = opt[i];

		if (type == 0) /* end of option list */
			break;
		if (type == 1) { /* no-op */
			i++;
			continue;
		}
		if (i + 1 >= len || opt[i + 1] < 2 || i + opt[i + 1] > len)
			return -RB_DROP_IP4_BAD_IHL;
		if (type == IP4_OPT_LSRR || type == IP4_OPT_SSRR)
			return -RB_DROP_IP4_OPTIONS;
		i += opt[i + 1];
	}
	return 0;
}

/* One's-complement sum of a header, folded: 0xffff when the checksum is right.
 * The common 20-byte header is summed as five 32-bit words. */
static inline uint16_t ip4_hdr_sum(const struct rte_ipv4_hdr *ih, uint32_t hl)
{
	uint32_t w[5];
	uint64_t s;

	if (unlikely(hl != sizeof(*ih)))
		return rte_raw_cksum(ih, hl);
	memcpy(w, ih, sizeof(w));
	s = (uint64_t)w[0] + w[1] + w[2] + w[3] + w[4];
	s = (s & 0xffffffff) + (s >> 32);
	s = (s & 0xffffffff) + (s >> 32);
	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	return (uint16_t)s;
}

/* Validate one packet (data at the IPv4 header). Returns 0 or -reason. */
static inline int ip4_validate(struct rte_mbuf *m)
{
	const struct rte_ipv4_hdr *ih;
	uint32_t len = rte_pktmbuf_pkt_len(m), hl, tl, src;

	if (unlikely(rte_pktmbuf_data_len(m) < sizeof(*ih)))
		return -RB_DROP_IP4_SHORT;
	ih = rte_pktmbuf_mtod(m, const struct rte_ipv4_hdr *);
	if (unlikely((ih->version_ihl >> 4) != 4))
		return -RB_DROP_IP4_BAD_VERSION;
	hl = (uint32_t)(ih->version_ihl & 0xf) * 4;
	if (unlikely(hl < sizeof(*ih) || hl > rte_pktmbuf_data_len(m)))
		return -RB_DROP_IP4_BAD_IHL;
	tl = rte_be_to_cpu_16(ih->total_length);
	if (unlikely(tl < hl || tl > len))
		return -RB_DROP_IP4_BAD_LEN;
	if (!(m->ol_flags & RTE_MBUF_F_RX_IP_CKSUM_GOOD)) {
		if (unlikely(m->ol_flags & RTE_MBUF_F_RX_IP_CKSUM_BAD) ||
		    unlikely(ip4_hdr_sum(ih, hl) != 0xffff))
			return -RB_DROP_IP4_BAD_CSUM;
	}
	src = rte_be_to_cpu_32(ih->src_addr);
	/* RFC 1812 5.3.7: never multicast, broadcast, loopback or "this network". */
	if (unlikely((src >> 28) == 0xe || src == 0xffffffff || (src >> 24) == 127 ||
		     (src >> 24) == 0))
		return -RB_DROP_IP4_BAD_SRC;
	if (unlikely(hl > sizeof(*ih))) {
		int rc = ip4_check_options((const uint8_t *)(ih + 1), (int)(hl - sizeof(*ih)));

		if (rc)
			return rc;
	}
	if (unlikely(tl < len)) /* Ethernet padding */
		rte_pktmbuf_trim(m, len - tl);
	m->l3_len = hl;
	return 0;
}

/* RFC 1624 incremental update for a TTL decrement. */
static inline void ip4_dec_ttl(struct rte_ipv4_hdr *ih)
{
	uint32_t sum = (uint32_t)(uint16_t)~rte_be_to_cpu_16(ih->hdr_checksum) + 0xfeff;

	ih->time_to_live--;
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	ih->hdr_checksum = rte_cpu_to_be_16((uint16_t)~sum);
}

static void ip4_forward(struct rb_lcore *lc, struct rte_mbuf *m, const struct rb_nexthop *nh)
{
	struct rte_ipv4_hdr *ih = rte_pktmbuf_mtod(m, struct rte_ipv4_hdr *);
	const struct rb_port *out = &lc->dp->ports[nh->port];
	uint32_t next;

	if (unlikely(ih->time_to_live <= 1)) {
		rb_icmp4_error(lc, m, RB_ICMP_TIME_EXCEEDED, 0, 0);
		rb_drop(lc, m, RB_DROP_TTL_EXPIRED);
		return;
	}
	if (nh->kind == RB_NH_ENDPOINT) {
		/* Into a WireGuard tunnel (dataplane/wireguard). */
		ip4_dec_ttl(ih);
		rb_count(lc, RB_EV_IP4_FORWARD);
		lc->dp->wg_tx(lc, m, nh);
		return;
	}
	if (unlikely(rte_pktmbuf_pkt_len(m) > out->mtu) &&
	    (ih->fragment_offset & rte_cpu_to_be_16(RTE_IPV4_HDR_DF_FLAG))) {
		rb_icmp4_error(lc, m, RB_ICMP_DEST_UNREACH, RB_ICMP_FRAG_NEEDED, out->mtu);
		rb_drop(lc, m, RB_DROP_MTU_EXCEEDED);
		return;
	}
	ip4_dec_ttl(ih);
	if (nh->kind == RB_NH_GATEWAY)
		memcpy(&next, nh->gw, 4);
	else
		next = ih->dst_addr;
	rb_count(lc, RB_EV_IP4_FORWARD);
	rb_ip4_tx(lc, nh->port, next, m);
}

uint16_t rb_ip4_input(struct rb_lcore *lc, struct rte_mbuf **m, uint16_t n)
{
	const struct rb_fib *fib = __atomic_load_n(&lc->dp->fib, __ATOMIC_ACQUIRE);
	uint16_t i;

	for (i = 0; i < n && i < 4; i++)
		rte_prefetch0(rte_pktmbuf_mtod(m[i], void *));
	for (i = 0; i < n; i++) {
		struct rte_mbuf *pkt = m[i];
		const struct rte_ipv4_hdr *ih;
		const struct rb_nexthop *nh;
		uint32_t dst;
		int rc;

		if (i + 4 < n)
			rte_prefetch0(rte_pktmbuf_mtod(m[i + 4], void *));
		rc = ip4_validate(pkt);
		if (unlikely(rc)) {
			rb_drop(lc, pkt, (enum rb_drop)-rc);
			continue;
		}
		ih = rte_pktmbuf_mtod(pkt, const struct rte_ipv4_hdr *);
		dst = rte_be_to_cpu_32(ih->dst_addr);
		if (unlikely((dst >> 28) == 0xe || dst == 0xffffffff || dst == 0)) {
			rb_drop(lc, pkt, RB_DROP_IP4_NOT_FOR_US);
			continue;
		}
		nh = rb_fib_lookup4(fib, ih->dst_addr);
		if (unlikely(nh == NULL)) {
			rb_icmp4_error(lc, pkt, RB_ICMP_DEST_UNREACH, RB_ICMP_NET_UNREACH, 0);
			rb_drop(lc, pkt, RB_DROP_NO_ROUTE);
			continue;
		}
		if (nh->kind == RB_NH_LOCAL) {
			rb_meta(pkt)->kind = RB_MK_RX;
			rb_ip4_local(lc, pkt);
			continue;
		}
		if (unlikely(nh->kind == RB_NH_BLACKHOLE)) {
			rb_drop(lc, pkt, RB_DROP_NO_ROUTE);
			continue;
		}
		/* RFC 1812 5.3.5.2: directed broadcasts are not forwarded (nor
		 * resolved: a broadcast address never gets an ARP request). */
		if (nh->kind == RB_NH_CONNECTED &&
		    unlikely(rb_port_is_bcast4(&lc->dp->ports[nh->port], ih->dst_addr))) {
			rb_drop(lc, pkt, RB_DROP_IP4_NOT_FOR_US);
			continue;
		}
		ip4_forward(lc, pkt, nh);
	}
	return n;
}

/* rb_frag_of_fn for IPv4: is death-row entry e a fragment of the datagram
 * (src, dst, id) of key (a struct rte_ipv4_hdr)? */
static bool frag4_of(const struct rte_mbuf *e, const void *key_, bool *mid)
{
	const struct rte_ipv4_hdr *x = rte_pktmbuf_mtod(e, const struct rte_ipv4_hdr *);
	const struct rte_ipv4_hdr *key = key_;
	uint16_t fo;

	if (rte_pktmbuf_data_len(e) < sizeof(*x) || (x->version_ihl >> 4) != 4 ||
	    x->src_addr != key->src_addr || x->dst_addr != key->dst_addr ||
	    x->packet_id != key->packet_id)
		return false;
	fo = rte_be_to_cpu_16(x->fragment_offset);
	*mid = (fo & RTE_IPV4_HDR_MF_FLAG) && (fo & RTE_IPV4_HDR_OFFSET_MASK);
	return true;
}

/* Reassemble a fragment addressed to us; returns the datagram or NULL. */
struct rte_mbuf *rb_ip4_reassemble(struct rb_lcore *lc, struct rte_mbuf *m)
{
	struct rte_ipv4_hdr *ih = rte_pktmbuf_mtod(m, struct rte_ipv4_hdr *);
	uint32_t off = (uint32_t)(rte_be_to_cpu_16(ih->fragment_offset) & RTE_IPV4_HDR_OFFSET_MASK) * 8;
	uint32_t plen = rte_be_to_cpu_16(ih->total_length) - m->l3_len;
	bool mf = (ih->fragment_offset & rte_cpu_to_be_16(RTE_IPV4_HDR_MF_FLAG)) != 0;
	uint32_t before = lc->frag_dr.cnt;
	struct rte_ipv4_hdr key;
	struct rte_mbuf *r;

	/* RFC 791: every fragment but the last carries a multiple of 8 bytes;
	 * a datagram never exceeds 65535 bytes (RFC 8900 on oversize attacks). */
	if (plen == 0 || (mf && (plen & 7)) || off + plen + m->l3_len > 65535) {
		rb_drop(lc, m, RB_DROP_FRAG_BAD);
		return NULL;
	}
	m->l2_len = 0;
	key = *ih;
	r = rte_ipv4_frag_reassemble_packet(lc->frag, &lc->frag_dr, m, lc->now, ih);
	/* Whatever rte_ip_frag refused (overlap, table full, too many
	 * fragments) was moved to the death row. */
	rb_frag_account(lc, before, m, frag4_of, &key); /* frag_account.h */
	if (lc->frag_dr.cnt)
		rte_ip_frag_free_death_row(&lc->frag_dr, 0);
	if (r == NULL)
		return NULL;
	rb_count(lc, RB_EV_FRAG_REASSEMBLED);
	ih = rte_pktmbuf_mtod(r, struct rte_ipv4_hdr *);
	r->l3_len = (uint64_t)(ih->version_ihl & 0xf) * 4;
	return r;
}

void rb_ip4_local(struct rb_lcore *lc, struct rte_mbuf *m)
{
	struct rte_ipv4_hdr *ih = rte_pktmbuf_mtod(m, struct rte_ipv4_hdr *);
	struct rb_mbuf_meta *mt = rb_meta(m);
	const uint16_t *ports;
	unsigned owner;

	if (mt->kind != RB_MK_L3) {
		rb_count(lc, RB_EV_IP4_LOCAL);
		if (ip4_is_frag(ih)) {
			m = rb_ip4_reassemble(lc, m);
			if (m == NULL)
				return;
			mt = rb_meta(m);
			ih = rte_pktmbuf_mtod(m, struct rte_ipv4_hdr *);
		}
	}
	m->l3_len = (uint64_t)(ih->version_ihl & 0xf) * 4;
	mt->l3 = 4;
	switch (ih->next_proto_id) {
	case IPPROTO_ICMP:
		rb_icmp4_input(lc, m);
		return;
	case IPPROTO_TCP:
	case IPPROTO_UDP:
		if (unlikely(rte_pktmbuf_data_len(m) < m->l3_len + 4)) {
			rb_drop(lc, m, ih->next_proto_id == IPPROTO_TCP ? RB_DROP_TCP_SHORT
									: RB_DROP_UDP_SHORT);
			return;
		}
		ports = rte_pktmbuf_mtod_offset(m, const uint16_t *, m->l3_len);
		/* WireGuard listen ports: per-peer ownership, before flow handoff. */
		if (ih->next_proto_id == IPPROTO_UDP && lc->dp->wg_rx != NULL &&
		    lc->dp->wg_rx(lc, m))
			return;
		owner = rb_flow_owner4(lc->dp, m->port, ih->src_addr, ih->dst_addr, ports[0],
				       ports[1]);
		if (owner != lc->worker && mt->kind != RB_MK_L3) {
			rb_handoff(lc, owner, m);
			return;
		}
		rte_pktmbuf_adj(m, (uint16_t)m->l3_len);
		if (ih->next_proto_id == IPPROTO_TCP)
			tcp_input(lc, &m, 1);
		else
			udp_input(lc, &m, 1);
		return;
	default:
		rb_icmp4_error(lc, m, RB_ICMP_DEST_UNREACH, RB_ICMP_PROTO_UNREACH, 0);
		rb_drop(lc, m, RB_DROP_PROTO_UNREACH);
		return;
	}
}

static void ip4_set_cksum(struct rte_mbuf *m)
{
	struct rte_ipv4_hdr *ih = rte_pktmbuf_mtod(m, struct rte_ipv4_hdr *);

	ih->hdr_checksum = 0;
	ih->hdr_checksum = rte_ipv4_cksum(ih);
}

void rb_ip4_tx(struct rb_lcore *lc, uint16_t port, uint32_t nexthop, struct rte_mbuf *m)
{
	const struct rb_port *p = &lc->dp->ports[port];
	struct rte_mbuf *frags[RB_IP4_MAX_FRAGS];
	struct rte_ipv4_hdr *ih;
	int n;

	if (unlikely(m->ol_flags & RTE_MBUF_F_TX_TCP_SEG) &&
	    (p->tx_offloads & RTE_ETH_TX_OFFLOAD_IPV4_CKSUM)) {
		/* the NIC writes each segment's length and header checksum */
		rte_pktmbuf_mtod(m, struct rte_ipv4_hdr *)->hdr_checksum = 0;
		m->ol_flags |= RTE_MBUF_F_TX_IP_CKSUM;
	}
	/* a TSO frame reaches only a port that segments it (rb_ip4_route_out) */
	if (likely(rte_pktmbuf_pkt_len(m) <= p->mtu || (m->ol_flags & RTE_MBUF_F_TX_TCP_SEG))) {
		rb_neigh_output(lc, port, AF_INET, (const uint8_t *)&nexthop, m);
		return;
	}
	ih = rte_pktmbuf_mtod(m, struct rte_ipv4_hdr *);
	if (ih->fragment_offset & rte_cpu_to_be_16(RTE_IPV4_HDR_DF_FLAG)) {
		rb_drop(lc, m, RB_DROP_MTU_EXCEEDED);
		return;
	}
	rb_cksum_tx_finish(m, 0); /* no NIC sums across fragments */
	n = rte_ipv4_fragment_packet(m, frags, RB_IP4_MAX_FRAGS, p->mtu, lc->dp->pool,
				     lc->dp->pool);
	if (n < 0) {
		rb_drop(lc, m, n == -ENOMEM ? RB_DROP_NO_MBUF : RB_DROP_MTU_EXCEEDED);
		return;
	}
	rte_pktmbuf_free(m);
	for (int i = 0; i < n; i++) {
		frags[i]->port = port;
		ip4_set_cksum(frags[i]);
		rb_count(lc, RB_EV_FRAG_TX);
		rb_neigh_output(lc, port, AF_INET, (const uint8_t *)&nexthop, frags[i]);
	}
}

static void ip4_route_piece(struct rb_lcore *lc, struct rte_mbuf *m, void *arg)
{
	(void)arg;
	rb_ip4_route_out(lc, m);
}

/* Route a complete IPv4 packet (data at its header) that we originate. */
int rb_ip4_route_out(struct rb_lcore *lc, struct rte_mbuf *m)
{
	const struct rb_fib *fib = __atomic_load_n(&lc->dp->fib, __ATOMIC_ACQUIRE);
	struct rte_ipv4_hdr *ih = rte_pktmbuf_mtod(m, struct rte_ipv4_hdr *);
	const struct rb_nexthop *nh = rb_fib_lookup4(fib, ih->dst_addr);
	uint32_t next;

	if (unlikely(nh == NULL || nh->kind == RB_NH_BLACKHOLE)) {
		rb_drop(lc, m, RB_DROP_NO_ROUTE);
		return -1;
	}
	if (unlikely(m->ol_flags & RTE_MBUF_F_TX_TCP_SEG) &&
	    ((nh->kind != RB_NH_CONNECTED && nh->kind != RB_NH_GATEWAY) ||
	     !rb_tso_port_ok(lc->dp, nh->port, 0) ||
	     m->l3_len + m->l4_len + m->tso_segsz + lc->dp->ports[nh->port].tso_hdr_slack >
		     lc->dp->ports[nh->port].mtu)) {
		/* a TCP super-segment on a route without TSO (tunnel, ourselves,
		 * another port) or whose segments exceed the MTU (they take the
		 * fragmentation path one by one): cut it here (net/tso.h) */
		rb_count(lc, RB_EV_TCP_TSO_SOFT);
		return rb_tso_segment(lc, m, ip4_route_piece, NULL) < 0 ? -1 : 0;
	}
	if (unlikely(nh->kind == RB_NH_ENDPOINT)) {
		/* Originated into a WireGuard tunnel (dataplane/wireguard). */
		if (ih->src_addr == 0) {
			rb_drop(lc, m, RB_DROP_NO_ROUTE);
			return -1;
		}
		ip4_set_cksum(m);
		lc->dp->wg_tx(lc, m, nh);
		return 0;
	}
	if (ih->src_addr == 0)
		ih->src_addr = rb_port_src4(&lc->dp->ports[nh->port], ih->dst_addr);
	ip4_set_cksum(m);
	if (unlikely(nh->kind == RB_NH_LOCAL)) {
		/* To ourselves: deliver without touching a wire. */
		m->port = nh->port;
		rb_loopback(lc, m, 4);
		return 0;
	}
	if (nh->kind == RB_NH_GATEWAY)
		memcpy(&next, nh->gw, 4);
	else
		next = ih->dst_addr;
	rb_ip4_tx(lc, nh->port, next, m);
	return 0;
}

int rb_ip4_output(struct rb_lcore *lc, struct rte_mbuf *m, uint32_t src, uint32_t dst,
		  uint8_t proto, uint8_t tos, int df)
{
	struct rte_ipv4_hdr *ih;

	ih = (struct rte_ipv4_hdr *)rte_pktmbuf_prepend(m, sizeof(*ih));
	if (unlikely(ih == NULL)) {
		rb_drop(lc, m, RB_DROP_NO_MBUF);
		return -1;
	}
	ih->version_ihl = RTE_IPV4_VHL_DEF;
	ih->type_of_service = tos;
	ih->total_length = rte_cpu_to_be_16((uint16_t)rte_pktmbuf_pkt_len(m));
	ih->packet_id = rte_cpu_to_be_16(lc->ip_id++);
	if (unlikely(m->ol_flags & RTE_MBUF_F_TX_TCP_SEG) && m->tso_segsz)
		/* one ID per segment the super-segment becomes (net/tso.c, a
		 * NIC's TSO: consecutive IDs from this one) */
		lc->ip_id = (uint16_t)(lc->ip_id + (rte_pktmbuf_pkt_len(m) - sizeof(*ih) - m->l4_len - 1) /
						   m->tso_segsz);
	ih->fragment_offset = df ? rte_cpu_to_be_16(RTE_IPV4_HDR_DF_FLAG) : 0;
	ih->time_to_live = IP4_DEFAULT_TTL;
	ih->next_proto_id = proto;
	ih->src_addr = src;
	ih->dst_addr = dst;
	m->l3_len = sizeof(*ih);
	return rb_ip4_route_out(lc, m);
}
