/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: the SOCKS5 UDP request header (RFC 1928 section 7) as
 * the UDP relay sees it from a client datagram.  Checks that the parser
 * never reads or claims past the input, and that what it accepts survives
 * a round trip through the header writer the relay uses for replies:
 * parse(header(parse(x))) == parse(x).
 *
 * The same input is also the server's side of a UDP ASSOCIATE exchange as
 * the socks UDP outbound sees it (udp_out_socks.c): method choice, auth
 * answer, reply; fed to rb_socks_cli in chunks whose size the first byte
 * picks.  The client never claims more than it was given, and a reply it
 * accepts yields a relay address (rb_socks5_udp_relay_addr) that is a real
 * address with a port, or is refused.
 */
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include "dataplane/proxy/proxy_parse.h"

static void client_side(const uint8_t *data, size_t size)
{
	static const uint8_t zero16[16];
	struct rb_dest unknown = { .family = AF_INET }, server = { .family = AF_INET, .port = 1080 };
	struct rb_socks_cli c;
	struct rb_dest relay;
	uint8_t out[600];
	size_t step, off = 0, have = 0, used, outlen;
	int rc = RB_PARSE_MORE;

	if (size == 0)
		return;
	step = (size_t)(data[0] & 7) + 1;
	server.addr[0] = 192;
	server.addr[3] = 1;
	if (rb_socks_cli_start(&c, 5, 3, (data[0] & 8) ? "user" : NULL, "pass", &unknown, out) == 0)
		__builtin_trap();
	data++;
	size--;
	while (off < size && rc == RB_PARSE_MORE) {
		size_t n = size - off < step ? size - off : step;

		have += n;
		off += n;
		do {
			rc = rb_socks_cli_feed(&c, data + off - have, have, &used, out, &outlen);
			if (used > have || outlen > sizeof(out))
				__builtin_trap();
			have -= used;
		} while (rc == RB_PARSE_MORE && used > 0);
	}
	if (rc != RB_PARSE_DONE)
		return;
	if (rb_socks5_udp_relay_addr(&c.bound, &server, &relay) != 0)
		return;
	if ((relay.family != AF_INET && relay.family != AF_INET6) || relay.port == 0 ||
	    !memcmp(relay.addr, zero16, relay.family == AF_INET ? 4 : 16))
		__builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t hdr[4 + 1 + RB_DOMAIN_MAX + 2];
	struct rb_dest d, d2;
	size_t n;
	int rc;

	client_side(data, size);
	rc = rb_socks5_udp_parse(data, size, &d);
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
