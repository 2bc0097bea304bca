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


static void fam(struct rb_json *o, const char *name, const char *help)
{
	rb_metrics_out(o, "# HELP %s %s\n# TYPE %s counter\n", name, help, name);
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
	rb_metrics_out(o, "ringbox_route_lookups_total{result=\"ok\"} %llu\n", (unsigned long long)h->matches);
	rb_metrics_out(o, "ringbox_route_lookups_total{result=\"error\"} %llu\n",
	   (unsigned long long)h->match_errors);
	fam(o, "ringbox_sniff_results_total", "Sniffed protocols seen by the matcher");
	rb_metrics_out(o, "ringbox_sniff_results_total{protocol=\"tls\"} %llu\n",
	   (unsigned long long)h->sniff_tls);
	rb_metrics_out(o, "ringbox_sniff_results_total{protocol=\"http\"} %llu\n",
	   (unsigned long long)h->sniff_http);
	rb_metrics_out(o, "ringbox_sniff_results_total{protocol=\"none\"} %llu\n",
	   (unsigned long long)h->sniff_none);
	fam(o, "ringbox_resolver_lookups_total",
	    "Domain lookups by the dataplane's workers, by resolver cache result");
	rb_metrics_out(o, "ringbox_resolver_lookups_total{cache=\"hit\"} %llu\n",
	   (unsigned long long)h->dns_hits);
	rb_metrics_out(o, "ringbox_resolver_lookups_total{cache=\"miss\"} %llu\n",
	   (unsigned long long)h->dns_misses);
	fam(o, "ringbox_resolver_queries_total", "Names the resolver was asked to resolve");
	rb_metrics_out(o, "ringbox_resolver_queries_total %llu\n", (unsigned long long)st.queries);
	fam(o, "ringbox_resolver_failures_total",
	    "Names that got no address (NXDOMAIN, server failure or timeout)");
	rb_metrics_out(o, "ringbox_resolver_failures_total %llu\n", (unsigned long long)st.failures);
	fam(o, "ringbox_resolver_timeouts_total", "Names with no answer after every attempt");
	rb_metrics_out(o, "ringbox_resolver_timeouts_total %llu\n", (unsigned long long)st.timeouts);
	fam(o, "ringbox_resolver_datagrams_total",
	    "Resolver datagrams through the dataplane's UDP, by direction");
	rb_metrics_out(o, "ringbox_resolver_datagrams_total{direction=\"queued\"} %llu\n",
	   (unsigned long long)st.sent);
	rb_metrics_out(o, "ringbox_resolver_datagrams_total{direction=\"sent\"} %llu\n",
	   (unsigned long long)h->udp_sent);
	rb_metrics_out(o, "ringbox_resolver_datagrams_total{direction=\"received\"} %llu\n",
	   (unsigned long long)h->udp_recv);
	fam(o, "ringbox_resolver_datagram_drops_total", "Resolver datagrams dropped, by reason");
	rb_metrics_out(o, "ringbox_resolver_datagram_drops_total{reason=\"ring_full\"} %llu\n",
	   (unsigned long long)(st.ring_full + h->dns_ring_full));
	rb_metrics_out(o, "ringbox_resolver_datagram_drops_total{reason=\"queue_full\"} %llu\n",
	   (unsigned long long)h->udp_queue_full);
	rb_metrics_out(o, "ringbox_resolver_datagram_drops_total{reason=\"send_error\"} %llu\n",
	   (unsigned long long)h->udp_send_errors);
	rb_metrics_out(o, "ringbox_resolver_datagram_drops_total{reason=\"reply_dropped\"} %llu\n",
	   (unsigned long long)h->udp_recv_dropped);
}
