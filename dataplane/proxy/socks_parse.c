/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * SOCKS 4 / 4a / 5 handshakes (see socks_wire.h for the specs): the server
 * side run by the socks and mixed inbounds, the client side run by the socks
 * outbound.  Pure byte-level state machines, no I/O.
 */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <arpa/inet.h>

#include "proxy_parse.h"
#include "socks_wire.h"

enum {
	SP_FIRST = 0,
	SP5_METHODS,
	SP5_AUTH,
	SP5_REQUEST,
	SP_DONE,
	SP_FAILED,
};

void rb_socks_srv_init(struct rb_socks_srv *s, int need_auth, int allow_udp, rb_auth_fn auth,
		       void *arg)
{
	memset(s, 0, sizeof(*s));
	s->need_auth = (uint8_t)!!need_auth;
	s->allow_udp = (uint8_t)!!allow_udp;
	s->auth = auth;
	s->auth_arg = arg;
}

/* A domain as sent: 1..255 printable bytes, no NUL, no spaces. */
static int domain_copy(const uint8_t *p, size_t n, char *out)
{
	if (n == 0 || n > RB_DOMAIN_MAX)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (p[i] <= 0x20 || p[i] >= 0x7f)
			return -1;
		out[i] = (char)(p[i] >= 'A' && p[i] <= 'Z' ? p[i] + 32 : p[i]);
	}
	out[n] = '\0';
	return 0;
}

static int fail(struct rb_socks_srv *s, uint8_t err)
{
	s->err = err;
	s->phase = SP_FAILED;
	return RB_PARSE_ERR;
}

/* SOCKS4/4a request (after VN): CD DSTPORT DSTIP USERID NUL [DOMAIN NUL] */
static int socks4_request(struct rb_socks_srv *s, const uint8_t *b, size_t len, size_t *used,
			  uint8_t *out, size_t *outlen, struct rb_proxy_request *req)
{
	const uint8_t *uid, *nul, *dom = NULL, *dnul = NULL;
	int is4a;

	if (len < 9)
		return RB_PARSE_MORE;
	uid = b + 8;
	nul = memchr(uid, 0, len - 8);
	if (nul == NULL) {
		if (len - 8 > 255)
			return fail(s, RB_PERR_MALFORMED);
		return RB_PARSE_MORE;
	}
	if (nul - uid > 255)
		return fail(s, RB_PERR_MALFORMED);
	is4a = b[4] == 0 && b[5] == 0 && b[6] == 0 && b[7] != 0;
	if (is4a) {
		dom = nul + 1;
		dnul = memchr(dom, 0, len - (size_t)(dom - b));
		if (dnul == NULL) {
			if (len - (size_t)(dom - b) > RB_DOMAIN_MAX + 1)
				return fail(s, RB_PERR_ADDRESS);
			return RB_PARSE_MORE;
		}
	}
	*used = (size_t)((is4a ? dnul : nul) - b) + 1;
	memset(req, 0, sizeof(*req));
	req->socks_version = 4;
	if (b[1] != SOCKS4_CMD_CONNECT) {
		*outlen = rb_socks_reply(4, SOCKS5_REP_CMD_UNSUPPORTED, 0, NULL, 0, out);
		return fail(s, RB_PERR_COMMAND);
	}
	req->cmd = RB_CMD_CONNECT;
	req->dst.port = (uint16_t)(b[2] << 8 | b[3]);
	if (is4a) {
		if (domain_copy(dom, (size_t)(dnul - dom), req->dst.domain) != 0) {
			*outlen = rb_socks_reply(4, SOCKS5_REP_FAILURE, 0, NULL, 0, out);
			return fail(s, RB_PERR_ADDRESS);
		}
		rb_dest_literal(&req->dst);
	} else {
		req->dst.family = AF_INET;
		memcpy(req->dst.addr, b + 4, 4);
	}
	if (s->need_auth) {
		/* SOCKS4 has only a user id: it must name a configured user. */
		if (!s->auth || !s->auth(s->auth_arg, (const char *)uid, (size_t)(nul - uid), NULL,
					 0)) {
			*outlen = rb_socks_reply(4, SOCKS5_REP_NOT_ALLOWED, 0, NULL, 0, out);
			return fail(s, RB_PERR_AUTH);
		}
		memcpy(req->user, uid, (size_t)(nul - uid) > RB_USER_MAX ? RB_USER_MAX
									 : (size_t)(nul - uid));
	}
	s->phase = SP_DONE;
	return RB_PARSE_DONE;
}

/* RFC 1928 4: VER CMD RSV ATYP DST.ADDR DST.PORT */
static int socks5_request(struct rb_socks_srv *s, const uint8_t *b, size_t len, size_t *used,
			  uint8_t *out, size_t *outlen, struct rb_proxy_request *req)
{
	size_t need;
	char user[RB_USER_MAX + 1];

	if (len < 5)
		return RB_PARSE_MORE;
	if (b[0] != SOCKS5_VER)
		return fail(s, RB_PERR_VERSION);
	switch (b[3]) {
	case SOCKS5_ATYP_IPV4: need = 4 + 4 + 2; break;
	case SOCKS5_ATYP_IPV6: need = 4 + 16 + 2; break;
	case SOCKS5_ATYP_DOMAIN: need = 4 + 1 + (size_t)b[4] + 2; break;
	default:
		*outlen = rb_socks_reply(5, SOCKS5_REP_ATYP_UNSUPPORTED, 0, NULL, 0, out);
		return fail(s, RB_PERR_ADDRESS);
	}
	if (len < need)
		return RB_PARSE_MORE;
	*used = need;
	memcpy(user, req->user, sizeof(user));
	memset(req, 0, sizeof(*req));
	memcpy(req->user, user, sizeof(user));
	req->socks_version = 5;
	if (b[2] != 0) {
		*outlen = rb_socks_reply(5, SOCKS5_REP_FAILURE, 0, NULL, 0, out);
		return fail(s, RB_PERR_MALFORMED);
	}
	switch (b[3]) {
	case SOCKS5_ATYP_IPV4:
		req->dst.family = AF_INET;
		memcpy(req->dst.addr, b + 4, 4);
		break;
	case SOCKS5_ATYP_IPV6:
		req->dst.family = AF_INET6;
		memcpy(req->dst.addr, b + 4, 16);
		break;
	default:
		if (domain_copy(b + 5, b[4], req->dst.domain) != 0) {
			*outlen = rb_socks_reply(5, SOCKS5_REP_HOST_UNREACH, 0, NULL, 0, out);
			return fail(s, RB_PERR_ADDRESS);
		}
		rb_dest_literal(&req->dst);
	}
	req->dst.port = (uint16_t)(b[need - 2] << 8 | b[need - 1]);
	if (b[1] == SOCKS5_CMD_CONNECT) {
		req->cmd = RB_CMD_CONNECT;
	} else if (b[1] == SOCKS5_CMD_UDP && s->allow_udp) {
		req->cmd = RB_CMD_UDP_ASSOCIATE;
	} else {
		*outlen = rb_socks_reply(5, SOCKS5_REP_CMD_UNSUPPORTED, 0, NULL, 0, out);
		return fail(s, RB_PERR_COMMAND);
	}
	s->phase = SP_DONE;
	return RB_PARSE_DONE;
}

int rb_socks_srv_feed(struct rb_socks_srv *s, const uint8_t *buf, size_t len, size_t *used,
		      uint8_t *out, size_t *outlen, struct rb_proxy_request *req)
{
	size_t off = 0, n;
	int rc = RB_PARSE_MORE;

	*outlen = 0;
	*used = 0;
	for (;;) {
		const uint8_t *b = buf + off;
		size_t rem = len - off;

		if (s->phase == SP_FAILED)
			return RB_PARSE_ERR;
		if (s->phase == SP_DONE)
			break;
		if (rem == 0)
			break;
		switch (s->phase) {
		case SP_FIRST:
			if (b[0] == SOCKS4_VER) {
				n = 0;
				rc = socks4_request(s, b, rem, &n, out, outlen, req);
				off += n;
				*used = off;
				return rc;
			}
			if (b[0] != SOCKS5_VER)
				return fail(s, RB_PERR_VERSION);
			memset(req, 0, sizeof(*req));
			s->phase = SP5_METHODS;
			break;
		case SP5_METHODS: {
			int want = s->need_auth ? SOCKS5_AUTH_USERPASS : SOCKS5_AUTH_NONE, ok = 0;

			if (rem < 2 || rem < 2 + (size_t)b[1])
				goto more;
			if (b[1] == 0)
				return fail(s, RB_PERR_MALFORMED);
			for (int i = 0; i < b[1]; i++)
				ok |= b[2 + i] == want;
			off += 2 + (size_t)b[1];
			out[(*outlen)++] = SOCKS5_VER;
			if (!ok) {
				out[(*outlen)++] = SOCKS5_AUTH_NO_ACCEPTABLE;
				*used = off;
				return fail(s, RB_PERR_NO_METHOD);
			}
			out[(*outlen)++] = (uint8_t)want;
			s->phase = s->need_auth ? SP5_AUTH : SP5_REQUEST;
			break;
		}
		case SP5_AUTH: {
			/* RFC 1929 2 */
			size_t ulen, plen;

			if (rem < 2)
				goto more;
			if (b[0] != SOCKS5_UP_VER) {
				out[(*outlen)++] = SOCKS5_UP_VER;
				out[(*outlen)++] = SOCKS5_UP_FAIL;
				*used = off;
				return fail(s, RB_PERR_MALFORMED);
			}
			ulen = b[1];
			if (rem < 2 + ulen + 1 || rem < 2 + ulen + 1 + b[2 + ulen])
				goto more;
			plen = b[2 + ulen];
			off += 3 + ulen + plen;
			*used = off;
			out[(*outlen)++] = SOCKS5_UP_VER;
			if (ulen == 0 || !s->auth ||
			    !s->auth(s->auth_arg, (const char *)b + 2, ulen,
				     (const char *)b + 3 + ulen, plen)) {
				out[(*outlen)++] = SOCKS5_UP_FAIL;
				return fail(s, RB_PERR_AUTH);
			}
			out[(*outlen)++] = SOCKS5_UP_OK;
			memcpy(req->user, b + 2, ulen > RB_USER_MAX ? RB_USER_MAX : ulen);
			s->phase = SP5_REQUEST;
			break;
		}
		case SP5_REQUEST: {
			size_t ol = 0;

			n = 0;
			rc = socks5_request(s, b, rem, &n, out + *outlen, &ol, req);
			*outlen += ol;
			off += n;
			*used = off;
			return rc;
		}
		default:
			return fail(s, RB_PERR_MALFORMED);
		}
	}
more:
	*used = off;
	return s->phase == SP_DONE ? RB_PARSE_DONE : RB_PARSE_MORE;
}

size_t rb_socks_reply(int version, uint8_t rep, int family, const uint8_t *addr, uint16_t port,
		      uint8_t *out)
{
	size_t n = 0;

	if (version == 4) {
		out[0] = SOCKS4_REPLY_VER;
		out[1] = rep == SOCKS5_REP_OK ? SOCKS4_GRANTED : SOCKS4_REJECTED;
		out[2] = (uint8_t)(port >> 8);
		out[3] = (uint8_t)port;
		if (family == AF_INET && addr)
			memcpy(out + 4, addr, 4);
		else
			memset(out + 4, 0, 4);
		return 8;
	}
	out[n++] = SOCKS5_VER;
	out[n++] = rep;
	out[n++] = 0;
	if (family == AF_INET6 && addr) {
		out[n++] = SOCKS5_ATYP_IPV6;
		memcpy(out + n, addr, 16);
		n += 16;
	} else {
		out[n++] = SOCKS5_ATYP_IPV4;
		if (family == AF_INET && addr)
			memcpy(out + n, addr, 4);
		else
			memset(out + n, 0, 4);
		n += 4;
	}
	out[n++] = (uint8_t)(port >> 8);
	out[n++] = (uint8_t)port;
	return n;
}

uint8_t rb_socks_rep_from_errno(int err)
{
	switch (err < 0 ? -err : err) {
	case 0: return SOCKS5_REP_OK;
	case ECONNREFUSED: return SOCKS5_REP_REFUSED;
	case ENETUNREACH: return SOCKS5_REP_NET_UNREACH;
	case EHOSTUNREACH:
	case ENOENT: return SOCKS5_REP_HOST_UNREACH;
	case ETIMEDOUT: return SOCKS5_REP_TTL_EXPIRED;
	case EACCES:
	case EPERM: return SOCKS5_REP_NOT_ALLOWED;
	default: return SOCKS5_REP_FAILURE;
	}
}

int rb_socks5_udp_parse(const uint8_t *b, size_t len, struct rb_dest *dst)
{
	size_t need;

	if (len < SOCKS5_UDP_HDR_MIN || b[0] || b[1] || b[2] /* FRAG unsupported */)
		return -1;
	memset(dst, 0, sizeof(*dst));
	switch (b[3]) {
	case SOCKS5_ATYP_IPV4:
		need = 4 + 4 + 2;
		if (len < need)
			return -1;
		dst->family = AF_INET;
		memcpy(dst->addr, b + 4, 4);
		break;
	case SOCKS5_ATYP_IPV6:
		need = 4 + 16 + 2;
		if (len < need)
			return -1;
		dst->family = AF_INET6;
		memcpy(dst->addr, b + 4, 16);
		break;
	case SOCKS5_ATYP_DOMAIN:
		need = 4 + 1 + (size_t)b[4] + 2;
		if (len < need || domain_copy(b + 5, b[4], dst->domain) != 0)
			return -1;
		rb_dest_literal(dst);
		break;
	default:
		return -1;
	}
	dst->port = (uint16_t)(b[need - 2] << 8 | b[need - 1]);
	return (int)need;
}

int rb_socks5_udp_relay_addr(const struct rb_dest *bound, const struct rb_dest *server,
			     struct rb_dest *relay)
{
	static const uint8_t zero[16];
	size_t al;

	if ((bound->family != AF_INET && bound->family != AF_INET6) || bound->port == 0)
		return -1;
	al = bound->family == AF_INET ? 4 : 16;
	*relay = *bound;
	relay->domain[0] = '\0';
	if (memcmp(bound->addr, zero, al) != 0)
		return 0;
	if (server->family != bound->family || memcmp(server->addr, zero, al) == 0)
		return -1;
	memcpy(relay->addr, server->addr, 16);
	return 0;
}

size_t rb_socks5_udp_header(const struct rb_dest *d, uint8_t *out)
{
	size_t n = 0, dl;

	out[n++] = 0;
	out[n++] = 0;
	out[n++] = 0;
	if (d->family == AF_INET) {
		out[n++] = SOCKS5_ATYP_IPV4;
		memcpy(out + n, d->addr, 4);
		n += 4;
	} else if (d->family == AF_INET6) {
		out[n++] = SOCKS5_ATYP_IPV6;
		memcpy(out + n, d->addr, 16);
		n += 16;
	} else {
		dl = strnlen(d->domain, RB_DOMAIN_MAX);
		out[n++] = SOCKS5_ATYP_DOMAIN;
		out[n++] = (uint8_t)dl;
		memcpy(out + n, d->domain, dl);
		n += dl;
	}
	out[n++] = (uint8_t)(d->port >> 8);
	out[n++] = (uint8_t)d->port;
	return n;
}

/* ------------------------------------------------------------ client side */

enum {
	SC5_METHOD = 0,
	SC5_AUTH,
	SC5_REPLY,
	SC4_REPLY,
	SC_DONE,
	SC_FAILED,
};

static size_t socks5_request_out(const struct rb_socks_cli *c, uint8_t *out)
{
	/* The request (VER CMD RSV ATYP ADDR PORT) and the UDP header (RSV RSV
	 * FRAG ATYP ADDR PORT) share their layout from ATYP on. */
	size_t n = rb_socks5_udp_header(&c->dst, out);

	out[0] = SOCKS5_VER;
	out[1] = c->cmd;
	out[2] = 0;
	return n;
}

size_t rb_socks_cli_start(struct rb_socks_cli *c, int version, int cmd, const char *user,
			  const char *pass, const struct rb_dest *dst, uint8_t *out)
{
	size_t n = 0;

	memset(c, 0, sizeof(*c));
	c->version = (uint8_t)version;
	c->cmd = (uint8_t)cmd;
	c->user = user && *user ? user : NULL;
	c->pass = pass ? pass : "";
	c->dst = *dst;
	if (version == 4 || version == 0x4a) {
		size_t ul = c->user ? strnlen(c->user, 255) : 0;

		if (dst->family == AF_INET6 || (dst->family == 0 && version == 4))
			return 0;
		out[n++] = SOCKS4_VER;
		out[n++] = SOCKS4_CMD_CONNECT;
		out[n++] = (uint8_t)(dst->port >> 8);
		out[n++] = (uint8_t)dst->port;
		if (dst->family == AF_INET) {
			memcpy(out + n, dst->addr, 4);
		} else {
			out[n] = out[n + 1] = out[n + 2] = 0;
			out[n + 3] = 1;
		}
		n += 4;
		if (ul)
			memcpy(out + n, c->user, ul);
		n += ul;
		out[n++] = 0;
		if (dst->family == 0) {
			size_t dl = strnlen(dst->domain, RB_DOMAIN_MAX);

			memcpy(out + n, dst->domain, dl);
			n += dl;
			out[n++] = 0;
		}
		c->phase = SC4_REPLY;
		return n;
	}
	out[n++] = SOCKS5_VER;
	out[n++] = 1;
	out[n++] = c->user ? SOCKS5_AUTH_USERPASS : SOCKS5_AUTH_NONE;
	c->phase = SC5_METHOD;
	return n;
}

static int cli_fail(struct rb_socks_cli *c, uint8_t err)
{
	c->err = err;
	c->phase = SC_FAILED;
	return RB_PARSE_ERR;
}

int rb_socks_cli_feed(struct rb_socks_cli *c, const uint8_t *b, size_t len, size_t *used,
		      uint8_t *out, size_t *outlen)
{
	size_t need;

	*used = 0;
	*outlen = 0;
	switch (c->phase) {
	case SC4_REPLY:
		if (len < 8)
			return RB_PARSE_MORE;
		*used = 8;
		if (b[0] != SOCKS4_REPLY_VER)
			return cli_fail(c, RB_PERR_VERSION);
		if (b[1] != SOCKS4_GRANTED)
			return cli_fail(c, RB_PERR_AUTH);
		c->phase = SC_DONE;
		return RB_PARSE_DONE;
	case SC5_METHOD:
		if (len < 2)
			return RB_PARSE_MORE;
		*used = 2;
		if (b[0] != SOCKS5_VER)
			return cli_fail(c, RB_PERR_VERSION);
		if (b[1] == SOCKS5_AUTH_USERPASS && c->user) {
			size_t ul = strnlen(c->user, 255), pl = strnlen(c->pass, 255);

			out[0] = SOCKS5_UP_VER;
			out[1] = (uint8_t)ul;
			memcpy(out + 2, c->user, ul);
			out[2 + ul] = (uint8_t)pl;
			memcpy(out + 3 + ul, c->pass, pl);
			*outlen = 3 + ul + pl;
			c->phase = SC5_AUTH;
			return RB_PARSE_MORE;
		}
		if (b[1] != SOCKS5_AUTH_NONE)
			return cli_fail(c, RB_PERR_NO_METHOD);
		*outlen = socks5_request_out(c, out);
		c->phase = SC5_REPLY;
		return RB_PARSE_MORE;
	case SC5_AUTH:
		if (len < 2)
			return RB_PARSE_MORE;
		*used = 2;
		if (b[1] != SOCKS5_UP_OK)
			return cli_fail(c, RB_PERR_AUTH);
		*outlen = socks5_request_out(c, out);
		c->phase = SC5_REPLY;
		return RB_PARSE_MORE;
	case SC5_REPLY:
		if (len < 5)
			return RB_PARSE_MORE;
		if (b[0] != SOCKS5_VER)
			return cli_fail(c, RB_PERR_VERSION);
		switch (b[3]) {
		case SOCKS5_ATYP_IPV4: need = 10; break;
		case SOCKS5_ATYP_IPV6: need = 22; break;
		case SOCKS5_ATYP_DOMAIN: need = 4 + 1 + (size_t)b[4] + 2; break;
		default: return cli_fail(c, RB_PERR_ADDRESS);
		}
		if (len < need)
			return RB_PARSE_MORE;
		*used = need;
		if (b[1] != SOCKS5_REP_OK) {
			c->err = RB_PERR_NONE;
			c->phase = SC_FAILED;
			c->bound.port = b[1]; /* the REP code, for the caller's reply */
			return RB_PARSE_ERR;
		}
		memset(&c->bound, 0, sizeof(c->bound));
		if (b[3] == SOCKS5_ATYP_IPV4) {
			c->bound.family = AF_INET;
			memcpy(c->bound.addr, b + 4, 4);
		} else if (b[3] == SOCKS5_ATYP_IPV6) {
			c->bound.family = AF_INET6;
			memcpy(c->bound.addr, b + 4, 16);
		}
		c->bound.port = (uint16_t)(b[need - 2] << 8 | b[need - 1]);
		c->phase = SC_DONE;
		return RB_PARSE_DONE;
	case SC_DONE:
		return RB_PARSE_DONE;
	default:
		return RB_PARSE_ERR;
	}
}
