/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The `inbounds` and `outbounds` sections (sing-box field names), validated
 * by config/cfg_proxy.c into the structs below.  Unknown keys are errors;
 * the keys allowed depend on `type`.
 *
 *   inbounds = ( { type = "mixed"; tag = "mixed-in"; listen = "10.0.1.1";
 *                  listen_port = 1080; users = ( { username = "u"; password = "p"; } ); } );
 *   outbounds = ( { type = "direct"; tag = "direct"; },
 *                 { type = "socks"; tag = "up"; server = "10.0.2.2"; server_port = 1080;
 *                   version = "5"; detour = "direct"; } );
 */
#ifndef RB_CFG_PROXY_H
#define RB_CFG_PROXY_H

#include <stdint.h>
#include "rb_config.h"

#define RB_MAX_INBOUNDS   64
#define RB_MAX_OUTBOUNDS  64
#define RB_MAX_CHAIN_HOPS 8   /* proxy outbounds in one detour chain (dataplane PROXY_MAX_HOPS) */
#define RB_MAX_USERS      1024      /* per inbound */
#define RB_CFG_USER_LEN   64        /* RFC 1929: 1..255; we keep 64 */
#define RB_CFG_PASS_LEN   255
#define RB_CFG_HOST_LEN   255

enum rb_in_type {
	RB_IN_SOCKS = 0,
	RB_IN_HTTP,
	RB_IN_MIXED,
	RB_IN_DIRECT,
	RB_IN_SHADOWSOCKS,  /* dataplane/ss/ss_in.c */
	RB_IN_WIREGUARD,    /* a terminated wireguard endpoint (config/cfg_wg.c adds it) */
	RB_IN_TYPE_MAX,
};

enum rb_out_type {
	RB_OUT_DIRECT = 0,
	RB_OUT_BLOCK,
	RB_OUT_SOCKS,
	RB_OUT_HTTP,
	RB_OUT_SHADOWSOCKS, /* dataplane/ss/ss_out.c */
	RB_OUT_WIREGUARD,   /* dial inside a wireguard endpoint (config/cfg_wg.c adds it) */
	RB_OUT_TYPE_MAX,
};

/* `network` of a listener or an outbound: both when empty. */
enum rb_cfg_network {
	RB_CFG_NET_BOTH = 0,
	RB_CFG_NET_TCP,
	RB_CFG_NET_UDP,
};

/* Shadowsocks `method`.  config/cfg_proxy.c knows which are wired (its
 * ss_methods[] table); the dataplane dispatches on this (dataplane/ss). */
enum rb_ss_method {
	RB_SS_NONE = 0,
	RB_SS_AES_128_GCM,
	RB_SS_AES_256_GCM,
	RB_SS_CHACHA20_IETF_POLY1305,
	RB_SS_XCHACHA20_IETF_POLY1305,
	RB_SS_2022_BLAKE3_AES_128_GCM,
	RB_SS_2022_BLAKE3_AES_256_GCM,
	RB_SS_2022_BLAKE3_CHACHA20_POLY1305,
	RB_SS_METHOD_MAX,
};

enum rb_socks_version {
	RB_SOCKS_V5 = 0,
	RB_SOCKS_V4,
	RB_SOCKS_V4A,
};

struct rb_cfg_user {
	char username[RB_CFG_USER_LEN + 1];
	char password[RB_CFG_PASS_LEN + 1];
};

/* A host given as an IP literal or a domain name. */
struct rb_cfg_host {
	uint8_t family;                     /* AF_INET/AF_INET6, or 0 = domain */
	uint8_t addr[16];
	char name[RB_CFG_HOST_LEN + 1];     /* as written; "" when absent */
};

/* A Shadowsocks 2022 relay destination (sing-box `destinations`, SIP023):
 * connections whose identity header names `password` (the next server's
 * iPSK or PSK) go on, still encrypted, to server:server_port. */
#define RB_MAX_SS_DESTS   256       /* per inbound */
struct rb_cfg_ss_dest {
	char name[RB_NAME_LEN];
	struct rb_cfg_host server;
	uint16_t server_port;
	char password[RB_CFG_PASS_LEN + 1];
	int line;
};

struct rb_cfg_inbound {
	int type;                           /* enum rb_in_type */
	char type_name[16];
	char tag[RB_NAME_LEN];
	struct rb_cidr listen;              /* full-length; family 0 = any of ours */
	uint16_t listen_port;
	int network;                        /* enum rb_cfg_network (direct, socks UDP) */
	int n_users;
	struct rb_cfg_user *users;
	struct rb_cfg_host override_address; /* direct: destination */
	uint16_t override_port;
	uint32_t udp_timeout_s;             /* UDP session idle timeout (default 300) */
	uint32_t handshake_timeout_ms;      /* request must arrive within (default 10000) */
	uint32_t max_header;                /* http/mixed: request head limit (default 8192) */
	int ss_method;                      /* shadowsocks: enum rb_ss_method */
	char password[RB_CFG_PASS_LEN + 1]; /* shadowsocks */
	uint32_t probe_timeout_ms;          /* shadowsocks: drain a failed client (default 30000) */
	int n_dests;                        /* shadowsocks 2022 relay: destinations */
	struct rb_cfg_ss_dest *dests;
	uint32_t replay_capacity;           /* shadowsocks: salts a replay-filter generation */
	/* the listener's TCP (dataplane/tcp/tcp.h tcp_listen_params), 0 =
	 * dataplane.tcp's: tcp_congestion_control and tcp_syn_cookies as the
	 * index + 1 into RB_CFG_TCP_CC_NAMES / RB_CFG_TCP_COOKIE_NAMES */
	uint8_t tcp_cc, tcp_cookies;
	uint32_t tcp_backlog;
	int line;
};

struct rb_cfg_outbound {
	int type;                           /* enum rb_out_type */
	char type_name[16];
	char tag[RB_NAME_LEN];
	struct rb_cfg_host server;          /* socks/http/shadowsocks */
	uint16_t server_port;
	int version;                        /* socks: enum rb_socks_version */
	char username[RB_CFG_USER_LEN + 1];
	char password[RB_CFG_PASS_LEN + 1];  /* socks/http credentials; shadowsocks key */
	int ss_method;                      /* shadowsocks: enum rb_ss_method */
	int network;                        /* enum rb_cfg_network */
	char detour[RB_NAME_LEN];           /* "" = dial directly */
	int detour_idx;                     /* index into outbounds, -1 = none */
	struct rb_cfg_host override_address; /* direct: rewrite the destination */
	uint16_t override_port;
	uint32_t connect_timeout_ms;        /* default 5000 */
	uint8_t uot_version;                /* shadowsocks udp_over_tcp: 0 off, 1 or 2 */
	uint8_t uot_connect;                /* its v2 connect mode for every session (right
					     * after uot_version: one handler sets both) */
	/* wireguard: source addresses of dials (the endpoint's own tunnel
	 * addresses, as sing-box's inet4/inet6_bind_address); zero = none */
	uint8_t inet4_bind[4];
	uint8_t inet6_bind[16];
	int line;
};

struct rb_cfg_proxy {
	int n_inbounds;
	struct rb_cfg_inbound *inbounds;
	int n_outbounds;
	struct rb_cfg_outbound *outbounds;
};

struct rb_cfg_err;

/*
 * Validate and convert `inbounds` / `outbounds` of the tree c into
 * cfg->proxy (allocated; NULL when both sections are absent).  Errors go to
 * e, one line each.  Called by rb_config_load (config/loader.c).
 */
void rb_cfg_proxy_load(struct rb_config *cfg, const void *c, struct rb_cfg_err *e);
void rb_cfg_proxy_free(struct rb_config *cfg);

/* Index of the inbound/outbound with this tag, or -1. */
int rb_cfg_outbound_find(const struct rb_cfg_proxy *p, const char *tag);
int rb_cfg_inbound_find(const struct rb_cfg_proxy *p, const char *tag);

/* "5m", "10s", "1h30m", "250ms" or a plain number of seconds -> milliseconds;
 * 0 on success, -1 when malformed or over a day. */
int rb_cfg_duration_ms(const char *s, uint64_t *ms);

/* The config name of a Shadowsocks method ("aes-128-gcm"), or "?". */
const char *rb_cfg_ss_method_name(int method);

#endif
