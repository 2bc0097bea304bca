/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Terminated mode (sing-box's endpoint semantics, wg_term.c): a terminated
 * endpoint's decrypted TCP to addresses that are not ours goes to the
 * lcore's TCP stack through a `foreign` listener, whose connections the
 * proxy treats as an inbound tagged like the endpoint; UDP goes to NAT
 * sessions routed the same way (wg_term_udp.c).  Also the TCP MSS
 * clamp to the endpoint MTU, applied to SYNs in both directions.
 */
#ifndef WG_TERM_H
#define WG_TERM_H

#include <stdbool.h>
#include <stdint.h>
#include <rte_mbuf.h>

struct rb_lcore;
struct tcp_listener;
struct rb_inbound_ops;

/* From proxy_lcore_init: l (a foreign listener, or NULL when it goes) takes
 * the terminated flows of the endpoint tagged tag on this lcore.  0, or
 * -ENOENT when no endpoint has the tag. */
int rb_wg_term_listen(struct rb_lcore *lc, const char *tag, struct tcp_listener *l);

/* The proxy's inbound type "wireguard": the destination is the connection's
 * local address and port, routed at once. */
extern const struct rb_inbound_ops rb_wg_inbound_ops;

/* wg_dp.c: a decrypted packet of endpoint ep (data at its IP header, which
 * wg_inner_check accepted).  true when it was terminated (consumed). */
bool wg_term_input(struct rb_lcore *lc, unsigned ep, struct rte_mbuf *m);

/* wg_term_udp.c: UDP NAT sessions of terminated endpoint ep on this worker
 * on (on = 1, from rb_wg_term_listen) or off (its sessions end when no
 * endpoint is left); 0 or -errno. */
int wg_term_udp_enable(struct rb_lcore *lc, unsigned ep, int on);
/* A decrypted UDP datagram that wg_term_classify accepted (p; one
 * contiguous segment, destination not ours): true when taken (forwarded
 * or dropped and counted). */
struct wg_term_pkt;
bool wg_term_udp_input(struct rb_lcore *lc, unsigned ep, struct rte_mbuf *m,
		       const struct wg_term_pkt *p);
/* From the WireGuard poll: idle sessions end. */
void wg_term_udp_poll(struct rb_lcore *lc);

/* wg_term_icmp.c: the ICMP echo relay of terminated endpoint ep on this
 * worker on or off (as wg_term_udp_enable); 0 or -errno. */
int wg_term_icmp_enable(struct rb_lcore *lc, unsigned ep, int on);
/* A decrypted ICMP/ICMPv6 packet (wg_term_is_icmp) to an address that is
 * not ours: echo requests are relayed (or refused and counted), anything
 * else is dropped and counted (wg_icmp_dropped).  false when the relay is
 * off for ep (m untouched). */
bool wg_term_icmp_input(struct rb_lcore *lc, unsigned ep, struct rte_mbuf *m,
			const struct wg_term_pkt *p);
/* rb_dp.wg_icmp_reply: an echo reply to us; 1 when it was a relayed echo's
 * (sent into the tunnel, or handed to the worker owning its session). */
int wg_term_icmp_reply(struct rb_lcore *lc, struct rte_mbuf *m);
/* From the WireGuard poll: idle echo sessions end. */
void wg_term_icmp_poll(struct rb_lcore *lc);
/* A decrypted IPv6 packet (data at its header, one segment) to an address
 * that is not ours whose extension headers wg_term_classify refused (w):
 * the Parameter Problem RFC 8200 4 asks for, from that address into the
 * tunnel, where w names one; m is dropped under the walk's counter. */
struct rb_ip6_walk;
void wg_term_ext_refuse(struct rb_lcore *lc, struct rte_mbuf *m, const struct rb_ip6_walk *w);

/* Lower the MSS option of a TCP SYN in the IP packet m (data at the IP
 * header) to what fits mtu, fixing the TCP checksum.  Anything else is left
 * alone.  Returns 1 when it changed the packet. */
int wg_mss_clamp(struct rte_mbuf *m, uint16_t mtu);

/* An IPv6 upper-layer message m (data at its header, checksum set; nh its
 * protocol) from src to dst that is larger than the tunnel takes (mtu): we
 * are its source node toward the peer (the ICMP relay's and the UDP NAT's
 * replies), so it goes as fragments (RFC 8200 4.5: a Fragment header,
 * offsets in 8-octet units, M set on all but the last, one identification),
 * each within mtu.  m (a chain or not) is consumed. */
void wg_term_send6_frags(struct rb_lcore *lc, struct rte_mbuf *m, unsigned mtu,
			 const uint8_t *src, const uint8_t *dst, uint8_t nh);

#endif
