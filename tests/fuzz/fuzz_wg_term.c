/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target for terminated mode's packet check
 * (dataplane/wireguard/term_parse.c): any bytes as a decrypted inner
 * packet.  What it accepts must be self-consistent: headers and lengths
 * inside the buffer, UDP ports non-zero and its length within the packet;
 * what wg_term_is_icmp calls ICMP has its IP header inside the buffer.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dataplane/wireguard/term_parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t buf[65536];
	struct wg_term_pkt p;
	enum wg_term_kind k;

	if (size > sizeof(buf))
		return 0;
	memcpy(buf, data, size); /* an exact-size copy lets ASan see overreads */
	{
		uint8_t *b = malloc(size ? size : 1);

		if (b == NULL)
			return 0;
		memcpy(b, buf, size);
		k = wg_term_classify(b, (uint32_t)size, &p);
		free(b);
	}
	if (k == WG_TERM_TCP || k == WG_TERM_UDP) {
		if (p.hl < 20 || p.tot > size || p.hl > p.tot)
			abort();
		if (k == WG_TERM_TCP && (uint32_t)p.hl + 20 > p.tot)
			abort();
		if (k == WG_TERM_UDP && (p.sport == 0 || p.dport == 0 || p.ulen < 8 ||
					 (uint32_t)p.hl + p.ulen > p.tot))
			abort();
	}
	/* ICMP left to routing (dropped unless ours): its IP header inside the buffer */
	if (k == WG_TERM_PASS && wg_term_is_icmp(&p) &&
	    (p.hl < 20 || p.hl > size || (!p.v4 && p.hl != 40)))
		abort();
	return 0;
}
