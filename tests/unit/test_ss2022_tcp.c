/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Shadowsocks 2022 TCP stream codec (dataplane/ss/ss2022_tcp.c) and
 * identity headers (ss_eih.c), for the three methods:
 *  - published values: the session subkey and an identity-subkey
 *    derive_key from urban-spork's AEAD2022TestCase (BouncyCastle BLAKE3,
 *    github.com/Zmax0/urban-spork, urban-spork-test/.../aead/AEAD2022TestCase.java);
 *  - the request stream opened independently with OpenSSL EVP (AES-GCM /
 *    ChaCha20-Poly1305) under the BLAKE3 subkey: header layout, nonces
 *    0, 1, then 2.. for chunks, 0xFFFF chunks;
 *  - request and response round trips split at every byte boundary, sizes
 *    around the 0xFFFF limit, coalesced calls;
 *  - every single-byte flip fails, timestamp skew +-30 accepted / +-31
 *    rejected, the 60 s salt cache through the decoder, padding rules;
 *  - SIP023: right user identified, unknown user / wrong iPSK refused, the
 *    identity header checked with OpenSSL AES-ECB, a two-level relay chain.
 */
#include <CUnit/Basic.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "crypto/rb_blake3.h"
#include "dataplane/ss/ss2022_tcp.h"
#include "tests/unit/aead_cunit.h"

static struct rb_aead_ctx *ctx;
static const char *names[] = {"2022-blake3-aes-128-gcm", "2022-blake3-aes-256-gcm",
			      "2022-blake3-chacha20-poly1305"};
#define NOW 1700000000ull
#define BIG (3 * 65536 + 100)

static uint8_t addr4[] = {1, 10, 0, 0, 2, 0x1f, 0x90}; /* 10.0.0.2:8080 */
static struct ss22_enc E;
static struct ss22_dec D;
static uint8_t pay[BIG], ct[BIG + 4096], pt[BIG + 65536];

static void fill(uint8_t *p, size_t n, uint32_t seed)
{
	for (size_t i = 0; i < n; i++) {
		seed = seed * 1664525u + 1013904223u;
		p[i] = (uint8_t)(seed >> 24);
	}
}

static void keys_of(const struct ss_method *m, uint8_t *psk, uint8_t *csalt, uint8_t *ssalt)
{
	for (int i = 0; i < 32; i++) {
		psk[i] = (uint8_t)(i * 7 + 3);
		csalt[i] = (uint8_t)(0xc0 + i);
		ssalt[i] = (uint8_t)(0x11 * i);
	}
	(void)m;
}

static int b64(const char *s, uint8_t *out)
{
	return EVP_DecodeBlock(out, (const unsigned char *)s, (int)strlen(s));
}

/* ------------------------------------------------- published values */

static void test_vectors(void)
{
	uint8_t key[48], salt[48], want[48], mat[64], got[32];

	/* session subkey (key || salt, 32 + 32) */
	CU_ASSERT_EQUAL(b64("Lc3tTx0BY6ZJ/fCwOx3JvF0I/anhwJBO5p2+FA5Vce4=", key), 33);
	CU_ASSERT_EQUAL(b64("3oFO0VyLyGI4nFN0M9P+62vPND/L6v8IingaPJWTbJA=", salt), 33);
	CU_ASSERT_EQUAL(b64("EdNE+4U8dVnHT0+poAFDK2bdlwfrHT61sUNr9WYPh+E=", want), 33);
	ss2022_subkey(ss2022_method_find("2022-blake3-aes-256-gcm"), key, salt, got);
	CU_ASSERT_EQUAL(memcmp(got, want, 32), 0);
	/* derive_key with the identity-subkey context */
	CU_ASSERT_EQUAL(b64("nb91ZIjdNzFcPmGRS3Lg7m+muVqat549+RSDluyVN4c=", want), 33);
	memcpy(mat, "Personal search-enabled assistant for programmers", 49);
	rb_blake3_derive_key(SS_EIH_SUBKEY_CTX, sizeof(SS_EIH_SUBKEY_CTX) - 1, mat, 49, got, 32);
	CU_ASSERT_EQUAL(memcmp(got, want, 32), 0);
}

/* ---------------------------------------------------------- helpers */

/* Decode ct[0..n) in pieces: piece(i) gives the size of the i-th piece. */
static int dec_pieces(struct ss22_dec *d, uint64_t now, const uint8_t *c, size_t n,
		      size_t (*piece)(size_t i, size_t arg), size_t arg, size_t *outlen)
{
	size_t off = 0, i = 0;

	*outlen = 0;
	while (off < n) {
		size_t k = piece(i++, arg), used, prod, want;
		int rc;

		if (k > n - off)
			k = n - off;
		want = k;
		while (k) {
			rc = ss22_dec(ctx, d, now, c + off, k, &used, pt + *outlen, 65535, &prod);
			if (rc != SS_OK)
				return rc;
			*outlen += prod;
			off += used;
			k -= used;
			if (used == 0 && prod == 0)
				return -100; /* no progress */
		}
		(void)want;
	}
	return SS_OK;
}

static size_t piece_all(size_t i, size_t arg)
{
	(void)i;
	(void)arg;
	return (size_t)-1;
}

static size_t piece_split(size_t i, size_t arg) { return i == 0 ? arg : (size_t)-1; }

static size_t piece_fixed(size_t i, size_t arg)
{
	(void)i;
	return arg;
}

static long enc_req(const struct ss_method *m, const uint8_t *psk, const uint8_t *salt,
		    uint16_t pad, uint64_t now, size_t len, struct ss22_keys *k)
{
	size_t want;
	long n;

	CU_ASSERT_FATAL(ss22_keys_init(k, m, psk, 1) == 0);
	CU_ASSERT_FATAL(ss22_enc_client_init(&E, k, salt, addr4, sizeof(addr4), pad) == 0);
	want = ss22_enc_size(&E, len);
	n = ss22_enc(ctx, &E, now, pay, len, ct);
	CU_ASSERT_EQUAL(n, (long)want);
	return n;
}

/* -------------------------------------------- independent EVP check */

static int evp_open(const struct ss_method *m, const uint8_t *key, uint64_t ctr,
		    const uint8_t *c, size_t len, uint8_t *out)
{
	const EVP_CIPHER *ci = m->alg == RB_AEAD_AES_128_GCM	 ? EVP_aes_128_gcm()
			       : m->alg == RB_AEAD_AES_256_GCM ? EVP_aes_256_gcm()
							       : EVP_chacha20_poly1305();
	EVP_CIPHER_CTX *x = EVP_CIPHER_CTX_new();
	uint8_t nonce[12] = {0};
	int ok, l = 0;

	for (int i = 0; i < 8; i++)
		nonce[i] = (uint8_t)(ctr >> (8 * i));
	ok = EVP_DecryptInit_ex(x, ci, NULL, key, nonce) == 1 &&
	     EVP_DecryptUpdate(x, out, &l, c, (int)len) == 1 &&
	     EVP_CIPHER_CTX_ctrl(x, EVP_CTRL_AEAD_SET_TAG, 16, (void *)(c + len)) == 1 &&
	     EVP_DecryptFinal_ex(x, out + l, &l) == 1;
	EVP_CIPHER_CTX_free(x);
	return ok ? 0 : -1;
}

static void test_evp_layout(void)
{
	for (int mi = 0; mi < 3; mi++) {
		const struct ss_method *m = ss2022_method_find(names[mi]);
		uint8_t psk[32], cs[32], ss[32], sub[32], mat[64], buf[65536];
		const size_t len = 70000; /* header payload + one 0xFFFF chunk + rest */
		struct ss22_keys k;
		size_t kl = m->key_len, off, vlen, first;
		long n;

		keys_of(m, psk, cs, ss);
		fill(pay, len, 5);
		n = enc_req(m, psk, cs, 7, NOW, len, &k);
		CU_ASSERT_FATAL(n > 0);
		/* the subkey computed here: BLAKE3 derive_key(ctx, psk || salt) */
		memcpy(mat, psk, kl);
		memcpy(mat + kl, cs, kl);
		rb_blake3_derive_key("shadowsocks 2022 session subkey", 31, mat, 2 * kl, sub, kl);
		CU_ASSERT_EQUAL(memcmp(ct, cs, kl), 0);
		off = kl;
		CU_ASSERT_FATAL(evp_open(m, sub, 0, ct + off, 11, buf) == 0);
		CU_ASSERT_EQUAL(buf[0], 0);
		for (int i = 0; i < 8; i++)
			CU_ASSERT_EQUAL(buf[1 + i], (uint8_t)(NOW >> (8 * (7 - i))));
		vlen = (size_t)buf[9] << 8 | buf[10];
		first = 65535 - sizeof(addr4) - 2 - 7;
		CU_ASSERT_EQUAL(vlen, 65535u); /* the header chunk is filled to 0xFFFF */
		off += 11 + 16;
		CU_ASSERT_FATAL(evp_open(m, sub, 1, ct + off, vlen, buf) == 0);
		CU_ASSERT_EQUAL(memcmp(buf, addr4, sizeof(addr4)), 0);
		CU_ASSERT_EQUAL(buf[sizeof(addr4)], 0);
		CU_ASSERT_EQUAL(buf[sizeof(addr4) + 1], 7);
		CU_ASSERT_EQUAL(memcmp(buf + sizeof(addr4) + 2 + 7, pay, first), 0);
		off += vlen + 16;
		/* then SIP004 framing, nonces 2 (length) and 3 (payload) */
		CU_ASSERT_FATAL(evp_open(m, sub, 2, ct + off, 2, buf) == 0);
		CU_ASSERT_EQUAL((size_t)buf[0] << 8 | buf[1], len - first);
		off += 2 + 16;
		CU_ASSERT_FATAL(evp_open(m, sub, 3, ct + off, len - first, buf) == 0);
		CU_ASSERT_EQUAL(memcmp(buf, pay + first, len - first), 0);
		off += len - first + 16;
		CU_ASSERT_EQUAL(off, (size_t)n);
		/* a later call: one 0xFFFF chunk + 1 byte, nonces 4..7 */
		n = ss22_enc(ctx, &E, NOW, pay, 65536, ct);
		CU_ASSERT_EQUAL(n, (long)(2 * (2 + 16 + 16) + 65536));
		CU_ASSERT_FATAL(evp_open(m, sub, 4, ct, 2, buf) == 0);
		CU_ASSERT_EQUAL(buf[0] << 8 | buf[1], 0xFFFF);
		CU_ASSERT_FATAL(evp_open(m, sub, 5, ct + 18, 0xFFFF, buf) == 0);
		CU_ASSERT_FATAL(evp_open(m, sub, 6, ct + 18 + 0xFFFF + 16, 2, buf) == 0);
		CU_ASSERT_EQUAL(buf[0] << 8 | buf[1], 1);
		ss22_keys_free(&k);
	}
}

/* ----------------------------------------------------- round trips */

static void check_request(const struct ss_method *m, const uint8_t *psk, const uint8_t *cs,
			  size_t len, uint16_t pad)
{
	struct ss22_keys k;
	long n = enc_req(m, psk, cs, pad, NOW, len, &k);
	size_t got, nsplit;

	CU_ASSERT_FATAL(n > 0);
	CU_ASSERT_EQUAL((size_t)n, (size_t)m->key_len + 27 + sizeof(addr4) + 2 + pad +
				       (len < 65535 - sizeof(addr4) - 2 - pad
					    ? len
					    : 65535 - sizeof(addr4) - 2 - pad) +
				       16 + (len > 65535 - sizeof(addr4) - 2 - pad
						 ? ((len - (65535 - sizeof(addr4) - 2 - pad)) +
						    65534) / 65535 * 34 +
						       (len - (65535 - sizeof(addr4) - 2 - pad))
						 : 0));
	/* every split point for small streams, a sample for big ones */
	nsplit = (size_t)n < 3000 ? (size_t)n : 64;
	for (size_t s = 0; s <= nsplit; s++) {
		size_t at = (size_t)n < 3000 ? s : (size_t)n * s / nsplit;

		CU_ASSERT_FATAL(ss22_dec_server_init(&D, m, psk, NULL, NULL) == 0);
		CU_ASSERT_EQUAL_FATAL(dec_pieces(&D, NOW, ct, (size_t)n, piece_split, at, &got),
				      SS_OK);
		CU_ASSERT_EQUAL_FATAL(D.hdr_done, 1);
		CU_ASSERT_EQUAL(got, len);
		CU_ASSERT_EQUAL(memcmp(pt, pay, len), 0);
		CU_ASSERT_EQUAL(D.target.family, AF_INET);
		CU_ASSERT_STRING_EQUAL(D.target.host, "10.0.0.2");
		CU_ASSERT_EQUAL(D.target.port, 8080);
		CU_ASSERT_EQUAL(D.timestamp, NOW);
		CU_ASSERT_EQUAL(memcmp(D.salt, cs, m->key_len), 0);
	}
	/* byte by byte, and 1000-byte pieces */
	if ((size_t)n < 3000) {
		CU_ASSERT_FATAL(ss22_dec_server_init(&D, m, psk, NULL, NULL) == 0);
		CU_ASSERT_EQUAL(dec_pieces(&D, NOW, ct, (size_t)n, piece_fixed, 1, &got), SS_OK);
		CU_ASSERT_EQUAL(got, len);
	}
	CU_ASSERT_FATAL(ss22_dec_server_init(&D, m, psk, NULL, NULL) == 0);
	CU_ASSERT_EQUAL(dec_pieces(&D, NOW, ct, (size_t)n, piece_fixed, 1000, &got), SS_OK);
	CU_ASSERT_EQUAL(got, len);
	CU_ASSERT_EQUAL(memcmp(pt, pay, len), 0);
	ss22_keys_free(&k);
}

static void test_request_roundtrip(void)
{
	static const struct {
		size_t len;
		uint16_t pad;
	} t[] = {
	    {0, 1},	    {0, 900},	   {1, 0},	   {1, 17},	   {300, 0},
	    {1000, 33},	    {65535 - 7 - 2 - 5, 5}, /* header chunk exactly full */
	    {65535 - 7 - 2 - 5 + 1, 5},		   {65535, 0},	   {65536, 0},
	    {2 * 65535 + 3, 100},		   {BIG, 900},
	};

	for (int mi = 0; mi < 3; mi++) {
		const struct ss_method *m = ss2022_method_find(names[mi]);
		uint8_t psk[32], cs[32], ss[32];

		keys_of(m, psk, cs, ss);
		for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
			fill(pay, t[i].len, (uint32_t)i);
			check_request(m, psk, cs, t[i].len, t[i].pad);
		}
	}
}

/* Two encoder calls coalesced into one decoder input. */
static void test_request_coalesced(void)
{
	for (int mi = 0; mi < 3; mi++) {
		const struct ss_method *m = ss2022_method_find(names[mi]);
		uint8_t psk[32], cs[32], ss[32];
		struct ss22_keys k;
		long a, b;
		size_t got;

		keys_of(m, psk, cs, ss);
		fill(pay, 150100, 9);
		a = enc_req(m, psk, cs, 3, NOW, 100, &k);
		CU_ASSERT_FATAL(a > 0);
		CU_ASSERT_EQUAL(ss22_enc_size(&E, 150000), (size_t)(150000 + 3 * 34));
		b = ss22_enc(ctx, &E, NOW, pay + 100, 150000, ct + a);
		CU_ASSERT_EQUAL_FATAL(b, (long)(150000 + 3 * 34));
		CU_ASSERT_FATAL(ss22_dec_server_init(&D, m, psk, NULL, NULL) == 0);
		CU_ASSERT_EQUAL(dec_pieces(&D, NOW, ct, (size_t)(a + b), piece_all, 0, &got), SS_OK);
		CU_ASSERT_EQUAL(got, 150100u);
		CU_ASSERT_EQUAL(memcmp(pt, pay, 150100), 0);
		ss22_keys_free(&k);
	}
}

static void test_response_roundtrip(void)
{
	static const size_t lens[] = {1, 2, 500, 65534, 65535, 65536, 2 * 65535 + 1, BIG};

	for (int mi = 0; mi < 3; mi++) {
		const struct ss_method *m = ss2022_method_find(names[mi]);
		uint8_t psk[32], cs[32], ss[32];

		keys_of(m, psk, cs, ss);
		for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
			size_t len = lens[i], got, nsplit, first = len < 65535 ? len : 65535;
			long n;

			fill(pay, len, (uint32_t)(i + 50));
			CU_ASSERT_FATAL(ss22_enc_server_init(&E, m, psk, ss, cs) == 0);
			CU_ASSERT_EQUAL(ss22_enc(ctx, &E, NOW, pay, 0, ct), 0); /* nothing yet */
			CU_ASSERT_EQUAL(ss22_enc_size(&E, len),
					m->key_len + 11u + m->key_len + 16 + first + 16 +
					    (len > first ? (len - first + 65534) / 65535 * 34 +
							       len - first
							 : 0));
			n = ss22_enc(ctx, &E, NOW, pay, len, ct);
			CU_ASSERT_EQUAL_FATAL(n, (long)(m->key_len + 11u + m->key_len + 16 + first + 16 +
						  (len > first ? (len - first + 65534) / 65535 * 34 +
								     len - first
							       : 0)));
			nsplit = (size_t)n < 3000 ? (size_t)n : 40;
			for (size_t s = 0; s <= nsplit; s++) {
				size_t at = (size_t)n < 3000 ? s : (size_t)n * s / nsplit;

				ss22_dec_client_init(&D, m, psk, cs, NULL);
				CU_ASSERT_EQUAL_FATAL(
				    dec_pieces(&D, NOW, ct, (size_t)n, piece_split, at, &got), SS_OK);
				CU_ASSERT_EQUAL(got, len);
				CU_ASSERT_EQUAL(memcmp(pt, pay, len), 0);
				CU_ASSERT_EQUAL(D.hdr_done, 1);
			}
			/* bound to our request salt */
			cs[3] ^= 1;
			ss22_dec_client_init(&D, m, psk, cs, NULL);
			CU_ASSERT_EQUAL(dec_pieces(&D, NOW, ct, (size_t)n, piece_all, 0, &got),
					SS2022_ERR_SALT);
			cs[3] ^= 1;
		}
	}
}

/* --------------------------------------------------- failure cases */

static void test_flips(void)
{
	for (int mi = 0; mi < 3; mi++) {
		const struct ss_method *m = ss2022_method_find(names[mi]);
		uint8_t psk[32], cs[32], ss[32];
		struct ss22_keys k;
		size_t got;
		long n;

		keys_of(m, psk, cs, ss);
		fill(pay, 40000, 77);
		n = enc_req(m, psk, cs, 10, NOW, 300, &k);
		CU_ASSERT_FATAL(n > 0);
		n += ss22_enc(ctx, &E, NOW, pay + 300, 500, ct + n);
		for (long i = 0; i < n; i++) {
			int rc;

			ct[i] ^= 0x20;
			CU_ASSERT_FATAL(ss22_dec_server_init(&D, m, psk, NULL, NULL) == 0);
			rc = dec_pieces(&D, NOW, ct, (size_t)n, piece_all, 0, &got);
			CU_ASSERT(rc == SS_ERR_AUTH);
			/* dead afterwards */
			CU_ASSERT_EQUAL(dec_pieces(&D, NOW, ct, 1, piece_all, 0, &got), rc);
			ct[i] ^= 0x20;
		}
		/* response flips */
		CU_ASSERT_FATAL(ss22_enc_server_init(&E, m, psk, ss, cs) == 0);
		n = ss22_enc(ctx, &E, NOW, pay, 200, ct);
		for (long i = 0; i < n; i++) {
			ct[i] ^= 0x01;
			ss22_dec_client_init(&D, m, psk, cs, NULL);
			CU_ASSERT_EQUAL(dec_pieces(&D, NOW, ct, (size_t)n, piece_all, 0, &got),
					SS_ERR_AUTH);
			ct[i] ^= 0x01;
		}
		/* wrong PSK, and a request fed to a client decoder (type/length) */
		psk[0] ^= 1;
		ss22_dec_client_init(&D, m, psk, cs, NULL);
		CU_ASSERT_EQUAL(dec_pieces(&D, NOW, ct, (size_t)n, piece_all, 0, &got), SS_ERR_AUTH);
		psk[0] ^= 1;
		ss22_dec_server_init(&D, m, psk, NULL, NULL);
		CU_ASSERT(dec_pieces(&D, NOW, ct, (size_t)n, piece_all, 0, &got) < 0);
		ss22_keys_free(&k);
	}
}

static void test_skew(void)
{
	static const struct {
		int64_t skew;
		int rc;
	} t[] = {
	    {0, SS_OK},		      {29, SS_OK},  {30, SS_OK}, {-30, SS_OK}, {31, SS2022_ERR_TIME},
	    {-31, SS2022_ERR_TIME}, {3600, SS2022_ERR_TIME},
	};

	for (int mi = 0; mi < 3; mi++) {
		const struct ss_method *m = ss2022_method_find(names[mi]);
		uint8_t psk[32], cs[32], ss[32];

		keys_of(m, psk, cs, ss);
		for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
			uint64_t then = (uint64_t)((int64_t)NOW + t[i].skew);
			struct ss22_keys k;
			size_t got;
			long n = enc_req(m, psk, cs, 1, then, 10, &k);

			ss22_dec_server_init(&D, m, psk, NULL, NULL);
			CU_ASSERT_EQUAL(dec_pieces(&D, NOW, ct, (size_t)n, piece_all, 0, &got),
					t[i].rc);
			CU_ASSERT_FATAL(ss22_enc_server_init(&E, m, psk, ss, cs) == 0);
			n = ss22_enc(ctx, &E, then, pay, 10, ct);
			ss22_dec_client_init(&D, m, psk, cs, NULL);
			CU_ASSERT_EQUAL(dec_pieces(&D, NOW, ct, (size_t)n, piece_all, 0, &got),
					t[i].rc);
			ss22_keys_free(&k);
		}
	}
}

/* The 60 s salt cache through the decoders: a replayed request within the
 * window is refused; the same salt with a fresh timestamp is refused until
 * 60 s passed, then accepted. */
static void test_salt_replay(void)
{
	static const struct {
		uint64_t at;   /* seconds after the first request */
		int fresh_ts;  /* re-encoded with a current timestamp */
		int rc;
	} t[] = {
	    {0, 0, SS2022_ERR_REPLAY},	{10, 0, SS2022_ERR_REPLAY}, {30, 0, SS2022_ERR_REPLAY},
	    {31, 0, SS2022_ERR_TIME},	{59, 1, SS2022_ERR_REPLAY}, {60, 1, SS2022_ERR_REPLAY},
	    {61, 1, SS_OK},		{300, 1, SS_OK},
	};
	static const uint8_t ckey[32] = {1, 2, 3};

	for (int mi = 0; mi < 3; mi++) {
		const struct ss_method *m = ss2022_method_find(names[mi]);
		uint8_t psk[32], cs[32], ss[32], first[400];
		size_t got;

		keys_of(m, psk, cs, ss);
		for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
			struct ss_salt_cache sc;
			struct ss22_keys k;
			long n0 = enc_req(m, psk, cs, 2, NOW, 20, &k), n;

			ss22_keys_free(&k);
			memcpy(first, ct, (size_t)n0);
			CU_ASSERT_FATAL(ss_salt_cache_init(&sc, 16, m->key_len, ckey) == 0);
			ss22_dec_server_init(&D, m, psk, NULL, &sc);
			CU_ASSERT_EQUAL(dec_pieces(&D, NOW, first, (size_t)n0, piece_all, 0, &got),
					SS_OK);
			n = t[i].fresh_ts ? enc_req(m, psk, cs, 2, NOW + t[i].at, 20, &k) : n0;
			if (t[i].fresh_ts)
				ss22_keys_free(&k);
			else
				memcpy(ct, first, (size_t)n0);
			ss22_dec_server_init(&D, m, psk, NULL, &sc);
			CU_ASSERT_EQUAL(dec_pieces(&D, NOW + t[i].at, ct, (size_t)n, piece_all, 0, &got),
					t[i].rc);
			CU_ASSERT_EQUAL(sc.replays, t[i].rc == SS2022_ERR_REPLAY ? 1u : 0u);
			ss_salt_cache_free(&sc);
		}
		/* clients keep response salts too */
		{
			struct ss_salt_cache sc;
			long n;

			CU_ASSERT_FATAL(ss_salt_cache_init(&sc, 16, m->key_len, ckey) == 0);
			CU_ASSERT_FATAL(ss22_enc_server_init(&E, m, psk, ss, cs) == 0);
			n = ss22_enc(ctx, &E, NOW, pay, 50, ct);
			ss22_dec_client_init(&D, m, psk, cs, &sc);
			CU_ASSERT_EQUAL(dec_pieces(&D, NOW, ct, (size_t)n, piece_all, 0, &got), SS_OK);
			ss22_dec_client_init(&D, m, psk, cs, &sc);
			CU_ASSERT_EQUAL(dec_pieces(&D, NOW + 5, ct, (size_t)n, piece_all, 0, &got),
					SS2022_ERR_REPLAY);
			ss_salt_cache_free(&sc);
		}
	}
}

/* Hand-sealed headers for the rules a correct encoder never breaks. */
static void test_header_rules(void)
{
	static const struct {
		uint8_t type;
		uint16_t vlen_hdr; /* length in the fixed header */
		size_t alen, plen, pay;
		int rc;
	} t[] = {
	    {0, 0, 0, 0, 0, SS2022_ERR_ADDR},		   /* zero-length var header */
	    {1, 20, 7, 0, 11, SS2022_ERR_TYPE},	   /* response type in a request */
	    {0, 9, 7, 0, 0, SS2022_ERR_PADDING},	   /* neither padding nor payload */
	    {0, 9 + 901, 7, 901, 0, SS2022_ERR_PADDING}, /* padding over 900 */
	    {0, 9 + 900, 7, 900, 0, SS_OK},
	    {0, 9 + 1, 7, 1, 0, SS_OK},
	    {0, 9 + 5, 7, 10, 0, SS2022_ERR_PADDING},	 /* padding past the chunk */
	    {0, 5, 5, 0, 0, SS2022_ERR_ADDR},		 /* address cut short */
	};

	for (int mi = 0; mi < 3; mi++) {
		const struct ss_method *m = ss2022_method_find(names[mi]);
		uint8_t psk[32], cs[32], ss[32], sub[32], v[2000];
		struct rb_aead_key key;
		uint8_t n0[12] = {0}, n1[12] = {1};

		keys_of(m, psk, cs, ss);
		ss2022_subkey(m, psk, cs, sub);
		rb_aead_key_init(&key, (enum rb_aead_alg)m->alg, sub, m->key_len);
		for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
			size_t kl = m->key_len, off = 0, got;
			uint8_t *f;

			memcpy(ct, cs, kl);
			f = ct + kl;
			f[0] = t[i].type;
			for (int b = 0; b < 8; b++)
				f[1 + b] = (uint8_t)(NOW >> (8 * (7 - b)));
			f[9] = (uint8_t)(t[i].vlen_hdr >> 8);
			f[10] = (uint8_t)t[i].vlen_hdr;
			rb_aead_seal(ctx, &key, n0, NULL, 0, f, f, 11, f + 11);
			memset(v, 0, sizeof(v));
			memcpy(v, addr4, t[i].alen < sizeof(addr4) ? t[i].alen : sizeof(addr4));
			off = t[i].alen;
			v[off++] = (uint8_t)(t[i].plen >> 8);
			v[off++] = (uint8_t)t[i].plen;
			memcpy(f + 27, v, t[i].vlen_hdr);
			rb_aead_seal(ctx, &key, n1, NULL, 0, f + 27, f + 27, t[i].vlen_hdr,
				     f + 27 + t[i].vlen_hdr);
			ss22_dec_server_init(&D, m, psk, NULL, NULL);
			CU_ASSERT_EQUAL(dec_pieces(&D, NOW, ct, kl + 27 + t[i].vlen_hdr + 16u,
						   piece_all, 0, &got),
					t[i].rc);
			if (t[i].rc == SS_OK) {
				CU_ASSERT_EQUAL(got, 0u);
				CU_ASSERT_EQUAL(D.hdr_done, 1);
			}
		}
		rb_aead_key_wipe(&key);
		/* the client must send padding when it has no payload */
		{
			struct ss22_keys k;

			CU_ASSERT_FATAL(ss22_keys_init(&k, m, psk, 1) == 0);
			CU_ASSERT_FATAL(ss22_enc_client_init(&E, &k, cs, addr4, 7, 0) == 0);
			CU_ASSERT_EQUAL(ss22_enc(ctx, &E, NOW, pay, 0, ct), SS2022_ERR_PADDING);
			CU_ASSERT_NOT_EQUAL(ss22_enc_client_init(&E, &k, cs, addr4, 7, 901), 0);
			ss22_keys_free(&k);
		}
	}
}

/* The decoder stops before a payload that does not fit, then resumes. */
static void test_outcap(void)
{
	const struct ss_method *m = ss2022_method_find(names[0]);
	uint8_t psk[32], cs[32], ss[32];
	struct ss22_keys k;
	size_t used, prod, total = 0, off = 0;
	long n;

	keys_of(m, psk, cs, ss);
	fill(pay, 5000, 3);
	n = enc_req(m, psk, cs, 0, NOW, 1000, &k);
	n += ss22_enc(ctx, &E, NOW, pay + 1000, 4000, ct + n);
	ss22_dec_server_init(&D, m, psk, NULL, NULL);
	CU_ASSERT_EQUAL(ss22_dec(ctx, &D, NOW, ct, (size_t)n, &used, pt, 500, &prod), SS_OK);
	CU_ASSERT_EQUAL(prod, 0u);
	CU_ASSERT(used < (size_t)n);
	off = used;
	/* room for the whole header chunk (address + payload), not just the payload */
	CU_ASSERT_EQUAL(ss22_dec(ctx, &D, NOW, ct + off, (size_t)n - off, &used, pt, 1008, &prod),
			SS_OK);
	CU_ASSERT_EQUAL(prod, 0u);
	off += used;
	CU_ASSERT_EQUAL(ss22_dec(ctx, &D, NOW, ct + off, (size_t)n - off, &used, pt, 1009, &prod),
			SS_OK);
	CU_ASSERT_EQUAL(prod, 1000u);
	total = prod;
	off += used;
	CU_ASSERT_EQUAL(ss22_dec(ctx, &D, NOW, ct + off, (size_t)n - off, &used, pt + total, 65535,
				 &prod),
			SS_OK);
	total += prod;
	CU_ASSERT_EQUAL(off + used, (size_t)n);
	CU_ASSERT_EQUAL(total, 5000u);
	CU_ASSERT_EQUAL(memcmp(pt, pay, 5000), 0);
	ss22_keys_free(&k);
}

/* ------------------------------------------------------ SIP023 EIH */

static void upsk_of(int u, uint8_t *p)
{
	for (int i = 0; i < 32; i++)
		p[i] = (uint8_t)(u * 31 + i * 3 + 1);
}

static void test_eih_users(void)
{
	static const struct {
		int user;      /* whose uPSK the client holds; -1: not a user */
		int ipsk_ok;   /* the client's iPSK is the server's */
		int rc;
	} t[] = {
	    {0, 1, SS_OK},	      {3, 1, SS_OK},	      {9, 1, SS_OK},
	    {-1, 1, SS2022_ERR_USER}, {4, 0, SS2022_ERR_USER},
	};

	for (int mi = 0; mi < 2; mi++) { /* AES methods */
		const struct ss_method *m = ss2022_method_find(names[mi]);
		size_t kl = m->key_len;
		uint8_t ipsk[32], cs[32], ss[32], psks[64], up[32];
		struct ss_eih_users users;

		keys_of(m, ipsk, cs, ss);
		CU_ASSERT_FATAL(ss_eih_users_init(&users, m, ipsk) == 0);
		for (int u = 0; u < 10; u++) {
			upsk_of(u, up);
			CU_ASSERT_EQUAL(ss_eih_users_add(&users, up, 100u + (uint32_t)u), 0);
		}
		upsk_of(5, up);
		CU_ASSERT_EQUAL(ss_eih_users_add(&users, up, 7), -1); /* duplicate */
		CU_ASSERT_EQUAL(users.n, 10u);
		for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
			struct ss22_keys k;
			size_t got;
			long n;

			memcpy(psks, ipsk, kl);
			if (!t[i].ipsk_ok)
				psks[0] ^= 0x80;
			upsk_of(t[i].user < 0 ? 77 : t[i].user, psks + kl);
			CU_ASSERT_FATAL(ss22_keys_init(&k, m, psks, 2) == 0);
			fill(pay, 3000, (uint32_t)i);
			CU_ASSERT_FATAL(ss22_enc_client_init(&E, &k, cs, addr4, 7, 4) == 0);
			n = ss22_enc(ctx, &E, NOW, pay, 3000, ct);
			CU_ASSERT_EQUAL_FATAL(n, (long)(kl + 16 + 27 + 7 + 2 + 4 + 3000 + 16));
			/* the identity header, checked with OpenSSL AES-ECB */
			{
				uint8_t mat[64], sub[32], h[16], dec[16];
				EVP_CIPHER_CTX *x = EVP_CIPHER_CTX_new();
				int l = 0;

				memcpy(mat, psks, kl);
				memcpy(mat + kl, cs, kl);
				rb_blake3_derive_key("shadowsocks 2022 identity subkey", 32, mat, 2 * kl,
						     sub, kl);
				EVP_DecryptInit_ex(x, kl == 16 ? EVP_aes_128_ecb() : EVP_aes_256_ecb(),
						   NULL, sub, NULL);
				EVP_CIPHER_CTX_set_padding(x, 0);
				CU_ASSERT(EVP_DecryptUpdate(x, dec, &l, ct + kl, 16) == 1 && l == 16);
				EVP_CIPHER_CTX_free(x);
				rb_blake3(psks + kl, kl, h, 16);
				CU_ASSERT_EQUAL(memcmp(dec, h, 16), 0);
			}
			for (size_t at = 0; at <= kl + 16 + 27; at += (t[i].rc ? kl + 16 + 27 : 1)) {
				ss22_dec_server_init(&D, m, NULL, &users, NULL);
				CU_ASSERT_EQUAL(
				    dec_pieces(&D, NOW, ct, (size_t)n, piece_split, at, &got), t[i].rc);
				if (t[i].rc == SS_OK) {
					CU_ASSERT_EQUAL(D.has_user, 1);
					CU_ASSERT_EQUAL(D.user, 100u + (uint32_t)t[i].user);
					CU_ASSERT_EQUAL(got, 3000u);
					CU_ASSERT_EQUAL(memcmp(pt, pay, 3000), 0);
					CU_ASSERT_EQUAL(memcmp(D.psk, psks + kl, kl), 0);
				}
			}
			/* the response, keyed by the user's PSK */
			if (t[i].rc == SS_OK) {
				CU_ASSERT_FATAL(ss22_enc_server_init(&E, m, D.psk, ss, D.salt) == 0);
				n = ss22_enc(ctx, &E, NOW, pay, 99, ct);
				ss22_dec_client_init(&D, m, k.psk[k.n - 1], cs, NULL);
				CU_ASSERT_EQUAL(dec_pieces(&D, NOW, ct, (size_t)n, piece_all, 0, &got),
						SS_OK);
				CU_ASSERT_EQUAL(got, 99u);
			}
			ss22_keys_free(&k);
		}
		CU_ASSERT(users.unknown >= 2);
		ss_eih_users_free(&users);
	}
	/* no identity headers with ChaCha */
	{
		const struct ss_method *m = ss2022_method_find(names[2]);
		uint8_t psks[64] = {0};
		struct ss22_keys k;
		struct ss_eih_users users;

		CU_ASSERT_EQUAL(ss22_keys_init(&k, m, psks, 2), -1);
		CU_ASSERT_EQUAL(ss_eih_users_init(&users, m, psks), -1);
	}
}

/* client (iPSK0 : iPSK1 : uPSK) -> relay [iPSK0, knows iPSK1] -> server
 * [iPSK1, users]: the relay identifies the next hop and strips its
 * identity header; the server identifies the user. */
static void test_eih_relay(void)
{
	const struct ss_method *m = ss2022_method_find(names[1]);
	uint8_t ip0[32], ip1[32], up[32], psks[96], cs[32], ss[32], fwd[8192];
	struct ss_eih_users relay, server;
	const struct ss_eih_user *hop;
	struct ss22_keys k;
	size_t got;
	long n;

	keys_of(m, ip0, cs, ss);
	for (int i = 0; i < 32; i++)
		ip1[i] = (uint8_t)(0x99 ^ i);
	upsk_of(2, up);
	memcpy(psks, ip0, 32);
	memcpy(psks + 32, ip1, 32);
	memcpy(psks + 64, up, 32);
	CU_ASSERT_FATAL(ss22_keys_init(&k, m, psks, 3) == 0);
	CU_ASSERT_FATAL(ss_eih_users_init(&relay, m, ip0) == 0);
	CU_ASSERT_FATAL(ss_eih_users_add(&relay, ip1, 1) == 0);
	CU_ASSERT_FATAL(ss_eih_users_init(&server, m, ip1) == 0);
	upsk_of(1, psks);
	CU_ASSERT_FATAL(ss_eih_users_add(&server, psks, 10) == 0);
	CU_ASSERT_FATAL(ss_eih_users_add(&server, up, 20) == 0);
	fill(pay, 1234, 1);
	CU_ASSERT_FATAL(ss22_enc_client_init(&E, &k, cs, addr4, 7, 0) == 0);
	n = ss22_enc(ctx, &E, NOW, pay, 1234, ct);
	CU_ASSERT_EQUAL_FATAL(n, (long)(32 + 32 + 27 + 9 + 1234 + 16));
	hop = ss_eih_tcp_identify(&relay, ct, ct + 32);
	CU_ASSERT_PTR_NOT_NULL_FATAL(hop);
	CU_ASSERT_EQUAL(hop->id, 1u);
	memcpy(fwd, ct, 32);
	memcpy(fwd + 32, ct + 48, (size_t)n - 48);
	ss22_dec_server_init(&D, m, NULL, &server, NULL);
	CU_ASSERT_EQUAL(dec_pieces(&D, NOW, fwd, (size_t)n - 16, piece_all, 0, &got), SS_OK);
	CU_ASSERT_EQUAL(D.user, 20u);
	CU_ASSERT_EQUAL(got, 1234u);
	CU_ASSERT_EQUAL(memcmp(pt, pay, 1234), 0);
	/* unstripped, the server sees the relay's header: no such user */
	ss22_dec_server_init(&D, m, NULL, &server, NULL);
	CU_ASSERT_EQUAL(dec_pieces(&D, NOW, ct, (size_t)n, piece_all, 0, &got), SS2022_ERR_USER);
	ss22_keys_free(&k);
	ss_eih_users_free(&relay);
	ss_eih_users_free(&server);
}

static void test_keys_decode(void)
{
	static const struct {
		int m;
		const char *text;
		int rc, n;
	} t[] = {
	    {0, "AAECAwQFBgcICQoLDA0ODw==", 0, 1},
	    {0, "AAECAwQFBgcICQoLDA0ODw==:AAECAwQFBgcICQoLDA0ODw==", 0, 2},
	    {0, "AAECAwQFBgcICQoLDA0ODw==:AAECAwQFBgcICQoLDA0ODw==:AAECAwQFBgcICQoLDA0ODw==:"
		"AAECAwQFBgcICQoLDA0ODw==",
	     0, 4},
	    {0, "AAECAwQFBgcICQoLDA0ODw==:AAECAwQFBgcICQoLDA0ODw==:AAECAwQFBgcICQoLDA0ODw==:"
		"AAECAwQFBgcICQoLDA0ODw==:AAECAwQFBgcICQoLDA0ODw==",
	     -1, 0},
	    {0, "AAECAwQFBgcICQoLDA0ODw==:", -1, 0},
	    {0, ":AAECAwQFBgcICQoLDA0ODw==", -1, 0},
	    {0, "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=", -1, 0},
	    {2, "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=", 0, 1},
	    {2, "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=:"
		"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=",
	     -1, 0},
	    {1, "", -1, 0},
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct ss22_keys k;

		CU_ASSERT_EQUAL(ss22_keys_decode(&k, ss2022_method_find(names[t[i].m]), t[i].text),
				t[i].rc);
		if (t[i].rc == 0) {
			CU_ASSERT_EQUAL(k.n, t[i].n);
			CU_ASSERT_EQUAL(k.psk[k.n - 1][5], 5);
		}
		ss22_keys_free(&k);
	}
}

static CU_TestInfo tests[] = {
	{ "published values", test_vectors },
	{ "request layout vs OpenSSL EVP", test_evp_layout },
	{ "request round trip, every split", test_request_roundtrip },
	{ "request coalesced", test_request_coalesced },
	{ "response round trip, every split", test_response_roundtrip },
	{ "byte flips", test_flips },
	{ "timestamp skew", test_skew },
	{ "salt replay (60 s)", test_salt_replay },
	{ "header rules", test_header_rules },
	{ "output limit", test_outcap },
	{ "EIH users", test_eih_users },
	{ "EIH relay chain", test_eih_relay },
	{ "PSK lists", test_keys_decode },
	CU_TEST_INFO_NULL,
};

int main(void)
{
	return aead_cunit_main("ss2022_tcp", tests, &ctx);
}
