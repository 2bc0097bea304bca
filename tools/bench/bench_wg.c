/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * In-memory WireGuard data-path bench, one core: bursts of 64 inner
 * packets (default 1420 bytes) encrypted as wg_dp.c does (nonce
 * reservation, header, padding, one rb_aead_batch_run per burst) and
 * decrypted (batch open, replay window, session bookkeeping), against the
 * bare ChaCha20-Poly1305 batch on the same lengths (the ceiling).
 *
 *   bench_wg [seconds per case, default 2] [inner bytes, default 1420]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <endian.h>
#include <sys/socket.h>
#include "crypto/rb_x25519.h"
#include "dataplane/wireguard/wg.h"

#define BURST 64
static struct wg_device A, B;
static struct wg_device_stats sa, sb;
static struct wg_ctx xa, xb;
static struct rb_rand ra, rbr;
static uint8_t wire[256];
static size_t wire_len;
static struct wg_device *wire_to;

static void env_send(void *ctx, struct wg_peer *peer, const struct wg_endpoint *to, const void *buf,
		     size_t len)
{
	(void)peer;
	(void)to;
	memcpy(wire, buf, len);
	wire_len = len;
	wire_to = ctx == &A ? &B : &A;
}

static double now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static void setup(struct rb_aead_ctx *aead)
{
	uint8_t pa[32], qa[32], pb[32], qb[32];
	struct wg_env ea = {.send = env_send, .ctx = &A}, eb = {.send = env_send, .ctx = &B};
	struct wg_peer_cfg c = {0};
	int err;

	rb_x25519_keypair(pa, qa);
	rb_x25519_keypair(pb, qb);
	wg_device_init(&A, pa, &ea, 1);
	wg_device_init(&B, pb, &eb, 1);
	A.mtu = B.mtu = 1500;
	rb_rand_init(&ra);
	rb_rand_init(&rbr);
	xa = (struct wg_ctx){.rand = &ra, .aead = aead, .now = 1000 * WG_NSEC, .st = &sa};
	xb = (struct wg_ctx){.rand = &rbr, .aead = aead, .now = 1000 * WG_NSEC, .st = &sb};
	c.ep.family = AF_INET;
	c.ep.port = 1;
	memcpy(c.pub, qb, 32);
	wg_peer_add(&A, &c, 0, &err);
	memcpy(c.pub, qa, 32);
	wg_peer_add(&B, &c, 0, &err);
	wg_send_initiation(A.set->p[0], &xa, false);
	for (int i = 0; i < 4 && wire_to; i++) {
		struct wg_device *d = wire_to;
		struct wg_ctx *x = d == &A ? &xa : &xb;
		struct wg_endpoint from = c.ep;
		struct wg_peer *p;

		wire_to = NULL;
		if (wire[0] == WG_MSG_DATA)
			wg_decrypt_buf(d, x, wire, wire_len, &from, &p);
		else if (wg_rx_classify(d, x, &d->cookie, NULL, wire, wire_len, &from, false, &p) ==
			 WG_RX_PEER)
			wg_rx_handshake(p, x, wire, wire_len, &from);
	}
}

int main(int argc, char **argv)
{
	double secs = argc > 1 ? atof(argv[1]) : 2.0;
	size_t inner = argc > 2 ? (size_t)atoi(argv[2]) : 1420;
	size_t plen = wg_padded_len(inner, 1500), mlen = WG_DATA_MIN_LEN + plen;
	struct rb_aead_ctx *aead = rb_aead_ctx_create(RB_AEAD_BACKEND_AUTO);
	static struct rb_aead_batch b;
	static uint8_t buf[BURST][2048], nonce[BURST][12];
	struct wg_peer *pa, *pb;
	struct wg_keypair *kp;
	struct wg_endpoint from = {.family = AF_INET, .port = 1};
	uint64_t n, ctr;
	double t0, t, enc_pps, dec_pps, raw_pps;

	if (aead == NULL)
		return 1;
	setup(aead);
	pa = A.set->p[0];
	pb = B.set->p[0];
	if (pa->keys[WG_KP_CURRENT] == NULL || pb->keys[WG_KP_CURRENT] == NULL) {
		fprintf(stderr, "bench_wg: handshake failed (%llu/%llu/%llu %llu/%llu/%llu)\n",
			(unsigned long long)sa.hs_initiated, (unsigned long long)sb.hs_resp_sent,
			(unsigned long long)sa.hs_completed, (unsigned long long)sb.hs_fail_mac,
			(unsigned long long)sb.hs_fail_unknown_peer, (unsigned long long)sa.hs_fail_decrypt);
		return 1;
	}
	printf("bench_wg: %s, inner %zu bytes (padded %zu), bursts of %d\n",
	       rb_aead_ctx_backend_name(aead), inner, plen, BURST);

	/* encrypt, as wg_dp.c tx_flush */
	n = 0;
	t0 = now_s();
	do {
		rb_aead_batch_reset(&b);
		for (int i = 0; i < BURST; i++) {
			struct wg_msg_data *h = (struct wg_msg_data *)buf[i];

			kp = wg_keypair_reserve(pa, xa.now, 1, &ctr);
			h->h.type = WG_MSG_DATA;
			h->receiver = htole32(kp->remote_index);
			h->counter = htole64(ctr);
			memset(buf[i] + WG_DATA_HDR_LEN + inner, 0, plen - inner);
			wg_counter_nonce(nonce[i], ctr);
			rb_aead_batch_add_seal(&b, &kp->send, nonce[i], NULL, 0,
					       buf[i] + WG_DATA_HDR_LEN, buf[i] + WG_DATA_HDR_LEN,
					       (uint32_t)plen, buf[i] + WG_DATA_HDR_LEN + plen, NULL);
		}
		if (rb_aead_batch_run(aead, &b) != 0)
			return 1;
		wg_note_sent(pa, xa.now, inner, BURST, BURST * inner);
		n += BURST;
		t = now_s();
	} while (t - t0 < secs);
	enc_pps = (double)n / (t - t0);

	/* decrypt, as wg_dp.c rx_flush: fresh ciphertexts each round */
	n = 0;
	{
		double spent = 0;

		while (spent < secs) {
			rb_aead_batch_reset(&b);
			for (int i = 0; i < BURST; i++) {
				kp = wg_keypair_reserve(pa, xa.now, 1, &ctr);
				((struct wg_msg_data *)buf[i])->counter = htole64(ctr);
				wg_counter_nonce(nonce[i], ctr);
				rb_aead_batch_add_seal(&b, &kp->send, nonce[i], NULL, 0,
						       buf[i] + WG_DATA_HDR_LEN,
						       buf[i] + WG_DATA_HDR_LEN, (uint32_t)plen,
						       buf[i] + WG_DATA_HDR_LEN + plen, NULL);
			}
			rb_aead_batch_run(aead, &b);
			t0 = now_s();
			rb_aead_batch_reset(&b);
			kp = pb->keys[WG_KP_CURRENT];
			for (int i = 0; i < BURST; i++) {
				ctr = le64toh(((struct wg_msg_data *)buf[i])->counter);
				wg_counter_nonce(nonce[i], ctr);
				rb_aead_batch_add_open(&b, &kp->recv, nonce[i], NULL, 0,
						       buf[i] + WG_DATA_HDR_LEN,
						       buf[i] + WG_DATA_HDR_LEN, (uint32_t)plen,
						       buf[i] + WG_DATA_HDR_LEN + plen, NULL);
			}
			if (rb_aead_batch_run(aead, &b) != 0) {
				fprintf(stderr, "bench_wg: decrypt failed\n");
				return 1;
			}
			for (int i = 0; i < BURST; i++)
				if (wg_data_post(pb, kp, &xb,
						 le64toh(((struct wg_msg_data *)buf[i])->counter),
						 &from, plen) != 0)
					return 1;
			spent += now_s() - t0;
			n += BURST;
		}
		dec_pps = (double)n / spent;
	}

	/* ceiling: bare ChaCha20-Poly1305 batch of the same length */
	n = 0;
	kp = pa->keys[WG_KP_CURRENT];
	t0 = now_s();
	do {
		rb_aead_batch_reset(&b);
		for (int i = 0; i < BURST; i++)
			rb_aead_batch_add_seal(&b, &kp->send, nonce[i], NULL, 0,
					       buf[i] + WG_DATA_HDR_LEN, buf[i] + WG_DATA_HDR_LEN,
					       (uint32_t)plen, buf[i] + WG_DATA_HDR_LEN + plen, NULL);
		rb_aead_batch_run(aead, &b);
		n += BURST;
		t = now_s();
	} while (t - t0 < secs);
	raw_pps = (double)n / (t - t0);

	printf("%-28s %10.0f pps %7.2f Gbit/s inner  %6.2f GB/s on the wire\n", "encrypt (wg)",
	       enc_pps, enc_pps * (double)inner * 8e-9, enc_pps * (double)mlen * 1e-9);
	printf("%-28s %10.0f pps %7.2f Gbit/s inner  %6.2f GB/s on the wire\n", "decrypt (wg)",
	       dec_pps, dec_pps * (double)inner * 8e-9, dec_pps * (double)mlen * 1e-9);
	printf("%-28s %10.0f pps %7.2f Gbit/s        %6.2f GB/s of plaintext\n",
	       "chacha20-poly1305 ceiling", raw_pps, raw_pps * (double)plen * 8e-9,
	       raw_pps * (double)plen * 1e-9);
	printf("encrypt %.0f %% / decrypt %.0f %% of the ceiling\n", 100.0 * enc_pps / raw_pps,
	       100.0 * dec_pps / raw_pps);
	wg_device_fini(&A);
	wg_device_fini(&B);
	rb_aead_ctx_free(aead);
	return 0;
}
