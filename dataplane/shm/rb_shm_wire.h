/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Layout of the ringbox shared-memory segment and of the messages that
 * travel through it (control/README.md, "Shared-memory segment").  Both
 * ringbox-dataplane and ringbox-control are built from this header; the
 * layout version and the sizes recorded in the header guard against a
 * mismatched pair.
 *
 *   offset 0          struct rb_shm_hdr (magic written last)
 *   hdr->c2d_off      rte_ring, control -> dataplane, struct rb_msg elements
 *   hdr->d2c_off      rte_ring, dataplane -> control, struct rb_msg elements
 *   hdr->stats_off    n_workers x struct rb_lcore_stats (cache aligned)
 *   hdr->neigh_off    n_workers x struct rb_neigh_table
 *   hdr->arena_off    RB_TBL_SLOTS x route-table slots (struct rb_tbl_hdr +
 *                     RB_MAX_ROUTES x struct rb_cfg_route)
 *
 * All offsets are from the start of the segment and 64-byte aligned.
 */
#ifndef RB_SHM_WIRE_H
#define RB_SHM_WIRE_H

#include <stdint.h>
#include "../../config/rb_config.h"

#define RB_SHM_MAGIC        0x31584f42474e4952ULL /* "RINGBOX1" */
#define RB_SHM_LAYOUT_VER   1
#define RB_SHM_RING_SLOTS   256                   /* per direction, power of two */
#define RB_TBL_SLOTS        2                     /* double-buffered arena */
#define RB_TBL_MAGIC        0x4c425452u           /* "RTBL" */

enum rb_shm_state {
	RB_SHM_STATE_INIT = 0,  /* being laid out */
	RB_SHM_STATE_UP,        /* dataplane running */
	RB_SHM_STATE_DOWN,      /* dataplane exited cleanly */
};

struct rb_shm_addr {
	uint8_t family;         /* AF_INET / AF_INET6 */
	uint8_t plen;
	uint8_t addr[16];
};

struct rb_shm_port {
	char name[RB_NAME_LEN];
	uint8_t mac[6];
	uint16_t mtu;
	uint16_t dpdk_port_id;
	uint16_t nb_rxq, nb_txq;
	uint16_t vlan;
	uint16_t n_addrs;
	uint16_t pad;
	struct rb_shm_addr addrs[RB_MAX_ADDRS];
};

/* Message-path counters of one side (written by that side only). */
struct rb_shm_msg_counters {
	uint64_t tx;            /* messages enqueued */
	uint64_t rx;            /* messages dequeued and accepted */
	uint64_t ring_full;     /* enqueue failed: ring full (message dropped) */
	uint64_t bad_type;      /* unknown message type: dropped */
	uint64_t bad_version;   /* unknown message version: dropped */
	uint64_t bad_length;    /* length field larger than the payload */
};

struct rb_shm_hdr {
	volatile uint64_t magic;        /* RB_SHM_MAGIC once laid out */
	uint32_t layout_version;        /* RB_SHM_LAYOUT_VER */
	uint32_t hdr_size;              /* sizeof(struct rb_shm_hdr) */
	uint64_t layout_size;           /* whole segment, bytes */
	uint32_t msg_size;              /* sizeof(struct rb_msg) */
	uint32_t stats_size;            /* sizeof(struct rb_lcore_stats) */
	uint32_t neigh_size;            /* sizeof(struct rb_neigh_table) */
	uint32_t route_size;            /* sizeof(struct rb_cfg_route) */
	uint32_t n_drops, n_events;     /* RB_DROP_MAX, RB_EV_MAX */
	char version[32];               /* RB_VERSION of the dataplane */
	int32_t pid;                    /* dataplane pid */
	volatile uint32_t state;        /* enum rb_shm_state */
	uint64_t boot_id;               /* random per dataplane start */
	uint64_t start_ns;              /* CLOCK_REALTIME at creation */
	/* heartbeat, written by rb_shm_service */
	volatile uint64_t hb_tsc;
	volatile uint64_t hb_mono_ns;   /* CLOCK_MONOTONIC */
	volatile uint64_t hb_real_ns;   /* CLOCK_REALTIME */
	volatile uint64_t hb_count;
	volatile uint64_t tsc_hz;
	volatile int32_t log_level;     /* current rb_log_level */
	volatile uint32_t fib_generation; /* generation of the FIB in use */
	uint32_t n_workers;
	uint32_t ring_slots;
	uint16_t worker_lcore[RB_MAX_LCORES]; /* lcore id of each worker */
	/* ports, set once by rb_shm_set_ports (ports_seq odd while writing) */
	volatile uint32_t ports_seq;
	uint32_t n_ports;
	struct rb_shm_port ports[RB_MAX_PORTS];
	/* offsets */
	uint64_t c2d_off, d2c_off, stats_off, neigh_off, arena_off;
	uint64_t arena_slot_size;
	/* route table publication (section "Tables"):
	 * table_pub = generation << 8 | slot, written by control (release);
	 * table_ack = generation the dataplane finished with (applied or not),
	 * table_ack_status = 0 applied, else a negative errno. */
	volatile uint64_t table_pub;
	volatile uint64_t table_ack;
	volatile int32_t table_ack_status;
	uint32_t pad2;
	struct rb_shm_msg_counters dp_msgs;  /* dataplane side */
	char table_ack_err[128];             /* dataplane's reason on failure */
} __attribute__((aligned(64)));

/* A route table in one arena slot. */
struct rb_tbl_hdr {
	uint32_t magic;         /* RB_TBL_MAGIC */
	uint32_t generation;
	uint32_t count;         /* routes that follow */
	uint32_t route_size;    /* sizeof(struct rb_cfg_route) */
	uint64_t checksum;      /* FNV-1a 64 over generation, count and routes */
	uint64_t pad[5];
} __attribute__((aligned(64)));

/* ---- messages (section "Messages") ---- */
#define RB_MSG_VERSION     1
#define RB_MSG_PAYLOAD     232

enum rb_msg_type {
	RB_MSG_NONE = 0,
	/* control -> dataplane */
	RB_MSG_PING = 1,
	RB_MSG_SET_LOG_LEVEL,   /* payload.log_level */
	RB_MSG_PUBLISH_ROUTES,  /* payload.table: a table was published */
	RB_MSG_DUMP,            /* payload.dump: what to dump */
	RB_MSG_CLOSE_CONN,      /* placeholder: answered RB_MSG_ST_UNSUPPORTED */
	RB_MSG_START_CAPTURE,   /* placeholder: answered RB_MSG_ST_UNSUPPORTED */
	RB_MSG_WG_GET,          /* payload.wg_get: one endpoint or peer (dataplane/wireguard) */
	RB_MSG_WG_PEER_ADD,     /* payload.wg_add: add a peer at run time */
	RB_MSG_WG_PEER_REMOVE,  /* payload.wg_add (ep, pub): remove a peer */
	RB_MSG_C2D_MAX,
	/* dataplane -> control */
	RB_MSG_REPLY = 64,      /* reply to the request with the same seq */
	RB_MSG_EVENT,           /* payload.event: unsolicited */
	RB_MSG_D2C_MAX,
};

enum rb_msg_status {
	RB_MSG_ST_OK = 0,
	RB_MSG_ST_ERROR = 1,
	RB_MSG_ST_UNSUPPORTED = 2,
	RB_MSG_ST_INVALID = 3,
};

enum rb_dump_what {
	RB_DUMP_INFO = 0,       /* struct rb_msg_info in the reply */
};

enum rb_event_code {
	RB_EVC_STARTED = 1,
	RB_EVC_ROUTES_APPLIED,
	RB_EVC_ROUTES_REJECTED,
	RB_EVC_LOG_LEVEL,
};

struct rb_msg_info {
	uint32_t fib_generation;
	int32_t log_level;
	uint32_t n_workers;
	uint32_t n_ports;
	uint64_t hb_count;
};

/* WireGuard (dataplane/wireguard/README.md, "ctl").  Addresses in network
 * order, ports in host order. */
#define RB_WG_MSG_AIPS_ADD  7   /* allowed IPs in one add message */
#define RB_WG_MSG_AIPS_GET  5   /* allowed IPs in one get reply (paged) */
#define RB_WG_GET_ENDPOINT  0xffffffffu  /* wg_get.peer: the endpoint itself */
struct rb_msg_wg_aip {
	uint8_t family, plen;
	uint8_t addr[16];
};
struct rb_msg_wg_get {
	uint32_t ep;            /* endpoint index (config order) */
	uint32_t peer;          /* peer position, or RB_WG_GET_ENDPOINT */
	uint32_t aip_off;       /* first allowed IP wanted */
};
/* Reply to RB_MSG_WG_GET.  For the endpoint: pub, listen_port, n_peers,
 * n_eps and its MTU in keepalive; for a peer: every field. */
struct rb_msg_wg_peer {
	uint32_t n_eps, n_peers;
	uint32_t id;
	uint16_t listen_port, keepalive;
	uint8_t pub[32];
	uint8_t ep_family, n_aips_here;
	uint16_t ep_port;
	uint8_t ep_addr[16];
	uint16_t n_aips, aip_off;
	uint64_t last_handshake;        /* CLOCK_REALTIME s, 0 = never */
	uint64_t rx_bytes, tx_bytes, rx_packets, tx_packets;
	uint64_t hs_initiated, hs_completed, hs_failed;
	struct rb_msg_wg_aip aips[RB_WG_MSG_AIPS_GET];
};
struct rb_msg_wg_add {
	uint32_t ep;
	uint16_t keepalive;
	uint8_t n_aips, has_psk;
	uint8_t reserved[3], ep_family;
	uint16_t ep_port;
	uint16_t pad;
	uint8_t ep_addr[16];
	uint8_t pub[32];
	uint8_t psk[32];
	struct rb_msg_wg_aip aips[RB_WG_MSG_AIPS_ADD];
};

struct rb_msg {
	uint16_t type;          /* enum rb_msg_type */
	uint16_t version;       /* RB_MSG_VERSION */
	uint16_t length;        /* bytes of payload used */
	uint16_t status;        /* replies: enum rb_msg_status */
	uint32_t seq;           /* request seq; echoed in the reply */
	uint32_t req_type;      /* replies: type of the request */
	union {
		uint8_t raw[RB_MSG_PAYLOAD];
		int32_t log_level;
		struct { uint32_t generation; } table;
		struct { uint32_t what; } dump;
		struct rb_msg_info info;
		struct rb_msg_wg_get wg_get;
		struct rb_msg_wg_peer wg_peer;
		struct rb_msg_wg_add wg_add;
		struct {
			uint32_t code;      /* enum rb_event_code */
			uint32_t arg;
			char text[RB_MSG_PAYLOAD - 8];
		} event;
		char text[RB_MSG_PAYLOAD]; /* reply detail, NUL-terminated */
	} u;
};

_Static_assert(sizeof(struct rb_msg) == 248, "rb_msg is a wire format");
_Static_assert(sizeof(struct rb_msg) % 4 == 0, "rte_ring elements are 4-byte multiples");

#endif
