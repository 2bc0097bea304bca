/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The CUnit main of the unit tests built on the TCP harness (test_tcp,
 * test_tcp_stress, test_udp, test_tcp_dsack, test_tcp_icmp): EAL and
 * registry before the suites are added, the run and the exit code after.
 * TH_TEST=<test name> runs that one test alone (the first suite holding
 * it), e.g. an echo table over many TH_ECHO_SEEDs.
 */
#include <stdio.h>
#include <stdlib.h>
#include <CUnit/Basic.h>
#include "test_tcp_harness.h"

int th_cunit_begin(void)
{
	if (th_eal_init() < 0) {
		fprintf(stderr, "EAL init failed\n");
		return -1;
	}
	return CU_initialize_registry() == CUE_SUCCESS ? 0 : -1;
}

int th_cunit_end(void)
{
	const char *only = getenv("TH_TEST");
	unsigned fails;

	CU_basic_set_mode(CU_BRM_VERBOSE);
	if (only != NULL) {
		CU_pSuite s = CU_get_registry()->pSuite;
		CU_pTest t = NULL;

		for (; s != NULL; s = s->pNext) {
			t = CU_get_test_by_name(only, s);
			if (t != NULL)
				break;
		}
		if (t == NULL) {
			fprintf(stderr, "no test '%s'\n", only);
			CU_cleanup_registry();
			return 1;
		}
		CU_basic_run_test(s, t);
	} else {
		CU_basic_run_tests();
	}
	fails = CU_get_number_of_failures();
	CU_cleanup_registry();
	return fails ? 1 : 0;
}
