/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The `direct` UDP outbound.  A NAT session carries datagrams to any
 * destination (udp_out.h); direct's upstream is a small set of flows, one
 * per destination the session named, each a socket from udp_open() whose
 * local port is chosen so that the destination's replies hash back to this
 * lcore (no hand-off); a flow delivers only its destination's datagrams
 * (address- and port-dependent filtering).  A domain destination is
 * resolved (the route's strategy) when its flow starts; up to
 * DU_PEND_MAX datagrams wait meanwhile (more: proxy_udp_pending), a name
 * that does not resolve drops them (proxy_udp_no_route) and the flow is
 * forgotten, so the next datagram asks again.  At most DU_FLOWS_MAX flows
 * per session: a new destination then replaces the least recently used
 * flow.  Everything ends with the session (close).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "../rb_lcore.h"
#include "../udp/udp.h"
#include "rb_route_api.h"
#include "udp_out.h"

#define DU_FLOWS_MAX 32
#define DU_PEND_MAX  4

struct du;

struct du_flow {
	struct du_flow *next;
	struct du *d;
	struct udp_sock *sock;          /* NULL while resolving */
	uint8_t resolving;
	uint8_t n_pend;
	struct rte_mbuf *pend[DU_PEND_MAX];
	struct rb_dest dst;             /* as the session named it (address or domain) */
};

struct du {
	struct udp_nat *n;
	struct du_flow *flows;          /* most recently used first */
	uint32_t n_flows;
};

static int du_dest_equal(const struct rb_dest *x, const struct rb_dest *y)
{
	if (x->port != y->port || x->family != y->family)
		return 0;
	if (x->family == 0)
		return strcmp(x->domain, y->domain) == 0;
	return memcmp(x->addr, y->addr, x->family == AF_INET6 ? 16 : 4) == 0;
}

static void du_recv(struct udp_sock *sock, struct rte_mbuf *m, const struct udp_peer *from,
		    void *arg)
{
	struct du_flow *f = arg;
	struct rb_dest src;

	(void)sock;
	memset(&src, 0, sizeof(src));
	src.family = (uint8_t)from->family;
	memcpy(src.addr, from->addr, from->family == AF_INET6 ? 16 : 4);
	src.port = from->port;
	proxy_udp_out_recv(f->d->n, m, &src);
}

static void du_resolved(void *arg, int family, const uint8_t *addr, int err);

/* Unlink and free f (its socket, its pending resolution); what waited is
 * dropped as `why`. */
static void du_flow_free(struct du_flow *f, enum rb_drop why)
{
	struct du *d = f->d;
	struct rb_lcore *lc = proxy_udp_nat_lcore(d->n);

	for (struct du_flow **pp = &d->flows; *pp; pp = &(*pp)->next)
		if (*pp == f) {
			*pp = f->next;
			break;
		}
	d->n_flows--;
	if (f->resolving)
		rb_resolve_cancel(lc, du_resolved, f);
	if (f->sock)
		udp_close(f->sock);
	for (int i = 0; i < f->n_pend; i++)
		rb_drop(lc, f->pend[i], why);
	free(f);
}

static int du_flow_open(struct du_flow *f, int family, const uint8_t *addr)
{
	int err = 0;

	f->sock = udp_open(proxy_udp_nat_lcore(f->d->n), family, addr, f->dst.port, du_recv, f,
			   &err);
	return f->sock ? 0 : (err ? err : -ENOMEM);
}

static void du_resolved(void *arg, int family, const uint8_t *addr, int err)
{
	struct du_flow *f = arg;
	struct rb_lcore *lc = proxy_udp_nat_lcore(f->d->n);
	struct rte_mbuf *pend[DU_PEND_MAX];
	int k;

	f->resolving = 0;
	if (err != 0 || (family != AF_INET && family != AF_INET6) ||
	    du_flow_open(f, family, addr) != 0) {
		du_flow_free(f, RB_DROP_PROXY_UDP_NO_ROUTE);
		return;
	}
	k = f->n_pend;
	memcpy(pend, f->pend, sizeof(pend));
	f->n_pend = 0;
	for (int i = 0; i < k; i++)
		if (udp_send(f->sock, pend[i], NULL) != 0)
			rb_count(lc, RB_EV_PROXY_UDP_SEND_FAIL);
}

/* A new flow for dst at the head of the list (the least recently used
 * one makes room when the session has DU_FLOWS_MAX); NULL without memory. */
static struct du_flow *du_flow_new(struct du *d, const struct rb_dest *dst)
{
	struct du_flow *f;

	if (d->n_flows >= DU_FLOWS_MAX) {
		struct du_flow *lru = NULL;

		for (f = d->flows; f; f = f->next)
			if (!f->resolving)
				lru = f;
		if (lru == NULL)
			return NULL;
		du_flow_free(lru, RB_DROP_PROXY_UDP_NO_ROUTE); /* holds nothing */
	}
	f = calloc(1, sizeof(*f));
	if (f == NULL)
		return NULL;
	f->d = d;
	f->dst = *dst;
	f->next = d->flows;
	d->flows = f;
	d->n_flows++;
	return f;
}

static int direct_open(struct udp_nat *n, uint16_t ob)
{
	struct du *d = calloc(1, sizeof(*d));

	(void)ob;
	if (d == NULL)
		return -ENOMEM;
	d->n = n;
	*proxy_udp_nat_state(n) = d;
	return 0;
}

static int direct_send(struct udp_nat *n, struct rte_mbuf *m, const struct rb_dest *dst)
{
	struct du *d = *proxy_udp_nat_state(n);
	struct rb_lcore *lc = proxy_udp_nat_lcore(n);
	struct du_flow *f, **pp;
	int rc;

	for (pp = &d->flows; *pp; pp = &(*pp)->next)
		if (du_dest_equal(&(*pp)->dst, dst))
			break;
	f = *pp;
	if (f != NULL) {
		if (f->resolving) {
			if (f->n_pend == DU_PEND_MAX) {
				rb_drop(lc, m, RB_DROP_PROXY_UDP_PENDING);
				return -ENOBUFS;
			}
			f->pend[f->n_pend++] = m;
			return 0;
		}
		if (pp != &d->flows) { /* most recently used first */
			*pp = f->next;
			f->next = d->flows;
			d->flows = f;
		}
		return udp_send(f->sock, m, NULL);
	}
	f = du_flow_new(d, dst);
	if (f == NULL) {
		rb_drop(lc, m, RB_DROP_PROXY_UDP_TABLE_FULL);
		return -ENOMEM;
	}
	if (dst->family != 0) {
		rc = du_flow_open(f, dst->family, dst->addr);
		if (rc != 0) {
			du_flow_free(f, RB_DROP_PROXY_UDP_NO_ROUTE);
			rb_drop(lc, m, RB_DROP_PROXY_UDP_NO_ROUTE);
			return rc;
		}
		return udp_send(f->sock, m, NULL);
	}
	/* a domain: resolved once for this flow (the answer may come at once,
	 * from the cache: du_resolved then sends, or frees f) */
	f->pend[f->n_pend++] = m;
	f->resolving = 1;
	rc = rb_resolve_start(lc, dst->domain, proxy_udp_nat_strategy(n), du_resolved, f);
	if (rc < 0) {
		f->resolving = 0;
		du_flow_free(f, RB_DROP_PROXY_UDP_NO_ROUTE);
		return -EHOSTUNREACH;
	}
	return 0;
}

static void direct_close(struct udp_nat *n)
{
	void **st = proxy_udp_nat_state(n);
	struct du *d = *st;

	if (d == NULL)
		return;
	while (d->flows)
		du_flow_free(d->flows, RB_DROP_PROXY_UDP_PENDING);
	free(d);
	*st = NULL;
}

const struct rb_udp_outbound_ops proxy_udp_out_direct = {
	.name = "direct",
	.open = direct_open,
	.send = direct_send,
	.close = direct_close,
};
