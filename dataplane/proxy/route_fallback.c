/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TEMPORARY (owner: proxy): weak stand-ins for the router's API
 * (rb_route_api.h) so the proxy works before the router lands.  Semantics
 * of an empty route table: route.final = the first outbound, no sniffing,
 * no resolver (domain destinations through `direct` fail with host
 * unreachable).  The router's strong definitions replace these at link
 * time; delete this file once they are in.
 */
#include <errno.h>
#include "rb_route_api.h"

__attribute__((weak)) int rb_route_match(struct rb_lcore *lc, const struct rb_route_req *req,
					 struct rb_route_result *res)
{
	(void)lc;
	(void)req;
	res->action = RB_ACT_ROUTE;
	res->outbound = 0;
	res->rule = RB_RULE_FINAL;
	return 0;
}

__attribute__((weak)) int rb_resolve_start(struct rb_lcore *lc, const char *domain, int strategy,
					   rb_resolve_cb cb, void *arg)
{
	(void)lc;
	(void)domain;
	(void)strategy;
	(void)cb;
	(void)arg;
	return -ENOSYS;
}

__attribute__((weak)) void rb_resolve_cancel(struct rb_lcore *lc, rb_resolve_cb cb, void *arg)
{
	(void)lc;
	(void)cb;
	(void)arg;
}

__attribute__((weak)) int rb_sniff(const uint8_t *data, size_t len, struct rb_sniff_result *out)
{
	(void)data;
	(void)len;
	(void)out;
	return -ENOENT;
}
