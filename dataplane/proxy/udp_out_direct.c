/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The `direct` UDP outbound: one socket per NAT session from udp_open(),
 * whose local port is chosen so that the destination's replies hash back
 * to this lcore (no hand-off); only datagrams from the destination are
 * delivered.  Destinations are addresses (needs_ip: the NAT layer resolves
 * domains first).
 */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "../udp/udp.h"
#include "udp_out.h"

static void direct_recv(struct udp_sock *sock, struct rte_mbuf *m, const struct udp_peer *from,
			void *arg)
{
	struct rb_dest src;

	(void)sock;
	memset(&src, 0, sizeof(src));
	src.family = (uint8_t)from->family;
	memcpy(src.addr, from->addr, from->family == AF_INET6 ? 16 : 4);
	src.port = from->port;
	proxy_udp_out_recv(arg, m, &src);
}

static int direct_open(struct udp_nat *n, uint16_t ob)
{
	const struct rb_dest *to = proxy_udp_nat_target(n);
	struct udp_sock *sock;
	int err = 0;

	(void)ob;
	sock = udp_open(proxy_udp_nat_lcore(n), to->family, to->addr, to->port, direct_recv, n,
			&err);
	if (sock == NULL)
		return err ? err : -ENOMEM;
	*proxy_udp_nat_state(n) = sock;
	return 0;
}

static int direct_send(struct udp_nat *n, struct rte_mbuf *m, const struct rb_dest *dst)
{
	(void)dst; /* the socket is bound to the session's destination */
	return udp_send(*proxy_udp_nat_state(n), m, NULL);
}

static void direct_close(struct udp_nat *n)
{
	void **st = proxy_udp_nat_state(n);

	udp_close(*st);
	*st = NULL;
}

const struct rb_udp_outbound_ops proxy_udp_out_direct = {
	.name = "direct",
	.needs_ip = 1,
	.open = direct_open,
	.send = direct_send,
	.close = direct_close,
};
