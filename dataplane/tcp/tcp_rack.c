/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * RACK for retransmissions (RFC 8985 6.2, 6.3, 8): during SACK recovery
 * every retransmitted range is remembered with its transmit time in a
 * small per-connection table (TCP_RXT_MAX entries; the oldest is forgotten
 * when it is full).  A retransmission is lost when something sent after
 * it has been delivered (new data above the snd_max it was sent under is
 * SACKed or acknowledged, or a later retransmission was) and RACK.rtt +
 * reo_wnd has passed since it went out; it is then sent again at once
 * rather than after the RTO.  When the evidence is there but the time is
 * not yet up, the reordering timer (t_rexmt with TF_RACK_ARMED) fires at
 * the deadline.  Original transmissions go out in sequence order, so for
 * them the SACK scoreboard (RFC 6675 IsLost) already orders; this table is
 * what RFC 6675 alone lacks: it has no way to learn a retransmission was
 * lost short of the RTO (Linux: TCPLostRetransmit).
 *
 * RACK.rtt is SRTT here.  The reordering window adapts to the reordering
 * seen (RFC 8985 6.2 step 4, RACK_update_reo_wnd; tcp_rack_reo_wnd):
 * reo_wnd = min(RACK.reo_wnd_mult * min_RTT / 4, SRTT), at least the 1 ms
 * the timer wheel resolves, min_RTT the lowest RTT sample of the
 * connection (c->min_rtt; the RFC's windowed minimum is not kept).
 * RACK.reo_wnd_mult (c->reo_wnd_mult, starting at 1) grows by one for
 * each round trip in which a DSACK arrived (RACK.dsack_round: the first
 * DSACK sets it to snd_nxt; DSACKs before snd_una passes it count no
 * more) and RACK.reo_wnd_persist is then 16; each recovery episode that
 * ends (fast recovery or RTO, tcp_undo.c) takes one off reo_wnd_persist,
 * and at 0 reo_wnd_mult is 1 again: 16 recoveries without a DSACK.
 * A DSACK shows a retransmission that was not needed (RFC 2883, 8985
 * 6.2): reordering beyond the window, which a wider one then waits for.
 * What RFC 8985 calls RACK.reord (reo_wnd 0 until reordering is seen) is
 * not done: the window applies from the start.
 *
 * A retransmission that nothing was sent after (the window allowed no new
 * data, as in a small-window echo) can never be shown lost that way: no
 * later delivery will come, and RFC 8985 7 allows no tail loss probe in
 * recovery, so its loss cost an RTO (at least 200 ms, cwnd to one
 * segment, backoff).  A retransmission fills a hole, so the receiver
 * acknowledges it at once (RFC 5681 4.2): when no ACK for it has come
 * RACK.rtt + reo_wnd + `tlp_slack_ms` after it went out, it is sent once
 * more, a probe in the manner of RFC 8985 7.3 (counted in `tcp_tlp`);
 * if that is lost too, the RTO takes over.
 *
 * The same holds when new data did go out after it but the ACKs for that
 * data, the only evidence of the loss, were lost (measured on veth at 5 %
 * loss: half the RTOs left; a Linux receiver whose ACK fails to leave
 * retries only after 200 ms).  Once per retransmission, it is probed when
 * no delivery of anything sent after it has been seen (else step 5 below
 * marks it lost, RFC 8985 6.2) and the ACK for the LAST transmission at or
 * after it is overdue: RACK.rtt + reo_wnd + `tlp_slack_ms` after that
 * transmission (new data, or a later retransmission in the table).  Why
 * that and not TLP's 2 SRTT + WCDelAckT (RFC 8985 7.2): if the
 * retransmission was lost, everything sent after it arrives above a hole
 * and is acknowledged at once (RFC 5681 4.2), and if it arrived it filled
 * a hole and was acknowledged at once, so no delayed ACK is waited for;
 * RACK.rtt + reo_wnd is the deadline RACK's own reordering timer gives a
 * segment's ACK (RFC 8985 6.2 step 5, 6.3), and the slack is the PTO's
 * allowance for the peer's scheduling (7.2).  Not from the
 * retransmission's own transmit time: the later data's ACKs would show it
 * delivered (a lost ACK of a delivered retransmission) or lost, and RACK
 * then decides.  A probe that turns out spurious costs one segment (the
 * peer reports it as a DSACK); RFC 8985 7 allows no TLP during recovery,
 * so without this only the RTO (cwnd to one segment, backoff) would. */
#include "tcp_priv.h"

static uint32_t rack_now_us(const struct tcp_conn *c)
{
	return (uint32_t)tcp_now_us(c->st);
}

/* RACK.reo_wnd in microseconds (RFC 8985 6.2 step 4) */
uint32_t tcp_rack_reo_wnd(const struct tcp_conn *c)
{
	uint64_t base = c->min_rtt ? c->min_rtt : c->srtt;
	uint64_t w = (uint64_t)RTE_MAX(c->reo_wnd_mult, 1) * base / 4;

	w = RTE_MIN(w, (uint64_t)c->srtt);
	return (uint32_t)RTE_MAX(w, 1000u);
}

/* RACK.rtt + RACK.reo_wnd in microseconds */
static uint32_t rack_wait_us(const struct tcp_conn *c)
{
	return c->srtt + tcp_rack_reo_wnd(c);
}

/* RFC 8985 6.2 step 4: a DSACK arrived. */
void tcp_rack_dsack(struct tcp_conn *c)
{
	if (c->dsack_round_on && seq_ge(c->snd_una, c->dsack_round))
		c->dsack_round_on = 0;
	if (c->dsack_round_on)
		return; /* this round trip counted already */
	c->dsack_round_on = 1;
	c->dsack_round = c->snd_nxt;
	if (c->reo_wnd_mult == 0)
		c->reo_wnd_mult = 1;
	if (c->reo_wnd_mult < UINT8_MAX)
		c->reo_wnd_mult++;
	c->reo_wnd_persist = 16;
}

/* RFC 8985 6.2 step 4: exiting fast or RTO recovery. */
void tcp_rack_recovery_done(struct tcp_conn *c)
{
	if (c->reo_wnd_persist > 0)
		c->reo_wnd_persist--;
	if (c->reo_wnd_persist == 0)
		c->reo_wnd_mult = 1;
}

void tcp_rack_reset(struct tcp_conn *c)
{
	c->n_rxt = 0;
	c->rack_ts_valid = 0;
	c->rack_end = 0;
	c->rack_ev = 0;
	c->rack_edge_ok = 0;
	c->flags &= ~TF_RACK_ARMED;
}

/* When new data last went out after the table's retransmissions.  New
 * data is sent from tcp_output() right after an ACK's or the timer's
 * detection run (or a retransmission), so each look compares snd_max with
 * the last look's: when it moved, the data went out right after that
 * look.  (Data an application write sends between runs is dated a little
 * early: its retransmissions are then probed early, which costs a segment,
 * not a wait.) */
static void rack_look(struct tcp_conn *c, uint32_t now)
{
	struct tcp_recov *rv = c->rv;

	if (c->n_rxt == 0)
		return;
	if (rv->look_max != c->snd_max) {
		rv->tx_at = rv->look_at;
		rv->look_max = c->snd_max;
	}
	rv->look_at = now;
}

/* A retransmission of [seq, seq+len) went out now (tcp_send_segment). */
void tcp_rack_sent(struct tcp_conn *c, uint32_t seq, uint32_t len)
{
	struct tcp_rxt *e = NULL;
	uint32_t now = rack_now_us(c);
	int i;

	rack_look(c, now);
	for (i = 0; i < c->n_rxt; i++)
		if (c->rv->rxt[i].seq == seq) {
			e = &c->rv->rxt[i];
			break;
		}
	if (e == NULL) {
		if (tcp_recov_get(c) == NULL)
			return; /* not timed: it falls back to the RTO */
		if (c->n_rxt == TCP_RXT_MAX) {
			/* forget the oldest: it falls back to the RTO */
			int old = 0;

			for (i = 1; i < c->n_rxt; i++)
				if ((int32_t)(c->rv->rxt[i].ts - c->rv->rxt[old].ts) < 0)
					old = i;
			c->rv->rxt[old] = c->rv->rxt[--c->n_rxt];
		}
		if (c->n_rxt == 0) {
			c->rv->tx_at = c->rv->look_at = now;
			c->rv->look_max = c->snd_max;
		}
		e = &c->rv->rxt[c->n_rxt++];
		e->seq = seq;
		e->probed = 0;
	}
	e->end = seq + len;
	e->nxt = c->snd_max;
	e->ts = now;
	/* The probe below needs its timer even when no ACK follows to run
	 * the detection (a retransmission sent by NextSeg in tcp_output() or
	 * at the end of tcp_rack_detect() comes after the detection ran). */
	if (!e->probed && c->srtt) {
		struct tcp_stack *st = c->st;
		uint64_t at = tcp_now(st) +
			      tcp_us2tsc(st, rack_wait_us(c) + st->prm.tlp_slack_ms * 1000ull);

		if (c->t_rexmt == 0 || at < c->t_rexmt) {
			c->t_rexmt = at;
			c->flags |= TF_RACK_ARMED;
			c->flags &= ~TF_TLP_ARMED;
		}
	}
}

int tcp_rack_has(const struct tcp_conn *c, uint32_t seq)
{
	for (int i = 0; i < c->n_rxt; i++)
		if (seq_ge(seq, c->rv->rxt[i].seq) && seq_lt(seq, c->rv->rxt[i].end))
			return 1;
	return 0;
}

/* RFC 8985 6.2 RACK_sent_after(): later in time, or at the same time
 * and higher in sequence (sent in one burst). */
static int sent_after(uint32_t t1, uint32_t seq1, uint32_t t2, uint32_t seq2)
{
	return (int32_t)(t1 - t2) > 0 || (t1 == t2 && seq_gt(seq1, seq2));
}

/* Delivered: cumulatively acknowledged or wholly SACKed. */
static int rxt_delivered(const struct tcp_conn *c, const struct tcp_rxt *e)
{
	uint32_t end;

	if (seq_le(e->end, c->snd_una))
		return 1;
	return tcp_sb_is_sacked(c, seq_max(e->seq, c->snd_una), &end) && seq_ge(end, e->end);
}

/* RACK for original transmissions (RFC 8985 6.2): originals go out in
 * sequence order, so every hole below a SACKed byte was sent before it.
 * The SACK arrived about one RTT after that later segment went out, so
 * once reo_wnd more has passed since (RACK.rtt + reo_wnd after the hole's
 * own transmission at the latest) the holes below it are lost, however
 * few segments lie above (RFC 6675's DupThresh needs three: a short
 * flight, as an echo's, would wait for the probe timeout or the RTO).
 * Without per-segment times the SACK's arrival stands for the later
 * segment's delivery: one pending piece of evidence (the highest SACKed
 * end, when seen) at a time, which only errs late. */
static void rack_orig(struct tcp_conn *c, uint32_t now, uint32_t reo, uint32_t *next)
{
	uint32_t high;

	if (c->n_sb == 0) {
		c->rack_ev = 0;
		return;
	}
	high = c->rv->sb[c->n_sb - 1].end;
	if (c->rack_ev && now - c->rack_ev_ts >= reo) {
		if (!c->rack_edge_ok || seq_gt(c->rack_ev_seq, c->rack_lost_edge))
			c->rack_lost_edge = c->rack_ev_seq;
		c->rack_edge_ok = 1;
		c->rack_ev = 0;
	}
	if (!c->rack_ev && (!c->rack_edge_ok || seq_gt(high, c->rack_lost_edge))) {
		c->rack_ev = 1;
		c->rack_ev_seq = high;
		c->rack_ev_ts = now;
	}
	if (c->rack_ev) {
		uint32_t left = reo - (now - c->rack_ev_ts);

		if (*next == 0 || left < *next)
			*next = left;
	}
}

/* RFC 8985 6.2 (RACK_detect_loss) over the retransmission table, after an
 * ACK was processed or the reordering timer fired.  Returns the number of
 * ranges sent again. */
int tcp_rack_detect(struct tcp_conn *c)
{
	struct tcp_stack *st = c->st;
	uint32_t now = rack_now_us(c), wait = rack_wait_us(c), high = c->snd_una;
	uint32_t pwait = wait + st->prm.tlp_slack_ms * 1000;
	uint32_t next = 0; /* earliest pending deadline, from now; 0 = none */
	uint32_t last;     /* the latest retransmission's transmit time */
	int i, sent = 0;

	rack_look(c, now);
	if (c->n_sb && seq_gt(c->rv->sb[c->n_sb - 1].end, high))
		high = c->rv->sb[c->n_sb - 1].end;
	/* step 1-2: the delivered retransmissions advance RACK.xmit_ts */
	for (i = 0; i < c->n_rxt;) {
		struct tcp_rxt *e = &c->rv->rxt[i];

		if (rxt_delivered(c, e)) {
			if (!c->rack_ts_valid || sent_after(e->ts, e->end, c->rack_ts, c->rack_end)) {
				c->rack_ts = e->ts;
				c->rack_end = e->end;
			}
			if (!c->rack_ts_valid || seq_gt(e->nxt, c->rack_dlv_nxt)) {
				c->rack_dlv_nxt = e->nxt;
				c->rack_dlv_at = now;
			}
			c->rack_ts_valid = 1;
			*e = c->rv->rxt[--c->n_rxt];
			continue;
		}
		i++;
	}
	if (!(c->flags & TF_SACK) || c->srtt == 0 || c->snd_una == c->snd_max)
		return 0;
	rack_orig(c, now, tcp_rack_reo_wnd(c), &next);
	if (!(c->flags & TF_RECOVERY) && c->n_sb && seq_lt(c->snd_una, tcp_sb_lost_edge(c))) {
		tcp_enter_recovery(c);
		sent++;
	}
	last = now;
	for (i = 0; i < c->n_rxt; i++)
		if (i == 0 || (int32_t)(c->rv->rxt[i].ts - last) > 0)
			last = c->rv->rxt[i].ts;
	/* step 5: a retransmission sent before something delivered is lost
	 * once RACK.rtt + reo_wnd has passed since it went out */
	for (i = 0; (c->flags & TF_RECOVERY) && i < c->n_rxt; i++) {
		struct tcp_rxt *e = &c->rv->rxt[i];
		uint32_t age = now - e->ts, s = seq_max(e->seq, c->snd_una), end, len;
		int probe = 0;

		if (!seq_gt(high, e->nxt) &&
		    !(c->rack_ts_valid && sent_after(c->rack_ts, c->rack_end, e->ts, e->end))) {
			/* Nothing sent after it has arrived yet: probe it once
			 * when the ACK for the last transmission at or after it
			 * is overdue (see the top of the file). */
			uint32_t since = (int32_t)(last - e->ts) > 0 ? last : e->ts;

			if (e->probed)
				continue;
			if (seq_lt(e->nxt, c->snd_max) && (int32_t)(c->rv->tx_at - since) > 0)
				since = c->rv->tx_at;
			age = now - since;
			if (age < pwait) {
				if (next == 0 || pwait - age < next)
					next = pwait - age;
				continue;
			}
			probe = 1;
		} else if (age < wait) {
			if (next == 0 || wait - age < next)
				next = wait - age;
			continue;
		}
		/* skip what the peer holds; send the first hole of the range */
		while (seq_lt(s, e->end) && tcp_sb_is_sacked(c, s, &end))
			s = end;
		if (!seq_lt(s, e->end))
			continue;
		len = e->end - s;
		for (int k = 0; k < c->n_sb; k++)
			if (seq_gt(c->rv->sb[k].start, s) && seq_lt(c->rv->sb[k].start, e->end)) {
				len = c->rv->sb[k].start - s;
				break;
			}
		if (probe) {
			e->probed = 1;
			c->n_tlp++;
			rb_count(st->lc, RB_EV_TCP_TLP);
		} else {
			rb_count(st->lc, RB_EV_TCP_LOST_RETRANSMIT);
		}
		e->seq = s; /* tcp_rack_sent() refreshes this entry */
		if (tcp_xmit_range(c, s, len) < 0)
			break;
		sent++;
	}
	/* RFC 8985 6.2 for the original transmission at snd_una: everything
	 * below the snd_max a delivered retransmission went out under was
	 * sent before it, so once reo_wnd has passed since that delivery was
	 * seen (RACK.rtt + reo_wnd after the original at the latest) it is
	 * lost.  RFC 6675's NextSeg cannot see it when nothing above it is
	 * SACKed (a lost last segment, the cumulative ACK just below it). */
	if ((c->flags & TF_RECOVERY) && c->rack_ts_valid && seq_gt(c->rack_dlv_nxt, c->snd_una) &&
	    !tcp_rack_has(c, c->snd_una) && !tcp_sb_is_sacked(c, c->snd_una, NULL) &&
	    !seq_gt(c->high_rxt, c->snd_una)) {
		uint32_t reo = tcp_rack_reo_wnd(c), age = now - c->rack_dlv_at;
		uint32_t len = RTE_MIN((uint32_t)c->mss - ((c->flags & TF_TS) ? 12u : 0u),
				       c->rack_dlv_nxt - c->snd_una);

		if (age < reo) {
			if (next == 0 || reo - age < next)
				next = reo - age;
		} else {
			for (int k = 0; k < c->n_sb; k++)
				if (seq_gt(c->rv->sb[k].start, c->snd_una) &&
				    seq_lt(c->rv->sb[k].start, c->snd_una + len)) {
					len = c->rv->sb[k].start - c->snd_una;
					break;
				}
			if (tcp_xmit_range(c, c->snd_una, len) == 0) {
				c->high_rxt = c->snd_una + len;
				sent++;
			}
		}
	}
	if (next) {
		uint64_t at = tcp_now(st) + tcp_us2tsc(st, next);

		if (c->t_rexmt == 0 || at < c->t_rexmt) {
			c->t_rexmt = at;
			c->flags |= TF_RACK_ARMED;
			c->flags &= ~TF_TLP_ARMED;
		}
	}
	return sent;
}

/* The reordering timer fired (RFC 8985 8): detect, then the RTO again. */
void tcp_rack_timeout(struct tcp_conn *c)
{
	c->flags &= ~TF_RACK_ARMED;
	tcp_pto_arm(c);
	tcp_rack_detect(c);
	tcp_output(c);
	rack_look(c, rack_now_us(c)); /* new data sent now is dated now */
}
