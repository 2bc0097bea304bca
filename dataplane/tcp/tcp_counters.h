/* SPDX-License-Identifier: BSD-3-Clause */
/* TCP drop reasons and events; see dataplane/rb_counters.h for the form. */
#ifndef TCP_COUNTERS_H
#define TCP_COUNTERS_H

#define RB_DROP_TCP(X)                                                                     \
	X(TCP_SHORT, tcp_short, "TCP segment shorter than its header")                     \
	X(TCP_BAD_CSUM, tcp_bad_csum, "TCP checksum mismatch")                             \
	X(TCP_NO_LISTENER, tcp_no_listener, "TCP segment for no connection or listener")

#define RB_EVENT_TCP(X)

#endif
