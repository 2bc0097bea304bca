/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: the HTTP proxy request parser (CONNECT, absolute-form
 * forwarding with the head rewrite, Basic auth, the message-length checks
 * of RFC 9112 6.3), re-parsed on growing prefixes as the session does, the
 * CONNECT response parser and the host:port / base64 helpers.  A refused
 * framing is a 400; a forwarded head ends in exactly one Connection field.
 */
#include <stdint.h>
#include <string.h>
#include "dataplane/proxy/proxy_parse.h"

static int auth(void *arg, const char *u, size_t ul, const char *p, size_t pl)
{
	(void)arg;
	return ul == 1 && u[0] == 'u' && p && pl == 1 && p[0] == 'p';
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rb_http_srv h;
	struct rb_http_cli c;
	struct rb_proxy_request req;
	struct rb_dest d;
	uint8_t fwd[1400], dec[64];
	size_t used, flen;
	int rc;

	if (size < 1)
		return 0;
	for (size_t avail = size > 64 ? size - 64 : 1; avail <= size; avail += 16) {
		rb_http_srv_init(&h, data[0] & 1, 1024, auth, NULL);
		rc = rb_http_srv_parse(&h, data + 1, avail - 1, &used, &req, fwd, sizeof(fwd),
				       &flen);
		if (rc == RB_PARSE_DONE && (used > avail - 1 || flen > sizeof(fwd)))
			__builtin_trap();
		if (rc == RB_PARSE_ERR && (h.status < 400 || (h.framing_err && h.status != 400)))
			__builtin_trap();
		if (rc == RB_PARSE_DONE && req.cmd == RB_CMD_HTTP_FORWARD) {
			const size_t kl = sizeof(RB_HTTP_KA_LINE) - 1, cl = sizeof(RB_HTTP_CLOSE_LINE) - 1;
			int ka = flen >= kl && memcmp(fwd + flen - kl, RB_HTTP_KA_LINE, kl) == 0;
			int close = flen >= cl && memcmp(fwd + flen - cl, RB_HTTP_CLOSE_LINE, cl) == 0;

			/* keep-alive upstream exactly for a kept client (its body
			 * framed by Content-Length, chunked or none) */
			if (ka == close || ka != h.keep_alive)
				__builtin_trap();
			/* only the idempotent methods (RFC 9110 9.2.2) may go again */
			if (h.idempotent && !(data[1] == 'G' || data[1] == 'H' || data[1] == 'O' ||
					      data[1] == 'T' || data[1] == 'P' || data[1] == 'D'))
				__builtin_trap();
		}
	}
	rb_http_cli_parse(&c, data, size, &used);
	rb_dest_parse((const char *)data, size, data[0], &d);
	rb_base64_decode((const char *)data, size, dec, sizeof(dec));
	return 0;
}
