/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The per-lcore destination cache of path MTUs learnt from ICMP (RFC 1191
 * 6.3, RFC 8201 5.2): a connection whose MSS an ICMP lowered (tcp_icmp.c)
 * records its peer's path MTU here, and a connection opened to the same
 * address within 10 minutes starts with it (tcp_negotiate), instead of
 * losing its first full-sized flight to the same router.  Bounded: 64 sets
 * of 4 by a hash of the address; a new destination takes a free or expired
 * way, else the way that expires first (`tcp_pmtu_evict`).  After the
 * lifetime the entry is gone and the next connection tries the full MTU
 * again (RFC 1191 6.3's increase; nothing probes upwards meanwhile).  An
 * lcore that never took such an ICMP pays one compare per open.
 */
#include <string.h>
#include <netinet/in.h>
#include <rte_hash_crc.h>
#include "tcp_priv.h"
#include "tcp_icmp.h"

#define TCP_PMTU_EXPIRE_MS 600000u

static struct tcp_pmtu_ent *pmtu_set(struct tcp_stack *st, int family, const uint8_t *addr)
{
	uint64_t a[2] = {0, 0};

	memcpy(a, addr, family == AF_INET ? 4 : 16);
	return &st->pmtu[(rte_hash_crc(a, sizeof(a), (uint32_t)family) % TCP_PMTU_SETS) *
			 TCP_PMTU_WAYS];
}

static int pmtu_match(const struct tcp_pmtu_ent *e, int family, const uint8_t *addr)
{
	return e->expire != 0 && e->family == family &&
	       memcmp(e->addr, addr, family == AF_INET ? 4 : 16) == 0;
}

void tcp_pmtu_learn(struct tcp_stack *st, int family, const uint8_t *addr, uint32_t mtu)
{
	struct tcp_pmtu_ent *set = pmtu_set(st, family, addr), *e = NULL;
	uint64_t now = tcp_now(st);
	uint32_t ms = st->pmtu_expire_ms ? st->pmtu_expire_ms : TCP_PMTU_EXPIRE_MS;

	for (int i = 0; i < TCP_PMTU_WAYS && e == NULL; i++)
		if (pmtu_match(&set[i], family, addr))
			e = &set[i];
	for (int i = 0; i < TCP_PMTU_WAYS && e == NULL; i++)
		if (set[i].expire == 0 || set[i].expire <= now) {
			e = &set[i];
			if (e->expire == 0)
				st->n_pmtu++;
		}
	if (e == NULL) {
		e = &set[0];
		for (int i = 1; i < TCP_PMTU_WAYS; i++)
			if (set[i].expire < e->expire)
				e = &set[i];
		rb_count(st->lc, RB_EV_TCP_PMTU_EVICT);
	}
	memset(e->addr, 0, sizeof(e->addr));
	memcpy(e->addr, addr, family == AF_INET ? 4 : 16);
	e->family = (uint8_t)family;
	e->mtu = (uint16_t)mtu;
	e->expire = now + tcp_ms2tsc(st, ms);
	rb_count(st->lc, RB_EV_TCP_PMTU_CACHED);
}

uint32_t tcp_pmtu_get(struct tcp_stack *st, int family, const uint8_t *addr)
{
	struct tcp_pmtu_ent *set;

	if (st->n_pmtu == 0)
		return 0;
	set = pmtu_set(st, family, addr);
	for (int i = 0; i < TCP_PMTU_WAYS; i++) {
		if (!pmtu_match(&set[i], family, addr))
			continue;
		if (set[i].expire <= tcp_now(st)) { /* 10 minutes on: the full MTU again */
			set[i].expire = 0;
			st->n_pmtu--;
			return 0;
		}
		return set[i].mtu;
	}
	return 0;
}

void tcp_pmtu_apply(struct tcp_conn *c)
{
	uint32_t hdr = (c->key.family == AF_INET ? 20u : 40u) + TCP_HDR_LEN;
	uint32_t mtu = tcp_pmtu_get(c->st, c->key.family, c->key.raddr);

	if (mtu == 0 || mtu - hdr >= c->mss)
		return;
	c->mss = (uint16_t)(mtu - hdr);
	rb_count(c->st->lc, RB_EV_TCP_PMTU_CACHE_HIT);
}

/* See tcp_icmp.h.  A black hole loses every full-sized segment while the
 * smaller ones (and the peer's ACKs) pass; timeouts in a row of the same
 * full-sized data are the sign Linux takes too (after tcp_retries1, 3, it
 * drops to tcp_base_mss at once; halving reaches 1024 from 1460 in one
 * step and from a 9000-byte path in four). */
void tcp_pmtu_blackhole(struct tcp_conn *c)
{
	uint32_t base = c->key.family == AF_INET ? TCP_BASE_MSS : RTE_MAX(TCP_BASE_MSS, 1220u);
	uint32_t data_end = c->sndq_seq + c->sndq.bytes, ts = (c->flags & TF_TS) ? 12u : 0u;
	uint32_t flight = (seq_lt(data_end, c->snd_max) ? data_end : c->snd_max) - c->snd_una;

	if (!c->st->prm.mtu_probing || c->backoff < TCP_BLACKHOLE_RTOS || c->mss <= base)
		return;
	if (c->state < TCPS_ESTABLISHED) /* the RTO calls with data in flight */
		return;
	if (seq_lt(data_end, c->snd_una) || flight < c->mss - ts) /* not full-sized */
		return;
	c->mss = (uint16_t)RTE_MAX(base, (uint32_t)c->mss / 2);
	rb_count(c->st->lc, RB_EV_TCP_PMTU_BLACKHOLE);
}
