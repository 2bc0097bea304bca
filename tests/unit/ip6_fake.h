/* SPDX-License-Identifier: BSD-3-Clause */
/* Test doubles and packet helpers shared by tests/unit/test_ip6*.c. */
#ifndef RB_IP6_FAKE_H
#define RB_IP6_FAKE_H

#include <stdbool.h>
#include <stdint.h>
#include <rte_mbuf.h>
#include "dataplane/rb_lcore.h"
#include "dataplane/net/neigh.h"
#include "dataplane/net/ip6.h"
#include "dataplane/tcp/tcp_icmp.h"

/* What the code under test handed to the doubles, in order. */
enum { CAP_IP6_TX, CAP_L2, CAP_HANDOFF, CAP_TCP, CAP_UDP };
struct cap {
	int kind;
	uint16_t port;
	uint8_t nh[16];      /* CAP_IP6_TX: the next hop */
	unsigned owner;      /* CAP_HANDOFF: the worker */
	struct rte_mbuf *m;  /* owned by the capture until reset() */
};
extern struct cap caps[128];
extern int n_caps;          /* captures */
extern int n_bcast;         /* rb_l2_broadcast_learn calls */
extern unsigned flow_owner; /* what rb_flow_owner6 answers */

/* The last rb_neigh_update call and how many there were. */
struct nupd_log {
	int n;
	uint8_t ip[16], mac[6];
	int create;
};
extern struct nupd_log nupd;
extern struct rb_neigh_entry ntab[8]; /* the neighbor table double */

extern struct rb_dp dp;
extern struct rb_lcore lc;         /* worker 0 of dp */
extern struct rb_lcore_stats st;

/* Port 0: fe80::1, 2001:db8:1::1/64, MTU 1500; port 1: fe80::1:1,
 * 2001:db8:2::1/64, MTU 1280; 2001:db8:3::/64 via 2001:db8:1::fe. */
extern uint8_t OUR_LL[16], OUR_G1[16], OUR_G2[16], PEER_LL[16], PEER_G1[16], FAR[16],
	NOROUTE[16], ALL_NODES[16], GW3[16], VIA3[16];
extern const uint8_t OUR_MAC[6], PEER_MAC[6];
/* what icmp6.c last handed to TCP (tcp_icmp_input), and how often */
extern struct tcp_icmp_err icmp_tcp_last;
extern unsigned n_icmp_tcp;

#define DROPS(r)  (st.drops[RB_DROP_##r])
#define EVENTS(e) (st.events[RB_EV_##e])

int ip6_fake_setup(void);   /* after rte_eal_init */
void reset(void);           /* free captures, zero counters, refill the ICMP bucket */
void a6(const char *s, uint8_t out[16]);
uint32_t unhex(const char *s, uint8_t *out);
/* An mbuf chain holding data, in segments of at most seg octets, port 0. */
struct rte_mbuf *mk(const uint8_t *data, uint32_t len, uint32_t seg);
uint32_t ip6_hdr(uint8_t *b, const uint8_t *src, const uint8_t *dst, uint8_t nh, uint8_t hlim,
		 uint32_t plen);
/* IPv6 + ICMPv6 (type, code, first word, body) with its checksum. */
uint32_t icmp6_pkt(uint8_t *b, const uint8_t *src, const uint8_t *dst, uint8_t hlim, uint8_t type,
		   uint8_t code, uint32_t word, const uint8_t *body, uint32_t blen);
/* An NS/NA body: the target, then one link-layer option (opt 0: none). */
uint32_t nd_body(uint8_t *body, const uint8_t *target, uint8_t opt, const uint8_t *mac);
/* Is the L4 checksum of the IPv6 packet at offset l3 of m valid? */
bool cksum_ok(const struct rte_mbuf *m, uint32_t l3);
void input(struct rte_mbuf *m);   /* through rb_ip6_input */
uint64_t total_drops(void);

/* tests/unit/test_ip6_path.c */
void test_error_limits(void);
void test_error_suppression(void);
void test_nd_ns(void);
void test_nd_na(void);
void test_nd_solicit(void);
void test_echo(void);
void test_forward(void);
void test_validate(void);
void test_local_l4(void);
void test_icmp6_to_tcp(void);
void test_reassembly(void);
void test_output(void);
void test_no_leak(void);

#endif
