/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Congestion controllers: NewReno (RFC 5681 3.1, RFC 6582) and CUBIC
 * (RFC 9438).  Window sizes are bytes; the initial window is RFC 6928's.
 */
#include <math.h>
#include <string.h>
#include "tcp_priv.h"

static uint32_t cc_smss(const struct tcp_conn *c)
{
	return c->mss - ((c->flags & TF_TS) ? 12 : 0);
}

static void iw_init(struct tcp_conn *c)
{
	uint32_t s = cc_smss(c), hi = RTE_MAX(2 * s, 14600u);

	/* RFC 6928 2: min(10*MSS, max(2*MSS, 14600)) */
	c->cwnd = RTE_MIN(10 * s, hi);
	c->ssthresh = UINT32_MAX / 2;
}

/* RFC 5681 eq. 4 */
static uint32_t half_flight(const struct tcp_conn *c)
{
	uint32_t flight = c->snd_max - c->snd_una;

	return RTE_MAX(flight / 2, 2 * cc_smss(c));
}

/* Slow start by bytes acked (RFC 5681 eq. 2, RFC 3465 2.2); returns what
 * is left of acked once cwnd reached ssthresh, for congestion avoidance
 * (as Linux's tcp_slow_start).  RFC 3465's limit L = 2 SMSS per ACK is
 * meant for an ACK of one or two segments; a stretch ACK (a receiver
 * behind LRO/GRO, or one acknowledging a whole TSO super-segment, RFC
 * 3449 5.2.1) stands for acked / 2 SMSS delayed ACKs, each of which L
 * allows 2 SMSS: all of it counts, else a sender whose receiver ACKs
 * every 64 KiB grows by 2 SMSS per 44 segments.  After a retransmission
 * timeout (snd_una below the snd_max of the RTO, outside recovery) L is
 * 1 SMSS (RFC 3465 2.3): a cumulative ACK over data the peer held all
 * along must not release a burst. */
static uint32_t slow_start(struct tcp_conn *c, uint32_t acked)
{
	uint32_t smss = cc_smss(c), lim = acked, room;

	if (!(c->flags & TF_RECOVERY) && seq_lt(c->snd_una, c->recover))
		lim = RTE_MIN(acked, smss);
	room = c->ssthresh > c->cwnd ? c->ssthresh - c->cwnd : 0;
	if (lim <= room) {
		c->cwnd += lim;
		return 0;
	}
	c->cwnd += room;
	return lim - room;
}

/* ---- NewReno ---- */
struct reno_priv {
	uint32_t acc; /* bytes acked since the last cwnd increase */
};

static void reno_init(struct tcp_conn *c)
{
	iw_init(c);
	memset(c->cc_priv, 0, sizeof(c->cc_priv));
}

static void reno_cong_avoid(struct tcp_conn *c, const struct tcp_ack_sample *s)
{
	struct reno_priv *p = (struct reno_priv *)c->cc_priv;

	uint32_t acked = s->acked;

	if (c->cwnd < c->ssthresh) {
		acked = slow_start(c, acked);
		if (acked == 0)
			return;
	}
	/* RFC 5681 3.1: one SMSS per RTT, by byte counting (RFC 3465 2.1):
	 * a stretch ACK may complete more than one window's worth */
	p->acc += acked;
	while (p->acc >= c->cwnd) {
		p->acc -= c->cwnd;
		c->cwnd += cc_smss(c);
	}
}

static uint32_t reno_ssthresh(struct tcp_conn *c)
{
	return half_flight(c);
}

static void reno_exit_recovery(struct tcp_conn *c)
{
	c->cwnd = c->ssthresh;
}

static void reno_on_rto(struct tcp_conn *c)
{
	c->ssthresh = half_flight(c);
	c->cwnd = cc_smss(c);
}

const struct tcp_cc_ops tcp_cc_newreno = {
	.name = "newreno",
	.init = reno_init,
	.cong_avoid = reno_cong_avoid,
	.ssthresh = reno_ssthresh,
	.exit_recovery = reno_exit_recovery,
	.on_rto = reno_on_rto,
};

/* ---- CUBIC (RFC 9438) ---- */
#define CUBIC_C    0.4
#define CUBIC_BETA 0.7

struct cubic_priv {
	double w_max;      /* segments */
	double w_last_max; /* for fast convergence (RFC 9438 4.7) */
	double k;          /* seconds */
	double w_est;      /* Reno-friendly estimate, segments (4.3) */
	double cwnd_epoch; /* segments */
	double frac;       /* fractional bytes of increase */
	uint64_t epoch_us; /* congestion avoidance epoch start; 0 = none */
};

_Static_assert(sizeof(struct cubic_priv) <= TCP_CC_PRIV_SIZE, "cubic state too large");

static void cubic_init(struct tcp_conn *c)
{
	iw_init(c);
	memset(c->cc_priv, 0, sizeof(c->cc_priv));
}

static double w_cubic(const struct cubic_priv *p, double t)
{
	double d = t - p->k;

	return CUBIC_C * d * d * d + p->w_max;
}

static void cubic_cong_avoid(struct tcp_conn *c, const struct tcp_ack_sample *s)
{
	struct cubic_priv *p = (struct cubic_priv *)c->cc_priv;
	double smss = cc_smss(c), cwnd, t, target, rtt, inc, acked = s->acked;

	if (c->cwnd < c->ssthresh) {
		acked = slow_start(c, s->acked);
		if (acked == 0)
			return;
	}
	cwnd = c->cwnd / smss;
	if (p->epoch_us == 0) {
		/* RFC 9438 4.2: start of a congestion avoidance epoch */
		p->epoch_us = s->now_us ? s->now_us : 1;
		p->cwnd_epoch = cwnd;
		p->w_est = cwnd;
		if (p->w_max < cwnd) {
			p->w_max = cwnd;
			p->k = 0;
		} else {
			p->k = cbrt((p->w_max - cwnd) / CUBIC_C); /* eq. 2 */
		}
	}
	t = (double)(s->now_us - p->epoch_us) / 1e6;
	rtt = (c->srtt ? c->srtt : 100000) / 1e6;
	target = w_cubic(p, t + rtt);
	if (target < cwnd)
		target = cwnd;
	if (target > 1.5 * cwnd)
		target = 1.5 * cwnd;
	/* RFC 9438 4.3 eq. 4: alpha = 3(1-beta)/(1+beta) */
	p->w_est += 3.0 * (1 - CUBIC_BETA) / (1 + CUBIC_BETA) * (acked / smss) / cwnd;
	if (w_cubic(p, t) < p->w_est) {
		/* Reno-friendly region */
		if (p->w_est > cwnd) {
			inc = (p->w_est - cwnd) * smss + p->frac;
		} else {
			inc = p->frac;
		}
	} else {
		/* concave / convex region (4.4, 4.5) */
		inc = (target - cwnd) / cwnd * acked + p->frac;
	}
	if (inc >= 1) {
		/* at most 4 SMSS per 2 SMSS acked (a stretch ACK counts as the
		 * ACKs it stands for, as in slow_start) */
		double cap = 4.0 * smss * RTE_MAX(1.0, acked / (2.0 * smss));
		uint32_t add = (uint32_t)RTE_MIN(inc, cap);

		c->cwnd += add;
		p->frac = inc - add;
		if (p->frac > smss)
			p->frac = 0;
	} else {
		p->frac = inc > 0 ? inc : 0;
	}
}

static uint32_t cubic_ssthresh(struct tcp_conn *c)
{
	struct cubic_priv *p = (struct cubic_priv *)c->cc_priv;
	double smss = cc_smss(c), cwnd = c->cwnd / smss;
	uint32_t th;

	/* RFC 9438 4.7 fast convergence */
	if (cwnd < p->w_last_max)
		p->w_max = cwnd * (1 + CUBIC_BETA) / 2;
	else
		p->w_max = cwnd;
	p->w_last_max = cwnd;
	p->epoch_us = 0;
	/* RFC 9438 4.6: ssthresh = cwnd * beta */
	th = (uint32_t)(c->cwnd * CUBIC_BETA);
	return RTE_MAX(th, 2 * (uint32_t)smss);
}

static void cubic_exit_recovery(struct tcp_conn *c)
{
	struct cubic_priv *p = (struct cubic_priv *)c->cc_priv;

	c->cwnd = c->ssthresh;
	p->epoch_us = 0;
}

static void cubic_on_rto(struct tcp_conn *c)
{
	struct cubic_priv *p = (struct cubic_priv *)c->cc_priv;

	c->ssthresh = cubic_ssthresh(c);
	c->cwnd = cc_smss(c);
	p->epoch_us = 0;
}

/* A spurious reduction undone: W_max and the fast-convergence memory
 * as they were before it (the reduction moved both down), and a new
 * epoch from the restored cwnd (RFC 9438 4.2). */
static void cubic_undo(struct tcp_conn *c, const void *prior)
{
	struct cubic_priv *p = (struct cubic_priv *)c->cc_priv;
	const struct cubic_priv *o = prior;

	p->w_max = RTE_MAX(p->w_max, o->w_max);
	p->w_last_max = RTE_MAX(p->w_last_max, o->w_last_max);
	p->epoch_us = 0;
}

const struct tcp_cc_ops tcp_cc_cubic = {
	.name = "cubic",
	.init = cubic_init,
	.cong_avoid = cubic_cong_avoid,
	.ssthresh = cubic_ssthresh,
	.exit_recovery = cubic_exit_recovery,
	.on_rto = cubic_on_rto,
	.undo = cubic_undo,
};

const struct tcp_cc_ops *tcp_cc_find(const char *name)
{
	if (name == NULL || name[0] == '\0' || strcmp(name, "cubic") == 0)
		return &tcp_cc_cubic;
	if (strcmp(name, "newreno") == 0 || strcmp(name, "reno") == 0)
		return &tcp_cc_newreno;
	return NULL;
}
