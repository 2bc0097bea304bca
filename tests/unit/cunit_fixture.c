/* SPDX-License-Identifier: BSD-3-Clause */
/* The shared main() and proxy config of the fixture tests; see cunit_fixture.h. */
#include <stdio.h>
#include <unistd.h>
#include <CUnit/Basic.h>

#include "cunit_fixture.h"
#include "net_fixture.h"

int fx_cunit_main(const char *argv0, const char *name, int (*reg)(void), int check_leaks)
{
	unsigned fails;
	const CU_RunSummary *rs;

	if (fx_eal_init(argv0) != 0)
		return 1;
	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	if (reg() != 0 || CU_get_error() != CUE_SUCCESS) {
		fprintf(stderr, "%s: %s\n", name, CU_get_error_msg());
		CU_cleanup_registry();
		return 1;
	}
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	rs = CU_get_run_summary();
	fails = rs->nAssertsFailed + rs->nTestsFailed + rs->nSuitesFailed;
	CU_cleanup_registry();
	if (check_leaks) {
		fx_teardown();
		if (fx_mbufs_in_use() != 0) {
			fprintf(stderr, "%s: %u mbufs never freed\n", name, fx_mbufs_in_use());
			fails++;
		}
	}
	fx_fini();
	return fails ? 1 : 0;
}

int fx_proxy_cfg(char *buf, size_t len, const char *name, const char *extra_outbounds)
{
	int n = snprintf(buf, len,
			 "dataplane = { lcores = 1; shm_name = \"/rbut-%s-%d\";\n"
			 " ports = ( { name = \"a\"; device = \"net_ring_fx0\";"
			 " addresses = [\"10.1.0.1/24\"]; } );\n"
			 "};\n"
			 "inbounds = ( { type = \"socks\"; tag = \"in\"; listen = \"10.1.0.1\";"
			 " listen_port = 1080; } );\n"
			 "outbounds = ( { type = \"direct\"; tag = \"direct\"; }%s%s );\n",
			 name, (int)getpid(), extra_outbounds[0] ? ",\n  " : "", extra_outbounds);

	return n < 0 || (size_t)n >= len ? -1 : 0;
}
