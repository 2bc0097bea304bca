/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The router in the dataplane: the route segment (rt_shm.h), adoption of
 * rule tables published by control (validate, compile regexes, swap the
 * view pointer, RCU grace period by token, never waited for, then ack), and the proxy contract
 * (dataplane/proxy/rb_route_api.h): rb_route_match() and the resolver's
 * dataplane half, rb_resolve_start() / rb_resolve_cancel() /
 * rb_resolve_poll().
 *
 * Hooks (called by the dataplane's main, see dataplane/route/README.md):
 *   rb_route_dp_init(dp)      after the main segment exists
 *   rb_route_dp_service(dp)   main lcore, about every millisecond
 *   rb_route_dp_fini()        at exit, after the workers stopped
 * and by the proxy on each worker: rb_resolve_poll(lc) once per loop.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_rcu_qsbr.h>
#include <rte_ring.h>
#include <rte_ring_elem.h>

#include "rb_route.h"
#include "rb_route_dp.h"
#include "rt_shm.h"
#include "../rb_dp.h"
#include "../rb_lcore.h"
#include "../rb_log.h"
#include "../udp/udp.h"

#define RESOLVE_PENDING_MAX 256          /* per worker */
#define RESOLVE_TIMEOUT_NS  (8ull * 1000000000ull)
#define RESOLVE_POLL_NS     (200ull * 1000)

static struct rb_rts *rts;
static uint64_t rts_seen;
static struct rb_rt_view *rt_cur;        /* RCU-published */

struct pending {
	rb_resolve_cb cb;
	void *arg;
	uint64_t deadline_ns;
	uint8_t strategy;
	uint8_t used;
	char name[RB_DOMAIN_MAX + 1];
};

struct resolver_lc {
	uint32_t n;
	uint64_t next_poll_ns;
	struct pending p[RESOLVE_PENDING_MAX];
};

static struct resolver_lc *res_lc[RB_MAX_WORKERS];

/*
 * Control's "send this datagram" (RB_RTS_UDP_SEND) arrives on the main
 * lcore, which owns no UDP socket: it is queued (udp_q, SP/SC) to one
 * worker (UDP_OWNER), which sends it from a client socket per server
 * (udp_open: local address by route, so from the data port toward the
 * server, and a local port whose replies the flow hash gives back to this
 * worker).  Replies go back to control as RB_RTS_UDP_RECV on the d2c ring.
 */
#define UDP_OWNER   0
#define UDP_SOCKS   8                    /* distinct servers kept open */
#define UDP_Q_SLOTS 64

struct udp_srv {
	struct udp_sock *s;
	int family;
	uint16_t port;
	uint8_t addr[16];
};

static struct rte_ring *udp_q;
static struct udp_srv udp_srv[UDP_SOCKS];
static unsigned udp_srv_next;

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

int rb_route_dp_init(struct rb_dp *dp, char *err, size_t errlen)
{
	char name[64];

	rb_rts_name(dp->cfg->dp.shm_name, name, sizeof(name));
	rts = rb_rts_create(name, err, errlen);
	if (!rts)
		return -1;
	for (int w = 0; w < dp->n_workers && w < RB_MAX_WORKERS; w++) {
		res_lc[w] = calloc(1, sizeof(*res_lc[w]));
		if (!res_lc[w]) {
			snprintf(err, errlen, "route: out of memory");
			return -1;
		}
	}
	udp_q = rte_ring_create_elem("rb_rt_udpq", sizeof(struct rb_rts_msg), UDP_Q_SLOTS,
				     SOCKET_ID_ANY, RING_F_SP_ENQ | RING_F_SC_DEQ);
	if (!udp_q) {
		snprintf(err, errlen, "route: cannot create the resolver UDP queue: %s",
			 rte_strerror(rte_errno));
		return -1;
	}
	RB_INFO("route: segment %s ready (rule tables, resolver cache)", name);
	return 0;
}

/*
 * The view replaced by the last adoption, freed (and the adoption acked,
 * which lets control write its slot again) once every worker has reported
 * a quiescent state since the swap: an rte_rcu_qsbr token checked without
 * waiting, as rb_fib_publish/rb_fib_reclaim do, so the main lcore's
 * heartbeat never stalls behind a busy worker.
 */
static struct {
	struct rb_rt_view *v;
	uint64_t token;
	uint32_t gen;
	int slot;
} retired;

/* 1 when no retired view is left (acked), 0 still in its grace period. */
static int reclaim(struct rb_dp *dp)
{
	if (!retired.v)
		return 1;
	if (dp->qsbr && rte_rcu_qsbr_check(dp->qsbr, retired.token, false) != 1)
		return 0;
	rb_rt_view_fini(retired.v);
	free(retired.v);
	retired.v = NULL;
	rb_rts_ack(rts, retired.gen, retired.slot, 0, NULL);
	return 1;
}

static void adopt(struct rb_dp *dp)
{
	char err[160] = "";
	struct rb_rt_view *v, *old;
	uint32_t gen = 0;
	int slot = -1, rc;
	size_t len = 0;
	const void *blob;

	/* control publishes the next table only after the ack: while a grace
	 * period runs there is nothing new to look at */
	if (!reclaim(dp))
		return;
	blob = rb_rts_acquire(rts, &rts_seen, &gen, &slot, &len);
	if (!blob) {
		if (gen && slot > 1)
			rb_rts_ack(rts, gen, rts->hdr->active_slot, -EBADMSG, "bad slot");
		return;
	}
	v = calloc(1, sizeof(*v));
	if (!v) {
		rb_rts_ack(rts, gen, rts->hdr->active_slot, -ENOMEM, "out of memory");
		return;
	}
	rc = rb_rt_view_init(v, blob, len, err, sizeof(err));
	if (rc == 0 && v->h->generation != gen) {
		rc = -EBADMSG;
		snprintf(err, sizeof(err), "rule table generation %u, published %u",
			 v->h->generation, gen);
		rb_rt_view_fini(v);
	}
	if (rc) {
		free(v);
		RB_WARN("route: rule table %u refused: %s", gen, err);
		rb_rts_ack(rts, gen, rts->hdr->active_slot, rc, err);
		return;
	}
	old = __atomic_exchange_n(&rt_cur, v, __ATOMIC_ACQ_REL);
	RB_INFO("route: rule table %u applied (%u rules, %u bytes)", gen, v->h->n_rules,
		v->h->size);
	if (!old) {
		rb_rts_ack(rts, gen, slot, 0, NULL);
		return;
	}
	/* workers load rt_cur once per lookup and report a quiescent state
	 * every loop: once the token is reached no one reads the old view */
	retired.v = old;
	retired.token = dp->qsbr ? rte_rcu_qsbr_start(dp->qsbr) : 0;
	retired.gen = gen;
	retired.slot = slot;
	reclaim(dp);
}

void rb_route_dp_service(struct rb_dp *dp)
{
	struct rb_rts_msg m;
	int n = 0;

	if (!rts)
		return;
	adopt(dp);
	while (n++ < 32 && rb_rts_recv(rts, &m)) {
		switch (m.type) {
		case RB_RTS_UDP_SEND:
			/* to the owning worker; a full queue is a counted drop
			 * (control's resolver retries after dns.timeout_ms) */
			if (m.len > sizeof(m.data) || !udp_q || dp->n_workers <= UDP_OWNER ||
			    rte_ring_enqueue_elem(udp_q, &m, sizeof(m)) != 0)
				__atomic_fetch_add(&rts->hdr->udp_queue_full, 1,
						   __ATOMIC_RELAXED);
			break;
		default:
			break;
		}
	}
}

void rb_route_dp_fini(void)
{
	struct rb_rt_view *v = __atomic_exchange_n(&rt_cur, NULL, __ATOMIC_ACQ_REL);

	if (retired.v) { /* the workers have stopped: no reader is left */
		rb_rt_view_fini(retired.v);
		free(retired.v);
		retired.v = NULL;
	}
	if (v) {
		rb_rt_view_fini(v);
		free(v);
	}
	for (int w = 0; w < RB_MAX_WORKERS; w++) {
		free(res_lc[w]);
		res_lc[w] = NULL;
	}
	/* the sockets went with the workers' UDP stacks (udp_lcore_fini) */
	memset(udp_srv, 0, sizeof(udp_srv));
	rte_ring_free(udp_q);
	udp_q = NULL;
	rb_rts_close(rts);
	rts = NULL;
}

int rb_route_match(struct rb_lcore *lc, const struct rb_route_req *req,
		   struct rb_route_result *res)
{
	struct rb_rt_view *v = __atomic_load_n(&rt_cur, __ATOMIC_ACQUIRE);
	int rc;

	(void)lc;
	if (!v)
		return -ENOENT;
	rc = rb_rt_match(v, req, res);
	if (rts) {
		__atomic_fetch_add(rc ? &rts->hdr->match_errors : &rts->hdr->matches, 1,
				   __ATOMIC_RELAXED);
		/* sniff results as the matcher sees them (after a sniff rule) */
		if (req->sniff.proto == RB_SNIFF_TLS)
			__atomic_fetch_add(&rts->hdr->sniff_tls, 1, __ATOMIC_RELAXED);
		else if (req->sniff.proto == RB_SNIFF_HTTP)
			__atomic_fetch_add(&rts->hdr->sniff_http, 1, __ATOMIC_RELAXED);
		else if (req->sniff.proto == RB_SNIFF_UNKNOWN)
			__atomic_fetch_add(&rts->hdr->sniff_none, 1, __ATOMIC_RELAXED);
	}
	return rc;
}

/* ------------------------------------------------------------ resolver (dataplane half) */

/* Pick an address from a cached answer per strategy: 0 ok, -ENOENT none. */
static int pick(const struct rb_rts_dns *e, int strategy, int *fam, uint8_t addr[16])
{
	int want6 = strategy == RB_RESOLVE_PREFER_IPV6 || strategy == RB_RESOLVE_IPV6_ONLY;

	if (e->rcode)
		return -ENOENT;
	for (int pass = 0; pass < 2; pass++) {
		int six = pass ? !want6 : want6;

		if (pass && (strategy == RB_RESOLVE_IPV4_ONLY || strategy == RB_RESOLVE_IPV6_ONLY))
			break;
		if (six && e->n6) {
			*fam = AF_INET6;
			memcpy(addr, e->a6[0], 16);
			return 0;
		}
		if (!six && e->n4) {
			*fam = AF_INET;
			memset(addr, 0, 16);
			memcpy(addr, e->a4[0], 4);
			return 0;
		}
	}
	return -ENOENT;
}

static void lower(char *d, const char *s)
{
	size_t n = 0;

	for (; s[n] && n < RB_DOMAIN_MAX; n++)
		d[n] = s[n] >= 'A' && s[n] <= 'Z' ? (char)(s[n] + 32) : s[n];
	if (n && d[n - 1] == '.')
		n--;
	d[n] = 0;
}

int rb_resolve_start(struct rb_lcore *lc, const char *domain, int strategy, rb_resolve_cb cb,
		     void *arg)
{
	struct resolver_lc *r = lc && lc->worker < RB_MAX_WORKERS ? res_lc[lc->worker] : NULL;
	struct rb_rts_dns e;
	struct rb_rts_msg m;
	char name[RB_DOMAIN_MAX + 1];
	uint8_t addr[16];
	uint64_t now = mono_ns();
	int fam, i;

	if (!rts || !r || !cb)
		return -EHOSTUNREACH;
	if (!domain || !domain[0] || strlen(domain) > RB_DOMAIN_MAX)
		return -EINVAL;
	lower(name, domain);
	if (rb_rts_dns_get(rts, name, now, &e)) {
		__atomic_fetch_add(&rts->hdr->dns_hits, 1, __ATOMIC_RELAXED);
		if (pick(&e, strategy, &fam, addr) == 0)
			cb(arg, fam, addr, 0);
		else
			cb(arg, 0, NULL, -ENOENT);
		return 0;
	}
	__atomic_fetch_add(&rts->hdr->dns_misses, 1, __ATOMIC_RELAXED);
	for (i = 0; i < RESOLVE_PENDING_MAX && r->p[i].used; i++)
		;
	if (i == RESOLVE_PENDING_MAX)
		return -EBUSY;
	memset(&m, 0, sizeof(m));
	m.type = RB_RTS_RESOLVE;
	m.strategy = (uint8_t)strategy;
	m.id = lc->worker;
	snprintf(m.name, sizeof(m.name), "%s", name);
	if (rb_rts_send(rts, &m) < 0) {
		__atomic_fetch_add(&rts->hdr->dns_ring_full, 1, __ATOMIC_RELAXED);
		return -ENOBUFS;
	}
	r->p[i] = (struct pending){cb, arg, now + RESOLVE_TIMEOUT_NS, (uint8_t)strategy, 1, ""};
	memcpy(r->p[i].name, name, sizeof(name));
	r->n++;
	return 0;
}

void rb_resolve_cancel(struct rb_lcore *lc, rb_resolve_cb cb, void *arg)
{
	struct resolver_lc *r = lc && lc->worker < RB_MAX_WORKERS ? res_lc[lc->worker] : NULL;

	for (int i = 0; r && i < RESOLVE_PENDING_MAX; i++)
		if (r->p[i].used && r->p[i].cb == cb && r->p[i].arg == arg) {
			r->p[i].used = 0;
			r->n--;
		}
}

/* ------------------------------------------------------------ resolver datagrams (owner worker) */

static void udp_reply(struct udp_sock *s, struct rte_mbuf *mb, const struct udp_peer *from,
		      void *arg)
{
	struct rb_rts_msg m;
	uint32_t n = rte_pktmbuf_pkt_len(mb);
	const void *p;

	(void)arg;
	if (!rts) {
		rte_pktmbuf_free(mb);
		return;
	}
	if (n > sizeof(m.data) || n < 12) {
		/* larger than the EDNS(0) size we advertise (RFC 6891 6.2.5) or
		 * shorter than a DNS header (RFC 1035 4.1.1) */
		__atomic_fetch_add(&rts->hdr->udp_recv_dropped, 1, __ATOMIC_RELAXED);
		rte_pktmbuf_free(mb);
		return;
	}
	memset(&m, 0, offsetof(struct rb_rts_msg, data));
	m.type = RB_RTS_UDP_RECV;
	m.len = (uint16_t)n;
	m.family = (uint8_t)from->family;
	memcpy(m.addr, from->addr, 16);
	m.port = from->port;
	m.sport = udp_sock_port(s);
	p = rte_pktmbuf_read(mb, 0, n, m.data);
	if (p && p != m.data)
		memcpy(m.data, p, n);
	rte_pktmbuf_free(mb);
	if (rb_rts_send(rts, &m) < 0)
		__atomic_fetch_add(&rts->hdr->udp_recv_dropped, 1, __ATOMIC_RELAXED);
	else
		__atomic_fetch_add(&rts->hdr->udp_recv, 1, __ATOMIC_RELAXED);
}

static struct udp_sock *udp_sock_for(struct rb_lcore *lc, const struct rb_rts_msg *m, int *err)
{
	size_t al = m->family == AF_INET ? 4 : 16;
	struct udp_srv *u;

	for (unsigned i = 0; i < UDP_SOCKS; i++) {
		u = &udp_srv[i];
		if (u->s && u->family == m->family && u->port == m->port &&
		    memcmp(u->addr, m->addr, al) == 0)
			return u->s;
	}
	/* a new server: reuse the oldest slot */
	u = &udp_srv[udp_srv_next++ % UDP_SOCKS];
	if (u->s) {
		udp_close(u->s);
		u->s = NULL;
	}
	u->s = udp_open(lc, m->family, m->addr, m->port, udp_reply, NULL, err);
	if (!u->s)
		return NULL;
	u->family = m->family;
	u->port = m->port;
	memset(u->addr, 0, sizeof(u->addr));
	memcpy(u->addr, m->addr, al);
	return u->s;
}

static void udp_drain(struct rb_lcore *lc)
{
	struct rb_rts_msg m;
	int n = 0;

	while (n++ < 16 && rte_ring_dequeue_elem(udp_q, &m, sizeof(m)) == 0) {
		struct udp_sock *s;
		int err = 0;

		if ((m.family != AF_INET && m.family != AF_INET6) || m.port == 0 ||
		    m.len == 0 || m.len > sizeof(m.data)) {
			__atomic_fetch_add(&rts->hdr->udp_send_errors, 1, __ATOMIC_RELAXED);
			continue;
		}
		s = udp_sock_for(lc, &m, &err);
		if (s)
			err = udp_send_buf(s, m.data, m.len, NULL);
		if (!s || err < 0) {
			__atomic_fetch_add(&rts->hdr->udp_send_errors, 1, __ATOMIC_RELAXED);
			RB_DEBUG("route: resolver datagram to port %u not sent: %s", m.port,
				 strerror(-err));
		} else {
			__atomic_fetch_add(&rts->hdr->udp_sent, 1, __ATOMIC_RELAXED);
		}
	}
}

void rb_resolve_poll(struct rb_lcore *lc)
{
	struct resolver_lc *r = lc && lc->worker < RB_MAX_WORKERS ? res_lc[lc->worker] : NULL;
	uint64_t now;

	if (lc && lc->worker == UDP_OWNER && udp_q && rts && rte_ring_count(udp_q))
		udp_drain(lc);
	if (!r || !r->n || !rts)
		return;
	now = mono_ns();
	if (now < r->next_poll_ns)
		return;
	r->next_poll_ns = now + RESOLVE_POLL_NS;
	for (int i = 0; i < RESOLVE_PENDING_MAX; i++) {
		struct pending *p = &r->p[i];
		struct rb_rts_dns e;
		uint8_t addr[16];
		int fam;

		if (!p->used)
			continue;
		if (rb_rts_dns_get(rts, p->name, now, &e)) {
			p->used = 0;
			r->n--;
			if (pick(&e, p->strategy, &fam, addr) == 0)
				p->cb(p->arg, fam, addr, 0);
			else
				p->cb(p->arg, 0, NULL, e.rcode == 2 ? -ETIMEDOUT : -ENOENT);
		} else if (now >= p->deadline_ns) {
			p->used = 0;
			r->n--;
			p->cb(p->arg, 0, NULL, -ETIMEDOUT);
		}
	}
}
