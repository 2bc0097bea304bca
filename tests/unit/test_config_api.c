/* SPDX-License-Identifier: BSD-3-Clause */
/* Config unit tests: the CIDR helpers, log levels and the exported schema
 * walker (moved from test_config.c). */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <CUnit/Basic.h>

#include "config/rb_config.h"
#include "config/schema.h"
#include "test_config.h"

static void test_cidr(void)
{
	static const struct {
		const char *in;
		int rc;
		const char *out;
		int family, plen;
	} t[] = {
		{ "10.0.0.1/24", 0, "10.0.0.1/24", AF_INET, 24 },
		{ "10.0.0.1", 0, "10.0.0.1", AF_INET, 32 },
		{ "0.0.0.0/0", 0, "0.0.0.0/0", AF_INET, 0 },
		{ "10.0.0.1/32", 0, "10.0.0.1", AF_INET, 32 },
		{ "fd00::1/64", 0, "fd00::1/64", AF_INET6, 64 },
		{ "FD00:0::1/64", 0, "fd00::1/64", AF_INET6, 64 },
		{ "::/0", 0, "::/0", AF_INET6, 0 },
		{ "::ffff:10.0.0.1/128", 0, "::ffff:10.0.0.1", AF_INET6, 128 },
		{ "10.0.0.1/33", -1, NULL, 0, 0 },
		{ "fd00::/129", -1, NULL, 0, 0 },
		{ "10.0.0.1/", -1, NULL, 0, 0 },
		{ "/8", -1, NULL, 0, 0 },
		{ "", -1, NULL, 0, 0 },
		{ "10.0.0.1/24 ", -1, NULL, 0, 0 },
		{ " 10.0.0.1", -1, NULL, 0, 0 },
		{ "10.0.0.1/+8", -1, NULL, 0, 0 },
		{ "10.0.0.1/08", -1, NULL, 0, 0 },
		{ "10.0.0.1/99999999999", -1, NULL, 0, 0 },
		{ "10.0.0", -1, NULL, 0, 0 },
		{ "010.0.0.1", -1, NULL, 0, 0 },
		{ "fe80::1%eth0", -1, NULL, 0, 0 },
		{ "10.0.0.1/24/24", -1, NULL, 0, 0 },
		{ "hello", -1, NULL, 0, 0 },
	};
	struct rb_cidr c, a, b;
	char buf[64];

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		int rc = rb_cidr_parse(t[i].in, &c);

		CU_ASSERT_EQUAL(rc, t[i].rc);
		CU_ASSERT_EQUAL(rb_cidr_error(t[i].in) == NULL, t[i].rc == 0);
		if (rc == 0) {
			CU_ASSERT_STRING_EQUAL(rb_cidr_format(&c, buf, sizeof(buf)), t[i].out);
			CU_ASSERT_EQUAL(c.family, t[i].family);
			CU_ASSERT_EQUAL(c.plen, t[i].plen);
		} else {
			CU_ASSERT_EQUAL(c.family, 0);
		}
	}
	CU_ASSERT_EQUAL(rb_cidr_parse(NULL, &c), -1);
	rb_cidr_parse("10.0.0.0/8", &a);
	rb_cidr_parse("10.255.1.2", &b);
	CU_ASSERT(rb_cidr_contains(&a, &b));
	rb_cidr_parse("11.0.0.1", &b);
	CU_ASSERT(!rb_cidr_contains(&a, &b));
	rb_cidr_parse("10.0.0.0/9", &a);
	rb_cidr_parse("10.128.0.1", &b);
	CU_ASSERT(!rb_cidr_contains(&a, &b));
	rb_cidr_parse("0.0.0.0/0", &a);
	CU_ASSERT(rb_cidr_contains(&a, &b));
	rb_cidr_parse("::/0", &a);
	CU_ASSERT(!rb_cidr_contains(&a, &b)); /* family differs */
	rb_cidr_parse("fd00::/63", &a);
	rb_cidr_parse("fd00:0:0:1::5", &b);
	CU_ASSERT(rb_cidr_contains(&a, &b));
	rb_cidr_parse("fd00:0:0:2::5", &b);
	CU_ASSERT(!rb_cidr_contains(&a, &b));
	rb_cidr_parse("10.1.2.3/16", &a);
	CU_ASSERT(!rb_cidr_host_bits_zero(&a));
	rb_cidr_network(&a, &b);
	CU_ASSERT(test_config_cidr_is(&b, "10.1.0.0/16") && rb_cidr_host_bits_zero(&b));
	rb_cidr_parse("10.1.255.255/16", &a);
	CU_ASSERT(rb_cidr_host_bits_ones(&a));
	memset(&c, 0, sizeof(c));
	CU_ASSERT_STRING_EQUAL(rb_cidr_format(&c, buf, sizeof(buf)), "-");
}

static void test_log_level(void)
{
	enum rb_log_level l;

	for (int i = RB_LOG_ERROR; i <= RB_LOG_TRACE; i++) {
		CU_ASSERT_EQUAL(rb_log_level_parse(rb_log_level_name((enum rb_log_level)i), &l), 0);
		CU_ASSERT_EQUAL(l, i);
	}
	CU_ASSERT_EQUAL(rb_log_level_parse("DEBUG", &l), 0);
	CU_ASSERT_EQUAL(l, RB_LOG_DEBUG);
	CU_ASSERT_EQUAL(rb_log_level_parse("verbose", &l), -1);
	CU_ASSERT_EQUAL(rb_log_level_parse("", &l), -1);
	CU_ASSERT_EQUAL(rb_log_level_parse(NULL, &l), -1);
	CU_ASSERT_STRING_EQUAL(rb_log_level_name(RB_LOG_WARN), "warn");
	CU_ASSERT_STRING_EQUAL(rb_log_level_name((enum rb_log_level)42), "unknown");
}

/* The exported walker, as a later module would use it on its own section. */
struct t_item {
	char *name;
	int64_t weight;
	int line;
};
struct t_sect {
	int mode;
	uint8_t small;
	char label[8];
	int n_items;
	struct t_item *items;
	int n_tags;
	char *tags[4];
	struct rb_cidr net;
};

static const char *const t_modes[] = {"off", "on", "auto", NULL};
static const struct rb_schema_field t_tag_el[] = {
	{ .type = RB_SCHEMA_STRING, .flags = RB_SF_DUP | RB_SF_NONEMPTY, .size = sizeof(char *) },
};
static const struct rb_schema_field t_item_tbl[] = {
	{ .key = "name", .type = RB_SCHEMA_STRING, .flags = RB_SF_REQUIRED | RB_SF_DUP,
	  .offset = offsetof(struct t_item, name), .size = sizeof(char *), .def_str = NULL },
	RB_SCHEMA_INT("weight", struct t_item, weight, -5, 5000000000LL, 1, 0),
	RB_SCHEMA_LINE_F(struct t_item, line),
	RB_SCHEMA_TABLE_END,
};
static const struct rb_schema_field t_tbl[] = {
	RB_SCHEMA_ENUM("mode", struct t_sect, mode, t_modes, 2, 0),
	RB_SCHEMA_INT("small", struct t_sect, small, 0, 255, 7, 0),
	RB_SCHEMA_STR("label", struct t_sect, label, 0, 0, "none", 0),
	{ .key = "items", .type = RB_SCHEMA_LIST, .flags = RB_SF_ALLOC, .max = 3,
	  .offset = offsetof(struct t_sect, items), .size = sizeof(struct t_item),
	  .count_off = offsetof(struct t_sect, n_items), .sub = t_item_tbl },
	{ .key = "tags", .type = RB_SCHEMA_ARRAY, .max = 4, .offset = offsetof(struct t_sect, tags),
	  .count_off = offsetof(struct t_sect, n_tags), .sub = t_tag_el },
	RB_SCHEMA_CIDR_F("net", struct t_sect, net, RB_SF_NET),
	RB_SCHEMA_TABLE_END,
};

static int t_schema(const char *text, struct t_sect *out, char **errs)
{
	config_t c;
	size_t len = 0;
	FILE *f = open_memstream(errs, &len);
	struct rb_cfg_err e = RB_CFG_ERR_INIT(f, "m.cfg"), e2 = RB_CFG_ERR_INIT(NULL, "m.cfg");
	int n;

	config_init(&c);
	CU_ASSERT_FATAL(config_read_string(&c, text) == CONFIG_TRUE);
	memset(out, 0, sizeof(*out));
	n = rb_schema_load(config_lookup(&c, "sect"), t_tbl, out, "sect", &e);
	CU_ASSERT_EQUAL(n, e.count);
	/* check-only finds the same problems (and stores nothing) */
	CU_ASSERT_EQUAL(rb_schema_check(config_lookup(&c, "sect"), t_tbl, "sect", &e2), n);
	CU_ASSERT_EQUAL(e2.count, n);
	config_destroy(&c);
	fclose(f);
	return n;
}

static void test_schema_api(void)
{
	struct t_sect s;
	char *errs = NULL;

	/* absent section: all defaults */
	CU_ASSERT_EQUAL(t_schema("other = 1;", &s, &errs), 0);
	CU_ASSERT(s.mode == 2 && s.small == 7 && strcmp(s.label, "none") == 0);
	CU_ASSERT(s.n_items == 0 && s.items == NULL && s.n_tags == 0 && s.net.family == 0);
	free(errs);
	rb_schema_free(t_tbl, &s);

	CU_ASSERT_EQUAL(t_schema("sect = { mode = \"on\"; small = 255; label = \"abcdefg\";\n"
				 " items = ( { name = \"x\"; weight = 4000000000L; },\n { name = \"y\"; } );\n"
				 " tags = [\"a\", \"b\"]; net = \"10.0.0.0/8\"; };", &s, &errs), 0);
	CU_ASSERT_STRING_EQUAL(errs, "");
	CU_ASSERT(s.mode == 1 && s.small == 255 && strcmp(s.label, "abcdefg") == 0);
	CU_ASSERT_EQUAL_FATAL(s.n_items, 2);
	CU_ASSERT(strcmp(s.items[0].name, "x") == 0 && s.items[0].weight == 4000000000LL);
	CU_ASSERT(strcmp(s.items[1].name, "y") == 0 && s.items[1].weight == 1 && s.items[1].line == 3);
	CU_ASSERT(s.n_tags == 2 && strcmp(s.tags[1], "b") == 0);
	CU_ASSERT(test_config_cidr_is(&s.net, "10.0.0.0/8"));
	rb_schema_free(t_tbl, &s);
	CU_ASSERT(s.items == NULL && s.tags[0] == NULL);
	free(errs);

	CU_ASSERT_EQUAL(t_schema("sect = { mode = \"maybe\"; small = 256; label = \"abcdefgh\";\n"
				 " items = ( { weight = -6; }, {name=\"a\";}, {name=\"b\";}, {name=\"c\";} );\n"
				 " tags = [\"\"]; net = \"10.0.0.1/8\"; extra = 1; };", &s, &errs), 9);
	CU_ASSERT(test_config_lines_well_formed(errs) == 0); /* "m.cfg", not "t.cfg" */
	CU_ASSERT_PTR_NOT_NULL(strstr(errs, "m.cfg:1: sect.mode: 'maybe' is not one of: off, on, auto\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(errs, "m.cfg:1: sect.small: 256 is out of range 0..255\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(errs, "sect.label: 'abcdefgh' is too long (8 characters, at most 7)"));
	CU_ASSERT_PTR_NOT_NULL(strstr(errs, "m.cfg:2: sect.items.[0].name: missing required key"));
	CU_ASSERT_PTR_NOT_NULL(strstr(errs, "sect.items.[0].weight: -6 is out of range -5..5000000000"));
	CU_ASSERT_PTR_NOT_NULL(strstr(errs, "sect.items: has 4 entries, at most 3 allowed"));
	CU_ASSERT_PTR_NOT_NULL(strstr(errs, "sect.tags.[0]: must not be empty"));
	CU_ASSERT_PTR_NOT_NULL(strstr(errs, "sect.net: '10.0.0.1/8' has host bits set"));
	CU_ASSERT_PTR_NOT_NULL(strstr(errs, "sect.extra: unknown key"));
	CU_ASSERT(s.n_items <= 3);
	rb_schema_free(t_tbl, &s);
	free(errs);
}

int test_config_api_register(CU_pSuite s)
{
	if (!CU_add_test(s, "cidr", test_cidr) || !CU_add_test(s, "log level", test_log_level) ||
	    !CU_add_test(s, "schema API", test_schema_api))
		return -1;
	return 0;
}
