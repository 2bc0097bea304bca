#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# The socks outbound's UDP ASSOCIATE client against a misbehaving SOCKS5
# server (socks5_udp_server.py in srv): a refused ASSOCIATE (REP=1) and a
# bad version are dial failures of their outbound and the client gets no
# answer; a relay whose BND.ADDR is 0.0.0.0 (= the server) and that sends a
# fragment, a bad ATYP and a 2-byte datagram before each good echo: the bad
# ones are dropped and counted, the echoes arrive byte-exact; a server that
# closes the control connection ends the session (its outbound's gauge
# drops to 0) while the client's association stays open.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/proxy_lib.sh"
rb_init
rb_require_cmd curl
rb_topo_two_hosts
px_control_init
in_() { # tag port
	echo "{ type = \"socks\"; tag = \"$1\"; listen = \"$RB_DP_CLI_IP4\"; listen_port = $2; }"
}
out_() { # tag port
	echo "{ type = \"socks\"; tag = \"$1\"; server = \"$RB_SRV_IP4\"; server_port = $2; }"
}
px_config "
$PX_CTL
inbounds = ( $(in_ to-refuse 1080), $(in_ to-garbage 1081), $(in_ to-relay 1082),
             $(in_ to-closer 1083) );
outbounds = ( { type = \"direct\"; tag = \"direct\"; }, $(out_ s-refuse 1100),
              $(out_ s-garbage 1101), $(out_ s-relay 1102), $(out_ s-closer 1103) );
route = {
  rules = (
    { inbound = \"to-refuse\"; outbound = \"s-refuse\"; },
    { inbound = \"to-garbage\"; outbound = \"s-garbage\"; },
    { inbound = \"to-relay\"; outbound = \"s-relay\"; },
    { inbound = \"to-closer\"; outbound = \"s-closer\"; }
  );
  final = \"direct\";
};
"
px_start
rb_bg "$RB_TMP/server.log" ip netns exec "$RB_NS_SRV" "$RB_PY" "$RB_LIB_DIR/socks5_udp_server.py" \
	"$RB_SRV_IP4" 1100
rb_wait_for 5 grep -q ready "$RB_TMP/server.log" || rb_fail "the scripted server did not start"
px_wait_rules
ip netns exec "$RB_NS_CLI" ping -c 1 -W 1 "$RB_DP_CLI_IP4" >/dev/null 2>&1
metric() { # series
	px_scrape "$RB_TMP/m.txt"
	px_val "$RB_TMP/m.txt" "$1"
}
closer_idle() { [ "$(metric 'ringbox_proxy_outbound_conns_active{outbound="s-closer"}')" = 0 ]; }
E=$RB_SRV_IP4:7777
rb_dp_stats
rb_stats_mark

# 1. refused and garbled handshakes: no answer, a dial failure each
for m in refuse:1080 garbage:1081; do
	px_udp_client "${m#*:}" "echo:$E:10" >"$RB_TMP/c.log" 2>&1 && rb_fail "${m%%:*}: answered"
	rb_assert_match "$(cat "$RB_TMP/c.log")" "no answer" "${m%%:*}: the client got nothing"
	rb_assert_ge "$(metric "ringbox_proxy_dial_failures_total{outbound=\"s-${m%%:*}\"}")" 1 \
		"${m%%:*}: dial failures of its outbound"
done
grep -q "refuse: request cmd 3" "$RB_TMP/server.log" || rb_fail "refuse: no UDP ASSOCIATE request seen"

# 2. the relay: three bad datagrams before each echo
rb_expect_ok "echoes past bad datagrams" px_udp_client 1082 "echo:$E:100" "echo:$E:1400"
rb_note "$RB_OUT"
grep -q "relay: datagram of 1400 bytes for $RB_SRV_IP4:7777" "$RB_TMP/server.log" ||
	rb_fail "the relay did not see the datagram: $(tail -3 "$RB_TMP/server.log" | tr '\n' ' ')"
rb_dp_stats
rb_assert_stat_delta_ge drop.proxy_udp_fragment 2
rb_assert_stat_delta_ge drop.proxy_udp_malformed 4
rb_assert_stat_delta_ge event.proxy_udp_down 2

# 3. the server closes the control connection: the session ends, the
# client's association stays
rb_bg "$RB_TMP/c4.log" px_udp_client 1083 "echo:$E:50" sleep:5 close
C4=$RB_BG_PID
rb_wait_for 10 grep -q "echo 50 bytes" "$RB_TMP/c4.log" ||
	rb_fail "closer: no echo: $(cat "$RB_TMP/c4.log" | tr '\n' ' ')"
rb_wait_for 5 closer_idle || rb_fail "the session outlived its control connection"
grep -q "closer: control connection closed" "$RB_TMP/server.log" || rb_fail "closer did not close"
n=$(px_rbctl conns --json --network udp | "$RB_PY" -c 'import json,sys; print(len(json.load(sys.stdin)["data"]))')
rb_assert_eq "$n" 1 "the client's association is still open"
wait "$C4" || rb_fail "closer client: $(tail -2 "$RB_TMP/c4.log" | tr '\n' ' ')"
rb_dp_stop
rb_pass "refused/garbled UDP ASSOCIATE counted as dial failures, fragments and bad headers from the relay dropped and counted (echoes byte-exact), control close ends the session"
