/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ICMP errors to TCP (tcp_icmp.h), on the lcore that owns the flow:
 * - RFC 5927 4.1: only an error quoting a sequence number in flight,
 *   [snd_una, snd_max), is taken (a blind attacker must guess it);
 * - PMTU (RFC 1191, RFC 8201): Fragmentation Needed / Packet Too Big below
 *   the path MTU the connection sends for lowers its MSS (IPv4: no lower
 *   than a 576-byte path, and an MTU under 68 is no MTU; IPv6: no lower
 *   than 1280, RFC 8201 4; a Fragmentation Needed without an MTU stands
 *   for the plateau below the quoted length, RFC 1191 5) and sends the
 *   flight again at once with the new size, go-back-N from snd_una
 *   without a cwnd reduction: the loss was no congestion (Linux's
 *   tcp_simple_retransmit).  TSO super-segments follow: their segment
 *   size is taken from the MSS each time one is built;
 * - RFC 1122 4.2.3.9, RFC 5927 4.2-4.3: a hard error (port or protocol
 *   unreachable, administratively prohibited) aborts a connect in
 *   SYN_SENT through on_connected; anything else, and any error in
 *   another state, is soft: kept in the connection, and reported instead
 *   of -ETIMEDOUT if the connect times out (tcp_output.c).
 */
#include <errno.h>
#include <string.h>
#include <netinet/in.h>
#include "tcp_priv.h"
#include "tcp_icmp.h"

/* Send what is in flight again with the new MSS (see the top). */
static void tcp_icmp_resend(struct tcp_conn *c)
{
	if (!tcp_can_send_data(c) || c->snd_una == c->snd_max)
		return;
	tcp_go_back(c);
	tcp_recov_trim(c);
	tcp_pending_add(c); /* tcp_output at the end of this input */
}

static void tcp_icmp_pmtu(struct tcp_conn *c, const struct tcp_icmp_err *e)
{
	struct rb_lcore *lc = c->st->lc;
	int v4 = c->key.family == AF_INET;
	uint32_t hdr = (v4 ? 20u : 40u) + TCP_HDR_LEN, floor = v4 ? 576 : 1280;
	uint32_t mtu = e->mtu;

	if (v4 && mtu == 0)
		mtu = tcp_icmp_plateau(e->quoted_len);
	if (v4 && mtu < 68) { /* RFC 791's minimum: no MTU at all */
		rb_drop_count(lc, RB_DROP_TCP_ICMP_PMTU_IGNORED);
		return;
	}
	if (mtu < floor)
		mtu = floor;
	if (mtu - hdr >= c->mss) { /* not below the path MTU we send for */
		rb_drop_count(lc, RB_DROP_TCP_ICMP_PMTU_IGNORED);
		return;
	}
	c->mss = (uint16_t)(mtu - hdr);
	rb_count(lc, RB_EV_TCP_PMTU_LOWERED);
	tcp_pmtu_learn(c->st, c->key.family, c->key.raddr, mtu); /* for the next ones */
	tcp_icmp_resend(c);
}

void tcp_icmp_input(struct rb_lcore *lc, const struct tcp_icmp_err *e)
{
	struct tcp_stack *st = lc->tcp;
	struct tcp_conn *c;
	struct tcp_key k;

	rb_count(lc, RB_EV_TCP_ICMP_RCVD);
	memset(&k, 0, sizeof(k));
	k.family = e->family;
	memcpy(k.laddr, e->laddr, e->family == AF_INET ? 4 : 16);
	memcpy(k.raddr, e->raddr, e->family == AF_INET ? 4 : 16);
	k.lport = e->lport;
	k.rport = e->rport;
	c = st != NULL ? tcp_conn_lookup(st, &k) : NULL;
	if (c == NULL || c->state == TCPS_TIME_WAIT || c->state == TCPS_CLOSED) {
		rb_drop_count(lc, RB_DROP_TCP_ICMP_NO_CONN);
		return;
	}
	if (!(seq_ge(e->seq, c->snd_una) && seq_lt(e->seq, c->snd_max))) {
		rb_drop_count(lc, RB_DROP_TCP_ICMP_BAD_SEQ);
		return;
	}
	st->in_input++;
	if (e->kind == TCP_ICMP_PMTU) {
		tcp_icmp_pmtu(c, e);
	} else if (e->kind == TCP_ICMP_HARD && c->state == TCPS_SYN_SENT) {
		rb_count(lc, RB_EV_TCP_ICMP_HARD);
		tcp_conn_drop(c, e->err);
	} else {
		rb_count(lc, RB_EV_TCP_ICMP_SOFT);
		c->soft_err = (uint8_t)-e->err;
	}
	if (--st->in_input == 0)
		tcp_deferred_run(st);
}
