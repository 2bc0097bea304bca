/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TCP wire format: header (RFC 9293 3.1), options (MSS RFC 9293 3.2,
 * window scale and timestamps RFC 7323 2.2/3.2, SACK-permitted and SACK
 * RFC 2018 2/3) and the pseudo headers for the checksum (RFC 9293 3.1,
 * RFC 8200 8.1).
 */
#ifndef TCP_WIRE_H
#define TCP_WIRE_H

#include <stdint.h>
#include <rte_byteorder.h>

struct tcp_hdr {
	uint16_t sport;
	uint16_t dport;
	uint32_t seq;
	uint32_t ack;
	uint8_t off;        /* data offset in 32-bit words, high nibble */
	uint8_t flags;
	uint16_t win;
	uint16_t cksum;
	uint16_t urp;
} __attribute__((packed));

#define TCP_HDR_LEN    20
#define TCP_HDR_MAXLEN 60

#define TCP_FIN 0x01
#define TCP_SYN 0x02
#define TCP_RST 0x04
#define TCP_PSH 0x08
#define TCP_ACK 0x10
#define TCP_URG 0x20
#define TCP_ECE 0x40
#define TCP_CWR 0x80

/* Option kinds (IANA "TCP Option Kind Numbers"). */
#define TCPOPT_EOL       0
#define TCPOPT_NOP       1
#define TCPOPT_MSS       2  /* RFC 9293 3.2, length 4 */
#define TCPOPT_WSCALE    3  /* RFC 7323 2.2, length 3 */
#define TCPOPT_SACK_PERM 4  /* RFC 2018 2, length 2 */
#define TCPOPT_SACK      5  /* RFC 2018 3, length 2 + 8n */
#define TCPOPT_TS        8  /* RFC 7323 3.2, length 10 */

#define TCP_WSCALE_MAX 14   /* RFC 7323 2.3 */
#define TCP_SACK_MAX_BLOCKS 4

/* Parsed options of one segment. */
struct tcp_opts {
	uint8_t has_mss : 1, has_ws : 1, sack_perm : 1, has_ts : 1;
	uint8_t ws;
	uint8_t n_sack;
	uint16_t mss;
	uint32_t tsval, tsecr;
	struct {
		uint32_t start, end; /* host order */
	} sack[TCP_SACK_MAX_BLOCKS];
};

/* IPv4 pseudo header (RFC 9293 3.1). */
struct tcp_phdr4 {
	uint32_t src, dst;
	uint8_t zero, proto;
	uint16_t len;
} __attribute__((packed));

/* IPv6 pseudo header (RFC 8200 8.1). */
struct tcp_phdr6 {
	uint8_t src[16], dst[16];
	uint32_t len;
	uint8_t zero[3], proto;
} __attribute__((packed));

/* Sequence-number arithmetic modulo 2^32 (RFC 9293 3.4). */
static inline int seq_lt(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) < 0;
}
static inline int seq_le(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) <= 0;
}
static inline int seq_gt(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) > 0;
}
static inline int seq_ge(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) >= 0;
}
static inline uint32_t seq_max(uint32_t a, uint32_t b)
{
	return seq_gt(a, b) ? a : b;
}
static inline uint32_t seq_min(uint32_t a, uint32_t b)
{
	return seq_lt(a, b) ? a : b;
}

/*
 * Parse the options of a segment (len bytes at p).  Returns 0, or -1 for
 * a malformed option list (a length byte below 2 or running past the
 * header); unknown options are skipped (RFC 9293 3.1 "must be prepared to
 * handle an illegal option length").  Options not allowed on this segment
 * kind (MSS, WS, SACK-permitted outside a SYN) are parsed and ignored by
 * the caller.
 */
int tcp_opts_parse(const uint8_t *p, unsigned len, int syn, struct tcp_opts *o);

#endif
