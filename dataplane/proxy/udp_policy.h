/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * UDP session policy, pure functions (no DPDK; unit-tested in
 * tests/unit/test_udp_policy.c):
 *   - how long an idle NAT session lives (sing-box's defaults),
 *   - which outbound chains a UDP outbound can go through (UDP over a
 *     detour: socks5 and shadowsocks hops in any order, down to direct),
 *     and the TCP chain under a UDP-over-TCP stream,
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

/* The chain of UDP-carrying outbounds under outbound `ob`, in dial order:
 * hops[0] is the innermost (its server is reached directly: its detour is
 * `direct` or none), hops[n - 1] == ob.  As sing-box dials a packet
 * connection through a detour dialer, each hop k > 0 reaches its server
 * through the chain below it twice: its TCP (a socks control connection:
 * CONNECT through a socks hop, a Shadowsocks stream through an ss hop) and
 * its UDP (its datagrams inside the UDP session of hop k - 1: SOCKS5 UDP in
 * SOCKS5 UDP, in Shadowsocks UDP, ...).  So ob must be a `socks` version 5
 * or a `shadowsocks` outbound, and every hop below one of those that
 * carries UDP (network not "tcp"); the chain ends at `direct` or no detour.
 * Returns n (>= 1), -EACCES (a `block` below: refused as block),
 * -EOPNOTSUPP (another hop type: http, wireguard, SOCKS4, a tcp-only hop,
 * or longer than max: not for UDP) or -EINVAL (ob is not one of those). */
int rb_udp_chain(const struct rb_cfg_proxy *p, int ob, uint16_t *hops, int max);
/* rb_udp_chain for a socks outbound: -EINVAL unless ob is socks version 5. */
int rb_udp_socks_chain(const struct rb_cfg_proxy *p, int ob, uint16_t *hops, int max);
/* The TCP chain of protocol outbound `ob` (socks, http, shadowsocks), in
 * dial order as rb_udp_chain, for a stream no client drives (a
 * shadowsocks outbound's UDP over TCP, tcp_chain.h): the hops below may be
 * socks (any version), http or shadowsocks outbounds that carry TCP
 * (network not "udp"), down to `direct` or no detour.  Returns n (>= 1),
 * -EACCES (a `block` below), -EOPNOTSUPP (a wireguard or udp-only hop, or
 * longer than max) or -EINVAL (ob is not a protocol outbound). */
int rb_tcp_chain(const struct rb_cfg_proxy *p, int ob, uint16_t *hops, int max);

/* Where the datagrams of an association go (RFC 1928 6/7): BND.ADDR and
 * BND.PORT of the reply (`bound`), or, when BND.ADDR is all zeros, the
 * address the control connection went to (`server`: an address, or a
 * domain when a detour hop carried the name). 0, or -1. */
int rb_udp_socks_relay(const struct rb_dest *bound, const struct rb_dest *server,
		       struct rb_dest *relay);

#endif
