/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of the sniffers (dataplane/route/sniff.c):
 *  - real ClientHellos made by OpenSSL (TLS 1.3 and 1.2 clients, with and
 *    without SNI), fed at every prefix length (-EAGAIN until complete),
 *    and re-framed into many small handshake records;
 *  - a hand-built ClientHello with GREASE and ECH extensions before SNI;
 *  - HTTP/1 requests (Host with port, IPv6 literal, no Host, split at
 *    every offset) and inputs that are neither (-ENOENT);
 *  - a sniff rule's `sniffer` list (rb_sniff_only), table-driven.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <CUnit/Basic.h>
#include <openssl/ssl.h>

#include "dataplane/route/rb_route.h"

/* The first flight of an OpenSSL client for sni (NULL: none). */
static size_t client_hello(const char *sni, int max_version, uint8_t *out, size_t cap)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
	SSL *ssl;
	BIO *rb, *wb;
	size_t n = 0;

	if (!ctx)
		return 0;
	SSL_CTX_set_max_proto_version(ctx, max_version);
	ssl = SSL_new(ctx);
	rb = BIO_new(BIO_s_mem());
	wb = BIO_new(BIO_s_mem());
	SSL_set_bio(ssl, rb, wb);
	if (sni)
		SSL_set_tlsext_host_name(ssl, sni);
	SSL_connect(ssl); /* wants to read: the ClientHello is in wb */
	n = (size_t)BIO_read(wb, out, (int)cap);
	SSL_free(ssl);
	SSL_CTX_free(ctx);
	return n;
}

/* Every prefix shorter than n must ask for more; n must give want. */
static int every_prefix(const uint8_t *d, size_t n, int proto, const char *want)
{
	struct rb_sniff_result r;
	int bad = 0;

	for (size_t k = 1; k < n; k++) {
		int rc = rb_sniff(d, k, &r);

		/* an HTTP request is complete once Host is seen */
		if (proto == RB_SNIFF_HTTP && rc == 0 && strcmp(r.domain, want) == 0)
			continue;
		if (rc != -EAGAIN) {
			if (bad++ < 3)
				fprintf(stderr, "prefix %zu/%zu: rc %d\n", k, n, rc);
		}
	}
	if (rb_sniff(d, n, &r) != 0 || r.proto != proto || strcmp(r.domain, want) != 0) {
		fprintf(stderr, "full %zu: proto %u domain '%s' want '%s'\n", n, r.proto, r.domain,
			want);
		bad++;
	}
	return bad;
}

/* Re-frame the handshake bytes of one record into records of `chunk` bytes. */
static size_t reframe(const uint8_t *in, size_t n, size_t chunk, uint8_t *out)
{
	size_t hl = (size_t)in[3] << 8 | in[4], o = 0;
	const uint8_t *hs = in + 5;

	(void)n;
	for (size_t k = 0; k < hl; k += chunk) {
		size_t c = hl - k < chunk ? hl - k : chunk;

		out[o++] = 22;
		out[o++] = 3;
		out[o++] = 1;
		out[o++] = (uint8_t)(c >> 8);
		out[o++] = (uint8_t)c;
		memcpy(out + o, hs + k, c);
		o += c;
	}
	return o;
}

static void t_openssl(void)
{
	static uint8_t ch[16384], rf[32768];
	const struct {
		const char *sni;
		int ver;
		const char *want;
	} v[] = {
		{"www.example.com", TLS1_3_VERSION, "www.example.com"},
		{"Mixed.Case.ORG", TLS1_3_VERSION, "mixed.case.org"},
		{"a.b", TLS1_2_VERSION, "a.b"},
		{NULL, TLS1_3_VERSION, ""},
	};

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		size_t n = client_hello(v[i].sni, v[i].ver, ch, sizeof(ch)), m;

		CU_ASSERT_FATAL(n > 50);
		CU_ASSERT_EQUAL(ch[0], 22);
		CU_ASSERT_EQUAL(every_prefix(ch, n, RB_SNIFF_TLS, v[i].want), 0);
		for (size_t chunk = 1; chunk < 300; chunk += chunk < 8 ? 1 : 37) {
			m = reframe(ch, n, chunk, rf);
			if (chunk == 1 || chunk == 45)
				CU_ASSERT_EQUAL(every_prefix(rf, m, RB_SNIFF_TLS, v[i].want), 0);
			{
				struct rb_sniff_result r;

				CU_ASSERT_EQUAL(rb_sniff(rf, m, &r), 0);
				CU_ASSERT_STRING_EQUAL(r.domain, v[i].want);
			}
		}
		/* application data after the ClientHello changes nothing */
		memcpy(ch + n, "\x17\x03\x03\x00\x01X", 6);
		{
			struct rb_sniff_result r;

			CU_ASSERT_EQUAL(rb_sniff(ch, n + 6, &r), 0);
			CU_ASSERT_STRING_EQUAL(r.domain, v[i].want);
		}
	}
}

static size_t put16(uint8_t *p, unsigned v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
	return 2;
}

/* A ClientHello with GREASE cipher/extension, ECH, then SNI. */
static size_t handmade(uint8_t *b, const char *sni)
{
	uint8_t ext[512];
	size_t e = 0, o = 0, body, sl = strlen(sni);

	e += put16(ext + e, 0x2a2a); /* GREASE extension, empty */
	e += put16(ext + e, 0);
	e += put16(ext + e, 0xfe0d); /* ECH outer: 8 opaque bytes */
	e += put16(ext + e, 8);
	memset(ext + e, 0xee, 8);
	e += 8;
	e += put16(ext + e, 0);      /* server_name */
	e += put16(ext + e, (unsigned)(sl + 5));
	e += put16(ext + e, (unsigned)(sl + 3));
	ext[e++] = 0;
	e += put16(ext + e, (unsigned)sl);
	memcpy(ext + e, sni, sl);
	e += sl;
	b[o++] = 22;
	b[o++] = 3;
	b[o++] = 1;
	o += 2;                      /* record length later */
	b[o++] = 1;
	o += 3;                      /* handshake length later */
	body = o;
	o += put16(b + o, 0x0303);
	memset(b + o, 0x11, 32);
	o += 32;
	b[o++] = 0;                  /* session id */
	o += put16(b + o, 4);
	o += put16(b + o, 0x1a1a);   /* GREASE suite */
	o += put16(b + o, 0x1301);
	b[o++] = 1;
	b[o++] = 0;
	o += put16(b + o, (unsigned)e);
	memcpy(b + o, ext, e);
	o += e;
	put16(b + 3, (unsigned)(o - 5));
	b[6] = 0;
	put16(b + 7, (unsigned)(o - body));
	return o;
}

static void t_handmade(void)
{
	uint8_t b[1024];
	size_t n = handmade(b, "public.example.net");
	struct rb_sniff_result r;

	CU_ASSERT_EQUAL(every_prefix(b, n, RB_SNIFF_TLS, "public.example.net"), 0);
	/* a bad character in the name: TLS, but no domain */
	n = handmade(b, "bad name.com");
	CU_ASSERT_EQUAL(rb_sniff(b, n, &r), 0);
	CU_ASSERT_EQUAL(r.proto, RB_SNIFF_TLS);
	CU_ASSERT_STRING_EQUAL(r.domain, "");
	/* a ServerHello is not a ClientHello */
	n = handmade(b, "x.com");
	b[5] = 2;
	CU_ASSERT_EQUAL(rb_sniff(b, n, &r), -ENOENT);
	/* handshake length overruns its bound */
	n = handmade(b, "x.com");
	b[6] = 0xff;
	CU_ASSERT_EQUAL(rb_sniff(b, n, &r), -ENOENT);
}

static void t_http(void)
{
	const struct {
		const char *req;
		const char *want;
	} v[] = {
		{"GET / HTTP/1.1\r\nHost: www.Example.com\r\nAccept: */*\r\n\r\n", "www.example.com"},
		{"POST /x HTTP/1.0\r\nUser-Agent: t\r\nhost:  a.b:8080 \r\n\r\n", "a.b"},
		{"GET http://x/ HTTP/1.1\r\nHost: [2001:db8::1]:80\r\n\r\n", "2001:db8::1"},
		{"HEAD / HTTP/1.1\r\nX: y\r\n\r\n", ""},
		{"CONNECT a.com:443 HTTP/1.1\r\nHost: a.com:443\r\n\r\n", "a.com"},
	};
	struct rb_sniff_result r;

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		CU_ASSERT_EQUAL(every_prefix((const uint8_t *)v[i].req, strlen(v[i].req),
					     RB_SNIFF_HTTP, v[i].want), 0);
	CU_ASSERT_EQUAL(rb_sniff((const uint8_t *)"SSH-2.0-OpenSSH_9.2\r\n", 21, &r), -ENOENT);
	CU_ASSERT_EQUAL(rb_sniff((const uint8_t *)"GET", 3, &r), -EAGAIN);
	CU_ASSERT_EQUAL(rb_sniff((const uint8_t *)"GETX / HTTP/1.1\r\n", 17, &r), -ENOENT);
	CU_ASSERT_EQUAL(rb_sniff((const uint8_t *)"GET / FTP/1.0\r\n", 15, &r), -ENOENT);
	CU_ASSERT_EQUAL(rb_sniff((const uint8_t *)"\x16\x03\x01", 3, &r), -EAGAIN);
	CU_ASSERT_EQUAL(rb_sniff((const uint8_t *)"\x16\x02", 2, &r), -ENOENT);
	CU_ASSERT_EQUAL(rb_sniff((const uint8_t *)"", 0, &r), -EAGAIN);
	{
		/* headers beyond the bound without Host: http, no domain */
		static char big[10000];

		memset(big, 'a', sizeof(big));
		memcpy(big, "GET / HTTP/1.1\r\nX: ", 19);
		CU_ASSERT_NOT_EQUAL(rb_sniff((const uint8_t *)big, sizeof(big), &r), -EAGAIN);
	}
}

static void t_random(void)
{
	static uint8_t buf[4096];
	uint64_t s = 42;
	struct rb_sniff_result r;

	/* random garbage must never crash and must terminate (ASan build) */
	for (int i = 0; i < 200000; i++) {
		size_t n = (size_t)(s % sizeof(buf));

		for (size_t k = 0; k < n; k++) {
			s ^= s << 13;
			s ^= s >> 7;
			s ^= s << 17;
			buf[k] = (uint8_t)s;
		}
		if (n > 3 && (i & 1)) {
			buf[0] = 22;
			buf[1] = 3;
		}
		rb_sniff(buf, n, &r);
		s += 0x9e3779b97f4a7c15ULL;
	}
	CU_PASS("no crash");
}

/* A sniff rule's `sniffer` list (rb_sniff_only): only the named sniffers
 * run; a list without one ringbox has sniffs nothing. */
#define M(p) (1u << (p))
struct mask_case {
	const char *name;
	int input;              /* 0 TLS hello, 1 HTTP request, 2 TLS prefix, 3 HTTP prefix, 4 junk */
	unsigned mask;
	int rc;
	int proto;
	const char *domain;
};

static const struct mask_case mask_cases[] = {
	{ "tls, all", 0, 0, 0, RB_SNIFF_TLS, "a.example" },
	{ "tls, [tls]", 0, M(RB_SNIFF_TLS), 0, RB_SNIFF_TLS, "a.example" },
	{ "tls, [http]", 0, M(RB_SNIFF_HTTP), -ENOENT, RB_SNIFF_NONE, "" },
	{ "tls, [tls http]", 0, M(RB_SNIFF_TLS) | M(RB_SNIFF_HTTP), 0, RB_SNIFF_TLS, "a.example" },
	{ "tls, [quic]", 0, M(RB_SNIFF_QUIC), -ENOENT, RB_SNIFF_NONE, "" },
	{ "http, all", 1, 0, 0, RB_SNIFF_HTTP, "b.example" },
	{ "http, [http]", 1, M(RB_SNIFF_HTTP), 0, RB_SNIFF_HTTP, "b.example" },
	{ "http, [tls]", 1, M(RB_SNIFF_TLS), -ENOENT, RB_SNIFF_NONE, "" },
	{ "http, [dns quic]", 1, M(RB_SNIFF_DNS) | M(RB_SNIFF_QUIC), -ENOENT, RB_SNIFF_NONE, "" },
	{ "tls prefix, [tls]", 2, M(RB_SNIFF_TLS), -EAGAIN, RB_SNIFF_NONE, "" },
	{ "tls prefix, [http]", 2, M(RB_SNIFF_HTTP), -ENOENT, RB_SNIFF_NONE, "" },
	{ "tls prefix, all", 2, 0, -EAGAIN, RB_SNIFF_NONE, "" },
	{ "http prefix, [http]", 3, M(RB_SNIFF_HTTP), -EAGAIN, RB_SNIFF_NONE, "" },
	{ "http prefix, [tls]", 3, M(RB_SNIFF_TLS), -ENOENT, RB_SNIFF_NONE, "" },
	{ "junk, all", 4, 0, -ENOENT, RB_SNIFF_NONE, "" },
	{ "junk, [tls http]", 4, M(RB_SNIFF_TLS) | M(RB_SNIFF_HTTP), -ENOENT, RB_SNIFF_NONE, "" },
};

static void t_sniffer_mask(void)
{
	static const char http[] = "GET / HTTP/1.1\r\nHost: b.example\r\nAccept: */*\r\n\r\n";
	static const uint8_t junk[] = { 0x00, 0x01, 0x02, 0xff, 0x10, 0x20, 0x30, 0x40 };
	uint8_t hello[4096];
	size_t hl = client_hello("a.example", TLS1_3_VERSION, hello, sizeof(hello));
	const uint8_t *in[5] = { hello, (const uint8_t *)http, hello, (const uint8_t *)http, junk };
	size_t len[5] = { hl, sizeof(http) - 1, 20, 12, sizeof(junk) };

	CU_ASSERT_FATAL(hl > 100);
	for (size_t i = 0; i < sizeof(mask_cases) / sizeof(mask_cases[0]); i++) {
		const struct mask_case *c = &mask_cases[i];
		struct rb_sniff_result r;
		int rc = rb_sniff_only(in[c->input], len[c->input], c->mask, &r);

		if (rc != c->rc || (rc == 0 && (r.proto != c->proto || strcmp(r.domain, c->domain))))
			fprintf(stderr, "mask case '%s': rc %d (want %d), proto %d, domain '%s'\n",
				c->name, rc, c->rc, rc == 0 ? r.proto : -1, rc == 0 ? r.domain : "");
		CU_ASSERT_EQUAL(rc, c->rc);
		if (rc == 0 && c->rc == 0) {
			CU_ASSERT_EQUAL(r.proto, c->proto);
			CU_ASSERT_STRING_EQUAL(r.domain, c->domain);
		}
	}
	CU_ASSERT(rb_sniff_any(0));
	CU_ASSERT(rb_sniff_any(M(RB_SNIFF_HTTP)));
	CU_ASSERT(rb_sniff_any(M(RB_SNIFF_TLS) | M(RB_SNIFF_QUIC)));
	CU_ASSERT(!rb_sniff_any(M(RB_SNIFF_QUIC) | M(RB_SNIFF_DNS)));
}

int main(void)
{
	CU_pSuite s;
	unsigned fails;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 2;
	s = CU_add_suite("sniff", NULL, NULL);
	CU_add_test(s, "OpenSSL ClientHellos, every prefix, re-framed", t_openssl);
	CU_add_test(s, "GREASE, ECH, bad names", t_handmade);
	CU_add_test(s, "HTTP Host", t_http);
	CU_add_test(s, "random input", t_random);
	CU_add_test(s, "sniffer list (rb_sniff_only)", t_sniffer_mask);
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	fails = CU_get_number_of_failures();
	CU_cleanup_registry();
	return fails ? 1 : 0;
}
