/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The `endpoints` section, type "wireguard" (sing-box field names; see
 * dataplane/wireguard/README.md), validated by config/cfg_wg.c:
 *
 *   endpoints = ( { type = "wireguard"; tag = "wg0";
 *                   address = [ "10.99.0.1/24", "fd99::1/64" ];
 *                   private_key = "base64"; listen_port = 51820; mtu = 1408;
 *                   peers = ( { address = "192.0.2.10"; port = 51820;
 *                               public_key = "base64"; pre_shared_key = "base64";
 *                               allowed_ips = [ "10.99.0.2/32" ];
 *                               persistent_keepalive_interval = 25;
 *                               reserved = [ 0, 0, 0 ]; } ); } );
 *
 * ringbox additions: `time_divisor` (debug: every protocol timer divided
 * by it, for tests), `cookie_threshold` (handshake messages per second
 * per lcore above which cookie mode is on) and `mode`: "routed" (default:
 * decrypted packets are forwarded by the FIB) or "terminated" (sing-box's
 * endpoint: inner TCP to addresses that are not ours is terminated and
 * proxied, the endpoint's tag is an inbound for route rules).
 *
 * Every endpoint is also an outbound (type RB_OUT_WIREGUARD, its tag) and a
 * terminated one an inbound (RB_IN_WIREGUARD): rb_cfg_wg_load appends them
 * to cfg->proxy after the configured ones, in endpoint order, and
 * rb_cfg_wg_proxy_tags() lists the same tags for the route compiler.
 */
#ifndef RB_CFG_WG_H
#define RB_CFG_WG_H

#include <stdint.h>
#include "rb_config.h"

#define RB_WG_MAX_ENDPOINTS 8
#define RB_WG_MAX_PEERS     1024    /* in the config; more may be added at run time */
#define RB_WG_MAX_AIPS      64      /* allowed_ips per peer */

struct rb_cfg_wg_peer {
	struct rb_cidr address;     /* family 0 = unknown until it initiates */
	uint16_t port;
	uint8_t public_key[32];
	uint8_t psk[32];            /* zero when absent */
	int n_allowed;
	struct rb_cidr allowed_ips[RB_WG_MAX_AIPS];
	uint16_t keepalive;         /* persistent_keepalive_interval, s; 0 = off */
	int n_reserved;
	int reserved[3];
	int line;
};

struct rb_cfg_wg {
	char tag[RB_NAME_LEN];
	int n_addrs;
	struct rb_cidr address[RB_MAX_ADDRS];
	uint8_t private_key[32];
	uint16_t listen_port;
	uint16_t mtu;
	uint32_t time_divisor;
	uint32_t cookie_threshold;
	int mode;                   /* enum rb_wg_mode */
	int n_peers;
	struct rb_cfg_wg_peer *peers;
	int line;
};

enum rb_wg_mode {
	RB_WG_MODE_ROUTED = 0,
	RB_WG_MODE_TERMINATED,
};

struct rb_cfg_wgs {
	int n;
	struct rb_cfg_wg ep[RB_WG_MAX_ENDPOINTS];
};

struct rb_config;
struct rb_cfg_err;
/* Called by rb_config_load: fills cfg->wg (NULL when there is no endpoint). */
void rb_cfg_wg_load(struct rb_config *cfg, const void *tree, struct rb_cfg_err *e);
void rb_cfg_wg_free(struct rb_config *cfg);
/* Decode a base64 WireGuard key (44 characters); 0 or -1. */
int rb_cfg_wg_key(const char *s, uint8_t key[32]);
/* The tags endpoints add after n_cfg configured inbounds (inbound = 1:
 * terminated endpoints) or outbounds (inbound = 0: every endpoint, after an
 * implicit "direct" when n_cfg is 0), in the order rb_cfg_wg_load appends
 * them to cfg->proxy; fn is called once per tag.  Returns the count. */
int rb_cfg_wg_proxy_tags(const void *tree, int inbound, int n_cfg,
			 void (*fn)(void *arg, const char *tag), void *arg);

#endif
