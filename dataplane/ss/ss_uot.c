/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sing-box UDP over TCP: stream parser and framer (ss_uot.h, uot_wire.h).
 */
#include <arpa/inet.h>
#include <string.h>
#include <sys/socket.h>

#include "ss_uot.h"
#include "ss_wire.h"

enum { P_REQ = 0, P_HDR, P_DATA };

void uot_rd_init(struct uot_rd *r, enum uot_rd_mode mode, const struct rb_dest *peer,
		 uint32_t max_len)
{
	memset(r, 0, sizeof(*r));
	r->mode = (uint8_t)mode;
	r->max_len = max_len > 0xFFFF ? 0xFFFF : max_len;
	r->phase = mode == UOT_RD_SERVER_V2 ? P_REQ : P_HDR;
	if (mode == UOT_RD_CONNECT) {
		r->connect = 1;
		if (peer)
			r->dst = *peer;
	}
}

/* Address bytes (after the type) of a type, 0 for a domain (length byte
 * decides), -1 unknown.  socks: the SOCKS5 numbering (request). */
static int addr_len(uint8_t atyp, int socks)
{
	if (atyp == (socks ? SS_ATYP_IPV4 : UOT_ATYP_IPV4))
		return 4;
	if (atyp == (socks ? SS_ATYP_IPV6 : UOT_ATYP_IPV6))
		return 16;
	if (atyp == (socks ? SS_ATYP_DOMAIN : UOT_ATYP_DOMAIN))
		return 0;
	return -1;
}

/* How many bytes the header in hb needs in all, knowing what is there
 * (it grows as the type and a domain's length come in); < 0 malformed. */
static int hdr_total(const struct uot_rd *r)
{
	int base = 0, tail = 2, al;
	int socks = r->phase == P_REQ;

	if (r->phase == P_HDR && r->connect)
		return UOT_LEN_LEN;
	if (socks)
		base = 1; /* isConnect */
	else
		tail = 2 + UOT_LEN_LEN; /* port, length */
	if (r->hlen < base + 1)
		return base + 1;
	al = addr_len(r->hb[base], socks);
	if (al < 0)
		return UOT_ERR_ATYP;
	if (al > 0)
		return base + 1 + al + tail;
	if (r->hlen < base + 2)
		return base + 2;
	if (r->hb[base + 1] == 0)
		return UOT_ERR_ADDR;
	return base + 2 + r->hb[base + 1] + tail;
}

/* The address at a (type first) into d; bytes used, or < 0. */
static int addr_parse(const uint8_t *a, int socks, struct rb_dest *d)
{
	int al = addr_len(a[0], socks), n;

	memset(d, 0, sizeof(*d));
	if (al == 4 || al == 16) {
		d->family = al == 4 ? AF_INET : AF_INET6;
		memcpy(d->addr, a + 1, (size_t)al);
		n = 1 + al;
	} else {
		uint8_t l = a[1];

		if (memchr(a + 2, 0, l) != NULL)
			return UOT_ERR_ADDR;
		memcpy(d->domain, a + 2, l);
		d->domain[l] = '\0';
		/* an address literal is an address (sing's ParseSocksaddrHostPort) */
		if (inet_pton(AF_INET, d->domain, d->addr) == 1)
			d->family = AF_INET;
		else if (inet_pton(AF_INET6, d->domain, d->addr) == 1)
			d->family = AF_INET6;
		if (d->family)
			d->domain[0] = '\0';
		else
			memset(d->addr, 0, sizeof(d->addr));
		n = 2 + l;
	}
	d->port = (uint16_t)(a[n] << 8 | a[n + 1]);
	return n + 2;
}

/* A complete header in hb: decode it. */
static int hdr_done(struct uot_rd *r)
{
	int n;

	if (r->phase == P_REQ) {
		n = addr_parse(r->hb + 1, 1, &r->req);
		if (n < 0)
			return n;
		r->connect = r->hb[0] != 0;
		if (r->connect && r->req.port == 0)
			return UOT_ERR_ADDR;
		if (r->connect)
			r->dst = r->req;
		r->phase = P_HDR;
		r->hlen = 0;
		return UOT_REQ;
	}
	n = 0;
	if (!r->connect) {
		n = addr_parse(r->hb, 0, &r->dst);
		if (n < 0)
			return n;
		if (r->dst.port == 0)
			return UOT_ERR_ADDR;
	}
	r->len = (uint32_t)(r->hb[n] << 8 | r->hb[n + 1]);
	if (r->len > r->max_len)
		return UOT_ERR_LEN;
	r->need = r->len;
	r->hlen = 0;
	r->phase = r->need ? P_DATA : P_HDR;
	return UOT_PKT;
}

int uot_rd_feed(struct uot_rd *r, const uint8_t *p, size_t n, size_t *used)
{
	size_t u = 0;

	*used = 0;
	if (r->phase == P_DATA) {
		u = n < r->need ? n : r->need;
		r->need -= (uint32_t)u;
		if (r->need == 0)
			r->phase = P_HDR;
		*used = u;
		return UOT_DATA;
	}
	while (u < n) {
		int total = hdr_total(r);
		size_t k;

		if (total < 0)
			return total;
		if (r->hlen == total) {
			*used = u;
			return hdr_done(r);
		}
		k = (size_t)total - r->hlen;
		if (k > n - u)
			k = n - u;
		memcpy(r->hb + r->hlen, p + u, k);
		r->hlen = (uint16_t)(r->hlen + k);
		u += k;
	}
	*used = u;
	/* the last piece may have completed the header */
	if (r->hlen > 0) {
		int total = hdr_total(r);

		if (total < 0)
			return total;
		if (r->hlen == total)
			return hdr_done(r);
	}
	return UOT_MORE;
}

/* Write the address (socks: SOCKS5 types), port included; -1 if it has none. */
static int addr_put(uint8_t *out, int socks, const struct rb_dest *a)
{
	int n;

	if (a->domain[0]) {
		size_t l = strnlen(a->domain, sizeof(a->domain));

		if (l > 255)
			return -1;
		out[0] = socks ? SS_ATYP_DOMAIN : UOT_ATYP_DOMAIN;
		out[1] = (uint8_t)l;
		memcpy(out + 2, a->domain, l);
		n = 2 + (int)l;
	} else if (a->family == AF_INET) {
		out[0] = socks ? SS_ATYP_IPV4 : UOT_ATYP_IPV4;
		memcpy(out + 1, a->addr, 4);
		n = 5;
	} else if (a->family == AF_INET6) {
		out[0] = socks ? SS_ATYP_IPV6 : UOT_ATYP_IPV6;
		memcpy(out + 1, a->addr, 16);
		n = 17;
	} else {
		return -1;
	}
	out[n] = (uint8_t)(a->port >> 8);
	out[n + 1] = (uint8_t)a->port;
	return n + 2;
}

int uot_put_pkt_hdr(uint8_t *out, int connect, const struct rb_dest *a, uint16_t len)
{
	int n = 0;

	if (!connect && (n = addr_put(out, 0, a)) < 0)
		return -1;
	out[n] = (uint8_t)(len >> 8);
	out[n + 1] = (uint8_t)len;
	return n + UOT_LEN_LEN;
}

int uot_put_request(uint8_t *out, int connect, const struct rb_dest *a)
{
	int n;

	out[0] = connect ? UOT_REQ_CONNECT : UOT_REQ_NONCONNECT;
	n = addr_put(out + 1, 1, a);
	return n < 0 ? -1 : n + 1;
}

int uot_magic_version(const char *domain)
{
	if (strcmp(domain, UOT_MAGIC_V2) == 0)
		return 2;
	if (strcmp(domain, UOT_MAGIC_V1) == 0)
		return 1;
	return 0;
}

const char *uot_magic_domain(int version)
{
	return version == 1 ? UOT_MAGIC_V1 : UOT_MAGIC_V2;
}
