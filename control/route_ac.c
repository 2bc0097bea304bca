/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The rule compiler's keyword index (route_compile.c): an Aho-Corasick
 * automaton over every domain_keyword value, built on the reversed
 * keywords because the matcher reads a name right to left, with fail and
 * output links, numbered in BFS order; then its shallow states as a dense
 * DFA over byte classes (rt_wire.h "kw").
 */
#include <stdlib.h>
#include <string.h>

#include "route_cc.h"

/* ------------------------------------------------------------ keywords (Aho-Corasick) */

struct acb {                      /* build-time state */
	uint32_t *edges;          /* byte << 24 | target, sorted */
	uint32_t n_edges, cap;
	uint32_t fail, out_next, depth;
	uint32_t *ids;
	uint32_t n_ids, cap_ids;
};

static int u32_append(uint32_t **v, uint32_t *n, uint32_t *cap, uint32_t x)
{
	if (*n == *cap) {
		uint32_t nc = *cap ? *cap * 2 : 2;
		uint32_t *p = realloc(*v, nc * 4);

		if (!p)
			return -1;
		*v = p;
		*cap = nc;
	}
	(*v)[(*n)++] = x;
	return 0;
}

static int64_t ac_find(const struct acb *s, unsigned char ch)
{
	uint32_t lo = 0, hi = s->n_edges;

	while (lo < hi) {
		uint32_t mid = (lo + hi) / 2;

		if ((s->edges[mid] >> 24) < ch)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < s->n_edges && (s->edges[lo] >> 24) == ch)
		return s->edges[lo] & 0xffffff;
	return -1 - (int64_t)lo;
}

struct rb_rt_ac *rb_rc_build_ac(struct rc_ctx *c, uint32_t *n_out)
{
	struct rb_route_kw *kw = c->kws.p;
	struct rc_vec st = {.sz = sizeof(struct acb)};
	struct rb_rt_ac *out = NULL;
	uint32_t *order = NULL, *newid = NULL, nq = 0;

	*n_out = 0;
	if (!c->kws.n)
		return NULL;
	if (!rb_rc_vpush(&st))
		goto oom;
	memset(st.p, 0, sizeof(struct acb));
	for (size_t i = 0; i < c->kws.n; i++) {
		const unsigned char *kb = (const unsigned char *)kw[i].s;
		uint32_t s = 0;

		/* reversed: the matcher reads the name right to left */
		for (const unsigned char *p = kb + strlen(kw[i].s); p-- > kb;) {
			struct acb *cur = (struct acb *)st.p + s;
			int64_t f = ac_find(cur, *p);

			if (f >= 0) {
				s = (uint32_t)f;
				continue;
			}
			{
				uint32_t pos = (uint32_t)(-1 - f), ns = (uint32_t)st.n;
				struct acb *nn;

				if (ns >= (1u << 24) || !rb_rc_vpush(&st))
					goto oom;
				nn = (struct acb *)st.p + ns;
				memset(nn, 0, sizeof(*nn));
				cur = (struct acb *)st.p + s;
				nn->depth = cur->depth + 1;
				if (u32_append(&cur->edges, &cur->n_edges, &cur->cap, 0))
					goto oom;
				memmove(cur->edges + pos + 1, cur->edges + pos,
					(cur->n_edges - 1 - pos) * 4);
				cur->edges[pos] = (uint32_t)*p << 24 | ns;
				s = ns;
			}
		}
		{
			struct acb *end = (struct acb *)st.p + s;

			if (u32_append(&end->ids, &end->n_ids, &end->cap_ids, kw[i].node))
				goto oom;
		}
	}
	/* BFS: order, fail links, output links */
	order = malloc(st.n * 4);
	newid = malloc(st.n * 4);
	if (!order || !newid)
		goto oom;
	order[nq++] = 0;
	for (uint32_t qi = 0; qi < nq; qi++) {
		uint32_t s = order[qi];
		struct acb *S = (struct acb *)st.p + s;

		for (uint32_t e = 0; e < S->n_edges; e++) {
			uint32_t ch = S->edges[e] >> 24, t = S->edges[e] & 0xffffff, f;
			struct acb *T = (struct acb *)st.p + t;

			order[nq++] = t;
			if (s == 0) {
				f = 0;
			} else {
				uint32_t x = S->fail;
				int64_t g;

				for (;;) {
					g = ac_find((struct acb *)st.p + x, (unsigned char)ch);
					if (g >= 0 || x == 0)
						break;
					x = ((struct acb *)st.p)[x].fail;
				}
				f = g >= 0 ? (uint32_t)g : 0;
			}
			T->fail = f;
			{
				struct acb *F = (struct acb *)st.p + f;

				T->out_next = F->n_ids ? f : F->out_next;
			}
		}
	}
	for (uint32_t i = 0; i < nq; i++)
		newid[order[i]] = i;
	out = calloc(st.n, sizeof(*out));
	if (!out)
		goto oom;
	for (uint32_t i = 0; i < nq; i++) {
		struct acb *S = (struct acb *)st.p + order[i];
		struct rb_rt_ac *o = &out[i];

		for (uint32_t e = 0; e < S->n_edges; e++)
			S->edges[e] = (S->edges[e] & 0xff000000u) | newid[S->edges[e] & 0xffffff];
		o->edge_off = rb_rc_pool_add(c, S->edges, S->n_edges);
		o->n_edges = S->n_edges;
		o->fail = newid[S->fail];
		o->out_next = S->out_next ? newid[S->out_next] : 0;
		if (S->n_ids) {
			size_t k = rb_rc_uniq(S->ids, S->n_ids);

			o->ids.off = rb_rc_pool_add(c, S->ids, k);
			o->ids.n = (uint32_t)k;
		}
	}
	{
		uint32_t root[256] = {0};
		const struct rb_rt_ac *r0 = &out[0];

		for (uint32_t e = 0; e < r0->n_edges; e++) {
			uint32_t x = ((uint32_t *)c->pool.p)[r0->edge_off + e];

			root[x >> 24] = x & 0xffffff;
		}
		c->ac_root_off = rb_rc_pool_add(c, root, 256);
	}
	*n_out = (uint32_t)st.n;
oom:
	if (!out)
		c->oom = 1;
	for (size_t i = 0; i < st.n; i++) {
		free(((struct acb *)st.p)[i].edges);
		free(((struct acb *)st.p)[i].ids);
	}
	free(st.p);
	free(order);
	free(newid);
	return out;
}

size_t rb_route_kw_dfa_max = RB_RT_KW_DFA_MAX;

/* The automaton as a DFA over byte classes (bytes that occur in no keyword
 * share class 0) for its first n_dense states in BFS order, the shallow
 * ones, as many as fit in rb_route_kw_dfa_max bytes (all of them unless
 * there are tens of thousands of keywords).  A row holds, per class, the
 * next state's row offset, or RB_RT_KW_SPARSE | its automaton state when
 * that one is deeper (the matcher walks the sparse automaton from there).
 * Dense states without output are numbered first, so "has output" is one
 * compare (>= out_row) and the next-state load is all that is on the
 * critical path; map[] takes a row back to its automaton state, row_of[]
 * the other way.  BFS order puts every fail link before its state, so a
 * missing edge copies the fail state's finished row. */
uint32_t *rb_rc_build_kw_dfa(struct rc_ctx *c, const struct rb_rt_ac *ac, uint32_t n_ac,
			      uint8_t cls[256], uint32_t *n_cls_out, uint32_t **map_out,
			      uint32_t **row_of_out, uint32_t *n_dense_out, uint32_t *out_row)
{
	const uint32_t *pool = c->pool.p;
	uint32_t n_cls = 1, *t = NULL, *perm = NULL, *map = NULL, n_plain = 0, np = 0, nd;
	unsigned char rep[256];

	memset(cls, 0, 256);
	for (uint32_t s = 0; s < n_ac; s++)
		for (uint32_t e = 0; e < ac[s].n_edges; e++)
			cls[pool[ac[s].edge_off + e] >> 24] = 1;
	for (int b = 0; b < 256; b++)
		if (cls[b]) {
			rep[n_cls] = (unsigned char)b;
			cls[b] = (uint8_t)n_cls++;
		}
	*n_cls_out = n_cls;
	nd = (uint32_t)(rb_route_kw_dfa_max / ((size_t)n_cls * 4));
	if (nd > n_ac)
		nd = n_ac;
	if (nd == 0)
		nd = 1; /* the root's row at least */
	t = calloc((size_t)nd * n_cls, 4);
	perm = malloc((size_t)nd * 4);
	map = malloc((size_t)nd * 4);
	if (!t || !perm || !map)
		goto oom;
	/* dense states without output (the root among them) first */
	for (uint32_t pass = 0; pass < 2; pass++)
		for (uint32_t s = 0; s < nd; s++)
			if ((!ac[s].ids.n && !ac[s].out_next) == !pass) {
				n_plain += !pass;
				perm[s] = np * n_cls;
				map[np++] = s;
			}
	for (uint32_t s = 0; s < nd; s++) {
		uint32_t *row = t + perm[s];
		const uint32_t *e = pool + ac[s].edge_off;
		uint32_t k = 0;

		if (s)
			memcpy(row, t + perm[ac[s].fail], n_cls * 4);
		/* edges are sorted by byte, classes are numbered in byte order */
		for (uint32_t x = 1; x < n_cls && k < ac[s].n_edges; x++) {
			uint32_t to;

			if ((e[k] >> 24) != rep[x])
				continue;
			to = e[k++] & 0xffffff;
			row[x] = to < nd ? perm[to] : RB_RT_KW_SPARSE | to;
		}
	}
	*map_out = map;
	*row_of_out = perm;
	*n_dense_out = nd;
	*out_row = n_plain * n_cls;
	return t;
oom:
	c->oom = 1;
	free(t);
	free(perm);
	free(map);
	return NULL;
}
