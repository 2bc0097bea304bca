/* SPDX-License-Identifier: BSD-3-Clause */
/* A scriptable TCP application for the unit tests. */
#ifndef TEST_TCP_APP_H
#define TEST_TCP_APP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "dataplane/tcp/tcp.h"

struct app {
	struct tcp_conn *c;
	int connected;          /* 0 pending, 1 ok, < 0 error */
	bool closed;
	int close_err;
	bool eof;
	bool no_read;           /* leave data in the receive queue */
	bool close_on_eof;      /* tcp_close() at EOF */
	bool shut_after_tx;     /* tcp_shutdown() once tx is all queued */
	bool echo;              /* write back what arrives */
	uint8_t *rx;
	size_t rx_len, rx_cap;
	const uint8_t *tx;
	size_t tx_len, tx_off;
	unsigned readable_calls, writable_calls;
};

extern const struct tcp_callbacks app_cb;

void app_init(struct app *a);
void app_free(struct app *a);
void app_pump(struct app *a);
void app_read(struct app *a);
/* Active open from host `from` to (family, host `to`, port). */
struct tcp_conn *app_connect(struct app *a, int from, int to, int family, uint16_t port,
			     uint16_t lport, const char *cc);

/* A listener on host h whose accepted connections use apps from a pool. */
struct app_server {
	struct app apps[8];
	int n;
	struct app tmpl;        /* flags copied to each accepted app */
	struct tcp_listener *l;
	bool refuse;
};
struct tcp_listener *app_listen(struct app_server *s, int host, uint16_t port, uint8_t cookies,
				uint32_t backlog, const char *cc);

uint8_t *pattern(size_t n, uint32_t seed);
/* a, started, connects from host 0 to (family, host 1, port) with
 * congestion control cc (NULL: the stack's), sends the n bytes of data
 * and half-closes (shut_after_tx): app_connect's connection */
struct tcp_conn *app_send_all(struct app *a, int family, uint16_t port, const char *cc,
			      const uint8_t *data, size_t n);
/* th_run_until's condition: the app closed, or saw EOF with all of tx sent */
bool app_finished(void *arg);
/* Options host offers from now on (tcp_params sack, timestamps, wscale) */
void app_set_opts(int host, bool sack, bool ts, bool ws);
/* Every connection closed and its memory returned on hosts 0 and 1? */
bool app_all_freed(void);

#endif
