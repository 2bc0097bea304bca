/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The one shared-memory segment between ringbox-dataplane and
 * ringbox-control (POSIX shm, named by dataplane.shm_name, default
 * "/ringbox").  The dataplane creates and lays it out; control maps it
 * without EAL.  This header is the dataplane's side of the contract, plus
 * the core functions both processes use (segment, messages, tables, stats
 * readers).  The layout itself is in rb_shm_wire.h; the design is in
 * control/README.md.
 *
 * Nothing here needs rte_eal_init(): rte_ring_init() and the inline ring
 * functions work on any memory, so tests create segments without EAL.
 */
#ifndef RB_SHM_H
#define RB_SHM_H

#include <stddef.h>
#include <stdint.h>
#include "../rb_stats.h"
#include "../net/neigh.h"
#include "rb_shm_wire.h"

struct rb_shm;
struct rb_dp;

/* Create (or recreate) the segment for n_workers workers. NULL + err on failure. */
struct rb_shm *rb_shm_create(const struct rb_config *cfg, unsigned n_workers, char *err,
			     size_t errlen);
/* The stats block and neighbor table of one worker, inside the segment. */
struct rb_lcore_stats *rb_shm_lcore_stats(struct rb_shm *s, unsigned worker);
struct rb_neigh_table *rb_shm_lcore_neigh(struct rb_shm *s, unsigned worker);
/* Publish port descriptions (names, MACs, addresses) once ports are up. */
void rb_shm_set_ports(struct rb_shm *s, const struct rb_dp *dp);
/* Main lcore, about every millisecond: heartbeat, command ring, events. */
void rb_shm_service(struct rb_shm *s, struct rb_dp *dp);
/* Clean shutdown: mark down and unlink. */
void rb_shm_destroy(struct rb_shm *s);

/* ---------------- core (segment.c, msg.c, table.c) ---------------- */

struct rte_ring;

/* A mapping of the segment, in either process. */
struct rb_shm {
	char name[RB_NAME_LEN];
	void *base;
	size_t size;
	int owner;                       /* created it (dataplane side) */
	struct rb_shm_hdr *hdr;
	struct rte_ring *tx;             /* ring this side enqueues into */
	struct rte_ring *rx;             /* ring this side dequeues from */
	struct rb_shm_msg_counters *msgs; /* this side's counters */
	struct rb_shm_msg_counters local; /* control's counters (process memory) */
	uint64_t tbl_seen;               /* dataplane: last table_pub handled */
	uint32_t next_seq;
};

/* Create a segment by name without any config (tests, tools). */
struct rb_shm *rb_shm_create_named(const char *name, unsigned n_workers, char *err,
				   size_t errlen);
/*
 * Map an existing segment (control side).  Returns 0 and *out, or
 * -ENOENT (no segment), -EAGAIN (being laid out), -EPROTO (layout of
 * another version: the message says which field), other -errno.
 */
int rb_shm_attach(const char *name, struct rb_shm **out, char *err, size_t errlen);
/* Unmap without touching the segment (control side). */
void rb_shm_detach(struct rb_shm *s);
/* Is the segment `name` now the one mapped by s (same boot id)? 1 yes, 0 no. */
int rb_shm_same_boot(const struct rb_shm *s, const char *name);

/* Heartbeat: TSC, monotonic and wall clock (dataplane side). */
void rb_shm_heartbeat(struct rb_shm *s, uint64_t tsc_hz);
/*
 * Is the dataplane behind s alive?  1 yes, 0 no with a reason in why
 * (clean exit, pid gone, heartbeat older than stale_ns).
 */
int rb_shm_alive(const struct rb_shm *s, uint64_t stale_ns, char *why, size_t whylen);
uint64_t rb_shm_mono_ns(void);
uint64_t rb_shm_real_ns(void);

/* Consistent copies (epoch / per-entry seq checks). 0, or -EAGAIN when the
 * writer kept changing it (out then holds the last, possibly torn, copy). */
int rb_shm_read_stats(const struct rb_shm *s, unsigned worker, struct rb_lcore_stats *out);
int rb_shm_read_neigh(const struct rb_shm *s, unsigned worker, unsigned idx,
		      struct rb_neigh_entry *out);
/* Read the port descriptions (seq checked). Returns n_ports or -EAGAIN. */
int rb_shm_read_ports(const struct rb_shm *s, struct rb_shm_port *out, unsigned max);

/* ---- messages (msg.c) ---- */
void rb_msg_init(struct rb_msg *m, uint16_t type, uint32_t seq);
/*
 * Validate a received message for a receiver on side `to_dataplane`
 * (1: a command, 0: a reply/event).  0, or -EPROTONOSUPPORT (version),
 * -EBADMSG (type), -EMSGSIZE (length).
 */
int rb_msg_check(const struct rb_msg *m, int to_dataplane);
/* Enqueue; never blocks.  0, or -ENOBUFS (ring full, counted). */
int rb_shm_send(struct rb_shm *s, const struct rb_msg *m);
/* Send a request with a fresh seq; returns the seq or 0 on ring full. */
uint32_t rb_shm_request(struct rb_shm *s, struct rb_msg *m);
/* Dequeue the next valid message: 1 got one, 0 ring empty.  Invalid
 * messages are counted (bad_type / bad_version / bad_length) and skipped. */
int rb_shm_recv(struct rb_shm *s, struct rb_msg *m);
/* Build a reply to req. */
void rb_msg_reply(struct rb_msg *rep, const struct rb_msg *req, uint16_t status,
		  const char *text);

/* ---- route tables (table.c) ---- */
uint64_t rb_tbl_checksum(uint32_t generation, const struct rb_cfg_route *r, uint32_t n);
/*
 * Control: write routes into the free arena slot and publish them with one
 * atomic store.  Returns the generation (> 0), -EBUSY while the previous
 * table is not yet acked (the slot it sits in may still be read), -E2BIG.
 */
int64_t rb_shm_table_publish(struct rb_shm *s, const struct rb_cfg_route *r, uint32_t n);
/* Control: the generation last published and whether it is acked. */
uint32_t rb_shm_table_published(const struct rb_shm *s);
int rb_shm_table_acked(const struct rb_shm *s, uint32_t generation, int *status);
/*
 * Dataplane: a newly published table, or NULL.  On success *routes points
 * into the arena (valid until rb_shm_table_ack) and *n, *gen are set.  A
 * corrupt slot returns NULL with *gen set and *bad = 1: ack it with an error.
 */
const struct rb_cfg_route *rb_shm_table_acquire(struct rb_shm *s, uint32_t *n, uint32_t *gen,
						int *bad);
void rb_shm_table_ack(struct rb_shm *s, uint32_t gen, int status, const char *err);

/* ---- dataplane-side dispatcher (service.c) ---- */
struct rb_shm_ops {
	/* Apply a route table; 0 or -errno with a reason in err. */
	int (*apply_routes)(void *ctx, const struct rb_cfg_route *r, uint32_t n, uint32_t gen,
			    char *err, size_t errlen);
	void (*set_log_level)(void *ctx, int level);
	/* FIB generation in use, after apply. */
	uint32_t (*fib_generation)(void *ctx);
	/* Optional: a command of a module (WireGuard...); fill rep and
	 * return 1 if handled, 0 to answer RB_MSG_ST_UNSUPPORTED. */
	int (*module_msg)(void *ctx, const struct rb_msg *req, struct rb_msg *rep);
};
/* Heartbeat, table publication, up to `budget` commands. Returns commands handled. */
int rb_shm_poll(struct rb_shm *s, const struct rb_shm_ops *ops, void *ctx, uint64_t tsc_hz,
		unsigned budget);

#endif
