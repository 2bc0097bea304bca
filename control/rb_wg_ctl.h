/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * WireGuard ctl commands and metrics (control/wg_cmds.c), talking to the
 * dataplane's wg_ctl.c over the command ring (RB_MSG_WG_*).
 */
#ifndef RB_WG_CTL_H
#define RB_WG_CTL_H

#include "rb_ctl.h"

int rb_wg_cmd_show(struct rb_ctl *c, const struct rb_ctl_req *req, struct rb_json *j);
int rb_wg_cmd_add(struct rb_ctl *c, const struct rb_ctl_req *req, struct rb_json *j);
int rb_wg_cmd_remove(struct rb_ctl *c, const struct rb_ctl_req *req, struct rb_json *j);
int rb_wg_cmd_keypair(struct rb_json *j);
/* Per-peer Prometheus families, appended to out (a plain text buffer). */
void rb_wg_metrics_render(struct rb_ctl *c, struct rb_json *out);

#endif
