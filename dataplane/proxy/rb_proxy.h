/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The proxy framework's entry points for the dataplane core (main.c,
 * worker.c).  Inbounds, outbounds and the relay live in dataplane/proxy.
 */
#ifndef RB_PROXY_H
#define RB_PROXY_H

struct rb_lcore;

/* After tcp_lcore_init(lc): listen on every inbound (no-op without any).
 * Returns 0 or -1 (logged). */
int proxy_lcore_init(struct rb_lcore *lc);
/* Before tcp_lcore_fini(lc), with the worker stopped. */
void proxy_lcore_fini(struct rb_lcore *lc);
/* From the worker's housekeeping (every ~10 ms): timeouts, retries of
 * blocked writes, close requests from control. */
void proxy_lcore_poll(struct rb_lcore *lc);

#endif
