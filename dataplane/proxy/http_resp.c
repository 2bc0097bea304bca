/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * HTTP/1.x response heads from an origin, for the plain-HTTP proxy's
 * keep-alive (proxy_parse.h, rb_http_resp_parse).  It decides how the body
 * ends (RFC 9112 6.3: no body, Transfer-Encoding ending in chunked, a valid
 * Content-Length, or the connection's close), whether the *client* can find
 * that end by itself and so keep its connection for the next request, and
 * whether the origin keeps its own connection (Connection options, RFC 9112
 * 9.3, 9.6) so that the proxy may send it the next request.  The head is
 * passed on with the hop-by-hop Connection, Keep-Alive and Proxy-Connection
 * fields replaced by one Connection field saying so.
 */
#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "proxy_parse.h"

static int put(uint8_t *out, size_t max, size_t *off, const void *p, size_t n)
{
	if (*off + n > max)
		return -1;
	memcpy(out + *off, p, n);
	*off += n;
	return 0;
}

static int name_is(const char *line, size_t nl, const char *name)
{
	return strlen(name) == nl && strncasecmp(line, name, nl) == 0;
}

/* Content-Length (RFC 9110 8.6): digits only, no overflow; -1 when invalid. */
static long long parse_length(const char *v, size_t n)
{
	long long x = 0;

	if (n == 0 || n > 18)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (!isdigit((unsigned char)v[i]))
			return -1;
		x = x * 10 + (v[i] - '0');
	}
	return x;
}

/* The last transfer coding is "chunked" (RFC 9112 6.1, 7); requests and
 * responses alike. */
int rb_http_te_chunked_last(const char *v, size_t n)
{
	size_t e = n, b;

	while (e && (v[e - 1] == ' ' || v[e - 1] == '\t'))
		e--;
	b = e;
	while (b && v[b - 1] != ',')
		b--;
	while (b < e && (v[b] == ' ' || v[b] == '\t'))
		b++;
	return e - b == 7 && strncasecmp(v + b, "chunked", 7) == 0;
}

/* Connection options (RFC 9112 9.6): *close / *ka set when present;
 * requests and responses alike. */
void rb_http_conn_opts(const char *v, size_t n, int *close, int *ka)
{
	size_t i = 0;

	while (i < n) {
		size_t b, e;

		while (i < n && (v[i] == ' ' || v[i] == '\t' || v[i] == ','))
			i++;
		b = i;
		while (i < n && v[i] != ',')
			i++;
		e = i;
		while (e > b && (v[e - 1] == ' ' || v[e - 1] == '\t'))
			e--;
		if (e - b == 5 && strncasecmp(v + b, "close", 5) == 0)
			*close = 1;
		else if (e - b == 10 && strncasecmp(v + b, "keep-alive", 10) == 0)
			*ka = 1;
	}
}

int rb_http_resp_parse(const uint8_t *buf, size_t len, size_t max_head, int head_request,
		       int keep_alive, struct rb_http_resp *r, uint8_t *out, size_t out_max,
		       size_t *out_len, size_t *used)
{
	const char *s = (const char *)buf, *end, *line, *eol;
	long long clen = -2; /* -2 none, -1 invalid or conflicting */
	int te = 0, te_chunked = 0, ka, c_close = 0, c_ka = 0;
	size_t head = 0, off = 0;

	*used = 0;
	*out_len = 0;
	memset(r, 0, sizeof(*r));
	for (size_t i = 3; i < len && i < max_head; i++)
		if (buf[i] == '\n' && buf[i - 1] == '\r' && buf[i - 2] == '\n' && buf[i - 3] == '\r') {
			head = i + 1;
			break;
		}
	if (head == 0)
		return len >= max_head ? RB_PARSE_ERR : RB_PARSE_MORE;
	end = s + head;
	/* status-line = HTTP-version SP status-code SP [reason-phrase] CRLF (RFC 9112 4) */
	if (head < 14 || memcmp(s, "HTTP/1.", 7) != 0 || (s[7] != '0' && s[7] != '1') ||
	    s[8] != ' ' || !isdigit((unsigned char)s[9]) || !isdigit((unsigned char)s[10]) ||
	    !isdigit((unsigned char)s[11]) || (s[12] != ' ' && s[12] != '\r'))
		return RB_PARSE_ERR;
	r->minor = (uint8_t)(s[7] - '0');
	r->status = (uint16_t)((s[9] - '0') * 100 + (s[10] - '0') * 10 + (s[11] - '0'));
	if (r->status < 100)
		return RB_PARSE_ERR;
	eol = memchr(s, '\r', head);
	if (eol[1] != '\n')
		return RB_PARSE_ERR;
	for (const char *p = s; p < eol; p++)
		if ((unsigned char)*p < 0x20 && *p != '\t')
			return RB_PARSE_ERR;
	if (put(out, out_max, &off, s, (size_t)(eol - s) + 2))
		return RB_PARSE_ERR;
	for (line = eol + 2; line < end - 2; line = eol + 2) {
		const char *colon, *v, *ve;
		size_t nl;

		eol = memchr(line, '\r', (size_t)(end - line));
		if (eol == NULL || eol[1] != '\n' || *line == ' ' || *line == '\t')
			return RB_PARSE_ERR;
		colon = memchr(line, ':', (size_t)(eol - line));
		if (colon == NULL || colon == line)
			return RB_PARSE_ERR;
		for (const char *p = colon + 1; p < eol; p++)
			if (*p == '\n' || *p == '\0')
				return RB_PARSE_ERR;
		nl = (size_t)(colon - line);
		v = colon + 1;
		while (v < eol && (*v == ' ' || *v == '\t'))
			v++;
		ve = eol;
		while (ve > v && (ve[-1] == ' ' || ve[-1] == '\t'))
			ve--;
		if (name_is(line, nl, "content-length")) {
			long long x = parse_length(v, (size_t)(ve - v));

			clen = (clen == -2 || clen == x) && x >= 0 ? x : -1;
		} else if (name_is(line, nl, "transfer-encoding")) {
			te = 1;
			te_chunked = rb_http_te_chunked_last(v, (size_t)(ve - v));
		} else if (name_is(line, nl, "connection")) {
			rb_http_conn_opts(v, (size_t)(ve - v), &c_close, &c_ka);
		}
		if (name_is(line, nl, "connection") || name_is(line, nl, "keep-alive") ||
		    name_is(line, nl, "proxy-connection"))
			continue;
		if (put(out, out_max, &off, line, (size_t)(eol - line) + 2))
			return RB_PARSE_ERR;
	}
	/* RFC 9112 6.3: the message length */
	if (head_request || r->status / 100 == 1 || r->status == 204 || r->status == 304) {
		r->body = RB_BODY_NONE;
	} else if (te) {
		/* 3: TE overrides CL; both is a smuggling sign: no reuse.
		 * 4 (and 6.1): a coding other than chunked last: until close */
		r->body = te_chunked ? RB_BODY_CHUNKED : RB_BODY_CLOSE;
		r->suspect = clen != -2;
	} else if (clen == -1) {
		r->bad_length = 1; /* 5: unrecoverable */
		r->body = RB_BODY_CLOSE;
	} else if (clen >= 0) {
		r->body = clen ? RB_BODY_LENGTH : RB_BODY_NONE;
		r->length = (uint64_t)clen;
	} else {
		r->body = RB_BODY_CLOSE; /* 7 */
	}
	r->framed = r->body != RB_BODY_CLOSE;
	/* RFC 9112 9.3: 1.1 persists unless "close"; 1.0 only with "keep-alive" */
	r->origin_close = (uint8_t)(c_close || (r->minor == 0 && !c_ka) || r->status == 101);
	if (r->status / 100 == 1 && r->status != 101) {
		/* interim (100 Continue, 103): passed on unchanged, the final one follows */
		r->interim = 1;
		if (put(out, out_max, &off, "\r\n", 2))
			return RB_PARSE_ERR;
		*out_len = off;
		*used = head;
		return RB_PARSE_DONE;
	}
	ka = keep_alive && r->framed && r->status != 101;
	r->keep_alive = (uint8_t)ka;
	if (ka ? put(out, out_max, &off, "Connection: keep-alive\r\n\r\n", 26)
	       : put(out, out_max, &off, "Connection: close\r\n\r\n", 21))
		return RB_PARSE_ERR;
	*out_len = off;
	*used = head;
	return RB_PARSE_DONE;
}
