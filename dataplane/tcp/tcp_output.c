/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TCP output: segment building (header, options; the payload comes from
 * tcp_payload.c: copied out of the send queue, or referenced in it),
 * checksums (software, or offloaded when the port offers it),
 * the send loop with sender SWS avoidance (RFC 9293 3.8.6.2.1), SACK-based
 * recovery transmissions (RFC 6675 5), retransmission timeout (RFC 6298)
 * and zero-window probing (RFC 9293 3.8.6.1).
 */
#include <errno.h>
#include <string.h>
#include <netinet/in.h>
#include <rte_ip.h>
#include <rte_ethdev.h>
#include "tcp_priv.h"
#include "../net/cksum.h"
#include "tcp_psum.h"
#include "tcp_icmp.h"
#include "../net/tso.h"

/* ---- checksums ---- */
/* The pseudo header's sum (RFC 9293 3.1, RFC 8200 8.1) as native 16-bit
 * words of its wire form, folded: summed in place, no header built. */
static uint32_t tcp_phdr_sum(int family, const uint8_t *src, const uint8_t *dst, uint32_t len)
{
	uint64_t sum;

	if (family == AF_INET) {
		uint32_t s, d;

		memcpy(&s, src, 4);
		memcpy(&d, dst, 4);
		sum = (uint64_t)s + d + rte_cpu_to_be_16(IPPROTO_TCP) +
		      rte_cpu_to_be_16((uint16_t)len);
	} else {
		uint64_t w[4];

		memcpy(&w[0], src, 8);
		memcpy(&w[1], src + 8, 8);
		memcpy(&w[2], dst, 8);
		memcpy(&w[3], dst + 8, 8);
		sum = (uint64_t)rte_cpu_to_be_32(len) + rte_cpu_to_be_32(IPPROTO_TCP);
		for (int i = 0; i < 4; i++)
			sum += (w[i] & 0xffffffff) + (w[i] >> 32);
	}
	return rb_cksum_fold(sum);
}

static uint16_t fold(uint32_t sum)
{
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

/* Sum of the pseudo header and the segment: 0xffff when the checksum holds. */
uint16_t tcp_cksum_verify(int family, const uint8_t *src, const uint8_t *dst,
			  const struct rte_mbuf *m, uint32_t len)
{
	uint16_t s = 0;

	if (rb_cksum_mbuf(m, 0, len, &s) < 0)
		return 0;
	return fold(tcp_phdr_sum(family, src, dst, len) + s);
}

/* As tcp_cksum_verify, the header (hlen bytes, in the first mbuf) and the
 * payload summed apart: *psum is the payload's folded sum (tcp_psum.h). */
uint16_t tcp_cksum_verify_psum(int family, const uint8_t *src, const uint8_t *dst,
			       const struct rte_mbuf *m, uint32_t len, uint32_t hlen, uint16_t *psum)
{
	uint16_t p = 0;
	uint64_t h = rb_raw_sum(rte_pktmbuf_mtod(m, const uint8_t *), hlen);

	if (rb_cksum_mbuf(m, hlen, len - hlen, &p) < 0)
		return 0;
	*psum = p;
	/* hlen is a multiple of 4: the payload's words are aligned as summed */
	return fold((uint32_t)rb_cksum_fold(h + tcp_phdr_sum(family, src, dst, len) + p));
}

/* Transmit a finished segment (data at the TCP header). */
int tcp_xmit(struct rb_lcore *lc, uint16_t port, const struct tcp_key *k, struct rte_mbuf *m)
{
	return tcp_xmit_psum(lc, port, k, m, 0, 0);
}

/* As tcp_xmit; psum_ok: psum is the folded sum of everything after the TCP
 * header (tcp_payload_out), so a software checksum sums the header only. */
int tcp_xmit_psum(struct rb_lcore *lc, uint16_t port, const struct tcp_key *k, struct rte_mbuf *m,
		  int psum_ok, uint16_t psum)
{
	struct tcp_hdr *th = rte_pktmbuf_mtod(m, struct tcp_hdr *);
	uint32_t len = rte_pktmbuf_pkt_len(m);
	uint64_t offl = port < RB_MAX_PORTS ? lc->dp->ports[port].tx_offloads : 0;

	th->cksum = 0;
	if (m->ol_flags & RTE_MBUF_F_TX_TCP_SEG) {
		/* TSO (tcp_send_segment): DPDK wants the pseudo-header sum
		 * without the length, which differs per wire segment */
		th->cksum = fold(tcp_phdr_sum(k->family, k->laddr, k->raddr, 0));
		m->ol_flags |= RTE_MBUF_F_TX_TCP_CKSUM |
			       (k->family == AF_INET ? RTE_MBUF_F_TX_IPV4 : RTE_MBUF_F_TX_IPV6);
		m->l4_len = (uint64_t)(th->off >> 4) * 4;
		rb_count(lc, RB_EV_TCP_TSO_OUT);
	} else if (offl & RTE_ETH_TX_OFFLOAD_TCP_CKSUM) {
		/* The NIC finishes it from the pseudo-header sum (a chain too:
		 * the port takes chains, or dataplane/net/tx.c linearises it
		 * with its flags; paths to no NIC finish it in software,
		 * rb_cksum_tx_finish). */
		th->cksum = fold(tcp_phdr_sum(k->family, k->laddr, k->raddr, len));
		m->ol_flags |= RTE_MBUF_F_TX_TCP_CKSUM |
			       (k->family == AF_INET ? RTE_MBUF_F_TX_IPV4 : RTE_MBUF_F_TX_IPV6);
		m->l4_len = (uint64_t)(th->off >> 4) * 4;
	} else if (psum_ok) {
		uint32_t hlen = (uint32_t)(th->off >> 4) * 4;
		uint64_t h = rb_raw_sum(th, hlen) + psum;

		th->cksum = (uint16_t)~fold((uint32_t)rb_cksum_fold(
			h + tcp_phdr_sum(k->family, k->laddr, k->raddr, len)));
	} else {
		uint16_t s = 0;

		rb_cksum_mbuf(m, 0, len, &s);
		th->cksum = (uint16_t)~fold(tcp_phdr_sum(k->family, k->laddr, k->raddr, len) + s);
	}
	rb_count(lc, RB_EV_TCP_SEG_OUT);
	if (k->family == AF_INET) {
		uint32_t src, dst;

		memcpy(&src, k->laddr, 4);
		memcpy(&dst, k->raddr, 4);
		return rb_ip4_output(lc, m, src, dst, IPPROTO_TCP, 0, 1);
	}
	return rb_ip6_output(lc, m, k->laddr, k->raddr, IPPROTO_TCP, 0);
}

static void wr16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void wr32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static void tcp_fill_hdr(struct tcp_hdr *th, const struct tcp_key *k, uint32_t seq, uint32_t ack,
			 uint8_t flags, uint16_t win, unsigned hlen)
{
	th->sport = k->lport;
	th->dport = k->rport;
	th->seq = rte_cpu_to_be_32(seq);
	th->ack = rte_cpu_to_be_32(flags & TCP_ACK ? ack : 0);
	th->off = (uint8_t)((hlen / 4) << 4);
	th->flags = flags;
	th->win = rte_cpu_to_be_16(win);
	th->cksum = 0;
	th->urp = 0;
}

void tcp_send_bare(struct rb_lcore *lc, uint16_t port, const struct tcp_key *k, uint32_t seq,
		   uint32_t ack, uint8_t flags, uint16_t win, const uint8_t *opt, unsigned optlen)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(lc->dp->pool);
	struct tcp_hdr *th;

	if (m == NULL) {
		rb_drop_count(lc, RB_DROP_NO_MBUF);
		return;
	}
	th = (struct tcp_hdr *)rte_pktmbuf_append(m, (uint16_t)(TCP_HDR_LEN + optlen));
	if (th == NULL) {
		rb_drop(lc, m, RB_DROP_NO_MBUF);
		return;
	}
	tcp_fill_hdr(th, k, seq, ack, flags, win, TCP_HDR_LEN + optlen);
	if (optlen)
		memcpy(th + 1, opt, optlen);
	m->port = port;
	if (flags & TCP_RST)
		rb_count(lc, RB_EV_TCP_RST_TX);
	tcp_xmit(lc, port, k, m);
}

void tcp_reply_rst(struct rb_lcore *lc, uint16_t port, const struct tcp_key *k, uint32_t seq,
		   uint32_t ack, uint8_t flags, uint32_t seglen)
{
	if (flags & TCP_RST)
		return;
	if (flags & TCP_ACK)
		tcp_send_bare(lc, port, k, ack, 0, TCP_RST, 0, NULL, 0);
	else
		tcp_send_bare(lc, port, k, 0, seq + seglen, TCP_RST | TCP_ACK, 0, NULL, 0);
}

/* ---- receive window (RFC 9293 3.8.6.2.2, RFC 7323 2) ---- */
uint8_t tcp_wscale_for(uint32_t rcvbuf)
{
	uint8_t ws = 0;

	while (ws < TCP_WSCALE_MAX && (rcvbuf >> ws) > 65535)
		ws++;
	return ws;
}

/* Free space of the connection's own buffer. */
static uint32_t tcp_rcv_buf_space(const struct tcp_conn *c)
{
	uint32_t q = c->rcvq.bytes;

	for (int i = 0; i < c->n_ooo; i++)
		q += c->rv->ooo[i].len;
	return c->rcvbuf > q ? c->rcvbuf - q : 0;
}

/* Do not offer what the lcore's memory could not take once every other
 * connection filled its window too: data beyond it would be dropped
 * (tcp_mem_limit) and cost the peer an RTO (tcp_rcv_budget). */
uint32_t tcp_rcv_space(const struct tcp_conn *c)
{
	return RTE_MIN(tcp_rcv_buf_space(c), tcp_rcv_budget(c));
}

/* The right edge we could offer now; a SYN's window is not scaled
 * (RFC 7323 2.2). */
/* A half-open connection (SYN-RECEIVED) offers at most this many
 * segments: its window is counted against the lcore's memory like any
 * promise (tcp_rcv_budget), and the peer has not yet shown it owns its
 * address, so a SYN flood's backlog of entries must not promise the
 * budget away from the established connections (test_tcp_synflood
 * stalled its bulk echo under tcp_mem_pressure).  The window opens on the
 * first segment sent once established. */
#define TCP_SYNRCVD_WND_SEGS 4

static uint32_t tcp_rcv_edge(const struct tcp_conn *c, int syn)
{
	uint32_t space = tcp_rcv_space(c), lim = syn ? 65535u : 65535u << c->rcv_ws;

	if (c->state == TCPS_SYN_RECEIVED) /* whole segments: no sliver left */
		lim = RTE_MIN(lim, TCP_SYNRCVD_WND_SEGS *
					   ((uint32_t)c->rcv_mss - ((c->flags & TF_TS) ? 12u : 0u)));

	return c->rcv_nxt + (space < lim ? space : lim);
}

static int tcp_rcv_edge_due(const struct tcp_conn *c, uint32_t edge)
{
	uint32_t thr = RTE_MIN(c->rcvbuf / 2, (uint32_t)c->rcv_mss);

	return seq_gt(edge, c->rcv_adv) && edge - c->rcv_adv >= thr;
}

int tcp_rcv_wnd_update_due(const struct tcp_conn *c)
{
	return tcp_rcv_edge_due(c, tcp_rcv_edge(c, 0));
}

/* The window field of an outgoing segment.  The right edge only moves
 * right (RFC 9293 3.8.6), in steps of at least an MSS (receiver SWS
 * avoidance, 3.8.6.2.2); rcv_adv - rcv_nxt is what the peer may send and
 * what the lcore's memory has promised (tcp_rcv_promise_sync). */
uint16_t tcp_rcv_wnd_field(struct tcp_conn *c, int syn)
{
	uint32_t edge = tcp_rcv_edge(c, syn), wnd;

	if (seq_lt(c->rcv_adv, c->rcv_nxt))
		c->rcv_adv = c->rcv_nxt;
	if (tcp_rcv_edge_due(c, edge) || (c->rcv_adv == c->rcv_nxt && seq_gt(edge, c->rcv_adv) &&
					  edge - c->rcv_adv >= c->rcvbuf / 2))
		c->rcv_adv = edge;
	if (tcp_rcv_budget(c) < tcp_rcv_buf_space(c) && tcp_rcv_buf_space(c) > c->rcv_adv - c->rcv_nxt)
		tcp_rcv_clamped(c); /* memory, not the buffer, held the window back */
	tcp_rcv_promise_sync(c);
	wnd = c->rcv_adv - c->rcv_nxt;
	if (syn)
		return (uint16_t)RTE_MIN(wnd, 65535u);
	wnd >>= c->rcv_ws;
	return (uint16_t)RTE_MIN(wnd, 65535u);
}

/* ---- options ---- */
uint32_t tcp_tsval(const struct tcp_conn *c)
{
	return tcp_now_ms(c->st) + c->ts_offset;
}

unsigned tcp_syn_opts_raw(uint8_t *p, uint16_t mss, int sack, int ts, uint32_t tsval,
			  uint32_t tsecr, int ws, uint8_t wsval)
{
	unsigned n = 0;

	p[n++] = TCPOPT_MSS;
	p[n++] = 4;
	wr16(p + n, mss);
	n += 2;
	if (sack && ts) {
		p[n++] = TCPOPT_SACK_PERM;
		p[n++] = 2;
	} else if (ts) {
		p[n++] = TCPOPT_NOP;
		p[n++] = TCPOPT_NOP;
	} else if (sack) {
		p[n++] = TCPOPT_NOP;
		p[n++] = TCPOPT_NOP;
		p[n++] = TCPOPT_SACK_PERM;
		p[n++] = 2;
	}
	if (ts) {
		p[n++] = TCPOPT_TS;
		p[n++] = 10;
		wr32(p + n, tsval);
		wr32(p + n + 4, tsecr);
		n += 8;
	}
	if (ws) {
		p[n++] = TCPOPT_NOP;
		p[n++] = TCPOPT_WSCALE;
		p[n++] = 3;
		p[n++] = wsval;
	}
	return n;
}

/* Options of our SYN (offer what the parameters allow) or SYN-ACK (echo
 * what the peer's SYN offered, RFC 7323 2.2/3.2, RFC 2018 2). */
unsigned tcp_syn_opts(struct tcp_conn *c, uint8_t *p)
{
	const struct tcp_params *prm = &c->st->prm;
	int active = c->state == TCPS_SYN_SENT || (c->flags & TF_SIMUL);
	int sack = active ? prm->sack : (c->flags & TF_SACK) != 0;
	int ts = active ? prm->timestamps : (c->flags & TF_TS) != 0;
	int ws = active ? prm->wscale : (c->flags & TF_WS) != 0;

	return tcp_syn_opts_raw(p, c->rcv_mss, sack, ts, tcp_tsval(c),
				c->state == TCPS_SYN_SENT ? 0 : c->ts_recent, ws, c->rcv_ws);
}

/* Options of a non-SYN segment carrying len payload bytes.  Segments are
 * sized for the MSS less the timestamps option only (tcp_smss), so SACK
 * blocks go in only as far as they fit: payload and options together never
 * exceed the MSS (RFC 9293 3.7.1, RFC 6691), else a full-sized segment
 * sent while the receive side holds out-of-order data would exceed the
 * path MTU and be dropped (DF) before the wire (RFC 2018 3: fewer blocks
 * when space is short). */
static unsigned tcp_data_opts(struct tcp_conn *c, uint8_t *p, uint8_t flags, uint32_t len)
{
	unsigned n = 0, nblk = 0, room;
	struct tcp_range blk[4];

	if (c->flags & TF_TS) {
		p[n++] = TCPOPT_NOP;
		p[n++] = TCPOPT_NOP;
		p[n++] = TCPOPT_TS;
		p[n++] = 10;
		wr32(p + n, tcp_tsval(c));
		wr32(p + n + 4, c->ts_recent);
		n += 8;
	}
	if ((c->flags & TF_SACK) && (flags & TCP_ACK) && !(flags & TCP_RST)) {
		room = c->mss > len + n + 4 ? c->mss - len - n - 4 : 0;
		nblk = tcp_sack_opt_blocks(c, blk, RTE_MIN((c->flags & TF_TS) ? 3u : 4u, room / 8));
	}
	if (nblk) {
		p[n++] = TCPOPT_NOP;
		p[n++] = TCPOPT_NOP;
		p[n++] = TCPOPT_SACK;
		p[n++] = (uint8_t)(2 + 8 * nblk);
		for (unsigned i = 0; i < nblk; i++) {
			wr32(p + n, blk[i].start);
			wr32(p + n + 4, blk[i].end);
			n += 8;
		}
	}
	return n;
}

/* TCP segmentation offload: at most this much payload per super-segment,
 * so that the IPv4 total length (options up to 40 bytes on both headers)
 * and the IPv6 payload length stay within 16 bits.  Super-segments go to
 * a connection whose port offers TSO (for IPv4: net_tap offers it for
 * IPv4 only, and its IPv6 super-segments are cut in software by the IP
 * layer, one pass through the stack per 64 KiB all the same; so are
 * those routed to a tunnel, to ourselves or to another port, net/tso.h).
 * RFC 9293 3.7.1 is kept on the wire: each segment carries at most the
 * MSS with our options. */
#define TCP_TSO_BYTES (65535u - 60u - 60u)

static int tcp_tso_ok(const struct tcp_conn *c)
{
	return !c->st->prm.no_tso && rb_tso_port_ok(c->st->lc->dp, c->port, 0);
}

/* Build and send one segment of our connection.  len is payload bytes;
 * segsz > 0 (tcp_send_new only, where tcp_tso_ok) makes it a TSO
 * super-segment of len / segsz segments of segsz bytes and a shorter
 * tail.  Retransmissions (tcp_send_segment, tcp_xmit_range) always go
 * out one segment each: the scoreboard, RACK and the RTT sample work on
 * sequence ranges, so new data may leave in any grouping, but a
 * retransmission stays the one range recovery chose. */
static int tcp_send_seg(struct tcp_conn *c, uint32_t seq, uint32_t len, uint8_t flags,
			uint32_t segsz)
{
	struct tcp_stack *st = c->st;
	struct rb_lcore *lc = st->lc;
	struct rte_mbuf *m = NULL;
	uint8_t opt[40];
	unsigned optlen;
	struct tcp_hdr *th;
	uint16_t win, psum = 0;
	int zc = len && tcp_zc_port(c), sw = len && tcp_sw_cksum(c);

	if (len <= segsz || (flags & (TCP_SYN | TCP_RST)))
		segsz = 0;
	/* a super-segment's options are sized for each wire segment */
	optlen = (flags & TCP_SYN) ? tcp_syn_opts(c, opt)
				   : tcp_data_opts(c, opt, flags, segsz ? segsz : len);
	if (zc && segsz == 0)
		m = tcp_seg_inplace(c, seq, len, TCP_HDR_LEN + optlen, sw, &psum);
	if (m != NULL) {
		th = rte_pktmbuf_mtod(m, struct tcp_hdr *);
	} else {
		m = rte_pktmbuf_alloc(lc->dp->pool);
		if (m == NULL) {
			rb_drop_count(lc, RB_DROP_NO_MBUF);
			return -1;
		}
		th = (struct tcp_hdr *)rte_pktmbuf_append(m, (uint16_t)(TCP_HDR_LEN + optlen));
		if (th == NULL)
			goto fail;
		if (len) {
			/* a super-segment references the send queue wherever
			 * zero copy is on (zc_tx 1 and 2): 64 KiB in one pass,
			 * the NIC gathers; within the port's mbufs per frame */
			uint32_t seg_max = segsz ? lc->dp->ports[c->port].tx_seg_max : 0;
			int got = tcp_payload_out(c, m, seq, len,
						  zc && (st->prm.zc_tx == 1 || segsz),
						  sw && segsz == 0 ? &psum : NULL, seg_max);

			if (got < 0)
				goto fail;
			if ((uint32_t)got < len) {
				/* the frame's mbufs ran out first: whole segments
				 * only (or what one took, as a plain segment: a
				 * TSO port sums in hardware, sw is 0), the rest
				 * (and any FIN) next time */
				if ((uint32_t)got >= 2 * segsz)
					got -= got % (int)segsz;
				else if ((uint32_t)got > segsz)
					got = (int)segsz;
				if ((uint32_t)got <= segsz)
					segsz = 0;
				if (got == 0)
					goto fail;
				tcp_chain_trim(m, TCP_HDR_LEN + optlen + (uint32_t)got);
				len = (uint32_t)got;
				flags &= (uint8_t)~(TCP_FIN | TCP_PSH);
				rb_count(lc, RB_EV_TCP_TSO_SEG_MAX);
			}
		}
	}
	win = tcp_rcv_wnd_field(c, (flags & TCP_SYN) != 0);
	tcp_fill_hdr(th, &c->key, seq, c->rcv_nxt, flags, win, TCP_HDR_LEN + optlen);
	memcpy(th + 1, opt, optlen);
	if (segsz) {
		/* a super-segment: the port cuts it into segsz-byte segments,
		 * each with these options (sized for segsz above) */
		m->ol_flags |= RTE_MBUF_F_TX_TCP_SEG;
		m->tso_segsz = (uint16_t)segsz;
		sw = 0; /* the port sums each segment (tcp_xmit) */
		if (zc)
			rb_count(lc, RB_EV_TCP_TSO_ZC);
	}
	m->port = c->port;
	if (flags & TCP_ACK) {
		c->last_ack_sent = c->rcv_nxt;
		c->flags &= ~(TF_ACK_NOW | TF_DELACK);
		c->t_delack = 0;
	}
	if (len && seq_lt(seq, c->snd_max)) {
		c->n_retrans++;
		rb_count(lc, RB_EV_TCP_RETRANSMIT);
		if ((c->flags & (TF_SACK | TF_RECOVERY)) == (TF_SACK | TF_RECOVERY))
			tcp_rack_sent(c, seq, len);
		tcp_undo_rxt(c, seq, len);
	}
	if (c->flags & TF_RECOVERY)
		c->prr_out += len; /* RFC 6937 */
	if (flags & TCP_RST)
		rb_count(lc, RB_EV_TCP_RST_TX);
	c->bytes_sent += len;
	c->segs_out++;
	tcp_xmit_psum(lc, c->port, &c->key, m, sw, psum);
	return (int)len;
fail:
	rb_drop(lc, m, RB_DROP_NO_MBUF);
	return -1;
}

int tcp_send_segment(struct tcp_conn *c, uint32_t seq, uint32_t len, uint8_t flags)
{
	return tcp_send_seg(c, seq, len, flags, 0) < 0 ? -1 : 0;
}

void tcp_send_ack(struct tcp_conn *c)
{
	tcp_send_segment(c, c->snd_max, 0, TCP_ACK);
}

/* RFC 5961 3.2/4.2/5.2: <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK> */
void tcp_challenge_ack(struct tcp_conn *c)
{
	rb_count(c->st->lc, RB_EV_TCP_CHALLENGE_ACK);
	tcp_send_ack(c);
}

void tcp_send_syn(struct tcp_conn *c)
{
	uint8_t flags = c->state == TCPS_SYN_SENT ? TCP_SYN : TCP_SYN | TCP_ACK;

	tcp_send_segment(c, c->iss, 0, flags);
	if (seq_lt(c->snd_max, c->iss + 1))
		c->snd_max = c->iss + 1;
	c->snd_nxt = c->iss + 1;
}

/* A receiver takes a RST only inside its window (RFC 9293 3.10.7.4; RFC
 * 5961 3.2: at RCV.NXT, elsewhere a challenge ACK, which tcp_reply_rst
 * answers from RCV.NXT) and drops one beyond it without a word.  SND.MAX
 * lies beyond the peer's window after a zero-window probe's byte
 * (tcp_persist_timeout) or when the peer shrank its window: send from the
 * right edge then (as Linux's tcp_acceptable_seq).  Before, an abort of a
 * connection whose slow reader had its window closed never reached it. */
void tcp_send_rst(struct tcp_conn *c)
{
	uint32_t edge = c->snd_una + c->snd_wnd;

	if (c->state == TCPS_SYN_SENT || c->state == TCPS_CLOSED || c->state == TCPS_LISTEN)
		return;
	tcp_send_segment(c, seq_le(c->snd_max, edge) ? c->snd_max : edge, 0, TCP_RST | TCP_ACK);
}

/* ---- timers ---- */
static uint64_t tcp_rto_tsc(const struct tcp_conn *c, unsigned backoff)
{
	const struct tcp_params *prm = &c->st->prm;
	uint64_t us = (uint64_t)c->rto << RTE_MIN(backoff, 16u);

	if (us > (uint64_t)prm->rto_max_ms * 1000)
		us = (uint64_t)prm->rto_max_ms * 1000;
	return tcp_us2tsc(c->st, us);
}

static uint32_t tcp_smss(const struct tcp_conn *c);

void tcp_rexmt_arm(struct tcp_conn *c)
{
	c->flags &= ~(TF_TLP_ARMED | TF_RACK_ARMED);
	c->t_rexmt = tcp_now(c->st) + tcp_rto_tsc(c, c->backoff);
}

/* RFC 8985 7.2: schedule a tail loss probe instead of the RTO when SACK is
 * on, an RTT is known, no recovery, backoff or probe is under way:
 *   PTO = 2 * SRTT
 *       + WCDelAckT (the peer's worst-case delayed ACK, `tlp_wcdelack_ms`,
 *         200 ms as RFC 8985 recommends) when FlightSize is one segment,
 *       + `tlp_slack_ms` (2 ms) otherwise,
 *   never beyond the RTO.  The slack is added, not a floor: on a LAN SRTT
 *   is tens of microseconds, so 2 SRTT alone is shorter than the 1 ms
 *   timer tick and any scheduling hiccup of the peer, and max(2 SRTT, 2 ms)
 *   fires as soon as an ACK is 2 ms late.  (Linux: 2 SRTT + TCP_RTO_MIN
 *   with one packet out, else 2 SRTT + TCP_TIMEOUT_MIN, 2 ms.)  The RFC's
 *   own WCDelAckT, not our delack_ms: the timer waits for the peer's ACK,
 *   and Linux peers delay up to 200 ms. */
void tcp_pto_arm(struct tcp_conn *c)
{
	struct tcp_stack *st = c->st;
	uint64_t pto, rto;

	if (!(c->flags & TF_SACK) || (c->flags & (TF_RECOVERY | TF_TLP_OUT)) || c->srtt == 0 ||
	    c->backoff || !tcp_can_send_data(c)) {
		tcp_rexmt_arm(c);
		return;
	}
	pto = 2 * (uint64_t)c->srtt;
	c->flags &= ~TF_PTO_AGAIN;
	if (c->snd_max - c->snd_una <= tcp_smss(c)) {
		pto += (uint64_t)st->prm.tlp_wcdelack_ms * 1000;
		c->flags |= TF_PTO_AGAIN; /* tcp_output: again if more goes */
	} else {
		pto += (uint64_t)st->prm.tlp_slack_ms * 1000;
	}
	rto = (uint64_t)c->rto;
	if (pto > rto)
		pto = rto;
	c->t_rexmt = tcp_now(st) + tcp_us2tsc(st, pto);
	c->flags &= ~TF_RACK_ARMED;
	c->flags |= TF_TLP_ARMED;
}

static void tcp_persist_arm(struct tcp_conn *c)
{
	if (c->t_persist)
		return;
	c->t_persist = tcp_now(c->st) + tcp_rto_tsc(c, c->persist_backoff);
}

/* Send [seq, seq+seqlen) of sequence space again, FIN included when the
 * range covers it. */
int tcp_xmit_range(struct tcp_conn *c, uint32_t seq, uint32_t seqlen)
{
	uint8_t flags = TCP_ACK;
	uint32_t data_end = c->sndq_seq + c->sndq.bytes;

	if ((c->flags & TF_FIN_SENT) && seq_gt(seq + seqlen, c->fin_seq)) {
		flags |= TCP_FIN;
		seqlen = c->fin_seq - seq;
	}
	if (seq_gt(seq + seqlen, data_end))
		seqlen = seq_gt(data_end, seq) ? data_end - seq : 0;
	return tcp_send_segment(c, seq, seqlen, flags | (seqlen ? TCP_PSH : 0));
}

static uint32_t tcp_smss(const struct tcp_conn *c)
{
	return c->mss - ((c->flags & TF_TS) ? 12 : 0);
}

/* The payload of a new full-sized segment now: the MSS less the options
 * it will carry, SACK blocks included while the receive side holds
 * out-of-order data (RFC 2018 4: every ACK that does not acknowledge the
 * highest received data carries them; RFC 6691: options come out of the
 * MSS).  A peer whose ACKs all ride on data then still learns of each
 * hole (RFC 6675 2's duplicate ACK), as Linux's tcp_current_mss does. */
static uint32_t tcp_smss_now(const struct tcp_conn *c)
{
	uint32_t smss = tcp_smss(c);

	if ((c->flags & TF_SACK) && c->n_rsack) {
		uint32_t nblk = RTE_MIN((uint32_t)c->n_rsack, (c->flags & TF_TS) ? 3u : 4u);

		smss -= RTE_MIN(smss / 2, 4 + 8 * nblk);
	}
	return smss;
}

/* Send one segment of data from snd_nxt if windows and SWS rules allow;
 * returns bytes of sequence space sent (0 = nothing to do). */
static uint32_t tcp_send_new(struct tcp_conn *c, uint32_t usable, int force)
{
	uint32_t data_end = c->sndq_seq + c->sndq.bytes, smss = tcp_smss_now(c);
	uint32_t avail = seq_gt(data_end, c->snd_nxt) ? data_end - c->snd_nxt : 0;
	uint32_t len = RTE_MIN(avail, smss), segsz = 0;
	int fin = 0, n;
	uint8_t flags = TCP_ACK;

	if (avail > smss && usable >= 2 * smss && !(c->flags & TF_RECOVERY) && tcp_tso_ok(c)) {
		/* TSO: as many whole segments as the windows allow (cwnd and
		 * rwnd bound the super-segment as they would its segments);
		 * the tail of the queue may end it short.  What is left of a
		 * window below one segment is the SWS rule's below.  Not in
		 * recovery: RFC 6675's loop there sends one SMSS per pipe
		 * check. */
		segsz = rb_tso_segsz(c->st->lc->dp, c->port, smss);
		len = RTE_MIN(avail, TCP_TSO_BYTES / segsz * segsz);
		if (len > usable)
			len = usable - usable % segsz;
	}
	if (len > usable) {
		/* Sender SWS avoidance: a full segment, all queued data, or
		 * half the largest window seen (RFC 9293 3.8.6.2.1). */
		if (!force && usable < c->max_snd_wnd / 2)
			return 0;
		len = usable;
	}
	if ((c->flags & TF_FIN_QUEUED) && c->snd_nxt + len == data_end &&
	    (!(c->flags & TF_FIN_SENT) || c->snd_nxt + len == c->fin_seq))
		fin = 1;
	if (len == 0 && !fin)
		return 0;
	if (fin)
		flags |= TCP_FIN;
	if (len && c->snd_nxt + len == data_end)
		flags |= TCP_PSH;
	if (!(c->flags & (TF_TS | TF_RTT_TIMING)) && seq_ge(c->snd_nxt, c->snd_max) && len) {
		c->flags |= TF_RTT_TIMING;
		c->rtt_seq = c->snd_nxt;
		c->rtt_start = tcp_now(c->st);
	}
	n = tcp_send_seg(c, c->snd_nxt, len, flags, segsz);
	if (n < 0)
		return 0;
	if ((uint32_t)n < len) {
		len = (uint32_t)n; /* shortened by the port's mbufs per frame */
		fin = 0;
	}
	if (fin && !(c->flags & TF_FIN_SENT)) {
		c->flags |= TF_FIN_SENT;
		c->fin_seq = c->snd_nxt + len;
	}
	c->snd_nxt += len + fin;
	if (seq_gt(c->snd_nxt, c->snd_max))
		c->snd_max = c->snd_nxt;
	if (c->t_rexmt == 0 && c->t_persist == 0)
		tcp_pto_arm(c);
	return len + fin;
}

int tcp_can_send_data(const struct tcp_conn *c)
{
	switch (c->state) {
	case TCPS_ESTABLISHED:
	case TCPS_CLOSE_WAIT:
	case TCPS_FIN_WAIT_1:
	case TCPS_CLOSING:
	case TCPS_LAST_ACK:
		return 1;
	default:
		return 0;
	}
}

int tcp_output(struct tcp_conn *c)
{
	uint32_t sent = 0, n, data_end;

	if (c->flags & TF_REAP)
		return 0;
	if (!tcp_can_send_data(c)) {
		if ((c->flags & TF_ACK_NOW) &&
		    (c->state == TCPS_TIME_WAIT || c->state == TCPS_FIN_WAIT_2))
			tcp_send_ack(c);
		goto out;
	}
	if ((c->flags & (TF_RECOVERY | TF_SACK)) == (TF_RECOVERY | TF_SACK)) {
		/* RFC 6675 5 (C): while cwnd - pipe >= 1 SMSS, NextSeg() */
		uint32_t pipe = tcp_pipe(c), smss = tcp_smss(c);

		while (pipe + smss <= c->cwnd) {
			uint32_t s, l;
			int rule = tcp_sb_next_seg(c, &s, &l);
			uint32_t wnd_end = c->snd_una + c->snd_wnd;

			if (rule == 1) {
				if (tcp_xmit_range(c, s, l) < 0)
					break;
				c->high_rxt = s + l;
				pipe += l;
				sent++;
				continue;
			}
			/* rule 2: new data */
			n = seq_gt(wnd_end, c->snd_nxt) ? wnd_end - c->snd_nxt : 0;
			n = tcp_send_new(c, n, 0);
			if (n) {
				pipe += n;
				sent++;
				continue;
			}
			if (rule == 3) {
				if (tcp_xmit_range(c, s, l) < 0)
					break;
				c->high_rxt = s + l;
				pipe += l;
				sent++;
				continue;
			}
			break;
		}
		goto ack;
	}
	for (;;) {
		uint32_t wnd = RTE_MIN(c->snd_wnd, c->cwnd);
		uint32_t lim = c->snd_una + wnd;
		uint32_t usable = seq_gt(lim, c->snd_nxt) ? lim - c->snd_nxt : 0;

		n = tcp_send_new(c, usable, 0);
		if (n == 0)
			break;
		sent++;
	}
ack:
	/* RFC 8985 7.2: a PTO armed with a flight's first segment holds
	 * WCDelAckT (+200 ms, for a single segment out); restart it when
	 * the pass sent more, so that it fits the flight as it now is.
	 * After a stretch ACK that acknowledges everything (an RX-burst
	 * receiver, Linux GRO) every flight starts from one segment.  An
	 * RTO or RACK timer runs on (RFC 6298 5.1). */
	if ((c->flags & (TF_PTO_AGAIN | TF_TLP_ARMED | TF_RECOVERY)) ==
		    (TF_PTO_AGAIN | TF_TLP_ARMED) &&
	    c->snd_max - c->snd_una > tcp_smss(c))
		tcp_pto_arm(c);
	data_end = c->sndq_seq + c->sndq.bytes;
	/* Nothing in flight but data waiting on the peer's window: probe. */
	if (c->snd_max == c->snd_una && c->t_rexmt == 0 &&
	    (seq_lt(c->snd_nxt, data_end) ||
	     ((c->flags & TF_FIN_QUEUED) && !(c->flags & TF_FIN_SENT))))
		tcp_persist_arm(c);
	if (!sent && (c->flags & TF_ACK_NOW))
		tcp_send_ack(c);
out:
	if ((c->flags & TF_DELACK) && c->t_delack == 0)
		c->t_delack = tcp_now(c->st) + tcp_ms2tsc(c->st, c->st->prm.delack_ms);
	tcp_timer_update(c);
	return (int)sent;
}

/* RFC 8985 7.3: the probe timeout fired.  Send one new segment when the
 * windows allow, else the last segment again; then the RTO takes over.
 * The probe's ACK (its SACK block) starts recovery in tcp_input.c. */
static void tcp_tlp_send(struct tcp_conn *c)
{
	uint32_t data_end = c->sndq_seq + c->sndq.bytes, smss = tcp_smss(c);
	uint32_t lim = c->snd_una + RTE_MIN(c->snd_wnd, c->cwnd + smss);
	uint32_t usable = seq_gt(lim, c->snd_nxt) ? lim - c->snd_nxt : 0;
	uint32_t n = 0;

	c->flags &= ~TF_TLP_ARMED;
	c->flags |= TF_TLP_OUT;
	c->n_tlp++;
	rb_count(c->st->lc, RB_EV_TCP_TLP);
	if (seq_lt(c->snd_nxt, data_end) && usable)
		n = tcp_send_new(c, RTE_MIN(usable, smss), 1);
	if (n == 0) {
		uint32_t len = RTE_MIN(smss, c->snd_max - c->snd_una);

		tcp_xmit_range(c, c->snd_max - len, len);
	}
	c->tlp_high = c->snd_max;
	tcp_rexmt_arm(c);
	tcp_timer_update(c);
}

/* RACK-style detection of a lost retransmission (RFC 8985 6.2, simplified
 * to the segment at snd_una): in SACK recovery, when SACKs for later data
 * keep arriving more than SRTT + SRTT/4 after snd_una's segment was
 * retransmitted, that retransmission is lost: send it again now rather
 * than waiting for the RTO. */
void tcp_rack_rxt_check(struct tcp_conn *c)
{
	struct tcp_stack *st = c->st;
	uint32_t len = RTE_MIN(tcp_smss(c), c->snd_max - c->snd_una);

	if (c->rxt_una_ts == 0 || c->srtt == 0 || len == 0 ||
	    tcp_now(st) - c->rxt_una_ts < tcp_us2tsc(st, (uint64_t)c->srtt * 5 / 4))
		return;
	if (tcp_rack_has(c, c->snd_una))
		return; /* retransmitted and timed: tcp_rack_detect()'s */
	if (c->n_sb && seq_lt(c->rv->sb[0].start, c->snd_una + len))
		len = c->rv->sb[0].start - c->snd_una;
	if (len == 0)
		return;
	tcp_xmit_range(c, c->snd_una, len);
	c->rxt_una_ts = tcp_now(st);
}

/* RFC 6298 5.4-5.7 with RFC 5681 3.1 (cwnd = 1 SMSS) and RFC 6582 4. */
void tcp_rexmt_timeout(struct tcp_conn *c)
{
	struct tcp_stack *st = c->st;

	if (c->state == TCPS_SYN_SENT || c->state == TCPS_SYN_RECEIVED) {
		if (++c->backoff > st->prm.syn_retries) {
			rb_count(st->lc, RB_EV_TCP_TIMEOUT);
			/* RFC 1122 4.2.3.9: an ICMP soft error seen meanwhile */
			tcp_conn_drop(c, c->soft_err ? -(int)c->soft_err : -ETIMEDOUT);
			return;
		}
		c->flags &= ~TF_RTT_TIMING;
		rb_count(st->lc, RB_EV_TCP_RTO);
		c->n_rto++;
		tcp_send_syn(c);
		tcp_rexmt_arm(c);
		tcp_timer_update(c);
		return;
	}
	if (c->snd_una == c->snd_max)
		return;
	if (c->flags & TF_TLP_ARMED) {
		tcp_tlp_send(c);
		return;
	}
	if (c->flags & TF_RACK_ARMED) {
		tcp_rack_timeout(c);
		return;
	}
	if (++c->backoff > st->prm.retries) {
		rb_count(st->lc, RB_EV_TCP_TIMEOUT);
		tcp_send_rst(c);
		tcp_conn_drop(c, -ETIMEDOUT);
		return;
	}
	rb_count(st->lc, RB_EV_TCP_RTO);
	c->n_rto++;
	if (c->backoff == 1 || !(c->flags & TF_RECOVERY)) {
		uint32_t th = c->ssthresh;

		tcp_undo_begin(c, 1);
		c->cc->on_rto(c);
		/* In recovery ssthresh was set for this loss already: keep it
		 * rather than cut the reduced window again (Linux's
		 * tcp_enter_loss keeps snd_ssthresh in Recovery). */
		if (c->flags & TF_RECOVERY)
			c->ssthresh = th;
	}
	tcp_pmtu_blackhole(c); /* the same full-sized data lost again: a PMTU black hole? */
	tcp_go_back(c);
	tcp_output(c);
}

/* Everything from snd_una is to be sent again (after an RTO, or with a new
 * MSS after an ICMP error, tcp_icmp.c): recovery, RACK and the SACK
 * scoreboard forgotten (RFC 2018 8: after a timeout), go-back-N from
 * snd_una with the retransmission timer armed.  cwnd is the caller's. */
void tcp_go_back(struct tcp_conn *c)
{
	c->flags &= ~(TF_RECOVERY | TF_RTT_TIMING | TF_TLP_OUT);
	c->dupacks = 0;
	c->rxt_una_ts = 0;
	tcp_rack_reset(c);
	c->recover = c->snd_max;
	c->n_sb = 0;
	c->sacked_bytes = 0;
	c->high_rxt = c->snd_una;
	c->snd_nxt = c->snd_una;
	tcp_rexmt_arm(c);
}

/* Zero-window probe, or SWS override (RFC 9293 3.8.6.1, 3.8.6.2.1). */
void tcp_persist_timeout(struct tcp_conn *c)
{
	struct tcp_stack *st = c->st;
	uint32_t data_end = c->sndq_seq + c->sndq.bytes;
	uint32_t lim = c->snd_una + c->snd_wnd;
	uint32_t usable = seq_gt(lim, c->snd_nxt) ? lim - c->snd_nxt : 0;

	if (!tcp_can_send_data(c))
		return;
	if (usable > 0 || (seq_ge(c->snd_nxt, data_end) && !(c->flags & TF_FIN_QUEUED))) {
		c->persist_backoff = 0;
		tcp_send_new(c, usable, 1);
		tcp_output(c);
		return;
	}
	rb_count(st->lc, RB_EV_TCP_ZWP);
	if (c->snd_max == c->snd_una) {
		/* one byte of new data beyond the window */
		uint32_t len = seq_lt(c->snd_nxt, data_end) ? 1 : 0;
		int fin = len == 0 && (c->flags & TF_FIN_QUEUED);

		tcp_send_segment(c, c->snd_nxt, len, TCP_ACK | (fin ? TCP_FIN : 0));
		if (fin && !(c->flags & TF_FIN_SENT)) {
			c->flags |= TF_FIN_SENT;
			c->fin_seq = c->snd_nxt;
		}
		c->snd_nxt += len + fin;
		c->snd_max = c->snd_nxt;
	} else {
		tcp_xmit_range(c, c->snd_una, 1);
	}
	if (c->persist_backoff < 16)
		c->persist_backoff++;
	c->t_persist = tcp_now(st) + tcp_rto_tsc(c, c->persist_backoff);
	tcp_timer_update(c);
}
