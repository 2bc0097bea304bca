/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Congestion control operations.  A controller owns c->cwnd and
 * c->ssthresh (bytes) and up to TCP_CC_PRIV_SIZE bytes of private state in
 * c->cc_priv.  The loss-recovery machinery (tcp_input.c, RFC 5681/6582/6675)
 * calls these hooks; a rate-based controller (BBR, fixed-rate "brutal")
 * sets c->pacing_rate and a large cwnd.
 */
#ifndef TCP_CC_H
#define TCP_CC_H

#include <stdint.h>

struct tcp_conn;

/* What one ACK did. */
struct tcp_ack_sample {
	uint32_t acked;        /* bytes newly cumulatively acknowledged */
	uint32_t sacked;       /* bytes newly SACKed */
	uint32_t rtt_us;       /* 0 = no valid sample */
	uint32_t inflight;     /* bytes in flight before this ACK */
	uint64_t delivered;    /* total bytes delivered so far */
	uint64_t now_us;
};

#define TCP_CC_PRIV_SIZE 64

struct tcp_cc_ops {
	const char *name;
	void (*init)(struct tcp_conn *c);
	/* New data acknowledged outside recovery: grow cwnd. */
	void (*cong_avoid)(struct tcp_conn *c, const struct tcp_ack_sample *s);
	/* A loss was detected (entering fast recovery): return the new
	 * ssthresh; the caller sets cwnd. */
	uint32_t (*ssthresh)(struct tcp_conn *c);
	/* Recovery finished (all data outstanding at its start acknowledged). */
	void (*exit_recovery)(struct tcp_conn *c);
	/* Retransmission timeout (RFC 5681 3.1 eq. 4, cwnd -> 1 segment). */
	void (*on_rto)(struct tcp_conn *c);
	/* Every ACK, also during recovery (rate sampling for model-based CCs);
	 * may be NULL. */
	void (*on_ack)(struct tcp_conn *c, const struct tcp_ack_sample *s);
	/* The last recovery or timeout was spurious (tcp_undo.c, RFC 4015):
	 * cwnd and ssthresh are back to at least their values before it;
	 * restore what the controller keeps of its own.  prior: c->cc_priv
	 * as it was before ssthresh()/on_rto() of that episode.  May be NULL. */
	void (*undo)(struct tcp_conn *c, const void *prior);
};

extern const struct tcp_cc_ops tcp_cc_newreno;
extern const struct tcp_cc_ops tcp_cc_cubic;

/* By name; NULL or "" gives the default (CUBIC); unknown names give NULL. */
const struct tcp_cc_ops *tcp_cc_find(const char *name);

#endif
