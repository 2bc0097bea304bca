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
#include "../dataplane/route/rb_route.h"

/*
 * Compile r into a flat table (dataplane/route/rt_wire.h).  Returns 0 with
 * a malloc()ed blob in *blob (*len bytes), or -errno with a reason in err.
 */
int rb_route_compile(const struct rb_cfg_routing *r, uint32_t generation, uint64_t seed,
		     void **blob, size_t *len, char *err, size_t errlen);
/* Bytes the keyword DFA may take (default RB_RT_KW_DFA_MAX, which is also
 * what the validator allows); tests lower it to exercise the sparse walk
 * below the DFA's states. */
extern size_t rb_route_kw_dfa_max;
/* From this many domain_keyword values on, the compiler builds the q-gram
 * index instead of the automaton (rt_wire.h "kwq"); tests move it to
 * exercise both. */
#define RB_ROUTE_KWQ_MIN 8192
extern size_t rb_route_kwq_min;

/* ---- route_link.c ---- */
struct rb_ctl;
struct rb_rts;
struct rb_json;
struct rb_ctl_req;

struct rb_route_state {
	char sha[65];                   /* config compiled last */
	void *blob;                     /* compiled table */
	size_t len;
	int have_view;
	struct rb_rt_view view;         /* of blob, for `route test` */
	uint32_t gen, published_gen;
	int publish_wanted;
	int apply_status;
	char apply_err[160];
	char compile_err[1024];
	double compile_ms;
	struct rb_rts *rts;
	uint64_t boot, attaches;
};

/* Main loop (every tick) and after a reload: compile on config change,
 * attach, publish, resolver. */
void rb_route_ctl_tick(struct rb_ctl *c);
void rb_route_ctl_close(void);
const struct rb_route_state *rb_route_ctl_state(void);
/* The compiled table of the running config (NULL: none / invalid). */
struct rb_rt_view *rb_route_ctl_view(void);
struct rb_rts *rb_route_ctl_rts(void);

/* ---- resolver.c ---- */
void rb_resolver_configure(const struct rb_cfg_routing *r);
void rb_resolver_tick(struct rb_rts *s);
/* Start a query for name (lower-case, no trailing dot) as a worker's
 * request would: 0 (started or already under way), -1 invalid name. */
int rb_resolver_request(struct rb_rts *s, const char *name);
struct rb_resolver_stats {
	uint64_t queries, failures, timeouts, sent, ring_full;
};
void rb_resolver_stats(struct rb_resolver_stats *out);

/* ---- route_cmds.c: ctl commands ---- */
int rb_route_cmd_test(struct rb_ctl *c, const struct rb_ctl_req *req, struct rb_json *j);
/* route_metrics.c: the router's families in control's /metrics */
void rb_route_metrics_render(struct rb_ctl *c, struct rb_json *o);
/* resolve_cmd.c */
int rb_route_cmd_resolve(struct rb_ctl *c, const struct rb_ctl_req *req, struct rb_json *j);

#endif
