/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Shadowsocks in the proxy framework (dataplane/proxy): the `shadowsocks`
 * inbound (ss_in.c, UDP: ss_udp_in.c) and outbound (ss_out.c, TCP).  The relay applies their
 * wrap/unwrap to every chain it moves (proxy_layer.c proxy_layer_relay).
 */
#ifndef SS_PROXY_H
#define SS_PROXY_H

#include <stddef.h>

struct rb_inbound_ops;
struct rb_outbound_ops;
struct rb_lcore;
struct rb_cfg_proxy;
struct rb_conn_worker;

extern const struct rb_inbound_ops rb_ss_inbound_ops;
extern const struct rb_outbound_ops rb_ss_outbound_ops;
/* The outbound's UDP (ss_udp_out.c), in proxy_udp_outbound_ops[]. */
struct rb_udp_outbound_ops;
extern const struct rb_udp_outbound_ops rb_ss_udp_outbound_ops;

/* Free the lcore's Shadowsocks state (pool, replay filter, cached keys);
 * from proxy_lcore_fini.  A no-op when it never had any. */
void rb_ss_lcore_fini(struct rb_lcore *lc);
/* Set up the shadowsocks inbounds for lc (from proxy_lcore_init, on the
 * main lcore): the replay filter shared by the workers (a memzone, on the
 * first call), the relays' destination tables.  0 or -errno. */
int rb_ss_lcore_init(struct rb_lcore *lc, const struct rb_cfg_proxy *p);
/* EAL memory the shadowsocks inbounds of p reserve (the replay filter). */
size_t rb_ss_eal_mem(const struct rb_cfg_proxy *p);

/* UDP of the shadowsocks inbounds (ss_udp_in.c): bind their ports on this
 * lcore (from proxy_lcore_init; 0 or -errno), idle timeouts (from
 * proxy_lcore_poll), and the end (from proxy_lcore_fini). */
int rb_ss_udp_lcore_init(struct rb_lcore *lc, const struct rb_cfg_proxy *p,
			 struct rb_conn_worker *wk);
void rb_ss_udp_lcore_poll(struct rb_lcore *lc);
void rb_ss_udp_lcore_fini(struct rb_lcore *lc);

#endif
