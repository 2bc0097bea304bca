/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ringboxctl: the command-line client of ringbox-control's ctl socket
 * (control/README.md, "ctl protocol" and "ctl commands").
 *
 *   ringboxctl [-s SOCK] [--json] [-a] CMD [ARGS] [--json]
 *
 * Sends one request line, reads one JSON reply line, prints it as tables
 * (or raw with --json).  Exit status: 0 ok, 1 error reply, 2 usage or
 * connection error.  `generate ss-key [METHOD]` is answered here, without
 * the socket (ringboxctl_gen.h).
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <poll.h>

#include "control/rb_json.h"
#include "control/rb_ctl_proto.h"
#include "ringboxctl_gen.h"

#define DEFAULT_SOCK "/run/ringbox/ctl.sock"
#define REPLY_MAX    (64u << 20)
#define TIMEOUT_MS   10000

/* Answered here, without the socket (ringboxctl_gen.h). */
#define GEN_SS_USAGE "generate ss-key [METHOD]"
#define GEN_SS_HELP  "random base64 PSK for a shadowsocks 2022 method " \
		     "(default " RB_CTL_GEN_SS_DEFAULT "; 16 bytes, 32 for the others)"

static void usage(FILE *f)
{
	int i;

	fprintf(f, "usage: ringboxctl [-s SOCK] [--json] [-a] CMD [ARGS]\n"
		   "  -s SOCK   ctl socket (default $RINGBOX_CTL or " DEFAULT_SOCK ")\n"
		   "  --json    print the raw JSON reply\n"
		   "  -a        stats: all counters, not only the nonzero ones\n"
		   "commands:\n");
	for (i = 0; i < RB_CTL_CMD_MAX; i++)
		fprintf(f, "  %-18s %s\n", rb_ctl_cmds[i].usage, rb_ctl_cmds[i].help);
	fprintf(f, "  %-18s %s\n", GEN_SS_USAGE, GEN_SS_HELP);
}

static int help_cmd(int argc, char **argv)
{
	int i;

	if (argc < 2) {
		usage(stdout);
		return 0;
	}
	if (argc > 2 && !strcmp(argv[1], "generate") && !strcmp(argv[2], "ss-key")) {
		printf("usage: ringboxctl %s\n  %s\n  (local, no ctl socket)\n",
		       GEN_SS_USAGE, GEN_SS_HELP);
		return 0;
	}
	i = rb_ctl_lookup(argv[1]);
	if (i < 0 && argc > 2) {
		char p[64];

		snprintf(p, sizeof(p), "%.30s/%.30s", argv[1], argv[2]);
		i = rb_ctl_lookup(p);
	}
	if (i < 0) {
		fprintf(stderr, "ringboxctl: unknown command '%s'\n", argv[1]);
		return 2;
	}
	printf("usage: ringboxctl %s\n  %s\n  (ctl path %s)\n", rb_ctl_cmds[i].usage,
	       rb_ctl_cmds[i].help, rb_ctl_cmds[i].path);
	return 0;
}

/* Build the request line from the command words. */
static int build_request(int argc, char **argv, int all, char *out, size_t len)
{
	size_t n = 0;
	int i;

	out[0] = 0;
	for (i = 0; i < argc; i++) {
		const char *w = argv[i];
		char abs[PATH_MAX];

		if (strpbrk(w, " \t\r\n") || !w[0]) {
			fprintf(stderr, "ringboxctl: argument '%s' has white space\n", w);
			return -1;
		}
		/* check FILE: the server resolves paths from its own cwd. */
		if (i == 1 && !strcmp(argv[0], "check") && w[0] != '/') {
			if (!realpath(w, abs)) {
				fprintf(stderr, "ringboxctl: %s: %s\n", w, strerror(errno));
				return -1;
			}
			w = abs;
		}
		n += (size_t)snprintf(out + n, n < len ? len - n : 0, "%s%s", i ? " " : "", w);
	}
	if (all && argc == 1 && !strcmp(argv[0], "stats"))
		n += (size_t)snprintf(out + n, n < len ? len - n : 0, " all");
	n += (size_t)snprintf(out + n, n < len ? len - n : 0, "\n");
	if (n >= len) {
		fprintf(stderr, "ringboxctl: request too long\n");
		return -1;
	}
	return 0;
}

static char *transact(const char *sock, const char *req, size_t *rlen)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	size_t cap = 65536, n = 0, off = 0, reqlen = strlen(req);
	char *buf;
	int fd;

	if (strlen(sock) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "ringboxctl: socket path too long\n");
		return NULL;
	}
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", sock);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		fprintf(stderr, "ringboxctl: cannot connect to %s: %s (is ringbox-control running?)\n",
			sock, strerror(errno));
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	while (off < reqlen) {
		ssize_t w = send(fd, req + off, reqlen - off, MSG_NOSIGNAL);

		if (w < 0) {
			fprintf(stderr, "ringboxctl: send: %s\n", strerror(errno));
			close(fd);
			return NULL;
		}
		off += (size_t)w;
	}
	buf = malloc(cap);
	while (buf) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		ssize_t r;

		if (poll(&pfd, 1, TIMEOUT_MS) <= 0) {
			fprintf(stderr, "ringboxctl: no reply within %d ms\n", TIMEOUT_MS);
			break;
		}
		if (n + 1 >= cap) {
			char *b = cap < REPLY_MAX ? realloc(buf, cap * 2) : NULL;

			if (!b) {
				fprintf(stderr, "ringboxctl: reply too large\n");
				break;
			}
			buf = b;
			cap *= 2;
		}
		r = recv(fd, buf + n, cap - n - 1, 0);
		if (r <= 0) {
			fprintf(stderr, "ringboxctl: connection closed before the reply ended\n");
			break;
		}
		n += (size_t)r;
		if (buf[n - 1] == '\n') {
			close(fd);
			buf[n] = 0;
			*rlen = n;
			return buf;
		}
	}
	free(buf);
	close(fd);
	return NULL;
}

/* ---------------- human rendering ---------------- */

static void scalar(const struct rb_jv *v, char *b, size_t n)
{
	size_t i, k = 0;

	switch (v->type) {
	case RB_JNULL: snprintf(b, n, "-"); break;
	case RB_JBOOL: snprintf(b, n, "%s", v->b ? "yes" : "no"); break;
	case RB_JNUM:
	case RB_JSTR: snprintf(b, n, "%s", v->s); break;
	case RB_JARR:
		b[0] = 0;
		for (i = 0; i < v->n && k < n; i++) {
			char e[256];

			scalar(&v->kid[i], e, sizeof(e));
			k += (size_t)snprintf(b + k, n - k, "%s%s", i ? ", " : "", e);
		}
		if (!v->n)
			snprintf(b, n, "-");
		break;
	case RB_JOBJ: /* in a table cell: its first member ("tcp": the cc) */
		if (v->n && v->kid[0].type != RB_JOBJ)
			scalar(&v->kid[0], b, n);
		else
			snprintf(b, n, "{...}");
		break;
	}
}

static int is_table(const struct rb_jv *v)
{
	return v->type == RB_JARR && v->n && v->kid[0].type == RB_JOBJ;
}

static void table(const struct rb_jv *a, int indent)
{
	const struct rb_jv *h = &a->kid[0];
	size_t c, r, w[32] = { 0 };
	size_t ncol = h->n < 32 ? h->n : 32;
	char b[1024];

	for (c = 0; c < ncol; c++)
		w[c] = strlen(h->kid[c].key);
	for (r = 0; r < a->n; r++)
		for (c = 0; c < ncol; c++) {
			const struct rb_jv *v = rb_jv_get(&a->kid[r], h->kid[c].key);

			scalar(v ? v : &(struct rb_jv){ .type = RB_JNULL }, b, sizeof(b));
			if (strlen(b) > w[c])
				w[c] = strlen(b);
		}
	printf("%*s", indent, "");
	for (c = 0; c < ncol; c++)
		printf("%-*s%s", (int)w[c], h->kid[c].key, c + 1 < ncol ? "  " : "\n");
	for (r = 0; r < a->n; r++) {
		printf("%*s", indent, "");
		for (c = 0; c < ncol; c++) {
			const struct rb_jv *v = rb_jv_get(&a->kid[r], h->kid[c].key);
			int num = v && v->type == RB_JNUM;

			scalar(v ? v : &(struct rb_jv){ .type = RB_JNULL }, b, sizeof(b));
			printf(num ? "%*s%s" : "%-*s%s", (int)w[c], b, c + 1 < ncol ? "  " : "\n");
		}
	}
}

static void render(const struct rb_jv *v, int indent)
{
	size_t i, kw = 0;
	char b[4096];

	if (is_table(v)) {
		table(v, indent);
		return;
	}
	if (v->type == RB_JARR && !v->n) {
		printf("%*s(none)\n", indent, "");
		return;
	}
	if (v->type != RB_JOBJ) {
		scalar(v, b, sizeof(b));
		printf("%*s%s\n", indent, "", b);
		return;
	}
	for (i = 0; i < v->n; i++)
		if (strlen(v->kid[i].key) > kw)
			kw = strlen(v->kid[i].key);
	for (i = 0; i < v->n; i++) {
		const struct rb_jv *k = &v->kid[i];

		if (is_table(k) || k->type == RB_JOBJ || (k->type == RB_JARR && !k->n &&
							 !strcmp(k->key, "drops"))) {
			printf("%*s%s:\n", indent, "", k->key);
			render(k, indent + 2);
			continue;
		}
		scalar(k, b, sizeof(b));
		printf("%*s%-*s  %s\n", indent, "", (int)kw + 1, k->key, b);
	}
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "socket", required_argument, NULL, 's' },
		{ "all", no_argument, NULL, 'a' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *sock = getenv("RINGBOX_CTL");
	char req[RB_CTL_MAX_REQ + 2], perr[256];
	int json = 0, all = 0, opt, rc;
	const struct rb_jv *ok, *data;
	struct rb_jv *v;
	size_t len = 0;
	char *reply;

	while ((opt = getopt_long(argc, argv, "+s:jah", lo, NULL)) != -1) {
		switch (opt) {
		case 's': sock = optarg; break;
		case 'j': json = 1; break;
		case 'a': all = 1; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (!sock || !sock[0])
		sock = DEFAULT_SOCK;
	argc -= optind;
	argv += optind;
	if (argc < 1) {
		usage(stderr);
		return 2;
	}
	/* --json after the command words ("conns --json ...") */
	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], "--json")) {
			json = 1;
			memmove(&argv[i], &argv[i + 1], (size_t)(argc - i) * sizeof(*argv));
			argc--;
			i--;
		}
	if (!strcmp(argv[0], "help") && !json)
		return help_cmd(argc, argv);
	if (argc >= 2 && !strcmp(argv[0], "generate") && !strcmp(argv[1], "ss-key"))
		return rb_ctl_gen_ss_key(argc - 2, argv + 2, stdout, stderr);
	/* Trailing -a after the command ("stats -a"). */
	if (argc == 2 && !strcmp(argv[0], "stats") && !strcmp(argv[1], "-a")) {
		all = 1;
		argc = 1;
	}
	if (build_request(argc, argv, all, req, sizeof(req)) < 0)
		return 2;
	reply = transact(sock, req, &len);
	if (!reply)
		return 2;
	v = rb_json_parse(reply, len, perr, sizeof(perr));
	if (!v) {
		fprintf(stderr, "ringboxctl: bad reply: %s\n", perr);
		free(reply);
		return 2;
	}
	ok = rb_jv_get(v, "ok");
	rc = ok && ok->type == RB_JBOOL && ok->b ? 0 : 1;
	if (json) {
		fputs(reply, stdout);
	} else if (rc) {
		const struct rb_jv *e = rb_jv_get(v, "error"), *es = rb_jv_get(v, "errors");
		size_t i;

		fprintf(stderr, "error: %s\n", e && e->type == RB_JSTR ? e->s : "(no message)");
		for (i = 0; es && es->type == RB_JARR && i < es->n; i++)
			if (es->kid[i].type == RB_JSTR)
				fprintf(stderr, "  %s\n", es->kid[i].s);
	} else {
		const struct rb_jv *text;

		data = rb_jv_get(v, "data");
		/* `wg show` prints as wg(8) does: the reply's preformatted text */
		text = data && data->type == RB_JOBJ ? rb_jv_get(data, "text") : NULL;
		if (text && text->type == RB_JSTR && !strcmp(argv[0], "wg"))
			fputs(text->s, stdout);
		else if (data)
			render(data, 0);
		else
			printf("ok\n");
	}
	rb_jv_free(v);
	free(reply);
	return rc;
}
