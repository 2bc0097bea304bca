/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The ctl commands (control/README.md, "ctl commands").  Every reply is
 * {"command": PATH, "ok": BOOL, "data": ...} or, on error,
 * {"command": PATH, "ok": false, "error": TEXT, "errors": [LINES]}.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <unistd.h>

#include "crypto/rb_aead.h"
#include "rb_conns.h"
#include "rb_ctl.h"
#include "rb_route_ctl.h"
#include "rb_wg_ctl.h"

static const char *const neigh_state_names[] = {
	"free", "incomplete", "reachable", "stale", "static", "failed",
};

static void begin(struct rb_json *j, const char *cmd, int ok)
{
	rb_json_obj(j, NULL);
	rb_json_str(j, "command", cmd);
	rb_json_bool(j, "ok", ok);
}

/* Error reply; errs (optional) is split into lines for "errors". */
static void error_reply(struct rb_json *j, const char *cmd, const char *msg, const char *errs)
{
	begin(j, cmd, 0);
	rb_json_str(j, "error", msg);
	if (errs) {
		const char *p = errs;

		rb_json_arr(j, "errors");
		while (*p) {
			size_t n = strcspn(p, "\n");
			char line[512];

			snprintf(line, sizeof(line), "%.*s", (int)(n < 511 ? n : 511), p);
			if (n)
				rb_json_str(j, NULL, line);
			p += n;
			if (*p)
				p++;
		}
		rb_json_arr_end(j);
	}
	rb_json_obj_end(j);
}

void rb_ctl_error_reply(struct rb_json *j, const char *cmd, const char *msg)
{
	error_reply(j, cmd ? cmd : "", msg, NULL);
}

static void fmt_mac(char *b, size_t n, const uint8_t *m)
{
	snprintf(b, n, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
}

static void fmt_ip(char *b, size_t n, int family, const uint8_t *a)
{
	if (!inet_ntop(family == AF_INET6 ? AF_INET6 : AF_INET, a, b, (socklen_t)n))
		snprintf(b, n, "?");
}

static int n_workers(const struct rb_ctl *c)
{
	return c->shm ? (int)c->shm->hdr->n_workers : 0;
}

static unsigned lcore_of(const struct rb_ctl *c, int w)
{
	return c->shm->hdr->worker_lcore[w];
}

static void port_name(const struct rb_ctl *c, const struct rb_shm_port *ports, int np, int i,
		      char *b, size_t n)
{
	if (i < np && ports[i].name[0])
		snprintf(b, n, "%s", ports[i].name);
	else if (c->cfg_loaded && i < c->cfg.dp.n_ports)
		snprintf(b, n, "%s", c->cfg.dp.ports[i].name);
	else
		snprintf(b, n, "port%d", i);
}

static int cmd_status(struct rb_ctl *c, struct rb_json *j)
{
	uint64_t now = rb_shm_real_ns(), mono = rb_shm_mono_ns();
	struct rb_shm_port ports[RB_MAX_PORTS];
	int i, np = 0;

	begin(j, "/status", 1);
	rb_json_obj(j, "data");
	rb_json_str(j, "version", RB_VERSION);
	rb_json_u64(j, "control_pid", (uint64_t)getpid());
	rb_json_dbl(j, "control_uptime_s", (double)(mono - c->start_mono_ns) / 1e9);
	rb_json_bool(j, "dataplane_up", c->dp_up);
	if (!c->dp_up)
		rb_json_str(j, "dataplane_reason", c->dp_why);
	if (c->shm) {
		const struct rb_shm_hdr *h = c->shm->hdr;

		rb_json_str(j, "dataplane_version", h->version);
		rb_json_i64(j, "dataplane_pid", h->pid);
		rb_json_strf(j, "boot_id", "%016llx", (unsigned long long)h->boot_id);
		rb_json_dbl(j, "dataplane_uptime_s",
			    now > h->start_ns ? (double)(now - h->start_ns) / 1e9 : 0);
		rb_json_dbl(j, "heartbeat_age_ms",
			    mono > h->hb_mono_ns ? (double)(mono - h->hb_mono_ns) / 1e6 : 0);
		rb_json_str(j, "log_level", rb_log_level_name((enum rb_log_level)h->log_level));
		rb_json_u64(j, "fib_generation", h->fib_generation);
		rb_json_arr(j, "lcores");
		for (i = 0; i < (int)h->n_workers; i++)
			rb_json_u64(j, NULL, lcore_of(c, i));
		rb_json_arr_end(j);
		np = rb_shm_read_ports(c->shm, ports, RB_MAX_PORTS);
		rb_json_arr(j, "ports");
		for (i = 0; i < np; i++)
			rb_json_str(j, NULL, ports[i].name);
		rb_json_arr_end(j);
	}
	rb_json_str(j, "config_file", c->cfg_path);
	rb_json_str(j, "config_sha256", c->cfg_sha256);
	rb_json_u64(j, "config_reloads", c->reloads);
	rb_json_u64(j, "config_reload_failures", c->reload_failures);
	rb_json_u64(j, "routes_generation", c->published_gen);
	rb_json_i64(j, "routes_status", c->last_apply_status);
	if (c->last_apply_err[0])
		rb_json_str(j, "routes_error", c->last_apply_err);
	/* The dataplane picks the same backend from the same CPU flags at start-up. */
	rb_json_str(j, "crypto_backend", rb_aead_backend_name());
	rb_json_obj_end(j);
	rb_json_obj_end(j);
	return 0;
}

static int cmd_stats(struct rb_ctl *c, const struct rb_ctl_req *req, struct rb_json *j)
{
	static struct rb_lcore_stats st[RB_MAX_LCORES];
	struct rb_shm_port ports[RB_MAX_PORTS];
	int all = 0, w, p, i, nw = n_workers(c), np, nport;
	char name[RB_NAME_LEN];

	if (req->argc == 1) {
		if (strcmp(req->argv[0], "all") && strcmp(req->argv[0], "-a")) {
			error_reply(j, "/stats", "usage: stats [all]", NULL);
			return -1;
		}
		all = 1;
	}
	if (!c->shm || !c->dp_up) {
		error_reply(j, "/stats", c->dp_why[0] ? c->dp_why : "dataplane not attached", NULL);
		return -1;
	}
	for (w = 0; w < nw; w++)
		rb_shm_read_stats(c->shm, (unsigned)w, &st[w]);
	np = rb_shm_read_ports(c->shm, ports, RB_MAX_PORTS);
	if (np < 0)
		np = 0;
	nport = np ? np : (c->cfg_loaded ? c->cfg.dp.n_ports : 0);
	begin(j, "/stats", 1);
	rb_json_obj(j, "data");
	rb_json_bool(j, "dataplane_up", c->dp_up);
	rb_json_arr(j, "ports");
	for (p = 0; p < nport; p++) {
		struct rb_port_counters sum = { 0 };

		for (w = 0; w < nw; w++) {
			sum.rx_packets += st[w].port[p].rx_packets;
			sum.rx_bytes += st[w].port[p].rx_bytes;
			sum.tx_packets += st[w].port[p].tx_packets;
			sum.tx_bytes += st[w].port[p].tx_bytes;
		}
		port_name(c, ports, np, p, name, sizeof(name));
		rb_json_obj(j, NULL);
		rb_json_str(j, "port", name);
		rb_json_u64(j, "rx_packets", sum.rx_packets);
		rb_json_u64(j, "rx_bytes", sum.rx_bytes);
		rb_json_u64(j, "tx_packets", sum.tx_packets);
		rb_json_u64(j, "tx_bytes", sum.tx_bytes);
		rb_json_obj_end(j);
	}
	rb_json_arr_end(j);
	rb_json_arr(j, "lcores");
	for (w = 0; w < nw; w++) {
		for (p = 0; p < nport; p++) {
			const struct rb_port_counters *pc = &st[w].port[p];

			port_name(c, ports, np, p, name, sizeof(name));
			rb_json_obj(j, NULL);
			rb_json_u64(j, "lcore", lcore_of(c, w));
			rb_json_str(j, "port", name);
			rb_json_u64(j, "rx_packets", pc->rx_packets);
			rb_json_u64(j, "rx_bytes", pc->rx_bytes);
			rb_json_u64(j, "tx_packets", pc->tx_packets);
			rb_json_u64(j, "tx_bytes", pc->tx_bytes);
			rb_json_u64(j, "loops", st[w].loops);
			rb_json_u64(j, "busy_loops", st[w].busy_loops);
			rb_json_u64(j, "busy_cycles", st[w].busy_cycles);
			rb_json_obj_end(j);
		}
	}
	rb_json_arr_end(j);
	rb_json_arr(j, "drops");
	for (i = 0; i < RB_DROP_MAX; i++) {
		for (w = 0; w < nw; w++) {
			if (!all && !st[w].drops[i])
				continue;
			rb_json_obj(j, NULL);
			rb_json_str(j, "reason", rb_drop_names[i]);
			rb_json_u64(j, "lcore", lcore_of(c, w));
			rb_json_u64(j, "count", st[w].drops[i]);
			rb_json_obj_end(j);
		}
	}
	rb_json_arr_end(j);
	rb_json_arr(j, "events");
	for (i = 0; i < RB_EV_MAX; i++) {
		for (w = 0; w < nw; w++) {
			if (!all && !st[w].events[i])
				continue;
			rb_json_obj(j, NULL);
			rb_json_str(j, "event", rb_event_names[i]);
			rb_json_u64(j, "lcore", lcore_of(c, w));
			rb_json_u64(j, "count", st[w].events[i]);
			rb_json_obj_end(j);
		}
	}
	rb_json_arr_end(j);
	rb_json_obj_end(j);
	rb_json_obj_end(j);
	return 0;
}

static int cmd_ports(struct rb_ctl *c, struct rb_json *j)
{
	struct rb_shm_port ports[RB_MAX_PORTS];
	char b[64];
	int i, k, np;

	if (!c->shm || !c->dp_up) {
		error_reply(j, "/ports", c->dp_why[0] ? c->dp_why : "dataplane not attached", NULL);
		return -1;
	}
	np = rb_shm_read_ports(c->shm, ports, RB_MAX_PORTS);
	begin(j, "/ports", 1);
	rb_json_arr(j, "data");
	for (i = 0; i < np; i++) {
		const struct rb_shm_port *p = &ports[i];

		rb_json_obj(j, NULL);
		rb_json_str(j, "name", p->name);
		rb_json_u64(j, "port_id", p->dpdk_port_id);
		fmt_mac(b, sizeof(b), p->mac);
		rb_json_str(j, "mac", b);
		rb_json_u64(j, "mtu", p->mtu);
		rb_json_u64(j, "vlan", p->vlan);
		rb_json_u64(j, "rxq", p->nb_rxq);
		rb_json_u64(j, "txq", p->nb_txq);
		rb_json_arr(j, "addresses");
		for (k = 0; k < p->n_addrs && k < RB_MAX_ADDRS; k++) {
			char a[INET6_ADDRSTRLEN];

			fmt_ip(a, sizeof(a), p->addrs[k].family, p->addrs[k].addr);
			rb_json_strf(j, NULL, "%s/%u", a, p->addrs[k].plen);
		}
		rb_json_arr_end(j);
		rb_json_obj_end(j);
	}
	rb_json_arr_end(j);
	rb_json_obj_end(j);
	return 0;
}

static int cmd_neigh(struct rb_ctl *c, struct rb_json *j)
{
	struct rb_shm_port ports[RB_MAX_PORTS];
	struct rb_neigh_entry e;
	int w, i, np, nw = n_workers(c);
	uint64_t hz, now;

	if (!c->shm || !c->dp_up) {
		error_reply(j, "/neigh", c->dp_why[0] ? c->dp_why : "dataplane not attached", NULL);
		return -1;
	}
	np = rb_shm_read_ports(c->shm, ports, RB_MAX_PORTS);
	if (np < 0)
		np = 0;
	hz = c->shm->hdr->tsc_hz;
	now = c->shm->hdr->hb_tsc;
	begin(j, "/neigh", 1);
	rb_json_arr(j, "data");
	for (w = 0; w < nw; w++) {
		for (i = 0; i < RB_NEIGH_SLOTS; i++) {
			char ip[INET6_ADDRSTRLEN], mac[24], pn[RB_NAME_LEN];

			if (rb_shm_read_neigh(c->shm, (unsigned)w, (unsigned)i, &e) < 0 ||
			    e.state == RB_NEIGH_FREE || e.state > RB_NEIGH_FAILED)
				continue;
			fmt_ip(ip, sizeof(ip), e.family, e.ip);
			fmt_mac(mac, sizeof(mac), e.mac);
			port_name(c, ports, np, e.port, pn, sizeof(pn));
			rb_json_obj(j, NULL);
			rb_json_u64(j, "lcore", lcore_of(c, w));
			rb_json_str(j, "port", pn);
			rb_json_str(j, "ip", ip);
			rb_json_str(j, "mac", e.state == RB_NEIGH_INCOMPLETE ? "-" : mac);
			rb_json_str(j, "state", neigh_state_names[e.state]);
			if (hz && now >= e.updated && e.updated)
				rb_json_dbl(j, "age_s", (double)(now - e.updated) / (double)hz);
			else
				rb_json_null(j, "age_s");
			rb_json_obj_end(j);
		}
	}
	rb_json_arr_end(j);
	rb_json_obj_end(j);
	return 0;
}

static int cmd_routes(struct rb_ctl *c, struct rb_json *j)
{
	int i, ack_st = 0;

	begin(j, "/routes", 1);
	rb_json_obj(j, "data");
	rb_json_u64(j, "generation", c->published_gen);
	rb_json_bool(j, "acked", c->shm && c->published_gen &&
				 rb_shm_table_acked(c->shm, c->published_gen, &ack_st));
	rb_json_i64(j, "status", ack_st);
	rb_json_u64(j, "fib_generation", c->shm ? c->shm->hdr->fib_generation : 0);
	rb_json_arr(j, "routes");
	for (i = 0; c->cfg_loaded && i < c->cfg.dp.n_routes; i++) {
		const struct rb_cfg_route *r = &c->cfg.dp.routes[i];
		char b[64];
		int p = r->port;

		rb_json_obj(j, NULL);
		rb_json_str(j, "prefix", rb_cidr_format(&r->prefix, b, sizeof(b)));
		rb_json_str(j, "via", r->has_via ? rb_cidr_format(&r->via, b, sizeof(b)) : "-");
		rb_json_str(j, "port", p >= 0 && p < c->cfg.dp.n_ports ? c->cfg.dp.ports[p].name : "-");
		rb_json_i64(j, "line", r->line);
		rb_json_obj_end(j);
	}
	rb_json_arr_end(j);
	rb_json_obj_end(j);
	rb_json_obj_end(j);
	return 0;
}

int rb_ctl_reload(struct rb_ctl *c, char **errs, int *apply_status)
{
	struct rb_config nc;
	char sha[65] = "";

	*errs = NULL;
	*apply_status = 1;
	c->reloads++;
	if (rb_ctl_load_config(c->cfg_path, &nc, errs) < 0) {
		c->reload_failures++;
		return -1;
	}
	rb_ctl_sha256_file(c->cfg_path, sha);
	if (c->cfg_loaded)
		rb_config_free(&c->cfg);
	c->cfg = nc;
	c->cfg_loaded = 1;
	memcpy(c->cfg_sha256, sha, sizeof(sha));
	*apply_status = rb_ctl_publish_routes(c);
	return 0;
}

static int cmd_reload(struct rb_ctl *c, struct rb_json *j)
{
	char *errs = NULL;
	int st;

	if (rb_ctl_reload(c, &errs, &st) < 0) {
		error_reply(j, "/reload", "config invalid: running config kept", errs);
		free(errs);
		return -1;
	}
	if (st < 0) {
		error_reply(j, "/reload", "dataplane rejected the routes", c->last_apply_err);
		return -1;
	}
	begin(j, "/reload", 1);
	rb_json_obj(j, "data");
	rb_json_str(j, "config_file", c->cfg_path);
	rb_json_str(j, "config_sha256", c->cfg_sha256);
	rb_json_u64(j, "routes", (uint64_t)c->cfg.dp.n_routes);
	rb_json_u64(j, "generation", c->published_gen);
	rb_json_bool(j, "applied", st == 0);
	if (st > 0)
		rb_json_str(j, "note", c->dp_up ? "dataplane has not acked yet"
						 : "dataplane down: published when it is back");
	rb_json_obj_end(j);
	rb_json_obj_end(j);
	return 0;
}

static int cmd_check(const struct rb_ctl_req *req, struct rb_json *j)
{
	struct rb_config tmp;
	char *errs = NULL;
	char sha[65] = "";

	if (rb_ctl_load_config(req->argv[0], &tmp, &errs) < 0) {
		error_reply(j, "/check", "config invalid", errs);
		free(errs);
		return -1;
	}
	rb_ctl_sha256_file(req->argv[0], sha);
	begin(j, "/check", 1);
	rb_json_obj(j, "data");
	rb_json_str(j, "file", req->argv[0]);
	rb_json_bool(j, "valid", 1);
	rb_json_str(j, "sha256", sha);
	rb_json_u64(j, "ports", (uint64_t)tmp.dp.n_ports);
	rb_json_u64(j, "routes", (uint64_t)tmp.dp.n_routes);
	rb_json_obj_end(j);
	rb_json_obj_end(j);
	rb_config_free(&tmp);
	return 0;
}

static int cmd_log_level(struct rb_ctl *c, const struct rb_ctl_req *req, struct rb_json *j)
{
	struct rb_msg m, rep;
	enum rb_log_level l;
	char msg[300];
	int rc;

	if (req->argc == 0) {
		if (!c->shm || !c->dp_up) {
			error_reply(j, "/log/level", "dataplane not attached", NULL);
			return -1;
		}
		begin(j, "/log/level", 1);
		rb_json_obj(j, "data");
		rb_json_str(j, "level",
			    rb_log_level_name((enum rb_log_level)c->shm->hdr->log_level));
		rb_json_obj_end(j);
		rb_json_obj_end(j);
		return 0;
	}
	if (rb_log_level_parse(req->argv[0], &l) < 0) {
		snprintf(msg, sizeof(msg), "unknown level '%.64s' (error warn info debug trace)",
			 req->argv[0]);
		error_reply(j, "/log/level", msg, NULL);
		return -1;
	}
	rb_msg_init(&m, RB_MSG_SET_LOG_LEVEL, 0);
	m.u.log_level = (int32_t)l;
	m.length = sizeof(m.u.log_level);
	rc = rb_ctl_dp_request(c, &m, &rep);
	if (rc < 0 || rep.status != RB_MSG_ST_OK) {
		snprintf(msg, sizeof(msg), "dataplane: %s",
			 rc < 0 ? strerror(-rc) : rep.u.text);
		error_reply(j, "/log/level", msg, NULL);
		return -1;
	}
	begin(j, "/log/level", 1);
	rb_json_obj(j, "data");
	rb_json_str(j, "level", rb_log_level_name(l));
	rb_json_obj_end(j);
	rb_json_obj_end(j);
	return 0;
}

static int cmd_ping(struct rb_ctl *c, struct rb_json *j)
{
	struct rb_msg m, rep;
	uint64_t t0 = rb_shm_mono_ns();
	char msg[128];
	int rc;

	rb_msg_init(&m, RB_MSG_PING, 0);
	rc = rb_ctl_dp_request(c, &m, &rep);
	if (rc < 0) {
		snprintf(msg, sizeof(msg), "dataplane: %s", strerror(-rc));
		error_reply(j, "/ping", msg, NULL);
		return -1;
	}
	begin(j, "/ping", 1);
	rb_json_obj(j, "data");
	rb_json_dbl(j, "rtt_us", (double)(rb_shm_mono_ns() - t0) / 1e3);
	rb_json_u64(j, "fib_generation", rep.u.info.fib_generation);
	rb_json_u64(j, "heartbeats", rep.u.info.hb_count);
	rb_json_obj_end(j);
	rb_json_obj_end(j);
	return 0;
}

static int cmd_help(const struct rb_ctl_req *req, struct rb_json *j)
{
	int i, only = -1;

	if (req->argc == 1) {
		only = rb_ctl_lookup(req->argv[0]);
		if (only < 0) {
			error_reply(j, "/help", "unknown command", NULL);
			return -1;
		}
	}
	begin(j, "/help", 1);
	rb_json_arr(j, "data");
	for (i = 0; i < RB_CTL_CMD_MAX; i++) {
		if (only >= 0 && i != only)
			continue;
		rb_json_obj(j, NULL);
		rb_json_str(j, "command", rb_ctl_cmds[i].usage);
		rb_json_str(j, "path", rb_ctl_cmds[i].path);
		rb_json_str(j, "description", rb_ctl_cmds[i].help);
		rb_json_obj_end(j);
	}
	rb_json_arr_end(j);
	rb_json_obj_end(j);
	return 0;
}

int rb_ctl_exec(struct rb_ctl *c, const struct rb_ctl_req *req, struct rb_json *j)
{
	switch (req->cmd) {
	case RB_CTL_STATUS: return cmd_status(c, j);
	case RB_CTL_STATS: return cmd_stats(c, req, j);
	case RB_CTL_PORTS: return cmd_ports(c, j);
	case RB_CTL_NEIGH: return cmd_neigh(c, j);
	case RB_CTL_ROUTES: return cmd_routes(c, j);
	case RB_CTL_RELOAD: return cmd_reload(c, j);
	case RB_CTL_CHECK: return cmd_check(req, j);
	case RB_CTL_LOG_LEVEL: return cmd_log_level(c, req, j);
	case RB_CTL_PING: return cmd_ping(c, j);
	case RB_CTL_HELP: return cmd_help(req, j);
	case RB_CTL_ROUTE_TEST: return rb_route_cmd_test(c, req, j);
	case RB_CTL_ROUTE_RESOLVE: return rb_route_cmd_resolve(c, req, j);
	case RB_CTL_WG_SHOW: return rb_wg_cmd_show(c, req, j);
	case RB_CTL_WG_ADD: return rb_wg_cmd_add(c, req, j);
	case RB_CTL_WG_REMOVE: return rb_wg_cmd_remove(c, req, j);
	case RB_CTL_GEN_WG_KEYPAIR: return rb_wg_cmd_keypair(j);
	case RB_CTL_CONNS: return rb_conns_cmd(c, req, j);
	case RB_CTL_CONNS_CLOSE: return rb_conns_cmd_close(c, req, 0, j);
	default: break;
	}
	error_reply(j, "", "unknown command", NULL);
	return -1;
}
