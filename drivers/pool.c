/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The dataplane's mbuf pool, laid out so that net_af_xdp can use it as its
 * UMEM, and the check that it really can.
 *
 * DPDK 22.11's af_xdp PMD (zero-copy mbuf mode, XDP_UMEM_UNALIGNED_CHUNK_FLAG)
 * registers as UMEM the memory from the pool's first chunk, page-aligned
 * down, for populated_size x rte_mempool_calc_obj_size() bytes: it assumes
 * the objects are packed back to back.  rte_pktmbuf_pool_create() asks for
 * IOVA-contiguous objects, and without hugepages (4 KiB pages) the mempool
 * then never lets an object cross a page: a 2368-byte mbuf takes a whole
 * page, the pool spans 4096 x N bytes and every mbuf past ~58 % of it lies
 * outside the UMEM.  The kernel silently drops such addresses: on the fill
 * ring (never reported, the buffer is gone for good) and on the tx ring
 * (`tx_invalid_descs`, the mbuf never completes).  Once the fill ring has
 * lost all its buffers the port receives nothing, permanently: the freeze
 * seen with two workers on one CPU, whose mbufs cycle through the whole
 * pool (allocated on one lcore, freed on another) while one worker's cache
 * keeps reusing the first, valid ones.
 *
 * With no PCI port nothing does DMA, so the objects need no IOVA
 * contiguity: RTE_MEMPOOL_F_NO_IOVA_CONTIG packs them and the UMEM covers
 * them all.  rb_pool_umem_check() verifies the layout for af_xdp ports.
 */
#include <stdio.h>
#include <string.h>
#include <rte_errno.h>
#include <unistd.h>
#include <rte_mbuf.h>
#include <rte_mbuf_pool_ops.h>
#include <rte_mempool.h>
#include "rb_port.h"

static bool any_pci(const struct rb_config *cfg)
{
	for (int i = 0; i < cfg->dp.n_ports; i++)
		if (rb_dev_is_pci(cfg->dp.ports[i].device))
			return true;
	return false;
}

struct rte_mempool *rb_pool_create(const struct rb_config *cfg, const char *name, unsigned n,
				   unsigned cache, uint16_t data_room, int socket)
{
	struct rte_pktmbuf_pool_private priv = {.mbuf_data_room_size = data_room};
	unsigned flags = any_pci(cfg) ? 0 : RTE_MEMPOOL_F_NO_IOVA_CONTIG;
	struct rte_mempool *mp;
	int rc;

	mp = rte_mempool_create_empty(name, n, (unsigned)sizeof(struct rte_mbuf) + data_room,
				      cache, sizeof(priv), socket, flags);
	if (mp == NULL)
		return NULL;
	rc = rte_mempool_set_ops_byname(mp, rte_mbuf_best_mempool_ops(), NULL);
	if (rc != 0)
		goto fail;
	rte_pktmbuf_pool_init(mp, &priv);
	rc = rte_mempool_populate_default(mp);
	if (rc < 0)
		goto fail;
	rte_mempool_obj_iter(mp, rte_pktmbuf_init, NULL);
	return mp;
fail:
	rte_mempool_free(mp);
	rte_errno = -rc;
	return NULL;
}

struct umem_span {
	uintptr_t base;      /* first chunk, page-aligned down (the PMD's umem->buffer) */
	uint64_t size;       /* what the PMD registers */
	size_t hdr, total;   /* object header and header + element + trailer */
	uint64_t span;       /* end of the last object, from base */
	unsigned outside;    /* objects not entirely inside [base, base + size) */
	unsigned first_bad;  /* index of the first of them */
	unsigned idx;
};

static void span_obj(struct rte_mempool *mp, void *arg, void *obj, unsigned idx)
{
	struct umem_span *s = arg;
	uintptr_t start = (uintptr_t)obj - s->hdr;

	(void)mp;
	(void)idx;
	if (start >= s->base && start - s->base + s->total > s->span)
		s->span = start - s->base + s->total;
	if (start < s->base || start - s->base + s->total > s->size) {
		if (s->outside++ == 0)
			s->first_bad = s->idx;
	}
	s->idx++;
}

int rb_pool_umem_check(struct rte_mempool *mp, char *err, size_t len)
{
	const struct rte_mempool_memhdr *mh = STAILQ_FIRST(&mp->mem_list);
	struct umem_span s;
	uintptr_t page = (uintptr_t)getpagesize();

	if (mh == NULL) {
		snprintf(err, len, "mbuf pool %s is not populated", mp->name);
		return -1;
	}
	memset(&s, 0, sizeof(s));
	s.base = (uintptr_t)mh->addr & ~(page - 1);
	s.size = (uint64_t)mp->populated_size *
			 rte_mempool_calc_obj_size(mp->elt_size, mp->flags, NULL) +
		 ((uintptr_t)mh->addr - s.base);
	s.hdr = mp->header_size;
	s.total = (size_t)mp->header_size + mp->elt_size + mp->trailer_size;
	rte_mempool_obj_iter(mp, span_obj, &s);
	if (s.outside == 0)
		return 0;
	snprintf(err, len,
		 "mbuf pool %s: %u of %u mbufs (from #%u) lie outside the UMEM that "
		 "net_af_xdp registers (%llu bytes; the pool spans %llu in %u chunk(s)): the "
		 "kernel would drop them from the fill and tx rings until the port stops receiving",
		 mp->name, s.outside, mp->populated_size, s.first_bad,
		 (unsigned long long)s.size, (unsigned long long)s.span, mp->nb_mem_chunks);
	return -1;
}
