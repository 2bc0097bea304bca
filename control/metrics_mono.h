/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Monotonic counters on /metrics (control/README.md, "Metrics: counters
 * never go back").  Every sample whose metric name ends in "_total" passes
 * through a table of series (name + labels, FNV-1a 64) holding the highest
 * raw value seen, the generation it was seen in and an offset:
 *  - raw >= last: emitted raw + offset;
 *  - raw <  last and the generation changed (control restarted, control
 *    re-attached, the dataplane restarted): the source was reset, the offset
 *    grows by the last raw value, so the series continues where it was;
 *  - raw <  last in the same generation: a glitch, the last value is held
 *    (rb_mono_stats.held counts these).
 * The table lives in a POSIX shm object of its own (<shm_name>.metrics),
 * so a restarted ringbox-control continues every series; without it (or
 * in tests) it lives in memory the caller gives.
 */
#ifndef RB_METRICS_MONO_H
#define RB_METRICS_MONO_H

#include <stddef.h>
#include <stdint.h>
#include "rb_json.h"

#define RB_MONO_SLOTS 16384u

struct rb_mono;

struct rb_mono_stats {
	uint64_t resets;   /* decreases taken as a source reset (offset grew) */
	uint64_t held;     /* decreases within a generation (value held) */
	uint64_t full;     /* samples passed through unguarded: table full */
	uint64_t bad;      /* "_total" samples whose value did not parse */
};

/* Bytes of state rb_mono_init needs. */
size_t rb_mono_size(void);
/* Use mem (rb_mono_size() bytes, kept across restarts by the caller): an
 * existing table of this layout is kept, anything else is cleared.  NULL
 * when mem is NULL or too small. */
struct rb_mono *rb_mono_init(void *mem, size_t size);
/* The shm object "<shm_name>.metrics" (created 0600 if missing), falling
 * back to process memory with a reason in err.  NULL only without memory. */
struct rb_mono *rb_mono_open(const char *shm_name, char *err, size_t errlen);
void rb_mono_close(struct rb_mono *m);

/* One sample: the value to emit for series key (hash of name + labels). */
uint64_t rb_mono_u64(struct rb_mono *m, uint64_t key, uint64_t gen, uint64_t raw);
double rb_mono_dbl(struct rb_mono *m, uint64_t key, uint64_t gen, double raw);
uint64_t rb_mono_key(const char *series, size_t len);

/* Filter an exposition text (in, len) into out: "_total" samples guarded,
 * every other line copied unchanged. */
void rb_mono_filter(struct rb_mono *m, uint64_t gen, const char *in, size_t len,
		    struct rb_json *out);
struct rb_mono_stats rb_mono_get_stats(const struct rb_mono *m);

#endif
