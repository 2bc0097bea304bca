/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * UDP outbounds: how a UDP NAT session (udp_relay.c, or another module's
 * through proxy_udp_host_open, e.g. WireGuard terminated mode) reaches its
 * destination.  One struct rb_udp_outbound_ops per outbound type
 * (proxy_udp_outbound_ops[], udp_out.c); a type without one carries no UDP
 * (its datagrams are dropped, proxy_udp_unsupported).
 *
 *   direct  udp_out_direct.c   per session, a socket per destination (udp_open)
 *   block   udp_out.c          refuses (proxy_udp_rejected)
 *   socks   udp_out_socks.c    SOCKS5 UDP ASSOCIATE client (RFC 1928 4, 7),
 *                              also over a chain of socks5/shadowsocks detours
 *   shadowsocks  dataplane/ss/ss_udp_out.c, also over such a chain
 *
 * A hop over a detour (rb_udp_chain, udp_policy.h) sends its datagrams to
 * its server inside a UDP session of the detour (proxy_udp_via below),
 * which may itself be over a detour: a chain of UDP encapsulations.
 *
 * A protocol outbound (Shadowsocks, ...) plugs in by implementing the ops
 * in its own file and adding itself to the table.  Everything runs on the
 * lcore owning the session.  Contract:
 *   - A session carries datagrams to any number of destinations (the NAT
 *     layer routes it once, by its first datagram, as sing-box routes a
 *     packet connection); open() starts its ONE upstream (an association,
 *     a socket) and close() ends it.
 *   - open() starts the upstream of session n through outbound `ob` (an
 *     index into cfg->outbounds).  It returns 0 when send() may be called
 *     at once, 1 when it will call proxy_udp_out_ready() later (the NAT
 *     layer holds up to 4 datagrams meanwhile), or -errno (-EACCES: refused
 *     by policy, counted as rejected; others: no route).
 *   - send() takes the payload m (consumed in every case) toward dst (the
 *     session's destination after overrides; an address when needs_ip,
 *     else maybe a domain).  0 or -errno.
 *   - Datagrams from upstream go to proxy_udp_out_recv() with the address
 *     that sent them (what the client's header will name).
 *   - proxy_udp_out_ready(n, err < 0) and proxy_udp_out_closed() end the
 *     session: close() is called from inside them, so the outbound must not
 *     touch its state after those calls return.
 *   - close() frees the upstream state; no callbacks afterwards.
 */
#ifndef UDP_OUT_H
#define UDP_OUT_H

#include <stdint.h>
#include <rte_mbuf.h>

#include "../../config/rb_cfg_proxy.h"
#include "proxy_parse.h"

struct rb_lcore;
struct udp_nat;

struct rb_udp_outbound_ops {
	const char *name;
	uint8_t needs_ip;       /* a host session (proxy_udp_host_open) must name an
				 * address; set by none of ringbox's outbounds now
				 * (direct resolves each domain destination itself) */
	int (*open)(struct udp_nat *n, uint16_t ob);
	int (*send)(struct udp_nat *n, struct rte_mbuf *m, const struct rb_dest *dst);
	void (*close)(struct udp_nat *n);
};

extern const struct rb_udp_outbound_ops *const proxy_udp_outbound_ops[RB_OUT_TYPE_MAX];
extern const struct rb_udp_outbound_ops proxy_udp_out_direct;
extern const struct rb_udp_outbound_ops proxy_udp_out_socks;

/* ---- what the NAT layer (udp_relay.c) offers the outbounds ---- */
struct rb_lcore *proxy_udp_nat_lcore(const struct udp_nat *n);
const struct rb_cfg_proxy *proxy_udp_nat_cfg(const struct udp_nat *n);
/* The session's destination after overrides (address, or domain). */
const struct rb_dest *proxy_udp_nat_target(const struct udp_nat *n);
/* Does the session carry datagrams to its target only (a host session:
 * proxy_udp_host_open, e.g. a UoT inbound's flow, a detour's session)? */
int proxy_udp_nat_single(const struct udp_nat *n);
/* The outbound's own per-session pointer (NULL until it sets it). */
void **proxy_udp_nat_state(struct udp_nat *n);
/* The route's resolve strategy (enum rb_resolve_strategy; 0 for a host
 * session), for outbounds that resolve domain destinations themselves. */
uint8_t proxy_udp_nat_strategy(const struct udp_nat *n);
/* The open() that returned 1 finished: err 0 (send what waited) or < 0
 * (the session ends, counted as no route). */
void proxy_udp_out_ready(struct udp_nat *n, int err);
/* A datagram m (payload only, consumed) from `from`, for the client. */
void proxy_udp_out_recv(struct udp_nat *n, struct rte_mbuf *m, const struct rb_dest *from);
/* The upstream is gone (a control connection closed): the session ends. */
void proxy_udp_out_closed(struct udp_nat *n);
/* Parse and strip the RFC 1928 7 header (RSV RSV FRAG ATYP ADDR PORT) at
 * the front of m into *addr: 0, or -1 with m dropped and counted
 * (proxy_udp_fragment for FRAG != 0, proxy_udp_malformed otherwise). */
int proxy_udp_strip_header(struct rb_lcore *lc, struct rte_mbuf *m, struct rb_dest *addr);

/* ---- an outbound's datagrams toward its server (or relay) ----
 * A udp_open() socket when the outbound's UDP goes direct (detour < 0; `to`
 * must be an address), else a UDP session of outbound `detour` toward
 * `to` (proxy_udp_host_open: a name goes to the hop below as a name).
 * open: 0 (send at once), 1 (the detour's session is still opening:
 * proxy_udp_out_ready(n, 0) follows when it is), or -errno (counted:
 * proxy_udp_chain_inner_fail).  When the detour's session fails or ends,
 * the session n ends (proxy_udp_out_closed: counted
 * proxy_udp_chain_inner_gone).  recv gets each datagram's payload as the
 * server sent it (consumed).  send consumes m.  close: idempotent; the
 * struct lives in the outbound's state (zeroed before open). */
struct proxy_udp_via {
	struct udp_nat *n;              /* the session these datagrams belong to */
	struct udp_sock *sock;          /* direct: toward `to` */
	struct udp_nat *inner;          /* or: the detour's UDP session toward `to` */
	void (*recv)(void *arg, struct rte_mbuf *m);
	void *arg;
};
int proxy_udp_via_open(struct proxy_udp_via *v, struct udp_nat *n, int detour,
		       const struct rb_dest *to, void (*recv)(void *arg, struct rte_mbuf *m),
		       void *arg);
int proxy_udp_via_send(struct proxy_udp_via *v, struct rte_mbuf *m);
void proxy_udp_via_close(struct proxy_udp_via *v);

/* ---- sessions of another NAT layer (WireGuard terminated mode) ----
 * The host routes and counts; these carry one session through outbound
 * `ob`'s UDP ops.  open: the session, or NULL with *err (-EACCES: refused
 * by policy, as block; -EOPNOTSUPP: no UDP ops).  send consumes m (held,
 * up to 4, while the outbound connects).  recv gets the replies; gone(err)
 * says the upstream failed or closed: the host then calls close (inside
 * gone is fine) and must not send again.  expired: still connecting past
 * the outbound's connect_timeout (the host closes it).  Same lcore only. */
struct proxy_udp_host {
	void (*recv)(void *arg, struct rte_mbuf *m, const struct rb_dest *from);
	void (*gone)(void *arg, int err);
	/* optional: a session that was connecting is open (what waited was
	 * sent first); not called for one open at once (proxy_udp_host_ready) */
	void (*ready)(void *arg);
};
struct udp_nat *proxy_udp_host_open(struct rb_lcore *lc, const struct rb_cfg_proxy *cfg,
				    uint16_t ob, const struct rb_dest *to,
				    const struct proxy_udp_host *host, void *arg, int *err);
int proxy_udp_host_send(struct udp_nat *n, struct rte_mbuf *m);
int proxy_udp_host_expired(const struct udp_nat *n);
/* Open (sends go out at once, not held)? */
int proxy_udp_host_ready(const struct udp_nat *n);
void proxy_udp_host_close(struct udp_nat *n);

#endif
