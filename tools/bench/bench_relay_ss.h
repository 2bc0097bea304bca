/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * bench_relay's Shadowsocks client (bench_relay_ss.c): the load generator's
 * side of the `shadowsocks` inbound under test, on the project's codec
 * (dataplane/ss: SIP004 ss_enc/ss_dec, SIP022 through ss2022_compat.h),
 * and the codec alone timed in the relay's call shape, for the breakdown.
 */
#ifndef BENCH_RELAY_SS_H
#define BENCH_RELAY_SS_H

#include <stddef.h>
#include <stdint.h>

struct rb_aead_ctx;
struct tcp_conn;
struct brs_conn;

/* Pick the method under test (SIP004 or SIP022 name).  0 or -1 (unknown). */
int brs_set_method(const char *name);
/* The inbound's config text (libconfig) for the chosen method. */
int brs_inbound_cfg(char *out, size_t len, const char *tag, const char *listen, int port);

/* A client connection: the first plaintext (SOCKS5 address + request)
 * sealed into its send buffer (SIP022: salt, headers, padding).  NULL
 * without memory or on a codec error. */
struct brs_conn *brs_conn_new(struct rb_aead_ctx *ctx, const uint8_t *plain, size_t len);
void brs_conn_free(struct brs_conn *x);
/* Write what is sealed and not yet sent; with `bulk`, keep sealing and
 * writing zero plaintext (counted into *plain_sent) until the send buffer
 * is full (on_writable then calls again).  0 or -1 (codec error). */
int brs_push(struct rb_aead_ctx *ctx, struct brs_conn *x, struct tcp_conn *c, int bulk,
	     uint64_t *plain_sent);
/* Read and open everything readable; *plain += the plaintext bytes.  0,
 * or -1 when a chunk did not authenticate. */
int brs_read(struct rb_aead_ctx *ctx, struct brs_conn *x, struct tcp_conn *c, uint64_t *plain);

/* The codec alone on this thread, in the relay's call shape (ss_mbuf_seal
 * / ss_mbuf_open: up to 8 x 0x3FFF bytes of plaintext per call, already
 * keyed, no headers): the lowest cycles per plaintext byte of `rounds`
 * runs over `mb` MiB, each scaled by the share of it the thread was on a
 * CPU.  open = 0: seal (a download), 1: open (an upload). */
double brs_codec_cpb(struct rb_aead_ctx *ctx, int open, unsigned mb, int rounds);
/* ss_mbuf_seal / ss_mbuf_open themselves on chains of per_call segments
 * of seg bytes (what the relay hands them: one TCP segment's payload per
 * mbuf), keyed, no headers, measured as above (chain building untimed). */
double brs_chain_cpb(struct rb_aead_ctx *ctx, int open, uint32_t seg, unsigned per_call,
		     unsigned mb, int rounds);
/* memcpy of the same sizes (the relay gathers and scatters around each
 * call): cycles per byte, measured as above. */
double brs_copy_cpb(unsigned mb);

/* The breakdown lines of one ss bulk run (method name, open = 1 for
 * up): rdtsc and on-CPU medians, the copy figure, the socks relay's
 * on-CPU median of the same invocation (<= 0: none); timed here: the codec. */
void brs_report(const char *name, int open, double cpb, double oncpu, double copy, double socks);

#endif
