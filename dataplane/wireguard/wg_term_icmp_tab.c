/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Terminated mode, ICMP echo relay: the identifier table (see
 * wg_term_icmp_tab.h).  Sessions are found by key through a chained hash;
 * replies by outer id, which names the slot directly.
 */
#include <string.h>
#include <sys/socket.h>

#include "wg_term_icmp_tab.h"

static unsigned alen(uint8_t family)
{
	return family == AF_INET ? 4 : 16;
}

static unsigned bucket_of(const struct wg_icmp_key *k)
{
	uint32_t h = (uint32_t)k->id * 2654435761u ^ (uint32_t)k->family ^ (uint32_t)k->ep << 8;

	for (unsigned i = 0; i < alen(k->family); i++)
		h = (h ^ k->src[i]) * 16777619u ^ k->dst[i];
	return h % WG_ICMP_TAB_BUCKETS;
}

static int key_eq(const struct wg_icmp_key *a, const struct wg_icmp_key *b)
{
	return a->family == b->family && a->ep == b->ep && a->id == b->id &&
	       memcmp(a->src, b->src, alen(a->family)) == 0 &&
	       memcmp(a->dst, b->dst, alen(a->family)) == 0;
}

void wg_icmp_tab_init(struct wg_icmp_tab *t, unsigned worker, unsigned n_workers, unsigned cap)
{
	unsigned space;

	memset(t, 0, sizeof(*t));
	if (n_workers == 0)
		n_workers = 1;
	space = 65536u / n_workers;
	if (cap == 0 || cap > WG_ICMP_TAB_MAX)
		cap = WG_ICMP_TAB_MAX;
	if (cap > space)
		cap = space;
	t->worker = worker;
	t->n_workers = n_workers;
	t->cap = cap;
	t->gens = space / cap;
	for (unsigned i = 0; i < WG_ICMP_TAB_BUCKETS; i++)
		t->bucket[i] = -1;
	t->free_head = -1;
	for (int i = (int)cap - 1; i >= 0; i--) {
		t->e[i].next = t->free_head;
		t->free_head = i;
	}
}

struct wg_icmp_ent *wg_icmp_tab_find(struct wg_icmp_tab *t, const struct wg_icmp_key *k)
{
	for (int32_t i = t->bucket[bucket_of(k)]; i >= 0; i = t->e[i].next)
		if (key_eq(&t->e[i].k, k))
			return &t->e[i];
	return NULL;
}

struct wg_icmp_ent *wg_icmp_tab_add(struct wg_icmp_tab *t, const struct wg_icmp_key *k,
				    const uint8_t *to, uint64_t now)
{
	unsigned b = bucket_of(k), slot;
	struct wg_icmp_ent *e;
	uint16_t gen;

	if (t->free_head < 0)
		return NULL;
	slot = (unsigned)t->free_head;
	e = &t->e[slot];
	t->free_head = e->next;
	gen = e->gen;
	memset(e, 0, sizeof(*e));
	e->gen = (uint16_t)((gen + 1u) % t->gens);
	e->k = *k;
	memcpy(e->to, to, alen(k->family));
	e->outer = (uint16_t)(t->worker + t->n_workers * (slot + t->cap * (unsigned)gen));
	e->used = 1;
	e->last = now;
	e->next = t->bucket[b];
	t->bucket[b] = (int32_t)slot;
	t->n_used++;
	return e;
}

struct wg_icmp_ent *wg_icmp_tab_reply(struct wg_icmp_tab *t, uint8_t family, const uint8_t *from,
				      uint16_t outer)
{
	struct wg_icmp_ent *e;
	unsigned k;

	if (outer % t->n_workers != t->worker)
		return NULL;
	k = outer / t->n_workers;
	if (k >= t->cap * t->gens)
		return NULL;
	e = &t->e[k % t->cap];
	if (!e->used || e->outer != outer || e->k.family != family ||
	    memcmp(e->to, from, alen(family)) != 0)
		return NULL;
	return e;
}

void wg_icmp_tab_del(struct wg_icmp_tab *t, struct wg_icmp_ent *e)
{
	int32_t slot = (int32_t)(e - t->e), *pp = &t->bucket[bucket_of(&e->k)];
	uint16_t gen = e->gen;

	if (!e->used)
		return;
	while (*pp >= 0 && *pp != slot)
		pp = &t->e[*pp].next;
	if (*pp == slot)
		*pp = e->next;
	memset(e, 0, sizeof(*e));
	e->gen = gen;
	e->next = t->free_head;
	t->free_head = slot;
	t->n_used--;
}

unsigned wg_icmp_tab_expire(struct wg_icmp_tab *t, uint64_t now,
			    void (*gone)(struct wg_icmp_ent *e, void *arg), void *arg)
{
	unsigned n = 0;

	for (unsigned i = 0; i < t->cap; i++) {
		struct wg_icmp_ent *e = &t->e[i];

		if (e->used && now - e->last > e->idle) {
			if (gone)
				gone(e, arg);
			wg_icmp_tab_del(t, e);
			n++;
		}
	}
	return n;
}
