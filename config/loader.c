/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * rb_config_load(): read a libconfig file, check it against the schema
 * tables below (walked by rb_schema_load, schema.c), then run the checks
 * that span several keys (duplicate and overlapping addresses, routes and
 * neighbours against their ports, unique tags).  Every problem is reported,
 * one line each; the config is accepted only when there are none.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <libconfig.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "rb_config.h"
#include "schema.h"

#define MAX_FILE_SIZE (16u << 20)
#define PATHLEN       256

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
			rb_cfg_error(e, el, ep, "expected a CPU id, got %s", rb_schema_type_name(t));
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
		int clash = owned[i][1] == '-' ? strncmp(v, owned[i], n) == 0 &&
							 (v[n] == '\0' || v[n] == '=')
					       : strncmp(v, owned[i], n) == 0;

		if (clash) {
			rb_cfg_error(e, s, path,
				     "'%s' conflicts with dataplane.lcores/main_cpu "
				     "(ringbox passes --lcores itself)", owned[i]);
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
		rb_cfg_error(e, s, path,
			     "'%s' is not a POSIX shm name ('/' then 1..30 characters, no other '/')",
			     v);
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

static const struct rb_schema_field root_tbl[] = {
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
static const struct rb_schema_field diag_ports[] = {
	SVC_PORT("echo", echo_port),
	SVC_PORT("discard", discard_port),
	SVC_PORT("chargen", chargen_port),
};

/* ------------------------------------------------------------ cross checks */

/* The setting for list[i].key (or list[i] when key is NULL), for line numbers. */
static const config_setting_t *at(const config_t *c, const char *list, int i, const char *key)
{
	const config_setting_t *l = config_lookup(c, list), *el;

	if (l == NULL || (el = config_setting_get_elem(l, (unsigned)i)) == NULL)
		return NULL;
	if (key == NULL)
		return el;
	return config_setting_get_member(el, key) ? config_setting_get_member(el, key) : el;
}

static int is_linklocal6(const struct rb_cidr *c)
{
	return c->family == AF_INET6 && c->addr[0] == 0xfe && (c->addr[1] & 0xc0) == 0x80;
}

static int addr_equal(const struct rb_cidr *a, const struct rb_cidr *b)
{
	size_t n = a->family == AF_INET ? 4 : 16;

	return a->family == b->family && memcmp(a->addr, b->addr, n) == 0;
}

static int prefixes_overlap(const struct rb_cidr *a, const struct rb_cidr *b)
{
	return rb_cidr_contains(a, b) || rb_cidr_contains(b, a);
}

/* Why a is unusable as an interface address, or NULL. */
static const char *ifaddr_problem(const struct rb_cidr *a)
{
	static const uint8_t zero[16], loop6[16] = {[15] = 1};

	if (a->family == AF_INET) {
		if (a->addr[0] == 0)
			return "is in 0.0.0.0/8";
		if (a->addr[0] == 127)
			return "is a loopback address";
		if (a->addr[0] >= 224)
			return "is a multicast or reserved address";
		if (a->plen <= 30 && rb_cidr_host_bits_zero(a))
			return "is the network address of its subnet";
		if (a->plen <= 30 && rb_cidr_host_bits_ones(a))
			return "is the broadcast address of its subnet";
		return NULL;
	}
	if (memcmp(a->addr, zero, 16) == 0)
		return "is the unspecified address";
	if (memcmp(a->addr, loop6, 16) == 0)
		return "is the loopback address";
	if (a->addr[0] == 0xff)
		return "is a multicast address";
	if (a->plen < 127 && rb_cidr_host_bits_zero(a))
		return "is the subnet-router anycast address of its prefix";
	return NULL;
}

static void check_ports(const struct rb_config *cfg, const config_t *c, struct rb_cfg_err *e)
{
	const struct rb_cfg_dataplane *d = &cfg->dp;
	char path[PATHLEN], buf[64], obuf[64];

	for (int i = 0; i < d->n_ports; i++) {
		const struct rb_cfg_port *p = &d->ports[i];

		for (int j = 0; j < i; j++) {
			const struct rb_cfg_port *q = &d->ports[j];

			if (p->name[0] && strcmp(p->name, q->name) == 0) {
				snprintf(path, sizeof(path), "dataplane.ports.[%d].name", i);
				rb_cfg_error(e, at(c, "dataplane.ports", i, "name"), path,
					     "duplicate port name '%s' (also dataplane.ports.[%d])",
					     p->name, j);
			}
			if (p->device[0] && strcmp(p->device, q->device) == 0) {
				snprintf(path, sizeof(path), "dataplane.ports.[%d].device", i);
				rb_cfg_error(e, at(c, "dataplane.ports", i, "device"), path,
					     "device '%s' is already used by port '%s'", p->device,
					     q->name);
			}
		}
		for (int k = 0; k < p->n_addrs; k++) {
			const struct rb_cidr *a = &p->addrs[k];
			const config_setting_t *as = config_lookup(c, "dataplane.ports");
			const char *why;
			int reported = 0;

			if (a->family == 0)
				continue;
			as = as ? config_setting_get_elem(as, (unsigned)i) : NULL;
			as = as ? config_setting_get_member(as, "addresses") : NULL;
			as = as ? config_setting_get_elem(as, (unsigned)k) : NULL;
			snprintf(path, sizeof(path), "dataplane.ports.[%d].addresses.[%d]", i, k);
			rb_cidr_format(a, buf, sizeof(buf));
			if ((why = ifaddr_problem(a)) != NULL) {
				rb_cfg_error(e, as, path, "%s %s", buf, why);
				continue;
			}
			/* Against every earlier address, on this port and the others. */
			for (int j = 0; j <= i && !reported; j++) {
				const struct rb_cfg_port *q = &d->ports[j];

				for (int m = 0; m < (j == i ? k : q->n_addrs) && !reported; m++) {
					const struct rb_cidr *b = &q->addrs[m];

					if (b->family != a->family)
						continue;
					rb_cidr_format(b, obuf, sizeof(obuf));
					if (addr_equal(a, b)) {
						struct rb_cidr h = *a;

						h.plen = a->family == AF_INET ? 32 : 128;
						rb_cidr_format(&h, obuf, sizeof(obuf));
						rb_cfg_error(e, as, path,
							     "duplicate address %s (also on port "
							     "'%s')", obuf, q->name);
						reported = 1;
					} else if (j != i && prefixes_overlap(a, b)) {
						rb_cfg_error(e, as, path,
							     "%s overlaps %s on port '%s' (a subnet "
							     "belongs to one port)", buf, obuf,
							     q->name);
						reported = 1;
					}
				}
			}
		}
	}
}

/* Is a on-link for port p: inside one of its subnets, or IPv6 link-local? */
static int on_link(const struct rb_cfg_port *p, const struct rb_cidr *a)
{
	if (is_linklocal6(a))
		return 1;
	for (int i = 0; i < p->n_addrs; i++)
		if (rb_cidr_contains(&p->addrs[i], a))
			return 1;
	return 0;
}

static int is_own_addr(const struct rb_cfg_dataplane *d, const struct rb_cidr *a)
{
	for (int i = 0; i < d->n_ports; i++)
		for (int k = 0; k < d->ports[i].n_addrs; k++)
			if (addr_equal(&d->ports[i].addrs[k], a))
				return 1;
	return 0;
}

static void subnets(const struct rb_cfg_port *p, int family, char *out, size_t len)
{
	size_t off = 0;
	char b[64];

	out[0] = '\0';
	for (int i = 0; i < p->n_addrs && off < len; i++) {
		struct rb_cidr n, m;
		int dup = 0;

		if (p->addrs[i].family != family)
			continue;
		rb_cidr_network(&p->addrs[i], &n);
		for (int j = 0; j < i && !dup; j++) {
			rb_cidr_network(&p->addrs[j], &m);
			dup = m.family == n.family && m.plen == n.plen && addr_equal(&m, &n);
		}
		if (dup)
			continue;
		off += (size_t)snprintf(out + off, len - off, "%s%s", off ? ", " : "",
					rb_cidr_format(&n, b, sizeof(b)));
	}
	if (off == 0)
		snprintf(out, len, "none of this family");
}

static void check_routes(struct rb_config *cfg, const config_t *c, struct rb_cfg_err *e)
{
	struct rb_cfg_dataplane *d = &cfg->dp;
	char path[PATHLEN], buf[64], list[512];

	for (int i = 0; i < d->n_routes; i++) {
		struct rb_cfg_route *r = &d->routes[i];
		const struct rb_cfg_port *p;

		r->has_via = r->via.family != 0;
		if (r->prefix.family == 0)
			continue;
		for (int j = 0; j < i; j++) {
			const struct rb_cfg_route *o = &d->routes[j];

			if (o->prefix.family == r->prefix.family && o->prefix.plen == r->prefix.plen &&
			    addr_equal(&o->prefix, &r->prefix)) {
				snprintf(path, sizeof(path), "dataplane.routes.[%d].prefix", i);
				rb_cfg_error(e, at(c, "dataplane.routes", i, "prefix"), path,
					     "duplicate route %s (also dataplane.routes.[%d], line %d)",
					     rb_cidr_format(&r->prefix, buf, sizeof(buf)), j, o->line);
				break;
			}
		}
		if (!r->has_via || r->port < 0 || r->port >= d->n_ports)
			continue;
		p = &d->ports[r->port];
		snprintf(path, sizeof(path), "dataplane.routes.[%d].via", i);
		rb_cidr_format(&r->via, buf, sizeof(buf));
		if (r->via.family != r->prefix.family) {
			rb_cfg_error(e, at(c, "dataplane.routes", i, "via"), path,
				     "%s is %s but the prefix is %s", buf,
				     r->via.family == AF_INET ? "IPv4" : "IPv6",
				     r->prefix.family == AF_INET ? "IPv4" : "IPv6");
		} else if (is_own_addr(d, &r->via)) {
			rb_cfg_error(e, at(c, "dataplane.routes", i, "via"), path,
				     "%s is one of our own addresses", buf);
		} else if (!on_link(p, &r->via)) {
			subnets(p, r->via.family, list, sizeof(list));
			rb_cfg_error(e, at(c, "dataplane.routes", i, "via"), path,
				     "%s is not on-link for port '%s' (its subnets: %s)", buf,
				     p->name, list);
		}
	}
}

static void check_neighbors(const struct rb_config *cfg, const config_t *c, struct rb_cfg_err *e)
{
	const struct rb_cfg_dataplane *d = &cfg->dp;
	char path[PATHLEN], buf[64], list[512];

	for (int i = 0; i < d->n_neighbors; i++) {
		const struct rb_cfg_neigh *n = &d->neighbors[i];
		const struct rb_cfg_port *p;

		if (n->ip.family == 0 || n->port < 0 || n->port >= d->n_ports)
			continue;
		p = &d->ports[n->port];
		snprintf(path, sizeof(path), "dataplane.neighbors.[%d].ip", i);
		rb_cidr_format(&n->ip, buf, sizeof(buf));
		if (is_own_addr(d, &n->ip)) {
			rb_cfg_error(e, at(c, "dataplane.neighbors", i, "ip"), path,
				     "%s is one of our own addresses", buf);
			continue;
		}
		if (!on_link(p, &n->ip)) {
			subnets(p, n->ip.family, list, sizeof(list));
			rb_cfg_error(e, at(c, "dataplane.neighbors", i, "ip"), path,
				     "%s is not on-link for port '%s' (its subnets: %s)", buf,
				     p->name, list);
			continue;
		}
		for (int j = 0; j < i; j++) {
			const struct rb_cfg_neigh *o = &d->neighbors[j];

			if (o->port == n->port && addr_equal(&o->ip, &n->ip)) {
				rb_cfg_error(e, at(c, "dataplane.neighbors", i, "ip"), path,
					     "duplicate neighbor %s on port '%s' (also "
					     "dataplane.neighbors.[%d])", buf, p->name, j);
				break;
			}
		}
	}
}

static uint16_t svc_port(const struct rb_cfg_service *s, int k)
{
	uint16_t v;

	memcpy(&v, (const uint8_t *)s + diag_ports[k].offset, sizeof(v));
	return v;
}

static void check_services(struct rb_config *cfg, const config_t *c, struct rb_cfg_err *e)
{
	const int nk = (int)(sizeof(diag_ports) / sizeof(diag_ports[0]));
	char path[PATHLEN], buf[64];

	for (int i = 0; i < cfg->n_services; i++) {
		struct rb_cfg_service *s = &cfg->services[i];
		int any = 0;

		if (s->tag[0] == '\0' && s->type[0]) {
			char type[sizeof(s->type)];

			memcpy(type, s->type, sizeof(type));
			type[sizeof(type) - 1] = '\0';
			snprintf(s->tag, sizeof(s->tag), "%s%d", type, i);
		}
		snprintf(path, sizeof(path), "services.[%d]", i);
		if (s->listen.family && !is_own_addr(&cfg->dp, &s->listen)) {
			snprintf(path, sizeof(path), "services.[%d].listen", i);
			rb_cfg_error(e, at(c, "services", i, "listen"), path,
				     "%s is not an address of any port",
				     rb_cidr_format(&s->listen, buf, sizeof(buf)));
		}
		for (int k = 0; k < nk; k++) {
			uint16_t v = svc_port(s, k);

			any |= v != 0;
			for (int m = 0; v && m < k; m++)
				if (svc_port(s, m) == v) {
					snprintf(path, sizeof(path), "services.[%d].%s", i,
						 diag_ports[k].key);
					rb_cfg_error(e, at(c, "services", i, diag_ports[k].key),
						     path, "port %u is also used by %s", v,
						     diag_ports[m].key);
				}
			/* The same port in another service on the same address. */
			for (int j = 0; v && j < i; j++) {
				const struct rb_cfg_service *o = &cfg->services[j];

				if (o->listen.family && s->listen.family &&
				    !addr_equal(&o->listen, &s->listen))
					continue;
				for (int m = 0; m < nk; m++)
					if (svc_port(o, m) == v) {
						snprintf(path, sizeof(path), "services.[%d].%s", i,
							 diag_ports[k].key);
						rb_cfg_error(e,
							     at(c, "services", i, diag_ports[k].key),
							     path, "port %u is also used by services.[%d]",
							     v, j);
					}
			}
		}
		if (!any && s->type[0]) {
			snprintf(path, sizeof(path), "services.[%d]", i);
			rb_cfg_error(e, at(c, "services", i, NULL), path,
				     "enables none of echo, discard, chargen (set a port)");
		}
	}
}

/* Tags are unique across inbounds, outbounds, endpoints and services. */
static void check_tags(const struct rb_config *cfg, const config_t *c, struct rb_cfg_err *e)
{
	static const char *const lists[] = {"inbounds", "outbounds", "endpoints", "services"};
	struct tag {
		const char *tag;
		const config_setting_t *s;
		char where[48];
	} *tags;
	int n = 0, cap = 0;
	char path[PATHLEN];

	(void)cfg;
	for (int l = 0; l < 4; l++) {
		const config_setting_t *ls = config_lookup(c, lists[l]);

		cap += ls && config_setting_is_list(ls) ? config_setting_length(ls) : 0;
	}
	if (cap == 0)
		return;
	tags = calloc((size_t)cap, sizeof(*tags));
	if (tags == NULL) {
		rb_cfg_error(e, NULL, "", "out of memory");
		return;
	}
	for (int l = 0; l < 4; l++) {
		const config_setting_t *ls = config_lookup(c, lists[l]);
		int len = ls && config_setting_is_list(ls) ? config_setting_length(ls) : 0;

		for (int i = 0; i < len; i++) {
			const config_setting_t *el = config_setting_get_elem(ls, (unsigned)i);
			const config_setting_t *ts =
				config_setting_is_group(el) ? config_setting_get_member(el, "tag")
							    : NULL;
			const char *t;

			if (ts == NULL || (t = config_setting_get_string(ts)) == NULL || !*t)
				continue;
			snprintf(path, sizeof(path), "%s.[%d].tag", lists[l], i);
			for (int j = 0; j < n; j++)
				if (strcmp(tags[j].tag, t) == 0) {
					rb_cfg_error(e, ts, path, "duplicate tag '%s' (also %s)", t,
						     tags[j].where);
					break;
				}
			tags[n].tag = t;
			tags[n].s = ts;
			snprintf(tags[n].where, sizeof(tags[n].where), "%s.[%d]", lists[l], i);
			n++;
		}
	}
	free(tags);
}

/*
 * libconfig 1.5 silently truncates integer literals that do not fit in 32
 * bits (4294968796 reads as 1500), so find them in the text first.  The scan
 * follows libconfig's lexer: comments (#, //, / * * /), strings, names.
 */
static void check_int_literals(const char *t, struct rb_cfg_err *e)
{
	unsigned line = 1;

	while (*t) {
		if (*t == '\n') {
			line++;
			t++;
		} else if (*t == '#' || (t[0] == '/' && t[1] == '/')) {
			while (*t && *t != '\n')
				t++;
		} else if (t[0] == '/' && t[1] == '*') {
			for (t += 2; *t && !(t[0] == '*' && t[1] == '/'); t++)
				line += *t == '\n';
			t += *t ? 2 : 0;
		} else if (*t == '"') {
			for (t++; *t && *t != '"'; t++) {
				if (*t == '\\' && t[1])
					t++;
				line += *t == '\n';
			}
			t += *t ? 1 : 0;
		} else if (isalpha((unsigned char)*t) || *t == '*') {
			while (isalnum((unsigned char)*t) || *t == '-' || *t == '_' || *t == '*')
				t++;
		} else if (isdigit((unsigned char)*t) ||
			   ((*t == '-' || *t == '+') && (isdigit((unsigned char)t[1]) || t[1] == '.'))) {
			const char *s = t;
			char tok[64];
			size_t n;
			int hex, flt = 0, big = 0;

			t++;
			hex = s[0] == '0' && (s[1] == 'x' || s[1] == 'X');
			while (isalnum((unsigned char)*t) || *t == '.' ||
			       ((*t == '-' || *t == '+') && !hex && (t[-1] == 'e' || t[-1] == 'E')))
				t++;
			n = (size_t)(t - s);
			if (n >= sizeof(tok)) {
				big = 1;
			} else {
				memcpy(tok, s, n);
				tok[n] = '\0';
				flt = !hex && strpbrk(tok, ".eE") != NULL;
			}
			if (!flt && !big) {
				int l64 = tok[n - 1] == 'L';
				char *end;
				long long v;
				unsigned long long u;

				errno = 0;
				if (hex) {
					u = strtoull(tok + 2, &end, 16);
					big = errno == ERANGE || (!l64 && u > INT32_MAX);
				} else {
					v = strtoll(tok, &end, 10);
					big = errno == ERANGE ||
					      (!l64 && (v > INT32_MAX || v < INT32_MIN));
				}
			}
			if (big)
				rb_cfg_error_at(e, NULL, line, "",
						"integer %.*s does not fit in 32 bits (libconfig "
						"would truncate it)", (int)(n > 40 ? 40 : n), s);
		} else {
			t++;
		}
	}
}

/* ------------------------------------------------------------------ public */

struct msg {
	unsigned line;
	int idx;
	char *text;
};

static int msg_cmp(const void *a, const void *b)
{
	const struct msg *x = a, *y = b;

	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	return x->idx - y->idx;
}

/* The LINE of "FILE:LINE: ..." (0 when there is none). */
static unsigned msg_line(const char *s)
{
	for (const char *p = strchr(s, ':'); p; p = strchr(p + 1, ':')) {
		const char *q = p + 1;
		unsigned v = 0;

		while (isdigit((unsigned char)*q))
			v = v * 10 + (unsigned)(*q++ - '0');
		if (q > p + 1 && *q == ':')
			return v;
		if (p[1] == ' ')
			return 0;
	}
	return 0;
}

/* Write the collected error lines to out, in line order (stable). */
static void flush_sorted(char *buf, size_t len, FILE *out)
{
	struct msg *m;
	int n = 0, k = 0;
	char *save = NULL;

	for (size_t i = 0; i < len; i++)
		n += buf[i] == '\n';
	m = n ? calloc((size_t)n, sizeof(*m)) : NULL;
	if (m == NULL) {
		fwrite(buf, 1, len, out);
		return;
	}
	for (char *l = strtok_r(buf, "\n", &save); l && k < n; l = strtok_r(NULL, "\n", &save)) {
		m[k].line = msg_line(l);
		m[k].idx = k;
		m[k].text = l;
		k++;
	}
	qsort(m, (size_t)k, sizeof(*m), msg_cmp);
	for (int i = 0; i < k; i++)
		fprintf(out, "%s\n", m[i].text);
	free(m);
}

static int load_text(struct rb_config *cfg, const char *text, const char *name,
		     const char *include_dir, FILE *err)
{
	struct rb_cfg_err e = RB_CFG_ERR_INIT(err, name);
	char *mbuf = NULL;
	size_t mlen = 0;
	config_t *c;
	int rc;

	e.ctx = cfg;
	c = malloc(sizeof(*c));
	if (c == NULL) {
		rb_cfg_error(&e, NULL, "", "out of memory");
		return -1;
	}
	config_init(c);
	if (include_dir)
		config_set_include_dir(c, include_dir);
	e.include_dir = include_dir;
	if (config_read_string(c, text) != CONFIG_TRUE) {
		const char *f = config_error_file(c);
		int rel = f && f[0] != '/' && include_dir && strcmp(include_dir, ".") != 0;

		if (err)
			fprintf(err, "%s%s%s:%d: %s\n", rel ? include_dir : "", rel ? "/" : "",
				f ? f : name, config_error_line(c), config_error_text(c));
		config_destroy(c);
		free(c);
		return -1;
	}
	cfg->tree = c;
	if (err)
		e.out = open_memstream(&mbuf, &mlen);
	if (err && e.out == NULL)
		e.out = err;
	check_int_literals(text, &e);
	rb_schema_load(config_root_setting(c), root_tbl, cfg, "", &e);
	check_ports(cfg, c, &e);
	check_routes(cfg, c, &e);
	check_neighbors(cfg, c, &e);
	check_services(cfg, c, &e);
	check_tags(cfg, c, &e);
	rc = e.count ? -1 : 0;
	if (e.out && e.out != err) {
		fclose(e.out);
		flush_sorted(mbuf, mlen, err);
		free(mbuf);
	}
	return rc;
}

int rb_config_load_string(struct rb_config *cfg, const char *text, const char *name, FILE *err)
{
	memset(cfg, 0, sizeof(*cfg));
	if (name == NULL)
		name = "<string>";
	snprintf(cfg->path, sizeof(cfg->path), "%s", name);
	if (text == NULL)
		text = "";
	if (load_text(cfg, text, name, NULL, err) != 0) {
		rb_config_free(cfg);
		return -1;
	}
	return 0;
}

int rb_config_load(struct rb_config *cfg, const char *path, FILE *err)
{
	char *buf = NULL, *dir, *slash;
	size_t len = 0, cap = 0;
	FILE *f;
	int rc;

	memset(cfg, 0, sizeof(*cfg));
	if (path == NULL)
		return rb_config_load_string(cfg, rb_config_default, "<default>", err);
	f = fopen(path, "r");
	if (f == NULL) {
		if (err)
			fprintf(err, "%s: cannot open: %s\n", path, strerror(errno));
		return -1;
	}
	for (;;) {
		size_t n;

		if (cap - len < 4096) {
			char *nb;

			cap = cap ? cap * 2 : 8192;
			if (cap > MAX_FILE_SIZE + 8192 || (nb = realloc(buf, cap)) == NULL) {
				if (err)
					fprintf(err, "%s: file is too large (over %u bytes)\n", path,
						MAX_FILE_SIZE);
				goto fail;
			}
			buf = nb;
		}
		n = fread(buf + len, 1, cap - len - 1, f);
		len += n;
		if (n == 0)
			break;
	}
	if (ferror(f)) {
		if (err)
			fprintf(err, "%s: cannot read: %s\n", path, strerror(errno));
		goto fail;
	}
	buf[len] = '\0';
	if (memchr(buf, '\0', len) != NULL) {
		if (err)
			fprintf(err, "%s: contains a NUL byte (not a text file?)\n", path);
		goto fail;
	}
	fclose(f);
	f = NULL;
	snprintf(cfg->path, sizeof(cfg->path), "%s", path);
	dir = strdup(path);
	if (dir == NULL)
		goto fail;
	slash = strrchr(dir, '/');
	if (slash)
		slash[slash == dir ? 1 : 0] = '\0';
	rc = load_text(cfg, buf, path, slash ? dir : ".", err);
	free(dir);
	free(buf);
	if (rc != 0) {
		rb_config_free(cfg);
		return -1;
	}
	return 0;
fail:
	if (f)
		fclose(f);
	free(buf);
	memset(cfg, 0, sizeof(*cfg));
	return -1;
}

void rb_config_free(struct rb_config *cfg)
{
	if (cfg == NULL)
		return;
	rb_schema_free(root_tbl, cfg);
	if (cfg->tree) {
		config_destroy(cfg->tree);
		free(cfg->tree);
	}
	memset(cfg, 0, sizeof(*cfg));
}
