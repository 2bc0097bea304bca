/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target for the TCP MSS clamp (dataplane/wireguard/mss_clamp.c):
 * input = 2 bytes of MTU (big endian) + one IP packet.  Whenever the clamp
 * reports a change, the TCP checksum must verify exactly when it verified
 * before (the update is incremental, RFC 1624), and nothing before the TCP
 * header (IP header, IPv6 extension headers: net/ip6_ext.c's walk finds it)
 * may have moved.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <rte_ip.h>

#include <netinet/in.h>

#include "dataplane/net/ip6_ext.h"
#include "dataplane/wireguard/mss_clamp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Does the TCP segment at p + hl (tot bytes in all) verify?  IPv6: the
 * pseudo-header's length is the upper layer's (RFC 8200 8.1). */
static int verifies(const uint8_t *p, uint32_t hl, uint32_t tot)
{
	struct rte_ipv6_hdr h;

	if ((p[0] >> 4) == 4)
		return rte_ipv4_udptcp_cksum_verify((const struct rte_ipv4_hdr *)p, p + hl) == 0;
	memcpy(&h, p, sizeof(h));
	h.payload_len = rte_cpu_to_be_16((uint16_t)(tot - hl));
	h.proto = IPPROTO_TCP;
	return rte_ipv6_udptcp_cksum_verify(&h, p + hl) == 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t buf[65536], orig[65536];
	uint16_t mtu;
	uint32_t len, hl, tot;

	if (size < 2 || size - 2 > sizeof(buf))
		return 0;
	mtu = (uint16_t)(data[0] << 8 | data[1]);
	len = (uint32_t)(size - 2);
	memcpy(buf, data + 2, len);
	memcpy(orig, buf, len);
	if (wg_mss_clamp_buf(buf, len, mtu) == 0) {
		if (memcmp(buf, orig, len) != 0)
			abort(); /* "no change" must mean no change */
		return 0;
	}
	if ((buf[0] >> 4) == 4) {
		hl = (uint32_t)(buf[0] & 0xf) * 4;
		tot = (uint32_t)(buf[2] << 8 | buf[3]);
	} else {
		struct rb_ip6_walk w;

		tot = 40u + (uint32_t)(buf[4] << 8 | buf[5]);
		if (tot > len || rb_ip6_walk(buf, tot, 40, 6, RB_IP6W_NO_OPTS, &w) != RB_IP6W_OK ||
		    w.proto != IPPROTO_TCP)
			abort(); /* changed something that is not a whole TCP packet */
		hl = w.off;
	}
	if (memcmp(buf, orig, hl) != 0)
		abort(); /* the IP header and the chain are never touched */
	if (verifies(buf, hl, tot) != verifies(orig, hl, tot))
		abort();
	return 0;
}
