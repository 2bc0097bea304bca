#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# `ringboxctl conns` and `conns close` on the real dataplane: two slow
# (rate-limited) downloads from nginx in srv, one through socks5h:// as
# user alice to a name (resolved through the dataplane by dnsmasq in srv,
# matched by a domain_suffix rule), one through the http inbound to an IP
# (route.final).  `conns` shows each with inbound, user, source,
# destination (domain and IP), rule, outbound and moving byte counts; the
# filters select them; `conns close ID` cuts the first (the client's
# kernel takes the reset, its curl fails) while the second keeps going;
# `conns close --all` ends the second.
# The TCP rows (tcp, up_tcp) are refreshed in bounded slices: with one
# session a millisecond (RB_CONNS_ROWS_SLICE=1, a test knob) both sessions'
# rows must fill, so the sweep's cursor moves past the first slice.
# The client's receive buffer is capped (rb_ns_rcvbuf_max): with an
# autotuned multi-MB buffer curl --limit-rate reads a burst and sleeps for
# seconds, and a reset reaches curl only after the bytes queued before it.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/proxy_lib.sh"
rb_init
rb_require_cmd curl dnsmasq
PX_BIG=${PX_BIG:-16}
RATE=200 # KiB/s, each curl
RCVBUF=262144
export RB_CONNS_ROWS_SLICE=1
rb_topo_two_hosts
rb_ns_rcvbuf_max "$RB_NS_CLI" "$RCVBUF"
RB_DIAG_NS=$RB_NS_CLI
px_control_init
px_config "
$PX_CTL
inbounds = (
  { type = \"socks\"; tag = \"socks-in\"; listen = \"$RB_DP_CLI_IP4\"; listen_port = 1080;
    users = ( { username = \"alice\"; password = \"wonder\"; } ); },
  { type = \"http\"; tag = \"http-in\"; listen = \"$RB_DP_CLI_IP4\"; listen_port = 3128; }
);
outbounds = ( { type = \"direct\"; tag = \"direct\"; }, { type = \"direct\"; tag = \"direct2\"; } );
route = {
  rules = ( { domain_suffix = [\"example.test\"]; outbound = \"direct2\"; } );
  final = \"direct\";
};
$(px_dns_cfg)
"
px_start nginx
px_dnsmasq_start
P=$RB_DP_CLI_IP4
px_wait_proxy "http://$P:3128"
# px_wait_proxy passes on a 403 too: wait until the rule table is in
px_wait_rules
rbctl() { px_rbctl "$@"; }
# one connection's field (JSON) from `conns --json FILTERS`: jfield KEY FILTERS...
jfield() {
	local key=$1
	shift
	rbctl conns --json "$@" | "$RB_PY" -c "
import json, sys
d = json.load(sys.stdin)['data']
print(len(d), d[0]['$key'] if d else '')"
}
# A slow reader's bytes move within one read-and-sleep cycle of its curl
# (at most RCVBUF / RATE, 1.3 s) plus the window update's round trip; the
# bound only guards against a hang.
MOVE_S=15
# moved KEY OLD FILTERS...: poll until the connection's KEY exceeds OLD
moved() {
	local key=$1 old=$2 i
	shift 2
	for ((i = 0; i < MOVE_S * 10; i++)); do
		read -r _ MOVED <<<"$(jfield "$key" "$@")"
		[ "${MOVED:-0}" -gt "$old" ] && return 0
		sleep 0.1
	done
	return 1
}
# the client's socket from PORT to the appliance still open (not reset)?
cli_open() { # port
	[ -n "$(ip netns exec "$RB_NS_CLI" ss -Htn state connected "( sport = :$1 )")" ]
}
resets() { ip netns exec "$RB_NS_CLI" nstat -asz TcpEstabResets | awk '$1 == "TcpEstabResets" { print $2 }'; }

# empty table first
rb_expect_ok "conns (idle)" rbctl conns
rb_assert_match "$RB_OUT" "none" "no connection yet"

rb_bg "$RB_TMP/curl_a.log" ip netns exec "$RB_NS_CLI" curl -sS --limit-rate ${RATE}k -o /dev/null \
	-x "socks5h://alice:wonder@$P:1080" "http://big.example.test:8080/big.bin"
A_PID=$RB_BG_PID
rb_bg "$RB_TMP/curl_b.log" ip netns exec "$RB_NS_CLI" curl -sS --limit-rate ${RATE}k -o /dev/null \
	-x "http://$P:3128" "http://$RB_SRV_IP4:8080/big.bin"
B_PID=$RB_BG_PID
rb_wait_for 10 sh -c "'${RB_CTLCLI:-$RB_BUILD/tools/ringboxctl}' -s '$PX_SOCK' --json conns | grep -o '\"state\":\"relay\"' | wc -l | grep -qx 2" ||
	rb_fail "two relayed connections never showed: $(rbctl conns 2>&1)"
# both sessions' TCP rows (client, upstream) within 1 s: a row is at most
# max(100 ms, sessions / slice ms) + 10 ms old (dataplane/proxy/README.md)
tcp_states() {
	rbctl conns --json | "$RB_PY" -c "
import json, sys
st = lambda t: (t or {}).get('state') or '-'
print(' '.join(sorted(st(c.get('tcp')) + '/' + st(c.get('up_tcp')) for c in json.load(sys.stdin)['data'])))"
}
sleep 1
rb_assert_eq "$(tcp_states)" "ESTABLISHED/ESTABLISHED ESTABLISHED/ESTABLISHED" \
	"both sessions' TCP rows filled, one row a millisecond"

# the table
rb_expect_ok "conns" rbctl conns
rb_note "$RB_OUT"
for col in id inbound user src dst dst_ip rule outbound up down; do
	rb_assert_match "$(echo "$RB_OUT" | head -1)" "\\b$col\\b" "table column $col"
done
# A: socks5h as alice, by name, through the domain rule
JA=$(rbctl conns --json --user alice) || rb_fail "conns --user alice: $JA"
read -r n a_id a_in a_user a_src a_dst a_ip a_rule a_out a_down <<<"$(echo "$JA" | "$RB_PY" -c "
import json, sys
d = json.load(sys.stdin)['data']
c = d[0]
print(len(d), c['id'], c['inbound'], c['user'], c['src'], c['dst'], c['dst_ip'], c['rule'], c['outbound'], c['down'])")"
rb_assert_eq "$n" 1 "connections of alice"
rb_assert_eq "$a_in" socks-in "A inbound"
rb_assert_eq "$a_user" alice "A user"
rb_assert_match "$a_src" "^$RB_CLI_IP4:[0-9]+$" "A source"
rb_assert_eq "$a_dst" "big.example.test:8080" "A destination (domain)"
rb_assert_eq "$a_ip" "$RB_SRV_IP4" "A destination (resolved IP)"
rb_assert_eq "$a_rule" 0 "A rule"
rb_assert_eq "$a_out" direct2 "A outbound"
rb_assert_ge "$a_down" 1 "A bytes down"
# B: http inbound, by IP, route.final
read -r n b_rule <<<"$(jfield rule --inbound http-in)"
rb_assert_eq "$n" 1 "connections on http-in"
rb_assert_eq "$b_rule" final "B rule"
read -r n b_out <<<"$(jfield outbound --dst "$RB_SRV_IP4:8080" --inbound http-in)"
rb_assert_eq "$b_out" direct "B outbound (--dst filter)"
read -r n _ <<<"$(jfield id --dst example.test)"
rb_assert_eq "$n" 1 "--dst example.test"
read -r n _ <<<"$(jfield id --outbound direct2)"
rb_assert_eq "$n" 1 "--outbound direct2"
read -r n _ <<<"$(jfield id --inbound nosuch)"
rb_assert_eq "$n" 0 "--inbound nosuch"
# bytes move
moved down "$a_down" --user alice ||
	rb_fail "A's byte count did not move ($a_down -> $MOVED in $MOVE_S s)"

# close A only, its reader stalled: curl A is stopped, so its window
# closes and the appliance probes it (one byte past the closed window,
# tcp_persist_timeout); A's kernel then sends nothing by itself, and only
# the appliance's reset can end its socket (an RST past the window is
# dropped without a word).  The client's kernel takes the reset (the
# socket is gone, whatever curl has left to read); continued, curl reads
# what was queued before the reset and fails.
a_port=${a_src##*:}
cli_open "$a_port" || rb_fail "A's client socket (port $a_port) not open before the close"
kill -STOP "$A_PID"
fail_a() { kill -CONT "$A_PID" 2>/dev/null; rb_fail "$@"; }
recvq() { ip netns exec "$RB_NS_CLI" ss -Htn state connected "( sport = :$1 )" | awk '{ print $2 }'; }
# the window is closed once A's Recv-Q stops growing; then two seconds
# for the probes (the first one an RTO after the window closed, >= 200 ms)
q0=-1
for ((i = 0; i < 20; i++)); do
	q=$(recvq "$a_port")
	[ "$q" = "$q0" ] && break
	q0=$q
	sleep 0.5
done
sleep 2
r0=$(resets)
rb_expect_ok "conns close $a_id" rbctl conns close "$a_id"
rb_wait_for 10 eval "! cli_open $a_port" ||
	fail_a "A's client socket still open 10 s after conns close (the RST was not taken; Recv-Q $(recvq "$a_port"))"
[ "$(resets)" -gt "$r0" ] || fail_a "client's TcpEstabResets did not move after conns close"
kill -CONT "$A_PID"
for ((i = 0; i < MOVE_S * 10; i++)); do kill -0 "$A_PID" 2>/dev/null || break; sleep 0.1; done
kill -0 "$A_PID" 2>/dev/null && rb_fail "curl A still running $MOVE_S s after its socket was reset"
wait "$A_PID"
a_rc=$?
[ "$a_rc" -ne 0 ] || rb_fail "curl A exited 0 after its connection was closed"
rb_note "curl A exit $a_rc: $(cat "$RB_TMP/curl_a.log")"
rb_expect_fail "close A again" rbctl conns close "$a_id"
rb_assert_match "$RB_OUT" "no connection" "A is gone"
kill -0 "$B_PID" 2>/dev/null || rb_fail "curl B died with A: $(cat "$RB_TMP/curl_b.log")"
read -r n b_down <<<"$(jfield down)"
rb_assert_eq "$n" 1 "connections left"
# B must keep moving
moved down "$b_down" || rb_fail "B stalled after A was closed ($b_down -> $MOVED in $MOVE_S s)"
read -r n b_src <<<"$(jfield src)"
b_port=${b_src##*:}
r0=$(resets)
rb_expect_fail "close a bad id" rbctl conns close nonsense
rb_expect_ok "conns close --all" rbctl conns close --all
rb_assert_match "$RB_OUT" "closed +1" "one closed by --all"
rb_wait_for 10 eval "! cli_open $b_port" ||
	rb_fail "B's client socket still open 10 s after close --all (the RST was not taken)"
rb_assert_ge "$(resets)" "$((r0 + 1))" "client's TcpEstabResets after close --all"
for ((i = 0; i < MOVE_S * 10; i++)); do kill -0 "$B_PID" 2>/dev/null || break; sleep 0.1; done
kill -0 "$B_PID" 2>/dev/null && rb_fail "curl B still running $MOVE_S s after its socket was reset"
wait "$B_PID"
[ $? -ne 0 ] || rb_fail "curl B exited 0 after close --all"
read -r n _ <<<"$(jfield id)"
rb_assert_eq "$n" 0 "connections after close --all"

rb_dp_stats
rb_assert_stat_ge event.proxy_closed_by_ctl 2
rb_dp_stop
rb_pass "conns table and filters, close ID cut one transfer, the other kept going, close --all"
