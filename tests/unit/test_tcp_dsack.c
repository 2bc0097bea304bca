/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * DSACK (RFC 2883), the undo of spurious recoveries (RFC 3708, RFC 3522,
 * RFC 4015; dataplane/tcp/tcp_undo.c) and RACK's reo_wnd adaptation
 * (RFC 8985 6.2 step 4) over the simulated wire: a receiver reports a
 * duplicate first, a sender believes only DSACKs inside its window and
 * never as SACKed data, a fast retransmit caused by reordering and an RTO
 * caused by late ACKs are undone (cwnd and ssthresh back), reo_wnd_mult
 * follows the DSACKs.
 */
#include <stdlib.h>
#include <inttypes.h>
#include <string.h>
#include <netinet/in.h>
#include <CUnit/CUnit.h>
#include <CUnit/Basic.h>
#include "test_tcp_harness.h"
#include "test_tcp_app.h"
#include "dataplane/tcp/tcp_priv.h"

#define MS 1000000ull
#define SEC 1000000000ull
#define SEG 1448u
#define HOLD_MAX 1024

/* The first SACK block of a segment's options (and the second's); n = 0
 * when none. */
struct sack_view {
	unsigned n;
	uint32_t s[4], e[4];
};

static void sack_parse(const struct th_tcp_view *v, struct sack_view *sv)
{
	unsigned i = 0;

	sv->n = 0;
	while (i < v->optlen) {
		uint8_t k = v->opts[i];

		if (k == 0)
			break;
		if (k == 1) {
			i++;
			continue;
		}
		if (i + 1 >= v->optlen || v->opts[i + 1] < 2)
			break;
		if (k == 5)
			for (unsigned b = 0; b < (v->opts[i + 1] - 2u) / 8 && b < 4; b++) {
				const uint8_t *p = v->opts + i + 2 + 8 * b;

				sv->s[b] = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | p[2] << 8 | p[3];
				sv->e[b] = (uint32_t)p[4] << 24 | (uint32_t)p[5] << 16 | p[6] << 8 | p[7];
				sv->n = b + 1;
			}
		i += v->opts[i + 1];
	}
}

/* ---- the wire's script: hold, duplicate, drop chosen segments ---- */
struct script {
	uint32_t iss0, iss1;       /* host 0's and host 1's ISN */
	bool have_iss0, have_iss1;
	/* host 0's data segment at offset off_hold is held (taken off the
	 * wire, released by the test) the first time; off_dup is sent twice,
	 * the copy right behind the original (or, with dup_late, released
	 * with the held ones); off_drop is lost once; drop_rxt: the
	 * retransmission of off_hold is lost too */
	int64_t off_hold, off_dup, off_drop;
	uint32_t dup_s, dup_e;     /* the duplicated segment's range */
	bool dup_late, drop_rxt;
	bool held_once, dup_once, drop_once;
	/* host 1's pure ACKs are held while hold_acks */
	bool hold_acks;
	struct rte_mbuf *held[HOLD_MAX];
	int n_held;
	uint32_t cwnd_at_hold;     /* host 0's cwnd when off_hold was held */
	struct tcp_conn *c0;
	/* host 1's ACKs: the first DSACK seen and the block after it */
	int dsacks;
	uint32_t ds_s, ds_e, ds_next_s, ds_next_e;
	unsigned ds_n;
};

static void hold(struct script *sc, struct rte_mbuf *m)
{
	if (sc->n_held < HOLD_MAX)
		sc->held[sc->n_held++] = rte_pktmbuf_copy(m, th.pool, 0, UINT32_MAX);
}

static void release(struct script *sc)
{
	for (int i = 0; i < sc->n_held; i++)
		if (sc->held[i] != NULL)
			th_inject(sc->held[i]);
	sc->n_held = 0;
}

static bool script_filter(int from, struct rte_mbuf *m, void *arg)
{
	struct script *sc = arg;
	struct th_tcp_view v;
	int64_t off, end;

	if (!th_tcp_parse(m, &v))
		return false;
	if (v.flags & TCP_SYN) {
		if (from == 0) {
			sc->iss0 = v.seq;
			sc->have_iss0 = true;
		} else {
			sc->iss1 = v.seq;
			sc->have_iss1 = true;
		}
		return false;
	}
	if (from == 1) {
		struct sack_view sv;

		sack_parse(&v, &sv);
		/* RFC 2883 4: the DSACK is the first block, below the ACK or
		 * inside the second block */
		if (sv.n && (seq_lt(sv.s[0], v.ack) ||
			     (sv.n > 1 && seq_ge(sv.s[0], sv.s[1]) && seq_le(sv.e[0], sv.e[1])))) {
			if (sc->dsacks++ == 0) {
				sc->ds_s = sv.s[0] - sc->iss0 - 1;
				sc->ds_e = sv.e[0] - sc->iss0 - 1;
				sc->ds_n = sv.n;
				if (sv.n > 1) {
					sc->ds_next_s = sv.s[1] - sc->iss0 - 1;
					sc->ds_next_e = sv.e[1] - sc->iss0 - 1;
				}
			}
		}
		if (sc->hold_acks && v.len == 0 && !(v.flags & (TCP_FIN | TCP_RST))) {
			hold(sc, m);
			return true;
		}
		return false;
	}
	if (!sc->have_iss0 || v.len == 0)
		return false;
	off = (int64_t)(uint32_t)(v.seq - sc->iss0 - 1);
	end = off + v.len;
#define COVERS(x) ((x) >= off && (x) < end)
	if (COVERS(sc->off_hold)) {
		if (!sc->held_once) {
			sc->held_once = true;
			if (sc->c0 != NULL)
				sc->cwnd_at_hold = sc->c0->cwnd;
			hold(sc, m);
			return true;
		}
		if (sc->drop_rxt)
			return true;
	}
	if (COVERS(sc->off_drop) && !sc->drop_once) {
		sc->drop_once = true;
		return true;
	}
	if (COVERS(sc->off_dup) && !sc->dup_once) {
		sc->dup_once = true;
		sc->dup_s = (uint32_t)off;
		sc->dup_e = (uint32_t)end;
		if (sc->dup_late)
			hold(sc, m);
		else
			th_inject(rte_pktmbuf_copy(m, th.pool, 0, UINT32_MAX));
	}
	return false;
}

static void script_init(struct script *sc)
{
	memset(sc, 0, sizeof(*sc));
	sc->off_hold = sc->off_dup = sc->off_drop = -1;
}

static bool acked_all(void *arg)
{
	struct app *a = arg;
	struct tcp_info info;

	tcp_get_info(a->c, &info);
	return info.bytes_acked >= a->tx_len;
}

/* End a row: abort a's connection, let both hosts settle, free a and
 * data, and check the harness gives back every mbuf. */
static void abort_and_teardown(struct app *a, uint8_t *data)
{
	tcp_abort(a->c);
	th_run(SEC);
	app_free(a);
	free(data);
	CU_ASSERT_EQUAL(th_teardown(), 0);
}

/* ---- 1. the receiver: DSACK first for a duplicate ---- */
struct gen_case {
	const char *name;
	int dup_seg;       /* the segment sent twice */
	bool late;         /* its copy comes after rcv_nxt passed it */
	int drop_seg;      /* -1, or a segment lost once (an island follows it) */
	bool sack;
};

static const struct gen_case gen_cases[] = {
	/* the copy arrives 10 ms after the original was acknowledged:
	 * wholly below rcv_nxt */
	{"below rcv_nxt", 20, true, -1, true},
	/* 30 is lost, 32 arrives twice while the hole is open: the copy lies
	 * inside the island above it; the DSACK is followed by the island's
	 * block (RFC 2883 4.2) */
	{"inside an island", 32, false, 30, true},
	/* without SACK negotiated no DSACK goes out */
	{"no SACK, no DSACK", 20, true, -1, false},
};

static void test_dsack_generate(void)
{
	for (unsigned i = 0; i < RTE_DIM(gen_cases); i++) {
		const struct gen_case *gc = &gen_cases[i];
		const size_t size = 100 * SEG;
		uint8_t *data = pattern(size, 5 + i);
		struct script sc;
		struct app a;

		th_setup(2, true);
		th.delay_ns = 5 * MS;
		app_set_opts(0, gc->sack, false, true);
		script_init(&sc);
		sc.off_dup = (int64_t)gc->dup_seg * SEG;
		sc.dup_late = gc->late;
		if (gc->drop_seg >= 0)
			sc.off_drop = (int64_t)gc->drop_seg * SEG;
		th.filter = script_filter;
		th.filter_arg = &sc;
		app_init(&a);
		a.tx = data;
		a.tx_len = size;
		CU_ASSERT_PTR_NOT_NULL_FATAL(app_connect(&a, 0, 1, AF_INET, 9, 0, "cubic"));
		for (int t = 0; t < 40 && !acked_all(&a); t++) {
			th_run(5 * MS);
			if (gc->late && sc.dup_once && sc.n_held && t > 8)
				release(&sc);
		}
		CU_ASSERT(acked_all(&a));
		if (gc->sack) {
			CU_ASSERT_EQUAL(th_counter_ev(1, RB_EV_TCP_DSACK_SENT), 1);
			CU_ASSERT_EQUAL(sc.dsacks, 1);
			CU_ASSERT(sc.dup_e > sc.dup_s);
			CU_ASSERT_EQUAL(sc.ds_s, sc.dup_s);
			CU_ASSERT_EQUAL(sc.ds_e, sc.dup_e);
			if (!gc->late) {
				/* the island's own block comes second */
				CU_ASSERT(sc.ds_n >= 2);
				CU_ASSERT(sc.ds_next_s <= sc.ds_s && sc.ds_next_e >= sc.ds_e);
			}
			/* the sender believed it, as a DSACK and not as SACKed
			 * data: no duplicate ACK or recovery from it */
			CU_ASSERT_EQUAL(th_counter_ev(0, RB_EV_TCP_DSACK_RCVD), 1);
			CU_ASSERT_EQUAL(th_counter_ev(0, RB_EV_TCP_DSACK_BAD), 0);
			if (gc->drop_seg < 0) {
				CU_ASSERT_EQUAL(th_counter_ev(0, RB_EV_TCP_DUPACK_RX), 0);
				CU_ASSERT_EQUAL(th_counter_ev(0, RB_EV_TCP_FAST_RECOVERY), 0);
			}
		} else {
			CU_ASSERT_EQUAL(th_counter_ev(1, RB_EV_TCP_DSACK_SENT), 0);
			CU_ASSERT_EQUAL(sc.dsacks, 0);
		}
		CU_ASSERT(th_counter_drop(1, RB_DROP_TCP_DUPLICATE) >= 1);
		abort_and_teardown(&a, data);
	}
}

/* ---- 2. the sender: DSACKs crafted against a live connection ---- */
struct rcv_case {
	const char *name;
	/* the ACK's fields, in segments from host 0's first data byte; the
	 * window in flight is segments 0-19, acknowledged up to `ack` */
	int ack;
	int64_t b0s, b0e, b1s, b1e; /* b1s < 0: one block */
	bool believed, bad;
	uint32_t sacked_segs;       /* scoreboard afterwards */
};

static const struct rcv_case rcv_cases[] = {
	/* below the cumulative ACK (which moves it past the sender's
	 * snd_una): never SACKed data */
	{"below the ACK", 5, 2, 3, 9, 10, true, false, 1},
	/* inside the second block, above the ACK */
	{"inside the second block", 0, 9, 10, 8, 11, true, false, 3},
	/* forged: far below snd_una - max window, beyond snd_max, longer
	 * than any window: ignored and counted */
	{"forged below the window", 0, -200000, -199999, 9, 10, false, true, 1},
	{"forged beyond snd_max", 0, -2, 400, 9, 10, false, true, 1},
	/* an ordinary SACK block is no DSACK */
	{"plain SACK", 0, 9, 10, 12, 13, false, false, 2},
};

/* units of the crafted blocks: 20 of them fit the first flight */
#define RU 250u

/* Host 0 connected to host 1's discard port (SACK, no timestamps, 5 ms
 * one way), then size bytes of data sent as one flight that host 1 never
 * acknowledges (its RX a black hole): the sender's connection, with the
 * whole flight out. */
static struct tcp_conn *flight_unacked(struct app *a, const uint8_t *data, size_t size)
{
	struct tcp_conn *c;

	app_set_opts(0, true, false, true);
	app_init(a);
	CU_ASSERT_PTR_NOT_NULL_FATAL(app_connect(a, 0, 1, AF_INET, 9, 0, "cubic"));
	th_run(50 * MS);
	c = a->c;
	CU_ASSERT_FATAL(c->state == TCPS_ESTABLISHED);
	th.h[1].blackhole_rx = true;
	a->tx = data;
	a->tx_len = size;
	app_pump(a);
	th_run(MS);
	CU_ASSERT_EQUAL_FATAL(c->snd_max - c->snd_una, size);
	return c;
}

static void test_dsack_receive(void)
{
	for (unsigned i = 0; i < RTE_DIM(rcv_cases); i++) {
		const struct rcv_case *rc = &rcv_cases[i];
		const size_t size = 20 * RU;
		uint8_t *data = pattern(size, 9);
		uint8_t opt[2 + 2 + 16];
		struct tcp_conn *c;
		struct script sc;
		struct app a;
		uint32_t base, una;
		unsigned n = 0;

		th_setup(2, true);
		th.delay_ns = 5 * MS;
		script_init(&sc);
		th.filter = script_filter;
		th.filter_arg = &sc;
		c = flight_unacked(&a, data, size);
		base = c->snd_una;
		opt[n++] = 1;
		opt[n++] = 1;
		opt[n++] = 5;
		opt[n++] = (uint8_t)(2 + (rc->b1s >= 0 ? 16 : 8));
		for (int b = 0; b < (rc->b1s >= 0 ? 2 : 1); b++) {
			uint32_t s = base + (uint32_t)((b ? rc->b1s : rc->b0s) * RU);
			uint32_t e = base + (uint32_t)((b ? rc->b1e : rc->b0e) * RU);

			if (!b && rc->b0s == -2) /* beyond snd_max by 400 segments */
				s = base - 2 * RU;
			opt[n++] = (uint8_t)(s >> 24);
			opt[n++] = (uint8_t)(s >> 16);
			opt[n++] = (uint8_t)(s >> 8);
			opt[n++] = (uint8_t)s;
			opt[n++] = (uint8_t)(e >> 24);
			opt[n++] = (uint8_t)(e >> 16);
			opt[n++] = (uint8_t)(e >> 8);
			opt[n++] = (uint8_t)e;
		}
		una = base + (uint32_t)rc->ack * RU;
		th_deliver(0, th_tcp_seg(0, th.h[1].addr4, rte_be_to_cpu_16(c->key.rport),
					 rte_be_to_cpu_16(c->key.lport), c->rcv_nxt, una, TCP_ACK,
					 65535, opt, n, NULL, 0));
		CU_ASSERT_EQUAL(c->snd_una, una);
		CU_ASSERT_EQUAL(th_counter_ev(0, RB_EV_TCP_DSACK_RCVD), rc->believed ? 1 : 0);
		CU_ASSERT_EQUAL(th_counter_ev(0, RB_EV_TCP_DSACK_BAD), rc->bad ? 1 : 0);
		CU_ASSERT_EQUAL(c->sacked_bytes, rc->sacked_segs * RU);
		if (c->sacked_bytes != rc->sacked_segs * RU)
			fprintf(stderr, "\n  '%s': sacked %u\n", rc->name, c->sacked_bytes);
		th.h[1].blackhole_rx = false;
		abort_and_teardown(&a, data);
	}
}

/* An ACK from host 1 to c: ack and SACK blocks [s, e) in RU units from
 * base (n blocks). */
static void craft_ack(struct tcp_conn *c, uint32_t base, int ack, const int (*blk)[2], int n)
{
	uint8_t opt[4 + 32];
	unsigned k = 0;

	opt[k++] = 1;
	opt[k++] = 1;
	opt[k++] = 5;
	opt[k++] = (uint8_t)(2 + 8 * n);
	for (int b = 0; b < n; b++)
		for (int j = 0; j < 2; j++) {
			uint32_t v = base + (uint32_t)blk[b][j] * RU;

			opt[k++] = (uint8_t)(v >> 24);
			opt[k++] = (uint8_t)(v >> 16);
			opt[k++] = (uint8_t)(v >> 8);
			opt[k++] = (uint8_t)v;
		}
	th_deliver(0, th_tcp_seg(0, th.h[1].addr4, rte_be_to_cpu_16(c->key.rport),
				 rte_be_to_cpu_16(c->key.lport), c->rcv_nxt, base + (uint32_t)ack * RU,
				 TCP_ACK, 65535, opt, k, NULL, 0));
}

/* Hostile DSACKs: a flood outside any episode changes nothing; inside
 * one, forged DSACKs for its retransmission undo it, but only back to
 * the cwnd and ssthresh it had before, and no second time. */
static void test_dsack_hostile(void)
{
	static const int sack_hi[1][2] = {{5, 20}};
	static const int dsack_lo[1][2] = {{0, 5}};
	static const int dsack_old[1][2] = {{-2, -1}}; /* below snd_una */
	const size_t size = 20 * RU;
	uint8_t *data = pattern(size, 13);
	struct tcp_conn *c;
	struct app a;
	uint32_t base, cwnd0, ss0;

	th_setup(2, true);
	th.delay_ns = 5 * MS;
	c = flight_unacked(&a, data, size);
	base = c->snd_una;
	cwnd0 = c->cwnd;
	ss0 = c->ssthresh;
	/* a flood of in-window DSACKs, no episode: nothing to undo */
	for (int k = 0; k < 50; k++)
		craft_ack(c, base, 0, dsack_old, 1);
	CU_ASSERT_EQUAL(th_counter_ev(0, RB_EV_TCP_DSACK_RCVD), 50);
	CU_ASSERT_EQUAL(c->cwnd, cwnd0);
	CU_ASSERT_EQUAL(c->ssthresh, ss0);
	/* units 5-19 SACKed: recovery, 0-4 retransmitted, cwnd cut */
	craft_ack(c, base, 0, sack_hi, 1);
	CU_ASSERT_FATAL(c->flags & TF_RECOVERY);
	CU_ASSERT(c->ssthresh < ss0 && c->cwnd < cwnd0);
	/* forged: the retransmission reported as a duplicate */
	craft_ack(c, base, 5, dsack_lo, 1);
	CU_ASSERT_EQUAL(th_counter_ev(0, RB_EV_TCP_UNDO_RECOVERY), 1);
	CU_ASSERT_EQUAL(c->cwnd, cwnd0);
	CU_ASSERT_EQUAL(c->ssthresh, ss0);
	for (int k = 0; k < 50; k++)
		craft_ack(c, base, 5, dsack_lo, 1);
	CU_ASSERT_EQUAL(th_counter_ev(0, RB_EV_TCP_UNDO_RECOVERY), 1);
	CU_ASSERT(c->cwnd <= cwnd0);
	CU_ASSERT_EQUAL(c->ssthresh, ss0);
	th.h[1].blackhole_rx = false;
	abort_and_teardown(&a, data);
}

/* The same DSACK block again (a Linux sender's TSO copies the ACK's
 * options onto every segment it cuts, so one DSACK can arrive several
 * times) stands for one duplicate, not several: a recovery with more
 * than one retransmission is not undone by one of them reported over and
 * over. */
static void test_dsack_repeated(void)
{
	static const int sack_hi[1][2] = {{11, 23}};
	static const int dsack_one[1][2] = {{0, 1}};
	const size_t size = 23 * RU; /* the peer's first window: 4 segments */
	uint8_t *data = pattern(size, 17);
	struct tcp_conn *c;
	struct app a;
	uint32_t base, left;

	th_setup(2, true);
	th.delay_ns = 5 * MS;
	c = flight_unacked(&a, data, size);
	base = c->snd_una;
	craft_ack(c, base, 0, sack_hi, 1);
	CU_ASSERT_FATAL(c->flags & TF_RECOVERY);
	CU_ASSERT_FATAL(c->flags & TF_UNDO);
	left = c->rv->undo_left;
	fprintf(stderr, "\n  repeated DSACK: %u segments retransmitted", left);
	CU_ASSERT_FATAL(left >= 2);
	for (int k = 0; k < 8; k++)
		craft_ack(c, base, 1, dsack_one, 1);
	CU_ASSERT_EQUAL(c->rv->undo_left, left - 1);
	CU_ASSERT_EQUAL(th_counter_ev(0, RB_EV_TCP_DSACK_REPEAT), 7);
	CU_ASSERT_EQUAL(th_counter_ev(0, RB_EV_TCP_UNDO_RECOVERY), 0);
	CU_ASSERT(c->flags & TF_RECOVERY);
	th.h[1].blackhole_rx = false;
	abort_and_teardown(&a, data);
}

/* ---- 3. spurious recoveries undone ---- */
struct undo_case {
	const char *name;
	bool ts;             /* timestamps (Eifel detection) */
	bool drop_rxt;       /* the retransmission is lost: no DSACK can come */
	bool late_acks;      /* host 1's ACKs held past the RTO instead */
	enum rb_event ev;    /* the undo expected */
};

static const struct undo_case undo_cases[] = {
	/* segment 40 is held 12 ms (the one-way delay is 10): three later
	 * segments are SACKed first, the sender retransmits it, then the
	 * original arrives and the retransmission is a duplicate: its DSACK
	 * undoes the recovery.  No timestamps, so DSACK alone can. */
	{"reordering, undone by DSACK", false, false, false, RB_EV_TCP_UNDO_RECOVERY},
	/* the same with the retransmission lost: no DSACK, but the ACK for
	 * the late original echoes its TSval, older than the
	 * retransmission's (RFC 3522) */
	{"reordering, undone by timestamps", true, true, false, RB_EV_TCP_UNDO_RECOVERY},
	/* every ACK of host 1 held for 300 ms (past the 200 ms RTO), then
	 * delivered: the RTO was spurious (DSACK for its retransmission, and
	 * the timestamps tell it too) */
	{"late ACKs, RTO undone", true, false, true, RB_EV_TCP_UNDO_RTO},
	{"late ACKs, RTO undone without timestamps", false, false, true, RB_EV_TCP_UNDO_RTO},
};

static void test_undo(void)
{
	for (unsigned i = 0; i < RTE_DIM(undo_cases); i++) {
		const struct undo_case *uc = &undo_cases[i];
		const size_t size = 300 * SEG;
		uint8_t *data = pattern(size, 11 + i);
		struct tcp_conn *c;
		struct script sc;
		struct app a;
		uint32_t prior_cwnd = 0, prior_ss = 0;
		uint64_t t_hold = 0;
		bool checked = false;

		th_setup(2, true);
		th.delay_ns = 10 * MS;
		app_set_opts(0, true, uc->ts, true);
		script_init(&sc);
		if (!uc->late_acks)
			sc.off_hold = 40 * SEG;
		sc.drop_rxt = uc->drop_rxt;
		th.filter = script_filter;
		th.filter_arg = &sc;
		app_init(&a);
		a.tx = data;
		a.tx_len = size;
		CU_ASSERT_PTR_NOT_NULL_FATAL(app_connect(&a, 0, 1, AF_INET, 9, 0, "cubic"));
		c = sc.c0 = a.c;
		for (int t = 0; t < 3000 && !acked_all(&a); t++) {
			th_run(MS);
			if (uc->late_acks && !sc.hold_acks && t_hold == 0 &&
			    c->bytes_acked >= 60 * SEG) {
				sc.hold_acks = true;
				t_hold = th.now;
				prior_cwnd = c->cwnd;
				prior_ss = c->ssthresh;
			}
			if (sc.hold_acks && th.now - t_hold >= 300 * MS) {
				sc.hold_acks = false;
				release(&sc);
			}
			if (!uc->late_acks && sc.n_held && prior_cwnd == 0) {
				/* held 0-1 ms ago: out 2 ms later, 12 ms after it
				 * was sent */
				prior_cwnd = sc.cwnd_at_hold;
				prior_ss = c->ssthresh;
				th_run(2 * MS);
				release(&sc);
				t_hold = th.now;
			}
			if (!checked && th_counter_ev(0, uc->ev) && !(c->flags & TF_RECOVERY)) {
				/* right after the undo: the values before the episode */
				CU_ASSERT(c->cwnd >= prior_cwnd);
				CU_ASSERT(c->ssthresh >= prior_ss);
				checked = true;
			}
		}
		CU_ASSERT(acked_all(&a));
		CU_ASSERT(prior_cwnd > 0);
		CU_ASSERT(checked);
		CU_ASSERT_EQUAL(th_counter_ev(0, uc->ev), 1);
		CU_ASSERT(th_counter_ev(0, uc->late_acks ? RB_EV_TCP_RTO : RB_EV_TCP_FAST_RECOVERY) >= 1);
		/* undone, the episode does not cut the window: ssthresh stays
		 * where slow start had it */
		CU_ASSERT(c->ssthresh >= prior_ss);
		if (c->ssthresh < prior_ss || th_counter_ev(0, uc->ev) != 1)
			fprintf(stderr, "\n  '%s': undo %" PRIu64 " ssthresh %u (was %u) cwnd %u (was %u)"
				" dsack rcvd %" PRIu64 " sent %" PRIu64 " rto %" PRIu64 " fr %" PRIu64 "\n",
				uc->name, th_counter_ev(0, uc->ev), c->ssthresh, prior_ss, c->cwnd,
				prior_cwnd, th_counter_ev(0, RB_EV_TCP_DSACK_RCVD),
				th_counter_ev(1, RB_EV_TCP_DSACK_SENT), th_counter_ev(0, RB_EV_TCP_RTO),
				th_counter_ev(0, RB_EV_TCP_FAST_RECOVERY));
		th_run(SEC);
		/* the episode is over: its tables went back */
		CU_ASSERT_EQUAL(th.h[0].lc.tcp->n_recov, 0);
		abort_and_teardown(&a, data);
	}
}

/* ---- 4. RACK.reo_wnd_mult (RFC 8985 6.2 step 4) ---- */
struct reo_step {
	char ev;             /* 'd': a DSACK; 'r': a recovery ends; 'a': snd_una passes snd_nxt */
	int n;               /* times */
	uint8_t mult;        /* reo_wnd_mult after */
	uint32_t reo_us;     /* tcp_rack_reo_wnd after */
};

static void test_reo_wnd(void)
{
	/* min_RTT 8 ms, SRTT 20 ms: reo_wnd = min(mult * 2 ms, 20 ms) */
	static const struct reo_step steps[] = {
		{'r', 1, 1, 2000},   /* nothing seen: min_RTT / 4 */
		{'d', 1, 2, 4000},   /* a DSACK: one more */
		{'d', 3, 2, 4000},   /* more in the same round trip: no more */
		{'a', 1, 2, 4000},
		{'d', 1, 3, 6000},   /* the next round trip's */
		{'a', 1, 3, 6000},
		{'d', 1, 4, 8000},
		{'r', 15, 4, 8000},  /* 15 recoveries without one: still */
		{'r', 1, 1, 2000},   /* the 16th: back to 1 */
		{'a', 1, 1, 2000},
		{'d', 1, 2, 4000},
		{'a', 1, 2, 4000},
		{'d', 1, 3, 6000},
		{'r', 10, 3, 6000},
		{'a', 1, 3, 6000},
		{'d', 1, 4, 8000},   /* a DSACK sets persist to 16 again */
		{'r', 15, 4, 8000},
		{'r', 1, 1, 2000},
	};
	struct tcp_conn c;

	memset(&c, 0, sizeof(c));
	c.min_rtt = 8000;
	c.srtt = 20000;
	c.snd_una = 1000;
	c.snd_nxt = 50000;
	for (unsigned i = 0; i < RTE_DIM(steps); i++) {
		for (int k = 0; k < steps[i].n; k++) {
			if (steps[i].ev == 'd')
				tcp_rack_dsack(&c);
			else if (steps[i].ev == 'r')
				tcp_rack_recovery_done(&c);
			else {
				c.snd_una = c.snd_nxt;
				c.snd_nxt += 50000;
			}
		}
		CU_ASSERT_EQUAL(RTE_MAX(c.reo_wnd_mult, 1), steps[i].mult);
		CU_ASSERT_EQUAL(tcp_rack_reo_wnd(&c), steps[i].reo_us);
		if (RTE_MAX(c.reo_wnd_mult, 1) != steps[i].mult)
			fprintf(stderr, "\n  step %u: mult %u\n", i, c.reo_wnd_mult);
	}
	/* bounded by SRTT, at least 1 ms */
	for (int k = 0; k < 20; k++) {
		c.snd_una = c.snd_nxt;
		c.snd_nxt += 50000;
		tcp_rack_dsack(&c);
	}
	CU_ASSERT_EQUAL(tcp_rack_reo_wnd(&c), 20000);
	c.min_rtt = 100;
	c.srtt = 200;
	CU_ASSERT_EQUAL(tcp_rack_reo_wnd(&c), 1000);
}

/* ...and on the wire: the DSACK of a spurious retransmission widens
 * reo_wnd (the "reordering, undone by DSACK" scenario). */
static void test_reo_wnd_wire(void)
{
	const size_t size = 300 * SEG;
	uint8_t *data = pattern(size, 3);
	struct script sc;
	struct app a;
	uint32_t reo0;

	th_setup(2, true);
	th.delay_ns = 10 * MS;
	app_set_opts(0, true, false, true);
	script_init(&sc);
	sc.off_hold = 40 * SEG;
	th.filter = script_filter;
	th.filter_arg = &sc;
	app_init(&a);
	a.tx = data;
	a.tx_len = size;
	CU_ASSERT_PTR_NOT_NULL_FATAL(app_connect(&a, 0, 1, AF_INET, 9, 0, "cubic"));
	sc.c0 = a.c;
	reo0 = 0;
	for (int t = 0; t < 3000 && !acked_all(&a); t++) {
		th_run(MS);
		if (sc.n_held && reo0 == 0) {
			reo0 = tcp_rack_reo_wnd(a.c);
			th_run(2 * MS);
			release(&sc);
		}
	}
	CU_ASSERT(acked_all(&a));
	CU_ASSERT(th_counter_ev(0, RB_EV_TCP_DSACK_RCVD) >= 1);
	CU_ASSERT_EQUAL(a.c->reo_wnd_mult, 2); /* one round trip with DSACKs */
	CU_ASSERT(tcp_rack_reo_wnd(a.c) > reo0);
	abort_and_teardown(&a, data);
}

int main(void)
{
	CU_pSuite s;

	if (th_cunit_begin() < 0)
		return 1;
	s = CU_add_suite("tcp dsack", NULL, NULL);
	CU_add_test(s, "receiver: DSACK first for a duplicate (table)", test_dsack_generate);
	CU_add_test(s, "sender: DSACKs believed, never SACKed, forged ignored (table)",
		    test_dsack_receive);
	CU_add_test(s, "hostile DSACKs: no undo beyond the values before", test_dsack_hostile);
	CU_add_test(s, "the same DSACK again counts once", test_dsack_repeated);
	CU_add_test(s, "spurious recovery and RTO undone (table)", test_undo);
	CU_add_test(s, "RACK reo_wnd_mult follows DSACKs (table)", test_reo_wnd);
	CU_add_test(s, "RACK reo_wnd widened by a spurious retransmission's DSACK", test_reo_wnd_wire);
	return th_cunit_end();
}
