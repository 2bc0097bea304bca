/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Shadowsocks 2022 Extensible Identity Headers (SIP023; Shadowsocks-NET
 * shadowsocks-specs 2022-2): multi-user servers and relays.
 *
 * A client holds PSKs iPSK0 : ... : uPSK ("destinations" / relay chains
 * give more than one iPSK).  Per iPSK_n it sends a 16-byte identity
 * header naming the next key:
 *   TCP (after the salt):
 *     identity_subkey = BLAKE3 derive_key("shadowsocks 2022 identity subkey",
 *                                         iPSK_n || salt)
 *     eih = AES-ECB(identity_subkey, BLAKE3(PSK_n+1)[0..16])
 *   UDP (after the separate header):
 *     eih = AES-ECB(iPSK_n, BLAKE3(PSK_n+1)[0..16] XOR separate_header)
 *   and the UDP separate header is encrypted with the first iPSK.
 * The session itself is keyed by the last PSK (the uPSK).  A server with
 * users decrypts one identity header with its iPSK and looks the hash up
 * among its users' uPSKs.  AES methods only (the spec's block cipher);
 * 2022-blake3-chacha20-poly1305 takes a single PSK.
 */
#ifndef SS_EIH_H
#define SS_EIH_H

#include <stddef.h>
#include <stdint.h>

#include "ss2022_block.h"
#include "ss_aead.h"

#define SS_EIH_LEN	 16
#define SS_EIH_MAX_PSKS	 4 /* iPSKs + the uPSK */
#define SS_EIH_SUBKEY_CTX "shadowsocks 2022 identity subkey"

/* Client side: the PSK list of one outbound. */
struct ss22_keys {
	const struct ss_method *m;
	uint8_t n;			    /* PSKs; 1 = no identity headers */
	uint8_t psk[SS_EIH_MAX_PSKS][32];   /* psk[n - 1]: the session (user) PSK */
	uint8_t hash[SS_EIH_MAX_PSKS][16];  /* BLAKE3(psk[i])[0..16] */
	struct ss22_block blk[SS_EIH_MAX_PSKS]; /* AES(psk[i]) for UDP (AES methods) */
};

/* "base64[:base64...]" (at most SS_EIH_MAX_PSKS, each m->key_len bytes;
 * more than one only for AES methods).  0 or -1 (nothing held). */
int ss22_keys_decode(struct ss22_keys *k, const struct ss_method *m, const char *text);
/* The same without the UDP block ciphers (blk[] left empty): enough for
 * TCP, no EVP context per call (per-connection use).  0 or -1. */
int ss22_keys_decode_tcp(struct ss22_keys *k, const struct ss_method *m, const char *text);
/* From raw keys (n PSKs of m->key_len bytes, concatenated).  0 or -1. */
int ss22_keys_init(struct ss22_keys *k, const struct ss_method *m, const uint8_t *psks, unsigned n);
void ss22_keys_free(struct ss22_keys *k);

/* BLAKE3(psk)[0..16]. */
void ss_eih_psk_hash(const struct ss_method *m, const uint8_t *psk, uint8_t out[16]);

/* Client: the (n - 1) identity headers, 16 bytes each, into out.  0 or -1. */
int ss_eih_tcp_build(const struct ss22_keys *k, const uint8_t *salt, uint8_t *out);
/* sep: the plaintext separate header (session id, packet id). */
int ss_eih_udp_build(const struct ss22_keys *k, const uint8_t sep[16], uint8_t *out);

/* Server side: the inbound's iPSK and its users. */
struct ss_eih_user {
	uint8_t hash[16];
	uint8_t psk[32];
	uint32_t id;		/* the caller's user index */
	struct ss22_block blk; /* AES(uPSK): the user's UDP response separate headers */
};

struct ss_eih_users {
	const struct ss_method *m;
	uint8_t ipsk[32];
	struct ss22_block iblk; /* AES(iPSK): UDP identity headers and separate headers */
	struct ss_eih_user *u;	/* sorted by hash */
	uint32_t n, cap;
	uint64_t unknown; /* identity headers naming no user */
};

/* AES methods only.  0 or -1. */
int ss_eih_users_init(struct ss_eih_users *t, const struct ss_method *m, const uint8_t *ipsk);
/* 0, or -1 (no memory, or a uPSK with the hash of one already there). */
int ss_eih_users_add(struct ss_eih_users *t, const uint8_t *upsk, uint32_t id);
void ss_eih_users_free(struct ss_eih_users *t);
const struct ss_eih_user *ss_eih_users_find(const struct ss_eih_users *t, const uint8_t hash[16]);

/* Decrypt one identity header; the user, or NULL (counted in unknown). */
const struct ss_eih_user *ss_eih_tcp_identify(struct ss_eih_users *t, const uint8_t *salt,
					      const uint8_t eih[16]);
const struct ss_eih_user *ss_eih_udp_identify(struct ss_eih_users *t, const uint8_t sep[16],
					      const uint8_t eih[16]);

/* Relay ("destinations", SIP023 Scenarios), UDP request packets: decrypt
 * the separate header with our iPSK, find the next hop from our identity
 * header, re-encrypt the separate header with the hop's PSK into the place
 * of our identity header.  The packet for the hop is pkt + 16 (len - 16).
 * Returns the hop, or NULL (packet shorter than 32 bytes, or no such hop;
 * pkt is then unchanged).  TCP needs no rewrite: the hop gets the salt and
 * what follows our identity header (ss_eih_tcp_identify names the hop). */
const struct ss_eih_user *ss_eih_udp_relay(struct ss_eih_users *t, uint8_t *pkt, size_t len);

#endif
