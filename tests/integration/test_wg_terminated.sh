#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# WireGuard terminated mode (sing-box's endpoint semantics) against
# wireguard-go:
#  (1) inbound: the wireguard-go peer in cli fetches from nginx in srv
#      through the tunnel; ringbox terminates the inner TCP (the endpoint
#      tag "wg0" is the inbound of a route rule) and dials direct, so
#      nginx's access log shows ringbox's srv-side address, never the
#      peer's tunnel address; IPv4 and IPv6 inner; a closed port resets;
#      UDP through NAT sessions (the srv side sees ringbox's address),
#      listed in `conns` and counted in the proxy metrics of inbound wg0;
#      pings to the endpoint address answered, to srv relayed (from
#      ringbox's address); TCP whose fragments begin with Destination
#      Options (wg_ext.py tcp, scapy) reassembled and terminated;
#  (2) outbound: curl in srv -> ringbox socks inbound -> route rule ->
#      outbound "wg0" -> wireguard-go in cli -> nginx on the peer's tunnel
#      address, which sees ringbox's tunnel address 10.99.0.1;
#  (3) a socks outbound with detour = "wg0": dialled inside the tunnel to
#      microsocks on the peer's tunnel address.
. "$(dirname "$0")/wg_lib.sh"
wg_test_init curl nginx
PX_SOCK=$RB_TMP/run/ctl.sock
MPORT=$((20000 + RANDOM % 20000))
wg_endpoint_cfg "" 'mode = "terminated";'
px_config "$RB_CFG_EXTRA
control = { ctl_socket = \"$PX_SOCK\"; metrics_listen = \"127.0.0.1:$MPORT\"; };
inbounds = ( { type = \"socks\"; tag = \"socks-in\"; listen = \"$RB_DP_SRV_IP4\"; listen_port = 1080; } );
outbounds = ( { type = \"direct\"; tag = \"direct\"; },
              { type = \"socks\"; tag = \"via-wg\"; server = \"10.99.0.2\"; server_port = 1081;
                detour = \"wg0\"; } );
route = { rules = ( { inbound = [ \"wg0\" ]; outbound = \"direct\"; },
                    { inbound = [ \"socks-in\" ]; port = [ 8084 ]; outbound = \"via-wg\"; },
                    { inbound = [ \"socks-in\" ]; outbound = \"wg0\"; } );
          final = \"direct\"; };
"
rb_dp_start
px_control_start
px_nginx_start
wg_peer_up 1

# (1) through the tunnel to srv, terminated and dialled direct
rb_wait_for 10 ip netns exec "$RB_NS_CLI" curl -s -o /dev/null --max-time 2 \
	"http://$RB_SRV_IP4:8080/" || rb_fail "no answer through the terminated tunnel"
rb_dp_stats
rb_stats_mark
for url in "http://$RB_SRV_IP4:8080/index.html" "http://[$RB_SRV_IP6]:8080/index.html"; do
	px_curl -g "$url" || rb_fail "curl $url through the tunnel: $PX_OUT"
	[ "$PX_OUT" = "hello from srv" ] || rb_fail "curl $url through the tunnel: got '$PX_OUT'"
done
rb_dp_stats
rb_assert_stat_delta_ge event.wg_terminated 8
rb_assert_stat_delta_ge event.proxy_accept 2
grep -q "^$RB_DP_SRV_IP4 " "$RB_TMP/nginx/access.log" ||
	rb_fail "nginx never saw ringbox's $RB_DP_SRV_IP4: $(tail -2 "$RB_TMP/nginx/access.log")"
grep -q "^$RB_DP_SRV_IP6 " "$RB_TMP/nginx/access.log" ||
	rb_fail "nginx never saw ringbox's $RB_DP_SRV_IP6: $(tail -2 "$RB_TMP/nginx/access.log")"
grep -q "^10\.99\.0\.2 \|^fd99::2 " "$RB_TMP/nginx/access.log" &&
	rb_fail "nginx saw the peer's tunnel address: the flow was forwarded, not terminated"
# wireguard-go's MTU is 1420, the endpoint's 1408: SYNs are clamped
rb_assert_stat_ge event.wg_mss_clamped 2
# 4 MiB byte-exact through the tunnel
head -c 4194304 /dev/urandom >"$RB_TMP/www/blob.bin"
want=$(sha256sum <"$RB_TMP/www/blob.bin" | cut -d' ' -f1)
got=$(ip netns exec "$RB_NS_CLI" curl -sS --max-time 60 "http://$RB_SRV_IP4:8080/blob.bin" |
	sha256sum | cut -d' ' -f1)
rb_assert_eq "$got" "$want" "sha256 of 4 MiB through the terminated tunnel"
rb_dp_stats
rb_assert_eq "$(rb_stat drop.wg_mtu)" 0 "inner packets above the endpoint MTU"
# a closed port: the dial fails and the peer's connection is reset quickly
t0=$(date +%s)
px_curl "http://$RB_SRV_IP4:8099/" && rb_fail "curl to a closed port through the tunnel worked"
[ $(($(date +%s) - t0)) -le 8 ] || rb_fail "a refused dial took more than 8 s to reach the peer"
rb_dp_stats
rb_assert_stat_ge event.proxy_dial_fail 1
# TCP over IPv6 whose fragmentable part begins with Destination Options
# (RFC 8200 4.5), written onto the peer's tun by wg_ext.py (scapy): the SYN
# in 3 fragments, the request in 3, ACKs as atomic fragments; each
# reassembled, its chain walked, terminated; the SYN-ACK and the response
# segments with right checksums, the file byte-exact
if command -v nft >/dev/null; then
	head -c 3000 /dev/urandom >"$RB_TMP/www/frag.bin"
	wg_peer_no_rst 45300
	rb_stats_mark
	printf 'GET /frag.bin HTTP/1.0\r\nHost: srv\r\nX-Pad: %s\r\n\r\n' "$(printf 'a%.0s' $(seq 1200))" |
		ip netns exec "$RB_NS_CLI" "$RB_PY" "$RB_LIB_DIR/wg_ext.py" tcp "$RB_WG_IF" fd99::2 \
		"$RB_SRV_IP6" 8080 45300 600 FD >"$RB_TMP/ext_tcp.out" 2>"$RB_TMP/ext_tcp.err" ||
		rb_fail "wg_ext.py tcp: $(cat "$RB_TMP/ext_tcp.err")"
	rb_note "TCP behind Destination Options in fragments: $(tr '\n' ' ' <"$RB_TMP/ext_tcp.err")"
	"$RB_PY" - "$RB_TMP/ext_tcp.out" "$RB_TMP/www/frag.bin" <<'PY' || rb_fail "wg_ext.py tcp: wrong response"
import sys
r, want = (open(f, "rb").read() for f in sys.argv[1:3])
head, _, body = r.partition(b"\r\n\r\n")
sys.exit(0 if head.startswith(b"HTTP/1.1 200 ") and body == want else "got %r" % r[:300])
PY
	rb_dp_stats
	rb_assert_stat_delta_ge event.frag_reassembled 2   # the SYN, the request
	rb_assert_stat_delta_ge event.wg_ext_taken 2
	rb_assert_eq "$(rb_stat_delta drop.wg_frag_proto)" 0 "drop.wg_frag_proto"
	rb_assert_eq "$(rb_stat_delta drop.tcp_bad_csum)" 0 "drop.tcp_bad_csum"
else
	rb_note "nft missing: TCP behind extension headers in fragments not checked"
fi

# (1b) UDP through the tunnel: a NAT session per flow, routed like TCP
# (inbound wg0 -> direct); the srv side answers with the source it saw.
if command -v socat >/dev/null; then
	rb_bg "$RB_TMP/udpecho.out" ip netns exec "$RB_NS_SRV" socat \
		"UDP4-RECVFROM:7000,bind=$RB_SRV_IP4,fork" 'SYSTEM:read l; echo from $SOCAT_PEERADDR'
	sleep 0.3
	curl -sf --max-time 5 "http://127.0.0.1:$MPORT/metrics" >"$RB_TMP/metrics0.txt" ||
		rb_fail "GET /metrics"
	rb_dp_stats
	rb_stats_mark
	for i in 1 2 3; do
		out=$(echo "q$i" | ip netns exec "$RB_NS_CLI" timeout 5 socat -t 3 -T 3 - \
			"UDP4:$RB_SRV_IP4:7000,sourceport=4500$i" 2>&1)
		rb_assert_eq "$out" "from $RB_DP_SRV_IP4" "UDP reply through the tunnel ($i)"
	done
	rb_bg "$RB_TMP/udpecho6.out" ip netns exec "$RB_NS_SRV" socat \
		"UDP6-RECVFROM:7001,bind=[$RB_SRV_IP6],fork" 'SYSTEM:read l; echo from $SOCAT_PEERADDR'
	sleep 0.3
	out=$(echo q6 | ip netns exec "$RB_NS_CLI" timeout 5 socat -t 3 -T 3 - \
		"UDP6:[$RB_SRV_IP6]:7001" 2>&1)
	# socat prints the IPv6 peer in full: compare the expanded forms
	want6=$(/usr/bin/python3 -c "import ipaddress,sys; print(ipaddress.ip_address(sys.argv[1]).exploded)" "$RB_DP_SRV_IP6")
	got6=${out#from [}
	got6=${got6%]}
	got6=$(/usr/bin/python3 -c "import ipaddress,sys; print(ipaddress.ip_address(sys.argv[1]).exploded)" "$got6" 2>/dev/null)
	rb_assert_eq "$got6" "$want6" "UDP over IPv6 through the tunnel: the source srv saw"
	rb_dp_stats
	rb_assert_stat_delta_ge event.wg_udp_sessions 4
	rb_assert_stat_delta_ge event.wg_udp_forwarded 3
	rb_assert_stat_delta_ge event.wg_udp_reply 3

	# The sessions in `conns` (network udp, inbound wg0, routed direct by
	# rule 0, bytes both ways: "qN\n" up, "from ADDR\n" down) ...
	rbctl() { "${RB_CTLCLI:-$RB_BUILD/tools/ringboxctl}" -s "$PX_SOCK" "$@"; }
	J=$(rbctl conns --json --network udp --inbound wg0) || rb_fail "conns --network udp: $J"
	rows=$(echo "$J" | "$RB_PY" -c "
import json, sys
for c in json.load(sys.stdin)['data']:
    print(c['id'], c['state'], c['network'], c['inbound'], c['src'], c['dst'], c['rule'],
          c['outbound'], c['up'], c['down'])")
	rb_note "udp sessions of wg0: $rows"
	for i in 1 2 3; do
		row=$(echo "$rows" | grep " 10\.99\.0\.2:4500$i $RB_SRV_IP4:7000 ") ||
			rb_fail "UDP session from 10.99.0.2:4500$i not in conns: $rows"
		read -r id st net in _ _ rule out up down <<<"$row"
		rb_assert_eq "$st $net $in $rule $out" "udp udp wg0 0 direct" "conns row of 4500$i"
		rb_assert_eq "$up" 3 "bytes up of session 4500$i"
		rb_assert_eq "$down" $((${#RB_DP_SRV_IP4} + 6)) "bytes down of session 4500$i"
		[ "$i" = 1 ] && id1=$id
	done
	echo "$rows" | grep -q " \[fd99::2\]:[0-9]* \[$RB_SRV_IP6\]:7001 " ||
		rb_fail "IPv6 UDP session not in conns: $rows"
	# ... and in the proxy metrics of inbound wg0 / outbound direct.
	curl -sf --max-time 5 "http://127.0.0.1:$MPORT/metrics" >"$RB_TMP/metrics1.txt" ||
		rb_fail "GET /metrics"
	mval() { # file metric-with-labels
		awk -v k="$2" '$1 == k {print $2}' "$1"
	}
	for k in 'ringbox_proxy_conns_total{inbound="wg0"}' \
		'ringbox_proxy_conns_active{inbound="wg0"}' \
		'ringbox_proxy_outbound_conns_total{outbound="direct"}'; do
		d=$(($(mval "$RB_TMP/metrics1.txt" "$k") - $(mval "$RB_TMP/metrics0.txt" "$k")))
		rb_assert_ge "$d" 4 "$k grew by"
	done
	k='ringbox_proxy_bytes_total{inbound="wg0",direction="up"}'
	d=$(($(mval "$RB_TMP/metrics1.txt" "$k") - $(mval "$RB_TMP/metrics0.txt" "$k")))
	rb_assert_ge "$d" 12 "$k grew by"
	k='ringbox_proxy_bytes_total{inbound="wg0",direction="down"}'
	d=$(($(mval "$RB_TMP/metrics1.txt" "$k") - $(mval "$RB_TMP/metrics0.txt" "$k")))
	rb_assert_ge "$d" $((3 * (${#RB_DP_SRV_IP4} + 6))) "$k grew by"
	# `conns close` ends a session: its row goes, the flow opens a new one.
	rb_dp_stats
	rb_stats_mark
	rb_expect_ok "conns close $id1" rbctl conns close "$id1"
	rb_wait_for 5 sh -c "! '${RB_CTLCLI:-$RB_BUILD/tools/ringboxctl}' -s '$PX_SOCK' --json conns --network udp | grep -q '\"id\":$id1[,}]'" ||
		rb_fail "UDP session $id1 still listed after conns close"
	out=$(echo "q1" | ip netns exec "$RB_NS_CLI" timeout 5 socat -t 3 -T 3 - \
		"UDP4:$RB_SRV_IP4:7000,sourceport=45001" 2>&1)
	rb_assert_eq "$out" "from $RB_DP_SRV_IP4" "UDP reply after conns close"
	rb_dp_stats
	rb_assert_eq "$(rb_stat_delta event.wg_udp_sessions)" 1 "sessions opened after conns close"
else
	rb_note "socat missing: UDP through the tunnel not checked"
fi

# (1c) ICMP: echo requests to the endpoint's own addresses are answered
# through the tunnel (IPv4 and IPv6, and one above the MTU in fragments);
# to srv they are relayed (network icmp, test_wg_terminated_icmp.sh has
# the details): srv sees ringbox's address, never the peer's tunnel
# address.
rb_dp_stats
rb_stats_mark
rb_check_ping "$RB_NS_CLI" 10.99.0.1 3 -I "$RB_WG_IF"
rb_check_ping "$RB_NS_CLI" fd99::1 3 -I "$RB_WG_IF"
rb_check_ping "$RB_NS_CLI" 10.99.0.1 2 -I "$RB_WG_IF" -s 2000
rb_dp_stats
rb_assert_eq "$(rb_stat_delta drop.wg_icmp_dropped)" 0 "pings to the endpoint dropped"
rb_assert_stat_delta_ge event.icmp_echo_reply 5
rb_stats_mark
rb_ns "$RB_NS_SRV" tcpdump -i "$RB_IF_SRV" -n -c 1 -w "$RB_TMP/icmp_srv.pcap" icmp \
	>/dev/null 2>&1 &
TD_PID=$!
RB_PIDS+=("$TD_PID")
sleep 0.5
rb_ping "$RB_NS_CLI" "$RB_SRV_IP4" 3 -W 1 -i 0.3 ||
	rb_fail "a ping to srv through the terminated tunnel (relayed): $RB_OUT"
rb_ping "$RB_NS_CLI" "$RB_SRV_IP6" 2 -W 1 -i 0.3 ||
	rb_fail "an IPv6 ping to srv through the terminated tunnel (relayed): $RB_OUT"
rb_dp_stats
rb_assert_eq "$(rb_stat_delta drop.wg_icmp_dropped)" 0 "pings to srv dropped (wg_icmp_dropped)"
rb_assert_stat_delta_ge event.wg_icmp_reply 5
kill "$TD_PID" 2>/dev/null
wait "$TD_PID" 2>/dev/null
[ -s "$RB_TMP/icmp_srv.pcap" ] &&
	tcpdump -r "$RB_TMP/icmp_srv.pcap" -n 2>/dev/null | grep -q '10\.99\.0\.2\|fd99::2' &&
	rb_fail "srv saw the peer's tunnel address: $(tcpdump -r "$RB_TMP/icmp_srv.pcap" -n 2>/dev/null)"

# (2) socks inbound -> wireguard outbound -> nginx on the peer's tunnel address
mkdir -p "$RB_TMP/ng2/www"
echo "hello from the peer" >"$RB_TMP/ng2/www/index.html"
cat >"$RB_TMP/ng2/nginx.conf" <<NG
daemon off;
user root root;
worker_processes 1;
pid $RB_TMP/ng2/nginx.pid;
error_log $RB_TMP/ng2/error.log;
events { worker_connections 64; }
http {
  access_log $RB_TMP/ng2/access.log;
  client_body_temp_path $RB_TMP/ng2/body;
  proxy_temp_path $RB_TMP/ng2/proxy;
  fastcgi_temp_path $RB_TMP/ng2/fastcgi;
  uwsgi_temp_path $RB_TMP/ng2/uwsgi;
  scgi_temp_path $RB_TMP/ng2/scgi;
  server { listen 10.99.0.2:8081; listen 10.99.0.2:8084; root $RB_TMP/ng2/www; }
}
NG
rb_bg "$RB_TMP/ng2.out" ip netns exec "$RB_NS_CLI" nginx -c "$RB_TMP/ng2/nginx.conf" \
	-e "$RB_TMP/ng2/error.log"
rb_wait_for 5 ip netns exec "$RB_NS_CLI" curl -sf -o /dev/null "http://10.99.0.2:8081/" ||
	rb_fail "peer-side nginx did not come up"
rb_dp_stats
rb_stats_mark
out=$(ip netns exec "$RB_NS_SRV" curl -sS --max-time 10 -x "socks5://$RB_DP_SRV_IP4:1080" \
	http://10.99.0.2:8081/index.html 2>&1) || rb_fail "socks -> wg0 -> peer: $out"
[ "$out" = "hello from the peer" ] || rb_fail "socks -> wg0 -> peer: got '$out'"
grep -q "^10\.99\.0\.1 " "$RB_TMP/ng2/access.log" ||
	rb_fail "peer nginx did not see ringbox's tunnel address: $(tail -2 "$RB_TMP/ng2/access.log")"
rb_dp_stats
rb_assert_stat_delta_ge event.wg_tx_data 3
rb_assert_stat_delta_ge event.wg_rx_data 2

# (3) an outbound that detours through the endpoint: socks "via-wg" is
# dialled inside the tunnel (microsocks on the peer's tunnel address), and
# microsocks fetches from nginx next to it.
if command -v microsocks >/dev/null; then
	rb_bg "$RB_TMP/msocks.out" ip netns exec "$RB_NS_CLI" microsocks -i 10.99.0.2 -p 1081
	rb_wait_for 5 ip netns exec "$RB_NS_CLI" curl -sf -o /dev/null -x socks5://10.99.0.2:1081 \
		http://10.99.0.2:8081/ || rb_fail "microsocks did not come up"
	out=$(ip netns exec "$RB_NS_SRV" curl -sS --max-time 10 -x "socks5://$RB_DP_SRV_IP4:1080" \
		"http://10.99.0.2:8084/index.html?via" 2>&1) || rb_fail "socks -> via-wg (detour wg0): $out"
	[ "$out" = "hello from the peer" ] || rb_fail "socks -> via-wg (detour wg0): got '$out'"
	grep -q '^10\.99\.0\.2 .*GET /index.html?via ' "$RB_TMP/ng2/access.log" ||
		rb_fail "the detour did not go through microsocks: $(grep 'via' "$RB_TMP/ng2/access.log")"
else
	rb_note "microsocks missing: the detour through the endpoint not checked"
fi

rb_dp_stop
rb_pass
