/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The target address at the start of a Shadowsocks client stream (SIP004
 * "Addressing": ATYP, address, port, as SOCKS5; ss_wire.h), read from
 * plaintext that arrives in pieces of any size (no DPDK; fuzz_ss_hdr).
 */
#ifndef SS_HDR_H
#define SS_HDR_H

#include <stddef.h>
#include <stdint.h>

#define SS_HDR_MAX (1 + 1 + 255 + 2) /* a domain address, the longest */

enum { SS_HDR_MORE = 0, SS_HDR_DONE = 1, SS_HDR_BAD = -1 };

struct ss_hdr {
	uint16_t len;
	uint8_t buf[SS_HDR_MAX];
};

struct ss_target {
	int family;      /* AF_INET, AF_INET6, or 0: domain in host */
	uint8_t addr[16];
	char host[256];  /* the domain, or the address as text */
	uint16_t port;
};

/* Feed plaintext p[0..n).  SS_HDR_MORE: all of it taken, the address is
 * not complete yet.  SS_HDR_DONE: t is filled and the first *used bytes
 * of p ended the address (the rest of p is payload).  SS_HDR_BAD: not an
 * address (unknown ATYP, empty or NUL-holding domain). */
int ss_hdr_feed(struct ss_hdr *h, const uint8_t *p, size_t n, size_t *used, struct ss_target *t);

#endif
