/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of the proxy request parsers (dataplane/proxy/proxy_parse.h):
 * tables of SOCKS4/4a/5 and HTTP requests, good and bad, each fed whole and
 * byte by byte, with the expected result, destination, user and reply
 * bytes; the SOCKS/HTTP client handshakes against scripted servers; the
 * host:port and base64 helpers.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <CUnit/Basic.h>

#include "dataplane/proxy/proxy_parse.h"
#include "dataplane/proxy/socks_wire.h"

/* users: alice/secret, bob/hunter2 */
static int auth(void *arg, const char *u, size_t ul, const char *p, size_t pl)
{
	static const char *const users[][2] = {{"alice", "secret"}, {"bob", "hunter2"}};

	(void)arg;
	for (size_t i = 0; i < 2; i++)
		if (strlen(users[i][0]) == ul && memcmp(users[i][0], u, ul) == 0 &&
		    (p == NULL || (strlen(users[i][1]) == pl && memcmp(users[i][1], p, pl) == 0)))
			return 1;
	return 0;
}

struct socks_case {
	const char *name;
	int need_auth;
	size_t len;
	const char *in;
	int rc;                 /* expected final result */
	int err;                /* rb_proxy_err on RB_PARSE_ERR */
	const char *dst;        /* "host:port" on DONE */
	const char *user;
	size_t outlen;
	const char *out;        /* all bytes sent back */
};

#define S(x) sizeof(x) - 1, x
static const struct socks_case socks_cases[] = {
	{"v5 noauth ipv4", 0, S("\x05\x01\x00" "\x05\x01\x00\x01\x0a\x00\x02\x02\x00\x50"),
	 RB_PARSE_DONE, 0, "10.0.2.2:80", "", 2, "\x05\x00"},
	{"v5 noauth domain", 0, S("\x05\x02\x00\x02" "\x05\x01\x00\x03\x0b" "Example.COM\x01\xbb"),
	 RB_PARSE_DONE, 0, "example.com:443", "", 2, "\x05\x00"},
	{"v5 ipv6", 0,
	 S("\x05\x01\x00" "\x05\x01\x00\x04\xfd\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"
	   "\x00\x00\x01\x00\x16"),
	 RB_PARSE_DONE, 0, "[fd00::1]:22", "", 2, "\x05\x00"},
	{"v5 auth ok", 1,
	 S("\x05\x01\x02" "\x01\x05" "alice" "\x06" "secret" "\x05\x01\x00\x01\x01\x02\x03\x04\x00\x50"),
	 RB_PARSE_DONE, 0, "1.2.3.4:80", "alice", 4, "\x05\x02\x01\x00"},
	{"v5 auth wrong password", 1, S("\x05\x01\x02" "\x01\x05" "alice" "\x05" "wrong"),
	 RB_PARSE_ERR, RB_PERR_AUTH, NULL, NULL, 4, "\x05\x02\x01\x01"},
	{"v5 auth required, client offers none", 1, S("\x05\x01\x00"), RB_PARSE_ERR,
	 RB_PERR_NO_METHOD, NULL, NULL, 2, "\x05\xff"},
	{"v5 zero methods", 0, S("\x05\x00"), RB_PARSE_ERR, RB_PERR_MALFORMED, NULL, NULL, 0, ""},
	{"v5 bind refused", 0, S("\x05\x01\x00" "\x05\x02\x00\x01\x01\x02\x03\x04\x00\x50"),
	 RB_PARSE_ERR, RB_PERR_COMMAND, NULL, NULL, 12,
	 "\x05\x00" "\x05\x07\x00\x01\x00\x00\x00\x00\x00\x00"},
	{"v5 udp refused when off", 0, S("\x05\x01\x00" "\x05\x03\x00\x01\x00\x00\x00\x00\x00\x00"),
	 RB_PARSE_ERR, RB_PERR_COMMAND, NULL, NULL, 12,
	 "\x05\x00" "\x05\x07\x00\x01\x00\x00\x00\x00\x00\x00"},
	{"v5 bad atyp", 0, S("\x05\x01\x00" "\x05\x01\x00\x09\x01\x02\x03\x04\x00\x50"),
	 RB_PARSE_ERR, RB_PERR_ADDRESS, NULL, NULL, 12,
	 "\x05\x00" "\x05\x08\x00\x01\x00\x00\x00\x00\x00\x00"},
	{"v5 empty domain", 0, S("\x05\x01\x00" "\x05\x01\x00\x03\x00\x00\x50"), RB_PARSE_ERR,
	 RB_PERR_ADDRESS, NULL, NULL, 12, "\x05\x00" "\x05\x04\x00\x01\x00\x00\x00\x00\x00\x00"},
	{"v5 domain with NUL", 0, S("\x05\x01\x00" "\x05\x01\x00\x03\x03" "a\x00" "b\x00\x50"),
	 RB_PARSE_ERR, RB_PERR_ADDRESS, NULL, NULL, 12,
	 "\x05\x00" "\x05\x04\x00\x01\x00\x00\x00\x00\x00\x00"},
	{"v5 rsv nonzero", 0, S("\x05\x01\x00" "\x05\x01\x07\x01\x01\x02\x03\x04\x00\x50"),
	 RB_PARSE_ERR, RB_PERR_MALFORMED, NULL, NULL, 12,
	 "\x05\x00" "\x05\x01\x00\x01\x00\x00\x00\x00\x00\x00"},
	{"v5 truncated request", 0, S("\x05\x01\x00" "\x05\x01\x00\x01\x01\x02"), RB_PARSE_MORE, 0,
	 NULL, NULL, 2, "\x05\x00"},
	{"v4 connect", 0, S("\x04\x01\x00\x50\x0a\x00\x02\x02" "\x00"), RB_PARSE_DONE, 0,
	 "10.0.2.2:80", "", 0, ""},
	{"v4 userid needs a user", 1, S("\x04\x01\x00\x50\x0a\x00\x02\x02" "mallory\x00"),
	 RB_PARSE_ERR, RB_PERR_AUTH, NULL, NULL, 8, "\x00\x5b\x00\x00\x00\x00\x00\x00"},
	{"v4 userid ok", 1, S("\x04\x01\x00\x50\x0a\x00\x02\x02" "bob\x00"), RB_PARSE_DONE, 0,
	 "10.0.2.2:80", "bob", 0, ""},
	{"v4a domain", 0, S("\x04\x01\x01\xbb\x00\x00\x00\x07" "\x00" "www.test\x00"),
	 RB_PARSE_DONE, 0, "www.test:443", "", 0, ""},
	{"v4 bind refused", 0, S("\x04\x02\x00\x50\x0a\x00\x02\x02" "\x00"), RB_PARSE_ERR,
	 RB_PERR_COMMAND, NULL, NULL, 8, "\x00\x5b\x00\x00\x00\x00\x00\x00"},
	{"v4 unterminated userid", 0, S("\x04\x01\x00\x50\x0a\x00\x02\x02" "abc"), RB_PARSE_MORE,
	 0, NULL, NULL, 0, ""},
	{"version 6", 0, S("\x06\x01\x00"), RB_PARSE_ERR, RB_PERR_VERSION, NULL, NULL, 0, ""},
	{"http to a socks port", 0, S("GET / HTTP/1.1\r\n"), RB_PARSE_ERR, RB_PERR_VERSION, NULL,
	 NULL, 0, ""},
};

static void fmt_dest(const struct rb_dest *d, char *buf, size_t len)
{
	rb_dest_format(d, buf, len);
}

/* Feed in chunks of `step` bytes (0 = all at once), like the session does:
 * the unparsed rest each time. */
static int run_socks(const struct socks_case *c, size_t step, struct rb_proxy_request *req,
		     uint8_t *out, size_t *outlen)
{
	struct rb_socks_srv s;
	size_t avail = 0, parsed = 0;
	int rc = RB_PARSE_MORE;

	rb_socks_srv_init(&s, c->need_auth, 0, auth, NULL);
	*outlen = 0;
	while (avail < c->len) {
		size_t used = 0, ol = 0;

		avail = step ? (avail + step > c->len ? c->len : avail + step) : c->len;
		rc = rb_socks_srv_feed(&s, (const uint8_t *)c->in + parsed, avail - parsed, &used,
				       out + *outlen, &ol, req);
		CU_ASSERT(used <= avail - parsed);
		parsed += used;
		*outlen += ol;
		if (rc != RB_PARSE_MORE)
			break;
	}
	if (rc == RB_PARSE_ERR)
		CU_ASSERT_EQUAL(s.err, c->err);
	return rc;
}

static void test_socks_table(void)
{
	for (size_t i = 0; i < sizeof(socks_cases) / sizeof(socks_cases[0]); i++) {
		const struct socks_case *c = &socks_cases[i];

		for (size_t step = 0; step <= 1; step++) {
			struct rb_proxy_request req;
			uint8_t out[256];
			size_t outlen;
			char d[300];
			int rc;

			memset(&req, 0, sizeof(req));
			rc = run_socks(c, step, &req, out, &outlen);
			if (rc != c->rc)
				fprintf(stderr, "\n  %s (step %zu): rc %d, want %d\n", c->name, step,
					rc, c->rc);
			CU_ASSERT_EQUAL(rc, c->rc);
			CU_ASSERT_EQUAL(outlen, c->outlen);
			if (outlen == c->outlen)
				CU_ASSERT(memcmp(out, c->out, outlen) == 0);
			if (rc == RB_PARSE_DONE) {
				fmt_dest(&req.dst, d, sizeof(d));
				if (strcmp(d, c->dst) != 0)
					fprintf(stderr, "\n  %s: dst %s want %s\n", c->name, d,
						c->dst);
				CU_ASSERT_STRING_EQUAL(d, c->dst);
				CU_ASSERT_STRING_EQUAL(req.user, c->user);
				CU_ASSERT_EQUAL(req.cmd, RB_CMD_CONNECT);
			}
		}
	}
}

static void test_socks_udp(void)
{
	struct rb_socks_srv s;
	struct rb_proxy_request req;
	static const uint8_t in[] = "\x05\x01\x00\x05\x03\x00\x01\x00\x00\x00\x00\x00\x00";
	uint8_t out[64], hdr[300];
	size_t used, ol;
	struct rb_dest d, d2;
	int n;

	rb_socks_srv_init(&s, 0, 1, NULL, NULL);
	CU_ASSERT_EQUAL(rb_socks_srv_feed(&s, in, sizeof(in) - 1, &used, out, &ol, &req),
			RB_PARSE_DONE);
	CU_ASSERT_EQUAL(req.cmd, RB_CMD_UDP_ASSOCIATE);
	/* RFC 1928 7 header round trip, and FRAG != 0 refused */
	memset(&d, 0, sizeof(d));
	strcpy(d.domain, "dns.test");
	d.port = 53;
	n = (int)rb_socks5_udp_header(&d, hdr);
	CU_ASSERT_EQUAL(n, 4 + 1 + 8 + 2);
	CU_ASSERT_EQUAL(rb_socks5_udp_parse(hdr, (size_t)n, &d2), n);
	CU_ASSERT_STRING_EQUAL(d2.domain, "dns.test");
	CU_ASSERT_EQUAL(d2.port, 53);
	hdr[2] = 1;
	CU_ASSERT_EQUAL(rb_socks5_udp_parse(hdr, (size_t)n, &d2), -1);
	CU_ASSERT_EQUAL(rb_socks5_udp_parse(hdr, 5, &d2), -1);
}

struct http_case {
	const char *name;
	int need_auth;
	const char *in;
	int rc, status, err, cmd;
	const char *dst, *user;
	const char *fwd;        /* rewritten head for forwarding */
	size_t used;            /* 0: strlen(in) */
};

static const struct http_case http_cases[] = {
	{"connect", 0, "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n",
	 RB_PARSE_DONE, 0, 0, RB_CMD_CONNECT, "example.com:443", "", NULL, 0},
	{"connect ipv6", 0, "CONNECT [fd00::2]:8443 HTTP/1.1\r\n\r\n", RB_PARSE_DONE, 0, 0,
	 RB_CMD_CONNECT, "[fd00::2]:8443", "", NULL, 0},
	{"connect with body bytes after", 0, "CONNECT 10.0.0.1:22 HTTP/1.0\r\n\r\nSSH-2.0",
	 RB_PARSE_DONE, 0, 0, RB_CMD_CONNECT, "10.0.0.1:22", "", NULL, 32},
	{"connect without port", 0, "CONNECT example.com HTTP/1.1\r\n\r\n", RB_PARSE_ERR, 400,
	 RB_PERR_ADDRESS, 0, NULL, NULL, NULL, 0},
	{"connect port 0", 0, "CONNECT a.b:0 HTTP/1.1\r\n\r\n", RB_PARSE_ERR, 400, RB_PERR_ADDRESS,
	 0, NULL, NULL, NULL, 0},
	{"connect port too big", 0, "CONNECT a.b:65536 HTTP/1.1\r\n\r\n", RB_PARSE_ERR, 400,
	 RB_PERR_ADDRESS, 0, NULL, NULL, NULL, 0},
	{"auth ok", 1,
	 "CONNECT a.b:443 HTTP/1.1\r\nProxy-Authorization: Basic YWxpY2U6c2VjcmV0\r\n\r\n",
	 RB_PARSE_DONE, 0, 0, RB_CMD_CONNECT, "a.b:443", "alice", NULL, 0},
	{"auth wrong", 1,
	 "CONNECT a.b:443 HTTP/1.1\r\nProxy-Authorization: Basic YWxpY2U6d3Jvbmc=\r\n\r\n",
	 RB_PARSE_ERR, 407, RB_PERR_AUTH, 0, NULL, NULL, NULL, 0},
	{"auth missing", 1, "CONNECT a.b:443 HTTP/1.1\r\n\r\n", RB_PARSE_ERR, 407, RB_PERR_AUTH, 0,
	 NULL, NULL, NULL, 0},
	{"auth not basic", 1, "CONNECT a.b:443 HTTP/1.1\r\nProxy-Authorization: Digest x\r\n\r\n",
	 RB_PARSE_ERR, 407, RB_PERR_AUTH, 0, NULL, NULL, NULL, 0},
	{"auth bad base64", 1, "CONNECT a.b:443 HTTP/1.1\r\nProxy-Authorization: Basic ***\r\n\r\n",
	 RB_PARSE_ERR, 407, RB_PERR_AUTH, 0, NULL, NULL, NULL, 0},
	{"forward", 0,
	 "GET http://Example.com/a?b=1 HTTP/1.1\r\nHost: example.com\r\nProxy-Connection: "
	 "keep-alive\r\nAccept: */*\r\n\r\n",
	 RB_PARSE_DONE, 0, 0, RB_CMD_HTTP_FORWARD, "example.com:80", "",
	 "GET /a?b=1 HTTP/1.1\r\nHost: example.com\r\nAccept: */*\r\nConnection: keep-alive\r\n\r\n", 0},
	{"forward no path, no host, port", 0, "HEAD http://10.0.2.2:8080 HTTP/1.0\r\n\r\n",
	 RB_PARSE_DONE, 0, 0, RB_CMD_HTTP_FORWARD, "10.0.2.2:8080", "",
	 "HEAD / HTTP/1.0\r\nHost: 10.0.2.2:8080\r\nConnection: close\r\n\r\n", 0},
	{"forward strips credentials", 1,
	 "POST http://a.b/x HTTP/1.1\r\nProxy-Authorization: Basic Ym9iOmh1bnRlcjI=\r\n"
	 "Content-Length: 0\r\n\r\n",
	 RB_PARSE_DONE, 0, 0, RB_CMD_HTTP_FORWARD, "a.b:80", "bob",
	 "POST /x HTTP/1.1\r\nContent-Length: 0\r\nHost: a.b\r\nConnection: keep-alive\r\n\r\n", 0},
	{"origin-form is not a proxy request", 0, "GET / HTTP/1.1\r\nHost: a\r\n\r\n",
	 RB_PARSE_ERR, 400, RB_PERR_MALFORMED, 0, NULL, NULL, NULL, 0},
	{"https absolute not forwardable", 0, "GET https://a.b/ HTTP/1.1\r\n\r\n", RB_PARSE_ERR,
	 400, RB_PERR_MALFORMED, 0, NULL, NULL, NULL, 0},
	{"userinfo refused", 0, "GET http://u:p@a.b/ HTTP/1.1\r\n\r\n", RB_PARSE_ERR, 400,
	 RB_PERR_ADDRESS, 0, NULL, NULL, NULL, 0},
	{"HTTP/2.0", 0, "CONNECT a.b:1 HTTP/2.0\r\n\r\n", RB_PARSE_ERR, 400, RB_PERR_VERSION, 0,
	 NULL, NULL, NULL, 0},
	{"obs-fold", 0, "CONNECT a.b:1 HTTP/1.1\r\nX: a\r\n b\r\n\r\n", RB_PARSE_ERR, 400,
	 RB_PERR_MALFORMED, 0, NULL, NULL, NULL, 0},
	{"no colon", 0, "CONNECT a.b:1 HTTP/1.1\r\nBroken\r\n\r\n", RB_PARSE_ERR, 400,
	 RB_PERR_MALFORMED, 0, NULL, NULL, NULL, 0},
	{"space in header name", 0, "CONNECT a.b:1 HTTP/1.1\r\nX Y: z\r\n\r\n", RB_PARSE_ERR, 400,
	 RB_PERR_MALFORMED, 0, NULL, NULL, NULL, 0},
	{"binary method", 0, "\x16\x03\x01\x02\x00", RB_PARSE_ERR, 400, RB_PERR_MALFORMED, 0, NULL,
	 NULL, NULL, 0},
	{"incomplete head", 0, "CONNECT a.b:1 HTTP/1.1\r\nHost: a\r\n", RB_PARSE_MORE, 0, 0, 0,
	 NULL, NULL, NULL, 0},
	{"bare LF line", 0, "CONNECT a.b:1 HTTP/1.1\r\nX: a\nY: b\r\n\r\n", RB_PARSE_ERR, 400,
	 RB_PERR_MALFORMED, 0, NULL, NULL, NULL, 0},
};

static void test_http_table(void)
{
	for (size_t i = 0; i < sizeof(http_cases) / sizeof(http_cases[0]); i++) {
		const struct http_case *c = &http_cases[i];
		size_t len = strlen(c->in);

		/* whole, then growing one byte at a time (re-parsed from the start) */
		for (size_t avail = 1; avail <= len; avail++) {
			struct rb_http_srv h;
			struct rb_proxy_request req;
			uint8_t fwd[1024];
			size_t used, flen;
			char d[300];
			int rc;

			rb_http_srv_init(&h, c->need_auth, 8192, auth, NULL);
			rc = rb_http_srv_parse(&h, (const uint8_t *)c->in, avail, &used, &req, fwd,
					       sizeof(fwd), &flen);
			if (avail < len && c->rc != RB_PARSE_ERR) {
				/* a prefix of a good request is never DONE before its end */
				if (rc == RB_PARSE_DONE)
					CU_ASSERT(avail >= (c->used ? c->used : len));
				CU_ASSERT(rc != RB_PARSE_ERR);
				continue;
			}
			if (avail < len)
				continue;
			if (rc != c->rc)
				fprintf(stderr, "\n  %s: rc %d want %d (status %d)\n", c->name, rc,
					c->rc, h.status);
			CU_ASSERT_EQUAL(rc, c->rc);
			if (rc == RB_PARSE_ERR) {
				CU_ASSERT_EQUAL(h.status, c->status);
				CU_ASSERT_EQUAL(h.err, c->err);
			}
			if (rc != RB_PARSE_DONE)
				continue;
			CU_ASSERT_EQUAL(used, c->used ? c->used : len);
			CU_ASSERT_EQUAL(req.cmd, c->cmd);
			fmt_dest(&req.dst, d, sizeof(d));
			CU_ASSERT_STRING_EQUAL(d, c->dst);
			CU_ASSERT_STRING_EQUAL(req.user, c->user);
			if (c->fwd) {
				CU_ASSERT_EQUAL(flen, strlen(c->fwd));
				if (flen != strlen(c->fwd) || memcmp(fwd, c->fwd, flen) != 0)
					fprintf(stderr, "\n  %s: fwd '%.*s'\n", c->name, (int)flen,
						fwd);
				CU_ASSERT(memcmp(fwd, c->fwd, flen) == 0);
			}
		}
	}
}

static void test_http_limits(void)
{
	struct rb_http_srv h;
	struct rb_proxy_request req;
	char big[2048];
	uint8_t out[512];
	size_t used, n;

	memset(big, 'a', sizeof(big));
	memcpy(big, "CONNECT a.b:1 HTTP/1.1\r\nX: ", 27);
	rb_http_srv_init(&h, 0, 1024, NULL, NULL);
	CU_ASSERT_EQUAL(rb_http_srv_parse(&h, (uint8_t *)big, 1023, &used, &req, NULL, 0, NULL),
			RB_PARSE_MORE);
	CU_ASSERT_EQUAL(rb_http_srv_parse(&h, (uint8_t *)big, sizeof(big), &used, &req, NULL, 0,
					  NULL), RB_PARSE_ERR);
	CU_ASSERT_EQUAL(h.status, 431);
	CU_ASSERT_EQUAL(h.err, RB_PERR_TOO_LARGE);
	n = rb_http_error(407, out, sizeof(out));
	CU_ASSERT(n > 0 && strstr((char *)out, "407") && strstr((char *)out, "Proxy-Authenticate: Basic"));
	n = rb_http_connect_ok(out, sizeof(out));
	CU_ASSERT(n == 39 && memcmp(out, "HTTP/1.1 200", 12) == 0);
}

static void test_socks_client(void)
{
	struct rb_socks_cli c;
	struct rb_dest d;
	uint8_t out[700];
	size_t n, used, ol;

	/* v5 with auth, domain destination */
	memset(&d, 0, sizeof(d));
	strcpy(d.domain, "example.com");
	d.port = 443;
	n = rb_socks_cli_start(&c, 5, SOCKS5_CMD_CONNECT, "alice", "secret", &d, out);
	CU_ASSERT(n == 3 && memcmp(out, "\x05\x01\x02", 3) == 0);
	CU_ASSERT_EQUAL(rb_socks_cli_feed(&c, (const uint8_t *)"\x05\x02", 2, &used, out, &ol),
			RB_PARSE_MORE);
	CU_ASSERT(used == 2 && ol == 14 && memcmp(out, "\x01\x05" "alice\x06" "secret", 14) == 0);
	CU_ASSERT_EQUAL(rb_socks_cli_feed(&c, (const uint8_t *)"\x01\x00", 2, &used, out, &ol),
			RB_PARSE_MORE);
	CU_ASSERT(ol == 4 + 1 + 11 + 2 && memcmp(out, "\x05\x01\x00\x03\x0b" "example.com\x01\xbb",
						 ol) == 0);
	CU_ASSERT_EQUAL(rb_socks_cli_feed(&c, (const uint8_t *)"\x05\x00\x00\x01\x01\x02", 6, &used,
					  out, &ol), RB_PARSE_MORE);
	CU_ASSERT_EQUAL(rb_socks_cli_feed(&c, (const uint8_t *)"\x05\x00\x00\x01\x01\x02\x03\x04"
					  "\x10\x00", 10, &used, out, &ol), RB_PARSE_DONE);
	CU_ASSERT(used == 10 && c.bound.port == 4096);
	/* v5 refused */
	d.family = AF_INET;
	memcpy(d.addr, "\x0a\x00\x00\x01", 4);
	rb_socks_cli_start(&c, 5, SOCKS5_CMD_CONNECT, NULL, NULL, &d, out);
	rb_socks_cli_feed(&c, (const uint8_t *)"\x05\x00", 2, &used, out, &ol);
	CU_ASSERT(ol == 10);
	CU_ASSERT_EQUAL(rb_socks_cli_feed(&c, (const uint8_t *)"\x05\x05\x00\x01\x00\x00\x00\x00"
					  "\x00\x00", 10, &used, out, &ol), RB_PARSE_ERR);
	/* v4 cannot carry a domain; v4a can */
	memset(&d, 0, sizeof(d));
	strcpy(d.domain, "a.b");
	d.port = 80;
	CU_ASSERT_EQUAL(rb_socks_cli_start(&c, 4, SOCKS5_CMD_CONNECT, NULL, NULL, &d, out), 0);
	n = rb_socks_cli_start(&c, 0x4a, SOCKS5_CMD_CONNECT, "u", NULL, &d, out);
	CU_ASSERT(n == 8 + 2 + 4 && memcmp(out, "\x04\x01\x00\x50\x00\x00\x00\x01u\x00" "a.b\x00",
					   n) == 0);
	CU_ASSERT_EQUAL(rb_socks_cli_feed(&c, (const uint8_t *)"\x00\x5a\x00\x00\x00\x00\x00\x00", 8,
					  &used, out, &ol), RB_PARSE_DONE);
	rb_socks_cli_start(&c, 0x4a, SOCKS5_CMD_CONNECT, "u", NULL, &d, out);
	CU_ASSERT_EQUAL(rb_socks_cli_feed(&c, (const uint8_t *)"\x00\x5b\x00\x00\x00\x00\x00\x00", 8,
					  &used, out, &ol), RB_PARSE_ERR);
}

static void test_http_client(void)
{
	struct rb_http_cli c;
	struct rb_dest d;
	uint8_t out[700];
	size_t n, used;
	const char *ok = "HTTP/1.1 200 Connection established\r\nX: y\r\n\r\nDATA";

	memset(&d, 0, sizeof(d));
	d.family = AF_INET;
	memcpy(d.addr, "\x0a\x00\x02\x02", 4);
	d.port = 443;
	n = rb_http_cli_start(&c, &d, "alice", "secret", out, sizeof(out));
	out[n] = 0;
	CU_ASSERT_STRING_EQUAL((char *)out, "CONNECT 10.0.2.2:443 HTTP/1.1\r\nHost: 10.0.2.2:443\r\n"
					    "Proxy-Authorization: Basic YWxpY2U6c2VjcmV0\r\n\r\n");
	CU_ASSERT_EQUAL(rb_http_cli_parse(&c, (const uint8_t *)ok, 20, &used), RB_PARSE_MORE);
	CU_ASSERT_EQUAL(rb_http_cli_parse(&c, (const uint8_t *)ok, strlen(ok), &used),
			RB_PARSE_DONE);
	CU_ASSERT_EQUAL(used, strlen(ok) - 4);
	CU_ASSERT_EQUAL(rb_http_cli_parse(&c, (const uint8_t *)"HTTP/1.1 407 No\r\n\r\n", 19,
					  &used), RB_PARSE_ERR);
	CU_ASSERT_EQUAL(c.status, 407);
	CU_ASSERT_EQUAL(rb_http_cli_parse(&c, (const uint8_t *)"SSH-2.0-x\r\n\r\n", 13, &used),
			RB_PARSE_ERR);
}

static void test_helpers(void)
{
	static const struct {
		const char *in;
		int rc;
		const char *out;
	} dc[] = {
		{"a.b:1", 0, "a.b:1"},       {"A.B:65535", 0, "a.b:65535"},
		{"1.2.3.4:80", 0, "1.2.3.4:80"}, {"[::1]:443", 0, "[::1]:443"},
		{"[::1]", 0, "[::1]:80"},    {"a.b", 0, "a.b:80"},
		{"a b:1", -1, NULL},         {"[::1:80", -1, NULL},
		{":80", -1, NULL},           {"a.b:", -1, NULL},
		{"a.b:x", -1, NULL},         {"[zz]:1", -1, NULL},
	};
	uint8_t buf[64];
	char enc[64];

	for (size_t i = 0; i < sizeof(dc) / sizeof(dc[0]); i++) {
		struct rb_dest d;
		char s[300];
		int rc = rb_dest_parse(dc[i].in, strlen(dc[i].in), 80, &d);

		CU_ASSERT_EQUAL(rc, dc[i].rc);
		if (rc == 0) {
			rb_dest_format(&d, s, sizeof(s));
			CU_ASSERT_STRING_EQUAL(s, dc[i].out);
		}
	}
	CU_ASSERT_EQUAL(rb_base64_encode((const uint8_t *)"alice:secret", 12, enc, sizeof(enc)), 16);
	CU_ASSERT_STRING_EQUAL(enc, "YWxpY2U6c2VjcmV0");
	CU_ASSERT_EQUAL(rb_base64_decode("YWxpY2U6c2VjcmV0", 16, buf, sizeof(buf)), 12);
	CU_ASSERT(memcmp(buf, "alice:secret", 12) == 0);
	CU_ASSERT_EQUAL(rb_base64_decode("YQ==", 4, buf, sizeof(buf)), 1);
	CU_ASSERT_EQUAL(rb_base64_decode("Y!==", 4, buf, sizeof(buf)), -1);
	CU_ASSERT_EQUAL(rb_base64_decode("YWxpY2U6c2VjcmV0", 16, buf, 4), -1);
	CU_ASSERT_EQUAL(rb_socks_rep_from_errno(-111 /* ECONNREFUSED */), SOCKS5_REP_REFUSED);
}

int main(void)
{
	CU_pSuite s;
	unsigned fails;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("proxy_parse", NULL, NULL);
	CU_add_test(s, "socks server table", test_socks_table);
	CU_add_test(s, "socks5 udp", test_socks_udp);
	CU_add_test(s, "http server table", test_http_table);
	CU_add_test(s, "http limits and answers", test_http_limits);
	CU_add_test(s, "socks client", test_socks_client);
	CU_add_test(s, "http client", test_http_client);
	CU_add_test(s, "helpers", test_helpers);
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	fails = CU_get_number_of_failures();
	CU_cleanup_registry();
	return fails ? 1 : 0;
}
