/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The connections table as control sees it (rb_conns.h): attach, filtered
 * snapshots, and close requests through the owning worker's mailbox
 * (rb_conn_worker.close_req, served by the worker's housekeeping every
 * ~10 ms, dataplane/proxy/proxy.c close_requests()).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "rb_conns.h"

#define POLL_NS 2000000L /* 2 ms between looks while waiting for a worker */

int rb_conns_attach(struct rb_conn_shm *s, const char *shm_name, char *err, size_t errlen)
{
	char name[64];
	int rc;

	rb_conn_shm_name(shm_name, name, sizeof(name));
	rc = rb_conn_shm_attach(s, name, err, errlen);
	if (rc < 0)
		return rc;
	if (s->hdr->pid <= 0 || (kill(s->hdr->pid, 0) < 0 && errno == ESRCH)) {
		snprintf(err, errlen, "%s: its dataplane (pid %d) is not running", name,
			 (int)s->hdr->pid);
		rb_conn_shm_close(s);
		return -ESRCH;
	}
	return 0;
}

static void fmt_addr(int family, const uint8_t *a, char *b, size_t n)
{
	if (!inet_ntop(family == AF_INET6 ? AF_INET6 : AF_INET, a, b, (socklen_t)n))
		snprintf(b, n, "?");
}

void rb_conns_fmt_src(const struct rb_conn_info *i, char *b, size_t n)
{
	char a[INET6_ADDRSTRLEN];

	fmt_addr(i->src_family, i->src, a, sizeof(a));
	snprintf(b, n, i->src_family == AF_INET6 ? "[%s]:%u" : "%s:%u", a, i->src_port);
}

void rb_conns_fmt_dst(const struct rb_conn_info *i, int ip_only, char *b, size_t n)
{
	char a[INET6_ADDRSTRLEN] = "";

	if (i->dst_family == AF_INET || i->dst_family == AF_INET6)
		fmt_addr(i->dst_family, i->dst, a, sizeof(a));
	if (ip_only)
		snprintf(b, n, "%s", a);
	else if (i->domain[0])
		snprintf(b, n, "%s:%u", i->domain, i->dst_port);
	else if (i->dst_family == AF_INET6)
		snprintf(b, n, "[%s]:%u", a, i->dst_port);
	else
		snprintf(b, n, "%s:%u", a[0] ? a : "?", i->dst_port);
}

int rb_conns_match(const struct rb_conn_info *i, const struct rb_conns_filter *f)
{
	char d[RB_DOMAIN_MAX + 16], ip[INET6_ADDRSTRLEN];

	if (f->inbound && strcmp(f->inbound, i->in_tag))
		return 0;
	if (f->outbound && strcmp(f->outbound, i->out_tag))
		return 0;
	if (f->user && strcmp(f->user, i->user))
		return 0;
	if (f->network && f->network != i->network)
		return 0;
	if (f->dst) {
		rb_conns_fmt_dst(i, 0, d, sizeof(d));
		rb_conns_fmt_dst(i, 1, ip, sizeof(ip));
		if (!strstr(d, f->dst) && !strstr(ip, f->dst))
			return 0;
	}
	return 1;
}

int rb_conns_snapshot(const struct rb_conn_shm *s, const struct rb_conns_filter *f,
		      struct rb_conn_row **rows)
{
	struct rb_conn_row *r = NULL;
	size_t n = 0, cap = 0;

	*rows = NULL;
	for (unsigned w = 0; w < s->hdr->n_workers; w++) {
		for (unsigned k = 0; k < s->hdr->slots; k++) {
			const struct rb_conn_info *slot = rb_conn_shm_slot(s, w, k);
			struct rb_conn_info tmp;

			/* never written (seq 0) or free: skip without copying */
			if (__atomic_load_n(&slot->seq, __ATOMIC_RELAXED) == 0 ||
			    slot->state == RB_CONN_FREE)
				continue;
			if (rb_conn_read(slot, &tmp) != 1 || !rb_conns_match(&tmp, f))
				continue;
			if (n == cap) {
				struct rb_conn_row *nr;

				cap = cap ? cap * 2 : 64;
				nr = realloc(r, cap * sizeof(*r));
				if (nr == NULL) {
					free(r);
					return -ENOMEM;
				}
				r = nr;
			}
			r[n].info = tmp;
			r[n].worker = w;
			r[n].slot = k;
			n++;
		}
	}
	*rows = r;
	return (int)n;
}

static void nap(void)
{
	struct timespec ts = { 0, POLL_NS };

	nanosleep(&ts, NULL);
}

/* The slot holding live connection id on worker w, or -1. */
static long find_slot(const struct rb_conn_shm *s, unsigned w, uint64_t id)
{
	for (unsigned k = 0; k < s->hdr->slots; k++) {
		const struct rb_conn_info *slot = rb_conn_shm_slot(s, w, k);
		struct rb_conn_info tmp;

		if (__atomic_load_n(&slot->seq, __ATOMIC_RELAXED) == 0 ||
		    slot->state == RB_CONN_FREE || slot->id != id)
			continue;
		if (rb_conn_read(slot, &tmp) == 1 && tmp.id == id)
			return (long)k;
	}
	return -1;
}

int rb_conns_close(struct rb_conn_shm *s, uint64_t id, unsigned wait_ms)
{
	unsigned w = (unsigned)(id >> 48);
	const struct rb_conn_info *slot;
	long k;
	int rc;

	if (id == 0 || id == RB_CONN_CLOSE_ALL || w >= s->hdr->n_workers)
		return -ENOENT;
	k = find_slot(s, w, id);
	if (k < 0)
		return -ENOENT;
	rc = rb_conn_request_close(s, w, id);
	if (rc < 0)
		return rc;
	slot = rb_conn_shm_slot(s, w, (unsigned)k);
	for (unsigned t = 0; t <= wait_ms; t += POLL_NS / 1000000) {
		struct rb_conn_info tmp;

		if (rb_conn_read(slot, &tmp) == 0 || tmp.id != id)
			return 0;
		nap();
	}
	return -ETIMEDOUT;
}

static int mailbox_has(const struct rb_conn_worker *wk, uint64_t id)
{
	for (int i = 0; i < RB_CONN_CLOSE_SLOTS; i++)
		if (__atomic_load_n(&wk->close_req[i], __ATOMIC_ACQUIRE) == id)
			return 1;
	return 0;
}

int rb_conns_close_all(struct rb_conn_shm *s, unsigned wait_ms)
{
	static const struct rb_conns_filter all;
	struct rb_conn_row *rows;
	unsigned w;
	int n, rc;

	n = rb_conns_snapshot(s, &all, &rows);
	if (n < 0)
		return n;
	free(rows);
	for (w = 0; w < s->hdr->n_workers; w++) {
		rc = rb_conn_request_close(s, w, RB_CONN_CLOSE_ALL);
		if (rc < 0)
			return rc;
	}
	for (unsigned t = 0; t <= wait_ms; t += POLL_NS / 1000000) {
		for (w = 0; w < s->hdr->n_workers; w++)
			if (mailbox_has(rb_conn_shm_worker(s, w), RB_CONN_CLOSE_ALL))
				break;
		if (w == s->hdr->n_workers)
			return n;
		nap();
	}
	return -ETIMEDOUT;
}
