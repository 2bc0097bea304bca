/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * An in-process dataplane for tests and fuzzing: EAL without hugepages,
 * the real worker contexts, FIB and neighbor tables, and ports that are
 * ethdevs over rte_rings (rte_eth_from_rings), one ring per direction:
 *
 *   fx_inject()  -> rb_eth_input() on a worker, as after rte_eth_rx_burst
 *   fx_rx()      -> the port's RX ring, read by rb_worker_iter()
 *   rb_tx_l2 ... -> the port's TX buffer -> (flush) -> the port's TX ring
 *   fx_collect() <- flushes every worker and empties the TX ring
 *
 * Ports are named in the config by device "net_ring_fx0" .. "net_ring_fx3"
 * (FX_MAX_PORTS).  One fixture exists at a time; fx_setup()/fx_teardown()
 * may be repeated with different configs after one fx_eal_init().
 */
#ifndef RB_NET_FIXTURE_H
#define RB_NET_FIXTURE_H

#include <stdint.h>
#include <rte_ether.h>
#include <rte_mbuf.h>
#include "dataplane/rb_lcore.h"

#define FX_MAX_PORTS   4
#define FX_FRAME_MAX   4096
#define FX_POOL_MBUFS  8191

/* ---- life cycle ---- */
/* EAL (main lcore only) and the ring ports; once per process. 0 or -1. */
int fx_eal_init(const char *prog);
/* Bring up a dataplane from config text (libconfig, config/README.md):
 * workers, ports, FIB, static neighbors; every worker's clock at now. */
int fx_setup(const char *cfg_text);
/* Free everything fx_setup made, including packets still queued anywhere. */
void fx_teardown(void);
/* After the last teardown: close the ports, free the pool, EAL cleanup. */
void fx_fini(void);

extern struct rb_dp *fx_dp;
struct rb_lcore *fx_lc(unsigned worker);
struct rte_mempool *fx_pool(void);
/* Mbufs of the pool in use right now. */
unsigned fx_mbufs_in_use(void);

/* ---- traffic ---- */
/* A single-segment RX mbuf holding a copy of the frame (NULL if it does
 * not fit or the pool is empty). */
struct rte_mbuf *fx_mbuf(uint16_t port, const void *frame, uint16_t len);
/* Hand one frame to rb_eth_input on worker 0 / on `worker`. 0 or -1. */
int fx_inject(uint16_t port, const void *frame, uint16_t len);
int fx_inject_on(unsigned worker, uint16_t port, const void *frame, uint16_t len);
/* Queue a frame on the port's RX ring (picked up by rb_worker_iter). */
int fx_rx(uint16_t port, const void *frame, uint16_t len);
/* The same for an mbuf made by fx_mbuf (and maybe given ol_flags): consumed. */
void fx_inject_mbuf(unsigned worker, struct rte_mbuf *m);
void fx_rx_mbuf(uint16_t port, struct rte_mbuf *m);

struct fx_frame {
	uint16_t len;
	uint16_t nb_segs;        /* of the mbuf as transmitted */
	uint8_t data[FX_FRAME_MAX];
};
/* Flush all workers' TX buffers (and their inter-lcore TX rings) and take
 * what port transmitted: up to max frames are copied to out (out may be
 * NULL), all are freed.  Returns how many frames there were. */
int fx_collect(uint16_t port, struct fx_frame *out, int max);
/* fx_collect on every port, discarding. Returns the number of frames. */
int fx_collect_all(void);

/* ---- counters, summed over workers ---- */
uint64_t fx_stat_drop(enum rb_drop why);
uint64_t fx_stat_event(enum rb_event ev);
uint64_t fx_drops_total(void);
/* A snapshot of every counter, to assert exact deltas afterwards. */
struct fx_snap {
	uint64_t drop[RB_DROP_MAX];
	uint64_t ev[RB_EV_MAX];
};
void fx_snap_take(struct fx_snap *s);
uint64_t fx_snap_drop(const struct fx_snap *s, enum rb_drop why);   /* delta */
uint64_t fx_snap_event(const struct fx_snap *s, enum rb_event ev);  /* delta */
uint64_t fx_snap_drops(const struct fx_snap *s);                    /* delta of the sum */
/* Print the non-zero counters (debugging aid). */
void fx_stats_dump(const char *tag);

/* ---- clock: lc->now of every worker ---- */
uint64_t fx_now(void);
void fx_set_now(uint64_t tsc);
void fx_advance_ms(uint64_t ms);

/* ---- frame builders (all multi-byte arguments in host order unless
 * named *_be; addresses are host-order uint32_t) ---- */
#define FX_NO_VLAN (-1)
struct fx_l2 {
	struct rte_ether_addr dst, src;
	int vlan;                /* FX_NO_VLAN or a VLAN id */
};
/* L2 header of a frame from a peer (02:00:00:00:<port>:<host>) to port. */
struct fx_l2 fx_l2_to(uint16_t port, uint8_t host);
struct rte_ether_addr fx_peer_mac(uint16_t port, uint8_t host);
/* Ethernet (+802.1Q) header; returns its length (14 or 18). */
uint16_t fx_put_eth(uint8_t *out, const struct fx_l2 *l2, uint16_t type);

struct fx_ip4 {
	uint32_t src, dst;
	uint8_t proto, ttl, tos;
	uint16_t id;
	uint16_t frag;           /* RTE_IPV4_HDR_DF_FLAG/MF_FLAG | offset in 8-byte units */
	const uint8_t *opt;      /* options (a multiple of 4 bytes) */
	uint8_t opt_len;
};
/* IPv4 header + payload with a correct header checksum; returns the length. */
uint16_t fx_put_ip4(uint8_t *out, const struct fx_ip4 *ip, const void *payload, uint16_t len);
/* Recompute the header checksum after editing header fields. */
void fx_ip4_fix_cksum(uint8_t *ip);
/* ICMP message (type, code, 4 bytes rest-of-header, data) with checksum. */
uint16_t fx_put_icmp4(uint8_t *out, uint8_t type, uint8_t code, uint32_t rest,
		      const void *data, uint16_t len);
/* UDP / TCP over IPv4 with the pseudo-header checksum. */
uint16_t fx_put_udp4(uint8_t *out, uint32_t src, uint32_t dst, uint16_t sport, uint16_t dport,
		     const void *data, uint16_t len);
uint16_t fx_put_tcp4(uint8_t *out, uint32_t src, uint32_t dst, uint16_t sport, uint16_t dport,
		     uint32_t seq, uint8_t flags);
/* ARP for Ethernet/IPv4 (sha, tha may be NULL for zero). */
uint16_t fx_put_arp(uint8_t *out, uint16_t op, const struct rte_ether_addr *sha, uint32_t sip,
		    const struct rte_ether_addr *tha, uint32_t tip);

/* Whole frames from a peer on port (L2 from fx_l2_to(port, host)). */
uint16_t fx_frame_ip4(uint8_t *out, uint16_t port, uint8_t host, const struct fx_ip4 *ip,
		      const void *l4, uint16_t l4_len);
uint16_t fx_frame_echo4(uint8_t *out, uint16_t port, uint8_t host, uint32_t src, uint32_t dst,
			uint16_t id, uint16_t seq, uint16_t data_len);

/* ---- parsing transmitted frames ---- */
/* Offset of the L3 header (after 802.1Q if present); type and vlan (or
 * FX_NO_VLAN) out.  Returns 0 if the frame is too short. */
uint16_t fx_l3_off(const struct fx_frame *f, uint16_t *type, int *vlan);

uint32_t fx_ip(const char *dotted);    /* host order; aborts on bad text */

#endif
