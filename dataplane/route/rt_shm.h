/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The route segment: a second POSIX shm object beside the main one
 * (dataplane.shm_name + ".route", created by the dataplane, mapped by
 * control without EAL) for what the router shares:
 *
 *   offset 0        struct rb_rts_hdr
 *   slot_off[0..1]  two rule-table slots of slot_size bytes (rt_wire.h);
 *                   sparse: only the bytes of a written table use memory
 *   dns_off         struct rb_rts_dns[dns_n]: resolver answers, written by
 *                   control, read lock-free by the workers (per-entry seq)
 *   c2d_off/d2c_off rte_rings of struct rb_rts_msg: control -> dataplane
 *                   (send a UDP datagram) and dataplane -> control
 *                   (resolve this name; a UDP datagram arrived)
 *
 * Table publication (same protocol as the FIB table of the main segment):
 * control waits until the generation it published last is acked, writes
 * the slot the dataplane is not using (active_slot), then stores
 * pub = generation << 8 | slot (release).  The dataplane validates the
 * slot, swaps its view pointer, lets an RCU grace period pass for readers of
 * the old view (a token checked on each service tick, never waited for),
 * then sets active_slot and acks.  A slot being read is never
 * written, and a half-written slot is never read (pub is stored last; the
 * checksum catches anything else).
 */
#ifndef RB_RT_SHM_H
#define RB_RT_SHM_H

#include <stddef.h>
#include <stdint.h>

#define RB_RTS_MAGIC      0x3153545242524952ULL  /* "RIRBRTS1" */
#define RB_RTS_LAYOUT_VER 1
#define RB_RTS_SLOT_SIZE  (96u << 20)            /* bytes per rule-table slot */
#define RB_RTS_DNS_N      4096                   /* cached answers */
#define RB_RTS_RING_SLOTS 256
#define RB_RTS_PAYLOAD    1232                   /* EDNS(0) size we advertise */
#define RB_RTS_MAX_ADDRS  4                      /* per family in a cached answer */

/* ---- resolver cache entry (seqlock: odd while written) ---- */
struct rb_rts_dns {
	volatile uint32_t seq;
	uint8_t n4, n6;
	uint8_t rcode;               /* 0 ok, 3 NXDOMAIN, else failure (negative entry) */
	uint8_t pad;
	uint64_t hash;               /* rb_rts_dns_hash(name), 0 = empty */
	uint64_t expires_ns;         /* CLOCK_MONOTONIC */
	uint8_t a4[RB_RTS_MAX_ADDRS][4];
	uint8_t a6[RB_RTS_MAX_ADDRS][16];
	char name[256];              /* lower-case, no trailing dot */
};

/* ---- messages between control and the dataplane over the route rings ---- */
enum rb_rts_msg_type {
	RB_RTS_RESOLVE = 1,          /* d2c: name, strategy, id: please resolve */
	RB_RTS_ANSWER,               /* c2d: name resolved (cache updated) or failed: err */
	RB_RTS_UDP_SEND,             /* c2d: send data from our address to addr:port */
	RB_RTS_UDP_RECV,             /* d2c: datagram from addr:port to sport */
	RB_RTS_CLOSE_CONN,           /* c2d: close connection id (0 = all) */
};

struct rb_rts_msg {
	uint16_t type;
	uint16_t len;                /* bytes in data */
	uint32_t id;
	int32_t err;                 /* ANSWER: 0 or -errno */
	uint8_t family;
	uint8_t strategy;
	uint16_t port;               /* remote port (host order) */
	uint16_t sport;              /* our port (host order) */
	uint16_t pad;
	uint8_t addr[16];
	uint64_t conn_id;
	char name[256];
	uint8_t data[RB_RTS_PAYLOAD];
};

struct rb_rts_hdr {
	volatile uint64_t magic;     /* written last */
	uint32_t layout_version;
	uint32_t hdr_size;
	uint64_t size;
	uint64_t boot_id;
	int32_t pid;
	uint32_t msg_size;
	uint64_t slot_off[2];
	uint64_t slot_size;
	uint64_t dns_off;
	uint32_t dns_n, dns_entry_size;
	uint64_t c2d_off, d2c_off;
	/* table publication */
	volatile uint64_t pub;       /* generation << 8 | slot (control) */
	volatile uint64_t ack;       /* generation handled (dataplane) */
	volatile int32_t ack_status; /* 0 applied, -errno refused */
	volatile int32_t active_slot; /* slot in use by the dataplane, -1 none */
	volatile uint32_t active_gen;
	uint32_t pad;
	char ack_err[160];
	/* counters written by the dataplane (sum over workers) */
	volatile uint64_t matches, match_errors, sniff_tls, sniff_http, sniff_none;
	volatile uint64_t dns_hits, dns_misses, dns_sent, dns_ring_full, udp_unsupported;
	/* resolver datagrams relayed by the owning worker (route_dp.c) */
	volatile uint64_t udp_sent, udp_recv, udp_send_errors, udp_queue_full, udp_recv_dropped;
} __attribute__((aligned(64)));

struct rb_rts {
	void *base;
	size_t size;
	int owner;
	char name[64];
	struct rb_rts_hdr *hdr;
	struct rte_ring *tx, *rx;
};

/* Name of the route segment for the main segment's name. */
void rb_rts_name(const char *main_name, char *out, size_t len);
/* Dataplane: create (replacing a stale one).  NULL + err. */
struct rb_rts *rb_rts_create(const char *name, char *err, size_t errlen);
/* Control: map.  0, -ENOENT, -EAGAIN (not laid out yet), -EPROTO. */
int rb_rts_attach(const char *name, struct rb_rts **out, char *err, size_t errlen);
void rb_rts_close(struct rb_rts *s);   /* unmap; the owner also unlinks */

/* Control: publish blob (len bytes) as generation gen.  0, -EBUSY (the last
 * one is not acked yet: try later), -E2BIG. */
int rb_rts_publish(struct rb_rts *s, const void *blob, size_t len, uint32_t gen);
/* Control: 1 when gen was handled (status in *st), else 0. */
int rb_rts_acked(const struct rb_rts *s, uint32_t gen, int *st);
/* Dataplane: the newly published slot, or NULL.  *gen / *slot set. */
const void *rb_rts_acquire(struct rb_rts *s, uint64_t *seen, uint32_t *gen, int *slot,
			   size_t *len);
void rb_rts_ack(struct rb_rts *s, uint32_t gen, int slot_in_use, int status, const char *err);

/* Messages (never block): 0 / -ENOBUFS; recv 1 got one, 0 empty. */
int rb_rts_send(struct rb_rts *s, const struct rb_rts_msg *m);
int rb_rts_recv(struct rb_rts *s, struct rb_rts_msg *m);

/* Resolver cache. */
uint64_t rb_rts_dns_hash(const char *name);
/* Control: store an answer (replaces the same name or the slot's entry). */
void rb_rts_dns_put(struct rb_rts *s, const char *name, const uint8_t (*a4)[4], int n4,
		    const uint8_t (*a6)[16], int n6, int rcode, uint64_t expires_ns);
/* Reader (lock-free): 1 found and not expired (copied into out), 0 not. */
int rb_rts_dns_get(const struct rb_rts *s, const char *name, uint64_t now_ns,
		   struct rb_rts_dns *out);

#endif
