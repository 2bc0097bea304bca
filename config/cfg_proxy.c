/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * `inbounds` and `outbounds`: one schema table per type (sing-box field
 * names, plus a few ringbox extensions documented in config/README.md),
 * selected by the entry's `type`, then the cross checks (detour targets and
 * cycles, listener clashes).
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <libconfig.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "cfg_priv.h"
#include "rb_cfg_proxy.h"
#include "rb_cfg_wg.h"
#include "rb_config.h"
#include "schema.h"

#define PATHLEN 256

static const char *const in_types[] = {"socks", "http", "mixed", "direct", "shadowsocks", NULL};
static const char *const out_types[] = {"direct", "block", "socks", "http", "shadowsocks", NULL};
static const char *const net_names[] = {"", "tcp", "udp", NULL};
static const char *const socks_versions[] = {"5", "4", "4a", NULL};

/* ------------------------------------------------------------------ values */

int rb_cfg_duration_ms(const char *s, uint64_t *ms)
{
	uint64_t total = 0;
	int any = 0;

	if (s == NULL || *s == '\0')
		return -1;
	while (*s) {
		uint64_t v = 0, mul;
		int digits = 0;

		while (isdigit((unsigned char)*s)) {
			v = v * 10 + (uint64_t)(*s++ - '0');
			if (v > 86400000ULL)
				return -1;
			digits++;
		}
		if (!digits)
			return -1;
		if (*s == '\0' && !any) {
			mul = 1000; /* a bare number: seconds */
		} else if (s[0] == 'm' && s[1] == 's') {
			mul = 1;
			s += 2;
		} else if (*s == 'h') {
			mul = 3600000;
			s++;
		} else if (*s == 'm') {
			mul = 60000;
			s++;
		} else if (*s == 's') {
			mul = 1000;
			s++;
		} else {
			return -1;
		}
		total += v * mul;
		if (total > 86400000ULL)
			return -1;
		any = 1;
	}
	*ms = total;
	return 0;
}

/* A duration: an integer number of seconds or a string ("10s", "5m");
 * stored as uint32_t seconds (f->max == 0) or milliseconds (f->max == 1). */
static int h_duration(const config_setting_t *s, void *dst, const struct rb_schema_field *f,
		      const char *path, struct rb_cfg_err *e)
{
	uint64_t ms;
	int t;

	if (s == NULL) {
		if (dst)
			*(uint32_t *)dst = (uint32_t)f->def;
		return 0;
	}
	t = config_setting_type(s);
	if (t == CONFIG_TYPE_INT || t == CONFIG_TYPE_INT64) {
		int64_t v = config_setting_get_int64(s);

		if (v < 1 || v > 86400) {
			rb_cfg_error(e, s, path, "%lld seconds is out of range 1..86400",
				     (long long)v);
			return -1;
		}
		ms = (uint64_t)v * 1000;
	} else if (t == CONFIG_TYPE_STRING) {
		if (rb_cfg_duration_ms(config_setting_get_string(s), &ms) != 0 || ms == 0) {
			rb_cfg_error(e, s, path,
				     "'%s' is not a duration (e.g. \"10s\", \"5m\", \"1h\", "
				     "\"500ms\"; at most a day)", config_setting_get_string(s));
			return -1;
		}
	} else {
		rb_cfg_error(e, s, path, "expected a duration (seconds or \"5m\"), got %s",
			     rb_schema_type_name(t));
		return -1;
	}
	if (f->max == 0 && ms % 1000) {
		rb_cfg_error(e, s, path, "must be whole seconds");
		return -1;
	}
	if (dst)
		*(uint32_t *)dst = (uint32_t)(f->max ? ms : ms / 1000);
	return 0;
}

static int domain_ok(const char *s)
{
	size_t n = strlen(s), label = 0;

	if (n == 0 || n > 253)
		return 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];

		if (ch == '.') {
			if (label == 0)
				return 0;
			label = 0;
			continue;
		}
		if (!isalnum(ch) && ch != '-' && ch != '_')
			return 0;
		if (++label > 63)
			return 0;
	}
	return 1;
}

/* A host: IPv4/IPv6 literal or a domain name, into struct rb_cfg_host. */
static int h_host(const config_setting_t *s, void *dst, const struct rb_schema_field *f,
		  const char *path, struct rb_cfg_err *e)
{
	struct rb_cfg_host *h = dst;
	const char *v;

	(void)f;
	if (s == NULL)
		return 0;
	if (config_setting_type(s) != CONFIG_TYPE_STRING) {
		rb_cfg_error(e, s, path, "expected an address or a domain name, got %s",
			     rb_schema_type_name(config_setting_type(s)));
		return -1;
	}
	v = config_setting_get_string(s);
	if (h)
		memset(h, 0, sizeof(*h));
	if (inet_pton(AF_INET, v, h ? h->addr : (uint8_t[16]){0}) == 1) {
		if (h)
			h->family = AF_INET;
	} else if (inet_pton(AF_INET6, v, h ? h->addr : (uint8_t[16]){0}) == 1) {
		if (h)
			h->family = AF_INET6;
	} else if (!domain_ok(v)) {
		rb_cfg_error(e, s, path, "'%s' is neither an IP address nor a domain name", v);
		return -1;
	}
	if (h)
		snprintf(h->name, sizeof(h->name), "%s", v);
	return 0;
}

/* listen: an address of ours, "0.0.0.0" (any IPv4), "::" (any). */
static int h_listen(const config_setting_t *s, void *dst, const struct rb_schema_field *f,
		    const char *path, struct rb_cfg_err *e)
{
	struct rb_cidr *c = dst;
	const char *v;
	struct rb_cidr tmp;

	(void)f;
	if (s == NULL) {
		if (c)
			memset(c, 0, sizeof(*c));
		return 0;
	}
	if (config_setting_type(s) != CONFIG_TYPE_STRING) {
		rb_cfg_error(e, s, path, "expected an address, got %s",
			     rb_schema_type_name(config_setting_type(s)));
		return -1;
	}
	v = config_setting_get_string(s);
	if (strchr(v, '/') || rb_cidr_parse(v, &tmp) != 0) {
		rb_cfg_error(e, s, path, "'%s' is not an IP address", v);
		return -1;
	}
	if (strcmp(v, "::") == 0)
		memset(&tmp, 0, sizeof(tmp)); /* any, both families */
	if (c)
		*c = tmp;
	return 0;
}

/* Shadowsocks methods (sing-box names).  `ready`: wired in the dataplane
 * (dataplane/ss); a method that is not is refused with a clear error.  A
 * codec plugs in by setting ready here and adding its dataplane entry. */
static const struct {
	const char *name;
	uint8_t ready;
} ss_methods[RB_SS_METHOD_MAX] = {
	[RB_SS_NONE] = {"none", 1},
	[RB_SS_AES_128_GCM] = {"aes-128-gcm", 1},
	[RB_SS_AES_256_GCM] = {"aes-256-gcm", 1},
	[RB_SS_CHACHA20_IETF_POLY1305] = {"chacha20-ietf-poly1305", 1},
	[RB_SS_XCHACHA20_IETF_POLY1305] = {"xchacha20-ietf-poly1305", 1},
	[RB_SS_2022_BLAKE3_AES_128_GCM] = {"2022-blake3-aes-128-gcm", 1},
	[RB_SS_2022_BLAKE3_AES_256_GCM] = {"2022-blake3-aes-256-gcm", 1},
	[RB_SS_2022_BLAKE3_CHACHA20_POLY1305] = {"2022-blake3-chacha20-poly1305", 1},
};

const char *rb_cfg_ss_method_name(int method)
{
	return method >= 0 && method < RB_SS_METHOD_MAX ? ss_methods[method].name : "?";
}

static int h_ss_method(const config_setting_t *s, void *dst, const struct rb_schema_field *f,
		       const char *path, struct rb_cfg_err *e)
{
	char list[256] = "";
	size_t off = 0;
	const char *v;

	(void)f;
	if (s == NULL)
		return 0; /* required: its absence is reported by the schema */
	if (config_setting_type(s) != CONFIG_TYPE_STRING) {
		rb_cfg_error(e, s, path, "expected a method name, got %s",
			     rb_schema_type_name(config_setting_type(s)));
		return -1;
	}
	v = config_setting_get_string(s);
	for (int i = 0; i < RB_SS_METHOD_MAX; i++) {
		if (strcmp(v, ss_methods[i].name) != 0)
			continue;
		if (!ss_methods[i].ready) {
			rb_cfg_error(e, s, path,
				     "method '%s' is not yet supported (Shadowsocks 2022 is not "
				     "wired into the dataplane yet)", v);
			return -1;
		}
		if (dst)
			*(int *)dst = i;
		return 0;
	}
	for (int i = 0; i < RB_SS_METHOD_MAX; i++)
		if (ss_methods[i].ready)
			off += (size_t)snprintf(list + off, sizeof(list) - off, "%s%s",
						off ? ", " : "", ss_methods[i].name);
	rb_cfg_error(e, s, path, "unknown method '%s' (known: %s)", v, list);
	return -1;
}

/* sing-box's `udp_over_tcp` (shared/udp-over-tcp.md): true / false, or
 * { enabled = true; version = 1 | 2; connect = false; } (version 2 when not
 * given); stored as the version, 0 when off, and uot_connect.  `connect`
 * (ringbox's): every session's stream in v2 connect mode, to the session's
 * first destination (dataplane/ss/ss_uot_out.c); a session with one
 * destination by construction uses it anyway. */
struct uot_opts {
	int enabled;
	int version;
	int connect;
};

static const struct rb_schema_field uot_tbl[] = {
	RB_SCHEMA_BOOL("enabled", struct uot_opts, enabled, 0),
	RB_SCHEMA_INT("version", struct uot_opts, version, 1, 2, 2, 0),
	RB_SCHEMA_BOOL("connect", struct uot_opts, connect, 0),
	RB_SCHEMA_TABLE_END,
};

_Static_assert(offsetof(struct rb_cfg_outbound, uot_connect) ==
		       offsetof(struct rb_cfg_outbound, uot_version) + 1,
	       "h_uot stores uot_version and uot_connect side by side");

static int h_uot(const config_setting_t *s, void *dst, const struct rb_schema_field *f,
		 const char *path, struct rb_cfg_err *e)
{
	struct uot_opts o = {0, 2, 0};

	(void)f;
	if (s != NULL && config_setting_type(s) == CONFIG_TYPE_BOOL) {
		o.enabled = config_setting_get_bool(s);
	} else if (s != NULL && config_setting_is_group(s)) {
		if (rb_schema_load(s, uot_tbl, &o, path, e) != 0)
			return -1;
		if (o.connect && o.version != 2) {
			const config_setting_t *c = config_setting_get_member(s, "connect");
			char cp[256];

			snprintf(cp, sizeof(cp), "%s.connect", path);
			rb_cfg_error(e, c ? c : s, cp, "is a version 2 mode (version is %d)",
				     o.version);
			return -1;
		}
	} else if (s != NULL) {
		rb_cfg_error(e, s, path, "must be true, false or a group "
			     "{ enabled = true; version = 1 | 2; connect = false; }");
		return -1;
	}
	if (dst) {
		((uint8_t *)dst)[0] = (uint8_t)(o.enabled ? o.version : 0);
		((uint8_t *)dst)[1] = (uint8_t)(o.enabled && o.connect);
	}
	return 0;
}

/* tcp_congestion_control, tcp_syn_cookies: the generic check found the
 * name in f->enums; store its index + 1 (0 stays "dataplane.tcp's"). */
static int h_tcp_enum(const config_setting_t *s, void *dst, const struct rb_schema_field *f,
		      const char *path, struct rb_cfg_err *e)
{
	const char *v = config_setting_get_string(s);

	(void)path;
	(void)e;
	for (int i = 0; v && f->enums[i]; i++)
		if (strcmp(v, f->enums[i]) == 0) {
			if (dst)
				*(uint8_t *)dst = (uint8_t)(i + 1);
			return 0;
		}
	return 0;
}

/* ------------------------------------------------------------------ tables */

#define USER_TBL(T)                                                                       \
	{.key = "users", .type = RB_SCHEMA_LIST, .flags = RB_SF_ALLOC, .max = RB_MAX_USERS,  \
	 .offset = offsetof(T, users), .size = sizeof(struct rb_cfg_user),                   \
	 .count_off = offsetof(T, n_users), .sub = user_tbl}
#define DUR(k, T, m, dflt, is_ms)                                                         \
	{.key = (k), .type = RB_SCHEMA_CUSTOM, .offset = offsetof(T, m), .def = (dflt),      \
	 .max = (is_ms), .handler = h_duration}
#define HOST(k, T, m, fl)                                                                 \
	{.key = (k), .type = RB_SCHEMA_CUSTOM, .flags = (fl), .offset = offsetof(T, m),      \
	 .handler = h_host}
/* One of names, stored as its index + 1 into a uint8_t (absent: 0) by h_tcp_enum
 * after the generic check of the string against names. */
#define TCP_ENUM(k, m, names)                                                              \
	{.key = (k), .type = RB_SCHEMA_STRING, .max = 15,                                   \
	 .offset = offsetof(struct rb_cfg_inbound, m), .size = 1, .enums = (names),          \
	 .handler = h_tcp_enum}
#define IN_COMMON                                                                         \
	RB_SCHEMA_STR("type", struct rb_cfg_inbound, type_name, 1, 0, NULL, RB_SF_REQUIRED), \
	/* type and tag presence: the loader's generic check (config/tables.c) */         \
	RB_SCHEMA_STR("tag", struct rb_cfg_inbound, tag, 1, 0, NULL, 0),                     \
	{.key = "listen", .type = RB_SCHEMA_CUSTOM,                                          \
	 .offset = offsetof(struct rb_cfg_inbound, listen), .handler = h_listen},            \
	RB_SCHEMA_INT("listen_port", struct rb_cfg_inbound, listen_port, 1, 65535, 0,         \
		      RB_SF_REQUIRED),                                                       \
	DUR("handshake_timeout", struct rb_cfg_inbound, handshake_timeout_ms, 10000, 1),     \
	TCP_ENUM("tcp_congestion_control", tcp_cc, rb_cfg_tcp_cc_names),                    \
	TCP_ENUM("tcp_syn_cookies", tcp_cookies, rb_cfg_tcp_cookie_names),                 \
	RB_SCHEMA_INT("tcp_backlog", struct rb_cfg_inbound, tcp_backlog, 1, 1 << 20, 0, 0),  \
	RB_SCHEMA_LINE_F(struct rb_cfg_inbound, line)
#define OUT_COMMON                                                                        \
	RB_SCHEMA_STR("type", struct rb_cfg_outbound, type_name, 1, 0, NULL, RB_SF_REQUIRED),\
	RB_SCHEMA_STR("tag", struct rb_cfg_outbound, tag, 1, 0, NULL, 0),                    \
	RB_SCHEMA_LINE_F(struct rb_cfg_outbound, line)
#define OUT_DIAL                                                                          \
	RB_SCHEMA_STR("detour", struct rb_cfg_outbound, detour, 1, 0, "", 0),                \
	DUR("connect_timeout", struct rb_cfg_outbound, connect_timeout_ms, 5000, 1)

static const struct rb_schema_field user_tbl[] = {
	RB_SCHEMA_STR("username", struct rb_cfg_user, username, 1, 0, NULL, RB_SF_REQUIRED),
	RB_SCHEMA_STR("password", struct rb_cfg_user, password, 1, 0, NULL, RB_SF_REQUIRED),
	RB_SCHEMA_TABLE_END,
};

static const struct rb_schema_field in_socks_tbl[] = {
	IN_COMMON,
	USER_TBL(struct rb_cfg_inbound),
	DUR("udp_timeout", struct rb_cfg_inbound, udp_timeout_s, 300, 0),
	RB_SCHEMA_TABLE_END,
};

static const struct rb_schema_field in_http_tbl[] = {
	IN_COMMON,
	USER_TBL(struct rb_cfg_inbound),
	RB_SCHEMA_INT("max_header_size", struct rb_cfg_inbound, max_header, 256, 65536, 8192, 0),
	RB_SCHEMA_TABLE_END,
};

static const struct rb_schema_field in_mixed_tbl[] = {
	IN_COMMON,
	USER_TBL(struct rb_cfg_inbound),
	DUR("udp_timeout", struct rb_cfg_inbound, udp_timeout_s, 300, 0),
	RB_SCHEMA_INT("max_header_size", struct rb_cfg_inbound, max_header, 256, 65536, 8192, 0),
	RB_SCHEMA_TABLE_END,
};

static const struct rb_schema_field in_direct_tbl[] = {
	IN_COMMON,
	RB_SCHEMA_ENUM("network", struct rb_cfg_inbound, network, net_names, 0, 0),
	HOST("override_address", struct rb_cfg_inbound, override_address, RB_SF_REQUIRED),
	RB_SCHEMA_INT("override_port", struct rb_cfg_inbound, override_port, 1, 65535, 0, 0),
	DUR("udp_timeout", struct rb_cfg_inbound, udp_timeout_s, 300, 0),
	RB_SCHEMA_TABLE_END,
};

/* sing-box's relay `destinations` (SIP023): name, server, port, the next
 * server's key (checked in ss_dests_check). */
static const struct rb_schema_field ss_dest_tbl[] = {
	RB_SCHEMA_STR("name", struct rb_cfg_ss_dest, name, 1, 0, NULL, RB_SF_REQUIRED),
	HOST("server", struct rb_cfg_ss_dest, server, RB_SF_REQUIRED),
	RB_SCHEMA_INT("server_port", struct rb_cfg_ss_dest, server_port, 1, 65535, 0,
		      RB_SF_REQUIRED),
	RB_SCHEMA_STR("password", struct rb_cfg_ss_dest, password, 1, 0, NULL, RB_SF_REQUIRED),
	RB_SCHEMA_LINE_F(struct rb_cfg_ss_dest, line),
	RB_SCHEMA_TABLE_END,
};

static const struct rb_schema_field in_ss_tbl[] = {
	IN_COMMON,
	{.key = "method", .type = RB_SCHEMA_CUSTOM, .flags = RB_SF_REQUIRED,
	 .offset = offsetof(struct rb_cfg_inbound, ss_method), .handler = h_ss_method},
	RB_SCHEMA_STR("password", struct rb_cfg_inbound, password, 1, 0, "", 0),
	USER_TBL(struct rb_cfg_inbound), /* 2022 multi-user: each password a uPSK */
	RB_SCHEMA_ENUM("network", struct rb_cfg_inbound, network, net_names, 0, 0),
	DUR("probe_timeout", struct rb_cfg_inbound, probe_timeout_ms, 30000, 1),
	DUR("udp_timeout", struct rb_cfg_inbound, udp_timeout_s, 300, 0),
	{.key = "destinations", .type = RB_SCHEMA_LIST, .flags = RB_SF_ALLOC,
	 .max = RB_MAX_SS_DESTS, .offset = offsetof(struct rb_cfg_inbound, dests),
	 .size = sizeof(struct rb_cfg_ss_dest), .count_off = offsetof(struct rb_cfg_inbound, n_dests),
	 .sub = ss_dest_tbl},
	/* the workers' shared salt replay filter (dataplane/ss/ss_replay_shared.h);
	 * one for all shadowsocks inbounds, sized by the largest */
	RB_SCHEMA_INT("replay_capacity", struct rb_cfg_inbound, replay_capacity, 64, 1 << 28,
		      524288, 0),
	RB_SCHEMA_TABLE_END,
};

static const struct rb_schema_field out_direct_tbl[] = {
	OUT_COMMON,
	HOST("override_address", struct rb_cfg_outbound, override_address, 0),
	RB_SCHEMA_INT("override_port", struct rb_cfg_outbound, override_port, 1, 65535, 0, 0),
	DUR("connect_timeout", struct rb_cfg_outbound, connect_timeout_ms, 5000, 1),
	RB_SCHEMA_TABLE_END,
};

static const struct rb_schema_field out_block_tbl[] = {
	OUT_COMMON,
	RB_SCHEMA_TABLE_END,
};

static const struct rb_schema_field out_socks_tbl[] = {
	OUT_COMMON,
	OUT_DIAL,
	HOST("server", struct rb_cfg_outbound, server, RB_SF_REQUIRED),
	RB_SCHEMA_INT("server_port", struct rb_cfg_outbound, server_port, 1, 65535, 0,
		      RB_SF_REQUIRED),
	RB_SCHEMA_ENUM("version", struct rb_cfg_outbound, version, socks_versions, 0, 0),
	RB_SCHEMA_STR("username", struct rb_cfg_outbound, username, 1, 0, "", 0),
	RB_SCHEMA_STR("password", struct rb_cfg_outbound, password, 1, 0, "", 0),
	RB_SCHEMA_ENUM("network", struct rb_cfg_outbound, network, net_names, 0, 0),
	RB_SCHEMA_TABLE_END,
};

static const struct rb_schema_field out_http_tbl[] = {
	OUT_COMMON,
	OUT_DIAL,
	HOST("server", struct rb_cfg_outbound, server, RB_SF_REQUIRED),
	RB_SCHEMA_INT("server_port", struct rb_cfg_outbound, server_port, 1, 65535, 0,
		      RB_SF_REQUIRED),
	RB_SCHEMA_STR("username", struct rb_cfg_outbound, username, 1, 0, "", 0),
	RB_SCHEMA_STR("password", struct rb_cfg_outbound, password, 1, 0, "", 0),
	RB_SCHEMA_TABLE_END,
};

static const struct rb_schema_field out_ss_tbl[] = {
	OUT_COMMON,
	OUT_DIAL,
	HOST("server", struct rb_cfg_outbound, server, RB_SF_REQUIRED),
	RB_SCHEMA_INT("server_port", struct rb_cfg_outbound, server_port, 1, 65535, 0,
		      RB_SF_REQUIRED),
	{.key = "method", .type = RB_SCHEMA_CUSTOM, .flags = RB_SF_REQUIRED,
	 .offset = offsetof(struct rb_cfg_outbound, ss_method), .handler = h_ss_method},
	RB_SCHEMA_STR("password", struct rb_cfg_outbound, password, 1, 0, "", 0),
	RB_SCHEMA_ENUM("network", struct rb_cfg_outbound, network, net_names, 0, 0),
	{.key = "udp_over_tcp", .type = RB_SCHEMA_CUSTOM,
	 .offset = offsetof(struct rb_cfg_outbound, uot_version), .handler = h_uot},
	RB_SCHEMA_TABLE_END,
};

static const struct rb_schema_field *const in_tbls[RB_IN_TYPE_MAX] = {
	in_socks_tbl, in_http_tbl, in_mixed_tbl, in_direct_tbl, in_ss_tbl,
};
static const struct rb_schema_field *const out_tbls[RB_OUT_TYPE_MAX] = {
	out_direct_tbl, out_block_tbl, out_socks_tbl, out_http_tbl, out_ss_tbl,
};

/* ------------------------------------------------------------------ loading */

static int type_index(const config_setting_t *el, const char *const *names)
{
	const config_setting_t *t = config_setting_is_group(el)
					    ? config_setting_get_member(el, "type") : NULL;
	const char *v = t ? config_setting_get_string(t) : NULL;

	for (int i = 0; v && names[i]; i++)
		if (strcmp(v, names[i]) == 0)
			return i;
	return -1;
}

static void type_error(struct rb_cfg_err *e, const config_setting_t *el, const char *path,
		       const char *what, const char *const *names)
{
	const config_setting_t *t = config_setting_get_member(el, "type");
	char list[128] = "", tp[PATHLEN];
	size_t off = 0;

	if (t == NULL || config_setting_type(t) != CONFIG_TYPE_STRING)
		return; /* reported by the loader's generic check */
	for (int i = 0; names[i]; i++)
		off += (size_t)snprintf(list + off, sizeof(list) - off, "%s%s", i ? ", " : "",
					names[i]);
	rb_schema_path(tp, sizeof(tp), path, "type");
	rb_cfg_error(e, t, tp, "unknown %s type '%s' (known: %s)", what,
		     config_setting_get_string(t), list);
}

/* Load one list; returns the count stored (entries with a bad type are skipped). */
static int load_list(const config_setting_t *ls, const char *name, const char *what,
		     const char *const *names, const struct rb_schema_field *const *tbls,
		     void *arr, size_t stride, int *types, struct rb_cfg_err *e)
{
	int len, n = 0;
	char path[PATHLEN];

	if (ls == NULL || !config_setting_is_list(ls))
		return 0;
	len = config_setting_length(ls);
	for (int i = 0; i < len; i++) {
		const config_setting_t *el = config_setting_get_elem(ls, (unsigned)i);
		int t;

		rb_schema_path_idx(path, sizeof(path), name, i);
		if (!config_setting_is_group(el))
			continue; /* reported by the loader's generic check */
		t = type_index(el, names);
		if (t < 0) {
			type_error(e, el, path, what, names);
			types[i] = -1;
			continue;
		}
		types[i] = t;
		rb_schema_load(el, tbls[t], (uint8_t *)arr + stride * (size_t)i, path, e);
		n++;
	}
	return n;
}

static const config_setting_t *elem_member(const config_setting_t *ls, int i, const char *key)
{
	const config_setting_t *el = config_setting_get_elem(ls, (unsigned)i);
	const config_setting_t *m = el && key ? config_setting_get_member(el, key) : NULL;

	return m ? m : el;
}

/* Bytes of one base64 text (standard alphabet, '=' padding), or -1. */
static int b64_len(const char *s, size_t n)
{
	size_t pad = 0;

	if (n == 0 || n % 4)
		return -1;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];

		if (c == '=' && i >= n - 2) {
			pad++;
			continue;
		}
		if (pad || !((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
			     (c >= '0' && c <= '9') || c == '+' || c == '/'))
			return -1;
	}
	return (int)(n / 4 * 3 - pad);
}

/* Shadowsocks 2022 (SIP022 2.1, SIP023): `password` holds base64 keys of
 * the method's key size, `:`-separated on an outbound (iPSK:...:uPSK, at
 * most 4, AES methods only), one on an inbound; TCP and UDP, relay
 * inbounds (`destinations`, relay != 0) included. */
static void ss22_check(int method, const char *pw, int network, int outbound, int relay,
		       const config_setting_t *ls, int i, const char *path, struct rb_cfg_err *e)
{
	int klen = method == RB_SS_2022_BLAKE3_AES_128_GCM ? 16 : 32, n = 0;
	const char *why = NULL;
	char kp[PATHLEN];

	if (method < RB_SS_2022_BLAKE3_AES_128_GCM || method >= RB_SS_METHOD_MAX || !pw[0])
		return;
	for (const char *q = pw;; n++) {
		const char *c = strchr(q, ':');

		if (b64_len(q, c ? (size_t)(c - q) : strlen(q)) != klen) {
			why = klen == 16 ? "each key must be 16 bytes in base64 (openssl rand -base64 16)"
					 : "each key must be 32 bytes in base64 (openssl rand -base64 32)";
			break;
		}
		if (c == NULL)
			break;
		q = c + 1;
	}
	if (why == NULL && n > 0 && !outbound)
		why = "one key on an inbound (users with identity headers are not configurable yet)";
	else if (why == NULL && (n > 3 || (n > 0 && method == RB_SS_2022_BLAKE3_CHACHA20_POLY1305)))
		why = "at most 4 keys (iPSK:...:uPSK), and one for 2022-blake3-chacha20-poly1305";
	if (why) {
		snprintf(kp, sizeof(kp), "%s.password", path);
		rb_cfg_error(e, elem_member(ls, i, "password"), kp, "method '%s': %s",
			     rb_cfg_ss_method_name(method), why);
	}
	(void)network; /* every network, relays' UDP too (dataplane/ss/ss_dest.h) */
	(void)relay;
}

/* Shadowsocks 2022 multi-user inbound (SIP023): `password` is the iPSK,
 * each user's `password` one key of the method's size, all different;
 * AES methods only (identity headers use the AES block cipher). */
static void ss22_users_check(const struct rb_cfg_inbound *in, const config_setting_t *ls, int i,
			     const char *path, struct rb_cfg_err *e)
{
	int klen = in->ss_method == RB_SS_2022_BLAKE3_AES_128_GCM ? 16 : 32;
	char kp[PATHLEN + 32];

	if (in->n_users == 0)
		return;
	if (in->ss_method != RB_SS_2022_BLAKE3_AES_128_GCM &&
	    in->ss_method != RB_SS_2022_BLAKE3_AES_256_GCM) {
		snprintf(kp, sizeof(kp), "%s.users", path);
		rb_cfg_error(e, elem_member(ls, i, "users"), kp,
			     "users (identity headers, SIP023) need 2022-blake3-aes-128-gcm or "
			     "2022-blake3-aes-256-gcm");
		return;
	}
	for (int u = 0; u < in->n_users; u++) {
		const char *pw = in->users[u].password;
		const char *why = NULL;

		if (b64_len(pw, strlen(pw)) != klen)
			why = klen == 16 ? "must be one key of 16 bytes in base64"
					 : "must be one key of 32 bytes in base64";
		for (int v = 0; v < u && !why; v++)
			if (strcmp(pw, in->users[v].password) == 0)
				why = "the same key as another user";
		if (why) {
			snprintf(kp, sizeof(kp), "%s.users.[%d].password", path, u);
			rb_cfg_error(e, elem_member(ls, i, "users"), kp, "%s", why);
		}
	}
}

/* Shadowsocks 2022 relay (SIP023 "destinations"): `password` is the relay's
 * iPSK, each destination's `password` one key of the method's size (the
 * next server's iPSK, or its PSK), all different, names unique; AES
 * methods only, no users on the same inbound; TCP and UDP. */
static void ss_dests_check(const struct rb_cfg_inbound *in, const config_setting_t *ls, int i,
			   const char *path, struct rb_cfg_err *e)
{
	int klen = in->ss_method == RB_SS_2022_BLAKE3_AES_128_GCM ? 16 : 32;
	const config_setting_t *el = elem_member(ls, i, "destinations");
	char kp[PATHLEN + 48];

	if (in->n_dests == 0)
		return;
	snprintf(kp, sizeof(kp), "%s.destinations", path);
	if (in->ss_method != RB_SS_2022_BLAKE3_AES_128_GCM &&
	    in->ss_method != RB_SS_2022_BLAKE3_AES_256_GCM) {
		rb_cfg_error(e, el, kp,
			     "destinations (a SIP023 relay) need 2022-blake3-aes-128-gcm or "
			     "2022-blake3-aes-256-gcm");
		return;
	}
	if (in->n_users > 0)
		rb_cfg_error(e, el, kp, "an inbound has users or destinations, not both");
	for (int d = 0; d < in->n_dests; d++) {
		const struct rb_cfg_ss_dest *x = &in->dests[d];
		const config_setting_t *de = el ? config_setting_get_elem(el, (unsigned)d) : NULL;
		const char *why = NULL, *key = "password";

		if (b64_len(x->password, strlen(x->password)) != klen)
			why = klen == 16 ? "must be one key of 16 bytes in base64"
					 : "must be one key of 32 bytes in base64";
		for (int v = 0; v < d && !why; v++) {
			if (strcmp(x->password, in->dests[v].password) == 0)
				why = "the same key as another destination (the identity header "
				      "could not tell them apart)";
			else if (strcmp(x->name, in->dests[v].name) == 0)
				why = "the same name as another destination", key = "name";
		}
		if (why == NULL && strcmp(x->password, in->password) == 0)
			why = "the relay's own key (password) cannot name a destination";
		if (why) {
			const config_setting_t *m = de ? config_setting_get_member(de, key) : NULL;

			snprintf(kp, sizeof(kp), "%s.destinations.[%d].%s", path, d, key);
			rb_cfg_error(e, m ? m : (de ? de : el), kp, "%s", why);
		}
	}
}

/* A shadowsocks inbound or outbound: a password unless the method is none. */
static void ss_check(int method, const char *password, const config_setting_t *ls, int i,
		     const char *path, struct rb_cfg_err *e)
{
	char kp[PATHLEN];
	const config_setting_t *el = ls ? config_setting_get_elem(ls, (unsigned)i) : NULL;

	/* an empty password that is written was reported by the schema */
	if (method != RB_SS_NONE && password[0] == '\0' &&
	    !(el && config_setting_get_member(el, "password"))) {
		snprintf(kp, sizeof(kp), "%s.password", path);
		rb_cfg_error(e, elem_member(ls, i, "method"), kp,
			     "missing required key (method '%s' needs a password)",
			     rb_cfg_ss_method_name(method));
	}
}

static void check_inbounds(struct rb_cfg_proxy *p, const config_setting_t *ls,
			   struct rb_cfg_err *e)
{
	char path[PATHLEN];

	for (int i = 0; i < p->n_inbounds; i++) {
		struct rb_cfg_inbound *in = &p->inbounds[i];

		if (in->type < 0)
			continue;
		if (in->type == RB_IN_DIRECT && in->override_port == 0)
			in->override_port = in->listen_port;
		if (in->network == RB_CFG_NET_UDP &&
		    (in->tcp_cc || in->tcp_cookies || in->tcp_backlog)) {
			const char *k = in->tcp_cc        ? "tcp_congestion_control"
					: in->tcp_cookies ? "tcp_syn_cookies"
							  : "tcp_backlog";

			snprintf(path, sizeof(path), "inbounds.[%d].%s", i, k);
			rb_cfg_error(e, elem_member(ls, i, k), path,
				     "the inbound has no TCP listener (network = \"udp\")");
		}
		if (in->type == RB_IN_SHADOWSOCKS) {
			snprintf(path, sizeof(path), "inbounds.[%d]", i);
			ss22_check(in->ss_method, in->password, in->network, 0, in->n_dests > 0, ls, i,
				   path, e);
			ss22_users_check(in, ls, i, path, e);
			ss_dests_check(in, ls, i, path, e);
			ss_check(in->ss_method, in->password, ls, i, path, e);
		}
		for (int u = 0; u < in->n_users; u++)
			if ((in->type == RB_IN_HTTP || in->type == RB_IN_MIXED) &&
			    strchr(in->users[u].username, ':')) {
				snprintf(path, sizeof(path), "inbounds.[%d].users.[%d].username", i,
					 u);
				rb_cfg_error(e, elem_member(ls, i, "users"), path,
					     "a ':' cannot appear in an HTTP Basic user name "
					     "(RFC 7617 2)");
			}
		for (int j = 0; j < i; j++) {
			const struct rb_cfg_inbound *o = &p->inbounds[j];
			int same_addr = in->listen.family == 0 || o->listen.family == 0 ||
					(in->listen.family == o->listen.family &&
					 memcmp(in->listen.addr, o->listen.addr, 16) == 0);

			if (o->type >= 0 && same_addr && o->listen_port == in->listen_port) {
				snprintf(path, sizeof(path), "inbounds.[%d].listen_port", i);
				rb_cfg_error(e, elem_member(ls, i, "listen_port"), path,
					     "port %u is also used by inbounds.[%d] ('%s')",
					     in->listen_port, j, o->tag);
				break;
			}
		}
	}
}

/* A wireguard endpoint tagged tag: the index its outbound gets once
 * config/cfg_wg.c appends the endpoints after these outbounds, or -1. */
struct ep_find {
	const char *tag;
	int i, found;
};

static void ep_find_tag(void *arg, const char *tag)
{
	struct ep_find *f = arg;

	if (f->found < 0 && strcmp(tag, f->tag) == 0)
		f->found = f->i;
	f->i++;
}

static int endpoint_outbound(const struct rb_cfg_proxy *p, const config_setting_t *ls,
			     const char *tag)
{
	struct ep_find f = {tag, p->n_outbounds, -1};

	if (ls == NULL || p->n_outbounds == 0)
		return -1;
	rb_cfg_wg_proxy_tags(ls->config, 0, p->n_outbounds, ep_find_tag, &f);
	return f.found;
}

static void check_outbounds(struct rb_cfg_proxy *p, const config_setting_t *ls,
			    struct rb_cfg_err *e)
{
	char path[PATHLEN];

	for (int i = 0; i < p->n_outbounds; i++) {
		struct rb_cfg_outbound *o = &p->outbounds[i];

		o->detour_idx = -1;
		if (o->type < 0 || o->detour[0] == '\0')
			continue;
		snprintf(path, sizeof(path), "outbounds.[%d].detour", i);
		o->detour_idx = rb_cfg_outbound_find(p, o->detour);
		if (o->detour_idx < 0)
			o->detour_idx = endpoint_outbound(p, ls, o->detour); /* dial in a tunnel */
		if (o->detour_idx >= p->n_outbounds) {
			continue;
		} else if (o->detour_idx < 0) {
			rb_cfg_error(e, elem_member(ls, i, "detour"), path,
				     "no outbound is tagged '%s'", o->detour);
		} else if (o->detour_idx == i) {
			rb_cfg_error(e, elem_member(ls, i, "detour"), path,
				     "an outbound cannot detour through itself");
			o->detour_idx = -1;
		} else if (p->outbounds[o->detour_idx].type == RB_OUT_BLOCK) {
			rb_cfg_error(e, elem_member(ls, i, "detour"), path,
				     "'%s' is a block outbound: nothing can be dialled through it",
				     o->detour);
		}
	}
	for (int i = 0; i < p->n_outbounds; i++) {
		const struct rb_cfg_outbound *o = &p->outbounds[i];

		if (o->type == RB_OUT_SHADOWSOCKS) {
			snprintf(path, sizeof(path), "outbounds.[%d]", i);
			ss22_check(o->ss_method, o->password, o->network, 1, 0, ls, i, path, e);
			ss_check(o->ss_method, o->password, ls, i, path, e);
			if (o->uot_version && o->network == RB_CFG_NET_TCP) {
				snprintf(path, sizeof(path), "outbounds.[%d].udp_over_tcp", i);
				rb_cfg_error(e, elem_member(ls, i, "udp_over_tcp"), path,
					     "carries UDP, but network is \"tcp\"");
			}
		}
	}
	/* cycles: follow each chain at most n steps */
	for (int i = 0; i < p->n_outbounds; i++) {
		int k = i, steps = 0;

		while (k >= 0 && k < p->n_outbounds && steps <= p->n_outbounds) {
			k = p->outbounds[k].detour_idx;
			steps++;
		}
		if (k >= 0 && k < p->n_outbounds) {
			snprintf(path, sizeof(path), "outbounds.[%d].detour", i);
			rb_cfg_error(e, elem_member(ls, i, "detour"), path,
				     "detour chain of '%s' loops", p->outbounds[i].tag);
			p->outbounds[i].detour_idx = -1;
		}
	}
	/* any protocol outbound may detour through any other (stream
	 * transforms stack, dataplane/proxy/proxy_layer.c), up to
	 * RB_MAX_CHAIN_HOPS of them before the direct/wireguard end */
	for (int i = 0; i < p->n_outbounds; i++) {
		int k = i, hops = 0;

		while (k >= 0 && k < p->n_outbounds && hops <= RB_MAX_CHAIN_HOPS &&
		       p->outbounds[k].type != RB_OUT_DIRECT && p->outbounds[k].type != RB_OUT_WIREGUARD &&
		       p->outbounds[k].type != RB_OUT_BLOCK) {
			hops++;
			k = p->outbounds[k].detour_idx;
		}
		if (hops > RB_MAX_CHAIN_HOPS) {
			snprintf(path, sizeof(path), "outbounds.[%d].detour", i);
			rb_cfg_error(e, elem_member(ls, i, "detour"), path,
				     "detour chain of '%s' has more than %d proxy outbounds",
				     p->outbounds[i].tag, RB_MAX_CHAIN_HOPS);
		}
	}
}

void rb_cfg_proxy_load(struct rb_config *cfg, const void *tree, struct rb_cfg_err *e)
{
	const config_t *c = tree;
	const config_setting_t *in = config_lookup(c, "inbounds");
	const config_setting_t *out = config_lookup(c, "outbounds");
	int n_in = in && config_setting_is_list(in) ? config_setting_length(in) : 0;
	int n_out = out && config_setting_is_list(out) ? config_setting_length(out) : 0;
	struct rb_cfg_proxy *p;
	int *types;

	cfg->proxy = NULL;
	if (n_in > RB_MAX_INBOUNDS) {
		rb_cfg_error(e, in, "inbounds", "has %d entries, at most %d", n_in,
			     RB_MAX_INBOUNDS);
		return;
	}
	if (n_out > RB_MAX_OUTBOUNDS) {
		rb_cfg_error(e, out, "outbounds", "has %d entries, at most %d", n_out,
			     RB_MAX_OUTBOUNDS);
		return;
	}
	p = calloc(1, sizeof(*p));
	types = calloc((size_t)(n_in > n_out ? n_in : n_out) + 1, sizeof(int));
	if (n_in)
		p->inbounds = calloc((size_t)n_in, sizeof(*p->inbounds));
	if (n_out)
		p->outbounds = calloc((size_t)n_out, sizeof(*p->outbounds));
	if (p == NULL || types == NULL || (n_in && !p->inbounds) || (n_out && !p->outbounds)) {
		rb_cfg_error(e, NULL, "", "out of memory");
		if (p) {
			free(p->inbounds);
			free(p->outbounds);
		}
		free(p);
		free(types);
		return;
	}
	p->n_inbounds = n_in;
	p->n_outbounds = n_out;
	cfg->proxy = p;
	load_list(in, "inbounds", "inbound", in_types, in_tbls, p->inbounds,
		  sizeof(*p->inbounds), types, e);
	for (int i = 0; i < n_in; i++)
		p->inbounds[i].type = types[i];
	load_list(out, "outbounds", "outbound", out_types, out_tbls, p->outbounds,
		  sizeof(*p->outbounds), types, e);
	for (int i = 0; i < n_out; i++)
		p->outbounds[i].type = types[i];
	free(types);
	check_inbounds(p, in, e);
	check_outbounds(p, out, e);
}

void rb_cfg_proxy_free(struct rb_config *cfg)
{
	struct rb_cfg_proxy *p = cfg ? cfg->proxy : NULL;

	if (p == NULL)
		return;
	for (int i = 0; i < p->n_inbounds; i++) {
		if (p->inbounds[i].users) {
			explicit_bzero(p->inbounds[i].users,
				       sizeof(struct rb_cfg_user) * (size_t)p->inbounds[i].n_users);
			free(p->inbounds[i].users);
		}
		if (p->inbounds[i].dests) {
			explicit_bzero(p->inbounds[i].dests,
				       sizeof(struct rb_cfg_ss_dest) * (size_t)p->inbounds[i].n_dests);
			free(p->inbounds[i].dests);
		}
	}
	if (p->outbounds)
		explicit_bzero(p->outbounds, sizeof(*p->outbounds) * (size_t)p->n_outbounds);
	free(p->inbounds);
	free(p->outbounds);
	free(p);
	cfg->proxy = NULL;
}

int rb_cfg_outbound_find(const struct rb_cfg_proxy *p, const char *tag)
{
	for (int i = 0; p && i < p->n_outbounds; i++)
		if (p->outbounds[i].type >= 0 && strcmp(p->outbounds[i].tag, tag) == 0)
			return i;
	return -1;
}

int rb_cfg_inbound_find(const struct rb_cfg_proxy *p, const char *tag)
{
	for (int i = 0; p && i < p->n_inbounds; i++)
		if (p->inbounds[i].type >= 0 && strcmp(p->inbounds[i].tag, tag) == 0)
			return i;
	return -1;
}
