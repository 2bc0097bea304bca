/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Keep-alive for the plain-HTTP proxy (absolute-form requests, RFC 9112
 * 3.2.2): one client connection carries many requests, and each request is
 * routed by itself (its own rule, outbound and upstream connection).
 *
 * The origin is asked to close after its response ("Connection: close",
 * http_parse.c), so a response ends at the upstream's EOF.  Per request:
 *   - only the request's own body (Content-Length) goes up; what the client
 *     sends after it waits in the client connection;
 *   - the response head is read, its Connection fields replaced
 *     (rb_http_resp_parse) and passed on; the body then flows as in any relay;
 *   - at the upstream's EOF, when the client asked to keep the connection and
 *     can find the end of the response itself (no body, chunked, or a
 *     Content-Length), the upstream is closed and the session goes back to
 *     reading the next request head (idle time: the inbound's handshake
 *     timeout).  Otherwise the client connection ends as before.
 * Requests with a body of unknown length (Transfer-Encoding), pipelined
 * requests that arrived with the head, and chains with stream-transforming
 * outbounds fall back to one request per connection.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "proxy_priv.h"

struct proxy_http_ka {
	uint64_t up_left;               /* request body bytes still to send up */
	uint32_t fwd_len;               /* the rewritten request head in s->early */
	uint32_t max_head;
	uint32_t rlen;                  /* response head bytes in rbuf */
	uint8_t head_req, client_ka;
	uint8_t head_done;              /* the final response head went to the client */
	uint8_t resp_ka;                /* and it keeps the client connection */
	uint8_t rbuf[];                 /* max_head bytes, then max_head + 64 for the rewrite */
};

int proxy_http_ka_begin(struct psess *s, const struct rb_http_srv *h, uint32_t fwd_len)
{
	struct proxy_http_ka *ka;

	proxy_http_ka_free(s);
	if (!h->keep_alive || h->body_unknown)
		return 0;
	ka = calloc(1, sizeof(*ka) + 2 * (size_t)h->max_head + 64);
	if (ka == NULL)
		return -ENOMEM;
	ka->up_left = h->body_len;
	ka->fwd_len = fwd_len;
	ka->max_head = h->max_head;
	ka->head_req = h->head_method;
	ka->client_ka = 1;
	s->ka = ka;
	return 0;
}

void proxy_http_ka_free(struct psess *s)
{
	free(s->ka);
	s->ka = NULL;
}

void proxy_http_ka_relay(struct psess *s)
{
	struct proxy_http_ka *ka = s->ka;
	uint32_t extra;

	if (ka == NULL)
		return;
	/* bytes that came with the head: the body's first part, or more */
	extra = s->elen > ka->fwd_len ? s->elen - ka->fwd_len : 0;
	if (extra > ka->up_left) {
		proxy_http_ka_free(s); /* a pipelined request: one per connection */
		return;
	}
	ka->up_left -= extra;
	for (int i = 0; i < s->n_hops; i++) {
		const struct rb_outbound_ops *o =
			proxy_outbound_ops[s->pl->cfg->outbounds[s->hops[i]].type];

		if (o && (o->wrap || o->unwrap)) {
			proxy_http_ka_free(s);
			return;
		}
	}
}

uint32_t proxy_http_ka_up_room(const struct psess *s, uint32_t space)
{
	if (s->ka == NULL || s->ka->up_left >= space)
		return space;
	return (uint32_t)s->ka->up_left;
}

void proxy_http_ka_up_moved(struct psess *s, uint32_t n)
{
	if (s->ka)
		s->ka->up_left = s->ka->up_left > n ? s->ka->up_left - n : 0;
}

int proxy_http_ka_head(struct psess *s)
{
	struct proxy_http_ka *ka = s->ka;
	uint8_t *out;

	if (ka == NULL || ka->head_done)
		return 0;
	out = ka->rbuf + ka->max_head;
	for (;;) {
		struct rb_http_resp r;
		size_t n, olen, used;
		int rc;

		n = tcp_read_copy(s->up, ka->rbuf + ka->rlen, ka->max_head - ka->rlen);
		ka->rlen += (uint32_t)n;
		rc = rb_http_resp_parse(ka->rbuf, ka->rlen, ka->max_head, ka->head_req,
					ka->client_ka, &r, out, ka->max_head + 64, &olen, &used);
		if (rc == RB_PARSE_MORE) {
			if (n == 0 && !tcp_eof(s->up))
				return 1; /* wait for more of the head */
			if (n)
				continue;
			rc = RB_PARSE_ERR; /* EOF inside the head */
		}
		if (rc == RB_PARSE_ERR) {
			/* not a response we understand: pass it on as it is, and
			 * end the client connection with the upstream */
			if (proxy_send(s->cli, ka->rbuf, ka->rlen) != 0)
				goto fail;
			proxy_count_bytes(s, 0, ka->rlen);
			proxy_http_ka_free(s);
			return 0;
		}
		if (proxy_send(s->cli, out, olen) != 0)
			goto fail;
		proxy_count_bytes(s, 0, (uint32_t)olen);
		memmove(ka->rbuf, ka->rbuf + used, ka->rlen - used);
		ka->rlen -= (uint32_t)used;
		if (r.interim)
			continue;
		ka->head_done = 1;
		ka->resp_ka = r.keep_alive;
		/* the start of the body came with the head */
		if (ka->rlen) {
			if (proxy_send(s->cli, ka->rbuf, ka->rlen) != 0)
				goto fail;
			proxy_count_bytes(s, 0, ka->rlen);
			ka->rlen = 0;
		}
		return 0;
	}
fail:
	proxy_sess_free(s);
	return -1;
}

int proxy_http_ka_eof(struct psess *s)
{
	struct proxy_http_ka *ka = s->ka;
	struct proxy_lcore *pl = s->pl;
	const struct rb_cfg_inbound *in;

	if (ka == NULL || !ka->head_done || !ka->resp_ka || s->pend_up || s->shut_up ||
	    s->cli == NULL)
		return 0;
	/* the response is complete: next request on the same client connection */
	tcp_set_callbacks(s->up, NULL, NULL);
	tcp_close(s->up);
	s->up = NULL;
	if (s->routed) {
		pl->wk->out[s->outbound].active--;
		pl->wk->rules[s->rule_slot].active--;
		s->routed = 0;
	}
	proxy_http_ka_free(s);
	in = &pl->cfg->inbounds[s->inbound];
	s->state = PS_HANDSHAKE;
	s->ka_idle = 1;
	s->shut_up = s->shut_down = 0;
	s->outbound = 0xffff;
	s->n_hops = s->hop = 0;
	memset(&s->route, 0, sizeof(s->route));
	s->route.rule = 0xfffe;
	memset(&s->target, 0, sizeof(s->target));
	memset(&s->req, 0, sizeof(s->req));
	s->deadline = pl->lc->now + proxy_ms_tsc(pl, in->handshake_timeout_ms);
	if (s->in_ops->start(s) != 0) {
		proxy_fail(s, RB_PERR_NONE);
		return 1;
	}
	proxy_info_update(s, RB_CONN_HANDSHAKE);
	/* the next request may be there already */
	if (tcp_readable(s->cli) || tcp_eof(s->cli))
		proxy_handshake_input(s);
	return 1;
}
