/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TCP input, demultiplexing: a received segment's checks before any state
 * (addresses, RFC 9293 3.10.7.1 checksum, options), the lookup of its
 * connection or listener, TIME_WAIT reuse (RFC 6191), the RST for a segment
 * nobody owns (RFC 9293 3.10.7.1), and the RX-burst bracket around a burst.
 * The state machine is in tcp_input.c.
 */
#include <errno.h>
#include <string.h>
#include <netinet/in.h>
#include <rte_ip.h>
#include "tcp_priv.h"
#include "tcp_psum.h"

/* RFC 9293 3.10.7.4 (TIME-WAIT) and RFC 6191: a new SYN may reuse the
 * tuple when its sequence number (or timestamp) is beyond the old one. */
static int tcp_tw_reusable(const struct tcp_conn *c, const struct tcp_seg *sg)
{
	if ((c->flags & TF_TS) && sg->o.has_ts)
		return seq_gt(sg->o.tsval, c->ts_recent);
	return seq_gt(sg->seq, c->rcv_nxt);
}

/* ---- demultiplexing ---- */
static int tcp_bad_addr(int family, const uint8_t *src, const uint8_t *dst)
{
	if (family == AF_INET) {
		uint8_t s0 = src[0], d0 = dst[0];

		return (s0 & 0xf0) == 0xe0 || (d0 & 0xf0) == 0xe0 ||
		       (dst[0] == 255 && dst[1] == 255 && dst[2] == 255 && dst[3] == 255) ||
		       (src[0] == 255 && src[1] == 255 && src[2] == 255 && src[3] == 255);
	}
	return src[0] == 0xff || dst[0] == 0xff;
}

/* fl: the foreign listener of tcp_input_foreign(), or NULL. */
static void tcp_input_one(struct tcp_stack *st, struct rte_mbuf *m, struct tcp_listener *fl)
{
	struct rb_lcore *lc = st->lc;
	int family = rb_meta(m)->l3 == 6 ? AF_INET6 : AF_INET;
	const uint8_t *src, *dst;
	uint32_t l4len = rte_pktmbuf_pkt_len(m), iplen, hlen;
	const struct tcp_hdr *th;
	struct tcp_seg sg;
	struct tcp_key k;
	struct tcp_conn *c;
	struct tcp_listener *l;
	uint16_t port = m->port, psum = 0;
	int psum_ok = 0;

	rb_count(lc, RB_EV_TCP_SEG_IN);
	iplen = rb_l4_addrs(m, family, &src, &dst);
	if (iplen < l4len) {
		rte_pktmbuf_trim(m, (uint16_t)(l4len - iplen));
		l4len = iplen;
	}
	if (l4len < TCP_HDR_LEN || iplen > l4len || rte_pktmbuf_data_len(m) < TCP_HDR_LEN) {
		rb_drop(lc, m, RB_DROP_TCP_SHORT);
		return;
	}
	th = rte_pktmbuf_mtod(m, const struct tcp_hdr *);
	hlen = (uint32_t)(th->off >> 4) * 4;
	if (hlen < TCP_HDR_LEN || hlen > l4len || hlen > rte_pktmbuf_data_len(m)) {
		rb_drop(lc, m, RB_DROP_TCP_SHORT);
		return;
	}
	tcp_psum_clear(m); /* whatever the frame came with: only our own sum counts */
	if ((m->ol_flags & RTE_MBUF_F_RX_L4_CKSUM_MASK) != RTE_MBUF_F_RX_L4_CKSUM_GOOD) {
		if ((m->ol_flags & RTE_MBUF_F_RX_L4_CKSUM_MASK) == RTE_MBUF_F_RX_L4_CKSUM_BAD ||
		    tcp_cksum_verify_psum(family, src, dst, m, l4len, hlen, &psum) != 0xffff) {
			rb_drop(lc, m, RB_DROP_TCP_BAD_CSUM);
			return;
		}
		psum_ok = m->next == NULL && l4len > hlen;
	}
	if (tcp_bad_addr(family, src, dst)) {
		rb_drop(lc, m, RB_DROP_TCP_BAD_ADDR);
		return;
	}
	sg.flags = th->flags;
	if ((sg.flags & (TCP_SYN | TCP_FIN)) == (TCP_SYN | TCP_FIN) ||
	    (sg.flags & (TCP_SYN | TCP_RST)) == (TCP_SYN | TCP_RST)) {
		rb_drop(lc, m, RB_DROP_TCP_BAD_FLAGS);
		return;
	}
	if (tcp_opts_parse((const uint8_t *)(th + 1), hlen - TCP_HDR_LEN, sg.flags & TCP_SYN,
			   &sg.o) < 0) {
		rb_drop(lc, m, RB_DROP_TCP_BAD_OPTS);
		return;
	}
	sg.seq = rte_be_to_cpu_32(th->seq);
	sg.ack = rte_be_to_cpu_32(th->ack);
	sg.wnd = rte_be_to_cpu_16(th->win);
	sg.len = l4len - hlen;
	memset(&k, 0, sizeof(k));
	k.family = (uint8_t)family;
	memcpy(k.laddr, dst, family == AF_INET ? 4 : 16);
	memcpy(k.raddr, src, family == AF_INET ? 4 : 16);
	k.lport = th->dport;
	k.rport = th->sport;
	rte_pktmbuf_adj(m, (uint16_t)hlen);
	if (psum_ok)
		tcp_psum_set(m, psum); /* the payload's: tcp_splice, tcp_output reuse it */
	c = tcp_conn_lookup(st, &k);
	if (c != NULL && c->state == TCPS_TIME_WAIT &&
	    (sg.flags & (TCP_SYN | TCP_ACK | TCP_RST)) == TCP_SYN && tcp_tw_reusable(c, &sg) &&
	    (fl != NULL || tcp_listener_lookup(st, family, k.laddr, k.lport) != NULL)) {
		rb_count(lc, RB_EV_TCP_TW_REUSE);
		tcp_conn_drop(c, 0);
		c = NULL;
	}
	if (c != NULL) {
		tcp_conn_input(c, m, &sg);
		return;
	}
	l = fl != NULL ? fl : tcp_listener_lookup(st, family, k.laddr, k.lport);
	if (l != NULL) {
		tcp_listen_input(st, l, m, &sg, &k, port);
		return;
	}
	tcp_reply_rst(lc, port, &k, sg.seq, sg.ack, sg.flags, seg_seqlen(&sg));
	rb_drop(lc, m, RB_DROP_TCP_NO_LISTENER);
}

uint16_t tcp_input(struct rb_lcore *lc, struct rte_mbuf **pkts, uint16_t n)
{
	struct tcp_stack *st = lc->tcp;

	if (st == NULL) {
		for (uint16_t i = 0; i < n; i++)
			rb_drop(lc, pkts[i], RB_DROP_TCP_NO_LISTENER);
		return n;
	}
	st->in_input++;
	st->in_bracket += n > 1;
	for (uint16_t i = 0; i < n; i++)
		tcp_input_one(st, pkts[i], NULL);
	st->in_bracket -= n > 1;
	if (--st->in_input == 0)
		tcp_deferred_run(st);
	return n;
}

int tcp_rx_begin(struct rb_lcore *lc)
{
	struct tcp_stack *st = lc->tcp;

	if (st == NULL)
		return 0;
	tcp_rx_burst_begin(lc); /* rd_burst */
	if (!st->prm.rx_burst)
		return 0;
	st->in_input++;
	st->in_bracket++;
	return 1;
}

void tcp_rx_end(struct rb_lcore *lc, int opened)
{
	struct tcp_stack *st = lc->tcp;

	if (st == NULL)
		return;
	if (opened)
		st->in_bracket--;
	tcp_rx_burst_end(lc); /* readable connections first, then the output */
	if (opened && --st->in_input == 0)
		tcp_deferred_run(st);
}

uint16_t tcp_input_foreign(struct rb_lcore *lc, struct rte_mbuf **pkts, uint16_t n,
			   struct tcp_listener *l)
{
	struct tcp_stack *st = lc->tcp;

	if (st == NULL || l == NULL || !l->foreign || l->st != st) {
		for (uint16_t i = 0; i < n; i++)
			rb_drop(lc, pkts[i], RB_DROP_TCP_NO_LISTENER);
		return n;
	}
	st->in_input++;
	for (uint16_t i = 0; i < n; i++)
		tcp_input_one(st, pkts[i], l);
	if (--st->in_input == 0)
		tcp_deferred_run(st);
	return n;
}
