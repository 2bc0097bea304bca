/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * UDP session policy, pure functions (no DPDK; unit-tested in
 * tests/unit/test_udp_policy.c):
 *   - how long an idle NAT session lives (sing-box's defaults),
 *   - which outbound chains a socks outbound's UDP can go through
 *     (UDP over a detour: socks5 over socks5 ... over direct),
 *   - where a SOCKS5 UDP ASSOCIATE's datagrams go.
 */
#ifndef UDP_POLICY_H
#define UDP_POLICY_H

#include <stdint.h>

#include "../../config/rb_cfg_proxy.h"
#include "proxy_parse.h"

/* Idle seconds of a UDP NAT session whose first destination port is
 * `port`, given the inbound's udp_timeout (`configured`, 0 = default).
 * As sing-box (constant/timeout.go: PortProtocols, ProtocolTimeouts,
 * UDPTimeout): 53 (DNS), 123 (NTP), 3478 (STUN): 10 s; 443 (QUIC): 30 s;
 * others 5 min; a configured value wins where it is shorter. */
#define RB_UDP_IDLE_DEFAULT_S  300
#define RB_UDP_IDLE_SHORT_S    10
#define RB_UDP_IDLE_QUIC_S     30
uint32_t rb_udp_idle_s(uint16_t port, uint32_t configured);

/* The chain of socks outbounds that carries socks outbound `ob`'s UDP, in
 * dial order: hops[0] is the server the TCP control connection is dialled
 * to, hops[n - 1] == ob.  Below ob every detour must be a `socks` version 5
 * outbound that carries UDP (network not "tcp"): its TCP CONNECT carries
 * the next hop's control connection and its own UDP session carries the
 * next hop's relay datagrams; the chain ends at `direct` or no detour.
 * Returns n (>= 1), -EACCES (a `block` below: refused as block),
 * -EOPNOTSUPP (another hop type, SOCKS4, a tcp-only hop, or longer than
 * max: not for UDP) or -EINVAL (ob is not a socks5 outbound). */
int rb_udp_socks_chain(const struct rb_cfg_proxy *p, int ob, uint16_t *hops, int max);

/* Where the datagrams of an association go (RFC 1928 6/7): BND.ADDR and
 * BND.PORT of the reply (`bound`), or, when BND.ADDR is all zeros, the
 * address the control connection went to (`server`: an address, or a
 * domain when a detour hop carried the name). 0, or -1. */
int rb_udp_socks_relay(const struct rb_dest *bound, const struct rb_dest *server,
		       struct rb_dest *relay);

#endif
