/* SPDX-License-Identifier: BSD-3-Clause */
/* TCP MSS clamping to a tunnel MTU; see mss_clamp.h. */
#include <netinet/in.h>
#include <rte_ip.h>

#include "../net/ip6_ext.h"
#include "../tcp/tcp_wire.h"
#include "mss_clamp.h"

/*
 * RFC 1624 3 (eqn. 3): HC' = ~(~HC + ~m + m') for one 16-bit field m
 * changed to m'.  The sum is over 16-bit words counted from the TCP header
 * (even, RFC 9293 3.1); a field at an odd offset straddles two of them and
 * adds to the sum byte-swapped (RFC 1071 2(B)), so it is swapped first.
 * Incremental, as a router does it: a segment whose checksum was wrong stays
 * wrong, one that was right stays right.
 */
static uint16_t cksum_adjust(uint16_t hc, uint16_t old, uint16_t new, int odd)
{
	uint32_t s;

	if (odd) {
		old = (uint16_t)(old >> 8 | old << 8);
		new = (uint16_t)(new >> 8 | new << 8);
	}
	s = (uint32_t)(uint16_t)~hc + (uint16_t)~old + new;
	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

/* The TCP header's offset (the IP header and, for IPv6, every extension
 * header before it) and the packet's length; 0 when not a whole TCP packet. */
static uint32_t tcp_offset(const uint8_t *ip, uint32_t len, uint32_t *tot)
{
	if ((ip[0] >> 4) == 4) {
		const struct rte_ipv4_hdr *ih = (const struct rte_ipv4_hdr *)ip;
		uint32_t hl = (uint32_t)(ip[0] & 0xf) * 4;

		*tot = rte_be_to_cpu_16(ih->total_length);
		if (hl < 20 || ih->next_proto_id != IPPROTO_TCP ||
		    (ih->fragment_offset &
		     rte_cpu_to_be_16(RTE_IPV4_HDR_MF_FLAG | RTE_IPV4_HDR_OFFSET_MASK)))
			return 0;
		return hl;
	}
	if ((ip[0] >> 4) == 6 && len >= RB_IP6_HDR_LEN) {
		struct rb_ip6_walk w;

		*tot = RB_IP6_HDR_LEN + (uint32_t)(ip[4] << 8 | ip[5]);
		if (*tot > len)
			return 0;
		/* RFC 8200 4: the chain's structure only (the destination acts
		 * on options, not a clamp on the way); a fragment (not atomic)
		 * or AH (RFC 4302: the ICV covers the segment) ends it */
		if (rb_ip6_walk(ip, *tot, RB_IP6_HDR_LEN, 6, RB_IP6W_NO_OPTS, &w) != RB_IP6W_OK ||
		    w.proto != IPPROTO_TCP)
			return 0;
		return w.off;
	}
	return 0;
}

int wg_mss_clamp_buf(uint8_t *ip, uint32_t len, uint16_t mtu)
{
	uint32_t hl, tot = 0, thl, mss;
	struct tcp_hdr *th;
	uint8_t *o;

	if (len < 20)
		return 0;
	hl = tcp_offset(ip, len, &tot);
	/* the checksum covers tot bytes: all of them must be here */
	if (hl == 0 || tot > len || tot < hl + TCP_HDR_LEN || mtu <= hl + TCP_HDR_LEN)
		return 0;
	th = (struct tcp_hdr *)(ip + hl);
	thl = (uint32_t)(th->off >> 4) * 4;
	if (!(th->flags & TCP_SYN) || thl < TCP_HDR_LEN || hl + thl > tot)
		return 0;
	/* RFC 9293 3.7.1, less what this SYN's IP header (options, extension
	 * headers) takes: its later segments may carry the same */
	mss = (uint32_t)mtu - hl - TCP_HDR_LEN;
	o = (uint8_t *)(th + 1);
	for (uint32_t i = 0; i < thl - TCP_HDR_LEN;) {
		uint32_t left = thl - TCP_HDR_LEN - i;
		uint16_t old;

		if (o[i] == TCPOPT_EOL)
			break;
		if (o[i] == TCPOPT_NOP) {
			i++;
			continue;
		}
		if (left < 2 || o[i + 1] < 2 || o[i + 1] > left)
			break;
		if (o[i] == TCPOPT_MSS && o[i + 1] == 4) {
			old = (uint16_t)(o[i + 2] << 8 | o[i + 3]);
			if (old <= mss)
				return 0;
			o[i + 2] = (uint8_t)(mss >> 8);
			o[i + 3] = (uint8_t)mss;
			/* the value's offset in the TCP header: 20 + i + 2 */
			th->cksum = rte_cpu_to_be_16(cksum_adjust(rte_be_to_cpu_16(th->cksum), old,
								  (uint16_t)mss, (int)(i & 1)));
			return 1;
		}
		i += o[i + 1];
	}
	return 0;
}
