/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The matcher over a compiled rule table (rb_route.h, rt_wire.h).
 *
 * One lookup: one right-to-left pass over the destination domain
 * lower-cases it, hashes it (the hash of every label suffix is kept) and
 * runs the keyword DFA (built over the reversed keywords); then the domain
 * hash is probed once per label suffix (the tag bytes answer most misses;
 * a hit is checked against the hash's top bits, the length and the key's
 * bytes); the destination address is looked up in the interval map.  Each hit is a
 * sorted list of node ids (domain ids carry WHOLE/SUB flags, and only the
 * flag that fits the probe counts).  Candidates are the union of those lists
 * (top-level ids only) merged with the "linear" rules (those an index
 * cannot gate: no indexed destination item, invert, logical, regex or
 * ip_is_private), visited in rule order (a rule's 8-byte head says
 * whether an index hit is already a match); the first full match with a
 * final action wins.  Nothing allocates; the per-lookup state is on the
 * stack.
 */
#include <endian.h>
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "rb_route.h"
#include "../../config/rb_cfg_route.h"

#define MAX_KW_REFS  64  /* distinct keyword states with output per lookup */
/* label suffixes, keyword states, the keyword rules on overflow, ip */
#define MAX_REFS     (RB_DOMAIN_MAX + 1 + MAX_KW_REFS + 2)

/* A sorted id list hit by a lookup.  want 0: plain node ids; else domain
 * ids (node << RB_RT_DOM_SHIFT | flags), of which those with a want flag count. */
struct ref {
	const uint32_t *p;
	uint32_t n;
	uint32_t want;
	uint32_t cand_only;          /* candidates, not hits: the keyword rules on
				      * overflow (their keywords are checked directly) */
};

struct ctx {
	struct rb_rt_view *v;
	const struct rb_route_req *req;
	const uint32_t *pool;
	char dom[RB_DOMAIN_MAX + RB_RT_KWQ_Q]; /* NUL-padded: a gram load may pass the end */
	uint32_t dlen;
	int fam;                     /* destination address family, 0 none */
	const uint8_t *ip;
	int kw_overflow;
	uint32_t n_kw;
	uint32_t kw_seen[MAX_KW_REFS];
	int src_done;
	struct rb_rt_list src;       /* source interval hit */
	uint32_t n_refs;
	struct ref refs[MAX_REFS];
};

/* ------------------------------------------------------------ helpers */

static inline const void *at(const struct rb_rt_view *v, uint32_t off)
{
	return v->base + off;
}

static inline const struct rb_rt_node *node(const struct rb_rt_view *v, uint32_t i)
{
	return (const struct rb_rt_node *)at(v, v->h->nodes_off) + i;
}

static inline const struct rb_rt_nhead *nhead(const struct rb_rt_view *v, uint32_t i)
{
	return (const struct rb_rt_nhead *)at(v, v->h->nhead_off) + i;
}

static inline const char *str(const struct rb_rt_view *v, uint32_t off)
{
	return (const char *)at(v, v->h->str_off) + off;
}

static int in_list(const uint32_t *pool, struct rb_rt_list l, uint32_t x)
{
	const uint32_t *a = pool + l.off;
	uint32_t lo = 0, hi = l.n;

	while (lo < hi) {
		uint32_t mid = (lo + hi) / 2;

		if (a[mid] < x)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < l.n && a[lo] == x;
}

static inline uint64_t fmix64(uint64_t k)
{
	k ^= k >> 33;
	k *= 0xff51afd7ed558ccdULL;
	k ^= k >> 33;
	k *= 0xc4ceb9fe1a85ec53ULL;
	k ^= k >> 33;
	return k;
}

static inline uint64_t hstep(uint64_t h, unsigned char c)
{
	return (h ^ c) * 0x100000001b3ULL;
}

static inline uint64_t hfinal(uint64_t h, size_t len)
{
	return fmix64(h ^ len);
}

uint64_t rb_rt_dom_hash(uint64_t seed, const char *s, size_t len)
{
	uint64_t h = seed;

	for (size_t i = len; i-- > 0;)
		h = hstep(h, (unsigned char)s[i]);
	return hfinal(h, len);
}

int rb_rt_ip_is_private(int family, const uint8_t *a)
{
	static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

	if (family == AF_INET6 && memcmp(a, mapped, 12) == 0) {
		family = AF_INET;
		a += 12;
	}
	if (family == AF_INET) {
		/* Go netip: IsPrivate, IsLoopback, IsMulticast, IsLinkLocalUnicast,
		 * IsUnspecified (sing's N.IsPublicAddr is the negation). */
		return a[0] == 10 || (a[0] == 172 && (a[1] & 0xf0) == 16) ||
		       (a[0] == 192 && a[1] == 168) || a[0] == 127 || (a[0] & 0xf0) == 224 ||
		       (a[0] == 169 && a[1] == 254) ||
		       (a[0] == 0 && a[1] == 0 && a[2] == 0 && a[3] == 0);
	}
	if (family == AF_INET6) {
		static const uint8_t zero[16], loop[16] = {[15] = 1};

		return (a[0] & 0xfe) == 0xfc || a[0] == 0xff || (a[0] == 0xfe && (a[1] & 0xc0) == 0x80) ||
		       memcmp(a, zero, 16) == 0 || memcmp(a, loop, 16) == 0;
	}
	return 0;
}

/* ------------------------------------------------------------ lookups */

static inline uint32_t ref_id(const struct ref *r, uint32_t x)
{
	return r->want ? x >> RB_RT_DOM_SHIFT : x;
}

static inline int ref_pass(const struct ref *r, uint32_t x)
{
	return !r->want || (x & r->want);
}

/* Does the list hold node id (with a wanted flag)? */
static int ref_has(const struct ref *r, uint32_t id)
{
	uint32_t key = r->want ? id << RB_RT_DOM_SHIFT : id, lo = 0, hi = r->n;

	while (lo < hi) {
		uint32_t mid = (lo + hi) / 2;

		if (r->p[mid] < key)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < r->n && ref_id(r, r->p[lo]) == id && ref_pass(r, r->p[lo]);
}

static void add_ref(struct ctx *c, const uint32_t *p, uint32_t n, uint32_t want)
{
	if (n && c->n_refs < MAX_REFS) {
		c->refs[c->n_refs++] = (struct ref){p, n, want, 0};
		/* the first candidate's head is read next: start the miss now */
		__builtin_prefetch(nhead(c->v, 0) + ref_id(&c->refs[c->n_refs - 1], p[0]));
	}
}

static void add_list(struct ctx *c, struct rb_rt_list l)
{
	add_ref(c, c->pool + l.off, l.n, 0);
}

/* Too many keyword hits: every keyword rule becomes a candidate, but not
 * a hit (dst_indexed() checks its keywords directly). */
static void kw_overflow(struct ctx *c)
{
	const struct rb_rt_hdr *h = c->v->h;
	uint32_t k = c->n_refs;

	c->kw_overflow = 1;
	add_list(c, (struct rb_rt_list){h->kw_nodes_off, h->n_kw_nodes});
	if (c->n_refs > k)
		c->refs[k].cand_only = 1;
}

static uint32_t ac_next(const struct ctx *c, const struct rb_rt_ac *ac, uint32_t s,
			unsigned char ch)
{
	for (;;) {
		const uint32_t *e = c->pool + ac[s].edge_off;
		uint32_t lo = 0, hi = ac[s].n_edges;

		if (s == 0)
			return c->pool[c->v->h->ac_root_off + ch];
		if (hi <= 4) {
			for (uint32_t k = 0; k < hi; k++)
				if ((e[k] >> 24) == ch)
					return e[k] & 0xffffff;
			s = ac[s].fail;
			continue;
		}

		while (lo < hi) {
			uint32_t mid = (lo + hi) / 2;

			if ((e[mid] >> 24) < ch)
				lo = mid + 1;
			else
				hi = mid;
		}
		if (lo < ac[s].n_edges && (e[lo] >> 24) == ch)
			return e[lo] & 0xffffff;
		if (s == 0)
			return 0;
		s = ac[s].fail;
	}
}

/* The keyword nodes of state s and of its output chain, each state once
 * per lookup (a chain met again was emitted whole).  Past MAX_KW_REFS
 * states every rule with a keyword becomes a candidate and its keywords
 * are checked directly (kw_overflow). */
static int kw_emit(struct ctx *c, const struct rb_rt_ac *ac, uint32_t s)
{
	for (uint32_t o = ac[s].ids.n ? s : ac[s].out_next; o; o = ac[o].out_next) {
		for (uint32_t k = 0; k < c->n_kw; k++)
			if (c->kw_seen[k] == o)
				return 0;
		if (c->n_kw == MAX_KW_REFS) {
			kw_overflow(c);
			return -1;
		}
		c->kw_seen[c->n_kw++] = o;
		add_list(c, ac[o].ids);
	}
	return 0;
}

/* A keyword of the q-gram index found in the name: its nodes become
 * candidates, each keyword once per lookup; past MAX_KW_REFS keywords
 * every keyword rule becomes a candidate (kw_overflow), as in kw_emit. */
static int kwq_emit(struct ctx *c, uint32_t e, struct rb_rt_list ids)
{
	for (uint32_t k = 0; k < c->n_kw; k++)
		if (c->kw_seen[k] == e)
			return 0;
	if (c->n_kw == MAX_KW_REFS) {
		kw_overflow(c);
		return -1;
	}
	c->kw_seen[c->n_kw++] = e;
	add_list(c, ids);
	return 0;
}

/* The q-gram index: hash the gram at every position of the name (for
 * each gram length present), test the bucket's bit (a small bitmap;
 * these loads are independent of each other, so they overlap), then walk
 * the few non-empty buckets: an entry matches when its gram is the name's
 * and its whole keyword is at the implied position. */
static void kwq_scan(struct ctx *c)
{
	const struct rb_rt_hdr *h = c->v->h;
	const struct rb_rt_kwq *ent = at(c->v, h->kwq_off);
	const uint32_t *start = at(c->v, h->kwq_start_off);
	const uint64_t *bits = at(c->v, h->kwq_bits_off);
	const char *strtab = at(c->v, h->str_off);
	const unsigned char *d = (const unsigned char *)c->dom;
	uint32_t n = c->dlen, mask = h->kwq_mask, nh = 0;
	uint32_t hb[RB_DOMAIN_MAX * RB_RT_KWQ_Q], hg[RB_DOMAIN_MAX * RB_RT_KWQ_Q];
	uint16_t hp[RB_DOMAIN_MAX * RB_RT_KWQ_Q];

	for (uint32_t L = RB_RT_KWQ_Q; L >= 1; L--) {
		uint32_t gmask = L == 4 ? 0xffffffffu : (1u << (8 * L)) - 1;

		if (!(h->kwq_lens & (1u << L)) || L > n)
			continue;
		for (uint32_t i = 0; i + L <= n; i++) {
			uint32_t g, b;

			memcpy(&g, d + i, 4);
			g = le32toh(g) & gmask;
			b = rb_rt_kwq_bucket(g, mask);
			if (bits[b / 64] >> (b % 64) & 1) {
				__builtin_prefetch(&start[b]);
				hb[nh] = b;
				hg[nh] = g;
				hp[nh++] = (uint16_t)i;
			}
		}
	}
	for (uint32_t k = 0; k < nh; k++) {
		for (uint32_t e = start[hb[k]], end = start[hb[k] + 1]; e < end; e++) {
			const struct rb_rt_kwq *x = &ent[e];
			uint32_t p;

			if (x->gram != hg[k] || hp[k] < x->gpos)
				continue;
			p = hp[k] - x->gpos;
			if (p + x->len > n || memcmp(strtab + x->key, d + p, x->len) != 0)
				continue;
			if (kwq_emit(c, e, x->ids))
				return;
		}
	}
}

/* Probe the domain index with the hash of every label suffix: their tag
 * bytes are prefetched first; a miss usually ends in the tag array, a hit
 * reads one entry and the key's bytes (the node's line is prefetched
 * before the compare). */
static void domain_probe(struct ctx *c, const uint64_t *hs, const uint32_t *pos, uint32_t k)
{
	const struct rb_rt_hdr *h = c->v->h;
	const struct rb_rt_dom *t = at(c->v, h->dom_off);
	const uint8_t *tag = at(c->v, h->dom_tag_off);
	const char *strtab = at(c->v, h->str_off);
	uint32_t mask = h->dom_mask, n = c->dlen;

	for (uint32_t j = 0; j < k; j++)
		__builtin_prefetch(&tag[(uint32_t)hs[j] & mask]);
	for (uint32_t j = 0; j < k; j++) {
		uint32_t slot = (uint32_t)hs[j] & mask, len = n - pos[j];
		uint8_t want = RB_RT_DOM_TAG(hs[j]);

		for (uint32_t m = 0; tag[slot] && m <= mask; m++, slot = (slot + 1) & mask) {
			const struct rb_rt_dom *e = &t[slot];
			const uint32_t *ids;
			uint32_t cnt;

			if (tag[slot] != want || e->chk != (uint32_t)(hs[j] >> 32) ||
			    e->n >> 24 != len)
				continue;
			cnt = e->n & 0xffffff;
			ids = cnt == 1 ? &e->ids : c->pool + e->ids;
			__builtin_prefetch(nhead(c->v, ids[0] >> RB_RT_DOM_SHIFT));
			if (memcmp(strtab + e->key, c->dom + pos[j], len) != 0)
				continue;
			add_ref(c, ids, cnt, pos[j] == 0 ? RB_RT_DOM_WHOLE : RB_RT_DOM_SUB);
			break;
		}
	}
}

/* One pass over the name, right to left: lower-case it into c->dom, hash
 * it (recording the hash of every label suffix), and run the keyword
 * automaton (built over the reversed keywords).  The hash and the
 * automaton are two independent dependency chains, so the CPU overlaps
 * them.  Then the domain index is probed. */
static void scan_name(struct ctx *c, const char *src, uint32_t n)
{
	const struct rb_rt_hdr *h = c->v->h;
	const struct rb_rt_ac *ac = at(c->v, h->ac_off);
	const uint32_t *dfa = at(c->v, h->kw_dfa_off);
	const uint8_t *cls = at(c->v, h->kw_cls_off);
	const uint32_t *map = at(c->v, h->kw_map_off), *row_of = at(c->v, h->kw_row_of_off);
	uint32_t nc = h->n_kw_cls, out_row = h->kw_out_row, n_dense = h->n_kw_dense, k = 0, s = 0;
	int kw = !h->n_ac ? 0 : h->kw_dfa_off ? 1 : 2; /* none, DFA, sparse walk */
	uint64_t x = h->seed, hs[RB_DOMAIN_MAX + 1];
	uint32_t pos[RB_DOMAIN_MAX + 1];

	c->dlen = n;
	for (uint32_t i = n; i-- > 0;) {
		unsigned char ch = (unsigned char)src[i];

		ch = (unsigned char)(ch + ((unsigned)(ch - 'A') < 26u ? 32 : 0));
		c->dom[i] = (char)ch;
		if (ch == '.' && i + 1 < n) { /* a label starts at i + 1 */
			hs[k] = hfinal(x, n - i - 1);
			pos[k++] = i + 1;
		}
		x = hstep(x, ch);
		if (kw == 1 && s < RB_RT_KW_SPARSE) {
			/* one dependent load per byte; output (or a state deeper
			 * than the DFA) is rare */
			s = dfa[s + cls[ch]];
			if (__builtin_expect(s >= out_row, 0) &&
			    kw_emit(c, ac, s & RB_RT_KW_SPARSE ? s & ~RB_RT_KW_SPARSE : map[s / nc]))
				kw = 0;
		} else if (kw == 1) {
			/* a state below the DFA: the sparse walk, back to a row
			 * as soon as it reaches a state that has one */
			uint32_t a = ac_next(c, ac, s & ~RB_RT_KW_SPARSE, ch);

			s = a < n_dense ? row_of[a] : RB_RT_KW_SPARSE | a;
			if (kw_emit(c, ac, a))
				kw = 0;
		} else if (kw == 2) {
			s = ac_next(c, ac, s, ch);
			if (kw_emit(c, ac, s))
				kw = 0;
		}
	}
	hs[k] = hfinal(x, n);
	pos[k++] = 0;
	memset(c->dom + n, 0, RB_RT_KWQ_Q);
	if (h->kwq_off)
		kwq_scan(c);
	if (h->dom_off)
		domain_probe(c, hs, pos, k);
}

static struct rb_rt_list imap_lookup(const struct rb_rt_view *v, int map, int fam,
				     const uint8_t *a)
{
	const struct rb_rt_imap *m = &v->h->imap[map];
	const uint32_t *idx = (const uint32_t *)at(v, v->h->pool_off) + m->idx_off;
	struct rb_rt_list none = {0, 0};
	uint32_t top, lo, hi;

	if (!m->n_iv)
		return none;
	top = (uint32_t)a[0] << 8 | a[1];
	lo = idx[top];
	hi = idx[top + 1];
	if (fam == AF_INET) {
		const struct rb_rt_iv4 *iv = at(v, m->iv_off);
		uint32_t x = (uint32_t)a[0] << 24 | (uint32_t)a[1] << 16 | (uint32_t)a[2] << 8 | a[3];

		/* last interval with start <= x, in [lo, hi] */
		while (lo < hi) {
			uint32_t mid = (lo + hi + 1) / 2;

			if (iv[mid].start <= x)
				lo = mid;
			else
				hi = mid - 1;
		}
		return iv[lo].ids;
	} else {
		const struct rb_rt_iv6 *iv = at(v, m->iv_off);
		uint64_t xh = 0, xl = 0;

		for (int i = 0; i < 8; i++) {
			xh = xh << 8 | a[i];
			xl = xl << 8 | a[8 + i];
		}
		while (lo < hi) {
			uint32_t mid = (lo + hi + 1) / 2;

			if (iv[mid].hi < xh || (iv[mid].hi == xh && iv[mid].lo <= xl))
				lo = mid;
			else
				hi = mid - 1;
		}
		return iv[lo].ids;
	}
}

static void ctx_init(struct ctx *c, struct rb_rt_view *v, const struct rb_route_req *req)
{
	const char *d = req->sniff.domain[0] ? req->sniff.domain : req->dst.domain;
	uint32_t n = 0;

	c->v = v;
	c->req = req;
	c->pool = at(v, v->h->pool_off);
	c->kw_overflow = 0;
	c->n_kw = 0;
	c->src_done = 0;
	c->n_refs = 0;
	n = (uint32_t)strnlen(d, RB_DOMAIN_MAX);
	if (n && d[n - 1] == '.')
		n--;
	c->dlen = 0;
	c->dom[0] = 0;
	if (n)
		scan_name(c, d, n);
	c->fam = req->dst.family == AF_INET || req->dst.family == AF_INET6 ? req->dst.family : 0;
	c->ip = req->dst.addr;
	if (c->fam)
		add_list(c, imap_lookup(v, c->fam == AF_INET ? RB_RT_DST4 : RB_RT_DST6, c->fam,
					c->ip));
}

/* ------------------------------------------------------------ evaluation */

static int regex_hit(struct ctx *c, const struct rb_rt_node *n)
{
	static __thread pcre2_match_data *md;
	static __thread pcre2_match_context *mc;

	if (!c->dlen)
		return 0;
	if (!md) {
		md = pcre2_match_data_create(1, NULL);
		mc = pcre2_match_context_create(NULL);
		if (!md || !mc)
			return 0;
		/* PCRE2 backtracks; bound it (RE2 would be linear). */
		pcre2_set_match_limit(mc, 100000);
		pcre2_set_depth_limit(mc, 10000);
	}
	for (uint32_t k = 0; k < n->regex.n; k++) {
		uint32_t r = c->pool[n->regex.off + k];
		pcre2_code *re = r < c->v->n_rx ? c->v->rx[r] : NULL;
		int rc;

		if (!re)
			continue;
		rc = pcre2_match(re, (PCRE2_SPTR)c->dom, c->dlen, 0, 0, md, mc);
		if (rc >= 0)
			return 1;
		if (rc != PCRE2_ERROR_NOMATCH)
			__atomic_fetch_add(&c->v->rx_errors, 1, __ATOMIC_RELAXED);
	}
	return 0;
}

static int keyword_direct(struct ctx *c, const struct rb_rt_node *n)
{
	for (uint32_t k = 0; k < n->keyword.n; k++)
		if (strstr(c->dom, str(c->v, c->pool[n->keyword.off + k])))
			return 1;
	return 0;
}

static int dst_indexed(struct ctx *c, uint32_t id, const struct rb_rt_node *n)
{
	for (uint32_t k = 0; k < c->n_refs; k++)
		if (!c->refs[k].cand_only && ref_has(&c->refs[k], id))
			return 1;
	return c->kw_overflow && (n->items & RB_RTI_KEYWORD) && keyword_direct(c, n);
}

static int port_in(const uint32_t *pool, struct rb_rt_list l, uint16_t p)
{
	for (uint32_t k = 0; k < l.n; k++) {
		uint32_t r = pool[l.off + k];

		if (p >= (r >> 16) && p <= (r & 0xffff))
			return 1;
	}
	return 0;
}

static int user_in(struct ctx *c, struct rb_rt_list l)
{
	for (uint32_t k = 0; k < l.n; k++)
		if (strcmp(str(c->v, c->pool[l.off + k]), c->req->user) == 0)
			return 1;
	return 0;
}

static int src_hit(struct ctx *c, uint32_t id)
{
	const struct rb_route_req *r = c->req;

	if (!c->src_done) {
		c->src_done = 1;
		c->src.n = 0;
		if (r->src_family == AF_INET || r->src_family == AF_INET6)
			c->src = imap_lookup(c->v, r->src_family == AF_INET ? RB_RT_SRC4 : RB_RT_SRC6,
					     r->src_family, r->src_addr);
	}
	return in_list(c->pool, c->src, id);
}

/* Group verdicts of a default rule: bit g set when group g fails. */
enum { G_INBOUND, G_NETWORK, G_USER, G_PROTO, G_IPVER, G_DST, G_PORT, G_SRC, G_SRCPORT, G_N };
static const char *const group_names[G_N] = {
	"inbound", "network", "auth_user", "protocol", "ip_version",
	"destination address (domain/domain_suffix/domain_keyword/domain_regex/ip_cidr/ip_is_private)",
	"port/port_range", "source address (source_ip_cidr/source_ip_is_private)",
	"source_port/source_port_range",
};

static unsigned eval_groups(struct ctx *c, uint32_t id, const struct rb_rt_node *n, int all)
{
	const struct rb_route_req *r = c->req;
	unsigned fail = 0;
	uint32_t it = n->items;

#define FAIL(g)                                                                            \
	do {                                                                               \
		fail |= 1u << (g);                                                         \
		if (!all)                                                                  \
			return fail;                                                       \
	} while (0)
	if ((it & RB_RTI_INBOUND) && !in_list(c->pool, n->inbound, r->inbound))
		FAIL(G_INBOUND);
	if ((it & RB_RTI_NETWORK) && !(n->network & r->network))
		FAIL(G_NETWORK);
	if ((it & RB_RTI_AUTH_USER) && !user_in(c, n->auth_user))
		FAIL(G_USER);
	if ((it & RB_RTI_PROTOCOL) && (r->sniff.proto >= 16 || !(n->protocol & (1u << r->sniff.proto))))
		FAIL(G_PROTO);
	if ((it & RB_RTI_IP_VERSION) &&
	    !(c->fam && (c->fam == AF_INET6) == (n->ip_version == 6)))
		FAIL(G_IPVER);
	if ((it & RB_RTI_PORT) && !port_in(c->pool, n->port, r->dst.port))
		FAIL(G_PORT);
	if ((it & RB_RTI_SRC_PORT) && !port_in(c->pool, n->src_port, r->src_port))
		FAIL(G_SRCPORT);
	if ((it & RB_RTI_SRC_ADDR) &&
	    !(((it & RB_RTI_SRC_CIDR) && src_hit(c, id)) ||
	      ((it & RB_RTI_SRC_PRIVATE) && rb_rt_ip_is_private(r->src_family, r->src_addr))))
		FAIL(G_SRC);
	if ((it & RB_RTI_DST_ADDR) &&
	    !(((it & RB_RTI_DST_INDEXED) && dst_indexed(c, id, n)) ||
	      ((it & RB_RTI_IP_PRIVATE) && c->fam && rb_rt_ip_is_private(c->fam, c->ip)) ||
	      ((it & RB_RTI_REGEX) && regex_hit(c, n))))
		FAIL(G_DST);
#undef FAIL
	return fail;
}

static int eval(struct ctx *c, uint32_t id, int depth)
{
	const struct rb_rt_node *n = node(c->v, id);

	if (n->kind == RB_RT_LOGICAL) {
		int and = n->mode == 0, r = and;

		if (depth > RB_RULE_MAX_DEPTH + 1)
			return 0;
		for (uint32_t k = 0; k < n->children.n; k++) {
			int x = eval(c, c->pool[n->children.off + k], depth + 1);

			if (and && !x) {
				r = 0;
				break;
			}
			if (!and && x) {
				r = 1;
				break;
			}
		}
		return r ^ n->invert;
	}
	if (n->items == 0)
		return 1; /* sing-box: a rule without items matches (invert ignored) */
	return (eval_groups(c, id, n, 0) == 0) ^ n->invert;
}

static void apply_overrides(const struct rb_rt_node *n, struct rb_route_result *res)
{
	if (n->override_family) {
		res->override_family = n->override_family;
		memcpy(res->override_addr, n->override_addr, 16);
	}
	if (n->override_port)
		res->override_port = n->override_port;
}

/* The next top-level id a ref offers at or after *cur (UINT32_MAX: none;
 * sub-rule ids follow all top-level ones). */
static inline uint32_t ref_head(const struct ctx *c, const struct ref *r, uint32_t *cur)
{
	for (; *cur < r->n; (*cur)++) {
		uint32_t x = r->p[*cur];

		if (ref_pass(r, x)) {
			uint32_t id = ref_id(r, x);

			return id < c->v->h->n_rules ? id : UINT32_MAX;
		}
	}
	return UINT32_MAX;
}

/* Next candidate (smallest top-level id > last) from the refs and the linear list. */
static uint32_t next_candidate(struct ctx *c, uint32_t *cur, int *from_ref, uint32_t *lin_pos)
{
	const struct rb_rt_hdr *h = c->v->h;
	uint32_t best = UINT32_MAX;

	for (uint32_t k = 0; k < c->n_refs; k++) {
		uint32_t x = ref_head(c, &c->refs[k], &cur[k]);

		if (x < best)
			best = x;
	}
	if (*lin_pos < h->n_linear) {
		uint32_t x = c->pool[h->linear_off + *lin_pos];

		if (x < best)
			best = x;
	}
	if (best == UINT32_MAX)
		return best;
	*from_ref = 0;
	for (uint32_t k = 0; k < c->n_refs; k++)
		if (ref_head(c, &c->refs[k], &cur[k]) == best) {
			cur[k]++;
			*from_ref |= !c->refs[k].cand_only;
		}
	if (*lin_pos < h->n_linear && c->pool[h->linear_off + *lin_pos] == best)
		(*lin_pos)++;
	return best;
}

int rb_rt_match(struct rb_rt_view *v, const struct rb_route_req *req,
		struct rb_route_result *res)
{
	struct ctx c;
	uint32_t cur[MAX_REFS], lin = 0, id;
	int from_ref = 0;
	int dst_is_domain_only = !(req->dst.family == AF_INET || req->dst.family == AF_INET6);

	if (!v || !v->h)
		return -EINVAL;
	ctx_init(&c, v, req);
	memset(cur, 0, sizeof(uint32_t) * c.n_refs);
	while ((id = next_candidate(&c, cur, &from_ref, &lin)) != UINT32_MAX) {
		const struct rb_rt_nhead *nh = nhead(v, id);
		const struct rb_rt_node *n;

		/* a rule with only indexed destination items that an index
		 * produced has matched: no need to evaluate it again */
		if (!(from_ref && (nh->flags & RB_RT_NH_PROVEN)) && !eval(&c, id, 0))
			continue;
		switch (nh->action) {
		case RB_RA_ROUTE:
			res->action = RB_ACT_ROUTE;
			res->outbound = nh->outbound;
			res->rule = id < 0xfffe ? (uint16_t)id : 0xfffe;
			if (nh->flags & RB_RT_NH_OVERRIDE)
				apply_overrides(node(v, id), res);
			return 0;
		case RB_RA_REJECT:
			res->action = RB_ACT_REJECT;
			res->reject = nh->reject_method;
			res->rule = id < 0xfffe ? (uint16_t)id : 0xfffe;
			return 0;
		case RB_RA_SNIFF:
			if (req->sniff.proto != RB_SNIFF_NONE)
				continue; /* sniffed already (or tried): go on */
			n = node(v, id);
			res->need_sniff = 1;
			res->sniff_timeout_ms = n->sniff_timeout_ms;
			res->sniffers = n->sniffers;
			res->rule = id < 0xfffe ? (uint16_t)id : 0xfffe;
			return 0;
		case RB_RA_RESOLVE:
			if (!dst_is_domain_only || !req->dst.domain[0])
				continue;
			n = node(v, id);
			res->need_resolve = 1;
			res->resolve_strategy = n->strategy;
			res->rule = id < 0xfffe ? (uint16_t)id : 0xfffe;
			return 0;
		case RB_RA_ROUTE_OPTIONS:
			apply_overrides(node(v, id), res);
			continue;
		default:
			continue;
		}
	}
	res->action = RB_ACT_ROUTE;
	res->outbound = (uint16_t)v->h->final_outbound;
	res->rule = RB_RULE_FINAL;
	return 0;
}

int rb_rt_explain(struct rb_rt_view *v, const struct rb_route_req *req, uint32_t id, char *buf,
		  size_t len)
{
	struct ctx c;
	const struct rb_rt_node *n;
	size_t o = 0;
	unsigned fail;
	int r;

	buf[0] = 0;
	if (!v || !v->h || id >= v->h->n_nodes)
		return 0;
	ctx_init(&c, v, req);
	n = node(v, id);
	r = eval(&c, id, 0);
	if (n->kind == RB_RT_LOGICAL) {
		o += (size_t)snprintf(buf + o, len - o, "logical %s of %u rules%s: %s",
				      n->mode ? "or" : "and", n->children.n,
				      n->invert ? " (inverted)" : "", r ? "matches" : "no match");
		for (uint32_t k = 0; k < n->children.n && o < len; k++) {
			uint32_t ch = c.pool[n->children.off + k];

			o += (size_t)snprintf(buf + o, len - o, "; rule %u %s", k,
					      eval(&c, ch, 1) ? "matches" : "does not match");
		}
		return r;
	}
	if (n->items == 0) {
		snprintf(buf, len, "no items: matches everything");
		return 1;
	}
	fail = eval_groups(&c, id, n, 1);
	for (int g = 0; g < G_N && o < len; g++) {
		static const uint32_t gitems[G_N] = {
			RB_RTI_INBOUND, RB_RTI_NETWORK, RB_RTI_AUTH_USER, RB_RTI_PROTOCOL,
			RB_RTI_IP_VERSION, RB_RTI_DST_ADDR, RB_RTI_PORT, RB_RTI_SRC_ADDR,
			RB_RTI_SRC_PORT,
		};

		if (!(n->items & gitems[g]))
			continue;
		o += (size_t)snprintf(buf + o, len - o, "%s%s %s", o ? "; " : "", group_names[g],
				      fail & (1u << g) ? "does not match" : "matches");
	}
	if (n->invert && o < len)
		snprintf(buf + o, len - o, "; inverted: %s", r ? "matches" : "no match");
	return r;
}

const char *rb_rt_inbound_tag(const struct rb_rt_view *v, uint32_t i)
{
	const uint32_t *t = (const uint32_t *)at(v, v->h->pool_off) + v->h->tags_off;

	return i < v->h->n_inbounds ? str(v, t[i]) : "";
}

const char *rb_rt_outbound_tag(const struct rb_rt_view *v, uint32_t i)
{
	const uint32_t *t = (const uint32_t *)at(v, v->h->pool_off) + v->h->tags_off;

	return i < v->h->n_outbounds ? str(v, t[v->h->n_inbounds + i]) : "";
}

int rb_rt_find_inbound(const struct rb_rt_view *v, const char *tag)
{
	for (uint32_t i = 0; i < v->h->n_inbounds; i++)
		if (strcmp(rb_rt_inbound_tag(v, i), tag) == 0)
			return (int)i;
	return -1;
}
