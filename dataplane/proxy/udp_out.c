/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The UDP outbound table (udp_out.h) and the `block` outbound, which
 * refuses every session (its datagrams count as proxy_udp_rejected).
 */
#include <errno.h>

#include "../ss/ss_proxy.h"
#include "udp_out.h"

static int block_open(struct udp_nat *n, uint16_t ob)
{
	(void)n;
	(void)ob;
	return -EACCES;
}

static int block_send(struct udp_nat *n, struct rte_mbuf *m, const struct rb_dest *dst)
{
	(void)n;
	(void)dst;
	rte_pktmbuf_free(m); /* not reached: open() refused */
	return -EACCES;
}

static void block_close(struct udp_nat *n)
{
	(void)n;
}

static const struct rb_udp_outbound_ops udp_out_block = {
	.name = "block",
	.open = block_open,
	.send = block_send,
	.close = block_close,
};

const struct rb_udp_outbound_ops *const proxy_udp_outbound_ops[RB_OUT_TYPE_MAX] = {
	[RB_OUT_DIRECT] = &proxy_udp_out_direct,
	[RB_OUT_BLOCK] = &udp_out_block,
	[RB_OUT_SOCKS] = &proxy_udp_out_socks,
	[RB_OUT_SHADOWSOCKS] = &rb_ss_udp_outbound_ops, /* dataplane/ss/ss_udp_out.c */
};
