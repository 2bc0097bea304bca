/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef RB_WORKER_H
#define RB_WORKER_H

#include "rb_lcore.h"

/* Create worker contexts, rings and tables for every worker. */
int rb_workers_init(struct rb_dp *dp, char *err, size_t len);
void rb_workers_bind_ports(struct rb_dp *dp);
void rb_workers_fini(struct rb_dp *dp);
unsigned rb_worker_iter(struct rb_lcore *lc);
int rb_worker_main(void *arg);

#endif
