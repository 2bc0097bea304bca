/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * WireGuard protocol core (no DPDK): Noise_IKpsk2 handshake (noise.c),
 * MACs and cookies (cookie.c), replay window (replay.c), allowed IPs
 * (allowedips.c), per-source handshake rate limit (ratelimit.c), and the
 * device / peer / keypair state machine with the whitepaper's timers
 * (peer.c, timers.c).  dataplane/wireguard/wg_dp.c puts it on the DPDK
 * packet path; the unit tests drive two in-memory devices directly.
 *
 * Threads: a peer belongs to one worker ("owner"); only it touches the
 * peer's handshake, its keypair slots and its receive replay windows.  Any
 * worker may encrypt to a peer: it reads peer->keys[WG_KP_CURRENT] (an
 * RCU-published pointer; retired keypairs are freed through env.retire
 * after a grace period) and reserves nonces with an atomic fetch-add.
 * Time is always passed in (nanoseconds, monotonic) so tests inject it.
 */
#ifndef WG_H
#define WG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "crypto/rb_aead.h"
#include "crypto/rb_rand.h"
#include "wg_wire.h"

/* ---- protocol constants (whitepaper section 6.1, kernel messages.h) ---- */
#define WG_NSEC                  1000000000ull
#define WG_REKEY_AFTER_MESSAGES  (1ull << 60)
#define WG_REJECT_AFTER_MESSAGES (UINT64_MAX - WG_REPLAY_WINDOW - 1)
#define WG_REKEY_AFTER_TIME      120
#define WG_REJECT_AFTER_TIME     180
#define WG_REKEY_ATTEMPT_TIME    90
#define WG_REKEY_TIMEOUT         5
#define WG_KEEPALIVE_TIMEOUT     10
#define WG_MAX_TIMER_HANDSHAKES  (WG_REKEY_ATTEMPT_TIME / WG_REKEY_TIMEOUT)
#define WG_INITIATIONS_PER_SEC   50
#define WG_COOKIE_SECRET_MAX_AGE 120
#define WG_COOKIE_SECRET_LATENCY 5
#define WG_MAX_STAGED            128   /* packets queued per peer while keyless */
#define WG_DEFAULT_MTU           1408  /* as sing-box */

/* ---- replay window (replay.c): the kernel's counter_validate ---- */
#define WG_REPLAY_BITS   8192          /* bitmap, >= 2048 as the issue asks */
#define WG_REPLAY_WORDS  (WG_REPLAY_BITS / 64)
#define WG_REPLAY_WINDOW (WG_REPLAY_BITS - 64)
struct wg_replay {
	uint64_t counter;              /* highest accepted counter + 1 */
	uint64_t bitmap[WG_REPLAY_WORDS];
};
void wg_replay_init(struct wg_replay *r);
/* true when `their` is new and within the window (and marks it seen). */
bool wg_replay_check(struct wg_replay *r, uint64_t their);

/* ---- allowed IPs (allowedips.c): a binary trie per family ---- */
struct wg_aip_node;
struct wg_allowedips {
	struct wg_aip_node *root4, *root6;
	uint32_t n_entries;
};
void wg_aip_init(struct wg_allowedips *t);
/* Insert (replacing the owner of an equal prefix); 0 or -1 (no memory). */
int wg_aip_insert(struct wg_allowedips *t, int family, const uint8_t *addr, uint8_t plen,
		  void *peer);
/* Remove every prefix owned by peer. */
void wg_aip_remove_peer(struct wg_allowedips *t, void *peer);
/* Longest match: the owning peer or NULL. */
void *wg_aip_lookup(const struct wg_allowedips *t, int family, const uint8_t *addr);
void wg_aip_free(struct wg_allowedips *t);
/* Deep copy (copy-on-write publishing); 0 or -1. */
int wg_aip_clone(struct wg_allowedips *dst, const struct wg_allowedips *src);

/* ---- per-source handshake rate limit (ratelimit.c) ---- */
#define WG_RL_BUCKETS  4096    /* bounded memory: older sources are evicted */
#define WG_RL_PPS      20      /* kernel ratelimiter.c: 20 packets/s per source */
#define WG_RL_BURST    5
struct wg_rl_entry {
	uint64_t key;              /* IPv4 address, or IPv6 /64 (hashed) */
	uint64_t last_ns;
	uint64_t tokens;           /* in ns of "credit" */
};
struct wg_ratelimit {
	uint64_t seed;
	struct wg_rl_entry e[WG_RL_BUCKETS];
};
void wg_rl_init(struct wg_ratelimit *rl, uint64_t seed);
/* true when a handshake from addr may be processed now. */
bool wg_rl_allow(struct wg_ratelimit *rl, int family, const uint8_t *addr, uint64_t now);

/* ---- execution context of the calling worker ---- */
struct wg_ctx {
	struct rb_rand *rand;
	struct rb_aead_ctx *aead;
	uint64_t now;              /* monotonic ns */
	unsigned worker;
	struct wg_device_stats *st; /* the calling worker's counters */
	uint64_t wall_ns;          /* tests: UNIX time for TAI64N stamps; 0 = the clock */
};

/* ---- cookies (cookie.c, whitepaper section 5.4.7) ---- */
struct wg_cookie_checker {
	uint8_t mac1_key[WG_KEY_LEN];       /* HASH("mac1----" || our public) */
	uint8_t cookie_key[WG_KEY_LEN];     /* HASH("cookie--" || our public) */
	uint8_t secret[WG_HASH_LEN];        /* Rm, renewed every 2 minutes */
	uint64_t secret_birth;
	int have_secret;
};
struct wg_cookie_maker {                /* per peer */
	uint8_t mac1_key[WG_KEY_LEN];       /* for messages we send to the peer */
	uint8_t cookie_key[WG_KEY_LEN];
	uint8_t cookie[WG_COOKIE_LEN];
	uint64_t cookie_birth;
	int have_cookie;
	int have_sent_mac1;
	uint8_t last_mac1[WG_COOKIE_LEN];
};
enum wg_mac_result {
	WG_MAC_INVALID = 0,
	WG_MAC_VALID_NO_COOKIE,   /* mac1 fine, mac2 missing or stale */
	WG_MAC_VALID_COOKIE,      /* mac1 and mac2 fine */
};
void wg_cookie_checker_init(struct wg_cookie_checker *cc, const uint8_t pub[WG_KEY_LEN]);
void wg_cookie_maker_init(struct wg_cookie_maker *cm, const uint8_t peer_pub[WG_KEY_LEN]);
/* Fill mac1 and mac2 of a handshake message of len bytes (macs at the end). */
void wg_cookie_add_macs(struct wg_cookie_maker *cm, void *msg, size_t len, uint64_t now);
/* Check mac1 (and mac2 when check_cookie) of a received handshake message;
 * src is the source address bytes (4 or 16) followed by the 2-byte port. */
enum wg_mac_result wg_cookie_validate(struct wg_cookie_checker *cc, struct wg_ctx *x,
				      const void *msg, size_t len, const uint8_t *src,
				      size_t src_len, bool check_cookie);
/* Build a cookie reply to a handshake message (its sender index and mac1). */
void wg_cookie_reply(struct wg_cookie_checker *cc, struct wg_ctx *x,
		     struct wg_msg_cookie *out, const void *msg, size_t len, uint32_t receiver,
		     const uint8_t *src, size_t src_len);
/* Take a cookie reply addressed to a peer; 0, or -1 when it does not open. */
int wg_cookie_consume(struct wg_cookie_maker *cm, struct wg_ctx *x,
		      const struct wg_msg_cookie *msg);

/* ---- keys and peers ---- */
enum wg_kp_slot { WG_KP_CURRENT = 0, WG_KP_PREVIOUS, WG_KP_NEXT, WG_KP_SLOTS };

struct wg_peer;
struct wg_keypair {
	struct rb_aead_key send;
	struct rb_aead_key recv;
	uint64_t send_counter;           /* atomic: next nonce to reserve */
	struct wg_replay replay;         /* owner only */
	uint64_t birth;                  /* ns */
	uint32_t local_index;
	uint32_t remote_index;
	uint8_t initiator;
	struct wg_peer *peer;
};

enum wg_hs_state {
	WG_HS_ZEROED = 0,
	WG_HS_CREATED_INITIATION,
	WG_HS_CONSUMED_INITIATION,
	WG_HS_CREATED_RESPONSE,
	WG_HS_CONSUMED_RESPONSE,
};
struct wg_handshake {
	int state;
	uint8_t eph_priv[WG_KEY_LEN];
	uint8_t remote_eph[WG_KEY_LEN];
	uint8_t hash[WG_HASH_LEN];
	uint8_t ck[WG_HASH_LEN];
	uint8_t latest_ts[WG_TIMESTAMP_LEN];
	uint32_t local_index;
	uint32_t remote_index;
	uint64_t last_init_consumed;     /* ns, flood check */
};

/* The endpoint a peer is reached at; changes by roaming (seqcount). */
struct wg_endpoint {
	uint8_t family;                  /* 0 = unknown */
	uint8_t addr[16];                /* remote, network order */
	uint16_t port;                   /* remote, host order */
	uint8_t laddr[16];               /* our address it last used (0 = by route) */
};

struct wg_peer_stats {
	uint64_t rx_bytes, rx_packets, tx_bytes, tx_packets;   /* inner, owner/atomic */
	uint64_t hs_initiated, hs_completed, hs_failed;
	uint64_t cookies_received;
};

#define WG_MAX_AIPS_PER_PEER 64
struct wg_aip_cfg {
	uint8_t family, plen;
	uint8_t addr[16];
};

struct wg_peer {
	struct wg_device *dev;
	uint32_t id;                     /* stable number for ctl/metrics */
	unsigned owner;                  /* worker index */
	uint8_t pub[WG_KEY_LEN];
	uint8_t psk[WG_KEY_LEN];
	uint8_t ss[WG_KEY_LEN];          /* precomputed DH(S_priv, S_peer_pub) */
	int ss_ok;
	uint8_t reserved[3];             /* written into every message we send */
	uint16_t keepalive_interval;     /* persistent keepalive, s; 0 = off */
	int n_aips;
	struct wg_aip_cfg aips[WG_MAX_AIPS_PER_PEER];
	/* endpoint, published to other workers by a sequence count */
	uint32_t ep_seq;
	struct wg_endpoint ep;
	/* keypairs: [CURRENT] read by any worker (RCU), the rest owner only */
	struct wg_keypair *keys[WG_KP_SLOTS];
	struct wg_handshake hs;
	struct wg_cookie_maker cookie;
	/* timers (timers.c): deadlines in ns, 0 = off; owner only */
	uint64_t t_retransmit, t_keepalive, t_new_handshake, t_zero_keys, t_persistent;
	uint64_t last_sent_handshake;
	uint32_t handshake_attempts;
	int need_another_keepalive;
	/* events from other workers, folded in by the owner's tick (atomics) */
	uint64_t ev_data_sent;           /* ns of the last data sent by any worker */
	uint64_t ev_any_sent;
	uint32_t ev_want_handshake;
	uint64_t seen_data_sent, seen_any_sent;
	uint64_t jitter_state;
	int sent_lastminute_handshake;
	uint64_t last_handshake_wall;    /* CLOCK_REALTIME s of the last completed one */
	uint64_t last_handshake_ns;
	struct wg_peer_stats st;
	int removed;
	void *staged;                    /* dataplane's staged packet queue */
};

/* Callbacks from the core into its environment (the dataplane or a test). */
struct wg_env {
	/* Send a handshake/cookie/keepalive message to the peer's endpoint
	 * (peer != NULL) or as a reply to `to` (peer == NULL, cookie replies). */
	void (*send)(void *ctx, struct wg_peer *peer, const struct wg_endpoint *to,
		     const void *buf, size_t len);
	/* Free ptr with fn once no worker can still read it (RCU). */
	void (*retire)(void *ctx, void *ptr, void (*fn)(void *));
	/* A keypair became usable for sending: flush staged packets; returns
	 * how many were sent (0: the core sends a keepalive instead). */
	int (*keys_ready)(void *ctx, struct wg_peer *peer);
	/* Handshake attempts gave up: drop staged packets. */
	void (*clear_staged)(void *ctx, struct wg_peer *peer);
	void *ctx;
};

/* Receiver-index table: 2^16 slots, index = random 16 bits << 16 | slot. */
#define WG_INDEX_SLOTS 65536u
enum wg_index_kind { WG_IDX_FREE = 0, WG_IDX_HANDSHAKE, WG_IDX_KEYPAIR };
struct wg_index_entry {
	uint32_t index;                   /* 0 while free or being set up */
	uint32_t busy;                    /* claimed (CAS) */
	uintptr_t val;                    /* pointer | enum wg_index_kind */
};

#define WG_MAX_PEERS 4096
struct wg_device_stats {
	uint64_t hs_initiated, hs_completed, hs_resp_sent;
	uint64_t hs_fail_mac, hs_fail_decrypt, hs_fail_unknown_peer, hs_fail_replay,
		hs_fail_flood, hs_fail_ratelimit, hs_fail_index, hs_fail_state;
	uint64_t cookies_sent, cookies_received, cookie_bad;
};

struct wg_peer_set {
	uint32_t n;
	struct wg_peer *p[];
};

struct wg_device {
	uint8_t priv[WG_KEY_LEN];
	uint8_t pub[WG_KEY_LEN];
	struct wg_cookie_checker cookie;
	struct wg_env env;
	uint32_t time_div;               /* debug: divide every protocol timer */
	/* peers: an RCU-published array (any worker reads, main writes) */
	struct wg_peer_set *set;
	uint32_t next_peer_id;
	uint16_t mtu;                    /* inner MTU: padding is capped at it */
	struct wg_allowedips *aips;      /* RCU-published */
	struct wg_index_entry *index;    /* WG_INDEX_SLOTS */
	struct wg_device_stats st;       /* in tests; the dataplane counts per lcore */
};

/* ---- device (peer.c) ---- */
int wg_device_init(struct wg_device *d, const uint8_t priv[WG_KEY_LEN], const struct wg_env *env,
		   uint32_t time_div);
void wg_device_fini(struct wg_device *d);
/* Timer value in ns, scaled by time_div. */
static inline uint64_t wg_time(const struct wg_device *d, uint64_t seconds)
{
	return seconds * WG_NSEC / (d->time_div ? d->time_div : 1);
}

struct wg_peer_cfg {
	uint8_t pub[WG_KEY_LEN];
	uint8_t psk[WG_KEY_LEN];
	struct wg_endpoint ep;
	uint16_t keepalive_interval;
	uint8_t reserved[3];
	int n_aips;
	struct wg_aip_cfg aips[WG_MAX_AIPS_PER_PEER];
};
/* Main thread: add a peer (copy-on-write of the peer array and the allowed
 * IPs; the old versions go through env.retire).  Returns the peer or NULL
 * with *err (-EEXIST duplicate key, -ENOSPC, -ENOMEM, -EINVAL own key). */
struct wg_peer *wg_peer_add(struct wg_device *d, const struct wg_peer_cfg *pc, unsigned owner,
			    int *err);
struct wg_peer *wg_peer_find(const struct wg_device *d, const uint8_t pub[WG_KEY_LEN]);
/* Main thread: unpublish the peer (array, allowed IPs).  The owner must
 * then call wg_peer_release (keypairs, indices) and retire the struct. */
int wg_peer_unpublish(struct wg_device *d, struct wg_peer *p);
/* Owner: drop keys and indices of a removed peer and retire it. */
void wg_peer_release(struct wg_peer *p);
/* Wipe and free a peer structure (what env.retire eventually calls). */
void wg_peer_free(void *p);

/* Index table, owner of the entry only writes it. */
uint32_t wg_index_alloc(struct wg_device *d, struct wg_ctx *x, enum wg_index_kind kind, void *ptr);
void wg_index_free(struct wg_device *d, uint32_t index);
void *wg_index_lookup(const struct wg_device *d, uint32_t index, enum wg_index_kind kind);
/* Point an index at another object (handshake -> keypair, same number). */
void wg_index_rebind(struct wg_device *d, uint32_t index, enum wg_index_kind kind, void *ptr);
/* Any worker, after sending: events for the owner's timers, tx counters. */
void wg_note_sent(struct wg_peer *p, uint64_t now, size_t inner_len, uint64_t npkts,
		  uint64_t bytes);

/* ---- handshake (noise.c) ---- */
/* Build an initiation for peer p (state -> CREATED_INITIATION); 0 or -1. */
int wg_noise_create_initiation(struct wg_peer *p, struct wg_ctx *x, struct wg_msg_initiation *m);
/* Stage 1 of consuming an initiation: open the static key and find the
 * peer (no state is changed).  Returns the peer or NULL. */
struct wg_peer *wg_noise_initiation_peer(struct wg_device *d, struct wg_ctx *x,
					 const struct wg_msg_initiation *m);
/* Stage 2, on the peer's owner: the whole check; on success the peer's
 * handshake is CONSUMED_INITIATION.  Returns 0 or a negative reason
 * (-EBADMSG decrypt, -EALREADY replayed timestamp, -EAGAIN flood). */
int wg_noise_consume_initiation(struct wg_peer *p, struct wg_ctx *x,
				const struct wg_msg_initiation *m);
int wg_noise_create_response(struct wg_peer *p, struct wg_ctx *x, struct wg_msg_response *m);
int wg_noise_consume_response(struct wg_peer *p, struct wg_ctx *x, const struct wg_msg_response *m);
/* Derive transport keys from a finished handshake into a new keypair and
 * rotate it in (initiator: current; responder: next).  0 or -1. */
int wg_noise_begin_session(struct wg_peer *p, struct wg_ctx *x);

/* Noise building blocks, exported for the unit tests. */
void wg_noise_init_ck_hash(uint8_t ck[WG_HASH_LEN], uint8_t h[WG_HASH_LEN],
			   const uint8_t responder_pub[WG_KEY_LEN]);

/* ---- keypairs (peer.c) ---- */
/* Owner, after a data packet authenticated with kp: confirm a responder's
 * next keypair (it becomes current).  Returns true when it rotated. */
bool wg_keypair_received_with(struct wg_peer *p, struct wg_keypair *kp);
/* Any worker: the current keypair if it may still send (age and count);
 * reserve n nonces starting at *counter.  NULL when no usable key. */
struct wg_keypair *wg_keypair_reserve(struct wg_peer *p, uint64_t now, uint32_t n,
				      uint64_t *counter);
/* Drop a keypair: its index goes now, the memory after a grace period. */
void wg_keypair_put(struct wg_device *d, struct wg_keypair *kp);
/* Drop every keypair (zero key material timer, peer removal). */
void wg_peer_clear_keys(struct wg_peer *p);

/* ---- endpoint (peer.c) ---- */
void wg_peer_set_endpoint(struct wg_peer *p, const struct wg_endpoint *ep);
void wg_peer_get_endpoint(const struct wg_peer *p, struct wg_endpoint *ep);

/* ---- message handling on the owner (peer.c) ---- */
/* Process a handshake message (initiation, response or cookie reply) whose
 * MACs were already checked, from `from`.  Returns 0 or a negative reason;
 * counts into d->st.  The peer is the one stage 1 / index lookup found. */
int wg_handle_initiation(struct wg_peer *p, struct wg_ctx *x, const struct wg_msg_initiation *m,
			 const struct wg_endpoint *from);
int wg_handle_response(struct wg_peer *p, struct wg_ctx *x, const struct wg_msg_response *m,
		       const struct wg_endpoint *from);
int wg_handle_cookie(struct wg_peer *p, struct wg_ctx *x, const struct wg_msg_cookie *m);
/* Start a handshake now if none is in flight (or `force`); 0 or -1. */
int wg_send_initiation(struct wg_peer *p, struct wg_ctx *x, bool is_retry);
void wg_send_keepalive(struct wg_peer *p, struct wg_ctx *x);

/* ---- receive dispatch (rx.c) ---- */
enum wg_rx_verdict {
	WG_RX_BAD = 0,        /* drop (counted) */
	WG_RX_COOKIE_SENT,    /* under load: answered with a cookie reply */
	WG_RX_PEER,           /* authenticated enough: *peer's owner takes it */
};
/* Is len right for the message type in buf[0]? */
int wg_msg_len_ok(const uint8_t *buf, size_t len);
/* Handshake/cookie messages on the receiving worker (zeroes the reserved
 * bytes).  cc and rl are that worker's cookie checker and rate limiter. */
enum wg_rx_verdict wg_rx_classify(struct wg_device *d, struct wg_ctx *x,
				  struct wg_cookie_checker *cc, struct wg_ratelimit *rl,
				  uint8_t *buf, size_t len, const struct wg_endpoint *from,
				  bool under_load, struct wg_peer **peer);
/* On the peer's owner: consume and answer; 0 or a negative reason. */
int wg_rx_handshake(struct wg_peer *p, struct wg_ctx *x, const uint8_t *buf, size_t len,
		    const struct wg_endpoint *from);

/* ---- timers (timers.c), whitepaper section 6 ---- */
void wg_timers_data_sent(struct wg_peer *p, uint64_t now);
void wg_timers_data_received(struct wg_peer *p, uint64_t now);
void wg_timers_any_authenticated_sent(struct wg_peer *p, uint64_t now);
void wg_timers_any_authenticated_received(struct wg_peer *p, uint64_t now);
void wg_timers_handshake_initiated(struct wg_peer *p, uint64_t now);
void wg_timers_handshake_complete(struct wg_peer *p, uint64_t now);
void wg_timers_session_derived(struct wg_peer *p, uint64_t now);
void wg_timers_traversal(struct wg_peer *p, uint64_t now);
/* Owner: take in sends by any worker (before acting on a received packet). */
void wg_timers_fold(struct wg_peer *p);
/* Owner, periodically: fold other workers' events in, fire due timers. */
void wg_timers_tick(struct wg_peer *p, struct wg_ctx *x);
/* After receiving a data packet with kp: initiator rekey on old keys. */
void wg_timers_check_rekey_on_receive(struct wg_peer *p, struct wg_ctx *x,
				      const struct wg_keypair *kp);

/* ---- buffers (peer.c): the single-packet data path for tests/fuzz ---- */
/* Encrypt inner (len bytes) to p into out (room for 16 + pad + 16 bytes);
 * returns the message length, or -1 with no usable key. */
int wg_encrypt_buf(struct wg_peer *p, struct wg_ctx *x, const uint8_t *inner, size_t len,
		   uint8_t *out, size_t out_cap);
/* Decrypt a data message in place; returns the padded inner length
 * (0 = keepalive) with *peer set, or a negative reason. */
int wg_decrypt_buf(struct wg_device *d, struct wg_ctx *x, uint8_t *msg, size_t len,
		   const struct wg_endpoint *from, struct wg_peer **peer);
/* After a data message with kp authenticated (owner): replay window,
 * roaming, keypair confirmation, timers, counters.  0, or -EALREADY. */
int wg_data_post(struct wg_peer *p, struct wg_keypair *kp, struct wg_ctx *x, uint64_t counter,
		 const struct wg_endpoint *from, size_t inner_len);
/* May kp still receive (age, counter)? */
bool wg_keypair_rx_valid(const struct wg_device *d, const struct wg_keypair *kp, uint64_t now);
/* Check a decrypted inner packet: a whole IPv4/IPv6 packet whose source
 * the allowed IPs map to p.  Returns its length (padding excluded), or
 * -1 not IP / truncated, -2 source not allowed. */
int wg_inner_check(const struct wg_device *d, const struct wg_peer *p, const uint8_t *pkt,
		   size_t len);
/* 12-byte AEAD nonce of a transport counter (section 5.4.6). */
static inline void wg_counter_nonce(uint8_t nonce[12], uint64_t counter)
{
	uint32_t z = 0;

	__builtin_memcpy(nonce, &z, 4);
	__builtin_memcpy(nonce + 4, &counter, 8);   /* little-endian host */
}

/* Padded length of an inner packet of len bytes (section 5.4.6), capped at mtu. */
static inline size_t wg_padded_len(size_t len, size_t mtu)
{
	size_t p = (len + WG_PAD_MULTIPLE - 1) & ~(size_t)(WG_PAD_MULTIPLE - 1);

	if (mtu && p > mtu)
		p = len > mtu ? len : mtu;
	return p;
}

/* Base64 keys (44 characters with padding) as wg(8) writes them. */
int wg_key_from_base64(uint8_t key[WG_KEY_LEN], const char *s);
void wg_key_to_base64(char out[45], const uint8_t key[WG_KEY_LEN]);

#endif
