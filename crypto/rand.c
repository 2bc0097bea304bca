/* SPDX-License-Identifier: BSD-3-Clause */
/* Per-lcore ChaCha20 CSPRNG with fast key erasure, seeded by getrandom(). */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <sys/random.h>
#include <openssl/crypto.h>

#include "rb_chacha.h"
#include "rb_rand.h"

int rb_getrandom(void *buf, size_t len)
{
	uint8_t *p = buf;

	while (len > 0) {
		ssize_t n = getrandom(p, len, 0);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static int reseed(struct rb_rand *r)
{
	uint8_t seed[32];

	if (rb_getrandom(seed, sizeof(seed)) != 0)
		return -1;
	for (int i = 0; i < 32; i++)
		r->key[i] ^= seed[i];
	OPENSSL_cleanse(seed, sizeof(seed));
	r->since_reseed = 0;
	r->reseeds++;
	r->pid = getpid();
	return 0;
}

/* One keystream under the current key: its first 32 bytes become the next
 * key (the old one is gone), the next RB_RAND_BUF_LEN bytes are served. */
static void refill(struct rb_rand *r)
{
	uint8_t nonce[12] = {0}, k[32], blk[64];
	uint32_t off, bno = 0;

	if (r->since_reseed >= RB_RAND_RESEED_BYTES || r->pid != getpid())
		reseed(r); /* on failure the current key stays; retried next time */
	for (int i = 0; i < 8; i++)
		nonce[4 + i] = (uint8_t)(r->counter >> (8 * i));
	r->counter++;
	memcpy(k, r->key, 32);
	rb_chacha20_block(k, bno++, nonce, blk);
	memcpy(r->key, blk, 32);
	memcpy(r->buf, blk + 32, 32);
	for (off = 32; off < RB_RAND_BUF_LEN; off += 64) {
		rb_chacha20_block(k, bno++, nonce, blk);
		memcpy(r->buf + off, blk, RB_RAND_BUF_LEN - off < 64 ? RB_RAND_BUF_LEN - off : 64);
	}
	OPENSSL_cleanse(k, sizeof(k));
	OPENSSL_cleanse(blk, sizeof(blk));
	r->pos = 0;
	r->since_reseed += RB_RAND_BUF_LEN;
}

int rb_rand_init(struct rb_rand *r)
{
	memset(r, 0, sizeof(*r));
	if (rb_getrandom(r->key, sizeof(r->key)) != 0)
		return -1;
	r->pid = getpid();
	r->seeded = 1;
	r->pos = RB_RAND_BUF_LEN; /* empty: first use refills */
	return 0;
}

int rb_rand_bytes(struct rb_rand *r, void *buf, size_t len)
{
	uint8_t *p = buf;

	if (!r->seeded) {
		memset(buf, 0, len);
		return -1;
	}
	while (len > 0) {
		size_t n;

		if (r->pos >= RB_RAND_BUF_LEN)
			refill(r);
		n = RB_RAND_BUF_LEN - r->pos;
		if (n > len)
			n = len;
		memcpy(p, r->buf + r->pos, n);
		memset(r->buf + r->pos, 0, n); /* served bytes never stay behind */
		r->pos += (uint32_t)n;
		p += n;
		len -= n;
	}
	return 0;
}

uint64_t rb_rand_u64(struct rb_rand *r)
{
	uint64_t v = 0;

	rb_rand_bytes(r, &v, sizeof(v));
	return v;
}

uint32_t rb_rand_uniform(struct rb_rand *r, uint32_t bound)
{
	uint32_t v, min;

	if (bound < 2)
		return 0;
	min = -bound % bound; /* 2^32 mod bound: reject below it */
	do {
		rb_rand_bytes(r, &v, sizeof(v));
	} while (v < min);
	return v % bound;
}

void rb_rand_wipe(struct rb_rand *r)
{
	OPENSSL_cleanse(r, sizeof(*r));
}
