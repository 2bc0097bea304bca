/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The shared-memory segment: creation and layout (dataplane), attach and
 * liveness (control), heartbeat and consistent readers of the areas that
 * the dataplane's lcores write.  Layout: rb_shm_wire.h.  No EAL needed.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
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
#include <rte_cycles.h>
#include <rte_pause.h>

#include "rb_shm.h"

#define ALIGN64(x) (((x) + 63) & ~(uint64_t)63)
#define READ_TRIES 1000

static uint64_t clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

uint64_t rb_shm_mono_ns(void)
{
	return clock_ns(CLOCK_MONOTONIC);
}

uint64_t rb_shm_real_ns(void)
{
	return clock_ns(CLOCK_REALTIME);
}

static int name_ok(const char *name)
{
	size_t n = strlen(name);

	return n >= 2 && n < RB_NAME_LEN && name[0] == '/' && !strchr(name + 1, '/');
}

static size_t ring_bytes(void)
{
	return (size_t)rte_ring_get_memsize_elem(sizeof(struct rb_msg), RB_SHM_RING_SLOTS);
}

static size_t neigh_stride(void)
{
	return ALIGN64(sizeof(struct rb_neigh_table));
}

static size_t arena_slot_bytes(void)
{
	return ALIGN64(sizeof(struct rb_tbl_hdr) + RB_MAX_ROUTES * sizeof(struct rb_cfg_route));
}

/* Fill the header's offsets for n workers; returns the total size. */
static uint64_t layout(struct rb_shm_hdr *h, unsigned n)
{
	uint64_t off = ALIGN64(sizeof(*h));

	h->c2d_off = off;
	off += ALIGN64(ring_bytes());
	h->d2c_off = off;
	off += ALIGN64(ring_bytes());
	h->stats_off = off;
	off += ALIGN64((uint64_t)n * sizeof(struct rb_lcore_stats));
	h->neigh_off = off;
	off += (uint64_t)n * neigh_stride();
	h->arena_off = off;
	h->arena_slot_size = arena_slot_bytes();
	off += RB_TBL_SLOTS * h->arena_slot_size;
	return off;
}

static void set_rings(struct rb_shm *s, int dataplane)
{
	struct rte_ring *c2d = (struct rte_ring *)((char *)s->base + s->hdr->c2d_off);
	struct rte_ring *d2c = (struct rte_ring *)((char *)s->base + s->hdr->d2c_off);

	s->tx = dataplane ? d2c : c2d;
	s->rx = dataplane ? c2d : d2c;
	s->msgs = dataplane ? &s->hdr->dp_msgs : &s->local;
}

struct rb_shm *rb_shm_create_named(const char *name, unsigned n_workers, char *err,
				   size_t errlen)
{
	struct rb_shm_hdr tmp = { 0 };
	struct rb_shm *s;
	uint64_t size, boot_id = 0;
	int fd;

	if (!name_ok(name)) {
		snprintf(err, errlen, "shm name \"%s\": must be /NAME (one slash, < %d chars)",
			 name, RB_NAME_LEN);
		return NULL;
	}
	if (n_workers == 0 || n_workers > RB_MAX_LCORES) {
		snprintf(err, errlen, "shm: %u workers, must be 1..%d", n_workers, RB_MAX_LCORES);
		return NULL;
	}
	size = layout(&tmp, n_workers);
	/* A segment left by a crashed dataplane is replaced: its mapping in a
	 * running control stays valid and control notices the new boot id. */
	shm_unlink(name);
	fd = shm_open(name, O_RDWR | O_CREAT | O_EXCL, 0600);
	if (fd < 0) {
		snprintf(err, errlen, "shm_open %s: %s", name, strerror(errno));
		return NULL;
	}
	if (ftruncate(fd, (off_t)size) < 0) {
		snprintf(err, errlen, "ftruncate %s to %llu: %s", name, (unsigned long long)size,
			 strerror(errno));
		goto fail_fd;
	}
	s = calloc(1, sizeof(*s));
	if (!s) {
		snprintf(err, errlen, "shm: out of memory");
		goto fail_fd;
	}
	s->base = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (s->base == MAP_FAILED) {
		snprintf(err, errlen, "mmap %s: %s", name, strerror(errno));
		free(s);
		goto fail_fd;
	}
	close(fd);
	snprintf(s->name, sizeof(s->name), "%s", name);
	s->size = size;
	s->owner = 1;
	s->hdr = s->base;
	/* ftruncate zero-filled everything. */
	*s->hdr = tmp;
	s->hdr->layout_version = RB_SHM_LAYOUT_VER;
	s->hdr->hdr_size = sizeof(struct rb_shm_hdr);
	s->hdr->layout_size = size;
	s->hdr->msg_size = sizeof(struct rb_msg);
	s->hdr->stats_size = sizeof(struct rb_lcore_stats);
	s->hdr->neigh_size = sizeof(struct rb_neigh_table);
	s->hdr->route_size = sizeof(struct rb_cfg_route);
	s->hdr->n_drops = RB_DROP_MAX;
	s->hdr->n_events = RB_EV_MAX;
	snprintf(s->hdr->version, sizeof(s->hdr->version), "%s", RB_VERSION);
	s->hdr->pid = getpid();
	if (getrandom(&boot_id, sizeof(boot_id), 0) != sizeof(boot_id))
		boot_id = rb_shm_mono_ns() ^ ((uint64_t)getpid() << 32);
	s->hdr->boot_id = boot_id | 1; /* never 0 */
	s->hdr->start_ns = rb_shm_real_ns();
	s->hdr->n_workers = n_workers;
	s->hdr->ring_slots = RB_SHM_RING_SLOTS;
	for (unsigned w = 0; w < n_workers; w++)
		s->hdr->worker_lcore[w] = (uint16_t)(w + 1); /* until rb_shm_set_ports */
	s->hdr->log_level = RB_LOG_INFO;
	if (rte_ring_init((struct rte_ring *)((char *)s->base + s->hdr->c2d_off), "rb_c2d",
			  RB_SHM_RING_SLOTS, RING_F_SP_ENQ | RING_F_SC_DEQ) < 0 ||
	    rte_ring_init((struct rte_ring *)((char *)s->base + s->hdr->d2c_off), "rb_d2c",
			  RB_SHM_RING_SLOTS, RING_F_SP_ENQ | RING_F_SC_DEQ) < 0) {
		snprintf(err, errlen, "shm: rte_ring_init failed");
		munmap(s->base, size);
		free(s);
		shm_unlink(name);
		return NULL;
	}
	set_rings(s, 1);
	rb_shm_heartbeat(s, 0);
	__atomic_store_n(&s->hdr->state, RB_SHM_STATE_UP, __ATOMIC_RELEASE);
	__atomic_store_n(&s->hdr->magic, RB_SHM_MAGIC, __ATOMIC_RELEASE);
	return s;

fail_fd:
	close(fd);
	shm_unlink(name);
	return NULL;
}

struct rb_shm *rb_shm_create(const struct rb_config *cfg, unsigned n_workers, char *err,
			     size_t errlen)
{
	const char *name = cfg->dp.shm_name[0] ? cfg->dp.shm_name : "/ringbox";

	return rb_shm_create_named(name, n_workers, err, errlen);
}

/* Check every size and offset a reader depends on. */
static int check_hdr(const struct rb_shm_hdr *h, size_t size, char *err, size_t errlen)
{
	struct rb_shm_hdr tmp = { 0 };
	uint64_t want;

#define MISMATCH(field, have, exp)                                                     \
	do {                                                                           \
		if ((uint64_t)(have) != (uint64_t)(exp)) {                             \
			snprintf(err, errlen, "shm layout mismatch: %s is %llu, want %llu", \
				 field, (unsigned long long)(have),                    \
				 (unsigned long long)(exp));                           \
			return -EPROTO;                                                \
		}                                                                      \
	} while (0)
	MISMATCH("layout_version", h->layout_version, RB_SHM_LAYOUT_VER);
	MISMATCH("hdr_size", h->hdr_size, sizeof(struct rb_shm_hdr));
	MISMATCH("msg_size", h->msg_size, sizeof(struct rb_msg));
	MISMATCH("stats_size", h->stats_size, sizeof(struct rb_lcore_stats));
	MISMATCH("neigh_size", h->neigh_size, sizeof(struct rb_neigh_table));
	MISMATCH("route_size", h->route_size, sizeof(struct rb_cfg_route));
	MISMATCH("n_drops", h->n_drops, RB_DROP_MAX);
	MISMATCH("n_events", h->n_events, RB_EV_MAX);
	MISMATCH("ring_slots", h->ring_slots, RB_SHM_RING_SLOTS);
	if (h->n_workers == 0 || h->n_workers > RB_MAX_LCORES) {
		snprintf(err, errlen, "shm: n_workers %u out of range", h->n_workers);
		return -EPROTO;
	}
	want = layout(&tmp, h->n_workers);
	MISMATCH("layout_size", h->layout_size, want);
	MISMATCH("segment size", size, want);
	MISMATCH("c2d_off", h->c2d_off, tmp.c2d_off);
	MISMATCH("d2c_off", h->d2c_off, tmp.d2c_off);
	MISMATCH("stats_off", h->stats_off, tmp.stats_off);
	MISMATCH("neigh_off", h->neigh_off, tmp.neigh_off);
	MISMATCH("arena_off", h->arena_off, tmp.arena_off);
	MISMATCH("arena_slot_size", h->arena_slot_size, tmp.arena_slot_size);
#undef MISMATCH
	return 0;
}

int rb_shm_attach(const char *name, struct rb_shm **out, char *err, size_t errlen)
{
	struct rb_shm *s;
	struct stat st;
	void *base;
	int fd, rc;

	*out = NULL;
	if (!name_ok(name)) {
		snprintf(err, errlen, "shm name \"%s\": must be /NAME", name);
		return -EINVAL;
	}
	fd = shm_open(name, O_RDWR, 0);
	if (fd < 0) {
		rc = -errno;
		snprintf(err, errlen, "shm_open %s: %s", name, strerror(errno));
		return rc;
	}
	if (fstat(fd, &st) < 0 || (size_t)st.st_size < sizeof(struct rb_shm_hdr)) {
		close(fd);
		snprintf(err, errlen, "shm %s: not laid out yet", name);
		return -EAGAIN;
	}
	base = mmap(NULL, (size_t)st.st_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	if (base == MAP_FAILED) {
		rc = -errno;
		snprintf(err, errlen, "mmap %s: %s", name, strerror(errno));
		return rc;
	}
	if (__atomic_load_n(&((struct rb_shm_hdr *)base)->magic, __ATOMIC_ACQUIRE) !=
	    RB_SHM_MAGIC) {
		munmap(base, (size_t)st.st_size);
		snprintf(err, errlen, "shm %s: not laid out yet", name);
		return -EAGAIN;
	}
	rc = check_hdr(base, (size_t)st.st_size, err, errlen);
	if (rc < 0) {
		munmap(base, (size_t)st.st_size);
		return rc;
	}
	s = calloc(1, sizeof(*s));
	if (!s) {
		munmap(base, (size_t)st.st_size);
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	snprintf(s->name, sizeof(s->name), "%s", name);
	s->base = base;
	s->size = (size_t)st.st_size;
	s->hdr = base;
	set_rings(s, 0);
	/* Continue after any earlier control's requests. */
	s->next_seq = (uint32_t)rb_shm_mono_ns() | 1;
	*out = s;
	return 0;
}

void rb_shm_detach(struct rb_shm *s)
{
	if (!s)
		return;
	munmap(s->base, s->size);
	free(s);
}

void rb_shm_destroy(struct rb_shm *s)
{
	if (!s)
		return;
	__atomic_store_n(&s->hdr->state, RB_SHM_STATE_DOWN, __ATOMIC_RELEASE);
	/* Unlink only our own segment, not a successor's under the same name. */
	if (s->owner && rb_shm_same_boot(s, s->name))
		shm_unlink(s->name);
	munmap(s->base, s->size);
	free(s);
}

int rb_shm_same_boot(const struct rb_shm *s, const char *name)
{
	struct rb_shm_hdr h;
	int fd = shm_open(name, O_RDONLY, 0);
	ssize_t n;

	if (fd < 0)
		return 0;
	n = pread(fd, &h, sizeof(h), 0);
	close(fd);
	return n == (ssize_t)sizeof(h) && h.magic == RB_SHM_MAGIC &&
	       h.boot_id == s->hdr->boot_id;
}

struct rb_lcore_stats *rb_shm_lcore_stats(struct rb_shm *s, unsigned worker)
{
	if (worker >= s->hdr->n_workers)
		return NULL;
	return (struct rb_lcore_stats *)((char *)s->base + s->hdr->stats_off) + worker;
}

struct rb_neigh_table *rb_shm_lcore_neigh(struct rb_shm *s, unsigned worker)
{
	if (worker >= s->hdr->n_workers)
		return NULL;
	return (struct rb_neigh_table *)((char *)s->base + s->hdr->neigh_off +
					 worker * neigh_stride());
}

void rb_shm_heartbeat(struct rb_shm *s, uint64_t tsc_hz)
{
	struct rb_shm_hdr *h = s->hdr;

	h->hb_tsc = rte_rdtsc();
	if (tsc_hz)
		h->tsc_hz = tsc_hz;
	h->hb_real_ns = rb_shm_real_ns();
	__atomic_store_n(&h->hb_mono_ns, rb_shm_mono_ns(), __ATOMIC_RELEASE);
	h->hb_count++;
}

int rb_shm_alive(const struct rb_shm *s, uint64_t stale_ns, char *why, size_t whylen)
{
	const struct rb_shm_hdr *h = s->hdr;
	uint64_t hb = __atomic_load_n(&h->hb_mono_ns, __ATOMIC_ACQUIRE);
	uint64_t now = rb_shm_mono_ns();

	if (h->state != RB_SHM_STATE_UP) {
		snprintf(why, whylen, "dataplane exited");
		return 0;
	}
	if (h->pid <= 0 || (kill(h->pid, 0) < 0 && errno == ESRCH)) {
		snprintf(why, whylen, "dataplane pid %d is gone", (int)h->pid);
		return 0;
	}
	if (now > hb && now - hb > stale_ns) {
		snprintf(why, whylen, "heartbeat stale for %llu ms",
			 (unsigned long long)((now - hb) / 1000000));
		return 0;
	}
	return 1;
}

int rb_shm_read_stats(const struct rb_shm *s, unsigned worker, struct rb_lcore_stats *out)
{
	const struct rb_lcore_stats *src;
	int i;

	if (worker >= s->hdr->n_workers)
		return -EINVAL;
	src = (const struct rb_lcore_stats *)((const char *)s->base + s->hdr->stats_off) + worker;
	for (i = 0; i < READ_TRIES; i++) {
		uint64_t e1 = __atomic_load_n(&src->epoch, __ATOMIC_ACQUIRE), e2;

		if (e1 & 1) {
			rte_pause();
			continue;
		}
		memcpy(out, (const void *)src, sizeof(*out));
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		e2 = __atomic_load_n(&src->epoch, __ATOMIC_RELAXED);
		if (e1 == e2)
			return 0;
	}
	memcpy(out, (const void *)src, sizeof(*out));
	return -EAGAIN;
}

int rb_shm_read_neigh(const struct rb_shm *s, unsigned worker, unsigned idx,
		      struct rb_neigh_entry *out)
{
	const struct rb_neigh_entry *src;
	int i;

	if (worker >= s->hdr->n_workers || idx >= RB_NEIGH_SLOTS)
		return -EINVAL;
	src = &((const struct rb_neigh_table *)((const char *)s->base + s->hdr->neigh_off +
						 worker * neigh_stride()))->e[idx];
	for (i = 0; i < READ_TRIES; i++) {
		uint32_t q1 = __atomic_load_n(&src->seq, __ATOMIC_ACQUIRE), q2;

		if (q1 & 1) {
			rte_pause();
			continue;
		}
		memcpy(out, (const void *)src, sizeof(*out));
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		q2 = __atomic_load_n(&src->seq, __ATOMIC_RELAXED);
		if (q1 == q2)
			return 0;
	}
	memcpy(out, (const void *)src, sizeof(*out));
	return -EAGAIN;
}

int rb_shm_read_ports(const struct rb_shm *s, struct rb_shm_port *out, unsigned max)
{
	const struct rb_shm_hdr *h = s->hdr;
	int i;

	for (i = 0; i < READ_TRIES; i++) {
		uint32_t q1 = __atomic_load_n(&h->ports_seq, __ATOMIC_ACQUIRE), q2;
		unsigned n = h->n_ports;

		if (q1 & 1) {
			rte_pause();
			continue;
		}
		if (n > RB_MAX_PORTS)
			n = RB_MAX_PORTS;
		if (n > max)
			n = max;
		memcpy(out, h->ports, n * sizeof(*out));
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		q2 = __atomic_load_n(&h->ports_seq, __ATOMIC_RELAXED);
		if (q1 == q2)
			return (int)n;
	}
	return -EAGAIN;
}
