/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sing-box UDP over TCP parser/framer (dataplane/ss/ss_uot.c).
 *
 * - known wire bytes, written by hand from sing-box's udp-over-tcp.md
 *   table (own address types 0/1/2 in packets, SOCKS5 1/3/4 in the v2
 *   request): the framer must produce them, the parser must read them;
 * - streams of several packets (every address form, lengths 0, 1, 1400,
 *   max), for v1, v2 non-connect, v2 connect and the client's connect
 *   mode, fed whole (coalesced), split in two at every byte boundary,
 *   byte by byte, and in pieces of 7: each packet's address and payload
 *   must come out exactly once and in order;
 * - a table of malformed inputs (bad packet / request address types,
 *   empty domain, NUL in a domain, port 0, lengths over the limit), each
 *   split at every boundary: the error, never a packet past it.
 */
#include <CUnit/Basic.h>
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "dataplane/ss/ss_uot.h"

static struct rb_dest v4(const char *s, uint16_t port)
{
	struct rb_dest d = {0};

	d.family = AF_INET;
	inet_pton(AF_INET, s, d.addr);
	d.port = port;
	return d;
}

static struct rb_dest v6(const char *s, uint16_t port)
{
	struct rb_dest d = {0};

	d.family = AF_INET6;
	inet_pton(AF_INET6, s, d.addr);
	d.port = port;
	return d;
}

static struct rb_dest dom(const char *s, uint16_t port)
{
	struct rb_dest d = {0};

	snprintf(d.domain, sizeof(d.domain), "%s", s);
	d.port = port;
	return d;
}

static int dest_eq(const struct rb_dest *a, const struct rb_dest *b)
{
	return a->family == b->family && memcmp(a->addr, b->addr, 16) == 0 &&
	       a->port == b->port && strcmp(a->domain, b->domain) == 0;
}

/* ------------------------------------------------------------ known bytes */

struct wire_case {
	const char *name;
	int request;             /* 1: v2 request, 0: packet header */
	int connect;
	struct rb_dest a;
	uint16_t len;
	uint8_t bytes[32];
	int n;
};

static void test_known_bytes(void)
{
	char d255[256];

	memset(d255, 'a', 255);
	d255[255] = '\0';
	const struct wire_case t[] = {
		{"v1 ipv4", 0, 0, v4("1.2.3.4", 53), 3,
		 {0x00, 1, 2, 3, 4, 0x00, 0x35, 0x00, 0x03}, 9},
		{"v1 ipv6", 0, 0, v6("2001:db8::1", 443), 0x0102,
		 {0x01, 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0x01, 0xbb,
		  0x01, 0x02}, 21},
		{"v1 domain", 0, 0, dom("ex.org", 8080), 0xffff,
		 {0x02, 6, 'e', 'x', '.', 'o', 'r', 'g', 0x1f, 0x90, 0xff, 0xff}, 12},
		{"connect packet", 0, 1, v4("1.2.3.4", 53), 1400, {0x05, 0x78}, 2},
		{"request connect domain", 1, 1, dom("a.b", 443),
		 0, {0x01, 0x03, 3, 'a', '.', 'b', 0x01, 0xbb}, 8},
		{"request non-connect ipv4", 1, 0, v4("10.0.0.1", 7), 0,
		 {0x00, 0x01, 10, 0, 0, 1, 0x00, 0x07}, 8},
		{"request connect ipv4 (the outbound's connect mode)", 1, 1, v4("10.0.0.1", 53), 0,
		 {0x01, 0x01, 10, 0, 0, 1, 0x00, 0x35}, 8},
		{"connect packet, empty datagram", 0, 1, v4("10.0.0.1", 53), 0, {0x00, 0x00}, 2},
		{"connect packet, 65507 bytes", 0, 1, dom("a.b", 443), 65507, {0xff, 0xe3}, 2},
		{"request ipv6", 1, 1, v6("::1", 53), 0,
		 {0x01, 0x04, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0x00, 0x35}, 20},
	};
	uint8_t out[UOT_HDR_MAX + UOT_REQ_MAX];

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		const struct wire_case *c = &t[i];
		int n = c->request ? uot_put_request(out, c->connect, &c->a)
				   : uot_put_pkt_hdr(out, c->connect, &c->a, c->len);
		struct uot_rd r;
		size_t used;
		int rc;

		CU_ASSERT_EQUAL_FATAL(n, c->n);
		if (memcmp(out, c->bytes, (size_t)n) != 0)
			CU_FAIL(c->name);
		/* and the parser reads them back */
		if (c->request) {
			uot_rd_init(&r, UOT_RD_SERVER_V2, NULL, 0xffff);
			rc = uot_rd_feed(&r, c->bytes, (size_t)c->n, &used);
			CU_ASSERT_EQUAL(rc, UOT_REQ);
			CU_ASSERT_EQUAL(r.connect, c->connect);
			CU_ASSERT(dest_eq(&r.req, &c->a));
		} else {
			uot_rd_init(&r, c->connect ? UOT_RD_CONNECT : UOT_RD_ADDR,
				    c->connect ? &c->a : NULL, 0xffff);
			rc = uot_rd_feed(&r, c->bytes, (size_t)c->n, &used);
			CU_ASSERT_EQUAL(rc, UOT_PKT);
			CU_ASSERT_EQUAL(r.len, c->len);
			CU_ASSERT(dest_eq(&r.dst, &c->a));
		}
		CU_ASSERT_EQUAL(used, (size_t)c->n);
	}
	/* a domain of 255 bytes fits, 256 cannot be written */
	{
		struct rb_dest a = dom(d255, 1);

		CU_ASSERT_EQUAL(uot_put_pkt_hdr(out, 0, &a, 0), 1 + 1 + 255 + 2 + 2);
		CU_ASSERT_EQUAL(uot_put_request(out, 0, &a), 1 + 1 + 1 + 255 + 2);
	}
	{
		struct rb_dest none = {0};

		CU_ASSERT_EQUAL(uot_put_pkt_hdr(out, 0, &none, 0), -1);
		CU_ASSERT_EQUAL(uot_put_pkt_hdr(out, 1, &none, 0), 2); /* connect: no address */
		CU_ASSERT_EQUAL(uot_put_request(out, 1, &none), -1);
	}
	CU_ASSERT_EQUAL(uot_magic_version("sp.udp-over-tcp.arpa"), 1);
	CU_ASSERT_EQUAL(uot_magic_version("sp.v2.udp-over-tcp.arpa"), 2);
	CU_ASSERT_EQUAL(uot_magic_version("sp.v3.udp-over-tcp.arpa"), 0);
	CU_ASSERT_EQUAL(uot_magic_version("udp-over-tcp.arpa"), 0);
	CU_ASSERT_STRING_EQUAL(uot_magic_domain(1), UOT_MAGIC_V1);
	CU_ASSERT_STRING_EQUAL(uot_magic_domain(2), UOT_MAGIC_V2);
}

/* ------------------------------------------------------------ streams */

#define MAX_PKTS 8
#define STREAM_MAX (MAX_PKTS * (UOT_HDR_MAX + 2000) + UOT_REQ_MAX)

struct pkt {
	struct rb_dest a;
	uint16_t len;
};

struct stream_case {
	const char *name;
	enum uot_rd_mode mode;
	int connect;              /* packets without address */
	int request;              /* a v2 request first */
	struct rb_dest req;
	int n;
	struct pkt p[MAX_PKTS];
};

struct got {
	int n_req, n;
	struct rb_dest a[MAX_PKTS];
	uint32_t len[MAX_PKTS];
	uint8_t data[MAX_PKTS][2000];
	uint32_t have[MAX_PKTS];
	int err;
};

static size_t build(const struct stream_case *c, uint8_t *s)
{
	size_t off = 0;

	if (c->request)
		off += (size_t)uot_put_request(s, c->connect, &c->req);
	for (int i = 0; i < c->n; i++) {
		int h = uot_put_pkt_hdr(s + off, c->connect, &c->p[i].a, c->p[i].len);

		CU_ASSERT_FATAL(h > 0);
		off += (size_t)h;
		for (uint32_t k = 0; k < c->p[i].len; k++)
			s[off + k] = (uint8_t)(i * 31 + k * 7 + 1);
		off += c->p[i].len;
	}
	return off;
}

/* Feed s in pieces (sizes from pieces[], the last repeating). */
static void run(const struct stream_case *c, const uint8_t *s, size_t len, const size_t *pieces,
		size_t np, struct got *g, uint32_t max_len)
{
	struct uot_rd r;
	size_t off = 0, pi = 0;
	const struct rb_dest *peer = c->mode == UOT_RD_CONNECT ? &c->req : NULL;

	memset(g, 0, sizeof(*g));
	uot_rd_init(&r, c->mode, peer, max_len);
	while (off < len) {
		size_t n = pieces[pi < np ? pi : np - 1];
		const uint8_t *p = s + off;

		pi++;
		if (n > len - off)
			n = len - off;
		off += n;
		while (n) {
			size_t used = 0;
			int rc = uot_rd_feed(&r, p, n, &used);

			if (used > n) {
				CU_FAIL("used past the input");
				return;
			}
			if (rc < 0) {
				g->err = rc;
				return;
			}
			if (rc == UOT_REQ)
				g->n_req++;
			if (rc == UOT_PKT) {
				if (g->n == MAX_PKTS) {
					CU_FAIL("too many packets");
					return;
				}
				g->a[g->n] = r.dst;
				g->len[g->n] = r.len;
				g->n++;
			}
			if (rc == UOT_DATA) {
				int k = g->n - 1;

				if (k < 0 || g->have[k] + used > g->len[k]) {
					CU_FAIL("payload without a packet");
					return;
				}
				memcpy(g->data[k] + g->have[k], p, used);
				g->have[k] += (uint32_t)used;
			}
			if (rc == UOT_MORE && used != n) {
				CU_FAIL("MORE without consuming everything");
				return;
			}
			if ((rc == UOT_PKT || rc == UOT_DATA) && uot_rd_done(&r) &&
			    g->have[g->n - 1] != g->len[g->n - 1]) {
				CU_FAIL("done before its payload");
				return;
			}
			p += used;
			n -= used;
		}
	}
}

static int check_got(const struct stream_case *c, const struct got *g)
{
	if (g->err || g->n != c->n || g->n_req != c->request)
		return 0;
	for (int i = 0; i < c->n; i++) {
		const struct rb_dest *want = c->connect ? &c->req : &c->p[i].a;

		if (!dest_eq(&g->a[i], want) || g->len[i] != c->p[i].len ||
		    g->have[i] != c->p[i].len)
			return 0;
		for (uint32_t k = 0; k < c->p[i].len; k++)
			if (g->data[i][k] != (uint8_t)(i * 31 + k * 7 + 1))
				return 0;
	}
	return 1;
}

static void test_streams(void)
{
	char d255[256];

	memset(d255, 'z', 255);
	d255[255] = '\0';
	const struct stream_case t[] = {
		{"v1 forms", UOT_RD_ADDR, 0, 0, {0}, 6,
		 {{v4("192.0.2.7", 53), 29}, {v6("2001:db8::53", 5353), 0},
		  {dom("example.com", 443), 1}, {dom(d255, 65535), 3},
		  {v4("0.0.0.0", 1), 1400}, {dom("x", 9), 2}}},
		{"v2 non-connect", UOT_RD_SERVER_V2, 0, 1, v4("192.0.2.1", 53), 3,
		 {{v4("192.0.2.1", 53), 40}, {dom("b.example", 53), 0}, {v6("::1", 1), 7}}},
		{"v2 connect", UOT_RD_SERVER_V2, 1, 1, dom("dns.example", 53), 4,
		 {{{0}, 12}, {{0}, 0}, {{0}, 1500}, {{0}, 1}}},
		{"v2 connect client", UOT_RD_CONNECT, 1, 0, v6("2001:db8::2", 123), 2,
		 {{{0}, 48}, {{0}, 48}}},
		{"v2 request only", UOT_RD_SERVER_V2, 0, 1, dom(d255, 65535), 0, {{{0}, 0}}},
	};
	static uint8_t s[STREAM_MAX];
	static struct got g;

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		const struct stream_case *c = &t[i];
		size_t len = build(c, s);
		size_t whole[] = {len}, one[] = {1}, seven[] = {7};
		int ok = 1;

		run(c, s, len, whole, 1, &g, 0xffff);
		ok &= check_got(c, &g);
		run(c, s, len, one, 1, &g, 0xffff);
		ok &= check_got(c, &g);
		run(c, s, len, seven, 1, &g, 0xffff);
		ok &= check_got(c, &g);
		for (size_t k = 1; k < len; k++) {
			size_t two[] = {k, len};

			run(c, s, len, two, 2, &g, 0xffff);
			if (!check_got(c, &g)) {
				ok = 0;
				fprintf(stderr, "%s: split at %zu fails\n", c->name, k);
				break;
			}
		}
		if (!ok)
			CU_FAIL(c->name);
	}
}

/* ------------------------------------------------------------ malformed */

struct bad_case {
	const char *name;
	enum uot_rd_mode mode;
	uint32_t max_len;
	uint8_t b[24];
	size_t n;
	int want;        /* error */
	int pkts_before; /* packets complete before the error */
};

static void test_malformed(void)
{
	static const struct bad_case t[] = {
		{"packet atyp 0x03 (SOCKS domain)", UOT_RD_ADDR, 0xffff, {0x03, 1, 'a', 0, 1, 0, 0}, 7,
		 UOT_ERR_ATYP, 0},
		{"packet atyp 0x04 (SOCKS IPv6)", UOT_RD_ADDR, 0xffff, {0x04}, 1, UOT_ERR_ATYP, 0},
		{"packet atyp 0xff", UOT_RD_ADDR, 0xffff, {0xff, 0, 0}, 3, UOT_ERR_ATYP, 0},
		{"empty domain", UOT_RD_ADDR, 0xffff, {0x02, 0, 0, 53, 0, 0}, 6, UOT_ERR_ADDR, 0},
		{"NUL in domain", UOT_RD_ADDR, 0xffff, {0x02, 3, 'a', 0, 'b', 0, 53, 0, 0}, 9,
		 UOT_ERR_ADDR, 0},
		{"port 0", UOT_RD_ADDR, 0xffff, {0x00, 1, 2, 3, 4, 0, 0, 0, 1, 'x'}, 10, UOT_ERR_ADDR, 0},
		{"length over max", UOT_RD_ADDR, 1500, {0x00, 1, 2, 3, 4, 0, 53, 0x05, 0xdd}, 9,
		 UOT_ERR_LEN, 0},
		{"second packet bad", UOT_RD_ADDR, 0xffff,
		 {0x00, 1, 2, 3, 4, 0, 53, 0, 1, 'x', 0x07}, 11, UOT_ERR_ATYP, 1},
		{"request atyp 0x00 (UoT IPv4 in request)", UOT_RD_SERVER_V2, 0xffff,
		 {0x00, 0x00, 1, 2, 3, 4, 0, 53}, 8, UOT_ERR_ATYP, 0},
		{"request atyp 0x02", UOT_RD_SERVER_V2, 0xffff, {0x01, 0x02, 1, 'a', 0, 53}, 6,
		 UOT_ERR_ATYP, 0},
		{"request empty domain", UOT_RD_SERVER_V2, 0xffff, {0x00, 0x03, 0, 0, 53}, 5,
		 UOT_ERR_ADDR, 0},
		{"connect request port 0", UOT_RD_SERVER_V2, 0xffff, {0x01, 0x01, 1, 2, 3, 4, 0, 0}, 8,
		 UOT_ERR_ADDR, 0},
		{"connect packet over max", UOT_RD_SERVER_V2, 100,
		 {0x01, 0x01, 1, 2, 3, 4, 0, 53, 0, 101}, 10, UOT_ERR_LEN, 0},
		{"connect packet at max", UOT_RD_CONNECT, 1, {0, 2}, 2, UOT_ERR_LEN, 0},
	};
	static struct got g;

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		const struct bad_case *c = &t[i];
		struct stream_case sc = {.mode = c->mode, .req = v4("1.2.3.4", 53)};

		for (size_t k = 1; k <= c->n; k++) {
			size_t two[] = {k, c->n};

			run(&sc, c->b, c->n, two, 2, &g, c->max_len);
			if (g.err != c->want || g.n != c->pkts_before) {
				fprintf(stderr, "%s: split %zu: err %d packets %d\n", c->name, k, g.err,
					g.n);
				CU_FAIL(c->name);
				break;
			}
		}
	}
	/* not errors: an address literal in a domain is an address; a
	 * non-connect request may name port 0 */
	{
		static const uint8_t lit[] = {0x02, 7, '1', '.', '2', '.', '3', '.', '4', 0, 53, 0, 0};
		static const uint8_t req0[] = {0x00, 0x01, 0, 0, 0, 0, 0, 0};
		struct uot_rd r;
		size_t used;
		struct rb_dest want = v4("1.2.3.4", 53);

		uot_rd_init(&r, UOT_RD_ADDR, NULL, 10);
		CU_ASSERT_EQUAL(uot_rd_feed(&r, lit, sizeof(lit), &used), UOT_PKT);
		CU_ASSERT(dest_eq(&r.dst, &want));
		CU_ASSERT(uot_rd_done(&r));
		uot_rd_init(&r, UOT_RD_SERVER_V2, NULL, 10);
		CU_ASSERT_EQUAL(uot_rd_feed(&r, req0, sizeof(req0), &used), UOT_REQ);
		CU_ASSERT_EQUAL(r.connect, 0);
		/* a connect byte other than 1 counts as connect (Go bool) */
		{
			static const uint8_t req2[] = {0x02, 0x01, 1, 2, 3, 4, 0, 53};

			uot_rd_init(&r, UOT_RD_SERVER_V2, NULL, 10);
			CU_ASSERT_EQUAL(uot_rd_feed(&r, req2, sizeof(req2), &used), UOT_REQ);
			CU_ASSERT_EQUAL(r.connect, 1);
		}
	}
}

int main(void)
{
	CU_pSuite s;
	unsigned fails;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 2;
	s = CU_add_suite("ss_uot", NULL, NULL);
	CU_add_test(s, "known wire bytes", test_known_bytes);
	CU_add_test(s, "streams, every split", test_streams);
	CU_add_test(s, "malformed, every split", test_malformed);
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	fails = CU_get_number_of_failures();
	CU_cleanup_registry();
	return fails ? 1 : 0;
}
