/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The rule compiler's build state (route_compile.c), shared with its
 * keyword automaton builder (route_ac.c).  Private to the compiler.
 */
#ifndef RB_ROUTE_CC_H
#define RB_ROUTE_CC_H

#include <stddef.h>
#include <stdint.h>

#include "rb_route_ctl.h"
#include "route_kwq.h"
#include "../dataplane/route/rb_route.h"

/* A growable array of sz-byte elements. */
struct rc_vec {
	void *p;
	size_t n, cap, sz;
};

struct rc_ctx {
	const struct rb_cfg_routing *r;
	struct rc_vec nodes;            /* struct rb_rt_node */
	struct rc_vec cfgn;             /* const struct rb_cfg_rule * per node */
	struct rc_vec pool;             /* uint32_t */
	struct rc_vec strs;             /* char */
	struct rc_vec doms;             /* struct dkey */
	struct rc_vec kws;              /* struct rb_route_kw */
	struct rc_vec pfx[RB_RT_NIMAP]; /* struct pkey */
	struct rc_vec rx;               /* struct rb_rt_rx */
	int oom;
	uint32_t ac_root_off;
	char *err;
	size_t errlen;
};

struct dkey {
	const char *s;               /* without the leading dot of ".a.com" */
	uint32_t len, flags, node;   /* RB_RT_DOM_WHOLE / RB_RT_DOM_SUB */
};

struct pkey {
	unsigned __int128 start;
	uint32_t plen, node;
};

int rb_rc_vgrow(struct rc_vec *v, size_t add);
void *rb_rc_vpush(struct rc_vec *v);
/* Append n ids to the pool; their offset (c->oom set on failure). */
uint32_t rb_rc_pool_add(struct rc_ctx *c, const uint32_t *v, size_t n);
/* Sort and dedupe n ids in place; returns the new count. */
size_t rb_rc_uniq(uint32_t *v, size_t n);

/* route_ac.c: the keywords' Aho-Corasick automaton (names read right to
 * left) and its dense DFA rows; NULL with c->oom set on failure. */
struct rb_rt_ac *rb_rc_build_ac(struct rc_ctx *c, uint32_t *n_out);
uint32_t *rb_rc_build_kw_dfa(struct rc_ctx *c, const struct rb_rt_ac *ac, uint32_t n_ac,
			     uint8_t cls[256], uint32_t *n_cls_out, uint32_t **map_out,
			     uint32_t **row_of_out, uint32_t *n_dense_out, uint32_t *out_row);

#endif
