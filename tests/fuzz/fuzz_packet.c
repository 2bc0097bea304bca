/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: frames through the dataplane's whole L2/L3 path
 * (Ethernet, 802.1Q, ARP, IPv4/IPv6, ICMP, reassembly, forwarding,
 * fragmentation, neighbor resolution, handoff between two workers) on the
 * in-process dataplane of tests/unit/net_fixture.c.
 *
 * Input: a sequence of records, at most FUZZ_MAX_RECORDS:
 *   ctl (1 byte): op = ctl >> 4, port = ctl & 3, rx = ctl & 4, worker = (ctl >> 3) & 1
 *   op 0..11  a frame: 2-byte big-endian length, then that many bytes
 *             (cut at the end of the input); op & 3 picks rx offload flags:
 *             0 none, 1 IP checksum good, 2 VLAN stripped (tag 10 or 11),
 *             3 IP checksum bad; op & 4: the IPv4 header checksum and the
 *             ICMP/ICMPv6/UDP/TCP checksums are made correct first (so that
 *             mutations reach past checksum checks).  rx set: queued on the
 *             port's RX ring
 *             (read by the next worker iteration); else given to
 *             rb_eth_input on `worker`.
 *   op 12     clock: 1 signed byte d, every worker's now = TSC + d * 100 ms
 *   op 13     one rb_worker_iter on each worker (real clock, housekeeping due)
 *   op 14     rb_neigh_timer on each worker
 *   op 15     drain handoff rings and transmitted frames
 * After the input every queue is drained, the neighbor and reassembly
 * tables are aged out, and the mempool must be back to zero mbufs in use
 * (anything else is a leak: abort).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <rte_cycles.h>
#include <rte_ip.h>
#include <rte_ip_frag.h>
#include "dataplane/net/ip6_ext.h"
#include "dataplane/net/neigh.h"
#include "dataplane/worker.h"
#include "tests/unit/net_fixture.h"

#define FUZZ_MAX_RECORDS 64
#define FUZZ_FRAME_MAX   2048

static const char fuzz_cfg[] =
	"dataplane = { lcores = 2; neigh_timeout_s = 1; frag_max_flows = 16;\n"
	" frag_timeout_ms = 1000;\n"
	" ports = (\n"
	"  { name = \"a\"; device = \"net_ring_fx0\"; addresses = [\"10.1.0.1/24\", \"fd01::1/64\"]; },\n"
	"  { name = \"b\"; device = \"net_ring_fx1\"; mtu = 1280;\n"
	"    addresses = [\"10.2.0.1/24\", \"fd02::1/64\"]; },\n"
	"  { name = \"c\"; device = \"net_ring_fx2\"; vlan = 10;\n"
	"    addresses = [\"10.3.0.1/24\", \"fd03::1/64\"]; } );\n"
	" routes = (\n"
	"  { prefix = \"0.0.0.0/0\"; via = \"10.2.0.2\"; port = \"b\"; },\n"
	"  { prefix = \"20.1.0.0/16\"; port = \"b\"; },\n"
	"  { prefix = \"::/0\"; via = \"fd02::2\"; port = \"b\"; } );\n"
	" neighbors = (\n"
	"  { ip = \"10.2.0.2\"; mac = \"02:00:00:00:01:02\"; port = \"b\"; },\n"
	"  { ip = \"fd02::2\"; mac = \"02:00:00:00:01:02\"; port = \"b\"; },\n"
	"  { ip = \"10.1.0.2\"; mac = \"02:00:00:00:00:02\"; port = \"a\"; } );\n"
	"};\n";

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint16_t be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static void put_csum(uint8_t *at, uint32_t sum, int udp)
{
	uint16_t c = (uint16_t)~__rte_raw_cksum_reduce(sum);

	if (udp && c == 0)
		c = 0xffff;
	memcpy(at, &c, 2);
}

/* Offset of the checksum field in an L4 header of proto, or -1. */
static int l4_csum_off(uint8_t proto, size_t l4len)
{
	if ((proto == IPPROTO_ICMP || proto == IPPROTO_ICMPV6) && l4len >= 4)
		return 2;
	if (proto == IPPROTO_UDP && l4len >= 8)
		return 6;
	if (proto == IPPROTO_TCP && l4len >= 20)
		return 16;
	return -1;
}

/* Make the checksums of a frame right (as far as its headers go). */
static void fix_checksums(uint8_t *f, size_t len)
{
	size_t off = 14, hl, l4len;
	uint16_t type;
	int co;

	if (len < 14)
		return;
	type = be16(f + 12);
	if (type == RTE_ETHER_TYPE_VLAN && len >= 18) {
		type = be16(f + 16);
		off = 18;
	}
	if (type == RTE_ETHER_TYPE_IPV4 && len >= off + 20) {
		uint8_t *ip = f + off;
		uint32_t sum;

		hl = (size_t)(ip[0] & 0xf) * 4;
		if (hl < 20 || off + hl > len)
			return;
		memset(ip + 10, 0, 2);
		put_csum(ip + 10, __rte_raw_cksum(ip, hl, 0), 0);
		if (be16(ip + 2) < hl || (be16(ip + 6) & 0x3fff) != 0)
			return; /* bad length, or a fragment: header only */
		l4len = RTE_MIN((size_t)be16(ip + 2), len - off) - hl;
		co = l4_csum_off(ip[9], l4len);
		if (co < 0)
			return;
		memset(ip + hl + co, 0, 2);
		sum = 0;
		if (ip[9] != IPPROTO_ICMP) {
			uint8_t ph[12] = {0};

			memcpy(ph, ip + 12, 8);
			ph[9] = ip[9];
			ph[10] = (uint8_t)(l4len >> 8);
			ph[11] = (uint8_t)l4len;
			sum = __rte_raw_cksum(ph, sizeof(ph), 0);
		}
		put_csum(ip + hl + co, __rte_raw_cksum(ip + hl, l4len, sum), ip[9] == IPPROTO_UDP);
	} else if (type == RTE_ETHER_TYPE_IPV6 && len >= off + 40) {
		uint8_t *ip = f + off, ph[40] = {0};
		size_t plen = RTE_MIN((size_t)be16(ip + 4), len - off - 40);
		struct rb_ip6_walk w;

		/* the upper layer behind any extension headers (the shared
		 * walker, structure only), so chains reach L4 too */
		if (rb_ip6_walk(ip, (uint32_t)(40 + plen), 40, 6, RB_IP6W_NO_OPTS, &w) != RB_IP6W_OK)
			return;
		l4len = 40 + plen - w.off;
		co = l4_csum_off(w.proto, l4len);
		if (co < 0)
			return;
		memcpy(ph, ip + 8, 32);
		ph[34] = (uint8_t)(l4len >> 8);
		ph[35] = (uint8_t)l4len;
		ph[39] = w.proto;
		memset(ip + w.off + co, 0, 2);
		put_csum(ip + w.off + co, __rte_raw_cksum(ip + w.off, l4len, __rte_raw_cksum(ph, 40, 0)),
			 w.proto == IPPROTO_UDP);
	}
}

static int verbose;      /* FUZZ_PACKET_STATS=1: counters after each input */

static void fuzz_exit(void)
{
	fx_teardown();
	fx_fini();
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	if (fx_eal_init((*argv)[0]) != 0 || fx_setup(fuzz_cfg) != 0) {
		fprintf(stderr, "fuzz_packet: cannot set up the dataplane\n");
		abort();
	}
	atexit(fuzz_exit);
	verbose = getenv("FUZZ_PACKET_STATS") != NULL;
	return 0;
}

static void drain(void)
{
	for (int round = 0; round < 4; round++) {
		unsigned moved = 0;

		for (int w = 0; w < fx_dp->n_workers; w++)
			moved += rb_handoff_drain(fx_lc((unsigned)w));
		moved += (unsigned)fx_collect_all();
		if (moved == 0)
			break;
	}
}

static void run_workers(void)
{
	for (int w = 0; w < fx_dp->n_workers; w++) {
		fx_lc((unsigned)w)->housekeep_deadline = 0;
		rb_worker_iter(fx_lc((unsigned)w));
	}
	fx_collect_all();
}

/* Bring the dataplane back to its initial state between inputs. */
static void settle(void)
{
	uint64_t t = rte_rdtsc();

	/* Frames still on RX rings, handoffs, TX buffers. */
	run_workers();
	drain();
	/* Learned and unresolved neighbors age out (lifetime 1 s, 3 probes). */
	for (int k = 1; k <= 8; k++) {
		fx_set_now(t + (uint64_t)k * 10 * fx_dp->tsc_hz);
		for (int w = 0; w < fx_dp->n_workers; w++)
			rb_neigh_timer(fx_lc((unsigned)w));
		drain();
	}
	/* Incomplete datagrams. */
	for (int w = 0; w < fx_dp->n_workers; w++) {
		struct rb_lcore *lc = fx_lc((unsigned)w);
		uint32_t n;

		do {
			rte_ip_frag_table_del_expired_entries(lc->frag, &lc->frag_dr, UINT64_MAX);
			n = lc->frag_dr.cnt;
			rte_ip_frag_free_death_row(&lc->frag_dr, 0);
		} while (n != 0);
	}
	fx_set_now(rte_rdtsc());
	if (fx_mbufs_in_use() != 0) {
		fprintf(stderr, "fuzz_packet: %u mbufs still in use after the input\n",
			fx_mbufs_in_use());
		fx_stats_dump("fuzz_packet");
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t off = 0;

	fx_set_now(rte_rdtsc());
	for (int rec = 0; rec < FUZZ_MAX_RECORDS && off < size; rec++) {
		uint8_t ctl = data[off++];
		unsigned op = ctl >> 4, worker = (ctl >> 3) & 1;
		uint16_t port = (uint16_t)((ctl & 3) % fx_dp->n_ports);

		if (op <= 11) {
			size_t len;
			struct rte_mbuf *m;

			if (off + 2 > size)
				break;
			len = (size_t)data[off] << 8 | data[off + 1];
			off += 2;
			if (len > size - off)
				len = size - off;
			if (len > FUZZ_FRAME_MAX)
				len = FUZZ_FRAME_MAX;
			m = fx_mbuf(port, data + off, (uint16_t)len);
			off += len;
			if (m == NULL)
				continue;
			if (op & 4)
				fix_checksums(rte_pktmbuf_mtod(m, uint8_t *), len);
			switch (op & 3) {
			case 1: m->ol_flags |= RTE_MBUF_F_RX_IP_CKSUM_GOOD; break;
			case 2:
				m->ol_flags |= RTE_MBUF_F_RX_VLAN_STRIPPED;
				m->vlan_tci = (op & 8) ? 11 : 10;
				break;
			case 3: m->ol_flags |= RTE_MBUF_F_RX_IP_CKSUM_BAD; break;
			default: break;
			}
			if (ctl & 4)
				fx_rx_mbuf(port, m);
			else
				fx_inject_mbuf(worker % (unsigned)fx_dp->n_workers, m);
		} else if (op == 12) {
			int8_t d;

			if (off >= size)
				break;
			d = (int8_t)data[off++];
			fx_set_now(rte_rdtsc() + (uint64_t)((int64_t)d * (int64_t)fx_dp->tsc_hz / 10));
		} else if (op == 13) {
			run_workers();
		} else if (op == 14) {
			for (int w = 0; w < fx_dp->n_workers; w++)
				rb_neigh_timer(fx_lc((unsigned)w));
		} else {
			drain();
		}
	}
	settle();
	if (verbose)
		fx_stats_dump("fuzz_packet");
	return 0;
}
