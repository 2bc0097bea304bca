/* SPDX-License-Identifier: BSD-3-Clause */
/* UDP drop reasons and events; see dataplane/rb_counters.h for the form. */
#ifndef UDP_COUNTERS_H
#define UDP_COUNTERS_H

#define RB_DROP_UDP(X)                                                                     \
	X(UDP_SHORT, udp_short, "UDP datagram shorter than its header or length field")    \
	X(UDP_BAD_CSUM, udp_bad_csum, "UDP checksum mismatch")                             \
	X(UDP_NO_LISTENER, udp_no_listener, "UDP datagram for a port nobody bound")

#define RB_EVENT_UDP(X)

#endif
