/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Shadowsocks SIP004 AEAD codec (dataplane/ss/ss_aead.c): the encoder
 * against an independent OpenSSL EVP reference (EVP_BytesToKey, EVP_KDF
 * HKDF, EVP AEAD), decoding at every split point, coalesced streams, tag
 * and length failures, output limits and the address form.
 */
#include <CUnit/Basic.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "dataplane/ss/ss_aead.h"
#include "dataplane/ss/ss_udp.h"

static struct rb_aead_ctx *ctx_mb, *ctx_ossl;

/* ------------------------------------------------ OpenSSL reference */

static void ref_master(const char *pw, int klen, uint8_t *key)
{
	uint8_t iv[16];

	EVP_BytesToKey(EVP_aes_256_cbc(), EVP_md5(), NULL, (const uint8_t *)pw, (int)strlen(pw), 1,
		       key, iv);
	/* aes-256-cbc yields 32 bytes; shorter keys are its prefix */
	(void)klen;
}

static void ref_hkdf(const uint8_t *master, const uint8_t *salt, int klen, uint8_t *sub)
{
	EVP_KDF *kdf = EVP_KDF_fetch(NULL, "HKDF", NULL);
	EVP_KDF_CTX *k = EVP_KDF_CTX_new(kdf);
	OSSL_PARAM p[] = {
	    OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, "SHA1", 0),
	    OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, (void *)master, (size_t)klen),
	    OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, (void *)salt, (size_t)klen),
	    OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, "ss-subkey", 9),
	    OSSL_PARAM_construct_end(),
	};

	CU_ASSERT_FATAL(EVP_KDF_derive(k, sub, (size_t)klen, p) == 1);
	EVP_KDF_CTX_free(k);
	EVP_KDF_free(kdf);
}

static const EVP_CIPHER *ref_cipher(int alg)
{
	switch (alg) {
	case RB_AEAD_AES_128_GCM:
		return EVP_aes_128_gcm();
	case RB_AEAD_AES_256_GCM:
		return EVP_aes_256_gcm();
	case RB_AEAD_CHACHA20_POLY1305:
		return EVP_chacha20_poly1305();
	default:
		return NULL;
	}
}

static void ref_seal(int alg, const uint8_t *key, const uint8_t nonce[12], const uint8_t *in,
		     int len, uint8_t *out, uint8_t *tag)
{
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	int n = 0;

	CU_ASSERT_FATAL(EVP_EncryptInit_ex(c, ref_cipher(alg), NULL, key, nonce) == 1);
	if (len)
		CU_ASSERT_FATAL(EVP_EncryptUpdate(c, out, &n, in, len) == 1);
	CU_ASSERT_FATAL(EVP_EncryptFinal_ex(c, out + n, &n) == 1);
	CU_ASSERT_FATAL(EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_GET_TAG, 16, tag) == 1);
	EVP_CIPHER_CTX_free(c);
}

static void nonce_inc(uint8_t *n, int len)
{
	for (int i = 0; i < len; i++)
		if (++n[i])
			break;
}

/* Reference stream: salt, then chunks of at most maxp bytes, with an
 * arbitrary length field forced when force_len >= 0 (for error tests). */
static size_t ref_stream(const struct ss_method *m, const uint8_t *master, const uint8_t *salt,
			 const uint8_t *in, size_t len, size_t maxp, int force_len, uint8_t *out)
{
	uint8_t sub[32], nonce[12] = {0};
	size_t off = m->key_len;

	ref_hkdf(master, salt, m->key_len, sub);
	memcpy(out, salt, m->key_len);
	while (len) {
		size_t n = len > maxp ? maxp : len;
		uint8_t lb[2];
		unsigned fl = force_len >= 0 ? (unsigned)force_len : (unsigned)n;

		lb[0] = (uint8_t)(fl >> 8);
		lb[1] = (uint8_t)fl;
		ref_seal(m->alg, sub, nonce, lb, 2, out + off, out + off + 2);
		nonce_inc(nonce, 12);
		ref_seal(m->alg, sub, nonce, in, (int)n, out + off + 18, out + off + 18 + n);
		nonce_inc(nonce, 12);
		off += 34 + n;
		in += n;
		len -= n;
	}
	return off;
}

/* ------------------------------------------------------------ helpers */

static uint8_t *pattern(size_t len, unsigned seed)
{
	uint8_t *p = malloc(len ? len : 1);

	for (size_t i = 0; i < len; i++)
		p[i] = (uint8_t)((i * 131u + seed * 7u + (i >> 9)) & 0xff);
	return p;
}

static void fixed_salt(uint8_t *salt, unsigned seed)
{
	for (int i = 0; i < SS_MAX_SALT; i++)
		salt[i] = (uint8_t)(seed * 17 + i * 3);
}

/* Decode all of ct in pieces of `piece` bytes (0 = one call). */
static int decode_all(struct rb_aead_ctx *ctx, const struct ss_method *m, const uint8_t *master,
		      const uint8_t *ct, size_t ctlen, size_t piece, uint8_t *pt, size_t *ptlen)
{
	static struct ss_cipher d;
	size_t off = 0;
	int rc = SS_OK;

	ss_dec_init(&d, m, master);
	*ptlen = 0;
	while (off < ctlen) {
		size_t n = piece && ctlen - off > piece ? piece : ctlen - off, used, prod;

		while (n) {
			rc =
			    ss_dec(ctx, &d, ct + off, n, &used, pt + *ptlen, SS_MAX_PAYLOAD, &prod);
			if (rc != SS_OK)
				goto out;
			*ptlen += prod;
			off += used;
			n -= used;
			if (used == 0 && prod == 0)
				break;
		}
	}
out:
	ss_cipher_wipe(&d);
	return rc;
}

/* ------------------------------------------------------------- tests */

static void test_methods(void)
{
	static const struct {
		const char *name;
		int key, nonce;
	} t[] = {
	    {"aes-128-gcm", 16, 12},
	    {"aes-256-gcm", 32, 12},
	    {"chacha20-ietf-poly1305", 32, 12},
	    {"xchacha20-ietf-poly1305", 32, 24},
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		const struct ss_method *m = ss_method_find(t[i].name);

		CU_ASSERT_PTR_NOT_NULL_FATAL(m);
		CU_ASSERT_EQUAL(m->key_len, t[i].key);
		CU_ASSERT_EQUAL(m->nonce_len, t[i].nonce);
		CU_ASSERT_EQUAL(rb_aead_key_len((enum rb_aead_alg)m->alg), (size_t)t[i].key);
	}
	CU_ASSERT_PTR_NULL(ss_method_find("aes-192-cfb"));
	CU_ASSERT_PTR_NULL(ss_method_find(""));
	CU_ASSERT_PTR_NULL(ss_method_find(NULL));
}

static void test_master_key(void)
{
	static const char *pw[] = {"barfoo!", "", "a", "a much longer password than 32 bytes !!"};

	for (size_t i = 0; i < 4; i++) {
		for (int mi = 0; mi < SS_M_COUNT; mi++) {
			const struct ss_method *m = ss_method_get((enum ss_method_id)mi);
			uint8_t a[32], b[32];

			CU_ASSERT_EQUAL(ss_master_key(m, pw[i], a), 0);
			ref_master(pw[i], m->key_len, b);
			CU_ASSERT_EQUAL(memcmp(a, b, m->key_len), 0);
		}
	}
}

static const size_t sizes[] = {1,
			       2,
			       100,
			       1400,
			       SS_MAX_PAYLOAD - 1,
			       SS_MAX_PAYLOAD,
			       SS_MAX_PAYLOAD + 1,
			       2 * SS_MAX_PAYLOAD + 5,
			       33 * SS_MAX_PAYLOAD + 7 /* over one batch */,
			       1 << 20};

/* Encoder output equals the EVP reference byte for byte (GCM, ChaCha). */
static void test_enc_reference(void)
{
	for (int mi = 0; mi < SS_M_XCHACHA20_IETF_POLY1305; mi++) {
		const struct ss_method *m = ss_method_get((enum ss_method_id)mi);
		uint8_t master[32], salt[32];

		ss_master_key(m, "test-password", master);
		fixed_salt(salt, (unsigned)mi);
		for (size_t si = 0; si < sizeof(sizes) / sizeof(sizes[0]); si++) {
			size_t len = sizes[si];
			uint8_t *pt = pattern(len, (unsigned)si);
			static struct ss_cipher e;
			size_t cap = m->key_len + len + 34 * (len / SS_MAX_PAYLOAD + 1);
			uint8_t *a = malloc(cap), *b = malloc(cap);
			long n;
			size_t rn;

			for (int be = 0; be < 2; be++) {
				CU_ASSERT_EQUAL_FATAL(ss_enc_init(&e, m, master, salt), 0);
				CU_ASSERT_EQUAL(
				    ss_enc_size(&e, len),
				    cap - 34 * (len / SS_MAX_PAYLOAD + 1) +
					34 * ((len + SS_MAX_PAYLOAD - 1) / SS_MAX_PAYLOAD));
				n = ss_enc(be ? ctx_ossl : ctx_mb, &e, pt, len, a);
				rn = ref_stream(m, master, salt, pt, len, SS_MAX_PAYLOAD, -1, b);
				CU_ASSERT_EQUAL(n, (long)rn);
				CU_ASSERT_EQUAL(n > 0 && memcmp(a, b, rn), 0);
				CU_ASSERT_EQUAL(e.chunks,
						(len + SS_MAX_PAYLOAD - 1) / SS_MAX_PAYLOAD);
			}
			/* a second call continues the nonce and sends no salt */
			CU_ASSERT_EQUAL(ss_enc_size(&e, 1), 35u);
			ss_cipher_wipe(&e);
			free(pt);
			free(a);
			free(b);
		}
	}
}

/* Every method: encode in several calls, decode in one, in pieces of every
 * size 1..N and split at every byte boundary. */
static void test_roundtrip_splits(void)
{
	for (int mi = 0; mi < SS_M_COUNT; mi++) {
		const struct ss_method *m = ss_method_get((enum ss_method_id)mi);
		uint8_t master[32], salt[32], ct[4096], out[4096 + SS_MAX_PAYLOAD];
		static const size_t parts[] = {1, 7, 300, 20, 1};
		static struct ss_cipher e;
		size_t ctlen = 0, ptlen = 0, olen;
		uint8_t *pt = pattern(400, 9);

		ss_master_key(m, "split", master);
		fixed_salt(salt, 3);
		CU_ASSERT_EQUAL_FATAL(ss_enc_init(&e, m, master, salt), 0);
		for (size_t i = 0; i < 5; i++) {
			long n = ss_enc(ctx_mb, &e, pt + ptlen, parts[i], ct + ctlen);

			CU_ASSERT_FATAL(n > 0);
			ctlen += (size_t)n;
			ptlen += parts[i];
		}
		CU_ASSERT_EQUAL(ctlen, m->key_len + 5 * 34 + ptlen);
		/* piece sizes */
		for (size_t piece = 1; piece <= ctlen; piece += piece < 64 ? 1 : 37) {
			CU_ASSERT_EQUAL(decode_all(ctx_mb, m, master, ct, ctlen, piece, out, &olen),
					SS_OK);
			CU_ASSERT_EQUAL(olen, ptlen);
			CU_ASSERT_EQUAL(memcmp(out, pt, ptlen), 0);
		}
		/* one split at every boundary */
		for (size_t cut = 0; cut <= ctlen; cut++) {
			static struct ss_cipher d;
			size_t used, prod, got = 0;

			ss_dec_init(&d, m, master);
			CU_ASSERT_EQUAL(
			    ss_dec(ctx_ossl, &d, ct, cut, &used, out, sizeof(out), &prod), SS_OK);
			CU_ASSERT_EQUAL(used, cut);
			got += prod;
			CU_ASSERT_EQUAL(ss_dec(ctx_ossl, &d, ct + cut, ctlen - cut, &used,
					       out + got, sizeof(out) - got, &prod),
					SS_OK);
			CU_ASSERT_EQUAL(used, ctlen - cut);
			got += prod;
			CU_ASSERT_EQUAL(got, ptlen);
			CU_ASSERT_EQUAL(memcmp(out, pt, ptlen), 0);
			CU_ASSERT_EQUAL(d.chunks, 5u);
		}
		ss_cipher_wipe(&e);
		free(pt);
	}
}

/* Large streams (full-size chunks, more than one batch) round trip. */
static void test_roundtrip_large(void)
{
	for (int mi = 0; mi < SS_M_COUNT; mi++) {
		const struct ss_method *m = ss_method_get((enum ss_method_id)mi);
		size_t len = 70 * SS_MAX_PAYLOAD + 123, olen;
		uint8_t master[32], salt[32], *pt = pattern(len, 5);
		uint8_t *ct = malloc(len + 32 + 34 * 72), *out = malloc(len + SS_MAX_PAYLOAD);
		static struct ss_cipher e;
		long n;

		ss_master_key(m, "large", master);
		fixed_salt(salt, 11);
		ss_enc_init(&e, m, master, salt);
		n = ss_enc(ctx_mb, &e, pt, len, ct);
		CU_ASSERT_FATAL(n > 0);
		CU_ASSERT_EQUAL(decode_all(ctx_mb, m, master, ct, (size_t)n, 0, out, &olen), SS_OK);
		CU_ASSERT_EQUAL(olen, len);
		CU_ASSERT_EQUAL(memcmp(out, pt, len), 0);
		CU_ASSERT_EQUAL(decode_all(ctx_ossl, m, master, ct, (size_t)n, 16411, out, &olen),
				SS_OK);
		CU_ASSERT_EQUAL(olen, len);
		CU_ASSERT_EQUAL(memcmp(out, pt, len), 0);
		ss_cipher_wipe(&e);
		free(pt);
		free(ct);
		free(out);
	}
}

/* Every single-byte flip in salt, length, length tag, payload and payload
 * tag of the first two chunks is an auth failure; the stream stays dead. */
static void test_tag_failures(void)
{
	for (int mi = 0; mi < SS_M_COUNT; mi++) {
		const struct ss_method *m = ss_method_get((enum ss_method_id)mi);
		uint8_t master[32], salt[32], ct[512], bad[512], out[SS_MAX_PAYLOAD];
		uint8_t *pt = pattern(40, 1);
		static struct ss_cipher e, d;
		size_t ctlen = 0, used, prod;
		long n;

		ss_master_key(m, "flip", master);
		fixed_salt(salt, 2);
		ss_enc_init(&e, m, master, salt);
		n = ss_enc(ctx_mb, &e, pt, 20, ct);
		ctlen += (size_t)n;
		n = ss_enc(ctx_mb, &e, pt + 20, 20, ct + ctlen);
		ctlen += (size_t)n;
		for (size_t i = 0; i < ctlen; i++) {
			int rc;

			memcpy(bad, ct, ctlen);
			bad[i] ^= 0x01;
			ss_dec_init(&d, m, master);
			rc = ss_dec(ctx_mb, &d, bad, ctlen, &used, out, sizeof(out), &prod);
			CU_ASSERT_EQUAL(rc, SS_ERR_AUTH);
			CU_ASSERT_EQUAL(
			    ss_dec(ctx_mb, &d, ct, ctlen, &used, out, sizeof(out), &prod),
			    SS_ERR_AUTH);
		}
		/* wrong password */
		ss_master_key(m, "flop", master);
		ss_dec_init(&d, m, master);
		CU_ASSERT_EQUAL(ss_dec(ctx_ossl, &d, ct, ctlen, &used, out, sizeof(out), &prod),
				SS_ERR_AUTH);
		/* truncated stream: no error, no output past complete chunks */
		ss_master_key(m, "flip", master);
		ss_dec_init(&d, m, master);
		CU_ASSERT_EQUAL(ss_dec(ctx_mb, &d, ct, ctlen - 1, &used, out, sizeof(out), &prod),
				SS_OK);
		CU_ASSERT_EQUAL(prod, 20u);
		ss_cipher_wipe(&e);
		ss_cipher_wipe(&d);
		free(pt);
	}
}

/* Length field 0 or over 0x3FFF (properly sealed) is SS_ERR_LEN. */
static void test_length_errors(void)
{
	static const int lens[] = {0, SS_MAX_PAYLOAD + 1, 0x8000, 0xffff};

	for (int mi = 0; mi < SS_M_XCHACHA20_IETF_POLY1305; mi++) {
		const struct ss_method *m = ss_method_get((enum ss_method_id)mi);
		uint8_t master[32], salt[32], ct[256], out[SS_MAX_PAYLOAD], *pt = pattern(10, 4);
		static struct ss_cipher d;
		size_t used, prod, n;

		ss_master_key(m, "len", master);
		fixed_salt(salt, 8);
		for (size_t i = 0; i < 4; i++) {
			n = ref_stream(m, master, salt, pt, 10, 10, lens[i], ct);
			ss_dec_init(&d, m, master);
			CU_ASSERT_EQUAL(ss_dec(ctx_mb, &d, ct, n, &used, out, sizeof(out), &prod),
					SS_ERR_LEN);
			CU_ASSERT_EQUAL(ss_dec(ctx_mb, &d, ct, n, &used, out, sizeof(out), &prod),
					SS_ERR_AUTH);
		}
		/* the length says 10 but only... a correct 10 decodes */
		n = ref_stream(m, master, salt, pt, 10, 10, -1, ct);
		ss_dec_init(&d, m, master);
		CU_ASSERT_EQUAL(ss_dec(ctx_mb, &d, ct, n, &used, out, sizeof(out), &prod), SS_OK);
		CU_ASSERT_EQUAL(prod, 10u);
		ss_cipher_wipe(&d);
		free(pt);
	}
}

/* The decoder stops before a payload that does not fit the output. */
static void test_outcap(void)
{
	const struct ss_method *m = ss_method_find("aes-256-gcm");
	uint8_t master[32], salt[32], ct[1024], out[512], *pt = pattern(300, 6);
	static struct ss_cipher e, d;
	size_t ctlen = 0, used, prod, off = 0, got = 0;

	ss_master_key(m, "cap", master);
	fixed_salt(salt, 1);
	ss_enc_init(&e, m, master, salt);
	for (int i = 0; i < 3; i++)
		ctlen += (size_t)ss_enc(ctx_mb, &e, pt + 100 * i, 100, ct + ctlen);
	ss_dec_init(&d, m, master);
	CU_ASSERT_EQUAL(ss_dec(ctx_mb, &d, ct, ctlen, &used, out, 150, &prod), SS_OK);
	CU_ASSERT_EQUAL(prod, 100u);
	CU_ASSERT(used < ctlen);
	off = used;
	got = prod;
	CU_ASSERT_EQUAL(ss_dec(ctx_mb, &d, ct + off, ctlen - off, &used, out + got, 99, &prod),
			SS_OK);
	CU_ASSERT_EQUAL(prod, 0u);
	off += used;
	CU_ASSERT_EQUAL(ss_dec(ctx_mb, &d, ct + off, ctlen - off, &used, out + got, 300, &prod),
			SS_OK);
	got += prod;
	off += used;
	CU_ASSERT_EQUAL(off, ctlen);
	CU_ASSERT_EQUAL(got, 300u);
	CU_ASSERT_EQUAL(memcmp(out, pt, 300), 0);
	ss_cipher_wipe(&e);
	ss_cipher_wipe(&d);
	free(pt);
}

static void test_addr(void)
{
	static const struct {
		const char *hex;
		int rc, family;
		const char *host;
		uint16_t port;
	} t[] = {
	    {"010a000002 0050", 7, AF_INET, "10.0.0.2", 80},
	    {"010a0000", 0, 0, NULL, 0},
	    {"010a000002 00", 0, 0, NULL, 0},
	    {"030b6578616d706c652e636f6d 01bb", 15, 0, "example.com", 443},
	    {"0300 0050", -1, 0, NULL, 0},
	    {"03036100 62 0050", -1, 0, NULL, 0},
	    {"04 20010db8000000000000000000000001 1f90", 19, AF_INET6, "2001:db8::1", 8080},
	    {"05 00", -1, 0, NULL, 0},
	    {"", 0, 0, NULL, 0},
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		uint8_t b[64], addr[16], w[300];
		size_t n = 0;
		char host[256];
		int family = -1, rc;
		uint16_t port = 0;

		for (const char *p = t[i].hex; *p;) {
			unsigned v;

			if (*p == ' ') {
				p++;
				continue;
			}
			sscanf(p, "%2x", &v);
			b[n++] = (uint8_t)v;
			p += 2;
		}
		rc = ss_addr_parse(b, n, &family, addr, host, sizeof(host), &port);
		CU_ASSERT_EQUAL(rc, t[i].rc);
		if (rc > 0) {
			CU_ASSERT_EQUAL(family, t[i].family);
			CU_ASSERT_STRING_EQUAL(host, t[i].host);
			CU_ASSERT_EQUAL(port, t[i].port);
			CU_ASSERT_EQUAL(ss_addr_write(w, family, addr, host, port), rc);
			CU_ASSERT_EQUAL(memcmp(w, b, (size_t)rc), 0);
		}
	}
}

/* UDP: sealed packets equal the EVP reference; a burst of good, flipped
 * and short packets opens with per-packet results. */
static void test_udp(void)
{
	static struct ss_udp_burst w;

	for (int mi = 0; mi < SS_M_COUNT; mi++) {
		const struct ss_method *m = ss_method_get((enum ss_method_id)mi);
		uint8_t master[32], salts[SS_UDP_BURST][32], ct[SS_UDP_BURST][1600];
		uint8_t pt2[SS_UDP_BURST][1600], ref[1600], sub[32], zero[12] = {0};
		struct ss_udp_pkt p[SS_UDP_BURST];
		uint8_t *pt = pattern(1500, 3);
		unsigned n = SS_UDP_BURST;

		ss_master_key(m, "udp", master);
		for (unsigned i = 0; i < n; i++) {
			fixed_salt(salts[i], 100 + i);
			p[i] = (struct ss_udp_pkt){
			    .in = pt, .len = i * 47, .out = ct[i], .salt = salts[i]};
		}
		CU_ASSERT_EQUAL(ss_udp_seal(ctx_mb, &w, m, master, p, n), 0u);
		for (unsigned i = 0; i < n; i++) {
			CU_ASSERT_EQUAL(p[i].out_len, (int32_t)(m->key_len + i * 47 + 16));
			if (m->alg == RB_AEAD_XCHACHA20_POLY1305)
				continue;
			ref_hkdf(master, salts[i], m->key_len, sub);
			ref_seal(m->alg, sub, zero, pt, (int)(i * 47), ref, ref + i * 47);
			CU_ASSERT_EQUAL(memcmp(ct[i], salts[i], m->key_len), 0);
			CU_ASSERT_EQUAL(memcmp(ct[i] + m->key_len, ref, i * 47 + 16), 0);
		}
		/* open: packet 3 flipped in the salt, 5 in the payload, 7 in the
		 * tag, 9 truncated below salt + tag */
		ct[3][0] ^= 1;
		ct[5][m->key_len + 2] ^= 0x80;
		ct[7][m->key_len + 7 * 47 + 15] ^= 4;
		for (unsigned i = 0; i < n; i++)
			p[i] = (struct ss_udp_pkt){.in = ct[i],
						   .len = (uint32_t)(m->key_len + i * 47 + 16),
						   .out = pt2[i]};
		p[9].len = m->key_len + 15;
		CU_ASSERT_EQUAL(ss_udp_open(ctx_ossl, &w, m, master, p, n), 4u);
		for (unsigned i = 0; i < n; i++) {
			if (i == 3 || i == 5 || i == 7) {
				CU_ASSERT_EQUAL(p[i].out_len, SS_ERR_AUTH);
			} else if (i == 9) {
				CU_ASSERT_EQUAL(p[i].out_len, SS_ERR_LEN);
			} else {
				CU_ASSERT_EQUAL(p[i].out_len, (int32_t)(i * 47));
				CU_ASSERT_EQUAL(memcmp(pt2[i], pt, i * 47), 0);
			}
		}
		free(pt);
	}
	ss_udp_burst_wipe(&w);
}

int main(void)
{
	CU_pSuite s;
	unsigned fails;

	ctx_mb = rb_aead_ctx_create(RB_AEAD_BACKEND_AUTO);
	ctx_ossl = rb_aead_ctx_create(RB_AEAD_BACKEND_OPENSSL);
	if (ctx_mb == NULL || ctx_ossl == NULL)
		return 1;
	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("ss", NULL, NULL);
	CU_add_test(s, "methods", test_methods);
	CU_add_test(s, "master key vs EVP_BytesToKey", test_master_key);
	CU_add_test(s, "encoder vs EVP reference", test_enc_reference);
	CU_add_test(s, "round trip, splits", test_roundtrip_splits);
	CU_add_test(s, "round trip, large", test_roundtrip_large);
	CU_add_test(s, "tag failures", test_tag_failures);
	CU_add_test(s, "length errors", test_length_errors);
	CU_add_test(s, "output limit", test_outcap);
	CU_add_test(s, "addresses", test_addr);
	CU_add_test(s, "udp packets", test_udp);
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	fails = CU_get_number_of_failures();
	CU_cleanup_registry();
	rb_aead_ctx_free(ctx_mb);
	rb_aead_ctx_free(ctx_ossl);
	return fails ? 1 : 0;
}
