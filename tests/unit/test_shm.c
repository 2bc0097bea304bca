/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of the shared-memory segment (dataplane/shm): message checks
 * and ring transport, invalid and overflow counting, the dataplane-side
 * dispatcher, route-table publish/ack under a concurrent reader (stress),
 * stats epoch consistency under a concurrent writer, attach/liveness.
 * No EAL: segments are created with rb_shm_create_named().
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <CUnit/Basic.h>
#include <rte_ring.h>
#include <rte_ring_elem.h>

#include "dataplane/shm/rb_shm.h"

static char name[RB_NAME_LEN];

static struct rb_shm *mk(unsigned workers)
{
	char err[256];
	struct rb_shm *s = rb_shm_create_named(name, workers, err, sizeof(err));

	if (!s)
		fprintf(stderr, "create: %s\n", err);
	return s;
}

static struct rb_shm *att(void)
{
	struct rb_shm *c = NULL;
	char err[256];
	int rc = rb_shm_attach(name, &c, err, sizeof(err));

	if (rc)
		fprintf(stderr, "attach: %s\n", err);
	return c;
}

/* ---- message validation table ---- */
static void test_msg_check(void)
{
	static const struct {
		uint16_t type, version, length;
		int to_dp, want;
	} t[] = {
		{ RB_MSG_PING, RB_MSG_VERSION, 0, 1, 0 },
		{ RB_MSG_SET_LOG_LEVEL, RB_MSG_VERSION, 4, 1, 0 },
		{ RB_MSG_PUBLISH_ROUTES, RB_MSG_VERSION, 4, 1, 0 },
		{ RB_MSG_DUMP, RB_MSG_VERSION, 4, 1, 0 },
		{ RB_MSG_CLOSE_CONN, RB_MSG_VERSION, 0, 1, 0 },
		{ RB_MSG_START_CAPTURE, RB_MSG_VERSION, 0, 1, 0 },
		{ RB_MSG_REPLY, RB_MSG_VERSION, 0, 0, 0 },
		{ RB_MSG_EVENT, RB_MSG_VERSION, RB_MSG_PAYLOAD, 0, 0 },
		{ RB_MSG_NONE, RB_MSG_VERSION, 0, 1, -EBADMSG },
		{ RB_MSG_C2D_MAX, RB_MSG_VERSION, 0, 1, -EBADMSG },
		{ RB_MSG_REPLY, RB_MSG_VERSION, 0, 1, -EBADMSG },   /* reply sent to dataplane */
		{ RB_MSG_PING, RB_MSG_VERSION, 0, 0, -EBADMSG },    /* command sent to control */
		{ RB_MSG_D2C_MAX, RB_MSG_VERSION, 0, 0, -EBADMSG },
		{ 0xffff, RB_MSG_VERSION, 0, 1, -EBADMSG },
		{ RB_MSG_PING, 0, 0, 1, -EPROTONOSUPPORT },
		{ RB_MSG_PING, RB_MSG_VERSION + 1, 0, 1, -EPROTONOSUPPORT },
		{ RB_MSG_EVENT, 0xffff, 0, 0, -EPROTONOSUPPORT },
		{ RB_MSG_PING, RB_MSG_VERSION, RB_MSG_PAYLOAD + 1, 1, -EMSGSIZE },
		{ RB_MSG_REPLY, RB_MSG_VERSION, 0xffff, 0, -EMSGSIZE },
	};
	unsigned i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct rb_msg m;

		rb_msg_init(&m, t[i].type, i);
		m.version = t[i].version;
		m.length = t[i].length;
		CU_ASSERT_EQUAL(rb_msg_check(&m, t[i].to_dp), t[i].want);
		if (rb_msg_check(&m, t[i].to_dp) != t[i].want)
			fprintf(stderr, "msg_check row %u\n", i);
	}
}

/* ---- transport: every field survives the ring both ways ---- */
static void test_roundtrip(void)
{
	struct rb_shm *dp = mk(1), *c = att();
	struct rb_msg m, r;
	int i;

	CU_ASSERT_PTR_NOT_NULL_FATAL(dp);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	for (i = RB_MSG_PING; i < RB_MSG_C2D_MAX; i++) {
		rb_msg_init(&m, (uint16_t)i, 0);
		m.u.log_level = i * 7;
		m.length = 4;
		CU_ASSERT(rb_shm_request(c, &m) != 0);
		CU_ASSERT_EQUAL(rb_shm_recv(dp, &r), 1);
		CU_ASSERT_EQUAL(memcmp(&m, &r, sizeof(m)), 0);
		rb_msg_reply(&r, &m, RB_MSG_ST_ERROR, "detail text");
		CU_ASSERT_EQUAL(rb_shm_send(dp, &r), 0);
		CU_ASSERT_EQUAL(rb_shm_recv(c, &m), 1);
		CU_ASSERT_EQUAL(m.type, RB_MSG_REPLY);
		CU_ASSERT_EQUAL(m.seq, r.seq);
		CU_ASSERT_EQUAL(m.req_type, (uint32_t)i);
		CU_ASSERT_EQUAL(m.status, RB_MSG_ST_ERROR);
		CU_ASSERT_STRING_EQUAL(m.u.text, "detail text");
	}
	CU_ASSERT_EQUAL(rb_shm_recv(dp, &r), 0);
	CU_ASSERT_EQUAL(rb_shm_recv(c, &r), 0);
	CU_ASSERT_EQUAL(c->local.tx, (uint64_t)(RB_MSG_C2D_MAX - RB_MSG_PING));
	CU_ASSERT_EQUAL(dp->hdr->dp_msgs.rx, c->local.tx);
	rb_shm_detach(c);
	rb_shm_destroy(dp);
}

/* ---- unknown type / version dropped and counted ---- */
static void test_invalid_counted(void)
{
	struct rb_shm *dp = mk(1), *c = att();
	struct rb_msg m, r;

	CU_ASSERT_PTR_NOT_NULL_FATAL(dp);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	rb_msg_init(&m, 999, 1);
	rb_shm_send(c, &m);
	rb_msg_init(&m, RB_MSG_PING, 2);
	m.version = 9;
	rb_shm_send(c, &m);
	rb_msg_init(&m, RB_MSG_PING, 3);
	m.length = 5000;
	rb_shm_send(c, &m);
	rb_msg_init(&m, RB_MSG_PING, 4); /* a good one after the bad ones */
	rb_shm_send(c, &m);
	CU_ASSERT_EQUAL(rb_shm_recv(dp, &r), 1);
	CU_ASSERT_EQUAL(r.seq, 4u);
	CU_ASSERT_EQUAL(dp->hdr->dp_msgs.bad_type, 1u);
	CU_ASSERT_EQUAL(dp->hdr->dp_msgs.bad_version, 1u);
	CU_ASSERT_EQUAL(dp->hdr->dp_msgs.bad_length, 1u);
	CU_ASSERT_EQUAL(dp->hdr->dp_msgs.rx, 1u);
	/* and on control's side */
	rb_msg_init(&m, RB_MSG_PING, 5); /* a command is not valid towards control */
	rb_shm_send(dp, &m);
	CU_ASSERT_EQUAL(rb_shm_recv(c, &r), 0);
	CU_ASSERT_EQUAL(c->local.bad_type, 1u);
	rb_shm_detach(c);
	rb_shm_destroy(dp);
}

/* ---- a full ring is counted and never blocks ---- */
static void test_ring_full(void)
{
	struct rb_shm *dp = mk(1), *c = att();
	struct rb_msg m;
	unsigned i, ok = 0;

	CU_ASSERT_PTR_NOT_NULL_FATAL(dp);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	rb_msg_init(&m, RB_MSG_PING, 0);
	for (i = 0; i < RB_SHM_RING_SLOTS + 10; i++)
		if (rb_shm_request(c, &m))
			ok++;
	CU_ASSERT_EQUAL(ok, RB_SHM_RING_SLOTS - 1);  /* rte_ring capacity */
	CU_ASSERT_EQUAL(c->local.ring_full, 11u);
	for (i = 0; i < RB_SHM_RING_SLOTS + 10; i++)
		if (rb_shm_send(dp, &(struct rb_msg){ .type = RB_MSG_EVENT, .version = 1 }) < 0)
			break;
	CU_ASSERT_EQUAL(i, RB_SHM_RING_SLOTS - 1);
	CU_ASSERT_EQUAL(dp->hdr->dp_msgs.ring_full, 1u);
	rb_shm_detach(c);
	rb_shm_destroy(dp);
}

/* ---- dispatcher: replies per command ---- */
static int fake_level = -1;
static uint32_t fake_gen;
static int fake_reject;

static int f_apply(void *ctx, const struct rb_cfg_route *r, uint32_t n, uint32_t gen, char *err,
		   size_t errlen)
{
	(void)ctx;
	(void)r;
	if (fake_reject) {
		snprintf(err, errlen, "rejected %u (%u routes)", gen, n);
		return -22;
	}
	fake_gen = gen;
	return 0;
}

static void f_level(void *ctx, int l)
{
	(void)ctx;
	fake_level = l;
}

static uint32_t f_gen(void *ctx)
{
	(void)ctx;
	return fake_gen;
}

static const struct rb_shm_ops fops = { f_apply, f_level, f_gen };

static void test_dispatch(void)
{
	static const struct {
		uint16_t type;
		int32_t arg;
		uint16_t status;
	} t[] = {
		{ RB_MSG_PING, 0, RB_MSG_ST_OK },
		{ RB_MSG_SET_LOG_LEVEL, RB_LOG_DEBUG, RB_MSG_ST_OK },
		{ RB_MSG_SET_LOG_LEVEL, 99, RB_MSG_ST_INVALID },
		{ RB_MSG_SET_LOG_LEVEL, -1, RB_MSG_ST_INVALID },
		{ RB_MSG_DUMP, RB_DUMP_INFO, RB_MSG_ST_OK },
		{ RB_MSG_DUMP, 77, RB_MSG_ST_UNSUPPORTED },
		{ RB_MSG_CLOSE_CONN, 0, RB_MSG_ST_UNSUPPORTED },
		{ RB_MSG_START_CAPTURE, 0, RB_MSG_ST_UNSUPPORTED },
	};
	struct rb_shm *dp = mk(2), *c = att();
	struct rb_msg m, r;
	unsigned i;

	CU_ASSERT_PTR_NOT_NULL_FATAL(dp);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		uint32_t seq;

		rb_msg_init(&m, t[i].type, 0);
		m.u.log_level = t[i].arg;
		seq = rb_shm_request(c, &m);
		CU_ASSERT_EQUAL(rb_shm_poll(dp, &fops, NULL, 1000, 32), 1);
		do {
			CU_ASSERT_EQUAL_FATAL(rb_shm_recv(c, &r), 1);
		} while (r.type == RB_MSG_EVENT);
		CU_ASSERT_EQUAL(r.seq, seq);
		CU_ASSERT_EQUAL(r.req_type, t[i].type);
		CU_ASSERT_EQUAL(r.status, t[i].status);
		if (r.status != t[i].status)
			fprintf(stderr, "dispatch row %u: status %u\n", i, r.status);
		while (rb_shm_recv(c, &r))
			;
	}
	CU_ASSERT_EQUAL(fake_level, RB_LOG_DEBUG);
	CU_ASSERT_EQUAL(dp->hdr->log_level, RB_LOG_DEBUG);
	CU_ASSERT_EQUAL(dp->hdr->tsc_hz, 1000u);
	CU_ASSERT(dp->hdr->hb_count >= sizeof(t) / sizeof(t[0]));
	/* Budget: 40 pings, budget 32 -> 32 then 8. */
	for (i = 0; i < 40; i++) {
		rb_msg_init(&m, RB_MSG_PING, 0);
		rb_shm_request(c, &m);
	}
	CU_ASSERT_EQUAL(rb_shm_poll(dp, &fops, NULL, 0, 32), 32);
	CU_ASSERT_EQUAL(rb_shm_poll(dp, &fops, NULL, 0, 32), 8);
	rb_shm_detach(c);
	rb_shm_destroy(dp);
}

/* ---- route tables: publish, busy until acked, reject, corrupt ---- */
static void fill_routes(struct rb_cfg_route *r, uint32_t n, uint32_t tag)
{
	uint32_t i;

	memset(r, 0, n * sizeof(*r));
	for (i = 0; i < n; i++) {
		r[i].prefix.family = AF_INET;
		r[i].prefix.plen = 24;
		memcpy(r[i].prefix.addr, &tag, 4);
		r[i].port = (int)(i & 3);
		r[i].line = (int)(tag ^ i);
	}
}

static void test_table_basic(void)
{
	static struct rb_cfg_route r[RB_MAX_ROUTES + 1];
	struct rb_shm *dp = mk(1), *c = att();
	const struct rb_cfg_route *got;
	uint32_t n, gen;
	int bad, st;

	CU_ASSERT_PTR_NOT_NULL_FATAL(dp);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	CU_ASSERT_PTR_NULL(rb_shm_table_acquire(dp, &n, &gen, &bad));
	CU_ASSERT_EQUAL(bad, 0);
	fill_routes(r, 10, 1);
	CU_ASSERT_EQUAL(rb_shm_table_publish(c, r, 10), 1);
	CU_ASSERT_EQUAL(rb_shm_table_publish(c, r, 10), -EBUSY); /* not acked yet */
	CU_ASSERT_EQUAL(rb_shm_table_acked(c, 1, NULL), 0);
	got = rb_shm_table_acquire(dp, &n, &gen, &bad);
	CU_ASSERT_PTR_NOT_NULL_FATAL(got);
	CU_ASSERT_EQUAL(n, 10u);
	CU_ASSERT_EQUAL(gen, 1u);
	CU_ASSERT_EQUAL(memcmp(got, r, 10 * sizeof(*r)), 0);
	CU_ASSERT_PTR_NULL(rb_shm_table_acquire(dp, &n, &gen, &bad)); /* seen once */
	rb_shm_table_ack(dp, 1, 0, NULL);
	CU_ASSERT_EQUAL(rb_shm_table_acked(c, 1, &st), 1);
	CU_ASSERT_EQUAL(st, 0);
	CU_ASSERT_EQUAL(rb_shm_table_publish(c, r, RB_MAX_ROUTES + 1), -E2BIG);
	/* generation 2 goes to the other slot; rejected by the dataplane */
	fill_routes(r, RB_MAX_ROUTES, 2);
	CU_ASSERT_EQUAL(rb_shm_table_publish(c, r, RB_MAX_ROUTES), 2);
	fake_reject = 1;
	rb_shm_poll(dp, &fops, NULL, 0, 0);
	fake_reject = 0;
	CU_ASSERT_EQUAL(rb_shm_table_acked(c, 2, &st), 1);
	CU_ASSERT_EQUAL(st, -22);
	CU_ASSERT_STRING_EQUAL(dp->hdr->table_ack_err, "rejected 2 (1024 routes)");
	/* generation 3 corrupted in the arena after publication */
	fill_routes(r, 5, 3);
	CU_ASSERT_EQUAL(rb_shm_table_publish(c, r, 5), 3);
	((struct rb_cfg_route *)((char *)dp->base + dp->hdr->arena_off +
				 sizeof(struct rb_tbl_hdr)))[2].line ^= 1;
	CU_ASSERT_PTR_NULL(rb_shm_table_acquire(dp, &n, &gen, &bad));
	CU_ASSERT_EQUAL(bad, 1);
	CU_ASSERT_EQUAL(gen, 3u);
	rb_shm_table_ack(dp, gen, -EBADMSG, "corrupt");
	CU_ASSERT_EQUAL(rb_shm_table_published(c), 3u);
	/* empty table is fine */
	CU_ASSERT_EQUAL(rb_shm_table_publish(c, NULL, 0), 4);
	rb_shm_poll(dp, &fops, NULL, 0, 0);
	CU_ASSERT_EQUAL(rb_shm_table_acked(c, 4, &st), 1);
	CU_ASSERT_EQUAL(st, 0);
	CU_ASSERT_EQUAL(dp->hdr->fib_generation, 4u);
	rb_shm_detach(c);
	rb_shm_destroy(dp);
}

/* ---- stress: control publishes while the dataplane thread reads slowly ---- */
#define STRESS_GENS 3000

struct stress {
	struct rb_shm *dp;
	volatile int done;
	uint64_t applied, torn;
	uint32_t last_gen;
};

static void *stress_reader(void *arg)
{
	struct stress *x = arg;
	unsigned spin = 0;

	while (!x->done || rb_shm_table_published(x->dp) > x->last_gen) {
		const struct rb_cfg_route *r;
		uint32_t n = 0, gen = 0, i, tag;
		int bad;

		r = rb_shm_table_acquire(x->dp, &n, &gen, &bad);
		if (!r) {
			if (bad)
				x->torn++;
			if (gen)
				rb_shm_table_ack(x->dp, gen, -1, "bad");
			continue;
		}
		/* Hold the slot a while, then check nobody overwrote it. */
		for (i = 0; i < (spin++ % 64) * 50; i++)
			__asm__ volatile("" ::: "memory");
		tag = gen * 7919u;
		if (n != gen % 97)
			x->torn++;
		for (i = 0; i < n; i++)
			if (memcmp(r[i].prefix.addr, &tag, 4) || r[i].line != (int)(tag ^ i))
				x->torn++;
		if (gen <= x->last_gen)
			x->torn++; /* generations only move forward */
		x->last_gen = gen;
		x->applied++;
		rb_shm_table_ack(x->dp, gen, 0, NULL);
	}
	return NULL;
}

static void test_table_stress(void)
{
	static struct rb_cfg_route r[128];
	struct stress x = { 0 };
	struct rb_shm *c;
	pthread_t th;
	uint32_t g, busy = 0;

	x.dp = mk(1);
	c = att();
	CU_ASSERT_PTR_NOT_NULL_FATAL(x.dp);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	pthread_create(&th, NULL, stress_reader, &x);
	for (g = 1; g <= STRESS_GENS; g++) {
		int64_t rc;

		fill_routes(r, g % 97, g * 7919u);
		while ((rc = rb_shm_table_publish(c, r, g % 97)) == -EBUSY)
			busy++;
		CU_ASSERT_EQUAL(rc, (int64_t)g);
	}
	x.done = 1;
	pthread_join(th, NULL);
	CU_ASSERT_EQUAL(x.torn, 0u);
	CU_ASSERT_EQUAL(x.last_gen, STRESS_GENS);
	CU_ASSERT(x.applied > 0 && x.applied <= STRESS_GENS);
	CU_ASSERT(busy > 0); /* the publisher really had to wait for acks */
	rb_shm_detach(c);
	rb_shm_destroy(x.dp);
}

/* ---- stats epoch: readers never see a half-written batch ---- */
struct epoch_test {
	struct rb_shm *dp, *c;
	volatile int done;
	uint64_t reads, torn, retries;
};

static void *stats_writer(void *arg)
{
	struct epoch_test *x = arg;
	struct rb_lcore_stats *st = rb_shm_lcore_stats(x->dp, 1);
	uint64_t v;
	int p;

	for (v = 1; !x->done; v++) {
		st->epoch++;
		__atomic_thread_fence(__ATOMIC_RELEASE);
		for (p = 0; p < RB_MAX_PORTS; p++) {
			st->port[p].rx_packets = v;
			st->port[p].tx_bytes = v;
		}
		st->drops[RB_DROP_MAX - 1] = v;
		__atomic_thread_fence(__ATOMIC_RELEASE);
		st->epoch++;
	}
	return NULL;
}

static void *stats_reader(void *arg)
{
	struct epoch_test *x = arg;
	struct rb_lcore_stats s;
	uint64_t last = 0;
	int p;

	while (!x->done) {
		int rc = rb_shm_read_stats(x->c, 1, &s);
		int bad = 0;

		if (rc < 0) {
			__atomic_fetch_add(&x->retries, 1, __ATOMIC_RELAXED);
			continue;
		}
		for (p = 0; p < RB_MAX_PORTS; p++)
			if (s.port[p].rx_packets != s.port[0].rx_packets ||
			    s.port[p].tx_bytes != s.port[0].rx_packets)
				bad = 1;
		if (s.drops[RB_DROP_MAX - 1] != s.port[0].rx_packets || s.port[0].rx_packets < last ||
		    (s.epoch & 1))
			bad = 1;
		last = s.port[0].rx_packets;
		__atomic_fetch_add(&x->torn, (uint64_t)bad, __ATOMIC_RELAXED);
		__atomic_fetch_add(&x->reads, 1, __ATOMIC_RELAXED);
	}
	return NULL;
}

static void test_stats_epoch(void)
{
	struct epoch_test x = { 0 };
	pthread_t w, r[2];
	int i;

	x.dp = mk(2);
	x.c = att();
	CU_ASSERT_PTR_NOT_NULL_FATAL(x.dp);
	CU_ASSERT_PTR_NOT_NULL_FATAL(x.c);
	pthread_create(&w, NULL, stats_writer, &x);
	for (i = 0; i < 2; i++)
		pthread_create(&r[i], NULL, stats_reader, &x);
	/* Run for at least 300 ms and until the readers have done some work:
	 * on a loaded machine the three threads may share one CPU, so the
	 * reads are waited for (up to 20 s) rather than assumed in time. */
	usleep(300000);
	for (i = 0; i < 400 && __atomic_load_n(&x.reads, __ATOMIC_RELAXED) <= 100; i++)
		usleep(50000);
	x.done = 1;
	pthread_join(w, NULL);
	for (i = 0; i < 2; i++)
		pthread_join(r[i], NULL);
	CU_ASSERT(x.reads > 100);
	CU_ASSERT_EQUAL(x.torn, 0u);
	/* other worker untouched, out-of-range worker refused */
	{
		struct rb_lcore_stats s;

		CU_ASSERT_EQUAL(rb_shm_read_stats(x.c, 0, &s), 0);
		CU_ASSERT_EQUAL(s.port[0].rx_packets, 0u);
		CU_ASSERT_EQUAL(rb_shm_read_stats(x.c, 2, &s), -EINVAL);
	}
	rb_shm_detach(x.c);
	rb_shm_destroy(x.dp);
}

/* ---- attach, layout checks, liveness, restart detection ---- */
static void test_attach_liveness(void)
{
	struct rb_shm *dp, *c = NULL, *dp2;
	struct rb_neigh_entry e;
	char err[256], why[128];

	shm_unlink(name);
	CU_ASSERT_EQUAL(rb_shm_attach(name, &c, err, sizeof(err)), -ENOENT);
	CU_ASSERT_EQUAL(rb_shm_attach("noslash", &c, err, sizeof(err)), -EINVAL);
	CU_ASSERT_PTR_NULL(rb_shm_create_named("/a/b", 1, err, sizeof(err)));
	CU_ASSERT_PTR_NULL(rb_shm_create_named(name, 0, err, sizeof(err)));
	CU_ASSERT_PTR_NULL(rb_shm_create_named(name, RB_MAX_LCORES + 1, err, sizeof(err)));
	dp = mk(3);
	CU_ASSERT_PTR_NOT_NULL_FATAL(dp);
	c = att();
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	CU_ASSERT_EQUAL(c->hdr->n_workers, 3u);
	CU_ASSERT_EQUAL(rb_shm_alive(c, 2000000000ull, why, sizeof(why)), 1);
	CU_ASSERT_EQUAL(rb_shm_same_boot(c, name), 1);
	/* neighbor entry being written (odd seq) is not returned as consistent */
	rb_shm_lcore_neigh(dp, 2)->e[5].seq = 1;
	CU_ASSERT_EQUAL(rb_shm_read_neigh(c, 2, 5, &e), -EAGAIN);
	rb_shm_lcore_neigh(dp, 2)->e[5].seq = 2;
	rb_shm_lcore_neigh(dp, 2)->e[5].state = RB_NEIGH_REACHABLE;
	CU_ASSERT_EQUAL(rb_shm_read_neigh(c, 2, 5, &e), 0);
	CU_ASSERT_EQUAL(e.state, RB_NEIGH_REACHABLE);
	CU_ASSERT_EQUAL(rb_shm_read_neigh(c, 3, 0, &e), -EINVAL);
	CU_ASSERT_EQUAL(rb_shm_read_neigh(c, 0, RB_NEIGH_SLOTS, &e), -EINVAL);
	/* stale heartbeat */
	dp->hdr->hb_mono_ns -= 3000000000ull;
	CU_ASSERT_EQUAL(rb_shm_alive(c, 2000000000ull, why, sizeof(why)), 0);
	CU_ASSERT(strstr(why, "heartbeat") != NULL);
	rb_shm_heartbeat(dp, 0);
	CU_ASSERT_EQUAL(rb_shm_alive(c, 2000000000ull, why, sizeof(why)), 1);
	/* dead pid */
	dp->hdr->pid = 0x3ffffff0;
	CU_ASSERT_EQUAL(rb_shm_alive(c, 2000000000ull, why, sizeof(why)), 0);
	CU_ASSERT(strstr(why, "gone") != NULL);
	dp->hdr->pid = getpid();
	/* restart: a new segment under the same name */
	dp2 = mk(1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(dp2);
	CU_ASSERT_EQUAL(rb_shm_same_boot(c, name), 0);
	rb_shm_destroy(dp); /* old mapping: marks its (unlinked) header down */
	CU_ASSERT_EQUAL(rb_shm_alive(c, 2000000000ull, why, sizeof(why)), 0);
	rb_shm_detach(c);
	/* a layout mismatch is refused with the field's name */
	dp2->hdr->msg_size++;
	CU_ASSERT_EQUAL(rb_shm_attach(name, &c, err, sizeof(err)), -EPROTO);
	CU_ASSERT(strstr(err, "msg_size") != NULL);
	dp2->hdr->msg_size--;
	dp2->hdr->magic = 0;
	CU_ASSERT_EQUAL(rb_shm_attach(name, &c, err, sizeof(err)), -EAGAIN);
	dp2->hdr->magic = RB_SHM_MAGIC;
	rb_shm_destroy(dp2);
	CU_ASSERT_EQUAL(rb_shm_attach(name, &c, err, sizeof(err)), -ENOENT);
}

int main(void)
{
	CU_pSuite s;
	unsigned fails;

	snprintf(name, sizeof(name), "/rbtest_shm_%d", (int)getpid());
	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("shm", NULL, NULL);
	CU_add_test(s, "message check table", test_msg_check);
	CU_add_test(s, "ring round trip", test_roundtrip);
	CU_add_test(s, "invalid messages counted", test_invalid_counted);
	CU_add_test(s, "ring full counted", test_ring_full);
	CU_add_test(s, "dispatcher replies", test_dispatch);
	CU_add_test(s, "route table publish/ack", test_table_basic);
	CU_add_test(s, "route table stress", test_table_stress);
	CU_add_test(s, "stats epoch consistency", test_stats_epoch);
	CU_add_test(s, "attach and liveness", test_attach_liveness);
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	fails = CU_get_number_of_failures();
	CU_cleanup_registry();
	shm_unlink(name);
	return fails ? 1 : 0;
}
