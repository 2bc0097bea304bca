#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# UDP of the `shadowsocks` inbound (dataplane/ss/ss_udp_in.c) with
# shadowsocks-libev's ss-tunnel as the client:
#   DNS query -> ss-tunnel -U (cli ns, forwards to dnsmasq's address)
#   -> ringbox shadowsocks inbound (UDP) -> direct -> dnsmasq (srv ns)
# for each AEAD method and a UDP-only inbound (network = "udp", no TCP
# listener).  A wrong password gets no answer, reaches nothing and is
# counted (ss_udp_auth, ringbox_proxy_auth_failures_total); a recorded
# packet sent again is dropped silently (ss_udp_replay); sessions show
# in the per-inbound counters and end after the DNS idle time (10 s).
# The outbound's UDP (dataplane/ss/ss_udp_out.c): a SOCKS5 UDP ASSOCIATE
# client (socks5_udp.py) -> ringbox socks inbound -> shadowsocks outbound
# -> ss-server -u (srv ns) -> dnsmasq, for two methods; then with the
# outbound's server a name (ss-server.example.test, no detour), resolved by
# the router's resolver through dnsmasq first, and a name that does not
# resolve (NXDOMAIN: no answer, counted ss_udp_resolve), and one whose
# answer never comes (the client leaves first: the query is cancelled, so
# its 8 s timeout counts nothing and calls back into nothing).
# Ports on lib.sh's default driver (af_xdp; RB_DRIVER=af_packet for the
# other).  The af_packet default of 3256bfc (an af_xdp TX stall after
# 40..230 MB) went with 956f0ee (mbuf pool inside the af_xdp UMEM).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/proxy_lib.sh"
rb_init
rb_require_cmd dnsmasq ss-tunnel ss-server curl
rb_topo_two_hosts
METHODS=(aes-128-gcm aes-256-gcm chacha20-ietf-poly1305 xchacha20-ietf-poly1305)
PW=()
ins=
for i in "${!METHODS[@]}"; do
	PW[i]="pw-$i-$RANDOM$RANDOM"
	net=
	[ "$i" = 3 ] && net='network = "udp";'
	ins+="{ type = \"shadowsocks\"; tag = \"ss$i\"; listen = \"$RB_DP_CLI_IP4\"; $net
    listen_port = $((8388 + i)); method = \"${METHODS[i]}\"; password = \"${PW[i]}\"; },
  "
done
PX_MPORT=$((20000 + RANDOM % 20000))
PX_CTL=$(px_control_cfg)
PX_SOCK=$RB_TMP/run/ctl.sock
px_config "
$PX_CTL
inbounds = (
  $ins{ type = \"socks\"; tag = \"sk0\"; listen = \"$RB_DP_CLI_IP4\"; listen_port = 1080; },
  { type = \"socks\"; tag = \"sk1\"; listen = \"$RB_DP_CLI_IP4\"; listen_port = 1081; },
  { type = \"socks\"; tag = \"sk2\"; listen = \"$RB_DP_CLI_IP4\"; listen_port = 1082; },
  { type = \"socks\"; tag = \"sk3\"; listen = \"$RB_DP_CLI_IP4\"; listen_port = 1083; },
  { type = \"socks\"; tag = \"sk4\"; listen = \"$RB_DP_CLI_IP4\"; listen_port = 1084; }
);
outbounds = (
  { type = \"direct\"; tag = \"direct\"; },
  { type = \"shadowsocks\"; tag = \"so0\"; server = \"$RB_SRV_IP4\"; server_port = 8488;
    method = \"${METHODS[0]}\"; password = \"${PW[0]}\"; },
  { type = \"shadowsocks\"; tag = \"so1\"; server = \"$RB_SRV_IP4\"; server_port = 8489;
    method = \"${METHODS[2]}\"; password = \"${PW[2]}\"; },
  { type = \"shadowsocks\"; tag = \"so2\"; server = \"ss-server.example.test\"; server_port = 8488;
    method = \"${METHODS[0]}\"; password = \"${PW[0]}\"; },
  { type = \"shadowsocks\"; tag = \"so3\"; server = \"ss-gone.nx.test\"; server_port = 8488;
    method = \"${METHODS[0]}\"; password = \"${PW[0]}\"; },
  { type = \"shadowsocks\"; tag = \"so4\"; server = \"ss-slow.slow.test\"; server_port = 8488;
    method = \"${METHODS[0]}\"; password = \"${PW[0]}\"; }
);
$(px_dns_cfg)
route = {
  rules = ( { inbound = \"sk0\"; outbound = \"so0\"; }, { inbound = \"sk1\"; outbound = \"so1\"; },
            { inbound = \"sk2\"; outbound = \"so2\"; }, { inbound = \"sk3\"; outbound = \"so3\"; },
            { inbound = \"sk4\"; outbound = \"so4\"; } );
  final = \"direct\";
};
"
rb_dp_start --eal "-m 768"
px_control_start
rb_bg "$RB_TMP/dnsmasq.log" ip netns exec "$RB_NS_SRV" dnsmasq --no-daemon --user=root \
	--no-resolv --no-hosts --bind-interfaces --listen-address="$RB_SRV_IP4" --port=53 \
	--pid-file="$RB_TMP/dnsmasq.pid" --log-queries --log-facility=- \
	--address=/example.test/10.9.8.7 --address=/ss-server.example.test/"$RB_SRV_IP4" \
	--local=/nx.test/ --server=/slow.test/127.0.0.1#5398
# slow.test's upstream in srv: reads, never answers
rb_bg "$RB_TMP/silent.log" ip netns exec "$RB_NS_SRV" "$RB_PY" -c 'import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 5398))
while True:
    s.recv(4096)'
rb_wait_for 5 grep -q "started" "$RB_TMP/dnsmasq.log" || rb_fail "dnsmasq did not start"
rb_wait_for 10 sh -c "grep -q 'route: rule table [0-9]* applied' '$RB_TMP/dp.out' '$RB_TMP/dp.err'" ||
	rb_fail "no rule table applied"
ip netns exec "$RB_NS_CLI" ping -c 1 -W 1 "$RB_DP_CLI_IP4" >/dev/null 2>&1
metric() { curl -s "http://127.0.0.1:$PX_MPORT/metrics" | awk -v k="$1" '$1 == k { v = $2 } END { print v + 0 }'; }
cat >"$RB_TMP/dnsq.py" <<'EOF'
# one A query for argv[2] to 127.0.0.1:argv[1]; prints the address or "none"
import random, socket, struct, sys
q = struct.pack(">HHHHHH", random.randrange(65536), 0x0100, 1, 0, 0, 0)
q += b"".join(bytes([len(l)]) + l.encode() for l in sys.argv[2].split(".")) + b"\0"
q += struct.pack(">HH", 1, 1)
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(float(sys.argv[3]) if len(sys.argv) > 3 else 2)
for _ in range(int(sys.argv[4]) if len(sys.argv) > 4 else 3):
    s.sendto(q, ("127.0.0.1", int(sys.argv[1])))
    try:
        d = s.recv(4096)
    except socket.timeout:
        continue
    if d[:2] == q[:2] and struct.unpack(">H", d[6:8])[0] > 0:
        print(socket.inet_ntoa(d[-4:]))
        sys.exit(0)
print("none")
EOF
dnsq() { ip netns exec "$RB_NS_CLI" "$RB_PY" "$RB_TMP/dnsq.py" "$@"; }
tunnel() { # method password server-port local-port
	rb_bg "$RB_TMP/ss-tunnel-$4.log" ip netns exec "$RB_NS_CLI" ss-tunnel -U -s "$RB_DP_CLI_IP4" \
		-p "$3" -b 127.0.0.1 -l "$4" -m "$1" -k "$2" -L "$RB_SRV_IP4:53"
	rb_wait_for 5 grep -q "listening" "$RB_TMP/ss-tunnel-$4.log" ||
		rb_fail "ss-tunnel ($1) did not start: $(tail -2 "$RB_TMP/ss-tunnel-$4.log")"
}

for i in "${!METHODS[@]}"; do
	m=${METHODS[i]}
	tunnel "$m" "${PW[i]}" $((8388 + i)) $((5300 + i))
	for n in 1 2; do
		got=$(dnsq $((5300 + i)) "q$n-$i.example.test")
		rb_assert_eq "$got" 10.9.8.7 "$m: DNS answer through the inbound (query $n)"
	done
	grep -q "query\[A\] q1-$i.example.test from $RB_DP_SRV_IP4" "$RB_TMP/dnsmasq.log" ||
		rb_fail "$m: dnsmasq did not see the query from the appliance"
	rb_note "$m: DNS over UDP ok"
done
# the UDP-only inbound has no TCP listener
ip netns exec "$RB_NS_CLI" bash -c "exec 3<>/dev/tcp/$RB_DP_CLI_IP4/8391" 2>/dev/null &&
	rb_fail "network = udp: a TCP listener answered"
rb_assert_ge "$(metric 'ringbox_proxy_conns_total{inbound="ss0"}')" 2 "UDP sessions counted on ss0"

# wrong password: no answer, nothing reaches dnsmasq, counted
auth0=$(metric 'ringbox_proxy_auth_failures_total{inbound="ss1"}')
tunnel aes-256-gcm "not-${PW[1]}" 8389 5310
got=$(dnsq 5310 wrongpw.example.test 1 2)
rb_assert_eq "$got" none "wrong password: answer"
grep -q "wrongpw.example.test" "$RB_TMP/dnsmasq.log" && rb_fail "wrong password: the query reached dnsmasq"
auth1=$(metric 'ringbox_proxy_auth_failures_total{inbound="ss1"}')
[ "$auth1" -gt "$auth0" ] || rb_fail "wrong password: auth failures did not move ($auth0 -> $auth1)"

# replay: a packet ss-tunnel sent (recorded by a UDP relay in cli), sent
# again to the inbound: dropped without an answer, counted
cat >"$RB_TMP/urec.py" <<'EOF'
# UDP relay 127.0.0.1:5399 <-> argv[1]:argv[2]; keeps the latest packet up in argv[3]
import socket, sys
c = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
c.bind(("127.0.0.1", 5399))
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
u.connect((sys.argv[1], int(sys.argv[2])))
peer = None
import select
while True:
    r, _, _ = select.select([c, u], [], [])
    if c in r:
        d, peer = c.recvfrom(65536)
        open(sys.argv[3], "wb").write(d)
        u.send(d)
    if u in r:
        d = u.recv(65536)
        if peer:
            c.sendto(d, peer)
EOF
rb_bg "$RB_TMP/urec.log" ip netns exec "$RB_NS_CLI" "$RB_PY" "$RB_TMP/urec.py" "$RB_DP_CLI_IP4" 8388 \
	"$RB_TMP/upkt.bin"
rb_bg "$RB_TMP/ss-tunnel-5320.log" ip netns exec "$RB_NS_CLI" ss-tunnel -U -s 127.0.0.1 -p 5399 \
	-b 127.0.0.1 -l 5320 -m "${METHODS[0]}" -k "${PW[0]}" -L "$RB_SRV_IP4:53"
rb_wait_for 5 grep -q "listening" "$RB_TMP/ss-tunnel-5320.log" || rb_fail "ss-tunnel (recorded) did not start"
rb_assert_eq "$(dnsq 5320 replayed.example.test)" 10.9.8.7 "recorded query"
rep=$(ip netns exec "$RB_NS_CLI" "$RB_PY" - "$RB_DP_CLI_IP4" 8388 "$RB_TMP/upkt.bin" <<'EOF'
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(1.5)
s.sendto(open(sys.argv[3], "rb").read(), (sys.argv[1], int(sys.argv[2])))
try:
    s.recv(4096)
    print("answered")
except socket.timeout:
    print("silent")
EOF
)
rb_assert_eq "$rep" silent "replayed UDP packet"
rb_assert_eq "$(grep -c 'query\[A\] replayed.example.test' "$RB_TMP/dnsmasq.log")" 1 \
	"replayed UDP packet: queries that reached dnsmasq"

# the outbound: SOCKS5 UDP through ringbox to ss-server
for k in 0 1; do
	mi=$((k * 2))
	rb_bg "$RB_TMP/ss-server-$k.log" ip netns exec "$RB_NS_SRV" ss-server -U -s "$RB_SRV_IP4" \
		-p $((8488 + k)) -m "${METHODS[mi]}" -k "${PW[mi]}"
	rb_wait_for 5 grep -q "listening" "$RB_TMP/ss-server-$k.log" ||
		rb_fail "ss-server -U (${METHODS[mi]}) did not start: $(tail -2 "$RB_TMP/ss-server-$k.log")"
	out=$(ip netns exec "$RB_NS_CLI" timeout 30 "$RB_PY" "$RB_LIB_DIR/socks5_udp.py" "$RB_DP_CLI_IP4" \
		$((1080 + k)) "dns:$RB_SRV_IP4:53:so$k-a.example.test:10.9.8.7" \
		"dns:$RB_SRV_IP4:53:so$k-b.example.test:10.9.8.7" close 2>&1) ||
		rb_fail "outbound ${METHODS[mi]}: $out"
	grep -q "query\[A\] so$k-a.example.test from $RB_SRV_IP4" "$RB_TMP/dnsmasq.log" ||
		rb_fail "outbound ${METHODS[mi]}: dnsmasq did not see the query from ss-server"
	rb_note "outbound ${METHODS[mi]}: DNS over SOCKS5 UDP -> shadowsocks -> ss-server ok"
done

# the server given by name: resolved first (dnsmasq saw the dataplane ask), then used
out=$(ip netns exec "$RB_NS_CLI" timeout 30 "$RB_PY" "$RB_LIB_DIR/socks5_udp.py" "$RB_DP_CLI_IP4" 1082 \
	"dns:$RB_SRV_IP4:53:so2-a.example.test:10.9.8.7" "dns:$RB_SRV_IP4:53:so2-b.example.test:10.9.8.7" \
	close 2>&1) || rb_fail "outbound server by name: $out"
grep -q "query\[A\] ss-server.example.test from $RB_DP_SRV_IP4" "$RB_TMP/dnsmasq.log" ||
	rb_fail "dnsmasq did not see the server name asked from $RB_DP_SRV_IP4"
grep -q "query\[A\] so2-a.example.test from $RB_SRV_IP4" "$RB_TMP/dnsmasq.log" ||
	rb_fail "outbound server by name: dnsmasq did not see the query from ss-server"
rb_note "outbound server by name: resolved, DNS through ss-server ok"
# a server name that does not resolve: no answer, nothing sent, counted
if out=$(ip netns exec "$RB_NS_CLI" timeout 30 "$RB_PY" "$RB_LIB_DIR/socks5_udp.py" "$RB_DP_CLI_IP4" \
	1083 "dns:$RB_SRV_IP4:53:so3-a.example.test:10.9.8.7" 2>&1); then
	rb_fail "outbound server name that does not resolve: answered: $out"
fi
grep -q "query\[A\] ss-gone.nx.test from $RB_DP_SRV_IP4" "$RB_TMP/dnsmasq.log" ||
	rb_fail "dnsmasq did not see the unresolvable server name asked"
rb_assert_eq "$(grep -c 'query\[A\] so3-a.example.test' "$RB_TMP/dnsmasq.log")" 0 \
	"unresolvable server name: queries that reached dnsmasq"
# a server name whose answer never comes: the client gives up (3 s), its
# session ends while resolving; past the resolver's 8 s nothing was counted
if out=$(ip netns exec "$RB_NS_CLI" timeout 30 "$RB_PY" "$RB_LIB_DIR/socks5_udp.py" "$RB_DP_CLI_IP4" \
	1084 "dns:$RB_SRV_IP4:53:so4-a.example.test:10.9.8.7" 2>&1); then
	rb_fail "outbound server name never answered: answered: $out"
fi
grep -q "query\[A\] ss-slow.slow.test from $RB_DP_SRV_IP4" "$RB_TMP/dnsmasq.log" ||
	rb_fail "dnsmasq did not see the slow server name asked"
sleep 9

# idle sessions end: DNS sessions after 10 s
rb_wait_for 20 sh -c "'$RB_BUILD/tools/ringboxctl' -s '$PX_SOCK' stats | grep -q 'proxy_udp_timeout'" ||
	rb_fail "no UDP session timed out"

rb_dp_stop
rb_assert_stat_ge drop.ss_udp_auth 1
rb_assert_stat_ge drop.ss_udp_replay 1
rb_assert_eq "$(rb_stat drop.ss_udp_resolve)" 1 "server names that did not resolve (nx only: slow cancelled)"
rb_assert_stat_ge event.proxy_udp_session 8
rb_pass "${#METHODS[@]} methods in, 2 out, server by name, DNS"
