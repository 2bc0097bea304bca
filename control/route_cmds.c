/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * `ringboxctl route test --inbound TAG --dst HOST:PORT [--src IP:PORT]
 * [--network tcp|udp|icmp] [--user NAME] [--protocol tls|http]`: runs the
 * dataplane's matcher (rt_match.c) on the table compiled from the running
 * config and prints the rule that decides, its action and outbound, and
 * why (each item group of that rule, and of the rules before it when
 * there are few).  Sniff and resolve steps are reported as the dataplane
 * would take them: with --protocol the sniffed protocol (and the --dst
 * domain as the sniffed name) is assumed, otherwise the test stops at a
 * `sniff` rule; a `resolve` rule is reported with its strategy.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "rb_ctl.h"
#include "rb_route_ctl.h"

#define TRACE_MAX 16

static const char *const action_names[] = {
	"route", "reject", "sniff", "resolve", "route-options", "none",
};

static void err_reply(struct rb_json *j, const char *msg)
{
	rb_json_obj(j, NULL);
	rb_json_str(j, "command", "/route/test");
	rb_json_bool(j, "ok", 0);
	rb_json_str(j, "error", msg);
	rb_json_obj_end(j);
}

/* "1.2.3.4:80", "[2001:db8::1]:443", "example.com:443" */
static int parse_hostport(const char *s, struct rb_dest *d, char *msg, size_t len)
{
	const char *colon;
	char host[RB_DOMAIN_MAX + 1];
	char *end;
	long port;
	size_t hl;

	memset(d, 0, sizeof(*d));
	if (s[0] == '[') {
		const char *rb = strchr(s, ']');

		if (!rb || rb[1] != ':') {
			snprintf(msg, len, "'%.64s': expected [IPv6]:PORT", s);
			return -1;
		}
		hl = (size_t)(rb - s - 1);
		colon = rb + 1;
		if (hl >= sizeof(host))
			hl = sizeof(host) - 1;
		memcpy(host, s + 1, hl);
	} else {
		colon = strrchr(s, ':');
		if (!colon) {
			snprintf(msg, len, "'%.64s': expected HOST:PORT", s);
			return -1;
		}
		hl = (size_t)(colon - s);
		if (hl >= sizeof(host))
			hl = sizeof(host) - 1;
		memcpy(host, s, hl);
	}
	host[hl] = 0;
	port = strtol(colon + 1, &end, 10);
	if (*end || port < 0 || port > 65535 || !colon[1] || !hl) {
		snprintf(msg, len, "'%.64s': bad port or empty host", s);
		return -1;
	}
	d->port = (uint16_t)port;
	if (inet_pton(AF_INET, host, d->addr) == 1)
		d->family = AF_INET;
	else if (inet_pton(AF_INET6, host, d->addr) == 1)
		d->family = AF_INET6;
	else
		snprintf(d->domain, sizeof(d->domain), "%s", host);
	return 0;
}

static void rule_obj(struct rb_json *j, struct rb_rt_view *v, const struct rb_route_req *q,
		     uint32_t i)
{
	const struct rb_rt_node *n = (const struct rb_rt_node *)(v->base + v->h->nodes_off) + i;
	char why[2048];
	int m = rb_rt_explain(v, q, i, why, sizeof(why));

	rb_json_obj(j, NULL);
	rb_json_u64(j, "rule", i);
	rb_json_u64(j, "line", n->line);
	rb_json_str(j, "action", action_names[n->action <= RB_RA_NONE ? n->action : RB_RA_NONE]);
	if (n->action == RB_RA_ROUTE)
		rb_json_str(j, "outbound", rb_rt_outbound_tag(v, n->outbound));
	rb_json_bool(j, "matches", m);
	rb_json_str(j, "why", why);
	rb_json_obj_end(j);
}

int rb_route_cmd_test(struct rb_ctl *c, const struct rb_ctl_req *req, struct rb_json *j)
{
	struct rb_rt_view *v = rb_route_ctl_view();
	const struct rb_route_state *st = rb_route_ctl_state();
	struct rb_route_req q;
	struct rb_route_result res;
	char msg[300];
	const char *inb = NULL;
	int have_dst = 0, i;

	(void)c;
	if (!v) {
		snprintf(msg, sizeof(msg), "no compiled rule table: %.200s",
			 st->compile_err[0] ? st->compile_err : "no config loaded");
		err_reply(j, msg);
		return -1;
	}
	memset(&q, 0, sizeof(q));
	memset(&res, 0, sizeof(res));
	q.network = RB_NET_TCP;
	for (i = 0; i < req->argc; i++) {
		const char *k = req->argv[i], *val = i + 1 < req->argc ? req->argv[i + 1] : NULL;

		if (!val) {
			snprintf(msg, sizeof(msg), "%.40s needs a value", k);
			err_reply(j, msg);
			return -1;
		}
		i++;
		if (!strcmp(k, "--inbound")) {
			inb = val;
		} else if (!strcmp(k, "--dst")) {
			if (parse_hostport(val, &q.dst, msg, sizeof(msg))) {
				err_reply(j, msg);
				return -1;
			}
			have_dst = 1;
		} else if (!strcmp(k, "--src")) {
			struct rb_dest s;

			if (parse_hostport(val, &s, msg, sizeof(msg)) || !s.family) {
				err_reply(j, "--src: expected IP:PORT");
				return -1;
			}
			q.src_family = s.family;
			memcpy(q.src_addr, s.addr, 16);
			q.src_port = s.port;
		} else if (!strcmp(k, "--network")) {
			if (!strcmp(val, "tcp")) {
				q.network = RB_NET_TCP;
			} else if (!strcmp(val, "udp")) {
				q.network = RB_NET_UDP;
			} else if (!strcmp(val, "icmp")) {
				q.network = RB_NET_ICMP;
			} else {
				err_reply(j, "--network: tcp, udp or icmp");
				return -1;
			}
		} else if (!strcmp(k, "--user")) {
			snprintf(q.user, sizeof(q.user), "%s", val);
		} else if (!strcmp(k, "--protocol")) {
			int p = -1;

			for (int x = 1; x <= RB_SNIFF_DNS; x++)
				if (!strcmp(rb_rule_protocol_names[x], val))
					p = x;
			if (p < 0) {
				err_reply(j, "--protocol: tls, http, quic or dns");
				return -1;
			}
			q.sniff.proto = (uint8_t)p;
		} else {
			snprintf(msg, sizeof(msg),
				 "unknown option '%.40s' (--inbound --dst --src --network --user "
				 "--protocol)", k);
			err_reply(j, msg);
			return -1;
		}
	}
	if (!inb || !have_dst) {
		err_reply(j, "usage: route test --inbound TAG --dst HOST:PORT [--src IP:PORT] "
			     "[--network tcp|udp|icmp] [--user NAME] [--protocol tls|http]");
		return -1;
	}
	i = rb_rt_find_inbound(v, inb);
	if (i < 0) {
		snprintf(msg, sizeof(msg), "no inbound with tag '%.40s'", inb);
		err_reply(j, msg);
		return -1;
	}
	q.inbound = (uint16_t)i;
	if (q.sniff.proto && q.dst.domain[0])
		snprintf(q.sniff.domain, sizeof(q.sniff.domain), "%s", q.dst.domain);
	if (rb_rt_match(v, &q, &res)) {
		err_reply(j, "matcher failed");
		return -1;
	}
	rb_json_obj(j, NULL);
	rb_json_str(j, "command", "/route/test");
	rb_json_bool(j, "ok", 1);
	rb_json_obj(j, "data");
	rb_json_u64(j, "generation", v->generation);
	if (res.rule == RB_RULE_FINAL)
		rb_json_str(j, "rule", "final");
	else
		rb_json_u64(j, "rule", res.rule);
	if (res.need_sniff) {
		rb_json_str(j, "result", "sniff");
		rb_json_str(j, "note", "the dataplane sniffs here; repeat with --protocol to "
				       "see the decision after sniffing");
	} else if (res.need_resolve) {
		rb_json_str(j, "result", "resolve");
		rb_json_str(j, "strategy", rb_resolve_strategy_names[res.resolve_strategy < 5
								     ? res.resolve_strategy : 0]);
	} else if (res.action == RB_ACT_REJECT) {
		rb_json_str(j, "result", res.reject ? "reject (drop)" : "reject");
	} else {
		rb_json_str(j, "result", "route");
		rb_json_str(j, "outbound", rb_rt_outbound_tag(v, res.outbound));
	}
	if (res.override_port)
		rb_json_u64(j, "override_port", res.override_port);
	if (res.override_family) {
		char a[64];

		inet_ntop(res.override_family, res.override_addr, a, sizeof(a));
		rb_json_str(j, "override_address", a);
	}
	if (res.rule == RB_RULE_FINAL)
		rb_json_strf(j, "why", "no rule matched: route.final (%s)",
			     rb_rt_outbound_tag(v, v->h->final_outbound));
	/* the deciding rule and, when few, every rule before it */
	rb_json_arr(j, "rules");
	{
		uint32_t upto = res.rule == RB_RULE_FINAL ? v->h->n_rules : (uint32_t)res.rule + 1;
		uint32_t from = upto > TRACE_MAX ? upto - 1 : 0;

		if (res.rule == RB_RULE_FINAL && upto > TRACE_MAX)
			from = upto; /* too many to list */
		for (uint32_t r = from; r < upto; r++)
			rule_obj(j, v, &q, r);
	}
	rb_json_arr_end(j);
	rb_json_obj_end(j);
	rb_json_obj_end(j);
	return 0;
}
