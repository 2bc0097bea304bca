/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sing-box UDP over TCP (uot_wire.h): the stream parser and framer, free of
 * DPDK (unit-tested in tests/unit/test_ss_uot.c, fuzzed by fuzz_ss_uot).
 *
 * Reading: an incremental state machine over the (already decrypted)
 * stream, fed contiguous pieces of any size:
 *
 *	uot_rd_init(&r, UOT_RD_SERVER_V2, NULL, max_len);
 *	while (n) {
 *		int rc = uot_rd_feed(&r, p, n, &used);
 *		if (rc < 0) -> malformed stream (count rc, close)
 *		if (rc == UOT_REQ)  -> r.connect, r.req: the v2 request
 *		if (rc == UOT_PKT)  -> a packet starts: r.dst, r.len
 *		if (rc == UOT_DATA) -> p[0..used) is payload of that packet
 *		if ((rc == UOT_PKT || rc == UOT_DATA) && uot_rd_done(&r)) -> packet complete
 *		p += used, n -= used;
 *	}
 * Headers may be split anywhere; they are gathered inside r (at most
 * UOT_REQ_MAX bytes), payload is never copied by the parser.
 */
#ifndef SS_UOT_H
#define SS_UOT_H

#include <stddef.h>
#include <stdint.h>

#include "../proxy/rb_route_api.h"
#include "uot_wire.h"

enum uot_rd_mode {
	UOT_RD_SERVER_V2 = 1, /* a v2 server: the request, then its mode's packets */
	UOT_RD_ADDR,          /* v1 (either side), v2 non-connect client: addressed packets */
	UOT_RD_CONNECT,       /* v2 connect client: length + data, from `peer` */
};

enum uot_rc {
	UOT_MORE = 0,         /* all of it consumed inside a header */
	UOT_REQ = 1,          /* the v2 request is in: r->connect, r->req */
	UOT_PKT = 2,          /* a packet header is in: r->dst, r->len (payload follows) */
	UOT_DATA = 3,         /* *used bytes at p are payload of the current packet */
	UOT_ERR_ATYP = -1,    /* unknown address type (packet or request) */
	UOT_ERR_ADDR = -2,    /* empty domain, NUL in a domain, port 0 */
	UOT_ERR_LEN = -3,     /* payload length over max_len */
};

struct uot_rd {
	uint8_t mode;          /* enum uot_rd_mode */
	uint8_t phase;         /* internal */
	uint8_t connect;       /* packets are length + data (v2 connect) */
	uint16_t hlen;         /* header bytes gathered in hb */
	uint32_t max_len;      /* longest payload accepted */
	uint32_t len;          /* the current packet's payload length */
	uint32_t need;         /* its payload bytes still to come */
	struct rb_dest req;    /* v2 request's destination */
	struct rb_dest dst;    /* the current packet's address */
	uint8_t hb[UOT_HDR_MAX > UOT_REQ_MAX ? UOT_HDR_MAX : UOT_REQ_MAX];
};

/* peer: UOT_RD_CONNECT's fixed address (else NULL); max_len <= 65535. */
void uot_rd_init(struct uot_rd *r, enum uot_rd_mode mode, const struct rb_dest *peer,
		 uint32_t max_len);
int uot_rd_feed(struct uot_rd *r, const uint8_t *p, size_t n, size_t *used);
/* The current packet's payload is complete (after UOT_PKT / UOT_DATA). */
static inline int uot_rd_done(const struct uot_rd *r)
{
	return r->need == 0;
}

/* Writing.  An address is a domain when a->domain[0] (else family/addr).
 * The packet header (connect: the length only), its length or -1 (a domain
 * over 255 bytes, no family); out holds UOT_HDR_MAX bytes. */
int uot_put_pkt_hdr(uint8_t *out, int connect, const struct rb_dest *a, uint16_t len);
/* The v2 request, its length or -1; out holds UOT_REQ_MAX bytes. */
int uot_put_request(uint8_t *out, int connect, const struct rb_dest *a);
/* 1 or 2 when domain is a magic domain, else 0. */
int uot_magic_version(const char *domain);
/* The magic domain of a version (1 or 2). */
const char *uot_magic_domain(int version);

#endif
