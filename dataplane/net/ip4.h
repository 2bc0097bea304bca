/* SPDX-License-Identifier: BSD-3-Clause */
/* IPv4 and ICMP internals shared by ip4.c and icmp.c (RFC 792). */
#ifndef RB_IP4_H
#define RB_IP4_H

#include "../rb_lcore.h"

#define RB_IP4_MAX_FRAGS 48     /* 65535 / (68 - 20), rounded up */

/* ICMP types and codes (RFC 792) */
#define RB_ICMP_ECHO_REPLY     0
#define RB_ICMP_DEST_UNREACH   3
#define RB_ICMP_ECHO_REQUEST   8
#define RB_ICMP_TIME_EXCEEDED  11
#define RB_ICMP_PARAM_PROBLEM  12
#define RB_ICMP_NET_UNREACH    0
#define RB_ICMP_HOST_UNREACH   1
#define RB_ICMP_PROTO_UNREACH  2
#define RB_ICMP_PORT_UNREACH   3
#define RB_ICMP_FRAG_NEEDED    4

void rb_icmp4_input(struct rb_lcore *lc, struct rte_mbuf *m);
int rb_ip4_route_out(struct rb_lcore *lc, struct rte_mbuf *m);
/* A fragment (data at its IPv4 header, l3_len set) into lc's reassembly
 * table: the whole datagram once complete (l3_len set), else NULL (m kept
 * or dropped and counted). */
struct rte_mbuf *rb_ip4_reassemble(struct rb_lcore *lc, struct rte_mbuf *m);

#endif
