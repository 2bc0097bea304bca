/* SPDX-License-Identifier: BSD-3-Clause */
/* The shared main() of the AEAD codec tests; see aead_cunit.h. */
#include <stdio.h>

#include "aead_cunit.h"

int aead_cunit_main(const char *suite, CU_TestInfo *tests, struct rb_aead_ctx **ctx)
{
	CU_pSuite s;
	unsigned fails;
	const CU_TestInfo *t;

	*ctx = rb_aead_ctx_create(RB_AEAD_BACKEND_AUTO);
	if (*ctx == NULL || CU_initialize_registry() != CUE_SUCCESS) {
		rb_aead_ctx_free(*ctx);
		return 1;
	}
	s = CU_add_suite(suite, NULL, NULL);
	for (t = tests; s != NULL && t->pName != NULL; t++)
		CU_add_test(s, t->pName, t->pTestFunc);
	if (CU_get_error() != CUE_SUCCESS) {
		fprintf(stderr, "%s: %s\n", suite, CU_get_error_msg());
		CU_cleanup_registry();
		rb_aead_ctx_free(*ctx);
		return 1;
	}
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	fails = CU_get_number_of_failures();
	CU_cleanup_registry();
	rb_aead_ctx_free(*ctx);
	*ctx = NULL;
	return fails ? 1 : 0;
}
