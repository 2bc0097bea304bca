/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Terminated mode: a WireGuard endpoint as a proxy inbound (see wg_term.h
 * and README.md "Terminated mode").
 *
 * A decrypted inner TCP segment of a terminated endpoint whose destination
 * is not one of our addresses is handed to the lcore's TCP stack through
 * the endpoint's `foreign` listener (tcp_input_foreign): the connection's
 * local address and port are the ones the peer dialled, so the proxy session
 * takes them as its destination and routes it like any inbound (inbound tag
 * = the endpoint tag).  Replies leave from that address and the FIB routes
 * them back into the tunnel (the peer's allowed IPs).  A peer's packets are
 * all decrypted on its owner lcore, so its flows live there.
 *
 * UDP goes to NAT sessions (wg_term_udp.c).  ICMP and ICMPv6 to our own
 * addresses take the routed path (echo requests to the endpoint address are
 * answered through the tunnel); echo requests to any other address are
 * relayed as network "icmp" (wg_term_icmp.c, as sing-box 1.13), other ICMP
 * to other addresses is dropped and counted (wg_icmp_dropped): forwarding
 * it raw would leak the peer's tunnel address.  IPv6 extension headers are
 * walked as the destination would (term_parse.c, net/ip6_ext.h): TCP, UDP
 * and ICMPv6 behind them are taken the same way; a chain the destination
 * must refuse is dropped with its ip6_* counter and, where RFC 8200 4 asks,
 * answered with a Parameter Problem from the address the peer sent to
 * (wg_term_ext_refuse).  Fragments of TCP and UDP (RFC 791 3.2; RFC 8200
 * 4.5: the Fragment header names TCP or UDP) are reassembled in the
 * worker's table (net/ip4.c, ip6.c: rte_ip_frag) and the datagram, a chain
 * of segments, terminated as a whole: the destination we stand in for
 * reassembles before its transport sees anything.  IPv6 fragments whose
 * fragmentable part begins with an extension header are reassembled too
 * and the datagram's chain walked (TCP, UDP and ICMPv6 taken; anything
 * else dropped, wg_frag_proto).  Not terminated (left to
 * the routed path): packets to our own addresses, other protocols (ESP and
 * AH included: end-to-end security cannot be terminated).
 */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <rte_ip.h>

#include "../net/cksum.h"
#include "../net/ip4.h"
#include "../net/ip6.h"
#include "../proxy/proxy_priv.h"
#include "../tcp/tcp.h"
#include "../tcp/tcp_wire.h"
#include "mss_clamp.h"
#include "term_parse.h"
#include "wg_dp.h"
#include "wg_term.h"

/* Per worker and endpoint (the config's endpoint order = rb_wg's). */
static struct tcp_listener *term_lis[RB_MAX_WORKERS][RB_WG_MAX_ENDPOINTS];

int rb_wg_term_listen(struct rb_lcore *lc, const char *tag, struct tcp_listener *l)
{
	const struct rb_cfg_wgs *w = lc->dp->cfg->wg;

	for (int i = 0; w && i < w->n; i++)
		if (strcmp(w->ep[i].tag, tag) == 0) {
			int rc, rc2;

			term_lis[lc->worker][i] = l;
			rc = wg_term_udp_enable(lc, (unsigned)i, l != NULL);
			rc2 = wg_term_icmp_enable(lc, (unsigned)i, l != NULL);
			return rc ? rc : rc2;
		}
	return -ENOENT;
}

/* ------------------------------------------------------------- inbound */

static int term_start(struct psess *s)
{
	int family;
	uint8_t raddr[16];
	uint16_t rport;

	memset(&s->req, 0, sizeof(s->req));
	s->req.cmd = RB_CMD_CONNECT;
	tcp_get_addrs(s->cli, &family, s->req.dst.addr, &s->req.dst.port, raddr, &rport);
	s->req.dst.family = (uint8_t)family;
	return 0;
}

static int term_feed(struct psess *s, const uint8_t *buf, size_t len, size_t *used)
{
	(void)s;
	(void)buf;
	*used = len;
	return RB_PARSE_DONE;
}

/* A failed dial resets the client, as the destination itself would. */
static int term_reply(struct psess *s, int err)
{
	if (err == 0)
		return 0;
	if (s->cli) {
		tcp_set_callbacks(s->cli, NULL, NULL);
		tcp_abort(s->cli);
		s->cli = NULL;
	}
	return -1;
}

const struct rb_inbound_ops rb_wg_inbound_ops = {
	.name = "wireguard",
	.start = term_start,
	.feed = term_feed,
	.reply = term_reply,
	.incremental = 1,
};

/* ------------------------------------------------------------ packets */

static bool dst_is_ours(struct rb_lcore *lc, int v4, const uint8_t *ip)
{
	const struct rb_fib *fib = __atomic_load_n(&lc->dp->fib, __ATOMIC_ACQUIRE);
	const struct rb_nexthop *nh;
	uint32_t d4;

	if (fib == NULL)
		return true;
	if (v4) {
		memcpy(&d4, ip + 16, 4);
		nh = rb_fib_lookup4(fib, d4);
	} else {
		nh = rb_fib_lookup6(fib, ip + 24);
	}
	return nh != NULL && nh->kind == RB_NH_LOCAL;
}

/* UDP over a chain (p->cksum_todo): RFC 768 (IPv4, zero = none) and RFC
 * 8200 8.1 (IPv6, the pseudo-header's length the upper layer's). */
static bool udp_chain_sum_ok(const struct rte_mbuf *m, const struct wg_term_pkt *p)
{
	const uint8_t *ip = rte_pktmbuf_mtod(m, const uint8_t *);
	uint16_t ck, s;
	uint64_t ps;

	memcpy(&ck, ip + p->hl + 6, 2);
	if (!p->v4)
		return rb_ip6_sum_mbuf(ip + 8, ip + 24, IPPROTO_UDP, m, p->hl, p->ulen) == 0xffff;
	if (ck == 0)
		return true;
	if (rb_cksum_mbuf(m, p->hl, p->ulen, &s) != 0)
		return false;
	/* the pseudo-header: source, destination, zero + protocol, UDP length */
	ps = (uint64_t)s + rb_raw_sum(ip + 12, 8) + rte_cpu_to_be_16(IPPROTO_UDP) +
	     rte_cpu_to_be_16(p->ulen);
	return rb_cksum_fold(ps) == 0xffff;
}

/*
 * A fragment of TCP or UDP, or IPv6 whose fragmentable part begins with an
 * extension header, to another address: into the worker's reassembly table
 * (the peer's fragments are all decrypted on its owner).  Returns the
 * datagram, classified again (p: its chain walked as its destination
 * would), or NULL when the fragment was kept for the rest or dropped and
 * counted.  A WG_TERM_PASS datagram is ICMPv6 (wg_term_is_icmp).
 */
static struct rte_mbuf *term_reassemble(struct rb_lcore *lc, struct rte_mbuf *m,
					struct wg_term_pkt *p, enum wg_term_kind *k)
{
	const uint8_t *ip;

	if (p->v4) {
		struct rte_ipv4_hdr *ih;

		m->l3_len = p->hl;
		m = rb_ip4_reassemble(lc, m);
		if (m == NULL)
			return NULL;
		/* rte_ip_frag leaves the header checksum to an offload */
		ih = rte_pktmbuf_mtod(m, struct rte_ipv4_hdr *);
		ih->hdr_checksum = 0;
		ih->hdr_checksum = rte_ipv4_cksum(ih);
	} else {
		/* the walk stopped at the Fragment header: whatever came
		 * before it is dropped, the fixed header names what follows */
		m = rb_ip6_reassemble(lc, m, &p->w);
		if (m == NULL)
			return NULL;
	}
	ip = rte_pktmbuf_mtod(m, const uint8_t *);
	*k = wg_term_classify_seg(ip, rte_pktmbuf_data_len(m), rte_pktmbuf_pkt_len(m), p);
	if (*k == WG_TERM_UDP && p->cksum_todo && !udp_chain_sum_ok(m, p))
		*k = WG_TERM_BAD_L4;
	if (*k == WG_TERM_PASS && !wg_term_is_icmp(p)) {
		/* a fragment inside the fragmentable part, or a chain ending
		 * in what is not terminated (ESP, AH, No Next Header, unknown):
		 * reassembled, it cannot take the routed path any more */
		rb_drop(lc, m, p->frag ? RB_DROP_FRAG_BAD : RB_DROP_WG_FRAG_PROTO);
		return NULL;
	}
	return m;
}

/* Does the TCP header at hl (its options too) run past m's first segment? */
static bool tcp_hdr_split(const struct rte_mbuf *m, uint16_t hl)
{
	uint8_t b;
	const uint8_t *o = rte_pktmbuf_read(m, hl + 12u, 1, &b);

	return o == NULL || hl + (uint32_t)(*o >> 4) * 4 > rte_pktmbuf_data_len(m);
}

/* ICMP/ICMPv6 to an address that is not ours (wg_term_is_icmp): echo
 * requests are relayed (wg_term_icmp.c); nothing is forwarded as it is
 * (that would leak the peer's tunnel address past the endpoint). */
static void term_icmp(struct rb_lcore *lc, unsigned ep, struct rte_mbuf *m,
		      const struct wg_term_pkt *p)
{
	if (p->w.n_ext != 0)
		rb_count(lc, RB_EV_WG_EXT_TAKEN);
	if (!wg_term_icmp_input(lc, ep, m, p))
		rb_drop(lc, m, RB_DROP_WG_ICMP_DROPPED);
}

bool wg_term_input(struct rb_lcore *lc, unsigned ep, struct rte_mbuf *m)
{
	struct tcp_listener *l = ep < RB_WG_MAX_ENDPOINTS ? term_lis[lc->worker][ep] : NULL;
	struct wg_term_pkt p;
	enum wg_term_kind k;
	const uint8_t *ip;

	if (l == NULL)
		return false;
	if (!rte_pktmbuf_is_contiguous(m) && rte_pktmbuf_linearize(m) != 0) {
		rb_drop(lc, m, RB_DROP_NO_MBUF);
		return true;
	}
	ip = rte_pktmbuf_mtod(m, const uint8_t *);
	k = wg_term_classify(ip, rte_pktmbuf_data_len(m), &p);
	if (k == WG_TERM_BAD_EXT) {
		/* ours: the IP input walks it again and answers as itself */
		if (dst_is_ours(lc, 0, ip))
			return false;
		wg_term_ext_refuse(lc, m, &p.w);
		return true;
	}
	if (k == WG_TERM_PASS && wg_term_is_icmp(&p) && !dst_is_ours(lc, p.v4, ip)) {
		term_icmp(lc, ep, m, &p);
		return true;
	}
	if (k == WG_TERM_PASS && wg_term_frag_l4(ip, &p) && !dst_is_ours(lc, p.v4, ip)) {
		m = term_reassemble(lc, m, &p, &k);
		if (m == NULL)
			return true;
		ip = rte_pktmbuf_mtod(m, const uint8_t *);
		if (k == WG_TERM_BAD_EXT) {
			wg_term_ext_refuse(lc, m, &p.w);
			return true;
		}
		if (k == WG_TERM_PASS) { /* ICMPv6 behind the fragmentable part's headers */
			term_icmp(lc, ep, m, &p);
			return true;
		}
	} else if (k == WG_TERM_PASS ||
		   ((k == WG_TERM_TCP || k == WG_TERM_UDP) && dst_is_ours(lc, p.v4, ip))) {
		return false;
	}
	if (p.w.n_ext != 0)
		rb_count(lc, RB_EV_WG_EXT_TAKEN);
	switch (k) {
	case WG_TERM_BAD_IP:
		rb_drop(lc, m, RB_DROP_IP4_BAD_CSUM);
		return true;
	case WG_TERM_BAD_L4:
		rb_drop(lc, m, p.proto == IPPROTO_UDP ? RB_DROP_WG_UDP_BAD : RB_DROP_TCP_SHORT);
		return true;
	case WG_TERM_UDP:
		return wg_term_udp_input(lc, ep, m, &p);
	default:
		break;
	}
	/* the TCP stack reads the header, options included, from the first
	 * segment: a reassembled SYN may have its options in a later one */
	if (m->next != NULL && tcp_hdr_split(m, p.hl) && rte_pktmbuf_linearize(m) != 0) {
		rb_drop(lc, m, RB_DROP_TCP_SHORT);
		return true;
	}
	rb_count(lc, RB_EV_WG_TERMINATED);
	m->l3_len = p.hl;
	rb_meta(m)->l3 = p.v4 ? 4 : 6;
	rte_pktmbuf_adj(m, p.hl);
	tcp_input_foreign(lc, &m, 1, l);
	return true;
}

/* ------------------------------------------------ IPv6 source fragments */

void wg_term_send6_frags(struct rb_lcore *lc, struct rte_mbuf *m, unsigned mtu,
			 const uint8_t *src, const uint8_t *dst, uint8_t nh)
{
	uint32_t len = rte_pktmbuf_pkt_len(m), chunk = (mtu - RB_IP6_HDR_LEN - 8) & ~7u;
	uint32_t id = rte_cpu_to_be_32((uint32_t)rb_rand_u64(&lc->rand));

	for (uint32_t off = 0; off < len; off += chunk) {
		uint32_t n = RTE_MIN(chunk, len - off);
		struct rte_mbuf *f = rte_pktmbuf_alloc(lc->dp->pool);
		uint16_t fo = rte_cpu_to_be_16((uint16_t)(off | (off + n < len ? 1 : 0)));
		uint8_t *p = f ? (uint8_t *)rte_pktmbuf_append(f, (uint16_t)(8 + n)) : NULL;
		const void *d;

		if (p == NULL) {
			if (f)
				rte_pktmbuf_free(f);
			rb_drop(lc, m, RB_DROP_NO_MBUF);
			return;
		}
		p[0] = nh;
		p[1] = 0;
		memcpy(p + 2, &fo, 2);
		memcpy(p + 4, &id, 4);
		d = rte_pktmbuf_read(m, off, n, p + 8);
		if (d != NULL && d != p + 8)
			memcpy(p + 8, d, n);
		rb_count(lc, RB_EV_FRAG_TX);
		rb_ip6_output(lc, f, src, dst, RB_IP6_NH_FRAGMENT, 0);
	}
	rte_pktmbuf_free(m);
}

/* ------------------------------------------------------------ MSS clamp */

int wg_mss_clamp(struct rte_mbuf *m, uint16_t mtu)
{
	/* SYNs carry no data: one segment holds the headers */
	if (rte_pktmbuf_data_len(m) != rte_pktmbuf_pkt_len(m))
		return 0;
	return wg_mss_clamp_buf(rte_pktmbuf_mtod(m, uint8_t *), rte_pktmbuf_data_len(m), mtu);
}
