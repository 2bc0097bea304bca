/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Terminated mode, UDP (wg_term.h): a decrypted UDP datagram of a
 * terminated endpoint to an address that is not ours opens (or reuses) a
 * NAT session keyed by its 4-tuple, on the worker that decrypted it (the
 * peer's owner).  A session is routed once (route rules see inbound = the
 * endpoint tag, network udp).  Through `direct` it sends from its own
 * socket (udp_open: a local port whose replies hash back to this worker);
 * through any other outbound it drives that outbound's UDP ops
 * (../proxy/udp_out.h, proxy_udp_host_open: block refuses, socks relays
 * over UDP ASSOCIATE, ...).  A reply is rebuilt as a UDP datagram from the original
 * destination to the peer's address and handed to IP output, which routes
 * it into the tunnel (the peer's allowed IPs).
 *
 * Each session is also a proxy session (proxy_sess_open, state PS_UDP): a
 * row in the connections table (`ringboxctl conns`: network udp, inbound =
 * the endpoint tag, the rule and outbound that routed it, bytes both ways)
 * and the proxy's per-inbound/outbound/rule counters and UDP session count
 * (/metrics), like the SOCKS5 UDP relay's sessions.  `conns close` frees it
 * through the inbound's release.
 *
 * The direct outbound's override_address / override_port apply (as the
 * proxy inbounds' UDP); a domain there is resolved before the socket opens
 * (unat_resolved), up to WG_UNAT_PEND datagrams waiting.
 *
 * Bounded: WG_UNAT_MAX sessions per worker (refusals counted); idle
 * sessions end like sing-box's UDP (destination port 53: 10 s, 443: 30 s,
 * else 5 min), checked every 500 ms from the WireGuard poll.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <rte_ip.h>
#include <rte_udp.h>

#include "../net/cksum.h"
#include "../net/ip6.h"
#include "../net/nd_wire.h"
#include "../proxy/proxy_priv.h"
#include "../proxy/udp_out.h"
#include "../udp/udp.h"
#include "term_parse.h"
#include "wg_dp.h"
#include "wg_term.h"

#define WG_UNAT_MAX     2048          /* sessions per worker */
#define WG_UNAT_BUCKETS 1024
#define WG_UNAT_SCAN_MS 500
#define WG_UNAT_PEND    4             /* datagrams held while a domain resolves */

struct wg_unat {
	struct wg_unat *next;             /* hash chain; free list when unused */
	struct wg_unat_lc *u;
	struct udp_sock *sock;            /* toward the destination (direct) */
	struct udp_nat *up;               /* or through another outbound's UDP ops */
	struct psess *ps;                 /* its proxy session (connections table) */
	struct rb_dest to;                /* direct: where it sends (a domain until resolved) */
	struct rte_mbuf *pend[WG_UNAT_PEND];  /* datagrams waiting for the resolution */
	uint8_t n_pend, resolving, resolve_err;
	uint8_t used, family, ep;         /* ep: the endpoint it came through */
	uint8_t src[16], dst[16];         /* the peer's inner address, the destination */
	uint16_t sport, dport;            /* host order */
	uint64_t last, idle;              /* TSC */
};

struct wg_unat_lc {
	struct rb_lcore *lc;
	struct wg_unat *bucket[WG_UNAT_BUCKETS];
	struct wg_unat *free;
	struct rb_conn_worker *wk;        /* the proxy's counters of this worker */
	uint64_t next_scan;
	uint16_t inbound[RB_WG_MAX_ENDPOINTS]; /* proxy inbound index per endpoint, 0xffff none */
	struct wg_unat sess[WG_UNAT_MAX];
};

static struct wg_unat_lc *unat[RB_MAX_WORKERS];

static unsigned alen(int family)
{
	return family == AF_INET ? 4 : 16;
}

static unsigned bucket_of(int family, const uint8_t *src, const uint8_t *dst, uint16_t sport,
			  uint16_t dport)
{
	uint32_t h = (uint32_t)sport * 2654435761u ^ (uint32_t)dport * 40503u ^ (uint32_t)family;

	for (unsigned i = 0; i < alen(family); i++)
		h = (h ^ src[i]) * 16777619u ^ dst[i];
	return h % WG_UNAT_BUCKETS;
}

static void unat_free(struct wg_unat_lc *u, struct wg_unat *s);
static void unat_resolved(void *arg, int family, const uint8_t *addr, int err);

int wg_term_udp_enable(struct rb_lcore *lc, unsigned ep, int on)
{
	const struct rb_cfg_proxy *p = lc->dp->cfg->proxy;
	const struct rb_cfg_wgs *w = lc->dp->cfg->wg;
	struct wg_unat_lc *u = unat[lc->worker];

	if (lc->worker >= RB_MAX_WORKERS || ep >= RB_WG_MAX_ENDPOINTS || w == NULL)
		return -EINVAL;
	if (u == NULL && on) {
		u = calloc(1, sizeof(*u));
		if (u == NULL)
			return -ENOMEM;
		u->lc = lc;
		for (int i = 0; i < RB_WG_MAX_ENDPOINTS; i++)
			u->inbound[i] = 0xffff;
		for (int i = WG_UNAT_MAX - 1; i >= 0; i--) {
			u->sess[i].u = u;
			u->sess[i].next = u->free;
			u->free = &u->sess[i];
		}
		unat[lc->worker] = u;
	}
	if (u == NULL)
		return 0;
	if (on) {
		int in = rb_cfg_inbound_find(p, w->ep[ep].tag);

		u->inbound[ep] = in < 0 ? 0xffff : (uint16_t)in;
		return in < 0 ? -ENOENT : 0;
	}
	u->inbound[ep] = 0xffff;
	for (int i = 0; i < RB_WG_MAX_ENDPOINTS; i++)
		if (u->inbound[i] != 0xffff)
			return 0;
	/* the last endpoint went: every session ends */
	for (int i = 0; i < WG_UNAT_MAX; i++)
		if (u->sess[i].used)
			unat_free(u, &u->sess[i]);
	unat[lc->worker] = NULL;
	free(u);
	return 0;
}

static void unat_free(struct wg_unat_lc *u, struct wg_unat *s)
{
	struct wg_unat **pp = &u->bucket[bucket_of(s->family, s->src, s->dst, s->sport, s->dport)];
	struct psess *ps = s->ps;

	while (*pp && *pp != s)
		pp = &(*pp)->next;
	if (*pp)
		*pp = s->next;
	if (ps != NULL) {
		ps->xin = NULL;           /* no release back into here */
		proxy_sess_free(ps);
	}
	if (u->wk != NULL && u->wk->udp_sessions > 0)
		u->wk->udp_sessions--;
	if (s->resolving)
		rb_resolve_cancel(u->lc, unat_resolved, s);
	for (int i = 0; i < s->n_pend; i++)
		rte_pktmbuf_free(s->pend[i]);
	udp_close(s->sock);
	proxy_udp_host_close(s->up);
	memset(s, 0, sizeof(*s));
	s->u = u;
	s->next = u->free;
	u->free = s;
}

/* The proxy ends the session (`conns close`, proxy shutdown): the NAT entry goes. */
static void unat_release(struct psess *ps)
{
	struct wg_unat *s = ps->xin;

	ps->xin = NULL;
	if (s == NULL || !s->used)
		return;
	s->ps = NULL;
	unat_free(s->u, s);
}

static const struct rb_inbound_ops unat_ops = {
	.name = "wireguard-udp",
	.release = unat_release,
};

/* A reply from the destination: back to the peer from the address it sent to. */
static void unat_deliver(struct wg_unat *s, struct rte_mbuf *m)
{
	struct rb_lcore *lc = s->u->lc;
	uint16_t len = (uint16_t)(rte_pktmbuf_pkt_len(m) + sizeof(struct rte_udp_hdr));
	const struct rb_cfg_wgs *cw = lc->dp->cfg->wg;
	unsigned mtu = cw && s->ep < cw->n ? cw->ep[s->ep].mtu : 0;
	struct rte_udp_hdr *uh;

	/* a reply reassembled from fragments stays a chain: the tunnel's
	 * output fragments it (IPv4), or we do as its source (IPv6) */
	if (rte_pktmbuf_pkt_len(m) > 65507) {
		rb_drop(lc, m, RB_DROP_NO_MBUF);
		return;
	}
	uh = (struct rte_udp_hdr *)rte_pktmbuf_prepend(m, sizeof(*uh));
	if (uh == NULL) {
		rb_drop(lc, m, RB_DROP_NO_MBUF);
		return;
	}
	s->last = lc->now;
	if (s->ps != NULL)
		proxy_count_bytes(s->ps, 0, (uint32_t)(len - sizeof(*uh)));
	uh->src_port = rte_cpu_to_be_16(s->dport);
	uh->dst_port = rte_cpu_to_be_16(s->sport);
	uh->dgram_len = rte_cpu_to_be_16(len);
	uh->dgram_cksum = 0;
	rb_count(lc, RB_EV_WG_UDP_REPLY);
	if (s->family == AF_INET) {
		uint32_t a, b;
		uint16_t sum = 0;

		/* RFC 768: the pseudo-header (addresses, protocol, length), then
		 * the datagram over its segments; zero is sent as all ones */
		rb_cksum_mbuf(m, 0, len, &sum);
		sum = rb_cksum_fold((uint64_t)sum + rb_raw_sum(s->dst, 4) + rb_raw_sum(s->src, 4) +
				    rte_cpu_to_be_16(IPPROTO_UDP) + rte_cpu_to_be_16(len));
		sum = (uint16_t)~sum;
		uh->dgram_cksum = sum ? sum : 0xffff;
		memcpy(&a, s->dst, 4);
		memcpy(&b, s->src, 4);
		rb_ip4_output(lc, m, a, b, IPPROTO_UDP, 0, 0);
	} else {
		uint16_t sum = (uint16_t)~rb_ip6_sum_mbuf(s->dst, s->src, IPPROTO_UDP, m, 0, len);

		uh->dgram_cksum = sum ? sum : 0xffff; /* RFC 8200 8.1: never zero */
		if (mtu >= 1280 && (uint32_t)len + RB_IP6_HDR_LEN > mtu)
			wg_term_send6_frags(lc, m, mtu, s->dst, s->src, IPPROTO_UDP);
		else
			rb_ip6_output(lc, m, s->dst, s->src, IPPROTO_UDP, 0);
	}
}

static void unat_reply(struct udp_sock *sock, struct rte_mbuf *m, const struct udp_peer *from,
		       void *arg)
{
	(void)sock;
	(void)from;
	unat_deliver(arg, m);
}

/* Through a UDP outbound (udp_out.h): replies name their sender (the
 * destination, or what a SOCKS server reports); the peer is answered from
 * the address it sent to, as for direct. */
static void unat_up_recv(void *arg, struct rte_mbuf *m, const struct rb_dest *from)
{
	(void)from;
	unat_deliver(arg, m);
}

/* The outbound's upstream failed or closed: the session ends. */
static void unat_up_gone(void *arg, int err)
{
	struct wg_unat *s = arg;

	(void)err;
	rb_count(s->u->lc, RB_EV_WG_UDP_EXPIRED);
	unat_free(s->u, s);
}

static const struct proxy_udp_host unat_host = {
	.recv = unat_up_recv,
	.gone = unat_up_gone,
};

/* Route a new session: 0, or the drop reason. */
static int unat_route(struct wg_unat_lc *u, unsigned ep, struct wg_unat *s, struct rb_dest *to,
		      struct rb_route_result *resp)
{
	const struct rb_cfg_proxy *p = u->lc->dp->cfg->proxy;
	struct rb_route_result res;
	struct rb_route_req rq;
	const struct rb_cfg_inbound *in;
	const struct rb_cfg_outbound *o;

	memset(&rq, 0, sizeof(rq));
	memset(&res, 0, sizeof(res));
	rq.inbound = u->inbound[ep];
	rq.network = RB_NET_UDP;
	rq.src_family = s->family;
	memcpy(rq.src_addr, s->src, 16);
	rq.src_port = s->sport;
	rq.dst.family = s->family;
	memcpy(rq.dst.addr, s->dst, 16);
	rq.dst.port = s->dport;
	if (rb_route_match(u->lc, &rq, &res) < 0 || res.action == RB_ACT_REJECT ||
	    res.outbound >= p->n_outbounds)
		return RB_DROP_WG_UDP_REJECTED;
	*to = rq.dst;
	if (res.override_family) {
		to->family = res.override_family;
		memcpy(to->addr, res.override_addr, 16);
	}
	if (res.override_port)
		to->port = res.override_port;
	/* the direct outbound's own override_address / override_port, as for
	 * the proxy inbounds' UDP (udp_relay.c) and TCP (proxy_out.c) */
	o = &p->outbounds[res.outbound];
	if (o->type == RB_OUT_DIRECT && o->override_address.name[0])
		proxy_cfg_host_dest(&o->override_address, to->port, to);
	if (o->type == RB_OUT_DIRECT && o->override_port)
		to->port = o->override_port;
	/* a domain (direct's override_address) is resolved before the
	 * session's socket opens (unat_resolved); other outbounds take it as
	 * they do.  The family may change: replies are rebuilt in the
	 * session's own. */
	*resp = res;
	in = &p->inbounds[u->inbound[ep]];
	s->idle = u->lc->dp->tsc_hz *
		  (s->dport == 53 ? 10 : s->dport == 443 ? 30 : (in->udp_timeout_s ? in->udp_timeout_s : 300));
	return 0;
}

/* The new session's proxy session: routed (counted on its outbound and
 * rule), shown as a UDP row from the peer to the destination. */
static void unat_attach(struct wg_unat *s, const struct rb_route_result *res,
			const struct rb_dest *to)
{
	struct psess *ps = s->ps;
	const unsigned al = alen(s->family);

	ps->state = PS_UDP;
	ps->in_ops = &unat_ops;
	ps->xin = s;
	ps->req.cmd = RB_CMD_UDP_ASSOCIATE;
	ps->req.dst.family = s->family;
	memcpy(ps->req.dst.addr, s->dst, al);
	ps->req.dst.port = s->dport;
	ps->target = *to;
	ps->route = *res;
	ps->outbound = res->outbound;
	proxy_count_routed(ps);
	proxy_info_update(ps, RB_CONN_UDP);
	s->u->wk = ps->pl->wk;
	s->u->wk->udp_sessions++;
}

bool wg_term_udp_input(struct rb_lcore *lc, unsigned ep, struct rte_mbuf *m,
		       const struct wg_term_pkt *p)
{
	struct wg_unat_lc *u = lc->worker < RB_MAX_WORKERS ? unat[lc->worker] : NULL;
	const uint8_t *ip = rte_pktmbuf_mtod(m, const uint8_t *);
	int family = p->v4 ? AF_INET : AF_INET6;
	const uint8_t *src = p->v4 ? ip + 12 : ip + 8, *dst = p->v4 ? ip + 16 : ip + 24;
	uint16_t sport = p->sport, dport = p->dport;
	struct rb_route_result res;
	struct wg_unat *s;
	struct rb_dest to;
	unsigned b;
	int err, why;

	if (u == NULL || ep >= RB_WG_MAX_ENDPOINTS || u->inbound[ep] == 0xffff)
		return false;
	b = bucket_of(family, src, dst, sport, dport);
	for (s = u->bucket[b]; s; s = s->next)
		if (s->family == family && s->sport == sport && s->dport == dport &&
		    memcmp(s->src, src, alen(family)) == 0 && memcmp(s->dst, dst, alen(family)) == 0)
			break;
	if (s == NULL) {
		if (u->free == NULL) {
			rb_drop(lc, m, RB_DROP_WG_UDP_FULL);
			return true;
		}
		s = u->free;
		u->free = s->next;
		memset(s, 0, sizeof(*s));
		s->u = u;
		s->family = (uint8_t)family;
		s->ep = (uint8_t)ep;
		memcpy(s->src, src, alen(family));
		memcpy(s->dst, dst, alen(family));
		s->sport = sport;
		s->dport = dport;
		why = unat_route(u, ep, s, &to, &res);
		if (why == 0) {
			/* its row in the connections table; a full table refuses it */
			s->ps = proxy_sess_open(lc, u->inbound[ep], family, src, sport);
			if (s->ps == NULL)
				why = RB_DROP_WG_UDP_FULL;
		}
		if (why == 0 && lc->dp->cfg->proxy->outbounds[res.outbound].type == RB_OUT_DIRECT &&
		    to.family == 0) {
			/* a domain: resolve it first, the datagrams wait */
			s->to = to;
			s->resolving = 1;
			if (rb_resolve_start(lc, to.domain, res.resolve_strategy, unat_resolved, s) < 0) {
				s->resolving = 0;
				why = RB_DROP_WG_UDP_REJECTED;
			} else if (!s->resolving) {
				/* answered at once (cached) */
				if (!s->resolve_err)
					s->sock = udp_open(lc, s->to.family, s->to.addr, s->to.port,
							   unat_reply, s, &err);
				if (s->sock == NULL)
					why = RB_DROP_WG_UDP_REJECTED;
			}
		} else if (why == 0 &&
			   lc->dp->cfg->proxy->outbounds[res.outbound].type == RB_OUT_DIRECT) {
			s->sock = udp_open(lc, to.family, to.addr, to.port, unat_reply, s, &err);
			if (s->sock == NULL)
				why = RB_DROP_WG_UDP_REJECTED;
		} else if (why == 0) {
			/* block (-EACCES), socks, shadowsocks, ...: udp_out.h */
			s->up = proxy_udp_host_open(lc, lc->dp->cfg->proxy, res.outbound, &to,
						    &unat_host, s, &err);
			if (s->up == NULL)
				why = RB_DROP_WG_UDP_REJECTED;
		}
		if (why != 0) {
			if (s->ps != NULL)
				proxy_sess_free(s->ps);
			s->ps = NULL;
			s->next = u->free;
			u->free = s;
			rb_drop(lc, m, (enum rb_drop)why);
			return true;
		}
		unat_attach(s, &res, &to);
		s->used = 1;
		s->next = u->bucket[b];
		u->bucket[b] = s;
		rb_count(lc, RB_EV_WG_UDP_SESSIONS);
	}
	s->last = lc->now;
	rte_pktmbuf_adj(m, (uint16_t)(p->hl + sizeof(struct rte_udp_hdr)));
	rte_pktmbuf_trim(m, (uint16_t)(rte_pktmbuf_pkt_len(m) -
				       (p->ulen - sizeof(struct rte_udp_hdr))));
	rb_count(lc, RB_EV_WG_UDP_FORWARDED);
	proxy_count_bytes(s->ps, 1, rte_pktmbuf_pkt_len(m));
	if (s->sock == NULL && s->up == NULL) {
		/* still resolving (unat_resolved sends these) */
		if (s->n_pend == WG_UNAT_PEND)
			rb_drop(lc, m, RB_DROP_PROXY_UDP_PENDING);
		else
			s->pend[s->n_pend++] = m;
		return true;
	}
	if (s->up != NULL)
		proxy_udp_host_send(s->up, m);
	else
		udp_send(s->sock, m, NULL);
	return true;
}

/* The override domain of a direct session resolved (or failed: the
 * session ends, counted as expired). */
static void unat_resolved(void *arg, int family, const uint8_t *addr, int err)
{
	struct wg_unat *s = arg;
	struct wg_unat_lc *u = s->u;
	int e = 0;

	s->resolving = 0;
	if (err == 0) {
		s->to.family = (uint8_t)family;
		memcpy(s->to.addr, addr, family == AF_INET ? 4 : 16);
	}
	if (!s->used) {
		/* from inside rb_resolve_start (cached): the caller opens it */
		s->resolve_err = err != 0;
		return;
	}
	if (err == 0) {
		s->sock = udp_open(u->lc, family, s->to.addr, s->to.port, unat_reply, s, &e);
	}
	if (s->sock == NULL) {
		rb_count(u->lc, RB_EV_WG_UDP_EXPIRED);
		unat_free(u, s);
		return;
	}
	if (s->ps != NULL) {
		s->ps->target = s->to;
		proxy_info_update(s->ps, RB_CONN_UDP);
	}
	for (int i = 0; i < s->n_pend; i++)
		udp_send(s->sock, s->pend[i], NULL);
	s->n_pend = 0;
}

void wg_term_udp_poll(struct rb_lcore *lc)
{
	struct wg_unat_lc *u = lc->worker < RB_MAX_WORKERS ? unat[lc->worker] : NULL;

	if (u == NULL || lc->now < u->next_scan)
		return;
	u->next_scan = lc->now + lc->dp->tsc_hz / 1000 * WG_UNAT_SCAN_MS;
	for (int i = 0; i < WG_UNAT_MAX; i++) {
		struct wg_unat *s = &u->sess[i];

		if (s->used && (lc->now - s->last > s->idle ||
				(s->up != NULL && proxy_udp_host_expired(s->up)))) {
			rb_count(lc, RB_EV_WG_UDP_EXPIRED);
			unat_free(u, s);
		}
	}
}
