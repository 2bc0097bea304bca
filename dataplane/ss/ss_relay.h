/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Internal to the Shadowsocks inbound/outbound (ss_in.c, ss_out.c): the
 * method dispatch, the per-lcore state (a pool of connection states, the
 * salt replay filter, cached master keys, scratch buffers) and the mbuf
 * seal/open used by the relay's wrap/unwrap.
 */
#ifndef SS_RELAY_H
#define SS_RELAY_H

#include <stdint.h>
#include <rte_mbuf.h>

#include "../../config/rb_cfg_proxy.h"
#include "../rb_lcore.h"
#include "ss_aead.h"
#include "ss_hdr.h"
#include "ss_replay.h"
#include "ss_udp.h"

/* How a configured method is carried (ss_kind_of). */
enum ss_kind {
	SS_KIND_NONE = 0,   /* method "none": plain stream after the address */
	SS_KIND_AEAD,       /* SIP004 (ss_aead.c) */
	SS_KIND_UNWIRED,    /* known to config, not in the dataplane yet (2022) */
};

#define SS_ADDR_MAX  (1 + 1 + 255 + 2)   /* SOCKS5-form address, domain */
#define SS_LIN_MAX   (8 * SS_MAX_PAYLOAD) /* tmp_in (the relay's passes use less) */
#define SS_LIN_OUT   (SS_LIN_MAX + 8 * SS_CHUNK_OVERHEAD + SS_MAX_SALT)
#define SS_POOL_KEEP 256                  /* freed states kept per lcore */

/* One proxied connection's Shadowsocks state (one side: the client of an
 * inbound, or the server of an outbound). */
struct ss_conn {
	struct ss_cipher dec;       /* peer -> us */
	struct ss_cipher enc;       /* us -> peer (keyed on first use) */
	const struct ss_method *m;  /* NULL: method none */
	uint8_t master[SS_MAX_KEY];
	uint8_t enc_ready;
	uint8_t draining;           /* inbound: a failed client, read and discarded */
	uint8_t addr_done;          /* inbound: the target address is parsed */
	struct ss_hdr hdr;          /* inbound: plaintext until the address parses */
	struct ss_conn *next;       /* pool free list */
};

struct ss_lcore {
	const struct rb_cfg_proxy *cfg; /* keys below belong to this config */
	struct ss_conn *free;
	unsigned n_free;
	struct rb_lcore *lc;             /* the owner (counters) */
	uint8_t in_key_ok[RB_MAX_INBOUNDS], out_key_ok[RB_MAX_OUTBOUNDS];
	uint8_t in_key[RB_MAX_INBOUNDS][SS_MAX_KEY];
	uint8_t out_key[RB_MAX_OUTBOUNDS][SS_MAX_KEY];
	struct ss_udp_burst ub;      /* UDP outbound packets (ss_udp_out.c) */
	uint8_t tmp_in[SS_LIN_MAX];
	uint8_t tmp_out[SS_LIN_OUT];
};

enum ss_kind ss_kind_of(int rb_method, const struct ss_method **m);
/* The calling lcore's state (created on first use); NULL without memory. */
struct ss_lcore *ss_lcore_get(struct rb_lcore *lc, const struct rb_cfg_proxy *cfg);
/* A connection state for the method of inbound (is_in) or outbound idx,
 * master key set; NULL without memory or for an unwired method. */
struct ss_conn *ss_conn_get(struct ss_lcore *sl, int is_in, int idx);
/* Wipe (keys, buffers) and return to the pool. */
void ss_conn_put(struct ss_lcore *sl, struct ss_conn *c);
/* The salt replay filter shared by all workers (ss_replay_dp.c): 1
 * replayed, 0 fresh, -1 none (no shadowsocks inbound set up). */
int ss_replay_seen(struct ss_lcore *sl, const uint8_t *salt, size_t len);
/* The end of what rb_ss_lcore_init set up for lc (ss_replay_dp.c). */
void ss_lcore_setup_fini(struct rb_lcore *lc);
/* Key the encoder with a fresh random salt (once). */
int ss_conn_enc_ready(struct rb_lcore *lc, struct ss_conn *c);

/* Seal the chain m (taken) into a new chain of ciphertext; NULL with
 * *err < 0 on failure.  Open the chain m (taken) into plaintext; NULL with
 * *err == 0 when it held only part of a chunk (kept in c), *err < 0 on a
 * failed tag, a bad length or no mbufs. */
struct rte_mbuf *ss_mbuf_seal(struct rb_lcore *lc, struct ss_lcore *sl, struct ss_cipher *c,
			      struct rte_mbuf *m, int *err);
struct rte_mbuf *ss_mbuf_open(struct rb_lcore *lc, struct ss_lcore *sl, struct ss_cipher *c,
			      struct rte_mbuf *m, int *err);

#endif
