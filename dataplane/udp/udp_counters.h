/* SPDX-License-Identifier: BSD-3-Clause */
/* UDP drop reasons and events; see dataplane/rb_counters.h for the form. */
#ifndef UDP_COUNTERS_H
#define UDP_COUNTERS_H

#define RB_DROP_UDP(X)                                                                     \
	X(UDP_SHORT, udp_short, "UDP datagram shorter than its header or length field")    \
	X(UDP_BAD_CSUM, udp_bad_csum, "UDP checksum mismatch")                             \
	X(UDP_NO_LISTENER, udp_no_listener, "UDP datagram for a port nobody bound")        \
	X(UDP_ZERO_CSUM6, udp_zero_csum6, "UDP over IPv6 without checksum (RFC 8200 8.1)") \
	X(UDP_BAD_ADDR, udp_bad_addr, "UDP datagram from a multicast/broadcast source")    \
	X(UDP_TX_ERROR, udp_tx_error, "UDP send refused: no route/address or no headroom")

#define RB_EVENT_UDP(X)                                                                    \
	X(UDP_RX, udp_rx, "UDP datagrams delivered to a socket")                           \
	X(UDP_TX, udp_tx, "UDP datagrams sent")                                           \
	X(UDP_CLAIM_HANDOFF, udp_claim_handoff,                                            \
	  "UDP datagrams to another worker's ephemeral bound port, handed to it")

#endif
