/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Declarative validation of libconfig settings.
 *
 * A section is described by a table of struct rb_schema_field, one entry per
 * key, ended by an entry with type RB_SCHEMA_END.  rb_schema_load() walks a
 * libconfig group against such a table: it reports unknown keys, wrong types,
 * out-of-range values and missing required keys (every problem, one line
 * each, "FILE:LINE: a.b.[2].c: message"), fills defaults for absent optional
 * keys and stores the converted values into a C struct at the given offsets.
 *
 * Example, for a module that owns the libconfig group "route":
 *
 *	struct my_route { int final_idx; char final[32]; uint16_t ttl; };
 *	static const struct rb_schema_field route_tbl[] = {
 *		RB_SCHEMA_STR("final", struct my_route, final, 1, 0, NULL, RB_SF_REQUIRED),
 *		RB_SCHEMA_INT("ttl", struct my_route, ttl, 1, 255, 64, 0),
 *		RB_SCHEMA_TABLE_END,
 *	};
 *	struct rb_cfg_err e = RB_CFG_ERR_INIT(stderr, cfg->path);
 *	rb_schema_load(config_lookup(cfg->tree, "route"), route_tbl, &r, "route", &e);
 *	if (e.count) ...
 */
#ifndef RB_SCHEMA_H
#define RB_SCHEMA_H

#include <libconfig.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Where error lines go and how many there were. */
struct rb_cfg_err {
	FILE *out;	  /* one line per error; NULL = only count */
	const char *file; /* file name used in messages (settings from an @include use theirs) */
	int count;	  /* errors reported so far */
	void *ctx;	  /* for handlers: e.g. the struct rb_config being filled */
	const char *include_dir; /* prefixed to relative @include names in messages */
};
#define RB_CFG_ERR_INIT(out_, file_)                                                               \
	{                                                                                          \
		.out = (out_), .file = (file_), .count = 0, .ctx = NULL, .include_dir = NULL       \
	}

enum rb_schema_type {
	RB_SCHEMA_END = 0, /* ends a table */
	RB_SCHEMA_INT,	   /* integer in min..max; stored in an integer of `size` bytes */
	RB_SCHEMA_BOOL,	   /* true/false; stored as int */
	RB_SCHEMA_STRING,  /* length min..max (max 0: size - 1), optional enums[]; stored
			    * into char[size], or strdup()ed into a char * with RB_SF_DUP */
	RB_SCHEMA_ENUM,	   /* string, one of enums[]; stored as the int index */
	RB_SCHEMA_NAME,	   /* identifier [a-z0-9_-], 1..size-1 characters; stored as STRING */
	RB_SCHEMA_CIDR,	   /* "addr" or "addr/len" (see RB_SF_NET, RB_SF_HOST); struct rb_cidr */
	RB_SCHEMA_GROUP,   /* a group checked against sub; its struct lies at offset */
	RB_SCHEMA_LIST,	   /* a list of groups, each checked against sub; min..max entries;
			    * entries are `size` bytes apart from offset (RB_SF_ALLOC: offset
			    * holds a pointer to calloc()ed entries); count in int at count_off */
	RB_SCHEMA_ARRAY,   /* an array (or list) of scalars, each checked against sub[0]
			    * (key NULL, offset 0, size = entry stride); min..max entries */
	RB_SCHEMA_CUSTOM,  /* any type: the handler checks and stores (called with s = NULL
			    * when the key is absent, to fill a default) */
	RB_SCHEMA_LINE,	   /* not a key: stores the group's source line into an int */
	RB_SCHEMA_OTHER,   /* key "*": any other key is accepted (left to a later module) */
};

/* flags */
#define RB_SF_REQUIRED 0x01u /* absence is an error */
#define RB_SF_DUP      0x02u /* STRING: store a strdup()ed char * (free with rb_schema_free) */
#define RB_SF_ALLOC    0x04u /* LIST: entries are calloc()ed (free with rb_schema_free) */
#define RB_SF_NET      0x08u /* CIDR: a prefix; host bits must be zero */
#define RB_SF_HOST     0x10u /* CIDR: a plain address, no "/len" */
#define RB_SF_NONEMPTY 0x20u /* STRING/ARRAY elements: "" is an error (same as min = 1) */
#define RB_SF_NOSTORE  0x40u /* check only, store nothing (and no count) */

struct rb_schema_field;

/*
 * A handler converts or checks beyond the generic rules.  It runs after the
 * generic type check (for CUSTOM: instead of it) with dst = the field's
 * storage (base + offset; NULL when only checking) and returns 0, or -1 after
 * reporting with rb_cfg_error().  When a handler is set the generic code
 * stores nothing for that field.
 */
typedef int (*rb_schema_handler)(const config_setting_t *s, void *dst,
				 const struct rb_schema_field *f, const char *path,
				 struct rb_cfg_err *e);

/* clang-format off */
struct rb_schema_field {
	const char *key;
	enum rb_schema_type type;
	unsigned flags;                     /* RB_SF_* */
	int64_t min, max;                   /* INT: values; STRING: length; LIST/ARRAY: entries */
	size_t offset;                      /* storage, relative to the parent's struct */
	size_t size;                        /* INT: 1, 2, 4, 8; STRING: buffer; LIST: stride */
	size_t count_off;                   /* LIST/ARRAY: int holding the entry count */
	int64_t def;                        /* INT/BOOL/ENUM default when absent */
	const char *def_str;                /* STRING/NAME/CIDR default when absent */
	const char *const *enums;           /* ENUM/STRING: allowed values, NULL-terminated */
	const struct rb_schema_field *sub;  /* GROUP/LIST: member table; ARRAY: element */
	rb_schema_handler handler;
};
/* clang-format on */

#define RB_SCHEMA_MEMBER_SIZE(type, m) sizeof(((type *)0)->m)

/* clang-format off */
/* Table entry helpers (designated initialisers, so any field may be added). */
#define RB_SCHEMA_INT(k, T, m, lo, hi, dflt, fl)                                          \
	{ .key = (k), .type = RB_SCHEMA_INT, .flags = (fl), .min = (lo), .max = (hi),      \
	  .offset = offsetof(T, m), .size = RB_SCHEMA_MEMBER_SIZE(T, m), .def = (dflt) }
#define RB_SCHEMA_BOOL(k, T, m, dflt)                                                     \
	{ .key = (k), .type = RB_SCHEMA_BOOL, .offset = offsetof(T, m),                    \
	  .size = RB_SCHEMA_MEMBER_SIZE(T, m), .def = (dflt) }
#define RB_SCHEMA_STR(k, T, m, lo, hi, dflt, fl)                                          \
	{ .key = (k), .type = RB_SCHEMA_STRING, .flags = (fl), .min = (lo), .max = (hi),   \
	  .offset = offsetof(T, m), .size = RB_SCHEMA_MEMBER_SIZE(T, m), .def_str = (dflt) }
#define RB_SCHEMA_ENUM(k, T, m, names, dflt, fl)                                          \
	{ .key = (k), .type = RB_SCHEMA_ENUM, .flags = (fl), .offset = offsetof(T, m),     \
	  .size = RB_SCHEMA_MEMBER_SIZE(T, m), .enums = (names), .def = (dflt) }
#define RB_SCHEMA_NAME_F(k, T, m, fl)                                                     \
	{ .key = (k), .type = RB_SCHEMA_NAME, .flags = (fl), .offset = offsetof(T, m),     \
	  .size = RB_SCHEMA_MEMBER_SIZE(T, m) }
#define RB_SCHEMA_CIDR_F(k, T, m, fl)                                                     \
	{ .key = (k), .type = RB_SCHEMA_CIDR, .flags = (fl), .offset = offsetof(T, m),     \
	  .size = RB_SCHEMA_MEMBER_SIZE(T, m) }
#define RB_SCHEMA_LINE_F(T, m) { .key = NULL, .type = RB_SCHEMA_LINE, .offset = offsetof(T, m) }
#define RB_SCHEMA_OTHER_KEYS { .key = "*", .type = RB_SCHEMA_OTHER }
#define RB_SCHEMA_TABLE_END { .key = NULL, .type = RB_SCHEMA_END }
/* clang-format on */

/*
 * Check the group s (NULL: absent, only defaults are filled) against tbl and
 * store into base (NULL: check only).  path names s in messages ("" for the
 * root).  Returns the number of errors found by this call (0 = valid).
 */
int rb_schema_load(const config_setting_t *s, const struct rb_schema_field *tbl, void *base,
		   const char *path, struct rb_cfg_err *e);

/* Check only: rb_schema_load(s, tbl, NULL, path, e). */
int rb_schema_check(const config_setting_t *s, const struct rb_schema_field *tbl, const char *path,
		    struct rb_cfg_err *e);

/* Fill base with the defaults of tbl (absent keys everywhere). */
void rb_schema_defaults(const struct rb_schema_field *tbl, void *base);

/* Free what rb_schema_load allocated in base (RB_SF_DUP strings, RB_SF_ALLOC lists). */
void rb_schema_free(const struct rb_schema_field *tbl, void *base);

/*
 * Report one error: "FILE:LINE: PATH: message\n" (LINE from s, omitted when
 * s is NULL or has none; "PATH: " omitted when path is empty).
 */
void rb_cfg_error(struct rb_cfg_err *e, const config_setting_t *s, const char *path,
		  const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* The same with an explicit file (NULL: e->file) and line (0: none). */
void rb_cfg_error_at(struct rb_cfg_err *e, const char *file, unsigned line, const char *path,
		     const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* "parent.key" / "parent.[i]" into buf (truncated to len). */
const char *rb_schema_path(char *buf, size_t len, const char *parent, const char *key);
const char *rb_schema_path_idx(char *buf, size_t len, const char *parent, int i);

/* "an integer", "a string", ... for messages. */
const char *rb_schema_type_name(int config_type);

/* Parse "aa:bb:cc:dd:ee:ff" (hex, case-insensitive); 0 or -1. */
int rb_schema_parse_mac(const char *s, uint8_t mac[6]);

/* Check "a.b.c.d:port" or "[v6]:port" (port 1..65535); NULL or a static reason. */
const char *rb_schema_hostport_error(const char *s);

#endif
