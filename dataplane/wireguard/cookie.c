/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * MACs and cookies (WireGuard whitepaper section 5.4.4 and 5.4.7):
 *
 *	msg.mac1 = MAC(HASH(LABEL_MAC1 || Spub_m'), msg[0:offsetof(mac1)])
 *	msg.mac2 = Lm = ε or Tm > 120 s ? 0^16 : MAC(Lm, msg[0:offsetof(mac2)])
 *	τ = MAC(Rm, Am)      (Rm: random secret renewed every 2 minutes,
 *	                      Am: source IP address || UDP port)
 *	reply.cookie = XAEAD(HASH(LABEL_COOKIE || Spub_m), reply.nonce, τ, msg.mac1)
 *
 * MAC is keyed BLAKE2s with a 16-byte output.  Nothing here keeps state for
 * an unauthenticated sender: the cookie is recomputed from the secret.
 */
#include <string.h>
#include <openssl/crypto.h>
#include "crypto/rb_blake2s.h"
#include "wg.h"

static const char label_mac1[] = "mac1----";
static const char label_cookie[] = "cookie--";

static void label_key(uint8_t out[WG_KEY_LEN], const char *label, const uint8_t pub[WG_KEY_LEN])
{
	struct rb_blake2s s;

	rb_blake2s_init(&s, WG_KEY_LEN, NULL, 0);
	rb_blake2s_update(&s, label, 8);
	rb_blake2s_update(&s, pub, WG_KEY_LEN);
	rb_blake2s_final(&s, out);
}

static void mac(uint8_t out[WG_COOKIE_LEN], const uint8_t *key, size_t klen, const void *msg,
		size_t len)
{
	rb_blake2s(out, WG_COOKIE_LEN, key, klen, msg, len);
}

void wg_cookie_checker_init(struct wg_cookie_checker *cc, const uint8_t pub[WG_KEY_LEN])
{
	memset(cc, 0, sizeof(*cc));
	label_key(cc->mac1_key, label_mac1, pub);
	label_key(cc->cookie_key, label_cookie, pub);
}

void wg_cookie_maker_init(struct wg_cookie_maker *cm, const uint8_t peer_pub[WG_KEY_LEN])
{
	memset(cm, 0, sizeof(*cm));
	label_key(cm->mac1_key, label_mac1, peer_pub);
	label_key(cm->cookie_key, label_cookie, peer_pub);
}

void wg_cookie_add_macs(struct wg_cookie_maker *cm, void *msg, size_t len, uint64_t now)
{
	struct wg_macs *m = (struct wg_macs *)((uint8_t *)msg + len - sizeof(*m));
	size_t off1 = len - sizeof(*m), off2 = len - WG_COOKIE_LEN;

	mac(m->mac1, cm->mac1_key, WG_KEY_LEN, msg, off1);
	memcpy(cm->last_mac1, m->mac1, WG_COOKIE_LEN);
	cm->have_sent_mac1 = 1;
	if (cm->have_cookie &&
	    now - cm->cookie_birth < (WG_COOKIE_SECRET_MAX_AGE - WG_COOKIE_SECRET_LATENCY) * WG_NSEC)
		mac(m->mac2, cm->cookie, WG_COOKIE_LEN, msg, off2);
	else
		memset(m->mac2, 0, WG_COOKIE_LEN);
}

/* τ = MAC(Rm, Am); the secret is renewed when older than 2 minutes. */
static void make_cookie(struct wg_cookie_checker *cc, struct wg_ctx *x, uint8_t out[WG_COOKIE_LEN],
			const uint8_t *src, size_t src_len)
{
	if (!cc->have_secret || x->now - cc->secret_birth >= WG_COOKIE_SECRET_MAX_AGE * WG_NSEC) {
		rb_rand_bytes(x->rand, cc->secret, sizeof(cc->secret));
		cc->secret_birth = x->now;
		cc->have_secret = 1;
	}
	mac(out, cc->secret, sizeof(cc->secret), src, src_len);
}

enum wg_mac_result wg_cookie_validate(struct wg_cookie_checker *cc, struct wg_ctx *x,
				      const void *msg, size_t len, const uint8_t *src,
				      size_t src_len, bool check_cookie)
{
	const struct wg_macs *m = (const struct wg_macs *)((const uint8_t *)msg + len - sizeof(*m));
	uint8_t want[WG_COOKIE_LEN], cookie[WG_COOKIE_LEN];
	enum wg_mac_result r;

	mac(want, cc->mac1_key, WG_KEY_LEN, msg, len - sizeof(*m));
	if (CRYPTO_memcmp(want, m->mac1, WG_COOKIE_LEN) != 0)
		return WG_MAC_INVALID;
	if (!check_cookie)
		return WG_MAC_VALID_NO_COOKIE;
	make_cookie(cc, x, cookie, src, src_len);
	mac(want, cookie, WG_COOKIE_LEN, msg, len - WG_COOKIE_LEN);
	r = CRYPTO_memcmp(want, m->mac2, WG_COOKIE_LEN) == 0 ? WG_MAC_VALID_COOKIE
							    : WG_MAC_VALID_NO_COOKIE;
	OPENSSL_cleanse(cookie, sizeof(cookie));
	return r;
}

void wg_cookie_reply(struct wg_cookie_checker *cc, struct wg_ctx *x, struct wg_msg_cookie *out,
		     const void *msg, size_t len, uint32_t receiver, const uint8_t *src,
		     size_t src_len)
{
	const struct wg_macs *m = (const struct wg_macs *)((const uint8_t *)msg + len - sizeof(*m));
	uint8_t cookie[WG_COOKIE_LEN];
	struct rb_aead_key k;

	memset(out, 0, sizeof(*out));
	out->h.type = WG_MSG_COOKIE;
	out->receiver = receiver;  /* already little-endian: the message's sender */
	rb_rand_bytes(x->rand, out->nonce, sizeof(out->nonce));
	make_cookie(cc, x, cookie, src, src_len);
	rb_aead_key_init(&k, RB_AEAD_XCHACHA20_POLY1305, cc->cookie_key, WG_KEY_LEN);
	rb_aead_seal(x->aead, &k, out->nonce, m->mac1, WG_COOKIE_LEN, cookie, out->enc_cookie,
		     WG_COOKIE_LEN, out->enc_cookie + WG_COOKIE_LEN);
	rb_aead_key_wipe(&k);
	OPENSSL_cleanse(cookie, sizeof(cookie));
}

int wg_cookie_consume(struct wg_cookie_maker *cm, struct wg_ctx *x, const struct wg_msg_cookie *msg)
{
	uint8_t cookie[WG_COOKIE_LEN];
	struct rb_aead_key k;
	int rc;

	if (!cm->have_sent_mac1)
		return -1;
	rb_aead_key_init(&k, RB_AEAD_XCHACHA20_POLY1305, cm->cookie_key, WG_KEY_LEN);
	rc = rb_aead_open(x->aead, &k, msg->nonce, cm->last_mac1, WG_COOKIE_LEN, msg->enc_cookie,
			  cookie, WG_COOKIE_LEN, msg->enc_cookie + WG_COOKIE_LEN);
	rb_aead_key_wipe(&k);
	if (rc != RB_AEAD_OK)
		return -1;
	memcpy(cm->cookie, cookie, WG_COOKIE_LEN);
	cm->cookie_birth = x->now;
	cm->have_cookie = 1;
	cm->have_sent_mac1 = 0;
	OPENSSL_cleanse(cookie, sizeof(cookie));
	return 0;
}
