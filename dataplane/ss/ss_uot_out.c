/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The `shadowsocks` outbound with `udp_over_tcp` (sing-box's UoT, wire in
 * uot_wire.h): a UDP NAT session's ONE upstream (udp_out.h) is one
 * Shadowsocks TCP stream to the outbound's server whose target is the
 * magic domain (v1 "sp.udp-over-tcp.arpa", v2 "sp.v2.udp-over-tcp.arpa",
 * port 0 as sing sends it).  As sing-box's ListenPacket, the v2 request is
 * non-connect, naming the session's first destination, so every datagram
 * carries its own destination and the session may talk to any number of
 * them (one stream per NAT session; v1 has no request).
 *
 *   open:    resolve the server when it is a name, TCP connect (a local
 *            port whose flow this lcore owns); then the Shadowsocks header
 *            (salt, sealed magic address) and the v2 request in the first
 *            write; the session is open (proxy_udp_out_ready)
 *   send:    [address][length][payload] sealed into the stream; a datagram
 *            that finds the send space full is dropped (ss_uot_stream_full)
 *   recv:    the server's stream opened and parsed (ss_uot_mbuf.c); each
 *            packet's address is who answered; a malformed stream ends the
 *            session (counted: ss_uot_atyp / _addr / _len)
 *   the session ends when the stream does (FIN, reset, a failed tag).
 *
 * The outbound may detour only through `direct` (as its UDP): a UoT stream
 * through a chain of TCP hops is not done.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "../proxy/proxy_priv.h"
#include "../proxy/udp_out.h"
#include "ss_relay.h"
#include "ss_uot_dp.h"

struct uot_out {
	struct udp_nat *n;
	uint16_t ob;
	uint8_t version;
	uint8_t resolving;
	uint8_t gone;                 /* the session ended inside a callback */
	struct tcp_conn *c;
	struct ss_conn *x;            /* the stream's Shadowsocks state */
	struct rb_dest server;
	struct ss_uot_asm in;         /* the server's packets */
};

static struct ss_lcore *lcore_of(struct uot_out *u)
{
	return ss_lcore_get(proxy_udp_nat_lcore(u->n), proxy_udp_nat_cfg(u->n));
}

/* Plaintext m (taken) sealed into the stream; 0 or -errno (the stream is
 * then unusable: a sealed record was lost). */
static int seal_write(struct uot_out *u, struct rte_mbuf *m)
{
	struct rb_lcore *lc = proxy_udp_nat_lcore(u->n);
	int err = 0;

	if (u->x->m) {
		m = ss_mbuf_seal(lc, lcore_of(u), &u->x->enc, m, &err);
		if (m == NULL)
			return err ? err : -EIO;
	}
	err = tcp_write_mbuf(u->c, m);
	if (err != 0) {
		rte_pktmbuf_free(m);
		return err;
	}
	tcp_flush(u->c);
	return 0;
}

/* The first write: the magic address, then (v2) the request. */
static int send_header(struct uot_out *u)
{
	struct rb_lcore *lc = proxy_udp_nat_lcore(u->n);
	uint8_t b[SS_ADDR_MAX + UOT_REQ_MAX];
	struct rte_mbuf *m;
	int n, r;

	n = ss_addr_write(b, 0, NULL, uot_magic_domain(u->version), 0);
	if (n < 0)
		return -EINVAL;
	if (u->version == 2) {
		r = uot_put_request(b + n, 0, proxy_udp_nat_target(u->n));
		if (r < 0)
			return -EINVAL;
		n += r;
	}
	if (u->x->m && ss_conn_enc_ready(lc, u->x) != 0)
		return -EIO;
	m = proxy_mbuf_from(lc, b, (size_t)n);
	if (m == NULL)
		return -ENOBUFS;
	return seal_write(u, m);
}

static void got_packet(void *arg, struct rte_mbuf *m, const struct rb_dest *from)
{
	struct uot_out *u = arg;

	proxy_udp_out_recv(u->n, m, from);
}

/* The session ends (frees u through close). */
static void end(struct uot_out *u)
{
	u->gone = 1;
	proxy_udp_out_closed(u->n);
}

static void on_readable(struct tcp_conn *c)
{
	struct uot_out *u = tcp_user(c);
	struct rb_lcore *lc;
	struct rte_mbuf *m;

	if (u == NULL)
		return;
	lc = proxy_udp_nat_lcore(u->n);
	while ((m = tcp_read(c, UINT32_MAX)) != NULL) {
		int err = 0;

		if (u->x->m) {
			m = ss_mbuf_open(lc, lcore_of(u), &u->x->dec, m, &err);
			if (m == NULL && err) {
				end(u); /* a failed tag or length: the stream is gone */
				return;
			}
			if (m == NULL)
				continue; /* part of a chunk */
		}
		if (ss_uot_asm_feed(lc, &u->in, m, got_packet, u, NULL) != 0) {
			end(u);
			return;
		}
	}
	if (tcp_eof(c)) {
		if (u->in.cur || u->in.rd.hlen)
			rb_drop_count(lc, RB_DROP_SS_UOT_TRUNCATED);
		end(u);
	}
}

static void on_connected(struct tcp_conn *c, int err)
{
	struct uot_out *u = tcp_user(c);

	if (u == NULL)
		return;
	if (err == 0)
		err = send_header(u);
	if (err != 0) {
		tcp_set_callbacks(c, NULL, NULL);
		if (err == -ECONNREFUSED || err == -ETIMEDOUT || err == -ECONNRESET)
			u->c = NULL; /* on_closed follows and frees it */
		proxy_udp_out_ready(u->n, err); /* frees u */
		return;
	}
	proxy_udp_out_ready(u->n, 0);
}

static void on_closed(struct tcp_conn *c, int err)
{
	struct uot_out *u = tcp_user(c);

	(void)err;
	if (u == NULL)
		return;
	u->c = NULL; /* freed when this returns */
	end(u);
}

static const struct tcp_callbacks out_cb = {
	.on_connected = on_connected,
	.on_readable = on_readable,
	.on_closed = on_closed,
};

static int dial(struct uot_out *u)
{
	struct tcp_connect_params cp = {
		.family = u->server.family,
		.rport = u->server.port,
		.cb = &out_cb,
		.user = u,
	};
	int err = 0;

	memcpy(cp.raddr, u->server.addr, 16);
	u->c = tcp_connect(proxy_udp_nat_lcore(u->n), &cp, &err);
	return u->c ? 0 : (err ? err : -ENOMEM);
}

static void resolved(void *arg, int family, const uint8_t *addr, int err)
{
	struct uot_out *u = arg;

	u->resolving = 0;
	if (err != 0 || (family != AF_INET && family != AF_INET6)) {
		proxy_udp_out_ready(u->n, -EHOSTUNREACH);
		return;
	}
	u->server.family = (uint8_t)family;
	memset(u->server.addr, 0, 16);
	memcpy(u->server.addr, addr, family == AF_INET ? 4 : 16);
	err = dial(u);
	if (err != 0)
		proxy_udp_out_ready(u->n, err);
}

int ss_uot_out_open(struct udp_nat *n, uint16_t ob, void **st)
{
	const struct rb_cfg_proxy *p = proxy_udp_nat_cfg(n);
	const struct rb_cfg_outbound *o = &p->outbounds[ob];
	struct rb_lcore *lc = proxy_udp_nat_lcore(n);
	struct ss_lcore *sl;
	struct uot_out *u;
	int rc;

	if (o->detour_idx >= 0 &&
	    (o->detour_idx >= p->n_outbounds || p->outbounds[o->detour_idx].type != RB_OUT_DIRECT))
		return -EOPNOTSUPP; /* UoT through a chain of TCP hops: not done */
	sl = ss_lcore_get(lc, p);
	if (sl == NULL)
		return -ENOMEM;
	u = calloc(1, sizeof(*u));
	if (u == NULL)
		return -ENOMEM;
	u->n = n;
	u->ob = ob;
	u->version = o->uot_version;
	u->x = ss_conn_get(sl, 0, ob);
	if (u->x == NULL) {
		free(u);
		return -ENOMEM;
	}
	uot_rd_init(&u->in.rd, UOT_RD_ADDR, NULL, SS_UOT_PAYLOAD_MAX);
	proxy_cfg_host_dest(&o->server, o->server_port, &u->server);
	*st = u;
	rb_count(lc, RB_EV_SS_UOT_OUT);
	rb_count(lc, RB_EV_PROXY_UDP_UPSTREAM);
	if (u->server.family == 0) {
		u->resolving = 1;
		rc = rb_resolve_start(lc, o->server.name, 0, resolved, u);
		if (rc < 0)
			u->resolving = 0;
		/* answered at once (cache): dialled, or failed before we were
		 * opening (its ready(err) was ignored) */
		rc = u->resolving || u->c ? 0 : -EHOSTUNREACH;
	} else {
		rc = dial(u);
	}
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

	if (u == NULL || u->c == NULL) {
		rte_pktmbuf_free(m);
		return -ENOTCONN;
	}
	lc = proxy_udp_nat_lcore(u->n);
	if (tcp_send_space(u->c) == 0) {
		rb_drop(lc, m, RB_DROP_SS_UOT_STREAM_FULL);
		return -ENOBUFS;
	}
	m = ss_uot_frame(lc, 0, dst, m);
	if (m == NULL)
		return -EMSGSIZE;
	err = seal_write(u, m);
	if (err != 0) {
		/* a sealed record did not go out: the stream cannot go on */
		tcp_set_callbacks(u->c, NULL, NULL);
		tcp_abort(u->c);
		u->c = NULL;
		return err;
	}
	rb_count(lc, RB_EV_SS_UOT_DOWN);
	return 0;
}

void ss_uot_out_close(void *st)
{
	struct uot_out *u = st;
	struct rb_lcore *lc;

	if (u == NULL)
		return;
	lc = proxy_udp_nat_lcore(u->n);
	rb_count(lc, RB_EV_PROXY_UDP_UPSTREAM_END);
	if (u->resolving)
		rb_resolve_cancel(lc, resolved, u);
	if (u->c) {
		tcp_set_callbacks(u->c, NULL, NULL);
		tcp_close(u->c);
	}
	ss_uot_asm_free(&u->in);
	ss_conn_put(lcore_of(u), u->x);
	explicit_bzero(u, sizeof(*u));
	free(u);
}
