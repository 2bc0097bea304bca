/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Spurious recoveries and their undo.
 *
 * An episode starts when fast recovery (tcp_enter_recovery) or a
 * retransmission timeout (tcp_rexmt_timeout) is about to cut cwnd and
 * ssthresh: the values before (c->prior_cwnd, c->prior_ssthresh), the
 * congestion controller's private state, snd_una (undo_marker) are kept,
 * the latter two in the out-of-line c->rv (held while TF_UNDO is set).
 * A timeout during a fast recovery, or a timeout again before the first
 * one's data is acknowledged, continues the episode (Linux's
 * tcp_enter_loss keeps its undo state the same way).  Every
 * retransmission while it lasts is counted (undo_left, undo_nrxt), the
 * end of the highest one kept (undo_high) and the TSval of the first
 * (undo_stamp).
 *
 * The episode was spurious (nothing was lost: reordering, or a delay the
 * RTO did not allow for) and is undone when
 * - DSACK (RFC 3708 2): every retransmission was reported as a duplicate:
 *   DSACK blocks below the cumulative ACK and inside
 *   [undo_marker, undo_high) take the segments they cover off undo_left
 *   (a block the same as the one before counts once, tcp_dsack_repeat:
 *   Linux's TSO copies an ACK's options onto every segment it cuts);
 *   when it reaches 0 the episode is undone, in recovery or after it; or
 * - timestamps (Eifel detection, RFC 3522 3.2): the ACK that first covers
 *   every retransmission (snd_una >= undo_high) echoes a TSval older than
 *   the first retransmission's.  A receiver echoes the TSval of the
 *   segment that last moved its cumulative ACK (RFC 7323 4.3), and
 *   ts_recent only grows, so no retransmission filled a hole: the
 *   originals did.  TSvals are milliseconds, so a retransmission sent in
 *   the same millisecond as its original is never judged (conservative).
 *
 * The response (RFC 4015 3.2, as Linux's tcp_undo_cwnd_reduction):
 * cwnd = max(cwnd, prior_cwnd), ssthresh = max(ssthresh, prior_ssthresh),
 * the controller's own state through its `undo` op (CUBIC: W_max and its
 * fast-convergence memory from before the reduction), recovery ends, and
 * after a timeout transmission resumes at snd_max instead of sending
 * again what was in flight.  Counted tcp_undo_recovery / tcp_undo_rto.
 * Forged DSACKs can at most bring back what the sender had before the
 * episode, never more; one outside the window is ignored (tcp_sack.c).
 *
 * The episode is over (no undo any more) once every byte sent before
 * recovery or the timeout ended has been acknowledged beyond (snd_una >
 * undo_end): a DSACK for a retransmission arrives before the ACK of
 * data sent after it.  When nothing is in flight no such ACK will come:
 * the episode then ends 2 SRTT + tlp_slack_ms after the flight drained
 * (rv->undo_idle_at, a deadline tcp_timer_update and tcp_timers_fire in
 * tcp_stack.c honour), so that an idle connection gives its tables back.
 * Each episode's end counts for RACK's reo_wnd (tcp_rack_recovery_done).
 */
#include <string.h>
#include "tcp_priv.h"

static uint32_t undo_smss(const struct tcp_conn *c)
{
	return c->mss - ((c->flags & TF_TS) ? 12 : 0);
}

void tcp_undo_begin(struct tcp_conn *c, int rto)
{
	struct tcp_recov *rv;

	if ((c->flags & TF_UNDO) && !c->rv->undo_over && seq_lt(c->snd_una, c->recover)) {
		/* the same episode goes on (a timeout during recovery) */
		c->rv->undo_rto |= (uint8_t)rto;
		return;
	}
	if (c->flags & TF_UNDO)
		tcp_rack_recovery_done(c); /* the last one ended unseen */
	c->flags &= ~TF_UNDO;
	rv = tcp_recov_get(c);
	if (rv == NULL)
		return; /* no memory for the episode: it cannot be undone */
	c->prior_cwnd = c->cwnd;
	c->prior_ssthresh = c->ssthresh;
	rv->undo_marker = c->snd_una;
	rv->undo_high = c->snd_una;
	rv->undo_end = c->snd_max;
	rv->undo_stamp = 0;
	rv->undo_left = 0;
	rv->undo_nrxt = 0;
	rv->dsack_s = rv->dsack_e = 0;
	rv->undo_rto = (uint8_t)rto;
	rv->undo_over = 0;
	rv->undo_idle_at = 0;
	memcpy(rv->undo_cc, c->cc_priv, sizeof(rv->undo_cc));
	c->flags |= TF_UNDO;
}

void tcp_undo_rxt(struct tcp_conn *c, uint32_t seq, uint32_t len)
{
	struct tcp_recov *rv = c->rv;
	uint32_t segs;

	if (!(c->flags & TF_UNDO))
		return;
	if (rv->undo_nrxt == 0)
		rv->undo_stamp = tcp_tsval(c); /* the TSval this segment carries */
	segs = (len + undo_smss(c) - 1) / undo_smss(c);
	rv->undo_left = (uint16_t)RTE_MIN((uint32_t)rv->undo_left + segs, (uint32_t)UINT16_MAX);
	if (rv->undo_nrxt < UINT16_MAX)
		rv->undo_nrxt++;
	if (seq_gt(seq + len, rv->undo_high))
		rv->undo_high = seq + len;
}

void tcp_undo_dsack(struct tcp_conn *c, uint32_t s, uint32_t e, uint32_t ack)
{
	struct tcp_recov *rv = c->rv;
	uint32_t segs;

	if (!(c->flags & TF_UNDO) || rv->undo_left == 0)
		return;
	/* a duplicate of a retransmission of this episode, already
	 * acknowledged (Linux's tcp_check_dsack: not one in an island) */
	if (seq_lt(s, rv->undo_marker) || seq_gt(e, rv->undo_high) || seq_gt(e, ack))
		return;
	/* the one before again: a TSO sender's copies of one ACK's options
	 * (Linux's GSO puts them on every segment it cuts) report one
	 * duplicate, not several */
	if (s == rv->dsack_s && e == rv->dsack_e) {
		rb_count(c->st->lc, RB_EV_TCP_DSACK_REPEAT);
		return;
	}
	rv->dsack_s = s;
	rv->dsack_e = e;
	segs = (e - s + undo_smss(c) - 1) / undo_smss(c);
	rv->undo_left = (uint16_t)(rv->undo_left > segs ? rv->undo_left - segs : 0);
}

static void undo_end(struct tcp_conn *c)
{
	c->flags &= ~TF_UNDO;
	tcp_rack_recovery_done(c);
}

static void undo_do(struct tcp_conn *c)
{
	struct tcp_stack *st = c->st;
	struct tcp_recov *rv = c->rv;

	c->cwnd = RTE_MAX(c->cwnd, c->prior_cwnd);
	c->ssthresh = RTE_MAX(c->ssthresh, c->prior_ssthresh);
	if (c->cc->undo)
		c->cc->undo(c, rv->undo_cc);
	rb_count(st->lc, rv->undo_rto ? RB_EV_TCP_UNDO_RTO : RB_EV_TCP_UNDO_RECOVERY);
	if (c->flags & TF_RECOVERY) {
		c->flags &= ~TF_RECOVERY;
		c->rxt_una_ts = 0;
	}
	/* RFC 4015 3.2: resume with new data; RFC 6582's guard is moot */
	if (seq_lt(c->snd_nxt, c->snd_max))
		c->snd_nxt = c->snd_max;
	c->recover = c->snd_una;
	c->dupacks = 0;
	undo_end(c);
	tcp_pending_add(c);
}

int tcp_undo_check(struct tcp_conn *c, const struct tcp_seg *sg, uint32_t old_una)
{
	struct tcp_recov *rv = c->rv;

	if (!(c->flags & TF_UNDO))
		return 0;
	if (rv->undo_nrxt) {
		int eifel = (c->flags & TF_TS) && sg->o.has_ts && sg->o.tsecr &&
			    seq_gt(c->snd_una, old_una) && seq_ge(c->snd_una, rv->undo_high) &&
			    !seq_ge(old_una, rv->undo_high) && seq_lt(sg->o.tsecr, rv->undo_stamp);

		if (rv->undo_left == 0 || eifel) {
			undo_do(c);
			return 1;
		}
	}
	if (!rv->undo_over && !(c->flags & TF_RECOVERY) && seq_ge(c->snd_una, c->recover)) {
		rv->undo_over = 1; /* recovery or the timeout's go-back-N is done */
		rv->undo_end = c->snd_max;
	}
	if (rv->undo_over && seq_gt(c->snd_una, rv->undo_end)) {
		undo_end(c);
	} else if (rv->undo_over && c->snd_una == c->snd_max) {
		/* nothing in flight, so no later ACK may end the episode: give
		 * its DSACKs 2 SRTT + tlp_slack_ms (the PTO's allowance), then
		 * the loss-recovery tables go (an idle connection holds none) */
		struct tcp_stack *st = c->st;

		rv->undo_idle_at = tcp_now(st) + tcp_us2tsc(st, 2ull * c->srtt +
								st->prm.tlp_slack_ms * 1000ull);
	} else {
		rv->undo_idle_at = 0;
	}
	return 0;
}

void tcp_undo_timer(struct tcp_conn *c)
{
	c->rv->undo_idle_at = 0;
	if (c->snd_una == c->snd_max && !(c->flags & TF_RECOVERY))
		undo_end(c);
}
