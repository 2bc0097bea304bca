/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target for the UDP-over-TCP stream parser (dataplane/ss/ss_uot.c).
 *
 * Input: [mode][piece][stream...].  The stream is parsed whole and again in
 * pieces of piece + 1 bytes: both must give the same sequence of events
 * (request, packet addresses and lengths, payload bytes) and the same
 * verdict; every packet found is framed again with uot_put_pkt_hdr (its
 * stream's mode: addressed, or connect: the length only) and must read
 * back to the same address and length; every v2 request found is written
 * again with uot_put_request (as the outbound sends it, connect or not)
 * and must read back to the same mode and destination.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dataplane/ss/ss_uot.h"

struct trace {
	uint64_t h;       /* hash of the events */
	int err, pkts;
};

static void mix(struct trace *t, const void *p, size_t n)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < n; i++)
		t->h = (t->h ^ b[i]) * 0x100000001b3ull;
}

static int same_dest(const struct rb_dest *a, const struct rb_dest *b)
{
	return a->port == b->port && a->family == b->family && strcmp(a->domain, b->domain) == 0 &&
	       memcmp(a->addr, b->addr, 16) == 0;
}

static void reframe(const struct uot_rd *r)
{
	uint8_t out[UOT_HDR_MAX];
	struct uot_rd back;
	size_t used;
	int n;

	n = uot_put_pkt_hdr(out, r->connect, &r->dst, (uint16_t)r->len);
	if (n <= 0 || (r->connect && n != UOT_LEN_LEN))
		abort();
	uot_rd_init(&back, r->connect ? UOT_RD_CONNECT : UOT_RD_ADDR, &r->dst, 0xffff);
	if (uot_rd_feed(&back, out, (size_t)n, &used) != UOT_PKT || used != (size_t)n ||
	    back.len != r->len || !same_dest(&back.dst, &r->dst))
		abort();
}

/* The v2 request written again (uot_put_request) reads back the same. */
static void rerequest(const struct uot_rd *r)
{
	uint8_t out[UOT_REQ_MAX];
	struct uot_rd back;
	size_t used;
	int n = uot_put_request(out, r->connect, &r->req);

	if (n <= 0 || n > UOT_REQ_MAX)
		abort();
	uot_rd_init(&back, UOT_RD_SERVER_V2, NULL, 0xffff);
	if (uot_rd_feed(&back, out, (size_t)n, &used) != UOT_REQ || used != (size_t)n ||
	    back.connect != r->connect || !same_dest(&back.req, &r->req) ||
	    (back.connect && !same_dest(&back.dst, &r->req)))
		abort();
}

static void parse(enum uot_rd_mode mode, const uint8_t *s, size_t len, size_t piece,
		  struct trace *t)
{
	static const struct rb_dest peer = {.family = 2, .port = 53};
	struct uot_rd r;
	size_t off = 0;

	memset(t, 0, sizeof(*t));
	uot_rd_init(&r, mode, mode == UOT_RD_CONNECT ? &peer : NULL, 1500);
	while (off < len) {
		size_t n = len - off < piece ? len - off : piece;
		const uint8_t *p = s + off;

		off += n;
		while (n) {
			size_t used = 0;
			int rc = uot_rd_feed(&r, p, n, &used);

			if (used > n)
				abort();
			if (rc < 0) {
				t->err = rc;
				return;
			}
			if (rc == UOT_MORE && used != n)
				abort();
			if (rc == UOT_REQ) {
				mix(t, &r.req, sizeof(r.req));
				rerequest(&r);
			}
			if (rc == UOT_PKT) {
				if (r.len > 1500 || r.need != r.len)
					abort();
				t->pkts++;
				mix(t, &r.dst, sizeof(r.dst));
				mix(t, &r.len, sizeof(r.len));
				reframe(&r);
			}
			if (rc == UOT_DATA)
				mix(t, p, used);
			p += used;
			n -= used;
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct trace whole, pieces;
	enum uot_rd_mode mode;
	size_t piece;

	if (size < 2)
		return 0;
	mode = (enum uot_rd_mode)(data[0] % 3 + 1);
	piece = (size_t)data[1] + 1;
	data += 2;
	size -= 2;
	parse(mode, data, size, size ? size : 1, &whole);
	parse(mode, data, size, piece, &pieces);
	if (whole.h != pieces.h || whole.err != pieces.err || whole.pkts != pieces.pkts)
		abort();
	return 0;
}
