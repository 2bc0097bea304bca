/* SPDX-License-Identifier: BSD-3-Clause */
/* TCP MSS clamping to a tunnel MTU; see mss_clamp.h. */
#include <netinet/in.h>
#include <rte_ip.h>

#include "../tcp/tcp_wire.h"
#include "mss_clamp.h"

int wg_mss_clamp_buf(uint8_t *ip, uint32_t len, uint16_t mtu)
{
	uint32_t hl, tot, thl, mss;
	struct tcp_hdr *th;
	uint8_t *o;
	int v4;

	if (len < 20)
		return 0;
	v4 = (ip[0] >> 4) == 4;
	if (v4) {
		const struct rte_ipv4_hdr *ih = (const struct rte_ipv4_hdr *)ip;

		hl = (uint32_t)(ip[0] & 0xf) * 4;
		tot = rte_be_to_cpu_16(ih->total_length);
		if (hl < 20 || ih->next_proto_id != IPPROTO_TCP ||
		    (ih->fragment_offset &
		     rte_cpu_to_be_16(RTE_IPV4_HDR_MF_FLAG | RTE_IPV4_HDR_OFFSET_MASK)))
			return 0;
	} else if ((ip[0] >> 4) == 6 && len >= 40) {
		hl = 40;
		tot = 40u + (uint32_t)(ip[4] << 8 | ip[5]);
		if (ip[6] != IPPROTO_TCP)
			return 0;
	} else {
		return 0;
	}
	/* the checksum covers tot bytes: all of them must be here */
	if (tot > len || tot < hl + TCP_HDR_LEN || mtu <= hl + TCP_HDR_LEN)
		return 0;
	th = (struct tcp_hdr *)(ip + hl);
	thl = (uint32_t)(th->off >> 4) * 4;
	if (!(th->flags & TCP_SYN) || thl < TCP_HDR_LEN || hl + thl > tot)
		return 0;
	mss = (uint32_t)mtu - hl - TCP_HDR_LEN;
	o = (uint8_t *)(th + 1);
	for (uint32_t i = 0; i < thl - TCP_HDR_LEN;) {
		uint32_t left = thl - TCP_HDR_LEN - i;

		if (o[i] == TCPOPT_EOL)
			break;
		if (o[i] == TCPOPT_NOP) {
			i++;
			continue;
		}
		if (left < 2 || o[i + 1] < 2 || o[i + 1] > left)
			break;
		if (o[i] == TCPOPT_MSS && o[i + 1] == 4) {
			if (((uint32_t)o[i + 2] << 8 | o[i + 3]) <= mss)
				return 0;
			o[i + 2] = (uint8_t)(mss >> 8);
			o[i + 3] = (uint8_t)mss;
			th->cksum = 0;
			th->cksum = v4 ? rte_ipv4_udptcp_cksum((const struct rte_ipv4_hdr *)ip, th)
				       : rte_ipv6_udptcp_cksum((const struct rte_ipv6_hdr *)ip, th);
			return 1;
		}
		i += o[i + 1];
	}
	return 0;
}
