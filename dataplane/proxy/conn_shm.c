/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The connections-table segment (rb_conn_info.h): creation by the
 * dataplane, attachment and seqlock reads for control.  No EAL needed.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rb_conn_info.h"

/* Label values of enum rb_proxy_err (metrics, logs). */
const char *const rb_proxy_err_names[RB_PERR_MAX] = {
	[RB_PERR_NONE] = "none",           [RB_PERR_MALFORMED] = "malformed",
	[RB_PERR_VERSION] = "version",     [RB_PERR_AUTH] = "auth",
	[RB_PERR_NO_METHOD] = "no_method", [RB_PERR_COMMAND] = "command",
	[RB_PERR_ADDRESS] = "address",     [RB_PERR_TOO_LARGE] = "too_large",
	[RB_PERR_TIMEOUT] = "timeout",     [RB_PERR_REPLAY] = "replay",
};

#define ALIGN64(x) (((x) + 63) & ~(uint64_t)63)

void rb_conn_shm_name(const char *shm_name, char *out, size_t len)
{
	snprintf(out, len, "%s-conns", shm_name && *shm_name ? shm_name : "/ringbox");
}

static uint64_t layout(struct rb_conn_shm_hdr *h, unsigned n_workers, unsigned slots)
{
	h->workers_off = ALIGN64(sizeof(*h));
	h->slots_off = ALIGN64(h->workers_off + (uint64_t)n_workers * sizeof(struct rb_conn_worker));
	h->size = h->slots_off + (uint64_t)n_workers * slots * sizeof(struct rb_conn_info);
	return h->size;
}

int rb_conn_shm_create(struct rb_conn_shm *s, const char *name, unsigned n_workers,
		       unsigned slots)
{
	struct rb_conn_shm_hdr tmp;
	uint64_t size;
	int fd;
	void *p;

	memset(s, 0, sizeof(*s));
	memset(&tmp, 0, sizeof(tmp));
	size = layout(&tmp, n_workers, slots);
	shm_unlink(name);
	fd = shm_open(name, O_RDWR | O_CREAT | O_EXCL, 0600);
	if (fd < 0)
		return -errno;
	if (ftruncate(fd, (off_t)size) != 0) {
		int e = errno;

		close(fd);
		shm_unlink(name);
		return -e;
	}
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	if (p == MAP_FAILED) {
		shm_unlink(name);
		return -ENOMEM;
	}
	s->hdr = p;
	s->size = size;
	s->owner = 1;
	snprintf(s->name, sizeof(s->name), "%s", name);
	*s->hdr = tmp;
	s->hdr->version = RB_CONN_SHM_VER;
	s->hdr->n_workers = n_workers;
	s->hdr->slots = slots;
	s->hdr->info_size = sizeof(struct rb_conn_info);
	s->hdr->worker_size = sizeof(struct rb_conn_worker);
	s->hdr->pid = (int32_t)getpid();
	__atomic_store_n(&s->hdr->magic, RB_CONN_SHM_MAGIC, __ATOMIC_RELEASE);
	return 0;
}

int rb_conn_shm_attach(struct rb_conn_shm *s, const char *name, char *err, size_t errlen)
{
	struct rb_conn_shm_hdr tmp;
	struct stat st;
	int fd;
	void *p;

	memset(s, 0, sizeof(*s));
	fd = shm_open(name, O_RDWR, 0);
	if (fd < 0) {
		snprintf(err, errlen, "%s: %s (is the dataplane running with proxies?)", name,
			 strerror(errno));
		return -errno;
	}
	if (fstat(fd, &st) != 0 || (size_t)st.st_size < sizeof(tmp)) {
		close(fd);
		snprintf(err, errlen, "%s: too small", name);
		return -EINVAL;
	}
	p = mmap(NULL, (size_t)st.st_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	if (p == MAP_FAILED) {
		snprintf(err, errlen, "%s: mmap: %s", name, strerror(errno));
		return -ENOMEM;
	}
	s->hdr = p;
	s->size = (size_t)st.st_size;
	snprintf(s->name, sizeof(s->name), "%s", name);
	if (__atomic_load_n(&s->hdr->magic, __ATOMIC_ACQUIRE) != RB_CONN_SHM_MAGIC ||
	    s->hdr->version != RB_CONN_SHM_VER ||
	    s->hdr->info_size != sizeof(struct rb_conn_info) ||
	    s->hdr->worker_size != sizeof(struct rb_conn_worker)) {
		snprintf(err, errlen, "%s: layout mismatch (not ready, or another version)", name);
		rb_conn_shm_close(s);
		return -EPROTO;
	}
	memcpy(&tmp, s->hdr, sizeof(tmp));
	if (layout(&tmp, tmp.n_workers, tmp.slots) > s->size) {
		snprintf(err, errlen, "%s: truncated", name);
		rb_conn_shm_close(s);
		return -EINVAL;
	}
	return 0;
}

void rb_conn_shm_close(struct rb_conn_shm *s)
{
	if (s->hdr == NULL)
		return;
	if (s->owner) {
		s->hdr->magic = 0;
		shm_unlink(s->name);
	}
	munmap(s->hdr, s->size);
	memset(s, 0, sizeof(*s));
}

struct rb_conn_worker *rb_conn_shm_worker(const struct rb_conn_shm *s, unsigned w)
{
	return (struct rb_conn_worker *)((uint8_t *)s->hdr + s->hdr->workers_off) + w;
}

struct rb_conn_info *rb_conn_shm_slot(const struct rb_conn_shm *s, unsigned w, unsigned i)
{
	return (struct rb_conn_info *)((uint8_t *)s->hdr + s->hdr->slots_off) +
	       (size_t)w * s->hdr->slots + i;
}

int rb_conn_read(const struct rb_conn_info *slot, struct rb_conn_info *out)
{
	for (int tries = 0; tries < 100; tries++) {
		uint32_t a = __atomic_load_n(&slot->seq, __ATOMIC_ACQUIRE), b;

		if (a & 1)
			continue;
		memcpy(out, (const void *)slot, sizeof(*out));
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		b = __atomic_load_n(&slot->seq, __ATOMIC_RELAXED);
		if (a == b)
			return out->state != RB_CONN_FREE;
	}
	return -1;
}

int rb_conn_request_close(struct rb_conn_shm *s, unsigned w, uint64_t id)
{
	struct rb_conn_worker *wk;

	if (id == 0 || w >= s->hdr->n_workers)
		return -EINVAL;
	wk = rb_conn_shm_worker(s, w);
	for (int i = 0; i < RB_CONN_CLOSE_SLOTS; i++) {
		uint64_t zero = 0;

		if (__atomic_compare_exchange_n(&wk->close_req[i], &zero, id, 0, __ATOMIC_RELEASE,
						__ATOMIC_RELAXED))
			return 0;
	}
	return -EBUSY;
}
