/* SPDX-License-Identifier: BSD-3-Clause */
/* Software segmentation of TCP super-segments (tso.h). */
#include <string.h>
#include <rte_ip.h>
#include "tso.h"
#include "cksum.h"

#define TCP_FL_FIN 0x01
#define TCP_FL_PSH 0x08
#define TCP_FL_CWR 0x80
#define TSO_MAX_PIECES 1024 /* 64 KiB in segments of 64 bytes */

/* Headers of a super-segment as tcp_xmit and the IP output leave them:
 * IPv4 without options beyond l3_len or a bare IPv6 header, TCP, a TCP
 * data offset matching l4_len, payload left, a segment size that fits
 * one mbuf with the headers. */
static int tso_hdr_ok(const uint8_t *h, uint32_t l3, uint32_t l4, uint32_t len, uint32_t segsz)
{
	uint32_t hl = l3 + l4;

	if (segsz == 0 || l4 < 20 || l4 > 60 || len <= hl ||
	    hl + segsz > RTE_MBUF_DEFAULT_DATAROOM ||
	    (len - hl + segsz - 1) / segsz > TSO_MAX_PIECES)
		return 0;
	if ((h[0] >> 4) == 4) {
		if (l3 < 20 || l3 != (h[0] & 0xfu) * 4u || h[9] != IPPROTO_TCP)
			return 0;
	} else if ((h[0] >> 4) == 6) {
		if (l3 != 40 || h[6] != IPPROTO_TCP)
			return 0;
	} else {
		return 0;
	}
	return (h[l3 + 12] >> 4) * 4u == l4;
}

int rb_tso_segment(struct rb_lcore *lc, struct rte_mbuf *m,
		   void (*out)(struct rb_lcore *lc, struct rte_mbuf *piece, void *arg), void *arg)
{
	uint32_t len = rte_pktmbuf_pkt_len(m), l3 = m->l3_len, l4 = m->l4_len, hl = l3 + l4;
	uint32_t segsz = m->tso_segsz, seq0, off;
	uint8_t hdr[60 + 60];
	const uint8_t *h = NULL;
	uint16_t id0 = 0, phs;
	int v4, n = 0;

	if (hl <= sizeof(hdr) && l3 >= 20 && len >= hl)
		h = rte_pktmbuf_read(m, 0, hl, hdr);
	if (h == NULL || !tso_hdr_ok(h, l3, l4, len, segsz)) {
		rb_drop(lc, m, RB_DROP_TSO_BAD);
		return -1;
	}
	if (h != hdr)
		memcpy(hdr, h, hl);
	v4 = (hdr[0] >> 4) == 4;
	if (v4)
		id0 = (uint16_t)(hdr[4] << 8 | hdr[5]);
	seq0 = (uint32_t)hdr[l3 + 4] << 24 | (uint32_t)hdr[l3 + 5] << 16 |
	       (uint32_t)hdr[l3 + 6] << 8 | hdr[l3 + 7];
	memcpy(&phs, hdr + l3 + 16, 2); /* pseudo-header sum without the length */
	for (off = 0; hl + off < len; off += segsz, n++) {
		uint32_t plen = RTE_MIN(segsz, len - hl - off), seq = seq0 + off;
		struct rte_mbuf *p = rte_pktmbuf_alloc(lc->dp->pool);
		const void *src;
		uint8_t *d, *th;
		uint16_t ck;

		d = p != NULL ? (uint8_t *)rte_pktmbuf_append(p, (uint16_t)(hl + plen)) : NULL;
		if (d == NULL) {
			/* the pieces sent are sent; TCP repairs the rest */
			rte_pktmbuf_free(p);
			rb_drop(lc, m, RB_DROP_NO_MBUF);
			return -1;
		}
		memcpy(d, hdr, hl);
		src = rte_pktmbuf_read(m, hl + off, plen, d + hl);
		if (src != d + hl)
			memcpy(d + hl, src, plen);
		th = d + l3;
		if (v4) {
			struct rte_ipv4_hdr *ih = (struct rte_ipv4_hdr *)(void *)d;

			/* RFC 6864 4.1: IDs of atomic datagrams are unused;
			 * consecutive ones as a NIC's TSO gives them */
			ih->total_length = rte_cpu_to_be_16((uint16_t)(hl + plen));
			ih->packet_id = rte_cpu_to_be_16((uint16_t)(id0 + n));
			ih->hdr_checksum = 0;
			ih->hdr_checksum = rte_ipv4_cksum(ih);
		} else {
			uint16_t pl = rte_cpu_to_be_16((uint16_t)(hl - 40 + plen));

			memcpy(d + 4, &pl, 2);
		}
		th[4] = (uint8_t)(seq >> 24);
		th[5] = (uint8_t)(seq >> 16);
		th[6] = (uint8_t)(seq >> 8);
		th[7] = (uint8_t)seq;
		/* RFC 3168 6.1.2: CWR on the first segment only; FIN and PSH
		 * belong to the last byte (RFC 9293 3.9.1) */
		if (hl + off + plen < len)
			th[13] &= (uint8_t)~(TCP_FL_FIN | TCP_FL_PSH);
		if (off)
			th[13] &= (uint8_t)~TCP_FL_CWR;
		/* RFC 9293 3.1: the length joins the pseudo-header sum */
		ck = rb_cksum_fold((uint64_t)phs + rte_cpu_to_be_16((uint16_t)(l4 + plen)));
		memcpy(th + 16, &ck, 2);
		p->ol_flags = (m->ol_flags & ~RTE_MBUF_F_TX_TCP_SEG & ~RTE_MBUF_F_TX_L4_MASK) |
			      RTE_MBUF_F_TX_TCP_CKSUM;
		p->l2_len = m->l2_len;
		p->l3_len = m->l3_len;
		p->l4_len = m->l4_len;
		p->port = m->port;
		out(lc, p, arg);
	}
	rte_pktmbuf_free(m);
	return n;
}
