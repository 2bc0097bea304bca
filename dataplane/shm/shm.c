/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Dataplane glue for the segment: port descriptions from struct rb_dp and
 * rb_shm_service(), which applies route tables through the FIB
 * (rb_fib_build / rb_fib_publish) and sets the log level.
 */
#include <stdio.h>
#include <string.h>

#include "rb_shm.h"
#include "../rb_dp.h"
#include "../rb_lcore.h"
#include "../rb_log.h"
#include "../wireguard/wg_ctl.h"

void rb_shm_set_ports(struct rb_shm *s, const struct rb_dp *dp)
{
	struct rb_shm_hdr *h = s->hdr;
	int i, j, n = dp->n_ports > RB_MAX_PORTS ? RB_MAX_PORTS : dp->n_ports;

	__atomic_store_n(&h->ports_seq, h->ports_seq + 1, __ATOMIC_RELEASE);
	__atomic_thread_fence(__ATOMIC_RELEASE);
	for (i = 0; i < n; i++) {
		const struct rb_port *p = &dp->ports[i];
		struct rb_shm_port *o = &h->ports[i];

		memset(o, 0, sizeof(*o));
		snprintf(o->name, sizeof(o->name), "%s", p->name);
		memcpy(o->mac, p->mac.addr_bytes, 6);
		o->mtu = p->mtu;
		o->dpdk_port_id = p->port_id;
		o->nb_rxq = p->nb_rxq;
		o->nb_txq = p->nb_txq;
		o->vlan = p->vlan;
		o->n_addrs = (uint16_t)(p->n_addrs > RB_MAX_ADDRS ? RB_MAX_ADDRS : p->n_addrs);
		for (j = 0; j < o->n_addrs; j++) {
			o->addrs[j].family = p->addrs[j].family;
			o->addrs[j].plen = p->addrs[j].plen;
			memcpy(o->addrs[j].addr, p->addrs[j].addr, 16);
		}
	}
	h->n_ports = (uint32_t)n;
	for (i = 0; i < dp->n_workers && i < (int)h->n_workers; i++)
		if (dp->workers[i])
			h->worker_lcore[i] = (uint16_t)dp->workers[i]->lcore_id;
	__atomic_store_n(&h->ports_seq, h->ports_seq + 1, __ATOMIC_RELEASE);
}

static int dp_apply_routes(void *ctx, const struct rb_cfg_route *r, uint32_t n, uint32_t gen,
			   char *err, size_t errlen)
{
	struct rb_dp *dp = ctx;
	/* FIB generations are the dataplane's own sequence (its start-up FIB
	 * is one of them, and the LPM tables are named after it); the table
	 * generation is control's and only travels in the ack. */
	uint32_t fgen = (dp->fib ? dp->fib->generation : 0) + 1;
	uint64_t t0 = rb_shm_mono_ns(), t1;
	struct rb_fib *fib = rb_fib_build(dp, r, (int)n, fgen, err, errlen);

	if (!fib) {
		RB_WARN("routes: table %u rejected: %s", gen, err);
		return -1;
	}
	t1 = rb_shm_mono_ns();
	if (rb_fib_publish(dp, fib) != 0) {
		rb_fib_free(fib);
		snprintf(err, errlen, "too many FIB versions still in their grace period");
		RB_WARN("routes: table %u deferred: %s", gen, err);
		return -1;
	}
	RB_INFO("routes: table %u applied as FIB %u (%u routes; build %.1f ms, publish %.1f ms)",
		gen, fgen, n, (double)(t1 - t0) / 1e6, (double)(rb_shm_mono_ns() - t1) / 1e6);
	return 0;
}

static void dp_set_log_level(void *ctx, int level)
{
	(void)ctx;
	rb_log_level = level;
	rb_log(RB_LOG_INFO, "log level set to %s", rb_log_level_name(level));
}

static uint32_t dp_fib_generation(void *ctx)
{
	struct rb_dp *dp = ctx;
	struct rb_fib *fib = dp->fib;

	return fib ? fib->generation : 0;
}

static int dp_module_msg(void *ctx, const struct rb_msg *req, struct rb_msg *rep)
{
	return rb_wg_ctl_msg(ctx, req, rep);
}

static const struct rb_shm_ops dp_ops = {
	.module_msg = dp_module_msg,
	.apply_routes = dp_apply_routes,
	.set_log_level = dp_set_log_level,
	.fib_generation = dp_fib_generation,
};

void rb_shm_service(struct rb_shm *s, struct rb_dp *dp)
{
	if (!s)
		return;
	s->hdr->log_level = rb_log_level;
	if (dp->fib)
		s->hdr->fib_generation = dp->fib->generation;
	rb_shm_poll(s, &dp_ops, dp, dp->tsc_hz, 32);
}
