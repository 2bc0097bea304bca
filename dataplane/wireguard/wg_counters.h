/* SPDX-License-Identifier: BSD-3-Clause */
/* WireGuard drop reasons and events; see dataplane/rb_counters.h for the form. */
#ifndef WG_COUNTERS_H
#define WG_COUNTERS_H

#define RB_DROP_WG(X)                                                                       \
	X(WG_BAD_MSG, wg_bad_msg, "WireGuard: unknown type or wrong length, bad UDP header")  \
	X(WG_BAD_MAC, wg_bad_mac, "WireGuard: handshake message with a wrong mac1")           \
	X(WG_COOKIE_REPLIED, wg_cookie_replied,                                             \
	  "WireGuard: handshake answered with a cookie reply (under load)")                   \
	X(WG_RATELIMIT, wg_ratelimit, "WireGuard: handshake over the per-source rate limit")   \
	X(WG_HS_DECRYPT, wg_hs_decrypt,                                                     \
	  "WireGuard: handshake failed to open (wrong key or pre-shared key)")                \
	X(WG_HS_UNKNOWN_PEER, wg_hs_unknown_peer, "WireGuard: initiation from an unknown key") \
	X(WG_HS_REPLAY, wg_hs_replay, "WireGuard: initiation with an old timestamp (replay)")  \
	X(WG_HS_FLOOD, wg_hs_flood, "WireGuard: initiations from one peer too fast")           \
	X(WG_HS_STATE, wg_hs_state, "WireGuard: response/cookie for no pending handshake")      \
	X(WG_UNKNOWN_INDEX, wg_unknown_index, "WireGuard: data for an unknown receiver index") \
	X(WG_KEY_EXPIRED, wg_key_expired, "WireGuard: data for an expired keypair")            \
	X(WG_DECRYPT, wg_decrypt, "WireGuard: data message failed authentication")             \
	X(WG_REPLAY, wg_replay, "WireGuard: data message counter replayed or too old")         \
	X(WG_INNER_BAD, wg_inner_bad, "WireGuard: decrypted packet is not IPv4/IPv6")          \
	X(WG_SRC_NOT_ALLOWED, wg_src_not_allowed,                                           \
	  "WireGuard: decrypted packet's source is not in the peer's allowed IPs")            \
	X(WG_NO_PEER, wg_no_peer, "WireGuard: no peer's allowed IPs match the destination")    \
	X(WG_NO_ENDPOINT, wg_no_endpoint, "WireGuard: peer has no known endpoint")             \
	X(WG_NO_KEY, wg_no_key, "WireGuard: staged packet dropped (no session, queue full)")   \
	X(WG_MTU, wg_mtu, "WireGuard: inner packet larger than the endpoint MTU")              \
	X(WG_ENCRYPT, wg_encrypt, "WireGuard: encryption failed (no room or crypto error)")   \
	X(WG_UDP_BAD, wg_udp_bad, "WireGuard terminated UDP: bad length, checksum or port 0")  \
	X(WG_UDP_REJECTED, wg_udp_rejected,                                                 \
	  "WireGuard terminated UDP: rejected by the route, not direct, or no socket")         \
	X(WG_UDP_FULL, wg_udp_full, "WireGuard terminated UDP: NAT session table full")    \
	X(WG_ICMP_DROPPED, wg_icmp_dropped,                                                 \
	  "WireGuard terminated: ICMP/ICMPv6 to an address that is not ours, not an echo request") \
	X(WG_ICMP_REJECTED, wg_icmp_rejected,                                               \
	  "WireGuard terminated ICMP echo: rejected by the route or routed to block")        \
	X(WG_ICMP_UNSUPPORTED, wg_icmp_unsupported,                                         \
	  "WireGuard terminated ICMP echo: routed to an outbound that cannot relay it (not direct)") \
	X(WG_ICMP_FULL, wg_icmp_full, "WireGuard terminated ICMP echo: session table full") \
	X(WG_FRAG_PROTO, wg_frag_proto,                                                     \
	  "WireGuard terminated: IPv6 datagram reassembled behind extension headers, not TCP/UDP/ICMPv6")

#define RB_EVENT_WG(X)                                                                      \
	X(WG_RX_DATA, wg_rx_data, "WireGuard: data messages decrypted and delivered")          \
	X(WG_RX_KEEPALIVE, wg_rx_keepalive, "WireGuard: keepalives received")                  \
	X(WG_TX_DATA, wg_tx_data, "WireGuard: data messages encrypted and sent")               \
	X(WG_TX_HANDSHAKE, wg_tx_handshake, "WireGuard: handshake/cookie/keepalive messages sent") \
	X(WG_HS_INITIATED, wg_hs_initiated, "WireGuard: handshake initiations sent")           \
	X(WG_HS_COMPLETED, wg_hs_completed, "WireGuard: handshakes completed")                 \
	X(WG_HS_RESPONDED, wg_hs_responded, "WireGuard: handshake responses sent")             \
	X(WG_COOKIES_SENT, wg_cookies_sent, "WireGuard: cookie replies sent")                  \
	X(WG_COOKIES_RECEIVED, wg_cookies_received, "WireGuard: cookie replies taken")         \
	X(WG_UNDER_LOAD, wg_under_load, "WireGuard: times cookie mode switched on")             \
	X(WG_HANDOFF, wg_handoff, "WireGuard: messages handed to the peer's owner lcore")      \
	X(WG_STAGED, wg_staged, "WireGuard: packets queued waiting for a handshake")        \
	X(WG_TERMINATED, wg_terminated,                                                     \
	  "WireGuard: inner TCP segments terminated by the proxy (terminated mode)")         \
	X(WG_MSS_CLAMPED, wg_mss_clamped, "WireGuard: TCP SYNs whose MSS was lowered to the MTU") \
	X(WG_UDP_SESSIONS, wg_udp_sessions, "WireGuard terminated UDP: NAT sessions opened")   \
	X(WG_UDP_FORWARDED, wg_udp_forwarded, "WireGuard terminated UDP: datagrams sent on")   \
	X(WG_UDP_REPLY, wg_udp_reply, "WireGuard terminated UDP: replies sent into the tunnel") \
	X(WG_UDP_EXPIRED, wg_udp_expired, "WireGuard terminated UDP: idle NAT sessions ended") \
	X(WG_ICMP_SESSIONS, wg_icmp_sessions, "WireGuard terminated ICMP echo: sessions opened") \
	X(WG_ICMP_FORWARDED, wg_icmp_forwarded,                                             \
	  "WireGuard terminated ICMP echo: requests sent on from our address")             \
	X(WG_ICMP_REPLY, wg_icmp_reply, "WireGuard terminated ICMP echo: replies sent into the tunnel") \
	X(WG_ICMP_EXPIRED, wg_icmp_expired, "WireGuard terminated ICMP echo: idle sessions ended") \
	X(WG_ICMP_UNREACH, wg_icmp_unreach,                                                 \
	  "WireGuard terminated ICMP echo: port unreachable answered for a reject rule")      \
	X(WG_EXT_TAKEN, wg_ext_taken,                                                       \
	  "WireGuard terminated: IPv6 TCP/UDP/ICMPv6 taken from behind extension headers")   \
	X(WG_EXT_PARAM_PROBLEM, wg_ext_param_problem,                                       \
	  "WireGuard terminated: ICMPv6 Parameter Problems answered for refused extension headers")

#endif
