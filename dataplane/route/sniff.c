/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Sniffers (rb_sniff, dataplane/proxy/rb_route_api.h): the first bytes a
 * client sent, as they arrived so far.
 *  - TLS: a ClientHello (RFC 8446 4.1.2), possibly fragmented over several
 *    handshake records and any number of segments; SNI from server_name
 *    (RFC 6066 3).  GREASE values (RFC 8701) and unknown extensions are
 *    skipped; with ECH the outer (public) name is what the wire shows.
 *  - HTTP/1: request line with a known method, then the Host header field
 *    (RFC 9112 3.2), port stripped.
 * Returns 0 (recognised), -EAGAIN (a prefix of something we may
 * recognise: call again with more bytes), -ENOENT (neither).  Bounded
 * work, no allocation, never reads past len.
 */
#include <errno.h>
#include <string.h>

#include "rb_route.h"
#include "sniff_wire.h"

static unsigned rd16(const uint8_t *p)
{
	return (unsigned)p[0] << 8 | p[1];
}

static unsigned rd24(const uint8_t *p)
{
	return (unsigned)p[0] << 16 | (unsigned)p[1] << 8 | p[2];
}

/* Copy a host name: lower-case, [a-z0-9-._], no trailing dot.  0 or -1. */
static int set_host(char *out, const uint8_t *s, size_t n)
{
	if (n && s[n - 1] == '.')
		n--;
	if (n == 0 || n > RB_DOMAIN_MAX)
		return -1;
	for (size_t i = 0; i < n; i++) {
		uint8_t c = s[i];

		if (c >= 'A' && c <= 'Z')
			c = (uint8_t)(c + 32);
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
		      c == '_' || c == ':'))
			return -1;
		out[i] = (char)c;
	}
	out[n] = 0;
	return 0;
}

/* The ClientHello body (after the 4-byte handshake header). */
static int parse_client_hello(const uint8_t *p, size_t n, struct rb_sniff_result *out)
{
	size_t o = TLS_CH_FIXED, end;

	out->proto = RB_SNIFF_TLS;
	out->domain[0] = 0;
	if (n < o + 1)
		return 0;
	o += 1 + p[o];                          /* legacy_session_id */
	if (o + 2 > n)
		return 0;
	o += 2 + rd16(p + o);                   /* cipher_suites */
	if (o + 1 > n)
		return 0;
	o += 1 + p[o];                          /* legacy_compression_methods */
	if (o + 2 > n)
		return 0;                       /* no extensions: no SNI */
	end = o + 2 + rd16(p + o);
	o += 2;
	if (end > n)
		end = n;
	while (o + 4 <= end) {
		unsigned type = rd16(p + o), len = rd16(p + o + 2);
		size_t e = o + 4 + len;

		if (e > end)
			break;
		if (type == TLS_EXT_SERVER_NAME && len >= 2) {
			size_t q = o + 4 + 2, qe = o + 4 + 2 + rd16(p + o + 4);

			if (qe > e)
				qe = e;
			while (q + 3 <= qe) {
				unsigned nt = p[q], nl = rd16(p + q + 1);

				if (q + 3 + nl > qe)
					break;
				if (nt == TLS_SNI_HOST_NAME) {
					if (set_host(out->domain, p + q + 3, nl))
						out->domain[0] = 0;
					return 0;
				}
				q += 3 + nl;
			}
		}
		o = e;
	}
	return 0;
}

static int sniff_tls(const uint8_t *d, size_t len, struct rb_sniff_result *out)
{
	static __thread uint8_t hs[TLS_CH_MAX];
	size_t have = 0, need = 0, o = 0;

	if (len < 1)
		return -EAGAIN;
	if (d[0] != TLS_CT_HANDSHAKE)
		return -ENOENT;
	/* gather the handshake bytes of consecutive handshake records */
	while (o < len) {
		unsigned rl;

		if (len - o < TLS_REC_HDR) {
			/* the record header so far must look like TLS 1.x */
			if (d[o] != TLS_CT_HANDSHAKE || (len - o >= 2 && d[o + 1] != 3))
				return -ENOENT;
			return -EAGAIN;
		}
		rl = rd16(d + o + 3);
		if (d[o] != TLS_CT_HANDSHAKE || d[o + 1] != 3 || rl == 0 || rl > TLS_REC_MAX)
			return -ENOENT;
		{
			size_t take = len - o - TLS_REC_HDR < rl ? len - o - TLS_REC_HDR : rl;

			if (have + take > sizeof(hs))
				take = sizeof(hs) - have;
			memcpy(hs + have, d + o + TLS_REC_HDR, take);
			have += take;
			if (have >= TLS_HS_HDR && !need) {
				if (hs[0] != TLS_HS_CLIENT_HELLO)
					return -ENOENT;
				need = TLS_HS_HDR + rd24(hs + 1);
				if (need > sizeof(hs) || need < TLS_HS_HDR + TLS_CH_FIXED + 1)
					return -ENOENT;
			}
			if (need && have >= need)
				return parse_client_hello(hs + TLS_HS_HDR, need - TLS_HS_HDR, out);
			if (take < rl)
				return -EAGAIN; /* rest of this record still to come */
		}
		o += TLS_REC_HDR + rl;
	}
	if (have >= 1 && hs[0] != TLS_HS_CLIENT_HELLO)
		return -ENOENT;
	return -EAGAIN; /* every record so far consumed: the next one is still to come */
}

static const char *const methods[] = {
	"GET ", "POST ", "HEAD ", "PUT ", "DELETE ", "OPTIONS ", "PATCH ", "CONNECT ", "TRACE ",
};

static int ieq(const uint8_t *a, const char *b, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		uint8_t c = a[i];

		if (c >= 'A' && c <= 'Z')
			c = (uint8_t)(c + 32);
		if (c != (uint8_t)b[i])
			return 0;
	}
	return 1;
}

static int sniff_http(const uint8_t *d, size_t len, struct rb_sniff_result *out)
{
	size_t m, lim = len < HTTP_HDR_MAX ? len : HTTP_HDR_MAX, o, line_end = 0;
	int partial = 0;

	for (m = 0; m < sizeof(methods) / sizeof(methods[0]); m++) {
		size_t ml = strlen(methods[m]);

		if (len >= ml && memcmp(d, methods[m], ml) == 0)
			break;
		if (len < ml && memcmp(d, methods[m], len) == 0)
			partial = 1;
	}
	if (m == sizeof(methods) / sizeof(methods[0]))
		return partial ? -EAGAIN : -ENOENT;
	/* request line */
	for (o = 0; o + 1 < lim; o++)
		if (d[o] == '\r' && d[o + 1] == '\n') {
			line_end = o;
			break;
		}
	if (!line_end)
		return len >= HTTP_HDR_MAX ? -ENOENT : -EAGAIN;
	if (line_end < 10 || !(memcmp(d + line_end - 8, "HTTP/1.", 7) == 0))
		return -ENOENT;
	out->proto = RB_SNIFF_HTTP;
	out->domain[0] = 0;
	o = line_end + 2;
	while (o + 1 < lim) {
		size_t e = o;

		while (e + 1 < lim && !(d[e] == '\r' && d[e + 1] == '\n'))
			e++;
		if (e + 1 >= lim)
			break;                  /* header line incomplete */
		if (e == o)
			return 0;               /* end of headers, no Host */
		if (e - o > 5 && ieq(d + o, "host:", 5)) {
			size_t v = o + 5, ve = e;

			while (v < ve && (d[v] == ' ' || d[v] == '\t'))
				v++;
			while (ve > v && (d[ve - 1] == ' ' || d[ve - 1] == '\t'))
				ve--;
			if (v < ve && d[v] == '[') {      /* [v6]:port */
				const uint8_t *rb = memchr(d + v, ']', ve - v);

				if (rb) {
					v++;
					ve = (size_t)(rb - d);
				}
			} else {
				const uint8_t *c = memchr(d + v, ':', ve - v);

				if (c)
					ve = (size_t)(c - d);
			}
			if (set_host(out->domain, d + v, ve - v))
				out->domain[0] = 0;
			return 0;
		}
		o = e + 2;
	}
	return len >= HTTP_HDR_MAX ? 0 : -EAGAIN;
}

#define SNIFF_HAVE ((1u << RB_SNIFF_TLS) | (1u << RB_SNIFF_HTTP))

int rb_sniff_any(unsigned mask)
{
	return mask == 0 || (mask & SNIFF_HAVE) != 0;
}

int rb_sniff_only(const uint8_t *data, size_t len, unsigned mask, struct rb_sniff_result *out)
{
	int rc = -ENOENT, more = 0;

	if (!data || !out)
		return -EINVAL;
	if (mask == 0)
		mask = SNIFF_HAVE;
	if (!(mask & SNIFF_HAVE))
		return -ENOENT;
	if (len == 0)
		return -EAGAIN;
	/* each sniffer in the list: a match wins; "need more" from any of
	 * them means wait, unless another one matched */
	if (mask & (1u << RB_SNIFF_TLS)) {
		memset(out, 0, sizeof(*out));
		rc = sniff_tls(data, len, out);
		if (rc == 0)
			return 0;
		more |= rc == -EAGAIN;
	}
	if (mask & (1u << RB_SNIFF_HTTP)) {
		memset(out, 0, sizeof(*out));
		rc = sniff_http(data, len, out);
		if (rc == 0)
			return 0;
		more |= rc == -EAGAIN;
	}
	memset(out, 0, sizeof(*out));
	return more ? -EAGAIN : -ENOENT;
}

int rb_sniff(const uint8_t *data, size_t len, struct rb_sniff_result *out)
{
	return rb_sniff_only(data, len, 0, out);
}
