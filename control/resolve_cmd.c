/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * `ringboxctl route resolve NAME`: the resolver's answer for NAME as the
 * dataplane's workers see it (the route segment's cache), or, when NAME is
 * not cached, a query started through the dataplane's UDP exactly as a
 * worker's request would (answer "pending": ask again).  With the
 * resolver's counters, control's and the dataplane's, so that a test or an
 * operator sees where a failing lookup stops.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <sys/socket.h>

#include "rb_ctl.h"
#include "rb_route_ctl.h"
#include "../dataplane/route/rt_shm.h"

static void reply_err(struct rb_json *j, const char *msg)
{
	rb_json_obj(j, NULL);
	rb_json_str(j, "command", "/route/resolve");
	rb_json_bool(j, "ok", 0);
	rb_json_str(j, "error", msg);
	rb_json_obj_end(j);
}

static void counters(struct rb_json *j, const struct rb_rts *s)
{
	struct rb_resolver_stats st;

	rb_resolver_stats(&st);
	rb_json_obj(j, "counters");
	rb_json_u64(j, "queries", st.queries);
	rb_json_u64(j, "failures", st.failures);
	rb_json_u64(j, "timeouts", st.timeouts);
	rb_json_u64(j, "sent", st.sent);
	rb_json_u64(j, "ring_full", st.ring_full);
	rb_json_u64(j, "dp_cache_hits", s->hdr->dns_hits);
	rb_json_u64(j, "dp_cache_misses", s->hdr->dns_misses);
	rb_json_u64(j, "dp_udp_sent", s->hdr->udp_sent);
	rb_json_u64(j, "dp_udp_recv", s->hdr->udp_recv);
	rb_json_u64(j, "dp_udp_send_errors", s->hdr->udp_send_errors);
	rb_json_u64(j, "dp_udp_queue_full", s->hdr->udp_queue_full);
	rb_json_u64(j, "dp_udp_recv_dropped", s->hdr->udp_recv_dropped);
	rb_json_obj_end(j);
}

int rb_route_cmd_resolve(struct rb_ctl *c, const struct rb_ctl_req *req, struct rb_json *j)
{
	struct rb_rts *s = rb_route_ctl_rts();
	struct rb_rts_dns e;
	struct timespec ts;
	char name[256], a[INET6_ADDRSTRLEN];
	size_t n = 0;
	uint64_t now;
	int cached;

	(void)c;
	if (!s) {
		reply_err(j, "the dataplane's route segment is not attached (dataplane down?)");
		return -1;
	}
	if (req->argc != 1 || !req->argv[0][0] || strlen(req->argv[0]) > 253) {
		reply_err(j, "usage: route resolve NAME (at most 253 characters)");
		return -1;
	}
	for (const char *p = req->argv[0]; *p; p++)
		name[n++] = *p >= 'A' && *p <= 'Z' ? (char)(*p + 32) : *p;
	if (n && name[n - 1] == '.')
		n--;
	name[n] = 0;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	now = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
	cached = rb_rts_dns_get(s, name, now, &e);
	if (!cached && rb_resolver_request(s, name) < 0) {
		reply_err(j, "not a valid name, or no resolver slot free");
		return -1;
	}
	rb_json_obj(j, NULL);
	rb_json_str(j, "command", "/route/resolve");
	rb_json_bool(j, "ok", 1);
	rb_json_obj(j, "data");
	rb_json_str(j, "name", name);
	if (!cached) {
		rb_json_str(j, "state", "pending");
	} else {
		rb_json_str(j, "state", e.rcode == 0 ? "answer" : e.rcode == 3 ? "nxdomain"
							   : "failed");
		rb_json_u64(j, "rcode", e.rcode);
		rb_json_u64(j, "ttl_ms", e.expires_ns > now ? (e.expires_ns - now) / 1000000 : 0);
		rb_json_arr(j, "addresses");
		for (int i = 0; i < e.n4 && i < RB_RTS_MAX_ADDRS; i++)
			rb_json_str(j, NULL, inet_ntop(AF_INET, e.a4[i], a, sizeof(a)));
		for (int i = 0; i < e.n6 && i < RB_RTS_MAX_ADDRS; i++)
			rb_json_str(j, NULL, inet_ntop(AF_INET6, e.a6[i], a, sizeof(a)));
		rb_json_arr_end(j);
	}
	counters(j, s);
	rb_json_obj_end(j);
	rb_json_obj_end(j);
	return 0;
}
