/* SPDX-License-Identifier: BSD-3-Clause */
/* Shadowsocks drops; see dataplane/rb_counters.h for the form.  Per-inbound
 * detail (auth, replay, address errors) is in the connections segment. */
#ifndef SS_COUNTERS_H
#define SS_COUNTERS_H

#define RB_DROP_SS(X)                                                                      \
	X(SS_UDP_AUTH, ss_udp_auth,                                                        \
	  "shadowsocks: UDP packets that did not open (wrong key, tampered, too short)")     \
	X(SS_UDP_MALFORMED, ss_udp_malformed,                                              \
	  "shadowsocks: UDP packets without a valid target address")                        \
	X(SS_UDP_REPLAY, ss_udp_replay,                                                    \
	  "shadowsocks: UDP packets whose salt (2022: packet id) was seen before (replayed)") \
	X(SS_UDP_TIME, ss_udp_time,                                                        \
	  "shadowsocks 2022: UDP packets whose timestamp is more than 30 s off (SIP022)")   \
	X(SS_UDP_USER, ss_udp_user,                                                        \
	  "shadowsocks 2022: UDP packets whose identity header names no user (SIP023)")     \
	X(SS_UDP_SESSION, ss_udp_session,                                                  \
	  "shadowsocks 2022: UDP packets of a session not taken (table full, a server "    \
	  "session refused, another client session)")                                     \
	X(SS_UDP_RELAY_UNKNOWN, ss_udp_relay_unknown,                                      \
	  "shadowsocks relay: UDP packets whose identity header names no destination "     \
	  "(or shorter than two blocks)")                                                \
	X(SS_UDP_RESOLVE, ss_udp_resolve,                                                  \
	  "shadowsocks: outbound UDP sessions whose server name did not resolve (no detour)")

/* TCP of the inbound: relays (SIP023 destinations).  Per-inbound detail
 * (auth, replay) is in the connections segment. */
#define RB_DROP_SS_TCP(X)                                                                  \
	X(SS_RELAY_UNKNOWN, ss_relay_unknown,                                              \
	  "shadowsocks relay: connections whose identity header names no destination")    \
	X(SS_RELAY_DIAL, ss_relay_dial,                                                    \
	  "shadowsocks relay: connections whose destination could not be reached")

/* sing-box UDP over TCP (ss_uot_*.c, uot_wire.h): malformed streams (each
 * closes its stream, counted once) and datagrams that could not go on. */
#define RB_DROP_SS_UOT(X)                                                                  \
	X(SS_UOT_ATYP, ss_uot_atyp,                                                        \
	  "UDP over TCP: streams closed on an unknown address type (packet or v2 request)") \
	X(SS_UOT_ADDR, ss_uot_addr,                                                        \
	  "UDP over TCP: streams closed on an empty or NUL-holding domain or port 0")       \
	X(SS_UOT_LEN, ss_uot_len,                                                          \
	  "UDP over TCP: streams closed on a packet length over 65507 bytes")              \
	X(SS_UOT_TRUNCATED, ss_uot_truncated,                                              \
	  "UDP over TCP: streams that ended inside a packet")                               \
	X(SS_UOT_STREAM_FULL, ss_uot_stream_full,                                          \
	  "UDP over TCP: datagrams dropped, the TCP stream's send space was full")          \
	X(SS_UOT_FLOW, ss_uot_flow,                                                        \
	  "UDP over TCP: datagrams whose destination could not be routed or opened")       \
	X(SS_UOT_CONNECT_DST, ss_uot_connect_dst,                                          \
	  "UDP over TCP: datagrams to another destination than a connect-mode stream's")

#define RB_EVENT_SS_UOT(X)                                                                 \
	X(SS_UOT_IN, ss_uot_in, "UDP over TCP: streams taken by shadowsocks inbounds")       \
	X(SS_UOT_OUT, ss_uot_out, "UDP over TCP: streams opened by shadowsocks outbounds")   \
	X(SS_UOT_UP, ss_uot_up, "UDP over TCP: datagrams read from streams")               \
	X(SS_UOT_DOWN, ss_uot_down, "UDP over TCP: datagrams written to streams")          \
	X(SS_UOT_OUT_CONNECT, ss_uot_out_connect,                                          \
	  "UDP over TCP: streams opened by shadowsocks outbounds in v2 connect mode")       \
	X(SS_UOT_IN_CONNECT, ss_uot_in_connect,                                            \
	  "UDP over TCP: streams whose v2 request asked for connect mode (inbounds)")

/* The replay filter shared by the workers (ss_replay_shared.h). */
#define RB_EVENT_SS(X)                                                                     \
	X(SS_REPLAY, ss_replay,                                                            \
	  "shadowsocks: salts refused by the workers' shared replay filter (TCP and UDP)") \
	X(SS_REPLAY_ROTATE, ss_replay_rotate,                                              \
	  "shadowsocks: replay filter generations retired (count basis)")                  \
	X(SS_UDP_HANDOFF, ss_udp_handoff,                                                  \
	  "shadowsocks 2022: UDP packets handed to the worker owning their client session") \
	X(SS_UDP_SESSION_NEW, ss_udp_session_new,                                          \
	  "shadowsocks 2022: UDP client sessions opened by inbounds (on their owner worker)")

#endif
