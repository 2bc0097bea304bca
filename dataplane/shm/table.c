/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Route tables built by control in the segment's arena (control/README.md
 * "Tables").  Two slots; control writes the one not last published, then
 * publishes with one atomic store of generation << 8 | slot.  The
 * dataplane reads the published slot and acks the generation; control
 * writes a slot again only once the table published before is acked, so a
 * slot being read is never overwritten.
 */
#include <errno.h>
#include <string.h>
#include <stdio.h>

#include "rb_shm.h"

#define FNV_OFF   0xcbf29ce484222325ULL
#define FNV_PRIME 0x100000001b3ULL

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
	const uint8_t *b = p;

	while (n--)
		h = (h ^ *b++) * FNV_PRIME;
	return h;
}

uint64_t rb_tbl_checksum(uint32_t generation, const struct rb_cfg_route *r, uint32_t n)
{
	uint64_t h = fnv(FNV_OFF, &generation, sizeof(generation));

	h = fnv(h, &n, sizeof(n));
	return fnv(h, r, (size_t)n * sizeof(*r));
}

static struct rb_tbl_hdr *slot(struct rb_shm *s, unsigned i)
{
	return (struct rb_tbl_hdr *)((char *)s->base + s->hdr->arena_off +
				     i * s->hdr->arena_slot_size);
}

uint32_t rb_shm_table_published(const struct rb_shm *s)
{
	return (uint32_t)(__atomic_load_n(&s->hdr->table_pub, __ATOMIC_ACQUIRE) >> 8);
}

int rb_shm_table_acked(const struct rb_shm *s, uint32_t generation, int *status)
{
	uint64_t ack = __atomic_load_n(&s->hdr->table_ack, __ATOMIC_ACQUIRE);

	if (ack < generation)
		return 0;
	if (status)
		*status = ack == generation ? s->hdr->table_ack_status : 0;
	return 1;
}

int64_t rb_shm_table_publish(struct rb_shm *s, const struct rb_cfg_route *r, uint32_t n)
{
	uint64_t pub = __atomic_load_n(&s->hdr->table_pub, __ATOMIC_ACQUIRE);
	uint32_t gen = (uint32_t)(pub >> 8), ngen;
	unsigned cur = pub & 0xff, next;
	struct rb_tbl_hdr *t;

	if (n > RB_MAX_ROUTES)
		return -E2BIG;
	if (gen && !rb_shm_table_acked(s, gen, NULL))
		return -EBUSY;
	ngen = gen + 1;
	if (ngen >= (1u << 24)) /* fits table_pub's upper bits with room; wrap */
		ngen = 1;
	next = gen ? (cur + 1) % RB_TBL_SLOTS : 0;
	t = slot(s, next);
	memset(t, 0, sizeof(*t));
	if (n)
		memcpy(t + 1, r, (size_t)n * sizeof(*r));
	t->generation = ngen;
	t->count = n;
	t->route_size = sizeof(*r);
	t->checksum = rb_tbl_checksum(ngen, (const struct rb_cfg_route *)(t + 1), n);
	t->magic = RB_TBL_MAGIC;
	if (ngen == 1)
		__atomic_store_n(&s->hdr->table_ack, 0, __ATOMIC_RELEASE);
	__atomic_store_n(&s->hdr->table_pub, (uint64_t)ngen << 8 | next, __ATOMIC_RELEASE);
	return ngen;
}

const struct rb_cfg_route *rb_shm_table_acquire(struct rb_shm *s, uint32_t *n, uint32_t *gen,
						int *bad)
{
	uint64_t pub = __atomic_load_n(&s->hdr->table_pub, __ATOMIC_ACQUIRE);
	unsigned i = pub & 0xff;
	const struct rb_tbl_hdr *t;
	const struct rb_cfg_route *r;

	*bad = 0;
	if (pub == s->tbl_seen || (pub >> 8) == 0)
		return NULL;
	s->tbl_seen = pub;
	*gen = (uint32_t)(pub >> 8);
	if (i >= RB_TBL_SLOTS) {
		*bad = 1;
		return NULL;
	}
	t = slot(s, i);
	r = (const struct rb_cfg_route *)(t + 1);
	if (t->magic != RB_TBL_MAGIC || t->generation != *gen || t->count > RB_MAX_ROUTES ||
	    t->route_size != sizeof(*r) || t->checksum != rb_tbl_checksum(*gen, r, t->count)) {
		*bad = 1;
		return NULL;
	}
	*n = t->count;
	return r;
}

void rb_shm_table_ack(struct rb_shm *s, uint32_t gen, int status, const char *err)
{
	snprintf(s->hdr->table_ack_err, sizeof(s->hdr->table_ack_err), "%s", err ? err : "");
	s->hdr->table_ack_status = status;
	__atomic_store_n(&s->hdr->table_ack, gen, __ATOMIC_RELEASE);
}
