/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target for the WireGuard message parser and state machine:
 * every input is one datagram to a device that has a peer with an
 * established session (so data messages with its receiver index reach the
 * AEAD), in and out of cookie mode.  The first byte picks the mode and
 * whether the receiver index is patched to the live one.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include "crypto/rb_x25519.h"
#include "dataplane/wireguard/wg.h"

static struct wg_device A, B;
static struct wg_device_stats sa, sb;
static struct wg_ctx xa, xb;
static struct rb_rand ra, rbr;
static struct wg_cookie_checker cc;
static struct wg_ratelimit rl;
static struct rb_aead_ctx *aead;
static uint8_t wire[256];
static size_t wire_len;
static struct wg_device *wire_to;

static void env_send(void *ctx, struct wg_peer *peer, const struct wg_endpoint *to, const void *buf,
		     size_t len)
{
	(void)peer;
	(void)to;
	if (len <= sizeof(wire)) {
		memcpy(wire, buf, len);
		wire_len = len;
		wire_to = ctx == &A ? &B : &A;
	}
}

static void deliver(void)
{
	struct wg_device *d = wire_to;
	struct wg_ctx *x = d == &A ? &xa : &xb;
	struct wg_endpoint from = {.family = AF_INET, .port = 1};
	struct wg_peer *p;

	wire_to = NULL;
	if (wire[0] == WG_MSG_DATA) {
		wg_decrypt_buf(d, x, wire, wire_len, &from, &p);
		return;
	}
	if (wg_rx_classify(d, x, &d->cookie, &rl, wire, wire_len, &from, false, &p) == WG_RX_PEER)
		wg_rx_handshake(p, x, wire, wire_len, &from);
}

static void setup(void)
{
	uint8_t pa[32], qa[32], pb[32], qb[32];
	struct wg_env ea = {.send = env_send, .ctx = &A}, eb = {.send = env_send, .ctx = &B};
	struct wg_peer_cfg c = {0};
	int err;

	aead = rb_aead_ctx_create(RB_AEAD_BACKEND_AUTO);
	rb_x25519_keypair(pa, qa);
	rb_x25519_keypair(pb, qb);
	wg_device_init(&A, pa, &ea, 1);
	wg_device_init(&B, pb, &eb, 1);
	rb_rand_init(&ra);
	rb_rand_init(&rbr);
	xa = (struct wg_ctx){.rand = &ra, .aead = aead, .now = 1000 * WG_NSEC, .st = &sa};
	xb = (struct wg_ctx){.rand = &rbr, .aead = aead, .now = 1000 * WG_NSEC, .st = &sb};
	c.ep.family = AF_INET;
	c.ep.port = 1;
	c.n_aips = 1;
	c.aips[0].family = AF_INET;
	memcpy(c.pub, qb, 32);
	wg_peer_add(&A, &c, 0, &err);
	memcpy(c.pub, qa, 32);
	wg_peer_add(&B, &c, 0, &err);
	cc = B.cookie;
	wg_rl_init(&rl, 1);
	wg_send_initiation(A.set->p[0], &xa, false);
	for (int i = 0; i < 4 && wire_to; i++)
		deliver();
	if (B.set->p[0]->keys[WG_KP_CURRENT] == NULL)
		abort();   /* the session the fuzzer aims at must exist */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int init;
	uint8_t buf[2048];
	struct wg_endpoint from = {.family = AF_INET, .addr = {192, 0, 2, 1}, .port = 9};
	struct wg_peer *p;
	struct wg_keypair *kp;
	uint8_t mode;

	if (!init) {
		setup();
		init = 1;
	}
	if (size < 1 || size > sizeof(buf) + 1)
		return 0;
	mode = data[0];
	size--;
	memcpy(buf, data + 1, size);
	kp = B.set->p[0]->keys[WG_KP_CURRENT];
	if ((mode & 1) && kp && size >= 8) {
		uint32_t idx = kp->local_index;

		memcpy(buf + 4, &idx, 4);   /* aim at the live session */
	}
	xb.now += 1000;
	if (size >= 1 && buf[0] == WG_MSG_DATA)
		wg_decrypt_buf(&B, &xb, buf, size, &from, &p);
	else if (wg_rx_classify(&B, &xb, &cc, &rl, buf, size, &from, (mode & 2) != 0, &p) ==
		 WG_RX_PEER)
		wg_rx_handshake(p, &xb, buf, size, &from);
	wire_to = NULL;
	if (B.set->p[0])
		wg_timers_tick(B.set->p[0], &xb);
	wire_to = NULL;
	return 0;
}
