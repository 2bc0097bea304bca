/* SPDX-License-Identifier: BSD-3-Clause */
/* Proxy events; see dataplane/rb_counters.h for the form.  Per-inbound and
 * per-outbound detail is in the connections segment (rb_conn_info.h). */
#ifndef PROXY_COUNTERS_H
#define PROXY_COUNTERS_H

#define RB_DROP_PROXY(X)                                                                   \
	X(PROXY_UDP_MALFORMED, proxy_udp_malformed,                                        \
	  "proxy: SOCKS5 UDP datagrams with a bad header (RFC 1928 7)")                     \
	X(PROXY_UDP_FRAGMENT, proxy_udp_fragment,                                          \
	  "proxy: SOCKS5 UDP fragments (FRAG != 0, not supported)")                         \
	X(PROXY_UDP_FOREIGN, proxy_udp_foreign,                                            \
	  "proxy: datagrams to a UDP association from another address than its client")     \
	X(PROXY_UDP_TABLE_FULL, proxy_udp_table_full,                                      \
	  "proxy: datagrams refused, the lcore's UDP session table is full")               \
	X(PROXY_UDP_REJECTED, proxy_udp_rejected,                                          \
	  "proxy: datagrams to a destination the router rejects or blocks")                 \
	X(PROXY_UDP_UNSUPPORTED, proxy_udp_unsupported,                                    \
	  "proxy: datagrams routed to an outbound (or detour chain) without UDP relay")  \
	X(PROXY_UDP_NO_ROUTE, proxy_udp_no_route,                                          \
	  "proxy: datagrams whose destination could not be resolved or opened")           \
	X(PROXY_UDP_PENDING, proxy_udp_pending,                                            \
	  "proxy: datagrams over the queue of a session still opening or resolving, or left in it when it ended")

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
	X(PROXY_ENOBUFS, proxy_enobufs, "proxy: relay writes deferred, lcore buffer limit") \
	X(PROXY_UDP_ASSOC, proxy_udp_assoc, "proxy: SOCKS5 UDP associations opened")        \
	X(PROXY_UDP_SESSION, proxy_udp_session, "proxy: UDP NAT sessions opened")           \
	X(PROXY_UDP_TIMEOUT, proxy_udp_timeout, "proxy: UDP NAT sessions ended by idle timeout") \
	X(PROXY_UDP_UP, proxy_udp_up, "proxy: UDP datagrams relayed client to destination") \
	X(PROXY_UDP_DOWN, proxy_udp_down, "proxy: UDP datagrams relayed destination to client") \
	X(PROXY_UDP_SEND_FAIL, proxy_udp_send_fail, "proxy: UDP relay sends that failed") \
	X(PROXY_UDP_UPSTREAM, proxy_udp_upstream,                                          \
	  "proxy: upstream UDP associations opened (socks outbound, one per NAT session and hop)") \
	X(PROXY_UDP_UPSTREAM_END, proxy_udp_upstream_end,                                  \
	  "proxy: upstream UDP associations closed") \
	X(PROXY_UDP_CHAIN, proxy_udp_chain,                                                \
	  "proxy: UDP upstreams carried inside a detour's UDP session (one per hop over another)") \
	X(PROXY_UDP_CHAIN_CTL_FAIL, proxy_udp_chain_ctl_fail,                              \
	  "proxy: UDP over a detour: control chains that ended before the association was up (refused, transform failed, closed, timed out)") \
	X(PROXY_UDP_CHAIN_INNER_FAIL, proxy_udp_chain_inner_fail,                          \
	  "proxy: UDP over a detour: the detour's UDP session could not be opened") \
	X(PROXY_UDP_CHAIN_INNER_GONE, proxy_udp_chain_inner_gone,                          \
	  "proxy: UDP over a detour: sessions ended because the detour's UDP session failed or ended") \
	X(PROXY_XFORM_ERR, proxy_xform_err, "proxy: relayed connections closed, stream transform failed") \
	X(PROXY_HTTP_REUSE, proxy_http_reuse,                                              \
	  "proxy: HTTP requests sent on a kept upstream connection (keep-alive reuse)")     \
	X(PROXY_HTTP_DIAL, proxy_http_dial,                                                \
	  "proxy: HTTP requests that opened a new upstream connection")                     \
	X(PROXY_HTTP_PIPELINED, proxy_http_pipelined,                                      \
	  "proxy: HTTP requests that came before the previous response ended (pipelined)") \
	X(PROXY_HTTP_PIPE_FULL, proxy_http_pipe_full,                                      \
	  "proxy: HTTP client connections reset, pipelined bytes over the bound")          \
	X(PROXY_HTTP_FRAMING, proxy_http_framing,                                          \
	  "proxy: HTTP requests refused (400) for ambiguous framing (CL with TE, repeated CL, ...)") \
	X(PROXY_HTTP_BAD_RESP, proxy_http_bad_resp,                                        \
	  "proxy: HTTP responses with bad framing (invalid CL: 502, broken chunks, extra bytes, truncated)") \
	X(PROXY_HTTP_BAD_CHUNK, proxy_http_bad_chunk,                                      \
	  "proxy: HTTP requests refused (400) for a broken chunked body (size, CRLF, line bounds)") \
	X(PROXY_HTTP_RETRY, proxy_http_retry,                                              \
	  "proxy: idempotent HTTP requests sent again on a new upstream, the kept one closed before answering") \
	X(PROXY_HTTP_NO_RETRY, proxy_http_no_retry,                                        \
	  "proxy: HTTP requests answered 502, a kept upstream closed before answering and they could not be sent again") \
	X(PROXY_HTTP_NO_RETRY_LONG, proxy_http_no_retry_long,                              \
	  "proxy: of proxy_http_no_retry, idempotent requests longer than the copy kept to send them again")

#endif
