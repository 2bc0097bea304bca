/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * SIP023 identity headers: see ss_eih.h.
 */
#include <openssl/crypto.h>
#include <stdlib.h>
#include <string.h>

#include "../../crypto/rb_blake3.h"
#include "ss2022.h"
#include "ss_eih.h"

static int is_aes(const struct ss_method *m)
{
	return m->alg == RB_AEAD_AES_128_GCM || m->alg == RB_AEAD_AES_256_GCM;
}

void ss_eih_psk_hash(const struct ss_method *m, const uint8_t *psk, uint8_t out[16])
{
	rb_blake3(psk, m->key_len, out, 16);
}

static int keys_init(struct ss22_keys *k, const struct ss_method *m, const uint8_t *psks,
		     unsigned n, int blocks)
{
	memset(k, 0, sizeof(*k));
	if (n == 0 || n > SS_EIH_MAX_PSKS || (n > 1 && !is_aes(m)))
		return -1;
	k->m = m;
	k->n = (uint8_t)n;
	for (unsigned i = 0; i < n; i++) {
		memcpy(k->psk[i], psks + (size_t)i * m->key_len, m->key_len);
		ss_eih_psk_hash(m, k->psk[i], k->hash[i]);
		if (blocks && is_aes(m) && ss22_block_init(&k->blk[i], k->psk[i], m->key_len) != 0) {
			ss22_keys_free(k);
			return -1;
		}
	}
	return 0;
}

int ss22_keys_init(struct ss22_keys *k, const struct ss_method *m, const uint8_t *psks, unsigned n)
{
	return keys_init(k, m, psks, n, 1);
}

static int keys_decode(struct ss22_keys *k, const struct ss_method *m, const char *text,
		       int blocks)
{
	uint8_t raw[SS_EIH_MAX_PSKS * 32];
	char part[64];
	unsigned n = 0;
	const char *p = text;
	int rc = -1;

	memset(k, 0, sizeof(*k));
	for (;;) {
		const char *e = strchr(p, ':');
		size_t l = e ? (size_t)(e - p) : strlen(p);

		if (n == SS_EIH_MAX_PSKS || l == 0 || l >= sizeof(part))
			goto out;
		memcpy(part, p, l);
		part[l] = '\0';
		if (ss2022_psk_decode(m, part, raw + (size_t)n * m->key_len) != 0)
			goto out;
		n++;
		if (e == NULL)
			break;
		p = e + 1;
	}
	rc = keys_init(k, m, raw, n, blocks);
out:
	OPENSSL_cleanse(raw, sizeof(raw));
	OPENSSL_cleanse(part, sizeof(part));
	return rc;
}

int ss22_keys_decode(struct ss22_keys *k, const struct ss_method *m, const char *text)
{
	return keys_decode(k, m, text, 1);
}

int ss22_keys_decode_tcp(struct ss22_keys *k, const struct ss_method *m, const char *text)
{
	return keys_decode(k, m, text, 0);
}

void ss22_keys_free(struct ss22_keys *k)
{
	for (unsigned i = 0; i < SS_EIH_MAX_PSKS; i++)
		ss22_block_free(&k->blk[i]);
	OPENSSL_cleanse(k, sizeof(*k));
}

static void identity_subkey(const struct ss_method *m, const uint8_t *ipsk, const uint8_t *salt,
			    uint8_t *out)
{
	uint8_t mat[64];

	memcpy(mat, ipsk, m->key_len);
	memcpy(mat + m->key_len, salt, m->key_len);
	rb_blake3_derive_key(SS_EIH_SUBKEY_CTX, sizeof(SS_EIH_SUBKEY_CTX) - 1, mat,
			     2u * m->key_len, out, m->key_len);
	OPENSSL_cleanse(mat, sizeof(mat));
}

int ss_eih_tcp_build(const struct ss22_keys *k, const uint8_t *salt, uint8_t *out)
{
	uint8_t sub[32];
	int rc = 0;

	for (unsigned i = 0; i + 1 < k->n && rc == 0; i++) {
		identity_subkey(k->m, k->psk[i], salt, sub);
		rc = ss22_block_once(sub, k->m->key_len, 1, k->hash[i + 1], out + 16 * i);
	}
	OPENSSL_cleanse(sub, sizeof(sub));
	return rc;
}

int ss_eih_udp_build(const struct ss22_keys *k, const uint8_t sep[16], uint8_t *out)
{
	for (unsigned i = 0; i + 1 < k->n; i++) {
		uint8_t x[16];

		for (int j = 0; j < 16; j++)
			x[j] = k->hash[i + 1][j] ^ sep[j];
		if (ss22_block_encrypt(&k->blk[i], x, out + 16 * i) != 0)
			return -1;
	}
	return 0;
}

int ss_eih_users_init(struct ss_eih_users *t, const struct ss_method *m, const uint8_t *ipsk)
{
	memset(t, 0, sizeof(*t));
	if (!is_aes(m))
		return -1;
	t->m = m;
	memcpy(t->ipsk, ipsk, m->key_len);
	if (ss22_block_init(&t->iblk, ipsk, m->key_len) != 0) {
		OPENSSL_cleanse(t, sizeof(*t));
		return -1;
	}
	return 0;
}

static size_t lower_bound(const struct ss_eih_users *t, const uint8_t hash[16])
{
	size_t lo = 0, hi = t->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (memcmp(t->u[mid].hash, hash, 16) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

int ss_eih_users_add(struct ss_eih_users *t, const uint8_t *upsk, uint32_t id)
{
	struct ss_eih_user e;
	size_t at;

	memset(&e, 0, sizeof(e));
	ss_eih_psk_hash(t->m, upsk, e.hash);
	at = lower_bound(t, e.hash);
	if (at < t->n && memcmp(t->u[at].hash, e.hash, 16) == 0)
		return -1;
	memcpy(e.psk, upsk, t->m->key_len);
	e.id = id;
	if (ss22_block_init(&e.blk, upsk, t->m->key_len) != 0) {
		OPENSSL_cleanse(&e, sizeof(e));
		return -1;
	}
	if (t->n == t->cap) {
		uint32_t cap = t->cap ? 2 * t->cap : 8;
		struct ss_eih_user *u = calloc(cap, sizeof(*u));

		if (u == NULL) {
			ss22_block_free(&e.blk);
			OPENSSL_cleanse(&e, sizeof(e));
			return -1;
		}
		if (t->n)
			memcpy(u, t->u, (size_t)t->n * sizeof(*u));
		if (t->u)
			OPENSSL_cleanse(t->u, (size_t)t->cap * sizeof(*u));
		free(t->u);
		t->u = u;
		t->cap = cap;
	}
	memmove(t->u + at + 1, t->u + at, (t->n - at) * sizeof(*t->u));
	t->u[at] = e;
	t->n++;
	OPENSSL_cleanse(&e, sizeof(e));
	return 0;
}

void ss_eih_users_free(struct ss_eih_users *t)
{
	for (uint32_t i = 0; i < t->n; i++)
		ss22_block_free(&t->u[i].blk);
	if (t->u)
		OPENSSL_cleanse(t->u, (size_t)t->cap * sizeof(*t->u));
	free(t->u);
	ss22_block_free(&t->iblk);
	OPENSSL_cleanse(t, sizeof(*t));
}

const struct ss_eih_user *ss_eih_users_find(const struct ss_eih_users *t, const uint8_t hash[16])
{
	size_t at = lower_bound(t, hash);

	return at < t->n && memcmp(t->u[at].hash, hash, 16) == 0 ? &t->u[at] : NULL;
}

static const struct ss_eih_user *found(struct ss_eih_users *t, const uint8_t hash[16])
{
	const struct ss_eih_user *u = ss_eih_users_find(t, hash);

	if (u == NULL)
		t->unknown++;
	return u;
}

const struct ss_eih_user *ss_eih_tcp_identify(struct ss_eih_users *t, const uint8_t *salt,
					      const uint8_t eih[16])
{
	uint8_t sub[32], h[16];
	int rc;

	identity_subkey(t->m, t->ipsk, salt, sub);
	rc = ss22_block_once(sub, t->m->key_len, 0, eih, h);
	OPENSSL_cleanse(sub, sizeof(sub));
	if (rc != 0)
		return NULL;
	return found(t, h);
}

const struct ss_eih_user *ss_eih_udp_identify(struct ss_eih_users *t, const uint8_t sep[16],
					      const uint8_t eih[16])
{
	uint8_t h[16];

	if (ss22_block_decrypt(&t->iblk, eih, h) != 0)
		return NULL;
	for (int j = 0; j < 16; j++)
		h[j] ^= sep[j];
	return found(t, h);
}

const struct ss_eih_user *ss_eih_udp_relay(struct ss_eih_users *t, uint8_t *pkt, size_t len)
{
	const struct ss_eih_user *u;
	uint8_t sep[16];

	if (len < 32 || ss22_block_decrypt(&t->iblk, pkt, sep) != 0)
		return NULL;
	u = ss_eih_udp_identify(t, sep, pkt + 16);
	if (u == NULL || ss22_block_encrypt(&u->blk, sep, pkt + 16) != 0)
		u = NULL;
	OPENSSL_cleanse(sep, sizeof(sep));
	return u;
}
