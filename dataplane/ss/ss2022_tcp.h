/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Shadowsocks 2022 TCP stream codec (SIP022 3.1), symmetrical to
 * ss_enc/ss_dec so the inbound/outbound call it the same way:
 *
 *   request  = salt [identity headers] fixed-header var-header chunks...
 *   response = salt fixed-header(bound to the request salt) first-payload chunks...
 *
 * (wire details in ss2022.h and ss_eih.h).  After the headers the stream
 * is SIP004 framing with a 0xFFFF payload limit, run by ss_aead's
 * encoder/decoder at nonce 2 (one batch per call).
 *
 * Encoder, client:  ss22_enc_client_init(e, keys, salt, addr, alen, pad)
 *   The first ss22_enc call writes salt, identity headers and both header
 *   chunks in one piece, with as much of `in` as fits as the initial
 *   payload; len 0 sends the headers with padding only (pad must be > 0
 *   then: SIP022 wants padding or payload).  Pick pad at random (1..900).
 * Encoder, server:  ss22_enc_server_init(e, m, psk, salt, req_salt)
 *   The first call with len > 0 writes salt, the response header and the
 *   first payload chunk (the response header is always sent with payload).
 * Decoder, server:  ss22_dec_server_init(d, m, psk, users, salts)
 *   users != NULL: multi-user (SIP023), one identity header after the
 *   salt, the session keyed by the user's PSK (d->psk, d->user afterwards).
 *   When the headers are in, d->hdr_done is set and d->target holds the
 *   address; the initial payload comes out like any later payload.
 * Decoder, client:  ss22_dec_client_init(d, m, psk, req_salt, salts)
 * Both decoders check the timestamp (+-30 s of now) and, with salts !=
 * NULL, the peer's salt against the 60 s salt cache (SIP022 3.1.4).
 * Errors are sticky (the stream is dead): SS_ERR_AUTH, SS_ERR_LEN,
 * SS2022_ERR_TYPE/TIME/PADDING/ADDR/SALT/REPLAY/FULL/USER.  For probe
 * resistance every one of them should be handled alike by the inbound.
 */
#ifndef SS2022_TCP_H
#define SS2022_TCP_H

#include "ss2022.h"
#include "ss_eih.h"
#include "ss_salt_cache.h"

#define SS22_ADDR_MAX 259 /* SOCKS5 form: 1 + 1 + 255 + 2 */

struct ss22_enc {
	struct ss_cipher c; /* after the headers */
	const struct ss_method *m;
	uint8_t server, hdr_sent, n_eih;
	uint16_t pad_len, alen;
	uint8_t salt[SS_MAX_SALT];
	uint8_t req_salt[SS_MAX_SALT];		/* server: the response is bound to it */
	uint8_t eih[(SS_EIH_MAX_PSKS - 1) * 16];	/* client: identity headers */
	uint8_t addr[SS22_ADDR_MAX];		/* client: target, SOCKS5 form */
};

int ss22_enc_client_init(struct ss22_enc *e, const struct ss22_keys *k, const uint8_t *salt,
			 const uint8_t *addr, size_t alen, uint16_t pad_len);
int ss22_enc_server_init(struct ss22_enc *e, const struct ss_method *m, const uint8_t *psk,
			 const uint8_t *salt, const uint8_t *req_salt);
/* Bytes ss22_enc writes for len bytes. */
size_t ss22_enc_size(const struct ss22_enc *e, size_t len);
/* Returns bytes written (ss22_enc_size) or < 0.  now: unix seconds. */
long ss22_enc(struct rb_aead_ctx *ctx, struct ss22_enc *e, uint64_t now, const uint8_t *in,
	      size_t len, uint8_t *out);
void ss22_enc_wipe(struct ss22_enc *e);

struct ss22_target {
	int family; /* AF_INET, AF_INET6, 0 = domain */
	uint8_t addr[16];
	char host[256];
	uint16_t port;
};

struct ss22_dec {
	struct ss_cipher c; /* after the headers; its reassembly buffer is buf */
	const struct ss_method *m;
	struct ss_eih_users *users;
	struct ss_salt_cache *salts;
	uint8_t server, st, hdr_done, has_user;
	uint8_t emit_addr; /* server: the address (SOCKS5 form) comes out before the payload */
	int8_t err;	/* sticky */
	uint32_t have;	/* bytes of the current header unit in buf */
	uint32_t vlen;	/* var header / first payload length */
	uint32_t user;	/* the ss_eih_user id (has_user) */
	uint64_t timestamp;
	uint8_t psk[SS_MAX_KEY];
	uint8_t salt[SS_MAX_SALT];     /* the peer's */
	uint8_t req_salt[SS_MAX_SALT]; /* client: ours, the response must name it */
	struct ss22_target target;     /* server, once hdr_done */
	uint8_t buf[SS2022_MAX_PAYLOAD + SS_TAG_LEN];
};

int ss22_dec_server_init(struct ss22_dec *d, const struct ss_method *m, const uint8_t *psk,
			 struct ss_eih_users *users, struct ss_salt_cache *salts);
int ss22_dec_client_init(struct ss22_dec *d, const struct ss_method *m, const uint8_t *psk,
			 const uint8_t *req_salt, struct ss_salt_cache *salts);
/* As ss_dec: consumes what it can (*used), plaintext to out (*produced),
 * keeps an incomplete unit inside, stops before a payload that does not
 * fit; outcap >= 0xFFFF guarantees progress.  SS_OK or an error. */
int ss22_dec(struct rb_aead_ctx *ctx, struct ss22_dec *d, uint64_t now, const uint8_t *in,
	     size_t len, size_t *used, uint8_t *out, size_t outcap, size_t *produced);
void ss22_dec_wipe(struct ss22_dec *d);

/* 1 once the headers are through and no error stuck: the rest of the
 * stream is d->c's (SIP004 framing, 0xFFFF payloads). */
int ss22_dec_streaming(const struct ss22_dec *d);

#endif
