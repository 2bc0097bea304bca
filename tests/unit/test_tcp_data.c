/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TCP data transfer tests over the simulated wire: echo through the diag
 * service under loss/duplication/reordering, deterministic SACK and
 * NewReno recovery, window scaling, zero-window probing, RTO backoff and
 * give-up, keepalive, half-close, chargen/discard, IPv6; ports with and
 * without checksum offload and zero-copy transmit (the harness's port
 * model), the RX checksum flags trusted.
 */
#include <errno.h>
#include <stdlib.h>
#include <inttypes.h>
#include <string.h>
#include <netinet/in.h>
#include <CUnit/CUnit.h>
#include <rte_ethdev.h>
#include "test_tcp_harness.h"
#include "test_tcp_app.h"
#include "dataplane/tcp/tcp_priv.h"

#define MS 1000000ull
#define SEC 1000000000ull

/* ---- echo through the diag service under impairments ---- */
struct echo_case {
	const char *name;
	uint32_t loss_ppm, dup_ppm, reorder_ppm;
	bool sack, ts;
	const char *cc;
	size_t size;
	int family;
	bool expect_rexmit;
};

static const struct echo_case echo_cases[] = {
	{"clean cubic", 0, 0, 0, true, true, "cubic", 1 << 20, AF_INET, false},
	{"clean newreno v6", 0, 0, 0, true, true, "newreno", 1 << 20, AF_INET6, false},
	{"1% loss sack", 10000, 0, 0, true, true, "cubic", 1 << 20, AF_INET, true},
	{"5% loss sack", 50000, 0, 0, true, true, "cubic", 512 << 10, AF_INET, true},
	{"5% loss newreno no sack", 50000, 0, 0, false, true, "newreno", 512 << 10, AF_INET, true},
	{"3% loss no sack no ts", 30000, 0, 0, false, false, "cubic", 512 << 10, AF_INET, true},
	{"5% reorder", 0, 0, 50000, true, true, "cubic", 1 << 20, AF_INET, false},
	{"5% duplication", 0, 50000, 0, true, true, "cubic", 1 << 20, AF_INET, false},
	{"2% loss+dup+reorder", 20000, 20000, 20000, true, true, "cubic", 512 << 10, AF_INET,
	 true},
	{"2% loss+dup+reorder v6 nosack", 20000, 20000, 20000, false, true, "newreno", 256 << 10,
	 AF_INET6, true},
};

#define OFFL_TSO_ECHO (RTE_ETH_TX_OFFLOAD_IPV4_CKSUM | RTE_ETH_TX_OFFLOAD_TCP_CKSUM | \
		       RTE_ETH_TX_OFFLOAD_MULTI_SEGS | RTE_ETH_TX_OFFLOAD_TCP_TSO)
/* The echo table's port (test_echo_table_tso) and RX bursts
 * (test_echo_table_burst): 0 / 1 for the plain table. */
static uint64_t echo_offl;
static unsigned echo_burst;
static uint64_t echo_seed;

static void test_echo_table(void)
{
	const char *seed = getenv("TH_ECHO_SEED"), *only = getenv("TH_ECHO_CASE");

	echo_seed = seed != NULL ? strtoull(seed, NULL, 0) : 0;
	for (unsigned i = 0; i < RTE_DIM(echo_cases); i++) {
		const struct echo_case *ec = &echo_cases[i];
		struct app a;
		struct tcp_info info;
		uint8_t *data;
		uint64_t t0;
		bool ok;

		if (only != NULL && strcmp(only, ec->name) != 0)
			continue; /* TH_ECHO_CASE=name: that row alone */
		data = pattern(ec->size, i + 1);
		th_setup(2, true);
		if (echo_offl)
			th_port_model(echo_offl, true);
		th.rx_burst = echo_burst;
		th.loss_ppm = ec->loss_ppm;
		th.dup_ppm = ec->dup_ppm;
		th.reorder_ppm = ec->reorder_ppm;
		th.rng += i + echo_seed * 0x1000193ull; /* TH_ECHO_SEED: other seeds */
		app_set_opts(0, ec->sack, ec->ts, true);
		if (getenv("TH_ECHO_RXB_PARAM")) /* 0/1: both hosts' rx_burst param */
			for (int h = 0; h < 2; h++)
				tcp_params(&th.h[h].lc)->rx_burst =
					(uint8_t)atoi(getenv("TH_ECHO_RXB_PARAM"));
		CU_ASSERT_PTR_NOT_NULL_FATAL(app_send_all(&a, ec->family, 7, ec->cc, data, ec->size));
		t0 = th.now;
		ok = th_run_until(app_finished, &a, 900 * SEC);
		/* simulated goodput of the echo (both directions share the wire) */
		fprintf(stderr, "\n  echo '%s': %zu B in %.3f s simulated, %.2f MB/s, RTOs %" PRIu64
			", recoveries %" PRIu64 ", TSO frames %" PRIu64, ec->name, ec->size,
			(double)(th.now - t0) / 1e9,
			(double)ec->size / ((double)(th.now - t0) / 1e9) / 1e6,
			th_counter_ev(0, RB_EV_TCP_RTO) + th_counter_ev(1, RB_EV_TCP_RTO),
			th_counter_ev(0, RB_EV_TCP_FAST_RECOVERY) +
				th_counter_ev(1, RB_EV_TCP_FAST_RECOVERY),
			th.tso_frames);
		if (getenv("TH_ECHO_VERBOSE"))
			for (int h = 0; h < 2; h++)
				fprintf(stderr,
					"\n    host %d: segs out %" PRIu64 ", rexmits %" PRIu64
					", TLPs %" PRIu64 ", lost rexmits %" PRIu64 ", dupACKs in %" PRIu64
					", ooo queued %" PRIu64 ", recoveries %" PRIu64 ", RTOs %" PRIu64,
					h, th_counter_ev(h, RB_EV_TCP_SEG_OUT),
					th_counter_ev(h, RB_EV_TCP_RETRANSMIT), th_counter_ev(h, RB_EV_TCP_TLP),
					th_counter_ev(h, RB_EV_TCP_LOST_RETRANSMIT),
					th_counter_ev(h, RB_EV_TCP_DUPACK_RX),
					th_counter_ev(h, RB_EV_TCP_OOO_QUEUED),
					th_counter_ev(h, RB_EV_TCP_FAST_RECOVERY), th_counter_ev(h, RB_EV_TCP_RTO));
		/* a TSO port gets super-segments, cut into wire segments */
		CU_ASSERT(!(echo_offl & RTE_ETH_TX_OFFLOAD_TCP_TSO) ||
			  (th.tso_frames > 0 && th.tso_pieces > th.tso_frames));
		CU_ASSERT_EQUAL(th.nic_bad_flags, 0);
		CU_ASSERT_EQUAL(th_counter_drop(0, RB_DROP_TSO_BAD) + th_counter_drop(1, RB_DROP_TSO_BAD), 0);
		if (!ok || a.rx_len != ec->size)
			fprintf(stderr, "\n  echo case '%s': done %d rx %zu/%zu closed %d err %d\n",
				ec->name, ok, a.rx_len, ec->size, a.closed, a.close_err);
		CU_ASSERT(ok);
		/* SACK blocks never push a segment past the MTU (tcp_data_opts) */
		if (th.oversize)
			fprintf(stderr, "\n  echo case '%s': %" PRIu64 " packets over the MTU\n",
				ec->name, th.oversize);
		CU_ASSERT_EQUAL(th.oversize, 0);
		CU_ASSERT_EQUAL(a.connected, 1);
		CU_ASSERT_EQUAL(a.rx_len, ec->size);
		CU_ASSERT(a.rx_len == ec->size && memcmp(a.rx, data, ec->size) == 0);
		CU_ASSERT(a.eof);
		if (a.c) {
			tcp_get_info(a.c, &info);
			CU_ASSERT_EQUAL(info.sack, ec->sack);
			CU_ASSERT_EQUAL(info.timestamps, ec->ts);
			CU_ASSERT_STRING_EQUAL(info.cc, ec->cc);
			if (ec->expect_rexmit)
				CU_ASSERT(info.retransmits > 0);
			tcp_close(a.c);
		}
		th.loss_ppm = th.dup_ppm = th.reorder_ppm = 0;
		th_run(200 * SEC);
		if (ec->expect_rexmit)
			CU_ASSERT(th_counter_ev(0, RB_EV_TCP_RETRANSMIT) +
					  th_counter_ev(1, RB_EV_TCP_RETRANSMIT) >
				  0);
		if (ec->dup_ppm)
			CU_ASSERT(th_counter_drop(1, RB_DROP_TCP_DUPLICATE) +
					  th_counter_drop(0, RB_DROP_TCP_DUPLICATE) >
				  0);
		/* everything closed and freed on both sides */
		CU_ASSERT(app_all_freed());
		app_free(&a);
		free(data);
		CU_ASSERT_EQUAL(th_teardown(), 0);
	}
}

/* The same table between two ports with checksum offload and TSO: the
 * senders hand super-segments to their NICs (test_tcp_harness.c cuts
 * them), the loss, duplication and reordering hit wire segments. */
static void test_echo_table_tso(void)
{
	echo_offl = OFFL_TSO_ECHO;
	test_echo_table();
	echo_offl = 0;
}

/* The same table with each host's segments handed to tcp_input in RX
 * bursts of up to 32 (th.rx_burst), as the worker's RX burst bracket
 * (tcp_rx_begin/tcp_rx_end) does: output and ACKs once per burst, so
 * the peers see stretch ACKs (tcp_cc.c takes them by byte counting). */
static void test_echo_table_burst(void)
{
	echo_burst = 32;
	test_echo_table();
	echo_offl = OFFL_TSO_ECHO;
	test_echo_table();
	echo_offl = 0;
	echo_burst = 0;
}

/* rx_burst (tcp param): on_readable once per input pass, not per segment
 * (tcp_conn_input defers it to tcp_deferred_run).  The same 1 MiB echo
 * in RX bursts of 32, param off then on for both hosts: byte-exact both
 * times, and the client's on_readable calls drop to well under half
 * (one per burst that carried data instead of one per segment). */
static unsigned readable_pass_run(bool on, size_t size, const uint8_t *data)
{
	unsigned calls;
	struct app a;
	bool ok;

	th_setup(2, true);
	th.rx_burst = 32;
	tcp_params(&th.h[0].lc)->rx_burst = on;
	tcp_params(&th.h[1].lc)->rx_burst = on;
	CU_ASSERT_PTR_NOT_NULL_FATAL(app_send_all(&a, AF_INET, 7, NULL, data, size));
	ok = th_run_until(app_finished, &a, 60 * SEC);
	CU_ASSERT(ok);
	CU_ASSERT(a.eof);
	CU_ASSERT(a.rx_len == size && memcmp(a.rx, data, size) == 0);
	calls = a.readable_calls;
	fprintf(stderr, "\n  rx_burst %d: %u on_readable calls for %zu B echoed", on, calls, size);
	if (a.c)
		tcp_close(a.c);
	th_run(200 * SEC);
	app_free(&a);
	th.rx_burst = 0;
	CU_ASSERT_EQUAL(th_teardown(), 0);
	return calls;
}

static void test_readable_per_pass(void)
{
	const size_t size = 1 << 20;
	uint8_t *data = pattern(size, 11);
	unsigned off = readable_pass_run(false, size, data);
	unsigned on = readable_pass_run(true, size, data);

	CU_ASSERT(off >= size / 1500); /* about one per segment */
	CU_ASSERT(on > 0 && on * 2 < off);
	free(data);
}

/* ---- deterministic loss: drop chosen data segments once ---- */
struct drop_plan {
	int from; /* the host whose data segments are dropped */
	uint32_t iss;
	bool have_iss;
	uint32_t offs[8];
	int n;
	bool done[8];
	int dropped;
	/* Host 0 acknowledges only on its data segments while it has more to
	 * send (as Linux does: a segment going out carries the ACK and the
	 * SACK blocks, and no pure ACK follows): its pure ACKs are dropped
	 * until it has sent ack_data_until bytes. */
	uint32_t ack_data_until, iss0, sent0;
	bool have_iss0;
	uint64_t t_drop[8], t_rxt[8]; /* simulated time of the loss, of its repair */
	/* The receiver's pure ACKs (the other host's segments without data,
	 * SYN, FIN or RST) are dropped for ack_ns once loss ack_after - 1 has
	 * been dropped (0: never): with a lost retransmission, the SACKs for
	 * the data sent after it, the only evidence of its loss. */
	int ack_after;
	uint64_t ack_ns;
	int acks_dropped;
};

static bool drop_filter(int from, struct rte_mbuf *m, void *arg)
{
	struct drop_plan *dp = arg;
	struct th_tcp_view v;

	if (!th_tcp_parse(m, &v))
		return false;
	if (dp->ack_after && from != dp->from && v.len == 0 &&
	    !(v.flags & (TCP_SYN | TCP_FIN | TCP_RST)) && dp->done[dp->ack_after - 1] &&
	    th.now - dp->t_drop[dp->ack_after - 1] < dp->ack_ns) {
		dp->acks_dropped++;
		return true;
	}
	if (from == 0 && dp->ack_data_until) {
		if (v.flags & TCP_SYN) {
			dp->iss0 = v.seq;
			dp->have_iss0 = true;
		} else if (dp->have_iss0 && v.len) {
			uint32_t end = v.seq + v.len - dp->iss0 - 1;

			if (end > dp->sent0)
				dp->sent0 = end;
		} else if (dp->have_iss0 && !(v.flags & (TCP_FIN | TCP_RST)) &&
			   dp->sent0 < dp->ack_data_until) {
			return true;
		}
	}
	if (from != dp->from)
		return false;
	if (v.flags & TCP_SYN) {
		dp->iss = v.seq;
		dp->have_iss = true;
		return false;
	}
	if (!dp->have_iss || v.len == 0)
		return false;
	for (int i = 0; i < dp->n; i++)
		if (dp->done[i] && !dp->t_rxt[i] && v.seq - dp->iss - 1 == dp->offs[i])
			dp->t_rxt[i] = th.now;
	for (int i = 0; i < dp->n; i++)
		if (!dp->done[i] && v.seq - dp->iss - 1 == dp->offs[i]) {
			dp->done[i] = true;
			dp->t_drop[i] = th.now;
			dp->dropped++;
			return true;
		}
	return false;
}

struct recov_case {
	const char *name;
	bool sack;
	const char *cc;
	int n;
	uint32_t segs[8];
	bool expect_no_rto;
	int from;      /* 0: the client's data to discard; 1: the echo's data back */
	int max_fr;    /* most recovery episodes allowed; 0 = not checked */
	int rep_delays; /* each loss repaired within this many one-way delays; 0 = 4 */
	int ack_after;  /* drop_plan's: the receiver's pure ACKs dropped after loss ack_after - 1 */
	int ack_ms;     /* ... for this long */
	int tlp;        /* 1: at least one probe (RB_EV_TCP_TLP) expected, -1: none, 0: either */
};

static const struct recov_case recov_cases[] = {
	{"sack one loss", true, "cubic", 1, {20}, true},
	{"sack three losses one window", true, "cubic", 3, {20, 22, 24}, true},
	{"sack burst of four", true, "newreno", 4, {30, 31, 32, 33}, true},
	{"newreno one loss", false, "newreno", 1, {20}, true},
	{"newreno two losses (partial ack)", false, "newreno", 2, {20, 25}, true},
	/* The echo's segments are lost while the client still sends: the
	 * client's ACKs carry data, and their SACK blocks alone must start
	 * recovery (RFC 6675 2 and 5), not the RTO. */
	{"sack one loss, acks carry data", true, "cubic", 1, {20}, true, 1},
	{"sack two losses, acks carry data", true, "cubic", 2, {20, 40}, true, 1},
	{"sack burst, acks carry data", true, "newreno", 3, {30, 31, 32}, true, 1},
	/* A retransmission is lost near the tail, where no more new data is
	 * sent: the delivery of the later retransmission of 392 shows it lost
	 * (RACK, RFC 8985 6.2) and the reordering timer sends it again, no RTO.
	 * Listing 390 twice drops its original and its first retransmission. */
	{"sack lost retransmission at the tail", true, "cubic", 3, {390, 390, 392}, true, 0, 1},
	{"sack lost retransmission, acks carry data", true, "cubic", 3, {300, 300, 302}, true, 1, 1},
	/* One segment above the hole and nothing more to send (a short
	 * flight, as an echo's): too few for DupThresh, but RACK (RFC 8985
	 * 6.2) marks the hole lost a reordering window after the SACK. */
	{"sack loss under one segment at the tail", true, "cubic", 1, {398}, true, 0, 1},
	/* Five losses in one window are one episode, one window cut
	 * (RFC 6675 5, RFC 6582 3.2): not one episode per hole. */
	{"sack five losses one window", true, "cubic", 5, {100, 104, 108, 112, 116}, true, 0, 1},
	{"sack lost retransmission and new losses", true, "cubic", 5, {100, 100, 106, 106, 110},
	 true, 0, 1},
	/* The retransmission is the last segment sent (nothing new to send
	 * after it), so no later delivery can show it lost: probed once
	 * RACK.rtt + reo_wnd + slack after it went out (tcp_rack.c), not
	 * left to the RTO. */
	{"sack lost retransmission, nothing sent after it", true, "cubic", 2, {396, 396}, true, 0,
	 1},
	/* The last segment is lost too, with nothing SACKed above it: RFC
	 * 6675 cannot see it, but it was sent before the retransmission of
	 * 396, so that retransmission's delivery shows it lost (RFC 8985 6.2,
	 * tcp_rack.c): found one RTT after the first loss was repaired
	 * (about 5 delays after it was sent), not by the RTO.  Then its own
	 * retransmission lost as well: probed, with the timer armed when it
	 * went out (no ACK follows to arm it). */
	{"sack lost last segment behind a retransmission", true, "cubic", 2, {396, 399}, true, 0,
	 1, 6},
	{"sack lost last segment and its retransmission", true, "cubic", 3, {396, 399, 399}, true,
	 0, 1, 6},
	/* The retransmission of 60 (150) is lost, new data goes out after it,
	 * and every ACK the receiver sends for the next 3 delays is lost: the
	 * SACKs for that new data, the only evidence RACK (RFC 8985 6.2) has of
	 * the loss.  Nothing else comes back, so without a probe only the RTO
	 * repaired it (212 ms after it was sent); probed once RACK.rtt +
	 * reo_wnd + slack after the last transmission sent after it
	 * (tcp_rack.c), its ACK ends the recovery.  (From about segment 200
	 * on, everything is sent before the retransmission: the row "nothing
	 * sent after it".) */
	{"sack lost retransmission, sacks for the data after it lost", true, "cubic", 2, {60, 60},
	 true, 0, 1, 6, 2, 30, 1},
	{"sack lost retransmission, sacks for the data after it lost, later", true, "newreno", 2,
	 {150, 150}, true, 0, 1, 6, 2, 30, 1},
	/* The same with the SACKs arriving: RACK marks it lost, no probe. */
	{"sack lost retransmission, sacks for the data after it arrive", true, "cubic", 2, {60, 60},
	 true, 0, 1, 0, 0, 0, -1},
};

/* no_tables: neither stack may take loss-recovery tables (struct
 * tcp_recov, as when the heap is exhausted): out-of-order data is dropped,
 * SACK blocks are not kept, so each hole costs the rest of its window and
 * repairs go by NewReno's partial ACKs or the RTO; delivery must stay
 * byte-exact, with every refusal counted. */
static void run_recovery_table(bool no_tables)
{
	for (unsigned i = 0; i < RTE_DIM(recov_cases); i++) {
		const struct recov_case *rc = &recov_cases[i];

		if (no_tables && (rc->n > 3 || rc->max_fr))
			continue; /* the rows about RACK and SACK timing */
		struct drop_plan plan = {0};
		const size_t size = 400 * 1448;
		uint8_t *data = pattern(size, 77);
		const int h = rc->from; /* the sender that loses segments */
		struct tcp_info info;
		uint32_t rto, fr, rexmit;
		struct app a;
		bool ok;

		th_setup(2, true);
		app_set_opts(0, rc->sack, true, true);
		if (no_tables)
			th.h[0].lc.tcp->rv_max = th.h[1].lc.tcp->rv_max = 0;
		plan.from = rc->from;
		if (h)
			plan.ack_data_until = (uint32_t)(size - 40 * 1448);
		plan.n = rc->n;
		plan.ack_after = rc->ack_after;
		plan.ack_ns = (uint64_t)rc->ack_ms * MS;
		for (int k = 0; k < rc->n; k++)
			plan.offs[k] = rc->segs[k] * 1448;
		th.filter = drop_filter;
		th.filter_arg = &plan;
		th.delay_ns = 10 * MS;
		app_init(&a);
		a.tx = data;
		a.tx_len = size;
		/* discard (9) for the client's losses, echo (7) for the server's */
		CU_ASSERT_PTR_NOT_NULL_FATAL(app_connect(&a, 0, 1, AF_INET, h ? 7 : 9, 0, rc->cc));
		ok = false;
		for (int t = 0; t < 3000 && !ok; t++) {
			th_run(10 * MS);
			tcp_get_info(a.c, &info);
			ok = h ? a.rx_len >= size : info.bytes_acked >= size;
		}
		CU_ASSERT(ok);
		if (no_tables) {
			/* byte-exact without tables, every refusal counted */
			if (h)
				CU_ASSERT(a.rx_len == size && memcmp(a.rx, data, size) == 0);
			CU_ASSERT(th_counter_ev(1 - h, RB_EV_TCP_RECOV_NOMEM) >= 1);
			CU_ASSERT(th_counter_drop(1 - h, RB_DROP_TCP_OOO_FULL) >= 1);
			CU_ASSERT_EQUAL(th_counter_ev(0, RB_EV_TCP_RECOV_ALLOC) +
						th_counter_ev(1, RB_EV_TCP_RECOV_ALLOC),
					0);
			CU_ASSERT_EQUAL(th.h[0].lc.tcp->n_recov + th.h[1].lc.tcp->n_recov, 0);
			tcp_abort(a.c);
			th_run(SEC);
			app_free(&a);
			free(data);
			CU_ASSERT_EQUAL(th_teardown(), 0);
			continue;
		}
		CU_ASSERT_EQUAL(plan.dropped, rc->n);
		/* the receiver took tables for its out-of-order islands (and the
		 * SACK sender for its scoreboard) and both gave them back once the
		 * holes were filled: an idle connection holds none */
		CU_ASSERT(th_counter_ev(1 - h, RB_EV_TCP_RECOV_ALLOC) >= 1);
		if (rc->sack)
			CU_ASSERT(th_counter_ev(h, RB_EV_TCP_RECOV_ALLOC) >= 1);
		th_run(100 * MS);
		CU_ASSERT_EQUAL(th.h[0].lc.tcp->n_recov, 0);
		CU_ASSERT_EQUAL(th.h[1].lc.tcp->n_recov, 0);
		tcp_get_info(a.c, &info);
		if (h) {
			CU_ASSERT(a.rx_len == size && memcmp(a.rx, data, size) == 0);
			rto = (uint32_t)th_counter_ev(1, RB_EV_TCP_RTO);
			fr = (uint32_t)th_counter_ev(1, RB_EV_TCP_FAST_RECOVERY);
			rexmit = (uint32_t)th_counter_ev(1, RB_EV_TCP_RETRANSMIT);
		} else {
			rto = info.rto_count;
			fr = info.fast_recoveries;
			rexmit = info.retransmits;
			CU_ASSERT(info.ssthresh < UINT32_MAX / 2);
		}
		/* each hole is repaired about one RTT (2 x delay) after its loss,
		 * by fast retransmit, not a probe or an RTO later */
		for (int k = 0; k < rc->n; k++) {
			uint64_t rep = plan.t_rxt[k] - plan.t_drop[k];

			uint64_t lim = (uint64_t)(rc->rep_delays ? rc->rep_delays : 4) * th.delay_ns;

			if (!plan.t_rxt[k] || rep > lim)
				fprintf(stderr, "\n  recovery '%s': loss %d repaired after %.1f ms",
					rc->name, k, plan.t_rxt[k] ? (double)rep / MS : -1.0);
			CU_ASSERT(plan.t_rxt[k] != 0 && rep <= lim);
		}
		if (!ok || rto || fr == 0)
			fprintf(stderr, "\n  recovery '%s': acked %lu rx %zu rto %u fr %u rexmit %u dupacks %lu\n",
				rc->name, (unsigned long)info.bytes_acked, a.rx_len, rto, fr, rexmit,
				(unsigned long)th_counter_ev(h, RB_EV_TCP_DUPACK_RX));
		CU_ASSERT(fr >= 1);
		if (rc->max_fr && fr > (uint32_t)rc->max_fr)
			fprintf(stderr, "\n  recovery '%s': %u episodes for %d losses\n", rc->name, fr,
				rc->n);
		if (rc->max_fr)
			CU_ASSERT(fr <= (uint32_t)rc->max_fr);
		CU_ASSERT(rexmit >= (uint32_t)rc->n);
		if (rc->expect_no_rto)
			CU_ASSERT_EQUAL(rto, 0);
		/* the ACKs were lost (ack_after), and a probe (counted as a TLP)
		 * repaired the retransmission, not the RTO; or none was needed */
		if ((rc->ack_after && plan.acks_dropped == 0) ||
		    (rc->tlp > 0 && th_counter_ev(h, RB_EV_TCP_TLP) == 0) ||
		    (rc->tlp < 0 && th_counter_ev(h, RB_EV_TCP_TLP) != 0))
			fprintf(stderr, "\n  recovery '%s': %d ACKs dropped, %" PRIu64 " TLPs", rc->name,
				plan.acks_dropped, th_counter_ev(h, RB_EV_TCP_TLP));
		if (rc->ack_after)
			CU_ASSERT(plan.acks_dropped > 0);
		if (rc->tlp > 0)
			CU_ASSERT(th_counter_ev(h, RB_EV_TCP_TLP) >= 1);
		if (rc->tlp < 0)
			CU_ASSERT_EQUAL(th_counter_ev(h, RB_EV_TCP_TLP), 0);
		if (rc->sack)
			CU_ASSERT(th_counter_ev(h, RB_EV_TCP_SACK_RECOVERY) >= 1);
		tcp_abort(a.c);
		th_run(SEC);
		app_free(&a);
		free(data);
		CU_ASSERT_EQUAL(th_teardown(), 0);
	}
}

static void test_recovery_table(void)
{
	run_recovery_table(false);
}

static void test_recovery_no_tables(void)
{
	run_recovery_table(true);
}

/* ---- window scaling: more than 64 KB in flight ---- */
static void test_window_scaling(void)
{
	const size_t size = 8 << 20;
	uint8_t *data = pattern(size, 5);
	struct tcp_info info;
	uint32_t max_inflight = 0;
	struct app a;

	th_setup(2, true);
	tcp_params(&th.h[0].lc)->sndbuf = 4 << 20;
	tcp_params(&th.h[1].lc)->rcvbuf = 4 << 20;
	th.delay_ns = 20 * MS;
	app_init(&a);
	a.tx = data;
	a.tx_len = size;
	CU_ASSERT_PTR_NOT_NULL_FATAL(app_connect(&a, 0, 1, AF_INET, 9, 0, NULL));
	for (int t = 0; t < 2000; t++) {
		th_run(5 * MS);
		tcp_get_info(a.c, &info);
		if (info.inflight > max_inflight)
			max_inflight = info.inflight;
		if (info.bytes_acked >= size)
			break;
	}
	tcp_get_info(a.c, &info);
	CU_ASSERT_EQUAL(info.bytes_acked, size);
	CU_ASSERT_EQUAL(info.snd_wscale, 7); /* 4 MB >> 7 fits 16 bits */
	CU_ASSERT(info.rcv_wscale > 0);
	CU_ASSERT(max_inflight > 4 * 65535);
	CU_ASSERT(info.srtt_us >= 39000 && info.srtt_us <= 60000);
	tcp_abort(a.c);
	th_run(SEC);
	app_free(&a);
	free(data);
	CU_ASSERT_EQUAL(th_teardown(), 0);
}

/* ---- zero window: probes while the reader stalls, then recovery ---- */
static void test_zero_window(void)
{
	const size_t size = 300 << 10;
	uint8_t *data = pattern(size, 9);
	struct app_server srv = {0};
	struct tcp_info info;
	struct app a;
	uint64_t zwp;

	th_setup(2, false);
	tcp_params(&th.h[1].lc)->rcvbuf = 64 << 10;
	srv.tmpl.no_read = true;
	CU_ASSERT_PTR_NOT_NULL_FATAL(app_listen(&srv, 1, 5000, TCP_COOKIES_NEVER, 0, NULL));
	CU_ASSERT_PTR_NOT_NULL_FATAL(app_send_all(&a, AF_INET, 5000, NULL, data, size));
	th_run(20 * SEC);
	tcp_get_info(a.c, &info);
	CU_ASSERT_EQUAL(info.snd_wnd, 0);
	CU_ASSERT(info.bytes_acked >= (60 << 10) && info.bytes_acked <= (66 << 10));
	zwp = th_counter_ev(0, RB_EV_TCP_ZWP);
	CU_ASSERT(zwp >= 3);
	CU_ASSERT(th_counter_drop(1, RB_DROP_TCP_RCVBUF_FULL) >= 1);
	CU_ASSERT(!a.closed);
	/* the reader wakes up: the window opens and the transfer completes */
	CU_ASSERT_EQUAL_FATAL(srv.n, 1);
	srv.apps[0].no_read = false;
	app_read(&srv.apps[0]);
	for (int t = 0; t < 600 && !srv.apps[0].eof; t++) {
		th_run(100 * MS);
		app_read(&srv.apps[0]);
	}
	CU_ASSERT(srv.apps[0].eof);
	CU_ASSERT(srv.apps[0].rx_len == size && memcmp(srv.apps[0].rx, data, size) == 0);
	tcp_abort(a.c);
	if (srv.apps[0].c)
		tcp_abort(srv.apps[0].c);
	th_run(SEC);
	app_free(&a);
	app_free(&srv.apps[0]);
	free(data);
	CU_ASSERT_EQUAL(th_teardown(), 0);
}

/* ---- RTO backoff and giving up ---- */
static void test_rto_timeout(void)
{
	struct app a;
	uint8_t buf[4000] = {1};
	uint64_t rto1;

	th_setup(2, true);
	tcp_params(&th.h[0].lc)->retries = 5;
	app_init(&a);
	CU_ASSERT_PTR_NOT_NULL_FATAL(app_connect(&a, 0, 1, AF_INET, 9, 0, NULL));
	th_run(100 * MS);
	CU_ASSERT_EQUAL_FATAL(a.connected, 1);
	th.h[1].blackhole_rx = true;
	CU_ASSERT_EQUAL(tcp_write(a.c, buf, sizeof(buf)), sizeof(buf));
	th_run(1500 * MS);
	rto1 = th_counter_ev(0, RB_EV_TCP_RTO);
	/* 200 ms, then 400, 800: about three timeouts in 1.5 s, not seven */
	CU_ASSERT(rto1 >= 2 && rto1 <= 4);
	th_run(60 * SEC);
	CU_ASSERT(a.closed);
	CU_ASSERT_EQUAL(a.close_err, -ETIMEDOUT);
	CU_ASSERT_EQUAL(th_counter_ev(0, RB_EV_TCP_RTO), 5);
	CU_ASSERT_EQUAL(th_counter_ev(0, RB_EV_TCP_TIMEOUT), 1);
	CU_ASSERT_EQUAL(th.h[0].lc.tcp->n_conns, 0);
	th.h[1].blackhole_rx = false;
	th_run(100 * SEC);
	CU_ASSERT_EQUAL(th_teardown(), 0);
	app_free(&a);
}

/* ---- keepalive on a dead peer ---- */
static void test_keepalive(void)
{
	struct tcp_params *p;
	struct app a;

	th_setup(2, true);
	p = tcp_params(&th.h[0].lc);
	p->keepalive_ms = 2000;
	p->keepalive_intvl_ms = 500;
	p->keepalive_probes = 3;
	app_init(&a);
	CU_ASSERT_PTR_NOT_NULL_FATAL(app_connect(&a, 0, 1, AF_INET, 9, 0, NULL));
	th_run(3 * SEC);
	/* a live peer answers the probes */
	CU_ASSERT(th_counter_ev(0, RB_EV_TCP_KEEPALIVE) >= 1);
	CU_ASSERT(!a.closed);
	th.h[1].blackhole_rx = true;
	th_run(10 * SEC);
	CU_ASSERT(a.closed);
	CU_ASSERT_EQUAL(a.close_err, -ETIMEDOUT);
	th.h[1].blackhole_rx = false;
	th_run(100 * SEC);
	CU_ASSERT_EQUAL(th_teardown(), 0);
	app_free(&a);
}

/* ---- half-close: data keeps flowing towards the side that sent FIN ---- */
static void test_half_close(void)
{
	const size_t up = 10000, down = 200000;
	uint8_t *d_up = pattern(up, 1), *d_down = pattern(down, 2);
	struct app_server srv = {0};
	struct app a;
	struct tcp_info info;

	th_setup(2, false);
	CU_ASSERT_PTR_NOT_NULL_FATAL(app_listen(&srv, 1, 6000, TCP_COOKIES_NEVER, 0, NULL));
	CU_ASSERT_PTR_NOT_NULL_FATAL(app_send_all(&a, AF_INET, 6000, NULL, d_up, up));
	th_run(2 * SEC);
	CU_ASSERT_EQUAL_FATAL(srv.n, 1);
	CU_ASSERT(srv.apps[0].eof);
	CU_ASSERT(srv.apps[0].rx_len == up && memcmp(srv.apps[0].rx, d_up, up) == 0);
	tcp_get_info(a.c, &info);
	CU_ASSERT_EQUAL(info.state, TCPS_FIN_WAIT_2);
	tcp_get_info(srv.apps[0].c, &info);
	CU_ASSERT_EQUAL(info.state, TCPS_CLOSE_WAIT);
	/* now the server answers on its half and closes */
	srv.apps[0].tx = d_down;
	srv.apps[0].tx_len = down;
	srv.apps[0].shut_after_tx = true;
	app_pump(&srv.apps[0]);
	th_run(5 * SEC);
	CU_ASSERT(a.eof);
	CU_ASSERT(a.rx_len == down && memcmp(a.rx, d_down, down) == 0);
	/* the active closer is in TIME_WAIT, the passive one is gone */
	CU_ASSERT_PTR_NOT_NULL_FATAL(a.c);
	tcp_get_info(a.c, &info);
	CU_ASSERT_EQUAL(info.state, TCPS_TIME_WAIT);
	CU_ASSERT(srv.apps[0].closed);
	CU_ASSERT_EQUAL(srv.apps[0].close_err, 0);
	tcp_close(a.c);
	CU_ASSERT_EQUAL(th.h[0].lc.tcp->n_tw, 1);
	th_run(61 * SEC);
	CU_ASSERT_EQUAL(th.h[0].lc.tcp->n_tw, 0);
	CU_ASSERT_EQUAL(th.h[0].lc.tcp->n_conns, 0);
	app_free(&a);
	app_free(&srv.apps[0]);
	free(d_up);
	free(d_down);
	CU_ASSERT_EQUAL(th_teardown(), 0);
}

/* ---- chargen and discard ---- */
static void test_chargen_discard(void)
{
	struct app a, b;
	uint8_t *data = pattern(100000, 3);
	struct tcp_info info;

	th_setup(2, true);
	app_init(&a);
	CU_ASSERT_PTR_NOT_NULL_FATAL(app_connect(&a, 0, 1, AF_INET, 19, 0, NULL));
	th_run(500 * MS);
	CU_ASSERT_FATAL(a.rx_len >= 74 * 95);
	/* RFC 864: 72 printable characters and CR LF, each line shifted by one */
	for (size_t i = 0; i < 74 * 95; i++) {
		size_t line = i / 74, col = i % 74;
		char want = col == 72 ? '\r' : col == 73 ? '\n' : (char)(' ' + (line + col) % 95);

		if (a.rx[i] != (uint8_t)want) {
			CU_FAIL("chargen pattern");
			break;
		}
	}
	tcp_abort(a.c);
	CU_ASSERT_PTR_NOT_NULL_FATAL(app_send_all(&b, AF_INET, 9, NULL, data, 100000));
	th_run(2 * SEC);
	CU_ASSERT(b.eof);
	CU_ASSERT_EQUAL(b.rx_len, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(b.c);
	tcp_get_info(b.c, &info);
	CU_ASSERT_EQUAL(info.bytes_acked, 100001); /* data + FIN */
	tcp_close(b.c);
	th_run(100 * SEC);
	app_free(&a);
	app_free(&b);
	free(data);
	CU_ASSERT_EQUAL(th_teardown(), 0);
}

void test_tcp_data_register(CU_pSuite s);

void test_tcp_data_register(CU_pSuite s)
{
	CU_add_test(s, "echo under loss/dup/reorder (table)", test_echo_table);
	CU_add_test(s, "echo table on TSO ports", test_echo_table_tso);
	CU_add_test(s, "echo table with RX bursts, without and with TSO", test_echo_table_burst);
	CU_add_test(s, "rx_burst: on_readable once per input pass", test_readable_per_pass);
	CU_add_test(s, "SACK and NewReno recovery (table)", test_recovery_table);
	CU_add_test(s, "recovery without loss-recovery tables (table)", test_recovery_no_tables);
	CU_add_test(s, "window scaling", test_window_scaling);
	CU_add_test(s, "zero window probing", test_zero_window);
	CU_add_test(s, "RTO backoff and timeout", test_rto_timeout);
	CU_add_test(s, "keepalive", test_keepalive);
	CU_add_test(s, "half-close", test_half_close);
	CU_add_test(s, "chargen and discard", test_chargen_discard);
}
