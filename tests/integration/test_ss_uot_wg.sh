#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# sing-box UDP over TCP through a WireGuard detour: the UoT stream is a TCP
# connection the dataplane's stack dials inside the tunnel (from the
# endpoint's address 10.99.0.1, as a detoured TCP proxy connection is;
# dataplane/proxy/tcp_chain.c) to a wireguard-go peer.  No Debian peer
# speaks UoT, so the far end is the dataplane's own shadowsocks inbound:
#   socks5_udp.py (cli) -> socks inbound c1 -> shadowsocks outbound u-wg
#   (udp_over_tcp, detour = "wg0") -> TCP in the tunnel to 10.99.0.2:8388
#   (socat on wireguard-go's tun in cli) -> the dataplane's shadowsocks
#   inbound s1 (network "tcp") -> direct -> UDP echo (srv)
# checks: byte-exact 1/1000/1400-byte datagrams, ss_uot_out / ss_uot_in
# counted, the socat in the tunnel saw the stream from 10.99.0.1, the
# peer's transfer counters grew.
. "$(dirname "$0")/wg_lib.sh"
wg_test_init socat
K1=$(head -c 18 /dev/urandom | base64)
wg_endpoint_cfg
px_control_init
px_config "$RB_CFG_EXTRA
$PX_CTL
inbounds = (
  { type = \"socks\"; tag = \"c1\"; listen = \"$RB_DP_CLI_IP4\"; listen_port = 1080; },
  { type = \"shadowsocks\"; tag = \"s1\"; listen = \"$RB_DP_CLI_IP4\"; listen_port = 18388;
    method = \"aes-256-gcm\"; password = \"$K1\"; network = \"tcp\"; }
);
outbounds = (
  { type = \"direct\"; tag = \"direct\"; },
  { type = \"shadowsocks\"; tag = \"u-wg\"; method = \"aes-256-gcm\"; password = \"$K1\";
    server = \"10.99.0.2\"; server_port = 8388; udp_over_tcp = true; detour = \"wg0\"; }
);
route = { rules = ( { inbound = \"c1\"; outbound = \"u-wg\"; } ); final = \"direct\"; };
"
px_start
wg_peer_up 1
px_udp_echo_start 7007
rb_bg "$RB_TMP/socat-tun.log" ip netns exec "$RB_NS_CLI" socat -d -d \
	"TCP-LISTEN:8388,bind=10.99.0.2,reuseaddr,fork" "TCP:$RB_DP_CLI_IP4:18388"
rb_wait_for 5 sh -c "ip netns exec $RB_NS_CLI ss -ltn | grep -q 10.99.0.2:8388" ||
	rb_fail "socat on the tunnel address did not start"
ip netns exec "$RB_NS_CLI" ping -c 1 -W 1 "$RB_DP_CLI_IP4" >/dev/null 2>&1
ip netns exec "$RB_NS_SRV" ping -c 1 -W 1 "$RB_DP_SRV_IP4" >/dev/null 2>&1
E="$RB_SRV_IP4:7007"
# the peer handshakes first (the endpoint learns where it is: no endpoint
# in the dataplane's peer config)
rb_wait_for 10 ip netns exec "$RB_NS_CLI" ping -c 1 -W 1 10.99.0.1 >/dev/null ||
	rb_fail "no ping through the tunnel"
rx0=$(rb_ns "$RB_NS_CLI" wg show "$RB_WG_IF" transfer | awk '{ print $2 }')

rb_dp_stats
rb_stats_mark
# warm-up (handshake, ARP), up to 3 tries
for i in 1 2 3; do
	out=$(PX_UDP_TIMEOUT=15 px_udp_client 1080 "echo:$E:8" 2>&1) && break
	[ "$i" = 3 ] && { rb_dp_stats; rb_fail "warm-up through the wireguard detour: no echo in 3 tries: $out ($(tail -n 3 "$RB_TMP/socat-tun.log"))"; }
done
out=$(px_udp_client 1080 "echo:$E:1" "echo:$E:1000" "echo:$E:1400" 2>&1) ||
	rb_fail "UoT through wg0: $out"
rb_dp_stats
rb_assert_stat_delta_ge event.ss_uot_out 1
rb_assert_stat_delta_ge event.ss_uot_in 1
grep -q "accepting connection from AF=2 10.99.0.1:" "$RB_TMP/socat-tun.log" ||
	rb_fail "the socat in the tunnel saw no connection from 10.99.0.1: $(tail -n 5 "$RB_TMP/socat-tun.log")"
rx1=$(rb_ns "$RB_NS_CLI" wg show "$RB_WG_IF" transfer | awk '{ print $2 }')
rb_assert_ge "$((rx1 - rx0))" 2800 "bytes the peer received through the tunnel"
rb_pass "UoT through a wireguard detour: 1/1000/1400-byte datagrams byte-exact; peer rx +$((rx1 - rx0)) B"
