/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * bench_tcp: CPU cost of the TCP stack on one core, in-process.
 *
 *  1. bulk: cycles per byte to move data between two stacks over the
 *     simulated wire of tests/unit/test_tcp_harness.c (no loss), in four
 *     parts that add up to the total (TSC, minimum of ROUNDS runs):
 *       stack: both ends of the TCP stack (sender: segmentation, the copy
 *              of each segment's payload out of the send queue or the
 *              references to it, software checksum unless offloaded;
 *              receiver: checksum unless the NIC flagged it, queueing,
 *              ACKs, timers);
 *       app:   the application's calls: tcp_write() copying its buffer
 *              into the send queue, tcp_read() + freeing the mbufs;
 *       wire:  the harness standing in for IP and the link (IP header,
 *              the packet heap, delivery);
 *       nic:   the harness's port model (th_port_model) doing the NICs'
 *              work: the DMA copy of each frame into a fresh mbuf (TX
 *              completion frees the sent chain), offloaded checksums.
 *     For three ports, rounds interleaved: no offloads (net_af_xdp's
 *     case: one copied mbuf per segment, software checksums), TCP/IP
 *     checksum offload (TX and RX), and checksum offload with
 *     multi-segment TX and tcp_params zc_tx 1 (zero-copy transmit: the
 *     payload referenced in the send queue); with PORTS bits 3, 4 and 5
 *     checksum offload + TSO (super-segments, the port model's NIC
 *     cutting them: nic column) with the default zc_tx 2 (super-segments
 *     referenced, others copied), with zc_tx 1, and copying (zc_tx 0).
 *     The first two ports run the default zc_tx 2 too.
 *     The total is the thread's CPU time (time the shared machine gave
 *     to other processes is not counted); app, wire and nic are timed
 *     with rdtsc, leaving out any interval long enough to have been
 *     preempted (TH_SECTION_MAX), stack is the rest; the sections' own
 *     rdtsc reads (~6 per segment) fall into stack.  The round with the
 *     least CPU time is shown.  With and
 *     without timestamps.
 *  2. input: cycles per segment of tcp_input() on in-order 1448-byte data
 *     segments of an established connection (bursts of 32, the reader
 *     consuming), with software checksum and with RX checksum offload
 *     flagged good.
 *
 * Usage: bench_tcp [MB per bulk run, default 64] [ROUNDS, default 5]
 *                  [MODES: bulk,nots,input,idle (default bulk,input,idle;
 *                   nots: bulk without timestamps too)] [BUF KiB, default 4096]
 *                  [PORTS: bit mask of the bulk ports below, default 7]
 *                  [RX BURST: TCP segments per tcp_input call, default 1 as
 *                   ip4/ip6 pass them; up to 32 (th.rx_burst)]
 * BUF: sndbuf = rcvbuf of both ends; 4 MiB keeps ~6 MB of mbufs in flight
 * (cache-missing send queues, as a long fat pipe would), 512 KiB (the
 * stack's default) about 0.8 MB.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <time.h>
#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_ip.h>
#include "../tests/unit/test_tcp_harness.h"
#include "dataplane/tcp/tcp_priv.h"

static int sink_accept(struct tcp_conn *c, void *arg);
static uint32_t buf_bytes = 4u << 20;
static unsigned port_mask = 7;
static unsigned rx_burst = 1;

/* Cycles of CPU time this thread used (TSC rate), so that time the
 * shared machine gives to other processes is not counted. */
static uint64_t cpu_cycles(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)((ts.tv_sec * 1e9 + ts.tv_nsec) * (rte_get_tsc_hz() / 1e9));
}

static uint64_t app_cycles; /* bulk: TSC in the application's calls */

static void sink_read(struct tcp_conn *c)
{
	uint64_t t0 = rte_rdtsc();
	struct rte_mbuf *m;

	while ((m = tcp_read(c, UINT32_MAX)) != NULL)
		rte_pktmbuf_free(m);
	th_section_add(&app_cycles, rte_rdtsc() - t0);
}

static const struct tcp_callbacks sink_cb = {.on_readable = sink_read};

static int sink_accept(struct tcp_conn *c, void *arg)
{
	*(struct tcp_conn **)arg = c;
	tcp_set_callbacks(c, &sink_cb, NULL);
	return 0;
}

/* The ports of the bulk runs (th_port_model). */
struct port_kind {
	const char *name;
	uint64_t tx_offloads;
	bool rx_cksum;
	uint8_t zc_tx;            /* tcp_params zc_tx: 2 is the stack's default */
};

static const struct port_kind ports[] = {
	{"no offloads        ", 0, false, 2},
	{"checksum offload   ", RTE_ETH_TX_OFFLOAD_IPV4_CKSUM | RTE_ETH_TX_OFFLOAD_TCP_CKSUM, true,
	 2},
	{"cksum + zero copy  ",
	 RTE_ETH_TX_OFFLOAD_IPV4_CKSUM | RTE_ETH_TX_OFFLOAD_TCP_CKSUM |
		 RTE_ETH_TX_OFFLOAD_MULTI_SEGS,
	 true, 1},
	/* TCP segmentation offload (the port model's NIC cuts with net/tso.c,
	 * in the nic column) */
	/* the defaults (zc_tx 2: super-segments referenced, other segments
	 * copied unless in place) */
	{"cksum + TSO        ",
	 RTE_ETH_TX_OFFLOAD_IPV4_CKSUM | RTE_ETH_TX_OFFLOAD_TCP_CKSUM |
		 RTE_ETH_TX_OFFLOAD_MULTI_SEGS | RTE_ETH_TX_OFFLOAD_TCP_TSO,
	 true, 2},
	{"cksum + TSO + zc 1 ",
	 RTE_ETH_TX_OFFLOAD_IPV4_CKSUM | RTE_ETH_TX_OFFLOAD_TCP_CKSUM |
		 RTE_ETH_TX_OFFLOAD_MULTI_SEGS | RTE_ETH_TX_OFFLOAD_TCP_TSO,
	 true, 1},
	/* zc_tx 0: every payload byte copied (TSO before 2026-11-29) */
	{"cksum + TSO, copy  ",
	 RTE_ETH_TX_OFFLOAD_IPV4_CKSUM | RTE_ETH_TX_OFFLOAD_TCP_CKSUM |
		 RTE_ETH_TX_OFFLOAD_MULTI_SEGS | RTE_ETH_TX_OFFLOAD_TCP_TSO,
	 true, 0},
};

static struct tcp_conn *setup_pair(struct tcp_conn **server, int ts, const struct port_kind *pk)
{
	struct tcp_listen_params lp = {0};
	struct tcp_connect_params cp = {0};
	struct tcp_conn *a;
	int err;

	th_setup(2, false);
	if (pk != NULL)
		th_port_model(pk->tx_offloads, pk->rx_cksum);
	th.rx_burst = pk != NULL ? rx_burst : 1;
	for (int i = 0; i < 2; i++) {
		struct tcp_params *p = tcp_params(&th.h[i].lc);

		p->sndbuf = p->rcvbuf = buf_bytes;
		p->timestamps = (uint8_t)ts;
		p->mem_limit = 1ull << 30;
		p->zc_tx = pk != NULL ? pk->zc_tx : 0;
	}
	th.delay_ns = 20000;
	lp.port = 9;
	lp.on_accept = sink_accept;
	lp.arg = server;
	if (tcp_listen(&th.h[1].lc, &lp, &err) == NULL)
		exit(1);
	cp.family = AF_INET;
	memcpy(cp.raddr, th.h[1].addr4, 4);
	cp.rport = 9;
	a = tcp_connect(&th.h[0].lc, &cp, &err);
	if (a == NULL)
		exit(1);
	th_run(1000000);
	if (*server == NULL)
		exit(1);
	return a;
}

struct bulk_fig {
	uint64_t total, app, wire, nic, segs, wsegs, acks;
	uint64_t cpu;            /* thread CPU time, TSC units: total less preemption */
};

static struct bulk_fig bulk_once(size_t bytes, int ts, const struct port_kind *pk)
{
	static char buf[1 << 16];
	struct tcp_conn *srv = NULL, *a = setup_pair(&srv, ts, pk);
	struct tcp_info info;
	struct bulk_fig f;
	size_t written = 0;
	uint64_t t0, c0;

	app_cycles = 0;
	th.wire_cycles = 0;
	th.nic_cycles = 0;
	th.wire_timing = true;
	c0 = cpu_cycles();
	t0 = rte_rdtsc();
	while (1) {
		uint64_t w0 = rte_rdtsc();

		while (written < bytes) {
			size_t n = tcp_write(a, buf, RTE_MIN(sizeof(buf), bytes - written));

			if (n == 0)
				break;
			written += n;
		}
		th_section_add(&app_cycles, rte_rdtsc() - w0);
		th_run(100000);
		tcp_get_info(a, &info);
		if (info.bytes_acked >= bytes)
			break;
	}
	f.total = rte_rdtsc() - t0;
	f.cpu = cpu_cycles() - c0;
	f.app = app_cycles;
	f.wire = th.wire_cycles;
	f.nic = th.nic_cycles;
	f.segs = info.segs_out;
	/* wire segments: a super-segment counts as the segments cut from it */
	f.wsegs = info.segs_out - th.tso_frames + th.tso_pieces;
	tcp_get_info(srv, &info);
	f.acks = info.segs_out;
	th.wire_timing = false;
	tcp_abort(a);
	th_teardown();
	return f;
}

static void bench_bulk(size_t bytes, int ts, int rounds)
{
	enum { NP = RTE_DIM(ports) };
	struct bulk_fig best[NP];
	double b = (double)bytes;

	memset(best, 0, sizeof(best));
	/* rounds interleaved over the ports: the machine's load drifts */
	for (int r = 0; r < rounds; r++)
		for (unsigned p = 0; p < NP; p++) {
			if (!(port_mask & (1u << p)))
				continue;
			struct bulk_fig f = bulk_once(bytes, ts, &ports[p]);

			if (r == 0 || f.cpu < best[p].cpu)
				best[p] = f;
		}
	for (unsigned p = 0; p < NP; p++) {
		struct bulk_fig *f = &best[p];
		double on_cpu = 100.0 * (double)f->cpu / (double)f->total;
		uint64_t stack;

		if (!(port_mask & (1u << p)))
			continue;
		f->total = f->cpu;
		stack = f->total - f->app - f->wire - f->nic;
		printf("bulk %s, %s: %zu MB, %lu segs (%lu on the wire), %lu acks, min of %d: total "
		       "%.3f c/B = stack %.3f + app %.3f + wire %.3f + nic %.3f (stack %.0f cycles per "
		       "wire segment; on CPU %.0f %%)\n",
		       ts ? "ts   " : "no ts", ports[p].name, bytes >> 20, (unsigned long)f->segs,
		       (unsigned long)f->wsegs, (unsigned long)f->acks, rounds, (double)f->total / b,
		       (double)stack / b, (double)f->app / b, (double)f->wire / b, (double)f->nic / b,
		       (double)stack / (double)f->wsegs, on_cpu);
	}
}

static void bench_input(int offload)
{
	enum { N = 32, ROUNDS = 20000, LEN = 1448 };
	struct tcp_conn *srv = NULL, *a = setup_pair(&srv, 1, NULL);
	static uint8_t payload[LEN];
	uint8_t opt[12] = {1, 1, 8, 10};
	struct rte_mbuf *m[N];
	uint64_t cyc = 0, segs = 0;
	uint16_t lport;
	uint32_t seq = srv->rcv_nxt;

	tcp_get_addrs(a, NULL, NULL, &lport, NULL, NULL);
	th.h[1].capture = true; /* ACKs go to a list, not the wire */
	for (int r = 0; r < ROUNDS; r++) {
		for (int i = 0; i < N; i++) {
			uint32_t tv = srv->ts_recent + 1;

			opt[4] = (uint8_t)(tv >> 24);
			opt[5] = (uint8_t)(tv >> 16);
			opt[6] = (uint8_t)(tv >> 8);
			opt[7] = (uint8_t)tv;
			m[i] = th_tcp_seg(1, th.h[0].addr4, lport, 9, seq, srv->snd_una,
					  TCP_ACK, 65535, opt, sizeof(opt), payload, LEN);
			seq += LEN;
			rb_meta(m[i])->l3 = 4;
			m[i]->l3_len = 20;
			m[i]->port = 0;
			m[i]->ol_flags = offload ? RTE_MBUF_F_RX_L4_CKSUM_GOOD : 0;
			rte_pktmbuf_adj(m[i], 20);
		}
		uint64_t t0 = cpu_cycles();

		tcp_input(&th.h[1].lc, m, N);
		cyc += cpu_cycles() - t0;
		segs += N;
		th_captured_free();
	}
	printf("input, %s: %.0f cycles/segment (%d-byte in-order segments, reader "
	       "consuming, ACK every 2nd)\n",
	       offload ? "RX checksum offloaded" : "software checksum   ",
	       (double)cyc / (double)segs, LEN);
	th.h[1].capture = false;
	tcp_abort(a);
	th_teardown();
}

/* Memory of an idle established connection: the connection structure
 * plus the buffer bytes the stacks still hold once a request has been
 * exchanged and read (queues are mbuf chains, empty when idle). */
static void bench_idle_mem(void)
{
	struct tcp_conn *srv = NULL, *a = setup_pair(&srv, 1, NULL);
	static const char req[] = "GET / HTTP/1.1\r\n\r\n";
	uint64_t mem;

	tcp_write(a, req, sizeof(req) - 1);
	th_run(10000000);
	mem = th.h[0].lc.tcp->mem + th.h[1].lc.tcp->mem;
	printf("idle established connection: sizeof(struct tcp_conn) %zu B + %.0f B of "
	       "buffers held (per end, after one request read)\n",
	       sizeof(struct tcp_conn), (double)mem / 2);
	tcp_abort(a);
	th_teardown();
}

int main(int argc, char **argv)
{
	size_t mb = argc > 1 ? strtoul(argv[1], NULL, 0) : 64;
	int rounds = argc > 2 ? atoi(argv[2]) : 5;
	const char *modes = argc > 3 ? argv[3] : "bulk,input,idle";

	if (argc > 4)
		buf_bytes = (uint32_t)strtoul(argv[4], NULL, 0) << 10;
	if (argc > 5)
		port_mask = (unsigned)strtoul(argv[5], NULL, 0);
	if (argc > 6)
		rx_burst = (unsigned)strtoul(argv[6], NULL, 0);
	if (rounds < 1)
		rounds = 1;
	if (th_eal_init() < 0)
		return 1;
	printf("TSC %.2f GHz, buffers %u KiB, RX burst %u\n", rte_get_tsc_hz() / 1e9,
	       buf_bytes >> 10, rx_burst);
	if (strstr(modes, "bulk"))
		bench_bulk(mb << 20, 1, rounds);
	if (strstr(modes, "nots"))
		bench_bulk(mb << 20, 0, rounds);
	if (strstr(modes, "input")) {
		bench_input(0);
		bench_input(1);
	}
	if (strstr(modes, "idle"))
		bench_idle_mem();
	return 0;
}
