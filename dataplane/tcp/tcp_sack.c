/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * SACK: the sender's scoreboard and RFC 6675 loss recovery helpers
 * (IsLost, SetPipe, NextSeg), and the receiver's SACK blocks (RFC 2018 4);
 * DSACK (RFC 2883) both ways: a receiver reports a duplicate segment's
 * range as the first block of the ACK it sends at once; a sender takes a
 * first block below the cumulative ACK, or inside the second block, as a
 * DSACK, never as SACKed data, and passes it on (undo, RACK's reo_wnd).
 */
#include <string.h>
#include "tcp_priv.h"

static void sb_recount(struct tcp_conn *c)
{
	c->sacked_bytes = 0;
	for (int i = 0; i < c->n_sb; i++)
		c->sacked_bytes += c->rv->sb[i].end - c->rv->sb[i].start;
}

static void sb_insert(struct tcp_conn *c, uint32_t s, uint32_t e)
{
	struct tcp_range out[TCP_SB_MAX + 1];
	int n = 0, placed = 0;

	for (int i = 0; i < c->n_sb; i++) {
		struct tcp_range r = c->rv->sb[i];

		if (seq_lt(r.end, s)) {
			out[n++] = r;
		} else if (seq_lt(e, r.start)) {
			if (!placed) {
				out[n++] = (struct tcp_range){s, e};
				placed = 1;
			}
			out[n++] = r;
		} else {
			s = seq_min(s, r.start);
			e = seq_max(e, r.end);
		}
		if (n > TCP_SB_MAX)
			n = TCP_SB_MAX; /* forget the highest range */
	}
	if (!placed && n < TCP_SB_MAX + 1)
		out[n++] = (struct tcp_range){s, e};
	if (n > TCP_SB_MAX)
		n = TCP_SB_MAX;
	memcpy(c->rv->sb, out, (size_t)n * sizeof(out[0]));
	c->n_sb = (uint8_t)n;
}

void tcp_sb_update(struct tcp_conn *c, const struct tcp_opts *o, int first, uint32_t *newly)
{
	uint32_t before = c->sacked_bytes;

	*newly = 0;
	if (o->n_sack <= first || tcp_recov_get(c) == NULL)
		return; /* no room to keep them: recovery without SACK */
	for (int i = first; i < o->n_sack; i++) {
		uint32_t s = o->sack[i].start, e = o->sack[i].end;

		/* RFC 2018 3: ignore blocks at or below the cumulative ACK and
		 * blocks for data never sent (DSACKs are tcp_dsack_in's). */
		if (!seq_lt(s, e) || seq_le(e, c->snd_una) || seq_gt(e, c->snd_max))
			continue;
		if (seq_lt(s, c->snd_una))
			s = c->snd_una;
		sb_insert(c, s, e);
	}
	sb_recount(c);
	*newly = c->sacked_bytes > before ? c->sacked_bytes - before : 0;
}

void tcp_sb_advance(struct tcp_conn *c)
{
	int j = 0;

	for (int i = 0; i < c->n_sb; i++) {
		struct tcp_range r = c->rv->sb[i];

		if (seq_le(r.end, c->snd_una))
			continue;
		if (seq_lt(r.start, c->snd_una))
			r.start = c->snd_una;
		c->rv->sb[j++] = r;
	}
	c->n_sb = (uint8_t)j;
	sb_recount(c);
}

int tcp_sb_is_sacked(const struct tcp_conn *c, uint32_t seq, uint32_t *end)
{
	for (int i = 0; i < c->n_sb; i++)
		if (seq_ge(seq, c->rv->sb[i].start) && seq_lt(seq, c->rv->sb[i].end)) {
			if (end)
				*end = c->rv->sb[i].end;
			return 1;
		}
	return 0;
}

static uint32_t smss(const struct tcp_conn *c)
{
	return c->mss - ((c->flags & TF_TS) ? 12 : 0);
}

/* RFC 6675 4 IsLost(): every un-SACKed byte below the returned edge has
 * DupThresh discontiguous SACKed ranges or more than (DupThresh-1)*SMSS
 * SACKed bytes above it. */
uint32_t tcp_sb_lost_edge(const struct tcp_conn *c)
{
	uint32_t acc = 0, edge = c->snd_una;
	int cnt = 0;

	for (int i = c->n_sb - 1; i >= 0; i--) {
		acc += c->rv->sb[i].end - c->rv->sb[i].start;
		cnt++;
		if (cnt >= TCP_DUPTHRESH || acc > (TCP_DUPTHRESH - 1) * smss(c)) {
			edge = c->rv->sb[i].start;
			break;
		}
	}
	/* RACK (RFC 8985 6.2, tcp_rack.c): holes sent before data the peer
	 * has held for longer than the reordering window are lost too */
	if (c->rack_edge_ok && c->n_sb) {
		uint32_t r = seq_min(c->rack_lost_edge, c->rv->sb[c->n_sb - 1].end);

		if (seq_gt(r, edge))
			edge = r;
	}
	return edge;
}

/* Bytes in [a, b) not SACKed. */
static uint32_t holes(const struct tcp_conn *c, uint32_t a, uint32_t b)
{
	uint32_t n;

	if (!seq_lt(a, b))
		return 0;
	n = b - a;
	for (int i = 0; i < c->n_sb; i++) {
		uint32_t s = seq_max(a, c->rv->sb[i].start), e = seq_min(b, c->rv->sb[i].end);

		if (seq_lt(s, e))
			n -= e - s;
	}
	return n;
}

/* RFC 6675 4 SetPipe(). Outside SACK recovery: the flight size. */
uint32_t tcp_pipe(const struct tcp_conn *c)
{
	uint32_t unsacked, lost, rxt;

	if ((c->flags & (TF_SACK | TF_RECOVERY)) != (TF_SACK | TF_RECOVERY))
		return c->snd_max - c->snd_una;
	unsacked = (c->snd_max - c->snd_una) - c->sacked_bytes;
	lost = holes(c, c->snd_una, tcp_sb_lost_edge(c));
	rxt = holes(c, c->snd_una, seq_min(c->high_rxt, c->snd_max));
	return unsacked - lost + rxt;
}

/* RFC 6675 4 NextSeg(): returns 1 (rule 1: a lost segment), 3 (rule 3: an
 * un-SACKed segment below the highest SACK) or 0; rule 2 (new data) is
 * the caller's. */
int tcp_sb_next_seg(struct tcp_conn *c, uint32_t *seq, uint32_t *len)
{
	uint32_t s = seq_max(c->high_rxt, c->snd_una), edge, next, end;
	int again = 1;

	while (again) {
		again = 0;
		if (tcp_sb_is_sacked(c, s, &end)) {
			s = end;
			again = 1;
		}
	}
	if (!seq_lt(s, c->snd_max) || c->n_sb == 0)
		return 0;
	next = c->snd_max;
	for (int i = 0; i < c->n_sb; i++)
		if (seq_gt(c->rv->sb[i].start, s)) {
			next = c->rv->sb[i].start;
			break;
		}
	*seq = s;
	*len = RTE_MIN(next - s, smss(c));
	edge = tcp_sb_lost_edge(c);
	if (seq_lt(s, edge))
		return 1;
	if (seq_lt(s, c->rv->sb[c->n_sb - 1].end))
		return 3;
	return 0;
}

/* PRR (RFC 6937 3, with the SSRB bound of 3.1): on each ACK in SACK
 * recovery, cwnd = pipe + sndcnt, so that the flight falls to ssthresh in
 * proportion to what is delivered (while pipe > ssthresh) and then grows
 * back to it by at most one segment beyond what was delivered; the window
 * neither stalls for half an RTT at entry (RFC 6675's cwnd = ssthresh
 * against a pipe above it) nor bursts once many holes are marked lost.
 * delivered: DeliveredData of this ACK (snd_una's advance plus the change
 * in SACKed bytes). */
void tcp_prr_ack(struct tcp_conn *c, uint32_t delivered)
{
	uint32_t pipe = tcp_pipe(c), ss = c->ssthresh, sndcnt;

	c->prr_delivered += delivered;
	if (pipe > ss) {
		uint64_t fs = RTE_MAX(c->prr_recover_fs, 1u);
		uint64_t t = ((uint64_t)c->prr_delivered * ss + fs - 1) / fs;

		sndcnt = t > c->prr_out ? (uint32_t)(t - c->prr_out) : 0;
	} else {
		uint32_t lim = c->prr_delivered > c->prr_out ? c->prr_delivered - c->prr_out : 0;

		lim = RTE_MAX(lim, delivered) + smss(c);
		sndcnt = RTE_MIN(ss - pipe, lim);
	}
	c->cwnd = pipe + sndcnt;
}

/* ---- receiver: SACK blocks to report (RFC 2018 4) ---- */
static int ooo_find(const struct tcp_conn *c, uint32_t s, uint32_t e)
{
	for (int i = 0; i < c->n_ooo; i++) {
		uint32_t os = c->rv->ooo[i].seq, oe = os + c->rv->ooo[i].len;

		if (seq_lt(s, oe) && seq_lt(os, e))
			return i;
	}
	return -1;
}

static void rsack_rebuild(struct tcp_conn *c, int first)
{
	struct tcp_range out[TCP_SACK_MAX_BLOCKS];
	uint8_t used[TCP_OOO_MAX] = {0};
	int n = 0;

	if (first >= 0) {
		out[n++] = (struct tcp_range){c->rv->ooo[first].seq, c->rv->ooo[first].seq + c->rv->ooo[first].len};
		used[first] = 1;
	}
	for (int i = 0; i < c->n_rsack && n < TCP_SACK_MAX_BLOCKS; i++) {
		int k = ooo_find(c, c->rsack[i].start, c->rsack[i].end);

		if (k < 0 || used[k])
			continue;
		used[k] = 1;
		out[n++] = (struct tcp_range){c->rv->ooo[k].seq, c->rv->ooo[k].seq + c->rv->ooo[k].len};
	}
	for (int k = 0; k < c->n_ooo && n < TCP_SACK_MAX_BLOCKS; k++) {
		if (used[k])
			continue;
		used[k] = 1;
		out[n++] = (struct tcp_range){c->rv->ooo[k].seq, c->rv->ooo[k].seq + c->rv->ooo[k].len};
	}
	memcpy(c->rsack, out, (size_t)n * sizeof(out[0]));
	c->n_rsack = (uint8_t)n;
}

void tcp_rsack_update(struct tcp_conn *c, uint32_t start, uint32_t end)
{
	rsack_rebuild(c, ooo_find(c, start, end));
}

void tcp_rsack_trim(struct tcp_conn *c)
{
	rsack_rebuild(c, -1);
}

/* ---- DSACK (RFC 2883) ---- */
void tcp_dsack_set(struct tcp_conn *c, uint32_t s, uint32_t e)
{
	struct tcp_stack *st = c->st;

	if (!(c->flags & TF_SACK) || !seq_lt(s, e) || st->dsack_c == c)
		return; /* one DSACK per duplicate segment: its first range */
	st->dsack_c = c;
	st->dsack = (struct tcp_range){s, e};
}

void tcp_dsack_flush(struct tcp_conn *c)
{
	if (c->st->dsack_c == c)
		tcp_send_ack(c); /* RFC 5681 4.2: a duplicate is acknowledged at once */
	if (c->st->dsack_c == c)
		c->st->dsack_c = NULL; /* the ACK could not go: not in a later one */
}

/* RFC 2883 4: the DSACK block first, then the blocks of RFC 2018 4. */
unsigned tcp_sack_opt_blocks(struct tcp_conn *c, struct tcp_range *out, unsigned max)
{
	struct tcp_stack *st = c->st;
	unsigned n = 0;

	if (max == 0)
		return 0;
	if (st->dsack_c == c) {
		out[n++] = st->dsack;
		st->dsack_c = NULL;
		rb_count(st->lc, RB_EV_TCP_DSACK_SENT);
	}
	for (unsigned i = 0; i < c->n_rsack && n < max; i++)
		out[n++] = c->rsack[i];
	return n;
}

/* RFC 2883 4 (sender): the first block is a DSACK when it lies below the
 * cumulative ACK or inside the second block.  It is believed only inside
 * [snd_una - the largest window, snd_max) and shorter than that window
 * (else counted tcp_dsack_bad and ignored); a believed one is counted
 * tcp_dsack_rcvd and goes to undo and RACK. */
int tcp_dsack_in(struct tcp_conn *c, const struct tcp_seg *sg)
{
	struct rb_lcore *lc = c->st->lc;
	const struct tcp_opts *o = &sg->o;
	uint32_t s, e, wmax = RTE_MAX(c->max_snd_wnd, (uint32_t)c->mss);

	if (o->n_sack == 0)
		return 0;
	s = o->sack[0].start;
	e = o->sack[0].end;
	if (!seq_lt(s, sg->ack) &&
	    !(o->n_sack > 1 && seq_ge(s, o->sack[1].start) && seq_le(e, o->sack[1].end)))
		return 0;
	if (!seq_lt(s, e) || e - s > wmax || seq_lt(s, c->snd_una - wmax) ||
	    seq_gt(e, c->snd_max)) {
		rb_count(lc, RB_EV_TCP_DSACK_BAD);
		return 1;
	}
	rb_count(lc, RB_EV_TCP_DSACK_RCVD);
	tcp_rack_dsack(c);
	tcp_undo_dsack(c, s, e, sg->ack);
	return 1;
}
