/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The rule compiler: struct rb_cfg_routing (config/rb_cfg_route.h) into
 * the flat table of dataplane/route/rt_wire.h.  Nodes are numbered top
 * level first, sub-rules after their parent; every index (domain hash,
 * keyword automaton, address interval maps) maps a key to the sorted
 * list of nodes that carry it, so the matcher visits candidates in rule
 * order.  O(n log n) in the number of items.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "rb_route_ctl.h"
#include "route_kwq.h"
#include "route_cc.h"
#include "../dataplane/route/rb_route.h"

/* ------------------------------------------------------------ buffers */

int rb_rc_vgrow(struct rc_vec *v, size_t add)
{
	if (v->n + add > v->cap) {
		size_t nc = v->cap ? v->cap * 2 : 256;
		void *np;

		while (nc < v->n + add)
			nc *= 2;
		np = realloc(v->p, nc * v->sz);
		if (!np)
			return -1;
		v->p = np;
		v->cap = nc;
	}
	return 0;
}

void *rb_rc_vpush(struct rc_vec *v)
{
	if (rb_rc_vgrow(v, 1))
		return NULL;
	return (char *)v->p + v->sz * v->n++;
}


uint32_t rb_rc_pool_add(struct rc_ctx *c, const uint32_t *v, size_t n)
{
	uint32_t off = (uint32_t)c->pool.n;

	if (rb_rc_vgrow(&c->pool, n)) {
		c->oom = 1;
		return 0;
	}
	if (n) /* v may be NULL for an empty list */
		memcpy((uint32_t *)c->pool.p + c->pool.n, v, n * 4);
	c->pool.n += n;
	return off;
}

static uint32_t str_add(struct rc_ctx *c, const char *s)
{
	size_t n = strlen(s) + 1;
	uint32_t off = (uint32_t)c->strs.n;

	if (rb_rc_vgrow(&c->strs, n)) {
		c->oom = 1;
		return 0;
	}
	memcpy((char *)c->strs.p + c->strs.n, s, n);
	c->strs.n += n;
	return off;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* Sort and dedupe n ids in place; returns the new count. */
size_t rb_rc_uniq(uint32_t *v, size_t n)
{
	size_t k = 0;

	if (n > 1)
		qsort(v, n, 4, cmp_u32);
	for (size_t i = 0; i < n; i++)
		if (!k || v[k - 1] != v[i])
			v[k++] = v[i];
	return k;
}

static int find_tag(char (*tags)[RB_NAME_LEN], int n, const char *t)
{
	for (int i = 0; i < n; i++)
		if (strcmp(tags[i], t) == 0)
			return i;
	return -1;
}

/* ------------------------------------------------------------ nodes */

static void prefix_add(struct rc_ctx *c, const struct rb_cidr *p, int src, uint32_t node)
{
	int v6 = p->family == AF_INET6;
	struct pkey *k = rb_rc_vpush(&c->pfx[(src ? RB_RT_SRC4 : RB_RT_DST4) + v6]);
	unsigned __int128 a = 0;

	if (!k) {
		c->oom = 1;
		return;
	}
	for (int i = 0; i < (v6 ? 16 : 4); i++)
		a = a << 8 | p->addr[i];
	k->start = a;
	k->plen = p->plen;
	k->node = node;
}

static uint32_t ports_add(struct rc_ctx *c, const struct rb_cfg_ports *a, const struct rb_cfg_ports *b,
			  uint32_t *n)
{
	uint32_t off = (uint32_t)c->pool.n;

	*n = 0;
	for (int k = 0; k < 2; k++) {
		const struct rb_cfg_ports *p = k ? b : a;

		for (int i = 0; i < p->n; i++) {
			uint32_t r = (uint32_t)p->v[i][0] << 16 | p->v[i][1];

			rb_rc_pool_add(c, &r, 1);
			(*n)++;
		}
	}
	return off;
}

/* A domain index key; an empty one (from ".") can match no query. */
static int dom_key(struct rc_ctx *c, const struct rb_cfg_rule *x, const char *s, uint32_t flags,
		   uint32_t id)
{
	size_t len = strlen(s);
	struct dkey *k;

	if (len > RB_RT_DOM_KEY_MAX || id >= (UINT32_MAX >> RB_RT_DOM_SHIFT)) {
		snprintf(c->err, c->errlen, "rule at line %d: domain '%.40s...' is too long",
			 x->line, s);
		return -1;
	}
	if (!len)
		return 0;
	k = rb_rc_vpush(&c->doms);
	if (!k)
		return -1;
	*k = (struct dkey){s, (uint32_t)len, flags, id};
	return 0;
}

static int build_node(struct rc_ctx *c, uint32_t id, const struct rb_cfg_rule *x)
{
	struct rb_rt_node *n = (struct rb_rt_node *)c->nodes.p + id;
	const struct rb_cfg_routing *r = c->r;
	uint32_t tmp;

	n->kind = x->type == RB_RULE_LOGICAL ? RB_RT_LOGICAL : RB_RT_DEFAULT;
	n->mode = (uint8_t)x->mode;
	n->invert = (uint8_t)!!x->invert;
	n->action = (uint8_t)x->action;
	n->line = (uint32_t)x->line;
	if (x->inbound.n) {
		uint32_t *v = calloc((size_t)x->inbound.n, 4);
		size_t k;

		if (!v)
			return -1;
		for (int i = 0; i < x->inbound.n; i++) {
			int t = find_tag(r->inbounds, r->n_inbounds, x->inbound.v[i]);

			if (t < 0) {
				snprintf(c->err, c->errlen, "rule at line %d: no inbound '%s'", x->line,
					 x->inbound.v[i]);
				free(v);
				return -2;
			}
			v[i] = (uint32_t)t;
		}
		k = rb_rc_uniq(v, (size_t)x->inbound.n);
		n->inbound.off = rb_rc_pool_add(c, v, k);
		n->inbound.n = (uint32_t)k;
		n->items |= RB_RTI_INBOUND;
		free(v);
	}
	if (x->network) {
		n->network = (uint8_t)x->network;
		n->items |= RB_RTI_NETWORK;
	}
	if (x->auth_user.n) {
		n->auth_user.off = (uint32_t)c->pool.n;
		for (int i = 0; i < x->auth_user.n; i++) {
			tmp = str_add(c, x->auth_user.v[i]);
			rb_rc_pool_add(c, &tmp, 1);
		}
		n->auth_user.n = (uint32_t)x->auth_user.n;
		n->items |= RB_RTI_AUTH_USER;
	}
	if (x->protocol.n) {
		for (int i = 0; i < x->protocol.n; i++)
			for (int k = 1; rb_rule_protocol_names[k]; k++)
				if (strcmp(rb_rule_protocol_names[k], x->protocol.v[i]) == 0 && k < 15)
					n->protocol |= (uint16_t)(1u << k);
		n->items |= RB_RTI_PROTOCOL;
	}
	for (int i = 0; i < x->domain.n; i++) {
		if (dom_key(c, x, x->domain.v[i], RB_RT_DOM_WHOLE, id))
			return c->err[0] ? -2 : -1;
		n->items |= RB_RTI_DOMAIN;
	}
	for (int i = 0; i < x->domain_suffix.n; i++) {
		const char *v = x->domain_suffix.v[i];

		/* sing-box: "a.com" matches a.com and *.a.com, ".a.com" only *.a.com */
		if (v[0] == '.' ? dom_key(c, x, v + 1, RB_RT_DOM_SUB, id)
				: dom_key(c, x, v, RB_RT_DOM_WHOLE | RB_RT_DOM_SUB, id))
			return c->err[0] ? -2 : -1;
		n->items |= RB_RTI_SUFFIX;
	}
	if (x->domain_keyword.n) {
		n->keyword.off = (uint32_t)c->pool.n;
		for (int i = 0; i < x->domain_keyword.n; i++) {
			struct rb_route_kw *k;

			if (!x->domain_keyword.v[i][0]) { /* the config refuses it too */
				snprintf(c->err, c->errlen, "rule at line %d: empty domain_keyword",
					 x->line);
				return -2;
			}
			k = rb_rc_vpush(&c->kws);
			if (!k)
				return -1;
			tmp = str_add(c, x->domain_keyword.v[i]);
			*k = (struct rb_route_kw){x->domain_keyword.v[i], id, tmp};
			rb_rc_pool_add(c, &tmp, 1);
		}
		n->keyword.n = (uint32_t)x->domain_keyword.n;
		n->items |= RB_RTI_KEYWORD;
	}
	if (x->domain_regex.n) {
		n->regex.off = (uint32_t)c->pool.n;
		for (int i = 0; i < x->domain_regex.n; i++) {
			struct rb_rt_rx *rx = rb_rc_vpush(&c->rx);

			if (!rx)
				return -1;
			rx->node = id;
			rx->pattern = str_add(c, x->domain_regex.v[i]);
			tmp = (uint32_t)c->rx.n - 1;
			rb_rc_pool_add(c, &tmp, 1);
		}
		n->regex.n = (uint32_t)x->domain_regex.n;
		n->items |= RB_RTI_REGEX;
	}
	for (int i = 0; i < x->ip_cidr.n; i++) {
		prefix_add(c, &x->ip_cidr.v[i], 0, id);
		n->items |= RB_RTI_IP_CIDR;
	}
	if (x->ip_is_private)
		n->items |= RB_RTI_IP_PRIVATE;
	for (int i = 0; i < x->source_ip_cidr.n; i++) {
		prefix_add(c, &x->source_ip_cidr.v[i], 1, id);
		n->items |= RB_RTI_SRC_CIDR;
	}
	if (x->source_ip_is_private)
		n->items |= RB_RTI_SRC_PRIVATE;
	if (x->port.n || x->port_range.n) {
		n->port.off = ports_add(c, &x->port, &x->port_range, &n->port.n);
		n->items |= RB_RTI_PORT;
	}
	if (x->source_port.n || x->source_port_range.n) {
		n->src_port.off = ports_add(c, &x->source_port, &x->source_port_range,
					    &n->src_port.n);
		n->items |= RB_RTI_SRC_PORT;
	}
	if (x->ip_version) {
		n->ip_version = (uint8_t)x->ip_version;
		n->items |= RB_RTI_IP_VERSION;
	}
	/* action */
	n->outbound = RB_RT_NO_OUTBOUND;
	if (x->action == RB_RA_ROUTE) {
		int t = find_tag(r->outbounds, r->n_outbounds, x->outbound);

		if (t < 0) {
			snprintf(c->err, c->errlen, "rule at line %d: no outbound '%s'", x->line,
				 x->outbound);
			return -2;
		}
		n->outbound = (uint16_t)t;
	}
	n->reject_method = (uint8_t)x->method;
	n->strategy = (uint8_t)x->strategy;
	n->sniffers = (uint16_t)x->sniffers;
	n->sniff_timeout_ms = x->timeout_ms;
	if (x->override_address.family) {
		n->override_family = x->override_address.family;
		memcpy(n->override_addr, x->override_address.addr, 16);
	}
	n->override_port = x->override_port;
	return 0;
}

/* Number the rules (top level first, sub-rules after their parents) and
 * build every node. */
static int build_nodes(struct rc_ctx *c)
{
	const struct rb_cfg_routing *r = c->r;
	size_t i;
	int rc;

	for (int k = 0; k < r->n_rules; k++) {
		const struct rb_cfg_rule **p = rb_rc_vpush(&c->cfgn);

		if (!p)
			return -1;
		*p = &r->rules[k];
	}
	for (i = 0; i < c->cfgn.n; i++) {
		const struct rb_cfg_rule *x = ((const struct rb_cfg_rule **)c->cfgn.p)[i];
		struct rb_rt_node *n;
		uint32_t first = (uint32_t)c->cfgn.n;

		for (int k = 0; k < x->n_rules; k++) {
			const struct rb_cfg_rule **p = rb_rc_vpush(&c->cfgn);

			if (!p)
				return -1;
			*p = &x->rules[k];
		}
		if (!rb_rc_vpush(&c->nodes))
			return -1;
		n = (struct rb_rt_node *)c->nodes.p + i;
		memset(n, 0, sizeof(*n));
		n->parent = (uint32_t)i;
		rc = build_node(c, (uint32_t)i, x);
		if (rc)
			return rc;
		n = (struct rb_rt_node *)c->nodes.p + i;
		if (x->n_rules) {
			n->children.off = (uint32_t)c->pool.n;
			n->children.n = (uint32_t)x->n_rules;
			for (uint32_t k = 0; k < (uint32_t)x->n_rules; k++) {
				uint32_t ch = first + k;

				rb_rc_pool_add(c, &ch, 1);
			}
		}
	}
	/* parents of sub-rules */
	for (i = 0; i < c->nodes.n; i++) {
		struct rb_rt_node *n = (struct rb_rt_node *)c->nodes.p + i;

		for (uint32_t k = 0; k < n->children.n; k++) {
			uint32_t ch = ((uint32_t *)c->pool.p)[n->children.off + k];

			((struct rb_rt_node *)c->nodes.p)[ch].parent = (uint32_t)i;
		}
	}
	return c->oom ? -1 : 0;
}

/* ------------------------------------------------------------ domain hash */

static int cmp_dkey(const void *a, const void *b)
{
	const struct dkey *x = a, *y = b;
	int d;

	if (x->len != y->len)
		return x->len < y->len ? -1 : 1;
	d = memcmp(x->s, y->s, x->len);
	if (d)
		return d;
	return x->node < y->node ? -1 : x->node > y->node;
}

static int same_key(const struct dkey *a, const struct dkey *b)
{
	return a->len == b->len && memcmp(a->s, b->s, a->len) == 0;
}

/* One entry per distinct key; its ids are node << RB_RT_DOM_SHIFT | the
 * union of the flags that node gave the key. */
static struct rb_rt_dom *build_domhash(struct rc_ctx *c, uint64_t seed, uint32_t *mask_out,
				       uint8_t **tags_out)
{
	struct dkey *d = c->doms.p;
	size_t n = c->doms.n, keys = 0, cap = 16;
	struct rb_rt_dom *t;
	uint8_t *tag;

	if (n > 1)
		qsort(d, n, sizeof(*d), cmp_dkey);
	for (size_t i = 0; i < n; i++)
		if (!i || !same_key(&d[i - 1], &d[i]))
			keys++;
	while (cap < keys * 2 + 1)
		cap *= 2;
	t = calloc(cap, sizeof(*t));
	tag = calloc(cap, 1);
	if (!t || !tag) {
		free(t);
		free(tag);
		return NULL;
	}
	for (size_t i = 0; i < n;) {
		size_t j = i;
		uint64_t h = rb_rt_dom_hash(seed, d[i].s, d[i].len);
		uint32_t slot = (uint32_t)h & (uint32_t)(cap - 1);
		uint32_t off = (uint32_t)c->pool.n, cnt = 0, *ids;

		for (; j < n && same_key(&d[j], &d[i]); j++) {
			uint32_t x = d[j].node << RB_RT_DOM_SHIFT | d[j].flags;

			ids = (uint32_t *)c->pool.p + off;
			if (cnt && ids[cnt - 1] >> RB_RT_DOM_SHIFT == d[j].node) {
				ids[cnt - 1] |= d[j].flags;
				continue;
			}
			rb_rc_pool_add(c, &x, 1);
			if (c->oom)
				break;
			cnt++;
		}
		while (tag[slot])
			slot = (slot + 1) & (uint32_t)(cap - 1);
		tag[slot] = RB_RT_DOM_TAG(h);
		t[slot].chk = (uint32_t)(h >> 32);
		t[slot].key = str_add(c, d[i].s);
		t[slot].n = d[i].len << 24 | cnt;
		if (cnt == 1) { /* inline: one id needs no pool read */
			t[slot].ids = ((uint32_t *)c->pool.p)[off];
			c->pool.n = off;
		} else {
			t[slot].ids = off;
		}
		i = j;
	}
	*mask_out = (uint32_t)(cap - 1);
	*tags_out = tag;
	return t;
}

size_t rb_route_kwq_min = RB_ROUTE_KWQ_MIN;

/* ------------------------------------------------------------ address interval maps */

static int cmp_pkey(const void *a, const void *b)
{
	const struct pkey *x = a, *y = b;

	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	if (x->plen != y->plen)
		return x->plen < y->plen ? -1 : 1;
	return x->node < y->node ? -1 : x->node > y->node;
}

struct ivb {
	unsigned __int128 start;
	struct rb_rt_list ids;
};

static int iv_emit(struct rc_vec *iv, unsigned __int128 start, struct rb_rt_list ids)
{
	struct ivb *last = iv->n ? (struct ivb *)iv->p + iv->n - 1 : NULL, *e;

	if (last && last->start == start) {
		last->ids = ids;
		return 0;
	}
	if (last && last->ids.off == ids.off && last->ids.n == ids.n)
		return 0;
	e = rb_rc_vpush(iv);
	if (!e)
		return -1;
	e->start = start;
	e->ids = ids;
	return 0;
}

/* A new pool list: the union of list a and the ids v[0..n). */
static struct rb_rt_list list_union(struct rc_ctx *c, struct rb_rt_list a, const uint32_t *v, size_t n)
{
	struct rb_rt_list r = {0, 0};
	uint32_t *tmp = malloc((a.n + n) * 4 + 4);
	size_t k;

	if (!tmp) {
		c->oom = 1;
		return r;
	}
	if (a.n)
		memcpy(tmp, (uint32_t *)c->pool.p + a.off, a.n * 4);
	if (n)
		memcpy(tmp + a.n, v, n * 4);
	k = rb_rc_uniq(tmp, a.n + n);
	r.off = rb_rc_pool_add(c, tmp, k);
	r.n = (uint32_t)k;
	free(tmp);
	return r;
}

static int build_imap(struct rc_ctx *c, int m, struct rc_vec *iv_out, uint32_t *idx_off)
{
	struct rc_vec *pv = &c->pfx[m];
	struct pkey *p = pv->p;
	int bits = m == RB_RT_DST6 || m == RB_RT_SRC6 ? 128 : 32;
	unsigned __int128 maxv = bits == 128 ? ~(unsigned __int128)0
					     : (((unsigned __int128)1 << 32) - 1);
	struct stk {
		unsigned __int128 end;
		struct rb_rt_list ids;
	} *stack;
	struct rb_rt_list empty = {0, 0};
	uint32_t *ids;
	int sp = 0;
	struct rc_vec *iv = iv_out;

	iv->sz = sizeof(struct ivb);
	if (!pv->n)
		return 0;
	if (pv->n > 1)
		qsort(p, pv->n, sizeof(*p), cmp_pkey);
	stack = malloc(sizeof(*stack) * 130);
	ids = malloc(pv->n * 4);
	if (!stack || !ids) {
		free(stack);
		free(ids);
		return -1;
	}
	iv_emit(iv, 0, empty);
	for (size_t i = 0; i < pv->n;) {
		size_t j = i, n = 0;
		unsigned __int128 start = p[i].start, end;
		unsigned plen = p[i].plen;

		/* host bits; a shift by 128 (an IPv6 /128) would be undefined */
		end = plen >= (unsigned)bits ? start : start | (maxv >> plen);
		while (j < pv->n && p[j].start == start && p[j].plen == plen)
			ids[n++] = p[j++].node;
		/* close the prefixes that end before this one */
		while (sp && stack[sp - 1].end < start) {
			unsigned __int128 e = stack[--sp].end;

			if (e != maxv)
				iv_emit(iv, e + 1, sp ? stack[sp - 1].ids : empty);
		}
		stack[sp].end = end;
		stack[sp].ids = list_union(c, sp ? stack[sp - 1].ids : empty, ids, n);
		iv_emit(iv, start, stack[sp].ids);
		sp++;
		i = j;
	}
	while (sp) {
		unsigned __int128 e = stack[--sp].end;

		if (e != maxv)
			iv_emit(iv, e + 1, sp ? stack[sp - 1].ids : empty);
	}
	free(stack);
	free(ids);
	/* index by the top 16 bits: last interval starting at or before t << (bits - 16) */
	{
		uint32_t idx[65537], k = 0;
		struct ivb *v = iv->p;

		for (uint32_t t = 0; t <= 65536; t++) {
			if (t == 65536) {
				idx[t] = (uint32_t)iv->n - 1;
				break;
			}
			{
				unsigned __int128 key = (unsigned __int128)t << (bits - 16);

				while (k + 1 < iv->n && v[k + 1].start <= key)
					k++;
				idx[t] = k;
			}
		}
		*idx_off = rb_rc_pool_add(c, idx, 65537);
	}
	return c->oom ? -1 : 0;
}

/* ------------------------------------------------------------ layout */

static size_t al8(size_t x)
{
	return (x + 7) & ~(size_t)7;
}

static int gated(const struct rb_rt_node *n)
{
	return n->kind == RB_RT_DEFAULT && !n->invert && (n->items & RB_RTI_DST_INDEXED) &&
	       !(n->items & (RB_RTI_REGEX | RB_RTI_IP_PRIVATE));
}

int rb_route_compile(const struct rb_cfg_routing *r, uint32_t generation, uint64_t seed,
		     void **blob_out, size_t *len_out, char *err, size_t errlen)
{
	struct rc_ctx c = {
		.r = r, .nodes = {.sz = sizeof(struct rb_rt_node)},
		.cfgn = {.sz = sizeof(void *)}, .pool = {.sz = 4}, .strs = {.sz = 1},
		.doms = {.sz = sizeof(struct dkey)}, .kws = {.sz = sizeof(struct rb_route_kw)},
		.rx = {.sz = sizeof(struct rb_rt_rx)}, .err = err, .errlen = errlen,
	};
	struct rc_vec iv[RB_RT_NIMAP];
	uint32_t idx_off[RB_RT_NIMAP] = {0}, dom_mask = 0, n_ac = 0, lin_off, n_lin = 0;
	uint32_t tags_off, final = 0, kw_off, n_kw = 0;
	struct rb_rt_dom *dom = NULL;
	uint8_t *dom_tag = NULL;
	struct rb_rt_ac *ac = NULL;
	uint32_t *dfa = NULL, *dfa_map = NULL, *dfa_row_of = NULL, n_cls = 0, out_row = 0, n_dense = 0;
	uint8_t kw_cls[256];
	struct rb_route_kwq kwq = {0};
	int use_kwq;
	struct rb_rt_hdr *h;
	size_t off, size, o_nodes, o_nhead, o_pool, o_str, o_dom = 0, o_ac = 0, o_rx, o_iv[RB_RT_NIMAP];
	size_t o_cls = 0, o_dfa = 0, o_map = 0, o_row = 0, o_tag = 0, o_kwq = 0, o_kst = 0, o_kbits = 0;
	uint8_t *b = NULL;
	int rc = -ENOMEM;

	err[0] = 0;
	memset(iv, 0, sizeof(iv));
	for (int m = 0; m < RB_RT_NIMAP; m++)
		c.pfx[m].sz = sizeof(struct pkey);
	str_add(&c, ""); /* offset 0: the empty string */
	rc = build_nodes(&c);
	if (rc) {
		rc = rc == -2 ? -EINVAL : -ENOMEM;
		goto out;
	}
	rc = -ENOMEM;
	if (c.doms.n && !(dom = build_domhash(&c, seed, &dom_mask, &dom_tag)))
		goto out;
	/* many keywords: the q-gram index; few: the automaton */
	use_kwq = c.kws.n && c.kws.n >= rb_route_kwq_min;
	if (use_kwq) {
		uint32_t ids_off;

		if (rb_route_kwq_build(c.kws.p, c.kws.n, &kwq))
			goto out;
		ids_off = rb_rc_pool_add(&c, kwq.ids, kwq.n_ids);
		for (uint32_t i = 0; i < kwq.n_ent; i++)
			kwq.ent[i].ids.off += ids_off;
	} else {
		ac = rb_rc_build_ac(&c, &n_ac);
		if (c.kws.n && !ac)
			goto out;
	}
	if (ac && !(dfa = rb_rc_build_kw_dfa(&c, ac, n_ac, kw_cls, &n_cls, &dfa_map, &dfa_row_of,
				       &n_dense, &out_row)))
		goto out;
	for (int m = 0; m < RB_RT_NIMAP; m++)
		if (build_imap(&c, m, &iv[m], &idx_off[m]))
			goto out;
	/* keyword rules (an index gates them): candidates when a name hits
	 * more keyword states than the matcher tracks */
	kw_off = (uint32_t)c.pool.n;
	for (uint32_t i = 0; i < (uint32_t)r->n_rules; i++) {
		const struct rb_rt_node *x = (struct rb_rt_node *)c.nodes.p + i;

		if (gated(x) && (x->items & RB_RTI_KEYWORD)) {
			rb_rc_pool_add(&c, &i, 1);
			n_kw++;
		}
	}
	/* linear list: top-level rules no index can gate */
	lin_off = (uint32_t)c.pool.n;
	for (uint32_t i = 0; i < (uint32_t)r->n_rules; i++)
		if (!gated((struct rb_rt_node *)c.nodes.p + i)) {
			rb_rc_pool_add(&c, &i, 1);
			n_lin++;
		}
	/* tags: inbounds then outbounds ("direct" when there are none, as
	 * sing-box adds a direct outbound when none is configured) */
	tags_off = (uint32_t)c.pool.n;
	for (int i = 0; i < r->n_inbounds; i++) {
		uint32_t s = str_add(&c, r->inbounds[i]);

		rb_rc_pool_add(&c, &s, 1);
	}
	for (int i = 0; i < (r->n_outbounds ? r->n_outbounds : 1); i++) {
		uint32_t s = str_add(&c, r->n_outbounds ? r->outbounds[i] : "direct");

		rb_rc_pool_add(&c, &s, 1);
	}
	if (r->final[0]) {
		int t = find_tag(r->outbounds, r->n_outbounds, r->final);

		if (t < 0) {
			snprintf(err, errlen, "route.final: no outbound '%s'", r->final);
			rc = -EINVAL;
			goto out;
		}
		final = (uint32_t)t;
	}
	if (c.oom)
		goto out;
	/* layout */
	off = al8(sizeof(struct rb_rt_hdr));
	o_nhead = off;
	off = al8(off + (size_t)r->n_rules * sizeof(struct rb_rt_nhead));
	o_nodes = off;
	off = al8(off + c.nodes.n * sizeof(struct rb_rt_node));
	o_pool = off;
	off = al8(off + c.pool.n * 4);
	o_str = off;
	off = al8(off + c.strs.n);
	if (dom) {
		o_dom = off;
		off = al8(off + ((size_t)dom_mask + 1) * sizeof(*dom));
		o_tag = off;
		off = al8(off + (size_t)dom_mask + 1);
	}
	if (ac) {
		o_ac = off;
		off = al8(off + (size_t)n_ac * sizeof(*ac));
		o_cls = off;
		off = al8(off + 256);
	}
	if (dfa) {
		o_dfa = off;
		off = al8(off + (size_t)n_dense * n_cls * 4);
		o_map = off;
		off = al8(off + (size_t)n_dense * 4);
		o_row = off;
		off = al8(off + (size_t)n_dense * 4);
	}
	if (use_kwq) {
		o_kwq = off;
		off = al8(off + (size_t)kwq.n_ent * sizeof(*kwq.ent));
		o_kst = off;
		off = al8(off + ((size_t)kwq.mask + 2) * 4);
		o_kbits = off;
		off = al8(off + ((size_t)kwq.mask + 1) / 8);
	}
	for (int m = 0; m < RB_RT_NIMAP; m++) {
		o_iv[m] = off;
		off = al8(off + iv[m].n * (m == RB_RT_DST6 || m == RB_RT_SRC6
						  ? sizeof(struct rb_rt_iv6)
						  : sizeof(struct rb_rt_iv4)));
	}
	o_rx = off;
	off = al8(off + c.rx.n * sizeof(struct rb_rt_rx));
	size = off;
	if (size >= UINT32_MAX) {
		snprintf(err, errlen, "compiled rule table is too large (%zu bytes)", size);
		rc = -E2BIG;
		goto out;
	}
	b = calloc(1, size);
	if (!b)
		goto out;
	h = (struct rb_rt_hdr *)b;
	/* Empty vectors may have no storage (memcpy from NULL is undefined). */
	if (c.nodes.n)
		memcpy(b + o_nodes, c.nodes.p, c.nodes.n * sizeof(struct rb_rt_node));
	for (int i = 0; i < r->n_rules; i++)
		rb_rt_nhead_of((const struct rb_rt_node *)c.nodes.p + i,
			       (struct rb_rt_nhead *)(b + o_nhead) + i);
	if (c.pool.n)
		memcpy(b + o_pool, c.pool.p, c.pool.n * 4);
	if (c.strs.n)
		memcpy(b + o_str, c.strs.p, c.strs.n);
	if (dom) {
		memcpy(b + o_dom, dom, ((size_t)dom_mask + 1) * sizeof(*dom));
		memcpy(b + o_tag, dom_tag, (size_t)dom_mask + 1);
		h->dom_tag_off = (uint32_t)o_tag;
	}
	if (ac) {
		memcpy(b + o_ac, ac, (size_t)n_ac * sizeof(*ac));
		memcpy(b + o_cls, kw_cls, 256);
		h->kw_cls_off = (uint32_t)o_cls;
		h->n_kw_cls = n_cls;
	}
	if (dfa) {
		memcpy(b + o_dfa, dfa, (size_t)n_dense * n_cls * 4);
		memcpy(b + o_map, dfa_map, (size_t)n_dense * 4);
		memcpy(b + o_row, dfa_row_of, (size_t)n_dense * 4);
		h->kw_dfa_off = (uint32_t)o_dfa;
		h->kw_map_off = (uint32_t)o_map;
		h->kw_row_of_off = (uint32_t)o_row;
		h->n_kw_dense = n_dense;
		h->kw_out_row = out_row;
	}
	if (use_kwq) {
		if (kwq.n_ent)
			memcpy(b + o_kwq, kwq.ent, (size_t)kwq.n_ent * sizeof(*kwq.ent));
		memcpy(b + o_kst, kwq.start, ((size_t)kwq.mask + 2) * 4);
		memcpy(b + o_kbits, kwq.bits, ((size_t)kwq.mask + 1) / 8);
		h->kwq_off = (uint32_t)o_kwq;
		h->n_kwq = kwq.n_ent;
		h->kwq_mask = kwq.mask;
		h->kwq_start_off = (uint32_t)o_kst;
		h->kwq_bits_off = (uint32_t)o_kbits;
		h->kwq_lens = kwq.lens;
	}
	for (int m = 0; m < RB_RT_NIMAP; m++) {
		struct ivb *v = iv[m].p;

		for (size_t i = 0; i < iv[m].n; i++) {
			if (m == RB_RT_DST6 || m == RB_RT_SRC6) {
				struct rb_rt_iv6 *o = (struct rb_rt_iv6 *)(b + o_iv[m]) + i;

				o->hi = (uint64_t)(v[i].start >> 64);
				o->lo = (uint64_t)v[i].start;
				o->ids = v[i].ids;
			} else {
				struct rb_rt_iv4 *o = (struct rb_rt_iv4 *)(b + o_iv[m]) + i;

				o->start = (uint32_t)v[i].start;
				o->ids = v[i].ids;
			}
		}
		h->imap[m].idx_off = idx_off[m];
		h->imap[m].iv_off = (uint32_t)o_iv[m];
		h->imap[m].n_iv = (uint32_t)iv[m].n;
	}
	if (c.rx.n) /* no regexes: nothing to copy (and c.rx.p may be NULL) */
		memcpy(b + o_rx, c.rx.p, c.rx.n * sizeof(struct rb_rt_rx));
	h->magic = RB_RT_MAGIC;
	h->version = RB_RT_VERSION;
	h->size = (uint32_t)size;
	h->generation = generation;
	h->seed = seed;
	h->n_rules = (uint32_t)r->n_rules;
	h->n_nodes = (uint32_t)c.nodes.n;
	h->nodes_off = (uint32_t)o_nodes;
	h->nhead_off = (uint32_t)o_nhead;
	h->pool_off = (uint32_t)o_pool;
	h->pool_n = (uint32_t)c.pool.n;
	h->str_off = (uint32_t)o_str;
	h->str_len = (uint32_t)c.strs.n;
	h->dom_off = (uint32_t)o_dom;
	h->dom_mask = dom_mask;
	h->ac_off = (uint32_t)o_ac;
	h->n_ac = n_ac;
	h->linear_off = lin_off;
	h->kw_nodes_off = kw_off;
	h->n_kw_nodes = n_kw;
	h->n_linear = n_lin;
	h->rx_off = (uint32_t)o_rx;
	h->n_rx = (uint32_t)c.rx.n;
	h->final_outbound = final;
	h->n_inbounds = (uint32_t)r->n_inbounds;
	h->n_outbounds = (uint32_t)(r->n_outbounds ? r->n_outbounds : 1);
	h->tags_off = tags_off;
	h->ac_root_off = c.ac_root_off;
	h->has_src_cidr = c.pfx[RB_RT_SRC4].n || c.pfx[RB_RT_SRC6].n;
	h->checksum = rb_rt_checksum(b, size);
	*blob_out = b;
	*len_out = size;
	b = NULL;
	rc = 0;
out:
	if (rc == -ENOMEM && !err[0])
		snprintf(err, errlen, "rule compiler: out of memory");
	free(b);
	free(dom);
	free(dom_tag);
	free(ac);
	free(dfa);
	free(dfa_map);
	free(dfa_row_of);
	rb_route_kwq_free(&kwq);
	free(c.nodes.p);
	free(c.cfgn.p);
	free(c.pool.p);
	free(c.strs.p);
	free(c.doms.p);
	free(c.kws.p);
	free(c.rx.p);
	for (int m = 0; m < RB_RT_NIMAP; m++) {
		free(c.pfx[m].p);
		free(iv[m].p);
	}
	return rc;
}
