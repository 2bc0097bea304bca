/* SPDX-License-Identifier: BSD-3-Clause */
/* The diagnostic echo service over UDP (RFC 862), from services "diag". */
#include <errno.h>
#include <string.h>
#include <stdlib.h>
#include <netinet/in.h>
#include "../rb_lcore.h"
#include "../rb_log.h"
#include "udp.h"

struct udp_diag {
	int n;
	struct udp_sock *s[RB_MAX_SERVICES];
};

void *udp_stack_diag(struct rb_lcore *lc);
void udp_stack_set_diag(struct rb_lcore *lc, void *d);
int udp_diag_start(struct rb_lcore *lc);
void udp_diag_stop(struct rb_lcore *lc);

static void echo_recv(struct udp_sock *s, struct rte_mbuf *m, const struct udp_peer *from,
		      void *arg)
{
	struct udp_peer to = *from;

	(void)arg;
	/* Reply from the address the datagram was sent to. */
	udp_send(s, m, &to);
}

int udp_diag_start(struct rb_lcore *lc)
{
	const struct rb_config *cfg = lc->dp->cfg;
	struct udp_diag *d;

	if (cfg == NULL || cfg->n_services == 0)
		return 0;
	d = calloc(1, sizeof(*d));
	if (d == NULL)
		return -ENOMEM;
	udp_stack_set_diag(lc, d);
	for (int i = 0; i < cfg->n_services; i++) {
		const struct rb_cfg_service *s = &cfg->services[i];
		struct udp_sock *u;
		int err;

		if (strcmp(s->type, "diag") != 0 || s->echo_port == 0)
			continue;
		u = udp_bind(lc, s->listen.family, s->listen.family ? s->listen.addr : NULL,
			     s->echo_port, echo_recv, NULL, &err);
		if (u == NULL) {
			RB_ERR("diag service '%s' (line %d): cannot bind udp port %u: %s", s->tag,
			       s->line, s->echo_port, strerror(-err));
			return err;
		}
		d->s[d->n++] = u;
	}
	return 0;
}

void udp_diag_stop(struct rb_lcore *lc)
{
	struct udp_diag *d = udp_stack_diag(lc);

	if (d == NULL)
		return;
	for (int i = 0; i < d->n; i++)
		udp_close(d->s[i]);
	free(d);
	udp_stack_set_diag(lc, NULL);
}
