/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IPv6 wire formats that DPDK 22.11's rte_ip.h and rte_icmp.h lack:
 * extension headers and options (RFC 8200 section 4), ICMPv6 (RFC 4443)
 * and Neighbor Discovery (RFC 4861 section 4).  The fixed IPv6 header and
 * the fragment header are DPDK's struct rte_ipv6_hdr and
 * struct rte_ipv6_fragment_ext.  All multi-octet fields are big-endian.
 */
#ifndef RB_ND_WIRE_H
#define RB_ND_WIRE_H

#include <stdint.h>
#include <rte_byteorder.h>

/* Next Header values (IANA "Assigned Internet Protocol Numbers"). */
#define RB_IP6_NH_HOPOPTS  0     /* RFC 8200 4.3 */
#define RB_IP6_NH_TCP      6
#define RB_IP6_NH_UDP      17
#define RB_IP6_NH_ROUTING  43    /* RFC 8200 4.4 */
#define RB_IP6_NH_FRAGMENT 44    /* RFC 8200 4.5 */
#define RB_IP6_NH_ICMPV6   58
#define RB_IP6_NH_NONE     59    /* RFC 8200 4.7 */
#define RB_IP6_NH_DSTOPTS  60    /* RFC 8200 4.6 */

#define RB_IP6_HDR_LEN     40
#define RB_IP6_FRAG_LEN    8
#define RB_IP6_MIN_MTU     1280  /* RFC 8200 5 */

/*
 * RFC 8200 4.3/4.6: Hop-by-Hop and Destination Options headers, and the
 * common prefix of every extension header but the fragment header.  The
 * length is in 8-octet units, not counting the first 8 octets.
 */
struct rb_ip6_ext_hdr {
	uint8_t next;
	uint8_t len;
} __attribute__((packed));
#define RB_IP6_EXT_LEN(len8) (((uint32_t)(len8) + 1) * 8)

/* RFC 8200 4.4: Routing header. */
struct rb_ip6_rt_hdr {
	uint8_t next;
	uint8_t len;
	uint8_t type;
	uint8_t segleft;
} __attribute__((packed));

/* RFC 8200 4.2: options (type-length-value). */
#define RB_IP6_OPT_PAD1        0
#define RB_IP6_OPT_PADN        1
/* The two high bits of the type: what to do when it is not recognized. */
#define RB_IP6_OPT_ACTION(t)   ((uint8_t)(t) >> 6)
#define RB_IP6_OPT_SKIP        0     /* skip over the option */
#define RB_IP6_OPT_DISCARD     1     /* discard the packet */
#define RB_IP6_OPT_DISCARD_ICMP 2    /* discard, Parameter Problem code 2 */
#define RB_IP6_OPT_DISCARD_UCAST 3   /* same, unless the destination is multicast */
#define RB_IP6_OPT_ROUTER_ALERT 5    /* RFC 2711 */
#define RB_IP6_OPT_TUNNEL_LIMIT 4    /* RFC 2473 */

/* RFC 8200 4.5: fragment offset (in octets) and M flag from frag_data. */
#define RB_IP6_FRAG_OFF(fd) ((uint32_t)(rte_be_to_cpu_16(fd) & 0xfff8))
#define RB_IP6_FRAG_MF(fd)  ((rte_be_to_cpu_16(fd) & 1) != 0)

/* RFC 4443 2.1: the ICMPv6 header; `data` is the first word of the body. */
struct rb_icmp6_hdr {
	uint8_t type;
	uint8_t code;
	uint16_t cksum;
	uint32_t data;   /* echo id/seq, PTB MTU, Parameter Problem pointer, unused */
} __attribute__((packed));

/* RFC 4443 2.1 / 3 / 4 and RFC 4861 4: message types and codes. */
#define RB_ICMP6_DEST_UNREACH   1
#define RB_ICMP6_PACKET_TOO_BIG 2
#define RB_ICMP6_TIME_EXCEEDED  3
#define RB_ICMP6_PARAM_PROBLEM  4
#define RB_ICMP6_ECHO_REQUEST   128
#define RB_ICMP6_ECHO_REPLY     129
#define RB_ICMP6_ROUTER_SOL     133
#define RB_ICMP6_ROUTER_ADV     134
#define RB_ICMP6_NEIGH_SOL      135
#define RB_ICMP6_NEIGH_ADV      136
#define RB_ICMP6_REDIRECT       137
#define RB_ICMP6_IS_ERROR(t)    ((t) < 128)   /* RFC 4443 2.1 */

#define RB_ICMP6_DU_NO_ROUTE    0   /* 3.1 */
#define RB_ICMP6_DU_SCOPE       2   /* beyond scope of source address */
#define RB_ICMP6_DU_ADDR        3
#define RB_ICMP6_DU_PORT        4
#define RB_ICMP6_TE_HOPLIMIT    0   /* 3.3 */
#define RB_ICMP6_TE_REASSEMBLY  1
#define RB_ICMP6_PP_HEADER      0   /* 3.4: erroneous header field */
#define RB_ICMP6_PP_NEXTHDR     1   /* unrecognized Next Header */
#define RB_ICMP6_PP_OPTION      2   /* unrecognized IPv6 option */
#define RB_ICMP6_PP_FIRSTFRAG   3   /* RFC 7112: incomplete header chain */

/* RFC 4443 2.4(c): an error message must not exceed the minimum MTU. */
#define RB_ICMP6_ERR_MAX        RB_IP6_MIN_MTU

/*
 * RFC 4861 4.3 Neighbor Solicitation and 4.4 Neighbor Advertisement: the
 * ICMPv6 header (reserved word, or R/S/O flags for NA), then the target.
 */
struct rb_nd_msg {
	struct rb_icmp6_hdr hdr;
	uint8_t target[16];
} __attribute__((packed));
#define RB_ND_MSG_LEN      24
#define RB_ND_NA_ROUTER    0x80000000u   /* host order, in hdr.data */
#define RB_ND_NA_SOLICITED 0x40000000u
#define RB_ND_NA_OVERRIDE  0x20000000u
#define RB_ND_HOPLIMIT     255           /* RFC 4861 7.1 */

/* RFC 4861 4.6: options; length in units of 8 octets, 0 is invalid. */
struct rb_nd_opt {
	uint8_t type;
	uint8_t len;
} __attribute__((packed));
#define RB_ND_OPT_SLLA 1    /* 4.6.1 Source Link-Layer Address */
#define RB_ND_OPT_TLLA 2    /* 4.6.1 Target Link-Layer Address */

/* 4.6.1 on Ethernet (RFC 2464 8): one 8-octet unit holding the MAC. */
struct rb_nd_opt_lla {
	uint8_t type;
	uint8_t len;
	uint8_t mac[6];
} __attribute__((packed));

#endif
