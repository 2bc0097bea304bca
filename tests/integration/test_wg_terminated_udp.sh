#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# WireGuard terminated mode, UDP through the UDP outbounds (udp_out.h):
# the wireguard-go peer in cli sends UDP through the tunnel to echo servers
# in srv; route rules by destination port pick the outbound:
#  - 7000 -> direct: answered, srv sees ringbox's srv-side address; a
#    3001-byte datagram (fragments in the tunnel), IPv4 and IPv6, is
#    reassembled, terminated and answered the same way (the reply in
#    fragments into the tunnel); over IPv6 also with Destination Options
#    before the Fragment header, after it (the fragmentable part begins
#    with it, Routing too) and both (wg_ext.py udp, scapy);
#  - 7100 -> block: the same kind of echo server never answers, the
#    refusals count (drop.wg_udp_rejected), no session opens;
#  - 7200 -> socks "dante" (UDP ASSOCIATE upstream): byte-exact echo, and
#    srv sees dante's external address (dante carried it); when dante
#    stops, the sessions end with their control connections (if danted exists);
#  - 7300 -> shadowsocks to ss-server -U: byte-exact echo (if ss-server exists).
. "$(dirname "$0")/wg_lib.sh"
wg_test_init socat
HAVE_DANTE=0
command -v danted >/dev/null && HAVE_DANTE=1
HAVE_SS=0
command -v ss-server >/dev/null && HAVE_SS=1
SS_PW=$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')
DANTE_EXT=10.$RB_NET.2.3
ip -n "$RB_NS_SRV" addr add "$DANTE_EXT/24" dev "$RB_IF_SRV" || rb_fail "addr $DANTE_EXT"
wg_endpoint_cfg "" 'mode = "terminated";'
px_control_init # a random metrics port: other runs' controls may hold 9273
px_config "$RB_CFG_EXTRA
$PX_CTL
outbounds = ( { type = \"direct\"; tag = \"direct\"; },
              { type = \"block\"; tag = \"blk\"; },
              { type = \"socks\"; tag = \"dante\"; server = \"$RB_SRV_IP4\"; server_port = 1090; },
              { type = \"shadowsocks\"; tag = \"ss\"; server = \"$RB_SRV_IP4\"; server_port = 8488;
                method = \"aes-256-gcm\"; password = \"$SS_PW\"; } );
route = { rules = ( { inbound = [ \"wg0\" ]; network = \"udp\"; port = [ 7100 ]; outbound = \"blk\"; },
                    { inbound = [ \"wg0\" ]; network = \"udp\"; port = [ 7200 ]; outbound = \"dante\"; },
                    { inbound = [ \"wg0\" ]; network = \"udp\"; port = [ 7300 ]; outbound = \"ss\"; },
                    { inbound = [ \"wg0\" ]; outbound = \"direct\"; } );
          final = \"direct\"; };
"
rb_dp_start
px_control_start
wg_peer_up 1
[ "$HAVE_DANTE" = 1 ] && px_dante_start 1090 "$DANTE_EXT"
for port in 7000 7100 7200 7300; do
	rb_bg "$RB_TMP/echo$port.out" ip netns exec "$RB_NS_SRV" socat \
		"UDP4-RECVFROM:$port,bind=$RB_SRV_IP4,fork" 'SYSTEM:read l; echo "$l from $SOCAT_PEERADDR"'
done
rb_bg "$RB_TMP/echo6.out" ip netns exec "$RB_NS_SRV" socat \
	"UDP6-RECVFROM:7000,bind=[$RB_SRV_IP6],fork" 'SYSTEM:read l; echo "$l from $SOCAT_PEERADDR"'
sleep 0.3
udp_q6() { # payload sourceport
	echo "$1" | ip netns exec "$RB_NS_CLI" timeout 5 socat -t 2 -T 2 - \
		"UDP6:[$RB_SRV_IP6]:7000,sourceport=$2" 2>/dev/null
}
udp_q() { # port payload [sourceport]
	echo "$2" | ip netns exec "$RB_NS_CLI" timeout 5 socat -t 2 -T 2 - \
		"UDP4:$RB_SRV_IP4:$1${3:+,sourceport=$3}" 2>/dev/null
}

# direct: unchanged (the tunnel comes up with the first tries)
for i in $(seq 10); do
	[ -n "$(udp_q 7000 w)" ] && break
	[ "$i" = 10 ] && rb_fail "no UDP answer through the terminated tunnel (direct): $(cat "$RB_TMP/echo7000.out")"
done
out=$(udp_q 7000 q0)
rb_assert_eq "$out" "q0 from $RB_DP_SRV_IP4" "UDP through direct"

# a datagram above the tunnel MTU: cli's kernel sends it in fragments into
# the tunnel; ringbox reassembles and terminates it (direct: srv sees
# ringbox's address, not 10.99.0.2), the 3000-byte reply goes back in
# fragments (srv -> ringbox, ringbox -> the tunnel)
rb_dp_stats
rb_stats_mark
pl=$(head -c 1500 /dev/urandom | od -An -tx1 | tr -d ' \n')
out=$(udp_q 7000 "$pl" 45099)
rb_assert_eq "$out" "$pl from $RB_DP_SRV_IP4" "a ${#pl}-byte datagram in fragments through direct"
rb_dp_stats
rb_assert_stat_delta_ge event.frag_reassembled 2   # ours from the tunnel, srv's reply
rb_assert_stat_delta_ge event.wg_udp_forwarded 1
rb_assert_eq "$(rb_stat_delta drop.wg_mtu)" 0 "wg_mtu drops of the reply"
# the same over IPv6: cli's kernel fragments at the source (RFC 8200 4.5),
# ringbox reassembles, terminates, and fragments the reply as its source
for i in 1 2 3; do
	out=$(udp_q6 "$pl" 45098)
	[ -n "$out" ] && break
done
dp6=$("$RB_PY" -c "import ipaddress; print(ipaddress.ip_address('$RB_DP_SRV_IP6').exploded)")
rb_assert_eq "$out" "$pl from [$dp6]" "a ${#pl}-byte IPv6 datagram in fragments through direct"
rb_dp_stats
rb_assert_stat_delta_ge event.frag_reassembled 4
rb_assert_eq "$(rb_stat_delta drop.wg_mtu)" 0 "wg_mtu drops of the IPv6 reply"
# the same datagram with extension headers (wg_ext.py writes the 600-byte
# fragments onto the peer's tun): a Destination Options header before the
# Fragment header (RFC 8200 4.1 order), and after it, where the
# fragmentable part begins with Destination Options (+ Routing with nothing
# left) (4.5); each walked, reassembled (net/ip6.c), the datagram's own
# chain walked, terminated, the reply back in fragments, byte-exact
rb_stats_mark
sp=45097
for chain in DF FD FDR DFD; do
	out=$(printf '%s\n' "$pl" | ip netns exec "$RB_NS_CLI" "$RB_PY" "$RB_LIB_DIR/wg_ext.py" udp \
		"$RB_WG_IF" fd99::2 "$RB_SRV_IP6" 7000 "$sp" 600 "$chain" 2>"$RB_TMP/ext_udp.err") ||
		rb_fail "wg_ext.py udp $chain: $(cat "$RB_TMP/ext_udp.err")"
	rb_assert_eq "$out" "$pl from [$dp6]" "a ${#pl}-byte IPv6 datagram in fragments, chain $chain"
	rb_note "chain $chain: $(cat "$RB_TMP/ext_udp.err")"
	sp=$((sp - 1))
done
rb_dp_stats
rb_assert_stat_delta_ge event.frag_reassembled 8   # 4 from the tunnel, srv's 4 replies
rb_assert_stat_delta_ge event.wg_ext_taken 3       # the datagrams with a chain of their own
for d in wg_frag_proto frag_bad wg_udp_bad wg_mtu; do
	rb_assert_eq "$(rb_stat_delta drop.$d)" 0 "drop.$d with extension headers"
done

# block: refused and counted, nothing reaches the server
rb_dp_stats
rb_stats_mark
for i in 1 2 3; do
	out=$(udp_q 7100 "b$i" "4510$i")
	rb_assert_eq "$out" "" "UDP to the blocked port answered ($i)"
done
rb_dp_stats
rb_assert_stat_delta_ge drop.wg_udp_rejected 3
rb_assert_eq "$(rb_stat_delta event.wg_udp_sessions)" 0 "sessions opened through block"
[ -s "$RB_TMP/echo7100.out" ] && rb_fail "the blocked server ran: $(cat "$RB_TMP/echo7100.out")"
out=$(udp_q 7000 q1)
rb_assert_eq "$out" "q1 from $RB_DP_SRV_IP4" "direct UDP after the blocked sessions"

# socks: UDP ASSOCIATE through dante, byte-exact
if [ "$HAVE_DANTE" = 1 ]; then
	rb_dp_stats
	rb_stats_mark
	for i in 1 2 3; do
		pl=$(head -c 600 /dev/urandom | od -An -tx1 | tr -d ' \n')
		out=$(udp_q 7200 "$pl" "4520$i")
		rb_assert_eq "$out" "$pl from $DANTE_EXT" "UDP through dante ($i, ${#pl} bytes)"
	done
	px_dante_children
	# three rows in `conns`: inbound wg0, outbound dante, 1201 bytes up each
	J=$("${RB_CTLCLI:-$RB_BUILD/tools/ringboxctl}" -s "$PX_SOCK" conns --json --network udp \
		--inbound wg0) || rb_fail "conns --network udp: $J"
	n=$(echo "$J" | "$RB_PY" -c "
import json, sys
print(sum(1 for c in json.load(sys.stdin)['data'] if c['outbound'] == 'dante' and c['up'] == 1201))")
	rb_assert_eq "$n" 3 "conns rows of the sessions through dante"
	rb_dp_stats
	rb_assert_stat_delta_ge event.wg_udp_sessions 3
	rb_assert_stat_delta_ge event.wg_udp_reply 3
	rb_assert_eq "$(rb_stat_delta drop.wg_udp_rejected)" 0 "sessions refused through dante"
	# dante goes away: each session's control connection closes and the
	# session ends at once (counted as expired), long before its idle time
	rb_stats_mark
	for p in $(pgrep -P "$PX_DANTE_PID"); do kill "$p"; done
	kill "$PX_DANTE_PID"
	wait "$PX_DANTE_PID" 2>/dev/null
	for i in $(seq 20); do
		rb_dp_stats
		[ "$(rb_stat_delta event.wg_udp_expired)" -ge 3 ] && break
		[ "$i" = 20 ] && rb_fail "sessions outlived dante: $(rb_stat_delta event.wg_udp_expired) ended"
		sleep 0.5
	done
	out=$(udp_q 7000 q2)
	rb_assert_eq "$out" "q2 from $RB_DP_SRV_IP4" "direct UDP after dante went"
else
	rb_note "danted missing: UDP through a socks outbound not checked"
fi

# shadowsocks (AEAD UDP) to ss-server -U, byte-exact; srv sees ss-server's address
if [ "$HAVE_SS" = 1 ]; then
	rb_bg "$RB_TMP/ss-server.log" ip netns exec "$RB_NS_SRV" ss-server -U -s "$RB_SRV_IP4" \
		-p 8488 -m aes-256-gcm -k "$SS_PW"
	rb_wait_for 5 grep -q "listening" "$RB_TMP/ss-server.log" ||
		rb_fail "ss-server -U did not start: $(tail -2 "$RB_TMP/ss-server.log")"
	rb_dp_stats
	rb_stats_mark
	for i in 1 2; do
		pl=$(head -c 500 /dev/urandom | od -An -tx1 | tr -d ' \n')
		out=$(udp_q 7300 "$pl" "4530$i")
		rb_assert_eq "$out" "$pl from $RB_SRV_IP4" "UDP through shadowsocks ($i, ${#pl} bytes)"
	done
	rb_dp_stats
	rb_assert_stat_delta_ge event.wg_udp_reply 2
else
	rb_note "ss-server missing: UDP through a shadowsocks outbound not checked"
fi
rb_dp_stop
rb_pass
