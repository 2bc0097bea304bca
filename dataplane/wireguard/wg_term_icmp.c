/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Terminated mode, ICMP echo relay (wg_term.h; sing-box 1.13's network
 * `icmp`): an echo request (RFC 792 type 8 / RFC 4443 4.1 type 128) from
 * the tunnel to an address that is not ours opens a session per (endpoint,
 * peer's inner source, echo identifier, destination) on the worker that
 * decrypted it (the peer's owner), routed once with network `icmp`
 * (inbound = the endpoint tag, ports 0).
 *
 *  - `direct`: the request leaves from our egress address toward the
 *    destination with an identifier of ours (wg_term_icmp_tab.h: the id
 *    names this worker); sequence and data are the peer's.  The echo reply
 *    (RFC 792 / RFC 4443 4.2: same identifier, sequence and data) reaches
 *    the IP input's ICMP code (net/icmp.c, icmp6.c), which hands it to
 *    rb_dp.wg_icmp_reply: on another worker it is handed over to the owner
 *    (rb_handoff); the owner rewrites it back to the peer's identifier and
 *    sends it from the pinged address into the tunnel.  Replies to ids the
 *    table does not know are left to the ICMP code (dropped as before).
 *  - a `reject` rule: method default answers port unreachable from the
 *    pinged address (as sing-box's gVisor stack answers ErrReset: ICMP
 *    port unreachable / ICMPv6 port unreachable), method drop says
 *    nothing; both count wg_icmp_rejected.  `block`: dropped, counted the
 *    same (sing-box's block carries no icmp).  Any other outbound:
 *    wg_icmp_unsupported (sing-box: only direct-route outbounds relay it).
 *  - A route-options override_address of the same family changes where the
 *    echo goes (as sing-box's pre-match); the direct outbound's own
 *    override_address / override_port do not apply to ICMP (sing-box's
 *    direct route ping ignores them too).
 *
 * Requests behind IPv6 extension headers are relayed too (the walk of
 * term_parse.c, net/ip6_ext.h; the request we send carries none).
 * Requests in fragments are reassembled first (IPv4 and IPv6, whatever
 * headers come before the Fragment header): the request leaves fragmented
 * again above the egress MTU, the reply is reassembled by the IP input and
 * fragmented into the tunnel (IPv4 by the tunnel's output; IPv6 here, as
 * the source of the reply toward the peer: wg_term_send6_frags).
 *
 * Each session is a proxy session (proxy_sess_open): a `conns` row
 * (network icmp, inbound = the endpoint tag, source = the peer's inner
 * address and echo identifier as the port, the rule and outbound, bytes of
 * ICMP messages both ways), counted in the proxy metrics; `conns close`
 * ends it.  Idle sessions end after the inbound's UDP timeout (5 min by
 * default), as sing-box keeps its ICMP mappings for its UDP timeout.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <rte_icmp.h>
#include <rte_ip.h>

#include "../net/cksum.h"
#include "../net/ip4.h"
#include "../net/ip6.h"
#include "../net/nd_wire.h"
#include "../net/route_src.h"
#include "../proxy/proxy_priv.h"
#include "term_parse.h"
#include "wg_dp.h"
#include "wg_term.h"
#include "wg_term_icmp_tab.h"

#define WG_ICMP_SCAN_MS  500
#define WG_ICMP4_ERR_MAX 576          /* RFC 1812 4.3.2.3 */

struct wg_icmp_lc {
	struct rb_lcore *lc;
	uint64_t next_scan;
	uint16_t inbound[RB_WG_MAX_ENDPOINTS]; /* proxy inbound per endpoint, 0xffff none */
	struct psess *ps[WG_ICMP_TAB_MAX];      /* per table slot */
	struct wg_icmp_tab tab;
};

static struct wg_icmp_lc *icmp_lc[RB_MAX_WORKERS];

static unsigned alen(int family)
{
	return family == AF_INET ? 4 : 16;
}

static unsigned slot_of(struct wg_icmp_lc *x, const struct wg_icmp_ent *e)
{
	return (unsigned)(e - x->tab.e);
}

/* The session ends: its proxy session goes (no release back into here). */
static void sess_end(struct wg_icmp_ent *e, void *arg)
{
	struct wg_icmp_lc *x = arg;
	struct psess *ps = x->ps[slot_of(x, e)];

	x->ps[slot_of(x, e)] = NULL;
	if (ps != NULL) {
		ps->xin = NULL;
		proxy_sess_free(ps);
	}
}

int wg_term_icmp_enable(struct rb_lcore *lc, unsigned ep, int on)
{
	const struct rb_cfg_wgs *w = lc->dp->cfg->wg;
	struct wg_icmp_lc *x;
	int in;

	if (lc->worker >= RB_MAX_WORKERS || ep >= RB_WG_MAX_ENDPOINTS || w == NULL)
		return -EINVAL;
	x = icmp_lc[lc->worker];
	if (x == NULL && on) {
		x = calloc(1, sizeof(*x));
		if (x == NULL)
			return -ENOMEM;
		x->lc = lc;
		for (int i = 0; i < RB_WG_MAX_ENDPOINTS; i++)
			x->inbound[i] = 0xffff;
		wg_icmp_tab_init(&x->tab, lc->worker, (unsigned)lc->dp->n_workers, 0);
		icmp_lc[lc->worker] = x;
	}
	if (x == NULL)
		return 0;
	if (on) {
		in = rb_cfg_inbound_find(lc->dp->cfg->proxy, w->ep[ep].tag);
		x->inbound[ep] = in < 0 ? 0xffff : (uint16_t)in;
		return in < 0 ? -ENOENT : 0;
	}
	x->inbound[ep] = 0xffff;
	for (int i = 0; i < RB_WG_MAX_ENDPOINTS; i++)
		if (x->inbound[i] != 0xffff)
			return 0;
	/* the last endpoint went: every session ends */
	for (unsigned i = 0; i < x->tab.cap; i++)
		if (x->tab.e[i].used) {
			sess_end(&x->tab.e[i], x);
			wg_icmp_tab_del(&x->tab, &x->tab.e[i]);
		}
	icmp_lc[lc->worker] = NULL;
	free(x);
	return 0;
}

/* `conns close` or the proxy's shutdown: the table entry goes. */
static void sess_release(struct psess *ps)
{
	struct wg_icmp_ent *e = ps->xin;
	struct wg_icmp_lc *x = ps->pl->lc->worker < RB_MAX_WORKERS ? icmp_lc[ps->pl->lc->worker]
								     : NULL;

	ps->xin = NULL;
	if (x == NULL || e == NULL || !e->used)
		return;
	x->ps[slot_of(x, e)] = NULL;
	wg_icmp_tab_del(&x->tab, e);
}

static const struct rb_inbound_ops icmp_sess_ops = {
	.name = "wireguard-icmp",
	.release = sess_release,
};

/* The ICMP message at offset off of m (to its end): checksum over it (and
 * the IPv6 pseudo-header) with the field zeroed first. */
static int set_cksum(struct rte_mbuf *m, uint32_t off, int family, const uint8_t *src,
		     const uint8_t *dst)
{
	uint32_t len = rte_pktmbuf_pkt_len(m) - off;
	uint16_t *ck = rte_pktmbuf_mtod_offset(m, uint16_t *, off + 2);
	uint16_t c;

	*ck = 0;
	if (family == AF_INET) {
		if (rb_cksum_mbuf(m, off, len, &c) != 0)
			return -1;
	} else {
		c = rb_ip6_sum_mbuf(src, dst, RB_IP6_NH_ICMPV6, m, off, len);
	}
	*ck = (uint16_t)~c;
	return 0;
}

/* IP output of the ICMP message m (data at the ICMP header, checksum set). */
static void send_icmp(struct rb_lcore *lc, struct rte_mbuf *m, int family, const uint8_t *src,
		      const uint8_t *dst)
{
	m->ol_flags = 0;
	if (family == AF_INET) {
		uint32_t s, d;

		memcpy(&s, src, 4);
		memcpy(&d, dst, 4);
		rb_ip4_output(lc, m, s, d, IPPROTO_ICMP, 0, 0);
	} else {
		rb_ip6_output(lc, m, src, dst, RB_IP6_NH_ICMPV6, 0);
	}
}

/* An ICMP error about m (the request, data at its IP header; not
 * consumed) from `from` to the peer, quoting m (RFC 1812 4.3.2.3: within
 * 576 bytes; RFC 4443 2.4(c): within 1280); info is the word after the
 * checksum (the Parameter Problem pointer).  Rate limited like our other
 * ICMP errors.  0 when sent. */
static int send_err(struct rb_lcore *lc, struct rte_mbuf *m, int family, const uint8_t *peer,
		    const uint8_t *from, uint8_t type, uint8_t code, uint32_t info)
{
	uint32_t hdr = family == AF_INET ? 20 + 8 : 40 + 8;
	uint32_t max = (family == AF_INET ? WG_ICMP4_ERR_MAX : RB_ICMP6_ERR_MAX) - hdr;
	uint32_t quote = RTE_MIN(rte_pktmbuf_pkt_len(m), max);
	uint32_t word = rte_cpu_to_be_32(info);
	struct rte_mbuf *e;
	uint8_t *ic;
	const void *q;

	if (!rb_icmp_ratelimit(lc))
		return -1;
	e = rte_pktmbuf_alloc(lc->dp->pool);
	if (e == NULL) {
		rb_drop_count(lc, RB_DROP_NO_MBUF);
		return -1;
	}
	quote = RTE_MIN(quote, (uint32_t)rte_pktmbuf_tailroom(e) - 8);
	ic = (uint8_t *)rte_pktmbuf_append(e, (uint16_t)(8 + quote));
	if (ic == NULL) {
		rb_drop(lc, e, RB_DROP_NO_MBUF);
		return -1;
	}
	ic[0] = type;
	ic[1] = code;
	memset(ic + 2, 0, 2);
	memcpy(ic + 4, &word, 4);
	q = rte_pktmbuf_read(m, 0, quote, ic + 8);
	if (q != NULL && q != ic + 8)
		memcpy(ic + 8, q, quote);
	if (set_cksum(e, 0, family, from, peer) != 0) {
		rb_drop(lc, e, RB_DROP_NO_MBUF);
		return -1;
	}
	send_icmp(lc, e, family, from, peer);
	return 0;
}

/* A reject rule's answer (method default): destination unreachable, port
 * unreachable (RFC 792 code 3; RFC 4443 3.1 code 4), from the pinged
 * address to the peer. */
static void send_unreach(struct rb_lcore *lc, struct rte_mbuf *m, int family, const uint8_t *peer,
			 const uint8_t *pinged)
{
	if (send_err(lc, m, family, peer, pinged,
		     family == AF_INET ? RB_ICMP_DEST_UNREACH : RB_ICMP6_DEST_UNREACH,
		     family == AF_INET ? RB_ICMP_PORT_UNREACH : RB_ICMP6_DU_PORT, 0) == 0)
		rb_count(lc, RB_EV_WG_ICMP_UNREACH);
}

/*
 * A decrypted IPv6 packet to an address that is not ours whose extension
 * headers its destination would refuse (wg_term_classify: WG_TERM_BAD_EXT).
 * We stand in for that destination, so we answer as RFC 8200 4 asks it to:
 * the Parameter Problem the walk names (an unrecognized option with action
 * 10/11, 4.2; a Routing header with Segments Left != 0 and a type we do
 * not implement, 4.4; Hop-by-Hop not first, 4.1) from the address the
 * peer sent to, into the tunnel, within RFC 4443 2.4(e): never about an
 * ICMPv6 error, never to or from a group or the unspecified address.
 * Truncated chains and those over our limits are only dropped.  m is
 * consumed under the walk's drop counter.
 */
void wg_term_ext_refuse(struct rb_lcore *lc, struct rte_mbuf *m, const struct rb_ip6_walk *w)
{
	const uint8_t *ip = rte_pktmbuf_mtod(m, const uint8_t *);

	if (w->pp_code >= 0 && !rb_ip6_is_mcast(ip + 24) && !rb_ip6_is_mcast(ip + 8) &&
	    !rb_ip6_is_unspec(ip + 8) && !rb_icmp6_is_error(m) &&
	    send_err(lc, m, AF_INET6, ip + 8, ip + 24, RB_ICMP6_PARAM_PROBLEM, (uint8_t)w->pp_code,
		     w->pointer) == 0)
		rb_count(lc, RB_EV_WG_EXT_PARAM_PROBLEM);
	rb_drop(lc, m, (enum rb_drop)rb_ip6_walk_drop(w));
}

/* Route a new session and open it; NULL with why set when refused (m is
 * left to the caller, which drops it under why). */
static struct wg_icmp_ent *sess_open(struct wg_icmp_lc *x, unsigned ep,
				     const struct wg_icmp_key *k, struct rte_mbuf *m, int *why)
{
	struct rb_lcore *lc = x->lc;
	const struct rb_cfg_proxy *p = lc->dp->cfg->proxy;
	const struct rb_cfg_inbound *in = &p->inbounds[x->inbound[ep]];
	const unsigned al = alen(k->family);
	struct rb_route_result res;
	struct rb_route_req rq;
	struct wg_icmp_ent *e;
	struct psess *ps;
	uint8_t to[16];

	memset(&rq, 0, sizeof(rq));
	memset(&res, 0, sizeof(res));
	rq.inbound = x->inbound[ep];
	rq.network = RB_NET_ICMP;
	rq.src_family = k->family;
	memcpy(rq.src_addr, k->src, al);
	rq.dst.family = k->family;
	memcpy(rq.dst.addr, k->dst, al);
	*why = RB_DROP_WG_ICMP_REJECTED;
	if (rb_route_match(lc, &rq, &res) < 0 || res.outbound >= p->n_outbounds)
		return NULL;
	if (res.action == RB_ACT_REJECT) {
		if (res.reject == RB_REJECT_DEFAULT)
			send_unreach(lc, m, k->family, k->src, k->dst);
		return NULL;
	}
	if (p->outbounds[res.outbound].type == RB_OUT_BLOCK)
		return NULL;
	if (p->outbounds[res.outbound].type != RB_OUT_DIRECT) {
		*why = RB_DROP_WG_ICMP_UNSUPPORTED;
		return NULL;
	}
	memset(to, 0, sizeof(to));
	memcpy(to, k->dst, al);
	if (res.override_family == k->family)
		memcpy(to, res.override_addr, al);
	else if (res.override_family != 0)
		return NULL; /* the echo cannot change family */
	/* its row in the connections table; a full table refuses it */
	*why = RB_DROP_WG_ICMP_FULL;
	ps = proxy_sess_open(lc, x->inbound[ep], k->family, k->src, k->id);
	if (ps == NULL)
		return NULL;
	e = wg_icmp_tab_add(&x->tab, k, to, lc->now);
	if (e == NULL) {
		/* proxy_sess_open leaves it PS_FREE, which proxy_sess_free skips */
		ps->state = PS_UDP;
		proxy_sess_free(ps);
		return NULL;
	}
	e->idle = lc->dp->tsc_hz * (in->udp_timeout_s ? in->udp_timeout_s : 300);
	x->ps[slot_of(x, e)] = ps;
	ps->state = PS_UDP;
	ps->in_ops = &icmp_sess_ops;
	ps->xin = e;
	ps->req.cmd = RB_CMD_ICMP_ECHO;
	ps->req.dst.family = k->family;
	memcpy(ps->req.dst.addr, k->dst, al);
	ps->req.dst.port = 0;
	ps->target.family = k->family;
	memcpy(ps->target.addr, to, al);
	ps->target.port = 0;
	ps->route = res;
	ps->outbound = res.outbound;
	proxy_count_routed(ps);
	proxy_info_update(ps, RB_CONN_RELAY);
	rb_count(lc, RB_EV_WG_ICMP_SESSIONS);
	return e;
}

bool wg_term_icmp_input(struct rb_lcore *lc, unsigned ep, struct rte_mbuf *m,
			const struct wg_term_pkt *p)
{
	struct wg_icmp_lc *x = lc->worker < RB_MAX_WORKERS ? icmp_lc[lc->worker] : NULL;
	int family = p->v4 ? AF_INET : AF_INET6;
	const uint8_t *ip = rte_pktmbuf_mtod(m, const uint8_t *);
	uint16_t hl = p->hl;
	struct wg_icmp_key k;
	struct wg_icmp_ent *e;
	uint8_t src[16];
	const uint8_t *ic;
	uint16_t c;
	uint32_t len;
	int why;

	if (x == NULL || ep >= RB_WG_MAX_ENDPOINTS || x->inbound[ep] == 0xffff)
		return false;
	if (p->v4 && (((const struct rte_ipv4_hdr *)ip)->fragment_offset &
		      rte_cpu_to_be_16(RTE_IPV4_HDR_MF_FLAG | RTE_IPV4_HDR_OFFSET_MASK)) != 0) {
		m->l3_len = hl;
		m = rb_ip4_reassemble(lc, m);
		if (m == NULL)
			return true; /* kept for the rest, or dropped and counted */
		ip = rte_pktmbuf_mtod(m, const uint8_t *);
		hl = (uint16_t)m->l3_len;
	} else if (!p->v4 && p->frag) {
		/* ICMPv6 in fragments: the walk stopped at the Fragment header
		 * (after any other headers, which rb_ip6_reassemble drops) */
		struct rb_ip6_walk w;
		int rc;

		m = rb_ip6_reassemble(lc, m, &p->w);
		if (m == NULL)
			return true;
		/* the fragmentable part's own headers, as its destination */
		ip = rte_pktmbuf_mtod(m, const uint8_t *);
		rc = rb_ip6_walk(ip, RTE_MIN((uint32_t)rte_pktmbuf_data_len(m), rte_pktmbuf_pkt_len(m)),
				 RB_IP6_HDR_LEN, 6, 0, &w);
		if (rc == RB_IP6W_BAD || rc == RB_IP6W_LIMIT) {
			wg_term_ext_refuse(lc, m, &w);
			return true;
		}
		if (rc != RB_IP6W_OK || w.proto != RB_IP6_NH_ICMPV6) {
			/* a fragment inside, or not ICMPv6 after all */
			rb_drop(lc, m, rc == RB_IP6W_FRAG ? RB_DROP_FRAG_BAD : RB_DROP_WG_ICMP_DROPPED);
			return true;
		}
		hl = w.off;
	}
	/* the header is rewritten in place: it must lie in the first segment */
	if (rte_pktmbuf_data_len(m) < hl + 8u) {
		rb_drop(lc, m, p->v4 ? RB_DROP_ICMP_MALFORMED : RB_DROP_ICMP6_MALFORMED);
		return true;
	}
	len = rte_pktmbuf_pkt_len(m) - hl;
	ic = ip + hl;
	if (ic[0] != (p->v4 ? RB_ICMP_ECHO_REQUEST : RB_ICMP6_ECHO_REQUEST) || ic[1] != 0) {
		/* not relayed, and not forwarded as it is (that would leak the
		 * peer's tunnel address past the endpoint) */
		rb_drop(lc, m, RB_DROP_WG_ICMP_DROPPED);
		return true;
	}
	if (p->v4 ? rb_cksum_mbuf(m, hl, len, &c) != 0 || c != 0xffff
		  : rb_ip6_sum_mbuf(ip + 8, ip + 24, RB_IP6_NH_ICMPV6, m, hl, len) != 0xffff) {
		rb_drop(lc, m, p->v4 ? RB_DROP_ICMP_MALFORMED : RB_DROP_ICMP6_MALFORMED);
		return true;
	}
	memset(&k, 0, sizeof(k));
	k.family = (uint8_t)family;
	k.ep = (uint8_t)ep;
	memcpy(&k.id, ic + 4, 2);
	k.id = rte_be_to_cpu_16(k.id);
	memcpy(k.src, p->v4 ? ip + 12 : ip + 8, alen(family));
	memcpy(k.dst, p->v4 ? ip + 16 : ip + 24, alen(family));
	e = wg_icmp_tab_find(&x->tab, &k);
	if (e == NULL) {
		e = sess_open(x, ep, &k, m, &why);
		if (e == NULL) {
			rb_drop(lc, m, (enum rb_drop)why);
			return true;
		}
	}
	/* out of a port only: never back into a tunnel, never to us */
	if (rb_route_src(lc->dp, family, e->to, RB_NH_ETH, src, NULL) != 0) {
		rb_drop(lc, m, RB_DROP_NO_ROUTE);
		return true;
	}
	e->last = lc->now;
	if (x->ps[slot_of(x, e)] != NULL)
		proxy_count_bytes(x->ps[slot_of(x, e)], 1, len);
	/* the request from our address, with our identifier */
	rte_pktmbuf_adj(m, hl);
	*rte_pktmbuf_mtod_offset(m, uint16_t *, 4) = rte_cpu_to_be_16(e->outer);
	if (set_cksum(m, 0, family, src, e->to) != 0) {
		rb_drop(lc, m, RB_DROP_NO_MBUF);
		return true;
	}
	rb_count(lc, RB_EV_WG_ICMP_FORWARDED);
	send_icmp(lc, m, family, src, e->to);
	return true;
}

int wg_term_icmp_reply(struct rb_lcore *lc, struct rte_mbuf *m)
{
	struct wg_icmp_lc *x;
	struct rb_mbuf_meta *mt = rb_meta(m);
	int family = mt->l3 == 6 ? AF_INET6 : AF_INET;
	const uint8_t *ip = rte_pktmbuf_mtod(m, const uint8_t *);
	uint32_t off = (uint32_t)m->l3_len;
	struct wg_icmp_ent *e;
	struct psess *ps;
	uint8_t hdr[8];
	const uint8_t *ic = rte_pktmbuf_read(m, off, sizeof(hdr), hdr);
	unsigned owner, mtu;
	uint16_t outer;

	if (ic == NULL || ic[1] != 0)
		return 0;
	memcpy(&outer, ic + 4, 2);
	outer = rte_be_to_cpu_16(outer);
	owner = wg_icmp_outer_owner(outer, (unsigned)lc->dp->n_workers);
	if (owner != lc->worker) {
		/* the session lives on its owner: hand the reply over once */
		if (mt->kind == RB_MK_L3 || lc->dp->workers[owner] == NULL)
			return 0;
		rb_handoff(lc, owner, m);
		return 1;
	}
	x = lc->worker < RB_MAX_WORKERS ? icmp_lc[lc->worker] : NULL;
	if (x == NULL)
		return 0;
	e = wg_icmp_tab_reply(&x->tab, (uint8_t)family, family == AF_INET ? ip + 12 : ip + 8, outer);
	if (e == NULL)
		return 0;
	/* back to the peer: its identifier, from the address it pinged */
	e->last = lc->now;
	ps = x->ps[slot_of(x, e)];
	rte_pktmbuf_adj(m, (uint16_t)off);
	if (rte_pktmbuf_data_len(m) < 8) { /* rewritten in place below */
		rb_drop(lc, m, family == AF_INET ? RB_DROP_ICMP_MALFORMED : RB_DROP_ICMP6_MALFORMED);
		return 1;
	}
	if (ps != NULL)
		proxy_count_bytes(ps, 0, rte_pktmbuf_pkt_len(m));
	*rte_pktmbuf_mtod_offset(m, uint16_t *, 4) = rte_cpu_to_be_16(e->k.id);
	if (set_cksum(m, 0, family, e->k.dst, e->k.src) != 0) {
		rb_drop(lc, m, RB_DROP_NO_MBUF);
		return 1;
	}
	rb_count(lc, RB_EV_WG_ICMP_REPLY);
	mtu = lc->dp->cfg->wg && e->k.ep < lc->dp->cfg->wg->n ? lc->dp->cfg->wg->ep[e->k.ep].mtu : 0;
	if (family == AF_INET6 && mtu >= 1280 && rte_pktmbuf_pkt_len(m) + RB_IP6_HDR_LEN > mtu)
		wg_term_send6_frags(lc, m, mtu, e->k.dst, e->k.src, RB_IP6_NH_ICMPV6);
	else
		send_icmp(lc, m, family, e->k.dst, e->k.src);
	return 1;
}

void wg_term_icmp_poll(struct rb_lcore *lc)
{
	struct wg_icmp_lc *x = lc->worker < RB_MAX_WORKERS ? icmp_lc[lc->worker] : NULL;
	unsigned n;

	if (x == NULL || lc->now < x->next_scan)
		return;
	x->next_scan = lc->now + lc->dp->tsc_hz / 1000 * WG_ICMP_SCAN_MS;
	n = wg_icmp_tab_expire(&x->tab, lc->now, sess_end, x);
	if (n)
		rb_count_n(lc, RB_EV_WG_ICMP_EXPIRED, n);
}
