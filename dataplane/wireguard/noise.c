/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The WireGuard handshake: Noise_IKpsk2_25519_ChaChaPoly_BLAKE2s
 * (WireGuard whitepaper section 5.4; Noise Protocol Framework rev. 34,
 * sections 7.5 "IK" and 9 "psk2"):
 *
 *	IKpsk2:
 *	  <- s
 *	  ...
 *	  -> e, es, s, ss
 *	  <- e, ee, se, psk
 *
 * Each step below is tagged with its token (`/ * e * /`, `/ * es * /` ...).
 * HASH is BLAKE2s-256, MAC keyed BLAKE2s-128 (cookie.c), KDF1/2/3 the
 * HMAC-BLAKE2s HKDF (rb_blake2s_kdf), AEAD ChaCha20-Poly1305 with a zero
 * counter nonce, DH X25519.  Transport keys: (T_send_i, T_recv_i) =
 * KDF2(C, empty) (section 5.4.5).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <endian.h>
#include <openssl/crypto.h>
#include "crypto/rb_blake2s.h"
#include "crypto/rb_tai64n.h"
#include "crypto/rb_x25519.h"
#include "wg.h"

static const char construction[] = "Noise_IKpsk2_25519_ChaChaPoly_BLAKE2s";
static const char identifier[] = "WireGuard v1 zx2c4 Jason@zx2c4.com";
static const uint8_t zero_nonce[12];

/* h = HASH(h || data) */
static void mix_hash(uint8_t h[WG_HASH_LEN], const void *data, size_t len)
{
	struct rb_blake2s s;

	rb_blake2s_init(&s, WG_HASH_LEN, NULL, 0);
	rb_blake2s_update(&s, h, WG_HASH_LEN);
	rb_blake2s_update(&s, data, len);
	rb_blake2s_final(&s, h);
}

void wg_noise_init_ck_hash(uint8_t ck[WG_HASH_LEN], uint8_t h[WG_HASH_LEN],
			   const uint8_t responder_pub[WG_KEY_LEN])
{
	/* Ci = HASH(CONSTRUCTION); Hi = HASH(Ci || IDENTIFIER); Hi = HASH(Hi || Spub_r) */
	rb_blake2s(ck, WG_HASH_LEN, NULL, 0, construction, sizeof(construction) - 1);
	memcpy(h, ck, WG_HASH_LEN);
	mix_hash(h, identifier, sizeof(identifier) - 1);
	mix_hash(h, responder_pub, WG_KEY_LEN);
}

/* (ck, key) = KDF2(ck, DH(priv, pub)), or ck = KDF1(...) when key is NULL. */
static int mix_dh(uint8_t ck[WG_HASH_LEN], uint8_t *key, const uint8_t priv[WG_KEY_LEN],
		  const uint8_t pub[WG_KEY_LEN])
{
	uint8_t dh[WG_KEY_LEN];

	if (rb_x25519_shared(dh, priv, pub) != 0)
		return -1;
	rb_blake2s_kdf(ck, key, NULL, ck, dh, sizeof(dh));
	OPENSSL_cleanse(dh, sizeof(dh));
	return 0;
}

/* (ck, key) = KDF2(ck, precomputed DH) */
static void mix_precomputed(uint8_t ck[WG_HASH_LEN], uint8_t key[WG_KEY_LEN],
			    const uint8_t dh[WG_KEY_LEN])
{
	rb_blake2s_kdf(ck, key, NULL, ck, dh, WG_KEY_LEN);
}

/* e: message gets the ephemeral, h = HASH(h || e), ck = KDF1(ck, e) */
static void mix_ephemeral(uint8_t ck[WG_HASH_LEN], uint8_t h[WG_HASH_LEN],
			  const uint8_t e[WG_KEY_LEN])
{
	mix_hash(h, e, WG_KEY_LEN);
	rb_blake2s_kdf(ck, NULL, NULL, ck, e, WG_KEY_LEN);
}

/* psk: (ck, tau, key) = KDF3(ck, psk); h = HASH(h || tau) */
static void mix_psk(uint8_t ck[WG_HASH_LEN], uint8_t h[WG_HASH_LEN], uint8_t key[WG_KEY_LEN],
		    const uint8_t psk[WG_KEY_LEN])
{
	uint8_t tau[WG_HASH_LEN];

	rb_blake2s_kdf(ck, tau, key, ck, psk, WG_KEY_LEN);
	mix_hash(h, tau, sizeof(tau));
	OPENSSL_cleanse(tau, sizeof(tau));
}

/* dst||tag = AEAD(key, 0, src, h); h = HASH(h || dst||tag) */
static int seal_mix(struct wg_ctx *x, uint8_t h[WG_HASH_LEN], uint8_t key[WG_KEY_LEN],
		    const uint8_t *src, size_t len, uint8_t *dst)
{
	struct rb_aead_key k;
	int rc;

	if (rb_aead_key_init(&k, RB_AEAD_CHACHA20_POLY1305, key, WG_KEY_LEN) != 0)
		return -1;
	rc = rb_aead_seal(x->aead, &k, zero_nonce, h, WG_HASH_LEN, src, dst, (uint32_t)len,
			  dst + len);
	rb_aead_key_wipe(&k);
	OPENSSL_cleanse(key, WG_KEY_LEN);
	if (rc != RB_AEAD_OK)
		return -1;
	mix_hash(h, dst, len + WG_TAG_LEN);
	return 0;
}

/* dst = AEAD-open(key, 0, src||tag, h); h = HASH(h || src||tag) */
static int open_mix(struct wg_ctx *x, uint8_t h[WG_HASH_LEN], uint8_t key[WG_KEY_LEN],
		    const uint8_t *src, size_t len, uint8_t *dst)
{
	struct rb_aead_key k;
	int rc;

	if (rb_aead_key_init(&k, RB_AEAD_CHACHA20_POLY1305, key, WG_KEY_LEN) != 0)
		return -1;
	rc = rb_aead_open(x->aead, &k, zero_nonce, h, WG_HASH_LEN, src, dst, (uint32_t)len,
			  src + len);
	rb_aead_key_wipe(&k);
	OPENSSL_cleanse(key, WG_KEY_LEN);
	if (rc != RB_AEAD_OK)
		return -1;
	mix_hash(h, src, len + WG_TAG_LEN);
	return 0;
}

static void hs_set_index(struct wg_peer *p, struct wg_ctx *x)
{
	struct wg_device *d = p->dev;

	if (p->hs.local_index)
		wg_index_free(d, p->hs.local_index);
	p->hs.local_index = wg_index_alloc(d, x, WG_IDX_HANDSHAKE, p);
}

static void hs_clear(struct wg_handshake *hs)
{
	OPENSSL_cleanse(hs->eph_priv, sizeof(hs->eph_priv));
	OPENSSL_cleanse(hs->remote_eph, sizeof(hs->remote_eph));
	OPENSSL_cleanse(hs->hash, sizeof(hs->hash));
	OPENSSL_cleanse(hs->ck, sizeof(hs->ck));
	hs->remote_index = 0;
	hs->state = WG_HS_ZEROED;
}

int wg_noise_create_initiation(struct wg_peer *p, struct wg_ctx *x, struct wg_msg_initiation *m)
{
	struct wg_device *d = p->dev;
	struct wg_handshake *hs = &p->hs;
	uint8_t ck[WG_HASH_LEN], h[WG_HASH_LEN], key[WG_KEY_LEN], ts[WG_TIMESTAMP_LEN];
	int rc = -1;

	if (!p->ss_ok)
		return -1;
	memset(m, 0, sizeof(*m));
	m->h.type = WG_MSG_INITIATION;
	wg_noise_init_ck_hash(ck, h, p->pub);

	/* e */
	if (rb_x25519_keypair(hs->eph_priv, m->ephemeral) != 0)
		goto out;
	mix_ephemeral(ck, h, m->ephemeral);
	/* es */
	if (mix_dh(ck, key, hs->eph_priv, p->pub) != 0)
		goto out;
	/* s */
	if (seal_mix(x, h, key, d->pub, WG_KEY_LEN, m->enc_static) != 0)
		goto out;
	/* ss */
	mix_precomputed(ck, key, p->ss);
	/* {t} */
	if (x->wall_ns)
		rb_tai64n_encode(ts, x->wall_ns / WG_NSEC, (uint32_t)(x->wall_ns % WG_NSEC));
	else
		rb_tai64n_now(ts);
	if (seal_mix(x, h, key, ts, WG_TIMESTAMP_LEN, m->enc_timestamp) != 0)
		goto out;

	memcpy(hs->ck, ck, WG_HASH_LEN);
	memcpy(hs->hash, h, WG_HASH_LEN);
	hs_set_index(p, x);
	if (hs->local_index == 0)
		goto out;
	m->sender = htole32(hs->local_index);
	hs->state = WG_HS_CREATED_INITIATION;
	rc = 0;
out:
	if (rc)
		hs_clear(hs);
	OPENSSL_cleanse(ck, sizeof(ck));
	OPENSSL_cleanse(h, sizeof(h));
	OPENSSL_cleanse(key, sizeof(key));
	return rc;
}

/* The responder's first three tokens: e, es, s.  Fills ck, h and the
 * initiator's static key; no state changes. */
static int initiation_open_static(struct wg_device *d, struct wg_ctx *x,
				  const struct wg_msg_initiation *m, uint8_t ck[WG_HASH_LEN],
				  uint8_t h[WG_HASH_LEN], uint8_t s[WG_KEY_LEN])
{
	uint8_t key[WG_KEY_LEN];
	int rc = -1;

	wg_noise_init_ck_hash(ck, h, d->pub);
	/* e */
	mix_ephemeral(ck, h, m->ephemeral);
	/* es */
	if (mix_dh(ck, key, d->priv, m->ephemeral) != 0)
		goto out;
	/* s */
	if (open_mix(x, h, key, m->enc_static, WG_KEY_LEN, s) != 0)
		goto out;
	rc = 0;
out:
	OPENSSL_cleanse(key, sizeof(key));
	return rc;
}

struct wg_peer *wg_noise_initiation_peer(struct wg_device *d, struct wg_ctx *x,
					 const struct wg_msg_initiation *m)
{
	uint8_t ck[WG_HASH_LEN], h[WG_HASH_LEN], s[WG_KEY_LEN];
	struct wg_peer *p = NULL;

	if (initiation_open_static(d, x, m, ck, h, s) == 0)
		p = wg_peer_find(d, s);
	OPENSSL_cleanse(ck, sizeof(ck));
	OPENSSL_cleanse(h, sizeof(h));
	return p;
}

int wg_noise_consume_initiation(struct wg_peer *p, struct wg_ctx *x,
				const struct wg_msg_initiation *m)
{
	struct wg_handshake *hs = &p->hs;
	uint8_t ck[WG_HASH_LEN], h[WG_HASH_LEN], s[WG_KEY_LEN], key[WG_KEY_LEN];
	uint8_t ts[WG_TIMESTAMP_LEN];
	int rc = -EBADMSG;

	if (!p->ss_ok)
		return -EBADMSG;
	if (initiation_open_static(p->dev, x, m, ck, h, s) != 0 ||
	    CRYPTO_memcmp(s, p->pub, WG_KEY_LEN) != 0)
		goto out;
	/* ss */
	mix_precomputed(ck, key, p->ss);
	/* {t} */
	if (open_mix(x, h, key, m->enc_timestamp, WG_TIMESTAMP_LEN, ts) != 0)
		goto out;
	/* A timestamp not newer than the last one is a replay (section 5.1). */
	if (!rb_tai64n_after(ts, hs->latest_ts)) {
		rc = -EALREADY;
		goto out;
	}
	/* At most INITIATIONS_PER_SECOND consumed per peer (kernel noise.c). */
	if (hs->last_init_consumed &&
	    hs->last_init_consumed + WG_NSEC / WG_INITIATIONS_PER_SEC > x->now) {
		rc = -EAGAIN;
		goto out;
	}
	hs_clear(hs);
	memcpy(hs->remote_eph, m->ephemeral, WG_KEY_LEN);
	memcpy(hs->latest_ts, ts, WG_TIMESTAMP_LEN);
	memcpy(hs->ck, ck, WG_HASH_LEN);
	memcpy(hs->hash, h, WG_HASH_LEN);
	hs->remote_index = le32toh(m->sender);
	hs->last_init_consumed = x->now;
	hs->state = WG_HS_CONSUMED_INITIATION;
	rc = 0;
out:
	OPENSSL_cleanse(ck, sizeof(ck));
	OPENSSL_cleanse(h, sizeof(h));
	OPENSSL_cleanse(key, sizeof(key));
	return rc;
}

int wg_noise_create_response(struct wg_peer *p, struct wg_ctx *x, struct wg_msg_response *m)
{
	struct wg_handshake *hs = &p->hs;
	uint8_t key[WG_KEY_LEN];
	int rc = -1;

	if (hs->state != WG_HS_CONSUMED_INITIATION)
		return -1;
	memset(m, 0, sizeof(*m));
	m->h.type = WG_MSG_RESPONSE;
	m->receiver = htole32(hs->remote_index);

	/* e */
	if (rb_x25519_keypair(hs->eph_priv, m->ephemeral) != 0)
		goto out;
	mix_ephemeral(hs->ck, hs->hash, m->ephemeral);
	/* ee */
	if (mix_dh(hs->ck, NULL, hs->eph_priv, hs->remote_eph) != 0)
		goto out;
	/* se */
	if (mix_dh(hs->ck, NULL, hs->eph_priv, p->pub) != 0)
		goto out;
	/* psk */
	mix_psk(hs->ck, hs->hash, key, p->psk);
	/* {} */
	if (seal_mix(x, hs->hash, key, m->enc_nothing, 0, m->enc_nothing) != 0)
		goto out;
	hs_set_index(p, x);
	if (hs->local_index == 0)
		goto out;
	m->sender = htole32(hs->local_index);
	hs->state = WG_HS_CREATED_RESPONSE;
	rc = 0;
out:
	if (rc)
		hs_clear(hs);
	OPENSSL_cleanse(key, sizeof(key));
	return rc;
}

int wg_noise_consume_response(struct wg_peer *p, struct wg_ctx *x, const struct wg_msg_response *m)
{
	struct wg_device *d = p->dev;
	struct wg_handshake *hs = &p->hs;
	uint8_t ck[WG_HASH_LEN], h[WG_HASH_LEN], key[WG_KEY_LEN], empty[1];
	int rc = -EBADMSG;

	if (hs->state != WG_HS_CREATED_INITIATION || le32toh(m->receiver) != hs->local_index)
		return -ESTALE;
	memcpy(ck, hs->ck, WG_HASH_LEN);
	memcpy(h, hs->hash, WG_HASH_LEN);
	/* e */
	mix_ephemeral(ck, h, m->ephemeral);
	/* ee */
	if (mix_dh(ck, NULL, hs->eph_priv, m->ephemeral) != 0)
		goto out;
	/* se */
	if (mix_dh(ck, NULL, d->priv, m->ephemeral) != 0)
		goto out;
	/* psk */
	mix_psk(ck, h, key, p->psk);
	/* {} */
	if (open_mix(x, h, key, m->enc_nothing, 0, empty) != 0)
		goto out;
	memcpy(hs->remote_eph, m->ephemeral, WG_KEY_LEN);
	memcpy(hs->ck, ck, WG_HASH_LEN);
	memcpy(hs->hash, h, WG_HASH_LEN);
	hs->remote_index = le32toh(m->sender);
	hs->state = WG_HS_CONSUMED_RESPONSE;
	rc = 0;
out:
	OPENSSL_cleanse(ck, sizeof(ck));
	OPENSSL_cleanse(h, sizeof(h));
	OPENSSL_cleanse(key, sizeof(key));
	return rc;
}

static void keypair_free(void *ptr)
{
	struct wg_keypair *kp = ptr;

	rb_aead_key_wipe(&kp->send);
	rb_aead_key_wipe(&kp->recv);
	OPENSSL_cleanse(kp, sizeof(*kp));
	free(kp);
}

/* Drop a keypair: its index goes now, the memory after a grace period. */
void wg_keypair_put(struct wg_device *d, struct wg_keypair *kp)
{
	if (kp == NULL)
		return;
	wg_index_free(d, kp->local_index);
	if (d->env.retire)
		d->env.retire(d->env.ctx, kp, keypair_free);
	else
		keypair_free(kp);
}

int wg_noise_begin_session(struct wg_peer *p, struct wg_ctx *x)
{
	struct wg_device *d = p->dev;
	struct wg_handshake *hs = &p->hs;
	struct wg_keypair *kp, **k = p->keys;
	uint8_t t1[WG_KEY_LEN], t2[WG_KEY_LEN];
	int initiator;

	if (hs->state == WG_HS_CONSUMED_RESPONSE)
		initiator = 1;
	else if (hs->state == WG_HS_CREATED_RESPONSE)
		initiator = 0;
	else
		return -1;
	kp = aligned_alloc(64, sizeof(*kp));
	if (kp == NULL)
		return -1;
	memset(kp, 0, sizeof(*kp));
	/* (T_send_i = T_recv_r, T_recv_i = T_send_r) = KDF2(C, empty) */
	rb_blake2s_kdf(t1, t2, NULL, hs->ck, NULL, 0);
	rb_aead_key_init(&kp->send, RB_AEAD_CHACHA20_POLY1305, initiator ? t1 : t2, WG_KEY_LEN);
	rb_aead_key_init(&kp->recv, RB_AEAD_CHACHA20_POLY1305, initiator ? t2 : t1, WG_KEY_LEN);
	OPENSSL_cleanse(t1, sizeof(t1));
	OPENSSL_cleanse(t2, sizeof(t2));
	wg_replay_init(&kp->replay);
	kp->birth = x->now;
	kp->initiator = (uint8_t)initiator;
	kp->peer = p;
	kp->remote_index = hs->remote_index;
	kp->local_index = hs->local_index;
	/* The handshake's index now names the keypair (kernel noise.c). */
	hs->local_index = 0;
	wg_index_rebind(d, kp->local_index, WG_IDX_KEYPAIR, kp);
	hs_clear(hs);

	/* Rotation (kernel noise.c add_new_keypair). */
	if (initiator) {
		struct wg_keypair *cur = k[WG_KP_CURRENT], *prev = k[WG_KP_PREVIOUS];

		if (k[WG_KP_NEXT]) {
			__atomic_store_n(&k[WG_KP_PREVIOUS], k[WG_KP_NEXT], __ATOMIC_RELEASE);
			k[WG_KP_NEXT] = NULL;
			wg_keypair_put(d, cur);
		} else {
			__atomic_store_n(&k[WG_KP_PREVIOUS], cur, __ATOMIC_RELEASE);
		}
		wg_keypair_put(d, prev);
		__atomic_store_n(&k[WG_KP_CURRENT], kp, __ATOMIC_RELEASE);
	} else {
		struct wg_keypair *next = k[WG_KP_NEXT], *prev = k[WG_KP_PREVIOUS];

		__atomic_store_n(&k[WG_KP_NEXT], kp, __ATOMIC_RELEASE);
		wg_keypair_put(d, next);
		__atomic_store_n(&k[WG_KP_PREVIOUS], NULL, __ATOMIC_RELEASE);
		wg_keypair_put(d, prev);
	}
	return 0;
}

bool wg_keypair_received_with(struct wg_peer *p, struct wg_keypair *kp)
{
	struct wg_keypair **k = p->keys, *old;

	if (kp != k[WG_KP_NEXT])
		return false;
	/* The initiator used the next keypair: confirmed, it becomes current. */
	old = k[WG_KP_PREVIOUS];
	__atomic_store_n(&k[WG_KP_PREVIOUS], k[WG_KP_CURRENT], __ATOMIC_RELEASE);
	wg_keypair_put(p->dev, old);
	__atomic_store_n(&k[WG_KP_CURRENT], kp, __ATOMIC_RELEASE);
	k[WG_KP_NEXT] = NULL;
	return true;
}

void wg_peer_clear_keys(struct wg_peer *p)
{
	for (int i = 0; i < WG_KP_SLOTS; i++) {
		struct wg_keypair *kp = p->keys[i];

		__atomic_store_n(&p->keys[i], NULL, __ATOMIC_RELEASE);
		wg_keypair_put(p->dev, kp);
	}
	if (p->hs.local_index) {
		wg_index_free(p->dev, p->hs.local_index);
		p->hs.local_index = 0;
	}
	hs_clear(&p->hs);
}
