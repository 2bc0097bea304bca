/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Per-lcore statistics.  Each struct rb_lcore_stats is written by its lcore
 * alone, as plain aligned u64 stores (no atomics on the fast path), and lives
 * in the shared-memory segment so that ringbox-control can read it without
 * locks.  The writer bumps `epoch` to an odd value before a batch of updates
 * that must be seen together and back to even after (VPP stats-segment
 * style); readers retry while it is odd or changed.
 */
#ifndef RB_STATS_H
#define RB_STATS_H

#include <stdint.h>
#include "rb_counters.h"
#include "../config/rb_config.h"

struct rb_port_counters {
	uint64_t rx_packets;
	uint64_t rx_bytes;
	uint64_t tx_packets;
	uint64_t tx_bytes;
};

struct rb_lcore_stats {
	volatile uint64_t epoch;
	uint64_t loops;             /* worker loop iterations */
	uint64_t busy_loops;        /* iterations that moved at least one packet */
	uint64_t busy_cycles;       /* TSC cycles spent in those iterations */
	struct rb_port_counters port[RB_MAX_PORTS];
	uint64_t drops[RB_DROP_MAX];
	uint64_t events[RB_EV_MAX];
} __attribute__((aligned(64)));

/*
 * Busy time of one worker iteration that started at TSC `start` and ended
 * at `end`.  A thread moved to another CPU may read a TSC a little behind
 * the one it started on: that iteration adds nothing, rather than wrapping
 * the unsigned delta (which took ringbox_lcore_busy_seconds_total back).
 */
static inline void rb_stats_busy_add(struct rb_lcore_stats *s, uint64_t start, uint64_t end)
{
	if (end > start)
		s->busy_cycles += end - start;
}

/* Cycles to seconds; 0 while the TSC rate is unknown.  Monotonic in cycles
 * for a fixed hz (the dataplane's rte_get_tsc_hz(), fixed for its life). */
static inline double rb_stats_tsc_seconds(uint64_t cycles, uint64_t hz)
{
	return hz ? (double)cycles / (double)hz : 0.0;
}

#endif
