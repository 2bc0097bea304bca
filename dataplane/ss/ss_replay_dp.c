/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The dataplane's one salt replay filter (ss_replay_shared.h) in a DPDK
 * memzone, shared by every worker and every shadowsocks inbound (a salt is
 * random: seen anywhere before, it is a replay), sized by the largest
 * `replay_capacity` of the shadowsocks inbounds; and the per-lcore set-up
 * of the shadowsocks inbounds (this filter, the relays' destination tables)
 * on the main lcore before the workers run.
 */
#include <errno.h>
#include <string.h>
#include <rte_memzone.h>

#include "../../crypto/rb_rand.h"
#include "../rb_log.h"
#include "ss_dest.h"
#include "ss_proxy.h"
#include "ss_relay.h"
#include "ss_replay_shared.h"

#define RPX_ZONE "rb_ss_replay"

static struct ss_rpx *rpx;	  /* set before the workers run, then read-only */
static const struct rte_memzone *rpx_mz;
static unsigned rpx_users;
static uint8_t inited[RB_MAX_LCORES];

static uint64_t capacity_of(const struct rb_cfg_proxy *p)
{
	uint64_t cap = 0;

	for (int i = 0; p && i < p->n_inbounds; i++)
		if (p->inbounds[i].type == RB_IN_SHADOWSOCKS && p->inbounds[i].replay_capacity > cap)
			cap = p->inbounds[i].replay_capacity;
	return cap;
}

size_t rb_ss_eal_mem(const struct rb_cfg_proxy *p)
{
	uint64_t cap = capacity_of(p);

	return cap ? ss_rpx_mem(cap) + 4096 : 0;
}

static int rpx_create(const struct rb_cfg_proxy *p)
{
	uint64_t cap = capacity_of(p);
	size_t size = ss_rpx_mem(cap);
	uint8_t key[32];

	if (cap == 0)
		return 0; /* no shadowsocks inbound */
	if (size == 0)
		return -EINVAL;
	rpx_mz = rte_memzone_reserve_aligned(RPX_ZONE, size, SOCKET_ID_ANY, 0, 64);
	if (rpx_mz == NULL) {
		RB_ERR("shadowsocks: cannot reserve %zu bytes for the replay filter (%lu salts): %s",
		       size, (unsigned long)cap, rte_strerror(rte_errno));
		return -ENOMEM;
	}
	if (rb_getrandom(key, sizeof(key)) == 0)
		rpx = ss_rpx_init(rpx_mz->addr, rpx_mz->len, cap, key);
	explicit_bzero(key, sizeof(key));
	if (rpx == NULL) {
		rte_memzone_free(rpx_mz);
		rpx_mz = NULL;
		return -EIO;
	}
	RB_INFO("shadowsocks: replay filter shared by the workers: %lu salts a generation, %zu KiB",
		(unsigned long)cap, size >> 10);
	return 0;
}

int rb_ss_lcore_init(struct rb_lcore *lc, const struct rb_cfg_proxy *p)
{
	int err;

	if (lc->worker >= RB_MAX_LCORES || inited[lc->worker])
		return 0;
	if (rpx == NULL && (err = rpx_create(p)) != 0)
		return err;
	inited[lc->worker] = 1;
	rpx_users++;
	if (ss_dest_lcore_init(lc, p) != 0)
		return -EINVAL;
	return 0;
}

void ss_lcore_setup_fini(struct rb_lcore *lc)
{
	ss_dest_lcore_fini(lc);
	if (lc->worker >= RB_MAX_LCORES || !inited[lc->worker])
		return;
	inited[lc->worker] = 0;
	if (--rpx_users == 0 && rpx_mz) {
		ss_rpx_wipe(rpx);
		rte_memzone_free(rpx_mz);
		rpx_mz = NULL;
		rpx = NULL;
	}
}

int ss_replay_seen(struct ss_lcore *sl, const uint8_t *salt, size_t len)
{
	int rotated = 0;
	enum ss_rpx_result r;

	if (rpx == NULL)
		return -1;
	r = ss_rpx_check_add(rpx, salt, len, &rotated);
	if (rotated && sl->lc)
		rb_count(sl->lc, RB_EV_SS_REPLAY_ROTATE);
	if (r == SS_RPX_REPLAY && sl->lc)
		rb_count(sl->lc, RB_EV_SS_REPLAY);
	return r == SS_RPX_REPLAY;
}
