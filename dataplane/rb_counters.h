/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Drop reasons and event counters, as VPP error lists: one X-macro per
 * module generates the enum, the metric names and the help strings.
 * X(ENUM, name, "help").  Every drop increments exactly one drop counter.
 */
#ifndef RB_COUNTERS_H
#define RB_COUNTERS_H

#include "tcp/tcp_counters.h"
#include "udp/udp_counters.h"
#include "wireguard/wg_counters.h"
#include "proxy/proxy_counters.h"
#include "ss/ss_counters.h"

#define RB_DROP_L2L3(X)                                                                    \
	X(ETH_SHORT, eth_short, "frame shorter than its Ethernet/802.1Q header")           \
	X(ETH_NOT_FOR_US, eth_not_for_us, "unicast frame for another MAC address")         \
	X(ETH_BAD_SRC, eth_bad_src, "multicast or zero source MAC address")                \
	X(ETH_UNKNOWN_TYPE, eth_unknown_type, "EtherType not handled")                     \
	X(VLAN_UNKNOWN, vlan_unknown, "802.1Q tag does not match the port's VLAN")         \
	X(ARP_MALFORMED, arp_malformed, "ARP packet short or not Ethernet/IPv4")           \
	X(ARP_NOT_FOR_US, arp_not_for_us, "ARP request for an address we do not own")      \
	X(ARP_BAD_SENDER, arp_bad_sender, "ARP sender address invalid or our own")         \
	X(IP4_SHORT, ip4_short, "IPv4 packet shorter than its header")                     \
	X(IP4_BAD_VERSION, ip4_bad_version, "IPv4 version field is not 4")                 \
	X(IP4_BAD_IHL, ip4_bad_ihl, "IPv4 header length below 20 bytes or past the data")  \
	X(IP4_BAD_LEN, ip4_bad_len, "IPv4 total length inconsistent with the frame")       \
	X(IP4_BAD_CSUM, ip4_bad_csum, "IPv4 header checksum mismatch")                     \
	X(IP4_BAD_SRC, ip4_bad_src, "IPv4 source is multicast, broadcast or loopback")     \
	X(IP4_NOT_FOR_US, ip4_not_for_us, "IPv4 packet to another host and no forwarding") \
	X(IP4_OPTIONS, ip4_options, "IPv4 source-route options are not honoured")          \
	X(IP6_SHORT, ip6_short, "IPv6 packet shorter than its header")                     \
	X(IP6_BAD_VERSION, ip6_bad_version, "IPv6 version field is not 6")                 \
	X(IP6_BAD_LEN, ip6_bad_len, "IPv6 payload length inconsistent with the frame")     \
	X(IP6_BAD_SRC, ip6_bad_src, "IPv6 source is multicast or loopback")                \
	X(IP6_BAD_EXTHDR, ip6_bad_exthdr, "IPv6 extension header truncated or malformed")  \
	X(IP6_EXTHDR_LIMIT, ip6_exthdr_limit, "IPv6 packet with more than 8 extension headers") \
	X(IP6_EXTHDR_LEN, ip6_exthdr_len, "IPv6 extension headers longer than 464 octets") \
	X(IP6_HBH_NOT_FIRST, ip6_hbh_not_first, "IPv6 Hop-by-Hop header not first")         \
	X(IP6_BAD_OPTION, ip6_bad_option, "IPv6 option unrecognized, action discard")       \
	X(IP6_ROUTING_SEGLEFT, ip6_routing_segleft,                                         \
	  "IPv6 Routing header with segments left (no type implemented)")                  \
	X(IP6_NOT_FOR_US, ip6_not_for_us, "IPv6 packet to another host")                   \
	X(IP6_BAD_DST, ip6_bad_dst, "IPv6 destination is unspecified or loopback")         \
	X(IP6_SCOPE, ip6_scope, "IPv6 link-local source cannot be forwarded off-link")     \
	X(TTL_EXPIRED, ttl_expired, "TTL or hop limit reached zero while forwarding")      \
	X(NO_ROUTE, no_route, "no route to the destination")                               \
	X(NO_NEIGHBOR, no_neighbor, "neighbor resolution failed or timed out")             \
	X(NEIGH_QUEUE_FULL, neigh_queue_full, "too many packets waiting for resolution")   \
	X(NEIGH_TABLE_FULL, neigh_table_full, "neighbor table full")                       \
	X(MTU_EXCEEDED, mtu_exceeded, "packet larger than the egress MTU (DF or IPv6)")    \
	X(FRAG_BAD, frag_bad, "fragment malformed, overlapping or oversized")              \
	X(FRAG_TABLE_FULL, frag_table_full, "reassembly table full")                       \
	X(FRAG_TOO_MANY, frag_too_many,                                                    \
	  "fragments of a datagram in more than 8 fragments (DPDK's build limit)")       \
	X(FRAG_TIMEOUT, frag_timeout, "fragments expired before reassembly completed")     \
	X(ICMP_MALFORMED, icmp_malformed, "ICMP message short or bad checksum")            \
	X(ICMP_UNHANDLED, icmp_unhandled, "ICMP type not handled locally")                 \
	X(ICMP6_MALFORMED, icmp6_malformed, "ICMPv6 message short or bad checksum")        \
	X(ICMP6_UNHANDLED, icmp6_unhandled, "ICMPv6 type not handled locally")             \
	X(ND_MALFORMED, nd_malformed, "Neighbor Discovery message invalid (RFC 4861 7.1)") \
	X(ND_NOT_FOR_US, nd_not_for_us, "Neighbor Solicitation for an address not ours")   \
	X(ND_DUP_ADDR, nd_dup_addr, "ND message from or claiming one of our addresses")    \
	X(PROTO_UNREACH, proto_unreach, "IP protocol not handled locally")                 \
	X(PORT_UNREACH, port_unreach, "no listener on the destination port")               \
	X(HANDOFF_FULL, handoff_full, "handoff ring to the owning lcore was full")         \
	X(TX_FULL, tx_full, "NIC transmit queue full")                                     \
	X(NO_MBUF, no_mbuf, "mbuf allocation failed")                                     \
	X(TSO_BAD, tso_bad, "TCP super-segment that cannot be cut (malformed headers)")

#define RB_DROP_LIST(X) RB_DROP_L2L3(X) RB_DROP_TCP(X) RB_DROP_UDP(X) RB_DROP_WG(X) RB_DROP_PROXY(X) \
	RB_DROP_SS(X) RB_DROP_SS_TCP(X) RB_DROP_SS_UOT(X)

#define RB_EVENT_L2L3(X)                                                                   \
	X(ARP_REQUEST_RX, arp_request_rx, "ARP requests received for our addresses")       \
	X(ARP_REPLY_RX, arp_reply_rx, "ARP replies received")                              \
	X(ARP_REQUEST_TX, arp_request_tx, "ARP requests sent to resolve a next hop")       \
	X(ARP_REPLY_TX, arp_reply_tx, "ARP replies sent")                                  \
	X(ND_NS_RX, nd_ns_rx, "Neighbor Solicitations received")                           \
	X(ND_NA_RX, nd_na_rx, "Neighbor Advertisements received")                          \
	X(ND_NS_TX, nd_ns_tx, "Neighbor Solicitations sent")                               \
	X(ND_NA_TX, nd_na_tx, "Neighbor Advertisements sent")                              \
	X(ICMP_ECHO_REPLY, icmp_echo_reply, "ICMP echo replies sent")                      \
	X(ICMP6_ECHO_REPLY, icmp6_echo_reply, "ICMPv6 echo replies sent")                  \
	X(ICMP_ERROR_TX, icmp_error_tx, "ICMP/ICMPv6 errors sent")                         \
	X(ICMP_RATELIMIT, icmp_ratelimit, "ICMP/ICMPv6 errors suppressed by the rate limit")\
	X(IP4_FORWARD, ip4_forward, "IPv4 packets forwarded")                              \
	X(IP6_FORWARD, ip6_forward, "IPv6 packets forwarded")                              \
	X(IP4_LOCAL, ip4_local, "IPv4 packets delivered locally")                          \
	X(IP6_LOCAL, ip6_local, "IPv6 packets delivered locally")                          \
	X(FRAG_REASSEMBLED, frag_reassembled, "datagrams reassembled from fragments")      \
	X(FRAG_TX, frag_tx, "fragments sent")                                              \
	X(HANDOFF_TX, handoff_tx, "packets handed to their owning lcore")                  \
	X(HANDOFF_RX, handoff_rx, "packets received from another lcore")                   \
	X(NEIGH_LEARNED, neigh_learned, "neighbor entries learned or refreshed")

#define RB_EVENT_LIST(X) RB_EVENT_L2L3(X) RB_EVENT_TCP(X) RB_EVENT_UDP(X) RB_EVENT_WG(X) RB_EVENT_PROXY(X) \
	RB_EVENT_SS(X) RB_EVENT_SS_UOT(X)

enum rb_drop {
#define X(e, n, h) RB_DROP_##e,
	RB_DROP_LIST(X)
#undef X
	RB_DROP_MAX
};

enum rb_event {
#define X(e, n, h) RB_EV_##e,
	RB_EVENT_LIST(X)
#undef X
	RB_EV_MAX
};

extern const char *const rb_drop_names[RB_DROP_MAX];
extern const char *const rb_drop_help[RB_DROP_MAX];
extern const char *const rb_event_names[RB_EV_MAX];
extern const char *const rb_event_help[RB_EV_MAX];

#endif
