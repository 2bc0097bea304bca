/* SPDX-License-Identifier: BSD-3-Clause */
/* Shared by the config unit tests (test_config.c, test_config_tcp.c,
 * test_config_api.c). */
#ifndef TEST_CONFIG_H
#define TEST_CONFIG_H

#include <CUnit/Basic.h>
#include "config/rb_config.h"

#define PORT_LAN "{ name = \"lan\"; device = \"net_null0\"; addresses = [\"10.0.0.1/24\", \"fd00::1/64\"]; }"
#define DP(x)    "dataplane = { ports = ( " PORT_LAN " ); " x " };\n"
#define SOCKSIN(x) "inbounds = (\n { type = \"socks\"; tag = \"s\"; listen_port = 1080;\n " x " }\n);\n"

/* Load text as "t.cfg"; return rc and the error output (caller frees). */
int test_config_load(const char *text, struct rb_config *cfg, char **errs);
/* The dataplane.tcp tests (test_config_tcp.c); 0 when all were added. */
int test_config_tcp_register(CU_pSuite s);
/* Every line of s is "t.cfg:LINE: ..." or "t.cfg: ...". */
int test_config_lines_well_formed(const char *s);
/* c formats as text. */
int test_config_cidr_is(const struct rb_cidr *c, const char *text);
/* The CIDR, log level and schema API tests (test_config_api.c); 0 when all
 * were added. */
int test_config_api_register(CU_pSuite s);

#endif
