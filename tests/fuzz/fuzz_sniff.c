/* SPDX-License-Identifier: BSD-3-Clause */
/* libFuzzer target: the TLS/HTTP sniffers (dataplane/route/sniff.c). */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "dataplane/route/rb_route.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rb_sniff_result r;
	int rc = rb_sniff(data, size, &r);

	/* a result is always a terminated, bounded name */
	if (rc == 0 && strlen(r.domain) > RB_DOMAIN_MAX)
		__builtin_trap();
	return 0;
}
