/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: chunked request bodies (RFC 9112 7.1) as the HTTP
 * proxy reads them from a client (http_ka.c): the body-end scanner
 * (rb_http_body_scan) fed in steps of rb_http_body_sure, as the relay
 * reads the client's connection, in pieces whose sizes come from the
 * input, and whole.  Checks: a step of `sure` bytes is always all body
 * (the scanner takes every byte or fails: no read ever passes the end into
 * a pipelined request), sure is 0 exactly once ended, all three feedings
 * find the same end or failure, and that end agrees with a plain
 * recursive reading of the grammar written here (differential: whenever
 * the lines stay within the scanner's bounds, the reference accepts the
 * same bytes, fails at the same byte, or also needs more).
 * Also a request head before it: a chunked request must keep the upstream
 * (Connection: keep-alive) when the client keeps its connection.
 */
#include <stdint.h>
#include <string.h>
#include "dataplane/proxy/proxy_parse.h"

enum { REF_MORE, REF_DONE, REF_FAIL, REF_SKIP, REF_CRLF };

/* Not http_body.c's hexval: the reference shares no code with the scanner
 * it checks. */
static int hexv(uint8_t c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* A CRLF at *i: REF_CRLF and *i past it, or MORE, or FAIL (*end the byte). */
static int ref_crlf(const uint8_t *p, size_t n, size_t *i, size_t *end)
{
	if (*i == n)
		return REF_MORE;
	if (p[*i] != '\r') {
		*end = *i;
		return REF_FAIL;
	}
	if (++*i == n)
		return REF_MORE;
	if (p[*i] != '\n') {
		*end = *i;
		return REF_FAIL;
	}
	++*i;
	return REF_CRLF;
}

/* The rest of a line: *i up to its CR (or n); FAIL at a bare LF or a NUL
 * (*end that byte), else REF_MORE. */
static int ref_line_rest(const uint8_t *p, size_t n, size_t *i, size_t *end)
{
	for (; *i < n && p[*i] != '\r'; ++*i) {
		if (p[*i] == '\n' || p[*i] == 0) {
			*end = *i;
			return REF_FAIL;
		}
	}
	return REF_MORE;
}

/* The reference: the grammar of RFC 9112 7.1 with the scanner's strictness
 * (sizes < 2^60, only BWS ";" after a size, no NUL or bare LF in a line, no
 * obs-fold or empty name in a trailer).  *end: the body's length (DONE) or
 * the failing byte (FAIL).  SKIP: a line longer than the scanner allows. */
static int ref_chunked(const uint8_t *p, size_t n, size_t *end)
{
	size_t i = 0;
	int r;

	for (;;) {
		uint64_t size = 0;
		size_t digits = 0, j = i;

		while (j < n && p[j] != '\r' && j - i <= 4000)
			j++;
		if (j - i > 4000)
			return REF_SKIP; /* near the scanner's line bound */

		while (i < n && hexv(p[i]) >= 0) {
			if (size >> 56) {
				*end = i;
				return REF_FAIL;
			}
			size = size << 4 | (uint64_t)hexv(p[i]);
			digits++;
			i++;
		}
		if (i == n)
			return REF_MORE;
		if (!digits) {
			*end = i;
			return REF_FAIL;
		}
		while (i < n && (p[i] == ' ' || p[i] == '\t'))
			i++;
		if (i < n && p[i] == ';' && ref_line_rest(p, n, &i, end) == REF_FAIL)
			return REF_FAIL;
		if ((r = ref_crlf(p, n, &i, end)) != REF_CRLF)
			return r;
		if (size == 0)
			break;
		if (n - i < size)
			return REF_MORE;
		i += size;
		if ((r = ref_crlf(p, n, &i, end)) != REF_CRLF)
			return r;
	}
	/* trailer-section CRLF */
	if (n - i > 8000)
		return REF_SKIP; /* near the scanner's trailer bound */
	for (;;) {
		if (i == n)
			return REF_MORE;
		if (p[i] == '\r') {
			if ((r = ref_crlf(p, n, &i, end)) != REF_CRLF)
				return r;
			*end = i;
			return REF_DONE;
		}
		if (p[i] == ' ' || p[i] == '\t' || p[i] == '\n' || p[i] == ':' || p[i] == 0) {
			*end = i;
			return REF_FAIL;
		}
		if (ref_line_rest(p, n, &i, end) == REF_FAIL)
			return REF_FAIL;
		if ((r = ref_crlf(p, n, &i, end)) != REF_CRLF)
			return r;
	}
}

static void check_body(const uint8_t *p, size_t n, uint8_t split)
{
	struct rb_http_body a, b, c;
	size_t ua, ub = 0, uc = 0, k = 0, end = 0;
	int ref;

	/* whole */
	rb_http_body_init(&a, RB_BODY_CHUNKED, 0);
	ua = rb_http_body_scan(&a, p, n);
	if (ua > n || (ua < n && !rb_http_body_done(&a) && !rb_http_body_failed(&a)))
		__builtin_trap();
	if ((rb_http_body_done(&a) || rb_http_body_failed(&a)) &&
	    (rb_http_body_sure(&a) != 0 || rb_http_body_scan(&a, p, n) != 0))
		__builtin_trap();
	/* as the relay reads a client: steps of `sure` bytes */
	rb_http_body_init(&b, RB_BODY_CHUNKED, 0);
	while (ub < n) {
		uint64_t sure = rb_http_body_sure(&b);
		size_t step = sure < n - ub ? (size_t)sure : n - ub, u;

		if (rb_http_body_done(&b) != (sure == 0) && !rb_http_body_failed(&b))
			__builtin_trap();
		if (step == 0)
			break;
		u = rb_http_body_scan(&b, p + ub, step);
		if (u != step && !rb_http_body_failed(&b))
			__builtin_trap(); /* a read of `sure` bytes took more than the body */
		ub += u;
		if (u < step)
			break;
	}
	/* in pieces of 1 .. 16 */
	rb_http_body_init(&c, RB_BODY_CHUNKED, 0);
	while (uc < n) {
		size_t piece = 1 + ((split >> (k++ % 4)) & 15), u;

		if (piece > n - uc)
			piece = n - uc;
		u = rb_http_body_scan(&c, p + uc, piece);
		uc += u;
		if (u < piece)
			break;
	}
	if (ub != ua || uc != ua || rb_http_body_done(&a) != rb_http_body_done(&b) ||
	    rb_http_body_done(&a) != rb_http_body_done(&c) ||
	    rb_http_body_failed(&a) != rb_http_body_failed(&b) ||
	    rb_http_body_failed(&a) != rb_http_body_failed(&c))
		__builtin_trap();
	/* the reference reading */
	ref = ref_chunked(p, n, &end);
	if (ref == REF_SKIP)
		return;
	if (ref == REF_DONE && (!rb_http_body_done(&a) || ua != end))
		__builtin_trap();
	if (ref == REF_FAIL && (!rb_http_body_failed(&a) || ua != end))
		__builtin_trap();
	if (ref == REF_MORE && (rb_http_body_done(&a) || rb_http_body_failed(&a) || ua != n))
		__builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rb_http_srv h;
	struct rb_proxy_request req;
	uint8_t fwd[1400];
	size_t used, flen;
	int flags;

	if (size < 1)
		return 0;
	flags = data[0];
	data++;
	size--;
	if (!(flags & 1)) {
		check_body(data, size, (uint8_t)(flags >> 1));
		return 0;
	}
	/* a request head, then its body */
	rb_http_srv_init(&h, 0, 1024, NULL, NULL);
	if (rb_http_srv_parse(&h, data, size, &used, &req, fwd, sizeof(fwd), &flen) != RB_PARSE_DONE)
		return 0;
	if (req.cmd == RB_CMD_HTTP_FORWARD && h.body_chunked) {
		const size_t kl = sizeof(RB_HTTP_KA_LINE) - 1;
		int ka = flen >= kl && memcmp(fwd + flen - kl, RB_HTTP_KA_LINE, kl) == 0;

		if (ka != h.keep_alive || h.body_len != 0)
			__builtin_trap();
		check_body(data + used, size - used, (uint8_t)(flags >> 1));
	}
	return 0;
}
