/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: an origin's response head as the plain-HTTP proxy's
 * keep-alive reads it (rb_http_resp_parse), fed whole and in growing
 * prefixes; checks that it never claims past the input or the output
 * room, that a rewritten head ends the head, and that keep-alive is only
 * promised for framed responses.
 */
#include <stdint.h>
#include <string.h>
#include "dataplane/proxy/proxy_parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rb_http_resp r;
	uint8_t out[1024];
	size_t ol, used;
	int flags, rc;

	if (size < 1)
		return 0;
	flags = data[0];
	data++;
	size--;
	for (size_t n = 0; n <= size; n += 1 + (n & 7)) {
		rc = rb_http_resp_parse(data, n, 512, flags & 1, flags & 2, &r, out, sizeof(out), &ol,
					&used);
		if (rc == RB_PARSE_DONE) {
			if (used > n || used > 512 || ol > sizeof(out) || ol < 4 ||
			    memcmp(out + ol - 4, "\r\n\r\n", 4) != 0)
				__builtin_trap();
			if (r.keep_alive && (!r.framed || !(flags & 2)))
				__builtin_trap();
			break;
		}
		if (rc != RB_PARSE_MORE)
			break;
	}
	return 0;
}
