/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The Shadowsocks inbound's target-address reader (dataplane/ss/ss_hdr.c):
 * a table of address forms (IPv4, IPv6, domain, the longest domain, bad
 * ATYP, empty and NUL-holding domains, truncations), each fed whole, byte
 * by byte and in every two-piece split, with payload after it: the same
 * verdict, address, port and payload offset every time.
 */
#include <CUnit/Basic.h>
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "dataplane/ss/ss_hdr.h"

struct hcase {
	const char *name;
	uint8_t in[300];
	size_t len;      /* address bytes given (payload "PAYLOAD" follows when done) */
	int want;        /* SS_HDR_DONE / MORE / BAD */
	int family;
	const char *host;
	uint16_t port;
};

static struct hcase cases[16];
static int n_cases;

static void add(const char *name, const uint8_t *b, size_t len, int want, int family,
		const char *host, uint16_t port)
{
	struct hcase *c = &cases[n_cases++];

	c->name = name;
	memcpy(c->in, b, len);
	c->len = len;
	c->want = want;
	c->family = family;
	c->host = host;
	c->port = port;
}

static void build(void)
{
	static char longname[256];
	uint8_t b[300];

	add("ipv4", (const uint8_t[]){1, 10, 20, 2, 2, 0x1f, 0x90}, 7, SS_HDR_DONE, AF_INET,
	    "10.20.2.2", 8080);
	b[0] = 4;
	inet_pton(AF_INET6, "fd14:2::2", b + 1);
	b[17] = 1;
	b[18] = 0xbb;
	add("ipv6", b, 19, SS_HDR_DONE, AF_INET6, "fd14:2::2", 443);
	add("domain", (const uint8_t[]){3, 4, 'a', '.', 'b', 'c', 0, 80}, 8, SS_HDR_DONE, 0, "a.bc",
	    80);
	memset(longname, 'x', 255);
	b[0] = 3;
	b[1] = 255;
	memset(b + 2, 'x', 255);
	b[257] = 0;
	b[258] = 53;
	add("domain of 255", b, 259, SS_HDR_DONE, 0, longname, 53);
	add("bad atyp", (const uint8_t[]){2, 1, 2, 3, 4, 0, 80}, 7, SS_HDR_BAD, 0, NULL, 0);
	add("empty domain", (const uint8_t[]){3, 0, 0, 80}, 4, SS_HDR_BAD, 0, NULL, 0);
	add("NUL in domain", (const uint8_t[]){3, 3, 'a', 0, 'b', 0, 80}, 7, SS_HDR_BAD, 0, NULL, 0);
	add("ipv4 cut", (const uint8_t[]){1, 10, 20, 2, 2, 0x1f}, 6, SS_HDR_MORE, 0, NULL, 0);
	add("domain cut", (const uint8_t[]){3, 10, 'a', 'b'}, 4, SS_HDR_MORE, 0, NULL, 0);
	add("nothing", (const uint8_t[]){0}, 0, SS_HDR_MORE, 0, NULL, 0);
}

/* Feed in[0..len) in the given piece sizes (0-terminated list, the last
 * repeated); returns the verdict and the payload offset. */
static int feed(const uint8_t *in, size_t len, const size_t *pieces, struct ss_target *t,
		size_t *payload_at)
{
	struct ss_hdr h;
	size_t off = 0, used;
	int r = SS_HDR_MORE, k = 0;

	memset(&h, 0, sizeof(h));
	*payload_at = 0;
	while (off < len && r == SS_HDR_MORE) {
		size_t n = pieces[k];

		if (pieces[k + 1])
			k++;
		if (n > len - off)
			n = len - off;
		r = ss_hdr_feed(&h, in + off, n, &used, t);
		CU_ASSERT(used <= n);
		off += used;
	}
	*payload_at = off;
	return r;
}

static void check(const struct hcase *c, const size_t *pieces, const char *how)
{
	uint8_t in[320];
	size_t len = c->len, at;
	struct ss_target t;
	int r;

	memcpy(in, c->in, c->len);
	if (c->want != SS_HDR_MORE) {
		memcpy(in + len, "PAYLOAD", 7);
		len += 7;
	}
	memset(&t, 0, sizeof(t));
	r = feed(in, len, pieces, &t, &at);
	if (r != c->want)
		printf("\n%s (%s): verdict %d, want %d\n", c->name, how, r, c->want);
	CU_ASSERT_EQUAL(r, c->want);
	if (r == SS_HDR_DONE && c->want == SS_HDR_DONE) {
		CU_ASSERT_EQUAL(at, c->len);
		CU_ASSERT_EQUAL(t.family, c->family);
		CU_ASSERT_EQUAL(t.port, c->port);
		CU_ASSERT_STRING_EQUAL(t.host, c->host);
	}
}

static void test_table(void)
{
	build();
	for (int i = 0; i < n_cases; i++) {
		const struct hcase *c = &cases[i];
		size_t whole[] = {400, 0}, bytes[] = {1, 0};

		check(c, whole, "whole");
		check(c, bytes, "byte by byte");
		for (size_t s = 1; s < c->len + 7; s++) {
			size_t two[] = {s, 400, 0};

			check(c, two, "split");
		}
	}
}

int main(void)
{
	CU_pSuite s;
	unsigned fails;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 2;
	s = CU_add_suite("ss_hdr", NULL, NULL);
	CU_add_test(s, "address forms, every split", test_table);
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	fails = CU_get_number_of_failures();
	CU_cleanup_registry();
	return fails ? 1 : 0;
}
