/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Per-lcore UDP (RFC 768; checksum RFC 768/RFC 8200 8.1): bind, receive
 * callback, send.  Like TCP, each socket belongs to one lcore; udp_open()
 * picks a local port whose return traffic the flow hash gives to the
 * caller's lcore, so a client flow never needs a handoff.  Datagrams to a
 * port nobody bound get an ICMP port unreachable (rate-limited by the IP
 * layer) and count UDP_NO_LISTENER.
 */
#ifndef UDP_H
#define UDP_H

#include <stdint.h>
#include <rte_mbuf.h>

struct rb_lcore;
struct udp_sock;

/* One end of a datagram: addresses in network order, port in host order. */
struct udp_peer {
	int family;            /* AF_INET or AF_INET6 */
	uint8_t addr[16];      /* remote */
	uint16_t port;         /* remote */
	uint8_t laddr[16];     /* local (received on / send from; zero = by route) */
	uint16_t lport;
	uint16_t ifport;       /* rb port index it arrived on */
};

/* m holds the payload (data at the first payload byte); the callee owns m. */
typedef void (*udp_recv_cb)(struct udp_sock *s, struct rte_mbuf *m, const struct udp_peer *from,
			    void *arg);

/* Bind (family 0 = both, addr NULL/zero = any of ours, port host order,
 * 0 = pick an ephemeral port).  Returns NULL with *err (-EADDRINUSE...).
 * An ephemeral port is unique across the workers and reachable from all of
 * them: a datagram the flow hash gives to another worker is handed to this
 * one (its handoff ring; counted udp_claim_handoff). */
struct udp_sock *udp_bind(struct rb_lcore *lc, int family, const uint8_t *addr, uint16_t port,
			  udp_recv_cb cb, void *arg, int *err);
/* A client flow to (raddr, rport): local address by route, local port
 * chosen so that replies reach this lcore.  Only datagrams from that peer
 * are delivered. */
struct udp_sock *udp_open(struct rb_lcore *lc, int family, const uint8_t *raddr, uint16_t rport,
			  udp_recv_cb cb, void *arg, int *err);
/* Bound (any remote delivered) on laddr, with a local port picked so that
 * datagrams from (raddr, rport) hash to this lcore: a relay port for a
 * peer whose source port is known in advance (SOCKS5 UDP ASSOCIATE). */
struct udp_sock *udp_bind_owned(struct rb_lcore *lc, int family, const uint8_t *laddr,
				const uint8_t *raddr, uint16_t rport, udp_recv_cb cb, void *arg,
				int *err);
void udp_close(struct udp_sock *s);

/* Send the payload in m (consumed in every case) to `to` (NULL on a
 * socket from udp_open).  Headroom for UDP+IP+Ethernet must be there
 * (any mbuf from the dataplane pool has it).  Returns 0 or -errno. */
int udp_send(struct udp_sock *s, struct rte_mbuf *m, const struct udp_peer *to);
/* Copying convenience. */
int udp_send_buf(struct udp_sock *s, const void *buf, size_t len, const struct udp_peer *to);

uint16_t udp_sock_port(const struct udp_sock *s);   /* host order */
void *udp_sock_arg(const struct udp_sock *s);

#endif
