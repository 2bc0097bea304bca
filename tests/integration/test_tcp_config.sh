#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# dataplane.tcp's congestion control, SYN cookies and RTO floor reach the
# running dataplane, and an inbound's tcp_* keys override them:
#
#   dataplane.tcp { congestion_control = "newreno"; syn_cookies = "always";
#                   rto_min_ms = 300; delack_ms = 20; }
#   socks-in   (no tcp_* key: the dataplane.tcp defaults)
#   http-in    tcp_congestion_control = "cubic"; tcp_syn_cookies = "never";
#
# curl in cli fetches from nginx in srv through each inbound.  While two
# rate-limited downloads run, `ringboxctl conns --json` shows each session's
# TCP connections (tcp: the client's, up_tcp: the dial to nginx): socks-in's
# client connection and both dials run newreno, http-in's client connection
# cubic; every RTO after an RTT sample is at least rto_min_ms.  The SYN
# cookie counters in /metrics (ringbox_events_total tcp_syncookie_sent/_ok)
# move by one for every handshake on socks-in and not at all on http-in.
# With the keys ignored every one of these checks fails (cubic, auto
# cookies: none sent, RTO floor 200 ms).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/proxy_lib.sh"
rb_init
rb_require_cmd curl
PX_BIG=${PX_BIG:-8}
RTO_MIN_MS=300
N_SHORT=4       # short requests per inbound (each its own connection)
RATE=200        # KiB/s, the two long downloads
RB_CFG_DP_EXTRA="tcp = { congestion_control = \"newreno\"; syn_cookies = \"always\";
  rto_min_ms = $RTO_MIN_MS; delack_ms = 20; };"
rb_topo_two_hosts
# a small client window: curl --limit-rate then reads steadily (ACKs flow)
rb_ns_rcvbuf_max "$RB_NS_CLI" 262144
px_control_init
px_config "
$PX_CTL
inbounds = (
  { type = \"socks\"; tag = \"socks-in\"; listen = \"$RB_DP_CLI_IP4\"; listen_port = 1080; },
  { type = \"http\"; tag = \"http-in\"; listen = \"$RB_DP_CLI_IP4\"; listen_port = 3128;
    tcp_congestion_control = \"cubic\"; tcp_syn_cookies = \"never\"; tcp_backlog = 64; }
);
outbounds = ( { type = \"direct\"; tag = \"direct\"; } );
route = { final = \"direct\"; };
"
px_start nginx
P=$RB_DP_CLI_IP4
px_wait_proxy "http://$P:3128"
px_wait_rules
rbctl() { px_rbctl "$@"; }

# the SYN cookie counters (all lcores) in a scrape
cookies() { # file event
	awk -v e="ringbox_events_total{event=\"$2\"," 'index($1, e) == 1 { n += $2 } END { print n + 0 }' "$1"
}
# short requests through one inbound, then the counters' moves
short_requests() { # proxy-url file-before file-after
	local i
	px_scrape "$2"
	for ((i = 0; i < N_SHORT; i++)); do
		px_curl -f -o /dev/null -x "$1" "http://$RB_SRV_IP4:8080/" || rb_fail "curl -x $1: $PX_OUT"
	done
	px_scrape "$3"
}
delta() { # event before after
	echo $(($(cookies "$3" "$1") - $(cookies "$2" "$1")))
}

# 1. SYN cookies: every handshake on socks-in (always), none on http-in (never)
short_requests "socks5://$P:1080" "$RB_TMP/s0.txt" "$RB_TMP/s1.txt"
sent=$(delta tcp_syncookie_sent "$RB_TMP/s0.txt" "$RB_TMP/s1.txt")
ok=$(delta tcp_syncookie_ok "$RB_TMP/s0.txt" "$RB_TMP/s1.txt")
rb_note "socks-in: $N_SHORT connections, SYN cookies sent $sent, validated $ok"
rb_assert_ge "$sent" "$N_SHORT" "SYN cookies sent for $N_SHORT handshakes on socks-in (syn_cookies = always)"
rb_assert_eq "$ok" "$N_SHORT" "SYN cookies validated on socks-in"
short_requests "http://$P:3128" "$RB_TMP/h0.txt" "$RB_TMP/h1.txt"
sent=$(delta tcp_syncookie_sent "$RB_TMP/h0.txt" "$RB_TMP/h1.txt")
ok=$(delta tcp_syncookie_ok "$RB_TMP/h0.txt" "$RB_TMP/h1.txt")
rb_note "http-in: $N_SHORT connections, SYN cookies sent $sent, validated $ok"
rb_assert_eq "$sent" 0 "SYN cookies sent on http-in (tcp_syn_cookies = never)"
rb_assert_eq "$ok" 0 "SYN cookies validated on http-in"

# 2. per-connection TCP: two long downloads, one per inbound
rb_bg "$RB_TMP/curl_s.log" ip netns exec "$RB_NS_CLI" curl -sS --limit-rate ${RATE}k -o /dev/null \
	-x "socks5://$P:1080" "http://$RB_SRV_IP4:8080/big.bin"
rb_bg "$RB_TMP/curl_h.log" ip netns exec "$RB_NS_CLI" curl -sS --limit-rate ${RATE}k -o /dev/null \
	-x "http://$P:3128" "http://$RB_SRV_IP4:8080/big.bin"
# inbound tcp.cc tcp.rto_us tcp.srtt_us up_tcp.cc up_tcp.rto_us up_tcp.srtt_us, one
# line per relayed session with an RTT sample on both connections
rows() {
	rbctl conns --json | "$RB_PY" -c "
import json, sys
for c in json.load(sys.stdin)['data']:
    t, u = c.get('tcp'), c.get('up_tcp')
    if c['state'] == 'relay' and t and u and int(t['srtt_us']) > 0 and int(u['srtt_us']) > 0:
        print(c['inbound'], t['cc'], t['rto_us'], t['srtt_us'], u['cc'], u['rto_us'], u['srtt_us'])"
}
two_rows() { [ "$(rows | wc -l)" -eq 2 ]; }
rb_wait_for 15 two_rows || rb_fail "two relayed sessions with TCP info never showed: $(rbctl conns --json 2>&1)"
rb_expect_ok "conns" rbctl conns
rb_note "$RB_OUT"
ROWS=$(rows)
rb_note "inbound cc rto_us srtt_us | upstream cc rto_us srtt_us:
$ROWS"
check_row() { # inbound cli-cc
	local in cc rto srtt ucc urto usrtt
	read -r in cc rto srtt ucc urto usrtt <<<"$(grep "^$1 " <<<"$ROWS")"
	rb_assert_eq "$in" "$1" "a session on $1"
	rb_assert_eq "$cc" "$2" "$1: the client connection's congestion control"
	rb_assert_eq "$ucc" newreno "$1: the upstream dial's congestion control (dataplane.tcp)"
	rb_assert_ge "$rto" "$((RTO_MIN_MS * 1000))" "$1: client connection RTO (us) >= rto_min_ms"
	rb_assert_ge "$urto" "$((RTO_MIN_MS * 1000))" "$1: upstream RTO (us) >= rto_min_ms"
	# an RTT sample was taken, so the RTO is no longer rto_init_ms (1 s)
	[ "$rto" -lt 1000000 ] && [ "$urto" -lt 1000000 ] ||
		rb_fail "$1: RTO $rto / $urto us is still the initial 1 s after an RTT sample"
}
check_row socks-in newreno
check_row http-in cubic
rb_expect_ok "conns close --all" rbctl conns close --all
rb_dp_stop
rb_pass "newreno, syn_cookies always (socks-in $N_SHORT/$N_SHORT cookies, http-in none), RTO >= ${RTO_MIN_MS} ms; http-in's cubic override"
