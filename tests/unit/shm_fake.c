/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * shm_fake: a stand-in dataplane for control's tests.  Creates the segment
 * with rb_shm_create_named() (no EAL), describes ports, fills neighbor
 * entries, counts fake traffic and serves the command ring through
 * rb_shm_poll() every millisecond, like the dataplane's main lcore.
 *
 *   shm_fake NAME [-w WORKERS] [-p PORTS] [-t SECONDS] [-r] [-q]
 *     -r  reject every route table (as if rb_fib_build failed)
 *     -q  quiet: no traffic counting
 */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/socket.h>

#include "dataplane/shm/rb_shm.h"

static volatile sig_atomic_t quit;
static int reject;
static int level = RB_LOG_INFO;

static void on_sig(int s)
{
	(void)s;
	quit = 1;
}

static int apply(void *ctx, const struct rb_cfg_route *r, uint32_t n, uint32_t gen, char *err,
		 size_t errlen)
{
	uint32_t *applied = ctx, i;

	for (i = 0; i < n; i++)
		if (r[i].prefix.family != AF_INET && r[i].prefix.family != AF_INET6) {
			snprintf(err, errlen, "route %u: bad family", i);
			return -22;
		}
	if (reject) {
		snprintf(err, errlen, "fake dataplane rejects generation %u", gen);
		return -22;
	}
	*applied = gen;
	fprintf(stderr, "shm_fake: routes generation %u applied (%u routes)\n", gen, n);
	return 0;
}

static void set_level(void *ctx, int l)
{
	(void)ctx;
	level = l;
}

static uint32_t fib_gen(void *ctx)
{
	return *(uint32_t *)ctx;
}

int main(int argc, char **argv)
{
	static const struct rb_shm_ops ops = { apply, set_level, fib_gen };
	unsigned workers = 2, nports = 2, secs = 600, w, p;
	struct timespec ms = { 0, 1000000 };
	int opt, quiet = 0;
	uint32_t applied = 0;
	struct rb_shm *s;
	uint64_t end, i = 0;
	char err[256];

	while ((opt = getopt(argc, argv, "w:p:t:rq")) != -1) {
		switch (opt) {
		case 'w': workers = (unsigned)atoi(optarg); break;
		case 'p': nports = (unsigned)atoi(optarg); break;
		case 't': secs = (unsigned)atoi(optarg); break;
		case 'r': reject = 1; break;
		case 'q': quiet = 1; break;
		default:
			fprintf(stderr, "usage: shm_fake NAME [-w N] [-p N] [-t S] [-r] [-q]\n");
			return 2;
		}
	}
	if (optind != argc - 1 || nports > RB_MAX_PORTS) {
		fprintf(stderr, "usage: shm_fake NAME [-w N] [-p N] [-t S] [-r] [-q]\n");
		return 2;
	}
	s = rb_shm_create_named(argv[optind], workers, err, sizeof(err));
	if (!s) {
		fprintf(stderr, "shm_fake: %s\n", err);
		return 1;
	}
	signal(SIGTERM, on_sig);
	signal(SIGINT, on_sig);
	/* Ports as rb_shm_set_ports would write them. */
	s->hdr->ports_seq++;
	for (p = 0; p < nports; p++) {
		struct rb_shm_port *o = &s->hdr->ports[p];
		uint8_t mac[6] = { 0x02, 0, 0, 0, 0, (uint8_t)(p + 1) };

		snprintf(o->name, sizeof(o->name), p == 0 ? "lan" : "wan%u", p);
		memcpy(o->mac, mac, 6);
		o->mtu = 1500;
		o->dpdk_port_id = (uint16_t)p;
		o->nb_rxq = o->nb_txq = (uint16_t)workers;
		o->n_addrs = 2;
		o->addrs[0].family = AF_INET;
		o->addrs[0].plen = 24;
		inet_pton(AF_INET, "10.77.0.1", o->addrs[0].addr);
		o->addrs[0].addr[2] = (uint8_t)p;
		o->addrs[1].family = AF_INET6;
		o->addrs[1].plen = 64;
		inet_pton(AF_INET6, "fd77::1", o->addrs[1].addr);
	}
	s->hdr->n_ports = nports;
	s->hdr->ports_seq++;
	/* One reachable neighbor per worker. */
	for (w = 0; w < workers; w++) {
		struct rb_neigh_entry *e = &rb_shm_lcore_neigh(s, w)->e[w + 1];

		e->seq++;
		e->state = RB_NEIGH_REACHABLE;
		e->family = AF_INET;
		inet_pton(AF_INET, "10.77.0.2", e->ip);
		e->ip[3] = (uint8_t)(2 + w);
		e->mac[0] = 0x02;
		e->mac[5] = (uint8_t)(0x10 + w);
		e->seq++;
		rb_shm_lcore_neigh(s, w)->n_used = 1;
	}
	fprintf(stderr, "shm_fake: %s up, pid %d, %u workers, %u ports\n", argv[optind],
		(int)getpid(), workers, nports);
	end = rb_shm_mono_ns() + (uint64_t)secs * 1000000000ull;
	while (!quit && rb_shm_mono_ns() < end) {
		rb_shm_poll(s, &ops, &applied, 2000000000ull, 32);
		if (!quiet) {
			/* Fake traffic: each worker counts a packet per port per ms. */
			for (w = 0; w < workers; w++) {
				struct rb_lcore_stats *st = rb_shm_lcore_stats(s, w);

				st->epoch++;
				st->loops += 10;
				st->busy_loops++;
				st->busy_cycles += 1000;
				for (p = 0; p < nports; p++) {
					st->port[p].rx_packets++;
					st->port[p].rx_bytes += 100;
					st->port[p].tx_packets++;
					st->port[p].tx_bytes += 100;
				}
				st->events[RB_EV_IP4_FORWARD]++;
				if (i % 100 == 0)
					st->drops[RB_DROP_TTL_EXPIRED]++;
				st->epoch++;
			}
		}
		i++;
		nanosleep(&ms, NULL);
	}
	rb_shm_destroy(s);
	return 0;
}
