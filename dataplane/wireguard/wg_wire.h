/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * WireGuard wire formats (WireGuard whitepaper, "WireGuard: Next Generation
 * Kernel Network Tunnel", J. A. Donenfeld, section 5.4; the same layout as
 * the Linux kernel's messages.h).  All integers little-endian.
 */
#ifndef WG_WIRE_H
#define WG_WIRE_H

#include <stdint.h>

#define WG_KEY_LEN       32
#define WG_HASH_LEN      32
#define WG_TAG_LEN       16
#define WG_COOKIE_LEN    16
#define WG_TIMESTAMP_LEN 12
#define WG_COOKIE_NONCE_LEN 24

/* Section 5.4: the first byte is the type, then 3 reserved bytes (zero on
 * the wire from wireguard-go/kernel; Cloudflare WARP puts its client id in
 * them, configured per peer as `reserved`). */
enum wg_msg_type {
	WG_MSG_INITIATION = 1,
	WG_MSG_RESPONSE = 2,
	WG_MSG_COOKIE = 3,
	WG_MSG_DATA = 4,
};

struct wg_msg_header {
	uint8_t type;
	uint8_t reserved[3];
} __attribute__((packed));

/* The two MACs close every handshake message (section 5.4.4). */
struct wg_macs {
	uint8_t mac1[WG_COOKIE_LEN];
	uint8_t mac2[WG_COOKIE_LEN];
} __attribute__((packed));

/* Section 5.4.2, 148 bytes. */
struct wg_msg_initiation {
	struct wg_msg_header h;
	uint32_t sender;
	uint8_t ephemeral[WG_KEY_LEN];
	uint8_t enc_static[WG_KEY_LEN + WG_TAG_LEN];
	uint8_t enc_timestamp[WG_TIMESTAMP_LEN + WG_TAG_LEN];
	struct wg_macs macs;
} __attribute__((packed));

/* Section 5.4.3, 92 bytes. */
struct wg_msg_response {
	struct wg_msg_header h;
	uint32_t sender;
	uint32_t receiver;
	uint8_t ephemeral[WG_KEY_LEN];
	uint8_t enc_nothing[WG_TAG_LEN];
	struct wg_macs macs;
} __attribute__((packed));

/* Section 5.4.7, 64 bytes. */
struct wg_msg_cookie {
	struct wg_msg_header h;
	uint32_t receiver;
	uint8_t nonce[WG_COOKIE_NONCE_LEN];
	uint8_t enc_cookie[WG_COOKIE_LEN + WG_TAG_LEN];
} __attribute__((packed));

/* Section 5.4.6: header of a transport data message (16 bytes), followed by
 * the encrypted, zero-padded (to a multiple of 16) inner packet and a tag.
 * An empty inner packet is a keepalive (section 6.5). */
struct wg_msg_data {
	struct wg_msg_header h;
	uint32_t receiver;
	uint64_t counter;
} __attribute__((packed));

#define WG_DATA_HDR_LEN    16
#define WG_DATA_MIN_LEN    (WG_DATA_HDR_LEN + WG_TAG_LEN) /* a keepalive */
#define WG_PAD_MULTIPLE    16
#define WG_MSG_INIT_LEN    148
#define WG_MSG_RESP_LEN    92
#define WG_MSG_COOKIE_LEN  64
/* Outer overhead of a data message: IPv4/IPv6 + UDP + header + tag. */
#define WG_OVERHEAD4 (20 + 8 + WG_DATA_HDR_LEN + WG_TAG_LEN)
#define WG_OVERHEAD6 (40 + 8 + WG_DATA_HDR_LEN + WG_TAG_LEN)

_Static_assert(sizeof(struct wg_msg_initiation) == WG_MSG_INIT_LEN, "initiation");
_Static_assert(sizeof(struct wg_msg_response) == WG_MSG_RESP_LEN, "response");
_Static_assert(sizeof(struct wg_msg_cookie) == WG_MSG_COOKIE_LEN, "cookie");
_Static_assert(sizeof(struct wg_msg_data) == WG_DATA_HDR_LEN, "data");

#endif
