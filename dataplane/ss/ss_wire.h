/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Shadowsocks AEAD wire format (SIP004, shadowsocks.org "AEAD ciphers").
 *
 * TCP stream, each direction:
 *   [salt][chunk][chunk]...
 *   chunk = [encrypted payload length (2 bytes, big endian)][length tag (16)]
 *           [encrypted payload (1..0x3FFF bytes)][payload tag (16)]
 * The payload length is at most 0x3FFF; the two high bits must be zero.
 * subkey = HKDF-SHA1(key = master key, salt = salt, info = "ss-subkey"),
 * length = key length.  Nonce: a little-endian counter, 12 bytes (24 for
 * XChaCha20), starting at zero and incremented after every seal/open
 * (so a chunk uses two nonces: length, then payload).
 *
 * The first payload of the client's stream starts with the target address
 * in SOCKS5 form (SIP004 / "Addressing"): ATYP (1 IPv4, 3 domain, 4 IPv6),
 * address, port (big endian).
 *
 * UDP (per packet): [salt][encrypted (address + payload)][tag], nonce zero.
 *
 * Master key: EVP_BytesToKey(MD5) of the password (shadowsocks-libev).
 */
#ifndef SS_WIRE_H
#define SS_WIRE_H

#define SS_TAG_LEN	  16
#define SS_LEN_LEN	  2
#define SS_MAX_PAYLOAD	  0x3FFF
#define SS_MAX_SALT	  32
#define SS_MAX_KEY	  32
#define SS_MAX_NONCE	  24
#define SS_SUBKEY_INFO	  "ss-subkey"
#define SS_CHUNK_OVERHEAD (SS_LEN_LEN + SS_TAG_LEN + SS_TAG_LEN)
#define SS_MAX_CHUNK	  (SS_CHUNK_OVERHEAD + SS_MAX_PAYLOAD)

/* SOCKS5 address types used in the Shadowsocks target address. */
#define SS_ATYP_IPV4   1
#define SS_ATYP_DOMAIN 3
#define SS_ATYP_IPV6   4

#endif
