#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# sing-box UDP over TCP (dataplane/ss/ss_uot_*.c), ringbox <-> ringbox (no
# Debian peer speaks UoT), one dataplane both ends:
#   socks5_udp.py (cli) -> socks inbound -> shadowsocks outbound with
#   udp_over_tcp (v1: aes-256-gcm; v2 `= true`: aes-256-gcm, its server a
#   name the dataplane resolves; v2 group:
#   2022-blake3-aes-128-gcm) -> TCP to socat (srv, a plain TCP relay back to
#   the dataplane's srv-side address) -> shadowsocks inbound (network
#   "tcp": it has no UDP at all) -> direct -> UDP echo / dnsmasq (srv)
# checks: per outbound, datagrams of 1, 1000 and 1400 bytes byte-exact and a
# DNS query in one association (one stream to two destinations); a domain
# destination carried as a domain and resolved by the far inbound; an
# independent UoT client (uot_probe.py, from sing-box's protocol text,
# method none) for v1, v2 non-connect and v2 connect, byte-exact; malformed
# streams (bad address types in packet and request, empty domain, a length
# over 65507) closed without answer and counted; nftables counters in srv:
# no UDP datagram between the dataplane and srv other than to the echo and
# dnsmasq, TCP on the ss hop; an idle stream ends (the far inbound's
# udp_timeout) and the association's next datagram opens a new one.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/proxy_lib.sh"
. "$(dirname "$0")/ss_lib.sh"
rb_init
rb_require_cmd dnsmasq socat nft
rb_topo_two_hosts
K1=$(head -c 18 /dev/urandom | base64) K3=$(head -c 16 /dev/urandom | base64)
px_control_init # own ctl socket and metrics port (other tests' controls may run)
px_config "
$PX_CTL
$(px_dns_cfg)
inbounds = (
  { type = \"socks\"; tag = \"c1\"; listen = \"$RB_DP_CLI_IP4\"; listen_port = 1080; },
  { type = \"socks\"; tag = \"c2\"; listen = \"$RB_DP_CLI_IP4\"; listen_port = 1081; },
  { type = \"socks\"; tag = \"c3\"; listen = \"$RB_DP_CLI_IP4\"; listen_port = 1082; },
  { type = \"shadowsocks\"; tag = \"s1\"; listen = \"$RB_DP_SRV_IP4\"; listen_port = 18388;
    method = \"aes-256-gcm\"; password = \"$K1\"; network = \"tcp\"; udp_timeout = 3; },
  { type = \"shadowsocks\"; tag = \"s3\"; listen = \"$RB_DP_SRV_IP4\"; listen_port = 18390;
    method = \"2022-blake3-aes-128-gcm\"; password = \"$K3\"; network = \"tcp\"; },
  { type = \"shadowsocks\"; tag = \"s-none\"; listen = \"$RB_DP_SRV_IP4\"; listen_port = 18391;
    method = \"none\"; network = \"tcp\"; }
);
outbounds = (
  { type = \"direct\"; tag = \"direct\"; },
  { type = \"shadowsocks\"; tag = \"o1\"; server = \"$RB_SRV_IP4\"; server_port = 8388;
    method = \"aes-256-gcm\"; password = \"$K1\"; udp_over_tcp = { enabled = true; version = 1; }; },
  { type = \"shadowsocks\"; tag = \"o2\"; server = \"ss-server.example.test\"; server_port = 8389;
    method = \"aes-256-gcm\"; password = \"$K1\"; udp_over_tcp = true; },
  { type = \"shadowsocks\"; tag = \"o3\"; server = \"$RB_SRV_IP4\"; server_port = 8390;
    method = \"2022-blake3-aes-128-gcm\"; password = \"$K3\";
    udp_over_tcp = { enabled = true; }; }
);
route = {
  rules = (
    { inbound = \"c1\"; outbound = \"o1\"; },
    { inbound = \"c2\"; outbound = \"o2\"; },
    { inbound = \"c3\"; outbound = \"o3\"; },
    { inbound = \"s-none\"; port = 9; action = \"reject\"; }
  );
  final = \"direct\";
};
"
px_start
px_dnsmasq_start
# UDP echo on 7007 (no relays)
rb_bg "$RB_TMP/echo.log" ip netns exec "$RB_NS_SRV" "$RB_PY" "$RB_LIB_DIR/ss_udp_relay.py" \
	"$RB_SRV_IP4" 7007 "$RB_TMP"
for p in 8388:18388 8389:18388 8390:18390; do
	rb_bg "$RB_TMP/socat-${p%%:*}.log" ip netns exec "$RB_NS_SRV" socat \
		"TCP-LISTEN:${p%%:*},bind=$RB_SRV_IP4,reuseaddr,fork" "TCP:$RB_DP_SRV_IP4:${p##*:}"
done
ss_wait_srv_ports 8388 8389 8390
rb_wait_for 5 grep -q ready "$RB_TMP/echo.log" || rb_fail "UDP echo did not start"
# what crosses between the dataplane and srv
T=${RB_ID}uot
rb_ns "$RB_NS_SRV" nft -f - 2>"$RB_TMP/nft.err" <<NFT || rb_fail "nft setup failed: $(head -c 300 "$RB_TMP/nft.err")"
table inet $T {
  counter stray_udp {}
  counter echo_udp {}
  counter ss_tcp {}
  chain in {
    type filter hook input priority 0;
    ip saddr $RB_DP_SRV_IP4 udp dport != { 53, 7007 } counter name stray_udp
    ip saddr $RB_DP_SRV_IP4 udp dport 7007 counter name echo_udp
    ip saddr $RB_DP_SRV_IP4 tcp dport { 8388, 8389, 8390 } counter name ss_tcp
  }
  chain out {
    type filter hook output priority 0;
    ip daddr $RB_DP_SRV_IP4 udp sport != { 53, 7007 } counter name stray_udp
  }
}
NFT
nft_pkts() { rb_ns "$RB_NS_SRV" nft list counter inet "$T" "$1" | awk '/packets/ { print $2 }'; }
ip netns exec "$RB_NS_CLI" ping -c 1 -W 1 "$RB_DP_CLI_IP4" >/dev/null 2>&1
ip netns exec "$RB_NS_SRV" ping -c 1 -W 1 "$RB_DP_SRV_IP4" >/dev/null 2>&1
E="$RB_SRV_IP4:7007"

# warm-up (the run's first TCP connection to socat and its fork, ARP, on a
# loaded VM): one session through c1, tried up to 3 times; every check
# below opens new sessions (a first datagram waiting for its stream) again
for i in 1 2 3; do
	px_udp_client 1080 "echo:$E:8" >/dev/null 2>&1 && break
	[ "$i" = 3 ] && rb_fail "warm-up through c1: no echo in 3 tries"
done

names=(v1-aes256 v2-aes256 v2-2022)
for i in 0 1 2; do
	out=$(px_udp_client $((1080 + i)) "echo:$E:1" "echo:$E:1000" "echo:$E:1400" \
		"dns:$RB_SRV_IP4:53:uot$i.example.test:$RB_SRV_IP4" "echo:$E:7" 2>&1) ||
		rb_fail "${names[i]}: $out"
	grep -q "query\[A\] uot$i.example.test from $RB_DP_SRV_IP4" "$RB_TMP/dnsmasq.log" ||
		rb_fail "${names[i]}: dnsmasq did not see the query from the far inbound"
	rb_note "${names[i]}: 1/1000/1400-byte datagrams and DNS byte-exact over one UoT stream"
done

# idle: s1 (udp_timeout 3 s) ends a stream quiet for 3 s (its flows first);
# the association lives on and its next datagram opens a new stream
out=$(px_udp_client 1081 "echo:$E:20" "sleep:6" "echo:$E:30" 2>&1) || rb_fail "after idle: $out"
rb_note "an idle stream ended, the session's next datagram went through a new one"

grep -q "query\[A\] ss-server.example.test from $RB_DP_SRV_IP4" "$RB_TMP/dnsmasq.log" ||
	rb_fail "v2-aes256: the outbound's server name was not resolved"

# a domain destination: carried as a domain (address type 2), resolved by
# the far inbound's direct outbound (the dataplane's resolver asks dnsmasq)
out=$(px_udp_client 1081 "dns:ns.example.test:53:dom.example.test:$RB_SRV_IP4" 2>&1) ||
	rb_fail "domain destination: $out"
grep -q "query\[A\] ns.example.test from $RB_DP_SRV_IP4" "$RB_TMP/dnsmasq.log" ||
	rb_fail "domain destination: ns.example.test was not resolved by the far side"
rb_note "domain destination resolved by the far inbound"

# an independent client of the framing (uot_probe.py), method none
r=$(ip netns exec "$RB_NS_SRV" "$RB_PY" "$RB_LIB_DIR/uot_probe.py" "$RB_DP_SRV_IP4" 18391 \
	"v2echo:$RB_SRV_IP4:7007:1200" "v2connect:$RB_SRV_IP4:7007:300" "v1echo:$RB_SRV_IP4:7007:1" \
	"v2echo:$RB_SRV_IP4:7007:0" "v2refused:$RB_SRV_IP4:7007:64:9" 2>&1) ||
	rb_fail "independent client: $r"
rb_assert_eq "$(echo "$r" | tr '\n' ,)" \
	"ok v2echo 1200,ok v2connect 300,ok v1echo 1,ok v2echo 0,ok v2refused 64," \
	"independent UoT client"
# the same client sealing SIP004 aes-256-gcm itself (python3-cryptography)
# into s1: a datagram of 9000 bytes (an mbuf chain on the far side, IP
# fragments to the echo; not more: the dataplane reassembles at most 8
# fragments, DPDK's RTE_LIBRTE_IP_FRAG_MAX_FRAG)
r=$(ip netns exec "$RB_NS_SRV" env UOT_AEAD_PASSWORD="$K1" "$RB_PY" "$RB_LIB_DIR/uot_probe.py" \
	"$RB_DP_SRV_IP4" 18388 "v2echo:$RB_SRV_IP4:7007:1400" "v1echo:$RB_SRV_IP4:7007:100" \
	"v2connect:$RB_SRV_IP4:7007:9000" 2>&1)
rc=$?
if [ "$rc" = 2 ]; then
	rb_note "python3-cryptography missing: the independent AEAD client is skipped"
else
	rb_assert_eq "$(echo "$r" | tr '\n' ,)" "ok v2echo 1400,ok v1echo 100,ok v2connect 9000," \
		"independent UoT client over aes-256-gcm"
fi
# malformed: SOCKS IPv6 type in a v1 packet, type 5 in a v2 request, an
# empty domain, a length of 65535
r=$(ip netns exec "$RB_NS_SRV" "$RB_PY" "$RB_LIB_DIR/uot_probe.py" "$RB_DP_SRV_IP4" 18391 \
	"bad:1:04000000" "bad:2:0005" "bad:1:0200001b5800" "bad:1:000a0000010035ffff" 2>&1) ||
	rb_fail "malformed streams: $r"
rb_assert_eq "$(echo "$r" | tr '\n' ,)" "closed,closed,closed,closed," "malformed streams"

rb_assert_eq "$(nft_pkts stray_udp)" 0 "UDP datagrams between the dataplane and srv besides echo/DNS"
rb_assert_ge "$(nft_pkts echo_udp)" 15 "datagrams the far inbound sent to the echo"
rb_assert_ge "$(nft_pkts ss_tcp)" 4 "TCP segments on the ss hop"
rb_ns "$RB_NS_SRV" nft delete table inet "$T"

rb_dp_stop
rb_assert_stat_ge event.ss_uot_out 7
rb_assert_stat_ge event.proxy_udp_timeout 1
rb_assert_stat_ge event.ss_uot_in 9
rb_assert_stat_ge event.ss_uot_up 30
rb_assert_stat_ge event.ss_uot_down 30
rb_assert_stat_ge drop.ss_uot_atyp 2
rb_assert_stat_ge drop.ss_uot_addr 1
rb_assert_stat_ge drop.ss_uot_len 1
rb_assert_stat_ge drop.proxy_udp_rejected 1
rb_pass "UoT v1/v2 over aes-256-gcm and 2022 ringbox <-> ringbox byte-exact, domain destination, independent client, malformed streams counted, no UDP on the ss hop"
