/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A TCP stream through a chain of protocol outbounds that no client
 * connection drives (owner "uot"): the control connection of a socks UDP
 * association (udp_out_socks.c) and the stream of a shadowsocks outbound's
 * UDP over TCP (ss/ss_uot_out.c), as sing-box dials them through a detour
 * dialer.
 *
 * hops[0..n) in dial order (rb_udp_chain / rb_tcp_chain, udp_policy.h):
 * the TCP connection goes to hops[0]'s server (resolved first when it is a
 * name); each hop below the last is started with its own TCP outbound ops
 * (proxy_out.c: socks CONNECT, http CONNECT; ss_out.c: the Shadowsocks
 * header) toward the next hop's server and, when it has a reply (feed),
 * waits for it; then the last hop runs either the owner's handshake
 * (ops->top_start / top_feed at level n - 1: the socks UDP ASSOCIATE) or,
 * without one, its own TCP outbound ops toward `dst` (the UoT magic
 * address).  The stream is a detached struct psess (not in the session
 * table; only its chain fields: cpl's lc and cfg, hops, n_hops, up, the
 * hops' states) driven through proxy_layer.c, so a Shadowsocks hop seals
 * what the hops above it send and opens their replies.
 *
 * Callbacks (same lcore; the owner may free the chain from inside any of
 * them, so the chain touches nothing after calling one):
 *   ready(arg, 0)     the handshakes are through: level-n bytes may be
 *                     written (proxy_tchain_write) and read (_read)
 *   ready(arg, < 0)   they failed (connect refused, a hop refused, a
 *                     transform failed, the connection ended)
 *   readable(arg)     after ready(0): bytes arrived or the stream ended
 *                     (tcp_eof(t->cs.up)), read them with _read
 *   closed(arg)       after ready(0): the connection is gone (reset)
 */
#ifndef TCP_CHAIN_H
#define TCP_CHAIN_H

#include <stdint.h>

#include "proxy_priv.h"

#define PROXY_TCHAIN_BUF 600 /* handshake replies (greeting, auth, reply) */

struct proxy_tchain_ops {
	/* The last hop's own handshake (both NULL: its TCP outbound ops toward
	 * dst).  start: the first level-(n-1) message into out
	 * (PROXY_HS_OUT_MAX), its length or -errno; feed: as
	 * rb_outbound_ops.feed (RB_PARSE_*), messages to send in out. */
	int (*top_start)(void *arg, uint8_t *out);
	int (*top_feed)(void *arg, const uint8_t *buf, size_t len, size_t *used, uint8_t *out,
			size_t *outlen);
	void (*ready)(void *arg, int err);
	void (*readable)(void *arg);
	void (*closed)(void *arg);
};

struct proxy_tchain {
	const struct proxy_tchain_ops *ops;
	void *arg;
	uint8_t resolving;
	uint8_t hop;                    /* the hop whose handshake runs */
	uint8_t through;                /* ready(0) was called */
	struct rb_dest first;           /* hops[0]'s server: where the connection goes */
	struct rb_dest dst;             /* the last hop's destination (no top_start) */
	struct proxy_lcore cpl;         /* the chain's view of the lcore: lc, cfg */
	struct psess cs;                /* hops, n_hops, up, the hops' states */
	uint32_t blen;
	uint8_t buf[PROXY_TCHAIN_BUF];  /* upstream bytes opened up to level `hop` */
};

/* Start: t zeroed by the caller (it lives in the owner's state).  0: the
 * connection is being dialled (or its server resolved); -errno: nothing
 * was started (close still frees what open set up). */
int proxy_tchain_open(struct proxy_tchain *t, struct rb_lcore *lc, const struct rb_cfg_proxy *p,
		      const uint16_t *hops, int n, const struct rb_dest *dst,
		      const struct proxy_tchain_ops *ops, void *arg);
/* After ready(0).  Level-n bytes m (taken) sealed through the hops and
 * sent: 0 or -errno (the stream cannot go on: a record was lost). */
int proxy_tchain_write(struct proxy_tchain *t, struct rte_mbuf *m);
/* Level-n bytes that arrived (the handshake's leftovers first), or NULL:
 * none for now (*err 0) or a hop's transform failed (*err -EIO). */
struct rte_mbuf *proxy_tchain_read(struct proxy_tchain *t, int *err);
/* Close the connection, cancel a resolve, free the hops' states; no
 * callbacks afterwards.  Idempotent. */
void proxy_tchain_close(struct proxy_tchain *t);

#endif
