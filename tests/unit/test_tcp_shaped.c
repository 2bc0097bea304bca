/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Shaped writes (tcp.h tcp_tx_shape, tcp_write_mbuf_shaped): a writer that
 * builds its own buffers (the Shadowsocks relay's open) cuts them to the
 * connection's segments; each segment then goes out in place (no copy),
 * and a write's short last buffer ends its segment so that the next
 * write's buffers start segments again.  Over the port model (chains;
 * checksums offloaded or summed in software; the receiver verifies every
 * segment), table rows: buffers cut to the segment, shorter (coalesced
 * up to a segment when small), longer (copied, as any write), each write
 * sent before the next or all queued at once; the bytes exact.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <CUnit/CUnit.h>
#include <rte_ethdev.h>
#include "test_tcp_harness.h"
#include "test_tcp_app.h"

#define MS 1000000ull
#define SEC 1000000000ull

struct shaped_case {
	const char *name;
	int cut;               /* bytes a buffer: 0 = tcp_tx_shape's, < 0: shape's + (-cut) */
	bool offload;          /* the port sums the segments */
	bool all_inplace;      /* every data segment in place (else: none beyond the tails) */
	bool batch;            /* all writes queued before any goes out */
};

static const struct shaped_case shaped_cases[] = {
	{"cut to the segment, offload", 0, true, true, false},
	{"cut to the segment, software sums", 0, false, true, false},
	/* each write's short last buffer ends a segment: the next write's
	 * first buffer starts one (else every later segment is copied) */
	{"cut to the segment, all queued at once", 0, true, true, true},
	{"cut at 1001 bytes, all queued at once", 1001, true, true, true},
	/* small buffers are coalesced up to a segment (sndq_append): the
	 * segments are still whole buffers */
	{"cut at 300 bytes", 300, true, true, false},
	{"cut 552 bytes longer than a segment", -552, true, false, false},
};

#define WRITE_LEN (0x3FFF + 5) /* a Shadowsocks chunk and a bit: a short tail */
#define N_WRITES 6

/* A chain of len bytes of p cut into buffers of cut bytes. */
static struct rte_mbuf *shaped_chain(const uint8_t *p, uint32_t len, uint32_t cut)
{
	struct rte_mbuf *head = NULL;

	for (uint32_t at = 0; at < len; at += cut) {
		uint32_t k = len - at < cut ? len - at : cut;
		struct rte_mbuf *m = rte_pktmbuf_alloc(th.pool);

		CU_ASSERT_PTR_NOT_NULL_FATAL(m);
		memcpy(rte_pktmbuf_append(m, (uint16_t)k), p + at, k);
		if (head == NULL)
			head = m;
		else
			CU_ASSERT_EQUAL_FATAL(rte_pktmbuf_chain(head, m), 0);
	}
	return head;
}

static void test_shaped_table(void)
{
	for (unsigned i = 0; i < RTE_DIM(shaped_cases); i++) {
		const struct shaped_case *sc = &shaped_cases[i];
		size_t total = (size_t)WRITE_LEN * N_WRITES;
		uint8_t *data = pattern(total, i + 3);
		struct app_server srv;
		struct app a;
		uint32_t seg, cut;
		uint64_t bad, inplace, segs;
		size_t got;
		int sw_sum;

		th_setup(2, false);
		/* chains (in place) on both ports, checksums offloaded or not;
		 * the receiving NIC or stack sums every segment */
		th_port_model(RTE_ETH_TX_OFFLOAD_MULTI_SEGS |
				      (sc->offload ? RTE_ETH_TX_OFFLOAD_TCP_CKSUM : 0),
			      sc->offload);
		memset(&srv, 0, sizeof(srv));
		CU_ASSERT_PTR_NOT_NULL_FATAL(app_listen(&srv, 1, 80, TCP_COOKIES_NEVER, 0, NULL));
		app_init(&a);
		CU_ASSERT_PTR_NOT_NULL_FATAL(app_connect(&a, 0, 1, AF_INET, 80, 0, NULL));
		th_run(100 * MS);
		CU_ASSERT_FATAL(a.connected == 1 && srv.n == 1);
		seg = tcp_tx_shape(a.c, &sw_sum);
		CU_ASSERT(seg > 1000 && seg <= 1460);
		CU_ASSERT_EQUAL(sw_sum, !sc->offload);
		cut = sc->cut > 0 ? (uint32_t)sc->cut : seg + (uint32_t)(-sc->cut);
		for (int w = 0; w < N_WRITES; w++) {
			struct rte_mbuf *m = shaped_chain(data + (size_t)w * WRITE_LEN, WRITE_LEN,
							  cut);

			CU_ASSERT_EQUAL_FATAL(tcp_write_mbuf_shaped(a.c, m), 0);
			if (!sc->batch)
				th_run(MS); /* sent before the next write comes */
		}
		th_run(2 * SEC);
		got = srv.apps[0].rx_len;
		bad = th_counter_drop(1, RB_DROP_TCP_BAD_CSUM);
		inplace = th_counter_ev(0, RB_EV_TCP_ZC_INPLACE);
		segs = th_counter_ev(0, RB_EV_TCP_SEG_OUT);
		fprintf(stderr,
			"\n  shaped '%s': seg %u cut %u, %zu/%zu B delivered, segments %" PRIu64
			", in place %" PRIu64 ", bad checksum drops %" PRIu64,
			sc->name, seg, cut, got, total, segs, inplace, bad);
		CU_ASSERT(got == total && memcmp(srv.apps[0].rx, data, total) == 0);
		CU_ASSERT_EQUAL(bad, 0);
		if (sc->all_inplace) {
			/* every data segment one whole buffer: none copied */
			CU_ASSERT(inplace + N_WRITES >= total / seg);
		} else {
			/* longer buffers: segments straddle them and are copied,
			 * but for each write's short last buffer */
			CU_ASSERT(inplace <= N_WRITES);
		}
		tcp_abort(a.c);
		th_run(200 * MS);
		app_free(&a);
		for (int k = 0; k < srv.n; k++)
			app_free(&srv.apps[k]);
		free(data);
		CU_ASSERT_EQUAL(th_teardown(), 0);
	}
}

void test_tcp_shaped_register(CU_pSuite s);

void test_tcp_shaped_register(CU_pSuite s)
{
	CU_add_test(s, "shaped writes: buffers cut to segments, sent in place (table)",
		    test_shaped_table);
}
