/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The `socks` UDP outbound: a SOCKS5 UDP ASSOCIATE client (RFC 1928 4, 6, 7;
 * username/password RFC 1929) per NAT session.
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
 * Only SOCKS version 5 carries UDP.  Detour: the chain below this outbound
 * must end at once in `direct` (none, or a direct outbound); `block` refuses
 * the session; others are not supported for UDP (counted).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "../rb_lcore.h"
#include "../tcp/tcp.h"
#include "../udp/udp.h"
#include "rb_route_api.h"
#include "socks_wire.h"
#include "udp_out.h"

#define SU_CTL_BUF  600                 /* server replies (greeting, auth, reply) */
#define SU_OUT_MAX  600                 /* a message we send (rb_socks_cli_feed) */
#define SU_HDR_MAX  (4 + 1 + RB_DOMAIN_MAX + 2)

struct socks_udp {
	struct udp_nat *n;
	uint16_t ob;
	uint8_t resolving;
	uint8_t done;                   /* the reply came: relaying */
	struct tcp_conn *ctl;
	struct udp_sock *sock;          /* toward the server's relay */
	struct rb_socks_cli cli;
	struct rb_dest server;
	uint32_t blen;
	uint8_t buf[SU_CTL_BUF];
};

static const struct rb_cfg_outbound *su_cfg(const struct socks_udp *su)
{
	return &proxy_udp_nat_cfg(su->n)->outbounds[su->ob];
}

static void su_recv(struct udp_sock *sock, struct rte_mbuf *m, const struct udp_peer *from,
		    void *arg)
{
	struct socks_udp *su = arg;
	struct rb_dest src;

	(void)sock;
	(void)from; /* udp_open delivers only the relay's datagrams */
	if (proxy_udp_strip_header(proxy_udp_nat_lcore(su->n), m, &src) == 0)
		proxy_udp_out_recv(su->n, m, &src);
}

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

/* The ASSOCIATE reply came: open the socket toward the relay. */
static int su_relay_ready(struct socks_udp *su)
{
	struct rb_dest relay;
	int err = 0;

	if (rb_socks5_udp_relay_addr(&su->cli.bound, &su->server, &relay) != 0)
		return -EPROTO;
	su->sock = udp_open(proxy_udp_nat_lcore(su->n), relay.family, relay.addr, relay.port,
			    su_recv, su, &err);
	if (su->sock == NULL)
		return err ? err : -ENOMEM;
	su->done = 1;
	return 0;
}

/* Control bytes during the handshake: 0 (more), 1 (done), < 0 failed. */
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
		if (rc == RB_PARSE_DONE)
			return su_relay_ready(su) == 0 ? 1 : -EPROTO;
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
	static const struct rb_dest unknown_v4 = { .family = AF_INET };
	static const struct rb_dest unknown_v6 = { .family = AF_INET6 };
	struct socks_udp *su = tcp_user(c);
	const struct rb_cfg_outbound *o;
	uint8_t out[SU_OUT_MAX];
	size_t n;

	if (su == NULL)
		return;
	if (err != 0) {
		tcp_set_callbacks(c, NULL, NULL); /* on_closed follows: not ours any more */
		su->ctl = NULL;
		proxy_udp_out_ready(su->n, err);
		return;
	}
	o = su_cfg(su);
	/* RFC 1928 7: DST.ADDR/DST.PORT zeros, our UDP source is not known yet */
	n = rb_socks_cli_start(&su->cli, 5, SOCKS5_CMD_UDP, o->username, o->password,
			       su->server.family == AF_INET6 ? &unknown_v6 : &unknown_v4, out);
	if (n == 0 || su_write(su, out, n) != 0)
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
		.family = su->server.family,
		.rport = su->server.port,
		.cb = &su_cb,
		.user = su,
	};
	int err = 0;

	memcpy(cp.raddr, su->server.addr, 16);
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
	su->server.family = (uint8_t)family;
	memset(su->server.addr, 0, 16);
	memcpy(su->server.addr, addr, family == AF_INET ? 4 : 16);
	err = su_dial(su);
	if (err != 0)
		proxy_udp_out_ready(su->n, err);
}

/* The chain below a socks outbound, for UDP: 0 (dial directly), -EACCES
 * (block) or -EOPNOTSUPP (through another protocol: not for UDP). */
static int su_detour_ok(const struct rb_cfg_proxy *p, const struct rb_cfg_outbound *o)
{
	int k = o->detour_idx;

	if (k < 0 || k >= p->n_outbounds)
		return 0;
	if (p->outbounds[k].type == RB_OUT_DIRECT)
		return 0;
	if (p->outbounds[k].type == RB_OUT_BLOCK)
		return -EACCES;
	return -EOPNOTSUPP;
}

static int su_open(struct udp_nat *n, uint16_t ob)
{
	const struct rb_cfg_proxy *p = proxy_udp_nat_cfg(n);
	const struct rb_cfg_outbound *o = &p->outbounds[ob];
	struct socks_udp *su;
	int rc;

	if (o->version != RB_SOCKS_V5)
		return -EOPNOTSUPP; /* SOCKS4/4a have no UDP */
	rc = su_detour_ok(p, o);
	if (rc != 0)
		return rc;
	su = calloc(1, sizeof(*su));
	if (su == NULL)
		return -ENOMEM;
	su->n = n;
	su->ob = ob;
	su->server.family = o->server.family;
	memcpy(su->server.addr, o->server.addr, 16);
	su->server.port = o->server_port;
	if (su->server.family == 0) {
		su->resolving = 1;
		rc = rb_resolve_start(proxy_udp_nat_lcore(n), o->server.name, 0, su_resolved, su);
		if (rc < 0) {
			free(su);
			return -EHOSTUNREACH;
		}
	} else {
		rc = su_dial(su);
		if (rc != 0) {
			free(su);
			return rc;
		}
	}
	*proxy_udp_nat_state(n) = su;
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
	return udp_send(su->sock, m, NULL);
}

static void su_close(struct udp_nat *n)
{
	void **st = proxy_udp_nat_state(n);
	struct socks_udp *su = *st;

	if (su == NULL)
		return;
	if (su->resolving)
		rb_resolve_cancel(proxy_udp_nat_lcore(n), su_resolved, su);
	if (su->ctl) {
		tcp_set_callbacks(su->ctl, NULL, NULL);
		tcp_close(su->ctl);
	}
	if (su->sock)
		udp_close(su->sock);
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
