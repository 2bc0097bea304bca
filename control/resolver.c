/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The minimal resolver (rb_route_ctl.h): dns.servers of type udp, A/AAAA
 * per strategy, answers cached by TTL in the route segment's lock-free
 * table (rt_shm.h; bounded: dns.cache_capacity, at most RB_RTS_DNS_N),
 * queries sent THROUGH THE DATAPLANE: control enqueues RB_RTS_UDP_SEND on
 * the route ring, the dataplane sends the datagram from its data port and
 * returns replies as RB_RTS_UDP_RECV.  Each attempt waits dns.timeout_ms,
 * then the next server is tried, dns.retries times; a failure is cached
 * briefly as a negative answer (rcode != 0) so the waiting workers get a
 * clear -ETIMEDOUT / -ENOENT.  Wire format: RFC 1035 4.1.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/random.h>
#include <sys/socket.h>

#include "rb_route_ctl.h"
#include "../dataplane/route/rt_shm.h"

#define MAX_QUERIES   256
#define NEG_TTL_NS    (5ull * 1000000000ull)
#define MAX_TTL_S     86400
#define QTYPE_A       1
#define QTYPE_AAAA    28
#define RCODE_TIMEOUT 2               /* cached as SERVFAIL */

struct query {
	int used;
	char name[256];
	uint16_t id[2];               /* A, AAAA transaction ids */
	int want[2], done[2];
	uint8_t a4[RB_RTS_MAX_ADDRS][4], a6[RB_RTS_MAX_ADDRS][16];
	int n4, n6, rcode;
	uint32_t ttl;
	unsigned attempt, server;
	uint64_t deadline_ns;
};

static struct {
	struct rb_cfg_dns_server servers[RB_DNS_MAX_SERVERS];
	int n_servers, strategy;
	uint32_t timeout_ms, retries;
	struct query q[MAX_QUERIES];
	uint64_t queries, hits, failures, timeouts, sent, ring_full;
} R;

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

void rb_resolver_configure(const struct rb_cfg_routing *r)
{
	R.n_servers = r->n_servers;
	memcpy(R.servers, r->servers, sizeof(R.servers));
	R.strategy = r->strategy ? r->strategy : RB_RESOLVE_PREFER_IPV4;
	R.timeout_ms = r->timeout_ms ? r->timeout_ms : 2000;
	R.retries = r->retries;
}

/* RFC 1035 4.1.1 header + 4.1.2 question */
static size_t build_query(uint8_t *b, size_t cap, uint16_t id, const char *name, uint16_t qtype)
{
	size_t o = 12, ln;
	const char *p = name;

	memset(b, 0, 12);
	b[0] = (uint8_t)(id >> 8);
	b[1] = (uint8_t)id;
	b[2] = 0x01;                  /* RD */
	b[5] = 1;                     /* QDCOUNT */
	while (*p) {
		const char *dot = strchr(p, '.');

		ln = dot ? (size_t)(dot - p) : strlen(p);
		if (ln == 0 || ln > 63 || o + ln + 6 > cap)
			return 0;
		b[o++] = (uint8_t)ln;
		memcpy(b + o, p, ln);
		o += ln;
		p += ln + (dot ? 1 : 0);
	}
	b[o++] = 0;
	b[o++] = (uint8_t)(qtype >> 8);
	b[o++] = (uint8_t)qtype;
	b[o++] = 0;
	b[o++] = 1;                   /* IN */
	return o;
}

/* Skip a (possibly compressed) name: new offset or 0. */
static size_t skip_name(const uint8_t *b, size_t n, size_t o)
{
	for (int guard = 0; o < n && guard < 128; guard++) {
		uint8_t l = b[o];

		if (l == 0)
			return o + 1;
		if ((l & 0xc0) == 0xc0)
			return o + 2 <= n ? o + 2 : 0;
		if (l & 0xc0)
			return 0;
		o += 1 + (size_t)l;
	}
	return 0;
}

static void send_attempt(struct rb_rts *s, struct query *q)
{
	const struct rb_cfg_dns_server *sv = &R.servers[q->server % (unsigned)R.n_servers];
	struct rb_rts_msg m;

	for (int k = 0; k < 2; k++) {
		if (!q->want[k] || q->done[k])
			continue;
		memset(&m, 0, sizeof(m));
		m.type = RB_RTS_UDP_SEND;
		m.family = sv->server.family;
		memcpy(m.addr, sv->server.addr, 16);
		m.port = sv->server_port;
		m.id = q->id[k];
		m.len = (uint16_t)build_query(m.data, sizeof(m.data), q->id[k], q->name,
					      k ? QTYPE_AAAA : QTYPE_A);
		if (!m.len)
			continue;
		if (rb_rts_send(s, &m) == 0)
			R.sent++;
		else
			R.ring_full++;
	}
	q->deadline_ns = now_ns() + (uint64_t)R.timeout_ms * 1000000ull;
}

static void finish(struct rb_rts *s, struct query *q)
{
	uint64_t ttl = q->ttl ? q->ttl : 60;
	int ok = q->n4 || q->n6;

	if (ttl > MAX_TTL_S)
		ttl = MAX_TTL_S;
	if (!ok)
		R.failures++;
	rb_rts_dns_put(s, q->name, q->a4, q->n4, q->a6, q->n6, ok ? 0 : (q->rcode ? q->rcode : 3),
		       now_ns() + (ok ? ttl * 1000000000ull : NEG_TTL_NS));
	q->used = 0;
}

static void on_reply(struct rb_rts *s, const struct rb_rts_msg *m)
{
	const uint8_t *b = m->data;
	size_t n = m->len, o;
	unsigned id, an, rcode;

	if (n < 12)
		return;
	id = (unsigned)b[0] << 8 | b[1];
	rcode = b[3] & 0x0f;
	an = (unsigned)b[6] << 8 | b[7];
	for (int i = 0; i < MAX_QUERIES; i++) {
		struct query *q = &R.q[i];
		int k;

		if (!q->used)
			continue;
		k = q->id[0] == id ? 0 : q->id[1] == id ? 1 : -1;
		if (k < 0 || q->done[k] || !(b[2] & 0x80))
			continue;
		q->done[k] = 1;
		if (rcode)
			q->rcode = (int)rcode;
		o = skip_name(b, n, 12);
		o = o && o + 4 <= n ? o + 4 : 0;
		for (unsigned a = 0; o && a < an; a++) {
			unsigned type, rdlen;
			uint32_t ttl;

			o = skip_name(b, n, o);
			if (!o || o + 10 > n)
				break;
			type = (unsigned)b[o] << 8 | b[o + 1];
			ttl = (uint32_t)b[o + 4] << 24 | (uint32_t)b[o + 5] << 16 |
			      (uint32_t)b[o + 6] << 8 | b[o + 7];
			rdlen = (unsigned)b[o + 8] << 8 | b[o + 9];
			o += 10;
			if (o + rdlen > n)
				break;
			if (type == QTYPE_A && rdlen == 4 && q->n4 < RB_RTS_MAX_ADDRS)
				memcpy(q->a4[q->n4++], b + o, 4);
			else if (type == QTYPE_AAAA && rdlen == 16 && q->n6 < RB_RTS_MAX_ADDRS)
				memcpy(q->a6[q->n6++], b + o, 16);
			if ((type == QTYPE_A || type == QTYPE_AAAA) && (!q->ttl || ttl < q->ttl))
				q->ttl = ttl;
			o += rdlen;
		}
		/* prefer_*: the preferred family's answer is enough */
		if ((q->done[0] || !q->want[0]) && (q->done[1] || !q->want[1]))
			finish(s, q);
		else if (R.strategy == RB_RESOLVE_PREFER_IPV4 && q->n4)
			finish(s, q);
		else if (R.strategy == RB_RESOLVE_PREFER_IPV6 && q->n6)
			finish(s, q);
		return;
	}
}

static void on_request(struct rb_rts *s, const struct rb_rts_msg *m)
{
	int strat = m->strategy ? m->strategy : R.strategy, free_i = -1;
	struct query *q;
	uint16_t ids[2];

	R.queries++;
	for (int i = 0; i < MAX_QUERIES; i++) {
		if (R.q[i].used && strcmp(R.q[i].name, m->name) == 0)
			return; /* already under way */
		if (!R.q[i].used && free_i < 0)
			free_i = i;
	}
	if (R.n_servers == 0 || free_i < 0) {
		/* no server (or too many in flight): a clear, cached failure */
		rb_rts_dns_put(s, m->name, NULL, 0, NULL, 0, RCODE_TIMEOUT, now_ns() + NEG_TTL_NS);
		R.failures++;
		return;
	}
	q = &R.q[free_i];
	memset(q, 0, sizeof(*q));
	q->used = 1;
	snprintf(q->name, sizeof(q->name), "%s", m->name);
	if (getrandom(ids, sizeof(ids), 0) != sizeof(ids)) {
		ids[0] = (uint16_t)now_ns();
		ids[1] = (uint16_t)(ids[0] ^ 0x5a5a);
	}
	q->id[0] = ids[0];
	q->id[1] = ids[1] != ids[0] ? ids[1] : (uint16_t)(ids[0] + 1);
	q->want[0] = strat != RB_RESOLVE_IPV6_ONLY;
	q->want[1] = strat != RB_RESOLVE_IPV4_ONLY;
	send_attempt(s, q);
}

int rb_resolver_request(struct rb_rts *s, const char *name)
{
	struct rb_rts_msg m;
	size_t n = name ? strlen(name) : 0;

	if (!s || n == 0 || n > 253)
		return -1;
	memset(&m, 0, offsetof(struct rb_rts_msg, data));
	m.type = RB_RTS_RESOLVE;
	memcpy(m.name, name, n + 1);
	on_request(s, &m);
	return 0;
}

void rb_resolver_stats(struct rb_resolver_stats *out)
{
	out->queries = R.queries;
	out->failures = R.failures;
	out->timeouts = R.timeouts;
	out->sent = R.sent;
	out->ring_full = R.ring_full;
}

void rb_resolver_tick(struct rb_rts *s)
{
	struct rb_rts_msg m;
	uint64_t now;
	int n = 0;

	if (!s)
		return;
	while (n++ < 256 && rb_rts_recv(s, &m)) {
		if (m.type == RB_RTS_RESOLVE)
			on_request(s, &m);
		else if (m.type == RB_RTS_UDP_RECV)
			on_reply(s, &m);
	}
	now = now_ns();
	for (int i = 0; i < MAX_QUERIES; i++) {
		struct query *q = &R.q[i];

		if (!q->used || now < q->deadline_ns)
			continue;
		if (q->attempt++ < R.retries) {
			q->server++;
			send_attempt(s, q);
			continue;
		}
		R.timeouts++;
		fprintf(stderr,
			"ringbox-control: resolver: %s: no answer after %u attempts of %u ms "
			"(servers %d; dataplane sent %llu, send errors %llu, queue full %llu)\n",
			q->name, q->attempt, R.timeout_ms, R.n_servers,
			(unsigned long long)s->hdr->udp_sent, (unsigned long long)s->hdr->udp_send_errors, (unsigned long long)s->hdr->udp_queue_full);
		if (q->n4 || q->n6)
			finish(s, q);
		else {
			q->rcode = RCODE_TIMEOUT;
			finish(s, q);
		}
	}
}
