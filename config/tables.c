/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The schema of a ringbox config: one table per section, walked by
 * rb_schema_load() (schema.c), and the handlers for values that need more
 * than a type and a range.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <libconfig.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "cfg_priv.h"
#include "rb_config.h"
#include "schema.h"

#define PATHLEN 256

/* ---------------------------------------------------------------- handlers */

static const char *const level_names[] = {"error", "warn", "info", "debug", "trace", NULL};
static const char *const service_types[] = {"diag", NULL};

/* dataplane.lcores: a worker count N (CPUs 1..N) or an array of CPU ids. */
static int h_lcores(const config_setting_t *s, void *dst, const struct rb_schema_field *f,
		    const char *path, struct rb_cfg_err *e)
{
	struct rb_cfg_dataplane *d = dst;
	char ep[PATHLEN];
	int t, n, bad = 0;

	(void)f;
	if (s == NULL) {
		if (d) {
			d->n_lcores = 1;
			d->lcores[0] = 1;
		}
		return 0;
	}
	t = config_setting_type(s);
	if (t == CONFIG_TYPE_INT || t == CONFIG_TYPE_INT64) {
		int64_t v = config_setting_get_int64(s);

		if (v < 1 || v > RB_MAX_LCORES) {
			rb_cfg_error(e, s, path, "%lld is out of range 1..%d", (long long)v,
				     RB_MAX_LCORES);
			return -1;
		}
		for (int i = 0; d && i < v; i++)
			d->lcores[i] = 1 + i;
		if (d)
			d->n_lcores = (int)v;
		return 0;
	}
	if (t != CONFIG_TYPE_ARRAY && t != CONFIG_TYPE_LIST) {
		rb_cfg_error(e, s, path, "expected a worker count or an array of CPU ids, got %s",
			     rb_schema_type_name(t));
		return -1;
	}
	n = config_setting_length(s);
	if (n < 1 || n > RB_MAX_LCORES) {
		rb_cfg_error(e, s, path, "has %d CPU ids, want 1..%d", n, RB_MAX_LCORES);
		return -1;
	}
	for (int i = 0; i < n; i++) {
		const config_setting_t *el = config_setting_get_elem(s, (unsigned)i);
		int64_t v;

		rb_schema_path_idx(ep, sizeof(ep), path, i);
		t = config_setting_type(el);
		if (t != CONFIG_TYPE_INT && t != CONFIG_TYPE_INT64) {
			rb_cfg_error(e, el, ep, "expected a CPU id, got %s",
				     rb_schema_type_name(t));
			bad = -1;
			continue;
		}
		v = config_setting_get_int64(el);
		if (v < 0 || v > 1023) {
			rb_cfg_error(e, el, ep, "CPU %lld is out of range 0..1023", (long long)v);
			bad = -1;
			continue;
		}
		/* A CPU may carry several workers (lcore mapping, e.g. tests on 2 CPUs). */
		if (d)
			d->lcores[i] = (int)v;
	}
	if (d && !bad)
		d->n_lcores = n;
	return bad;
}

static int h_mbufs(const config_setting_t *s, void *dst, const struct rb_schema_field *f,
		   const char *path, struct rb_cfg_err *e)
{
	int64_t v = config_setting_get_int64(s);

	(void)f;
	if (v != 0 && v < 1024) {
		rb_cfg_error(e, s, path, "%lld is too small (0 = derived, or at least 1024)",
			     (long long)v);
		return -1;
	}
	if (dst)
		*(uint32_t *)dst = (uint32_t)v;
	return 0;
}

/* EAL options that ringbox builds itself from dataplane.lcores / main_cpu. */
static int h_eal_arg(const config_setting_t *s, void *dst, const struct rb_schema_field *f,
		     const char *path, struct rb_cfg_err *e)
{
	static const char *const owned[] = {"-l", "-c", "--lcores", "--main-lcore", NULL};
	const char *v = config_setting_get_string(s);

	(void)f;
	for (int i = 0; owned[i]; i++) {
		size_t n = strlen(owned[i]);
		int clash = owned[i][1] == '-'
				? strncmp(v, owned[i], n) == 0 && (v[n] == '\0' || v[n] == '=')
				: strncmp(v, owned[i], n) == 0;

		if (clash) {
			rb_cfg_error(e, s, path,
				     "'%s' conflicts with dataplane.lcores/main_cpu "
				     "(ringbox passes --lcores itself)",
				     owned[i]);
			return -1;
		}
	}
	if (dst) {
		*(char **)dst = strdup(v);
		if (*(char **)dst == NULL) {
			rb_cfg_error(e, s, path, "out of memory");
			return -1;
		}
	}
	return 0;
}

static int h_shm_name(const config_setting_t *s, void *dst, const struct rb_schema_field *f,
		      const char *path, struct rb_cfg_err *e)
{
	const char *v = config_setting_get_string(s);

	if (v[0] != '/' || v[1] == '\0' || strchr(v + 1, '/')) {
		rb_cfg_error(
		    e, s, path,
		    "'%s' is not a POSIX shm name ('/' then 1..30 characters, no other '/')", v);
		return -1;
	}
	if (dst)
		snprintf(dst, f->size, "%s", v);
	return 0;
}

static int h_device(const config_setting_t *s, void *dst, const struct rb_schema_field *f,
		    const char *path, struct rb_cfg_err *e)
{
	const char *v = config_setting_get_string(s);

	for (const char *p = v; *p; p++)
		if (isspace((unsigned char)*p)) {
			rb_cfg_error(e, s, path, "'%s' contains white space", v);
			return -1;
		}
	if (dst)
		snprintf(dst, f->size, "%s", v);
	return 0;
}

static int h_hostport(const config_setting_t *s, void *dst, const struct rb_schema_field *f,
		      const char *path, struct rb_cfg_err *e)
{
	const char *v = config_setting_get_string(s);
	const char *why = rb_schema_hostport_error(v);

	if (why) {
		rb_cfg_error(e, s, path, "'%s': %s (want ADDR:PORT or [ADDR6]:PORT)", v, why);
		return -1;
	}
	if (dst)
		snprintf(dst, f->size, "%s", v);
	return 0;
}

/* A port name -> its index in dataplane.ports (ports are loaded first). */
static int h_port_ref(const config_setting_t *s, void *dst, const struct rb_schema_field *f,
		      const char *path, struct rb_cfg_err *e)
{
	const struct rb_config *cfg = e->ctx;
	const char *v = config_setting_get_string(s);
	char known[RB_MAX_PORTS * (RB_NAME_LEN + 2) + 1];
	size_t off = 0;

	(void)f;
	if (dst)
		*(int *)dst = -1;
	if (cfg == NULL)
		return 0;
	for (int i = 0; i < cfg->dp.n_ports; i++)
		if (cfg->dp.ports[i].name[0] && strcmp(cfg->dp.ports[i].name, v) == 0) {
			if (dst)
				*(int *)dst = i;
			return 0;
		}
	known[0] = '\0';
	for (int i = 0; i < cfg->dp.n_ports && off < sizeof(known); i++)
		if (cfg->dp.ports[i].name[0])
			off += (size_t)snprintf(known + off, sizeof(known) - off, "%s%s",
						off ? ", " : "", cfg->dp.ports[i].name);
	rb_cfg_error(e, s, path, "unknown port '%s' (ports: %s)", v, off ? known : "none");
	return -1;
}

static int h_mac(const config_setting_t *s, void *dst, const struct rb_schema_field *f,
		 const char *path, struct rb_cfg_err *e)
{
	const char *v = config_setting_get_string(s);
	uint8_t mac[6];

	(void)f;
	if (rb_schema_parse_mac(v, mac) != 0) {
		rb_cfg_error(e, s, path, "'%s' is not a MAC address (want aa:bb:cc:dd:ee:ff)", v);
		return -1;
	}
	if ((mac[0] & 1) || !(mac[0] | mac[1] | mac[2] | mac[3] | mac[4] | mac[5])) {
		rb_cfg_error(e, s, path, "'%s' is not a unicast MAC address", v);
		return -1;
	}
	if (dst)
		memcpy(dst, mac, 6);
	return 0;
}

/* clang-format off */
/* ------------------------------------------------------------------ tables */

static const struct rb_schema_field log_tbl[] = { /* base: struct rb_config */
	RB_SCHEMA_ENUM("level", struct rb_config, log.level, level_names, RB_LOG_INFO, 0),
	RB_SCHEMA_BOOL("timestamp", struct rb_config, log.timestamp, 0),
	RB_SCHEMA_STR("output", struct rb_config, log.output, 0, 0, "", 0),
	RB_SCHEMA_TABLE_END,
};

static const struct rb_schema_field cidr_el[] = {
	{.type = RB_SCHEMA_CIDR, .size = sizeof(struct rb_cidr)},
};

static const struct rb_schema_field port_tbl[] = {
	RB_SCHEMA_NAME_F("name", struct rb_cfg_port, name, RB_SF_REQUIRED),
	{.key = "device", .type = RB_SCHEMA_STRING, .flags = RB_SF_REQUIRED | RB_SF_NONEMPTY,
	 .offset = offsetof(struct rb_cfg_port, device), .size = RB_DEVICE_LEN,
	 .handler = h_device},
	RB_SCHEMA_INT("queues", struct rb_cfg_port, queues, 1, 16, 1, 0),
	RB_SCHEMA_INT("mtu", struct rb_cfg_port, mtu, 68, 9216, 1500, 0),
	RB_SCHEMA_INT("vlan", struct rb_cfg_port, vlan, 1, 4094, 0, 0),
	{.key = "addresses", .type = RB_SCHEMA_ARRAY, .max = RB_MAX_ADDRS,
	 .offset = offsetof(struct rb_cfg_port, addrs),
	 .count_off = offsetof(struct rb_cfg_port, n_addrs), .sub = cidr_el},
	RB_SCHEMA_LINE_F(struct rb_cfg_port, line),
	RB_SCHEMA_TABLE_END,
};

#define PORT_REF(T)                                                                       \
	{ .key = "port", .type = RB_SCHEMA_STRING, .flags = RB_SF_REQUIRED | RB_SF_NONEMPTY,  \
	  .max = RB_NAME_LEN - 1, .offset = offsetof(T, port), .size = sizeof(int),        \
	  .handler = h_port_ref }

static const struct rb_schema_field route_tbl[] = {
	RB_SCHEMA_CIDR_F("prefix", struct rb_cfg_route, prefix, RB_SF_REQUIRED | RB_SF_NET),
	RB_SCHEMA_CIDR_F("via", struct rb_cfg_route, via, RB_SF_HOST),
	PORT_REF(struct rb_cfg_route),
	RB_SCHEMA_LINE_F(struct rb_cfg_route, line),
	RB_SCHEMA_TABLE_END,
};

static const struct rb_schema_field neigh_tbl[] = {
	RB_SCHEMA_CIDR_F("ip", struct rb_cfg_neigh, ip, RB_SF_REQUIRED | RB_SF_HOST),
	{.key = "mac", .type = RB_SCHEMA_STRING, .flags = RB_SF_REQUIRED,
	 .offset = offsetof(struct rb_cfg_neigh, mac), .size = 6, .max = 17, .handler = h_mac},
	PORT_REF(struct rb_cfg_neigh),
	RB_SCHEMA_LINE_F(struct rb_cfg_neigh, line),
	RB_SCHEMA_TABLE_END,
};

static const struct rb_schema_field eal_arg_el[] = {
	{.type = RB_SCHEMA_STRING, .flags = RB_SF_DUP | RB_SF_NONEMPTY, .size = sizeof(char *),
	 .max = 255, .handler = h_eal_arg},
};

#define DP_INT(k, m, lo, hi, dflt) RB_SCHEMA_INT(k, struct rb_cfg_dataplane, m, lo, hi, dflt, 0)

/* dataplane.tcp: absent keys stay -1, the stack's own default
 * (dataplane/main.c applies the others to each worker's tcp_params) */
#define TCP_INT(k, lo, hi) RB_SCHEMA_INT(#k, struct rb_cfg_tcp, k, lo, hi, -1, 0)
#define TCP_BOOL(k) RB_SCHEMA_BOOL(#k, struct rb_cfg_tcp, k, -1)
#define TCP_ENUM(k, names) RB_SCHEMA_ENUM(#k, struct rb_cfg_tcp, k, names, -1, 0)

const char *const rb_cfg_tcp_cc_names[] = {RB_CFG_TCP_CC_NAMES, NULL};
const char *const rb_cfg_tcp_cookie_names[] = {RB_CFG_TCP_COOKIE_NAMES, NULL};

static const struct rb_schema_field tcp_tbl[] = {
	TCP_INT(sndbuf, 4096, 1 << 28),
	TCP_INT(rcvbuf, 4096, 1 << 28),
	TCP_INT(max_conns, 16, 1 << 24),
	TCP_INT(max_time_wait, 0, 1 << 24),
	TCP_INT(backlog, 1, 1 << 20),
	TCP_INT(rto_min_ms, 1, 60000),
	TCP_INT(rto_max_ms, 100, 600000),
	TCP_INT(rto_init_ms, 1, 60000),
	TCP_INT(delack_ms, 1, 500),
	TCP_INT(tlp_wcdelack_ms, 0, 1000),
	TCP_INT(tlp_slack_ms, 0, 1000),
	TCP_INT(keepalive_ms, 0, 86400000),
	TCP_INT(zc_tx, 0, 2),
	TCP_INT(mtu_probing, 0, 1),
	TCP_BOOL(sack),
	TCP_BOOL(timestamps),
	TCP_BOOL(tso),
	TCP_BOOL(rx_burst),
	TCP_BOOL(rd_burst),
	TCP_ENUM(congestion_control, rb_cfg_tcp_cc_names),
	TCP_ENUM(syn_cookies, rb_cfg_tcp_cookie_names),
	RB_SCHEMA_TABLE_END,
};

static const struct rb_schema_field dataplane_tbl[] = {
	{.key = "lcores", .type = RB_SCHEMA_CUSTOM, .offset = 0, .handler = h_lcores},
	DP_INT("main_cpu", main_cpu, 0, 1023, 0),
	{.key = "eal_args", .type = RB_SCHEMA_ARRAY, .max = RB_MAX_EAL_ARGS,
	 .offset = offsetof(struct rb_cfg_dataplane, eal_args),
	 .count_off = offsetof(struct rb_cfg_dataplane, n_eal_args), .sub = eal_arg_el},
	{.key = "mbufs", .type = RB_SCHEMA_INT, .min = 0, .max = 16777216,
	 .offset = offsetof(struct rb_cfg_dataplane, mbufs), .size = sizeof(uint32_t),
	 .handler = h_mbufs},
	DP_INT("burst", burst, 1, 64, 32),
	DP_INT("tx_drain_us", tx_drain_us, 1, 100000, 100),
	DP_INT("neigh_timeout_s", neigh_timeout_s, 1, 86400, 300),
	DP_INT("frag_max_flows", frag_max_flows, 1, 1048576, 4096),
	DP_INT("frag_timeout_ms", frag_timeout_ms, 1, 60000, 2000),
	DP_INT("icmp_rate", icmp_rate, 1, 1000000, 100),
	DP_INT("idle_sleep_us", idle_sleep_us, 0, 10000, 0),
	DP_INT("max_sessions", max_sessions, 16, 1 << 20, 16384),
	{.key = "tcp", .type = RB_SCHEMA_GROUP, .offset = offsetof(struct rb_cfg_dataplane, tcp),
	 .sub = tcp_tbl},
	{.key = "shm_name", .type = RB_SCHEMA_STRING, .min = 2,
	 .offset = offsetof(struct rb_cfg_dataplane, shm_name), .size = RB_NAME_LEN,
	 .def_str = "/ringbox", .handler = h_shm_name},
	{.key = "ports", .type = RB_SCHEMA_LIST, .flags = RB_SF_REQUIRED, .min = 1,
	 .max = RB_MAX_PORTS, .offset = offsetof(struct rb_cfg_dataplane, ports),
	 .size = sizeof(struct rb_cfg_port), .count_off = offsetof(struct rb_cfg_dataplane, n_ports),
	 .sub = port_tbl},
	{.key = "routes", .type = RB_SCHEMA_LIST, .flags = RB_SF_ALLOC, .max = RB_MAX_ROUTES,
	 .offset = offsetof(struct rb_cfg_dataplane, routes), .size = sizeof(struct rb_cfg_route),
	 .count_off = offsetof(struct rb_cfg_dataplane, n_routes), .sub = route_tbl},
	{.key = "neighbors", .type = RB_SCHEMA_LIST, .max = RB_MAX_NEIGHBORS,
	 .offset = offsetof(struct rb_cfg_dataplane, neighbors),
	 .size = sizeof(struct rb_cfg_neigh),
	 .count_off = offsetof(struct rb_cfg_dataplane, n_neighbors), .sub = neigh_tbl},
	RB_SCHEMA_TABLE_END,
};

static const struct rb_schema_field control_tbl[] = {
	RB_SCHEMA_STR("ctl_socket", struct rb_cfg_control, ctl_socket, 1, 0,
		      "/run/ringbox/ctl.sock", 0),
	{.key = "metrics_listen", .type = RB_SCHEMA_STRING, .min = 1,
	 .offset = offsetof(struct rb_cfg_control, metrics_listen),
	 .size = RB_SCHEMA_MEMBER_SIZE(struct rb_cfg_control, metrics_listen),
	 .def_str = "127.0.0.1:9273", .handler = h_hostport},
	RB_SCHEMA_TABLE_END,
};

#define SVC_PORT(k, m) RB_SCHEMA_INT(k, struct rb_cfg_service, m, 0, 65535, 0, 0)

static const struct rb_schema_field service_tbl[] = {
	{.key = "type", .type = RB_SCHEMA_STRING, .flags = RB_SF_REQUIRED,
	 .offset = offsetof(struct rb_cfg_service, type),
	 .size = RB_SCHEMA_MEMBER_SIZE(struct rb_cfg_service, type), .enums = service_types},
	RB_SCHEMA_STR("tag", struct rb_cfg_service, tag, 1, 0, "", 0),
	RB_SCHEMA_CIDR_F("listen", struct rb_cfg_service, listen, RB_SF_HOST),
	SVC_PORT("echo", echo_port),
	SVC_PORT("discard", discard_port),
	SVC_PORT("chargen", chargen_port),
	SVC_PORT("fetch", fetch_port),
	RB_SCHEMA_CIDR_F("fetch_server", struct rb_cfg_service, fetch_server, RB_SF_HOST),
	RB_SCHEMA_INT("fetch_server_port", struct rb_cfg_service, fetch_server_port, 1, 65535, 0,
		      0),
	RB_SCHEMA_LINE_F(struct rb_cfg_service, line),
	RB_SCHEMA_TABLE_END,
};

/* inbounds / outbounds / endpoints entries: type and tag here, the rest later. */
static const struct rb_schema_field tagged_tbl[] = {
	{.key = "type", .type = RB_SCHEMA_STRING, .flags = RB_SF_REQUIRED | RB_SF_NONEMPTY,
	 .max = 63},
	{.key = "tag", .type = RB_SCHEMA_STRING, .flags = RB_SF_REQUIRED | RB_SF_NONEMPTY,
	 .max = RB_NAME_LEN - 1},
	RB_SCHEMA_OTHER_KEYS,
	RB_SCHEMA_TABLE_END,
};

static const struct rb_schema_field open_tbl[] = {
	RB_SCHEMA_OTHER_KEYS,
	RB_SCHEMA_TABLE_END,
};

#define TAGGED(k)                                                                         \
	{ .key = (k), .type = RB_SCHEMA_LIST, .flags = RB_SF_NOSTORE, .max = 4096,          \
	  .sub = tagged_tbl }
#define OPEN_GROUP(k) { .key = (k), .type = RB_SCHEMA_GROUP, .flags = RB_SF_NOSTORE, .sub = open_tbl }

const struct rb_schema_field rb_cfg_root_tbl[] = {
	{.key = "log", .type = RB_SCHEMA_GROUP, .offset = 0, .sub = log_tbl},
	{.key = "dataplane", .type = RB_SCHEMA_GROUP, .flags = RB_SF_REQUIRED,
	 .offset = offsetof(struct rb_config, dp), .sub = dataplane_tbl},
	{.key = "control", .type = RB_SCHEMA_GROUP, .offset = offsetof(struct rb_config, control),
	 .sub = control_tbl},
	TAGGED("inbounds"),
	TAGGED("outbounds"),
	TAGGED("endpoints"),
	OPEN_GROUP("route"),
	OPEN_GROUP("dns"),
	{.key = "services", .type = RB_SCHEMA_LIST, .max = RB_MAX_SERVICES,
	 .offset = offsetof(struct rb_config, services), .size = sizeof(struct rb_cfg_service),
	 .count_off = offsetof(struct rb_config, n_services), .sub = service_tbl},
	RB_SCHEMA_TABLE_END,
};

/* The per-service-type port keys that must be enabled / distinct. */
/* clang-format on */
