/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Crypto layer tests, part 2: MD5/SHA (FIPS 180-4 / RFC 1321 "abc" vectors),
 * HMAC (RFC 2202, RFC 4231), HKDF (RFC 5869 cases 1-7), EVP_BytesToKey,
 * BLAKE2s (RFC 7693 appendix B and the appendix E self-test, plus OpenSSL
 * cross-checks for the MAC, HMAC and WireGuard KDF) and X25519 (RFC 7748
 * sections 5.2 and 6.1).
 */
#include <stdio.h>
#include <string.h>
#include <CUnit/Basic.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/kdf.h>

#include "crypto/rb_blake2s.h"
#include "crypto/rb_hash.h"
#include "crypto/rb_x25519.h"

size_t tc_hex(const char *hex, uint8_t *out, size_t max);
void tc_fill(uint8_t *p, size_t len, uint32_t seed);
int tc_register_hash(void);

static int hexeq(const uint8_t *got, const char *hex, size_t len)
{
	uint8_t exp[256];

	return tc_hex(hex, exp, sizeof(exp)) == len && memcmp(got, exp, len) == 0;
}

/* ---- MD5 / SHA ---- */
static const struct {
	enum rb_hash_alg alg;
	const char *msg, *digest;
} hash_vecs[] = {
	{RB_HASH_MD5, "", "d41d8cd98f00b204e9800998ecf8427e"},
	{RB_HASH_MD5, "abc", "900150983cd24fb0d6963f7d28e17f72"},
	{RB_HASH_SHA1, "", "da39a3ee5e6b4b0d3255bfef95601890afd80709"},
	{RB_HASH_SHA1, "abc", "a9993e364706816aba3e25717850c26c9cd0d89d"},
	{RB_HASH_SHA224, "abc", "23097d223405d8228642a477bda255b32aadbce4bda0b3f7e36c9da7"},
	{RB_HASH_SHA256, "", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
	{RB_HASH_SHA256, "abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
	{RB_HASH_SHA384, "abc",
	 "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed"
	 "8086072ba1e7cc2358baeca134c825a7"},
	{RB_HASH_SHA512, "abc",
	 "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a"
	 "2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f"},
};

static void test_hash(void)
{
	uint8_t out[64];

	for (size_t i = 0; i < sizeof(hash_vecs) / sizeof(hash_vecs[0]); i++) {
		size_t len = rb_hash_len(hash_vecs[i].alg);
		struct rb_hash_ctx c;

		memset(out, 0, sizeof(out));
		CU_ASSERT_EQUAL(rb_hash(hash_vecs[i].alg, hash_vecs[i].msg,
					strlen(hash_vecs[i].msg), out),
				0);
		CU_ASSERT(hexeq(out, hash_vecs[i].digest, len));
		/* incrementally, a byte at a time */
		CU_ASSERT_EQUAL_FATAL(rb_hash_init(&c, hash_vecs[i].alg), 0);
		for (const char *p = hash_vecs[i].msg; *p != '\0'; p++)
			CU_ASSERT_EQUAL(rb_hash_update(&c, p, 1), 0);
		memset(out, 0, sizeof(out));
		CU_ASSERT_EQUAL(rb_hash_final(&c, out), 0);
		CU_ASSERT(hexeq(out, hash_vecs[i].digest, len));
		CU_ASSERT_PTR_NULL(c.md);
	}
	CU_ASSERT_EQUAL(rb_hash(RB_HASH_ALG_COUNT, "a", 1, out), -1);
	CU_ASSERT_EQUAL(rb_hash(RB_HASH_SHA1, NULL, 1, out), -1);
	CU_ASSERT_EQUAL(rb_hash_len(RB_HASH_SHA224), 28);
}

/* ---- HMAC: RFC 2202 / RFC 4231 test case 2 ("Jefe") and case 1 ---- */
static void test_hmac(void)
{
	static const char msg[] = "what do ya want for nothing?";
	uint8_t out[64], key[20];

	CU_ASSERT_EQUAL(rb_hmac(RB_HASH_MD5, (const uint8_t *)"Jefe", 4, msg, strlen(msg), out), 0);
	CU_ASSERT(hexeq(out, "750c783e6ab0b503eaa86e310a5db738", 16));
	CU_ASSERT_EQUAL(rb_hmac(RB_HASH_SHA1, (const uint8_t *)"Jefe", 4, msg, strlen(msg), out), 0);
	CU_ASSERT(hexeq(out, "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79", 20));
	CU_ASSERT_EQUAL(rb_hmac(RB_HASH_SHA256, (const uint8_t *)"Jefe", 4, msg, strlen(msg), out),
			0);
	CU_ASSERT(hexeq(out, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
			32));
	memset(key, 0x0b, sizeof(key));
	CU_ASSERT_EQUAL(rb_hmac(RB_HASH_SHA256, key, 20, "Hi There", 8, out), 0);
	CU_ASSERT(hexeq(out, "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7",
			32));
}

/* ---- HKDF, RFC 5869 appendix A ---- */
struct hkdf_vec {
	enum rb_hash_alg alg;
	int ikm_byte, ikm_len;  /* IKM = ikm_len bytes of ikm_byte, or 0x00.. if byte < 0 */
	int salt;               /* 0 none, 1 = 00..0c, 2 = 60..af */
	int info;               /* 0 none, 1 = f0..f9, 2 = b0..ff */
	size_t l;
	const char *prk, *okm;
};

static const struct hkdf_vec hkdf_vecs[] = {
	{RB_HASH_SHA256, 0x0b, 22, 1, 1, 42,
	 "077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c3122ec844ad7c2b3e5",
	 "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865"},
	{RB_HASH_SHA256, -1, 80, 2, 2, 82,
	 "06a6b88c5853361a06104c9ceb35b45cef760014904671014a193f40c15fc244",
	 "b11e398dc80327a1c8e7f78c596a49344f012eda2d4efad8a050cc4c19afa97c"
	 "59045a99cac7827271cb41c65e590e09da3275600c2f09b8367793a9aca3db71"
	 "cc30c58179ec3e87c14c01d5c1f3434f1d87"},
	{RB_HASH_SHA256, 0x0b, 22, 0, 0, 42,
	 "19ef24a32c717b167f33a91d6f648bdf96596776afdb6377ac434c1c293ccb04",
	 "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8"},
	{RB_HASH_SHA1, 0x0b, 11, 1, 1, 42, "9b6c18c432a7bf8f0e71c8eb88f4b30baa2ba243",
	 "085a01ea1b10f36933068b56efa5ad81a4f14b822f5b091568a9cdd4f155fda2c22e422478d305f3f896"},
	{RB_HASH_SHA1, -1, 80, 2, 2, 82, "8adae09a2a307059478d309b26c4115a224cfaf6",
	 "0bd770a74d1160f7c9f12cd5912a06ebff6adcae899d92191fe4305673ba2ffe"
	 "8fa3f1a4e5ad79f3f334b3b202b2173c486ea37ce3d397ed034c7f9dfeb15c5e"
	 "927336d0441f4c4300e2cff0d0900b52d3b4"},
	{RB_HASH_SHA1, 0x0b, 22, 0, 0, 42, "da8c8a73c7fa77288ec6f5e7c297786aa0d32d01",
	 "0ac1af7002b3d761d1e55298da9d0506b9ae52057220a306e07b6b87e8df21d0ea00033de03984d34918"},
	/* case 7: salt not provided = HashLen zero octets */
	{RB_HASH_SHA1, 0x0c, 22, 3, 0, 42, "2adccada18779e7c2077ad2eb19d3f3e731385dd",
	 "2c91117204d745f3500d636a62f64f0ab3bae548aa53d423b0d1f27ebba6f5e5673a081d70cce7acfc48"},
};

static void test_hkdf(void)
{
	for (size_t i = 0; i < sizeof(hkdf_vecs) / sizeof(hkdf_vecs[0]); i++) {
		const struct hkdf_vec *v = &hkdf_vecs[i];
		uint8_t ikm[80], salt[80], info[80], okm[82], prk[64], okm2[82];
		size_t sl = 0, il = 0, hl = rb_hash_len(v->alg);

		for (int j = 0; j < v->ikm_len; j++)
			ikm[j] = v->ikm_byte < 0 ? (uint8_t)j : (uint8_t)v->ikm_byte;
		if (v->salt == 1)
			for (sl = 0; sl < 13; sl++)
				salt[sl] = (uint8_t)sl;
		if (v->salt == 2)
			for (sl = 0; sl < 80; sl++)
				salt[sl] = (uint8_t)(0x60 + sl);
		if (v->salt == 3) {
			sl = hl;
			memset(salt, 0, sl);
		}
		if (v->info == 1)
			for (il = 0; il < 10; il++)
				info[il] = (uint8_t)(0xf0 + il);
		if (v->info == 2)
			for (il = 0; il < 80; il++)
				info[il] = (uint8_t)(0xb0 + il);

		CU_ASSERT_EQUAL(rb_hkdf(v->alg, salt, sl, ikm, (size_t)v->ikm_len, info, il, okm,
					v->l),
				0);
		CU_ASSERT(hexeq(okm, v->okm, v->l));
		CU_ASSERT_EQUAL(rb_hkdf_extract(v->alg, salt, sl, ikm, (size_t)v->ikm_len, prk), 0);
		CU_ASSERT(hexeq(prk, v->prk, hl));
		CU_ASSERT_EQUAL(rb_hkdf_expand(v->alg, prk, hl, info, il, okm2, v->l), 0);
		CU_ASSERT(hexeq(okm2, v->okm, v->l));
		if (sl == 0) {
			/* "not provided" and explicit zeros agree (RFC 5869 2.2) */
			uint8_t z[64] = {0};

			CU_ASSERT_EQUAL(rb_hkdf(v->alg, z, hl, ikm, (size_t)v->ikm_len, info, il,
						okm2, v->l),
					0);
			CU_ASSERT_EQUAL(memcmp(okm, okm2, v->l), 0);
		}
	}
	uint8_t big[255 * 20 + 1], k[16] = {1};

	CU_ASSERT_EQUAL(rb_hkdf(RB_HASH_SHA1, NULL, 0, k, 16, NULL, 0, big, 255 * 20), 0);
	CU_ASSERT_EQUAL(rb_hkdf(RB_HASH_SHA1, NULL, 0, k, 16, NULL, 0, big, sizeof(big)), -1);
	CU_ASSERT_EQUAL(rb_hkdf_expand(RB_HASH_SHA256, k, 16, NULL, 0, big, 32), -1);
}

/* rb_hkdf against OpenSSL's EVP_KDF "HKDF" on random inputs. */
static void test_hkdf_cross(void)
{
	static const enum rb_hash_alg algs[] = {RB_HASH_SHA1, RB_HASH_SHA256, RB_HASH_SHA384,
						RB_HASH_MD5};
	EVP_KDF *kdf = EVP_KDF_fetch(NULL, "HKDF", NULL);

	CU_ASSERT_PTR_NOT_NULL_FATAL(kdf);
	for (size_t a = 0; a < 4; a++) {
		for (uint32_t n = 1; n < 200; n += 11) {
			uint8_t ikm[200], salt[200], info[200], mine[400], ref[400];
			size_t sl = (n * 3) % 150, il = (n * 5) % 120, ol = 1 + (n * 7) % 400;
			EVP_KDF_CTX *kc = EVP_KDF_CTX_new(kdf);
			OSSL_PARAM p[5], *q = p;

			tc_fill(ikm, n, n);
			tc_fill(salt, sl, n + 1);
			tc_fill(info, il, n + 2);
			*q++ = OSSL_PARAM_construct_utf8_string(
				OSSL_KDF_PARAM_DIGEST, (char *)(uintptr_t)rb_hash_name(algs[a]), 0);
			*q++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, ikm, n);
			if (sl > 0)
				*q++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, salt,
									 sl);
			if (il > 0)
				*q++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, info,
									 il);
			*q = OSSL_PARAM_construct_end();
			if (ol > 255 * rb_hash_len(algs[a]))
				ol = 255 * rb_hash_len(algs[a]);
			CU_ASSERT_EQUAL(EVP_KDF_derive(kc, ref, ol, p), 1);
			EVP_KDF_CTX_free(kc);
			CU_ASSERT_EQUAL(rb_hkdf(algs[a], salt, sl, ikm, n, info, il, mine, ol), 0);
			CU_ASSERT_EQUAL(memcmp(mine, ref, ol), 0);
		}
	}
	EVP_KDF_free(kdf);
	/* long HMAC keys are hashed first (RFC 2104) */
	uint8_t key[200], mine[64], ref[64];
	unsigned rl = 0;

	tc_fill(key, sizeof(key), 9);
	CU_ASSERT_EQUAL(rb_hmac(RB_HASH_SHA512, key, sizeof(key), "x", 1, mine), 0);
	HMAC(EVP_sha512(), key, sizeof(key), (const uint8_t *)"x", 1, ref, &rl);
	CU_ASSERT_EQUAL(memcmp(mine, ref, 64), 0);
	CU_ASSERT_EQUAL(rb_hmac(RB_HASH_SHA1, NULL, 0, "", 0, mine), 0);
	HMAC(EVP_sha1(), "", 0, (const uint8_t *)"", 0, ref, &rl);
	CU_ASSERT_EQUAL(memcmp(mine, ref, 20), 0);
}

/* Shadowsocks' password -> key, against OpenSSL's own EVP_BytesToKey. */
static void test_bytes_to_key(void)
{
	static const char *const pw[] = {"", "a", "barfoo!", "a much longer password than 16"};
	static const size_t lens[] = {16, 24, 32, 40};

	for (size_t i = 0; i < 4; i++) {
		for (size_t j = 0; j < 4; j++) {
			uint8_t mine[64], ref[64], iv[16];

			CU_ASSERT_EQUAL(rb_bytes_to_key_md5(pw[i], strlen(pw[i]), mine, lens[j]),
					0);
			/* EVP_BytesToKey derives key then IV from one MD5 chain; ask
			 * for a 32-byte key (AES-256) and take the chain's prefix. */
			EVP_BytesToKey(EVP_aes_256_cbc(), EVP_md5(), NULL,
				       (const unsigned char *)pw[i], (int)strlen(pw[i]), 1, ref,
				       iv);
			memcpy(ref + 32, iv, 16);
			CU_ASSERT_EQUAL(memcmp(mine, ref, lens[j]), 0);
		}
	}
}

/* ---- BLAKE2s ---- */
/* RFC 7693 appendix E: deterministic input generator */
static void selftest_seq(uint8_t *out, size_t len, uint32_t seed)
{
	uint32_t a = 0xDEAD4BAD * seed, b = 1, t;

	for (size_t i = 0; i < len; i++) {
		t = a + b;
		a = b;
		b = t;
		out[i] = (uint8_t)(t >> 24);
	}
}

static void openssl_blake2s_mac(uint8_t *out, size_t out_len, const uint8_t *key,
				size_t key_len, const uint8_t *in, size_t len)
{
	EVP_MAC *mac = EVP_MAC_fetch(NULL, "BLAKE2SMAC", NULL);
	EVP_MAC_CTX *c = EVP_MAC_CTX_new(mac);
	OSSL_PARAM p[2] = {OSSL_PARAM_construct_size_t(OSSL_MAC_PARAM_SIZE, &out_len),
			   OSSL_PARAM_construct_end()};
	size_t ol = 0;

	EVP_MAC_init(c, key, key_len, p);
	EVP_MAC_update(c, in, len);
	EVP_MAC_final(c, out, &ol, out_len);
	EVP_MAC_CTX_free(c);
	EVP_MAC_free(mac);
}

static void test_blake2s(void)
{
	static const size_t md_len[4] = {16, 20, 28, 32};
	static const size_t in_len[6] = {0, 3, 64, 65, 255, 1024};
	uint8_t in[1024], md[32], key[32], res[32];
	struct rb_blake2s s;

	/* RFC 7693 appendix B */
	CU_ASSERT_EQUAL(rb_blake2s(md, 32, NULL, 0, "abc", 3), 0);
	CU_ASSERT(hexeq(md, "508c5e8c327c14e2e1a72ba34eeb452f37458b209ed63a294d999b4c86675982",
			32));

	/* RFC 7693 appendix E self-test */
	CU_ASSERT_EQUAL_FATAL(rb_blake2s_init(&s, 32, NULL, 0), 0);
	for (int i = 0; i < 4; i++) {
		for (int j = 0; j < 6; j++) {
			selftest_seq(in, in_len[j], (uint32_t)in_len[j]);
			rb_blake2s(md, md_len[i], NULL, 0, in, in_len[j]);
			rb_blake2s_update(&s, md, md_len[i]);
			selftest_seq(key, md_len[i], (uint32_t)md_len[i]);
			rb_blake2s(md, md_len[i], key, md_len[i], in, in_len[j]);
			rb_blake2s_update(&s, md, md_len[i]);
		}
	}
	rb_blake2s_final(&s, res);
	CU_ASSERT(hexeq(res, "6a411f08ce25adcdfb02aba641451cec53c598b24f4fc787fbdc88797f4c1dfe",
			32));

	/* against OpenSSL: unkeyed 32-byte digest, keyed MAC, incremental */
	for (size_t len = 0; len <= 300; len += 7) {
		uint8_t ref[32], mine[32], data[300];
		unsigned ol;
		size_t kl = len % 33, outl = 1 + len % 32;

		tc_fill(data, len, (uint32_t)len);
		tc_fill(key, 32, (uint32_t)len + 7);
		EVP_Digest(data, len, ref, &ol, EVP_blake2s256(), NULL);
		rb_blake2s(mine, 32, NULL, 0, data, len);
		CU_ASSERT_EQUAL(memcmp(mine, ref, 32), 0);
		if (kl > 0) {
			openssl_blake2s_mac(ref, outl, key, kl, data, len);
			rb_blake2s(mine, outl, key, kl, data, len);
			CU_ASSERT_EQUAL(memcmp(mine, ref, outl), 0);
		}
		rb_blake2s_init(&s, outl, key, kl);
		for (size_t off = 0; off < len; off += 5)
			rb_blake2s_update(&s, data + off, len - off < 5 ? len - off : 5);
		rb_blake2s_final(&s, mine);
		rb_blake2s(ref, outl, key, kl, data, len);
		CU_ASSERT_EQUAL(memcmp(mine, ref, outl), 0);
	}
	CU_ASSERT_EQUAL(rb_blake2s(md, 0, NULL, 0, "", 0), -1);
	CU_ASSERT_EQUAL(rb_blake2s(md, 33, NULL, 0, "", 0), -1);
	CU_ASSERT_EQUAL(rb_blake2s(md, 32, key, 33, "", 0), -1);
}

/* HMAC-BLAKE2s and the WireGuard KDF against OpenSSL HMAC / HKDF(BLAKE2S-256). */
static void test_blake2s_hmac_kdf(void)
{
	for (size_t len = 0; len <= 200; len += 9) {
		uint8_t key[100], data[200], ref[96], mine[32], t1[32], t2[32], t3[32];
		unsigned ol = 0;
		size_t kl = len % 100;

		tc_fill(key, kl, (uint32_t)len + 3);
		tc_fill(data, len, (uint32_t)len + 4);
		HMAC(EVP_blake2s256(), key, (int)kl, data, len, ref, &ol);
		rb_blake2s_hmac(mine, key, kl, data, len);
		CU_ASSERT_EQUAL(ol, 32);
		CU_ASSERT_EQUAL(memcmp(mine, ref, 32), 0);

		/* Kdf3(key32, data) == HKDF-BLAKE2s(salt = key, ikm = data, info = "") */
		EVP_KDF *kdf = EVP_KDF_fetch(NULL, "HKDF", NULL);
		EVP_KDF_CTX *kc = EVP_KDF_CTX_new(kdf);
		uint8_t dummy = 0;
		OSSL_PARAM p[] = {
			OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, "BLAKE2S-256", 0),
			OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY,
							  len ? data : &dummy, len),
			OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, key, 32),
			OSSL_PARAM_construct_end(),
		};

		tc_fill(key, 32, (uint32_t)len + 5);
		CU_ASSERT_EQUAL(EVP_KDF_derive(kc, ref, 96, p), 1);
		EVP_KDF_CTX_free(kc);
		EVP_KDF_free(kdf);
		rb_blake2s_kdf(t1, t2, t3, key, data, len);
		CU_ASSERT_EQUAL(memcmp(t1, ref, 32), 0);
		CU_ASSERT_EQUAL(memcmp(t2, ref + 32, 32), 0);
		CU_ASSERT_EQUAL(memcmp(t3, ref + 64, 32), 0);
		memset(t2, 0xee, 32);
		rb_blake2s_kdf(t1, NULL, NULL, key, data, len);
		CU_ASSERT_EQUAL(memcmp(t1, ref, 32), 0);
	}
}

/* ---- X25519, RFC 7748 ---- */
static void test_x25519(void)
{
	static const struct {
		const char *scalar, *u, *out;
	} v[] = {
		{"a546e36bf0527c9d3b16154b82465edd62144c0ac1fc5a18506a2244ba449ac4",
		 "e6db6867583030db3594c1a424b15f7c726624ec26b3353b10a903a6d0ab1c4c",
		 "c3da55379de9c6908e94ea4df28d084f32eccf03491c71f754b4075577a28552"},
		{"4b66e9d4d1b4673c5ad22691957d6af5c11b6421e0ea01d42ca4169e7918ba0d",
		 "e5210f12786811d3f4b7959d0538ae2c31dbe7106fc03c3efc4cd549c715a493",
		 "95cbde9476e8907d7aade45cb4b873f88b595a68799fa152e6f8f7647aac7957"},
	};
	uint8_t s[32], u[32], out[32], k[32], un[32], a_pub[32], b_pub[32], a_priv[32],
		b_priv[32], sh1[32], sh2[32];

	for (int i = 0; i < 2; i++) {
		tc_hex(v[i].scalar, s, 32);
		tc_hex(v[i].u, u, 32);
		CU_ASSERT_EQUAL(rb_x25519_shared(out, s, u), 0);
		CU_ASSERT(hexeq(out, v[i].out, 32));
	}
	/* 5.2 iterated: k = u = 9; (k, u) = (X25519(k, u), k) */
	memset(k, 0, 32);
	k[0] = 9;
	memcpy(u, k, 32);
	for (int i = 1; i <= 1000; i++) {
		CU_ASSERT_EQUAL_FATAL(rb_x25519_shared(un, k, u), 0);
		memcpy(u, k, 32);
		memcpy(k, un, 32);
		if (i == 1)
			CU_ASSERT(hexeq(k,
					"422c8e7a6227d7bca1350b3e2bb7279f7897b87bb6854b783c60e80311ae3079",
					32));
	}
	CU_ASSERT(hexeq(k, "684cf59ba83309552800ef566f2f4d3c1c3887c49360e3875f2eb94d99532c51", 32));

	/* 6.1 Diffie-Hellman */
	tc_hex("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a", a_priv, 32);
	tc_hex("5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb", b_priv, 32);
	CU_ASSERT_EQUAL(rb_x25519_public(a_pub, a_priv), 0);
	CU_ASSERT(hexeq(a_pub, "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a",
			32));
	CU_ASSERT_EQUAL(rb_x25519_public(b_pub, b_priv), 0);
	CU_ASSERT(hexeq(b_pub, "de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f",
			32));
	CU_ASSERT_EQUAL(rb_x25519_shared(sh1, a_priv, b_pub), 0);
	CU_ASSERT_EQUAL(rb_x25519_shared(sh2, b_priv, a_pub), 0);
	CU_ASSERT(hexeq(sh1, "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742",
			32));
	CU_ASSERT_EQUAL(memcmp(sh1, sh2, 32), 0);

	/* fresh pairs agree; private keys come out clamped */
	CU_ASSERT_EQUAL(rb_x25519_keypair(a_priv, a_pub), 0);
	CU_ASSERT_EQUAL(rb_x25519_keypair(b_priv, b_pub), 0);
	CU_ASSERT_EQUAL(a_priv[0] & 7, 0);
	CU_ASSERT_EQUAL(a_priv[31] & 0xc0, 0x40);
	CU_ASSERT_NOT_EQUAL(memcmp(a_priv, b_priv, 32), 0);
	CU_ASSERT_EQUAL(rb_x25519_shared(sh1, a_priv, b_pub), 0);
	CU_ASSERT_EQUAL(rb_x25519_shared(sh2, b_priv, a_pub), 0);
	CU_ASSERT_EQUAL(memcmp(sh1, sh2, 32), 0);

	/* low-order points give an all-zero secret: refused */
	memset(u, 0, 32);
	memset(sh1, 0xff, 32);
	CU_ASSERT_EQUAL(rb_x25519_shared(sh1, a_priv, u), -1);
	CU_ASSERT_EQUAL(sh1[0] | sh1[31], 0);
	u[0] = 1;
	CU_ASSERT_EQUAL(rb_x25519_shared(sh1, a_priv, u), -1);
}

int tc_register_hash(void)
{
	CU_pSuite s = CU_add_suite("hash_kdf_x25519", NULL, NULL);

	if (s == NULL)
		return -1;
	CU_add_test(s, "md5/sha vectors", test_hash);
	CU_add_test(s, "hmac rfc2202/4231", test_hmac);
	CU_add_test(s, "hkdf rfc5869 cases 1-7", test_hkdf);
	CU_add_test(s, "hkdf/hmac vs openssl EVP_KDF", test_hkdf_cross);
	CU_add_test(s, "EVP_BytesToKey md5", test_bytes_to_key);
	CU_add_test(s, "blake2s rfc7693 + openssl", test_blake2s);
	CU_add_test(s, "hmac-blake2s, wireguard kdf", test_blake2s_hmac_kdf);
	CU_add_test(s, "x25519 rfc7748", test_x25519);
	return 0;
}
