#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# UDP through a `socks` outbound: a SOCKS5 UDP ASSOCIATE client in cli
# (socks5_udp.py) -> ringbox socks inbound -> ringbox socks outbound (its
# own UDP ASSOCIATE, RFC 1928 7) -> danted in srv -> a UDP echo server in
# srv.  Datagrams of 1 to 1400 bytes come back byte-exact, the echo server
# sees dante's external address (so dante carried them), dante logs the
# appliance's association, `conns` and /metrics show the session on the
# `dante` outbound.  The `block` outbound refuses UDP sessions, a socks
# outbound with network = "tcp" carries none (both counted).  An outbound
# whose server is a name has it resolved through the dataplane (dnsmasq).  When dante goes away, its control connection closes and the
# session ends (the outbound's active gauge drops) while the client's own
# association stays.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/proxy_lib.sh"
rb_init
rb_require_cmd curl
rb_topo_two_hosts
DANTE_EXT=10.$RB_NET.2.3
ip -n "$RB_NS_SRV" addr add "$DANTE_EXT/24" dev "$RB_IF_SRV" || rb_fail "addr $DANTE_EXT"
px_control_init
px_config "
$PX_CTL
inbounds = (
  { type = \"socks\"; tag = \"to-dante\"; listen = \"$RB_DP_CLI_IP4\"; listen_port = 1080; },
  { type = \"socks\"; tag = \"to-blocked\"; listen = \"$RB_DP_CLI_IP4\"; listen_port = 1081; },
  { type = \"socks\"; tag = \"to-tcponly\"; listen = \"$RB_DP_CLI_IP4\"; listen_port = 1082; },
  { type = \"socks\"; tag = \"to-byname\"; listen = \"$RB_DP_CLI_IP4\"; listen_port = 1083; }
);
outbounds = (
  { type = \"direct\"; tag = \"direct\"; },
  { type = \"block\"; tag = \"blk\"; },
  { type = \"socks\"; tag = \"dante\"; server = \"$RB_SRV_IP4\"; server_port = 1090; },
  { type = \"socks\"; tag = \"dante-tcp\"; server = \"$RB_SRV_IP4\"; server_port = 1090;
    network = \"tcp\"; },
  { type = \"socks\"; tag = \"dante-byname\"; server = \"dante.example.test\"; server_port = 1090; }
);
route = {
  rules = (
    { inbound = \"to-dante\"; network = \"udp\"; outbound = \"dante\"; },
    { inbound = \"to-blocked\"; network = \"udp\"; outbound = \"blk\"; },
    { inbound = \"to-tcponly\"; network = \"udp\"; outbound = \"dante-tcp\"; },
    { inbound = \"to-byname\"; network = \"udp\"; outbound = \"dante-byname\"; }
  );
  final = \"direct\";
};
$(px_dns_cfg)
"
px_start

px_dante_start 1090 "$DANTE_EXT"
px_dnsmasq_start
# the echo server logs each datagram's source ($RB_TMP/echo7777.log)
px_udp_echo_start 7777
px_wait_rules
ip netns exec "$RB_NS_CLI" ping -c 1 -W 1 "$RB_DP_CLI_IP4" >/dev/null 2>&1
rbctl() { px_rbctl "$@"; }
udp_client() { PX_UDP_TIMEOUT=60 px_udp_client "$@"; }
metric() { # name-and-labels
	px_scrape "$RB_TMP/m.txt"
	px_val "$RB_TMP/m.txt" "$1"
}
dante_idle() { [ "$(metric 'ringbox_proxy_outbound_conns_active{outbound="dante"}')" = 0 ]; }
E=$RB_SRV_IP4:7777

# 1. byte-exact echoes through dante (one session, then the same again),
# then the association stays open while conns and /metrics are read
rb_bg "$RB_TMP/udp1.log" udp_client 1080 "echo:$E:1" "echo:$E:512" "echo:$E:1000" \
	"echo:$E:1400" "echo:$E:1400" "echo:$E:7" sleep:4 "echo:$E:100" close
C1=$RB_BG_PID
rb_wait_for 15 grep -q "echo 7 bytes" "$RB_TMP/udp1.log" ||
	rb_fail "echo through dante: $(cat "$RB_TMP/udp1.log" | tr '\n' ' ')"
px_dante_children
J=$(rbctl conns --json --network udp) || rb_fail "conns: $J"
read -r n c_in c_out c_dst c_up <<<"$(echo "$J" | "$RB_PY" -c "
import json, sys
d = json.load(sys.stdin)['data']
c = d[0] if d else {}
print(len(d), c.get('inbound'), c.get('outbound'), c.get('dst'), c.get('up'))")"
rb_note "conns: $n association(s), inbound $c_in, outbound $c_out, dst $c_dst, up $c_up"
rb_assert_eq "$n" 1 "UDP associations in conns"
rb_assert_eq "$c_in" to-dante "association's inbound"
rb_assert_eq "$c_out" dante "association's outbound"
rb_assert_eq "$c_dst" "$E" "association's destination"
rb_assert_ge "$c_up" 4320 "bytes up in conns (payloads 1+512+1000+1400+1400+7)"
rb_assert_eq "$(metric 'ringbox_proxy_outbound_conns_total{outbound="dante"}')" 1 \
	"dante outbound: sessions routed"
rb_assert_eq "$(metric 'ringbox_proxy_outbound_conns_active{outbound="dante"}')" 1 \
	"dante outbound: sessions open"
rb_assert_ge "$(metric 'ringbox_proxy_outbound_bytes_total{outbound="dante",direction="down"}')" 4320 \
	"dante outbound: bytes down"
rb_assert_eq "$(metric 'ringbox_proxy_outbound_conns_total{outbound="direct"}')" 0 \
	"direct outbound: nothing"
wait "$C1" || rb_fail "client through dante: $(tail -3 "$RB_TMP/udp1.log" | tr '\n' ' ')"
rb_note "$(cat "$RB_TMP/udp1.log")"
# the echo server saw dante's external address only; dante logged the
# appliance's association
srcs=$(awk '/^from/ { split($2, a, ":"); print a[1] }' "$RB_TMP/echo7777.log" | sort -u | tr '\n' ' ')
rb_assert_eq "$srcs" "$DANTE_EXT " "sources the echo server saw"
rb_assert_eq "$(grep -c '^from' "$RB_TMP/echo7777.log")" 7 "datagrams the echo server saw"
grep -qi "udp" "$RB_TMP/danted.log" && grep -q "$RB_DP_SRV_IP4" "$RB_TMP/danted.log" ||
	rb_fail "dante's log shows no UDP association from $RB_DP_SRV_IP4: $(tail -3 "$RB_TMP/danted.log" | tr '\n' ' ')"
rb_wait_for 5 dante_idle ||
	rb_fail "the dante session outlived its client's association"

# 2. block, and a socks outbound limited to tcp: refused, counted, nothing sent
rb_dp_stats
rb_stats_mark
udp_client 1081 "echo:$E:10" >"$RB_TMP/udp2.log" 2>&1 && rb_fail "UDP to block answered"
rb_assert_match "$(cat "$RB_TMP/udp2.log")" "no answer" "block: no answer"
udp_client 1082 "echo:$E:10" >"$RB_TMP/udp2.log" 2>&1 && rb_fail "UDP through a tcp-only outbound answered"
rb_assert_match "$(cat "$RB_TMP/udp2.log")" "no answer" "tcp-only socks outbound: no answer"
rb_assert_eq "$(grep -c '^from' "$RB_TMP/echo7777.log")" 7 "the refused datagrams reached nobody"
rb_dp_stats
rb_assert_stat_delta_ge drop.proxy_udp_rejected 1
rb_assert_stat_delta_ge drop.proxy_udp_unsupported 1

# 3. a socks outbound whose server is a name: resolved through the
# dataplane (dnsmasq), then the same relay
udp_client 1083 "echo:$E:200" "echo:$E:1" >"$RB_TMP/udp3.log" 2>&1 ||
	rb_fail "UDP through a socks server given by name: $(tail -2 "$RB_TMP/udp3.log" | tr '\n' ' ')"
grep -q "query\[A\] dante.example.test from $RB_DP_SRV_IP4" "$RB_TMP/dnsmasq.log" ||
	rb_fail "the server's name was not resolved through the dataplane"
rb_assert_eq "$(metric 'ringbox_proxy_outbound_conns_total{outbound="dante-byname"}')" 1 \
	"dante-byname outbound: sessions routed"
rb_assert_eq "$(grep -c '^from' "$RB_TMP/echo7777.log")" 9 "datagrams the echo server saw"

# 4. dante goes away while the client's association stays: the control
# connection closes, the session ends (outbound gauge 0, association open)
rb_bg "$RB_TMP/udp4.log" udp_client 1080 "echo:$E:300" sleep:10 close
C4=$RB_BG_PID
rb_wait_for 15 grep -q "echo 300 bytes" "$RB_TMP/udp4.log" ||
	rb_fail "echo before dante stops: $(cat "$RB_TMP/udp4.log" | tr '\n' ' ')"
rb_assert_eq "$(metric 'ringbox_proxy_outbound_conns_active{outbound="dante"}')" 1 "session open"
# dante's children first (they would keep the association), then the master
px_dante_children
for p in $(pgrep -P "$PX_DANTE_PID"); do kill "$p"; done
kill "$PX_DANTE_PID"
wait "$PX_DANTE_PID" 2>/dev/null
rb_wait_for 5 dante_idle ||
	rb_fail "the session outlived dante's control connection"
rb_assert_eq "$(rbctl conns --json --network udp | "$RB_PY" -c 'import json,sys; print(len(json.load(sys.stdin)["data"]))')" 1 \
	"the client's association is still open"
wait "$C4" || rb_fail "client run 4: $(tail -3 "$RB_TMP/udp4.log" | tr '\n' ' ')"

rb_dp_stats
rb_assert_stat_ge event.proxy_udp_session 4
rb_assert_stat_ge event.proxy_udp_up 8
rb_assert_stat_ge event.proxy_udp_down 8
rb_dp_stop
rb_pass "UDP through a socks outbound to dante: byte-exact echoes (1..1400 B), conns/metrics on the dante outbound, block and tcp-only outbounds refused, server by name, session ends with dante's control connection"
