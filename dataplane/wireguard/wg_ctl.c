/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * WireGuard commands over the shm command ring (README.md, "ctl"), run on
 * the main lcore: the main lcore is the only writer of the peer sets, so
 * every peer in the current set stays valid while we read it.  Counters
 * written by other lcores are read with relaxed atomic loads.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <openssl/crypto.h>

#include "../rb_dp.h"
#include "../rb_log.h"
#include "../shm/rb_shm.h"
#include "wg_ctl.h"
#include "wg_dp.h"

static uint64_t ld(const uint64_t *v)
{
	return __atomic_load_n(v, __ATOMIC_RELAXED);
}

static void get_endpoint(const struct rb_wg *wg, const struct wg_ep *ep, struct rb_msg *rep)
{
	struct rb_msg_wg_peer *o = &rep->u.wg_peer;

	o->n_eps = (uint32_t)wg->n_eps;
	o->n_peers = ep->dev.set->n;
	o->listen_port = ep->listen_port;
	o->keepalive = ep->mtu;     /* the endpoint's MTU travels here */
	memcpy(o->pub, ep->dev.pub, 32);
	rep->length = sizeof(*o);
}

static void get_peer(const struct rb_wg *wg, const struct wg_peer *p, uint32_t aip_off,
		     struct rb_msg *rep)
{
	struct rb_msg_wg_peer *o = &rep->u.wg_peer;
	struct wg_endpoint e;

	o->n_eps = (uint32_t)wg->n_eps;
	o->n_peers = p->dev->set->n;
	o->id = p->id;
	o->keepalive = p->keepalive_interval;
	memcpy(o->pub, p->pub, 32);
	wg_peer_get_endpoint(p, &e);
	o->ep_family = e.family;
	o->ep_port = e.port;
	memcpy(o->ep_addr, e.addr, 16);
	o->last_handshake = ld(&p->last_handshake_wall);
	o->rx_bytes = ld(&p->st.rx_bytes);
	o->tx_bytes = ld(&p->st.tx_bytes);
	o->rx_packets = ld(&p->st.rx_packets);
	o->tx_packets = ld(&p->st.tx_packets);
	o->hs_initiated = ld(&p->st.hs_initiated);
	o->hs_completed = ld(&p->st.hs_completed);
	o->hs_failed = ld(&p->st.hs_failed);
	o->n_aips = (uint16_t)p->n_aips;
	o->aip_off = (uint16_t)aip_off;
	for (uint32_t i = aip_off; i < (uint32_t)p->n_aips && o->n_aips_here < RB_WG_MSG_AIPS_GET;
	     i++) {
		struct rb_msg_wg_aip *a = &o->aips[o->n_aips_here++];

		a->family = p->aips[i].family;
		a->plen = p->aips[i].plen;
		memcpy(a->addr, p->aips[i].addr, 16);
	}
	rep->length = sizeof(*o);
}

static int do_get(struct rb_wg *wg, const struct rb_msg *req, struct rb_msg *rep)
{
	const struct rb_msg_wg_get *g = &req->u.wg_get;
	const struct wg_peer_set *s;

	if (g->ep >= (uint32_t)wg->n_eps) {
		rb_msg_reply(rep, req, RB_MSG_ST_INVALID, "no such endpoint");
		return 1;
	}
	rb_msg_reply(rep, req, RB_MSG_ST_OK, NULL);
	memset(&rep->u, 0, sizeof(rep->u));
	if (g->peer == RB_WG_GET_ENDPOINT) {
		get_endpoint(wg, &wg->ep[g->ep], rep);
		return 1;
	}
	s = wg->ep[g->ep].dev.set;
	if (g->peer >= s->n) {
		rb_msg_reply(rep, req, RB_MSG_ST_INVALID, "no such peer");
		return 1;
	}
	get_peer(wg, s->p[g->peer], g->aip_off, rep);
	return 1;
}

/* Mask an allowed IP to its prefix; -1 when family or length are wrong. */
static int aip_from_msg(struct wg_aip_cfg *o, const struct rb_msg_wg_aip *a)
{
	int bits = a->family == AF_INET ? 32 : a->family == AF_INET6 ? 128 : -1;

	if (bits < 0 || a->plen > bits)
		return -1;
	o->family = a->family;
	o->plen = a->plen;
	memcpy(o->addr, a->addr, 16);
	for (int b = a->plen; b < 128; b++)
		o->addr[b / 8] &= (uint8_t) ~(0x80 >> (b % 8));
	return 0;
}

static void routes_changed(struct rb_wg *wg, struct rb_msg *rep, const struct rb_msg *req)
{
	/* New allowed-IPs prefixes reach the FIB at the next build: control
	 * republishes the route table after this reply (README.md, "ctl"). */
	if (wg_dp_build_routes(wg) != 0)
		rb_msg_reply(rep, req, RB_MSG_ST_ERROR, "peer changed; out of memory for routes");
}

static int do_add(struct rb_wg *wg, const struct rb_msg *req, struct rb_msg *rep)
{
	const struct rb_msg_wg_add *a = &req->u.wg_add;
	struct wg_peer_cfg pc;
	struct wg_ep *ep;
	struct wg_peer *p;
	char msg[96];
	int rc = 0;

	if (a->ep >= (uint32_t)wg->n_eps || a->n_aips > RB_WG_MSG_AIPS_ADD ||
	    (a->ep_family != 0 && a->ep_family != AF_INET && a->ep_family != AF_INET6)) {
		rb_msg_reply(rep, req, RB_MSG_ST_INVALID, "bad endpoint, address or allowed IPs");
		return 1;
	}
	ep = &wg->ep[a->ep];
	memset(&pc, 0, sizeof(pc));
	memcpy(pc.pub, a->pub, 32);
	if (a->has_psk)
		memcpy(pc.psk, a->psk, 32);
	if (a->ep_family) {
		pc.ep.family = a->ep_family;
		memcpy(pc.ep.addr, a->ep_addr, 16);
		pc.ep.port = a->ep_port;
	}
	pc.keepalive_interval = a->keepalive;
	memcpy(pc.reserved, a->reserved, 3);
	for (int i = 0; i < a->n_aips; i++)
		if (aip_from_msg(&pc.aips[pc.n_aips++], &a->aips[i]) != 0) {
			rb_msg_reply(rep, req, RB_MSG_ST_INVALID, "bad allowed IP");
			OPENSSL_cleanse(&pc, sizeof(pc));
			return 1;
		}
	p = wg_peer_add(&ep->dev, &pc, ep->dev.next_peer_id % (unsigned)wg->dp->n_workers, &rc);
	OPENSSL_cleanse(&pc, sizeof(pc));
	if (p == NULL) {
		snprintf(msg, sizeof(msg), "cannot add peer: %s",
			 rc == -EEXIST ? "a peer with this key exists" :
			 rc == -EINVAL ? "own key or bad allowed IPs" : strerror(-rc));
		rb_msg_reply(rep, req, RB_MSG_ST_ERROR, msg);
		return 1;
	}
	wg_dp_peer_init(wg, p);
	rb_msg_reply(rep, req, RB_MSG_ST_OK, NULL);
	routes_changed(wg, rep, req);
	RB_INFO("wireguard %s: peer %u added at run time (%d allowed IPs)", ep->tag, p->id,
		p->n_aips);
	return 1;
}

static int do_remove(struct rb_wg *wg, const struct rb_msg *req, struct rb_msg *rep)
{
	const struct rb_msg_wg_add *a = &req->u.wg_add;
	struct wg_ep *ep;
	struct wg_peer *p;
	uint32_t id;

	if (a->ep >= (uint32_t)wg->n_eps) {
		rb_msg_reply(rep, req, RB_MSG_ST_INVALID, "no such endpoint");
		return 1;
	}
	ep = &wg->ep[a->ep];
	p = wg_peer_find(&ep->dev, a->pub);
	if (p == NULL) {
		rb_msg_reply(rep, req, RB_MSG_ST_ERROR, "no peer with this key");
		return 1;
	}
	id = p->id;
	if (wg_peer_unpublish(&ep->dev, p) != 0) {
		rb_msg_reply(rep, req, RB_MSG_ST_ERROR, "cannot unpublish peer (out of memory)");
		return 1;
	}
	/* The owner drops keys, indices and staged packets, then retires it. */
	while (wg_dp_post_remove(wg, p) != 0)
		;
	rb_msg_reply(rep, req, RB_MSG_ST_OK, NULL);
	routes_changed(wg, rep, req);
	RB_INFO("wireguard %s: peer %u removed at run time", ep->tag, id);
	return 1;
}

int rb_wg_ctl_msg(struct rb_dp *dp, const struct rb_msg *req, struct rb_msg *rep)
{
	struct rb_wg *wg = dp->wg;

	if (req->type != RB_MSG_WG_GET && req->type != RB_MSG_WG_PEER_ADD &&
	    req->type != RB_MSG_WG_PEER_REMOVE)
		return 0;
	if (wg == NULL) {
		rb_msg_reply(rep, req, RB_MSG_ST_UNSUPPORTED, "no wireguard endpoints");
		return 1;
	}
	switch (req->type) {
	case RB_MSG_WG_GET: return do_get(wg, req, rep);
	case RB_MSG_WG_PEER_ADD: return do_add(wg, req, rep);
	default: return do_remove(wg, req, rep);
	}
}
