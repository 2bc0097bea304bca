/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Opening connections: option negotiation (RFC 9293 3.7.1, RFC 7323,
 * RFC 2018), the listener (RFC 9293 3.10.7.2) with SYN cookies (RFC 4987
 * 3.6) and the hand-over of completed passive opens to the application.
 */
#include <errno.h>
#include <string.h>
#include <netinet/in.h>
#include "tcp_priv.h"
#include "tcp_icmp.h"

/* ---- connection set-up ---- */
uint16_t tcp_local_mss(struct tcp_stack *st, uint16_t port, int family)
{
	const struct rb_port *p = port < RB_MAX_PORTS ? &st->lc->dp->ports[port] : NULL;
	unsigned iph = family == AF_INET ? 20 : 40;

	if (p == NULL || p->mtu <= iph + TCP_HDR_LEN + 64)
		return st->prm.mss_default;
	return (uint16_t)(p->mtu - iph - TCP_HDR_LEN);
}

/* Apply the options of the peer's SYN (RFC 9293 3.7.1, RFC 7323, RFC 2018). */
void tcp_negotiate(struct tcp_conn *c, const struct tcp_opts *o)
{
	struct tcp_stack *st = c->st;
	uint16_t peer = o->has_mss ? o->mss : (c->key.family == AF_INET ? 536 : 1220);
	uint16_t mss = RTE_MIN(peer, c->rcv_mss);

	c->mss = RTE_MAX(mss, 88); /* floor against tiny-MSS resource attacks */
	tcp_pmtu_apply(c); /* a path MTU learnt from ICMP (tcp_pmtu.c) */
	if (st->prm.wscale && o->has_ws) {
		c->flags |= TF_WS;
		c->snd_ws = o->ws;
		c->rcv_ws = tcp_wscale_for(c->rcvbuf);
	} else {
		c->flags &= ~TF_WS;
		c->snd_ws = c->rcv_ws = 0;
	}
	if (st->prm.sack && o->sack_perm)
		c->flags |= TF_SACK;
	if (st->prm.timestamps && o->has_ts) {
		c->flags |= TF_TS;
		c->ts_recent = o->tsval;
		c->ts_recent_age = tcp_now(st);
	}
}

void tcp_conn_init_vars(struct tcp_conn *c)
{
	struct tcp_stack *st = c->st;
	uint64_t k2[2] = {c->st->isn_key[1], c->st->isn_key[0]};

	c->rcv_mss = tcp_local_mss(st, c->port, c->key.family);
	c->mss = c->rcv_mss;
	c->rto = st->prm.rto_init_ms * 1000;
	c->ts_offset = (uint32_t)tcp_siphash(k2, &c->key, sizeof(c->key));
	c->snd_una = c->iss;
	c->snd_nxt = c->iss;
	c->snd_max = c->iss;
	c->sndq_seq = c->iss + 1;
	c->recover = c->iss;
	c->high_rxt = c->iss + 1;
	c->snd_wl2 = c->iss;
}

static struct tcp_conn *tcp_conn_passive(struct tcp_stack *st, struct tcp_listener *l,
					 const struct tcp_key *k, uint16_t port, uint32_t irs,
					 uint32_t iss, const struct tcp_opts *o)
{
	struct tcp_conn *c = tcp_conn_alloc(st);

	if (c == NULL)
		return NULL;
	c->key = *k;
	c->port = port;
	c->iss = iss;
	c->cc = l->cc;
	tcp_conn_init_vars(c);
	c->irs = irs;
	c->rcv_nxt = irs + 1;
	c->rcv_adv = c->rcv_nxt;
	tcp_negotiate(c, o);
	c->cc->init(c);
	c->last_rcv = tcp_now(st);
	return c;
}

void tcp_keep_arm(struct tcp_conn *c)
{
	struct tcp_stack *st = c->st;

	if (st->prm.keepalive_ms)
		c->t_keep = tcp_now(st) + tcp_ms2tsc(st, st->prm.keepalive_ms);
}

/* A passive open completed: hand it to the application. */
int tcp_accept(struct tcp_conn *c, struct tcp_listener *l)
{
	struct tcp_stack *st = c->st;

	c->flags |= TF_APP | TF_ACCEPTED;
	tcp_keep_arm(c);
	rb_count(st->lc, RB_EV_TCP_PASSIVE_OPEN);
	if (l->on_accept(c, l->arg) < 0) {
		if (c->flags & TF_REAP)
			return -1;
		c->flags &= ~TF_APP;
		rb_count(st->lc, RB_EV_TCP_ACCEPT_REFUSED);
		tcp_send_rst(c);
		tcp_conn_drop(c, -ECONNREFUSED);
		return -1;
	}
	return (c->flags & TF_REAP) ? -1 : 0;
}

/* ---- listener (RFC 9293 3.10.7.2) ---- */
static int tcp_use_cookies(struct tcp_stack *st, struct tcp_listener *l)
{
	if (l->cookies == TCP_COOKIES_ALWAYS)
		return 1;
	if (l->cookies == TCP_COOKIES_NEVER)
		return 0;
	return l->n_synrcvd >= l->backlog || st->n_conns >= st->prm.max_conns;
}

static void tcp_cookie_synack(struct tcp_stack *st, const struct tcp_key *k, uint16_t port,
			      const struct tcp_seg *sg)
{
	uint64_t k2[2] = {st->isn_key[1], st->isn_key[0]};
	uint16_t rcv_mss = tcp_local_mss(st, port, k->family);
	uint16_t peer = sg->o.has_mss ? sg->o.mss : (k->family == AF_INET ? 536 : 1220);
	int ts = st->prm.timestamps && sg->o.has_ts;
	int ws = ts && st->prm.wscale && sg->o.has_ws;
	int sack = ts && st->prm.sack && sg->o.sack_perm;
	uint32_t now_ts = tcp_now_ms(st) + (uint32_t)tcp_siphash(k2, k, sizeof(*k)), tsval = now_ts;
	uint32_t cookie;
	struct tcp_opts eff = sg->o;
	uint8_t opt[40];
	unsigned n;

	eff.has_ws = (uint8_t)ws;
	eff.sack_perm = (uint8_t)sack;
	cookie = tcp_cookie_make(st, k, sg->seq, RTE_MIN(peer, rcv_mss), ts ? &tsval : NULL, &eff);
	if (ts && seq_gt(tsval, now_ts))
		tsval -= 64; /* never ahead of the clock the connection will use */
	n = tcp_syn_opts_raw(opt, rcv_mss, sack, ts, tsval, sg->o.tsval, ws,
			     tcp_wscale_for(st->prm.rcvbuf));
	tcp_send_bare(st->lc, port, k, cookie, sg->seq + 1, TCP_SYN | TCP_ACK,
		      (uint16_t)RTE_MIN(st->prm.rcvbuf, 65535u), opt, n);
	rb_count(st->lc, RB_EV_TCP_SYNCOOKIE_SENT);
}

void tcp_listen_input(struct tcp_stack *st, struct tcp_listener *l, struct rte_mbuf *m,
			     struct tcp_seg *sg, const struct tcp_key *k, uint16_t port)
{
	struct rb_lcore *lc = st->lc;
	struct tcp_conn *c;

	if (sg->flags & TCP_RST) {
		rb_drop(lc, m, RB_DROP_TCP_LISTEN_NOT_SYN);
		return;
	}
	if (sg->flags & TCP_ACK) {
		struct tcp_opts o;

		if ((sg->flags & TCP_SYN) || l->cookies == TCP_COOKIES_NEVER ||
		    tcp_cookie_check(st, k, sg->seq - 1, sg->ack - 1, sg->o.tsecr, sg->o.has_ts,
				     &o) < 0) {
			tcp_reply_rst(lc, port, k, sg->seq, sg->ack, sg->flags, seg_seqlen(sg));
			rb_drop(lc, m,
				(sg->flags & TCP_SYN) || l->cookies == TCP_COOKIES_NEVER
					? RB_DROP_TCP_LISTEN_NOT_SYN
					: RB_DROP_TCP_COOKIE_BAD);
			return;
		}
		/* RFC 4987 3.6: rebuild the connection from the cookie. */
		if (o.has_ts)
			o.tsval = sg->o.tsval;
		c = tcp_conn_passive(st, l, k, port, sg->seq - 1, sg->ack - 1, &o);
		if (c == NULL) {
			rte_pktmbuf_free(m);
			return;
		}
		rb_count(lc, RB_EV_TCP_SYNCOOKIE_OK);
		c->flags |= TF_COOKIE;
		c->snd_una = c->snd_nxt = c->snd_max = sg->ack;
		c->snd_wnd = (uint32_t)sg->wnd << c->snd_ws;
		c->max_snd_wnd = c->snd_wnd;
		c->snd_wl1 = sg->seq;
		c->snd_wl2 = sg->ack;
		c->rcv_adv = c->rcv_nxt + RTE_MIN(st->prm.rcvbuf, 65535u);
		tcp_rcv_promise_sync(c);
		tcp_conn_set_state(c, TCPS_ESTABLISHED);
		tcp_conn_hash(c);
		if (tcp_accept(c, l) < 0) {
			rte_pktmbuf_free(m);
			return;
		}
		tcp_conn_input(c, m, sg);
		return;
	}
	if (!(sg->flags & TCP_SYN)) {
		rb_drop(lc, m, RB_DROP_TCP_LISTEN_NOT_SYN);
		return;
	}
	if (tcp_use_cookies(st, l)) {
		tcp_cookie_synack(st, k, port, sg);
		rte_pktmbuf_free(m);
		return;
	}
	if (l->n_synrcvd >= l->backlog) {
		rb_drop(lc, m, RB_DROP_TCP_SYN_QUEUE_FULL);
		return;
	}
	c = tcp_conn_passive(st, l, k, port, sg->seq, tcp_isn(st, k), &sg->o);
	if (c == NULL) {
		rte_pktmbuf_free(m); /* counted once, by tcp_conn_alloc */
		return;
	}
	c->snd_wnd = sg->wnd; /* RFC 7323 2.2: not scaled in a SYN */
	c->max_snd_wnd = c->snd_wnd;
	c->snd_wl1 = sg->seq;
	tcp_conn_set_state(c, TCPS_SYN_RECEIVED);
	c->lst = l;
	l->n_synrcvd++;
	tcp_conn_hash(c);
	c->rtt_start = tcp_now(st);
	tcp_send_syn(c);
	tcp_rexmt_arm(c);
	tcp_timer_update(c);
	rte_pktmbuf_free(m);
}
