/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Prometheus text exposition (format 0.0.4) of the dataplane's counters and
 * control's own state on GET /metrics (control/README.md, "Metrics").  The
 * drop-reason and event label values come from the X-macro tables
 * (rb_drop_names / rb_event_names).  libmicrohttpd runs in ringbox-control's
 * own epoll loop (MHD_USE_EPOLL without an internal thread): its epoll fd is
 * one of ours and MHD_run() is called when it is readable.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <microhttpd.h>

#include "rb_conns.h"
#include "rb_ctl.h"
#include "rb_route_ctl.h"
#include "rb_wg_ctl.h"
#include "metrics_mono.h"

struct rb_metrics {
	struct rb_ctl *c;
	struct MHD_Daemon *d;
	int epfd;
	uint64_t scrapes;
	struct rb_mono *mono;  /* "_total" series never go back (metrics_mono.h) */
};

static uint64_t scrapes_total;


/* Append printf output to the exposition buffer (rb_json used as a plain
 * growing buffer: a string member would quote it).  Lines are at most 511
 * bytes; allocation failure sets o->err.  Shared by every metrics module. */
void rb_metrics_out(struct rb_json *o, const char *fmt, ...)
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
	rb_json_raw(o, buf, (size_t)n);
}

static void family(struct rb_json *o, const char *name, const char *type, const char *help)
{
	rb_metrics_out(o, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* Label values: escape backslash, quote and newline (exposition format). */
void rb_metrics_esc(char *dst, size_t n, const char *s)
{
	size_t k = 0;

	for (; *s && k + 2 < n; s++) {
		if (*s == '\\' || *s == '"') {
			dst[k++] = '\\';
			dst[k++] = *s;
		} else if (*s == '\n') {
			dst[k++] = '\\';
			dst[k++] = 'n';
		} else {
			dst[k++] = *s;
		}
	}
	dst[k] = 0;
}

void rb_ctl_metrics_render(struct rb_ctl *c, struct rb_json *o)
{
	static struct rb_lcore_stats st[RB_MAX_LCORES];
	struct rb_shm_port ports[RB_MAX_PORTS];
	char pn[RB_MAX_PORTS][2 * RB_NAME_LEN];
	const struct rb_shm_hdr *h = c->shm ? c->shm->hdr : NULL;
	int up = c->dp_up && h, nw = 0, np = 0, w, p, i;
	uint64_t now = rb_shm_real_ns();
	char dpv[64] = "";

	scrapes_total++;
	if (up) {
		nw = (int)h->n_workers;
		for (w = 0; w < nw; w++)
			rb_shm_read_stats(c->shm, (unsigned)w, &st[w]);
		np = rb_shm_read_ports(c->shm, ports, RB_MAX_PORTS);
		if (np < 0)
			np = 0;
		for (p = 0; p < np; p++)
			rb_metrics_esc(pn[p], sizeof(pn[p]), ports[p].name);
		rb_metrics_esc(dpv, sizeof(dpv), h->version);
	}

	family(o, "ringbox_build_info", "gauge", "Build information of ringbox-control and the dataplane");
	rb_metrics_out(o, "ringbox_build_info{version=\"%s\",dataplane_version=\"%s\"} 1\n", RB_VERSION, dpv);
	family(o, "ringbox_dataplane_up", "gauge", "1 when the dataplane is attached and its heartbeat is fresh");
	rb_metrics_out(o, "ringbox_dataplane_up %d\n", up);
	family(o, "ringbox_control_uptime_seconds", "gauge", "Seconds since ringbox-control started");
	rb_metrics_out(o, "ringbox_control_uptime_seconds %.3f\n",
	    (double)(rb_shm_mono_ns() - c->start_mono_ns) / 1e9);
	family(o, "ringbox_config_reloads_total", "counter", "Config reloads attempted (SIGHUP or ctl reload)");
	rb_metrics_out(o, "ringbox_config_reloads_total %llu\n", (unsigned long long)c->reloads);
	family(o, "ringbox_config_reload_failures_total", "counter", "Config reloads rejected as invalid");
	rb_metrics_out(o, "ringbox_config_reload_failures_total %llu\n", (unsigned long long)c->reload_failures);
	family(o, "ringbox_dataplane_attaches_total", "counter", "Times control attached to a dataplane segment");
	rb_metrics_out(o, "ringbox_dataplane_attaches_total %llu\n", (unsigned long long)c->attaches);
	family(o, "ringbox_route_table_generation", "gauge", "Generation of the route table last published by control");
	rb_metrics_out(o, "ringbox_route_table_generation %u\n", c->published_gen);
	family(o, "ringbox_metrics_scrapes_total", "counter", "Scrapes of this endpoint");
	rb_metrics_out(o, "ringbox_metrics_scrapes_total %llu\n", (unsigned long long)scrapes_total);
	family(o, "ringbox_ring_full_total", "counter", "Messages dropped because the shm ring was full, by sending side");
	rb_metrics_out(o, "ringbox_ring_full_total{side=\"control\"} %llu\n",
	    (unsigned long long)(c->shm ? c->shm->local.ring_full : 0));
	if (up)
		rb_metrics_out(o, "ringbox_ring_full_total{side=\"dataplane\"} %llu\n",
		    (unsigned long long)h->dp_msgs.ring_full);
	family(o, "ringbox_messages_invalid_total", "counter", "Received shm messages dropped as invalid, by receiving side and reason");
	if (c->shm) {
		const struct rb_shm_msg_counters *mc = &c->shm->local;

		rb_metrics_out(o, "ringbox_messages_invalid_total{side=\"control\",reason=\"bad_type\"} %llu\n", (unsigned long long)mc->bad_type);
		rb_metrics_out(o, "ringbox_messages_invalid_total{side=\"control\",reason=\"bad_version\"} %llu\n", (unsigned long long)mc->bad_version);
		rb_metrics_out(o, "ringbox_messages_invalid_total{side=\"control\",reason=\"bad_length\"} %llu\n", (unsigned long long)mc->bad_length);
	}
	if (up) {
		const struct rb_shm_msg_counters *mc = &h->dp_msgs;

		rb_metrics_out(o, "ringbox_messages_invalid_total{side=\"dataplane\",reason=\"bad_type\"} %llu\n", (unsigned long long)mc->bad_type);
		rb_metrics_out(o, "ringbox_messages_invalid_total{side=\"dataplane\",reason=\"bad_version\"} %llu\n", (unsigned long long)mc->bad_version);
		rb_metrics_out(o, "ringbox_messages_invalid_total{side=\"dataplane\",reason=\"bad_length\"} %llu\n", (unsigned long long)mc->bad_length);
	}
	if (!up)
		return;

	family(o, "ringbox_dataplane_uptime_seconds", "gauge", "Seconds since the dataplane created its segment");
	rb_metrics_out(o, "ringbox_dataplane_uptime_seconds %.3f\n",
	    now > h->start_ns ? (double)(now - h->start_ns) / 1e9 : 0.0);
	family(o, "ringbox_dataplane_heartbeats_total", "counter", "Dataplane main-lcore service iterations");
	rb_metrics_out(o, "ringbox_dataplane_heartbeats_total %llu\n", (unsigned long long)h->hb_count);
	family(o, "ringbox_fib_generation", "gauge", "Generation of the FIB the dataplane uses");
	rb_metrics_out(o, "ringbox_fib_generation %u\n", h->fib_generation);

	static const struct {
		const char *name, *help;
		size_t off;
	} pc[] = {
		{ "ringbox_port_rx_packets_total", "Packets received, by port and lcore", offsetof(struct rb_port_counters, rx_packets) },
		{ "ringbox_port_rx_bytes_total", "Bytes received, by port and lcore", offsetof(struct rb_port_counters, rx_bytes) },
		{ "ringbox_port_tx_packets_total", "Packets transmitted, by port and lcore", offsetof(struct rb_port_counters, tx_packets) },
		{ "ringbox_port_tx_bytes_total", "Bytes transmitted, by port and lcore", offsetof(struct rb_port_counters, tx_bytes) },
	};
	for (i = 0; i < (int)(sizeof(pc) / sizeof(pc[0])); i++) {
		family(o, pc[i].name, "counter", pc[i].help);
		for (p = 0; p < np; p++)
			for (w = 0; w < nw; w++)
				rb_metrics_out(o, "%s{port=\"%s\",lcore=\"%u\"} %llu\n", pc[i].name, pn[p],
				    h->worker_lcore[w],
				    (unsigned long long)*(const uint64_t *)((const char *)&st[w].port[p] + pc[i].off));
	}
	family(o, "ringbox_lcore_loops_total", "counter", "Worker loop iterations, by lcore");
	for (w = 0; w < nw; w++)
		rb_metrics_out(o, "ringbox_lcore_loops_total{lcore=\"%u\"} %llu\n", h->worker_lcore[w],
		    (unsigned long long)st[w].loops);
	family(o, "ringbox_lcore_busy_loops_total", "counter", "Worker loop iterations that moved packets, by lcore");
	for (w = 0; w < nw; w++)
		rb_metrics_out(o, "ringbox_lcore_busy_loops_total{lcore=\"%u\"} %llu\n", h->worker_lcore[w],
		    (unsigned long long)st[w].busy_loops);
	family(o, "ringbox_lcore_busy_seconds_total", "counter",
	    "Time spent in worker loop iterations that moved packets, by lcore (CPU cost of the work done)");
	for (w = 0; w < nw; w++)
		rb_metrics_out(o, "ringbox_lcore_busy_seconds_total{lcore=\"%u\"} %.6f\n", h->worker_lcore[w],
		    rb_stats_tsc_seconds(st[w].busy_cycles, h->tsc_hz));
	family(o, "ringbox_drops_total", "counter", "Packets dropped, by reason (ringboxctl help stats) and lcore");
	for (i = 0; i < RB_DROP_MAX; i++)
		for (w = 0; w < nw; w++)
			rb_metrics_out(o, "ringbox_drops_total{reason=\"%s\",lcore=\"%u\"} %llu\n", rb_drop_names[i],
			    h->worker_lcore[w], (unsigned long long)st[w].drops[i]);
	family(o, "ringbox_events_total", "counter", "Dataplane events, by event and lcore");
	for (i = 0; i < RB_EV_MAX; i++)
		for (w = 0; w < nw; w++)
			rb_metrics_out(o, "ringbox_events_total{event=\"%s\",lcore=\"%u\"} %llu\n", rb_event_names[i],
			    h->worker_lcore[w], (unsigned long long)st[w].events[i]);
	family(o, "ringbox_neighbors", "gauge", "Neighbor (ARP/ND) entries in use, by lcore");
	for (w = 0; w < nw; w++) {
		struct rb_neigh_entry e;
		unsigned n = 0, k;

		for (k = 0; k < RB_NEIGH_SLOTS; k++)
			if (rb_shm_read_neigh(c->shm, (unsigned)w, k, &e) == 0 &&
			    e.state != RB_NEIGH_FREE)
				n++;
		rb_metrics_out(o, "ringbox_neighbors{lcore=\"%u\"} %u\n", h->worker_lcore[w], n);
	}
	rb_wg_metrics_render(c, o);
	rb_route_metrics_render(c, o);
	rb_proxy_metrics_render(c, o);
}

/* The generation of the counters' sources: a new one whenever a counter
 * may have been reset (this control process, each attach, each dataplane
 * boot); a decrease within one generation is held, not taken as a reset. */
static uint64_t mono_gen(const struct rb_ctl *c)
{
	uint64_t v[4] = { c->start_real_ns, (uint64_t)getpid(), c->boot_id, c->attaches };

	return rb_mono_key((const char *)v, sizeof(v));
}

static void mono_render(const struct rb_metrics *m, struct rb_json *o)
{
	struct rb_mono_stats st;

	if (!m->mono)
		return;
	st = rb_mono_get_stats(m->mono);
	family(o, "ringbox_metrics_decreases_total", "counter",
	    "Decreases of _total series before they are served, by action: continued (taken as a reset of the source: control or dataplane restart, re-attach) or held (the last value served again)");
	rb_metrics_out(o, "ringbox_metrics_decreases_total{action=\"continued\"} %llu\n", (unsigned long long)st.resets);
	rb_metrics_out(o, "ringbox_metrics_decreases_total{action=\"held\"} %llu\n", (unsigned long long)st.held);
	family(o, "ringbox_metrics_unguarded_samples_total", "counter",
	    "_total samples served unguarded: series table full or value not a number");
	rb_metrics_out(o, "ringbox_metrics_unguarded_samples_total %llu\n", (unsigned long long)(st.full + st.bad));
}

static enum MHD_Result handler(void *cls, struct MHD_Connection *conn, const char *url,
			       const char *method, const char *version, const char *upload,
			       size_t *upload_size, void **con_cls)
{
	struct rb_metrics *m = cls;
	struct MHD_Response *r;
	struct rb_json o;
	enum MHD_Result ret;
	unsigned code = MHD_HTTP_OK;

	(void)version;
	(void)upload;
	(void)con_cls;
	if (*upload_size) {
		*upload_size = 0;
		return MHD_YES;
	}
	rb_json_init(&o);
	if (strcmp(method, "GET") && strcmp(method, "HEAD")) {
		code = MHD_HTTP_METHOD_NOT_ALLOWED;
		rb_metrics_out(&o, "method not allowed\n");
	} else if (strcmp(url, "/metrics")) {
		code = MHD_HTTP_NOT_FOUND;
		rb_metrics_out(&o, "not found: try /metrics\n");
	} else {
		struct rb_json raw;

		m->scrapes++;
		rb_json_init(&raw);
		rb_ctl_metrics_render(m->c, &raw);
		mono_render(m, &raw);
		if (raw.err)
			o.err = 1;
		else
			rb_mono_filter(m->mono, mono_gen(m->c), raw.buf ? raw.buf : "", raw.len, &o);
		rb_json_free(&raw);
	}
	if (o.err || !o.buf) {
		rb_json_free(&o);
		return MHD_NO;
	}
	r = MHD_create_response_from_buffer(o.len, o.buf, MHD_RESPMEM_MUST_FREE);
	if (!r) {
		rb_json_free(&o);
		return MHD_NO;
	}
	MHD_add_response_header(r, "Content-Type", "text/plain; version=0.0.4; charset=utf-8");
	ret = MHD_queue_response(conn, code, r);
	MHD_destroy_response(r);
	return ret;
}

static int parse_listen(const char *s, struct sockaddr_storage *ss, socklen_t *len)
{
	char host[64];
	const char *colon = strrchr(s, ':');
	unsigned long port;
	char *end;

	if (!colon || (size_t)(colon - s) >= sizeof(host))
		return -1;
	port = strtoul(colon + 1, &end, 10);
	if (*end || port == 0 || port > 65535)
		return -1;
	if (s[0] == '[') {
		struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)ss;

		if (colon - s < 2 || colon[-1] != ']')
			return -1;
		snprintf(host, sizeof(host), "%.*s", (int)(colon - s - 2), s + 1);
		memset(a6, 0, sizeof(*a6));
		a6->sin6_family = AF_INET6;
		a6->sin6_port = htons((uint16_t)port);
		if (inet_pton(AF_INET6, host, &a6->sin6_addr) != 1)
			return -1;
		*len = sizeof(*a6);
	} else {
		struct sockaddr_in *a4 = (struct sockaddr_in *)ss;

		snprintf(host, sizeof(host), "%.*s", (int)(colon - s), s);
		memset(a4, 0, sizeof(*a4));
		a4->sin_family = AF_INET;
		a4->sin_port = htons((uint16_t)port);
		if (inet_pton(AF_INET, host, &a4->sin_addr) != 1)
			return -1;
		*len = sizeof(*a4);
	}
	return 0;
}

struct rb_metrics *rb_metrics_start(struct rb_ctl *c, const char *listen, int epfd, char *err,
				    size_t errlen)
{
	struct epoll_event ev = { .events = EPOLLIN };
	struct sockaddr_storage ss;
	const union MHD_DaemonInfo *info;
	struct rb_metrics *m;
	socklen_t sl;
	unsigned flags = MHD_USE_EPOLL | MHD_USE_ERROR_LOG;

	if (parse_listen(listen, &ss, &sl) < 0) {
		snprintf(err, errlen, "metrics_listen '%s': want ADDR:PORT or [ADDR6]:PORT", listen);
		return NULL;
	}
	m = calloc(1, sizeof(*m));
	if (!m) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	m->c = c;
	m->epfd = epfd;
	m->mono = rb_mono_open(c->shm_name, err, errlen);
	if (err[0])
		fprintf(stderr, "ringbox-control: %s\n", err);
	err[0] = 0;
	if (ss.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	m->d = MHD_start_daemon(flags, ntohs(((struct sockaddr_in *)&ss)->sin_port), NULL, NULL,
				handler, m, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
				MHD_OPTION_CONNECTION_LIMIT, (unsigned)32,
				MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)10, MHD_OPTION_END);
	if (!m->d) {
		snprintf(err, errlen, "metrics: cannot listen on %s (address in use?)", listen);
		rb_mono_close(m->mono);
		free(m);
		return NULL;
	}
	info = MHD_get_daemon_info(m->d, MHD_DAEMON_INFO_EPOLL_FD);
	ev.data.ptr = m;
	if (!info || epoll_ctl(epfd, EPOLL_CTL_ADD, info->epoll_fd, &ev) < 0) {
		snprintf(err, errlen, "metrics: epoll registration failed");
		MHD_stop_daemon(m->d);
		rb_mono_close(m->mono);
		free(m);
		return NULL;
	}
	(void)sl;
	return m;
}

void rb_metrics_run(struct rb_metrics *m)
{
	if (m)
		MHD_run(m->d);
}

int rb_metrics_timeout_ms(struct rb_metrics *m)
{
	MHD_UNSIGNED_LONG_LONG t;

	if (!m || MHD_get_timeout(m->d, &t) != MHD_YES)
		return -1;
	return t > 1000 ? 1000 : (int)t;
}

void rb_metrics_stop(struct rb_metrics *m)
{
	if (!m)
		return;
	MHD_stop_daemon(m->d);
	rb_mono_close(m->mono);
	free(m);
}
