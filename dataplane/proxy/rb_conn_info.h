/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The proxy's connections table and counters, shared read-only with
 * ringbox-control (`ringboxctl conns`, metrics) through a POSIX shared-memory
 * segment of its own, named "<dataplane.shm_name>-conns" (e.g.
 * "/ringbox-conns").  The dataplane creates it at start and unlinks it at
 * exit; control attaches with rb_conn_shm_attach() (conn_shm.c, no EAL).
 *
 *   offset 0               struct rb_conn_shm_hdr
 *   hdr->workers_off       n_workers x struct rb_conn_worker
 *   hdr->slots_off         n_workers x slots x struct rb_conn_info
 *
 * Each worker writes only its own rb_conn_worker and slots.  A slot is
 * written as a seqlock: seq odd while the worker changes it; a reader copies
 * the slot and retries while seq was odd or changed (rb_conn_read()).  Byte
 * counters and per-inbound/outbound counters are plain u64 stores.
 *
 * Closing a connection from control: write its id (or RB_CONN_CLOSE_ALL)
 * into a zero close_req[] entry of the worker that owns it (id >> 48) with a
 * compare-and-swap; the worker aborts it within ~10 ms and zeroes the entry.
 */
#ifndef RB_CONN_INFO_H
#define RB_CONN_INFO_H

#include <stdint.h>
#include "rb_route_api.h"
#include "proxy_parse.h"

#define RB_CONN_SHM_MAGIC    0x314e4e4f43425252ULL /* "RRBCONN1" */
#define RB_CONN_SHM_VER      3
#define RB_CONN_TAG_LEN      32
#define RB_CONN_CLOSE_SLOTS  16
#define RB_CONN_CLOSE_ALL    UINT64_MAX
#define RB_CONN_MAX_TAGS     64     /* = RB_MAX_INBOUNDS = RB_MAX_OUTBOUNDS */
#define RB_CONN_MAX_RULES    256    /* rules counted one by one; later ones share "other" */
#define RB_CONN_RULE_FINAL   RB_CONN_MAX_RULES        /* rules[] index of route.final */
#define RB_CONN_RULE_OTHER   (RB_CONN_MAX_RULES + 1)  /* rules[] index of rules >= MAX */

enum rb_conn_state {
	RB_CONN_FREE = 0,
	RB_CONN_HANDSHAKE,      /* reading the client's request */
	RB_CONN_DIALING,        /* routed; opening the upstream */
	RB_CONN_RELAY,          /* both ends open, bytes flow */
	RB_CONN_UDP,            /* a UDP association / session */
};

/* One TCP connection of a session as its stack sees it (tcp_get_info,
 * dataplane/tcp/tcp.h), refreshed by the owning worker in sweeps that
 * start at most every RB_CONN_TCP_REFRESH_MS and cover at most
 * RB_CONN_TCP_ROWS_PER_MS sessions per millisecond: a row is at most
 * max(100 ms, active sessions / 128 ms) old, plus the worker's 10 ms poll
 * interval (138 ms for 16384 sessions, the default dataplane.max_sessions;
 * 790 ms for 100 k); cc "" = no such connection (yet). */
#define RB_CONN_TCP_REFRESH_MS 100
#define RB_CONN_TCP_ROWS_PER_MS 128
struct rb_conn_tcp {
	char cc[12];                    /* congestion control: "cubic", "newreno" */
	char state[14];                 /* tcp_state_name(): "ESTABLISHED", ... */
	uint16_t mss;
	uint32_t srtt_us, rto_us;
	uint32_t cwnd;                  /* bytes */
	uint32_t retransmits;           /* segments */
};

struct rb_conn_info {
	volatile uint32_t seq;          /* odd while being written; 0 never written */
	uint8_t state;                  /* enum rb_conn_state; FREE = unused slot */
	uint8_t network;                /* enum rb_network */
	uint8_t src_family, dst_family; /* AF_INET/AF_INET6; dst 0 = not resolved */
	uint16_t inbound;               /* index into the config's inbounds */
	uint16_t outbound;              /* 0xffff until routed */
	uint16_t rule;                  /* RB_RULE_FINAL or the rule index; 0xfffe = none yet */
	uint16_t src_port, dst_port;
	uint8_t src[16], dst[16];
	uint64_t id;                    /* worker << 48 | sequence; never 0 */
	uint64_t start_ns;              /* CLOCK_REALTIME */
	volatile uint64_t bytes_up;     /* client -> upstream */
	volatile uint64_t bytes_down;   /* upstream -> client */
	char domain[RB_DOMAIN_MAX + 1]; /* "" when the client gave an address */
	char user[RB_USER_MAX + 1];
	char in_tag[RB_CONN_TAG_LEN], out_tag[RB_CONN_TAG_LEN];
	struct rb_conn_tcp cli_tcp;     /* the client's connection to the inbound */
	struct rb_conn_tcp up_tcp;      /* the upstream dial (none for a UDP session) */
} __attribute__((aligned(64)));

/* Counters of one inbound or outbound on one worker.  Plain stores by the
 * owning worker (no atomics); control sums the workers. */
struct rb_proxy_tag_counters {
	uint64_t conns;                 /* accepted (inbound) / dialled (outbound) */
	uint64_t active;
	uint64_t bytes_up, bytes_down;  /* relayed so far, running connections included */
	uint64_t errors[RB_PERR_MAX];   /* inbound: handshake failures by reason */
	uint64_t dial_fail;             /* outbound: upstream could not be opened */
	uint64_t rejected;              /* inbound: refused by the router */
};

/* Counters of one route rule (index: the rule, RB_CONN_RULE_FINAL,
 * RB_CONN_RULE_OTHER) on one worker. */
struct rb_proxy_rule_counters {
	uint64_t conns;                 /* sessions routed by the rule */
	uint64_t active;
	uint64_t bytes_up, bytes_down;
};

struct rb_conn_worker {
	volatile uint64_t close_req[RB_CONN_CLOSE_SLOTS]; /* control writes, worker zeroes */
	uint64_t active;                /* live sessions */
	uint64_t total;
	uint64_t udp_sessions;          /* live UDP NAT entries */
	uint64_t pad[5];
	struct rb_proxy_tag_counters in[RB_CONN_MAX_TAGS];
	struct rb_proxy_tag_counters out[RB_CONN_MAX_TAGS];
	struct rb_proxy_rule_counters rules[RB_CONN_MAX_RULES + 2];
} __attribute__((aligned(64)));

struct rb_conn_shm_hdr {
	volatile uint64_t magic;        /* written last */
	uint32_t version;               /* RB_CONN_SHM_VER */
	uint32_t n_workers;
	uint32_t slots;                 /* per worker */
	uint32_t info_size;             /* sizeof(struct rb_conn_info) */
	uint32_t worker_size;           /* sizeof(struct rb_conn_worker) */
	uint32_t n_inbounds, n_outbounds;
	uint32_t pad;
	uint64_t workers_off, slots_off, size;
	int32_t pid;                    /* dataplane */
	uint32_t pad2;
	char in_tags[RB_CONN_MAX_TAGS][RB_CONN_TAG_LEN];
	char out_tags[RB_CONN_MAX_TAGS][RB_CONN_TAG_LEN];
} __attribute__((aligned(64)));

struct rb_conn_shm {
	struct rb_conn_shm_hdr *hdr;
	size_t size;
	char name[64];
	int owner;                      /* created (and unlinks) it */
};

/* The segment name for a dataplane shm_name ("/ringbox" -> "/ringbox-conns"). */
void rb_conn_shm_name(const char *shm_name, char *out, size_t len);
/* Dataplane: create (replacing a stale one).  Returns 0 or -errno. */
int rb_conn_shm_create(struct rb_conn_shm *s, const char *name, unsigned n_workers,
		       unsigned slots);
/* Control: attach read-write (close requests), checking magic/version/sizes. */
int rb_conn_shm_attach(struct rb_conn_shm *s, const char *name, char *err, size_t errlen);
void rb_conn_shm_close(struct rb_conn_shm *s);

struct rb_conn_worker *rb_conn_shm_worker(const struct rb_conn_shm *s, unsigned w);
struct rb_conn_info *rb_conn_shm_slot(const struct rb_conn_shm *s, unsigned w, unsigned i);
/* Consistent copy of a slot; returns 1 when it holds a connection, 0 when
 * free, -1 when it kept changing. */
int rb_conn_read(const struct rb_conn_info *slot, struct rb_conn_info *out);
/* Ask the owning worker to close id (or all with RB_CONN_CLOSE_ALL on
 * worker w).  Returns 0, -EBUSY (mailbox full), -EINVAL. */
int rb_conn_request_close(struct rb_conn_shm *s, unsigned w, uint64_t id);
/* rules[] index of a route result's rule (RB_RULE_FINAL, an index, ...). */
static inline unsigned rb_conn_rule_slot(uint16_t rule)
{
	if (rule == RB_RULE_FINAL)
		return RB_CONN_RULE_FINAL;
	return rule < RB_CONN_MAX_RULES ? rule : RB_CONN_RULE_OTHER;
}

#endif
