/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The ICMP/ICMPv6 error parser for TCP (dataplane/tcp/tcp_icmp_parse.c):
 * any bytes as either family's message.  It must read no byte beyond len
 * (ASan, the input copied to a buffer of exactly len) and give back only
 * what the bytes say: a kind TCP knows, the family asked for, an errno for
 * the non-PMTU kinds, the quoted ports and sequence number where the
 * quote has them; the plateau of any quoted length is a plateau below it.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include "dataplane/tcp/tcp_icmp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const int fam[2] = {AF_INET, AF_INET6};
	uint8_t *b;

	if (size > 4096)
		return 0;
	b = malloc(size ? size : 1);
	if (b == NULL)
		return 0;
	memcpy(b, data, size);
	for (int i = 0; i < 2; i++) {
		struct tcp_icmp_err e;
		int rc = tcp_icmp_parse(fam[i], b, (uint32_t)size, &e);
		uint32_t th;

		if (rc != 0) {
			if (rc != TCP_ICMP_P_OTHER && rc != TCP_ICMP_P_BAD)
				abort();
			continue;
		}
		if (e.family != fam[i] || e.kind < TCP_ICMP_SOFT || e.kind > TCP_ICMP_PMTU)
			abort();
		if (e.kind != TCP_ICMP_PMTU && e.err != -ECONNREFUSED && e.err != -EHOSTUNREACH &&
		    e.err != -ENETUNREACH)
			abort();
		/* where the TCP header starts: after the quoted IP header */
		th = 8 + (fam[i] == AF_INET ? (uint32_t)(b[8] & 0xf) * 4 : 40);
		if (th + 8 > size || memcmp(&e.lport, b + th, 2) != 0 ||
		    memcmp(&e.rport, b + th + 2, 2) != 0 ||
		    e.seq != ((uint32_t)b[th + 4] << 24 | (uint32_t)b[th + 5] << 16 |
			      (uint32_t)b[th + 6] << 8 | b[th + 7]))
			abort();
		if (fam[i] == AF_INET) {
			uint32_t p = tcp_icmp_plateau(e.quoted_len);

			if (p < 68 || (p >= e.quoted_len && p != 68))
				abort();
		}
	}
	free(b);
	return 0;
}
