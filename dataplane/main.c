/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ringbox-dataplane: the DPDK process.
 *
 *   ringbox-dataplane [-c FILE] [--check] [--eal "ARGS"] [--log-level L]
 *
 * Loads and validates the config (the embedded default without -c), starts
 * EAL, brings up the ports, creates one context per worker lcore, publishes
 * the FIB and the shared-memory segment, then runs the worker loops until
 * SIGINT/SIGTERM.  The main lcore services the control rings.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_random.h>
#include "rb_lcore.h"
#include "rb_log.h"
#include "net/neigh.h"
#include "proxy/rb_proxy.h"
#include "ss/ss_proxy.h"
#include "shm/rb_shm.h"
#include "route/rb_route_dp.h"
#include "worker.h"
#include "tcp/tcp.h"
#include "../drivers/rb_port.h"
#include "wireguard/wg_dp.h"

#define EXIT_CONFIG 2

struct rb_dp rb_dp;
static volatile sig_atomic_t sig_quit, sig_stats;

static void on_signal(int sig)
{
	if (sig == SIGUSR1)
		sig_stats = 1;
	else
		sig_quit = 1;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: ringbox-dataplane [-c FILE] [--check] [--eal \"EAL ARGS\"] "
		   "[--log-level LEVEL]\n"
		   "  -c, --config FILE   configuration (default: the embedded default)\n"
		   "  --check             validate the configuration and exit (2 on errors)\n"
		   "  --eal ARGS          extra EAL arguments, appended last\n"
		   "  --log-level LEVEL   error, warn, info, debug or trace\n"
		   "  -V, --version       print the version\n");
}

/* Hugepages usable? (a hugetlbfs mount and free pages) */
static int have_hugepages(void)
{
	FILE *f = fopen("/proc/mounts", "r");
	char line[512];
	int mounted = 0;
	long free_pages = 0;

	if (f) {
		while (fgets(line, sizeof(line), f))
			if (strstr(line, " hugetlbfs "))
				mounted = 1;
		fclose(f);
	}
	f = fopen("/proc/meminfo", "r");
	if (f) {
		while (fgets(line, sizeof(line), f))
			if (sscanf(line, "HugePages_Free: %ld", &free_pages) == 1)
				break;
		fclose(f);
	}
	return mounted && free_pages >= 64;
}

static unsigned mempool_size(const struct rb_config *cfg);

/*
 * EAL memory without hugepages (-m, MB): the mbuf pool, two FIBs (the live
 * one and the next during a swap; the tbl24s of rte_lpm and rte_lpm6 are 64 MB
 * each: rb_fib_footprint), and per
 * worker the reassembly table, rings and TCP/UDP state, plus slack.
 */
static unsigned eal_memory_mb(const struct rb_config *cfg)
{
	uint64_t pool = (uint64_t)mempool_size(cfg) * (2048 + RTE_PKTMBUF_HEADROOM + 256);
	/* the live FIB and the next one, built before the old is retired */
	uint64_t fib = 2 * rb_fib_footprint(cfg->dp.n_routes);
	uint64_t worker = (uint64_t)cfg->dp.n_lcores * (48ull << 20);
	uint64_t ss = rb_ss_eal_mem(cfg->proxy); /* the workers' shared salt replay filter */

	return (unsigned)((pool + fib + worker + ss) >> 20) + 96;
}

/* Split a string on spaces into argv (no quoting). */
static int split_args(const char *s, char **argv, int max)
{
	char *copy = strdup(s), *save = NULL, *tok;
	int n = 0;

	for (tok = strtok_r(copy, " \t", &save); tok && n < max; tok = strtok_r(NULL, " \t", &save))
		argv[n++] = strdup(tok);
	free(copy);
	return n;
}

static int build_eal_args(const struct rb_config *cfg, const char *extra, char **argv, int max)
{
	const struct rb_cfg_dataplane *d = &cfg->dp;
	char buf[512];
	int n = 0, off, any_pci = 0;

	argv[n++] = strdup("ringbox-dataplane");
	off = snprintf(buf, sizeof(buf), "--lcores=0@%d", d->main_cpu);
	for (int w = 0; w < d->n_lcores; w++) {
		int cpu = d->lcores[w] >= 0 ? d->lcores[w] : 1 + w;

		off += snprintf(buf + off, sizeof(buf) - (size_t)off, ",%d@%d", w + 1, cpu);
	}
	argv[n++] = strdup(buf);
	for (int i = 0; i < d->n_ports; i++)
		any_pci |= rb_dev_is_pci(d->ports[i].device);
	if (have_hugepages()) {
		argv[n++] = strdup("--in-memory");
	} else {
		argv[n++] = strdup("--no-huge");
		argv[n++] = strdup("-m");
		snprintf(buf, sizeof(buf), "%u", eal_memory_mb(cfg));
		argv[n++] = strdup(buf);
		argv[n++] = strdup("--no-shconf");
	}
	if (!any_pci)
		argv[n++] = strdup("--no-pci");
	argv[n++] = strdup("--no-telemetry");
	n += rb_dev_eal_args(cfg, argv + n, max - n - 8);
	for (int i = 0; i < d->n_eal_args && n < max - 1; i++)
		argv[n++] = strdup(d->eal_args[i]);
	if (extra)
		n += split_args(extra, argv + n, max - n - 1);
	argv[n] = NULL;
	return n;
}

/* Mempool: rx/tx rings of every queue, per-worker caches, rings and slack. */
static unsigned mempool_size(const struct rb_config *cfg)
{
	unsigned n = 0;

	if (cfg->dp.mbufs)
		return cfg->dp.mbufs;
	for (int i = 0; i < cfg->dp.n_ports; i++)
		n += (unsigned)(cfg->dp.ports[i].queues + cfg->dp.n_lcores) * 1024;
	/* per lcore: its pool cache (flushed above 1.5x), bursts, rings */
	n += (unsigned)cfg->dp.n_lcores * (RB_POOL_CACHE * 3 / 2 + 2 * RB_BURST_MAX + 4096);
	n += 8192;
	return rte_align32pow2(n) - 1;
}

static void stats_print(const struct rb_dp *dp, FILE *f)
{
	struct rb_lcore_stats sum;

	memset(&sum, 0, sizeof(sum));
	for (int w = 0; w < dp->n_workers; w++) {
		const struct rb_lcore_stats *s = dp->workers[w]->stats;

		for (int p = 0; p < dp->n_ports; p++) {
			sum.port[p].rx_packets += s->port[p].rx_packets;
			sum.port[p].rx_bytes += s->port[p].rx_bytes;
			sum.port[p].tx_packets += s->port[p].tx_packets;
			sum.port[p].tx_bytes += s->port[p].tx_bytes;
		}
		sum.busy_cycles += s->busy_cycles;
		for (int i = 0; i < RB_DROP_MAX; i++)
			sum.drops[i] += s->drops[i];
		for (int i = 0; i < RB_EV_MAX; i++)
			sum.events[i] += s->events[i];
	}
	/* The CPU the workers spent moving packets (busy iterations only, so
	 * an idle or sleeping poll loop does not count): the per-core cost a
	 * bench divides throughput by. */
	fprintf(f, "stats: cpu busy_us %lu\n",
		dp->tsc_hz ? (unsigned long)((double)sum.busy_cycles * 1e6 / (double)dp->tsc_hz) : 0UL);
	for (int p = 0; p < dp->n_ports; p++)
		fprintf(f, "stats: port %s rx_packets %lu rx_bytes %lu tx_packets %lu tx_bytes %lu\n",
			dp->ports[p].name, sum.port[p].rx_packets, sum.port[p].rx_bytes,
			sum.port[p].tx_packets, sum.port[p].tx_bytes);
	for (int i = 0; i < RB_DROP_MAX; i++)
		if (sum.drops[i])
			fprintf(f, "stats: drop %s %lu\n", rb_drop_names[i], sum.drops[i]);
	for (int i = 0; i < RB_EV_MAX; i++)
		if (sum.events[i])
			fprintf(f, "stats: event %s %lu\n", rb_event_names[i], sum.events[i]);
	fprintf(f, "stats: end\n");
	fflush(f);
}

static int load_neighbors(struct rb_dp *dp)
{
	const struct rb_cfg_dataplane *d = &dp->cfg->dp;

	for (int w = 0; w < dp->n_workers; w++)
		for (int i = 0; i < d->n_neighbors; i++) {
			const struct rb_cfg_neigh *n = &d->neighbors[i];

			if (rb_neigh_add_static(dp->workers[w], (uint16_t)n->port, n->ip.family,
						n->ip.addr, n->mac) != 0)
				return -1;
		}
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"config", required_argument, NULL, 'c'}, {"check", no_argument, NULL, 'k'},
		{"eal", required_argument, NULL, 'e'},    {"log-level", required_argument, NULL, 'l'},
		{"help", no_argument, NULL, 'h'},         {"version", no_argument, NULL, 'V'},
		{NULL, 0, NULL, 0}};
	struct rb_config cfg;
	const char *path = NULL, *eal_extra = NULL, *level = NULL;
	char *eal_argv[128], *eal_owned[128], err[512];
	int opt, check = 0, eal_argc = 0, rc = 1;
	struct rb_dp *dp = &rb_dp;
	struct rb_fib *fib;
	size_t qsz;

	while ((opt = getopt_long(argc, argv, "c:hV", opts, NULL)) != -1) {
		switch (opt) {
		case 'c': path = optarg; break;
		case 'k': check = 1; break;
		case 'e': eal_extra = optarg; break;
		case 'l': level = optarg; break;
		case 'V': printf("ringbox-dataplane %s\n", RB_VERSION); return 0;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return EXIT_CONFIG;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return EXIT_CONFIG;
	}
	if ((path ? rb_config_load(&cfg, path, stderr)
		  : rb_config_load_string(&cfg, rb_config_default, "<default>", stderr)) != 0)
		return EXIT_CONFIG;
	if (check) {
		printf("%s: ok\n", path ? path : "<default>");
		rb_config_free(&cfg);
		return 0;
	}
	rb_log_level = (int)cfg.log.level;
	if (level != NULL) {
		enum rb_log_level l;

		if (rb_log_level_parse(level, &l) != 0) {
			fprintf(stderr, "ringbox-dataplane: unknown log level '%s'\n", level);
			return EXIT_CONFIG;
		}
		rb_log_level = (int)l;
	}
	for (int i = 0; i < cfg.dp.n_ports; i++)
		if (rb_dev_precheck(&cfg.dp.ports[i], err, sizeof(err)) != 0) {
			fprintf(stderr, "ringbox-dataplane: %s\n", err);
			rb_config_free(&cfg);
			return EXIT_CONFIG;
		}

	eal_argc = build_eal_args(&cfg, eal_extra, eal_argv, 120);
	/* EAL's getopt permutes argv: free from our own copy of the pointers. */
	memcpy(eal_owned, eal_argv, sizeof(eal_owned[0]) * (size_t)eal_argc);
	if (rb_log_level >= RB_LOG_DEBUG) {
		fprintf(stderr, "ringbox-dataplane: EAL:");
		for (int i = 1; i < eal_argc; i++)
			fprintf(stderr, " %s", eal_argv[i]);
		fputc('\n', stderr);
	}
	if (rte_eal_init(eal_argc, eal_argv) < 0) {
		RB_ERR("EAL init failed: %s", rte_strerror(rte_errno));
		goto out_cfg;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGUSR1, on_signal);
	signal(SIGPIPE, SIG_IGN);

	memset(dp, 0, sizeof(*dp));
	dp->cfg = &cfg;
	dp->tsc_hz = rte_get_tsc_hz();
	dp->n_workers = cfg.dp.n_lcores;
	dp->n_ports = cfg.dp.n_ports;
	dp->flow_hash_seed = (uint32_t)rte_rand();
	if ((int)rte_lcore_count() < dp->n_workers + 1) {
		RB_ERR("EAL gave %u lcores, need %d workers + main", rte_lcore_count(),
		       dp->n_workers);
		goto out_eal;
	}
	if (rb_meta_register() != 0) {
		RB_ERR("cannot register the mbuf dynfield: %s", rte_strerror(rte_errno));
		goto out_eal;
	}
	{
		uint16_t max_mtu = RTE_ETHER_MTU;

		for (int i = 0; i < cfg.dp.n_ports; i++)
			max_mtu = RTE_MAX(max_mtu, cfg.dp.ports[i].mtu);
		dp->pool = rb_pool_create(
			&cfg, "rb_pool", mempool_size(&cfg), RB_POOL_CACHE,
			(uint16_t)(RTE_PKTMBUF_HEADROOM +
				   RTE_MAX(2048, RTE_ALIGN_CEIL(max_mtu + 26, 1024))),
			(int)rte_socket_id());
	}
	if (dp->pool == NULL) {
		RB_ERR("cannot create the mbuf pool (%u mbufs): %s", mempool_size(&cfg),
		       rte_strerror(rte_errno));
		goto out_eal;
	}
	qsz = rte_rcu_qsbr_get_memsize((uint32_t)dp->n_workers);
	dp->qsbr = rte_zmalloc("rb_qsbr", qsz, RTE_CACHE_LINE_SIZE);
	if (dp->qsbr == NULL || rte_rcu_qsbr_init(dp->qsbr, (uint32_t)dp->n_workers) != 0) {
		RB_ERR("cannot create the RCU state");
		goto out_eal;
	}
	dp->shm = rb_shm_create(&cfg, (unsigned)dp->n_workers, err, sizeof(err));
	if (dp->shm == NULL) {
		RB_ERR("shared memory: %s", err);
		goto out_eal;
	}
	if (rb_route_dp_init(dp, err, sizeof(err)) != 0) { /* rule tables, DNS cache */
		RB_ERR("route segment: %s", err);
		goto out_workers;
	}
	if (rb_workers_init(dp, err, sizeof(err)) != 0) {
		RB_ERR("%s", err);
		goto out_workers;
	}
	for (int i = 0; i < cfg.dp.n_ports; i++)
		if (rb_port_start(dp, i, &cfg.dp.ports[i], err, sizeof(err)) != 0) {
			RB_ERR("%s", err);
			dp->n_ports = i;
			goto out_ports;
		}
	rb_workers_bind_ports(dp);
	if (rb_wg_init(dp, &cfg, err, sizeof(err)) != 0) { /* WireGuard endpoints */
		RB_ERR("%s", err);
		goto out_ports;
	}
	fib = rb_fib_build(dp, cfg.dp.routes, cfg.dp.n_routes, 1, err, sizeof(err));
	if (fib == NULL) {
		RB_ERR("FIB: %s", err);
		goto out_ports;
	}
	rb_fib_publish(dp, fib);
	if (load_neighbors(dp) != 0) {
		RB_ERR("static neighbors do not fit the neighbor table");
		goto out_ports;
	}
	for (int w = 0; w < dp->n_workers; w++) {
		struct rb_lcore *lc = dp->workers[w];

		if (tcp_lcore_init(lc) != 0 || udp_lcore_init(lc) != 0) {
			RB_ERR("worker %d: cannot initialise TCP/UDP", w);
			goto out_ports;
		}
		if (proxy_lcore_init(lc) != 0)
			goto out_ports;
	}
	rb_shm_set_ports(dp->shm, dp);
	for (int w = 0; w < dp->n_workers; w++)
		rte_eal_remote_launch(rb_worker_main, dp->workers[w], dp->workers[w]->lcore_id);
	printf("ringbox-dataplane: ready\n");
	fflush(stdout);

	while (!sig_quit) {
		struct timespec ts = {0, 1000000};

		rb_shm_service(dp->shm, dp);
		rb_route_dp_service(dp);
		rb_fib_reclaim(dp, 0);
		if (sig_stats) {
			sig_stats = 0;
			stats_print(dp, stdout);
		}
		nanosleep(&ts, NULL);
	}
	RB_INFO("shutting down");
	dp->quit = 1;
	rte_eal_mp_wait_lcore();
	stats_print(dp, stdout);
	rc = 0;
out_ports:
	dp->quit = 1;
	rte_eal_mp_wait_lcore();
	for (int w = 0; w < dp->n_workers; w++)
		proxy_lcore_fini(dp->workers[w]);
	rb_port_stop_all(dp);
	rb_wg_fini(dp);
out_workers:
	rb_workers_fini(dp);
	rb_route_dp_fini();
	rb_fib_reclaim(dp, 1);
	rb_fib_free(dp->fib);
	dp->fib = NULL;
	rb_shm_destroy(dp->shm);
	dp->shm = NULL;
	rte_mempool_free(dp->pool);
	rte_free(dp->qsbr);
out_eal:
	rte_eal_cleanup();
out_cfg:
	for (int i = 0; i < eal_argc; i++)
		free(eal_owned[i]);
	rb_config_free(&cfg);
	return rc;
}
