/* SPDX-License-Identifier: BSD-3-Clause */
/* dataplane/wireguard/mss_clamp.c: the MSS clamp on IPv4/IPv6 TCP, table-driven. */
#include <stdint.h>
#include <string.h>
#include <netinet/in.h>
#include <CUnit/Basic.h>
#include <rte_ip.h>

#include "dataplane/tcp/tcp_wire.h"
#include "dataplane/net/ip6_ext.h"
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
	uint8_t ext_nh;         /* IPv6: the first extension header's type (0 = none) */
	uint8_t ext[40];        /* ... and the chain, Next Header fields included */
	uint8_t extlen;
	uint8_t bad_cksum;      /* the SYN's checksum is wrong before the clamp */
};

#define MSS(v) 2, 4, (uint8_t)((v) >> 8), (uint8_t)(v)
/* RFC 8200 4.3-4.5 headers (8 octets each; PadN fills the option area) */
#define HBH(nh)      (nh), 0, 1, 4, 0, 0, 0, 0
#define DSTOPT(nh)   (nh), 0, 1, 4, 0, 0, 0, 0
#define RH0(nh)      (nh), 0, 0, 0, 0, 0, 0, 0          /* Segments Left 0 */
#define FRAG(nh, mf) (nh), 0, 0, (mf), 0, 0, 0, 7       /* offset 0 */
#define TCP6 IPPROTO_TCP
/* an unrecognized option whose action is "discard" (RFC 8200 4.2: 10xxxxxx) */
#define HBH_DISCARD(nh) (nh), 0, 0x81, 4, 0, 0, 0, 0

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
	/* MSS value at an odd offset (after one NOP): RFC 1624 with swapped bytes */
	{"v4 MSS at an odd offset", 0, 0, 0, 0, SYN, {1, MSS(1460), 1, 1, 1}, 8, 1408, 0, 1, 1368},
	{"v6 MSS at an odd offset", 1, 0, 0, 0, SYN, {1, MSS(1440), 1, 1, 1}, 8, 1408, 0, 1, 1348},
	/* incremental (RFC 1624): a wrong checksum stays wrong */
	{"v4 bad checksum stays bad", 0, 0, 0, 0, SYN, {MSS(1460)}, 4, 1408, 0, 1, 1368, .bad_cksum = 1},
	{"v6 bad checksum stays bad", 1, 0, 0, 0, SYN, {MSS(1440)}, 4, 1408, 0, 1, 1348, .bad_cksum = 1},
	/* IPv6 extension headers (RFC 8200 4): the MTU less the whole chain */
	{"v6 behind Hop-by-Hop", 1, 0, 0, 0, SYN, {MSS(1440)}, 4, 1408, 0, 1, 1340,
	 RB_IP6_NH_HOPOPTS, {HBH(TCP6)}, 8},
	{"v6 behind Destination Options + Routing (0 left)", 1, 0, 0, 0, SYN, {MSS(1440)}, 4, 1408,
	 0, 1, 1332, RB_IP6_NH_DSTOPTS, {DSTOPT(RB_IP6_NH_ROUTING), RH0(TCP6)}, 16},
	{"v6 behind Hop-by-Hop + Dest + Dest + Routing", 1, 0, 0, 0, SYN, {1, MSS(1440), 1, 1, 1},
	 8, 1408, 0, 1, 1316, RB_IP6_NH_HOPOPTS,
	 {HBH(RB_IP6_NH_DSTOPTS), DSTOPT(RB_IP6_NH_DSTOPTS), DSTOPT(RB_IP6_NH_ROUTING), RH0(TCP6)},
	 32},
	{"v6 behind an atomic fragment (RFC 6946)", 1, 0, 0, 0, SYN, {MSS(1440)}, 4, 1408, 0, 1, 1340,
	 RB_IP6_NH_FRAGMENT, {FRAG(TCP6, 0)}, 8},
	{"v6 discard option: clamped, the destination acts on it", 1, 0, 0, 0, SYN, {MSS(1440)}, 4,
	 1408, 0, 1, 1340, RB_IP6_NH_HOPOPTS, {HBH_DISCARD(TCP6)}, 8},
	{"v6 behind a fragment (more follow)", 1, 0, 0, 0, SYN, {MSS(1440)}, 4, 1408, 0, 0, 1440,
	 RB_IP6_NH_FRAGMENT, {FRAG(TCP6, 1)}, 8},
	{"v6 behind AH (its ICV covers the segment)", 1, 0, 0, 0, SYN, {MSS(1440)}, 4, 1408, 0, 0,
	 1440, RB_IP6_NH_AH, {TCP6, 2, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0}, 16},
	{"v6 chain to UDP", 1, 0, 0, 0, SYN, {MSS(1440)}, 4, 1408, 0, 0, 1440, RB_IP6_NH_HOPOPTS,
	 {HBH(IPPROTO_UDP)}, 8},
	{"v6 Hop-by-Hop not first", 1, 0, 0, 0, SYN, {MSS(1440)}, 4, 1408, 0, 0, 1440,
	 RB_IP6_NH_DSTOPTS, {DSTOPT(RB_IP6_NH_HOPOPTS), HBH(TCP6)}, 16},
	{"v6 chain past the packet", 1, 0, 0, 0, SYN, {MSS(1440)}, 4, 1408, 0, 0, 1440, RB_IP6_NH_HOPOPTS,
	 {TCP6, 9, 1, 4, 0, 0, 0, 0}, 8},
	{"v6 chain truncated buffer", 1, 0, 0, 0, SYN, {MSS(1440)}, 4, 1408, 30, 0, 0, RB_IP6_NH_HOPOPTS,
	 {HBH(TCP6)}, 8},
	{"v6 chain leaves no room in the MTU", 1, 0, 0, 0, SYN, {MSS(1440)}, 4, 68, 0, 0, 1440,
	 RB_IP6_NH_HOPOPTS, {HBH(TCP6)}, 8},
};

/* The TCP checksum of the segment at buf + hl (RFC 9293 3.1; over IPv6 the
 * pseudo-header's length is the upper layer's, RFC 8200 8.1): 0 when it
 * verifies if the field holds it already. */
static uint16_t tcp_cksum(const uint8_t *buf, uint32_t hl, uint32_t tot, int v6)
{
	if (v6) {
		struct rte_ipv6_hdr h;

		memcpy(&h, buf, sizeof(h));
		h.payload_len = rte_cpu_to_be_16((uint16_t)(tot - hl));
		h.proto = IPPROTO_TCP;
		return rte_ipv6_udptcp_cksum(&h, buf + hl);
	}
	return rte_ipv4_udptcp_cksum((const struct rte_ipv4_hdr *)buf, buf + hl);
}

/* Builds the packet; returns its length (before the cut) and the TCP offset. */
static uint32_t build(const struct mcase *c, uint8_t *buf, uint32_t *tcp_off)
{
	uint32_t hl = c->v6 ? 40u + c->extlen : 20 + 4u * c->ihl_extra,
		 thl = TCP_HDR_LEN + c->optlen;
	uint32_t tot = hl + thl;
	struct tcp_hdr *th;

	memset(buf, 0, 256);
	if (c->v6) {
		struct rte_ipv6_hdr *ih = (struct rte_ipv6_hdr *)buf;

		ih->vtc_flow = rte_cpu_to_be_32(6u << 28);
		ih->payload_len = rte_cpu_to_be_16((uint16_t)(c->extlen + thl));
		ih->proto = c->extlen ? c->ext_nh : c->proto ? c->proto : IPPROTO_TCP;
		memcpy(buf + 40, c->ext, c->extlen);
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
	th->cksum = 0;
	th->cksum = tcp_cksum(buf, hl, tot, c->v6);
	if (c->bad_cksum)
		th->cksum ^= 0x0101;
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
		/* the TCP checksum is right again (a wrong one stays wrong) */
		{
			struct tcp_hdr *th = (struct tcp_hdr *)(buf + off);
			uint16_t got = th->cksum, want;

			th->cksum = 0;
			want = tcp_cksum(buf, off, len, c->v6);
			th->cksum = got;
			if ((got == want) != !c->bad_cksum)
				fprintf(stderr, "case '%s': checksum %04x, right %04x\n", c->name,
					got, want);
			CU_ASSERT_EQUAL(got == want, !c->bad_cksum);
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
