/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The worker loop, run to completion on each worker lcore:
 *   rx burst per queue -> rb_eth_input -> ... -> TX buffers
 *   handoff ring (flows we own, learn-only ARP/ND copies)
 *   tx ring (frames for tx queues we own)
 *   TCP timers; TX drain on a TSC deadline; housekeeping every 10 ms;
 *   an RCU quiescent state per iteration.
 *
 * The RX queues and the handoff ring are drained (burst after burst until
 * one comes back short, at most RB_RX_DRAIN_BURSTS each) before the TCP
 * timers run: a retransmission or probe timer that expired while its ACK
 * sat in a ring would otherwise fire although the ACK had arrived, a
 * spurious retransmission (RFC 6298 5, RFC 8985 7.3 want the timer to
 * mean "no ACK arrived").  Linux orders it the same way: a timer that
 * fires while the socket's backlog holds segments is deferred until the
 * backlog has been processed (tcp_release_cb).
 */
#include <time.h>
#include <rte_cycles.h>
#include <netinet/in.h>
#include <rte_ethdev.h>
#include <rte_ip.h>
#include "rb_lcore.h"
#include "net/neigh.h"
#include "proxy/rb_proxy.h"
#include "worker.h"
#include "route/rb_route_dp.h"
#include "tcp/tcp.h"

/*
 * An expired reassembly whose first fragment arrived gets a "fragment
 * reassembly time exceeded" error (RFC 792 type 11 code 1, RFC 8200 4.5
 * type 3 code 1); fragments wait in the table with data at the IP header.
 */
static void frag_expired(struct rb_lcore *lc, struct rte_mbuf *m)
{
	const uint8_t *p = rte_pktmbuf_mtod(m, const uint8_t *);

	rb_drop_count(lc, RB_DROP_FRAG_TIMEOUT);
	if (rte_pktmbuf_data_len(m) < sizeof(struct rte_ipv4_hdr))
		return;
	if ((p[0] >> 4) == 4) {
		const struct rte_ipv4_hdr *ih = (const struct rte_ipv4_hdr *)p;

		if ((ih->fragment_offset & rte_cpu_to_be_16(RTE_IPV4_HDR_OFFSET_MASK)) == 0)
			rb_icmp4_error(lc, m, 11, 1, 0);
	} else if ((p[0] >> 4) == 6 && rte_pktmbuf_data_len(m) >= 48 &&
		   p[6] == IPPROTO_FRAGMENT) {
		uint16_t off = (uint16_t)((p[42] << 8 | p[43]) & 0xfff8);

		if (off == 0)
			rb_icmp6_error(lc, m, 3, 1, 0);
	}
}

static void housekeeping(struct rb_lcore *lc)
{
	uint32_t before = lc->frag_dr.cnt;

	rb_neigh_timer(lc);
	proxy_lcore_poll(lc);
	if (lc->frag != NULL) {
		rte_ip_frag_table_del_expired_entries(lc->frag, &lc->frag_dr, lc->now);
		for (uint32_t k = before; k < lc->frag_dr.cnt; k++)
			frag_expired(lc, lc->frag_dr.row[k]);
		rte_ip_frag_free_death_row(&lc->frag_dr, 0);
	}
}

/* Bursts per RX queue (and of the handoff ring) in one iteration: enough
 * for a full ring of the usual 1024-2048 descriptors at burst 32, few
 * enough that the timers and TX still run every couple of milliseconds. */
#define RB_RX_DRAIN_BURSTS 64

/* One RX queue until a burst comes back short (the ring is empty). */
static unsigned worker_rx_queue(struct rb_lcore *lc, const struct rb_rxq *q)
{
	struct rte_mbuf *pkts[RB_BURST_MAX];
	struct rb_port_counters *pc = &lc->stats->port[q->port];
	unsigned moved = 0;

	for (unsigned b = 0; b < RB_RX_DRAIN_BURSTS; b++) {
		uint16_t n = rte_eth_rx_burst(q->port_id, q->queue, pkts, lc->burst);
		uint64_t bytes = 0;
		int br;

		if (n == 0)
			break;
		for (uint16_t k = 0; k < n; k++) {
			pkts[k]->port = q->port;
			bytes += pkts[k]->pkt_len;
		}
		pc->rx_packets += n;
		pc->rx_bytes += bytes;
		/* readable connections told once per burst, at its end
		 * (tcp rd_burst), so that a relay splices a burst in one
		 * pass; TCP's output and ACKs once per burst too with
		 * rx_burst (on by default) */
		br = tcp_rx_begin(lc);
		rb_eth_input(lc, pkts, n);
		tcp_rx_end(lc, br);
		moved += n;
		if (n < lc->burst)
			break;
	}
	return moved;
}

/* One iteration; returns the number of packets moved. Exposed for bench. */
unsigned rb_worker_iter(struct rb_lcore *lc)
{
	unsigned moved = 0;

	lc->now = rte_rdtsc();
	for (uint16_t i = 0; i < lc->n_rxq; i++)
		moved += worker_rx_queue(lc, &lc->rxq[i]);
	for (unsigned b = 0; b < RB_RX_DRAIN_BURSTS; b++) {
		unsigned n = rb_handoff_drain(lc);

		moved += n;
		if (n < RB_BURST_MAX)
			break;
	}
	moved += rb_txring_drain(lc);
	if (lc->dp->wg_poll != NULL)
		moved += lc->dp->wg_poll(lc);   /* WireGuard batches and timers */
	if (lc->tcp != NULL)
		tcp_lcore_poll(lc);     /* timers: only after RX is drained (above) */
	rb_resolve_poll(lc);
	if (lc->now >= lc->tx_deadline || moved) {
		rb_tx_flush(lc);
		lc->tx_deadline = lc->now + lc->tx_drain_tsc;
	}
	if (lc->now >= lc->housekeep_deadline) {
		housekeeping(lc);
		lc->housekeep_deadline = lc->now + lc->dp->tsc_hz / 100;
	}
	return moved;
}

int rb_worker_main(void *arg)
{
	struct rb_lcore *lc = arg;
	struct rb_dp *dp = lc->dp;
	uint32_t sleep_us = dp->cfg->dp.idle_sleep_us;
	unsigned idle = 0;

	rte_rcu_qsbr_thread_register(dp->qsbr, lc->worker);
	rte_rcu_qsbr_thread_online(dp->qsbr, lc->worker);
	while (!dp->quit) {
		unsigned moved = rb_worker_iter(lc);

		lc->stats->loops++;
		rte_rcu_qsbr_quiescent(dp->qsbr, lc->worker);
		if (moved) {
			/* Work done per core: what a bench divides by (lc->now is
			 * the iteration's start; rb_stats.h says why a TSC read
			 * behind it adds nothing). */
			rb_stats_busy_add(lc->stats, lc->now, rte_rdtsc());
			lc->stats->busy_loops++;
			idle = 0;
		} else if (sleep_us && ++idle > 64) {
			/* Adaptive: after a run of empty polls, yield the CPU briefly. */
			struct timespec ts = {0, (long)sleep_us * 1000};

			rte_rcu_qsbr_thread_offline(dp->qsbr, lc->worker);
			nanosleep(&ts, NULL);
			rte_rcu_qsbr_thread_online(dp->qsbr, lc->worker);
		}
	}
	rb_tx_flush(lc);
	rte_rcu_qsbr_thread_offline(dp->qsbr, lc->worker);
	rte_rcu_qsbr_thread_unregister(dp->qsbr, lc->worker);
	return 0;
}
