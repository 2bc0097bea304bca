/* SPDX-License-Identifier: BSD-3-Clause */
/* ctl request parser: see rb_ctl_proto.h and control/README.md. */
#include <stdio.h>
#include <string.h>

#include "rb_ctl_proto.h"

const struct rb_ctl_cmd_desc rb_ctl_cmds[RB_CTL_CMD_MAX] = {
	[RB_CTL_STATUS] = { "/status", 0, 0, "status",
			    "versions, uptime, dataplane up/down, lcores, ports, config file and hash" },
	[RB_CTL_STATS] = { "/stats", 0, 1, "stats [all]",
			   "per-port/lcore rx/tx and drops by reason (nonzero only unless 'all')" },
	[RB_CTL_PORTS] = { "/ports", 0, 0, "ports", "ports: MAC, MTU, addresses, queues" },
	[RB_CTL_NEIGH] = { "/neigh", 0, 0, "neigh", "ARP/ND neighbor entries of every lcore" },
	[RB_CTL_ROUTES] = { "/routes", 0, 0, "routes",
			    "routes of the running config and the published table generation" },
	[RB_CTL_RELOAD] = { "/reload", 0, 0, "reload",
			    "reload the config file: validate, then publish routes; errors keep the running config" },
	[RB_CTL_CHECK] = { "/check", 1, 1, "check FILE", "validate a config file without applying it" },
	[RB_CTL_LOG_LEVEL] = { "/log/level", 0, 1, "log level [LEVEL]",
			       "show or set the dataplane log level (error warn info debug trace)" },
	[RB_CTL_PING] = { "/ping", 0, 0, "ping", "round trip through the dataplane's command ring" },
	[RB_CTL_HELP] = { "/help", 0, 1, "help [CMD]", "list commands, or describe one" },
	[RB_CTL_ROUTE_TEST] = { "/route/test", 4, 12,
				"route test --inbound TAG --dst HOST:PORT [--src IP:PORT] [--network tcp|udp|icmp] [--user U] [--protocol P]",
				"which rule and outbound the dataplane picks for a connection, and why" },
	[RB_CTL_WG_SHOW] = { "/wg/show", 0, 1, "wg show [TAG]",
			     "WireGuard endpoints and peers: endpoints, latest handshake, transfer, allowed IPs" },
	[RB_CTL_WG_ADD] = { "/wg/add", 4, 12,
			    "wg add TAG PUBKEY allowed-ips CIDR[,CIDR] [endpoint IP:PORT] [psk KEY] [keepalive S] [reserved A,B,C]",
			    "add a WireGuard peer at run time (other peers untouched; routes rebuilt)" },
	[RB_CTL_WG_REMOVE] = { "/wg/remove", 2, 2, "wg remove TAG PUBKEY",
			       "remove a WireGuard peer at run time" },
	[RB_CTL_GEN_WG_KEYPAIR] = { "/generate/wg-keypair", 0, 0, "generate wg-keypair",
				    "a new WireGuard (X25519) private/public key pair in base64" },
	[RB_CTL_ROUTE_RESOLVE] = { "/route/resolve", 1, 1, "route resolve NAME",
				   "the resolver's cached answer for NAME, or start a query through the dataplane" },
	[RB_CTL_CONNS] = { "/conns", 0, 10,
			   "conns [--inbound TAG] [--outbound TAG] [--user U] [--dst SUBSTR] [--network tcp|udp|icmp]",
			   "the proxy's connections: inbound, user, source, destination, rule, outbound, bytes" },
	[RB_CTL_CONNS_CLOSE] = { "/conns/close", 1, 1, "conns close ID|--all",
				 "close one proxied connection (or all of them) and wait until the worker has" },
};

int rb_ctl_lookup(const char *path)
{
	int i;

	if (path[0] == '/')
		path++;
	for (i = 0; i < RB_CTL_CMD_MAX; i++)
		if (!strcmp(rb_ctl_cmds[i].path + 1, path))
			return i;
	return -1;
}

int rb_ctl_parse(const char *line, size_t len, struct rb_ctl_req *req, char *err,
		 size_t errlen)
{
	char *tok[RB_CTL_MAX_ARGS + 2];
	int ntok = 0, cmd, first = 0;
	size_t i;
	char *p, *save = NULL;

	memset(req, 0, sizeof(*req));
	if (len > 0 && line[len - 1] == '\n')
		len--;
	if (len > 0 && line[len - 1] == '\r')
		len--;
	if (len > RB_CTL_MAX_REQ - 1) {
		snprintf(err, errlen, "request longer than %d bytes", RB_CTL_MAX_REQ - 1);
		return -1;
	}
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)line[i];

		if ((c < 0x20 && c != '\t') || c >= 0x7f) {
			snprintf(err, errlen, "bad character 0x%02x at offset %zu", c, i);
			return -1;
		}
	}
	memcpy(req->buf, line, len);
	req->buf[len] = 0;
	/* DPDK-telemetry style: one comma right after the path. */
	p = req->buf;
	while (*p == ' ' || *p == '\t')
		p++;
	if (*p == '/') {
		char *c = p + strcspn(p, " \t,");

		if (*c == ',')
			*c = ' ';
	}
	for (p = strtok_r(req->buf, " \t", &save); p; p = strtok_r(NULL, " \t", &save)) {
		if (ntok == RB_CTL_MAX_ARGS + 2) {
			snprintf(err, errlen, "too many arguments (at most %d)", RB_CTL_MAX_ARGS);
			return -1;
		}
		tok[ntok++] = p;
	}
	if (ntok == 0) {
		snprintf(err, errlen, "empty request");
		return -1;
	}
	cmd = rb_ctl_lookup(tok[0]);
	if (cmd < 0 && ntok > 1 && tok[0][0] != '/') {
		/* "log level X" -> "/log/level X" */
		char joined[64];

		snprintf(joined, sizeof(joined), "%.30s/%.30s", tok[0], tok[1]);
		cmd = rb_ctl_lookup(joined);
		if (cmd >= 0)
			first = 1;
	}
	if (cmd < 0) {
		snprintf(err, errlen, "unknown command '%.64s' (try 'help')", tok[0]);
		return -1;
	}
	req->cmd = (enum rb_ctl_cmd)cmd;
	req->argc = ntok - 1 - first;
	if (req->argc < rb_ctl_cmds[cmd].min_args || req->argc > rb_ctl_cmds[cmd].max_args) {
		snprintf(err, errlen, "usage: %s", rb_ctl_cmds[cmd].usage);
		return -1;
	}
	for (i = 0; i < (size_t)req->argc; i++)
		req->argv[i] = tok[1 + first + i];
	return 0;
}
