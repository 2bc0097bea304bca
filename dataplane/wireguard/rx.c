/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Receive dispatch for handshake messages, in two halves:
 *
 *  wg_rx_classify  on the worker that received the datagram, stateless:
 *                  length and type, mac1, and under load mac2 / a cookie
 *                  reply / the per-source rate limit (kernel receive.c
 *                  wg_receive_handshake_packet, cookie.c); then which peer
 *                  the message belongs to (initiation: open the static key;
 *                  response and cookie reply: the receiver index).
 *  wg_rx_handshake on that peer's owner: consume and answer.
 *
 * Nothing is stored for a message that did not authenticate.
 */
#include <errno.h>
#include <string.h>
#include <endian.h>
#include <sys/socket.h>
#include "wg.h"

static size_t src_bytes(const struct wg_endpoint *from, uint8_t out[18])
{
	size_t n = from->family == AF_INET ? 4 : 16;

	memcpy(out, from->addr, n);
	out[n] = (uint8_t)(from->port >> 8);
	out[n + 1] = (uint8_t)from->port;
	return n + 2;
}

int wg_msg_len_ok(const uint8_t *buf, size_t len)
{
	if (len < 4)
		return 0;
	switch (buf[0]) {
	case WG_MSG_INITIATION:
		return len == WG_MSG_INIT_LEN;
	case WG_MSG_RESPONSE:
		return len == WG_MSG_RESP_LEN;
	case WG_MSG_COOKIE:
		return len == WG_MSG_COOKIE_LEN;
	case WG_MSG_DATA:
		return len >= WG_DATA_MIN_LEN;
	default:
		return 0;
	}
}

enum wg_rx_verdict wg_rx_classify(struct wg_device *d, struct wg_ctx *x,
				  struct wg_cookie_checker *cc, struct wg_ratelimit *rl,
				  uint8_t *buf, size_t len, const struct wg_endpoint *from,
				  bool under_load, struct wg_peer **peer)
{
	uint8_t src[18];
	size_t sl;
	enum wg_mac_result mr;

	*peer = NULL;
	if (!wg_msg_len_ok(buf, len) || buf[0] == WG_MSG_DATA)
		return WG_RX_BAD;
	/* Reserved bytes may carry a client id (WARP): ignored, as sing-box. */
	memset(buf + 1, 0, 3);
	if (buf[0] == WG_MSG_COOKIE) {
		const struct wg_msg_cookie *m = (const struct wg_msg_cookie *)buf;
		uint32_t idx = le32toh(m->receiver);
		struct wg_keypair *kp;

		*peer = wg_index_lookup(d, idx, WG_IDX_HANDSHAKE);
		if (*peer == NULL && (kp = wg_index_lookup(d, idx, WG_IDX_KEYPAIR)) != NULL)
			*peer = kp->peer;
		if (*peer == NULL) {
			x->st->hs_fail_index++;
			return WG_RX_BAD;
		}
		return WG_RX_PEER;
	}
	sl = src_bytes(from, src);
	mr = wg_cookie_validate(cc, x, buf, len, src, sl, under_load);
	if (mr == WG_MAC_INVALID) {
		x->st->hs_fail_mac++;
		return WG_RX_BAD;
	}
	if (under_load) {
		if (mr != WG_MAC_VALID_COOKIE) {
			/* Prove the source address first (section 5.4.7). */
			struct wg_msg_cookie reply;
			uint32_t sender;

			memcpy(&sender, buf + 4, 4);
			wg_cookie_reply(cc, x, &reply, buf, len, sender, src, sl);
			if (d->env.send)
				d->env.send(d->env.ctx, NULL, from, &reply, sizeof(reply));
			x->st->cookies_sent++;
			return WG_RX_COOKIE_SENT;
		}
		if (rl && !wg_rl_allow(rl, from->family, from->addr, x->now)) {
			x->st->hs_fail_ratelimit++;
			return WG_RX_BAD;
		}
	}
	if (buf[0] == WG_MSG_INITIATION) {
		*peer = wg_noise_initiation_peer(d, x, (const struct wg_msg_initiation *)buf);
		if (*peer == NULL) {
			x->st->hs_fail_unknown_peer++;
			return WG_RX_BAD;
		}
	} else {
		const struct wg_msg_response *m = (const struct wg_msg_response *)buf;

		*peer = wg_index_lookup(d, le32toh(m->receiver), WG_IDX_HANDSHAKE);
		if (*peer == NULL) {
			x->st->hs_fail_index++;
			return WG_RX_BAD;
		}
	}
	return WG_RX_PEER;
}

int wg_rx_handshake(struct wg_peer *p, struct wg_ctx *x, const uint8_t *buf, size_t len,
		    const struct wg_endpoint *from)
{
	if (__atomic_load_n(&p->removed, __ATOMIC_ACQUIRE) || !wg_msg_len_ok(buf, len))
		return -ENOENT;
	wg_timers_fold(p);
	switch (buf[0]) {
	case WG_MSG_INITIATION:
		return wg_handle_initiation(p, x, (const struct wg_msg_initiation *)buf, from);
	case WG_MSG_RESPONSE:
		return wg_handle_response(p, x, (const struct wg_msg_response *)buf, from);
	case WG_MSG_COOKIE:
		return wg_handle_cookie(p, x, (const struct wg_msg_cookie *)buf);
	default:
		return -EBADMSG;
	}
}
