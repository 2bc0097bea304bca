/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Device, peers, receiver indices and the message handling that runs on a
 * peer's owner worker (WireGuard whitepaper sections 5 and 6; the control
 * flow follows the Linux kernel's receive.c/send.c).  The single-packet
 * encrypt/decrypt helpers here serve keepalives, the unit tests and the
 * fuzzer; the dataplane batches the same steps (wg_dp.c).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <endian.h>
#include <time.h>
#include <sys/socket.h>
#include <openssl/crypto.h>
#include "config/rb_cfg_wg.h"
#include "crypto/rb_x25519.h"
#include "wg.h"

/* ---- receiver indices ---- */

uint32_t wg_index_alloc(struct wg_device *d, struct wg_ctx *x, enum wg_index_kind kind, void *ptr)
{
	for (int tries = 0; tries < 256; tries++) {
		uint32_t r = (uint32_t)rb_rand_u64(x->rand);
		uint32_t slot = r & (WG_INDEX_SLOTS - 1);
		struct wg_index_entry *e = &d->index[slot];
		uint32_t expect = 0;

		if (r == 0)
			continue;
		if (!__atomic_compare_exchange_n(&e->busy, &expect, 1, false, __ATOMIC_ACQ_REL,
						 __ATOMIC_RELAXED))
			continue;
		__atomic_store_n(&e->val, (uintptr_t)ptr | (uintptr_t)kind, __ATOMIC_RELAXED);
		__atomic_store_n(&e->index, r, __ATOMIC_RELEASE);
		return r;
	}
	return 0;
}

void wg_index_free(struct wg_device *d, uint32_t index)
{
	struct wg_index_entry *e;

	if (index == 0)
		return;
	e = &d->index[index & (WG_INDEX_SLOTS - 1)];
	if (__atomic_load_n(&e->index, __ATOMIC_ACQUIRE) != index)
		return;
	__atomic_store_n(&e->index, 0, __ATOMIC_RELEASE);
	__atomic_store_n(&e->val, 0, __ATOMIC_RELEASE);
	__atomic_store_n(&e->busy, 0, __ATOMIC_RELEASE);
}

void *wg_index_lookup(const struct wg_device *d, uint32_t index, enum wg_index_kind kind)
{
	const struct wg_index_entry *e = &d->index[index & (WG_INDEX_SLOTS - 1)];
	uintptr_t v;

	if (index == 0 || __atomic_load_n(&e->index, __ATOMIC_ACQUIRE) != index)
		return NULL;
	v = __atomic_load_n(&e->val, __ATOMIC_ACQUIRE);
	if (__atomic_load_n(&e->index, __ATOMIC_ACQUIRE) != index || (v & 3) != (uintptr_t)kind)
		return NULL;
	return (void *)(v & ~(uintptr_t)3);
}

void wg_index_rebind(struct wg_device *d, uint32_t index, enum wg_index_kind kind, void *ptr)
{
	struct wg_index_entry *e = &d->index[index & (WG_INDEX_SLOTS - 1)];

	__atomic_store_n(&e->val, (uintptr_t)ptr | (uintptr_t)kind, __ATOMIC_RELEASE);
}

/* ---- device ---- */

static void free_ptr(void *p)
{
	free(p);
}

static void aips_free(void *p)
{
	wg_aip_free(p);
	free(p);
}

static void retire(struct wg_device *d, void *ptr, void (*fn)(void *))
{
	if (ptr == NULL)
		return;
	if (d->env.retire)
		d->env.retire(d->env.ctx, ptr, fn);
	else
		fn(ptr);
}

int wg_device_init(struct wg_device *d, const uint8_t priv[WG_KEY_LEN], const struct wg_env *env,
		   uint32_t time_div)
{
	memset(d, 0, sizeof(*d));
	memcpy(d->priv, priv, WG_KEY_LEN);
	if (rb_x25519_public(d->pub, d->priv) != 0)
		return -1;
	if (env)
		d->env = *env;
	d->time_div = time_div ? time_div : 1;
	d->mtu = WG_DEFAULT_MTU;
	wg_cookie_checker_init(&d->cookie, d->pub);
	d->index = calloc(WG_INDEX_SLOTS, sizeof(*d->index));
	d->set = calloc(1, sizeof(*d->set));
	d->aips = calloc(1, sizeof(*d->aips));
	if (d->index == NULL || d->set == NULL || d->aips == NULL) {
		wg_device_fini(d);
		return -1;
	}
	d->next_peer_id = 1;
	return 0;
}

void wg_device_fini(struct wg_device *d)
{
	if (d->set) {
		for (uint32_t i = 0; i < d->set->n; i++) {
			struct wg_peer *p = d->set->p[i];

			d->env.retire = NULL;   /* nobody reads any more: free now */
			wg_peer_clear_keys(p);
			wg_peer_free(p);
		}
		free(d->set);
		d->set = NULL;
	}
	if (d->aips) {
		wg_aip_free(d->aips);
		free(d->aips);
		d->aips = NULL;
	}
	free(d->index);
	d->index = NULL;
	OPENSSL_cleanse(d->priv, sizeof(d->priv));
	OPENSSL_cleanse(&d->cookie, sizeof(d->cookie));
}

/* ---- peers ---- */

struct wg_peer *wg_peer_find(const struct wg_device *d, const uint8_t pub[WG_KEY_LEN])
{
	const struct wg_peer_set *s = __atomic_load_n(&d->set, __ATOMIC_ACQUIRE);

	for (uint32_t i = 0; s && i < s->n; i++)
		if (memcmp(s->p[i]->pub, pub, WG_KEY_LEN) == 0)
			return s->p[i];
	return NULL;
}

void wg_peer_free(void *ptr)
{
	struct wg_peer *p = ptr;

	if (p == NULL)
		return;
	OPENSSL_cleanse(p, sizeof(*p));
	free(p);
}

static int publish(struct wg_device *d, struct wg_peer *add, struct wg_peer *del)
{
	const struct wg_peer_set *old = d->set;
	struct wg_peer_set *ns = calloc(1, sizeof(*ns) + sizeof(ns->p[0]) * (old->n + 1));
	struct wg_allowedips *na = malloc(sizeof(*na)), *oa = d->aips;

	if (ns == NULL || na == NULL || wg_aip_clone(na, d->aips) != 0) {
		free(ns);
		free(na);
		return -ENOMEM;
	}
	for (uint32_t i = 0; i < old->n; i++)
		if (old->p[i] != del)
			ns->p[ns->n++] = old->p[i];
	if (del)
		wg_aip_remove_peer(na, del);
	if (add) {
		ns->p[ns->n++] = add;
		for (int i = 0; i < add->n_aips; i++)
			if (wg_aip_insert(na, add->aips[i].family, add->aips[i].addr,
					  add->aips[i].plen, add) != 0) {
				free(ns);
				aips_free(na);
				return -ENOMEM;
			}
	}
	__atomic_store_n(&d->set, ns, __ATOMIC_RELEASE);
	__atomic_store_n(&d->aips, na, __ATOMIC_RELEASE);
	retire(d, (void *)old, free_ptr);
	retire(d, oa, aips_free);
	return 0;
}

struct wg_peer *wg_peer_add(struct wg_device *d, const struct wg_peer_cfg *pc, unsigned owner,
			    int *err)
{
	struct wg_peer *p;
	int rc;

	if (memcmp(pc->pub, d->pub, WG_KEY_LEN) == 0 || pc->n_aips < 0 ||
	    pc->n_aips > WG_MAX_AIPS_PER_PEER) {
		*err = -EINVAL;
		return NULL;
	}
	if (wg_peer_find(d, pc->pub)) {
		*err = -EEXIST;
		return NULL;
	}
	if (d->set->n >= WG_MAX_PEERS) {
		*err = -ENOSPC;
		return NULL;
	}
	p = aligned_alloc(64, (sizeof(*p) + 63) & ~(size_t)63);
	if (p == NULL) {
		*err = -ENOMEM;
		return NULL;
	}
	memset(p, 0, sizeof(*p));
	p->dev = d;
	p->id = d->next_peer_id++;
	p->owner = owner;
	memcpy(p->pub, pc->pub, WG_KEY_LEN);
	memcpy(p->psk, pc->psk, WG_KEY_LEN);
	p->ss_ok = rb_x25519_shared(p->ss, d->priv, p->pub) == 0;
	memcpy(p->reserved, pc->reserved, 3);
	p->keepalive_interval = pc->keepalive_interval;
	p->n_aips = pc->n_aips;
	memcpy(p->aips, pc->aips, sizeof(p->aips[0]) * (size_t)pc->n_aips);
	p->ep = pc->ep;
	p->jitter_state = ((uint64_t)p->id << 32) ^ (uint64_t)(uintptr_t)p ^ 0x9e3779b97f4a7c15ull;
	wg_cookie_maker_init(&p->cookie, p->pub);
	rc = publish(d, p, NULL);
	if (rc) {
		wg_peer_free(p);
		*err = rc;
		return NULL;
	}
	*err = 0;
	return p;
}

int wg_peer_unpublish(struct wg_device *d, struct wg_peer *p)
{
	int rc = publish(d, NULL, p);

	if (rc == 0)
		__atomic_store_n(&p->removed, 1, __ATOMIC_RELEASE);
	return rc;
}

void wg_peer_release(struct wg_peer *p)
{
	struct wg_device *d = p->dev;

	wg_peer_clear_keys(p);
	p->t_retransmit = p->t_keepalive = p->t_new_handshake = p->t_zero_keys =
		p->t_persistent = 0;
	retire(d, p, wg_peer_free);
}

/* ---- endpoint (seqcount: owner writes, any worker reads) ---- */

void wg_peer_set_endpoint(struct wg_peer *p, const struct wg_endpoint *ep)
{
	uint32_t s;

	if (memcmp(&p->ep, ep, sizeof(*ep)) == 0)
		return;
	s = p->ep_seq;
	__atomic_store_n(&p->ep_seq, s + 1, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_RELEASE);
	memcpy(&p->ep, ep, sizeof(*ep));
	__atomic_store_n(&p->ep_seq, s + 2, __ATOMIC_RELEASE);
}

void wg_peer_get_endpoint(const struct wg_peer *p, struct wg_endpoint *ep)
{
	uint32_t s1, s2;

	do {
		s1 = __atomic_load_n(&p->ep_seq, __ATOMIC_ACQUIRE);
		memcpy(ep, (const void *)&p->ep, sizeof(*ep));
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		s2 = __atomic_load_n(&p->ep_seq, __ATOMIC_RELAXED);
	} while ((s1 & 1) || s1 != s2);
}

/* ---- keypairs for sending ---- */

struct wg_keypair *wg_keypair_reserve(struct wg_peer *p, uint64_t now, uint32_t n,
				      uint64_t *counter)
{
	struct wg_keypair *kp = __atomic_load_n(&p->keys[WG_KP_CURRENT], __ATOMIC_ACQUIRE);
	const struct wg_device *d = p->dev;
	uint64_t c;

	if (kp == NULL || now - kp->birth >= wg_time(d, WG_REJECT_AFTER_TIME))
		return NULL;
	c = __atomic_fetch_add(&kp->send_counter, n, __ATOMIC_RELAXED);
	if (c + n >= WG_REJECT_AFTER_MESSAGES)
		return NULL;
	*counter = c;
	/* keep_key_fresh (send): ask the owner for a new handshake. */
	if (c + n > WG_REKEY_AFTER_MESSAGES ||
	    (kp->initiator && now - kp->birth >= wg_time(d, WG_REKEY_AFTER_TIME)))
		__atomic_store_n(&p->ev_want_handshake, 1, __ATOMIC_RELEASE);
	return kp;
}

bool wg_keypair_rx_valid(const struct wg_device *d, const struct wg_keypair *kp, uint64_t now)
{
	return now - kp->birth < wg_time(d, WG_REJECT_AFTER_TIME) &&
	       kp->replay.counter < WG_REJECT_AFTER_MESSAGES;
}

/* Any worker: note a sent message for the owner's timers. */
static void note_sent(struct wg_peer *p, uint64_t now, size_t inner_len)
{
	__atomic_store_n(&p->ev_any_sent, now, __ATOMIC_RELEASE);
	if (inner_len)
		__atomic_store_n(&p->ev_data_sent, now, __ATOMIC_RELEASE);
}
void wg_note_sent(struct wg_peer *p, uint64_t now, size_t inner_len, uint64_t npkts,
		  uint64_t bytes)
{
	note_sent(p, now, inner_len);
	__atomic_fetch_add(&p->st.tx_packets, npkts, __ATOMIC_RELAXED);
	__atomic_fetch_add(&p->st.tx_bytes, bytes, __ATOMIC_RELAXED);
}

int wg_encrypt_buf(struct wg_peer *p, struct wg_ctx *x, const uint8_t *inner, size_t len,
		   uint8_t *out, size_t out_cap)
{
	size_t plen = wg_padded_len(len, p->dev->mtu);
	struct wg_msg_data *h = (struct wg_msg_data *)out;
	struct wg_keypair *kp;
	uint8_t nonce[12];
	uint64_t ctr;

	if (out_cap < WG_DATA_MIN_LEN + plen)
		return -1;
	kp = wg_keypair_reserve(p, x->now, 1, &ctr);
	if (kp == NULL) {
		__atomic_store_n(&p->ev_want_handshake, 1, __ATOMIC_RELEASE);
		return -1;
	}
	h->h.type = WG_MSG_DATA;
	memcpy(h->h.reserved, p->reserved, 3);
	h->receiver = htole32(kp->remote_index);
	h->counter = htole64(ctr);
	if (len)
		memmove(out + WG_DATA_HDR_LEN, inner, len);
	memset(out + WG_DATA_HDR_LEN + len, 0, plen - len);
	wg_counter_nonce(nonce, ctr);
	if (rb_aead_seal(x->aead, &kp->send, nonce, NULL, 0, out + WG_DATA_HDR_LEN,
			 out + WG_DATA_HDR_LEN, (uint32_t)plen,
			 out + WG_DATA_HDR_LEN + plen) != RB_AEAD_OK)
		return -1;
	wg_note_sent(p, x->now, len, len ? 1 : 0, len);
	return (int)(WG_DATA_MIN_LEN + plen);
}

int wg_data_post(struct wg_peer *p, struct wg_keypair *kp, struct wg_ctx *x, uint64_t counter,
		 const struct wg_endpoint *from, size_t inner_len)
{
	if (!wg_replay_check(&kp->replay, counter))
		return -EALREADY;
	wg_timers_fold(p);
	if (from && from->family)
		wg_peer_set_endpoint(p, from);   /* roaming (section 6.4) */
	if (wg_keypair_received_with(p, kp)) {
		wg_timers_handshake_complete(p, x->now);
		p->st.hs_completed++;
		x->st->hs_completed++;
		if (p->dev->env.keys_ready)
			p->dev->env.keys_ready(p->dev->env.ctx, p);
	}
	wg_timers_check_rekey_on_receive(p, x, kp);
	wg_timers_any_authenticated_received(p, x->now);
	wg_timers_traversal(p, x->now);
	if (inner_len)
		wg_timers_data_received(p, x->now);
	return 0;
}

int wg_decrypt_buf(struct wg_device *d, struct wg_ctx *x, uint8_t *msg, size_t len,
		   const struct wg_endpoint *from, struct wg_peer **peer)
{
	const struct wg_msg_data *h = (const struct wg_msg_data *)msg;
	struct wg_keypair *kp;
	uint8_t nonce[12];
	uint64_t ctr;
	size_t plen;
	int rc;

	if (len < WG_DATA_MIN_LEN || h->h.type != WG_MSG_DATA)
		return -EBADMSG;
	kp = wg_index_lookup(d, le32toh(h->receiver), WG_IDX_KEYPAIR);
	if (kp == NULL)
		return -ENOENT;
	if (!wg_keypair_rx_valid(d, kp, x->now))
		return -ESTALE;
	ctr = le64toh(h->counter);
	plen = len - WG_DATA_MIN_LEN;
	wg_counter_nonce(nonce, ctr);
	if (rb_aead_open(x->aead, &kp->recv, nonce, NULL, 0, msg + WG_DATA_HDR_LEN,
			 msg + WG_DATA_HDR_LEN, (uint32_t)plen,
			 msg + WG_DATA_HDR_LEN + plen) != RB_AEAD_OK)
		return -EBADMSG;
	rc = wg_data_post(kp->peer, kp, x, ctr, from, plen);
	if (rc)
		return rc;
	*peer = kp->peer;
	return (int)plen;
}

int wg_inner_check(const struct wg_device *d, const struct wg_peer *p, const uint8_t *pkt,
		   size_t len)
{
	const struct wg_allowedips *a = __atomic_load_n(&d->aips, __ATOMIC_ACQUIRE);
	size_t ip_len;
	int fam;

	if (len < 20)
		return -1;
	if ((pkt[0] >> 4) == 4) {
		ip_len = (size_t)pkt[2] << 8 | pkt[3];
		if (ip_len < 20 || ip_len > len || (size_t)(pkt[0] & 0xf) * 4 > ip_len)
			return -1;
		fam = AF_INET;
		if (wg_aip_lookup(a, fam, pkt + 12) != p)
			return -2;
	} else if ((pkt[0] >> 4) == 6 && len >= 40) {
		ip_len = ((size_t)pkt[4] << 8 | pkt[5]) + 40;
		if (ip_len > len)
			return -1;
		fam = AF_INET6;
		if (wg_aip_lookup(a, fam, pkt + 8) != p)
			return -2;
	} else {
		return -1;
	}
	return (int)ip_len;
}

/* ---- handshake messages on the owner ---- */

static void send_to_peer(struct wg_peer *p, void *buf, size_t len)
{
	struct wg_endpoint ep;

	wg_peer_get_endpoint(p, &ep);
	if (ep.family == 0 || p->dev->env.send == NULL)
		return;
	/* `reserved` (WARP client id) goes in after the MACs, as sing-box does. */
	memcpy((uint8_t *)buf + 1, p->reserved, 3);
	p->dev->env.send(p->dev->env.ctx, p, &ep, buf, len);
}

int wg_send_initiation(struct wg_peer *p, struct wg_ctx *x, bool is_retry)
{
	struct wg_msg_initiation m;

	if (!is_retry)
		p->handshake_attempts = 0;
	if (__atomic_load_n(&p->removed, __ATOMIC_ACQUIRE))
		return -1;
	/* At most one initiation per REKEY_TIMEOUT (kernel send.c). */
	if (p->last_sent_handshake &&
	    x->now - p->last_sent_handshake < wg_time(p->dev, WG_REKEY_TIMEOUT))
		return -1;
	if (wg_noise_create_initiation(p, x, &m) != 0)
		return -1;
	wg_cookie_add_macs(&p->cookie, &m, sizeof(m), x->now);
	wg_timers_traversal(p, x->now);
	wg_timers_any_authenticated_sent(p, x->now);
	p->last_sent_handshake = x->now;
	send_to_peer(p, &m, sizeof(m));
	p->st.hs_initiated++;
	x->st->hs_initiated++;
	wg_timers_handshake_initiated(p, x->now);
	OPENSSL_cleanse(&m, sizeof(m));
	return 0;
}

void wg_send_keepalive(struct wg_peer *p, struct wg_ctx *x)
{
	uint8_t buf[WG_DATA_MIN_LEN];
	int n = wg_encrypt_buf(p, x, NULL, 0, buf, sizeof(buf));

	if (n < 0) {
		wg_send_initiation(p, x, false);
		return;
	}
	send_to_peer(p, buf, (size_t)n);
}

int wg_handle_initiation(struct wg_peer *p, struct wg_ctx *x, const struct wg_msg_initiation *m,
			 const struct wg_endpoint *from)
{
	struct wg_msg_response r;
	int rc = wg_noise_consume_initiation(p, x, m);

	if (rc) {
		if (rc == -EALREADY)
			x->st->hs_fail_replay++;
		else if (rc == -EAGAIN)
			x->st->hs_fail_flood++;
		else
			x->st->hs_fail_decrypt++;
		p->st.hs_failed++;
		return rc;
	}
	if (from && from->family)
		wg_peer_set_endpoint(p, from);
	wg_timers_traversal(p, x->now);
	p->last_sent_handshake = x->now;
	if (wg_noise_create_response(p, x, &r) != 0) {
		x->st->hs_fail_state++;
		return -EIO;
	}
	wg_cookie_add_macs(&p->cookie, &r, sizeof(r), x->now);
	if (wg_noise_begin_session(p, x) != 0) {
		x->st->hs_fail_state++;
		return -ENOMEM;
	}
	wg_timers_session_derived(p, x->now);
	wg_timers_any_authenticated_sent(p, x->now);
	send_to_peer(p, &r, sizeof(r));
	x->st->hs_resp_sent++;
	wg_timers_any_authenticated_received(p, x->now);
	return 0;
}

int wg_handle_response(struct wg_peer *p, struct wg_ctx *x, const struct wg_msg_response *m,
		       const struct wg_endpoint *from)
{
	int rc = wg_noise_consume_response(p, x, m);

	if (rc) {
		if (rc == -ESTALE)
			x->st->hs_fail_state++;
		else
			x->st->hs_fail_decrypt++;
		p->st.hs_failed++;
		return rc;
	}
	if (from && from->family)
		wg_peer_set_endpoint(p, from);
	if (wg_noise_begin_session(p, x) != 0) {
		x->st->hs_fail_state++;
		return -ENOMEM;
	}
	wg_timers_session_derived(p, x->now);
	wg_timers_handshake_complete(p, x->now);
	p->st.hs_completed++;
	x->st->hs_completed++;
	/* Staged packets confirm the session; with none, a keepalive does. */
	if (!p->dev->env.keys_ready || p->dev->env.keys_ready(p->dev->env.ctx, p) == 0)
		wg_send_keepalive(p, x);
	wg_timers_any_authenticated_received(p, x->now);
	wg_timers_traversal(p, x->now);
	return 0;
}

int wg_handle_cookie(struct wg_peer *p, struct wg_ctx *x, const struct wg_msg_cookie *m)
{
	if (wg_cookie_consume(&p->cookie, x, m) != 0) {
		x->st->cookie_bad++;
		return -EBADMSG;
	}
	p->st.cookies_received++;
	x->st->cookies_received++;
	return 0;
}

/* ---- keys as text ---- */

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

void wg_key_to_base64(char out[45], const uint8_t key[WG_KEY_LEN])
{
	int o = 0;

	for (int i = 0; i < 30; i += 3) {
		uint32_t v = (uint32_t)key[i] << 16 | (uint32_t)key[i + 1] << 8 | key[i + 2];

		out[o++] = b64[(v >> 18) & 63];
		out[o++] = b64[(v >> 12) & 63];
		out[o++] = b64[(v >> 6) & 63];
		out[o++] = b64[v & 63];
	}
	{
		uint32_t v = (uint32_t)key[30] << 16 | (uint32_t)key[31] << 8;

		out[o++] = b64[(v >> 18) & 63];
		out[o++] = b64[(v >> 12) & 63];
		out[o++] = b64[(v >> 6) & 63];
		out[o++] = '=';
	}
	out[o] = '\0';
}

/* One decoder for WireGuard keys: the config loader's (strict, canonical as
 * wg(8)); the key is staged and wiped so a failed parse leaves key untouched. */
int wg_key_from_base64(uint8_t key[WG_KEY_LEN], const char *s)
{
	uint8_t out[WG_KEY_LEN];
	int rc = rb_cfg_wg_key(s, out);

	if (rc == 0)
		memcpy(key, out, WG_KEY_LEN);
	OPENSSL_cleanse(out, sizeof(out));
	return rc;
}
