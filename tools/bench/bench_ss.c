/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * bench_ss: the Shadowsocks SIP004 codec (dataplane/ss/ss_aead.c) outside
 * the dataplane.
 *
 *   bench_ss mem [seconds]
 *       in-memory seal + open of 1 MiB streams per method: cycles/byte, GB/s.
 *   bench_ss records
 *       what one AEAD record costs (rb_aead_stream begin/update/final, as
 *       the relay's ss_chain.c seals), per library (intel-ipsec-mb, OpenSSL
 *       EVP) and record size: 2 bytes (SIP004's length chunk), 64, 1448 (a
 *       chunk per TCP segment, what the relay seals today) and 16383 (a
 *       full chunk); cycles per record (rdtsc, best of 15), and which
 *       library an AUTO context's streams pick for that size.
 *   bench_ss server PORT METHOD PASSWORD
 *       a kernel-socket Shadowsocks server on 127.0.0.1:PORT (fork per
 *       connection) relaying to the target in the request: the codec's
 *       interop harness against shadowsocks-libev's ss-local, and the
 *       baseline next to ss-server on the same loopback.
 *   bench_ss tunnel LPORT SERVER SPORT METHOD PASSWORD HOST TPORT
 *       a kernel-socket Shadowsocks client: each connection to
 *       127.0.0.1:LPORT goes to HOST:TPORT through the server (ss-server).
 *
 * Auth failures are counted on stderr ("auth-fail") and answered with
 * silence: the connection is read and discarded until the peer closes or
 * 30 s pass (probe resistance, as the dataplane inbound will).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <x86intrin.h>

#include "dataplane/ss/ss_aead.h"

#define BUF (64 * 1024)
#define RTE_DIM_(a) (sizeof(a) / sizeof((a)[0]))

static struct rb_aead_ctx *ctx;

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int bench_mem(double secs)
{
	size_t len = 1 << 20;
	uint8_t *pt = calloc(1, len), *ct = malloc(len + len / 100 + 64),
		*out = malloc(len + SS_MAX_PAYLOAD);
	static struct ss_cipher e, d;
	uint8_t master[32] = {1}, salt[32] = {2};

	printf("%-26s %10s %10s\n", "method (seal+open, 1 MiB)", "cyc/byte", "GB/s");
	for (int mi = 0; mi < SS_M_COUNT; mi++) {
		const struct ss_method *m = ss_method_get((enum ss_method_id)mi);
		double t0 = now_s(), t;
		uint64_t c0 = __rdtsc(), bytes = 0;

		do {
			size_t used, prod;
			long n;

			ss_enc_init(&e, m, master, salt);
			ss_dec_init(&d, m, master);
			n = ss_enc(ctx, &e, pt, len, ct);
			if (n < 0 ||
			    ss_dec(ctx, &d, ct, (size_t)n, &used, out, len + SS_MAX_PAYLOAD,
				   &prod) != SS_OK ||
			    prod != len)
				return 1;
			bytes += len;
			t = now_s();
		} while (t - t0 < secs);
		printf("%-26s %10.2f %10.2f\n", m->name, (double)(__rdtsc() - c0) / (double)bytes,
		       (double)bytes / (t - t0) / 1e9);
	}
	return 0;
}

static int write_all(int fd, const uint8_t *b, size_t n)
{
	while (n) {
		ssize_t w = write(fd, b, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		b += w;
		n -= (size_t)w;
	}
	return 0;
}

static int dial(const char *host, uint16_t port)
{
	struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *ai, *p;
	char ps[8];
	int fd = -1;

	snprintf(ps, sizeof(ps), "%u", port);
	if (getaddrinfo(host, ps, &hints, &ai) != 0)
		return -1;
	for (p = ai; p; p = p->ai_next) {
		fd = socket(p->ai_family, SOCK_STREAM, 0);
		if (fd >= 0 && connect(fd, p->ai_addr, p->ai_addrlen) == 0)
			break;
		if (fd >= 0)
			close(fd);
		fd = -1;
	}
	freeaddrinfo(ai);
	return fd;
}

static void discard(int fd)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};
	uint8_t b[4096];
	double end = now_s() + 30;

	fprintf(stderr, "bench_ss: auth-fail\n");
	while (now_s() < end && poll(&p, 1, 1000) >= 0)
		if ((p.revents & POLLIN) && read(fd, b, sizeof(b)) <= 0)
			break;
}

/* Relay: plain side fd p, encrypted side fd s.  pend: plaintext already
 * decoded that goes to p first. */
static void relay(int p, int s, struct ss_cipher *e, struct ss_cipher *d)
{
	static uint8_t in[BUF], out[BUF + 2 * SS_MAX_CHUNK + SS_MAX_SALT];
	struct pollfd f[2] = {{.fd = p, .events = POLLIN}, {.fd = s, .events = POLLIN}};

	for (;;) {
		if (poll(f, 2, -1) < 0)
			return;
		if (f[0].revents & (POLLIN | POLLHUP)) {
			ssize_t n = read(p, in, BUF);
			long w;

			if (n <= 0)
				return;
			w = ss_enc(ctx, e, in, (size_t)n, out);
			if (w < 0 || write_all(s, out, (size_t)w) < 0)
				return;
		}
		if (f[1].revents & (POLLIN | POLLHUP)) {
			ssize_t n = read(s, in, BUF);
			size_t off = 0, used, prod;

			if (n <= 0)
				return;
			while (off < (size_t)n) {
				if (ss_dec(ctx, d, in + off, (size_t)n - off, &used, out,
					   sizeof(out), &prod) != SS_OK) {
					fprintf(stderr, "bench_ss: auth-fail\n");
					return;
				}
				off += used;
				if (prod && write_all(p, out, prod) < 0)
					return;
			}
		}
	}
}

static int serve_conn(int c, const struct ss_method *m, const uint8_t *master)
{
	static struct ss_cipher e, d;
	static uint8_t in[BUF], pt[BUF + SS_MAX_PAYLOAD];
	uint8_t salt[SS_MAX_SALT], addr[16];
	size_t have = 0, used, prod;
	char host[256];
	int family, t, alen = 0;
	uint16_t port;

	ss_dec_init(&d, m, master);
	while (alen == 0) {
		ssize_t n = read(c, in, sizeof(in));
		size_t off = 0;

		if (n <= 0)
			return 1;
		while (off < (size_t)n) {
			if (ss_dec(ctx, &d, in + off, (size_t)n - off, &used, pt + have,
				   sizeof(pt) - have, &prod) != SS_OK) {
				discard(c);
				return 1;
			}
			off += used;
			have += prod;
		}
		alen = ss_addr_parse(pt, have, &family, addr, host, sizeof(host), &port);
		if (alen < 0) {
			discard(c);
			return 1;
		}
	}
	t = dial(host, port);
	if (t < 0)
		return 1;
	if (have > (size_t)alen && write_all(t, pt + alen, have - (size_t)alen) < 0)
		return 1;
	if (getrandom(salt, sizeof(salt), 0) != sizeof(salt) || ss_enc_init(&e, m, master, salt))
		return 1;
	relay(t, c, &e, &d);
	ss_cipher_wipe(&e);
	ss_cipher_wipe(&d);
	return 0;
}

static int tunnel_conn(int c, const char *srv, uint16_t sport, const struct ss_method *m,
		       const uint8_t *master, const char *host, uint16_t tport)
{
	static struct ss_cipher e, d;
	uint8_t salt[SS_MAX_SALT], hdr[300], out[400], zero[16] = {0};
	int s = dial(srv, sport), n;
	long w;

	if (s < 0)
		return 1;
	if (getrandom(salt, sizeof(salt), 0) != sizeof(salt) || ss_enc_init(&e, m, master, salt))
		return 1;
	ss_dec_init(&d, m, master);
	n = ss_addr_write(hdr, 0, zero, host, tport);
	{
		uint8_t a16[16] = {0};

		if (inet_pton(AF_INET, host, a16) == 1)
			n = ss_addr_write(hdr, AF_INET, a16, NULL, tport);
	}
	w = ss_enc(ctx, &e, hdr, (size_t)n, out);
	if (w < 0 || write_all(s, out, (size_t)w) < 0)
		return 1;
	relay(c, s, &e, &d);
	return 0;
}

static int listen_on(uint16_t port)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
	int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) != 0 || listen(fd, 64) != 0)
		return -1;
	return fd;
}

/* Cycles of one record of n bytes on ctx (best of 15 rounds). */
static double rec_cycles(struct rb_aead_ctx *c, const struct rb_aead_key *k, uint8_t *buf,
			 uint32_t n)
{
	static const uint8_t nonce[RB_AEAD_MAX_NONCE_LEN];
	unsigned reps = n < 100 ? 2000 : n < 2000 ? 300 : 40;
	uint64_t best = UINT64_MAX;
	uint8_t tag[RB_AEAD_TAG_LEN];

	for (int r = 0; r < 15; r++) {
		uint64_t t0 = __rdtsc(), t;

		for (unsigned i = 0; i < reps; i++) {
			struct rb_aead_stream s;

			if (rb_aead_stream_begin(c, &s, k, nonce, NULL, 0, n, 0) != RB_AEAD_OK ||
			    rb_aead_stream_update(&s, buf, buf, n) != RB_AEAD_OK ||
			    rb_aead_stream_final(&s, tag) != RB_AEAD_OK)
				return -1;
		}
		t = (__rdtsc() - t0) / reps;
		if (t < best)
			best = t;
	}
	return (double)best;
}

static int bench_records(void)
{
	static const uint32_t sz[] = {2, 64, 1448, 16383};
	static const enum rb_aead_alg algs[] = {RB_AEAD_AES_128_GCM, RB_AEAD_AES_256_GCM,
						 RB_AEAD_CHACHA20_POLY1305};
	static const char *const names[] = {"aes-128-gcm", "aes-256-gcm", "chacha20-poly1305"};
	struct rb_aead_ctx *lib[2] = {rb_aead_ctx_create(RB_AEAD_BACKEND_IPSEC_MB),
				      rb_aead_ctx_create(RB_AEAD_BACKEND_OPENSSL)};
	uint8_t raw[RB_AEAD_MAX_KEY_LEN] = {1}, *buf = calloc(1, 16384);

	if (lib[1] == NULL || buf == NULL)
		return 1;
	printf("%-18s %6s %20s %20s  %s\n", "record (seal)", "bytes", "intel-ipsec-mb", "openssl",
	       "AUTO picks");
	printf("%-18s %6s %20s %20s\n", "", "", "cycles     c/B", "cycles     c/B");
	for (unsigned a = 0; a < RTE_DIM_(algs); a++) {
		struct rb_aead_key k;

		if (rb_aead_key_init(&k, algs[a], raw, rb_aead_key_len(algs[a])) != 0)
			return 1;
		for (unsigned j = 0; j < RTE_DIM_(sz); j++) {
			printf("%-18s %6u", names[a], sz[j]);
			for (int l = 0; l < 2; l++) {
				double cy = lib[l] ? rec_cycles(lib[l], &k, buf, sz[j]) : -1;

				if (cy < 0)
					printf(" %20s", "n/a");
				else
					printf(" %9.0f %9.2f", cy, cy / sz[j]);
			}
			printf("  %s\n", rb_aead_stream_pick(algs[a], sz[j]));
		}
		rb_aead_key_wipe(&k);
	}
	free(buf);
	rb_aead_ctx_free(lib[0]);
	rb_aead_ctx_free(lib[1]);
	return 0;
}

int main(int argc, char **argv)
{
	const struct ss_method *m;
	uint8_t master[SS_MAX_KEY];
	int lfd, tunnel;

	ctx = rb_aead_ctx_create(RB_AEAD_BACKEND_AUTO);
	if (ctx == NULL)
		return 1;
	if (argc >= 2 && strcmp(argv[1], "mem") == 0)
		return bench_mem(argc > 2 ? atof(argv[2]) : 1.0);
	if (argc == 2 && strcmp(argv[1], "records") == 0)
		return bench_records();
	tunnel = argc == 9 && strcmp(argv[1], "tunnel") == 0;
	if (!tunnel && !(argc == 5 && strcmp(argv[1], "server") == 0)) {
		fprintf(stderr, "usage: bench_ss mem [s] | records | server PORT METHOD PASSWORD |\n"
				"       tunnel LPORT SERVER SPORT METHOD PASSWORD HOST TPORT\n");
		return 2;
	}
	m = ss_method_find(argv[tunnel ? 5 : 3]);
	if (m == NULL || ss_master_key(m, argv[tunnel ? 6 : 4], master) != 0) {
		fprintf(stderr, "bench_ss: unknown method\n");
		return 2;
	}
	lfd = listen_on((uint16_t)atoi(argv[2]));
	if (lfd < 0) {
		perror("bench_ss: listen");
		return 1;
	}
	signal(SIGCHLD, SIG_IGN);
	for (;;) {
		int c = accept(lfd, NULL, NULL);

		if (c < 0)
			continue;
		if (fork() == 0) {
			close(lfd);
			_exit(tunnel ? tunnel_conn(c, argv[3], (uint16_t)atoi(argv[4]), m, master,
						   argv[7], (uint16_t)atoi(argv[8]))
				     : serve_conn(c, m, master));
		}
		close(c);
	}
}
