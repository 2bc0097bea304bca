/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Table-driven tests of the SOCKS5 UDP request header (RFC 1928 section 7)
 * parser and writer used by the UDP relay (dataplane/proxy/udp_relay.c):
 * every address type, truncation at each field, reserved bytes, fragments,
 * bad domains, literal IPs given as domains, and header round trips; and
 * the client side the socks UDP outbound uses (udp_out_socks.c): the UDP
 * ASSOCIATE exchange of rb_socks_cli (whole and byte by byte) and where the
 * datagrams go (rb_socks5_udp_relay_addr).
 */
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <CUnit/Basic.h>

#include "dataplane/proxy/proxy_parse.h"

#define H(s) (const uint8_t *)(s), sizeof(s) - 1

struct udp_case {
	const char *name;
	const uint8_t *in;
	size_t len;
	int rc;                 /* header length, or -1 */
	int family;             /* expected dst */
	const char *addr;       /* textual IP, or NULL */
	const char *domain;
	uint16_t port;
};

static const struct udp_case cases[] = {
	{ "ipv4", H("\0\0\0\x01\x0a\x00\x00\x01\x00\x35" "DATA"), 10, AF_INET, "10.0.0.1", "", 53 },
	{ "ipv4 no payload", H("\0\0\0\x01\xc0\x00\x02\x07\x01\xbb"), 10, AF_INET, "192.0.2.7", "",
	  443 },
	{ "ipv6", H("\0\0\0\x04\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\0\x01\x00\x35" "q"), 22,
	  AF_INET6, "2001:db8::1", "", 53 },
	{ "domain", H("\0\0\0\x03\x08" "dns.test" "\x00\x35" "payload"), 15, 0, NULL, "dns.test",
	  53 },
	{ "domain upper-case folded", H("\0\0\0\x03\x04" "A.BC" "\x13\x88"), 11, 0, NULL, "a.bc",
	  5000 },
	{ "domain that is an IPv4 literal", H("\0\0\0\x03\x07" "1.2.3.4" "\x00\x35"), 14, AF_INET,
	  "1.2.3.4", "", 53 },
	{ "one-octet domain, no payload (shortest header)", H("\0\0\0\x03\x01" "a" "\x00\x35"), 8,
	  0, NULL, "a", 53 },
	{ "two-octet domain, no payload (found by fuzz_socks_udp)",
	  H("\0\0\0\x03\x02" "dn" "\x73\x0c"), 9, 0, NULL, "dn", 0x730c },
	{ "port 0 parses (the relay refuses it)", H("\0\0\0\x01\x01\x02\x03\x04\x00\x00"), 10,
	  AF_INET, "1.2.3.4", "", 0 },
	/* bad */
	{ "empty", H(""), -1, 0, NULL, NULL, 0 },
	{ "three bytes", H("\0\0\0"), -1, 0, NULL, NULL, 0 },
	{ "one-octet domain short by one", H("\0\0\0\x03\x01" "a" "\x00"), -1, 0, NULL, NULL, 0 },
	{ "ipv4 in 8 bytes", H("\0\0\0\x01\x0a\x00\x00\x01"), -1, 0, NULL, NULL, 0 },
	{ "ipv4 short by one", H("\0\0\0\x01\x0a\x00\x00\x01\x00"), -1, 0, NULL, NULL, 0 },
	{ "ipv6 short", H("\0\0\0\x04\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\0\x01\x00"), -1, 0, NULL,
	  NULL, 0 },
	{ "domain length past the end", H("\0\0\0\x03\x20" "short.test" "\x00\x35"), -1, 0, NULL,
	  NULL, 0 },
	{ "domain of length 0", H("\0\0\0\x03\x00\x00\x35\0\0\0\0"), -1, 0, NULL, NULL, 0 },
	{ "domain with a NUL", H("\0\0\0\x03\x04" "a\0bc" "\x00\x35"), -1, 0, NULL, NULL, 0 },
	{ "domain with a space", H("\0\0\0\x03\x04" "a bc" "\x00\x35"), -1, 0, NULL, NULL, 0 },
	{ "fragment 1", H("\0\0\x01\x01\x0a\x00\x00\x01\x00\x35"), -1, 0, NULL, NULL, 0 },
	{ "fragment 0x80 (end of sequence)", H("\0\0\x80\x01\x0a\x00\x00\x01\x00\x35"), -1, 0, NULL,
	  NULL, 0 },
	{ "RSV not zero", H("\x01\0\0\x01\x0a\x00\x00\x01\x00\x35"), -1, 0, NULL, NULL, 0 },
	{ "RSV second byte", H("\0\x01\0\x01\x0a\x00\x00\x01\x00\x35"), -1, 0, NULL, NULL, 0 },
	{ "ATYP 0", H("\0\0\0\x00\x0a\x00\x00\x01\x00\x35"), -1, 0, NULL, NULL, 0 },
	{ "ATYP 2", H("\0\0\0\x02\x0a\x00\x00\x01\x00\x35"), -1, 0, NULL, NULL, 0 },
	{ "ATYP 5", H("\0\0\0\x05\x0a\x00\x00\x01\x00\x35"), -1, 0, NULL, NULL, 0 },
	{ "ATYP 0xff", H("\0\0\0\xff\x0a\x00\x00\x01\x00\x35"), -1, 0, NULL, NULL, 0 },
};

static void test_parse_table(void)
{
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct udp_case *c = &cases[i];
		struct rb_dest d;
		int rc = rb_socks5_udp_parse(c->in, c->len, &d);

		if (rc != c->rc)
			fprintf(stderr, "\n%s: rc %d, want %d\n", c->name, rc, c->rc);
		CU_ASSERT_EQUAL(rc, c->rc);
		if (rc < 0 || c->rc < 0)
			continue;
		CU_ASSERT_EQUAL(d.family, c->family);
		CU_ASSERT_EQUAL(d.port, c->port);
		CU_ASSERT_STRING_EQUAL(d.domain, c->domain);
		if (c->addr) {
			uint8_t a[16] = { 0 };

			CU_ASSERT_EQUAL(inet_pton(c->family, c->addr, a), 1);
			CU_ASSERT(memcmp(d.addr, a, c->family == AF_INET ? 4 : 16) == 0);
		}
	}
}

/* header(dst) parses back to dst, for every good case; its length is the
 * RFC's: 4 + address + 2. */
static void test_round_trip(void)
{
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct udp_case *c = &cases[i];
		uint8_t hdr[4 + 1 + RB_DOMAIN_MAX + 2];
		struct rb_dest d, d2;
		size_t n, want;

		if (c->rc < 0 || rb_socks5_udp_parse(c->in, c->len, &d) < 0)
			continue;
		n = rb_socks5_udp_header(&d, hdr);
		want = 4 + 2 + (d.family == AF_INET ? 4 : d.family == AF_INET6 ? 16 :
			   1 + strlen(d.domain));
		CU_ASSERT_EQUAL(n, want);
		CU_ASSERT_EQUAL(rb_socks5_udp_parse(hdr, n, &d2), (int)n);
		CU_ASSERT_EQUAL(d2.family, d.family);
		CU_ASSERT_EQUAL(d2.port, d.port);
		CU_ASSERT_STRING_EQUAL(d2.domain, d.domain);
		CU_ASSERT(memcmp(d2.addr, d.addr, 16) == 0);
	}
}

/* The longest domain (255 octets) fits and round-trips. */
static void test_long_domain(void)
{
	uint8_t in[4 + 1 + 255 + 2], hdr[sizeof(in)];
	struct rb_dest d;

	memset(in, 0, sizeof(in));
	in[3] = 3;
	in[4] = 255;
	for (int i = 0; i < 255; i++)
		in[5 + i] = (i % 10 == 9) ? '.' : 'a';
	in[260] = 0x12;
	in[261] = 0x34;
	CU_ASSERT_EQUAL(rb_socks5_udp_parse(in, sizeof(in), &d), (int)sizeof(in));
	CU_ASSERT_EQUAL(strlen(d.domain), 255);
	CU_ASSERT_EQUAL(d.port, 0x1234);
	CU_ASSERT_EQUAL(rb_socks5_udp_header(&d, hdr), sizeof(in));
	CU_ASSERT(memcmp(hdr, in, sizeof(in)) == 0);
	/* every truncation of it is refused */
	for (size_t n = 0; n < sizeof(in); n++)
		CU_ASSERT_EQUAL(rb_socks5_udp_parse(in, n, &d), -1);
}

/* ---- the client side (the socks UDP outbound, udp_out_socks.c) ---- */

static struct rb_dest dest4(const char *ip, uint16_t port)
{
	struct rb_dest d;

	memset(&d, 0, sizeof(d));
	d.family = AF_INET;
	inet_pton(AF_INET, ip, d.addr);
	d.port = port;
	return d;
}

struct relay_case {
	const char *name;
	int bfamily;            /* BND.ADDR family (0: a domain reply) */
	const char *baddr;      /* textual, for bfamily != 0 */
	uint16_t bport;
	int sfamily;            /* the server's address */
	const char *saddr;
	int rc;
	const char *want;       /* the relay's address, rc == 0 */
};

static const struct relay_case relay_cases[] = {
	{ "explicit v4", AF_INET, "192.0.2.9", 4000, AF_INET, "192.0.2.1", 0, "192.0.2.9" },
	{ "zero v4 = server", AF_INET, "0.0.0.0", 4000, AF_INET, "192.0.2.1", 0, "192.0.2.1" },
	{ "explicit v6", AF_INET6, "2001:db8::9", 4000, AF_INET, "192.0.2.1", 0, "2001:db8::9" },
	{ "zero v6 = server", AF_INET6, "::", 4000, AF_INET6, "2001:db8::1", 0, "2001:db8::1" },
	{ "zero v6, v4 server", AF_INET6, "::", 4000, AF_INET, "192.0.2.1", -1, NULL },
	{ "zero v4, server unknown", AF_INET, "0.0.0.0", 4000, 0, NULL, -1, NULL },
	{ "port 0", AF_INET, "192.0.2.9", 0, AF_INET, "192.0.2.1", -1, NULL },
	{ "domain BND.ADDR", 0, NULL, 4000, AF_INET, "192.0.2.1", -1, NULL },
};

static void test_relay_addr(void)
{
	for (size_t i = 0; i < sizeof(relay_cases) / sizeof(relay_cases[0]); i++) {
		const struct relay_case *c = &relay_cases[i];
		struct rb_dest b, sv, r;
		char got[INET6_ADDRSTRLEN] = "";
		int rc;

		memset(&b, 0, sizeof(b));
		memset(&sv, 0, sizeof(sv));
		b.family = (uint8_t)c->bfamily;
		if (c->baddr)
			inet_pton(c->bfamily, c->baddr, b.addr);
		b.port = c->bport;
		sv.family = (uint8_t)c->sfamily;
		if (c->saddr)
			inet_pton(c->sfamily, c->saddr, sv.addr);
		sv.port = 1080;
		rc = rb_socks5_udp_relay_addr(&b, &sv, &r);
		if (rc == 0)
			inet_ntop(r.family, r.addr, got, sizeof(got));
		if (rc != c->rc || (rc == 0 && (strcmp(got, c->want) || r.port != c->bport)))
			printf("\n  relay case '%s': rc %d (want %d), addr %s (want %s)", c->name, rc,
			       c->rc, got, c->want ? c->want : "-");
		CU_ASSERT_EQUAL(rc, c->rc);
		if (rc == 0 && c->rc == 0) {
			CU_ASSERT_STRING_EQUAL(got, c->want);
			CU_ASSERT_EQUAL(r.port, c->bport);
			CU_ASSERT_EQUAL(r.family, c->bfamily);
		}
	}
}

/* The UDP ASSOCIATE exchange of the client state machine: what it sends
 * and how it reads each reply, fed whole and one byte at a time. */
struct assoc_case {
	const char *name;
	const char *user;
	const uint8_t *srv;     /* the server's bytes: method [auth] reply */
	size_t srv_len;
	int rc;                 /* final RB_PARSE_* */
	const char *bnd;        /* BND.ADDR when DONE */
	uint16_t bport;
};

static const struct assoc_case assoc_cases[] = {
	{ "no auth", NULL, H("\x05\x00" "\x05\x00\x00\x01\xc0\x00\x02\x09\x0f\xa0"), RB_PARSE_DONE,
	  "192.0.2.9", 4000 },
	{ "user/pass", "u", H("\x05\x02" "\x01\x00" "\x05\x00\x00\x01\x00\x00\x00\x00\x30\x39"),
	  RB_PARSE_DONE, "0.0.0.0", 12345 },
	{ "refused REP=2", NULL, H("\x05\x00" "\x05\x02\x00\x01\x00\x00\x00\x00\x00\x00"),
	  RB_PARSE_ERR, NULL, 0 },
	{ "auth failed", "u", H("\x05\x02" "\x01\x01"), RB_PARSE_ERR, NULL, 0 },
	{ "bad ATYP in reply", NULL, H("\x05\x00" "\x05\x00\x00\x07\x00\x00\x00\x00\x00\x00"),
	  RB_PARSE_ERR, NULL, 0 },
	{ "no acceptable method", NULL, H("\x05\xff"), RB_PARSE_ERR, NULL, 0 },
	{ "truncated reply", NULL, H("\x05\x00" "\x05\x00\x00\x01\xc0\x00"), RB_PARSE_MORE, NULL,
	  0 },
};

static int assoc_run(const struct assoc_case *c, size_t step, struct rb_socks_cli *cli,
		     uint8_t *req, size_t *req_len)
{
	static const uint8_t want_req[] = { 5, 3, 0, 1, 0, 0, 0, 0, 0, 0 };
	struct rb_dest zero = dest4("0.0.0.0", 0);
	uint8_t out[600];
	size_t have = 0, off = 0, used, outlen;
	int rc = RB_PARSE_MORE;

	*req_len = 0;
	CU_ASSERT(rb_socks_cli_start(cli, 5, 3, c->user, "p", &zero, out) > 0);
	while (off < c->srv_len && rc == RB_PARSE_MORE) {
		size_t n = c->srv_len - off < step ? c->srv_len - off : step;

		have += n;
		off += n;
		do {
			rc = rb_socks_cli_feed(cli, c->srv + (off - have), have, &used, out, &outlen);
			have -= used;
			if (outlen && out[0] == 5 && out[1] == 3) {
				memcpy(req, out, outlen);
				*req_len = outlen;
			}
		} while (rc == RB_PARSE_MORE && used > 0);
	}
	if (rc != RB_PARSE_ERR && *req_len)
		CU_ASSERT(*req_len == sizeof(want_req) && !memcmp(req, want_req, sizeof(want_req)));
	return rc;
}

static void test_assoc_client(void)
{
	for (size_t i = 0; i < sizeof(assoc_cases) / sizeof(assoc_cases[0]); i++) {
		const struct assoc_case *c = &assoc_cases[i];

		for (size_t step = 1; step <= c->srv_len; step = step == 1 ? c->srv_len : step + 1) {
			struct rb_socks_cli cli;
			uint8_t req[600];
			size_t rl;
			char got[INET_ADDRSTRLEN] = "";
			int rc = assoc_run(c, step, &cli, req, &rl);

			if (rc == RB_PARSE_DONE)
				inet_ntop(AF_INET, cli.bound.addr, got, sizeof(got));
			if (rc != c->rc || (c->bnd && (strcmp(got, c->bnd) || cli.bound.port != c->bport)))
				printf("\n  assoc case '%s' (step %zu): rc %d (want %d), bound %s:%u",
				       c->name, step, rc, c->rc, got, cli.bound.port);
			CU_ASSERT_EQUAL(rc, c->rc);
			if (c->bnd && rc == RB_PARSE_DONE) {
				CU_ASSERT_STRING_EQUAL(got, c->bnd);
				CU_ASSERT_EQUAL(cli.bound.port, c->bport);
				CU_ASSERT_EQUAL(rl, 10); /* the ASSOCIATE request went out */
			}
		}
	}
}

int main(void)
{
	CU_pSuite su;
	unsigned fails;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	su = CU_add_suite("socks5 udp header", NULL, NULL);
	CU_add_test(su, "parse table", test_parse_table);
	CU_add_test(su, "round trip", test_round_trip);
	CU_add_test(su, "255-octet domain", test_long_domain);
	CU_add_test(su, "client: relay address from BND", test_relay_addr);
	CU_add_test(su, "client: UDP ASSOCIATE exchange", test_assoc_client);
	CU_basic_set_mode(CU_BRM_NORMAL);
	CU_basic_run_tests();
	fails = CU_get_number_of_failures() + CU_get_number_of_tests_failed();
	CU_cleanup_registry();
	return fails ? 1 : 0;
}
