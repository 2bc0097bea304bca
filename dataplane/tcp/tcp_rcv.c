/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TCP input's receive side (tcp_input.c conn_input calls it): a segment's
 * text into the receive queue or the out-of-order islands (RFC 9293
 * 3.10.7.4 seventh; RFC 2018 and 2883 blocks to report), a FIN (eighth)
 * and TIME_WAIT, over mbuf segment lists.
 */
#include <errno.h>
#include <string.h>
#include <netinet/in.h>
#include <rte_ip.h>
#include "tcp_priv.h"
#include "tcp_psum.h"

/* ---- mbuf segment lists ---- */
static uint32_t segs_truesize(const struct rte_mbuf *m)
{
	uint32_t t = 0;

	for (; m != NULL; m = m->next)
		t += m->buf_len;
	return t;
}

/* Drop n bytes from the front; returns the new first segment. */
struct rte_mbuf *tcp_segs_trim_front(struct rte_mbuf *m, uint32_t n)
{
	while (m != NULL && n > 0) {
		if (n < m->data_len) {
			m->data_off = (uint16_t)(m->data_off + n);
			m->data_len = (uint16_t)(m->data_len - n);
			return m;
		}
		n -= m->data_len;
		struct rte_mbuf *next = m->next;

		m->next = NULL;
		rte_pktmbuf_free_seg(m);
		m = next;
	}
	return m;
}

/* Keep the first keep bytes; returns the first segment (NULL if keep 0). */
struct rte_mbuf *tcp_segs_trim_back(struct rte_mbuf *m, uint32_t keep)
{
	struct rte_mbuf *h = m, *prev = NULL;

	while (m != NULL && keep >= m->data_len) {
		keep -= m->data_len;
		prev = m;
		m = m->next;
	}
	if (m != NULL && keep > 0) {
		m->data_len = (uint16_t)keep;
		prev = m;
		m = m->next;
	}
	if (prev)
		prev->next = NULL;
	else
		h = NULL;
	while (m != NULL) {
		struct rte_mbuf *next = m->next;

		m->next = NULL;
		rte_pktmbuf_free_seg(m);
		m = next;
	}
	return h;
}

static struct rte_mbuf *segs_last(struct rte_mbuf *m)
{
	while (m->next != NULL)
		m = m->next;
	return m;
}

/* Append a list of segments to q; small segments are copied into the
 * tail's room so that 1-byte writes do not pin 2 KB buffers. */
/* Would appending segment m to q copy it into q's last buffer (no new
 * buffer held)?  Small segments always; under memory pressure any that
 * fits, so that windows counted at TCP_RCV_TRUESIZE hold whatever sizes
 * the peers send (tcp_stack.c). */
static int mbq_absorbs(const struct tcp_stack *st, const struct tcp_mbq *q,
		       const struct rte_mbuf *m)
{
	const struct rte_mbuf *t = q->tail;

	return t != NULL && (m->data_len <= 512 || st->mem_pressure) && RTE_MBUF_DIRECT(t) &&
	       rte_mbuf_refcnt_read(t) == 1 && rte_pktmbuf_tailroom(t) >= m->data_len;
}

static void mbq_append(struct tcp_stack *st, struct tcp_mbq *q, struct rte_mbuf *m)
{
	while (m != NULL) {
		struct rte_mbuf *next = m->next;
		struct rte_mbuf *t = q->tail;

		m->next = NULL;
		if (m->data_len == 0) {
			rte_pktmbuf_free_seg(m);
		} else if (mbq_absorbs(st, q, m)) {
			memcpy(rte_pktmbuf_mtod_offset(t, char *, t->data_len),
			       rte_pktmbuf_mtod(m, char *), m->data_len);
			t->data_len = (uint16_t)(t->data_len + m->data_len);
			q->bytes += m->data_len;
			rte_pktmbuf_free_seg(m);
		} else {
			if (t != NULL)
				t->next = m;
			else
				q->head = m;
			q->tail = m;
			q->bytes += m->data_len;
			q->truesize += m->buf_len;
			st->mem += m->buf_len;
		}
		m = next;
	}
}

/* ---- TIME_WAIT ---- */
void tcp_enter_time_wait(struct tcp_conn *c)
{
	struct tcp_stack *st = c->st;

	tcp_conn_set_state(c, TCPS_TIME_WAIT);
	c->t_rexmt = c->t_persist = c->t_keep = 0;
	if (st->n_tw > st->prm.max_time_wait) {
		rb_count(st->lc, RB_EV_TCP_TW_OVERFLOW);
		tcp_send_ack(c);
		tcp_conn_drop(c, 0);
		return;
	}
	c->t_conn = tcp_now(st) + tcp_ms2tsc(st, 2ull * st->prm.msl_ms);
	tcp_timer_update(c);
}

/* ---- receiving data ---- */
/*
 * A FIN that moves us to CLOSE-WAIT is acknowledged with a delayed ACK
 * (RFC 9293 3.10.7.4 eighth asks for an ACK, RFC 1122 4.2.3.2 lets it wait):
 * an application that closes in answer (a relay passing the half-close on,
 * a server that answers and closes) sends its FIN, which carries the ACK,
 * one segment instead of two, as Linux does in CLOSE-WAIT; otherwise the
 * delayed-ACK timer (delack_ms) sends it.  In the other states the ACK goes
 * at once (it ends the peer's FIN-WAIT or our simultaneous close).
 */
void tcp_fin_in(struct tcp_conn *c)
{
	c->rcv_nxt++;
	c->flags |= TF_FIN_RCVD | TF_NOTIFY_READ;
	c->flags &= ~TF_RFIN_OOO;
	tcp_rcv_promise_sync(c); /* nothing more comes: its window promise goes now,
				    not with the (maybe delayed) ACK */
	switch (c->state) {
	case TCPS_SYN_RECEIVED:
	case TCPS_ESTABLISHED:
		c->flags |= TF_DELACK;
		tcp_conn_set_state(c, TCPS_CLOSE_WAIT);
		break;
	default:
		c->flags |= TF_ACK_NOW;
		break;
	}
	switch (c->state) {
	case TCPS_FIN_WAIT_1:
		if ((c->flags & TF_FIN_SENT) && seq_gt(c->snd_una, c->fin_seq)) {
			tcp_send_ack(c);
			tcp_enter_time_wait(c);
		} else {
			tcp_conn_set_state(c, TCPS_CLOSING);
		}
		break;
	case TCPS_FIN_WAIT_2:
		tcp_send_ack(c);
		tcp_enter_time_wait(c);
		break;
	default:
		break;
	}
}

static void ooo_remove(struct tcp_conn *c, int i)
{
	memmove(&c->rv->ooo[i], &c->rv->ooo[i + 1], (size_t)(c->n_ooo - i - 1) * sizeof(c->rv->ooo[0]));
	c->n_ooo--;
}

static void ooo_free(struct tcp_conn *c, int i)
{
	struct tcp_mbq q = {.head = c->rv->ooo[i].head, .truesize = c->rv->ooo[i].truesize};

	tcp_mbq_free(c->st, &q);
	ooo_remove(c, i);
}

/* Queue an out-of-order segment [seq, seq+len) (RFC 9293 3.10.7.4 seventh,
 * RFC 5681 4.2: ACK at once). */
static void tcp_ooo_insert(struct tcp_conn *c, struct rte_mbuf *m, uint32_t seq, uint32_t len)
{
	struct tcp_stack *st = c->st;
	uint32_t end = seq + len;
	int i;

	/* Islands wholly inside the new segment are superseded by it. */
	for (i = 0; i < c->n_ooo;) {
		uint32_t os = c->rv->ooo[i].seq, oe = os + c->rv->ooo[i].len;

		if (seq_le(seq, os) && seq_le(oe, end)) {
			tcp_dsack_set(c, os, oe); /* RFC 2883 4: held already */
			ooo_free(c, i);
		} else
			i++;
	}
	/* Trim against partial overlaps. */
	for (i = 0; i < c->n_ooo; i++) {
		uint32_t os = c->rv->ooo[i].seq, oe = os + c->rv->ooo[i].len;

		if (seq_le(os, seq) && seq_lt(seq, oe)) {
			if (seq_ge(oe, end)) {
				tcp_dsack_set(c, seq, end);
				rb_drop(st->lc, m, RB_DROP_TCP_DUPLICATE);
				tcp_rsack_update(c, os, oe);
				return;
			}
			tcp_dsack_set(c, seq, oe);
			m = tcp_segs_trim_front(m, oe - seq);
			len -= oe - seq;
			seq = oe;
		}
		if (seq_lt(os, end) && seq_le(end, oe)) {
			tcp_dsack_set(c, os, end);
			m = tcp_segs_trim_back(m, os - seq);
			len = os - seq;
			end = os;
		}
	}
	if (m == NULL || len == 0) {
		if (m)
			rte_pktmbuf_free(m);
		return;
	}
	/* Find the position; merge with neighbours that touch. */
	for (i = 0; i < c->n_ooo && seq_lt(c->rv->ooo[i].seq, seq); i++)
		;
	if (i > 0 && c->rv->ooo[i - 1].seq + c->rv->ooo[i - 1].len == seq) {
		struct tcp_ooo *p = &c->rv->ooo[i - 1];
		uint32_t ts = segs_truesize(m);

		p->tail->next = m;
		p->tail = segs_last(m);
		p->len += len;
		p->truesize += ts;
		st->mem += ts;
		if (i < c->n_ooo && p->seq + p->len == c->rv->ooo[i].seq) {
			p->tail->next = c->rv->ooo[i].head;
			p->tail = c->rv->ooo[i].tail;
			p->len += c->rv->ooo[i].len;
			p->truesize += c->rv->ooo[i].truesize;
			ooo_remove(c, i);
		}
	} else if (i < c->n_ooo && end == c->rv->ooo[i].seq) {
		struct tcp_ooo *n = &c->rv->ooo[i];
		uint32_t ts = segs_truesize(m);

		segs_last(m)->next = n->head;
		n->head = m;
		n->seq = seq;
		n->len += len;
		n->truesize += ts;
		st->mem += ts;
	} else {
		if (c->n_ooo >= TCP_OOO_MAX || tcp_recov_get(c) == NULL) {
			rb_drop(st->lc, m, RB_DROP_TCP_OOO_FULL);
			return;
		}
		memmove(&c->rv->ooo[i + 1], &c->rv->ooo[i], (size_t)(c->n_ooo - i) * sizeof(c->rv->ooo[0]));
		c->rv->ooo[i] = (struct tcp_ooo){.seq = seq, .len = len, .head = m, .tail = segs_last(m),
					     .truesize = segs_truesize(m)};
		st->mem += c->rv->ooo[i].truesize;
		c->n_ooo++;
	}
	rb_count(st->lc, RB_EV_TCP_OOO_QUEUED);
	tcp_rsack_update(c, seq, end);
}

/* In-window payload at seq (>= rcv_nxt); consumes m. */
void tcp_data_in(struct tcp_conn *c, struct rte_mbuf *m, uint32_t seq, uint32_t len)
{
	struct tcp_stack *st = c->st;
	int had_ooo = c->n_ooo > 0;

	if (st->mem + segs_truesize(m) > st->prm.mem_limit &&
	    !(seq == c->rcv_nxt && m->next == NULL && mbq_absorbs(st, &c->rcvq, m))) {
		rb_drop(st->lc, m, RB_DROP_TCP_MEM_LIMIT);
		c->flags |= TF_ACK_NOW;
		return;
	}
	if (seq != c->rcv_nxt) {
		/* In-order data not yet acknowledged (a delayed ACK, or one an
		 * RX burst keeps for its end): without SACK, acknowledge it
		 * first, on its own, so that the ACK for this segment is a
		 * duplicate.  Merged into one, the peer sees a new ACK and one
		 * duplicate less: with a small window it then gets two where
		 * it needs three (RFC 5681 3.2) and waits for its RTO.  With
		 * SACK the merged ACK's block reports the segment, and the
		 * peer counts SACKed segments (RFC 6675), as Linux sends it. */
		if (!(c->flags & TF_SACK) && c->rcv_nxt != c->last_ack_sent)
			tcp_send_ack(c);
		tcp_ooo_insert(c, m, seq, len);
		c->flags |= TF_ACK_NOW;
		tcp_send_ack(c); /* a duplicate ACK per out-of-order segment */
		return;
	}
	mbq_append(st, &c->rcvq, m);
	c->rcv_nxt += len;
	c->bytes_received += len;
	while (c->n_ooo && seq_le(c->rv->ooo[0].seq, c->rcv_nxt)) {
		struct tcp_ooo *o = &c->rv->ooo[0];
		uint32_t oe = o->seq + o->len;

		if (seq_lt(o->seq, seq + len)) /* RFC 2883 4: this segment repeated it */
			tcp_dsack_set(c, o->seq, seq_min(oe, seq + len));
		if (seq_le(oe, c->rcv_nxt)) {
			ooo_free(c, 0);
			continue;
		}
		m = tcp_segs_trim_front(o->head, c->rcv_nxt - o->seq);
		tcp_mem_uncharge(st, o->truesize);
		c->bytes_received += oe - c->rcv_nxt;
		c->rcv_nxt = oe;
		ooo_remove(c, 0);
		mbq_append(st, &c->rcvq, m);
	}
	tcp_rcv_promise_sync(c); /* the window received is queued data now */
	if (had_ooo) {
		tcp_rsack_trim(c);
		c->flags |= TF_ACK_NOW; /* RFC 5681 4.2: a gap was filled */
	}
	/* RFC 9293 3.8.6.3 / RFC 5681 4.2: ACK at least every second
	 * full-sized segment, else delay. */
	if (c->rcv_nxt - c->last_ack_sent >= 2u * c->rcv_mss)
		c->flags |= TF_ACK_NOW;
	else
		c->flags |= TF_DELACK;

	c->flags |= TF_NOTIFY_READ;
}
