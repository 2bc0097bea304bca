/* SPDX-License-Identifier: BSD-3-Clause */
/* dataplane/wireguard/mss_clamp.c: the MSS clamp on IPv4/IPv6 TCP, table-driven. */
#include <stdint.h>
#include <string.h>
#include <netinet/in.h>
#include <CUnit/Basic.h>
#include <rte_ip.h>

#include "dataplane/tcp/tcp_wire.h"
#include "dataplane/wireguard/mss_clamp.h"

#define SYN TCP_SYN
#define ACK TCP_ACK

struct mcase {
	const char *name;
	int v6;
	uint8_t ihl_extra;      /* IPv4 option words (NOPs) */
	uint8_t proto;          /* 0 = TCP */
	uint16_t frag;          /* IPv4 fragment_offset field (host order) */
	uint8_t flags;
	uint8_t opts[40];
	uint8_t optlen;
	uint16_t mtu;
	int32_t cut;            /* bytes removed from the buffer's end (not from the header) */
	int want;               /* return value */
	uint16_t want_mss;      /* MSS after, 0 = not checked */
};

#define MSS(v) 2, 4, (uint8_t)((v) >> 8), (uint8_t)(v)

static const struct mcase cases[] = {
	{"v4 SYN 1460 -> 1368", 0, 0, 0, 0, SYN, {MSS(1460)}, 4, 1408, 0, 1, 1368},
	{"v4 SYN-ACK 1460 -> 1380", 0, 0, 0, 0, SYN | ACK, {MSS(1460)}, 4, 1420, 0, 1, 1380},
	{"v4 SYN 1300 fits", 0, 0, 0, 0, SYN, {MSS(1300)}, 4, 1408, 0, 0, 1300},
	{"v4 SYN exactly fits", 0, 0, 0, 0, SYN, {MSS(1368)}, 4, 1408, 0, 0, 1368},
	{"v4 ACK is not clamped", 0, 0, 0, 0, ACK, {MSS(1460)}, 4, 1408, 0, 0, 1460},
	{"v4 MSS after NOP/wscale/SACK-perm", 0, 0, 0, 0, SYN,
	 {1, 3, 3, 7, 4, 2, MSS(1460), 0, 0}, 12, 1408, 0, 1, 1368},
	{"v4 with IP options", 0, 1, 0, 0, SYN, {MSS(1460)}, 4, 1408, 0, 1, 1364},
	{"v4 fragment (MF)", 0, 0, 0, 0x2000, SYN, {MSS(1460)}, 4, 1408, 0, 0, 1460},
	{"v4 UDP", 0, 0, IPPROTO_UDP, 0, SYN, {MSS(1460)}, 4, 1408, 0, 0, 0},
	{"v4 no MSS option", 0, 0, 0, 0, SYN, {1, 1, 1, 1}, 4, 1408, 0, 0, 0},
	{"v4 option length 0 stops", 0, 0, 0, 0, SYN, {8, 0, MSS(1460), 0, 0}, 8, 1408, 0, 0,
	 1460},
	{"v4 option past the header", 0, 0, 0, 0, SYN, {1, 1, 8, 10}, 4, 1408, 0, 0, 0},
	{"v4 MSS of length 3", 0, 0, 0, 0, SYN, {2, 3, 5, 0}, 4, 1408, 0, 0, 0},
	{"v4 truncated buffer", 0, 0, 0, 0, SYN, {MSS(1460)}, 4, 1408, 2, 0, 0},
	{"v4 tiny MTU", 0, 0, 0, 0, SYN, {MSS(1460)}, 4, 40, 0, 0, 1460},
	{"v6 SYN 1440 -> 1348", 1, 0, 0, 0, SYN, {MSS(1440)}, 4, 1408, 0, 1, 1348},
	{"v6 SYN 1200 fits", 1, 0, 0, 0, SYN, {MSS(1200)}, 4, 1408, 0, 0, 1200},
	{"v6 UDP", 1, 0, IPPROTO_UDP, 0, SYN, {MSS(1440)}, 4, 1408, 0, 0, 0},
};

/* Builds the packet; returns its length (before the cut) and the TCP offset. */
static uint32_t build(const struct mcase *c, uint8_t *buf, uint32_t *tcp_off)
{
	uint32_t hl = c->v6 ? 40 : 20 + 4u * c->ihl_extra, thl = TCP_HDR_LEN + c->optlen;
	uint32_t tot = hl + thl;
	struct tcp_hdr *th;

	memset(buf, 0, 256);
	if (c->v6) {
		struct rte_ipv6_hdr *ih = (struct rte_ipv6_hdr *)buf;

		ih->vtc_flow = rte_cpu_to_be_32(6u << 28);
		ih->payload_len = rte_cpu_to_be_16((uint16_t)thl);
		ih->proto = c->proto ? c->proto : IPPROTO_TCP;
		ih->hop_limits = 64;
		ih->src_addr[0] = 0xfd;
		ih->src_addr[15] = 2;
		ih->dst_addr[0] = 0xfd;
		ih->dst_addr[15] = 1;
	} else {
		struct rte_ipv4_hdr *ih = (struct rte_ipv4_hdr *)buf;

		ih->version_ihl = (uint8_t)(0x40 | (hl / 4));
		ih->total_length = rte_cpu_to_be_16((uint16_t)tot);
		ih->fragment_offset = rte_cpu_to_be_16(c->frag);
		ih->time_to_live = 64;
		ih->next_proto_id = c->proto ? c->proto : IPPROTO_TCP;
		ih->src_addr = rte_cpu_to_be_32(0x0a630002);
		ih->dst_addr = rte_cpu_to_be_32(0x0a020202);
		memset(buf + 20, 1, hl - 20);
		ih->hdr_checksum = rte_ipv4_cksum(ih);
	}
	th = (struct tcp_hdr *)(buf + hl);
	th->sport = rte_cpu_to_be_16(40000);
	th->dport = rte_cpu_to_be_16(80);
	th->seq = rte_cpu_to_be_32(12345);
	th->off = (uint8_t)((thl / 4) << 4);
	th->flags = c->flags;
	th->win = rte_cpu_to_be_16(65535);
	memcpy(th + 1, c->opts, c->optlen);
	th->cksum = c->v6 ? rte_ipv6_udptcp_cksum((struct rte_ipv6_hdr *)buf, th)
			  : rte_ipv4_udptcp_cksum((struct rte_ipv4_hdr *)buf, th);
	*tcp_off = hl;
	return tot;
}

static uint16_t find_mss(const uint8_t *o, uint32_t len)
{
	for (uint32_t i = 0; i + 4 <= len; i++)
		if (o[i] == 2 && o[i + 1] == 4)
			return (uint16_t)(o[i + 2] << 8 | o[i + 3]);
	return 0;
}

static void test_cases(void)
{
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct mcase *c = &cases[i];
		uint8_t buf[256], before[256];
		uint32_t off, len = build(c, buf, &off);
		int r;

		memcpy(before, buf, sizeof(buf));
		r = wg_mss_clamp_buf(buf, len - (uint32_t)c->cut, c->mtu);
		if (r != c->want)
			fprintf(stderr, "case '%s': returned %d, want %d\n", c->name, r, c->want);
		CU_ASSERT_EQUAL(r, c->want);
		if (c->want_mss)
			CU_ASSERT_EQUAL(find_mss(buf + off + TCP_HDR_LEN, c->optlen), c->want_mss);
		if (r == 0) {
			CU_ASSERT(memcmp(before, buf, sizeof(buf)) == 0); /* untouched */
			continue;
		}
		/* the TCP checksum is right again */
		if (c->v6) {
			CU_ASSERT_EQUAL(rte_ipv6_udptcp_cksum_verify((struct rte_ipv6_hdr *)buf,
								     buf + off), 0);
		} else {
			CU_ASSERT_EQUAL(rte_ipv4_udptcp_cksum_verify((struct rte_ipv4_hdr *)buf,
								     buf + off), 0);
		}
		/* and nothing but the MSS value and the checksum changed */
		{
			uint8_t want[256];
			const uint8_t *o = before + off + TCP_HDR_LEN;
			uint32_t k = 0;

			while (k + 4 <= c->optlen && !(o[k] == 2 && o[k + 1] == 4))
				k++;
			memcpy(want, before, sizeof(want));
			want[off + TCP_HDR_LEN + k + 2] = (uint8_t)(c->want_mss >> 8);
			want[off + TCP_HDR_LEN + k + 3] = (uint8_t)c->want_mss;
			want[off + 16] = buf[off + 16];
			want[off + 17] = buf[off + 17];
			CU_ASSERT(memcmp(want, buf, sizeof(buf)) == 0);
		}
	}
}

int main(void)
{
	CU_pSuite s;
	unsigned fails;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("wg_mss", NULL, NULL);
	CU_add_test(s, "MSS clamp", test_cases);
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	fails = CU_get_number_of_failures();
	CU_cleanup_registry();
	return fails ? 1 : 0;
}
