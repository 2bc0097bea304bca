/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The relay's mbuf seal/open (dataplane/ss/ss_chain.c: chunk payloads
 * sealed and opened straight between mbufs through AEAD streams) against
 * the linear codec (ss_aead.c ss_enc / ss_dec), on a real lcore
 * (net_fixture.c), for every SIP004 method and a SIP022 stream cipher
 * after its headers (0xFFFF chunks):
 *   seal: a chain cut at every split point (two segments; and a third
 *     segment for longer payloads) must give exactly the bytes ss_enc gives
 *     a twin cipher (same salt and key, so same chunking and nonces);
 *   open: ss_enc's output as a chain cut at every split point, and fed in
 *     pieces of every size from 1 byte (partial units kept across calls),
 *     must give the plaintext back;
 *   damage: a flipped bit anywhere in the ciphertext fails the open (err,
 *     no output, later calls fail too);
 * ChaCha methods take the one-call-per-record path (gathered into a
 * linear buffer), AES-GCM the streamed one: both against the same codec;
 * and every mbuf is back in the pool.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <CUnit/Basic.h>

#include "dataplane/proxy/proxy_priv.h"
#include "dataplane/proxy/rb_proxy.h"
#include "dataplane/ss/ss2022.h"
#include "dataplane/ss/ss_relay.h"
#include "cunit_fixture.h"
#include "net_fixture.h"

static char cfg[2048];

struct chain_case {
	const char *method;
	uint32_t len; /* plaintext bytes */
	uint32_t step; /* split points: 0, step, 2 step, ... */
};

static const struct chain_case cases[] = {
	{"aes-128-gcm", 1, 1},
	{"aes-128-gcm", 100, 1},
	{"aes-256-gcm", 100, 1},
	{"chacha20-ietf-poly1305", 100, 1},
	{"xchacha20-ietf-poly1305", 100, 1},
	{"aes-128-gcm", 0x3FFF + 40, 97},
	{"chacha20-ietf-poly1305", 2 * 0x3FFF + 3, 1021},
	/* ChaCha records go through one AEAD call each (ss_chain.c
	 * one_call_records): gathered, sealed/opened in a linear buffer */
	{"xchacha20-ietf-poly1305", 0x3FFF + 300, 331},
	{"chacha20-ietf-poly1305", 200, 1},
	{"2022-blake3-chacha20-poly1305", 0xFFFF + 9, 2999},
	{"2022-blake3-aes-128-gcm", 100, 1},
	{"2022-blake3-aes-256-gcm", 0xFFFF + 9, 2999},
};

static const struct ss_method *method_of(const char *name)
{
	const struct ss_method *m = ss_method_find(name);

	return m != NULL ? m : ss2022_method_find(name);
}

/* p[0..len) as a chain cut at the ascending cuts (n of them). */
static struct rte_mbuf *chain_cut(const uint8_t *p, uint32_t len, const uint32_t *cuts,
				  unsigned n)
{
	struct rte_mbuf *head = NULL;
	uint32_t at = 0;

	for (unsigned i = 0; i <= n; i++) {
		uint32_t end = i < n ? cuts[i] : len;

		while (at < end) {
			/* mbufs hold up to 2 KiB: longer pieces are several segments */
			uint32_t k = end - at > 2000 ? 2000 : end - at;
			struct rte_mbuf *m = proxy_mbuf_from(fx_lc(0), p + at, k);

			CU_ASSERT_PTR_NOT_NULL_FATAL(m);
			if (head == NULL)
				head = m;
			else
				CU_ASSERT_EQUAL_FATAL(rte_pktmbuf_chain(head, m), 0);
			at += k;
		}
	}
	return head;
}

static size_t drain(struct rte_mbuf *m, uint8_t *buf, size_t cap)
{
	size_t n = 0;

	for (struct rte_mbuf *s = m; s; s = s->next) {
		CU_ASSERT_FATAL(n + s->data_len <= cap);
		memcpy(buf + n, rte_pktmbuf_mtod(s, const uint8_t *), s->data_len);
		n += s->data_len;
	}
	rte_pktmbuf_free(m);
	return n;
}

/* A keyed SIP004-framed pair (2022: the stream cipher after the headers). */
static void keyed(const struct ss_method *m, struct ss_cipher *e, struct ss_cipher *d,
		  uint8_t *pend, const uint8_t *salt)
{
	static const uint8_t master[SS_MAX_KEY] = {9, 8, 7};

	if (m->max_payload > SS_MAX_PAYLOAD) {
		CU_ASSERT_EQUAL_FATAL(ss_cipher_init_keyed(e, m, master, 5, NULL), SS_OK);
		if (d)
			CU_ASSERT_EQUAL_FATAL(ss_cipher_init_keyed(d, m, master, 5, pend), SS_OK);
	} else {
		CU_ASSERT_EQUAL_FATAL(ss_enc_init(e, m, master, salt), SS_OK);
		if (d)
			ss_dec_init(d, m, master);
	}
}

static void run_case(const struct chain_case *c, struct ss_lcore *sl, uint8_t *pt, uint8_t *ct,
		     uint8_t *got, size_t cap)
{
	static struct ss_cipher e1, e2, d;
	static uint8_t pend[SS2022_MAX_PAYLOAD + SS_TAG_LEN];
	const struct ss_method *m = method_of(c->method);
	uint8_t salt[SS_MAX_SALT];
	struct rb_lcore *lc = fx_lc(0);
	long clen;
	unsigned bad = 0;
	int err;

	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	for (unsigned i = 0; i < sizeof(salt); i++)
		salt[i] = (uint8_t)(i * 13 + c->len);
	for (uint32_t i = 0; i < c->len; i++)
		pt[i] = (uint8_t)(i * 7 + (i >> 8));
	keyed(m, &e1, NULL, NULL, salt);
	clen = ss_enc(lc->aead, &e1, pt, c->len, ct);
	CU_ASSERT_FATAL(clen > 0 && (size_t)clen <= cap);
	ss_cipher_wipe(&e1);

	for (uint32_t cut = 0; cut <= c->len; cut += c->step) {
		uint32_t cuts[2] = {cut, cut + (c->len - cut) / 2};
		struct rte_mbuf *o;

		/* seal: same bytes as the linear codec */
		keyed(m, &e2, NULL, NULL, salt);
		o = ss_mbuf_seal(lc, sl, &e2, chain_cut(pt, c->len, cuts, 2), &err);
		if (err != 0 || o == NULL || drain(o, got, cap) != (size_t)clen ||
		    memcmp(got, ct, (size_t)clen) != 0)
			bad++;
		ss_cipher_wipe(&e2);
		/* open: the ciphertext cut at the same proportion */
		keyed(m, &e2, &d, pend, salt);
		cuts[0] = (uint32_t)((uint64_t)cut * (uint64_t)clen / c->len);
		cuts[1] = cuts[0] + (uint32_t)(clen - cuts[0]) / 3;
		o = ss_mbuf_open(lc, sl, &d, chain_cut(ct, (uint32_t)clen, cuts, 2), &err);
		if (err != 0 || o == NULL || drain(o, got, cap) != c->len ||
		    memcmp(got, pt, c->len) != 0)
			bad++;
		ss_cipher_wipe(&e2);
		ss_cipher_wipe(&d);
	}
	CU_ASSERT_EQUAL(bad, 0);
	if (bad)
		fprintf(stderr, "\n%s len %u: %u bad\n", c->method, c->len, bad);

	/* open in pieces of every size, one call per piece */
	for (uint32_t piece = 1; piece <= 64 && c->len <= 200; piece++) {
		size_t n = 0;

		keyed(m, &e2, &d, pend, salt);
		for (uint32_t at = 0; at < (uint32_t)clen; at += piece) {
			uint32_t k = (uint32_t)clen - at < piece ? (uint32_t)clen - at : piece;
			struct rte_mbuf *o = ss_mbuf_open(lc, sl, &d, chain_cut(ct + at, k, NULL, 0), &err);

			CU_ASSERT_EQUAL_FATAL(err, 0);
			if (o != NULL)
				n += drain(o, got + n, cap - n);
		}
		CU_ASSERT_EQUAL(n, c->len);
		CU_ASSERT_EQUAL(memcmp(got, pt, c->len), 0);
		ss_cipher_wipe(&e2);
		ss_cipher_wipe(&d);
	}

	/* damage: every byte (short cases) or a spread of them */
	for (uint32_t at = 0; at < (uint32_t)clen; at += c->len <= 200 ? 1 : 509) {
		struct rte_mbuf *o;
		uint32_t cut = (uint32_t)clen / 2;

		if (m->max_payload <= SS_MAX_PAYLOAD && at < m->key_len)
			continue; /* a different salt is a different key: checked below */
		keyed(m, &e2, &d, pend, salt);
		ct[at] ^= 0x20;
		o = ss_mbuf_open(lc, sl, &d, chain_cut(ct, (uint32_t)clen, &cut, 1), &err);
		ct[at] ^= 0x20;
		CU_ASSERT_PTR_NULL(o);
		CU_ASSERT(err < 0);
		rte_pktmbuf_free(o);
		/* the stream stays dead */
		o = ss_mbuf_open(lc, sl, &d, chain_cut(ct, 4, NULL, 0), &err);
		CU_ASSERT_PTR_NULL(o);
		CU_ASSERT(err < 0);
		ss_cipher_wipe(&e2);
		ss_cipher_wipe(&d);
	}
}

static void test_chains(void)
{
	size_t cap = 2 * 0xFFFF + 4096;
	uint8_t *pt = malloc(cap), *ct = malloc(cap), *got = malloc(cap);
	struct ss_lcore *sl;
	unsigned in_use;

	CU_ASSERT_FATAL(pt && ct && got);
	CU_ASSERT_EQUAL_FATAL(fx_setup(cfg), 0);
	sl = ss_lcore_get(fx_lc(0), fx_lc(0)->dp->cfg->proxy);
	CU_ASSERT_PTR_NOT_NULL_FATAL(sl);
	in_use = fx_mbufs_in_use();
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		run_case(&cases[i], sl, pt, ct, got, cap);
	CU_ASSERT_EQUAL(fx_mbufs_in_use(), in_use);
	proxy_lcore_fini(fx_lc(0));
	fx_teardown();
	free(pt), free(ct), free(got);
}

static int chain_register(void)
{
	CU_pSuite su;

	if (fx_proxy_cfg(cfg, sizeof(cfg), "sschain",
			 "{ type = \"shadowsocks\"; tag = \"ss-a\"; server = \"10.1.0.9\";"
			 " server_port = 8388; method = \"aes-128-gcm\"; password = \"pw\"; }") != 0)
		return -1;
	su = CU_add_suite("ss mbuf chains vs the linear codec", NULL, NULL);
	CU_add_test(su, "seal/open at every split point, pieces, damage", test_chains);
	return 0;
}

int main(int argc, char **argv)
{
	(void)argc;
	return fx_cunit_main(argv[0], "test_ss_chain", chain_register, 0);
}
