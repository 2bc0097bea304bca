/* SPDX-License-Identifier: BSD-3-Clause */
/* Internal to config/: the schema tables and the cross-key checks. */
#ifndef RB_CFG_PRIV_H
#define RB_CFG_PRIV_H

#include <libconfig.h>

#include "rb_config.h"
#include "schema.h"

/* The top level of a ringbox config (base: struct rb_config). */
extern const struct rb_schema_field rb_cfg_root_tbl[];

/* RB_CFG_TCP_CC_NAMES and RB_CFG_TCP_COOKIE_NAMES, NULL-terminated: the
 * enums of dataplane.tcp and of the inbounds' tcp_* keys (tables.c). */
extern const char *const rb_cfg_tcp_cc_names[];
extern const char *const rb_cfg_tcp_cookie_names[];

/* Checks spanning several keys; run after rb_schema_load() filled cfg. */
void rb_cfg_cross_check(struct rb_config *cfg, const config_t *c, struct rb_cfg_err *e);

#endif
