/* SPDX-License-Identifier: BSD-3-Clause */
/* Per-lcore UDP: socket table, input demultiplexing, output.
 *
 * Ephemeral bound ports (udp_bind with port 0) are unique across the
 * workers: each is claimed in a directory shared by all of them (one byte
 * per port: owning worker + 1).  A datagram whose flow hash gives it to
 * another worker, for a port nobody bound there, goes to the claiming
 * worker over its handoff ring, so such a port (a SOCKS5 UDP relay port
 * whose clients' source ports are unknown) works from every worker. */
#include <errno.h>
#include <string.h>
#include <stdlib.h>
#include <sys/queue.h>
#include <netinet/in.h>
#include <rte_ip.h>
#include <rte_ethdev.h>
#include <rte_random.h>
#include "../rb_lcore.h"
#include "../net/cksum.h"
#include "../net/route_src.h"
#include "udp.h"
#include "udp_wire.h"

#define UDP_HBUCKETS 256
#define UDP_EPH_LO   32768
#define UDP_EPH_HI   60999

struct udp_sock {
	LIST_ENTRY(udp_sock) link;
	struct udp_stack *us;
	int family;               /* 0 = both */
	uint8_t laddr[16];        /* zero = any */
	uint16_t lport;           /* network order */
	int connected;
	int claimed;              /* lport is claimed in us->claims */
	uint8_t raddr[16];
	uint16_t rport;           /* network order */
	uint16_t ifport;          /* route port of a connected socket */
	udp_recv_cb cb;
	void *arg;
};

struct udp_stack {
	struct rb_lcore *lc;
	LIST_HEAD(, udp_sock) h[UDP_HBUCKETS];
	uint16_t eph_next;
	void *diag;
	uint8_t *claims;          /* [65536]: the workers' ephemeral bound ports */
	int own_claims;           /* this stack allocated (and frees) claims */
};

int udp_diag_start(struct rb_lcore *lc);
void udp_diag_stop(struct rb_lcore *lc);
void *udp_stack_diag(struct rb_lcore *lc);
void udp_stack_set_diag(struct rb_lcore *lc, void *d);

void *udp_stack_diag(struct rb_lcore *lc)
{
	return lc->udp ? lc->udp->diag : NULL;
}

void udp_stack_set_diag(struct rb_lcore *lc, void *d)
{
	lc->udp->diag = d;
}

static const uint8_t zero16[16];

static unsigned alen(int family)
{
	return family == AF_INET ? 4 : 16;
}

int udp_lcore_init(struct rb_lcore *lc)
{
	struct udp_stack *us = calloc(1, sizeof(*us));

	if (us == NULL)
		return -ENOMEM;
	us->lc = lc;
	for (int i = 0; i < UDP_HBUCKETS; i++)
		LIST_INIT(&us->h[i]);
	/* one directory per dataplane: worker 0's, shared by the others */
	if (lc->dp && lc->worker > 0 && lc->dp->workers[0] && lc->dp->workers[0] != lc &&
	    lc->dp->workers[0]->udp) {
		us->claims = ((struct udp_stack *)lc->dp->workers[0]->udp)->claims;
	} else {
		us->claims = calloc(1, 65536);
		us->own_claims = 1;
		if (us->claims == NULL) {
			free(us);
			return -ENOMEM;
		}
	}
	us->eph_next = (uint16_t)(UDP_EPH_LO + rte_rand() % (UDP_EPH_HI - UDP_EPH_LO + 1));
	lc->udp = us;
	if (udp_diag_start(lc) < 0) {
		udp_lcore_fini(lc);
		return -EINVAL;
	}
	return 0;
}

void udp_lcore_fini(struct rb_lcore *lc)
{
	struct udp_stack *us = lc->udp;

	if (us == NULL)
		return;
	udp_diag_stop(lc);
	for (int i = 0; i < UDP_HBUCKETS; i++) {
		struct udp_sock *s;

		while ((s = LIST_FIRST(&us->h[i])) != NULL) {
			LIST_REMOVE(s, link);
			free(s);
		}
	}
	if (us->own_claims)
		free(us->claims);
	free(us);
	lc->udp = NULL;
}

static unsigned bucket(uint16_t port)
{
	return (unsigned)(rte_be_to_cpu_16(port) * 2654435761u) >> 24 & (UDP_HBUCKETS - 1);
}

/* Most specific match: connected 4-tuple, then bound address, then any. */
static struct udp_sock *udp_lookup(struct udp_stack *us, int family, const uint8_t *laddr,
				   uint16_t lport, const uint8_t *raddr, uint16_t rport)
{
	struct udp_sock *s, *best = NULL;
	int score = -1;

	LIST_FOREACH(s, &us->h[bucket(lport)], link) {
		int sc;

		if (s->lport != lport || (s->family && s->family != family))
			continue;
		if (s->connected) {
			if (s->rport != rport || memcmp(s->raddr, raddr, alen(family)) != 0)
				continue;
			sc = 3;
		} else {
			sc = 1;
		}
		if (memcmp(s->laddr, zero16, 16) != 0) {
			if (memcmp(s->laddr, laddr, alen(family)) != 0)
				continue;
			sc++;
		}
		if (sc > score) {
			score = sc;
			best = s;
		}
	}
	return best;
}

static int port_in_use(struct udp_stack *us, uint16_t lport)
{
	struct udp_sock *s;

	LIST_FOREACH(s, &us->h[bucket(lport)], link)
		if (s->lport == lport)
			return 1;
	return 0;
}

/* The worker that claimed lport (network order), or -1. */
static int claim_owner(const struct udp_stack *us, uint16_t lport)
{
	uint8_t v = __atomic_load_n(&us->claims[rte_be_to_cpu_16(lport)], __ATOMIC_ACQUIRE);

	return v ? v - 1 : -1;
}

static int claim(struct udp_stack *us, uint16_t lport)
{
	uint8_t expect = 0;

	return __atomic_compare_exchange_n(&us->claims[rte_be_to_cpu_16(lport)], &expect,
					   (uint8_t)(us->lc->worker + 1), 0, __ATOMIC_ACQ_REL,
					   __ATOMIC_ACQUIRE);
}

static struct udp_sock *sock_new(struct udp_stack *us, int family, const uint8_t *addr,
				 uint16_t lport, udp_recv_cb cb, void *arg)
{
	struct udp_sock *s = calloc(1, sizeof(*s));

	if (s == NULL)
		return NULL;
	s->us = us;
	s->family = family;
	if (addr && family)
		memcpy(s->laddr, addr, alen(family));
	s->lport = lport;
	s->cb = cb;
	s->arg = arg;
	LIST_INSERT_HEAD(&us->h[bucket(lport)], s, link);
	return s;
}

struct udp_sock *udp_bind(struct rb_lcore *lc, int family, const uint8_t *addr, uint16_t port,
			  udp_recv_cb cb, void *arg, int *err)
{
	struct udp_stack *us = lc->udp;
	struct udp_sock *s;
	uint16_t lport;
	int e = 0;

	if (us == NULL || cb == NULL || (family && family != AF_INET && family != AF_INET6) ||
	    (addr && !family)) {
		e = -EINVAL;
		goto out;
	}
	if (port == 0) {
		unsigned i;

		for (i = 0; i <= UDP_EPH_HI - UDP_EPH_LO; i++) {
			lport = rte_cpu_to_be_16(us->eph_next);
			us->eph_next = us->eph_next >= UDP_EPH_HI ? UDP_EPH_LO
								    : (uint16_t)(us->eph_next + 1);
			if (!port_in_use(us, lport) && claim(us, lport))
				break;
		}
		if (i > UDP_EPH_HI - UDP_EPH_LO) {
			e = -EADDRNOTAVAIL;
			goto out;
		}
	} else {
		struct udp_sock *o;

		lport = rte_cpu_to_be_16(port);
		LIST_FOREACH(o, &us->h[bucket(lport)], link)
			if (o->lport == lport && !o->connected &&
			    (!o->family || !family || o->family == family) &&
			    memcmp(o->laddr, addr && family ? addr : zero16,
				   family ? alen(family) : 16) == 0) {
				e = -EADDRINUSE;
				goto out;
			}
	}
	s = sock_new(us, family, addr, lport, cb, arg);
	if (s == NULL) {
		if (port == 0)
			__atomic_store_n(&us->claims[rte_be_to_cpu_16(lport)], 0, __ATOMIC_RELEASE);
		e = -ENOMEM;
	} else if (port == 0) {
		s->claimed = 1;
	}
out:
	if (err)
		*err = e;
	return e ? NULL : s;
}

/* The next free ephemeral port (network order) whose datagrams from raddr:rp,
 * arriving on ifport for laddr, hash to this lcore; 0 when none is left.
 * raddr and laddr are 8-byte aligned (the flow hash loads 8 bytes at a time). */
static uint16_t owned_port(struct rb_lcore *lc, int family, uint16_t ifport,
			   const uint8_t *raddr, const uint8_t *laddr, uint16_t rp)
{
	struct udp_stack *us = lc->udp;

	for (unsigned i = 0; i <= UDP_EPH_HI - UDP_EPH_LO; i++) {
		uint16_t lport = rte_cpu_to_be_16(us->eph_next);
		unsigned owner;

		us->eph_next = us->eph_next >= UDP_EPH_HI ? UDP_EPH_LO : (uint16_t)(us->eph_next + 1);
		if (port_in_use(us, lport) || claim_owner(us, lport) >= 0)
			continue;
		if (family == AF_INET) {
			uint32_t r, l;

			memcpy(&r, raddr, 4);
			memcpy(&l, laddr, 4);
			owner = rb_flow_owner4(lc->dp, ifport, r, l, rp, lport);
		} else {
			owner = rb_flow_owner6(lc->dp, ifport, raddr, laddr, rp, lport);
		}
		if (owner == lc->worker)
			return lport;
	}
	return 0;
}

struct udp_sock *udp_open(struct rb_lcore *lc, int family, const uint8_t *raddr, uint16_t rport,
			  udp_recv_cb cb, void *arg, int *err)
{
	struct udp_stack *us = lc->udp;
	struct udp_sock *s = NULL;
	/* 8-byte aligned: the flow hash loads 8 bytes at a time */
	uint8_t laddr[16] __attribute__((aligned(8)));
	uint8_t ra[16] __attribute__((aligned(8))) = {0};
	uint16_t port = 0, lport, rp = rte_cpu_to_be_16(rport);
	int e;

	if (us == NULL || cb == NULL || raddr == NULL || rport == 0 ||
	    (family != AF_INET && family != AF_INET6)) {
		e = -EINVAL;
		goto out;
	}
	memcpy(ra, raddr, alen(family));
	raddr = ra;
	e = rb_route_src(lc->dp, family, raddr, RB_NH_ROUTABLE, laddr, &port);
	if (e < 0)
		goto out;
	lport = owned_port(lc, family, port, raddr, laddr, rp);
	if (lport == 0) {
		e = -EADDRNOTAVAIL;
		goto out;
	}
	s = sock_new(us, family, laddr, lport, cb, arg);
	if (s == NULL) {
		e = -ENOMEM;
		goto out;
	}
	s->connected = 1;
	memcpy(s->raddr, raddr, alen(family));
	s->rport = rp;
	s->ifport = port;
out:
	if (err)
		*err = e;
	return e ? NULL : s;
}

struct udp_sock *udp_bind_owned(struct rb_lcore *lc, int family, const uint8_t *laddr,
				const uint8_t *raddr, uint16_t rport, udp_recv_cb cb, void *arg,
				int *err)
{
	struct udp_stack *us = lc->udp;
	struct udp_sock *s = NULL;
	/* 8-byte aligned: the flow hash loads 8 bytes at a time */
	uint8_t la[16] __attribute__((aligned(8))) = {0};
	uint8_t ra[16] __attribute__((aligned(8))) = {0};
	uint8_t rl[16];
	uint16_t port = 0, lport, rp = rte_cpu_to_be_16(rport);
	int e;

	if (us == NULL || cb == NULL || laddr == NULL || raddr == NULL || rport == 0 ||
	    (family != AF_INET && family != AF_INET6)) {
		e = -EINVAL;
		goto out;
	}
	memcpy(ra, raddr, alen(family));
	memcpy(la, laddr, alen(family));
	/* the port the peer's datagrams arrive on: the one that routes to it */
	e = rb_route_src(lc->dp, family, ra, RB_NH_ROUTABLE, rl, &port);
	if (e < 0)
		goto out;
	lport = owned_port(lc, family, port, ra, la, rp);
	if (lport == 0) {
		e = -EADDRNOTAVAIL;
		goto out;
	}
	s = sock_new(us, family, la, lport, cb, arg);
	e = s ? 0 : -ENOMEM;
out:
	if (err)
		*err = e;
	return e ? NULL : s;
}

void udp_close(struct udp_sock *s)
{
	if (s == NULL)
		return;
	if (s->claimed)
		__atomic_store_n(&s->us->claims[rte_be_to_cpu_16(s->lport)], 0, __ATOMIC_RELEASE);
	LIST_REMOVE(s, link);
	free(s);
}

uint16_t udp_sock_port(const struct udp_sock *s)
{
	return rte_be_to_cpu_16(s->lport);
}

void *udp_sock_arg(const struct udp_sock *s)
{
	return s->arg;
}

/* ---- checksums ---- */
static uint16_t fold(uint32_t sum)
{
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

static uint32_t phdr_sum(int family, const uint8_t *src, const uint8_t *dst, uint32_t len)
{
	if (family == AF_INET) {
		struct udp_phdr4 p;

		memcpy(&p.src, src, 4);
		memcpy(&p.dst, dst, 4);
		p.zero = 0;
		p.proto = IPPROTO_UDP;
		p.len = rte_cpu_to_be_16((uint16_t)len);
		return rte_raw_cksum(&p, sizeof(p));
	}
	struct udp_phdr6 p6;

	memcpy(p6.src, src, 16);
	memcpy(p6.dst, dst, 16);
	p6.len = rte_cpu_to_be_32(len);
	memset(p6.zero, 0, 3);
	p6.proto = IPPROTO_UDP;
	return rte_raw_cksum(&p6, sizeof(p6));
}

/* ---- input ---- */
static void udp_unreachable(struct rb_lcore *lc, struct rte_mbuf *m, int family,
			    const uint8_t *dst)
{
	/* Never for broadcast/multicast destinations (RFC 1122 3.2.2, RFC 4443 2.4). */
	if (family == AF_INET) {
		if ((dst[0] & 0xf0) == 0xe0 || (dst[0] == 255 && dst[1] == 255 && dst[2] == 255 &&
						dst[3] == 255))
			return;
		if (rte_pktmbuf_prepend(m, (uint16_t)m->l3_len) == NULL)
			return;
		rb_icmp4_error(lc, m, 3, 3, 0);    /* destination unreachable, port */
	} else {
		if (dst[0] == 0xff)
			return;
		if (rte_pktmbuf_prepend(m, (uint16_t)m->l3_len) == NULL)
			return;
		rb_icmp6_error(lc, m, 1, 4, 0);    /* RFC 4443 3.1: port unreachable */
	}
}

static void udp_input_one(struct rb_lcore *lc, struct rte_mbuf *m)
{
	struct udp_stack *us = lc->udp;
	int family = rb_meta(m)->l3 == 6 ? AF_INET6 : AF_INET;
	const uint8_t *src, *dst;
	uint32_t plen = rte_pktmbuf_pkt_len(m), iplen, ulen;
	const struct udp_hdr *uh;
	struct udp_peer from;
	struct udp_sock *s;

	iplen = rb_l4_addrs(m, family, &src, &dst);
	if (plen < UDP_HDR_LEN || rte_pktmbuf_data_len(m) < UDP_HDR_LEN || iplen < UDP_HDR_LEN) {
		rb_drop(lc, m, RB_DROP_UDP_SHORT);
		return;
	}
	uh = rte_pktmbuf_mtod(m, const struct udp_hdr *);
	ulen = rte_be_to_cpu_16(uh->len);
	/* RFC 768: the length field covers header and data */
	if (ulen < UDP_HDR_LEN || ulen > plen || ulen > iplen) {
		rb_drop(lc, m, RB_DROP_UDP_SHORT);
		return;
	}
	if (ulen < plen)
		rte_pktmbuf_trim(m, (uint16_t)(plen - ulen));
	if (uh->cksum == 0) {
		if (family == AF_INET6) {
			rb_drop(lc, m, RB_DROP_UDP_ZERO_CSUM6);
			return;
		}
	} else if ((m->ol_flags & RTE_MBUF_F_RX_L4_CKSUM_MASK) != RTE_MBUF_F_RX_L4_CKSUM_GOOD) {
		uint16_t sum = 0;

		if ((m->ol_flags & RTE_MBUF_F_RX_L4_CKSUM_MASK) == RTE_MBUF_F_RX_L4_CKSUM_BAD ||
		    rb_cksum_mbuf(m, 0, ulen, &sum) < 0 ||
		    fold(phdr_sum(family, src, dst, ulen) + sum) != 0xffff) {
			rb_drop(lc, m, RB_DROP_UDP_BAD_CSUM);
			return;
		}
	}
	if (family == AF_INET ? (src[0] & 0xf0) == 0xe0 || (src[0] == 255 && src[1] == 255 &&
							    src[2] == 255 && src[3] == 255)
			      : src[0] == 0xff) {
		rb_drop(lc, m, RB_DROP_UDP_BAD_ADDR);
		return;
	}
	s = us ? udp_lookup(us, family, dst, uh->dport, src, uh->sport) : NULL;
	if (s == NULL && us && lc->dp) {
		int owner = claim_owner(us, uh->dport);

		/* another worker's ephemeral bound port: hand it over */
		if (owner >= 0 && (unsigned)owner != lc->worker && owner < lc->dp->n_workers &&
		    rte_pktmbuf_prepend(m, (uint16_t)m->l3_len) != NULL) {
			rb_count(lc, RB_EV_UDP_CLAIM_HANDOFF);
			rb_handoff(lc, (unsigned)owner, m);
			return;
		}
	}
	if (s == NULL) {
		udp_unreachable(lc, m, family, dst);
		rb_drop(lc, m, RB_DROP_UDP_NO_LISTENER);
		return;
	}
	memset(&from, 0, sizeof(from));
	from.family = family;
	memcpy(from.addr, src, alen(family));
	memcpy(from.laddr, dst, alen(family));
	from.port = rte_be_to_cpu_16(uh->sport);
	from.lport = rte_be_to_cpu_16(uh->dport);
	from.ifport = m->port;
	rte_pktmbuf_adj(m, UDP_HDR_LEN);
	m->ol_flags = 0;
	rb_count(lc, RB_EV_UDP_RX);
	s->cb(s, m, &from, s->arg);
}

uint16_t udp_input(struct rb_lcore *lc, struct rte_mbuf **m, uint16_t n)
{
	for (uint16_t i = 0; i < n; i++)
		udp_input_one(lc, m[i]);
	return n;
}

/* ---- output ---- */
int udp_send(struct udp_sock *s, struct rte_mbuf *m, const struct udp_peer *to)
{
	struct rb_lcore *lc = s->us->lc;
	uint8_t laddr[16], raddr[16];
	uint16_t rport, ifport = 0;
	uint32_t len;
	struct udp_hdr *uh;
	int family, e;
	uint64_t offl;

	if (s->connected) {
		family = s->family;
		memcpy(raddr, s->raddr, 16);
		memcpy(laddr, s->laddr, 16);
		rport = s->rport;
		ifport = s->ifport;
	} else {
		if (to == NULL || (to->family != AF_INET && to->family != AF_INET6) ||
		    (s->family && s->family != to->family)) {
			rte_pktmbuf_free(m);
			return -EINVAL;
		}
		family = to->family;
		memset(raddr, 0, 16);
		memcpy(raddr, to->addr, alen(family));
		rport = rte_cpu_to_be_16(to->port);
		memset(laddr, 0, 16);
		if (memcmp(to->laddr, zero16, alen(family)) != 0) {
			memcpy(laddr, to->laddr, alen(family));
			ifport = to->ifport;
		} else if (memcmp(s->laddr, zero16, 16) != 0) {
			memcpy(laddr, s->laddr, alen(family));
			ifport = to->ifport;
		} else {
			e = rb_route_src(lc->dp, family, raddr, RB_NH_ROUTABLE, laddr, &ifport);
			if (e < 0) {
				rb_drop(lc, m, RB_DROP_UDP_TX_ERROR);
				return e;
			}
		}
	}
	len = rte_pktmbuf_pkt_len(m) + UDP_HDR_LEN;
	if (len > 65535) {
		rb_drop(lc, m, RB_DROP_UDP_TX_ERROR);
		return -EMSGSIZE;
	}
	uh = (struct udp_hdr *)rte_pktmbuf_prepend(m, UDP_HDR_LEN);
	if (uh == NULL) {
		rb_drop(lc, m, RB_DROP_UDP_TX_ERROR);
		return -ENOBUFS;
	}
	uh->sport = s->lport;
	uh->dport = rport;
	uh->len = rte_cpu_to_be_16((uint16_t)len);
	uh->cksum = 0;
	offl = ifport < RB_MAX_PORTS ? lc->dp->ports[ifport].tx_offloads : 0;
	m->port = ifport;
	if ((offl & RTE_ETH_TX_OFFLOAD_UDP_CKSUM) && m->nb_segs == 1) {
		uh->cksum = fold(phdr_sum(family, laddr, raddr, len));
		m->ol_flags |= RTE_MBUF_F_TX_UDP_CKSUM |
			       (family == AF_INET ? RTE_MBUF_F_TX_IPV4 : RTE_MBUF_F_TX_IPV6);
		m->l4_len = UDP_HDR_LEN;
	} else {
		uint16_t sum = 0;

		rb_cksum_mbuf(m, 0, len, &sum);
		uh->cksum = (uint16_t)~fold(phdr_sum(family, laddr, raddr, len) + sum);
		if (uh->cksum == 0)
			uh->cksum = 0xffff; /* RFC 768: 0 means "no checksum" */
	}
	rb_count(lc, RB_EV_UDP_TX);
	if (family == AF_INET) {
		uint32_t sa, da;

		memcpy(&sa, laddr, 4);
		memcpy(&da, raddr, 4);
		return rb_ip4_output(lc, m, sa, da, IPPROTO_UDP, 0, 0) < 0 ? -EIO : 0;
	}
	return rb_ip6_output(lc, m, laddr, raddr, IPPROTO_UDP, 0) < 0 ? -EIO : 0;
}

int udp_send_buf(struct udp_sock *s, const void *buf, size_t len, const struct udp_peer *to)
{
	struct rb_lcore *lc = s->us->lc;
	struct rte_mbuf *m = rte_pktmbuf_alloc(lc->dp->pool), *last;
	size_t done = 0;

	if (m == NULL) {
		rb_drop_count(lc, RB_DROP_NO_MBUF);
		return -ENOBUFS;
	}
	last = m;
	while (done < len) {
		size_t k = RTE_MIN((size_t)rte_pktmbuf_tailroom(last), len - done);

		if (k == 0) {
			struct rte_mbuf *n = rte_pktmbuf_alloc(lc->dp->pool);

			if (n == NULL || rte_pktmbuf_chain(m, n) < 0) {
				rte_pktmbuf_free(n);
				rb_drop(lc, m, RB_DROP_NO_MBUF);
				return -ENOBUFS;
			}
			rte_pktmbuf_reset_headroom(n);
			n->data_off = 0;
			last = n;
			continue;
		}
		memcpy(rte_pktmbuf_mtod_offset(last, char *, last->data_len), (const char *)buf + done,
		       k);
		last->data_len = (uint16_t)(last->data_len + k);
		m->pkt_len += (uint32_t)k;
		done += k;
	}
	return udp_send(s, m, to);
}
