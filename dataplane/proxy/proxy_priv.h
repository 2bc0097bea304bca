/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Internal to dataplane/proxy: the per-lcore proxy state and a proxied
 * session (one client connection, its request, its route, its upstream).
 *
 * A session moves HANDSHAKE (inbound protocol reads the request) -> ROUTE
 * (rb_route_match, maybe resolve) -> DIAL (tcp_connect to the first hop) ->
 * OUT_HS (each protocol outbound of the chain speaks its handshake on the
 * same stream) -> RELAY (splice both ways) -> freed.
 *
 * Protocol plug-ins: an inbound is a struct rb_inbound_ops, an outbound a
 * struct rb_outbound_ops.  Handshakes are byte-level (feed what arrived,
 * get back what to send); protocols that transform the stream after the
 * handshake (Shadowsocks, VMess, ...) set wrap/unwrap, which the relay then
 * applies to every chain it moves (identity for SOCKS/HTTP: NULL); an
 * outbound hop's also apply to the handshakes of the hops above it
 * (proxy_layer.c: the chain as layered streams).
 */
#ifndef PROXY_PRIV_H
#define PROXY_PRIV_H

#include <stdint.h>
#include <sys/queue.h>
#include <rte_mbuf.h>

#include "../rb_lcore.h"
#include "../tcp/tcp.h"
#include "../../config/rb_cfg_proxy.h"
#include "proxy_parse.h"
#include "rb_conn_info.h"
#include "rb_route_api.h"

#define PROXY_MAX_HOPS     RB_MAX_CHAIN_HOPS /* config checks chains against it */
#define PROXY_HS_OUT_MAX   640      /* one handshake message we send */
#define PROXY_UP_BUF       1024     /* outbound handshake replies */

struct psess;
struct proxy_lcore;

/* ---- protocol plug-in interfaces ---- */
struct rb_inbound_ops {
	const char *name;
	/* A client connected: set up the handshake state. */
	int (*start)(struct psess *s);
	/* Bytes buf[0..len) arrived (all so far, or the unparsed rest, per
	 * `incremental`).  Returns RB_PARSE_MORE / DONE / ERR; sends replies
	 * itself; on DONE fills s->req and sets *used. */
	int (*feed)(struct psess *s, const uint8_t *buf, size_t len, size_t *used);
	/* The upstream is ready (err 0) or failed (err < 0, rep from the router /
	 * dialer): answer the client.  Returns 0 to relay, < 0 to close. */
	int (*reply)(struct psess *s, int err);
	/* Stream transform for encrypting inbounds (later): NULL = identity. */
	struct rte_mbuf *(*unwrap)(struct psess *s, struct rte_mbuf *m);
	struct rte_mbuf *(*wrap)(struct psess *s, struct rte_mbuf *m);
	/* Free the protocol's state (s->xin) with the session; NULL = none. */
	void (*release)(struct psess *s);
	uint8_t incremental;                /* feed gets only the unparsed rest */
};

struct rb_outbound_ops {
	const char *name;
	/* Begin hop `hop`'s handshake toward dst: write the first message
	 * into out, return its length (0: nothing to send yet, < 0 error).
	 * What it sends is level-`hop` bytes (proxy_layer.c): the core seals
	 * them through the hops below. */
	int (*start)(struct psess *s, int hop, const struct rb_dest *dst, uint8_t *out);
	/* Upstream bytes, opened up to this hop's level; like
	 * rb_inbound_ops.feed, messages to send in out. */
	int (*feed)(struct psess *s, int hop, const uint8_t *buf, size_t len, size_t *used,
		    uint8_t *out, size_t *outlen);
	/* Stream transform of a hop (NULL = identity): wrap turns the bytes of
	 * the level above into this hop's (seal), unwrap the reverse.  Each
	 * takes m; NULL means a partial chunk kept in the hop's state or, with
	 * s->xform_err set, a failure.  State: *proxy_hop_state(s, hop). */
	struct rte_mbuf *(*wrap)(struct psess *s, int hop, struct rte_mbuf *m);
	struct rte_mbuf *(*unwrap)(struct psess *s, int hop, struct rte_mbuf *m);
	/* Free the hop's state (*proxy_hop_state(s, hop), non-NULL) with the
	 * session; NULL = none. */
	void (*release)(struct psess *s, int hop);
};
/* An outbound whose feed is NULL (Shadowsocks) waits for no reply: its hop
 * is through once start() has sent its header. */

enum psess_state {
	PS_FREE = 0,
	PS_HANDSHAKE,
	PS_ROUTE,
	PS_DIAL,
	PS_OUT_HS,
	PS_RELAY,
	PS_UDP,                         /* a SOCKS5 UDP association (udp_relay.c) */
	PS_SNIFF,                       /* answered early; reading the first bytes to sniff */
	PS_UOT,                         /* UDP over TCP datagrams on the stream (ss/ss_uot_in.c) */
};

struct proxy_udp_assoc;
struct proxy_http_ka;

/* A protocol outbound's client state, allocated by its start() only for
 * sessions that dial through one (proxy_out.c) and freed with the session:
 * direct sessions do not carry it (memory per idle relayed connection). */
union proxy_out_state {
	struct rb_socks_cli socks;
	struct rb_http_cli http;
};

struct psess {
	TAILQ_ENTRY(psess) link;        /* active list (timeouts, close requests) */
	struct proxy_lcore *pl;
	uint32_t idx;
	uint8_t state;                  /* enum psess_state */
	uint8_t in_type;                /* enum rb_in_type after mixed decided */
	uint8_t shut_up, shut_down;     /* EOF propagated client->up / up->client */
	uint8_t xform_err;              /* a wrap/unwrap failed: close (proxy_layer.c) */
	uint8_t resolving;              /* a rb_resolve_start() callback is pending */
	uint8_t route_resolving;        /* for a resolve rule (then match again) */
	uint8_t replied;                /* the client got its success answer (sniffing) */
	uint8_t sniff_waited;           /* the first bytes were waited for */
	uint8_t routed;                 /* counted in out[outbound] and rules[rule_slot] */
	uint16_t rule_slot;             /* rb_conn_rule_slot(route.rule) once routed */
	uint8_t ka_idle;                /* HTTP keep-alive: waiting for a next request */
	uint8_t hs_pending;             /* HANDSHAKE: buf holds bytes not fed yet (the
					 * next pipelined HTTP request) */
	uint8_t quiet;                  /* in HANDSHAKE: its failure is counted already (a
					 * drained Shadowsocks probe): EOF or timeout end it
					 * without another error */
	uint8_t on_pend;                /* on the lcore's pend_q (proxy_pend_watch) */
	uint16_t inbound;
	uint8_t n_hops, hop;            /* protocol outbounds in the chain, current one */
	uint16_t hops[PROXY_MAX_HOPS];  /* innermost (dialled first) .. routed outbound */
	uint16_t outbound;              /* the routed outbound */
	struct tcp_conn *cli, *up;
	struct rte_mbuf *pend_up, *pend_down;
	uint64_t deadline;              /* TSC; 0 = none */
	uint64_t id;
	struct rb_conn_info *info;
	const struct rb_inbound_ops *in_ops;
	union {
		struct rb_socks_srv socks;
		struct rb_http_srv http;
	} in;
	union proxy_out_state *out;     /* protocol outbound client; NULL for direct */
	void *xin;                      /* stream-transform state of the inbound, freed by
					 * its release */
	void **xhop;                    /* per-hop state of the chain's outbounds
					 * (proxy_hop_state), NULL until one needs it */
	struct rte_mbuf *hs_rest;       /* OUT_HS: upstream bytes opened by the hops
					 * below, not yet in buf (proxy_layer.c) */
	struct rb_proxy_request req;
	struct rb_route_result route;
	struct rb_dest target;          /* final destination after overrides */
	uint8_t *buf;                   /* handshake bytes (freed on RELAY) */
	uint32_t blen, bcap, parsed;
	uint8_t *early;                 /* bytes for upstream once it is ready */
	uint32_t elen;
	uint64_t bytes_up, bytes_down;
	struct proxy_udp_assoc *udp;    /* PS_UDP: the association */
	void *uot;                      /* PS_UOT: the stream's flows (ss/ss_uot_in.c) */
	struct proxy_http_ka *ka;       /* plain-HTTP keep-alive (http_ka.c); NULL = none */
	TAILQ_ENTRY(psess) pend_link;   /* pend_q, while on_pend */
};

struct proxy_lcore {
	struct rb_lcore *lc;
	const struct rb_cfg_proxy *cfg;
	struct tcp_listener *lis[RB_MAX_INBOUNDS];
	struct psess *sess;
	uint32_t n_sess;
	uint32_t *free_list, n_free;
	TAILQ_HEAD(, psess) active;
	struct rb_conn_worker *wk;
	uint64_t seq;
	/* the TCP rows' sweep (tcp_rows_refresh, proxy.c) */
	struct psess *rows_cur;         /* next session of the sweep; NULL: between sweeps */
	uint64_t rows_next;             /* TSC: the next slice, not before */
	uint64_t rows_last;             /* TSC: the last slice */
	uint64_t sweep_next;            /* TSC: the next sweep, not before */
	uint32_t rows_slice;            /* sessions per millisecond */
	uint64_t rows_swept;            /* sweeps completed */
	/* proxy_lcore_poll's walk: PROXY_WALK_PER_POLL sessions a poll from
	 * walk_cur (NULL: from the head), so its cost stays bounded with many
	 * idle sessions; sessions holding a pending write are also on pend_q,
	 * retried every poll */
	struct psess *walk_cur;
	uint32_t walk_max;              /* sessions a poll (RB_PROXY_WALK_SLICE, tests) */
	TAILQ_HEAD(, psess) pend_q;
	uint32_t n_udp;                 /* UDP NAT sessions on this lcore */
};

/* proxy.c */
void proxy_sess_free(struct psess *s);
void proxy_fail(struct psess *s, enum rb_proxy_err why);
int proxy_send(struct tcp_conn *c, const void *buf, size_t len);
/* Bytes that a full send queue must not fail (a response head, a client's
 * early payload): what fits now, the rest in pend_up / pend_down (proxy.c). */
int proxy_send_pend(struct psess *s, int upward, const uint8_t *p, uint32_t n);
void proxy_info_update(struct psess *s, uint8_t state);
/* A session that does not begin with a TCP accept (WireGuard's terminated
 * UDP, wireguard/wg_term_udp.c): on lc's proxy lcore, counted as accepted on
 * `inbound`, its connections-table row started from src; NULL when lc runs
 * no proxy or its table is full (counted).  It starts in PS_HANDSHAKE
 * without a deadline; the caller sets state, req, route, target and in_ops
 * (release: freed by proxy_sess_free, e.g. on `conns close`) and ends it
 * with proxy_sess_free, which it may call at once (a refused session). */
struct psess *proxy_sess_open(struct rb_lcore *lc, uint16_t inbound, int family,
			      const uint8_t *src, uint16_t sport);
/* The session is routed: count it on its outbound and rule. */
void proxy_count_routed(struct psess *s);
/* n bytes relayed up (client -> upstream) or down: session, inbound,
 * outbound, rule and the connections table. */
void proxy_count_bytes(struct psess *s, int upward, uint32_t n);
uint64_t proxy_ms_tsc(const struct proxy_lcore *pl, uint32_t ms);
/* s->pend_up or pend_down was set: retry it every poll until it has gone
 * (without this the poll's walk still finds it, within a sweep). */
void proxy_pend_watch(struct psess *s);
/* More client bytes for a session in PS_HANDSHAKE. */
void proxy_handshake_input(struct psess *s);
extern const struct tcp_callbacks proxy_up_cb;

/* proxy_relay.c */
void proxy_start_relay(struct psess *s);
/* wipe and free the handshake buffer (request bytes, credentials) */
void proxy_buf_release(struct psess *s);
/* Move what one side has and the other can take; propagate EOF.  -1 when
 * the session was freed. */
int proxy_pump(struct psess *s, int upward);

/* proxy_in.c */
extern const struct rb_inbound_ops *const proxy_inbound_ops[RB_IN_TYPE_MAX];
int proxy_in_accept(struct psess *s);

/* proxy_out.c */
extern const struct rb_outbound_ops *const proxy_outbound_ops[RB_OUT_TYPE_MAX];
/* The request is complete: route it and open the upstream. */
void proxy_route_and_dial(struct psess *s);
/* Routed: open the connection to the chain's first hop (or the
 * destination), resolving its name first when it has no address; also a
 * request sent again after its kept upstream closed (http_ka.c). */
void proxy_dial_first(struct psess *s);
void proxy_up_connected(struct tcp_conn *c, int err);
void proxy_up_handshake_readable(struct psess *s);
void proxy_resolved(void *arg, int family, const uint8_t *addr, int err);
/* Answer the client (in_ops->reply) unless it was answered early to sniff. */
int proxy_reply(struct psess *s, int err);
/* PS_SNIFF: client bytes arrived, or the sniff time is over (timeout). */
void proxy_sniff_input(struct psess *s, int timeout);
void proxy_cfg_host_dest(const struct rb_cfg_host *h, uint16_t port, struct rb_dest *d);

/* proxy_layer.c: the chain as layered streams.  Level k is the byte stream
 * hop k speaks (level 0: the TCP connection to hops[0]'s server; level
 * n_hops: the client's payload); hop k's wrap turns level k + 1 bytes into
 * level k bytes, its unwrap the reverse.  Hops without transforms cost
 * nothing: a chain without any relays mbufs as they are (zero-copy). */
/* Hop `hop`'s state slot (NULL without memory). */
void **proxy_hop_state(struct psess *s, int hop);
/* Has a hop below `level` a transform? */
int proxy_layer_xform(const struct psess *s, int level);
/* Level-`level` bytes to level 0 (wraps of hops level-1 .. 0) / level-0
 * bytes up to `level` (unwraps of hops 0 .. level-1).  Take m; NULL: kept
 * (partial chunk) or failed (s->xform_err). */
struct rte_mbuf *proxy_layer_wrap(struct psess *s, int level, struct rte_mbuf *m);
struct rte_mbuf *proxy_layer_unwrap(struct psess *s, int level, struct rte_mbuf *m);
/* Send level-`level` bytes upstream (a hop's handshake, early data):
 * copied (no transform below) or sealed through the hops below.  Takes m
 * in the _mbuf form.  0 or -errno (-EIO: a transform failed). */
int proxy_layer_send(struct psess *s, int level, const void *p, size_t n);
int proxy_layer_send_mbuf(struct psess *s, int level, struct rte_mbuf *m);
/* The relay's transforms (proxy_relay.c, proxy_pump): upward the inbound's
 * unwrap, then the chain's wraps; downward the chain's unwraps, then the
 * inbound's wrap.  relay_has: any of them at all (else mbufs move untouched). */
int proxy_layer_relay_has(const struct psess *s);
struct rte_mbuf *proxy_layer_relay(struct psess *s, int upward, struct rte_mbuf *m);
/* Bytes p[0..n) as a new chain (NULL without mbufs, counted). */
struct rte_mbuf *proxy_mbuf_from(struct rb_lcore *lc, const void *p, size_t n);
/* Free the hops' states and hs_rest (from proxy_sess_free). */
void proxy_layer_free(struct psess *s);

/* udp_relay.c: SOCKS5 UDP ASSOCIATE (RFC 1928 7) and the lcore's UDP NAT
 * sessions.  The request is complete: bind the relay port, answer the
 * client, enter PS_UDP.  The association ends with its TCP connection. */
#define PROXY_UDP_SESS_PER_LCORE 4096
void proxy_udp_associate(struct psess *s);
/* Idle timeouts (from proxy_lcore_poll). */
void proxy_udp_poll(struct psess *s);
/* Close the association's sockets and sessions (from proxy_sess_free). */
void proxy_udp_free(struct psess *s);

/* http_ka.c: keep-alive, pipelining and upstream reuse of the plain-HTTP
 * proxy.  begin: a forwarded request was parsed (fwd_len: its rewritten
 * head in s->early); end: leave keep-alive (a CONNECT, a request that
 * cannot keep it); split: of the n bytes after the head, keep those past
 * the request's body for the next request (returns how many); relay: the
 * relay starts (may fall back to one request per connection); up_room /
 * up_moved: only the request's body goes up (Content-Length or chunked,
 * scanned; up_moved -1: a broken chunked body, m and the session freed,
 * 400); pipe_check: the client's
 * waiting bytes over the bound (-1: freed); cli_eof: 1 when the client's
 * EOF must not reach the upstream yet; head: read and pass on the
 * response head (0 done, 1 wait, -1 freed); down_room / down_moved: the
 * response body, cut at its end (NULL: nothing to send, or freed: see
 * s->state); done: the exchange ended, next request (1: took over or
 * freed); eof: the upstream ended first; reuse: after routing, send the
 * request on the kept upstream of the same outbound and origin (1: took
 * over), else close that one (0: dial); idle_up: events of a kept
 * upstream, and an upstream that ends before any response byte (a request
 * on a kept one sent again on a new one when idempotent, else 502)
 * (1: handled); free: memory only (from proxy_sess_free). */
int proxy_http_ka_begin(struct psess *s, const struct rb_http_srv *h, uint32_t fwd_len);
void proxy_http_ka_end(struct psess *s);
uint32_t proxy_http_ka_split(struct psess *s, const uint8_t *p, uint32_t n);
void proxy_http_ka_relay(struct psess *s);
uint32_t proxy_http_ka_up_room(const struct psess *s, uint32_t space);
int proxy_http_ka_up_moved(struct psess *s, struct rte_mbuf *m);
int proxy_http_ka_pipe_check(struct psess *s);
int proxy_http_ka_cli_eof(struct psess *s);
int proxy_http_ka_head(struct psess *s);
uint32_t proxy_http_ka_down_room(const struct psess *s, uint32_t space);
struct rte_mbuf *proxy_http_ka_down_moved(struct psess *s, struct rte_mbuf *m);
int proxy_http_ka_done(struct psess *s);
int proxy_http_ka_eof(struct psess *s);
int proxy_http_ka_reuse(struct psess *s);
int proxy_http_ka_idle_up(struct psess *s, struct tcp_conn *c, int closed);
void proxy_http_ka_free(struct psess *s);

#endif
