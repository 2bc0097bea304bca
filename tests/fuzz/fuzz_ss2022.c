/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target for the Shadowsocks 2022 decoders
 * (dataplane/ss/ss2022_tcp.c, ss2022_udp.c, ss_eih.c) and the UDP session
 * layer the dataplane's inbound/outbound use (ss_udp22_sess.c).
 *
 * Input: [method][mode][piece][pos lo][pos hi][flip][data...]
 *   method % 3: 2022-blake3-aes-128-gcm, -aes-256-gcm, -chacha20-poly1305
 *   mode % 4 == 0: data is ciphertext (no valid key): fed to the server
 *        request decoder (single-user, and multi-user for AES), the client
 *        response decoder, and as one UDP packet to the server, the
 *        client, the inbound's session tables (single- and, AES,
 *        multi-user: ss22_usrv_open) and a client session (ss22_ucli_open).
 *        Nothing may verify, no session may appear.
 *   mode % 4 == 1: data is the payload of a request (bit 2 of mode: the
 *        client sends an identity header, AES only), sealed with the right
 *        key in calls whose sizes come from the data, one byte xor flip at
 *        pos, decoded in pieces of `piece` bytes: flip 0 must round-trip,
 *        a flip must fail, and what came out is always a prefix.
 *   mode % 4 == 2: the same for a response stream.
 *   mode % 4 == 3: data is one UDP payload, sealed by the client, flipped,
 *        opened by the server: round trip, or failure when flipped; then
 *        the same through the session layer with the right key (client
 *        ss22_ucli_seal -> inbound table ss22_usrv_open: round trip and one
 *        session, the packet again a replay; the reply back through
 *        ss22_ucli_open), or a flipped packet refused without a session.
 *   mode bit 3 with mode % 4 == 1: the request goes through ss_enc /
 *        ss_dec (ss2022_compat.c, address-first plaintext) instead.
 *   SIP023 UDP relay and session ownership (AES for the relay): raw data
 *        through a relay's rewrite (ss_eih_udp_relay) changes nothing when
 *        refused and only bytes 16..32 otherwise, and ss22_usrv_peek_sid
 *        never reads past the packet; with mode % 4 == 3 the payload is
 *        sealed by a client with iPSK_relay:PSK, rewritten by the relay and
 *        opened by the destination's table (round trip), or refused at the
 *        relay or the destination when flipped; the peeked session id is
 *        the client's.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dataplane/ss/ss2022_compat.h"
#include "dataplane/ss/ss2022_udp.h"
#include "dataplane/ss/ss_udp22_sess.h"
#include <openssl/evp.h>

#define NOW 1700000000ull

static struct rb_aead_ctx *ctx;
static struct rb_aead_batch batch;
static struct ss22_enc enc;
static struct ss22_dec dec;
static struct ss_eih_users users[2];
static uint8_t ct[1 << 17], pt[1 << 17];
static const char *names[] = {"2022-blake3-aes-128-gcm", "2022-blake3-aes-256-gcm",
			      "2022-blake3-chacha20-poly1305"};
static const uint8_t addr[] = {3, 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 0, 80};
static uint8_t ipsk[32], upsk[32], salt_c[32], salt_s[32];
static struct ss22_usrv tab[3], tab_mu[2]; /* the inbound's session tables */
static char upsk_b64[3][64];
static struct ss_eih_users relays[2]; /* iPSK salt_s; destinations ipsk (8), upsk (7) */
static char chain_b64[2][128];	      /* "salt_s:upsk" */

static void setup(void)
{
	ctx = rb_aead_ctx_create(RB_AEAD_BACKEND_AUTO);
	for (int i = 0; i < 32; i++) {
		ipsk[i] = (uint8_t)(i + 1);
		upsk[i] = (uint8_t)(0x80 + i);
		salt_c[i] = (uint8_t)(0x40 ^ i);
		salt_s[i] = (uint8_t)(0x20 + 3 * i);
	}
	for (int mi = 0; mi < 2; mi++) {
		const struct ss_method *m = ss2022_method_find(names[mi]);

		if (ss_eih_users_init(&users[mi], m, ipsk) != 0 ||
		    ss_eih_users_add(&users[mi], upsk, 1) != 0 ||
		    ss22_usrv_init(&tab_mu[mi], m, NULL, &users[mi], 4, 1) != SS_OK)
			abort();
		if (ss_eih_users_init(&relays[mi], m, salt_s) != 0 ||
		    ss_eih_users_add(&relays[mi], ipsk, 8) != 0 ||
		    ss_eih_users_add(&relays[mi], upsk, 7) != 0)
			abort();
		EVP_EncodeBlock((unsigned char *)chain_b64[mi], salt_s, (int)m->key_len);
		strcat(chain_b64[mi], ":");
		EVP_EncodeBlock((unsigned char *)chain_b64[mi] + strlen(chain_b64[mi]), upsk,
				(int)m->key_len);
	}
	for (int mi = 0; mi < 3; mi++) {
		const struct ss_method *m = ss2022_method_find(names[mi]);

		EVP_EncodeBlock((unsigned char *)upsk_b64[mi], upsk, (int)m->key_len);
		if (ss22_usrv_init(&tab[mi], m, upsk, NULL, 4, 2) != SS_OK)
			abort();
	}
}

/* Raw bytes to the inbound's session table t: never a session. */
static void raw_usrv(struct ss22_usrv *t, const uint8_t *data, size_t len)
{
	static const uint8_t rnd[8] = {1, 2, 3, 4, 5, 6, 7, 8};
	struct ss22_udp_in in;
	struct ss22_usess *s;

	ss22_usrv_clear(t);
	memcpy(ct, data, len);
	if (ss22_usrv_open(ctx, t, ct, (uint32_t)len, NOW, rnd, &in, &s) == SS_OK || s != NULL ||
	    t->live != 0)
		abort(); /* a forged packet made a session */
}

/* Raw bytes through a relay's rewrite and the owner peek. */
static void raw_relay(int mi, const uint8_t *data, size_t len)
{
	static uint8_t before[2048];
	uint8_t sid[8];

	if (len > sizeof(before))
		return;
	memcpy(ct, data, len);
	if (ss22_usrv_peek_sid(&tab[mi], ct, (uint32_t)len, sid) == 0 &&
	    ss22_usess_owner(sid, 3) >= 3)
		abort();
	if (mi < 2 && ss22_usrv_peek_sid(&tab_mu[mi], ct, (uint32_t)len, sid) == 0 &&
	    ss22_usess_owner(sid, 2) >= 2)
		abort();
	if (mi >= 2)
		return;
	memcpy(before, ct, len);
	if (ss_eih_udp_relay(&relays[mi], ct, len) == NULL) {
		if (memcmp(before, ct, len) != 0)
			abort(); /* refused, yet changed */
	} else if (memcmp(before, ct, 16) != 0 || memcmp(before + 32, ct + 32, len - 32) != 0) {
		abort(); /* only our identity header's place is rewritten */
	}
}

/* Decode in pieces; returns the bytes produced, *rc the last result. */
static size_t decode(const uint8_t *in, size_t len, size_t piece, int *rc)
{
	size_t off = 0, got = 0;

	*rc = SS_OK;
	while (off < len) {
		size_t n = len - off < piece ? len - off : piece, used, prod;

		*rc = ss22_dec(ctx, &dec, NOW, in + off, n, &used, pt + got, sizeof(pt) - got, &prod);
		if (*rc != SS_OK)
			break;
		if (used == 0 && prod == 0)
			abort(); /* out has room: the decoder must make progress */
		got += prod;
		off += used;
	}
	return got;
}

static void raw_udp(const struct ss_method *m, struct ss22_udp *u, const uint8_t *data,
		    size_t len)
{
	struct ss22_udp_in in = {.pkt = ct, .len = (uint32_t)len};
	struct ss22_udp_rx rx;

	memcpy(ct, data, len);
	ss22_udp_open_hdr(u, &in, 1);
	if (in.status == SS_OK && m->alg != RB_AEAD_CHACHA20_POLY1305) {
		if (ss22_udp_rx_init(&rx, m, u->server ? ipsk : upsk, in.sid) != SS_OK)
			abort();
		in.rx = &rx;
	}
	if (ss22_udp_open_body(ctx, u, &batch, &in, 1, NOW) == 0)
		abort(); /* a forged packet verified */
}

static void raw(const struct ss_method *m, int mi, const uint8_t *data, size_t len, size_t piece)
{
	struct ss22_keys k;
	struct ss22_udp su, cu;
	int rc;

	ss22_dec_server_init(&dec, m, ipsk, NULL, NULL);
	decode(data, len, piece, &rc);
	if (rc == SS_OK && dec.hdr_done)
		abort();
	if (mi < 2) {
		ss22_dec_server_init(&dec, m, NULL, &users[mi], NULL);
		decode(data, len, piece, &rc);
		if (rc == SS_OK && dec.hdr_done)
			abort();
	}
	ss22_dec_client_init(&dec, m, upsk, salt_c, NULL);
	decode(data, len, piece, &rc);
	if (rc == SS_OK && dec.hdr_done)
		abort();
	if (len > 2048)
		return;
	if (ss22_udp_server_init(&su, m, ipsk, NULL) != SS_OK)
		abort();
	raw_udp(m, &su, data, len);
	ss22_udp_free(&su);
	if (ss22_keys_init(&k, m, upsk, 1) != 0 || ss22_udp_client_init(&cu, &k) != SS_OK)
		abort();
	raw_udp(m, &cu, data, len);
	ss22_udp_free(&cu);
	ss22_keys_free(&k);
	raw_usrv(&tab[mi], data, len);
	if (mi < 2)
		raw_usrv(&tab_mu[mi], data, len);
	raw_relay(mi, data, len);
	{
		static const uint8_t sid[8] = {1, 1, 2, 2, 3, 3, 4, 4};
		static struct ss22_ucli c;
		struct ss22_udp_in in;

		if (ss22_ucli_init(&c, m, upsk_b64[mi], sid) != SS_OK)
			abort();
		memcpy(ct, data, len);
		if (ss22_ucli_open(ctx, &c, ct, (uint32_t)len, NOW, &in) == SS_OK)
			abort();
		ss22_ucli_free(&c);
	}
}

static void stream(const struct ss_method *m, int mi, int response, int eih, const uint8_t *data,
		   size_t len, size_t piece, size_t pos, uint8_t flip)
{
	uint8_t psks[64];
	struct ss22_keys k;
	size_t clen = 0, off, got;
	int rc;

	memcpy(psks, ipsk, m->key_len);
	memcpy(psks + m->key_len, upsk, m->key_len);
	if (response) {
		if (ss22_enc_server_init(&enc, m, upsk, salt_s, salt_c) != SS_OK)
			abort();
	} else {
		if (ss22_keys_init(&k, m, eih ? psks : psks + m->key_len, eih ? 2 : 1) != 0 ||
		    ss22_enc_client_init(&enc, &k, salt_c, addr, sizeof(addr),
					 (uint16_t)(1 + pos % 900)) != SS_OK)
			abort();
		ss22_keys_free(&k);
		/* headers first, with padding only */
		clen = (size_t)ss22_enc(ctx, &enc, NOW, NULL, 0, ct);
	}
	/* call sizes from the data itself: 1 + data byte * 300 */
	for (off = 0; off < len;) {
		size_t n = 1 + (size_t)data[off] * 300;
		long w;

		if (n > len - off)
			n = len - off;
		/* room for the call's output (n plus at most a chunk's 34 bytes,
		 * and the headers on the first call): many 1-byte calls grow the
		 * stream 35-fold, past ct; the rest of the input is left out */
		if (clen + n + 2048 > sizeof(ct)) {
			len = off;
			break;
		}
		w = ss22_enc(ctx, &enc, NOW, data + off, n, ct + clen);
		if (w <= 0)
			abort();
		clen += (size_t)w;
		off += n;
	}
	if (clen == 0)
		return;
	if (flip)
		ct[pos % clen] ^= flip;
	if (response)
		ss22_dec_client_init(&dec, m, upsk, salt_c, NULL);
	else if (eih)
		ss22_dec_server_init(&dec, m, NULL, &users[mi], NULL);
	else
		ss22_dec_server_init(&dec, m, upsk, NULL, NULL);
	got = decode(ct, clen, piece, &rc);
	if (flip == 0 && (rc != SS_OK || got != len || memcmp(pt, data, len) != 0 || !dec.hdr_done))
		abort();
	if (flip != 0 && rc == SS_OK)
		abort(); /* a flipped byte went unnoticed */
	if (got > len || memcmp(pt, data, got) != 0)
		abort(); /* what came out is a prefix of what went in */
}

static void udp(const struct ss_method *m, const uint8_t *data, size_t len, size_t pos,
		uint8_t flip)
{
	static const uint8_t sid[8] = {9, 8, 7, 6, 5, 4, 3, 2};
	struct ss22_keys k;
	struct ss22_udp cu, su;
	struct ss22_udp_client c;
	struct ss22_udp_rx rx;
	uint8_t xn[24];
	struct ss22_udp_out o = {.addr = addr, .alen = sizeof(addr), .payload = data,
				 .len = (uint32_t)len, .pad_len = (uint16_t)(pos % 64),
				 .xnonce = xn, .out = ct};
	struct ss22_udp_in in = {.pkt = ct};

	if (len > 4096)
		return;
	memset(xn, flip, sizeof(xn));
	if (ss22_keys_init(&k, m, upsk, 1) != 0 || ss22_udp_client_init(&cu, &k) != SS_OK ||
	    ss22_udp_client_session(&c, &k, sid) != SS_OK ||
	    ss22_udp_server_init(&su, m, upsk, NULL) != SS_OK)
		abort();
	o.tx = &c.tx;
	if (ss22_udp_seal(ctx, &cu, &batch, &o, 1, NOW) != 0)
		abort();
	if (flip)
		ct[pos % (size_t)o.out_len] ^= flip;
	in.len = (uint32_t)o.out_len;
	ss22_udp_open_hdr(&su, &in, 1);
	if (in.status == SS_OK && m->alg != RB_AEAD_CHACHA20_POLY1305) {
		if (ss22_udp_rx_init(&rx, m, upsk, in.sid) != SS_OK)
			abort();
		in.rx = &rx;
	}
	ss22_udp_open_body(ctx, &su, &batch, &in, 1, NOW);
	if (flip == 0 && (in.status != SS_OK || in.data_len != len ||
			  (len && memcmp(in.data, data, len) != 0) || in.target.port != 80))
		abort();
	if (flip != 0 && in.status == SS_OK)
		abort();
	ss22_udp_free(&cu);
	ss22_udp_free(&su);
	ss22_keys_free(&k);
}

/* The session layer: client ss22_ucli -> inbound table -> reply back. */
static void udp_sess(int mi, const uint8_t *data, size_t len, size_t pos, uint8_t flip)
{
	const struct ss_method *m = ss2022_method_find(names[mi]);
	static const uint8_t sid[8] = {9, 8, 7, 6, 5, 4, 3, 2}, rnd[8] = {5, 5, 5, 5, 6, 6, 6, 6};
	static struct ss22_ucli c;
	static uint8_t copy[8192];
	struct ss22_usrv *t = &tab[mi];
	struct ss22_usess *s, *s1;
	struct ss22_udp_in in;
	uint8_t xn[24];
	int n, rc;

	if (len > 4096)
		return;
	memset(xn, flip ^ 0x5a, sizeof(xn));
	ss22_usrv_clear(t);
	if (ss22_ucli_init(&c, m, upsk_b64[mi], sid) != SS_OK)
		abort();
	n = ss22_ucli_seal(ctx, &c, addr, sizeof(addr), ss22_udp_pad(80, (uint32_t)len, (uint32_t)pos),
			   data, (uint32_t)len, xn, ct, NOW);
	if (n <= 0)
		abort();
	if (flip)
		ct[pos % (size_t)n] ^= flip;
	memcpy(copy, ct, (size_t)n);
	rc = ss22_usrv_open(ctx, t, ct, (uint32_t)n, NOW + pos % 31, rnd, &in, &s);
	if (flip != 0) {
		if (rc == SS_OK || t->live != 0)
			abort(); /* a flipped packet verified or made a session */
		ss22_ucli_free(&c);
		return;
	}
	if (rc != SS_OK || s == NULL || t->live != 1 || in.data_len != len ||
	    (len && memcmp(in.data, data, len) != 0) || in.target.port != 80)
		abort();
	s1 = s;
	if (ss22_usrv_open(ctx, t, copy, (uint32_t)n, NOW, rnd, &in, &s) != SS2022_ERR_REPLAY)
		abort(); /* the same packet twice */
	n = ss22_usrv_seal(ctx, t, s1, addr, sizeof(addr),
			   (uint16_t)(pos % 64), data, (uint32_t)len, xn, ct, NOW);
	if (n <= 0 || ss22_ucli_open(ctx, &c, ct, (uint32_t)n, NOW, &in) != SS_OK ||
	    in.data_len != len || (len && memcmp(in.data, data, len) != 0))
		abort();
	ss22_ucli_free(&c);
}

/* Client (relay iPSK : PSK) -> relay rewrite -> the destination's table. */
static void udp_relay(int mi, const uint8_t *data, size_t len, size_t pos, uint8_t flip)
{
	const struct ss_method *m = ss2022_method_find(names[mi]);
	static const uint8_t sid[8] = {4, 4, 3, 3, 2, 2, 1, 1}, rnd[8] = {7, 7, 7, 7, 8, 8, 8, 8};
	static struct ss22_ucli c;
	const struct ss_eih_user *hop;
	struct ss22_usrv *t = &tab[mi];
	struct ss22_usess *s;
	struct ss22_udp_in in;
	uint8_t got[8];
	int n, rc;

	if (len > 4096 || mi >= 2)
		return;
	ss22_usrv_clear(t);
	if (ss22_ucli_init(&c, m, chain_b64[mi], sid) != SS_OK)
		abort();
	n = ss22_ucli_seal(ctx, &c, addr, sizeof(addr), (uint16_t)(pos % 32), data, (uint32_t)len,
			   NULL, ct, NOW);
	if (n <= 32)
		abort();
	if (flip)
		ct[pos % (size_t)n] ^= flip;
	hop = ss_eih_udp_relay(&relays[mi], ct, (size_t)n);
	if (hop == NULL) {
		if (flip == 0 || pos % (size_t)n >= 32)
			abort(); /* only a flip in the first two blocks stops the relay */
		ss22_ucli_free(&c);
		return;
	}
	if (hop->id != 7 || (flip != 0 && pos % (size_t)n < 32))
		abort();
	if (flip == 0 && (ss22_usrv_peek_sid(t, ct + 16, (uint32_t)n - 16, got) != 0 ||
			  memcmp(got, sid, 8) != 0))
		abort(); /* after the rewrite the destination reads the client's id */
	rc = ss22_usrv_open(ctx, t, ct + 16, (uint32_t)n - 16, NOW, rnd, &in, &s);
	if (flip != 0 && rc == SS_OK)
		abort();
	if (flip == 0 && (rc != SS_OK || in.data_len != len || (len && memcmp(in.data, data, len))))
		abort();
	ss22_ucli_free(&c);
}

/* Through the SIP004 calls: client ss_enc (address first), server ss_dec. */
static void compat(const struct ss_method *m, const uint8_t *data, size_t len, size_t piece,
		   size_t pos, uint8_t flip)
{
	static struct ss_cipher ce, cd, sd;
	static uint8_t plain[1 << 17];
	struct ss22_keys k;
	size_t clen = 0, off = 0, got = 0, plen = sizeof(addr) + len;
	int rc = SS_OK;
	long w;

	if (len > 60000 || ss22_keys_init(&k, m, upsk, 1) != 0 ||
	    ss22c_client(&ce, &cd, &k, salt_c, (uint16_t)(1 + pos % SS22C_MAX_PAD), NULL) != SS_OK ||
	    ss22c_server_dec(&sd, m, upsk, NULL, NULL) != SS_OK)
		abort();
	ss22_keys_free(&k);
	memcpy(plain, addr, sizeof(addr));
	memcpy(plain + sizeof(addr), data, len);
	w = ss_enc(ctx, &ce, plain, plen, ct);
	if (w <= 0 || (size_t)w > ss_enc_size(&ce, 0) + plen + 4096)
		abort();
	clen = (size_t)w;
	if (flip)
		ct[pos % clen] ^= flip;
	while (off < clen) {
		size_t n = clen - off < piece ? clen - off : piece, used, prod;

		rc = ss_dec(ctx, &sd, ct + off, n, &used, pt + got, sizeof(pt) - got, &prod);
		if (rc != SS_OK)
			break;
		if (used == 0 && prod == 0)
			abort();
		got += prod;
		off += used;
	}
	if (flip == 0 && (rc != SS_OK || got != plen || memcmp(pt, plain, plen) != 0))
		abort();
	if (flip != 0 && rc == SS_OK)
		abort();
	if (got > plen || memcmp(pt, plain, got) != 0)
		abort();
	ss_cipher_wipe(&ce);
	ss_cipher_wipe(&cd);
	ss_cipher_wipe(&sd);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct ss_method *m;
	size_t piece, pos;
	int mi;

	if (ctx == NULL)
		setup();
	if (size < 6 || ctx == NULL)
		return 0;
	mi = data[0] % 3;
	m = ss2022_method_find(names[mi]);
	piece = (size_t)data[2] * 7 + 1;
	pos = (size_t)data[3] | (size_t)data[4] << 8;
	data += 6;
	size -= 6;
	if (size > 100000)
		return 0;
	switch (data[-5] % 4) {
	case 0:
		raw(m, mi, data, size, piece);
		break;
	case 1:
		if (data[-5] & 8) {
			compat(m, data, size, piece, pos, data[-1]);
			break;
		}
		/* fall through */
	case 2:
		stream(m, mi, data[-5] % 4 == 2, mi < 2 && (data[-5] & 4), data, size, piece, pos,
		       data[-1]);
		break;
	default:
		udp(m, data, size, pos, data[-1]);
		udp_sess(mi, data, size, pos, data[-1]);
		udp_relay(mi, data, size, pos, data[-1]);
	}
	return 0;
}
