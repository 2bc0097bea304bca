/* RX bursts and the ACK clock (dataplane/tcp/README.md "Measured", the
 * RX-burst bracket's loss rows): the PTO over the whole flight, a
 * duplicate ACK of its own for an out-of-order segment without SACK,
 * per-segment ACKs without SACK inside a burst, and the output the
 * burst's earlier ACKs let out sent before a SACK (one recovery). */
#include <stdlib.h>
#include <inttypes.h>
#include <string.h>
#include <netinet/in.h>
#include <CUnit/CUnit.h>
#include "test_tcp_harness.h"
#include "test_tcp_app.h"
#include "dataplane/tcp/tcp_priv.h"

#define MS 1000000ull

/* The harness filter: counts host 1's pure ACKs, drops number
 * `drop_ack_nth`; drops host 0's data segments number `drop_nth` and
 * `drop_nth2` (1-based, 0: none). */
struct ack_count {
	unsigned acks, data, drop_nth, drop_nth2, drop_ack_nth;
};

static bool count_filter(int from, struct rte_mbuf *m, void *arg)
{
	struct ack_count *k = arg;
	const uint8_t *ip = rte_pktmbuf_mtod(m, const uint8_t *);
	unsigned il = (ip[0] & 0xfu) * 4, tl, plen = rte_pktmbuf_pkt_len(m);

	if ((ip[0] >> 4) != 4 || ip[9] != IPPROTO_TCP || rte_pktmbuf_data_len(m) < il + 20)
		return false;
	tl = (ip[il + 12] >> 4) * 4u;
	if (from == 1 && plen == il + tl && (ip[il + 13] & 0x10) && ++k->acks == k->drop_ack_nth)
		return true;
	if (from == 0 && plen > il + tl) {
		k->data++;
		return k->data == k->drop_nth || k->data == k->drop_nth2;
	}
	return false;
}

/* An established connection host 0 -> host 1's discard service, with an
 * RTT sample and nothing in flight. */
static void setup_conn(struct app *a, bool sack)
{
	uint8_t buf[1000] = {0};

	th_setup(2, true);
	for (int h = 0; h < 2; h++)
		tcp_params(&th.h[h].lc)->sack = sack;
	app_init(a);
	CU_ASSERT_PTR_NOT_NULL_FATAL(app_connect(a, 0, 1, AF_INET, 9, 0, NULL));
	th_run(100 * MS);
	CU_ASSERT_EQUAL_FATAL(a->connected, 1);
	CU_ASSERT_EQUAL_FATAL(tcp_write(a->c, buf, sizeof(buf)), sizeof(buf));
	th_run(100 * MS);
	CU_ASSERT_FATAL(a->c->snd_una == a->c->snd_max && a->c->srtt > 0);
}

static void teardown_conn(struct app *a)
{
	th.filter = NULL;
	th.rx_burst = 0;
	tcp_close(a->c);
	th_run(200 * 1000 * MS);
	CU_ASSERT_EQUAL(th_teardown(), 0);
	app_free(a);
}

/* RFC 8985 7.2: a flight that starts from nothing in flight (after a
 * stretch ACK for everything) gets the PTO of the flight it is, 2 SRTT +
 * slack, not the single segment's WCDelAckT (200 ms) its first segment
 * armed. */
static void test_pto_whole_flight(void)
{
	static uint8_t buf[6 * 1448];
	struct app a;
	struct tcp_stack *st;
	uint64_t left_us, want_us;

	setup_conn(&a, true);
	st = th.h[0].lc.tcp;
	CU_ASSERT_EQUAL(tcp_write(a.c, buf, sizeof(buf)), sizeof(buf));
	th_run(100000); /* one poll: sent, no ACK back yet (1 ms away) */
	CU_ASSERT(a.c->snd_max - a.c->snd_una > 2 * 1448u);
	CU_ASSERT(a.c->flags & TF_TLP_ARMED);
	left_us = (a.c->t_rexmt - tcp_now(st)) / st->tsc_us;
	want_us = 2ull * a.c->srtt + st->prm.tlp_slack_ms * 1000ull;
	fprintf(stderr, "\n  PTO %" PRIu64 " us for %u B in flight (2 SRTT + slack %" PRIu64 " us)",
		left_us, a.c->snd_max - a.c->snd_una, want_us);
	CU_ASSERT(left_us <= want_us + 1000);
	teardown_conn(&a);
}

/* Without SACK, an out-of-order segment behind in-order data whose ACK
 * was delayed: the in-order data is acknowledged on its own, then the
 * duplicate (RFC 5681 3.2 counts three); merged, the sender saw a new ACK
 * and no duplicate.  With SACK one ACK (its block reports the segment). */
static void test_ooo_own_dupack(void)
{
	static const struct {
		bool sack;
		unsigned acks, dupacks;
	} rows[] = {{false, 2, 1}, {true, 1, 0}};
	static uint8_t buf[3 * 1448];

	for (unsigned i = 0; i < RTE_DIM(rows); i++) {
		struct ack_count k = {.drop_nth = 2};
		struct app a;
		uint64_t dup0;

		setup_conn(&a, rows[i].sack);
		dup0 = th_counter_ev(0, RB_EV_TCP_DUPACK_RX);
		th.filter = count_filter;
		th.filter_arg = &k;
		CU_ASSERT_EQUAL(tcp_write(a.c, buf, sizeof(buf)), sizeof(buf));
		th_run(3 * MS); /* one RTT: the three segments' ACKs back */
		fprintf(stderr, "\n  sack %d: %u ACKs, %" PRIu64 " duplicates", rows[i].sack, k.acks,
			th_counter_ev(0, RB_EV_TCP_DUPACK_RX) - dup0);
		CU_ASSERT_EQUAL(k.data, 3);
		CU_ASSERT_EQUAL(k.acks, rows[i].acks);
		CU_ASSERT_EQUAL(th_counter_ev(0, RB_EV_TCP_DUPACK_RX) - dup0, rows[i].dupacks);
		teardown_conn(&a);
	}
}

/* Eight segments in one RX burst: with SACK an early ACK (for the first
 * two) and one stretch ACK at the burst's end; without SACK one per two
 * segments, as outside a burst (its sender counts ACKs and has no tail
 * loss probe). */
static void test_burst_acks_without_sack(void)
{
	static const struct {
		bool sack;
		unsigned acks;
	} rows[] = {{true, 2}, {false, 4}};
	static uint8_t buf[8 * 1448];

	for (unsigned i = 0; i < RTE_DIM(rows); i++) {
		struct ack_count k = {0};
		struct app a;

		setup_conn(&a, rows[i].sack);
		th.rx_burst = 32;
		th.filter = count_filter;
		th.filter_arg = &k;
		CU_ASSERT_EQUAL(tcp_write(a.c, buf, sizeof(buf)), sizeof(buf));
		th_run(3 * MS);
		fprintf(stderr, "\n  sack %d: %u ACKs for %u segments in one burst", rows[i].sack,
			k.acks, k.data);
		CU_ASSERT_EQUAL(k.data, 8);
		CU_ASSERT_EQUAL(k.acks, rows[i].acks);
		CU_ASSERT(a.c->snd_una == a.c->snd_max);
		teardown_conn(&a);
	}
}

/* One recovery for one window's losses, with or without RX bursts.  In
 * slow start host 0 sends segments 11-30 as its second flight; 15 is
 * lost.  Host 1 acknowledges 11-14 with its first SACK (16), then one
 * SACK per segment.  A per-segment sender sends new data (31-38) on the
 * ACK for 11-14, then enters recovery on the third SACK with `recover`
 * (RFC 6675 HighData) past it: 33 lost as well is part of the same
 * recovery.  Inside a burst that new data waited for the burst's end,
 * after the recovery had started with `recover` at 30: 33's loss was a
 * second recovery and a second cwnd reduction (the 1 % loss row of the
 * echo table, 7-15 % slower with bursts). */
static void test_burst_one_recovery(void)
{
	static const unsigned bursts[] = {0, 32};
	static uint8_t buf[120 * 1448];

	for (unsigned i = 0; i < RTE_DIM(bursts); i++) {
		struct ack_count k = {.drop_nth = 15, .drop_nth2 = 33};
		struct app a;
		uint64_t rec0;

		setup_conn(&a, true);
		rec0 = th_counter_ev(0, RB_EV_TCP_FAST_RECOVERY);
		th.rx_burst = bursts[i];
		th.filter = count_filter;
		th.filter_arg = &k;
		CU_ASSERT_EQUAL(tcp_write(a.c, buf, sizeof(buf)), sizeof(buf));
		th_run(100 * MS);
		fprintf(stderr, "\n  RX burst %u: %" PRIu64 " recoveries, cwnd %u after %u segments",
			bursts[i], th_counter_ev(0, RB_EV_TCP_FAST_RECOVERY) - rec0, a.c->cwnd, k.data);
		CU_ASSERT(a.c->snd_una == a.c->snd_max && a.c->sndq.bytes == 0);
		CU_ASSERT_EQUAL(th_counter_ev(0, RB_EV_TCP_FAST_RECOVERY) - rec0, 1);
		teardown_conn(&a);
	}
}

/* Every segment duplicated on the wire (data and ACKs), nothing lost: no
 * recovery, no retransmission, with SACK.  The receiver answers each
 * duplicated data segment with an immediate ACK at rcv_nxt and no SACK
 * block (it holds nothing out of order); counted as duplicates (RFC 5681
 * 2), three of them started a recovery and cut cwnd: the echo table's
 * duplication row had 366 recoveries in 40 seeds with nothing lost. */
static void test_sack_duplicates_no_recovery(void)
{
	static const unsigned bursts[] = {0, 32};
	static uint8_t buf[200 * 1448];

	for (unsigned i = 0; i < RTE_DIM(bursts); i++) {
		struct app a;
		uint64_t rec0, rxt0;

		setup_conn(&a, true);
		rec0 = th_counter_ev(0, RB_EV_TCP_FAST_RECOVERY);
		rxt0 = th_counter_ev(0, RB_EV_TCP_RETRANSMIT);
		th.rx_burst = bursts[i];
		th.dup_ppm = 1000000;
		CU_ASSERT_EQUAL(tcp_write(a.c, buf, sizeof(buf)), sizeof(buf));
		th_run(100 * MS);
		th.dup_ppm = 0;
		fprintf(stderr, "\n  RX burst %u: %" PRIu64 " recoveries, %" PRIu64
			" retransmissions, %" PRIu64 " duplicates dropped",
			bursts[i], th_counter_ev(0, RB_EV_TCP_FAST_RECOVERY) - rec0,
			th_counter_ev(0, RB_EV_TCP_RETRANSMIT) - rxt0,
			th_counter_drop(1, RB_DROP_TCP_DUPLICATE));
		CU_ASSERT(a.c->snd_una == a.c->snd_max && a.c->sndq.bytes == 0);
		CU_ASSERT(th_counter_drop(1, RB_DROP_TCP_DUPLICATE) >= 100);
		CU_ASSERT_EQUAL(th_counter_ev(0, RB_EV_TCP_FAST_RECOVERY) - rec0, 0);
		CU_ASSERT_EQUAL(th_counter_ev(0, RB_EV_TCP_RETRANSMIT) - rxt0, 0);
		teardown_conn(&a);
	}
}

/* A flight of 12 segments reaches host 1 in one RX burst; the burst's
 * last ACK (the stretch ACK) is lost.  The early ACK for the first two
 * lets host 0 send on, and the next flight's ACK covers the rest: no tail
 * loss probe, nothing retransmitted.  With the stretch ACK alone, its loss
 * cost a probe after 2 SRTT + 2 ms, whose one new segment then waited for
 * host 1's delayed ACK (40 ms). */
static void test_burst_ack_loss(void)
{
	static uint8_t buf[60 * 1448];
	struct ack_count k = {.drop_ack_nth = 2};
	struct app a;
	uint64_t tlp0, rxt0, t0;

	setup_conn(&a, true);
	tlp0 = th_counter_ev(0, RB_EV_TCP_TLP);
	rxt0 = th_counter_ev(0, RB_EV_TCP_RETRANSMIT);
	th.rx_burst = 32;
	th.filter = count_filter;
	th.filter_arg = &k;
	a.c->cwnd = 12 * 1448;
	a.c->ssthresh = 12 * 1448; /* congestion avoidance: a flight of 12 */
	t0 = th.now;
	CU_ASSERT_EQUAL(tcp_write(a.c, buf, sizeof(buf)), sizeof(buf));
	while ((a.c->sndq.bytes || a.c->snd_una != a.c->snd_max) && th.now - t0 < 200 * MS)
		th_run(100000);
	fprintf(stderr, "\n  %u ACKs (the 2nd lost), all acknowledged after %.1f ms, %" PRIu64
		" probes, %" PRIu64 " retransmissions", k.acks, (double)(th.now - t0) / MS,
		th_counter_ev(0, RB_EV_TCP_TLP) - tlp0, th_counter_ev(0, RB_EV_TCP_RETRANSMIT) - rxt0);
	CU_ASSERT(k.acks > 2);
	CU_ASSERT(a.c->snd_una == a.c->snd_max && a.c->sndq.bytes == 0);
	CU_ASSERT_EQUAL(th_counter_ev(0, RB_EV_TCP_TLP) - tlp0, 0);
	CU_ASSERT_EQUAL(th_counter_ev(0, RB_EV_TCP_RETRANSMIT) - rxt0, 0);
	CU_ASSERT(th.now - t0 < 20 * MS);
	teardown_conn(&a);
}

void test_tcp_burst_register(CU_pSuite s);

void test_tcp_burst_register(CU_pSuite s)
{
	CU_add_test(s, "PTO over the whole flight", test_pto_whole_flight);
	CU_add_test(s, "no SACK: an out-of-order segment's own duplicate ACK (table)",
		    test_ooo_own_dupack);
	CU_add_test(s, "no SACK: per-segment ACKs inside an RX burst (table)",
		    test_burst_acks_without_sack);
	CU_add_test(s, "one recovery for one window's losses, with RX bursts (table)",
		    test_burst_one_recovery);
	CU_add_test(s, "SACK: duplicated segments start no recovery (table)",
		    test_sack_duplicates_no_recovery);
	CU_add_test(s, "RX burst: an early ACK, the stretch ACK's loss costs no probe",
		    test_burst_ack_loss);
}
