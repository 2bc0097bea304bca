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
	  "shadowsocks: UDP packets whose salt was seen before (replayed)")

#endif
