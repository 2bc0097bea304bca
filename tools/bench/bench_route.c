/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * bench_route: the router's compile time and lookup cost.
 *
 *   bench_route [N_DOMAIN_RULES] [N_CIDR_RULES] [LOOKUPS] [KW_EVERY]
 *
 * Builds N random domain rules (half exact `domain`, half `domain_suffix`,
 * one value each, plus a `domain_keyword` (the name's middle label) on every
 * KW_EVERY-th one: default 5000, i.e. 20 keywords; 10 gives 10 k keywords
 * with 100 k rules, 1 gives 100 k: the keyword-heavy mode) and N random IPv4/IPv6 `ip_cidr`
 * rules, then a final rule; compiles them (config struct -> flat table ->
 * validated view, as control and the dataplane do) and times rb_rt_match()
 * for domain queries (hits at several depths and misses) and address
 * queries.  RB_KWQ_MIN=N in the environment moves the keyword count from
 * which the compiler builds the q-gram index instead of the automaton
 * (default RB_ROUTE_KWQ_MIN; 1: always, a huge N: never).  Prints the median and the minimum ns per lookup over 201 short
 * runs (the minimum is what a lookup costs when the CPU is not shared).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/socket.h>

#include "config/rb_cfg_route.h"
#include "control/rb_route_ctl.h"
#include "dataplane/route/rb_route.h"

#define NRUNS 201

static uint64_t rng = 0x9e3779b97f4a7c15ULL;

static uint64_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void label(char *b, int n)
{
	for (int i = 0; i < n; i++)
		b[i] = (char)('a' + rnd() % 26);
	b[n] = 0;
}

static double cpu_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int cmpd(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	int nd = argc > 1 ? atoi(argv[1]) : 100000, nc = argc > 2 ? atoi(argv[2]) : 100000;
	int nl = argc > 3 ? atoi(argv[3]) : 1000000, nq = 4096;
	int kw_every = argc > 4 ? atoi(argv[4]) : 5000;
	static char outs[2][RB_NAME_LEN] = {"direct", "proxy"};
	static char ins[1][RB_NAME_LEN] = {"in"};
	struct rb_cfg_routing r = {0};
	struct rb_rt_view v;
	struct rb_route_req *q;
	char err[512], (*names)[64];
	void *blob;
	size_t len;
	double t0, t1, t2, c0, c1, med[4];
	/* domain-hot: the first 64 domain queries only, so that neither the
	 * table's lines nor the (560-byte) requests miss the cache */
	const char *kinds[4] = {"domain", "ip", "mixed-miss", "domain-hot"};

	if (getenv("RB_KWQ_MIN"))
		rb_route_kwq_min = strtoull(getenv("RB_KWQ_MIN"), NULL, 0);
	r.n_rules = nd + nc + 1;
	r.rules = calloc((size_t)r.n_rules, sizeof(*r.rules));
	names = calloc((size_t)nd + 1, sizeof(*names));
	q = calloc((size_t)nq * 3, sizeof(*q));
	if (!r.rules || !names || !q)
		return 1;
	r.inbounds = ins;
	r.n_inbounds = 1;
	r.outbounds = outs;
	r.n_outbounds = 2;
	for (int i = 0; i < nd; i++) {
		struct rb_cfg_rule *x = &r.rules[i];
		char a[16], b[16];
		struct rb_cfg_strs *s = i % 2 ? &x->domain_suffix : &x->domain;

		label(a, 3 + (int)(rnd() % 8));
		label(b, 4 + (int)(rnd() % 6));
		snprintf(names[i], sizeof(names[i]), "%s.%s.%s", a, b, i % 3 ? "com" : "net");
		s->n = 1;
		s->v = malloc(sizeof(char *));
		s->v[0] = strdup(names[i]);
		if (kw_every > 0 && i % kw_every == 0) {
			x->domain_keyword.n = 1;
			x->domain_keyword.v = malloc(sizeof(char *));
			x->domain_keyword.v[0] = strdup(b);
		}
		snprintf(x->outbound, sizeof(x->outbound), "%s", outs[i & 1]);
	}
	for (int i = 0; i < nc; i++) {
		struct rb_cfg_rule *x = &r.rules[nd + i];
		struct rb_cidr *c;
		uint64_t v64 = rnd();

		x->ip_cidr.n = 1;
		c = x->ip_cidr.v = calloc(1, sizeof(*c));
		if (i % 4) {
			c->family = AF_INET;
			c->plen = (uint8_t)(16 + rnd() % 17);
			memcpy(c->addr, &v64, 4);
		} else {
			c->family = AF_INET6;
			c->plen = (uint8_t)(32 + rnd() % 65);
			c->addr[0] = 0x20;
			c->addr[1] = 0x01;
			memcpy(c->addr + 2, &v64, 8);
		}
		{
			struct rb_cidr net;

			rb_cidr_network(c, &net);
			*c = net;
		}
		snprintf(x->outbound, sizeof(x->outbound), "%s", outs[i & 1]);
	}
	r.rules[r.n_rules - 1].network = RB_RULE_NET_UDP;
	snprintf(r.rules[r.n_rules - 1].outbound, RB_NAME_LEN, "direct");

	t0 = now_s();
	c0 = cpu_s();
	if (rb_route_compile(&r, 1, 42, &blob, &len, err, sizeof(err))) {
		fprintf(stderr, "compile: %s\n", err);
		return 1;
	}
	t1 = now_s();
	c1 = cpu_s();
	if (rb_rt_view_init(&v, blob, len, err, sizeof(err))) {
		fprintf(stderr, "view: %s\n", err);
		return 1;
	}
	t2 = now_s();
	printf("rules: %d domain (%d keywords, %s) + %d cidr; compile %.0f ms (CPU %.0f ms), validate+view %.0f ms, table %.1f MiB\n",
	       nd, kw_every > 0 ? (nd + kw_every - 1) / kw_every : 0,
	       ((const struct rb_rt_hdr *)blob)->kwq_off ? "q-grams" : "automaton", nc, (t1 - t0) * 1e3, (c1 - c0) * 1e3, (t2 - t1) * 1e3, (double)len / (1 << 20));

	for (int i = 0; i < nq; i++) {
		struct rb_route_req *d = &q[i], *a = &q[nq + i], *m = &q[2 * nq + i];
		uint64_t x = rnd();

		d->network = a->network = m->network = RB_NET_TCP;
		d->dst.port = a->dst.port = m->dst.port = 443;
		/* domains: exact hits, subdomains of suffix rules, misses */
		if (i % 3 == 0)
			snprintf(d->dst.domain, sizeof(d->dst.domain), "%s", names[rnd() % (unsigned)nd]);
		else if (i % 3 == 1)
			snprintf(d->dst.domain, sizeof(d->dst.domain), "www.cdn.%s",
				 names[(rnd() % (unsigned)nd) | 1]);
		else
			snprintf(d->dst.domain, sizeof(d->dst.domain), "nothing%u.example.org",
				 (unsigned)x);
		/* addresses: half inside a rule's prefix */
		{
			const struct rb_cfg_rule *cr = &r.rules[nd + (int)(rnd() % (unsigned)nc)];

			a->dst.family = cr->ip_cidr.v[0].family;
			memcpy(a->dst.addr, cr->ip_cidr.v[0].addr, 16);
			if (i & 1)
				a->dst.addr[a->dst.family == AF_INET ? 3 : 15] ^= (uint8_t)x;
			else
				memcpy(a->dst.addr + 12, &x, 4);
		}
		snprintf(m->dst.domain, sizeof(m->dst.domain), "miss%u.org", (unsigned)x);
		m->dst.family = AF_INET;
		memcpy(m->dst.addr, &x, 4);
	}
	/* Many short runs: the median is the figure, the minimum shows what
	 * the lookup costs when nothing else runs on the CPU (shared hosts). */
	for (int k = 0; k < 4; k++) {
		double runs[NRUNS];
		int per = nl / NRUNS > 0 ? nl / NRUNS : 1;

		for (int run = 0; run < NRUNS; run++) {
			struct rb_route_result res;
			double s = now_s();
			uint64_t sink = 0;

			for (int i = 0; i < per; i++) {
				memset(&res, 0, sizeof(res));
				rb_rt_match(&v, k == 3 ? &q[(run * per + i) & 63]
						       : &q[k * nq + ((run * per + i) & (nq - 1))], &res);
				sink += res.rule;
			}
			runs[run] = (now_s() - s) * 1e9 / per;
			if (sink == 0xffffffffffULL)
				printf("%lu\n", (unsigned long)sink);
		}
		qsort(runs, NRUNS, sizeof(double), cmpd);
		med[k] = runs[NRUNS / 2];
		printf("lookup %-10s %6.1f ns median, %6.1f ns min (%d runs x %d)\n", kinds[k],
		       med[k], runs[0], NRUNS, per);
	}
	rb_rt_view_fini(&v);
	free(blob);
	r.inbounds = NULL;   /* static here */
	r.outbounds = NULL;
	rb_cfg_route_free(&r);
	return 0;
}
