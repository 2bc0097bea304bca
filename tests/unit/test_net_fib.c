/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The FIB (longest prefix match over rte_lpm/rte_lpm6, next-hop kinds, RCU
 * publication) and flow ownership (software hash, handoff between workers,
 * learn-only ARP copies).
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <CUnit/Basic.h>
#include <rte_arp.h>
#include <rte_lpm.h>
#include <rte_malloc.h>
#include <rte_random.h>
#include <rte_tcp.h>
#include "dataplane/net/neigh.h"
#include "test_net.h"

/* ------------------------------------------------------------------ */
/* FIB                                                                  */

static const struct {
	const char *dst;
	int kind;               /* -1: no route */
	uint16_t port;
	const char *gw;
} fib4_cases[] = {
	{"20.200.0.1", RB_NH_GATEWAY, NET_P_B, "10.2.0.2"},   /* /8 */
	{"20.1.200.1", RB_NH_GATEWAY, NET_P_B, "10.2.0.3"},   /* /16 */
	{"20.1.2.200", RB_NH_GATEWAY, NET_P_B, "10.2.0.4"},   /* /24 */
	{"20.1.2.3", RB_NH_GATEWAY, NET_P_B, "10.2.0.5"},     /* /32 */
	{"20.1.2.2", RB_NH_GATEWAY, NET_P_B, "10.2.0.4"},
	{"20.1.2.4", RB_NH_GATEWAY, NET_P_B, "10.2.0.4"},
	{"20.255.255.255", RB_NH_GATEWAY, NET_P_B, "10.2.0.2"},
	{"21.0.0.0", -1, 0, NULL},
	{"19.255.255.255", -1, 0, NULL},
	{"30.4.5.6", RB_NH_CONNECTED, NET_P_B, NULL},         /* route without via */
	{"10.1.0.1", RB_NH_LOCAL, NET_P_A, NULL},
	{"10.2.0.1", RB_NH_LOCAL, NET_P_B, NULL},
	{"10.3.0.1", RB_NH_LOCAL, NET_P_C, NULL},
	{"10.1.0.77", RB_NH_CONNECTED, NET_P_A, NULL},
	{"10.2.0.254", RB_NH_CONNECTED, NET_P_B, NULL},
	{"10.3.0.9", RB_NH_CONNECTED, NET_P_C, NULL},
	{"10.4.0.1", -1, 0, NULL},
	{"0.0.0.0", -1, 0, NULL},
};

static void test_fib4_lpm(void)
{
	const struct rb_fib *fib = fx_dp->fib;

	for (size_t i = 0; i < RTE_DIM(fib4_cases); i++) {
		NET_CASE_START();
		uint32_t a = rte_cpu_to_be_32(fx_ip(fib4_cases[i].dst));
		const struct rb_nexthop *nh = rb_fib_lookup4(fib, a);

		if (fib4_cases[i].kind < 0) {
			CU_ASSERT_PTR_NULL(nh);
		} else {
			CU_ASSERT_PTR_NOT_NULL_FATAL(nh);
			CU_ASSERT_EQUAL(nh->kind, fib4_cases[i].kind);
			CU_ASSERT_EQUAL(nh->port, fib4_cases[i].port);
			if (fib4_cases[i].gw) {
				uint32_t gw = rte_cpu_to_be_32(fx_ip(fib4_cases[i].gw));

				CU_ASSERT_EQUAL(nh->family, AF_INET);
				CU_ASSERT_EQUAL(memcmp(nh->gw, &gw, 4), 0);
			}
		}
		NET_CASE_END(fib4_cases[i].dst);
	}
}

/* End to end: forwarded frames leave with the MAC of the chosen gateway. */
static void test_fib4_forward(void)
{
	for (size_t i = 0; i < 7; i++) {
		uint8_t buf[128];
		struct fx_frame out[2];
		struct rte_ether_addr gw;
		const char *g = fib4_cases[i].gw;

		gw = fx_peer_mac(NET_P_B, (uint8_t)atoi(strrchr(g, '.') + 1));
		fx_inject(NET_P_A, buf, fx_frame_echo4(buf, NET_P_A, 2, fx_ip("10.1.0.2"),
						       fx_ip(fib4_cases[i].dst), 1, 1, 8));
		CU_ASSERT_EQUAL_FATAL(fx_collect(NET_P_B, out, 2), 1);
		CU_ASSERT(rte_is_same_ether_addr((const struct rte_ether_addr *)out[0].data, &gw));
	}
	CU_ASSERT_EQUAL(fx_collect_all(), 0);
}

static void a6(const char *s, uint8_t out[16])
{
	if (inet_pton(AF_INET6, s, out) != 1)
		abort();
}

static void test_fib6_lpm(void)
{
	static const struct {
		const char *dst;
		int kind;
		uint16_t port;
		const char *gw;
	} c[] = {
		{"2001:db8:5::1", RB_NH_GATEWAY, NET_P_B, "fd02::2"},
		{"2001:db8:1::1", RB_NH_GATEWAY, NET_P_B, "fd02::3"},
		{"2001:db8:1:ffff::1", RB_NH_GATEWAY, NET_P_B, "fd02::3"},
		{"2001:db8:2::1", RB_NH_GATEWAY, NET_P_B, "fd02::2"},
		{"2001:db9::1", -1, 0, NULL},
		{"fd01::1", RB_NH_LOCAL, NET_P_A, NULL},
		{"fd02::1", RB_NH_LOCAL, NET_P_B, NULL},
		{"fd01::99", RB_NH_CONNECTED, NET_P_A, NULL},
		{"fd02::abcd", RB_NH_CONNECTED, NET_P_B, NULL},
		{"fd03::1", -1, 0, NULL},
		{"::1", -1, 0, NULL},
	};
	const struct rb_fib *fib = fx_dp->fib;

	for (size_t i = 0; i < RTE_DIM(c); i++) {
		NET_CASE_START();
		uint8_t a[16], gw[16];
		const struct rb_nexthop *nh;

		a6(c[i].dst, a);
		nh = rb_fib_lookup6(fib, a);
		if (c[i].kind < 0) {
			CU_ASSERT_PTR_NULL(nh);
			continue;
		}
		CU_ASSERT_PTR_NOT_NULL_FATAL(nh);
		CU_ASSERT_EQUAL(nh->kind, c[i].kind);
		CU_ASSERT_EQUAL(nh->port, c[i].port);
		if (c[i].gw) {
			a6(c[i].gw, gw);
			CU_ASSERT_EQUAL(nh->family, AF_INET6);
			CU_ASSERT_EQUAL(memcmp(nh->gw, gw, 16), 0);
		}
		NET_CASE_END(c[i].dst);
	}
	/* Each port's EUI-64 link-local address is local. */
	for (uint16_t p = 0; p < 3; p++) {
		const struct rb_nexthop *nh = rb_fib_lookup6(fib, fx_dp->ports[p].ll6);

		CU_ASSERT_PTR_NOT_NULL_FATAL(nh);
		CU_ASSERT_EQUAL(nh->kind, RB_NH_LOCAL);
		CU_ASSERT_EQUAL(nh->port, p);
	}
}

/* The rte_lpm of a FIB is registered under a unique name; find it. */
static int lpm_alive(const struct rte_lpm *lpm)
{
	char name[RTE_LPM_NAMESIZE];

	for (unsigned i = 1; i < 10000; i++) {
		snprintf(name, sizeof(name), "fib4_%u", i);
		if (rte_lpm_find_existing(name) == lpm)
			return 1;
	}
	return 0;
}

/*
 * rb_fib_publish swaps at once and never waits; the old version is freed by
 * rb_fib_reclaim only after every registered reader passed a quiescent
 * state, so a worker still holding it keeps a valid table.
 */
static void test_fib_rcu_publish(void)
{
	const struct rb_config *cfg = fx_dp->cfg;
	struct rb_cfg_route *rt = calloc((size_t)cfg->dp.n_routes + 1, sizeof(*rt));
	struct rb_fib *fresh;
	const struct rb_fib *held;
	uint32_t extra = rte_cpu_to_be_32(fx_ip("60.0.0.1")), sub = rte_cpu_to_be_32(fx_ip("20.1.2.3"));
	char err[256];

	CU_ASSERT_PTR_NOT_NULL_FATAL(rt);
	memcpy(rt, cfg->dp.routes, sizeof(*rt) * (size_t)cfg->dp.n_routes);
	rt[cfg->dp.n_routes].prefix.family = AF_INET;
	rt[cfg->dp.n_routes].prefix.plen = 8;
	rt[cfg->dp.n_routes].prefix.addr[0] = 60;
	rt[cfg->dp.n_routes].port = NET_P_A;
	fresh = rb_fib_build(fx_dp, rt, cfg->dp.n_routes + 1, 2, err, sizeof(err));
	free(rt);
	CU_ASSERT_PTR_NOT_NULL_FATAL(fresh);

	/* The test thread plays worker 0: online, holding the current FIB. */
	CU_ASSERT_EQUAL_FATAL(rte_rcu_qsbr_thread_register(fx_dp->qsbr, 0), 0);
	rte_rcu_qsbr_thread_online(fx_dp->qsbr, 0);
	held = __atomic_load_n(&fx_dp->fib, __ATOMIC_ACQUIRE);
	CU_ASSERT_EQUAL(held->generation, 1);
	CU_ASSERT_FATAL(lpm_alive(held->lpm4));
	CU_ASSERT_EQUAL_FATAL(rb_fib_publish(fx_dp, fresh), 0);
	/* The new version is visible at once... */
	CU_ASSERT_PTR_EQUAL(__atomic_load_n(&fx_dp->fib, __ATOMIC_ACQUIRE), fresh);
	CU_ASSERT_EQUAL(fx_dp->fib->generation, 2);
	CU_ASSERT_PTR_NOT_NULL(rb_fib_lookup4(fx_dp->fib, extra));
	/* ... and the held one survives reclaim while we have not quiesced. */
	rb_fib_reclaim(fx_dp, 0);
	CU_ASSERT(lpm_alive(held->lpm4));
	CU_ASSERT_EQUAL(held->generation, 1);
	CU_ASSERT_PTR_NULL(rb_fib_lookup4(held, extra));
	CU_ASSERT_PTR_NOT_NULL(rb_fib_lookup4(held, sub));
	/* Quiescent state reported: the next reclaim frees it. */
	rte_rcu_qsbr_quiescent(fx_dp->qsbr, 0);
	{
		const struct rte_lpm *old_lpm = held->lpm4;

		held = NULL;
		rb_fib_reclaim(fx_dp, 0);
		CU_ASSERT(!lpm_alive(old_lpm));
	}
	CU_ASSERT(lpm_alive(fx_dp->fib->lpm4));
	rte_rcu_qsbr_thread_offline(fx_dp->qsbr, 0);
	rte_rcu_qsbr_thread_unregister(fx_dp->qsbr, 0);
	/* The dataplane now forwards 60/8 out of port a (on-link, resolving). */
	{
		uint8_t buf[128];
		struct fx_frame out[2];

		fx_inject(NET_P_A, buf, fx_frame_echo4(buf, NET_P_A, 2, fx_ip("10.1.0.2"),
						       fx_ip("60.0.0.1"), 1, 1, 8));
		CU_ASSERT_EQUAL_FATAL(fx_collect(NET_P_A, out, 2), 1); /* ARP for 60.0.0.1 */
		CU_ASSERT_EQUAL(rte_be_to_cpu_16(((struct rte_ether_hdr *)out[0].data)->ether_type),
				RTE_ETHER_TYPE_ARP);
	}
}

/*
 * Default routes (config/README.md: "0.0.0.0/0 / ::/0 for default routes").
 * rte_lpm_add and rte_lpm6_add reject a depth of 0 with -EINVAL, so
 * rb_fib_build must handle /0 itself (e.g. as two /1 halves).
 */
static void test_fib_default_route(void)
{
	const struct rb_config *cfg = fx_dp->cfg;
	int n = cfg->dp.n_routes;
	struct rb_cfg_route *rt = calloc((size_t)n + 2, sizeof(*rt));
	struct rb_fib *fib;
	const struct rb_nexthop *nh;
	uint32_t gw4 = rte_cpu_to_be_32(fx_ip("10.2.0.2"));
	uint8_t gw6[16], any6[16];
	char err[256] = "";

	CU_ASSERT_PTR_NOT_NULL_FATAL(rt);
	memcpy(rt, cfg->dp.routes, sizeof(*rt) * (size_t)n);
	a6("fd02::2", gw6);
	rt[n] = (struct rb_cfg_route){.prefix = {.family = AF_INET, .plen = 0}, .has_via = 1,
				      .via = {.family = AF_INET, .plen = 32}, .port = NET_P_B};
	memcpy(rt[n].via.addr, &gw4, 4);
	rt[n + 1] = (struct rb_cfg_route){.prefix = {.family = AF_INET6, .plen = 0}, .has_via = 1,
					  .via = {.family = AF_INET6, .plen = 128},
					  .port = NET_P_B};
	memcpy(rt[n + 1].via.addr, gw6, 16);
	fib = rb_fib_build(fx_dp, rt, n + 2, 3, err, sizeof(err));
	free(rt);
	if (fib == NULL)
		fprintf(stderr, "  rb_fib_build: %s\n", err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(fib);
	nh = rb_fib_lookup4(fib, rte_cpu_to_be_32(fx_ip("99.1.2.3")));
	CU_ASSERT(nh != NULL && nh->kind == RB_NH_GATEWAY && memcmp(nh->gw, &gw4, 4) == 0);
	nh = rb_fib_lookup4(fib, rte_cpu_to_be_32(fx_ip("200.1.2.3")));
	CU_ASSERT(nh != NULL && nh->kind == RB_NH_GATEWAY && memcmp(nh->gw, &gw4, 4) == 0);
	nh = rb_fib_lookup4(fib, rte_cpu_to_be_32(fx_ip("20.1.2.3")));   /* longer match wins */
	CU_ASSERT(nh != NULL && nh->gw[3] == 5);
	a6("3fff::1", any6);
	nh = rb_fib_lookup6(fib, any6);
	CU_ASSERT(nh != NULL && nh->kind == RB_NH_GATEWAY && memcmp(nh->gw, gw6, 16) == 0);
	a6("ffff::1", any6);
	CU_ASSERT_PTR_NOT_NULL(rb_fib_lookup6(fib, any6));
	rb_fib_free(fib);
}

static void test_flow_one_worker(void)
{
	for (int i = 0; i < 1000; i++) {
		uint32_t r = (uint32_t)rte_rand();
		uint8_t a[16], b[16];

		for (int k = 0; k < 16; k++)
			a[k] = (uint8_t)rte_rand(), b[k] = (uint8_t)rte_rand();
		CU_ASSERT_EQUAL(rb_flow_owner4(fx_dp, 0, r, ~r, (uint16_t)r, (uint16_t)(r >> 16)), 0);
		CU_ASSERT_EQUAL(rb_flow_owner6(fx_dp, 0, a, b, (uint16_t)r, (uint16_t)(r >> 16)), 0);
	}
}

static CU_TestInfo fib_tests[] = {
	{"IPv4 longest prefix match", test_fib4_lpm},
	{"forwarding follows the longest match", test_fib4_forward},
	{"IPv6 longest prefix match", test_fib6_lpm},
	{"RCU publication while a reader holds the FIB", test_fib_rcu_publish},
	{"default routes 0.0.0.0/0 and ::/0", test_fib_default_route},
	{"one worker owns every flow", test_flow_one_worker},
	{"mbufs back in the pool", net_test_no_leak},
	CU_TEST_INFO_NULL,
};

/* ------------------------------------------------------------------ */
/* Four workers (contexts only; the test thread runs them in turn)      */

#define N_WORKERS 4

static const char mw_cfg_text[] =
	"dataplane = { lcores = 4; icmp_rate = 1000000;\n"
	" ports = ( { name = \"a\"; device = \"net_ring_fx0\";\n"
	"             addresses = [\"10.1.0.1/24\", \"fd01::1/64\"]; } );\n"
	" neighbors = ( { ip = \"10.1.0.2\"; mac = \"02:00:00:00:00:02\"; port = \"a\"; } );\n"
	"};\n";

static int mw_init(void)
{
	return fx_setup(mw_cfg_text);
}

static void test_flow_spread(void)
{
	unsigned count4[N_WORKERS] = {0}, count6[N_WORKERS] = {0};
	const int n = 10000;

	CU_ASSERT_EQUAL_FATAL(fx_dp->n_workers, N_WORKERS);
	for (int i = 0; i < n; i++) {
		uint32_t ra = (uint32_t)rte_rand(), la = (uint32_t)rte_rand();
		uint16_t rp = (uint16_t)rte_rand(), lp = (uint16_t)rte_rand();
		uint8_t r6[16], l6[16];
		unsigned o4 = rb_flow_owner4(fx_dp, 0, ra, la, rp, lp);
		unsigned o6;

		for (int k = 0; k < 16; k++)
			r6[k] = (uint8_t)rte_rand(), l6[k] = (uint8_t)rte_rand();
		o6 = rb_flow_owner6(fx_dp, 0, r6, l6, rp, lp);
		CU_ASSERT_FATAL(o4 < N_WORKERS && o6 < N_WORKERS);
		/* Deterministic. */
		CU_ASSERT_EQUAL(rb_flow_owner4(fx_dp, 0, ra, la, rp, lp), o4);
		CU_ASSERT_EQUAL(rb_flow_owner6(fx_dp, 0, r6, l6, rp, lp), o6);
		count4[o4]++;
		count6[o6]++;
	}
	for (int w = 0; w < N_WORKERS; w++) {
		CU_ASSERT(count4[w] >= n / N_WORKERS * 8 / 10 && count4[w] <= n / N_WORKERS * 12 / 10);
		CU_ASSERT(count6[w] >= n / N_WORKERS * 8 / 10 && count6[w] <= n / N_WORKERS * 12 / 10);
	}
	/* Sequential local ports (active opens) spread as well. */
	memset(count4, 0, sizeof(count4));
	for (int i = 0; i < n; i++)
		count4[rb_flow_owner4(fx_dp, 0, 0x0a010002, 0x0a010001, htons(443),
				      htons((uint16_t)(20000 + i)))]++;
	for (int w = 0; w < N_WORKERS; w++)
		CU_ASSERT(count4[w] >= n / N_WORKERS * 8 / 10 && count4[w] <= n / N_WORKERS * 12 / 10);
}

static uint16_t udp_to_us(uint8_t *buf, uint16_t sport)
{
	uint8_t l4[64];
	uint32_t src = fx_ip("10.1.0.2"), dst = fx_ip("10.1.0.1");
	struct fx_ip4 ip = {.src = src, .dst = dst, .proto = IPPROTO_UDP, .id = sport};

	return fx_frame_ip4(buf, 0, 2, &ip, l4, fx_put_udp4(l4, src, dst, sport, 5555, "x", 1));
}

static unsigned owner_of(uint16_t sport)
{
	return rb_flow_owner4(fx_dp, 0, rte_cpu_to_be_32(fx_ip("10.1.0.2")),
			      rte_cpu_to_be_32(fx_ip("10.1.0.1")), rte_cpu_to_be_16(sport),
			      rte_cpu_to_be_16(5555));
}

static void test_flow_handoff(void)
{
	uint16_t sport;
	unsigned owner;
	uint8_t buf[128];
	struct fx_frame out[2];
	struct fx_snap s;

	for (sport = 1024; owner_of(sport) == 0; sport++)
		;
	owner = owner_of(sport);
	fx_snap_take(&s);
	fx_inject_on(0, 0, buf, udp_to_us(buf, sport));
	CU_ASSERT_EQUAL(fx_snap_event(&s, RB_EV_HANDOFF_TX), 1);
	CU_ASSERT_EQUAL(fx_snap_drops(&s), 0);
	CU_ASSERT_EQUAL(rte_ring_count(fx_lc(owner)->handoff), 1);
	CU_ASSERT_EQUAL(fx_collect(0, NULL, 0), 0);
	for (unsigned w = 0; w < N_WORKERS; w++)
		if (w != owner)
			CU_ASSERT_EQUAL(rb_handoff_drain(fx_lc(w)), 0);
	/* The owner processes it: UDP to a closed port, an ICMP error back. */
	CU_ASSERT_EQUAL(rb_handoff_drain(fx_lc(owner)), 1);
	CU_ASSERT_EQUAL(fx_lc(owner)->stats->events[RB_EV_HANDOFF_RX], 1);
	CU_ASSERT_EQUAL(fx_snap_drops(&s), 1);
	CU_ASSERT_EQUAL_FATAL(fx_collect(0, out, 2), 1);
	CU_ASSERT_EQUAL(out[0].data[14 + 20], 3);
	CU_ASSERT_EQUAL(out[0].data[14 + 20 + 1], 3);
	/* A flow worker 0 owns is handled on the spot. */
	for (sport = 1024; owner_of(sport) != 0; sport++)
		;
	fx_snap_take(&s);
	fx_inject_on(0, 0, buf, udp_to_us(buf, sport));
	CU_ASSERT_EQUAL(fx_snap_event(&s, RB_EV_HANDOFF_TX), 0);
	CU_ASSERT_EQUAL(fx_snap_drops(&s), 1);
	CU_ASSERT_EQUAL(fx_collect(0, NULL, 0), 1);
	/* TCP takes the same path. */
	for (sport = 1024; owner_of(sport) == 0; sport++)
		;
	{
		uint8_t l4[64];
		uint32_t src = fx_ip("10.1.0.2"), dst = fx_ip("10.1.0.1");
		struct fx_ip4 ip = {.src = src, .dst = dst, .proto = IPPROTO_TCP, .id = 1};

		fx_snap_take(&s);
		fx_inject_on(0, 0, buf, fx_frame_ip4(buf, 0, 2, &ip, l4,
						     fx_put_tcp4(l4, src, dst, sport, 5555, 1,
								 RTE_TCP_SYN_FLAG)));
		CU_ASSERT_EQUAL(fx_snap_event(&s, RB_EV_HANDOFF_TX), 1);
		CU_ASSERT_EQUAL(rte_ring_count(fx_lc(owner_of(sport))->handoff), 1);
		CU_ASSERT_EQUAL(rb_handoff_drain(fx_lc(owner_of(sport))), 1);
		fx_collect_all();
	}
}

/* An ARP exchange on worker 0 teaches every worker (learn-only copies). */
static void test_arp_learn_broadcast(void)
{
	struct rte_ether_addr peer = fx_peer_mac(0, 40);
	uint32_t ip = rte_cpu_to_be_32(fx_ip("10.1.0.40"));
	uint8_t buf[128];
	struct fx_l2 l2 = fx_l2_to(0, 40);
	uint16_t len = fx_put_eth(buf, &l2, RTE_ETHER_TYPE_ARP);
	struct fx_snap s;

	len = (uint16_t)(len + fx_put_arp(buf + len, RTE_ARP_OP_REQUEST, &peer, fx_ip("10.1.0.40"),
					  NULL, fx_ip("10.1.0.1")));
	fx_snap_take(&s);
	fx_inject_on(0, 0, buf, len);
	CU_ASSERT_EQUAL(fx_collect(0, NULL, 0), 1);
	for (unsigned w = 1; w < N_WORKERS; w++) {
		CU_ASSERT_PTR_NULL(rb_neigh_lookup(fx_lc(w), 0, AF_INET, (uint8_t *)&ip));
		CU_ASSERT_EQUAL(rb_handoff_drain(fx_lc(w)), 1);
		CU_ASSERT_PTR_NOT_NULL(rb_neigh_lookup(fx_lc(w), 0, AF_INET, (uint8_t *)&ip));
	}
	CU_ASSERT_EQUAL(fx_snap_event(&s, RB_EV_NEIGH_LEARNED), N_WORKERS);
	CU_ASSERT_EQUAL(fx_snap_drops(&s), 0);
	CU_ASSERT_EQUAL(fx_collect_all(), 0);
}

static CU_TestInfo mw_tests[] = {
	{"flow owner spread and determinism", test_flow_spread},
	{"handoff to the owning worker", test_flow_handoff},
	{"ARP learned on every worker", test_arp_learn_broadcast},
	{"mbufs back in the pool", net_test_no_leak},
	CU_TEST_INFO_NULL,
};

static CU_SuiteInfo fib_suites[] = {
	{"fib", net_suite_init, net_suite_cleanup, NULL, NULL, fib_tests},
	{"workers", mw_init, net_suite_cleanup, NULL, NULL, mw_tests},
	CU_SUITE_INFO_NULL,
};

int test_net_fib_register(void)
{
	return CU_register_suites(fib_suites) == CUE_SUCCESS ? 0 : -1;
}
