/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * bench_shm (informational): message round trips per second between two
 * processes over the segment's rings (control side in the parent, a
 * polling "dataplane" in a forked child, as rb_shm_poll would serve them),
 * and the cost of one route-table publish of N routes (write + checksum +
 * atomic store) until the reader's ack.
 *
 *   bench_shm [-n MESSAGES] [-r ROUTES] [-b BATCH]
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <rte_pause.h>

#include "dataplane/shm/rb_shm.h"

static int serve(const char *name)
{
	struct rb_shm *s = NULL;
	struct rb_msg m, r;
	char err[256];
	uint64_t idle = 0;

	if (rb_shm_attach(name, &s, err, sizeof(err)) < 0)
		return 1;
	/* The child plays the dataplane: swap the ring roles. */
	{
		struct rte_ring *t = s->tx;

		s->tx = s->rx;
		s->rx = t;
		s->owner = 1;
	}
	for (;;) {
		const struct rb_cfg_route *rt;
		uint32_t n, gen;
		int bad;

		rt = rb_shm_table_acquire(s, &n, &gen, &bad);
		if (rt || bad)
			rb_shm_table_ack(s, gen, bad ? -EBADMSG : 0, NULL);
		if (rb_shm_recv(s, &m)) {
			idle = 0;
			if (m.type == RB_MSG_CLOSE_CONN)
				break;
			rb_msg_reply(&r, &m, RB_MSG_ST_OK, NULL);
			while (rb_shm_send(s, &r) < 0)
				rte_pause();
		} else if (++idle > 2000000000ull) {
			break;
		}
	}
	rb_shm_detach(s);
	return 0;
}

int main(int argc, char **argv)
{
	static struct rb_cfg_route routes[RB_MAX_ROUTES];
	unsigned long n = 2000000, batch = 32;
	unsigned nroutes = RB_MAX_ROUTES, i;
	char name[RB_NAME_LEN], err[256];
	uint64_t t0, t1, sent = 0, got = 0;
	struct rb_shm *s;
	struct rb_msg m;
	int opt, st;
	pid_t pid;

	while ((opt = getopt(argc, argv, "n:r:b:")) != -1) {
		switch (opt) {
		case 'n': n = strtoul(optarg, NULL, 10); break;
		case 'r': nroutes = (unsigned)atoi(optarg); break;
		case 'b': batch = strtoul(optarg, NULL, 10); break;
		default:
			fprintf(stderr, "usage: bench_shm [-n MESSAGES] [-r ROUTES] [-b BATCH]\n");
			return 2;
		}
	}
	if (nroutes > RB_MAX_ROUTES || batch == 0 || batch >= RB_SHM_RING_SLOTS)
		return 2;
	snprintf(name, sizeof(name), "/rbbench_%d", (int)getpid());
	s = rb_shm_create_named(name, 1, err, sizeof(err));
	if (!s) {
		fprintf(stderr, "bench_shm: %s\n", err);
		return 1;
	}
	/* The parent plays control. */
	s->tx = (struct rte_ring *)((char *)s->base + s->hdr->c2d_off);
	s->rx = (struct rte_ring *)((char *)s->base + s->hdr->d2c_off);
	s->msgs = &s->local;
	s->owner = 0;
	pid = fork();
	if (pid == 0)
		_exit(serve(name));

	rb_msg_init(&m, RB_MSG_PING, 0);
	t0 = rb_shm_mono_ns();
	while (got < n) {
		struct rb_msg r;

		while (sent < n && sent - got < batch && rb_shm_request(s, &m))
			sent++;
		while (rb_shm_recv(s, &r))
			got++;
	}
	t1 = rb_shm_mono_ns();
	printf("ring round trips: %lu in %.3f s = %.2f M/s (window %lu, %zu-byte messages)\n", n,
	       (double)(t1 - t0) / 1e9, (double)n / ((double)(t1 - t0) / 1e3), batch,
	       sizeof(struct rb_msg));

	for (i = 0; i < nroutes; i++) {
		routes[i].prefix.family = AF_INET;
		routes[i].prefix.plen = 24;
		routes[i].port = 0;
		memcpy(routes[i].prefix.addr, &i, 4);
	}
	{
		const int reps = 2000;
		uint64_t pub_ns = 0, ack_ns = 0;
		int k;

		for (k = 0; k < reps; k++) {
			uint64_t a = rb_shm_mono_ns(), b;
			int64_t g;

			while ((g = rb_shm_table_publish(s, routes, nroutes)) == -EBUSY)
				rte_pause();
			b = rb_shm_mono_ns();
			while (!rb_shm_table_acked(s, (uint32_t)g, NULL))
				rte_pause();
			pub_ns += b - a;
			ack_ns += rb_shm_mono_ns() - b;
		}
		printf("table publish (%u routes, %zu bytes): write+checksum+store %.1f us, "
		       "to ack by the other process %.1f us (avg of %d)\n",
		       nroutes, nroutes * sizeof(struct rb_cfg_route), (double)pub_ns / reps / 1e3,
		       (double)ack_ns / reps / 1e3, reps);
	}
	rb_msg_init(&m, RB_MSG_CLOSE_CONN, 0);
	while (!rb_shm_request(s, &m))
		rte_pause();
	waitpid(pid, &st, 0);
	s->owner = 1; /* unlink it */
	rb_shm_destroy(s);
	return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : 1;
}
