/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Shadowsocks 2022 TCP headers (dataplane/ss/ss2022.c): methods and PSKs,
 * the BLAKE3 session subkey (material order PSK || salt), request and
 * response headers: round trip, timestamp window (+-30 s), padding rules,
 * type confusion, response bound to the request salt, short input, and
 * every single-byte flip.
 */
#include <CUnit/Basic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "crypto/rb_blake3.h"
#include "dataplane/ss/ss2022.h"
#include "tests/unit/aead_cunit.h"

static struct rb_aead_ctx *ctx;
static const char *names[] = {"2022-blake3-aes-128-gcm", "2022-blake3-aes-256-gcm",
			      "2022-blake3-chacha20-poly1305"};
#define NOW 1700000000ull

static void setup(const struct ss_method *m, uint8_t *psk, uint8_t *csalt, uint8_t *ssalt)
{
	for (int i = 0; i < 32; i++) {
		psk[i] = (uint8_t)(i * 5 + 1);
		csalt[i] = (uint8_t)(0xa0 + i);
		ssalt[i] = (uint8_t)(0x30 ^ i);
	}
	(void)m;
}

static void test_methods_psk(void)
{
	static const struct {
		const char *m, *b64;
		int rc;
	} t[] = {
	    {"2022-blake3-aes-128-gcm", "AAECAwQFBgcICQoLDA0ODw==", 0},
	    {"2022-blake3-aes-128-gcm", "AAECAwQFBgcICQoLDA0ODxA=", -1},
	    {"2022-blake3-aes-256-gcm", "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=", 0},
	    {"2022-blake3-aes-256-gcm", "AAECAwQFBgcICQoLDA0ODw==", -1},
	    {"2022-blake3-chacha20-poly1305", "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=", 0},
	    {"2022-blake3-chacha20-poly1305", "not base64!", -1},
	    {"2022-blake3-chacha20-poly1305", "", -1},
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		const struct ss_method *m = ss2022_method_find(t[i].m);
		uint8_t psk[32];

		CU_ASSERT_PTR_NOT_NULL_FATAL(m);
		CU_ASSERT_EQUAL(ss2022_psk_decode(m, t[i].b64, psk), t[i].rc);
		if (t[i].rc == 0)
			for (int k = 0; k < m->key_len; k++)
				CU_ASSERT_EQUAL(psk[k], k);
	}
	CU_ASSERT_PTR_NULL(ss2022_method_find("2022-blake3-chacha8-poly1305"));
	CU_ASSERT_PTR_NULL(ss2022_method_find("aes-128-gcm"));
}

static void test_subkey(void)
{
	for (int mi = 0; mi < 3; mi++) {
		const struct ss_method *m = ss2022_method_find(names[mi]);
		uint8_t psk[32], cs[32], ss[32], a[32], b[32], mat[64];

		setup(m, psk, cs, ss);
		ss2022_subkey(m, psk, cs, a);
		memcpy(mat, psk, m->key_len);
		memcpy(mat + m->key_len, cs, m->key_len);
		rb_blake3_derive_key("shadowsocks 2022 session subkey", 31, mat, 2u * m->key_len, b,
				     m->key_len);
		CU_ASSERT_EQUAL(memcmp(a, b, m->key_len), 0);
		/* salt || psk (the wrong order) gives another key */
		memcpy(mat, cs, m->key_len);
		memcpy(mat + m->key_len, psk, m->key_len);
		rb_blake3_derive_key("shadowsocks 2022 session subkey", 31, mat, 2u * m->key_len, b,
				     m->key_len);
		CU_ASSERT_NOT_EQUAL(memcmp(a, b, m->key_len), 0);
		ss2022_subkey(m, psk, ss, b);
		CU_ASSERT_NOT_EQUAL(memcmp(a, b, m->key_len), 0);
	}
}

static const uint8_t addr4[] = {1, 10, 0, 0, 2, 0x1f, 0x90}; /* 10.0.0.2:8080 */

static void test_request(void)
{
	static const struct {
		int64_t skew;
		size_t pad, len;
		int build_rc, parse_rc;
	} t[] = {
	    {0, 16, 100, 0, 0},
	    {0, 0, 5, 0, 0},
	    {0, 900, 0, 0, 0},
	    {29, 1, 0, 0, 0},
	    {-29, 1, 0, 0, 0},
	    {30, 1, 0, 0, 0},
	    {-30, 1, 0, 0, 0},
	    {31, 1, 0, 0, SS2022_ERR_TIME},
	    {-31, 1, 0, 0, SS2022_ERR_TIME},
	    {-100000, 1, 0, 0, SS2022_ERR_TIME},
	    {0, 0, 0, SS2022_ERR_PADDING, 0},
	    {0, 901, 10, SS2022_ERR_PADDING, 0},
	    {0, 0, 0xFFFF, SS2022_ERR_PADDING, 0}, /* variable header over 0xFFFF */
	};
	static uint8_t pad[1000], payload[0x10000], buf[0x10000 + 2000];

	for (size_t i = 0; i < sizeof(payload); i++)
		payload[i] = (uint8_t)(i * 7);
	for (int mi = 0; mi < 3; mi++) {
		const struct ss_method *m = ss2022_method_find(names[mi]);
		uint8_t psk[32], cs[32], ss[32];

		setup(m, psk, cs, ss);
		for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
			struct ss2022_dir c, s;
			struct ss2022_req r;
			long n;

			ss2022_dir_init(&c, m, psk, cs);
			n = ss2022_req_build(ctx, &c, cs, NOW + (uint64_t)t[i].skew, addr4,
					     sizeof(addr4), pad, t[i].pad, payload, t[i].len, buf);
			if (t[i].build_rc) {
				CU_ASSERT_EQUAL(n, t[i].build_rc);
				continue;
			}
			CU_ASSERT_EQUAL_FATAL(n, (long)(m->key_len + 27 + sizeof(addr4) + 2 +
							t[i].pad + t[i].len + 16));
			CU_ASSERT_EQUAL(memcmp(buf, cs, m->key_len), 0);
			ss2022_dir_init(&s, m, psk, buf);
			/* short by one byte: retry later, nothing consumed */
			CU_ASSERT_EQUAL(ss2022_req_parse(ctx, &s, buf + m->key_len,
							 (size_t)n - m->key_len - 1, NOW, &r),
					SS2022_ERR_SHORT);
			CU_ASSERT_EQUAL(ss2022_req_parse(ctx, &s, buf + m->key_len,
							 (size_t)n - m->key_len, NOW, &r),
					t[i].parse_rc);
			if (t[i].parse_rc)
				continue;
			CU_ASSERT_EQUAL(r.timestamp, NOW + (uint64_t)t[i].skew);
			CU_ASSERT_EQUAL(r.family, AF_INET);
			CU_ASSERT_STRING_EQUAL(r.host, "10.0.0.2");
			CU_ASSERT_EQUAL(r.port, 8080);
			CU_ASSERT_EQUAL(r.payload_len, t[i].len);
			CU_ASSERT_EQUAL(memcmp(r.payload, payload, t[i].len), 0);
			CU_ASSERT_EQUAL(r.used, (size_t)n - m->key_len);
		}
	}
}

/* Hand-sealed fixed headers: a response type in a request, zero length,
 * and padding over 900 / none without payload inside a valid seal. */
static void test_request_crafted(void)
{
	const struct ss_method *m = ss2022_method_find(names[0]);
	uint8_t psk[32], cs[32], ss[32], buf[2048], nonce[12];
	static const struct {
		uint8_t type;
		uint16_t vlen, pad;
		int rc;
	} t[] = {
	    {1, 10, 1, SS2022_ERR_TYPE},
	    {0, 0, 0, SS2022_ERR_ADDR},
	    {0, 9, 0, SS2022_ERR_PADDING}, /* address + zero padding, no payload */
	    {0, 9 + 901, 901, SS2022_ERR_PADDING},
	    {0, 9 + 5, 10, SS2022_ERR_PADDING}, /* padding past the header */
	    {0, 4, 0, SS2022_ERR_ADDR},		/* truncated address */
	    {0, 9 + 3, 3, 0},
	};

	setup(m, psk, cs, ss);
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct ss2022_dir c, s;
		struct ss2022_req r;
		uint8_t *f = buf, *v = buf + 27;
		uint64_t ts = NOW;

		ss2022_dir_init(&c, m, psk, cs);
		memset(buf, 0, sizeof(buf));
		f[0] = t[i].type;
		for (int k = 8; k >= 1; k--, ts >>= 8)
			f[k] = (uint8_t)ts;
		f[9] = (uint8_t)(t[i].vlen >> 8);
		f[10] = (uint8_t)t[i].vlen;
		memcpy(v, addr4, t[i].vlen < sizeof(addr4) ? t[i].vlen : sizeof(addr4));
		if (t[i].vlen >= 9) {
			v[7] = (uint8_t)(t[i].pad >> 8);
			v[8] = (uint8_t)t[i].pad;
		}
		memset(nonce, 0, 12);
		rb_aead_seal(ctx, &c.key, nonce, NULL, 0, f, f, 11, f + 11);
		nonce[0] = 1;
		rb_aead_seal(ctx, &c.key, nonce, NULL, 0, v, v, t[i].vlen, v + t[i].vlen);
		ss2022_dir_init(&s, m, psk, cs);
		CU_ASSERT_EQUAL(ss2022_req_parse(ctx, &s, buf, 27u + t[i].vlen + 16u, NOW, &r),
				t[i].rc);
	}
}

static void test_response(void)
{
	for (int mi = 0; mi < 3; mi++) {
		const struct ss_method *m = ss2022_method_find(names[mi]);
		uint8_t psk[32], cs[32], ss[32], other[32], buf[4096], bad[4096], pl[300];
		struct ss2022_dir sv, cl;
		const uint8_t *p;
		size_t plen, used;
		long n;

		setup(m, psk, cs, ss);
		memcpy(other, cs, 32);
		other[m->key_len - 1] ^= 1;
		for (int i = 0; i < 300; i++)
			pl[i] = (uint8_t)i;
		ss2022_dir_init(&sv, m, psk, ss);
		n = ss2022_resp_build(ctx, &sv, ss, NOW, cs, pl, 300, buf);
		CU_ASSERT_EQUAL_FATAL(n,
				      (long)(m->key_len + 1 + 8 + m->key_len + 2 + 16 + 300 + 16));
		memcpy(bad, buf, (size_t)n);
		ss2022_dir_init(&cl, m, psk, buf);
		CU_ASSERT_EQUAL(ss2022_resp_parse(ctx, &cl, buf + m->key_len,
						  (size_t)n - m->key_len - 1, NOW, cs, &p, &plen,
						  &used),
				SS2022_ERR_SHORT);
		CU_ASSERT_EQUAL(ss2022_resp_parse(ctx, &cl, buf + m->key_len,
						  (size_t)n - m->key_len, NOW + 30, cs, &p, &plen,
						  &used),
				0);
		CU_ASSERT_EQUAL(plen, 300u);
		CU_ASSERT_EQUAL(memcmp(p, pl, 300), 0);
		CU_ASSERT_EQUAL(used, (size_t)n - m->key_len);
		/* bound to another request's salt */
		memcpy(buf, bad, (size_t)n);
		ss2022_dir_init(&cl, m, psk, buf);
		CU_ASSERT_EQUAL(ss2022_resp_parse(ctx, &cl, buf + m->key_len,
						  (size_t)n - m->key_len, NOW, other, &p, &plen,
						  &used),
				SS2022_ERR_SALT);
		/* too old */
		memcpy(buf, bad, (size_t)n);
		ss2022_dir_init(&cl, m, psk, buf);
		CU_ASSERT_EQUAL(ss2022_resp_parse(ctx, &cl, buf + m->key_len,
						  (size_t)n - m->key_len, NOW + 31, cs, &p, &plen,
						  &used),
				SS2022_ERR_TIME);
		/* every flip after the salt is an auth failure; in the salt too */
		for (long i = 0; i < n; i++) {
			memcpy(buf, bad, (size_t)n);
			buf[i] ^= 0x40;
			ss2022_dir_init(&cl, m, psk, buf);
			CU_ASSERT_EQUAL(ss2022_resp_parse(ctx, &cl, buf + m->key_len,
							  (size_t)n - m->key_len, NOW, cs, &p,
							  &plen, &used),
					SS_ERR_AUTH);
		}
	}
}

static void test_request_flips(void)
{
	const struct ss_method *m = ss2022_method_find(names[2]);
	uint8_t psk[32], cs[32], ss[32], buf[512], good[512], pad[4] = {0};
	struct ss2022_dir c, s;
	struct ss2022_req r;
	long n;

	setup(m, psk, cs, ss);
	ss2022_dir_init(&c, m, psk, cs);
	n = ss2022_req_build(ctx, &c, cs, NOW, addr4, sizeof(addr4), pad, 4, addr4, 3, good);
	CU_ASSERT_FATAL(n > 0);
	for (long i = 0; i < n; i++) {
		memcpy(buf, good, (size_t)n);
		buf[i] ^= 0x01;
		ss2022_dir_init(&s, m, psk, buf);
		CU_ASSERT_EQUAL(
		    ss2022_req_parse(ctx, &s, buf + m->key_len, (size_t)n - m->key_len, NOW, &r),
		    SS_ERR_AUTH);
	}
}

static CU_TestInfo tests[] = {
	{ "methods and PSKs", test_methods_psk },
	{ "session subkey", test_subkey },
	{ "request round trip, time, padding", test_request },
	{ "request crafted", test_request_crafted },
	{ "request flips", test_request_flips },
	{ "response", test_response },
	CU_TEST_INFO_NULL,
};

int main(void)
{
	return aead_cunit_main("ss2022", tests, &ctx);
}
