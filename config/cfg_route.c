/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * `route` and `dns` (rb_cfg_route.h): schema tables for rb_schema_load,
 * handlers for sing-box's "listable" fields (a scalar or a list), and the
 * cross checks the schema cannot express (which items a logical rule may
 * carry, which keys an action takes, inbound/outbound tags that exist).
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <libconfig.h>
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "rb_cfg_route.h"
#include "rb_cfg_wg.h"
#include "schema.h"

#define PATHLEN 256
#define MAX_LIST 1000000 /* entries in one listable field */

/* Same numbering as enum rb_sniff_proto (dataplane/proxy/rb_route_api.h);
 * names past "dns" are sing-box's other sniffers, accepted but never seen. */
const char *const rb_rule_protocol_names[] = {
	"", "tls", "http", "quic", "dns", "bittorrent", "dtls", "ssh", "rdp", "stun", "ntp",
	NULL,
};

/* Same numbering as enum rb_resolve_strategy (index 0 = default). */
const char *const rb_resolve_strategy_names[] = {
	"", "prefer_ipv4", "prefer_ipv6", "ipv4_only", "ipv6_only", NULL,
};

static const char *const rule_types[] = {"default", "logical", NULL};
static const char *const rule_modes[] = {"and", "or", NULL};
static const char *const actions[] = {"route", "reject", "sniff", "resolve", "route-options", NULL};
static const char *const reject_methods[] = {"default", "drop", NULL};
static const char *const networks[] = {"tcp", "udp", "icmp", NULL};
static const char *const dns_types[] = {"udp", NULL};

/* ------------------------------------------------------------ helpers */

static int name_index(const char *const *names, const char *s)
{
	for (int i = 0; names[i]; i++)
		if (names[i][0] && strcmp(names[i], s) == 0)
			return i;
	return -1;
}

static void list_names(const char *const *names, char *buf, size_t len)
{
	size_t n = 0;

	buf[0] = 0;
	for (int i = 0; names[i] && n < len; i++)
		if (names[i][0])
			n += (size_t)snprintf(buf + n, len - n, "%s%s", n ? ", " : "", names[i]);
}

/* Elements of a listable setting: a scalar counts as a list of one. */
static int elems(const config_setting_t *s)
{
	if (config_setting_is_array(s) || config_setting_is_list(s))
		return config_setting_length(s);
	return 1;
}

static const config_setting_t *elem(const config_setting_t *s, int i, char *p, size_t plen,
				    const char *path)
{
	if (config_setting_is_array(s) || config_setting_is_list(s)) {
		rb_schema_path_idx(p, plen, path, i);
		return config_setting_get_elem(s, (unsigned)i);
	}
	snprintf(p, plen, "%s", path);
	return s;
}

static const char *elem_str(const config_setting_t *el, const char *path, struct rb_cfg_err *e)
{
	const char *v = config_setting_type(el) == CONFIG_TYPE_STRING
				? config_setting_get_string(el)
				: NULL;

	if (v == NULL) {
		rb_cfg_error(e, el, path, "expected a string, got %s",
			     rb_schema_type_name(config_setting_type(el)));
		return NULL;
	}
	if (!*v) {
		rb_cfg_error(e, el, path, "must not be empty");
		return NULL;
	}
	return v;
}

static int too_many(const config_setting_t *s, int n, const char *path, struct rb_cfg_err *e)
{
	if (n > MAX_LIST) {
		rb_cfg_error(e, s, path, "has %d entries, at most %d allowed", n, MAX_LIST);
		return 1;
	}
	return 0;
}

/* ------------------------------------------------------------ handlers */

/* A domain name as rule items take it: 1..253 characters of [a-z0-9.-_*],
 * no empty label; stored lower-case.  Suffixes may begin with one dot. */
static const char *domain_error(const char *v, int suffix)
{
	size_t n = strlen(v), lab = 0;

	if (suffix && v[0] == '.')
		v++, n--;
	if (n == 0 || n > 253)
		return "is not a domain name (1..253 characters)";
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)v[i];

		if (c == '.') {
			if (lab == 0)
				return "has an empty label";
			lab = 0;
			continue;
		}
		if (!isalnum(c) && c != '-' && c != '_' && c != '*')
			return "has a character that is not allowed in a domain name";
		if (++lab > 63)
			return "has a label longer than 63 characters";
	}
	return NULL;
}

static char *lowdup(const char *v)
{
	char *d = strdup(v);

	for (char *p = d; p && *p; p++)
		*p = (char)tolower((unsigned char)*p);
	return d;
}

enum str_kind { SK_ANY, SK_DOMAIN, SK_SUFFIX, SK_KEYWORD, SK_REGEX, SK_ENUM };

static int strs_common(const config_setting_t *s, void *dst, const struct rb_schema_field *f,
		       const char *path, struct rb_cfg_err *e, enum str_kind kind)
{
	struct rb_cfg_strs *out = dst;
	int n, bad = 0;
	char p[PATHLEN];

	if (s == NULL) {
		if (out)
			memset(out, 0, sizeof(*out));
		return 0;
	}
	n = elems(s);
	if (too_many(s, n, path, e))
		return -1;
	if (n == 0) {
		rb_cfg_error(e, s, path, "must not be empty");
		return -1;
	}
	if (out) {
		out->v = calloc((size_t)n, sizeof(char *));
		out->n = 0;
		if (!out->v) {
			rb_cfg_error(e, s, path, "out of memory");
			return -1;
		}
	}
	for (int i = 0; i < n; i++) {
		const config_setting_t *el = elem(s, i, p, sizeof(p), path);
		const char *v = elem_str(el, p, e), *why = NULL;
		char names[200];

		if (v == NULL) {
			bad = -1;
			continue;
		}
		switch (kind) {
		case SK_DOMAIN: why = domain_error(v, 0); break;
		case SK_SUFFIX: why = domain_error(v, 1); break;
		case SK_KEYWORD:
			if (strlen(v) > 253)
				why = "is longer than 253 characters";
			break;
		case SK_REGEX: {
			int ec;
			PCRE2_SIZE off;
			pcre2_code *re = pcre2_compile((PCRE2_SPTR)v, PCRE2_ZERO_TERMINATED, 0, &ec,
						       &off, NULL);

			if (re == NULL) {
				PCRE2_UCHAR msg[160];

				pcre2_get_error_message(ec, msg, sizeof(msg));
				rb_cfg_error(e, el, p, "regex \"%.64s\" at offset %zu: %s", v,
					     (size_t)off, (char *)msg);
				bad = -1;
				continue;
			}
			pcre2_code_free(re);
			break;
		}
		case SK_ENUM:
			if (name_index(f->enums, v) < 0) {
				list_names(f->enums, names, sizeof(names));
				rb_cfg_error(e, el, p, "unknown value \"%.64s\" (one of %s)", v,
					     names);
				bad = -1;
				continue;
			}
			break;
		default: break;
		}
		if (why) {
			rb_cfg_error(e, el, p, "\"%.64s\" %s", v, why);
			bad = -1;
			continue;
		}
		if (out) {
			out->v[out->n] = kind == SK_REGEX || kind == SK_ANY ? strdup(v) : lowdup(v);
			if (!out->v[out->n]) {
				rb_cfg_error(e, el, p, "out of memory");
				return -1;
			}
			out->n++;
		}
	}
	return bad;
}

#define STRS_HANDLER(name, kind)                                                           \
	static int name(const config_setting_t *s, void *dst, const struct rb_schema_field *f, \
			const char *path, struct rb_cfg_err *e)                                \
	{                                                                                  \
		return strs_common(s, dst, f, path, e, kind);                              \
	}
STRS_HANDLER(h_strs, SK_ANY)
STRS_HANDLER(h_domains, SK_DOMAIN)
STRS_HANDLER(h_suffixes, SK_SUFFIX)
STRS_HANDLER(h_keywords, SK_KEYWORD)
STRS_HANDLER(h_regexes, SK_REGEX)
STRS_HANDLER(h_enum_strs, SK_ENUM)

static int h_cidrs(const config_setting_t *s, void *dst, const struct rb_schema_field *f,
		   const char *path, struct rb_cfg_err *e)
{
	struct rb_cfg_cidrs *out = dst;
	char p[PATHLEN];
	int n, bad = 0;

	(void)f;
	if (s == NULL) {
		if (out)
			memset(out, 0, sizeof(*out));
		return 0;
	}
	n = elems(s);
	if (too_many(s, n, path, e))
		return -1;
	if (n == 0) {
		rb_cfg_error(e, s, path, "must not be empty");
		return -1;
	}
	if (out) {
		out->n = 0;
		out->v = calloc((size_t)n, sizeof(*out->v));
		if (!out->v) {
			rb_cfg_error(e, s, path, "out of memory");
			return -1;
		}
	}
	for (int i = 0; i < n; i++) {
		const config_setting_t *el = elem(s, i, p, sizeof(p), path);
		const char *v = elem_str(el, p, e), *why;
		struct rb_cidr c;

		if (v == NULL) {
			bad = -1;
			continue;
		}
		why = rb_cidr_error(v);
		if (why || rb_cidr_parse(v, &c) < 0) {
			rb_cfg_error(e, el, p, "\"%.64s\": %s", v, why ? why : "not a CIDR");
			bad = -1;
			continue;
		}
		/* sing-box (netip.Prefix.Masked) ignores host bits: so do we. */
		if (out) {
			rb_cidr_network(&c, &out->v[out->n]);
			out->n++;
		}
	}
	return bad;
}

static int store_range(struct rb_cfg_ports *out, long lo, long hi)
{
	out->v[out->n][0] = (uint16_t)lo;
	out->v[out->n][1] = (uint16_t)hi;
	out->n++;
	return 0;
}

/* port / source_port: integers 0..65535; *_range: "lo:hi", ":hi", "lo:". */
static int ports_common(const config_setting_t *s, void *dst, const char *path,
			struct rb_cfg_err *e, int range)
{
	struct rb_cfg_ports *out = dst;
	char p[PATHLEN];
	int n, bad = 0;

	if (s == NULL) {
		if (out)
			memset(out, 0, sizeof(*out));
		return 0;
	}
	n = elems(s);
	if (too_many(s, n, path, e))
		return -1;
	if (n == 0) {
		rb_cfg_error(e, s, path, "must not be empty");
		return -1;
	}
	if (out) {
		out->n = 0;
		out->v = calloc((size_t)n, sizeof(*out->v));
		if (!out->v) {
			rb_cfg_error(e, s, path, "out of memory");
			return -1;
		}
	}
	for (int i = 0; i < n; i++) {
		const config_setting_t *el = elem(s, i, p, sizeof(p), path);
		long lo = 0, hi = 65535;

		if (!range) {
			int t = config_setting_type(el);

			if (t != CONFIG_TYPE_INT && t != CONFIG_TYPE_INT64) {
				rb_cfg_error(e, el, p, "expected an integer, got %s",
					     rb_schema_type_name(t));
				bad = -1;
				continue;
			}
			lo = hi = (long)config_setting_get_int64(el);
			if (lo < 0 || lo > 65535) {
				rb_cfg_error(e, el, p, "%ld is out of range 0..65535", lo);
				bad = -1;
				continue;
			}
		} else {
			const char *v = elem_str(el, p, e), *colon;
			char *end;

			if (v == NULL) {
				bad = -1;
				continue;
			}
			colon = strchr(v, ':');
			if (!colon || strchr(colon + 1, ':')) {
				rb_cfg_error(e, el, p, "\"%.32s\" is not a range \"LO:HI\"", v);
				bad = -1;
				continue;
			}
			if (colon != v) {
				errno = 0;
				lo = strtol(v, &end, 10);
				if (end != colon || errno || lo < 0 || lo > 65535)
					lo = -1;
			}
			if (colon[1]) {
				errno = 0;
				hi = strtol(colon + 1, &end, 10);
				if (*end || errno || hi < 0 || hi > 65535)
					hi = -1;
			}
			if (lo < 0 || hi < 0 || lo > hi || (colon == v && !colon[1])) {
				rb_cfg_error(e, el, p,
					     "\"%.32s\" is not a port range (LO:HI, :HI or LO:, "
					     "0..65535, LO <= HI)", v);
				bad = -1;
				continue;
			}
		}
		if (out)
			store_range(out, lo, hi);
	}
	return bad;
}

static int h_ports(const config_setting_t *s, void *dst, const struct rb_schema_field *f,
		   const char *path, struct rb_cfg_err *e)
{
	(void)f;
	return ports_common(s, dst, path, e, 0);
}

static int h_ranges(const config_setting_t *s, void *dst, const struct rb_schema_field *f,
		    const char *path, struct rb_cfg_err *e)
{
	(void)f;
	return ports_common(s, dst, path, e, 1);
}

/* network: "tcp", "udp", "icmp" or a list of them -> bits. */
static int h_network(const config_setting_t *s, void *dst, const struct rb_schema_field *f,
		     const char *path, struct rb_cfg_err *e)
{
	struct rb_cfg_strs tmp = {0};
	struct rb_schema_field g = *f;
	int rc, bits = 0;

	if (s == NULL) {
		if (dst)
			*(int *)dst = 0;
		return 0;
	}
	g.enums = networks;
	rc = strs_common(s, &tmp, &g, path, e, SK_ENUM);
	for (int i = 0; i < tmp.n; i++) {
		bits |= 1 << name_index(networks, tmp.v[i]);
		free(tmp.v[i]);
	}
	free(tmp.v);
	if (dst)
		*(int *)dst = bits;
	return rc;
}

/* ip_version: 4 or 6. */
static int h_ip_version(const config_setting_t *s, void *dst, const struct rb_schema_field *f,
			const char *path, struct rb_cfg_err *e)
{
	long v;

	(void)f;
	if (s == NULL) {
		if (dst)
			*(int *)dst = 0;
		return 0;
	}
	if (config_setting_type(s) != CONFIG_TYPE_INT) {
		rb_cfg_error(e, s, path, "expected 4 or 6, got %s",
			     rb_schema_type_name(config_setting_type(s)));
		return -1;
	}
	v = config_setting_get_int(s);
	if (v != 4 && v != 6) {
		rb_cfg_error(e, s, path, "%ld is not an IP version (4 or 6)", v);
		return -1;
	}
	if (dst)
		*(int *)dst = (int)v;
	return 0;
}

/* sniff timeout: a Go duration ("300ms", "1s", "1.5s"). */
static int h_duration(const config_setting_t *s, void *dst, const struct rb_schema_field *f,
		      const char *path, struct rb_cfg_err *e)
{
	const char *v;
	double x, mult;
	char *end;

	(void)f;
	if (s == NULL) {
		if (dst)
			*(uint32_t *)dst = 0;
		return 0;
	}
	v = elem_str(s, path, e);
	if (v == NULL)
		return -1;
	errno = 0;
	x = strtod(v, &end);
	if (strcmp(end, "ms") == 0)
		mult = 1;
	else if (strcmp(end, "s") == 0)
		mult = 1000;
	else if (strcmp(end, "m") == 0)
		mult = 60000;
	else
		mult = -1;
	if (end == v || errno || mult < 0 || x < 0 || x * mult > 3600000) {
		rb_cfg_error(e, s, path,
			     "\"%.32s\" is not a duration (like \"300ms\" or \"1s\", at most 1h)", v);
		return -1;
	}
	if (dst)
		*(uint32_t *)dst = (uint32_t)(x * mult + 0.5);
	return 0;
}

/* strategy: "prefer_ipv4" ... -> enum index (absent: 0 = default). */
static int h_strategy(const config_setting_t *s, void *dst, const struct rb_schema_field *f,
		      const char *path, struct rb_cfg_err *e)
{
	const char *v;
	char names[128];
	int i;

	(void)f;
	if (s == NULL) {
		if (dst)
			*(int *)dst = 0;
		return 0;
	}
	v = elem_str(s, path, e);
	if (v == NULL)
		return -1;
	i = name_index(rb_resolve_strategy_names, v);
	if (i < 0) {
		list_names(rb_resolve_strategy_names, names, sizeof(names));
		rb_cfg_error(e, s, path, "unknown strategy \"%.32s\" (one of %s)", v, names);
		return -1;
	}
	if (dst)
		*(int *)dst = i;
	return 0;
}

/* sniffer: protocol names -> bits. */
static int h_sniffers(const config_setting_t *s, void *dst, const struct rb_schema_field *f,
		      const char *path, struct rb_cfg_err *e)
{
	struct rb_cfg_strs tmp = {0};
	struct rb_schema_field g = *f;
	unsigned bits = 0;
	int rc;

	if (s == NULL) {
		if (dst)
			*(unsigned *)dst = 0;
		return 0;
	}
	g.enums = rb_rule_protocol_names;
	rc = strs_common(s, &tmp, &g, path, e, SK_ENUM);
	for (int i = 0; i < tmp.n; i++) {
		bits |= 1u << name_index(rb_rule_protocol_names, tmp.v[i]);
		free(tmp.v[i]);
	}
	free(tmp.v);
	if (dst)
		*(unsigned *)dst = bits;
	return rc;
}

/* ------------------------------------------------------------ tables */

#define R struct rb_cfg_rule
#define CUSTOM(k, m, h)                                                                    \
	{ .key = (k), .type = RB_SCHEMA_CUSTOM, .offset = offsetof(R, m), .handler = (h) }

static const struct rb_schema_field rule_tbl[] = {
	RB_SCHEMA_ENUM("type", R, type, rule_types, RB_RULE_DEFAULT, 0),
	RB_SCHEMA_ENUM("mode", R, mode, rule_modes, RB_RULE_AND, 0),
	RB_SCHEMA_BOOL("invert", R, invert, 0),
	CUSTOM("inbound", inbound, h_strs),
	CUSTOM("network", network, h_network),
	CUSTOM("auth_user", auth_user, h_strs),
	{.key = "protocol", .type = RB_SCHEMA_CUSTOM, .offset = offsetof(R, protocol),
	 .handler = h_enum_strs, .enums = rb_rule_protocol_names},
	CUSTOM("domain", domain, h_domains),
	CUSTOM("domain_suffix", domain_suffix, h_suffixes),
	CUSTOM("domain_keyword", domain_keyword, h_keywords),
	CUSTOM("domain_regex", domain_regex, h_regexes),
	CUSTOM("ip_cidr", ip_cidr, h_cidrs),
	RB_SCHEMA_BOOL("ip_is_private", R, ip_is_private, 0),
	CUSTOM("source_ip_cidr", source_ip_cidr, h_cidrs),
	RB_SCHEMA_BOOL("source_ip_is_private", R, source_ip_is_private, 0),
	CUSTOM("port", port, h_ports),
	CUSTOM("port_range", port_range, h_ranges),
	CUSTOM("source_port", source_port, h_ports),
	CUSTOM("source_port_range", source_port_range, h_ranges),
	CUSTOM("ip_version", ip_version, h_ip_version),
	{.key = "rules", .type = RB_SCHEMA_LIST, .flags = RB_SF_ALLOC, .max = 4096,
	 .offset = offsetof(R, rules), .size = sizeof(R), .count_off = offsetof(R, n_rules),
	 .sub = rule_tbl},
	RB_SCHEMA_ENUM("action", R, action, actions, RB_RA_ROUTE, 0),
	RB_SCHEMA_NAME_F("outbound", R, outbound, 0),
	RB_SCHEMA_ENUM("method", R, method, reject_methods, 0, 0),
	CUSTOM("sniffer", sniffers, h_sniffers),
	CUSTOM("timeout", timeout_ms, h_duration),
	CUSTOM("strategy", strategy, h_strategy),
	RB_SCHEMA_CIDR_F("override_address", R, override_address, RB_SF_HOST),
	RB_SCHEMA_INT("override_port", R, override_port, 0, 65535, 0, 0),
	RB_SCHEMA_LINE_F(R, line),
	RB_SCHEMA_TABLE_END,
};
#undef R

#define T struct rb_cfg_routing
static const struct rb_schema_field route_tbl[] = {
	{.key = "rules", .type = RB_SCHEMA_LIST, .flags = RB_SF_ALLOC, .max = 1000000,
	 .offset = offsetof(T, rules), .size = sizeof(struct rb_cfg_rule),
	 .count_off = offsetof(T, n_rules), .sub = rule_tbl},
	RB_SCHEMA_NAME_F("final", T, final, 0),
	RB_SCHEMA_LINE_F(T, final_line),
	/* sing-box keys this ringbox does not implement yet are refused by
	 * the schema (unknown key), never silently ignored. */
	RB_SCHEMA_TABLE_END,
};

#define S struct rb_cfg_dns_server
static const struct rb_schema_field server_tbl[] = {
	RB_SCHEMA_NAME_F("tag", S, tag, 0),
	RB_SCHEMA_STR("type", S, type, 1, 0, "udp", 0),
	RB_SCHEMA_CIDR_F("server", S, server, RB_SF_HOST | RB_SF_REQUIRED),
	RB_SCHEMA_INT("server_port", S, server_port, 1, 65535, 53, 0),
	RB_SCHEMA_LINE_F(S, line),
	RB_SCHEMA_TABLE_END,
};
#undef S

static const struct rb_schema_field dns_tbl[] = {
	{.key = "servers", .type = RB_SCHEMA_LIST, .max = RB_DNS_MAX_SERVERS,
	 .offset = offsetof(T, servers), .size = sizeof(struct rb_cfg_dns_server),
	 .count_off = offsetof(T, n_servers), .sub = server_tbl},
	{.key = "strategy", .type = RB_SCHEMA_CUSTOM, .offset = offsetof(T, strategy),
	 .handler = h_strategy},
	RB_SCHEMA_INT("cache_capacity", T, cache_capacity, 16, 1 << 20, 1024, 0),
	RB_SCHEMA_INT("timeout_ms", T, timeout_ms, 10, 60000, 2000, 0),
	RB_SCHEMA_INT("retries", T, retries, 0, 10, 2, 0),
	RB_SCHEMA_TABLE_END,
};
#undef T

/* ------------------------------------------------------------ cross checks */

static int find_tag(char (*tags)[RB_NAME_LEN], int n, const char *t)
{
	for (int i = 0; i < n; i++)
		if (strcmp(tags[i], t) == 0)
			return i;
	return -1;
}

static void collect_tags(const config_t *c, const char *list, char (**out)[RB_NAME_LEN],
			 int *n)
{
	const config_setting_t *l = config_lookup(c, list);
	int len = l && config_setting_is_list(l) ? config_setting_length(l) : 0;

	*n = 0;
	*out = len ? calloc((size_t)len, RB_NAME_LEN) : NULL;
	for (int i = 0; *out && i < len; i++) {
		const config_setting_t *el = config_setting_get_elem(l, (unsigned)i);
		const char *t = NULL;

		if (config_setting_is_group(el))
			config_setting_lookup_string(el, "tag", &t);
		snprintf((*out)[(*n)++], RB_NAME_LEN, "%s", t ? t : "");
	}
}

struct tag_list {
	char (**v)[RB_NAME_LEN];
	int *n;
};

static void tag_append(void *arg, const char *tag)
{
	struct tag_list *l = arg;
	char(*nv)[RB_NAME_LEN] = realloc(*l->v, (size_t)(*l->n + 1) * RB_NAME_LEN);

	if (nv == NULL)
		return;
	*l->v = nv;
	snprintf(nv[(*l->n)++], RB_NAME_LEN, "%s", tag);
}

/* WireGuard endpoints are inbounds (terminated) and outbounds too, after the
 * configured ones (config/rb_cfg_wg.h). */
static void collect_endpoint_tags(const config_t *c, struct rb_cfg_routing *out)
{
	struct tag_list in = {&out->inbounds, &out->n_inbounds};
	struct tag_list ob = {&out->outbounds, &out->n_outbounds};

	rb_cfg_wg_proxy_tags(c, 1, out->n_inbounds, tag_append, &in);
	rb_cfg_wg_proxy_tags(c, 0, out->n_outbounds, tag_append, &ob);
}

static const config_setting_t *rule_setting(const config_setting_t *rules, int i)
{
	return rules ? config_setting_get_elem(rules, (unsigned)i) : NULL;
}

static int has(const config_setting_t *s, const char *k)
{
	return s && config_setting_get_member(s, k) != NULL;
}

static void check_rule(const struct rb_cfg_routing *r, const struct rb_cfg_rule *x,
		       const config_setting_t *s, const char *path, int depth,
		       struct rb_cfg_err *e)
{
	static const char *const items[] = {
		"inbound", "network", "auth_user", "protocol", "domain", "domain_suffix",
		"domain_keyword", "domain_regex", "ip_cidr", "ip_is_private", "source_ip_cidr",
		"source_ip_is_private", "port", "port_range", "source_port", "source_port_range",
		"ip_version", NULL,
	};
	static const char *const action_keys[] = {
		"action", "outbound", "method", "sniffer", "timeout", "strategy",
		"override_address", "override_port", NULL,
	};
	/* which action keys each action takes (index into action_keys) */
	static const unsigned takes[] = {
		[RB_RA_ROUTE] = 1 << 1 | 1 << 6 | 1 << 7,
		[RB_RA_REJECT] = 1 << 2,
		[RB_RA_SNIFF] = 1 << 3 | 1 << 4,
		[RB_RA_RESOLVE] = 1 << 5,
		[RB_RA_ROUTE_OPTIONS] = 1 << 6 | 1 << 7,
	};
	char p[PATHLEN];
	const config_setting_t *subs = s ? config_setting_get_member(s, "rules") : NULL;

	if (depth > RB_RULE_MAX_DEPTH) {
		rb_cfg_error(e, s, path, "logical rules nested deeper than %d", RB_RULE_MAX_DEPTH);
		return;
	}
	if (x->type == RB_RULE_LOGICAL) {
		for (int i = 0; items[i]; i++)
			if (has(s, items[i]))
				rb_cfg_error(e, config_setting_get_member(s, items[i]), path,
					     "'%s' is not allowed in a logical rule (put it in one "
					     "of its rules)", items[i]);
		if (!has(s, "mode"))
			rb_cfg_error(e, s, path, "logical rule needs 'mode' (and or or)");
		if (x->n_rules == 0)
			rb_cfg_error(e, s, path, "logical rule needs a non-empty 'rules' list");
		for (int i = 0; i < x->n_rules; i++) {
			const config_setting_t *cs = rule_setting(subs, i);

			char lp[PATHLEN];

			rb_schema_path(lp, sizeof(lp), path, "rules");
			rb_schema_path_idx(p, sizeof(p), lp, i);
			for (int k = 0; action_keys[k]; k++)
				if (has(cs, action_keys[k]))
					rb_cfg_error(e, config_setting_get_member(cs, action_keys[k]),
						     p, "'%s' is not allowed in a sub-rule (the "
						     "logical rule has the action)", action_keys[k]);
			x->rules[i].action = RB_RA_NONE;
			check_rule(r, &x->rules[i], cs, p, depth + 1, e);
		}
	} else {
		if (has(s, "mode"))
			rb_cfg_error(e, config_setting_get_member(s, "mode"), path,
				     "'mode' is only for logical rules (type = \"logical\")");
		if (has(s, "rules"))
			rb_cfg_error(e, config_setting_get_member(s, "rules"), path,
				     "'rules' is only for logical rules (type = \"logical\")");
	}
	for (int i = 0; i < x->inbound.n; i++)
		if (find_tag(r->inbounds, r->n_inbounds, x->inbound.v[i]) < 0)
			rb_cfg_error(e, config_setting_get_member(s, "inbound"), path,
				     "inbound '%.40s' is not the tag of any inbound",
				     x->inbound.v[i]);
	if (x->action == RB_RA_NONE)
		return;
	for (int k = 1; action_keys[k]; k++)
		if (has(s, action_keys[k]) && !(takes[x->action] & (1u << k)))
			rb_cfg_error(e, config_setting_get_member(s, action_keys[k]), path,
				     "'%s' does not apply to action '%s'", action_keys[k],
				     actions[x->action]);
	if (x->action == RB_RA_ROUTE) {
		if (!x->outbound[0])
			rb_cfg_error(e, s, path, "action 'route' needs 'outbound'");
		else if (find_tag(r->outbounds, r->n_outbounds, x->outbound) < 0)
			rb_cfg_error(e, config_setting_get_member(s, "outbound"), path,
				     "outbound '%s' is not the tag of any outbound", x->outbound);
	}
}

static void check_all(struct rb_cfg_routing *r, const config_t *c, struct rb_cfg_err *e)
{
	const config_setting_t *rules = config_lookup(c, "route.rules");
	char p[PATHLEN];

	for (int i = 0; i < r->n_rules; i++) {
		rb_schema_path_idx(p, sizeof(p), "route.rules", i);
		check_rule(r, &r->rules[i], rule_setting(rules, i), p, 1, e);
	}
	if (r->final[0] && find_tag(r->outbounds, r->n_outbounds, r->final) < 0)
		rb_cfg_error(e, config_lookup(c, "route.final"), "route.final",
			     "outbound '%s' is not the tag of any outbound", r->final);
	for (int i = 0; i < r->n_servers; i++) {
		rb_schema_path_idx(p, sizeof(p), "dns.servers", i);
		if (name_index(dns_types, r->servers[i].type) < 0)
			rb_cfg_error_at(e, NULL, (unsigned)r->servers[i].line, p,
					"type \"%s\" is not supported (only \"udp\" for now)",
					r->servers[i].type);
	}
}

int rb_cfg_route_load(const void *tree, struct rb_cfg_routing *out, struct rb_cfg_err *e)
{
	const config_t *c = tree;
	int before = e->count;

	memset(out, 0, sizeof(*out));
	if (c == NULL) {
		rb_schema_load(NULL, route_tbl, out, "route", e);
		rb_schema_load(NULL, dns_tbl, out, "dns", e);
		return e->count - before;
	}
	collect_tags(c, "inbounds", &out->inbounds, &out->n_inbounds);
	collect_tags(c, "outbounds", &out->outbounds, &out->n_outbounds);
	collect_endpoint_tags(c, out);
	rb_schema_load(config_lookup(c, "route"), route_tbl, out, "route", e);
	rb_schema_load(config_lookup(c, "dns"), dns_tbl, out, "dns", e);
	check_all(out, c, e);
	return e->count - before;
}

void rb_cfg_route_check(const void *tree, struct rb_cfg_err *e)
{
	struct rb_cfg_routing r;

	rb_cfg_route_load(tree, &r, e);
	rb_cfg_route_free(&r);
}

int rb_cfg_routing_from(const struct rb_config *cfg, struct rb_cfg_routing *out, FILE *err)
{
	struct rb_cfg_err e = RB_CFG_ERR_INIT(err, cfg->path);

	return rb_cfg_route_load(cfg->tree, out, &e) ? -1 : 0;
}

static void free_strs(struct rb_cfg_strs *s)
{
	for (int i = 0; i < s->n; i++)
		free(s->v[i]);
	free(s->v);
	memset(s, 0, sizeof(*s));
}

static void free_rule(struct rb_cfg_rule *x)
{
	free_strs(&x->inbound);
	free_strs(&x->auth_user);
	free_strs(&x->protocol);
	free_strs(&x->domain);
	free_strs(&x->domain_suffix);
	free_strs(&x->domain_keyword);
	free_strs(&x->domain_regex);
	free(x->ip_cidr.v);
	free(x->source_ip_cidr.v);
	free(x->port.v);
	free(x->port_range.v);
	free(x->source_port.v);
	free(x->source_port_range.v);
	for (int i = 0; i < x->n_rules; i++)
		free_rule(&x->rules[i]);
	free(x->rules);
	memset(x, 0, sizeof(*x));
}

void rb_cfg_route_free(struct rb_cfg_routing *r)
{
	for (int i = 0; i < r->n_rules; i++)
		free_rule(&r->rules[i]);
	free(r->rules);
	free(r->inbounds);
	free(r->outbounds);
	memset(r, 0, sizeof(*r));
}
