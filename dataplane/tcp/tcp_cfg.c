/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dataplane.tcp (config/tables.c tcp_tbl, config/README.md) onto a worker's
 * tcp_params: what the config sets replaces the stack's default, what it
 * leaves out (-1) keeps it.  congestion_control and syn_cookies become
 * the default of every listener and active open that chooses none.  The
 * loader has checked ranges and the order of the RTO bounds
 * (config/checks.c).
 */
#include "tcp_priv.h"
#include "../../config/rb_config.h"

/* congestion_control's index: the names tcp_cc_find knows (test_tcp checks) */
static const char *const cc_names[] = {RB_CFG_TCP_CC_NAMES};

#define SET(field, v)                 \
	do {                                   \
		if ((v) >= 0)                   \
			p->field = (uint32_t)(v); \
	} while (0)

void tcp_params_from_cfg(struct tcp_params *p, const struct rb_cfg_tcp *t)
{
	SET(sndbuf, t->sndbuf);
	SET(rcvbuf, t->rcvbuf);
	SET(max_conns, t->max_conns);
	SET(max_time_wait, t->max_time_wait);
	SET(backlog, t->backlog);
	SET(rto_min_ms, t->rto_min_ms);
	SET(rto_max_ms, t->rto_max_ms);
	SET(rto_init_ms, t->rto_init_ms);
	SET(delack_ms, t->delack_ms);
	SET(tlp_wcdelack_ms, t->tlp_wcdelack_ms);
	SET(tlp_slack_ms, t->tlp_slack_ms);
	SET(keepalive_ms, t->keepalive_ms);
	if (t->zc_tx >= 0)
		p->zc_tx = (uint8_t)t->zc_tx;
	if (t->sack >= 0)
		p->sack = (uint8_t)t->sack;
	if (t->timestamps >= 0)
		p->timestamps = (uint8_t)t->timestamps;
	if (t->rx_burst >= 0)
		p->rx_burst = (uint8_t)t->rx_burst;
	if (t->rd_burst >= 0)
		p->rd_burst = (uint8_t)t->rd_burst;
	if (t->mtu_probing >= 0)
		p->mtu_probing = (uint8_t)t->mtu_probing;
	if (t->tso >= 0)
		p->no_tso = !t->tso;
	if (tcp_cfg_cc_name(t->congestion_control) != NULL)
		p->cc = tcp_cfg_cc_name(t->congestion_control);
	if (tcp_cfg_cookie_mode(t->syn_cookies) != TCP_COOKIES_DEFAULT)
		p->cookies = tcp_cfg_cookie_mode(t->syn_cookies);
}

const char *tcp_cfg_cc_name(int idx)
{
	if (idx < 0 || idx >= (int)(sizeof(cc_names) / sizeof(cc_names[0])))
		return NULL;
	return cc_names[idx];
}

uint8_t tcp_cfg_cookie_mode(int idx)
{
	if (idx < 0 || idx > TCP_COOKIES_NEVER - TCP_COOKIES_AUTO)
		return TCP_COOKIES_DEFAULT;
	return (uint8_t)(TCP_COOKIES_AUTO + idx);
}
