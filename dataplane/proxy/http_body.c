/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Where an HTTP/1.1 message body ends (RFC 9112 6.3), for the plain-HTTP
 * proxy's keep-alive: the relay passes the origin's body bytes on unchanged
 * and feeds them through rb_http_body_scan, which says how many of them
 * belong to the body and when its end was seen.  Only then may the client
 * connection carry the next request and the upstream connection be reused.
 *
 *   none     no body (HEAD, 1xx, 204, 304, Content-Length: 0)
 *   length   Content-Length bytes (RFC 9112 6.2)
 *   chunked  the chunked transfer coding (RFC 9112 7.1):
 *              chunked-body = *chunk last-chunk trailer-section CRLF
 *              chunk        = chunk-size [ chunk-ext ] CRLF chunk-data CRLF
 *              last-chunk   = 1*("0") [ chunk-ext ] CRLF
 *              trailer-section = *( field-line CRLF )
 *   close    until the connection closes (never ends here)
 *
 * The chunked scanner is strict where a lax reading would let the proxy
 * and the client disagree on the end (request smuggling, response
 * splitting, RFC 9112 11.2): CRLF only (no bare LF), hex sizes without
 * sign or whitespace before them, after them only whitespace then ";" or
 * CR, no size of 2^60 or more (the value is
 * checked before each digit shifts in: no overflow), bounded lines.
 *
 * A request body is read from the client in steps of rb_http_body_sure
 * bytes: the shortest way the body could still end from the scanner's
 * state, so a read never takes bytes of the next (pipelined) request and
 * the client's connection is never read past the body.
 * Pure byte-level code, no I/O.
 */
#include <string.h>

#include "proxy_parse.h"

enum {
	ST_DONE = 0,
	ST_LENGTH,      /* Content-Length bytes left */
	ST_CLOSE,       /* until EOF */
	ST_SIZE,        /* chunk-size hex digits */
	ST_SIZE_BWS,    /* whitespace after them: only ";" (an extension) or CR may follow */
	ST_EXT,         /* chunk-ext up to CR */
	ST_SIZE_LF,     /* the LF ending a chunk-size line */
	ST_DATA,        /* chunk-data */
	ST_DATA_CR,     /* the CRLF after chunk-data */
	ST_DATA_LF,
	ST_TRAILER_BOL, /* the start of a trailer line, or the final CRLF */
	ST_TRAILER,     /* a trailer field line up to CR */
	ST_TRAILER_LF,
	ST_END_LF,      /* the LF of the final CRLF */
	ST_ERR,
};

#define LINE_MAX_BYTES     4096    /* a chunk-size line with its extensions */
#define TRAILER_MAX_BYTES  8192    /* the whole trailer section */

void rb_http_body_init(struct rb_http_body *b, int mode, uint64_t length)
{
	memset(b, 0, sizeof(*b));
	b->mode = (uint8_t)mode;
	switch (mode) {
	case RB_BODY_LENGTH:
		b->left = length;
		b->st = length ? ST_LENGTH : ST_DONE;
		break;
	case RB_BODY_CHUNKED:
		b->st = ST_SIZE;
		break;
	case RB_BODY_CLOSE:
		b->st = ST_CLOSE;
		break;
	default:
		b->st = ST_DONE;
		break;
	}
}

int rb_http_body_done(const struct rb_http_body *b)
{
	return b->st == ST_DONE;
}

int rb_http_body_failed(const struct rb_http_body *b)
{
	return b->st == ST_ERR;
}

uint64_t rb_http_body_room(const struct rb_http_body *b)
{
	if (b->st == ST_LENGTH)
		return b->left;
	if (b->st == ST_DONE || b->st == ST_ERR)
		return 0;
	return UINT64_MAX;
}

static uint64_t sat_add(uint64_t a, uint64_t b)
{
	return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

/* The fewest bytes that end the body from here (each a byte of the body,
 * whatever comes): after a chunk-size the rest of its line, the data, its
 * CRLF and the shortest ending "0" CRLF CRLF (5 bytes); in the trailers
 * the rest of the line and the final CRLF. */
uint64_t rb_http_body_sure(const struct rb_http_body *b)
{
	switch (b->st) {
	case ST_LENGTH:
		return b->left;
	case ST_CLOSE:
		return UINT64_MAX;
	case ST_SIZE:
		if (!b->digits)
			return 5;                       /* "0\r\n\r\n" */
		/* fall through */
	case ST_SIZE_BWS:
	case ST_EXT:
		return b->left ? sat_add(b->left, 9) : 4; /* CRLF data CRLF 5 / CRLF CRLF */
	case ST_SIZE_LF:
		return b->left ? sat_add(b->left, 8) : 3;
	case ST_DATA:
		return sat_add(b->left, 7);
	case ST_DATA_CR:
		return 7;
	case ST_DATA_LF:
		return 6;
	case ST_TRAILER_BOL:
		return 2;
	case ST_TRAILER:
		return 4;
	case ST_TRAILER_LF:
		return 3;
	case ST_END_LF:
		return 1;
	default:
		return 0;                               /* done or failed */
	}
}

static int hexval(uint8_t c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static size_t fail(struct rb_http_body *b, size_t i)
{
	b->st = ST_ERR;
	return i;
}

size_t rb_http_body_scan(struct rb_http_body *b, const uint8_t *buf, size_t len)
{
	size_t i = 0;

	while (i < len) {
		uint8_t c = buf[i];
		int h;

		switch (b->st) {
		case ST_DONE:
		case ST_ERR:
			return i;
		case ST_CLOSE:
			return len;
		case ST_LENGTH: {
			uint64_t n = len - i < b->left ? len - i : b->left;

			b->left -= n;
			i += n;
			if (b->left == 0)
				b->st = ST_DONE;
			continue;
		}
		case ST_DATA: {
			uint64_t n = len - i < b->left ? len - i : b->left;

			b->left -= n;
			i += n;
			if (b->left == 0)
				b->st = ST_DATA_CR;
			continue;
		}
		case ST_SIZE:
			h = hexval(c);
			if (h >= 0) {
				if (b->left >> 56) /* the size would reach 2^60 */
					return fail(b, i);
				b->left = b->left << 4 | (uint64_t)h;
				b->digits = 1;
			} else if (!b->digits) {
				return fail(b, i);
			} else if (c == ';') {
				b->st = ST_EXT; /* chunk-ext: passed on as it is */
			} else if (c == ' ' || c == '\t') {
				b->st = ST_SIZE_BWS; /* BWS ";" chunk-ext */
			} else if (c == '\r') {
				b->st = ST_SIZE_LF;
			} else {
				return fail(b, i);
			}
			break;
		case ST_SIZE_BWS:
			if (c == ';')
				b->st = ST_EXT;
			else if (c == '\r')
				b->st = ST_SIZE_LF;
			else if (c != ' ' && c != '\t')
				return fail(b, i); /* "5 5": not a size another parser reads alike */
			break;
		case ST_EXT:
			if (c == '\r')
				b->st = ST_SIZE_LF;
			else if (c == '\n' || c == '\0')
				return fail(b, i);
			break;
		case ST_SIZE_LF:
			if (c != '\n')
				return fail(b, i);
			b->line = 0;
			b->digits = 0;
			if (b->left == 0) {
				b->st = ST_TRAILER_BOL; /* last-chunk */
			} else {
				b->st = ST_DATA;
				b->chunks++;
			}
			i++;
			continue;
		case ST_DATA_CR:
			if (c != '\r')
				return fail(b, i);
			b->st = ST_DATA_LF;
			break;
		case ST_DATA_LF:
			if (c != '\n')
				return fail(b, i);
			b->st = ST_SIZE;
			b->line = 0;
			i++;
			continue;
		case ST_TRAILER_BOL:
			if (c == '\r') {
				b->st = ST_END_LF;
			} else if (c == ' ' || c == '\t' || c == '\n' || c == ':' || c == '\0') {
				return fail(b, i); /* obs-fold, bare LF, empty name, NUL */
			} else {
				b->st = ST_TRAILER;
			}
			break;
		case ST_TRAILER:
			if (c == '\r')
				b->st = ST_TRAILER_LF;
			else if (c == '\n' || c == '\0')
				return fail(b, i);
			break;
		case ST_TRAILER_LF:
			if (c != '\n')
				return fail(b, i);
			b->st = ST_TRAILER_BOL;
			break;
		case ST_END_LF:
			if (c != '\n')
				return fail(b, i);
			b->st = ST_DONE;
			return i + 1;
		}
		/* one byte of a size, extension or trailer line */
		i++;
		if (b->st >= ST_TRAILER_BOL ? ++b->trailer > TRAILER_MAX_BYTES
					    : ++b->line > LINE_MAX_BYTES)
			return fail(b, i);
	}
	return i;
}
