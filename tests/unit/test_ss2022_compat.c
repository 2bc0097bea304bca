/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * SIP022 behind the SIP004 calls (dataplane/ss/ss2022_compat.c): client and
 * server driven only through ss_enc / ss_dec / ss_enc_size /
 * ss_cipher_wipe, as the inbound/outbound do: address-first plaintext both
 * ways, round trips for the three methods with and without identity
 * headers, the first-call output bound against SIP004's worst case, the
 * injected clock (skew), the per-worker salt cache (replay), and the
 * layers freed by ss_cipher_wipe (ASan build: no leak).
 */
#include <CUnit/Basic.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dataplane/ss/ss2022_compat.h"
#include "tests/unit/aead_cunit.h"

static struct rb_aead_ctx *ctx;
static const char *names[] = {"2022-blake3-aes-128-gcm", "2022-blake3-aes-256-gcm",
			      "2022-blake3-chacha20-poly1305"};
static struct ss_cipher cenc, cdec, senc, sdec;
static uint8_t pt[300000], ct[400000], out[400000];
static uint64_t fake_now = 1700000000;

static uint64_t fake_clock(void) { return fake_now; }

static void fill(uint8_t *p, size_t n, uint32_t seed)
{
	for (size_t i = 0; i < n; i++) {
		seed = seed * 1664525u + 1013904223u;
		p[i] = (uint8_t)(seed >> 24);
	}
}

/* ss_dec in pieces of `piece` bytes; returns the bytes produced, rc. */
static size_t dec_all(struct ss_cipher *d, const uint8_t *c, size_t n, size_t piece, int *rc)
{
	size_t off = 0, got = 0;

	*rc = SS_OK;
	while (off < n) {
		size_t k = n - off < piece ? n - off : piece, used, prod;

		*rc = ss_dec(ctx, d, c + off, k, &used, out + got, sizeof(out) - got, &prod);
		if (*rc != SS_OK || (used == 0 && prod == 0))
			break;
		got += prod;
		off += used;
	}
	return got;
}

static void test_is_2022(void)
{
	CU_ASSERT(ss22c_is_2022(ss2022_method_find(names[0])));
	CU_ASSERT(ss22c_is_2022(ss2022_method_find(names[2])));
	CU_ASSERT(!ss22c_is_2022(ss_method_find("aes-128-gcm")));
	CU_ASSERT(!ss22c_is_2022(NULL));
}

static void roundtrip(const struct ss_method *m, unsigned npsk, size_t early, size_t piece)
{
	static const uint8_t addr[] = {3, 11, 'e', 'x', 'a', 'm', 'p', 'l', 'e', '.', 'n', 'e', 't',
				       0x01, 0xbb};
	uint8_t psks[128], csalt[32], ssalt[32];
	struct ss22_keys k;
	struct ss_eih_users users;
	size_t clen = 0, got, total;
	long n;
	int rc;

	fill(psks, sizeof(psks), 17);
	fill(csalt, 32, (uint32_t)early);
	fill(ssalt, 32, (uint32_t)early + 1);
	CU_ASSERT_FATAL(ss22_keys_init(&k, m, psks, npsk) == 0);
	if (npsk > 1) {
		CU_ASSERT_FATAL(ss_eih_users_init(&users, m, psks) == 0);
		CU_ASSERT_FATAL(ss_eih_users_add(&users, psks + m->key_len, 77) == 0);
	}
	CU_ASSERT_FATAL(ss22c_client(&cenc, &cdec, &k, csalt, 9, NULL) == 0);
	CU_ASSERT_FATAL(ss22c_server_dec(&sdec, m, psks, npsk > 1 ? &users : NULL, NULL) == 0);
	/* the outbound's first write: address + early data, then more */
	memcpy(pt, addr, sizeof(addr));
	fill(pt + sizeof(addr), early + 70000, 5);
	total = sizeof(addr) + early + 70000;
	CU_ASSERT(ss_enc_size(&cenc, sizeof(addr) + early) >= sizeof(addr) + early);
	n = ss_enc(ctx, &cenc, pt, sizeof(addr) + early, ct);
	CU_ASSERT_FATAL(n > 0);
	clen = (size_t)n;
	CU_ASSERT_EQUAL(ss_enc_size(&cenc, 70000), 70000 + 2u * SS_CHUNK_OVERHEAD);
	n = ss_enc(ctx, &cenc, pt + sizeof(addr) + early, 70000, ct + clen);
	CU_ASSERT_EQUAL_FATAL(n, (long)(70000 + 2 * SS_CHUNK_OVERHEAD));
	clen += (size_t)n;
	got = dec_all(&sdec, ct, clen, piece, &rc);
	CU_ASSERT_EQUAL(rc, SS_OK);
	CU_ASSERT_EQUAL(got, total); /* address first, as SIP004 */
	CU_ASSERT_EQUAL(memcmp(out, pt, total), 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(ss22c_dec_state(&sdec));
	CU_ASSERT_EQUAL(ss22c_dec_state(&sdec)->target.port, 443);
	CU_ASSERT_STRING_EQUAL(ss22c_dec_state(&sdec)->target.host, "example.net");
	if (npsk > 1) {
		CU_ASSERT_EQUAL(ss22c_dec_state(&sdec)->user, 77u);
	}
	/* the response */
	CU_ASSERT_FATAL(ss22c_server_enc(&senc, &sdec, ssalt) == 0);
	fill(pt, 200000, 8);
	CU_ASSERT_EQUAL(ss_enc(ctx, &senc, pt, 0, ct), 0);
	n = ss_enc(ctx, &senc, pt, 200000, ct);
	CU_ASSERT_FATAL(n > 0);
	got = dec_all(&cdec, ct, (size_t)n, piece, &rc);
	CU_ASSERT_EQUAL(rc, SS_OK);
	CU_ASSERT_EQUAL(got, 200000u);
	CU_ASSERT_EQUAL(memcmp(out, pt, 200000), 0);
	/* encoders do not decode and the other way round */
	CU_ASSERT(ss_enc(ctx, &sdec, pt, 10, ct) < 0);
	ss_cipher_wipe(&cenc);
	ss_cipher_wipe(&cdec);
	ss_cipher_wipe(&senc);
	ss_cipher_wipe(&sdec);
	CU_ASSERT_PTR_NULL(cenc.layer);
	ss22_keys_free(&k);
	if (npsk > 1)
		ss_eih_users_free(&users);
}

static void test_roundtrip(void)
{
	static const struct {
		int m;
		unsigned npsk;
		size_t early, piece;
	} t[] = {
	    {0, 1, 0, 1 << 20}, {0, 1, 100, 7},	  {1, 1, 5000, 1000}, {2, 1, 65000, 65536},
	    {2, 1, 1, 3},	{0, 2, 0, 1 << 20}, {1, 2, 300, 1400},  {1, 2, 70000, 100000},
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		roundtrip(ss2022_method_find(names[t[i].m]), t[i].npsk, t[i].early, t[i].piece);
}

/* A first call of 8 SIP004 chunks' worth, with the most identity headers
 * and padding, stays inside SIP004's worst case for the same bytes. */
static void test_output_bound(void)
{
	for (int mi = 0; mi < 2; mi++) {
		const struct ss_method *m = ss2022_method_find(names[mi]);
		uint8_t psks[128], salt[32] = {1};
		struct ss22_keys k;
		size_t len = 8 * 0x3FFF, sip004 = len + 8 * SS_CHUNK_OVERHEAD + SS_MAX_SALT;
		long n;

		fill(psks, sizeof(psks), 3);
		CU_ASSERT_FATAL(ss22_keys_init(&k, m, psks, SS_EIH_MAX_PSKS) == 0);
		CU_ASSERT_FATAL(ss22c_client(&cenc, &cdec, &k, salt, SS22C_MAX_PAD, NULL) == 0);
		CU_ASSERT_NOT_EQUAL(ss22c_client(&senc, &sdec, &k, salt, SS22C_MAX_PAD + 1, NULL), 0);
		pt[0] = 1; /* IPv4 address first */
		CU_ASSERT(ss_enc_size(&cenc, len) <= sip004);
		n = ss_enc(ctx, &cenc, pt, len, ct);
		CU_ASSERT(n > 0 && (size_t)n <= sip004);
		/* not an address: refused */
		ss_cipher_wipe(&cenc);
		ss_cipher_wipe(&cdec);
		CU_ASSERT_FATAL(ss22c_client(&cenc, &cdec, &k, salt, 1, NULL) == 0);
		pt[0] = 9;
		CU_ASSERT_EQUAL(ss_enc(ctx, &cenc, pt, 100, ct), SS2022_ERR_ADDR);
		ss_cipher_wipe(&cenc);
		ss_cipher_wipe(&cdec);
		ss22_keys_free(&k);
	}
}

/* Clock and salts: the injected clock decides the timestamp window, the
 * worker's salt cache catches a replayed request. */
static void test_clock_and_salts(void)
{
	const struct ss_method *m = ss2022_method_find(names[0]);
	static const uint8_t addr[] = {1, 127, 0, 0, 1, 0, 80};
	uint8_t psk[16], salt[32];
	struct ss22_keys k;
	struct ss_salt_cache *sc = ss22c_worker_salts(3, 16);
	size_t got;
	long n;
	int rc;

	CU_ASSERT_PTR_NOT_NULL_FATAL(sc);
	CU_ASSERT_PTR_EQUAL(ss22c_worker_salts(3, 16), sc);
	CU_ASSERT_PTR_NOT_EQUAL(ss22c_worker_salts(4, 16), sc);
	CU_ASSERT_PTR_NULL(ss22c_worker_salts(3, 24));
	CU_ASSERT_PTR_NULL(ss22c_worker_salts(SS22C_MAX_WORKERS, 16));
	fill(psk, 16, 1);
	fill(salt, 32, 2);
	CU_ASSERT_FATAL(ss22_keys_init(&k, m, psk, 1) == 0);
	ss22c_set_clock(fake_clock);
	CU_ASSERT_FATAL(ss22c_client(&cenc, &cdec, &k, salt, 5, NULL) == 0);
	n = ss_enc(ctx, &cenc, addr, sizeof(addr), ct);
	CU_ASSERT_FATAL(n > 0);
	/* the server's clock 31 s later: too old */
	fake_now += 31;
	CU_ASSERT_FATAL(ss22c_server_dec(&sdec, m, psk, NULL, sc) == 0);
	dec_all(&sdec, ct, (size_t)n, 1 << 20, &rc);
	CU_ASSERT_EQUAL(rc, SS2022_ERR_TIME);
	ss_cipher_wipe(&sdec);
	/* 30 s: fine, then the same bytes again: a replay */
	fake_now -= 1;
	CU_ASSERT_FATAL(ss22c_server_dec(&sdec, m, psk, NULL, sc) == 0);
	got = dec_all(&sdec, ct, (size_t)n, 1 << 20, &rc);
	CU_ASSERT_EQUAL(rc, SS_OK);
	CU_ASSERT_EQUAL(got, sizeof(addr));
	ss_cipher_wipe(&sdec);
	CU_ASSERT_FATAL(ss22c_server_dec(&sdec, m, psk, NULL, sc) == 0);
	dec_all(&sdec, ct, (size_t)n, 1 << 20, &rc);
	CU_ASSERT_EQUAL(rc, SS2022_ERR_REPLAY);
	ss_cipher_wipe(&sdec);
	ss_cipher_wipe(&cenc);
	ss_cipher_wipe(&cdec);
	ss22c_set_clock(NULL);
	ss22c_worker_fini(3);
	ss22c_worker_fini(4);
	ss22_keys_free(&k);
}

/* Users tables built from config-like records (base64 uPSKs, a stride). */
static void test_worker_users(void)
{
	static const struct rec {
		char name[8];
		char pw[48];
	} users[3] = {
	    {"a", "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="},
	    {"b", "AQECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="},
	    {"c", "AgECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="},
	}, dup[2] = {{"a", "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="},
		     {"b", "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="}},
	  bad[1] = {{"a", "short"}};
	const struct ss_method *m = ss2022_method_find(names[1]);
	static const uint8_t addr[] = {1, 10, 0, 0, 9, 0, 80};
	uint8_t ipsk[32], psks[64], salt[32] = {5};
	struct ss_eih_users *t, *t2;
	struct ss22_keys k;
	size_t got;
	long n;
	int rc, gen1, gen2;

	fill(ipsk, 32, 99);
	t = ss22c_worker_users(1, 0, &gen1, m, ipsk, users[0].pw, sizeof(users[0]), 3);
	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	CU_ASSERT_EQUAL(t->n, 3u);
	CU_ASSERT_PTR_EQUAL(ss22c_worker_users(1, 0, &gen1, m, ipsk, users[0].pw, sizeof(users[0]), 3), t);
	CU_ASSERT_PTR_NULL(ss22c_worker_users(1, 1, &gen1, m, ipsk, dup[0].pw, sizeof(dup[0]), 2));
	CU_ASSERT_PTR_NULL(ss22c_worker_users(1, 2, &gen1, m, ipsk, bad[0].pw, sizeof(bad[0]), 1));
	CU_ASSERT_PTR_NULL(ss22c_worker_users(SS22C_MAX_WORKERS, 0, &gen1, m, ipsk, users[0].pw,
					      sizeof(users[0]), 3));
	/* user "c" (index 2) through ss_enc / ss_dec */
	memcpy(psks, ipsk, 32);
	CU_ASSERT_EQUAL(EVP_DecodeBlock(out, (const unsigned char *)users[2].pw, 44), 33);
	memcpy(psks + 32, out, 32);
	CU_ASSERT_FATAL(ss22_keys_init(&k, m, psks, 2) == 0);
	CU_ASSERT_FATAL(ss22c_client(&cenc, &cdec, &k, salt, 3, NULL) == 0);
	CU_ASSERT_FATAL(ss22c_server_dec(&sdec, m, NULL, t, NULL) == 0);
	n = ss_enc(ctx, &cenc, addr, sizeof(addr), ct);
	CU_ASSERT_FATAL(n > 0);
	got = dec_all(&sdec, ct, (size_t)n, 1 << 20, &rc);
	CU_ASSERT_EQUAL(rc, SS_OK);
	CU_ASSERT_EQUAL(got, sizeof(addr));
	CU_ASSERT_EQUAL(ss22c_dec_state(&sdec)->user, 2u);
	ss_cipher_wipe(&cenc);
	ss_cipher_wipe(&cdec);
	ss_cipher_wipe(&sdec);
	ss22_keys_free(&k);
	/* another config: rebuilt (2 users now) */
	t2 = ss22c_worker_users(1, 0, &gen2, m, ipsk, users[0].pw, sizeof(users[0]), 2);
	CU_ASSERT_PTR_NOT_NULL_FATAL(t2);
	CU_ASSERT_EQUAL(t2->n, 2u);
	ss22c_worker_fini(1);
}

static CU_TestInfo tests[] = {
	{ "2022 methods", test_is_2022 },
	{ "round trips through ss_enc/ss_dec", test_roundtrip },
	{ "first-call output bound", test_output_bound },
	{ "clock and salt cache", test_clock_and_salts },
	{ "worker users tables", test_worker_users },
	CU_TEST_INFO_NULL,
};

int main(void)
{
	return aead_cunit_main("ss2022_compat", tests, &ctx);
}
