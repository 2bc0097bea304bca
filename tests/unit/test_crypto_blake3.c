/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Crypto layer tests, part 3: BLAKE3 against the official test vectors
 * (test_crypto_blake3_vectors.c), in all three modes, full 131-byte XOF
 * output and the default 32-byte prefix, one-shot and fed in odd pieces.
 */
#include <stdio.h>
#include <string.h>
#include <CUnit/Basic.h>

#include "crypto/rb_blake3.h"

size_t tc_hex(const char *hex, uint8_t *out, size_t max);
int tc_register_blake3(void);

struct tc_blake3_vec {
	size_t input_len;
	const char *hash, *keyed_hash, *derive_key;
};
extern const char tc_blake3_key[];
extern const char tc_blake3_context[];
extern const struct tc_blake3_vec tc_blake3_vecs[];
extern const size_t tc_blake3_nvecs;

#define MAXIN 102400
#define XOF   131

static uint8_t input[MAXIN];

enum mode { M_HASH, M_KEYED, M_DERIVE };

static void run_mode(enum mode m, const uint8_t *in, size_t len, size_t piece, uint8_t *out,
		     size_t out_len)
{
	struct rb_blake3 h;

	if (m == M_HASH)
		rb_blake3_init(&h);
	else if (m == M_KEYED)
		rb_blake3_init_keyed(&h, (const uint8_t *)tc_blake3_key);
	else
		rb_blake3_init_derive_key(&h, tc_blake3_context, strlen(tc_blake3_context));
	for (size_t off = 0; off < len; off += piece)
		rb_blake3_update(&h, in + off, len - off < piece ? len - off : piece);
	rb_blake3_final(&h, out, out_len);
	rb_blake3_wipe(&h);
}

static void test_blake3_vectors(void)
{
	static const size_t pieces[] = {MAXIN, 1, 63, 64, 65, 1023, 1024, 1025, 4097};
	unsigned bad = 0, checked = 0;

	for (size_t i = 0; i < MAXIN; i++)
		input[i] = (uint8_t)(i % 251);
	CU_ASSERT_EQUAL_FATAL(strlen(tc_blake3_key), RB_BLAKE3_KEY_LEN);
	CU_ASSERT_FATAL(tc_blake3_nvecs >= 30);

	for (size_t v = 0; v < tc_blake3_nvecs; v++) {
		const struct tc_blake3_vec *tv = &tc_blake3_vecs[v];
		const char *exp_hex[3] = {tv->hash, tv->keyed_hash, tv->derive_key};

		CU_ASSERT_FATAL(tv->input_len <= MAXIN);
		for (int m = 0; m < 3; m++) {
			uint8_t exp[XOF], out[XOF];

			CU_ASSERT_EQUAL_FATAL(tc_hex(exp_hex[m], exp, sizeof(exp)), XOF);
			for (size_t p = 0; p < sizeof(pieces) / sizeof(pieces[0]); p++) {
				/* piece size 1 on the 100 KiB case only once is enough */
				if (pieces[p] == 1 && tv->input_len > 10000)
					continue;
				run_mode(m, input, tv->input_len, pieces[p], out, XOF);
				checked++;
				if (memcmp(out, exp, XOF) != 0) {
					bad++;
					fprintf(stderr, "\nblake3 mode %d len %zu piece %zu: mismatch\n",
						m, tv->input_len, pieces[p]);
				}
			}
			/* default-length output is the prefix of the XOF */
			memset(out, 0, sizeof(out));
			if (m == M_HASH)
				rb_blake3(input, tv->input_len, out, RB_BLAKE3_OUT_LEN);
			else if (m == M_KEYED)
				rb_blake3_keyed((const uint8_t *)tc_blake3_key, input, tv->input_len,
						out, RB_BLAKE3_OUT_LEN);
			else
				rb_blake3_derive_key(tc_blake3_context, strlen(tc_blake3_context),
						     input, tv->input_len, out,
						     RB_BLAKE3_OUT_LEN);
			CU_ASSERT_EQUAL(memcmp(out, exp, RB_BLAKE3_OUT_LEN), 0);
			CU_ASSERT_EQUAL(out[RB_BLAKE3_OUT_LEN], 0);
		}
	}
	CU_ASSERT_EQUAL(bad, 0);
	CU_ASSERT(checked > 500);
}

/* final() leaves the state usable: hash(a) then more input = hash(a || b). */
static void test_blake3_continue(void)
{
	struct rb_blake3 h;
	uint8_t o1[32], o2[32], o3[32];

	rb_blake3_init(&h);
	rb_blake3_update(&h, input, 3000);
	rb_blake3_final(&h, o1, 32);
	rb_blake3_update(&h, input + 3000, 2121);
	rb_blake3_final(&h, o2, 32);
	rb_blake3(input, 5121, o3, 32);
	CU_ASSERT_EQUAL(memcmp(o2, o3, 32), 0);
	CU_ASSERT_NOT_EQUAL(memcmp(o1, o2, 32), 0);
	rb_blake3_wipe(&h);
	CU_ASSERT_EQUAL(h.key[0] | h.cv[0], 0);
}

int tc_register_blake3(void)
{
	CU_pSuite s = CU_add_suite("blake3", NULL, NULL);

	if (s == NULL)
		return -1;
	CU_add_test(s, "official vectors, 3 modes, XOF", test_blake3_vectors);
	CU_add_test(s, "final then continue", test_blake3_continue);
	return 0;
}
