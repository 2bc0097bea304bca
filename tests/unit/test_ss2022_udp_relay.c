/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Shadowsocks 2022 UDP through relays and across workers
 * (dataplane/ss/ss_eih.c ss_eih_udp_relay, ss_udp22_sess.c), tables:
 *  - relay re-encoding (SIP023 "UDP", "Scenarios"): a client with a PSK
 *    list seals with ss22_ucli_seal; each relay on the path rewrites the
 *    packet as the dataplane's relay inbound does (ss_dest_udp_relay ->
 *    ss_eih_udp_relay, then the packet from byte 16); the server's table
 *    (ss22_usrv_open) must open it, and its reply (no identity headers,
 *    passed back unchanged) must open at the client.  Rows: multi-user
 *    and single-key destinations, a two-relay chain, a destination the
 *    relay does not know, a wrong relay key, a wrong user behind a good
 *    relay, a packet without identity headers, a byte flipped after the
 *    relay, a relayed replay, short packets;
 *  - session ownership: ss22_usrv_peek_sid gives the client's session id
 *    (3 methods, single- and multi-user, first and later packets) without
 *    the session key; ss22_usess_owner is stable, in range and spreads
 *    sessions; a two-worker model (one table per worker, packets arriving
 *    at either) where every replay sent to the other worker is refused
 *    when packets go to their owner, and accepted when each worker opens
 *    what it receives (the failure this ownership removes).
 */
#include <CUnit/Basic.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>

#include "dataplane/ss/ss_udp22_sess.h"
#include "tests/unit/aead_cunit.h"

static struct rb_aead_ctx *ctx;
#define NOW 1700000000ull

static const uint8_t addr4[] = {1, 192, 0, 2, 7, 0x1b, 0x5f}; /* 192.0.2.7:7007 */

static void fill(uint8_t *p, size_t n, uint32_t seed)
{
	for (size_t i = 0; i < n; i++) {
		seed = seed * 1664525u + 1013904223u;
		p[i] = (uint8_t)(seed >> 24);
	}
}

static void b64(const uint8_t *k, size_t n, char *out) { EVP_EncodeBlock((unsigned char *)out, k, (int)n); }

/* ------------------------------------------------------------ relays */

/* Keys by letter: R, S relays' iPSKs; A a multi-user server's iPSK (users
 * U, V); B, C single-key servers; X, W keys nobody holds. */
enum { K_R, K_S, K_A, K_U, K_V, K_B, K_C, K_X, K_W, K_N };
static uint8_t keys[K_N][32];

static int key_of(char c)
{
	static const char names[] = "RSAUVBCXW";
	const char *p = strchr(names, c);

	return p ? (int)(p - names) : -1;
}

/* relay R: destinations A (id 0), B (id 1), S (id 2, another relay);
 * relay S: destination C (id 0).  Servers: A (users U = 10, V = 11), B,
 * C single-key. */
enum { SRV_A, SRV_B, SRV_C, SRV_N };

static const struct relay_row {
	const char *name;
	const char *chain;  /* the client's PSKs, one letter each */
	uint8_t relays;	    /* how many relays the packet goes through */
	int hop[2];	    /* destination id each relay must pick (-1: refused) */
	int server;	    /* which server gets the packet */
	int want;	    /* what the server's table says */
	int user;	    /* the session's user id (multi-user), or -1 */
	uint8_t flip;	    /* flip a body byte after the relays */
	uint8_t again;	    /* the same client packet relayed a second time */
	uint32_t cut;	    /* > 0: the packet cut to this length before the relay */
} relay_rows[] = {
	{"multi-user destination", "RAU", 1, {0, 0}, SRV_A, SS_OK, 10, 0, 0, 0},
	{"second user, same destination", "RAV", 1, {0, 0}, SRV_A, SS_OK, 11, 0, 0, 0},
	{"single-key destination", "RB", 1, {1, 0}, SRV_B, SS_OK, -1, 0, 0, 0},
	{"two relays", "RSC", 2, {2, 0}, SRV_C, SS_OK, -1, 0, 0, 0},
	{"destination the relay lacks", "RX", 1, {-1, 0}, -1, 0, -1, 0, 0, 0},
	{"wrong relay key", "XB", 1, {-1, 0}, -1, 0, -1, 0, 0, 0},
	{"no identity header at a relay", "B", 1, {-1, 0}, -1, 0, -1, 0, 0, 0},
	{"wrong user behind a good relay", "RAW", 1, {0, 0}, SRV_A, SS2022_ERR_USER, -1, 0, 0, 0},
	{"byte flipped after the relay", "RB", 1, {1, 0}, SRV_B, SS_ERR_AUTH, -1, 1, 0, 0},
	{"replay through the relay", "RB", 1, {1, 0}, SRV_B, SS2022_ERR_REPLAY, -1, 0, 1, 0},
	{"31 bytes", "RB", 1, {-1, 0}, -1, 0, -1, 0, 0, 31},
	{"32 bytes", "RB", 1, {1, 0}, SRV_B, SS_ERR_LEN, -1, 0, 0, 32},
};

struct relay_env {
	const struct ss_method *m;
	struct ss_eih_users relay[2], musers;
	struct ss22_usrv srv[SRV_N];
};

static void relay_env_init(struct relay_env *e, const struct ss_method *m)
{
	memset(e, 0, sizeof(*e));
	e->m = m;
	CU_ASSERT_FATAL(ss_eih_users_init(&e->relay[0], m, keys[K_R]) == 0);
	CU_ASSERT_FATAL(ss_eih_users_add(&e->relay[0], keys[K_A], 0) == 0);
	CU_ASSERT_FATAL(ss_eih_users_add(&e->relay[0], keys[K_B], 1) == 0);
	CU_ASSERT_FATAL(ss_eih_users_add(&e->relay[0], keys[K_S], 2) == 0);
	CU_ASSERT_FATAL(ss_eih_users_init(&e->relay[1], m, keys[K_S]) == 0);
	CU_ASSERT_FATAL(ss_eih_users_add(&e->relay[1], keys[K_C], 0) == 0);
	CU_ASSERT_FATAL(ss_eih_users_init(&e->musers, m, keys[K_A]) == 0);
	CU_ASSERT_FATAL(ss_eih_users_add(&e->musers, keys[K_U], 10) == 0);
	CU_ASSERT_FATAL(ss_eih_users_add(&e->musers, keys[K_V], 11) == 0);
	CU_ASSERT_FATAL(ss22_usrv_init(&e->srv[SRV_A], m, NULL, &e->musers, 16, 1) == SS_OK);
	CU_ASSERT_FATAL(ss22_usrv_init(&e->srv[SRV_B], m, keys[K_B], NULL, 16, 2) == SS_OK);
	CU_ASSERT_FATAL(ss22_usrv_init(&e->srv[SRV_C], m, keys[K_C], NULL, 16, 3) == SS_OK);
}

static void relay_env_free(struct relay_env *e)
{
	for (int i = 0; i < SRV_N; i++)
		ss22_usrv_free(&e->srv[i]);
	ss_eih_users_free(&e->musers);
	ss_eih_users_free(&e->relay[0]);
	ss_eih_users_free(&e->relay[1]);
}

static void test_relay_table(void)
{
	static const char *meths[] = {"2022-blake3-aes-128-gcm", "2022-blake3-aes-256-gcm"};

	for (int k = 0; k < K_N; k++)
		fill(keys[k], 32, 500 + (uint32_t)k);
	for (int mi = 0; mi < 2; mi++) {
		const struct ss_method *m = ss2022_method_find(meths[mi]);

		for (size_t r = 0; r < sizeof(relay_rows) / sizeof(relay_rows[0]); r++) {
			const struct relay_row *row = &relay_rows[r];
			static uint8_t sent[2048], pkt[2048], before[2048], pay[600];
			struct relay_env e;
			struct ss22_ucli c;
			struct ss22_udp_in in;
			struct ss22_usess *s = NULL;
			uint8_t sid[8], rnd[8];
			char text[256] = "";
			uint32_t len, off = 0;
			int n, rc = 0, bad = 0;

			relay_env_init(&e, m);
			for (const char *p = row->chain; *p; p++) {
				if (p != row->chain)
					strcat(text, ":");
				b64(keys[key_of(*p)], m->key_len, text + strlen(text));
			}
			fill(sid, 8, 900 + (uint32_t)r);
			fill(rnd, 8, 950 + (uint32_t)r);
			fill(pay, sizeof(pay), 1000 + (uint32_t)r);
			CU_ASSERT_FATAL(ss22_ucli_init(&c, m, text, sid) == SS_OK);
			n = ss22_ucli_seal(ctx, &c, addr4, sizeof(addr4), 0, pay, 500, NULL, sent, NOW);
			CU_ASSERT_FATAL(n > 0);
			len = row->cut ? row->cut : (uint32_t)n;
			for (int pass = 0; pass <= row->again; pass++) {
				memcpy(pkt, sent, len);
				off = 0;
				for (unsigned h = 0; h < row->relays; h++) {
					const struct ss_eih_user *u;

					memcpy(before, pkt + off, len - off);
					u = ss_eih_udp_relay(&e.relay[h], pkt + off, len - off);
					if (row->hop[h] < 0) {
						/* refused: the packet as it was */
						bad |= u != NULL ||
						       memcmp(before, pkt + off, len - off) != 0;
						off = UINT32_MAX;
						break;
					}
					bad |= u == NULL || u->id != (uint32_t)row->hop[h];
					if (u == NULL)
						break;
					off += 16; /* the dataplane sends from here */
				}
				if (off == UINT32_MAX || row->server < 0)
					break;
				if (row->flip)
					pkt[len - 20] ^= 0x40;
				rc = ss22_usrv_open(ctx, &e.srv[row->server], pkt + off, len - off, NOW, rnd,
						    &in, &s);
			}
			if (row->server >= 0 && rc != row->want) {
				fprintf(stderr, "\n%s %s: server rc %d, want %d", meths[mi], row->name, rc,
					row->want);
				bad = 1;
			}
			if (row->server >= 0 && row->want == SS_OK && rc == SS_OK) {
				/* the payload, the user, and the reply back through the relays
				 * unchanged, opened by the client */
				bad |= in.data_len != 500 || memcmp(in.data, pay, 500) != 0;
				bad |= row->user >= 0 ? s->user == NULL || s->user->id != (uint32_t)row->user
						      : s->user != NULL;
				n = ss22_usrv_seal(ctx, &e.srv[row->server], s, addr4, sizeof(addr4), 0,
						   pay + 500, 90, NULL, pkt, NOW);
				bad |= n <= 0 ||
				       ss22_ucli_open(ctx, &c, pkt, (uint32_t)n, NOW, &in) != SS_OK ||
				       in.data_len != 90 || memcmp(in.data, pay + 500, 90) != 0;
			}
			if (bad)
				fprintf(stderr, "\n%s row '%s' failed", meths[mi], row->name);
			CU_ASSERT_EQUAL(bad, 0);
			ss22_ucli_free(&c);
			relay_env_free(&e);
		}
	}
}

/* ------------------------------------------------------------ ownership */

static const char *all_meths[] = {"2022-blake3-aes-128-gcm", "2022-blake3-aes-256-gcm",
				  "2022-blake3-chacha20-poly1305"};

/* peek: the client's session id, for each method, single- and multi-user,
 * packet ids 0 and later; too short: -1. */
static void test_peek_sid(void)
{
	static const struct {
		int mi;
		uint8_t users;
		uint64_t pid;
		uint32_t seed;
	} rows[] = {
		{0, 0, 0, 1}, {0, 0, 77, 2}, {0, 1, 0, 3}, {0, 1, 5000, 4}, {1, 0, 0, 5},
		{1, 1, 9, 6}, {2, 0, 0, 7},  {2, 0, 1, 8}, {2, 0, 123456, 9},
	};

	for (size_t r = 0; r < sizeof(rows) / sizeof(rows[0]); r++) {
		const struct ss_method *m = ss2022_method_find(all_meths[rows[r].mi]);
		uint8_t ipsk[32], upsk[32], sid[8], got[8], xn[24], pkt[256];
		struct ss_eih_users users;
		struct ss22_usrv t;
		struct ss22_ucli c;
		char text[128];
		int n;

		fill(ipsk, 32, 10 * rows[r].seed);
		fill(upsk, 32, 10 * rows[r].seed + 1);
		fill(sid, 8, 10 * rows[r].seed + 2);
		fill(xn, 24, 10 * rows[r].seed + 3);
		if (rows[r].users) {
			CU_ASSERT_FATAL(ss_eih_users_init(&users, m, ipsk) == 0);
			CU_ASSERT_FATAL(ss_eih_users_add(&users, upsk, 1) == 0);
			CU_ASSERT_FATAL(ss22_usrv_init(&t, m, NULL, &users, 4, 1) == SS_OK);
			b64(ipsk, m->key_len, text);
			strcat(text, ":");
			b64(upsk, m->key_len, text + strlen(text));
		} else {
			CU_ASSERT_FATAL(ss22_usrv_init(&t, m, ipsk, NULL, 4, 1) == SS_OK);
			b64(ipsk, m->key_len, text);
		}
		CU_ASSERT_FATAL(ss22_ucli_init(&c, m, text, sid) == SS_OK);
		c.c.tx.next_pid = rows[r].pid;
		n = ss22_ucli_seal(ctx, &c, addr4, sizeof(addr4), 0, (const uint8_t *)"x", 1, xn, pkt,
				   NOW);
		CU_ASSERT_FATAL(n > 0);
		memset(got, 0, sizeof(got));
		CU_ASSERT_EQUAL(ss22_usrv_peek_sid(&t, pkt, (uint32_t)n, got), 0);
		if (memcmp(got, sid, 8) != 0)
			fprintf(stderr, "\n%s row %zu: peeked session id differs", all_meths[rows[r].mi], r);
		CU_ASSERT_EQUAL(memcmp(got, sid, 8), 0);
		CU_ASSERT_EQUAL(ss22_usrv_peek_sid(&t, pkt, m->alg == RB_AEAD_CHACHA20_POLY1305 ? 55 : 31,
						   got),
				-1);
		ss22_ucli_free(&c);
		ss22_usrv_free(&t);
		if (rows[r].users)
			ss_eih_users_free(&users);
	}
}

/* owner: n = 1 is always 0; otherwise stable, in range, and 4000 session
 * ids spread over every worker (at least half an even share each). */
static void test_owner_spread(void)
{
	static const unsigned ns[] = {1, 2, 3, 4, 8};

	for (size_t k = 0; k < sizeof(ns) / sizeof(ns[0]); k++) {
		unsigned n = ns[k], count[8] = {0};

		for (uint32_t i = 0; i < 4000; i++) {
			uint8_t sid[8];
			unsigned o;

			fill(sid, 8, 7000 + i);
			o = ss22_usess_owner(sid, n);
			CU_ASSERT_FATAL(o < n);
			CU_ASSERT_EQUAL(ss22_usess_owner(sid, n), o);
			count[o]++;
		}
		for (unsigned w = 0; w < n; w++)
			CU_ASSERT(count[w] >= 4000 / n / 2);
	}
}

/* Two workers, one session table each, as the dataplane.  64 clients send
 * 4 packets each; a packet arrives at worker (seeded), and every packet is
 * replayed to the other worker.  With ownership (packets go to
 * ss22_usess_owner(peek)) every original opens, every replay is refused,
 * each session lives on one table; without (each worker opens what it
 * gets) replays to the other worker pass: the model can fail. */
static unsigned two_workers(const struct ss_method *m, int owned, unsigned *live0,
			    unsigned *live1, unsigned *orig_ok)
{
	static uint8_t pkt[256], copy[256];
	struct ss22_usrv w[2];
	uint8_t psk[32], sid[8], rnd[8], arr[1];
	unsigned replays_ok = 0;
	char text[64];

	fill(psk, 32, 4242);
	b64(psk, m->key_len, text);
	CU_ASSERT_FATAL(ss22_usrv_init(&w[0], m, psk, NULL, 128, 1) == SS_OK);
	CU_ASSERT_FATAL(ss22_usrv_init(&w[1], m, psk, NULL, 128, 2) == SS_OK);
	*orig_ok = 0;
	for (uint32_t k = 0; k < 64; k++) {
		struct ss22_ucli c;

		fill(sid, 8, 300 + k);
		CU_ASSERT_FATAL(ss22_ucli_init(&c, m, text, sid) == SS_OK);
		for (uint32_t p = 0; p < 4; p++) {
			struct ss22_udp_in in;
			struct ss22_usess *s;
			uint8_t xn[24], got[8];
			unsigned at, to;
			int n;

			fill(xn, 24, 10000 + 4 * k + p);
			fill(rnd, 8, 20000 + 4 * k + p);
			fill(arr, 1, 30000 + 4 * k + p);
			n = ss22_ucli_seal(ctx, &c, addr4, sizeof(addr4), 0, (const uint8_t *)"ping", 4,
					   xn, pkt, NOW);
			CU_ASSERT_FATAL(n > 0);
			memcpy(copy, pkt, (size_t)n);
			for (int replay = 0; replay < 2; replay++) {
				at = (arr[0] & 1) ^ (unsigned)replay; /* the replay: the other one */
				to = at;
				if (owned) {
					memcpy(pkt, copy, (size_t)n);
					CU_ASSERT_FATAL(ss22_usrv_peek_sid(&w[at], pkt, (uint32_t)n, got) == 0);
					to = ss22_usess_owner(got, 2);
				}
				memcpy(pkt, copy, (size_t)n);
				if (ss22_usrv_open(ctx, &w[to], pkt, (uint32_t)n, NOW, rnd, &in, &s) == SS_OK) {
					if (replay)
						replays_ok++;
					else
						(*orig_ok)++;
				}
			}
		}
		ss22_ucli_free(&c);
	}
	*live0 = w[0].live;
	*live1 = w[1].live;
	ss22_usrv_free(&w[0]);
	ss22_usrv_free(&w[1]);
	return replays_ok;
}

static void test_two_workers(void)
{
	for (int mi = 0; mi < 3; mi++) {
		const struct ss_method *m = ss2022_method_find(all_meths[mi]);
		unsigned l0, l1, ok, passed;

		passed = two_workers(m, 1, &l0, &l1, &ok);
		CU_ASSERT_EQUAL(ok, 256u);
		CU_ASSERT_EQUAL(passed, 0u);
		CU_ASSERT_EQUAL(l0 + l1, 64u); /* one session each, on its owner */
		CU_ASSERT(l0 > 0 && l1 > 0);
		/* per-worker tables without ownership: replays pass */
		passed = two_workers(m, 0, &l0, &l1, &ok);
		CU_ASSERT(passed > 0);
		CU_ASSERT(l0 + l1 > 64u);
	}
}

static CU_TestInfo tests[] = {
	{ "relay re-encoding table", test_relay_table },
	{ "session id peek table", test_peek_sid },
	{ "owner spread", test_owner_spread },
	{ "two workers: replays to the other", test_two_workers },
	CU_TEST_INFO_NULL,
};

int main(void)
{
	return aead_cunit_main("ss2022_udp_relay", tests, &ctx);
}
