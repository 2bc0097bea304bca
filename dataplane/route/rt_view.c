/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Trusting a compiled rule table: rb_rt_validate() checks the checksum and
 * every offset, length and id the matcher follows, so a corrupt or
 * hostile blob is refused instead of read out of bounds; rb_rt_view_init()
 * then compiles its regexes with PCRE2 (JIT when available) for this
 * process.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "rb_route.h"
#include "../../config/rb_cfg_route.h"

#define FNV_OFF   0xcbf29ce484222325ULL
#define FNV_PRIME 0x100000001b3ULL

uint64_t rb_rt_checksum(const void *blob, size_t len)
{
	const uint8_t *b = (const uint8_t *)blob + sizeof(struct rb_rt_hdr);
	const uint8_t *e = (const uint8_t *)blob + len;
	uint64_t h = FNV_OFF, h2 = FNV_OFF ^ 0x5bd1e995;

	if (len < sizeof(struct rb_rt_hdr))
		return 0;
	/* Two interleaved FNV-1a 64 lanes over 8-byte words: fast enough for
	 * tens of MiB and sensitive to every byte. */
	for (; e - b >= 16; b += 16) {
		uint64_t x, y;

		memcpy(&x, b, 8);
		memcpy(&y, b + 8, 8);
		h = (h ^ x) * FNV_PRIME;
		h2 = (h2 ^ y) * FNV_PRIME;
	}
	for (; b < e; b++)
		h = (h ^ *b) * FNV_PRIME;
	return h ^ (h2 * 0x9e3779b97f4a7c15ULL) ^ len;
}

struct vctx {
	const uint8_t *base;
	size_t len;
	const struct rb_rt_hdr *h;
	char *err;
	size_t errlen;
};

static int __attribute__((format(printf, 2, 3))) bad(struct vctx *v, const char *fmt, ...)
{
	va_list ap;
	int n;

	n = snprintf(v->err, v->errlen, "rule table: ");
	va_start(ap, fmt);
	if (n > 0 && (size_t)n < v->errlen)
		vsnprintf(v->err + n, v->errlen - (size_t)n, fmt, ap);
	va_end(ap);
	return -EBADMSG;
}

/* [off, off + n * sz) inside the blob and aligned to al */
static int span(const struct vctx *v, uint64_t off, uint64_t n, uint64_t sz, uint64_t al)
{
	return off % al == 0 && off <= v->len && n <= (v->len - off) / (sz ? sz : 1);
}

static int list_ok(const struct vctx *v, struct rb_rt_list l)
{
	return (uint64_t)l.off + l.n <= v->h->pool_n;
}

static const uint32_t *pool(const struct vctx *v)
{
	return (const uint32_t *)(v->base + v->h->pool_off);
}

/* A list of ids < max, sorted ascending (strictly when strict). */
static int ids_ok(const struct vctx *v, struct rb_rt_list l, uint32_t max, int sorted)
{
	const uint32_t *p;

	if (!list_ok(v, l))
		return 0;
	p = pool(v) + l.off;
	for (uint32_t i = 0; i < l.n; i++)
		if (p[i] >= max || (sorted && i && p[i] <= p[i - 1]))
			return 0;
	return 1;
}

static int str_ok(const struct vctx *v, uint32_t off)
{
	const char *s = (const char *)v->base + v->h->str_off;

	return off < v->h->str_len && memchr(s + off, 0, v->h->str_len - off) != NULL;
}

static int strs_ok(const struct vctx *v, struct rb_rt_list l)
{
	if (!list_ok(v, l))
		return 0;
	for (uint32_t i = 0; i < l.n; i++)
		if (!str_ok(v, pool(v)[l.off + i]))
			return 0;
	return 1;
}

void rb_rt_nhead_of(const struct rb_rt_node *n, struct rb_rt_nhead *out)
{
	memset(out, 0, sizeof(*out));
	out->items = (uint16_t)n->items;
	out->outbound = n->outbound;
	out->action = n->action;
	out->reject_method = n->reject_method;
	if (n->kind == RB_RT_DEFAULT && !n->invert && n->items &&
	    (n->items & ~RB_RTI_DST_INDEXED) == 0)
		out->flags |= RB_RT_NH_PROVEN;
	if (n->override_family || n->override_port)
		out->flags |= RB_RT_NH_OVERRIDE;
}

static int check_nodes(struct vctx *v)
{
	const struct rb_rt_hdr *h = v->h;
	const struct rb_rt_node *n = (const void *)(v->base + h->nodes_off);

	for (uint32_t i = 0; i < h->n_nodes; i++) {
		const struct rb_rt_node *x = &n[i];

		if (x->kind > RB_RT_LOGICAL || x->action > RB_RA_NONE ||
		    (i < h->n_rules) != (x->action != RB_RA_NONE))
			return bad(v, "node %u: bad kind/action", i);
		if (!ids_ok(v, x->inbound, UINT32_MAX, 1) || !strs_ok(v, x->auth_user) ||
		    !list_ok(v, x->port) || !list_ok(v, x->src_port) || !strs_ok(v, x->keyword) ||
		    !ids_ok(v, x->regex, h->n_rx, 0))
			return bad(v, "node %u: item list out of bounds", i);
		/* children come after their parent: no cycles */
		if (!ids_ok(v, x->children, h->n_nodes, 0))
			return bad(v, "node %u: children out of bounds", i);
		for (uint32_t k = 0; k < x->children.n; k++)
			if (pool(v)[x->children.off + k] <= i)
				return bad(v, "node %u: child before its parent", i);
		if (x->action == RB_RA_ROUTE && x->outbound >= h->n_outbounds)
			return bad(v, "node %u: outbound %u out of range", i, x->outbound);
		if (i < h->n_rules) {
			const struct rb_rt_nhead *nh = (const void *)(v->base + h->nhead_off);
			struct rb_rt_nhead want;

			rb_rt_nhead_of(x, &want);
			if (x->items > 0xffff || memcmp(&nh[i], &want, sizeof(want)) != 0)
				return bad(v, "node %u: head does not match the node", i);
		}
	}
	return 0;
}

static int dom_ids_ok(const struct vctx *v, const struct rb_rt_dom *d)
{
	uint32_t cnt = d->n & 0xffffff;
	const uint32_t *p = &d->ids;
	struct rb_rt_list l = {d->ids, cnt};

	if (cnt == 0 || (cnt > 1 && !list_ok(v, l)))
		return 0;
	if (cnt > 1)
		p = pool(v) + d->ids;
	for (uint32_t i = 0; i < cnt; i++)
		if ((p[i] >> RB_RT_DOM_SHIFT) >= v->h->n_nodes ||
		    !(p[i] & (RB_RT_DOM_WHOLE | RB_RT_DOM_SUB)) ||
		    (i && (p[i] >> RB_RT_DOM_SHIFT) <= (p[i - 1] >> RB_RT_DOM_SHIFT)))
			return 0;
	return 1;
}

static int check_dom(struct vctx *v)
{
	const struct rb_rt_hdr *h = v->h;
	const struct rb_rt_dom *d = (const void *)(v->base + h->dom_off);
	const uint8_t *tag = v->base + h->dom_tag_off;
	const char *strtab = (const char *)v->base + h->str_off;
	uint32_t empty = 0;

	if (!h->dom_off)
		return 0;
	if ((h->dom_mask & (h->dom_mask + 1)) != 0 ||
	    !span(v, h->dom_off, (uint64_t)h->dom_mask + 1, sizeof(*d), 8) ||
	    !span(v, h->dom_tag_off, (uint64_t)h->dom_mask + 1, 1, 8))
		return bad(v, "domain hash out of bounds");
	for (uint32_t i = 0; i <= h->dom_mask; i++) {
		uint32_t len = d[i].n >> 24;

		if (tag[i] == 0) {
			empty++;
			continue;
		}
		/* the key: len bytes then its NUL, inside the string table */
		if (!(tag[i] & 0x80) || d[i].key >= h->str_len || len == 0 ||
		    len >= h->str_len - d[i].key || strtab[d[i].key + len] != 0 ||
		    !dom_ids_ok(v, &d[i]))
			return bad(v, "domain hash entry %u out of bounds", i);
	}
	if (!empty)
		return bad(v, "domain hash has no empty slot");
	return 0;
}

static int check_ac(struct vctx *v)
{
	const struct rb_rt_hdr *h = v->h;
	const struct rb_rt_ac *a = (const void *)(v->base + h->ac_off);

	if (!h->n_ac)
		return 0;
	if (h->n_ac >= (1u << 24) || !span(v, h->ac_off, h->n_ac, sizeof(*a), 4))
		return bad(v, "keyword automaton out of bounds");
	{
		struct rb_rt_list root = {h->ac_root_off, 256};

		if (!list_ok(v, root))
			return bad(v, "keyword root table out of bounds");
		for (uint32_t k = 0; k < 256; k++)
			if (pool(v)[h->ac_root_off + k] >= h->n_ac)
				return bad(v, "keyword root table: state out of bounds");
	}
	for (uint32_t i = 0; i < h->n_ac; i++) {
		struct rb_rt_list e = {a[i].edge_off, a[i].n_edges};

		if (!list_ok(v, e) || a[i].fail >= h->n_ac || a[i].out_next >= h->n_ac ||
		    (i && a[i].fail == i) || !ids_ok(v, a[i].ids, h->n_nodes, 1))
			return bad(v, "keyword state %u out of bounds", i);
		/* fail links go to shallower states; state 0 is the root, ids grow
		 * with depth (BFS order), so fail < i and out_next < i bound the walk */
		if (i && (a[i].fail >= i || (a[i].out_next && a[i].out_next >= i)))
			return bad(v, "keyword state %u: links not in BFS order", i);
		for (uint32_t k = 0; k < e.n; k++)
			if ((pool(v)[e.off + k] & 0xffffff) >= h->n_ac)
				return bad(v, "keyword state %u: edge out of bounds", i);
	}
	/* byte classes and the DFA: every entry a row start inside the table */
	if (h->n_kw_cls == 0 || h->n_kw_cls > 256 || !span(v, h->kw_cls_off, 256, 1, 8))
		return bad(v, "keyword classes out of bounds");
	for (uint32_t b = 0; b < 256; b++)
		if (v->base[h->kw_cls_off + b] >= h->n_kw_cls)
			return bad(v, "keyword class of byte %u out of range", b);
	if (h->kw_dfa_off) {
		uint64_t cells = (uint64_t)h->n_kw_dense * h->n_kw_cls;
		const uint32_t *t = (const void *)(v->base + h->kw_dfa_off);
		const uint32_t *map = (const void *)(v->base + h->kw_map_off);
		const uint32_t *row_of = (const void *)(v->base + h->kw_row_of_off);

		if (h->n_kw_dense == 0 || h->n_kw_dense > h->n_ac || cells * 4 > RB_RT_KW_DFA_MAX ||
		    !span(v, h->kw_dfa_off, cells, 4, 4) ||
		    !span(v, h->kw_map_off, h->n_kw_dense, 4, 4) ||
		    !span(v, h->kw_row_of_off, h->n_kw_dense, 4, 4) || h->kw_out_row > cells ||
		    h->kw_out_row % h->n_kw_cls)
			return bad(v, "keyword DFA out of bounds");
		for (uint64_t k = 0; k < cells; k++)
			if (t[k] & RB_RT_KW_SPARSE ? (t[k] & ~RB_RT_KW_SPARSE) >= h->n_ac
						   : t[k] >= cells || t[k] % h->n_kw_cls)
				return bad(v, "keyword DFA entry %lu out of bounds", (unsigned long)k);
		for (uint32_t k = 0; k < h->n_kw_dense; k++)
			if (map[k] >= h->n_ac || row_of[k] >= cells || row_of[k] % h->n_kw_cls)
				return bad(v, "keyword DFA state %u out of bounds", k);
	}
	return 0;
}

/* The q-gram index: buckets, bitmap and entries agree, every key is a
 * string of the table of the stated length, every id list in range. */
static int check_kwq(struct vctx *v)
{
	const struct rb_rt_hdr *h = v->h;
	const struct rb_rt_kwq *e = (const void *)(v->base + h->kwq_off);
	const uint32_t *start = (const void *)(v->base + h->kwq_start_off);
	const uint64_t *bits = (const void *)(v->base + h->kwq_bits_off);
	const char *strtab = (const char *)v->base + h->str_off;
	uint64_t nb = (uint64_t)h->kwq_mask + 1;

	if (!h->kwq_off)
		return 0;
	if (nb < 64 || (h->kwq_mask & (h->kwq_mask + 1)) != 0 || (h->kwq_lens & ~0x1eu) ||
	    !span(v, h->kwq_off, h->n_kwq, sizeof(*e), 4) ||
	    !span(v, h->kwq_start_off, nb + 1, 4, 4) || !span(v, h->kwq_bits_off, nb / 64, 8, 8))
		return bad(v, "keyword index out of bounds");
	if (start[0] != 0 || start[nb] != h->n_kwq)
		return bad(v, "keyword index: bad bucket bounds");
	for (uint64_t b = 0; b < nb; b++) {
		if (start[b + 1] < start[b] || start[b + 1] > h->n_kwq ||
		    (start[b + 1] > start[b]) != (int)(bits[b / 64] >> (b % 64) & 1))
			return bad(v, "keyword index: bucket %lu inconsistent", (unsigned long)b);
		for (uint32_t i = start[b]; i < start[b + 1]; i++) {
			uint32_t q = e[i].len < RB_RT_KWQ_Q ? e[i].len : RB_RT_KWQ_Q;

			if (rb_rt_kwq_bucket(e[i].gram, h->kwq_mask) != b || e[i].len == 0 ||
			    e[i].len > RB_RT_KWQ_LEN_MAX || e[i].gpos + q > e[i].len ||
			    !(h->kwq_lens & (1u << q)) || e[i].key >= h->str_len ||
			    e[i].len >= h->str_len - e[i].key || strtab[e[i].key + e[i].len] != 0 ||
			    e[i].ids.n == 0 || !ids_ok(v, e[i].ids, h->n_nodes, 1))
				return bad(v, "keyword index entry %u out of bounds", i);
		}
	}
	return 0;
}

static int check_imap(struct vctx *v, int m)
{
	const struct rb_rt_imap *im = &v->h->imap[m];
	int v6 = m == RB_RT_DST6 || m == RB_RT_SRC6;
	size_t sz = v6 ? sizeof(struct rb_rt_iv6) : sizeof(struct rb_rt_iv4);
	struct rb_rt_list idx = {im->idx_off, 65537};
	const uint32_t *ix;

	if (!im->n_iv)
		return 0;
	if (!list_ok(v, idx) || !span(v, im->iv_off, im->n_iv, sz, 8))
		return bad(v, "address map %d out of bounds", m);
	ix = pool(v) + im->idx_off;
	for (uint32_t t = 0; t < 65537; t++)
		if (ix[t] >= im->n_iv || (t && ix[t] < ix[t - 1]))
			return bad(v, "address map %d: bad index", m);
	for (uint32_t i = 0; i < im->n_iv; i++) {
		struct rb_rt_list l = v6 ? ((const struct rb_rt_iv6 *)(v->base + im->iv_off))[i].ids
					 : ((const struct rb_rt_iv4 *)(v->base + im->iv_off))[i].ids;

		if (!ids_ok(v, l, v->h->n_nodes, 1))
			return bad(v, "address map %d: interval %u out of bounds", m, i);
	}
	return 0;
}

int rb_rt_validate(const void *blob, size_t len, char *err, size_t errlen)
{
	struct vctx v = {blob, len, blob, err, errlen};
	const struct rb_rt_hdr *h = blob;
	struct rb_rt_list lin, tags;
	int rc;

	if (len < sizeof(*h) || h->magic != RB_RT_MAGIC)
		return bad(&v, "bad magic");
	if (h->version != RB_RT_VERSION)
		return bad(&v, "version %u, expected %u", h->version, RB_RT_VERSION);
	if (h->size != len)
		return bad(&v, "size %u, segment slot holds %zu", h->size, len);
	if (h->checksum != rb_rt_checksum(blob, len))
		return bad(&v, "checksum mismatch (torn or corrupt)");
	if (!span(&v, h->pool_off, h->pool_n, 4, 4) || !span(&v, h->str_off, h->str_len, 1, 1) ||
	    !span(&v, h->nodes_off, h->n_nodes, sizeof(struct rb_rt_node), 4) ||
	    !span(&v, h->nhead_off, h->n_rules, sizeof(struct rb_rt_nhead), 4) ||
	    !span(&v, h->rx_off, h->n_rx, sizeof(struct rb_rt_rx), 4) || h->n_rules > h->n_nodes ||
	    h->n_outbounds == 0 || h->final_outbound >= h->n_outbounds)
		return bad(&v, "header out of bounds");
	if (h->str_len == 0 || ((const char *)blob)[h->str_off + h->str_len - 1] != 0)
		return bad(&v, "string table not terminated");
	lin = (struct rb_rt_list){h->linear_off, h->n_linear};
	tags = (struct rb_rt_list){h->tags_off, h->n_inbounds + h->n_outbounds};
	if (!ids_ok(&v, (struct rb_rt_list){h->kw_nodes_off, h->n_kw_nodes}, h->n_rules, 1))
		return bad(&v, "keyword rule list out of bounds");
	if (!ids_ok(&v, lin, h->n_rules, 1) || !strs_ok(&v, tags))
		return bad(&v, "linear list or tags out of bounds");
	for (uint32_t i = 0; i < h->n_rx; i++) {
		const struct rb_rt_rx *r = (const void *)((const uint8_t *)blob + h->rx_off);

		if (r[i].node >= h->n_nodes || !str_ok(&v, r[i].pattern))
			return bad(&v, "regex %u out of bounds", i);
	}
	if ((rc = check_nodes(&v)) || (rc = check_dom(&v)) || (rc = check_ac(&v)) ||
	    (rc = check_kwq(&v)))
		return rc;
	for (int m = 0; m < RB_RT_NIMAP; m++)
		if ((rc = check_imap(&v, m)))
			return rc;
	return 0;
}

int rb_rt_view_init(struct rb_rt_view *v, const void *blob, size_t len, char *err,
		    size_t errlen)
{
	const struct rb_rt_hdr *h = blob;
	const struct rb_rt_rx *r;
	int rc = rb_rt_validate(blob, len, err, errlen);

	memset(v, 0, sizeof(*v));
	if (rc)
		return rc;
	v->h = h;
	v->base = blob;
	v->generation = h->generation;
	v->n_rx = h->n_rx;
	if (!h->n_rx)
		return 0;
	v->rx = calloc(h->n_rx, sizeof(void *));
	if (!v->rx) {
		snprintf(err, errlen, "rule table: out of memory");
		return -ENOMEM;
	}
	r = (const void *)((const uint8_t *)blob + h->rx_off);
	for (uint32_t i = 0; i < h->n_rx; i++) {
		const char *pat = (const char *)blob + h->str_off + r[i].pattern;
		PCRE2_SIZE off;
		int ec;
		pcre2_code *re = pcre2_compile((PCRE2_SPTR)pat, PCRE2_ZERO_TERMINATED, 0, &ec, &off,
					       NULL);

		if (!re) {
			PCRE2_UCHAR msg[120];

			pcre2_get_error_message(ec, msg, sizeof(msg));
			snprintf(err, errlen, "rule table: regex %u \"%.40s\": %s", i, pat,
				 (char *)msg);
			rb_rt_view_fini(v);
			return -EINVAL;
		}
		pcre2_jit_compile(re, PCRE2_JIT_COMPLETE); /* falls back to the interpreter */
		v->rx[i] = re;
	}
	return 0;
}

void rb_rt_view_fini(struct rb_rt_view *v)
{
	for (uint32_t i = 0; v->rx && i < v->n_rx; i++)
		pcre2_code_free(v->rx[i]);
	free(v->rx);
	memset(v, 0, sizeof(*v));
}
