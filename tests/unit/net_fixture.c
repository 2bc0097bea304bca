/* SPDX-License-Identifier: BSD-3-Clause */
/* The in-process dataplane fixture (see net_fixture.h). */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <rte_arp.h>
#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_eth_ring.h>
#include <rte_ethdev.h>
#include <rte_icmp.h>
#include <rte_ip.h>
#include <rte_malloc.h>
#include <rte_mempool.h>
#include <rte_tcp.h>
#include <rte_udp.h>
#include "dataplane/net/neigh.h"
#include "dataplane/rb_log.h"
#include "dataplane/worker.h"
#include "drivers/rb_port.h"
#include "net_fixture.h"

#define FX_RING_SIZE 4096

static struct rb_dp fx_dp_store;
struct rb_dp *fx_dp = &fx_dp_store;
static struct rb_config fx_cfg;
static int fx_cfg_loaded;
static struct rte_mempool *pool;
static struct rte_ring *rx_ring[FX_MAX_PORTS], *tx_ring[FX_MAX_PORTS];
static uint16_t port_id[FX_MAX_PORTS];
static int eal_up;

int fx_eal_init(const char *prog)
{
	char *argv[] = {(char *)prog, "-l", "0", "--no-huge", "-m", "512", "--no-pci",
			"--no-shconf", "--no-telemetry", "--log-level=error", NULL};
	int argc = (int)(sizeof(argv) / sizeof(argv[0])) - 1;

	if (eal_up)
		return 0;
	rb_log_level = RB_LOG_WARN;
	if (rte_eal_init(argc, argv) < 0) {
		fprintf(stderr, "fx: EAL init failed: %s\n", rte_strerror(rte_errno));
		return -1;
	}
	if (rb_meta_register() != 0) {
		fprintf(stderr, "fx: cannot register the mbuf dynfield\n");
		return -1;
	}
	pool = rte_pktmbuf_pool_create("fx_pool", FX_POOL_MBUFS, 64, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
				       (int)rte_socket_id());
	if (pool == NULL) {
		fprintf(stderr, "fx: mempool: %s\n", rte_strerror(rte_errno));
		return -1;
	}
	for (int p = 0; p < FX_MAX_PORTS; p++) {
		struct rte_ring *txq[RB_MAX_QUEUES];
		char name[32];
		int id;

		snprintf(name, sizeof(name), "fx_rx%d", p);
		rx_ring[p] = rte_ring_create(name, FX_RING_SIZE, SOCKET_ID_ANY, 0);
		snprintf(name, sizeof(name), "fx_tx%d", p);
		tx_ring[p] = rte_ring_create(name, FX_RING_SIZE, SOCKET_ID_ANY, 0);
		if (rx_ring[p] == NULL || tx_ring[p] == NULL) {
			fprintf(stderr, "fx: rings: %s\n", rte_strerror(rte_errno));
			return -1;
		}
		/* Every TX queue (one per worker) feeds the same multi-producer ring. */
		for (int q = 0; q < RB_MAX_QUEUES; q++)
			txq[q] = tx_ring[p];
		snprintf(name, sizeof(name), "fx%d", p);
		id = rte_eth_from_rings(name, &rx_ring[p], 1, txq, RB_MAX_QUEUES,
					rte_socket_id());
		if (id < 0) {
			fprintf(stderr, "fx: rte_eth_from_rings: %s\n", rte_strerror(rte_errno));
			return -1;
		}
		port_id[p] = (uint16_t)id;
	}
	eal_up = 1;
	return 0;
}

struct rb_lcore *fx_lc(unsigned worker)
{
	return fx_dp->workers[worker];
}

struct rte_mempool *fx_pool(void)
{
	return pool;
}

unsigned fx_mbufs_in_use(void)
{
	return rte_mempool_in_use_count(pool);
}

static void ring_free_all(struct rte_ring *r)
{
	struct rte_mbuf *m;

	while (rte_ring_dequeue(r, (void **)&m) == 0)
		rte_pktmbuf_free(m);
}

/*
 * Ring ports all have the MAC 00:00:00:00:00:00 (and so the same link-local
 * address).  Give port i the MAC 02:fe:00:00:00:<i> and derive the EUI-64
 * link-local address from it as rb_port_start does (RFC 4291 2.5.6).
 */
static void set_mac(struct rb_port *p, uint8_t i)
{
	struct rte_ether_addr mac = {{0x02, 0xfe, 0x00, 0x00, 0x00, i}};

	p->mac = mac;
	memset(p->ll6, 0, 16);
	p->ll6[0] = 0xfe;
	p->ll6[1] = 0x80;
	p->ll6[8] = mac.addr_bytes[0] ^ 0x02;
	p->ll6[9] = mac.addr_bytes[1];
	p->ll6[10] = mac.addr_bytes[2];
	p->ll6[11] = 0xff;
	p->ll6[12] = 0xfe;
	p->ll6[13] = mac.addr_bytes[3];
	p->ll6[14] = mac.addr_bytes[4];
	p->ll6[15] = mac.addr_bytes[5];
}

int fx_setup(const char *cfg_text)
{
	struct rb_dp *dp = fx_dp;
	char err[512];
	struct rb_fib *fib;
	size_t qsz;

	if (!eal_up)
		return -1;
	if (rb_config_load_string(&fx_cfg, cfg_text, "<fixture>", stderr) != 0)
		return -1;
	fx_cfg_loaded = 1;
	memset(dp, 0, sizeof(*dp));
	dp->cfg = &fx_cfg;
	dp->tsc_hz = rte_get_tsc_hz();
	dp->n_workers = fx_cfg.dp.n_lcores;
	dp->n_ports = 0;
	dp->pool = pool;
	dp->flow_hash_seed = 0x5eed1234;
	if (fx_cfg.dp.n_ports > FX_MAX_PORTS) {
		fprintf(stderr, "fx: at most %d ports\n", FX_MAX_PORTS);
		goto fail;
	}
	qsz = rte_rcu_qsbr_get_memsize((uint32_t)dp->n_workers);
	dp->qsbr = rte_zmalloc("fx_qsbr", qsz, RTE_CACHE_LINE_SIZE);
	if (dp->qsbr == NULL || rte_rcu_qsbr_init(dp->qsbr, (uint32_t)dp->n_workers) != 0) {
		fprintf(stderr, "fx: RCU state\n");
		goto fail;
	}
	if (rb_workers_init(dp, err, sizeof(err)) != 0) {
		fprintf(stderr, "fx: %s\n", err);
		goto fail;
	}
	for (int i = 0; i < fx_cfg.dp.n_ports; i++) {
		if (rb_port_start(dp, i, &fx_cfg.dp.ports[i], err, sizeof(err)) != 0) {
			fprintf(stderr, "fx: %s\n", err);
			goto fail;
		}
		dp->n_ports = i + 1;
	}
	rb_workers_bind_ports(dp);
	for (int i = 0; i < dp->n_ports; i++)
		set_mac(&dp->ports[i], (uint8_t)i);
	fib = rb_fib_build(dp, fx_cfg.dp.routes, fx_cfg.dp.n_routes, 1, err, sizeof(err));
	if (fib == NULL) {
		fprintf(stderr, "fx: FIB: %s\n", err);
		goto fail;
	}
	if (rb_fib_publish(dp, fib) != 0) {
		rb_fib_free(fib);
		fprintf(stderr, "fx: cannot publish the FIB\n");
		goto fail;
	}
	fx_set_now(rte_rdtsc());
	for (int w = 0; w < dp->n_workers; w++) {
		for (int i = 0; i < fx_cfg.dp.n_neighbors; i++) {
			const struct rb_cfg_neigh *n = &fx_cfg.dp.neighbors[i];

			if (rb_neigh_add_static(dp->workers[w], (uint16_t)n->port, n->ip.family,
						n->ip.addr, n->mac) != 0) {
				fprintf(stderr, "fx: static neighbor table full\n");
				goto fail;
			}
		}
		if (tcp_lcore_init(dp->workers[w]) != 0 || udp_lcore_init(dp->workers[w]) != 0) {
			fprintf(stderr, "fx: TCP/UDP init on worker %d\n", w);
			goto fail;
		}
	}
	return 0;
fail:
	fx_teardown();
	return -1;
}

void fx_teardown(void)
{
	struct rb_dp *dp = fx_dp;

	if (dp->n_ports > 0)
		fx_collect_all();
	for (int i = 0; i < dp->n_ports; i++)
		rte_eth_dev_stop(dp->ports[i].port_id);
	rb_workers_fini(dp);
	for (int p = 0; p < FX_MAX_PORTS; p++) {
		if (rx_ring[p] != NULL)
			ring_free_all(rx_ring[p]);
		if (tx_ring[p] != NULL)
			ring_free_all(tx_ring[p]);
	}
	if (dp->qsbr != NULL)
		rb_fib_reclaim(dp, 1);
	rb_fib_free(dp->fib);
	dp->fib = NULL;
	rte_free(dp->qsbr);
	dp->qsbr = NULL;
	dp->n_ports = 0;
	dp->n_workers = 0;
	if (fx_cfg_loaded) {
		rb_config_free(&fx_cfg);
		fx_cfg_loaded = 0;
	}
}

void fx_fini(void)
{
	if (!eal_up)
		return;
	for (int p = 0; p < FX_MAX_PORTS; p++) {
		rte_eth_dev_stop(port_id[p]);
		rte_eth_dev_close(port_id[p]);
		rte_ring_free(rx_ring[p]);
		rte_ring_free(tx_ring[p]);
		rx_ring[p] = tx_ring[p] = NULL;
	}
	rte_mempool_free(pool);
	pool = NULL;
	rte_eal_cleanup();
	eal_up = 0;
}

/* ---- traffic ---- */

struct rte_mbuf *fx_mbuf(uint16_t port, const void *frame, uint16_t len)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
	struct rb_mbuf_meta *mt;
	void *d;

	if (m == NULL)
		return NULL;
	d = rte_pktmbuf_append(m, len);
	if (d == NULL) {
		rte_pktmbuf_free(m);
		return NULL;
	}
	memcpy(d, frame, len);
	m->port = port;
	mt = rb_meta(m);
	memset(mt, 0, sizeof(*mt));
	mt->kind = RB_MK_RX;
	return m;
}

void fx_inject_mbuf(unsigned worker, struct rte_mbuf *m)
{
	rb_eth_input(fx_dp->workers[worker], &m, 1);
}

void fx_rx_mbuf(uint16_t port, struct rte_mbuf *m)
{
	if (rte_ring_enqueue(rx_ring[port], m) != 0)
		rte_pktmbuf_free(m);
}

int fx_inject_on(unsigned worker, uint16_t port, const void *frame, uint16_t len)
{
	struct rte_mbuf *m = fx_mbuf(port, frame, len);

	if (m == NULL)
		return -1;
	fx_inject_mbuf(worker, m);
	return 0;
}

int fx_inject(uint16_t port, const void *frame, uint16_t len)
{
	return fx_inject_on(0, port, frame, len);
}

int fx_rx(uint16_t port, const void *frame, uint16_t len)
{
	struct rte_mbuf *m = fx_mbuf(port, frame, len);

	if (m == NULL)
		return -1;
	if (rte_ring_enqueue(rx_ring[port], m) != 0) {
		rte_pktmbuf_free(m);
		return -1;
	}
	return 0;
}

static void flush_workers(void)
{
	/* Twice: a worker's txring may receive frames while another flushes. */
	for (int round = 0; round < 2; round++)
		for (int w = 0; w < fx_dp->n_workers; w++) {
			if (fx_dp->workers[w] == NULL)
				continue;
			rb_txring_drain(fx_dp->workers[w]);
			rb_tx_flush(fx_dp->workers[w]);
		}
}

int fx_collect(uint16_t port, struct fx_frame *out, int max)
{
	struct rte_mbuf *m;
	int n = 0;

	flush_workers();
	while (rte_ring_dequeue(tx_ring[port], (void **)&m) == 0) {
		if (out != NULL && n < max) {
			struct fx_frame *f = &out[n];
			uint32_t len = RTE_MIN(rte_pktmbuf_pkt_len(m), (uint32_t)FX_FRAME_MAX);
			const void *p = rte_pktmbuf_read(m, 0, len, f->data);

			if (p != f->data)
				memcpy(f->data, p, len);
			f->len = (uint16_t)len;
			f->nb_segs = m->nb_segs;
		}
		rte_pktmbuf_free(m);
		n++;
	}
	return n;
}

int fx_collect_all(void)
{
	int n = 0;

	for (int p = 0; p < FX_MAX_PORTS; p++)
		n += fx_collect((uint16_t)p, NULL, 0);
	return n;
}

/* ---- counters ---- */

uint64_t fx_stat_drop(enum rb_drop why)
{
	uint64_t s = 0;

	for (int w = 0; w < fx_dp->n_workers; w++)
		s += fx_dp->workers[w]->stats->drops[why];
	return s;
}

uint64_t fx_stat_event(enum rb_event ev)
{
	uint64_t s = 0;

	for (int w = 0; w < fx_dp->n_workers; w++)
		s += fx_dp->workers[w]->stats->events[ev];
	return s;
}

uint64_t fx_drops_total(void)
{
	uint64_t s = 0;

	for (int i = 0; i < RB_DROP_MAX; i++)
		s += fx_stat_drop((enum rb_drop)i);
	return s;
}

void fx_snap_take(struct fx_snap *s)
{
	for (int i = 0; i < RB_DROP_MAX; i++)
		s->drop[i] = fx_stat_drop((enum rb_drop)i);
	for (int i = 0; i < RB_EV_MAX; i++)
		s->ev[i] = fx_stat_event((enum rb_event)i);
}

uint64_t fx_snap_drop(const struct fx_snap *s, enum rb_drop why)
{
	return fx_stat_drop(why) - s->drop[why];
}

uint64_t fx_snap_event(const struct fx_snap *s, enum rb_event ev)
{
	return fx_stat_event(ev) - s->ev[ev];
}

uint64_t fx_snap_drops(const struct fx_snap *s)
{
	uint64_t d = 0;

	for (int i = 0; i < RB_DROP_MAX; i++)
		d += fx_stat_drop((enum rb_drop)i) - s->drop[i];
	return d;
}

void fx_stats_dump(const char *tag)
{
	for (int i = 0; i < RB_DROP_MAX; i++)
		if (fx_stat_drop((enum rb_drop)i))
			fprintf(stderr, "%s: drop %s %lu\n", tag, rb_drop_names[i],
				(unsigned long)fx_stat_drop((enum rb_drop)i));
	for (int i = 0; i < RB_EV_MAX; i++)
		if (fx_stat_event((enum rb_event)i))
			fprintf(stderr, "%s: event %s %lu\n", tag, rb_event_names[i],
				(unsigned long)fx_stat_event((enum rb_event)i));
}

/* ---- clock ---- */

uint64_t fx_now(void)
{
	return fx_dp->workers[0]->now;
}

void fx_set_now(uint64_t tsc)
{
	for (int w = 0; w < fx_dp->n_workers; w++)
		fx_dp->workers[w]->now = tsc;
}

void fx_advance_ms(uint64_t ms)
{
	fx_set_now(fx_now() + fx_dp->tsc_hz * ms / 1000);
}

/* ---- builders ---- */

struct rte_ether_addr fx_peer_mac(uint16_t port, uint8_t host)
{
	struct rte_ether_addr a = {{0x02, 0x00, 0x00, 0x00, (uint8_t)port, host}};

	return a;
}

struct fx_l2 fx_l2_to(uint16_t port, uint8_t host)
{
	struct fx_l2 l2;

	l2.dst = fx_dp->ports[port].mac;
	l2.src = fx_peer_mac(port, host);
	l2.vlan = fx_dp->ports[port].vlan ? fx_dp->ports[port].vlan : FX_NO_VLAN;
	return l2;
}

uint16_t fx_put_eth(uint8_t *out, const struct fx_l2 *l2, uint16_t type)
{
	struct rte_ether_hdr *eh = (struct rte_ether_hdr *)out;

	eh->dst_addr = l2->dst;
	eh->src_addr = l2->src;
	if (l2->vlan == FX_NO_VLAN) {
		eh->ether_type = rte_cpu_to_be_16(type);
		return sizeof(*eh);
	}
	eh->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_VLAN);
	((struct rte_vlan_hdr *)(eh + 1))->vlan_tci = rte_cpu_to_be_16((uint16_t)l2->vlan);
	((struct rte_vlan_hdr *)(eh + 1))->eth_proto = rte_cpu_to_be_16(type);
	return sizeof(*eh) + sizeof(struct rte_vlan_hdr);
}

void fx_ip4_fix_cksum(uint8_t *ip)
{
	struct rte_ipv4_hdr *ih = (struct rte_ipv4_hdr *)ip;

	ih->hdr_checksum = 0;
	ih->hdr_checksum = rte_ipv4_cksum(ih);
}

uint16_t fx_put_ip4(uint8_t *out, const struct fx_ip4 *ip, const void *payload, uint16_t len)
{
	struct rte_ipv4_hdr *ih = (struct rte_ipv4_hdr *)out;
	uint16_t hl = (uint16_t)(sizeof(*ih) + ip->opt_len);

	memset(ih, 0, sizeof(*ih));
	ih->version_ihl = (uint8_t)(0x40 | (hl / 4));
	ih->type_of_service = ip->tos;
	ih->total_length = rte_cpu_to_be_16((uint16_t)(hl + len));
	ih->packet_id = rte_cpu_to_be_16(ip->id);
	ih->fragment_offset = rte_cpu_to_be_16(ip->frag);
	ih->time_to_live = ip->ttl ? ip->ttl : 64;
	ih->next_proto_id = ip->proto;
	ih->src_addr = rte_cpu_to_be_32(ip->src);
	ih->dst_addr = rte_cpu_to_be_32(ip->dst);
	if (ip->opt_len)
		memcpy(ih + 1, ip->opt, ip->opt_len);
	if (len)
		memcpy(out + hl, payload, len);
	ih->hdr_checksum = (uint16_t)~rte_raw_cksum(ih, hl);
	return (uint16_t)(hl + len);
}

uint16_t fx_put_icmp4(uint8_t *out, uint8_t type, uint8_t code, uint32_t rest, const void *data,
		      uint16_t len)
{
	struct rte_icmp_hdr *ic = (struct rte_icmp_hdr *)out;
	uint32_t r = rte_cpu_to_be_32(rest);

	ic->icmp_type = type;
	ic->icmp_code = code;
	ic->icmp_cksum = 0;
	memcpy(&ic->icmp_ident, &r, 4);
	if (len)
		memcpy(ic + 1, data, len);
	ic->icmp_cksum = (uint16_t)~rte_raw_cksum(ic, sizeof(*ic) + len);
	return (uint16_t)(sizeof(*ic) + len);
}

/* Pseudo-header (RFC 768, RFC 793) + segment checksum. */
static uint16_t l4_cksum4(uint32_t src, uint32_t dst, uint8_t proto, const void *l4, uint16_t len)
{
	struct {
		uint32_t s, d;
		uint8_t z, p;
		uint16_t l;
	} __attribute__((packed)) ph = {rte_cpu_to_be_32(src), rte_cpu_to_be_32(dst), 0, proto,
					rte_cpu_to_be_16(len)};
	uint32_t sum = __rte_raw_cksum(&ph, sizeof(ph), 0);

	sum = __rte_raw_cksum(l4, len, sum);
	return (uint16_t)~__rte_raw_cksum_reduce(sum);
}

uint16_t fx_put_udp4(uint8_t *out, uint32_t src, uint32_t dst, uint16_t sport, uint16_t dport,
		     const void *data, uint16_t len)
{
	struct rte_udp_hdr *uh = (struct rte_udp_hdr *)out;
	uint16_t c;

	uh->src_port = rte_cpu_to_be_16(sport);
	uh->dst_port = rte_cpu_to_be_16(dport);
	uh->dgram_len = rte_cpu_to_be_16((uint16_t)(sizeof(*uh) + len));
	uh->dgram_cksum = 0;
	if (len)
		memcpy(uh + 1, data, len);
	c = l4_cksum4(src, dst, IPPROTO_UDP, uh, (uint16_t)(sizeof(*uh) + len));
	uh->dgram_cksum = c == 0 ? 0xffff : c;
	return (uint16_t)(sizeof(*uh) + len);
}

uint16_t fx_put_tcp4(uint8_t *out, uint32_t src, uint32_t dst, uint16_t sport, uint16_t dport,
		     uint32_t seq, uint8_t flags)
{
	struct rte_tcp_hdr *th = (struct rte_tcp_hdr *)out;

	memset(th, 0, sizeof(*th));
	th->src_port = rte_cpu_to_be_16(sport);
	th->dst_port = rte_cpu_to_be_16(dport);
	th->sent_seq = rte_cpu_to_be_32(seq);
	th->data_off = (uint8_t)((sizeof(*th) / 4) << 4);
	th->tcp_flags = flags;
	th->rx_win = rte_cpu_to_be_16(65535);
	th->cksum = l4_cksum4(src, dst, IPPROTO_TCP, th, sizeof(*th));
	return sizeof(*th);
}

uint16_t fx_put_arp(uint8_t *out, uint16_t op, const struct rte_ether_addr *sha, uint32_t sip,
		    const struct rte_ether_addr *tha, uint32_t tip)
{
	struct rte_arp_hdr *ah = (struct rte_arp_hdr *)out;

	memset(ah, 0, sizeof(*ah));
	ah->arp_hardware = rte_cpu_to_be_16(RTE_ARP_HRD_ETHER);
	ah->arp_protocol = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	ah->arp_hlen = RTE_ETHER_ADDR_LEN;
	ah->arp_plen = 4;
	ah->arp_opcode = rte_cpu_to_be_16(op);
	if (sha)
		ah->arp_data.arp_sha = *sha;
	ah->arp_data.arp_sip = rte_cpu_to_be_32(sip);
	if (tha)
		ah->arp_data.arp_tha = *tha;
	ah->arp_data.arp_tip = rte_cpu_to_be_32(tip);
	return sizeof(*ah);
}

uint16_t fx_frame_ip4(uint8_t *out, uint16_t port, uint8_t host, const struct fx_ip4 *ip,
		      const void *l4, uint16_t l4_len)
{
	struct fx_l2 l2 = fx_l2_to(port, host);
	uint16_t l2len = fx_put_eth(out, &l2, RTE_ETHER_TYPE_IPV4);

	return (uint16_t)(l2len + fx_put_ip4(out + l2len, ip, l4, l4_len));
}

uint16_t fx_frame_echo4(uint8_t *out, uint16_t port, uint8_t host, uint32_t src, uint32_t dst,
			uint16_t id, uint16_t seq, uint16_t data_len)
{
	uint8_t icmp[FX_FRAME_MAX], data[FX_FRAME_MAX];
	struct fx_ip4 ip = {.src = src, .dst = dst, .proto = IPPROTO_ICMP, .id = seq};
	uint16_t n;

	for (uint16_t i = 0; i < data_len; i++)
		data[i] = (uint8_t)(i * 7 + 3);
	n = fx_put_icmp4(icmp, 8, 0, ((uint32_t)id << 16) | seq, data, data_len);
	return fx_frame_ip4(out, port, host, &ip, icmp, n);
}

uint16_t fx_l3_off(const struct fx_frame *f, uint16_t *type, int *vlan)
{
	const struct rte_ether_hdr *eh = (const struct rte_ether_hdr *)f->data;
	uint16_t t;

	if (f->len < sizeof(*eh))
		return 0;
	t = rte_be_to_cpu_16(eh->ether_type);
	if (t == RTE_ETHER_TYPE_VLAN) {
		const struct rte_vlan_hdr *vh = (const struct rte_vlan_hdr *)(eh + 1);

		if (f->len < sizeof(*eh) + sizeof(*vh))
			return 0;
		if (vlan)
			*vlan = rte_be_to_cpu_16(vh->vlan_tci) & 0xfff;
		if (type)
			*type = rte_be_to_cpu_16(vh->eth_proto);
		return sizeof(*eh) + sizeof(*vh);
	}
	if (vlan)
		*vlan = FX_NO_VLAN;
	if (type)
		*type = t;
	return sizeof(*eh);
}

uint32_t fx_ip(const char *dotted)
{
	struct in_addr a;

	if (inet_pton(AF_INET, dotted, &a) != 1) {
		fprintf(stderr, "fx_ip: bad address '%s'\n", dotted);
		abort();
	}
	return rte_be_to_cpu_32(a.s_addr);
}
