/* SPDX-License-Identifier: BSD-3-Clause */
/* What the router's unit tests (test_route.c, test_route_seeded.c) share. */
#ifndef TEST_ROUTE_H
#define TEST_ROUTE_H

#include <stddef.h>
#include <libconfig.h>
#include <CUnit/CUnit.h>

#include "config/rb_cfg_route.h"
#include "dataplane/route/rb_route.h"

#define TAGS                                                                               \
	"inbounds = ( { type = \"socks\"; tag = \"in1\"; }, { type = \"mixed\"; tag = \"in2\"; } );\n" \
	"outbounds = ( { type = \"direct\"; tag = \"direct\"; }, { type = \"block\"; tag = "   \
	"\"block\"; }, { type = \"socks\"; tag = \"up\"; } );\n"

struct built {
	config_t c;
	struct rb_cfg_routing r;
	void *blob;
	size_t len;
	struct rb_rt_view v;
	char err[4096];
};

/* Parse text, validate route/dns, compile and view.  0 ok, -1 config
 * errors (in b->err), -2 compile/view error. */
int trt_build(struct built *b, const char *text);
void trt_unbuild(struct built *b);
/* The reference matcher's port check: p in a's or b's ranges. */
int trt_ref_ports(const struct rb_cfg_ports *a, const struct rb_cfg_ports *b, uint16_t p);
/* An outbound's index in b's config (0xffff: none). */
uint16_t trt_find_out(const struct built *b, const char *tag);

void test_route_seeded_register(CU_pSuite s);

#endif
