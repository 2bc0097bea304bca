/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * bench_relay's Shadowsocks client and codec timing (bench_relay_ss.h).
 *
 * The client is what ss-local does, on ringbox's codec: the first write is
 * the sealed SOCKS5 address plus the request (SIP004 4.1 / SIP022 3.2: for
 * 2022 the salt, fixed and variable header chunks, padding, initial
 * payload), then the upload stream, if any; the download is opened as it
 * arrives.  Its cycles run on the generator's side of the bench and are
 * not timed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <rte_cycles.h>
#include <rte_mbuf.h>
#include <rte_random.h>

#include "bench_relay_ss.h"
#include "dataplane/ss/ss2022.h"
#include "dataplane/ss/ss2022_compat.h"
#include "dataplane/ss/ss_aead.h"
#include "dataplane/ss/ss_eih.h"
#include "dataplane/ss/ss_relay.h"
#include "dataplane/rb_dp.h"
#include "dataplane/tcp/tcp.h"

#define LIN      (8 * SS_MAX_PAYLOAD)          /* SS_LIN_MAX of ss_relay.h */
#define LIN_OUT  (LIN + 8 * SS_CHUNK_OVERHEAD + 2 * SS_MAX_SALT + 1024)
#define UP_PLAIN (2 * SS_MAX_PAYLOAD)          /* plaintext per upload seal */
#define OPEN_CAP (SS2022_MAX_PAYLOAD + 1)      /* >= any method's chunk payload */

static const struct ss_method *brs_m;
static char brs_pw[64];
static uint8_t brs_master[SS_MAX_KEY];
static uint8_t zeros[UP_PLAIN];
static uint8_t opened[OPEN_CAP];

struct brs_conn {
	struct ss_cipher enc, dec;
	uint32_t wpos, wlen;
	uint8_t wire[LIN_OUT];
};

int brs_set_method(const char *name)
{
	/* fixed test keys: bytes 0, 1, 2, ... as base64 for 2022 */
	static const char *const psk16 = "AAECAwQFBgcICQoLDA0ODw==";
	static const char *const psk32 = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";

	brs_m = ss_method_find(name);
	if (brs_m != NULL) {
		snprintf(brs_pw, sizeof(brs_pw), "bench-relay-password");
		return ss_master_key(brs_m, brs_pw, brs_master);
	}
	brs_m = ss2022_method_find(name);
	if (brs_m == NULL)
		return -1;
	snprintf(brs_pw, sizeof(brs_pw), "%s", brs_m->key_len == 16 ? psk16 : psk32);
	return ss2022_psk_decode(brs_m, brs_pw, brs_master);
}

int brs_inbound_cfg(char *out, size_t len, const char *tag, const char *listen, int port)
{
	int n = snprintf(out, len,
			 "{ type = \"shadowsocks\"; tag = \"%s\"; listen = \"%s\"; listen_port = %d;"
			 " network = \"tcp\"; method = \"%s\"; password = \"%s\"; }",
			 tag, listen, port, brs_m->name, brs_pw);

	return n > 0 && (size_t)n < len ? 0 : -1;
}

struct brs_conn *brs_conn_new(struct rb_aead_ctx *ctx, const uint8_t *plain, size_t len)
{
	struct brs_conn *x = aligned_alloc(64, sizeof(*x));
	uint8_t salt[SS_MAX_SALT];
	long n;
	int rc;

	if (x == NULL)
		return NULL;
	memset(x, 0, offsetof(struct brs_conn, wire));
	for (unsigned i = 0; i < sizeof(salt); i++)
		salt[i] = (uint8_t)rte_rand();
	if (ss22c_is_2022(brs_m)) {
		struct ss22_keys k;

		rc = ss22_keys_decode_tcp(&k, brs_m, brs_pw);
		if (rc == 0)
			rc = ss22c_client(&x->enc, &x->dec, &k, salt, 16, NULL);
		ss22_keys_free(&k);
	} else {
		rc = ss_enc_init(&x->enc, brs_m, brs_master, salt);
		ss_dec_init(&x->dec, brs_m, brs_master);
	}
	n = rc == 0 ? ss_enc(ctx, &x->enc, plain, len, x->wire) : -1;
	if (n < 0) {
		brs_conn_free(x);
		return NULL;
	}
	x->wlen = (uint32_t)n;
	return x;
}

void brs_conn_free(struct brs_conn *x)
{
	if (x == NULL)
		return;
	ss_cipher_wipe(&x->enc);
	ss_cipher_wipe(&x->dec);
	free(x);
}

int brs_push(struct rb_aead_ctx *ctx, struct brs_conn *x, struct tcp_conn *c, int bulk,
	     uint64_t *plain_sent)
{
	for (;;) {
		if (x->wpos == x->wlen) {
			long n;

			if (!bulk)
				return 0;
			n = ss_enc(ctx, &x->enc, zeros, sizeof(zeros), x->wire);
			if (n < 0)
				return -1;
			x->wpos = 0;
			x->wlen = (uint32_t)n;
			*plain_sent += sizeof(zeros);
		}
		x->wpos += (uint32_t)tcp_write(c, x->wire + x->wpos, x->wlen - x->wpos);
		if (x->wpos < x->wlen)
			return 0; /* full: on_writable comes back */
	}
}

int brs_read(struct rb_aead_ctx *ctx, struct brs_conn *x, struct tcp_conn *c, uint64_t *plain)
{
	struct rte_mbuf *m;

	while ((m = tcp_read(c, UINT32_MAX)) != NULL) {
		for (struct rte_mbuf *s = m; s != NULL; s = s->next) {
			const uint8_t *p = rte_pktmbuf_mtod(s, const uint8_t *);
			size_t len = s->data_len;

			while (len) {
				size_t used = 0, prod = 0;

				if (ss_dec(ctx, &x->dec, p, len, &used, opened, sizeof(opened),
					   &prod) != SS_OK) {
					rte_pktmbuf_free(m);
					return -1;
				}
				*plain += prod;
				p += used;
				len -= used;
			}
		}
		rte_pktmbuf_free(m);
	}
	return 0;
}

static int cmp_double(const void *a, const void *b)
{
	double u = *(const double *)a, v = *(const double *)b;

	return (u > v) - (u < v);
}

static double lowest(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_double);
	return v[0];
}

static double thread_cpu_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* cycles of a timed stretch, scaled by the share of it this thread was on
 * a CPU (a shared machine preempts it; rdtsc keeps counting) */
static double oncpu_cycles(uint64_t t0, uint64_t t1, double cpu0, double cpu1)
{
	double wall = (double)(t1 - t0) / (double)rte_get_tsc_hz();

	return (double)(t1 - t0) * (wall > 0 && cpu1 - cpu0 < wall ? (cpu1 - cpu0) / wall : 1.0);
}

double brs_codec_cpb(struct rb_aead_ctx *ctx, int open, unsigned mb, int rounds)
{
	static struct ss_cipher e, d;
	static uint8_t pend[SS2022_MAX_PAYLOAD + SS_TAG_LEN];
	size_t calls = ((size_t)mb << 20) / LIN, clen = 0;
	uint8_t *pt = calloc(1, LIN), *ct = malloc(calls * LIN_OUT), *out = malloc(LIN_OUT);
	uint8_t subkey[SS_MAX_KEY] = {7};
	double cpb[16];
	int r;

	if (pt == NULL || ct == NULL || out == NULL || calls == 0 || rounds > 16) {
		free(pt), free(ct), free(out);
		return -1;
	}
	/* the stream after its headers: keyed, nonce 0 (same for SIP004 and 2022) */
	for (r = 0; r < rounds; r++) {
		uint64_t t0, t1;
		double c0, c1;
		size_t done = 0;

		ss_cipher_init_keyed(&e, brs_m, subkey, 0, NULL);
		ss_cipher_init_keyed(&d, brs_m, subkey, 0, pend);
		clen = 0;
		c0 = thread_cpu_s();
		t0 = rte_rdtsc();
		for (size_t i = 0; i < calls; i++) {
			long n = ss_enc(ctx, &e, pt, LIN, ct + clen);

			if (n < 0)
				goto fail;
			clen += (size_t)n;
		}
		t1 = rte_rdtsc();
		c1 = thread_cpu_s();
		if (open) {
			/* the relay feeds up to LIN bytes of the chain per call */
			c0 = thread_cpu_s();
			t0 = rte_rdtsc();
			while (done < clen) {
				size_t in = clen - done < LIN ? clen - done : LIN, at = 0;

				while (at < in) {
					size_t used = 0, prod = 0;

					if (ss_dec(ctx, &d, ct + done + at, in - at, &used, out, LIN_OUT,
						   &prod) != SS_OK)
						goto fail;
					at += used;
				}
				done += in;
			}
			t1 = rte_rdtsc();
			c1 = thread_cpu_s();
		}
		cpb[r] = oncpu_cycles(t0, t1, c0, c1) / (double)(calls * LIN);
		ss_cipher_wipe(&e);
		ss_cipher_wipe(&d);
	}
	free(pt), free(ct), free(out);
	return lowest(cpb, rounds);
fail:
	ss_cipher_wipe(&e);
	ss_cipher_wipe(&d);
	free(pt), free(ct), free(out);
	return -1;
}

double brs_copy_cpb(unsigned mb)
{
	uint8_t *a = calloc(1, LIN), *b = malloc(LIN);
	size_t calls = ((size_t)mb << 20) / LIN;
	double cpb[7];

	if (a == NULL || b == NULL || calls == 0) {
		free(a), free(b);
		return -1;
	}
	for (int r = 0; r < 7; r++) {
		double c0 = thread_cpu_s();
		uint64_t t0 = rte_rdtsc();

		for (size_t i = 0; i < calls; i++) {
			memcpy(b, a, LIN);
			__asm__ volatile("" : : "r"(b) : "memory");
		}
		cpb[r] = oncpu_cycles(t0, rte_rdtsc(), c0, thread_cpu_s()) / (double)(calls * LIN);
	}
	free(a), free(b);
	return lowest(cpb, 7);
}

/* A chain of n segments of seg bytes each, from src (NULL: left as is). */
static struct rte_mbuf *chain_of(struct rte_mempool *mp, const uint8_t *src, uint32_t seg,
				 unsigned n)
{
	struct rte_mbuf *head = NULL, *tail = NULL;

	for (unsigned i = 0; i < n; i++) {
		struct rte_mbuf *m = rte_pktmbuf_alloc(mp);

		if (m == NULL || rte_pktmbuf_append(m, (uint16_t)seg) == NULL) {
			rte_pktmbuf_free(m);
			rte_pktmbuf_free(head);
			return NULL;
		}
		if (src != NULL)
			memcpy(rte_pktmbuf_mtod(m, uint8_t *), src + (size_t)i * seg, seg);
		if (tail) {
			tail->next = m;
			head->nb_segs++;
			head->pkt_len += seg;
		} else {
			head = m;
		}
		tail = m;
	}
	return head;
}

#define CHAIN_CALLS 64 /* chains built (untimed) per timed stretch */

double brs_chain_cpb(struct rb_aead_ctx *ctx, int open, uint32_t seg, unsigned per_call,
		     unsigned mb, int rounds)
{
	static struct rte_mempool *mp;
	static struct ss_cipher e, d;
	static uint8_t pend[SS2022_MAX_PAYLOAD + SS_TAG_LEN];
	static struct rte_mbuf *in[CHAIN_CALLS];
	size_t call_bytes = (size_t)seg * per_call, stretch = call_bytes * CHAIN_CALLS;
	size_t stretches = ((size_t)mb << 20) / stretch + 1;
	struct ss_lcore *sl = aligned_alloc(64, (sizeof(struct ss_lcore) + 63) & ~(size_t)63);
	uint8_t *pt = calloc(1, stretch), *ct = malloc(stretch * 2 + 4096);
	uint8_t subkey[SS_MAX_KEY] = {7};
	struct rb_dp dp;
	struct rb_lcore lc;
	double cpb[16], best;
	int r;

	if (mp == NULL)
		mp = rte_pktmbuf_pool_create("brs_chain", 8191, 256, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
					     SOCKET_ID_ANY);
	if (mp == NULL || sl == NULL || pt == NULL || ct == NULL || rounds > 16 ||
	    per_call * CHAIN_CALLS * 2 > 7000) {
		free(sl), free(pt), free(ct);
		return -1;
	}
	memset(sl, 0, sizeof(*sl));
	memset(&dp, 0, sizeof(dp));
	memset(&lc, 0, sizeof(lc));
	dp.pool = mp;
	lc.dp = &dp;
	lc.aead = ctx;
	for (r = 0; r < rounds; r++) {
		double cpu = 0, cyc = 0;

		ss_cipher_init_keyed(&e, brs_m, subkey, 0, NULL);
		ss_cipher_init_keyed(&d, brs_m, subkey, 0, pend);
		for (size_t st = 0; st < stretches; st++) {
			size_t clen = 0;
			uint64_t t0;
			double c0;
			int err;

			if (open) {
				/* the peer's stream cut into seg-byte segments as TCP delivers it */
				long n = ss_enc(ctx, &e, pt, stretch, ct);

				if (n < 0)
					goto fail;
				clen = (size_t)n;
			}
			for (unsigned i = 0; i < CHAIN_CALLS; i++) {
				size_t at = (size_t)i * call_bytes;
				uint32_t nseg = per_call;

				if (open && i == CHAIN_CALLS - 1) /* the rest, chunk overhead */
					nseg = (uint32_t)((clen - at + seg - 1) / seg);
				in[i] = chain_of(mp, open ? ct + at : NULL, seg, nseg);
				if (in[i] == NULL)
					goto fail;
				if (open && i == CHAIN_CALLS - 1)
					rte_pktmbuf_trim(rte_pktmbuf_lastseg(in[i]),
							 (uint16_t)(at + (size_t)nseg * seg - clen));
				if (open && i == CHAIN_CALLS - 1)
					in[i]->pkt_len = (uint32_t)(clen - at);
			}
			c0 = thread_cpu_s();
			t0 = rte_rdtsc();
			for (unsigned i = 0; i < CHAIN_CALLS; i++) {
				in[i] = open ? ss_mbuf_open(&lc, sl, &d, in[i], &err)
					     : ss_mbuf_seal(&lc, sl, &e, in[i], &err);
				if (err != 0)
					goto fail;
			}
			cyc += oncpu_cycles(t0, rte_rdtsc(), c0, thread_cpu_s());
			cpu += 1;
			for (unsigned i = 0; i < CHAIN_CALLS; i++) {
				rte_pktmbuf_free(in[i]);
				in[i] = NULL;
			}
		}
		cpb[r] = cyc / (double)(stretches * stretch);
		ss_cipher_wipe(&e);
		ss_cipher_wipe(&d);
	}
	best = lowest(cpb, rounds);
	free(sl), free(pt), free(ct);
	return best;
fail:
	for (unsigned i = 0; i < CHAIN_CALLS; i++) {
		rte_pktmbuf_free(in[i]);
		in[i] = NULL;
	}
	ss_cipher_wipe(&e);
	ss_cipher_wipe(&d);
	free(sl), free(pt), free(ct);
	return -1;
}

void brs_report(const char *name, int open, double cpb, double oncpu, double copy, double socks)
{
	/* the codec on a fresh AEAD context (the relay's is torn down);
	 * BRS_NO_BREAKDOWN set: none (a profile of the relay alone) */
	struct rb_aead_ctx *ctx =
		getenv("BRS_NO_BREAKDOWN") ? NULL : rb_aead_ctx_create(RB_AEAD_BACKEND_AUTO);
	double codec = ctx ? brs_codec_cpb(ctx, open, 32, 7) : -1;

	double ch1 = ctx ? brs_chain_cpb(ctx, open, 1448, 1, 16, 5) : -1;
	double ch16 = ctx ? brs_chain_cpb(ctx, open, 1448, 16, 16, 5) : -1;

	rb_aead_ctx_free(ctx);
	printf("  %s of mbuf chains (%s, 1448-byte segments, what the relay calls): 1 segment a "
	       "call %.3f c/B, 16 a call %.3f c/B\n",
	       open ? "open" : "seal", open ? "ss_mbuf_open" : "ss_mbuf_seal", ch1, ch16);
	printf("  %s breakdown of the on-CPU median (c/B): codec alone %.3f (%s, 8 x 0x3FFF-byte "
	       "calls), 2 copies %.3f, the rest (TCP in and out, relay, mbufs) %.3f",
	       open ? "open" : "seal", codec, open ? "ss_dec" : "ss_enc", 2 * copy,
	       oncpu - codec - 2 * copy);
	if (socks > 0)
		printf("; the socks relay of this run (on-CPU median) %.3f", socks);
	printf("\n");
	printf("RESULT ss_%s_%s_cpb %.3f oncpu %.3f codec %.3f copy %.3f chain1 %.3f chain16 %.3f\n",
	       open ? "up" : "bulk", name, cpb, oncpu, codec, 2 * copy, ch1, ch16);
}
