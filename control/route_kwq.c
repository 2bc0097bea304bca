/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The keyword q-gram index (rt_wire.h, "kwq"): every distinct keyword once,
 * with the sorted list of the nodes that carry it, filed under the q-gram
 * of it that the fewest keywords contain (so that buckets stay short and a
 * gram common in names, like ".com", is picked only when a keyword has no
 * other); keywords shorter than q are filed under themselves.  O(n log n)
 * in the keywords' total length.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "route_kwq.h"

#define Q RB_RT_KWQ_Q

static int cmp_kw(const void *a, const void *b)
{
	const struct rb_route_kw *x = a, *y = b;
	int c = strcmp(x->s, y->s);

	return c ? c : x->node < y->node ? -1 : x->node > y->node;
}

static uint32_t gram_at(const char *s, size_t len)
{
	uint32_t g = 0;

	for (size_t i = 0; i < len && i < Q; i++)
		g |= (uint32_t)(unsigned char)s[i] << (8 * i);
	return g;
}

/* Gram counts: open addressing over the (non-zero) q-grams, cap a power
 * of two above twice their number. */
static uint32_t *gslot(uint32_t *key, uint32_t mask, uint32_t g)
{
	uint32_t i = rb_rt_kwq_bucket(g, mask);

	while (key[i] && key[i] != g)
		i = (i + 1) & mask;
	return &key[i];
}

int rb_route_kwq_build(struct rb_route_kw *kw, size_t n, struct rb_route_kwq *out)
{
	struct rb_rt_kwq *tmp = NULL;
	uint32_t *gkey = NULL, *cnt = NULL, *bkt = NULL, *fill = NULL, nd = 0, nb = 64, gmask = 63;
	size_t ng = 0;
	int rc = -ENOMEM;

	memset(out, 0, sizeof(*out));
	qsort(kw, n, sizeof(*kw), cmp_kw);
	for (size_t i = 0; i < n; i++) {
		size_t len = strlen(kw[i].s);

		if (len >= Q && len <= RB_RT_KWQ_LEN_MAX)
			ng += len - Q + 1;
	}
	tmp = calloc(n ? n : 1, sizeof(*tmp));
	out->ids = malloc((n ? n : 1) * 4);
	while (gmask < 2 * ng)
		gmask = gmask * 2 + 1;
	gkey = calloc((size_t)gmask + 1, 4);
	cnt = calloc((size_t)gmask + 1, 4);
	if (!tmp || !out->ids || !gkey || !cnt)
		goto out;
	/* distinct keywords with their nodes; every q-gram of each (a gram
	 * repeated inside one keyword counts once per occurrence: harmless) */
	for (size_t i = 0, j; i < n; i = j) {
		size_t len = strlen(kw[i].s);
		uint32_t first = out->n_ids;

		for (j = i; j < n && strcmp(kw[j].s, kw[i].s) == 0; j++)
			if (j == i || kw[j].node != kw[j - 1].node)
				out->ids[out->n_ids++] = kw[j].node;
		if (len == 0 || len > RB_RT_KWQ_LEN_MAX) /* matches no name */
			continue;
		tmp[nd].key = kw[i].key;
		tmp[nd].len = (uint16_t)len;
		tmp[nd].ids = (struct rb_rt_list){first, out->n_ids - first};
		tmp[nd].gram = (uint32_t)i; /* the keyword's index in kw, for now */
		nd++;
		if (len >= Q) {
			out->lens |= 1u << Q;
			for (size_t p = 0; p + Q <= len; p++) {
				uint32_t g = gram_at(kw[i].s + p, Q), *k = gslot(gkey, gmask, g);

				*k = g;
				cnt[k - gkey]++;
			}
		} else {
			out->lens |= 1u << len;
		}
	}
	/* each keyword's rarest gram */
	for (uint32_t k = 0; k < nd; k++) {
		struct rb_rt_kwq *e = &tmp[k];
		const char *s = kw[e->gram].s;
		uint32_t best = UINT32_MAX;

		e->gram = gram_at(s, e->len);
		e->gpos = 0;
		for (uint32_t p = 0; e->len >= Q && p + Q <= e->len; p++) {
			uint32_t g = gram_at(s + p, Q), c = cnt[gslot(gkey, gmask, g) - gkey];

			if (c < best) {
				best = c;
				e->gram = g;
				e->gpos = (uint16_t)p;
			}
		}
	}
	/* buckets: at least 16 per entry, so that the bitmap answers most
	 * probes of grams that no keyword is filed under (a false positive
	 * costs a cache miss in the bucket starts) */
	while (nb < 16 * (uint64_t)nd && nb < (1u << 30))
		nb *= 2;
	out->mask = nb - 1;
	out->start = calloc((size_t)nb + 1, 4);
	out->bits = calloc(nb / 64, 8);
	out->ent = malloc((nd ? nd : 1) * sizeof(*out->ent));
	bkt = malloc((nd ? nd : 1) * 4);
	fill = calloc(nb, 4);
	if (!out->start || !out->bits || !out->ent || !bkt || !fill)
		goto out;
	for (uint32_t k = 0; k < nd; k++) {
		bkt[k] = rb_rt_kwq_bucket(tmp[k].gram, out->mask);
		out->start[bkt[k] + 1]++;
		out->bits[bkt[k] / 64] |= 1ULL << (bkt[k] % 64);
	}
	for (uint32_t b = 0; b < nb; b++)
		out->start[b + 1] += out->start[b];
	for (uint32_t k = 0; k < nd; k++)
		out->ent[out->start[bkt[k]] + fill[bkt[k]]++] = tmp[k];
	out->n_ent = nd;
	rc = 0;
out:
	if (rc)
		rb_route_kwq_free(out);
	free(tmp);
	free(gkey);
	free(cnt);
	free(bkt);
	free(fill);
	return rc;
}

void rb_route_kwq_free(struct rb_route_kwq *q)
{
	free(q->ent);
	free(q->start);
	free(q->bits);
	free(q->ids);
	memset(q, 0, sizeof(*q));
}
