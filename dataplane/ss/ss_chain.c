/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The relay's mbuf seal/open (ss_relay.h ss_mbuf_seal / ss_mbuf_open).
 *
 * Once a cipher's stream is SIP004-framed (SIP004 from the salt on, SIP022
 * once its headers are through: ss22c_stream), chunk payloads go straight
 * between mbufs through AEAD streams (crypto/rb_aead.h rb_aead_stream_*):
 *   seal: for each chunk of up to m->max_payload bytes of the input chain,
 *     the 2-byte length chunk (SIP004 "[encrypted payload length][length
 *     tag]"), then the payload read from the input segments and written
 *     into the output segments' tailroom, then its tag; each input segment
 *     is freed once read, so the output takes the just-freed, cache-hot
 *     mbufs (the mempool cache is LIFO);
 *   open: a payload whose bytes (and tag) are all in the chain is opened
 *     from the input segments into output segments; a payload cut by the
 *     chain's end is kept in the cipher's reassembly buffer (one copy) and
 *     opened from there when complete; the salt and length units go
 *     through ss_dec (small copies).  On a failed tag the plaintext written
 *     so far is wiped with the chain.
 * So payload bytes are read once and written once (no linear buffers).
 * ChaCha20-Poly1305 records instead take one AEAD call each (a chunk
 * gathered into a linear buffer and the result copied: one_call_records,
 * its streams' updates cost more than the copies).
 * Until the 2022 headers are through, the linear path below gathers into
 * sl->tmp_in, runs ss_enc / ss_dec and scatters sl->tmp_out.
 */
#include <errno.h>
#include <string.h>
#include <openssl/crypto.h>

#include "../rb_log.h"
#include "ss2022_compat.h"
#include "ss_relay.h"

/* The linear path (2022 headers): bytes gathered per pass, two whole
 * SIP004 chunks. */
#define SS_PASS_MAX (2 * SS_MAX_PAYLOAD)
_Static_assert(SS_PASS_MAX <= SS_LIN_MAX, "a pass fits tmp_in");


struct obuf {
	struct rte_mbuf *head, *tail;
	uint32_t len;
	uint16_t nseg;
};

static int obuf_put(struct rb_lcore *lc, struct obuf *o, const uint8_t *p, size_t n)
{
	while (n) {
		struct rte_mbuf *t = o->tail;
		uint32_t room = t ? (uint32_t)rte_pktmbuf_tailroom(t) : 0;
		uint32_t k;

		if (room == 0) {
			t = rte_pktmbuf_alloc(lc->dp->pool);
			if (t == NULL) {
				rb_drop_count(lc, RB_DROP_NO_MBUF);
				return -ENOBUFS;
			}
			if (o->tail)
				o->tail->next = t;
			else
				o->head = t;
			o->tail = t;
			o->nseg++;
			room = (uint32_t)rte_pktmbuf_tailroom(t);
		}
		k = n < room ? (uint32_t)n : room;
		memcpy(rte_pktmbuf_mtod_offset(t, uint8_t *, t->data_len), p, k);
		t->data_len = (uint16_t)(t->data_len + k);
		o->len += k;
		p += k;
		n -= k;
	}
	return 0;
}

static struct rte_mbuf *obuf_done(struct obuf *o)
{
	if (o->head == NULL)
		return NULL;
	o->head->pkt_len = o->len;
	o->head->nb_segs = o->nseg;
	return o->head;
}

/* Copy up to SS_PASS_MAX bytes of the chain from (*seg, *off) into
 * sl->tmp_in and advance past them, freeing each segment once read; how
 * many (0 at the end).  *seg is then the rest of the chain (or NULL). */
static size_t gather(struct ss_lcore *sl, struct rte_mbuf **seg, uint32_t *off)
{
	size_t lin = 0;

	while (*seg && lin < SS_PASS_MAX) {
		struct rte_mbuf *s = *seg;
		uint32_t k = s->data_len - *off;

		if (k > SS_PASS_MAX - lin)
			k = (uint32_t)(SS_PASS_MAX - lin);
		memcpy(sl->tmp_in + lin, rte_pktmbuf_mtod_offset(s, const uint8_t *, *off), k);
		lin += k;
		*off += k;
		if (*off == s->data_len) {
			*seg = s->next;
			*off = 0;
			rte_pktmbuf_free_seg(s);
		}
	}
	return lin;
}

static struct rte_mbuf *seal_linear(struct rb_lcore *lc, struct ss_lcore *sl, struct ss_cipher *c,
				    struct rte_mbuf *m, int *err)
{
	struct obuf o = {0};
	struct rte_mbuf *seg = m; /* what is left of m */
	uint32_t off = 0;

	*err = 0;
	while (seg) {
		size_t lin = gather(sl, &seg, &off); /* up to SS_PASS_MAX bytes of plaintext */
		long n;

		if (lin == 0)
			break;
		n = ss_enc(lc->aead, c, sl->tmp_in, lin, sl->tmp_out);
		if (n < 0) {
			*err = -EIO;
			goto fail;
		}
		if (obuf_put(lc, &o, sl->tmp_out, (size_t)n) != 0) {
			*err = -ENOBUFS;
			goto fail;
		}
	}
	return obuf_done(&o); /* m was freed segment by segment */
fail:
	rte_pktmbuf_free(seg);
	rte_pktmbuf_free(obuf_done(&o));
	return NULL;
}

static struct rte_mbuf *open_linear(struct rb_lcore *lc, struct ss_lcore *sl, struct ss_cipher *c,
				    struct rte_mbuf *m, int *err)
{
	struct obuf o = {0};
	struct rte_mbuf *seg = m; /* what is left of m */
	uint32_t off = 0;

	*err = 0;
	while (seg) {
		/* up to SS_PASS_MAX bytes: the whole chunks in them are
		 * opened, their payloads in one batch */
		size_t lin = gather(sl, &seg, &off), done = 0;

		while (done < lin) {
			size_t used = 0, prod = 0;
			int rc = ss_dec(lc->aead, c, sl->tmp_in + done, lin - done, &used, sl->tmp_out,
					sizeof(sl->tmp_out), &prod);

			if (rc != SS_OK) {
				*err = rc == SS_ERR_INTERNAL ? -EIO : -EBADMSG;
				goto fail;
			}
			if (prod && obuf_put(lc, &o, sl->tmp_out, prod) != 0) {
				*err = -ENOBUFS;
				goto fail;
			}
			if (used == 0 && prod == 0) {
				*err = -EIO; /* cannot happen: tmp_out holds a whole chunk */
				goto fail;
			}
			done += used;
		}
	}
	return obuf_done(&o); /* m was freed segment by segment */
fail:
	rte_pktmbuf_free(seg);
	rte_pktmbuf_free(obuf_done(&o));
	return NULL;
}


/* ------------------------------------------------------------ direct path */

/* Room in o's last segment, or a new segment when it has less than want
 * (so a piece is not cut in two: one AEAD update per input segment);
 * 0 without mbufs. */
static uint32_t obuf_room(struct rb_lcore *lc, struct obuf *o, uint8_t **at, uint32_t want)
{
	struct rte_mbuf *t = o->tail;
	uint32_t room = t ? (uint32_t)rte_pktmbuf_tailroom(t) : 0;

	if (room < want) {
		t = rte_pktmbuf_alloc(lc->dp->pool);
		if (t == NULL) {
			rb_drop_count(lc, RB_DROP_NO_MBUF);
			return 0;
		}
		if (o->tail)
			o->tail->next = t;
		else
			o->head = t;
		o->tail = t;
		o->nseg++;
		room = (uint32_t)rte_pktmbuf_tailroom(t);
	}
	*at = rte_pktmbuf_mtod_offset(t, uint8_t *, t->data_len);
	return room;
}

static void obuf_grow(struct obuf *o, uint32_t k)
{
	o->tail->data_len = (uint16_t)(o->tail->data_len + k);
	o->len += k;
}

/* Where the walk over the input chain is: segment, offset in it, bytes
 * left in the chain.  Segments are freed once passed. */
struct ipos {
	struct rte_mbuf *seg;
	uint32_t off;
	uint32_t left;
};

static void ipos_skip(struct ipos *p, uint32_t k)
{
	p->off += k;
	p->left -= k;
	while (p->seg != NULL && p->off >= p->seg->data_len) {
		struct rte_mbuf *s = p->seg;

		p->off -= s->data_len;
		p->seg = s->next;
		rte_pktmbuf_free_seg(s);
	}
}

/* Copy n bytes (n <= p->left) of the chain out and step past them. */
static void ipos_copy(struct ipos *p, uint8_t *out, uint32_t n)
{
	while (n) {
		uint32_t k = p->seg->data_len - p->off;

		if (k > n)
			k = n;
		memcpy(out, rte_pktmbuf_mtod_offset(p->seg, const uint8_t *, p->off), k);
		out += k;
		n -= k;
		ipos_skip(p, k);
	}
}

/* Run n bytes through stream s into o: from the chain at p (src NULL), or
 * from the linear src.  0, or -ENOBUFS / -EIO. */
static int stream_to(struct rb_lcore *lc, struct rb_aead_stream *s, struct obuf *o,
		     struct ipos *p, const uint8_t *src, uint32_t n)
{
	while (n) {
		uint32_t in = src == NULL ? p->seg->data_len - p->off : n;
		uint8_t *at;
		uint32_t k;
		const uint8_t *from;

		if (in > n)
			in = n;
		k = obuf_room(lc, o, &at, in < RTE_MBUF_DEFAULT_DATAROOM ? in : 1);
		if (k == 0)
			return -ENOBUFS;
		if (k > in)
			k = in;
		from = src == NULL ? rte_pktmbuf_mtod_offset(p->seg, const uint8_t *, p->off) : src;
		if (rb_aead_stream_update(s, from, at, k) != RB_AEAD_OK)
			return -EIO;
		obuf_grow(o, k);
		if (src == NULL)
			ipos_skip(p, k);
		else
			src += k;
		n -= k;
	}
	return 0;
}

/* Wipe the plaintext of a chain being discarded, then free it. */
static void free_wiped(struct rte_mbuf *m)
{
	for (struct rte_mbuf *s = m; s != NULL; s = s->next)
		OPENSSL_cleanse(rte_pktmbuf_mtod(s, void *), s->data_len);
	rte_pktmbuf_free(m);
}

/* Whether x's records go through one AEAD call each (gathered into a
 * linear buffer, a copy) rather than an update per mbuf segment: the
 * ChaCha20-Poly1305 streams pay ~300 cycles an update (ipsec-mb 1.3 on Zen
 * 4 with AVX-512: a 16 KiB record in 1448-byte updates 0.89 c/B against
 * 0.66 in one; AES-GCM 0.235 against 0.208, less than the copy), and its
 * 2-byte length record costs 811 cycles as a stream against 442 as a job
 * (bench_ss records). */
static int one_call_records(const struct ss_cipher *x)
{
	return x->m->alg == RB_AEAD_CHACHA20_POLY1305 || x->m->alg == RB_AEAD_XCHACHA20_POLY1305;
}

/* One chunk of n bytes from the chain at p sealed in two AEAD calls (the
 * length record, the payload gathered into lin) into o.  0, or -ENOBUFS /
 * -EIO. */
static int seal_chunk_once(struct rb_lcore *lc, struct ss_cipher *x, struct obuf *o,
			   struct ipos *p, uint8_t *lin, uint32_t n)
{
	uint8_t nonce[SS_MAX_NONCE], hdr[SS_LEN_LEN + SS_TAG_LEN], tag[SS_TAG_LEN];

	hdr[0] = (uint8_t)(n >> 8);
	hdr[1] = (uint8_t)n;
	ss_nonce_take(x, nonce);
	if (rb_aead_seal(lc->aead, &x->key, nonce, NULL, 0, hdr, hdr, SS_LEN_LEN,
			 hdr + SS_LEN_LEN) != RB_AEAD_OK)
		return -EIO;
	ipos_copy(p, lin, n);
	ss_nonce_take(x, nonce);
	if (rb_aead_seal(lc->aead, &x->key, nonce, NULL, 0, lin, lin, n, tag) != RB_AEAD_OK)
		return -EIO;
	if (obuf_put(lc, o, hdr, sizeof(hdr)) != 0 || obuf_put(lc, o, lin, n) != 0 ||
	    obuf_put(lc, o, tag, sizeof(tag)) != 0)
		return -ENOBUFS;
	x->chunks++;
	return 0;
}

static struct rte_mbuf *seal_direct(struct rb_lcore *lc, struct ss_cipher *x, uint8_t *lin,
				    struct rte_mbuf *m, int *err)
{
	struct obuf o = {0};
	struct ipos p = {m, 0, m->pkt_len};
	struct rb_aead_stream s;
	uint8_t nonce[SS_MAX_NONCE], hdr[SS_LEN_LEN + SS_TAG_LEN], tag[SS_TAG_LEN];
	int rc = 0;

	if (!x->salt_sent) {
		if (obuf_put(lc, &o, x->salt, x->m->key_len) != 0) {
			rc = -ENOBUFS;
			goto fail;
		}
		x->salt_sent = 1;
	}
	while (p.left) {
		uint32_t n = p.left < x->m->max_payload ? p.left : x->m->max_payload;

		if (lin != NULL && one_call_records(x)) {
			rc = seal_chunk_once(lc, x, &o, &p, lin, n);
			if (rc != 0)
				goto fail;
			continue;
		}
		/* SIP004 4.2: [encrypted length][length tag][encrypted payload][payload tag] */
		hdr[0] = (uint8_t)(n >> 8);
		hdr[1] = (uint8_t)n;
		ss_nonce_take(x, nonce);
		if (rb_aead_stream_begin(lc->aead, &s, &x->key, nonce, NULL, 0, SS_LEN_LEN, 0) !=
			    RB_AEAD_OK ||
		    rb_aead_stream_update(&s, hdr, hdr, SS_LEN_LEN) != RB_AEAD_OK ||
		    rb_aead_stream_final(&s, hdr + SS_LEN_LEN) != RB_AEAD_OK) {
			rc = -EIO;
			goto fail;
		}
		if (obuf_put(lc, &o, hdr, sizeof(hdr)) != 0) {
			rc = -ENOBUFS;
			goto fail;
		}
		ss_nonce_take(x, nonce);
		if (rb_aead_stream_begin(lc->aead, &s, &x->key, nonce, NULL, 0, n, 0) != RB_AEAD_OK) {
			rc = -EIO;
			goto fail;
		}
		rc = stream_to(lc, &s, &o, &p, NULL, n);
		if (rc != 0) {
			rb_aead_stream_abort(&s);
			goto fail;
		}
		if (rb_aead_stream_final(&s, tag) != RB_AEAD_OK) {
			rc = -EIO;
			goto fail;
		}
		if (obuf_put(lc, &o, tag, sizeof(tag)) != 0) {
			rc = -ENOBUFS;
			goto fail;
		}
		x->chunks++;
	}
	return obuf_done(&o); /* m was freed segment by segment */
fail:
	*err = rc;
	rte_pktmbuf_free(p.seg);
	rte_pktmbuf_free(obuf_done(&o));
	return NULL;
}

/* A whole payload (plen bytes and its tag) from the chain at p, or from
 * the reassembly buffer (src), opened into o. */
static int open_payload(struct rb_lcore *lc, struct ss_cipher *x, struct obuf *o, struct ipos *p,
			const uint8_t *src)
{
	struct rb_aead_stream s;
	uint8_t nonce[SS_MAX_NONCE], tag[SS_TAG_LEN];
	int rc;

	ss_nonce_take(x, nonce);
	if (rb_aead_stream_begin(lc->aead, &s, &x->key, nonce, NULL, 0, x->plen, 1) != RB_AEAD_OK)
		return -EIO;
	rc = stream_to(lc, &s, o, p, src, x->plen);
	if (rc != 0) {
		rb_aead_stream_abort(&s);
		return rc;
	}
	if (src != NULL)
		memcpy(tag, src + x->plen, SS_TAG_LEN);
	else
		ipos_copy(p, tag, SS_TAG_LEN);
	rc = rb_aead_stream_final(&s, tag);
	if (rc != RB_AEAD_OK)
		return rc == RB_AEAD_EAUTH ? -EBADMSG : -EIO;
	x->chunks++;
	x->st = SS_ST_LEN;
	return 0;
}

/* The payload in x->pend (plen bytes and its tag) opened there in one
 * AEAD call (one_call_records) and copied into o. */
static int open_pend_once(struct rb_lcore *lc, struct ss_cipher *x, struct obuf *o)
{
	uint8_t nonce[SS_MAX_NONCE];
	int rc;

	ss_nonce_take(x, nonce);
	rc = rb_aead_open(lc->aead, &x->key, nonce, NULL, 0, x->pend, x->pend, x->plen,
			  x->pend + x->plen);
	if (rc != RB_AEAD_OK)
		return rc == RB_AEAD_EAUTH ? -EBADMSG : -EIO; /* pend zeroed */
	if (obuf_put(lc, o, x->pend, x->plen) != 0)
		return -ENOBUFS;
	x->chunks++;
	x->st = SS_ST_LEN;
	return 0;
}

static struct rte_mbuf *open_direct(struct rb_lcore *lc, struct ss_cipher *x, struct rte_mbuf *m,
				    int *err)
{
	struct obuf o = {0};
	struct ipos p = {m, 0, m->pkt_len};
	int rc = 0;

	if (x->failed) {
		rc = -EBADMSG;
		goto fail;
	}
	while (p.left) {
		uint32_t need;

		if (x->st != SS_ST_PAYLOAD) {
			/* salt or length: through ss_dec, exactly the rest of the unit */
			uint8_t unit[SS_MAX_SALT + SS_LEN_LEN + SS_TAG_LEN];
			size_t used = 0, prod = 0;

			need = (x->st == SS_ST_SALT ? x->m->key_len : SS_LEN_LEN + SS_TAG_LEN) -
			       x->pend_len;
			if (need > p.left)
				need = p.left;
			ipos_copy(&p, unit, need);
			rc = ss_dec(lc->aead, x, unit, need, &used, NULL, 0, &prod);
			OPENSSL_cleanse(unit, need);
			if (rc != SS_OK) {
				rc = rc == SS_ERR_INTERNAL ? -EIO : -EBADMSG;
				goto fail;
			}
			continue;
		}
		need = (uint32_t)x->plen + SS_TAG_LEN;
		if (x->pend_len == 0 && p.left >= need && !one_call_records(x)) {
			rc = open_payload(lc, x, &o, &p, NULL);
		} else {
			uint32_t k = need - x->pend_len;

			if (k > p.left)
				k = p.left;
			ipos_copy(&p, x->pend + x->pend_len, k);
			x->pend_len += k;
			if (x->pend_len < need)
				break;
			x->pend_len = 0;
			rc = one_call_records(x) ? open_pend_once(lc, x, &o)
						 : open_payload(lc, x, &o, &p, x->pend);
		}
		if (rc != 0)
			goto fail;
	}
	return obuf_done(&o); /* m was freed segment by segment */
fail:
	x->failed = 1;
	*err = rc;
	rte_pktmbuf_free(p.seg);
	free_wiped(obuf_done(&o));
	return NULL;
}

struct rte_mbuf *ss_mbuf_seal(struct rb_lcore *lc, struct ss_lcore *sl, struct ss_cipher *c,
			      struct rte_mbuf *m, int *err)
{
	struct ss_cipher *x = ss22c_stream(c);

	*err = 0;
	if (m->pkt_len == 0) {
		rte_pktmbuf_free(m);
		return NULL;
	}
	return x != NULL ? seal_direct(lc, x, sl ? sl->tmp_in : NULL, m, err)
			 : seal_linear(lc, sl, c, m, err);
}

struct rte_mbuf *ss_mbuf_open(struct rb_lcore *lc, struct ss_lcore *sl, struct ss_cipher *c,
			      struct rte_mbuf *m, int *err)
{
	struct ss_cipher *x = ss22c_stream(c);

	*err = 0;
	return x != NULL ? open_direct(lc, x, m, err) : open_linear(lc, sl, c, m, err);
}
