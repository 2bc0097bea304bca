/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Shadowsocks 2022 UDP (dataplane/ss/ss2022_udp.c), the three methods:
 *  - the packet-id window: a table of sequences, and random ids against a
 *    brute-force model;
 *  - AES packets opened independently with OpenSSL (AES-ECB separate
 *    header with the PSK, BLAKE3 subkey over PSK || session id, AES-GCM
 *    with nonce = header[4..16]); ChaCha packets with OpenSSL's
 *    ChaCha20-Poly1305 under HChaCha20 (the XChaCha construction);
 *  - bursts of 32 round trips both ways, every single-byte flip, short
 *    packets, replays, timestamp skew;
 *  - SIP023: the user identified from the identity header (checked with
 *    OpenSSL AES-ECB), unknown user refused, the response under the user's PSK;
 *  - client session handling: old/current server sessions, a forged new
 *    session never replaces the current one;
 *  - the dataplane's sessions (ss_udp22_sess.c), an event table per method:
 *    server sessions by client session id (created only by an
 *    authenticated fresh packet, own server session id and packet ids),
 *    replays / out-of-window / skew / wrong key / full table, expiry only
 *    without references and after max(keep, 60 s), replies through the
 *    client (its window, another client's session refused); multi-user
 *    (sessions per user, unknown user); the padding policy table.
 */
#include <CUnit/Basic.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "crypto/rb_blake3.h"
#include "crypto/rb_chacha.h"
#include "dataplane/ss/ss2022_udp.h"
#include "dataplane/ss/ss_udp22_sess.h"
#include "tests/unit/aead_cunit.h"

static struct rb_aead_ctx *ctx;
static struct rb_aead_batch batch;
static const char *names[] = {"2022-blake3-aes-128-gcm", "2022-blake3-aes-256-gcm",
			      "2022-blake3-chacha20-poly1305"};
#define NOW 1700000000ull

static uint8_t addr4[] = {1, 192, 0, 2, 7, 0, 53};	/* 192.0.2.7:53 */
static uint8_t addr6[] = {4, 0x20, 1, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0x01, 0xbb};

static void fill(uint8_t *p, size_t n, uint32_t seed)
{
	for (size_t i = 0; i < n; i++) {
		seed = seed * 1664525u + 1013904223u;
		p[i] = (uint8_t)(seed >> 24);
	}
}

/* ------------------------------------------------------------ window */

static void test_window_table(void)
{
	static const struct {
		uint64_t pid;
		int ok;
	} t[] = {
	    {0, 1},	     {1, 1},	   {1, 0},	 {0, 0},	 {3, 1},	{2, 1},
	    {2, 0},	     {5000, 1},	   {5000 - 1983, 1}, {5000 - 1984, 0}, {5000 - 1983, 0},
	    {4999, 1},	     {5063, 1},	   {5064, 1},	 {5000, 0},	 {6000, 1},	{5000, 0},
	    {1ull << 40, 1}, {6001, 0},	   {(1ull << 40) - 1, 1},	 {(1ull << 40) + 64, 1},
	    {(1ull << 40), 0}, {UINT64_MAX, 1}, {UINT64_MAX, 0}, {UINT64_MAX - 1, 1},
	};
	struct ss22_window w;

	ss22_window_init(&w);
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		int got = ss22_window_accept(&w, t[i].pid);

		CU_ASSERT_EQUAL(got, t[i].ok);
		if (got != t[i].ok)
			printf("step %zu pid %llu: got %d\n", i, (unsigned long long)t[i].pid, got);
	}
	/* the first id may be anything */
	ss22_window_init(&w);
	CU_ASSERT_EQUAL(ss22_window_accept(&w, 123456789), 1);
	CU_ASSERT_EQUAL(ss22_window_accept(&w, 123456789 - 100), 1);
}

static void test_window_model(void)
{
	enum { N = 20000 };
	static uint8_t seen[N + 5000];
	struct ss22_window w;
	uint64_t top = 0;
	int any = 0;
	uint32_t rng = 99;

	memset(seen, 0, sizeof(seen));
	ss22_window_init(&w);
	for (int i = 0; i < 60000; i++) {
		uint64_t pid;
		int want, got;

		rng = rng * 1103515245u + 12345u;
		/* mostly near the top, sometimes far behind, sometimes jumps */
		switch ((rng >> 16) % 8) {
		case 0:
			pid = top + (rng >> 20) % 300;
			break;
		case 1:
			pid = top > 2500 ? top - 1900 - (rng >> 20) % 200 : 0;
			break;
		default:
			pid = top > 100 ? top - (rng >> 20) % 100 : (rng >> 20) % 100;
		}
		if (pid >= N)
			pid = N - 1;
		want = !seen[pid] && (!any || pid > top || top - pid < SS22_UDP_WINDOW - 64);
		got = ss22_window_accept(&w, pid);
		CU_ASSERT_EQUAL(got, want);
		if (got != want) {
			printf("i %d pid %llu top %llu: got %d want %d\n", i, (unsigned long long)pid,
			       (unsigned long long)top, got, want);
			break;
		}
		if (got) {
			seen[pid] = 1;
			if (!any || pid > top)
				top = pid;
			any = 1;
		}
	}
}

/* ------------------------------------------------------------ helpers */

struct side {
	struct ss22_keys keys;
	struct ss22_udp cli, srv;
	struct ss22_udp_client cs;
	struct ss22_udp_tx stx; /* the server's session towards this client */
	struct ss22_udp_rx srx; /* the server's view of the client session */
	uint8_t psk[32];
};

static struct side S;
static uint8_t pkt[SS22_UDP_BURST][2048], keep[SS22_UDP_BURST][2048], pay[SS22_UDP_BURST][1500];
static uint8_t xn[SS22_UDP_BURST][24];

static void side_init(const struct ss_method *m, struct ss_eih_users *users, const uint8_t *psks,
		      unsigned npsk)
{
	static const uint8_t csid[8] = {0xc1, 2, 3, 4, 5, 6, 7, 8};

	memset(&S, 0, sizeof(S));
	CU_ASSERT_FATAL(ss22_keys_init(&S.keys, m, psks, npsk) == 0);
	memcpy(S.psk, psks, m->key_len);
	CU_ASSERT_FATAL(ss22_udp_client_init(&S.cli, &S.keys) == 0);
	CU_ASSERT_FATAL(ss22_udp_server_init(&S.srv, m, S.psk, users) == 0);
	CU_ASSERT_FATAL(ss22_udp_client_session(&S.cs, &S.keys, csid) == 0);
}

static void side_free(void)
{
	ss22_udp_free(&S.cli);
	ss22_udp_free(&S.srv);
	ss22_keys_free(&S.keys);
}

/* Seal n client packets (sizes from seed) into pkt[], copies in keep[]. */
static void seal_requests(unsigned n, uint64_t now, uint32_t seed, uint32_t *len)
{
	struct ss22_udp_out o[SS22_UDP_BURST];

	memset(o, 0, sizeof(o));
	for (unsigned i = 0; i < n; i++) {
		o[i].tx = &S.cs.tx;
		o[i].addr = i & 1 ? addr6 : addr4;
		o[i].alen = i & 1 ? sizeof(addr6) : sizeof(addr4);
		o[i].pad_len = (uint16_t)(i * 7 % 40);
		o[i].len = (seed + i * 97) % 1400;
		fill(pay[i], o[i].len, seed + i);
		o[i].payload = pay[i];
		fill(xn[i], 24, seed * 3 + i);
		o[i].xnonce = xn[i];
		o[i].out = pkt[i];
	}
	CU_ASSERT_EQUAL(ss22_udp_seal(ctx, &S.cli, &batch, o, n, now), 0u);
	for (unsigned i = 0; i < n; i++) {
		CU_ASSERT_EQUAL(o[i].out_len,
				(int32_t)ss22_udp_seal_size(&S.cli, o[i].alen, o[i].pad_len, o[i].len));
		CU_ASSERT_EQUAL(o[i].pid, S.cs.tx.next_pid - n + i);
		len[i] = (uint32_t)o[i].out_len;
		memcpy(keep[i], pkt[i], len[i]);
	}
}

/* The server side of a burst: open, look up / create the client session
 * (one here), accept.  Returns per-packet results in rc[]. */
static void server_open(unsigned n, const uint32_t *len, uint64_t now, int *rc,
			struct ss22_udp_in *in)
{
	memset(in, 0, sizeof(*in) * n);
	for (unsigned i = 0; i < n; i++) {
		in[i].pkt = pkt[i];
		in[i].len = len[i];
	}
	ss22_udp_open_hdr(&S.srv, in, n);
	for (unsigned i = 0; i < n; i++) {
		const uint8_t *psk = in[i].user ? in[i].user->psk : S.psk;

		if (in[i].status != SS_OK || S.srv.m->alg == RB_AEAD_CHACHA20_POLY1305)
			continue;
		if (!S.srx.valid || memcmp(S.srx.sid, in[i].sid, 8) != 0)
			CU_ASSERT_FATAL(ss22_udp_rx_init(&S.srx, S.srv.m, psk, in[i].sid) == 0);
		in[i].rx = &S.srx;
	}
	ss22_udp_open_body(ctx, &S.srv, &batch, in, n, now);
	for (unsigned i = 0; i < n; i++) {
		if (in[i].status == SS_OK && S.srv.m->alg == RB_AEAD_CHACHA20_POLY1305 &&
		    (!S.srx.valid || memcmp(S.srx.sid, in[i].sid, 8) != 0))
			CU_ASSERT_FATAL(ss22_udp_rx_init(&S.srx, S.srv.m, S.psk, in[i].sid) == 0);
		rc[i] = in[i].status == SS_OK ? ss22_udp_accept(&S.srx, &in[i], now) : in[i].status;
	}
}

/* ------------------------------------------------- independent check */

static int evp_aead_open(const EVP_CIPHER *ci, const uint8_t *key, const uint8_t *nonce,
			 const uint8_t *c, size_t len, uint8_t *out)
{
	EVP_CIPHER_CTX *x = EVP_CIPHER_CTX_new();
	int ok, l = 0;

	ok = EVP_DecryptInit_ex(x, ci, NULL, key, nonce) == 1 &&
	     EVP_DecryptUpdate(x, out, &l, c, (int)len) == 1 &&
	     EVP_CIPHER_CTX_ctrl(x, EVP_CTRL_AEAD_SET_TAG, 16, (void *)(c + len)) == 1 &&
	     EVP_DecryptFinal_ex(x, out + l, &l) == 1;
	EVP_CIPHER_CTX_free(x);
	return ok ? 0 : -1;
}

static void evp_ecb(const uint8_t *key, size_t kl, int enc, const uint8_t *in, uint8_t *out)
{
	EVP_CIPHER_CTX *x = EVP_CIPHER_CTX_new();
	int l = 0;

	EVP_CipherInit_ex(x, kl == 16 ? EVP_aes_128_ecb() : EVP_aes_256_ecb(), NULL, key, NULL, enc);
	EVP_CIPHER_CTX_set_padding(x, 0);
	CU_ASSERT(EVP_CipherUpdate(x, out, &l, in, 16) == 1 && l == 16);
	EVP_CIPHER_CTX_free(x);
}

static void test_evp_layout(void)
{
	for (int mi = 0; mi < 3; mi++) {
		const struct ss_method *m = ss2022_method_find(names[mi]);
		size_t kl = m->key_len;
		uint8_t psk[32], body[2048];
		uint32_t len[4];

		fill(psk, 32, 1000 + (uint32_t)mi);
		side_init(m, NULL, psk, 1);
		S.cs.tx.next_pid = 0x0102030405060708ull;
		seal_requests(4, NOW, 11, len);
		for (unsigned i = 0; i < 4; i++) {
			const uint8_t *a = i & 1 ? addr6 : addr4;
			size_t al = i & 1 ? sizeof(addr6) : sizeof(addr4), pad = i * 7 % 40, off;
			size_t plen = (11 + i * 97) % 1400, blen;

			if (mi < 2) {
				uint8_t sep[16], mat[40], sub[32];

				evp_ecb(psk, kl, 0, pkt[i], sep);
				CU_ASSERT_EQUAL(memcmp(sep, S.cs.tx.sid, 8), 0);
				for (int b = 0; b < 8; b++)
					CU_ASSERT_EQUAL(sep[8 + b],
							(uint8_t)((0x0102030405060708ull + i) >> (56 - 8 * b)));
				memcpy(mat, psk, kl);
				memcpy(mat + kl, sep, 8);
				rb_blake3_derive_key("shadowsocks 2022 session subkey", 31, mat, kl + 8,
						     sub, kl);
				blen = len[i] - 16 - 16;
				CU_ASSERT_FATAL(evp_aead_open(kl == 16 ? EVP_aes_128_gcm()
								       : EVP_aes_256_gcm(),
							      sub, sep + 4, pkt[i] + 16, blen, body) == 0);
				off = 0;
			} else {
				uint8_t sub[32], n12[12] = {0};

				CU_ASSERT_EQUAL(memcmp(pkt[i], xn[i], 24), 0);
				rb_hchacha20(psk, xn[i], sub);
				memcpy(n12 + 4, xn[i] + 16, 8);
				blen = len[i] - 24 - 16;
				CU_ASSERT_FATAL(evp_aead_open(EVP_chacha20_poly1305(), sub, n12,
							      pkt[i] + 24, blen, body) == 0);
				CU_ASSERT_EQUAL(memcmp(body, S.cs.tx.sid, 8), 0);
				CU_ASSERT_EQUAL(body[15], (uint8_t)(0x08 + i));
				off = 16;
			}
			CU_ASSERT_EQUAL(body[off], 0); /* client packet */
			for (int b = 0; b < 8; b++)
				CU_ASSERT_EQUAL(body[off + 1 + b], (uint8_t)(NOW >> (56 - 8 * b)));
			CU_ASSERT_EQUAL((size_t)body[off + 9] << 8 | body[off + 10], pad);
			off += 11 + pad;
			CU_ASSERT_EQUAL(memcmp(body + off, a, al), 0);
			off += al;
			CU_ASSERT_EQUAL(blen - off, plen);
			CU_ASSERT_EQUAL(memcmp(body + off, pay[i], plen), 0);
		}
		side_free();
	}
}

/* ------------------------------------------------------- round trips */

static void test_roundtrip(void)
{
	for (int mi = 0; mi < 3; mi++) {
		const struct ss_method *m = ss2022_method_find(names[mi]);
		struct ss22_udp_in in[SS22_UDP_BURST];
		struct ss22_udp_out o[SS22_UDP_BURST];
		static const uint8_t ssid[8] = {0x5e, 0x5e, 9, 9, 9, 9, 9, 9};
		uint8_t psk[32];
		uint32_t len[SS22_UDP_BURST];
		int rc[SS22_UDP_BURST];

		fill(psk, 32, 7 + (uint32_t)mi);
		side_init(m, NULL, psk, 1);
		for (int round = 0; round < 3; round++) {
			seal_requests(SS22_UDP_BURST, NOW, (uint32_t)round * 100, len);
			server_open(SS22_UDP_BURST, len, NOW + 10, rc, in);
			for (unsigned i = 0; i < SS22_UDP_BURST; i++) {
				CU_ASSERT_EQUAL(rc[i], SS_OK);
				CU_ASSERT_EQUAL(in[i].data_len, ((uint32_t)round * 100 + i * 97) % 1400);
				CU_ASSERT_EQUAL(memcmp(in[i].sid, S.cs.tx.sid, 8), 0);
				CU_ASSERT_EQUAL(in[i].ts, NOW);
				CU_ASSERT_EQUAL(in[i].target.port, i & 1 ? 443 : 53);
				CU_ASSERT_EQUAL(in[i].target.family, i & 1 ? AF_INET6 : AF_INET);
			}
		}
		for (unsigned i = 0; i < SS22_UDP_BURST; i++) {
			/* payloads intact (regenerate the last round's) */
			uint8_t want[1500];

			fill(want, in[i].data_len, 200 + i);
			CU_ASSERT_EQUAL(memcmp(in[i].data, want, in[i].data_len), 0);
		}
		/* server -> client, under the server's own session id */
		CU_ASSERT_FATAL(ss22_udp_tx_init(&S.stx, m, S.psk,
						 mi < 2 ? &S.srv.blk : NULL, ssid) == 0);
		memset(o, 0, sizeof(o));
		for (unsigned i = 0; i < SS22_UDP_BURST; i++) {
			o[i].tx = &S.stx;
			o[i].addr = addr4;
			o[i].alen = sizeof(addr4);
			o[i].len = i * 40;
			fill(pay[i], o[i].len, 900 + i);
			o[i].payload = pay[i];
			o[i].xnonce = xn[i];
			o[i].client_sid = S.srx.sid;
			o[i].out = pkt[i];
		}
		CU_ASSERT_EQUAL(ss22_udp_seal(ctx, &S.srv, &batch, o, SS22_UDP_BURST, NOW), 0u);
		memset(in, 0, sizeof(in));
		for (unsigned i = 0; i < SS22_UDP_BURST; i++) {
			CU_ASSERT_EQUAL(o[i].out_len,
					(int32_t)ss22_udp_seal_size(&S.srv, sizeof(addr4), 0, i * 40));
			in[i].pkt = pkt[i];
			in[i].len = (uint32_t)o[i].out_len;
		}
		CU_ASSERT_EQUAL(ss22_udp_open_hdr(&S.cli, in, SS22_UDP_BURST), 0u);
		for (unsigned i = 0; i < SS22_UDP_BURST && mi < 2; i++) {
			CU_ASSERT_EQUAL(memcmp(in[i].sid, ssid, 8), 0);
			in[i].rx = ss22_udp_client_rx(&S.cs, &S.keys, in[i].sid, NOW);
			CU_ASSERT_PTR_NOT_NULL_FATAL(in[i].rx);
		}
		CU_ASSERT_EQUAL(ss22_udp_open_body(ctx, &S.cli, &batch, in, SS22_UDP_BURST, NOW), 0u);
		for (unsigned i = 0; i < SS22_UDP_BURST; i++) {
			struct ss22_udp_rx *rx = ss22_udp_client_rx(&S.cs, &S.keys, in[i].sid, NOW);

			CU_ASSERT_PTR_NOT_NULL_FATAL(rx);
			CU_ASSERT_EQUAL(ss22_udp_client_accept(&S.cs, rx, &in[i], NOW), SS_OK);
			CU_ASSERT_EQUAL(in[i].data_len, i * 40);
			CU_ASSERT_EQUAL(memcmp(in[i].data, pay[i], i * 40), 0);
			CU_ASSERT_EQUAL(memcmp(in[i].client_sid, S.cs.tx.sid, 8), 0);
		}
		CU_ASSERT(S.cs.rx[0].valid);
		CU_ASSERT_EQUAL(memcmp(S.cs.rx[0].sid, ssid, 8), 0);
		CU_ASSERT_EQUAL(S.cs.rx[2].valid, 0);
		side_free();
	}
}

/* Flips, short packets, replays, skew: one packet per case. */
static void test_bad_packets(void)
{
	for (int mi = 0; mi < 3; mi++) {
		const struct ss_method *m = ss2022_method_find(names[mi]);
		struct ss22_udp_in in[1];
		uint8_t psk[32];
		uint32_t len[1], good;
		int rc[1];

		fill(psk, 32, 55 + (uint32_t)mi);
		side_init(m, NULL, psk, 1);
		seal_requests(1, NOW, 3, len);
		good = len[0];
		for (uint32_t b = 0; b < good; b++) {
			memcpy(pkt[0], keep[0], good);
			pkt[0][b] ^= 0x04;
			memset(&S.srx, 0, sizeof(S.srx));
			server_open(1, len, NOW, rc, in);
			CU_ASSERT_EQUAL(rc[0], SS_ERR_AUTH);
		}
		/* short */
		for (uint32_t l = 0; l < (mi < 2 ? 16u + 11 + 16 : 24u + 16 + 11 + 16); l++) {
			len[0] = l;
			memcpy(pkt[0], keep[0], good);
			server_open(1, len, NOW, rc, in);
			CU_ASSERT_EQUAL(rc[0], SS_ERR_LEN);
		}
		/* good, then replayed */
		len[0] = good;
		memcpy(pkt[0], keep[0], good);
		memset(&S.srx, 0, sizeof(S.srx));
		server_open(1, len, NOW, rc, in);
		CU_ASSERT_EQUAL(rc[0], SS_OK);
		memcpy(pkt[0], keep[0], good);
		server_open(1, len, NOW + 1, rc, in);
		CU_ASSERT_EQUAL(rc[0], SS2022_ERR_REPLAY);
		/* skew */
		{
			static const struct {
				int64_t skew;
				int rc;
			} t[] = {{30, SS_OK}, {-30, SS_OK}, {31, SS2022_ERR_TIME}, {-31, SS2022_ERR_TIME}};

			for (size_t i = 0; i < 4; i++) {
				seal_requests(1, (uint64_t)((int64_t)NOW + t[i].skew), 3, len);
				server_open(1, len, NOW, rc, in);
				CU_ASSERT_EQUAL(rc[0], t[i].rc);
			}
		}
		/* a client packet fed back to the client: wrong type or key */
		seal_requests(1, NOW, 4, len);
		memset(in, 0, sizeof(in));
		in[0].pkt = pkt[0];
		in[0].len = len[0];
		ss22_udp_open_hdr(&S.cli, in, 1);
		if (mi < 2)
			in[0].rx = ss22_udp_client_rx(&S.cs, &S.keys, in[0].sid, NOW);
		CU_ASSERT_EQUAL(ss22_udp_open_body(ctx, &S.cli, &batch, in, 1, NOW), 1u);
		CU_ASSERT(in[0].status == SS2022_ERR_TYPE || in[0].status == SS_ERR_AUTH);
		side_free();
	}
}

/* More than a burst: the extra packets fail, the others go through. */
static void test_burst_limit(void)
{
	const struct ss_method *m = ss2022_method_find(names[0]);
	static uint8_t big[SS22_UDP_BURST + 1][256];
	struct ss22_udp_out o[SS22_UDP_BURST + 1];
	struct ss22_udp_in in[SS22_UDP_BURST + 1];
	uint8_t psk[32];

	fill(psk, 32, 8);
	side_init(m, NULL, psk, 1);
	memset(o, 0, sizeof(o));
	for (unsigned i = 0; i <= SS22_UDP_BURST; i++) {
		o[i].tx = &S.cs.tx;
		o[i].addr = addr4;
		o[i].alen = sizeof(addr4);
		o[i].out = big[i];
	}
	CU_ASSERT_EQUAL(ss22_udp_seal(ctx, &S.cli, &batch, o, SS22_UDP_BURST + 1, NOW), 1u);
	CU_ASSERT(o[SS22_UDP_BURST].out_len < 0);
	CU_ASSERT(o[SS22_UDP_BURST - 1].out_len > 0);
	memset(in, 0, sizeof(in));
	for (unsigned i = 0; i <= SS22_UDP_BURST; i++) {
		in[i].pkt = big[i];
		in[i].len = (uint32_t)o[SS22_UDP_BURST - 1].out_len;
	}
	CU_ASSERT_EQUAL(ss22_udp_open_hdr(&S.srv, in, SS22_UDP_BURST + 1), 1u);
	CU_ASSERT_EQUAL(in[SS22_UDP_BURST].status, SS_ERR_LEN);
	CU_ASSERT_FATAL(ss22_udp_rx_init(&S.srx, m, psk, S.cs.tx.sid) == 0);
	for (unsigned i = 0; i < SS22_UDP_BURST; i++)
		in[i].rx = &S.srx;
	CU_ASSERT_EQUAL(ss22_udp_open_body(ctx, &S.srv, &batch, in, SS22_UDP_BURST + 1, NOW), 1u);
	for (unsigned i = 0; i < SS22_UDP_BURST; i++)
		CU_ASSERT_EQUAL(ss22_udp_accept(&S.srx, &in[i], NOW), SS_OK);
	side_free();
}

/* ------------------------------------------------------ SIP023 users */

static void test_eih(void)
{
	for (int mi = 0; mi < 2; mi++) {
		const struct ss_method *m = ss2022_method_find(names[mi]);
		size_t kl = m->key_len;
		struct ss_eih_users users;
		struct ss22_udp_in in[2];
		uint8_t ipsk[32], up[8][32], psks[64];
		uint32_t len[2];
		int rc[2];

		fill(ipsk, 32, 31);
		CU_ASSERT_FATAL(ss_eih_users_init(&users, m, ipsk) == 0);
		for (int u = 0; u < 8; u++) {
			fill(up[u], 32, 500 + (uint32_t)u);
			CU_ASSERT_FATAL(ss_eih_users_add(&users, up[u], (uint32_t)u) == 0);
		}
		for (int u = 0; u <= 8; u++) { /* 8: not a user */
			uint8_t other[32];

			fill(other, 32, 777);
			memcpy(psks, ipsk, kl);
			memcpy(psks + kl, u < 8 ? up[u] : other, kl);
			side_init(m, &users, psks, 2);
			seal_requests(2, NOW, (uint32_t)u, len);
			CU_ASSERT_EQUAL(len[0], ss22_udp_seal_size(&S.cli, sizeof(addr4), 0,
								   (uint32_t)u % 1400));
			/* OpenSSL: separate header under the iPSK, identity header =
			 * AES(iPSK, BLAKE3(uPSK)[0..16] ^ separate header) */
			{
				uint8_t sep[16], eih[16], h[16];

				evp_ecb(ipsk, kl, 0, keep[0], sep);
				CU_ASSERT_EQUAL(memcmp(sep, S.cs.tx.sid, 8), 0);
				evp_ecb(ipsk, kl, 0, keep[0] + 16, eih);
				rb_blake3(psks + kl, kl, h, 16);
				for (int j = 0; j < 16; j++)
					CU_ASSERT_EQUAL(eih[j] ^ sep[j], h[j]);
			}
			memset(&S.srx, 0, sizeof(S.srx));
			server_open(2, len, NOW, rc, in);
			for (int i = 0; i < 2; i++) {
				CU_ASSERT_EQUAL(rc[i], u < 8 ? SS_OK : SS2022_ERR_USER);
				if (u < 8) {
					CU_ASSERT_PTR_NOT_NULL_FATAL(in[i].user);
					CU_ASSERT_EQUAL(in[i].user->id, (uint32_t)u);
				}
			}
			if (u < 8) {
				/* the response: the user's PSK for header and subkey */
				struct ss22_udp_out o[1];
				static const uint8_t ssid[8] = {1, 1, 1, 1, 2, 2, 2, 2};

				CU_ASSERT_FATAL(ss22_udp_tx_init(&S.stx, m, in[0].user->psk,
								 &in[0].user->blk, ssid) == 0);
				memset(o, 0, sizeof(o));
				o[0].tx = &S.stx;
				o[0].addr = addr4;
				o[0].alen = sizeof(addr4);
				o[0].payload = pay[0];
				o[0].len = 10;
				o[0].client_sid = in[0].sid;
				o[0].out = pkt[0];
				CU_ASSERT_EQUAL(ss22_udp_seal(ctx, &S.srv, &batch, o, 1, NOW), 0u);
				memset(in, 0, sizeof(in));
				in[0].pkt = pkt[0];
				in[0].len = (uint32_t)o[0].out_len;
				CU_ASSERT_EQUAL(ss22_udp_open_hdr(&S.cli, in, 1), 0u);
				in[0].rx = ss22_udp_client_rx(&S.cs, &S.keys, in[0].sid, NOW);
				CU_ASSERT_EQUAL(ss22_udp_open_body(ctx, &S.cli, &batch, in, 1, NOW), 0u);
				CU_ASSERT_EQUAL(ss22_udp_client_accept(&S.cs, in[0].rx, &in[0], NOW),
						SS_OK);
				CU_ASSERT_EQUAL(in[0].data_len, 10u);
			}
			side_free();
		}
		CU_ASSERT_EQUAL(users.unknown, 2u);
		ss_eih_users_free(&users);
	}
}

/* client (iPSK0 : iPSK1 : uPSK) -> relay [iPSK0; hop iPSK1] -> server
 * [iPSK1; users]: the relay rewrites the packet for the hop. */
static void test_eih_relay(void)
{
	for (int mi = 0; mi < 2; mi++) {
		const struct ss_method *m = ss2022_method_find(names[mi]);
		size_t kl = m->key_len;
		struct ss_eih_users relay, server;
		const struct ss_eih_user *hop;
		struct ss22_udp_in in[1];
		uint8_t psks[96], other[32], before[2048];
		uint32_t len[1];
		int rc[1];

		fill(psks, 96, 61 + (uint32_t)mi);
		fill(other, 32, 62);
		memmove(psks + kl, psks + 32, kl); /* iPSK1 */
		memmove(psks + 2 * kl, psks + 64, kl); /* uPSK */
		CU_ASSERT_FATAL(ss_eih_users_init(&relay, m, psks) == 0);
		CU_ASSERT_FATAL(ss_eih_users_add(&relay, other, 1) == 0);
		CU_ASSERT_FATAL(ss_eih_users_add(&relay, psks + kl, 2) == 0);
		CU_ASSERT_FATAL(ss_eih_users_init(&server, m, psks + kl) == 0);
		CU_ASSERT_FATAL(ss_eih_users_add(&server, other, 10) == 0);
		CU_ASSERT_FATAL(ss_eih_users_add(&server, psks + 2 * kl, 20) == 0);
		side_init(m, &server, psks, 3);
		seal_requests(1, NOW, 5, len);
		CU_ASSERT_EQUAL(len[0], ss22_udp_seal_size(&S.cli, sizeof(addr4), 0, 5));
		CU_ASSERT_EQUAL(len[0], 16 + 32 + 11 + 7 + 5 + 16u);
		/* the server cannot read it before the relay did its part */
		memset(&S.srx, 0, sizeof(S.srx));
		server_open(1, len, NOW, rc, in);
		CU_ASSERT_EQUAL(rc[0], SS2022_ERR_USER);
		memcpy(pkt[0], keep[0], len[0]);
		hop = ss_eih_udp_relay(&relay, pkt[0], len[0]);
		CU_ASSERT_PTR_NOT_NULL_FATAL(hop);
		CU_ASSERT_EQUAL(hop->id, 2u);
		memmove(pkt[0], pkt[0] + 16, len[0] - 16);
		len[0] -= 16;
		server_open(1, len, NOW, rc, in);
		CU_ASSERT_EQUAL(rc[0], SS_OK);
		CU_ASSERT_PTR_NOT_NULL_FATAL(in[0].user);
		CU_ASSERT_EQUAL(in[0].user->id, 20u);
		CU_ASSERT_EQUAL(in[0].data_len, 5u);
		CU_ASSERT_EQUAL(memcmp(in[0].data, pay[0], 5), 0);
		/* a relay that does not know the hop leaves the packet alone */
		side_free();
		ss_eih_users_free(&relay);
		CU_ASSERT_FATAL(ss_eih_users_init(&relay, m, psks) == 0);
		CU_ASSERT_FATAL(ss_eih_users_add(&relay, other, 1) == 0);
		memcpy(before, keep[0], len[0] + 16);
		CU_ASSERT_PTR_NULL(ss_eih_udp_relay(&relay, keep[0], len[0] + 16));
		CU_ASSERT_EQUAL(memcmp(before, keep[0], len[0] + 16), 0);
		CU_ASSERT_PTR_NULL(ss_eih_udp_relay(&relay, keep[0], 31));
		ss_eih_users_free(&relay);
		ss_eih_users_free(&server);
	}
}

/* -------------------------------------------- client session policy */

static uint64_t next_pid[256]; /* per server session (first sid byte) */

static int client_recv(const uint8_t ssid[8], uint64_t now, int forge)
{
	struct ss22_udp_tx tx;
	struct ss22_udp_out o[1];
	struct ss22_udp_in in[1];
	struct ss22_udp_rx *rx;
	const struct ss_method *m = S.srv.m;
	int cha = m->alg == RB_AEAD_CHACHA20_POLY1305;

	CU_ASSERT_FATAL(ss22_udp_tx_init(&tx, m, S.psk, cha ? NULL : &S.srv.blk, ssid) == 0);
	tx.next_pid = next_pid[ssid[0]]++;
	memset(o, 0, sizeof(o));
	o[0].tx = &tx;
	o[0].addr = addr4;
	o[0].alen = sizeof(addr4);
	o[0].client_sid = S.cs.tx.sid;
	o[0].xnonce = xn[0];
	o[0].out = pkt[0];
	CU_ASSERT_FATAL(ss22_udp_seal(ctx, &S.srv, &batch, o, 1, now) == 0);
	if (forge)
		pkt[0][o[0].out_len - 1] ^= 1;
	memset(in, 0, sizeof(in));
	in[0].pkt = pkt[0];
	in[0].len = (uint32_t)o[0].out_len;
	ss22_udp_open_hdr(&S.cli, in, 1);
	if (!cha) {
		in[0].rx = ss22_udp_client_rx(&S.cs, &S.keys, in[0].sid, now);
		if (in[0].rx == NULL)
			return 1000;
	}
	ss22_udp_open_body(ctx, &S.cli, &batch, in, 1, now);
	if (in[0].status != SS_OK)
		return in[0].status;
	rx = ss22_udp_client_rx(&S.cs, &S.keys, in[0].sid, now);
	if (rx == NULL)
		return 1000;
	return ss22_udp_client_accept(&S.cs, rx, &in[0], now);
}

static void test_client_sessions(void)
{
	static const struct {
		uint8_t sid;  /* server session id (first byte) */
		uint64_t at;  /* seconds after NOW */
		int forge;
		int rc;	      /* 1000: refused as a new session */
		uint8_t cur, old;
	} t[] = {
	    {1, 0, 0, SS_OK, 1, 0},	    {1, 1, 0, SS_OK, 1, 0},
	    {2, 2, 1, SS_ERR_AUTH, 1, 0},   /* forged new session: no change */
	    {2, 3, 0, SS_OK, 2, 1},	    /* server restarted: 1 becomes old */
	    {3, 4, 0, 1000, 2, 1},	    /* old had a packet 3 s ago: refused */
	    {1, 30, 0, SS_OK, 2, 1},	    /* the old one still works */
	    {3, 60 + 30, 0, SS_OK, 3, 2},   /* old quiet for 60 s: accepted */
	    {2, 61 + 30, 0, SS_OK, 3, 2},
	};

	for (int mi = 0; mi < 3; mi++) {
		const struct ss_method *m = ss2022_method_find(names[mi]);
		uint8_t psk[32];

		fill(psk, 32, 4242);
		side_init(m, NULL, psk, 1);
		memset(next_pid, 0, sizeof(next_pid));
		for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
			uint8_t sid[8] = {t[i].sid, 0x33, 0x33, 0x33, 0x33, 0x33, 0x33, 0x33};
			int got = client_recv(sid, NOW + t[i].at, t[i].forge);

			CU_ASSERT_EQUAL(got, t[i].rc);
			CU_ASSERT_EQUAL(S.cs.rx[0].sid[0], t[i].cur);
			CU_ASSERT_EQUAL(S.cs.rx[1].sid[0], t[i].old);
			if (got != t[i].rc)
				printf("method %d step %zu: %d\n", mi, i, got);
		}
		CU_ASSERT_EQUAL(S.cs.refused, 1u);
		side_free();
	}
}

/* ------------------------------------------------------------ sessions */

enum { EV_SEND, EV_AGAIN, EV_EXPIRE, EV_REF, EV_UNREF, EV_REPLY, EV_REPLY_AGAIN, EV_REPLY_X };
#define NOPID UINT64_MAX

/* One step: client `c` (0..2 hold the key, 3 a wrong one) at time NOW+at. */
static const struct sess_ev {
	uint8_t op, c;
	uint64_t pid;  /* EV_SEND: the packet id to use (NOPID: the next) */
	int64_t skew;  /* EV_SEND: timestamp - clock */
	uint64_t at;   /* seconds after NOW */
	int want;      /* rc, or for EV_EXPIRE the number expired */
	uint32_t live; /* server sessions afterwards */
} sess_evs[] = {
	{EV_SEND, 0, NOPID, 0, 0, SS_OK, 1},		/* a session starts */
	{EV_AGAIN, 0, 0, 0, 0, SS2022_ERR_REPLAY, 1},	/* the same packet again */
	{EV_SEND, 0, 5, 0, 0, SS_OK, 1},		/* ids out of order */
	{EV_SEND, 0, 3, 0, 0, SS_OK, 1},
	{EV_AGAIN, 0, 0, 0, 1, SS2022_ERR_REPLAY, 1},
	{EV_SEND, 0, 2000, 0, 1, SS_OK, 1},
	{EV_SEND, 0, 16, 0, 1, SS2022_ERR_REPLAY, 1},	/* 1984 behind the newest */
	{EV_SEND, 0, 17, 0, 1, SS_OK, 1},		/* 1983 behind */
	{EV_SEND, 0, NOPID, -31, 1, SS2022_ERR_TIME, 1},
	{EV_SEND, 0, NOPID, 31, 1, SS2022_ERR_TIME, 1},
	{EV_SEND, 0, NOPID, 30, 1, SS_OK, 1},
	{EV_SEND, 0, NOPID, -30, 1, SS_OK, 1},
	{EV_SEND, 3, NOPID, 0, 1, SS_ERR_AUTH, 1},	/* wrong key: no session */
	{EV_REPLY, 0, 0, 0, 1, SS_OK, 1},		/* server -> client */
	{EV_REPLY, 0, 0, 0, 1, SS_OK, 1},
	{EV_REPLY_AGAIN, 0, 0, 0, 1, SS2022_ERR_REPLAY, 1},
	{EV_REPLY_X, 1, 0, 0, 1, SS2022_ERR_SALT, 1},	/* 0's reply to client 1 */
	{EV_SEND, 1, NOPID, 0, 2, SS_OK, 2},
	{EV_SEND, 2, NOPID, 0, 2, SS2022_ERR_FULL, 2},	/* cap 2 */
	{EV_REF, 0, 0, 0, 2, 0, 2},
	{EV_EXPIRE, 0, 0, 0, 62, 0, 2},		/* 1: last packet at +2, 60 s: kept */
	{EV_EXPIRE, 0, 0, 0, 63, 1, 1},		/* 1 goes; 0 (last at +1) is referenced */
	{EV_SEND, 2, NOPID, 0, 63, SS_OK, 2},		/* room again */
	{EV_UNREF, 0, 0, 0, 63, 0, 2},
	{EV_EXPIRE, 0, 0, 0, 63, 1, 1},		/* now 0 goes */
	{EV_AGAIN, 2, 0, 0, 63, SS2022_ERR_REPLAY, 1},	/* 2's window still counts */
	{EV_AGAIN, 0, 0, 0, 63, SS2022_ERR_TIME, 1},	/* 0's gone: its time is past */
	{EV_EXPIRE, 0, 0, 0, 200, 1, 0},
};

static void b64(const uint8_t *k, size_t n, char *out) { EVP_EncodeBlock((unsigned char *)out, k, (int)n); }

static void test_sessions(void)
{
	for (int mi = 0; mi < 3; mi++) {
		const struct ss_method *m = ss2022_method_find(names[mi]);
		struct ss22_usrv t;
		struct ss22_ucli c[4];
		struct ss22_usess *sess[4] = {0};
		static uint8_t last[4][2048], reply[2048], buf[2048];
		uint32_t last_len[4] = {0}, reply_len = 0;
		uint8_t psk[32], bad[32], sid[8], rnd[8];
		char text[64];

		fill(psk, 32, 4242);
		fill(bad, 32, 4343);
		CU_ASSERT_FATAL(ss22_usrv_init(&t, m, psk, NULL, 2, 99) == SS_OK);
		for (int k = 0; k < 4; k++) {
			fill(sid, 8, 60 + (uint32_t)k);
			b64(k < 3 ? psk : bad, m->key_len, text);
			CU_ASSERT_FATAL(ss22_ucli_init(&c[k], m, text, sid) == SS_OK);
		}
		for (size_t e = 0; e < sizeof(sess_evs) / sizeof(sess_evs[0]); e++) {
			const struct sess_ev *v = &sess_evs[e];
			uint64_t now = NOW + v->at;
			struct ss22_udp_in in;
			struct ss22_usess *s = NULL;
			int rc = 0;

			fill(rnd, 8, 1000 + (uint32_t)e);
			fill(buf, 24, 2000 + (uint32_t)e); /* xnonce */
			switch (v->op) {
			case EV_SEND:
				if (v->pid != NOPID)
					c[v->c].c.tx.next_pid = v->pid;
				rc = ss22_ucli_seal(ctx, &c[v->c], addr4, sizeof(addr4), 3, pay[0], 20,
						    buf, last[v->c], (uint64_t)((int64_t)now + v->skew));
				CU_ASSERT_FATAL(rc > 0);
				last_len[v->c] = (uint32_t)rc;
				/* FALLTHROUGH */
			case EV_AGAIN:
				memcpy(pkt[0], last[v->c], last_len[v->c]);
				rc = ss22_usrv_open(ctx, &t, pkt[0], last_len[v->c], now, rnd, &in, &s);
				if (rc == SS_OK) {
					CU_ASSERT(s != NULL && memcmp(s->rx.sid, c[v->c].c.tx.sid, 8) == 0);
					CU_ASSERT(memcmp(s->tx.sid, s->rx.sid, 8) != 0);
					CU_ASSERT(in.data_len == 20 && memcmp(in.data, pay[0], 20) == 0);
					CU_ASSERT(in.target.port == 53);
					sess[v->c] = s;
				}
				break;
			case EV_EXPIRE:
				rc = (int)ss22_usrv_expire(&t, now, 10);
				break;
			case EV_REF:
				ss22_usrv_ref(sess[v->c]);
				break;
			case EV_UNREF:
				ss22_usrv_unref(sess[v->c]);
				break;
			case EV_REPLY:
			case EV_REPLY_X: {
				uint64_t pid = sess[0]->tx.next_pid;

				rc = ss22_usrv_seal(ctx, &t, sess[0], addr6, sizeof(addr6), 0, pay[1], 30,
						    buf, reply, now);
				CU_ASSERT_FATAL(rc > 0);
				CU_ASSERT_EQUAL(sess[0]->tx.next_pid, pid + 1); /* own counter */
				reply_len = (uint32_t)rc;
			}
				/* FALLTHROUGH */
			case EV_REPLY_AGAIN:
				memcpy(pkt[0], reply, reply_len);
				rc = ss22_ucli_open(ctx, &c[v->c], pkt[0], reply_len, now, &in);
				if (rc == SS_OK)
					CU_ASSERT(in.data_len == 30 && memcmp(in.data, pay[1], 30) == 0 &&
						  in.target.port == 443);
				break;
			}
			if (rc != v->want || t.live != v->live)
				fprintf(stderr, "\n%s event %zu: rc %d (want %d), live %u (want %u)",
					names[mi], e, rc, v->want, t.live, v->live);
			CU_ASSERT_EQUAL(rc, v->want);
			CU_ASSERT_EQUAL(t.live, v->live);
		}
		CU_ASSERT_EQUAL(t.full, 1u);
		CU_ASSERT_EQUAL(c[0].replayed, 1u);
		CU_ASSERT_EQUAL(c[1].foreign, 1u);
		for (int k = 0; k < 4; k++)
			ss22_ucli_free(&c[k]);
		ss22_usrv_free(&t);
	}
}

/* SIP023: one table, users a and b with the same client session id get
 * separate sessions; a key of no user is refused and creates nothing. */
static void test_sessions_users(void)
{
	for (int mi = 0; mi < 2; mi++) {
		const struct ss_method *m = ss2022_method_find(names[mi]);
		size_t kl = m->key_len;
		struct ss_eih_users users;
		struct ss22_usrv t;
		uint8_t ipsk[32], up[3][32], sid[8] = {7, 7, 7, 7, 7, 7, 7, 7};
		const uint8_t *rnd = sid; /* a server session id drawn equal to the client's */
		static const int want[3] = {SS_OK, SS_OK, SS2022_ERR_USER};
		struct ss22_usess *s[3] = {0};

		fill(ipsk, 32, 71);
		CU_ASSERT_FATAL(ss_eih_users_init(&users, m, ipsk) == 0);
		for (int u = 0; u < 3; u++) {
			fill(up[u], 32, 80 + (uint32_t)u);
			if (u < 2)
				CU_ASSERT_FATAL(ss_eih_users_add(&users, up[u], (uint32_t)u) == 0);
		}
		CU_ASSERT_FATAL(ss22_usrv_init(&t, m, ipsk, &users, 8, 5) == SS_OK);
		for (int u = 0; u < 3; u++) {
			struct ss22_ucli c;
			struct ss22_udp_in in;
			char text[200];
			int n, rc;

			b64(ipsk, kl, text);
			strcat(text, ":");
			b64(up[u], kl, text + strlen(text));
			CU_ASSERT_FATAL(ss22_ucli_init(&c, m, text, sid) == SS_OK);
			n = ss22_ucli_seal(ctx, &c, addr4, sizeof(addr4), 0, pay[0], 40, NULL, pkt[0], NOW);
			CU_ASSERT_FATAL(n > 0);
			rc = ss22_usrv_open(ctx, &t, pkt[0], (uint32_t)n, NOW, rnd, &in, &s[u]);
			CU_ASSERT_EQUAL(rc, want[u]);
			if (rc == SS_OK) {
				CU_ASSERT(s[u]->user != NULL && s[u]->user->id == (uint32_t)u);
				CU_ASSERT(memcmp(s[u]->tx.sid, sid, 8) != 0); /* SIP022 3.2.2 */
				/* the reply under the user's PSK opens at the client */
				n = ss22_usrv_seal(ctx, &t, s[u], addr4, sizeof(addr4), 0, pay[1], 9, NULL,
						   pkt[1], NOW);
				CU_ASSERT_FATAL(n > 0);
				CU_ASSERT_EQUAL(ss22_ucli_open(ctx, &c, pkt[1], (uint32_t)n, NOW, &in), SS_OK);
			}
			ss22_ucli_free(&c);
		}
		CU_ASSERT(s[0] != s[1]);
		CU_ASSERT_EQUAL(t.live, 2u);
		ss22_usrv_free(&t);
		ss_eih_users_free(&users);
	}
}

static void test_padding(void)
{
	static const struct {
		uint16_t port;
		uint32_t len, rnd;
		uint16_t lo, hi;
	} rows[] = {
		{443, 0, 0, 1, 1},	   {443, 0, 899, 900, 900}, {443, 0, 900, 1, 1},
		{443, 1, 12345, 0, 0},	   {53, 100, 0, 1, 1},	    {53, 100, 799, 800, 800},
		{53, 100, 800, 1, 1},	   {53, 899, 77, 1, 1},	    {53, 900, 5, 0, 0},
		{53, 1400, 5, 0, 0},	   {5353, 10, 5, 0, 0},
	};

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		uint16_t p = ss22_udp_pad(rows[i].port, rows[i].len, rows[i].rnd);

		CU_ASSERT(p >= rows[i].lo && p <= rows[i].hi);
	}
}

static CU_TestInfo tests[] = {
	{ "packet-id window table", test_window_table },
	{ "packet-id window vs model", test_window_model },
	{ "layout vs OpenSSL", test_evp_layout },
	{ "burst round trips", test_roundtrip },
	{ "flips, short, replay, skew", test_bad_packets },
	{ "burst limit", test_burst_limit },
	{ "EIH users", test_eih },
	{ "EIH relay chain", test_eih_relay },
	{ "client server-session policy", test_client_sessions },
	{ "dataplane sessions: event table", test_sessions },
	{ "dataplane sessions: users", test_sessions_users },
	{ "padding policy table", test_padding },
	CU_TEST_INFO_NULL,
};

int main(void)
{
	return aead_cunit_main("ss2022_udp", tests, &ctx);
}
