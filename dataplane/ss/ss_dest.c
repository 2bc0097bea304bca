/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Shadowsocks 2022 relay destinations: see ss_dest.h.  Each worker has
 * its own table per relay inbound (an ss_eih_users: the relay's iPSK and
 * the destinations' keys, sorted by BLAKE3 hash, the caller's id being the
 * destination's index), built before the workers start and only read by
 * its worker afterwards.
 */
#include <openssl/crypto.h>
#include <stdlib.h>
#include <string.h>

#include "../../config/rb_cfg_proxy.h"
#include "../rb_lcore.h"
#include "../rb_log.h"
#include "ss2022.h"
#include "ss_dest.h"
#include "ss_eih.h"

static struct ss_eih_users *tabs[RB_MAX_LCORES][RB_MAX_INBOUNDS];

static const struct ss_method *method_of(const struct rb_cfg_inbound *in)
{
	if (in->type != RB_IN_SHADOWSOCKS || in->n_dests == 0)
		return NULL;
	return ss2022_method_find(rb_cfg_ss_method_name(in->ss_method));
}

size_t ss_dest_hdr_len(const struct rb_cfg_proxy *p, int inbound)
{
	const struct ss_method *m = method_of(&p->inbounds[inbound]);

	return m ? (size_t)m->key_len + SS_EIH_LEN : 0;
}

static struct ss_eih_users *build(const struct rb_cfg_inbound *in, const struct ss_method *m)
{
	struct ss_eih_users *t = calloc(1, sizeof(*t));
	uint8_t key[32];
	int ok = t != NULL && ss2022_psk_decode(m, in->password, key) == 0 &&
		 ss_eih_users_init(t, m, key) == 0;

	for (int d = 0; ok && d < in->n_dests; d++) {
		ok = ss2022_psk_decode(m, in->dests[d].password, key) == 0 &&
		     ss_eih_users_add(t, key, (uint32_t)d) == 0;
		if (!ok)
			RB_ERR("shadowsocks relay '%s': destination '%s': bad or duplicate key",
			       in->tag, in->dests[d].name);
	}
	OPENSSL_cleanse(key, sizeof(key));
	if (!ok && t) {
		if (t->m)
			ss_eih_users_free(t);
		free(t);
		t = NULL;
	}
	return t;
}

int ss_dest_lcore_init(struct rb_lcore *lc, const struct rb_cfg_proxy *p)
{
	unsigned w = lc->worker;

	if (w >= RB_MAX_LCORES)
		return -1;
	for (int i = 0; i < p->n_inbounds && i < RB_MAX_INBOUNDS; i++) {
		const struct ss_method *m = method_of(&p->inbounds[i]);

		if (m == NULL || tabs[w][i])
			continue;
		tabs[w][i] = build(&p->inbounds[i], m);
		if (tabs[w][i] == NULL)
			return -1;
	}
	return 0;
}

void ss_dest_lcore_fini(struct rb_lcore *lc)
{
	unsigned w = lc->worker;

	for (int i = 0; w < RB_MAX_LCORES && i < RB_MAX_INBOUNDS; i++) {
		if (tabs[w][i] == NULL)
			continue;
		ss_eih_users_free(tabs[w][i]);
		free(tabs[w][i]);
		tabs[w][i] = NULL;
	}
}

/* This worker's destination table of the inbound, or NULL. */
static struct ss_eih_users *dest_tab(const struct rb_lcore *lc, int inbound)
{
	if (lc->worker >= RB_MAX_LCORES || inbound < 0 || inbound >= RB_MAX_INBOUNDS)
		return NULL;
	return tabs[lc->worker][inbound];
}

int ss_dest_identify(struct rb_lcore *lc, int inbound, const uint8_t *hdr)
{
	struct ss_eih_users *t = dest_tab(lc, inbound);
	const struct ss_eih_user *u;

	if (t == NULL)
		return -1;
	/* salt first, then our identity header */
	u = ss_eih_tcp_identify(t, hdr, hdr + t->m->key_len);
	return u ? (int)u->id : -1;
}

int ss_dest_udp_relay(struct rb_lcore *lc, int inbound, uint8_t *pkt, size_t len)
{
	struct ss_eih_users *t = dest_tab(lc, inbound);
	const struct ss_eih_user *u;

	if (t == NULL)
		return -1;
	u = ss_eih_udp_relay(t, pkt, len);
	return u ? (int)u->id : -1;
}
