/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: the SOCKS5 UDP request header (RFC 1928 section 7) as
 * the UDP relay sees it from a client datagram.  Checks that the parser
 * never reads or claims past the input, and that what it accepts survives
 * a round trip through the header writer the relay uses for replies:
 * parse(header(parse(x))) == parse(x).
 */
#include <stdint.h>
#include <string.h>
#include "dataplane/proxy/proxy_parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t hdr[4 + 1 + RB_DOMAIN_MAX + 2];
	struct rb_dest d, d2;
	size_t n;
	int rc = rb_socks5_udp_parse(data, size, &d);

	if (rc < 0)
		return 0;
	if ((size_t)rc > size || rc < 8)
		__builtin_trap();
	if (d.family == 0 && (d.domain[0] == '\0' || strlen(d.domain) > RB_DOMAIN_MAX))
		__builtin_trap();
	n = rb_socks5_udp_header(&d, hdr);
	if (n > sizeof(hdr) || rb_socks5_udp_parse(hdr, n, &d2) != (int)n)
		__builtin_trap();
	if (d2.family != d.family || d2.port != d.port || strcmp(d2.domain, d.domain) ||
	    memcmp(d2.addr, d.addr, 16))
		__builtin_trap();
	return 0;
}
