/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Shadowsocks 2022 UDP sessions (SIP022 3.2.2-3.2.4, 4.1; SIP023 for the
 * identity header), the state around the packet codec (ss2022_udp.h) that
 * the dataplane's inbound (ss_udp_in.c) and outbound (ss_udp_out.c) keep.
 * No DPDK: unit-tested (test_ss2022_udp) and fuzzed (fuzz_ss2022).
 *
 * Server (one table per inbound per lcore), SIP022 3.2.4: sessions are
 * keyed by the client session id (and, multi-user, the user the identity
 * header named).  Each holds the client's receiving state (subkey, packet-id
 * window) and our own sending session: a server session id drawn at random
 * per client session (never equal to the client's, 3.2.2) with its packet
 * counter from 0.  A packet that does not authenticate never creates or
 * changes a session; a new session is created only for an authenticated,
 * fresh packet.  A session stays while the caller holds references (its
 * upstream flows) and for SS22_USRV_KEEP_S (at least) after its last
 * accepted packet, so a replay inside the 30 s timestamp window always
 * meets the window that saw the original.
 *
 *   ss22_usrv_init(&t, m, psk, users, cap);
 *   rc = ss22_usrv_open(ctx, &t, pkt, len, now, rnd8, &in, &s);  per packet
 *        (decrypted in place; SS_OK: in.target / in.data, s the session)
 *   n  = ss22_usrv_seal(ctx, &t, s, addr, alen, pad, data, len, xnonce, out, now);
 *   ss22_usrv_ref(s) / ss22_usrv_unref(s); ss22_usrv_expire(&t, now, keep_s);
 *
 * Client (one per NAT session), SIP022 3.2.2: ss22_ucli_* wraps a random
 * client session id, its packet counter, and the server sessions seen
 * (ss22_udp_client: current / old / candidate, a new one refused while the
 * old one is less than 60 s quiet).
 *
 * Padding (3.2.3 leaves the policy open): ss22_udp_pad picks a random
 * 1..900-byte padding for a packet with no payload (as shadowsocks-rust)
 * and for DNS (port 53) packets shorter than 900 bytes, to hide query and
 * answer sizes; none otherwise.
 */
#ifndef SS_UDP22_SESS_H
#define SS_UDP22_SESS_H

#include <stddef.h>
#include <stdint.h>

#include "ss2022_udp.h"

#define SS22_USRV_KEEP_S 60 /* 2 x the timestamp window (SIP022 3.1.4) */
#define SS22_USRV_APP	 48 /* bytes the caller keeps per session */

struct ss22_usess {
	struct ss22_usess *next; /* hash chain, or free list */
	uint32_t hash;
	uint32_t refs;			/* the caller's flows using it */
	uint8_t used;
	const struct ss_eih_user *user; /* multi-user: the identity header's user */
	uint64_t created;		/* unix s */
	struct ss22_udp_rx rx;		/* the client's session: sid, window, subkey */
	struct ss22_udp_tx tx;		/* ours: server session id, packet counter */
	uint64_t rx_pkts, tx_pkts;
	uint8_t app[SS22_USRV_APP] __attribute__((aligned(8))); /* the caller's (peer address) */
};

struct ss22_usrv {
	struct ss22_udp u;	  /* the inbound's codec (PSK or users) */
	struct rb_aead_batch b;	  /* one packet at a time */
	struct ss22_udp_rx tmp;	  /* a not yet known session's state */
	struct ss22_usess *s;	  /* cap entries */
	struct ss22_usess **bucket;
	struct ss22_usess *free;
	uint32_t cap, nb, live;
	uint64_t seed;
	/* counts (the codec's own: u.bad_*) */
	uint64_t created, expired, replayed, full;
};

/* users != NULL: multi-user (AES methods).  cap sessions (> 0).  seed:
 * random, keys the table's hash.  SS_OK or SS_ERR_INTERNAL. */
int ss22_usrv_init(struct ss22_usrv *t, const struct ss_method *m, const uint8_t *psk,
		   struct ss_eih_users *users, uint32_t cap, uint64_t seed);
void ss22_usrv_free(struct ss22_usrv *t);

/* Open one client packet (pkt, len), decrypted in place.  rnd: 8 random
 * bytes, the server session id if this packet starts a session.  SS_OK
 * with *sp (found or created; in->target, in->data/data_len inside pkt),
 * or: SS_ERR_LEN (short), SS_ERR_AUTH (tag), SS2022_ERR_USER (identity
 * header of no user), SS2022_ERR_TIME (timestamp off by more than 30 s),
 * SS2022_ERR_TYPE / _PADDING / _ADDR (malformed body), SS2022_ERR_REPLAY
 * (packet id seen or behind the window), SS2022_ERR_FULL (no room for a
 * new session), SS_ERR_INTERNAL. */
int ss22_usrv_open(struct rb_aead_ctx *ctx, struct ss22_usrv *t, uint8_t *pkt, uint32_t len,
		   uint64_t now, const uint8_t rnd[8], struct ss22_udp_in *in, struct ss22_usess **sp);

/* Bytes a reply needs (ss22_usrv_seal's out). */
size_t ss22_usrv_seal_size(const struct ss22_usrv *t, size_t alen, size_t pad, size_t len);
/* Seal a reply of session s: addr (SOCKS5 form, who answered) + data.
 * xnonce: 24 random bytes (ChaCha; ignored otherwise).  Bytes written, or
 * < 0. */
int ss22_usrv_seal(struct rb_aead_ctx *ctx, struct ss22_usrv *t, struct ss22_usess *s,
		   const uint8_t *addr, uint16_t alen, uint16_t pad, const uint8_t *data,
		   uint32_t len, const uint8_t *xnonce, uint8_t *out, uint64_t now);

void ss22_usrv_ref(struct ss22_usess *s);
void ss22_usrv_unref(struct ss22_usess *s);
/* Free the sessions without references whose last accepted packet is more
 * than max(keep_s, SS22_USRV_KEEP_S) old.  Returns how many. */
unsigned ss22_usrv_expire(struct ss22_usrv *t, uint64_t now, uint64_t keep_s);
/* Free every session (references or not). */
void ss22_usrv_clear(struct ss22_usrv *t);

/* ---- one owner worker per client session ----
 * The dataplane keeps each client session (its packet-id window) on one
 * worker only, chosen by the client session id, so that packets of one
 * session (replays included) meet one window whichever worker the NIC or
 * the 4-tuple hash gave them to; the others hand them over.
 *
 * ss22_usrv_peek_sid: the client session id of a request packet, read
 * WITHOUT authenticating it (only to choose the owner; the owner opens
 * and checks the packet): AES methods decrypt the separate header (one
 * block, with the iPSK for a multi-user table); 2022-blake3-chacha20-
 * poly1305 XORs the first 8 ciphertext bytes with their XChaCha20
 * keystream (HChaCha20 subkey of the PSK and nonce[0..16], block 1: block
 * 0 keys Poly1305).  0, or -1 (shorter than the smallest packet). */
int ss22_usrv_peek_sid(const struct ss22_usrv *t, const uint8_t *pkt, uint32_t len,
		       uint8_t sid[8]);
/* The owner of session id sid among n workers (n >= 1): a fixed mix of
 * the 8 bytes, the same on every worker. */
unsigned ss22_usess_owner(const uint8_t sid[8], unsigned n);

/* ---- client (an outbound's NAT session) ---- */
struct ss22_ucli {
	struct ss22_keys keys; /* iPSK...:uPSK */
	struct ss22_udp u;
	struct ss22_udp_client c;
	struct rb_aead_batch b;
	uint64_t refused;      /* packets of a new server session refused (3.2.4) */
	uint64_t replayed;     /* replies seen or behind the window */
	uint64_t foreign;      /* replies naming another client session */
};
/* psks: the outbound's password ("iPSK:...:uPSK" or "PSK"); sid: 8 random
 * bytes.  SS_OK or SS_ERR_INTERNAL (bad keys: nothing held). */
int ss22_ucli_init(struct ss22_ucli *c, const struct ss_method *m, const char *psks,
		   const uint8_t sid[8]);
void ss22_ucli_free(struct ss22_ucli *c);
size_t ss22_ucli_seal_size(const struct ss22_ucli *c, size_t alen, size_t pad, size_t len);
int ss22_ucli_seal(struct rb_aead_ctx *ctx, struct ss22_ucli *c, const uint8_t *addr,
		   uint16_t alen, uint16_t pad, const uint8_t *data, uint32_t len,
		   const uint8_t *xnonce, uint8_t *out, uint64_t now);
/* Open a reply in place: SS_OK (in->target: who answered, in->data) or
 * SS_ERR_LEN / SS_ERR_AUTH / SS2022_ERR_TIME / _TYPE / _PADDING / _ADDR,
 * SS2022_ERR_SALT (another client session, or a new server session
 * refused), SS2022_ERR_REPLAY. */
int ss22_ucli_open(struct rb_aead_ctx *ctx, struct ss22_ucli *c, uint8_t *pkt, uint32_t len,
		   uint64_t now, struct ss22_udp_in *in);

/* Unix seconds (CLOCK_REALTIME_COARSE) for the timestamps. */
uint64_t ss22_udp_now(void);

/* Padding for a packet to/from `port` with len payload bytes; rnd: a
 * random number. */
uint16_t ss22_udp_pad(uint16_t port, uint32_t len, uint32_t rnd);

#endif
