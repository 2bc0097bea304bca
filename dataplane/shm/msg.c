/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Fixed-size, versioned messages over the two rte_rings of the segment
 * (rb_shm_wire.h, control/README.md "Messages").  Each ring has one
 * producer and one consumer; enqueue never blocks: a full ring is counted
 * and the message dropped.  Unknown types and versions are counted and
 * dropped by the receiver.
 */
#include <errno.h>
#include <string.h>
#include <stdio.h>
#include <rte_ring.h>
#include <rte_ring_elem.h>

#include "rb_shm.h"

void rb_msg_init(struct rb_msg *m, uint16_t type, uint32_t seq)
{
	memset(m, 0, sizeof(*m));
	m->type = type;
	m->version = RB_MSG_VERSION;
	m->seq = seq;
}

int rb_msg_check(const struct rb_msg *m, int to_dataplane)
{
	if (m->version != RB_MSG_VERSION)
		return -EPROTONOSUPPORT;
	if (to_dataplane ? (m->type == RB_MSG_NONE || m->type >= RB_MSG_C2D_MAX)
			 : (m->type < RB_MSG_REPLY || m->type >= RB_MSG_D2C_MAX))
		return -EBADMSG;
	if (m->length > RB_MSG_PAYLOAD)
		return -EMSGSIZE;
	return 0;
}

int rb_shm_send(struct rb_shm *s, const struct rb_msg *m)
{
	if (rte_ring_sp_enqueue_elem(s->tx, (void *)(uintptr_t)m, sizeof(*m)) < 0) {
		s->msgs->ring_full++;
		return -ENOBUFS;
	}
	s->msgs->tx++;
	return 0;
}

uint32_t rb_shm_request(struct rb_shm *s, struct rb_msg *m)
{
	if (++s->next_seq == 0)
		s->next_seq = 1;
	m->seq = s->next_seq;
	return rb_shm_send(s, m) == 0 ? m->seq : 0;
}

int rb_shm_recv(struct rb_shm *s, struct rb_msg *m)
{
	while (rte_ring_sc_dequeue_elem(s->rx, m, sizeof(*m)) == 0) {
		switch (rb_msg_check(m, s->owner)) {
		case 0:
			s->msgs->rx++;
			return 1;
		case -EPROTONOSUPPORT:
			s->msgs->bad_version++;
			break;
		case -EBADMSG:
			s->msgs->bad_type++;
			break;
		default:
			s->msgs->bad_length++;
			break;
		}
	}
	return 0;
}

void rb_msg_reply(struct rb_msg *rep, const struct rb_msg *req, uint16_t status,
		  const char *text)
{
	rb_msg_init(rep, RB_MSG_REPLY, req->seq);
	rep->req_type = req->type;
	rep->status = status;
	if (text) {
		snprintf(rep->u.text, sizeof(rep->u.text), "%s", text);
		rep->length = (uint16_t)(strlen(rep->u.text) + 1);
	}
}
