/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The TCP stack inside the real worker loop (rb_worker_iter over the
 * in-process ring ports of net_fixture.c): a retransmission or loss-probe
 * timer must not fire for a segment whose ACK is already waiting in the
 * port's RX ring when the timer expires (worker.c drains RX before it runs
 * the timers; RFC 6298 5, RFC 8985 7.3).
 *
 * N peers (more than one RX burst) each open a connection to the diag
 * echo service and send a few bytes; the echo goes out and arms each
 * connection's PTO/RTO.  Then every peer's ACK of its echo is queued on
 * the RX ring, the clock is moved past every timer, and the loop runs
 * once.  Table rows: ACKs queued (no retransmission, probe or RTO at
 * all) and ACKs lost (every timer fires: the test can see a retransmit).
 */
#include <stdio.h>
#include <string.h>
#include <CUnit/Basic.h>
#include <rte_cycles.h>
#include <rte_ip.h>
#include <rte_tcp.h>
#include "dataplane/worker.h"
#include "dataplane/tcp/tcp.h"
#include "dataplane/tcp/tcp_priv.h"
#include "dataplane/tcp/tcp_wire.h"
#include "cunit_fixture.h"
#include "net_fixture.h"

#define TW_PORT  0
#define TW_HOST  2       /* peer 10.1.0.2, MAC 02:00:00:00:00:02 */
#define TW_CONNS 80      /* more than two bursts of 32 */

static const char tw_cfg[] =
	"dataplane = { lcores = 1;\n"
	" ports = ( { name = \"a\"; device = \"net_ring_fx0\"; addresses = [\"10.1.0.1/24\"]; } );\n"
	" neighbors = ( { ip = \"10.1.0.2\"; mac = \"02:00:00:00:00:02\"; port = \"a\"; } );\n"
	"};\n"
	"services = ( { type = \"diag\"; tag = \"diag\"; echo = 7; } );\n";

struct tw_peer {
	uint16_t sport;
	uint32_t snd_nxt;    /* our next sequence number */
	uint32_t rcv_nxt;    /* next byte expected from the dataplane */
};

static struct tw_peer peers[TW_CONNS];
static struct fx_frame out[4 * TW_CONNS];

/* A frame from the peer: TCP with SACK-permitted on SYNs, then payload. */
static uint16_t tw_frame(uint8_t *buf, const struct tw_peer *p, uint8_t flags,
			 const void *data, uint16_t len)
{
	uint8_t l4[64 + 128];
	struct rte_tcp_hdr *t = (struct rte_tcp_hdr *)l4;
	unsigned hl = 20;
	struct fx_ip4 ip = {.src = fx_ip("10.1.0.2"), .dst = fx_ip("10.1.0.1"),
			    .proto = IPPROTO_TCP, .ttl = 64};
	uint16_t n, l2 = 14;

	memset(l4, 0, sizeof(l4));
	if (flags & TCP_SYN) {
		/* MSS 1460, NOP NOP SACK-permitted (RFC 2018 2) */
		const uint8_t o[] = {2, 4, 0x05, 0xb4, 1, 1, 4, 2};

		memcpy(l4 + 20, o, sizeof(o));
		hl += sizeof(o);
	}
	t->src_port = rte_cpu_to_be_16(p->sport);
	t->dst_port = rte_cpu_to_be_16(7);
	t->sent_seq = rte_cpu_to_be_32(p->snd_nxt);
	t->recv_ack = rte_cpu_to_be_32((flags & TCP_ACK) ? p->rcv_nxt : 0);
	t->data_off = (uint8_t)((hl / 4) << 4);
	t->tcp_flags = flags;
	t->rx_win = rte_cpu_to_be_16(65535);
	if (len)
		memcpy(l4 + hl, data, len);
	n = fx_frame_ip4(buf, TW_PORT, TW_HOST, &ip, l4, (uint16_t)(hl + len));
	t = (struct rte_tcp_hdr *)(buf + l2 + 20);
	t->cksum = 0;
	t->cksum = rte_ipv4_udptcp_cksum((const struct rte_ipv4_hdr *)(buf + l2), t);
	return n;
}

struct tw_seg {
	uint16_t dport;
	uint32_t seq, ack, len;
	uint8_t flags;
};

static int tw_parse(const struct fx_frame *f, struct tw_seg *s)
{
	const uint8_t *ip = f->data + 14;
	const struct rte_tcp_hdr *t;
	unsigned il, hl;

	if (f->len < 14 + 40 || ip[9] != IPPROTO_TCP)
		return -1;
	il = (ip[0] & 0xf) * 4u;
	t = (const struct rte_tcp_hdr *)(ip + il);
	hl = (t->data_off >> 4) * 4u;
	s->dport = rte_be_to_cpu_16(t->dst_port);
	s->seq = rte_be_to_cpu_32(t->sent_seq);
	s->ack = rte_be_to_cpu_32(t->recv_ack);
	s->flags = t->tcp_flags;
	s->len = (uint32_t)(rte_be_to_cpu_16(((const struct rte_ipv4_hdr *)ip)->total_length) -
			    il - hl);
	return 0;
}

static struct tw_peer *tw_peer_of(uint16_t dport)
{
	for (int i = 0; i < TW_CONNS; i++)
		if (peers[i].sport == dport)
			return &peers[i];
	return NULL;
}

/* Open every connection and have each echo 8 bytes, all at clock `t`
 * (fx_inject: straight into rb_eth_input, not through the RX ring).
 * Leaves each peer's rcv_nxt past the echo, not yet acknowledged. */
static void tw_open_and_echo(uint64_t t)
{
	uint8_t buf[256];
	struct tw_seg s;
	int n, echoed;

	fx_set_now(t);
	for (int i = 0; i < TW_CONNS; i++) {
		peers[i] = (struct tw_peer){.sport = (uint16_t)(41000 + i), .snd_nxt = 1000u * i};
		CU_ASSERT_EQUAL(fx_inject(TW_PORT, buf, tw_frame(buf, &peers[i], TCP_SYN, NULL, 0)),
				0);
		peers[i].snd_nxt++;
	}
	n = fx_collect(TW_PORT, out, (int)RTE_DIM(out));
	CU_ASSERT_EQUAL_FATAL(n, TW_CONNS);
	for (int i = 0; i < n; i++) {
		struct tw_peer *p;

		CU_ASSERT_FATAL(tw_parse(&out[i], &s) == 0);
		CU_ASSERT_EQUAL(s.flags, TCP_SYN | TCP_ACK);
		p = tw_peer_of(s.dport);
		CU_ASSERT_FATAL(p != NULL);
		p->rcv_nxt = s.seq + 1;
	}
	/* 100 us later: ACK + 8 bytes each (an RTT sample for the SYN-ACK) */
	fx_set_now(t + rte_get_tsc_hz() / 10000);
	for (int i = 0; i < TW_CONNS; i++) {
		CU_ASSERT_EQUAL(fx_inject(TW_PORT, buf, tw_frame(buf, &peers[i], TCP_ACK | TCP_PSH,
								 "echo me!", 8)),
				0);
		peers[i].snd_nxt += 8;
	}
	n = fx_collect(TW_PORT, out, (int)RTE_DIM(out));
	echoed = 0;
	for (int i = 0; i < n; i++) {
		struct tw_peer *p;

		CU_ASSERT_FATAL(tw_parse(&out[i], &s) == 0);
		p = tw_peer_of(s.dport);
		CU_ASSERT_FATAL(p != NULL);
		if (s.len == 8) {
			CU_ASSERT_EQUAL(s.seq, p->rcv_nxt);
			p->rcv_nxt += 8;
			echoed++;
		}
	}
	CU_ASSERT_EQUAL_FATAL(echoed, TW_CONNS);
}

struct tw_case {
	const char *name;
	int ack_queued;          /* the peers' ACKs wait in the RX ring */
	int fires;               /* timers expected to fire: 0 or TW_CONNS */
};

static const struct tw_case tw_cases[] = {
	{"ACKs queued in the RX ring: no timer fires", 1, 0},
	{"ACKs lost: every connection's timer fires", 0, TW_CONNS},
};

static void test_timer_after_rx(void)
{
	for (unsigned k = 0; k < RTE_DIM(tw_cases); k++) {
		const struct tw_case *tc = &tw_cases[k];
		uint64_t hz = rte_get_tsc_hz(), fired;
		uint8_t buf[256];
		struct fx_snap s0;
		int n, rexmit = 0;

		CU_ASSERT_EQUAL_FATAL(fx_setup(tw_cfg), 0);
		/* Everything so far happened 5 s ago: every PTO/RTO has expired
		 * on the real clock rb_worker_iter reads. */
		tw_open_and_echo(rte_rdtsc() - 5 * hz);
		fx_snap_take(&s0);
		CU_ASSERT_EQUAL(fx_snap_event(&s0, RB_EV_TCP_ESTABLISHED), 0);
		CU_ASSERT_EQUAL(fx_stat_event(RB_EV_TCP_ESTABLISHED), TW_CONNS);
		if (tc->ack_queued)
			for (int i = 0; i < TW_CONNS; i++)
				fx_rx(TW_PORT, buf, tw_frame(buf, &peers[i], TCP_ACK, NULL, 0));
		/* The timer wheel stands at the (real) time of fx_setup and
		 * moves in 1 ms ticks: let a few pass, so that the wheel slot
		 * of the (long expired) timers comes round in this iteration. */
		rte_delay_us_sleep(5000);
		rb_worker_iter(fx_lc(0));
		fired = fx_snap_event(&s0, RB_EV_TCP_TLP) + fx_snap_event(&s0, RB_EV_TCP_RTO);
		n = fx_collect(TW_PORT, out, (int)RTE_DIM(out));
		for (int i = 0; i < n; i++) {
			struct tw_seg s;

			if (tw_parse(&out[i], &s) == 0 && s.len > 0)
				rexmit++;
		}
		printf("\n  %s: %llu timers fired, %llu retransmits, %d data segments out",
		       tc->name, (unsigned long long)fired,
		       (unsigned long long)fx_snap_event(&s0, RB_EV_TCP_RETRANSMIT), rexmit);
		CU_ASSERT_EQUAL(fired, (uint64_t)tc->fires);
		CU_ASSERT_EQUAL(fx_snap_event(&s0, RB_EV_TCP_RETRANSMIT), (uint64_t)tc->fires);
		CU_ASSERT_EQUAL(rexmit, tc->fires);
		CU_ASSERT_EQUAL(fx_snap_drops(&s0), 0);
		fx_teardown();
		CU_ASSERT_EQUAL(fx_mbufs_in_use(), 0);
	}
}

/* ---- on_readable once per RX burst (tcp_params rd_burst, rx_burst) ----
 * Two peers' data interleaved in one RX burst, six 100-byte segments each:
 * with rd_burst (or rx_burst, the default, whose bracket defers
 * on_readable too) the echo service is told once per connection at the
 * burst's end and echoes 600 bytes in one segment; with neither, once per
 * segment, six echoes of 100 bytes.  Either way every byte comes back in
 * order. */
struct rb_case {
	const char *name;
	uint8_t rd_burst, rx_burst;
	int segs_per_peer;       /* echo segments each peer gets */
};

static const struct rb_case rb_cases[] = {
	{"rd_burst 1: one on_readable per connection and burst", 1, 0, 1},
	{"rd_burst 0: one on_readable per segment", 0, 0, 6},
	{"rd_burst 0, rx_burst 1: once per connection and burst", 0, 1, 1},
	{"rd_burst 1, rx_burst 1 (the defaults)", 1, 1, 1},
};

static void test_rd_burst(void)
{
	for (unsigned k = 0; k < RTE_DIM(rb_cases); k++) {
		const struct rb_case *rc = &rb_cases[k];
		uint8_t buf[256], data[100];
		int segs[2] = {0, 0}, n;
		uint32_t got[2] = {0, 0};
		struct fx_snap s0;

		CU_ASSERT_EQUAL_FATAL(fx_setup(tw_cfg), 0);
		tcp_params(fx_lc(0))->rd_burst = rc->rd_burst;
		tcp_params(fx_lc(0))->rx_burst = rc->rx_burst;
		tw_open_and_echo(rte_rdtsc());
		fx_snap_take(&s0);
		for (int j = 0; j < 6; j++) {
			for (int i = 0; i < 2; i++) {
				memset(data, 'a' + 6 * i + j, sizeof(data));
				fx_rx(TW_PORT, buf, tw_frame(buf, &peers[i], TCP_ACK, data, sizeof(data)));
				peers[i].snd_nxt += sizeof(data);
			}
		}
		rb_worker_iter(fx_lc(0));
		n = fx_collect(TW_PORT, out, (int)RTE_DIM(out));
		for (int f = 0; f < n; f++) {
			struct tw_seg sg;
			int i;

			if (tw_parse(&out[f], &sg) != 0 || sg.len == 0)
				continue;
			i = sg.dport == peers[0].sport ? 0 : sg.dport == peers[1].sport ? 1 : -1;
			CU_ASSERT_FATAL(i >= 0);
			/* in order, no gap: each echo starts where the last ended */
			CU_ASSERT_EQUAL(sg.seq, peers[i].rcv_nxt + got[i]);
			got[i] += sg.len;
			segs[i]++;
		}
		printf("\n  %s: echo segments %d / %d, bytes %u / %u", rc->name, segs[0], segs[1],
		       got[0], got[1]);
		for (int i = 0; i < 2; i++) {
			CU_ASSERT_EQUAL(got[i], 600);
			CU_ASSERT_EQUAL(segs[i], rc->segs_per_peer);
		}
		CU_ASSERT_EQUAL(fx_snap_drops(&s0), 0);
		fx_teardown();
		CU_ASSERT_EQUAL(fx_mbufs_in_use(), 0);
	}
}

/* ---- dataplane.tcp reaches the diag listeners ----
 * tcp_lcore_init applies the config's dataplane.tcp before it opens the
 * diag services, so their listener and every connection it accepts use
 * congestion_control, syn_cookies, backlog and rto_min_ms from the file. */
struct dc_case {
	const char *tcp;         /* dataplane.tcp's keys */
	const char *cc;
	uint8_t cookies;         /* the listener's mode */
	uint32_t backlog;
	uint64_t cookies_sent;   /* of TW_CONNS SYNs */
	/* every connection's RTO after the handshake: rto_min_ms over an
	 * RTT sample of 100 us, or rto_init_ms (1 s) where the handshake went
	 * through a cookie (no sample: the peers send no timestamps) */
	uint32_t rto_lo_us, rto_hi_us;
};

static const struct dc_case dc_cases[] = {
	{"", "cubic", TCP_COOKIES_AUTO, 1024, 0, 200000, 201000},
	{"congestion_control = \"newreno\"; syn_cookies = \"always\";", "newreno",
	 TCP_COOKIES_ALWAYS, 1024, TW_CONNS, 1000000, 1000000},
	{"backlog = 16; congestion_control = \"cubic\";", "cubic", TCP_COOKIES_AUTO, 16,
	 TW_CONNS - 16, 200000, 1000000},
	{"congestion_control = \"newreno\"; rto_min_ms = 300; syn_cookies = \"never\";", "newreno",
	 TCP_COOKIES_NEVER, 1024, 0, 300000, 301000},
};

static void test_diag_cfg(void)
{
	for (unsigned k = 0; k < RTE_DIM(dc_cases); k++) {
		const struct dc_case *dc = &dc_cases[k];
		char cfg[1024];
		const uint8_t lo[4] = {10, 1, 0, 1};
		struct tcp_listener *l;
		struct fx_snap s0;
		int n_cc = 0, n_rto = 0;

		snprintf(cfg, sizeof(cfg),
			 "dataplane = { lcores = 1; tcp = { %s };\n"
			 " ports = ( { name = \"a\"; device = \"net_ring_fx0\"; addresses = [\"10.1.0.1/24\"]; } );\n"
			 " neighbors = ( { ip = \"10.1.0.2\"; mac = \"02:00:00:00:00:02\"; port = \"a\"; } );\n"
			 "};\n"
			 "services = ( { type = \"diag\"; tag = \"diag\"; echo = 7; } );\n",
			 dc->tcp);
		CU_ASSERT_EQUAL_FATAL(fx_setup(cfg), 0);
		fx_snap_take(&s0);
		l = tcp_listener_lookup(fx_lc(0)->tcp, AF_INET, lo, rte_cpu_to_be_16(7));
		CU_ASSERT_PTR_NOT_NULL_FATAL(l);
		CU_ASSERT_STRING_EQUAL(l->cc->name, dc->cc);
		CU_ASSERT_EQUAL(l->cookies, dc->cookies);
		CU_ASSERT_EQUAL(l->backlog, dc->backlog);
		tw_open_and_echo(rte_rdtsc());
		for (int i = 0; i < TW_CONNS; i++) {
			struct tcp_key key = {.family = AF_INET,
					      .lport = rte_cpu_to_be_16(7),
					      .rport = rte_cpu_to_be_16(peers[i].sport)};
			struct tcp_conn *c;
			struct tcp_info ti;

			memcpy(key.laddr, lo, 4);
			memcpy(key.raddr, (const uint8_t[4]){10, 1, 0, 2}, 4);
			c = tcp_conn_lookup(fx_lc(0)->tcp, &key);
			CU_ASSERT_PTR_NOT_NULL_FATAL(c);
			tcp_get_info(c, &ti);
			n_cc += strcmp(ti.cc, dc->cc) == 0;
			n_rto += ti.rto_us >= dc->rto_lo_us && ti.rto_us <= dc->rto_hi_us;
		}
		printf("\n  dataplane.tcp { %s }: listener %s, %d/%d connections %s, %llu cookies,"
		       " %d RTOs in %u..%u us",
		       dc->tcp, l->cc->name, n_cc, TW_CONNS, dc->cc,
		       (unsigned long long)fx_snap_event(&s0, RB_EV_TCP_SYNCOOKIE_SENT), n_rto,
		       dc->rto_lo_us, dc->rto_hi_us);
		CU_ASSERT_EQUAL(n_cc, TW_CONNS);
		CU_ASSERT_EQUAL(n_rto, TW_CONNS);
		CU_ASSERT_EQUAL(fx_snap_event(&s0, RB_EV_TCP_SYNCOOKIE_SENT), dc->cookies_sent);
		CU_ASSERT_EQUAL(fx_snap_event(&s0, RB_EV_TCP_SYNCOOKIE_OK), dc->cookies_sent);
		fx_teardown();
		CU_ASSERT_EQUAL(fx_mbufs_in_use(), 0);
	}
}

static CU_TestInfo tw_tests[] = {
	{"timers run after the RX ring is drained", test_timer_after_rx},
	{"on_readable once per RX burst (table)", test_rd_burst},
	{"dataplane.tcp reaches the diag listeners (table)", test_diag_cfg},
	CU_TEST_INFO_NULL,
};

static CU_SuiteInfo tw_suites[] = {
	{"tcp_worker", NULL, NULL, NULL, NULL, tw_tests},
	CU_SUITE_INFO_NULL,
};

static int tw_register(void)
{
	return CU_register_suites(tw_suites) == CUE_SUCCESS ? 0 : -1;
}

int main(int argc, char **argv)
{
	(void)argc;
	return fx_cunit_main(argv[0], "test_tcp_worker", tw_register, 0);
}
