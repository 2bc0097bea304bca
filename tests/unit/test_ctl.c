/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of ringbox-control's ctl request parser (good, bad and
 * oversized requests), the JSON writer/reader it replies with, and the
 * command layer against a segment created in-process (no EAL).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <CUnit/Basic.h>

#include "control/rb_ctl.h"

static void test_parse_table(void)
{
	static const struct {
		const char *line;
		int rc;
		int cmd, argc;
		const char *a0;
	} t[] = {
		{ "status\n", 0, RB_CTL_STATUS, 0, NULL },
		{ "/status", 0, RB_CTL_STATUS, 0, NULL },
		{ "/status\r\n", 0, RB_CTL_STATUS, 0, NULL },
		{ "  \t/stats   all  \n", 0, RB_CTL_STATS, 1, "all" },
		{ "/stats,all", 0, RB_CTL_STATS, 1, "all" },
		{ "stats -a", 0, RB_CTL_STATS, 1, "-a" },
		{ "/ports", 0, RB_CTL_PORTS, 0, NULL },
		{ "neigh", 0, RB_CTL_NEIGH, 0, NULL },
		{ "routes", 0, RB_CTL_ROUTES, 0, NULL },
		{ "reload", 0, RB_CTL_RELOAD, 0, NULL },
		{ "/check /etc/ringbox/x.cfg", 0, RB_CTL_CHECK, 1, "/etc/ringbox/x.cfg" },
		{ "/check,/tmp/a,b.cfg", 0, RB_CTL_CHECK, 1, "/tmp/a,b.cfg" },
		{ "log level debug", 0, RB_CTL_LOG_LEVEL, 1, "debug" },
		{ "log level", 0, RB_CTL_LOG_LEVEL, 0, NULL },
		{ "/log/level trace", 0, RB_CTL_LOG_LEVEL, 1, "trace" },
		{ "log/level info", 0, RB_CTL_LOG_LEVEL, 1, "info" },
		{ "ping", 0, RB_CTL_PING, 0, NULL },
		{ "help", 0, RB_CTL_HELP, 0, NULL },
		{ "help stats", 0, RB_CTL_HELP, 1, "stats" },
		/* bad */
		{ "", -1, 0, 0, NULL },
		{ "\n", -1, 0, 0, NULL },
		{ "   \t  ", -1, 0, 0, NULL },
		{ "nosuch", -1, 0, 0, NULL },
		{ "/nosuch/path x", -1, 0, 0, NULL },
		{ "/", -1, 0, 0, NULL },
		{ "//status", -1, 0, 0, NULL },
		{ "status extra", -1, 0, 0, NULL },
		{ "check", -1, 0, 0, NULL },
		{ "check a b", -1, 0, 0, NULL },
		{ "log level a b", -1, 0, 0, NULL },
		{ "help a b", -1, 0, 0, NULL },
		{ "a b c d e f g h", -1, 0, 0, NULL },
		{ "status\x01", -1, 0, 0, NULL },
		{ "sta\x7ftus", -1, 0, 0, NULL },
		{ "status\xc3\xa9", -1, 0, 0, NULL },
		{ "stat\nus", -1, 0, 0, NULL },
		{ "log", -1, 0, 0, NULL },
	};
	struct rb_ctl_req req;
	char err[256];
	unsigned i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		int rc = rb_ctl_parse(t[i].line, strlen(t[i].line), &req, err, sizeof(err));

		CU_ASSERT_EQUAL(rc, t[i].rc);
		if (rc != t[i].rc) {
			fprintf(stderr, "row %u '%s': rc %d (%s)\n", i, t[i].line, rc, err);
			continue;
		}
		if (rc < 0) {
			CU_ASSERT(err[0] != 0);
			continue;
		}
		CU_ASSERT_EQUAL(req.cmd, t[i].cmd);
		CU_ASSERT_EQUAL(req.argc, t[i].argc);
		if (t[i].a0 && req.argc > 0)
			CU_ASSERT_STRING_EQUAL(req.argv[0], t[i].a0);
	}
}

static void test_parse_sizes(void)
{
	static char line[RB_CTL_MAX_REQ * 2];
	struct rb_ctl_req req;
	char err[256];
	size_t n;

	/* "check /xxx...": the longest accepted line is RB_CTL_MAX_REQ - 1 bytes
	 * plus the newline; one more byte is refused. */
	memset(line, 'x', sizeof(line));
	memcpy(line, "check /", 7);
	n = RB_CTL_MAX_REQ - 1;
	line[n] = '\n';
	CU_ASSERT_EQUAL(rb_ctl_parse(line, n + 1, &req, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(strlen(req.argv[0]), RB_CTL_MAX_REQ - 1 - 6);
	line[n] = 'x';
	line[n + 1] = '\n';
	CU_ASSERT_EQUAL(rb_ctl_parse(line, n + 2, &req, err, sizeof(err)), -1);
	CU_ASSERT(strstr(err, "longer") != NULL);
	CU_ASSERT_EQUAL(rb_ctl_parse(line, sizeof(line), &req, err, sizeof(err)), -1);
	/* an embedded NUL is a bad character, not a terminator */
	CU_ASSERT_EQUAL(rb_ctl_parse("status\0x", 8, &req, err, sizeof(err)), -1);
	/* every command's usage parses */
	for (n = 0; n < RB_CTL_CMD_MAX; n++)
		CU_ASSERT(rb_ctl_lookup(rb_ctl_cmds[n].path) == (int)n);
}

static void test_json_roundtrip(void)
{
	struct rb_json j;
	struct rb_jv *v;
	const struct rb_jv *x;
	char err[128];

	rb_json_init(&j);
	rb_json_obj(&j, NULL);
	rb_json_str(&j, "s", "a\"b\\c\n\x01");
	rb_json_u64(&j, "u", UINT64_MAX);
	rb_json_i64(&j, "i", -5);
	rb_json_bool(&j, "t", 1);
	rb_json_null(&j, "n");
	rb_json_arr(&j, "a");
	rb_json_u64(&j, NULL, 1);
	rb_json_obj(&j, NULL);
	rb_json_str(&j, "k", "v");
	rb_json_obj_end(&j);
	rb_json_arr_end(&j);
	rb_json_obj_end(&j);
	CU_ASSERT_FALSE(j.err);
	CU_ASSERT_STRING_EQUAL(j.buf, "{\"s\":\"a\\\"b\\\\c\\n\\u0001\",\"u\":18446744073709551615,"
				      "\"i\":-5,\"t\":true,\"n\":null,\"a\":[1,{\"k\":\"v\"}]}");
	v = rb_json_parse(j.buf, j.len, err, sizeof(err));
	CU_ASSERT_PTR_NOT_NULL_FATAL(v);
	x = rb_jv_get(v, "s");
	CU_ASSERT(x && x->type == RB_JSTR && !strcmp(x->s, "a\"b\\c\n\x01"));
	x = rb_jv_get(v, "u");
	CU_ASSERT(x && x->type == RB_JNUM && strtoull(x->s, NULL, 10) == UINT64_MAX);
	x = rb_jv_get(v, "a");
	CU_ASSERT(x && x->type == RB_JARR && x->n == 2 && x->kid[1].type == RB_JOBJ);
	CU_ASSERT_PTR_NULL(rb_jv_get(v, "missing"));
	rb_jv_free(v);
	rb_json_free(&j);
}

static void test_json_bad(void)
{
	static const char *const bad[] = {
		"", "{", "}", "[1,]", "{\"a\" 1}", "{\"a\":}", "\"abc", "\"\\x\"", "tru", "nul",
		"[1 2]", "{} x", "-", "\"\\u12g4\"", "\"a\x01\"", "{1:2}",
	};
	char deep[300], err[128];
	struct rb_jv *v;
	unsigned i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		v = rb_json_parse(bad[i], strlen(bad[i]), err, sizeof(err));
		CU_ASSERT_PTR_NULL(v);
		if (v) {
			fprintf(stderr, "accepted bad JSON '%s'\n", bad[i]);
			rb_jv_free(v);
		}
	}
	memset(deep, '[', sizeof(deep));
	CU_ASSERT_PTR_NULL(rb_json_parse(deep, sizeof(deep), err, sizeof(err)));
	v = rb_json_parse(" [ ] ", 5, err, sizeof(err));
	CU_ASSERT(v && v->type == RB_JARR && v->n == 0);
	rb_jv_free(v);
}

/* Run one request through parser + exec; returns the parsed reply. */
static struct rb_jv *exec_line(struct rb_ctl *c, const char *line, int *rc)
{
	static struct rb_ctl_req req;
	struct rb_json j;
	struct rb_jv *v;
	char err[256];

	rb_json_init(&j);
	if (rb_ctl_parse(line, strlen(line), &req, err, sizeof(err)) < 0) {
		rb_ctl_error_reply(&j, "", err);
		*rc = -1;
	} else {
		*rc = rb_ctl_exec(c, &req, &j);
	}
	v = rb_json_parse(j.buf, j.len, err, sizeof(err));
	if (!v)
		fprintf(stderr, "bad reply JSON (%s): %s\n", err, j.buf);
	rb_json_free(&j);
	return v;
}

static int reply_ok(const struct rb_jv *v)
{
	const struct rb_jv *ok = rb_jv_get(v, "ok");

	return ok && ok->type == RB_JBOOL && ok->b;
}

static void test_exec(void)
{
	static struct rb_ctl c;
	char name[RB_NAME_LEN], err[256];
	struct rb_shm *dp;
	struct rb_jv *v;
	const struct rb_jv *d;
	int rc;

	snprintf(name, sizeof(name), "/rbtest_ctl_%d", (int)getpid());
	memset(&c, 0, sizeof(c));
	snprintf(c.shm_name, sizeof(c.shm_name), "%s", name);
	c.start_mono_ns = rb_shm_mono_ns();
	/* no dataplane yet */
	rb_ctl_link_tick(&c);
	CU_ASSERT_FALSE(c.dp_up);
	CU_ASSERT(strstr(c.dp_why, "not running") != NULL);
	v = exec_line(&c, "stats", &rc);
	CU_ASSERT_EQUAL(rc, -1);
	CU_ASSERT(v && !reply_ok(v));
	rb_jv_free(v);
	v = exec_line(&c, "status", &rc);
	CU_ASSERT(v && reply_ok(v));
	d = rb_jv_get(rb_jv_get(v, "data"), "dataplane_up");
	CU_ASSERT(d && d->type == RB_JBOOL && !d->b);
	rb_jv_free(v);
	v = exec_line(&c, "ping", &rc);
	CU_ASSERT(v && !reply_ok(v));
	rb_jv_free(v);
	v = exec_line(&c, "bogus", &rc);
	CU_ASSERT(v && !reply_ok(v) && rb_jv_get(v, "error"));
	rb_jv_free(v);
	v = exec_line(&c, "help", &rc);
	d = v ? rb_jv_get(v, "data") : NULL;
	CU_ASSERT(d && d->type == RB_JARR && d->n == RB_CTL_CMD_MAX);
	rb_jv_free(v);
	v = exec_line(&c, "help nosuch", &rc);
	CU_ASSERT(v && !reply_ok(v));
	rb_jv_free(v);
	v = exec_line(&c, "check /nonexistent/ringbox.cfg", &rc);
	CU_ASSERT(v && !reply_ok(v) && rb_jv_get(v, "errors"));
	rb_jv_free(v);

	/* a dataplane appears */
	dp = rb_shm_create_named(name, 2, err, sizeof(err));
	CU_ASSERT_PTR_NOT_NULL_FATAL(dp);
	rb_shm_lcore_stats(dp, 1)->drops[RB_DROP_TTL_EXPIRED] = 7;
	rb_ctl_link_tick(&c);
	CU_ASSERT_TRUE(c.dp_up);
	CU_ASSERT_EQUAL(c.attaches, 1u);
	/* nonzero drops only by default, all with "all" */
	v = exec_line(&c, "stats", &rc);
	CU_ASSERT_EQUAL(rc, 0);
	d = rb_jv_get(rb_jv_get(v, "data"), "drops");
	CU_ASSERT_FATAL(d && d->type == RB_JARR);
	CU_ASSERT_EQUAL(d->n, 1u);
	if (d->n == 1) {
		CU_ASSERT_STRING_EQUAL(rb_jv_get(&d->kid[0], "reason")->s, "ttl_expired");
		CU_ASSERT_STRING_EQUAL(rb_jv_get(&d->kid[0], "count")->s, "7");
	}
	rb_jv_free(v);
	v = exec_line(&c, "stats all", &rc);
	d = rb_jv_get(rb_jv_get(v, "data"), "drops");
	CU_ASSERT(d && d->n == 2u * RB_DROP_MAX);
	rb_jv_free(v);
	v = exec_line(&c, "stats bogus", &rc);
	CU_ASSERT(v && !reply_ok(v));
	rb_jv_free(v);
	v = exec_line(&c, "log level nonsense", &rc);
	CU_ASSERT(v && !reply_ok(v));
	rb_jv_free(v);
	/* the route table (no config loaded: empty) was published at attach */
	CU_ASSERT_EQUAL(c.published_gen, 1u);
	CU_ASSERT_EQUAL(rb_shm_table_published(dp), 1u);
	/* restart: a new segment under the name is detected */
	{
		struct rb_shm *dp2;

		rb_shm_destroy(dp);
		rb_ctl_link_tick(&c);
		CU_ASSERT_FALSE(c.dp_up);
		dp2 = rb_shm_create_named(name, 1, err, sizeof(err));
		CU_ASSERT_PTR_NOT_NULL_FATAL(dp2);
		rb_ctl_link_tick(&c);
		CU_ASSERT_TRUE(c.dp_up);
		CU_ASSERT_EQUAL(c.attaches, 2u);
		CU_ASSERT_EQUAL(c.boot_id, dp2->hdr->boot_id);
		rb_ctl_link_close(&c);
		rb_shm_destroy(dp2);
	}
	shm_unlink(name);
}

int main(void)
{
	CU_pSuite s;
	unsigned fails;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("ctl", NULL, NULL);
	CU_add_test(s, "request parser table", test_parse_table);
	CU_add_test(s, "request sizes", test_parse_sizes);
	CU_add_test(s, "json round trip", test_json_roundtrip);
	CU_add_test(s, "json malformed", test_json_bad);
	CU_add_test(s, "commands against a segment", test_exec);
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	fails = CU_get_number_of_failures();
	CU_cleanup_registry();
	return fails ? 1 : 0;
}
