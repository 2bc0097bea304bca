/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The generic, table-driven validator (see schema.h): one walk that checks a
 * libconfig group against a struct rb_schema_field table and stores values.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "rb_config.h"
#include "schema.h"

#define PATH_MAX_LEN 256
#define SHOW_MAX     64 /* characters of a string value quoted in messages */

static void __attribute__((format(printf, 5, 0)))
verror(struct rb_cfg_err *e, const char *file, unsigned line, const char *path, const char *fmt,
       va_list ap)
{
	e->count++;
	if (e->out == NULL)
		return;
	if (file == NULL)
		file = e->file ? e->file : "<config>";
	else if (file[0] != '/' && e->include_dir && strcmp(e->include_dir, ".") != 0)
		fprintf(e->out, "%s/", e->include_dir);
	if (line)
		fprintf(e->out, "%s:%u: ", file, line);
	else
		fprintf(e->out, "%s: ", file);
	if (path && *path)
		fprintf(e->out, "%s: ", path);
	vfprintf(e->out, fmt, ap);
	fputc('\n', e->out);
}

void rb_cfg_error(struct rb_cfg_err *e, const config_setting_t *s, const char *path,
		  const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	verror(e, s ? config_setting_source_file(s) : NULL, s ? config_setting_source_line(s) : 0,
	       path, fmt, ap);
	va_end(ap);
}

void rb_cfg_error_at(struct rb_cfg_err *e, const char *file, unsigned line, const char *path,
		     const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	verror(e, file, line, path, fmt, ap);
	va_end(ap);
}

const char *rb_schema_path(char *buf, size_t len, const char *parent, const char *key)
{
	if (parent == NULL || *parent == '\0')
		snprintf(buf, len, "%s", key);
	else
		snprintf(buf, len, "%s.%s", parent, key);
	return buf;
}

const char *rb_schema_path_idx(char *buf, size_t len, const char *parent, int i)
{
	snprintf(buf, len, "%s.[%d]", parent ? parent : "", i);
	return buf;
}

const char *rb_schema_type_name(int t)
{
	switch (t) {
	case CONFIG_TYPE_GROUP:
		return "a group";
	case CONFIG_TYPE_INT:
	case CONFIG_TYPE_INT64:
		return "an integer";
	case CONFIG_TYPE_FLOAT:
		return "a float";
	case CONFIG_TYPE_STRING:
		return "a string";
	case CONFIG_TYPE_BOOL:
		return "a boolean";
	case CONFIG_TYPE_ARRAY:
		return "an array";
	case CONFIG_TYPE_LIST:
		return "a list";
	default:
		return "nothing";
	}
}

/* A printable, bounded copy of a string value for messages. */
static const char *show(const char *s, char *buf, size_t len)
{
	size_t i, n = 0;

	for (i = 0; s[i] && n + 4 < len && i < SHOW_MAX; i++)
		buf[n++] = isprint((unsigned char)s[i]) ? s[i] : '?';
	if (s[i] && n + 4 <= len) {
		memcpy(buf + n, "...", 3);
		n += 3;
	}
	buf[n] = '\0';
	return buf;
}

static const char *want_name(enum rb_schema_type t)
{
	switch (t) {
	case RB_SCHEMA_INT:
		return "an integer";
	case RB_SCHEMA_BOOL:
		return "a boolean (true or false)";
	case RB_SCHEMA_STRING:
	case RB_SCHEMA_ENUM:
	case RB_SCHEMA_NAME:
		return "a string";
	case RB_SCHEMA_CIDR:
		return "an address string";
	case RB_SCHEMA_GROUP:
		return "a group { ... }";
	case RB_SCHEMA_LIST:
		return "a list ( ... )";
	case RB_SCHEMA_ARRAY:
		return "an array [ ... ]";
	default:
		return "a value";
	}
}

static int type_ok(const config_setting_t *s, enum rb_schema_type t)
{
	int ct = config_setting_type(s);

	switch (t) {
	case RB_SCHEMA_INT:
		return ct == CONFIG_TYPE_INT || ct == CONFIG_TYPE_INT64;
	case RB_SCHEMA_BOOL:
		return ct == CONFIG_TYPE_BOOL;
	case RB_SCHEMA_STRING:
	case RB_SCHEMA_ENUM:
	case RB_SCHEMA_NAME:
	case RB_SCHEMA_CIDR:
		return ct == CONFIG_TYPE_STRING;
	case RB_SCHEMA_GROUP:
		return ct == CONFIG_TYPE_GROUP;
	/* "()" and "[]" both parse; an empty array is an empty list. */
	case RB_SCHEMA_LIST:
		return ct == CONFIG_TYPE_LIST ||
		       (ct == CONFIG_TYPE_ARRAY && config_setting_length(s) == 0);
	case RB_SCHEMA_ARRAY:
		return ct == CONFIG_TYPE_ARRAY || ct == CONFIG_TYPE_LIST;
	default:
		return 1;
	}
}

static void store_int(void *dst, size_t size, int64_t v)
{
	switch (size) {
	case 1: {
		uint8_t x = (uint8_t)v;
		memcpy(dst, &x, 1);
		break;
	}
	case 2: {
		uint16_t x = (uint16_t)v;
		memcpy(dst, &x, 2);
		break;
	}
	case 4: {
		uint32_t x = (uint32_t)v;
		memcpy(dst, &x, 4);
		break;
	}
	case 8:
		memcpy(dst, &v, 8);
		break;
	default:
		break;
	}
}

static int enum_index(const char *const *names, const char *s)
{
	for (int i = 0; names && names[i]; i++)
		if (strcmp(names[i], s) == 0)
			return i;
	return -1;
}

static void enum_list(const char *const *names, char *buf, size_t len)
{
	size_t off = 0;

	buf[0] = '\0';
	for (int i = 0; names && names[i] && off < len; i++)
		off += (size_t)snprintf(buf + off, len - off, "%s%s", i ? ", " : "", names[i]);
}

static void store_str(const struct rb_schema_field *f, void *dst, const char *v)
{
	if (f->flags & RB_SF_DUP) {
		char **p = dst;

		free(*p);
		*p = v ? strdup(v) : NULL;
	} else if (f->size) {
		snprintf(dst, f->size, "%s", v ? v : "");
	}
}

static int check_string(const config_setting_t *s, const struct rb_schema_field *f, void *dst,
			const char *path, struct rb_cfg_err *e)
{
	const char *v = config_setting_get_string(s);
	char b[SHOW_MAX + 8], list[256];
	int64_t lo = f->min, hi = f->max;
	size_t n = strlen(v);

	if (f->type == RB_SCHEMA_NAME) {
		lo = 1;
		hi = f->size ? (int64_t)f->size - 1 : 31;
	}
	if ((f->flags & RB_SF_NONEMPTY) && lo < 1)
		lo = 1;
	if (hi == 0)
		hi = (f->flags & RB_SF_DUP) || f->size == 0 || f->type == RB_SCHEMA_ENUM
			 ? 4095
			 : (int64_t)f->size - 1;
	for (size_t i = 0; i < n; i++)
		if (iscntrl((unsigned char)v[i])) {
			rb_cfg_error(e, s, path, "'%s' contains a control character",
				     show(v, b, sizeof(b)));
			return -1;
		}
	if (n == 0 && lo > 0) {
		rb_cfg_error(e, s, path, "must not be empty");
		return -1;
	}
	if ((int64_t)n < lo) {
		rb_cfg_error(e, s, path, "'%s' is too short (%zu characters, at least %lld)",
			     show(v, b, sizeof(b)), n, (long long)lo);
		return -1;
	}
	if ((int64_t)n > hi) {
		rb_cfg_error(e, s, path, "'%s' is too long (%zu characters, at most %lld)",
			     show(v, b, sizeof(b)), n, (long long)hi);
		return -1;
	}
	if (f->type == RB_SCHEMA_NAME) {
		for (size_t i = 0; i < n; i++)
			if (!(islower((unsigned char)v[i]) || isdigit((unsigned char)v[i]) ||
			      v[i] == '_' || v[i] == '-')) {
				rb_cfg_error(e, s, path,
					     "'%s' is not a valid name (use a-z, 0-9, '_' and '-')",
					     show(v, b, sizeof(b)));
				return -1;
			}
	}
	if (f->enums && enum_index(f->enums, v) < 0) {
		enum_list(f->enums, list, sizeof(list));
		rb_cfg_error(e, s, path, "'%s' is not one of: %s", show(v, b, sizeof(b)), list);
		return -1;
	}
	if (dst && !f->handler) {
		if (f->type == RB_SCHEMA_ENUM)
			store_int(dst, f->size, enum_index(f->enums, v));
		else
			store_str(f, dst, v);
	}
	return 0;
}

static int check_cidr(const config_setting_t *s, const struct rb_schema_field *f, void *dst,
		      const char *path, struct rb_cfg_err *e)
{
	const char *v = config_setting_get_string(s);
	const char *why = rb_cidr_error(v);
	char b[SHOW_MAX + 8], net[64];
	struct rb_cidr c;

	if (why) {
		rb_cfg_error(e, s, path, "'%s' is not a valid %s: %s", show(v, b, sizeof(b)),
			     (f->flags & RB_SF_HOST) ? "address" : "address/prefix", why);
		return -1;
	}
	rb_cidr_parse(v, &c);
	if ((f->flags & RB_SF_HOST) && strchr(v, '/')) {
		rb_cfg_error(e, s, path, "'%s': expected an address without a prefix length",
			     show(v, b, sizeof(b)));
		return -1;
	}
	if ((f->flags & RB_SF_NET) && !rb_cidr_host_bits_zero(&c)) {
		struct rb_cidr n;

		rb_cidr_network(&c, &n);
		rb_cidr_format(&n, net, sizeof(net));
		rb_cfg_error(e, s, path, "'%s' has host bits set (the prefix is %s%s)",
			     show(v, b, sizeof(b)), net,
			     strchr(net, '/') ? "" : (c.family == AF_INET ? "/32" : "/128"));
		return -1;
	}
	if (dst && !f->handler)
		memcpy(dst, &c, sizeof(c));
	return 0;
}

static int check_value(const config_setting_t *s, const struct rb_schema_field *f, void *dst,
		       const char *path, struct rb_cfg_err *e);

static int check_seq(const config_setting_t *s, const struct rb_schema_field *f, void *dst,
		     void *base, const char *path, struct rb_cfg_err *e)
{
	int n = config_setting_length(s), keep, bad = 0;
	size_t stride = f->type == RB_SCHEMA_LIST ? f->size : f->sub->size;
	char ep[PATH_MAX_LEN];
	uint8_t *arr = dst;

	if (n < f->min) {
		if (f->min == 1)
			rb_cfg_error(e, s, path, "must not be empty");
		else
			rb_cfg_error(e, s, path, "has %d entries, needs at least %lld", n,
				     (long long)f->min);
		bad = -1;
	}
	if (f->max > 0 && n > f->max) {
		rb_cfg_error(e, s, path, "has %d entries, at most %lld allowed", n,
			     (long long)f->max);
		bad = -1;
	}
	keep = f->max > 0 && n > f->max ? (int)f->max : n;
	if (dst && (f->flags & RB_SF_ALLOC)) {
		void **p = dst;

		free(*p);
		*p = keep ? calloc((size_t)keep, stride) : NULL;
		if (keep && *p == NULL) {
			rb_cfg_error(e, s, path, "out of memory");
			return -1;
		}
		arr = *p;
	}
	if (base)
		store_int((uint8_t *)base + f->count_off, sizeof(int), 0);
	for (int i = 0; i < n; i++) {
		const config_setting_t *el = config_setting_get_elem(s, (unsigned)i);
		void *edst = arr && i < keep ? arr + (size_t)i * stride : NULL;

		rb_schema_path_idx(ep, sizeof(ep), path, i);
		if (f->type == RB_SCHEMA_LIST) {
			if (config_setting_type(el) != CONFIG_TYPE_GROUP) {
				rb_cfg_error(e, el, ep, "expected a group { ... }, got %s",
					     rb_schema_type_name(config_setting_type(el)));
				bad = -1;
				continue;
			}
			if (rb_schema_load(el, f->sub, edst, ep, e))
				bad = -1;
		} else if (check_value(el, f->sub, edst, ep, e)) {
			bad = -1;
		}
		/* Count only entries that were stored (those before the limit). */
		if (base && edst)
			store_int((uint8_t *)base + f->count_off, sizeof(int), i + 1);
	}
	return bad;
}

/* Check one present setting against f; dst is the field's storage or NULL. */
static int check_value(const config_setting_t *s, const struct rb_schema_field *f, void *dst,
		       const char *path, struct rb_cfg_err *e)
{
	int rc = 0;

	if (f->type == RB_SCHEMA_CUSTOM)
		return f->handler ? f->handler(s, dst, f, path, e) : 0;
	if (f->type == RB_SCHEMA_OTHER)
		return 0;
	if (!type_ok(s, f->type)) {
		rb_cfg_error(e, s, path, "expected %s, got %s", want_name(f->type),
			     rb_schema_type_name(config_setting_type(s)));
		return -1;
	}
	switch (f->type) {
	case RB_SCHEMA_INT: {
		int64_t v = config_setting_get_int64(s);

		if (v < f->min || v > f->max) {
			rb_cfg_error(e, s, path, "%lld is out of range %lld..%lld", (long long)v,
				     (long long)f->min, (long long)f->max);
			return -1;
		}
		if (dst && !f->handler)
			store_int(dst, f->size, v);
		break;
	}
	case RB_SCHEMA_BOOL:
		if (dst && !f->handler)
			store_int(dst, f->size, config_setting_get_bool(s) ? 1 : 0);
		break;
	case RB_SCHEMA_STRING:
	case RB_SCHEMA_ENUM:
	case RB_SCHEMA_NAME:
		rc = check_string(s, f, dst, path, e);
		break;
	case RB_SCHEMA_CIDR:
		rc = check_cidr(s, f, dst, path, e);
		break;
	case RB_SCHEMA_GROUP:
		rc = rb_schema_load(s, f->sub, dst, path, e) ? -1 : 0;
		break;
	default:
		break;
	}
	if (rc == 0 && f->handler)
		rc = f->handler(s, dst, f, path, e);
	return rc;
}

/* Fill the default of an absent field. */
static void fill_default(const struct rb_schema_field *f, void *base, void *dst, const char *path,
			 struct rb_cfg_err *e)
{
	switch (f->type) {
	case RB_SCHEMA_INT:
	case RB_SCHEMA_BOOL:
	case RB_SCHEMA_ENUM:
		store_int(dst, f->size, f->def);
		break;
	case RB_SCHEMA_STRING:
	case RB_SCHEMA_NAME:
		store_str(f, dst, f->def_str);
		break;
	case RB_SCHEMA_CIDR: {
		struct rb_cidr c;

		memset(&c, 0, sizeof(c));
		if (f->def_str)
			rb_cidr_parse(f->def_str, &c);
		memcpy(dst, &c, sizeof(c));
		break;
	}
	case RB_SCHEMA_GROUP:
		rb_schema_load(NULL, f->sub, dst, path, e);
		break;
	case RB_SCHEMA_LIST:
	case RB_SCHEMA_ARRAY:
		if (f->flags & RB_SF_ALLOC) {
			free(*(void **)dst);
			*(void **)dst = NULL;
		}
		store_int((uint8_t *)base + f->count_off, sizeof(int), 0);
		break;
	case RB_SCHEMA_CUSTOM:
		if (f->handler)
			f->handler(NULL, dst, f, path, e);
		break;
	default:
		break;
	}
}

/* Levenshtein distance, for "did you mean" (short keys only). */
static unsigned edit_distance(const char *a, const char *b)
{
	unsigned row[33], la = (unsigned)strlen(a), lb = (unsigned)strlen(b);

	if (la > 32 || lb > 32)
		return 99;
	for (unsigned j = 0; j <= lb; j++)
		row[j] = j;
	for (unsigned i = 1; i <= la; i++) {
		unsigned prev = row[0];

		row[0] = i;
		for (unsigned j = 1; j <= lb; j++) {
			unsigned cur = row[j], best = prev + (a[i - 1] != b[j - 1]);

			if (row[j] + 1 < best)
				best = row[j] + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			prev = cur;
		}
	}
	return row[lb];
}

static void unknown_key(const config_setting_t *c, const struct rb_schema_field *tbl,
			const char *path, struct rb_cfg_err *e)
{
	const char *name = config_setting_name(c), *best = NULL;
	unsigned bd = 99;

	for (const struct rb_schema_field *f = tbl; f->type != RB_SCHEMA_END; f++) {
		unsigned d = f->key && name ? edit_distance(name, f->key) : 99;

		/* One edit for short keys, two for longer ones. */
		if (d < bd && d <= (strlen(f->key) <= 4 ? 1u : 2u)) {
			bd = d;
			best = f->key;
		}
	}
	if (best)
		rb_cfg_error(e, c, path, "unknown key (did you mean '%s'?)", best);
	else
		rb_cfg_error(e, c, path, "unknown key");
}

int rb_schema_load(const config_setting_t *s, const struct rb_schema_field *tbl, void *base,
		   const char *path, struct rb_cfg_err *e)
{
	char cp[PATH_MAX_LEN];
	int before = e->count, open = 0;

	for (const struct rb_schema_field *f = tbl; f->type != RB_SCHEMA_END; f++)
		open |= f->type == RB_SCHEMA_OTHER;
	if (s && !open) {
		int n = config_setting_length(s);

		for (int i = 0; i < n; i++) {
			const config_setting_t *c = config_setting_get_elem(s, (unsigned)i);
			const struct rb_schema_field *f;
			const char *name = config_setting_name(c);

			for (f = tbl; f->type != RB_SCHEMA_END; f++)
				if (f->key && name && strcmp(f->key, name) == 0)
					break;
			if (f->type == RB_SCHEMA_END)
				unknown_key(c, tbl,
					    rb_schema_path(cp, sizeof(cp), path, name ? name : "?"),
					    e);
		}
	}
	for (const struct rb_schema_field *f = tbl; f->type != RB_SCHEMA_END; f++) {
		const config_setting_t *c;
		void *b = (f->flags & RB_SF_NOSTORE) ? NULL : base;
		void *dst = b ? (uint8_t *)b + f->offset : NULL;

		if (f->type == RB_SCHEMA_OTHER || f->key == NULL) {
			if (f->type == RB_SCHEMA_LINE && dst)
				store_int(dst, sizeof(int), s ? config_setting_source_line(s) : 0);
			continue;
		}
		rb_schema_path(cp, sizeof(cp), path, f->key);
		c = s ? config_setting_get_member(s, f->key) : NULL;
		if (c == NULL) {
			if (s && (f->flags & RB_SF_REQUIRED))
				rb_cfg_error(e, s, cp, "missing required key");
			else if (dst)
				fill_default(f, b, dst, cp, e);
			continue;
		}
		if (f->type == RB_SCHEMA_LIST || f->type == RB_SCHEMA_ARRAY) {
			if (!type_ok(c, f->type)) {
				rb_cfg_error(e, c, cp, "expected %s, got %s", want_name(f->type),
					     rb_schema_type_name(config_setting_type(c)));
				continue;
			}
			if (check_seq(c, f, dst, b, cp, e) == 0 && f->handler)
				f->handler(c, dst, f, cp, e);
			continue;
		}
		check_value(c, f, dst, cp, e);
	}
	return e->count - before;
}

int rb_schema_check(const config_setting_t *s, const struct rb_schema_field *tbl, const char *path,
		    struct rb_cfg_err *e)
{
	return rb_schema_load(s, tbl, NULL, path, e);
}

void rb_schema_defaults(const struct rb_schema_field *tbl, void *base)
{
	struct rb_cfg_err e = RB_CFG_ERR_INIT(NULL, NULL);

	rb_schema_load(NULL, tbl, base, "", &e);
}

void rb_schema_free(const struct rb_schema_field *tbl, void *base)
{
	for (const struct rb_schema_field *f = tbl; f->type != RB_SCHEMA_END; f++) {
		uint8_t *dst = (uint8_t *)base + f->offset;
		int n;

		if (f->flags & RB_SF_NOSTORE)
			continue;
		switch (f->type) {
		case RB_SCHEMA_STRING:
			if (f->flags & RB_SF_DUP) {
				free(*(char **)dst);
				*(char **)dst = NULL;
			}
			break;
		case RB_SCHEMA_GROUP:
			rb_schema_free(f->sub, dst);
			break;
		case RB_SCHEMA_ARRAY:
			memcpy(&n, (uint8_t *)base + f->count_off, sizeof(n));
			if (f->sub->type == RB_SCHEMA_STRING && (f->sub->flags & RB_SF_DUP))
				for (int i = 0; i < n; i++) {
					char **p = (char **)(dst + (size_t)i * f->sub->size);

					free(*p);
					*p = NULL;
				}
			break;
		case RB_SCHEMA_LIST: {
			uint8_t *arr = (f->flags & RB_SF_ALLOC) ? *(uint8_t **)dst : dst;

			memcpy(&n, (uint8_t *)base + f->count_off, sizeof(n));
			for (int i = 0; arr && i < n; i++)
				rb_schema_free(f->sub, arr + (size_t)i * f->size);
			if (f->flags & RB_SF_ALLOC) {
				free(arr);
				*(void **)dst = NULL;
			}
			break;
		}
		default:
			break;
		}
	}
}

int rb_schema_parse_mac(const char *s, uint8_t mac[6])
{
	if (s == NULL || strlen(s) != 17)
		return -1;
	for (int i = 0; i < 6; i++) {
		const char *p = s + 3 * i;
		char hex[3] = {p[0], p[1], 0};

		if (!isxdigit((unsigned char)p[0]) || !isxdigit((unsigned char)p[1]))
			return -1;
		if (i < 5 && p[2] != ':')
			return -1;
		mac[i] = (uint8_t)strtoul(hex, NULL, 16);
	}
	return 0;
}

const char *rb_schema_hostport_error(const char *s)
{
	char host[INET6_ADDRSTRLEN + 1];
	uint8_t a[16];
	const char *colon, *p;
	unsigned long port = 0;
	size_t hl;
	int v6 = 0;

	if (s == NULL || *s == '\0')
		return "empty";
	if (*s == '[') {
		const char *end = strchr(s, ']');

		if (end == NULL || end[1] != ':')
			return "want [IPV6]:PORT";
		hl = (size_t)(end - s - 1);
		if (hl >= sizeof(host))
			return "bad IPv6 address";
		memcpy(host, s + 1, hl);
		colon = end + 1;
		v6 = 1;
	} else {
		colon = strrchr(s, ':');
		if (colon == NULL)
			return "missing ':PORT'";
		hl = (size_t)(colon - s);
		if (hl >= sizeof(host))
			return "bad IPv4 address";
		memcpy(host, s, hl);
	}
	host[hl] = '\0';
	if (inet_pton(v6 ? AF_INET6 : AF_INET, host, a) != 1)
		return v6 ? "bad IPv6 address" : "bad IPv4 address (IPv6 needs [ADDR]:PORT)";
	p = colon + 1;
	if (*p == '\0')
		return "missing port";
	for (; *p; p++) {
		if (!isdigit((unsigned char)*p))
			return "port is not a number";
		port = port * 10 + (unsigned long)(*p - '0');
		if (port > 65535)
			return "port is out of range 1..65535";
	}
	if (port == 0)
		return "port is out of range 1..65535";
	return NULL;
}
