/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The per-lcore TCP stack: a socket-like API for protocol code running on a
 * worker lcore.  Every call takes or returns objects of the calling lcore
 * only; nothing here is thread-safe, nothing needs to be.
 *
 * Lifetime: a connection handed to the application (accept callback or
 * tcp_connect) stays valid until the application calls tcp_close() or
 * tcp_abort(), or until the stack calls on_closed() -- after on_closed
 * returns the connection is gone.  Callbacks run from tcp_input() and
 * tcp_lcore_poll(); inside them every call below may be used, including
 * tcp_close() on the connection itself.
 *
 * Data moves as mbuf chains: tcp_read() hands received mbufs out without a
 * copy, and tcp_write_mbuf() queues a chain without a copy, so a proxy can
 * splice two connections with tcp_read(a, tcp_send_space(b)) ->
 * tcp_write_mbuf(b, m).  Writes issued during one loop iteration are
 * coalesced and sent at the end of it (or at once with tcp_flush()).
 */
#ifndef TCP_H
#define TCP_H

#include <stdint.h>
#include <stddef.h>
#include <rte_mbuf.h>

struct rb_lcore;
struct tcp_conn;
struct tcp_listener;

struct tcp_callbacks {
	/* Active open finished: err 0, or -ECONNREFUSED / -ETIMEDOUT /
	 * -ECONNRESET (then on_closed follows). */
	void (*on_connected)(struct tcp_conn *c, int err);
	/* Data is readable, or the peer's FIN arrived (tcp_eof()). */
	void (*on_readable)(struct tcp_conn *c);
	/* Send space grew after tcp_write/tcp_write_mbuf could not take all. */
	void (*on_writable)(struct tcp_conn *c);
	/* The connection ended without tcp_close: err 0 (orderly, both FINs
	 * exchanged and acknowledged), -ECONNRESET, -ETIMEDOUT.  The
	 * connection is freed when this returns. */
	void (*on_closed)(struct tcp_conn *c, int err);
};

enum tcp_cookie_mode {
	TCP_COOKIES_DEFAULT = 0, /* the stack's (struct tcp_params cookies) */
	TCP_COOKIES_AUTO,       /* when the SYN queue passes the backlog */
	TCP_COOKIES_ALWAYS,
	TCP_COOKIES_NEVER,
};

struct tcp_listen_params {
	int family;             /* AF_INET, AF_INET6, or 0 for both */
	uint8_t addr[16];       /* all zero: any of our addresses */
	uint16_t port;          /* host order */
	/* A handshake completed: set callbacks and user data with
	 * tcp_set_callbacks() and return 0, or return < 0 to refuse (RST). */
	int (*on_accept)(struct tcp_conn *c, void *arg);
	void *arg;
	/* congestion control: "cubic", "newreno"; NULL or "" = the stack's
	 * (struct tcp_params cc) */
	const char *cc;
	uint8_t cookies;        /* enum tcp_cookie_mode; 0 = the stack's */
	uint32_t backlog;       /* SYN_RECEIVED connections before cookies; 0 = the stack's */
	/* Any destination address and port, whether ours or not, but only for
	 * segments passed to tcp_input_foreign() (a tunnel's terminated flows);
	 * addr and port are ignored and the normal lookup never sees it. */
	uint8_t foreign;
};

struct tcp_connect_params {
	int family;             /* AF_INET or AF_INET6 */
	uint8_t raddr[16];
	uint16_t rport;         /* host order */
	uint8_t laddr[16];      /* all zero: pick by route */
	uint16_t lport;         /* host order; 0 = pick one whose flow this lcore owns */
	const struct tcp_callbacks *cb;
	void *user;
	const char *cc;         /* NULL or "" = the stack's (struct tcp_params cc) */
};

enum tcp_state {
	TCPS_CLOSED = 0,
	TCPS_LISTEN,
	TCPS_SYN_SENT,
	TCPS_SYN_RECEIVED,
	TCPS_ESTABLISHED,
	TCPS_FIN_WAIT_1,
	TCPS_FIN_WAIT_2,
	TCPS_CLOSE_WAIT,
	TCPS_CLOSING,
	TCPS_LAST_ACK,
	TCPS_TIME_WAIT,
};

struct tcp_info {
	uint8_t state;
	uint8_t snd_wscale, rcv_wscale;
	uint8_t sack, timestamps;
	uint16_t mss;
	uint32_t srtt_us, rttvar_us, rto_us;
	uint32_t cwnd, ssthresh;       /* bytes */
	uint32_t snd_wnd, rcv_wnd;     /* bytes */
	uint32_t inflight;             /* bytes */
	uint64_t bytes_sent;           /* incl. retransmissions */
	uint64_t bytes_acked;
	uint64_t bytes_received;       /* in-order payload delivered */
	uint64_t segs_out, segs_in;
	uint32_t retransmits;          /* segments retransmitted */
	uint32_t rto_count;
	uint32_t fast_recoveries;
	const char *cc;
};

/* Stack-wide parameters of one lcore; change them before opening. */
struct tcp_params {
	uint32_t max_conns;            /* connections incl. SYN_RECEIVED and TIME_WAIT */
	uint32_t max_time_wait;        /* TIME_WAIT entries; beyond, closed at once */
	uint64_t mem_limit;            /* bytes queued in all send+receive buffers */
	/* Receive-window fair share: no window beyond the lcore's receive
	 * budget (mem_limit / 2 in payload) / rcv_fair_div / connections
	 * holding a window.  At least 2 (smaller is taken as 2): windows are
	 * never taken back, and below that idle connections' windows can
	 * leave a newcomer no room at all (test_tcp_stress fan-in). */
	uint32_t rcv_fair_div;
	uint32_t sndbuf, rcvbuf;       /* per connection */
	uint32_t backlog;              /* default SYN queue threshold for cookies */
	uint32_t rto_min_ms, rto_max_ms, rto_init_ms;
	uint32_t delack_ms;
	uint32_t tlp_wcdelack_ms;      /* RFC 8985 7.2 WCDelAckT: PTO allowance, 1 segment out */
	uint32_t tlp_slack_ms;         /* added to 2 SRTT when more is out (timer/host jitter) */
	uint32_t msl_ms;               /* TIME_WAIT lasts 2 MSL */
	uint32_t fin_wait2_ms;         /* orphaned FIN_WAIT_2 timeout */
	uint32_t syn_retries, retries; /* before giving up with -ETIMEDOUT */
	uint32_t keepalive_ms;         /* 0 = off */
	uint32_t keepalive_intvl_ms, keepalive_probes;
	uint16_t mss_default;          /* our MSS when the port MTU is unknown */
	uint8_t sack, timestamps, wscale; /* offer these options */
	/* PMTU black-hole detection (tcp_pmtu.c tcp_pmtu_blackhole, Linux's
	 * tcp_mtu_probing 1): 1 (the default) = the third RTO in a row of
	 * full-sized data on a synchronised connection halves its MSS, not
	 * below 1024 (IPv6 1220); 0 = off. */
	uint8_t mtu_probing;
	/* Zero-copy transmit where the port takes mbuf chains (tcp_output.c):
	 * 0 = off (a copy per segment); 2 (the default) = in place: a
	 * segment that starts a send-queue buffer nobody else references goes
	 * out as one indirect mbuf with its headers in that buffer's headroom
	 * (what tcp_splice queues: the relay's segments), and a TSO
	 * super-segment's pieces are referenced behind its header mbuf; 1 =
	 * also any other piece of 256 bytes or more in a plain segment (slower
	 * for MSS-sized segments of locally written data,
	 * dataplane/tcp/README.md "Measured"). */
	uint8_t zc_tx;
	/* 1 (the default): on_readable once per RX burst and connection, at
	 * the burst's end (tcp_rx_burst_begin/end around each burst in the
	 * worker loop), so that a relay splices and sends a burst in one pass;
	 * 0: once per segment.  ACKs go per segment either way. */
	uint8_t rd_burst;
	/* 1: never send super-segments, even where the port offers TCP
	 * segmentation offload (0, the default: up to 64 KiB per segment
	 * handed to such a port, tcp_output.c) */
	uint8_t no_tso;
	/* 1 (the default): the worker brackets each RX burst (tcp_rx_begin/
	 * tcp_rx_end), so deferred output and ACKs run once per burst instead
	 * of once per segment (a connection without SACK, or with a hole or
	 * in recovery, still per segment: tcp_conn_input); 0: per segment
	 * (dataplane/tcp/README.md "Measured", the bracket's loss rows) */
	uint8_t rx_burst;
	/* Congestion control of every listener and active open that names
	 * none (tcp_listen_params / tcp_connect_params cc NULL or ""):
	 * "cubic" (the default) or "newreno" (tcp_cc_find); taken at
	 * tcp_listen / tcp_connect time. */
	const char *cc;
	/* SYN cookie mode of listeners that leave theirs at
	 * TCP_COOKIES_DEFAULT: TCP_COOKIES_AUTO (the default), _ALWAYS or
	 * _NEVER; taken at tcp_listen time. */
	uint8_t cookies;
};

struct tcp_params *tcp_params(struct rb_lcore *lc);
/* dataplane.tcp from the config onto p: the keys it sets replace the
 * defaults (tcp_cfg.c; tcp_lcore_init applies lc->dp->cfg's before it
 * sizes anything or opens the diag listeners). */
struct rb_cfg_tcp;
void tcp_params_from_cfg(struct tcp_params *p, const struct rb_cfg_tcp *t);
/* The config's congestion control and SYN cookie mode by the index it
 * stores (config/rb_config.h RB_CFG_TCP_CC_NAMES, RB_CFG_TCP_COOKIE_NAMES):
 * a name for tcp_listen/connect_params cc, an enum tcp_cookie_mode; NULL
 * and TCP_COOKIES_DEFAULT for an index outside them (-1: not set). */
const char *tcp_cfg_cc_name(int idx);
uint8_t tcp_cfg_cookie_mode(int idx);

/* Around one RX burst of the worker (dataplane/worker.c): with the
 * rd_burst param, on_readable waits for tcp_rx_end; with rx_burst,
 * tcp_input's deferred work (output, ACKs) does too.  tcp_rx_begin
 * returns whether it opened the rx_burst bracket; pass that to
 * tcp_rx_end. */
int tcp_rx_begin(struct rb_lcore *lc);
void tcp_rx_end(struct rb_lcore *lc, int opened);

struct tcp_listener *tcp_listen(struct rb_lcore *lc, const struct tcp_listen_params *p, int *err);
void tcp_unlisten(struct tcp_listener *l);

/* Segments (data at the TCP header, l3_len and rb_meta l3 set, as for
 * tcp_input) whose destination need not be ours: existing connections by
 * 4-tuple as usual, anything else goes to l, a `foreign` listener.  The
 * caller must own the flows (all of one tunnel peer's on one lcore). */
uint16_t tcp_input_foreign(struct rb_lcore *lc, struct rte_mbuf **pkts, uint16_t n,
			   struct tcp_listener *l);

/* Returns the connection in SYN_SENT, or NULL with *err set (-EADDRNOTAVAIL
 * when no local port maps to this lcore, -ENOMEM, -ENETUNREACH). */
struct tcp_conn *tcp_connect(struct rb_lcore *lc, const struct tcp_connect_params *p, int *err);

void tcp_set_callbacks(struct tcp_conn *c, const struct tcp_callbacks *cb, void *user);
void *tcp_user(const struct tcp_conn *c);
struct rb_lcore *tcp_lcore(const struct tcp_conn *c);

/* Bytes readable now; tcp_eof() once the FIN arrived and all was read. */
uint32_t tcp_readable(const struct tcp_conn *c);
int tcp_eof(const struct tcp_conn *c);
/* Up to max bytes of in-order data as one mbuf chain (pkt_len <= max), or
 * NULL.  Opens the receive window as a side effect. */
struct rte_mbuf *tcp_read(struct tcp_conn *c, uint32_t max);
size_t tcp_read_copy(struct tcp_conn *c, void *buf, size_t len);

/* Send space now (0 when not writable or full). */
uint32_t tcp_send_space(const struct tcp_conn *c);
/* Copy up to len bytes; returns how many it took (0 when full). */
size_t tcp_write(struct tcp_conn *c, const void *buf, size_t len);
/* Queue the whole chain without a copy when send space > 0: returns 0 (m
 * taken), -EAGAIN (no space), -EPIPE (after shutdown/close or reset) or
 * -ENOBUFS (lcore memory limit); m is not taken on error. */
int tcp_write_mbuf(struct tcp_conn *c, struct rte_mbuf *m);
/* Move src's in-order data (as much as dst's send space takes) to dst's
 * send queue without a copy: tcp_read(src, tcp_send_space(dst)) and
 * tcp_write_mbuf(dst, m) in one step, for a relay that passes bytes on
 * unchanged (the buffers keep their payload checksums, so the segments
 * that send them on are summed over their headers only).  Both on the same
 * lcore.  Returns the bytes moved; when dst could not take all src had,
 * dst's on_writable follows once it has room. */
uint32_t tcp_splice(struct tcp_conn *src, struct tcp_conn *dst);
void tcp_flush(struct tcp_conn *c);
/* Half-close: FIN after the queued data (SHUT_WR). */
int tcp_shutdown(struct tcp_conn *c);
/* Release: FIN after queued data (RST if unread data is left). */
void tcp_close(struct tcp_conn *c);
/* Reset now and release. */
void tcp_abort(struct tcp_conn *c);

void tcp_get_info(const struct tcp_conn *c, struct tcp_info *info);
/* Addresses in network order, ports in host order. */
void tcp_get_addrs(const struct tcp_conn *c, int *family, uint8_t laddr[16], uint16_t *lport,
		   uint8_t raddr[16], uint16_t *rport);
const char *tcp_state_name(int state);

#endif
