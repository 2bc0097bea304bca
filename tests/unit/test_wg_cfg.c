/* SPDX-License-Identifier: BSD-3-Clause */
/* config/cfg_wg.c: `endpoints` of type "wireguard", table-driven. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <CUnit/Basic.h>
#include <sys/socket.h>
#include "config/rb_cfg_proxy.h"
#include "config/rb_cfg_route.h"
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
	{"bad mode", DP "endpoints = ( { type = \"wireguard\"; tag = \"a\"; private_key = \"" K1
			"\"; listen_port = 5; mode = \"tun\"; } );",
	 "mode"},
	{"routed endpoint is no inbound", DP "endpoints = ( { type = \"wireguard\"; tag = \"wg0\"; "
	 "private_key = \"" K1 "\"; listen_port = 5; } );\n"
	 "route = { rules = ( { inbound = [\"wg0\"]; outbound = \"direct\"; } ); };",
	 "inbound 'wg0' is not the tag of any inbound"},
	{"detour to no outbound or endpoint", DP "endpoints = ( { type = \"wireguard\"; tag = \"wg0\"; "
	 "private_key = \"" K1 "\"; listen_port = 5; } );\n"
	 "outbounds = ( { type = \"socks\"; tag = \"up\"; server = \"10.0.0.2\"; server_port = 1; "
	 "detour = \"wg1\"; } );",
	 "no outbound is tagged 'wg1'"},
	{"terminated endpoint in rules", DP "endpoints = ( { type = \"wireguard\"; tag = \"wg0\"; "
	 "private_key = \"" K1 "\"; listen_port = 5; mode = \"terminated\"; } );\n"
	 "outbounds = ( { type = \"direct\"; tag = \"direct\"; } );\n"
	 "route = { rules = ( { inbound = [\"wg0\"]; outbound = \"direct\"; },\n"
	 "                    { ip_cidr = [\"10.99.0.0/24\"]; outbound = \"wg0\"; } ); };",
	 NULL},
};

/* Endpoints as proxy inbounds/outbounds: what rb_cfg_wg_load appends, and
 * that the route compiler's tag lists (rb_cfg_wg_proxy_tags) agree. */
static const struct {
	const char *name, *text;
	const char *in[4], *out[4];   /* tags in order, NULL-ended */
	int in_type_last, out_type_last;
} pcases[] = {
	{"terminated after configured",
	 DP "inbounds = ( { type = \"socks\"; tag = \"s\"; listen_port = 1080; } );\n"
	 "outbounds = ( { type = \"direct\"; tag = \"d\"; } );\n"
	 "endpoints = ( { type = \"wireguard\"; tag = \"wg0\"; address = [\"10.99.0.1/24\", "
	 "\"fd99::1/64\"]; private_key = \"" K1 "\"; listen_port = 5; mode = \"terminated\"; } );",
	 {"s", "wg0", NULL}, {"d", "wg0", NULL}, RB_IN_WIREGUARD, RB_OUT_WIREGUARD},
	{"routed: outbound only, implicit direct first",
	 DP "endpoints = ( { type = \"wireguard\"; tag = \"wg0\"; address = [\"10.99.0.1/24\"]; "
	 "private_key = \"" K1 "\"; listen_port = 5; } );",
	 {NULL}, {"direct", "wg0", NULL}, -1, RB_OUT_WIREGUARD},
	{"two endpoints, one terminated",
	 DP "endpoints = ( { type = \"wireguard\"; tag = \"a\"; private_key = \"" K1 "\"; "
	 "listen_port = 5; },\n { type = \"wireguard\"; tag = \"b\"; private_key = \"" K2 "\"; "
	 "listen_port = 6; mode = \"terminated\"; } );\n"
	 "outbounds = ( { type = \"direct\"; tag = \"d\"; } );",
	 {"b", NULL}, {"d", "a", "b", NULL}, RB_IN_WIREGUARD, RB_OUT_WIREGUARD},
	{"socks outbound detours through an endpoint",
	 DP "endpoints = ( { type = \"wireguard\"; tag = \"wg0\"; address = [\"10.99.0.1/24\"]; "
	 "private_key = \"" K1 "\"; listen_port = 5; } );\n"
	 "outbounds = ( { type = \"direct\"; tag = \"d\"; },\n"
	 "  { type = \"socks\"; tag = \"up\"; server = \"10.99.0.2\"; server_port = 1080; "
	 "detour = \"wg0\"; } );",
	 {NULL}, {"d", "up", "wg0", NULL}, -1, RB_OUT_WIREGUARD},
};

static void test_proxy_entries(void)
{
	for (unsigned i = 0; i < sizeof(pcases) / sizeof(pcases[0]); i++) {
		struct rb_config cfg;
		struct rb_cfg_routing r;
		int rc = rb_config_load_string(&cfg, pcases[i].text, pcases[i].name, stderr), n;

		CU_ASSERT_EQUAL_FATAL(rc, 0);
		CU_ASSERT_PTR_NOT_NULL_FATAL(cfg.proxy);
		CU_ASSERT_EQUAL(rb_cfg_routing_from(&cfg, &r, stderr), 0);
		for (n = 0; pcases[i].in[n]; n++) {
			CU_ASSERT(n < cfg.proxy->n_inbounds && n < r.n_inbounds);
			if (n >= cfg.proxy->n_inbounds || n >= r.n_inbounds)
				break;
			CU_ASSERT_STRING_EQUAL(cfg.proxy->inbounds[n].tag, pcases[i].in[n]);
			CU_ASSERT_STRING_EQUAL(r.inbounds[n], pcases[i].in[n]);
		}
		CU_ASSERT_EQUAL(cfg.proxy->n_inbounds, n);
		CU_ASSERT_EQUAL(r.n_inbounds, n);
		if (n && pcases[i].in_type_last >= 0)
			CU_ASSERT_EQUAL(cfg.proxy->inbounds[n - 1].type, pcases[i].in_type_last);
		for (n = 0; pcases[i].out[n]; n++) {
			CU_ASSERT(n < cfg.proxy->n_outbounds && n < r.n_outbounds);
			if (n >= cfg.proxy->n_outbounds || n >= r.n_outbounds)
				break;
			CU_ASSERT_STRING_EQUAL(cfg.proxy->outbounds[n].tag, pcases[i].out[n]);
			CU_ASSERT_STRING_EQUAL(r.outbounds[n], pcases[i].out[n]);
		}
		CU_ASSERT_EQUAL(cfg.proxy->n_outbounds, n);
		CU_ASSERT_EQUAL(r.n_outbounds, n);
		if (n) {
			const struct rb_cfg_outbound *o = &cfg.proxy->outbounds[n - 1];

			CU_ASSERT_EQUAL(o->type, pcases[i].out_type_last);
			CU_ASSERT_EQUAL(o->detour_idx, -1);
		}
		if (i == 0) { /* the dial sources: the endpoint's own addresses */
			const struct rb_cfg_outbound *o = &cfg.proxy->outbounds[1];

			CU_ASSERT_EQUAL(o->inet4_bind[0], 10);
			CU_ASSERT_EQUAL(o->inet4_bind[1], 99);
			CU_ASSERT_EQUAL(o->inet4_bind[3], 1);
			CU_ASSERT_EQUAL(o->inet6_bind[0], 0xfd);
			CU_ASSERT_EQUAL(o->inet6_bind[15], 1);
		}
		if (i == 1) /* no IPv6 address: no IPv6 source */
			CU_ASSERT_EQUAL(cfg.proxy->outbounds[1].inet6_bind[0], 0);
		if (i == 3) /* the detour resolves to the endpoint's outbound */
			CU_ASSERT_EQUAL(cfg.proxy->outbounds[1].detour_idx, 2);
		rb_cfg_route_free(&r);
		rb_config_free(&cfg);
	}
}

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
	CU_add_test(s, "endpoints as proxy inbounds/outbounds", test_proxy_entries);
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	fails = CU_get_number_of_failures();
	CU_cleanup_registry();
	return fails ? 1 : 0;
}
