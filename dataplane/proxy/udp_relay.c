/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * SOCKS5 UDP ASSOCIATE (RFC 1928 section 7) and the UDP NAT sessions behind
 * it, on the worker lcore that owns the association's TCP connection.
 *
 *   client --TCP--> socks/mixed inbound: UDP ASSOCIATE
 *          <-TCP--  reply: BND.ADDR:BND.PORT = the relay port bound here
 *   client --UDP--> relay port: RSV RSV FRAG ATYP DST.ADDR DST.PORT DATA
 *                   -> NAT session (the association's client source port,
 *                      any destination): routed once, by its first
 *                      datagram (network udp), as sing-box routes a packet
 *                      connection; it owns ONE upstream of the routed
 *                      outbound (udp_out.h: a socks UDP ASSOCIATE, a
 *                      shadowsocks socket, direct's per-destination
 *                      sockets), which carries DATA to every destination
 *                      the client names
 *   client <-UDP--  relay port: header with the replying address + DATA
 *
 * Sessions are bounded per lcore (PROXY_UDP_SESS_PER_LCORE; refusals
 * counted), end after an idle time like sing-box's (by the first
 * destination's port: 53, 123, 3478: 10 s, 443: 30 s, otherwise the
 * inbound's udp_timeout, default 5 min; the inbound's value wins when
 * shorter), and all end with the association's TCP connection; a session
 * that ends closes its upstream.  Only datagrams from the client's address
 * (and, when the request announced one, its port) are accepted.  Fragments
 * (FRAG != 0) are dropped and counted; an outbound without UDP ops drops
 * and counts them.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <rte_mbuf.h>

#include "../rb_log.h"
#include "../udp/udp.h"
#include "proxy_priv.h"
#include "socks_wire.h"
#include "udp_out.h"
#include "udp_policy.h"

#define UDP_PENDING_MAX   4       /* datagrams held while the upstream opens */
#define UDP_HDR_MAX       (4 + 1 + RB_DOMAIN_MAX + 2)

struct udp_nat {
	LIST_ENTRY(udp_nat) link;       /* in its association */
	struct proxy_udp_assoc *a;
	const struct rb_udp_outbound_ops *ops;
	void *ostate;                   /* the outbound's upstream (udp_out.h) */
	uint16_t cport;                 /* the client's UDP source port (the key) */
	uint16_t outbound, rule_slot;
	uint8_t opening;                /* open() answered 1: waiting for ready */
	uint8_t opened;                 /* open() succeeded: close() owed */
	uint8_t n_pend;
	uint8_t strategy;               /* enum rb_resolve_strategy of the route */
	uint8_t ovr_family;             /* the rule's override_address (0: none) */
	uint16_t ovr_port;              /* the rule's override_port (0: none) */
	uint8_t ovr_addr[16];
	struct rb_dest dst;             /* the first datagram's destination (route, conns) */
	struct rb_dest to;              /* its target after overrides; a host session's only one */
	uint64_t last, idle;            /* TSC */
	uint64_t open_deadline;         /* TSC, while opening */
	/* while opening: an association's datagrams whole (SOCKS header kept:
	 * each names its destination), a host session's payloads */
	struct rte_mbuf *pend[UDP_PENDING_MAX];
	/* a session of another NAT layer (proxy_udp_host_open), a == NULL */
	const struct proxy_udp_host *host;
	void *harg;
	struct rb_lcore *hlc;
	const struct rb_cfg_proxy *hcfg;
};

struct proxy_udp_assoc {
	struct psess *s;
	struct udp_sock *sock;          /* the relay port, toward the client */
	int family;
	uint8_t caddr[16];              /* the client's address */
	uint16_t cport;                 /* announced source port, 0 = any */
	uint8_t laddr[16];              /* ours (the TCP connection's local address) */
	uint16_t ifport;                /* port the client's datagrams arrive on */
	LIST_HEAD(, udp_nat) nats;
};

static unsigned alen(int family)
{
	return family == AF_INET6 ? 16 : 4;
}

/* ------------------------------------------------------------ counters */

static void nat_count(struct udp_nat *n, int upward, uint32_t len)
{
	struct psess *s = n->a->s;
	struct rb_conn_worker *wk = s->pl->wk;

	rb_count(s->pl->lc, upward ? RB_EV_PROXY_UDP_UP : RB_EV_PROXY_UDP_DOWN);
	if (upward) {
		s->bytes_up += len;
		wk->in[s->inbound].bytes_up += len;
		wk->out[n->outbound].bytes_up += len;
		wk->rules[n->rule_slot].bytes_up += len;
		if (s->info)
			s->info->bytes_up = s->bytes_up;
	} else {
		s->bytes_down += len;
		wk->in[s->inbound].bytes_down += len;
		wk->out[n->outbound].bytes_down += len;
		wk->rules[n->rule_slot].bytes_down += len;
		if (s->info)
			s->info->bytes_down = s->bytes_down;
	}
}

/* ------------------------------------------------------------ sessions */

static void nat_free(struct udp_nat *n)
{
	struct psess *s = n->a->s;
	struct proxy_lcore *pl = s->pl;

	if (n->opened || n->opening)
		n->ops->close(n);
	n->opened = n->opening = 0;
	for (int i = 0; i < n->n_pend; i++)
		rb_drop(pl->lc, n->pend[i], RB_DROP_PROXY_UDP_PENDING);
	LIST_REMOVE(n, link);
	pl->wk->out[n->outbound].active--;
	pl->wk->rules[n->rule_slot].active--;
	pl->wk->udp_sessions--;
	pl->n_udp--;
	free(n);
}

static uint64_t idle_tsc(const struct psess *s, uint16_t port)
{
	const struct rb_cfg_inbound *in = &s->pl->cfg->inbounds[s->inbound];

	return s->pl->lc->dp->tsc_hz * rb_udp_idle_s(port, in->udp_timeout_s);
}

/* Where a datagram for dst goes: the route's overrides, then the direct
 * outbound's own (override_address, override_port), as for TCP. */
static void nat_target(const struct udp_nat *n, const struct rb_dest *dst, struct rb_dest *to)
{
	const struct rb_cfg_outbound *o = &n->a->s->pl->cfg->outbounds[n->outbound];

	*to = *dst;
	if (n->ovr_family) {
		to->family = n->ovr_family;
		memcpy(to->addr, n->ovr_addr, 16);
		to->domain[0] = '\0';
	}
	if (n->ovr_port)
		to->port = n->ovr_port;
	if (o->type == RB_OUT_DIRECT && o->override_address.name[0])
		proxy_cfg_host_dest(&o->override_address, to->port, to);
	if (o->type == RB_OUT_DIRECT && o->override_port)
		to->port = o->override_port;
}

/* Send m (payload only) toward dst (as the client named it) through the
 * session's upstream. */
static void nat_send(struct udp_nat *n, struct rte_mbuf *m, const struct rb_dest *dst)
{
	struct rb_lcore *lc = n->a->s->pl->lc;
	uint32_t len = rte_pktmbuf_pkt_len(m);
	struct rb_dest to;

	n->last = lc->now;
	nat_target(n, dst, &to);
	if (n->ops->send(n, m, &to) != 0) {
		rb_count(lc, RB_EV_PROXY_UDP_SEND_FAIL);
		return;
	}
	nat_count(n, 1, len);
}

static enum rb_drop open_drop_reason(int err)
{
	if (err == -EACCES)
		return RB_DROP_PROXY_UDP_REJECTED;
	if (err == -EOPNOTSUPP || err == -ENOTSUP)
		return RB_DROP_PROXY_UDP_UNSUPPORTED;
	return RB_DROP_PROXY_UDP_NO_ROUTE;
}

/* The session ends before it carried anything: drop what waited. */
static void nat_abort(struct udp_nat *n, int err)
{
	struct proxy_lcore *pl = n->a->s->pl;

	if (err != -EACCES && err != -EOPNOTSUPP && n->outbound < RB_CONN_MAX_TAGS) {
		rb_count(pl->lc, RB_EV_PROXY_DIAL_FAIL);
		pl->wk->out[n->outbound].dial_fail++;
	}
	for (int i = 0; i < n->n_pend; i++)
		rb_drop(pl->lc, n->pend[i], open_drop_reason(err));
	n->n_pend = 0;
	nat_free(n);
}

static int udp_parse_header(struct rb_lcore *lc, struct rte_mbuf *m, struct rb_dest *addr);

/* The upstream is open: send what waited (whole datagrams, each with the
 * header naming its destination). */
static void nat_flush(struct udp_nat *n)
{
	struct rb_lcore *lc = n->a->s->pl->lc;
	struct rte_mbuf *pend[UDP_PENDING_MAX];
	int k = n->n_pend;

	memcpy(pend, n->pend, sizeof(pend));
	n->n_pend = 0;
	for (int i = 0; i < k; i++) {
		struct rb_dest dst;
		int hl = udp_parse_header(lc, pend[i], &dst); /* parsed once already */

		if (hl < 0)
			continue;
		rte_pktmbuf_adj(pend[i], (uint16_t)hl);
		nat_send(n, pend[i], &dst);
	}
}

/* Routed: open the session's upstream (its outbound's UDP ops), flush what
 * waited.  Returns 0, or < 0 with the session freed. */
static int nat_open(struct udp_nat *n)
{
	struct proxy_lcore *pl = n->a->s->pl;
	const struct rb_cfg_outbound *o = &pl->cfg->outbounds[n->outbound];
	int rc = n->ops->open(n, n->outbound);

	if (rc < 0) {
		nat_abort(n, rc);
		return rc;
	}
	if (rc > 0) {
		n->opening = 1;
		n->open_deadline = pl->lc->now +
				   proxy_ms_tsc(pl, o->connect_timeout_ms ? o->connect_timeout_ms : 5000);
		return 0;
	}
	n->opened = 1;
	nat_flush(n);
	return 0;
}

/* A host's session failed or closed upstream: free the outbound's state
 * first, then tell the host (which frees n, maybe from inside). */
static void host_gone(struct udp_nat *n, int err)
{
	if (n->opened || n->opening)
		n->ops->close(n);
	n->opened = n->opening = 0;
	n->host->gone(n->harg, err);
}

void proxy_udp_out_ready(struct udp_nat *n, int err)
{
	if (!n->opening)
		return;
	if (n->host != NULL) {
		if (err < 0) {
			host_gone(n, err);
			return;
		}
		struct rte_mbuf *pend[UDP_PENDING_MAX];
		int k = n->n_pend;

		n->opening = 0;
		n->opened = 1;
		memcpy(pend, n->pend, sizeof(pend));
		n->n_pend = 0;
		for (int i = 0; i < k; i++)
			(void)proxy_udp_host_send(n, pend[i]); /* counts its failures */
		if (n->host->ready)
			n->host->ready(n->harg);
		return;
	}
	n->opening = 0;
	if (err < 0) {
		n->opened = 1; /* close() frees what open() made */
		nat_abort(n, err);
		return;
	}
	n->opened = 1;
	n->last = n->a->s->pl->lc->now;
	nat_flush(n);
}

void proxy_udp_out_closed(struct udp_nat *n)
{
	if (n->host != NULL) {
		host_gone(n, -ECONNRESET);
		return;
	}
	if (n->opening) {
		proxy_udp_out_ready(n, -ECONNRESET);
		return;
	}
	nat_free(n);
}

struct rb_lcore *proxy_udp_nat_lcore(const struct udp_nat *n)
{
	return n->host != NULL ? n->hlc : n->a->s->pl->lc;
}

const struct rb_cfg_proxy *proxy_udp_nat_cfg(const struct udp_nat *n)
{
	return n->host != NULL ? n->hcfg : n->a->s->pl->cfg;
}

const struct rb_dest *proxy_udp_nat_target(const struct udp_nat *n)
{
	return &n->to;
}

int proxy_udp_nat_single(const struct udp_nat *n)
{
	return n->host != NULL;
}

void **proxy_udp_nat_state(struct udp_nat *n)
{
	return &n->ostate;
}

uint8_t proxy_udp_nat_strategy(const struct udp_nat *n)
{
	return n->strategy;
}

/* Route a new session (network udp); 0, or the drop reason. */
static int nat_route(struct udp_nat *n, struct rb_route_result *res)
{
	struct psess *s = n->a->s;
	const struct rb_cfg_proxy *p = s->pl->cfg;
	const struct rb_cfg_outbound *o;
	struct rb_route_req rq;

	memset(&rq, 0, sizeof(rq));
	memset(res, 0, sizeof(*res));
	rq.inbound = s->inbound;
	rq.network = RB_NET_UDP;
	memcpy(rq.user, s->req.user, sizeof(rq.user));
	rq.src_family = (uint8_t)n->a->family;
	memcpy(rq.src_addr, n->a->caddr, 16);
	rq.src_port = n->cport;
	rq.dst = n->dst;
	if (rb_route_match(s->pl->lc, &rq, res) < 0)
		return RB_DROP_PROXY_UDP_REJECTED;
	if (res->action == RB_ACT_REJECT || res->outbound >= p->n_outbounds ||
	    res->outbound >= RB_CONN_MAX_TAGS) {
		s->pl->wk->rules[rb_conn_rule_slot(res->rule)].conns++;
		return RB_DROP_PROXY_UDP_REJECTED;
	}
	o = &p->outbounds[res->outbound];
	/* block's ops refuse at open (-EACCES): counted as routed there */
	n->ops = o->type >= 0 && o->type < RB_OUT_TYPE_MAX ? proxy_udp_outbound_ops[o->type] : NULL;
	if (n->ops == NULL || o->network == RB_CFG_NET_TCP)
		return RB_DROP_PROXY_UDP_UNSUPPORTED;
	n->outbound = res->outbound;
	n->rule_slot = (uint16_t)rb_conn_rule_slot(res->rule);
	n->strategy = res->resolve_strategy;
	if (res->override_family) {
		n->ovr_family = res->override_family;
		memcpy(n->ovr_addr, res->override_addr, 16);
	}
	n->ovr_port = res->override_port;
	nat_target(n, &n->dst, &n->to);
	return 0;
}

/* A new session for the client port, routed by its first datagram (to
 * dst); NULL when refused (m dropped). */
static struct udp_nat *nat_new(struct proxy_udp_assoc *a, uint16_t cport,
			       const struct rb_dest *dst, struct rte_mbuf *m)
{
	struct psess *s = a->s;
	struct proxy_lcore *pl = s->pl;
	struct rb_route_result res;
	struct udp_nat *n;
	int why;

	if (pl->n_udp >= PROXY_UDP_SESS_PER_LCORE) {
		rb_drop(pl->lc, m, RB_DROP_PROXY_UDP_TABLE_FULL);
		return NULL;
	}
	n = calloc(1, sizeof(*n));
	if (n == NULL) {
		rb_drop(pl->lc, m, RB_DROP_PROXY_UDP_TABLE_FULL);
		return NULL;
	}
	n->a = a;
	n->cport = cport;
	n->dst = *dst;
	why = nat_route(n, &res);
	if (why) {
		free(n);
		rb_drop(pl->lc, m, (enum rb_drop)why);
		return NULL;
	}
	n->idle = idle_tsc(s, n->to.port);
	n->last = pl->lc->now;
	LIST_INSERT_HEAD(&a->nats, n, link);
	pl->n_udp++;
	pl->wk->udp_sessions++;
	pl->wk->out[n->outbound].conns++;
	pl->wk->out[n->outbound].active++;
	pl->wk->rules[n->rule_slot].conns++;
	pl->wk->rules[n->rule_slot].active++;
	rb_count(pl->lc, RB_EV_PROXY_UDP_SESSION);
	/* the connections table shows the association's latest session */
	s->req.dst = n->dst;
	s->target = n->to;
	s->outbound = n->outbound;
	s->route.rule = res.rule;
	proxy_info_update(s, RB_CONN_UDP);
	return n;
}

/* ------------------------------------------------------------ datagrams */

/* The RFC 1928 7 header at the front of m into *addr: its length, or -1
 * with m dropped and counted. */
static int udp_parse_header(struct rb_lcore *lc, struct rte_mbuf *m, struct rb_dest *addr)
{
	uint8_t hb[UDP_HDR_MAX];
	uint32_t len = rte_pktmbuf_pkt_len(m), hlen = len < UDP_HDR_MAX ? len : UDP_HDR_MAX;
	const uint8_t *h = rte_pktmbuf_read(m, 0, hlen, hb);
	int hl;

	if (h == NULL) {
		rb_drop(lc, m, RB_DROP_PROXY_UDP_MALFORMED);
		return -1;
	}
	if (hlen >= 3 && h[0] == 0 && h[1] == 0 && h[2] != 0) {
		rb_drop(lc, m, RB_DROP_PROXY_UDP_FRAGMENT);
		return -1;
	}
	hl = rb_socks5_udp_parse(h, hlen, addr);
	if (hl < 0 || addr->port == 0) {
		rb_drop(lc, m, RB_DROP_PROXY_UDP_MALFORMED);
		return -1;
	}
	return hl;
}

int proxy_udp_strip_header(struct rb_lcore *lc, struct rte_mbuf *m, struct rb_dest *addr)
{
	int hl = udp_parse_header(lc, m, addr);

	if (hl < 0)
		return -1;
	rte_pktmbuf_adj(m, (uint16_t)hl);
	return 0;
}

/* From a destination (through the outbound): prepend the header naming
 * it, send to the client. */
void proxy_udp_out_recv(struct udp_nat *n, struct rte_mbuf *m, const struct rb_dest *src)
{
	struct proxy_udp_assoc *a = n->a;
	struct rb_lcore *lc;
	uint8_t hdr[UDP_HDR_MAX];
	struct udp_peer to;
	uint32_t len = rte_pktmbuf_pkt_len(m);
	size_t hl;
	char *p;

	if (n->host != NULL) {
		n->host->recv(n->harg, m, src);
		return;
	}
	lc = a->s->pl->lc;
	hl = rb_socks5_udp_header(src, hdr);
	p = rte_pktmbuf_prepend(m, (uint16_t)hl);
	if (p == NULL) {
		rb_drop(lc, m, RB_DROP_PROXY_UDP_NO_ROUTE);
		return;
	}
	memcpy(p, hdr, hl);
	memset(&to, 0, sizeof(to));
	to.family = a->family;
	memcpy(to.addr, a->caddr, 16);
	to.port = n->cport;
	memcpy(to.laddr, a->laddr, 16);
	to.ifport = a->ifport;
	n->last = lc->now;
	if (udp_send(a->sock, m, &to) != 0) {
		rb_count(lc, RB_EV_PROXY_UDP_SEND_FAIL);
		return;
	}
	nat_count(n, 0, len);
}

/* From the client: check, parse, find or make the session, forward. */
static void assoc_recv(struct udp_sock *sock, struct rte_mbuf *m, const struct udp_peer *from,
		       void *arg)
{
	struct proxy_udp_assoc *a = arg;
	struct rb_lcore *lc = a->s->pl->lc;
	struct rb_dest dst;
	struct udp_nat *n;
	int hl;

	(void)sock;
	if (from->family != a->family || memcmp(from->addr, a->caddr, alen(a->family)) != 0 ||
	    (a->cport && from->port != a->cport)) {
		rb_drop(lc, m, RB_DROP_PROXY_UDP_FOREIGN);
		return;
	}
	hl = udp_parse_header(lc, m, &dst);
	if (hl < 0)
		return;
	a->ifport = from->ifport;
	memcpy(a->laddr, from->laddr, 16);
	/* the session of this client port, whatever the destination */
	LIST_FOREACH(n, &a->nats, link)
		if (n->cport == from->port)
			break;
	if (n == NULL) {
		n = nat_new(a, from->port, &dst, m);
		if (n == NULL)
			return;
		n->pend[n->n_pend++] = m; /* whole: the header names its destination */
		nat_open(n);
		return;
	}
	if (n->opening) {
		if (n->n_pend == UDP_PENDING_MAX)
			rb_drop(lc, m, RB_DROP_PROXY_UDP_PENDING);
		else
			n->pend[n->n_pend++] = m;
		return;
	}
	rte_pktmbuf_adj(m, (uint16_t)hl);
	nat_send(n, m, &dst);
}

/* ------------------------------------------------------------ association */

void proxy_udp_associate(struct psess *s)
{
	struct proxy_lcore *pl = s->pl;
	struct proxy_udp_assoc *a;
	uint8_t out[32], raddr[16] = { 0 };
	uint16_t lport, rport;
	int family = 0, err = 0;
	size_t n;

	a = calloc(1, sizeof(*a));
	if (a == NULL)
		goto fail;
	LIST_INIT(&a->nats);
	a->s = s;
	tcp_get_addrs(s->cli, &family, a->laddr, &lport, raddr, &rport);
	a->family = family;
	memcpy(a->caddr, raddr, 16);
	/* RFC 1928 7: DST.ADDR/DST.PORT of the request name the client's own
	 * UDP source; zeros mean "not known yet". */
	if (s->req.dst.family == family && s->req.dst.port)
		a->cport = s->req.dst.port;
	/* A known source port lets the relay port be one whose datagrams
	 * hash to this lcore; otherwise any port (see README: several workers). */
	if (a->cport)
		a->sock = udp_bind_owned(pl->lc, family, a->laddr, a->caddr, a->cport, assoc_recv,
					 a, &err);
	else
		a->sock = udp_bind(pl->lc, family, a->laddr, 0, assoc_recv, a, &err);
	if (a->sock == NULL) {
		RB_DEBUG("proxy: UDP ASSOCIATE: cannot bind: %s", strerror(-err));
		free(a);
		goto fail;
	}
	s->udp = a;
	n = rb_socks_reply(5, SOCKS5_REP_OK, family, a->laddr, udp_sock_port(a->sock), out);
	if (proxy_send(s->cli, out, n) != 0) {
		proxy_fail(s, RB_PERR_NONE);
		return;
	}
	proxy_buf_release(s);
	free(s->early); /* bytes after the request on the TCP connection mean nothing */
	s->early = NULL;
	s->elen = 0;
	s->state = PS_UDP;
	s->deadline = 0;
	memset(&s->req.dst, 0, sizeof(s->req.dst));
	rb_count(pl->lc, RB_EV_PROXY_UDP_ASSOC);
	proxy_info_update(s, RB_CONN_UDP);
	return;
fail:
	n = rb_socks_reply(5, SOCKS5_REP_FAILURE, 0, NULL, 0, out);
	proxy_send(s->cli, out, n);
	proxy_fail(s, RB_PERR_NONE);
}

void proxy_udp_poll(struct psess *s)
{
	struct proxy_udp_assoc *a = s->udp;
	uint64_t now = s->pl->lc->now;
	struct udp_nat *n, *t;

	if (a == NULL)
		return;
	for (n = LIST_FIRST(&a->nats); n; n = t) {
		t = LIST_NEXT(n, link);
		if (n->opening && now > n->open_deadline) {
			nat_abort(n, -ETIMEDOUT);
		} else if (!n->opening && now - n->last > n->idle) {
			rb_count(s->pl->lc, RB_EV_PROXY_UDP_TIMEOUT);
			nat_free(n);
		}
	}
}

void proxy_udp_free(struct psess *s)
{
	struct proxy_udp_assoc *a = s->udp;

	if (a == NULL)
		return;
	while (!LIST_EMPTY(&a->nats))
		nat_free(LIST_FIRST(&a->nats));
	udp_close(a->sock);
	s->udp = NULL;
	free(a);
}

/* ------------------------------------------------------------ other NAT layers */

struct udp_nat *proxy_udp_host_open(struct rb_lcore *lc, const struct rb_cfg_proxy *cfg,
				    uint16_t ob, const struct rb_dest *to,
				    const struct proxy_udp_host *host, void *arg, int *err)
{
	const struct rb_cfg_outbound *o;
	struct udp_nat *n;
	int rc;

	if (ob >= cfg->n_outbounds) {
		*err = -EINVAL;
		return NULL;
	}
	o = &cfg->outbounds[ob];
	if (o->type < 0 || o->type >= RB_OUT_TYPE_MAX || proxy_udp_outbound_ops[o->type] == NULL ||
	    o->network == RB_CFG_NET_TCP) {
		*err = -EOPNOTSUPP;
		return NULL;
	}
	n = calloc(1, sizeof(*n));
	if (n == NULL) {
		*err = -ENOMEM;
		return NULL;
	}
	n->ops = proxy_udp_outbound_ops[o->type];
	n->host = host;
	n->harg = arg;
	n->hlc = lc;
	n->hcfg = cfg;
	n->outbound = ob;
	n->dst = n->to = *to;
	if (to->family == 0 && n->ops->needs_ip) {
		free(n);
		*err = -EHOSTUNREACH;
		return NULL;
	}
	rc = n->ops->open(n, ob);
	if (rc < 0) {
		free(n);
		*err = rc;
		return NULL;
	}
	if (rc > 0) {
		n->opening = 1;
		n->open_deadline = lc->now + lc->dp->tsc_hz / 1000 *
					     (o->connect_timeout_ms ? o->connect_timeout_ms : 5000);
	} else {
		n->opened = 1;
	}
	*err = 0;
	return n;
}

int proxy_udp_host_send(struct udp_nat *n, struct rte_mbuf *m)
{
	if (n->opening) {
		if (n->n_pend == UDP_PENDING_MAX) {
			rb_drop(n->hlc, m, RB_DROP_PROXY_UDP_PENDING);
			return -ENOBUFS;
		}
		n->pend[n->n_pend++] = m;
		return 0;
	}
	if (!n->opened) {
		rte_pktmbuf_free(m);
		return -ENOTCONN;
	}
	if (n->ops->send(n, m, &n->to) != 0) {
		rb_count(n->hlc, RB_EV_PROXY_UDP_SEND_FAIL);
		return -EIO;
	}
	return 0;
}

int proxy_udp_host_expired(const struct udp_nat *n)
{
	return n->opening && n->hlc->now > n->open_deadline;
}

int proxy_udp_host_ready(const struct udp_nat *n)
{
	return n->opened;
}

void proxy_udp_host_close(struct udp_nat *n)
{
	if (n == NULL)
		return;
	if (n->opened || n->opening)
		n->ops->close(n);
	for (int i = 0; i < n->n_pend; i++)
		rte_pktmbuf_free(n->pend[i]);
	free(n);
}
