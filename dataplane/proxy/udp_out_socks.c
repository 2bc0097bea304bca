/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The `socks` UDP outbound: a SOCKS5 UDP ASSOCIATE client (RFC 1928 4, 6, 7;
 * username/password RFC 1929), one association per NAT session, carrying
 * the session's datagrams to every destination it names.
 *
 *   open:  TCP control connection to the outbound's server (resolved first
 *          when it is a name), greeting [+ auth], UDP ASSOCIATE 0.0.0.0:0
 *          ("not known yet": the server takes our first datagram's source)
 *   reply: BND.ADDR:BND.PORT is the server's relay (all-zero address: the
 *          server's own); a socket from udp_open() toward it, whose local
 *          port hashes the relay's datagrams back to this lcore
 *   send:  RSV RSV FRAG=0 ATYP DST.ADDR DST.PORT DATA to the relay; a
 *          domain destination goes as a domain (the server resolves it)
 *   recv:  the relay's header names the replying address; FRAG != 0 and bad
 *          headers are dropped and counted (proxy_udp_fragment/_malformed)
 *   the session ends when the control connection closes (RFC 1928 7), and
 *   closing the session closes the control connection.
 *
 * Over a detour (rb_udp_socks_chain: socks5 outbounds down to `direct`),
 * as sing-box dials a socks packet connection through its detour dialer:
 *   - the control connection goes through the chain's TCP: dialled to the
 *     innermost hop's server, each hop asked to CONNECT to the next hop's
 *     server (the same rb_socks_cli handshakes as proxy_out.c's TCP
 *     chains), then our UDP ASSOCIATE on the same stream;
 *   - the datagrams go in a UDP session of the detour outbound
 *     (proxy_udp_host_open) whose destination is our relay address: our
 *     RFC 1928 7 datagrams inside the detour's own (RFC 1928 7 inside RFC
 *     1928 7 for a socks detour, which again opens its own association
 *     through its own detour, and so on);
 *   - ours is open once the inner one is (proxy_udp_host.ready): the
 *     session's connect_timeout bounds the whole path;
 *   - the inner session's end (its control connection closed) ends ours,
 *     and ours closes it.
 * Other chains (an http or shadowsocks hop, SOCKS4, a tcp-only hop) are
 * refused for UDP (proxy_udp_unsupported), a block hop as block.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "../rb_lcore.h"
#include "../tcp/tcp.h"
#include "../udp/udp.h"
#include "proxy_priv.h"
#include "rb_route_api.h"
#include "socks_wire.h"
#include "udp_out.h"
#include "udp_policy.h"

#define SU_CTL_BUF  600                 /* server replies (greeting, auth, reply) */
#define SU_OUT_MAX  600                 /* a message we send (rb_socks_cli_feed) */
#define SU_HDR_MAX  (4 + 1 + RB_DOMAIN_MAX + 2)

struct socks_udp {
	struct udp_nat *n;
	uint8_t resolving;
	uint8_t done;                   /* the reply came: relaying */
	uint8_t n_hops, hop;            /* the control chain (hops[n_hops - 1]: ours) */
	uint16_t hops[PROXY_MAX_HOPS];
	struct tcp_conn *ctl;
	struct udp_sock *sock;          /* toward the server's relay (no detour) */
	struct udp_nat *inner;          /* or: the detour's UDP session to it */
	struct rb_socks_cli cli;        /* the current hop's handshake */
	struct rb_dest first;           /* hops[0]'s server: where ctl is dialled */
	uint32_t blen;
	uint8_t buf[SU_CTL_BUF];
};

static const struct rb_cfg_outbound *su_hop_cfg(const struct socks_udp *su, int hop)
{
	return &proxy_udp_nat_cfg(su->n)->outbounds[su->hops[hop]];
}

/* A datagram from the relay (header: who answered) for the session. */
static void su_relay_datagram(struct socks_udp *su, struct rte_mbuf *m)
{
	struct rb_dest src;

	if (proxy_udp_strip_header(proxy_udp_nat_lcore(su->n), m, &src) == 0)
		proxy_udp_out_recv(su->n, m, &src);
}

static void su_recv(struct udp_sock *sock, struct rte_mbuf *m, const struct udp_peer *from,
		    void *arg)
{
	(void)sock;
	(void)from; /* udp_open delivers only the relay's datagrams */
	su_relay_datagram(arg, m);
}

/* ---- the detour's UDP session (we are its host) ---- */

static void su_inner_recv(void *arg, struct rte_mbuf *m, const struct rb_dest *from)
{
	(void)from; /* the inner session delivers only what our relay sent */
	su_relay_datagram(arg, m);
}

static void su_inner_gone(void *arg, int err)
{
	struct socks_udp *su = arg;
	struct udp_nat *in = su->inner;

	(void)err;
	su->inner = NULL;
	proxy_udp_host_close(in);
	proxy_udp_out_closed(su->n); /* frees su */
}

/* The detour's association is up too: the whole path is open. */
static void su_inner_ready(void *arg)
{
	struct socks_udp *su = arg;

	proxy_udp_out_ready(su->n, 0);
}

static const struct proxy_udp_host su_inner_host = {
	.recv = su_inner_recv,
	.gone = su_inner_gone,
	.ready = su_inner_ready,
};

/* Write a handshake message; its bytes may hold the password: wiped. */
static int su_write(struct socks_udp *su, uint8_t *out, size_t len)
{
	size_t w = tcp_write(su->ctl, out, len);

	explicit_bzero(out, len);
	if (w != len)
		return -ENOBUFS;
	tcp_flush(su->ctl);
	return 0;
}

/* Start hop su->hop's handshake: CONNECT to the next hop's server, or, at
 * the last hop (ours), UDP ASSOCIATE. */
static int su_hop_start(struct socks_udp *su)
{
	static const struct rb_dest unknown_v4 = { .family = AF_INET };
	static const struct rb_dest unknown_v6 = { .family = AF_INET6 };
	const struct rb_cfg_outbound *o = su_hop_cfg(su, su->hop);
	uint8_t out[SU_OUT_MAX];
	struct rb_dest dst;
	int cmd = SOCKS5_CMD_CONNECT;
	size_t n;

	if (su->hop + 1 < su->n_hops) {
		const struct rb_cfg_outbound *next = su_hop_cfg(su, su->hop + 1);

		proxy_cfg_host_dest(&next->server, next->server_port, &dst);
	} else {
		/* RFC 1928 7: DST.ADDR/DST.PORT zeros, our UDP source is not
		 * known yet (through a detour: the detour's relay's) */
		dst = o->server.family == AF_INET6 ? unknown_v6 : unknown_v4;
		cmd = SOCKS5_CMD_UDP;
	}
	n = rb_socks_cli_start(&su->cli, 5, cmd, o->username, o->password, &dst, out);
	if (n == 0)
		return -EPROTO;
	return su_write(su, out, n);
}

/* The ASSOCIATE reply came: reach the relay, directly or through the
 * detour's UDP session. */
static int su_relay_ready(struct socks_udp *su)
{
	const struct rb_cfg_outbound *o = su_hop_cfg(su, su->n_hops - 1);
	struct rb_dest server, relay;
	int err = 0;

	if (su->n_hops == 1)
		server = su->first; /* the address the control connection went to */
	else
		proxy_cfg_host_dest(&o->server, o->server_port, &server);
	if (rb_udp_socks_relay(&su->cli.bound, &server, &relay) != 0)
		return -EPROTO;
	if (su->n_hops == 1)
		su->sock = udp_open(proxy_udp_nat_lcore(su->n), relay.family, relay.addr,
				    relay.port, su_recv, su, &err);
	else
		su->inner = proxy_udp_host_open(proxy_udp_nat_lcore(su->n), proxy_udp_nat_cfg(su->n),
						su->hops[su->n_hops - 2], &relay, &su_inner_host, su,
						&err);
	if (su->sock == NULL && su->inner == NULL)
		return err ? err : -ENOMEM;
	su->done = 1;
	return 0;
}

/* Control bytes during the handshakes: 0 (more), 1 (done), < 0 failed. */
static int su_handshake(struct socks_udp *su)
{
	for (;;) {
		uint8_t out[SU_OUT_MAX];
		size_t n, used = 0, outlen = 0;
		int rc;

		n = tcp_read_copy(su->ctl, su->buf + su->blen, sizeof(su->buf) - su->blen);
		su->blen += (uint32_t)n;
		rc = rb_socks_cli_feed(&su->cli, su->buf, su->blen, &used, out, &outlen);
		memmove(su->buf, su->buf + used, su->blen - used);
		su->blen -= (uint32_t)used;
		if (outlen && su_write(su, out, outlen) != 0)
			return -ENOBUFS;
		if (rc == RB_PARSE_ERR)
			return -ECONNREFUSED;
		if (rc == RB_PARSE_DONE && su->hop + 1 == su->n_hops) {
			if (su_relay_ready(su) != 0)
				return -EPROTO;
			/* through a detour: open once its association is
			 * (su_inner_ready; the session's connect_timeout
			 * bounds the whole path) */
			return su->inner && !proxy_udp_host_ready(su->inner) ? 0 : 1;
		}
		if (rc == RB_PARSE_DONE) {
			/* this hop is through: what follows is the next hop's */
			su->hop++;
			if (su_hop_start(su) != 0)
				return -EPROTO;
			continue;
		}
		if (used > 0)
			continue;
		if (su->blen == sizeof(su->buf))
			return -EPROTO;
		if (tcp_eof(su->ctl) && tcp_readable(su->ctl) == 0)
			return -ECONNRESET;
		if (tcp_readable(su->ctl) == 0)
			return 0;
	}
}

static void su_readable(struct tcp_conn *c)
{
	struct socks_udp *su = tcp_user(c);
	int rc;

	if (su == NULL)
		return;
	if (su->done) {
		/* RFC 1928 7: the control connection only keeps the association
		 * alive; anything the server sends on it is discarded */
		struct rte_mbuf *m;

		while ((m = tcp_read(c, UINT32_MAX)) != NULL)
			rte_pktmbuf_free(m);
		if (tcp_eof(c))
			proxy_udp_out_closed(su->n); /* frees su */
		return;
	}
	rc = su_handshake(su);
	if (rc != 0)
		proxy_udp_out_ready(su->n, rc < 0 ? rc : 0); /* < 0: frees su */
}

static void su_connected(struct tcp_conn *c, int err)
{
	struct socks_udp *su = tcp_user(c);

	if (su == NULL)
		return;
	if (err != 0) {
		tcp_set_callbacks(c, NULL, NULL); /* on_closed follows: not ours any more */
		su->ctl = NULL;
		proxy_udp_out_ready(su->n, err);
		return;
	}
	su->hop = 0;
	if (su_hop_start(su) != 0)
		proxy_udp_out_ready(su->n, -EPROTO);
}

static void su_closed(struct tcp_conn *c, int err)
{
	struct socks_udp *su = tcp_user(c);

	(void)err;
	if (su == NULL)
		return;
	su->ctl = NULL; /* freed when this returns */
	proxy_udp_out_closed(su->n);
}

static const struct tcp_callbacks su_cb = {
	.on_connected = su_connected,
	.on_readable = su_readable,
	.on_closed = su_closed,
};

static int su_dial(struct socks_udp *su)
{
	struct tcp_connect_params cp = {
		.family = su->first.family,
		.rport = su->first.port,
		.cb = &su_cb,
		.user = su,
	};
	int err = 0;

	memcpy(cp.raddr, su->first.addr, 16);
	su->ctl = tcp_connect(proxy_udp_nat_lcore(su->n), &cp, &err);
	return su->ctl ? 0 : (err ? err : -ENOMEM);
}

static void su_resolved(void *arg, int family, const uint8_t *addr, int err)
{
	struct socks_udp *su = arg;

	su->resolving = 0;
	if (err != 0 || (family != AF_INET && family != AF_INET6)) {
		proxy_udp_out_ready(su->n, -EHOSTUNREACH);
		return;
	}
	su->first.family = (uint8_t)family;
	memset(su->first.addr, 0, 16);
	memcpy(su->first.addr, addr, family == AF_INET ? 4 : 16);
	err = su_dial(su);
	if (err != 0)
		proxy_udp_out_ready(su->n, err);
}

static void su_close(struct udp_nat *n);

static int su_open(struct udp_nat *n, uint16_t ob)
{
	const struct rb_cfg_proxy *p = proxy_udp_nat_cfg(n);
	const struct rb_cfg_outbound *o0;
	struct socks_udp *su;
	uint16_t hops[PROXY_MAX_HOPS];
	int rc, k;

	k = rb_udp_socks_chain(p, ob, hops, PROXY_MAX_HOPS);
	if (k < 0)
		return k == -EACCES ? -EACCES : -EOPNOTSUPP; /* SOCKS4/4a have no UDP */
	su = calloc(1, sizeof(*su));
	if (su == NULL)
		return -ENOMEM;
	su->n = n;
	su->n_hops = (uint8_t)k;
	memcpy(su->hops, hops, sizeof(hops[0]) * (size_t)k);
	o0 = &p->outbounds[hops[0]];
	su->first.family = o0->server.family;
	memcpy(su->first.addr, o0->server.addr, 16);
	su->first.port = o0->server_port;
	*proxy_udp_nat_state(n) = su;
	rb_count(proxy_udp_nat_lcore(n), RB_EV_PROXY_UDP_UPSTREAM);
	if (su->first.family == 0) {
		su->resolving = 1;
		rc = rb_resolve_start(proxy_udp_nat_lcore(n), o0->server.name, 0, su_resolved, su);
		if (rc < 0)
			su->resolving = 0;
		/* the answer may have come at once (cache): dialled, or failed
		 * (its ready(err) came before we were opening) */
		rc = su->resolving || su->ctl ? 0 : -EHOSTUNREACH;
	} else {
		rc = su_dial(su);
	}
	if (rc != 0) {
		su_close(n); /* an open that fails leaves nothing behind */
		return rc;
	}
	return 1;
}

static int su_send(struct udp_nat *n, struct rte_mbuf *m, const struct rb_dest *dst)
{
	struct socks_udp *su = *proxy_udp_nat_state(n);
	uint8_t hdr[SU_HDR_MAX];
	size_t hl;
	char *h;

	if (su == NULL || !su->done) {
		rte_pktmbuf_free(m);
		return -ENOTCONN;
	}
	hl = rb_socks5_udp_header(dst, hdr);
	h = rte_pktmbuf_prepend(m, (uint16_t)hl);
	if (h == NULL) {
		rte_pktmbuf_free(m);
		return -ENOBUFS;
	}
	memcpy(h, hdr, hl);
	if (su->inner)
		return proxy_udp_host_send(su->inner, m);
	return udp_send(su->sock, m, NULL);
}

static void su_close(struct udp_nat *n)
{
	void **st = proxy_udp_nat_state(n);
	struct socks_udp *su = *st;

	if (su == NULL)
		return;
	rb_count(proxy_udp_nat_lcore(n), RB_EV_PROXY_UDP_UPSTREAM_END);
	if (su->resolving)
		rb_resolve_cancel(proxy_udp_nat_lcore(n), su_resolved, su);
	if (su->ctl) {
		tcp_set_callbacks(su->ctl, NULL, NULL);
		tcp_close(su->ctl);
	}
	if (su->sock)
		udp_close(su->sock);
	if (su->inner)
		proxy_udp_host_close(su->inner);
	explicit_bzero(su, sizeof(*su));
	free(su);
	*st = NULL;
}

const struct rb_udp_outbound_ops proxy_udp_out_socks = {
	.name = "socks",
	.open = su_open,
	.send = su_send,
	.close = su_close,
};
