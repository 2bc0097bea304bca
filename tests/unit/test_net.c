/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of the dataplane's L2/L3 path, IPv4 side, on an in-process
 * dataplane (net_fixture.c): Ethernet and 802.1Q input, ARP (RFC 826) and
 * neighbor resolution.  IPv4/ICMP, reassembly, FIB and flow ownership are in
 * test_net_ip4.c, test_net_frag.c and test_net_fib.c.  Every case asserts
 * the exact drop counter (and that no other one moved) or the exact frames
 * transmitted.
 */
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <CUnit/Basic.h>
#include <rte_arp.h>
#include <rte_ip.h>
#include "dataplane/net/neigh.h"
#include "cunit_fixture.h"
#include "test_net.h"

const char net_cfg_text[] =
	"dataplane = { lcores = 1; icmp_rate = 1000000;\n"
	" ports = (\n"
	"  { name = \"a\"; device = \"net_ring_fx0\"; addresses = [\"10.1.0.1/24\", \"fd01::1/64\"]; },\n"
	"  { name = \"b\"; device = \"net_ring_fx1\"; mtu = 1000;\n"
	"    addresses = [\"10.2.0.1/24\", \"fd02::1/64\"]; },\n"
	"  { name = \"c\"; device = \"net_ring_fx2\"; vlan = 10; addresses = [\"10.3.0.1/24\"]; } );\n"
	" routes = (\n"
	"  { prefix = \"20.0.0.0/8\"; via = \"10.2.0.2\"; port = \"b\"; },\n"
	"  { prefix = \"20.1.0.0/16\"; via = \"10.2.0.3\"; port = \"b\"; },\n"
	"  { prefix = \"20.1.2.0/24\"; via = \"10.2.0.4\"; port = \"b\"; },\n"
	"  { prefix = \"20.1.2.3/32\"; via = \"10.2.0.5\"; port = \"b\"; },\n"
	"  { prefix = \"30.0.0.0/8\"; port = \"b\"; },\n"
	"  { prefix = \"2001:db8::/32\"; via = \"fd02::2\"; port = \"b\"; },\n"
	"  { prefix = \"2001:db8:1::/48\"; via = \"fd02::3\"; port = \"b\"; } );\n"
	" neighbors = (\n"
	"  { ip = \"10.1.0.2\"; mac = \"02:00:00:00:00:02\"; port = \"a\"; },\n"
	"  { ip = \"10.2.0.2\"; mac = \"02:00:00:00:01:02\"; port = \"b\"; },\n"
	"  { ip = \"10.2.0.3\"; mac = \"02:00:00:00:01:03\"; port = \"b\"; },\n"
	"  { ip = \"10.2.0.4\"; mac = \"02:00:00:00:01:04\"; port = \"b\"; },\n"
	"  { ip = \"10.2.0.5\"; mac = \"02:00:00:00:01:05\"; port = \"b\"; },\n"
	"  { ip = \"10.3.0.2\"; mac = \"02:00:00:00:02:02\"; port = \"c\"; } );\n"
	"};\n";

int net_suite_init(void)
{
	return fx_setup(net_cfg_text);
}

int net_suite_cleanup(void)
{
	fx_teardown();
	return 0;
}

void net_test_no_leak(void)
{
	fx_teardown();
	CU_ASSERT_EQUAL(fx_mbufs_in_use(), 0);
}

/* ------------------------------------------------------------------ */
/* Ethernet / 802.1Q                                                    */

enum { DST_OURS, DST_OTHER, DST_BCAST };
enum { SRC_PEER, SRC_MCAST, SRC_ZERO };

struct eth_case {
	const char *name;
	uint16_t port;
	int vlan;               /* tag to put on the frame, or FX_NO_VLAN */
	int dst, src;
	uint16_t type;          /* IPv4 carries an echo request to the port */
	uint16_t cut;           /* truncate the frame to this length (0 = no) */
	int drop;               /* expected drop reason, or -1 */
	int replies;            /* frames expected back on the port */
	int reply_vlan;
};

static const struct eth_case eth_cases[] = {
	{"short frame", NET_P_A, FX_NO_VLAN, DST_OURS, SRC_PEER, RTE_ETHER_TYPE_IPV4, 13,
	 RB_DROP_ETH_SHORT, 0, 0},
	{"empty frame", NET_P_A, FX_NO_VLAN, DST_OURS, SRC_PEER, RTE_ETHER_TYPE_IPV4, 1,
	 RB_DROP_ETH_SHORT, 0, 0},
	{"802.1Q header cut", NET_P_C, 10, DST_OURS, SRC_PEER, RTE_ETHER_TYPE_IPV4, 16,
	 RB_DROP_ETH_SHORT, 0, 0},
	{"other unicast MAC", NET_P_A, FX_NO_VLAN, DST_OTHER, SRC_PEER, RTE_ETHER_TYPE_IPV4, 0,
	 RB_DROP_ETH_NOT_FOR_US, 0, 0},
	{"multicast source", NET_P_A, FX_NO_VLAN, DST_OURS, SRC_MCAST, RTE_ETHER_TYPE_IPV4, 0,
	 RB_DROP_ETH_BAD_SRC, 0, 0},
	{"zero source", NET_P_A, FX_NO_VLAN, DST_OURS, SRC_ZERO, RTE_ETHER_TYPE_IPV4, 0,
	 RB_DROP_ETH_BAD_SRC, 0, 0},
	{"broadcast, multicast source", NET_P_A, FX_NO_VLAN, DST_BCAST, SRC_MCAST,
	 RTE_ETHER_TYPE_ARP, 0, RB_DROP_ETH_BAD_SRC, 0, 0},
	{"unknown EtherType", NET_P_A, FX_NO_VLAN, DST_OURS, SRC_PEER, 0x88b5, 0,
	 RB_DROP_ETH_UNKNOWN_TYPE, 0, 0},
	{"unknown EtherType in a tag", NET_P_C, 10, DST_OURS, SRC_PEER, 0x88b5, 0,
	 RB_DROP_ETH_UNKNOWN_TYPE, 0, 0},
	/* Found by fuzz_packet: type 0 was taken for "already dropped" and leaked. */
	{"EtherType 0", NET_P_A, FX_NO_VLAN, DST_OURS, SRC_PEER, 0, 0, RB_DROP_ETH_UNKNOWN_TYPE, 0,
	 0},
	{"EtherType 0 in a tag", NET_P_C, 10, DST_OURS, SRC_PEER, 0, 0, RB_DROP_ETH_UNKNOWN_TYPE, 0,
	 0},
	{"802.3 length field", NET_P_A, FX_NO_VLAN, DST_OURS, SRC_PEER, 46, 0,
	 RB_DROP_ETH_UNKNOWN_TYPE, 0, 0},
	{"tag on an untagged port", NET_P_A, 10, DST_OURS, SRC_PEER, RTE_ETHER_TYPE_IPV4, 0,
	 RB_DROP_VLAN_UNKNOWN, 0, 0},
	{"priority tag (VID 0) on an untagged port is accepted", NET_P_A, 0, DST_OURS, SRC_PEER,
	 RTE_ETHER_TYPE_IPV4, 0, -1, 1, FX_NO_VLAN},
	{"untagged on a VLAN port", NET_P_C, FX_NO_VLAN, DST_OURS, SRC_PEER, RTE_ETHER_TYPE_IPV4, 0,
	 RB_DROP_VLAN_UNKNOWN, 0, 0},
	{"wrong tag on a VLAN port", NET_P_C, 11, DST_OURS, SRC_PEER, RTE_ETHER_TYPE_IPV4, 0,
	 RB_DROP_VLAN_UNKNOWN, 0, 0},
	{"echo on the untagged port", NET_P_A, FX_NO_VLAN, DST_OURS, SRC_PEER, RTE_ETHER_TYPE_IPV4,
	 0, -1, 1, FX_NO_VLAN},
	{"echo in tag 10 is answered in tag 10", NET_P_C, 10, DST_OURS, SRC_PEER,
	 RTE_ETHER_TYPE_IPV4, 0, -1, 1, 10},
	{"echo in a broadcast frame is answered", NET_P_A, FX_NO_VLAN, DST_BCAST, SRC_PEER,
	 RTE_ETHER_TYPE_IPV4, 0, -1, 1, FX_NO_VLAN},
};

static uint32_t port_addr4(uint16_t port)
{
	uint32_t a;

	memcpy(&a, fx_dp->ports[port].addrs[0].addr, 4);
	return rte_be_to_cpu_32(a);
}

static uint16_t build_eth_case(const struct eth_case *c, uint8_t *buf)
{
	struct fx_l2 l2 = fx_l2_to(c->port, 2);
	uint16_t len;

	l2.vlan = c->vlan;
	if (c->dst == DST_OTHER)
		l2.dst = fx_peer_mac(c->port, 99);
	else if (c->dst == DST_BCAST)
		memset(&l2.dst, 0xff, sizeof(l2.dst));
	if (c->src == SRC_MCAST)
		l2.src.addr_bytes[0] |= 1;
	else if (c->src == SRC_ZERO)
		memset(&l2.src, 0, sizeof(l2.src));
	len = fx_put_eth(buf, &l2, c->type);
	if (c->type == RTE_ETHER_TYPE_IPV4) {
		uint8_t icmp[64];
		uint32_t self = port_addr4(c->port);
		struct fx_ip4 ip = {.src = self + 1, .dst = self, .proto = IPPROTO_ICMP, .id = 7};
		uint16_t n = fx_put_icmp4(icmp, 8, 0, 0x12340001, "ping", 4);

		len = (uint16_t)(len + fx_put_ip4(buf + len, &ip, icmp, n));
	} else {
		memset(buf + len, 0x5a, 46);
		len = (uint16_t)(len + 46);
	}
	if (c->cut)
		len = c->cut;
	return len;
}

static void test_eth_table(void)
{
	for (size_t i = 0; i < RTE_DIM(eth_cases); i++) {
		NET_CASE_START();
		const struct eth_case *c = &eth_cases[i];
		uint8_t buf[256];
		struct fx_frame out[2];
		struct fx_snap s;
		uint16_t len = build_eth_case(c, buf), type;
		int n, vlan;

		fx_snap_take(&s);
		CU_ASSERT_FATAL(fx_inject(c->port, buf, len) == 0);
		n = fx_collect(c->port, out, 2);
		if (c->drop >= 0) {
			NET_ASSERT_ONLY_DROP(&s, (enum rb_drop)c->drop, 1);
		} else {
			CU_ASSERT_EQUAL(fx_snap_drops(&s), 0);
		}
		CU_ASSERT_EQUAL(n, c->replies);
		CU_ASSERT_EQUAL(fx_collect_all(), 0);
		if (n == 1 && c->replies == 1) {
			uint16_t off = fx_l3_off(&out[0], &type, &vlan);
			const struct rte_ipv4_hdr *ih = (const void *)(out[0].data + off);

			CU_ASSERT_EQUAL(type, RTE_ETHER_TYPE_IPV4);
			CU_ASSERT_EQUAL(vlan, c->reply_vlan);
			CU_ASSERT_EQUAL(rte_be_to_cpu_32(ih->dst_addr), port_addr4(c->port) + 1);
			CU_ASSERT_EQUAL(out[0].data[off + 20], 0); /* echo reply */
		}
		NET_CASE_END(c->name);
	}
}

/* ------------------------------------------------------------------ */
/* ARP                                                                  */

static uint16_t arp_frame(uint8_t *buf, uint16_t port, int bcast, uint16_t op,
			  const struct rte_ether_addr *sha, uint32_t sip, uint32_t tip)
{
	struct fx_l2 l2 = fx_l2_to(port, 0);
	uint16_t len;

	l2.src = *sha;
	if (bcast)
		memset(&l2.dst, 0xff, sizeof(l2.dst));
	len = fx_put_eth(buf, &l2, RTE_ETHER_TYPE_ARP);
	return (uint16_t)(len + fx_put_arp(buf + len, op, sha, sip, NULL, tip));
}

static struct rb_neigh_entry *neigh4(unsigned w, uint16_t port, uint32_t ip)
{
	uint32_t be = rte_cpu_to_be_32(ip);

	return rb_neigh_lookup(fx_lc(w), port, AF_INET, (const uint8_t *)&be);
}

static void check_arp_reply(const struct fx_frame *f, uint16_t port, int want_vlan,
			    const struct rte_ether_addr *peer, uint32_t peer_ip, uint32_t our_ip)
{
	uint16_t type;
	int vlan;
	uint16_t off = fx_l3_off(f, &type, &vlan);
	const struct rte_ether_hdr *eh = (const void *)f->data;
	const struct rte_arp_hdr *ah = (const void *)(f->data + off);

	CU_ASSERT_EQUAL(type, RTE_ETHER_TYPE_ARP);
	CU_ASSERT_EQUAL(vlan, want_vlan);
	CU_ASSERT_EQUAL(f->len, off + sizeof(*ah));
	CU_ASSERT(rte_is_same_ether_addr(&eh->dst_addr, peer));
	CU_ASSERT(rte_is_same_ether_addr(&eh->src_addr, &fx_dp->ports[port].mac));
	CU_ASSERT_EQUAL(ah->arp_hardware, rte_cpu_to_be_16(RTE_ARP_HRD_ETHER));
	CU_ASSERT_EQUAL(ah->arp_protocol, rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4));
	CU_ASSERT_EQUAL(ah->arp_hlen, 6);
	CU_ASSERT_EQUAL(ah->arp_plen, 4);
	CU_ASSERT_EQUAL(ah->arp_opcode, rte_cpu_to_be_16(RTE_ARP_OP_REPLY));
	CU_ASSERT(rte_is_same_ether_addr(&ah->arp_data.arp_sha, &fx_dp->ports[port].mac));
	CU_ASSERT_EQUAL(ah->arp_data.arp_sip, rte_cpu_to_be_32(our_ip));
	CU_ASSERT(rte_is_same_ether_addr(&ah->arp_data.arp_tha, peer));
	CU_ASSERT_EQUAL(ah->arp_data.arp_tip, rte_cpu_to_be_32(peer_ip));
}

static void test_arp_request_for_us(void)
{
	struct rte_ether_addr peer = fx_peer_mac(NET_P_A, 77);
	uint32_t peer_ip = fx_ip("10.1.0.77"), our = fx_ip("10.1.0.1");
	uint8_t buf[128];
	struct fx_frame out[2];
	struct fx_snap s;
	struct rb_neigh_entry *e;

	fx_snap_take(&s);
	fx_inject(NET_P_A, buf, arp_frame(buf, NET_P_A, 1, RTE_ARP_OP_REQUEST, &peer, peer_ip, our));
	CU_ASSERT_EQUAL_FATAL(fx_collect(NET_P_A, out, 2), 1);
	check_arp_reply(&out[0], NET_P_A, FX_NO_VLAN, &peer, peer_ip, our);
	CU_ASSERT_EQUAL(fx_collect_all(), 0);
	CU_ASSERT_EQUAL(fx_snap_drops(&s), 0);
	CU_ASSERT_EQUAL(fx_snap_event(&s, RB_EV_ARP_REQUEST_RX), 1);
	CU_ASSERT_EQUAL(fx_snap_event(&s, RB_EV_ARP_REPLY_TX), 1);
	/* RFC 826: we are the target, so the sender is added. */
	e = neigh4(0, NET_P_A, peer_ip);
	CU_ASSERT_PTR_NOT_NULL_FATAL(e);
	CU_ASSERT_EQUAL(e->state, RB_NEIGH_REACHABLE);
	CU_ASSERT_EQUAL(memcmp(e->mac, peer.addr_bytes, 6), 0);

	/* Unicast request (a refresh) is answered as well; VLAN port in its tag. */
	fx_inject(NET_P_A, buf, arp_frame(buf, NET_P_A, 0, RTE_ARP_OP_REQUEST, &peer, peer_ip, our));
	CU_ASSERT_EQUAL(fx_collect(NET_P_A, out, 2), 1);
	peer = fx_peer_mac(NET_P_C, 20);
	fx_inject(NET_P_C, buf, arp_frame(buf, NET_P_C, 1, RTE_ARP_OP_REQUEST, &peer,
					  fx_ip("10.3.0.20"), fx_ip("10.3.0.1")));
	CU_ASSERT_EQUAL_FATAL(fx_collect(NET_P_C, out, 2), 1);
	check_arp_reply(&out[0], NET_P_C, 10, &peer, fx_ip("10.3.0.20"), fx_ip("10.3.0.1"));
	/* A request for port a's address arriving on port b is not for us there. */
	peer = fx_peer_mac(NET_P_B, 20);
	fx_snap_take(&s);
	fx_inject(NET_P_B, buf, arp_frame(buf, NET_P_B, 1, RTE_ARP_OP_REQUEST, &peer,
					  fx_ip("10.2.0.20"), our));
	NET_ASSERT_ONLY_DROP(&s, RB_DROP_ARP_NOT_FOR_US, 1);
	CU_ASSERT_EQUAL(fx_collect_all(), 0);
}

static void test_arp_not_for_us_merge(void)
{
	struct rte_ether_addr peer = fx_peer_mac(NET_P_A, 78), moved = fx_peer_mac(NET_P_A, 178);
	uint32_t ip78 = fx_ip("10.1.0.78"), ip79 = fx_ip("10.1.0.79"), other = fx_ip("10.1.0.99");
	uint8_t buf[128];
	struct fx_snap s;
	struct rb_neigh_entry *e;

	/* Not for us and not known: dropped, nothing learned. */
	fx_snap_take(&s);
	fx_inject(NET_P_A, buf, arp_frame(buf, NET_P_A, 1, RTE_ARP_OP_REQUEST, &peer, ip79, other));
	NET_ASSERT_ONLY_DROP(&s, RB_DROP_ARP_NOT_FOR_US, 1);
	CU_ASSERT_PTR_NULL(neigh4(0, NET_P_A, ip79));
	CU_ASSERT_EQUAL(fx_snap_event(&s, RB_EV_NEIGH_LEARNED), 0);

	/* Known sender (learned from a request to us) changes its MAC in a
	 * request for someone else: merged (updated), still dropped. */
	fx_inject(NET_P_A, buf,
		  arp_frame(buf, NET_P_A, 1, RTE_ARP_OP_REQUEST, &peer, ip78, fx_ip("10.1.0.1")));
	CU_ASSERT_EQUAL(fx_collect(NET_P_A, NULL, 0), 1);
	e = neigh4(0, NET_P_A, ip78);
	CU_ASSERT_PTR_NOT_NULL_FATAL(e);
	fx_snap_take(&s);
	fx_inject(NET_P_A, buf, arp_frame(buf, NET_P_A, 1, RTE_ARP_OP_REQUEST, &moved, ip78, other));
	NET_ASSERT_ONLY_DROP(&s, RB_DROP_ARP_NOT_FOR_US, 1);
	CU_ASSERT_EQUAL(fx_snap_event(&s, RB_EV_NEIGH_LEARNED), 1);
	CU_ASSERT_EQUAL(memcmp(e->mac, moved.addr_bytes, 6), 0);
	CU_ASSERT_EQUAL(fx_collect_all(), 0);

	/* An unsolicited reply addressed to us is learned and consumed. */
	fx_snap_take(&s);
	fx_inject(NET_P_A, buf,
		  arp_frame(buf, NET_P_A, 0, RTE_ARP_OP_REPLY, &peer, ip79, fx_ip("10.1.0.1")));
	CU_ASSERT_EQUAL(fx_snap_drops(&s), 0);
	CU_ASSERT_EQUAL(fx_snap_event(&s, RB_EV_ARP_REPLY_RX), 1);
	CU_ASSERT_PTR_NOT_NULL(neigh4(0, NET_P_A, ip79));
	CU_ASSERT_EQUAL(fx_collect_all(), 0);
	/* Static entries are never overwritten by ARP. */
	e = neigh4(0, NET_P_A, fx_ip("10.1.0.2"));
	CU_ASSERT_PTR_NOT_NULL_FATAL(e);
	fx_inject(NET_P_A, buf, arp_frame(buf, NET_P_A, 1, RTE_ARP_OP_REQUEST, &moved,
					  fx_ip("10.1.0.2"), fx_ip("10.1.0.1")));
	CU_ASSERT_EQUAL(e->state, RB_NEIGH_STATIC);
	CU_ASSERT_EQUAL(e->mac[5], 2);
	fx_collect_all();
}

enum { ARPX_HRD, ARPX_PRO, ARPX_HLEN, ARPX_PLEN, ARPX_OP, ARPX_SHORT, ARPX_SIP_OURS,
       ARPX_SHA_MCAST, ARPX_SHA_ZERO, ARPX_SIP_LOOP, ARPX_SIP_MCAST, ARPX_SIP_BCAST };

static const struct {
	const char *name;
	int what;
	enum rb_drop drop;
} arp_bad[] = {
	{"hardware type 6", ARPX_HRD, RB_DROP_ARP_MALFORMED},
	{"protocol IPv6", ARPX_PRO, RB_DROP_ARP_MALFORMED},
	{"hlen 8", ARPX_HLEN, RB_DROP_ARP_MALFORMED},
	{"plen 16", ARPX_PLEN, RB_DROP_ARP_MALFORMED},
	{"opcode 3 (RARP)", ARPX_OP, RB_DROP_ARP_MALFORMED},
	{"27 bytes", ARPX_SHORT, RB_DROP_ARP_MALFORMED},
	{"sender claims our address", ARPX_SIP_OURS, RB_DROP_ARP_BAD_SENDER},
	{"multicast sender MAC", ARPX_SHA_MCAST, RB_DROP_ARP_BAD_SENDER},
	{"zero sender MAC", ARPX_SHA_ZERO, RB_DROP_ARP_BAD_SENDER},
	{"loopback sender", ARPX_SIP_LOOP, RB_DROP_ARP_BAD_SENDER},
	{"multicast sender", ARPX_SIP_MCAST, RB_DROP_ARP_BAD_SENDER},
	{"broadcast sender", ARPX_SIP_BCAST, RB_DROP_ARP_BAD_SENDER},
};

static void test_arp_bad(void)
{
	for (size_t i = 0; i < RTE_DIM(arp_bad); i++) {
		NET_CASE_START();
		struct rte_ether_addr peer = fx_peer_mac(NET_P_A, 80);
		uint8_t buf[128];
		uint16_t len = arp_frame(buf, NET_P_A, 1, RTE_ARP_OP_REQUEST, &peer,
					 fx_ip("10.1.0.80"), fx_ip("10.1.0.1"));
		struct rte_arp_hdr *ah = (struct rte_arp_hdr *)(buf + 14);
		struct fx_snap s;

		switch (arp_bad[i].what) {
		case ARPX_HRD: ah->arp_hardware = rte_cpu_to_be_16(6); break;
		case ARPX_PRO: ah->arp_protocol = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV6); break;
		case ARPX_HLEN: ah->arp_hlen = 8; break;
		case ARPX_PLEN: ah->arp_plen = 16; break;
		case ARPX_OP: ah->arp_opcode = rte_cpu_to_be_16(3); break;
		case ARPX_SHORT: len = 14 + 27; break;
		case ARPX_SIP_OURS: ah->arp_data.arp_sip = rte_cpu_to_be_32(fx_ip("10.1.0.1")); break;
		case ARPX_SHA_MCAST: ah->arp_data.arp_sha.addr_bytes[0] = 0x01; break;
		case ARPX_SHA_ZERO: memset(&ah->arp_data.arp_sha, 0, 6); break;
		case ARPX_SIP_LOOP: ah->arp_data.arp_sip = rte_cpu_to_be_32(fx_ip("127.0.0.1")); break;
		case ARPX_SIP_MCAST: ah->arp_data.arp_sip = rte_cpu_to_be_32(fx_ip("224.0.0.1")); break;
		case ARPX_SIP_BCAST: ah->arp_data.arp_sip = 0xffffffff; break;
		}
		fx_snap_take(&s);
		fx_inject(NET_P_A, buf, len);
		NET_ASSERT_ONLY_DROP(&s, arp_bad[i].drop, 1);
		CU_ASSERT_EQUAL(fx_collect_all(), 0);
		CU_ASSERT_EQUAL(fx_snap_event(&s, RB_EV_NEIGH_LEARNED), 0);
		NET_CASE_END(arp_bad[i].name);
	}
	/* RFC 5227 probe (sender 0.0.0.0): answered, never learned. */
	{
		struct rte_ether_addr peer = fx_peer_mac(NET_P_A, 81);
		uint8_t buf[128];
		struct fx_frame out[2];
		struct fx_snap s;
		uint32_t zero = 0;

		fx_snap_take(&s);
		fx_inject(NET_P_A, buf, arp_frame(buf, NET_P_A, 1, RTE_ARP_OP_REQUEST, &peer, 0,
						  fx_ip("10.1.0.1")));
		CU_ASSERT_EQUAL(fx_snap_drops(&s), 0);
		CU_ASSERT_EQUAL_FATAL(fx_collect(NET_P_A, out, 2), 1);
		check_arp_reply(&out[0], NET_P_A, FX_NO_VLAN, &peer, 0, fx_ip("10.1.0.1"));
		CU_ASSERT_PTR_NULL(rb_neigh_lookup(fx_lc(0), NET_P_A, AF_INET, (uint8_t *)&zero));
	}
}

/* ------------------------------------------------------------------ */
/* Neighbor resolution                                                  */

/* An echo request from 10.1.0.2 (port a) to dst, forwarded out of port b. */
static uint16_t fwd_frame(uint8_t *buf, uint32_t dst, uint16_t seq)
{
	return fx_frame_echo4(buf, NET_P_A, 2, fx_ip("10.1.0.2"), dst, 0x4242, seq, 32);
}

static void check_arp_request(const struct fx_frame *f, uint16_t port, uint32_t target)
{
	const struct rte_ether_hdr *eh = (const void *)f->data;
	const struct rte_arp_hdr *ah = (const void *)(f->data + 14);

	CU_ASSERT_EQUAL_FATAL(f->len, 14 + sizeof(*ah));
	CU_ASSERT(rte_is_broadcast_ether_addr(&eh->dst_addr));
	CU_ASSERT_EQUAL(eh->ether_type, rte_cpu_to_be_16(RTE_ETHER_TYPE_ARP));
	CU_ASSERT_EQUAL(ah->arp_opcode, rte_cpu_to_be_16(RTE_ARP_OP_REQUEST));
	CU_ASSERT(rte_is_same_ether_addr(&ah->arp_data.arp_sha, &fx_dp->ports[port].mac));
	CU_ASSERT_EQUAL(ah->arp_data.arp_sip, rte_cpu_to_be_32(port_addr4(port)));
	CU_ASSERT_EQUAL(ah->arp_data.arp_tip, rte_cpu_to_be_32(target));
}

static void test_resolve_then_send(void)
{
	uint32_t dst = fx_ip("10.2.0.50");
	struct rte_ether_addr mac = fx_peer_mac(NET_P_B, 50);
	uint8_t buf[256];
	struct fx_frame out[4];
	struct fx_snap s;

	fx_snap_take(&s);
	fx_inject(NET_P_A, buf, fwd_frame(buf, dst, 1));
	CU_ASSERT_EQUAL_FATAL(fx_collect(NET_P_B, out, 4), 1);
	check_arp_request(&out[0], NET_P_B, dst);
	CU_ASSERT_EQUAL(fx_collect_all(), 0);
	CU_ASSERT_EQUAL(fx_snap_drops(&s), 0);
	CU_ASSERT_EQUAL(fx_snap_event(&s, RB_EV_ARP_REQUEST_TX), 1);
	CU_ASSERT_EQUAL(neigh4(0, NET_P_B, dst)->state, RB_NEIGH_INCOMPLETE);
	CU_ASSERT_EQUAL(neigh4(0, NET_P_B, dst)->n_pending, 1);

	/* The reply releases the queued packet, addressed to the new MAC. */
	fx_inject(NET_P_B, buf,
		  arp_frame(buf, NET_P_B, 0, RTE_ARP_OP_REPLY, &mac, dst, fx_ip("10.2.0.1")));
	CU_ASSERT_EQUAL_FATAL(fx_collect(NET_P_B, out, 4), 1);
	{
		const struct rte_ether_hdr *eh = (const void *)out[0].data;
		const struct rte_ipv4_hdr *ih = (const void *)(eh + 1);

		CU_ASSERT(rte_is_same_ether_addr(&eh->dst_addr, &mac));
		CU_ASSERT(rte_is_same_ether_addr(&eh->src_addr, &fx_dp->ports[NET_P_B].mac));
		CU_ASSERT_EQUAL(ih->dst_addr, rte_cpu_to_be_32(dst));
		CU_ASSERT_EQUAL(ih->time_to_live, 63);
	}
	CU_ASSERT_EQUAL(fx_snap_drops(&s), 0);
	CU_ASSERT_EQUAL(neigh4(0, NET_P_B, dst)->state, RB_NEIGH_REACHABLE);
	/* Now resolved: the next packet goes straight out. */
	fx_inject(NET_P_A, buf, fwd_frame(buf, dst, 2));
	CU_ASSERT_EQUAL(fx_collect(NET_P_B, out, 4), 1);
	CU_ASSERT_EQUAL(out[0].data[12], 0x08);
	CU_ASSERT_EQUAL(out[0].data[13], 0x00);
}

static void test_resolve_queue_full(void)
{
	uint32_t dst = fx_ip("10.2.0.51");
	struct rte_ether_addr mac = fx_peer_mac(NET_P_B, 51);
	uint8_t buf[256];
	struct fx_frame out[8];
	struct fx_snap s;

	fx_snap_take(&s);
	for (uint16_t i = 0; i < RB_NEIGH_PENDING + 2; i++)
		fx_inject(NET_P_A, buf, fwd_frame(buf, dst, i));
	NET_ASSERT_ONLY_DROP(&s, RB_DROP_NEIGH_QUEUE_FULL, 2);
	CU_ASSERT_EQUAL(fx_collect(NET_P_B, out, 8), 1); /* one ARP request only */
	fx_inject(NET_P_B, buf,
		  arp_frame(buf, NET_P_B, 0, RTE_ARP_OP_REPLY, &mac, dst, fx_ip("10.2.0.1")));
	CU_ASSERT_EQUAL_FATAL(fx_collect(NET_P_B, out, 8), RB_NEIGH_PENDING);
	/* In order: the first four sequence numbers. */
	for (int i = 0; i < RB_NEIGH_PENDING; i++)
		CU_ASSERT_EQUAL(out[i].data[14 + 20 + 7], i);
	CU_ASSERT_EQUAL(fx_snap_drops(&s), 2);
}

static void test_resolve_timeout(void)
{
	uint32_t dst = fx_ip("10.2.0.52");
	uint8_t buf[256];
	struct fx_frame out[4];
	struct fx_snap s;
	struct rb_neigh_entry *e;

	fx_snap_take(&s);
	for (uint16_t i = 0; i < 3; i++)
		fx_inject(NET_P_A, buf, fwd_frame(buf, dst, i));
	CU_ASSERT_EQUAL(fx_collect(NET_P_B, out, 4), 1);
	/* Before the retransmit timer: nothing. */
	fx_advance_ms(500);
	rb_neigh_timer(fx_lc(0));
	CU_ASSERT_EQUAL(fx_collect_all(), 0);
	/* Probes 2 and 3, one per second. */
	for (int probe = 2; probe <= RB_NEIGH_PROBES; probe++) {
		fx_advance_ms(1000);
		rb_neigh_timer(fx_lc(0));
		CU_ASSERT_EQUAL_FATAL(fx_collect(NET_P_B, out, 4), 1);
		check_arp_request(&out[0], NET_P_B, dst);
		CU_ASSERT_EQUAL(fx_snap_drops(&s), 0);
	}
	/* No answer to the third: every queued packet is a no_neighbor drop. */
	fx_advance_ms(1000);
	rb_neigh_timer(fx_lc(0));
	NET_ASSERT_ONLY_DROP(&s, RB_DROP_NO_NEIGHBOR, 3);
	CU_ASSERT_EQUAL(fx_collect_all(), 0);
	CU_ASSERT_EQUAL(fx_snap_event(&s, RB_EV_ARP_REQUEST_TX), RB_NEIGH_PROBES);
	e = neigh4(0, NET_P_B, dst);
	CU_ASSERT_PTR_NOT_NULL_FATAL(e);
	CU_ASSERT_EQUAL(e->state, RB_NEIGH_FAILED);
	CU_ASSERT_EQUAL(e->n_pending, 0);
	/* While failed, new packets are dropped at once, without a request. */
	fx_inject(NET_P_A, buf, fwd_frame(buf, dst, 9));
	NET_ASSERT_ONLY_DROP(&s, RB_DROP_NO_NEIGHBOR, 4);
	CU_ASSERT_EQUAL(fx_collect_all(), 0);
	/* Later the failure is forgotten and resolution starts over. */
	fx_advance_ms(5000);
	rb_neigh_timer(fx_lc(0));
	CU_ASSERT_PTR_NULL(neigh4(0, NET_P_B, dst));
	fx_inject(NET_P_A, buf, fwd_frame(buf, dst, 10));
	CU_ASSERT_EQUAL(fx_collect(NET_P_B, out, 4), 1);
	check_arp_request(&out[0], NET_P_B, dst);
}

static void test_neigh_aging(void)
{
	uint32_t dst = fx_ip("10.2.0.53");
	struct rte_ether_addr mac = fx_peer_mac(NET_P_B, 53);
	uint8_t buf[256];
	struct rb_neigh_entry *e;
	uint64_t life_ms = (uint64_t)fx_dp->cfg->dp.neigh_timeout_s * 1000;

	fx_inject(NET_P_B, buf,
		  arp_frame(buf, NET_P_B, 0, RTE_ARP_OP_REPLY, &mac, dst, fx_ip("10.2.0.1")));
	e = neigh4(0, NET_P_B, dst);
	CU_ASSERT_PTR_NOT_NULL_FATAL(e);
	CU_ASSERT_EQUAL(e->state, RB_NEIGH_REACHABLE);
	fx_advance_ms(life_ms + 1);
	rb_neigh_timer(fx_lc(0));
	CU_ASSERT_EQUAL(e->state, RB_NEIGH_STALE);
	fx_collect_all(); /* probes for entries of earlier tests */
	/* A stale entry is still used, and re-probed. */
	fx_inject(NET_P_A, buf, fwd_frame(buf, dst, 1));
	{
		struct fx_frame out[3];

		CU_ASSERT_EQUAL_FATAL(fx_collect(NET_P_B, out, 3), 2);
		check_arp_request(&out[0], NET_P_B, dst);
		CU_ASSERT(rte_is_same_ether_addr((struct rte_ether_addr *)out[1].data, &mac));
	}
	/* Static entries never age. */
	fx_advance_ms(3 * life_ms);
	rb_neigh_timer(fx_lc(0));
	CU_ASSERT_EQUAL(neigh4(0, NET_P_B, fx_ip("10.2.0.2"))->state, RB_NEIGH_STATIC);
	CU_ASSERT_PTR_NULL(neigh4(0, NET_P_B, dst));
	fx_collect_all();
}

/* ------------------------------------------------------------------ */

static CU_TestInfo l2_tests[] = {
	{"ethernet and 802.1Q table", test_eth_table},
	{"ARP request for us", test_arp_request_for_us},
	{"ARP not for us, RFC 826 merge", test_arp_not_for_us_merge},
	{"ARP malformed and bad senders", test_arp_bad},
	{"resolution queues then sends", test_resolve_then_send},
	{"resolution queue bound", test_resolve_queue_full},
	{"resolution gives up after 3 probes", test_resolve_timeout},
	{"neighbor aging", test_neigh_aging},
	{"mbufs back in the pool", net_test_no_leak},
	CU_TEST_INFO_NULL,
};

static CU_SuiteInfo l2_suites[] = {
	{"l2", net_suite_init, net_suite_cleanup, NULL, NULL, l2_tests},
	CU_SUITE_INFO_NULL,
};

static int net_register(void)
{
	if (CU_register_suites(l2_suites) != CUE_SUCCESS || test_net_ip4_register() != 0 ||
	    test_net_frag_register() != 0 || test_net_fib_register() != 0)
		return -1;
	return 0;
}

int main(int argc, char **argv)
{
	(void)argc;
	return fx_cunit_main(argv[0], "test_net", net_register, 1);
}
