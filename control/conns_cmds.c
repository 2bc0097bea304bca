/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ctl commands over the proxy's connections table (control/README.md):
 *
 *   conns [--inbound TAG] [--outbound TAG] [--user U] [--dst SUBSTR]
 *         [--network tcp|udp|icmp]
 *   conns close ID|--all                (also /conns/close ID|--all)
 *
 * `conns` replies with an array of connections (ringboxctl prints it as a
 * table); `conns close` asks the owning worker to abort the connection and
 * waits until it has.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "rb_conns.h"
#include "rb_ctl.h"

#define CLOSE_WAIT_MS 1000

static const char *const state_names[] = {
	[RB_CONN_FREE] = "free",       [RB_CONN_HANDSHAKE] = "handshake",
	[RB_CONN_DIALING] = "dialing", [RB_CONN_RELAY] = "relay",
	[RB_CONN_UDP] = "udp",
};

static void err_reply(struct rb_json *j, const char *cmd, const char *msg)
{
	rb_ctl_error_reply(j, cmd, msg);
}

static void str_or_null(struct rb_json *j, const char *key, const char *v)
{
	if (v && v[0])
		rb_json_str(j, key, v);
	else
		rb_json_null(j, key);
}

/* One side's TCP connection, or null when there is none (yet). */
static void tcp_json(struct rb_json *j, const char *key, const struct rb_conn_tcp *t)
{
	char b[sizeof(t->state) + 1];

	if (t->cc[0] == '\0') {
		rb_json_null(j, key);
		return;
	}
	rb_json_obj(j, key);
	snprintf(b, sizeof(b), "%.*s", (int)sizeof(t->cc), t->cc);
	rb_json_str(j, "cc", b);
	snprintf(b, sizeof(b), "%.*s", (int)sizeof(t->state), t->state);
	rb_json_str(j, "state", b);
	rb_json_u64(j, "srtt_us", t->srtt_us);
	rb_json_u64(j, "rto_us", t->rto_us);
	rb_json_u64(j, "cwnd", t->cwnd);
	rb_json_u64(j, "mss", t->mss);
	rb_json_u64(j, "retransmits", t->retransmits);
	rb_json_obj_end(j);
}

static void row_json(struct rb_json *j, const struct rb_conn_row *r, uint64_t now_ns)
{
	const struct rb_conn_info *i = &r->info;
	char b[RB_DOMAIN_MAX + 16];
	time_t t = (time_t)(i->start_ns / 1000000000ull);
	struct tm tm;

	rb_json_obj(j, NULL);
	rb_json_u64(j, "id", i->id);
	rb_json_str(j, "state", i->state <= RB_CONN_UDP ? state_names[i->state] : "?");
	rb_json_str(j, "network",
		    i->network == RB_NET_UDP ? "udp" : i->network == RB_NET_ICMP ? "icmp" : "tcp");
	rb_json_str(j, "inbound", i->in_tag);
	str_or_null(j, "user", i->user);
	rb_conns_fmt_src(i, b, sizeof(b));
	rb_json_str(j, "src", b);
	rb_conns_fmt_dst(i, 0, b, sizeof(b));
	rb_json_str(j, "dst", b);
	rb_conns_fmt_dst(i, 1, b, sizeof(b));
	str_or_null(j, "dst_ip", b);
	if (i->rule == RB_RULE_FINAL)
		rb_json_str(j, "rule", "final");
	else if (i->rule == 0xfffe)
		rb_json_null(j, "rule");
	else
		rb_json_u64(j, "rule", i->rule);
	str_or_null(j, "outbound", i->out_tag);
	rb_json_u64(j, "up", i->bytes_up);
	rb_json_u64(j, "down", i->bytes_down);
	gmtime_r(&t, &tm);
	strftime(b, sizeof(b), "%Y-%m-%dT%H:%M:%SZ", &tm);
	rb_json_str(j, "start", b);
	rb_json_dbl(j, "age_s", now_ns > i->start_ns ? (double)(now_ns - i->start_ns) / 1e9 : 0);
	tcp_json(j, "tcp", &i->cli_tcp);
	tcp_json(j, "up_tcp", &i->up_tcp);
	rb_json_obj_end(j);
}

static uint64_t real_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int parse_filter(const struct rb_ctl_req *req, struct rb_conns_filter *f, char *msg,
			size_t len)
{
	memset(f, 0, sizeof(*f));
	for (int a = 0; a < req->argc; a += 2) {
		const char *k = req->argv[a], *v = a + 1 < req->argc ? req->argv[a + 1] : NULL;

		if (v == NULL) {
			snprintf(msg, len, "%.32s: missing value", k);
			return -1;
		}
		if (!strcmp(k, "--inbound"))
			f->inbound = v;
		else if (!strcmp(k, "--outbound"))
			f->outbound = v;
		else if (!strcmp(k, "--user"))
			f->user = v;
		else if (!strcmp(k, "--dst"))
			f->dst = v;
		else if (!strcmp(k, "--network") && !strcmp(v, "tcp"))
			f->network = RB_NET_TCP;
		else if (!strcmp(k, "--network") && !strcmp(v, "udp"))
			f->network = RB_NET_UDP;
		else if (!strcmp(k, "--network") && !strcmp(v, "icmp"))
			f->network = RB_NET_ICMP;
		else {
			snprintf(msg, len, "unknown filter '%.32s %.32s' (usage: %s)", k, v,
				 rb_ctl_cmds[RB_CTL_CONNS].usage);
			return -1;
		}
	}
	return 0;
}

int rb_conns_cmd(struct rb_ctl *c, const struct rb_ctl_req *req, struct rb_json *j)
{
	struct rb_conns_filter f;
	struct rb_conn_shm s;
	struct rb_conn_row *rows;
	char msg[256];
	uint64_t now;
	int n;

	if (req->argc >= 1 && !strcmp(req->argv[0], "close"))
		return rb_conns_cmd_close(c, req, 1, j);
	if (parse_filter(req, &f, msg, sizeof(msg)) < 0) {
		err_reply(j, "/conns", msg);
		return -1;
	}
	if (rb_conns_attach(&s, c->shm_name, msg, sizeof(msg)) < 0) {
		err_reply(j, "/conns", msg);
		return -1;
	}
	n = rb_conns_snapshot(&s, &f, &rows);
	rb_conn_shm_close(&s);
	if (n < 0) {
		err_reply(j, "/conns", "out of memory");
		return -1;
	}
	now = real_ns();
	rb_json_obj(j, NULL);
	rb_json_str(j, "command", "/conns");
	rb_json_bool(j, "ok", 1);
	rb_json_arr(j, "data");
	for (int i = 0; i < n; i++)
		row_json(j, &rows[i], now);
	rb_json_arr_end(j);
	rb_json_obj_end(j);
	free(rows);
	return 0;
}

int rb_conns_cmd_close(struct rb_ctl *c, const struct rb_ctl_req *req, int first,
		       struct rb_json *j)
{
	struct rb_conn_shm s;
	char msg[256], *end;
	const char *arg;
	uint64_t id = 0;
	int rc, all;

	if (req->argc != first + 1) {
		snprintf(msg, sizeof(msg), "usage: %s", rb_ctl_cmds[RB_CTL_CONNS_CLOSE].usage);
		err_reply(j, "/conns/close", msg);
		return -1;
	}
	arg = req->argv[first];
	all = !strcmp(arg, "--all") || !strcmp(arg, "all");
	if (!all) {
		errno = 0;
		id = strtoull(arg, &end, 0);
		if (errno || *end || arg[0] == '-' || id == 0) {
			snprintf(msg, sizeof(msg), "'%.40s' is not a connection id", arg);
			err_reply(j, "/conns/close", msg);
			return -1;
		}
	}
	if (rb_conns_attach(&s, c->shm_name, msg, sizeof(msg)) < 0) {
		err_reply(j, "/conns/close", msg);
		return -1;
	}
	rc = all ? rb_conns_close_all(&s, CLOSE_WAIT_MS) : rb_conns_close(&s, id, CLOSE_WAIT_MS);
	rb_conn_shm_close(&s);
	if (rc < 0) {
		if (rc == -ENOENT)
			snprintf(msg, sizeof(msg), "no connection %llu", (unsigned long long)id);
		else if (rc == -EBUSY)
			snprintf(msg, sizeof(msg), "the worker's close mailbox is full; retry");
		else
			snprintf(msg, sizeof(msg), "the dataplane did not act within %d ms",
				 CLOSE_WAIT_MS);
		err_reply(j, "/conns/close", msg);
		return -1;
	}
	rb_json_obj(j, NULL);
	rb_json_str(j, "command", "/conns/close");
	rb_json_bool(j, "ok", 1);
	rb_json_obj(j, "data");
	if (all)
		rb_json_u64(j, "closed", (uint64_t)rc);
	else
		rb_json_u64(j, "closed", id);
	rb_json_obj_end(j);
	rb_json_obj_end(j);
	return 0;
}
