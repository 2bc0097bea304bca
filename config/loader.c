/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * rb_config_load(): read a libconfig file, check it against the schema
 * tables (tables.c, walked by rb_schema_load in schema.c), then run the
 * checks that span several keys (checks.c).  Every problem is reported, one
 * line each, in line order; the config is accepted only when there are none.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <libconfig.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "cfg_priv.h"
#include "rb_config.h"
#include "schema.h"
#include "rb_cfg_proxy.h"
#include "rb_cfg_wg.h"
#include "rb_cfg_route.h"

#define MAX_FILE_SIZE (16u << 20)

/*
 * A scan of the text that follows libconfig's lexer (comments # // and
 * C-style, strings with escapes, names, numbers, punctuation), for two
 * defects of libconfig 1.5:
 *  - it leaks a string token the grammar does not expect (`"x"` at the top
 *    level, `a = 1, "x";`, `( {} "x" )`): such input is rejected here as a
 *    syntax error before libconfig sees it (strings=1);
 *  - it silently truncates integer literals that do not fit in 32 bits
 *    (4294968796 reads as 1500): they are reported after a successful parse
 *    (ints=1).
 * Returns the number of errors reported.
 */
#define SCAN_DEPTH 512

static int scan_text(const char *t, struct rb_cfg_err *e, int strings, int ints)
{
	char ctx[SCAN_DEPTH + 1];
	int depth = 0, before = e->count, at_bol = 1;
	unsigned line = 1;
	char prev = '{'; /* previous significant token: punctuation, 's'tring, 'n'ame/number */

	ctx[0] = '{';
	while (*t) {
		if (*t == '\n') {
			line++;
			t++;
			at_bol = 1;
			continue;
		}
		if (*t == ' ' || *t == '\t' || *t == '\r' || *t == '\f' || *t == '\v') {
			t++;
			continue;
		}
		if (*t == '#' || (t[0] == '/' && t[1] == '/')) {
			while (*t && *t != '\n')
				t++;
			continue;
		}
		if (t[0] == '/' && t[1] == '*') {
			for (t += 2; *t && !(t[0] == '*' && t[1] == '/'); t++)
				line += *t == '\n';
			t += *t ? 2 : 0;
			continue;
		}
		if (at_bol && strncmp(t, "@include", 8) == 0 && (t[8] == ' ' || t[8] == '\t')) {
			/* The lexer handles "@include" + string itself. */
			for (t += 8; *t == ' ' || *t == '\t'; t++)
				;
			if (*t == '"') {
				for (t++; *t && *t != '"' && *t != '\n'; t++)
					if (*t == '\\' && t[1] && t[1] != '\n')
						t++;
				t += *t == '"';
			}
			at_bol = 0;
			continue;
		}
		at_bol = 0;
		if (*t == '"') {
			unsigned sline = line;
			int ok = prev == '=' || prev == ':' || prev == 's' || prev == '[' ||
				 prev == '(' ||
				 (prev == ',' && (ctx[depth] == '(' || ctx[depth] == '['));

			for (t++; *t && *t != '"'; t++) {
				if (*t == '\\' && t[1])
					t++;
				line += *t == '\n';
			}
			t += *t ? 1 : 0;
			if (strings && !ok) {
				rb_cfg_error_at(e, NULL, sline, "",
						"syntax error (unexpected string)");
				return e->count - before;
			}
			prev = 's';
			continue;
		}
		if (isalpha((unsigned char)*t) || *t == '*') {
			while (isalnum((unsigned char)*t) || *t == '-' || *t == '_' || *t == '*')
				t++;
			prev = 'n';
			continue;
		}
		if (isdigit((unsigned char)*t) || *t == '.' ||
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
			prev = 'n';
			if (!ints)
				continue;
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
				unsigned long long u;
				long long v;

				errno = 0;
				if (hex) {
					u = strtoull(tok + 2, NULL, 16);
					big = errno == ERANGE || (!l64 && u > INT32_MAX);
				} else {
					v = strtoll(tok, NULL, 10);
					big = errno == ERANGE ||
					      (!l64 && (v > INT32_MAX || v < INT32_MIN));
				}
			}
			if (big)
				rb_cfg_error_at(e, NULL, line, "",
						"integer %.*s does not fit in 32 bits (libconfig "
						"would truncate it)",
						(int)(n > 40 ? 40 : n), s);
			continue;
		}
		if (*t == '{' || *t == '(' || *t == '[') {
			if (depth == SCAN_DEPTH) {
				if (strings) {
					rb_cfg_error_at(e, NULL, line, "",
							"syntax error (nesting deeper than %d)",
							SCAN_DEPTH);
					return e->count - before;
				}
			} else {
				ctx[++depth] = *t;
			}
		} else if ((*t == '}' || *t == ')' || *t == ']') && depth > 0) {
			depth--;
		}
		prev = *t++;
	}
	return e->count - before;
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
	if (scan_text(text, &e, 1, 0)) {
		config_destroy(c);
		free(c);
		return -1;
	}
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
	scan_text(text, &e, 0, 1);
	rb_schema_load(config_root_setting(c), rb_cfg_root_tbl, cfg, "", &e);
	rb_cfg_cross_check(cfg, c, &e);
	rb_cfg_proxy_load(cfg, c, &e); /* inbounds, outbounds: cfg_proxy.c */
	rb_cfg_wg_load(cfg, c, &e); /* endpoints (wireguard): cfg_wg.c */
	rb_cfg_route_check(c, &e); /* route and dns: cfg_route.c */
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
					fprintf(err, "%s: file is too large (over %u bytes)\n",
						path, MAX_FILE_SIZE);
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
	rb_schema_free(rb_cfg_root_tbl, cfg);
	rb_cfg_proxy_free(cfg);
	rb_cfg_wg_free(cfg);
	if (cfg->tree) {
		config_destroy(cfg->tree);
		free(cfg->tree);
	}
	memset(cfg, 0, sizeof(*cfg));
}
