/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * UDP session policy (udp_policy.h): idle timeouts, the chains a UDP
 * outbound may take, the relay address of an association.
 */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "udp_policy.h"

uint32_t rb_udp_idle_s(uint16_t port, uint32_t configured)
{
	uint32_t sec = configured ? configured : RB_UDP_IDLE_DEFAULT_S;
	uint32_t proto = 0;

	switch (port) {
	case 53:   /* DNS */
	case 123:  /* NTP */
	case 3478: /* STUN */
		proto = RB_UDP_IDLE_SHORT_S;
		break;
	case 443:  /* QUIC */
		proto = RB_UDP_IDLE_QUIC_S;
		break;
	default:
		break;
	}
	return proto && proto < sec ? proto : sec;
}

/* Can outbound o carry the UDP (and the TCP) of a hop above it? */
static int udp_hop_ok(const struct rb_cfg_outbound *o)
{
	if (o->network == RB_CFG_NET_TCP)
		return 0;
	return (o->type == RB_OUT_SOCKS && o->version == RB_SOCKS_V5) ||
	       o->type == RB_OUT_SHADOWSOCKS;
}

/* Can outbound o carry the TCP of a hop above it? */
static int tcp_hop_ok(const struct rb_cfg_outbound *o)
{
	if (o->network == RB_CFG_NET_UDP)
		return 0;
	return o->type == RB_OUT_SOCKS || o->type == RB_OUT_HTTP || o->type == RB_OUT_SHADOWSOCKS;
}

/* Follow ob's detours while hop_ok accepts them; hops in dial order. */
static int chain(const struct rb_cfg_proxy *p, int ob, uint16_t *hops, int max,
		 int (*hop_ok)(const struct rb_cfg_outbound *o))
{
	int n = 0, k = ob;

	for (;;) {
		const struct rb_cfg_outbound *o = &p->outbounds[k];

		if (n == max)
			return -EOPNOTSUPP;
		hops[n++] = (uint16_t)k;
		k = o->detour_idx;
		if (k < 0 || k >= p->n_outbounds)
			break;
		o = &p->outbounds[k];
		if (o->type == RB_OUT_DIRECT)
			break;
		/* a TCP stream ends in a WireGuard tunnel as on direct: dialled
		 * by the TCP stack from the endpoint's address (tcp_chain.c) */
		if (o->type == RB_OUT_WIREGUARD && hop_ok == tcp_hop_ok)
			break;
		if (o->type == RB_OUT_BLOCK)
			return -EACCES;
		if (!hop_ok(o))
			return -EOPNOTSUPP;
	}
	/* dial order: innermost first */
	for (int i = 0; i < n / 2; i++) {
		uint16_t t = hops[i];

		hops[i] = hops[n - 1 - i];
		hops[n - 1 - i] = t;
	}
	return n;
}

int rb_udp_chain(const struct rb_cfg_proxy *p, int ob, uint16_t *hops, int max)
{
	if (ob < 0 || ob >= p->n_outbounds || max < 1)
		return -EINVAL;
	if (!(p->outbounds[ob].type == RB_OUT_SOCKS && p->outbounds[ob].version == RB_SOCKS_V5) &&
	    p->outbounds[ob].type != RB_OUT_SHADOWSOCKS)
		return -EINVAL;
	return chain(p, ob, hops, max, udp_hop_ok);
}

int rb_tcp_chain(const struct rb_cfg_proxy *p, int ob, uint16_t *hops, int max)
{
	if (ob < 0 || ob >= p->n_outbounds || max < 1)
		return -EINVAL;
	if (p->outbounds[ob].type != RB_OUT_SOCKS && p->outbounds[ob].type != RB_OUT_HTTP &&
	    p->outbounds[ob].type != RB_OUT_SHADOWSOCKS)
		return -EINVAL;
	return chain(p, ob, hops, max, tcp_hop_ok);
}

int rb_udp_socks_chain(const struct rb_cfg_proxy *p, int ob, uint16_t *hops, int max)
{
	if (ob < 0 || ob >= p->n_outbounds || p->outbounds[ob].type != RB_OUT_SOCKS)
		return -EINVAL;
	return rb_udp_chain(p, ob, hops, max);
}

int rb_udp_socks_relay(const struct rb_dest *bound, const struct rb_dest *server,
		       struct rb_dest *relay)
{
	static const uint8_t zero[16];
	size_t al;

	if ((bound->family != AF_INET && bound->family != AF_INET6) || bound->port == 0)
		return -1;
	al = bound->family == AF_INET ? 4 : 16;
	if (server->family == 0 && server->domain[0] && memcmp(bound->addr, zero, al) == 0) {
		/* the server was named: its relay is that name */
		memset(relay, 0, sizeof(*relay));
		memcpy(relay->domain, server->domain, sizeof(relay->domain));
		relay->port = bound->port;
		return 0;
	}
	return rb_socks5_udp_relay_addr(bound, server, relay);
}
