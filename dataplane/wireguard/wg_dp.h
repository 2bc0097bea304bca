/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * WireGuard on the DPDK packet path (wg_dp.c) and its control side
 * (wg_ctl.c).  One struct rb_wg hangs off rb_dp.wg; the packet path reaches
 * it through the hooks rb_dp.wg_rx / wg_tx / wg_poll.
 */
#ifndef WG_DP_H
#define WG_DP_H

#include <rte_ring.h>
#include <rte_spinlock.h>
#include "../rb_lcore.h"
#include "config/rb_cfg_wg.h"
#include "wg.h"

#define WG_RETIRE_MAX 4096

struct wg_ep {
	struct wg_device dev;
	char tag[RB_NAME_LEN];
	uint16_t listen_port;            /* host order */
	uint16_t mtu;
	uint32_t cookie_threshold;
	int n_addrs;
	struct rb_cidr addrs[RB_MAX_ADDRS];
	unsigned index;
};

/* What a worker queues for one batched AEAD run. */
struct wg_pend {
	struct rte_mbuf *m;
	void *obj;                       /* rx: struct wg_keypair *, tx: struct wg_peer * */
	uint16_t off;                    /* rx: offset of the message in the mbuf */
	uint16_t len;                    /* rx: message length; tx: inner length */
	uint8_t ep;
	uint64_t ctr;
	struct wg_endpoint from;         /* rx: the outer source (parsed once, checksum verified) */
};

struct wg_lc {
	struct rb_lcore *lc;
	struct wg_ctx x;
	struct wg_device_stats st;
	struct rte_ring *inbox;          /* MP/SC: messages for peers we own */
	struct wg_cookie_checker cc[RB_WG_MAX_ENDPOINTS];
	struct wg_ratelimit rl;
	uint64_t hs_window, hs_count, last_under_load;
	uint64_t next_tick;
	uint16_t nrx, ntx;
	struct wg_pend rx[RB_AEAD_BATCH_MAX];
	struct wg_pend tx[RB_AEAD_BATCH_MAX];
	uint8_t nonce[RB_AEAD_BATCH_MAX][12];
	struct rb_aead_batch batch;
} __rte_cache_aligned;

struct wg_retired {
	void *ptr;
	void (*fn)(void *);
	uint64_t token;
};

struct rb_wg {
	struct rb_dp *dp;
	int n_eps;
	struct wg_ep ep[RB_WG_MAX_ENDPOINTS];
	struct wg_lc lcs[RB_MAX_WORKERS];
	rte_spinlock_t retire_lock;
	uint32_t n_retired;
	struct wg_retired retired[WG_RETIRE_MAX];
	struct wg_device_stats main_st;  /* ctl-side operations on the main lcore */
	struct rb_rand main_rand;
};

/* Set up every configured endpoint, its peers and the FIB routes to it
 * (rb_dp.ep_routes); installs the hooks.  0, or -1 with err. */
int rb_wg_init(struct rb_dp *dp, const struct rb_config *cfg, char *err, size_t errlen);
/* After the workers stopped. */
void rb_wg_fini(struct rb_dp *dp);

/* ---- ctl side (wg_ctl.c), main lcore ---- */
/* `wg show` as text into buf; returns the length written. */
size_t rb_wg_show(struct rb_dp *dp, char *buf, size_t len);
/* Add / remove a peer at run time (no other peer is touched). */
int rb_wg_peer_add(struct rb_dp *dp, const char *tag, const struct rb_cfg_wg_peer *pc, char *err,
		   size_t errlen);
int rb_wg_peer_remove(struct rb_dp *dp, const char *tag, const uint8_t pub[32], char *err,
		      size_t errlen);

/* internal, shared by wg_dp.c, wg_dp_rx.c and wg_ctl.c */

/* What a pointer on a worker's inbox ring carries, in its low two bits. */
enum { WG_DP_TAG_RX = 0, WG_DP_TAG_HS = 1, WG_DP_TAG_TX = 2, WG_DP_TAG_REMOVE = 3 };

static inline struct rb_wg *WG(const struct rb_lcore *lc)
{
	return lc->dp->wg;
}

/* Hand ptr (an mbuf, or a peer for WG_DP_TAG_REMOVE) to worker owner's inbox. */
void wg_dp_handoff(struct rb_lcore *lc, unsigned owner, void *ptr, unsigned tag);
/* wg_dp_rx.c: one received datagram to an endpoint's port (from the hook,
 * or from the inbox when from_inbox), and the batched open of what it queued. */
void wg_dp_rx_one(struct wg_lc *w, struct rte_mbuf *m, bool from_inbox);
void wg_dp_rx_flush(struct wg_lc *w);
void wg_dp_peer_init(struct rb_wg *wg, struct wg_peer *p);
int wg_dp_build_routes(struct rb_wg *wg);
uint64_t wg_dp_now(const struct rb_dp *dp);
/* Post a control message to a peer's owner (removal). */
int wg_dp_post_remove(struct rb_wg *wg, struct wg_peer *p);

#endif
