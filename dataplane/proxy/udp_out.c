/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The UDP outbound table (udp_out.h), the `block` outbound, which refuses
 * every session (its datagrams count as proxy_udp_rejected), and the way
 * an outbound's datagrams reach its server: directly, or inside its
 * detour's UDP session (proxy_udp_via).
 */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "../rb_lcore.h"
#include "../ss/ss_proxy.h"
#include "../udp/udp.h"
#include "udp_out.h"

static int block_open(struct udp_nat *n, uint16_t ob)
{
	(void)n;
	(void)ob;
	return -EACCES;
}

static int block_send(struct udp_nat *n, struct rte_mbuf *m, const struct rb_dest *dst)
{
	(void)n;
	(void)dst;
	rte_pktmbuf_free(m); /* not reached: open() refused */
	return -EACCES;
}

static void block_close(struct udp_nat *n)
{
	(void)n;
}

static const struct rb_udp_outbound_ops udp_out_block = {
	.name = "block",
	.open = block_open,
	.send = block_send,
	.close = block_close,
};

const struct rb_udp_outbound_ops *const proxy_udp_outbound_ops[RB_OUT_TYPE_MAX] = {
	[RB_OUT_DIRECT] = &proxy_udp_out_direct,
	[RB_OUT_BLOCK] = &udp_out_block,
	[RB_OUT_SOCKS] = &proxy_udp_out_socks,
	[RB_OUT_SHADOWSOCKS] = &rb_ss_udp_outbound_ops, /* dataplane/ss/ss_udp_out.c */
};

/* ------------------------------------------------- toward the server */

static void via_sock_recv(struct udp_sock *sock, struct rte_mbuf *m, const struct udp_peer *from,
			  void *arg)
{
	struct proxy_udp_via *v = arg;

	(void)sock;
	(void)from; /* udp_open delivers only the server's datagrams */
	v->recv(v->arg, m);
}

static void via_inner_recv(void *arg, struct rte_mbuf *m, const struct rb_dest *from)
{
	struct proxy_udp_via *v = arg;

	(void)from; /* the inner session delivers only what `to` sent */
	v->recv(v->arg, m);
}

/* The detour's session failed or ended: so does ours (its close() calls
 * proxy_udp_via_close, which finds nothing left). */
static void via_inner_gone(void *arg, int err)
{
	struct proxy_udp_via *v = arg;
	struct udp_nat *in = v->inner;

	(void)err;
	v->inner = NULL;
	proxy_udp_host_close(in);
	rb_count(proxy_udp_nat_lcore(v->n), RB_EV_PROXY_UDP_CHAIN_INNER_GONE);
	proxy_udp_out_closed(v->n);
}

/* The detour's session is open: so is ours (ours was waiting for it). */
static void via_inner_ready(void *arg)
{
	struct proxy_udp_via *v = arg;

	proxy_udp_out_ready(v->n, 0);
}

static const struct proxy_udp_host via_host = {
	.recv = via_inner_recv,
	.gone = via_inner_gone,
	.ready = via_inner_ready,
};

int proxy_udp_via_open(struct proxy_udp_via *v, struct udp_nat *n, int detour,
		       const struct rb_dest *to, void (*recv)(void *arg, struct rte_mbuf *m),
		       void *arg)
{
	struct rb_lcore *lc = proxy_udp_nat_lcore(n);
	int err = 0;

	memset(v, 0, sizeof(*v));
	v->n = n;
	v->recv = recv;
	v->arg = arg;
	if (detour < 0) {
		if (to->family != AF_INET && to->family != AF_INET6)
			return -EHOSTUNREACH;
		v->sock = udp_open(lc, to->family, to->addr, to->port, via_sock_recv, v, &err);
		return v->sock ? 0 : (err ? err : -ENOMEM);
	}
	v->inner = proxy_udp_host_open(lc, proxy_udp_nat_cfg(n), (uint16_t)detour, to, &via_host, v,
				       &err);
	if (v->inner == NULL) {
		rb_count(lc, RB_EV_PROXY_UDP_CHAIN_INNER_FAIL);
		return err == -EACCES ? -EACCES : (err ? err : -ENOMEM);
	}
	rb_count(lc, RB_EV_PROXY_UDP_CHAIN);
	return proxy_udp_host_ready(v->inner) ? 0 : 1;
}

int proxy_udp_via_send(struct proxy_udp_via *v, struct rte_mbuf *m)
{
	if (v->inner)
		return proxy_udp_host_send(v->inner, m);
	if (v->sock)
		return udp_send(v->sock, m, NULL);
	rte_pktmbuf_free(m);
	return -ENOTCONN;
}

void proxy_udp_via_close(struct proxy_udp_via *v)
{
	struct udp_nat *in = v->inner;

	v->inner = NULL;
	if (in)
		proxy_udp_host_close(in);
	if (v->sock)
		udp_close(v->sock);
	v->sock = NULL;
}
