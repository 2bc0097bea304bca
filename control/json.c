/* SPDX-License-Identifier: BSD-3-Clause */
/* JSON writer and reader (RFC 8259), see rb_json.h. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rb_json.h"

#define PARSE_DEPTH 64

void rb_json_init(struct rb_json *j)
{
	memset(j, 0, sizeof(*j));
	j->first[0] = 1;
}

void rb_json_free(struct rb_json *j)
{
	free(j->buf);
	memset(j, 0, sizeof(*j));
}

void rb_json_raw(struct rb_json *j, const char *s, size_t n)
{
	if (j->err)
		return;
	if (j->len + n + 1 > j->cap) {
		size_t cap = j->cap ? j->cap : 256;
		char *b;

		while (cap < j->len + n + 1)
			cap *= 2;
		b = realloc(j->buf, cap);
		if (!b) {
			j->err = 1;
			return;
		}
		j->buf = b;
		j->cap = cap;
	}
	memcpy(j->buf + j->len, s, n);
	j->len += n;
	j->buf[j->len] = 0;
}

static void puts_(struct rb_json *j, const char *s)
{
	rb_json_raw(j, s, strlen(s));
}

static void quoted(struct rb_json *j, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = (const unsigned char *)s;

	rb_json_raw(j, "\"", 1);
	for (; *p; p++) {
		char esc[7] = "\\u00";

		switch (*p) {
		case '"': puts_(j, "\\\""); break;
		case '\\': puts_(j, "\\\\"); break;
		case '\n': puts_(j, "\\n"); break;
		case '\t': puts_(j, "\\t"); break;
		case '\r': puts_(j, "\\r"); break;
		default:
			if (*p < 0x20 || *p == 0x7f) {
				esc[4] = hex[*p >> 4];
				esc[5] = hex[*p & 15];
				esc[6] = 0;
				puts_(j, esc);
			} else {
				rb_json_raw(j, (const char *)p, 1);
			}
		}
	}
	rb_json_raw(j, "\"", 1);
}

static void member(struct rb_json *j, const char *key)
{
	if (!j->first[j->depth])
		rb_json_raw(j, ",", 1);
	j->first[j->depth] = 0;
	if (key) {
		quoted(j, key);
		rb_json_raw(j, ":", 1);
	}
}

static void open_(struct rb_json *j, const char *key, const char *c)
{
	member(j, key);
	puts_(j, c);
	if (j->depth + 1 >= RB_JSON_DEPTH) {
		j->err = 1;
		return;
	}
	j->first[++j->depth] = 1;
}

static void close_(struct rb_json *j, const char *c)
{
	if (j->depth > 0)
		j->depth--;
	puts_(j, c);
}

void rb_json_obj(struct rb_json *j, const char *key) { open_(j, key, "{"); }
void rb_json_obj_end(struct rb_json *j) { close_(j, "}"); }
void rb_json_arr(struct rb_json *j, const char *key) { open_(j, key, "["); }
void rb_json_arr_end(struct rb_json *j) { close_(j, "]"); }

void rb_json_str(struct rb_json *j, const char *key, const char *v)
{
	member(j, key);
	quoted(j, v ? v : "");
}

void rb_json_strf(struct rb_json *j, const char *key, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	rb_json_str(j, key, buf);
}

void rb_json_u64(struct rb_json *j, const char *key, uint64_t v)
{
	char b[24];

	member(j, key);
	snprintf(b, sizeof(b), "%llu", (unsigned long long)v);
	puts_(j, b);
}

void rb_json_i64(struct rb_json *j, const char *key, int64_t v)
{
	char b[24];

	member(j, key);
	snprintf(b, sizeof(b), "%lld", (long long)v);
	puts_(j, b);
}

void rb_json_dbl(struct rb_json *j, const char *key, double v)
{
	char b[40];

	member(j, key);
	snprintf(b, sizeof(b), "%.3f", v);
	puts_(j, b);
}

void rb_json_bool(struct rb_json *j, const char *key, int v)
{
	member(j, key);
	puts_(j, v ? "true" : "false");
}

void rb_json_null(struct rb_json *j, const char *key)
{
	member(j, key);
	puts_(j, "null");
}

/* ---------------- reader ---------------- */

struct pstate {
	const char *p, *end, *start;
	char *err;
	size_t errlen;
	int failed;
};

static void fail(struct pstate *ps, const char *what)
{
	if (!ps->failed)
		snprintf(ps->err, ps->errlen, "JSON: %s at offset %zu", what,
			 (size_t)(ps->p - ps->start));
	ps->failed = 1;
}

static void ws(struct pstate *ps)
{
	while (ps->p < ps->end && (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\n' ||
				   *ps->p == '\r'))
		ps->p++;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static char *pstring(struct pstate *ps)
{
	size_t cap = 16, n = 0;
	char *s = malloc(cap);

	if (!s || ps->p >= ps->end || *ps->p != '"') {
		free(s);
		fail(ps, "expected string");
		return NULL;
	}
	ps->p++;
	while (ps->p < ps->end && *ps->p != '"') {
		char c = *ps->p++;
		char out[4];
		size_t k = 1;

		if ((unsigned char)c < 0x20) {
			fail(ps, "control character in string");
			goto bad;
		}
		out[0] = c;
		if (c == '\\') {
			if (ps->p >= ps->end)
				break;
			c = *ps->p++;
			switch (c) {
			case '"': case '\\': case '/': out[0] = c; break;
			case 'n': out[0] = '\n'; break;
			case 't': out[0] = '\t'; break;
			case 'r': out[0] = '\r'; break;
			case 'b': out[0] = '\b'; break;
			case 'f': out[0] = '\f'; break;
			case 'u': {
				unsigned u = 0;
				int i;

				for (i = 0; i < 4; i++) {
					int h = ps->p < ps->end ? hexval(*ps->p) : -1;

					if (h < 0) {
						fail(ps, "bad \\u escape");
						goto bad;
					}
					u = u << 4 | (unsigned)h;
					ps->p++;
				}
				/* Surrogates are kept as U+FFFD: ctl text is ASCII. */
				if (u >= 0xd800 && u <= 0xdfff)
					u = 0xfffd;
				if (u < 0x80) {
					out[0] = (char)u;
				} else if (u < 0x800) {
					out[0] = (char)(0xc0 | u >> 6);
					out[1] = (char)(0x80 | (u & 0x3f));
					k = 2;
				} else {
					out[0] = (char)(0xe0 | u >> 12);
					out[1] = (char)(0x80 | ((u >> 6) & 0x3f));
					out[2] = (char)(0x80 | (u & 0x3f));
					k = 3;
				}
				break;
			}
			default:
				fail(ps, "bad escape");
				goto bad;
			}
		}
		if (n + k + 1 > cap) {
			char *t;

			cap *= 2;
			t = realloc(s, cap);
			if (!t) {
				fail(ps, "out of memory");
				goto bad;
			}
			s = t;
		}
		memcpy(s + n, out, k);
		n += k;
	}
	if (ps->p >= ps->end) {
		fail(ps, "unterminated string");
		goto bad;
	}
	ps->p++;
	s[n] = 0;
	return s;
bad:
	free(s);
	return NULL;
}

static int pvalue(struct pstate *ps, struct rb_jv *v, int depth);

static int add_kid(struct pstate *ps, struct rb_jv *v, size_t *cap)
{
	if (v->n == *cap) {
		size_t nc = *cap ? *cap * 2 : 4;
		struct rb_jv *k = realloc(v->kid, nc * sizeof(*k));

		if (!k) {
			fail(ps, "out of memory");
			return -1;
		}
		v->kid = k;
		*cap = nc;
	}
	memset(&v->kid[v->n], 0, sizeof(v->kid[0]));
	v->n++;
	return 0;
}

static int pcontainer(struct pstate *ps, struct rb_jv *v, int depth, int obj)
{
	size_t cap = 0;
	char close = obj ? '}' : ']';

	v->type = obj ? RB_JOBJ : RB_JARR;
	ps->p++;
	ws(ps);
	if (ps->p < ps->end && *ps->p == close) {
		ps->p++;
		return 0;
	}
	for (;;) {
		struct rb_jv *k;

		if (add_kid(ps, v, &cap) < 0)
			return -1;
		k = &v->kid[v->n - 1];
		ws(ps);
		if (obj) {
			k->key = pstring(ps);
			if (!k->key)
				return -1;
			ws(ps);
			if (ps->p >= ps->end || *ps->p != ':') {
				fail(ps, "expected ':'");
				return -1;
			}
			ps->p++;
		}
		if (pvalue(ps, k, depth + 1) < 0)
			return -1;
		ws(ps);
		if (ps->p < ps->end && *ps->p == ',') {
			ps->p++;
			continue;
		}
		if (ps->p < ps->end && *ps->p == close) {
			ps->p++;
			return 0;
		}
		fail(ps, obj ? "expected ',' or '}'" : "expected ',' or ']'");
		return -1;
	}
}

static int pvalue(struct pstate *ps, struct rb_jv *v, int depth)
{
	const char *q;

	if (depth > PARSE_DEPTH) {
		fail(ps, "nested too deeply");
		return -1;
	}
	ws(ps);
	if (ps->p >= ps->end) {
		fail(ps, "unexpected end");
		return -1;
	}
	switch (*ps->p) {
	case '{':
		return pcontainer(ps, v, depth, 1);
	case '[':
		return pcontainer(ps, v, depth, 0);
	case '"':
		v->type = RB_JSTR;
		v->s = pstring(ps);
		return v->s ? 0 : -1;
	case 't':
	case 'f':
	case 'n': {
		static const char *const words[] = { "true", "false", "null" };
		int i;

		for (i = 0; i < 3; i++) {
			size_t l = strlen(words[i]);

			if ((size_t)(ps->end - ps->p) >= l && !memcmp(ps->p, words[i], l)) {
				ps->p += l;
				v->type = i == 2 ? RB_JNULL : RB_JBOOL;
				v->b = i == 0;
				return 0;
			}
		}
		fail(ps, "bad literal");
		return -1;
	}
	default:
		q = ps->p;
		if (q < ps->end && *q == '-')
			q++;
		while (q < ps->end && ((*q >= '0' && *q <= '9') || *q == '.' || *q == 'e' ||
				       *q == 'E' || *q == '+' || *q == '-'))
			q++;
		if (q == ps->p || (q == ps->p + 1 && *ps->p == '-')) {
			fail(ps, "unexpected character");
			return -1;
		}
		v->type = RB_JNUM;
		v->s = strndup(ps->p, (size_t)(q - ps->p));
		ps->p = q;
		if (!v->s) {
			fail(ps, "out of memory");
			return -1;
		}
		return 0;
	}
}

static void jv_clear(struct rb_jv *v)
{
	size_t i;

	for (i = 0; i < v->n; i++)
		jv_clear(&v->kid[i]);
	free(v->kid);
	free(v->key);
	free(v->s);
}

void rb_jv_free(struct rb_jv *v)
{
	if (!v)
		return;
	jv_clear(v);
	free(v);
}

struct rb_jv *rb_json_parse(const char *text, size_t len, char *err, size_t errlen)
{
	struct pstate ps = { text, text + len, text, err, errlen, 0 };
	struct rb_jv *v = calloc(1, sizeof(*v));

	if (!v) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (pvalue(&ps, v, 0) == 0) {
		ws(&ps);
		if (ps.p == ps.end)
			return v;
		fail(&ps, "trailing data");
	}
	rb_jv_free(v);
	return NULL;
}

const struct rb_jv *rb_jv_get(const struct rb_jv *obj, const char *key)
{
	size_t i;

	if (!obj || obj->type != RB_JOBJ)
		return NULL;
	for (i = 0; i < obj->n; i++)
		if (obj->kid[i].key && !strcmp(obj->kid[i].key, key))
			return &obj->kid[i];
	return NULL;
}
