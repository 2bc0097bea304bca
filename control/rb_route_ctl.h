/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * control's side of the router: the rule compiler (route_compile.c), the
 * publication of compiled tables and resolver answers through the route
 * segment (route_link.c), the minimal resolver (resolver.c) and the ctl
 * commands `route test` and `conns` (route_cmds.c).
 */
#ifndef RB_ROUTE_CTL_H
#define RB_ROUTE_CTL_H

#include <stddef.h>
#include <stdint.h>
#include "../config/rb_cfg_route.h"

/*
 * Compile r into a flat table (dataplane/route/rt_wire.h).  Returns 0 with
 * a malloc()ed blob in *blob (*len bytes), or -errno with a reason in err.
 */
int rb_route_compile(const struct rb_cfg_routing *r, uint32_t generation, uint64_t seed,
		     void **blob, size_t *len, char *err, size_t errlen);

#endif
