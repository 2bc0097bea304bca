/* SPDX-License-Identifier: BSD-3-Clause */
/* config/cfg_wg.c: `endpoints` of type "wireguard", table-driven. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <CUnit/Basic.h>
#include "config/rb_cfg_wg.h"
#include "config/rb_config.h"

#define DP "dataplane = { ports = ( { name = \"lan\"; device = \"net_null0\"; " \
	   "addresses = [ \"10.0.1.1/24\" ]; } ); };\n"
#define K1 "dwdtCnMYpX08FsFyUbJmRd9ML4frwJkqsXf7pR25LCo="
#define K2 "hSDwCYkwp1R0i33ctD73Wg2/Og0mOBr066SpjqqbTmo="
#define K3 "3p7bfXt9wbTTW2HC7OQ1Nz+DQ8hbeGdNrfx+FG+IK08="

static const struct {
	const char *name, *text, *err; /* err: a substring of the error output, NULL = valid */
} cases[] = {
	{"full", DP "endpoints = ( { type = \"wireguard\"; tag = \"wg0\"; address = [\"10.99.0.1/24\", "
		    "\"fd99::1/64\"]; private_key = \"" K1 "\"; listen_port = 51820; mtu = 1420; "
		    "peers = ( { address = \"10.0.1.2\"; port = 51821; public_key = \"" K2 "\"; "
		    "pre_shared_key = \"" K3 "\"; allowed_ips = [\"10.99.0.2/32\", \"10.98.1.1/16\"]; "
		    "persistent_keepalive_interval = 25; reserved = [1, 2, 3]; } ); } );",
	 NULL},
	{"minimal", DP "endpoints = ( { type = \"wireguard\"; tag = \"w\"; private_key = \"" K1
		       "\"; listen_port = 1; } );",
	 NULL},
	{"bad key", DP "endpoints = ( { type = \"wireguard\"; tag = \"w\"; private_key = \"abc\"; "
		       "listen_port = 1; } );",
	 "private_key: expected a base64 key"},
	{"non-canonical key", DP "endpoints = ( { type = \"wireguard\"; tag = \"w\"; private_key = "
				 "\"dwdtCnMYpX08FsFyUbJmRd9ML4frwJkqsXf7pR25LCp=\"; listen_port = 1; } );",
	 "expected a base64 key"},
	{"zero key", DP "endpoints = ( { type = \"wireguard\"; tag = \"w\"; private_key = "
			"\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\"; listen_port = 1; } );",
	 "all zero"},
	{"no port", DP "endpoints = ( { type = \"wireguard\"; tag = \"w\"; private_key = \"" K1
		       "\"; } );",
	 "listen_port"},
	{"dup port", DP "endpoints = ( { type = \"wireguard\"; tag = \"a\"; private_key = \"" K1
			"\"; listen_port = 5; }, { type = \"wireguard\"; tag = \"b\"; private_key = \"" K1
			"\"; listen_port = 5; } );",
	 "listen_port 5 is used"},
	{"dup tag", DP "endpoints = ( { type = \"wireguard\"; tag = \"a\"; private_key = \"" K1
		       "\"; listen_port = 5; }, { type = \"wireguard\"; tag = \"a\"; private_key = \"" K1
		       "\"; listen_port = 6; } );",
	 "tag 'a' is used twice"},
	{"dup peer", DP "endpoints = ( { type = \"wireguard\"; tag = \"a\"; private_key = \"" K1
			"\"; listen_port = 5; peers = ( { public_key = \"" K2 "\"; }, { public_key = \""
			K2 "\"; } ); } );",
	 "public_key is the one of peers.[0]"},
	{"reserved", DP "endpoints = ( { type = \"wireguard\"; tag = \"a\"; private_key = \"" K1
			"\"; listen_port = 5; peers = ( { public_key = \"" K2 "\"; reserved = [1, 2, 256]; } ); } );",
	 "reserved.[2]"},
	{"bad allowed", DP "endpoints = ( { type = \"wireguard\"; tag = \"a\"; private_key = \"" K1
			   "\"; listen_port = 5; peers = ( { public_key = \"" K2
			   "\"; allowed_ips = [\"10.0.0.0/33\"]; } ); } );",
	 "allowed_ips.[0]"},
	{"unknown key", DP "endpoints = ( { type = \"wireguard\"; tag = \"a\"; private_key = \"" K1
			   "\"; listen_port = 5; workers = 3; } );",
	 "workers: unknown key"},
	{"other type", DP "endpoints = ( { type = \"tun\"; tag = \"a\"; } );", "'tun' is not supported"},
	{"mtu", DP "endpoints = ( { type = \"wireguard\"; tag = \"a\"; private_key = \"" K1
		   "\"; listen_port = 5; mtu = 100; } );",
	 "mtu"},
};

static void test_cases(void)
{
	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct rb_config cfg;
		char *out = NULL;
		size_t outlen = 0;
		FILE *f = open_memstream(&out, &outlen);
		int rc = rb_config_load_string(&cfg, cases[i].text, cases[i].name, f);

		fclose(f);
		if (cases[i].err == NULL) {
			if (rc != 0)
				fprintf(stderr, "%s: %s\n", cases[i].name, out);
			CU_ASSERT_EQUAL(rc, 0);
		} else {
			if (rc == 0 || strstr(out, cases[i].err) == NULL)
				fprintf(stderr, "%s: wanted '%s', got: %s\n", cases[i].name,
					cases[i].err, out);
			CU_ASSERT_NOT_EQUAL(rc, 0);
			CU_ASSERT_PTR_NOT_NULL(strstr(out, cases[i].err));
		}
		if (rc == 0 && strcmp(cases[i].name, "full") == 0) {
			const struct rb_cfg_wg *w = &cfg.wg->ep[0];

			CU_ASSERT_EQUAL(cfg.wg->n, 1);
			CU_ASSERT_EQUAL(w->listen_port, 51820);
			CU_ASSERT_EQUAL(w->mtu, 1420);
			CU_ASSERT_EQUAL(w->n_addrs, 2);
			CU_ASSERT_EQUAL(w->n_peers, 1);
			CU_ASSERT_EQUAL(w->peers[0].port, 51821);
			CU_ASSERT_EQUAL(w->peers[0].n_allowed, 2);
			CU_ASSERT_EQUAL(w->peers[0].allowed_ips[1].addr[2], 0); /* masked to /16 */
			CU_ASSERT_EQUAL(w->peers[0].reserved[2], 3);
			CU_ASSERT_EQUAL(w->peers[0].keepalive, 25);
			CU_ASSERT_EQUAL(w->private_key[0], 0x77);
		}
		if (rc == 0 && strcmp(cases[i].name, "minimal") == 0) {
			CU_ASSERT_EQUAL(cfg.wg->ep[0].mtu, 1408);
			CU_ASSERT_EQUAL(cfg.wg->ep[0].time_divisor, 1);
		}
		free(out);
		if (rc == 0)
			rb_config_free(&cfg);
	}
}

int main(void)
{
	CU_pSuite s;
	unsigned fails;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("wg_cfg", NULL, NULL);
	CU_add_test(s, "endpoints: wireguard", test_cases);
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	fails = CU_get_number_of_failures();
	CU_cleanup_registry();
	return fails ? 1 : 0;
}
