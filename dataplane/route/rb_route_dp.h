/* SPDX-License-Identifier: BSD-3-Clause */
/* The router's hooks in the dataplane (route_dp.c). */
#ifndef RB_ROUTE_DP_H
#define RB_ROUTE_DP_H

#include <stddef.h>

struct rb_dp;
struct rb_lcore;

/* After the main segment exists: create the route segment. 0 or -1 + err. */
int rb_route_dp_init(struct rb_dp *dp, char *err, size_t errlen);
/* Main lcore, about every millisecond: adopt published rule tables, ring. */
void rb_route_dp_service(struct rb_dp *dp);
/* At exit, after the workers stopped. */
void rb_route_dp_fini(void);
/* Each worker, once per loop (cheap when no query is pending): deliver
 * resolver answers and timeouts to rb_resolve_start() callers. */
void rb_resolve_poll(struct rb_lcore *lc);

#endif
