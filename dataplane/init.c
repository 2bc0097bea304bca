/* SPDX-License-Identifier: BSD-3-Clause */
/* Worker contexts: queues, TX buffers, rings, neighbor and reassembly tables. */
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <rte_cycles.h>
#include <rte_malloc.h>
#include "rb_lcore.h"
#include "net/neigh.h"
#include "shm/rb_shm.h"
#include "worker.h"

#define HANDOFF_RING_SIZE 4096
#define TXRING_SIZE       4096

int rb_workers_init(struct rb_dp *dp, char *err, size_t len)
{
	const struct rb_cfg_dataplane *c = &dp->cfg->dp;
	unsigned lcore = rte_get_next_lcore(-1, 1, 0);

	for (int w = 0; w < dp->n_workers; w++, lcore = rte_get_next_lcore(lcore, 1, 0)) {
		struct rb_lcore *lc = rte_zmalloc("rb_lcore", sizeof(*lc), RTE_CACHE_LINE_SIZE);
		char name[RTE_RING_NAMESIZE];

		if (lc == NULL) {
			snprintf(err, len, "out of memory for worker %d", w);
			return -1;
		}
		dp->workers[w] = lc;
		lc->lcore_id = lcore;
		lc->worker = (unsigned)w;
		lc->dp = dp;
		lc->burst = c->burst ? c->burst : 32;
		if (lc->burst > RB_BURST_MAX)
			lc->burst = RB_BURST_MAX;
		lc->tx_drain_tsc = dp->tsc_hz * (c->tx_drain_us ? c->tx_drain_us : 100) / 1000000;
		lc->icmp_rate = c->icmp_rate ? c->icmp_rate : 100;
		lc->icmp_tokens = lc->icmp_rate;
		lc->rng = rte_rdtsc() ^ ((uint64_t)w << 32) ^ 0x9e3779b97f4a7c15ULL;
		lc->ip_id = (uint16_t)lc->rng;
		lc->aead = rb_aead_ctx_create(RB_AEAD_BACKEND_AUTO);
		if (lc->aead == NULL || rb_rand_init(&lc->rand) != 0) {
			snprintf(err, len, "worker %d: cannot create the crypto context", w);
			return -1;
		}
		if (dp->shm != NULL) {
			lc->stats = rb_shm_lcore_stats(dp->shm, (unsigned)w);
			lc->neigh = rb_shm_lcore_neigh(dp->shm, (unsigned)w);
		} else {
			lc->stats = rte_zmalloc("rb_stats", sizeof(*lc->stats), 64);
			lc->neigh = rte_zmalloc("rb_neigh", sizeof(*lc->neigh), 64);
		}
		if (lc->stats == NULL || lc->neigh == NULL) {
			snprintf(err, len, "no stats or neighbor memory for worker %d", w);
			return -1;
		}
		snprintf(name, sizeof(name), "rb_handoff_%d", w);
		lc->handoff = rte_ring_create(name, HANDOFF_RING_SIZE, SOCKET_ID_ANY, RING_F_SC_DEQ);
		snprintf(name, sizeof(name), "rb_txring_%d", w);
		lc->txring = rte_ring_create(name, TXRING_SIZE, SOCKET_ID_ANY, RING_F_SC_DEQ);
		if (lc->handoff == NULL || lc->txring == NULL) {
			snprintf(err, len, "cannot create rings for worker %d: %s", w,
				 rte_strerror(rte_errno));
			return -1;
		}
		lc->frag = rte_ip_frag_table_create(
			c->frag_max_flows ? c->frag_max_flows : 4096, 4,
			c->frag_max_flows ? c->frag_max_flows : 4096,
			dp->tsc_hz * (c->frag_timeout_ms ? c->frag_timeout_ms : 2000) / 1000,
			SOCKET_ID_ANY);
		if (lc->frag == NULL) {
			snprintf(err, len, "cannot create the reassembly table for worker %d", w);
			return -1;
		}
	}
	return 0;
}

/* After the ports started: rx queues and tx queues per worker. */
void rb_workers_bind_ports(struct rb_dp *dp)
{
	for (int p = 0; p < dp->n_ports; p++) {
		const struct rb_port *port = &dp->ports[p];

		for (uint16_t q = 0; q < port->nb_rxq; q++) {
			struct rb_lcore *lc = dp->workers[port->rxq_owner[q]];

			lc->rxq[lc->n_rxq++] = (struct rb_rxq){
				.port = (uint16_t)p, .port_id = port->port_id, .queue = q};
		}
		for (int w = 0; w < dp->n_workers; w++) {
			struct rb_txbuf *tb = &dp->workers[w]->tx[p];

			if (w < port->nb_txq) {
				tb->queue = (uint16_t)w;
				tb->owner = (uint16_t)w;
			} else {
				tb->queue = RB_TXQ_NONE;
				tb->owner = port->txq_owner[w % port->nb_txq];
			}
		}
	}
}

void rb_workers_fini(struct rb_dp *dp)
{
	for (int w = 0; w < dp->n_workers; w++) {
		struct rb_lcore *lc = dp->workers[w];
		struct rte_mbuf *m;

		if (lc == NULL)
			continue;
		if (lc->tcp != NULL)
			tcp_lcore_fini(lc);
		if (lc->udp != NULL)
			udp_lcore_fini(lc);
		while (lc->handoff && rte_ring_dequeue(lc->handoff, (void **)&m) == 0)
			rte_pktmbuf_free(m);
		while (lc->txring && rte_ring_dequeue(lc->txring, (void **)&m) == 0)
			rte_pktmbuf_free(m);
		rte_ring_free(lc->handoff);
		rte_ring_free(lc->txring);
		if (lc->frag) {
			rte_ip_frag_table_destroy(lc->frag);
		}
		for (int i = 0; i < RB_NEIGH_SLOTS; i++) {
			struct rb_neigh_entry *e = &lc->neigh->e[i];

			for (int k = 0; k < e->n_pending; k++)
				rte_pktmbuf_free((struct rte_mbuf *)(uintptr_t)e->pending[k]);
			e->n_pending = 0;
		}
		rb_aead_ctx_free(lc->aead);
		rb_rand_wipe(&lc->rand);
		if (dp->shm == NULL) {
			rte_free(lc->stats);
			rte_free(lc->neigh);
		}
		rte_free(lc);
		dp->workers[w] = NULL;
	}
}
