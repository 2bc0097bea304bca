/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Test doubles and packet helpers for tests/unit/test_ip6*.c: the parts of
 * the dataplane the lead's modules provide (FIB, neighbor table, TX, flow
 * ownership, L4) replaced by recorders, and builders for IPv6 packets.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <CUnit/Basic.h>
#include <rte_cycles.h>
#include <rte_ip_frag.h>
#include <rte_mbuf_dyn.h>
#include "ip6_fake.h"

void a6(const char *s, uint8_t out[16])
{
	if (inet_pton(AF_INET6, s, out) != 1)
		abort();
}

/* ---- test doubles ---- */
int rb_meta_offset = -1;
struct rb_dp dp;
struct rb_lcore lc;
struct rb_lcore_stats st;

struct cap caps[128];
int n_caps, n_bcast;
unsigned flow_owner;

static void cap_add(int kind, uint16_t port, const uint8_t *nh, struct rte_mbuf *m)
{
	CU_ASSERT_FATAL(n_caps < 128);
	caps[n_caps].kind = kind;
	caps[n_caps].port = port;
	if (nh)
		memcpy(caps[n_caps].nh, nh, 16);
	caps[n_caps].m = m;
	n_caps++;
}

void reset(void)
{
	for (int i = 0; i < n_caps; i++)
		rte_pktmbuf_free(caps[i].m);
	n_caps = 0;
	n_bcast = 0;
	flow_owner = 0;
	memset(&st, 0, sizeof(st));
	lc.icmp_tokens = 1000;
}

int rb_icmp_ratelimit(struct rb_lcore *l)
{
	if (l->icmp_tokens == 0) {
		rb_count(l, RB_EV_ICMP_RATELIMIT);
		return 0;
	}
	l->icmp_tokens--;
	return 1;
}

void rb_ip6_tx(struct rb_lcore *l, uint16_t port, const uint8_t nexthop[16], struct rte_mbuf *m)
{
	(void)l;
	cap_add(CAP_IP6_TX, port, nexthop, m);
}

void rb_tx_l2(struct rb_lcore *l, uint16_t port, struct rte_mbuf *m)
{
	(void)l;
	cap_add(CAP_L2, port, NULL, m);
}

void rb_l2_broadcast_learn(struct rb_lcore *l, struct rte_mbuf *m, uint8_t l3)
{
	(void)l, (void)m;
	CU_ASSERT(l3 == 6);
	n_bcast++;
}

unsigned rb_flow_owner6(const struct rb_dp *d, uint16_t port, const uint8_t raddr[16],
			const uint8_t laddr[16], uint16_t rport, uint16_t lport)
{
	(void)d, (void)port, (void)raddr, (void)laddr, (void)rport, (void)lport;
	return flow_owner;
}

void rb_handoff(struct rb_lcore *l, unsigned owner, struct rte_mbuf *m)
{
	(void)l;
	rb_meta(m)->kind = RB_MK_L3;
	cap_add(CAP_HANDOFF, 0, NULL, m);
	caps[n_caps - 1].owner = owner;
}

/* The real rb_loopback queues on the worker's own handoff ring for the next
 * loop iteration; the tests have no loop, so deliver at once. */
void rb_loopback(struct rb_lcore *l, struct rte_mbuf *m, uint8_t l3)
{
	rb_meta(m)->kind = RB_MK_RX;
	rb_meta(m)->l3 = l3;
	rb_meta(m)->flags = 0;
	rb_ip6_local(l, m);
}

uint16_t tcp_input(struct rb_lcore *l, struct rte_mbuf **m, uint16_t n)
{
	(void)l;
	for (uint16_t i = 0; i < n; i++)
		cap_add(CAP_TCP, 0, NULL, m[i]);
	return n;
}

/* ICMPv6 errors icmp6.c hands to TCP (dataplane/tcp/tcp_icmp.h). */
struct tcp_icmp_err icmp_tcp_last;
unsigned n_icmp_tcp;

void tcp_icmp_input(struct rb_lcore *l, const struct tcp_icmp_err *e)
{
	(void)l;
	icmp_tcp_last = *e;
	n_icmp_tcp++;
}

uint16_t udp_input(struct rb_lcore *l, struct rte_mbuf **m, uint16_t n)
{
	(void)l;
	for (uint16_t i = 0; i < n; i++)
		cap_add(CAP_UDP, 0, NULL, m[i]);
	return n;
}

/* Neighbor table double: a few entries, and a log of updates. */
struct rb_neigh_entry ntab[8];
struct nupd_log nupd;

struct rb_neigh_entry *rb_neigh_lookup(struct rb_lcore *l, uint16_t port, int family,
				       const uint8_t *ip)
{
	(void)l;
	for (int i = 0; i < 8; i++)
		if (ntab[i].state != RB_NEIGH_FREE && ntab[i].port == port &&
		    ntab[i].family == family && memcmp(ntab[i].ip, ip, 16) == 0)
			return &ntab[i];
	return NULL;
}

void rb_neigh_update(struct rb_lcore *l, uint16_t port, int family, const uint8_t *ip,
		     const uint8_t mac[6], int create)
{
	struct rb_neigh_entry *e = rb_neigh_lookup(l, port, family, ip);

	nupd.n++;
	memcpy(nupd.ip, ip, 16);
	memcpy(nupd.mac, mac, 6);
	nupd.create = create;
	for (int i = 0; e == NULL && create && i < 8; i++)
		if (ntab[i].state == RB_NEIGH_FREE)
			e = &ntab[i];
	if (e == NULL)
		return;
	e->state = RB_NEIGH_REACHABLE;
	e->port = port;
	e->family = (uint8_t)family;
	memcpy(e->ip, ip, 16);
	memcpy(e->mac, mac, 6);
}

/* FIB double: longest match over a small table. */
static struct {
	uint8_t pfx[16];
	int plen;
	struct rb_nexthop nh;
} fib_tab[8];
static int n_fib;

static void fib_add(const char *pfx, int plen, uint8_t kind, uint16_t port, const char *gw)
{
	a6(pfx, fib_tab[n_fib].pfx);
	fib_tab[n_fib].plen = plen;
	fib_tab[n_fib].nh.kind = kind;
	fib_tab[n_fib].nh.port = port;
	if (gw) {
		fib_tab[n_fib].nh.family = AF_INET6;
		a6(gw, fib_tab[n_fib].nh.gw);
	}
	n_fib++;
}

static bool pfx_match(const uint8_t *a, const uint8_t *b, int plen)
{
	int full = plen / 8, rest = plen % 8;

	if (memcmp(a, b, full) != 0)
		return false;
	return rest == 0 || ((a[full] ^ b[full]) & (uint8_t)(0xff << (8 - rest))) == 0;
}

const struct rb_nexthop *rb_fib_lookup6(const struct rb_fib *fib, const uint8_t addr[16])
{
	int best = -1;

	(void)fib;
	for (int i = 0; i < n_fib; i++)
		if (pfx_match(fib_tab[i].pfx, addr, fib_tab[i].plen) &&
		    (best < 0 || fib_tab[i].plen > fib_tab[best].plen))
			best = i;
	return best < 0 ? NULL : &fib_tab[best].nh;
}

bool rb_port_has_addr6(const struct rb_port *p, const uint8_t addr[16])
{
	if (memcmp(p->ll6, addr, 16) == 0)
		return true;
	for (int i = 0; i < p->n_addrs; i++)
		if (p->addrs[i].family == AF_INET6 && memcmp(p->addrs[i].addr, addr, 16) == 0)
			return true;
	return false;
}

bool rb_port_src6(const struct rb_port *p, const uint8_t dst[16], uint8_t out[16])
{
	if (rb_ip6_is_linklocal(dst) || p->n_addrs == 0)
		memcpy(out, p->ll6, 16);
	else
		memcpy(out, p->addrs[0].addr, 16);
	return true;
}

/* ---- packet helpers ---- */
uint8_t OUR_LL[16], OUR_G1[16], OUR_G2[16], PEER_LL[16], PEER_G1[16], FAR[16],
	NOROUTE[16], ALL_NODES[16], GW3[16], VIA3[16];
const uint8_t OUR_MAC[6] = {0x02, 0, 0, 0, 0, 0x01};
const uint8_t PEER_MAC[6] = {0x02, 0, 0, 0, 0, 0x02};

struct rte_mbuf *mk(const uint8_t *data, uint32_t len, uint32_t seg)
{
	struct rte_mbuf *head = NULL, *last = NULL;

	for (uint32_t off = 0; off < len || head == NULL; off += seg) {
		struct rte_mbuf *m = rte_pktmbuf_alloc(dp.pool);
		uint32_t n = RTE_MIN(seg, len - off);

		CU_ASSERT_FATAL(m != NULL);
		memcpy(rte_pktmbuf_append(m, (uint16_t)n), data + off, n);
		if (head == NULL)
			head = m;
		else
			CU_ASSERT_FATAL(rte_pktmbuf_chain(head, m) == 0);
		last = m;
	}
	(void)last;
	head->port = 0;
	rb_meta(head)->kind = RB_MK_RX;
	return head;
}

uint32_t ip6_hdr(uint8_t *b, const uint8_t *src, const uint8_t *dst, uint8_t nh,
			uint8_t hlim, uint32_t plen)
{
	struct rte_ipv6_hdr *ip = (struct rte_ipv6_hdr *)b;

	ip->vtc_flow = rte_cpu_to_be_32(6u << 28);
	ip->payload_len = rte_cpu_to_be_16((uint16_t)plen);
	ip->proto = nh;
	ip->hop_limits = hlim;
	memcpy(ip->src_addr, src, 16);
	memcpy(ip->dst_addr, dst, 16);
	return 40;
}

/* IPv6 + ICMPv6 message (type, code, first word, body); returns length. */
uint32_t icmp6_pkt(uint8_t *b, const uint8_t *src, const uint8_t *dst, uint8_t hlim,
			  uint8_t type, uint8_t code, uint32_t word, const uint8_t *body,
			  uint32_t blen)
{
	struct rb_icmp6_hdr *ic = (struct rb_icmp6_hdr *)(b + 40);

	ip6_hdr(b, src, dst, RB_IP6_NH_ICMPV6, hlim, 8 + blen);
	ic->type = type;
	ic->code = code;
	ic->cksum = 0;
	ic->data = rte_cpu_to_be_32(word);
	if (blen)
		memcpy(ic + 1, body, blen);
	ic->cksum = (uint16_t)~rb_ip6_sum_buf(src, dst, RB_IP6_NH_ICMPV6, ic, 8 + blen);
	return 48 + blen;
}

/* An NS/NA body: target then one link-layer option (opt 0 = none). */
uint32_t nd_body(uint8_t *body, const uint8_t *target, uint8_t opt, const uint8_t *mac)
{
	memcpy(body, target, 16);
	if (!opt)
		return 16;
	body[16] = opt;
	body[17] = 1;
	memcpy(body + 18, mac, 6);
	return 24;
}

bool cksum_ok(const struct rte_mbuf *m, uint32_t l3)
{
	const struct rte_ipv6_hdr *ip = rte_pktmbuf_mtod_offset(m, const struct rte_ipv6_hdr *, l3);

	return rb_ip6_sum_mbuf(ip->src_addr, ip->dst_addr, ip->proto, m, l3 + 40,
			       rte_pktmbuf_pkt_len(m) - l3 - 40) == 0xffff;
}

void input(struct rte_mbuf *m)
{
	lc.now = rte_rdtsc();
	rb_ip6_input(&lc, &m, 1);
}

uint64_t total_drops(void)
{
	uint64_t n = 0;

	for (int i = 0; i < RB_DROP_MAX; i++)
		n += st.drops[i];
	return n;
}

uint32_t unhex(const char *s, uint8_t *out)
{
	uint32_t n = 0;
	unsigned v;

	while (*s) {
		if (*s == ' ') {
			s++;
			continue;
		}
		if (sscanf(s, "%2x", &v) != 1)
			abort();
		out[n++] = (uint8_t)v;
		s += 2;
	}
	return n;
}

/* ---- setup ---- */

int ip6_fake_setup(void)
{
	static const struct rte_mbuf_dynfield desc = {
		.name = "ringbox_meta",
		.size = sizeof(struct rb_mbuf_meta),
		.align = __alignof__(struct rb_mbuf_meta),
	};
	struct rb_port *p;

	rb_meta_offset = rte_mbuf_dynfield_register(&desc);
	if (rb_meta_offset < 0)
		return -1;
	dp.pool = rte_pktmbuf_pool_create("test_ip6", 4095, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
					  SOCKET_ID_ANY);
	if (dp.pool == NULL)
		return -1;
	a6("fe80::1", OUR_LL);
	a6("2001:db8:1::1", OUR_G1);
	a6("2001:db8:2::1", OUR_G2);
	a6("fe80::2", PEER_LL);
	a6("2001:db8:1::2", PEER_G1);
	a6("2001:db8:2::5", FAR);
	a6("2001:db8:99::1", NOROUTE);
	a6("ff02::1", ALL_NODES);
	a6("2001:db8:3::7", GW3);
	a6("2001:db8:1::fe", VIA3);
	dp.n_ports = 2;
	for (int i = 0; i < 2; i++) {
		p = &dp.ports[i];
		p->index = (uint16_t)i;
		memcpy(p->mac.addr_bytes, OUR_MAC, 6);
		p->mac.addr_bytes[5] = (uint8_t)(1 + 0x10 * i);
		p->mtu = i == 0 ? 1500 : 1280;
		p->n_addrs = 1;
		p->addrs[0].family = AF_INET6;
		p->addrs[0].plen = 64;
		memcpy(p->addrs[0].addr, i == 0 ? OUR_G1 : OUR_G2, 16);
		a6(i == 0 ? "fe80::1" : "fe80::1:1", p->ll6);
	}
	fib_add("2001:db8:1::", 64, RB_NH_CONNECTED, 0, NULL);
	fib_add("2001:db8:2::", 64, RB_NH_CONNECTED, 1, NULL);
	fib_add("2001:db8:1::1", 128, RB_NH_LOCAL, 0, NULL);
	fib_add("2001:db8:2::1", 128, RB_NH_LOCAL, 1, NULL);
	fib_add("2001:db8:3::", 64, RB_NH_GATEWAY, 0, "2001:db8:1::fe");
	dp.fib = (struct rb_fib *)&fib_tab; /* opaque to the code under test */
	dp.tsc_hz = rte_get_tsc_hz();
	dp.n_workers = 4;
	lc.dp = &dp;
	lc.stats = &st;
	lc.worker = 0;
	lc.frag = rte_ip_frag_table_create(64, 4, 64, dp.tsc_hz * 2, SOCKET_ID_ANY);
	if (lc.frag == NULL)
		return -1;
	return 0;
}
