/* SPDX-License-Identifier: BSD-3-Clause */
/* The simulated network of the TCP/UDP unit tests (test_tcp_harness.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <rte_eal.h>
#include <rte_ip.h>
#include <rte_mempool.h>
#include <rte_hash_crc.h>
#include <rte_cycles.h>
#include <rte_ethdev.h>
#include "test_tcp_harness.h"
#include "dataplane/tcp/tcp_wire.h"
#include "dataplane/net/cksum.h"
#include "dataplane/net/tso.h"
#include "dataplane/tcp/tcp_icmp.h"

struct th_net th;

static const struct rb_nexthop th_nh = {.kind = RB_NH_CONNECTED, .family = AF_INET, .port = 0};
static uint8_t th_fib_storage[sizeof(struct rb_fib) + sizeof(struct rb_nexthop)];

uint64_t th_rand(void)
{
	/* xorshift64* */
	th.rng ^= th.rng >> 12;
	th.rng ^= th.rng << 25;
	th.rng ^= th.rng >> 27;
	return th.rng * 2685821657736338717ull;
}

int th_eal_init(void)
{
	char *argv[] = {"test", "--no-huge", "--no-pci", "-m", "512", "--no-shconf",
			"--no-telemetry", "-l", "0", NULL};

	if (rte_eal_init((int)RTE_DIM(argv) - 1, argv) < 0)
		return -1;
	if (rb_meta_register() < 0)
		return -1;
	/* A per-lcore cache as the dataplane's pool has (dataplane/main.c):
	 * without it every alloc and free goes to the ring (bench_tcp). */
	th.pool = rte_pktmbuf_pool_create("th_pool", 32767, 256, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
					  SOCKET_ID_ANY);
	return th.pool ? 0 : -1;
}

void th_setup(int n, bool diag)
{
	struct rte_mempool *pool = th.pool;

	memset(&th, 0, sizeof(th));
	th.pool = pool;
	th.n_hosts = n;
	th.rng = 0x9e3779b97f4a7c15ull;
	th.delay_ns = 1000000; /* 1 ms */
	th.reorder_ns = 3000000;
	th.n_workers = 1;
	th.now = 1000000000ull;
	for (int i = 0; i < n; i++) {
		struct th_host *h = &th.h[i];
		struct rb_port *p = &h->dp.ports[0];

		h->addr4[0] = 10;
		h->addr4[3] = (uint8_t)(i + 1);
		h->addr6[0] = 0xfd;
		h->addr6[15] = (uint8_t)(i + 1);
		h->dp.n_ports = 1;
		h->dp.n_workers = 1;
		h->dp.pool = pool;
		h->dp.tsc_hz = 1000000000ull;
		h->dp.fib = (struct rb_fib *)th_fib_storage;
		p->mtu = 1500;
		p->n_addrs = 2;
		p->addrs[0].family = AF_INET;
		p->addrs[0].plen = 24;
		memcpy(p->addrs[0].addr, h->addr4, 4);
		p->addrs[1].family = AF_INET6;
		p->addrs[1].plen = 64;
		memcpy(p->addrs[1].addr, h->addr6, 16);
		if (diag) {
			struct rb_cfg_service *s = &h->cfg.services[0];

			h->cfg.n_services = 1;
			strcpy(s->type, "diag");
			strcpy(s->tag, "diag");
			s->echo_port = 7;
			s->discard_port = 9;
			s->chargen_port = 19;
			/* no dataplane.tcp key set (all -1): tcp_lcore_init applies it */
			memset(&h->cfg.dp.tcp, 0xff, sizeof(h->cfg.dp.tcp));
			h->dp.cfg = &h->cfg;
		}
		h->lc.dp = &h->dp;
		h->lc.worker = 0;
		h->lc.stats = &h->stats;
		h->lc.now = th.now;
		if (tcp_lcore_init(&h->lc) < 0 || udp_lcore_init(&h->lc) < 0)
			abort();
	}
}

static void wire_free_all(void)
{
	for (int i = 0; i < th.n_wire; i++)
		rte_pktmbuf_free(th.wire[i].m);
	th.n_wire = 0;
}

void th_captured_free(void)
{
	for (int i = 0; i < th.n_captured; i++)
		rte_pktmbuf_free(th.captured[i]);
	th.n_captured = 0;
}

int th_teardown(void)
{
	for (int i = 0; i < th.n_hosts; i++) {
		udp_lcore_fini(&th.h[i].lc);
		tcp_lcore_fini(&th.h[i].lc);
	}
	wire_free_all();
	th_captured_free();
	return (int)rte_mempool_in_use_count(th.pool);
}

uint64_t th_counter_drop(int host, enum rb_drop d)
{
	return th.h[host].stats.drops[d];
}

uint64_t th_counter_ev(int host, enum rb_event e)
{
	return th.h[host].stats.events[e];
}

/* ---- the wire: a min-heap on (at, seq) ---- */
static bool pkt_before(const struct th_pkt *a, const struct th_pkt *b)
{
	return a->at < b->at || (a->at == b->at && a->seq < b->seq);
}

static void wire_push(struct rte_mbuf *m, uint64_t at)
{
	int i;

	if (th.n_wire >= TH_WIRE_MAX) {
		rte_pktmbuf_free(m);
		th.lost++;
		return;
	}
	i = th.n_wire++;
	th.wire[i] = (struct th_pkt){.m = m, .at = at, .seq = th.pkt_seq++};
	while (i > 0) {
		int p = (i - 1) / 2;

		if (!pkt_before(&th.wire[i], &th.wire[p]))
			break;
		struct th_pkt t = th.wire[p];

		th.wire[p] = th.wire[i];
		th.wire[i] = t;
		i = p;
	}
}

static struct th_pkt wire_pop(void)
{
	struct th_pkt top = th.wire[0];
	int i = 0;

	th.wire[0] = th.wire[--th.n_wire];
	for (;;) {
		int l = 2 * i + 1, r = l + 1, s = i;

		if (l < th.n_wire && pkt_before(&th.wire[l], &th.wire[s]))
			s = l;
		if (r < th.n_wire && pkt_before(&th.wire[r], &th.wire[s]))
			s = r;
		if (s == i)
			break;
		struct th_pkt t = th.wire[s];

		th.wire[s] = th.wire[i];
		th.wire[i] = t;
		i = s;
	}
	return top;
}

static int host_of(struct rb_lcore *lc)
{
	for (int i = 0; i < th.n_hosts; i++)
		if (&th.h[i].lc == lc)
			return i;
	abort();
}

static int host_by_addr(int family, const uint8_t *a)
{
	for (int i = 0; i < th.n_hosts; i++)
		if (family == AF_INET ? memcmp(th.h[i].addr4, a, 4) == 0
				      : memcmp(th.h[i].addr6, a, 16) == 0)
			return i;
	return -1;
}

static bool chance(uint32_t ppm)
{
	return ppm && th_rand() % 1000000 < ppm;
}

static void th_send(int from, struct rte_mbuf *m, int may_frag);
static uint64_t tso_cut_cycles; /* within the rb_ip4_output being timed */

static void tso_piece(struct rb_lcore *lc, struct rte_mbuf *m, void *arg)
{
	(void)lc;
	th.tso_pieces++;
	th_send(*(int *)arg, m, 0);
}

/* A packet leaves host `from` (data at the IP header). */
/* TH_TRACE=1: one line per TCP segment the wire takes (time, sender,
 * relative seq/ack, length, flags, SACK blocks; "lost" when dropped). */
static void th_trace(int from, struct rte_mbuf *m, int lost)
{
	static int on = -1;
	uint8_t b[120];
	const uint8_t *ip, *t;
	unsigned il, tl, plen = rte_pktmbuf_pkt_len(m);

	if (on < 0)
		on = getenv("TH_TRACE") != NULL;
	if (!on)
		return;
	ip = rte_pktmbuf_read(m, 0, RTE_MIN(plen, (unsigned)sizeof(b)), b);
	if (ip == NULL)
		return;
	if ((ip[0] >> 4) == 4) {
		if (ip[9] != IPPROTO_TCP)
			return;
		il = (ip[0] & 0xfu) * 4;
	} else {
		if (ip[6] != IPPROTO_TCP)
			return;
		il = 40;
	}
	t = ip + il;
	tl = (t[12] >> 4) * 4u;
	fprintf(stderr, "T %9.3f ms h%d seq %10u ack %10u len %5u %c%c%c%c win %5u",
		(double)th.now / 1e6, from, rte_be_to_cpu_32(*(const uint32_t *)(t + 4)),
		rte_be_to_cpu_32(*(const uint32_t *)(t + 8)), plen - il - tl,
		(t[13] & 2) ? 'S' : '.', (t[13] & 1) ? 'F' : '.', (t[13] & 0x10) ? 'A' : '.',
		(t[13] & 4) ? 'R' : '.', rte_be_to_cpu_16(*(const uint16_t *)(t + 14)));
	for (unsigned o = 20; o + 1 < tl && il + o + 1 < sizeof(b);) {
		if (t[o] == 0)
			break;
		if (t[o] == 1) {
			o++;
			continue;
		}
		if (t[o] == 5)
			for (unsigned k = o + 2; k + 8 <= o + t[o + 1] && il + k + 8 <= sizeof(b); k += 8)
				fprintf(stderr, " sack %u-%u", rte_be_to_cpu_32(*(const uint32_t *)(t + k)),
					rte_be_to_cpu_32(*(const uint32_t *)(t + k + 4)));
		if (t[o + 1] < 2)
			break;
		o += t[o + 1];
	}
	fprintf(stderr, "%s\n", lost ? " LOST" : "");
}

static void th_send(int from, struct rte_mbuf *m, int may_frag)
{
	uint64_t at;

	if (th.nic) {
		if (m->nb_segs > th.tx_seg_most)
			th.tx_seg_most = m->nb_segs;
		if (th.port_seg_max && m->nb_segs > th.port_seg_max) {
			th.tx_seg_over++; /* the PMD refuses the frame */
			th.lost++;
			rte_pktmbuf_free(m);
			return;
		}
	}
	if (m->ol_flags & RTE_MBUF_F_TX_TCP_SEG) {
		/* the sender's NIC cuts a super-segment into wire segments
		 * (with net/tso.c: what test_tso checks against its own
		 * reference); each then meets the wire and the NICs alone */
		if (!th.nic || !(th.port_tx_offloads & RTE_ETH_TX_OFFLOAD_TCP_TSO)) {
			th.nic_bad_flags++;
			th.lost++;
			rte_pktmbuf_free(m);
			return;
		}
		uint64_t t0 = th.wire_timing ? rte_rdtsc() : 0;

		th.tso_frames++;
		for (const struct rte_mbuf *s = m; s != NULL; s = s->next)
			if (RTE_MBUF_HAS_EXTBUF(s) || RTE_MBUF_CLONED(s)) {
				th.tso_zc++;
				break;
			}
		rb_tso_segment(&th.h[from].lc, m, tso_piece, &from);
		if (th.wire_timing) {
			/* the NIC's work (bench_tcp's nic column), not the wire's */
			uint64_t dt = rte_rdtsc() - t0;

			th_section_add(&th.nic_cycles, dt);
			tso_cut_cycles += dt;
		}
		return;
	}
	if (th.h[from].capture) {
		if (th.n_captured < (int)RTE_DIM(th.captured))
			th.captured[th.n_captured++] = m;
		else
			rte_pktmbuf_free(m);
		return;
	}
	th.sent++;
	if (may_frag == 0 && rte_pktmbuf_pkt_len(m) > th.h[from].dp.ports[0].mtu) {
		/* a real link drops it (DF; the stacks never fragment TCP).  The
		 * real IP output fragments the rest (UDP), this fake does not. */
		th.oversize++;
		th.lost++;
		rte_pktmbuf_free(m);
		return;
	}
	if (th.h[from].blackhole_tx || (th.filter && th.filter(from, m, th.filter_arg)) ||
	    chance(th.loss_ppm)) {
		th_trace(from, m, 1);
		th.lost++;
		rte_pktmbuf_free(m);
		return;
	}
	th_trace(from, m, 0);
	at = th.now + th.delay_ns;
	if (th.rate_bps) {
		uint64_t ser = (uint64_t)rte_pktmbuf_pkt_len(m) * 8 * 1000000000ull / th.rate_bps;
		uint64_t start = th.link_free_at > th.now ? th.link_free_at : th.now;

		th.link_free_at = start + ser;
		at = th.link_free_at + th.delay_ns;
	}
	if (chance(th.reorder_ppm))
		at += th.reorder_ns;
	if (chance(th.dup_ppm)) {
		struct rte_mbuf *c = rte_pktmbuf_copy(m, th.pool, 0, UINT32_MAX);

		if (c) {
			th.dups++;
			wire_push(c, at + 1000);
		}
	}
	wire_push(m, at);
}

void th_port_model(uint64_t tx_offloads, bool rx_cksum)
{
	th.nic = true;
	th.rx_cksum = rx_cksum;
	th.port_tx_offloads = tx_offloads;
	for (int i = 0; i < th.n_hosts; i++) {
		th.h[i].dp.ports[0].tx_offloads = tx_offloads;
		th.h[i].dp.ports[0].tso6 = (tx_offloads & RTE_ETH_TX_OFFLOAD_TCP_TSO) != 0;
		th.h[i].dp.ports[0].tx_seg_max = th.port_seg_max;
	}
}

/* The two NICs of the port model (test_tcp_harness.h): returns the frame
 * the receiver's NIC hands up (a fresh single mbuf, data at the IP
 * header) and its RX flags in *rxfl, or NULL. */
static struct rte_mbuf *nic_pass(struct rte_mbuf *m, uint64_t *rxfl)
{
	uint64_t t0 = th.wire_timing ? rte_rdtsc() : 0;
	uint32_t len = rte_pktmbuf_pkt_len(m), il, l4len;
	struct rte_mbuf *c = rte_pktmbuf_alloc(th.pool);
	uint64_t fl = m->ol_flags, l4f = fl & RTE_MBUF_F_TX_L4_MASK;
	uint8_t *ip, *l4, proto;
	const void *src;
	unsigned coff;

	*rxfl = 0;
	if (m->nb_segs > 1) {
		th.tx_chains++;
		if (!(th.port_tx_offloads & RTE_ETH_TX_OFFLOAD_MULTI_SEGS))
			th.tx_linearized++;
	}
	if (c == NULL || len > rte_pktmbuf_tailroom(c) || len < 20) {
		rte_pktmbuf_free(c);
		rte_pktmbuf_free(m);
		th.lost++;
		return NULL;
	}
	ip = (uint8_t *)rte_pktmbuf_append(c, (uint16_t)len);
	src = rte_pktmbuf_read(m, 0, len, ip);
	if (src != ip)
		memcpy(ip, src, len);
	rte_pktmbuf_free(m); /* TX completion */
	if ((ip[0] >> 4) == 4) {
		il = (ip[0] & 0xfu) * 4;
		proto = ip[9];
	} else {
		il = 40;
		proto = ip[6];
	}
	l4 = ip + il;
	l4len = len > il ? len - il : 0;
	coff = proto == IPPROTO_TCP ? 16 : 6;
	if (l4f) {
		uint64_t want = l4f == RTE_MBUF_F_TX_TCP_CKSUM ? RTE_ETH_TX_OFFLOAD_TCP_CKSUM
							       : RTE_ETH_TX_OFFLOAD_UDP_CKSUM;
		bool match = (l4f == RTE_MBUF_F_TX_TCP_CKSUM && proto == IPPROTO_TCP) ||
			     (l4f == RTE_MBUF_F_TX_UDP_CKSUM && proto == IPPROTO_UDP);

		if (!(th.port_tx_offloads & want) || !match || l4len < coff + 2u) {
			th.nic_bad_flags++;
		} else {
			/* the sum of the L4 bytes, the pseudo-header sum the
			 * stack seeded into the field included */
			uint16_t sum = (uint16_t)~rb_cksum_fold(rb_raw_sum(l4, l4len));

			if (proto == IPPROTO_UDP && sum == 0)
				sum = 0xffff;
			memcpy(l4 + coff, &sum, 2);
		}
	}
	if (chance(th.corrupt_ppm) && l4len) {
		l4[th_rand() % l4len] ^= (uint8_t)(1u << (th_rand() % 8));
		th.corrupted++;
	}
	if (th.rx_cksum && (proto == IPPROTO_TCP || proto == IPPROTO_UDP) && l4len >= coff + 2u) {
		uint64_t sum = rb_raw_sum(l4, l4len);
		uint16_t f;
		int bad;

		/* the pseudo header (RFC 9293 3.1, RFC 8200 8.1) and the segment */
		if ((ip[0] >> 4) == 4) {
			sum += rb_raw_sum(ip + 12, 8);
			sum += rte_cpu_to_be_16((uint16_t)proto) + rte_cpu_to_be_16((uint16_t)l4len);
		} else {
			sum += rb_raw_sum(ip + 8, 32);
			sum += rte_cpu_to_be_16((uint16_t)proto) + rte_cpu_to_be_16((uint16_t)l4len);
		}
		memcpy(&f, l4 + coff, 2);
		if ((ip[0] >> 4) == 4 && proto == IPPROTO_UDP && f == 0)
			bad = -1; /* no checksum: unknown */
		else
			bad = rb_cksum_fold(sum) != 0xffff;
		if (bad > 0) {
			*rxfl = RTE_MBUF_F_RX_L4_CKSUM_BAD;
			th.rx_cksum_bad++;
		} else if (bad == 0) {
			*rxfl = RTE_MBUF_F_RX_L4_CKSUM_GOOD;
		}
	}
	if (th.wire_timing)
		th_section_add(&th.nic_cycles, rte_rdtsc() - t0);
	return c;
}

static void deliver(int host, struct rte_mbuf *m, uint64_t rxfl);
static void rx_burst_flush(int host);

void th_deliver(int host, struct rte_mbuf *m)
{
	deliver(host, m, 0);
	rx_burst_flush(host);
}

/* RX bursts (th.rx_burst): TCP segments for one host gathered during a
 * step and handed to tcp_input together, as the worker's RX burst would
 * be if the IP layer passed it on whole. */
#define TH_BURST_MAX 32
static struct rte_mbuf *rx_burst_m[TH_MAX_HOSTS][TH_BURST_MAX];
static uint16_t rx_burst_n[TH_MAX_HOSTS];

static void rx_burst_flush(int host)
{
	uint16_t n = rx_burst_n[host];

	rx_burst_n[host] = 0;
	if (n) {
		th.h[host].lc.now = th.now;
		tcp_input(&th.h[host].lc, rx_burst_m[host], n);
	}
}

/* An ICMP/ICMPv6 error (data at the ICMP header) to TCP, as
 * dataplane/net/icmp.c and icmp6.c hand it on (checksum and flow owner
 * aside: one lcore a host). */
static void icmp_to_tcp(struct th_host *h, struct rte_mbuf *m, int family)
{
	uint8_t b[TCP_ICMP_MSG_MAX];
	uint32_t n = RTE_MIN(rte_pktmbuf_pkt_len(m), (uint32_t)sizeof(b));
	const uint8_t *p = rte_pktmbuf_read(m, 0, n, b);
	struct tcp_icmp_err e;

	if (p != NULL && tcp_icmp_parse(family, p, n, &e) == 0)
		tcp_icmp_input(&h->lc, &e);
	rte_pktmbuf_free(m);
}

void th_inject(struct rte_mbuf *m)
{
	wire_push(m, th.now + th.delay_ns);
}

static void deliver(int host, struct rte_mbuf *m, uint64_t rxfl)
{
	struct th_host *h = &th.h[host];
	const uint8_t *ip = rte_pktmbuf_mtod(m, const uint8_t *);
	uint64_t t0 = th.wire_timing ? rte_rdtsc() : 0;
	uint8_t proto;
	uint16_t hl;

	if (h->blackhole_rx) {
		rte_pktmbuf_free(m);
		return;
	}
	th.delivered++;
	if ((ip[0] >> 4) == 4) {
		hl = (uint16_t)((ip[0] & 0xf) * 4);
		proto = ip[9];
		rb_meta(m)->l3 = 4;
	} else {
		hl = 40;
		proto = ip[6];
		rb_meta(m)->l3 = 6;
	}
	m->l3_len = hl;
	m->l2_len = 0;
	m->port = 0;
	/* RX flags afresh; whether the buffer is another mbuf's stays known
	 * (a frame delivered as sent: TCP's in-place zero copy is one
	 * indirect mbuf, whose free must release the sender's buffer) */
	m->ol_flags = rxfl | (m->ol_flags & (RTE_MBUF_F_INDIRECT | RTE_MBUF_F_EXTERNAL));
	rte_pktmbuf_adj(m, hl);
	h->lc.now = th.now;
	if (th.wire_timing)
		th_section_add(&th.wire_cycles, rte_rdtsc() - t0);
	if (proto == IPPROTO_TCP && th.rx_burst > 1) {
		rx_burst_m[host][rx_burst_n[host]++] = m;
		if (rx_burst_n[host] >= RTE_MIN(th.rx_burst, (unsigned)TH_BURST_MAX))
			rx_burst_flush(host);
	} else if (proto == IPPROTO_TCP)
		tcp_input(&h->lc, &m, 1);
	else if (proto == IPPROTO_UDP)
		udp_input(&h->lc, &m, 1);
	else if (proto == IPPROTO_ICMP || proto == IPPROTO_ICMPV6)
		icmp_to_tcp(h, m, proto == IPPROTO_ICMP ? AF_INET : AF_INET6);
	else
		rte_pktmbuf_free(m);
}

static void th_step_to(uint64_t t)
{
again:
	while (th.n_wire && th.wire[0].at <= t) {
		uint64_t t0 = th.wire_timing ? rte_rdtsc() : 0;
		struct th_pkt p = wire_pop();
		const uint8_t *ip = rte_pktmbuf_mtod(p.m, const uint8_t *);
		int to;

		if (p.at > th.now)
			th.now = p.at;
		to = (ip[0] >> 4) == 4 ? host_by_addr(AF_INET, ip + 16)
				       : host_by_addr(AF_INET6, ip + 24);
		if (th.wire_timing)
			th_section_add(&th.wire_cycles, rte_rdtsc() - t0);
		if (to < 0) {
			rte_pktmbuf_free(p.m);
			continue;
		}
		if (th.nic) {
			uint64_t rxfl;
			struct rte_mbuf *m = nic_pass(p.m, &rxfl);

			if (m != NULL)
				deliver(to, m, rxfl);
			continue;
		}
		deliver(to, p.m, 0);
	}
	if (th.rx_burst > 1) {
		bool any = false;

		for (int i = 0; i < th.n_hosts; i++) {
			any |= rx_burst_n[i] > 0;
			rx_burst_flush(i);
		}
		if (any)
			goto again; /* what the bursts sent may be due already */
	}
	th.now = t;
	for (int i = 0; i < th.n_hosts; i++) {
		th.h[i].lc.now = th.now;
		tcp_lcore_poll(&th.h[i].lc);
	}
}

void th_run(uint64_t ns)
{
	uint64_t end = th.now + ns;

	while (th.now < end) {
		uint64_t next = th.now + 100000; /* poll every 100 us */

		if (next > end)
			next = end;
		th_step_to(next);
	}
}

bool th_run_until(bool (*cond)(void *), void *arg, uint64_t ns)
{
	uint64_t end = th.now + ns;

	while (th.now < end) {
		if (cond(arg))
			return true;
		th_step_to(th.now + 100000);
	}
	return cond(arg);
}

/* ---- the IP layer the stacks call ---- */
int rb_ip4_output(struct rb_lcore *lc, struct rte_mbuf *m, uint32_t src, uint32_t dst,
		  uint8_t proto, uint8_t tos, int df)
{
	uint64_t t0 = th.wire_timing ? rte_rdtsc() : 0;
	struct rte_ipv4_hdr *ih = (struct rte_ipv4_hdr *)rte_pktmbuf_prepend(m, sizeof(*ih));

	if (ih == NULL) {
		rb_drop(lc, m, RB_DROP_NO_MBUF);
		return -1;
	}
	memset(ih, 0, sizeof(*ih));
	ih->version_ihl = RTE_IPV4_VHL_DEF;
	ih->type_of_service = tos;
	ih->total_length = rte_cpu_to_be_16((uint16_t)rte_pktmbuf_pkt_len(m));
	ih->fragment_offset = df ? rte_cpu_to_be_16(RTE_IPV4_HDR_DF_FLAG) : 0;
	ih->time_to_live = 64;
	ih->next_proto_id = proto;
	ih->src_addr = src;
	ih->dst_addr = dst;
	ih->hdr_checksum = rte_ipv4_cksum(ih);
	m->l3_len = sizeof(*ih);
	tso_cut_cycles = 0;
	th_send(host_of(lc), m, !df);
	if (th.wire_timing)
		th_section_add(&th.wire_cycles, rte_rdtsc() - t0 - tso_cut_cycles);
	return 0;
}

int rb_ip6_output(struct rb_lcore *lc, struct rte_mbuf *m, const uint8_t src[16],
		  const uint8_t dst[16], uint8_t proto, uint8_t tclass)
{
	uint32_t plen = rte_pktmbuf_pkt_len(m);
	struct rte_ipv6_hdr *ih = (struct rte_ipv6_hdr *)rte_pktmbuf_prepend(m, sizeof(*ih));

	if (ih == NULL) {
		rb_drop(lc, m, RB_DROP_NO_MBUF);
		return -1;
	}
	ih->vtc_flow = rte_cpu_to_be_32(6u << 28 | (uint32_t)tclass << 20);
	ih->payload_len = rte_cpu_to_be_16((uint16_t)plen);
	ih->proto = proto;
	ih->hop_limits = 64;
	memcpy(ih->src_addr, src, 16);
	memcpy(ih->dst_addr, dst, 16);
	m->l3_len = sizeof(*ih);
	th_send(host_of(lc), m, proto != IPPROTO_TCP);
	return 0;
}

void rb_icmp4_error(struct rb_lcore *lc, struct rte_mbuf *m, uint8_t type, uint8_t code,
		    uint32_t info)
{
	(void)lc, (void)m, (void)info;
	th.icmp_errors++;
	th.icmp_type = type;
	th.icmp_code = code;
}

void rb_icmp6_error(struct rb_lcore *lc, struct rte_mbuf *m, uint8_t type, uint8_t code,
		    uint32_t info)
{
	rb_icmp4_error(lc, m, type, code, info);
}

static unsigned owner_hash(uint32_t h)
{
	return th.n_workers <= 1 ? 0 : h % th.n_workers;
}

unsigned rb_flow_owner4(const struct rb_dp *dp, uint16_t port, uint32_t raddr, uint32_t laddr,
			uint16_t rport, uint16_t lport)
{
	(void)dp, (void)port;
	uint32_t h = rte_hash_crc_4byte(raddr, 7);

	h = rte_hash_crc_4byte(laddr, h);
	return owner_hash(rte_hash_crc_4byte((uint32_t)rport << 16 | lport, h));
}

unsigned rb_flow_owner6(const struct rb_dp *dp, uint16_t port, const uint8_t raddr[16],
			const uint8_t laddr[16], uint16_t rport, uint16_t lport)
{
	uint64_t r[2], l[2]; /* aligned copies for the 8-byte CRC loads */
	uint32_t h;

	(void)dp, (void)port;
	memcpy(r, raddr, 16);
	memcpy(l, laddr, 16);
	h = rte_hash_crc(r, 16, 7);
	h = rte_hash_crc(l, 16, h);
	return owner_hash(rte_hash_crc_4byte((uint32_t)rport << 16 | lport, h));
}

/* udp.c hands a datagram for another worker's claimed ephemeral port to
 * that worker; the harness runs one lcore per host: nothing to hand to. */
void rb_handoff(struct rb_lcore *lc, unsigned owner, struct rte_mbuf *m)
{
	(void)owner;
	rb_drop(lc, m, RB_DROP_HANDOFF_FULL);
}

const struct rb_nexthop *rb_fib_lookup4(const struct rb_fib *fib, uint32_t addr)
{
	(void)fib, (void)addr;
	return &th_nh;
}

const struct rb_nexthop *rb_fib_lookup6(const struct rb_fib *fib, const uint8_t addr[16])
{
	(void)fib, (void)addr;
	return &th_nh;
}

uint32_t rb_port_src4(const struct rb_port *p, uint32_t dst)
{
	uint32_t a;

	(void)dst;
	for (int i = 0; i < p->n_addrs; i++)
		if (p->addrs[i].family == AF_INET) {
			memcpy(&a, p->addrs[i].addr, 4);
			return a;
		}
	return 0;
}

bool rb_port_src6(const struct rb_port *p, const uint8_t dst[16], uint8_t out[16])
{
	(void)dst;
	for (int i = 0; i < p->n_addrs; i++)
		if (p->addrs[i].family == AF_INET6) {
			memcpy(out, p->addrs[i].addr, 16);
			return true;
		}
	return false;
}

/* ---- crafting and parsing segments ---- */
struct rte_mbuf *th_tcp_seg(int to, const uint8_t src[4], uint16_t sport, uint16_t dport,
			    uint32_t seq, uint32_t ack, uint8_t flags, uint16_t win,
			    const uint8_t *opts, unsigned optlen, const void *data, unsigned len)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(th.pool);
	unsigned hl = TCP_HDR_LEN + ((optlen + 3) & ~3u);
	struct rte_ipv4_hdr *ih;
	struct tcp_hdr *t;
	uint8_t *p;

	if (m == NULL)
		abort();
	p = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)(sizeof(*ih) + hl + len));
	memset(p, 0, sizeof(*ih) + hl);
	ih = (struct rte_ipv4_hdr *)p;
	t = (struct tcp_hdr *)(p + sizeof(*ih));
	ih->version_ihl = RTE_IPV4_VHL_DEF;
	ih->total_length = rte_cpu_to_be_16((uint16_t)(sizeof(*ih) + hl + len));
	ih->time_to_live = 64;
	ih->next_proto_id = IPPROTO_TCP;
	memcpy(&ih->src_addr, src, 4);
	memcpy(&ih->dst_addr, th.h[to].addr4, 4);
	t->sport = rte_cpu_to_be_16(sport);
	t->dport = rte_cpu_to_be_16(dport);
	t->seq = rte_cpu_to_be_32(seq);
	t->ack = rte_cpu_to_be_32(ack);
	t->off = (uint8_t)((hl / 4) << 4);
	t->flags = flags;
	t->win = rte_cpu_to_be_16(win);
	if (optlen)
		memcpy(t + 1, opts, optlen);
	for (unsigned i = optlen; i < hl - TCP_HDR_LEN; i++)
		((uint8_t *)(t + 1))[i] = TCPOPT_NOP;
	if (len)
		memcpy((uint8_t *)t + hl, data, len);
	ih->hdr_checksum = rte_ipv4_cksum(ih);
	t->cksum = rte_ipv4_udptcp_cksum(ih, t);
	return m;
}

bool th_tcp_parse(struct rte_mbuf *m, struct th_tcp_view *v)
{
	const uint8_t *ip = rte_pktmbuf_mtod(m, const uint8_t *);
	const struct tcp_hdr *t;
	unsigned hl, il;

	if ((ip[0] >> 4) != 4 || ip[9] != IPPROTO_TCP)
		return false;
	il = (ip[0] & 0xf) * 4u;
	t = (const struct tcp_hdr *)(ip + il);
	hl = (t->off >> 4) * 4u;
	v->seq = rte_be_to_cpu_32(t->seq);
	v->ack = rte_be_to_cpu_32(t->ack);
	v->flags = t->flags;
	v->win = rte_be_to_cpu_16(t->win);
	v->sport = rte_be_to_cpu_16(t->sport);
	v->dport = rte_be_to_cpu_16(t->dport);
	v->len = rte_pktmbuf_pkt_len(m) - il - hl;
	v->opts = (const uint8_t *)(t + 1);
	v->optlen = hl - TCP_HDR_LEN;
	return true;
}
