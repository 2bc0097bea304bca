/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: control's monotonic "_total" filter (control/metrics_mono.c)
 * on arbitrary exposition text.  The input's first byte picks a generation;
 * the text is filtered twice (the second pass sees the first's table), and
 * every line that does not end in a guarded "_total" sample must come out
 * unchanged: the output has as many newlines as the input.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "control/metrics_mono.h"

static void *mem;
static struct rb_mono *m;

static size_t newlines(const char *s, size_t n)
{
	size_t k = 0;

	for (size_t i = 0; i < n; i++)
		k += s[i] == '\n';
	return k;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rb_json o;

	if (m == NULL) {
		mem = calloc(1, rb_mono_size());
		m = rb_mono_init(mem, rb_mono_size());
		if (m == NULL)
			abort();
	}
	if (size < 1)
		return 0;
	for (int pass = 0; pass < 2; pass++) {
		rb_json_init(&o);
		rb_mono_filter(m, data[0] % 3, (const char *)data + 1, size - 1, &o);
		if (o.err || o.buf == NULL)
			abort();
		if (newlines(o.buf, o.len) != newlines((const char *)data + 1, size - 1))
			abort();
		rb_json_free(&o);
	}
	return 0;
}
