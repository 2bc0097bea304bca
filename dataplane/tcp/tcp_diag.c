/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The built-in diagnostic services over TCP: echo (RFC 862), discard
 * (RFC 863) and chargen (RFC 864), configured by services of type "diag".
 * Every worker listens; flow ownership decides which one serves a client.
 * Echo splices the receive queue into the send queue without copying and
 * stops reading while the send buffer is full (flow control both ways).
 */
#include <errno.h>
#include <string.h>
#include <netinet/in.h>
#include "../rb_log.h"
#include "tcp_priv.h"

#define DIAG_MAX_LISTENERS (3 * RB_MAX_SERVICES)

struct tcp_diag {
	int n;
	struct tcp_listener *l[DIAG_MAX_LISTENERS];
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

static int diag_listen(struct rb_lcore *lc, struct tcp_diag *d, const struct rb_cfg_service *s,
		       uint16_t port, int (*acc)(struct tcp_conn *, void *))
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
	lc->tcp->diag = d;
	for (int i = 0; i < cfg->n_services; i++) {
		const struct rb_cfg_service *s = &cfg->services[i];

		if (strcmp(s->type, "diag") != 0)
			continue;
		if (diag_listen(lc, d, s, s->echo_port, echo_accept) < 0 ||
		    diag_listen(lc, d, s, s->discard_port, discard_accept) < 0 ||
		    diag_listen(lc, d, s, s->chargen_port, chargen_accept) < 0)
			return -1;
	}
	return 0;
}

void tcp_diag_stop(struct rb_lcore *lc)
{
	struct tcp_diag *d = lc->tcp ? lc->tcp->diag : NULL;

	if (d == NULL)
		return;
	for (int i = 0; i < d->n; i++)
		tcp_unlisten(d->l[i]);
	free(d);
	lc->tcp->diag = NULL;
}
