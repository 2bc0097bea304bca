/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Per-lcore ARP/ND neighbor table (RFC 826, RFC 4861 section 7.3).
 *
 * Each worker owns its table; learned entries reach the other workers as
 * RB_MK_LEARN copies over their handoff rings, so no lock is ever taken.
 * The table lives in the shared-memory segment: ringbox-control reads it
 * with the per-entry sequence counter (odd = being written) for
 * `ringboxctl neigh`.  Packets waiting for resolution are held in a
 * bounded per-entry queue.
 */
#ifndef RB_NEIGH_H
#define RB_NEIGH_H

#include <stdint.h>

#define RB_NEIGH_SLOTS    1024   /* power of two */
#define RB_NEIGH_PENDING  4      /* packets queued per unresolved entry */
#define RB_NEIGH_PROBES   3      /* requests before giving up */

enum rb_neigh_state {
	RB_NEIGH_FREE = 0,
	RB_NEIGH_INCOMPLETE,     /* request sent, waiting */
	RB_NEIGH_REACHABLE,
	RB_NEIGH_STALE,          /* aged: used once more while re-probing */
	RB_NEIGH_STATIC,         /* from config, never ages */
	RB_NEIGH_FAILED,         /* resolution failed; kept briefly */
};

struct rb_neigh_entry {
	volatile uint32_t seq;   /* odd while the owner writes the entry */
	uint8_t state;
	uint8_t family;          /* AF_INET / AF_INET6 */
	uint16_t port;           /* port index */
	uint8_t ip[16];
	uint8_t mac[6];
	uint8_t probes;
	uint8_t n_pending;
	uint64_t updated;        /* TSC of the last confirmation */
	uint64_t next_probe;     /* TSC of the next (re)transmission */
	uint64_t pending[RB_NEIGH_PENDING]; /* struct rte_mbuf * (dataplane only) */
} __attribute__((aligned(64)));

struct rb_neigh_table {
	uint32_t n_used;
	uint32_t pad;
	struct rb_neigh_entry e[RB_NEIGH_SLOTS];
};

struct rb_lcore;
struct rte_mbuf;

/* Find an entry (NULL if none). ip is 4 or 16 bytes per family. */
struct rb_neigh_entry *rb_neigh_lookup(struct rb_lcore *lc, uint16_t port, int family,
				       const uint8_t *ip);
/* Learn or confirm ip -> mac on port.  create: add an entry if missing (a
 * solicitation or reply addressed to us); otherwise only refresh an existing
 * one (RFC 826 merge rule, RFC 4861 7.2.5).  Flushes packets pending on it. */
void rb_neigh_update(struct rb_lcore *lc, uint16_t port, int family, const uint8_t *ip,
		     const uint8_t mac[6], int create);
/* Add a static entry from config. */
int rb_neigh_add_static(struct rb_lcore *lc, uint16_t port, int family, const uint8_t *ip,
			const uint8_t mac[6]);
/* Send m (data at its IP header) to next hop ip on port: fill in the
 * Ethernet header if resolved, else queue (bounded) and solicit. */
void rb_neigh_output(struct rb_lcore *lc, uint16_t port, int family, const uint8_t *ip,
		     struct rte_mbuf *m);
/* Age entries and retransmit solicitations; called from housekeeping. */
void rb_neigh_timer(struct rb_lcore *lc);
/* Family-specific solicitation senders (arp.c, nd.c). */
void rb_arp_solicit(struct rb_lcore *lc, uint16_t port, uint32_t target);
void rb_nd_solicit(struct rb_lcore *lc, uint16_t port, const uint8_t target[16], int unicast,
		   const uint8_t dmac[6]);

#endif
