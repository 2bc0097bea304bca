/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The proxy's Prometheus families (control/README.md, "Metrics"), read from
 * the connections segment (dataplane/proxy/rb_conn_info.h).  Each worker
 * counts into its own rb_conn_worker with plain stores; this sums the
 * workers per inbound, outbound and rule.  Nothing is exported when the
 * dataplane runs without proxy inbounds (no segment).
 */
#include <stdio.h>
#include <string.h>

#include "rb_conns.h"
#include "rb_ctl.h"

struct sums {
	struct rb_proxy_tag_counters in[RB_CONN_MAX_TAGS], out[RB_CONN_MAX_TAGS];
	struct rb_proxy_rule_counters rules[RB_CONN_MAX_RULES + 2];
	uint64_t active, total;
};

static void add_tag(struct rb_proxy_tag_counters *d, const struct rb_proxy_tag_counters *s)
{
	d->conns += s->conns;
	d->active += s->active;
	d->bytes_up += s->bytes_up;
	d->bytes_down += s->bytes_down;
	for (int e = 0; e < RB_PERR_MAX; e++)
		d->errors[e] += s->errors[e];
	d->dial_fail += s->dial_fail;
	d->rejected += s->rejected;
}

static void sum(const struct rb_conn_shm *s, struct sums *t)
{
	memset(t, 0, sizeof(*t));
	for (unsigned w = 0; w < s->hdr->n_workers; w++) {
		const struct rb_conn_worker *wk = rb_conn_shm_worker(s, w);

		t->active += wk->active;
		t->total += wk->total;
		for (int i = 0; i < RB_CONN_MAX_TAGS; i++) {
			add_tag(&t->in[i], &wk->in[i]);
			add_tag(&t->out[i], &wk->out[i]);
		}
		for (int r = 0; r < RB_CONN_MAX_RULES + 2; r++) {
			t->rules[r].conns += wk->rules[r].conns;
			t->rules[r].active += wk->rules[r].active;
			t->rules[r].bytes_up += wk->rules[r].bytes_up;
			t->rules[r].bytes_down += wk->rules[r].bytes_down;
		}
	}
}

static void fam(struct rb_json *o, const char *name, const char *type, const char *help)
{
	rb_metrics_out(o, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static unsigned long long ull(uint64_t v)
{
	return (unsigned long long)v;
}

/* inbound or outbound families: label is "inbound" / "outbound" */
static void tag_families(struct rb_json *o, const char *kind, const char (*tags)[RB_CONN_TAG_LEN],
			 unsigned n, const struct rb_proxy_tag_counters *c)
{
	char name[96], help[160], lab[2 * RB_CONN_TAG_LEN];
	int is_in = !strcmp(kind, "inbound");
	const char *pre = is_in ? "ringbox_proxy" : "ringbox_proxy_outbound";

	snprintf(name, sizeof(name), "%s_conns_total", pre);
	snprintf(help, sizeof(help), "Proxied connections %s, by %s",
		 is_in ? "accepted" : "routed", kind);
	fam(o, name, "counter", help);
	for (unsigned i = 0; i < n; i++) {
		rb_metrics_esc(lab, sizeof(lab), tags[i]);
		rb_metrics_out(o, "%s{%s=\"%s\"} %llu\n", name, kind, lab, ull(c[i].conns));
	}
	snprintf(name, sizeof(name), "%s_conns_active", pre);
	snprintf(help, sizeof(help), "Proxied connections open now, by %s", kind);
	fam(o, name, "gauge", help);
	for (unsigned i = 0; i < n; i++) {
		rb_metrics_esc(lab, sizeof(lab), tags[i]);
		rb_metrics_out(o, "%s{%s=\"%s\"} %llu\n", name, kind, lab, ull(c[i].active));
	}
	snprintf(name, sizeof(name), "%s_bytes_total", pre);
	snprintf(help, sizeof(help),
		 "Bytes relayed, by %s and direction (up: client to upstream)", kind);
	fam(o, name, "counter", help);
	for (unsigned i = 0; i < n; i++) {
		rb_metrics_esc(lab, sizeof(lab), tags[i]);
		rb_metrics_out(o, "%s{%s=\"%s\",direction=\"up\"} %llu\n", name, kind, lab,
			       ull(c[i].bytes_up));
		rb_metrics_out(o, "%s{%s=\"%s\",direction=\"down\"} %llu\n", name, kind, lab,
			       ull(c[i].bytes_down));
	}
}

static void rule_label(int r, char *b, size_t n)
{
	if (r == RB_CONN_RULE_FINAL)
		snprintf(b, n, "final");
	else if (r == RB_CONN_RULE_OTHER)
		snprintf(b, n, "other");
	else
		snprintf(b, n, "%d", r);
}

static void rule_families(struct rb_json *o, const struct rb_proxy_rule_counters *c)
{
	char lab[16];
	int r;

	fam(o, "ringbox_proxy_rule_conns_total", "counter",
	    "Sessions routed by each route rule (index in route.rules, \"final\", or \"other\" "
	    "past the first 256), rules that routed nothing are left out");
	for (r = 0; r < RB_CONN_MAX_RULES + 2; r++)
		if (c[r].conns) {
			rule_label(r, lab, sizeof(lab));
			rb_metrics_out(o, "ringbox_proxy_rule_conns_total{rule=\"%s\"} %llu\n", lab,
				       ull(c[r].conns));
		}
	fam(o, "ringbox_proxy_rule_conns_active", "gauge", "Sessions open now, by route rule");
	for (r = 0; r < RB_CONN_MAX_RULES + 2; r++)
		if (c[r].conns) {
			rule_label(r, lab, sizeof(lab));
			rb_metrics_out(o, "ringbox_proxy_rule_conns_active{rule=\"%s\"} %llu\n", lab,
				       ull(c[r].active));
		}
	fam(o, "ringbox_proxy_rule_bytes_total", "counter",
	    "Bytes relayed, by route rule and direction");
	for (r = 0; r < RB_CONN_MAX_RULES + 2; r++)
		if (c[r].conns) {
			rule_label(r, lab, sizeof(lab));
			rb_metrics_out(o, "ringbox_proxy_rule_bytes_total{rule=\"%s\",direction=\"up\"} %llu\n",
				       lab, ull(c[r].bytes_up));
			rb_metrics_out(o, "ringbox_proxy_rule_bytes_total{rule=\"%s\",direction=\"down\"} %llu\n",
				       lab, ull(c[r].bytes_down));
		}
}

static void error_families(struct rb_json *o, const char (*tags)[RB_CONN_TAG_LEN], unsigned n_in,
			   const struct rb_proxy_tag_counters *in, unsigned n_out,
			   const char (*otags)[RB_CONN_TAG_LEN],
			   const struct rb_proxy_tag_counters *out)
{
	char lab[2 * RB_CONN_TAG_LEN];
	unsigned i;

	fam(o, "ringbox_proxy_auth_failures_total", "counter",
	    "Clients refused for wrong or missing credentials (or no acceptable SOCKS5 method), by inbound");
	for (i = 0; i < n_in; i++) {
		rb_metrics_esc(lab, sizeof(lab), tags[i]);
		rb_metrics_out(o, "ringbox_proxy_auth_failures_total{inbound=\"%s\"} %llu\n", lab,
			       ull(in[i].errors[RB_PERR_AUTH] + in[i].errors[RB_PERR_NO_METHOD]));
	}
	fam(o, "ringbox_proxy_handshake_errors_total", "counter",
	    "Client handshakes that failed, by inbound and reason");
	for (i = 0; i < n_in; i++) {
		rb_metrics_esc(lab, sizeof(lab), tags[i]);
		for (int e = RB_PERR_NONE + 1; e < RB_PERR_MAX; e++)
			rb_metrics_out(o,
				       "ringbox_proxy_handshake_errors_total{inbound=\"%s\",reason=\"%s\"} %llu\n",
				       lab, rb_proxy_err_names[e], ull(in[i].errors[e]));
	}
	fam(o, "ringbox_proxy_rejected_total", "counter",
	    "Requests refused by the router (reject action or block outbound), by inbound");
	for (i = 0; i < n_in; i++) {
		rb_metrics_esc(lab, sizeof(lab), tags[i]);
		rb_metrics_out(o, "ringbox_proxy_rejected_total{inbound=\"%s\"} %llu\n", lab,
			       ull(in[i].rejected));
	}
	fam(o, "ringbox_proxy_dial_failures_total", "counter",
	    "Upstreams that could not be opened (refused, unreachable, timed out), by outbound");
	for (i = 0; i < n_out; i++) {
		rb_metrics_esc(lab, sizeof(lab), otags[i]);
		rb_metrics_out(o, "ringbox_proxy_dial_failures_total{outbound=\"%s\"} %llu\n", lab,
			       ull(out[i].dial_fail));
	}
}

void rb_proxy_metrics_render(struct rb_ctl *c, struct rb_json *o)
{
	static struct sums t;
	struct rb_conn_shm s;
	char err[256];
	unsigned n_in, n_out;

	if (!c->dp_up || rb_conns_attach(&s, c->shm_name, err, sizeof(err)) < 0)
		return;
	sum(&s, &t);
	n_in = s.hdr->n_inbounds < RB_CONN_MAX_TAGS ? s.hdr->n_inbounds : RB_CONN_MAX_TAGS;
	n_out = s.hdr->n_outbounds < RB_CONN_MAX_TAGS ? s.hdr->n_outbounds : RB_CONN_MAX_TAGS;
	fam(o, "ringbox_proxy_sessions_active", "gauge",
	    "Proxy sessions open now (TCP connections and UDP associations), all inbounds");
	rb_metrics_out(o, "ringbox_proxy_sessions_active %llu\n", ull(t.active));
	fam(o, "ringbox_proxy_sessions_total", "counter", "Proxy sessions accepted, all inbounds");
	rb_metrics_out(o, "ringbox_proxy_sessions_total %llu\n", ull(t.total));
	tag_families(o, "inbound", (const char(*)[RB_CONN_TAG_LEN])s.hdr->in_tags, n_in, t.in);
	tag_families(o, "outbound", (const char(*)[RB_CONN_TAG_LEN])s.hdr->out_tags, n_out, t.out);
	rule_families(o, t.rules);
	error_families(o, (const char(*)[RB_CONN_TAG_LEN])s.hdr->in_tags, n_in, t.in, n_out,
		       (const char(*)[RB_CONN_TAG_LEN])s.hdr->out_tags, t.out);
	rb_conn_shm_close(&s);
}
