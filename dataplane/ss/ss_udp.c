/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Shadowsocks SIP004 AEAD UDP packets, in bursts: see ss_udp.h.
 */
#include <openssl/crypto.h>
#include <string.h>

#include "ss_udp.h"

static const uint8_t zero_nonce[SS_MAX_NONCE];

static int burst_key(struct ss_udp_burst *w, unsigned i, const struct ss_method *m,
		     const uint8_t *master, const uint8_t *salt)
{
	uint8_t sub[SS_MAX_KEY];
	int rc = ss_subkey(m, master, salt, sub);

	if (rc == 0)
		rc = rb_aead_key_init(&w->key[i], (enum rb_aead_alg)m->alg, sub, m->key_len);
	OPENSSL_cleanse(sub, sizeof(sub));
	return rc;
}

static unsigned finish(struct rb_aead_ctx *ctx, struct ss_udp_burst *w, struct ss_udp_pkt *p,
		       unsigned n, unsigned bad, const int *slot)
{
	rb_aead_batch_run(ctx, &w->b);
	for (unsigned i = 0; i < n; i++) {
		const struct rb_aead_op *op;

		if (slot[i] < 0)
			continue;
		op = &w->b.op[slot[i]];
		if (op->status != RB_AEAD_OK) {
			p[i].out_len = op->status == RB_AEAD_EAUTH ? SS_ERR_AUTH : SS_ERR_INTERNAL;
			bad++;
		}
	}
	rb_aead_batch_reset(&w->b);
	return bad;
}

unsigned ss_udp_seal(struct rb_aead_ctx *ctx, struct ss_udp_burst *w, const struct ss_method *m,
		     const uint8_t *master, struct ss_udp_pkt *p, unsigned n)
{
	unsigned bad = 0, sl = m->key_len;
	int slot[SS_UDP_BURST];

	if (n > SS_UDP_BURST)
		n = SS_UDP_BURST;
	rb_aead_batch_reset(&w->b);
	for (unsigned i = 0; i < n; i++) {
		slot[i] = -1;
		if (burst_key(w, i, m, master, p[i].salt) != 0) {
			p[i].out_len = SS_ERR_INTERNAL;
			bad++;
			continue;
		}
		memcpy(p[i].out, p[i].salt, sl);
		slot[i] =
		    rb_aead_batch_add_seal(&w->b, &w->key[i], zero_nonce, NULL, 0, p[i].in,
					   p[i].out + sl, p[i].len, p[i].out + sl + p[i].len, NULL);
		p[i].out_len = (int32_t)(sl + p[i].len + SS_TAG_LEN);
	}
	return finish(ctx, w, p, n, bad, slot);
}

unsigned ss_udp_open(struct rb_aead_ctx *ctx, struct ss_udp_burst *w, const struct ss_method *m,
		     const uint8_t *master, struct ss_udp_pkt *p, unsigned n)
{
	unsigned bad = 0, sl = m->key_len;
	int slot[SS_UDP_BURST];

	if (n > SS_UDP_BURST)
		n = SS_UDP_BURST;
	rb_aead_batch_reset(&w->b);
	for (unsigned i = 0; i < n; i++) {
		uint32_t clen;

		slot[i] = -1;
		if (p[i].len < sl + SS_TAG_LEN) {
			p[i].out_len = SS_ERR_LEN;
			bad++;
			continue;
		}
		if (burst_key(w, i, m, master, p[i].in) != 0) {
			p[i].out_len = SS_ERR_INTERNAL;
			bad++;
			continue;
		}
		clen = p[i].len - sl - SS_TAG_LEN;
		slot[i] =
		    rb_aead_batch_add_open(&w->b, &w->key[i], zero_nonce, NULL, 0, p[i].in + sl,
					   p[i].out, clen, p[i].in + sl + clen, NULL);
		p[i].out_len = (int32_t)clen;
	}
	return finish(ctx, w, p, n, bad, slot);
}

void ss_udp_burst_wipe(struct ss_udp_burst *w) { OPENSSL_cleanse(w, sizeof(*w)); }
