/* SPDX-License-Identifier: BSD-3-Clause */
/* Dataplane logging: one global level, changed at run time by control. */
#ifndef RB_LOG_H
#define RB_LOG_H

#include "../config/rb_config.h"

extern volatile int rb_log_level;
void rb_log(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
#define RB_ERR(...)   rb_log(RB_LOG_ERROR, __VA_ARGS__)
#define RB_WARN(...)  rb_log(RB_LOG_WARN, __VA_ARGS__)
#define RB_INFO(...)  rb_log(RB_LOG_INFO, __VA_ARGS__)
#define RB_DEBUG(...) do { if (rb_log_level >= RB_LOG_DEBUG) rb_log(RB_LOG_DEBUG, __VA_ARGS__); } while (0)

#endif
