/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * WireGuard on the packet path (routed mode).
 *
 * Receive: rb_ip4_local/rb_ip6_local hand every UDP datagram to wg_rx
 * first; datagrams to an endpoint's listen_port are ours.  Data messages
 * are looked up by receiver index; a peer's packets are decrypted on its
 * owner worker (handed over its inbox ring otherwise), queued, and opened
 * in one rb_aead_batch_run per burst; only failed ops are looked at one by
 * one.  Authenticated inner packets (allowed-IPs source check) enter
 * rb_ip4_input/rb_ip6_input as if received on the outer packet's port.
 * Handshake messages are checked statelessly where they arrive (mac1,
 * cookie mode, rate limit) and consumed on the peer's owner.  The receive
 * side past the hook (outer parse, handshakes, the batched open) is in
 * wg_dp_rx.c.
 *
 * Transmit: a FIB route of kind RB_NH_ENDPOINT (the endpoint's address
 * prefixes and every peer's allowed IPs) calls wg_tx; the peer is the
 * longest allowed-IPs match.  Any worker encrypts with the peer's current
 * keypair (RCU-read, nonces reserved atomically), again one batch per
 * burst, and sends UDP through rb_ip4_output/rb_ip6_output.  Without a
 * usable keypair packets are staged on the owner, which starts a handshake.
 *
 * Timers run on the owner every millisecond (wg_poll).  Retired keypairs,
 * peer arrays and allowed-IPs tries are freed after an RCU grace period
 * (rb_dp.qsbr tokens, checked without blocking).
 */
#include <errno.h>
#include <string.h>
#include <endian.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <rte_cycles.h>
#include <rte_ip.h>
#include <rte_ip_frag.h>
#include <rte_malloc.h>
#include <rte_udp.h>
#include <openssl/crypto.h>
#include "../rb_log.h"
#include "../net/route_src.h"
#include "../net/cksum.h"
#include "../net/ip4.h"
#include "../net/nd_wire.h"
#include "wg_dp.h"
#include "wg_counters.h"
#include "wg_term.h"

struct wg_staged {
	uint16_t head, n;
	struct rte_mbuf *m[WG_MAX_STAGED];
};

static __thread struct wg_lc *cur;       /* the worker running WireGuard code now */

/*
 * TSC to nanoseconds, once per received datagram: a multiply by
 * 2^32 * 10^9 / hz and a shift (the two 64-bit divisions it replaced were
 * ~0.4 % of the worker in the wg_iperf.sh profile).  The factor is cached
 * per thread for the hz it was made for; rounding it down makes this clock
 * run slow by under hz / 2^32 ns a second (0.7 ns at 3 GHz): the protocol's
 * timers are seconds long, and nothing compares it with another clock.
 */
static __thread uint64_t now_hz, now_mult;

uint64_t wg_dp_now(const struct rb_dp *dp)
{
	uint64_t t = rte_rdtsc(), hz = dp->tsc_hz;

	if (unlikely(hz != now_hz)) {
		now_mult = (uint64_t)(((unsigned __int128)WG_NSEC << 32) / hz);
		now_hz = hz;
	}
	return (uint64_t)(((unsigned __int128)t * now_mult) >> 32);
}

/* ---- retire (RCU) ---- */

static void reclaim(struct rb_wg *wg, int wait)
{
	uint32_t keep = 0;

	rte_spinlock_lock(&wg->retire_lock);
	for (uint32_t i = 0; i < wg->n_retired; i++) {
		struct wg_retired *r = &wg->retired[i];

		if (wg->dp->qsbr == NULL || rte_rcu_qsbr_check(wg->dp->qsbr, r->token, wait) == 1)
			r->fn(r->ptr);
		else
			wg->retired[keep++] = *r;
	}
	wg->n_retired = keep;
	rte_spinlock_unlock(&wg->retire_lock);
}

/* env.retire wants the rb_wg: the endpoint is inside it. */
static struct rb_wg *wg_of_ep(struct wg_ep *ep)
{
	return (struct rb_wg *)((char *)(ep - ep->index) - offsetof(struct rb_wg, ep));
}

static void env_retire(void *ctx, void *ptr, void (*fn)(void *))
{
	struct rb_wg *wg = wg_of_ep(ctx);

	rte_spinlock_lock(&wg->retire_lock);
	if (wg->n_retired < WG_RETIRE_MAX) {
		wg->retired[wg->n_retired].ptr = ptr;
		wg->retired[wg->n_retired].fn = fn;
		wg->retired[wg->n_retired].token = rte_rcu_qsbr_start(wg->dp->qsbr);
		wg->n_retired++;
		rte_spinlock_unlock(&wg->retire_lock);
		return;
	}
	rte_spinlock_unlock(&wg->retire_lock);
	/* Full (should not happen): wait for a grace period here. */
	rte_rcu_qsbr_synchronize(wg->dp->qsbr, cur ? cur->lc->worker : RTE_QSBR_THRID_INVALID);
	fn(ptr);
}

/* ---- output ---- */

/* Our address toward a peer's outer address: any route but into a tunnel. */
#define WG_OUTER_NH (RB_NH_ROUTABLE & ~RB_NH_BIT(RB_NH_ENDPOINT))

static uint32_t src4_for(struct rb_lcore *lc, uint32_t dst)
{
	uint8_t s[16];
	uint32_t v;

	if (rb_route_src(lc->dp, AF_INET, (const uint8_t *)&dst, WG_OUTER_NH, s, NULL) != 0)
		return 0;
	memcpy(&v, s, 4);
	return v;
}

static bool src6_for(struct rb_lcore *lc, const uint8_t dst[16], uint8_t out[16])
{
	return rb_route_src(lc->dp, AF_INET6, dst, WG_OUTER_NH, out, NULL) == 0;
}

static bool zero16(const uint8_t *a)
{
	static const uint8_t z[16];

	return memcmp(a, z, 16) == 0;
}

/* m holds a WireGuard message (data at its first byte): add UDP and IP. */
static void send_udp(struct rb_lcore *lc, const struct wg_ep *ep, const struct wg_endpoint *to,
		     struct rte_mbuf *m)
{
	struct rte_udp_hdr *u;
	uint16_t len = (uint16_t)(rte_pktmbuf_pkt_len(m) + sizeof(*u));

	if (to->family == 0) {
		rb_drop(lc, m, RB_DROP_WG_NO_ENDPOINT);
		return;
	}
	u = (struct rte_udp_hdr *)rte_pktmbuf_prepend(m, sizeof(*u));
	if (u == NULL) {
		rb_drop(lc, m, RB_DROP_NO_MBUF);
		return;
	}
	u->src_port = rte_cpu_to_be_16(ep->listen_port);
	u->dst_port = rte_cpu_to_be_16(to->port);
	u->dgram_len = rte_cpu_to_be_16(len);
	u->dgram_cksum = 0;
	if (to->family == AF_INET) {
		uint32_t src, dst;

		memcpy(&dst, to->addr, 4);
		memcpy(&src, to->laddr, 4);
		if (src == 0)
			src = src4_for(lc, dst);
		/* RFC 768: a zero checksum is "none"; the AEAD covers the payload. */
		rb_ip4_output(lc, m, src, dst, IPPROTO_UDP, 0, 0);
	} else {
		struct rte_ipv6_hdr ph;

		memcpy(ph.src_addr, to->laddr, 16);
		if (zero16(ph.src_addr) && !src6_for(lc, to->addr, ph.src_addr)) {
			rb_drop(lc, m, RB_DROP_NO_ROUTE);
			return;
		}
		memcpy(ph.dst_addr, to->addr, 16);
		ph.payload_len = rte_cpu_to_be_16(len);
		ph.proto = IPPROTO_UDP;
		if (rte_pktmbuf_is_contiguous(m))
			u->dgram_cksum = rte_ipv6_udptcp_cksum(&ph, u);
		else
			u->dgram_cksum = rte_ipv6_udptcp_cksum_mbuf(m, &ph, 0);
		rb_ip6_output(lc, m, ph.src_addr, to->addr, IPPROTO_UDP, 0);
	}
}

static struct wg_ep *ep_of(struct wg_device *d)
{
	return (struct wg_ep *)((char *)d - offsetof(struct wg_ep, dev));
}

/* env.send: handshake, cookie and keepalive messages from the core. */
static void env_send(void *ctx, struct wg_peer *peer, const struct wg_endpoint *to, const void *buf,
		     size_t len)
{
	struct wg_ep *ep = ctx;
	struct rb_lcore *lc = cur ? cur->lc : NULL;
	struct rte_mbuf *m;
	void *d;

	(void)peer;
	if (lc == NULL)
		return;
	m = rte_pktmbuf_alloc(lc->dp->pool);
	if (m == NULL) {
		rb_drop_count(lc, RB_DROP_NO_MBUF);
		return;
	}
	d = rte_pktmbuf_append(m, (uint16_t)len);
	if (d == NULL) {
		rb_drop(lc, m, RB_DROP_NO_MBUF);
		return;
	}
	memcpy(d, buf, len);
	rb_count(lc, RB_EV_WG_TX_HANDSHAKE);
	send_udp(lc, ep, to, m);
}

/* ---- staging (owner only) ---- */

static void stage(struct rb_lcore *lc, struct wg_peer *p, struct rte_mbuf *m)
{
	struct wg_staged *s = p->staged;

	if (s->n == WG_MAX_STAGED) {
		/* Full: the oldest goes (as the kernel). */
		rb_drop(lc, s->m[s->head], RB_DROP_WG_NO_KEY);
		s->head = (uint16_t)((s->head + 1) % WG_MAX_STAGED);
		s->n--;
	}
	s->m[(s->head + s->n) % WG_MAX_STAGED] = m;
	s->n++;
	rb_count(lc, RB_EV_WG_STAGED);
	wg_send_initiation(p, &cur->x, false);
}

static void tx_queue(struct wg_lc *w, struct wg_peer *p, struct rte_mbuf *m, unsigned ep);
static void tx_flush(struct wg_lc *w);

static int env_keys_ready(void *ctx, struct wg_peer *p)
{
	struct wg_staged *s = p->staged;
	int n = 0;

	(void)ctx;
	if (cur == NULL || s == NULL)
		return 0;
	while (s->n) {
		struct rte_mbuf *m = s->m[s->head];

		s->head = (uint16_t)((s->head + 1) % WG_MAX_STAGED);
		s->n--;
		tx_queue(cur, p, m, ep_of(p->dev)->index);
		n++;
	}
	return n;
}

static void env_clear_staged(void *ctx, struct wg_peer *p)
{
	struct wg_staged *s = p->staged;

	(void)ctx;
	while (s && s->n) {
		if (cur)
			rb_drop(cur->lc, s->m[s->head], RB_DROP_WG_NO_KEY);
		else
			rte_pktmbuf_free(s->m[s->head]);
		s->head = (uint16_t)((s->head + 1) % WG_MAX_STAGED);
		s->n--;
	}
}

void wg_dp_peer_init(struct rb_wg *wg, struct wg_peer *p)
{
	(void)wg;
	p->staged = calloc(1, sizeof(struct wg_staged));
}

/* ---- handoff ---- */

void wg_dp_handoff(struct rb_lcore *lc, unsigned owner, void *ptr, unsigned tag)
{
	struct rb_wg *wg = WG(lc);

	if (rte_ring_mp_enqueue(wg->lcs[owner].inbox, (void *)((uintptr_t)ptr | tag)) != 0) {
		if (tag != WG_DP_TAG_REMOVE)
			rb_drop(lc, ptr, RB_DROP_HANDOFF_FULL);
		return;
	}
	rb_count(lc, RB_EV_WG_HANDOFF);
}

/* ---- receive (the rest is in wg_dp_rx.c) ---- */

static int hook_rx(struct rb_lcore *lc, struct rte_mbuf *m)
{
	struct rb_wg *wg = WG(lc);
	struct wg_lc *w = &wg->lcs[lc->worker];
	const struct rte_udp_hdr *u;
	uint16_t dport;
	int i;

	if (rte_pktmbuf_data_len(m) < m->l3_len + sizeof(*u))
		return 0;
	u = rte_pktmbuf_mtod_offset(m, const struct rte_udp_hdr *, m->l3_len);
	dport = rte_be_to_cpu_16(u->dst_port);
	for (i = 0; i < wg->n_eps; i++)
		if (wg->ep[i].listen_port == dport)
			break;
	if (i == wg->n_eps)
		return 0;
	cur = w;
	w->x.now = wg_dp_now(lc->dp);
	wg_dp_rx_one(w, m, false);
	return 1;
}

/* ---- transmit ---- */

static void tx_queue(struct wg_lc *w, struct wg_peer *p, struct rte_mbuf *m, unsigned ep)
{
	struct wg_pend *pd = &w->tx[w->ntx++];

	pd->m = m;
	pd->obj = p;
	pd->ep = (uint8_t)ep;
	if (w->ntx == RB_AEAD_BATCH_MAX)
		tx_flush(w);
}

/*
 * IPv4 without DF above the endpoint MTU: fragment the inner packet and
 * encrypt each fragment, as Linux does in front of a WireGuard device
 * (ip_finish_output -> ip_fragment at the device MTU).  Fragments are made
 * flat so the in-place AEAD sees one buffer.
 */
static void tx_fragment4(struct rb_lcore *lc, struct wg_lc *w, struct wg_peer *p,
			 struct rte_mbuf *m, const struct wg_ep *ep, unsigned epi)
{
	struct rte_mbuf *frags[RB_IP4_MAX_FRAGS];
	int n = rte_ipv4_fragment_packet(m, frags, RB_IP4_MAX_FRAGS, ep->mtu, lc->dp->pool,
					 lc->dp->pool);

	if (n < 0) {
		rb_drop(lc, m, n == -ENOMEM ? RB_DROP_NO_MBUF : RB_DROP_WG_MTU);
		return;
	}
	rte_pktmbuf_free(m);
	for (int i = 0; i < n; i++) {
		struct rte_ipv4_hdr *ih;

		if (rte_pktmbuf_linearize(frags[i]) != 0) {
			rb_drop(lc, frags[i], RB_DROP_NO_MBUF);
			continue;
		}
		ih = rte_pktmbuf_mtod(frags[i], struct rte_ipv4_hdr *);
		ih->hdr_checksum = 0;
		ih->hdr_checksum = rte_ipv4_cksum(ih);
		rb_count(lc, RB_EV_FRAG_TX);
		tx_queue(w, p, frags[i], epi);
	}
}

static void hook_tx(struct rb_lcore *lc, struct rte_mbuf *m, const struct rb_nexthop *nh)
{
	struct rb_wg *wg = WG(lc);
	struct wg_lc *w = &wg->lcs[lc->worker];
	struct wg_ep *ep = &wg->ep[nh->port];
	const struct wg_allowedips *a = __atomic_load_n(&ep->dev.aips, __ATOMIC_ACQUIRE);
	const uint8_t *ip = rte_pktmbuf_mtod(m, const uint8_t *);
	struct wg_peer *p;
	int v4 = (ip[0] >> 4) == 4;

	rb_cksum_tx_finish(m, 0); /* sealed before any NIC sees it */
	cur = w;
	p = wg_aip_lookup(a, v4 ? AF_INET : AF_INET6, v4 ? ip + 16 : ip + 24);
	if (p == NULL) {
		if (v4)
			rb_icmp4_error(lc, m, RB_ICMP_DEST_UNREACH, RB_ICMP_HOST_UNREACH, 0);
		else
			rb_icmp6_error(lc, m, RB_ICMP6_DEST_UNREACH, RB_ICMP6_DU_ADDR, 0);
		rb_drop(lc, m, RB_DROP_WG_NO_PEER);
		return;
	}
	if (wg_mss_clamp(m, ep->mtu))
		rb_count(lc, RB_EV_WG_MSS_CLAMPED);
	if (rte_pktmbuf_pkt_len(m) > ep->mtu) {
		if (v4 && !(((const struct rte_ipv4_hdr *)ip)->fragment_offset &
			    rte_cpu_to_be_16(RTE_IPV4_HDR_DF_FLAG))) {
			tx_fragment4(lc, w, p, m, ep, nh->port);
			return;
		}
		if (!v4)
			rb_icmp6_error(lc, m, RB_ICMP6_PACKET_TOO_BIG, 0, ep->mtu);
		else if (((const struct rte_ipv4_hdr *)ip)->fragment_offset &
			 rte_cpu_to_be_16(RTE_IPV4_HDR_DF_FLAG))
			rb_icmp4_error(lc, m, RB_ICMP_DEST_UNREACH, RB_ICMP_FRAG_NEEDED, ep->mtu);
		rb_drop(lc, m, RB_DROP_WG_MTU);
		return;
	}
	tx_queue(w, p, m, nh->port);
}

static void tx_flush(struct wg_lc *w)
{
	struct rb_lcore *lc = w->lc;
	struct rb_wg *wg = WG(lc);
	struct rb_aead_batch *b = &w->batch;
	uint16_t n = w->ntx, ok = 0;
	struct wg_pend *pend = w->tx;
	struct wg_peer *lastp = NULL;
	uint64_t acc_n = 0, acc_b = 0;

	if (n == 0)
		return;
	w->ntx = 0;
	rb_aead_batch_reset(b);
	for (uint16_t i = 0; i < n; i++) {
		struct wg_pend *pd = &pend[i];
		struct wg_peer *p = pd->obj;
		struct rte_mbuf *m = pd->m;
		struct wg_ep *ep = &wg->ep[pd->ep];
		struct wg_keypair *kp;
		struct wg_msg_data *h;
		uint32_t len, plen;
		uint8_t *pl, *pad;
		uint64_t ctr;

		kp = wg_keypair_reserve(p, w->x.now, 1, &ctr);
		if (kp == NULL) {
			if (p->owner == lc->worker) {
				stage(lc, p, m);
			} else {
				m->hash.usr = pd->ep;
				wg_dp_handoff(lc, p->owner, m, WG_DP_TAG_TX);
			}
			continue;
		}
		if (!RTE_MBUF_DIRECT(m) || rte_mbuf_refcnt_read(m) > 1 ||
		    !rte_pktmbuf_is_contiguous(m)) {
			/* sealed in place: not in a buffer another queue holds
			 * (TCP zero-copy transmit's indirect frames) */
			m = rb_tx_private(lc, m);
			if (m == NULL)
				continue;
		}
		len = rte_pktmbuf_pkt_len(m);
		plen = (uint32_t)wg_padded_len(len, ep->mtu);
		pad = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)(plen - len + WG_TAG_LEN));
		h = (struct wg_msg_data *)rte_pktmbuf_prepend(m, WG_DATA_HDR_LEN);
		if (pad == NULL || h == NULL) {
			rb_drop(lc, m, RB_DROP_WG_ENCRYPT);
			continue;
		}
		memset(pad, 0, plen - len);
		h->h.type = WG_MSG_DATA;
		memcpy(h->h.reserved, p->reserved, 3);
		h->receiver = htole32(kp->remote_index);
		h->counter = htole64(ctr);
		pl = (uint8_t *)(h + 1);
		pend[ok] = *pd;
		pend[ok].m = m; /* the private copy, when one was taken (pd->m is freed) */
		pend[ok].len = (uint16_t)len;
		wg_counter_nonce(w->nonce[ok], ctr);
		rb_aead_batch_add_seal(b, &kp->send, w->nonce[ok], NULL, 0, pl, pl, plen, pl + plen,
				       NULL);
		ok++;
	}
	if (ok == 0)
		return;
	rb_aead_batch_run(lc->aead, b);
	for (uint16_t i = 0; i < ok; i++) {
		struct wg_pend *pd = &pend[i];
		struct wg_peer *p = pd->obj;
		struct wg_endpoint to;

		if (unlikely(b->op[i].status != RB_AEAD_OK)) {
			rb_drop(lc, pd->m, RB_DROP_WG_ENCRYPT);
			continue;
		}
		if (p != lastp) {
			if (lastp)
				wg_note_sent(lastp, w->x.now, 1, acc_n, acc_b);
			lastp = p;
			acc_n = acc_b = 0;
		}
		acc_n++;
		acc_b += pd->len;
		rb_count(lc, RB_EV_WG_TX_DATA);
		wg_peer_get_endpoint(p, &to);
		send_udp(lc, &wg->ep[pd->ep], &to, pd->m);
	}
	if (lastp)
		wg_note_sent(lastp, w->x.now, 1, acc_n, acc_b);
}

/* ---- the per-loop poll ---- */

static void inbox_one(struct wg_lc *w, void *e)
{
	unsigned tag = (unsigned)((uintptr_t)e & 3);
	void *ptr = (void *)((uintptr_t)e & ~(uintptr_t)3);
	struct rb_wg *wg = WG(w->lc);

	switch (tag) {
	case WG_DP_TAG_RX:
	case WG_DP_TAG_HS:
		wg_dp_rx_one(w, ptr, true);
		break;
	case WG_DP_TAG_TX: {
		struct rte_mbuf *m = ptr;
		unsigned ep = m->hash.usr;
		const uint8_t *ip = rte_pktmbuf_mtod(m, const uint8_t *);
		int v4 = (ip[0] >> 4) == 4;
		struct wg_peer *p = ep < (unsigned)wg->n_eps
					    ? wg_aip_lookup(wg->ep[ep].dev.aips, v4 ? AF_INET : AF_INET6,
							    v4 ? ip + 16 : ip + 24)
					    : NULL;

		if (p == NULL) {
			rb_drop(w->lc, m, RB_DROP_WG_NO_PEER);
			break;
		}
		tx_queue(w, p, m, ep);
		break;
	}
	case WG_DP_TAG_REMOVE: {
		struct wg_peer *p = ptr;

		env_clear_staged(NULL, p);
		free(p->staged);
		p->staged = NULL;
		wg_peer_release(p);
		break;
	}
	}
}

static void sync_counters(struct wg_lc *w)
{
	struct rb_lcore *lc = w->lc;
	uint64_t *ev = lc->stats->events;

	ev[RB_EV_WG_HS_INITIATED] = w->st.hs_initiated;
	ev[RB_EV_WG_HS_COMPLETED] = w->st.hs_completed;
	ev[RB_EV_WG_HS_RESPONDED] = w->st.hs_resp_sent;
	ev[RB_EV_WG_COOKIES_SENT] = w->st.cookies_sent;
	ev[RB_EV_WG_COOKIES_RECEIVED] = w->st.cookies_received;
}

static unsigned hook_poll(struct rb_lcore *lc)
{
	struct rb_wg *wg = WG(lc);
	struct wg_lc *w = &wg->lcs[lc->worker];
	void *e[RB_BURST_MAX];
	unsigned n;

	cur = w;
	w->x.now = wg_dp_now(lc->dp);
	n = rte_ring_sc_dequeue_burst(w->inbox, e, RB_BURST_MAX, NULL);
	for (unsigned i = 0; i < n; i++)
		inbox_one(w, e[i]);
	wg_dp_rx_flush(w);
	tx_flush(w);
	wg_term_udp_poll(lc);
	wg_term_icmp_poll(lc);
	if (w->x.now >= w->next_tick) {
		w->next_tick = w->x.now + WG_NSEC / 1000;
		for (int i = 0; i < wg->n_eps; i++) {
			const struct wg_peer_set *s =
				__atomic_load_n(&wg->ep[i].dev.set, __ATOMIC_ACQUIRE);

			for (uint32_t k = 0; k < s->n; k++)
				if (s->p[k]->owner == lc->worker)
					wg_timers_tick(s->p[k], &w->x);
		}
		tx_flush(w);     /* staged packets a tick may have released */
		sync_counters(w);
		if (lc->worker == 0)
			reclaim(wg, 0);
	}
	return n;
}

/* ---- set-up ---- */

int wg_dp_post_remove(struct rb_wg *wg, struct wg_peer *p)
{
	if (rte_ring_mp_enqueue(wg->lcs[p->owner].inbox,
				 (void *)((uintptr_t)p | WG_DP_TAG_REMOVE)) != 0)
		return -1;
	return 0;
}

static void add_route(struct rb_ep_route *r, int *n, const struct rb_cidr *c, int local,
		      unsigned ep)
{
	r[*n].prefix = *c;
	r[*n].local = (uint8_t)local;
	r[*n].ep = (uint16_t)ep;
	(*n)++;
}

int wg_dp_build_routes(struct rb_wg *wg)
{
	struct rb_dp *dp = wg->dp;
	int cap = 0, n = 0;
	struct rb_ep_route *r;

	for (int e = 0; e < wg->n_eps; e++) {
		const struct wg_peer_set *s = wg->ep[e].dev.set;

		cap += wg->ep[e].n_addrs * 2;
		for (uint32_t k = 0; k < s->n; k++)
			cap += s->p[k]->n_aips;
	}
	r = calloc((size_t)cap + 1, sizeof(*r));
	if (r == NULL)
		return -1;
	for (int e = 0; e < wg->n_eps; e++) {
		const struct wg_ep *ep = &wg->ep[e];
		const struct wg_peer_set *s = ep->dev.set;

		for (int a = 0; a < ep->n_addrs; a++) {
			struct rb_cidr net, host = ep->addrs[a];
			unsigned full = host.family == AF_INET ? 32 : 128;

			rb_cidr_network(&ep->addrs[a], &net);
			if (net.plen < full)
				add_route(r, &n, &net, 0, (unsigned)e);
			host.plen = (uint8_t)full;
			add_route(r, &n, &host, 1, (unsigned)e);
		}
		for (uint32_t k = 0; k < s->n; k++)
			for (int a = 0; a < s->p[k]->n_aips; a++) {
				const struct wg_aip_cfg *ac = &s->p[k]->aips[a];
				struct rb_cidr c = {.family = ac->family, .plen = ac->plen};

				memcpy(c.addr, ac->addr, 16);
				add_route(r, &n, &c, 0, (unsigned)e);
			}
	}
	free(dp->ep_routes);
	dp->ep_routes = r;
	dp->n_ep_routes = n;
	return 0;
}

static void cfg_peer(struct wg_peer_cfg *pc, const struct rb_cfg_wg_peer *c)
{
	memset(pc, 0, sizeof(*pc));
	memcpy(pc->pub, c->public_key, 32);
	memcpy(pc->psk, c->psk, 32);
	if (c->address.family) {
		pc->ep.family = c->address.family;
		memcpy(pc->ep.addr, c->address.addr, 16);
		pc->ep.port = c->port;
	}
	pc->keepalive_interval = c->keepalive;
	for (int i = 0; i < 3 && i < c->n_reserved; i++)
		pc->reserved[i] = (uint8_t)c->reserved[i];
	pc->n_aips = c->n_allowed;
	for (int i = 0; i < c->n_allowed; i++) {
		pc->aips[i].family = c->allowed_ips[i].family;
		pc->aips[i].plen = c->allowed_ips[i].plen;
		memcpy(pc->aips[i].addr, c->allowed_ips[i].addr, 16);
	}
}

int rb_wg_peer_add_cfg(struct rb_wg *wg, int e, const struct rb_cfg_wg_peer *c, char *err,
		       size_t errlen);
int rb_wg_peer_add_cfg(struct rb_wg *wg, int e, const struct rb_cfg_wg_peer *c, char *err,
		       size_t errlen)
{
	struct wg_ep *ep = &wg->ep[e];
	struct wg_peer_cfg pc;
	struct wg_peer *p;
	int rc;

	cfg_peer(&pc, c);
	p = wg_peer_add(&ep->dev, &pc, ep->dev.next_peer_id % (unsigned)wg->dp->n_workers, &rc);
	OPENSSL_cleanse(&pc, sizeof(pc));
	if (p == NULL) {
		snprintf(err, errlen, "endpoint %s: cannot add peer: %s", ep->tag, strerror(-rc));
		return -1;
	}
	wg_dp_peer_init(wg, p);
	return 0;
}

int rb_wg_init(struct rb_dp *dp, const struct rb_config *cfg, char *err, size_t errlen)
{
	const struct rb_cfg_wgs *cw = cfg->wg;
	struct rb_wg *wg;

	if (cw == NULL || cw->n == 0)
		return 0;
	wg = rte_zmalloc("rb_wg", sizeof(*wg), RTE_CACHE_LINE_SIZE);
	if (wg == NULL) {
		snprintf(err, errlen, "wireguard: out of memory");
		return -1;
	}
	wg->dp = dp;
	rte_spinlock_init(&wg->retire_lock);
	rb_rand_init(&wg->main_rand);
	dp->wg = wg;
	for (int e = 0; e < cw->n; e++) {
		const struct rb_cfg_wg *c = &cw->ep[e];
		struct wg_ep *ep = &wg->ep[e];
		struct wg_env env = {.send = env_send, .retire = env_retire,
				     .keys_ready = env_keys_ready,
				     .clear_staged = env_clear_staged, .ctx = ep};

		if (wg_device_init(&ep->dev, c->private_key, &env, c->time_divisor) != 0) {
			snprintf(err, errlen, "wireguard %s: bad private key", c->tag);
			goto fail;
		}
		ep->dev.mtu = c->mtu;
		snprintf(ep->tag, sizeof(ep->tag), "%s", c->tag);
		ep->listen_port = c->listen_port;
		ep->mtu = c->mtu;
		ep->cookie_threshold = c->cookie_threshold;
		ep->n_addrs = c->n_addrs;
		memcpy(ep->addrs, c->address, sizeof(ep->addrs));
		ep->index = (unsigned)e;
		ep->dev.env.ctx = ep;
		wg->n_eps = e + 1;
		for (int k = 0; k < c->n_peers; k++)
			if (rb_wg_peer_add_cfg(wg, e, &c->peers[k], err, errlen) != 0)
				goto fail;
	}
	for (int w = 0; w < dp->n_workers; w++) {
		struct wg_lc *l = &wg->lcs[w];
		char name[RTE_RING_NAMESIZE];

		l->lc = dp->workers[w];
		l->x.rand = &l->lc->rand;
		l->x.aead = l->lc->aead;
		l->x.worker = (unsigned)w;
		l->x.st = &l->st;
		for (int e = 0; e < wg->n_eps; e++) {
			l->cc[e] = wg->ep[e].dev.cookie;
			l->cc[e].have_secret = 0;
		}
		wg_rl_init(&l->rl, rb_rand_u64(&wg->main_rand));
		snprintf(name, sizeof(name), "rb_wg_inbox_%d", w);
		l->inbox = rte_ring_create(name, 4096, SOCKET_ID_ANY, RING_F_SC_DEQ);
		if (l->inbox == NULL) {
			snprintf(err, errlen, "wireguard: cannot create rings");
			goto fail;
		}
	}
	if (wg_dp_build_routes(wg) != 0) {
		snprintf(err, errlen, "wireguard: out of memory");
		goto fail;
	}
	dp->wg_rx = hook_rx;
	dp->wg_tx = hook_tx;
	dp->wg_poll = hook_poll;
	dp->wg_icmp_reply = wg_term_icmp_reply;
	for (int e = 0; e < wg->n_eps; e++) {
		char pub[45];

		wg_key_to_base64(pub, wg->ep[e].dev.pub);
		RB_INFO("wireguard %s: listening on UDP %u, public key %s, %u peers", wg->ep[e].tag,
			wg->ep[e].listen_port, pub, wg->ep[e].dev.set->n);
	}
	return 0;
fail:
	rb_wg_fini(dp);
	return -1;
}

void rb_wg_fini(struct rb_dp *dp)
{
	struct rb_wg *wg = dp->wg;

	if (wg == NULL)
		return;
	dp->wg_rx = NULL;
	dp->wg_tx = NULL;
	dp->wg_poll = NULL;
	dp->wg_icmp_reply = NULL;
	reclaim(wg, 1);
	for (int w = 0; w < RB_MAX_WORKERS; w++) {
		void *e;

		cur = NULL;
		if (wg->lcs[w].inbox == NULL)
			continue;
		while (rte_ring_dequeue(wg->lcs[w].inbox, &e) == 0) {
			unsigned tag = (unsigned)((uintptr_t)e & 3);

			if (tag != WG_DP_TAG_REMOVE)
				rte_pktmbuf_free((void *)((uintptr_t)e & ~(uintptr_t)3));
		}
		rte_ring_free(wg->lcs[w].inbox);
		for (uint16_t i = 0; i < wg->lcs[w].nrx; i++)
			rte_pktmbuf_free(wg->lcs[w].rx[i].m);
		for (uint16_t i = 0; i < wg->lcs[w].ntx; i++)
			rte_pktmbuf_free(wg->lcs[w].tx[i].m);
	}
	for (int e = 0; e < wg->n_eps; e++) {
		const struct wg_peer_set *s = wg->ep[e].dev.set;

		for (uint32_t k = 0; s && k < s->n; k++) {
			env_clear_staged(NULL, s->p[k]);
			free(s->p[k]->staged);
			s->p[k]->staged = NULL;
		}
		wg->ep[e].dev.env.retire = NULL;
		wg_device_fini(&wg->ep[e].dev);
	}
	free(dp->ep_routes);
	dp->ep_routes = NULL;
	dp->n_ep_routes = 0;
	rb_rand_wipe(&wg->main_rand);
	OPENSSL_cleanse(wg, sizeof(*wg));
	rte_free(wg);
	dp->wg = NULL;
}
