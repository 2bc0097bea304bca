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
 *     chains, then our UDP ASSOCIATE on the same stream (tcp_chain.h: a
 *     chain no client drives, driven through proxy_layer.c, so an ss hop
 *     seals what the hops above it send and opens their replies);
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
#include "tcp_chain.h"
#include "udp_out.h"
#include "udp_policy.h"

#define SU_HDR_MAX  (4 + 1 + RB_DOMAIN_MAX + 2)

struct socks_udp {
	struct udp_nat *n;
	uint8_t hs_done;                /* the ASSOCIATE reply came */
	uint8_t done;                   /* relaying */
	struct rb_socks_cli cli;        /* ours (the last hop): UDP ASSOCIATE */
	struct proxy_udp_via via;       /* toward our relay */
	struct proxy_tchain ctl;        /* the control connection through the chain
					 * (tcp_chain.h; ours its last hop) */
};

static const struct rb_cfg_outbound *su_last_cfg(const struct socks_udp *su)
{
	return &su->ctl.cpl.cfg->outbounds[su->ctl.cs.hops[su->ctl.cs.n_hops - 1]];
}

/* A datagram from the relay (header: who answered) for the session. */
static void su_relay_datagram(void *arg, struct rte_mbuf *m)
{
	struct socks_udp *su = arg;
	struct rb_dest src;

	if (proxy_udp_strip_header(proxy_udp_nat_lcore(su->n), m, &src) == 0)
		proxy_udp_out_recv(su->n, m, &src);
}

/* Our hop's handshake (the chain's top): greeting [+ auth], then UDP
 * ASSOCIATE.  RFC 1928 7: DST.ADDR/DST.PORT zeros, our UDP source is not
 * known yet (through a detour: the detour's relay's). */
static int su_top_start(void *arg, uint8_t *out)
{
	static const struct rb_dest unknown_v4 = { .family = AF_INET };
	static const struct rb_dest unknown_v6 = { .family = AF_INET6 };
	struct socks_udp *su = arg;
	const struct rb_cfg_outbound *o = su_last_cfg(su);
	const struct rb_dest *dst = o->server.family == AF_INET6 ? &unknown_v6 : &unknown_v4;
	size_t n = rb_socks_cli_start(&su->cli, 5, SOCKS5_CMD_UDP, o->username, o->password, dst,
				      out);

	return n > 0 ? (int)n : -EPROTO;
}

static int su_top_feed(void *arg, const uint8_t *buf, size_t len, size_t *used, uint8_t *out,
		       size_t *outlen)
{
	struct socks_udp *su = arg;

	return rb_socks_cli_feed(&su->cli, buf, len, used, out, outlen);
}

/* The ASSOCIATE reply came: reach the relay, directly or through the
 * detour's UDP session.  0 (open), 1 (the detour's session is opening) or
 * -errno. */
static int su_relay_ready(struct socks_udp *su)
{
	int last = su->ctl.cs.n_hops - 1;
	const struct rb_cfg_outbound *o = su_last_cfg(su);
	struct rb_dest server, relay;
	int rc;

	if (last == 0)
		server = su->ctl.first; /* the address the control connection went to */
	else
		proxy_cfg_host_dest(&o->server, o->server_port, &server);
	if (rb_udp_socks_relay(&su->cli.bound, &server, &relay) != 0)
		return -EPROTO;
	rc = proxy_udp_via_open(&su->via, su->n, last ? su->ctl.cs.hops[last - 1] : -1, &relay,
				su_relay_datagram, su);
	if (rc >= 0)
		su->done = 1;
	return rc;
}

static void su_ready(void *arg, int err)
{
	struct socks_udp *su = arg;

	if (err == 0) {
		su->hs_done = 1;
		err = su_relay_ready(su);
		/* through a detour: open once its session is (proxy_udp_via;
		 * the session's connect_timeout bounds the whole path) */
		if (err > 0)
			return;
	}
	proxy_udp_out_ready(su->n, err); /* < 0: frees su */
}

static void su_readable(void *arg)
{
	struct socks_udp *su = arg;
	struct rte_mbuf *m;
	int err;

	/* RFC 1928 7: the control connection only keeps the association
	 * alive; anything the server sends on it is discarded */
	while ((m = proxy_tchain_read(&su->ctl, &err)) != NULL)
		rte_pktmbuf_free(m);
	if (err != 0 || tcp_eof(su->ctl.cs.up))
		proxy_udp_out_closed(su->n); /* frees su */
}

static void su_closed(void *arg)
{
	struct socks_udp *su = arg;

	proxy_udp_out_closed(su->n);
}

static const struct proxy_tchain_ops su_ctl_ops = {
	.top_start = su_top_start,
	.top_feed = su_top_feed,
	.ready = su_ready,
	.readable = su_readable,
	.closed = su_closed,
};

static void su_close(struct udp_nat *n);

static int su_open(struct udp_nat *n, uint16_t ob)
{
	const struct rb_cfg_proxy *p = proxy_udp_nat_cfg(n);
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
	*proxy_udp_nat_state(n) = su;
	rb_count(proxy_udp_nat_lcore(n), RB_EV_PROXY_UDP_UPSTREAM);
	rc = proxy_tchain_open(&su->ctl, proxy_udp_nat_lcore(n), p, hops, k, NULL, &su_ctl_ops, su);
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
	rb_count(proxy_udp_nat_lcore(n), RB_EV_PROXY_UDP_UPSTREAM_END);
	if (su->ctl.cs.n_hops > 1 && !su->hs_done)
		rb_count(proxy_udp_nat_lcore(n), RB_EV_PROXY_UDP_CHAIN_CTL_FAIL); /* ended in the handshakes */
	proxy_tchain_close(&su->ctl);
	proxy_udp_via_close(&su->via);
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
