#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# UDP through chains of UDP encapsulations (dataplane/proxy/udp_out*.c,
# rb_udp_chain), against real peers in srv:
#   (1) socks over Shadowsocks: DNS queries from a SOCKS5 UDP client in cli
#       (socks5_udp.py) -> ringbox socks inbound -> socks outbound "dante"
#       whose detour is the shadowsocks outbound "ss" -> ss-server -u
#       (shadowsocks-libev, going out from SS_EXT) -> danted (going out from
#       DANTE_EXT) -> dnsmasq.  The SOCKS5 control connection is a
#       Shadowsocks TCP stream (dante sees it from ss-server's address),
#       the relay datagrams are SOCKS5 UDP inside Shadowsocks UDP (dante's
#       UDP association is with ss-server's address), dnsmasq sees the
#       queries from dante.  One NAT session = one association at dante,
#       counted (proxy_udp_upstream, proxy_udp_chain), closed with it.
#   (2) the ss hop with a wrong password: dante never sees an association,
#       no answer, counted (proxy_udp_chain_ctl_fail, proxy_dial_fail).
#   (3) the ss hop's server given by name: the control stream reaches
#       dante (the name resolved for TCP), and the Shadowsocks UDP client
#       (no detour below it) resolves the name too: answered.
#   (1b) three levels, dante twice: socks over ss over socks (SOCKS5 UDP in
#       Shadowsocks UDP in SOCKS5 UDP), two associations for one session.
#   (4) the other way round, Shadowsocks over socks: the shadowsocks
#       outbound "ss-over-dante" (detour "dante-direct") sends its UDP
#       packets inside dante's UDP association to ss-server; ss-server's
#       UDP peer is dante; when dante goes away, the session ends
#       (proxy_udp_chain_inner_gone) and the client's association stays.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/proxy_lib.sh"
. "$(dirname "$0")/ss_lib.sh"
rb_init
rb_require_cmd danted ss-server dnsmasq
rb_topo_two_hosts
N=10.$RB_NET.2
SS_EXT=$N.11 DANTE_EXT=$N.21
for a in $SS_EXT $DANTE_EXT; do
	ip -n "$RB_NS_SRV" addr add "$a/24" dev "$RB_IF_SRV" || rb_fail "addr $a"
done
S=$RB_SRV_IP4
PW="pw-$RANDOM$RANDOM"
px_control_init
px_config "
$PX_CTL
inbounds = (
  { type = \"socks\"; tag = \"to-chain\"; listen = \"$RB_DP_CLI_IP4\"; listen_port = 1080; },
  { type = \"socks\"; tag = \"to-bad\"; listen = \"$RB_DP_CLI_IP4\"; listen_port = 1081; },
  { type = \"socks\"; tag = \"to-byname\"; listen = \"$RB_DP_CLI_IP4\"; listen_port = 1082; },
  { type = \"socks\"; tag = \"to-ss-over-socks\"; listen = \"$RB_DP_CLI_IP4\"; listen_port = 1083; },
  { type = \"socks\"; tag = \"to-three\"; listen = \"$RB_DP_CLI_IP4\"; listen_port = 1084; }
);
outbounds = (
  { type = \"direct\"; tag = \"direct\"; },
  { type = \"shadowsocks\"; tag = \"ss\"; server = \"$S\"; server_port = 8388;
    method = \"aes-256-gcm\"; password = \"$PW\"; },
  { type = \"socks\"; tag = \"dante\"; server = \"$S\"; server_port = 1090; detour = \"ss\"; },
  { type = \"shadowsocks\"; tag = \"ss-bad\"; server = \"$S\"; server_port = 8388;
    method = \"aes-256-gcm\"; password = \"not-$PW\"; },
  { type = \"socks\"; tag = \"dante-over-bad\"; server = \"$S\"; server_port = 1090;
    detour = \"ss-bad\"; connect_timeout = \"2s\"; },
  { type = \"shadowsocks\"; tag = \"ss-byname\"; server = \"ss.example.test\"; server_port = 8388;
    method = \"aes-256-gcm\"; password = \"$PW\"; },
  { type = \"socks\"; tag = \"dante-over-ssname\"; server = \"$S\"; server_port = 1090;
    detour = \"ss-byname\"; },
  { type = \"socks\"; tag = \"dante-direct\"; server = \"$S\"; server_port = 1090; },
  { type = \"shadowsocks\"; tag = \"ss-over-dante\"; server = \"$S\"; server_port = 8388;
    method = \"aes-256-gcm\"; password = \"$PW\"; detour = \"dante-direct\"; },
  { type = \"socks\"; tag = \"dante-over-ss-over-dante\"; server = \"$S\"; server_port = 1090;
    detour = \"ss-over-dante\"; }
);
route = {
  rules = (
    { inbound = \"to-chain\"; network = \"udp\"; outbound = \"dante\"; },
    { inbound = \"to-bad\"; network = \"udp\"; outbound = \"dante-over-bad\"; },
    { inbound = \"to-byname\"; network = \"udp\"; outbound = \"dante-over-ssname\"; },
    { inbound = \"to-ss-over-socks\"; network = \"udp\"; outbound = \"ss-over-dante\"; },
    { inbound = \"to-three\"; network = \"udp\"; outbound = \"dante-over-ss-over-dante\"; }
  );
  final = \"direct\";
};
$(px_dns_cfg)
"
px_start
ss_server_start a 8388 aes-256-gcm "$PW" "$SS_EXT" -u
px_dante_start 1090 "$DANTE_EXT"
px_dnsmasq_start
px_wait_rules
ip netns exec "$RB_NS_CLI" ping -c 1 -W 1 "$RB_DP_CLI_IP4" >/dev/null 2>&1
udp_client() { PX_UDP_TIMEOUT=40 px_udp_client "$@"; }
metric() { # name-and-labels
	px_scrape "$RB_TMP/m.txt"
	px_val "$RB_TMP/m.txt" "$1"
}
assocs() { grep -c 'udp/udpassociate \[' "$RB_TMP/danted.log"; }
# an address in a log (dante writes ADDR.PORT, ss-server ADDR:PORT), not
# a prefix of another
has_addr() { grep -qE "(^|[^0-9])${1//./\\.}[.:][0-9]" "$2"; }
D=$S:53

# 1. socks over ss: three queries over one association, one session
rb_dp_stats
rb_stats_mark
rb_bg "$RB_TMP/udp1.log" udp_client 1080 "dns:$D:q1.example.test:$S" \
	"dns:$D:q2.example.test:$S" sleep:8 "dns:$D:q3.example.test:$S" close
C1=$RB_BG_PID
rb_wait_for 20 grep -q "dns q2.example.test" "$RB_TMP/udp1.log" ||
	rb_fail "DNS through socks over ss: $(cat "$RB_TMP/udp1.log" | tr '\n' ' ')"
px_dante_children
# dante's one control connection comes from ss-server (a Shadowsocks
# stream carried it), so does its UDP association
rb_assert_eq "$(px_estab "$RB_NS_SRV" 1090)" "$SS_EXT " "control connections at dante (peers)"
rb_assert_eq "$(metric 'ringbox_proxy_outbound_conns_active{outbound="dante"}')" 1 \
	"dante outbound: sessions open"
rb_assert_eq "$(metric 'ringbox_proxy_outbound_conns_total{outbound="ss"}')" 0 \
	"ss outbound: routed nothing itself (it is a detour)"
wait "$C1" || rb_fail "client through socks over ss: $(tail -3 "$RB_TMP/udp1.log" | tr '\n' ' ')"
rb_note "$(cat "$RB_TMP/udp1.log" | tr '\n' ' ')"
rb_assert_eq "$(grep -c '^dns .* -> ' "$RB_TMP/udp1.log")" 3 "DNS answers"
for q in q1 q2 q3; do
	grep -q "query\[A\] $q.example.test from $DANTE_EXT" "$RB_TMP/dnsmasq.log" ||
		rb_fail "dnsmasq did not see $q from dante ($DANTE_EXT): $(grep "$q" "$RB_TMP/dnsmasq.log")"
done
rb_assert_eq "$(assocs)" 1 "UDP associations at dante"
rb_wait_for 10 sh -c "[ \$(ip netns exec '$RB_NS_SRV' ss -Htn state established '( sport = :1090 )' | wc -l) = 0 ]" ||
	rb_fail "dante's control connection outlived the session: $(px_estab "$RB_NS_SRV" 1090)"
# dante logs the association's UDP peer when it ends: ss-server's address
rb_wait_for 5 sh -c "grep 'udp/udpassociate \]' '$RB_TMP/danted.log' | grep -q -- '-> $SS_EXT\.'" ||
	rb_fail "dante's UDP association is not with ss-server ($SS_EXT): $(grep 'udpassociate' "$RB_TMP/danted.log" | tr '\n' ' ')"
has_addr "$RB_DP_SRV_IP4" "$RB_TMP/danted.log" &&
	rb_fail "dante saw ringbox's own address: $(grep -F "$RB_DP_SRV_IP4" "$RB_TMP/danted.log" | head -2)"
rb_dp_stats
rb_assert_eq "$(rb_stat_delta event.proxy_udp_session)" 1 "NAT sessions"
rb_assert_eq "$(rb_stat_delta event.proxy_udp_upstream)" 1 "socks associations opened"
rb_assert_eq "$(rb_stat_delta event.proxy_udp_upstream_end)" 1 "socks associations closed"
rb_assert_eq "$(rb_stat_delta event.proxy_udp_chain)" 1 "upstreams inside a detour's UDP"
rb_assert_eq "$(rb_stat_delta event.proxy_udp_chain_ctl_fail)" 0 "control chain failures"
rb_assert_eq "$(rb_stat_delta event.proxy_udp_chain_inner_fail)" 0 "detour UDP failures"

# 1b. three levels, with dante twice: socks over ss over socks.  TCP: ringbox
# -> dante (CONNECT) -> ss-server (Shadowsocks) -> dante (UDP ASSOCIATE);
# UDP: SOCKS5 UDP inside Shadowsocks UDP inside SOCKS5 UDP (ringbox's own
# association with dante carries the ss packets to ss-server, whose
# packets carry the outer datagrams to dante's outer relay)
rb_stats_mark
rb_bg "$RB_TMP/udp1b.log" udp_client 1084 "dns:$D:t1.example.test:$S" sleep:8 \
	"dns:$D:t2.example.test:$S" close
C1B=$RB_BG_PID
rb_wait_for 20 grep -q "dns t1.example.test" "$RB_TMP/udp1b.log" ||
	rb_fail "DNS through socks over ss over socks: $(cat "$RB_TMP/udp1b.log" | tr '\n' ' ')"
px_dante_children
# at dante: the inner association's control connection and the CONNECT
# tunnel come from ringbox, the outer control connection from ss-server
rb_assert_eq "$(px_estab "$RB_NS_SRV" 1090)" "$RB_DP_SRV_IP4 $RB_DP_SRV_IP4 $SS_EXT " \
	"three levels: control connections at dante (peers)"
wait "$C1B" || rb_fail "client over three levels: $(tail -3 "$RB_TMP/udp1b.log" | tr '\n' ' ')"
rb_assert_eq "$(grep -c '^dns .* -> ' "$RB_TMP/udp1b.log")" 2 "three levels: DNS answers"
rb_assert_eq "$(assocs)" 3 "UDP associations at dante (one more per socks level)"
rb_wait_for 10 sh -c "[ \$(ip netns exec '$RB_NS_SRV' ss -Htn state established '( sport = :1090 )' | wc -l) = 0 ]" ||
	rb_fail "three levels: connections left at dante: $(px_estab "$RB_NS_SRV" 1090)"
rb_dp_stats
rb_assert_eq "$(rb_stat_delta event.proxy_udp_session)" 1 "three levels: NAT sessions"
rb_assert_eq "$(rb_stat_delta event.proxy_udp_upstream)" 2 "three levels: socks associations opened"
rb_assert_eq "$(rb_stat_delta event.proxy_udp_upstream_end)" 2 "three levels: socks associations closed"
rb_assert_eq "$(rb_stat_delta event.proxy_udp_chain)" 2 "three levels: upstreams inside a detour's UDP"

# 2. the ss hop's password is wrong: ss-server cannot open the control
# stream, dante sees nothing, no answer; counted when the open times out
rb_stats_mark
udp_client 1081 "dns:$D:bad.example.test:$S" >"$RB_TMP/udp2.log" 2>&1 &&
	rb_fail "DNS over a wrong-password ss hop answered"
rb_assert_match "$(cat "$RB_TMP/udp2.log")" "no answer" "wrong password: no answer"
grep -q "bad.example.test" "$RB_TMP/dnsmasq.log" && rb_fail "wrong password: the query reached dnsmasq"
rb_assert_eq "$(assocs)" 3 "UDP associations at dante after the wrong password"
rb_dp_stats
rb_assert_stat_delta_ge event.proxy_udp_chain_ctl_fail 1
rb_assert_stat_delta_ge event.proxy_dial_fail 1
rb_assert_eq "$(rb_stat_delta event.proxy_udp_chain)" 0 "wrong password: upstreams inside a detour's UDP"

# 3. the ss hop's server by name: the control stream goes (ringbox resolves
# the name for TCP: dnsmasq sees it), dante associates, and the detour's
# UDP resolves it as well (ss_udp_out.c, no detour below the ss hop)
rb_stats_mark
udp_client 1082 "dns:$D:byname.example.test:$S" >"$RB_TMP/udp3.log" 2>&1 ||
	rb_fail "DNS over an ss hop named by a domain: $(cat "$RB_TMP/udp3.log" | tr '\n' ' ')"
grep -q "query\[A\] ss.example.test from $RB_DP_SRV_IP4" "$RB_TMP/dnsmasq.log" ||
	rb_fail "the ss hop's name was not resolved through the dataplane"
grep -q "query\[A\] byname.example.test" "$RB_TMP/dnsmasq.log" ||
	rb_fail "ss hop by name: the query did not reach dnsmasq"
rb_dp_stats
rb_assert_eq "$(rb_stat_delta event.proxy_udp_chain)" 1 "ss hop by name: upstreams inside a detour's UDP"

# 4. ss over socks: Shadowsocks UDP inside dante's UDP association; then
# dante goes away: the detour's session ends, so does ours
rb_stats_mark
rb_bg "$RB_TMP/udp4.log" udp_client 1083 "dns:$D:r1.example.test:$S" sleep:15 close
C4=$RB_BG_PID
rb_wait_for 20 grep -q "dns r1.example.test" "$RB_TMP/udp4.log" ||
	rb_fail "DNS through ss over socks: $(cat "$RB_TMP/udp4.log" | tr '\n' ' ')"
px_dante_children
grep -q "query\[A\] r1.example.test from" "$RB_TMP/dnsmasq.log" || rb_fail "dnsmasq did not see r1"
# dante's new association is ringbox's own (no detour below it); ss-server
# got the query from dante's external address
rb_assert_eq "$(assocs)" 5 "UDP associations at dante (one more for case 3, one for case 4)"
rb_assert_eq "$(px_estab "$RB_NS_SRV" 1090)" "$RB_DP_SRV_IP4 " "control connections at dante (peers)"
has_addr "$DANTE_EXT" "$RB_TMP/ss-a.log" ||
	rb_fail "ss-server never saw dante ($DANTE_EXT) as its UDP peer: $(tail -3 "$RB_TMP/ss-a.log" | tr '\n' ' ')"
rb_assert_eq "$(metric 'ringbox_proxy_outbound_conns_active{outbound="ss-over-dante"}')" 1 \
	"ss-over-dante: session open"
for p in $(pgrep -P "$PX_DANTE_PID"); do kill "$p"; done
kill "$PX_DANTE_PID"
wait "$PX_DANTE_PID" 2>/dev/null
idle() { [ "$(metric 'ringbox_proxy_outbound_conns_active{outbound="ss-over-dante"}')" = 0 ]; }
rb_wait_for 10 idle || rb_fail "the ss session outlived dante"
rb_assert_eq "$(px_rbctl conns --json --network udp | "$RB_PY" -c 'import json,sys; print(len(json.load(sys.stdin)["data"]))')" 1 \
	"the client's association is still open"
rb_dp_stats
rb_assert_eq "$(rb_stat_delta event.proxy_udp_chain)" 1 "ss over socks: upstreams inside a detour's UDP"
rb_assert_eq "$(rb_stat_delta event.proxy_udp_chain_inner_gone)" 1 "sessions ended with the detour's"
wait "$C4" || rb_fail "client run 4: $(tail -3 "$RB_TMP/udp4.log" | tr '\n' ' ')"

rb_dp_stop
rb_pass "UDP chains: socks over ss (DNS via ss-server -u and dante, control and association from ss-server, one association per session), socks over ss over socks, wrong ss password refused and counted, named ss hop resolved and answered, ss over socks ends with dante"
