/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * WireGuard on the packet path: the receive side (moved from wg_dp.c, whose
 * hook_rx calls in here, as does its inbox for datagrams handed over).
 * The outer IP + UDP is parsed and checked once; handshake messages are
 * classified statelessly (mac1, cookie mode, rate limit) and consumed on
 * the peer's owner; data messages are queued on their owner and opened in
 * one rb_aead_batch_run per burst (wg_dp_rx_flush), then enter terminated
 * mode or rb_ip4_input/rb_ip6_input as if received on the outer port.
 */
#include <string.h>
#include <endian.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <rte_ip.h>
#include <rte_udp.h>
#include "../net/ip4.h"
#include "wg_dp.h"
#include "wg_counters.h"
#include "wg_term.h"

struct outer {
	struct wg_endpoint from;
	uint16_t off, len;       /* WireGuard message: offset from the IP header, length */
	int ep;
};

/* Parse IP + UDP (data at the IP header); -1 when not to a WG port. */
static int parse_outer(struct rb_wg *wg, struct rte_mbuf *m, struct outer *o, int *bad)
{
	const uint8_t *ip = rte_pktmbuf_mtod(m, const uint8_t *);
	uint32_t l3 = (uint32_t)m->l3_len, dlen;
	const struct rte_udp_hdr *u;
	uint16_t dport, ulen;

	*bad = 0;
	o->off = o->len = 0; /* set on success only; GCC's -Wmaybe-uninitialized under ASan */
	if (rte_pktmbuf_data_len(m) < l3 + sizeof(*u))
		return -1;
	u = (const struct rte_udp_hdr *)(ip + l3);
	dport = rte_be_to_cpu_16(u->dst_port);
	o->ep = -1;
	for (int i = 0; i < wg->n_eps; i++)
		if (wg->ep[i].listen_port == dport) {
			o->ep = i;
			break;
		}
	if (o->ep < 0)
		return -1;
	ulen = rte_be_to_cpu_16(u->dgram_len);
	dlen = rte_pktmbuf_data_len(m) - l3;
	*bad = 1;
	if (!rte_pktmbuf_is_contiguous(m) || ulen < sizeof(*u) + 4 || ulen > dlen)
		return 0;
	memset(&o->from, 0, sizeof(o->from));
	if ((ip[0] >> 4) == 4) {
		const struct rte_ipv4_hdr *ih = (const struct rte_ipv4_hdr *)ip;

		if (u->dgram_cksum && rte_ipv4_udptcp_cksum_verify(ih, u) != 0)
			return 0;
		o->from.family = AF_INET;
		memcpy(o->from.addr, &ih->src_addr, 4);
		memcpy(o->from.laddr, &ih->dst_addr, 4);
	} else {
		const struct rte_ipv6_hdr *ih = (const struct rte_ipv6_hdr *)ip;

		if (rte_ipv6_udptcp_cksum_verify(ih, u) != 0)
			return 0;
		o->from.family = AF_INET6;
		memcpy(o->from.addr, ih->src_addr, 16);
		memcpy(o->from.laddr, ih->dst_addr, 16);
	}
	o->from.port = rte_be_to_cpu_16(u->src_port);
	o->off = (uint16_t)(l3 + sizeof(*u));
	o->len = (uint16_t)(ulen - sizeof(*u));
	*bad = 0;
	return 0;
}

/* Which drop a failed handshake message counts as (from the stats delta). */
static enum rb_drop hs_drop(const struct wg_device_stats *a, const struct wg_device_stats *b)
{
	if (b->hs_fail_mac != a->hs_fail_mac)
		return RB_DROP_WG_BAD_MAC;
	if (b->cookies_sent != a->cookies_sent)
		return RB_DROP_WG_COOKIE_REPLIED;
	if (b->hs_fail_ratelimit != a->hs_fail_ratelimit)
		return RB_DROP_WG_RATELIMIT;
	if (b->hs_fail_unknown_peer != a->hs_fail_unknown_peer)
		return RB_DROP_WG_HS_UNKNOWN_PEER;
	if (b->hs_fail_replay != a->hs_fail_replay)
		return RB_DROP_WG_HS_REPLAY;
	if (b->hs_fail_flood != a->hs_fail_flood)
		return RB_DROP_WG_HS_FLOOD;
	if (b->hs_fail_decrypt != a->hs_fail_decrypt || b->cookie_bad != a->cookie_bad)
		return RB_DROP_WG_HS_DECRYPT;
	if (b->hs_fail_index != a->hs_fail_index)
		return RB_DROP_WG_UNKNOWN_INDEX;
	return RB_DROP_WG_HS_STATE;
}

static bool under_load(struct wg_lc *w, const struct wg_ep *ep)
{
	uint64_t now = w->x.now;

	if (now - w->hs_window >= WG_NSEC) {
		w->hs_window = now;
		w->hs_count = 0;
	}
	if (++w->hs_count > ep->cookie_threshold) {
		if (w->last_under_load == 0 || now - w->last_under_load >= WG_NSEC)
			rb_count(w->lc, RB_EV_WG_UNDER_LOAD);
		w->last_under_load = now;
	}
	return w->last_under_load && now - w->last_under_load < WG_NSEC;
}

static void rx_handshake(struct wg_lc *w, struct rte_mbuf *m, const struct outer *o, bool owner_side)
{
	struct rb_lcore *lc = w->lc;
	struct wg_ep *ep = &WG(lc)->ep[o->ep];
	uint8_t *msg = rte_pktmbuf_mtod_offset(m, uint8_t *, o->off);
	struct wg_device_stats before = w->st;
	struct wg_peer *p;
	enum wg_rx_verdict v;
	bool load = owner_side ? false : under_load(w, ep);

	v = wg_rx_classify(&ep->dev, &w->x, &w->cc[o->ep], &w->rl, msg, o->len, &o->from, load,
			   &p);
	if (v != WG_RX_PEER) {
		rb_drop(lc, m, hs_drop(&before, &w->st));
		return;
	}
	if (p->owner != lc->worker) {
		wg_dp_handoff(lc, p->owner, m, WG_DP_TAG_HS);
		return;
	}
	if (wg_rx_handshake(p, &w->x, msg, o->len, &o->from) != 0) {
		rb_drop(lc, m, hs_drop(&before, &w->st));
		return;
	}
	rte_pktmbuf_free(m);
}

void wg_dp_rx_one(struct wg_lc *w, struct rte_mbuf *m, bool from_inbox)
{
	struct rb_lcore *lc = w->lc;
	struct rb_wg *wg = WG(lc);
	struct outer o;
	const uint8_t *msg;
	struct wg_keypair *kp;
	struct wg_pend *pd;
	int bad;

	if (parse_outer(wg, m, &o, &bad) < 0 || bad) {
		rb_drop(lc, m, RB_DROP_WG_BAD_MSG);
		return;
	}
	msg = rte_pktmbuf_mtod_offset(m, const uint8_t *, o.off);
	if (!wg_msg_len_ok(msg, o.len)) {
		rb_drop(lc, m, RB_DROP_WG_BAD_MSG);
		return;
	}
	if (msg[0] != WG_MSG_DATA) {
		rx_handshake(w, m, &o, from_inbox);
		return;
	}
	kp = wg_index_lookup(&wg->ep[o.ep].dev, le32toh(((const struct wg_msg_data *)msg)->receiver),
			     WG_IDX_KEYPAIR);
	if (kp == NULL) {
		rb_drop(lc, m, RB_DROP_WG_UNKNOWN_INDEX);
		return;
	}
	if (kp->peer->owner != lc->worker) {
		wg_dp_handoff(lc, kp->peer->owner, m, WG_DP_TAG_RX);
		return;
	}
	if (!wg_keypair_rx_valid(&wg->ep[o.ep].dev, kp, w->x.now)) {
		rb_drop(lc, m, RB_DROP_WG_KEY_EXPIRED);
		return;
	}
	pd = &w->rx[w->nrx++];
	pd->m = m;
	pd->obj = kp;
	pd->off = o.off;
	pd->len = o.len;
	pd->ep = (uint8_t)o.ep;
	pd->ctr = le64toh(((const struct wg_msg_data *)msg)->counter);
	pd->from = o.from;
	if (w->nrx == RB_AEAD_BATCH_MAX)
		wg_dp_rx_flush(w);
}

void wg_dp_rx_flush(struct wg_lc *w)
{
	struct rb_lcore *lc = w->lc;
	struct rb_wg *wg = WG(lc);
	struct rb_aead_batch *b = &w->batch;
	struct rte_mbuf *in4[RB_AEAD_BATCH_MAX], *in6[RB_AEAD_BATCH_MAX];
	uint16_t n4 = 0, n6 = 0, n = w->nrx;

	if (n == 0)
		return;
	w->nrx = 0;
	rb_aead_batch_reset(b);
	for (uint16_t i = 0; i < n; i++) {
		struct wg_pend *pd = &w->rx[i];
		struct wg_keypair *kp = pd->obj;
		uint8_t *pl = rte_pktmbuf_mtod_offset(pd->m, uint8_t *, pd->off + WG_DATA_HDR_LEN);
		uint32_t plen = pd->len - WG_DATA_MIN_LEN;

		wg_counter_nonce(w->nonce[i], pd->ctr);
		rb_aead_batch_add_open(b, &kp->recv, w->nonce[i], NULL, 0, pl, pl, plen, pl + plen,
				       pd);
	}
	rb_aead_batch_run(lc->aead, b);
	for (uint16_t i = 0; i < n; i++) {
		struct wg_pend *pd = &w->rx[i];
		struct wg_keypair *kp = pd->obj;
		struct wg_peer *p = kp->peer;
		struct rte_mbuf *m = pd->m;
		uint32_t plen = pd->len - WG_DATA_MIN_LEN;
		const uint8_t *pl;
		int r;

		if (unlikely(b->op[i].status != RB_AEAD_OK)) {
			rb_drop(lc, m, RB_DROP_WG_DECRYPT);
			continue;
		}
		if (wg_data_post(p, kp, &w->x, pd->ctr, &pd->from, plen) != 0) {
			rb_drop(lc, m, RB_DROP_WG_REPLAY);
			continue;
		}
		if (plen == 0) {
			rb_count(lc, RB_EV_WG_RX_KEEPALIVE);
			rte_pktmbuf_free(m);
			continue;
		}
		pl = rte_pktmbuf_mtod_offset(m, const uint8_t *, pd->off + WG_DATA_HDR_LEN);
		r = wg_inner_check(&wg->ep[pd->ep].dev, p, pl, plen);
		if (r < 0) {
			rb_drop(lc, m, r == -1 ? RB_DROP_WG_INNER_BAD : RB_DROP_WG_SRC_NOT_ALLOWED);
			continue;
		}
		p->st.rx_packets++;
		p->st.rx_bytes += (uint64_t)r;
		rb_count(lc, RB_EV_WG_RX_DATA);
		{
			/* Keep the inner header at the outer one's alignment (mod 8),
			 * as a received frame's would be: the L3 path hashes and
			 * loads addresses in place. */
			uint16_t o0 = m->data_off, shift = (uint16_t)((pd->off + WG_DATA_HDR_LEN) & 7);

			rte_pktmbuf_adj(m, (uint16_t)(pd->off + WG_DATA_HDR_LEN));
			rte_pktmbuf_trim(m, (uint16_t)(rte_pktmbuf_pkt_len(m) - (uint32_t)r));
			if (shift && m->data_off - shift >= o0) {
				memmove(rte_pktmbuf_mtod(m, uint8_t *) - shift,
					rte_pktmbuf_mtod(m, uint8_t *), (size_t)r);
				m->data_off = (uint16_t)(m->data_off - shift);
			}
			pl = rte_pktmbuf_mtod(m, const uint8_t *);
		}
		m->l2_len = 0;
		m->ol_flags = 0;
		rb_meta(m)->kind = RB_MK_RX;
		if (wg_mss_clamp(m, wg->ep[pd->ep].mtu))
			rb_count(lc, RB_EV_WG_MSS_CLAMPED);
		if (wg_term_input(lc, pd->ep, m))
			continue;
		if ((pl[0] >> 4) == 4) {
			rb_meta(m)->l3 = 4;
			in4[n4++] = m;
		} else {
			rb_meta(m)->l3 = 6;
			in6[n6++] = m;
		}
	}
	if (n4)
		rb_ip4_input(lc, in4, n4);
	if (n6)
		rb_ip6_input(lc, in6, n6);
}
