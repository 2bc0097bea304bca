/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * bench_relay's loop and measurement modes (moved from bench_relay.c; the
 * modes and what each reports are described there): the generator's and
 * the relay's worker iterations alternating on this thread, only the
 * relay's timed; the -O NIC checksum-offload model around them; the bulk,
 * cps, idle, ss and -V variant runs, each on a fresh pair of dataplanes
 * (br_setup) and reported as the minimum and median of its rounds.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <netinet/in.h>
#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_malloc.h>
#include <rte_rcu_qsbr.h>
#include <rte_ring.h>
#include "dataplane/net/cksum.h"
#include "dataplane/proxy/proxy_priv.h"
#include "dataplane/proxy/rb_proxy.h"
#include "dataplane/rb_lcore.h"
#include "dataplane/tcp/tcp_priv.h"
#include "dataplane/worker.h"
#include "drivers/rb_port.h"
#include "bench_relay.h"
#include "bench_relay_ss.h"

/* ---- the loop ---- */
static uint64_t relay_cyc, relay_iters, relay_iters_all;
static uint64_t *iter_samp;           /* idle: each relay iteration's cycles */
int br_direct_poll;                   /* -p: idle also times proxy_lcore_poll once a ms */
static size_t n_samp, cap_samp;

/* Not inlined: profiles tell the relay's iterations from the generator's. */
static __attribute__((noinline)) void relay_iter(void)
{
	rb_worker_iter(br_relay.lc);
	__asm__ volatile("" ::: "memory");  /* no tail call: stays in the stack */
}

/*
 * -O: the relay's two ports as NICs with TCP checksum offload, done here,
 * outside the timed relay iterations, as hardware would: frames toward the
 * relay are verified and flagged RX_L4_CKSUM_GOOD (or _BAD); frames the
 * relay sent with RTE_MBUF_F_TX_TCP_CKSUM get their sum finished before the
 * generator sees them.  (net_ring itself offers no offloads.)
 */
static void nic_rx(struct rte_ring *r, unsigned max)
{
	struct rte_mbuf *m[256];
	unsigned n = rte_ring_dequeue_burst(r, (void **)m, RTE_MIN(max, (unsigned)RTE_DIM(m)), NULL);

	for (unsigned i = 0; i < n; i++) {
		const struct rte_ether_hdr *eh = rte_pktmbuf_mtod(m[i], const struct rte_ether_hdr *);
		uint64_t f = RTE_MBUF_F_RX_L4_CKSUM_UNKNOWN;

		if (eh->ether_type == rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4) &&
		    rte_pktmbuf_is_contiguous(m[i])) {
			const struct rte_ipv4_hdr *ih = (const struct rte_ipv4_hdr *)(eh + 1);

			if (ih->next_proto_id == IPPROTO_TCP)
				f = rte_ipv4_udptcp_cksum_verify(ih, (const uint8_t *)ih +
									 rte_ipv4_hdr_len(ih)) == 0
					    ? RTE_MBUF_F_RX_L4_CKSUM_GOOD
					    : RTE_MBUF_F_RX_L4_CKSUM_BAD;
		}
		m[i]->ol_flags = (m[i]->ol_flags & ~RTE_MBUF_F_RX_L4_CKSUM_MASK) | f;
	}
	if (n && rte_ring_enqueue_bulk(r, (void **)m, n, NULL) != n)
		rte_pktmbuf_free_bulk(m, n);
}

static void nic_tx(struct rte_ring *r, unsigned max)
{
	struct rte_mbuf *m[256];
	unsigned n = rte_ring_dequeue_burst(r, (void **)m, RTE_MIN(max, (unsigned)RTE_DIM(m)), NULL);

	for (unsigned i = 0; i < n; i++)
		rb_cksum_tx_finish(m[i], m[i]->l2_len);
	if (n && rte_ring_enqueue_bulk(r, (void **)m, n, NULL) != n)
		rte_pktmbuf_free_bulk(m, n);
}

static void nic_model(int to_relay)
{
	if (!br_nic_offload)
		return;
	for (int i = 0; i < 2; i++) {
		struct rte_ring *r = br_wire[2 * i + (to_relay ? 0 : 1)];

		/* each frame once: taken from the head, put back at the tail */
		for (unsigned k = rte_ring_count(r); k > 0; k = k > 256 ? k - 256 : 0) {
			if (to_relay)
				nic_rx(r, k);
			else
				nic_tx(r, k);
		}
	}
}

static void step(void)
{
	uint64_t t0, t1;

	rb_worker_iter(br_gen.lc);
	nic_model(1);
	t0 = rte_rdtsc();
	relay_iter();
	t1 = rte_rdtsc();
	nic_model(0);
	relay_cyc += t1 - t0;
	if (n_samp < cap_samp)
		iter_samp[n_samp++] = t1 - t0;
	relay_iters++;
	relay_iters_all++;
	rte_rcu_qsbr_quiescent(br_relay.dp.qsbr, 0);
}

static void counters_zero(void)
{
	relay_cyc = relay_iters = 0;
}

double br_hz(void)
{
	return (double)rte_get_tsc_hz();
}

/* This thread's CPU time (seconds): what it ran, not what it waited. */
static double thread_cpu_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int cmp_double(const void *x, const void *y)
{
	double u = *(const double *)x, v = *(const double *)y;

	return (u > v) - (u < v);
}

#define ROUNDS 7

/* The machine may be shared: each figure is taken over ROUNDS slices of
 * the run and reported as the minimum and the median. */
static double last_socks_cpb = -1; /* the socks bulk figure of this invocation */

/* bulk download (up = 0) or upload (up = 1, Shadowsocks only); *med: the
 * median cycles per byte */
/* The relay's frames so far: rx on the client port, on the server port,
 * tx on each. */
static void frames_snap(uint64_t f[4])
{
	const struct rb_lcore_stats *s = br_relay.lc->stats;

	f[0] = s->port[0].rx_packets;
	f[1] = s->port[1].rx_packets;
	f[2] = s->port[0].tx_packets;
	f[3] = s->port[1].tx_packets;
}

int br_run_bulk(int proxy, unsigned clients, uint64_t bytes, int up, double *med)
{
	uint64_t warm = 8u << 20, t0, b0, total = 0, deadline, fr0[4], fr1[4];
	double secs = 0, cpb[ROUNDS], oncpu[ROUNDS];
	int r;

	if (br_setup(proxy, up ? BR_M_UP : BR_M_BULK) != 0)
		return -2;
	for (unsigned i = 0; i < clients; i++)
		br_cli_open();
	deadline = rte_rdtsc() + (uint64_t)(30 * br_hz());
	while (br_st.bytes < warm && rte_rdtsc() < deadline && br_st.failed == 0)
		step();
	frames_snap(fr0);
	relay_iters_all = 0;
	for (r = 0; r < ROUNDS; r++) {
		double cpu0 = thread_cpu_s(), wall;

		counters_zero();
		b0 = br_st.bytes;
		t0 = rte_rdtsc();
		while (br_st.bytes - b0 < bytes / ROUNDS && rte_rdtsc() < deadline &&
		       br_st.failed == 0)
			step();
		wall = (double)(rte_rdtsc() - t0) / br_hz();
		secs += wall;
		b0 = br_st.bytes - b0;
		total += b0;
		if (b0 < bytes / ROUNDS)
			break;
		cpb[r] = (double)relay_cyc / (double)b0;
		/* on a shared machine the thread is off the CPU part of the time,
		 * and rdtsc counts that too: scale by the round's on-CPU share */
		oncpu[r] = cpb[r] * RTE_MIN(1.0, (thread_cpu_s() - cpu0) / wall);
	}
	if (r < ROUNDS) {
		br_diag("bulk");
		br_teardown();
		return -1;
	}
	frames_snap(fr1);
	qsort(cpb, ROUNDS, sizeof(cpb[0]), cmp_double);
	qsort(oncpu, ROUNDS, sizeof(oncpu[0]), cmp_double);
	printf("%s %s, %u connection%s, %.0f MiB%s: cycles/byte on the relay core min %.3f "
	       "median %.3f (on-CPU share only: min %.3f median %.3f), relay-core %.1f Gbps "
	       "(median); wall %.2f Gbps (gen + relay on one thread)\n",
	       br_with_ss ? "ss   " : proxy ? "relay" : "tcp  ", up ? "up" : "bulk", clients,
	       clients > 1 ? "s" : "", (double)total / 1048576,
	       br_with_ss ? (up ? " of plaintext up through the ss inbound (the relay opens)"
			     : " of plaintext down through the ss inbound (the relay seals)")
	       : proxy ? " down through socks" : " down from the relay's stack",
	       cpb[0], cpb[ROUNDS / 2], oncpu[0], oncpu[ROUNDS / 2],
	       8.0 * br_hz() / cpb[ROUNDS / 2] / 1e9, 8.0 * (double)total / secs / 1e9);
	{
		/* what the relay core handled per full-sized segment's worth of
		 * payload (1448 bytes: MSS 1460 less the timestamps) */
		double segs = (double)total / 1448, rx_c = (double)(fr1[0] - fr0[0]) / segs,
		       rx_s = (double)(fr1[1] - fr0[1]) / segs, tx_c = (double)(fr1[2] - fr0[2]) / segs,
		       tx_s = (double)(fr1[3] - fr0[3]) / segs, it = (double)relay_iters_all / segs;

		printf("  per 1448 bytes relayed: frames in %.2f (client side %.2f, server side %.2f), "
		       "out %.2f (client side %.2f, server side %.2f); relay iterations %.3f\n",
		       rx_c + rx_s, rx_c, rx_s, tx_c + tx_s, tx_c, tx_s, it);
	}
	if (!br_with_ss)
		printf("RESULT %s_bulk_cpb %.3f\n", proxy ? "relay" : "tcp", cpb[ROUNDS / 2]);
	if (proxy && !br_with_ss)
		last_socks_cpb = oncpu[ROUNDS / 2];
	if (med != NULL) {
		med[0] = cpb[ROUNDS / 2];
		med[1] = oncpu[ROUNDS / 2];
	}
	br_teardown();
	return 0;
}

int br_run_cps(int proxy, uint64_t total, unsigned window)
{
	uint64_t t0, deadline, warm = RTE_MIN(total / 10, 5000u), done = 0;
	double secs = 0, cpc[ROUNDS];
	int r;

	if (br_setup(proxy, BR_M_CPS) != 0)
		return -2;
	deadline = rte_rdtsc() + (uint64_t)(60 * br_hz());
	for (r = -1; r < ROUNDS; r++) {
		uint64_t goal = r < 0 ? warm : total / ROUNDS;

		br_st.done = br_st.started = 0;
		counters_zero();
		t0 = rte_rdtsc();
		while (br_st.done < goal && rte_rdtsc() < deadline && br_st.failed < 100) {
			while (br_st.started < goal &&
			       br_st.started - br_st.done - br_st.failed < window &&
			       br_cli_open() == 0)
				;
			step();
		}
		if (br_st.done < goal)
			break;
		if (r < 0)
			continue;
		/* the last connections of a round close in the next one */
		secs += (double)(rte_rdtsc() - t0) / br_hz();
		done += br_st.done;
		cpc[r] = (double)relay_cyc / (double)br_st.done;
	}
	if (r < ROUNDS || br_st.failed) {
		br_diag("cps");
		br_teardown();
		return -1;
	}
	qsort(cpc, ROUNDS, sizeof(cpc[0]), cmp_double);
	printf("%s cps: %lu connections (%u in flight, %s, %d-byte request and response, "
	       "client close): cycles/connection on the relay core min %.0f median %.0f, "
	       "relay-core %.0f k CPS (median); wall %.0f k CPS\n",
	       proxy ? "relay" : "tcp  ", (unsigned long)done, window,
	       proxy ? "SOCKS5 greeting + CONNECT" : "plain TCP", BR_REQ_LEN,
	       cpc[0], cpc[ROUNDS / 2], br_hz() / cpc[ROUNDS / 2] / 1e3,
	       (double)done / secs / 1e3);
	printf("RESULT %s_cps %.0f\n", proxy ? "relay" : "tcp", br_hz() / cpc[ROUNDS / 2]);
	br_teardown();
	return 0;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static void samp_report(const char *what, uint64_t *v, size_t n, double per_s)
{
	double us = br_hz() / 1e6, sum = 0;
	size_t over = 0;

	if (n < 10)
		return;
	qsort(v, n, sizeof(*v), cmp_u64);
	for (size_t i = 0; i < n; i++) {
		sum += (double)v[i];
		over += v[i] > 100 * us;
	}
	printf("    %s: %zu, cycles mean %.0f median %lu p99 %lu p99.9 %lu, 10th worst %lu "
	       "(%.1f us), worst %lu (%.1f us); %zu over 100 us; %.2f %% of a core\n",
	       what, n, sum / (double)n, (unsigned long)v[n / 2], (unsigned long)v[n * 99 / 100],
	       (unsigned long)v[n * 999 / 1000], (unsigned long)v[n - 10], (double)v[n - 10] / us,
	       (unsigned long)v[n - 1], (double)v[n - 1] / us, over,
	       100.0 * sum / (double)n * per_s / br_hz());
}

/* One second with k idle relayed connections open: the relay's
 * iterations (everything the worker does: RX polls, timers, and every
 * 10 ms its housekeeping with the proxy's poll over its sessions and the
 * `conns` TCP rows' refresh), and with -p the proxy's poll alone
 * (proxy_lcore_poll, also called once a millisecond between iterations:
 * its walk of the sessions and a slice of the TCP rows; the worker's own
 * polls then find less to do).  Preempted
 * iterations (2 shared vCPUs) show as outliers: compare the 10th worst
 * and the share of a core. */
static void idle_iters(unsigned k)
{
	uint64_t end, next = 0, *poll = NULL;
	size_t n_poll = 0;
	uint64_t ms = (uint64_t)(br_hz() / 1e3);

	cap_samp = 1u << 23;
	iter_samp = malloc(cap_samp * sizeof(*iter_samp));
	poll = malloc(2000 * sizeof(*poll));
	if (iter_samp == NULL || poll == NULL) {
		free(iter_samp);
		free(poll);
		iter_samp = NULL;
		cap_samp = 0;
		return;
	}
	n_samp = 0;
	for (end = rte_rdtsc() + (uint64_t)br_hz(); rte_rdtsc() < end;) {
		step();
		if (br_direct_poll && br_with_proxy && rte_rdtsc() >= next && n_poll < 2000) {
			uint64_t t0 = rte_rdtsc();

			proxy_lcore_poll(br_relay.lc);
			poll[n_poll++] = rte_rdtsc() - t0;
			next = t0 + ms;
		}
	}
	cap_samp = 0;
	printf("  %u idle, one second:\n", k);
	samp_report("relay iterations", iter_samp, n_samp, (double)n_samp);
	samp_report("proxy polls (1 a ms)", poll, n_poll, 1000.0);
	if (n_samp >= 10)
		printf("RESULT relay_idle_iter_10th_worst_cyc %lu\n",
		       (unsigned long)iter_samp[n_samp - 10]);
	if (n_poll >= 10)
		printf("RESULT relay_idle_poll_worst_cyc %lu\n", (unsigned long)poll[n_poll - 10]);
	free(iter_samp);
	free(poll);
	iter_samp = NULL;
}

/* Idle for 200 ms: delayed ACKs and the last window updates go out, the
 * acknowledged send buffers are freed. */
static void idle_wait(void)
{
	for (uint64_t end = rte_rdtsc() + (uint64_t)(br_hz() / 5); rte_rdtsc() < end;)
		step();
}

int br_run_idle(int proxy, unsigned k)
{
	uint64_t deadline, mem0, conns0, heap0, rv0;
	struct tcp_stack *ts;
	struct rte_malloc_socket_stats hs;
	double per_conn, per_heap, bufs;
	size_t sess;

	if (br_setup(proxy, BR_M_IDLE) != 0)
		return -2;
	ts = br_relay.lc->tcp;
	/* let the relay's lazily grown state settle with one connection */
	br_cli_open();
	deadline = rte_rdtsc() + (uint64_t)(20 * br_hz());
	while (br_st.opened_idle < 1 && rte_rdtsc() < deadline && br_st.failed == 0)
		step();
	idle_wait();
	mem0 = ts->mem;
	conns0 = ts->n_conns;
	rv0 = ts->n_recov;
	rte_malloc_get_socket_stats((int)rte_socket_id(), &hs);
	heap0 = hs.heap_allocsz_bytes;
	for (unsigned i = 0; i < k; i++)
		br_cli_open();
	while (br_st.opened_idle < k + 1 && rte_rdtsc() < deadline && br_st.failed == 0)
		step();
	idle_wait();
	rte_malloc_get_socket_stats((int)rte_socket_id(), &hs);
	sess = proxy ? sizeof(struct psess) + sizeof(struct rb_conn_info) : 0;
	bufs = ((double)ts->mem - (double)mem0) / k;
	/* loss-recovery blocks still held (tcp_priv.h struct tcp_recov) */
	per_conn = (double)((ts->n_conns - conns0) * sizeof(struct tcp_conn) +
			    ((double)ts->n_recov - (double)rv0) * sizeof(struct tcp_recov)) / k +
		   bufs + (double)sess;
	/* the heap also holds the generator's slabs (two ends per connection
	 * when proxied, one for tcp-only), grown on demand */
	per_heap = (double)(hs.heap_allocsz_bytes - heap0) / k;
	printf("%s idle: %u connections after one request each: %.0f tcp_conns on the relay "
	       "(%zu B each; %.0f loss-recovery blocks held, %zu B each), %.0f B of queued buffers, %zu B of session (psess %zu + conn "
	       "info %zu): %.0f B per idle %s connection; rte heap grew %.0f B/conn (both "
	       "dataplanes)%s\n",
	       proxy ? "relay" : "tcp  ", k, (double)(ts->n_conns - conns0), sizeof(struct tcp_conn),
	       (double)ts->n_recov - (double)rv0, sizeof(struct tcp_recov), bufs, sess, proxy ? sizeof(struct psess) : 0,
	       proxy ? sizeof(struct rb_conn_info) : 0, per_conn,
	       proxy ? "relayed" : "established", per_heap,
	       br_st.opened_idle < k + 1 ? " [NOT ALL OPENED]" : "");
	printf("RESULT %s_idle_bytes %.0f\n", proxy ? "relay" : "tcp", per_conn);
	idle_iters(k);
	br_teardown();
	return br_st.opened_idle < k + 1 ? -1 : 0;
}

/* The Shadowsocks relay, per method of the comma-separated list: cycles
 * per relayed plaintext byte down (ss-bulk) and/or up (ss-up), then where
 * they go: the codec alone in the relay's call shape, the two copies
 * around each call (ss_mbuf_seal/open gather into a linear buffer and
 * scatter the result into new mbufs), the rest (TCP both sides, the
 * relay, mbufs), against the socks relay of the same run when it ran. */
int br_run_ss(const char *methods, int down, int up, unsigned clients, uint64_t bytes)
{
	char name[64];
	double copy = brs_copy_cpb(64);
	int rc = 0;

	for (const char *p = methods; p != NULL && *p; p = strchr(p, ',') ? strchr(p, ',') + 1 : NULL) {
		size_t n = strcspn(p, ",");

		snprintf(name, sizeof(name), "%.*s", (int)n, p);
		if (brs_set_method(name) != 0) {
			fprintf(stderr, "bench_relay: unknown shadowsocks method %s\n", name);
			rc = -1;
			continue;
		}
		for (int dir = 0; dir < 2; dir++) {
			double cpb[2] = {-1, -1};
			int r;

			if (!(dir ? up : down))
				continue;
			br_with_ss = 1;
			printf("%s: ", name);
			fflush(stdout);
			r = br_run_bulk(1, clients, bytes, dir, cpb);
			br_with_ss = 0;
			if (r == -2)
				return -2;
			if (r != 0) {
				printf("failed\n");
				rc = -1;
				continue;
			}
			brs_report(name, dir, cpb[0], cpb[1], copy, last_socks_cpb);
		}
	}
	return rc;
}

/* "label:zc=N:burst=N:rx=N:cache=N:ofl=N" (defaults: the dataplane's) */
int br_variant_parse(const char *spec)
{
	char buf[128], *save = NULL, *tok;

	for (const char *p = spec; p != NULL && *p; p = strchr(p, ',') ? strchr(p, ',') + 1 : NULL) {
		struct br_variant *v;
		size_t n = strcspn(p, ",");

		if (br_n_vars == RTE_DIM(br_vars) || n >= sizeof(buf))
			return -1;
		v = &br_vars[br_n_vars++];
		*v = (struct br_variant){.zc = 2, .burst = 1, .cache = RB_POOL_CACHE};
		memcpy(buf, p, n);
		buf[n] = '\0';
		tok = strtok_r(buf, ":", &save);
		snprintf(v->label, sizeof(v->label), "%s", tok ? tok : "?");
		while ((tok = strtok_r(NULL, ":", &save)) != NULL) {
			if (strncmp(tok, "zc=", 3) == 0)
				v->zc = (uint8_t)atoi(tok + 3);
			else if (strncmp(tok, "burst=", 6) == 0)
				v->burst = (uint8_t)atoi(tok + 6);
			else if (strncmp(tok, "cache=", 6) == 0)
				v->cache = (unsigned)atoi(tok + 6);
			else if (strncmp(tok, "ofl=", 4) == 0)
				v->ofl = (uint8_t)atoi(tok + 4);
			else if (strncmp(tok, "rx=", 3) == 0)
				v->rx = (uint8_t)atoi(tok + 3);
			else
				return -1;
		}
	}
	return br_n_vars ? 0 : -1;
}

/* Bulk relay runs of each variant in turn, var_rounds times; each run's
 * median cycles per byte, then per variant the best and the median run. */
int br_run_variants(unsigned clients, uint64_t bytes)
{
	double med[RTE_DIM(br_vars)][16], cpb[2];
	unsigned rounds = RTE_MIN(br_var_rounds, 16u);

	for (unsigned r = 0; r < rounds; r++) {
		for (unsigned v = 0; v < br_n_vars; v++) {
			int rc;

			br_cur_var = &br_vars[v];
			br_pool_cache = br_vars[v].cache;
			br_nic_offload = br_vars[v].ofl;

			printf("[%s zc=%u burst=%u rx=%u cache=%u ofl=%u] ", br_vars[v].label, br_vars[v].zc,
			       br_vars[v].burst, br_vars[v].rx, br_vars[v].cache, br_vars[v].ofl);
			rc = br_run_bulk(1, clients, bytes, 0, cpb);
			br_cur_var = NULL;
			if (rc != 0)
				return rc;
			med[v][r] = cpb[0];
		}
	}
	printf("variants, %u alternated runs each (median c/B of each run):\n", rounds);
	for (unsigned v = 0; v < br_n_vars; v++) {
		qsort(med[v], rounds, sizeof(double), cmp_double);
		printf("  %-12s runs best %.3f median %.3f worst %.3f\n", br_vars[v].label,
		       med[v][0], med[v][rounds / 2], med[v][rounds - 1]);
		printf("RESULT variant_%s_cpb %.3f\n", br_vars[v].label, med[v][rounds / 2]);
	}
	return 0;
}
