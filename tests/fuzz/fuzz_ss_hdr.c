/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target for the Shadowsocks inbound's target-address reader
 * (dataplane/ss/ss_hdr.c) and ss_addr_parse under it.
 *
 * Input: [piece][data...]: data is fed in pieces of piece + 1 bytes.  The
 * piecewise result must equal ss_addr_parse over the whole data: the same
 * verdict, address, port, and the payload starting at the same offset.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dataplane/ss/ss_aead.h"
#include "dataplane/ss/ss_hdr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ss_hdr h;
	struct ss_target t, w;
	size_t piece, off, used = 0;
	int r = SS_HDR_MORE, whole;

	if (size < 1)
		return 0;
	piece = (size_t)data[0] + 1;
	data++;
	size--;
	memset(&h, 0, sizeof(h));
	memset(&w, 0, sizeof(w));
	whole = ss_addr_parse(data, size, &w.family, w.addr, w.host, sizeof(w.host), &w.port);
	for (off = 0; off < size && r == SS_HDR_MORE; off += used) {
		size_t n = size - off < piece ? size - off : piece;

		memset(&t, 0, sizeof(t));
		r = ss_hdr_feed(&h, data + off, n, &used, &t);
		if (used > n)
			abort();
		if (r == SS_HDR_MORE && used != n)
			abort();
	}
	if (whole > 0) {
		/* a whole address: found at the same place, with the same value */
		if (r != SS_HDR_DONE || off != (size_t)whole || h.len != (size_t)whole ||
		    t.family != w.family || t.port != w.port || memcmp(t.addr, w.addr, 16) != 0 ||
		    strcmp(t.host, w.host) != 0)
			abort();
	} else if (whole < 0) {
		if (r != SS_HDR_BAD)
			abort();
	} else if (r != SS_HDR_MORE) {
		abort(); /* incomplete: nothing decided yet */
	}
	return 0;
}
