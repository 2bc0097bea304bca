/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Port bring-up: PCI NICs and the virtual devices used in tests
 * (net_af_xdp, net_af_packet, net_tap, net_memif, net_ring, net_null).
 */
#ifndef RB_PORT_H
#define RB_PORT_H

#include <rte_mempool.h>
#include <stddef.h>
#include "../config/rb_config.h"
#include "../dataplane/rb_dp.h"

/* Is the device string a PCI address ("0000:3b:00.0" or "3b:00.0")? */
int rb_dev_is_pci(const char *dev);
/* The EAL device name: the PCI address, or the vdev name before the first ','. */
void rb_dev_name(const char *dev, char *out, size_t len);
/* Check that a device can work before EAL starts: the kernel interface named
 * by iface= exists for af_xdp/af_packet, the vdev driver is known.  Returns 0
 * or -1 with a message naming the port and the device. */
int rb_dev_precheck(const struct rb_cfg_port *p, char *err, size_t len);
/* The --vdev argument for device string `dev` (malloc'd): `dev` itself, with
 * ",busy_budget=0" added for a net_af_xdp device that does not set it. */
char *rb_dev_eal_vdev(const char *dev);
/* Add the EAL arguments (--vdev, -a) for all ports; returns the count added. */
int rb_dev_eal_args(const struct rb_config *cfg, char **argv, int max);
/* Configure and start port `idx`, assigning its queues to workers. */
int rb_port_start(struct rb_dp *dp, int idx, const struct rb_cfg_port *cp, char *err, size_t len);
/* Per-lcore cache of the dataplane's mbuf pool: the largest DPDK allows.
 * The pool's ring is FIFO, so a buffer that overflows the cache comes back
 * only after every other one in the pool: cold.  A relayed window in
 * flight (a burst of segments out, their buffers freed together when the
 * peer has read them) overflowed 256 (flush at 1.5x) and every
 * allocation then missed the cache (bench_relay: rte_pktmbuf_alloc 16-19 %
 * of the relay core, nearly all on the first store into the mbuf). */
#define RB_POOL_CACHE RTE_MEMPOOL_CACHE_MAX_SIZE
/* The dataplane's mbuf pool (as rte_pktmbuf_pool_create, priv size 0);
 * objects packed back to back (RTE_MEMPOOL_F_NO_IOVA_CONTIG) unless a port
 * is a PCI device, so that net_af_xdp's UMEM covers them all (pool.c). */
struct rte_mempool *rb_pool_create(const struct rb_config *cfg, const char *name, unsigned n,
				   unsigned cache, uint16_t data_room, int socket);
/* 0 if every mbuf of `mp` lies inside the UMEM net_af_xdp (DPDK 22.11)
 * registers for it; else -1 and a message. */
int rb_pool_umem_check(struct rte_mempool *mp, char *err, size_t len);
/* Stop and close every port (releases XDP programs and sockets). */
void rb_port_stop_all(struct rb_dp *dp);

#endif
