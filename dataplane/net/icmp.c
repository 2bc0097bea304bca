/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ICMP for IPv4 (RFC 792): echo replies, and error generation per RFC 1812
 * 4.3.2 (never about ICMP errors, non-first fragments, or multicast and
 * broadcast packets; quote as much of the offending datagram as fits in
 * 576 bytes; rate limited by a per-lcore token bucket).  Destination
 * Unreachable about our TCP segments goes to TCP on the flow's owner
 * (dataplane/tcp/tcp_icmp.h: PMTU, hard and soft errors).
 */
#include <string.h>
#include <netinet/in.h>
#include <rte_icmp.h>
#include <rte_ip.h>
#include "../rb_lcore.h"
#include "ip4.h"
#include "cksum.h"
#include "../tcp/tcp_icmp.h"

#define ICMP4_ERR_MAX 576

int rb_icmp_ratelimit(struct rb_lcore *lc)
{
	uint64_t hz = lc->dp->tsc_hz, elapsed = lc->now - lc->icmp_tokens_tsc;
	uint64_t add;

	if (elapsed > hz) /* a full bucket after a second; no overflow after long idle */
		elapsed = hz;
	add = elapsed * lc->icmp_rate / hz;

	if (add > 0) {
		lc->icmp_tokens = (uint32_t)RTE_MIN((uint64_t)lc->icmp_rate,
						    lc->icmp_tokens + add);
		lc->icmp_tokens_tsc = lc->now;
	}
	if (lc->icmp_tokens == 0) {
		/* The offending packet is counted under its own drop reason. */
		rb_count(lc, RB_EV_ICMP_RATELIMIT);
		return 0;
	}
	lc->icmp_tokens--;
	return 1;
}

static uint16_t cksum_mbuf(const struct rte_mbuf *m, uint32_t off, uint32_t len)
{
	uint16_t c;

	if (rb_cksum_mbuf(m, off, len, &c) != 0)
		return 0;
	return c;
}

/* Destination Unreachable about one of our TCP segments (tcp_icmp.h): to
 * the lcore that owns the quoted flow, there to its connection. */
static void icmp4_to_tcp(struct rb_lcore *lc, struct rte_mbuf *m)
{
	uint32_t hl = (uint32_t)m->l3_len, len = rte_pktmbuf_pkt_len(m) - hl;
	uint8_t buf[TCP_ICMP_MSG_MAX];
	const uint8_t *msg;
	struct tcp_icmp_err e;
	uint32_t raddr, laddr;
	unsigned owner;
	int rc;

	len = RTE_MIN(len, (uint32_t)sizeof(buf));
	msg = rte_pktmbuf_read(m, hl, len, buf);
	rc = msg != NULL ? tcp_icmp_parse(AF_INET, msg, len, &e) : TCP_ICMP_P_BAD;
	if (rc != 0) {
		rb_drop(lc, m, rc == TCP_ICMP_P_OTHER ? RB_DROP_ICMP_UNHANDLED
						      : RB_DROP_TCP_ICMP_QUOTE_BAD);
		return;
	}
	memcpy(&raddr, e.raddr, 4);
	memcpy(&laddr, e.laddr, 4);
	owner = rb_flow_owner4(lc->dp, m->port, raddr, laddr, e.rport, e.lport);
	if (owner != lc->worker && rb_meta(m)->kind != RB_MK_L3) {
		rb_handoff(lc, owner, m);
		return;
	}
	tcp_icmp_input(lc, &e);
	rte_pktmbuf_free(m);
}

void rb_icmp4_input(struct rb_lcore *lc, struct rte_mbuf *m)
{
	struct rte_ipv4_hdr *ih = rte_pktmbuf_mtod(m, struct rte_ipv4_hdr *);
	uint32_t hl = (uint32_t)m->l3_len, len = rte_pktmbuf_pkt_len(m) - hl;
	struct rte_icmp_hdr *ic;
	uint32_t tmp;

	if (rte_pktmbuf_data_len(m) < hl + sizeof(*ic) || cksum_mbuf(m, hl, len) != 0xffff) {
		rb_drop(lc, m, RB_DROP_ICMP_MALFORMED);
		return;
	}
	ic = rte_pktmbuf_mtod_offset(m, struct rte_icmp_hdr *, hl);
	/* a reply to an echo a WireGuard endpoint relayed (wg_term_icmp.c);
	 * others are left as they were */
	if (ic->icmp_type == RB_ICMP_ECHO_REPLY && lc->dp->wg_icmp_reply != NULL &&
	    lc->dp->wg_icmp_reply(lc, m))
		return;
	if (ic->icmp_type == RB_ICMP_DEST_UNREACH) {
		icmp4_to_tcp(lc, m);
		return;
	}
	if (ic->icmp_type != RB_ICMP_ECHO_REQUEST || ic->icmp_code != 0) {
		rb_drop(lc, m, RB_DROP_ICMP_UNHANDLED);
		return;
	}
	/* Echo reply in place: same identifier, sequence and data (RFC 792). */
	ic->icmp_type = RB_ICMP_ECHO_REPLY;
	ic->icmp_cksum = 0;
	ic->icmp_cksum = (uint16_t)~cksum_mbuf(m, hl, len);
	tmp = ih->src_addr;
	ih->src_addr = ih->dst_addr;
	ih->dst_addr = tmp;
	ih->time_to_live = 64;
	ih->fragment_offset = 0;
	ih->type_of_service = 0;
	ih->packet_id = rte_cpu_to_be_16(lc->ip_id++);
	rb_count(lc, RB_EV_ICMP_ECHO_REPLY);
	rb_ip4_route_out(lc, m);
}

static bool icmp4_is_error(const struct rte_mbuf *m, const struct rte_ipv4_hdr *ih)
{
	uint8_t type;
	const uint8_t *p;

	if (ih->next_proto_id != IPPROTO_ICMP)
		return false;
	p = rte_pktmbuf_read(m, (uint32_t)(ih->version_ihl & 0xf) * 4, 1, &type);
	if (p == NULL)
		return true; /* unknown: be conservative */
	return *p != RB_ICMP_ECHO_REQUEST && *p != RB_ICMP_ECHO_REPLY && *p != 13 && *p != 14;
}

void rb_icmp4_error(struct rb_lcore *lc, struct rte_mbuf *m, uint8_t type, uint8_t code,
		    uint32_t info)
{
	const struct rte_ipv4_hdr *ih = rte_pktmbuf_mtod(m, const struct rte_ipv4_hdr *);
	uint32_t src = rte_be_to_cpu_32(ih->src_addr), dst = rte_be_to_cpu_32(ih->dst_addr);
	uint32_t quote, ours;
	struct rte_mbuf *e;
	struct rte_icmp_hdr *ic;
	uint8_t *body;
	const void *src_data;

	/* RFC 1812 4.3.2.7: when not to send an ICMP error. */
	if ((ih->fragment_offset & rte_cpu_to_be_16(RTE_IPV4_HDR_OFFSET_MASK)) != 0 ||
	    (dst >> 28) == 0xe || dst == 0xffffffff || src == 0 || (src >> 28) == 0xe ||
	    src == 0xffffffff || (rb_meta(m)->flags & RB_MF_L2_MCAST) || icmp4_is_error(m, ih))
		return;
	if (!rb_icmp_ratelimit(lc))
		return;
	e = rte_pktmbuf_alloc(lc->dp->pool);
	if (e == NULL) {
		rb_drop_count(lc, RB_DROP_NO_MBUF);
		return;
	}
	quote = RTE_MIN(rte_pktmbuf_pkt_len(m),
			(uint32_t)(ICMP4_ERR_MAX - sizeof(struct rte_ipv4_hdr) - sizeof(*ic)));
	ic = (struct rte_icmp_hdr *)rte_pktmbuf_append(e, (uint16_t)(sizeof(*ic) + quote));
	if (ic == NULL) {
		rb_drop(lc, e, RB_DROP_NO_MBUF);
		return;
	}
	ic->icmp_type = type;
	ic->icmp_code = code;
	ic->icmp_cksum = 0;
	/* Rest of header: unused, or the next-hop MTU (RFC 1191) in the low half. */
	ic->icmp_ident = 0;
	ic->icmp_seq_nb = rte_cpu_to_be_16((uint16_t)info);
	body = (uint8_t *)(ic + 1);
	src_data = rte_pktmbuf_read(m, 0, quote, body);
	if (src_data != NULL && src_data != body)
		memcpy(body, src_data, quote);
	ic->icmp_cksum = (uint16_t)~rte_raw_cksum(ic, sizeof(*ic) + quote);
	/* Source: our address on the interface the packet came in on. */
	ours = rb_port_src4(&lc->dp->ports[m->port], ih->src_addr);
	rb_count(lc, RB_EV_ICMP_ERROR_TX);
	rb_ip4_output(lc, e, ours, ih->src_addr, IPPROTO_ICMP, 0xc0, 0);
}
