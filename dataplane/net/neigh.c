/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The per-lcore neighbor table shared by ARP and ND (see neigh.h).
 *
 * Open addressing: an entry lives in one of RB_NEIGH_PROBE_MAX slots after
 * its hash slot; lookups scan all of them, so deletion just frees the slot.
 * A full window counts NEIGH_TABLE_FULL.  The owner wraps every write in
 * seq (odd while writing) for ringbox-control's lock-free reader.
 */
#include <string.h>
#include <sys/socket.h>
#include <rte_ether.h>
#include <rte_hash_crc.h>
#include "../rb_lcore.h"
#include "neigh.h"

#define RB_NEIGH_PROBE_MAX 16
#define NEIGH_RETRANS_MS   1000   /* RFC 4861 RETRANS_TIMER */
#define NEIGH_FAILED_MS    3000   /* keep a failed entry this long */

static inline int ip_len(int family)
{
	return family == AF_INET ? 4 : 16;
}

static inline uint32_t neigh_hash(uint16_t port, int family, const uint8_t *ip)
{
	uint32_t v4;

	if (likely(family == AF_INET)) {
		memcpy(&v4, ip, 4);
		return rte_hash_crc_4byte(v4, port);
	}
	uint64_t a[2]; /* aligned copy: the address may sit unaligned in a packet */

	memcpy(a, ip, 16);
	return rte_hash_crc(a, 16, port * 2654435761u + (uint32_t)family);
}

static inline bool neigh_match(const struct rb_neigh_entry *e, uint16_t port, int family,
			       const uint8_t *ip)
{
	if (e->state == RB_NEIGH_FREE || e->port != port || e->family != family)
		return false;
	if (likely(family == AF_INET)) {
		uint32_t a, b;

		memcpy(&a, e->ip, 4);
		memcpy(&b, ip, 4);
		return a == b;
	}
	return memcmp(e->ip, ip, 16) == 0;
}

static inline void w_begin(struct rb_neigh_entry *e)
{
	e->seq++;
	rte_smp_wmb();
}

static inline void w_end(struct rb_neigh_entry *e)
{
	rte_smp_wmb();
	e->seq++;
}

struct rb_neigh_entry *rb_neigh_lookup(struct rb_lcore *lc, uint16_t port, int family,
				       const uint8_t *ip)
{
	struct rb_neigh_table *t = lc->neigh;
	uint32_t h = neigh_hash(port, family, ip);

	for (int i = 0; i < RB_NEIGH_PROBE_MAX; i++) {
		struct rb_neigh_entry *e = &t->e[(h + i) & (RB_NEIGH_SLOTS - 1)];

		if (neigh_match(e, port, family, ip))
			return e;
	}
	return NULL;
}

static struct rb_neigh_entry *neigh_create(struct rb_lcore *lc, uint16_t port, int family,
					   const uint8_t *ip)
{
	struct rb_neigh_table *t = lc->neigh;
	uint32_t h = neigh_hash(port, family, ip);

	for (int i = 0; i < RB_NEIGH_PROBE_MAX; i++) {
		struct rb_neigh_entry *e = &t->e[(h + i) & (RB_NEIGH_SLOTS - 1)];

		if (e->state != RB_NEIGH_FREE)
			continue;
		w_begin(e);
		e->state = RB_NEIGH_INCOMPLETE;
		e->port = port;
		e->family = (uint8_t)family;
		memset(e->ip, 0, sizeof(e->ip));
		memcpy(e->ip, ip, ip_len(family));
		memset(e->mac, 0, sizeof(e->mac));
		e->probes = 0;
		e->n_pending = 0;
		e->updated = lc->now;
		e->next_probe = 0;
		w_end(e);
		t->n_used++;
		return e;
	}
	rb_drop_count(lc, RB_DROP_NEIGH_TABLE_FULL);
	return NULL;
}

static void neigh_free(struct rb_lcore *lc, struct rb_neigh_entry *e)
{
	for (int i = 0; i < e->n_pending; i++)
		rb_drop(lc, (struct rte_mbuf *)(uintptr_t)e->pending[i], RB_DROP_NO_NEIGHBOR);
	w_begin(e);
	e->n_pending = 0;
	e->state = RB_NEIGH_FREE;
	w_end(e);
	lc->neigh->n_used--;
}

/* Prepend the Ethernet header and transmit. m's data is at the IP header. */
static void neigh_send(struct rb_lcore *lc, const struct rb_neigh_entry *e, struct rte_mbuf *m)
{
	const struct rb_port *p = &lc->dp->ports[e->port];
	struct rte_ether_hdr *eh;

	eh = (struct rte_ether_hdr *)rte_pktmbuf_prepend(m, sizeof(*eh));
	if (unlikely(eh == NULL)) {
		rb_drop(lc, m, RB_DROP_NO_MBUF);
		return;
	}
	memcpy(&eh->dst_addr, e->mac, RTE_ETHER_ADDR_LEN);
	eh->src_addr = p->mac;
	eh->ether_type = rte_cpu_to_be_16(e->family == AF_INET ? RTE_ETHER_TYPE_IPV4
							       : RTE_ETHER_TYPE_IPV6);
	m->l2_len = sizeof(*eh); /* for TX checksum offloads */
	rb_tx_l2(lc, e->port, m);
}

static void neigh_solicit(struct rb_lcore *lc, struct rb_neigh_entry *e, int unicast)
{
	uint32_t ip4;

	e->probes++;
	e->next_probe = lc->now + lc->dp->tsc_hz * NEIGH_RETRANS_MS / 1000;
	if (e->family == AF_INET) {
		memcpy(&ip4, e->ip, 4);
		rb_arp_solicit(lc, e->port, ip4);
	} else {
		rb_nd_solicit(lc, e->port, e->ip, unicast, e->mac);
	}
}

void rb_neigh_update(struct rb_lcore *lc, uint16_t port, int family, const uint8_t *ip,
		     const uint8_t mac[6], int create)
{
	struct rb_neigh_entry *e = rb_neigh_lookup(lc, port, family, ip);
	uint8_t n;
	uint64_t pending[RB_NEIGH_PENDING];

	if (e == NULL) {
		if (!create)
			return;
		e = neigh_create(lc, port, family, ip);
		if (e == NULL)
			return;
	}
	if (e->state == RB_NEIGH_STATIC)
		return;
	w_begin(e);
	memcpy(e->mac, mac, 6);
	e->state = RB_NEIGH_REACHABLE;
	e->updated = lc->now;
	e->probes = 0;
	n = e->n_pending;
	memcpy(pending, e->pending, sizeof(pending));
	e->n_pending = 0;
	w_end(e);
	rb_count(lc, RB_EV_NEIGH_LEARNED);
	for (uint8_t i = 0; i < n; i++)
		neigh_send(lc, e, (struct rte_mbuf *)(uintptr_t)pending[i]);
}

int rb_neigh_add_static(struct rb_lcore *lc, uint16_t port, int family, const uint8_t *ip,
			const uint8_t mac[6])
{
	struct rb_neigh_entry *e = rb_neigh_lookup(lc, port, family, ip);

	if (e == NULL)
		e = neigh_create(lc, port, family, ip);
	if (e == NULL)
		return -1;
	w_begin(e);
	memcpy(e->mac, mac, 6);
	e->state = RB_NEIGH_STATIC;
	e->updated = lc->now;
	w_end(e);
	return 0;
}

void rb_neigh_output(struct rb_lcore *lc, uint16_t port, int family, const uint8_t *ip,
		     struct rte_mbuf *m)
{
	struct rb_neigh_entry *e = rb_neigh_lookup(lc, port, family, ip);

	if (likely(e != NULL)) {
		switch (e->state) {
		case RB_NEIGH_REACHABLE:
		case RB_NEIGH_STATIC:
			neigh_send(lc, e, m);
			return;
		case RB_NEIGH_STALE:
			/* RFC 4861 7.3.3: use it, and re-verify reachability. */
			if (lc->now >= e->next_probe)
				neigh_solicit(lc, e, 1);
			neigh_send(lc, e, m);
			return;
		case RB_NEIGH_FAILED:
			rb_drop(lc, m, RB_DROP_NO_NEIGHBOR);
			return;
		default:
			break;
		}
	} else {
		e = neigh_create(lc, port, family, ip);
		if (e == NULL) {
			rte_pktmbuf_free(m);
			return;
		}
		neigh_solicit(lc, e, 0);
	}
	/* INCOMPLETE: hold a bounded number of packets. */
	if (e->n_pending >= RB_NEIGH_PENDING) {
		rb_drop(lc, m, RB_DROP_NEIGH_QUEUE_FULL);
		return;
	}
	e->pending[e->n_pending++] = (uint64_t)(uintptr_t)m;
}

void rb_neigh_timer(struct rb_lcore *lc)
{
	struct rb_neigh_table *t = lc->neigh;
	uint64_t hz = lc->dp->tsc_hz;
	uint64_t life = (uint64_t)lc->dp->cfg->dp.neigh_timeout_s * hz;

	if (t->n_used == 0)
		return;
	for (int i = 0; i < RB_NEIGH_SLOTS; i++) {
		struct rb_neigh_entry *e = &t->e[i];

		switch (e->state) {
		case RB_NEIGH_INCOMPLETE:
			if (lc->now < e->next_probe)
				break;
			if (e->probes < RB_NEIGH_PROBES) {
				neigh_solicit(lc, e, 0);
				break;
			}
			/* Give up: drop what waits, remember the failure briefly. */
			for (int k = 0; k < e->n_pending; k++)
				rb_drop(lc, (struct rte_mbuf *)(uintptr_t)e->pending[k],
					RB_DROP_NO_NEIGHBOR);
			w_begin(e);
			e->n_pending = 0;
			e->state = RB_NEIGH_FAILED;
			e->updated = lc->now;
			w_end(e);
			break;
		case RB_NEIGH_FAILED:
			if (lc->now - e->updated > hz * NEIGH_FAILED_MS / 1000)
				neigh_free(lc, e);
			break;
		case RB_NEIGH_REACHABLE:
			if (lc->now - e->updated > life) {
				w_begin(e);
				e->state = RB_NEIGH_STALE;
				e->probes = 0;
				e->next_probe = 0;
				w_end(e);
			}
			break;
		case RB_NEIGH_STALE:
			/* Unconfirmed for another lifetime, or probes unanswered: forget it. */
			if (e->probes >= RB_NEIGH_PROBES || lc->now - e->updated > 2 * life)
				neigh_free(lc, e);
			break;
		default:
			break;
		}
	}
}

void rb_ip6_tx(struct rb_lcore *lc, uint16_t port, const uint8_t nexthop[16], struct rte_mbuf *m)
{
	rb_neigh_output(lc, port, AF_INET6, nexthop, m);
}
