#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# SOCKS5 UDP ASSOCIATE (RFC 1928 7) through the socks and mixed inbounds:
# a python client in cli (tests/integration/socks5_udp.py) sends DNS
# queries through ringbox's UDP relay to dnsmasq in srv and checks the
# answers -- to an IP destination, and to a domain destination the
# appliance resolves itself.  dnsmasq sees the appliance's srv address as
# the client.  `conns` lists the association (network udp).  Malformed and
# fragmented datagrams are dropped and counted; a second session idles out
# after the inbound's udp_timeout (2 s, shorter than DNS's 10 s); the relay
# port goes away with the TCP connection; a reject rule for udp is counted,
# and so is a datagram from another address of the client's host.  A NAT
# session is the client's source port, whatever the destination: routed
# once by its first datagram (as sing-box), it carries the later
# destinations (another server, a name) through the same direct upstream.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/proxy_lib.sh"
rb_init
rb_topo_two_hosts
px_control_init
px_config "
$PX_CTL
inbounds = (
  { type = \"socks\"; tag = \"socks-in\"; listen = \"$RB_DP_CLI_IP4\"; listen_port = 1080;
    udp_timeout = \"2s\"; },
  { type = \"mixed\"; tag = \"mixed-in\"; listen = \"$RB_DP_CLI_IP4\"; listen_port = 2080; }
);
outbounds = ( { type = \"direct\"; tag = \"direct\"; } );
route = {
  rules = ( { network = \"udp\"; port = 5353; action = \"reject\"; } );
  final = \"direct\";
};
$(px_dns_cfg)
"
px_start
px_dnsmasq_start
# the route table must be in before the first session is routed
px_wait_rules
# a second client address: datagrams from it to an association are foreign
FOREIGN_IP=${RB_CLI_IP4%.*}.77
ip -n "$RB_NS_CLI" addr add "$FOREIGN_IP/24" dev "$RB_IF_CLI" || rb_fail "cannot add $FOREIGN_IP"
# ARP warm-up toward the server from the dataplane
ip netns exec "$RB_NS_CLI" ping -c 1 -W 1 "$RB_DP_CLI_IP4" >/dev/null 2>&1
rbctl() { px_rbctl "$@"; }
udp_client() { px_udp_client "$@"; }

# 1. socks inbound: IP destination (twice: the second reuses the session),
# a domain destination resolved by the appliance, bad datagrams, idle
# timeout, then the association ends with its TCP connection
rb_bg "$RB_TMP/udp1.log" udp_client 1080 \
	"dns:$RB_SRV_IP4:53:www.example.test:$RB_SRV_IP4" \
	"dns:$RB_SRV_IP4:53:www2.example.test:$RB_SRV_IP4" \
	"dns:ns.example.test:53:www3.example.test:$RB_SRV_IP4" \
	"bad:000000090102" "bad:0000" "bad:0000010100000000ffff00" "bad:000000030000350000" \
	"foreign:$FOREIGN_IP:$RB_SRV_IP4:53:foreign.example.test" \
	sleep:3 close
C1=$RB_BG_PID
# while it runs: the association is in the connections table
rb_wait_for 10 sh -c "'${RB_CTLCLI:-$RB_BUILD/tools/ringboxctl}' -s '$PX_SOCK' --json conns --network udp | grep -q '\"network\":\"udp\"'" ||
	rb_fail "no udp association in conns: $(rbctl conns 2>&1)"
rb_expect_ok "conns --network udp" rbctl conns --network udp
rb_note "$RB_OUT"
rb_assert_match "$RB_OUT" "socks-in" "association on socks-in"
wait "$C1" || rb_fail "client run 1: $(tail -3 "$RB_TMP/udp1.log" | tr '\n' ' ')"
out=$(cat "$RB_TMP/udp1.log")
rb_note "$out"
rb_assert_match "$out" "dns www.example.test -> $RB_SRV_IP4 \\(reply from $RB_SRV_IP4:53\\)" "IP destination answered"
rb_assert_match "$out" "dns www2.example.test -> $RB_SRV_IP4" "second query on the same session"
rb_assert_match "$out" "dns www3.example.test -> $RB_SRV_IP4" "domain destination resolved by the appliance"
rb_assert_match "$out" "foreign $FOREIGN_IP: no answer" "a datagram from another address"
grep -q "foreign.example.test" "$RB_TMP/dnsmasq.log" && rb_fail "the foreign datagram reached dnsmasq"
grep -q "query\[A\] www.example.test from $RB_DP_SRV_IP4" "$RB_TMP/dnsmasq.log" ||
	rb_fail "dnsmasq did not see the query from $RB_DP_SRV_IP4: $(grep query "$RB_TMP/dnsmasq.log" | tail -3)"
rb_dp_stats
rb_assert_stat_ge event.proxy_udp_session 1
rb_assert_eq "$(rb_stat event.proxy_udp_session)" 1 "one NAT session for three destinations of one port"

# 1b. a session whose first datagram the rules reject: no answer, counted;
# the client stops there (exit 1)
out=$(udp_client 1080 "dns:$RB_SRV_IP4:5353:rejected.example.test:x" 2>&1)
rb_note "$out"
rb_assert_match "$out" "FAIL dns rejected.example.test via $RB_SRV_IP4: no answer" "udp reject rule"
grep -q "rejected.example.test" "$RB_TMP/dnsmasq.log" && rb_fail "the rejected query reached dnsmasq"

# 2. mixed inbound: idle timeout (2 s from socks-in does not apply: mixed
# keeps DNS's 10 s, so the session lives), and the close
rb_expect_ok "mixed UDP ASSOCIATE" udp_client 2080 \
	"dns:$RB_SRV_IP4:53:m.example.test:$RB_SRV_IP4" "bad:00000001" close
rb_note "$RB_OUT"

# 3. socks inbound: the session idles out after udp_timeout (2 s)
rb_expect_ok "idle timeout run" udp_client 1080 \
	"dns:$RB_SRV_IP4:53:t1.example.test:$RB_SRV_IP4" sleep:3 \
	"dns:$RB_SRV_IP4:53:t2.example.test:$RB_SRV_IP4" close
rb_wait_for 5 sh -c "! '${RB_CTLCLI:-$RB_BUILD/tools/ringboxctl}' -s '$PX_SOCK' --json conns --network udp | grep -q '\"network\"'" ||
	rb_fail "associations left after their TCP connections closed: $(rbctl conns)"

rb_dp_stats
rb_assert_stat_ge event.proxy_udp_assoc 3
rb_assert_stat_ge event.proxy_udp_session 4
rb_assert_stat_ge event.proxy_udp_up 6
rb_assert_stat_ge event.proxy_udp_down 6
rb_assert_stat_ge event.proxy_udp_timeout 1
rb_assert_stat_ge drop.proxy_udp_malformed 4
rb_assert_stat_ge drop.proxy_udp_fragment 1
rb_assert_stat_ge drop.proxy_udp_rejected 1
rb_assert_stat_ge drop.proxy_udp_foreign 1
rb_dp_stop
rb_pass "DNS through SOCKS5 UDP ASSOCIATE (IP and domain destinations, socks and mixed), bad datagrams counted, idle timeout, association ends with TCP"
