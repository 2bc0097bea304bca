#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# sing-box UDP over TCP through detours, its v2 connect mode, and replies
# larger than the dataplane reassembles (one dataplane both ends, as
# test_ss_uot; no Debian peer speaks UoT):
#   c1: socks5_udp.py -> socks inbound -> shadowsocks outbound, UoT v2,
#       detour = a socks outbound to danted (srv) -> CONNECT to socat (srv)
#       -> the dataplane's shadowsocks inbound s1 (network "tcp") -> direct
#       -> UDP echo / dnsmasq (srv)
#   c2: the same with UoT v1 over a shadowsocks detour (aes-128-gcm, to
#       socat -> the dataplane's inbound s-hop -> direct -> socat -> s1)
#   c3: UoT v2 with `connect = true`: the stream in connect mode to the
#       session's first destination; a datagram to another is dropped
#       (ss_uot_connect_dst)
#   c4: a socks outbound to danted whose detour is a UoT outbound: its
#       control connection a Shadowsocks stream, its datagrams in a UoT
#       stream opened for one destination (dante's relay): connect mode
#       chosen by itself
#   c5 (direct) and c6 (shadowsocks UDP, aes-256-gcm, through a UDP relay
#       in srv to the dataplane's own shadowsocks inbound s-udp -> direct;
#       ss-server cannot send a fragmented reply: EMSGSIZE): a reply of
#       11000 bytes (8 IP fragments at MTU 1500; through ss, reassembled
#       twice on the dataplane: an mbuf chain opened) comes byte-exact; one
#       of 16000 (12 fragments, past DPDK's RTE_LIBRTE_IP_FRAG_MAX_FRAG of
#       8) does not, counted by name (frag_too_many)
# checks: byte-exact 1/1000/1400-byte datagrams and a DNS query per path;
# danted's log names the UoT stream's connection; nftables counters in srv
# see TCP to danted and to the ss hop's socat; the connect-mode counters
# of both ends (ss_uot_out_connect, ss_uot_in_connect).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/proxy_lib.sh"
. "$(dirname "$0")/ss_lib.sh"
rb_init
rb_require_cmd dnsmasq socat nft danted
rb_topo_two_hosts
K1=$(head -c 18 /dev/urandom | base64) K2=$(head -c 18 /dev/urandom | base64)
K4=$(head -c 18 /dev/urandom | base64)
UOT="method = \"aes-256-gcm\"; password = \"$K1\"; server = \"$RB_SRV_IP4\"; server_port = 8388;"
px_control_init
px_config "
$PX_CTL
$(px_dns_cfg)
inbounds = (
  { type = \"socks\"; tag = \"c1\"; listen = \"$RB_DP_CLI_IP4\"; listen_port = 1080; },
  { type = \"socks\"; tag = \"c2\"; listen = \"$RB_DP_CLI_IP4\"; listen_port = 1081; },
  { type = \"socks\"; tag = \"c3\"; listen = \"$RB_DP_CLI_IP4\"; listen_port = 1082; },
  { type = \"socks\"; tag = \"c4\"; listen = \"$RB_DP_CLI_IP4\"; listen_port = 1083; },
  { type = \"socks\"; tag = \"c5\"; listen = \"$RB_DP_CLI_IP4\"; listen_port = 1084; },
  { type = \"socks\"; tag = \"c6\"; listen = \"$RB_DP_CLI_IP4\"; listen_port = 1085; },
  { type = \"shadowsocks\"; tag = \"s1\"; listen = \"$RB_DP_SRV_IP4\"; listen_port = 18388;
    method = \"aes-256-gcm\"; password = \"$K1\"; network = \"tcp\"; },
  { type = \"shadowsocks\"; tag = \"s-hop\"; listen = \"$RB_DP_SRV_IP4\"; listen_port = 18392;
    method = \"aes-128-gcm\"; password = \"$K2\"; network = \"tcp\"; },
  { type = \"shadowsocks\"; tag = \"s-udp\"; listen = \"$RB_DP_SRV_IP4\"; listen_port = 18489;
    method = \"aes-256-gcm\"; password = \"$K4\"; network = \"udp\"; }
);
outbounds = (
  { type = \"direct\"; tag = \"direct\"; },
  { type = \"socks\"; tag = \"dante\"; server = \"$RB_SRV_IP4\"; server_port = 1080; },
  { type = \"shadowsocks\"; tag = \"hop\"; server = \"$RB_SRV_IP4\"; server_port = 8392;
    method = \"aes-128-gcm\"; password = \"$K2\"; },
  { type = \"shadowsocks\"; tag = \"u-socks\"; $UOT udp_over_tcp = true; detour = \"dante\"; },
  { type = \"shadowsocks\"; tag = \"u-ss\"; $UOT udp_over_tcp = { enabled = true; version = 1; };
    detour = \"hop\"; },
  { type = \"shadowsocks\"; tag = \"u-conn\"; $UOT
    udp_over_tcp = { enabled = true; connect = true; }; },
  { type = \"shadowsocks\"; tag = \"u-plain\"; $UOT udp_over_tcp = true; },
  { type = \"socks\"; tag = \"d-over\"; server = \"$RB_SRV_IP4\"; server_port = 1080;
    detour = \"u-plain\"; },
  { type = \"shadowsocks\"; tag = \"ss-lib\"; server = \"$RB_SRV_IP4\"; server_port = 8489;
    method = \"aes-256-gcm\"; password = \"$K4\"; }
);
route = {
  rules = (
    { inbound = \"c1\"; outbound = \"u-socks\"; },
    { inbound = \"c2\"; outbound = \"u-ss\"; },
    { inbound = \"c3\"; outbound = \"u-conn\"; },
    { inbound = \"c4\"; outbound = \"d-over\"; },
    { inbound = \"c6\"; outbound = \"ss-lib\"; }
  );
  final = \"direct\";
};
"
px_start
px_dnsmasq_start
px_udp_echo_start 7007
px_dante_start 1080 "$RB_SRV_IP4"
# the ss UDP hop: srv:8489 -> the dataplane's s-udp (its own echo unused: 7107)
rb_bg "$RB_TMP/relay.log" ip netns exec "$RB_NS_SRV" "$RB_PY" "$RB_LIB_DIR/ss_udp_relay.py" \
	"$RB_SRV_IP4" 7107 "$RB_TMP" "8489:$RB_DP_SRV_IP4:18489"
rb_wait_for 5 grep -q ready "$RB_TMP/relay.log" || rb_fail "UDP relay did not start"
for p in 8388:18388 8392:18392; do
	rb_bg "$RB_TMP/socat-${p%%:*}.log" ip netns exec "$RB_NS_SRV" socat \
		"TCP-LISTEN:${p%%:*},bind=$RB_SRV_IP4,reuseaddr,fork" "TCP:$RB_DP_SRV_IP4:${p##*:}"
done
ss_wait_srv_ports 8388 8392
T=${RB_ID}uotd
rb_ns "$RB_NS_SRV" nft -f - 2>"$RB_TMP/nft.err" <<NFT || rb_fail "nft setup failed: $(head -c 300 "$RB_TMP/nft.err")"
table inet $T {
  counter dante_tcp {}
  counter hop_tcp {}
  chain in {
    type filter hook input priority 0;
    ip saddr $RB_DP_SRV_IP4 tcp dport 1080 counter name dante_tcp
    ip saddr $RB_DP_SRV_IP4 tcp dport 8392 counter name hop_tcp
  }
}
NFT
nft_pkts() { rb_ns "$RB_NS_SRV" nft list counter inet "$T" "$1" | awk '/packets/ { print $2 }'; }
ip netns exec "$RB_NS_CLI" ping -c 1 -W 1 "$RB_DP_CLI_IP4" >/dev/null 2>&1
ip netns exec "$RB_NS_SRV" ping -c 1 -W 1 "$RB_DP_SRV_IP4" >/dev/null 2>&1
E="$RB_SRV_IP4:7007"

# warm-up (first connections through socat and danted, ARP), up to 3 tries
for i in 1 2 3; do
	px_udp_client 1080 "echo:$E:8" >/dev/null 2>&1 && break
	[ "$i" = 3 ] && rb_fail "warm-up through c1: no echo in 3 tries"
done

names=(uot-v2-over-socks uot-v1-over-ss)
for i in 0 1; do
	out=$(px_udp_client $((1080 + i)) "echo:$E:1" "echo:$E:1000" "echo:$E:1400" \
		"dns:$RB_SRV_IP4:53:det$i.example.test:$RB_SRV_IP4" 2>&1) || rb_fail "${names[i]}: $out"
	grep -q "query\[A\] det$i.example.test from $RB_DP_SRV_IP4" "$RB_TMP/dnsmasq.log" ||
		rb_fail "${names[i]}: dnsmasq did not see the query from the far inbound"
	rb_note "${names[i]}: 1/1000/1400-byte datagrams and DNS byte-exact"
done
grep -q "$RB_SRV_IP4.8388" "$RB_TMP/danted.log" ||
	rb_fail "danted's log names no connection to the UoT server's socat (8388)"
rb_assert_ge "$(nft_pkts hop_tcp)" 3 "TCP segments to the ss hop (8392)"

# connect mode by config: one destination per session
rb_dp_stats
rb_stats_mark
out=$(px_udp_client 1082 "echo:$E:1" "echo:$E:1000" "echo:$E:1400" 2>&1) ||
	rb_fail "connect mode, echo: $out"
out=$(px_udp_client 1082 "dns:$RB_SRV_IP4:53:conn.example.test:$RB_SRV_IP4" 2>&1) ||
	rb_fail "connect mode, DNS: $out"
# a second destination in a connect-mode session: dropped, counted
out=$(PX_UDP_TIMEOUT=10 px_udp_client 1082 "echo:$E:9" \
	"dns:$RB_SRV_IP4:53:other.example.test:$RB_SRV_IP4" 2>&1) &&
	rb_fail "connect mode carried a datagram to a second destination: $out"
grep -q "query\[A\] other.example.test" "$RB_TMP/dnsmasq.log" &&
	rb_fail "connect mode: the second destination's query reached dnsmasq"
rb_dp_stats
rb_assert_stat_delta_ge event.ss_uot_out_connect 3
rb_assert_stat_delta_ge event.ss_uot_in_connect 3
rb_assert_stat_delta_ge drop.ss_uot_connect_dst 1
rb_note "connect = true: echo and DNS byte-exact in connect mode, a second destination dropped"

# connect mode chosen by itself: socks over a UoT detour (dante's relay is
# the one destination of the detour's session)
rb_stats_mark
out=$(px_udp_client 1083 "echo:$E:1" "echo:$E:1000" "echo:$E:1400" \
	"dns:$RB_SRV_IP4:53:dover.example.test:$RB_SRV_IP4" 2>&1) || rb_fail "socks over UoT: $out"
rb_dp_stats
rb_assert_stat_delta_ge event.ss_uot_out_connect 1
rb_assert_stat_delta_ge event.ss_uot_in_connect 1
rb_assert_stat_delta_ge event.proxy_udp_chain 1
rb_assert_ge "$(nft_pkts dante_tcp)" 3 "TCP segments to danted"
rb_note "socks (dante) over a UoT detour: byte-exact, its UoT stream in connect mode"

# replies past the reassembly limit: direct, and shadowsocks UDP (ss-server)
for p in 1084 1085; do
	rb_stats_mark
	out=$(px_udp_client $p "big:$E:11000:exact" "big:$E:16000:none" "echo:$E:100" 2>&1) ||
		rb_fail "big replies via $p: $out"
	rb_dp_stats
	rb_assert_stat_delta_ge drop.frag_too_many 7
	rb_note "via $p: an 11000-byte reply byte-exact, a 16000-byte one dropped as frag_too_many"
done
rb_ns "$RB_NS_SRV" nft delete table inet "$T"

rb_dp_stop
rb_assert_stat_ge event.ss_uot_out 6
rb_pass "UoT over socks (dante) and ss detours, connect mode by config and by itself, replies past 8 fragments counted"
