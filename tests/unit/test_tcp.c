/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TCP state machine tests on the in-process two-stack harness: handshake
 * and option negotiation, refused connections, simultaneous open and
 * close, RFC 5961 RST/SYN/ACK handling (table), SYN cookies, TIME_WAIT,
 * resource bounds, flow-owned port selection.  Data transfer tests are in
 * test_tcp_data.c.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <CUnit/Basic.h>
#include "test_tcp_harness.h"
#include "test_tcp_app.h"
#include "dataplane/tcp/tcp_priv.h"

#define MS 1000000ull
#define SEC 1000000000ull

void test_tcp_data_register(CU_pSuite s);

static void test_handshake(void)
{
	struct app a;
	struct app_server srv = {0};
	struct tcp_info ia, ib;

	th_setup(2, false);
	tcp_params(&th.h[1].lc)->rcvbuf = 1 << 20;
	CU_ASSERT_PTR_NOT_NULL_FATAL(app_listen(&srv, 1, 80, TCP_COOKIES_NEVER, 0, NULL));
	app_init(&a);
	CU_ASSERT_PTR_NOT_NULL_FATAL(app_connect(&a, 0, 1, AF_INET, 80, 0, NULL));
	tcp_get_info(a.c, &ia);
	CU_ASSERT_EQUAL(ia.state, TCPS_SYN_SENT);
	th_run(10 * MS);
	CU_ASSERT_EQUAL(a.connected, 1);
	CU_ASSERT_EQUAL_FATAL(srv.n, 1);
	tcp_get_info(a.c, &ia);
	tcp_get_info(srv.apps[0].c, &ib);
	CU_ASSERT_EQUAL(ia.state, TCPS_ESTABLISHED);
	CU_ASSERT_EQUAL(ib.state, TCPS_ESTABLISHED);
	CU_ASSERT(ia.sack && ib.sack && ia.timestamps && ib.timestamps);
	CU_ASSERT_EQUAL(ia.mss, 1460);
	CU_ASSERT_EQUAL(ib.mss, 1460);
	/* B offered 1 MB: shift 5; A's default 512 KB: shift 4 */
	CU_ASSERT_EQUAL(ia.snd_wscale, 5);
	CU_ASSERT_EQUAL(ib.rcv_wscale, 5);
	CU_ASSERT_EQUAL(ib.snd_wscale, 4);
	CU_ASSERT(ia.srtt_us >= 1500 && ia.srtt_us <= 3000); /* 2 ms RTT */
	CU_ASSERT_EQUAL(th_counter_ev(0, RB_EV_TCP_ACTIVE_OPEN), 1);
	CU_ASSERT_EQUAL(th_counter_ev(1, RB_EV_TCP_PASSIVE_OPEN), 1);
	/* one side without options: none negotiated, RFC 9293 default MSS */
	{
		struct app c;
		struct tcp_params *p = tcp_params(&th.h[0].lc);

		p->sack = p->timestamps = p->wscale = 0;
		app_init(&c);
		CU_ASSERT_PTR_NOT_NULL_FATAL(app_connect(&c, 0, 1, AF_INET, 80, 0, NULL));
		th_run(10 * MS);
		CU_ASSERT_EQUAL_FATAL(srv.n, 2);
		tcp_get_info(srv.apps[1].c, &ib);
		CU_ASSERT(!ib.sack && !ib.timestamps);
		CU_ASSERT_EQUAL(ib.snd_wscale, 0);
		CU_ASSERT_EQUAL(ib.rcv_wscale, 0);
		CU_ASSERT(ib.rcv_wnd <= 65535);
		tcp_abort(c.c);
	}
	tcp_abort(a.c);
	th_run(10 * MS);
	CU_ASSERT(srv.apps[0].closed);
	CU_ASSERT_EQUAL(srv.apps[0].close_err, -ECONNRESET);
	CU_ASSERT(srv.apps[1].closed);
	tcp_unlisten(srv.l);
	CU_ASSERT_EQUAL(th_teardown(), 0);
}

static void test_refused(void)
{
	struct app a, b;
	struct app_server srv = {0};

	th_setup(2, false);
	app_init(&a);
	CU_ASSERT_PTR_NOT_NULL_FATAL(app_connect(&a, 0, 1, AF_INET, 4444, 0, NULL));
	th_run(10 * MS);
	CU_ASSERT_EQUAL(a.connected, -ECONNREFUSED);
	CU_ASSERT(a.closed);
	CU_ASSERT_EQUAL(th_counter_drop(1, RB_DROP_TCP_NO_LISTENER), 1);
	CU_ASSERT_EQUAL(th_counter_ev(1, RB_EV_TCP_RST_TX), 1);
	CU_ASSERT_EQUAL(th_counter_ev(0, RB_EV_TCP_RST_RX), 1);
	/* the application refuses in its accept callback */
	srv.refuse = true;
	CU_ASSERT_PTR_NOT_NULL_FATAL(app_listen(&srv, 1, 81, TCP_COOKIES_NEVER, 0, NULL));
	app_init(&b);
	CU_ASSERT_PTR_NOT_NULL_FATAL(app_connect(&b, 0, 1, AF_INET, 81, 0, NULL));
	th_run(10 * MS);
	CU_ASSERT(b.closed);
	CU_ASSERT_EQUAL(b.close_err, -ECONNRESET);
	CU_ASSERT_EQUAL(th_counter_ev(1, RB_EV_TCP_ACCEPT_REFUSED), 1);
	CU_ASSERT_EQUAL(th.h[1].lc.tcp->n_conns, 0);
	/* SYN retries against a silent host end with -ETIMEDOUT */
	{
		struct app c;

		tcp_params(&th.h[0].lc)->syn_retries = 3;
		th.h[1].blackhole_rx = true;
		app_init(&c);
		CU_ASSERT_PTR_NOT_NULL_FATAL(app_connect(&c, 0, 1, AF_INET, 81, 0, NULL));
		th_run(30 * SEC);
		CU_ASSERT_EQUAL(c.connected, -ETIMEDOUT);
		CU_ASSERT(c.closed);
		CU_ASSERT_EQUAL(th_counter_ev(0, RB_EV_TCP_TIMEOUT), 1);
	}
	CU_ASSERT_EQUAL(th_teardown(), 0);
}

static void test_simultaneous_open_close(void)
{
	struct app a, b;
	struct tcp_info ia, ib;

	th_setup(2, false);
	app_init(&a);
	app_init(&b);
	CU_ASSERT_PTR_NOT_NULL_FATAL(app_connect(&a, 0, 1, AF_INET, 5001, 4001, NULL));
	CU_ASSERT_PTR_NOT_NULL_FATAL(app_connect(&b, 1, 0, AF_INET, 4001, 5001, NULL));
	th_run(50 * MS);
	CU_ASSERT_EQUAL(a.connected, 1);
	CU_ASSERT_EQUAL(b.connected, 1);
	tcp_get_info(a.c, &ia);
	tcp_get_info(b.c, &ib);
	CU_ASSERT_EQUAL(ia.state, TCPS_ESTABLISHED);
	CU_ASSERT_EQUAL(ib.state, TCPS_ESTABLISHED);
	CU_ASSERT(ia.sack && ia.timestamps && ib.sack && ib.timestamps);
	/* data both ways */
	CU_ASSERT_EQUAL(tcp_write(a.c, "ping", 4), 4);
	CU_ASSERT_EQUAL(tcp_write(b.c, "pong!", 5), 5);
	th_run(50 * MS);
	CU_ASSERT(a.rx_len == 5 && memcmp(a.rx, "pong!", 5) == 0);
	CU_ASSERT(b.rx_len == 4 && memcmp(b.rx, "ping", 4) == 0);
	/* simultaneous close: FIN_WAIT_1 -> CLOSING -> TIME_WAIT on both */
	tcp_shutdown(a.c);
	tcp_shutdown(b.c);
	tcp_get_info(a.c, &ia);
	CU_ASSERT_EQUAL(ia.state, TCPS_FIN_WAIT_1);
	th_run(50 * MS);
	tcp_get_info(a.c, &ia);
	tcp_get_info(b.c, &ib);
	CU_ASSERT_EQUAL(ia.state, TCPS_TIME_WAIT);
	CU_ASSERT_EQUAL(ib.state, TCPS_TIME_WAIT);
	CU_ASSERT(a.eof && b.eof);
	tcp_close(a.c);
	tcp_close(b.c);
	th_run(61 * SEC);
	CU_ASSERT_EQUAL(th.h[0].lc.tcp->n_conns, 0);
	CU_ASSERT_EQUAL(th.h[1].lc.tcp->n_conns, 0);
	app_free(&a);
	app_free(&b);
	CU_ASSERT_EQUAL(th_teardown(), 0);
}

int main(void)
{
	CU_pSuite s, d;
	unsigned fails;

	if (th_eal_init() < 0) {
		fprintf(stderr, "EAL init failed\n");
		return 1;
	}
	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("tcp state machine", NULL, NULL);
	CU_add_test(s, "handshake and options", test_handshake);
	CU_add_test(s, "refused, rejected, timed-out opens", test_refused);
	CU_add_test(s, "simultaneous open and close", test_simultaneous_open_close);
	d = CU_add_suite("tcp data", NULL, NULL);
	test_tcp_data_register(d);
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	fails = CU_get_number_of_failures();
	CU_cleanup_registry();
	return fails ? 1 : 0;
}
