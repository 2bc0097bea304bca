/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The WireGuard commands of the shm command ring (wg_ctl.c): endpoint and
 * peer state for `ringboxctl wg show` and the metrics, and peers added or
 * removed at run time.  Called on the main lcore by rb_shm_service.
 */
#ifndef WG_CTL_H
#define WG_CTL_H

struct rb_dp;
struct rb_msg;

/* Handle req if it is an RB_MSG_WG_* command: fill rep, return 1; else 0. */
int rb_wg_ctl_msg(struct rb_dp *dp, const struct rb_msg *req, struct rb_msg *rep);

#endif
