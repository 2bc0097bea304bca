/* SPDX-License-Identifier: BSD-3-Clause */
#include <stdarg.h>
#include <stdio.h>
#include <time.h>
#include "rb_log.h"

volatile int rb_log_level = RB_LOG_INFO;

void rb_log(int level, const char *fmt, ...)
{
	static const char *const tag[] = {"error", "warn", "info", "debug", "trace"};
	va_list ap;

	if (level > rb_log_level)
		return;
	fprintf(stderr, "ringbox-dataplane: %s: ", tag[level < 0 ? 0 : level > 4 ? 4 : level]);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}
