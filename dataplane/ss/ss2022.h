/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Shadowsocks 2022 (SIP022) TCP headers: session subkeys and the request /
 * response header chunks.  The chunk stream after the headers uses the
 * SIP004 framing with 2022's larger payload limit (0xFFFF).
 *
 * SIP022 3.1 session subkey:
 *   subkey = BLAKE3 derive_key("shadowsocks 2022 session subkey", PSK || salt)
 * SIP022 3.2 TCP request (client -> server), after the salt:
 *   fixed header chunk    = seal(type u8 = 0, timestamp u64be, len u16be)   11 + 16
 *   variable header chunk = seal(SOCKS address, padding len u16be, padding,
 *                                initial payload)                          len + 16
 * TCP response (server -> client), after its own salt:
 *   fixed header chunk    = seal(type u8 = 1, timestamp u64be, request salt,
 *                                len u16be)                      1+8+salt+2 + 16
 *   then a chunk of len bytes (payload).
 * Nonces: little-endian counter from zero, as SIP004.  Timestamps more
 * than 30 s away from ours are rejected; padding is 0..900 bytes and must
 * be non-zero when there is no initial payload.
 */
#ifndef SS2022_H
#define SS2022_H

#include <stddef.h>
#include <stdint.h>

#include "ss_aead.h"

#define SS2022_SUBKEY_CTX    "shadowsocks 2022 session subkey"
#define SS2022_TYPE_REQUEST  0
#define SS2022_TYPE_RESPONSE 1
#define SS2022_FIXED_REQ     11
#define SS2022_MAX_SKEW_S    30
#define SS2022_MAX_PADDING   900
#define SS2022_MAX_PAYLOAD   0xFFFF

enum ss2022_err {
	SS2022_ERR_TYPE = -10,	  /* wrong header type */
	SS2022_ERR_TIME = -11,	  /* timestamp outside +-30 s */
	SS2022_ERR_PADDING = -12, /* padding over 900, or none without payload */
	SS2022_ERR_ADDR = -13,	  /* malformed address */
	SS2022_ERR_SALT = -14,	  /* response not bound to our request salt */
	SS2022_ERR_SHORT = -15,	  /* fewer bytes than the header needs */
	SS2022_ERR_REPLAY = -16,  /* salt seen within 60 s (SIP022 3.1.4) */
	SS2022_ERR_FULL = -17,	  /* salt cache full of live salts: refused */
	SS2022_ERR_USER = -18,	  /* identity header names no user (SIP023) */
};

/* "2022-blake3-aes-128-gcm" (16-byte PSK), "2022-blake3-aes-256-gcm",
 * "2022-blake3-chacha20-poly1305" (32): NULL when unknown. */
const struct ss_method *ss2022_method_find(const char *name);
/* PSK from its base64 text; 0, or -1 when not exactly m->key_len bytes. */
int ss2022_psk_decode(const struct ss_method *m, const char *b64, uint8_t *psk);
/* Session subkey into key (m->key_len bytes, SIP022 3.1). */
void ss2022_subkey(const struct ss_method *m, const uint8_t *psk, const uint8_t *salt,
		   uint8_t *subkey);

/* A header-building/parsing direction: subkey + nonce counter. */
struct ss2022_dir {
	struct rb_aead_key key;
	const struct ss_method *m;
	uint8_t nonce[12];
};
int ss2022_dir_init(struct ss2022_dir *d, const struct ss_method *m, const uint8_t *psk,
		    const uint8_t *salt);

/* Client: salt, fixed and variable header (address, padding, payload) into
 * out.  Returns the length or < 0. */
long ss2022_req_build(struct rb_aead_ctx *ctx, struct ss2022_dir *d, const uint8_t *salt,
		      uint64_t now, const uint8_t *addr, size_t alen, const uint8_t *padding,
		      size_t plen, const uint8_t *payload, size_t len, uint8_t *out);

struct ss2022_req {
	uint64_t timestamp;
	int family;
	uint8_t addr[16];
	char host[256];
	uint16_t port;
	const uint8_t *payload; /* inside the caller's buffer (decrypted in place) */
	size_t payload_len;
	size_t used; /* bytes of the input the headers took */
};
/* Server: in[0..len) starts after the salt (d keyed from it).  Decrypts in
 * place.  Returns 0, SS_ERR_AUTH, SS2022_ERR_* (SHORT: read more). */
int ss2022_req_parse(struct rb_aead_ctx *ctx, struct ss2022_dir *d, uint8_t *in, size_t len,
		     uint64_t now, struct ss2022_req *r);

/* Server: salt, fixed response header bound to req_salt, first payload
 * chunk (len 1..0xFFFF). */
long ss2022_resp_build(struct rb_aead_ctx *ctx, struct ss2022_dir *d, const uint8_t *salt,
		       uint64_t now, const uint8_t *req_salt, const uint8_t *payload, size_t len,
		       uint8_t *out);
/* Client: in[0..len) starts after the server's salt; returns 0 with the
 * payload decrypted in place (*payload, *plen, *used) or an error. */
int ss2022_resp_parse(struct rb_aead_ctx *ctx, struct ss2022_dir *d, uint8_t *in, size_t len,
		      uint64_t now, const uint8_t *req_salt, const uint8_t **payload, size_t *plen,
		      size_t *used);

#endif
