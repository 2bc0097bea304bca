/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Shadowsocks 2022 UDP (SIP022 3.2 and 4.1; SIP023 for identity headers).
 *
 * AES methods (3.2):
 *   packet = AES-ECB(PSK, separate header) [identity headers] AEAD(body) tag
 *   separate header = session id (8) || packet id (u64be)
 *   subkey = BLAKE3 derive_key("shadowsocks 2022 session subkey", PSK || session id)
 *   nonce  = separate header[4..16]
 * 2022-blake3-chacha20-poly1305 (4.1):
 *   packet = nonce (24, random) XChaCha20-Poly1305(PSK, session id ||
 *            packet id || body) tag
 * body, client -> server: type 0, timestamp u64be, padding length u16be,
 *   padding, SOCKS5 address, payload;
 * body, server -> client: type 1, timestamp, client session id (8),
 *   padding length, padding, SOCKS5 address, payload.
 * Requests from a client with iPSKs carry one identity header per iPSK and
 * their separate header is encrypted with the first iPSK; responses use
 * the user's PSK for both (as shadowsocks-rust does).  Timestamps must be
 * within 30 s; every receiving session keeps a sliding packet-id window.
 *
 * Use (burst of up to SS22_UDP_BURST packets, one AEAD batch):
 *   seal: fill ss22_udp_out[] (session, address, payload, padding, and for
 *         ChaCha 24 random nonce bytes) -> ss22_udp_seal.
 *   open: ss22_udp_open_hdr (AES: separate header + identity header ->
 *         sid, pid, user) -> the caller finds or creates each packet's
 *         receiving session (ss22_udp_rx_init derives its subkey) and sets
 *         in->rx (AES only) -> ss22_udp_open_body (AEAD, header checks) ->
 *         per packet, after authentication, ss22_udp_accept (window) or,
 *         on a client, ss22_udp_client_accept.
 */
#ifndef SS2022_UDP_H
#define SS2022_UDP_H

#include "ss2022_tcp.h"

#define SS22_UDP_SEP	 16
#define SS22_UDP_XNONCE	 24
#define SS22_UDP_BURST	 32
#define SS22_UDP_WINDOW	 2048 /* bitmap bits; ids up to WINDOW - 64 behind the newest are tracked */
#define SS22_UDP_OLD_S	 60   /* a client keeps an old server session this long */

/* Sliding window over packet ids (RFC 6479 style bitmap of 64-bit words):
 * an id more than SS22_UDP_WINDOW - 64 (1984) behind the newest is refused. */
struct ss22_window {
	uint64_t top; /* newest accepted id */
	uint8_t any;  /* an id was accepted */
	uint64_t bits[SS22_UDP_WINDOW / 64];
};
void ss22_window_init(struct ss22_window *w);
/* 1: new and inside the window (now marked); 0: seen, or too old. */
int ss22_window_accept(struct ss22_window *w, uint64_t pid);

/* Codec context of one inbound or outbound. */
struct ss22_udp {
	const struct ss_method *m;
	uint8_t server;
	const struct ss22_keys *keys; /* client: PSK list */
	struct ss_eih_users *users;   /* server: multi-user, or NULL */
	uint8_t psk[SS_MAX_KEY];      /* server single-user */
	struct ss22_block blk;	      /* server single-user: AES(psk) */
	struct rb_aead_key xkey;      /* ChaCha: XChaCha20-Poly1305(psk) */
	uint64_t bad_len, bad_auth, bad_user, bad_type, bad_time, bad_addr;
};
int ss22_udp_client_init(struct ss22_udp *u, const struct ss22_keys *keys);
/* users != NULL: AES only, psk unused (the iPSK is the users table's). */
int ss22_udp_server_init(struct ss22_udp *u, const struct ss_method *m, const uint8_t *psk,
			 struct ss_eih_users *users);
void ss22_udp_free(struct ss22_udp *u);

/* Our sending session: id, packet counter, subkey, block cipher. */
struct ss22_udp_tx {
	uint8_t sid[8];
	uint64_t next_pid;
	const struct ss22_block *blk; /* AES: encrypts the separate header */
	struct rb_aead_key key;	      /* AES: subkey(psk, sid) */
};
/* sid: 8 random bytes (a server's never equal to the client's).  For a
 * client: psk = keys->psk[n - 1], blk = &keys->blk[0]; for a server:
 * the user's (or the inbound's) PSK and block. */
int ss22_udp_tx_init(struct ss22_udp_tx *tx, const struct ss_method *m, const uint8_t *psk,
		     const struct ss22_block *blk, const uint8_t sid[8]);

/* A peer's session as we receive it. */
struct ss22_udp_rx {
	uint8_t sid[8];
	uint8_t valid;
	uint64_t last; /* time of its last accepted packet */
	struct rb_aead_key key;
	struct ss22_window win;
};
int ss22_udp_rx_init(struct ss22_udp_rx *rx, const struct ss_method *m, const uint8_t *psk,
		     const uint8_t sid[8]);

struct ss22_udp_out {
	struct ss22_udp_tx *tx;
	const uint8_t *addr; /* SOCKS5 form */
	uint16_t alen, pad_len;
	const uint8_t *payload;
	uint32_t len;
	const uint8_t *xnonce;	   /* ChaCha: 24 fresh random bytes */
	const uint8_t *client_sid; /* server: the client's session id */
	uint8_t *out;		   /* ss22_udp_seal_size() bytes */
	int32_t out_len;	   /* result: bytes, or < 0 */
	uint64_t pid;		   /* result: the packet id used */
};
size_t ss22_udp_seal_size(const struct ss22_udp *u, size_t alen, size_t pad, size_t len);
/* Returns how many failed (out_len < 0; packets past SS22_UDP_BURST fail). */
unsigned ss22_udp_seal(struct rb_aead_ctx *ctx, struct ss22_udp *u, struct rb_aead_batch *b,
		       struct ss22_udp_out *p, unsigned n, uint64_t now);

struct ss22_udp_in {
	uint8_t *pkt; /* decrypted in place */
	uint32_t len;
	/* ss22_udp_open_hdr (AES) / ss22_udp_open_body (ChaCha) */
	uint8_t sid[8];
	uint64_t pid;
	const struct ss_eih_user *user;
	struct ss22_udp_rx *rx; /* AES: set by the caller before open_body */
	/* ss22_udp_open_body */
	uint64_t ts;
	uint8_t client_sid[8]; /* server -> client packets */
	struct ss22_target target;
	const uint8_t *data;
	uint32_t data_len;
	int32_t status; /* SS_OK or an error; failed packets are skipped later */
};
unsigned ss22_udp_open_hdr(struct ss22_udp *u, struct ss22_udp_in *p, unsigned n);
unsigned ss22_udp_open_body(struct rb_aead_ctx *ctx, struct ss22_udp *u, struct rb_aead_batch *b,
			    struct ss22_udp_in *p, unsigned n, uint64_t now);
/* Server side, per authenticated packet: SS_OK, or SS2022_ERR_REPLAY
 * (duplicate / out of window). */
int ss22_udp_accept(struct ss22_udp_rx *rx, const struct ss22_udp_in *p, uint64_t now);

/* Client side: our session and the server's (current, old, and a
 * candidate not yet authenticated).  A new server session is refused
 * while the old one had a packet within 60 s (SIP022 3.2.4). */
struct ss22_udp_client {
	struct ss22_udp_tx tx;
	struct ss22_udp_rx rx[3]; /* [0] current, [1] old, [2] candidate */
	uint64_t refused;	  /* new server sessions refused */
};
int ss22_udp_client_session(struct ss22_udp_client *c, const struct ss22_keys *k,
			    const uint8_t sid[8]);
/* The receiving session for a packet from server session sid, or NULL
 * (refused, counted). */
struct ss22_udp_rx *ss22_udp_client_rx(struct ss22_udp_client *c, const struct ss22_keys *k,
				       const uint8_t sid[8], uint64_t now);
/* After open_body: checks the packet names our session, the window, and
 * promotes a candidate to current.  SS_OK, SS2022_ERR_SALT (not our
 * session), SS2022_ERR_REPLAY. */
int ss22_udp_client_accept(struct ss22_udp_client *c, struct ss22_udp_rx *rx,
			   const struct ss22_udp_in *p, uint64_t now);
void ss22_udp_client_wipe(struct ss22_udp_client *c);

#endif
