/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The ctl socket's request format (control/README.md, "ctl protocol"):
 * one line, at most RB_CTL_MAX_REQ bytes including the newline, printable
 * ASCII only.  A path-like command ("/stats", or "stats"; "log level X" is
 * "/log/level X") and up to RB_CTL_MAX_ARGS arguments separated by spaces
 * or, DPDK-telemetry style, by one comma after the path ("/check,FILE").
 * The reply is one JSON document followed by a newline.
 */
#ifndef RB_CTL_PROTO_H
#define RB_CTL_PROTO_H

#include <stddef.h>

#define RB_CTL_MAX_REQ  1024
#define RB_CTL_MAX_ARGS 12

enum rb_ctl_cmd {
	RB_CTL_STATUS = 0,
	RB_CTL_STATS,
	RB_CTL_PORTS,
	RB_CTL_NEIGH,
	RB_CTL_ROUTES,
	RB_CTL_RELOAD,
	RB_CTL_CHECK,
	RB_CTL_LOG_LEVEL,
	RB_CTL_PING,
	RB_CTL_HELP,
	RB_CTL_ROUTE_TEST,      /* control/route_cmds.c */
	RB_CTL_WG_SHOW,         /* control/wg_cmds.c */
	RB_CTL_WG_ADD,
	RB_CTL_WG_REMOVE,
	RB_CTL_GEN_WG_KEYPAIR,
	RB_CTL_ROUTE_RESOLVE,   /* control/resolve_cmd.c */
	RB_CTL_CONNS,           /* control/conns_cmds.c */
	RB_CTL_CONNS_CLOSE,
	RB_CTL_CMD_MAX,
};

struct rb_ctl_cmd_desc {
	const char *path;
	int min_args, max_args;
	const char *usage;
	const char *help;
};

extern const struct rb_ctl_cmd_desc rb_ctl_cmds[RB_CTL_CMD_MAX];

struct rb_ctl_req {
	enum rb_ctl_cmd cmd;
	int argc;
	char *argv[RB_CTL_MAX_ARGS];
	char buf[RB_CTL_MAX_REQ + 1];
};

/*
 * Parse one request line (without or with its trailing "\n" / "\r\n").
 * 0 on success; -1 with a message in err (empty line, too long, bad
 * character, unknown command, wrong argument count).
 */
int rb_ctl_parse(const char *line, size_t len, struct rb_ctl_req *req, char *err,
		 size_t errlen);
/* Command index of a path ("/stats", "stats", "log/level"), or -1. */
int rb_ctl_lookup(const char *path);

#endif
