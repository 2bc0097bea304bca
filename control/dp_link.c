/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Control's link to the dataplane through the segment: attach (retrying
 * while the segment is absent), liveness (boot id, pid, heartbeat older
 * than 2 s), reattach after a dataplane restart, route-table publication
 * and request/reply over the message rings.  Nothing here ever blocks
 * for longer than RB_CTL_WAIT_MS (RB_CTL_ACK_WAIT_MS for a route table).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "rb_ctl.h"

static void msleep1(void)
{
	struct timespec ts = { 0, 1000000 };

	nanosleep(&ts, NULL);
}

/* Consume replies and events; 1 when the reply to `seq` was found. */
static int drain(struct rb_ctl *c, uint32_t seq, struct rb_msg *rep)
{
	struct rb_msg m;
	int found = 0;

	while (rb_shm_recv(c->shm, &m)) {
		if (m.type == RB_MSG_EVENT) {
			c->events_rx++;
			if (m.u.event.code == RB_EVC_ROUTES_REJECTED)
				fprintf(stderr, "ringbox-control: dataplane rejected routes %u: %.*s\n",
					m.u.event.arg, (int)sizeof(m.u.event.text) - 1,
					m.u.event.text);
			continue;
		}
		if (seq && m.seq == seq && !found) {
			*rep = m;
			found = 1;
			continue;
		}
		c->stale_replies++;
	}
	return found;
}

void rb_ctl_link_close(struct rb_ctl *c)
{
	rb_shm_detach(c->shm);
	c->shm = NULL;
	if (c->dp_up)
		c->dp_downs++;
	c->dp_up = 0;
}

static void try_publish(struct rb_ctl *c)
{
	const struct rb_cfg_route *r = c->cfg_loaded ? c->cfg.dp.routes : NULL;
	uint32_t n = c->cfg_loaded && r ? (uint32_t)c->cfg.dp.n_routes : 0;
	int64_t gen = rb_shm_table_publish(c->shm, r, n);
	struct rb_msg m;

	if (gen == -EBUSY)
		return; /* the previous table is still being read: next tick */
	c->publish_wanted = 0;
	if (gen < 0) {
		c->last_apply_status = (int)gen;
		snprintf(c->last_apply_err, sizeof(c->last_apply_err), "%s", strerror((int)-gen));
		return;
	}
	c->published_gen = (uint32_t)gen;
	/* Nudge: the dataplane polls table_pub anyway; the reply is drained. */
	rb_msg_init(&m, RB_MSG_PUBLISH_ROUTES, 0);
	m.u.table.generation = (uint32_t)gen;
	m.length = sizeof(m.u.table);
	rb_shm_request(c->shm, &m);
}

void rb_ctl_link_tick(struct rb_ctl *c)
{
	char err[256];
	struct rb_shm *s;
	int rc, st;

	if (c->shm && !rb_shm_same_boot(c->shm, c->shm_name)) {
		fprintf(stderr, "ringbox-control: segment %s replaced or removed: detaching\n",
			c->shm_name);
		rb_ctl_link_close(c);
		snprintf(c->dp_why, sizeof(c->dp_why), "dataplane restarting");
	}
	if (!c->shm) {
		rc = rb_shm_attach(c->shm_name, &s, err, sizeof(err));
		if (rc < 0) {
			if (rc == -ENOENT)
				snprintf(c->dp_why, sizeof(c->dp_why),
					 "no segment %s (dataplane not running)", c->shm_name);
			else
				snprintf(c->dp_why, sizeof(c->dp_why), "%s", err);
			return;
		}
		c->shm = s;
		c->boot_id = s->hdr->boot_id;
		c->attaches++;
		c->published_gen = rb_shm_table_published(s);
		c->publish_wanted = 1;
		drain(c, 0, NULL);
		fprintf(stderr, "ringbox-control: attached to %s (dataplane pid %d, boot %016llx)\n",
			c->shm_name, (int)s->hdr->pid, (unsigned long long)c->boot_id);
	}
	if (!rb_shm_alive(c->shm, RB_CTL_STALE_NS, c->dp_why, sizeof(c->dp_why))) {
		if (c->dp_up) {
			c->dp_downs++;
			fprintf(stderr, "ringbox-control: dataplane down: %s\n", c->dp_why);
		}
		c->dp_up = 0;
		return;
	}
	if (!c->dp_up)
		fprintf(stderr, "ringbox-control: dataplane up (pid %d)\n", (int)c->shm->hdr->pid);
	c->dp_up = 1;
	c->dp_why[0] = 0;
	drain(c, 0, NULL);
	if (c->publish_wanted)
		try_publish(c);
	if (c->published_gen && rb_shm_table_acked(c->shm, c->published_gen, &st)) {
		c->last_apply_status = st;
		snprintf(c->last_apply_err, sizeof(c->last_apply_err), "%s",
			 st ? c->shm->hdr->table_ack_err : "");
	}
}

int rb_ctl_dp_request(struct rb_ctl *c, struct rb_msg *req, struct rb_msg *rep)
{
	uint64_t deadline = rb_shm_mono_ns() + RB_CTL_WAIT_MS * 1000000ull;
	uint32_t seq;

	if (!c->shm || !c->dp_up)
		return -ENOTCONN;
	seq = rb_shm_request(c->shm, req);
	if (!seq)
		return -ENOBUFS;
	do {
		if (drain(c, seq, rep))
			return 0;
		msleep1();
	} while (rb_shm_mono_ns() < deadline);
	return -ETIMEDOUT;
}

int rb_ctl_publish_routes(struct rb_ctl *c)
{
	uint64_t deadline = rb_shm_mono_ns() + RB_CTL_ACK_WAIT_MS * 1000000ull;
	int st;

	c->publish_wanted = 1;
	if (!c->shm || !c->dp_up)
		return 1;
	for (;;) {
		try_publish(c);
		if (!c->publish_wanted)
			break;
		if (rb_shm_mono_ns() >= deadline)
			return 1; /* still busy: the tick publishes later */
		msleep1();
	}
	if (c->last_apply_status < 0 && !c->published_gen)
		return -1;
	while (!rb_shm_table_acked(c->shm, c->published_gen, &st)) {
		if (rb_shm_mono_ns() >= deadline)
			return 1;
		msleep1();
	}
	drain(c, 0, NULL);
	c->last_apply_status = st;
	snprintf(c->last_apply_err, sizeof(c->last_apply_err), "%s",
		 st ? c->shm->hdr->table_ack_err : "");
	return st ? -1 : 0;
}
