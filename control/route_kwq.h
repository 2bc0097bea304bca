/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The keyword q-gram index of the rule compiler (route_kwq.c), used instead
 * of the Aho-Corasick automaton for large keyword sets (rt_wire.h, "kwq").
 */
#ifndef RB_ROUTE_KWQ_H
#define RB_ROUTE_KWQ_H

#include <stddef.h>
#include <stdint.h>
#include "../dataplane/route/rt_wire.h"

/* One domain_keyword value of one node. */
struct rb_route_kw {
	const char *s;
	uint32_t node;
	uint32_t key;                   /* strtab offset of s */
};

struct rb_route_kwq {
	struct rb_rt_kwq *ent;          /* n_ent, grouped by bucket; ids.off into ids */
	uint32_t n_ent, mask, lens;
	uint32_t *start;                /* mask + 2 */
	uint64_t *bits;                 /* (mask + 1) / 64 */
	uint32_t *ids;                  /* n_ids node ids (each entry's list) */
	uint32_t n_ids;
};

/* Build the index of the n keywords (reordered in place).  0 or -ENOMEM. */
int rb_route_kwq_build(struct rb_route_kw *kw, size_t n, struct rb_route_kwq *out);
void rb_route_kwq_free(struct rb_route_kwq *q);

#endif
