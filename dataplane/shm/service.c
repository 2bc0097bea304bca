/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The dataplane side of the segment, independent of DPDK's EAL: heartbeat,
 * route-table publication and the command ring, calling back into the
 * dataplane (or a test's fake) through struct rb_shm_ops.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "rb_shm.h"

static void send_event(struct rb_shm *s, uint32_t code, uint32_t arg, const char *text)
{
	struct rb_msg ev;

	rb_msg_init(&ev, RB_MSG_EVENT, 0);
	ev.u.event.code = code;
	ev.u.event.arg = arg;
	snprintf(ev.u.event.text, sizeof(ev.u.event.text), "%s", text ? text : "");
	ev.length = (uint16_t)(8 + strlen(ev.u.event.text) + 1);
	rb_shm_send(s, &ev);
}

/* Apply a newly published table, if any.  Returns 1 if one was handled. */
static int poll_table(struct rb_shm *s, const struct rb_shm_ops *ops, void *ctx)
{
	char err[sizeof(s->hdr->table_ack_err)] = "";
	const struct rb_cfg_route *r;
	uint32_t n = 0, gen = 0;
	int bad, rc;

	r = rb_shm_table_acquire(s, &n, &gen, &bad);
	if (!r && !bad)
		return 0;
	if (bad) {
		rc = -EBADMSG;
		snprintf(err, sizeof(err), "route table %u: corrupt arena slot", gen);
	} else {
		rc = ops->apply_routes(ctx, r, n, gen, err, sizeof(err));
	}
	rb_shm_table_ack(s, gen, rc, err);
	if (rc == 0 && ops->fib_generation)
		s->hdr->fib_generation = ops->fib_generation(ctx);
	send_event(s, rc == 0 ? RB_EVC_ROUTES_APPLIED : RB_EVC_ROUTES_REJECTED, gen, err);
	return 1;
}

static void fill_info(struct rb_shm *s, struct rb_msg *rep)
{
	rep->u.info.fib_generation = s->hdr->fib_generation;
	rep->u.info.log_level = s->hdr->log_level;
	rep->u.info.n_workers = s->hdr->n_workers;
	rep->u.info.n_ports = s->hdr->n_ports;
	rep->u.info.hb_count = s->hdr->hb_count;
	rep->length = sizeof(rep->u.info);
}

static void handle(struct rb_shm *s, const struct rb_shm_ops *ops, void *ctx,
		   const struct rb_msg *req)
{
	struct rb_msg rep;
	int rc;

	switch (req->type) {
	case RB_MSG_PING:
		rb_msg_reply(&rep, req, RB_MSG_ST_OK, NULL);
		fill_info(s, &rep);
		break;
	case RB_MSG_SET_LOG_LEVEL:
		if (req->u.log_level < RB_LOG_ERROR || req->u.log_level > RB_LOG_TRACE) {
			rb_msg_reply(&rep, req, RB_MSG_ST_INVALID, "log level out of range");
			break;
		}
		if (ops->set_log_level)
			ops->set_log_level(ctx, req->u.log_level);
		s->hdr->log_level = req->u.log_level;
		rb_msg_reply(&rep, req, RB_MSG_ST_OK, NULL);
		send_event(s, RB_EVC_LOG_LEVEL, (uint32_t)req->u.log_level, NULL);
		break;
	case RB_MSG_PUBLISH_ROUTES:
		/* The table is read from the arena; the message only nudges. */
		poll_table(s, ops, ctx);
		rb_msg_reply(&rep, req, RB_MSG_ST_OK, NULL);
		rc = 0;
		if (rb_shm_table_acked(s, req->u.table.generation, &rc) && rc != 0) {
			rb_msg_reply(&rep, req, RB_MSG_ST_ERROR, s->hdr->table_ack_err);
		}
		rep.u.info.fib_generation = s->hdr->fib_generation;
		break;
	case RB_MSG_DUMP:
		if (req->u.dump.what != RB_DUMP_INFO) {
			rb_msg_reply(&rep, req, RB_MSG_ST_UNSUPPORTED, "unknown dump");
			break;
		}
		rb_msg_reply(&rep, req, RB_MSG_ST_OK, NULL);
		fill_info(s, &rep);
		break;
	case RB_MSG_CLOSE_CONN:
	case RB_MSG_START_CAPTURE:
	default:
		if (ops->module_msg && ops->module_msg(ctx, req, &rep))
			break;
		rb_msg_reply(&rep, req, RB_MSG_ST_UNSUPPORTED, "not supported by this dataplane");
		break;
	}
	rb_shm_send(s, &rep);
}

int rb_shm_poll(struct rb_shm *s, const struct rb_shm_ops *ops, void *ctx, uint64_t tsc_hz,
		unsigned budget)
{
	struct rb_msg m;
	int n = 0;

	rb_shm_heartbeat(s, tsc_hz);
	poll_table(s, ops, ctx);
	while ((unsigned)n < budget && rb_shm_recv(s, &m)) {
		handle(s, ops, ctx, &m);
		n++;
	}
	return n;
}
