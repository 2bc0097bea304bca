/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * UDP over TCP over mbufs (ss_uot_dp.h): packets gathered from a decrypted
 * stream's chains, and packets framed for sealing.  Both sides use them.
 */
#include <errno.h>
#include <string.h>

#include "../proxy/proxy_priv.h"
#include "ss_uot_dp.h"

/* Append p[0..n) to the chain *head (a new segment when the last is full);
 * 0 or -1 (no mbufs, counted). */
static int put_bytes(struct rb_lcore *lc, struct rte_mbuf *head, const uint8_t *p, size_t n)
{
	struct rte_mbuf *t = rte_pktmbuf_lastseg(head);

	while (n) {
		uint16_t room = rte_pktmbuf_tailroom(t), k;

		if (room == 0) {
			struct rte_mbuf *x = rte_pktmbuf_alloc(lc->dp->pool);

			if (x == NULL) {
				rb_drop_count(lc, RB_DROP_NO_MBUF);
				return -1;
			}
			if (rte_pktmbuf_chain(head, x) != 0) {
				rte_pktmbuf_free(x);
				return -1;
			}
			t = x;
			continue;
		}
		k = (uint16_t)(n < room ? n : room);
		memcpy(rte_pktmbuf_mtod_offset(t, uint8_t *, t->data_len), p, k);
		t->data_len = (uint16_t)(t->data_len + k);
		head->pkt_len += k;
		p += k;
		n -= k;
	}
	return 0;
}

static enum rb_drop err_drop(int rc)
{
	if (rc == UOT_ERR_ATYP)
		return RB_DROP_SS_UOT_ATYP;
	if (rc == UOT_ERR_LEN)
		return RB_DROP_SS_UOT_LEN;
	return RB_DROP_SS_UOT_ADDR;
}

int ss_uot_asm_feed(struct rb_lcore *lc, struct ss_uot_asm *a, struct rte_mbuf *m,
		    ss_uot_pkt_fn fn, void *arg, const int *stop)
{
	int ret = 0;

	for (struct rte_mbuf *seg = m; seg && !(stop && *stop); seg = seg->next) {
		const uint8_t *p = rte_pktmbuf_mtod(seg, const uint8_t *);
		size_t n = seg->data_len;

		while (n && !(stop && *stop)) {
			size_t used = 0;
			int rc = uot_rd_feed(&a->rd, p, n, &used);

			if (rc < 0) {
				rb_drop_count(lc, err_drop(rc));
				ret = rc;
				goto out;
			}
			if (rc == UOT_REQ && a->rd.connect)
				rb_count(lc, RB_EV_SS_UOT_IN_CONNECT);
			if (rc == UOT_PKT) {
				a->cur = rte_pktmbuf_alloc(lc->dp->pool);
				if (a->cur == NULL) {
					rb_drop_count(lc, RB_DROP_NO_MBUF);
					ret = -ENOBUFS;
					goto out;
				}
			}
			if (rc == UOT_DATA && a->cur && put_bytes(lc, a->cur, p, used) != 0) {
				ret = -ENOBUFS;
				goto out;
			}
			if ((rc == UOT_PKT || rc == UOT_DATA) && uot_rd_done(&a->rd) && a->cur) {
				struct rte_mbuf *d = a->cur;

				a->cur = NULL;
				rb_count(lc, RB_EV_SS_UOT_UP);
				fn(arg, d, &a->rd.dst);
			}
			p += used;
			n -= used;
		}
	}
out:
	rte_pktmbuf_free(m);
	return ret;
}

int ss_uot_dest_eq(const struct rb_dest *a, const struct rb_dest *b)
{
	return a->family == b->family && a->port == b->port && memcmp(a->addr, b->addr, 16) == 0 &&
	       strcmp(a->domain, b->domain) == 0;
}

void ss_uot_asm_free(struct ss_uot_asm *a)
{
	rte_pktmbuf_free(a->cur);
	a->cur = NULL;
}

struct rte_mbuf *ss_uot_frame(struct rb_lcore *lc, int connect, const struct rb_dest *addr,
			      struct rte_mbuf *m)
{
	uint8_t hdr[UOT_HDR_MAX];
	struct rte_mbuf *h;
	int hl;

	if (m->pkt_len > SS_UOT_PAYLOAD_MAX) {
		rte_pktmbuf_free(m);
		return NULL;
	}
	hl = uot_put_pkt_hdr(hdr, connect, addr, (uint16_t)m->pkt_len);
	if (hl < 0) {
		rte_pktmbuf_free(m);
		return NULL;
	}
	/* in the headroom when it fits (the usual case), else a segment first */
	if (rte_pktmbuf_headroom(m) >= (uint16_t)hl) {
		memcpy(rte_pktmbuf_prepend(m, (uint16_t)hl), hdr, (size_t)hl);
		return m;
	}
	h = proxy_mbuf_from(lc, hdr, (size_t)hl);
	if (h == NULL || rte_pktmbuf_chain(h, m) != 0) {
		rte_pktmbuf_free(h);
		rte_pktmbuf_free(m);
		return NULL;
	}
	return h;
}
