/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: an origin's response as the plain-HTTP proxy's
 * keep-alive reads it: the head (rb_http_resp_parse), fed whole and in
 * growing prefixes, then the body after it through the body-end scanner
 * (rb_http_body_scan, http_body.c) as the head said (Content-Length,
 * chunked, none, until close), once whole and once in pieces whose sizes
 * come from the input.  Checks: the head parser never claims past the
 * input or the output room, a rewritten head ends the head, keep-alive is
 * only promised for framed responses and the framing agrees with the body
 * mode; the scanner never claims more than it was given, stops exactly at
 * the end or the failure (nothing more is taken after), reports no room
 * once ended, and finds the same end whole and in pieces.
 */
#include <stdint.h>
#include <string.h>
#include "dataplane/proxy/proxy_parse.h"

static void scan_body(const struct rb_http_resp *r, const uint8_t *p, size_t n, uint8_t split)
{
	struct rb_http_body a, b;
	size_t ua, ub = 0, off = 0, k = 0;

	rb_http_body_init(&a, r->body, r->length);
	ua = rb_http_body_scan(&a, p, n);
	if (ua > n || (ua < n && !rb_http_body_done(&a) && !rb_http_body_failed(&a)))
		__builtin_trap();
	if ((rb_http_body_done(&a) || rb_http_body_failed(&a)) && rb_http_body_room(&a) != 0)
		__builtin_trap();
	if ((rb_http_body_done(&a) || rb_http_body_failed(&a)) && rb_http_body_scan(&a, p, n) != 0)
		__builtin_trap();
	if (r->body == RB_BODY_CLOSE && ua != n)
		__builtin_trap();
	if (r->body == RB_BODY_LENGTH && ua != (n < r->length ? n : r->length))
		__builtin_trap();
	/* the same bytes in pieces of 1 .. 16 (from `split`) */
	rb_http_body_init(&b, r->body, r->length);
	while (off < n) {
		size_t piece = 1 + ((split >> (k++ % 4)) & 15), u;

		if (piece > n - off)
			piece = n - off;
		u = rb_http_body_scan(&b, p + off, piece);
		if (u > piece)
			__builtin_trap();
		ub += u;
		off += piece;
		if (u < piece)
			break;
	}
	if (ub != ua || rb_http_body_done(&a) != rb_http_body_done(&b) ||
	    rb_http_body_failed(&a) != rb_http_body_failed(&b))
		__builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rb_http_resp r;
	uint8_t out[1024];
	size_t ol, used;
	int flags, rc;

	if (size < 2)
		return 0;
	flags = data[0];
	data++;
	size--;
	if (flags & 4) {
		/* a chunked body straight away (the scanner alone) */
		memset(&r, 0, sizeof(r));
		r.body = RB_BODY_CHUNKED;
		scan_body(&r, data, size, (uint8_t)flags);
		return 0;
	}
	for (size_t n = 0; n <= size; n += 1 + (n & 7)) {
		rc = rb_http_resp_parse(data, n, 512, flags & 1, flags & 2, &r, out, sizeof(out), &ol,
					&used);
		if (rc == RB_PARSE_DONE) {
			if (used > n || used > 512 || ol > sizeof(out) || ol < 4 ||
			    memcmp(out + ol - 4, "\r\n\r\n", 4) != 0)
				__builtin_trap();
			if (r.keep_alive && (!r.framed || !(flags & 2)))
				__builtin_trap();
			if (r.framed != (r.body != RB_BODY_CLOSE) || r.body > RB_BODY_CLOSE ||
			    (r.body == RB_BODY_LENGTH && r.length == 0))
				__builtin_trap();
			/* the body: what follows the head in the whole input */
			rb_http_resp_parse(data, size, 512, flags & 1, flags & 2, &r, out,
					   sizeof(out), &ol, &used);
			scan_body(&r, data + used, size - used, (uint8_t)(flags >> 3));
			break;
		}
		if (rc != RB_PARSE_MORE)
			break;
	}
	return 0;
}
