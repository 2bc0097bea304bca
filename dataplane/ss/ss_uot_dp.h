/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sing-box UDP over TCP in the dataplane (owner "uot"; wire: uot_wire.h,
 * parser/framer: ss_uot.h).
 *
 *   ss_uot_out.c  the `shadowsocks` outbound with `udp_over_tcp`: a UDP NAT
 *                 session's upstream is one Shadowsocks TCP stream to the
 *                 magic domain (hooked into ss_udp_out.c's ops)
 *   ss_uot_in.c   the `shadowsocks` inbound's side: a stream to a magic
 *                 domain becomes a UoT session (PS_UOT) whose datagrams are
 *                 routed per destination through the outbounds' UDP ops
 *   ss_uot_mbuf.c helpers both share (datagram gathering, stream parsing
 *                 over mbuf chains)
 */
#ifndef SS_UOT_DP_H
#define SS_UOT_DP_H

#include <stdint.h>
#include <rte_mbuf.h>

#include "../proxy/rb_route_api.h"
#include "ss_uot.h"

struct udp_nat;
struct psess;
struct rb_lcore;

/* Longest datagram carried either way (the IPv4 UDP payload limit). */
#define SS_UOT_PAYLOAD_MAX 65507

/* ---- outbound (ss_uot_out.c), called from ss_udp_out.c's ops ----
 * open: as rb_udp_outbound_ops.open (1: proxy_udp_out_ready follows);
 * *st is the module's state, set before any callback. */
int ss_uot_out_open(struct udp_nat *n, uint16_t ob, void **st);
int ss_uot_out_send(void *st, struct rte_mbuf *m, const struct rb_dest *dst);
void ss_uot_out_close(void *st);

/* ---- inbound (ss_uot_in.c), called from the proxy core ----
 * start: the request named a magic domain (RB_CMD_UOT): enter PS_UOT;
 * readable: client bytes; poll: idle timeouts (housekeeping); free: with
 * the session (proxy_sess_free). */
void ss_uot_in_start(struct psess *s);
void ss_uot_in_readable(struct psess *s);
void ss_uot_in_poll(struct psess *s);
void ss_uot_in_free(struct psess *s);

/* ---- shared (ss_uot_mbuf.c) ---- */
struct ss_uot_asm {
	struct uot_rd rd;
	struct rte_mbuf *cur;     /* the packet being gathered */
};
/* Each complete packet: m (payload, taken) and its address. */
typedef void (*ss_uot_pkt_fn)(void *arg, struct rte_mbuf *m, const struct rb_dest *addr);
/* Parse the plaintext chain m (taken) into packets; 0, or a UOT_ERR_*
 * (the stream is bad: counted here, the caller closes it).  Stops after a
 * callback that makes *stop non-zero (the owner went away). */
int ss_uot_asm_feed(struct rb_lcore *lc, struct ss_uot_asm *a, struct rte_mbuf *m,
		    ss_uot_pkt_fn fn, void *arg, const int *stop);
void ss_uot_asm_free(struct ss_uot_asm *a);
/* The same destination (address or domain, and port)? */
int ss_uot_dest_eq(const struct rb_dest *a, const struct rb_dest *b);
/* Header + payload m (taken) as one plaintext chain, or NULL (counted). */
struct rte_mbuf *ss_uot_frame(struct rb_lcore *lc, int connect, const struct rb_dest *addr,
			      struct rte_mbuf *m);

#endif
