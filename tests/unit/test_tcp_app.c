/* SPDX-License-Identifier: BSD-3-Clause */
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <netinet/in.h>
#include "test_tcp_app.h"
#include "test_tcp_harness.h"
#include "dataplane/tcp/tcp_priv.h"

static void on_connected(struct tcp_conn *c, int err)
{
	struct app *a = tcp_user(c);

	a->connected = err ? err : 1;
	if (!err)
		app_pump(a);
}

static void on_readable(struct tcp_conn *c)
{
	struct app *a = tcp_user(c);

	a->readable_calls++;
	app_read(a);
}

static void on_writable(struct tcp_conn *c)
{
	struct app *a = tcp_user(c);

	a->writable_calls++;
	app_pump(a);
	if (a->echo)
		app_read(a);
}

static void on_closed(struct tcp_conn *c, int err)
{
	struct app *a = tcp_user(c);

	a->closed = true;
	a->close_err = err;
	if (a->connected == 0)
		a->connected = err ? err : -ECONNRESET;
	a->c = NULL;
}

const struct tcp_callbacks app_cb = {
	.on_connected = on_connected,
	.on_readable = on_readable,
	.on_writable = on_writable,
	.on_closed = on_closed,
};

void app_init(struct app *a)
{
	memset(a, 0, sizeof(*a));
}

void app_free(struct app *a)
{
	free(a->rx);
	a->rx = NULL;
}

void app_pump(struct app *a)
{
	if (a->c == NULL)
		return;
	while (a->tx_off < a->tx_len) {
		size_t n = tcp_write(a->c, a->tx + a->tx_off, a->tx_len - a->tx_off);

		if (n == 0)
			break;
		a->tx_off += n;
	}
	if (a->tx_off == a->tx_len && a->shut_after_tx) {
		a->shut_after_tx = false;
		tcp_shutdown(a->c);
	}
}

void app_read(struct app *a)
{
	struct rte_mbuf *m;

	if (a->c == NULL || a->no_read)
		return;
	for (;;) {
		uint32_t max = UINT32_MAX;

		if (a->echo) {
			max = tcp_send_space(a->c);
			if (max == 0)
				break;
		}
		m = tcp_read(a->c, max);
		if (m == NULL)
			break;
		if (a->rx_len + m->pkt_len > a->rx_cap) {
			a->rx_cap = (a->rx_len + m->pkt_len) * 2;
			a->rx = realloc(a->rx, a->rx_cap);
		}
		for (struct rte_mbuf *s = m; s; s = s->next) {
			memcpy(a->rx + a->rx_len, rte_pktmbuf_mtod(s, void *), s->data_len);
			a->rx_len += s->data_len;
		}
		if (a->echo) {
			if (tcp_write_mbuf(a->c, m) < 0)
				rte_pktmbuf_free(m);
		} else {
			rte_pktmbuf_free(m);
		}
	}
	if (tcp_eof(a->c)) {
		a->eof = true;
		if (a->close_on_eof) {
			struct tcp_conn *c = a->c;

			a->c = NULL;
			tcp_close(c);
		}
	}
}

struct tcp_conn *app_connect(struct app *a, int from, int to, int family, uint16_t port,
			     uint16_t lport, const char *cc)
{
	struct tcp_connect_params p = {0};
	int err;

	p.family = family;
	if (family == AF_INET)
		memcpy(p.raddr, th.h[to].addr4, 4);
	else
		memcpy(p.raddr, th.h[to].addr6, 16);
	p.rport = port;
	p.lport = lport;
	p.cb = &app_cb;
	p.user = a;
	p.cc = cc;
	a->c = tcp_connect(&th.h[from].lc, &p, &err);
	if (a->c == NULL)
		a->connected = err;
	return a->c;
}

static int server_accept(struct tcp_conn *c, void *arg)
{
	struct app_server *s = arg;
	struct app *a;

	if (s->refuse || s->n >= (int)RTE_DIM(s->apps))
		return -1;
	a = &s->apps[s->n++];
	*a = s->tmpl;
	a->rx = NULL;
	a->rx_len = a->rx_cap = 0;
	a->c = c;
	a->connected = 1;
	tcp_set_callbacks(c, &app_cb, a);
	app_pump(a);
	return 0;
}

struct tcp_listener *app_listen(struct app_server *s, int host, uint16_t port, uint8_t cookies,
				uint32_t backlog, const char *cc)
{
	struct tcp_listen_params p = {0};
	int err;

	p.port = port;
	p.on_accept = server_accept;
	p.arg = s;
	p.cookies = cookies;
	p.backlog = backlog;
	p.cc = cc;
	s->l = tcp_listen(&th.h[host].lc, &p, &err);
	return s->l;
}

uint8_t *pattern(size_t n, uint32_t seed)
{
	uint8_t *p = malloc(n ? n : 1);
	uint64_t x = seed * 0x9e3779b97f4a7c15ull + 1;

	for (size_t i = 0; i < n; i++) {
		x ^= x >> 12;
		x ^= x << 25;
		x ^= x >> 27;
		p[i] = (uint8_t)((x * 2685821657736338717ull) >> 56);
	}
	return p;
}

bool app_finished(void *arg)
{
	struct app *a = arg;

	return a->closed || (a->eof && a->tx_off == a->tx_len);
}

void app_set_opts(int host, bool sack, bool ts, bool ws)
{
	struct tcp_params *p = tcp_params(&th.h[host].lc);

	p->sack = sack;
	p->timestamps = ts;
	p->wscale = ws;
}

bool app_all_freed(void)
{
	for (int h = 0; h < 2; h++)
		if (th.h[h].lc.tcp->n_conns != 0 || th.h[h].lc.tcp->mem != 0)
			return false;
	return true;
}

struct tcp_conn *app_send_all(struct app *a, int family, uint16_t port, const char *cc,
			      const uint8_t *data, size_t n)
{
	app_init(a);
	a->tx = data;
	a->tx_len = n;
	a->shut_after_tx = true;
	return app_connect(a, 0, 1, family, port, 0, cc);
}
