/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * SIP022 behind the SIP004 calls: a layer (ss_aead.h struct ss_layer) that
 * makes ss_enc / ss_dec / ss_enc_size / ss_cipher_wipe run the 2022 TCP
 * codec (ss2022_tcp.h), so the inbound/outbound keep one code path and only
 * set their ciphers up differently.  The plaintext convention is SIP004's:
 *   client encoder: the first plaintext starts with the SOCKS5 target
 *     address (it goes into the variable header; the rest is the initial
 *     payload); a first call holding only the address sends the padding;
 *   server decoder: the plaintext starts with the SOCKS5 address, then the
 *     initial payload and the stream.
 * Time comes from CLOCK_REALTIME (ss22c_set_clock for tests).
 *
 *   outbound:  ss22c_client(&enc, &dec, &keys, salt, pad, salts)
 *   inbound:   ss22c_server_dec(&dec, m, psk, users, salts)
 *              ... ss_dec until the address is in ...
 *              ss22c_server_enc(&enc, &dec, salt)   (keyed by the user's PSK,
 *                                                    bound to the request salt)
 *   both:      ss_cipher_wipe frees the layer.
 *
 * Output bound of a first call over what SIP004 needs for the same bytes:
 * salt + identity headers + 43 + padding (the client) or salt + 59 (the
 * server), so pad <= 64 keeps a first call of up to 8 SIP004 chunks inside
 * SIP004's own worst case (8 x 34 + 32 bytes); later calls are smaller than
 * SIP004's (0xFFFF chunks).
 */
#ifndef SS2022_COMPAT_H
#define SS2022_COMPAT_H

#include "ss2022_tcp.h"

#define SS22C_MAX_PAD 64

/* keys: n PSKs (iPSK...:uPSK), copied.  pad 1..SS22C_MAX_PAD.  salts: the
 * 60 s cache for the server's response salts, or NULL.  0 or < 0. */
int ss22c_client(struct ss_cipher *enc, struct ss_cipher *dec, const struct ss22_keys *k,
		 const uint8_t *salt, uint16_t pad, struct ss_salt_cache *salts);
/* users: multi-user (SIP023), or NULL (psk). */
int ss22c_server_dec(struct ss_cipher *dec, const struct ss_method *m, const uint8_t *psk,
		     struct ss_eih_users *users, struct ss_salt_cache *salts);
/* After the request headers are in (dec's address came out). */
int ss22c_server_enc(struct ss_cipher *enc, const struct ss_cipher *dec, const uint8_t *salt);
/* The 2022 decoder behind dec (target, user, salt), or NULL. */
const struct ss22_dec *ss22c_dec_state(const struct ss_cipher *dec);
/* The cipher that carries c's stream from here on, framed as SIP004's
 * (length and payload chunks, counter nonces): c itself without a layer,
 * the 2022 codec's inner one once its headers are through (encoder: sent;
 * decoder: read and checked), else NULL (the headers still need the
 * linear calls). */
struct ss_cipher *ss22c_stream(struct ss_cipher *c);
/* 1 for a SIP022 method. */
int ss22c_is_2022(const struct ss_method *m);

/* Worker `w`'s salt cache for salt_len (16 or 32), created on first use
 * with SS22C_SALTS entries (~5.8 MB: 2000 new sessions/s for 60 s); NULL
 * without memory or for w >= SS22C_MAX_WORKERS.  Only worker w may use
 * its caches; ss22c_worker_fini(w) frees them (from any thread, once the
 * worker stopped). */
#define SS22C_SALTS	  (1u << 17)
#define SS22C_MAX_WORKERS 64
struct ss_salt_cache *ss22c_worker_salts(unsigned w, uint8_t salt_len);
void ss22c_worker_fini(unsigned w);

/* Worker w's users table (SIP023) for inbound idx: built on first use
 * from n base64 uPSKs (the first at upsk, the next `stride` bytes on, as
 * in an array of config user records) under the inbound's iPSK; rebuilt
 * when `gen` (e.g. the config's address) changes.  NULL on a bad or
 * duplicate key, no memory, or w >= SS22C_MAX_WORKERS. */
struct ss_eih_users *ss22c_worker_users(unsigned w, unsigned idx, const void *gen,
					const struct ss_method *m, const uint8_t *ipsk,
					const char *upsk, size_t stride, unsigned n);

/* Unix seconds source (NULL: CLOCK_REALTIME). */
void ss22c_set_clock(uint64_t (*now)(void));

#endif
