/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Table-driven tests of the SOCKS5 UDP request header (RFC 1928 section 7)
 * parser and writer used by the UDP relay (dataplane/proxy/udp_relay.c):
 * every address type, truncation at each field, reserved bytes, fragments,
 * bad domains, literal IPs given as domains, and header round trips.
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
	CU_basic_set_mode(CU_BRM_NORMAL);
	CU_basic_run_tests();
	fails = CU_get_number_of_failures() + CU_get_number_of_tests_failed();
	CU_cleanup_registry();
	return fails ? 1 : 0;
}
