/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * pktgen: a minimal DPDK traffic generator for the AF_XDP testbed bench.
 * Sends 64-byte UDP/IPv4 frames as fast as it can from one port for a
 * number of seconds and counts what it receives back on the same port.
 *
 *   pktgen --vdev-args "net_af_xdp0,iface=X" --dmac MAC --src IP --dst IP
 *          [--seconds N] [--flows N] [--size BYTES]
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_ip.h>
#include <rte_udp.h>
#include "drivers/rb_port.h"

static struct rb_config no_ports; /* no PCI port: rb_pool_create packs the pool */

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"vdev-args", required_argument, NULL, 'v'}, {"dmac", required_argument, NULL, 'm'},
		{"src", required_argument, NULL, 's'},       {"dst", required_argument, NULL, 'd'},
		{"seconds", required_argument, NULL, 't'},   {"flows", required_argument, NULL, 'f'},
		{"size", required_argument, NULL, 'z'},      {NULL, 0, NULL, 0}};
	const char *vdev = NULL, *dmac_s = NULL;
	struct in_addr src = {0}, dst = {0};
	double seconds = 5;
	int flows = 64, size = 64, opt;
	char vdev_arg[256];
	struct rte_ether_addr dmac, smac;
	struct rte_mempool *pool;
	struct rte_eth_conf conf = {0};
	uint64_t sent = 0, rcvd = 0, t_end, t0;
	struct rte_mbuf *m[32];

	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case 'v': vdev = optarg; break;
		case 'm': dmac_s = optarg; break;
		case 's': inet_pton(AF_INET, optarg, &src); break;
		case 'd': inet_pton(AF_INET, optarg, &dst); break;
		case 't': seconds = atof(optarg); break;
		case 'f': flows = atoi(optarg); break;
		case 'z': size = atoi(optarg); break;
		default: return 2;
		}
	}
	if (!vdev || !dmac_s || !src.s_addr || !dst.s_addr || rte_ether_unformat_addr(dmac_s, &dmac) ||
	    size < 60 || size > 1514 || flows < 1) {
		fprintf(stderr, "usage: pktgen --vdev-args DEV --dmac MAC --src IP --dst IP "
				"[--seconds N] [--flows N] [--size B]\n");
		return 2;
	}
	snprintf(vdev_arg, sizeof(vdev_arg), "--vdev=%s", vdev);
	char *eal[] = {"pktgen", "--no-huge", "--no-pci", "-m", "128", "--no-shconf",
		       "--no-telemetry", "--lcores=0@0", vdev_arg, "--log-level=error", NULL};
	if (rte_eal_init(10, eal) < 0)
		return 1;
	/* packed, so that every mbuf lies inside the af_xdp UMEM (drivers/pool.c) */
	pool = rb_pool_create(&no_ports, "gen", 8191, 256, RTE_MBUF_DEFAULT_BUF_SIZE, 0);
	if (!pool || rte_eth_dev_configure(0, 1, 1, &conf) ||
	    rte_eth_rx_queue_setup(0, 0, 1024, 0, NULL, pool) ||
	    rte_eth_tx_queue_setup(0, 0, 1024, 0, NULL) || rte_eth_dev_start(0)) {
		fprintf(stderr, "pktgen: port set-up failed\n");
		return 1;
	}
	rte_eth_macaddr_get(0, &smac);
	t0 = rte_rdtsc();
	t_end = t0 + (uint64_t)(seconds * (double)rte_get_tsc_hz());
	for (uint64_t n = 0; rte_rdtsc() < t_end;) {
		uint16_t k;

		if (rte_pktmbuf_alloc_bulk(pool, m, 32) == 0) {
			for (int i = 0; i < 32; i++, n++) {
				struct rte_ether_hdr *eh =
					(struct rte_ether_hdr *)rte_pktmbuf_append(m[i], (uint16_t)size);
				struct rte_ipv4_hdr *ih = (struct rte_ipv4_hdr *)(eh + 1);
				struct rte_udp_hdr *uh = (struct rte_udp_hdr *)(ih + 1);

				memset(eh, 0, (size_t)size);
				eh->dst_addr = dmac;
				eh->src_addr = smac;
				eh->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
				ih->version_ihl = RTE_IPV4_VHL_DEF;
				ih->total_length = rte_cpu_to_be_16((uint16_t)(size - 14));
				ih->time_to_live = 64;
				ih->next_proto_id = IPPROTO_UDP;
				ih->src_addr = src.s_addr;
				ih->dst_addr = dst.s_addr;
				ih->hdr_checksum = rte_ipv4_cksum(ih);
				uh->src_port = rte_cpu_to_be_16((uint16_t)(10000 + n % (uint64_t)flows));
				uh->dst_port = rte_cpu_to_be_16(9);
				uh->dgram_len = rte_cpu_to_be_16((uint16_t)(size - 34));
			}
			k = rte_eth_tx_burst(0, 0, m, 32);
			sent += k;
			if (k < 32)
				rte_pktmbuf_free_bulk(m + k, 32u - k);
		}
		k = rte_eth_rx_burst(0, 0, m, 32);
		rcvd += k;
		rte_pktmbuf_free_bulk(m, k);
	}
	double el = (double)(rte_rdtsc() - t0) / (double)rte_get_tsc_hz();

	printf("pktgen: sent %lu in %.2f s (%.0f pps), received %lu\n", sent, el,
	       (double)sent / el, rcvd);
	rte_eth_dev_stop(0);
	rte_eth_dev_close(0);
	rte_eal_cleanup();
	return 0;
}
