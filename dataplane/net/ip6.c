/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IPv6 (RFC 8200) for a router that is also a host: header validation,
 * the extension header chain (Hop-by-Hop on every packet, the rest only at
 * the destination, RFC 8200 4), local delivery with reassembly through
 * rte_ip_frag (RFC 8200 4.5, RFC 5722, RFC 6946, RFC 7112), forwarding
 * through the FIB with hop-limit, scope (RFC 4291 2.5.6) and MTU checks,
 * and the output path for packets we originate (fragmented when needed,
 * except TCP, which honours the MSS).
 */
#include <stddef.h>
#include <string.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_ip_frag.h>
#include <rte_prefetch.h>
#include <rte_random.h>
#include "../rb_lcore.h"
#include "neigh.h"
#include "ip6.h"
#include "cksum.h"
#include "frag_account.h"
#include "tso.h"

/* ---- addresses ---- */

void rb_ip6_solicited_node(const uint8_t addr[16], uint8_t out[16])
{
	static const uint8_t pfx[13] = {0xff, 0x02, [11] = 0x01, [12] = 0xff};

	memcpy(out, pfx, 13);
	memcpy(out + 13, addr + 13, 3);
}

void rb_ip6_mcast_mac(const uint8_t addr[16], uint8_t mac[6])
{
	mac[0] = 0x33;
	mac[1] = 0x33;
	memcpy(mac + 2, addr + 12, 4);
}

bool rb_ip6_port_solnode(const struct rb_port *p, const uint8_t a[16])
{
	if (!rb_ip6_is_solnode(a))
		return false;
	if (memcmp(p->ll6 + 13, a + 13, 3) == 0)
		return true;
	for (int i = 0; i < p->n_addrs; i++)
		if (p->addrs[i].family == AF_INET6 && memcmp(p->addrs[i].addr + 13, a + 13, 3) == 0)
			return true;
	return false;
}

/* ---- checksums ---- */

uint32_t rb_ip6_phdr_sum(const uint8_t src[16], const uint8_t dst[16], uint32_t len, uint8_t nh)
{
	uint32_t l = rte_cpu_to_be_32(len), n = rte_cpu_to_be_32(nh), s;

	s = __rte_raw_cksum(src, 16, 0);
	s = __rte_raw_cksum(dst, 16, s);
	s = __rte_raw_cksum(&l, 4, s);
	return __rte_raw_cksum(&n, 4, s);
}

static uint16_t sum_fold(uint32_t a, uint32_t b)
{
	uint64_t s = (uint64_t)a + b;

	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	return (uint16_t)s;
}

uint16_t rb_ip6_sum_buf(const uint8_t src[16], const uint8_t dst[16], uint8_t nh, const void *buf,
			uint32_t len)
{
	return sum_fold(rb_ip6_phdr_sum(src, dst, len, nh), __rte_raw_cksum(buf, len, 0));
}

/* Pseudo-header + chain sum; rb_cksum_mbuf avoids DPDK 22.11's odd-segment bug. */
uint16_t rb_ip6_sum_mbuf(const uint8_t src[16], const uint8_t dst[16], uint8_t nh,
			 const struct rte_mbuf *m, uint32_t off, uint32_t len)
{
	uint16_t sum;

	if (rb_cksum_mbuf(m, off, len, &sum) != 0)
		return 0; /* shorter than len: never a valid sum */
	return sum_fold(rb_ip6_phdr_sum(src, dst, len, nh), sum);
}

/* ---- the extension header chain (walked by ip6_ext.c) ---- */

/* L4 gets the upper-layer offset in the mbuf's 9-bit l3_len (ip6_ext.h). */
_Static_assert(RB_IP6_HDR_LEN + RB_IP6_MAX_EXT_LEN < (1u << RTE_MBUF_L3_LEN_BITS),
	       "the longest extension header chain must fit l3_len");

uint32_t rb_ip6_l4_min(uint8_t proto)
{
	switch (proto) {
	case RB_IP6_NH_TCP:
		return 20;
	case RB_IP6_NH_UDP:
	case RB_IP6_NH_ICMPV6:
		return 8;
	default:
		return 0;
	}
}

static inline uint32_t ip6_contig(const struct rte_mbuf *m)
{
	return RTE_MIN((uint32_t)rte_pktmbuf_data_len(m), rte_pktmbuf_pkt_len(m));
}

/* A walk ended in BAD or LIMIT: send what RFC 8200 4 asks and drop m. */
static void ip6_ext_error(struct rb_lcore *lc, struct rte_mbuf *m, const struct rb_ip6_walk *w)
{
	const struct rte_ipv6_hdr *ip = rte_pktmbuf_mtod(m, const struct rte_ipv6_hdr *);

	if (w->pp_code >= 0 && (w->pp_mcast || !rb_ip6_is_mcast(ip->dst_addr)))
		rb_icmp6_error(lc, m, RB_ICMP6_PARAM_PROBLEM, (uint8_t)w->pp_code, w->pointer);
	rb_drop(lc, m, (enum rb_drop)rb_ip6_walk_drop(w));
}

/* ---- input ---- */

/* Validate one packet (data at the IPv6 header). Returns 0 or -reason. */
static inline int ip6_validate(struct rte_mbuf *m)
{
	const struct rte_ipv6_hdr *ip;
	uint32_t len = rte_pktmbuf_pkt_len(m), tl;

	if (unlikely(rte_pktmbuf_data_len(m) < sizeof(*ip)))
		return -RB_DROP_IP6_SHORT;
	ip = rte_pktmbuf_mtod(m, const struct rte_ipv6_hdr *);
	if (unlikely((*(const uint8_t *)ip >> 4) != 6))
		return -RB_DROP_IP6_BAD_VERSION;
	/* Jumbograms (RFC 2675) are not supported: payload length 0 means 0. */
	tl = sizeof(*ip) + rte_be_to_cpu_16(ip->payload_len);
	if (unlikely(tl > len))
		return -RB_DROP_IP6_BAD_LEN;
	if (unlikely(tl < len) && rte_pktmbuf_trim(m, (uint16_t)(len - tl)) != 0)
		return -RB_DROP_IP6_BAD_LEN; /* padding spread over segments */
	/* RFC 4291 2.5.3, 2.7: never from a group or the loopback address. */
	if (unlikely(rb_ip6_is_mcast(ip->src_addr) || rb_ip6_is_loopback(ip->src_addr)))
		return -RB_DROP_IP6_BAD_SRC;
	if (unlikely(rb_ip6_is_unspec(ip->dst_addr) || rb_ip6_is_loopback(ip->dst_addr)))
		return -RB_DROP_IP6_BAD_DST;
	m->l2_len = 0;
	m->l3_len = sizeof(*ip);
	return 0;
}

static void ip6_forward(struct rb_lcore *lc, struct rte_mbuf *m, const struct rb_nexthop *nh)
{
	struct rte_ipv6_hdr *ip = rte_pktmbuf_mtod(m, struct rte_ipv6_hdr *);
	const struct rb_port *out = &lc->dp->ports[nh->port];
	const uint8_t *next;

	if (unlikely(rb_ip6_is_unspec(ip->src_addr))) {
		/* RFC 4291 2.5.2: never forwarded. */
		rb_drop(lc, m, RB_DROP_IP6_BAD_SRC);
		return;
	}
	if (unlikely(rb_ip6_is_linklocal(ip->src_addr))) {
		/* RFC 4291 2.5.6: link-local packets never leave their link. */
		rb_icmp6_error(lc, m, RB_ICMP6_DEST_UNREACH, RB_ICMP6_DU_SCOPE, 0);
		rb_drop(lc, m, RB_DROP_IP6_SCOPE);
		return;
	}
	if (unlikely(ip->hop_limits <= 1)) {
		rb_icmp6_error(lc, m, RB_ICMP6_TIME_EXCEEDED, RB_ICMP6_TE_HOPLIMIT, 0);
		rb_drop(lc, m, RB_DROP_TTL_EXPIRED);
		return;
	}
	if (nh->kind == RB_NH_ENDPOINT) {
		/* Into a WireGuard tunnel (dataplane/wireguard). */
		ip->hop_limits--;
		rb_count(lc, RB_EV_IP6_FORWARD);
		lc->dp->wg_tx(lc, m, nh);
		return;
	}
	if (unlikely(rte_pktmbuf_pkt_len(m) > out->mtu)) {
		/* RFC 8200 5: routers never fragment. */
		rb_icmp6_error(lc, m, RB_ICMP6_PACKET_TOO_BIG, 0, out->mtu);
		rb_drop(lc, m, RB_DROP_MTU_EXCEEDED);
		return;
	}
	if (nh->kind == RB_NH_GATEWAY) {
		if (unlikely(nh->family != AF_INET6)) {
			rb_drop(lc, m, RB_DROP_NO_ROUTE);
			return;
		}
		next = nh->gw;
	} else {
		next = ip->dst_addr;
	}
	ip->hop_limits--;
	rb_count(lc, RB_EV_IP6_FORWARD);
	rb_ip6_tx(lc, nh->port, next, m);
}

static void ip6_input_one(struct rb_lcore *lc, const struct rb_fib *fib, struct rte_mbuf *m)
{
	const struct rb_port *p = &lc->dp->ports[m->port];
	const struct rb_nexthop *nh;
	const struct rte_ipv6_hdr *ip;
	int rc = ip6_validate(m);

	if (unlikely(rc)) {
		rb_drop(lc, m, (enum rb_drop)-rc);
		return;
	}
	ip = rte_pktmbuf_mtod(m, const struct rte_ipv6_hdr *);
	if (unlikely(ip->proto == RB_IP6_NH_HOPOPTS)) {
		struct rb_ip6_walk w;

		/* RFC 8200 4.3: every node on the path examines Hop-by-Hop. */
		rc = rb_ip6_walk((const uint8_t *)ip, ip6_contig(m), RB_IP6_HDR_LEN, 6,
				 RB_IP6W_HBH_ONLY, &w);
		if (rc != RB_IP6W_OK) {
			ip6_ext_error(lc, m, &w);
			return;
		}
	}
	if (rb_ip6_is_mcast(ip->dst_addr)) {
		/* Groups we are in: all-nodes and our solicited-node groups. */
		if (rb_ip6_is_all_nodes(ip->dst_addr) || rb_ip6_port_solnode(p, ip->dst_addr))
			goto local;
		rb_drop(lc, m, RB_DROP_IP6_NOT_FOR_US);
		return;
	}
	if (rb_port_has_addr6(p, ip->dst_addr))
		goto local;
	if (rb_ip6_is_linklocal(ip->dst_addr)) {
		rb_drop(lc, m, RB_DROP_IP6_NOT_FOR_US);
		return;
	}
	nh = fib != NULL ? rb_fib_lookup6(fib, ip->dst_addr) : NULL;
	if (unlikely(nh == NULL)) {
		rb_icmp6_error(lc, m, RB_ICMP6_DEST_UNREACH, RB_ICMP6_DU_NO_ROUTE, 0);
		rb_drop(lc, m, RB_DROP_NO_ROUTE);
		return;
	}
	if (nh->kind == RB_NH_LOCAL)
		goto local;
	if (unlikely(nh->kind == RB_NH_BLACKHOLE)) {
		rb_drop(lc, m, RB_DROP_NO_ROUTE);
		return;
	}
	ip6_forward(lc, m, nh);
	return;
local:
	rb_meta(m)->kind = RB_MK_RX;
	rb_ip6_local(lc, m);
}

uint16_t rb_ip6_input(struct rb_lcore *lc, struct rte_mbuf **m, uint16_t n)
{
	const struct rb_fib *fib = __atomic_load_n(&lc->dp->fib, __ATOMIC_ACQUIRE);
	uint16_t i;

	for (i = 0; i < n && i < 4; i++)
		rte_prefetch0(rte_pktmbuf_mtod(m[i], void *));
	for (i = 0; i < n; i++) {
		if (i + 4 < n)
			rte_prefetch0(rte_pktmbuf_mtod(m[i + 4], void *));
		ip6_input_one(lc, fib, m[i]);
	}
	return n;
}

/* ---- reassembly ---- */

/* rb_frag_of_fn for IPv6: is e (data at an IPv6 header followed by a
 * fragment header) a fragment of the datagram with key (source,
 * destination, identification: 36 bytes)? */
static bool frag_of(const struct rte_mbuf *e, const void *key_, bool *mid)
{
	const uint8_t *p = rte_pktmbuf_mtod(e, const uint8_t *);
	const uint8_t *key = key_;
	uint16_t fd;

	if (!(rte_pktmbuf_data_len(e) >= RB_IP6_HDR_LEN + RB_IP6_FRAG_LEN && (p[0] >> 4) == 6 &&
	      p[6] == RB_IP6_NH_FRAGMENT && memcmp(p + 8, key, 32) == 0 &&
	      memcmp(p + RB_IP6_HDR_LEN + 4, key + 32, 4) == 0))
		return false;
	fd = rte_cpu_to_be_16((uint16_t)(p[RB_IP6_HDR_LEN + 2] << 8 | p[RB_IP6_HDR_LEN + 3]));
	*mid = RB_IP6_FRAG_MF(fd) && RB_IP6_FRAG_OFF(fd) != 0;
	return true;
}

/*
 * m is a fragment addressed to us (data at the IPv6 header, w from a walk
 * that stopped at its fragment header).  Returns the reassembled datagram
 * (IPv6 header + fragmentable part, a chain of segments) or NULL.
 */
struct rte_mbuf *rb_ip6_reassemble(struct rb_lcore *lc, struct rte_mbuf *m,
				   const struct rb_ip6_walk *w)
{
	uint8_t *pkt = rte_pktmbuf_mtod(m, uint8_t *);
	struct rte_ipv6_hdr *ip = (struct rte_ipv6_hdr *)pkt;
	const struct rte_ipv6_fragment_ext *fh = (const void *)(pkt + w->off);
	uint32_t fo = RB_IP6_FRAG_OFF(fh->frag_data), hdrs = w->off + RB_IP6_FRAG_LEN;
	uint32_t flen = RB_IP6_HDR_LEN + rte_be_to_cpu_16(ip->payload_len) - hdrs;
	uint32_t ext = w->off - RB_IP6_HDR_LEN, before;
	bool mf = RB_IP6_FRAG_MF(fh->frag_data);
	uint8_t key[36];
	struct rte_mbuf *r;

	if (flen == 0) {
		rb_drop(lc, m, RB_DROP_FRAG_BAD);
		return NULL;
	}
	/* RFC 8200 4.5: all but the last fragment carry multiples of 8. */
	if (mf && (flen & 7)) {
		rb_icmp6_error(lc, m, RB_ICMP6_PARAM_PROBLEM, RB_ICMP6_PP_HEADER, 4);
		rb_drop(lc, m, RB_DROP_FRAG_BAD);
		return NULL;
	}
	/* ... and never reassemble past 65535 octets of payload. */
	if (ext + fo + flen > 65535) {
		rb_icmp6_error(lc, m, RB_ICMP6_PARAM_PROBLEM, RB_ICMP6_PP_HEADER, w->off + 2);
		rb_drop(lc, m, RB_DROP_FRAG_BAD);
		return NULL;
	}
	if (fo == 0) {
		/* RFC 7112 5: the first fragment holds the whole header chain. */
		struct rb_ip6_walk f;
		uint32_t clen = ip6_contig(m);
		int rc = rb_ip6_walk(pkt, clen, hdrs, w->off, RB_IP6W_NO_OPTS, &f);

		if (rc == RB_IP6W_OK && f.off + rb_ip6_l4_min(f.proto) > clen)
			rc = RB_IP6W_BAD, f.trunc = 1;
		if (rc != RB_IP6W_OK) {
			if (rc == RB_IP6W_BAD && f.trunc)
				rb_icmp6_error(lc, m, RB_ICMP6_PARAM_PROBLEM,
					       RB_ICMP6_PP_FIRSTFRAG, 0);
			/* a chain over the limits is named as without fragments */
			rb_drop(lc, m, rc == RB_IP6W_LIMIT ? (enum rb_drop)rb_ip6_walk_drop(&f)
							   : RB_DROP_FRAG_BAD);
			return NULL;
		}
	}
	if (unlikely(lc->frag == NULL)) {
		rb_drop(lc, m, RB_DROP_FRAG_TABLE_FULL);
		return NULL;
	}
	/*
	 * rte_ip_frag wants the fragment header right after the IPv6 header.
	 * The per-fragment headers before it (Hop-by-Hop, Destination
	 * Options before Routing, Routing with nothing left) were already
	 * processed, so drop them: move the fixed header up to the fragment
	 * header.
	 */
	if (ext) {
		ip->proto = RB_IP6_NH_FRAGMENT;
		ip->payload_len = rte_cpu_to_be_16((uint16_t)(rte_be_to_cpu_16(ip->payload_len) - ext));
		memmove(pkt + ext, pkt, RB_IP6_HDR_LEN);
		rte_pktmbuf_adj(m, (uint16_t)ext);
		pkt += ext;
		ip = (struct rte_ipv6_hdr *)pkt;
		fh = (const void *)(pkt + RB_IP6_HDR_LEN);
	}
	memcpy(key, pkt + offsetof(struct rte_ipv6_hdr, src_addr), 32);
	memcpy(key + 32, &fh->id, 4);
	m->l2_len = 0;
	m->l3_len = RB_IP6_HDR_LEN + RB_IP6_FRAG_LEN;
	before = lc->frag_dr.cnt;
	r = rte_ipv6_frag_reassemble_packet(lc->frag, &lc->frag_dr, m, lc->now, ip,
					    (struct rte_ipv6_fragment_ext *)(uintptr_t)fh);
	rb_frag_account(lc, before, m, frag_of, key); /* frag_account.h */
	if (lc->frag_dr.cnt)
		rte_ip_frag_free_death_row(&lc->frag_dr, 0);
	if (r == NULL)
		return NULL;
	rb_count(lc, RB_EV_FRAG_REASSEMBLED);
	r->l2_len = 0;
	r->l3_len = RB_IP6_HDR_LEN;
	return r;
}

/* ---- local delivery ---- */

/* Remove the extension headers before the upper-layer header at off, so
 * that L4 sees IPv6 + L4 and its pseudo-header length is payload_len. */
static void ip6_strip_ext(struct rte_mbuf *m, uint32_t off, uint8_t proto)
{
	uint8_t *pkt = rte_pktmbuf_mtod(m, uint8_t *);
	struct rte_ipv6_hdr *ip = (struct rte_ipv6_hdr *)pkt;
	uint32_t ext = off - RB_IP6_HDR_LEN;

	ip->proto = proto;
	ip->payload_len = rte_cpu_to_be_16((uint16_t)(rte_be_to_cpu_16(ip->payload_len) - ext));
	memmove(pkt + ext, pkt, RB_IP6_HDR_LEN);
	rte_pktmbuf_adj(m, (uint16_t)ext);
}

static void ip6_deliver_l4(struct rb_lcore *lc, struct rte_mbuf *m, const struct rb_ip6_walk *w)
{
	struct rb_mbuf_meta *mt = rb_meta(m);
	const struct rte_ipv6_hdr *ip = rte_pktmbuf_mtod(m, const struct rte_ipv6_hdr *);
	const uint16_t *ports;
	unsigned owner;

	if (unlikely(rb_ip6_is_mcast(ip->dst_addr))) {
		/* No multicast listeners at L4. */
		rb_drop(lc, m, RB_DROP_IP6_NOT_FOR_US);
		return;
	}
	if (w->off > RB_IP6_HDR_LEN)
		ip6_strip_ext(m, w->off, w->proto);
	ip = rte_pktmbuf_mtod(m, const struct rte_ipv6_hdr *);
	m->l3_len = RB_IP6_HDR_LEN;
	if (unlikely(rte_pktmbuf_data_len(m) < RB_IP6_HDR_LEN + 4)) {
		rb_drop(lc, m, w->proto == RB_IP6_NH_TCP ? RB_DROP_TCP_SHORT : RB_DROP_UDP_SHORT);
		return;
	}
	ports = rte_pktmbuf_mtod_offset(m, const uint16_t *, RB_IP6_HDR_LEN);
	/* WireGuard listen ports: per-peer ownership, before flow handoff. */
	if (w->proto == RB_IP6_NH_UDP && lc->dp->wg_rx != NULL && lc->dp->wg_rx(lc, m))
		return;
	owner = rb_flow_owner6(lc->dp, m->port, ip->src_addr, ip->dst_addr, ports[0], ports[1]);
	if (owner != lc->worker && mt->kind != RB_MK_L3) {
		rb_handoff(lc, owner, m);
		return;
	}
	rte_pktmbuf_adj(m, RB_IP6_HDR_LEN);
	if (w->proto == RB_IP6_NH_TCP)
		tcp_input(lc, &m, 1);
	else
		udp_input(lc, &m, 1);
}

void rb_ip6_local(struct rb_lcore *lc, struct rte_mbuf *m)
{
	struct rb_mbuf_meta *mt = rb_meta(m);
	const struct rte_ipv6_hdr *ip;
	struct rb_ip6_walk w;
	int rc;

	if (unlikely(rte_pktmbuf_data_len(m) < RB_IP6_HDR_LEN)) {
		rb_drop(lc, m, RB_DROP_IP6_SHORT);
		return;
	}
	if (mt->kind != RB_MK_L3)
		rb_count(lc, RB_EV_IP6_LOCAL);
	rc = rb_ip6_walk(rte_pktmbuf_mtod(m, const uint8_t *), ip6_contig(m), RB_IP6_HDR_LEN, 6,
			 0, &w);
	if (rc == RB_IP6W_FRAG) {
		if (mt->kind == RB_MK_L3) { /* handed over whole, never as fragments */
			rb_drop(lc, m, RB_DROP_FRAG_BAD);
			return;
		}
		m = rb_ip6_reassemble(lc, m, &w);
		if (m == NULL)
			return;
		mt = rb_meta(m);
		rc = rb_ip6_walk(rte_pktmbuf_mtod(m, const uint8_t *), ip6_contig(m),
				 RB_IP6_HDR_LEN, 6, 0, &w);
		w.has_frag = 1;
		if (rc == RB_IP6W_FRAG) { /* a fragment inside a fragment */
			rb_drop(lc, m, RB_DROP_FRAG_BAD);
			return;
		}
	}
	if (unlikely(rc != RB_IP6W_OK)) {
		ip6_ext_error(lc, m, &w);
		return;
	}
	ip = rte_pktmbuf_mtod(m, const struct rte_ipv6_hdr *);
	m->l2_len = 0;
	m->l3_len = w.off;
	mt->l3 = 6;
	if (unlikely(rb_ip6_is_unspec(ip->src_addr)) && w.proto != RB_IP6_NH_ICMPV6) {
		/* Only Neighbor Discovery (DAD) comes from :: (RFC 4862 5.4.2). */
		rb_drop(lc, m, RB_DROP_IP6_BAD_SRC);
		return;
	}
	switch (w.proto) {
	case RB_IP6_NH_ICMPV6:
		rb_icmp6_input(lc, m, w.has_frag);
		return;
	case RB_IP6_NH_TCP:
	case RB_IP6_NH_UDP:
		ip6_deliver_l4(lc, m, &w);
		return;
	case RB_IP6_NH_NONE:
		/* RFC 8200 4.7: nothing follows; nothing to deliver. */
		rb_drop(lc, m, RB_DROP_PROTO_UNREACH);
		return;
	default:
		/* RFC 8200 4: unrecognized Next Header, pointer to its field. */
		rb_icmp6_error(lc, m, RB_ICMP6_PARAM_PROBLEM, RB_ICMP6_PP_NEXTHDR, w.nh_off);
		rb_drop(lc, m, RB_DROP_PROTO_UNREACH);
		return;
	}
}

/* ---- output ---- */

void rb_ip6_tx_mac(struct rb_lcore *lc, uint16_t port, struct rte_mbuf *m, const uint8_t dmac[6])
{
	struct rte_ether_hdr *eh = (struct rte_ether_hdr *)rte_pktmbuf_prepend(m, sizeof(*eh));

	if (unlikely(eh == NULL)) {
		rb_drop(lc, m, RB_DROP_NO_MBUF);
		return;
	}
	memcpy(&eh->dst_addr, dmac, RTE_ETHER_ADDR_LEN);
	eh->src_addr = lc->dp->ports[port].mac;
	eh->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV6);
	m->l2_len = sizeof(*eh);
	rb_tx_l2(lc, port, m);
}

/* One finished packet (data at the IPv6 header, within the MTU). */
static void ip6_tx_one(struct rb_lcore *lc, struct rte_mbuf *m, uint16_t port,
		       const uint8_t nexthop[16])
{
	const struct rte_ipv6_hdr *ip = rte_pktmbuf_mtod(m, const struct rte_ipv6_hdr *);

	if (rb_ip6_is_mcast(ip->dst_addr)) {
		uint8_t mac[6];

		rb_ip6_mcast_mac(ip->dst_addr, mac);
		rb_ip6_tx_mac(lc, port, m, mac);
		return;
	}
	rb_ip6_tx(lc, port, nexthop, m);
}

/* Complete a UDP checksum left to the NIC before fragmenting in software. */
static void ip6_sw_udp_cksum(struct rte_mbuf *m)
{
	const struct rte_ipv6_hdr *ip = rte_pktmbuf_mtod(m, const struct rte_ipv6_hdr *);
	uint32_t len = rte_pktmbuf_pkt_len(m) - RB_IP6_HDR_LEN;
	uint16_t *f, c;

	if ((m->ol_flags & RTE_MBUF_F_TX_L4_MASK) != RTE_MBUF_F_TX_UDP_CKSUM ||
	    rte_pktmbuf_data_len(m) < RB_IP6_HDR_LEN + 8)
		return;
	f = rte_pktmbuf_mtod_offset(m, uint16_t *, RB_IP6_HDR_LEN + 6);
	*f = 0;
	c = (uint16_t)~rb_ip6_sum_mbuf(ip->src_addr, ip->dst_addr, RB_IP6_NH_UDP, m,
				       RB_IP6_HDR_LEN, len);
	*f = c == 0 ? 0xffff : c;
	m->ol_flags &= ~RTE_MBUF_F_TX_L4_MASK;
}

/*
 * RFC 8200 4.5 / 5: fragment a packet we originate (data at the IPv6
 * header, no extension headers) into copies of at most mtu octets, with an
 * unpredictable Identification (RFC 7739).  Consumes m.
 */
static void ip6_fragment(struct rb_lcore *lc, struct rte_mbuf *m, uint16_t port,
			 const uint8_t nexthop[16], uint32_t mtu)
{
	const struct rte_ipv6_hdr *ip = rte_pktmbuf_mtod(m, const struct rte_ipv6_hdr *);
	struct rte_mempool *pool = lc->dp->pool;
	uint32_t plen = rte_pktmbuf_pkt_len(m) - RB_IP6_HDR_LEN, room, chunk;
	uint32_t id = (uint32_t)rte_rand();

	ip6_sw_udp_cksum(m);
	room = rte_pktmbuf_data_room_size(pool) - RTE_PKTMBUF_HEADROOM;
	chunk = RTE_MIN(mtu, room) - RB_IP6_HDR_LEN - RB_IP6_FRAG_LEN;
	chunk &= ~7u;
	if (chunk == 0 || plen > 65535) {
		rb_drop(lc, m, RB_DROP_MTU_EXCEEDED);
		return;
	}
	for (uint32_t fo = 0; fo < plen; fo += chunk) {
		uint32_t len = RTE_MIN(chunk, plen - fo);
		bool mf = fo + len < plen;
		struct rte_mbuf *f = rte_pktmbuf_alloc(pool);
		struct rte_ipv6_hdr *fip;
		struct rte_ipv6_fragment_ext *fh;
		uint8_t *data;
		const void *src;

		if (f == NULL) {
			rb_drop(lc, m, RB_DROP_NO_MBUF);
			return;
		}
		fip = (struct rte_ipv6_hdr *)rte_pktmbuf_append(
			f, (uint16_t)(RB_IP6_HDR_LEN + RB_IP6_FRAG_LEN + len));
		if (fip == NULL) {
			rte_pktmbuf_free(f);
			rb_drop(lc, m, RB_DROP_NO_MBUF);
			return;
		}
		*fip = *ip;
		fip->payload_len = rte_cpu_to_be_16((uint16_t)(RB_IP6_FRAG_LEN + len));
		fip->proto = RB_IP6_NH_FRAGMENT;
		fh = (struct rte_ipv6_fragment_ext *)(fip + 1);
		fh->next_header = ip->proto;
		fh->reserved = 0;
		fh->frag_data = rte_cpu_to_be_16((uint16_t)(fo | (mf ? 1 : 0)));
		fh->id = id;
		data = (uint8_t *)(fh + 1);
		src = rte_pktmbuf_read(m, RB_IP6_HDR_LEN + fo, len, data);
		if (src != data)
			memcpy(data, src, len);
		f->l2_len = 0;
		f->l3_len = RB_IP6_HDR_LEN + RB_IP6_FRAG_LEN;
		f->ol_flags = RTE_MBUF_F_TX_IPV6;
		rb_count(lc, RB_EV_FRAG_TX);
		ip6_tx_one(lc, f, port, nexthop);
	}
	rte_pktmbuf_free(m);
}

static void ip6_xmit(struct rb_lcore *lc, struct rte_mbuf *m, uint16_t port,
		     const uint8_t nexthop[16])
{
	const struct rte_ipv6_hdr *ip = rte_pktmbuf_mtod(m, const struct rte_ipv6_hdr *);
	uint32_t mtu = lc->dp->ports[port].mtu;

	/* a TSO frame reaches only a port that segments it (ip6_send) */
	if (likely(rte_pktmbuf_pkt_len(m) <= mtu || (m->ol_flags & RTE_MBUF_F_TX_TCP_SEG))) {
		ip6_tx_one(lc, m, port, nexthop);
		return;
	}
	if (ip->proto == RB_IP6_NH_TCP) { /* TCP sizes its segments to the MSS */
		rb_drop(lc, m, RB_DROP_MTU_EXCEEDED);
		return;
	}
	ip6_fragment(lc, m, port, nexthop, mtu);
}

struct ip6_route {
	bool local;
	bool endpoint;       /* a WireGuard endpoint: port is its index */
	uint16_t port;
	uint8_t nexthop[16];
};

/* Where does a packet we originate to dst go?  Returns 0 or -reason. */
static int ip6_route(struct rb_lcore *lc, const uint8_t src[16], const uint8_t dst[16], int port,
		     struct ip6_route *r)
{
	const struct rb_fib *fib;
	const struct rb_nexthop *nh;

	r->local = false;
	r->endpoint = false;
	if (rb_ip6_is_mcast(dst) || rb_ip6_is_linklocal(dst)) {
		/* Link scope: the caller's port, or the one src belongs to. */
		for (int i = 0; port < 0 && i < lc->dp->n_ports; i++)
			if (memcmp(lc->dp->ports[i].ll6, src, 16) == 0)
				port = i;
		if (port < 0)
			return -RB_DROP_NO_ROUTE;
		r->port = (uint16_t)port;
		memcpy(r->nexthop, dst, 16);
		r->local = memcmp(lc->dp->ports[port].ll6, dst, 16) == 0;
		return 0;
	}
	fib = __atomic_load_n(&lc->dp->fib, __ATOMIC_ACQUIRE);
	nh = fib != NULL ? rb_fib_lookup6(fib, dst) : NULL;
	if (nh == NULL || nh->kind == RB_NH_BLACKHOLE ||
	    (nh->kind == RB_NH_GATEWAY && nh->family != AF_INET6))
		return -RB_DROP_NO_ROUTE;
	r->port = nh->port;
	r->local = nh->kind == RB_NH_LOCAL;
	r->endpoint = nh->kind == RB_NH_ENDPOINT;
	memcpy(r->nexthop, nh->kind == RB_NH_GATEWAY ? nh->gw : dst, 16);
	return 0;
}

/* The caller summed the L4 checksum over a zero source address: add ours
 * (RFC 1624 incremental update). */
static void ip6_fix_l4_cksum(struct rte_mbuf *m, uint8_t proto, const uint8_t src[16])
{
	uint32_t off, s = __rte_raw_cksum(src, 16, 0);
	uint16_t *f, v;

	switch (proto) {
	case RB_IP6_NH_TCP:
		off = 16;
		break;
	case RB_IP6_NH_UDP:
		off = 6;
		break;
	case RB_IP6_NH_ICMPV6:
		off = 2;
		break;
	default:
		return;
	}
	if (rte_pktmbuf_data_len(m) < off + 2)
		return;
	f = rte_pktmbuf_mtod_offset(m, uint16_t *, off);
	if (m->ol_flags & RTE_MBUF_F_TX_L4_MASK) {
		/* The NIC finishes it: the field holds the pseudo-header sum. */
		*f = sum_fold(s, *f);
		return;
	}
	v = (uint16_t)~sum_fold(s, (uint16_t)~*f);
	*f = (proto == RB_IP6_NH_UDP && v == 0) ? 0xffff : v;
}

/* A finished packet we originate (data at its IPv6 header) along route r. */
static void ip6_send(struct rb_lcore *lc, struct rte_mbuf *m, const struct ip6_route *r)
{
	if (unlikely(r->local)) {
		/* To ourselves: deliver without touching a wire. */
		m->port = r->port;
		rb_loopback(lc, m, 6);
		return;
	}
	if (unlikely(r->endpoint)) {
		/* Into a WireGuard tunnel (dataplane/wireguard). */
		const struct rb_nexthop enh = {.kind = RB_NH_ENDPOINT, .port = r->port};

		lc->dp->wg_tx(lc, m, &enh);
		return;
	}
	ip6_xmit(lc, m, r->port, r->nexthop);
}

static void ip6_send_piece(struct rb_lcore *lc, struct rte_mbuf *m, void *arg)
{
	ip6_send(lc, m, arg);
}

int rb_ip6_output_port(struct rb_lcore *lc, struct rte_mbuf *m, int port, const uint8_t src[16],
		       const uint8_t dst[16], uint8_t proto, uint8_t tclass, uint8_t hlim)
{
	struct rte_ipv6_hdr *ip;
	struct ip6_route r;
	uint8_t s[16];
	int rc = ip6_route(lc, src, dst, port, &r);

	if (unlikely(rc < 0)) {
		rb_drop(lc, m, (enum rb_drop)-rc);
		return -1;
	}
	memcpy(s, src, 16);
	if (unlikely(r.endpoint && rb_ip6_is_unspec(s))) {
		rb_drop(lc, m, RB_DROP_NO_ROUTE);
		return -1;
	}
	if (rb_ip6_is_unspec(s)) {
		rb_port_src6(&lc->dp->ports[r.port], dst, s);
		ip6_fix_l4_cksum(m, proto, s);
	}
	if (unlikely(rte_pktmbuf_pkt_len(m) > 65535)) {
		rb_drop(lc, m, RB_DROP_MTU_EXCEEDED);
		return -1;
	}
	ip = (struct rte_ipv6_hdr *)rte_pktmbuf_prepend(m, sizeof(*ip));
	if (unlikely(ip == NULL)) {
		rb_drop(lc, m, RB_DROP_NO_MBUF);
		return -1;
	}
	ip->vtc_flow = rte_cpu_to_be_32(6u << 28 | (uint32_t)tclass << RTE_IPV6_HDR_TC_SHIFT);
	ip->payload_len = rte_cpu_to_be_16((uint16_t)(rte_pktmbuf_pkt_len(m) - sizeof(*ip)));
	ip->proto = proto;
	ip->hop_limits = hlim;
	memcpy(ip->src_addr, s, 16);
	memcpy(ip->dst_addr, dst, 16);
	m->l2_len = 0;
	m->l3_len = sizeof(*ip);
	m->ol_flags |= RTE_MBUF_F_TX_IPV6;
	if (unlikely(m->ol_flags & RTE_MBUF_F_TX_TCP_SEG) &&
	    (r.local || r.endpoint || !rb_tso_port_ok(lc->dp, r.port, 1) ||
	     m->l3_len + m->l4_len + m->tso_segsz + lc->dp->ports[r.port].tso_hdr_slack >
		     lc->dp->ports[r.port].mtu)) {
		/* a TCP super-segment on a route without TSO, or whose segments
		 * exceed the MTU: cut it (net/tso.h) */
		rb_count(lc, RB_EV_TCP_TSO_SOFT);
		return rb_tso_segment(lc, m, ip6_send_piece, &r) < 0 ? -1 : 0;
	}
	ip6_send(lc, m, &r);
	return 0;
}

int rb_ip6_output(struct rb_lcore *lc, struct rte_mbuf *m, const uint8_t src[16],
		  const uint8_t dst[16], uint8_t proto, uint8_t tclass)
{
	return rb_ip6_output_port(lc, m, RB_IP6_PORT_ANY, src, dst, proto, tclass,
				  RB_IP6_DEFAULT_HLIM);
}
