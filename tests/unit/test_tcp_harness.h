/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * In-process network for the TCP/UDP unit tests: N hosts, each a struct
 * rb_lcore with its own struct rb_dp, joined by a simulated wire with
 * delay, loss, duplication and reordering.  The harness provides the IP
 * layer the stacks call (rb_ip4_output, rb_ip6_output, rb_flow_owner4/6,
 * rb_icmp4_error/6, FIB lookups, source selection); time is simulated
 * (tsc_hz = 1e9, lc->now advanced by the harness).
 */
#ifndef TEST_TCP_HARNESS_H
#define TEST_TCP_HARNESS_H

#include <stdint.h>
#include <stdbool.h>
#include <rte_mbuf.h>
#include "dataplane/rb_lcore.h"
#include "dataplane/tcp/tcp.h"
#include "dataplane/udp/udp.h"

#define TH_MAX_HOSTS 4
#define TH_WIRE_MAX  65536

struct th_host {
	struct rb_lcore lc;
	struct rb_dp dp;
	struct rb_lcore_stats stats;
	struct rb_config cfg;
	uint8_t addr4[4];
	uint8_t addr6[16];
	bool blackhole_rx;     /* drop everything addressed to this host */
	bool blackhole_tx;     /* drop everything this host sends */
	bool capture;          /* queue this host's output in th.captured instead */
};

/* A packet on the wire, data at the IP header. */
struct th_pkt {
	struct rte_mbuf *m;
	uint64_t at;           /* delivery time (ns) */
	uint64_t seq;          /* send order, for stable ordering */
};

/* Return true to drop a packet (data at its IP header) sent by host `from`. */
typedef bool (*th_filter_fn)(int from, struct rte_mbuf *m, void *arg);

struct th_net {
	struct rte_mempool *pool;
	int n_hosts;
	struct th_host h[TH_MAX_HOSTS];
	uint64_t now;          /* ns */
	uint64_t delay_ns;     /* one-way */
	uint32_t loss_ppm, dup_ppm, reorder_ppm;
	uint64_t reorder_ns;   /* extra delay of a reordered packet */
	uint64_t rate_bps;     /* 0 = infinite; else serialisation delay */
	uint64_t link_free_at;
	uint64_t rng;
	th_filter_fn filter;
	void *filter_arg;
	uint64_t sent, lost, dups, delivered, pkt_seq;
	uint64_t oversize;     /* packets longer than the sender's port MTU (dropped) */
	/* wire (a binary heap by (at, seq)) */
	struct th_pkt wire[TH_WIRE_MAX];
	int n_wire;
	/* captured output of hosts in capture mode */
	struct rte_mbuf *captured[1024];
	int n_captured;
	/* ICMP errors the stacks asked for */
	int icmp_errors;
	uint8_t icmp_type, icmp_code;
	/* a fake worker count for flow ownership (1 = everything owned) */
	unsigned n_workers;
	/* bench_tcp: TSC cycles spent in the simulated wire and IP layer
	 * (rb_ip4/6_output, the heap, delivery), counted when wire_timing */
	bool wire_timing;
	uint64_t wire_cycles;
	/* The port model (th_port_model): when nic is set, every host's port
	 * offers port_tx_offloads (RTE_ETH_TX_OFFLOAD_*) and, with rx_cksum,
	 * RX checksum offload, and a packet is handled at delivery as two
	 * NICs would: the sender's completes an offloaded TCP/UDP checksum
	 * from the pseudo-header sum the stack left in the field, the frame
	 * is copied into a fresh single mbuf (DMA; the sent chain is freed:
	 * TX completion), corrupt_ppm flips one L4 byte of the copy, and the
	 * receiver's verifies the L4 checksum and flags it RX_L4_CKSUM_GOOD /
	 * _BAD.  Chains to a port without MULTI_SEGS are linearised (as
	 * dataplane/net/tx.c does) and counted; an offload flag the port does
	 * not offer is counted (nic_bad_flags) and the checksum left as is.
	 * TSC cycles of this work go to nic_cycles (wire_timing). */
	bool nic, rx_cksum;
	uint64_t port_tx_offloads;
	uint32_t corrupt_ppm;
	uint64_t corrupted, rx_cksum_bad, tx_linearized, tx_chains, nic_bad_flags;
	uint64_t nic_cycles;
	/* TSO (RTE_ETH_TX_OFFLOAD_TCP_TSO in port_tx_offloads): super-segments
	 * the senders' NICs cut (net/tso.c) and the wire segments they made;
	 * one sent to a port without TSO is counted in nic_bad_flags and lost;
	 * tso_zc: super-segments with payload referenced in the send queue
	 * (an indirect mbuf in the chain: zero copy) */
	uint64_t tso_frames, tso_pieces, tso_zc;
	/* port_seg_max > 0 (set before th_port_model): the ports take frames,
	 * super-segments too, of at most this many mbufs (a PMD's
	 * tx_desc_lim.nb_seg_max); a longer chain is refused and lost,
	 * counted in tx_seg_over.  tx_seg_most: the longest chain seen. */
	uint16_t port_seg_max;
	uint64_t tx_seg_over, tx_seg_most;
	/* > 1: TCP segments reaching a host within one step (100 us) go to
	 * tcp_input in bursts of up to this many (at most 32), so that ACKs
	 * and output run once per burst; 0/1: one at a time (as ip4/ip6 do) */
	unsigned rx_burst;
};

extern struct th_net th;

/* bench_tcp's timed sections: an interval longer than this many TSC
 * cycles (0.4 ms at 2.5 GHz; a section's own work is well below) had the
 * thread preempted and is left out rather than counted. */
#define TH_SECTION_MAX 1000000u
static inline void th_section_add(uint64_t *acc, uint64_t dt)
{
	if (dt < TH_SECTION_MAX)
		*acc += dt;
}

int th_eal_init(void);
/* tests/unit/th_cunit.c (test binaries only, not bench_tcp or fuzz_tcp):
 * th_cunit_begin() before CU_add_suite (0, or -1 to exit 1), then return
 * th_cunit_end(): runs every suite (or TH_TEST=<name> alone), 1 on a
 * failure. */
int th_cunit_begin(void);
int th_cunit_end(void);
/* Fresh network of n hosts (10.0.0.1.., fd00::1..); host i gets the diag
 * services when diag is true. */
void th_setup(int n, bool diag);
/* Tear down; returns the number of mbufs still in use (leaks). */
int th_teardown(void);
/* The port model above: offloads offered by every host's port (after
 * th_setup). */
void th_port_model(uint64_t tx_offloads, bool rx_cksum);
/* Advance simulated time by ns, delivering packets and polling timers. */
void th_run(uint64_t ns);
/* Run until cond(arg) or ns elapsed; returns cond's last value. */
bool th_run_until(bool (*cond)(void *), void *arg, uint64_t ns);
uint64_t th_counter_drop(int host, enum rb_drop d);
uint64_t th_counter_ev(int host, enum rb_event e);
/* Put m (data at the IP header) on the wire, to the host its destination
 * address names, one delay from now: what a router answers with (ICMP
 * errors go to TCP as dataplane/net/icmp.c hands them on). */
void th_inject(struct rte_mbuf *m);
/* Deliver m (data at the IP header) to host i now. */
void th_deliver(int host, struct rte_mbuf *m);
/* Build a TCP segment from (src, sport) to host `to`, IPv4. */
struct rte_mbuf *th_tcp_seg(int to, const uint8_t src[4], uint16_t sport, uint16_t dport,
			    uint32_t seq, uint32_t ack, uint8_t flags, uint16_t win,
			    const uint8_t *opts, unsigned optlen, const void *data, unsigned len);
/* Parse a captured IPv4 TCP segment. */
struct th_tcp_view {
	uint32_t seq, ack;
	uint8_t flags;
	uint16_t win, sport, dport;
	uint32_t len;
	const uint8_t *opts;
	unsigned optlen;
};
bool th_tcp_parse(struct rte_mbuf *m, struct th_tcp_view *v);
void th_captured_free(void);
uint64_t th_rand(void);

#endif
