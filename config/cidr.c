/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Addresses and prefixes for the configuration: strict parsing on top of
 * inet_pton(3), formatting and containment; log level names.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "rb_config.h"

static const char *const level_names[] = {
    [RB_LOG_ERROR] = "error", [RB_LOG_WARN] = "warn",	[RB_LOG_INFO] = "info",
    [RB_LOG_DEBUG] = "debug", [RB_LOG_TRACE] = "trace",
};

const char *rb_log_level_name(enum rb_log_level l)
{
	if ((unsigned)l >= sizeof(level_names) / sizeof(level_names[0]))
		return "unknown";
	return level_names[l];
}

int rb_log_level_parse(const char *s, enum rb_log_level *out)
{
	if (s == NULL)
		return -1;
	for (unsigned i = 0; i < sizeof(level_names) / sizeof(level_names[0]); i++)
		if (strcasecmp(s, level_names[i]) == 0) {
			*out = (enum rb_log_level)i;
			return 0;
		}
	return -1;
}

/*
 * Parse into out; on failure return a static description of the problem.
 * Accepted: "A", "A/L" where A is a dotted-quad IPv4 or an RFC 4291 text
 * IPv6 address (no zone), L a decimal length without sign or leading zeros.
 */
static const char *cidr_parse(const char *s, struct rb_cidr *out)
{
	char addr[INET6_ADDRSTRLEN + 1];
	const char *slash;
	size_t alen;
	unsigned plen = 0, maxlen;
	int has_len = 0;

	memset(out, 0, sizeof(*out));
	if (s == NULL || *s == '\0')
		return "empty address";
	slash = strchr(s, '/');
	alen = slash ? (size_t)(slash - s) : strlen(s);
	if (alen == 0)
		return "missing address before '/'";
	if (alen >= sizeof(addr))
		return "not an IPv4 or IPv6 address";
	memcpy(addr, s, alen);
	addr[alen] = '\0';
	if (inet_pton(AF_INET, addr, out->addr) == 1) {
		out->family = AF_INET;
		maxlen = 32;
	} else if (inet_pton(AF_INET6, addr, out->addr) == 1) {
		out->family = AF_INET6;
		maxlen = 128;
	} else {
		memset(out, 0, sizeof(*out));
		return "not an IPv4 or IPv6 address";
	}
	if (slash) {
		const char *p = slash + 1;

		if (*p == '\0')
			return "missing prefix length after '/'";
		if (p[0] == '0' && p[1] != '\0')
			return "prefix length has a leading zero";
		for (; *p; p++) {
			if (!isdigit((unsigned char)*p))
				return "prefix length is not a decimal number";
			plen = plen * 10 + (unsigned)(*p - '0');
			if (plen > 255)
				break;
		}
		if (plen > maxlen)
			return out->family == AF_INET ? "prefix length exceeds 32"
						      : "prefix length exceeds 128";
		has_len = 1;
	}
	out->plen = (uint8_t)(has_len ? plen : maxlen);
	return NULL;
}

const char *rb_cidr_error(const char *s)
{
	struct rb_cidr c;

	return cidr_parse(s, &c);
}

int rb_cidr_parse(const char *s, struct rb_cidr *out)
{
	if (cidr_parse(s, out) != NULL) {
		memset(out, 0, sizeof(*out));
		return -1;
	}
	return 0;
}

static unsigned full_len(const struct rb_cidr *c) { return c->family == AF_INET ? 32 : 128; }

const char *rb_cidr_format(const struct rb_cidr *c, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN];

	if (len == 0)
		return buf;
	if ((c->family != AF_INET && c->family != AF_INET6) ||
	    inet_ntop(c->family, c->addr, a, sizeof(a)) == NULL) {
		snprintf(buf, len, "-");
		return buf;
	}
	if (c->plen >= full_len(c))
		snprintf(buf, len, "%s", a);
	else
		snprintf(buf, len, "%s/%u", a, c->plen);
	return buf;
}

/* Compare the first n bits of x and y. */
static int bits_equal(const uint8_t *x, const uint8_t *y, unsigned n)
{
	unsigned bytes = n / 8, rem = n % 8;

	if (memcmp(x, y, bytes) != 0)
		return 0;
	if (rem) {
		uint8_t mask = (uint8_t)(0xff << (8 - rem));

		return (x[bytes] & mask) == (y[bytes] & mask);
	}
	return 1;
}

int rb_cidr_contains(const struct rb_cidr *a, const struct rb_cidr *b)
{
	if (a->family != b->family || (a->family != AF_INET && a->family != AF_INET6))
		return 0;
	return bits_equal(a->addr, b->addr, a->plen > full_len(a) ? full_len(a) : a->plen);
}

int rb_cidr_host_bits_zero(const struct rb_cidr *c)
{
	unsigned n = full_len(c);

	for (unsigned i = c->plen; i < n; i++)
		if (c->addr[i / 8] & (0x80 >> (i % 8)))
			return 0;
	return 1;
}

int rb_cidr_host_bits_ones(const struct rb_cidr *c)
{
	unsigned n = full_len(c);

	for (unsigned i = c->plen; i < n; i++)
		if (!(c->addr[i / 8] & (0x80 >> (i % 8))))
			return 0;
	return 1;
}

void rb_cidr_network(const struct rb_cidr *c, struct rb_cidr *net)
{
	unsigned n = full_len(c);

	*net = *c;
	for (unsigned i = c->plen; i < n; i++)
		net->addr[i / 8] &= (uint8_t) ~(0x80 >> (i % 8));
}
