#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# UDP through a chain of socks outbounds: a SOCKS5 UDP ASSOCIATE client in
# cli (socks5_udp.py) -> ringbox socks inbound -> socks outbound "far"
# (dante A) with detour = socks outbound "near" (dante B) -> UDP echo
# servers in srv.
#
#   cli --- dp (ringbox) --- srv: dante B $RB_SRV_IP4:1090, echoes :7777 :7778
#                             |  10.N.9.1 (B's external)
#                            hop: dante A 10.N.9.2:1091 (its external too)
#
# Dante A is reachable only through dante B (srv does not forward, ringbox
# has no route to 10.N.9.0/24; a socks outbound to A without the detour
# gets no answer).  Through the chain: datagrams of 1..1400 bytes come back
# byte-exact from two destinations; the echo servers see dante A's address
# only; dante A's control connection and UDP association come from B's
# external address (B CONNECTed ringbox to A, and B's relay carried A's
# datagrams: SOCKS5 UDP inside SOCKS5 UDP).  One NAT session (one client
# port, two destinations) = one upstream association per hop: one control
# connection at A, two at B (ringbox's own association with B, and A's
# control connection through B), ringbox's counters say the same
# (proxy_udp_session 1, proxy_udp_upstream 2), `conns`/metrics show one
# session on "far".  When the client's association ends, every upstream
# connection at both dantes closes (proxy_udp_upstream_end 2).  A socks
# outbound whose detour is an http outbound carries no UDP (refused,
# counted proxy_udp_unsupported), nothing is dialled.  When dante B goes
# away mid-session, the session ends and its association with A closes.
# Three hops (far over a socks hop to dante C, in srv, over near) carry the
# same echoes with one association per hop.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/proxy_lib.sh"
rb_init
rb_require_cmd danted
rb_topo_two_hosts
NS_HOP=$RB_ID-hop
B_EXT=10.$RB_NET.9.1
A_IP=10.$RB_NET.9.2
rb_netns_add "$NS_HOP"
rb_veth "$RB_NS_SRV" "${RB_ID}h" "$NS_HOP" "${RB_ID}a"
ip -n "$RB_NS_SRV" addr add "$B_EXT/24" dev "${RB_ID}h" || rb_fail "addr $B_EXT"
ip -n "$NS_HOP" addr add "$A_IP/24" dev "${RB_ID}a" || rb_fail "addr $A_IP"
ip -n "$NS_HOP" route add "10.$RB_NET.2.0/24" via "$B_EXT" || rb_fail "route in hop"
rb_ns "$RB_NS_SRV" sysctl -qw net.ipv4.ip_forward=0 >/dev/null

px_control_init
px_config "
$PX_CTL
inbounds = (
  { type = \"socks\"; tag = \"to-chain\"; listen = \"$RB_DP_CLI_IP4\"; listen_port = 1080; },
  { type = \"socks\"; tag = \"to-far-direct\"; listen = \"$RB_DP_CLI_IP4\"; listen_port = 1081; },
  { type = \"socks\"; tag = \"to-over-http\"; listen = \"$RB_DP_CLI_IP4\"; listen_port = 1082; },
  { type = \"socks\"; tag = \"to-three\"; listen = \"$RB_DP_CLI_IP4\"; listen_port = 1083; }
);
outbounds = (
  { type = \"direct\"; tag = \"direct\"; },
  { type = \"socks\"; tag = \"near\"; server = \"$RB_SRV_IP4\"; server_port = 1090; },
  { type = \"socks\"; tag = \"far\"; server = \"$A_IP\"; server_port = 1091; detour = \"near\"; },
  { type = \"socks\"; tag = \"far-direct\"; server = \"$A_IP\"; server_port = 1091;
    connect_timeout = \"1s\"; },
  { type = \"http\"; tag = \"web-proxy\"; server = \"$RB_SRV_IP4\"; server_port = 3128; },
  { type = \"socks\"; tag = \"far-over-http\"; server = \"$A_IP\"; server_port = 1091;
    detour = \"web-proxy\"; },
  { type = \"socks\"; tag = \"mid\"; server = \"$B_EXT\"; server_port = 1092; detour = \"near\"; },
  { type = \"socks\"; tag = \"far3\"; server = \"$A_IP\"; server_port = 1091; detour = \"mid\"; }
);
route = {
  rules = (
    { inbound = \"to-chain\"; network = \"udp\"; outbound = \"far\"; },
    { inbound = \"to-far-direct\"; network = \"udp\"; outbound = \"far-direct\"; },
    { inbound = \"to-over-http\"; network = \"udp\"; outbound = \"far-over-http\"; },
    { inbound = \"to-three\"; network = \"udp\"; outbound = \"far3\"; }
  );
  final = \"direct\";
};
"
px_start

# dante B in srv (px_dante_start: $RB_TMP/danted.log), going out from B_EXT
px_dante_start 1090 "$B_EXT"
PIDS_B=$PX_DANTE_PID
# dante A in hop; dante C in srv on B's external address (three hops)
px_dante_at A "$NS_HOP" "$A_IP" 1091
PID_A=$PX_DANTE_PID
px_dante_at C "$RB_NS_SRV" "$B_EXT" 1092
PID_C=$PX_DANTE_PID
# the echo servers log each datagram's source
px_udp_echo_start 7777 7778
px_wait_rules
ip netns exec "$RB_NS_CLI" ping -c 1 -W 1 "$RB_DP_CLI_IP4" >/dev/null 2>&1
rbctl() { px_rbctl "$@"; }
udp_client() { PX_UDP_TIMEOUT=60 px_udp_client "$@"; }
metric() { # name-and-labels
	px_scrape "$RB_TMP/m.txt"
	px_val "$RB_TMP/m.txt" "$1"
}
estab() { px_estab "$@"; }
E1=$RB_SRV_IP4:7777
E2=$RB_SRV_IP4:7778
rb_dp_stats
rb_stats_mark

# 1. one association, one client port, two destinations, 1..1400 bytes,
# through far over near; the association stays while both dantes are read
rb_bg "$RB_TMP/udp1.log" udp_client 1080 "echo:$E1:1" "echo:$E1:512" "echo:$E1:1000" \
	"echo:$E1:1400" "echo:$E2:1400" "echo:$E2:7" "echo:$E1:300" sleep:5 "echo:$E2:100" close
C1=$RB_BG_PID
rb_wait_for 20 grep -q "echo 300 bytes" "$RB_TMP/udp1.log" ||
	rb_fail "echo through far over near: $(cat "$RB_TMP/udp1.log" | tr '\n' ' ')"
px_dante_children "$PIDS_B"
px_dante_children "$PID_A"
px_dante_children "$PID_C"
# at dante A: one control connection, from B's external address; at B: two
# (ringbox's association with B and A's control connection), from ringbox
rb_assert_eq "$(estab "$NS_HOP" 1091)" "$B_EXT " "control connections at dante A (peers)"
rb_assert_eq "$(estab "$RB_NS_SRV" 1090)" "$RB_DP_SRV_IP4 $RB_DP_SRV_IP4 " \
	"control connections at dante B (peers)"
J=$(rbctl conns --json --network udp) || rb_fail "conns: $J"
read -r n c_in c_out c_dst <<<"$(echo "$J" | "$RB_PY" -c "
import json, sys
d = json.load(sys.stdin)['data']
c = d[0] if d else {}
print(len(d), c.get('inbound'), c.get('outbound'), c.get('dst'))")"
rb_note "conns: $n association(s), inbound $c_in, outbound $c_out, dst $c_dst"
rb_assert_eq "$n" 1 "UDP associations in conns"
rb_assert_eq "$c_out" far "association's outbound"
rb_assert_eq "$c_dst" "$E1" "association's (first) destination"
rb_assert_eq "$(metric 'ringbox_proxy_outbound_conns_total{outbound="far"}')" 1 \
	"far outbound: NAT sessions routed (two destinations, one session)"
rb_assert_eq "$(metric 'ringbox_proxy_outbound_conns_active{outbound="far"}')" 1 \
	"far outbound: sessions open"
rb_assert_eq "$(metric 'ringbox_proxy_outbound_conns_total{outbound="near"}')" 0 \
	"near outbound: routed nothing itself (it is a detour)"
rb_dp_stats
rb_assert_eq "$(rb_stat_delta event.proxy_udp_session)" 1 "NAT sessions opened"
rb_assert_eq "$(rb_stat_delta event.proxy_udp_upstream)" 2 \
	"upstream associations opened (far, and near under it)"
wait "$C1" || rb_fail "client through the chain: $(tail -3 "$RB_TMP/udp1.log" | tr '\n' ' ')"
rb_note "$(cat "$RB_TMP/udp1.log" | tr '\n' ' ')"
rb_assert_eq "$(grep -c 'byte-exact' "$RB_TMP/udp1.log")" 8 "byte-exact echoes"
# the echo servers saw dante A only
srcs=$(cat "$RB_TMP/echo7777.log" "$RB_TMP/echo7778.log" | awk '/^from/ { split($2, a, ":"); print a[1] }' |
	sort -u | tr '\n' ' ')
rb_assert_eq "$srcs" "$A_IP " "sources the echo servers saw"
rb_assert_eq "$(cat "$RB_TMP/echo7777.log" "$RB_TMP/echo7778.log" | grep -c '^from')" 8 \
	"datagrams the echo servers saw"
# dante A's UDP association was with B's external address (B's relay
# carried A's datagrams), and its control connection too
grep -i "udp" "$RB_TMP/danteA.log" | grep -q "$B_EXT" ||
	rb_fail "dante A logged no UDP association from $B_EXT: $(tail -5 "$RB_TMP/danteA.log" | tr '\n' ' ')"
grep -q "$RB_DP_SRV_IP4" "$RB_TMP/danteA.log" &&
	rb_fail "dante A saw ringbox's own address: $(grep "$RB_DP_SRV_IP4" "$RB_TMP/danteA.log" | head -2)"
# one UDP association at each dante for the one session; B CONNECTed
# ringbox to A (A's control connection)
rb_assert_eq "$(grep -c 'udp/udpassociate \[' "$RB_TMP/danteA.log")" 1 "UDP associations at dante A"
rb_assert_eq "$(grep -c 'udp/udpassociate \[' "$RB_TMP/danted.log")" 1 "UDP associations at dante B"
grep 'tcp/connect \[' "$RB_TMP/danted.log" | grep -q -- "-> $B_EXT\.[0-9]* $A_IP\.1091" ||
	rb_fail "dante B did not CONNECT to dante A: $(grep 'tcp/connect' "$RB_TMP/danted.log" | head -2)"
# the session ended with the client's association: every upstream closed
rb_wait_for 10 sh -c "[ \$(ip netns exec '$NS_HOP' ss -Htn state established '( sport = :1091 )' | wc -l) = 0 ] &&
	[ \$(ip netns exec '$RB_NS_SRV' ss -Htn state established '( sport = :1090 )' | wc -l) = 0 ]" ||
	rb_fail "upstream control connections left after the session ended: A: $(estab "$NS_HOP" 1091), B: $(estab "$RB_NS_SRV" 1090)"
rb_assert_eq "$(metric 'ringbox_proxy_outbound_conns_active{outbound="far"}')" 0 \
	"far outbound: sessions open after the end"
rb_dp_stats
rb_assert_eq "$(rb_stat_delta event.proxy_udp_upstream_end)" 2 "upstream associations closed"

# 2. dante A without the detour: not reachable from ringbox (no answer)
udp_client 1081 "echo:$E1:10" >"$RB_TMP/udp2.log" 2>&1 && rb_fail "A answered without B"
rb_assert_match "$(cat "$RB_TMP/udp2.log")" "no answer" "far-direct: no answer"

# 3. a socks outbound over an http outbound: no UDP, refused and counted,
# nothing dialled
rb_dp_stats
rb_stats_mark
udp_client 1082 "echo:$E1:10" >"$RB_TMP/udp3.log" 2>&1 && rb_fail "UDP over an http detour answered"
rb_assert_match "$(cat "$RB_TMP/udp3.log")" "no answer" "far-over-http: no answer"
rb_dp_stats
rb_assert_stat_delta_ge drop.proxy_udp_unsupported 1
rb_assert_eq "$(rb_stat_delta event.proxy_udp_upstream)" 0 "upstreams opened for the refused chain"
rb_assert_eq "$(cat "$RB_TMP/echo7777.log" "$RB_TMP/echo7778.log" | grep -c '^from')" 8 \
	"the refused datagrams reached nobody"

# 3b. three hops: far3 over mid (dante C) over near (dante B): the
# datagrams are SOCKS5 UDP inside SOCKS5 UDP inside SOCKS5 UDP; one
# association per hop, all closed with the session
rb_dp_stats
rb_stats_mark
udp_client 1083 "echo:$E1:1" "echo:$E2:1400" "echo:$E1:64" close >"$RB_TMP/udp3b.log" 2>&1 ||
	rb_fail "three hops: $(tail -3 "$RB_TMP/udp3b.log" | tr '\n' ' ')"
px_dante_children "$PID_C"
px_dante_children "$PIDS_B"
px_dante_children "$PID_A"
rb_assert_eq "$(grep -c 'byte-exact' "$RB_TMP/udp3b.log")" 3 "byte-exact echoes over three hops"
rb_assert_eq "$(cat "$RB_TMP/echo7777.log" "$RB_TMP/echo7778.log" | grep -c "^from $A_IP:")" 11 \
	"datagrams the echo servers saw, all from dante A"
grep 'udp/udpassociate \[' "$RB_TMP/danteC.log" | grep -q . ||
	rb_fail "dante C logged no UDP association: $(tail -3 "$RB_TMP/danteC.log" | tr '\n' ' ')"
rb_wait_for 10 sh -c "[ \$(ip netns exec '$RB_NS_SRV' ss -Htn state established '( sport = :1090 or sport = :1092 )' | wc -l) = 0 ]" ||
	rb_fail "upstream control connections left after the three-hop session: B: $(estab "$RB_NS_SRV" 1090) C: $(estab "$RB_NS_SRV" 1092)"
rb_dp_stats
rb_assert_eq "$(rb_stat_delta event.proxy_udp_session)" 1 "three hops: NAT sessions"
rb_assert_eq "$(rb_stat_delta event.proxy_udp_upstream)" 3 "three hops: upstream associations opened"
rb_assert_eq "$(rb_stat_delta event.proxy_udp_upstream_end)" 3 "three hops: upstream associations closed"

# 4. dante B goes away mid-session: ringbox's association with B ends,
# which ends the session and closes its association with A (A's control
# connection went through B anyway); the client's association stays
rb_dp_stats
rb_stats_mark
rb_bg "$RB_TMP/udp4.log" udp_client 1080 "echo:$E1:200" sleep:10 close
C4=$RB_BG_PID
rb_wait_for 20 grep -q "echo 200 bytes" "$RB_TMP/udp4.log" ||
	rb_fail "echo before dante B stops: $(cat "$RB_TMP/udp4.log" | tr '\n' ' ')"
rb_assert_eq "$(metric 'ringbox_proxy_outbound_conns_active{outbound="far"}')" 1 "session open"
px_dante_children "$PIDS_B"
for p in $(pgrep -P "$PIDS_B"); do kill "$p"; done
kill "$PIDS_B"
wait "$PIDS_B" 2>/dev/null
rb_wait_for 10 sh -c "[ \$(ip netns exec '$NS_HOP' ss -Htn state established '( sport = :1091 )' | wc -l) = 0 ]" ||
	rb_fail "dante A's control connection outlived dante B: $(estab "$NS_HOP" 1091)"
far_idle() { [ "$(metric 'ringbox_proxy_outbound_conns_active{outbound="far"}')" = 0 ]; }
rb_wait_for 10 far_idle || rb_fail "the session outlived dante B"
rb_assert_eq "$(rbctl conns --json --network udp | "$RB_PY" -c 'import json,sys; print(len(json.load(sys.stdin)["data"]))')" 1 \
	"the client's association is still open"
rb_dp_stats
rb_assert_eq "$(rb_stat_delta event.proxy_udp_upstream_end)" 2 "upstream associations closed when B went"
wait "$C4" || rb_fail "client run 4: $(tail -3 "$RB_TMP/udp4.log" | tr '\n' ' ')"

rb_dp_stop
rb_pass "UDP through socks over socks (dante A via dante B): byte-exact 1..1400 B to two destinations, echo sees A only, A's association from B, one NAT session = one upstream association per hop, torn down with the session or with dante B; three hops; http detour refused"
