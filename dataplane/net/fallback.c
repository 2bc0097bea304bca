/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TEMPORARY link-time fallbacks (weak) while the TCP/UDP modules land in
 * parallel; each counts a drop.  To be deleted once dataplane/tcp and
 * dataplane/udp provide the strong symbols.
 */
#include "../rb_lcore.h"

__attribute__((weak)) uint16_t tcp_input(struct rb_lcore *lc, struct rte_mbuf **m, uint16_t n)
{
	for (uint16_t i = 0; i < n; i++)
		rb_drop(lc, m[i], RB_DROP_TCP_NO_LISTENER);
	return n;
}
__attribute__((weak)) uint16_t udp_input(struct rb_lcore *lc, struct rte_mbuf **m, uint16_t n)
{
	for (uint16_t i = 0; i < n; i++) {
		if (rb_meta(m[i])->l3 == 4) {
			rte_pktmbuf_prepend(m[i], (uint16_t)m[i]->l3_len);
			rb_icmp4_error(lc, m[i], 3, 3, 0);
		}
		rb_drop(lc, m[i], RB_DROP_UDP_NO_LISTENER);
	}
	return n;
}
__attribute__((weak)) int tcp_lcore_init(struct rb_lcore *lc) { (void)lc; return 0; }
__attribute__((weak)) void tcp_lcore_fini(struct rb_lcore *lc) { (void)lc; }
__attribute__((weak)) void tcp_lcore_poll(struct rb_lcore *lc) { (void)lc; }
__attribute__((weak)) int udp_lcore_init(struct rb_lcore *lc) { (void)lc; return 0; }
__attribute__((weak)) void udp_lcore_fini(struct rb_lcore *lc) { (void)lc; }
