/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef RB_NET_FRAG_ACCOUNT_H
#define RB_NET_FRAG_ACCOUNT_H
/*
 * Naming what rte_ip_frag refused.  One reassembly call may move mbufs to
 * the lcore's death row for several reasons; ip4.c and ip6.c count each
 * one here, with their own test for "a fragment of our datagram":
 *   of(e, key, &mid): is death-row entry e a fragment of the datagram
 *   identified by key (RFC 791 / RFC 8200 4.5: source, destination,
 *   identification)?  *mid: it has fragments after it and a non-zero
 *   offset (a middle fragment).
 * With `mine` (the fragment just offered) refused, our datagram's
 * fragments are FRAG_TOO_MANY when it gave up RTE_LIBRTE_IP_FRAG_MAX_FRAG
 * - 1 middle fragments (only the "more fragments than slots" refusal holds
 * that many: a datagram refused at its end holds at most MAX_FRAG - 2
 * middles, `mine` among them), else FRAG_BAD (overlap or duplicate per
 * RFC 5722, a hole); `mine` alone is a full table; anything else (evicted
 * stale entries, of either family, since the table is shared) timed out.
 * Off the fast path: only called on fragments, after a refusal.
 */
#include <stdbool.h>
#include <stdint.h>
#include <rte_ip_frag.h>
#include "../rb_lcore.h"

typedef bool (*rb_frag_of_fn)(const struct rte_mbuf *e, const void *key, bool *mid);

static inline void rb_frag_account(struct rb_lcore *lc, uint32_t before, const struct rte_mbuf *mine,
				   rb_frag_of_fn of, const void *key)
{
	struct rte_ip_frag_death_row *dr = &lc->frag_dr;
	uint32_t ours = 0, mids = 0;
	bool refused = false, mid;

	for (uint32_t k = before; k < dr->cnt; k++) {
		if (of(dr->row[k], key, &mid)) {
			ours++;
			mids += mid;
		}
		for (const struct rte_mbuf *s = dr->row[k]; s != NULL; s = s->next)
			if (s == mine)
				refused = true;
	}
	for (uint32_t k = before; k < dr->cnt; k++) {
		if (!refused || !of(dr->row[k], key, &mid))
			rb_drop_count(lc, RB_DROP_FRAG_TIMEOUT);
		else if (ours == 1 && dr->row[k] == mine)
			rb_drop_count(lc, RB_DROP_FRAG_TABLE_FULL);
		else if (mids >= RTE_LIBRTE_IP_FRAG_MAX_FRAG - 1)
			rb_drop_count(lc, RB_DROP_FRAG_TOO_MANY);
		else
			rb_drop_count(lc, RB_DROP_FRAG_BAD);
	}
}

#endif
