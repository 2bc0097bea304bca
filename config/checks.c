/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Checks that span several keys, run after the schema walk: duplicate and
 * overlapping addresses, routes and neighbors against their ports, the
 * services' addresses and ports, tags unique across sections.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* qsort_r */
#endif
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

#define SVC_PORT(k, m) RB_SCHEMA_INT(k, struct rb_cfg_service, m, 0, 65535, 0, 0)

static const struct rb_schema_field diag_ports[] = {
    SVC_PORT("echo", echo_port),
    SVC_PORT("discard", discard_port),
    SVC_PORT("chargen", chargen_port),
    SVC_PORT("fetch", fetch_port),
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
							     "'%s')",
							     obuf, q->name);
						reported = 1;
					} else if (j != i && prefixes_overlap(a, b)) {
						rb_cfg_error(
						    e, as, path,
						    "%s overlaps %s on port '%s' (a subnet "
						    "belongs to one port)",
						    buf, obuf, q->name);
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

static int route_cmp(const void *a, const void *b, void *arg)
{
	const struct rb_cfg_route *r = arg, *x = &r[*(const int *)a], *y = &r[*(const int *)b];
	int c = memcmp(x->prefix.addr, y->prefix.addr, sizeof(x->prefix.addr));

	if (x->prefix.family != y->prefix.family)
		return x->prefix.family < y->prefix.family ? -1 : 1;
	if (x->prefix.plen != y->prefix.plen)
		return x->prefix.plen < y->prefix.plen ? -1 : 1;
	if (c)
		return c;
	return *(const int *)a - *(const int *)b; /* the first occurrence first */
}

/* Duplicate prefixes, by sorting (a table of RB_MAX_ROUTES is checked in O(n log n)). */
static void check_route_dups(const struct rb_cfg_dataplane *d, const config_t *c,
			     struct rb_cfg_err *e)
{
	char path[PATHLEN], buf[64];
	int *idx, first = 0;

	if (d->n_routes < 2)
		return;
	idx = malloc((size_t)d->n_routes * sizeof(*idx));
	if (idx == NULL) {
		rb_cfg_error(e, NULL, "dataplane.routes", "out of memory");
		return;
	}
	for (int i = 0; i < d->n_routes; i++)
		idx[i] = i;
	qsort_r(idx, (size_t)d->n_routes, sizeof(*idx), route_cmp, d->routes);
	for (int k = 1; k < d->n_routes; k++) {
		const struct rb_cfg_route *o = &d->routes[idx[first]], *r = &d->routes[idx[k]];
		int i = idx[k];

		if (r->prefix.family == 0 || r->prefix.family != o->prefix.family ||
		    r->prefix.plen != o->prefix.plen || !addr_equal(&r->prefix, &o->prefix)) {
			first = k;
			continue;
		}
		snprintf(path, sizeof(path), "dataplane.routes.[%d].prefix", i);
		rb_cfg_error(e, at(c, "dataplane.routes", i, "prefix"), path,
			     "duplicate route %s (also dataplane.routes.[%d], line %d)",
			     rb_cidr_format(&r->prefix, buf, sizeof(buf)), idx[first], o->line);
	}
	free(idx);
}

static void check_routes(struct rb_config *cfg, const config_t *c, struct rb_cfg_err *e)
{
	struct rb_cfg_dataplane *d = &cfg->dp;
	char path[PATHLEN], buf[64], list[512];

	check_route_dups(d, c, e);
	for (int i = 0; i < d->n_routes; i++) {
		struct rb_cfg_route *r = &d->routes[i];
		const struct rb_cfg_port *p;

		r->has_via = r->via.family != 0;
		if (r->prefix.family == 0)
			continue;
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
					     "dataplane.neighbors.[%d])",
					     buf, p->name, j);
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

/* fetch needs both fetch_server and fetch_server_port; they mean nothing without it. */
static void check_fetch(const struct rb_cfg_service *s, const config_t *c, int i,
			struct rb_cfg_err *e)
{
	int has_srv = s->fetch_server.family != 0, has_port = s->fetch_server_port != 0;
	char path[PATHLEN];

	if (s->fetch_port && (!has_srv || !has_port)) {
		snprintf(path, sizeof(path), "services.[%d].fetch", i);
		rb_cfg_error(e, at(c, "services", i, "fetch"), path,
			     "needs fetch_server and fetch_server_port");
	} else if (!s->fetch_port && (has_srv || has_port)) {
		const char *k = has_srv ? "fetch_server" : "fetch_server_port";

		snprintf(path, sizeof(path), "services.[%d].%s", i, k);
		rb_cfg_error(e, at(c, "services", i, k), path, "set without fetch (the trigger port)");
	}
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
						rb_cfg_error(
						    e, at(c, "services", i, diag_ports[k].key),
						    path, "port %u is also used by services.[%d]",
						    v, j);
					}
			}
		}
		if (!any && s->type[0]) {
			snprintf(path, sizeof(path), "services.[%d]", i);
			rb_cfg_error(e, at(c, "services", i, NULL), path,
				     "enables none of echo, discard, chargen, fetch (set a port)");
		}
		check_fetch(s, c, i, e);
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
	} * tags;
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
			const config_setting_t *ts = config_setting_is_group(el)
							 ? config_setting_get_member(el, "tag")
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

/* dataplane.tcp: the retransmission timeout bounds in order (RFC 6298 2:
 * the initial RTO and every later one lie between rto_min and rto_max);
 * a bound left out takes the stack's default (200 ms, 60 s). */
static void check_tcp(const struct rb_config *cfg, const config_t *c, struct rb_cfg_err *e)
{
	const struct rb_cfg_tcp *t = &cfg->dp.tcp;
	int32_t lo = t->rto_min_ms >= 0 ? t->rto_min_ms : 200;
	int32_t hi = t->rto_max_ms >= 0 ? t->rto_max_ms : 60000;

	if (t->rto_min_ms >= 0 && t->rto_min_ms > hi)
		rb_cfg_error(e, config_lookup(c, "dataplane.tcp.rto_min_ms"),
			     "dataplane.tcp.rto_min_ms", "%d is above rto_max_ms (%d)",
			     (int)t->rto_min_ms, (int)hi);
	else if (t->rto_max_ms >= 0 && t->rto_max_ms < lo)
		rb_cfg_error(e, config_lookup(c, "dataplane.tcp.rto_max_ms"),
			     "dataplane.tcp.rto_max_ms", "%d is below rto_min_ms (%d)",
			     (int)t->rto_max_ms, (int)lo);
	if (t->rto_init_ms >= 0 && (t->rto_init_ms < lo || t->rto_init_ms > hi))
		rb_cfg_error(e, config_lookup(c, "dataplane.tcp.rto_init_ms"),
			     "dataplane.tcp.rto_init_ms", "%d is outside rto_min_ms..rto_max_ms (%d..%d)",
			     (int)t->rto_init_ms, (int)lo, (int)hi);
}

void rb_cfg_cross_check(struct rb_config *cfg, const config_t *c, struct rb_cfg_err *e)
{
	check_tcp(cfg, c, e);
	check_ports(cfg, c, e);
	check_routes(cfg, c, e);
	check_neighbors(cfg, c, e);
	check_services(cfg, c, e);
	check_tags(cfg, c, e);
}
