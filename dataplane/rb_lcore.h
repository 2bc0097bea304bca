/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The per-lcore worker context.  One cache-aligned struct per worker holds
 * everything the worker mutates: its rx queues, TX buffers (drained on a TSC
 * deadline), handoff rings, neighbor table, reassembly table, timers, ICMP
 * rate limiter and counters.  Nothing here is touched by another lcore,
 * except the two MP/SC rings that other workers enqueue into.
 */
#ifndef RB_LCORE_H
#define RB_LCORE_H

#include <stdint.h>
#include <rte_errno.h>
#include <rte_mbuf.h>
#include <rte_mbuf_dyn.h>
#include <rte_ring.h>
#include <sys/socket.h>
#include <rte_ip.h>
#include <rte_ip_frag.h>
#include <rte_timer.h>
#include "rb_dp.h"
#include "../crypto/rb_aead.h"
#include "../crypto/rb_rand.h"

#define RB_BURST_MAX  64
#define RB_TXBUF_SIZE 64

struct rb_neigh_table;
struct tcp_stack;
struct udp_stack;

struct rb_rxq {
	uint16_t port;       /* port index */
	uint16_t port_id;    /* DPDK port id */
	uint16_t queue;
};

struct rb_txbuf {
	uint16_t n;
	uint16_t queue;      /* our tx queue on this port, or RB_TXQ_NONE */
	uint16_t owner;      /* worker that owns the shared tx queue */
	struct rte_mbuf *m[RB_TXBUF_SIZE];
};
#define RB_TXQ_NONE 0xffff

struct rb_lcore {
	unsigned lcore_id;
	unsigned worker;                 /* index in rb_dp.workers */
	struct rb_dp *dp;
	struct rb_lcore_stats *stats;    /* in the shm segment */
	uint16_t burst;
	uint16_t n_rxq;
	struct rb_rxq rxq[RB_MAX_PORTS * RB_MAX_QUEUES];
	struct rb_txbuf tx[RB_MAX_PORTS];
	uint64_t tx_drain_tsc;           /* drain period in TSC ticks */
	uint64_t tx_deadline;
	struct rte_ring *handoff;        /* MP/SC: frames whose flow we own */
	struct rte_ring *txring;         /* MP/SC: frames for our shared tx queues */
	struct rb_neigh_table *neigh;
	struct rte_ip_frag_tbl *frag;
	struct rte_ip_frag_death_row frag_dr;
	uint64_t now;                    /* TSC at the top of this loop iteration */
	uint64_t housekeep_deadline;
	/* ICMP error token bucket */
	uint64_t icmp_tokens_tsc;
	uint32_t icmp_tokens;
	uint32_t icmp_rate;
	struct tcp_stack *tcp;           /* dataplane/tcp */
	struct udp_stack *udp;           /* dataplane/udp */
	uint64_t rng;                    /* xorshift state for non-crypto jitter */
	uint16_t ip_id;                  /* IPv4 identification for packets we originate */
	struct rb_aead_ctx *aead;        /* burst AEAD (crypto/): one per worker */
	struct rb_rand rand;             /* per-lcore CSPRNG for nonces, salts, ISNs */
} __rte_cache_aligned;

/* ---- mbuf metadata (a registered dynfield) ---- */
enum rb_mkind {
	RB_MK_RX = 0,        /* a received frame, data at the Ethernet header */
	RB_MK_LEARN,         /* copy of an ARP/ND packet: learn only, never answer */
	RB_MK_L3,            /* handed off after L2/L3 processing, data at L3 header */
	RB_MK_LOOP,          /* originated to one of our own addresses, data at L3 header */
};
struct rb_mbuf_meta {
	uint8_t kind;
	uint8_t l3;          /* 4 or 6 */
	uint16_t vlan;
	uint32_t hash;
	uint8_t flags;       /* RB_MF_* */
	uint8_t pad;
	/* Payload sum (RFC 1071 ones' complement sum, folded, not inverted)
	 * of the bytes [psum_off, psum_off + psum_len) of the buffer, valid
	 * only while the mbuf carries the rb_psum_flag and its data_off and
	 * data_len are still psum_off and psum_len: a TCP segment's payload
	 * summed while its checksum was verified, reused when the bytes go out
	 * again unchanged (the relay's splice; dataplane/tcp/tcp_psum.h). */
	uint16_t psum;
	uint16_t psum_off, psum_len;
};
#define RB_MF_L2_MCAST 0x01  /* arrived as an Ethernet multicast/broadcast frame */
extern int rb_meta_offset;
/* The dynamic ol_flags bit "psum valid" (0 when it could not be
 * registered: no sum is ever trusted).  A flag in ol_flags because
 * allocation clears them (rte_pktmbuf_reset) and receive paths set them
 * afresh, while a dynfield keeps whatever its last user left. */
extern uint64_t rb_psum_flag;
static inline struct rb_mbuf_meta *rb_meta(struct rte_mbuf *m)
{
	return RTE_MBUF_DYNFIELD(m, rb_meta_offset, struct rb_mbuf_meta *);
}
int rb_meta_register(void);

/* ---- counting ---- */
static inline void rb_count(struct rb_lcore *lc, enum rb_event ev)
{
	lc->stats->events[ev]++;
}
static inline void rb_count_n(struct rb_lcore *lc, enum rb_event ev, uint64_t n)
{
	lc->stats->events[ev] += n;
}
/* Drop a packet: exactly one drop counter goes up. */
static inline void rb_drop(struct rb_lcore *lc, struct rte_mbuf *m, enum rb_drop why)
{
	lc->stats->drops[why]++;
	rte_pktmbuf_free(m);
}
static inline void rb_drop_count(struct rb_lcore *lc, enum rb_drop why)
{
	lc->stats->drops[why]++;
}

/* ---- the packet path (dataplane/net) ---- */
/* Frames from rx, data at the Ethernet header, m->port is the port index. */
uint16_t rb_eth_input(struct rb_lcore *lc, struct rte_mbuf **m, uint16_t n);
/* L3 input, data at the IP header, m->port is the ingress port index. */
uint16_t rb_ip4_input(struct rb_lcore *lc, struct rte_mbuf **m, uint16_t n);
uint16_t rb_ip6_input(struct rb_lcore *lc, struct rte_mbuf **m, uint16_t n);
void rb_arp_input(struct rb_lcore *lc, struct rte_mbuf *m, int learn_only);
void rb_nd_input(struct rb_lcore *lc, struct rte_mbuf *m, int learn_only);
/* Locally addressed packets that passed IP processing, after reassembly and
 * flow-owner handoff.  Data at the IP header, l2_len = 0, l3_len set. */
void rb_ip4_local(struct rb_lcore *lc, struct rte_mbuf *m);
void rb_ip6_local(struct rb_lcore *lc, struct rte_mbuf *m);

/*
 * Transmit: rb_tx_l2 takes a complete frame (data at the Ethernet header,
 * without VLAN tag: the tag is inserted here) for port index `port`.
 * rb_ip_tx takes a packet with data at the IP header and a nexthop address,
 * resolves the neighbor (queueing while it resolves) and transmits.
 */
void rb_tx_l2(struct rb_lcore *lc, uint16_t port, struct rte_mbuf *m);
void rb_ip4_tx(struct rb_lcore *lc, uint16_t port, uint32_t nexthop, struct rte_mbuf *m);
void rb_ip6_tx(struct rb_lcore *lc, uint16_t port, const uint8_t nexthop[16], struct rte_mbuf *m);
void rb_tx_flush(struct rb_lcore *lc);
/* m as one direct segment that nobody else references (itself, linearised,
 * or a copy; m consumed): before writing into a frame's data in place.
 * NULL after counting a drop. */
struct rte_mbuf *rb_tx_private(struct rb_lcore *lc, struct rte_mbuf *m);
/* Drain the inter-lcore rings; return how many packets were handled. */
unsigned rb_txring_drain(struct rb_lcore *lc);
unsigned rb_handoff_drain(struct rb_lcore *lc);
/* Send learn-only copies of an ARP (l3 = 0) or ND (l3 = 6) packet, data at
 * its ARP/IPv6 header, to every other worker.  m is not consumed. */
void rb_l2_broadcast_learn(struct rb_lcore *lc, struct rte_mbuf *m, uint8_t l3);
/* ICMP/ICMPv6 error token bucket (dataplane.icmp_rate per second per
 * lcore): returns 1 if an error may be sent now, else counts ICMP_RATELIMIT. */
int rb_icmp_ratelimit(struct rb_lcore *lc);

/*
 * L4 output used by TCP/UDP: m's data starts at the L4 header and there is
 * headroom for IP + Ethernet + VLAN.  Prepends the IP header, routes,
 * fragments if needed (IPv4 without DF) and transmits.  The L4 checksum must
 * already be complete (or requested via ol_flags when the port offers it).
 * Returns 0, or -1 after counting a drop.
 */
int rb_ip4_output(struct rb_lcore *lc, struct rte_mbuf *m, uint32_t src, uint32_t dst,
		  uint8_t proto, uint8_t tos, int df);
int rb_ip6_output(struct rb_lcore *lc, struct rte_mbuf *m, const uint8_t src[16],
		  const uint8_t dst[16], uint8_t proto, uint8_t tclass);

/* ICMP errors about packet m (data at its IP header); m is not consumed. */
void rb_icmp4_error(struct rb_lcore *lc, struct rte_mbuf *m, uint8_t type, uint8_t code,
		    uint32_t info);
void rb_icmp6_error(struct rb_lcore *lc, struct rte_mbuf *m, uint8_t type, uint8_t code,
		    uint32_t info);

/* ---- flow ownership (dataplane/net/flow.c) ----
 * A flow to one of our addresses is owned by exactly one worker.  On a port
 * with RSS it is the worker polling the rx queue the NIC's Toeplitz hash
 * picks; otherwise a software hash of the 4-tuple picks the worker, and the
 * worker that received the packet hands it over the owner's handoff ring.
 * Addresses and ports in network byte order; r = remote, l = local. */
unsigned rb_flow_owner4(const struct rb_dp *dp, uint16_t port, uint32_t raddr, uint32_t laddr,
			uint16_t rport, uint16_t lport);
unsigned rb_flow_owner6(const struct rb_dp *dp, uint16_t port, const uint8_t raddr[16],
			const uint8_t laddr[16], uint16_t rport, uint16_t lport);
/* Hand m (data at the L3 header) to worker `owner`. Consumes m. */
void rb_handoff(struct rb_lcore *lc, unsigned owner, struct rte_mbuf *m);
/* A packet we originated to our own address (l3 = 4 or 6, data at the IP
 * header): delivered on the next loop iteration through our own handoff
 * ring, never re-entering the L4 code that is sending it. Consumes m. */
void rb_loopback(struct rb_lcore *lc, struct rte_mbuf *m, uint8_t l3);

/* ---- L4 entry points (dataplane/tcp, dataplane/udp) ----
 * Data at the L4 header; the IP header is at -m->l3_len; m->l2_len = 0;
 * rb_meta(m)->l3 says 4 or 6.  Called only on the owning worker. */
uint16_t tcp_input(struct rb_lcore *lc, struct rte_mbuf **m, uint16_t n);
/* For an L4 entry point: the IP source and destination (pointers into the
 * header at -m->l3_len) and the L4 length the IP header announces (0 when
 * shorter than the header itself). */
static inline uint32_t rb_l4_addrs(const struct rte_mbuf *m, int family, const uint8_t **src,
				   const uint8_t **dst)
{
	uint32_t len;

	if (family == AF_INET) {
		const struct rte_ipv4_hdr *ih =
			rte_pktmbuf_mtod_offset(m, const struct rte_ipv4_hdr *, -(int)m->l3_len);

		*src = (const uint8_t *)&ih->src_addr;
		*dst = (const uint8_t *)&ih->dst_addr;
		len = rte_be_to_cpu_16(ih->total_length);
		return len > m->l3_len ? len - (uint32_t)m->l3_len : 0;
	} else {
		const struct rte_ipv6_hdr *ih =
			rte_pktmbuf_mtod_offset(m, const struct rte_ipv6_hdr *, -(int)m->l3_len);
		uint32_t ext = (uint32_t)m->l3_len - sizeof(*ih);

		*src = ih->src_addr;
		*dst = ih->dst_addr;
		len = rte_be_to_cpu_16(ih->payload_len);
		return len > ext ? len - ext : 0;
	}
}
uint16_t udp_input(struct rb_lcore *lc, struct rte_mbuf **m, uint16_t n);
int tcp_lcore_init(struct rb_lcore *lc);
void tcp_lcore_fini(struct rb_lcore *lc);
void tcp_lcore_poll(struct rb_lcore *lc);   /* timers etc., once per loop */
int udp_lcore_init(struct rb_lcore *lc);
void udp_lcore_fini(struct rb_lcore *lc);

#endif
