/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The router's Prometheus families (text exposition format 0.0.4), added
 * to control's /metrics by rb_ctl_metrics_render(): rule lookups, sniff
 * results seen by the matcher, and the resolver (queries, cache hits and
 * misses, failures, timeouts, datagrams through the dataplane).  Read from
 * the route segment's header (written by the dataplane) and control's own
 * resolver counters.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rb_ctl.h"
#include "rb_route_ctl.h"
#include "../dataplane/route/rt_shm.h"

static void mo(struct rb_json *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void mo(struct rb_json *o, const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n < 0 || o->err)
		return;
	if ((size_t)n >= sizeof(buf))
		n = sizeof(buf) - 1;
	if (o->len + (size_t)n + 1 > o->cap) {
		size_t cap = o->cap ? o->cap : 4096;
		char *b;

		while (cap < o->len + (size_t)n + 1)
			cap *= 2;
		b = realloc(o->buf, cap);
		if (!b) {
			o->err = 1;
			return;
		}
		o->buf = b;
		o->cap = cap;
	}
	memcpy(o->buf + o->len, buf, (size_t)n);
	o->len += (size_t)n;
	o->buf[o->len] = 0;
}

static void fam(struct rb_json *o, const char *name, const char *help)
{
	mo(o, "# HELP %s %s\n# TYPE %s counter\n", name, help, name);
}

void rb_route_metrics_render(struct rb_ctl *c, struct rb_json *o)
{
	struct rb_rts *s = rb_route_ctl_rts();
	const struct rb_rts_hdr *h;
	struct rb_resolver_stats st;

	if (!c->dp_up || !s)
		return;
	h = s->hdr;
	rb_resolver_stats(&st);
	fam(o, "ringbox_route_lookups_total", "Rule table lookups by the dataplane, by result");
	mo(o, "ringbox_route_lookups_total{result=\"ok\"} %llu\n", (unsigned long long)h->matches);
	mo(o, "ringbox_route_lookups_total{result=\"error\"} %llu\n",
	   (unsigned long long)h->match_errors);
	fam(o, "ringbox_sniff_results_total", "Sniffed protocols seen by the matcher");
	mo(o, "ringbox_sniff_results_total{protocol=\"tls\"} %llu\n",
	   (unsigned long long)h->sniff_tls);
	mo(o, "ringbox_sniff_results_total{protocol=\"http\"} %llu\n",
	   (unsigned long long)h->sniff_http);
	mo(o, "ringbox_sniff_results_total{protocol=\"none\"} %llu\n",
	   (unsigned long long)h->sniff_none);
	fam(o, "ringbox_resolver_lookups_total",
	    "Domain lookups by the dataplane's workers, by resolver cache result");
	mo(o, "ringbox_resolver_lookups_total{cache=\"hit\"} %llu\n",
	   (unsigned long long)h->dns_hits);
	mo(o, "ringbox_resolver_lookups_total{cache=\"miss\"} %llu\n",
	   (unsigned long long)h->dns_misses);
	fam(o, "ringbox_resolver_queries_total", "Names the resolver was asked to resolve");
	mo(o, "ringbox_resolver_queries_total %llu\n", (unsigned long long)st.queries);
	fam(o, "ringbox_resolver_failures_total",
	    "Names that got no address (NXDOMAIN, server failure or timeout)");
	mo(o, "ringbox_resolver_failures_total %llu\n", (unsigned long long)st.failures);
	fam(o, "ringbox_resolver_timeouts_total", "Names with no answer after every attempt");
	mo(o, "ringbox_resolver_timeouts_total %llu\n", (unsigned long long)st.timeouts);
	fam(o, "ringbox_resolver_datagrams_total",
	    "Resolver datagrams through the dataplane's UDP, by direction");
	mo(o, "ringbox_resolver_datagrams_total{direction=\"queued\"} %llu\n",
	   (unsigned long long)st.sent);
	mo(o, "ringbox_resolver_datagrams_total{direction=\"sent\"} %llu\n",
	   (unsigned long long)h->udp_sent);
	mo(o, "ringbox_resolver_datagrams_total{direction=\"received\"} %llu\n",
	   (unsigned long long)h->udp_recv);
	fam(o, "ringbox_resolver_datagram_drops_total", "Resolver datagrams dropped, by reason");
	mo(o, "ringbox_resolver_datagram_drops_total{reason=\"ring_full\"} %llu\n",
	   (unsigned long long)(st.ring_full + h->dns_ring_full));
	mo(o, "ringbox_resolver_datagram_drops_total{reason=\"queue_full\"} %llu\n",
	   (unsigned long long)h->udp_queue_full);
	mo(o, "ringbox_resolver_datagram_drops_total{reason=\"send_error\"} %llu\n",
	   (unsigned long long)h->udp_send_errors);
	mo(o, "ringbox_resolver_datagram_drops_total{reason=\"reply_dropped\"} %llu\n",
	   (unsigned long long)h->udp_recv_dropped);
}
