/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target for the relay's mbuf-chain Shadowsocks decoder
 * (dataplane/ss/ss_chain.c ss_mbuf_open: chunk payloads opened straight
 * from mbuf segments through AEAD streams), with a valid key so that
 * fuzzing reaches past the AEAD.
 *
 * Input: [method][mode][seg][piece][flip hi][flip lo][data...]
 *   method: one of the SIP004 methods or a SIP022 stream cipher (0xFFFF
 *           chunks) after its headers;
 *   mode 0: data is the ciphertext stream as is (lengths and tags as the
 *           fuzzer writes them: a first length that fails is the usual);
 *   mode 1: data is plaintext, sealed by the linear codec (ss_enc, chunks
 *           cut at data[0]-derived sizes), then the byte at `flip` is
 *           flipped when flip < the stream's length.
 * The stream goes to ss_mbuf_open in pieces of piece + 1 bytes, each piece
 * a chain of seg + 1-byte segments, and to the linear decoder (ss_dec)
 * whole: both must give the same verdict and the same plaintext bytes up
 * to it; mode 1 without a flip must give data back exactly.  Every mbuf
 * must be back in the pool.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <rte_mbuf.h>

#include "dataplane/rb_lcore.h"
#include "dataplane/rb_dp.h"
#include "dataplane/ss/ss2022.h"
#include "dataplane/ss/ss_relay.h"
#include "tests/unit/net_fixture.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_IN  (3 * 0x10000)
#define MAX_OUT (MAX_IN + 0x10000)

static const char fuzz_cfg[] =
	"dataplane = { lcores = 1;\n"
	" ports = ( { name = \"a\"; device = \"net_ring_fx0\"; addresses = [\"10.1.0.1/24\"]; } ); };\n";

static const char *const methods[] = {"aes-128-gcm", "aes-256-gcm", "chacha20-ietf-poly1305",
				      "xchacha20-ietf-poly1305", "2022-blake3-aes-128-gcm",
				      "2022-blake3-chacha20-poly1305"};

static uint8_t ct[MAX_OUT], ref[MAX_OUT], got[MAX_OUT];
static uint8_t pend1[SS2022_MAX_PAYLOAD + SS_TAG_LEN], pend2[SS2022_MAX_PAYLOAD + SS_TAG_LEN];
static struct ss_cipher enc, d_lin, d_chain;

static void fuzz_exit(void)
{
	fx_teardown();
	fx_fini();
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	if (fx_eal_init((*argv)[0]) != 0 || fx_setup(fuzz_cfg) != 0) {
		fprintf(stderr, "fuzz_ss_chain: cannot set up the dataplane\n");
		abort();
	}
	atexit(fuzz_exit);
	return 0;
}

static void keyed(const struct ss_method *m, struct ss_cipher *c, uint8_t *pend, int dec)
{
	static const uint8_t master[SS_MAX_KEY] = {3, 1, 4, 1, 5, 9, 2, 6};
	static const uint8_t salt[SS_MAX_SALT] = {2, 7, 1, 8, 2, 8};

	if (m->max_payload > SS_MAX_PAYLOAD) {
		if (ss_cipher_init_keyed(c, m, master, 0, dec ? pend : NULL) != SS_OK)
			abort();
	} else if (dec) {
		ss_dec_init(c, m, master);
	} else if (ss_enc_init(c, m, master, salt) != SS_OK) {
		abort();
	}
}

/* n bytes of p as a chain of seg-byte segments */
static struct rte_mbuf *chain(struct rte_mempool *mp, const uint8_t *p, size_t n, uint32_t seg)
{
	struct rte_mbuf *head = NULL, *tail = NULL;

	for (size_t at = 0; at < n; at += seg) {
		uint32_t k = n - at < seg ? (uint32_t)(n - at) : seg;
		struct rte_mbuf *m = rte_pktmbuf_alloc(mp);

		if (m == NULL || rte_pktmbuf_append(m, (uint16_t)k) == NULL)
			abort();
		memcpy(rte_pktmbuf_mtod(m, uint8_t *), p + at, k);
		if (tail) {
			tail->next = m;
			head->nb_segs++;
			head->pkt_len += k;
		} else {
			head = m;
		}
		tail = m;
	}
	return head;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rb_lcore *lc = fx_lc(0);
	struct rte_mempool *mp = fx_pool();
	const struct ss_method *m;
	size_t clen, rlen = 0, glen = 0, used, prod, at;
	uint32_t seg, piece, flip;
	unsigned in_use = fx_mbufs_in_use();
	int mode, rc_lin = SS_OK, err_chain = 0;

	if (size < 6 || size - 6 > MAX_IN)
		return 0;
	m = ss_method_find(methods[data[0] % 6]);
	if (m == NULL)
		m = ss2022_method_find(methods[data[0] % 6]);
	mode = data[1] & 1;
	seg = 1 + (data[2] % 255) * 8;        /* 1 .. 2033 */
	piece = 1 + (uint32_t)data[3] * 97;   /* 1 .. 24736 */
	flip = (uint32_t)data[4] << 8 | data[5];
	if (piece / seg > 256)
		seg = piece / 256 + 1; /* at most ~256 mbufs in flight per piece */
	data += 6;
	size -= 6;
	if (mode == 0) {
		memcpy(ct, data, size);
		clen = size;
	} else {
		long n;

		keyed(m, &enc, NULL, 0);
		n = ss_enc(lc->aead, &enc, data, size, ct);
		ss_cipher_wipe(&enc);
		if (n < 0)
			abort();
		clen = (size_t)n;
		if (flip < clen)
			ct[flip] ^= 0x01;
	}
	/* the linear decoder, whole */
	keyed(m, &d_lin, pend1, 1);
	for (at = 0; at < clen && rc_lin == SS_OK;) {
		rc_lin = ss_dec(lc->aead, &d_lin, ct + at, clen - at, &used, ref + rlen,
				sizeof(ref) - rlen, &prod);
		rlen += prod;
		at += used;
		if (rc_lin == SS_OK && used == 0 && prod == 0)
			break;
	}
	ss_cipher_wipe(&d_lin);
	/* the chain decoder, in pieces */
	keyed(m, &d_chain, pend2, 1);
	for (at = 0; at < clen && err_chain == 0; at += piece) {
		size_t k = clen - at < piece ? clen - at : piece;
		struct rte_mbuf *o = ss_mbuf_open(lc, NULL, &d_chain, chain(mp, ct + at, k, seg),
						  &err_chain);

		for (struct rte_mbuf *s = o; s != NULL; s = s->next) {
			if (glen + s->data_len > sizeof(got))
				abort();
			memcpy(got + glen, rte_pktmbuf_mtod(s, const uint8_t *), s->data_len);
			glen += s->data_len;
		}
		rte_pktmbuf_free(o);
		if (err_chain != 0 && o != NULL)
			abort(); /* an error gives no output */
	}
	ss_cipher_wipe(&d_chain);
	/* same verdict; the chain path gives out whole chunks only, so up to
	 * the failing call it may have given less, never different bytes */
	if ((rc_lin != SS_OK) != (err_chain != 0))
		abort();
	if (glen > rlen || memcmp(got, ref, glen) != 0)
		abort();
	if (rc_lin == SS_OK && glen != rlen)
		abort();
	if (mode == 1 && !(flip < clen) && (glen != size || memcmp(got, data, size) != 0))
		abort();
	if (fx_mbufs_in_use() != in_use)
		abort();
	return 0;
}
