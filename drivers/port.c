/* SPDX-License-Identifier: BSD-3-Clause */
#include <ctype.h>
#include <net/if.h>
#include <stdio.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <rte_ethdev.h>
#include <rte_bus_vdev.h>
#include "rb_afp.h"
#include "devarg.h"
#include "rb_port.h"
#include "../dataplane/rb_log.h"

#define RX_DESC 1024
#define TX_DESC 1024

int rb_dev_is_pci(const char *dev)
{
	unsigned a, b, c, d;
	char tail;

	if (sscanf(dev, "%x:%x:%x.%x%c", &a, &b, &c, &d, &tail) == 4)
		return 1;
	return sscanf(dev, "%x:%x.%x%c", &b, &c, &d, &tail) == 3;
}

void rb_dev_name(const char *dev, char *out, size_t len)
{
	size_t n = strcspn(dev, ",");

	if (n >= len)
		n = len - 1;
	memcpy(out, dev, n);
	out[n] = '\0';
}

static const char *const known_vdevs[] = {
	"net_af_xdp", "net_af_packet", "net_tap", "net_tun", "net_memif",
	"net_ring", "net_null", "net_pcap", NULL,
};

int rb_dev_precheck(const struct rb_cfg_port *p, char *err, size_t len)
{
	char name[64], iface[IF_NAMESIZE + 8];
	int i;

	if (rb_dev_is_pci(p->device))
		return 0;
	rb_dev_name(p->device, name, sizeof(name));
	for (i = 0; known_vdevs[i]; i++) {
		size_t kl = strlen(known_vdevs[i]);

		if (strncmp(name, known_vdevs[i], kl) == 0 &&
		    (name[kl] == '\0' || isdigit((unsigned char)name[kl])))
			break;
	}
	if (known_vdevs[i] == NULL) {
		snprintf(err, len, "port %s: device '%s' is neither a PCI address nor a known vdev",
			 p->name, p->device);
		return -1;
	}
	if (strncmp(name, "net_af_xdp", 10) == 0 || strncmp(name, "net_af_packet", 13) == 0) {
		rb_devarg(p->device, "iface", iface, sizeof(iface));
		if (iface[0] == '\0') {
			snprintf(err, len, "port %s: device '%s' needs iface=<interface>", p->name,
				 p->device);
			return -1;
		}
		if (if_nametoindex(iface) == 0) {
			snprintf(err, len, "port %s: interface '%s' (device '%s') does not exist",
				 p->name, iface, p->device);
			return -1;
		}
	}
	return 0;
}

/*
 * net_af_xdp's busy_budget (DPDK 22.11, default 64) turns on preferred busy
 * polling: every RX burst that finds the ring empty makes a recvfrom()
 * syscall.  It pays only with a NIC whose napi_defer_hard_irqs and
 * gro_flush_timeout are set (DPDK's af_xdp guide); on veth and on NICs left
 * as they are, the kernel fills the ring from its own softirq and the
 * syscall finds nothing to do (125 a connection on the proxy bench).  The
 * dataplane asks for busy_budget=0 (plain need_wakeup: a syscall only when
 * the kernel says it needs one) unless the device string sets busy_budget.
 */
char *rb_dev_eal_vdev(const char *dev)
{
	char name[64];
	size_t n = strlen(dev);
	char *out;

	rb_dev_name(dev, name, sizeof(name));
	if (strncmp(name, "net_af_xdp", 10) != 0 || strstr(dev, ",busy_budget=") != NULL)
		return strdup(dev);
	out = malloc(n + sizeof(",busy_budget=0"));
	if (out != NULL)
		snprintf(out, n + sizeof(",busy_budget=0"), "%s,busy_budget=0", dev);
	return out;
}

int rb_dev_eal_args(const struct rb_config *cfg, char **argv, int max)
{
	int n = 0;

	for (int i = 0; i < cfg->dp.n_ports && n + 2 <= max; i++) {
		const char *dev = cfg->dp.ports[i].device;
		int pci = rb_dev_is_pci(dev);

		argv[n++] = strdup(pci ? "-a" : "--vdev");
		argv[n++] = pci ? strdup(dev) : rb_dev_eal_vdev(dev);
	}
	return n;
}

static uint16_t min3(unsigned a, unsigned b, unsigned c)
{
	unsigned m = a < b ? a : b;

	return (uint16_t)(m < c ? m : c);
}

/* GRO/LRO off on an af_packet port's interface (af_packet.c rb_afp_nogro). */
static void port_afp_nogro(const struct rb_cfg_port *cp)
{
	char iface[IF_NAMESIZE + 8], why[256];
	int n;

	rb_devarg(cp->device, "iface", iface, sizeof(iface));
	n = rb_afp_nogro(iface, why, sizeof(why));
	if (n > 0)
		RB_INFO("port %s: %s%s%s turned off on %s while the port runs (super-packets the "
			"af_packet ring would cut short)", cp->name, n & RB_AFP_GRO ? "GRO" : "",
			n == (RB_AFP_GRO | RB_AFP_LRO) ? " and " : "", n & RB_AFP_LRO ? "LRO" : "",
			iface);
	else if (n < 0)
		RB_WARN("port %s: %s: TCP super-packets will be cut short (ip4_bad_len)", cp->name,
			why);
}

/* Assign rx queues round-robin over workers, continuing across ports so
 * that single-queue ports spread over workers too. */
static unsigned next_worker;

int rb_port_start(struct rb_dp *dp, int idx, const struct rb_cfg_port *cp, char *err, size_t len)
{
	struct rb_port *p = &dp->ports[idx];
	struct rte_eth_conf conf;
	struct rte_eth_dev_info info;
	char name[64];
	uint16_t pid;
	int rc, socket;

	memset(&conf, 0, sizeof(conf));
	rb_dev_name(cp->device, name, sizeof(name));
	if (strncmp(name, "net_af_xdp", 10) == 0 && rb_pool_umem_check(dp->pool, err, len) != 0) {
		char why[320];

		snprintf(why, sizeof(why), "%s", err);
		snprintf(err, len, "port %s: device '%s': %s", cp->name, cp->device, why);
		return -1;
	}
	if (rte_eth_dev_get_port_by_name(name, &pid) != 0) {
		snprintf(err, len, "port %s: device '%s' was not probed (see EAL messages above)",
			 cp->name, cp->device);
		return -1;
	}
	rc = rte_eth_dev_info_get(pid, &info);
	if (rc != 0) {
		snprintf(err, len, "port %s: cannot get device info: %s", cp->name, rte_strerror(-rc));
		return -1;
	}
	/* before the port starts: af_packet.c */
	if (strcmp(info.driver_name, "net_af_packet") == 0) {
		char why[256];
		int n = rb_afp_nodefrag(cp->device, why, sizeof(why));

		if (n > 0)
			RB_INFO("port %s: %d af_packet queue socket(s) reopened without the kernel's "
				"IPv4 reassembly (PACKET_FANOUT_FLAG_DEFRAG)", cp->name, n);
		else if (n < 0)
			RB_WARN("port %s: af_packet sockets keep the kernel's IPv4 reassembly, so "
				"fragmented datagrams over the ring's frame are lost (ip4_bad_len): %s",
				cp->name, why);
		port_afp_nogro(cp);
	}
	p->port_id = pid;
	p->index = (uint16_t)idx;
	snprintf(p->name, sizeof(p->name), "%s", cp->name);
	p->mtu = cp->mtu;
	p->vlan = cp->vlan;
	p->nb_rxq = min3(cp->queues, info.max_rx_queues, RB_MAX_QUEUES);
	p->nb_txq = min3((unsigned)dp->n_workers, info.max_tx_queues, RB_MAX_QUEUES);
	if (p->nb_rxq == 0 || p->nb_txq == 0) {
		snprintf(err, len, "port %s: device offers no queues", cp->name);
		return -1;
	}
	if (p->nb_rxq > 1 && info.flow_type_rss_offloads != 0) {
		conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
		conf.rx_adv_conf.rss_conf.rss_hf =
			info.flow_type_rss_offloads &
			(RTE_ETH_RSS_IP | RTE_ETH_RSS_TCP | RTE_ETH_RSS_UDP);
		p->rss = true;
	}
	conf.txmode.offloads = info.tx_offload_capa & (RTE_ETH_TX_OFFLOAD_IPV4_CKSUM |
						       RTE_ETH_TX_OFFLOAD_TCP_CKSUM |
						       RTE_ETH_TX_OFFLOAD_UDP_CKSUM |
						       RTE_ETH_TX_OFFLOAD_MULTI_SEGS);
	/* TCP segmentation offload (dataplane/tcp sends up to 64 KiB as one
	 * chain): only with chains and the TCP checksum offload it builds on. */
	if ((info.tx_offload_capa & RTE_ETH_TX_OFFLOAD_TCP_TSO) && info.tx_desc_lim.nb_seg_max >= 4 &&
	    (conf.txmode.offloads & (RTE_ETH_TX_OFFLOAD_MULTI_SEGS | RTE_ETH_TX_OFFLOAD_TCP_CKSUM)) ==
		    (RTE_ETH_TX_OFFLOAD_MULTI_SEGS | RTE_ETH_TX_OFFLOAD_TCP_CKSUM))
		conf.txmode.offloads |= RTE_ETH_TX_OFFLOAD_TCP_TSO;
	p->tx_offloads = conf.txmode.offloads;
	/* DPDK has no separate IPv6 TSO capability; net_tap (22.11) hands
	 * TSO frames to rte_gso, which segments TCP over IPv4 only. */
	p->tso6 = (p->tx_offloads & RTE_ETH_TX_OFFLOAD_TCP_TSO) &&
		  strcmp(info.driver_name, "net_tap") != 0;
	/* net_tap (22.11, pmd_tx) refuses a TSO frame whose segment size
	 * plus all headers, Ethernet included, exceeds the MTU: full-sized
	 * segments came back unsent (tx_full).  Its segments are cut 14
	 * bytes short of the MSS (net/tso.h rb_tso_segsz). */
	p->tso_hdr_slack = strcmp(info.driver_name, "net_tap") == 0 ? RTE_ETHER_HDR_LEN : 0;
	/* a TSO chain (up to 64 KiB referenced in the send queue, ~45 mbufs
	 * of relayed 1448-byte buffers) stays within what the PMD takes in
	 * one frame (ixgbe 40, DPDK's default UINT16_MAX) */
	p->tx_seg_max = info.tx_desc_lim.nb_seg_max;
	/* Checksums verified by the device are flagged RTE_MBUF_F_RX_*_CKSUM_GOOD
	 * / _BAD on each mbuf; the IP and L4 input code trusts the flags. */
	conf.rxmode.offloads = info.rx_offload_capa & (RTE_ETH_RX_OFFLOAD_IPV4_CKSUM |
						       RTE_ETH_RX_OFFLOAD_TCP_CKSUM |
						       RTE_ETH_RX_OFFLOAD_UDP_CKSUM);
	if (cp->mtu > RTE_ETHER_MTU)
		conf.rxmode.mtu = cp->mtu;
	rc = rte_eth_dev_configure(pid, p->nb_rxq, p->nb_txq, &conf);
	if (rc != 0) {
		snprintf(err, len, "port %s: configure failed: %s", cp->name, rte_strerror(-rc));
		return -1;
	}
	rc = rte_eth_dev_set_mtu(pid, cp->mtu);
	if (rc != 0 && rc != -ENOTSUP)
		RB_WARN("port %s: cannot set MTU %u: %s", cp->name, cp->mtu, rte_strerror(-rc));
	socket = rte_eth_dev_socket_id(pid);
	if (socket < 0)
		socket = (int)rte_socket_id();
	for (uint16_t q = 0; q < p->nb_rxq; q++) {
		rc = rte_eth_rx_queue_setup(pid, q, RX_DESC, (unsigned)socket, NULL, dp->pool);
		if (rc != 0) {
			snprintf(err, len, "port %s: rx queue %u: %s", cp->name, q, rte_strerror(-rc));
			return -1;
		}
		p->rxq_owner[q] = (uint16_t)(next_worker++ % (unsigned)dp->n_workers);
	}
	for (uint16_t q = 0; q < p->nb_txq; q++) {
		struct rte_eth_txconf txc = info.default_txconf;

		txc.offloads = conf.txmode.offloads;
		rc = rte_eth_tx_queue_setup(pid, q, TX_DESC, (unsigned)socket, &txc);
		if (rc != 0) {
			snprintf(err, len, "port %s: tx queue %u: %s", cp->name, q, rte_strerror(-rc));
			return -1;
		}
		p->txq_owner[q] = q;
	}
	rc = rte_eth_dev_start(pid);
	if (rc != 0) {
		snprintf(err, len, "port %s: start failed: %s", cp->name, rte_strerror(-rc));
		return -1;
	}
	rte_eth_macaddr_get(pid, &p->mac);
	rte_eth_allmulticast_enable(pid);
	if (p->rss) {
		struct rte_eth_rss_conf rc_conf = {.rss_key = p->rss_key,
						   .rss_key_len = sizeof(p->rss_key)};

		p->reta_size = info.reta_size ? info.reta_size : 128;
		if (rte_eth_dev_rss_hash_conf_get(pid, &rc_conf) == 0)
			p->rss_key_len = rc_conf.rss_key_len;
		if (info.reta_size) {
			struct rte_eth_rss_reta_entry64 reta[info.reta_size / RTE_ETH_RETA_GROUP_SIZE];

			memset(reta, 0, sizeof(reta));
			for (unsigned i = 0; i < info.reta_size; i++) {
				reta[i / RTE_ETH_RETA_GROUP_SIZE].mask |=
					1ULL << (i % RTE_ETH_RETA_GROUP_SIZE);
				reta[i / RTE_ETH_RETA_GROUP_SIZE].reta[i % RTE_ETH_RETA_GROUP_SIZE] =
					(uint16_t)(i % p->nb_rxq);
			}
			if (rte_eth_dev_rss_reta_update(pid, reta, info.reta_size) != 0)
				RB_WARN("port %s: cannot program the RSS redirection table",
					cp->name);
		}
	}
	/* Addresses, and the EUI-64 link-local address (RFC 4291 2.5.6, App. A). */
	p->n_addrs = cp->n_addrs;
	for (int i = 0; i < cp->n_addrs; i++) {
		p->addrs[i].family = cp->addrs[i].family;
		p->addrs[i].plen = cp->addrs[i].plen;
		memcpy(p->addrs[i].addr, cp->addrs[i].addr, 16);
	}
	memset(p->ll6, 0, 16);
	p->ll6[0] = 0xfe;
	p->ll6[1] = 0x80;
	p->ll6[8] = p->mac.addr_bytes[0] ^ 0x02;
	p->ll6[9] = p->mac.addr_bytes[1];
	p->ll6[10] = p->mac.addr_bytes[2];
	p->ll6[11] = 0xff;
	p->ll6[12] = 0xfe;
	p->ll6[13] = p->mac.addr_bytes[3];
	p->ll6[14] = p->mac.addr_bytes[4];
	p->ll6[15] = p->mac.addr_bytes[5];
	RB_INFO("port %s: %s id %u mac " RTE_ETHER_ADDR_PRT_FMT " mtu %u rxq %u txq %u%s "
		"offloads tx 0x%" PRIx64 " rx 0x%" PRIx64,
		p->name, cp->device, pid, RTE_ETHER_ADDR_BYTES(&p->mac), p->mtu, p->nb_rxq,
		p->nb_txq, p->rss ? " rss" : "", p->tx_offloads, conf.rxmode.offloads);
	return 0;
}

void rb_port_stop_all(struct rb_dp *dp)
{
	for (int i = 0; i < dp->n_ports; i++) {
		uint16_t pid = dp->ports[i].port_id;

		rte_eth_dev_stop(pid);
		rte_eth_dev_close(pid);
	}
	rb_afp_restore();
}
