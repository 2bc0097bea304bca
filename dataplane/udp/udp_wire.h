/* SPDX-License-Identifier: BSD-3-Clause */
/* UDP header (RFC 768) and pseudo headers (RFC 768, RFC 8200 8.1). */
#ifndef UDP_WIRE_H
#define UDP_WIRE_H

#include <stdint.h>

struct udp_hdr {
	uint16_t sport;
	uint16_t dport;
	uint16_t len;    /* header + payload */
	uint16_t cksum;  /* 0 = none (IPv4 only) */
} __attribute__((packed));

#define UDP_HDR_LEN 8

struct udp_phdr4 {
	uint32_t src, dst;
	uint8_t zero, proto;
	uint16_t len;
} __attribute__((packed));

struct udp_phdr6 {
	uint8_t src[16], dst[16];
	uint32_t len;
	uint8_t zero[3], proto;
} __attribute__((packed));

#endif
