/* SPDX-License-Identifier: BSD-3-Clause */
/* Shared by the test_net*.c files: the test network and suite registration. */
#ifndef RB_TEST_NET_H
#define RB_TEST_NET_H

#include <CUnit/CUnit.h>
#include "net_fixture.h"

/*
 * The test network, one worker:
 *   port 0 "a"  10.1.0.1/24 fd01::1/64  mtu 1500  peers 10.1.0.2 (static)
 *   port 1 "b"  10.2.0.1/24 fd02::1/64  mtu 1000  gateways 10.2.0.2-5 (static)
 *   port 2 "c"  10.3.0.1/24  VLAN 10   mtu 1500  peer 10.3.0.2 (static)
 * Routes 20/8 -> .2, 20.1/16 -> .3, 20.1.2/24 -> .4, 20.1.2.3/32 -> .5 (on b),
 * 30/8 on-link on b, 2001:db8::/32 via fd02::2, 2001:db8:1::/48 via fd02::3.
 * Peer MACs are fx_peer_mac(port, last octet of the address).
 */
#define NET_P_A 0
#define NET_P_B 1
#define NET_P_C 2
extern const char net_cfg_text[];

/* Start the test network with icmp_rate effectively unlimited. */
int net_suite_init(void);
int net_suite_cleanup(void);

/* Assert that exactly `n` packets were dropped since s, all for `why`. */
#define NET_ASSERT_ONLY_DROP(s, why, n)                                                   \
	do {                                                                               \
		CU_ASSERT_EQUAL(fx_snap_drop((s), (why)), (uint64_t)(n));                  \
		CU_ASSERT_EQUAL(fx_snap_drops(s), (uint64_t)(n));                          \
	} while (0)

/* In a table loop: name the case if it added assertion failures. */
#define NET_CASE_START() unsigned net_f0_ = CU_get_number_of_failures()
#define NET_CASE_END(name)                                                                 \
	do {                                                                               \
		if (CU_get_number_of_failures() > net_f0_)                                 \
			fprintf(stderr, "  (in case '%s')\n", (name));                      \
	} while (0)

/* The last test of a suite: everything freed, pool back to empty. */
void net_test_no_leak(void);

int test_net_ip4_register(void);
int test_net_frag_register(void);
int test_net_fib_register(void);

#endif
