/* SPDX-License-Identifier: BSD-3-Clause */
/* Config unit tests: the dataplane.tcp group and the inbounds' tcp_* keys. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <CUnit/Basic.h>

#include "config/rb_cfg_proxy.h"
#include "config/rb_config.h"
#include "test_config.h"

/* dataplane.tcp: absent keys stay -1 (the stack's default), set keys reach
 * struct rb_cfg_tcp; tcp_params_from_cfg is tested in test_tcp. */
static void test_tcp_group(void)
{
	struct rb_config cfg;
	char *errs = NULL;
	const struct rb_cfg_tcp *t = &cfg.dp.tcp;

	CU_ASSERT_EQUAL_FATAL(test_config_load(DP(""), &cfg, &errs), 0);
	CU_ASSERT(t->rto_min_ms == -1 && t->rto_max_ms == -1 && t->rto_init_ms == -1 &&
		  t->delack_ms == -1 && t->tlp_wcdelack_ms == -1 && t->tlp_slack_ms == -1 &&
		  t->sndbuf == -1 && t->rcvbuf == -1 && t->max_conns == -1 &&
		  t->max_time_wait == -1 && t->backlog == -1 && t->keepalive_ms == -1 &&
		  t->zc_tx == -1 && t->mtu_probing == -1 && t->sack == -1 && t->timestamps == -1 && t->tso == -1 &&
		  t->rx_burst == -1 && t->rd_burst == -1 && t->congestion_control == -1 &&
		  t->syn_cookies == -1);
	rb_config_free(&cfg);
	free(errs);
	errs = NULL;
	CU_ASSERT_EQUAL_FATAL(test_config_load(DP("tcp = { rto_min_ms = 10; rto_max_ms = 2000; rto_init_ms = 100;"
				      " delack_ms = 5; tlp_wcdelack_ms = 0; tlp_slack_ms = 1;"
				      " sndbuf = 1048576; rcvbuf = 65536; max_conns = 1000;"
				      " max_time_wait = 0; backlog = 64; keepalive_ms = 30000;"
				      " zc_tx = 1; mtu_probing = 0; sack = false; timestamps = true; tso = false;"
				      " rx_burst = true; rd_burst = false;"
				      " congestion_control = \"newreno\"; syn_cookies = \"never\"; };"),
				   &cfg, &errs), 0);
	CU_ASSERT_STRING_EQUAL(errs, "");
	CU_ASSERT(t->rto_min_ms == 10 && t->rto_max_ms == 2000 && t->rto_init_ms == 100 &&
		  t->delack_ms == 5 && t->tlp_wcdelack_ms == 0 && t->tlp_slack_ms == 1);
	CU_ASSERT(t->sndbuf == 1048576 && t->rcvbuf == 65536 && t->max_conns == 1000 &&
		  t->max_time_wait == 0 && t->backlog == 64 && t->keepalive_ms == 30000);
	CU_ASSERT(t->zc_tx == 1 && t->mtu_probing == 0 && t->sack == 0 && t->timestamps == 1 && t->tso == 0 &&
		  t->rx_burst == 1 && t->rd_burst == 0);
	CU_ASSERT(t->congestion_control == 1 && t->syn_cookies == 2); /* newreno, never */
	rb_config_free(&cfg);
	free(errs);
}

/* congestion_control / syn_cookies of dataplane.tcp and the inbounds' tcp_*
 * keys: each name stored as its index (dataplane.tcp) or index + 1 (an
 * inbound; 0 = dataplane.tcp's), in the order of RB_CFG_TCP_CC_NAMES /
 * RB_CFG_TCP_COOKIE_NAMES (what the dataplane maps back to names). */
static void test_tcp_cc_cookies(void)
{
	static const char *const cc[] = {RB_CFG_TCP_CC_NAMES};
	static const char *const ck[] = {RB_CFG_TCP_COOKIE_NAMES};
	static const struct {
		const char *dp, *in;    /* dataplane.tcp keys, the inbound's */
		int cc, cookies;        /* dataplane.tcp: index or -1 */
		int in_cc, in_cookies;  /* inbound: index + 1 or 0 */
		uint32_t in_backlog;
	} rows[] = {
		{"", "", -1, -1, 0, 0, 0},
		{"congestion_control = \"cubic\";", "", 0, -1, 0, 0, 0},
		{"congestion_control = \"newreno\"; syn_cookies = \"always\";", "", 1, 1, 0, 0, 0},
		{"syn_cookies = \"auto\";", "tcp_syn_cookies = \"never\";", -1, 0, 0, 3, 0},
		{"congestion_control = \"newreno\";",
		 "tcp_congestion_control = \"cubic\"; tcp_syn_cookies = \"auto\"; tcp_backlog = 8;",
		 1, -1, 1, 1, 8},
		{"", "tcp_congestion_control = \"newreno\"; tcp_syn_cookies = \"always\";", -1, -1, 2,
		 2, 0},
	};
	char text[1024];

	CU_ASSERT_EQUAL(sizeof(cc) / sizeof(cc[0]), 2);
	CU_ASSERT_STRING_EQUAL(cc[1], "newreno");
	CU_ASSERT(sizeof(ck) / sizeof(ck[0]) == 3 && strcmp(ck[2], "never") == 0);
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct rb_config cfg;
		char *errs = NULL;

		snprintf(text, sizeof(text), DP("tcp = { %s };") SOCKSIN("%s"), rows[i].dp,
			 rows[i].in);
		CU_ASSERT_EQUAL_FATAL(test_config_load(text, &cfg, &errs), 0);
		CU_ASSERT_STRING_EQUAL(errs, "");
		CU_ASSERT_EQUAL(cfg.dp.tcp.congestion_control, rows[i].cc);
		CU_ASSERT_EQUAL(cfg.dp.tcp.syn_cookies, rows[i].cookies);
		CU_ASSERT_EQUAL(cfg.proxy->inbounds[0].tcp_cc, rows[i].in_cc);
		CU_ASSERT_EQUAL(cfg.proxy->inbounds[0].tcp_cookies, rows[i].in_cookies);
		CU_ASSERT_EQUAL(cfg.proxy->inbounds[0].tcp_backlog, rows[i].in_backlog);
		rb_config_free(&cfg);
		free(errs);
	}
}

int test_config_tcp_register(CU_pSuite s)
{
	if (!CU_add_test(s, "dataplane.tcp", test_tcp_group) ||
	    !CU_add_test(s, "tcp congestion control and SYN cookies", test_tcp_cc_cookies))
		return -1;
	return 0;
}
