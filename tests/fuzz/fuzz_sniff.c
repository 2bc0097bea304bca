/* SPDX-License-Identifier: BSD-3-Clause */
/* libFuzzer target: the TLS/HTTP sniffers (dataplane/route/sniff.c), all of
 * them (rb_sniff) and as a rule's `sniffer` list picks them (rb_sniff_only,
 * the mask from the first byte): a result is a bounded name of a sniffer
 * in the list, and agrees with rb_sniff when the list has both. */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "dataplane/route/rb_route.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rb_sniff_result r, o;
	unsigned mask;
	int rc = rb_sniff(data, size, &r), ro;

	/* a result is always a terminated, bounded name */
	if (rc == 0 && strlen(r.domain) > RB_DOMAIN_MAX)
		__builtin_trap();
	if (size == 0)
		return 0;
	mask = (unsigned)(data[0] & 0x1f) << 1; /* bits 1..5: tls, http, quic, dns, bittorrent */
	ro = rb_sniff_only(data + 1, size - 1, mask, &o);
	if (ro == 0 && (strlen(o.domain) > RB_DOMAIN_MAX ||
			!(mask == 0 || (mask & (1u << o.proto)))))
		__builtin_trap();
	if (ro != 0 && ro != -EAGAIN && ro != -ENOENT)
		__builtin_trap();
	if (!rb_sniff_any(mask) && ro != -ENOENT)
		__builtin_trap();
	if (mask == 0 || (mask & 6) == 6) {
		rc = rb_sniff(data + 1, size - 1, &r);
		if (rc != ro || (rc == 0 && (r.proto != o.proto || strcmp(r.domain, o.domain))))
			__builtin_trap();
	}
	return 0;
}
