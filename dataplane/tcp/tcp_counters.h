/* SPDX-License-Identifier: BSD-3-Clause */
/* TCP drop reasons and events; see dataplane/rb_counters.h for the form. */
#ifndef TCP_COUNTERS_H
#define TCP_COUNTERS_H

#define RB_DROP_TCP(X)                                                                     \
	X(TCP_SHORT, tcp_short, "TCP segment shorter than its header")                     \
	X(TCP_BAD_CSUM, tcp_bad_csum, "TCP checksum mismatch")                             \
	X(TCP_NO_LISTENER, tcp_no_listener, "TCP segment for no connection or listener")   \
	X(TCP_BAD_OPTS, tcp_bad_opts, "TCP option list malformed")                         \
	X(TCP_BAD_FLAGS, tcp_bad_flags, "TCP flag combination invalid (SYN+FIN, none...)") \
	X(TCP_BAD_ADDR, tcp_bad_addr, "TCP segment from/to a broadcast or multicast addr") \
	X(TCP_OUT_OF_WINDOW, tcp_out_of_window, "TCP segment outside the receive window")  \
	X(TCP_PAWS, tcp_paws, "TCP segment failed PAWS (RFC 7323 5)")                      \
	X(TCP_BAD_ACK, tcp_bad_ack, "TCP ACK for data never sent (RFC 9293 3.10.7.4)")     \
	X(TCP_RST_IGNORED, tcp_rst_ignored, "TCP RST outside the window, ignored")         \
	X(TCP_SYN_IGNORED, tcp_syn_ignored, "TCP SYN on a synchronised connection")        \
	X(TCP_LISTEN_NOT_SYN, tcp_listen_not_syn, "TCP segment to a listener not a SYN")   \
	X(TCP_COOKIE_BAD, tcp_cookie_bad, "TCP ACK to a listener with an invalid cookie")  \
	X(TCP_CONN_LIMIT, tcp_conn_limit, "TCP connection refused: lcore connection limit")\
	X(TCP_SYN_QUEUE_FULL, tcp_syn_queue_full, "TCP SYN dropped: SYN queue full")       \
	X(TCP_MEM_LIMIT, tcp_mem_limit, "TCP data dropped: lcore buffer memory limit")     \
	X(TCP_RCVBUF_FULL, tcp_rcvbuf_full, "TCP data beyond the receive buffer")          \
	X(TCP_OOO_FULL, tcp_ooo_full, "TCP out-of-order segment dropped: too many holes")  \
	X(TCP_DUPLICATE, tcp_duplicate, "TCP segment carried only duplicate data")         \
	X(TCP_AFTER_CLOSE, tcp_after_close, "TCP data after the application closed")       \
	X(TCP_NO_ACK, tcp_no_ack, "TCP segment without ACK on a synchronised state")       \
	X(TCP_STATE_DROP, tcp_state_drop, "TCP segment not acceptable in this state")      \
	X(TCP_ICMP_QUOTE_BAD, tcp_icmp_quote_bad, "ICMP error about TCP with a truncated or malformed quote") \
	X(TCP_ICMP_NO_CONN, tcp_icmp_no_conn, "ICMP error about no TCP connection of ours") \
	X(TCP_ICMP_BAD_SEQ, tcp_icmp_bad_seq, "ICMP error quoting a sequence number not in flight (RFC 5927 4.1)") \
	X(TCP_ICMP_PMTU_IGNORED, tcp_icmp_pmtu_ignored, "ICMP Frag Needed / Packet Too Big not below the path MTU (or under 68)")

#define RB_EVENT_TCP(X)                                                                    \
	X(TCP_SEG_IN, tcp_seg_in, "TCP segments received")                                 \
	X(TCP_SEG_OUT, tcp_seg_out, "TCP segments sent")                                   \
	X(TCP_TSO_OUT, tcp_tso_out, "TCP super-segments sent for segmentation (TSO)")      \
	X(TCP_TSO_SOFT, tcp_tso_soft, "TCP super-segments cut in software (no TSO on path)")\
	X(TCP_TSO_SEG_MAX, tcp_tso_seg_max, "TCP super-segments shortened to the port's mbufs per frame")\
	X(TCP_TSO_ZC, tcp_tso_zc, "TCP super-segments sent with their payload referenced (zero copy)")\
	X(TCP_ACTIVE_OPEN, tcp_active_open, "TCP active opens started")                    \
	X(TCP_PASSIVE_OPEN, tcp_passive_open, "TCP connections accepted")                  \
	X(TCP_ESTABLISHED, tcp_established, "TCP connections reaching ESTABLISHED")        \
	X(TCP_ACCEPT_REFUSED, tcp_accept_refused, "TCP connections refused by the app")    \
	X(TCP_RST_RX, tcp_rst_rx, "TCP resets accepted")                                   \
	X(TCP_RST_TX, tcp_rst_tx, "TCP resets sent")                                       \
	X(TCP_CHALLENGE_ACK, tcp_challenge_ack, "TCP challenge ACKs sent (RFC 5961)")      \
	X(TCP_RETRANSMIT, tcp_retransmit, "TCP segments retransmitted")                    \
	X(TCP_RTO, tcp_rto, "TCP retransmission timeouts")                                 \
	X(TCP_TLP, tcp_tlp, "TCP tail loss probes sent (RFC 8985 7.3)")                    \
	X(TCP_FAST_RECOVERY, tcp_fast_recovery, "TCP fast recovery episodes")              \
	X(TCP_SACK_RECOVERY, tcp_sack_recovery, "TCP recoveries driven by SACK")           \
	X(TCP_LOST_RETRANSMIT, tcp_lost_retransmit, "TCP lost retransmissions resent (RACK)")\
	X(TCP_DUPACK_RX, tcp_dupack_rx, "TCP duplicate ACKs received")                     \
	X(TCP_OOO_QUEUED, tcp_ooo_queued, "TCP segments queued out of order")              \
	X(TCP_MEM_PRESSURE, tcp_mem_pressure, "TCP receive windows clamped: lcore memory") \
	X(TCP_SYNCOOKIE_SENT, tcp_syncookie_sent, "TCP SYN cookies sent")                  \
	X(TCP_SYNCOOKIE_OK, tcp_syncookie_ok, "TCP SYN cookies validated")                 \
	X(TCP_ZWP, tcp_zwp, "TCP zero-window probes sent")                                 \
	X(TCP_KEEPALIVE, tcp_keepalive, "TCP keepalive probes sent")                       \
	X(TCP_TIMEOUT, tcp_timeout, "TCP connections dropped by a timeout")                \
	X(TCP_TW_REUSE, tcp_tw_reuse, "TCP TIME_WAIT entries reused by a new SYN")         \
	X(TCP_TW_OVERFLOW, tcp_tw_overflow, "TCP closes without TIME_WAIT: table full")    \
	X(TCP_CLOSED, tcp_closed, "TCP connections freed")                                 \
	X(TCP_CONN_ALLOC, tcp_conn_alloc, "TCP connections allocated (open = this - closed)") \
	X(TCP_RECOV_ALLOC, tcp_recov_alloc, "TCP loss-recovery tables taken (a connection's first reordering or loss since its tables were last empty)") \
	X(TCP_RECOV_NOMEM, tcp_recov_nomem, "TCP loss-recovery tables wanted but no memory (out-of-order data dropped, SACK blocks not kept)") \
	X(TCP_ZC_INPLACE, tcp_zc_inplace, "TCP segments sent in place (zero copy, headers in the buffer's headroom)") \
	X(TCP_PSUM_REUSED, tcp_psum_reused, "TCP payload buffers sent with the sum taken on receive") \
	X(TCP_DSACK_SENT, tcp_dsack_sent, "TCP DSACK blocks sent for duplicate segments (RFC 2883)") \
	X(TCP_DSACK_RCVD, tcp_dsack_rcvd, "TCP DSACK blocks received and believed (RFC 2883)") \
	X(TCP_DSACK_BAD, tcp_dsack_bad, "TCP DSACK blocks ignored: outside the window (RFC 2883 4)") \
	X(TCP_DSACK_REPEAT, tcp_dsack_repeat, "TCP DSACK blocks not taken toward an undo again: the same as the one before") \
	X(TCP_UNDO_RECOVERY, tcp_undo_recovery, "TCP fast recoveries undone as spurious (DSACK or timestamps)") \
	X(TCP_UNDO_RTO, tcp_undo_rto, "TCP retransmission timeouts undone as spurious (DSACK or timestamps)") \
	X(TCP_ICMP_RCVD, tcp_icmp_rcvd, "ICMP/ICMPv6 errors about TCP segments taken to their connection's lcore") \
	X(TCP_PMTU_LOWERED, tcp_pmtu_lowered, "TCP MSS lowered by Frag Needed / Packet Too Big (RFC 1191, 8201)") \
	X(TCP_ICMP_HARD, tcp_icmp_hard, "TCP connects aborted by an ICMP hard error (RFC 1122 4.2.3.9)") \
	X(TCP_ICMP_SOFT, tcp_icmp_soft, "ICMP soft errors kept by a TCP connection (RFC 5927)") \
	X(TCP_PMTU_CACHED, tcp_pmtu_cached, "TCP path MTUs recorded in the lcore's destination cache") \
	X(TCP_PMTU_CACHE_HIT, tcp_pmtu_cache_hit, "TCP connections opened with a cached path MTU") \
	X(TCP_PMTU_EVICT, tcp_pmtu_evict, "TCP destination cache entries evicted before expiry (table full)") \
	X(TCP_PMTU_BLACKHOLE, tcp_pmtu_blackhole, "TCP MSS halved after three RTOs in a row of full-sized data (PMTU black hole, mtu_probing)")

#endif
