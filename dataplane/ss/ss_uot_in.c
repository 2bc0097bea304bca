/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The `shadowsocks` inbound's UDP over TCP (sing-box UoT, uot_wire.h), as
 * sing-box's uot.Router does it: a stream whose target is a magic domain
 * ("sp.udp-over-tcp.arpa": v1, "sp.v2.udp-over-tcp.arpa": v2) is not
 * routed as TCP (ss_in.c marks it RB_CMD_UOT); its plaintext carries
 * datagrams (v2: the request first; connect mode: all to the request's
 * destination).
 *
 *   flows:   one per destination the client names (at most UOT_IN_FLOWS,
 *            the least recently used replaced), each routed by itself
 *            (network udp, the inbound, user and the client's TCP source
 *            as for a SOCKS UDP session) and carried by a UDP session of
 *            the routed outbound (proxy_udp_host_open: direct's socket,
 *            socks's association, a shadowsocks outbound, another UoT
 *            stream ...); the rule's override_address/port and direct's
 *            own apply; idle timeouts as the proxy core's NAT sessions
 *            (rb_udp_idle_s: 53/123/3478 10 s, 443 30 s, else the
 *            inbound's udp_timeout); counted in the connections segment
 *            per outbound and rule (conns, active, bytes)
 *   replies: [address that answered][length][payload] (connect: length +
 *            payload), sealed into the client's stream; dropped when its
 *            send space is full (ss_uot_stream_full)
 *   end:     the client's FIN or reset; a malformed stream (counted
 *            ss_uot_atyp / _addr / _len, and as the inbound's malformed
 *            handshake error); the stream idle for its first
 *            destination's timeout
 * Routing refusals count as the proxy core's (proxy_udp_rejected,
 * proxy_udp_unsupported, proxy_udp_table_full); outbounds that cannot be
 * opened as ss_uot_flow.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "../proxy/proxy_priv.h"
#include "../proxy/udp_out.h"
#include "../proxy/udp_policy.h"
#include "ss_uot_dp.h"

#define UOT_IN_FLOWS 32

struct uot_in;

struct uot_flow {
	struct uot_in *u;
	struct udp_nat *up;        /* NULL: slot free */
	struct rb_dest dst;        /* as the client named it (the key) */
	uint16_t outbound, rule_slot;
	uint64_t last, idle;       /* TSC */
};

struct uot_in {
	struct psess *s;
	uint8_t version;
	uint8_t idle_set;          /* the stream's idle time is its first flow's */
	uint8_t src_family;
	uint16_t src_port;
	uint8_t src_addr[16];
	uint64_t last, idle;       /* the stream's (TSC) */
	struct ss_uot_asm in;
	struct uot_flow flows[UOT_IN_FLOWS];
};

static uint64_t idle_tsc(const struct psess *s, uint16_t port)
{
	const struct rb_cfg_inbound *in = &s->pl->cfg->inbounds[s->inbound];

	return s->pl->lc->dp->tsc_hz * rb_udp_idle_s(port, in->udp_timeout_s);
}

static void flow_count(struct uot_flow *f, int upward, uint32_t len)
{
	struct psess *s = f->u->s;
	struct rb_conn_worker *wk = s->pl->wk;

	rb_count(s->pl->lc, upward ? RB_EV_PROXY_UDP_UP : RB_EV_PROXY_UDP_DOWN);
	if (upward) {
		s->bytes_up += len;
		wk->in[s->inbound].bytes_up += len;
		wk->out[f->outbound].bytes_up += len;
		wk->rules[f->rule_slot].bytes_up += len;
	} else {
		s->bytes_down += len;
		wk->in[s->inbound].bytes_down += len;
		wk->out[f->outbound].bytes_down += len;
		wk->rules[f->rule_slot].bytes_down += len;
	}
	if (s->info) {
		s->info->bytes_up = s->bytes_up;
		s->info->bytes_down = s->bytes_down;
	}
}

static void flow_free(struct uot_flow *f)
{
	struct udp_nat *up = f->up;
	struct proxy_lcore *pl;

	if (up == NULL)
		return; /* a free slot (f->u not set yet) */
	pl = f->u->s->pl;
	f->up = NULL;
	proxy_udp_host_close(up);
	pl->wk->out[f->outbound].active--;
	pl->wk->rules[f->rule_slot].active--;
	pl->wk->udp_sessions--;
	pl->n_udp--;
}

/* The client's stream ends (gracefully: FIN after what is queued). */
static void stream_end(struct psess *s)
{
	if (s->cli) {
		tcp_set_callbacks(s->cli, NULL, NULL);
		tcp_close(s->cli);
		s->cli = NULL;
	}
	proxy_sess_free(s);
}

/* ---- replies: the flow's outbound session is our host ---- */

static void flow_recv(void *arg, struct rte_mbuf *m, const struct rb_dest *from)
{
	struct uot_flow *f = arg;
	struct uot_in *u = f->u;
	struct psess *s = u->s;
	struct rb_lcore *lc = s->pl->lc;
	uint32_t len = m->pkt_len;

	if (s->cli == NULL || tcp_send_space(s->cli) == 0) {
		rb_drop(lc, m, RB_DROP_SS_UOT_STREAM_FULL);
		return;
	}
	m = ss_uot_frame(lc, u->in.rd.connect, from ? from : &f->dst, m);
	if (m == NULL) {
		rb_drop_count(lc, RB_DROP_SS_UOT_LEN);
		return;
	}
	if (s->in_ops->wrap)
		m = s->in_ops->wrap(s, m);
	if (m == NULL || tcp_write_mbuf(s->cli, m) != 0) {
		/* a sealed record did not go out: the stream cannot go on
		 * (freed by the next poll: we are inside the flow's callback) */
		rte_pktmbuf_free(m);
		tcp_set_callbacks(s->cli, NULL, NULL);
		tcp_abort(s->cli);
		s->cli = NULL;
		u->last = 0;
		u->idle = 0;
		return;
	}
	tcp_flush(s->cli);
	f->last = u->last = lc->now;
	rb_count(lc, RB_EV_SS_UOT_DOWN);
	flow_count(f, 0, len);
}

static void flow_gone(void *arg, int err)
{
	(void)err;
	flow_free(arg);
}

static const struct proxy_udp_host flow_host = {
	.recv = flow_recv,
	.gone = flow_gone,
};

/* ---- datagrams from the client ---- */

/* Where the datagram for dst goes after the rule's and direct's overrides. */
static void flow_target(const struct rb_cfg_outbound *o, const struct rb_route_result *res,
			const struct rb_dest *dst, struct rb_dest *to)
{
	*to = *dst;
	if (res->override_family) {
		to->family = res->override_family;
		memcpy(to->addr, res->override_addr, 16);
		to->domain[0] = '\0';
	}
	if (res->override_port)
		to->port = res->override_port;
	if (o->type == RB_OUT_DIRECT && o->override_address.name[0])
		proxy_cfg_host_dest(&o->override_address, to->port, to);
	if (o->type == RB_OUT_DIRECT && o->override_port)
		to->port = o->override_port;
}

/* A flow for dst: routed and opened in slot f; 0, or the drop reason. */
static int flow_open(struct uot_in *u, struct uot_flow *f, const struct rb_dest *dst)
{
	struct psess *s = u->s;
	struct proxy_lcore *pl = s->pl;
	const struct rb_cfg_proxy *p = pl->cfg;
	struct rb_route_result res;
	struct rb_route_req rq;
	struct rb_dest to;
	int err = 0;

	if (pl->n_udp >= PROXY_UDP_SESS_PER_LCORE)
		return RB_DROP_PROXY_UDP_TABLE_FULL;
	memset(&rq, 0, sizeof(rq));
	memset(&res, 0, sizeof(res));
	rq.inbound = s->inbound;
	rq.network = RB_NET_UDP;
	memcpy(rq.user, s->req.user, sizeof(rq.user));
	rq.src_family = u->src_family;
	memcpy(rq.src_addr, u->src_addr, 16);
	rq.src_port = u->src_port;
	rq.dst = *dst;
	if (rb_route_match(pl->lc, &rq, &res) < 0)
		return RB_DROP_PROXY_UDP_REJECTED;
	if (res.action == RB_ACT_REJECT || res.outbound >= p->n_outbounds ||
	    res.outbound >= RB_CONN_MAX_TAGS) {
		pl->wk->rules[rb_conn_rule_slot(res.rule)].conns++;
		return RB_DROP_PROXY_UDP_REJECTED;
	}
	flow_target(&p->outbounds[res.outbound], &res, dst, &to);
	f->u = u;
	f->dst = *dst;
	f->outbound = res.outbound;
	f->rule_slot = (uint16_t)rb_conn_rule_slot(res.rule);
	f->up = proxy_udp_host_open(pl->lc, p, res.outbound, &to, &flow_host, f, &err);
	if (f->up == NULL) {
		if (err == -EACCES)
			return RB_DROP_PROXY_UDP_REJECTED;
		if (err == -EOPNOTSUPP)
			return RB_DROP_PROXY_UDP_UNSUPPORTED;
		pl->wk->out[res.outbound].dial_fail++;
		return RB_DROP_SS_UOT_FLOW;
	}
	f->idle = idle_tsc(s, to.port);
	f->last = pl->lc->now;
	pl->n_udp++;
	pl->wk->udp_sessions++;
	pl->wk->out[f->outbound].conns++;
	pl->wk->out[f->outbound].active++;
	pl->wk->rules[f->rule_slot].conns++;
	pl->wk->rules[f->rule_slot].active++;
	rb_count(pl->lc, RB_EV_PROXY_UDP_SESSION);
	/* the connections table shows the stream's latest flow */
	s->req.dst = *dst;
	s->target = to;
	s->outbound = f->outbound;
	s->route.rule = res.rule;
	proxy_info_update(s, RB_CONN_UDP);
	return 0;
}

static void got_packet(void *arg, struct rte_mbuf *m, const struct rb_dest *dst)
{
	struct uot_in *u = arg;
	struct rb_lcore *lc = u->s->pl->lc;
	struct uot_flow *f = NULL, *lru = NULL, *slot = NULL;
	uint32_t len = m->pkt_len;
	int why;

	for (int i = 0; i < UOT_IN_FLOWS; i++) {
		struct uot_flow *x = &u->flows[i];

		if (x->up == NULL) {
			if (slot == NULL)
				slot = x;
			continue;
		}
		if (ss_uot_dest_eq(&x->dst, dst)) {
			f = x;
			break;
		}
		if (lru == NULL || x->last < lru->last)
			lru = x;
	}
	if (f == NULL) {
		if (slot == NULL) {
			flow_free(lru); /* full: the least recently used goes */
			slot = lru;
		}
		why = flow_open(u, slot, dst);
		if (why) {
			rb_drop(lc, m, (enum rb_drop)why);
			return;
		}
		if (!u->idle_set) {
			u->idle = slot->idle; /* the stream's: its first destination's */
			u->idle_set = 1;
		}
		f = slot;
	}
	f->last = u->last = lc->now;
	if (proxy_udp_host_send(f->up, m) == 0)
		flow_count(f, 1, len);
}

/* Plaintext m (taken) from the client's stream; 0, or < 0: malformed. */
static int take(struct uot_in *u, struct rte_mbuf *m)
{
	return ss_uot_asm_feed(u->s->pl->lc, &u->in, m, got_packet, u, NULL);
}

void ss_uot_in_readable(struct psess *s)
{
	struct uot_in *u = s->uot;
	struct rte_mbuf *m;

	if (u == NULL || s->cli == NULL)
		return;
	while (s->cli && (m = tcp_read(s->cli, UINT32_MAX)) != NULL) {
		if (s->in_ops->unwrap) {
			m = s->in_ops->unwrap(s, m);
			if (m == NULL && s->xform_err) {
				proxy_fail(s, RB_PERR_MALFORMED);
				return;
			}
			if (m == NULL)
				continue; /* part of a chunk */
		}
		if (take(u, m) != 0) {
			proxy_fail(s, RB_PERR_MALFORMED);
			return;
		}
	}
	if (s->cli && tcp_eof(s->cli)) {
		if (u->in.cur || u->in.rd.hlen)
			rb_drop_count(s->pl->lc, RB_DROP_SS_UOT_TRUNCATED);
		stream_end(s);
	}
}

void ss_uot_in_start(struct psess *s)
{
	struct proxy_lcore *pl = s->pl;
	struct uot_in *u = calloc(1, sizeof(*u));
	uint8_t laddr[16];
	uint16_t lport;
	int family = 0;

	if (u == NULL || s->cli == NULL) {
		free(u);
		proxy_fail(s, RB_PERR_NONE);
		return;
	}
	u->s = s;
	u->version = (uint8_t)uot_magic_version(s->req.dst.domain);
	uot_rd_init(&u->in.rd, u->version == 2 ? UOT_RD_SERVER_V2 : UOT_RD_ADDR, NULL,
		    SS_UOT_PAYLOAD_MAX);
	tcp_get_addrs(s->cli, &family, laddr, &lport, u->src_addr, &u->src_port);
	u->src_family = (uint8_t)family;
	u->last = pl->lc->now;
	u->idle = idle_tsc(s, 0);
	s->uot = u;
	proxy_buf_release(s);
	s->state = PS_UOT;
	s->deadline = 0;
	rb_count(pl->lc, RB_EV_SS_UOT_IN);
	proxy_info_update(s, RB_CONN_UDP);
	/* what came after the magic address in the first records */
	if (s->elen) {
		struct rte_mbuf *m = proxy_mbuf_from(pl->lc, s->early, s->elen);

		explicit_bzero(s->early, s->elen);
		free(s->early);
		s->early = NULL;
		s->elen = 0;
		if (m == NULL || take(u, m) != 0) {
			proxy_fail(s, RB_PERR_MALFORMED);
			return;
		}
	}
	/* and what is already readable */
	ss_uot_in_readable(s);
}

void ss_uot_in_poll(struct psess *s)
{
	struct uot_in *u = s->uot;
	uint64_t now = s->pl->lc->now;

	if (u == NULL)
		return;
	for (int i = 0; i < UOT_IN_FLOWS; i++) {
		struct uot_flow *f = &u->flows[i];

		if (f->up == NULL)
			continue;
		if (proxy_udp_host_expired(f->up)) {
			rb_count(s->pl->lc, RB_EV_PROXY_DIAL_FAIL);
			s->pl->wk->out[f->outbound].dial_fail++;
			flow_free(f);
		} else if (now - f->last > f->idle) {
			rb_count(s->pl->lc, RB_EV_PROXY_UDP_TIMEOUT);
			flow_free(f);
		}
	}
	if (s->cli == NULL || now - u->last > u->idle)
		stream_end(s);
}

void ss_uot_in_free(struct psess *s)
{
	struct uot_in *u = s->uot;

	if (u == NULL)
		return;
	for (int i = 0; i < UOT_IN_FLOWS; i++)
		flow_free(&u->flows[i]);
	ss_uot_asm_free(&u->in);
	s->uot = NULL;
	free(u);
}
