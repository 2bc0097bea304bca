/* SPDX-License-Identifier: BSD-3-Clause */
/* The client's target address, read in pieces (ss_hdr.h). */
#include <string.h>

#include "ss_aead.h"
#include "ss_hdr.h"

int ss_hdr_feed(struct ss_hdr *h, const uint8_t *p, size_t n, size_t *used, struct ss_target *t)
{
	size_t room = sizeof(h->buf) - h->len, take = n < room ? n : room;
	int r;

	*used = 0;
	memcpy(h->buf + h->len, p, take);
	h->len = (uint16_t)(h->len + take);
	r = ss_addr_parse(h->buf, h->len, &t->family, t->addr, t->host, sizeof(t->host), &t->port);
	if (r < 0 || (r == 0 && h->len == sizeof(h->buf)))
		return SS_HDR_BAD; /* (a full buffer always holds a whole address) */
	if (r == 0) {
		*used = take;
		return SS_HDR_MORE;
	}
	/* the address ended r bytes into buf: (h->len - r) bytes of p are payload */
	*used = take - (h->len - (size_t)r);
	h->len = (uint16_t)r;
	return SS_HDR_DONE;
}
