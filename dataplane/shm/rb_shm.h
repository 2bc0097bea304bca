/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The one shared-memory segment between ringbox-dataplane and
 * ringbox-control (POSIX shm, named by dataplane.shm_name, default
 * "/ringbox").  The dataplane creates and lays it out; control maps it
 * without EAL.  This header is the dataplane's side of the contract.
 */
#ifndef RB_SHM_H
#define RB_SHM_H

#include <stddef.h>
#include "../rb_stats.h"
#include "../net/neigh.h"

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

#endif
