/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The main() the Shadowsocks 2022 codec tests (test_ss2022, _tcp, _udp,
 * _udp_relay, _compat) each carried: one AEAD context on the automatic
 * backend, one CUnit suite, a verbose run.  No DPDK.
 */
#ifndef RB_AEAD_CUNIT_H
#define RB_AEAD_CUNIT_H

#include <CUnit/Basic.h>

#include "crypto/rb_aead.h"

/*
 * Creates *ctx (RB_AEAD_BACKEND_AUTO), registers the suite `suite` with
 * the tests of `tests` (ended by CU_TEST_INFO_NULL), runs them verbosely,
 * frees *ctx.  Returns the exit status: 0 only when no failure was
 * recorded; 1 when the context, the registry or a test could not be set up.
 */
int aead_cunit_main(const char *suite, CU_TestInfo *tests, struct rb_aead_ctx **ctx);

#endif
