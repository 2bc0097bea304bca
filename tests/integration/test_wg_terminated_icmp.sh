#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# WireGuard terminated mode: the ICMP echo relay (network "icmp", as
# sing-box 1.13) and the direct outbound's override for tunnel traffic.
# The wireguard-go peer in cli pings hosts in srv through the tunnel:
#  - routed to direct: replies arrive (IPv4: 56, 1000 and 2000 bytes, the
#    last in fragments both ways; IPv6: 56, 1200 and 2000 bytes) with ping's own
#    id, every sequence once and its payload pattern; srv's tcpdump sees
#    the requests from ringbox's srv-side address, never the peer's tunnel
#    address; `conns` lists the sessions (network icmp,
#    source = the peer's address:its echo id, bytes up = down);
#  - an icmp rule to block: no reply, counted (drop.wg_icmp_rejected);
#  - a reject rule: port unreachable from the pinged address;
#  - a socks outbound: not relayed, counted (drop.wg_icmp_unsupported);
#  - UDP and TCP to port 7100 go to a direct outbound whose
#    override_address/override_port send them to srv's echo servers on
#    7000: answered from the address the peer dialled;
#  - ICMPv6 echo behind extension headers (wg_ext_ping.py, scapy, written
#    onto the peer's tun): Hop-by-Hop, Destination Options, a Routing header
#    with nothing left, options before fragments are relayed and answered;
#    a Routing header with segments left, an option with action 10 and
#    Hop-by-Hop not first get the Parameter Problem RFC 8200 4 asks for from
#    the pinged address; action 01 and 9 headers are dropped; each counted;
#    fragments whose fragmentable part begins with Destination Options
#    (+ Routing) are reassembled and relayed; with an action-10 option or
#    Hop-by-Hop there, Parameter Problems; 9 headers, a chain past the first
#    fragment and one ending in an unknown Next Header: counted drops.
. "$(dirname "$0")/wg_lib.sh"
wg_test_init socat tcpdump
BLK=10.$RB_NET.2.5      # srv answers it too: only the rules keep pings away
REJ=10.$RB_NET.2.6
SOX=10.$RB_NET.2.7
FAR=10.$RB_NET.2.77     # nobody: the override sends its traffic to srv
for a in "$BLK" "$REJ" "$SOX"; do
	ip -n "$RB_NS_SRV" addr add "$a/24" dev "$RB_IF_SRV" || rb_fail "addr $a"
done
wg_endpoint_cfg "" 'mode = "terminated";'
px_control_init
px_config "$RB_CFG_EXTRA
$PX_CTL
outbounds = ( { type = \"direct\"; tag = \"direct\"; },
              { type = \"block\"; tag = \"blk\"; },
              { type = \"socks\"; tag = \"sx\"; server = \"$RB_SRV_IP4\"; server_port = 1090; },
              { type = \"direct\"; tag = \"ovr\"; override_address = \"$RB_SRV_IP4\";
                override_port = 7000; },
              { type = \"direct\"; tag = \"ovrd\"; override_address = \"echo.example.test\";
                override_port = 7000; } );
$(px_dns_cfg)
route = { rules = ( { inbound = [ \"wg0\" ]; network = \"icmp\"; ip_cidr = [ \"$BLK/32\" ]; outbound = \"blk\"; },
                    { inbound = [ \"wg0\" ]; network = \"icmp\"; ip_cidr = [ \"$REJ/32\" ]; action = \"reject\"; },
                    { inbound = [ \"wg0\" ]; ip_cidr = [ \"$SOX/32\" ]; outbound = \"sx\"; },
                    { inbound = [ \"wg0\" ]; port = [ 7100 ]; outbound = \"ovr\"; },
                    { inbound = [ \"wg0\" ]; port = [ 7200 ]; outbound = \"ovrd\"; },
                    { inbound = [ \"wg0\" ]; outbound = \"direct\"; } );
          final = \"direct\"; };
"
rb_dp_start
px_dnsmasq_start
px_control_start
px_wait_rules
wg_peer_up 1
rb_ns "$RB_NS_SRV" tcpdump -i "$RB_IF_SRV" -n -l icmp or icmp6 >"$RB_TMP/srv_icmp.txt" 2>/dev/null &
RB_PIDS+=("$!")

# the tunnel comes up with the first tries
rb_wait_for 15 rb_ns "$RB_NS_CLI" ping -n -c 1 -W 1 "$RB_SRV_IP4" ||
	rb_fail "no echo reply through the terminated tunnel"
rb_dp_stats
rb_stats_mark
curl -sf --max-time 5 "http://127.0.0.1:$PX_MPORT/metrics" >"$RB_TMP/metrics0.txt" ||
	rb_fail "GET /metrics"

# `route test --network icmp` takes the icmp rules; tcp skips them
rt() { # dst network -> "rule outbound"
	px_rbctl route test --inbound wg0 --dst "$1" --network "$2" --json | "$RB_PY" -c "
import json, sys
d = json.load(sys.stdin)['data']
print(d['rule'], d.get('outbound', d['result']))"
}
rb_assert_eq "$(rt "$BLK:0" icmp)" "0 blk" "route test icmp to $BLK"
rb_assert_eq "$(rt "$BLK:80" tcp)" "5 direct" "route test tcp to $BLK"
rb_assert_eq "$(rt "$REJ:0" icmp)" "1 reject" "route test icmp to $REJ"

# (1) direct: every reply, with ping's id, sequence and payload pattern
ping_exact() { # addr count size
	rb_ping "$RB_NS_CLI" "$1" "$2" -s "$3" -p a5c3 -I "$RB_WG_IF" -W 6 # the wait bounds a loaded machine, it is no timing check
	local rcvd seqs
	rcvd=$(echo "$RB_OUT" | sed -n 's/.* \([0-9]*\) received.*/\1/p')
	if [ "${rcvd:-0}" != "$2" ]; then
		rb_dp_stats
		rb_fail "ping -s $3 $1: ${rcvd:-0}/$2 replies: $RB_OUT; counters:" \
			"$(for k in "${!RB_STATS[@]}"; do case $k in drop.*|*frag*|*icmp*|*wg_tx*) echo "$k=${RB_STATS[$k]}";; esac; done | sort | tr '\n' ' ')"
	fi
	echo "$RB_OUT" | grep -q "wrong data\|DUP!\|truncated" && rb_fail "ping -s $3 $1: $RB_OUT"
	seqs=$(echo "$RB_OUT" | sed -n 's/.*icmp_seq=\([0-9]*\) .*/\1/p' | sort -n | tr '\n' ' ')
	rb_assert_eq "$seqs" "$(seq -s ' ' 1 "$2") " "sequences of ping -s $3 $1"
	echo "$RB_OUT" | grep -q "^$(($3 + 8)) bytes from $1: icmp_seq=1 " ||
		rb_fail "ping -s $3 $1: replies not of $(($3 + 8)) bytes from $1: $RB_OUT"
}
ping_exact "$RB_SRV_IP4" 4 56
ping_exact "$RB_SRV_IP4" 3 1000
ping_exact "$RB_SRV_IP4" 3 2000
ping_exact "$RB_SRV_IP6" 4 56
ping_exact "$RB_SRV_IP6" 3 1200
ping_exact "$RB_SRV_IP6" 2 2000
rb_dp_stats
rb_assert_eq "$(rb_stat_delta drop.wg_icmp_dropped)" 0 "echo requests dropped"
rb_assert_stat_delta_ge event.wg_icmp_sessions 5
rb_assert_stat_delta_ge event.wg_icmp_forwarded 17
rb_assert_stat_delta_ge event.wg_icmp_reply 17
rb_assert_stat_delta_ge event.frag_reassembled 6   # 3 requests from the tunnel, 3 replies from srv

# srv saw the requests from ringbox's address (with ringbox's ids: ping took
# the replies above as its own only because they came back rewritten)
sleep 0.5
grep -q "$RB_DP_SRV_IP4 > $RB_SRV_IP4: ICMP echo request" "$RB_TMP/srv_icmp.txt" ||
	rb_fail "srv saw no echo request from $RB_DP_SRV_IP4: $(head -5 "$RB_TMP/srv_icmp.txt")"
grep -q "$RB_DP_SRV_IP6 > $RB_SRV_IP6: ICMP6, echo request" "$RB_TMP/srv_icmp.txt" ||
	rb_fail "srv saw no ICMPv6 echo request from $RB_DP_SRV_IP6: $(grep ICMP6 "$RB_TMP/srv_icmp.txt" | head -3)"
grep -q "10\.99\.0\.2\|fd99::2" "$RB_TMP/srv_icmp.txt" &&
	rb_fail "srv saw the peer's tunnel address: $(grep '10\.99\.0\.2\|fd99::2' "$RB_TMP/srv_icmp.txt" | head -3)"

# (2) the sessions in conns: network icmp, inbound wg0, rule 5, direct;
# one per ping run (its id), bytes up = down = count * (size + 8)
J=$(px_rbctl conns --json --network icmp --inbound wg0) || rb_fail "conns --network icmp: $J"
rows=$(echo "$J" | "$RB_PY" -c "
import json, sys
for c in json.load(sys.stdin)['data']:
    print(c['network'], c['inbound'], c['src'], c['dst'], c['rule'], c['outbound'], c['up'], c['down'])")
rb_note "icmp sessions of wg0: $(echo "$rows" | tr '\n' ';')"
for want in "10.99.0.2 $RB_SRV_IP4 256" "10.99.0.2 $RB_SRV_IP4 3024" "10.99.0.2 $RB_SRV_IP4 6024" \
	"\[fd99::2\] \[$RB_SRV_IP6\] 256" "\[fd99::2\] \[$RB_SRV_IP6\] 3624"; do
	set -- $want
	echo "$rows" | grep -q "^icmp wg0 $1:[0-9]* $2:0 5 direct $3 $3\$" ||
		rb_fail "no icmp session $1 -> $2 with $3 bytes each way: $rows"
done
# ... counted in the proxy metrics of inbound wg0 and outbound direct
curl -sf --max-time 5 "http://127.0.0.1:$PX_MPORT/metrics" >"$RB_TMP/metrics1.txt" ||
	rb_fail "GET /metrics"
mdelta() { # metric-with-labels
	echo $(($(awk -v k="$1" '$1 == k {print $2}' "$RB_TMP/metrics1.txt") - \
		$(awk -v k="$1" '$1 == k {print $2}' "$RB_TMP/metrics0.txt")))
}
rb_assert_ge "$(mdelta 'ringbox_proxy_conns_total{inbound="wg0"}')" 5 "wg0 connections (icmp sessions)"
rb_assert_ge "$(mdelta 'ringbox_proxy_outbound_conns_total{outbound="direct"}')" 5 "direct connections"
rb_assert_ge "$(mdelta 'ringbox_proxy_bytes_total{inbound="wg0",direction="down"}')" 13184 "wg0 bytes down"
# `conns close` ends an icmp session (its id table entry goes with it); the
# relay goes on for the next ping
id1=$(echo "$J" | "$RB_PY" -c "import json, sys; print(json.load(sys.stdin)['data'][0]['id'])")
rb_expect_ok "conns close $id1" px_rbctl conns close "$id1"
rb_wait_for 5 sh -c "! '${RB_CTLCLI:-$RB_BUILD/tools/ringboxctl}' -s '$PX_SOCK' --json conns --network icmp | grep -q '\"id\":$id1[,}]'" ||
	rb_fail "icmp session $id1 still listed after conns close"
ping_exact "$RB_SRV_IP4" 2 56

# (3) block, reject, socks: not relayed, counted
rb_dp_stats
rb_stats_mark
rb_ping "$RB_NS_CLI" "$BLK" 3 -W 1 && rb_fail "a ping routed to block was answered: $RB_OUT"
rb_ping "$RB_NS_CLI" "$SOX" 2 -W 1 && rb_fail "a ping routed to socks was answered: $RB_OUT"
rb_ping "$RB_NS_CLI" "$REJ" 2 -W 3 && rb_fail "a ping to a reject rule was answered: $RB_OUT"
REJ_OUT=$RB_OUT
rb_dp_stats
rb_assert_eq "$(rb_stat_delta drop.wg_icmp_rejected)" 5 "pings to block and reject (wg_icmp_rejected)"
rb_assert_eq "$(rb_stat_delta drop.wg_icmp_unsupported)" 2 "pings to socks (wg_icmp_unsupported)"
rb_assert_eq "$(rb_stat_delta event.wg_icmp_unreach)" 2 "port unreachables for the reject rule"
echo "$REJ_OUT" | grep -q "From $REJ icmp_seq=[12] Destination Port Unreachable" ||
	rb_fail "no port unreachable from $REJ: $REJ_OUT (wg_tx_data +$(rb_stat_delta event.wg_tx_data))"
rb_assert_eq "$(rb_stat_delta event.wg_icmp_sessions)" 0 "sessions opened by refused pings"
grep -q "> $BLK: ICMP\|> $SOX: ICMP\|> $REJ: ICMP" "$RB_TMP/srv_icmp.txt" &&
	rb_fail "srv saw a refused ping: $(grep "> $BLK\|> $SOX\|> $REJ" "$RB_TMP/srv_icmp.txt" | head -3)"

# (4) the direct outbound's override for the tunnel's UDP and TCP:
# FAR:7100 -> ovr -> srv:7000, answered from FAR:7100
rb_bg "$RB_TMP/uecho.out" ip netns exec "$RB_NS_SRV" socat \
	"UDP4-RECVFROM:7000,bind=$RB_SRV_IP4,fork" 'SYSTEM:read l; echo "$l udp from $SOCAT_PEERADDR"'
rb_bg "$RB_TMP/techo.out" ip netns exec "$RB_NS_SRV" socat \
	"TCP4-LISTEN:7000,bind=$RB_SRV_IP4,reuseaddr,fork" 'SYSTEM:read l; echo "$l tcp from $SOCAT_PEERADDR"'
sleep 0.3
out=$(echo u1 | ip netns exec "$RB_NS_CLI" timeout 5 socat -t 3 -T 3 - "UDP4:$FAR:7100" 2>&1)
rb_assert_eq "$out" "u1 udp from $RB_DP_SRV_IP4" "UDP to $FAR:7100 through the override"
out=$(echo t1 | ip netns exec "$RB_NS_CLI" timeout 5 socat -t 3 -T 3 - "TCP4:$FAR:7100" 2>&1)
rb_assert_eq "$out" "t1 tcp from $RB_DP_SRV_IP4" "TCP to $FAR:7100 through the override"
# ... a domain override_address is resolved first (dnsmasq in srv), the
# datagrams wait for it
out=$(echo u2 | ip netns exec "$RB_NS_CLI" timeout 8 socat -t 6 -T 6 - "UDP4:$FAR:7200" 2>&1)
rb_assert_eq "$out" "u2 udp from $RB_DP_SRV_IP4" "UDP to $FAR:7200 through a domain override"
grep -q "query\[A\] echo.example.test" "$RB_TMP/dnsmasq.log" ||
	rb_fail "echo.example.test was never asked: $(tail -3 "$RB_TMP/dnsmasq.log")"
J=$(px_rbctl conns --json --network udp --inbound wg0) || rb_fail "conns --network udp: $J"
echo "$J" | "$RB_PY" -c "
import json, sys
rows = [c for c in json.load(sys.stdin)['data'] if c['dst'].startswith('$RB_SRV_IP4:7000')]
sys.exit(0 if any(c['outbound'] == 'ovr' for c in rows) else 1)" ||
	rb_fail "no UDP session to the override target $RB_SRV_IP4:7000 in conns: $J"

# (5) ICMPv6 behind extension headers, as its destination would take them
rb_dp_stats
rb_stats_mark
out=$(ip netns exec "$RB_NS_CLI" "$RB_PY" "$RB_LIB_DIR/wg_ext.py" ping "$RB_WG_IF" fd99::2 \
	"$RB_SRV_IP6" 2>&1) || rb_fail "wg_ext.py ping: $out"
rb_note "extension header pings: $(echo "$out" | tr '\n' ';')"
rb_assert_eq "$out" "hbh reply
dstopts reply
hbh_dst_rt0_dst reply
dst_then_fragments reply
routing_segleft pp 0 42
option_action_10 pp 2 42
option_action_01 none
hbh_not_first pp 1 40
nine_headers none
fragments_then_dst reply
fragments_then_dst_rt0 reply
fragments_then_option_10 pp 2 42
fragments_then_hbh pp 1 40
fragments_then_nine none
fragments_chain_past_first none
fragments_then_unknown_nh none" "echo requests behind extension headers"
rb_dp_stats
rb_assert_eq "$(rb_stat_delta drop.ip6_routing_segleft)" 1 "Routing header with segments left"
rb_assert_eq "$(rb_stat_delta drop.ip6_bad_option)" 3 "options with actions 10 (twice) and 01"
# Hop-by-Hop not first: once unfragmented, and in each of 3 fragments
rb_assert_eq "$(rb_stat_delta drop.ip6_hbh_not_first)" 4 "Hop-by-Hop not first"
# 9 headers: unfragmented, and in the first fragment (the others wait)
rb_assert_eq "$(rb_stat_delta drop.ip6_exthdr_limit)" 2 "9 extension headers"
# the first fragment ends inside the chain (RFC 7112); the second waits
rb_assert_eq "$(rb_stat_delta drop.frag_bad)" 1 "a chain past the first fragment"
rb_assert_eq "$(rb_stat_delta drop.wg_frag_proto)" 1 "a reassembled chain ending in Next Header 253"
rb_assert_ge "$(rb_stat_delta event.wg_ext_param_problem)" 5 "Parameter Problems into the tunnel"
rb_assert_stat_delta_ge event.wg_ext_taken 7 # 3 requests, 2 fragments, 2 reassembled
rb_assert_stat_delta_ge event.wg_icmp_sessions 6 # relayed (their own ids), not routed
rb_assert_stat_delta_ge event.wg_icmp_reply 6
rb_assert_eq "$(rb_stat_delta drop.wg_icmp_dropped)" 0 "echo requests dropped"
grep -q "fd99::2" "$RB_TMP/srv_icmp.txt" &&
	rb_fail "srv saw the peer's tunnel address: $(grep 'fd99::2' "$RB_TMP/srv_icmp.txt" | head -3)"

rb_dp_stop
rb_pass
