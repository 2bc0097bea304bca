/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Crypto layer tests, part 1: the burst AEAD against published vectors
 * (RFC 8439 2.8.2, the GCM spec's test cases, draft-irtf-cfrg-xchacha-03
 * A.3.1), ipsec-mb vs OpenSSL on random inputs, per-op status in mixed
 * batches, ChaCha20/HChaCha20, the CSPRNG and TAI64N.  main() is here; the
 * other suites are in test_crypto_hash.c and test_crypto_blake3.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <CUnit/Basic.h>
#include <openssl/evp.h>

#include "crypto/rb_aead.h"
#include "crypto/rb_chacha.h"
#include "crypto/rb_rand.h"
#include "crypto/rb_tai64n.h"

/* shared helpers (also used by the other test_crypto*.c files) */
size_t tc_hex(const char *hex, uint8_t *out, size_t max);
void tc_fill(uint8_t *p, size_t len, uint32_t seed);
int tc_register_hash(void);
int tc_register_blake3(void);
int tc_register_stream(void);

size_t tc_hex(const char *hex, uint8_t *out, size_t max)
{
	size_t n = 0;

	while (hex[0] != '\0' && hex[1] != '\0') {
		unsigned v;

		if (n >= max || sscanf(hex, "%2x", &v) != 1)
			break;
		out[n++] = (uint8_t)v;
		hex += 2;
	}
	return n;
}

/* deterministic filler (xorshift32), so failures reproduce */
void tc_fill(uint8_t *p, size_t len, uint32_t seed)
{
	uint32_t x = seed * 2654435761u + 1;

	for (size_t i = 0; i < len; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		p[i] = (uint8_t)(x >> 11);
	}
}

static const char sunscreen[] =
	"Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the "
	"future, sunscreen would be it.";

struct aead_vec {
	const char *what;
	enum rb_aead_alg alg;
	const char *key, *nonce, *aad, *pt, *ct, *tag;
	int pt_is_text;  /* pt is ASCII, not hex */
};

static const struct aead_vec aead_vecs[] = {
	{"RFC 8439 2.8.2", RB_AEAD_CHACHA20_POLY1305,
	 "808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f",
	 "070000004041424344454647", "50515253c0c1c2c3c4c5c6c7", sunscreen,
	 "d31a8d34648e60db7b86afbc53ef7ec2a4aded51296e08fea9e2b5a736ee62d6"
	 "3dbea45e8ca9671282fafb69da92728b1a71de0a9e060b2905d6a5b67ecd3b36"
	 "92ddbd7f2d778b8c9803aee328091b58fab324e4fad675945585808b4831d7bc"
	 "3ff4def08e4b7a9de576d26586cec64b6116",
	 "1ae10b594f09e26a7e902ecbd0600691", 1},
	{"draft-irtf-cfrg-xchacha A.3.1", RB_AEAD_XCHACHA20_POLY1305,
	 "808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f",
	 "404142434445464748494a4b4c4d4e4f5051525354555657", "50515253c0c1c2c3c4c5c6c7",
	 sunscreen,
	 "bd6d179d3e83d43b9576579493c0e939572a1700252bfaccbed2902c21396cbb"
	 "731c7f1b0b4aa6440bf3a82f4eda7e39ae64c6708c54c216cb96b72e1213b452"
	 "2f8c9ba40db5d945b11b69b982c1bb9e3f3fac2bc369488f76b2383565d3fff9"
	 "21f9664c97637da9768812f615c68b13b52e",
	 "c0875924c1c7987947deafd8780acf49", 1},
	/* The Galois/Counter Mode of Operation (McGrew, Viega), test cases */
	{"GCM TC1", RB_AEAD_AES_128_GCM, "00000000000000000000000000000000",
	 "000000000000000000000000", "", "", "", "58e2fccefa7e3061367f1d57a4e7455a", 0},
	{"GCM TC2", RB_AEAD_AES_128_GCM, "00000000000000000000000000000000",
	 "000000000000000000000000", "", "00000000000000000000000000000000",
	 "0388dace60b6a392f328c2b971b2fe78", "ab6e47d42cec13bdf53a67b21257bddf", 0},
	{"GCM TC3", RB_AEAD_AES_128_GCM, "feffe9928665731c6d6a8f9467308308",
	 "cafebabefacedbaddecaf888", "",
	 "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72"
	 "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b391aafd255",
	 "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e"
	 "21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091473f5985",
	 "4d5c2af327cd64a62cf35abd2ba6fab4", 0},
	{"GCM TC4", RB_AEAD_AES_128_GCM, "feffe9928665731c6d6a8f9467308308",
	 "cafebabefacedbaddecaf888", "feedfacedeadbeeffeedfacedeadbeefabaddad2",
	 "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72"
	 "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39",
	 "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e"
	 "21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091",
	 "5bc94fbc3221a5db94fae95ae7121a47", 0},
	{"GCM TC7", RB_AEAD_AES_192_GCM, "000000000000000000000000000000000000000000000000",
	 "000000000000000000000000", "", "", "", "cd33b28ac773f74ba00ed1f312572435", 0},
	{"GCM TC8", RB_AEAD_AES_192_GCM, "000000000000000000000000000000000000000000000000",
	 "000000000000000000000000", "", "00000000000000000000000000000000",
	 "98e7247c07f0fe411c267e4384b0f600", "2ff58d80033927ab8ef4d4587514f0fb", 0},
	{"GCM TC9", RB_AEAD_AES_192_GCM, "feffe9928665731c6d6a8f9467308308feffe9928665731c",
	 "cafebabefacedbaddecaf888", "",
	 "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72"
	 "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b391aafd255",
	 "3980ca0b3c00e841eb06fac4872a2757859e1ceaa6efd984628593b40ca1e19c"
	 "7d773d00c144c525ac619d18c84a3f4718e2448b2fe324d9ccda2710acade256",
	 "9924a7c8587336bfb118024db8674a14", 0},
	{"GCM TC13", RB_AEAD_AES_256_GCM,
	 "0000000000000000000000000000000000000000000000000000000000000000",
	 "000000000000000000000000", "", "", "", "530f8afbc74536b9a963b4f1c4cb738b", 0},
	{"GCM TC14", RB_AEAD_AES_256_GCM,
	 "0000000000000000000000000000000000000000000000000000000000000000",
	 "000000000000000000000000", "", "00000000000000000000000000000000",
	 "cea7403d4d606b6e074ec5d3baf39d18", "d0d1c8a799996bf0265b98b5d48ab919", 0},
	{"GCM TC15", RB_AEAD_AES_256_GCM,
	 "feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308",
	 "cafebabefacedbaddecaf888", "",
	 "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72"
	 "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b391aafd255",
	 "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa"
	 "8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662898015ad",
	 "b094dac5d93471bdec1a502270e3cc6c", 0},
	{"GCM TC16", RB_AEAD_AES_256_GCM,
	 "feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308",
	 "cafebabefacedbaddecaf888", "feedfacedeadbeeffeedfacedeadbeefabaddad2",
	 "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72"
	 "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39",
	 "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa"
	 "8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662",
	 "76fc6ece0f4e1768cddf8853bb2d551b", 0},
};

/* The vectors above for test_crypto_stream.c: 0 past the end. */
int tc_aead_vec(unsigned i, enum rb_aead_alg *alg, const char **key, const char **nonce,
		const char **aad, const char **pt, const char **ct, const char **tag,
		int *pt_is_text);
int tc_aead_vec(unsigned i, enum rb_aead_alg *alg, const char **key, const char **nonce,
		const char **aad, const char **pt, const char **ct, const char **tag,
		int *pt_is_text)
{
	const struct aead_vec *v = &aead_vecs[i];

	if (i >= sizeof(aead_vecs) / sizeof(aead_vecs[0]))
		return 0;
	*alg = v->alg, *key = v->key, *nonce = v->nonce, *aad = v->aad;
	*pt = v->pt, *ct = v->ct, *tag = v->tag, *pt_is_text = v->pt_is_text;
	return 1;
}

static struct rb_aead_ctx *ctx_imb, *ctx_evp;

static void check_vec_on(struct rb_aead_ctx *ctx, const struct aead_vec *v)
{
	uint8_t key[32], nonce[24], aad[64], pt[256], ct[256], tag[16];
	uint8_t out[256], otag[16], back[256];
	size_t kl = tc_hex(v->key, key, sizeof(key)), nl = tc_hex(v->nonce, nonce, sizeof(nonce));
	size_t al = tc_hex(v->aad, aad, sizeof(aad)), pl, cl = tc_hex(v->ct, ct, sizeof(ct));
	struct rb_aead_key k;

	if (v->pt_is_text) {
		pl = strlen(v->pt);
		memcpy(pt, v->pt, pl);
	} else {
		pl = tc_hex(v->pt, pt, sizeof(pt));
	}
	CU_ASSERT_EQUAL_FATAL(tc_hex(v->tag, tag, sizeof(tag)), 16);
	CU_ASSERT_EQUAL_FATAL(pl, cl);
	CU_ASSERT_EQUAL_FATAL(nl, rb_aead_nonce_len(v->alg));
	CU_ASSERT_EQUAL_FATAL(rb_aead_key_init(&k, v->alg, key, kl), 0);

	memset(out, 0xaa, sizeof(out));
	CU_ASSERT_EQUAL(rb_aead_seal(ctx, &k, nonce, aad, (uint32_t)al, pt, out, (uint32_t)pl, otag),
			RB_AEAD_OK);
	if (memcmp(out, ct, cl) != 0 || memcmp(otag, tag, 16) != 0) {
		fprintf(stderr, "\n%s on %s: seal mismatch\n", v->what, rb_aead_ctx_backend_name(ctx));
		CU_FAIL("seal output differs from the published vector");
	}
	CU_ASSERT_EQUAL(rb_aead_open(ctx, &k, nonce, aad, (uint32_t)al, ct, back, (uint32_t)cl, tag),
			RB_AEAD_OK);
	CU_ASSERT_EQUAL(memcmp(back, pt, pl), 0);

	/* any flipped bit in the tag, ciphertext or AAD must fail the open */
	tag[15] ^= 0x01;
	CU_ASSERT_EQUAL(rb_aead_open(ctx, &k, nonce, aad, (uint32_t)al, ct, back, (uint32_t)cl, tag),
			RB_AEAD_EAUTH);
	tag[15] ^= 0x01;
	if (cl > 0) {
		ct[cl / 2] ^= 0x80;
		memset(back, 0x55, sizeof(back));
		CU_ASSERT_EQUAL(rb_aead_open(ctx, &k, nonce, aad, (uint32_t)al, ct, back,
					     (uint32_t)cl, tag),
				RB_AEAD_EAUTH);
		for (size_t i = 0; i < cl; i++)
			CU_ASSERT_EQUAL_FATAL(back[i], 0); /* dst wiped on failure */
		ct[cl / 2] ^= 0x80;
	}
	if (al > 0) {
		aad[0] ^= 0x04;
		CU_ASSERT_EQUAL(rb_aead_open(ctx, &k, nonce, aad, (uint32_t)al, ct, back,
					     (uint32_t)cl, tag),
				RB_AEAD_EAUTH);
		aad[0] ^= 0x04;
	}
	nonce[nl - 1] ^= 0x10;
	CU_ASSERT_EQUAL(rb_aead_open(ctx, &k, nonce, aad, (uint32_t)al, ct, back, (uint32_t)cl, tag),
			RB_AEAD_EAUTH);
	rb_aead_key_wipe(&k);
	CU_ASSERT_EQUAL(k.valid, 0);
	CU_ASSERT_EQUAL(k.raw[0] | k.raw[31] | k.gcm[0], 0);
}

static void test_aead_vectors(void)
{
	for (size_t i = 0; i < sizeof(aead_vecs) / sizeof(aead_vecs[0]); i++) {
		if (ctx_imb != NULL)
			check_vec_on(ctx_imb, &aead_vecs[i]);
		check_vec_on(ctx_evp, &aead_vecs[i]);
	}
}

/* In place, and the vector again through a batch with several keys. */
static void test_aead_inplace(void)
{
	struct rb_aead_ctx *ctxs[2] = {ctx_imb, ctx_evp};

	for (int c = 0; c < 2; c++) {
		const struct aead_vec *v = &aead_vecs[0];
		uint8_t key[32], nonce[12], aad[12], buf[128], ct[128], tag[16], otag[16];
		size_t pl = strlen(v->pt);
		struct rb_aead_key k;

		if (ctxs[c] == NULL)
			continue;
		tc_hex(v->key, key, 32);
		tc_hex(v->nonce, nonce, 12);
		tc_hex(v->aad, aad, 12);
		tc_hex(v->ct, ct, sizeof(ct));
		tc_hex(v->tag, tag, 16);
		rb_aead_key_init(&k, v->alg, key, 32);
		memcpy(buf, v->pt, pl);
		CU_ASSERT_EQUAL(rb_aead_seal(ctxs[c], &k, nonce, aad, 12, buf, buf, (uint32_t)pl,
					     otag),
				RB_AEAD_OK);
		CU_ASSERT_EQUAL(memcmp(buf, ct, pl), 0);
		CU_ASSERT_EQUAL(memcmp(otag, tag, 16), 0);
		CU_ASSERT_EQUAL(rb_aead_open(ctxs[c], &k, nonce, aad, 12, buf, buf, (uint32_t)pl,
					     tag),
				RB_AEAD_OK);
		CU_ASSERT_EQUAL(memcmp(buf, v->pt, pl), 0);
		rb_aead_key_wipe(&k);
	}
}

/*
 * ipsec-mb against OpenSSL on random inputs: every length 0..2000 (a batch
 * per 64 lengths), AAD 0..63 bytes, every algorithm; the ipsec-mb output is
 * opened by OpenSSL and the reverse.
 */
#define XMAX 2000
static void test_aead_cross(void)
{
	static uint8_t pt[RB_AEAD_BATCH_MAX][XMAX], ct1[RB_AEAD_BATCH_MAX][XMAX],
		ct2[XMAX], back[XMAX];
	static uint8_t aad[RB_AEAD_BATCH_MAX][64], nonce[RB_AEAD_BATCH_MAX][24];
	static uint8_t tag1[RB_AEAD_BATCH_MAX][16];
	static struct rb_aead_batch b;
	uint8_t tag2[16], keyb[32];
	struct rb_aead_key key;
	unsigned mismatches = 0;

	if (ctx_imb == NULL) {
		fprintf(stderr, "\nno ipsec-mb on this CPU; cross-check skipped\n");
		return;
	}
	for (int alg = 0; alg < RB_AEAD_ALG_COUNT; alg++) {
		tc_fill(keyb, sizeof(keyb), 1000 + (uint32_t)alg);
		CU_ASSERT_EQUAL_FATAL(rb_aead_key_init(&key, alg, keyb, rb_aead_key_len(alg)), 0);
		for (uint32_t base = 0; base <= XMAX; base += RB_AEAD_BATCH_MAX) {
			rb_aead_batch_reset(&b);
			for (uint32_t j = 0; j < RB_AEAD_BATCH_MAX && base + j <= XMAX; j++) {
				uint32_t len = base + j, al = (len * 7) % 64;

				tc_fill(pt[j], len, len * 31 + (uint32_t)alg);
				tc_fill(aad[j], al, len * 17 + 5);
				tc_fill(nonce[j], 24, len * 13 + 3);
				CU_ASSERT_EQUAL(rb_aead_batch_add_seal(&b, &key, nonce[j], aad[j], al,
								       pt[j], ct1[j], len, tag1[j],
								       NULL),
						(int)j);
			}
			CU_ASSERT_EQUAL(rb_aead_batch_run(ctx_imb, &b), 0);
			for (uint32_t j = 0; j < b.n; j++) {
				uint32_t len = base + j, al = (len * 7) % 64;

				CU_ASSERT_EQUAL(b.op[j].status, RB_AEAD_OK);
				CU_ASSERT_EQUAL(rb_aead_seal(ctx_evp, &key, nonce[j], aad[j], al,
							     pt[j], ct2, len, tag2),
						RB_AEAD_OK);
				if (memcmp(ct1[j], ct2, len) != 0 || memcmp(tag1[j], tag2, 16) != 0)
					mismatches++;
				CU_ASSERT_EQUAL(rb_aead_open(ctx_evp, &key, nonce[j], aad[j], al,
							     ct1[j], back, len, tag1[j]),
						RB_AEAD_OK);
				CU_ASSERT_EQUAL(memcmp(back, pt[j], len), 0);
				CU_ASSERT_EQUAL(rb_aead_open(ctx_imb, &key, nonce[j], aad[j], al,
							     ct2, back, len, tag2),
						RB_AEAD_OK);
				CU_ASSERT_EQUAL(memcmp(back, pt[j], len), 0);
			}
		}
		rb_aead_key_wipe(&key);
	}
	CU_ASSERT_EQUAL(mismatches, 0);
}

/*
 * A batch of opens, mixed good and bad (flipped ciphertext, tag, AAD, nonce,
 * wrong key, bad arguments): every op gets its own status, good ops decrypt,
 * bad ones leave dst zeroed.  Runs on both backends.
 */
static void test_aead_batch_mixed(void)
{
	struct rb_aead_ctx *ctxs[2] = {ctx_imb, ctx_evp};
	static uint8_t pt[RB_AEAD_BATCH_MAX][300], ct[RB_AEAD_BATCH_MAX][300],
		out[RB_AEAD_BATCH_MAX][300];
	static uint8_t tags[RB_AEAD_BATCH_MAX][16], aad[RB_AEAD_BATCH_MAX][20],
		nonces[RB_AEAD_BATCH_MAX][24];
	static struct rb_aead_batch b;
	struct rb_aead_key keys[RB_AEAD_ALG_COUNT], other;
	uint8_t kb[32];

	for (int a = 0; a < RB_AEAD_ALG_COUNT; a++) {
		tc_fill(kb, 32, 77 + (uint32_t)a);
		rb_aead_key_init(&keys[a], a, kb, rb_aead_key_len(a));
	}
	tc_fill(kb, 32, 999);
	rb_aead_key_init(&other, RB_AEAD_AES_256_GCM, kb, 32);

	for (int c = 0; c < 2; c++) {
		unsigned expect_fail = 0, nfail;

		if (ctxs[c] == NULL)
			continue;
		/* seal 64 records with keys of every algorithm, in one batch */
		rb_aead_batch_reset(&b);
		for (int i = 0; i < RB_AEAD_BATCH_MAX; i++) {
			uint32_t len = (uint32_t)(i * 37) % 300;

			tc_fill(pt[i], len, (uint32_t)i);
			tc_fill(aad[i], 20, (uint32_t)i + 500);
			tc_fill(nonces[i], 24, (uint32_t)i + 900);
			rb_aead_batch_add_seal(&b, &keys[i % RB_AEAD_ALG_COUNT], nonces[i], aad[i],
					       20, pt[i], ct[i], len, tags[i], &pt[i]);
		}
		CU_ASSERT_EQUAL(rb_aead_batch_add_seal(&b, &keys[0], nonces[0], NULL, 0, pt[0],
						       ct[0], 1, tags[0], NULL),
				-1); /* full */
		CU_ASSERT_EQUAL(rb_aead_batch_run(ctxs[c], &b), 0);
		CU_ASSERT_PTR_EQUAL(b.op[5].user, &pt[5]);

		/* open them, spoiling some */
		rb_aead_batch_reset(&b);
		for (int i = 0; i < RB_AEAD_BATCH_MAX; i++) {
			uint32_t len = (uint32_t)(i * 37) % 300;
			const struct rb_aead_key *k = &keys[i % RB_AEAD_ALG_COUNT];
			const uint8_t *nonce = nonces[i];

			memset(out[i], 0x5a, sizeof(out[i]));
			switch (i % 8) {
			case 1:
				if (len > 0)
					ct[i][len - 1] ^= 1;
				else
					tags[i][0] ^= 1;
				break;
			case 3:
				tags[i][7] ^= 0x40;
				break;
			case 5:
				aad[i][19] ^= 0x01;
				break;
			case 6:
				k = &other;
				break;
			default:
				break;
			}
			if (i == 12)
				nonce = NULL; /* invalid argument */
			rb_aead_batch_add_open(&b, k, nonce, aad[i], 20, ct[i], out[i], len,
					       tags[i], NULL);
			if (i % 8 == 1 || i % 8 == 3 || i % 8 == 5 || i % 8 == 6 || i == 12)
				expect_fail++;
		}
		nfail = rb_aead_batch_run(ctxs[c], &b);
		CU_ASSERT_EQUAL(nfail, expect_fail);
		for (int i = 0; i < RB_AEAD_BATCH_MAX; i++) {
			uint32_t len = (uint32_t)(i * 37) % 300;
			int bad = i % 8 == 1 || i % 8 == 3 || i % 8 == 5 || i % 8 == 6;

			if (i == 12) {
				CU_ASSERT_EQUAL(b.op[i].status, RB_AEAD_EINVAL);
			} else if (bad) {
				CU_ASSERT_EQUAL(b.op[i].status, RB_AEAD_EAUTH);
				for (uint32_t j = 0; j < len; j++)
					CU_ASSERT_EQUAL_FATAL(out[i][j], 0);
			} else {
				CU_ASSERT_EQUAL(b.op[i].status, RB_AEAD_OK);
				CU_ASSERT_EQUAL(memcmp(out[i], pt[i], len), 0);
			}
		}
		/* undo the spoiling for the next backend */
		for (int i = 0; i < RB_AEAD_BATCH_MAX; i++) {
			uint32_t len = (uint32_t)(i * 37) % 300;

			if (i % 8 == 1) {
				if (len > 0)
					ct[i][len - 1] ^= 1;
				else
					tags[i][0] ^= 1;
			} else if (i % 8 == 3) {
				tags[i][7] ^= 0x40;
			} else if (i % 8 == 5) {
				aad[i][19] ^= 0x01;
			}
		}
		struct rb_aead_stats st;

		rb_aead_ctx_stats(ctxs[c], &st);
		CU_ASSERT(st.auth_fail >= expect_fail - 1);
		CU_ASSERT(st.ops >= 128);
	}
	for (int a = 0; a < RB_AEAD_ALG_COUNT; a++)
		rb_aead_key_wipe(&keys[a]);
	rb_aead_key_wipe(&other);
}

static void test_aead_api(void)
{
	struct rb_aead_key k;
	uint8_t kb[32] = {1}, nonce[24] = {0}, tag[16], buf[16] = {0};

	CU_ASSERT_EQUAL(rb_aead_key_init(&k, RB_AEAD_AES_128_GCM, kb, 32), -1);
	CU_ASSERT_EQUAL(rb_aead_key_init(&k, RB_AEAD_ALG_COUNT, kb, 32), -1);
	CU_ASSERT_EQUAL(rb_aead_key_init(&k, RB_AEAD_CHACHA20_POLY1305, NULL, 32), -1);
	/* a key that failed init is refused, not used */
	CU_ASSERT_EQUAL(rb_aead_seal(ctx_evp, &k, nonce, NULL, 0, buf, buf, 16, tag),
			RB_AEAD_EINVAL);
	CU_ASSERT_EQUAL(rb_aead_key_init(&k, RB_AEAD_AES_256_GCM, kb, 32), 0);
	CU_ASSERT_EQUAL(rb_aead_seal(ctx_evp, &k, nonce, NULL, 5, buf, buf, 16, tag),
			RB_AEAD_EINVAL);
	CU_ASSERT_EQUAL(rb_aead_seal(ctx_evp, &k, nonce, NULL, 0, NULL, buf, 16, tag),
			RB_AEAD_EINVAL);
	CU_ASSERT_EQUAL(rb_aead_seal(ctx_evp, &k, nonce, NULL, 0, buf, buf, 16, NULL),
			RB_AEAD_EINVAL);
	CU_ASSERT_EQUAL(rb_aead_seal(ctx_evp, &k, nonce, NULL, 0, NULL, NULL, 0, tag), RB_AEAD_OK);
	CU_ASSERT_EQUAL(rb_aead_open(ctx_evp, &k, nonce, NULL, 0, NULL, NULL, 0, tag), RB_AEAD_OK);
	if (ctx_imb != NULL) {
		CU_ASSERT_EQUAL(rb_aead_open(ctx_imb, &k, nonce, NULL, 0, NULL, NULL, 0, tag),
				RB_AEAD_OK);
		CU_ASSERT_EQUAL(rb_aead_seal(ctx_imb, &k, nonce, NULL, 0, buf, buf,
					     RB_AEAD_MAX_LEN + 1, tag),
				RB_AEAD_EINVAL);
	}
	rb_aead_key_wipe(&k);

	CU_ASSERT_EQUAL(rb_aead_alg_from_name("chacha20-ietf-poly1305"), RB_AEAD_CHACHA20_POLY1305);
	CU_ASSERT_EQUAL(rb_aead_alg_from_name("AES-256-GCM"), RB_AEAD_AES_256_GCM);
	CU_ASSERT_EQUAL(rb_aead_alg_from_name("xchacha20-ietf-poly1305"),
			RB_AEAD_XCHACHA20_POLY1305);
	CU_ASSERT_EQUAL(rb_aead_alg_from_name("rc4-md5"), -1);
	CU_ASSERT_EQUAL(rb_aead_nonce_len(RB_AEAD_XCHACHA20_POLY1305), 24);
	CU_ASSERT_EQUAL(rb_aead_key_len(RB_AEAD_AES_192_GCM), 24);
	CU_ASSERT_PTR_NOT_NULL(rb_aead_backend_name());
	CU_ASSERT_EQUAL(rb_aead_ctx_backend(ctx_evp), RB_AEAD_BACKEND_OPENSSL);
	if (ctx_imb != NULL)
		CU_ASSERT(strncmp(rb_aead_backend_name(), "intel-ipsec-mb", 14) == 0);
	CU_ASSERT(strncmp(rb_aead_ctx_backend_name(ctx_evp), "openssl", 7) == 0);
}

/* ---- ChaCha20 / HChaCha20 ---- */
static void test_chacha(void)
{
	uint8_t key[32], nonce[12], out[128], exp[128], hk[32], hn[16];
	size_t pl = strlen(sunscreen);

	/* RFC 8439 2.4.2 */
	for (int i = 0; i < 32; i++)
		key[i] = (uint8_t)i;
	tc_hex("000000000000004a00000000", nonce, 12);
	tc_hex("6e2e359a2568f98041ba0728dd0d6981e97e7aec1d4360c20a27afccfd9fae0b"
	       "f91b65c5524733ab8f593dabcd62b3571639d624e65152ab8f530c359f0861d8"
	       "07ca0dbf500d6a6156a38e088a22b65e52bc514d16ccf806818ce91ab7793736"
	       "5af90bbf74a35be6b40b8eedf2785e42874d",
	       exp, sizeof(exp));
	rb_chacha20_xor(key, 1, nonce, (const uint8_t *)sunscreen, out, pl);
	CU_ASSERT_EQUAL(memcmp(out, exp, pl), 0);

	/* draft-irtf-cfrg-xchacha-03 2.2.1 */
	tc_hex("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f", hk, 32);
	tc_hex("000000090000004a0000000031415927", hn, 16);
	tc_hex("82413b4227b27bfed30e42508a877d73a0f9e4d58a74a853c12ec41326d3ecdc", exp, 32);
	rb_hchacha20(hk, hn, out);
	CU_ASSERT_EQUAL(memcmp(out, exp, 32), 0);

	/* against OpenSSL's ChaCha20 (IV = 32-bit LE counter || nonce) */
	for (uint32_t len = 0; len < 700; len += 13) {
		static uint8_t in[700], a[700], bb[700];
		uint8_t iv[16];
		EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
		int ol;

		tc_fill(in, len, len);
		tc_fill(key, 32, len + 1);
		tc_fill(iv, 16, len + 2);
		uint32_t ctr = (uint32_t)iv[0] | (uint32_t)iv[1] << 8 | (uint32_t)iv[2] << 16;

		iv[3] = 0;
		rb_chacha20_xor(key, ctr, iv + 4, in, a, len);
		EVP_EncryptInit_ex2(c, EVP_chacha20(), key, iv, NULL);
		EVP_EncryptUpdate(c, bb, &ol, in, (int)len);
		CU_ASSERT_EQUAL(memcmp(a, bb, len), 0);
		EVP_CIPHER_CTX_free(c);
	}
}

/* ---- CSPRNG ---- */
static void test_rand(void)
{
	struct rb_rand r1, r2, cold;
	static uint8_t big[(RB_RAND_RESEED_BYTES * 2) + 1000];
	uint8_t a[64], b[64];
	unsigned hist[10] = {0};

	memset(&cold, 0, sizeof(cold));
	CU_ASSERT_EQUAL(rb_rand_bytes(&cold, a, sizeof(a)), -1); /* never seeded */
	CU_ASSERT_EQUAL_FATAL(rb_rand_init(&r1), 0);
	CU_ASSERT_EQUAL_FATAL(rb_rand_init(&r2), 0);
	CU_ASSERT_EQUAL(rb_rand_bytes(&r1, a, sizeof(a)), 0);
	CU_ASSERT_EQUAL(rb_rand_bytes(&r2, b, sizeof(b)), 0);
	CU_ASSERT_NOT_EQUAL(memcmp(a, b, sizeof(a)), 0);
	CU_ASSERT_EQUAL(rb_rand_bytes(&r1, b, sizeof(b)), 0);
	CU_ASSERT_NOT_EQUAL(memcmp(a, b, sizeof(a)), 0);

	/* odd sizes over two reseed intervals; no 16-byte block repeats
	 * (checked on a sample), byte values look uniform */
	for (size_t off = 0; off < sizeof(big);) {
		size_t n = (off * 7 + 13) % 997 + 1;

		if (n > sizeof(big) - off)
			n = sizeof(big) - off;
		rb_rand_bytes(&r1, big + off, n);
		off += n;
	}
	CU_ASSERT(r1.reseeds >= 2);
	for (size_t i = 0; i + 16 <= 64 * 1024; i += 16)
		for (size_t j = i + 16; j + 16 <= 64 * 1024; j += 16 * 97)
			CU_ASSERT_NOT_EQUAL_FATAL(memcmp(big + i, big + j, 16), 0);
	size_t ones = 0;

	for (size_t i = 0; i < sizeof(big); i++)
		ones += (size_t)__builtin_popcount(big[i]);
	double frac = (double)ones / (8.0 * sizeof(big));

	CU_ASSERT(frac > 0.499 && frac < 0.501);
	for (int i = 0; i < 10000; i++) {
		uint32_t v = rb_rand_uniform(&r2, 10);

		CU_ASSERT_FATAL(v < 10);
		hist[v]++;
	}
	for (int i = 0; i < 10; i++)
		CU_ASSERT(hist[i] > 850 && hist[i] < 1150);
	CU_ASSERT_EQUAL(rb_rand_uniform(&r2, 1), 0);
	CU_ASSERT_NOT_EQUAL(rb_rand_u64(&r2), rb_rand_u64(&r2));
	rb_rand_wipe(&r1);
	CU_ASSERT_EQUAL(r1.seeded, 0);
	rb_rand_wipe(&r2);
}

/* ---- TAI64N ---- */
static void test_tai64n(void)
{
	uint8_t a[12], b[12], exp[12];

	rb_tai64n_encode(a, 0, 0);
	tc_hex("400000000000000a00000000", exp, 12);
	CU_ASSERT_EQUAL(memcmp(a, exp, 12), 0);
	rb_tai64n_encode(a, 1700000000, 123456789);
	tc_hex("400000006553f10a075bcd15", exp, 12);
	CU_ASSERT_EQUAL(memcmp(a, exp, 12), 0);
	rb_tai64n_encode(b, 1700000000, 123456790);
	CU_ASSERT(rb_tai64n_after(b, a));
	CU_ASSERT(!rb_tai64n_after(a, b));
	CU_ASSERT(!rb_tai64n_after(a, a));
	rb_tai64n_now(b);
	CU_ASSERT(rb_tai64n_after(b, a));
	CU_ASSERT_EQUAL(b[11], 0); /* low 24 bits of nsec cleared */
	CU_ASSERT_EQUAL(b[10], 0);
	CU_ASSERT_EQUAL(b[9], 0);
}

int main(void)
{
	CU_pSuite s;
	unsigned fails;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 2;
	ctx_imb = rb_aead_ctx_create(RB_AEAD_BACKEND_IPSEC_MB);
	ctx_evp = rb_aead_ctx_create(RB_AEAD_BACKEND_OPENSSL);
	if (ctx_evp == NULL)
		return 2;
	printf("AEAD auto backend: %s\n", rb_aead_backend_name());
	s = CU_add_suite("aead", NULL, NULL);
	CU_add_test(s, "published vectors, both backends", test_aead_vectors);
	CU_add_test(s, "in place", test_aead_inplace);
	CU_add_test(s, "ipsec-mb vs openssl, lengths 0..2000", test_aead_cross);
	CU_add_test(s, "mixed batch, per-op status", test_aead_batch_mixed);
	CU_add_test(s, "arguments and names", test_aead_api);
	s = CU_add_suite("chacha_rand_tai", NULL, NULL);
	CU_add_test(s, "chacha20 / hchacha20", test_chacha);
	CU_add_test(s, "csprng", test_rand);
	CU_add_test(s, "tai64n", test_tai64n);
	if (tc_register_hash() != 0 || tc_register_blake3() != 0 || tc_register_stream() != 0)
		return 2;

	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	fails = CU_get_number_of_failures() + CU_get_number_of_tests_failed();
	CU_cleanup_registry();
	rb_aead_ctx_free(ctx_imb);
	rb_aead_ctx_free(ctx_evp);
	return fails != 0 ? 1 : 0;
}
