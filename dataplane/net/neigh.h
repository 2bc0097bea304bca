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

#endif
