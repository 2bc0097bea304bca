/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TCP over the port model's NICs (tests/unit/test_tcp_harness.c
 * th_port_model): checksum offload, zero-copy transmit, TSO
 * super-segments and the port's mbufs per frame, byte-exact under loss,
 * reordering, duplication and corruption; the RX checksum flags trusted.
 * (Split from test_tcp_data.c; registered by test_tcp.c.)
 */
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

/* ---- ports: checksum offload and zero-copy transmit ---- */
#define OFFL_CKSUM (RTE_ETH_TX_OFFLOAD_IPV4_CKSUM | RTE_ETH_TX_OFFLOAD_TCP_CKSUM)
#define OFFL_CHAINS RTE_ETH_TX_OFFLOAD_MULTI_SEGS
/* TCP segmentation offload as drivers/port.c enables it: with chains and
 * the checksum offload */
#define OFFL_TSO (OFFL_CKSUM | OFFL_CHAINS | RTE_ETH_TX_OFFLOAD_TCP_TSO)

struct port_case {
	const char *name;
	bool nic;              /* the port model (else the sent mbufs are delivered) */
	uint64_t tx_offloads;
	bool rx_cksum, zc;
	uint32_t loss_ppm, reorder_ppm, dup_ppm, corrupt_ppm;
	bool sack;
	int family;
	size_t size;
	/* zc_tx 2, the default (else zc: 1, or 0): in place, and TSO
	 * super-segments referenced in the send queue */
	bool zc_default;
	uint16_t seg_max; /* the port's mbufs per frame (0: no bound) */
};

static const struct port_case port_cases[] = {
	{"no offloads (af_xdp)", true, 0, false, false, 0, 0, 0, 0, true, AF_INET, 1 << 20},
	{"no offloads, zc asked, no chains", true, 0, false, true, 10000, 0, 0, 0, true, AF_INET,
	 512 << 10},
	{"cksum offload", true, OFFL_CKSUM, true, false, 0, 0, 0, 0, true, AF_INET, 1 << 20},
	{"cksum offload v6", true, OFFL_CKSUM, true, false, 0, 0, 0, 0, true, AF_INET6, 1 << 20},
	{"tx cksum offload, rx software", true, OFFL_CKSUM, false, false, 0, 0, 0, 0, true,
	 AF_INET, 1 << 20},
	{"zc, cksum offload", true, OFFL_CKSUM | OFFL_CHAINS, true, true, 0, 0, 0, 0, true, AF_INET,
	 1 << 20},
	{"zc, software cksum", true, OFFL_CHAINS, false, true, 0, 0, 0, 0, true, AF_INET, 1 << 20},
	{"zc, 2% loss+reorder+dup, sack", true, OFFL_CKSUM | OFFL_CHAINS, true, true, 20000, 20000,
	 20000, 0, true, AF_INET, 512 << 10},
	{"zc, 3% loss, no sack, v6", true, OFFL_CKSUM | OFFL_CHAINS, true, true, 30000, 0, 0, 0,
	 false, AF_INET6, 256 << 10},
	{"chains, 2% corrupt, rx offload", true, OFFL_CKSUM | OFFL_CHAINS, true, true, 0, 0, 0,
	 20000, true, AF_INET, 512 << 10},
	{"copy, 2% corrupt, rx software", true, OFFL_CKSUM, false, false, 0, 0, 0, 20000, true,
	 AF_INET, 512 << 10},
	{"2% corrupt, no offloads", true, 0, false, false, 10000, 0, 0, 20000, true, AF_INET6,
	 256 << 10},
	{"tso", true, OFFL_TSO, true, false, 0, 0, 0, 0, true, AF_INET, 1 << 20},
	{"tso v6", true, OFFL_TSO, true, false, 0, 0, 0, 0, true, AF_INET6, 1 << 20},
	{"tso, zc", true, OFFL_TSO, true, true, 0, 0, 0, 0, true, AF_INET, 1 << 20},
	{"tso, 2% loss+reorder+dup, sack", true, OFFL_TSO, true, false, 20000, 20000, 20000, 0,
	 true, AF_INET, 512 << 10},
	{"tso, zc, 3% loss, no sack, v6", true, OFFL_TSO, true, true, 30000, 0, 0, 0, false,
	 AF_INET6, 256 << 10},
	{"tso, 2% corrupt, rx software", true, OFFL_TSO, false, false, 0, 0, 0, 20000, true,
	 AF_INET, 512 << 10},
	{"tso, default zc", true, OFFL_TSO, true, true, 0, 0, 0, 0, true, AF_INET, 1 << 20, true},
	{"tso, default zc, v6, 2% loss+reorder+dup", true, OFFL_TSO, true, true, 20000, 20000,
	 20000, 0, true, AF_INET6, 512 << 10, true},
	/* a PMD's tx_desc_lim.nb_seg_max: super-segments shortened to whole
	 * segments within it (tcp_tso_seg_max), none refused */
	{"tso, default zc, 3 mbufs a frame", true, OFFL_TSO, true, true, 0, 0, 0, 0, true, AF_INET,
	 1 << 20, true, 3},
	{"tso, zc, 4 mbufs a frame, 2% loss, no sack", true, OFFL_TSO, true, true, 20000, 0, 0, 0,
	 false, AF_INET, 512 << 10, false, 4},
	{"tso, copy, 3 mbufs a frame", true, OFFL_TSO, true, false, 0, 0, 0, 0, true, AF_INET6,
	 512 << 10, false, 3},
	/* the receiver holds the sender's chains themselves (indirect mbufs
	 * into its send queue), as a loop through one stack would */
	{"zc, chains delivered as sent, 1% loss", false, OFFL_CHAINS, false, true, 10000, 10000, 0,
	 0, true, AF_INET, 512 << 10},
};

static void test_port_table(void)
{
	for (unsigned i = 0; i < RTE_DIM(port_cases); i++) {
		const struct port_case *pc = &port_cases[i];
		uint8_t *data = pattern(pc->size, i + 11);
		uint64_t bad_csum;
		struct app a;
		bool ok;

		th_setup(2, true);
		th.port_seg_max = pc->seg_max;
		if (pc->nic)
			th_port_model(pc->tx_offloads, pc->rx_cksum);
		else
			for (int h = 0; h < 2; h++)
				th.h[h].dp.ports[0].tx_offloads = pc->tx_offloads;
		th.loss_ppm = pc->loss_ppm;
		th.reorder_ppm = pc->reorder_ppm;
		th.dup_ppm = pc->dup_ppm;
		th.corrupt_ppm = pc->corrupt_ppm;
		th.rng += i;
		for (int h = 0; h < 2; h++) {
			app_set_opts(h, pc->sack, true, true);
			tcp_params(&th.h[h].lc)->zc_tx = pc->zc_default ? 2 : pc->zc;
		}
		CU_ASSERT_PTR_NOT_NULL_FATAL(app_send_all(&a, pc->family, 7, NULL, data, pc->size));
		ok = th_run_until(app_finished, &a, 900 * SEC);
		bad_csum = th_counter_drop(0, RB_DROP_TCP_BAD_CSUM) +
			   th_counter_drop(1, RB_DROP_TCP_BAD_CSUM);
		fprintf(stderr,
			"\n  port '%s': done %d rx %zu/%zu, chains %" PRIu64 ", corrupted %" PRIu64
			", flagged bad %" PRIu64 ", bad checksum drops %" PRIu64
			", retransmits %" PRIu64 ", longest frame %" PRIu64 " mbufs, shortened %" PRIu64
			"/%" PRIu64,
			pc->name, ok, a.rx_len, pc->size, th.tx_chains, th.corrupted,
			th.rx_cksum_bad, bad_csum,
			th_counter_ev(0, RB_EV_TCP_RETRANSMIT) +
				th_counter_ev(1, RB_EV_TCP_RETRANSMIT),
			th.tx_seg_most, th_counter_ev(0, RB_EV_TCP_TSO_SEG_MAX),
			th_counter_ev(1, RB_EV_TCP_TSO_SEG_MAX));
		CU_ASSERT(ok);
		CU_ASSERT(a.rx_len == pc->size && memcmp(a.rx, data, pc->size) == 0);
		CU_ASSERT(a.eof);
		CU_ASSERT_EQUAL(th.oversize, 0);
		/* offload flags only where the port offers them */
		CU_ASSERT_EQUAL(th.nic_bad_flags, 0);
		/* super-segments exactly where the port offers TSO, every one
		 * cut into more than one wire segment */
		CU_ASSERT((pc->tx_offloads & RTE_ETH_TX_OFFLOAD_TCP_TSO)
				  ? th.tso_frames > 0 && th.tso_pieces > th.tso_frames
				  : th.tso_frames == 0);
		if (!pc->nic) {
			/* not counted without the port model */
		} else if (pc->tx_offloads & OFFL_CHAINS) {
			/* chains used exactly when asked for (on a TSO port the
			 * data goes in super-segments, cut before the NICs
			 * count chains: their references into the send queue) */
			CU_ASSERT(pc->zc ? th.tx_chains + th.tso_zc > 0
					 : th.tx_chains == 0 && th.tso_zc == 0);
		} else {
			/* one mbuf per segment for a port without chains */
			CU_ASSERT_EQUAL(th.tx_chains, 0);
			CU_ASSERT_EQUAL(th.tx_linearized, 0);
		}
		/* every corrupted frame dropped and counted, flagged by the NIC
		 * or found by the software check; or, the flip in a pure ACK's
		 * data offset, as too short before any sum (tcp_input_one) */
		if (pc->corrupt_ppm)
			CU_ASSERT(th.corrupted > 0);
		CU_ASSERT_EQUAL(bad_csum + th_counter_drop(0, RB_DROP_TCP_SHORT) +
					th_counter_drop(1, RB_DROP_TCP_SHORT),
				th.corrupted);
		CU_ASSERT_EQUAL(th.rx_cksum_bad, pc->rx_cksum ? th.corrupted : 0);
		/* no frame over the port's mbufs; shortened super-segments
		 * exactly where a bound made the copy or the references
		 * need more */
		CU_ASSERT_EQUAL(th.tx_seg_over, 0);
		if (pc->seg_max) {
			CU_ASSERT(th.tx_seg_most <= pc->seg_max);
			CU_ASSERT(th_counter_ev(0, RB_EV_TCP_TSO_SEG_MAX) > 0);
		} else {
			CU_ASSERT_EQUAL(th_counter_ev(0, RB_EV_TCP_TSO_SEG_MAX), 0);
		}
		/* the default zero copy references super-segments */
		if (pc->zc_default && (pc->tx_offloads & RTE_ETH_TX_OFFLOAD_TCP_TSO))
			CU_ASSERT(th.tso_zc > 0);
		if (a.c)
			tcp_close(a.c);
		th.loss_ppm = th.dup_ppm = th.reorder_ppm = th.corrupt_ppm = 0;
		th_run(200 * SEC);
		CU_ASSERT(app_all_freed());
		app_free(&a);
		free(data);
		/* no mbuf (header, reference or referenced buffer) left behind */
		CU_ASSERT_EQUAL(th_teardown(), 0);
	}
}

/* ---- the RX checksum flags are trusted ---- */
struct rxflag_case {
	const char *name;
	uint64_t ol_flags;
	bool corrupt;          /* a wrong checksum in the segment */
	bool accepted;
};

static const struct rxflag_case rxflag_cases[] = {
	{"good segment, no flag", 0, false, true},
	{"bad segment, no flag", 0, true, false},
	{"good segment flagged bad", RTE_MBUF_F_RX_L4_CKSUM_BAD, false, false},
	{"bad segment flagged good", RTE_MBUF_F_RX_L4_CKSUM_GOOD, true, true},
	{"bad segment flagged unknown", RTE_MBUF_F_RX_L4_CKSUM_UNKNOWN, true, false},
	{"good segment flagged good", RTE_MBUF_F_RX_L4_CKSUM_GOOD, false, true},
};

static void test_rx_cksum_flags(void)
{
	struct app_server srv = {0};
	struct app a;
	uint8_t opt[12] = {1, 1, 8, 10};

	th_setup(2, false);
	app_init(&a);
	CU_ASSERT_PTR_NOT_NULL_FATAL(app_listen(&srv, 1, 80, TCP_COOKIES_NEVER, 0, NULL));
	CU_ASSERT_PTR_NOT_NULL_FATAL(app_connect(&a, 0, 1, AF_INET, 80, 0, NULL));
	th_run(100 * MS);
	CU_ASSERT_FATAL(a.connected == 1 && srv.n == 1);
	for (unsigned i = 0; i < RTE_DIM(rxflag_cases); i++) {
		const struct rxflag_case *rc = &rxflag_cases[i];
		struct tcp_conn *s = srv.apps[0].c;
		uint32_t nxt = s->rcv_nxt, tv = s->ts_recent + 1;
		uint64_t drops = th_counter_drop(1, RB_DROP_TCP_BAD_CSUM);
		uint16_t lport;
		struct rte_mbuf *m;

		tcp_get_addrs(a.c, NULL, NULL, &lport, NULL, NULL);
		opt[4] = (uint8_t)(tv >> 24);
		opt[5] = (uint8_t)(tv >> 16);
		opt[6] = (uint8_t)(tv >> 8);
		opt[7] = (uint8_t)tv;
		m = th_tcp_seg(1, th.h[0].addr4, lport, 80, nxt, s->snd_una, TCP_ACK | TCP_PSH,
			       65535, opt, sizeof(opt), "hello", 5);
		if (rc->corrupt)
			rte_pktmbuf_mtod_offset(m, uint8_t *, 20 + 32 + 2)[0] ^= 0x10;
		rb_meta(m)->l3 = 4;
		m->l3_len = 20;
		m->port = 0;
		rte_pktmbuf_adj(m, 20);
		m->ol_flags = rc->ol_flags;
		tcp_input(&th.h[1].lc, &m, 1);
		th_run(100 * MS);
		if (rc->accepted != (s->rcv_nxt == nxt + 5))
			fprintf(stderr, "\n  rx flags '%s': rcv_nxt moved by %u\n", rc->name,
				s->rcv_nxt - nxt);
		CU_ASSERT_EQUAL(s->rcv_nxt, rc->accepted ? nxt + 5 : nxt);
		CU_ASSERT_EQUAL(th_counter_drop(1, RB_DROP_TCP_BAD_CSUM),
				drops + (rc->accepted ? 0 : 1));
	}
	tcp_abort(a.c);
	th_run(100 * MS);
	app_free(&a);
	for (int i = 0; i < srv.n; i++)
		app_free(&srv.apps[i]);
	CU_ASSERT_EQUAL(th_teardown(), 0);
}

void test_tcp_port_register(CU_pSuite s);

void test_tcp_port_register(CU_pSuite s)
{
	CU_add_test(s, "ports with and without offloads and zero copy (table)", test_port_table);
	CU_add_test(s, "RX checksum flags trusted (table)", test_rx_cksum_flags);
}
