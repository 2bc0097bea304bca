/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TCP input: the state machine of RFC 9293 3.10.7.3-4 for a segment whose
 * connection is known, with RFC 5961 (challenge ACKs), RFC 7323 (PAWS,
 * timestamps), RFC 6298 (RTT), RFC 5681/6582 (fast retransmit, NewReno) and
 * RFC 6675 (SACK recovery).  Segments reach it through tcp_demux.c; the
 * listener (RFC 9293 3.10.7.2, SYN cookies) is in tcp_open.c; receiving
 * data, FIN and TIME_WAIT (RFC 9293 3.10.7.4 seventh, eighth) in tcp_rcv.c.
 */
#include <errno.h>
#include <string.h>
#include <netinet/in.h>
#include <rte_ip.h>
#include "tcp_priv.h"
#include "tcp_psum.h"

/* ---- RTT (RFC 6298 2) ---- */
void tcp_rtt_sample(struct tcp_conn *c, uint32_t r)
{
	const struct tcp_params *prm = &c->st->prm;
	uint64_t rto;

	if (r == 0)
		r = 1;
	if (c->min_rtt == 0 || r < c->min_rtt)
		c->min_rtt = r; /* RACK's reo_wnd (tcp_rack.c) */
	if (c->srtt == 0) {
		c->srtt = r;
		c->rttvar = r / 2;
	} else {
		uint32_t delta = c->srtt > r ? c->srtt - r : r - c->srtt;

		c->rttvar = (3 * c->rttvar + delta) / 4;
		c->srtt = (7 * c->srtt + r) / 8;
	}
	rto = (uint64_t)c->srtt + RTE_MAX(1000u, 4 * c->rttvar);
	rto = RTE_MAX(rto, (uint64_t)prm->rto_min_ms * 1000);
	rto = RTE_MIN(rto, (uint64_t)prm->rto_max_ms * 1000);
	c->rto = (uint32_t)rto;
}

/* ---- ACK processing (RFC 9293 3.10.7.4 fifth) ---- */
static void tcp_notify_writable(struct tcp_conn *c)
{
	if ((c->flags & (TF_WANT_WRITE | TF_APP)) == (TF_WANT_WRITE | TF_APP) &&
	    tcp_send_space(c) > 0) {
		c->flags &= ~TF_WANT_WRITE;
		if (c->cb && c->cb->on_writable)
			c->cb->on_writable(c);
	}
}

static void sndq_trim(struct tcp_conn *c, uint32_t n)
{
	struct tcp_stack *st = c->st;

	c->sndq.bytes -= n;
	c->sndq_seq += n;
	c->sndq_off += n;
	while (c->sndq.head != NULL && c->sndq_off >= c->sndq.head->data_len &&
	       (c->sndq_off > 0 || c->sndq.head->data_len == 0)) {
		struct rte_mbuf *h = c->sndq.head;

		c->sndq_off -= h->data_len;
		if (c->scur == h)
			c->scur = NULL;
		else if (c->scur != NULL)
			c->scur_pos -= h->data_len;
		c->sndq.head = h->next;
		c->sndq.truesize -= h->buf_len;
		tcp_mem_uncharge(st, h->buf_len);
		h->next = NULL;
		rte_pktmbuf_free_seg(h);
	}
	if (c->sndq.head == NULL) {
		c->sndq.tail = NULL;
		c->sndq_off = 0;
		c->scur = NULL;
	} else {
		/* The next ACK frees from here: its header (data_len in the
		 * first cache line, next in the second) was last touched when
		 * the segment went out, a window ago; fetch it meanwhile. */
		rte_prefetch0(c->sndq.head);
		rte_prefetch0(RTE_PTR_ADD(c->sndq.head, RTE_CACHE_LINE_SIZE));
	}
}

static uint32_t smss(const struct tcp_conn *c)
{
	return c->mss - ((c->flags & TF_TS) ? 12 : 0);
}

void tcp_enter_recovery(struct tcp_conn *c)
{
	struct tcp_stack *st = c->st;
	uint32_t len = RTE_MIN(smss(c), c->snd_max - c->snd_una);

	tcp_undo_begin(c, 0); /* before the reduction (tcp_undo.c) */
	c->ssthresh = c->cc->ssthresh(c);
	c->recover = c->snd_max;
	c->flags |= TF_RECOVERY;
	c->flags &= ~(TF_RTT_TIMING | TF_TLP_OUT);
	c->rxt_una_ts = tcp_now(st);
	c->n_recoveries++;
	rb_count(st->lc, RB_EV_TCP_FAST_RECOVERY);
	if (c->flags & TF_SACK) {
		/* RFC 6675 5 (4): cwnd = ssthresh, retransmit HighACK+1 */
		rb_count(st->lc, RB_EV_TCP_SACK_RECOVERY);
		/* RFC 6937: cwnd follows PRR from here (tcp_prr_ack) */
		c->cwnd = c->ssthresh;
		c->prr_recover_fs = c->snd_max - c->snd_una;
		c->prr_delivered = 0;
		c->prr_out = 0;
		c->high_rxt = c->snd_una;
		if (c->n_sb && seq_lt(c->rv->sb[0].start, c->snd_una + len))
			len = c->rv->sb[0].start - c->snd_una;
	} else {
		/* RFC 6582 3.2 (2)-(3) */
		c->cwnd = c->ssthresh + 3 * smss(c);
	}
	if (len) {
		uint8_t fl = TCP_ACK;
		uint32_t dl = len;

		if ((c->flags & TF_FIN_SENT) && c->snd_una + len == c->fin_seq + 1) {
			fl |= TCP_FIN;
			dl--;
		}
		tcp_send_segment(c, c->snd_una, dl, fl);
		c->high_rxt = c->snd_una + len;
	}
	tcp_pending_add(c);
}

/* New data acknowledged: snd_una < ack <= snd_max. */
static void tcp_ack_new(struct tcp_conn *c, const struct tcp_seg *sg, uint32_t newly_sacked)
{
	struct tcp_stack *st = c->st;
	uint32_t ack = sg->ack, acked = ack - c->snd_una, rtt_us = 0, data_end;
	struct tcp_ack_sample s;
	uint64_t now = tcp_now(st);

	/* RTT: timestamps (RFC 7323 4) or Karn's algorithm (RFC 6298 3) */
	if ((c->flags & TF_TS) && sg->o.has_ts && sg->o.tsecr) {
		uint32_t ms = tcp_now_ms(st) + c->ts_offset - sg->o.tsecr;

		if (ms < 3600 * 1000)
			rtt_us = ms ? ms * 1000 : 500;
	} else if ((c->flags & TF_RTT_TIMING) && seq_gt(ack, c->rtt_seq)) {
		rtt_us = (uint32_t)RTE_MIN((now - c->rtt_start) / st->tsc_us, (uint64_t)UINT32_MAX);
		c->flags &= ~TF_RTT_TIMING;
	}
	if (rtt_us)
		tcp_rtt_sample(c, rtt_us);

	data_end = c->sndq_seq + c->sndq.bytes;
	{
		uint32_t e = seq_min(ack, data_end);

		if (seq_gt(e, c->sndq_seq))
			sndq_trim(c, e - c->sndq_seq);
	}
	s = (struct tcp_ack_sample){.acked = acked,
				    .sacked = newly_sacked,
				    .rtt_us = rtt_us,
				    .inflight = c->snd_max - c->snd_una,
				    .now_us = tcp_now_us(st)};
	c->bytes_acked += acked;
	c->delivered += acked;
	s.delivered = c->delivered;
	c->snd_una = ack;
	if (seq_lt(c->snd_nxt, c->snd_una))
		c->snd_nxt = c->snd_una;
	if (seq_lt(c->high_rxt, c->snd_una))
		c->high_rxt = c->snd_una;
	c->backoff = 0;
	tcp_sb_advance(c);
	if ((c->flags & TF_TLP_OUT) && seq_ge(ack, c->tlp_high))
		c->flags &= ~TF_TLP_OUT; /* RFC 8985 7.4: the probe episode is over */
	if (c->flags & TF_RECOVERY) {
		c->rxt_una_ts = now; /* snd_una's hole: retransmitted by now at the latest */
		if (seq_ge(ack, c->recover)) {
			c->rxt_una_ts = 0;
			c->flags &= ~TF_RECOVERY;
			c->cc->exit_recovery(c);
		} else if (!(c->flags & TF_SACK)) {
			/* RFC 6582 3.2 (5): partial ACK */
			uint32_t len = RTE_MIN(smss(c), c->snd_max - c->snd_una);
			uint8_t fl = TCP_ACK;

			if ((c->flags & TF_FIN_SENT) && c->snd_una + len == c->fin_seq + 1) {
				fl |= TCP_FIN;
				len--;
			}
			tcp_send_segment(c, c->snd_una, len, fl);
			c->cwnd = c->cwnd > acked ? c->cwnd - acked : 0;
			if (acked >= smss(c))
				c->cwnd += smss(c);
			c->cwnd = RTE_MAX(c->cwnd, smss(c));
		}
	} else {
		c->cc->cong_avoid(c, &s);
	}
	if (c->cc->on_ack)
		c->cc->on_ack(c, &s);
	c->dupacks = 0;
	/* RFC 6298 5.2/5.3 */
	if (c->snd_una == c->snd_max)
		c->t_rexmt = 0;
	else if (!c->t_persist)
		tcp_pto_arm(c);
	tcp_pending_add(c);
}

/* An ACK at snd_una with data outstanding: is it a duplicate?  RFC 5681
 * 2: a pure ACK that keeps the window.  With SACK (RFC 6675 2, its
 * alternative): an ACK that SACKs new octets, data-carrying or not (in a
 * bidirectional transfer the peer's ACKs carry data); a pure ACK without
 * new SACK information is the answer to a duplicated segment (the
 * receiver holds nothing out of order, else it would send blocks) or
 * repeats what is known: counted, three duplicated segments in a window
 * started a recovery and cut cwnd with nothing lost (Linux counts SACKed
 * segments, not such ACKs).  Without loss-recovery tables to take (no
 * scoreboard: tcp_recov_get would fail) a SACK connection counts as one
 * without SACK. */
static int tcp_dupack(const struct tcp_conn *c, const struct tcp_seg *sg, uint32_t wnd,
		      uint32_t newly)
{
	int pure = sg->len == 0 && wnd == c->snd_wnd && wnd;

	if (!(c->flags & TF_SACK) || (c->rv == NULL && c->st->n_recov >= c->st->rv_max))
		return pure;
	return newly != 0;
}

/* Returns 0 to go on with the segment, -1 when it was consumed. */
static int tcp_ack_in(struct tcp_conn *c, struct rte_mbuf *m, struct tcp_seg *sg)
{
	struct tcp_stack *st = c->st;
	uint32_t ack = sg->ack, newly = 0, wnd;
	uint32_t old_una = c->snd_una, old_sacked = c->sacked_bytes;
	int dsack = 0;

	if (seq_gt(ack, c->snd_max)) {
		tcp_send_ack(c);
		rb_drop(st->lc, m, RB_DROP_TCP_BAD_ACK);
		return -1;
	}
	/* RFC 5961 5.2 */
	if (seq_lt(ack, c->snd_una - c->max_snd_wnd)) {
		tcp_challenge_ack(c);
		rb_drop(st->lc, m, RB_DROP_TCP_BAD_ACK);
		return -1;
	}
	if ((c->flags & TF_SACK) && sg->o.n_sack) {
		dsack = tcp_dsack_in(c, sg); /* RFC 2883: block 0, never SACKed data */
		tcp_sb_update(c, &sg->o, dsack, &newly);
	}
	wnd = (uint32_t)sg->wnd << c->snd_ws;
	if (seq_gt(ack, c->snd_una)) {
		tcp_ack_new(c, sg, newly);
		/* RFC 6675 5: the scoreboard is consulted on every ACK, so a
		 * cumulative ACK whose SACK blocks already show DupThresh
		 * segments above a hole starts recovery (RFC 8985 6.2 too);
		 * waiting for three pure duplicates would wait forever when
		 * the peer's ACKs carry data. */
		if ((c->flags & (TF_SACK | TF_RECOVERY)) == TF_SACK && newly &&
		    c->snd_max != c->snd_una && seq_lt(c->snd_una, tcp_sb_lost_edge(c)))
			tcp_enter_recovery(c);
	} else if (ack == c->snd_una && !(sg->flags & (TCP_SYN | TCP_FIN)) &&
		   c->snd_max != c->snd_una && tcp_dupack(c, sg, wnd, newly)) {
		/* RFC 5681 2: a duplicate ACK; with SACK, RFC 6675 2: any ACK
		 * whose SACK blocks cover new octets, data-carrying or not
		 * (in a bidirectional transfer the peer's ACKs carry data).
		 * An ACK that keeps the window closed answers a zero-window
		 * probe: what is outstanding is the probe's byte past the
		 * window, not a loss (every third answer started a recovery
		 * and cut cwnd; Linux's probes are no flight). */
		c->dupacks++;
		rb_count(st->lc, RB_EV_TCP_DUPACK_RX);
		if (!(c->flags & TF_RECOVERY)) {
			/* RFC 8985 7.4: a SACK for the tail loss probe reveals the
			 * loss of what lies below it. */
			int lost = (c->flags & TF_SACK) &&
				   (seq_lt(c->snd_una, tcp_sb_lost_edge(c)) ||
				    ((c->flags & TF_TLP_OUT) && newly));

			if ((c->dupacks >= TCP_DUPTHRESH || lost) &&
			    ((c->flags & TF_SACK) || seq_gt(ack, c->recover)))
				tcp_enter_recovery(c);
		} else {
			if (!(c->flags & TF_SACK))
				c->cwnd += smss(c); /* RFC 5681 3.2 (4) */
			else if (newly)
				tcp_rack_rxt_check(c);
			tcp_pending_add(c);
		}
	}
	/* RFC 3708 / RFC 3522: was the episode spurious? (tcp_undo.c) */
	if (c->flags & TF_UNDO)
		tcp_undo_check(c, sg, old_una);
	/* RFC 8985 6.2: every ACK may reveal a lost segment */
	if ((c->n_rxt || c->n_sb || c->rack_ev) && tcp_rack_detect(c))
		tcp_pending_add(c);
	if ((c->flags & (TF_SACK | TF_RECOVERY)) == (TF_SACK | TF_RECOVERY)) {
		int64_t d = (int64_t)(uint32_t)(c->snd_una - old_una) + c->sacked_bytes - old_sacked;

		tcp_prr_ack(c, d > 0 ? (uint32_t)d : 0);
	}
	/* RFC 9293 3.10.7.4: window update */
	if (seq_le(old_una, ack) &&
	    (seq_lt(c->snd_wl1, sg->seq) || (c->snd_wl1 == sg->seq && seq_le(c->snd_wl2, ack)))) {
		uint32_t old = c->snd_wnd;

		c->snd_wnd = wnd;
		c->snd_wl1 = sg->seq;
		c->snd_wl2 = ack;
		if (wnd > c->max_snd_wnd)
			c->max_snd_wnd = wnd;
		if (wnd > 0 && c->t_persist) {
			c->t_persist = 0;
			c->persist_backoff = 0;
			if (c->snd_max != c->snd_una)
				tcp_rexmt_arm(c);
		}
		if (wnd > old)
			tcp_pending_add(c);
	}
	/* Our FIN acknowledged? */
	if ((c->flags & TF_FIN_SENT) && seq_gt(c->snd_una, c->fin_seq)) {
		switch (c->state) {
		case TCPS_FIN_WAIT_1:
			tcp_conn_set_state(c, TCPS_FIN_WAIT_2);
			if (!(c->flags & TF_APP))
				c->t_conn = tcp_now(st) + tcp_ms2tsc(st, st->prm.fin_wait2_ms);
			break;
		case TCPS_CLOSING:
			tcp_enter_time_wait(c);
			break;
		case TCPS_LAST_ACK:
			tcp_conn_drop(c, 0);
			rte_pktmbuf_free(m);
			return -1;
		default:
			break;
		}
	}
	tcp_notify_writable(c);
	if (c->flags & TF_REAP) {
		rte_pktmbuf_free(m);
		return -1;
	}
	return 0;
}

/* ---- SYN-SENT (RFC 9293 3.10.7.3) ---- */
static void tcp_synsent_input(struct tcp_conn *c, struct rte_mbuf *m, struct tcp_seg *sg)
{
	struct tcp_stack *st = c->st;
	struct rb_lcore *lc = st->lc;

	if ((sg->flags & TCP_ACK) && (seq_le(sg->ack, c->iss) || seq_gt(sg->ack, c->snd_max))) {
		tcp_reply_rst(lc, c->port, &c->key, sg->seq, sg->ack, sg->flags, seg_seqlen(sg));
		rb_drop(lc, m, RB_DROP_TCP_BAD_ACK);
		return;
	}
	if (sg->flags & TCP_RST) {
		if (sg->flags & TCP_ACK) {
			rb_count(lc, RB_EV_TCP_RST_RX);
			rte_pktmbuf_free(m);
			tcp_conn_drop(c, -ECONNREFUSED);
		} else {
			rb_drop(lc, m, RB_DROP_TCP_RST_IGNORED);
		}
		return;
	}
	if (!(sg->flags & TCP_SYN)) {
		rb_drop(lc, m, RB_DROP_TCP_STATE_DROP);
		return;
	}
	c->irs = sg->seq;
	c->rcv_nxt = sg->seq + 1;
	c->rcv_adv = c->rcv_nxt;
	c->rcv_ws = st->prm.wscale ? tcp_wscale_for(c->rcvbuf) : 0;
	tcp_negotiate(c, &sg->o);
	c->cc->init(c);
	c->snd_wnd = sg->wnd; /* not scaled in a SYN (RFC 7323 2.2) */
	c->max_snd_wnd = c->snd_wnd;
	c->snd_wl1 = sg->seq;
	if (sg->flags & TCP_ACK) {
		uint32_t rtt = 0;

		if ((c->flags & TF_TS) && sg->o.tsecr)
			rtt = (tcp_now_ms(st) + c->ts_offset - sg->o.tsecr) * 1000;
		else if (c->backoff == 0)
			rtt = (uint32_t)((tcp_now(st) - c->rtt_start) / st->tsc_us);
		if (rtt || c->backoff == 0)
			tcp_rtt_sample(c, rtt ? rtt : 500);
		c->snd_una = sg->ack;
		c->snd_wl2 = sg->ack;
		c->backoff = 0;
		c->t_rexmt = 0;
		tcp_conn_set_state(c, TCPS_ESTABLISHED);
		tcp_keep_arm(c);
		/* The handshake's ACK goes at the end of this input pass (the
		 * pending list), so that what on_connected writes (a request
		 * the inbound already holds, an outbound's handshake) carries
		 * it: one segment instead of two (Linux saves the same ACK when
		 * a write is pending). */
		c->flags |= TF_ACK_NOW;
		rte_pktmbuf_free(m);
		if (c->flags & TF_CONNECTING) {
			c->flags &= ~TF_CONNECTING;
			if ((c->flags & TF_APP) && c->cb && c->cb->on_connected)
				c->cb->on_connected(c, 0);
		}
		tcp_pending_add(c);
		tcp_timer_update(c);
		return;
	}
	/* simultaneous open */
	c->flags |= TF_SIMUL;
	tcp_conn_set_state(c, TCPS_SYN_RECEIVED);
	tcp_send_syn(c);
	tcp_rexmt_arm(c);
	tcp_timer_update(c);
	rte_pktmbuf_free(m);
}

/* RFC 9293 3.10.7.4 first: is the segment acceptable? */
static int tcp_acceptable(uint32_t seq, uint32_t seqlen, uint32_t rcv_nxt, uint32_t wnd)
{
	if (seqlen == 0) {
		if (wnd == 0)
			return seq == rcv_nxt;
		return seq_le(rcv_nxt, seq) && seq_lt(seq, rcv_nxt + wnd);
	}
	if (wnd == 0)
		return 0;
	return (seq_le(rcv_nxt, seq) && seq_lt(seq, rcv_nxt + wnd)) ||
	       (seq_le(rcv_nxt, seq + seqlen - 1) && seq_lt(seq + seqlen - 1, rcv_nxt + wnd));
}

static void conn_input(struct tcp_conn *c, struct rte_mbuf *m, struct tcp_seg *sg)
{
	struct tcp_stack *st = c->st;
	struct rb_lcore *lc = st->lc;
	uint32_t wnd, seqlen;

	c->segs_in++;
	c->last_rcv = tcp_now(st);
	st->dsack_c = NULL; /* a DSACK goes with the ACK for its segment only */
	c->keep_probes = 0;
	if (c->state == TCPS_SYN_SENT) {
		tcp_synsent_input(c, m, sg);
		return;
	}
	/* A retransmitted SYN while our SYN-ACK is outstanding. */
	if (c->state == TCPS_SYN_RECEIVED && (sg->flags & (TCP_SYN | TCP_ACK | TCP_RST)) == TCP_SYN &&
	    sg->seq == c->irs) {
		tcp_send_syn(c);
		rte_pktmbuf_free(m);
		return;
	}
	/* PAWS (RFC 7323 5.3 R1) */
	if ((c->flags & TF_TS) && sg->o.has_ts && !(sg->flags & TCP_RST) &&
	    seq_lt(sg->o.tsval, c->ts_recent)) {
		if (tcp_now(st) - c->ts_recent_age > tcp_ms2tsc(st, 24ull * 86400 * 1000)) {
			c->ts_recent = sg->o.tsval;
		} else {
			tcp_send_ack(c);
			rb_drop(lc, m, RB_DROP_TCP_PAWS);
			return;
		}
	}
	seqlen = seg_seqlen(sg);
	wnd = seq_gt(c->rcv_adv, c->rcv_nxt) ? c->rcv_adv - c->rcv_nxt : 0;
	if (!tcp_acceptable(sg->seq, seqlen, c->rcv_nxt, wnd)) {
		if (wnd == 0 && sg->seq == c->rcv_nxt && !(sg->flags & (TCP_SYN | TCP_RST))) {
			/* Zero window: take the ACK, not the data (3.10.7.4). */
			m = tcp_segs_trim_back(m, 0);
			sg->len = 0;
			sg->flags &= (uint8_t)~TCP_FIN;
			c->flags |= TF_ACK_NOW;
			rb_drop_count(lc, RB_DROP_TCP_RCVBUF_FULL);
		} else {
			if (sg->flags & TCP_RST) {
				rb_drop(lc, m, RB_DROP_TCP_RST_IGNORED);
				return;
			}
			if (sg->flags & TCP_SYN) {
				tcp_challenge_ack(c);
			} else {
				/* RFC 2883 4: report the duplicate */
				if (sg->len && seq_le(sg->seq + seqlen, c->rcv_nxt))
					tcp_dsack_set(c, sg->seq, sg->seq + sg->len);
				tcp_send_ack(c);
				c->st->dsack_c = NULL;
			}
			rb_drop(lc, m,
				seq_le(sg->seq + seqlen, c->rcv_nxt) ? RB_DROP_TCP_DUPLICATE
								      : RB_DROP_TCP_OUT_OF_WINDOW);
			return;
		}
	}
	/* Trim to the window. */
	if (seq_lt(sg->seq, c->rcv_nxt)) {
		uint32_t d = c->rcv_nxt - sg->seq;

		if (sg->flags & TCP_SYN) {
			sg->flags &= (uint8_t)~TCP_SYN;
			sg->seq++;
			d--;
		}
		if (d > sg->len)
			d = sg->len;
		if (d) {
			tcp_dsack_set(c, sg->seq, sg->seq + d); /* RFC 2883 4: partly old */
			m = tcp_segs_trim_front(m, d);
			sg->len -= d;
			sg->seq += d;
		}
	}
	if (sg->len && seq_gt(sg->seq + sg->len, c->rcv_nxt + wnd)) {
		uint32_t keep = seq_gt(c->rcv_nxt + wnd, sg->seq) ? c->rcv_nxt + wnd - sg->seq : 0;

		m = tcp_segs_trim_back(m, keep);
		sg->len = keep;
		sg->flags &= (uint8_t)~TCP_FIN;
		rb_drop_count(lc, RB_DROP_TCP_RCVBUF_FULL);
	}
	/* RST (RFC 5961 3.2) */
	if (sg->flags & TCP_RST) {
		if (sg->seq == c->rcv_nxt) {
			rb_count(lc, RB_EV_TCP_RST_RX);
			if (m)
				rte_pktmbuf_free(m);
			tcp_conn_drop(c, c->state == TCPS_SYN_RECEIVED ? -ECONNREFUSED : -ECONNRESET);
		} else {
			tcp_challenge_ack(c);
			if (m)
				rb_drop(lc, m, RB_DROP_TCP_RST_IGNORED);
			else
				rb_drop_count(lc, RB_DROP_TCP_RST_IGNORED);
		}
		return;
	}
	/* SYN on a synchronised connection (RFC 5961 4.2) */
	if (sg->flags & TCP_SYN) {
		tcp_challenge_ack(c);
		if (m)
			rb_drop(lc, m, RB_DROP_TCP_SYN_IGNORED);
		else
			rb_drop_count(lc, RB_DROP_TCP_SYN_IGNORED);
		return;
	}
	if (!(sg->flags & TCP_ACK)) {
		if (m)
			rb_drop(lc, m, RB_DROP_TCP_NO_ACK);
		else
			rb_drop_count(lc, RB_DROP_TCP_NO_ACK);
		return;
	}
	/* RFC 7323 4.3: remember the timestamp to echo */
	if ((c->flags & TF_TS) && sg->o.has_ts && seq_le(sg->seq, c->last_ack_sent) &&
	    seq_ge(sg->o.tsval, c->ts_recent)) {
		c->ts_recent = sg->o.tsval;
		c->ts_recent_age = tcp_now(st);
	}
	if (c->state == TCPS_SYN_RECEIVED) {
		struct tcp_listener *l = c->lst;

		if (!seq_lt(c->snd_una, sg->ack) || seq_gt(sg->ack, c->snd_max)) {
			tcp_reply_rst(lc, c->port, &c->key, sg->seq, sg->ack, sg->flags, seqlen);
			if (m)
				rb_drop(lc, m, RB_DROP_TCP_BAD_ACK);
			else
				rb_drop_count(lc, RB_DROP_TCP_BAD_ACK);
			return;
		}
		/* The handshake's RTT (RFC 6298 2.2): from the echoed
		 * timestamp, or timed when the SYN-ACK was not retransmitted
		 * (Karn); without it the first losses wait rto_init_ms. */
		if ((c->flags & TF_TS) && sg->o.has_ts && sg->o.tsecr) {
			uint32_t ms = tcp_now_ms(st) + c->ts_offset - sg->o.tsecr;

			if (ms < 3600 * 1000)
				tcp_rtt_sample(c, ms ? ms * 1000 : 500);
		} else if (c->backoff == 0) {
			tcp_rtt_sample(c, (uint32_t)((tcp_now(st) - c->rtt_start) / st->tsc_us));
		}
		c->snd_una = sg->ack;
		c->snd_wnd = (uint32_t)sg->wnd << c->snd_ws;
		c->max_snd_wnd = RTE_MAX(c->max_snd_wnd, c->snd_wnd);
		c->snd_wl1 = sg->seq;
		c->snd_wl2 = sg->ack;
		c->backoff = 0;
		c->t_rexmt = 0;
		tcp_conn_set_state(c, TCPS_ESTABLISHED);
		if (c->flags & TF_SIMUL) {
			tcp_keep_arm(c);
			if (c->flags & TF_CONNECTING) {
				c->flags &= ~TF_CONNECTING;
				if ((c->flags & TF_APP) && c->cb && c->cb->on_connected)
					c->cb->on_connected(c, 0);
			}
		} else if (l == NULL || tcp_accept(c, l) < 0) {
			if (!(c->flags & TF_REAP)) {
				tcp_send_rst(c);
				tcp_conn_drop(c, -ECONNABORTED);
			}
		}
		if (c->flags & TF_REAP) {
			if (m)
				rte_pktmbuf_free(m);
			return;
		}
	}
	if (tcp_ack_in(c, m, sg) < 0)
		return;
	/* text (seventh) */
	if (sg->len) {
		switch (c->state) {
		case TCPS_ESTABLISHED:
		case TCPS_FIN_WAIT_1:
		case TCPS_FIN_WAIT_2:
			if (!(c->flags & TF_APP)) {
				/* The application closed: RFC 9293 3.10.4 / RFC 2525 2.17 */
				rb_drop(lc, m, RB_DROP_TCP_AFTER_CLOSE);
				tcp_send_rst(c);
				tcp_conn_drop(c, -ECONNRESET);
				return;
			}
			tcp_data_in(c, m, sg->seq, sg->len);
			m = NULL;
			break;
		default:
			rb_drop(lc, m, RB_DROP_TCP_STATE_DROP);
			m = NULL;
			break;
		}
	}
	if (m)
		rte_pktmbuf_free(m);
	if (c->flags & TF_REAP)
		return;
	/* FIN (eighth) */
	if (sg->flags & TCP_FIN) {
		uint32_t fs = sg->seq + sg->len;

		if (fs == c->rcv_nxt && !(c->flags & TF_FIN_RCVD)) {
			tcp_fin_in(c);
		} else if (seq_gt(fs, c->rcv_nxt)) {
			c->flags |= TF_RFIN_OOO;
			c->rfin_seq = fs;
		} else if (c->state == TCPS_TIME_WAIT) {
			/* retransmitted FIN: ACK it, restart 2 MSL */
			c->flags |= TF_ACK_NOW;
			c->t_conn = tcp_now(st) + tcp_ms2tsc(st, 2ull * st->prm.msl_ms);
			tcp_send_ack(c);
		}
	}
	if ((c->flags & TF_RFIN_OOO) && c->rfin_seq == c->rcv_nxt && !(c->flags & TF_FIN_RCVD))
		tcp_fin_in(c);
	if (c->flags & TF_REAP)
		return;
	tcp_dsack_flush(c); /* a duplicate's ACK goes now, its DSACK first */
	if ((c->flags & TF_NOTIFY_READ) && st->prm.rx_burst) {
		/* rx_burst: on_readable once per input pass (tcp_deferred_run),
		 * so a relay reads (and a Shadowsocks inbound seals) what the
		 * whole burst brought, not one segment a call */
		tcp_pending_add(c);
	} else if ((c->flags & TF_NOTIFY_READ) && !tcp_rd_defer(c)) {
		c->flags &= ~TF_NOTIFY_READ;
		tcp_notify_readable(c);
		if (c->flags & TF_REAP)
			return;
	}
	if (c->flags & (TF_ACK_NOW | TF_DELACK))
		tcp_pending_add(c);
	tcp_timer_update(c);
}

void tcp_conn_input(struct tcp_conn *c, struct rte_mbuf *m, struct tcp_seg *sg)
{
	/* Inside an RX burst, what the burst's earlier segments left to do
	 * (output the ACKs so far let out, ACKs) goes before a segment with
	 * SACK blocks: a per-segment stack sent it before this segment
	 * reported a hole.  Held past it, the new data lay above `recover`
	 * (RFC 6675: HighData when recovery starts), so a loss among it
	 * was a second recovery (a second cwnd reduction) where a
	 * per-segment stack had one (dataplane/tcp/README.md "Measured"). */
	if (c->st->in_bracket && (c->flags & (TF_PENDING | TF_SACK)) == (TF_PENDING | TF_SACK) &&
	    sg->o.n_sack)
		tcp_pending_run(c);
	conn_input(c, m, sg);
	/* Inside an RX burst (several segments per deferral) a connection
	 * without SACK does its deferred work now, segment by segment, as
	 * outside one: its peer's loss detection counts ACKs (three
	 * duplicates, NewReno's partial ACKs) and has no tail loss probe,
	 * so one stretch ACK per burst (its loss, one duplicate fewer)
	 * costs it RTOs.  So does one with a hole in its receive queue or
	 * in recovery: the peer's recovery, and ours (RFC 6675 and PRR send
	 * per ACK), are clocked by ACKs (dataplane/tcp/README.md
	 * "Measured"). */
	if (c->st->in_bracket && !(c->flags & TF_REAP)) {
		if (!(c->flags & TF_SACK) || c->n_ooo || (c->flags & TF_RECOVERY)) {
			tcp_pending_run(c);
		} else if ((c->flags & (TF_ACK_NOW | TF_BURST_ACK)) == TF_ACK_NOW &&
			   c->rcv_nxt - c->last_ack_sent >= 2u * c->rcv_mss) {
			/* The first ACK due in the burst for two full
			 * segments of data (ESTABLISHED, or FIN-WAIT after
			 * our half-close) goes now, the rest at its end:
			 * the peer's ACK clock survives the loss of the one
			 * stretch ACK (it sends on the early one, and the
			 * next flight's ACK covers the rest) where a lone
			 * stretch ACK lost cost it a tail loss probe, whose
			 * single new segment then waited for our delayed ACK
			 * (the 5 % SACK row).  Other ACKs due (the one that
			 * completes an open, a FIN's) still wait for the
			 * burst's end, to ride on what the application
			 * writes. */
			c->flags |= TF_BURST_ACK;
			tcp_send_ack(c);
		}
	}
	/* c stays allocated until tcp_deferred_run reaps it */
	tcp_recov_trim(c);
}
