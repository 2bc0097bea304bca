/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ICMPv6 (RFC 4443): checksum verification, echo replies (4.2, to our
 * unicast addresses and to all-nodes), dispatch of Neighbor Discovery, and
 * error generation per 2.4: never about an ICMPv6 error, nor to a group or
 * from an address that does not identify one node (except Packet Too Big
 * and Parameter Problem code 2), quoting as much of the offending packet
 * as fits in the minimum MTU, rate limited by the per-lcore token bucket
 * shared with ICMP for IPv4 (rb_icmp_ratelimit).
 */
#include <string.h>
#include <rte_ip.h>
#include "../rb_lcore.h"
#include "ip6.h"
#include "../tcp/tcp_icmp.h"

bool rb_icmp6_is_error(const struct rte_mbuf *m)
{
	struct rb_ip6_walk w;
	uint8_t type;
	const uint8_t *p;
	uint32_t len = RTE_MIN((uint32_t)rte_pktmbuf_data_len(m), rte_pktmbuf_pkt_len(m));

	/* through AH too: an authenticated error is still an error (2.4(e)) */
	if (rb_ip6_walk(rte_pktmbuf_mtod(m, const uint8_t *), len, RB_IP6_HDR_LEN, 6,
			RB_IP6W_NO_OPTS | RB_IP6W_AH, &w) != RB_IP6W_OK ||
	    w.proto != RB_IP6_NH_ICMPV6)
		return false;
	p = rte_pktmbuf_read(m, w.off, 1, &type);
	if (p == NULL)
		return true; /* unknown: be conservative */
	return RB_ICMP6_IS_ERROR(*p);
}

void rb_icmp6_error(struct rb_lcore *lc, struct rte_mbuf *m, uint8_t type, uint8_t code,
		    uint32_t info)
{
	const struct rte_ipv6_hdr *ip = rte_pktmbuf_mtod(m, const struct rte_ipv6_hdr *);
	const struct rb_port *p = &lc->dp->ports[m->port];
	struct rb_icmp6_hdr *ic;
	struct rte_mbuf *e;
	uint8_t src[16], dst[16], *body;
	uint32_t quote;
	const void *data;

	if (rte_pktmbuf_data_len(m) < sizeof(*ip))
		return;
	/* 2.4(e): not to groups, unless Packet Too Big or an option that
	 * asks for it; never to a source that is no single node. */
	if (rb_ip6_is_unspec(ip->src_addr) || rb_ip6_is_mcast(ip->src_addr))
		return;
	if ((rb_ip6_is_mcast(ip->dst_addr) || (rb_meta(m)->flags & RB_MF_L2_MCAST)) &&
	    type != RB_ICMP6_PACKET_TOO_BIG &&
	    !(type == RB_ICMP6_PARAM_PROBLEM && code == RB_ICMP6_PP_OPTION))
		return;
	if (rb_icmp6_is_error(m)) /* 2.4(e.1) */
		return;
	if (!rb_icmp_ratelimit(lc)) /* 2.4(f) */
		return;
	e = rte_pktmbuf_alloc(lc->dp->pool);
	if (e == NULL) {
		rb_drop_count(lc, RB_DROP_NO_MBUF);
		return;
	}
	/* 2.4(c): as much of the invoking packet as fits in 1280 octets. */
	quote = rb_icmp6_quote_len(rte_pktmbuf_pkt_len(m));
	quote = RTE_MIN(quote, (uint32_t)rte_pktmbuf_tailroom(e) - sizeof(*ic));
	ic = (struct rb_icmp6_hdr *)rte_pktmbuf_append(e, (uint16_t)(sizeof(*ic) + quote));
	if (ic == NULL) {
		rb_drop(lc, e, RB_DROP_NO_MBUF);
		return;
	}
	ic->type = type;
	ic->code = code;
	ic->cksum = 0;
	ic->data = rte_cpu_to_be_32(info); /* unused, MTU (3.2) or pointer (3.4) */
	body = (uint8_t *)(ic + 1);
	data = rte_pktmbuf_read(m, 0, quote, body);
	if (data != NULL && data != body)
		memcpy(body, data, quote);
	/* 2.2: the address it was sent to when that is ours, else ours on
	 * the interface it came in on. */
	if (!rb_ip6_is_mcast(ip->dst_addr) && rb_port_has_addr6(p, ip->dst_addr))
		memcpy(src, ip->dst_addr, 16);
	else
		rb_port_src6(p, ip->src_addr, src);
	memcpy(dst, ip->src_addr, 16);
	ic->cksum = (uint16_t)~rb_ip6_sum_buf(src, dst, RB_IP6_NH_ICMPV6, ic, sizeof(*ic) + quote);
	rb_count(lc, RB_EV_ICMP_ERROR_TX);
	rb_ip6_output_port(lc, e, m->port, src, dst, RB_IP6_NH_ICMPV6, 0, RB_IP6_DEFAULT_HLIM);
}

/* 4.2: the reply carries the request's identifier, sequence and data. */
static void icmp6_echo(struct rb_lcore *lc, struct rte_mbuf *m)
{
	const struct rte_ipv6_hdr *ip = rte_pktmbuf_mtod(m, const struct rte_ipv6_hdr *);
	const struct rb_port *p = &lc->dp->ports[m->port];
	struct rb_icmp6_hdr *ic;
	uint8_t src[16], dst[16];
	uint32_t len;

	if (rb_ip6_is_unspec(ip->src_addr)) {
		rb_drop(lc, m, RB_DROP_IP6_BAD_SRC);
		return;
	}
	memcpy(dst, ip->src_addr, 16);
	if (rb_ip6_is_mcast(ip->dst_addr))
		rb_port_src6(p, dst, src); /* a unicast address of the interface */
	else
		memcpy(src, ip->dst_addr, 16);
	rte_pktmbuf_adj(m, (uint16_t)m->l3_len);
	if (rte_pktmbuf_data_len(m) < sizeof(*ic)) {
		rb_drop(lc, m, RB_DROP_ICMP6_MALFORMED);
		return;
	}
	len = rte_pktmbuf_pkt_len(m);
	ic = rte_pktmbuf_mtod(m, struct rb_icmp6_hdr *);
	ic->type = RB_ICMP6_ECHO_REPLY;
	ic->code = 0;
	ic->cksum = 0;
	ic->cksum = (uint16_t)~rb_ip6_sum_mbuf(src, dst, RB_IP6_NH_ICMPV6, m, 0, len);
	m->ol_flags = 0;
	rb_count(lc, RB_EV_ICMP6_ECHO_REPLY);
	rb_ip6_output_port(lc, m, m->port, src, dst, RB_IP6_NH_ICMPV6, 0, RB_IP6_DEFAULT_HLIM);
}

/* Destination Unreachable and Packet Too Big about one of our TCP
 * segments (tcp_icmp.h): to the lcore that owns the quoted flow, there to
 * its connection. */
static void icmp6_to_tcp(struct rb_lcore *lc, struct rte_mbuf *m)
{
	uint32_t off = (uint32_t)m->l3_len, len = rte_pktmbuf_pkt_len(m) - off;
	uint8_t buf[TCP_ICMP_MSG_MAX];
	const uint8_t *msg;
	struct tcp_icmp_err e;
	unsigned owner;
	int rc;

	len = RTE_MIN(len, (uint32_t)sizeof(buf));
	msg = rte_pktmbuf_read(m, off, len, buf);
	rc = msg != NULL ? tcp_icmp_parse(AF_INET6, msg, len, &e) : TCP_ICMP_P_BAD;
	if (rc != 0) {
		rb_drop(lc, m, rc == TCP_ICMP_P_OTHER ? RB_DROP_ICMP6_UNHANDLED
						      : RB_DROP_TCP_ICMP_QUOTE_BAD);
		return;
	}
	owner = rb_flow_owner6(lc->dp, m->port, e.raddr, e.laddr, e.rport, e.lport);
	if (owner != lc->worker && rb_meta(m)->kind != RB_MK_L3) {
		rb_handoff(lc, owner, m);
		return;
	}
	tcp_icmp_input(lc, &e);
	rte_pktmbuf_free(m);
}

void rb_icmp6_input(struct rb_lcore *lc, struct rte_mbuf *m, int fragmented)
{
	const struct rte_ipv6_hdr *ip = rte_pktmbuf_mtod(m, const struct rte_ipv6_hdr *);
	uint32_t off = (uint32_t)m->l3_len, len = rte_pktmbuf_pkt_len(m) - off;
	struct rb_icmp6_hdr h;
	const struct rb_icmp6_hdr *hp;

	/* 2.3: the checksum covers the pseudo-header and the whole message. */
	if (len < sizeof(h) ||
	    rb_ip6_sum_mbuf(ip->src_addr, ip->dst_addr, RB_IP6_NH_ICMPV6, m, off, len) != 0xffff) {
		rb_drop(lc, m, RB_DROP_ICMP6_MALFORMED);
		return;
	}
	hp = rte_pktmbuf_read(m, off, sizeof(h), &h);
	switch (hp->type) {
	case RB_ICMP6_ECHO_REQUEST:
		icmp6_echo(lc, m);
		return;
	case RB_ICMP6_ECHO_REPLY:
		/* a reply to an echo a WireGuard endpoint relayed (wg_term_icmp.c) */
		if (lc->dp->wg_icmp_reply != NULL && lc->dp->wg_icmp_reply(lc, m))
			return;
		rb_drop(lc, m, RB_DROP_ICMP6_UNHANDLED);
		return;
	case RB_ICMP6_DEST_UNREACH:
	case RB_ICMP6_PACKET_TOO_BIG:
		icmp6_to_tcp(lc, m);
		return;
	case RB_ICMP6_NEIGH_SOL:
	case RB_ICMP6_NEIGH_ADV:
		/* RFC 6980 5: ND messages never come with a fragment header. */
		if (fragmented) {
			rb_drop(lc, m, RB_DROP_ND_MALFORMED);
			return;
		}
		rb_nd_input(lc, m, 0);
		return;
	default:
		/* Router Solicitation/Advertisement, Redirect, MLD, and the
		 * errors TCP takes no hint from (Time Exceeded, Parameter
		 * Problem): the appliance is configured statically. */
		rb_drop(lc, m, RB_DROP_ICMP6_UNHANDLED);
		return;
	}
}
