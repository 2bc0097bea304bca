/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The outbound chain as layered streams (dataplane/proxy/proxy_layer.c),
 * in memory on a real proxy lcore (net_fixture.c): a session whose chain is
 * socks over shadowsocks B over shadowsocks A (hops[] = A, B, socks).
 *   up:   client bytes (level 3) -> proxy_layer_wrap -> level 0; the two
 *         servers' decoders (ss-server A, then B) must give the bytes back.
 *   down: the servers' encoders seal a reply (B, then A); fed to
 *         proxy_layer_unwrap in pieces of every size (partial records at
 *         both levels), the pieces' outputs must join into the reply.
 * Table: payload sizes around the record size (0x3FFF) and the per-call
 * gather (8 records), input chain segment sizes, feed piece sizes.  Also:
 * which levels have a transform, a damaged record (xform_err, no leak),
 * and every mbuf back in the pool once the session is freed.
 * Detached chains (the control stream of a socks UDP outbound over a
 * detour, udp_out_socks.c): a struct psess outside the session table whose
 * pl holds only the lcore and the config carries SOCKS5 handshake messages
 * through ss hops the same way (table: chains, messages, piece sizes), and
 * proxy_layer_free releases its hops' states.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <CUnit/Basic.h>

#include "dataplane/proxy/proxy_priv.h"
#include "dataplane/proxy/rb_proxy.h"
#include "dataplane/ss/ss_relay.h"
#include "cunit_fixture.h"
#include "net_fixture.h"

static char cfg[2048];

/* outbounds in cfg: 0 direct, 1 ss-a, 2 ss-b (detour ss-a), 3 socks (detour ss-b) */
enum { OUT_SS_A = 1, OUT_SS_B = 2, OUT_SOCKS = 3 };

struct layer_case {
	uint32_t len;   /* payload bytes */
	uint32_t seg;   /* segment size of the input chain */
	uint32_t piece; /* downward: ciphertext fed per unwrap call (0: all at once) */
};

static const struct layer_case cases[] = {
	{ 1, 1, 0 },
	{ 1, 64, 1 },
	{ 100, 7, 3 },
	{ 0x3FFF, 1500, 0 },
	{ 0x3FFF, 2000, 17 },
	{ 0x3FFF + 1, 1460, 1460 },
	{ 8 * 0x3FFF, 2048, 0 },
	{ 8 * 0x3FFF + 5, 333, 4096 },
	{ 300000, 2048, 65535 },
	{ 300000, 1000, 0x3FFF + 34 },
};

/* A chain of len bytes of p in segments of seg bytes. */
static struct rte_mbuf *chain_of(const uint8_t *p, uint32_t len, uint32_t seg)
{
	struct rte_mbuf *head = NULL;

	for (uint32_t off = 0; off < len; off += seg) {
		uint32_t k = len - off < seg ? len - off : seg;
		struct rte_mbuf *m = proxy_mbuf_from(fx_lc(0), p + off, k);

		CU_ASSERT_PTR_NOT_NULL_FATAL(m);
		if (head == NULL)
			head = m;
		else
			CU_ASSERT_EQUAL_FATAL(rte_pktmbuf_chain(head, m), 0);
	}
	return head;
}

/* Append chain m (taken) to buf at *n. */
static void drain(struct rte_mbuf *m, uint8_t *buf, size_t cap, size_t *n)
{
	for (struct rte_mbuf *s = m; s; s = s->next) {
		CU_ASSERT_FATAL(*n + s->data_len <= cap);
		memcpy(buf + *n, rte_pktmbuf_mtod(s, const uint8_t *), s->data_len);
		*n += s->data_len;
	}
	rte_pktmbuf_free(m);
}

/* Open (dir 0) or seal (dir 1) chain m with a server's side of a hop. */
static struct rte_mbuf *server_xf(struct ss_conn *c, int seal, struct rte_mbuf *m)
{
	struct ss_lcore *sl = ss_lcore_get(fx_lc(0), fx_lc(0)->dp->cfg->proxy);
	int err = 0;

	m = seal ? ss_mbuf_seal(fx_lc(0), sl, &c->enc, m, &err)
		 : ss_mbuf_open(fx_lc(0), sl, &c->dec, m, &err);
	CU_ASSERT_EQUAL(err, 0);
	return m;
}

/* The session with its chain, and the two servers' states. */
static struct psess *chain_session(struct ss_conn **srv)
{
	const uint8_t src[4] = {10, 1, 0, 2};
	struct rb_lcore *lc = fx_lc(0);
	struct ss_lcore *sl = ss_lcore_get(lc, lc->dp->cfg->proxy);
	struct psess *s = proxy_sess_open(lc, 0, AF_INET, src, 40000);
	static const uint16_t hops[] = {OUT_SS_A, OUT_SS_B, OUT_SOCKS};

	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	CU_ASSERT_PTR_NOT_NULL_FATAL(sl);
	s->state = PS_RELAY;
	s->in_ops = proxy_inbound_ops[RB_IN_SOCKS];
	s->n_hops = 3;
	memcpy(s->hops, hops, sizeof(hops));
	for (int i = 0; i < 2; i++) {
		void **x = proxy_hop_state(s, i);

		CU_ASSERT_PTR_NOT_NULL_FATAL(x);
		*x = ss_conn_get(sl, 0, hops[i]);
		CU_ASSERT_PTR_NOT_NULL_FATAL(*x);
		CU_ASSERT_EQUAL_FATAL(ss_conn_enc_ready(lc, *x), 0);
		/* the server's side: the same master key, its own salt */
		srv[i] = ss_conn_get(sl, 0, hops[i]);
		CU_ASSERT_PTR_NOT_NULL_FATAL(srv[i]);
		CU_ASSERT_EQUAL_FATAL(ss_conn_enc_ready(lc, srv[i]), 0);
	}
	return s;
}

static void run_case(const struct layer_case *c, uint8_t *p, uint8_t *got, size_t cap)
{
	struct ss_lcore *sl = ss_lcore_get(fx_lc(0), fx_lc(0)->dp->cfg->proxy);
	struct ss_conn *srv[2];
	struct psess *s = chain_session(srv);
	struct rte_mbuf *m, *ct;
	size_t n = 0;

	for (uint32_t i = 0; i < c->len; i++)
		p[i] = (uint8_t)(i * 131 + c->len + c->seg);
	/* up: sealed by B then A; the servers open A then B */
	m = proxy_layer_wrap(s, s->n_hops, chain_of(p, c->len, c->seg));
	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	CU_ASSERT_EQUAL(s->xform_err, 0);
	CU_ASSERT(m->pkt_len > c->len + 2 * 34); /* two salts and tags at least */
	m = server_xf(srv[0], 0, m);
	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	m = server_xf(srv[1], 0, m);
	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	CU_ASSERT_EQUAL(m->pkt_len, c->len);
	drain(m, got, cap, &n);
	CU_ASSERT_EQUAL(n, c->len);
	CU_ASSERT(memcmp(got, p, c->len) == 0);

	/* down: the servers seal B then A; opened piece by piece */
	ct = server_xf(srv[0], 1, server_xf(srv[1], 1, chain_of(p, c->len, c->seg)));
	CU_ASSERT_PTR_NOT_NULL_FATAL(ct);
	n = 0;
	{
		uint32_t total = ct->pkt_len, piece = c->piece ? c->piece : total;
		uint8_t *flat = malloc(total);

		CU_ASSERT_PTR_NOT_NULL_FATAL(flat);
		n = 0;
		drain(ct, flat, total, &n);
		CU_ASSERT_EQUAL_FATAL(n, total);
		n = 0;
		for (uint32_t off = 0; off < total; off += piece) {
			uint32_t k = total - off < piece ? total - off : piece;

			m = proxy_layer_unwrap(s, s->n_hops, chain_of(flat + off, k, 2048));
			CU_ASSERT_EQUAL(s->xform_err, 0);
			if (m)
				drain(m, got, cap, &n);
		}
		free(flat);
	}
	CU_ASSERT_EQUAL(n, c->len);
	CU_ASSERT(n == c->len && memcmp(got, p, c->len) == 0);
	ss_conn_put(sl, srv[0]);
	ss_conn_put(sl, srv[1]);
	proxy_sess_free(s); /* releases the hops' states */
}

static void test_layers(void)
{
	size_t cap = 400000;
	uint8_t *p = malloc(cap), *got = malloc(cap);
	unsigned in_use;

	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	CU_ASSERT_PTR_NOT_NULL_FATAL(got);
	CU_ASSERT_EQUAL_FATAL(fx_setup(cfg), 0);
	CU_ASSERT_EQUAL_FATAL(proxy_lcore_init(fx_lc(0)), 0);
	in_use = fx_mbufs_in_use();
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		run_case(&cases[i], p, got, cap);
		if (CU_get_number_of_failures())
			fprintf(stderr, "\ncase %zu (len %u seg %u piece %u) failed\n", i,
				cases[i].len, cases[i].seg, cases[i].piece);
		CU_ASSERT_EQUAL(fx_mbufs_in_use(), in_use);
	}
	proxy_lcore_fini(fx_lc(0));
	fx_teardown();
	free(p);
	free(got);
}

/* Which levels have a transform below them; a damaged record fails the
 * unwrap (xform_err) and leaks nothing. */
static void test_levels_and_damage(void)
{
	struct ss_lcore *sl;
	struct ss_conn *srv[2];
	struct psess *s;
	struct rte_mbuf *ct, *m;
	uint8_t p[100] = {1, 2, 3};
	unsigned in_use;

	CU_ASSERT_EQUAL_FATAL(fx_setup(cfg), 0);
	CU_ASSERT_EQUAL_FATAL(proxy_lcore_init(fx_lc(0)), 0);
	sl = ss_lcore_get(fx_lc(0), fx_lc(0)->dp->cfg->proxy);
	in_use = fx_mbufs_in_use();
	s = chain_session(srv);
	CU_ASSERT_EQUAL(proxy_layer_xform(s, 0), 0);
	CU_ASSERT_EQUAL(proxy_layer_xform(s, 1), 1);
	CU_ASSERT_EQUAL(proxy_layer_xform(s, 3), 1);
	CU_ASSERT_EQUAL(proxy_layer_relay_has(s), 1);
	s->hops[0] = s->hops[1] = OUT_SOCKS; /* socks over socks over socks: no transform */
	CU_ASSERT_EQUAL(proxy_layer_xform(s, 3), 0);
	CU_ASSERT_EQUAL(proxy_layer_relay_has(s), 0);
	s->hops[0] = OUT_SS_A;
	s->hops[1] = OUT_SS_B;
	/* a flipped byte in B's record (inside A's): A opens, B fails */
	ct = server_xf(srv[1], 1, chain_of(p, sizeof(p), 64));
	CU_ASSERT_PTR_NOT_NULL_FATAL(ct);
	rte_pktmbuf_mtod(ct, uint8_t *)[ct->data_len - 1] ^= 0x40;
	ct = server_xf(srv[0], 1, ct);
	m = proxy_layer_unwrap(s, s->n_hops, ct);
	CU_ASSERT_PTR_NULL(m);
	CU_ASSERT_EQUAL(s->xform_err, 1);
	ss_conn_put(sl, srv[0]);
	ss_conn_put(sl, srv[1]);
	proxy_sess_free(s);
	CU_ASSERT_EQUAL(fx_mbufs_in_use(), in_use);
	proxy_lcore_fini(fx_lc(0));
	fx_teardown();
}

/* ------------------------------------------------ detached chains */

struct detached_case {
	const char *name;
	int n_hops;
	uint16_t hops[3];       /* dial order; the last is the socks hop */
	const uint8_t *msg;     /* what the socks hop sends (level n_hops - 1) */
	uint32_t msg_len;
	const uint8_t *rep;     /* the socks server's reply */
	uint32_t rep_len;
	uint32_t piece;         /* reply ciphertext fed per unwrap call */
};

static const uint8_t greet[] = {5, 1, 0};
static const uint8_t greet_rep[] = {5, 0};
static const uint8_t assoc[] = {5, 3, 0, 1, 0, 0, 0, 0, 0, 0};
static const uint8_t assoc_rep[] = {5, 0, 0, 1, 10, 1, 0, 11, 0x9c, 0x41};
static const uint8_t auth[] = {1, 4, 'u', 's', 'e', 'r', 6, 's', 'e', 'c', 'r', 'e', 't'};

static const struct detached_case detached_cases[] = {
	{ "socks over ss: greeting", 2, { OUT_SS_A, OUT_SOCKS }, greet, 3, greet_rep, 2, 0 },
	{ "socks over ss: associate, reply byte by byte", 2, { OUT_SS_A, OUT_SOCKS }, assoc, 10,
	  assoc_rep, 10, 1 },
	{ "socks over ss over ss: auth", 3, { OUT_SS_A, OUT_SS_B, OUT_SOCKS }, auth, 13, greet_rep,
	  2, 5 },
	{ "socks over ss over ss: associate, 7-byte pieces", 3, { OUT_SS_A, OUT_SS_B, OUT_SOCKS },
	  assoc, 10, assoc_rep, 10, 7 },
	{ "socks alone: no transform", 1, { OUT_SOCKS }, assoc, 10, assoc_rep, 10, 3 },
};

static void run_detached(const struct detached_case *c)
{
	struct rb_lcore *lc = fx_lc(0);
	struct ss_lcore *sl = ss_lcore_get(lc, lc->dp->cfg->proxy);
	struct proxy_lcore *pl = calloc(1, sizeof(*pl));
	struct psess *s = calloc(1, sizeof(*s));
	struct ss_conn *srv[2] = {NULL, NULL};
	int n_ss = c->n_hops - 1, level = c->n_hops - 1;
	uint8_t got[64], flat[512];
	struct rte_mbuf *m;
	size_t n = 0, total = 0;

	CU_ASSERT_PTR_NOT_NULL_FATAL(pl);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	CU_ASSERT_PTR_NOT_NULL_FATAL(sl);
	pl->lc = lc;
	pl->cfg = lc->dp->cfg->proxy;
	s->pl = pl;
	s->n_hops = (uint8_t)c->n_hops;
	memcpy(s->hops, c->hops, sizeof(c->hops));
	for (int i = 0; i < n_ss; i++) {
		void **x = proxy_hop_state(s, i);

		CU_ASSERT_PTR_NOT_NULL_FATAL(x);
		*x = ss_conn_get(sl, 0, c->hops[i]);
		CU_ASSERT_PTR_NOT_NULL_FATAL(*x);
		CU_ASSERT_EQUAL_FATAL(ss_conn_enc_ready(lc, *x), 0);
		srv[i] = ss_conn_get(sl, 0, c->hops[i]);
		CU_ASSERT_PTR_NOT_NULL_FATAL(srv[i]);
		CU_ASSERT_EQUAL_FATAL(ss_conn_enc_ready(lc, srv[i]), 0);
	}
	CU_ASSERT_EQUAL(proxy_layer_xform(s, level), n_ss > 0);
	/* up: the socks hop's message sealed by the ss hops, opened by their
	 * servers (outermost ss hop's server last) */
	m = proxy_layer_wrap(s, level, chain_of(c->msg, c->msg_len, 4));
	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	CU_ASSERT_EQUAL(s->xform_err, 0);
	CU_ASSERT(m->pkt_len >= c->msg_len + (uint32_t)n_ss * 34);
	for (int i = 0; i < n_ss; i++) {
		m = server_xf(srv[i], 0, m);
		CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	}
	drain(m, got, sizeof(got), &n);
	CU_ASSERT(n == c->msg_len && memcmp(got, c->msg, n) == 0);
	/* down: the reply sealed by the servers (innermost last), opened in pieces */
	m = chain_of(c->rep, c->rep_len, 3);
	for (int i = n_ss - 1; i >= 0; i--) {
		m = server_xf(srv[i], 1, m);
		CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	}
	drain(m, flat, sizeof(flat), &total);
	n = 0;
	for (size_t off = 0; off < total;) {
		size_t k = c->piece && c->piece < total - off ? c->piece : total - off;

		m = proxy_layer_unwrap(s, level, chain_of(flat + off, (uint32_t)k, 2048));
		CU_ASSERT_EQUAL(s->xform_err, 0);
		if (m)
			drain(m, got, sizeof(got), &n);
		off += k;
	}
	CU_ASSERT(n == c->rep_len && memcmp(got, c->rep, n) == 0);
	for (int i = 0; i < n_ss; i++)
		ss_conn_put(sl, srv[i]);
	proxy_layer_free(s); /* the hops' states, as su_close does */
	CU_ASSERT_PTR_NULL(s->xhop);
	free(s);
	free(pl);
}

static void test_detached(void)
{
	unsigned in_use;

	CU_ASSERT_EQUAL_FATAL(fx_setup(cfg), 0);
	CU_ASSERT_EQUAL_FATAL(proxy_lcore_init(fx_lc(0)), 0);
	in_use = fx_mbufs_in_use();
	for (size_t i = 0; i < sizeof(detached_cases) / sizeof(detached_cases[0]); i++) {
		unsigned f = CU_get_number_of_failures();

		run_detached(&detached_cases[i]);
		if (CU_get_number_of_failures() != f)
			fprintf(stderr, "\ndetached case %s failed\n", detached_cases[i].name);
		CU_ASSERT_EQUAL(fx_mbufs_in_use(), in_use);
	}
	proxy_lcore_fini(fx_lc(0));
	fx_teardown();
}

static int layer_register(void)
{
	CU_pSuite su;

	if (fx_proxy_cfg(cfg, sizeof(cfg), "layer",
			 "{ type = \"shadowsocks\"; tag = \"ss-a\"; server = \"10.1.0.9\";"
			 " server_port = 8388;\n"
			 "    method = \"aes-256-gcm\"; password = \"pw-a\"; },\n"
			 "  { type = \"shadowsocks\"; tag = \"ss-b\"; server = \"10.1.0.10\";"
			 " server_port = 8388;\n"
			 "    method = \"chacha20-ietf-poly1305\"; password = \"pw-b\"; detour = \"ss-a\"; },\n"
			 "  { type = \"socks\"; tag = \"far\"; server = \"10.1.0.11\"; server_port = 1080;\n"
			 "    detour = \"ss-b\"; }") != 0)
		return -1;
	su = CU_add_suite("outbound chains as layered streams", NULL, NULL);
	CU_add_test(su, "socks over ss over ss: up and down, partial records", test_layers);
	CU_add_test(su, "levels with transforms; a damaged inner record", test_levels_and_damage);
	CU_add_test(su, "detached chains (socks UDP control over ss hops)", test_detached);
	return 0;
}

int main(int argc, char **argv)
{
	(void)argc;
	return fx_cunit_main(argv[0], "test_proxy_layer", layer_register, 0);
}
