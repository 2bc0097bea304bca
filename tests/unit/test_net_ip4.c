/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IPv4 and ICMP on the in-process dataplane: header validation (RFC 791,
 * RFC 1812 5.2.2), local delivery and echo, forwarding (TTL, incremental
 * checksum, ICMP errors per RFC 1812 4.3.2), fragmentation on output and
 * the ICMP error rate limit.
 */
#include <stdio.h>
#include <string.h>
#include <CUnit/Basic.h>
#include <rte_icmp.h>
#include <rte_ip.h>
#include <rte_udp.h>
#include "test_net.h"

#define A_PEER fx_ip("10.1.0.2")
#define A_SELF fx_ip("10.1.0.1")

static int csum_ok(const void *p, size_t len)
{
	return rte_raw_cksum(p, len) == 0xffff;
}

/* Header checksum valid, and the value rte_ipv4_cksum computes (which
 * covers the options too). */
static int ip_csum_exact(const struct rte_ipv4_hdr *ih)
{
	size_t hl = (size_t)(ih->version_ihl & 0xf) * 4;
	uint8_t copy[60];

	memcpy(copy, ih, hl);
	((struct rte_ipv4_hdr *)copy)->hdr_checksum = 0;
	return csum_ok(ih, hl) &&
	       rte_ipv4_cksum((const struct rte_ipv4_hdr *)copy) == ih->hdr_checksum;
}

/* ------------------------------------------------------------------ */
/* Header validation                                                    */

enum { IPX_OK, IPX_OK_RR, IPX_SHORT, IPX_VERSION, IPX_IHL4, IPX_IHL_PAST, IPX_TL_BIG,
       IPX_TL_SMALL, IPX_CSUM, IPX_SRC_MCAST, IPX_SRC_LOOP, IPX_SRC_BCAST, IPX_LSRR, IPX_SSRR,
       IPX_OPT_LEN0, IPX_OPT_OVERRUN, IPX_DST_MCAST, IPX_DST_BCAST, IPX_DST_ZERO,
       IPX_ICMP_CSUM, IPX_ICMP_SHORT, IPX_ICMP_TSTAMP, IPX_ICMP_REPLY };

static const struct {
	const char *name;
	int what;
	int drop;               /* -1: answered */
} ip_cases[] = {
	{"valid echo", IPX_OK, -1},
	{"record-route option is fine", IPX_OK_RR, -1},
	{"19 bytes", IPX_SHORT, RB_DROP_IP4_SHORT},
	{"version 6 in an IPv4 frame", IPX_VERSION, RB_DROP_IP4_BAD_VERSION},
	{"IHL 4", IPX_IHL4, RB_DROP_IP4_BAD_IHL},
	{"IHL past the data", IPX_IHL_PAST, RB_DROP_IP4_BAD_IHL},
	{"total length > frame", IPX_TL_BIG, RB_DROP_IP4_BAD_LEN},
	{"total length < IHL", IPX_TL_SMALL, RB_DROP_IP4_BAD_LEN},
	{"bad header checksum", IPX_CSUM, RB_DROP_IP4_BAD_CSUM},
	{"multicast source", IPX_SRC_MCAST, RB_DROP_IP4_BAD_SRC},
	{"loopback source", IPX_SRC_LOOP, RB_DROP_IP4_BAD_SRC},
	{"broadcast source", IPX_SRC_BCAST, RB_DROP_IP4_BAD_SRC},
	{"LSRR option", IPX_LSRR, RB_DROP_IP4_OPTIONS},
	{"SSRR option", IPX_SSRR, RB_DROP_IP4_OPTIONS},
	{"option length 0", IPX_OPT_LEN0, RB_DROP_IP4_BAD_IHL},
	{"option past the header", IPX_OPT_OVERRUN, RB_DROP_IP4_BAD_IHL},
	{"multicast destination", IPX_DST_MCAST, RB_DROP_IP4_NOT_FOR_US},
	{"broadcast destination", IPX_DST_BCAST, RB_DROP_IP4_NOT_FOR_US},
	{"destination 0.0.0.0", IPX_DST_ZERO, RB_DROP_IP4_NOT_FOR_US},
	{"bad ICMP checksum", IPX_ICMP_CSUM, RB_DROP_ICMP_MALFORMED},
	{"ICMP shorter than its header", IPX_ICMP_SHORT, RB_DROP_ICMP_MALFORMED},
	{"ICMP timestamp request", IPX_ICMP_TSTAMP, RB_DROP_ICMP_UNHANDLED},
	{"ICMP echo reply to us", IPX_ICMP_REPLY, RB_DROP_ICMP_UNHANDLED},
};

static uint16_t build_ip_case(int what, uint8_t *buf)
{
	static const uint8_t rr[] = {7, 7, 4, 0, 0, 0, 0, 0};
	static const uint8_t lsrr[] = {131, 7, 4, 10, 1, 0, 1, 0};
	static const uint8_t ssrr[] = {1, 137, 7, 4, 10, 1, 0, 1};
	static const uint8_t len0[] = {7, 0, 0, 0};
	static const uint8_t overrun[] = {1, 68, 12, 5};
	struct fx_ip4 ip = {.src = A_PEER, .dst = A_SELF, .proto = IPPROTO_ICMP, .id = 1};
	uint8_t icmp[64];
	uint16_t n = fx_put_icmp4(icmp, 8, 0, 0x00070001, "abcdefgh", 8), len;
	struct rte_ipv4_hdr *ih = (struct rte_ipv4_hdr *)(buf + 14);
	int fix = 1;

	switch (what) {
	case IPX_OK_RR: ip.opt = rr, ip.opt_len = sizeof(rr); break;
	case IPX_LSRR: ip.opt = lsrr, ip.opt_len = sizeof(lsrr); break;
	case IPX_SSRR: ip.opt = ssrr, ip.opt_len = sizeof(ssrr); break;
	case IPX_OPT_LEN0: ip.opt = len0, ip.opt_len = sizeof(len0); break;
	case IPX_OPT_OVERRUN: ip.opt = overrun, ip.opt_len = sizeof(overrun); break;
	case IPX_SRC_MCAST: ip.src = fx_ip("224.1.2.3"); break;
	case IPX_SRC_LOOP: ip.src = fx_ip("127.0.0.1"); break;
	case IPX_SRC_BCAST: ip.src = 0xffffffff; break;
	case IPX_DST_MCAST: ip.dst = fx_ip("224.0.0.1"); break;
	case IPX_DST_BCAST: ip.dst = 0xffffffff; break;
	case IPX_DST_ZERO: ip.dst = 0; break;
	case IPX_ICMP_CSUM: icmp[2] ^= 0x10; break;
	case IPX_ICMP_SHORT: n = 4; break;
	case IPX_ICMP_TSTAMP: n = fx_put_icmp4(icmp, 13, 0, 0x00070001, "abcdefghijkl", 12); break;
	case IPX_ICMP_REPLY: n = fx_put_icmp4(icmp, 0, 0, 0x00070001, "abcdefgh", 8); break;
	default: break;
	}
	len = fx_frame_ip4(buf, NET_P_A, 2, &ip, icmp, n);
	switch (what) {
	case IPX_SHORT: len = 14 + 19; fix = 0; break;
	case IPX_VERSION: ih->version_ihl = 0x65; break;
	case IPX_IHL4: ih->version_ihl = 0x44; fix = 0; break;
	case IPX_IHL_PAST: ih->version_ihl = 0x4f; fix = 0; break;
	case IPX_TL_BIG: ih->total_length = rte_cpu_to_be_16((uint16_t)(len - 14 + 1)); break;
	case IPX_TL_SMALL: ih->total_length = rte_cpu_to_be_16(19); break;
	case IPX_CSUM: ih->hdr_checksum ^= 0x0100; fix = 0; break;
	default: fix = 0; break;
	}
	if (fix)
		fx_ip4_fix_cksum(buf + 14);
	return len;
}

static void test_ip4_table(void)
{
	for (size_t i = 0; i < RTE_DIM(ip_cases); i++) {
		NET_CASE_START();
		uint8_t buf[256];
		struct fx_frame out[2];
		struct fx_snap s;
		uint16_t len = build_ip_case(ip_cases[i].what, buf);
		int n;

		fx_snap_take(&s);
		fx_inject(NET_P_A, buf, len);
		n = fx_collect(NET_P_A, out, 2);
		if (ip_cases[i].drop >= 0) {
			NET_ASSERT_ONLY_DROP(&s, (enum rb_drop)ip_cases[i].drop, 1);
			CU_ASSERT_EQUAL(n, 0);
		} else {
			CU_ASSERT_EQUAL(fx_snap_drops(&s), 0);
			CU_ASSERT_EQUAL(n, 1);
			CU_ASSERT_EQUAL(fx_snap_event(&s, RB_EV_ICMP_ECHO_REPLY), 1);
		}
		CU_ASSERT_EQUAL(fx_collect_all(), 0);
		NET_CASE_END(ip_cases[i].name);
	}
}

/* A 60-byte frame holding a 28-byte IP packet: the padding is not echoed. */
static void test_ip4_padding(void)
{
	uint8_t buf[64], icmp[8];
	struct fx_ip4 ip = {.src = A_PEER, .dst = A_SELF, .proto = IPPROTO_ICMP, .id = 99};
	struct fx_frame out[2];
	uint16_t len;
	const struct rte_ipv4_hdr *ih;
	const struct rte_icmp_hdr *ic;

	memset(buf, 0xee, sizeof(buf));
	len = fx_frame_ip4(buf, NET_P_A, 2, &ip, icmp, fx_put_icmp4(icmp, 8, 0, 0x00010002, NULL, 0));
	CU_ASSERT_EQUAL(len, 42);
	fx_inject(NET_P_A, buf, 60);
	CU_ASSERT_EQUAL_FATAL(fx_collect(NET_P_A, out, 2), 1);
	ih = (const void *)(out[0].data + 14);
	ic = (const void *)(ih + 1);
	CU_ASSERT_EQUAL(out[0].len, 42);
	CU_ASSERT_EQUAL(rte_be_to_cpu_16(ih->total_length), 28);
	CU_ASSERT(ip_csum_exact(ih));
	CU_ASSERT_EQUAL(ih->src_addr, rte_cpu_to_be_32(A_SELF));
	CU_ASSERT_EQUAL(ih->dst_addr, rte_cpu_to_be_32(A_PEER));
	CU_ASSERT_EQUAL(ic->icmp_type, 0);
	CU_ASSERT_EQUAL(ic->icmp_ident, rte_cpu_to_be_16(1));
	CU_ASSERT_EQUAL(ic->icmp_seq_nb, rte_cpu_to_be_16(2));
	CU_ASSERT(csum_ok(ic, 8));
}

/* ------------------------------------------------------------------ */
/* Forwarding                                                           */

static uint16_t udp_frame(uint8_t *buf, uint32_t src, uint32_t dst, uint8_t ttl, uint16_t id,
			  uint16_t frag, uint16_t data_len, uint8_t seed)
{
	uint8_t l4[2048], data[2048];
	struct fx_ip4 ip = {.src = src, .dst = dst, .proto = IPPROTO_UDP, .ttl = ttl, .id = id,
			    .frag = frag};

	for (uint16_t i = 0; i < data_len; i++)
		data[i] = (uint8_t)(seed + i * 13);
	return fx_frame_ip4(buf, NET_P_A, 2, &ip, l4,
			    fx_put_udp4(l4, src, dst, 40000, 9999, data, data_len));
}

/* Every identification value: TTL decrement and incremental checksum. */
static void test_fwd_ttl_checksum(void)
{
	static struct fx_frame out[512];
	uint32_t dst = fx_ip("20.1.2.3");
	struct rte_ether_addr gw = fx_peer_mac(NET_P_B, 5);
	struct fx_snap s;
	unsigned bad = 0, total = 0;

	fx_snap_take(&s);
	for (uint32_t id = 0; id < 65536; id += 512) {
		for (uint32_t k = 0; k < 512; k++) {
			uint8_t buf[128];
			uint8_t ttl = (uint8_t)(2 + (id + k) % 254);

			fx_inject(NET_P_A, buf, udp_frame(buf, A_PEER, dst, ttl,
							  (uint16_t)(id + k), 0, 4, 0));
		}
		CU_ASSERT_EQUAL_FATAL(fx_collect(NET_P_B, out, 512), 512);
		for (uint32_t k = 0; k < 512; k++) {
			const struct rte_ether_hdr *eh = (const void *)out[k].data;
			const struct rte_ipv4_hdr *ih = (const void *)(eh + 1);

			total++;
			if (!ip_csum_exact(ih) || ih->time_to_live != (uint8_t)(1 + (id + k) % 254) ||
			    ih->packet_id != rte_cpu_to_be_16((uint16_t)(id + k)) ||
			    !rte_is_same_ether_addr(&eh->dst_addr, &gw) ||
			    !rte_is_same_ether_addr(&eh->src_addr, &fx_dp->ports[NET_P_B].mac))
				bad++;
		}
	}
	CU_ASSERT_EQUAL(total, 65536);
	CU_ASSERT_EQUAL(bad, 0);
	CU_ASSERT_EQUAL(fx_snap_drops(&s), 0);
	CU_ASSERT_EQUAL(fx_snap_event(&s, RB_EV_IP4_FORWARD), 65536);
}

/* Check an ICMP error frame sent back to A_PEER on port a; returns the ICMP header. */
static const struct rte_icmp_hdr *check_icmp_error(const struct fx_frame *f, uint8_t type,
						   uint8_t code, const uint8_t *orig,
						   uint16_t orig_len)
{
	const struct rte_ether_hdr *eh = (const void *)f->data;
	const struct rte_ipv4_hdr *ih = (const void *)(eh + 1);
	const struct rte_icmp_hdr *ic = (const void *)(ih + 1);
	struct rte_ether_addr peer = fx_peer_mac(NET_P_A, 2);
	uint16_t tl = rte_be_to_cpu_16(ih->total_length);
	uint16_t quote = orig_len < 548 ? orig_len : 548;

	CU_ASSERT(rte_is_same_ether_addr(&eh->dst_addr, &peer));
	CU_ASSERT(ip_csum_exact(ih));
	CU_ASSERT_EQUAL(ih->next_proto_id, IPPROTO_ICMP);
	CU_ASSERT_EQUAL(ih->src_addr, rte_cpu_to_be_32(A_SELF));
	CU_ASSERT_EQUAL(ih->dst_addr, rte_cpu_to_be_32(A_PEER));
	CU_ASSERT_EQUAL(ih->type_of_service, 0xc0);
	CU_ASSERT(tl <= 576);
	CU_ASSERT_EQUAL(tl, 20 + 8 + quote);
	CU_ASSERT_EQUAL(f->len, 14 + tl);
	CU_ASSERT_EQUAL(ic->icmp_type, type);
	CU_ASSERT_EQUAL(ic->icmp_code, code);
	CU_ASSERT(csum_ok(ic, (size_t)tl - 20));
	/* RFC 1812 4.3.2.3: the offending header and as much data as fits. */
	CU_ASSERT(tl >= 20 + 8 + 28);
	CU_ASSERT_EQUAL(memcmp(ic + 1, orig, quote), 0);
	return ic;
}

static void test_fwd_ttl_expired(void)
{
	for (uint8_t ttl = 0; ttl <= 1; ttl++) {
		uint8_t buf[256];
		struct fx_frame out[2];
		struct fx_snap s;
		uint16_t len = udp_frame(buf, A_PEER, fx_ip("20.9.9.9"), 1, 77, 0, 32, 1);

		buf[14 + 8] = ttl; /* the builder's TTL 0 means the default */
		fx_ip4_fix_cksum(buf + 14);
		fx_snap_take(&s);
		fx_inject(NET_P_A, buf, len);
		NET_ASSERT_ONLY_DROP(&s, RB_DROP_TTL_EXPIRED, 1);
		CU_ASSERT_EQUAL(fx_collect(NET_P_B, NULL, 0), 0);
		CU_ASSERT_EQUAL_FATAL(fx_collect(NET_P_A, out, 2), 1);
		check_icmp_error(&out[0], 11, 0, buf + 14, (uint16_t)(len - 14));
		CU_ASSERT_EQUAL(fx_snap_event(&s, RB_EV_ICMP_ERROR_TX), 1);
	}
}

static void test_fwd_no_route(void)
{
	uint8_t buf[256];
	struct fx_frame out[2];
	struct fx_snap s;
	uint16_t len = udp_frame(buf, A_PEER, fx_ip("50.0.0.1"), 64, 78, 0, 32, 2);

	fx_snap_take(&s);
	fx_inject(NET_P_A, buf, len);
	NET_ASSERT_ONLY_DROP(&s, RB_DROP_NO_ROUTE, 1);
	CU_ASSERT_EQUAL_FATAL(fx_collect(NET_P_A, out, 2), 1);
	check_icmp_error(&out[0], 3, 0, buf + 14, (uint16_t)(len - 14));
	CU_ASSERT_EQUAL(fx_collect_all(), 0);
}

/* RFC 1812 5.3.5.2: directed broadcasts (and network addresses) of a
 * connected subnet are not forwarded, and never resolved with ARP. */
static void test_fwd_directed_broadcast(void)
{
	static const char *const dst[] = {"10.2.0.255", "10.2.0.0", "10.3.0.255"};

	for (size_t i = 0; i < RTE_DIM(dst); i++) {
		uint8_t buf[256];
		struct fx_snap s;
		uint16_t len = udp_frame(buf, A_PEER, fx_ip(dst[i]), 64, 79, 0, 32, 2);

		NET_CASE_START();
		fx_snap_take(&s);
		fx_inject(NET_P_A, buf, len);
		NET_ASSERT_ONLY_DROP(&s, RB_DROP_IP4_NOT_FOR_US, 1);
		CU_ASSERT_EQUAL(fx_snap_event(&s, RB_EV_ARP_REQUEST_TX), 0);
		CU_ASSERT_EQUAL(fx_collect_all(), 0);
		NET_CASE_END(dst[i]);
	}
}

static void test_fwd_df_too_big(void)
{
	uint8_t buf[2048];
	struct fx_frame out[2];
	struct fx_snap s;
	uint16_t len = udp_frame(buf, A_PEER, fx_ip("20.1.2.3"), 64, 79, RTE_IPV4_HDR_DF_FLAG,
				 1200, 3);
	const struct rte_icmp_hdr *ic;

	fx_snap_take(&s);
	fx_inject(NET_P_A, buf, len);
	NET_ASSERT_ONLY_DROP(&s, RB_DROP_MTU_EXCEEDED, 1);
	CU_ASSERT_EQUAL(fx_collect(NET_P_B, NULL, 0), 0);
	CU_ASSERT_EQUAL_FATAL(fx_collect(NET_P_A, out, 2), 1);
	ic = check_icmp_error(&out[0], 3, 4, buf + 14, (uint16_t)(len - 14));
	/* RFC 1191: next-hop MTU in the low 16 bits of the second word. */
	CU_ASSERT_EQUAL(ic->icmp_ident, 0);
	CU_ASSERT_EQUAL(rte_be_to_cpu_16(ic->icmp_seq_nb), 1000);
	/* Exactly the MTU passes. */
	len = udp_frame(buf, A_PEER, fx_ip("20.1.2.3"), 64, 80, RTE_IPV4_HDR_DF_FLAG, 1000 - 28, 3);
	fx_snap_take(&s);
	fx_inject(NET_P_A, buf, len);
	CU_ASSERT_EQUAL(fx_snap_drops(&s), 0);
	CU_ASSERT_EQUAL(fx_collect(NET_P_B, NULL, 0), 1);
}

/*
 * Fragment on output: check every fragment and put the payload back
 * together.  first_off: fragment offset (bytes) of the packet sent; mf: it
 * had MF set itself.
 */
static void check_fragments(const uint8_t *orig_ip, uint16_t orig_len, uint16_t first_off,
			    int mf_in)
{
	static struct fx_frame out[64];
	uint8_t whole[4096];
	const struct rte_ipv4_hdr *oh = (const void *)orig_ip;
	uint16_t ohl = (uint16_t)((oh->version_ihl & 0xf) * 4), next = first_off;
	int n = fx_collect(NET_P_B, out, 64);
	struct rte_ether_addr gw = fx_peer_mac(NET_P_B, 5);

	CU_ASSERT_FATAL(n >= 2 && n <= 64);
	for (int i = 0; i < n; i++) {
		const struct rte_ether_hdr *eh = (const void *)out[i].data;
		const struct rte_ipv4_hdr *ih = (const void *)(eh + 1);
		uint16_t tl = rte_be_to_cpu_16(ih->total_length);
		uint16_t fo = rte_be_to_cpu_16(ih->fragment_offset);
		uint16_t hl = (uint16_t)((ih->version_ihl & 0xf) * 4);
		int mf = (fo & RTE_IPV4_HDR_MF_FLAG) != 0;

		CU_ASSERT(rte_is_same_ether_addr(&eh->dst_addr, &gw));
		CU_ASSERT_EQUAL(out[i].len, 14 + tl);
		CU_ASSERT(tl <= 1000);
		CU_ASSERT(ip_csum_exact(ih));
		CU_ASSERT_EQUAL(ih->packet_id, oh->packet_id);
		CU_ASSERT_EQUAL(ih->time_to_live, oh->time_to_live - 1);
		CU_ASSERT_EQUAL(ih->src_addr, oh->src_addr);
		CU_ASSERT_EQUAL(ih->dst_addr, oh->dst_addr);
		CU_ASSERT_EQUAL(mf, i < n - 1 ? 1 : mf_in);
		CU_ASSERT_EQUAL((fo & RTE_IPV4_HDR_OFFSET_MASK) * 8, next);
		if (i < n - 1)
			CU_ASSERT_EQUAL((tl - hl) % 8, 0);
		if (next - first_off + tl - hl > (int)sizeof(whole))
			break;
		memcpy(whole + next - first_off, (const uint8_t *)ih + hl, (size_t)(tl - hl));
		next = (uint16_t)(next + tl - hl);
	}
	CU_ASSERT_EQUAL(next - first_off, orig_len - ohl);
	CU_ASSERT_EQUAL(memcmp(whole, orig_ip + ohl, (size_t)(orig_len - ohl)), 0);
}

static void test_fwd_fragment(void)
{
	uint8_t buf[2048];
	struct fx_snap s;
	uint16_t len = udp_frame(buf, A_PEER, fx_ip("20.1.2.3"), 64, 81, 0, 1372, 4);

	fx_snap_take(&s);
	fx_inject(NET_P_A, buf, len);
	CU_ASSERT_EQUAL(fx_snap_drops(&s), 0);
	CU_ASSERT_EQUAL(fx_snap_event(&s, RB_EV_FRAG_TX), 2);
	check_fragments(buf + 14, (uint16_t)(len - 14), 0, 0);
	CU_ASSERT_EQUAL(fx_collect_all(), 0);

	/* With options: record route (not copied, RFC 791) stays in the first
	 * fragment only. */
	{
		static const uint8_t rr[] = {7, 11, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0};
		uint8_t l4[2048], data[1400];
		struct fx_ip4 ip = {.src = A_PEER, .dst = fx_ip("20.1.2.3"), .proto = IPPROTO_UDP,
				    .id = 83, .opt = rr, .opt_len = sizeof(rr)};

		for (size_t i = 0; i < sizeof(data); i++)
			data[i] = (uint8_t)(i * 3);
		len = fx_frame_ip4(buf, NET_P_A, 2, &ip, l4,
				   fx_put_udp4(l4, A_PEER, ip.dst, 1, 2, data, sizeof(data)));
		fx_snap_take(&s);
		fx_inject(NET_P_A, buf, len);
		CU_ASSERT_EQUAL(fx_snap_drops(&s), 0);
		check_fragments(buf + 14, (uint16_t)(len - 14), 0, 0);
	}
	/* A fragment (offset 1480, MF) is fragmented again: offsets continue
	 * from its own and every piece keeps MF. */
	len = udp_frame(buf, A_PEER, fx_ip("20.1.2.3"), 64, 82, RTE_IPV4_HDR_MF_FLAG | 185, 1392,
			5);
	fx_snap_take(&s);
	fx_inject(NET_P_A, buf, len);
	CU_ASSERT_EQUAL(fx_snap_drops(&s), 0);
	check_fragments(buf + 14, (uint16_t)(len - 14), 1480, 1);
}

/* RFC 1812 4.3.2.7: no ICMP error about these. */
static void test_no_icmp_about_icmp(void)
{
	static const struct {
		const char *name;
		uint8_t proto, icmp_type, ttl;
		uint32_t src, dst;
		uint16_t frag;
		uint16_t l4len;
		int errors;
	} c[] = {
		{"echo request, TTL 1 (control)", IPPROTO_ICMP, 8, 1, 0, 0, 0, 8, 1},
		{"dest unreachable, TTL 1", IPPROTO_ICMP, 3, 1, 0, 0, 0, 36, 0},
		{"time exceeded, no route", IPPROTO_ICMP, 11, 64, 0, 50, 0, 36, 0},
		{"redirect, TTL 1", IPPROTO_ICMP, 5, 1, 0, 0, 0, 36, 0},
		{"ICMP without a type byte, TTL 1", IPPROTO_ICMP, 0, 1, 0, 0, 0, 0, 0},
		{"non-first fragment, TTL 1", IPPROTO_UDP, 0, 1, 0, 0, 100, 16, 0},
		{"source 0.0.0.0, TTL 1", IPPROTO_UDP, 0, 1, 1, 0, 0, 16, 0},
	};

	for (size_t i = 0; i < RTE_DIM(c); i++) {
		NET_CASE_START();
		uint8_t buf[256], l4[64] = {0}, zero[64] = {0};
		struct fx_ip4 ip = {.src = c[i].src ? 0 : A_PEER,
				    .dst = c[i].dst == 50 ? fx_ip("50.0.0.1") : fx_ip("20.9.9.9"),
				    .proto = c[i].proto, .ttl = c[i].ttl, .id = 5,
				    .frag = c[i].frag};
		struct fx_snap s;
		uint16_t l4len = c[i].l4len;

		if (c[i].proto == IPPROTO_ICMP && l4len)
			l4len = fx_put_icmp4(l4, c[i].icmp_type, 0, 0, zero, (uint16_t)(l4len - 8));
		if (c[i].ttl == 0)
			ip.ttl = 1;
		fx_snap_take(&s);
		fx_inject(NET_P_A, buf, fx_frame_ip4(buf, NET_P_A, 2, &ip, l4, l4len));
		/* A 0.0.0.0 source is refused at input (RFC 1812 5.3.7), before routing. */
		NET_ASSERT_ONLY_DROP(&s, c[i].src ? RB_DROP_IP4_BAD_SRC
					 : c[i].dst == 50 ? RB_DROP_NO_ROUTE : RB_DROP_TTL_EXPIRED, 1);
		CU_ASSERT_EQUAL(fx_collect_all(), c[i].errors);
		CU_ASSERT_EQUAL(fx_snap_event(&s, RB_EV_ICMP_ERROR_TX), (uint64_t)c[i].errors);
		NET_CASE_END(c[i].name);
	}
}

static void test_icmp_ratelimit(void)
{
	struct rb_lcore *lc = fx_lc(0);
	uint32_t saved_rate = lc->icmp_rate;
	uint8_t buf[256];
	struct fx_snap s;

	lc->icmp_rate = 3;
	lc->icmp_tokens = 3;
	lc->icmp_tokens_tsc = lc->now;
	fx_snap_take(&s);
	for (int i = 0; i < 5; i++)
		fx_inject(NET_P_A, buf, udp_frame(buf, A_PEER, fx_ip("50.0.0.1"), 64,
						  (uint16_t)i, 0, 8, 6));
	CU_ASSERT_EQUAL(fx_collect(NET_P_A, NULL, 0), 3);
	/* Every packet is one no_route drop; each suppressed error is an event. */
	CU_ASSERT_EQUAL(fx_snap_drop(&s, RB_DROP_NO_ROUTE), 5);
	CU_ASSERT_EQUAL(fx_snap_event(&s, RB_EV_ICMP_RATELIMIT), 2);
	CU_ASSERT_EQUAL(fx_snap_drops(&s), 5);
	/* A second later the bucket is full again, but not fuller. */
	fx_advance_ms(1000);
	for (int i = 0; i < 5; i++)
		fx_inject(NET_P_A, buf, udp_frame(buf, A_PEER, fx_ip("50.0.0.1"), 64,
						  (uint16_t)i, 0, 8, 6));
	CU_ASSERT_EQUAL(fx_collect(NET_P_A, NULL, 0), 3);
	CU_ASSERT_EQUAL(fx_snap_event(&s, RB_EV_ICMP_RATELIMIT), 4);
	/* A third of a second gives one token. */
	fx_advance_ms(334);
	fx_inject(NET_P_A, buf, udp_frame(buf, A_PEER, fx_ip("50.0.0.1"), 64, 9, 0, 8, 6));
	fx_inject(NET_P_A, buf, udp_frame(buf, A_PEER, fx_ip("50.0.0.1"), 64, 9, 0, 8, 6));
	CU_ASSERT_EQUAL(fx_collect(NET_P_A, NULL, 0), 1);
	lc->icmp_rate = saved_rate;
	lc->icmp_tokens = saved_rate;
}

/* ------------------------------------------------------------------ */
/* Local delivery of other protocols                                    */

static void test_proto_unreach(void)
{
	uint8_t buf[256], gre[24] = {0};
	struct fx_ip4 ip = {.src = A_PEER, .dst = A_SELF, .proto = 47, .id = 3};
	struct fx_frame out[2];
	struct fx_snap s;
	uint16_t len = fx_frame_ip4(buf, NET_P_A, 2, &ip, gre, sizeof(gre));

	fx_snap_take(&s);
	fx_inject(NET_P_A, buf, len);
	NET_ASSERT_ONLY_DROP(&s, RB_DROP_PROTO_UNREACH, 1);
	CU_ASSERT_EQUAL_FATAL(fx_collect(NET_P_A, out, 2), 1);
	check_icmp_error(&out[0], 3, 2, buf + 14, (uint16_t)(len - 14));
}

static void test_udp_port_unreach(void)
{
	uint8_t buf[256], l4[64];
	struct fx_ip4 ip = {.src = A_PEER, .dst = A_SELF, .proto = IPPROTO_UDP, .id = 4};
	struct fx_frame out[2];
	struct fx_snap s;
	uint16_t len;

	len = fx_frame_ip4(buf, NET_P_A, 2, &ip, l4,
			   fx_put_udp4(l4, A_PEER, A_SELF, 33434, 33434, "traceroute", 10));
	fx_snap_take(&s);
	fx_inject(NET_P_A, buf, len);
	CU_ASSERT_EQUAL(fx_snap_drops(&s), 1);
	CU_ASSERT_EQUAL_FATAL(fx_collect(NET_P_A, out, 2), 1);
	check_icmp_error(&out[0], 3, 3, buf + 14, (uint16_t)(len - 14));
}

static CU_TestInfo ip4_tests[] = {
	{"IPv4 header validation table", test_ip4_table},
	{"Ethernet padding trimmed", test_ip4_padding},
	{"forward: TTL and checksum for every id", test_fwd_ttl_checksum},
	{"forward: TTL expired", test_fwd_ttl_expired},
	{"forward: no route", test_fwd_no_route},
	{"forward: DF and too big", test_fwd_df_too_big},
	{"forward: fragmentation", test_fwd_fragment},
	{"no ICMP error about ICMP errors", test_no_icmp_about_icmp},
	{"ICMP error rate limit", test_icmp_ratelimit},
	{"directed broadcast not forwarded", test_fwd_directed_broadcast},
	{"protocol unreachable", test_proto_unreach},
	{"UDP port unreachable", test_udp_port_unreach},
	{"mbufs back in the pool", net_test_no_leak},
	CU_TEST_INFO_NULL,
};

static CU_SuiteInfo ip4_suites[] = {
	{"ip4", net_suite_init, net_suite_cleanup, NULL, NULL, ip4_tests},
	CU_SUITE_INFO_NULL,
};

int test_net_ip4_register(void)
{
	return CU_register_suites(ip4_suites) == CUE_SUCCESS ? 0 : -1;
}
