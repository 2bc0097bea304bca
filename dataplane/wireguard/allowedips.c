/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Allowed IPs (whitepaper section 3, "cryptokey routing"): a binary trie
 * per address family mapping prefixes to peers.  Outbound, the longest
 * match picks the peer a packet is encrypted to; inbound, the longest match
 * of a decrypted packet's source must be the peer it came from.
 *
 * The trie is not modified while workers read it: a change builds a copy
 * (wg_aip_clone), edits it and publishes the new pointer (RCU), the old
 * one is freed after a grace period.  Lookups walk at most 32/128 nodes.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include "wg.h"

struct wg_aip_node {
	struct wg_aip_node *child[2];
	void *peer;          /* owner of the prefix ending here, or NULL */
};

void wg_aip_init(struct wg_allowedips *t)
{
	memset(t, 0, sizeof(*t));
}

static inline int bit_at(const uint8_t *a, unsigned i)
{
	return (a[i >> 3] >> (7 - (i & 7))) & 1;
}

int wg_aip_insert(struct wg_allowedips *t, int family, const uint8_t *addr, uint8_t plen,
		  void *peer)
{
	struct wg_aip_node **n = family == AF_INET ? &t->root4 : &t->root6;
	unsigned max = family == AF_INET ? 32 : 128;

	if (plen > max || peer == NULL)
		return -1;
	for (unsigned i = 0;; i++) {
		if (*n == NULL) {
			*n = calloc(1, sizeof(**n));
			if (*n == NULL)
				return -1;
		}
		if (i == plen)
			break;
		n = &(*n)->child[bit_at(addr, i)];
	}
	if ((*n)->peer == NULL)
		t->n_entries++;
	(*n)->peer = peer;
	return 0;
}

/* Remove peer's entries; returns true when the subtree became empty. */
static bool remove_rec(struct wg_aip_node **n, void *peer, uint32_t *count)
{
	if (*n == NULL)
		return true;
	if ((*n)->peer == peer) {
		(*n)->peer = NULL;
		(*count)--;
	}
	bool l = remove_rec(&(*n)->child[0], peer, count);
	bool r = remove_rec(&(*n)->child[1], peer, count);

	if (l && r && (*n)->peer == NULL) {
		free(*n);
		*n = NULL;
		return true;
	}
	return false;
}

void wg_aip_remove_peer(struct wg_allowedips *t, void *peer)
{
	remove_rec(&t->root4, peer, &t->n_entries);
	remove_rec(&t->root6, peer, &t->n_entries);
}

void *wg_aip_lookup(const struct wg_allowedips *t, int family, const uint8_t *addr)
{
	const struct wg_aip_node *n = family == AF_INET ? t->root4 : t->root6;
	unsigned max = family == AF_INET ? 32 : 128;
	void *best = NULL;

	for (unsigned i = 0; n != NULL; i++) {
		if (n->peer)
			best = n->peer;
		if (i == max)
			break;
		n = n->child[bit_at(addr, i)];
	}
	return best;
}

static void free_rec(struct wg_aip_node *n)
{
	if (n == NULL)
		return;
	free_rec(n->child[0]);
	free_rec(n->child[1]);
	free(n);
}

void wg_aip_free(struct wg_allowedips *t)
{
	free_rec(t->root4);
	free_rec(t->root6);
	t->root4 = t->root6 = NULL;
	t->n_entries = 0;
}

static int clone_rec(struct wg_aip_node **dst, const struct wg_aip_node *src)
{
	if (src == NULL) {
		*dst = NULL;
		return 0;
	}
	*dst = calloc(1, sizeof(**dst));
	if (*dst == NULL)
		return -1;
	(*dst)->peer = src->peer;
	if (clone_rec(&(*dst)->child[0], src->child[0]) != 0)
		return -1;
	return clone_rec(&(*dst)->child[1], src->child[1]);
}

int wg_aip_clone(struct wg_allowedips *dst, const struct wg_allowedips *src)
{
	wg_aip_init(dst);
	if (src == NULL)
		return 0;
	dst->n_entries = src->n_entries;
	if (clone_rec(&dst->root4, src->root4) != 0 || clone_rec(&dst->root6, src->root6) != 0) {
		wg_aip_free(dst);
		return -1;
	}
	return 0;
}
