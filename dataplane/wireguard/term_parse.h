/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Terminated mode's look at a decrypted inner packet (term_parse.c): which
 * ones the TCP stack or the UDP NAT takes, with the header checks (IPv4
 * RFC 791 3.1 header checksum; UDP RFC 768 length and checksum, RFC 8200
 * 8.1 for IPv6).  IPv6 extension headers are walked as their destination
 * does (net/ip6_ext.h: options acted on, Routing headers with segments
 * left refused, bounded in count and length).  Pure: no DPDK state,
 * unit-tested and fuzzed alone.
 */
#ifndef WG_TERM_PARSE_H
#define WG_TERM_PARSE_H

#include <stdint.h>
#include "../net/ip6_ext.h"

enum wg_term_kind {
	WG_TERM_PASS = 0,   /* not for termination as it is: fragments (wg_term_frag_l4), not
			     * TCP/UDP (ICMP: wg_term_is_icmp) */
	WG_TERM_TCP,
	WG_TERM_UDP,
	WG_TERM_BAD_IP,     /* IPv4 header checksum or lengths wrong */
	WG_TERM_BAD_L4,     /* TCP header cut short; UDP length, checksum or port 0 */
	WG_TERM_BAD_EXT,    /* IPv6 extension headers refused: w.why, w.pp_code, w.pointer */
};

struct wg_term_pkt {
	uint8_t v4;
	uint8_t proto;
	uint8_t frag;       /* IPv6 fragment: hl = its Fragment header's offset, proto its Next Header */
	uint16_t hl;        /* IP header length (IPv6: with the extension headers) */
	uint16_t tot;       /* IP packet length (header + payload) */
	uint16_t sport, dport;  /* UDP, host order */
	uint16_t ulen;      /* UDP length (header + data) */
	uint8_t cksum_todo; /* UDP whose data runs past the bytes given: the caller verifies */
	struct rb_ip6_walk w; /* IPv6: the walk of the extension header chain */
};

/* ip[0..len): the contiguous bytes of one decrypted packet. */
enum wg_term_kind wg_term_classify(const uint8_t *ip, uint32_t len, struct wg_term_pkt *p);
/* The same for a packet of pkt_len bytes whose first len are at ip (a
 * reassembled datagram, a chain of segments): every header (IPv4, the IPv6
 * chain, TCP's 20 bytes, UDP's 8) must lie in those; a UDP checksum over
 * bytes past them is left to the caller (p->cksum_todo). */
enum wg_term_kind wg_term_classify_seg(const uint8_t *ip, uint32_t len, uint32_t pkt_len,
				       struct wg_term_pkt *p);
/* After a WG_TERM_PASS: a fragment terminated mode reassembles (wg_term.c)?
 * IPv4: of TCP or UDP; IPv6: the Fragment header names TCP, UDP or an
 * extension header (Destination Options, Routing, Fragment) as the first
 * header of the fragmentable part (RFC 8200 4.5); the datagram's chain is
 * walked once reassembled (wg_term_classify_seg: TCP, UDP, or ICMPv6 for
 * the echo relay; anything else is dropped, wg_frag_proto). */
int wg_term_frag_l4(const uint8_t *ip, const struct wg_term_pkt *p);
/* After a WG_TERM_PASS: is it ICMP (IPv4, fragments too) or ICMPv6 (after
 * any extension headers, or the first header of a fragment's fragmentable
 * part)?  (Terminated mode relays or drops those not for us.) */
int wg_term_is_icmp(const struct wg_term_pkt *p);

#endif
