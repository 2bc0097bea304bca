/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The ICMP/ICMPv6 error parser for TCP (tcp_icmp.h): type and code to what
 * TCP does with it (RFC 1122 4.2.3.9, RFC 5927, RFC 4443 3.1-3.2), and the
 * quoted packet: its IP header and the first 8 bytes of TCP (RFC 792 and
 * RFC 4443 quote at least those; RFC 1812 4.3.2.3 and RFC 4443 2.4(c)
 * more).  Plain C on a flat buffer: no connection, no counter.
 */
#include <errno.h>
#include <string.h>
#include <netinet/in.h>
#include "tcp_icmp.h"

static uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* What TCP does with each error, by family, type and code (ANY: every
 * code).  IPv4 Destination Unreachable (RFC 792, RFC 1122 3.2.2.1, RFC 1812
 * 5.2.7.1): codes 2 and 3 are hard errors (RFC 1122 4.2.3.9), 9, 10 and
 * 13 (administratively prohibited) too, as Linux treats them; 0, 1, 5
 * soft; 4 is PMTU (RFC 1191).  ICMPv6 Destination Unreachable (RFC 4443
 * 3.1): no route (0), beyond scope (2) and address unreachable (3) soft;
 * port unreachable (4) hard, ECONNREFUSED; administratively prohibited
 * (1), source address policy (5) and reject route (6) hard, EHOSTUNREACH.
 * Packet Too Big (3.2): PMTU.  Anything else is no error TCP takes. */
#define ANY 0xffff
static const struct {
	uint8_t v6, type;
	uint16_t code;
	uint8_t kind;
	int err;
} kinds[] = {
	{0, 3, 0, TCP_ICMP_SOFT, -ENETUNREACH},
	{0, 3, 1, TCP_ICMP_SOFT, -EHOSTUNREACH},
	{0, 3, 5, TCP_ICMP_SOFT, -EHOSTUNREACH},
	{0, 3, 2, TCP_ICMP_HARD, -ECONNREFUSED},
	{0, 3, 3, TCP_ICMP_HARD, -ECONNREFUSED},
	{0, 3, 4, TCP_ICMP_PMTU, 0},
	{0, 3, 9, TCP_ICMP_HARD, -EHOSTUNREACH},
	{0, 3, 10, TCP_ICMP_HARD, -EHOSTUNREACH},
	{0, 3, 13, TCP_ICMP_HARD, -EHOSTUNREACH},
	{1, 2, ANY, TCP_ICMP_PMTU, 0},
	{1, 1, 0, TCP_ICMP_SOFT, -ENETUNREACH},
	{1, 1, 2, TCP_ICMP_SOFT, -EHOSTUNREACH},
	{1, 1, 3, TCP_ICMP_SOFT, -EHOSTUNREACH},
	{1, 1, 4, TCP_ICMP_HARD, -ECONNREFUSED},
	{1, 1, 1, TCP_ICMP_HARD, -EHOSTUNREACH},
	{1, 1, 5, TCP_ICMP_HARD, -EHOSTUNREACH},
	{1, 1, 6, TCP_ICMP_HARD, -EHOSTUNREACH},
};

static int err_kind(int v6, uint8_t type, uint8_t code, struct tcp_icmp_err *e)
{
	for (unsigned i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (kinds[i].v6 == v6 && kinds[i].type == type &&
		    (kinds[i].code == ANY || kinds[i].code == code)) {
			e->kind = kinds[i].kind;
			if (kinds[i].err)
				e->err = kinds[i].err;
			return 0;
		}
	return TCP_ICMP_P_OTHER;
}

int tcp_icmp_parse(int family, const uint8_t *msg, uint32_t len, struct tcp_icmp_err *e)
{
	const uint8_t *q, *th;
	uint32_t qlen, ihl;
	int rc;

	memset(e, 0, sizeof(*e));
	if (len < 8)
		return TCP_ICMP_P_BAD;
	rc = err_kind(family != AF_INET, msg[0], msg[1], e);
	if (rc != 0)
		return rc;
	q = msg + 8;
	qlen = len - 8;
	if (family == AF_INET) {
		/* the next-hop MTU in the low half of the rest (RFC 1191 4) */
		e->mtu = rd16(msg + 6);
		if (qlen < 20 || (q[0] >> 4) != 4)
			return TCP_ICMP_P_BAD;
		ihl = (uint32_t)(q[0] & 0xf) * 4;
		if (ihl < 20)
			return TCP_ICMP_P_BAD;
		if (q[9] != IPPROTO_TCP)
			return TCP_ICMP_P_OTHER;
		/* a later fragment quotes no TCP header */
		if ((rd16(q + 6) & 0x1fff) != 0 || qlen < ihl + 8)
			return TCP_ICMP_P_BAD;
		e->family = AF_INET;
		e->quoted_len = rd16(q + 2);
		memcpy(e->laddr, q + 12, 4);
		memcpy(e->raddr, q + 16, 4);
		th = q + ihl;
	} else {
		e->mtu = rd32(msg + 4);
		if (qlen < 40 || (q[0] >> 4) != 6)
			return TCP_ICMP_P_BAD;
		/* We send TCP without extension headers: whatever has one is
		 * not a segment of ours. */
		if (q[6] != IPPROTO_TCP)
			return TCP_ICMP_P_OTHER;
		if (qlen < 40 + 8)
			return TCP_ICMP_P_BAD;
		e->family = AF_INET6;
		memcpy(e->laddr, q + 8, 16);
		memcpy(e->raddr, q + 24, 16);
		th = q + 40;
	}
	memcpy(&e->lport, th, 2);
	memcpy(&e->rport, th + 2, 2);
	e->seq = rd32(th + 4);
	return 0;
}

/* RFC 1191 7, table 7-1: the plateaus of common MTUs. */
uint32_t tcp_icmp_plateau(uint32_t quoted_len)
{
	static const uint16_t plateau[] = {32000, 17914, 8166, 4352, 2002, 1492, 1006, 508, 296, 68};

	for (unsigned i = 0; i < sizeof(plateau) / sizeof(plateau[0]); i++)
		if (plateau[i] < quoted_len)
			return plateau[i];
	return 68;
}
