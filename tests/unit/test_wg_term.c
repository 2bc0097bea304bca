/* SPDX-License-Identifier: BSD-3-Clause */
/* dataplane/wireguard/term_parse.c: which decrypted packets terminated mode takes, table-driven. */
#include <stdint.h>
#include <string.h>
#include <netinet/in.h>
#include <CUnit/Basic.h>
#include <rte_ip.h>
#include <rte_udp.h>

#include "dataplane/tcp/tcp_wire.h"
#include "dataplane/wireguard/term_parse.h"

enum { F_FRAG = 1, F_BAD_IPSUM = 2, F_BAD_L4SUM = 4, F_ZERO_UDPSUM = 8, F_SPORT0 = 16,
       F_ULEN_BIG = 32, F_ULEN_SMALL = 64, F_TOT_BIG = 128, F_IHL_SMALL = 256 };

struct tcase {
	const char *name;
	int v6;
	uint8_t proto;
	uint16_t payload;      /* L4 bytes (header included) */
	unsigned flags;
	int cut;               /* bytes of the buffer not passed */
	enum wg_term_kind want;
	int icmp;              /* PASS results: wg_term_is_icmp */
};

static const struct tcase cases[] = {
	{"v4 TCP", 0, IPPROTO_TCP, 20, 0, 0, WG_TERM_TCP},
	{"v4 TCP with data", 0, IPPROTO_TCP, 120, 0, 0, WG_TERM_TCP},
	{"v4 TCP header cut short", 0, IPPROTO_TCP, 12, 0, 0, WG_TERM_BAD_L4},
	{"v4 UDP", 0, IPPROTO_UDP, 40, 0, 0, WG_TERM_UDP},
	{"v4 UDP zero checksum", 0, IPPROTO_UDP, 40, F_ZERO_UDPSUM, 0, WG_TERM_UDP},
	{"v4 UDP bad checksum", 0, IPPROTO_UDP, 40, F_BAD_L4SUM, 0, WG_TERM_BAD_L4},
	{"v4 UDP source port 0", 0, IPPROTO_UDP, 40, F_SPORT0, 0, WG_TERM_BAD_L4},
	{"v4 UDP length past the packet", 0, IPPROTO_UDP, 40, F_ULEN_BIG, 0, WG_TERM_BAD_L4},
	{"v4 UDP length below 8", 0, IPPROTO_UDP, 40, F_ULEN_SMALL, 0, WG_TERM_BAD_L4},
	{"v4 UDP header cut short", 0, IPPROTO_UDP, 6, F_ZERO_UDPSUM, 0, WG_TERM_BAD_L4},
	{"v4 ICMP passes", 0, IPPROTO_ICMP, 16, 0, 0, WG_TERM_PASS, 1},
	{"v4 ICMP fragment passes", 0, IPPROTO_ICMP, 64, F_FRAG, 0, WG_TERM_PASS, 1},
	{"v4 GRE passes, not ICMP", 0, 47, 16, 0, 0, WG_TERM_PASS, 0},
	{"v4 fragment passes", 0, IPPROTO_TCP, 40, F_FRAG, 0, WG_TERM_PASS},
	{"v4 bad header checksum", 0, IPPROTO_TCP, 20, F_BAD_IPSUM, 0, WG_TERM_BAD_IP},
	{"v4 total length past the buffer", 0, IPPROTO_TCP, 20, F_TOT_BIG, 0, WG_TERM_BAD_IP},
	{"v4 IHL below 5", 0, IPPROTO_TCP, 20, F_IHL_SMALL, 0, WG_TERM_BAD_IP},
	{"v4 buffer cut", 0, IPPROTO_UDP, 40, 0, 10, WG_TERM_BAD_IP},
	{"v6 TCP", 1, IPPROTO_TCP, 20, 0, 0, WG_TERM_TCP},
	{"v6 UDP", 1, IPPROTO_UDP, 30, 0, 0, WG_TERM_UDP},
	{"v6 UDP zero checksum is bad", 1, IPPROTO_UDP, 30, F_ZERO_UDPSUM, 0, WG_TERM_BAD_L4},
	{"v6 UDP bad checksum", 1, IPPROTO_UDP, 30, F_BAD_L4SUM, 0, WG_TERM_BAD_L4},
	{"v6 extension header passes", 1, 0 /* hop-by-hop */, 16, 0, 0, WG_TERM_PASS, 0},
	{"v6 ICMPv6 passes", 1, IPPROTO_ICMPV6, 16, 0, 0, WG_TERM_PASS, 1},
	{"v4 ICMPv6 number is not ICMP", 0, IPPROTO_ICMPV6, 16, 0, 0, WG_TERM_PASS, 0},
	{"v6 payload past the buffer", 1, IPPROTO_TCP, 20, 0, 4, WG_TERM_BAD_IP},
	{"too short for anything", 0, IPPROTO_TCP, 0, 0, 12, WG_TERM_PASS, 0},
};

static uint32_t build(const struct tcase *c, uint8_t *buf)
{
	uint32_t hl = c->v6 ? 40 : 20, tot = hl + c->payload;
	uint8_t *l4 = buf + hl;

	memset(buf, 0, 512);
	for (uint32_t i = 0; i < c->payload; i++)
		l4[i] = (uint8_t)(i * 7 + 1);
	if (c->v6) {
		struct rte_ipv6_hdr *ih = (struct rte_ipv6_hdr *)buf;

		ih->vtc_flow = rte_cpu_to_be_32(6u << 28);
		ih->payload_len = rte_cpu_to_be_16(c->payload);
		ih->proto = c->proto;
		ih->hop_limits = 64;
		ih->src_addr[0] = 0xfd;
		ih->src_addr[15] = 2;
		ih->dst_addr[0] = 0xfd;
		ih->dst_addr[1] = 0x02;
		ih->dst_addr[15] = 2;
	} else {
		struct rte_ipv4_hdr *ih = (struct rte_ipv4_hdr *)buf;

		ih->version_ihl = (c->flags & F_IHL_SMALL) ? 0x44 : 0x45;
		ih->total_length = rte_cpu_to_be_16((uint16_t)(tot + ((c->flags & F_TOT_BIG) ? 50 : 0)));
		ih->fragment_offset = rte_cpu_to_be_16((c->flags & F_FRAG) ? 0x2000 : 0);
		ih->time_to_live = 64;
		ih->next_proto_id = c->proto;
		ih->src_addr = rte_cpu_to_be_32(0x0a630002);
		ih->dst_addr = rte_cpu_to_be_32(0x0a020202);
		ih->hdr_checksum = rte_ipv4_cksum(ih);
		if (c->flags & F_BAD_IPSUM)
			ih->hdr_checksum ^= 0x0101;
	}
	if (c->proto == IPPROTO_TCP && c->payload >= TCP_HDR_LEN) {
		struct tcp_hdr *th = (struct tcp_hdr *)l4;

		th->off = 5 << 4;
	}
	if (c->proto == IPPROTO_UDP && c->payload >= 8) {
		struct rte_udp_hdr *uh = (struct rte_udp_hdr *)l4;

		uh->src_port = rte_cpu_to_be_16((c->flags & F_SPORT0) ? 0 : 4500);
		uh->dst_port = rte_cpu_to_be_16(53);
		uh->dgram_len = rte_cpu_to_be_16((uint16_t)((c->flags & F_ULEN_BIG) ? c->payload + 1
							   : (c->flags & F_ULEN_SMALL) ? 7 : c->payload));
		uh->dgram_cksum = 0;
		if (!(c->flags & F_ZERO_UDPSUM))
			uh->dgram_cksum = c->v6 ? rte_ipv6_udptcp_cksum((struct rte_ipv6_hdr *)buf, uh)
						: rte_ipv4_udptcp_cksum((struct rte_ipv4_hdr *)buf, uh);
		if (c->flags & F_BAD_L4SUM)
			uh->dgram_cksum ^= 0x0808;
	}
	return tot;
}

static void test_cases(void)
{
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct tcase *c = &cases[i];
		uint8_t buf[512];
		struct wg_term_pkt p;
		uint32_t len = build(c, buf);
		enum wg_term_kind k = wg_term_classify(buf, len - (uint32_t)c->cut, &p);

		if (k != c->want)
			fprintf(stderr, "case '%s': got %d, want %d\n", c->name, k, c->want);
		CU_ASSERT_EQUAL(k, c->want);
		if (k == WG_TERM_PASS) {
			if (wg_term_is_icmp(&p) != c->icmp)
				fprintf(stderr, "case '%s': is_icmp %d, want %d\n", c->name,
					wg_term_is_icmp(&p), c->icmp);
			CU_ASSERT_EQUAL(wg_term_is_icmp(&p), c->icmp);
		}
		if (k == WG_TERM_TCP || k == WG_TERM_UDP) {
			CU_ASSERT_EQUAL(p.v4, !c->v6);
			CU_ASSERT_EQUAL(p.hl, c->v6 ? 40 : 20);
			CU_ASSERT_EQUAL(p.tot, len);
		}
		if (k == WG_TERM_UDP) {
			CU_ASSERT_EQUAL(p.sport, 4500);
			CU_ASSERT_EQUAL(p.dport, 53);
			CU_ASSERT_EQUAL(p.ulen, c->payload);
		}
	}
}

int main(void)
{
	CU_pSuite s;
	unsigned fails;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("wg_term", NULL, NULL);
	CU_add_test(s, "terminated mode: classify", test_cases);
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	fails = CU_get_number_of_failures();
	CU_cleanup_registry();
	return fails ? 1 : 0;
}
