/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Flow ownership: which worker owns a TCP/UDP flow to one of our addresses.
 *
 * - Port with RSS (several rx queues): the worker polling the rx queue the
 *   NIC picks.  We predict the NIC with the same Toeplitz hash over the
 *   incoming 4-tuple (src = remote, dst = local) and the port's key, then the
 *   redirection table we programmed (entry i -> queue i % nb_rxq).
 * - Otherwise: a software CRC32 hash of the 4-tuple modulo the workers; the
 *   worker that receives a packet hands it to the owner over a ring.
 *
 * Active opens pick local ports for which this function returns the
 * caller's worker, so return traffic lands on the owner without a handoff.
 */
#include <string.h>
#include <rte_hash_crc.h>
#include <rte_thash.h>
#include "../rb_lcore.h"

static inline unsigned rss_owner(const struct rb_port *p, uint32_t hash)
{
	uint16_t entry = (uint16_t)(hash & (uint32_t)(p->reta_size - 1));

	return p->rxq_owner[entry % p->nb_rxq];
}

unsigned rb_flow_owner4(const struct rb_dp *dp, uint16_t port, uint32_t raddr, uint32_t laddr,
			uint16_t rport, uint16_t lport)
{
	const struct rb_port *p = &dp->ports[port];

	if (dp->n_workers == 1)
		return 0;
	if (p->rss) {
		struct rte_ipv4_tuple t = {
			.src_addr = rte_be_to_cpu_32(raddr),
			.dst_addr = rte_be_to_cpu_32(laddr),
			.sport = rte_be_to_cpu_16(rport),
			.dport = rte_be_to_cpu_16(lport),
		};

		return rss_owner(p, rte_softrss((uint32_t *)&t, RTE_THASH_V4_L4_LEN, p->rss_key));
	}
	uint32_t h = rte_hash_crc_4byte(raddr, dp->flow_hash_seed);

	h = rte_hash_crc_4byte(laddr, h);
	h = rte_hash_crc_4byte(((uint32_t)rport << 16) | lport, h);
	return h % (uint32_t)dp->n_workers;
}

unsigned rb_flow_owner6(const struct rb_dp *dp, uint16_t port, const uint8_t raddr[16],
			const uint8_t laddr[16], uint16_t rport, uint16_t lport)
{
	const struct rb_port *p = &dp->ports[port];

	if (dp->n_workers == 1)
		return 0;
	if (p->rss) {
		struct rte_ipv6_tuple t;

		for (int i = 0; i < 4; i++) {
			uint32_t s, d;

			memcpy(&s, raddr + 4 * i, 4);
			memcpy(&d, laddr + 4 * i, 4);
			((uint32_t *)t.src_addr)[i] = rte_be_to_cpu_32(s);
			((uint32_t *)t.dst_addr)[i] = rte_be_to_cpu_32(d);
		}
		t.sport = rte_be_to_cpu_16(rport);
		t.dport = rte_be_to_cpu_16(lport);
		return rss_owner(p, rte_softrss((uint32_t *)&t, RTE_THASH_V6_L4_LEN, p->rss_key));
	}
	uint64_t r[2], l[2]; /* aligned copies: addresses may sit unaligned in a packet */
	uint32_t h;

	memcpy(r, raddr, 16);
	memcpy(l, laddr, 16);
	h = rte_hash_crc(r, 16, dp->flow_hash_seed);
	h = rte_hash_crc(l, 16, h);
	h = rte_hash_crc_4byte(((uint32_t)rport << 16) | lport, h);
	return h % (uint32_t)dp->n_workers;
}
