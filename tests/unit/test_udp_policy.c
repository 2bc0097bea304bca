/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Table-driven tests of the UDP session policy (dataplane/proxy/udp_policy.c):
 * sing-box's idle timeouts by the first destination's port, the outbound
 * chains a UDP outbound may take (rb_udp_chain, rb_udp_socks_chain: socks5
 * and shadowsocks hops in any order down to direct; block refused as
 * block; http, wireguard, SOCKS4, tcp-only hops and over-long chains not
 * for UDP), and the relay address of an association
 * (BND.ADDR, the server's address, or the server's name through a detour).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <CUnit/Basic.h>

#include "dataplane/proxy/udp_policy.h"

/* ------------------------------------------------------------ idle */

static const struct {
	uint16_t port;
	uint32_t configured, want;
} idle_cases[] = {
	{ 53, 0, 10 },     /* DNS */
	{ 53, 300, 10 },
	{ 53, 2, 2 },      /* a shorter udp_timeout wins */
	{ 123, 0, 10 },    /* NTP */
	{ 3478, 0, 10 },   /* STUN */
	{ 443, 0, 30 },    /* QUIC */
	{ 443, 20, 20 },
	{ 443, 600, 30 },
	{ 8080, 0, 300 },  /* others: 5 min */
	{ 8080, 60, 60 },
	{ 8080, 900, 900 },
	{ 0, 0, 300 },
	{ 65535, 1, 1 },
};

static void test_idle(void)
{
	for (size_t i = 0; i < sizeof(idle_cases) / sizeof(idle_cases[0]); i++) {
		uint32_t got = rb_udp_idle_s(idle_cases[i].port, idle_cases[i].configured);

		if (got != idle_cases[i].want)
			printf("\nidle port %u configured %u: %u, want %u\n", idle_cases[i].port,
			       idle_cases[i].configured, got, idle_cases[i].want);
		CU_ASSERT_EQUAL(got, idle_cases[i].want);
	}
}

/* ------------------------------------------------------------ chains */

/* An outbound: type, socks version, network, detour index (-1 none). */
struct ob_spec {
	int type, version, network, detour;
};

#define S5(d)     { RB_OUT_SOCKS, RB_SOCKS_V5, RB_CFG_NET_BOTH, d }
#define S4(d)     { RB_OUT_SOCKS, RB_SOCKS_V4, RB_CFG_NET_BOTH, d }
#define S5TCP(d)  { RB_OUT_SOCKS, RB_SOCKS_V5, RB_CFG_NET_TCP, d }
#define S5UDP(d)  { RB_OUT_SOCKS, RB_SOCKS_V5, RB_CFG_NET_UDP, d }
#define HTTP(d)   { RB_OUT_HTTP, 0, RB_CFG_NET_BOTH, d }
#define SS(d)     { RB_OUT_SHADOWSOCKS, 0, RB_CFG_NET_BOTH, d }
#define SSTCP(d)  { RB_OUT_SHADOWSOCKS, 0, RB_CFG_NET_TCP, d }
#define SSUDP(d)  { RB_OUT_SHADOWSOCKS, 0, RB_CFG_NET_UDP, d }
#define DIRECT    { RB_OUT_DIRECT, 0, RB_CFG_NET_BOTH, -1 }
#define BLOCK     { RB_OUT_BLOCK, 0, RB_CFG_NET_BOTH, -1 }
#define WG        { RB_OUT_WIREGUARD, 0, RB_CFG_NET_BOTH, -1 }
#define HTTPUDP(d) { RB_OUT_HTTP, 0, RB_CFG_NET_UDP, d }

struct chain_case {
	const char *name;
	int n;
	struct ob_spec obs[10];
	int ob, max;
	int rc;                 /* hops, or -errno */
	uint16_t hops[8];       /* dial order */
	int any;                /* 1: rb_udp_chain (any UDP outbound), 2:
				 * rb_tcp_chain, instead of rb_udp_socks_chain */
};

static const struct chain_case chain_cases[] = {
	{ "no detour", 1, { S5(-1) }, 0, 8, 1, { 0 } },
	{ "detour direct", 2, { S5(1), DIRECT }, 0, 8, 1, { 0 } },
	{ "socks over socks", 2, { S5(1), S5(-1) }, 0, 8, 2, { 1, 0 } },
	{ "socks over socks over direct", 3, { DIRECT, S5(0), S5(1) }, 2, 8, 2, { 1, 2 } },
	{ "three hops", 4, { S5(1), S5(2), S5(3), DIRECT }, 0, 8, 3, { 2, 1, 0 } },
	{ "inner udp-only hop", 2, { S5(1), S5UDP(-1) }, 0, 8, 2, { 1, 0 } },
	{ "routed outbound itself tcp-only (the NAT layer refuses it)", 2, { S5TCP(1), S5(-1) }, 0,
	  8, 2, { 1, 0 } },
	{ "block below", 2, { S5(1), BLOCK }, 0, 8, -EACCES, { 0 } },
	{ "block two below", 3, { S5(1), S5(2), BLOCK }, 0, 8, -EACCES, { 0 } },
	{ "http below", 2, { S5(1), HTTP(-1) }, 0, 8, -EOPNOTSUPP, { 0 } },
	{ "shadowsocks below", 2, { S5(1), SS(-1) }, 0, 8, 2, { 1, 0 } },
	{ "shadowsocks below over direct", 3, { S5(1), SS(2), DIRECT }, 0, 8, 2, { 1, 0 } },
	{ "udp-only shadowsocks below", 2, { S5(1), SSUDP(-1) }, 0, 8, 2, { 1, 0 } },
	{ "tcp-only shadowsocks below", 2, { S5(1), SSTCP(-1) }, 0, 8, -EOPNOTSUPP, { 0 } },
	{ "socks over ss over socks", 3, { S5(1), SS(2), S5(-1) }, 0, 8, 3, { 2, 1, 0 } },
	{ "socks over socks over ss", 3, { S5(1), S5(2), SS(-1) }, 0, 8, 3, { 2, 1, 0 } },
	{ "socks over ss over ss", 3, { S5(1), SS(2), SS(-1) }, 0, 8, 3, { 2, 1, 0 } },
	{ "socks over ss over http", 3, { S5(1), SS(2), HTTP(-1) }, 0, 8, -EOPNOTSUPP, { 0 } },
	{ "socks over ss over block", 3, { S5(1), SS(2), BLOCK }, 0, 8, -EACCES, { 0 } },
	{ "socks over ss over socks4", 3, { S5(1), SS(2), S4(-1) }, 0, 8, -EOPNOTSUPP, { 0 } },
	{ "socks over ss over wireguard", 3, { S5(1), SS(2), WG }, 0, 8, -EOPNOTSUPP, { 0 } },
	{ "ss routed (socks chain)", 1, { SS(-1) }, 0, 8, -EINVAL, { 0 } },
	/* rb_udp_chain: a shadowsocks outbound's own UDP chain */
	{ "ss alone", 1, { SS(-1) }, 0, 8, 1, { 0 }, 1 },
	{ "ss over direct", 2, { SS(1), DIRECT }, 0, 8, 1, { 0 }, 1 },
	{ "ss over socks", 2, { SS(1), S5(-1) }, 0, 8, 2, { 1, 0 }, 1 },
	{ "ss over ss", 2, { SS(1), SS(-1) }, 0, 8, 2, { 1, 0 }, 1 },
	{ "ss over socks over ss over direct", 4, { DIRECT, SS(2), S5(3), SS(0) }, 1, 8, 3,
	  { 3, 2, 1 }, 1 },
	{ "ss over http", 2, { SS(1), HTTP(-1) }, 0, 8, -EOPNOTSUPP, { 0 }, 1 },
	{ "ss over block", 2, { SS(1), BLOCK }, 0, 8, -EACCES, { 0 }, 1 },
	{ "ss over tcp-only socks", 2, { SS(1), S5TCP(-1) }, 0, 8, -EOPNOTSUPP, { 0 }, 1 },
	{ "ss over socks4", 2, { SS(1), S4(-1) }, 0, 8, -EOPNOTSUPP, { 0 }, 1 },
	{ "ss chain longer than max", 3, { SS(1), S5(2), SS(-1) }, 0, 2, -EOPNOTSUPP, { 0 }, 1 },
	{ "socks routed (any)", 2, { S5(1), SS(-1) }, 0, 8, 2, { 1, 0 }, 1 },
	{ "socks4 routed (any)", 1, { S4(-1) }, 0, 8, -EINVAL, { 0 }, 1 },
	{ "http routed (any)", 1, { HTTP(-1) }, 0, 8, -EINVAL, { 0 }, 1 },
	{ "direct routed (any)", 1, { DIRECT }, 0, 8, -EINVAL, { 0 }, 1 },
	{ "index out of range (any)", 1, { SS(-1) }, 3, 8, -EINVAL, { 0 }, 1 },
	{ "socks over http over socks", 3, { S5(1), HTTP(2), S5(-1) }, 0, 8, -EOPNOTSUPP, { 0 } },
	{ "wireguard below", 2, { S5(1), WG }, 0, 8, -EOPNOTSUPP, { 0 } },
	{ "socks4 below", 2, { S5(1), S4(-1) }, 0, 8, -EOPNOTSUPP, { 0 } },
	{ "tcp-only below", 2, { S5(1), S5TCP(-1) }, 0, 8, -EOPNOTSUPP, { 0 } },
	{ "longer than max", 3, { S5(1), S5(2), S5(-1) }, 0, 2, -EOPNOTSUPP, { 0 } },
	{ "exactly max", 2, { S5(1), S5(-1) }, 0, 2, 2, { 1, 0 } },
	{ "socks4 routed", 1, { S4(-1) }, 0, 8, -EINVAL, { 0 } },
	{ "not socks", 1, { DIRECT }, 0, 8, -EINVAL, { 0 } },
	{ "index out of range", 1, { S5(-1) }, 1, 8, -EINVAL, { 0 } },
	{ "negative index", 1, { S5(-1) }, -1, 8, -EINVAL, { 0 } },
	{ "detour index out of range ends the chain", 1, { S5(7) }, 0, 8, 1, { 0 } },
	/* rb_tcp_chain: the TCP under a shadowsocks UoT stream */
	{ "tcp: ss alone", 1, { SS(-1) }, 0, 8, 1, { 0 }, 2 },
	{ "tcp: ss over direct", 2, { SS(1), DIRECT }, 0, 8, 1, { 0 }, 2 },
	{ "tcp: ss over socks5", 2, { SS(1), S5(-1) }, 0, 8, 2, { 1, 0 }, 2 },
	{ "tcp: ss over socks4", 2, { SS(1), S4(-1) }, 0, 8, 2, { 1, 0 }, 2 },
	{ "tcp: ss over http", 2, { SS(1), HTTP(-1) }, 0, 8, 2, { 1, 0 }, 2 },
	{ "tcp: ss over tcp-only ss", 2, { SS(1), SSTCP(-1) }, 0, 8, 2, { 1, 0 }, 2 },
	{ "tcp: ss over udp-only ss", 2, { SS(1), SSUDP(-1) }, 0, 8, -EOPNOTSUPP, { 0 }, 2 },
	{ "tcp: ss over udp-only http", 2, { SS(1), HTTPUDP(-1) }, 0, 8, -EOPNOTSUPP, { 0 }, 2 },
	{ "tcp: ss over http over ss over direct", 4, { SS(1), HTTP(2), SS(3), DIRECT }, 0, 8, 3,
	  { 2, 1, 0 }, 2 },
	{ "tcp: ss over block", 2, { SS(1), BLOCK }, 0, 8, -EACCES, { 0 }, 2 },
	{ "tcp: ss over socks over block", 3, { SS(1), S5(2), BLOCK }, 0, 8, -EACCES, { 0 }, 2 },
	/* a TCP stream ends in a WireGuard tunnel as on direct (tcp_chain.c
	 * dials it from the endpoint's address) */
	{ "tcp: ss over wireguard", 2, { SS(1), WG }, 0, 8, 1, { 0 }, 2 },
	{ "tcp: ss over socks5 over wireguard", 3, { SS(1), S5(2), WG }, 0, 8, 2, { 1, 0 }, 2 },
	{ "udp: socks5 over wireguard still refused", 2, { S5(1), WG }, 0, 8, -EOPNOTSUPP, { 0 }, 1 },
	{ "tcp: longer than max", 3, { SS(1), S5(2), SS(-1) }, 0, 2, -EOPNOTSUPP, { 0 }, 2 },
	{ "tcp: exactly max", 2, { SS(1), HTTP(-1) }, 0, 2, 2, { 1, 0 }, 2 },
	{ "tcp: direct routed", 1, { DIRECT }, 0, 8, -EINVAL, { 0 }, 2 },
	{ "tcp: block routed", 1, { BLOCK }, 0, 8, -EINVAL, { 0 }, 2 },
	{ "tcp: index out of range", 1, { SS(-1) }, 1, 8, -EINVAL, { 0 }, 2 },
	{ "tcp: max 0", 1, { SS(-1) }, 0, 0, -EINVAL, { 0 }, 2 },
};

static void test_chain(void)
{
	for (size_t i = 0; i < sizeof(chain_cases) / sizeof(chain_cases[0]); i++) {
		const struct chain_case *c = &chain_cases[i];
		struct rb_cfg_outbound obs[10];
		struct rb_cfg_proxy p;
		uint16_t hops[8];
		int rc;

		memset(obs, 0, sizeof(obs));
		memset(&p, 0, sizeof(p));
		memset(hops, 0xff, sizeof(hops));
		for (int k = 0; k < c->n; k++) {
			obs[k].type = c->obs[k].type;
			obs[k].version = c->obs[k].version;
			obs[k].network = c->obs[k].network;
			obs[k].detour_idx = c->obs[k].detour;
		}
		p.n_outbounds = c->n;
		p.outbounds = obs;
		rc = c->any == 2 ? rb_tcp_chain(&p, c->ob, hops, c->max)
		     : c->any    ? rb_udp_chain(&p, c->ob, hops, c->max)
				 : rb_udp_socks_chain(&p, c->ob, hops, c->max);
		if (rc != c->rc)
			printf("\nchain %s: %d, want %d\n", c->name, rc, c->rc);
		CU_ASSERT_EQUAL(rc, c->rc);
		for (int k = 0; rc > 0 && k < rc; k++) {
			if (hops[k] != c->hops[k])
				printf("\nchain %s: hop %d is %u, want %u\n", c->name, k, hops[k],
				       c->hops[k]);
			CU_ASSERT_EQUAL(hops[k], c->hops[k]);
		}
		/* nothing written past the chain */
		for (int k = rc; rc > 0 && k < 8; k++)
			CU_ASSERT_EQUAL(hops[k], 0xffff);
	}
}

/* ------------------------------------------------------------ relay */

static struct rb_dest ip_dest(const char *ip, uint16_t port)
{
	struct rb_dest d;

	memset(&d, 0, sizeof(d));
	if (inet_pton(AF_INET, ip, d.addr) == 1)
		d.family = AF_INET;
	else if (inet_pton(AF_INET6, ip, d.addr) == 1)
		d.family = AF_INET6;
	d.port = port;
	return d;
}

static struct rb_dest name_dest(const char *name, uint16_t port)
{
	struct rb_dest d;

	memset(&d, 0, sizeof(d));
	snprintf(d.domain, sizeof(d.domain), "%s", name);
	d.port = port;
	return d;
}

struct relay_case {
	const char *name;
	struct rb_dest bound, server;
	int rc;
	struct rb_dest want;
};

static void test_relay(void)
{
	const struct relay_case cases[] = {
		{ "BND.ADDR given", ip_dest("192.0.2.9", 4000), ip_dest("192.0.2.1", 1080), 0,
		  ip_dest("192.0.2.9", 4000) },
		{ "BND.ADDR given, server named", ip_dest("192.0.2.9", 4000),
		  name_dest("a.example", 1080), 0, ip_dest("192.0.2.9", 4000) },
		{ "zeros: the server's address", ip_dest("0.0.0.0", 4000),
		  ip_dest("192.0.2.1", 1080), 0, ip_dest("192.0.2.1", 4000) },
		{ "zeros: the server's name (through a detour)", ip_dest("0.0.0.0", 4001),
		  name_dest("a.example", 1080), 0, name_dest("a.example", 4001) },
		{ "v6 zeros: the server's name", ip_dest("::", 4002), name_dest("a.example", 1080),
		  0, name_dest("a.example", 4002) },
		{ "v6 zeros: the server's v6 address", ip_dest("::", 4003),
		  ip_dest("2001:db8::1", 1080), 0, ip_dest("2001:db8::1", 4003) },
		{ "zeros, server of the other family", ip_dest("0.0.0.0", 4000),
		  ip_dest("2001:db8::1", 1080), -1, { 0 } },
		{ "zeros, server unknown", ip_dest("0.0.0.0", 4000), name_dest("", 1080), -1,
		  { 0 } },
		{ "port 0", ip_dest("192.0.2.9", 0), ip_dest("192.0.2.1", 1080), -1, { 0 } },
		{ "no address family", name_dest("relay.example", 4000),
		  ip_dest("192.0.2.1", 1080), -1, { 0 } },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct relay_case *c = &cases[i];
		struct rb_dest got;
		int rc;

		memset(&got, 0xa5, sizeof(got));
		rc = rb_udp_socks_relay(&c->bound, &c->server, &got);
		if (rc != c->rc)
			printf("\nrelay %s: %d, want %d\n", c->name, rc, c->rc);
		CU_ASSERT_EQUAL(rc, c->rc);
		if (rc != 0 || c->rc != 0)
			continue;
		CU_ASSERT_EQUAL(got.family, c->want.family);
		CU_ASSERT_EQUAL(got.port, c->want.port);
		CU_ASSERT_STRING_EQUAL(got.domain, c->want.domain);
		if (c->want.family)
			CU_ASSERT_EQUAL(memcmp(got.addr, c->want.addr, 16), 0);
	}
}

int main(void)
{
	CU_pSuite s;
	unsigned fails;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("udp_policy", NULL, NULL);
	CU_add_test(s, "idle timeouts", test_idle);
	CU_add_test(s, "UDP chains (socks, shadowsocks)", test_chain);
	CU_add_test(s, "relay address", test_relay);
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	fails = CU_get_number_of_failures();
	CU_cleanup_registry();
	return fails ? 1 : 0;
}
