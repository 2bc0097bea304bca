/* SPDX-License-Identifier: BSD-3-Clause */
/* Proxy events; see dataplane/rb_counters.h for the form.  Per-inbound and
 * per-outbound detail is in the connections segment (rb_conn_info.h). */
#ifndef PROXY_COUNTERS_H
#define PROXY_COUNTERS_H

#define RB_DROP_PROXY(X)

#define RB_EVENT_PROXY(X)                                                                  \
	X(PROXY_ACCEPT, proxy_accept, "proxy: client connections accepted")                \
	X(PROXY_RELAY, proxy_relay, "proxy: sessions that reached the relay")              \
	X(PROXY_CLOSED, proxy_closed, "proxy: sessions ended")                             \
	X(PROXY_CLOSED_BY_CTL, proxy_closed_by_ctl, "proxy: sessions closed by control")   \
	X(PROXY_SESS_FULL, proxy_sess_full, "proxy: connections refused, session table full") \
	X(PROXY_ERR_MALFORMED, proxy_err_malformed, "proxy: malformed requests")           \
	X(PROXY_ERR_AUTH, proxy_err_auth, "proxy: authentication failures")                \
	X(PROXY_ERR_COMMAND, proxy_err_command, "proxy: unsupported commands")             \
	X(PROXY_ERR_TOO_LARGE, proxy_err_too_large, "proxy: request heads over the limit") \
	X(PROXY_ERR_TIMEOUT, proxy_err_timeout, "proxy: handshakes timed out")             \
	X(PROXY_DIAL_FAIL, proxy_dial_fail, "proxy: upstreams that could not be opened")   \
	X(PROXY_REJECT, proxy_reject, "proxy: requests rejected by the router")            \
	X(PROXY_ENOBUFS, proxy_enobufs, "proxy: relay writes deferred, lcore buffer limit")

#endif
