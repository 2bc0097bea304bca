/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IPv4 reassembly of datagrams addressed to us (RFC 791 section 3.2,
 * RFC 815): echo requests in fragments, out of order, overlapping,
 * oversized (the "ping of death", RFC 8900 section 3.3), misaligned, and
 * an incomplete set that expires in the worker's housekeeping.
 */
#include <stdio.h>
#include <string.h>
#include <CUnit/Basic.h>
#include <rte_cycles.h>
#include <rte_icmp.h>
#include <rte_ip.h>
#include "dataplane/worker.h"
#include "test_net.h"

#define ECHO_LEN 1200   /* ICMP header + 1192 bytes of data */

static uint8_t echo_msg[ECHO_LEN];

/* An echo request of ECHO_LEN bytes with a pattern depending on id. */
static void make_echo(uint16_t id)
{
	uint8_t data[ECHO_LEN];

	for (int i = 0; i < ECHO_LEN - 8; i++)
		data[i] = (uint8_t)(i * 31 + id);
	fx_put_icmp4(echo_msg, 8, 0, ((uint32_t)id << 16) | 1, data, ECHO_LEN - 8);
}

/* A fragment of echo_msg: bytes [off, off + len) of the IP payload. */
static uint16_t frag_frame(uint8_t *buf, uint16_t id, uint16_t off, uint16_t len, int mf)
{
	struct fx_ip4 ip = {.src = fx_ip("10.1.0.2"), .dst = fx_ip("10.1.0.1"),
			    .proto = IPPROTO_ICMP, .id = id,
			    .frag = (uint16_t)((mf ? RTE_IPV4_HDR_MF_FLAG : 0) | (off / 8))};
	uint8_t payload[2048] = {0};

	if (off < ECHO_LEN)
		memcpy(payload, echo_msg + off, RTE_MIN(len, (uint16_t)(ECHO_LEN - off)));
	return fx_frame_ip4(buf, NET_P_A, 2, &ip, payload, len);
}

struct piece {
	uint16_t off, len;
	int mf;
};

static void send_pieces(uint16_t id, const struct piece *p, int n)
{
	for (int i = 0; i < n; i++) {
		uint8_t buf[2048];

		CU_ASSERT_FATAL(fx_inject(NET_P_A, buf, frag_frame(buf, id, p[i].off, p[i].len,
								   p[i].mf)) == 0);
	}
}

static void check_echo_reply(const struct fx_frame *f, uint16_t id)
{
	const struct rte_ipv4_hdr *ih = (const void *)(f->data + 14);
	const struct rte_icmp_hdr *ic = (const void *)(ih + 1);

	CU_ASSERT_EQUAL_FATAL(f->len, 14 + 20 + ECHO_LEN);
	CU_ASSERT_EQUAL(rte_be_to_cpu_16(ih->total_length), 20 + ECHO_LEN);
	CU_ASSERT_EQUAL(ih->fragment_offset & rte_cpu_to_be_16(0x3fff), 0);
	CU_ASSERT_EQUAL(rte_raw_cksum(ih, 20), 0xffff);
	CU_ASSERT_EQUAL(ih->dst_addr, rte_cpu_to_be_32(fx_ip("10.1.0.2")));
	CU_ASSERT_EQUAL(ic->icmp_type, 0);
	CU_ASSERT_EQUAL(ic->icmp_ident, rte_cpu_to_be_16(id));
	CU_ASSERT_EQUAL(rte_raw_cksum(ic, ECHO_LEN), 0xffff);
	CU_ASSERT_EQUAL(memcmp((const uint8_t *)(ic + 1), echo_msg + 8, ECHO_LEN - 8), 0);
}

static const struct {
	const char *name;
	struct piece p[9];
	int n;
	int drop;               /* -1: one reply expected */
	int n_drops;
} frag_cases[] = {
	{"in order", {{0, 400, 1}, {400, 400, 1}, {800, 400, 0}}, 3, -1, 0},
	{"out of order", {{800, 400, 0}, {0, 400, 1}, {400, 400, 1}}, 3, -1, 0},
	{"last first, then middle pieces", {{1000, 200, 0}, {400, 600, 1}, {0, 400, 1}}, 3, -1, 0},
	{"overlap, sizes add up beyond the total",
	 {{0, 400, 1}, {200, 400, 1}, {600, 600, 0}}, 3, RB_DROP_FRAG_BAD, 3},
	{"duplicate middle, sizes add up to the total around a hole",
	 {{0, 400, 1}, {400, 200, 1}, {400, 200, 1}, {800, 400, 0}}, 4, RB_DROP_FRAG_BAD, 4},
	{"duplicate first fragment", {{0, 400, 1}, {0, 400, 1}}, 2, RB_DROP_FRAG_BAD, 2},
	{"offset + length beyond 65535", {{65512, 40, 0}}, 1, RB_DROP_FRAG_BAD, 1},
	{"largest offset, MF set", {{65528, 8, 1}}, 1, RB_DROP_FRAG_BAD, 1},
	{"middle fragment not a multiple of 8", {{0, 400, 1}, {400, 401, 1}}, 2, RB_DROP_FRAG_BAD,
	 1},
	{"empty fragment", {{400, 0, 1}}, 1, RB_DROP_FRAG_BAD, 1},
	/* DPDK's RTE_LIBRTE_IP_FRAG_MAX_FRAG (8 in 22.11) fragments per datagram */
	{"eight fragments (the most rte_ip_frag holds)",
	 {{0, 152, 1}, {152, 152, 1}, {304, 152, 1}, {456, 152, 1}, {608, 152, 1}, {760, 152, 1},
	  {912, 152, 1}, {1064, 136, 0}}, 8, -1, 0},
	{"a ninth fragment: the datagram is given up, its fragments counted as too many",
	 {{0, 128, 1}, {128, 128, 1}, {256, 128, 1}, {384, 128, 1}, {512, 128, 1}, {640, 128, 1},
	  {768, 128, 1}, {896, 128, 1}}, 8, RB_DROP_FRAG_TOO_MANY, 8},
	{"eight held, a duplicate middle hiding a hole: refused at the end as bad, not too many",
	 {{0, 152, 1}, {152, 152, 1}, {304, 152, 1}, {456, 152, 1}, {608, 152, 1}, {760, 152, 1},
	  {760, 152, 1}, {1064, 136, 0}}, 8, RB_DROP_FRAG_BAD, 8},
};

static void test_frag_table(void)
{
	for (size_t i = 0; i < RTE_DIM(frag_cases); i++) {
		NET_CASE_START();
		uint16_t id = (uint16_t)(1000 + i);
		struct fx_frame out[2];
		struct fx_snap s;
		int n;

		make_echo(id);
		fx_snap_take(&s);
		send_pieces(id, frag_cases[i].p, frag_cases[i].n);
		n = fx_collect(NET_P_A, out, 2);
		if (frag_cases[i].drop < 0) {
			CU_ASSERT_EQUAL(fx_snap_drops(&s), 0);
			CU_ASSERT_EQUAL(fx_snap_event(&s, RB_EV_FRAG_REASSEMBLED), 1);
			CU_ASSERT_EQUAL_FATAL(n, 1);
			check_echo_reply(&out[0], id);
		} else {
			NET_ASSERT_ONLY_DROP(&s, (enum rb_drop)frag_cases[i].drop,
					     frag_cases[i].n_drops);
			CU_ASSERT_EQUAL(fx_snap_event(&s, RB_EV_FRAG_REASSEMBLED), 0);
			CU_ASSERT_EQUAL(n, 0);
		}
		CU_ASSERT_EQUAL(fx_collect_all(), 0);
		NET_CASE_END(frag_cases[i].name);
	}
}

/* A reassembled datagram bigger than the MTU: the reply leaves in fragments. */
static void test_frag_big_echo(void)
{
	static struct fx_frame out[8];
	uint8_t data[2400];
	uint8_t msg[2408], whole[2408];
	size_t got = 0;
	struct fx_snap s;
	int n;

	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i ^ (i >> 8));
	fx_put_icmp4(msg, 8, 0, 0x00630001, data, sizeof(data));
	fx_snap_take(&s);
	for (uint16_t off = 0; off < sizeof(msg); off += 1208) {
		uint16_t len = (uint16_t)RTE_MIN((size_t)1208, sizeof(msg) - off);
		struct fx_ip4 ip = {.src = fx_ip("10.1.0.2"), .dst = fx_ip("10.1.0.1"),
				    .proto = IPPROTO_ICMP, .id = 0x6363,
				    .frag = (uint16_t)((off + len < sizeof(msg) ? RTE_IPV4_HDR_MF_FLAG
										: 0) |
						       (off / 8))};
		uint8_t buf[2048];

		fx_inject(NET_P_A, buf, fx_frame_ip4(buf, NET_P_A, 2, &ip, msg + off, len));
	}
	n = fx_collect(NET_P_A, out, 8);
	CU_ASSERT_EQUAL(fx_snap_drops(&s), 0);
	CU_ASSERT_EQUAL(fx_snap_event(&s, RB_EV_FRAG_REASSEMBLED), 1);
	CU_ASSERT_EQUAL_FATAL(n, 2);
	CU_ASSERT_EQUAL(fx_snap_event(&s, RB_EV_FRAG_TX), 2);
	for (int i = 0; i < n; i++) {
		const struct rte_ipv4_hdr *ih = (const void *)(out[i].data + 14);
		uint16_t tl = rte_be_to_cpu_16(ih->total_length);
		uint16_t off = (uint16_t)((rte_be_to_cpu_16(ih->fragment_offset) & 0x1fff) * 8);

		CU_ASSERT(tl <= 1500);
		CU_ASSERT_EQUAL(rte_raw_cksum(ih, 20), 0xffff);
		CU_ASSERT_FATAL(off + tl - 20 <= (int)sizeof(whole));
		memcpy(whole + off, ih + 1, (size_t)tl - 20);
		got += (size_t)tl - 20;
	}
	CU_ASSERT_EQUAL_FATAL(got, sizeof(msg));
	CU_ASSERT_EQUAL(whole[0], 0);                       /* echo reply */
	CU_ASSERT_EQUAL(rte_raw_cksum(whole, sizeof(whole)), 0xffff);
	CU_ASSERT_EQUAL(memcmp(whole + 8, data, sizeof(data)), 0);
}

/* Fragments that never complete expire in the worker's housekeeping. */
static void test_frag_timeout(void)
{
	struct rb_lcore *lc = fx_lc(0);
	uint64_t hz = fx_dp->tsc_hz;
	uint64_t timeout = hz * fx_dp->cfg->dp.frag_timeout_ms / 1000;
	const struct piece p[] = {{0, 400, 1}, {800, 400, 0}};
	struct fx_snap s;

	make_echo(2000);
	fx_snap_take(&s);
	/* Received "long ago": just over the timeout before the real clock. */
	fx_set_now(rte_rdtsc() - timeout - hz / 10);
	send_pieces(2000, p, 2);
	CU_ASSERT_EQUAL(fx_snap_drops(&s), 0);
	/* One loop iteration on the real clock; housekeeping runs right away. */
	lc->housekeep_deadline = 0;
	rb_worker_iter(lc);
	NET_ASSERT_ONLY_DROP(&s, RB_DROP_FRAG_TIMEOUT, 2);
	/* The first fragment had arrived: "fragment reassembly time exceeded"
	 * (RFC 792 type 11 code 1) quoting it. */
	{
		struct fx_frame out[2];
		const uint8_t *ip, *ic;

		CU_ASSERT_EQUAL_FATAL(fx_collect(NET_P_A, out, 2), 1);
		ip = out[0].data + 14;
		ic = ip + 20;
		CU_ASSERT_EQUAL(ip[9], IPPROTO_ICMP);
		CU_ASSERT_EQUAL(ic[0], 11);
		CU_ASSERT_EQUAL(ic[1], 1);
		CU_ASSERT_EQUAL(rte_raw_cksum(ic, out[0].len - 34u), 0xffff);
		/* quoted: the fragment's header (offset 0, MF) and its first bytes */
		CU_ASSERT_EQUAL(ic[8 + 6] & 0x3f, 0x20);
		CU_ASSERT_EQUAL(ic[8 + 7], 0);
		CU_ASSERT_EQUAL(memcmp(ic + 8 + 20, echo_msg, 8), 0);
	}
	CU_ASSERT_EQUAL(fx_collect_all(), 0);
	/* The missing middle now starts a new, incomplete datagram. */
	send_pieces(2000, (const struct piece[]){{400, 400, 1}}, 1);
	CU_ASSERT_EQUAL(fx_collect_all(), 0);
	CU_ASSERT_EQUAL(fx_snap_event(&s, RB_EV_FRAG_REASSEMBLED), 0);
	/* ... which is still pending: not expired by an early housekeeping. */
	lc->housekeep_deadline = 0;
	rb_worker_iter(lc);
	CU_ASSERT_EQUAL(fx_snap_drops(&s), 2);
	fx_set_now(rte_rdtsc());
}

static CU_TestInfo frag_tests[] = {
	/* First: the reassembly table's LRU must not hold younger entries. */
	{"incomplete datagram expires", test_frag_timeout},
	{"reassembly table", test_frag_table},
	{"reassembled echo answered in fragments", test_frag_big_echo},
	{"mbufs back in the pool", net_test_no_leak},
	CU_TEST_INFO_NULL,
};

static CU_SuiteInfo frag_suites[] = {
	{"frag4", net_suite_init, net_suite_cleanup, NULL, NULL, frag_tests},
	CU_SUITE_INFO_NULL,
};

int test_net_frag_register(void)
{
	return CU_register_suites(frag_suites) == CUE_SUCCESS ? 0 : -1;
}
