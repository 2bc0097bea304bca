/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The route segment (rt_shm.h): create/attach, table publication, the
 * resolver cache and the message rings.  No EAL: rte_ring_init() and the
 * inline ring functions work on any memory.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <rte_ring.h>
#include <rte_ring_elem.h>

#include "rt_shm.h"

#define ALIGN64(x) (((x) + 63) & ~(uint64_t)63)

void rb_rts_name(const char *main_name, char *out, size_t len)
{
	snprintf(out, len, "%s.route", main_name && main_name[0] ? main_name : "/ringbox");
}

static size_t ring_bytes(void)
{
	return (size_t)rte_ring_get_memsize_elem(sizeof(struct rb_rts_msg), RB_RTS_RING_SLOTS);
}

static uint64_t layout(struct rb_rts_hdr *h)
{
	uint64_t off = ALIGN64(sizeof(*h));

	h->c2d_off = off;
	off += ALIGN64(ring_bytes());
	h->d2c_off = off;
	off += ALIGN64(ring_bytes());
	h->dns_off = off;
	h->dns_n = RB_RTS_DNS_N;
	h->dns_entry_size = sizeof(struct rb_rts_dns);
	off += ALIGN64((uint64_t)RB_RTS_DNS_N * sizeof(struct rb_rts_dns));
	off = (off + 4095) & ~(uint64_t)4095;
	h->slot_size = RB_RTS_SLOT_SIZE;
	h->slot_off[0] = off;
	h->slot_off[1] = off + RB_RTS_SLOT_SIZE;
	return off + 2ull * RB_RTS_SLOT_SIZE;
}

static void set_rings(struct rb_rts *s)
{
	struct rte_ring *c2d = (struct rte_ring *)((char *)s->base + s->hdr->c2d_off);
	struct rte_ring *d2c = (struct rte_ring *)((char *)s->base + s->hdr->d2c_off);

	s->tx = s->owner ? d2c : c2d;
	s->rx = s->owner ? c2d : d2c;
}

struct rb_rts *rb_rts_create(const char *name, char *err, size_t errlen)
{
	struct rb_rts_hdr tmp = {0};
	struct rb_rts *s;
	uint64_t size = layout(&tmp), boot = 0;
	int fd;

	shm_unlink(name);
	fd = shm_open(name, O_RDWR | O_CREAT | O_EXCL, 0600);
	if (fd < 0) {
		snprintf(err, errlen, "shm_open %s: %s", name, strerror(errno));
		return NULL;
	}
	if (ftruncate(fd, (off_t)size) < 0) {
		snprintf(err, errlen, "ftruncate %s: %s", name, strerror(errno));
		goto fail;
	}
	s = calloc(1, sizeof(*s));
	if (!s) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	s->base = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (s->base == MAP_FAILED) {
		snprintf(err, errlen, "mmap %s: %s", name, strerror(errno));
		free(s);
		goto fail;
	}
	close(fd);
	s->size = size;
	s->owner = 1;
	snprintf(s->name, sizeof(s->name), "%s", name);
	s->hdr = s->base;
	*s->hdr = tmp;
	s->hdr->layout_version = RB_RTS_LAYOUT_VER;
	s->hdr->hdr_size = sizeof(tmp);
	s->hdr->size = size;
	s->hdr->msg_size = sizeof(struct rb_rts_msg);
	s->hdr->pid = getpid();
	s->hdr->active_slot = -1;
	if (getrandom(&boot, sizeof(boot), 0) != sizeof(boot))
		boot = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32);
	s->hdr->boot_id = boot | 1;
	if (rte_ring_init((struct rte_ring *)((char *)s->base + s->hdr->c2d_off), "rb_rt_c2d",
			  RB_RTS_RING_SLOTS, RING_F_SP_ENQ | RING_F_SC_DEQ) < 0 ||
	    rte_ring_init((struct rte_ring *)((char *)s->base + s->hdr->d2c_off), "rb_rt_d2c",
			  RB_RTS_RING_SLOTS, RING_F_SC_DEQ) < 0) { /* workers enqueue: MP */
		snprintf(err, errlen, "route segment: rte_ring_init failed");
		rb_rts_close(s);
		return NULL;
	}
	set_rings(s);
	__atomic_store_n(&s->hdr->magic, RB_RTS_MAGIC, __ATOMIC_RELEASE);
	return s;
fail:
	close(fd);
	shm_unlink(name);
	return NULL;
}

int rb_rts_attach(const char *name, struct rb_rts **out, char *err, size_t errlen)
{
	struct rb_rts_hdr tmp = {0};
	struct rb_rts *s;
	struct stat st;
	uint64_t size = layout(&tmp);
	void *base;
	int fd = shm_open(name, O_RDWR, 0);

	if (fd < 0) {
		snprintf(err, errlen, "no route segment %s", name);
		return -ENOENT;
	}
	if (fstat(fd, &st) < 0 || (uint64_t)st.st_size != size) {
		snprintf(err, errlen, "route segment %s: size %lld, expected %llu (other version?)",
			 name, (long long)st.st_size, (unsigned long long)size);
		close(fd);
		return -EPROTO;
	}
	base = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	if (base == MAP_FAILED) {
		snprintf(err, errlen, "mmap %s: %s", name, strerror(errno));
		return -errno;
	}
	s = calloc(1, sizeof(*s));
	if (!s) {
		munmap(base, size);
		return -ENOMEM;
	}
	s->base = base;
	s->size = size;
	s->hdr = base;
	snprintf(s->name, sizeof(s->name), "%s", name);
	if (__atomic_load_n(&s->hdr->magic, __ATOMIC_ACQUIRE) != RB_RTS_MAGIC) {
		snprintf(err, errlen, "route segment %s being laid out", name);
		rb_rts_close(s);
		return -EAGAIN;
	}
	if (s->hdr->layout_version != RB_RTS_LAYOUT_VER || s->hdr->hdr_size != sizeof(tmp) ||
	    s->hdr->msg_size != sizeof(struct rb_rts_msg) || s->hdr->c2d_off != tmp.c2d_off ||
	    s->hdr->d2c_off != tmp.d2c_off || s->hdr->dns_off != tmp.dns_off ||
	    s->hdr->dns_n != tmp.dns_n || s->hdr->slot_off[0] != tmp.slot_off[0] ||
	    s->hdr->slot_off[1] != tmp.slot_off[1]) {
		snprintf(err, errlen, "route segment %s: layout of another version", name);
		rb_rts_close(s);
		return -EPROTO;
	}
	set_rings(s);
	*out = s;
	return 0;
}

void rb_rts_close(struct rb_rts *s)
{
	if (!s)
		return;
	if (s->owner)
		shm_unlink(s->name);
	munmap(s->base, s->size);
	free(s);
}

int rb_rts_acked(const struct rb_rts *s, uint32_t gen, int *st)
{
	uint64_t ack = __atomic_load_n(&s->hdr->ack, __ATOMIC_ACQUIRE);

	if (ack < gen)
		return 0;
	if (st)
		*st = ack == gen ? s->hdr->ack_status : 0;
	return 1;
}

int rb_rts_publish(struct rb_rts *s, const void *blob, size_t len, uint32_t gen)
{
	uint64_t pub = __atomic_load_n(&s->hdr->pub, __ATOMIC_ACQUIRE);
	uint32_t last = (uint32_t)(pub >> 8);
	int slot;

	if (len > s->hdr->slot_size)
		return -E2BIG;
	if (last && !rb_rts_acked(s, last, NULL))
		return -EBUSY;
	slot = s->hdr->active_slot == 0 ? 1 : 0;
	memcpy((char *)s->base + s->hdr->slot_off[slot], blob, len);
	__atomic_store_n(&s->hdr->pub, (uint64_t)gen << 8 | (uint64_t)slot, __ATOMIC_RELEASE);
	return 0;
}

const void *rb_rts_acquire(struct rb_rts *s, uint64_t *seen, uint32_t *gen, int *slot,
			   size_t *len)
{
	uint64_t pub = __atomic_load_n(&s->hdr->pub, __ATOMIC_ACQUIRE);
	const uint32_t *h;

	if (pub == *seen || (pub >> 8) == 0)
		return NULL;
	*seen = pub;
	*gen = (uint32_t)(pub >> 8);
	*slot = (int)(pub & 0xff);
	if (*slot > 1)
		return NULL;
	h = (const uint32_t *)((char *)s->base + s->hdr->slot_off[*slot]);
	/* rb_rt_hdr.size is the third word; bounded by the slot */
	*len = h[2] <= s->hdr->slot_size ? h[2] : s->hdr->slot_size;
	return h;
}

void rb_rts_ack(struct rb_rts *s, uint32_t gen, int slot_in_use, int status, const char *err)
{
	snprintf(s->hdr->ack_err, sizeof(s->hdr->ack_err), "%s", err ? err : "");
	s->hdr->ack_status = status;
	s->hdr->active_slot = slot_in_use;
	if (status == 0)
		s->hdr->active_gen = gen;
	__atomic_store_n(&s->hdr->ack, gen, __ATOMIC_RELEASE);
}

int rb_rts_send(struct rb_rts *s, const struct rb_rts_msg *m)
{
	return rte_ring_enqueue_elem(s->tx, (void *)(uintptr_t)m, sizeof(*m)) == 0 ? 0 : -ENOBUFS;
}

int rb_rts_recv(struct rb_rts *s, struct rb_rts_msg *m)
{
	if (rte_ring_dequeue_elem(s->rx, m, sizeof(*m)) != 0)
		return 0;
	m->name[sizeof(m->name) - 1] = 0;
	if (m->len > sizeof(m->data))
		m->len = sizeof(m->data);
	return 1;
}

uint64_t rb_rts_dns_hash(const char *name)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (; *name; name++)
		h = (h ^ (unsigned char)*name) * 0x100000001b3ULL;
	return h ? h : 1;
}

static struct rb_rts_dns *dns_tab(const struct rb_rts *s)
{
	return (struct rb_rts_dns *)((char *)s->base + s->hdr->dns_off);
}

/* Two candidate slots per name (2-choice hashing): the same name, an
 * empty one, or the one expiring first is replaced. */
void rb_rts_dns_put(struct rb_rts *s, const char *name, const uint8_t (*a4)[4], int n4,
		    const uint8_t (*a6)[16], int n6, int rcode, uint64_t expires_ns)
{
	uint64_t h = rb_rts_dns_hash(name);
	uint32_t n = s->hdr->dns_n, i1 = (uint32_t)(h % n), i2 = (uint32_t)((h >> 32) % n);
	struct rb_rts_dns *t = dns_tab(s), *e;

	if (t[i1].hash == h && strcmp(t[i1].name, name) == 0)
		e = &t[i1];
	else if (t[i2].hash == h && strcmp(t[i2].name, name) == 0)
		e = &t[i2];
	else if (!t[i1].hash)
		e = &t[i1];
	else if (!t[i2].hash)
		e = &t[i2];
	else
		e = t[i1].expires_ns <= t[i2].expires_ns ? &t[i1] : &t[i2];
	__atomic_store_n(&e->seq, e->seq + 1, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_RELEASE);
	e->hash = h;
	snprintf(e->name, sizeof(e->name), "%s", name);
	e->n4 = (uint8_t)(n4 > RB_RTS_MAX_ADDRS ? RB_RTS_MAX_ADDRS : n4);
	e->n6 = (uint8_t)(n6 > RB_RTS_MAX_ADDRS ? RB_RTS_MAX_ADDRS : n6);
	if (e->n4)
		memcpy(e->a4, a4, (size_t)e->n4 * 4);
	if (e->n6)
		memcpy(e->a6, a6, (size_t)e->n6 * 16);
	e->rcode = (uint8_t)rcode;
	e->expires_ns = expires_ns;
	__atomic_store_n(&e->seq, e->seq + 1, __ATOMIC_RELEASE);
}

int rb_rts_dns_get(const struct rb_rts *s, const char *name, uint64_t now_ns,
		   struct rb_rts_dns *out)
{
	uint64_t h = rb_rts_dns_hash(name);
	uint32_t n = s->hdr->dns_n, idx[2] = {(uint32_t)(h % n), (uint32_t)((h >> 32) % n)};
	const struct rb_rts_dns *t = dns_tab(s);

	for (int k = 0; k < 2; k++) {
		const struct rb_rts_dns *e = &t[idx[k]];

		for (int tries = 0; tries < 4; tries++) {
			uint32_t s1 = __atomic_load_n(&e->seq, __ATOMIC_ACQUIRE);

			if (s1 & 1)
				continue;
			if (e->hash != h)
				break;
			memcpy(out, (const void *)e, sizeof(*out));
			__atomic_thread_fence(__ATOMIC_ACQUIRE);
			if (__atomic_load_n(&e->seq, __ATOMIC_RELAXED) != s1)
				continue;
			out->name[sizeof(out->name) - 1] = 0;
			if (strcmp(out->name, name) != 0)
				break;
			return out->expires_ns > now_ns;
		}
	}
	return 0;
}
