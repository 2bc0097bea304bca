/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * control's view of the proxy's connections table (the dataplane's
 * "<shm_name>-conns" segment, dataplane/proxy/rb_conn_info.h): snapshot with
 * filters, close one or all (conns.c), the ctl commands `conns` and
 * `conns close` (conns_cmds.c) and the proxy's Prometheus families
 * (proxy_metrics.c).
 */
#ifndef RB_CONNS_H
#define RB_CONNS_H

#include <stddef.h>
#include <stdint.h>
#include "../dataplane/proxy/rb_conn_info.h"

struct rb_ctl;
struct rb_ctl_req;
struct rb_json;

/* NULL / 0 fields match everything. */
struct rb_conns_filter {
	const char *inbound;            /* inbound tag, exact */
	const char *outbound;           /* outbound tag, exact */
	const char *user;               /* user name, exact */
	const char *dst;                /* substring of the domain, IP or "host:port" */
	int network;                    /* enum rb_network, 0 = both */
};

struct rb_conn_row {
	struct rb_conn_info info;
	unsigned worker, slot;
};

/* Attach to the segment of a dataplane whose main segment is shm_name,
 * checking that its dataplane process is alive.  0 or -errno (err set). */
int rb_conns_attach(struct rb_conn_shm *s, const char *shm_name, char *err, size_t errlen);
/* 1 when i passes f. */
int rb_conns_match(const struct rb_conn_info *i, const struct rb_conns_filter *f);
/* "domain:port", "ip:port" or "[ip6]:port"; ip_only: the address without the port
 * ("" when not resolved yet). */
void rb_conns_fmt_dst(const struct rb_conn_info *i, int ip_only, char *b, size_t n);
void rb_conns_fmt_src(const struct rb_conn_info *i, char *b, size_t n);
/* A consistent copy of every live connection that matches f, in worker and
 * slot order.  Returns the count with *rows malloc()ed (NULL when 0), or
 * -ENOMEM. */
int rb_conns_snapshot(const struct rb_conn_shm *s, const struct rb_conns_filter *f,
		      struct rb_conn_row **rows);
/* Close connection id and wait up to wait_ms for its worker to do it.
 * 0 closed, -ENOENT no such live connection, -EBUSY mailbox full,
 * -ETIMEDOUT the worker did not act in time. */
int rb_conns_close(struct rb_conn_shm *s, uint64_t id, unsigned wait_ms);
/* Close every connection on every worker; returns how many were live
 * before, or -ETIMEDOUT / -EBUSY. */
int rb_conns_close_all(struct rb_conn_shm *s, unsigned wait_ms);

/* conns_cmds.c */
int rb_conns_cmd(struct rb_ctl *c, const struct rb_ctl_req *req, struct rb_json *j);
int rb_conns_cmd_close(struct rb_ctl *c, const struct rb_ctl_req *req, int first,
		       struct rb_json *j);

/* proxy_metrics.c: the proxy's families in /metrics. */
void rb_proxy_metrics_render(struct rb_ctl *c, struct rb_json *o);

#endif
