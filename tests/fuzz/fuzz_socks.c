/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: the SOCKS 4/4a/5 server handshake (with and without
 * auth, UDP on), fed in chunks whose sizes come from the input, the SOCKS5
 * UDP header parser, and the SOCKS client's reply parser.
 */
#include <stdint.h>
#include <string.h>
#include "dataplane/proxy/proxy_parse.h"

static int auth(void *arg, const char *u, size_t ul, const char *p, size_t pl)
{
	(void)arg;
	return ul == 1 && u[0] == 'u' && (p == NULL || (pl == 1 && p[0] == 'p'));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rb_socks_srv s;
	struct rb_socks_cli c;
	struct rb_proxy_request req;
	struct rb_dest d;
	uint8_t out[700];
	size_t parsed = 0, avail = 0, used, ol;
	int rc = RB_PARSE_MORE;

	if (size < 1)
		return 0;
	rb_socks_srv_init(&s, data[0] & 1, data[0] & 2, auth, NULL);
	data++;
	size--;
	while (avail < size && rc == RB_PARSE_MORE) {
		size_t step = 1 + (data[avail] & 15);

		avail = avail + step > size ? size : avail + step;
		rc = rb_socks_srv_feed(&s, data + parsed, avail - parsed, &used, out, &ol, &req);
		if (used > avail - parsed || ol > RB_SOCKS_OUT_MAX)
			__builtin_trap();
		parsed += used;
	}
	rb_socks5_udp_parse(data, size, &d);
	memset(&d, 0, sizeof(d));
	memcpy(d.domain, "x.y", 4);
	rb_socks_cli_start(&c, 5, 1, "u", "p", &d, out);
	parsed = 0;
	for (int i = 0; i < 8 && parsed <= size; i++) {
		rc = rb_socks_cli_feed(&c, data + parsed, size - parsed, &used, out, &ol);
		parsed += used;
		if (rc != RB_PARSE_MORE || used == 0)
			break;
	}
	return 0;
}
