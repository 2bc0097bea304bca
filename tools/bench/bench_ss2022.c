/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * bench_ss2022: the Shadowsocks 2022 codecs outside the dataplane, one
 * core, in memory, with SIP004 aes-128-gcm in the same run as reference.
 *
 *   bench_ss2022 [seconds]
 *     tcp: seal + open of 1 MiB per call (ss22_enc / ss22_dec after the
 *          headers; ss_enc / ss_dec for SIP004): cycles/byte, GB/s.
 *     udp: bursts of 32 packets of 1400 bytes, client seal + server open
 *          (separate header, AEAD, window): cycles/packet, Mpps.
 *     udp-sess: the dataplane's per-packet path (ss_udp22_sess.c, one
 *          packet a call): client seal -> inbound table open (session
 *          lookup, window) -> reply seal -> client open (server session,
 *          window); cycles per round trip of two 1400-byte packets.
 *     udp-own: what a worker spends to find a 2022 packet's owner
 *          (ss22_usrv_peek_sid + ss22_usess_owner) against the owner's
 *          ss22_usrv_open of the same 1400-byte packet, and (AES) a relay
 *          inbound's rewrite (ss_eih_udp_relay) against the destination's
 *          open of the rewritten packet: cycles/packet and their ratio,
 *          measured in the same loop.
 * Informational: no pass/fail.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <x86intrin.h>

#include "dataplane/ss/ss2022_udp.h"
#include "dataplane/ss/ss_udp22_sess.h"
#include <openssl/evp.h>

#define NOW 1700000000ull

static struct rb_aead_ctx *ctx;

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void report(const char *what, double bytes, double units, unsigned long long cyc,
		   double secs, const char *unit)
{
	printf("%-34s %8.3f cyc/byte %10.0f cyc/%s %6.2f GB/s\n", what, (double)cyc / bytes,
	       (double)cyc / units, unit, bytes / secs / 1e9);
}

static void bench_tcp_sip004(double secs, uint8_t *pt, uint8_t *ct, uint8_t *out, size_t len)
{
	static struct ss_cipher e, d;
	const struct ss_method *m = ss_method_find("aes-128-gcm");
	uint8_t master[32] = {1}, salt[32] = {2};
	unsigned long long c0, cyc = 0;
	double t0 = now_s(), bytes = 0, t;

	ss_enc_init(&e, m, master, salt);
	ss_dec_init(&d, m, master);
	while ((t = now_s()) - t0 < secs) {
		size_t used, prod;
		long n;

		c0 = __rdtsc();
		n = ss_enc(ctx, &e, pt, len, ct);
		if (n < 0 || ss_dec(ctx, &d, ct, (size_t)n, &used, out, len + 0x4000, &prod) != 0 ||
		    prod != len)
			abort();
		cyc += __rdtsc() - c0;
		bytes += (double)len;
	}
	report("tcp aes-128-gcm (SIP004)", bytes, bytes / (double)len, cyc, now_s() - t0, "MiB");
}

static void bench_tcp(const char *name, double secs, uint8_t *pt, uint8_t *ct, uint8_t *out,
		      size_t len)
{
	static struct ss22_enc e;
	static struct ss22_dec d;
	static const uint8_t addr[] = {1, 10, 0, 0, 1, 0, 80};
	const struct ss_method *m = ss2022_method_find(name);
	uint8_t psk[32] = {3}, salt[32] = {4};
	struct ss22_keys k;
	unsigned long long c0, cyc = 0;
	double t0, bytes = 0, t;
	size_t used, prod;
	long n;

	if (ss22_keys_init(&k, m, psk, 1) != 0 ||
	    ss22_enc_client_init(&e, &k, salt, addr, sizeof(addr), 100) != 0 ||
	    ss22_dec_server_init(&d, m, psk, NULL, NULL) != 0)
		abort();
	n = ss22_enc(ctx, &e, NOW, NULL, 0, ct); /* headers out of the way */
	if (n <= 0 || ss22_dec(ctx, &d, NOW, ct, (size_t)n, &used, out, len, &prod) != 0)
		abort();
	t0 = now_s();
	while ((t = now_s()) - t0 < secs) {
		c0 = __rdtsc();
		n = ss22_enc(ctx, &e, NOW, pt, len, ct);
		if (n < 0 ||
		    ss22_dec(ctx, &d, NOW, ct, (size_t)n, &used, out, len + 0x10000, &prod) != 0 ||
		    prod != len)
			abort();
		cyc += __rdtsc() - c0;
		bytes += (double)len;
	}
	{
		char label[64];

		snprintf(label, sizeof(label), "tcp %s", name);
		report(label, bytes, bytes / (double)len, cyc, now_s() - t0, "MiB");
	}
	ss22_keys_free(&k);
}

static void bench_udp(const char *name, double secs)
{
	static uint8_t pkt[SS22_UDP_BURST][1600], pay[1400], xn[24];
	static const uint8_t addr[] = {1, 10, 0, 0, 1, 0, 53}, sid[8] = {1, 2, 3};
	static struct rb_aead_batch b;
	static struct ss22_udp_client c;
	static struct ss22_udp_rx rx;
	const struct ss_method *m = ss2022_method_find(name);
	struct ss22_udp_out o[SS22_UDP_BURST];
	struct ss22_udp_in in[SS22_UDP_BURST];
	struct ss22_udp cu, su;
	struct ss22_keys k;
	uint8_t psk[32] = {5};
	unsigned long long c0, cyc = 0;
	double t0, pkts = 0, t;
	int cha = m->alg == RB_AEAD_CHACHA20_POLY1305;

	if (ss22_keys_init(&k, m, psk, 1) != 0 || ss22_udp_client_init(&cu, &k) != 0 ||
	    ss22_udp_server_init(&su, m, psk, NULL) != 0 ||
	    ss22_udp_client_session(&c, &k, sid) != 0 || ss22_udp_rx_init(&rx, m, psk, sid) != 0)
		abort();
	memset(o, 0, sizeof(o));
	for (int i = 0; i < SS22_UDP_BURST; i++) {
		o[i].tx = &c.tx;
		o[i].addr = addr;
		o[i].alen = sizeof(addr);
		o[i].payload = pay;
		o[i].len = sizeof(pay);
		o[i].xnonce = xn;
		o[i].out = pkt[i];
	}
	t0 = now_s();
	while ((t = now_s()) - t0 < secs) {
		c0 = __rdtsc();
		if (ss22_udp_seal(ctx, &cu, &b, o, SS22_UDP_BURST, NOW) != 0)
			abort();
		for (int i = 0; i < SS22_UDP_BURST; i++) {
			in[i].pkt = pkt[i];
			in[i].len = (uint32_t)o[i].out_len;
		}
		ss22_udp_open_hdr(&su, in, SS22_UDP_BURST);
		for (int i = 0; i < SS22_UDP_BURST && !cha; i++)
			in[i].rx = &rx;
		if (ss22_udp_open_body(ctx, &su, &b, in, SS22_UDP_BURST, NOW) != 0)
			abort();
		for (int i = 0; i < SS22_UDP_BURST; i++)
			if (ss22_udp_accept(&rx, &in[i], NOW) != 0)
				abort();
		cyc += __rdtsc() - c0;
		pkts += SS22_UDP_BURST;
	}
	t = now_s() - t0;
	printf("udp %-30s %8.3f cyc/byte %10.0f cyc/pkt %6.2f Mpps (1400 B)\n", name,
	       (double)cyc / (pkts * 1400), (double)cyc / pkts, pkts / t / 1e6);
	ss22_udp_free(&cu);
	ss22_udp_free(&su);
	ss22_keys_free(&k);
}

static void bench_udp_sess(const char *name, double secs)
{
	static uint8_t pkt[1600], pay[1400], xn[24], rnd[8] = {9};
	static const uint8_t addr[] = {1, 10, 0, 0, 1, 0, 53}, sid[8] = {1, 2, 3};
	static struct ss22_usrv t;
	static struct ss22_ucli c;
	const struct ss_method *m = ss2022_method_find(name);
	struct ss22_udp_in in;
	struct ss22_usess *s;
	uint8_t psk[32] = {5};
	char text[64];
	unsigned long long c0, cyc = 0;
	double t0, rts = 0, tt;
	int n;

	EVP_EncodeBlock((unsigned char *)text, psk, (int)m->key_len);
	if (ss22_usrv_init(&t, m, psk, NULL, 1024, 7) != 0 || ss22_ucli_init(&c, m, text, sid) != 0)
		abort();
	t0 = now_s();
	while ((tt = now_s()) - t0 < secs) {
		c0 = __rdtsc();
		n = ss22_ucli_seal(ctx, &c, addr, sizeof(addr), 0, pay, sizeof(pay), xn, pkt, NOW);
		if (n <= 0 || ss22_usrv_open(ctx, &t, pkt, (uint32_t)n, NOW, rnd, &in, &s) != 0)
			abort();
		n = ss22_usrv_seal(ctx, &t, s, addr, sizeof(addr), 0, pay, sizeof(pay), xn, pkt, NOW);
		if (n <= 0 || ss22_ucli_open(ctx, &c, pkt, (uint32_t)n, NOW, &in) != 0)
			abort();
		cyc += __rdtsc() - c0;
		rts++;
	}
	tt = now_s() - t0;
	printf("udp-sess %-25s %8.3f cyc/byte %10.0f cyc/pkt %6.2f Mpps (1400 B, 1 a call)\n", name,
	       (double)cyc / (rts * 2 * 1400), (double)cyc / (rts * 2), rts * 2 / tt / 1e6);
	ss22_ucli_free(&c);
	ss22_usrv_free(&t);
}

static volatile unsigned sink; /* keeps the owner computation */

static void bench_udp_own(const char *name, double secs)
{
	static uint8_t pkt[1700], work[1700], pay[1400], xn[24], rnd[8] = {9};
	static const uint8_t addr[] = {1, 10, 0, 0, 1, 0, 53}, sid[8] = {1, 2, 3}, sid2[8] = {4};
	static struct ss22_usrv t;
	static struct ss22_ucli c, cr;
	static struct ss_eih_users relay;
	const struct ss_method *m = ss2022_method_find(name);
	int aes = m->alg != RB_AEAD_CHACHA20_POLY1305;
	struct ss22_udp_in in;
	struct ss22_usess *s;
	uint8_t psk[32] = {5}, rpsk[32] = {6}, got[8];
	char text[64], chain[128];
	unsigned long long c0, c_peek = 0, c_open = 0, c_rw = 0, c_ropen = 0;
	unsigned owner = 0;
	double t0, pkts = 0, rpkts = 0;
	int n;

	EVP_EncodeBlock((unsigned char *)text, psk, (int)m->key_len);
	EVP_EncodeBlock((unsigned char *)chain, rpsk, (int)m->key_len);
	strcat(chain, ":");
	strcat(chain, text);
	if (ss22_usrv_init(&t, m, psk, NULL, 1024, 7) != 0 || ss22_ucli_init(&c, m, text, sid) != 0)
		abort();
	if (aes && (ss_eih_users_init(&relay, m, rpsk) != 0 ||
		    ss_eih_users_add(&relay, psk, 1) != 0 || ss22_ucli_init(&cr, m, chain, sid2) != 0))
		abort();
	t0 = now_s();
	while (now_s() - t0 < secs) {
		n = ss22_ucli_seal(ctx, &c, addr, sizeof(addr), 0, pay, sizeof(pay), xn, pkt, NOW);
		if (n <= 0)
			abort();
		memcpy(work, pkt, (size_t)n);
		c0 = __rdtsc();
		if (ss22_usrv_peek_sid(&t, work, (uint32_t)n, got) != 0)
			abort();
		owner += ss22_usess_owner(got, 2);
		c_peek += __rdtsc() - c0;
		c0 = __rdtsc();
		if (ss22_usrv_open(ctx, &t, work, (uint32_t)n, NOW, rnd, &in, &s) != 0)
			abort();
		c_open += __rdtsc() - c0;
		pkts++;
		if (!aes)
			continue;
		n = ss22_ucli_seal(ctx, &cr, addr, sizeof(addr), 0, pay, sizeof(pay), xn, pkt, NOW);
		if (n <= 0)
			abort();
		c0 = __rdtsc();
		if (ss_eih_udp_relay(&relay, pkt, (size_t)n) == NULL)
			abort();
		c_rw += __rdtsc() - c0;
		c0 = __rdtsc();
		if (ss22_usrv_open(ctx, &t, pkt + 16, (uint32_t)n - 16, NOW, rnd, &in, &s) != 0)
			abort();
		c_ropen += __rdtsc() - c0;
		rpkts++;
	}
	sink = owner;
	printf("udp-own %-26s peek+owner %6.0f cyc/pkt, open %6.0f cyc/pkt: %.3f of an open\n",
	       name, (double)c_peek / pkts, (double)c_open / pkts, (double)c_peek / (double)c_open);
	if (aes)
		printf("udp-relay %-24s rewrite %6.0f cyc/pkt, open %6.0f cyc/pkt: %.3f of an open\n",
		       name, (double)c_rw / rpkts, (double)c_ropen / rpkts,
		       (double)c_rw / (double)c_ropen);
	ss22_ucli_free(&c);
	ss22_usrv_free(&t);
	if (aes) {
		ss22_ucli_free(&cr);
		ss_eih_users_free(&relay);
	}
}

int main(int argc, char **argv)
{
	static const char *names[] = {"2022-blake3-aes-128-gcm", "2022-blake3-aes-256-gcm",
				      "2022-blake3-chacha20-poly1305"};
	double secs = argc > 1 ? atof(argv[1]) : 1.0;
	size_t len = 1 << 20;
	uint8_t *pt = calloc(1, len), *ct = malloc(len + len / 100 + 4096),
		*out = malloc(len + 0x10000);

	ctx = rb_aead_ctx_create(RB_AEAD_BACKEND_AUTO);
	if (ctx == NULL || pt == NULL || ct == NULL || out == NULL)
		return 1;
	printf("backend: %s, %.1f s per line\n", rb_aead_ctx_backend_name(ctx), secs);
	bench_tcp_sip004(secs, pt, ct, out, len);
	for (int i = 0; i < 3; i++)
		bench_tcp(names[i], secs, pt, ct, out, len);
	for (int i = 0; i < 3; i++)
		bench_udp(names[i], secs);
	for (int i = 0; i < 3; i++)
		bench_udp_sess(names[i], secs);
	for (int i = 0; i < 3; i++)
		bench_udp_own(names[i], secs);
	rb_aead_ctx_free(ctx);
	free(pt);
	free(ct);
	free(out);
	return 0;
}
