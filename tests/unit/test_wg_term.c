/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dataplane/wireguard/term_parse.c: which decrypted packets terminated mode
 * takes, table-driven; IPv6 extension header chains (net/ip6_ext.c, as
 * terminated mode walks them) in their own table.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <CUnit/Basic.h>
#include <rte_ip.h>
#include <rte_udp.h>

#include "dataplane/tcp/tcp_wire.h"
#include "dataplane/wireguard/term_parse.h"

enum { F_FRAG = 1, F_BAD_IPSUM = 2, F_BAD_L4SUM = 4, F_ZERO_UDPSUM = 8, F_SPORT0 = 16,
       F_ULEN_BIG = 32, F_ULEN_SMALL = 64, F_TOT_BIG = 128, F_IHL_SMALL = 256,
       F_LATER = 512 /* a later fragment: offset 16 octets, the last */ };

struct tcase {
	const char *name;
	int v6;
	uint8_t proto;
	uint16_t payload;      /* L4 bytes (header included) */
	unsigned flags;
	int cut;               /* bytes of the buffer not passed */
	enum wg_term_kind want;
	int icmp;              /* PASS results: wg_term_is_icmp */
	int fragl4;            /* PASS results: wg_term_frag_l4 (reassembled for termination) */
	uint32_t seg;          /* wg_term_classify_seg: bytes in the first segment (0: classify) */
	int todo;              /* UDP: the checksum left to the caller */
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
	{"v4 TCP fragment passes, reassembled", 0, IPPROTO_TCP, 40, F_FRAG, 0, WG_TERM_PASS, 0, 1},
	{"v4 UDP first fragment, reassembled", 0, IPPROTO_UDP, 40, F_FRAG, 0, WG_TERM_PASS, 0, 1},
	{"v4 UDP later fragment, reassembled", 0, IPPROTO_UDP, 40, F_LATER, 0, WG_TERM_PASS, 0, 1},
	{"v4 GRE fragment: not reassembled", 0, 47, 40, F_FRAG, 0, WG_TERM_PASS, 0, 0},
	/* a reassembled datagram: a chain whose first segment holds the headers */
	{"v4 UDP in a chain: checksum to the caller", 0, IPPROTO_UDP, 400, 0, 0, WG_TERM_UDP, 0, 0,
	 100, 1},
	{"v4 UDP in a chain, bad checksum: to the caller", 0, IPPROTO_UDP, 400, F_BAD_L4SUM, 0,
	 WG_TERM_UDP, 0, 0, 100, 1},
	{"v4 UDP all in the first segment: checked", 0, IPPROTO_UDP, 400, F_BAD_L4SUM, 0,
	 WG_TERM_BAD_L4, 0, 0, 420, 0},
	{"v4 UDP header past the first segment", 0, IPPROTO_UDP, 400, 0, 0, WG_TERM_BAD_L4, 0, 0,
	 24},
	{"v4 UDP length past the chain", 0, IPPROTO_UDP, 400, F_ULEN_BIG, 0, WG_TERM_BAD_L4, 0, 0,
	 100},
	{"v4 TCP in a chain", 0, IPPROTO_TCP, 400, 0, 0, WG_TERM_TCP, 0, 0, 40},
	{"v4 TCP header past the first segment", 0, IPPROTO_TCP, 400, 0, 0, WG_TERM_BAD_L4, 0, 0,
	 39},
	{"v4 total length past the chain", 0, IPPROTO_TCP, 400, F_TOT_BIG, 0, WG_TERM_BAD_IP, 0, 0,
	 100},
	{"v6 UDP in a chain: checksum to the caller", 1, IPPROTO_UDP, 300, 0, 0, WG_TERM_UDP, 0, 0,
	 60, 1},
	{"v6 UDP header past the first segment", 1, IPPROTO_UDP, 300, 0, 0, WG_TERM_BAD_L4, 0, 0,
	 47},
	{"v6 TCP in a chain", 1, IPPROTO_TCP, 300, 0, 0, WG_TERM_TCP, 0, 0, 60},
	{"v4 bad header checksum", 0, IPPROTO_TCP, 20, F_BAD_IPSUM, 0, WG_TERM_BAD_IP},
	{"v4 total length past the buffer", 0, IPPROTO_TCP, 20, F_TOT_BIG, 0, WG_TERM_BAD_IP},
	{"v4 IHL below 5", 0, IPPROTO_TCP, 20, F_IHL_SMALL, 0, WG_TERM_BAD_IP},
	{"v4 buffer cut", 0, IPPROTO_UDP, 40, 0, 10, WG_TERM_BAD_IP},
	{"v6 TCP", 1, IPPROTO_TCP, 20, 0, 0, WG_TERM_TCP},
	{"v6 UDP", 1, IPPROTO_UDP, 30, 0, 0, WG_TERM_UDP},
	{"v6 UDP zero checksum is bad", 1, IPPROTO_UDP, 30, F_ZERO_UDPSUM, 0, WG_TERM_BAD_L4},
	{"v6 UDP bad checksum", 1, IPPROTO_UDP, 30, F_BAD_L4SUM, 0, WG_TERM_BAD_L4},
	{"v6 extension header cut short", 1, 0 /* hop-by-hop, length 72 */, 16, 0, 0,
	 WG_TERM_BAD_EXT},
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
		ih->fragment_offset = rte_cpu_to_be_16((c->flags & F_FRAG)    ? 0x2000
						       : (c->flags & F_LATER) ? 0x0002
									      : 0);
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
		enum wg_term_kind k = c->seg ? wg_term_classify_seg(buf, c->seg, len, &p)
					     : wg_term_classify(buf, len - (uint32_t)c->cut, &p);

		if (k != c->want)
			fprintf(stderr, "case '%s': got %d, want %d\n", c->name, k, c->want);
		CU_ASSERT_EQUAL(k, c->want);
		if (k == WG_TERM_PASS) {
			if (wg_term_frag_l4(buf, &p) != c->fragl4)
				fprintf(stderr, "case '%s': frag_l4 %d, want %d\n", c->name,
					wg_term_frag_l4(buf, &p), c->fragl4);
			CU_ASSERT_EQUAL(wg_term_frag_l4(buf, &p), c->fragl4);
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
			CU_ASSERT_EQUAL(p.cksum_todo, c->todo);
			CU_ASSERT_EQUAL(p.sport, 4500);
			CU_ASSERT_EQUAL(p.dport, 53);
			CU_ASSERT_EQUAL(p.ulen, c->payload);
		}
	}
}

/* ---- IPv6 extension header chains ---- */

/* hex digits (spaces ignored) into b; the byte count */
static uint32_t unhex(const char *h, uint8_t *b)
{
	uint32_t n = 0;
	int hi = -1;

	for (; *h; h++) {
		int v = *h >= '0' && *h <= '9' ? *h - '0' : *h >= 'a' && *h <= 'f' ? *h - 'a' + 10 : -1;

		if (v < 0)
			continue;
		if (hi < 0) {
			hi = v;
		} else {
			b[n++] = (uint8_t)(hi << 4 | v);
			hi = -1;
		}
	}
	return n;
}

/* RFC 8200 8.1 by hand: pseudo-header (upper-layer length, next header) + data */
static uint16_t sum6(const uint8_t *ip, uint32_t ulen, uint8_t nh, const uint8_t *d)
{
	uint32_t s = 0;

	for (int i = 8; i < 40; i += 2)
		s += (uint32_t)(ip[i] << 8 | ip[i + 1]);
	s += ulen >> 16;
	s += ulen & 0xffff;
	s += nh;
	for (uint32_t i = 0; i < ulen; i += 2)
		s += (uint32_t)(d[i] << 8 | (i + 1 < ulen ? d[i + 1] : 0));
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

enum { X_BADSUM = 1,  /* UDP checksum over the IPv6 payload length (ext headers counted) */
       X_SHORTPL = 2 /* payload length ends 8 octets into the chain */ };

struct xcase {
	const char *name;
	uint8_t nh;            /* the fixed header's Next Header */
	const char *ext;       /* the chain, hex; its last Next Header names `up` */
	uint8_t up;            /* what follows: TCP, UDP, ICMPv6 echo, or bytes */
	unsigned flags;
	enum wg_term_kind want;
	uint16_t hl;           /* TCP/UDP and ICMP: offset of the upper layer (fragment header) */
	int icmp, frag;        /* PASS: wg_term_is_icmp, a fragment */
	uint8_t why;           /* BAD_EXT */
	int pp;                /* BAD_EXT: Parameter Problem code, -1 none */
	uint32_t ptr;          /* ... and its pointer */
	int fragl4;            /* PASS: wg_term_frag_l4 (a fragment of TCP/UDP, reassembled) */
};

#define D8 "3c00 0104 00000000 "   /* Destination Options, PadN: Next Header 60 */
#define OK_ 0, -1, 0

static const struct xcase xcases[] = {
	{"hbh + udp", 0, "1100 0104 00000000", 17, 0, WG_TERM_UDP, 48, 0, 0, OK_},
	{"hbh + tcp", 0, "0600 0104 00000000", 6, 0, WG_TERM_TCP, 48, 0, 0, OK_},
	{"hbh + icmpv6 echo", 0, "3a00 0104 00000000", 58, 0, WG_TERM_PASS, 48, 1, 0, OK_},
	{"dst 16 octets + icmpv6", 60, "3a01 0106 000000000000 0000 00000000", 58, 0,
	 WG_TERM_PASS, 56, 1, 0, OK_},
	{"hbh dst rt(left 0) dst + tcp", 0, "3c00 0104 00000000 2b00 0104 00000000 "
	 "3c00 0400 00000000 0600 0104 00000000", 6, 0, WG_TERM_TCP, 72, 0, 0, OK_},
	{"unknown option, action 00 skipped", 60, "1100 1e04 00000000", 17, 0, WG_TERM_UDP, 48,
	 0, 0, OK_},
	{"router alert in hbh", 0, "1100 0502 0000 0100", 17, 0, WG_TERM_UDP, 48, 0, 0, OK_},
	{"atomic fragment + udp", 44, "1100 0000 12345678", 17, 0, WG_TERM_UDP, 48, 0, 0, OK_},
	{"udp checksum over payload_len is bad", 0, "1100 0104 00000000", 17, X_BADSUM,
	 WG_TERM_BAD_L4, 48, 0, 0, OK_},
	{"8 headers (the count limit)", 60, D8 D8 D8 D8 D8 D8 D8 "1100 0104 00000000", 17, 0,
	 WG_TERM_UDP, 104, 0, 0, OK_},
	{"464 octets (the length limit)", 60, "1139 0104", 17, 0, WG_TERM_UDP, 504, 0, 0, OK_},
	/* refused, as the destination would */
	{"routing, segments left 1", 43, "3a00 0401 00000000", 58, 0, WG_TERM_BAD_EXT, 0, 0, 0,
	 RB_IP6W_WHY_ROUTING, 0, 42},
	{"segment routing (type 4), left 2", 43, "3a02 0402 00000000 0000000000000000 0000000000000000", 58, 0,
	 WG_TERM_BAD_EXT, 0, 0, 0, RB_IP6W_WHY_ROUTING, 0, 42},
	{"option action 10", 60, "3a00 9e04 00000000", 58, 0, WG_TERM_BAD_EXT, 0, 0, 0,
	 RB_IP6W_WHY_OPTION, 2, 42},
	{"option action 11", 60, "3a00 0000 de020000", 58, 0, WG_TERM_BAD_EXT, 0, 0, 0,
	 RB_IP6W_WHY_OPTION, 2, 44},
	{"option action 01", 0, "3a00 5e04 00000000", 58, 0, WG_TERM_BAD_EXT, 0, 0, 0,
	 RB_IP6W_WHY_OPTION, -1, 42},
	{"hbh not first", 60, "0000 0104 00000000 3a00 0104 00000000", 58, 0, WG_TERM_BAD_EXT, 0,
	 0, 0, RB_IP6W_WHY_HBH_POS, 1, 40},
	{"option overruns its header", 60, "1100 010a 00000000", 17, 0, WG_TERM_BAD_EXT, 0, 0, 0,
	 RB_IP6W_WHY_MALFORMED, -1, 42},
	{"9 headers", 60, D8 D8 D8 D8 D8 D8 D8 D8 "1100 0104 00000000", 17, 0, WG_TERM_BAD_EXT, 0,
	 0, 0, RB_IP6W_WHY_COUNT, -1, 0},
	{"a loop: every header names the next as itself", 60, D8 D8 D8 D8 D8 D8 D8 D8 D8 D8 D8 D8,
	 0xff, 0, WG_TERM_BAD_EXT, 0, 0, 0, RB_IP6W_WHY_COUNT, -1, 0},
	{"472 octets", 60, "113a 0104", 17, 0, WG_TERM_BAD_EXT, 0, 0, 0, RB_IP6W_WHY_LEN, -1, 0},
	{"464 + 8 octets", 60, "3c39 0104", 60, 0, WG_TERM_BAD_EXT, 0, 0, 0, RB_IP6W_WHY_LEN,
	 -1, 0},
	{"chain past the payload length", 60, "3c01 0104 00000000", 58, X_SHORTPL,
	 WG_TERM_BAD_EXT, 0, 0, 0, RB_IP6W_WHY_MALFORMED, -1, 0},
	/* fragments: ICMPv6 goes to the relay's reassembly, the rest routes */
	{"first fragment of icmpv6", 44, "3a00 0001 12345678", 58, 0, WG_TERM_PASS, 40, 1, 1, OK_},
	{"dst + later fragment of icmpv6", 60, "2c00 0104 00000000 3a00 0100 12345678", 0xff, 0,
	 WG_TERM_PASS, 48, 1, 1, OK_},
	/* TCP and UDP in fragments: terminated mode reassembles them */
	{"fragment of udp", 44, "1100 0001 12345678", 17, 0, WG_TERM_PASS, 40, 0, 1, OK_, 1},
	{"dst + fragment of tcp", 60, "2c00 0104 00000000 0600 0001 12345678", 6, 0, WG_TERM_PASS,
	 48, 0, 1, OK_, 1},
	{"later fragment of tcp", 44, "0600 0100 12345678", 0xff, 0, WG_TERM_PASS, 40, 0, 1, OK_, 1},
	/* behind the unfragmentable part's headers (RFC 8200 4.1 order): the
	 * walk reaches the Fragment header, reassembly drops what came before */
	{"hbh dst rt(left 0) + fragment of udp", 0, "3c00 0104 00000000 2b00 0104 00000000 "
	 "2c00 0400 00000000 1100 0001 12345678", 17, 0, WG_TERM_PASS, 64, 0, 1, OK_, 1},
	{"dst + later fragment of udp", 60, "2c00 0104 00000000 1100 0100 12345678", 0xff, 0,
	 WG_TERM_PASS, 48, 0, 1, OK_, 1},
	{"hbh not first, before a fragment", 60, "0000 0104 00000000 2c00 0104 00000000 "
	 "1100 0001 12345678", 17, 0, WG_TERM_BAD_EXT, 0, 0, 0, RB_IP6W_WHY_HBH_POS, 1, 40},
	{"8 dst + fragment of udp: 9 headers", 60, D8 D8 D8 D8 D8 D8 D8 "2c00 0104 00000000 "
	 "1100 0001 12345678", 17, 0, WG_TERM_BAD_EXT, 0, 0, 0, RB_IP6W_WHY_COUNT, -1, 0},
	{"routing left 1 before a fragment", 43, "2c00 0401 00000000 1100 0001 12345678", 17, 0,
	 WG_TERM_BAD_EXT, 0, 0, 0, RB_IP6W_WHY_ROUTING, 0, 42},
	/* the fragmentable part begins with an extension header (RFC 8200
	 * 4.5): reassembled, then walked (every fragment names the header) */
	{"fragment of dst options: reassembled", 44, "3c00 0001 12345678", 0xff, 0,
	 WG_TERM_PASS, 40, 0, 1, OK_, 1},
	{"first fragment: dst + udp", 44, "3c00 0001 12345678 1100 0104 00000000", 17, 0,
	 WG_TERM_PASS, 40, 0, 1, OK_, 1},
	{"first fragment: dst + icmpv6, reassembled before the relay", 44,
	 "3c00 0001 12345678 3a00 0104 00000000", 58, 0, WG_TERM_PASS, 40, 0, 1, OK_, 1},
	{"later fragment of dst options", 44, "3c00 0100 12345678", 0xff, 0, WG_TERM_PASS, 40, 0,
	 1, OK_, 1},
	{"hbh dst + fragment: rt(left 0) + tcp", 0, "3c00 0104 00000000 2c00 0104 00000000 "
	 "2b00 0001 12345678 0600 0400 00000000", 6, 0, WG_TERM_PASS, 56, 0, 1, OK_, 1},
	{"fragment of a fragment header: reassembled", 44, "2c00 0001 12345678 1100 0000 87654321",
	 17, 0, WG_TERM_PASS, 40, 0, 1, OK_, 1},
	{"fragment of hbh: not first", 44, "0000 0001 12345678 1100 0104 00000000", 17, 0,
	 WG_TERM_BAD_EXT, 0, 0, 0, RB_IP6W_WHY_HBH_POS, 1, 40},
	{"dst + later fragment of hbh: not first", 60, "2c00 0104 00000000 0000 0100 12345678",
	 0xff, 0, WG_TERM_BAD_EXT, 0, 0, 0, RB_IP6W_WHY_HBH_POS, 1, 48},
	{"fragment of ah: routed", 44, "3300 0001 12345678", 0xff, 0, WG_TERM_PASS, 40, 0, 1, OK_,
	 0},
	{"fragment of esp: routed", 44, "3200 0001 12345678", 0xff, 0, WG_TERM_PASS, 40, 0, 1, OK_,
	 0},
	/* what the walk does not enter: left to the routed path */
	{"ah + icmpv6", 51, "3a04 0000 00000001 00000001 00000000 00000000 00000000", 58, 0, WG_TERM_PASS,
	 40, 0, 0, OK_},
	{"esp", 60, "3200 0104 00000000", 0xff, 0, WG_TERM_PASS, 48, 0, 0, OK_},
	{"no next header", 60, "3b00 0104 00000000", 0xff, 0, WG_TERM_PASS, 48, 0, 0, OK_},
	{"mobility header", 135, "3b00 0500 00000000", 0xff, 0, WG_TERM_PASS, 40, 0, 0, OK_},
};

static uint32_t xbuild(const struct xcase *c, uint8_t *buf)
{
	uint32_t n = unhex(c->ext, buf + 40), ulen;
	uint8_t *l4;

	memset(buf, 0, 40);
	if (strcmp(c->name, "464 octets (the length limit)") == 0 ||
	    strcmp(c->name, "472 octets") == 0 || strcmp(c->name, "464 + 8 octets") == 0) {
		/* one long Destination Options header of PadN options */
		uint32_t len = (uint32_t)(buf[41] + 1) * 8;

		for (uint32_t i = 2; i < len; i += 8) /* PadN of 8, the last of 6 */
			memcpy(buf + 40 + i, i + 8 <= len ? "\x01\x06\0\0\0\0\0\0" : "\x01\x04\0\0\0\0",
			       len - i < 8 ? len - i : 8);
		n = len;
		if (c->up == 60) /* and a second, of 8 */
			n += unhex("1100 0104 00000000", buf + 40 + n);
	}
	l4 = buf + 40 + n;
	buf[0] = 0x60;
	buf[6] = c->nh;
	buf[7] = 64;
	buf[8] = 0xfd;
	buf[23] = 2;
	buf[24] = 0xfd;
	buf[25] = 0x02;
	buf[39] = 2;
	if (c->up == IPPROTO_TCP) {
		ulen = 20;
		memset(l4, 0, ulen);
		l4[12] = 5 << 4;
	} else if (c->up == IPPROTO_UDP) {
		uint16_t ck;

		ulen = 12;
		memcpy(l4, "\x11\x94\x00\x35\x00\x0c\x00\x00ping", ulen);
		ck = sum6(buf, (c->flags & X_BADSUM) ? n + ulen : ulen, IPPROTO_UDP, l4);
		l4[6] = (uint8_t)(ck >> 8);
		l4[7] = (uint8_t)ck;
	} else if (c->up == IPPROTO_ICMPV6) {
		uint16_t ck;

		ulen = 12;
		memcpy(l4, "\x80\x00\x00\x00\x12\x34\x00\x01ping", ulen);
		ck = sum6(buf, ulen, IPPROTO_ICMPV6, l4);
		l4[2] = (uint8_t)(ck >> 8);
		l4[3] = (uint8_t)ck;
	} else {
		ulen = 8;
		memset(l4, 0xab, ulen);
	}
	n += ulen;
	if (c->flags & X_SHORTPL)
		n = 8;
	buf[4] = (uint8_t)(n >> 8);
	buf[5] = (uint8_t)n;
	return 40 + n;
}

static void test_chains(void)
{
	for (size_t i = 0; i < sizeof(xcases) / sizeof(xcases[0]); i++) {
		const struct xcase *c = &xcases[i];
		uint8_t buf[1024];
		struct wg_term_pkt p;
		uint32_t len = xbuild(c, buf);
		/* what a decrypted packet with bytes after it looks like */
		enum wg_term_kind k = wg_term_classify(buf, len + ((c->flags & X_SHORTPL) ? 64 : 0), &p);
		int ok = k == c->want;

		if (k == WG_TERM_TCP || k == WG_TERM_UDP || (k == WG_TERM_PASS && c->icmp))
			ok = ok && p.hl == c->hl && p.tot == len;
		if (k == WG_TERM_PASS)
			ok = ok && wg_term_is_icmp(&p) == c->icmp && p.frag == c->frag &&
			     wg_term_frag_l4(buf, &p) == c->fragl4;
		if (k == WG_TERM_BAD_EXT)
			ok = ok && p.w.why == c->why && p.w.pp_code == c->pp &&
			     (c->pp < 0 || p.w.pointer == c->ptr);
		if (!ok)
			fprintf(stderr, "chain '%s': kind %d (want %d) hl %u icmp %d frag %u why %u pp %d "
				"ptr %u\n", c->name, k, c->want, p.hl, wg_term_is_icmp(&p), p.frag,
				p.w.why, p.w.pp_code, p.w.pointer);
		CU_ASSERT(ok);
		/* the payload length ending anywhere inside an accepted chain:
		 * refused as malformed, and nothing read past it (an exact-size
		 * copy, for ASan) */
		for (uint32_t pl = 0; ok && !c->frag && k != WG_TERM_BAD_EXT && pl + 40 < c->hl &&
				      c->hl > 40; pl++) {
			uint8_t *b = malloc(40 + pl);

			CU_ASSERT_FATAL(b != NULL);
			memcpy(b, buf, 40 + pl);
			b[4] = (uint8_t)(pl >> 8);
			b[5] = (uint8_t)pl;
			k = wg_term_classify(b, 40 + pl, &p);
			if (k != WG_TERM_BAD_EXT || p.w.why != RB_IP6W_WHY_MALFORMED)
				fprintf(stderr, "chain '%s' cut at %u: kind %d why %u\n", c->name,
					40 + pl, k, p.w.why);
			CU_ASSERT(k == WG_TERM_BAD_EXT && p.w.why == RB_IP6W_WHY_MALFORMED);
			k = c->want;
			free(b);
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
	CU_add_test(s, "terminated mode: IPv6 extension header chains", test_chains);
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	fails = CU_get_number_of_failures();
	CU_cleanup_registry();
	return fails ? 1 : 0;
}
