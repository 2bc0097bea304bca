/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * HTTP proxy requests (RFC 9110, RFC 9112): the server side of the http and
 * mixed inbounds (CONNECT, RFC 9110 9.3.6, and absolute-form forwarding,
 * RFC 9112 3.2.2; Basic auth, RFC 7617, with 407 and Proxy-Authenticate,
 * RFC 9110 11.7.1) and the CONNECT client of the http outbound.  Also the
 * host:port and base64 helpers.  Pure byte-level code, no I/O.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "proxy_parse.h"

/* ---------------------------------------------------------------- helpers */

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

size_t rb_base64_encode(const uint8_t *in, size_t len, char *out, size_t max)
{
	size_t n = 0;

	if (max < (len + 2) / 3 * 4 + 1) {
		if (max)
			out[0] = '\0';
		return 0;
	}
	for (size_t i = 0; i < len; i += 3) {
		uint32_t v = (uint32_t)in[i] << 16;

		if (i + 1 < len)
			v |= (uint32_t)in[i + 1] << 8;
		if (i + 2 < len)
			v |= in[i + 2];
		out[n++] = b64[v >> 18 & 63];
		out[n++] = b64[v >> 12 & 63];
		out[n++] = i + 1 < len ? b64[v >> 6 & 63] : '=';
		out[n++] = i + 2 < len ? b64[v & 63] : '=';
	}
	out[n] = '\0';
	return n;
}

long rb_base64_decode(const char *in, size_t len, uint8_t *out, size_t max)
{
	uint32_t acc = 0;
	int bits = 0;
	size_t n = 0;

	while (len && in[len - 1] == '=')
		len--;
	for (size_t i = 0; i < len; i++) {
		const char *p = in[i] ? strchr(b64, in[i]) : NULL;

		if (p == NULL)
			return -1;
		acc = acc << 6 | (uint32_t)(p - b64);
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (n >= max)
				return -1;
			out[n++] = (uint8_t)(acc >> bits);
		}
	}
	return (long)n;
}

void rb_dest_literal(struct rb_dest *d)
{
	if (d->family != 0 || d->domain[0] == '\0')
		return;
	if (inet_pton(AF_INET, d->domain, d->addr) == 1)
		d->family = AF_INET;
	else if (inet_pton(AF_INET6, d->domain, d->addr) == 1)
		d->family = AF_INET6;
	else
		return;
	d->domain[0] = '\0';
}

size_t rb_dest_format(const struct rb_dest *d, char *out, size_t max)
{
	char a[INET6_ADDRSTRLEN];
	int n;

	if (d->family == AF_INET || d->family == AF_INET6) {
		inet_ntop(d->family, d->addr, a, sizeof(a));
		n = snprintf(out, max, d->family == AF_INET6 ? "[%s]:%u" : "%s:%u", a, d->port);
	} else {
		n = snprintf(out, max, "%s:%u", d->domain, d->port);
	}
	return n < 0 ? 0 : (size_t)n >= max ? max - 1 : (size_t)n;
}

int rb_dest_parse(const char *s, size_t len, uint16_t def_port, struct rb_dest *d)
{
	const char *host = s, *colon = NULL, *end = s + len;
	size_t hl;
	char tmp[RB_DOMAIN_MAX + 1];

	memset(d, 0, sizeof(*d));
	if (len == 0)
		return -1;
	if (s[0] == '[') {
		const char *rb = memchr(s, ']', len);

		if (rb == NULL)
			return -1;
		host = s + 1;
		hl = (size_t)(rb - host);
		if (rb + 1 < end) {
			if (rb[1] != ':')
				return -1;
			colon = rb + 1;
		}
		if (hl == 0 || hl >= sizeof(tmp))
			return -1;
		memcpy(tmp, host, hl);
		tmp[hl] = '\0';
		if (inet_pton(AF_INET6, tmp, d->addr) != 1)
			return -1;
		d->family = AF_INET6;
	} else {
		colon = memrchr(s, ':', len);
		hl = colon ? (size_t)(colon - s) : len;
		if (hl == 0 || hl > RB_DOMAIN_MAX)
			return -1;
		for (size_t i = 0; i < hl; i++) {
			unsigned char ch = (unsigned char)s[i];

			if (!isalnum(ch) && ch != '-' && ch != '.' && ch != '_')
				return -1;
			tmp[i] = (char)tolower(ch);
		}
		tmp[hl] = '\0';
		if (inet_pton(AF_INET, tmp, d->addr) == 1)
			d->family = AF_INET;
		else
			memcpy(d->domain, tmp, hl + 1);
	}
	if (colon) {
		unsigned long p = 0;
		const char *q = colon + 1;

		if (q == end)
			return -1;
		for (; q < end; q++) {
			if (!isdigit((unsigned char)*q))
				return -1;
			p = p * 10 + (unsigned long)(*q - '0');
			if (p > 65535)
				return -1;
		}
		if (p == 0)
			return -1;
		d->port = (uint16_t)p;
	} else {
		if (def_port == 0)
			return -1;
		d->port = def_port;
	}
	return 0;
}

/* ------------------------------------------------------------ server side */

void rb_http_srv_init(struct rb_http_srv *h, int need_auth, uint32_t max_head, rb_auth_fn auth,
		      void *arg)
{
	memset(h, 0, sizeof(*h));
	h->need_auth = (uint8_t)!!need_auth;
	h->max_head = max_head ? max_head : 8192;
	h->auth = auth;
	h->auth_arg = arg;
}

static int http_fail(struct rb_http_srv *h, uint8_t err, uint16_t status)
{
	h->err = err;
	h->status = status;
	return RB_PARSE_ERR;
}

static int is_tchar(unsigned char c)
{
	return isalnum(c) || (c && strchr("!#$%&'*+-.^_`|~", c));
}

/* Header names that do not travel to the origin (hop-by-hop, RFC 9110 7.6.1). */
static int hop_header(const char *n, size_t len)
{
	static const char *const hop[] = {"proxy-authorization", "proxy-connection", "connection",
					  "keep-alive", NULL};

	for (int i = 0; hop[i]; i++)
		if (strlen(hop[i]) == len && strncasecmp(n, hop[i], len) == 0)
			return 1;
	return 0;
}

static int check_basic(struct rb_http_srv *h, const char *v, size_t vl,
		       struct rb_proxy_request *req)
{
	uint8_t dec[RB_USER_MAX + 256 + 2];
	long n;
	uint8_t *colon;
	int ok;

	if (vl < 6 || strncasecmp(v, "basic ", 6) != 0)
		return 0;
	v += 6;
	vl -= 6;
	while (vl && *v == ' ') {
		v++;
		vl--;
	}
	n = rb_base64_decode(v, vl, dec, sizeof(dec));
	if (n <= 0)
		return 0;
	colon = memchr(dec, ':', (size_t)n);
	if (colon == NULL || colon == dec)
		return 0;
	ok = h->auth && h->auth(h->auth_arg, (const char *)dec, (size_t)(colon - dec),
				(const char *)colon + 1, (size_t)(dec + n - colon - 1));
	if (ok) {
		size_t ul = (size_t)(colon - dec);

		memcpy(req->user, dec, ul > RB_USER_MAX ? RB_USER_MAX : ul);
		req->user[ul > RB_USER_MAX ? RB_USER_MAX : ul] = '\0';
	}
	explicit_bzero(dec, sizeof(dec));
	return ok;
}

/* Content-Length of a request (RFC 9110 8.6: 1*DIGIT): 0, or -1 when the
 * value is invalid or the field repeats (RFC 9112 6.3 5: a request that
 * smuggles a second length is refused, even with an equal value). */
static int body_length(struct rb_http_srv *h, const char *v, size_t n, int *seen)
{
	uint64_t x = 0;

	if (n == 0 || n > 18 || (*seen)++)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (!isdigit((unsigned char)v[i]))
			return -1;
		x = x * 10 + (uint64_t)(v[i] - '0');
	}
	h->body_len = x;
	return 0;
}

/* RFC 9110 9.2.2: the idempotent methods (methods are case-sensitive). */
static int method_idempotent(const char *m, size_t n)
{
	static const char *const idem[] = {"GET", "HEAD", "OPTIONS", "TRACE", "PUT", "DELETE",
					   NULL};

	for (int i = 0; idem[i]; i++)
		if (strlen(idem[i]) == n && memcmp(m, idem[i], n) == 0)
			return 1;
	return 0;
}

static int framing_fail(struct rb_http_srv *h)
{
	h->framing_err = 1;
	return http_fail(h, RB_PERR_MALFORMED, 400);
}

static int put(uint8_t *fwd, size_t max, size_t *off, const void *p, size_t n)
{
	if (*off + n > max)
		return -1;
	memcpy(fwd + *off, p, n);
	*off += n;
	return 0;
}

int rb_http_srv_parse(struct rb_http_srv *h, const uint8_t *buf, size_t len, size_t *used,
		      struct rb_proxy_request *req, uint8_t *fwd, size_t fwd_max, size_t *fwd_len)
{
	const char *s = (const char *)buf, *end, *line, *sp1, *sp2, *eol, *target, *path = "/";
	const char *auth_v = NULL, *authority;
	size_t tl, al = 0, pl = 1, auth_l = 0, head, off = 0;
	int connect, has_host = 0, cl_seen = 0, te = 0, te_chunked = 0, cl_bad = 0;

	*used = 0;
	if (fwd_len)
		*fwd_len = 0;
	{
		const uint8_t *e = NULL;

		for (size_t i = 3; i < len && i < h->max_head; i++)
			if (buf[i] == '\n' && buf[i - 1] == '\r' && buf[i - 2] == '\n' &&
			    buf[i - 3] == '\r') {
				e = buf + i + 1;
				break;
			}
		if (e == NULL) {
			if (len >= h->max_head)
				return http_fail(h, RB_PERR_TOO_LARGE, 431);
			/* an early sanity check: a method is a token */
			for (size_t i = 0; i < len && buf[i] != ' '; i++)
				if (!is_tchar(buf[i]))
					return http_fail(h, RB_PERR_MALFORMED, 400);
			return RB_PARSE_MORE;
		}
		head = (size_t)(e - buf);
	}
	end = s + head;
	memset(req, 0, sizeof(*req));
	h->keep_alive = 0;
	h->head_method = 0;
	h->body_chunked = 0;
	h->idempotent = 0;
	h->framing_err = 0;
	h->body_len = 0;
	/* request-line = method SP request-target SP HTTP-version CRLF (RFC 9112 3) */
	eol = memchr(s, '\r', head);
	sp1 = memchr(s, ' ', (size_t)(eol - s));
	if (sp1 == NULL || sp1 == s)
		return http_fail(h, RB_PERR_MALFORMED, 400);
	for (const char *p = s; p < sp1; p++)
		if (!is_tchar((unsigned char)*p))
			return http_fail(h, RB_PERR_MALFORMED, 400);
	target = sp1 + 1;
	sp2 = memchr(target, ' ', (size_t)(eol - target));
	if (sp2 == NULL || sp2 == target || eol - sp2 != 9 || strncmp(sp2 + 1, "HTTP/1.", 7) != 0 ||
	    (sp2[8] != '0' && sp2[8] != '1'))
		return http_fail(h, RB_PERR_VERSION, 400);
	for (const char *p = target; p < sp2; p++)
		if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f)
			return http_fail(h, RB_PERR_MALFORMED, 400);
	tl = (size_t)(sp2 - target);
	connect = sp1 - s == 7 && strncmp(s, "CONNECT", 7) == 0;
	h->head_method = sp1 - s == 4 && strncmp(s, "HEAD", 4) == 0;
	h->idempotent = method_idempotent(s, (size_t)(sp1 - s));
	h->keep_alive = sp2[8] == '1'; /* HTTP/1.1 persists by default (RFC 9112 9.3) */
	if (connect) {
		/* authority-form (RFC 9112 3.2.3): port required */
		if (rb_dest_parse(target, tl, 0, &req->dst) != 0)
			return http_fail(h, RB_PERR_ADDRESS, 400);
		req->cmd = RB_CMD_CONNECT;
	} else {
		/* absolute-form (RFC 9112 3.2.2): only http:// can be forwarded */
		if (tl < 8 || strncasecmp(target, "http://", 7) != 0)
			return http_fail(h, RB_PERR_MALFORMED, 400);
		authority = target + 7;
		al = 0;
		while (authority + al < sp2 && !strchr("/?#", authority[al]))
			al++;
		if (memchr(authority, '@', al) != NULL ||
		    rb_dest_parse(authority, al, 80, &req->dst) != 0)
			return http_fail(h, RB_PERR_ADDRESS, 400);
		if (authority + al < sp2) {
			path = authority + al;
			pl = (size_t)(sp2 - path);
			if (*path == '#') /* fragment only */
				path = "/", pl = 1;
		}
		req->cmd = RB_CMD_HTTP_FORWARD;
		if (fwd == NULL || put(fwd, fwd_max, &off, s, (size_t)(sp1 - s) + 1) ||
		    (*path != '/' && put(fwd, fwd_max, &off, "/", 1)) ||
		    put(fwd, fwd_max, &off, path, pl) || put(fwd, fwd_max, &off, sp2, 9) ||
		    put(fwd, fwd_max, &off, "\r\n", 2))
			return http_fail(h, RB_PERR_TOO_LARGE, 431);
	}
	/* header fields (RFC 9112 5) */
	for (line = eol + 2; line < end - 2; line = eol + 2) {
		const char *colon, *v, *ve;

		eol = memchr(line, '\r', (size_t)(end - line));
		if (eol == NULL || eol[1] != '\n')
			return http_fail(h, RB_PERR_MALFORMED, 400);
		if (*line == ' ' || *line == '\t') /* obs-fold: RFC 9112 5.2 */
			return http_fail(h, RB_PERR_MALFORMED, 400);
		colon = memchr(line, ':', (size_t)(eol - line));
		if (colon == NULL || colon == line)
			return http_fail(h, RB_PERR_MALFORMED, 400);
		for (const char *p = line; p < colon; p++)
			if (!is_tchar((unsigned char)*p))
				return http_fail(h, RB_PERR_MALFORMED, 400);
		for (const char *p = colon + 1; p < eol; p++)
			if (*p == '\n' || *p == '\0' || *p == '\r')
				return http_fail(h, RB_PERR_MALFORMED, 400);
		v = colon + 1;
		while (v < eol && (*v == ' ' || *v == '\t'))
			v++;
		ve = eol;
		while (ve > v && (ve[-1] == ' ' || ve[-1] == '\t'))
			ve--;
		if (colon - line == 19 && strncasecmp(line, "proxy-authorization", 19) == 0) {
			auth_v = v;
			auth_l = (size_t)(ve - v);
		}
		if (colon - line == 4 && strncasecmp(line, "host", 4) == 0)
			has_host = 1;
		if ((colon - line == 10 && strncasecmp(line, "connection", 10) == 0) ||
		    (colon - line == 16 && strncasecmp(line, "proxy-connection", 16) == 0)) {
			/* Connection / Proxy-Connection (RFC 9112 9.3, 9.6):
			 * "close" wins over "keep-alive" */
			int cl = 0, ka = 0;

			rb_http_conn_opts(v, (size_t)(ve - v), &cl, &ka);
			if (cl)
				h->keep_alive = 0;
			else if (ka)
				h->keep_alive = 1;
		}
		if (colon - line == 17 && strncasecmp(line, "transfer-encoding", 17) == 0) {
			te++;
			te_chunked = rb_http_te_chunked_last(v, (size_t)(ve - v));
		}
		if (colon - line == 14 && strncasecmp(line, "content-length", 14) == 0 &&
		    body_length(h, v, (size_t)(ve - v), &cl_seen) != 0)
			cl_bad = 1;
		if (!connect && !hop_header(line, (size_t)(colon - line)) &&
		    put(fwd, fwd_max, &off, line, (size_t)(eol - line) + 2))
			return http_fail(h, RB_PERR_TOO_LARGE, 431);
	}
	/* the message length (RFC 9112 6.1, 6.3): whatever two parsers could
	 * read differently is refused with 400 and the connection closed:
	 * Transfer-Encoding with Content-Length (3), a repeated or invalid
	 * Content-Length (5), codings not ending in chunked (4), more than one
	 * Transfer-Encoding field, Transfer-Encoding in HTTP/1.0 (6.1) */
	if (cl_bad || (te && (cl_seen || !te_chunked || te > 1 || sp2[8] == '0')))
		return framing_fail(h);
	h->body_chunked = te != 0; /* its end: rb_http_body_scan (http_ka.c) */
	if (h->need_auth && (auth_v == NULL || !check_basic(h, auth_v, auth_l, req)))
		return http_fail(h, RB_PERR_AUTH, 407);
	if (!connect) {
		char hostline[RB_DOMAIN_MAX + 32];
		int n = 0;

		if (!has_host)
			n = snprintf(hostline, sizeof(hostline), "Host: %.*s\r\n", (int)al,
				     target + 7);
		/* the upstream is kept for the next request when the client
		 * keeps its connection (the request's end is known: no body,
		 * Content-Length or chunked) */
		int keep = h->keep_alive;

		if ((n > 0 && put(fwd, fwd_max, &off, hostline, (size_t)n)) ||
		    (keep ? put(fwd, fwd_max, &off, RB_HTTP_KA_LINE, sizeof(RB_HTTP_KA_LINE) - 1)
			  : put(fwd, fwd_max, &off, RB_HTTP_CLOSE_LINE,
				sizeof(RB_HTTP_CLOSE_LINE) - 1)))
			return http_fail(h, RB_PERR_TOO_LARGE, 431);
		*fwd_len = off;
	}
	*used = head;
	return RB_PARSE_DONE;
}

size_t rb_http_error(int status, uint8_t *out, size_t max)
{
	const char *reason, *extra = "";
	int n;

	switch (status) {
	case 400: reason = "Bad Request"; break;
	case 403: reason = "Forbidden"; break;
	case 407:
		reason = "Proxy Authentication Required";
		extra = "Proxy-Authenticate: Basic realm=\"ringbox\"\r\n";
		break;
	case 408: reason = "Request Timeout"; break;
	case 431: reason = "Request Header Fields Too Large"; break;
	case 502: reason = "Bad Gateway"; break;
	case 503: reason = "Service Unavailable"; break;
	case 504: reason = "Gateway Timeout"; break;
	default: status = 500; reason = "Internal Server Error"; break;
	}
	n = snprintf((char *)out, max,
		     "HTTP/1.1 %d %s\r\n%sContent-Length: 0\r\nConnection: close\r\n\r\n", status,
		     reason, extra);
	return n < 0 || (size_t)n >= max ? 0 : (size_t)n;
}

size_t rb_http_connect_ok(uint8_t *out, size_t max)
{
	static const char ok[] = "HTTP/1.1 200 Connection established\r\n\r\n";

	if (max < sizeof(ok) - 1)
		return 0;
	memcpy(out, ok, sizeof(ok) - 1);
	return sizeof(ok) - 1;
}

/* ------------------------------------------------------------ client side */

size_t rb_http_cli_start(struct rb_http_cli *c, const struct rb_dest *dst, const char *user,
			 const char *pass, uint8_t *out, size_t max)
{
	char hp[RB_DOMAIN_MAX + 16], cred[RB_USER_MAX + 260], enc[(RB_USER_MAX + 260) / 3 * 4 + 8];
	int n;

	memset(c, 0, sizeof(*c));
	rb_dest_format(dst, hp, sizeof(hp));
	enc[0] = '\0';
	if (user && *user) {
		n = snprintf(cred, sizeof(cred), "%s:%s", user, pass ? pass : "");
		if (n > 0 && (size_t)n < sizeof(cred))
			rb_base64_encode((const uint8_t *)cred, (size_t)n, enc, sizeof(enc));
		explicit_bzero(cred, sizeof(cred));
	}
	n = snprintf((char *)out, max, "CONNECT %s HTTP/1.1\r\nHost: %s\r\n%s%s%s\r\n", hp, hp,
		     enc[0] ? "Proxy-Authorization: Basic " : "", enc, enc[0] ? "\r\n" : "");
	explicit_bzero(enc, sizeof(enc));
	return n < 0 || (size_t)n >= max ? 0 : (size_t)n;
}

int rb_http_cli_parse(struct rb_http_cli *c, const uint8_t *buf, size_t len, size_t *used)
{
	size_t head = 0;

	*used = 0;
	for (size_t i = 3; i < len; i++)
		if (buf[i] == '\n' && buf[i - 1] == '\r' && buf[i - 2] == '\n' && buf[i - 3] == '\r') {
			head = i + 1;
			break;
		}
	if (head == 0) {
		if (len >= 8192) {
			c->err = RB_PERR_TOO_LARGE;
			return RB_PARSE_ERR;
		}
		return RB_PARSE_MORE;
	}
	/* status-line = HTTP-version SP status-code SP [reason-phrase] (RFC 9112 4) */
	if (head < 14 || memcmp(buf, "HTTP/1.", 7) != 0 || buf[8] != ' ' ||
	    !isdigit(buf[9]) || !isdigit(buf[10]) || !isdigit(buf[11])) {
		c->err = RB_PERR_MALFORMED;
		return RB_PARSE_ERR;
	}
	c->status = (uint16_t)((buf[9] - '0') * 100 + (buf[10] - '0') * 10 + (buf[11] - '0'));
	*used = head;
	if (c->status / 100 != 2) {
		c->err = c->status == 407 ? RB_PERR_AUTH : RB_PERR_COMMAND;
		return RB_PARSE_ERR;
	}
	return RB_PARSE_DONE;
}
