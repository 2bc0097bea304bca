/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ICMP errors to TCP (dataplane/tcp/tcp_icmp.h): the parser of the message
 * and its quote (table), the connection's reaction to each kind (table:
 * MSS lowered or not, sequence check, soft errors in ESTABLISHED), a
 * "router" on the simulated wire that drops frames over a path MTU and
 * answers Fragmentation Needed / Packet Too Big (echo byte-exact, the MSS
 * lowered, no RTO), the same router silent (a PMTU black hole: mtu_probing
 * 1 completes with the MSS halved, 0 stalls in RTOs), and connects ended
 * by port unreachable and friends.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <CUnit/CUnit.h>
#include <CUnit/Basic.h>
#include <rte_ethdev.h>
#include <rte_ip.h>
#include "test_tcp_harness.h"
#include "test_tcp_app.h"
#include "dataplane/tcp/tcp_priv.h"
#include "dataplane/tcp/tcp_icmp.h"

#define MS 1000000ull
#define SEC 1000000000ull

static const uint8_t ROUTER4[4] = {10, 0, 0, 254};
static const uint8_t ROUTER6[16] = {0xfd, [15] = 0xfe};

static void wr16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void wr32(uint8_t *p, uint32_t v)
{
	wr16(p, (uint16_t)(v >> 16));
	wr16(p + 2, (uint16_t)v);
}

/* ---- the parser ---- */
struct parse_row {
	const char *name;
	int family;
	uint8_t type, code;
	uint32_t word;          /* the ICMP header's second word */
	uint8_t ihl;            /* IPv4 header words in the quote (0: 5) */
	uint8_t version;        /* quoted IP version (0: the family's) */
	uint8_t proto;          /* quoted protocol (0: TCP) */
	uint16_t frag;          /* IPv4 fragment offset field */
	int keep;               /* quote bytes kept (0: all, IP + 20 of TCP) */
	int rc;                 /* tcp_icmp_parse */
	uint8_t kind;
	int err;
	uint32_t mtu;
};

static const struct parse_row parse_rows[] = {
	{"v4 port unreachable", AF_INET, 3, 3, 0, 0, 0, 0, 0, 0, 0, TCP_ICMP_HARD, -ECONNREFUSED, 0},
	{"v4 protocol unreachable", AF_INET, 3, 2, 0, 0, 0, 0, 0, 0, 0, TCP_ICMP_HARD, -ECONNREFUSED, 0},
	{"v4 admin prohibited", AF_INET, 3, 13, 0, 0, 0, 0, 0, 0, 0, TCP_ICMP_HARD, -EHOSTUNREACH, 0},
	{"v4 net unreachable: soft", AF_INET, 3, 0, 0, 0, 0, 0, 0, 0, 0, TCP_ICMP_SOFT, -ENETUNREACH, 0},
	{"v4 host unreachable: soft", AF_INET, 3, 1, 0, 0, 0, 0, 0, 0, 0, TCP_ICMP_SOFT, -EHOSTUNREACH, 0},
	{"v4 frag needed 1280", AF_INET, 3, 4, 1280, 0, 0, 0, 0, 0, 0, TCP_ICMP_PMTU, 0, 1280},
	{"v4 frag needed, MTU 0", AF_INET, 3, 4, 0, 0, 0, 0, 0, 0, 0, TCP_ICMP_PMTU, 0, 0},
	{"v4 frag needed, options in the quote", AF_INET, 3, 4, 1400, 7, 0, 0, 0, 0, 0, TCP_ICMP_PMTU, 0, 1400},
	{"v4 quote: IP + 8 bytes of TCP", AF_INET, 3, 3, 0, 0, 0, 0, 0, 28, 0, TCP_ICMP_HARD, -ECONNREFUSED, 0},
	{"v4 quote: 7 bytes of TCP", AF_INET, 3, 3, 0, 0, 0, 0, 0, 27, TCP_ICMP_P_BAD, 0, 0, 0},
	{"v4 quote: no IP header", AF_INET, 3, 3, 0, 0, 0, 0, 0, 12, TCP_ICMP_P_BAD, 0, 0, 0},
	{"v4 quote: options cut", AF_INET, 3, 3, 0, 8, 0, 0, 0, 36, TCP_ICMP_P_BAD, 0, 0, 0},
	{"v4 quote: IHL 4", AF_INET, 3, 3, 0, 4, 0, 0, 0, 0, TCP_ICMP_P_BAD, 0, 0, 0},
	{"v4 quote: version 6", AF_INET, 3, 3, 0, 0, 6, 0, 0, 0, TCP_ICMP_P_BAD, 0, 0, 0},
	{"v4 quote: later fragment", AF_INET, 3, 3, 0, 0, 0, 0, 0x0010, 0, TCP_ICMP_P_BAD, 0, 0, 0},
	{"v4 quote: UDP", AF_INET, 3, 3, 0, 0, 0, IPPROTO_UDP, 0, 0, TCP_ICMP_P_OTHER, 0, 0, 0},
	{"v4 time exceeded: not taken", AF_INET, 11, 0, 0, 0, 0, 0, 0, 0, TCP_ICMP_P_OTHER, 0, 0, 0},
	{"v4 unreachable code 7: not taken", AF_INET, 3, 7, 0, 0, 0, 0, 0, 0, TCP_ICMP_P_OTHER, 0, 0, 0},
	{"v4 message of 7 bytes", AF_INET, 3, 3, 0, 0, 0, 0, 0, -1, TCP_ICMP_P_BAD, 0, 0, 0},
	{"v6 packet too big 1280", AF_INET6, 2, 0, 1280, 0, 0, 0, 0, 0, 0, TCP_ICMP_PMTU, 0, 1280},
	{"v6 packet too big 70000", AF_INET6, 2, 0, 70000, 0, 0, 0, 0, 0, 0, TCP_ICMP_PMTU, 0, 70000},
	{"v6 port unreachable", AF_INET6, 1, 4, 0, 0, 0, 0, 0, 0, 0, TCP_ICMP_HARD, -ECONNREFUSED, 0},
	{"v6 admin prohibited", AF_INET6, 1, 1, 0, 0, 0, 0, 0, 0, 0, TCP_ICMP_HARD, -EHOSTUNREACH, 0},
	{"v6 reject route", AF_INET6, 1, 6, 0, 0, 0, 0, 0, 0, 0, TCP_ICMP_HARD, -EHOSTUNREACH, 0},
	{"v6 no route: soft", AF_INET6, 1, 0, 0, 0, 0, 0, 0, 0, 0, TCP_ICMP_SOFT, -ENETUNREACH, 0},
	{"v6 address unreachable: soft", AF_INET6, 1, 3, 0, 0, 0, 0, 0, 0, 0, TCP_ICMP_SOFT, -EHOSTUNREACH, 0},
	{"v6 unreachable code 7: not taken", AF_INET6, 1, 7, 0, 0, 0, 0, 0, 0, TCP_ICMP_P_OTHER, 0, 0, 0},
	{"v6 time exceeded: not taken", AF_INET6, 3, 0, 0, 0, 0, 0, 0, 0, TCP_ICMP_P_OTHER, 0, 0, 0},
	{"v6 quote: IP + 8 bytes of TCP", AF_INET6, 1, 4, 0, 0, 0, 0, 0, 48, 0, TCP_ICMP_HARD, -ECONNREFUSED, 0},
	{"v6 quote: 7 bytes of TCP", AF_INET6, 1, 4, 0, 0, 0, 0, 0, 47, TCP_ICMP_P_BAD, 0, 0, 0},
	{"v6 quote: version 4", AF_INET6, 2, 0, 1280, 0, 4, 0, 0, 0, TCP_ICMP_P_BAD, 0, 0, 0},
	{"v6 quote: UDP", AF_INET6, 2, 0, 1280, 0, 0, IPPROTO_UDP, 0, 0, TCP_ICMP_P_OTHER, 0, 0, 0},
	{"v6 quote: extension header", AF_INET6, 1, 4, 0, 0, 0, 60, 0, 0, TCP_ICMP_P_OTHER, 0, 0, 0},
};

static const uint8_t L4[4] = {10, 0, 0, 1}, R4[4] = {192, 0, 2, 9};
static const uint8_t L6[16] = {0xfd, [15] = 1}, R6[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 9};

/* An ICMP message: type, code, word, then the quote (IP header, 20 bytes
 * of TCP: ports 40000 -> 80, seq 0x01020304). Returns its length. */
static uint32_t mk_msg(uint8_t *b, const struct parse_row *r)
{
	uint8_t *q = b + 8, *t;
	uint32_t ihl = r->family == AF_INET ? (r->ihl ? r->ihl : 5u) * 4 : 40, len;

	memset(b, 0, 8 + 60 + 20);
	b[0] = r->type;
	b[1] = r->code;
	wr32(b + 4, r->word);
	if (r->family == AF_INET) {
		q[0] = (uint8_t)((r->version ? r->version : 4) << 4 | (r->ihl ? r->ihl : 5));
		wr16(q + 2, 1500);
		wr16(q + 6, r->frag);
		q[8] = 64;
		q[9] = r->proto ? r->proto : IPPROTO_TCP;
		memcpy(q + 12, L4, 4);
		memcpy(q + 16, R4, 4);
	} else {
		q[0] = (uint8_t)((r->version ? r->version : 6) << 4);
		wr16(q + 4, 1460);
		q[6] = r->proto ? r->proto : IPPROTO_TCP;
		q[7] = 64;
		memcpy(q + 8, L6, 16);
		memcpy(q + 24, R6, 16);
	}
	t = q + ihl;
	wr16(t, 40000);
	wr16(t + 2, 80);
	wr32(t + 4, 0x01020304);
	len = 8 + ihl + 20;
	if (r->keep > 0)
		len = 8 + (uint32_t)r->keep;
	else if (r->keep < 0)
		len = 7;
	return len;
}

static void test_parse_table(void)
{
	uint8_t b[8 + 60 + 20];

	for (size_t i = 0; i < RTE_DIM(parse_rows); i++) {
		const struct parse_row *r = &parse_rows[i];
		struct tcp_icmp_err e;
		uint32_t len = mk_msg(b, r);
		int rc = tcp_icmp_parse(r->family, b, len, &e);

		if (rc != r->rc || (rc == 0 && (e.kind != r->kind || e.err != r->err)))
			fprintf(stderr, "\n  parse row '%s': rc %d kind %u err %d\n", r->name, rc,
				e.kind, e.err);
		CU_ASSERT_EQUAL(rc, r->rc);
		if (rc != 0 || r->rc != 0)
			continue;
		CU_ASSERT_EQUAL(e.kind, r->kind);
		CU_ASSERT_EQUAL(e.err, r->err);
		CU_ASSERT_EQUAL(e.family, r->family);
		CU_ASSERT_EQUAL(e.seq, 0x01020304u);
		CU_ASSERT_EQUAL(rte_be_to_cpu_16(e.lport), 40000);
		CU_ASSERT_EQUAL(rte_be_to_cpu_16(e.rport), 80);
		if (r->kind == TCP_ICMP_PMTU)
			CU_ASSERT_EQUAL(e.mtu, r->mtu);
		if (r->family == AF_INET) {
			CU_ASSERT(memcmp(e.laddr, L4, 4) == 0 && memcmp(e.raddr, R4, 4) == 0);
			CU_ASSERT_EQUAL(e.quoted_len, 1500);
		} else {
			CU_ASSERT(memcmp(e.laddr, L6, 16) == 0 && memcmp(e.raddr, R6, 16) == 0);
		}
	}
}

/* RFC 1191 7: the plateau below a quoted length. */
static void test_plateau(void)
{
	static const uint32_t rows[][2] = {
		{65535, 32000}, {32000, 17914}, {1500, 1492}, {1492, 1006}, {1006, 508},
		{576, 508}, {509, 508}, {508, 296}, {100, 68}, {68, 68}, {0, 68},
	};

	for (size_t i = 0; i < RTE_DIM(rows); i++) {
		if (tcp_icmp_plateau(rows[i][0]) != rows[i][1])
			fprintf(stderr, "\n  plateau(%u) = %u, want %u\n", rows[i][0],
				tcp_icmp_plateau(rows[i][0]), rows[i][1]);
		CU_ASSERT_EQUAL(tcp_icmp_plateau(rows[i][0]), rows[i][1]);
	}
}

/* ---- an ICMP error from the router about packet m (data at its IP
 * header) sent by host `to` ---- */
static struct rte_mbuf *icmp_about(int family, int to, const struct rte_mbuf *m, uint8_t type,
				   uint8_t code, uint32_t word)
{
	uint32_t hl = family == AF_INET ? 20 : 40;
	uint32_t qlen = RTE_MIN(rte_pktmbuf_pkt_len(m), (family == AF_INET ? 576u : 1280u) - hl - 8);
	struct rte_mbuf *e = rte_pktmbuf_alloc(th.pool);
	uint8_t *p, *ic;

	CU_ASSERT_PTR_NOT_NULL_FATAL(e);
	p = (uint8_t *)rte_pktmbuf_append(e, (uint16_t)(hl + 8 + qlen));
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	memset(p, 0, hl + 8);
	if (family == AF_INET) {
		p[0] = 0x45;
		wr16(p + 2, (uint16_t)(hl + 8 + qlen));
		p[8] = 64;
		p[9] = IPPROTO_ICMP;
		memcpy(p + 12, ROUTER4, 4);
		memcpy(p + 16, th.h[to].addr4, 4);
	} else {
		p[0] = 0x60;
		wr16(p + 4, (uint16_t)(8 + qlen));
		p[6] = IPPROTO_ICMPV6;
		p[7] = 64;
		memcpy(p + 8, ROUTER6, 16);
		memcpy(p + 24, th.h[to].addr6, 16);
	}
	ic = p + hl;
	ic[0] = type;
	ic[1] = code;
	wr32(ic + 4, word);
	CU_ASSERT_FATAL(rte_pktmbuf_read(m, 0, qlen, ic + 8) != NULL);
	if (rte_pktmbuf_read(m, 0, qlen, ic + 8) != ic + 8)
		memcpy(ic + 8, rte_pktmbuf_read(m, 0, qlen, ic + 8), qlen);
	return e;
}

/* ---- the connection's reaction ---- */
enum outcome { O_LOWERED, O_IGNORED, O_BAD_SEQ, O_SOFT, O_NO_CONN };

struct react_row {
	const char *name;
	int family;
	uint8_t type, code;
	uint32_t word;
	uint16_t quoted_len;    /* the quoted IPv4 total length */
	int seq;                /* 0: snd_una; 1: snd_una - 1; 2: snd_max; 3: mid-flight */
	int other_port;         /* quote a port with no connection */
	enum outcome out;
	uint16_t mss;           /* c->mss afterwards */
};

static const struct react_row react_rows[] = {
	{"v4 frag needed 1280", AF_INET, 3, 4, 1280, 0, 0, 0, O_LOWERED, 1240},
	{"v4 frag needed 1280, mid-flight seq", AF_INET, 3, 4, 1280, 0, 3, 0, O_LOWERED, 1240},
	{"v4 MTU 1500: not below", AF_INET, 3, 4, 1500, 0, 0, 0, O_IGNORED, 1460},
	{"v4 MTU 9000: above", AF_INET, 3, 4, 9000, 0, 0, 0, O_IGNORED, 1460},
	{"v4 MTU 300: the 576 floor", AF_INET, 3, 4, 300, 0, 0, 0, O_LOWERED, 536},
	{"v4 MTU 60: under 68, none", AF_INET, 3, 4, 60, 0, 0, 0, O_IGNORED, 1460},
	{"v4 MTU 0, quoted 1500: plateau 1492", AF_INET, 3, 4, 0, 1500, 0, 0, O_LOWERED, 1452},
	{"v4 MTU 0, quoted 1100: plateau 1006", AF_INET, 3, 4, 0, 1100, 0, 0, O_LOWERED, 966},
	{"v4 seq below snd_una", AF_INET, 3, 4, 1280, 0, 1, 0, O_BAD_SEQ, 1460},
	{"v4 seq at snd_max", AF_INET, 3, 4, 1280, 0, 2, 0, O_BAD_SEQ, 1460},
	{"v4 no such connection", AF_INET, 3, 4, 1280, 0, 0, 1, O_NO_CONN, 1460},
	{"v4 host unreachable, established: soft", AF_INET, 3, 1, 0, 0, 0, 0, O_SOFT, 1460},
	{"v4 port unreachable, established: soft", AF_INET, 3, 3, 0, 0, 0, 0, O_SOFT, 1460},
	{"v4 admin prohibited, established: soft", AF_INET, 3, 13, 0, 0, 0, 0, O_SOFT, 1460},
	{"v6 packet too big 1400", AF_INET6, 2, 0, 1400, 0, 0, 0, O_LOWERED, 1340},
	{"v6 packet too big 1000: the 1280 floor", AF_INET6, 2, 0, 1000, 0, 0, 0, O_LOWERED, 1220},
	{"v6 packet too big 1500: not below", AF_INET6, 2, 0, 1500, 0, 0, 0, O_IGNORED, 1440},
	{"v6 seq at snd_max", AF_INET6, 2, 0, 1280, 0, 2, 0, O_BAD_SEQ, 1440},
	{"v6 port unreachable, established: soft", AF_INET6, 1, 4, 0, 0, 0, 0, O_SOFT, 1440},
};

static bool connected(void *arg)
{
	return ((struct app *)arg)->connected != 0;
}

/* A copy of c's next segment as sent, data at the IP header, for quoting:
 * [seq, seq + 100) of the flight with c's addresses. */
static struct rte_mbuf *fake_sent(const struct tcp_conn *c, uint32_t seq, uint16_t quoted_len)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(th.pool);
	uint32_t hl = c->key.family == AF_INET ? 20 : 40;
	uint8_t *p = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)(hl + 20 + 100));

	memset(p, 0, hl + 20 + 100);
	if (c->key.family == AF_INET) {
		p[0] = 0x45;
		wr16(p + 2, quoted_len ? quoted_len : (uint16_t)(hl + 20 + 100));
		wr16(p + 6, 0x4000);
		p[9] = IPPROTO_TCP;
		memcpy(p + 12, c->key.laddr, 4);
		memcpy(p + 16, c->key.raddr, 4);
	} else {
		p[0] = 0x60;
		p[6] = IPPROTO_TCP;
		memcpy(p + 8, c->key.laddr, 16);
		memcpy(p + 24, c->key.raddr, 16);
	}
	memcpy(p + hl, &c->key.lport, 2);
	memcpy(p + hl + 2, &c->key.rport, 2);
	wr32(p + hl + 4, seq);
	p[hl + 12] = 5 << 4;
	p[hl + 13] = TCP_ACK;
	return m;
}

static void test_react_table(void)
{
	static uint8_t data[200000];

	for (size_t i = 0; i < RTE_DIM(react_rows); i++) {
		const struct react_row *r = &react_rows[i];
		struct app a;
		struct tcp_conn *c;
		struct rte_mbuf *sent, *err;
		uint32_t seq;
		size_t n;
		uint64_t rexmit0, drops[5];
		struct tcp_info info;

		th_setup(2, true);
		app_init(&a);
		a.no_read = true;
		CU_ASSERT_PTR_NOT_NULL_FATAL(app_connect(&a, 0, 1, r->family, 9, 0, NULL));
		CU_ASSERT_FATAL(th_run_until(connected, &a, 100 * MS));
		CU_ASSERT_EQUAL_FATAL(a.connected, 1);
		c = a.c;
		n = tcp_write(c, data, sizeof(data));
		CU_ASSERT(n > 20000);
		tcp_flush(c);
		CU_ASSERT_FATAL(c->snd_max - c->snd_una > 2500);
		seq = r->seq == 0 ? c->snd_una : r->seq == 1 ? c->snd_una - 1
			: r->seq == 2 ? c->snd_max : c->snd_una + 2000;
		sent = fake_sent(c, seq, r->quoted_len);
		if (r->other_port) {
			uint8_t *t = rte_pktmbuf_mtod_offset(sent, uint8_t *,
							     r->family == AF_INET ? 20 : 40);

			t[0] ^= 1;
		}
		err = icmp_about(r->family, 0, sent, r->type, r->code, r->word);
		rte_pktmbuf_free(sent);
		rexmit0 = th_counter_ev(0, RB_EV_TCP_RETRANSMIT);
		drops[0] = th_counter_drop(0, RB_DROP_TCP_ICMP_PMTU_IGNORED);
		drops[1] = th_counter_drop(0, RB_DROP_TCP_ICMP_BAD_SEQ);
		drops[2] = th_counter_drop(0, RB_DROP_TCP_ICMP_NO_CONN);
		th_deliver(0, err);
		if (c->mss != r->mss)
			fprintf(stderr, "\n  react row '%s': mss %u, want %u\n", r->name, c->mss, r->mss);
		CU_ASSERT_EQUAL(th_counter_ev(0, RB_EV_TCP_ICMP_RCVD), 1);
		CU_ASSERT_EQUAL(c->mss, r->mss);
		CU_ASSERT_EQUAL(th_counter_ev(0, RB_EV_TCP_PMTU_LOWERED), r->out == O_LOWERED);
		CU_ASSERT_EQUAL(th_counter_drop(0, RB_DROP_TCP_ICMP_PMTU_IGNORED) - drops[0],
				r->out == O_IGNORED);
		CU_ASSERT_EQUAL(th_counter_drop(0, RB_DROP_TCP_ICMP_BAD_SEQ) - drops[1],
				r->out == O_BAD_SEQ);
		CU_ASSERT_EQUAL(th_counter_drop(0, RB_DROP_TCP_ICMP_NO_CONN) - drops[2],
				r->out == O_NO_CONN);
		CU_ASSERT_EQUAL(th_counter_ev(0, RB_EV_TCP_ICMP_SOFT), r->out == O_SOFT);
		CU_ASSERT_EQUAL(th_counter_ev(0, RB_EV_TCP_ICMP_HARD), 0);
		/* lowered: the flight goes again at once, from snd_una */
		if (r->out == O_LOWERED) {
			CU_ASSERT(th_counter_ev(0, RB_EV_TCP_RETRANSMIT) > rexmit0);
			CU_ASSERT(seq_gt(c->snd_nxt, c->snd_una));
		} else {
			CU_ASSERT_EQUAL(th_counter_ev(0, RB_EV_TCP_RETRANSMIT), rexmit0);
		}
		/* nothing aborted: all the data is delivered */
		CU_ASSERT_EQUAL(c->state, TCPS_ESTABLISHED);
		CU_ASSERT(!a.closed);
		th_run(3 * SEC);
		tcp_get_info(c, &info);
		CU_ASSERT_EQUAL(info.bytes_acked, n);
		CU_ASSERT(!a.closed);
		CU_ASSERT_EQUAL(th_counter_ev(0, RB_EV_TCP_RTO), 0);
		tcp_abort(c);
		th_run(100 * MS);
		app_free(&a);
		CU_ASSERT_EQUAL(th_teardown(), 0);
	}
}

/* ---- a router with a smaller MTU on the path ---- */
struct router_row {
	const char *name;
	int family;
	uint32_t path_mtu;
	bool mtu0;              /* IPv4 Fragmentation Needed without the MTU */
	uint64_t offl;          /* the ports' offloads (TSO) */
	bool sack;
	uint16_t mss;           /* both ends' MSS afterwards */
};

#define OFFL_TSO (RTE_ETH_TX_OFFLOAD_IPV4_CKSUM | RTE_ETH_TX_OFFLOAD_TCP_CKSUM | \
		  RTE_ETH_TX_OFFLOAD_MULTI_SEGS | RTE_ETH_TX_OFFLOAD_TCP_TSO)

static const struct router_row router_rows[] = {
	{"v4 1280", AF_INET, 1280, false, 0, true, 1240},
	{"v4 1280 no SACK", AF_INET, 1280, false, 0, false, 1240},
	{"v4 1280 TSO", AF_INET, 1280, false, OFFL_TSO, true, 1240},
	{"v4 1006", AF_INET, 1006, false, 0, true, 966},
	{"v4 1280, MTU 0 (plateaus 1492, 1006)", AF_INET, 1280, true, 0, true, 966},
	{"v6 1280", AF_INET6, 1280, false, 0, true, 1220},
	{"v6 1400 TSO", AF_INET6, 1400, false, OFFL_TSO, true, 1340},
};

static const struct router_row *router;
static uint64_t router_drops, router_no_df;

static bool router_filter(int from, struct rte_mbuf *m, void *arg)
{
	const uint8_t *ip = rte_pktmbuf_mtod(m, const uint8_t *);
	uint32_t len = rte_pktmbuf_pkt_len(m);

	(void)arg;
	/* RFC 1191 works on DF segments: every IPv4 TCP frame carries it */
	if ((ip[0] >> 4) == 4 && ip[9] == IPPROTO_TCP && !(ip[6] & 0x40))
		router_no_df++;
	if (len <= router->path_mtu)
		return false;
	router_drops++;
	if ((ip[0] >> 4) == 4)
		th_inject(icmp_about(AF_INET, from, m, 3, 4, router->mtu0 ? 0 : router->path_mtu));
	else
		th_inject(icmp_about(AF_INET6, from, m, 2, 0, router->path_mtu));
	return true;
}

static void test_router_table(void)
{
	size_t size = 300000;
	uint8_t *data = pattern(size, 11);

	for (size_t i = 0; i < RTE_DIM(router_rows); i++) {
		const struct router_row *r = &router_rows[i];
		struct app a;
		bool ok;

		th_setup(2, true);
		if (r->offl)
			th_port_model(r->offl, true);
		for (int h = 0; h < 2; h++)
			tcp_params(&th.h[h].lc)->sack = r->sack;
		router = r;
		router_drops = router_no_df = 0;
		th.filter = router_filter;
		CU_ASSERT_PTR_NOT_NULL_FATAL(app_send_all(&a, r->family, 7, NULL, data, size));
		ok = th_run_until(app_finished, &a, 60 * SEC);
		fprintf(stderr, "\n  router '%s': %zu/%zu B echoed, router drops %lu, lowered %lu/%lu, "
			"RTOs %lu/%lu, TSO frames %lu", r->name, a.rx_len, size,
			(unsigned long)router_drops,
			(unsigned long)th_counter_ev(0, RB_EV_TCP_PMTU_LOWERED),
			(unsigned long)th_counter_ev(1, RB_EV_TCP_PMTU_LOWERED),
			(unsigned long)th_counter_ev(0, RB_EV_TCP_RTO),
			(unsigned long)th_counter_ev(1, RB_EV_TCP_RTO), (unsigned long)th.tso_frames);
		CU_ASSERT(ok);
		CU_ASSERT_EQUAL(a.connected, 1);
		CU_ASSERT(a.eof);
		CU_ASSERT(a.rx_len == size && memcmp(a.rx, data, size) == 0);
		CU_ASSERT(router_drops > 0);
		CU_ASSERT_EQUAL(router_no_df, 0);
		/* the sender learnt the path (the echo answers in the sizes it gets) */
		CU_ASSERT(th_counter_ev(0, RB_EV_TCP_PMTU_LOWERED) >= 1);
		/* sent again at once, never waited for the timer */
		CU_ASSERT_EQUAL(th_counter_ev(0, RB_EV_TCP_RTO) + th_counter_ev(1, RB_EV_TCP_RTO), 0);
		CU_ASSERT(!r->offl || th.tso_frames > 0);
		if (a.c != NULL) {
			struct tcp_info info;

			tcp_get_info(a.c, &info);
			CU_ASSERT_EQUAL(info.mss, r->mss);
			tcp_close(a.c);
		}
		th_run(100 * SEC);
		th.filter = NULL;
		app_free(&a);
		CU_ASSERT_EQUAL(th_teardown(), 0);
	}
	free(data);
}

/* ---- a black hole: the router drops what is over its MTU and sends no
 * ICMP (filtered on the way).  mtu_probing 1: three RTOs in a row of the
 * same full-sized data halve the MSS (not below 1024, IPv6 1220) and the
 * echo completes; 0: only RTOs, nothing over the MTU ever passes. ---- */
struct blackhole_row {
	const char *name;
	int family;
	uint8_t mtu_probing;
	bool sack;
	uint16_t mss;           /* both ends' MSS afterwards (0: stalled) */
};

static const struct blackhole_row blackhole_rows[] = {
	{"v4 1280 silent, mtu_probing 1", AF_INET, 1, true, 1024},
	{"v4 1280 silent, mtu_probing 1, no SACK", AF_INET, 1, false, 1024},
	{"v6 1280 silent, mtu_probing 1", AF_INET6, 1, true, 1220},
	{"v4 1280 silent, mtu_probing 0", AF_INET, 0, true, 0},
	{"v6 1280 silent, mtu_probing 0", AF_INET6, 0, true, 0},
};

static uint64_t silent_drops;

static bool silent_filter(int from, struct rte_mbuf *m, void *arg)
{
	(void)from, (void)arg;
	if (rte_pktmbuf_pkt_len(m) <= 1280)
		return false;
	silent_drops++;
	return true;
}

static void test_blackhole_table(void)
{
	size_t size = 200000;
	uint8_t *data = pattern(size, 7);

	for (size_t i = 0; i < RTE_DIM(blackhole_rows); i++) {
		const struct blackhole_row *r = &blackhole_rows[i];
		struct app a;
		bool ok;

		th_setup(2, true);
		for (int h = 0; h < 2; h++) {
			tcp_params(&th.h[h].lc)->sack = r->sack;
			tcp_params(&th.h[h].lc)->mtu_probing = r->mtu_probing;
		}
		silent_drops = 0;
		th.filter = silent_filter;
		CU_ASSERT_PTR_NOT_NULL_FATAL(app_send_all(&a, r->family, 7, NULL, data, size));
		ok = th_run_until(app_finished, &a, 30 * SEC);
		fprintf(stderr, "\n  black hole '%s': %zu/%zu B echoed, silent drops %lu, "
			"black holes %lu/%lu, RTOs %lu/%lu", r->name, a.rx_len, size,
			(unsigned long)silent_drops,
			(unsigned long)th_counter_ev(0, RB_EV_TCP_PMTU_BLACKHOLE),
			(unsigned long)th_counter_ev(1, RB_EV_TCP_PMTU_BLACKHOLE),
			(unsigned long)th_counter_ev(0, RB_EV_TCP_RTO),
			(unsigned long)th_counter_ev(1, RB_EV_TCP_RTO));
		CU_ASSERT_EQUAL(a.connected, 1);
		CU_ASSERT(silent_drops > 0);
		CU_ASSERT(th_counter_ev(0, RB_EV_TCP_RTO) >= TCP_BLACKHOLE_RTOS);
		CU_ASSERT_EQUAL(th_counter_ev(0, RB_EV_TCP_PMTU_LOWERED), 0);
		if (r->mss) {
			struct tcp_info info;

			CU_ASSERT(ok);
			CU_ASSERT(a.eof);
			CU_ASSERT(a.rx_len == size && memcmp(a.rx, data, size) == 0);
			/* one halving: 1460 -> 1024 (the floor), 1440 -> 1220 (the
			 * echo answers in the sizes it gets, so never full-sized) */
			CU_ASSERT_EQUAL(th_counter_ev(0, RB_EV_TCP_PMTU_BLACKHOLE), 1);
			CU_ASSERT_PTR_NOT_NULL_FATAL(a.c);
			tcp_get_info(a.c, &info);
			CU_ASSERT_EQUAL(info.mss, r->mss);
			tcp_close(a.c);
		} else {
			CU_ASSERT(!ok);
			CU_ASSERT(a.rx_len < size && !a.eof);
			CU_ASSERT_EQUAL(th_counter_ev(0, RB_EV_TCP_PMTU_BLACKHOLE) +
					th_counter_ev(1, RB_EV_TCP_PMTU_BLACKHOLE), 0);
			if (a.c != NULL)
				tcp_abort(a.c);
		}
		th_run(100 * SEC);
		th.filter = NULL;
		app_free(&a);
		CU_ASSERT_EQUAL(th_teardown(), 0);
	}
	free(data);
}

/* ---- the destination cache (tcp_pmtu.c) ---- */
struct cache_row {
	const char *name;
	int family;
	int second_to;          /* the second connection's host */
	uint32_t expire_ms;     /* the cache's lifetime (0: 10 minutes) */
	uint64_t wait_ns;       /* between the two connections */
	bool hit;               /* the second starts with the learnt MSS */
};

static const struct cache_row cache_rows[] = {
	{"v4 same destination: starts lowered", AF_INET, 1, 0, 0, true},
	{"v6 same destination: starts lowered", AF_INET6, 1, 0, 0, true},
	{"v4 another destination: full MSS", AF_INET, 2, 0, 0, false},
	{"v4 after the lifetime: full MSS, learnt again", AF_INET, 1, 50, 100 * MS, false},
};

static uint64_t drops_from0;

/* The router only on the way to host 1 (1280). */
static bool cache_filter(int from, struct rte_mbuf *m, void *arg)
{
	const uint8_t *ip = rte_pktmbuf_mtod(m, const uint8_t *);
	int v4 = (ip[0] >> 4) == 4;

	(void)arg;
	if (rte_pktmbuf_pkt_len(m) <= 1280 ||
	    memcmp(v4 ? ip + 16 : ip + 24, v4 ? th.h[1].addr4 : th.h[1].addr6, v4 ? 4 : 16) != 0)
		return false;
	drops_from0 += from == 0;
	th_inject(icmp_about(v4 ? AF_INET : AF_INET6, from, m, v4 ? 3 : 2, v4 ? 4 : 0, 1280));
	return true;
}

static void echo_once(struct app *a, int to, int family, const uint8_t *data, size_t size)
{
	app_init(a);
	a->tx = data;
	a->tx_len = size;
	a->shut_after_tx = true;
	CU_ASSERT_PTR_NOT_NULL_FATAL(app_connect(a, 0, to, family, 7, 0, NULL));
	CU_ASSERT(th_run_until(app_finished, a, 30 * SEC));
	CU_ASSERT(a->rx_len == size && memcmp(a->rx, data, size) == 0);
}

static void test_cache_table(void)
{
	size_t size = 100000;
	uint8_t *data = pattern(size, 5);

	for (size_t i = 0; i < RTE_DIM(cache_rows); i++) {
		const struct cache_row *r = &cache_rows[i];
		uint16_t full = r->family == AF_INET ? 1460 : 1440, low = r->family == AF_INET ? 1240 : 1220;
		struct app a, b;
		struct tcp_info info;
		uint64_t d0;

		th_setup(3, true);
		th.filter = cache_filter;
		drops_from0 = 0;
		th.h[0].lc.tcp->pmtu_expire_ms = r->expire_ms;
		echo_once(&a, 1, r->family, data, size);
		CU_ASSERT_EQUAL(th_counter_ev(0, RB_EV_TCP_PMTU_LOWERED), 1);
		CU_ASSERT_EQUAL(th_counter_ev(0, RB_EV_TCP_PMTU_CACHED), 1);
		CU_ASSERT(drops_from0 > 0);
		th_run(r->wait_ns);
		d0 = drops_from0;
		echo_once(&b, r->second_to, r->family, data, size);
		CU_ASSERT_PTR_NOT_NULL_FATAL(b.c);
		tcp_get_info(b.c, &info);
		if (info.mss != (r->second_to == 1 || r->hit ? low : full))
			fprintf(stderr, "\n  cache row '%s': mss %u\n", r->name, info.mss);
		CU_ASSERT_EQUAL(info.mss, r->second_to == 1 || r->hit ? low : full);
		CU_ASSERT_EQUAL(th_counter_ev(0, RB_EV_TCP_PMTU_CACHE_HIT), r->hit);
		/* a hit loses nothing to the router; a miss to host 1 learns again */
		CU_ASSERT_EQUAL(drops_from0 == d0, r->hit || r->second_to != 1);
		CU_ASSERT_EQUAL(th_counter_ev(0, RB_EV_TCP_PMTU_LOWERED),
				1u + (!r->hit && r->second_to == 1));
		tcp_close(a.c);
		tcp_close(b.c);
		th_run(100 * SEC);
		th.filter = NULL;
		app_free(&a);
		app_free(&b);
		CU_ASSERT_EQUAL(th_teardown(), 0);
	}
	free(data);
}

/* Bounded: 1000 destinations into 64 x 4 entries, the evictions counted,
 * the latest ones found. */
static void test_cache_bound(void)
{
	struct tcp_stack *st;
	uint8_t a[16] = {0};
	uint32_t found = 0;

	th_setup(1, false);
	st = th.h[0].lc.tcp;
	for (uint32_t i = 0; i < 1000; i++) {
		a[0] = 198, a[1] = 18, a[2] = (uint8_t)(i >> 8), a[3] = (uint8_t)i;
		tcp_pmtu_learn(st, AF_INET, a, 1000 + i % 200);
		CU_ASSERT_EQUAL(tcp_pmtu_get(st, AF_INET, a), 1000 + i % 200);
	}
	CU_ASSERT(st->n_pmtu <= TCP_PMTU_SETS * TCP_PMTU_WAYS && st->n_pmtu > 200);
	CU_ASSERT_EQUAL(th_counter_ev(0, RB_EV_TCP_PMTU_CACHED), 1000);
	CU_ASSERT_EQUAL(th_counter_ev(0, RB_EV_TCP_PMTU_EVICT), 1000 - st->n_pmtu);
	for (uint32_t i = 0; i < 1000; i++) {
		a[2] = (uint8_t)(i >> 8), a[3] = (uint8_t)i;
		found += tcp_pmtu_get(st, AF_INET, a) != 0;
	}
	CU_ASSERT_EQUAL(found, st->n_pmtu);
	CU_ASSERT_EQUAL(th_teardown(), 0);
}

/* ---- connects answered with ICMP ---- */
struct refuse_row {
	const char *name;
	int family;
	uint8_t type, code;
	int seq_off;            /* added to the quoted SYN's sequence number */
	int err;                /* on_connected */
	bool fast;              /* within 10 ms (else after the SYN retries) */
};

static const struct refuse_row refuse_rows[] = {
	{"v4 port unreachable", AF_INET, 3, 3, 0, -ECONNREFUSED, true},
	{"v4 protocol unreachable", AF_INET, 3, 2, 0, -ECONNREFUSED, true},
	{"v4 admin prohibited", AF_INET, 3, 13, 0, -EHOSTUNREACH, true},
	{"v6 port unreachable", AF_INET6, 1, 4, 0, -ECONNREFUSED, true},
	{"v6 admin prohibited", AF_INET6, 1, 1, 0, -EHOSTUNREACH, true},
	{"v4 host unreachable: soft, reported at the timeout", AF_INET, 3, 1, 0, -EHOSTUNREACH, false},
	{"v4 net unreachable: soft, reported at the timeout", AF_INET, 3, 0, 0, -ENETUNREACH, false},
	{"v6 address unreachable: soft", AF_INET6, 1, 3, 0, -EHOSTUNREACH, false},
	{"v4 port unreachable quoting seq ISS+1: ignored", AF_INET, 3, 3, 1, -ETIMEDOUT, false},
	{"v6 port unreachable quoting seq ISS-1: ignored", AF_INET6, 1, 4, -1, -ETIMEDOUT, false},
};

static const struct refuse_row *refuse;

static bool refuse_filter(int from, struct rte_mbuf *m, void *arg)
{
	const uint8_t *ip = rte_pktmbuf_mtod(m, const uint8_t *);
	uint32_t hl = (ip[0] >> 4) == 4 ? 20 : 40;
	struct rte_mbuf *e;
	uint32_t seq;
	uint8_t *t;

	(void)arg;
	if (from != 0)
		return false;
	e = icmp_about(refuse->family, 0, m, refuse->type, refuse->code, 0);
	t = rte_pktmbuf_mtod_offset(e, uint8_t *, hl + 8 + hl);
	memcpy(&seq, ip + hl + 4, 4);
	wr32(t + 4, rte_be_to_cpu_32(seq) + (uint32_t)refuse->seq_off);
	th_inject(e);
	return true;
}

static void test_refuse_table(void)
{
	for (size_t i = 0; i < RTE_DIM(refuse_rows); i++) {
		const struct refuse_row *r = &refuse_rows[i];
		struct app a;
		uint64_t t0;

		th_setup(2, false);
		tcp_params(&th.h[0].lc)->syn_retries = 2;
		refuse = r;
		th.filter = refuse_filter;
		app_init(&a);
		t0 = th.now;
		CU_ASSERT_PTR_NOT_NULL_FATAL(app_connect(&a, 0, 1, r->family, 7777, 0, NULL));
		th_run_until(connected, &a, 60 * SEC);
		if (a.connected != r->err)
			fprintf(stderr, "\n  refuse row '%s': %d after %.3f s, want %d\n", r->name,
				a.connected, (double)(th.now - t0) / 1e9, r->err);
		CU_ASSERT_EQUAL(a.connected, r->err);
		CU_ASSERT(a.closed);
		CU_ASSERT(r->fast ? th.now - t0 < 10 * MS : th.now - t0 > 1 * SEC);
		CU_ASSERT_EQUAL(th_counter_ev(0, RB_EV_TCP_ICMP_HARD), r->fast);
		CU_ASSERT_EQUAL(th_counter_drop(0, RB_DROP_TCP_ICMP_BAD_SEQ) > 0,
				r->err == -ETIMEDOUT);
		th.filter = NULL;
		th_run(10 * MS);
		app_free(&a);
		CU_ASSERT_EQUAL(th_teardown(), 0);
	}
}

int main(void)
{
	CU_pSuite s;

	if (th_cunit_begin() < 0)
		return 1;
	s = CU_add_suite("tcp icmp", NULL, NULL);
	CU_add_test(s, "ICMP/ICMPv6 error parser (table)", test_parse_table);
	CU_add_test(s, "RFC 1191 plateaus (table)", test_plateau);
	CU_add_test(s, "connection's reaction (table)", test_react_table);
	CU_add_test(s, "router below the MTU: echo byte-exact (table)", test_router_table);
	CU_add_test(s, "black hole (no ICMP): mtu_probing halves the MSS (table)",
		    test_blackhole_table);
	CU_add_test(s, "connects answered with ICMP (table)", test_refuse_table);
	CU_add_test(s, "destination cache: the next connection starts lowered (table)",
		    test_cache_table);
	CU_add_test(s, "destination cache: bounded, evictions counted", test_cache_bound);
	return th_cunit_end();
}
