/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * bench_fwd: cycles per packet of the real worker code for parse + LPM +
 * forward of 64-byte IPv4 frames, in-process.  Two net_null ports stand in
 * for NICs (their TX frees the mbufs); frames are built in bursts and pushed
 * through rb_eth_input, exactly as the worker loop does after rx_burst.
 * The cost of allocating and filling the test frames is measured separately
 * and subtracted.
 *
 *   bench_fwd [-n PACKETS] [-b BURST] [-r ROUTES]
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_ip.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include "dataplane/rb_lcore.h"
#include "dataplane/net/neigh.h"
#include "dataplane/worker.h"
#include "drivers/rb_port.h"

struct rb_dp rb_dp;

#define ROUNDS 9

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static uint32_t dst_of(long i, long routes)
{
	return htonl(0x14000000u + ((uint32_t)(i % routes) << 8) + 9);
}

static const char cfg_text[] =
	"dataplane = { lcores = 1; ports = ("
	" { name = \"a\"; device = \"net_null0\"; addresses = [\"10.1.0.1/24\"]; },"
	" { name = \"b\"; device = \"net_null1\"; addresses = [\"10.2.0.1/24\"]; } );"
	" neighbors = ( { ip = \"10.2.0.2\"; mac = \"02:00:00:00:00:02\"; port = \"b\"; } ); };";

static void fill(struct rte_mbuf *m, const struct rte_ether_addr *dmac, uint32_t dst)
{
	struct rte_ether_hdr *eh = (struct rte_ether_hdr *)rte_pktmbuf_append(m, 64);
	struct rte_ipv4_hdr *ih = (struct rte_ipv4_hdr *)(eh + 1);

	memset(eh, 0, 64);
	eh->dst_addr = *dmac;
	eh->src_addr.addr_bytes[0] = 0x02;
	eh->src_addr.addr_bytes[5] = 0x01;
	eh->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	ih->version_ihl = RTE_IPV4_VHL_DEF;
	ih->total_length = rte_cpu_to_be_16(64 - sizeof(*eh) - 4);
	ih->time_to_live = 64;
	ih->next_proto_id = 17;
	ih->src_addr = htonl(0x0a010002);
	ih->dst_addr = dst;
	ih->hdr_checksum = rte_ipv4_cksum(ih);
	m->port = 0;
	rb_meta(m)->kind = RB_MK_RX;
}

int main(int argc, char **argv)
{
	/* With RB_BENCH_HUGE=1 (tools/bench/run reserves pages) mbufs live in
	 * 2 MB pages as in production; otherwise 4 KB pages (TLB-bound). */
	int huge = getenv("RB_BENCH_HUGE") && atoi(getenv("RB_BENCH_HUGE"));
	char *eal[] = {"bench_fwd", "--no-pci", "--no-telemetry", "--lcores=0@0",
		       "--vdev=net_null0", "--vdev=net_null1", "--log-level=error",
		       huge ? "--in-memory" : "--no-huge", huge ? "-m" : "-m", "256",
		       huge ? "--in-memory" : "--no-shconf", NULL};
	long total = 4000000, routes = 1000;
	int burst = 32, opt;
	struct rb_config cfg;
	struct rb_dp *dp = &rb_dp;
	char err[256];
	struct rte_mbuf *m[RB_BURST_MAX];
	struct rb_lcore *lc;
	struct rb_cfg_route *rt;
	uint64_t t0, fwd0;
	double cpp[ROUNDS];
	long done;

	while ((opt = getopt(argc, argv, "n:b:r:")) != -1) {
		if (opt == 'n')
			total = atol(optarg);
		else if (opt == 'b')
			burst = atoi(optarg);
		else if (opt == 'r')
			routes = atol(optarg);
		else
			return 2;
	}
	if (burst < 1 || burst > RB_BURST_MAX)
		burst = 32;
	if (rb_config_load_string(&cfg, cfg_text, "<bench>", stderr) != 0)
		return 2;
	if (rte_eal_init((int)(sizeof(eal) / sizeof(eal[0])) - 1, eal) < 0)
		return 1;
	memset(dp, 0, sizeof(*dp));
	dp->cfg = &cfg;
	dp->tsc_hz = rte_get_tsc_hz();
	dp->n_workers = 1;
	dp->n_ports = 2;
	rb_meta_register();
	dp->pool = rte_pktmbuf_pool_create("pool", 16383, 256, 0, RTE_MBUF_DEFAULT_BUF_SIZE, 0);
	dp->qsbr = rte_zmalloc(NULL, rte_rcu_qsbr_get_memsize(1), 64);
	rte_rcu_qsbr_init(dp->qsbr, 1);
	if (rb_workers_init(dp, err, sizeof(err)) != 0 ||
	    rb_port_start(dp, 0, &cfg.dp.ports[0], err, sizeof(err)) != 0 ||
	    rb_port_start(dp, 1, &cfg.dp.ports[1], err, sizeof(err)) != 0) {
		fprintf(stderr, "bench_fwd: %s\n", err);
		return 1;
	}
	rb_workers_bind_ports(dp);
	/* A FIB of realistic size: `routes` /24s via the neighbor on port b. */
	rt = calloc((size_t)routes, sizeof(*rt));
	for (long i = 0; i < routes; i++) {
		uint32_t pfx = htonl(0x14000000u + ((uint32_t)i << 8));

		rt[i].prefix.family = AF_INET;
		rt[i].prefix.plen = 24;
		memcpy(rt[i].prefix.addr, &pfx, 4);
		rt[i].has_via = 1;
		rt[i].via.family = AF_INET;
		rt[i].via.plen = 32;
		memcpy(rt[i].via.addr, (uint8_t[]){10, 2, 0, 2}, 4);
		rt[i].port = 1;
	}
	rb_fib_publish(dp, rb_fib_build(dp, rt, (int)routes, 1, err, sizeof(err)));
	lc = dp->workers[0];
	lc->now = rte_rdtsc();
	rb_neigh_add_static(lc, 1, AF_INET, (uint8_t[]){10, 2, 0, 2},
			    (uint8_t[]){2, 0, 0, 0, 0, 2});
	fwd0 = lc->stats->events[RB_EV_IP4_FORWARD];

	/* Rounds of (build only, build + path); the machine is shared, so the
	 * minimum and the median over rounds are reported. */
	for (int r = 0; r < ROUNDS; r++) {
		uint64_t t_fill = 0, t_all = 0;
		long per = total / ROUNDS;

		for (done = 0; done < per; done += burst) {
			t0 = rte_rdtsc();
			if (rte_pktmbuf_alloc_bulk(dp->pool, m, (unsigned)burst) != 0)
				return 1;
			for (int i = 0; i < burst; i++)
				fill(m[i], &dp->ports[0].mac, dst_of(done + i, routes));
			t_fill += rte_rdtsc() - t0;
			rte_pktmbuf_free_bulk(m, (unsigned)burst);
		}
		for (done = 0; done < per; done += burst) {
			t0 = rte_rdtsc();
			if (rte_pktmbuf_alloc_bulk(dp->pool, m, (unsigned)burst) != 0)
				return 1;
			for (int i = 0; i < burst; i++)
				fill(m[i], &dp->ports[0].mac, dst_of(done + i, routes));
			lc->now = t0;
			rb_eth_input(lc, m, (uint16_t)burst);
			rb_tx_flush(lc);
			t_all += rte_rdtsc() - t0;
		}
		cpp[r] = ((double)t_all - (double)t_fill) / (double)done;
	}
	qsort(cpp, ROUNDS, sizeof(cpp[0]), cmp_double);
	printf("bench_fwd: %ld packets of 64 B, burst %d, %ld routes, %lu forwarded, %s pages\n",
	       total, burst, routes,
	       (unsigned long)(lc->stats->events[RB_EV_IP4_FORWARD] - fwd0), huge ? "2 MB" : "4 KB");
	printf("bench_fwd: cycles/packet (parse + LPM + neighbor + TX, frame build subtracted): "
	       "min %.1f median %.1f over %d rounds\n", cpp[0], cpp[ROUNDS / 2], ROUNDS);
	printf("RESULT fwd_cycles_per_packet %.1f\n", cpp[0]);
	rb_port_stop_all(dp);
	return 0;
}
