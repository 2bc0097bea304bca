/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Inbound protocols: socks (4/4a/5), http (CONNECT and absolute-URI
 * forwarding), mixed (SOCKS or HTTP by the first byte) and direct (a port
 * forwarder to override_address:override_port).  Each drives a parser from
 * proxy_parse.h over the handshake buffer and answers the client.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "../ss/ss_proxy.h"
#include "../wireguard/wg_term.h"
#include "proxy_priv.h"
#include "socks_wire.h"

#define SOCKS_BUF 1100 /* greeting 257 + RFC 1929 513 + request 262 */

static int ct_equal(const char *a, size_t al, const char *b, size_t bl)
{
	unsigned char d = (unsigned char)(al != bl);
	size_t n = al < bl ? al : bl;

	for (size_t i = 0; i < n; i++)
		d |= (unsigned char)(a[i] ^ b[i]);
	return d == 0;
}

/* Users of the session's inbound: user name and password (NULL = SOCKS4 id). */
static int auth_users(void *arg, const char *user, size_t ulen, const char *pass, size_t plen)
{
	struct psess *s = arg;
	const struct rb_cfg_inbound *in = &s->pl->cfg->inbounds[s->inbound];
	int ok = 0;

	for (int i = 0; i < in->n_users; i++) {
		const struct rb_cfg_user *u = &in->users[i];
		int m = ct_equal(u->username, strlen(u->username), user, ulen);

		if (pass)
			m &= ct_equal(u->password, strlen(u->password), pass, plen);
		ok |= m;
	}
	return ok;
}

static int alloc_buf(struct psess *s, uint32_t size)
{
	s->buf = malloc(size);
	if (s->buf == NULL)
		return -ENOMEM;
	s->bcap = size;
	return 0;
}

/* ------------------------------------------------------------------ socks */

static int socks_start(struct psess *s)
{
	const struct rb_cfg_inbound *in = &s->pl->cfg->inbounds[s->inbound];

	rb_socks_srv_init(&s->in.socks, in->n_users > 0, in->network != RB_CFG_NET_TCP, auth_users, s);
	return s->buf ? 0 : alloc_buf(s, SOCKS_BUF);
}

static int socks_feed(struct psess *s, const uint8_t *buf, size_t len, size_t *used)
{
	uint8_t out[RB_SOCKS_OUT_MAX];
	size_t outlen = 0;
	int rc = rb_socks_srv_feed(&s->in.socks, buf, len, used, out, &outlen, &s->req);

	if (outlen && proxy_send(s->cli, out, outlen) != 0 && rc != RB_PARSE_ERR) {
		proxy_fail(s, RB_PERR_NONE);
		return RB_PARSE_ERR;
	}
	if (rc == RB_PARSE_ERR)
		proxy_fail(s, (enum rb_proxy_err)s->in.socks.err);
	return rc;
}

static int socks_reply(struct psess *s, int err)
{
	uint8_t out[32], laddr[16] = {0}, raddr[16];
	uint16_t lport = 0, rport;
	int family = 0;
	size_t n;

	if (err == 0 && s->up)
		tcp_get_addrs(s->up, &family, laddr, &lport, raddr, &rport);
	n = rb_socks_reply(s->req.socks_version ? s->req.socks_version : 5,
			   err == -EACCES ? SOCKS5_REP_NOT_ALLOWED : rb_socks_rep_from_errno(err),
			   family, laddr, lport, out);
	if (proxy_send(s->cli, out, n) != 0)
		return -1;
	return err == 0 ? 0 : -1;
}

static const struct rb_inbound_ops socks_ops = {
	.name = "socks",
	.start = socks_start,
	.feed = socks_feed,
	.reply = socks_reply,
	.incremental = 1,
};

/* ------------------------------------------------------------------- http */

static int http_start(struct psess *s)
{
	const struct rb_cfg_inbound *in = &s->pl->cfg->inbounds[s->inbound];

	rb_http_srv_init(&s->in.http, in->n_users > 0, in->max_header, auth_users, s);
	return s->buf ? 0 : alloc_buf(s, in->max_header);
}

static int http_feed(struct psess *s, const uint8_t *buf, size_t len, size_t *used)
{
	uint32_t fmax = s->in.http.max_head + 320;
	size_t flen = 0;
	uint8_t out[256];
	int rc;

	if (s->early == NULL) {
		s->early = malloc(fmax);
		if (s->early == NULL) {
			proxy_fail(s, RB_PERR_NONE);
			return RB_PARSE_ERR;
		}
	}
	rc = rb_http_srv_parse(&s->in.http, buf, len, used, &s->req, s->early, fmax, &flen);
	if (rc == RB_PARSE_ERR) {
		size_t n = rb_http_error(s->in.http.status, out, sizeof(out));

		if (s->in.http.framing_err) /* RFC 9112 6.3: a smuggling attempt */
			rb_count(s->pl->lc, RB_EV_PROXY_HTTP_FRAMING);
		proxy_send(s->cli, out, n);
		proxy_fail(s, (enum rb_proxy_err)s->in.http.err);
		return rc;
	}
	if (rc == RB_PARSE_DONE) {
		if (s->req.cmd == RB_CMD_HTTP_FORWARD) {
			s->elen = (uint32_t)flen;
			proxy_http_ka_begin(s, &s->in.http, (uint32_t)flen); /* none on ENOMEM */
		} else {
			proxy_http_ka_end(s); /* a CONNECT after kept-alive requests */
			free(s->early);
			s->early = NULL;
		}
	}
	return rc;
}

static int http_reply(struct psess *s, int err)
{
	uint8_t out[256];
	size_t n;

	if (err == 0) {
		if (s->req.cmd != RB_CMD_CONNECT)
			return 0;
		n = rb_http_connect_ok(out, sizeof(out));
		return proxy_send(s->cli, out, n) == 0 ? 0 : -1;
	}
	n = rb_http_error(err == -EACCES ? 403 : err == -ETIMEDOUT ? 504 : 502, out, sizeof(out));
	proxy_send(s->cli, out, n);
	return -1;
}

static const struct rb_inbound_ops http_ops = {
	.name = "http",
	.start = http_start,
	.feed = http_feed,
	.reply = http_reply,
	.incremental = 0,
};

/* ------------------------------------------------------------------ mixed */

static int mixed_start(struct psess *s)
{
	const struct rb_cfg_inbound *in = &s->pl->cfg->inbounds[s->inbound];

	return alloc_buf(s, in->max_header > SOCKS_BUF ? in->max_header : SOCKS_BUF);
}

static int mixed_feed(struct psess *s, const uint8_t *buf, size_t len, size_t *used)
{
	if (len == 0)
		return RB_PARSE_MORE;
	if (buf[0] == SOCKS4_VER || buf[0] == SOCKS5_VER) {
		s->in_ops = &socks_ops;
		s->in_type = RB_IN_SOCKS;
	} else {
		s->in_ops = &http_ops;
		s->in_type = RB_IN_HTTP;
	}
	if (s->in_ops->start(s) != 0) {
		proxy_fail(s, RB_PERR_NONE);
		return RB_PARSE_ERR;
	}
	return s->in_ops->feed(s, buf, len, used);
}

static int mixed_reply(struct psess *s, int err)
{
	(void)s;
	(void)err;
	return -1; /* never reached: mixed turns into socks or http first */
}

static const struct rb_inbound_ops mixed_ops = {
	.name = "mixed",
	.start = mixed_start,
	.feed = mixed_feed,
	.reply = mixed_reply,
	.incremental = 0,
};

/* ----------------------------------------------------------------- direct */

static int direct_start(struct psess *s)
{
	const struct rb_cfg_inbound *in = &s->pl->cfg->inbounds[s->inbound];

	memset(&s->req, 0, sizeof(s->req));
	s->req.cmd = RB_CMD_CONNECT;
	s->req.dst.family = in->override_address.family;
	memcpy(s->req.dst.addr, in->override_address.addr, 16);
	if (in->override_address.family == 0)
		snprintf(s->req.dst.domain, sizeof(s->req.dst.domain), "%s",
			 in->override_address.name);
	s->req.dst.port = in->override_port;
	return 0;
}

static int direct_feed(struct psess *s, const uint8_t *buf, size_t len, size_t *used)
{
	(void)s;
	(void)buf;
	*used = len;
	return RB_PARSE_DONE;
}

static int direct_reply(struct psess *s, int err)
{
	(void)s;
	return err == 0 ? 0 : -1;
}

static const struct rb_inbound_ops direct_ops = {
	.name = "direct",
	.start = direct_start,
	.feed = direct_feed,
	.reply = direct_reply,
	.incremental = 1,
};

const struct rb_inbound_ops *const proxy_inbound_ops[RB_IN_TYPE_MAX] = {
	[RB_IN_SOCKS] = &socks_ops,
	[RB_IN_HTTP] = &http_ops,
	[RB_IN_MIXED] = &mixed_ops,
	[RB_IN_DIRECT] = &direct_ops,
	[RB_IN_SHADOWSOCKS] = &rb_ss_inbound_ops, /* dataplane/ss/ss_in.c */
	[RB_IN_WIREGUARD] = &rb_wg_inbound_ops, /* dataplane/wireguard/wg_term.c */
};

int proxy_in_accept(struct psess *s)
{
	s->in_ops = proxy_inbound_ops[s->in_type];
	if (s->in_ops->start(s) != 0) {
		proxy_fail(s, RB_PERR_NONE);
		return -1;
	}
	if (s->in_type == RB_IN_DIRECT || s->in_type == RB_IN_WIREGUARD) {
		/* nothing to parse: route and dial at once */
		proxy_route_and_dial(s);
		return 0;
	}
	return 0;
}
