/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The `route` and `dns` sections (config/README.md, "route" and "dns"):
 * sing-box's rule items, logical rules and rule actions, route.final, and
 * the minimal resolver's servers.  Validated declaratively with schema.h
 * by rb_cfg_route_load(); compiled into the dataplane's rule table by
 * control/route_compile.c.
 */
#ifndef RB_CFG_ROUTE_H
#define RB_CFG_ROUTE_H

#include <stdint.h>
#include <stdio.h>
#include "rb_config.h"

#define RB_RULE_MAX_DEPTH   8    /* nesting of logical rules */
#define RB_DNS_MAX_SERVERS  8

enum rb_rule_type { RB_RULE_DEFAULT = 0, RB_RULE_LOGICAL };
enum rb_rule_mode { RB_RULE_AND = 0, RB_RULE_OR };

/* sing-box rule actions (route/rule_action). */
enum rb_rule_action {
	RB_RA_ROUTE = 0,
	RB_RA_REJECT,
	RB_RA_SNIFF,
	RB_RA_RESOLVE,
	RB_RA_ROUTE_OPTIONS,
	RB_RA_NONE,           /* a sub-rule of a logical rule */
};

/* `network` bits */
#define RB_RULE_NET_TCP 0x1
#define RB_RULE_NET_UDP 0x2
#define RB_RULE_NET_ICMP 0x4 /* echo requests relayed from a terminated endpoint */

/* `protocol` / `sniffer` names, bit i = (1 << enum rb_sniff_proto i). */
extern const char *const rb_rule_protocol_names[];

struct rb_cfg_strs {
	int n;
	char **v;
};

struct rb_cfg_cidrs {
	int n;
	struct rb_cidr *v;
};

/* Port ranges, inclusive; a single port is lo == hi. */
struct rb_cfg_ports {
	int n;
	uint16_t (*v)[2];
};

struct rb_cfg_rule {
	int type;                       /* enum rb_rule_type */
	int mode;                       /* logical: enum rb_rule_mode */
	int invert;
	/* items (absent: n == 0 / 0) */
	struct rb_cfg_strs inbound, auth_user, protocol;
	struct rb_cfg_strs domain, domain_suffix, domain_keyword, domain_regex;
	int network;                    /* RB_RULE_NET_* bits, 0 = any */
	struct rb_cfg_cidrs ip_cidr, source_ip_cidr;
	int ip_is_private, source_ip_is_private;
	struct rb_cfg_ports port, port_range, source_port, source_port_range;
	int ip_version;                 /* 0, 4 or 6 */
	/* logical */
	int n_rules;
	struct rb_cfg_rule *rules;
	/* action */
	int action;                     /* enum rb_rule_action */
	char outbound[RB_NAME_LEN];
	int method;                     /* reject: 0 default, 1 drop */
	unsigned sniffers;              /* sniff: protocol bits, 0 = all */
	uint32_t timeout_ms;            /* sniff: 0 = the proxy's default */
	int strategy;                   /* resolve: enum rb_resolve_strategy */
	struct rb_cidr override_address; /* family 0: none */
	uint16_t override_port;
	int line;
};

struct rb_cfg_dns_server {
	char tag[RB_NAME_LEN];
	char type[16];                  /* "udp" */
	struct rb_cidr server;          /* plen full */
	uint16_t server_port;
	int line;
};

struct rb_cfg_routing {
	/* route */
	int n_rules;
	struct rb_cfg_rule *rules;
	char final[RB_NAME_LEN];        /* "" = the first outbound */
	int final_line;
	/* dns */
	int n_servers;
	struct rb_cfg_dns_server servers[RB_DNS_MAX_SERVERS];
	int strategy;                   /* enum rb_resolve_strategy, 0 = prefer_ipv4 */
	uint32_t cache_capacity;        /* answers kept */
	uint32_t timeout_ms;            /* per query attempt */
	uint32_t retries;               /* attempts after the first, rotating servers */
	/* tags of the inbounds/outbounds lists, in order (their indexes) */
	int n_inbounds, n_outbounds;
	char (*inbounds)[RB_NAME_LEN];
	char (*outbounds)[RB_NAME_LEN];
};

struct config_t;
struct rb_cfg_err;

/*
 * Validate route and dns of a parsed libconfig tree (config_t *) and fill
 * out.  Errors go to e (one line each).  Returns the number of errors;
 * out is filled (and must be freed) either way.
 */
int rb_cfg_route_load(const void *tree, struct rb_cfg_routing *out, struct rb_cfg_err *e);
/* The same from a loaded config: 0, or -1 with the messages in err. */
int rb_cfg_routing_from(const struct rb_config *cfg, struct rb_cfg_routing *out, FILE *err);
void rb_cfg_route_free(struct rb_cfg_routing *r);
/* Hook for rb_config_load(): validate only, counting into e. */
void rb_cfg_route_check(const void *tree, struct rb_cfg_err *e);

/* "prefer_ipv4" ... by enum rb_resolve_strategy; NULL-terminated. */
extern const char *const rb_resolve_strategy_names[];

#endif
