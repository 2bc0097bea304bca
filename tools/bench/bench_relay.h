/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * bench_relay's shared state (bench_relay.c: set-up, applications, main;
 * bench_relay_run.c: the loop and the measurement modes).
 */
#ifndef BENCH_RELAY_H
#define BENCH_RELAY_H

#include <stdint.h>
#include "config/rb_config.h"
#include "dataplane/rb_lcore.h"

#define BR_REQ_LEN   100
#define BR_RESP_LEN  100

enum br_mode { BR_M_BULK, BR_M_CPS, BR_M_IDLE, BR_M_UP };

/* One of the two dataplanes: the generator and the relay under test. */
struct br_side {
	struct rb_dp dp;
	struct rb_config cfg;
	struct rb_lcore *lc;
};

/* -V: variants of the relay's settings, run alternately in this process
 * (-R rounds of each) so that their figures share the machine's state */
struct br_variant {
	char label[16];
	uint8_t zc, burst;      /* tcp_params zc_tx, rd_burst of the relay */
	uint8_t rx;             /* tcp_params rx_burst of the relay (output once per burst) */
	unsigned cache;         /* mbuf pool cache of both dataplanes */
	uint8_t ofl;            /* checksum offload model (-O) */
};

/* The applications' counts. */
struct br_stats {
	uint64_t started, done, failed, opened_idle, bytes, sent;
	uint64_t live;
};

/* ---- bench_relay.c ---- */
extern struct br_side br_gen, br_relay;
extern struct rte_ring *br_wire[4];   /* gen c->relay cli, back, gen s->relay srv, back */
extern int br_with_proxy;
extern int br_with_ss;                /* the inbound is shadowsocks (brs_set_method) */
extern unsigned br_pool_cache;        /* -C: per-lcore mbuf cache of both pools */
extern int br_nic_offload;            /* -O: the relay's ports model NICs with checksum offload */
extern struct br_variant br_vars[8];
extern unsigned br_n_vars, br_var_rounds;
extern const struct br_variant *br_cur_var;
extern struct br_stats br_st;

/* A fresh pair of dataplanes for one run (proxy: the relay runs the socks
 * or shadowsocks inbound; else a server on its own stack).  0, or -1 with
 * half-built state left behind. */
int br_setup(int proxy, enum br_mode md);
void br_teardown(void);
/* A failed run: the applications' counts and both sides' drops (stderr). */
void br_diag(const char *what);
/* One more client connection on the generator.  0, or -1. */
int br_cli_open(void);

/* ---- bench_relay_run.c ---- */
extern int br_direct_poll;            /* -p: idle also times proxy_lcore_poll once a ms */
double br_hz(void);
/* The modes: 0, -1 (a failed run), -2 (a failed set-up: stop). */
int br_run_bulk(int proxy, unsigned clients, uint64_t bytes, int up, double *med);
int br_run_cps(int proxy, uint64_t total, unsigned window);
int br_run_idle(int proxy, unsigned k);
int br_run_ss(const char *methods, int down, int up, unsigned clients, uint64_t bytes);
/* -V "label:zc=N:burst=N:rx=N:cache=N:ofl=N,..."; 0, or -1. */
int br_variant_parse(const char *spec);
int br_run_variants(unsigned clients, uint64_t bytes);

#endif
