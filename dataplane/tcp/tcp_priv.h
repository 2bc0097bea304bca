/* SPDX-License-Identifier: BSD-3-Clause */
/* Internal structures of the per-lcore TCP stack. */
#ifndef TCP_PRIV_H
#define TCP_PRIV_H

#include <stdint.h>
#include <sys/queue.h>
#include <rte_mbuf.h>
#include "../rb_lcore.h"
#include "tcp.h"
#include "tcp_cc.h"
#include "tcp_wire.h"

#define TCP_WHEEL_SLOTS 1024   /* 1 ms ticks: one turn is ~1 s */
#define TCP_OOO_MAX     16     /* out-of-order islands kept per connection */
#define TCP_SB_MAX      16     /* SACK scoreboard ranges */
#define TCP_RXT_MAX     16     /* retransmissions timed for RACK (tcp_rack.c) */
#define TCP_MAX_LISTENERS 64
#define TCP_HDR_ROOM    (RTE_PKTMBUF_HEADROOM) /* IP + Ethernet go in front */
#define TCP_DUPTHRESH   3      /* RFC 5681 3.2, RFC 6675 2 */
#define TCP_EPH_LO      32768
#define TCP_EPH_HI      60999

/* A queue of mbuf segments linked through m->next (the head's pkt_len and
 * nb_segs are not maintained). */
struct tcp_mbq {
	struct rte_mbuf *head, *tail;
	uint32_t bytes;     /* payload bytes */
	uint32_t truesize;  /* buffer bytes held (memory accounting) */
};

struct tcp_range {
	uint32_t start, end;  /* [start, end) */
};

/* An out-of-order island of received data. */
struct tcp_ooo {
	uint32_t seq, len;
	struct rte_mbuf *head, *tail;
	uint32_t truesize;
};

/* A retransmission in flight, for RACK (RFC 8985 6.1): its range, the
 * snd_max it was sent under (data above was sent after it) and when. */
struct tcp_rxt {
	uint32_t seq, end;
	uint32_t nxt;
	uint32_t ts;  /* microseconds, wrapping */
	uint8_t probed; /* sent again once without evidence (tcp_rack.c) */
};

/* The loss-recovery tables, out of line: most connections never reorder
 * or lose a segment, and an idle one should cost little memory (issue 5:
 * <= 4 KiB per idle relayed connection, two tcp_conns and a session).  A
 * connection takes a block from its lcore's free list when it first keeps
 * an out-of-order island, a SACK scoreboard range or a timed retransmission
 * (tcp_recov_get), and gives it back once all three are empty again
 * (tcp_recov_trim, at the end of each input and timer run).  Invariant:
 * n_ooo, n_sb or n_rxt > 0 implies c->rv != NULL.  Without a block (the
 * heap is exhausted) the tables have no room: out-of-order data is dropped
 * as when they are full, SACK blocks are not kept (recovery falls back to
 * NewReno's), retransmissions are not timed for RACK. */
struct tcp_recov {
	struct tcp_ooo ooo[TCP_OOO_MAX];       /* received out of order */
	struct tcp_range sb[TCP_SB_MAX];       /* SACK scoreboard (RFC 6675) */
	struct tcp_rxt rxt[TCP_RXT_MAX];       /* retransmissions for RACK */
	/* while rxt holds entries (tcp_rack.c): when new data last went out
	 * after them, as seen from RACK's runs (us), and the last run */
	uint32_t tx_at, look_at, look_max;
	/* A recovery episode that may be undone (tcp_undo.c; TF_UNDO): the
	 * snd_una it started at, the end of the highest retransmission, the
	 * retransmitted segments not yet reported by DSACK (RFC 3708 2), the
	 * TSval of the first retransmission (RFC 3522), how the episode
	 * started and the congestion controller's state before it. */
	uint32_t undo_marker, undo_high, undo_stamp, undo_end;
	uint16_t undo_left, undo_nrxt;
	uint32_t dsack_s, dsack_e;             /* the last DSACK taken (tcp_undo_dsack) */
	uint8_t undo_rto, undo_over;
	uint64_t undo_idle_at;                 /* tsc: nothing in flight, give up then */
	uint64_t undo_cc[TCP_CC_PRIV_SIZE / 8];
	struct tcp_recov *next;                /* free list */
};

struct tcp_key {
	uint8_t laddr[16], raddr[16];
	uint16_t lport, rport;  /* network order */
	uint8_t family;         /* AF_INET / AF_INET6 */
	uint8_t pad[3];
} __attribute__((aligned(8))); /* hashed with 8-byte CRC loads */

enum {
	TF_ACK_NOW = 1 << 0,     /* send an ACK at the end of this input */
	TF_DELACK = 1 << 1,      /* an ACK is owed, delayed */
	TF_SACK = 1 << 2,        /* SACK negotiated */
	TF_TS = 1 << 3,          /* timestamps negotiated */
	TF_WS = 1 << 4,          /* window scaling negotiated */
	TF_FIN_QUEUED = 1 << 5,  /* send FIN after the queued data */
	TF_FIN_SENT = 1 << 6,
	TF_FIN_RCVD = 1 << 7,
	TF_APP = 1 << 8,         /* the application holds the connection */
	TF_REAP = 1 << 9,        /* on the reap list */
	TF_PENDING = 1 << 10,    /* on the output-pending list */
	TF_RECOVERY = 1 << 11,   /* in fast recovery */
	TF_WANT_WRITE = 1 << 12, /* application was refused: call on_writable */
	TF_ACCEPTED = 1 << 13,   /* passive open was handed to the application */
	TF_RTT_TIMING = 1 << 14, /* Karn timing of rtt_seq in progress */
	TF_PERSIST = 1 << 15,    /* zero-window probing */
	TF_HASHED = 1 << 16,
	TF_CONNECTING = 1 << 17, /* active open: on_connected pending */
	TF_COOKIE = 1 << 18,     /* created from a SYN cookie */
	TF_NOTIFY_READ = 1 << 19,
	TF_SIMUL = 1 << 20,      /* simultaneous open */
	TF_FREED = 1 << 21,
	TF_RFIN_OOO = 1 << 22,   /* rfin_seq valid */
	TF_TLP_ARMED = 1 << 23,  /* t_rexmt holds a probe timeout (RFC 8985 7.2) */
	TF_TLP_OUT = 1 << 24,    /* a tail loss probe is outstanding (RFC 8985 7.3) */
	TF_MEM_WAIT = 1 << 25,   /* a write was refused for lcore memory: on mem_wait */
	TF_RWND_WAIT = 1 << 26,  /* window offer clamped by lcore memory: on rwnd_wait */
	TF_RACK_ARMED = 1 << 27, /* t_rexmt holds the RACK reordering timer (RFC 8985 8) */
	TF_RD_DEFER = 1 << 28,   /* on_readable owed at the end of the RX burst */
	TF_PTO_AGAIN = 1 << 29,  /* the PTO holds WCDelAckT: tcp_output restarts it
				    when the flight grows past one segment */
	TF_BURST_ACK = 1 << 30,  /* an ACK went early in this RX burst; the rest
				    is acknowledged at its end (tcp_conn_input) */
	TF_UNDO = 1u << 31,      /* a recovery episode may still be undone: its
				    state is in c->rv (tcp_undo.c) */
};

struct tcp_conn {
	LIST_ENTRY(tcp_conn) hlink;     /* connection hash */
	LIST_ENTRY(tcp_conn) wlink;     /* timer wheel slot */
	TAILQ_ENTRY(tcp_conn) plink;    /* pending output / reap */
	TAILQ_ENTRY(tcp_conn) mlink;    /* mem_wait */
	TAILQ_ENTRY(tcp_conn) rlink;    /* rwnd_wait */
	struct tcp_stack *st;
	struct tcp_listener *lst;       /* SYN_RECEIVED: the listener to account to */
	struct tcp_key key;
	uint64_t wheel_expire;          /* tick the wheel entry fires; 0 = off */
	uint32_t flags;
	uint8_t state;
	uint8_t snd_ws, rcv_ws;         /* shift counts */
	uint8_t backoff;                /* RTO exponential backoff */
	uint8_t dupacks;
	uint8_t n_ooo, n_sb, n_rsack;
	uint8_t keep_probes;
	uint8_t persist_backoff;
	uint8_t soft_err;                /* errno of the last ICMP soft error (tcp_icmp.c) */
	uint16_t port;                  /* rb port index for output */
	uint16_t mss;                   /* send MSS (payload, without options) */
	uint16_t rcv_mss;               /* the MSS we announced */
	uint16_t opt_len;               /* bytes of options on data segments */

	/* RFC 9293 3.3.1 send sequence variables */
	uint32_t iss, snd_una, snd_nxt, snd_max, snd_wnd, snd_wl1, snd_wl2;
	uint32_t max_snd_wnd;
	/* receive sequence variables */
	uint32_t irs, rcv_nxt, rcv_wnd, rcv_adv;   /* rcv_adv: right edge announced */
	uint32_t rcv_promised;          /* rcv_adv - rcv_nxt as counted in st->rcv_promise */
	uint32_t fin_seq;               /* our FIN's sequence number when sent */

	/* RFC 7323 timestamps */
	uint32_t ts_recent, ts_offset;
	uint64_t ts_recent_age;         /* tsc */
	uint32_t last_ack_sent;
	uint32_t min_rtt;               /* lowest RTT sample (us), 0 = none (RACK reo_wnd) */

	/* buffers */
	struct tcp_mbq sndq;            /* unacknowledged and unsent data */
	uint32_t sndq_seq;              /* sequence number of the first byte of sndq */
	uint32_t sndq_off;              /* bytes at the front of sndq.head already acked */
	struct rte_mbuf *scur;          /* copy cursor into sndq (NULL = none) */
	uint32_t scur_pos;              /* position of scur's first byte from sndq.head's */
	uint32_t rfin_seq;              /* peer FIN seen out of order at this seq */
	struct tcp_mbq rcvq;            /* in-order, not yet read */
	struct tcp_recov *rv;           /* ooo, sb, rxt tables; NULL while all empty */
	uint32_t sndbuf, rcvbuf;

	/* SACK: scoreboard of what the peer holds above snd_una (RFC 6675),
	 * and the blocks we report (RFC 2018 4, most recent first). */
	uint32_t sacked_bytes;
	struct tcp_range rsack[TCP_SACK_MAX_BLOCKS];
	uint32_t high_rxt, rescue_rxt, recover;
	uint32_t tlp_high;              /* snd_max when the last probe went out */
	uint32_t dsack_round;           /* RACK.dsack_round (RFC 8985 6.2 step 4) */
	uint64_t rxt_una_ts;            /* tsc: snd_una's segment last retransmitted; 0 = not */
	/* RACK (RFC 8985) over retransmissions: tcp_rack.c */
	uint8_t n_rxt, rack_ts_valid;
	uint8_t reo_wnd_mult, reo_wnd_persist; /* RACK.reo_wnd_mult (0 = 1), .reo_wnd_persist */
	uint32_t rack_ts, rack_end;     /* RACK.xmit_ts (us), .end_seq: delivered retransmission */
	uint32_t rack_dlv_nxt, rack_dlv_at; /* its snd_max when sent; when its delivery was seen (us) */
	uint32_t rack_ev_seq, rack_ev_ts; /* highest SACKed end when seen (us): pending evidence */
	uint32_t rack_lost_edge;        /* original transmissions below are lost (RACK) */
	uint8_t rack_ev, rack_edge_ok;
	uint8_t dsack_round_on;         /* dsack_round valid */
	/* PRR (RFC 6937): the flight at recovery entry, delivered and sent since */
	uint32_t prr_recover_fs, prr_delivered, prr_out;

	/* RTT (RFC 6298), microseconds */
	uint32_t srtt, rttvar, rto;
	uint32_t rtt_seq;
	uint64_t rtt_start;             /* tsc */

	/* congestion control */
	uint32_t cwnd, ssthresh;
	uint32_t prior_cwnd, prior_ssthresh; /* before the episode (undo, tcp_undo.c) */
	uint64_t pacing_rate;           /* bytes/s, 0 = unpaced (for rate-based CCs) */
	uint64_t delivered;
	const struct tcp_cc_ops *cc;
	uint64_t cc_priv[TCP_CC_PRIV_SIZE / 8];

	/* timers: absolute tsc deadlines, 0 = off */
	uint64_t t_rexmt, t_persist, t_delack, t_keep, t_conn;
	uint64_t last_rcv;              /* tsc of the last segment received */

	/* application */
	const struct tcp_callbacks *cb;
	void *user;
	int err;                        /* pending error for on_closed */

	/* statistics */
	uint64_t bytes_sent, bytes_acked, bytes_received, segs_out, segs_in;
	uint32_t n_retrans, n_rto, n_recoveries, n_tlp;
};

struct tcp_listener {
	struct tcp_stack *st;
	int family;
	uint8_t addr[16];
	uint16_t port;        /* network order */
	uint8_t cookies;
	uint8_t in_use;
	uint8_t foreign;      /* tcp_input_foreign() only */
	uint32_t backlog;
	uint32_t n_synrcvd;
	const struct tcp_cc_ops *cc;
	int (*on_accept)(struct tcp_conn *c, void *arg);
	void *arg;
};

struct tcp_slab;
struct tcp_recov_slab;

/* Path MTUs learnt from ICMP by destination (tcp_pmtu.c, RFC 1191 6.3,
 * RFC 8201 5.2): TCP_PMTU_SETS sets of TCP_PMTU_WAYS, per lcore. */
#define TCP_PMTU_SETS 64
#define TCP_PMTU_WAYS 4
struct tcp_pmtu_ent {
	uint64_t expire;                /* tsc; 0 = free */
	uint8_t addr[16];
	uint16_t mtu;
	uint8_t family;
};

struct tcp_stack {
	struct rb_lcore *lc;
	struct tcp_params prm;
	uint64_t hz, tsc_ms, tsc_us;
	/* connection table */
	LIST_HEAD(tcp_hbucket, tcp_conn) *htab;
	uint32_t hmask, hseed;
	uint32_t n_conns, n_tw, n_synrcvd, n_mem_wait;
	uint64_t mem;                   /* bytes of queued buffers */
	/* Receive windows advertised and not yet filled (payload bytes, the
	 * sum of rcv_promised) and how many connections hold one: memory the
	 * peers may claim at any time (tcp_rcv_budget). */
	uint64_t rcv_promise;
	uint32_t n_rcv_promised;
	uint8_t mem_pressure;           /* window offers clamped; see tcp_rcv_budget */
	/* listeners */
	struct tcp_listener lst[TCP_MAX_LISTENERS];
	/* timer wheel */
	LIST_HEAD(tcp_wslot, tcp_conn) wheel[TCP_WHEEL_SLOTS];
	uint64_t wheel_tick;            /* last tick processed */
	/* deferred work */
	TAILQ_HEAD(, tcp_conn) pending, reap;
	/* writers refused for memory: told on_writable once it is freed */
	TAILQ_HEAD(, tcp_conn) mem_wait;
	/* receivers whose window offer memory clamped: window update once freed */
	TAILQ_HEAD(, tcp_conn) rwnd_wait;
	int in_input;
	/* > 0 while tcp_input's deferral spans more than one segment (an
	 * rx_burst bracket, or tcp_input given several): a connection
	 * without SACK runs its deferred work per segment (tcp_conn_input) */
	int in_bracket;
	/* Inside an RX burst (tcp_rx_burst_begin/end): the connections whose
	 * on_readable waits for its end, so that a relay splices once per
	 * burst rather than once per segment.  A connection released in
	 * between loses TF_RD_DEFER (its slot is skipped). */
	uint8_t rx_burst;
	uint16_t n_rd_defer;
	struct tcp_conn *rd_defer[2 * RB_BURST_MAX];
	/* free connections */
	struct tcp_conn *free_list;
	struct tcp_slab *slabs;
	/* loss-recovery blocks (struct tcp_recov): free list, slabs, in use,
	 * and at most in use (UINT32_MAX: bounded by the connections only;
	 * the unit tests lower it to drive the no-memory path) */
	struct tcp_recov *rv_free;
	struct tcp_recov_slab *rv_slabs;
	uint32_t n_recov, rv_max;
	/* secrets: ISN (RFC 6528) and SYN cookies */
	uint64_t isn_key[2], cookie_key[2];
	uint16_t eph_next;
	/* A DSACK block (RFC 2883 4) for dsack_c's next ACK: set when a
	 * duplicate arrives, sent at once (tcp_sack.c tcp_dsack_set) */
	struct tcp_conn *dsack_c;
	struct tcp_range dsack;
	/* path MTU cache (tcp_pmtu.c): entries, how many in use, and their
	 * lifetime (0: 10 minutes, RFC 1191 6.3; the unit tests shorten it) */
	struct tcp_pmtu_ent pmtu[TCP_PMTU_SETS * TCP_PMTU_WAYS];
	uint32_t n_pmtu, pmtu_expire_ms;
	void *diag;                     /* tcp_diag.c state */
};

/* ---- helpers ---- */
/* A listener's or connect's congestion control: the one it names, else
 * the stack's (tcp_params cc); NULL for an unknown name. */
static inline const struct tcp_cc_ops *tcp_cc_pick(const struct tcp_stack *st, const char *name)
{
	return tcp_cc_find(name != NULL && name[0] != '\0' ? name : st->prm.cc);
}

static inline uint32_t tcp_inflight_raw(const struct tcp_conn *c)
{
	return c->snd_max - c->snd_una;
}

static inline uint64_t tcp_now(const struct tcp_stack *st)
{
	return st->lc->now;
}

static inline uint32_t tcp_now_ms(const struct tcp_stack *st)
{
	return (uint32_t)(st->lc->now / st->tsc_ms);
}

static inline uint64_t tcp_now_us(const struct tcp_stack *st)
{
	return st->lc->now / st->tsc_us;
}

static inline uint64_t tcp_ms2tsc(const struct tcp_stack *st, uint64_t ms)
{
	return ms * st->tsc_ms;
}

static inline uint64_t tcp_us2tsc(const struct tcp_stack *st, uint64_t us)
{
	return us * st->tsc_us;
}

static inline int tcp_have_fin_rcvd(const struct tcp_conn *c)
{
	return (c->flags & TF_FIN_RCVD) != 0;
}

/* tcp_siphash.c */
uint64_t tcp_siphash(const uint64_t key[2], const void *data, size_t len);

/* tcp_stack.c */
struct tcp_conn *tcp_conn_alloc(struct tcp_stack *st);
/* c's loss-recovery tables, taken from the lcore's free list when c has
 * none; NULL when none can be had (counted: tcp_recov_nomem). */
struct tcp_recov *tcp_recov_get(struct tcp_conn *c);
void tcp_recov_put(struct tcp_conn *c);
/* Give c's block back once its tables are all empty. */
static inline void tcp_recov_trim(struct tcp_conn *c)
{
	if (c->rv != NULL && (c->n_ooo | c->n_sb | c->n_rxt) == 0 && !(c->flags & TF_UNDO))
		tcp_recov_put(c);
}
void tcp_conn_hash(struct tcp_conn *c);
struct tcp_conn *tcp_conn_lookup(struct tcp_stack *st, const struct tcp_key *k);
void tcp_conn_set_state(struct tcp_conn *c, int state);
void tcp_conn_drop(struct tcp_conn *c, int err);   /* terminate: to CLOSED, notify, reap */
void tcp_conn_init_vars(struct tcp_conn *c);
void tcp_timer_update(struct tcp_conn *c);
void tcp_pending_add(struct tcp_conn *c);
void tcp_deferred_run(struct tcp_stack *st);
void tcp_pending_run(struct tcp_conn *c); /* one connection's, now */
struct tcp_listener *tcp_listener_lookup(struct tcp_stack *st, int family, const uint8_t *addr,
					 uint16_t port);
uint32_t tcp_isn(struct tcp_stack *st, const struct tcp_key *k);
int tcp_mem_charge(struct tcp_stack *st, uint32_t truesize);
void tcp_mem_uncharge(struct tcp_stack *st, uint32_t truesize);
void tcp_mem_wait(struct tcp_conn *c);                 /* a write was refused for memory */
/* Receive window (payload bytes) c may offer beyond rcv_nxt that the
 * lcore's memory still covers, given every other connection's promise. */
uint32_t tcp_rcv_budget(const struct tcp_conn *c);
void tcp_rcv_promise_sync(struct tcp_conn *c);         /* after rcv_adv/rcv_nxt moved */
void tcp_rcv_clamped(struct tcp_conn *c);              /* an offer was cut by the budget */
void tcp_mbq_free(struct tcp_stack *st, struct tcp_mbq *q);
void tcp_notify_readable(struct tcp_conn *c);
/* rd_burst, inside tcp_rx_begin/tcp_rx_end: connections that became
 * readable during a burst are told once, at its end (tcp_stack.c). */
void tcp_rx_burst_begin(struct rb_lcore *lc);
void tcp_rx_burst_end(struct rb_lcore *lc);
int tcp_rd_defer(struct tcp_conn *c);                  /* on_readable at the burst's end */

/* tcp_opt.c */
int tcp_opts_parse(const uint8_t *p, unsigned len, int syn, struct tcp_opts *o);

/* tcp_output.c */
int tcp_output(struct tcp_conn *c);                     /* send what window and cwnd allow */
void tcp_send_ack(struct tcp_conn *c);
void tcp_send_syn(struct tcp_conn *c);                  /* SYN or SYN-ACK by state */
int tcp_send_segment(struct tcp_conn *c, uint32_t seq, uint32_t len, uint8_t flags);
/* Send [seq, seq+seqlen) of sequence space again, FIN included if covered. */
int tcp_xmit_range(struct tcp_conn *c, uint32_t seq, uint32_t seqlen);
void tcp_send_rst(struct tcp_conn *c);
/* A segment without a connection (RST replies, SYN-cookie SYN-ACKs); k is
 * as seen from us (l = local).  opt/optlen: ready-made options. */
void tcp_send_bare(struct rb_lcore *lc, uint16_t port, const struct tcp_key *k, uint32_t seq,
		   uint32_t ack, uint8_t flags, uint16_t win, const uint8_t *opt, unsigned optlen);
/* RFC 9293 3.10.7.1: the reset for a segment that has no connection. */
void tcp_reply_rst(struct rb_lcore *lc, uint16_t port, const struct tcp_key *k, uint32_t seq,
		   uint32_t ack, uint8_t flags, uint32_t seglen);
int tcp_xmit(struct rb_lcore *lc, uint16_t port, const struct tcp_key *k, struct rte_mbuf *m);
int tcp_xmit_psum(struct rb_lcore *lc, uint16_t port, const struct tcp_key *k, struct rte_mbuf *m,
		  int psum_ok, uint16_t psum);
unsigned tcp_syn_opts(struct tcp_conn *c, uint8_t *p);
unsigned tcp_syn_opts_raw(uint8_t *p, uint16_t mss, int sack, int ts, uint32_t tsval,
			  uint32_t tsecr, int ws, uint8_t wsval);
uint32_t tcp_tsval(const struct tcp_conn *c);
uint16_t tcp_cksum_verify(int family, const uint8_t *src, const uint8_t *dst,
			  const struct rte_mbuf *m, uint32_t len);
uint16_t tcp_cksum_verify_psum(int family, const uint8_t *src, const uint8_t *dst,
			       const struct rte_mbuf *m, uint32_t len, uint32_t hlen, uint16_t *psum);
void tcp_challenge_ack(struct tcp_conn *c);
uint8_t tcp_wscale_for(uint32_t rcvbuf);
uint32_t tcp_rcv_space(const struct tcp_conn *c);
uint16_t tcp_rcv_wnd_field(struct tcp_conn *c, int syn);
/* Would reading have opened the window enough for an update (SWS rule)? */
int tcp_rcv_wnd_update_due(const struct tcp_conn *c);
void tcp_rexmt_arm(struct tcp_conn *c);
/* send everything from snd_una again, recovery state forgotten (tcp_output.c) */
void tcp_go_back(struct tcp_conn *c);
/* a state that sends data: ESTABLISHED, CLOSE_WAIT, FIN_WAIT_1, CLOSING, LAST_ACK */
int tcp_can_send_data(const struct tcp_conn *c);
void tcp_pto_arm(struct tcp_conn *c);                   /* PTO where TLP applies, else RTO */
void tcp_rack_rxt_check(struct tcp_conn *c);            /* lost retransmission at snd_una */
void tcp_rexmt_timeout(struct tcp_conn *c);
void tcp_persist_timeout(struct tcp_conn *c);
uint32_t tcp_pipe(const struct tcp_conn *c);

/* A parsed incoming segment. */
struct tcp_seg {
	uint32_t seq, ack, len;  /* len: payload bytes */
	uint16_t wnd;            /* raw window field */
	uint8_t flags;
	struct tcp_opts o;
};

static inline uint32_t seg_seqlen(const struct tcp_seg *sg)
{
	return sg->len + !!(sg->flags & TCP_SYN) + !!(sg->flags & TCP_FIN);
}

/* tcp_input.c */
void tcp_rtt_sample(struct tcp_conn *c, uint32_t rtt_us);
void tcp_conn_input(struct tcp_conn *c, struct rte_mbuf *m, struct tcp_seg *sg);
void tcp_enter_recovery(struct tcp_conn *c);

/* tcp_open.c */
uint16_t tcp_local_mss(struct tcp_stack *st, uint16_t port, int family);
void tcp_negotiate(struct tcp_conn *c, const struct tcp_opts *o);
void tcp_keep_arm(struct tcp_conn *c);
int tcp_accept(struct tcp_conn *c, struct tcp_listener *l);
void tcp_listen_input(struct tcp_stack *st, struct tcp_listener *l, struct rte_mbuf *m,
		      struct tcp_seg *sg, const struct tcp_key *k, uint16_t port);

/* tcp_sack.c */
/* SACK blocks from index first on (block 0 may be a DSACK: tcp_dsack_in) */
void tcp_sb_update(struct tcp_conn *c, const struct tcp_opts *o, int first, uint32_t *newly);
void tcp_sb_advance(struct tcp_conn *c);                /* drop ranges below snd_una */
int tcp_sb_is_sacked(const struct tcp_conn *c, uint32_t seq, uint32_t *end);
int tcp_sb_next_seg(struct tcp_conn *c, uint32_t *seq, uint32_t *len);
uint32_t tcp_sb_lost_edge(const struct tcp_conn *c);
void tcp_prr_ack(struct tcp_conn *c, uint32_t delivered);  /* RFC 6937 3 */
void tcp_rsack_update(struct tcp_conn *c, uint32_t start, uint32_t end);
void tcp_rsack_trim(struct tcp_conn *c);
/* DSACK (RFC 2883 4), receiver: report [s, e) as duplicate in c's next
 * ACK (the first duplicate range of a segment only); flush sends that ACK
 * now if it is still owed.  tcp_sack_opt_blocks: the blocks of an ACK, the
 * DSACK first (consumed), at most max. */
void tcp_dsack_set(struct tcp_conn *c, uint32_t s, uint32_t e);
void tcp_dsack_flush(struct tcp_conn *c);
unsigned tcp_sack_opt_blocks(struct tcp_conn *c, struct tcp_range *out, unsigned max);
/* Sender: is the first SACK block of this ACK a DSACK?  Valid ones are
 * counted and passed to tcp_undo_dsack; returns 1 when block 0 is a DSACK
 * (valid or not: never SACKed data). */
int tcp_dsack_in(struct tcp_conn *c, const struct tcp_seg *sg);

/* tcp_undo.c: spurious recoveries (RFC 3708, RFC 3522, RFC 4015) */
void tcp_undo_begin(struct tcp_conn *c, int rto);    /* before cwnd/ssthresh are cut */
void tcp_undo_rxt(struct tcp_conn *c, uint32_t seq, uint32_t len); /* a retransmission */
void tcp_undo_dsack(struct tcp_conn *c, uint32_t s, uint32_t e, uint32_t ack);
/* After an ACK's processing: undo if every retransmission was reported
 * by DSACK or the ACK echoes a TSval older than the first one; returns 1
 * when it undid. */
int tcp_undo_check(struct tcp_conn *c, const struct tcp_seg *sg, uint32_t old_una);
void tcp_undo_timer(struct tcp_conn *c);            /* rv->undo_idle_at passed */

/* tcp_rack.c: RACK over retransmissions (RFC 8985 6.2, 8) */
void tcp_rack_reset(struct tcp_conn *c);
void tcp_rack_sent(struct tcp_conn *c, uint32_t seq, uint32_t len);
int tcp_rack_has(const struct tcp_conn *c, uint32_t seq);
int tcp_rack_detect(struct tcp_conn *c);
void tcp_rack_timeout(struct tcp_conn *c);
uint32_t tcp_rack_reo_wnd(const struct tcp_conn *c);   /* us, RFC 8985 6.2 step 4 */
void tcp_rack_dsack(struct tcp_conn *c);               /* a DSACK arrived */
void tcp_rack_recovery_done(struct tcp_conn *c);       /* a recovery episode ended */

/* tcp_cookie.c */
uint32_t tcp_cookie_make(struct tcp_stack *st, const struct tcp_key *k, uint32_t peer_isn,
			 uint16_t mss, uint32_t *tsval, const struct tcp_opts *o);
int tcp_cookie_check(struct tcp_stack *st, const struct tcp_key *k, uint32_t peer_isn,
		     uint32_t cookie, uint32_t tsecr, int has_ts, struct tcp_opts *o);

/* tcp_diag.c */
int tcp_diag_start(struct rb_lcore *lc);
void tcp_diag_stop(struct rb_lcore *lc);

/* tcp_rcv.c: the receive side of tcp_input.c */
/* drop the first n bytes of segment list m / keep its first keep bytes */
struct rte_mbuf *tcp_segs_trim_front(struct rte_mbuf *m, uint32_t n);
struct rte_mbuf *tcp_segs_trim_back(struct rte_mbuf *m, uint32_t keep);
void tcp_enter_time_wait(struct tcp_conn *c);
void tcp_fin_in(struct tcp_conn *c);
/* len bytes of text at seq (m: the segment list holding them) */
void tcp_data_in(struct tcp_conn *c, struct rte_mbuf *m, uint32_t seq, uint32_t len);

/* tcp_payload.c: a segment's payload (tcp_output.c's tcp_send_seg) */
/* Zero copy applies (zc_tx set, the port takes chains)? */
int tcp_zc_port(const struct tcp_conn *c);
/* Will tcp_xmit sum this connection's segments in software? */
int tcp_sw_cksum(const struct tcp_conn *c);
/* The in-place segment for len bytes at seq behind hlen header bytes, or
 * NULL; *psum its payload's sum when sum */
struct rte_mbuf *tcp_seg_inplace(struct tcp_conn *c, uint32_t seq, uint32_t len,
				 unsigned hlen, int sum, uint16_t *psum);
/* len bytes at seq appended to m, referenced (zc) or copied, in at most
 * seg_max mbufs (0: no bound): bytes appended, -1 without an mbuf */
int tcp_payload_out(struct tcp_conn *c, struct rte_mbuf *m, uint32_t seq, uint32_t len,
		    int zc, uint16_t *psum, uint32_t seg_max);
/* chain m cut back to len bytes */
void tcp_chain_trim(struct rte_mbuf *m, uint32_t len);

#endif
