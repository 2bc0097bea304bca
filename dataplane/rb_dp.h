/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The dataplane's global state: read-mostly after start-up.  Everything a
 * worker lcore mutates lives in its own struct rb_lcore (rb_lcore.h).
 * Tables that change at run time (the FIB) are reached through a pointer
 * that is swapped whole and retired after an RCU grace period
 * (rte_rcu_qsbr; each worker reports a quiescent state once per loop).
 */
#ifndef RB_DP_H
#define RB_DP_H

#include <stdint.h>
#include <stdbool.h>
#include <rte_ether.h>
#include <rte_rcu_qsbr.h>
#include "../config/rb_config.h"
#include "rb_stats.h"

#define RB_MAX_WORKERS RB_MAX_LCORES
#define RB_MAX_QUEUES  16

struct rb_lcore;
struct rte_mempool;
struct rte_lpm;
struct rte_lpm6;

/* One address configured on a port. */
struct rb_port_addr {
	uint8_t family;
	uint8_t plen;
	uint8_t addr[16];
};

struct rb_port {
	uint16_t port_id;                    /* DPDK port id */
	uint16_t index;                      /* index in the config */
	char name[RB_NAME_LEN];
	struct rte_ether_addr mac;
	uint16_t mtu;
	uint16_t vlan;                       /* 0 = untagged */
	uint16_t nb_rxq, nb_txq;
	bool rss;                            /* more than one rx queue, RSS on */
	uint64_t tx_offloads;                /* enabled TX offloads */
	bool tso6;                           /* RTE_ETH_TX_OFFLOAD_TCP_TSO covers IPv6 too
					      * (net_tap's rte_gso segments IPv4 only) */
	uint8_t tso_hdr_slack;               /* bytes a TSO segment must leave under the
					      * MTU beyond IP (net_tap 22.11 counts its
					      * Ethernet header against the MTU) */
	uint16_t tx_seg_max;                 /* mbufs per TX frame, TSO frames too
					      * (tx_desc_lim.nb_seg_max); 0 = no bound */
	uint8_t rss_key[64];                 /* Toeplitz key when rss */
	uint8_t rss_key_len;
	uint16_t reta_size;
	uint16_t rxq_owner[RB_MAX_QUEUES];   /* worker index polling rx queue q */
	uint16_t txq_owner[RB_MAX_QUEUES];   /* worker index owning tx queue q */
	int n_addrs;
	struct rb_port_addr addrs[RB_MAX_ADDRS];
	uint8_t ll6[16];                     /* IPv6 link-local (EUI-64) */
};

enum rb_nh_kind {
	RB_NH_LOCAL = 0,     /* one of our addresses: deliver locally */
	RB_NH_CONNECTED,     /* on-link: resolve the destination itself */
	RB_NH_GATEWAY,       /* via a gateway: resolve the gateway */
	RB_NH_BLACKHOLE,
	RB_NH_ENDPOINT,      /* a WireGuard endpoint (dataplane/wireguard): port = its index */
};

struct rb_nexthop {
	uint8_t kind;        /* enum rb_nh_kind */
	uint8_t family;      /* of gw */
	uint16_t port;       /* index into dp->ports */
	uint8_t gw[16];
};

/* A FIB version.  Immutable once published. */
struct rb_fib {
	struct rte_lpm *lpm4;
	struct rte_lpm6 *lpm6;
	uint32_t generation;
	int32_t def4, def6;  /* next hop of 0.0.0.0/0 and ::/0, or -1 */
	uint32_t n_nh;
	struct rb_nexthop nh[];
};

/* A FIB route to a tunnel endpoint (dataplane/wireguard fills rb_dp.ep_routes;
 * rb_fib_build adds them): ENDPOINT, or LOCAL for the endpoint's own address. */
struct rb_ep_route {
	struct rb_cidr prefix;
	uint8_t local;
	uint16_t ep;
};

struct rb_dp {
	const struct rb_config *cfg;
	int n_ports;
	struct rb_port ports[RB_MAX_PORTS];
	int n_workers;
	struct rb_lcore *workers[RB_MAX_WORKERS];
	struct rte_mempool *pool;
	struct rb_fib *volatile fib;         /* RCU-published */
	struct rte_rcu_qsbr *qsbr;
	uint64_t tsc_hz;
	uint32_t flow_hash_seed;
	volatile int quit;
	void *shm;                           /* struct rb_shm * (dataplane/shm) */
	/* WireGuard (dataplane/wireguard/wg_dp.c); NULL when no endpoint.
	 * wg_rx: a UDP datagram to us (data at the IP header, l3_len set);
	 * returns 1 when it took it.  wg_tx: a packet routed to an ENDPOINT
	 * next hop.  wg_poll: once per worker loop (batches, timers). */
	void *wg;
	int (*wg_rx)(struct rb_lcore *lc, struct rte_mbuf *m);
	void (*wg_tx)(struct rb_lcore *lc, struct rte_mbuf *m, const struct rb_nexthop *nh);
	unsigned (*wg_poll)(struct rb_lcore *lc);
	/* wg_icmp_reply: an ICMP/ICMPv6 echo reply to us (data at the IP
	 * header, l3_len = offset of the ICMP header, checksum verified);
	 * returns 1 when it took it (a terminated endpoint's echo relay). */
	int (*wg_icmp_reply)(struct rb_lcore *lc, struct rte_mbuf *m);
	int n_ep_routes;
	struct rb_ep_route *ep_routes;
};

extern struct rb_dp rb_dp;

/* FIB (dataplane/net/fib.c): build a FIB from config routes and port addresses. */
struct rb_fib *rb_fib_build(const struct rb_dp *dp, const struct rb_cfg_route *routes, int n_routes,
			    uint32_t generation, char *err, size_t errlen);
void rb_fib_free(struct rb_fib *fib);
/* Heap bytes one FIB of n_routes config routes takes: two DIR-24-8 tbl24s
 * (rte_lpm and rte_lpm6, 64 MiB each), their tbl8s and rule tables. */
uint64_t rb_fib_footprint(int n_routes);
/* Publish a new FIB; the old one is retired and freed by rb_fib_reclaim
 * after its RCU grace period.  Main lcore only.  Returns 0, or -1 when too
 * many retired versions still wait (nothing changed; retry later). */
int rb_fib_publish(struct rb_dp *dp, struct rb_fib *fib);
/* Free retired FIBs whose grace period ended (wait: block until all have). */
void rb_fib_reclaim(struct rb_dp *dp, int wait);
/* Lookups: return the nexthop or NULL. addr in network byte order. */
const struct rb_nexthop *rb_fib_lookup4(const struct rb_fib *fib, uint32_t addr);
const struct rb_nexthop *rb_fib_lookup6(const struct rb_fib *fib, const uint8_t addr[16]);

/* Is addr one of the port's IPv4 addresses? (network byte order) */
bool rb_port_has_addr4(const struct rb_port *p, uint32_t addr);
bool rb_port_has_addr6(const struct rb_port *p, const uint8_t addr[16]);
/* Is addr the subnet broadcast or network address of one of p's IPv4 prefixes? */
bool rb_port_is_bcast4(const struct rb_port *p, uint32_t addr);
/* Pick our source address on port p for a destination (0 if none). */
uint32_t rb_port_src4(const struct rb_port *p, uint32_t dst);
bool rb_port_src6(const struct rb_port *p, const uint8_t dst[16], uint8_t out[16]);

#endif
