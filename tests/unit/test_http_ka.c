/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Table-driven tests of the plain-HTTP proxy's keep-alive parsing: the
 * origin's response head (rb_http_resp_parse: framing per RFC 9112 6.3,
 * Connection fields replaced) and what rb_http_srv_parse reports about a
 * request (keep-alive per RFC 9112 9.3, HEAD, body length).
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
	int ka, head, unknown;
	unsigned long long body;
};

static const struct req_case qcases[] = {
	{ "1.1 default", "GET http://a/ HTTP/1.1\r\nHost: a\r\n\r\n", 1, 0, 0, 0 },
	{ "1.0 default", "GET http://a/ HTTP/1.0\r\n\r\n", 0, 0, 0, 0 },
	{ "1.0 keep-alive", "GET http://a/ HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n", 1, 0, 0, 0 },
	{ "proxy-connection keep-alive", "GET http://a/ HTTP/1.0\r\nProxy-Connection: keep-alive\r\n\r\n",
	  1, 0, 0, 0 },
	{ "1.1 close", "GET http://a/ HTTP/1.1\r\nConnection: foo, close\r\n\r\n", 0, 0, 0, 0 },
	{ "HEAD", "HEAD http://a/ HTTP/1.1\r\n\r\n", 1, 1, 0, 0 },
	{ "POST with a body", "POST http://a/ HTTP/1.1\r\nContent-Length: 12\r\n\r\n", 1, 0, 0, 12 },
	{ "chunked body", "POST http://a/ HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n", 1, 0, 1, 0 },
	{ "bad length", "POST http://a/ HTTP/1.1\r\nContent-Length: -1\r\n\r\n", 1, 0, 1, 0 },
	{ "two lengths", "POST http://a/ HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
	  1, 0, 1, 1 },
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
		if (h.keep_alive != c->ka || h.body_unknown != c->unknown)
			fprintf(stderr, "\n%s: ka %d unknown %d\n", c->name, h.keep_alive,
				h.body_unknown);
		CU_ASSERT_EQUAL(h.keep_alive, c->ka);
		CU_ASSERT_EQUAL(h.head_method, c->head);
		CU_ASSERT_EQUAL(h.body_unknown, c->unknown);
		CU_ASSERT_EQUAL(h.body_len, c->body);
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
	CU_basic_set_mode(CU_BRM_NORMAL);
	CU_basic_run_tests();
	fails = CU_get_number_of_failures() + CU_get_number_of_tests_failed();
	CU_cleanup_registry();
	return fails ? 1 : 0;
}
