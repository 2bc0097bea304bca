/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The built-in diagnostic services over TCP: echo (RFC 862), discard
 * (RFC 863) and chargen (RFC 864), configured by services of type "diag".
 * Every worker listens; flow ownership decides which one serves a client.
 * Echo splices the receive queue into the send queue without copying and
 * stops reading while the send buffer is full (flow control both ways).
 *
 * fetch is the client mode, a test hook for the stack's active open: a
 * client connects to the `fetch` port, sends a request (at most 1 KiB) and
 * half-closes.  The lcore that owns that connection then connects to
 * fetch_server:fetch_server_port itself, sends the request, half-closes
 * (SHUT_WR), reads the answer to EOF and hashes it, and finally tells the
 * client "ok <bytes> <sha256 hex>\n" or "error <reason> after <bytes>
 * bytes\n" and closes.  The fetched data never goes back to the client.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/queue.h>
#include <netinet/in.h>
#include "../rb_log.h"
#include "../../crypto/rb_hash.h"
#include "tcp_priv.h"

#define DIAG_MAX_LISTENERS (4 * RB_MAX_SERVICES)
#define FETCH_REQ_MAX 1024
#define FETCH_MAX 256 /* fetches in flight per lcore; more are refused (RST) */

struct diag_fetch;

/* What a fetch listener's accept callback gets. */
struct diag_fetch_cfg {
	struct tcp_diag *d;
	const struct rb_cfg_service *s;
};

struct tcp_diag {
	int n, n_fetch_cfg, n_fetches;
	struct tcp_listener *l[DIAG_MAX_LISTENERS];
	struct diag_fetch_cfg fetch_cfg[RB_MAX_SERVICES];
	LIST_HEAD(, diag_fetch) fetches;
};

/* ---- echo ---- */
static void echo_pump(struct tcp_conn *c)
{
	uint32_t space;
	struct rte_mbuf *m;

	while ((space = tcp_send_space(c)) > 0 && (m = tcp_read(c, space)) != NULL) {
		if (tcp_write_mbuf(c, m) < 0) {
			rte_pktmbuf_free(m);
			tcp_abort(c);
			return;
		}
	}
	if (tcp_eof(c))
		tcp_close(c);
}

static const struct tcp_callbacks echo_cb = {
	.on_readable = echo_pump,
	.on_writable = echo_pump,
};

static int echo_accept(struct tcp_conn *c, void *arg)
{
	(void)arg;
	tcp_set_callbacks(c, &echo_cb, NULL);
	return 0;
}

/* ---- discard ---- */
static void discard_read(struct tcp_conn *c)
{
	struct rte_mbuf *m;

	while ((m = tcp_read(c, UINT32_MAX)) != NULL)
		rte_pktmbuf_free(m);
	if (tcp_eof(c))
		tcp_close(c);
}

static const struct tcp_callbacks discard_cb = {
	.on_readable = discard_read,
};

static int discard_accept(struct tcp_conn *c, void *arg)
{
	(void)arg;
	tcp_set_callbacks(c, &discard_cb, NULL);
	return 0;
}

/* ---- chargen: 72 printable characters per line, rotating (RFC 864) ---- */
#define CHARGEN_LINE 74
#define CHARGEN_CHUNK 8192

/* Byte at position pos of the endless chargen stream. */
static char chargen_byte(uint64_t pos)
{
	uint64_t line = pos / CHARGEN_LINE;
	unsigned col = (unsigned)(pos % CHARGEN_LINE);

	if (col == 72)
		return '\r';
	if (col == 73)
		return '\n';
	return (char)(' ' + (line + col) % 95);
}

static void chargen_write(struct tcp_conn *c)
{
	uint64_t pos = (uintptr_t)tcp_user(c);
	char buf[CHARGEN_CHUNK];
	uint32_t space;

	while ((space = tcp_send_space(c)) > 0) {
		size_t n = RTE_MIN((size_t)space, sizeof(buf)), w;

		for (size_t i = 0; i < n; i++)
			buf[i] = chargen_byte(pos + i);
		w = tcp_write(c, buf, n);
		pos += w;
		if (w < n)
			break;
	}
	tcp_set_callbacks(c, c->cb, (void *)(uintptr_t)(pos % (95 * CHARGEN_LINE)));
}

static void chargen_read(struct tcp_conn *c)
{
	struct rte_mbuf *m;

	while ((m = tcp_read(c, UINT32_MAX)) != NULL)
		rte_pktmbuf_free(m);
	if (tcp_eof(c))
		tcp_close(c);
}

static const struct tcp_callbacks chargen_cb = {
	.on_readable = chargen_read,
	.on_writable = chargen_write,
};

static int chargen_accept(struct tcp_conn *c, void *arg)
{
	(void)arg;
	tcp_set_callbacks(c, &chargen_cb, (void *)(uintptr_t)0);
	chargen_write(c);
	return 0;
}

/* ---- fetch: the stack's active open, driven by a trigger connection ---- */
struct diag_fetch {
	LIST_ENTRY(diag_fetch) link;
	struct tcp_diag *d;
	const struct rb_cfg_service *s;
	struct tcp_conn *trig;   /* the client that asked; NULL once closed */
	struct tcp_conn *up;     /* our connection to fetch_server */
	struct rb_hash_ctx h;
	int hashing;             /* h holds a context to final/free */
	int started;             /* the request is complete; up was opened */
	uint64_t bytes;
	char err[64];            /* first error, reported to the client */
	size_t req_len;
	char req[FETCH_REQ_MAX];
};

static void fetch_error(struct diag_fetch *f, const char *what, int err)
{
	if (f->err[0] == '\0')
		snprintf(f->err, sizeof(f->err), "%s%s%s", what, err ? ": " : "",
			 err ? strerror(-err) : "");
}

/* Report to the client (if it is still there), close both ends, free. */
static void fetch_finish(struct diag_fetch *f)
{
	uint8_t md[RB_HASH_MAX_LEN];
	char line[200], hex[2 * 32 + 1];
	int n;

	if (f->hashing && f->err[0] == '\0' && rb_hash_final(&f->h, md) == 0) {
		for (int i = 0; i < 32; i++)
			snprintf(hex + 2 * i, 3, "%02x", md[i]);
		n = snprintf(line, sizeof(line), "ok %lu %s\n", (unsigned long)f->bytes, hex);
	} else {
		if (f->hashing)
			rb_hash_free(&f->h);
		fetch_error(f, "hash", 0);
		n = snprintf(line, sizeof(line), "error %s after %lu bytes\n", f->err,
			     (unsigned long)f->bytes);
	}
	f->hashing = 0;
	if (f->up != NULL) {
		tcp_abort(f->up);
		f->up = NULL;
	}
	if (f->trig != NULL) {
		if (tcp_write(f->trig, line, (size_t)n) != (size_t)n)
			tcp_abort(f->trig);
		else
			tcp_close(f->trig);
		f->trig = NULL;
	}
	LIST_REMOVE(f, link);
	f->d->n_fetches--;
	free(f);
}

static void up_connected(struct tcp_conn *c, int err)
{
	struct diag_fetch *f = tcp_user(c);

	if (err) { /* on_closed follows */
		fetch_error(f, "connect", err);
		return;
	}
	if (tcp_write(c, f->req, f->req_len) != f->req_len || tcp_shutdown(c) < 0) {
		fetch_error(f, "request did not fit the send buffer", 0);
		fetch_finish(f);
	}
}

static void up_readable(struct tcp_conn *c)
{
	struct diag_fetch *f = tcp_user(c);
	struct rte_mbuf *m;

	while ((m = tcp_read(c, UINT32_MAX)) != NULL) {
		f->bytes += rte_pktmbuf_pkt_len(m);
		for (struct rte_mbuf *seg = m; seg != NULL; seg = seg->next)
			if (rb_hash_update(&f->h, rte_pktmbuf_mtod(seg, const void *),
					   seg->data_len) < 0)
				fetch_error(f, "hash update", 0);
		rte_pktmbuf_free(m);
	}
	if (tcp_eof(c)) {
		f->up = NULL;
		tcp_close(c);
		fetch_finish(f);
	}
}

static void up_closed(struct tcp_conn *c, int err)
{
	struct diag_fetch *f = tcp_user(c);

	f->up = NULL;
	fetch_error(f, "server connection", err ? err : -ECONNABORTED);
	fetch_finish(f);
}

static const struct tcp_callbacks up_cb = {
	.on_connected = up_connected,
	.on_readable = up_readable,
	.on_closed = up_closed,
};

static void fetch_start(struct diag_fetch *f)
{
	const struct rb_cfg_service *s = f->s;
	struct tcp_connect_params p = {0};
	int err = 0;

	f->started = 1;
	if (rb_hash_init(&f->h, RB_HASH_SHA256) < 0) {
		fetch_error(f, "hash init", 0);
		fetch_finish(f);
		return;
	}
	f->hashing = 1;
	p.family = s->fetch_server.family;
	memcpy(p.raddr, s->fetch_server.addr, sizeof(p.raddr));
	p.rport = s->fetch_server_port;
	p.cb = &up_cb;
	p.user = f;
	f->up = tcp_connect(tcp_lcore(f->trig), &p, &err);
	if (f->up == NULL) {
		fetch_error(f, "connect", err);
		fetch_finish(f);
	}
}

static void trig_readable(struct tcp_conn *c)
{
	struct diag_fetch *f = tcp_user(c);

	if (f->started) { /* nothing is expected after the FIN */
		struct rte_mbuf *m;

		while ((m = tcp_read(c, UINT32_MAX)) != NULL)
			rte_pktmbuf_free(m);
		return;
	}
	f->req_len += tcp_read_copy(c, f->req + f->req_len, sizeof(f->req) - f->req_len);
	if (f->req_len == sizeof(f->req) && tcp_readable(c) > 0) {
		f->started = 1;
		fetch_error(f, "request longer than 1024 bytes", 0);
		fetch_finish(f);
		return;
	}
	if (tcp_eof(c))
		fetch_start(f);
}

static void trig_closed(struct tcp_conn *c, int err)
{
	struct diag_fetch *f = tcp_user(c);

	(void)err;
	f->trig = NULL;
	fetch_finish(f);
}

static const struct tcp_callbacks trig_cb = {
	.on_readable = trig_readable,
	.on_closed = trig_closed,
};

static int fetch_accept(struct tcp_conn *c, void *arg)
{
	const struct diag_fetch_cfg *fc = arg;
	struct diag_fetch *f;

	if (fc->d->n_fetches >= FETCH_MAX || (f = calloc(1, sizeof(*f))) == NULL)
		return -1;
	f->d = fc->d;
	f->s = fc->s;
	f->trig = c;
	LIST_INSERT_HEAD(&fc->d->fetches, f, link);
	fc->d->n_fetches++;
	tcp_set_callbacks(c, &trig_cb, f);
	return 0;
}

static int diag_listen(struct rb_lcore *lc, struct tcp_diag *d, const struct rb_cfg_service *s,
		       uint16_t port, int (*acc)(struct tcp_conn *, void *), void *arg)
{
	struct tcp_listen_params p = {0};
	struct tcp_listener *l;
	int err;

	if (port == 0)
		return 0;
	if (d->n >= DIAG_MAX_LISTENERS)
		return -ENOSPC;
	p.family = s->listen.family;
	if (s->listen.family)
		memcpy(p.addr, s->listen.addr, s->listen.family == AF_INET ? 4 : 16);
	p.port = port;
	p.on_accept = acc;
	p.arg = arg;
	l = tcp_listen(lc, &p, &err);
	if (l == NULL) {
		RB_ERR("diag service '%s' (line %d): cannot listen on tcp port %u: %s", s->tag,
		       s->line, port, strerror(-err));
		return err;
	}
	d->l[d->n++] = l;
	return 0;
}

int tcp_diag_start(struct rb_lcore *lc)
{
	const struct rb_config *cfg = lc->dp->cfg;
	struct tcp_diag *d;

	if (cfg == NULL || cfg->n_services == 0)
		return 0;
	d = calloc(1, sizeof(*d));
	if (d == NULL)
		return -ENOMEM;
	LIST_INIT(&d->fetches);
	lc->tcp->diag = d;
	for (int i = 0; i < cfg->n_services; i++) {
		const struct rb_cfg_service *s = &cfg->services[i];
		struct diag_fetch_cfg *fc = &d->fetch_cfg[d->n_fetch_cfg];

		if (strcmp(s->type, "diag") != 0)
			continue;
		if (diag_listen(lc, d, s, s->echo_port, echo_accept, NULL) < 0 ||
		    diag_listen(lc, d, s, s->discard_port, discard_accept, NULL) < 0 ||
		    diag_listen(lc, d, s, s->chargen_port, chargen_accept, NULL) < 0)
			return -1;
		if (s->fetch_port && d->n_fetch_cfg < RB_MAX_SERVICES) {
			fc->d = d;
			fc->s = s;
			d->n_fetch_cfg++;
			if (diag_listen(lc, d, s, s->fetch_port, fetch_accept, fc) < 0)
				return -1;
		}
	}
	return 0;
}

void tcp_diag_stop(struct rb_lcore *lc)
{
	struct tcp_diag *d = lc->tcp ? lc->tcp->diag : NULL;
	struct diag_fetch *f;

	if (d == NULL)
		return;
	for (int i = 0; i < d->n; i++)
		tcp_unlisten(d->l[i]);
	/* tcp_lcore_fini drops the connections next, without callbacks. */
	while ((f = LIST_FIRST(&d->fetches)) != NULL) {
		LIST_REMOVE(f, link);
		if (f->hashing)
			rb_hash_free(&f->h);
		free(f);
	}
	free(d);
	lc->tcp->diag = NULL;
}
