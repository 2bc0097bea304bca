/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of control's connections-table commands (control/conns.c,
 * conns_cmds.c): `conns` with each filter against a segment created
 * in-process, `conns close ID|--all` answered by a thread that plays the
 * worker's close mailbox, and the error cases (unknown id, full mailbox,
 * worker not acting, no segment, stale segment of a dead dataplane).
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <CUnit/Basic.h>

#include "control/rb_conns.h"
#include "control/rb_ctl.h"

#define WORKERS 2
#define SLOTS   64

static struct rb_ctl ctl;
static struct rb_conn_shm seg;
static char seg_name[64];

struct row_def {
	unsigned w, k;
	uint64_t seq;
	const char *in, *out, *user, *domain, *dst4;
	uint16_t port;
	uint8_t network, state;
	uint16_t rule;
};

/* ids are worker << 48 | seq */
static const struct row_def rows[] = {
	{ 0, 0, 1, "socks-in", "direct", "alice", "example.com", "10.0.0.1", 443, RB_NET_TCP,
	  RB_CONN_RELAY, 0 },
	{ 0, 5, 2, "http-in", "direct", "", "", "10.0.0.2", 80, RB_NET_TCP, RB_CONN_RELAY,
	  RB_RULE_FINAL },
	{ 1, 3, 7, "socks-in", "up-socks", "bob", "files.example.org", "", 8080, RB_NET_TCP,
	  RB_CONN_DIALING, 2 },
	{ 1, 9, 8, "socks-in", "direct", "alice", "", "192.168.7.9", 53, RB_NET_UDP,
	  RB_CONN_UDP, 1 },
};

static uint64_t row_id(const struct row_def *r)
{
	return ((uint64_t)r->w << 48) | r->seq;
}

static void fill(void)
{
	for (size_t n = 0; n < sizeof(rows) / sizeof(rows[0]); n++) {
		const struct row_def *r = &rows[n];
		struct rb_conn_info *i = rb_conn_shm_slot(&seg, r->w, r->k);

		memset(i, 0, sizeof(*i));
		i->seq = 2;
		i->state = r->state;
		i->network = r->network;
		i->src_family = AF_INET;
		inet_pton(AF_INET, "10.9.1.2", i->src);
		i->src_port = (uint16_t)(40000 + n);
		if (r->dst4[0]) {
			i->dst_family = AF_INET;
			inet_pton(AF_INET, r->dst4, i->dst);
		}
		i->dst_port = r->port;
		i->id = row_id(r);
		i->rule = r->rule;
		i->bytes_up = 100 * (n + 1);
		i->bytes_down = 1000 * (n + 1);
		snprintf(i->domain, sizeof(i->domain), "%s", r->domain);
		snprintf(i->user, sizeof(i->user), "%s", r->user);
		snprintf(i->in_tag, sizeof(i->in_tag), "%s", r->in);
		snprintf(i->out_tag, sizeof(i->out_tag), "%s", r->out);
	}
	/* the first row's TCP connections as the worker fills them; the
	 * upstream's cc fills its field without a terminator */
	{
		struct rb_conn_info *i = rb_conn_shm_slot(&seg, rows[0].w, rows[0].k);

		snprintf(i->cli_tcp.cc, sizeof(i->cli_tcp.cc), "newreno");
		snprintf(i->cli_tcp.state, sizeof(i->cli_tcp.state), "ESTABLISHED");
		i->cli_tcp.srtt_us = 1500;
		i->cli_tcp.rto_us = 300000;
		i->cli_tcp.cwnd = 14600;
		i->cli_tcp.mss = 1460;
		i->cli_tcp.retransmits = 3;
		memcpy(i->up_tcp.cc, "abcdefghijkl", sizeof(i->up_tcp.cc));
		memcpy(i->up_tcp.state, "FIN-WAIT-1", 11);
	}
}

static int setup(void)
{
	snprintf(ctl.shm_name, sizeof(ctl.shm_name), "/rbtconns%d", (int)getpid());
	rb_conn_shm_name(ctl.shm_name, seg_name, sizeof(seg_name));
	if (rb_conn_shm_create(&seg, seg_name, WORKERS, SLOTS) != 0)
		return -1;
	fill();
	return 0;
}

static int teardown(void)
{
	rb_conn_shm_close(&seg);
	return 0;
}

/* Run one request line; returns the parsed reply (free with rb_jv_free). */
static struct rb_jv *run(const char *line, int *rc)
{
	struct rb_ctl_req req;
	struct rb_json j;
	struct rb_jv *v;
	char err[256];

	if (rb_ctl_parse(line, strlen(line), &req, err, sizeof(err)) != 0) {
		*rc = -2;
		return NULL;
	}
	rb_json_init(&j);
	*rc = rb_ctl_exec(&ctl, &req, &j);
	v = rb_json_parse(j.buf, j.len, err, sizeof(err));
	rb_json_free(&j);
	return v;
}

static void test_filters(void)
{
	static const struct {
		const char *line;
		int rc;
		const char *ids; /* expected ids, in order, "," separated */
	} t[] = {
		{ "conns", 0, "1,2,281474976710663,281474976710664" },
		{ "/conns --inbound socks-in", 0, "1,281474976710663,281474976710664" },
		{ "conns --inbound http-in", 0, "2" },
		{ "conns --outbound up-socks", 0, "281474976710663" },
		{ "conns --user alice", 0, "1,281474976710664" },
		{ "conns --user alice --network udp", 0, "281474976710664" },
		{ "conns --network tcp --inbound socks-in", 0, "1,281474976710663" },
		{ "conns --dst example", 0, "1,281474976710663" },
		{ "conns --dst 10.0.0.2", 0, "2" },
		{ "conns --dst example.com:443", 0, "1" },
		{ "conns --dst :53", 0, "281474976710664" },
		{ "conns --inbound nosuch", 0, "" },
		{ "conns --user", -1, NULL },
		{ "conns --colour red", -1, NULL },
		{ "conns --network sctp", -1, NULL },
	};

	for (size_t n = 0; n < sizeof(t) / sizeof(t[0]); n++) {
		int rc;
		struct rb_jv *v = run(t[n].line, &rc);
		const struct rb_jv *d, *ok;
		char got[256] = "";
		size_t k = 0;

		CU_ASSERT_PTR_NOT_NULL_FATAL(v);
		CU_ASSERT_EQUAL(rc, t[n].rc);
		ok = rb_jv_get(v, "ok");
		CU_ASSERT(ok && ok->b == (t[n].rc == 0));
		if (t[n].rc == 0) {
			d = rb_jv_get(v, "data");
			CU_ASSERT_FATAL(d && d->type == RB_JARR);
			for (size_t i = 0; i < d->n; i++) {
				const struct rb_jv *id = rb_jv_get(&d->kid[i], "id");

				k += (size_t)snprintf(got + k, sizeof(got) - k, "%s%s", i ? "," : "",
						      id ? id->s : "?");
			}
			if (strcmp(got, t[n].ids))
				fprintf(stderr, "\n'%s': got '%s', want '%s'\n", t[n].line, got,
					t[n].ids);
			CU_ASSERT_STRING_EQUAL(got, t[n].ids);
		}
		rb_jv_free(v);
	}
}

static void test_row_fields(void)
{
	int rc;
	struct rb_jv *v = run("conns --dst files", &rc);
	const struct rb_jv *d, *r, *t;

	CU_ASSERT_PTR_NOT_NULL_FATAL(v);
	d = rb_jv_get(v, "data");
	CU_ASSERT_FATAL(d && d->type == RB_JARR && d->n == 1);
	r = &d->kid[0];
	CU_ASSERT_STRING_EQUAL(rb_jv_get(r, "inbound")->s, "socks-in");
	CU_ASSERT_STRING_EQUAL(rb_jv_get(r, "user")->s, "bob");
	CU_ASSERT_STRING_EQUAL(rb_jv_get(r, "src")->s, "10.9.1.2:40002");
	CU_ASSERT_STRING_EQUAL(rb_jv_get(r, "dst")->s, "files.example.org:8080");
	CU_ASSERT_EQUAL(rb_jv_get(r, "dst_ip")->type, RB_JNULL);
	CU_ASSERT_STRING_EQUAL(rb_jv_get(r, "rule")->s, "2");
	CU_ASSERT_STRING_EQUAL(rb_jv_get(r, "outbound")->s, "up-socks");
	CU_ASSERT_STRING_EQUAL(rb_jv_get(r, "state")->s, "dialing");
	CU_ASSERT_STRING_EQUAL(rb_jv_get(r, "up")->s, "300");
	CU_ASSERT_STRING_EQUAL(rb_jv_get(r, "down")->s, "3000");
	/* no TCP connection filled in: null */
	CU_ASSERT_EQUAL(rb_jv_get(r, "tcp")->type, RB_JNULL);
	CU_ASSERT_EQUAL(rb_jv_get(r, "up_tcp")->type, RB_JNULL);
	rb_jv_free(v);
	v = run("conns --dst example.com:443", &rc);
	r = &rb_jv_get(v, "data")->kid[0];
	t = rb_jv_get(r, "tcp");
	CU_ASSERT_FATAL(t && t->type == RB_JOBJ);
	CU_ASSERT_STRING_EQUAL(rb_jv_get(t, "cc")->s, "newreno");
	CU_ASSERT_STRING_EQUAL(rb_jv_get(t, "state")->s, "ESTABLISHED");
	CU_ASSERT_STRING_EQUAL(rb_jv_get(t, "srtt_us")->s, "1500");
	CU_ASSERT_STRING_EQUAL(rb_jv_get(t, "rto_us")->s, "300000");
	CU_ASSERT_STRING_EQUAL(rb_jv_get(t, "cwnd")->s, "14600");
	CU_ASSERT_STRING_EQUAL(rb_jv_get(t, "mss")->s, "1460");
	CU_ASSERT_STRING_EQUAL(rb_jv_get(t, "retransmits")->s, "3");
	t = rb_jv_get(r, "up_tcp");
	CU_ASSERT_FATAL(t && t->type == RB_JOBJ);
	CU_ASSERT_STRING_EQUAL(rb_jv_get(t, "cc")->s, "abcdefghijkl");
	CU_ASSERT_STRING_EQUAL(rb_jv_get(t, "state")->s, "FIN-WAIT-1");
	rb_jv_free(v);
	v = run("conns --inbound http-in", &rc);
	r = &rb_jv_get(v, "data")->kid[0];
	CU_ASSERT_STRING_EQUAL(rb_jv_get(r, "rule")->s, "final");
	CU_ASSERT_EQUAL(rb_jv_get(r, "user")->type, RB_JNULL);
	CU_ASSERT_STRING_EQUAL(rb_jv_get(r, "dst")->s, "10.0.0.2:80");
	CU_ASSERT_STRING_EQUAL(rb_jv_get(r, "dst_ip")->s, "10.0.0.2");
	rb_jv_free(v);
}

/* The worker's side of the mailbox: free the slots of requested ids. */
static volatile int worker_run;

static void *worker(void *arg)
{
	(void)arg;
	while (worker_run) {
		for (unsigned w = 0; w < WORKERS; w++) {
			struct rb_conn_worker *wk = rb_conn_shm_worker(&seg, w);

			for (int i = 0; i < RB_CONN_CLOSE_SLOTS; i++) {
				uint64_t id = __atomic_load_n(&wk->close_req[i], __ATOMIC_ACQUIRE);

				if (id == 0)
					continue;
				for (unsigned k = 0; k < SLOTS; k++) {
					struct rb_conn_info *s = rb_conn_shm_slot(&seg, w, k);

					if (s->state != RB_CONN_FREE &&
					    (id == RB_CONN_CLOSE_ALL || s->id == id)) {
						__atomic_store_n(&s->seq, s->seq + 1, __ATOMIC_RELEASE);
						s->state = RB_CONN_FREE;
						__atomic_store_n(&s->seq, s->seq + 1, __ATOMIC_RELEASE);
					}
				}
				__atomic_store_n(&wk->close_req[i], 0, __ATOMIC_RELEASE);
			}
		}
		usleep(1000);
	}
	return NULL;
}

static int count_live(void)
{
	static const struct rb_conns_filter all;
	struct rb_conn_row *r;
	int n = rb_conns_snapshot(&seg, &all, &r);

	free(r);
	return n;
}

static void test_close(void)
{
	pthread_t th;
	struct rb_jv *v;
	int rc;

	fill();
	worker_run = 1;
	CU_ASSERT_FATAL(pthread_create(&th, NULL, worker, NULL) == 0);
	v = run("conns close 281474976710663", &rc);
	CU_ASSERT_EQUAL(rc, 0);
	CU_ASSERT_STRING_EQUAL(rb_jv_get(rb_jv_get(v, "data"), "closed")->s, "281474976710663");
	rb_jv_free(v);
	CU_ASSERT_EQUAL(count_live(), 3);
	/* gone now: a second close is an error */
	v = run("/conns/close 281474976710663", &rc);
	CU_ASSERT_EQUAL(rc, -1);
	CU_ASSERT(strstr(rb_jv_get(v, "error")->s, "no connection") != NULL);
	rb_jv_free(v);
	/* hex id, via the /conns/close path */
	v = run("/conns/close 0x2", &rc);
	CU_ASSERT_EQUAL(rc, 0);
	rb_jv_free(v);
	CU_ASSERT_EQUAL(count_live(), 2);
	v = run("conns close --all", &rc);
	CU_ASSERT_EQUAL(rc, 0);
	CU_ASSERT_STRING_EQUAL(rb_jv_get(rb_jv_get(v, "data"), "closed")->s, "2");
	rb_jv_free(v);
	CU_ASSERT_EQUAL(count_live(), 0);
	worker_run = 0;
	pthread_join(th, NULL);
}

static void test_close_errors(void)
{
	static const char *const bad[] = {
		"conns close", "conns close abc", "conns close 0", "conns close -5",
		"conns close 1 2", "conns close 99", "conns close 18446744073709551615",
		"conns close 99999999999999999999999",
	};
	int rc;
	struct rb_jv *v;

	fill();
	for (size_t n = 0; n < sizeof(bad) / sizeof(bad[0]); n++) {
		v = run(bad[n], &rc);
		if (v == NULL) {
			CU_ASSERT_EQUAL(rc, -2); /* refused by the parser (argument count) */
			continue;
		}
		CU_ASSERT_EQUAL(rc, -1);
		rb_jv_free(v);
	}
	/* no worker serves the mailbox: timeout, then it fills up */
	v = run("conns close 1", &rc);
	CU_ASSERT_EQUAL(rc, -1);
	CU_ASSERT(strstr(rb_jv_get(v, "error")->s, "did not act") != NULL);
	rb_jv_free(v);
	for (int i = 1; i < RB_CONN_CLOSE_SLOTS; i++)
		CU_ASSERT_EQUAL(rb_conn_request_close(&seg, 0, 1), 0);
	CU_ASSERT_EQUAL(rb_conns_close(&seg, 1, 0), -EBUSY);
	memset((void *)rb_conn_shm_worker(&seg, 0)->close_req, 0,
	       sizeof(rb_conn_shm_worker(&seg, 0)->close_req));
}

static void test_attach_errors(void)
{
	struct rb_conn_shm s;
	char err[256];
	int32_t pid = seg.hdr->pid;
	pid_t child = fork();

	CU_ASSERT_EQUAL(rb_conns_attach(&s, "/rbtconns-none", err, sizeof(err)), -ENOENT);
	CU_ASSERT(strstr(err, "dataplane running") != NULL);
	if (child == 0)
		_exit(0);
	waitpid(child, NULL, 0);
	seg.hdr->pid = child; /* a dataplane that died without unlinking */
	CU_ASSERT_EQUAL(rb_conns_attach(&s, ctl.shm_name, err, sizeof(err)), -ESRCH);
	CU_ASSERT(strstr(err, "not running") != NULL);
	seg.hdr->pid = pid;
	CU_ASSERT_EQUAL(rb_conns_attach(&s, ctl.shm_name, err, sizeof(err)), 0);
	rb_conn_shm_close(&s);
}

int main(void)
{
	CU_pSuite su;
	unsigned fails;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	su = CU_add_suite("conns", setup, teardown);
	CU_add_test(su, "filters", test_filters);
	CU_add_test(su, "row fields", test_row_fields);
	CU_add_test(su, "close", test_close);
	CU_add_test(su, "close errors", test_close_errors);
	CU_add_test(su, "attach errors", test_attach_errors);
	CU_basic_set_mode(CU_BRM_NORMAL);
	CU_basic_run_tests();
	fails = CU_get_number_of_failures() + CU_get_number_of_tests_failed();
	CU_cleanup_registry();
	return fails ? 1 : 0;
}
