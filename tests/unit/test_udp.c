/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * UDP unit tests on the simulated network: diag echo, bind rules,
 * flow-owned ephemeral ports, ICMP port unreachable, malformed datagrams
 * (table).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <rte_ip.h>
#include <CUnit/Basic.h>
#include "test_tcp_harness.h"
#include "dataplane/udp/udp_wire.h"

#define MS 1000000ull

struct rx_log {
	int n;
	size_t len;
	uint8_t data[2048];
	struct udp_peer from;
};

static void rx_cb(struct udp_sock *s, struct rte_mbuf *m, const struct udp_peer *from, void *arg)
{
	struct rx_log *l = arg;

	(void)s;
	l->n++;
	l->len = rte_pktmbuf_pkt_len(m);
	rte_pktmbuf_read(m, 0, RTE_MIN(l->len, sizeof(l->data)), l->data);
	if (l->len <= sizeof(l->data))
		memcpy(l->data, rte_pktmbuf_read(m, 0, l->len, l->data), l->len);
	l->from = *from;
	rte_pktmbuf_free(m);
}

static void test_echo(void)
{
	static const int fams[] = {AF_INET, AF_INET6};

	for (unsigned i = 0; i < RTE_DIM(fams); i++) {
		struct rx_log log = {0};
		struct udp_sock *s;
		int err;
		const uint8_t *dst;

		th_setup(2, true);
		dst = fams[i] == AF_INET ? th.h[1].addr4 : th.h[1].addr6;
		s = udp_open(&th.h[0].lc, fams[i], dst, 7, rx_cb, &log, &err);
		CU_ASSERT_PTR_NOT_NULL_FATAL(s);
		CU_ASSERT(udp_sock_port(s) >= 32768);
		CU_ASSERT_EQUAL(udp_send_buf(s, "hello, echo", 11, NULL), 0);
		/* a 3000-byte datagram spans two mbufs */
		{
			uint8_t big[3000];

			memset(big, 0xab, sizeof(big));
			CU_ASSERT_EQUAL(udp_send_buf(s, big, sizeof(big), NULL), 0);
		}
		th_run(10 * MS);
		CU_ASSERT_EQUAL(log.n, 2);
		CU_ASSERT_EQUAL(th_counter_ev(1, RB_EV_UDP_RX), 2);
		CU_ASSERT_EQUAL(th_counter_ev(1, RB_EV_UDP_TX), 2);
		CU_ASSERT_EQUAL(log.from.port, 7);
		CU_ASSERT_EQUAL(log.len, 3000);
		udp_close(s);
		/* the echo came back to the right place */
		memset(&log, 0, sizeof(log));
		s = udp_open(&th.h[0].lc, fams[i], dst, 7, rx_cb, &log, &err);
		CU_ASSERT_EQUAL(udp_send_buf(s, "x", 1, NULL), 0);
		th_run(10 * MS);
		CU_ASSERT(log.n == 1 && log.len == 1 && log.data[0] == 'x');
		udp_close(s);
		CU_ASSERT_EQUAL(th_teardown(), 0);
	}
}

static void test_bind_and_unreachable(void)
{
	struct rx_log a = {0}, b = {0};
	struct udp_sock *s1, *s2, *c;
	struct udp_peer to = {0};
	int err;

	th_setup(2, false);
	s1 = udp_bind(&th.h[1].lc, AF_INET, NULL, 5353, rx_cb, &a, &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s1);
	CU_ASSERT_PTR_NULL(udp_bind(&th.h[1].lc, AF_INET, NULL, 5353, rx_cb, &a, &err));
	CU_ASSERT_EQUAL(err, -EADDRINUSE);
	/* a specific address on the same port is more specific and allowed */
	s2 = udp_bind(&th.h[1].lc, AF_INET, th.h[1].addr4, 5353, rx_cb, &b, &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s2);
	CU_ASSERT_PTR_NULL(udp_bind(&th.h[1].lc, 0, NULL, 0, NULL, NULL, &err));
	CU_ASSERT_EQUAL(err, -EINVAL);
	c = udp_bind(&th.h[0].lc, AF_INET, NULL, 0, rx_cb, &a, &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	to.family = AF_INET;
	memcpy(to.addr, th.h[1].addr4, 4);
	to.port = 5353;
	CU_ASSERT_EQUAL(udp_send_buf(c, "q", 1, &to), 0);
	th_run(10 * MS);
	CU_ASSERT_EQUAL(b.n, 1); /* the address-bound socket wins */
	CU_ASSERT_EQUAL(a.n, 0);
	CU_ASSERT_EQUAL(b.from.port, udp_sock_port(c));
	/* nobody on 5354: ICMP port unreachable and a counted drop */
	to.port = 5354;
	CU_ASSERT_EQUAL(udp_send_buf(c, "q", 1, &to), 0);
	th_run(10 * MS);
	CU_ASSERT_EQUAL(th.icmp_errors, 1);
	CU_ASSERT_EQUAL(th.icmp_type, 3);
	CU_ASSERT_EQUAL(th.icmp_code, 3);
	CU_ASSERT_EQUAL(th_counter_drop(1, RB_DROP_UDP_NO_LISTENER), 1);
	udp_close(s2);
	udp_close(c);
	udp_close(s1);
	CU_ASSERT_EQUAL(th_teardown(), 0);
}

/* Ephemeral ports of udp_open and tcp_connect are ones the flow hash gives
 * back to the opening lcore. */
static void test_flow_owned_ports(void)
{
	th_setup(2, false);
	th.n_workers = 4;
	for (unsigned w = 0; w < 4; w++) {
		struct rx_log l = {0};
		int err;

		th.h[0].lc.worker = w;
		th.h[0].dp.n_workers = 4;
		for (int k = 0; k < 20; k++) {
			struct udp_sock *s = udp_open(&th.h[0].lc, AF_INET, th.h[1].addr4, 53, rx_cb,
						      &l, &err);
			uint32_t r, la;

			CU_ASSERT_PTR_NOT_NULL_FATAL(s);
			memcpy(&r, th.h[1].addr4, 4);
			memcpy(&la, th.h[0].addr4, 4);
			CU_ASSERT_EQUAL(rb_flow_owner4(&th.h[0].dp, 0, r, la, rte_cpu_to_be_16(53),
						       rte_cpu_to_be_16(udp_sock_port(s))),
					w);
			udp_close(s);
		}
		{
			struct tcp_connect_params p = {0};
			struct tcp_conn *c;
			uint16_t lport;
			uint8_t la6[16], ra6[16];

			p.family = AF_INET6;
			memcpy(p.raddr, th.h[1].addr6, 16);
			p.rport = 443;
			c = tcp_connect(&th.h[0].lc, &p, &err);
			CU_ASSERT_PTR_NOT_NULL_FATAL(c);
			tcp_get_addrs(c, NULL, la6, &lport, ra6, NULL);
			CU_ASSERT_EQUAL(rb_flow_owner6(&th.h[0].dp, 0, ra6, la6, rte_cpu_to_be_16(443),
						       rte_cpu_to_be_16(lport)),
					w);
			tcp_abort(c);
		}
	}
	th.h[0].lc.worker = 0;
	th_run(10 * MS);
	CU_ASSERT_EQUAL(th_teardown(), 0);
}

/* Malformed datagrams: one counted drop each, no delivery. */
struct bad_case {
	const char *name;
	int ulen_delta;     /* added to the UDP length field */
	bool bad_csum;
	bool v6_zero_csum;
	unsigned total;     /* bytes of L4 delivered (0 = normal) */
	enum rb_drop want;
};

static const struct bad_case bad_cases[] = {
	{"length field beyond the packet", 10, false, false, 0, RB_DROP_UDP_SHORT},
	{"length field below the header", -20, false, false, 0, RB_DROP_UDP_SHORT},
	{"bad checksum", 0, true, false, 0, RB_DROP_UDP_BAD_CSUM},
	{"shorter than a header", 0, false, false, 5, RB_DROP_UDP_SHORT},
};

static void test_malformed(void)
{
	for (unsigned i = 0; i < RTE_DIM(bad_cases); i++) {
		const struct bad_case *bc = &bad_cases[i];
		struct rx_log l = {0};
		struct udp_sock *s;
		struct rte_mbuf *m;
		struct rte_ipv4_hdr *ih;
		struct udp_hdr *uh;
		int err;

		th_setup(2, false);
		s = udp_bind(&th.h[1].lc, AF_INET, NULL, 9999, rx_cb, &l, &err);
		CU_ASSERT_PTR_NOT_NULL_FATAL(s);
		m = rte_pktmbuf_alloc(th.pool);
		{
			uint8_t *raw = (uint8_t *)rte_pktmbuf_append(m, sizeof(*ih) + 8 + 4);

			if (raw == NULL)
				abort();
			memset(raw, 0, sizeof(*ih) + 12);
			ih = (struct rte_ipv4_hdr *)raw;
		}
		uh = (struct udp_hdr *)(ih + 1);
		ih->version_ihl = RTE_IPV4_VHL_DEF;
		ih->total_length = rte_cpu_to_be_16(sizeof(*ih) + 12);
		ih->next_proto_id = IPPROTO_UDP;
		memcpy(&ih->src_addr, th.h[0].addr4, 4);
		memcpy(&ih->dst_addr, th.h[1].addr4, 4);
		uh->sport = rte_cpu_to_be_16(1);
		uh->dport = rte_cpu_to_be_16(9999);
		uh->len = rte_cpu_to_be_16((uint16_t)(12 + bc->ulen_delta));
		memcpy(uh + 1, "abcd", 4);
		uh->cksum = rte_ipv4_udptcp_cksum(ih, uh);
		if (bc->bad_csum)
			uh->cksum ^= 0x1234;
		if (bc->total) {
			rte_pktmbuf_trim(m, (uint16_t)(12 - bc->total));
			ih->total_length = rte_cpu_to_be_16((uint16_t)(sizeof(*ih) + bc->total));
		}
		th_deliver(1, m);
		CU_ASSERT_EQUAL(l.n, 0);
		if (th_counter_drop(1, bc->want) != 1)
			fprintf(stderr, "\n  udp case '%s' not counted\n", bc->name);
		CU_ASSERT_EQUAL(th_counter_drop(1, bc->want), 1);
		udp_close(s);
		CU_ASSERT_EQUAL(th_teardown(), 0);
	}
}

int main(void)
{
	CU_pSuite s;

	if (th_cunit_begin() < 0)
		return 1;
	s = CU_add_suite("udp", NULL, NULL);
	CU_add_test(s, "diag echo over IPv4 and IPv6", test_echo);
	CU_add_test(s, "bind, specificity, port unreachable", test_bind_and_unreachable);
	CU_add_test(s, "flow-owned ephemeral ports (UDP and TCP)", test_flow_owned_ports);
	CU_add_test(s, "malformed datagrams (table)", test_malformed);
	return th_cunit_end();
}
