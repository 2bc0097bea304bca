/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target for the Shadowsocks SIP004 stream decoder
 * (dataplane/ss/ss_aead.c).
 *
 * Input: [method][mode][piece][pos lo][pos hi][flip][data...]
 *   mode even: data is ciphertext, decoded as is (no valid key: fuzzing
 *              stops at the first tag, exercising salt/length buffering);
 *   mode odd:  data is plaintext, sealed with the right key in chunks whose
 *              sizes come from the data, one byte at pos xor flip, then
 *              decoded in pieces of `piece` bytes: with flip 0 the output
 *              must equal the input (checked), else the decoder must fail
 *              cleanly or produce a prefix.
 * In mode even the data is also opened as one UDP packet (ss_udp.c).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dataplane/ss/ss_aead.h"
#include "dataplane/ss/ss_udp.h"

static struct rb_aead_ctx *ctx;
static struct ss_cipher enc, dec;
static struct ss_udp_burst udp;
static uint8_t ct[1 << 17], pt[1 << 17];

static size_t decode(const struct ss_method *m, const uint8_t *master, const uint8_t *in,
		     size_t len, size_t piece, int *rc)
{
	size_t off = 0, got = 0;

	ss_dec_init(&dec, m, master);
	*rc = SS_OK;
	while (off < len) {
		size_t n = len - off < piece ? len - off : piece, used, prod;

		*rc = ss_dec(ctx, &dec, in + off, n, &used, pt + got, sizeof(pt) - got, &prod);
		if (*rc != SS_OK)
			break;
		if (used == 0 && prod == 0)
			abort(); /* out has room: the decoder must make progress */
		got += prod;
		off += used;
	}
	return got;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct ss_method *m;
	uint8_t master[32], salt[32];
	size_t piece, pos, got, clen = 0, off;
	int rc;

	if (ctx == NULL)
		ctx = rb_aead_ctx_create(RB_AEAD_BACKEND_AUTO);
	if (size < 6 || ctx == NULL)
		return 0;
	m = ss_method_get((enum ss_method_id)(data[0] % SS_M_COUNT));
	piece = (size_t)data[2] + 1;
	pos = (size_t)data[3] | (size_t)data[4] << 8;
	ss_master_key(m, "fuzz", master);
	if ((data[1] & 1) == 0) {
		struct ss_udp_pkt p = {.in = data + 6, .len = (uint32_t)(size - 6), .out = pt};

		decode(m, master, data + 6, size - 6, piece, &rc);
		/* the same bytes as a UDP packet: must fail cleanly */
		if (size - 6 <= sizeof(pt) && ss_udp_open(ctx, &udp, m, master, &p, 1) == 0 &&
		    size - 6 >= (size_t)m->key_len + SS_TAG_LEN)
			abort(); /* a forged UDP packet verified */
		return 0;
	}
	if (size - 6 > 60000)
		return 0;
	memset(salt, data[1], sizeof(salt));
	ss_enc_init(&enc, m, master, salt);
	/* chunk sizes from the data itself: 1 + data byte * 64 */
	for (off = 6; off < size;) {
		size_t n = 1 + (size_t)data[off] * 64;
		long w;

		if (n > size - off)
			n = size - off;
		/* room for the call's output (n, a chunk's 34 bytes per 0x3FFF,
		 * the salt): 1-byte calls grow the stream 35-fold, past ct; the
		 * rest of the input is left out */
		if (clen + n + 34 * (n / 0x3FFF + 1) + 64 > sizeof(ct)) {
			size = off;
			break;
		}
		w = ss_enc(ctx, &enc, data + off, n, ct + clen);
		if (w <= 0)
			abort();
		clen += (size_t)w;
		off += n;
	}
	if (data[5] && clen)
		ct[pos % clen] ^= data[5];
	got = decode(m, master, ct, clen, piece, &rc);
	if (data[5] == 0 && (rc != SS_OK || got != size - 6 || memcmp(pt, data + 6, got) != 0))
		abort();
	if (data[5] != 0 && rc == SS_OK && got == size - 6 && clen)
		abort(); /* a flipped byte went unnoticed */
	if (got > size - 6 || memcmp(pt, data + 6, got) != 0)
		abort(); /* what came out is a prefix of what went in */
	return 0;
}
