/* SPDX-License-Identifier: BSD-3-Clause */
/* The application side of the TCP stack: open, read, write, close. */
#include <errno.h>
#include <string.h>
#include <netinet/in.h>
#include "tcp_priv.h"
#include "tcp_psum.h"

void tcp_set_callbacks(struct tcp_conn *c, const struct tcp_callbacks *cb, void *user)
{
	c->cb = cb;
	c->user = user;
}

void *tcp_user(const struct tcp_conn *c)
{
	return c->user;
}

struct rb_lcore *tcp_lcore(const struct tcp_conn *c)
{
	return c->st->lc;
}

/* ---- active open ---- */
static int tcp_route(struct rb_lcore *lc, const struct tcp_connect_params *p, uint16_t *port,
		     uint8_t laddr[16])
{
	const struct rb_dp *dp = lc->dp;
	const struct rb_fib *fib = __atomic_load_n(&dp->fib, __ATOMIC_ACQUIRE);
	const struct rb_nexthop *nh;
	static const uint8_t zero[16];

	if (fib == NULL)
		return -ENETUNREACH;
	if (p->family == AF_INET) {
		uint32_t dst;

		memcpy(&dst, p->raddr, 4);
		nh = rb_fib_lookup4(fib, dst);
		if (nh == NULL || nh->kind == RB_NH_BLACKHOLE)
			return -ENETUNREACH;
		*port = nh->port;
		memset(laddr, 0, 16);
		if (memcmp(p->laddr, zero, 4) != 0) {
			memcpy(laddr, p->laddr, 4);
		} else {
			uint32_t src = rb_port_src4(&dp->ports[nh->port], dst);

			if (src == 0)
				return -EADDRNOTAVAIL;
			memcpy(laddr, &src, 4);
		}
		return 0;
	}
	nh = rb_fib_lookup6(fib, p->raddr);
	if (nh == NULL || nh->kind == RB_NH_BLACKHOLE)
		return -ENETUNREACH;
	*port = nh->port;
	if (memcmp(p->laddr, zero, 16) != 0)
		memcpy(laddr, p->laddr, 16);
	else if (!rb_port_src6(&dp->ports[nh->port], p->raddr, laddr))
		return -EADDRNOTAVAIL;
	return 0;
}

/* Pick a local port whose return traffic the flow hash sends to us. */
static int tcp_pick_port(struct tcp_stack *st, struct tcp_key *k, uint16_t port)
{
	struct rb_lcore *lc = st->lc;
	const unsigned range = TCP_EPH_HI - TCP_EPH_LO + 1;

	for (unsigned i = 0; i < range; i++) {
		uint16_t p = st->eph_next;
		unsigned owner;

		st->eph_next = p >= TCP_EPH_HI ? TCP_EPH_LO : (uint16_t)(p + 1);
		k->lport = rte_cpu_to_be_16(p);
		if (k->family == AF_INET) {
			uint32_t r, l;

			memcpy(&r, k->raddr, 4);
			memcpy(&l, k->laddr, 4);
			owner = rb_flow_owner4(lc->dp, port, r, l, k->rport, k->lport);
		} else {
			owner = rb_flow_owner6(lc->dp, port, k->raddr, k->laddr, k->rport, k->lport);
		}
		if (owner != lc->worker)
			continue;
		if (tcp_conn_lookup(st, k) != NULL)
			continue;
		return 0;
	}
	return -EADDRNOTAVAIL;
}

struct tcp_conn *tcp_connect(struct rb_lcore *lc, const struct tcp_connect_params *p, int *err)
{
	struct tcp_stack *st = lc->tcp;
	const struct tcp_cc_ops *cc;
	struct tcp_conn *c;
	struct tcp_key k;
	uint16_t port = 0;
	int e;

	if (st == NULL || p == NULL || p->rport == 0 ||
	    (p->family != AF_INET && p->family != AF_INET6)) {
		e = -EINVAL;
		goto fail;
	}
	cc = tcp_cc_pick(st, p->cc);
	if (cc == NULL) {
		e = -ENOENT;
		goto fail;
	}
	memset(&k, 0, sizeof(k));
	k.family = (uint8_t)p->family;
	memcpy(k.raddr, p->raddr, p->family == AF_INET ? 4 : 16);
	k.rport = rte_cpu_to_be_16(p->rport);
	e = tcp_route(lc, p, &port, k.laddr);
	if (e < 0)
		goto fail;
	if (p->lport) {
		k.lport = rte_cpu_to_be_16(p->lport);
		if (tcp_conn_lookup(st, &k) != NULL) {
			e = -EADDRINUSE;
			goto fail;
		}
	} else {
		e = tcp_pick_port(st, &k, port);
		if (e < 0)
			goto fail;
	}
	c = tcp_conn_alloc(st);
	if (c == NULL) {
		e = -ENOMEM;
		goto fail;
	}
	c->key = k;
	c->port = port;
	c->cc = cc;
	c->iss = tcp_isn(st, &k);
	tcp_conn_init_vars(c);
	c->rcv_ws = st->prm.wscale ? tcp_wscale_for(c->rcvbuf) : 0;
	c->cc->init(c);
	c->cb = p->cb;
	c->user = p->user;
	c->flags |= TF_APP | TF_CONNECTING;
	tcp_conn_set_state(c, TCPS_SYN_SENT);
	tcp_conn_hash(c);
	rb_count(lc, RB_EV_TCP_ACTIVE_OPEN);
	c->rtt_start = tcp_now(st);
	tcp_send_syn(c);
	tcp_rexmt_arm(c);
	tcp_timer_update(c);
	if (err)
		*err = 0;
	return c;
fail:
	if (err)
		*err = e;
	return NULL;
}

/* ---- reading ---- */
uint32_t tcp_readable(const struct tcp_conn *c)
{
	return c->rcvq.bytes;
}

int tcp_eof(const struct tcp_conn *c)
{
	return (c->flags & TF_FIN_RCVD) && c->rcvq.bytes == 0;
}

static void tcp_read_done(struct tcp_conn *c)
{
	/* Tell the peer when the window opened enough (RFC 9293 3.8.6.2.2);
	 * not once its FIN is in: it sends nothing more (Linux's
	 * tcp_cleanup_rbuf skips it after RCV_SHUTDOWN too), and the ACK the
	 * FIN is owed goes delayed or with our own FIN (tcp_fin_in). */
	if (!(c->flags & TF_FIN_RCVD) && tcp_rcv_wnd_update_due(c)) {
		c->flags |= TF_ACK_NOW;
		tcp_pending_add(c);
		if (!c->st->in_input)
			tcp_deferred_run(c->st);
	}
}

struct rte_mbuf *tcp_read(struct tcp_conn *c, uint32_t max)
{
	struct tcp_stack *st = c->st;
	struct rte_mbuf *head = NULL, *tail = NULL;
	uint32_t total = 0;
	uint16_t nseg = 0;

	while (c->rcvq.head != NULL && total < max) {
		struct rte_mbuf *s = c->rcvq.head;

		if (total + s->data_len > max) {
			struct rte_mbuf *n;
			uint32_t k;

			if (total > 0)
				break;
			n = rte_pktmbuf_alloc(st->lc->dp->pool);
			if (n == NULL)
				break;
			k = RTE_MIN(max, (uint32_t)rte_pktmbuf_tailroom(n));
			memcpy(rte_pktmbuf_mtod(n, char *), rte_pktmbuf_mtod(s, char *), k);
			n->data_len = (uint16_t)k;
			s->data_off = (uint16_t)(s->data_off + k);
			s->data_len = (uint16_t)(s->data_len - k);
			c->rcvq.bytes -= k;
			head = tail = n;
			total = k;
			nseg = 1;
			break;
		}
		c->rcvq.head = s->next;
		s->next = NULL;
		c->rcvq.bytes -= s->data_len;
		c->rcvq.truesize -= s->buf_len;
		tcp_mem_uncharge(st, s->buf_len);
		total += s->data_len;
		nseg++;
		if (tail)
			tail->next = s;
		else
			head = s;
		tail = s;
	}
	if (c->rcvq.head == NULL)
		c->rcvq.tail = NULL;
	if (head == NULL)
		return NULL;
	head->pkt_len = total;
	head->nb_segs = nseg;
	/* the RX flags mean nothing to the reader; whether the buffer is
	 * someone else's (an indirect or external one) must stay known; the
	 * reader may change the bytes: no payload sum (tcp_psum.h) goes along */
	head->ol_flags &= RTE_MBUF_F_INDIRECT | RTE_MBUF_F_EXTERNAL;
	for (struct rte_mbuf *s = head->next; s != NULL; s = s->next) {
		s->nb_segs = 1;
		s->pkt_len = s->data_len;
		tcp_psum_clear(s);
	}
	tcp_read_done(c);
	return head;
}

size_t tcp_read_copy(struct tcp_conn *c, void *buf, size_t len)
{
	struct tcp_stack *st = c->st;
	size_t done = 0;

	while (c->rcvq.head != NULL && done < len) {
		struct rte_mbuf *s = c->rcvq.head;
		uint32_t n = (uint32_t)RTE_MIN((size_t)s->data_len, len - done);

		memcpy((char *)buf + done, rte_pktmbuf_mtod(s, char *), n);
		done += n;
		c->rcvq.bytes -= n;
		s->data_off = (uint16_t)(s->data_off + n);
		s->data_len = (uint16_t)(s->data_len - n);
		if (s->data_len == 0) {
			c->rcvq.head = s->next;
			c->rcvq.truesize -= s->buf_len;
			tcp_mem_uncharge(st, s->buf_len);
			s->next = NULL;
			rte_pktmbuf_free_seg(s);
		}
	}
	if (c->rcvq.head == NULL)
		c->rcvq.tail = NULL;
	if (done)
		tcp_read_done(c);
	return done;
}

/* ---- writing ---- */
static int tcp_writable_state(const struct tcp_conn *c)
{
	if (c->flags & (TF_FIN_QUEUED | TF_REAP))
		return 0;
	switch (c->state) {
	case TCPS_SYN_SENT:
	case TCPS_SYN_RECEIVED:
	case TCPS_ESTABLISHED:
	case TCPS_CLOSE_WAIT:
		return 1;
	default:
		return 0;
	}
}

uint32_t tcp_send_space(const struct tcp_conn *c)
{
	if (!tcp_writable_state(c) || c->sndq.bytes >= c->sndbuf)
		return 0;
	return c->sndbuf - c->sndq.bytes;
}

static void tcp_wrote(struct tcp_conn *c)
{
	if (tcp_send_space(c) == 0)
		c->flags |= TF_WANT_WRITE;
	tcp_pending_add(c);
}

size_t tcp_write(struct tcp_conn *c, const void *buf, size_t len)
{
	struct tcp_stack *st = c->st;
	struct tcp_mbq *q = &c->sndq;
	uint32_t space = tcp_send_space(c);
	size_t n = RTE_MIN(len, (size_t)space), done = 0;

	if (n < len)
		c->flags |= TF_WANT_WRITE;
	while (done < n) {
		struct rte_mbuf *t = q->tail;
		uint32_t room = 0, k;

		if (t != NULL && RTE_MBUF_DIRECT(t) && rte_mbuf_refcnt_read(t) == 1)
			room = rte_pktmbuf_tailroom(t);
		if (room == 0) {
			struct rte_mbuf *m;

			if (tcp_mem_charge(st, st->lc->dp->pool->elt_size) < 0) {
				rb_drop_count(st->lc, RB_DROP_TCP_MEM_LIMIT);
				c->flags |= TF_WANT_WRITE;
				tcp_mem_wait(c);
				break;
			}
			tcp_mem_uncharge(st, st->lc->dp->pool->elt_size);
			m = rte_pktmbuf_alloc(st->lc->dp->pool);
			if (m == NULL) {
				rb_drop_count(st->lc, RB_DROP_NO_MBUF);
				c->flags |= TF_WANT_WRITE;
				break;
			}
			if (t)
				t->next = m;
			else
				q->head = m;
			q->tail = t = m;
			q->truesize += m->buf_len;
			st->mem += m->buf_len;
			room = rte_pktmbuf_tailroom(m);
		}
		k = (uint32_t)RTE_MIN((size_t)room, n - done);
		memcpy(rte_pktmbuf_mtod_offset(t, char *, t->data_len), (const char *)buf + done, k);
		t->data_len = (uint16_t)(t->data_len + k);
		q->bytes += k;
		done += k;
	}
	if (done)
		tcp_wrote(c);
	return done;
}

/* Append one buffer, already charged to q and the lcore, to the send queue:
 * a small one is copied into the queue's last buffer when nobody else
 * references it (coalescing small writes) and its charge given back. */
static void sndq_append(struct tcp_stack *st, struct tcp_mbq *q, struct rte_mbuf *m)
{
	struct rte_mbuf *t = q->tail;

	if (t != NULL && m->data_len <= 512 && RTE_MBUF_DIRECT(t) &&
	    rte_mbuf_refcnt_read(t) == 1 && rte_pktmbuf_tailroom(t) >= m->data_len) {
		memcpy(rte_pktmbuf_mtod_offset(t, char *, t->data_len),
		       rte_pktmbuf_mtod(m, char *), m->data_len);
		t->data_len = (uint16_t)(t->data_len + m->data_len);
		q->bytes += m->data_len;
		q->truesize -= m->buf_len; /* charged by the caller */
		tcp_mem_uncharge(st, m->buf_len);
		rte_pktmbuf_free_seg(m);
		return;
	}
	if (t)
		t->next = m;
	else
		q->head = m;
	q->tail = m;
	q->bytes += m->data_len;
}

int tcp_write_mbuf(struct tcp_conn *c, struct rte_mbuf *m)
{
	struct tcp_stack *st = c->st;
	struct tcp_mbq *q = &c->sndq;
	uint32_t ts = 0;

	if (!tcp_writable_state(c))
		return -EPIPE;
	if (tcp_send_space(c) == 0) {
		c->flags |= TF_WANT_WRITE;
		return -EAGAIN;
	}
	for (struct rte_mbuf *s = m; s != NULL; s = s->next)
		ts += s->buf_len;
	if (st->mem + ts > st->prm.mem_limit) {
		rb_drop_count(st->lc, RB_DROP_TCP_MEM_LIMIT);
		c->flags |= TF_WANT_WRITE;
		tcp_mem_wait(c);
		return -ENOBUFS;
	}
	while (m != NULL) {
		struct rte_mbuf *next = m->next;

		m->next = NULL;
		/* a payload sum comes into a send queue only by tcp_splice:
		 * an application's mbuf may carry a stale flag (tcp_psum.h) */
		tcp_psum_clear(m);
		if (m->data_len == 0) {
			rte_pktmbuf_free_seg(m);
		} else {
			m->nb_segs = 1;
			m->pkt_len = m->data_len;
			q->truesize += m->buf_len;
			st->mem += m->buf_len;
			sndq_append(st, q, m);
		}
		m = next;
	}
	tcp_wrote(c);
	return 0;
}

/*
 * The relay's splice: src's in-order data moves to dst's send queue as the
 * buffers it arrived in, in one pass (tcp_read + tcp_write_mbuf without
 * handing the chain out): the buffers stay charged to the lcore (a move
 * from one queue to another: no memory limit to meet), their payload sums
 * stay valid (tcp_psum.h: the segments that send them need no pass over the
 * payload), src's window update and dst's output are scheduled once.
 */
uint32_t tcp_splice(struct tcp_conn *src, struct tcp_conn *dst)
{
	struct tcp_stack *st = src->st;
	struct tcp_mbq *rq = &src->rcvq, *q = &dst->sndq;
	uint32_t space = tcp_send_space(dst), moved = 0;

	if (rq->head == NULL)
		return 0;
	if (space == 0) {
		dst->flags |= TF_WANT_WRITE; /* on_writable once it drains */
		return 0;
	}
	while (rq->head != NULL && moved < space) {
		struct rte_mbuf *s = rq->head;

		if (s->data_len > space - moved) {
			/* dst takes less than this buffer: tcp_read's partial copy */
			struct rte_mbuf *m = tcp_read(src, space - moved);

			if (m != NULL) {
				moved += m->pkt_len;
				m->next = NULL;
				m->nb_segs = 1;
				q->truesize += m->buf_len;
				st->mem += m->buf_len;
				sndq_append(st, q, m);
			}
			break;
		}
		rq->head = s->next;
		s->next = NULL;
		rq->bytes -= s->data_len;
		rq->truesize -= s->buf_len;
		moved += s->data_len;
		if (s->data_len == 0) {
			tcp_mem_uncharge(st, s->buf_len);
			rte_pktmbuf_free_seg(s);
			continue;
		}
		s->nb_segs = 1;
		s->pkt_len = s->data_len;
		q->truesize += s->buf_len;
		sndq_append(st, q, s);
	}
	if (rq->head == NULL)
		rq->tail = NULL;
	if (rq->bytes)
		dst->flags |= TF_WANT_WRITE; /* src has more: on_writable then */
	tcp_read_done(src);
	if (moved)
		tcp_wrote(dst);
	return moved;
}

void tcp_flush(struct tcp_conn *c)
{
	if (c->flags & TF_PENDING) {
		TAILQ_REMOVE(&c->st->pending, c, plink);
		c->flags &= ~TF_PENDING;
	}
	tcp_output(c);
}

/* RFC 9293 3.10.4 CLOSE, for our direction only. */
int tcp_shutdown(struct tcp_conn *c)
{
	if (c->flags & (TF_FIN_QUEUED | TF_REAP))
		return 0;
	switch (c->state) {
	case TCPS_SYN_SENT:
		tcp_conn_drop(c, -ECONNABORTED);
		return 0;
	case TCPS_SYN_RECEIVED:
	case TCPS_ESTABLISHED:
		tcp_conn_set_state(c, TCPS_FIN_WAIT_1);
		break;
	case TCPS_CLOSE_WAIT:
		tcp_conn_set_state(c, TCPS_LAST_ACK);
		break;
	default:
		return -ENOTCONN;
	}
	c->flags |= TF_FIN_QUEUED;
	tcp_pending_add(c);
	if (!c->st->in_input)
		tcp_deferred_run(c->st);
	return 0;
}

void tcp_close(struct tcp_conn *c)
{
	struct tcp_stack *st = c->st;

	if (!(c->flags & TF_APP))
		return;
	c->flags &= ~(TF_APP | TF_CONNECTING | TF_WANT_WRITE);
	if (c->state == TCPS_SYN_SENT) {
		tcp_conn_drop(c, 0);
	} else if (c->rcvq.bytes > 0) {
		/* unread data: abort (RFC 2525 2.17) */
		tcp_send_rst(c);
		tcp_conn_drop(c, 0);
	} else {
		tcp_shutdown(c);
		if (c->state == TCPS_FIN_WAIT_2 && c->t_conn == 0) {
			c->t_conn = tcp_now(st) + tcp_ms2tsc(st, st->prm.fin_wait2_ms);
			tcp_timer_update(c);
		}
	}
	if (!st->in_input)
		tcp_deferred_run(st);
}

void tcp_abort(struct tcp_conn *c)
{
	struct tcp_stack *st = c->st;

	if (!(c->flags & TF_APP))
		return;
	c->flags &= ~(TF_APP | TF_CONNECTING);
	tcp_send_rst(c);
	tcp_conn_drop(c, -ECONNABORTED);
	if (!st->in_input)
		tcp_deferred_run(st);
}

/* ---- introspection ---- */
void tcp_get_info(const struct tcp_conn *c, struct tcp_info *i)
{
	memset(i, 0, sizeof(*i));
	i->state = c->state;
	i->snd_wscale = c->snd_ws;
	i->rcv_wscale = c->rcv_ws;
	i->sack = (c->flags & TF_SACK) != 0;
	i->timestamps = (c->flags & TF_TS) != 0;
	i->mss = c->mss;
	i->srtt_us = c->srtt;
	i->rttvar_us = c->rttvar;
	i->rto_us = c->rto;
	i->cwnd = c->cwnd;
	i->ssthresh = c->ssthresh;
	i->snd_wnd = c->snd_wnd;
	i->rcv_wnd = seq_gt(c->rcv_adv, c->rcv_nxt) ? c->rcv_adv - c->rcv_nxt : 0;
	i->inflight = c->snd_max - c->snd_una;
	i->bytes_sent = c->bytes_sent;
	i->bytes_acked = c->bytes_acked;
	i->bytes_received = c->bytes_received;
	i->segs_out = c->segs_out;
	i->segs_in = c->segs_in;
	i->retransmits = c->n_retrans;
	i->rto_count = c->n_rto;
	i->fast_recoveries = c->n_recoveries;
	i->cc = c->cc ? c->cc->name : "";
}

void tcp_get_addrs(const struct tcp_conn *c, int *family, uint8_t laddr[16], uint16_t *lport,
		   uint8_t raddr[16], uint16_t *rport)
{
	if (family)
		*family = c->key.family;
	if (laddr)
		memcpy(laddr, c->key.laddr, 16);
	if (raddr)
		memcpy(raddr, c->key.raddr, 16);
	if (lport)
		*lport = rte_be_to_cpu_16(c->key.lport);
	if (rport)
		*rport = rte_be_to_cpu_16(c->key.rport);
}
