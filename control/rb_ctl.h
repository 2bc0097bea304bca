/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ringbox-control's state and its modules: the link to the dataplane's
 * segment (dp_link.c), the ctl commands (ctl_cmds.c), the ctl socket
 * (ctl_server.c) and the Prometheus endpoint (metrics.c).  One thread,
 * one epoll loop (main.c).
 */
#ifndef RB_CTL_H
#define RB_CTL_H

#include <stdint.h>
#include "../config/rb_config.h"
#include "../dataplane/shm/rb_shm.h"
#include "rb_json.h"
#include "rb_ctl_proto.h"

#define RB_CTL_STALE_NS    2000000000ull  /* heartbeat older than this: down */
#define RB_CTL_WAIT_MS     2000           /* wait for a dataplane reply: as long as the
                                             * heartbeat may lag before control calls the
                                             * dataplane dead (a live main lcore that
                                             * shares its CPU can be descheduled ~1 s) */
#define RB_CTL_ACK_WAIT_MS 2000           /* wait for a route-table ack (FIB build) */

struct rb_ctl {
	/* config */
	struct rb_config cfg;
	int cfg_loaded;
	char cfg_path[RB_PATH_LEN];
	char cfg_sha256[65];
	char shm_name[RB_NAME_LEN];
	uint64_t start_real_ns, start_mono_ns;
	uint64_t reloads, reload_failures;
	/* dataplane link */
	struct rb_shm *shm;
	int dp_up;
	char dp_why[256];
	uint64_t boot_id;
	uint64_t attaches, dp_downs;
	int publish_wanted;               /* publish cfg routes when possible */
	uint32_t published_gen;           /* generation we published last */
	int last_apply_status;
	char last_apply_err[128];
	uint64_t events_rx, stale_replies;
	/* shutdown */
	volatile int quit;
};

/* config (main.c helpers, shared with `check`) */
/* Load path into cfg; on error returns -1 and a malloc'd text in *errs. */
int rb_ctl_load_config(const char *path, struct rb_config *cfg, char **errs);
int rb_ctl_sha256_file(const char *path, char out[65]);

/* dp_link.c */
void rb_ctl_link_tick(struct rb_ctl *c);       /* attach / liveness / publish / events */
void rb_ctl_link_close(struct rb_ctl *c);
/* Send a request and wait (bounded) for its reply.  0, or -errno. */
int rb_ctl_dp_request(struct rb_ctl *c, struct rb_msg *req, struct rb_msg *rep);
/* Publish cfg routes now and wait (bounded) for the ack.  Returns the
 * status: 0 applied, 1 pending (not acked in time / dataplane down),
 * -1 rejected (reason in c->last_apply_err). */
int rb_ctl_publish_routes(struct rb_ctl *c);
/* Sum stats over lcores etc. are done by the callers with rb_shm_read_*. */

/* ctl_cmds.c: run a parsed request, writing the reply into j. 0 ok, -1 error reply. */
int rb_ctl_exec(struct rb_ctl *c, const struct rb_ctl_req *req, struct rb_json *j);
/* Render an error reply for an unparsable request. */
void rb_ctl_error_reply(struct rb_json *j, const char *cmd, const char *msg);
/* Reload the config file (SIGHUP and /reload). 0 ok, -1 invalid (errs set). */
int rb_ctl_reload(struct rb_ctl *c, char **errs, int *apply_status);

/* ctl_server.c */
struct rb_ctl_server;
struct rb_ctl_server *rb_ctl_server_open(struct rb_ctl *c, const char *path, int epfd,
					 char *err, size_t errlen);
/* epoll dispatch: tag is the pointer given to epoll (see main.c). */
void rb_ctl_server_event(struct rb_ctl_server *srv, void *tag, uint32_t events);
void rb_ctl_server_tick(struct rb_ctl_server *srv);
void rb_ctl_server_close(struct rb_ctl_server *srv);

/* metrics.c */
/* Render the Prometheus text exposition into j->buf (j used as a buffer). */
void rb_ctl_metrics_render(struct rb_ctl *c, struct rb_json *out);
struct rb_metrics;
struct rb_metrics *rb_metrics_start(struct rb_ctl *c, const char *listen, int epfd, char *err,
				    size_t errlen);
void rb_metrics_run(struct rb_metrics *m);
int rb_metrics_timeout_ms(struct rb_metrics *m);
void rb_metrics_stop(struct rb_metrics *m);

/* metrics.c: append a line (printf) to a /metrics exposition buffer. */
void rb_metrics_out(struct rb_json *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* metrics.c: a label value escaped for the exposition format. */
void rb_metrics_esc(char *dst, size_t n, const char *s);

#endif
