/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The proxy's relay (moved from proxy.c): proxy_pump splices two TCP
 * connections with flow control and half-close (through the chain's
 * transforms where there are any, and HTTP keep-alive's framing), the
 * client's early payload, and the start of the relay phase.
 */
#include <stdlib.h>
#include <string.h>

#include "proxy_priv.h"
#include "rb_proxy.h"

static void relay_finish_check(struct psess *s)
{
	if (s->shut_up && s->shut_down && !s->pend_up && !s->pend_down) {
		tcp_set_callbacks(s->cli, NULL, NULL);
		tcp_close(s->cli);
		s->cli = NULL;
		tcp_set_callbacks(s->up, NULL, NULL);
		tcp_close(s->up);
		s->up = NULL;
		proxy_sess_free(s);
	}
}

/* Move what src has and dst can take; propagate EOF.  Returns -1 when the
 * session was freed. */
int proxy_pump(struct psess *s, int upward)
{
	struct tcp_conn *src = upward ? s->cli : s->up, *dst = upward ? s->up : s->cli;
	struct rte_mbuf **pend = upward ? &s->pend_up : &s->pend_down;
	uint8_t *shut = upward ? &s->shut_up : &s->shut_down;
	uint32_t moved = 0;
	int xf;

	if (src == NULL || dst == NULL)
		return 0;
	xf = proxy_layer_relay_has(s);
	if (!upward && s->ka) {
		int k = proxy_http_ka_head(s); /* the response head first (http_ka.c) */

		if (k)
			return k < 0 ? -1 : 0;
		/* that response ended the keep-alive (101, read to the close):
		 * what the client sent behind its request and the pipe did not
		 * hold waits in its receive queue, and no event will come for
		 * it (a client that sent all of it at once) */
		if (s->ka == NULL && proxy_pump(s, 1) < 0)
			return -1;
	}
	if (upward && s->ka && proxy_http_ka_pipe_check(s) < 0)
		return -1; /* too many bytes pipelined behind the request */
	if (!xf && !s->ka && *pend == NULL) {
		/* bytes passed on unchanged: the received buffers move to dst's
		 * send queue as they are (tcp_splice: no copy, their payload
		 * sums kept for dst's checksums), as much as dst takes; dst's
		 * on_writable brings the rest */
		moved = tcp_splice(src, dst);
		goto moved;
	}
	for (;;) {
		struct rte_mbuf *m;
		uint32_t space, len;
		int rc;

		if (*pend) {
			m = *pend;
			*pend = NULL;
		} else {
			space = tcp_send_space(dst);
			if (space == 0) {
				/* Workaround: only a short write arms on_writable (tcp.h
				 * says "after tcp_write/tcp_write_mbuf could not take
				 * all"); a zero-length probe that cannot be taken. */
				static const uint8_t probe;

				tcp_write(dst, &probe, 1);
				break;
			}
			if (s->ka) {
				/* only the request's own body goes up (the next request
				 * waits), only the response's comes down */
				space = upward ? proxy_http_ka_up_room(s, space)
					       : proxy_http_ka_down_room(s, space);
				if (space == 0)
					break;
			}
			m = tcp_read(src, space);
			if (m == NULL)
				break;
			if (upward && s->ka && proxy_http_ka_up_moved(s, m) != 0)
				return -1; /* a broken chunked request body: 400 (http_ka.c) */
			if (!upward && s->ka && (m = proxy_http_ka_down_moved(s, m)) == NULL) {
				if (s->state == PS_FREE)
					return -1;
				continue; /* bytes after the response: dropped */
			}
			if (xf && (m = proxy_layer_relay(s, upward, m)) == NULL) {
				if (!s->xform_err)
					continue; /* a partial chunk stays in the codec */
				rb_count(s->pl->lc, RB_EV_PROXY_XFORM_ERR);
				proxy_sess_free(s);
				return -1;
			}
		}
		len = m->pkt_len;
		rc = tcp_write_mbuf(dst, m);
		if (rc == -EAGAIN || rc == -ENOBUFS) {
			*pend = m; /* retried on on_writable or the next poll */
			proxy_pend_watch(s);
			if (rc == -ENOBUFS)
				rb_count(s->pl->lc, RB_EV_PROXY_ENOBUFS);
			break;
		}
		if (rc < 0) {
			rte_pktmbuf_free(m);
			proxy_sess_free(s);
			return -1;
		}
		moved += len;
	}
moved:
	if (moved)
		proxy_count_bytes(s, upward, moved);
	if (s->ka && proxy_http_ka_done(s))
		return -1; /* the exchange ended: next request, or freed */
	if (!*pend && !*shut && tcp_eof(src) && !(upward && proxy_http_ka_cli_eof(s))) {
		if (!upward)
			proxy_http_ka_eof(s); /* a response cut short: plain relay */
		*shut = 1;
		tcp_shutdown(dst);
	}
	relay_finish_check(s);
	return s->state == PS_FREE ? -1 : 0;
}

/* The handshake buffer holds request bytes (credentials among them): wipe
 * and free it once the session has moved past parsing. */
void proxy_buf_release(struct psess *s)
{
	if (s->buf) {
		explicit_bzero(s->buf, s->blen);
		free(s->buf);
		s->buf = NULL;
		s->blen = s->bcap = s->parsed = 0;
	}
}

/* The client's payload that came with its request (s->early: the bytes
 * behind a SOCKS/HTTP CONNECT request, a forwarded HTTP request with the
 * start of its body, or a request sent again from its kept copy, up to
 * 16.7 kB): unchanged bytes through proxy_send_pend (an upstream send
 * queue smaller than the payload, dataplane.tcp.sndbuf down to 4096, is no
 * error); through transforms, the sealed chain is queued whole
 * (tcp_write_mbuf). */
static int early_send(struct psess *s)
{
	if (!proxy_layer_xform(s, s->n_hops))
		return proxy_send_pend(s, 1, s->early, s->elen);
	if (proxy_layer_send(s, s->n_hops, s->early, s->elen) != 0)
		return -1;
	proxy_count_bytes(s, 1, s->elen);
	return 0;
}

void proxy_start_relay(struct psess *s)
{
	proxy_buf_release(s);
	s->state = PS_RELAY;
	s->deadline = 0;
	rb_count(s->pl->lc, RB_EV_PROXY_RELAY);
	proxy_info_update(s, RB_CONN_RELAY);
	proxy_http_ka_relay(s);
	if (s->early) {
		/* the client's payload: sealed by the chain's transforms */
		if (early_send(s) != 0) {
			proxy_sess_free(s);
			return;
		}
		free(s->early);
		s->early = NULL;
		s->elen = 0;
	}
	if (proxy_pump(s, 1) == 0)
		proxy_pump(s, 0);
}
