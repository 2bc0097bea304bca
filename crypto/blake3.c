/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Portable BLAKE3, written from the BLAKE3 specification: a chunk is 1024
 * bytes of 64-byte blocks, chunk chaining values are merged into a binary
 * tree with a stack, and the root node is compressed with ROOT for every
 * 64-byte output block (spec sections 2.1-2.6).
 */
#include <string.h>
#include <openssl/crypto.h>

#include "rb_blake3.h"

enum {
	CHUNK_START = 1 << 0,
	CHUNK_END = 1 << 1,
	PARENT = 1 << 2,
	ROOT = 1 << 3,
	KEYED_HASH = 1 << 4,
	DERIVE_KEY_CONTEXT = 1 << 5,
	DERIVE_KEY_MATERIAL = 1 << 6,
};

static const uint32_t IV[8] = {0x6A09E667, 0xBB67AE85, 0x3C6EF372, 0xA54FF53A,
			       0x510E527F, 0x9B05688C, 0x1F83D9AB, 0x5BE0CD19};

/* spec 2.2: the message word permutation applied between rounds */
static const uint8_t PERM[16] = {2, 6, 3, 10, 7, 0, 4, 13, 1, 11, 12, 5, 9, 14, 15, 8};

static inline uint32_t rotr(uint32_t v, int n)
{
	return (v >> n) | (v << (32 - n));
}

static inline uint32_t ld32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static inline void st32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

static inline void g(uint32_t *s, int a, int b, int c, int d, uint32_t mx, uint32_t my)
{
	s[a] = s[a] + s[b] + mx;
	s[d] = rotr(s[d] ^ s[a], 16);
	s[c] = s[c] + s[d];
	s[b] = rotr(s[b] ^ s[c], 12);
	s[a] = s[a] + s[b] + my;
	s[d] = rotr(s[d] ^ s[a], 8);
	s[c] = s[c] + s[d];
	s[b] = rotr(s[b] ^ s[c], 7);
}

/* spec 2.2: the compression function; out gets all 16 words (XOF needs them) */
static void compress(const uint32_t cv[8], const uint32_t block[16], uint64_t counter,
		     uint32_t block_len, uint32_t flags, uint32_t out[16])
{
	uint32_t s[16], m[16], t[16];

	memcpy(s, cv, 32);
	memcpy(s + 8, IV, 16);
	s[12] = (uint32_t)counter;
	s[13] = (uint32_t)(counter >> 32);
	s[14] = block_len;
	s[15] = flags;
	memcpy(m, block, 64);
	for (int r = 0; r < 7; r++) {
		g(s, 0, 4, 8, 12, m[0], m[1]);
		g(s, 1, 5, 9, 13, m[2], m[3]);
		g(s, 2, 6, 10, 14, m[4], m[5]);
		g(s, 3, 7, 11, 15, m[6], m[7]);
		g(s, 0, 5, 10, 15, m[8], m[9]);
		g(s, 1, 6, 11, 12, m[10], m[11]);
		g(s, 2, 7, 8, 13, m[12], m[13]);
		g(s, 3, 4, 9, 14, m[14], m[15]);
		if (r < 6) {
			for (int i = 0; i < 16; i++)
				t[i] = m[PERM[i]];
			memcpy(m, t, 64);
		}
	}
	for (int i = 0; i < 8; i++) {
		out[i] = s[i] ^ s[i + 8];
		out[i + 8] = s[i + 8] ^ cv[i];
	}
	OPENSSL_cleanse(s, sizeof(s));
	OPENSSL_cleanse(m, sizeof(m));
	OPENSSL_cleanse(t, sizeof(t));
}

static void words_from_block(const uint8_t b[64], uint32_t w[16])
{
	for (int i = 0; i < 16; i++)
		w[i] = ld32(b + 4 * i);
}

/* A node not yet compressed: what the chunk or parent "outputs" (spec 2.6). */
struct node {
	uint32_t cv[8];
	uint32_t block[16];
	uint64_t counter;
	uint32_t block_len;
	uint32_t flags;
};

static void node_cv(const struct node *n, uint32_t cv[8])
{
	uint32_t out[16];

	compress(n->cv, n->block, n->counter, n->block_len, n->flags, out);
	memcpy(cv, out, 32);
	OPENSSL_cleanse(out, sizeof(out));
}

static void parent_node(const uint32_t left[8], const uint32_t right[8], const uint32_t key[8],
			uint32_t flags, struct node *n)
{
	memcpy(n->cv, key, 32);
	memcpy(n->block, left, 32);
	memcpy(n->block + 8, right, 32);
	n->counter = 0;
	n->block_len = RB_BLAKE3_BLOCK_LEN;
	n->flags = flags | PARENT;
}

static void chunk_node(const struct rb_blake3 *h, struct node *n)
{
	uint8_t last[64] = {0};

	memcpy(last, h->buf, h->buf_len);
	memcpy(n->cv, h->cv, 32);
	words_from_block(last, n->block);
	n->counter = h->chunk_counter;
	n->block_len = h->buf_len;
	n->flags = h->flags | CHUNK_END | (h->blocks_compressed == 0 ? CHUNK_START : 0);
	OPENSSL_cleanse(last, sizeof(last));
}

static void hasher_init(struct rb_blake3 *h, const uint32_t key[8], uint8_t flags)
{
	memset(h, 0, sizeof(*h));
	memcpy(h->key, key, 32);
	memcpy(h->cv, key, 32);
	h->flags = flags;
}

void rb_blake3_init(struct rb_blake3 *h)
{
	hasher_init(h, IV, 0);
}

void rb_blake3_init_keyed(struct rb_blake3 *h, const uint8_t key[RB_BLAKE3_KEY_LEN])
{
	uint32_t k[8];

	for (int i = 0; i < 8; i++)
		k[i] = ld32(key + 4 * i);
	hasher_init(h, k, KEYED_HASH);
	OPENSSL_cleanse(k, sizeof(k));
}

void rb_blake3_init_derive_key(struct rb_blake3 *h, const void *context, size_t context_len)
{
	uint8_t ck[32];
	uint32_t k[8];

	hasher_init(h, IV, DERIVE_KEY_CONTEXT);
	rb_blake3_update(h, context, context_len);
	rb_blake3_final(h, ck, sizeof(ck));
	for (int i = 0; i < 8; i++)
		k[i] = ld32(ck + 4 * i);
	hasher_init(h, k, DERIVE_KEY_MATERIAL);
	OPENSSL_cleanse(ck, sizeof(ck));
	OPENSSL_cleanse(k, sizeof(k));
}

/* spec 2.4 / 5.1.2: merge completed subtrees; total_chunks counts the chunk just done */
static void push_chunk_cv(struct rb_blake3 *h, uint32_t cv[8], uint64_t total_chunks)
{
	struct node n;

	while ((total_chunks & 1) == 0) {
		h->cv_stack_len--;
		parent_node(h->cv_stack[h->cv_stack_len], cv, h->key, h->flags, &n);
		node_cv(&n, cv);
		total_chunks >>= 1;
	}
	memcpy(h->cv_stack[h->cv_stack_len++], cv, 32);
	OPENSSL_cleanse(&n, sizeof(n));
}

void rb_blake3_update(struct rb_blake3 *h, const void *data, size_t len)
{
	const uint8_t *p = data;
	uint32_t w[16];

	while (len > 0) {
		/* The chunk is full and more input follows: finish it. */
		if (h->blocks_compressed == RB_BLAKE3_CHUNK_LEN / RB_BLAKE3_BLOCK_LEN - 1 &&
		    h->buf_len == RB_BLAKE3_BLOCK_LEN) {
			struct node n;
			uint32_t cv[8];

			chunk_node(h, &n);
			node_cv(&n, cv);
			push_chunk_cv(h, cv, h->chunk_counter + 1);
			h->chunk_counter++;
			memcpy(h->cv, h->key, 32);
			h->blocks_compressed = 0;
			h->buf_len = 0;
			OPENSSL_cleanse(&n, sizeof(n));
		}
		/* The block buffer is full and more input follows: compress it. */
		if (h->buf_len == RB_BLAKE3_BLOCK_LEN) {
			words_from_block(h->buf, w);
			compress(h->cv, w, h->chunk_counter, RB_BLAKE3_BLOCK_LEN,
				 h->flags | (h->blocks_compressed == 0 ? CHUNK_START : 0), w);
			memcpy(h->cv, w, 32);
			h->blocks_compressed++;
			h->buf_len = 0;
		}
		size_t take = RB_BLAKE3_BLOCK_LEN - h->buf_len;

		if (take > len)
			take = len;
		memcpy(h->buf + h->buf_len, p, take);
		h->buf_len += (uint8_t)take;
		p += take;
		len -= take;
	}
	OPENSSL_cleanse(w, sizeof(w));
}

void rb_blake3_final(const struct rb_blake3 *h, uint8_t *out, size_t out_len)
{
	struct node n;
	uint32_t cv[8], words[16];
	uint64_t counter = 0;

	chunk_node(h, &n);
	for (int i = h->cv_stack_len - 1; i >= 0; i--) {
		node_cv(&n, cv);
		parent_node(h->cv_stack[i], cv, h->key, h->flags, &n);
	}
	/* spec 2.6: root output blocks, counter = output block index */
	while (out_len > 0) {
		size_t take = out_len < 64 ? out_len : 64;
		uint8_t blk[64];

		compress(n.cv, n.block, counter++, n.block_len, n.flags | ROOT, words);
		for (int i = 0; i < 16; i++)
			st32(blk + 4 * i, words[i]);
		memcpy(out, blk, take);
		OPENSSL_cleanse(blk, sizeof(blk));
		out += take;
		out_len -= take;
	}
	OPENSSL_cleanse(&n, sizeof(n));
	OPENSSL_cleanse(cv, sizeof(cv));
	OPENSSL_cleanse(words, sizeof(words));
}

void rb_blake3_wipe(struct rb_blake3 *h)
{
	OPENSSL_cleanse(h, sizeof(*h));
}

void rb_blake3(const void *data, size_t len, uint8_t *out, size_t out_len)
{
	struct rb_blake3 h;

	rb_blake3_init(&h);
	rb_blake3_update(&h, data, len);
	rb_blake3_final(&h, out, out_len);
	rb_blake3_wipe(&h);
}

void rb_blake3_keyed(const uint8_t key[RB_BLAKE3_KEY_LEN], const void *data, size_t len,
		     uint8_t *out, size_t out_len)
{
	struct rb_blake3 h;

	rb_blake3_init_keyed(&h, key);
	rb_blake3_update(&h, data, len);
	rb_blake3_final(&h, out, out_len);
	rb_blake3_wipe(&h);
}

void rb_blake3_derive_key(const void *context, size_t context_len, const void *material,
			  size_t material_len, uint8_t *out, size_t out_len)
{
	struct rb_blake3 h;

	rb_blake3_init_derive_key(&h, context, context_len);
	rb_blake3_update(&h, material, material_len);
	rb_blake3_final(&h, out, out_len);
	rb_blake3_wipe(&h);
}
