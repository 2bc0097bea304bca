/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * bench_crypto: AEAD throughput of the crypto layer, one core.
 *
 *   bench_crypto [seconds-per-case]      (default 0.3)
 *
 * For AES-128-GCM, AES-256-GCM and ChaCha20-Poly1305 at 64, 1400 and 16384
 * bytes (16 bytes of AAD), it times, in the same run:
 *   imb-batch   rb_aead_batch_run, batches of 64 seals, ipsec-mb backend
 *   imb-single  rb_aead_seal one at a time, ipsec-mb backend
 *   evp-lib     rb_aead_batch_run on the OpenSSL backend (key set per op)
 *   evp-raw     plain OpenSSL EVP with the key set once, IV reset per op
 * and prints TSC cycles per byte, GB/s (10^9 bytes/s of plaintext) and the
 * ratio imb-batch / evp-raw.  Then a few per-operation costs (KDFs, X25519).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <x86intrin.h>
#include <openssl/evp.h>

#include "crypto/rb_crypto.h"

#define BATCH 64
#define MAXLEN 16384

static double secs = 0.3;

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

struct result {
	double cpb;   /* TSC cycles per byte */
	double gbps;  /* 10^9 bytes per second */
};

static uint8_t *src[BATCH], *dst[BATCH];
static uint8_t tags[BATCH][16], nonces[BATCH][24], aad[16];
static struct rb_aead_batch batch;

typedef void (*run_fn)(void *arg, uint32_t len); /* does BATCH ops */

static struct result timeit(run_fn fn, void *arg, uint32_t len)
{
	uint64_t iters = 0, t0c, t1c;
	double t0, t1;

	fn(arg, len); /* warm up */
	t0 = now();
	t0c = __rdtsc();
	do {
		for (int i = 0; i < 8; i++)
			fn(arg, len);
		iters += 8;
		t1 = now();
	} while (t1 - t0 < secs);
	t1c = __rdtsc();
	double bytes = (double)iters * BATCH * len;

	return (struct result){(double)(t1c - t0c) / bytes, bytes / (t1 - t0) / 1e9};
}

struct lib_arg {
	struct rb_aead_ctx *ctx;
	struct rb_aead_key *key;
	int open;
};

static void run_batch(void *a, uint32_t len)
{
	struct lib_arg *la = a;

	rb_aead_batch_reset(&batch);
	for (int i = 0; i < BATCH; i++) {
		if (!la->open)
			nonces[i][0]++; /* opens reuse the sealing nonces */
		if (la->open)
			rb_aead_batch_add_open(&batch, la->key, nonces[i], aad, sizeof(aad), src[i],
					       dst[i], len, tags[i], NULL);
		else
			rb_aead_batch_add_seal(&batch, la->key, nonces[i], aad, sizeof(aad), src[i],
					       dst[i], len, tags[i], NULL);
	}
	rb_aead_batch_run(la->ctx, &batch);
}

static void run_single(void *a, uint32_t len)
{
	struct lib_arg *la = a;

	for (int i = 0; i < BATCH; i++) {
		nonces[i][0]++;
		rb_aead_seal(la->ctx, la->key, nonces[i], aad, sizeof(aad), src[i], dst[i], len,
			     tags[i]);
	}
}

struct evp_arg {
	EVP_CIPHER_CTX *c;
};

static void run_evp_raw(void *a, uint32_t len)
{
	struct evp_arg *ea = a;
	int ol;

	for (int i = 0; i < BATCH; i++) {
		nonces[i][0]++;
		EVP_EncryptInit_ex2(ea->c, NULL, NULL, nonces[i], NULL);
		EVP_EncryptUpdate(ea->c, NULL, &ol, aad, sizeof(aad));
		EVP_EncryptUpdate(ea->c, dst[i], &ol, src[i], (int)len);
		EVP_EncryptFinal_ex(ea->c, dst[i] + len, &ol);
		EVP_CIPHER_CTX_ctrl(ea->c, EVP_CTRL_AEAD_GET_TAG, 16, tags[i]);
	}
}

/* per-op costs */
static double per_op_ns(void (*fn)(void), unsigned n)
{
	double t0 = now();

	for (unsigned i = 0; i < n; i++)
		fn();
	return (now() - t0) * 1e9 / n;
}

static uint8_t scratch[64];
static struct rb_rand rng;

static void op_hkdf_sha1(void)
{
	static const uint8_t key[32] = {1}, salt[32] = {2};

	rb_hkdf(RB_HASH_SHA1, salt, 32, key, 32, (const uint8_t *)"ss-subkey", 9, scratch, 32);
}

static void op_hkdf_sha256(void)
{
	static const uint8_t key[32] = {1}, salt[32] = {2};

	rb_hkdf(RB_HASH_SHA256, salt, 32, key, 32, (const uint8_t *)"info", 4, scratch, 32);
}

static void op_blake3_derive(void)
{
	static const uint8_t material[64] = {3};

	rb_blake3_derive_key("shadowsocks 2022 session subkey", 31, material, 64, scratch, 32);
}

static void op_wg_kdf2(void)
{
	static const uint8_t key[32] = {4}, in[32] = {5};

	rb_blake2s_kdf(scratch, scratch + 32, NULL, key, in, 32);
}

static void op_x25519(void)
{
	static uint8_t priv[32] = {6}, peer[32] = {9};

	rb_x25519_shared(scratch, priv, peer);
}

static void op_rand32(void)
{
	rb_rand_bytes(&rng, scratch, 32);
}

static void op_key_init_gcm(void)
{
	static struct rb_aead_key k;

	rb_aead_key_init(&k, RB_AEAD_AES_256_GCM, scratch, 32);
}

int main(int argc, char **argv)
{
	static const enum rb_aead_alg algs[] = {RB_AEAD_AES_128_GCM, RB_AEAD_AES_256_GCM,
						RB_AEAD_CHACHA20_POLY1305};
	static const char *const evp_names[] = {"AES-128-GCM", "AES-256-GCM", "ChaCha20-Poly1305"};
	static const uint32_t sizes[] = {64, 1400, 16384};
	struct rb_aead_ctx *imb, *evp;
	uint8_t kb[32];

	if (argc > 1)
		secs = atof(argv[1]);
	if (secs <= 0 || secs > 60) {
		fprintf(stderr, "usage: %s [seconds-per-case]\n", argv[0]);
		return 2;
	}
	imb = rb_aead_ctx_create(RB_AEAD_BACKEND_IPSEC_MB);
	evp = rb_aead_ctx_create(RB_AEAD_BACKEND_OPENSSL);
	if (evp == NULL) {
		fprintf(stderr, "no OpenSSL AEAD context\n");
		return 1;
	}
	for (int i = 0; i < BATCH; i++) {
		src[i] = aligned_alloc(64, MAXLEN + 64);
		dst[i] = aligned_alloc(64, MAXLEN + 64);
		if (src[i] == NULL || dst[i] == NULL)
			return 1;
		memset(src[i], i, MAXLEN + 64);
		memset(nonces[i], i, sizeof(nonces[i]));
	}
	memset(kb, 0x42, sizeof(kb));
	printf("AEAD seal, one core, %d ops per batch, 16 B AAD; auto backend: %s; %s\n", BATCH,
	       rb_aead_backend_name(), rb_aead_ctx_backend_name(evp));
	printf("%-18s %6s | %-17s | %-17s | %-17s | %-17s | %7s %7s\n", "", "",
	       "imb-batch", "imb-single", "evp-lib", "evp-raw", "batch/", "open");
	printf("%-18s %6s | %7s %9s | %7s %9s | %7s %9s | %7s %9s | %7s %7s\n", "algorithm",
	       "bytes", "cyc/B", "GB/s", "cyc/B", "GB/s", "cyc/B", "GB/s", "cyc/B", "GB/s",
	       "evp-raw", "GB/s");
	for (size_t a = 0; a < sizeof(algs) / sizeof(algs[0]); a++) {
		struct rb_aead_key key;
		EVP_CIPHER *ciph = EVP_CIPHER_fetch(NULL, evp_names[a], NULL);
		struct evp_arg ea = {EVP_CIPHER_CTX_new()};

		rb_aead_key_init(&key, algs[a], kb, rb_aead_key_len(algs[a]));
		EVP_EncryptInit_ex2(ea.c, ciph, kb, nonces[0], NULL);
		for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
			struct lib_arg li = {imb, &key, 0}, le = {evp, &key, 0}, lo = {imb, &key, 1};
			struct result rb = {0, 0}, rs = {0, 0}, ro = {0, 0}, rl, rr;

			if (imb != NULL) {
				rb = timeit(run_batch, &li, sizes[s]);
				rs = timeit(run_single, &li, sizes[s]);
				run_batch(&li, sizes[s]); /* ciphertext + tags for the opens */
				for (int i = 0; i < BATCH; i++)
					memcpy(src[i], dst[i], sizes[s]);
				ro = timeit(run_batch, &lo, sizes[s]);
				for (int i = 0; i < BATCH; i++)
					memset(src[i], i, MAXLEN + 64);
			}
			rl = timeit(run_batch, &le, sizes[s]);
			rr = timeit(run_evp_raw, &ea, sizes[s]);
			printf("%-18s %6u | %7.2f %9.2f | %7.2f %9.2f | %7.2f %9.2f | %7.2f %9.2f | "
			       "%6.2fx %7.2f\n",
			       rb_aead_alg_name(algs[a]), sizes[s], rb.cpb, rb.gbps, rs.cpb, rs.gbps,
			       rl.cpb, rl.gbps, rr.cpb, rr.gbps, rr.gbps > 0 ? rb.gbps / rr.gbps : 0,
			       ro.gbps);
		}
		EVP_CIPHER_CTX_free(ea.c);
		EVP_CIPHER_free(ciph);
		rb_aead_key_wipe(&key);
	}
	if (imb != NULL) {
		struct rb_aead_stats st;

		rb_aead_ctx_stats(imb, &st);
		if (st.errors != 0 || st.auth_fail != 0) {
			fprintf(stderr, "unexpected failures: %lu errors, %lu auth\n",
				(unsigned long)st.errors, (unsigned long)st.auth_fail);
			return 1;
		}
	}

	rb_rand_init(&rng);
	printf("\nper-operation cost (ns): hkdf-sha1(32B) %.0f, hkdf-sha256(32B) %.0f, "
	       "blake3 derive_key(64B) %.0f, wg kdf2 %.0f, x25519 shared %.0f, rand 32B %.0f, "
	       "gcm256 key init %.0f\n",
	       per_op_ns(op_hkdf_sha1, 20000), per_op_ns(op_hkdf_sha256, 20000),
	       per_op_ns(op_blake3_derive, 20000),
	       per_op_ns(op_wg_kdf2, 20000), per_op_ns(op_x25519, 2000),
	       per_op_ns(op_rand32, 200000), per_op_ns(op_key_init_gcm, 20000));
	rb_rand_wipe(&rng);
	for (int i = 0; i < BATCH; i++) {
		free(src[i]);
		free(dst[i]);
	}
	rb_aead_ctx_free(imb);
	rb_aead_ctx_free(evp);
	return 0;
}
