/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The contract between the proxy framework (dataplane/proxy, owner "proxy")
 * and the router (rule engine, sniffers, domain resolver; owner "router").
 *
 * The proxy calls these three functions on the worker lcore that owns the
 * connection.  The router implements them (dataplane/route/route_dp.c,
 * sniff.c); without a route table published by ringbox-control,
 * rb_route_match() fails and the proxy rejects the request.
 *
 * Conventions: addresses in network byte order (IPv4 in the first 4 bytes),
 * ports in host order, indexes into the proxy config (struct rb_cfg_proxy,
 * config/rb_cfg_proxy.h): inbound index into cfg->proxy->inbounds,
 * outbound index into cfg->proxy->outbounds.
 */
#ifndef RB_ROUTE_API_H
#define RB_ROUTE_API_H

#include <stddef.h>
#include <stdint.h>

struct rb_lcore;

#define RB_DOMAIN_MAX   255     /* RFC 1035 2.3.4: 255 octets */
#define RB_USER_MAX     64
#define RB_PROTO_MAX    16

enum rb_network {
	RB_NET_TCP = 1,
	RB_NET_UDP = 2,
	RB_NET_ICMP = 4,                    /* ICMP/ICMPv6 echo (WireGuard terminated mode) */
};

/* Sniffed application protocols (sing-box `protocol` rule item names). */
enum rb_sniff_proto {
	RB_SNIFF_NONE = 0,
	RB_SNIFF_TLS,           /* "tls" */
	RB_SNIFF_HTTP,          /* "http" */
	RB_SNIFF_QUIC,          /* "quic" (later) */
	RB_SNIFF_DNS,           /* "dns" (later) */
	RB_SNIFF_UNKNOWN = 15,  /* sniffed (or timed out), nothing recognised: a rule's
				 * `sniff` action is then not asked for again */
};

struct rb_sniff_result {
	uint8_t proto;                      /* enum rb_sniff_proto */
	char domain[RB_DOMAIN_MAX + 1];     /* SNI or Host, lower-case, no port; "" if none */
};

/* A destination: an IP address or a domain name, and a port. */
struct rb_dest {
	uint8_t family;                     /* AF_INET, AF_INET6, or 0 = domain only */
	uint8_t addr[16];
	uint16_t port;
	char domain[RB_DOMAIN_MAX + 1];     /* "" when the client gave an address */
};

struct rb_route_req {
	uint16_t inbound;                   /* inbound index */
	uint8_t network;                    /* enum rb_network */
	char user[RB_USER_MAX + 1];         /* authenticated user name, "" = none */
	uint8_t src_family;                 /* AF_INET / AF_INET6 */
	uint8_t src_addr[16];
	uint16_t src_port;
	struct rb_dest dst;                 /* as the client asked */
	struct rb_sniff_result sniff;       /* proto RB_SNIFF_NONE: not sniffed */
};

enum rb_route_action {
	RB_ACT_ROUTE = 0,                   /* use result.outbound */
	RB_ACT_REJECT,                      /* refuse: result.reject says how */
};

enum rb_reject_method {
	RB_REJECT_DEFAULT = 0,              /* TCP RST / ICMP port unreachable / protocol error reply */
	RB_REJECT_DROP,                     /* say nothing: hold then drop */
};

enum rb_resolve_strategy {
	RB_RESOLVE_DEFAULT = 0,             /* the resolver's configured default */
	RB_RESOLVE_PREFER_IPV4,
	RB_RESOLVE_PREFER_IPV6,
	RB_RESOLVE_IPV4_ONLY,
	RB_RESOLVE_IPV6_ONLY,
};

#define RB_RULE_FINAL   0xffff          /* result.rule when route.final matched */

struct rb_route_result {
	uint8_t action;                     /* enum rb_route_action */
	uint8_t reject;                     /* enum rb_reject_method */
	uint16_t outbound;                  /* outbound index (action ROUTE) */
	uint16_t rule;                      /* matched rule index, or RB_RULE_FINAL */
	/* route-options: override the destination (0 / "" = keep) */
	uint8_t override_family;            /* AF_INET/AF_INET6 when override_addr is set */
	uint8_t override_addr[16];
	uint16_t override_port;
	/* The rule asked to sniff (action `sniff`) before deciding: the proxy
	 * reads the first client bytes, calls rb_sniff() and rb_route_match()
	 * again with req.sniff filled in. */
	uint8_t need_sniff;
	/* The rule asked to resolve a domain destination first (action
	 * `resolve`): the proxy calls rb_resolve_start() with this strategy,
	 * fills dst.addr and matches again. */
	uint8_t need_resolve;
	uint8_t resolve_strategy;           /* enum rb_resolve_strategy */
	uint32_t sniff_timeout_ms;          /* need_sniff: the rule's timeout (0 = default) */
	/* need_sniff: the rule's `sniffer` list, bit (1 << enum rb_sniff_proto);
	 * 0 = all (rb_sniff_only) */
	uint16_t sniffers;
};

/*
 * Evaluate the route table published by control for req.  Returns 0 and
 * fills *res (res is zeroed by the caller).  Returns < 0 only when no table
 * is usable at all (the proxy then rejects and counts).  Must not block;
 * runs on the worker lcore, once per TCP connection or UDP session (plus
 * once more after sniffing / resolving when the result asked for it).
 */
int rb_route_match(struct rb_lcore *lc, const struct rb_route_req *req,
		   struct rb_route_result *res);

/*
 * Resolve domain to one address (A/AAAA per strategy) asynchronously.
 * Returns 0 when the query is under way: cb(arg, family, addr, 0) is then
 * called exactly once later on this lcore (or before the return when
 * the answer is cached), or with err < 0 (-ETIMEDOUT, -ENOENT (NXDOMAIN /
 * no data), -EHOSTUNREACH (no server)).  Returns < 0 when it cannot start;
 * cb is then not called.  The caller keeps arg valid until cb runs, or
 * calls rb_resolve_cancel(lc, cb, arg) before freeing it.
 */
typedef void (*rb_resolve_cb)(void *arg, int family, const uint8_t *addr, int err);
int rb_resolve_start(struct rb_lcore *lc, const char *domain, int strategy, rb_resolve_cb cb,
		     void *arg);
/* Forget a pending query of (cb, arg): cb will not be called. */
void rb_resolve_cancel(struct rb_lcore *lc, rb_resolve_cb cb, void *arg);

/*
 * Sniff the first bytes a client sent (TLS ClientHello SNI, HTTP Host).
 * Returns 0 with *out filled when recognised, -EAGAIN when more bytes are
 * needed to decide (the proxy waits up to its sniff timeout, then goes on
 * unsniffed), or -ENOENT when the bytes are not a known protocol.
 */
int rb_sniff(const uint8_t *data, size_t len, struct rb_sniff_result *out);
/* The same with only the sniffers in `mask` (bit 1 << enum rb_sniff_proto,
 * a sniff rule's `sniffer` list; 0 = all): -ENOENT when none of them
 * recognises the bytes, whatever the others would say. */
int rb_sniff_only(const uint8_t *data, size_t len, unsigned mask, struct rb_sniff_result *out);
/* Does `mask` (as above) name any sniffer ringbox has?  0: sniffing with it
 * can only find nothing, so nothing needs to be read for it. */
int rb_sniff_any(unsigned mask);

#endif
