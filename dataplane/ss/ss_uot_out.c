/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The `shadowsocks` outbound with `udp_over_tcp` (sing-box's UoT, wire in
 * uot_wire.h): a UDP NAT session's ONE upstream (udp_out.h) is one
 * Shadowsocks TCP stream to the outbound's server whose target is the
 * magic domain (v1 "sp.udp-over-tcp.arpa", v2 "sp.v2.udp-over-tcp.arpa",
 * port 0 as sing sends it).
 *
 * The stream goes through the outbound's detour like its TCP connections
 * (tcp_chain.h, rb_tcp_chain: socks, http and shadowsocks hops down to
 * `direct` or a `wireguard` endpoint, whose TCP the stack dials inside the
 * tunnel, as sing-box dials it with its detour dialer): dialled to the
 * innermost hop's server, each hop's handshake on it, then our Shadowsocks
 * header (ss_out.c's start) naming the magic domain, sealed and opened by
 * the hops below.  Without a detour the chain is our hop alone.
 *
 * v2 request (the first plaintext after the header):
 *   - non-connect (sing-box's ListenPacket), naming the session's first
 *     destination: every datagram carries its own destination and the
 *     session may talk to any number of them;
 *   - connect (sing-box's connected UDP: isConnect = 1, then packets are
 *     length + data, replies all from the request's destination) when the
 *     session has one destination by construction (a host session: a UoT
 *     inbound's flow, a hop's session inside this detour, WireGuard's
 *     terminated UDP) or the config asks it for every session
 *     (`udp_over_tcp = { connect = true; }`): then a datagram to another
 *     destination than the first is dropped (ss_uot_connect_dst).
 *   Counted: ss_uot_out_connect (streams opened in connect mode).
 *
 *   open:    the chain (a name resolved first); ready once our header and
 *            the v2 request went out (proxy_udp_out_ready)
 *   send:    [address][length][payload] (connect: [length][payload])
 *            sealed into the stream; a datagram that finds the send space
 *            full is dropped (ss_uot_stream_full)
 *   recv:    the server's stream opened and parsed (ss_uot_mbuf.c); each
 *            packet's address is who answered (connect: the destination);
 *            a malformed stream ends the session (ss_uot_atyp/_addr/_len)
 *   the session ends when the stream does (FIN, reset, a failed tag, a
 *   hop below that refused).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "../proxy/proxy_priv.h"
#include "../proxy/tcp_chain.h"
#include "../proxy/udp_out.h"
#include "../proxy/udp_policy.h"
#include "ss_uot_dp.h"

struct uot_out {
	struct udp_nat *n;
	uint8_t version;
	uint8_t connect;              /* v2 connect mode */
	uint8_t up;                   /* the request went out: datagrams may follow */
	struct rb_dest peer;          /* connect mode: the one destination */
	struct ss_uot_asm in;         /* the server's packets */
	struct proxy_tchain ch;       /* the stream through the chain */
};

static struct rb_lcore *lc_of(const struct uot_out *u)
{
	return proxy_udp_nat_lcore(u->n);
}

static void got_packet(void *arg, struct rte_mbuf *m, const struct rb_dest *from)
{
	struct uot_out *u = arg;

	proxy_udp_out_recv(u->n, m, from);
}

/* The session ends (frees u through close). */
static void end(struct uot_out *u)
{
	proxy_udp_out_closed(u->n);
}

/* The chain is through (our header sent): the v2 request, then open. */
static void on_ready(void *arg, int err)
{
	struct uot_out *u = arg;

	if (err == 0 && u->version == 2) {
		uint8_t b[UOT_REQ_MAX];
		int r = uot_put_request(b, u->connect, &u->peer);
		struct rte_mbuf *m;

		m = r > 0 ? proxy_mbuf_from(lc_of(u), b, (size_t)r) : NULL;
		err = m ? proxy_tchain_write(&u->ch, m) : (r > 0 ? -ENOBUFS : -EINVAL);
	}
	if (err == 0)
		u->up = 1;
	proxy_udp_out_ready(u->n, err); /* < 0: frees u */
}

static void on_readable(void *arg)
{
	struct uot_out *u = arg;
	struct rb_lcore *lc = lc_of(u);
	struct rte_mbuf *m;
	int err;

	while ((m = proxy_tchain_read(&u->ch, &err)) != NULL) {
		if (ss_uot_asm_feed(lc, &u->in, m, got_packet, u, NULL) != 0) {
			end(u);
			return;
		}
	}
	if (err != 0) {
		end(u); /* a failed tag or length: the stream is gone */
		return;
	}
	if (u->ch.cs.up == NULL || tcp_eof(u->ch.cs.up)) {
		if (u->in.cur || u->in.rd.hlen)
			rb_drop_count(lc, RB_DROP_SS_UOT_TRUNCATED);
		end(u);
	}
}

static void on_closed(void *arg)
{
	end(arg);
}

static const struct proxy_tchain_ops chain_ops = {
	.ready = on_ready,
	.readable = on_readable,
	.closed = on_closed,
};

int ss_uot_out_open(struct udp_nat *n, uint16_t ob, void **st)
{
	const struct rb_cfg_proxy *p = proxy_udp_nat_cfg(n);
	const struct rb_cfg_outbound *o = &p->outbounds[ob];
	struct rb_lcore *lc = proxy_udp_nat_lcore(n);
	uint16_t hops[RB_MAX_CHAIN_HOPS];
	struct rb_dest magic;
	struct uot_out *u;
	int k, rc;

	k = rb_tcp_chain(p, ob, hops, RB_MAX_CHAIN_HOPS);
	if (k < 0)
		return k == -EACCES ? -EACCES : -EOPNOTSUPP; /* a udp-only hop */
	u = calloc(1, sizeof(*u));
	if (u == NULL)
		return -ENOMEM;
	u->n = n;
	u->version = o->uot_version;
	u->connect = u->version == 2 && (o->uot_connect || proxy_udp_nat_single(n));
	u->peer = *proxy_udp_nat_target(n);
	uot_rd_init(&u->in.rd, u->connect ? UOT_RD_CONNECT : UOT_RD_ADDR, &u->peer,
		    SS_UOT_PAYLOAD_MAX);
	memset(&magic, 0, sizeof(magic));
	snprintf(magic.domain, sizeof(magic.domain), "%s", uot_magic_domain(u->version));
	*st = u;
	rb_count(lc, RB_EV_SS_UOT_OUT);
	if (u->connect)
		rb_count(lc, RB_EV_SS_UOT_OUT_CONNECT);
	rb_count(lc, RB_EV_PROXY_UDP_UPSTREAM);
	rc = proxy_tchain_open(&u->ch, lc, p, hops, k, &magic, &chain_ops, u);
	if (rc != 0) {
		ss_uot_out_close(u);
		*st = NULL;
		return rc;
	}
	return 1;
}

int ss_uot_out_send(void *st, struct rte_mbuf *m, const struct rb_dest *dst)
{
	struct uot_out *u = st;
	struct rb_lcore *lc;
	int err;

	if (u == NULL || !u->up || u->ch.cs.up == NULL) {
		rte_pktmbuf_free(m);
		return -ENOTCONN;
	}
	lc = lc_of(u);
	if (u->connect && !ss_uot_dest_eq(dst, &u->peer)) {
		rb_drop(lc, m, RB_DROP_SS_UOT_CONNECT_DST);
		return -EDESTADDRREQ;
	}
	if (tcp_send_space(u->ch.cs.up) == 0) {
		rb_drop(lc, m, RB_DROP_SS_UOT_STREAM_FULL);
		return -ENOBUFS;
	}
	m = ss_uot_frame(lc, u->connect, dst, m);
	if (m == NULL)
		return -EMSGSIZE;
	err = proxy_tchain_write(&u->ch, m);
	if (err != 0) {
		/* a sealed record did not go out: the stream cannot go on */
		tcp_set_callbacks(u->ch.cs.up, NULL, NULL);
		tcp_abort(u->ch.cs.up);
		u->ch.cs.up = NULL;
		return err;
	}
	rb_count(lc, RB_EV_SS_UOT_DOWN);
	return 0;
}

void ss_uot_out_close(void *st)
{
	struct uot_out *u = st;

	if (u == NULL)
		return;
	rb_count(lc_of(u), RB_EV_PROXY_UDP_UPSTREAM_END);
	proxy_tchain_close(&u->ch);
	ss_uot_asm_free(&u->in);
	explicit_bzero(u, sizeof(*u));
	free(u);
}
