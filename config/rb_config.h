/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ringbox configuration: the validated, in-memory form of a libconfig file.
 *
 * The loader (config/loader.c) checks the file against the declarative
 * schema tables in config/schema.c and fills a struct rb_config.  Both
 * processes (ringbox-dataplane and ringbox-control) and `ringboxctl check`
 * use the same entry point, rb_config_load().
 */
#ifndef RB_CONFIG_H
#define RB_CONFIG_H

#include <stdint.h>
#include <stddef.h>
#include <stdio.h>

#define RB_MAX_PORTS      8
#define RB_MAX_ADDRS      8   /* addresses per port */
#define RB_MAX_ROUTES     1024
#define RB_MAX_NEIGHBORS  256
#define RB_MAX_LCORES     16  /* worker lcores */
#define RB_MAX_EAL_ARGS   32
#define RB_NAME_LEN       32
#define RB_DEVICE_LEN     256
#define RB_PATH_LEN       256

enum rb_log_level {
	RB_LOG_ERROR = 0,
	RB_LOG_WARN,
	RB_LOG_INFO,
	RB_LOG_DEBUG,
	RB_LOG_TRACE,
};

/* An IPv4 or IPv6 address with prefix length. */
struct rb_cidr {
	uint8_t family;   /* AF_INET or AF_INET6 */
	uint8_t plen;     /* prefix length; 32/128 for a plain address */
	uint8_t addr[16]; /* network byte order; IPv4 uses the first 4 bytes */
};

struct rb_cfg_port {
	char name[RB_NAME_LEN];
	char device[RB_DEVICE_LEN]; /* PCI address or vdev string */
	uint16_t queues;
	uint16_t mtu;
	uint16_t vlan;              /* 0 = untagged */
	int n_addrs;
	struct rb_cidr addrs[RB_MAX_ADDRS];
	int line;                   /* line of the port's group in the file */
};

struct rb_cfg_route {
	struct rb_cidr prefix;
	int has_via;
	struct rb_cidr via;         /* plen is the full length */
	int port;                   /* index into dataplane.ports */
	int line;
};

struct rb_cfg_neigh {
	struct rb_cidr ip;          /* plen is the full length */
	uint8_t mac[6];
	int port;                   /* index into dataplane.ports */
	int line;
};

/* Congestion controls (dataplane/tcp/tcp_cc.c) and SYN cookie modes
 * (enum tcp_cookie_mode from TCP_COOKIES_AUTO on) by name, in the order of
 * the index the config stores: dataplane.tcp congestion_control and
 * syn_cookies, an inbound's tcp_congestion_control and tcp_syn_cookies. */
#define RB_CFG_TCP_CC_NAMES "cubic", "newreno"
#define RB_CFG_TCP_COOKIE_NAMES "auto", "always", "never"

/* dataplane.tcp: the TCP stack's parameters (dataplane/tcp/tcp.h struct
 * tcp_params), the same for every worker; -1 = the stack's default
 * (dataplane/tcp/README.md "Tuning").  Every member is an int, so that
 * all bytes 0xff is "nothing set". */
struct rb_cfg_tcp {
	int32_t sndbuf, rcvbuf;          /* per connection, bytes */
	int32_t max_conns, max_time_wait, backlog;
	int32_t rto_min_ms, rto_max_ms, rto_init_ms;
	int32_t delack_ms, tlp_wcdelack_ms, tlp_slack_ms;
	int32_t keepalive_ms;            /* 0 = off */
	int32_t zc_tx;                   /* 0..2 */
	int32_t mtu_probing;             /* 0..1 */
	int sack, timestamps, tso, rx_burst, rd_burst; /* booleans */
	int congestion_control;          /* index into RB_CFG_TCP_CC_NAMES */
	int syn_cookies;                 /* index into RB_CFG_TCP_COOKIE_NAMES */
};

struct rb_cfg_dataplane {
	int n_lcores;               /* worker lcores */
	int lcores[RB_MAX_LCORES];  /* CPU ids, or -1 = let EAL pick */
	int n_eal_args;
	char *eal_args[RB_MAX_EAL_ARGS];
	uint32_t mbufs;             /* mempool size; 0 = derived */
	uint16_t burst;             /* rx/tx burst size */
	uint32_t tx_drain_us;       /* TX buffer drain deadline */
	uint32_t neigh_timeout_s;   /* ARP/ND entry lifetime */
	uint32_t frag_max_flows;    /* reassembly table bound */
	uint32_t frag_timeout_ms;
	uint32_t icmp_rate;         /* ICMP errors per second per lcore */
	uint32_t idle_sleep_us;     /* sleep when idle; 0 = busy poll */
	uint32_t max_sessions;      /* relayed sessions per worker (proxy) */
	int main_cpu;               /* CPU of the main (housekeeping) lcore */
	char shm_name[RB_NAME_LEN]; /* POSIX shm segment, default "/ringbox" */
	struct rb_cfg_tcp tcp;      /* dataplane.tcp */
	int n_ports;
	struct rb_cfg_port ports[RB_MAX_PORTS];
	int n_routes;
	struct rb_cfg_route *routes;
	int n_neighbors;
	struct rb_cfg_neigh neighbors[RB_MAX_NEIGHBORS];
};

#define RB_MAX_SERVICES 16
/* services: ({ type = "diag"; listen = "10.0.0.1"; echo = 7; discard = 9; chargen = 19;
 *              fetch = 8007; fetch_server = "10.0.2.2"; fetch_server_port = 8000; }) */
struct rb_cfg_service {
	char type[16];              /* "diag" */
	char tag[RB_NAME_LEN];
	struct rb_cidr listen;      /* address (full-length prefix); family 0 = any of ours */
	uint16_t echo_port;         /* 0 = off (RFC 862) */
	uint16_t discard_port;      /* 0 = off (RFC 863) */
	uint16_t chargen_port;      /* 0 = off (RFC 864) */
	uint16_t fetch_port;        /* 0 = off: trigger port of the client-mode fetch */
	uint16_t fetch_server_port; /* where fetch connects (with fetch_server) */
	struct rb_cidr fetch_server;
	int line;
};

struct rb_cfg_control {
	char ctl_socket[108];
	char metrics_listen[64];    /* "127.0.0.1:9273" */
};

struct rb_cfg_proxy;
struct rb_cfg_wgs;

struct rb_config {
	char path[RB_PATH_LEN];
	struct {
		enum rb_log_level level;
		int timestamp;
		char output[RB_PATH_LEN]; /* "" = stderr */
	} log;
	struct rb_cfg_dataplane dp;
	struct rb_cfg_control control;
	int n_services;
	struct rb_cfg_service services[RB_MAX_SERVICES];
	struct rb_cfg_proxy *proxy;  /* inbounds/outbounds (config/rb_cfg_proxy.h) */
	struct rb_cfg_wgs *wg;       /* wireguard endpoints (config/rb_cfg_wg.h) */
	/* Sections owned by later modules keep their parsed libconfig tree. */
	void *tree;                 /* config_t *, owned by the rb_config */
};

/*
 * Load and validate a config file.  On error returns -1 and writes one line
 * per problem to err (e.g. "ringbox.cfg:17: dataplane.ports.[1].mtu: 70000
 * is out of range 68..9216").  name is used in messages instead of path when
 * non-NULL (for the embedded default config).
 */
int rb_config_load(struct rb_config *cfg, const char *path, FILE *err);
int rb_config_load_string(struct rb_config *cfg, const char *text, const char *name, FILE *err);
void rb_config_free(struct rb_config *cfg);

/* The embedded default configuration (config/default.cfg). */
extern const char rb_config_default[];

const char *rb_log_level_name(enum rb_log_level l);
int rb_log_level_parse(const char *s, enum rb_log_level *out);

/* Parse "10.0.0.1/24", "fd00::1/64", or a bare address (full-length prefix). */
int rb_cidr_parse(const char *s, struct rb_cidr *out);
/* Format into buf (at least 50 bytes). */
const char *rb_cidr_format(const struct rb_cidr *c, char *buf, size_t len);
/* Does prefix a contain address b (b's plen ignored)? */
int rb_cidr_contains(const struct rb_cidr *a, const struct rb_cidr *b);
/* Why s does not parse (a static string), or NULL when it does. */
const char *rb_cidr_error(const char *s);
/* Are all bits after plen zero (a network prefix) / all one (broadcast)? */
int rb_cidr_host_bits_zero(const struct rb_cidr *c);
int rb_cidr_host_bits_ones(const struct rb_cidr *c);
/* c with the host bits cleared. */
void rb_cidr_network(const struct rb_cidr *c, struct rb_cidr *net);

#endif
