/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests for the IPv6 half of the L3 stack (dataplane/net/ip6.c,
 * icmp6.c, nd.c).  Pure helpers are driven by tables; the packet paths run
 * on real mbufs (EAL without hugepages) against test doubles of the parts
 * the lead's modules provide (FIB, neighbor table, TX, flow ownership,
 * L4), which record what the code under test hands them.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <CUnit/Basic.h>
#include <rte_eal.h>
#include <rte_cycles.h>
#include <rte_ether.h>
#include <rte_ip_frag.h>
#include <rte_mbuf.h>
#include <rte_mbuf_dyn.h>
#include "dataplane/rb_lcore.h"
#include "dataplane/net/neigh.h"
#include "dataplane/net/ip6.h"

static void a6(const char *s, uint8_t out[16])
{
	if (inet_pton(AF_INET6, s, out) != 1)
		abort();
}

/* ---------------- test doubles ---------------- */
int rb_meta_offset = -1;
static struct rb_dp dp;
static struct rb_lcore lc;
static struct rb_lcore_stats st;

enum { CAP_IP6_TX, CAP_L2, CAP_HANDOFF, CAP_TCP, CAP_UDP };
struct cap {
	int kind;
	uint16_t port;
	uint8_t nh[16];
	unsigned owner;
	struct rte_mbuf *m;
};
static struct cap caps[128];
static int n_caps, n_bcast;
static unsigned flow_owner;

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

static void reset(void)
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
		rb_drop_count(l, RB_DROP_ICMP_RATELIMIT);
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

uint16_t tcp_input(struct rb_lcore *l, struct rte_mbuf **m, uint16_t n)
{
	(void)l;
	for (uint16_t i = 0; i < n; i++)
		cap_add(CAP_TCP, 0, NULL, m[i]);
	return n;
}

uint16_t udp_input(struct rb_lcore *l, struct rte_mbuf **m, uint16_t n)
{
	(void)l;
	for (uint16_t i = 0; i < n; i++)
		cap_add(CAP_UDP, 0, NULL, m[i]);
	return n;
}

/* Neighbor table double: a few entries, and a log of updates. */
static struct rb_neigh_entry ntab[8];
static struct {
	int n;
	uint8_t ip[16], mac[6];
	int create;
} nupd;

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

/* ---------------- packet helpers ---------------- */
static uint8_t OUR_LL[16], OUR_G1[16], OUR_G2[16], PEER_LL[16], PEER_G1[16], FAR[16],
	NOROUTE[16], ALL_NODES[16], GW3[16], VIA3[16];
static const uint8_t OUR_MAC[6] = {0x02, 0, 0, 0, 0, 0x01};
static const uint8_t PEER_MAC[6] = {0x02, 0, 0, 0, 0, 0x02};

static struct rte_mbuf *mk(const uint8_t *data, uint32_t len, uint32_t seg)
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

static uint32_t ip6_hdr(uint8_t *b, const uint8_t *src, const uint8_t *dst, uint8_t nh,
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
static uint32_t icmp6_pkt(uint8_t *b, const uint8_t *src, const uint8_t *dst, uint8_t hlim,
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
static uint32_t nd_body(uint8_t *body, const uint8_t *target, uint8_t opt, const uint8_t *mac)
{
	memcpy(body, target, 16);
	if (!opt)
		return 16;
	body[16] = opt;
	body[17] = 1;
	memcpy(body + 18, mac, 6);
	return 24;
}

static bool cksum_ok(const struct rte_mbuf *m, uint32_t l3)
{
	const struct rte_ipv6_hdr *ip = rte_pktmbuf_mtod_offset(m, const struct rte_ipv6_hdr *, l3);

	return rb_ip6_sum_mbuf(ip->src_addr, ip->dst_addr, ip->proto, m, l3 + 40,
			       rte_pktmbuf_pkt_len(m) - l3 - 40) == 0xffff;
}

static void input(struct rte_mbuf *m)
{
	lc.now = rte_rdtsc();
	rb_ip6_input(&lc, &m, 1);
}

#define DROPS(r) (st.drops[RB_DROP_##r])
#define EVENTS(e) (st.events[RB_EV_##e])

static uint64_t total_drops(void)
{
	uint64_t n = 0;

	for (int i = 0; i < RB_DROP_MAX; i++)
		n += st.drops[i];
	return n;
}

static uint32_t unhex(const char *s, uint8_t *out)
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

/* ---------------- pure helpers ---------------- */

static void test_solicited_node(void)
{
	static const struct {
		const char *addr, *group;
		uint8_t mac[6];
	} t[] = {
		{"fe80::1", "ff02::1:ff00:1", {0x33, 0x33, 0xff, 0, 0, 1}},
		{"2001:db8::1:2:3", "ff02::1:ff02:3", {0x33, 0x33, 0xff, 0x02, 0, 3}},
		{"2001:db8::abcd:ef12:3456", "ff02::1:ff12:3456", {0x33, 0x33, 0xff, 0x12, 0x34, 0x56}},
		{"::", "ff02::1:ff00:0", {0x33, 0x33, 0xff, 0, 0, 0}},
	};
	uint8_t a[16], g[16], out[16], mac[6];

	for (size_t i = 0; i < RTE_DIM(t); i++) {
		a6(t[i].addr, a);
		a6(t[i].group, g);
		rb_ip6_solicited_node(a, out);
		CU_ASSERT(memcmp(out, g, 16) == 0);
		CU_ASSERT(rb_ip6_is_solnode(out));
		rb_ip6_mcast_mac(out, mac);
		CU_ASSERT(memcmp(mac, t[i].mac, 6) == 0);
	}
	rb_ip6_mcast_mac(ALL_NODES, mac);
	CU_ASSERT(memcmp(mac, "\x33\x33\x00\x00\x00\x01", 6) == 0);
	CU_ASSERT(!rb_ip6_is_solnode(ALL_NODES));
	/* groups of port 0's addresses (ll6 fe80::1, 2001:db8:1::1) */
	a6("ff02::1:ff00:1", g);
	CU_ASSERT(rb_ip6_port_solnode(&dp.ports[0], g));
	a6("ff02::1:ff00:2", g);
	CU_ASSERT(!rb_ip6_port_solnode(&dp.ports[0], g));
	a6("ff02::2:ff00:1", g);
	CU_ASSERT(!rb_ip6_port_solnode(&dp.ports[0], g));
}

static void test_walk(void)
{
#define OPT8(nx, o) nx "00" o
	static const struct {
		const char *name;
		uint8_t nh;
		const char *ext;
		unsigned flags;
		int rc;
		uint8_t proto;
		uint16_t off;
		int pp;
		uint32_t pointer;
		uint8_t frag;
	} t[] = {
		{"no ext", 6, "", 0, RB_IP6W_OK, 6, 40, -1, 0, 0},
		{"hbh padn", 0, "0600 0104 00000000", 0, RB_IP6W_OK, 6, 48, -1, 0, 0},
		{"hbh dst rt0 dst", 0,
		 "3c00 0104 00000000 2b00 0104 00000000 3c00 0400 00000000 1100 0104 00000000", 0,
		 RB_IP6W_OK, 17, 72, -1, 0, 0},
		{"hbh 16 octets", 0, "0601 0104 00000000 010600000000 0000", 0, RB_IP6W_OK, 6, 56,
		 -1, 0, 0},
		{"hbh not first", 60, "0000 0104 00000000 0600 0104 00000000", 0, RB_IP6W_BAD, 0, 48,
		 1, 40, 0},
		{"8 headers", 60,
		 "3c00 0104 00000000 3c00 0104 00000000 3c00 0104 00000000 3c00 0104 00000000 "
		 "3c00 0104 00000000 3c00 0104 00000000 3c00 0104 00000000 0600 0104 00000000",
		 0, RB_IP6W_OK, 6, 104, -1, 0, 0},
		{"9 headers", 60,
		 "3c00 0104 00000000 3c00 0104 00000000 3c00 0104 00000000 3c00 0104 00000000 "
		 "3c00 0104 00000000 3c00 0104 00000000 3c00 0104 00000000 3c00 0104 00000000 "
		 "0600 0104 00000000",
		 0, RB_IP6W_LIMIT, 60, 104, -1, 0, 0},
		{"truncated header", 60, "0601 0104 00000000", 0, RB_IP6W_BAD, 60, 40, -1, 0, 0},
		{"truncated length", 60, "06", 0, RB_IP6W_BAD, 60, 40, -1, 0, 0},
		{"option overruns", 60, "0600 010a 00000000", 0, RB_IP6W_BAD, 60, 40, -1, 42, 0},
		{"option len past end", 60, "0600 0000 00000001", 0, RB_IP6W_BAD, 60, 40, -1, 47, 0},
		{"pad1 only", 60, "0600 0000 00000000", 0, RB_IP6W_OK, 6, 48, -1, 0, 0},
		{"unknown skip", 60, "0600 1e04 00000000", 0, RB_IP6W_OK, 6, 48, -1, 0, 0},
		{"unknown discard", 60, "0600 5e04 00000000", 0, RB_IP6W_BAD, 60, 40, -1, 42, 0},
		{"unknown icmp", 60, "0600 9e04 00000000", 0, RB_IP6W_BAD, 60, 40, 2, 42, 0},
		{"unknown icmp ucast", 60, "0600 0000 de020000", 0, RB_IP6W_BAD, 60, 40, 2, 44, 0},
		{"routing left 1", 43, "0600 0401 00000000", 0, RB_IP6W_BAD, 43, 40, 0, 42, 0},
		{"routing left 0", 43, "0600 0000 00000000", 0, RB_IP6W_OK, 6, 48, -1, 0, 0},
		{"atomic frag", 44, "0600 0000 12345678", 0, RB_IP6W_OK, 6, 48, -1, 0, 1},
		{"first frag", 44, "0600 0001 12345678", 0, RB_IP6W_FRAG, 44, 40, -1, 0, 1},
		{"later frag", 44, "0600 00b8 12345678", 0, RB_IP6W_FRAG, 44, 40, -1, 0, 1},
		{"dst then frag", 60, "2c00 0104 00000000 1100 05a9 00000001", 0, RB_IP6W_FRAG, 44,
		 48, -1, 0, 1},
		{"frag truncated", 44, "060000", 0, RB_IP6W_BAD, 44, 40, -1, 0, 0},
		{"hbh only", 0, "3c00 0104 00000000 0600 5e04 00000000", RB_IP6W_HBH_ONLY,
		 RB_IP6W_OK, 60, 48, -1, 0, 0},
		{"hbh only, none", 60, "0600 5e04 00000000", RB_IP6W_HBH_ONLY, RB_IP6W_OK, 60, 40,
		 -1, 0, 0},
		{"hbh only, bad", 0, "0600 5e04 00000000", RB_IP6W_HBH_ONLY, RB_IP6W_BAD, 0, 40, -1,
		 42, 0},
		{"no opts", 60, "0600 5e04 00000000", RB_IP6W_NO_OPTS, RB_IP6W_OK, 6, 48, -1, 0, 0},
		{"no opts routing", 43, "0600 0401 00000000", RB_IP6W_NO_OPTS, RB_IP6W_OK, 6, 48, -1,
		 0, 0},
	};
	uint8_t pkt[256];
	struct rb_ip6_walk w;

	for (size_t i = 0; i < RTE_DIM(t); i++) {
		uint32_t n = unhex(t[i].ext, pkt + 40);
		int rc;

		ip6_hdr(pkt, PEER_G1, OUR_G1, t[i].nh, 64, n);
		rc = rb_ip6_walk(pkt, 40 + n, 40, 6, t[i].flags, &w);
		if (rc != t[i].rc || w.proto != t[i].proto || w.off != t[i].off ||
		    w.pp_code != t[i].pp || (t[i].rc == RB_IP6W_BAD && w.pointer != t[i].pointer) ||
		    w.has_frag != t[i].frag)
			fprintf(stderr, "walk %s: rc %d proto %u off %u pp %d ptr %u frag %u\n",
				t[i].name, rc, w.proto, w.off, w.pp_code, w.pointer, w.has_frag);
		CU_ASSERT(rc == t[i].rc);
		CU_ASSERT(w.proto == t[i].proto);
		CU_ASSERT(w.off == t[i].off);
		CU_ASSERT(w.pp_code == t[i].pp);
		if (t[i].rc == RB_IP6W_BAD)
			CU_ASSERT(w.pointer == t[i].pointer);
		CU_ASSERT(w.has_frag == t[i].frag);
	}
	/* the action-10 option asks for an error even to a group */
	unhex("0600 9e04 00000000", pkt + 40);
	ip6_hdr(pkt, PEER_G1, OUR_G1, 60, 64, 8);
	rb_ip6_walk(pkt, 48, 40, 6, 0, &w);
	CU_ASSERT(w.pp_mcast == 1);
	unhex("0600 de04 00000000", pkt + 40);
	rb_ip6_walk(pkt, 48, 40, 6, 0, &w);
	CU_ASSERT(w.pp_mcast == 0);
}

static void test_nd_parse(void)
{
	static const struct {
		const char *name;
		uint8_t type, hlim, code;
		const char *src, *dst, *target;
		uint32_t flags;
		const char *opts;
		uint32_t len; /* 0: the whole message */
		int rc;
		uint8_t dad, lla;
	} t[] = {
		{"NS", 135, 255, 0, "fe80::2", "ff02::1:ff00:1", "fe80::1", 0, "0101 020000000002",
		 0, 0, 0, 1},
		{"NS unicast no opt", 135, 255, 0, "fe80::2", "fe80::1", "fe80::1", 0, "", 0, 0, 0, 0},
		{"NA", 136, 255, 0, "fe80::2", "fe80::1", "fe80::2", 0x60000000, "0201 020000000002",
		 0, 0, 0, 1},
		{"NA with SLLA only", 136, 255, 0, "fe80::2", "fe80::1", "fe80::2", 0x60000000,
		 "0101 020000000002", 0, 0, 0, 0},
		{"hop limit 254", 135, 254, 0, "fe80::2", "ff02::1:ff00:1", "fe80::1", 0,
		 "0101 020000000002", 0, -1, 0, 0},
		{"NA hop limit 64", 136, 64, 0, "fe80::2", "fe80::1", "fe80::2", 0, "", 0, -1, 0, 0},
		{"code 1", 135, 255, 1, "fe80::2", "ff02::1:ff00:1", "fe80::1", 0, "", 0, -1, 0, 0},
		{"short", 135, 255, 0, "fe80::2", "ff02::1:ff00:1", "fe80::1", 0, "", 20, -1, 0, 0},
		{"zero-length option", 135, 255, 0, "fe80::2", "ff02::1:ff00:1", "fe80::1", 0,
		 "0100 020000000002", 0, -1, 0, 0},
		{"option past end", 135, 255, 0, "fe80::2", "ff02::1:ff00:1", "fe80::1", 0,
		 "0102 020000000002", 0, -1, 0, 0},
		{"trailing octet", 135, 255, 0, "fe80::2", "ff02::1:ff00:1", "fe80::1", 0,
		 "0101 020000000002 01", 0, -1, 0, 0},
		{"multicast target", 135, 255, 0, "fe80::2", "ff02::1:ff00:1", "ff02::1", 0, "", 0, -1,
		 0, 0},
		{"NA multicast target", 136, 255, 0, "fe80::2", "ff02::1", "ff02::1", 0, "", 0, -1, 0,
		 0},
		{"DAD probe", 135, 255, 0, "::", "ff02::1:ff00:1", "2001:db8:1::1", 0, "", 0, 0, 1, 0},
		{"DAD probe with SLLA", 135, 255, 0, "::", "ff02::1:ff00:1", "2001:db8:1::1", 0,
		 "0101 020000000002", 0, -1, 1, 1},
		{"DAD probe to unicast", 135, 255, 0, "::", "2001:db8:1::1", "2001:db8:1::1", 0, "",
		 0, -1, 1, 0},
		{"NA multicast solicited", 136, 255, 0, "fe80::2", "ff02::1", "fe80::2", 0x40000000,
		 "", 0, -1, 0, 0},
		{"NA multicast override", 136, 255, 0, "fe80::2", "ff02::1", "fe80::2", 0x20000000,
		 "0201 020000000002", 0, 0, 0, 1},
		{"NA from ::", 136, 255, 0, "::", "ff02::1", "fe80::2", 0, "", 0, -1, 1, 0},
		{"group MAC in SLLA", 135, 255, 0, "fe80::2", "ff02::1:ff00:1", "fe80::1", 0,
		 "0101 330000000001", 0, -1, 0, 1},
		{"zero MAC in SLLA", 135, 255, 0, "fe80::2", "ff02::1:ff00:1", "fe80::1", 0,
		 "0101 000000000000", 0, -1, 0, 1},
		{"unknown option", 135, 255, 0, "fe80::2", "ff02::1:ff00:1", "fe80::1", 0,
		 "0e01 000000000000 0101 020000000002", 0, 0, 0, 1},
		{"not ND", 128, 255, 0, "fe80::2", "fe80::1", "fe80::1", 0, "", 0, -1, 0, 0},
	};
	uint8_t pkt[128], s[16], d[16];
	struct rb_nd_info nd;

	for (size_t i = 0; i < RTE_DIM(t); i++) {
		struct rb_nd_msg *m = (struct rb_nd_msg *)(pkt + 40);
		uint32_t n = unhex(t[i].opts, pkt + 40 + 24);
		int rc;

		a6(t[i].src, s);
		a6(t[i].dst, d);
		ip6_hdr(pkt, s, d, RB_IP6_NH_ICMPV6, t[i].hlim, 24 + n);
		m->hdr.type = t[i].type;
		m->hdr.code = t[i].code;
		m->hdr.cksum = 0;
		m->hdr.data = rte_cpu_to_be_32(t[i].flags);
		a6(t[i].target, m->target);
		rc = rb_nd_parse((const struct rte_ipv6_hdr *)pkt, pkt + 40,
				 t[i].len ? t[i].len : 24 + n, &nd);
		if (rc != t[i].rc)
			fprintf(stderr, "nd %s: rc %d\n", t[i].name, rc);
		CU_ASSERT(rc == t[i].rc);
		if (rc == 0) {
			CU_ASSERT(nd.dad == t[i].dad);
			CU_ASSERT(nd.has_lla == t[i].lla);
			CU_ASSERT(nd.flags == t[i].flags);
			CU_ASSERT(memcmp(nd.target, m->target, 16) == 0);
			if (nd.has_lla)
				CU_ASSERT(memcmp(nd.lla, PEER_MAC, 6) == 0);
		}
	}
}

static void test_cksum(void)
{
	/* scapy 2.5: IPv6()/ICMPv6EchoRequest(id=0x1234, seq=1, data=b"abcdefgh") and
	 * IPv6()/ICMPv6ND_NS(tgt="fe80::1")/ICMPv6NDOptSrcLLAddr(lladdr=02:..:02) */
	static const struct {
		const char *hex;
		uint16_t cksum;
	} t[] = {
		{"6000000000103a4020010db800010000000000000000000220010db8000100000000000000000001"
		 "80008073123400016162636465666768",
		 0x8073},
		{"6000000000203afffe800000000000000000000000000002ff0200000000000000000001ff000001"
		 "87007a9700000000fe8000000000000000000000000000010101020000000002",
		 0x7a97},
	};

	for (size_t i = 0; i < RTE_DIM(t); i++) {
		uint8_t b[128];
		uint32_t n = unhex(t[i].hex, b), len = n - 40;
		const struct rte_ipv6_hdr *ip = (const struct rte_ipv6_hdr *)b;
		struct rte_mbuf *m;

		CU_ASSERT(rb_ip6_sum_buf(ip->src_addr, ip->dst_addr, 58, b + 40, len) == 0xffff);
		/* an odd-sized segmentation gives the same sum */
		m = mk(b, n, 7);
		CU_ASSERT(m->nb_segs > 1);
		CU_ASSERT(rb_ip6_sum_mbuf(ip->src_addr, ip->dst_addr, 58, m, 40, len) == 0xffff);
		rte_pktmbuf_free(m);
		b[42] = b[43] = 0;
		CU_ASSERT((uint16_t)~rb_ip6_sum_buf(ip->src_addr, ip->dst_addr, 58, b + 40, len) ==
			  rte_cpu_to_be_16(t[i].cksum));
		b[42] = (uint8_t)(t[i].cksum >> 8);
		b[43] = (uint8_t)t[i].cksum;
		b[n - 1] ^= 0x10;
		CU_ASSERT(rb_ip6_sum_buf(ip->src_addr, ip->dst_addr, 58, b + 40, len) != 0xffff);
		b[n - 1] ^= 0x10;
		b[20] ^= 1; /* the source address is covered too */
		CU_ASSERT(rb_ip6_sum_buf(ip->src_addr, ip->dst_addr, 58, b + 40, len) != 0xffff);
	}
}

/* ---------------- ICMPv6 errors ---------------- */

/* A UDP datagram of len octets (IPv6 included) from src to dst. */
static struct rte_mbuf *udp_pkt(const uint8_t *src, const uint8_t *dst, uint32_t len, uint32_t seg)
{
	static uint8_t b[4096];

	for (uint32_t i = 40; i < len; i++)
		b[i] = (uint8_t)(i * 7);
	ip6_hdr(b, src, dst, RB_IP6_NH_UDP, 64, len - 40);
	return mk(b, len, seg);
}

static void test_error_limits(void)
{
	static const uint32_t sizes[] = {48, 100, 1232, 1233, 1280, 1500, 4000};

	for (size_t i = 0; i < RTE_DIM(sizes); i++) {
		struct rte_mbuf *m = udp_pkt(PEER_G1, OUR_G1, sizes[i], 1000), *e;
		const struct rte_ipv6_hdr *ip;
		const struct rb_icmp6_hdr *ic;
		uint32_t q = RTE_MIN(sizes[i], 1232u);
		uint8_t a[1280], b[1280];

		reset();
		rb_icmp6_error(&lc, m, RB_ICMP6_DEST_UNREACH, RB_ICMP6_DU_PORT, 0);
		CU_ASSERT_FATAL(n_caps == 1);
		e = caps[0].m;
		CU_ASSERT(caps[0].kind == CAP_IP6_TX && caps[0].port == 0);
		CU_ASSERT(memcmp(caps[0].nh, PEER_G1, 16) == 0);
		CU_ASSERT(rte_pktmbuf_pkt_len(e) == 48 + q);
		CU_ASSERT(rte_pktmbuf_pkt_len(e) <= RB_ICMP6_ERR_MAX);
		ip = rte_pktmbuf_mtod(e, const struct rte_ipv6_hdr *);
		ic = (const struct rb_icmp6_hdr *)(ip + 1);
		CU_ASSERT(memcmp(ip->src_addr, OUR_G1, 16) == 0);
		CU_ASSERT(memcmp(ip->dst_addr, PEER_G1, 16) == 0);
		CU_ASSERT(ip->proto == 58 && ip->hop_limits == 64);
		CU_ASSERT(rte_be_to_cpu_16(ip->payload_len) == 8 + q);
		CU_ASSERT(ic->type == 1 && ic->code == 4 && ic->data == 0);
		CU_ASSERT(cksum_ok(e, 0));
		/* the quote is the offending packet's first q octets */
		CU_ASSERT(memcmp(rte_pktmbuf_read(e, 48, q, a), rte_pktmbuf_read(m, 0, q, b), q) ==
			  0);
		CU_ASSERT(EVENTS(ICMP_ERROR_TX) == 1);
		CU_ASSERT(total_drops() == 0);
		rte_pktmbuf_free(m);
	}
	reset();
}

static void test_error_suppression(void)
{
	static const struct {
		const char *name;
		int icmp_type;     /* -1: UDP offender, else an ICMPv6 offender of this type */
		const char *src, *dst;
		uint8_t type, code;
		int sent;
	} t[] = {
		{"udp", -1, "2001:db8:1::2", "2001:db8:1::1", 1, 4, 1},
		{"about an error", 1, "2001:db8:1::2", "2001:db8:1::1", 1, 4, 0},
		{"about a PTB", 2, "2001:db8:1::2", "2001:db8:1::1", 3, 0, 0},
		{"about an echo request", 128, "2001:db8:1::2", "2001:db8:1::1", 3, 0, 1},
		{"to a group", -1, "2001:db8:1::2", "ff02::1", 1, 4, 0},
		{"PTB to a group", -1, "2001:db8:1::2", "ff02::1", 2, 0, 1},
		{"option to a group", -1, "2001:db8:1::2", "ff02::1", 4, 2, 1},
		{"header to a group", -1, "2001:db8:1::2", "ff02::1", 4, 0, 0},
		{"from ::", -1, "::", "2001:db8:1::1", 1, 4, 0},
		{"from a group", -1, "ff02::5", "2001:db8:1::1", 2, 0, 0},
		{"link-local", -1, "fe80::2", "fe80::1", 1, 4, 1},
	};
	uint8_t s[16], d[16], b[128];

	for (size_t i = 0; i < RTE_DIM(t); i++) {
		struct rte_mbuf *m;

		a6(t[i].src, s);
		a6(t[i].dst, d);
		if (t[i].icmp_type < 0)
			m = udp_pkt(s, d, 100, 2048);
		else
			m = mk(b, icmp6_pkt(b, s, d, 64, (uint8_t)t[i].icmp_type, 0, 0, b, 0), 2048);
		reset();
		rb_icmp6_error(&lc, m, t[i].type, t[i].code, 0);
		if (n_caps != t[i].sent)
			fprintf(stderr, "error suppression %s: %d sent\n", t[i].name, n_caps);
		CU_ASSERT(n_caps == t[i].sent);
		CU_ASSERT(EVENTS(ICMP_ERROR_TX) == (uint64_t)t[i].sent);
		if (n_caps && !strcmp(t[i].name, "link-local")) {
			const struct rte_ipv6_hdr *ip =
				rte_pktmbuf_mtod(caps[0].m, const struct rte_ipv6_hdr *);

			/* out of the port it came in, from our link-local address */
			CU_ASSERT(caps[0].port == 0 && memcmp(caps[0].nh, s, 16) == 0);
			CU_ASSERT(memcmp(ip->src_addr, OUR_LL, 16) == 0);
		}
		rte_pktmbuf_free(m);
	}
	/* the token bucket */
	reset();
	lc.icmp_tokens = 2;
	for (int i = 0; i < 5; i++) {
		struct rte_mbuf *m = udp_pkt(PEER_G1, OUR_G1, 100, 2048);

		rb_icmp6_error(&lc, m, 1, 4, 0);
		rte_pktmbuf_free(m);
	}
	CU_ASSERT(n_caps == 2);
	CU_ASSERT(DROPS(ICMP_RATELIMIT) == 3);
	reset();
}

/* ---------------- Neighbor Discovery ---------------- */

static struct rte_mbuf *nd_pkt(uint8_t type, const uint8_t *src, const uint8_t *dst,
			       const uint8_t *target, uint32_t flags, uint8_t opt)
{
	uint8_t b[128], body[32];
	uint32_t n = nd_body(body, target, opt, PEER_MAC);

	return mk(b, icmp6_pkt(b, src, dst, 255, type, 0, flags, body, n), 2048);
}

/* Check a captured NA frame (data at the Ethernet header). */
static void check_na(const struct cap *c, const uint8_t *dmac, const uint8_t *dst,
		     const uint8_t *target, uint32_t flags)
{
	const struct rte_ether_hdr *eh = rte_pktmbuf_mtod(c->m, const struct rte_ether_hdr *);
	const struct rte_ipv6_hdr *ip = (const struct rte_ipv6_hdr *)(eh + 1);
	const struct rb_nd_msg *na = (const struct rb_nd_msg *)(ip + 1);
	const struct rb_nd_opt_lla *o = (const struct rb_nd_opt_lla *)(na + 1);

	CU_ASSERT(c->kind == CAP_L2 && c->port == 0);
	CU_ASSERT(memcmp(&eh->dst_addr, dmac, 6) == 0);
	CU_ASSERT(memcmp(&eh->src_addr, OUR_MAC, 6) == 0);
	CU_ASSERT(eh->ether_type == rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV6));
	CU_ASSERT(rte_pktmbuf_pkt_len(c->m) == 14 + 40 + 32);
	CU_ASSERT(ip->hop_limits == 255 && ip->proto == 58);
	CU_ASSERT(memcmp(ip->src_addr, target, 16) == 0);
	CU_ASSERT(memcmp(ip->dst_addr, dst, 16) == 0);
	CU_ASSERT(na->hdr.type == 136 && na->hdr.code == 0);
	CU_ASSERT(rte_be_to_cpu_32(na->hdr.data) == flags);
	CU_ASSERT(memcmp(na->target, target, 16) == 0);
	CU_ASSERT(o->type == RB_ND_OPT_TLLA && o->len == 1 && memcmp(o->mac, OUR_MAC, 6) == 0);
	CU_ASSERT(cksum_ok(c->m, 14));
}

static void test_nd_ns(void)
{
	uint8_t sn[16], other[16];
	struct rb_nd_info nd;
	struct rte_mbuf *m;

	/* NS for our link-local address, multicast, with SLLA */
	reset();
	memset(&nupd, 0, sizeof(nupd));
	rb_ip6_solicited_node(OUR_LL, sn);
	input(nd_pkt(135, PEER_LL, sn, OUR_LL, 0, RB_ND_OPT_SLLA));
	CU_ASSERT_FATAL(n_caps == 1);
	check_na(&caps[0], PEER_MAC, PEER_LL, OUR_LL, 0xe0000000); /* R, S, O */
	CU_ASSERT(nupd.n == 1 && nupd.create == 1);
	CU_ASSERT(memcmp(nupd.ip, PEER_LL, 16) == 0 && memcmp(nupd.mac, PEER_MAC, 6) == 0);
	CU_ASSERT(n_bcast == 1);
	CU_ASSERT(EVENTS(ND_NS_RX) == 1 && EVENTS(ND_NA_TX) == 1);
	CU_ASSERT(total_drops() == 0);

	/* unicast NS for our global address without SLLA: NA resolved normally */
	reset();
	memset(&nupd, 0, sizeof(nupd));
	input(nd_pkt(135, PEER_G1, OUR_G1, OUR_G1, 0, 0));
	CU_ASSERT_FATAL(n_caps == 1);
	CU_ASSERT(caps[0].kind == CAP_IP6_TX && memcmp(caps[0].nh, PEER_G1, 16) == 0);
	CU_ASSERT(nupd.n == 0 && n_bcast == 0);

	/* DAD probe for our address: NA to all-nodes, S clear, nothing learned */
	reset();
	memset(&nupd, 0, sizeof(nupd));
	rb_ip6_solicited_node(OUR_G1, sn);
	input(nd_pkt(135, (const uint8_t[16]){0}, sn, OUR_G1, 0, 0));
	CU_ASSERT_FATAL(n_caps == 1);
	check_na(&caps[0], (const uint8_t *)"\x33\x33\x00\x00\x00\x01", ALL_NODES, OUR_G1,
		 0xa0000000); /* R, O */
	CU_ASSERT(nupd.n == 0 && n_bcast == 0);

	/* NS for an address that is not ours, sent to a group we are in */
	reset();
	a6("2001:db8:1::1:0:1", other); /* same solicited-node group as ::1 */
	input(nd_pkt(135, PEER_G1, sn, other, 0, RB_ND_OPT_SLLA));
	CU_ASSERT(n_caps == 0 && DROPS(ND_NOT_FOR_US) == 1);

	/* NS to a group we are not in */
	reset();
	rb_ip6_solicited_node(other, sn);
	sn[15] ^= 0x55;
	input(nd_pkt(135, PEER_G1, sn, other, 0, RB_ND_OPT_SLLA));
	CU_ASSERT(n_caps == 0 && DROPS(IP6_NOT_FOR_US) == 1);

	/* routed (hop limit 254) */
	reset();
	{
		uint8_t b[128], body[32];
		uint32_t n = nd_body(body, OUR_G1, RB_ND_OPT_SLLA, PEER_MAC);

		input(mk(b, icmp6_pkt(b, PEER_G1, OUR_G1, 254, 135, 0, 0, body, n), 2048));
		CU_ASSERT(n_caps == 0 && DROPS(ND_MALFORMED) == 1);
		/* bad checksum */
		reset();
		icmp6_pkt(b, PEER_G1, OUR_G1, 255, 135, 0, 0, body, n);
		b[60] ^= 1;
		input(mk(b, 48 + n, 2048));
		CU_ASSERT(n_caps == 0 && DROPS(ICMP6_MALFORMED) == 1);
	}

	/* a learn-only copy: learns, never answers, counts nothing */
	reset();
	memset(&nupd, 0, sizeof(nupd));
	rb_ip6_solicited_node(OUR_LL, sn);
	m = nd_pkt(135, PEER_LL, sn, OUR_LL, 0, RB_ND_OPT_SLLA);
	rb_meta(m)->kind = RB_MK_LEARN;
	rb_nd_input(&lc, m, 1);
	CU_ASSERT(n_caps == 0 && n_bcast == 0 && nupd.n == 1 && nupd.create == 1);
	CU_ASSERT(EVENTS(ND_NS_RX) == 0 && total_drops() == 0);

	/* NS from our own address */
	reset();
	rb_ip6_solicited_node(OUR_LL, sn);
	input(nd_pkt(135, OUR_G1, sn, OUR_LL, 0, RB_ND_OPT_SLLA));
	CU_ASSERT(n_caps == 0 && DROPS(ND_DUP_ADDR) == 1);
	(void)nd;
	reset();
}

static void test_nd_na(void)
{
	static const uint8_t OLD_MAC[6] = {0x02, 0, 0, 0, 0, 0x99};
	uint8_t peer3[16];

	memset(ntab, 0, sizeof(ntab));
	a6("2001:db8:1::3", peer3);
	/* an entry we are resolving */
	ntab[0].state = RB_NEIGH_INCOMPLETE;
	ntab[0].family = AF_INET6;
	memcpy(ntab[0].ip, PEER_G1, 16);
	/* an entry already resolved to another MAC */
	ntab[1].state = RB_NEIGH_REACHABLE;
	ntab[1].family = AF_INET6;
	memcpy(ntab[1].ip, peer3, 16);
	memcpy(ntab[1].mac, OLD_MAC, 6);

	reset();
	memset(&nupd, 0, sizeof(nupd));
	input(nd_pkt(136, PEER_G1, OUR_G1, PEER_G1, RB_ND_NA_SOLICITED, RB_ND_OPT_TLLA));
	CU_ASSERT(nupd.n == 1 && nupd.create == 0 && memcmp(nupd.mac, PEER_MAC, 6) == 0);
	CU_ASSERT(ntab[0].state == RB_NEIGH_REACHABLE);
	CU_ASSERT(n_bcast == 1 && n_caps == 0 && EVENTS(ND_NA_RX) == 1);

	/* without Override a different MAC is not taken ... */
	reset();
	memset(&nupd, 0, sizeof(nupd));
	input(nd_pkt(136, peer3, OUR_G1, peer3, RB_ND_NA_SOLICITED, RB_ND_OPT_TLLA));
	CU_ASSERT(nupd.n == 0 && memcmp(ntab[1].mac, OLD_MAC, 6) == 0);
	/* ... with it, it is */
	input(nd_pkt(136, peer3, OUR_G1, peer3, RB_ND_NA_SOLICITED | RB_ND_NA_OVERRIDE,
		     RB_ND_OPT_TLLA));
	CU_ASSERT(nupd.n == 1 && memcmp(ntab[1].mac, PEER_MAC, 6) == 0);

	/* unsolicited NA for a neighbor we do not know: nothing created */
	reset();
	memset(&nupd, 0, sizeof(nupd));
	input(nd_pkt(136, FAR, ALL_NODES, FAR, RB_ND_NA_OVERRIDE, RB_ND_OPT_TLLA));
	CU_ASSERT(nupd.n == 0 && EVENTS(ND_NA_RX) == 1 && total_drops() == 0);

	/* NA claiming our address */
	reset();
	input(nd_pkt(136, PEER_G1, ALL_NODES, OUR_G1, RB_ND_NA_OVERRIDE, RB_ND_OPT_TLLA));
	CU_ASSERT(DROPS(ND_DUP_ADDR) == 1);

	/* NA with a fragment header (RFC 6980) */
	reset();
	{
		uint8_t b[160], body[32];
		uint32_t n = nd_body(body, PEER_G1, RB_ND_OPT_TLLA, PEER_MAC), len;

		len = icmp6_pkt(b + 8, PEER_G1, OUR_G1, 255, 136, 0, RB_ND_NA_SOLICITED, body, n);
		memmove(b, b + 8, 40);
		ip6_hdr(b, PEER_G1, OUR_G1, RB_IP6_NH_FRAGMENT, 255, len - 40 + 8);
		unhex("3a00 0000 00000001", b + 40);
		input(mk(b, len + 8, 2048));
		CU_ASSERT(DROPS(ND_MALFORMED) == 1 && n_caps == 0);
	}
	memset(ntab, 0, sizeof(ntab));
	reset();
}

static void test_nd_solicit(void)
{
	const struct rte_ether_hdr *eh;
	const struct rte_ipv6_hdr *ip;
	const struct rb_nd_msg *ns;
	const struct rb_nd_opt_lla *o;
	uint8_t sn[16];

	reset();
	rb_nd_solicit(&lc, 0, PEER_G1, 0, NULL);
	CU_ASSERT_FATAL(n_caps == 1 && caps[0].kind == CAP_L2);
	eh = rte_pktmbuf_mtod(caps[0].m, const struct rte_ether_hdr *);
	ip = (const struct rte_ipv6_hdr *)(eh + 1);
	ns = (const struct rb_nd_msg *)(ip + 1);
	o = (const struct rb_nd_opt_lla *)(ns + 1);
	rb_ip6_solicited_node(PEER_G1, sn);
	CU_ASSERT(memcmp(&eh->dst_addr, "\x33\x33\xff\x00\x00\x02", 6) == 0);
	CU_ASSERT(memcmp(ip->dst_addr, sn, 16) == 0 && memcmp(ip->src_addr, OUR_G1, 16) == 0);
	CU_ASSERT(ip->hop_limits == 255 && ns->hdr.type == 135 && ns->hdr.data == 0);
	CU_ASSERT(memcmp(ns->target, PEER_G1, 16) == 0);
	CU_ASSERT(o->type == RB_ND_OPT_SLLA && memcmp(o->mac, OUR_MAC, 6) == 0);
	CU_ASSERT(cksum_ok(caps[0].m, 14));
	CU_ASSERT(EVENTS(ND_NS_TX) == 1);
	/* what we send passes our own validation */
	{
		struct rb_nd_info nd;

		CU_ASSERT(rb_nd_parse(ip, (const uint8_t *)ns, 32, &nd) == 0 && nd.has_lla);
	}

	/* unicast re-probe of a stale entry, link-local: from our link-local */
	reset();
	rb_nd_solicit(&lc, 0, PEER_LL, 1, PEER_MAC);
	CU_ASSERT_FATAL(n_caps == 1);
	eh = rte_pktmbuf_mtod(caps[0].m, const struct rte_ether_hdr *);
	ip = (const struct rte_ipv6_hdr *)(eh + 1);
	CU_ASSERT(memcmp(&eh->dst_addr, PEER_MAC, 6) == 0);
	CU_ASSERT(memcmp(ip->dst_addr, PEER_LL, 16) == 0 && memcmp(ip->src_addr, OUR_LL, 16) == 0);
	CU_ASSERT(cksum_ok(caps[0].m, 14));
	reset();
}

/* ---------------- echo, forwarding, local delivery ---------------- */

static void test_echo(void)
{
	uint8_t b[256], data[64];
	const struct rte_ipv6_hdr *ip;
	const struct rb_icmp6_hdr *ic;

	for (int i = 0; i < 64; i++)
		data[i] = (uint8_t)i;
	reset();
	input(mk(b, icmp6_pkt(b, PEER_G1, OUR_G1, 64, 128, 0, 0x12340001, data, 64), 2048));
	CU_ASSERT_FATAL(n_caps == 1);
	CU_ASSERT(caps[0].kind == CAP_IP6_TX && caps[0].port == 0);
	CU_ASSERT(memcmp(caps[0].nh, PEER_G1, 16) == 0);
	ip = rte_pktmbuf_mtod(caps[0].m, const struct rte_ipv6_hdr *);
	ic = (const struct rb_icmp6_hdr *)(ip + 1);
	CU_ASSERT(memcmp(ip->src_addr, OUR_G1, 16) == 0 && memcmp(ip->dst_addr, PEER_G1, 16) == 0);
	CU_ASSERT(ip->hop_limits == 64 && rte_be_to_cpu_16(ip->payload_len) == 72);
	CU_ASSERT(ic->type == 129 && ic->code == 0 && ic->data == rte_cpu_to_be_32(0x12340001));
	CU_ASSERT(memcmp(ic + 1, data, 64) == 0);
	CU_ASSERT(cksum_ok(caps[0].m, 0));
	CU_ASSERT(EVENTS(ICMP6_ECHO_REPLY) == 1 && EVENTS(IP6_LOCAL) == 1);

	/* to all-nodes from a link-local peer: from our link-local, out port 0 */
	reset();
	input(mk(b, icmp6_pkt(b, PEER_LL, ALL_NODES, 1, 128, 0, 7, data, 8), 2048));
	CU_ASSERT_FATAL(n_caps == 1);
	CU_ASSERT(caps[0].kind == CAP_IP6_TX && caps[0].port == 0);
	CU_ASSERT(memcmp(caps[0].nh, PEER_LL, 16) == 0);
	ip = rte_pktmbuf_mtod(caps[0].m, const struct rte_ipv6_hdr *);
	CU_ASSERT(memcmp(ip->src_addr, OUR_LL, 16) == 0);
	CU_ASSERT(cksum_ok(caps[0].m, 0));

	/* to our address on the other port (weak host model) */
	reset();
	input(mk(b, icmp6_pkt(b, PEER_G1, OUR_G2, 64, 128, 0, 7, data, 8), 2048));
	CU_ASSERT_FATAL(n_caps == 1);
	ip = rte_pktmbuf_mtod(caps[0].m, const struct rte_ipv6_hdr *);
	CU_ASSERT(memcmp(ip->src_addr, OUR_G2, 16) == 0);

	/* bad checksum, truncated message */
	reset();
	icmp6_pkt(b, PEER_G1, OUR_G1, 64, 128, 0, 7, data, 8);
	b[50] ^= 0xff;
	input(mk(b, 56, 2048));
	ip6_hdr(b, PEER_G1, OUR_G1, RB_IP6_NH_ICMPV6, 64, 4);
	input(mk(b, 44, 2048));
	CU_ASSERT(n_caps == 0 && DROPS(ICMP6_MALFORMED) == 2);

	/* RS, RA, echo reply: not handled */
	reset();
	input(mk(b, icmp6_pkt(b, PEER_LL, ALL_NODES, 255, 133, 0, 0, data, 0), 2048));
	input(mk(b, icmp6_pkt(b, PEER_LL, ALL_NODES, 255, 134, 0, 0, data, 8), 2048));
	input(mk(b, icmp6_pkt(b, PEER_G1, OUR_G1, 64, 129, 0, 0, data, 8), 2048));
	CU_ASSERT(n_caps == 0 && DROPS(ICMP6_UNHANDLED) == 3);
	reset();
}

static const struct rb_icmp6_hdr *cap_icmp(int i)
{
	return rte_pktmbuf_mtod_offset(caps[i].m, const struct rb_icmp6_hdr *, 40);
}

static void test_forward(void)
{
	uint8_t b[2048];
	const struct rte_ipv6_hdr *ip;

	memset(b, 0xab, sizeof(b));
	/* connected on port 1 */
	reset();
	input(udp_pkt(PEER_G1, FAR, 200, 2048));
	CU_ASSERT_FATAL(n_caps == 1);
	CU_ASSERT(caps[0].kind == CAP_IP6_TX && caps[0].port == 1);
	CU_ASSERT(memcmp(caps[0].nh, FAR, 16) == 0);
	ip = rte_pktmbuf_mtod(caps[0].m, const struct rte_ipv6_hdr *);
	CU_ASSERT(ip->hop_limits == 63 && EVENTS(IP6_FORWARD) == 1);

	/* via a gateway */
	reset();
	input(udp_pkt(PEER_G1, GW3, 200, 2048));
	CU_ASSERT_FATAL(n_caps == 1);
	CU_ASSERT(caps[0].port == 0 && memcmp(caps[0].nh, VIA3, 16) == 0);

	/* hop limit 1 and 0: time exceeded back to the source */
	for (uint8_t h = 0; h <= 1; h++) {
		struct rte_mbuf *m = udp_pkt(PEER_G1, FAR, 200, 2048);

		rte_pktmbuf_mtod(m, struct rte_ipv6_hdr *)->hop_limits = h;
		reset();
		input(m);
		CU_ASSERT_FATAL(n_caps == 1);
		CU_ASSERT(caps[0].port == 0 && memcmp(caps[0].nh, PEER_G1, 16) == 0);
		CU_ASSERT(cap_icmp(0)->type == 3 && cap_icmp(0)->code == 0);
		ip = rte_pktmbuf_mtod(caps[0].m, const struct rte_ipv6_hdr *);
		/* from our address on the ingress interface (traceroute6) */
		CU_ASSERT(memcmp(ip->src_addr, OUR_G1, 16) == 0);
		CU_ASSERT(DROPS(TTL_EXPIRED) == 1 && EVENTS(IP6_FORWARD) == 0);
	}

	/* hop limit 1 to us is still delivered */
	reset();
	{
		uint8_t e[64];

		input(mk(e, icmp6_pkt(e, PEER_G1, OUR_G1, 1, 128, 0, 1, e, 0), 2048));
		CU_ASSERT(n_caps == 1 && EVENTS(ICMP6_ECHO_REPLY) == 1);
	}

	/* too big for port 1 (MTU 1280): Packet Too Big with the MTU */
	reset();
	input(udp_pkt(PEER_G1, FAR, 1281, 2048));
	CU_ASSERT_FATAL(n_caps == 1);
	CU_ASSERT(cap_icmp(0)->type == 2 && rte_be_to_cpu_32(cap_icmp(0)->data) == 1280);
	CU_ASSERT(DROPS(MTU_EXCEEDED) == 1);
	reset();
	input(udp_pkt(PEER_G1, FAR, 1280, 2048));
	CU_ASSERT(n_caps == 1 && caps[0].port == 1 && total_drops() == 0);

	/* no route */
	reset();
	input(udp_pkt(PEER_G1, NOROUTE, 100, 2048));
	CU_ASSERT_FATAL(n_caps == 1);
	CU_ASSERT(cap_icmp(0)->type == 1 && cap_icmp(0)->code == 0 && DROPS(NO_ROUTE) == 1);

	/* link-local source or destination never leaves the link */
	reset();
	input(udp_pkt(PEER_LL, FAR, 100, 2048));
	CU_ASSERT_FATAL(n_caps == 1);
	CU_ASSERT(cap_icmp(0)->type == 1 && cap_icmp(0)->code == 2 && DROPS(IP6_SCOPE) == 1);
	reset();
	{
		uint8_t ll3[16];

		a6("fe80::3", ll3);
		input(udp_pkt(PEER_LL, ll3, 100, 2048));
		CU_ASSERT(n_caps == 0 && DROPS(IP6_NOT_FOR_US) == 1);
	}
	/* other groups */
	reset();
	{
		uint8_t g[16];

		a6("ff02::fb", g);
		input(udp_pkt(PEER_LL, g, 100, 2048));
		a6("ff05::2", g);
		input(udp_pkt(PEER_G1, g, 100, 2048));
		CU_ASSERT(n_caps == 0 && DROPS(IP6_NOT_FOR_US) == 2);
	}
	/* source :: is never forwarded */
	reset();
	input(udp_pkt((const uint8_t[16]){0}, FAR, 100, 2048));
	CU_ASSERT(n_caps == 0 && DROPS(IP6_BAD_SRC) == 1);

	/* a Hop-by-Hop option that must be discarded, on the forwarding path */
	reset();
	{
		uint32_t n = unhex("1100 5e04 00000000", b + 40);

		ip6_hdr(b, PEER_G1, FAR, RB_IP6_NH_HOPOPTS, 64, n + 8);
		input(mk(b, 40 + n + 8, 2048));
		CU_ASSERT(n_caps == 0 && DROPS(IP6_BAD_EXTHDR) == 1);
		/* ... and a destination option is not looked at by routers */
		reset();
		unhex("1100 5e04 00000000", b + 40);
		ip6_hdr(b, PEER_G1, FAR, RB_IP6_NH_DSTOPTS, 64, n + 8);
		input(mk(b, 40 + n + 8, 2048));
		CU_ASSERT(n_caps == 1 && caps[0].port == 1 && total_drops() == 0);
	}
	reset();
}

static void test_validate(void)
{
	struct rte_mbuf *m;
	uint8_t lo[16];

	reset();
	m = udp_pkt(PEER_G1, OUR_G1, 100, 2048);
	rte_pktmbuf_mtod(m, uint8_t *)[0] = 0x45;
	input(m);
	CU_ASSERT(DROPS(IP6_BAD_VERSION) == 1);
	m = udp_pkt(PEER_G1, OUR_G1, 100, 2048);
	rte_pktmbuf_mtod(m, struct rte_ipv6_hdr *)->payload_len = rte_cpu_to_be_16(61);
	input(m);
	CU_ASSERT(DROPS(IP6_BAD_LEN) == 1);
	m = udp_pkt(PEER_G1, OUR_G1, 100, 2048);
	rte_pktmbuf_trim(m, 80);
	input(m);
	CU_ASSERT(DROPS(IP6_SHORT) == 1);
	a6("ff02::1", lo);
	input(udp_pkt(lo, OUR_G1, 100, 2048));
	a6("::1", lo);
	input(udp_pkt(lo, OUR_G1, 100, 2048));
	CU_ASSERT(DROPS(IP6_BAD_SRC) == 2);
	input(udp_pkt(PEER_G1, lo, 100, 2048));
	input(udp_pkt(PEER_G1, (const uint8_t[16]){0}, 100, 2048));
	CU_ASSERT(DROPS(IP6_BAD_DST) == 2);
	CU_ASSERT(n_caps == 0 && total_drops() == 7);

	/* Ethernet padding is trimmed: a 44-octet datagram in a 64-octet frame */
	reset();
	m = udp_pkt(PEER_G1, OUR_G1, 64, 2048);
	rte_pktmbuf_mtod(m, struct rte_ipv6_hdr *)->payload_len = rte_cpu_to_be_16(8);
	input(m);
	CU_ASSERT_FATAL(n_caps == 1 && caps[0].kind == CAP_UDP);
	CU_ASSERT(rte_pktmbuf_pkt_len(caps[0].m) == 8);
	reset();
}

static void test_local_l4(void)
{
	uint8_t b[256];
	const struct rte_ipv6_hdr *ip;
	struct rte_mbuf *m;

	/* we own the flow: L4 gets data at its header, IPv6 at -l3_len */
	reset();
	input(udp_pkt(PEER_G1, OUR_G1, 100, 2048));
	CU_ASSERT_FATAL(n_caps == 1 && caps[0].kind == CAP_UDP);
	m = caps[0].m;
	CU_ASSERT(m->l3_len == 40 && m->l2_len == 0 && rb_meta(m)->l3 == 6);
	CU_ASSERT(rte_pktmbuf_pkt_len(m) == 60);
	ip = rte_pktmbuf_mtod_offset(m, const struct rte_ipv6_hdr *, -40);
	CU_ASSERT(memcmp(ip->src_addr, PEER_G1, 16) == 0);

	/* another worker owns it: handed over at L3; it re-enters and is delivered */
	reset();
	flow_owner = 3;
	memset(b, 0, sizeof(b));
	ip6_hdr(b, PEER_G1, OUR_G1, RB_IP6_NH_TCP, 64, 20);
	input(mk(b, 60, 2048));
	CU_ASSERT_FATAL(n_caps == 1 && caps[0].kind == CAP_HANDOFF && caps[0].owner == 3);
	m = caps[0].m;
	n_caps = 0;
	CU_ASSERT(rte_pktmbuf_mtod(m, const struct rte_ipv6_hdr *)->proto == RB_IP6_NH_TCP);
	rb_ip6_local(&lc, m); /* on the owner; flow_owner still says 3 */
	CU_ASSERT_FATAL(n_caps == 1 && caps[0].kind == CAP_TCP);
	CU_ASSERT(EVENTS(IP6_LOCAL) == 1);

	/* extension headers are removed before L4 */
	reset();
	{
		uint32_t n = unhex("3c00 0104 00000000 1100 0000 00000000", b + 40);

		for (uint32_t i = 0; i < 16; i++)
			b[40 + n + i] = (uint8_t)(0xa0 + i);
		ip6_hdr(b, PEER_G1, OUR_G1, RB_IP6_NH_HOPOPTS, 64, n + 16);
		input(mk(b, 40 + n + 16, 2048));
		CU_ASSERT_FATAL(n_caps == 1 && caps[0].kind == CAP_UDP);
		m = caps[0].m;
		ip = rte_pktmbuf_mtod_offset(m, const struct rte_ipv6_hdr *, -40);
		CU_ASSERT(m->l3_len == 40 && ip->proto == RB_IP6_NH_UDP);
		CU_ASSERT(rte_be_to_cpu_16(ip->payload_len) == 16 && rte_pktmbuf_pkt_len(m) == 16);
		CU_ASSERT(rte_pktmbuf_mtod(m, uint8_t *)[0] == 0xa0);
		CU_ASSERT(memcmp(ip->dst_addr, OUR_G1, 16) == 0);
	}

	/* unknown upper layer: Parameter Problem code 1 at the Next Header field */
	reset();
	ip6_hdr(b, PEER_G1, OUR_G1, 253, 64, 8);
	input(mk(b, 48, 2048));
	CU_ASSERT_FATAL(n_caps == 1);
	CU_ASSERT(cap_icmp(0)->type == 4 && cap_icmp(0)->code == 1);
	CU_ASSERT(rte_be_to_cpu_32(cap_icmp(0)->data) == 6 && DROPS(PROTO_UNREACH) == 1);
	/* ... behind a Destination Options header, the pointer follows */
	reset();
	unhex("fd00 0104 00000000", b + 40);
	ip6_hdr(b, PEER_G1, OUR_G1, RB_IP6_NH_DSTOPTS, 64, 8);
	input(mk(b, 48, 2048));
	CU_ASSERT_FATAL(n_caps == 1);
	CU_ASSERT(rte_be_to_cpu_32(cap_icmp(0)->data) == 40);
	/* No Next Header: silently nothing */
	reset();
	ip6_hdr(b, PEER_G1, OUR_G1, RB_IP6_NH_NONE, 64, 0);
	input(mk(b, 40, 2048));
	CU_ASSERT(n_caps == 0 && DROPS(PROTO_UNREACH) == 1);
	/* unknown destination option with action 10: Parameter Problem code 2 */
	reset();
	unhex("1100 9e04 00000000", b + 40);
	ip6_hdr(b, PEER_G1, OUR_G1, RB_IP6_NH_DSTOPTS, 64, 8);
	input(mk(b, 48, 2048));
	CU_ASSERT_FATAL(n_caps == 1);
	CU_ASSERT(cap_icmp(0)->type == 4 && cap_icmp(0)->code == 2);
	CU_ASSERT(rte_be_to_cpu_32(cap_icmp(0)->data) == 42 && DROPS(IP6_BAD_EXTHDR) == 1);
	/* a routing header with segments left: code 0 at the routing type */
	reset();
	unhex("1100 0001 00000000", b + 40);
	ip6_hdr(b, PEER_G1, OUR_G1, RB_IP6_NH_ROUTING, 64, 8);
	input(mk(b, 48, 2048));
	CU_ASSERT_FATAL(n_caps == 1);
	CU_ASSERT(cap_icmp(0)->code == 0 && rte_be_to_cpu_32(cap_icmp(0)->data) == 42);
	/* too many extension headers */
	reset();
	for (int i = 0; i < 9; i++)
		unhex("3c00 0104 00000000", b + 40 + 8 * i);
	b[40 + 64] = RB_IP6_NH_UDP;
	ip6_hdr(b, PEER_G1, OUR_G1, RB_IP6_NH_DSTOPTS, 64, 72);
	input(mk(b, 112, 2048));
	CU_ASSERT(n_caps == 0 && DROPS(IP6_EXTHDR_LIMIT) == 1);
	/* UDP to all-nodes: no listeners on groups */
	reset();
	input(udp_pkt(PEER_LL, ALL_NODES, 100, 2048));
	CU_ASSERT(n_caps == 0 && DROPS(IP6_NOT_FOR_US) == 1);
	reset();
}

/* ---------------- fragments ---------------- */

/* Fragment an ICMPv6 echo request of `data` octets into pieces of at most
 * `chunk` octets of fragmentable part; returns the number of fragments. */
static int make_frags(struct rte_mbuf **out, uint32_t data, uint32_t chunk, uint32_t id)
{
	static uint8_t whole[8192], b[2048];
	uint32_t flen, n = 0;

	for (uint32_t i = 0; i < data; i++)
		whole[48 + i] = (uint8_t)(i * 13 + 1);
	flen = icmp6_pkt(whole, PEER_G1, OUR_G1, 64, 128, 0, 0x00770001, whole + 48, data) - 40;
	for (uint32_t fo = 0; fo < flen; fo += chunk, n++) {
		uint32_t len = RTE_MIN(chunk, flen - fo);

		ip6_hdr(b, PEER_G1, OUR_G1, RB_IP6_NH_FRAGMENT, 64, 8 + len);
		b[40] = RB_IP6_NH_ICMPV6;
		b[41] = 0;
		*(uint16_t *)(b + 42) = rte_cpu_to_be_16((uint16_t)(fo | (fo + len < flen)));
		*(uint32_t *)(b + 44) = rte_cpu_to_be_32(id);
		memcpy(b + 48, whole + 40 + fo, len);
		out[n] = mk(b, 48 + len, 2048);
	}
	return (int)n;
}

/* Reassemble the captured reply fragments (in order) and check the echo. */
static void check_frag_reply(uint32_t data, uint32_t mtu)
{
	static uint8_t whole[8192];
	uint32_t total = 0, id = 0;
	const struct rte_ipv6_hdr *ip = NULL;

	CU_ASSERT_FATAL(n_caps >= 2);
	for (int i = 0; i < n_caps; i++) {
		const struct rte_ipv6_fragment_ext *fh;
		uint32_t len;

		CU_ASSERT(caps[i].kind == CAP_IP6_TX && caps[i].port == 0);
		CU_ASSERT(rte_pktmbuf_pkt_len(caps[i].m) <= mtu);
		ip = rte_pktmbuf_mtod(caps[i].m, const struct rte_ipv6_hdr *);
		fh = (const struct rte_ipv6_fragment_ext *)(ip + 1);
		CU_ASSERT_FATAL(ip->proto == RB_IP6_NH_FRAGMENT && fh->next_header == 58);
		len = rte_be_to_cpu_16(ip->payload_len) - 8;
		CU_ASSERT(RB_IP6_FRAG_OFF(fh->frag_data) == total);
		CU_ASSERT(RB_IP6_FRAG_MF(fh->frag_data) == (i + 1 < n_caps));
		if (i == 0)
			id = fh->id;
		CU_ASSERT(fh->id == id);
		CU_ASSERT_FATAL(total + len <= sizeof(whole));
		memcpy(whole + 40 + total, (const uint8_t *)(fh + 1), len);
		total += len;
	}
	CU_ASSERT(total == 8 + data);
	memcpy(whole, ip, 40);
	((struct rte_ipv6_hdr *)whole)->proto = 58;
	CU_ASSERT(whole[40] == 129);
	CU_ASSERT(rb_ip6_sum_buf(OUR_G1, PEER_G1, 58, whole + 40, total) == 0xffff);
	for (uint32_t i = 0; i < data; i++)
		if (whole[48 + i] != (uint8_t)(i * 13 + 1)) {
			CU_FAIL("echo data differs");
			break;
		}
}

static void test_reassembly(void)
{
	struct rte_mbuf *f[16];
	int n;

	/* ping -s 4000: three fragments in order, the reply fragmented back */
	reset();
	n = make_frags(f, 4000, 1448, 1);
	CU_ASSERT(n == 3);
	for (int i = 0; i < n; i++)
		input(f[i]);
	CU_ASSERT(EVENTS(FRAG_REASSEMBLED) == 1 && EVENTS(ICMP6_ECHO_REPLY) == 1);
	CU_ASSERT(EVENTS(FRAG_TX) == (uint64_t)n_caps && total_drops() == 0);
	check_frag_reply(4000, 1500);

	/* out of order */
	reset();
	n = make_frags(f, 3000, 1000, 2);
	CU_ASSERT(n == 4);
	input(f[3]);
	input(f[1]);
	input(f[0]);
	CU_ASSERT(n_caps == 0);
	input(f[2]);
	CU_ASSERT(EVENTS(FRAG_REASSEMBLED) == 1);
	check_frag_reply(3000, 1500);

	/* behind a Destination Options header (per-fragment part) */
	reset();
	n = make_frags(f, 2000, 1200, 3);
	for (int i = 0; i < n; i++) {
		uint8_t *p = (uint8_t *)rte_pktmbuf_prepend(f[i], 8);

		memmove(p, p + 8, 40);
		unhex("2c00 0104 00000000", p + 40);
		p[6] = RB_IP6_NH_DSTOPTS;
		((struct rte_ipv6_hdr *)p)->payload_len = rte_cpu_to_be_16(
			(uint16_t)(rte_be_to_cpu_16(((struct rte_ipv6_hdr *)p)->payload_len) + 8));
		input(f[i]);
	}
	CU_ASSERT(EVENTS(FRAG_REASSEMBLED) == 1 && total_drops() == 0);
	check_frag_reply(2000, 1500);

	/* an atomic fragment is processed on its own (RFC 6946) */
	reset();
	n = make_frags(f, 100, 1448, 4);
	CU_ASSERT(n == 1);
	input(f[0]);
	CU_ASSERT(n_caps == 1 && EVENTS(FRAG_REASSEMBLED) == 0 && EVENTS(ICMP6_ECHO_REPLY) == 1);

	/* overlapping fragments (RFC 5722): nothing is delivered */
	reset();
	n = make_frags(f, 3000, 1000, 5);
	{
		struct rte_mbuf *o[16];
		int k = make_frags(o, 3000, 1504, 5); /* same datagram, other cut */

		input(f[0]);
		input(o[1]); /* 1504..3007 overlaps f[1] and f[2] */
		input(f[1]);
		input(f[2]);
		input(f[3]);
		for (int i = 0; i < k; i++)
			if (i != 1)
				rte_pktmbuf_free(o[i]);
	}
	CU_ASSERT(EVENTS(FRAG_REASSEMBLED) == 0 && n_caps == 0);
	/* the overlap is seen when f[1] arrives: f[0], o[1] and f[1] go; f[2]
	 * and f[3] start a new entry that can only time out */
	CU_ASSERT(DROPS(FRAG_BAD) == 3 && total_drops() == 3);

	/* not a multiple of 8 with more to come: Parameter Problem at the length */
	reset();
	n = make_frags(f, 3000, 1000, 6);
	rte_pktmbuf_trim(f[0], 1);
	rte_pktmbuf_mtod(f[0], struct rte_ipv6_hdr *)->payload_len =
		rte_cpu_to_be_16(8 + 999);
	for (int i = 0; i < n; i++)
		input(f[i]);
	CU_ASSERT(DROPS(FRAG_BAD) == 1 && EVENTS(FRAG_REASSEMBLED) == 0);
	CU_ASSERT_FATAL(n_caps == 1);
	CU_ASSERT(cap_icmp(0)->type == 4 && cap_icmp(0)->code == 0 &&
		  rte_be_to_cpu_32(cap_icmp(0)->data) == 4);
	/* the other three wait in the table until they time out */

	/* past 65535 octets: Parameter Problem at the fragment offset */
	reset();
	n = make_frags(f, 100, 64, 7);
	*rte_pktmbuf_mtod_offset(f[1], uint16_t *, 42) = rte_cpu_to_be_16(65528 | 0);
	input(f[1]);
	CU_ASSERT(DROPS(FRAG_BAD) == 1);
	CU_ASSERT_FATAL(n_caps == 1);
	CU_ASSERT(rte_be_to_cpu_32(cap_icmp(0)->data) == 42);
	rte_pktmbuf_free(f[0]);

	/* first fragment without the upper-layer header (RFC 7112) */
	reset();
	{
		uint8_t b[64];

		ip6_hdr(b, PEER_G1, OUR_G1, RB_IP6_NH_FRAGMENT, 64, 8 + 8);
		unhex("3c00 0001 00000008 3a00 0104 00000000", b + 40); /* dstopts, no ICMPv6 */
		input(mk(b, 56, 2048));
		CU_ASSERT(DROPS(FRAG_BAD) == 1);
		CU_ASSERT_FATAL(n_caps == 1);
		CU_ASSERT(cap_icmp(0)->type == 4 && cap_icmp(0)->code == 3);
	}
	reset();
}

/* ---------------- output ---------------- */

static void test_output(void)
{
	struct rte_mbuf *m;
	uint16_t *udp;
	const struct rte_ipv6_hdr *ip;

	/* UDP with the source left to us: the checksum is fixed up */
	reset();
	m = rte_pktmbuf_alloc(dp.pool);
	udp = (uint16_t *)rte_pktmbuf_append(m, 40);
	memset(udp, 0x5a, 40);
	udp[0] = rte_cpu_to_be_16(5353);
	udp[1] = rte_cpu_to_be_16(53);
	udp[2] = rte_cpu_to_be_16(40);
	udp[3] = 0;
	udp[3] = (uint16_t)~rb_ip6_sum_buf((const uint8_t[16]){0}, PEER_G1, 17, udp, 40);
	CU_ASSERT(rb_ip6_output(&lc, m, (const uint8_t[16]){0}, PEER_G1, 17, 0x20) == 0);
	CU_ASSERT_FATAL(n_caps == 1);
	ip = rte_pktmbuf_mtod(caps[0].m, const struct rte_ipv6_hdr *);
	CU_ASSERT(memcmp(ip->src_addr, OUR_G1, 16) == 0);
	CU_ASSERT(rte_be_to_cpu_32(ip->vtc_flow) == (6u << 28 | 0x20u << 20));
	CU_ASSERT(ip->hop_limits == 64 && ip->proto == 17);
	CU_ASSERT(cksum_ok(caps[0].m, 0));
	CU_ASSERT(caps[0].m->l3_len == 40);

	/* TCP above the MTU is a bug of the caller: dropped */
	reset();
	m = rte_pktmbuf_alloc(dp.pool);
	memset(rte_pktmbuf_append(m, 1461), 0, 1461);
	CU_ASSERT(rb_ip6_output(&lc, m, OUR_G1, PEER_G1, 6, 0) == 0);
	CU_ASSERT(n_caps == 0 && DROPS(MTU_EXCEEDED) == 1);
	/* no route */
	m = rte_pktmbuf_alloc(dp.pool);
	memset(rte_pktmbuf_append(m, 8), 0, 8);
	CU_ASSERT(rb_ip6_output(&lc, m, OUR_G1, NOROUTE, 17, 0) == -1);
	CU_ASSERT(DROPS(NO_ROUTE) == 1);
	/* link-local destination without a port: from our link-local it is port 0 */
	m = rte_pktmbuf_alloc(dp.pool);
	memset(rte_pktmbuf_append(m, 8), 0, 8);
	CU_ASSERT(rb_ip6_output(&lc, m, OUR_LL, PEER_LL, 17, 0) == 0);
	CU_ASSERT(n_caps == 1 && caps[0].port == 0);
	m = rte_pktmbuf_alloc(dp.pool);
	memset(rte_pktmbuf_append(m, 8), 0, 8);
	CU_ASSERT(rb_ip6_output(&lc, m, OUR_G1, PEER_LL, 17, 0) == -1);
	CU_ASSERT(DROPS(NO_ROUTE) == 2);
	reset();
}

/* Every mbuf the tests made is back in the pool once the fragments still
 * waiting in the table expire. */
static void test_no_leak(void)
{
	uint32_t before = lc.frag_dr.cnt;

	reset();
	rte_ip_frag_table_del_expired_entries(lc.frag, &lc.frag_dr, rte_rdtsc() + dp.tsc_hz * 10);
	/* three left by the odd-length test, two after the overlap */
	CU_ASSERT(lc.frag_dr.cnt - before == 5);
	rte_ip_frag_free_death_row(&lc.frag_dr, 0);
	CU_ASSERT(rte_mempool_in_use_count(dp.pool) == 0);
}

/* ---------------- setup ---------------- */

static int setup(void)
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

int main(void)
{
	char *eal[] = {"test_ip6", "--no-huge", "--no-pci", "-m", "128", "--no-shconf",
		       "--no-telemetry", "--log-level=error", "-l", "0"};
	static const struct {
		const char *name;
		CU_TestFunc fn;
	} tests[] = {
		{"solicited-node groups", test_solicited_node},
		{"extension header walk", test_walk},
		{"ND validation", test_nd_parse},
		{"ICMPv6 checksum", test_cksum},
		{"ICMPv6 error size", test_error_limits},
		{"ICMPv6 error suppression", test_error_suppression},
		{"NS handling", test_nd_ns},
		{"NA handling", test_nd_na},
		{"NS sending", test_nd_solicit},
		{"echo", test_echo},
		{"forwarding", test_forward},
		{"header validation", test_validate},
		{"local delivery", test_local_l4},
		{"reassembly", test_reassembly},
		{"output", test_output},
		{"no mbuf leaked", test_no_leak},
	};
	CU_pSuite s;
	unsigned fails;

	if (rte_eal_init((int)RTE_DIM(eal), eal) < 0 || setup() < 0) {
		fprintf(stderr, "test_ip6: EAL or setup failed\n");
		return 1;
	}
	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("ip6", NULL, NULL);
	for (size_t i = 0; i < RTE_DIM(tests); i++)
		CU_add_test(s, tests[i].name, tests[i].fn);
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	fails = CU_get_number_of_failures() + CU_get_number_of_tests_failed();
	CU_cleanup_registry();
	rte_ip_frag_table_destroy(lc.frag);
	rte_mempool_free(dp.pool);
	rte_eal_cleanup();
	return fails ? 1 : 0;
}
