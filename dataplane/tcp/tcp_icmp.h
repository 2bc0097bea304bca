/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ICMP and ICMPv6 errors about our TCP segments (RFC 5927, RFC 1122
 * 4.2.3.9, RFC 1191, RFC 8201): the parser of the message and its quoted
 * packet (tcp_icmp_parse.c, no state: the fuzz target's), and the
 * connection's reaction (tcp_icmp.c).  dataplane/net/icmp.c and icmp6.c
 * parse, hand the message to the worker that owns the quoted flow, and
 * call tcp_icmp_input there.
 */
#ifndef TCP_ICMP_H
#define TCP_ICMP_H

#include <stdint.h>

struct rb_lcore;

/* Bytes of an ICMP message the parser looks at: the 8-byte ICMP header,
 * the quoted IPv4 header with options (60) or IPv6 header (40), and the
 * first 8 bytes of TCP (ports and sequence number). */
#define TCP_ICMP_MSG_MAX (8 + 60 + 8)

/* What to do with an error (enum tcp_icmp_kind). */
enum tcp_icmp_kind {
	TCP_ICMP_SOFT = 1,   /* remembered; reported if the connect times out */
	TCP_ICMP_HARD,       /* aborts a connect (SYN_SENT); soft in other states */
	TCP_ICMP_PMTU,       /* Fragmentation Needed / Packet Too Big */
};

/* A parsed error; addresses in network order, the quoted packet's source
 * is our end (laddr), its destination the peer (raddr). */
struct tcp_icmp_err {
	uint8_t family;      /* AF_INET / AF_INET6 */
	uint8_t kind;        /* enum tcp_icmp_kind */
	uint8_t laddr[16], raddr[16];
	uint16_t lport, rport; /* network order */
	uint32_t seq;        /* the quoted segment's sequence number */
	int err;             /* -ECONNREFUSED, -EHOSTUNREACH, -ENETUNREACH (not PMTU) */
	uint32_t mtu;        /* PMTU: the next-hop MTU reported (0: none, RFC 1191 5) */
	uint16_t quoted_len; /* IPv4: the quoted datagram's total length */
};

/* Parse results other than 0 (an error for TCP, *e filled). */
enum {
	TCP_ICMP_P_OTHER = 1,  /* not an error TCP takes: another type or code, a
				  quoted packet that is not TCP */
	TCP_ICMP_P_BAD = -1,   /* truncated or malformed quote */
};

/* msg: the ICMP (family AF_INET) or ICMPv6 (AF_INET6) message from its
 * type byte, len bytes of it (checksum already verified by the caller;
 * at most TCP_ICMP_MSG_MAX are looked at).  Takes IPv4 Destination
 * Unreachable codes 0-5, 9, 10, 13 and ICMPv6 Destination Unreachable
 * (codes 0-6) and Packet Too Big. */
int tcp_icmp_parse(int family, const uint8_t *msg, uint32_t len, struct tcp_icmp_err *e);

/* On the lcore that owns the quoted flow: find the connection, check the
 * quoted sequence number (RFC 5927 4.1: within [snd_una, snd_max)), and
 * lower the MSS and send the flight again (PMTU), abort a connect (hard
 * error in SYN_SENT) or remember the error (soft).  Counted:
 * tcp_icmp_rcvd, then tcp_pmtu_lowered / tcp_icmp_hard / tcp_icmp_soft or
 * a drop reason (tcp_icmp_no_conn, tcp_icmp_bad_seq, tcp_icmp_pmtu_ignored). */
void tcp_icmp_input(struct rb_lcore *lc, const struct tcp_icmp_err *e);

/* The path MTU a Fragmentation Needed without an MTU stands for (RFC 1191
 * 5 and 7): the largest plateau below the quoted datagram's length. */
uint32_t tcp_icmp_plateau(uint32_t quoted_len);

/* Inside the stack (tcp_pmtu.c): the destination cache of path MTUs.
 * tcp_pmtu_learn records one (tcp_icmp.c, after lowering an MSS);
 * tcp_pmtu_get returns it, 0 when none or expired; tcp_pmtu_apply lowers
 * a new connection's MSS to it (tcp_negotiate). */
struct tcp_stack;
struct tcp_conn;
void tcp_pmtu_learn(struct tcp_stack *st, int family, const uint8_t *addr, uint32_t mtu);
uint32_t tcp_pmtu_get(struct tcp_stack *st, int family, const uint8_t *addr);
void tcp_pmtu_apply(struct tcp_conn *c);

/* PMTU black-hole detection (RFC 4821 2, Linux's tcp_mtu_probing 1), from
 * the RTO (tcp_rexmt_timeout, before the go-back): with mtu_probing on,
 * the TCP_BLACKHOLE_RTOS-th timeout in a row (backoff) of a synchronised
 * connection whose segment at snd_una is full-sized halves its MSS, not
 * below TCP_BASE_MSS (Linux's tcp_base_mss) nor the family's minimum
 * (IPv6: 1220), counted tcp_pmtu_blackhole.  The lower MSS stays.  3 as
 * Linux's tcp_retries1: with 2, random loss of 5 % fired it once a run
 * on test_tcp_echo_bulk's connection (one segment and its retransmission
 * lost), whose MSS then stayed 1220 instead of 1440 (dataplane/tcp/
 * README.md "ICMP errors"). */
#define TCP_BASE_MSS 1024u
#define TCP_BLACKHOLE_RTOS 3u
void tcp_pmtu_blackhole(struct tcp_conn *c);

#endif
