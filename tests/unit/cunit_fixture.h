/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What the tests on the in-process dataplane (net_fixture.c) repeated
 * around their cases: main()'s EAL + CUnit run (test_net, test_tcp_worker,
 * test_proxy_sess, test_proxy_layer) and the one-port proxy config of the
 * proxy lcore tests.  CUnit-only, so fuzz_packet links net_fixture.c alone.
 */
#ifndef RB_CUNIT_FIXTURE_H
#define RB_CUNIT_FIXTURE_H

#include <stddef.h>

/*
 * A test's main(): fx_eal_init(argv0), the CUnit registry, reg() to add
 * the suites (0 or an error), a verbose run, fx_fini().  check_leaks: after
 * the run fx_teardown() and fail when an mbuf is still in use.  Returns the
 * exit status: 0 only when no assertion, test or suite failed (CUnit's run
 * itself returns 0 regardless).
 */
int fx_cunit_main(const char *argv0, const char *name, int (*reg)(void), int check_leaks);

/*
 * The proxy lcore tests' config into buf: one lcore, a shm name of its own
 * (/rbut-<name>-<pid>), port "a" (net_ring_fx0, 10.1.0.1/24), a socks
 * inbound "in" on 10.1.0.1:1080, outbound "direct" then extra_outbounds
 * (libconfig list items, each after a comma; "" for none).  0, or -1 when
 * buf is too small.
 */
int fx_proxy_cfg(char *buf, size_t len, const char *name, const char *extra_outbounds);

#endif
