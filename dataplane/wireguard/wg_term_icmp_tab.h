/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Terminated mode, ICMP echo relay: the per-worker identifier table
 * (wg_term_icmp_tab.c; pure, no DPDK: unit-tested alone).
 *
 * A session is (endpoint, family, the peer's inner source, its echo
 * identifier, the destination it pinged).  Its echo requests leave with an
 * identifier of ours, the *outer* id (RFC 792 "Identifier", RFC 4443 4.1),
 * which the destination's echo replies carry back (RFC 792: the reply's
 * identifier and sequence are the request's; RFC 4443 4.2).  The outer id
 * names the worker that owns the session: outer % n_workers == worker, so
 * a reply received on any worker is handed to its owner without a lookup.
 * Within one worker, outer / n_workers = slot + cap * generation: a slot's
 * next session gets another id, so a late reply to an ended session does
 * not reach its successor.
 *
 * Bounded (cap sessions); the caller ends idle ones (wg_icmp_tab_expire).
 */
#ifndef WG_TERM_ICMP_TAB_H
#define WG_TERM_ICMP_TAB_H

#include <stdint.h>

#define WG_ICMP_TAB_MAX     1024      /* sessions per worker, at most */
#define WG_ICMP_TAB_BUCKETS 1024

struct wg_icmp_key {
	uint8_t family;                   /* AF_INET / AF_INET6 */
	uint8_t ep;                       /* endpoint index */
	uint16_t id;                      /* the peer's echo identifier */
	uint8_t src[16];                  /* the peer's inner address (IPv4: first 4 bytes) */
	uint8_t dst[16];                  /* the address it pinged */
};

struct wg_icmp_ent {
	struct wg_icmp_key k;
	uint8_t to[16];                   /* where the echo goes (dst, or a route override) */
	uint16_t outer;                   /* our identifier */
	uint8_t used;
	uint16_t gen;                     /* reuses of this slot */
	int32_t next;                     /* hash chain / free list, -1 = end */
	uint64_t last;                    /* caller's clock at the last echo either way */
	uint64_t idle;                    /* ends when idle longer (caller's units; add sets 0) */
};

struct wg_icmp_tab {
	unsigned worker, n_workers;
	unsigned cap;                     /* slots in use: min(asked, 65536 / n_workers) */
	unsigned gens;                    /* generations per slot: (65536 / n_workers) / cap */
	unsigned n_used;
	int32_t free_head;
	int32_t bucket[WG_ICMP_TAB_BUCKETS];
	struct wg_icmp_ent e[WG_ICMP_TAB_MAX];
};

/* cap: at most WG_ICMP_TAB_MAX (and 65536 / n_workers); 0 = the maximum.
 * n_workers >= 1, worker < n_workers. */
void wg_icmp_tab_init(struct wg_icmp_tab *t, unsigned worker, unsigned n_workers, unsigned cap);
/* The session of key k, or NULL. */
struct wg_icmp_ent *wg_icmp_tab_find(struct wg_icmp_tab *t, const struct wg_icmp_key *k);
/* A new session for k (not present) toward `to` (16 bytes, the key's
 * family), last = now; NULL when the table is full. */
struct wg_icmp_ent *wg_icmp_tab_add(struct wg_icmp_tab *t, const struct wg_icmp_key *k,
				    const uint8_t *to, uint64_t now);
/* The session an echo reply from `from` (16 bytes) with identifier outer
 * belongs to, or NULL (not ours, ended, or another worker's id). */
struct wg_icmp_ent *wg_icmp_tab_reply(struct wg_icmp_tab *t, uint8_t family, const uint8_t *from,
				      uint16_t outer);
void wg_icmp_tab_del(struct wg_icmp_tab *t, struct wg_icmp_ent *e);
/* End every session idle for longer than its idle (now - last > idle):
 * gone(e, arg) first, then it is removed.  Returns how many ended. */
unsigned wg_icmp_tab_expire(struct wg_icmp_tab *t, uint64_t now,
			    void (*gone)(struct wg_icmp_ent *e, void *arg), void *arg);
/* Which worker owns the session with identifier outer. */
static inline unsigned wg_icmp_outer_owner(uint16_t outer, unsigned n_workers)
{
	return n_workers > 1 ? outer % n_workers : 0;
}

#endif
