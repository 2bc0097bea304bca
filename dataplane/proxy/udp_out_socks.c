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
 * Over a detour (rb_udp_socks_chain: socks5 and shadowsocks outbounds down
 * to `direct`), as sing-box dials a socks packet connection through its
 * detour dialer:
 *   - the control connection goes through the chain's TCP: dialled to the
 *     innermost hop's server, each hop below ours started with its own TCP
 *     outbound ops (proxy_out.c's socks CONNECT to the next hop's server,
 *     ss_out.c's Shadowsocks header naming it), as proxy_out.c's TCP
 *     chains, then our UDP ASSOCIATE on the same stream.  The stream is a
 *     detached struct psess (not in the session table; only its chain
 *     fields: pl's lc and cfg, hops, n_hops, up, the hops' states) driven
 *     through proxy_layer.c, so an ss hop seals what the hops above it send
 *     and opens their replies;
 *   - the datagrams go in a UDP session of the detour outbound
 *     (proxy_udp_via: proxy_udp_host_open) whose destination is our relay
 *     address: our RFC 1928 7 datagrams inside the detour's own (RFC 1928 7
 *     inside RFC 1928 7 for a socks detour, inside SIP004/SIP022 UDP for a
 *     shadowsocks one, which again goes through its own detour, and so on);
 *   - ours is open once the inner one is (proxy_udp_host.ready): the
 *     session's connect_timeout bounds the whole path;
 *   - the inner session's end (its control connection closed, ...) ends
 *     ours, and ours closes it.
 * Other chains (an http or wireguard hop, SOCKS4, a tcp-only hop) are
 * refused for UDP (proxy_udp_unsupported), a block hop as block.  Counted:
 * proxy_udp_chain (an upstream inside a detour's), _ctl_fail (the control
 * chain failed at a hop below), _inner_fail / _inner_gone (udp_out.c).
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
#define SU_OUT_MAX  PROXY_HS_OUT_MAX    /* a message we send */
#define SU_HDR_MAX  (4 + 1 + RB_DOMAIN_MAX + 2)

struct socks_udp {
	struct udp_nat *n;
	uint8_t resolving;
	uint8_t hs_done;                /* the ASSOCIATE reply came */
	uint8_t done;                   /* relaying */
	uint8_t hop;                    /* the hop whose handshake runs (cs.hops[]) */
	struct rb_socks_cli cli;        /* ours (the last hop): UDP ASSOCIATE */
	struct rb_dest first;           /* cs.hops[0]'s server: where the control
					 * connection is dialled */
	struct proxy_udp_via via;       /* toward our relay */
	struct proxy_lcore cpl;         /* the control chain's view of the lcore: lc, cfg */
	struct psess cs;                /* the control chain: hops (ours last), n_hops,
					 * up (the TCP connection), the hops' states */
	uint32_t blen;
	uint8_t buf[SU_CTL_BUF];        /* control bytes opened up to level `hop` */
};

static const struct rb_cfg_outbound *su_hop_cfg(const struct socks_udp *su, int hop)
{
	return &su->cpl.cfg->outbounds[su->cs.hops[hop]];
}

static const struct rb_outbound_ops *su_hop_ops(const struct socks_udp *su, int hop)
{
	int t = su_hop_cfg(su, hop)->type;

	return t >= 0 && t < RB_OUT_TYPE_MAX ? proxy_outbound_ops[t] : NULL;
}

/* A datagram from the relay (header: who answered) for the session. */
static void su_relay_datagram(void *arg, struct rte_mbuf *m)
{
	struct socks_udp *su = arg;
	struct rb_dest src;

	if (proxy_udp_strip_header(proxy_udp_nat_lcore(su->n), m, &src) == 0)
		proxy_udp_out_recv(su->n, m, &src);
}

/* Send level-`hop` bytes of a handshake (through the hops below) and wipe
 * them (they may hold a password). */
static int su_send(struct socks_udp *su, int hop, uint8_t *out, size_t len)
{
	int rc = proxy_layer_send(&su->cs, hop, out, len);

	explicit_bzero(out, len);
	if (rc != 0)
		return rc == -EIO ? -EIO : -ENOBUFS;
	tcp_flush(su->cs.up);
	return 0;
}

/* Hop su->hop is through: what is left in buf is level-hop bytes, which a
 * transforming hop opens for the next level.  0 or -errno. */
static int su_through(struct socks_udp *su)
{
	const struct rb_outbound_ops *ops = su_hop_ops(su, su->hop);
	struct rte_mbuf *m;
	int rc = 0;

	if (ops->unwrap == NULL || su->blen == 0)
		return 0;
	m = proxy_mbuf_from(su->cpl.lc, su->buf, su->blen);
	explicit_bzero(su->buf, su->blen);
	su->blen = 0;
	if (m == NULL)
		return -ENOBUFS;
	m = ops->unwrap(&su->cs, su->hop, m);
	if (m == NULL)
		return su->cs.xform_err ? -EIO : 0;
	if (m->pkt_len > sizeof(su->buf))
		rc = -EPROTO;
	else
		su->blen = m->pkt_len;
	if (rc == 0 && su->blen) {
		const void *d = rte_pktmbuf_read(m, 0, su->blen, su->buf);

		if (d != su->buf)
			memcpy(su->buf, d, su->blen);
	}
	rte_pktmbuf_free(m);
	return rc;
}

/* Start hop su->hop's handshake and every following one that waits for no
 * reply (Shadowsocks): a hop below ours is asked for the next hop's server
 * (its TCP outbound ops), ours for UDP ASSOCIATE.  0 or -errno. */
static int su_hop_start(struct socks_udp *su)
{
	static const struct rb_dest unknown_v4 = { .family = AF_INET };
	static const struct rb_dest unknown_v6 = { .family = AF_INET6 };

	for (;;) {
		const struct rb_cfg_outbound *o = su_hop_cfg(su, su->hop);
		const struct rb_outbound_ops *ops = su_hop_ops(su, su->hop);
		uint8_t out[SU_OUT_MAX];
		struct rb_dest dst;
		int n, rc;

		if (su->hop + 1 == su->cs.n_hops) {
			/* RFC 1928 7: DST.ADDR/DST.PORT zeros, our UDP source is
			 * not known yet (through a detour: the detour's relay's) */
			dst = o->server.family == AF_INET6 ? unknown_v6 : unknown_v4;
			n = (int)rb_socks_cli_start(&su->cli, 5, SOCKS5_CMD_UDP, o->username,
						    o->password, &dst, out);
			return n > 0 ? su_send(su, su->hop, out, (size_t)n) : -EPROTO;
		}
		if (ops == NULL || ops->start == NULL)
			return -EOPNOTSUPP;
		{
			const struct rb_cfg_outbound *next = su_hop_cfg(su, su->hop + 1);

			proxy_cfg_host_dest(&next->server, next->server_port, &dst);
		}
		n = ops->start(&su->cs, su->hop, &dst, out);
		if (n < 0)
			return n;
		if (n > 0 && (rc = su_send(su, su->hop, out, (size_t)n)) != 0)
			return rc;
		if (n == 0)
			tcp_flush(su->cs.up); /* sent by start() itself (Shadowsocks) */
		if (ops->feed)
			return 0; /* wait for its reply */
		if ((rc = su_through(su)) != 0)
			return rc;
		su->hop++;
	}
}

/* The ASSOCIATE reply came: reach the relay, directly or through the
 * detour's UDP session.  0 (open), 1 (the detour's session is opening) or
 * -errno. */
static int su_relay_ready(struct socks_udp *su)
{
	int last = su->cs.n_hops - 1;
	const struct rb_cfg_outbound *o = su_hop_cfg(su, last);
	struct rb_dest server, relay;
	int rc;

	if (last == 0)
		server = su->first; /* the address the control connection went to */
	else
		proxy_cfg_host_dest(&o->server, o->server_port, &server);
	if (rb_udp_socks_relay(&su->cli.bound, &server, &relay) != 0)
		return -EPROTO;
	rc = proxy_udp_via_open(&su->via, su->n, last ? su->cs.hops[last - 1] : -1, &relay,
				su_relay_datagram, su);
	if (rc >= 0)
		su->done = 1;
	return rc;
}

/* Control bytes, read and opened up to the current hop's level, into buf.
 * 0, or -errno (a hop below could not open them). */
static int su_fill(struct socks_udp *su)
{
	struct tcp_conn *c = su->cs.up;

	if (!proxy_layer_xform(&su->cs, su->hop)) {
		su->blen += (uint32_t)tcp_read_copy(c, su->buf + su->blen, sizeof(su->buf) - su->blen);
		return 0;
	}
	while (su->blen < sizeof(su->buf)) {
		struct rte_mbuf *m = tcp_read(c, (uint32_t)(sizeof(su->buf) - su->blen));
		const void *d;
		uint32_t k;

		if (m == NULL)
			return 0;
		m = proxy_layer_unwrap(&su->cs, su->hop, m);
		if (m == NULL) {
			if (su->cs.xform_err)
				return -EIO;
			continue; /* part of a record */
		}
		k = m->pkt_len;
		if (k > sizeof(su->buf) - su->blen) {
			rte_pktmbuf_free(m);
			return -EPROTO; /* more than any handshake reply */
		}
		d = rte_pktmbuf_read(m, 0, k, su->buf + su->blen);
		if (d != su->buf + su->blen)
			memcpy(su->buf + su->blen, d, k);
		su->blen += k;
		rte_pktmbuf_free(m);
	}
	return 0;
}

/* Control bytes during the handshakes: 0 (more), 1 (open), < 0 failed. */
static int su_handshake(struct socks_udp *su)
{
	struct tcp_conn *c = su->cs.up;

	for (;;) {
		int last = su->hop + 1 == su->cs.n_hops;
		uint8_t out[SU_OUT_MAX];
		size_t used = 0, outlen = 0;
		int rc;

		if ((rc = su_fill(su)) != 0)
			return rc;
		if (last)
			rc = rb_socks_cli_feed(&su->cli, su->buf, su->blen, &used, out, &outlen);
		else
			rc = su_hop_ops(su, su->hop)->feed(&su->cs, su->hop, su->buf, su->blen, &used,
							   out, &outlen);
		memmove(su->buf, su->buf + used, su->blen - used);
		su->blen -= (uint32_t)used;
		if (outlen && su_send(su, su->hop, out, outlen) != 0)
			return -ENOBUFS;
		if (rc == RB_PARSE_ERR)
			return -ECONNREFUSED;
		if (rc == RB_PARSE_DONE && last) {
			su->hs_done = 1;
			rc = su_relay_ready(su);
			/* through a detour: open once its session is
			 * (proxy_udp_via; the session's connect_timeout
			 * bounds the whole path) */
			return rc < 0 ? rc : !rc;
		}
		if (rc == RB_PARSE_DONE) {
			/* this hop is through: what follows is the next hop's */
			if ((rc = su_through(su)) != 0)
				return rc;
			su->hop++;
			if ((rc = su_hop_start(su)) != 0)
				return rc;
			continue;
		}
		if (used > 0)
			continue;
		if (su->blen == sizeof(su->buf))
			return -EPROTO;
		if (tcp_eof(c) && tcp_readable(c) == 0)
			return -ECONNRESET;
		if (tcp_readable(c) == 0)
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
		su->cs.up = NULL;
		proxy_udp_out_ready(su->n, err);
		return;
	}
	su->hop = 0;
	err = su_hop_start(su);
	if (err != 0)
		proxy_udp_out_ready(su->n, err);
}

static void su_closed(struct tcp_conn *c, int err)
{
	struct socks_udp *su = tcp_user(c);

	(void)err;
	if (su == NULL)
		return;
	su->cs.up = NULL; /* freed when this returns */
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
	su->cs.up = tcp_connect(su->cpl.lc, &cp, &err);
	return su->cs.up ? 0 : (err ? err : -ENOMEM);
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
	su->cpl.lc = proxy_udp_nat_lcore(n);
	su->cpl.cfg = p;
	su->cs.pl = &su->cpl;
	su->cs.n_hops = (uint8_t)k;
	memcpy(su->cs.hops, hops, sizeof(hops[0]) * (size_t)k);
	o0 = &p->outbounds[hops[0]];
	su->first.family = o0->server.family;
	memcpy(su->first.addr, o0->server.addr, 16);
	su->first.port = o0->server_port;
	*proxy_udp_nat_state(n) = su;
	rb_count(su->cpl.lc, RB_EV_PROXY_UDP_UPSTREAM);
	if (su->first.family == 0) {
		su->resolving = 1;
		rc = rb_resolve_start(su->cpl.lc, o0->server.name, 0, su_resolved, su);
		if (rc < 0)
			su->resolving = 0;
		/* the answer may have come at once (cache): dialled, or failed
		 * (its ready(err) came before we were opening) */
		rc = su->resolving || su->cs.up ? 0 : -EHOSTUNREACH;
	} else {
		rc = su_dial(su);
	}
	if (rc != 0) {
		su_close(n); /* an open that fails leaves nothing behind */
		return rc;
	}
	return 1;
}

static int su_send_dgram(struct udp_nat *n, struct rte_mbuf *m, const struct rb_dest *dst)
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
	return proxy_udp_via_send(&su->via, m);
}

static void su_close(struct udp_nat *n)
{
	void **st = proxy_udp_nat_state(n);
	struct socks_udp *su = *st;

	if (su == NULL)
		return;
	rb_count(su->cpl.lc, RB_EV_PROXY_UDP_UPSTREAM_END);
	if (su->cs.n_hops > 1 && !su->hs_done)
		rb_count(su->cpl.lc, RB_EV_PROXY_UDP_CHAIN_CTL_FAIL); /* ended in the handshakes */
	if (su->resolving)
		rb_resolve_cancel(su->cpl.lc, su_resolved, su);
	if (su->cs.up) {
		tcp_set_callbacks(su->cs.up, NULL, NULL);
		tcp_close(su->cs.up);
		su->cs.up = NULL;
	}
	proxy_udp_via_close(&su->via);
	proxy_layer_free(&su->cs); /* the hops' states (Shadowsocks ciphers) */
	if (su->cs.out) {
		explicit_bzero(su->cs.out, sizeof(*su->cs.out));
		free(su->cs.out);
	}
	explicit_bzero(su, sizeof(*su));
	free(su);
	*st = NULL;
}

const struct rb_udp_outbound_ops proxy_udp_out_socks = {
	.name = "socks",
	.open = su_open,
	.send = su_send_dgram,
	.close = su_close,
};
