/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * AEAD streams (rb_aead_stream_*: one record over scattered pieces): the
 * published vectors of test_crypto.c (RFC 8439 2.8.2, the GCM spec's test
 * cases, XChaCha draft A.3.1) sealed and opened in two pieces split at
 * every byte, on ipsec-mb, OpenSSL and an AUTO context (its measured
 * pick); random records in 1..6 pieces against rb_aead_seal; tampering;
 * the length contract.
 */
#include <CUnit/Basic.h>
#include <stdio.h>
#include <string.h>

#include "crypto/rb_aead.h"

size_t tc_hex(const char *hex, uint8_t *out, size_t max);
void tc_fill(uint8_t *p, size_t len, uint32_t seed);
int tc_aead_vec(unsigned i, enum rb_aead_alg *alg, const char **key, const char **nonce,
		const char **aad, const char **pt, const char **ct, const char **tag,
		int *pt_is_text);
int tc_register_stream(void);

static struct rb_aead_ctx *sctx[3]; /* ipsec-mb, openssl, auto */

/* Seal or open len bytes in the pieces cut at cuts[0..n) (ascending). */
static int run_pieces(struct rb_aead_ctx *ctx, const struct rb_aead_key *k, const uint8_t *nonce,
		      const uint8_t *aad, uint32_t al, const uint8_t *src, uint8_t *dst,
		      uint32_t len, const uint32_t *cuts, unsigned n, uint8_t *tag, int open)
{
	struct rb_aead_stream s;
	uint32_t at = 0;
	int rc = rb_aead_stream_begin(ctx, &s, k, nonce, aad, al, len, open);

	for (unsigned i = 0; i <= n && rc == RB_AEAD_OK; i++) {
		uint32_t end = i < n ? cuts[i] : len;

		rc = rb_aead_stream_update(&s, src + at, dst + at, end - at);
		at = end;
	}
	return rc == RB_AEAD_OK ? rb_aead_stream_final(&s, tag) : rc;
}

static void test_stream_vectors(void)
{
	enum rb_aead_alg alg;
	const char *hk, *hn, *ha, *hp, *hc, *ht;
	int text;

	for (unsigned v = 0; tc_aead_vec(v, &alg, &hk, &hn, &ha, &hp, &hc, &ht, &text); v++) {
		uint8_t key[32], nonce[24], aad[64], pt[256], ct[256], tag[16], out[256], ot[16];
		size_t kl = tc_hex(hk, key, 32), al = tc_hex(ha, aad, 64), cl = tc_hex(hc, ct, 256);
		size_t pl = text ? strlen(hp) : tc_hex(hp, pt, 256);
		struct rb_aead_key k;

		if (text)
			memcpy(pt, hp, pl);
		tc_hex(hn, nonce, 24);
		tc_hex(ht, tag, 16);
		CU_ASSERT_EQUAL_FATAL(pl, cl);
		CU_ASSERT_EQUAL_FATAL(rb_aead_key_init(&k, alg, key, kl), 0);
		for (int c = 0; c < 3; c++) {
			if (sctx[c] == NULL)
				continue;
			for (uint32_t i = 0; i <= pl; i++) {
				uint32_t cut = i, cut2 = (uint32_t)((i * 7) % (pl + 1));

				memset(out, 0xaa, sizeof(out));
				CU_ASSERT_EQUAL(run_pieces(sctx[c], &k, nonce, aad, (uint32_t)al, pt,
							   out, (uint32_t)pl, &cut, 1, ot, 0),
						RB_AEAD_OK);
				if (memcmp(out, ct, cl) != 0 || memcmp(ot, tag, 16) != 0) {
					fprintf(stderr, "\nvector %u ctx %d split %u: seal differs\n",
						v, c, i);
					CU_FAIL("stream seal differs from the published vector");
				}
				/* open in place, cut elsewhere */
				CU_ASSERT_EQUAL(run_pieces(sctx[c], &k, nonce, aad, (uint32_t)al, out,
							   out, (uint32_t)pl, &cut2, 1, tag, 1),
						RB_AEAD_OK);
				CU_ASSERT_EQUAL(memcmp(out, pt, pl), 0);
			}
			/* a flipped tag, ciphertext or AAD bit fails the open */
			memcpy(out, ct, cl);
			tag[0] ^= 1;
			CU_ASSERT_EQUAL(run_pieces(sctx[c], &k, nonce, aad, (uint32_t)al, out, out,
						   (uint32_t)pl, NULL, 0, tag, 1),
					RB_AEAD_EAUTH);
			tag[0] ^= 1;
			if (cl > 0) {
				uint32_t cut = (uint32_t)cl / 3;

				memcpy(out, ct, cl);
				out[cl - 1] ^= 0x40;
				CU_ASSERT_EQUAL(run_pieces(sctx[c], &k, nonce, aad, (uint32_t)al, out,
							   out, (uint32_t)pl, &cut, 1, tag, 1),
						RB_AEAD_EAUTH);
			}
			if (al > 0) {
				memcpy(out, ct, cl);
				aad[al - 1] ^= 2;
				CU_ASSERT_EQUAL(run_pieces(sctx[c], &k, nonce, aad, (uint32_t)al, out,
							   out, (uint32_t)pl, NULL, 0, tag, 1),
						RB_AEAD_EAUTH);
				aad[al - 1] ^= 2;
			}
		}
		rb_aead_key_wipe(&k);
	}
}

/* Random records (0..3000 bytes, AAD 0..40) in 1..6 pieces against the
 * one-buffer path on ipsec-mb, for every algorithm and context. */
static void test_stream_cross(void)
{
	static uint8_t pt[3000], ct[3000], out[3000];
	uint8_t kb[32], nonce[24], aad[40], tag[16], ot[16];
	unsigned bad = 0;

	for (int a = 0; a < RB_AEAD_ALG_COUNT; a++) {
		struct rb_aead_ctx *ref = sctx[0] ? sctx[0] : sctx[1];
		struct rb_aead_key k;

		tc_fill(kb, sizeof(kb), (uint32_t)a + 1);
		CU_ASSERT_EQUAL_FATAL(rb_aead_key_init(&k, (enum rb_aead_alg)a, kb,
						       rb_aead_key_len((enum rb_aead_alg)a)),
				      0);
		for (uint32_t len = 0; len <= 3000; len += 1 + len / 7) {
			uint32_t al = len % 41, cuts[5], n = 1 + len % 6;
			uint8_t r[8];

			tc_fill(pt, len, len + 77);
			tc_fill(aad, al, len + 5);
			tc_fill(nonce, 24, len);
			tc_fill(r, sizeof(r), len * 3 + (uint32_t)a);
			for (unsigned i = 0; i + 1 < n; i++)
				cuts[i] = len ? (uint32_t)((r[i] * len) / 255) : 0;
			for (unsigned i = 1; i + 1 < n; i++) /* ascending */
				if (cuts[i] < cuts[i - 1])
					cuts[i] = cuts[i - 1];
			CU_ASSERT_EQUAL_FATAL(rb_aead_seal(ref, &k, nonce, aad, al, pt, ct, len, tag),
					      RB_AEAD_OK);
			for (int c = 0; c < 3; c++) {
				if (sctx[c] == NULL)
					continue;
				if (run_pieces(sctx[c], &k, nonce, aad, al, pt, out, len, cuts, n - 1,
					       ot, 0) != RB_AEAD_OK ||
				    memcmp(out, ct, len) != 0 || memcmp(ot, tag, 16) != 0)
					bad++;
				if (run_pieces(sctx[c], &k, nonce, aad, al, ct, out, len, cuts, n - 1,
					       tag, 1) != RB_AEAD_OK ||
				    memcmp(out, pt, len) != 0)
					bad++;
			}
		}
		rb_aead_key_wipe(&k);
	}
	CU_ASSERT_EQUAL(bad, 0);
}

static void test_stream_api(void)
{
	static const uint8_t nonce[24];
	uint8_t kb[16] = {1}, buf[64] = {0}, tag[16];
	struct rb_aead_stream s;
	struct rb_aead_key k;
	struct rb_aead_stats st0, st1;

	CU_ASSERT_EQUAL_FATAL(rb_aead_key_init(&k, RB_AEAD_AES_128_GCM, kb, 16), 0);
	for (int c = 0; c < 3; c++) {
		if (sctx[c] == NULL)
			continue;
		/* fewer or more bytes than announced */
		CU_ASSERT_EQUAL(rb_aead_stream_begin(sctx[c], &s, &k, nonce, NULL, 0, 10, 0),
				RB_AEAD_OK);
		CU_ASSERT_EQUAL(rb_aead_stream_update(&s, buf, buf, 9), RB_AEAD_OK);
		CU_ASSERT_EQUAL(rb_aead_stream_final(&s, tag), RB_AEAD_EINVAL);
		CU_ASSERT_EQUAL(s.active, 0); /* wiped */
		CU_ASSERT_EQUAL(rb_aead_stream_begin(sctx[c], &s, &k, nonce, NULL, 0, 10, 0),
				RB_AEAD_OK);
		CU_ASSERT_EQUAL(rb_aead_stream_update(&s, buf, buf, 11), RB_AEAD_EINVAL);
		CU_ASSERT_EQUAL(rb_aead_stream_update(&s, buf, buf, 1), RB_AEAD_EINVAL);
		CU_ASSERT_EQUAL(rb_aead_stream_final(&s, tag), RB_AEAD_EINVAL);
		/* bad arguments */
		CU_ASSERT_EQUAL(rb_aead_stream_begin(sctx[c], &s, &k, NULL, NULL, 0, 1, 0),
				RB_AEAD_EINVAL);
		CU_ASSERT_EQUAL(rb_aead_stream_begin(sctx[c], &s, &k, nonce, NULL, 4, 1, 0),
				RB_AEAD_EINVAL);
		/* a good seal counts an op and its bytes; a bad open an auth failure */
		rb_aead_ctx_stats(sctx[c], &st0);
		CU_ASSERT_EQUAL(rb_aead_stream_begin(sctx[c], &s, &k, nonce, NULL, 0, 64, 0),
				RB_AEAD_OK);
		CU_ASSERT_EQUAL(rb_aead_stream_update(&s, buf, buf, 64), RB_AEAD_OK);
		CU_ASSERT_EQUAL(rb_aead_stream_final(&s, tag), RB_AEAD_OK);
		tag[3] ^= 8;
		CU_ASSERT_EQUAL(rb_aead_stream_begin(sctx[c], &s, &k, nonce, NULL, 0, 64, 1),
				RB_AEAD_OK);
		CU_ASSERT_EQUAL(rb_aead_stream_update(&s, buf, buf, 64), RB_AEAD_OK);
		CU_ASSERT_EQUAL(rb_aead_stream_final(&s, tag), RB_AEAD_EAUTH);
		rb_aead_ctx_stats(sctx[c], &st1);
		CU_ASSERT_EQUAL(st1.ops - st0.ops, 2);
		CU_ASSERT_EQUAL(st1.bytes - st0.bytes, 64);
		CU_ASSERT_EQUAL(st1.auth_fail - st0.auth_fail, 1);
	}
	for (int a = 0; a < RB_AEAD_ALG_COUNT; a++)
		for (uint32_t len = 64; len <= 16384; len *= 16) {
			const char *p = rb_aead_stream_pick((enum rb_aead_alg)a, len);

			CU_ASSERT(strcmp(p, "openssl") == 0 || strcmp(p, "intel-ipsec-mb") == 0);
		}
	rb_aead_key_wipe(&k);
}

static int stream_fini(void)
{
	for (int c = 0; c < 3; c++) {
		rb_aead_ctx_free(sctx[c]);
		sctx[c] = NULL;
	}
	return 0;
}

int tc_register_stream(void)
{
	CU_pSuite s;

	sctx[0] = rb_aead_ctx_create(RB_AEAD_BACKEND_IPSEC_MB);
	sctx[1] = rb_aead_ctx_create(RB_AEAD_BACKEND_OPENSSL);
	sctx[2] = rb_aead_ctx_create(RB_AEAD_BACKEND_AUTO);
	if (sctx[1] == NULL || sctx[2] == NULL)
		return -1;
	printf("AEAD stream pick (16 KiB): aes-128-gcm %s, chacha20-poly1305 %s\n",
	       rb_aead_stream_pick(RB_AEAD_AES_128_GCM, 16384),
	       rb_aead_stream_pick(RB_AEAD_CHACHA20_POLY1305, 16384));
	s = CU_add_suite_with_setup_and_teardown("aead_stream", NULL, stream_fini, NULL, NULL);
	if (s == NULL)
		return -1;
	CU_add_test(s, "vectors split at every byte, three contexts", test_stream_vectors);
	CU_add_test(s, "random records in pieces vs one buffer", test_stream_cross);
	CU_add_test(s, "length contract, arguments, stats, pick", test_stream_api);
	return 0;
}
