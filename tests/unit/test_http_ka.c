/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Table-driven tests of the plain-HTTP proxy's keep-alive parsing: the
 * origin's response head (rb_http_resp_parse: framing per RFC 9112 6.3,
 * Connection fields replaced, whether the origin keeps its connection),
 * where a body ends (rb_http_body_scan: Content-Length, chunked with
 * extensions and trailers, fed whole and byte by byte), and what
 * rb_http_srv_parse reports about a request (keep-alive per RFC 9112 9.3,
 * HEAD, body length, chunked, idempotent methods, the upstream Connection
 * field) or refuses (framing that two parsers could read differently:
 * 400), and chunked request bodies as the proxy reads them from a client
 * (steps of rb_http_body_sure: never a byte past the body; hostile sizes,
 * missing CRLFs, bad hex, extensions, trailers).
 */
#include <stdio.h>
#include <string.h>
#include <CUnit/Basic.h>

#include "dataplane/proxy/proxy_parse.h"

struct resp_case {
	const char *name;
	const char *in;
	int head_req, ka_wanted;
	int rc;
	int status, framed, interim, ka;
	const char *out;        /* expected rewritten head (NULL: not checked) */
};

static const struct resp_case rcases[] = {
	{ "content-length", "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello", 0, 1, RB_PARSE_DONE,
	  200, 1, 0, 1, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nConnection: keep-alive\r\n\r\n" },
	{ "origin's close dropped", "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n",
	  0, 1, RB_PARSE_DONE, 200, 1, 0, 1,
	  "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: keep-alive\r\n\r\n" },
	{ "client wants close", "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n", 0, 0, RB_PARSE_DONE,
	  200, 1, 0, 0, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nConnection: close\r\n\r\n" },
	{ "chunked", "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", 0, 1,
	  RB_PARSE_DONE, 200, 1, 0, 1, NULL },
	{ "TE not ending in chunked", "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n", 0, 1,
	  RB_PARSE_DONE, 200, 0, 0, 0, NULL },
	{ "TE wins over CL", "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n",
	  0, 1, RB_PARSE_DONE, 200, 1, 0, 1, NULL },
	{ "read until close", "HTTP/1.0 200 OK\r\nServer: x\r\nKeep-Alive: timeout=5\r\n\r\n", 0, 1,
	  RB_PARSE_DONE, 200, 0, 0, 0, "HTTP/1.0 200 OK\r\nServer: x\r\nConnection: close\r\n\r\n" },
	{ "bad content-length", "HTTP/1.1 200 OK\r\nContent-Length: 5x\r\n\r\n", 0, 1, RB_PARSE_DONE,
	  200, 0, 0, 0, NULL },
	{ "conflicting content-lengths", "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n",
	  0, 1, RB_PARSE_DONE, 200, 0, 0, 0, NULL },
	{ "equal content-lengths", "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\n",
	  0, 1, RB_PARSE_DONE, 200, 1, 0, 1, NULL },
	{ "204 no body", "HTTP/1.1 204 No Content\r\n\r\n", 0, 1, RB_PARSE_DONE, 204, 1, 0, 1, NULL },
	{ "304 no body", "HTTP/1.1 304 Not Modified\r\n\r\n", 0, 1, RB_PARSE_DONE, 304, 1, 0, 1, NULL },
	{ "HEAD request", "HTTP/1.1 200 OK\r\n\r\n", 1, 1, RB_PARSE_DONE, 200, 1, 0, 1, NULL },
	{ "100 continue is interim", "HTTP/1.1 100 Continue\r\n\r\n", 0, 1, RB_PARSE_DONE, 100, 1, 1,
	  0, "HTTP/1.1 100 Continue\r\n\r\n" },
	{ "101 never keeps", "HTTP/1.1 101 Switching\r\nUpgrade: x\r\n\r\n", 0, 1, RB_PARSE_DONE, 101,
	  1, 0, 0, NULL },
	{ "no reason phrase", "HTTP/1.1 404\r\nContent-Length: 0\r\n\r\n", 0, 1, RB_PARSE_DONE, 404, 1,
	  0, 1, NULL },
	{ "incomplete", "HTTP/1.1 200 OK\r\nContent-Len", 0, 1, RB_PARSE_MORE, 0, 0, 0, 0, NULL },
	{ "not http", "SSH-2.0-OpenSSH\r\n\r\n", 0, 1, RB_PARSE_ERR, 0, 0, 0, 0, NULL },
	{ "HTTP/2.0", "HTTP/2.0 200 OK\r\n\r\n", 0, 1, RB_PARSE_ERR, 0, 0, 0, 0, NULL },
	{ "status 099", "HTTP/1.1 099 X\r\n\r\n", 0, 1, RB_PARSE_ERR, 0, 0, 0, 0, NULL },
	{ "status letters", "HTTP/1.1 2x0 OK\r\n\r\n", 0, 1, RB_PARSE_ERR, 0, 0, 0, 0, NULL },
	{ "obs-fold", "HTTP/1.1 200 OK\r\nA: b\r\n c\r\n\r\n", 0, 1, RB_PARSE_ERR, 0, 0, 0, 0, NULL },
	{ "field without colon", "HTTP/1.1 200 OK\r\nAbc\r\n\r\n", 0, 1, RB_PARSE_ERR, 0, 0, 0, 0,
	  NULL },
	{ "bare LF in a field", "HTTP/1.1 200 OK\r\nA: b\nc\r\n\r\n", 0, 1, RB_PARSE_ERR, 0, 0, 0, 0,
	  NULL },
};

static void test_resp_table(void)
{
	for (size_t i = 0; i < sizeof(rcases) / sizeof(rcases[0]); i++) {
		const struct resp_case *c = &rcases[i];
		struct rb_http_resp r;
		uint8_t out[512];
		size_t ol, used;
		int rc = rb_http_resp_parse((const uint8_t *)c->in, strlen(c->in), 8192, c->head_req,
					    c->ka_wanted, &r, out, sizeof(out), &ol, &used);

		if (rc != c->rc)
			fprintf(stderr, "\n%s: rc %d, want %d\n", c->name, rc, c->rc);
		CU_ASSERT_EQUAL(rc, c->rc);
		if (rc != RB_PARSE_DONE || c->rc != RB_PARSE_DONE)
			continue;
		if (r.framed != c->framed || r.keep_alive != c->ka)
			fprintf(stderr, "\n%s: framed %d ka %d\n", c->name, r.framed, r.keep_alive);
		CU_ASSERT_EQUAL(r.status, c->status);
		CU_ASSERT_EQUAL(r.framed, c->framed);
		CU_ASSERT_EQUAL(r.interim, c->interim);
		CU_ASSERT_EQUAL(r.keep_alive, c->ka);
		CU_ASSERT(used == (size_t)(strstr(c->in, "\r\n\r\n") - c->in) + 4);
		CU_ASSERT(ol >= 4 && memcmp(out + ol - 4, "\r\n\r\n", 4) == 0);
		if (c->out) {
			CU_ASSERT_EQUAL(ol, strlen(c->out));
			CU_ASSERT(ol == strlen(c->out) && memcmp(out, c->out, ol) == 0);
		}
	}
}

static void test_resp_limits(void)
{
	static const char h[] = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";
	struct rb_http_resp r;
	uint8_t out[512];
	size_t ol, used;

	/* head over max_head without its end: error, not "more" forever */
	CU_ASSERT_EQUAL(rb_http_resp_parse((const uint8_t *)h, 20, 20, 0, 1, &r, out, sizeof(out),
					   &ol, &used), RB_PARSE_ERR);
	/* rewritten head over out_max */
	CU_ASSERT_EQUAL(rb_http_resp_parse((const uint8_t *)h, sizeof(h) - 1, 8192, 0, 1, &r, out,
					   30, &ol, &used), RB_PARSE_ERR);
	/* every prefix is "more" */
	for (size_t n = 0; n < sizeof(h) - 1; n++)
		CU_ASSERT_EQUAL(rb_http_resp_parse((const uint8_t *)h, n, 8192, 0, 1, &r, out,
						   sizeof(out), &ol, &used), RB_PARSE_MORE);
}

struct req_case {
	const char *name;
	const char *in;
	int ka, head, chunked, idem;
	unsigned long long body;
};

static const struct req_case qcases[] = {
	{ "1.1 default", "GET http://a/ HTTP/1.1\r\nHost: a\r\n\r\n", 1, 0, 0, 1, 0 },
	{ "1.0 default", "GET http://a/ HTTP/1.0\r\n\r\n", 0, 0, 0, 1, 0 },
	{ "1.0 keep-alive", "GET http://a/ HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n", 1, 0, 0, 1,
	  0 },
	{ "proxy-connection keep-alive", "GET http://a/ HTTP/1.0\r\nProxy-Connection: keep-alive\r\n\r\n",
	  1, 0, 0, 1, 0 },
	{ "1.1 close", "GET http://a/ HTTP/1.1\r\nConnection: foo, close\r\n\r\n", 0, 0, 0, 1, 0 },
	{ "HEAD", "HEAD http://a/ HTTP/1.1\r\n\r\n", 1, 1, 0, 1, 0 },
	{ "POST with a body", "POST http://a/ HTTP/1.1\r\nContent-Length: 12\r\n\r\n", 1, 0, 0, 0, 12 },
	{ "chunked body", "POST http://a/ HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n", 1, 0, 1, 0,
	  0 },
	{ "chunked, codings before", "PUT http://a/ HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
	  1, 0, 1, 1, 0 },
	{ "1.0 with a length", "POST http://a/ HTTP/1.0\r\nContent-Length: 3\r\n\r\n", 0, 0, 0, 0, 3 },
	/* RFC 9110 9.2.2: GET HEAD OPTIONS TRACE PUT DELETE; methods are
	 * case-sensitive (9.1) */
	{ "OPTIONS", "OPTIONS http://a/ HTTP/1.1\r\n\r\n", 1, 0, 0, 1, 0 },
	{ "TRACE", "TRACE http://a/ HTTP/1.1\r\n\r\n", 1, 0, 0, 1, 0 },
	{ "PUT", "PUT http://a/ HTTP/1.1\r\nContent-Length: 1\r\n\r\n", 1, 0, 0, 1, 1 },
	{ "DELETE", "DELETE http://a/x HTTP/1.1\r\n\r\n", 1, 0, 0, 1, 0 },
	{ "PATCH", "PATCH http://a/ HTTP/1.1\r\nContent-Length: 1\r\n\r\n", 1, 0, 0, 0, 1 },
	{ "lower-case get", "get http://a/ HTTP/1.1\r\n\r\n", 1, 0, 0, 0, 0 },
	{ "GETX", "GETX http://a/ HTTP/1.1\r\n\r\n", 1, 0, 0, 0, 0 },
	{ "GE", "GE http://a/ HTTP/1.1\r\n\r\n", 1, 0, 0, 0, 0 },
};

static void test_req_table(void)
{
	for (size_t i = 0; i < sizeof(qcases) / sizeof(qcases[0]); i++) {
		const struct req_case *c = &qcases[i];
		struct rb_http_srv h;
		struct rb_proxy_request req;
		uint8_t fwd[1024];
		size_t used, fl;

		rb_http_srv_init(&h, 0, 8192, NULL, NULL);
		CU_ASSERT_EQUAL_FATAL(rb_http_srv_parse(&h, (const uint8_t *)c->in, strlen(c->in), &used,
							&req, fwd, sizeof(fwd), &fl),
				      RB_PARSE_DONE);
		if (h.keep_alive != c->ka || h.body_chunked != c->chunked || h.idempotent != c->idem)
			fprintf(stderr, "\n%s: ka %d chunked %d idempotent %d\n", c->name,
				h.keep_alive, h.body_chunked, h.idempotent);
		CU_ASSERT_EQUAL(h.keep_alive, c->ka);
		CU_ASSERT_EQUAL(h.head_method, c->head);
		CU_ASSERT_EQUAL(h.body_chunked, c->chunked);
		CU_ASSERT_EQUAL(h.idempotent, c->idem);
		CU_ASSERT_EQUAL(h.body_len, c->body);
	}
}

/* How the body ends and whether the origin keeps its connection. */
struct resp2_case {
	const char *name;
	const char *in;
	int head_req;
	int body;                       /* enum rb_http_body_mode */
	unsigned long long length;
	int origin_close, suspect, bad_length;
};

static const struct resp2_case r2cases[] = {
	{ "length", "HTTP/1.1 200 OK\r\nContent-Length: 42\r\n\r\n", 0, RB_BODY_LENGTH, 42, 0, 0, 0 },
	{ "length 0", "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", 0, RB_BODY_NONE, 0, 0, 0, 0 },
	{ "chunked", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", 0, RB_BODY_CHUNKED, 0,
	  0, 0, 0 },
	{ "TE with CL: TE, no reuse", "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n",
	  0, RB_BODY_CHUNKED, 0, 0, 1, 0 },
	{ "TE gzip only: until close", "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n", 0,
	  RB_BODY_CLOSE, 0, 0, 0, 0 },
	{ "no framing: until close", "HTTP/1.1 200 OK\r\nServer: x\r\n\r\n", 0, RB_BODY_CLOSE, 0, 0,
	  0, 0 },
	{ "HEAD with a length", "HTTP/1.1 200 OK\r\nContent-Length: 99\r\n\r\n", 1, RB_BODY_NONE, 0, 0,
	  0, 0 },
	{ "204", "HTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\n", 0, RB_BODY_NONE, 0, 0, 0, 0 },
	{ "304", "HTTP/1.1 304 Not Modified\r\nTransfer-Encoding: chunked\r\n\r\n", 0, RB_BODY_NONE, 0,
	  0, 0, 0 },
	{ "origin says close", "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 1\r\n\r\n", 0,
	  RB_BODY_LENGTH, 1, 1, 0, 0 },
	{ "close among options", "HTTP/1.1 200 OK\r\nConnection: x-y, Close\r\nContent-Length: 1\r\n\r\n",
	  0, RB_BODY_LENGTH, 1, 1, 0, 0 },
	{ "1.0 without keep-alive", "HTTP/1.0 200 OK\r\nContent-Length: 1\r\n\r\n", 0, RB_BODY_LENGTH,
	  1, 1, 0, 0 },
	{ "1.0 with keep-alive", "HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 1\r\n\r\n",
	  0, RB_BODY_LENGTH, 1, 0, 0, 0 },
	{ "101 ends the exchange", "HTTP/1.1 101 Switching\r\nUpgrade: x\r\n\r\n", 0, RB_BODY_NONE, 0,
	  1, 0, 0 },
	{ "invalid length: 502", "HTTP/1.1 200 OK\r\nContent-Length: 5x\r\n\r\n", 0, RB_BODY_CLOSE, 0,
	  0, 0, 1 },
	{ "conflicting lengths: 502", "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n",
	  0, RB_BODY_CLOSE, 0, 0, 0, 1 },
	{ "equal lengths", "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\n", 0,
	  RB_BODY_LENGTH, 5, 0, 0, 0 },
};

static void test_resp_body_table(void)
{
	for (size_t i = 0; i < sizeof(r2cases) / sizeof(r2cases[0]); i++) {
		const struct resp2_case *c = &r2cases[i];
		struct rb_http_resp r;
		uint8_t out[512];
		size_t ol, used;
		int rc = rb_http_resp_parse((const uint8_t *)c->in, strlen(c->in), 8192, c->head_req, 1,
					    &r, out, sizeof(out), &ol, &used);

		CU_ASSERT_EQUAL_FATAL(rc, RB_PARSE_DONE);
		if (r.body != c->body || r.origin_close != c->origin_close || r.suspect != c->suspect ||
		    r.bad_length != c->bad_length)
			fprintf(stderr, "\n%s: body %d close %d suspect %d bad %d\n", c->name, r.body,
				r.origin_close, r.suspect, r.bad_length);
		CU_ASSERT_EQUAL(r.body, c->body);
		CU_ASSERT_EQUAL(r.length, c->length);
		CU_ASSERT_EQUAL(r.origin_close, c->origin_close);
		CU_ASSERT_EQUAL(r.suspect, c->suspect);
		CU_ASSERT_EQUAL(r.bad_length, c->bad_length);
		CU_ASSERT_EQUAL(r.framed, c->body != RB_BODY_CLOSE);
	}
}

/* Where a body ends: `in` is the body and what follows it. */
struct body_case {
	const char *name;
	int mode;
	unsigned long long length;
	const char *in;
	size_t used;            /* bytes of the body (when done or failed) */
	int done, failed;
};

#define NEXT "GET / HTTP/1.1\r\n\r\n" /* what may follow */

static const struct body_case bcases[] = {
	{ "length", RB_BODY_LENGTH, 5, "hello" NEXT, 5, 1, 0 },
	{ "length, short", RB_BODY_LENGTH, 9, "hello", 5, 0, 0 },
	{ "none", RB_BODY_NONE, 0, NEXT, 0, 1, 0 },
	{ "close takes all", RB_BODY_CLOSE, 0, "abc" NEXT, 3 + sizeof(NEXT) - 1, 0, 0 },
	{ "chunked", RB_BODY_CHUNKED, 0, "5\r\nhello\r\n0\r\n\r\n" NEXT, 15, 1, 0 },
	{ "chunked, hex sizes", RB_BODY_CHUNKED, 0, "a\r\n0123456789\r\nA\r\n0123456789\r\n0\r\n\r\n",
	  35, 1, 0 },
	{ "chunked, leading zeros", RB_BODY_CHUNKED, 0, "0005\r\nhello\r\n000\r\n\r\n", 20, 1, 0 },
	{ "chunk extensions", RB_BODY_CHUNKED, 0, "5;a=b;c=\"d;e\"\r\nhello\r\n0;last\r\n\r\n" NEXT,
	  32, 1, 0 },
	{ "BWS before ;", RB_BODY_CHUNKED, 0, "5 ;a\r\nhello\r\n0\r\n\r\n", 18, 1, 0 },
	{ "trailers", RB_BODY_CHUNKED, 0, "1\r\nx\r\n0\r\nA: b\r\nC: d\r\n\r\n" NEXT, 23, 1, 0 },
	{ "chunked, incomplete", RB_BODY_CHUNKED, 0, "5\r\nhello\r\n0\r\n", 13, 0, 0 },
	{ "size not hex", RB_BODY_CHUNKED, 0, "g\r\n", 0, 0, 1 },
	{ "empty size", RB_BODY_CHUNKED, 0, "\r\n", 0, 0, 1 },
	{ "signed size", RB_BODY_CHUNKED, 0, "+5\r\nhello\r\n0\r\n\r\n", 0, 0, 1 },
	{ "bare LF after size", RB_BODY_CHUNKED, 0, "5\nhello\r\n0\r\n\r\n", 1, 0, 1 },
	{ "data without CRLF", RB_BODY_CHUNKED, 0, "5\r\nhelloX\r\n0\r\n\r\n", 8, 0, 1 },
	{ "size overflow", RB_BODY_CHUNKED, 0, "10000000000000000\r\n", 15, 0, 1 },
	{ "trailer obs-fold", RB_BODY_CHUNKED, 0, "0\r\nA: b\r\n c\r\n\r\n", 9, 0, 1 },
	{ "trailer bare LF", RB_BODY_CHUNKED, 0, "0\r\nA: b\n\r\n", 7, 0, 1 },
	{ "final CRLF bare", RB_BODY_CHUNKED, 0, "0\r\n\n", 3, 0, 1 },
};

static void test_body_table(void)
{
	for (size_t i = 0; i < sizeof(bcases) / sizeof(bcases[0]); i++) {
		const struct body_case *c = &bcases[i];
		size_t len = strlen(c->in), used = 0;
		struct rb_http_body b;

		/* whole */
		rb_http_body_init(&b, c->mode, c->length);
		used = rb_http_body_scan(&b, (const uint8_t *)c->in, len);
		if (used != c->used || rb_http_body_done(&b) != c->done ||
		    rb_http_body_failed(&b) != c->failed)
			fprintf(stderr, "\n%s: used %zu done %d failed %d\n", c->name, used,
				rb_http_body_done(&b), rb_http_body_failed(&b));
		CU_ASSERT_EQUAL(used, c->used);
		CU_ASSERT_EQUAL(rb_http_body_done(&b), c->done);
		CU_ASSERT_EQUAL(rb_http_body_failed(&b), c->failed);
		if (c->done || c->failed)
			CU_ASSERT_EQUAL(rb_http_body_room(&b), 0);
		/* byte by byte: the same end */
		rb_http_body_init(&b, c->mode, c->length);
		used = 0;
		for (size_t k = 0; k < len; k++) {
			size_t u = rb_http_body_scan(&b, (const uint8_t *)c->in + k, 1);

			used += u;
			if (u == 0)
				break;
		}
		CU_ASSERT_EQUAL(used, c->used);
		CU_ASSERT_EQUAL(rb_http_body_done(&b), c->done);
		CU_ASSERT_EQUAL(rb_http_body_failed(&b), c->failed);
	}
}

/* Chunked request bodies (RFC 9112 7.1) as the proxy reads them from a
 * client: `body` (blen bytes), then, when `next`, a pipelined request.
 * used: the body's bytes when done (0: blen), else the bytes before the
 * failing one (failed) or all of them (incomplete). */
struct chunk_case {
	const char *name;
	const char *body;
	size_t blen;
	int next;
	size_t used;
	int done, failed;
};

#define B(x) x, sizeof(x) - 1

static const struct chunk_case ccases[] = {
	/* valid */
	{ "one chunk", B("5\r\nhello\r\n0\r\n\r\n"), 1, 0, 1, 0 },
	{ "empty body", B("0\r\n\r\n"), 1, 0, 1, 0 },
	{ "hex sizes, both cases", B("a\r\n0123456789\r\nB\r\n0123456789X\r\n0\r\n\r\n"), 1, 0, 1, 0 },
	{ "leading zeros", B("00000005\r\nhello\r\n0000\r\n\r\n"), 1, 0, 1, 0 },
	{ "extensions", B("5;name=value;q=\"a;b\"\r\nhello\r\n0;last\r\n\r\n"), 1, 0, 1, 0 },
	{ "BWS before ;", B("5 \t;a\r\nhello\r\n0 ;z\r\n\r\n"), 1, 0, 1, 0 },
	{ "whitespace after the size", B("5  \r\nhello\r\n0\r\n\r\n"), 1, 0, 1, 0 },
	{ "trailers", B("4\r\nbody\r\n0\r\nX-Sum: 1\r\nX-Other: two\r\n\r\n"), 1, 0, 1, 0 },
	{ "data that looks like an end", B("c\r\n0\r\n\r\nGET / X\r\n0\r\n\r\n"), 1, 0, 1, 0 },
	{ "binary data", B("4\r\n\0\r\n\n\r\n0\r\n\r\n"), 1, 0, 1, 0 },
	/* hostile sizes */
	{ "size 2^60", B("1000000000000000\r\n"), 0, 15, 0, 1 },
	{ "size of 20 hex digits", B("ffffffffffffffffffff\r\n"), 0, 15, 0, 1 },
	{ "size 2^60 - 1: in range", B("fffffffffffffff\r\nabc"), 0, 20, 0, 0 },
	{ "leading zeros, then 2^60", B("0000000000000000000000001000000000000000\r\n"), 0, 39, 0, 1 },
	{ "size 2^64 + 5 (wraps)", B("10000000000000005\r\n"), 0, 15, 0, 1 },
	/* missing or broken CRLF */
	{ "no CRLF after data", B("5\r\nhello0\r\n\r\n"), 0, 8, 0, 1 },
	{ "CR without LF after data", B("5\r\nhello\rX"), 0, 9, 0, 1 },
	{ "bare LF after data", B("5\r\nhello\n0\r\n\r\n"), 0, 8, 0, 1 },
	{ "bare LF after size", B("5\nhello\r\n0\r\n\r\n"), 0, 1, 0, 1 },
	{ "CR CR after size", B("5\r\r\n"), 0, 2, 0, 1 },
	{ "data longer than its size", B("2\r\nabc\r\n0\r\n\r\n"), 0, 5, 0, 1 },
	/* bad hex */
	{ "not hex", B("g\r\n"), 0, 0, 0, 1 },
	{ "0x prefix", B("0x5\r\n"), 0, 1, 0, 1 },
	{ "minus", B("-5\r\n"), 0, 0, 0, 1 },
	{ "plus", B("+5\r\n"), 0, 0, 0, 1 },
	{ "space before the size", B(" 5\r\n"), 0, 0, 0, 1 },
	{ "two numbers", B("5 5\r\nhello\r\n"), 0, 2, 0, 1 },
	{ "tab between numbers", B("5\t5\r\n"), 0, 2, 0, 1 },
	{ "NUL in the size", B("5\0\r\n"), 0, 1, 0, 1 },
	{ "empty size", B("\r\n"), 0, 0, 0, 1 },
	{ "extension without size", B(";a\r\n"), 0, 0, 0, 1 },
	/* extensions */
	{ "NUL in an extension", B("5;a\0b\r\n"), 0, 3, 0, 1 },
	{ "bare LF in an extension", B("5;a\nb\r\n"), 0, 3, 0, 1 },
	/* trailers */
	{ "trailer obs-fold", B("0\r\nA: b\r\n c\r\n\r\n"), 0, 9, 0, 1 },
	{ "trailer with empty name", B("0\r\n: x\r\n\r\n"), 0, 3, 0, 1 },
	{ "trailer bare LF", B("0\r\nA: b\nC: d\r\n\r\n"), 0, 7, 0, 1 },
	{ "final bare LF", B("0\r\n\n"), 0, 3, 0, 1 },
	{ "final CR, then junk", B("0\r\n\rX"), 0, 4, 0, 1 },
	/* incomplete */
	{ "size only", B("5"), 0, 1, 0, 0 },
	{ "inside data", B("5\r\nhel"), 0, 6, 0, 0 },
	{ "inside trailers", B("0\r\nA: b\r\n"), 0, 9, 0, 0 },
};

static void chunk_check(const struct chunk_case *c, const char *how, size_t used,
			const struct rb_http_body *b)
{
	size_t want = c->done && c->used == 0 ? c->blen : c->used;

	if (used != want || rb_http_body_done(b) != c->done || rb_http_body_failed(b) != c->failed)
		fprintf(stderr, "\n%s (%s): used %zu (want %zu) done %d failed %d\n", c->name, how,
			used, want, rb_http_body_done(b), rb_http_body_failed(b));
	CU_ASSERT_EQUAL(used, want);
	CU_ASSERT_EQUAL(rb_http_body_done(b), c->done);
	CU_ASSERT_EQUAL(rb_http_body_failed(b), c->failed);
}

static void test_chunked_request_table(void)
{
	static const char next[] = NEXT;

	for (size_t i = 0; i < sizeof(ccases) / sizeof(ccases[0]); i++) {
		const struct chunk_case *c = &ccases[i];
		uint8_t in[256];
		size_t len = c->blen, off = 0, used = 0;
		struct rb_http_body b;

		memcpy(in, c->body, c->blen);
		if (c->next) {
			memcpy(in + len, next, sizeof(next) - 1);
			len += sizeof(next) - 1;
		}
		/* whole */
		rb_http_body_init(&b, RB_BODY_CHUNKED, 0);
		chunk_check(c, "whole", rb_http_body_scan(&b, in, len), &b);
		if (c->done || c->failed) {
			CU_ASSERT_EQUAL(rb_http_body_sure(&b), 0);
			CU_ASSERT_EQUAL(rb_http_body_room(&b), 0);
		}
		/* byte by byte */
		rb_http_body_init(&b, RB_BODY_CHUNKED, 0);
		for (used = 0; used < len && rb_http_body_scan(&b, in + used, 1) == 1; used++)
			;
		chunk_check(c, "bytes", used, &b);
		/* as the proxy reads a client: steps of rb_http_body_sure, each
		 * all body (or the framing broke), never a byte of what follows */
		rb_http_body_init(&b, RB_BODY_CHUNKED, 0);
		while (off < len) {
			uint64_t sure = rb_http_body_sure(&b);
			size_t k = sure < len - off ? (size_t)sure : len - off, u;

			if (k == 0)
				break;
			u = rb_http_body_scan(&b, in + off, k);
			CU_ASSERT(u == k || rb_http_body_failed(&b));
			off += u;
			if (u < k)
				break;
		}
		chunk_check(c, "sure steps", off, &b);
	}
}

/* rb_http_body_sure: the shortest way to the end from each state, never
 * more than what is left of a body, never 0 before its end. */
static void test_body_sure(void)
{
	static const struct {
		const char *prefix;
		uint64_t sure;
	} st[] = {
		{ "", 5 },                  /* "0\r\n\r\n" */
		{ "5", 14 },                /* "\r\n" 5 "\r\n" "0\r\n\r\n" */
		{ "5;x=y", 14 },
		{ "5 ", 14 },
		{ "5\r", 13 },
		{ "5\r\n", 12 },
		{ "5\r\nhe", 10 },
		{ "5\r\nhello", 7 },
		{ "5\r\nhello\r", 6 },
		{ "5\r\nhello\r\n", 5 },
		{ "0", 4 },
		{ "0;e", 4 },
		{ "0\r", 3 },
		{ "0\r\n", 2 },
		{ "0\r\nA", 4 },
		{ "0\r\nA: b\r", 3 },
		{ "0\r\nA: b\r\n", 2 },
		{ "0\r\n\r", 1 },
		{ "0\r\n\r\n", 0 },
		{ "fffffffffffffff", 0xfffffffffffffffULL + 9 },
	};
	struct rb_http_body b;

	for (size_t i = 0; i < sizeof(st) / sizeof(st[0]); i++) {
		rb_http_body_init(&b, RB_BODY_CHUNKED, 0);
		CU_ASSERT_EQUAL(rb_http_body_scan(&b, (const uint8_t *)st[i].prefix,
						  strlen(st[i].prefix)),
				strlen(st[i].prefix));
		if (rb_http_body_sure(&b) != st[i].sure)
			fprintf(stderr, "\nsure after \"%s\": %llu\n", st[i].prefix,
				(unsigned long long)rb_http_body_sure(&b));
		CU_ASSERT_EQUAL(rb_http_body_sure(&b), st[i].sure);
	}
	/* every prefix of every valid body: 1 <= sure <= what is left */
	for (size_t i = 0; i < sizeof(ccases) / sizeof(ccases[0]); i++) {
		const struct chunk_case *c = &ccases[i];

		if (!c->done)
			continue;
		for (size_t k = 0; k <= c->blen; k++) {
			rb_http_body_init(&b, RB_BODY_CHUNKED, 0);
			rb_http_body_scan(&b, (const uint8_t *)c->body, k);
			CU_ASSERT(rb_http_body_sure(&b) <= c->blen - k);
			CU_ASSERT(k == c->blen || rb_http_body_sure(&b) >= 1);
		}
	}
	/* Content-Length and none */
	rb_http_body_init(&b, RB_BODY_LENGTH, 10);
	rb_http_body_scan(&b, (const uint8_t *)"abcd", 4);
	CU_ASSERT_EQUAL(rb_http_body_sure(&b), 6);
	rb_http_body_init(&b, RB_BODY_NONE, 0);
	CU_ASSERT_EQUAL(rb_http_body_sure(&b), 0);
}

static void test_body_limits(void)
{
	static uint8_t line[8192];
	struct rb_http_body b;

	/* Content-Length: room counts down */
	rb_http_body_init(&b, RB_BODY_LENGTH, 10);
	CU_ASSERT_EQUAL(rb_http_body_room(&b), 10);
	CU_ASSERT_EQUAL(rb_http_body_scan(&b, (const uint8_t *)"abcd", 4), 4);
	CU_ASSERT_EQUAL(rb_http_body_room(&b), 6);
	/* a chunk-size line without end: bounded */
	memset(line, ';', sizeof(line));
	line[0] = '1';
	rb_http_body_init(&b, RB_BODY_CHUNKED, 0);
	rb_http_body_scan(&b, line, sizeof(line));
	CU_ASSERT(rb_http_body_failed(&b));
	/* trailers without end: bounded */
	memset(line, 'a', sizeof(line));
	for (size_t k = 100; k < sizeof(line); k += 100)
		line[k - 1] = '\r', line[k] = '\n';
	rb_http_body_init(&b, RB_BODY_CHUNKED, 0);
	rb_http_body_scan(&b, (const uint8_t *)"0\r\n", 3);
	for (int k = 0; k < 3 && !rb_http_body_failed(&b); k++)
		rb_http_body_scan(&b, line, sizeof(line) - 1);
	CU_ASSERT(rb_http_body_failed(&b));
	/* a large chunk passes in pieces */
	rb_http_body_init(&b, RB_BODY_CHUNKED, 0);
	CU_ASSERT_EQUAL(rb_http_body_scan(&b, (const uint8_t *)"100000\r\n", 8), 8);
	CU_ASSERT_EQUAL(rb_http_body_room(&b), UINT64_MAX);
	for (int k = 0; k < 128; k++)
		CU_ASSERT_EQUAL(rb_http_body_scan(&b, line, 8192), 8192);
	CU_ASSERT_EQUAL(rb_http_body_scan(&b, (const uint8_t *)"\r\n0\r\n\r\nX", 8), 7);
	CU_ASSERT(rb_http_body_done(&b));
}

/* Requests whose length two parsers could read differently (RFC 9112 6.3):
 * 400 and the framing flag; and the Connection field that goes upstream. */
struct smuggle_case {
	const char *name;
	const char *in;
	int rc;                 /* RB_PARSE_DONE or RB_PARSE_ERR (400, framing) */
	const char *conn;       /* DONE: the last field of the forwarded head */
};

static const struct smuggle_case scases[] = {
	{ "CL and TE", "POST http://a/ HTTP/1.1\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n",
	  RB_PARSE_ERR, NULL },
	{ "TE and CL", "POST http://a/ HTTP/1.1\r\nTransfer-Encoding: chunked\r\nContent-Length: 4\r\n\r\n",
	  RB_PARSE_ERR, NULL },
	{ "two lengths", "POST http://a/ HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
	  RB_PARSE_ERR, NULL },
	{ "two equal lengths", "POST http://a/ HTTP/1.1\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\n",
	  RB_PARSE_ERR, NULL },
	{ "length list", "POST http://a/ HTTP/1.1\r\nContent-Length: 2, 2\r\n\r\n", RB_PARSE_ERR, NULL },
	{ "negative length", "POST http://a/ HTTP/1.1\r\nContent-Length: -1\r\n\r\n", RB_PARSE_ERR, NULL },
	{ "TE not ending in chunked", "POST http://a/ HTTP/1.1\r\nTransfer-Encoding: chunked, gzip\r\n\r\n",
	  RB_PARSE_ERR, NULL },
	{ "two TE fields", "POST http://a/ HTTP/1.1\r\nTransfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n",
	  RB_PARSE_ERR, NULL },
	{ "TE in HTTP/1.0", "POST http://a/ HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", RB_PARSE_ERR,
	  NULL },
	{ "CONNECT with CL and TE", "CONNECT a:1 HTTP/1.1\r\nContent-Length: 0\r\nTransfer-Encoding: chunked\r\n\r\n",
	  RB_PARSE_ERR, NULL },
	{ "keep-alive upstream", "GET http://a/ HTTP/1.1\r\nConnection: x\r\n\r\n", RB_PARSE_DONE,
	  RB_HTTP_KA_LINE },
	{ "client close: close upstream", "GET http://a/ HTTP/1.1\r\nConnection: close\r\n\r\n",
	  RB_PARSE_DONE, RB_HTTP_CLOSE_LINE },
	{ "chunked body: keep-alive upstream",
	  "POST http://a/ HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n", RB_PARSE_DONE,
	  RB_HTTP_KA_LINE },
	{ "chunked body, client close: close upstream",
	  "POST http://a/ HTTP/1.1\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n",
	  RB_PARSE_DONE, RB_HTTP_CLOSE_LINE },
	{ "1.0: close upstream", "GET http://a/ HTTP/1.0\r\n\r\n", RB_PARSE_DONE, RB_HTTP_CLOSE_LINE },
};

static void test_smuggle_table(void)
{
	for (size_t i = 0; i < sizeof(scases) / sizeof(scases[0]); i++) {
		const struct smuggle_case *c = &scases[i];
		struct rb_http_srv h;
		struct rb_proxy_request req;
		uint8_t fwd[1024];
		size_t used, fl = 0;
		int rc;

		rb_http_srv_init(&h, 0, 8192, NULL, NULL);
		rc = rb_http_srv_parse(&h, (const uint8_t *)c->in, strlen(c->in), &used, &req, fwd,
				       sizeof(fwd), &fl);
		if (rc != c->rc)
			fprintf(stderr, "\n%s: rc %d\n", c->name, rc);
		CU_ASSERT_EQUAL(rc, c->rc);
		if (c->rc == RB_PARSE_ERR) {
			CU_ASSERT_EQUAL(h.status, 400);
			CU_ASSERT_EQUAL(h.framing_err, 1);
			continue;
		}
		CU_ASSERT_EQUAL(h.framing_err, 0);
		CU_ASSERT(fl >= strlen(c->conn) &&
			  memcmp(fwd + fl - strlen(c->conn), c->conn, strlen(c->conn)) == 0);
		/* exactly one Connection field goes up */
		fwd[fl < sizeof(fwd) ? fl : sizeof(fwd) - 1] = 0;
		CU_ASSERT(strstr((char *)fwd, "Connection:") == strstr((char *)fwd, c->conn));
	}
}

int main(void)
{
	CU_pSuite su;
	unsigned fails;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	su = CU_add_suite("http keep-alive parsing", NULL, NULL);
	CU_add_test(su, "response table", test_resp_table);
	CU_add_test(su, "response limits", test_resp_limits);
	CU_add_test(su, "request table", test_req_table);
	CU_add_test(su, "response body framing table", test_resp_body_table);
	CU_add_test(su, "body end table", test_body_table);
	CU_add_test(su, "body limits", test_body_limits);
	CU_add_test(su, "chunked request body table", test_chunked_request_table);
	CU_add_test(su, "body sure steps", test_body_sure);
	CU_add_test(su, "request smuggling table", test_smuggle_table);
	CU_basic_set_mode(CU_BRM_NORMAL);
	CU_basic_run_tests();
	fails = CU_get_number_of_failures() + CU_get_number_of_tests_failed();
	CU_cleanup_registry();
	return fails ? 1 : 0;
}
