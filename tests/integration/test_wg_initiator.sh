#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# WireGuard with ringbox initiating and wireguard-go as the responder:
# traffic from srv to the peer starts the handshake (packets staged
# meanwhile), timers scaled down 20x (time_divisor) so that the session is
# rekeyed every 6 s under a continuous ping, then a wrong pre-shared key on
# the responder makes new handshakes fail, counted by ringbox.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/../../dataplane/wireguard/wg_itest.sh"
rb_init
wg_keys
rb_topo_two_hosts
# The peer's address is known: ringbox can initiate.
wg_endpoint_cfg "address = \"$RB_CLI_IP4\"; port = $WG_PEER_PORT;" "time_divisor = 20;"
rb_dp_config "$RB_CFG"
rb_dp_start
wg_peer_up 0

rb_check_ping "$RB_NS_SRV" 10.99.0.2 3
rb_check_ping "$RB_NS_SRV" fd99::2 3
rb_dp_stats
rb_assert_stat_ge event.wg_hs_initiated 1
rb_assert_stat_ge event.wg_hs_completed 1
rb_stats_mark

# 15 s of pings across several rekeys (REKEY_AFTER_TIME 120 s / 20 = 6 s).
rb_ping "$RB_NS_SRV" 10.99.0.2 75
rcvd=$(echo "$RB_OUT" | sed -n 's/.* \([0-9]*\) received.*/\1/p')
rb_assert_ge "${rcvd:-0}" 72 "ping replies across rekeys (of 75)"
rb_dp_stats
rb_assert_stat_delta_ge event.wg_hs_completed 2

# Wrong PSK on the responder: ringbox cannot open its responses.
rb_stats_mark
head -c 32 /dev/urandom | base64 >"$RB_TMP/bad.psk"
rb_ns "$RB_NS_CLI" wg set "$RB_WG_IF" peer "$RB_WG_DP_PUB" preshared-key "$RB_TMP/bad.psk"
rb_ping "$RB_NS_SRV" 10.99.0.2 40
rb_dp_stats
rb_assert_stat_delta_ge drop.wg_hs_decrypt 1
rb_assert_eq "$(rb_stat_delta event.wg_hs_completed)" 0 "handshakes with a wrong PSK"

rb_dp_stop
rb_pass
