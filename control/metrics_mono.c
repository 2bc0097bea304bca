/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Monotonic "_total" series on /metrics: see metrics_mono.h.  The table is
 * open-addressed (linear probing) on the FNV-1a 64 hash of the series text;
 * key 0 marks a free slot.  One writer (ringbox-control's one thread).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include "metrics_mono.h"

#define MONO_MAGIC 0x72626d6f6e6f3031ull /* "rbmono01" */
#define MONO_FLOAT 1u

struct mono_ent {
	uint64_t key;
	uint64_t gen;
	uint32_t flags;
	uint32_t pad;
	union { uint64_t u; double d; } last, off;
};

struct mono_hdr {
	uint64_t magic;
	uint32_t slots, ent_size;
	struct rb_mono_stats st;
};

struct rb_mono {
	struct mono_hdr *h;
	struct mono_ent *e;
	void *map;       /* shm mapping, or NULL */
	void *heap;      /* fallback memory, or NULL */
	size_t size;
};

size_t rb_mono_size(void)
{
	return sizeof(struct mono_hdr) + (size_t)RB_MONO_SLOTS * sizeof(struct mono_ent);
}

struct rb_mono *rb_mono_init(void *mem, size_t size)
{
	struct rb_mono *m;

	if (!mem || size < rb_mono_size())
		return NULL;
	m = calloc(1, sizeof(*m));
	if (!m)
		return NULL;
	m->h = mem;
	m->e = (struct mono_ent *)(m->h + 1);
	m->size = size;
	if (m->h->magic != MONO_MAGIC || m->h->slots != RB_MONO_SLOTS ||
	    m->h->ent_size != sizeof(struct mono_ent)) {
		memset(mem, 0, rb_mono_size());
		m->h->slots = RB_MONO_SLOTS;
		m->h->ent_size = sizeof(struct mono_ent);
		m->h->magic = MONO_MAGIC;
	}
	return m;
}

struct rb_mono *rb_mono_open(const char *shm_name, char *err, size_t errlen)
{
	char name[300];
	size_t sz = rb_mono_size();
	struct rb_mono *m;
	void *p = MAP_FAILED;
	int fd;

	err[0] = 0;
	snprintf(name, sizeof(name), "%s%s.metrics", shm_name[0] == '/' ? "" : "/", shm_name);
	fd = shm_open(name, O_RDWR | O_CREAT, 0600);
	if (fd >= 0) {
		struct stat sb;

		if (fstat(fd, &sb) == 0 && ((size_t)sb.st_size == sz || ftruncate(fd, (off_t)sz) == 0))
			p = mmap(NULL, sz, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		close(fd);
	}
	if (p != MAP_FAILED) {
		m = rb_mono_init(p, sz);
		if (m) {
			m->map = p;
			return m;
		}
		munmap(p, sz);
	}
	snprintf(err, errlen, "metrics: shm %s: %s (counters restart with control)", name,
		 strerror(errno ? errno : ENOMEM));
	p = calloc(1, sz);
	m = rb_mono_init(p, sz);
	if (!m) {
		free(p);
		return NULL;
	}
	m->heap = p;
	return m;
}

void rb_mono_close(struct rb_mono *m)
{
	if (!m)
		return;
	if (m->map)
		munmap(m->map, m->size);
	free(m->heap);
	free(m);
}

uint64_t rb_mono_key(const char *s, size_t len)
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (size_t i = 0; i < len; i++) {
		h ^= (unsigned char)s[i];
		h *= 0x100000001b3ull;
	}
	return h ? h : 1;
}

/* The slot of key, claimed if new (*fresh = 1); NULL when full. */
static struct mono_ent *slot(struct rb_mono *m, uint64_t key, uint32_t flags, int *fresh)
{
	uint32_t i = (uint32_t)(key % RB_MONO_SLOTS);

	*fresh = 0;
	for (uint32_t n = 0; n < RB_MONO_SLOTS; n++, i = (i + 1) % RB_MONO_SLOTS) {
		struct mono_ent *e = &m->e[i];

		if (e->key == key && e->flags == flags)
			return e;
		if (e->key == 0) {
			memset(e, 0, sizeof(*e));
			e->key = key;
			e->flags = flags;
			*fresh = 1;
			return e;
		}
	}
	m->h->st.full++;
	return NULL;
}

uint64_t rb_mono_u64(struct rb_mono *m, uint64_t key, uint64_t gen, uint64_t raw)
{
	int fresh;
	struct mono_ent *e = slot(m, key, 0, &fresh);

	if (!e)
		return raw;
	if (!fresh && raw < e->last.u) {
		if (e->gen == gen) {
			m->h->st.held++;
			return e->last.u + e->off.u;
		}
		m->h->st.resets++;
		e->off.u += e->last.u;
	}
	e->last.u = raw;
	e->gen = gen;
	return raw + e->off.u;
}

double rb_mono_dbl(struct rb_mono *m, uint64_t key, uint64_t gen, double raw)
{
	int fresh;
	struct mono_ent *e = slot(m, key, MONO_FLOAT, &fresh);

	if (!e)
		return raw;
	if (!fresh && raw < e->last.d) {
		if (e->gen == gen) {
			m->h->st.held++;
			return e->last.d + e->off.d;
		}
		m->h->st.resets++;
		e->off.d += e->last.d;
	}
	e->last.d = raw;
	e->gen = gen;
	return raw + e->off.d;
}

struct rb_mono_stats rb_mono_get_stats(const struct rb_mono *m)
{
	return m->h->st;
}

/* One sample line (no newline).  Exposition format 0.0.4: name, optional
 * {labels} (quoted values may hold '}' or spaces), a space, the value, an
 * optional timestamp. */
static void sample(struct rb_mono *m, uint64_t gen, const char *l, size_t n, struct rb_json *o)
{
	size_t i = 0, name_end, ser_end, v0, v1;
	char num[64], out[64], *end;
	int q = 0, isf = 0;

	while (i < n && l[i] != '{' && l[i] != ' ')
		i++;
	name_end = i;
	if (i < n && l[i] == '{') {
		for (; i < n; i++) {
			if (q && l[i] == '\\') {
				i++;
				continue;
			}
			if (l[i] == '"')
				q = !q;
			else if (!q && l[i] == '}')
				break;
		}
		if (i < n)
			i++;
	}
	ser_end = i;
	if (name_end < 6 || memcmp(l + name_end - 6, "_total", 6) || i >= n || l[i] != ' ') {
		rb_json_raw(o, l, n);
		return;
	}
	v0 = i + 1;
	for (v1 = v0; v1 < n && l[v1] != ' '; v1++)
		if (l[v1] == '.' || l[v1] == 'e' || l[v1] == 'E' || l[v1] == 'N' || l[v1] == 'I')
			isf = 1;
	if (v1 == v0 || v1 - v0 >= sizeof(num) || l[v0] == '-') {
		m->h->st.bad++;
		rb_json_raw(o, l, n);
		return;
	}
	memcpy(num, l + v0, v1 - v0);
	num[v1 - v0] = 0;
	errno = 0;
	if (isf) {
		double d = strtod(num, &end);

		if (*end || errno || d != d || d < 0) {
			m->h->st.bad++;
			rb_json_raw(o, l, n);
			return;
		}
		snprintf(out, sizeof(out), "%.6f", rb_mono_dbl(m, rb_mono_key(l, ser_end), gen, d));
	} else {
		unsigned long long u = strtoull(num, &end, 10);

		if (*end || errno) {
			m->h->st.bad++;
			rb_json_raw(o, l, n);
			return;
		}
		snprintf(out, sizeof(out), "%llu",
			 (unsigned long long)rb_mono_u64(m, rb_mono_key(l, ser_end), gen, u));
	}
	rb_json_raw(o, l, v0);
	rb_json_raw(o, out, strlen(out));
	rb_json_raw(o, l + v1, n - v1);
}

void rb_mono_filter(struct rb_mono *m, uint64_t gen, const char *in, size_t len,
		    struct rb_json *out)
{
	size_t i = 0;

	while (i < len) {
		const char *nl = memchr(in + i, '\n', len - i);
		size_t n = nl ? (size_t)(nl - (in + i)) : len - i;

		if (!m || n == 0 || in[i] == '#')
			rb_json_raw(out, in + i, n);
		else
			sample(m, gen, in + i, n, out);
		if (nl)
			rb_json_raw(out, "\n", 1);
		i += n + (nl ? 1 : 0);
	}
	if (!out->buf)
		rb_json_raw(out, "", 0);
}
