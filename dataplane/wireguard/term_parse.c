/* SPDX-License-Identifier: BSD-3-Clause */
/* Terminated mode: classify a decrypted inner packet; see term_parse.h. */
#include <string.h>
#include <netinet/in.h>
#include <rte_ip.h>
#include <rte_udp.h>

#include "../tcp/tcp_wire.h"
#include "../net/ip6_ext.h"
#include "term_parse.h"

/* len: the bytes at ip; the packet's p->tot may run past them (a chain):
 * then the caller verifies the checksum (p->cksum_todo). */
static enum wg_term_kind udp_check(const uint8_t *ip, uint32_t len, struct wg_term_pkt *p)
{
	const struct rte_udp_hdr *uh = (const struct rte_udp_hdr *)(ip + p->hl);

	if ((uint32_t)p->tot < (uint32_t)p->hl + sizeof(*uh) || (uint32_t)p->hl + sizeof(*uh) > len)
		return WG_TERM_BAD_L4;
	p->ulen = rte_be_to_cpu_16(uh->dgram_len);
	p->sport = rte_be_to_cpu_16(uh->src_port);
	p->dport = rte_be_to_cpu_16(uh->dst_port);
	/* RFC 768: the length covers header and data, within the IP payload */
	if (p->ulen < sizeof(*uh) || (uint32_t)p->hl + p->ulen > p->tot || p->sport == 0 ||
	    p->dport == 0)
		return WG_TERM_BAD_L4;
	if ((uint32_t)p->hl + p->ulen > len) {
		p->cksum_todo = 1;
		return WG_TERM_UDP;
	}
	if (p->v4) {
		/* a zero checksum is "none" over IPv4 */
		if (uh->dgram_cksum != 0 &&
		    rte_ipv4_udptcp_cksum_verify((const struct rte_ipv4_hdr *)ip, uh) != 0)
			return WG_TERM_BAD_L4;
	} else {
		/* RFC 8200 8.1: the pseudo-header's length is the upper layer's,
		 * without the extension headers between (payload_len counts them) */
		struct rte_ipv6_hdr h;

		memcpy(&h, ip, sizeof(h));
		h.payload_len = rte_cpu_to_be_16((uint16_t)(p->tot - p->hl));
		h.proto = IPPROTO_UDP;
		if (rte_ipv6_udptcp_cksum_verify(&h, uh) != 0)
			return WG_TERM_BAD_L4;
	}
	return WG_TERM_UDP;
}

enum wg_term_kind wg_term_classify(const uint8_t *ip, uint32_t len, struct wg_term_pkt *p)
{
	return wg_term_classify_seg(ip, len, len, p);
}

enum wg_term_kind wg_term_classify_seg(const uint8_t *ip, uint32_t len, uint32_t pkt_len,
				       struct wg_term_pkt *p)
{
	memset(p, 0, sizeof(*p));
	if (len < 20 || pkt_len < len)
		return WG_TERM_PASS;
	if ((ip[0] >> 4) == 4) {
		const struct rte_ipv4_hdr *ih = (const struct rte_ipv4_hdr *)ip;

		p->v4 = 1;
		p->hl = (uint16_t)((ip[0] & 0xf) * 4);
		p->tot = rte_be_to_cpu_16(ih->total_length);
		p->proto = ih->next_proto_id;
		if (p->hl < 20 || p->hl > p->tot || p->tot > pkt_len || p->hl > len)
			return WG_TERM_BAD_IP;
		if (ih->fragment_offset &
		    rte_cpu_to_be_16(RTE_IPV4_HDR_MF_FLAG | RTE_IPV4_HDR_OFFSET_MASK))
			return WG_TERM_PASS;
		if (p->proto != IPPROTO_TCP && p->proto != IPPROTO_UDP)
			return WG_TERM_PASS;
		if (rte_raw_cksum(ip, p->hl) != 0xffff)
			return WG_TERM_BAD_IP;
	} else if ((ip[0] >> 4) == 6 && len >= 40) {
		uint32_t tot = 40u + (uint32_t)(ip[4] << 8 | ip[5]);

		if (tot > pkt_len)
			return WG_TERM_BAD_IP;
		p->tot = (uint16_t)tot;
		/* the chain as its destination walks it (we stand in for it); in
		 * a chain of segments it must lie in the first */
		switch (rb_ip6_walk(ip, tot < len ? tot : len, RB_IP6_HDR_LEN, 6, 0, &p->w)) {
		case RB_IP6W_OK:
			break;
		case RB_IP6W_FRAG:
			/* RFC 8200 4.5: the Fragment header's Next Header names
			 * the first header of the fragmentable part */
			p->frag = 1;
			p->hl = p->w.off;
			p->proto = ip[p->w.off];
			return WG_TERM_PASS;
		default:
			return WG_TERM_BAD_EXT;
		}
		p->hl = p->w.off;
		p->proto = p->w.proto;
		if (p->proto != IPPROTO_TCP && p->proto != IPPROTO_UDP)
			return WG_TERM_PASS;
	} else {
		return WG_TERM_PASS;
	}
	if (p->proto == IPPROTO_UDP)
		return udp_check(ip, len, p);
	/* the TCP stack reads its header from the first segment */
	return (uint32_t)p->tot < (uint32_t)p->hl + TCP_HDR_LEN || (uint32_t)p->hl + TCP_HDR_LEN > len
		       ? WG_TERM_BAD_L4
		       : WG_TERM_TCP;
}

int wg_term_frag_l4(const uint8_t *ip, const struct wg_term_pkt *p)
{
	if (p->v4) {
		const struct rte_ipv4_hdr *ih = (const struct rte_ipv4_hdr *)ip;

		if (!(ih->fragment_offset &
		      rte_cpu_to_be_16(RTE_IPV4_HDR_MF_FLAG | RTE_IPV4_HDR_OFFSET_MASK)))
			return 0;
	} else if (!p->frag) {
		return 0;
	} else if (p->proto == RB_IP6_NH_DSTOPTS || p->proto == RB_IP6_NH_ROUTING ||
		   p->proto == RB_IP6_NH_FRAGMENT) {
		/* RFC 8200 4.5: the fragmentable part begins with an extension
		 * header (every fragment's Next Header says so, the later ones
		 * too): what follows it is known only once reassembled.
		 * Hop-by-Hop there is refused by the walk; AH is left routed as
		 * it is without fragments. */
		return 1;
	}
	return p->proto == IPPROTO_TCP || p->proto == IPPROTO_UDP;
}

int wg_term_is_icmp(const struct wg_term_pkt *p)
{
	if (p->v4)
		return p->hl >= 20 && p->proto == IPPROTO_ICMP;
	return p->hl >= 40 && p->proto == IPPROTO_ICMPV6;
}
