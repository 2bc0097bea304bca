/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A small JSON writer (ctl replies) and reader (ringboxctl), RFC 8259.
 * The writer appends to a growing buffer and tracks commas itself; an
 * allocation failure sticks in ->err and the reply becomes an error.
 */
#ifndef RB_JSON_H
#define RB_JSON_H

#include <stddef.h>
#include <stdint.h>

#define RB_JSON_DEPTH 32

struct rb_json {
	char *buf;
	size_t len, cap;
	int err;
	int depth;
	uint8_t first[RB_JSON_DEPTH]; /* nothing written yet at this level */
};

void rb_json_init(struct rb_json *j);
void rb_json_free(struct rb_json *j);
/* key is NULL inside arrays and at the top level. */
void rb_json_obj(struct rb_json *j, const char *key);
void rb_json_obj_end(struct rb_json *j);
void rb_json_arr(struct rb_json *j, const char *key);
void rb_json_arr_end(struct rb_json *j);
void rb_json_str(struct rb_json *j, const char *key, const char *v);
void rb_json_strf(struct rb_json *j, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void rb_json_u64(struct rb_json *j, const char *key, uint64_t v);
void rb_json_i64(struct rb_json *j, const char *key, int64_t v);
void rb_json_dbl(struct rb_json *j, const char *key, double v);
void rb_json_bool(struct rb_json *j, const char *key, int v);
void rb_json_null(struct rb_json *j, const char *key);
/* n bytes as they are, no separator (the Prometheus text writers;
 * the buffer stays NUL-terminated). */
void rb_json_raw(struct rb_json *j, const char *s, size_t n);

/* ---- reader ---- */
enum rb_jtype { RB_JNULL, RB_JBOOL, RB_JNUM, RB_JSTR, RB_JARR, RB_JOBJ };

struct rb_jv {
	enum rb_jtype type;
	char *key;              /* member name inside an object */
	char *s;                /* string value, or the number's text */
	int b;
	size_t n;               /* children */
	struct rb_jv *kid;
};

/* Parse text (len bytes); NULL on malformed input (err says where). */
struct rb_jv *rb_json_parse(const char *text, size_t len, char *err, size_t errlen);
void rb_jv_free(struct rb_jv *v);
const struct rb_jv *rb_jv_get(const struct rb_jv *obj, const char *key);

#endif
