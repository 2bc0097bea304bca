#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Shadowsocks 2022 UDP (SIP022 3.2, 4.1; SIP023 identity headers), ringbox
# <-> ringbox (no 2022 peer is packaged in Debian), one dataplane both ends:
#   socks5_udp.py (cli) -> socks inbound -> shadowsocks 2022 outbound
#   (dataplane/ss/ss_udp_out.c) -> ss_udp_relay.py (srv, a UDP relay back
#   to the dataplane's srv-side address) -> shadowsocks 2022 inbound
#   (ss_udp_in.c) -> direct -> UDP echo / dnsmasq (srv)
# checks, per method: datagrams of 1, 100, 1000 and 1400 bytes echoed
# byte-exact, a DNS query (padded); multi-user (two users byte-exact through
# iPSK:uPSK outbounds, a key of no user gets nothing, counted ss_udp_user
# and as the inbound's auth failure); a wrong key (nothing reaches dnsmasq,
# ss_udp_auth, auth failure); a replayed packet (recorded by the relay,
# sent again: silent, dnsmasq sees the query once, ss_udp_replay and the
# inbound's replay errors); idle flows end (udp_timeout = 3 s on one inbound).
# The inbound's flows beyond direct-to-IP: a domain target (the dataplane's
# resolver asks dnsmasq, then direct) and an inbound routed to a socks
# outbound (dante in srv, UDP ASSOCIATE) byte-exact.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/proxy_lib.sh"
. "$(dirname "$0")/ss_lib.sh"
rb_init
rb_require_cmd dnsmasq openssl curl danted
rb_topo_two_hosts
METHODS=(2022-blake3-aes-128-gcm 2022-blake3-aes-256-gcm 2022-blake3-chacha20-poly1305)
KLEN=(16 32 32)
KEY=() ins= outs= rules=
for i in "${!METHODS[@]}"; do
	KEY[i]=$(openssl rand -base64 "${KLEN[i]}")
	ins+="{ type = \"socks\"; tag = \"c$i\"; listen = \"$RB_DP_CLI_IP4\"; listen_port = $((1080 + i)); },
  { type = \"shadowsocks\"; tag = \"s$i\"; listen = \"$RB_DP_SRV_IP4\"; listen_port = $((18388 + i));
    method = \"${METHODS[i]}\"; password = \"${KEY[i]}\"; network = \"udp\"; $([ "$i" = 0 ] && echo 'udp_timeout = 3;') },
  "
	outs+="{ type = \"shadowsocks\"; tag = \"o$i\"; server = \"$RB_SRV_IP4\"; server_port = $((8388 + i));
    method = \"${METHODS[i]}\"; password = \"${KEY[i]}\"; },
  "
	rules+="{ inbound = \"c$i\"; outbound = \"o$i\"; },
    "
done
BADKEY=$(openssl rand -base64 16)
IPSK=$(openssl rand -base64 32) UA=$(openssl rand -base64 32) UB=$(openssl rand -base64 32)
UC=$(openssl rand -base64 32)
KD=$(openssl rand -base64 16)
PX_MPORT=$((20000 + RANDOM % 20000)) # before px_control_cfg: it runs in a subshell
PX_CTL=$(px_control_cfg)
PX_SOCK=$RB_TMP/run/ctl.sock
px_config "
$PX_CTL
$(px_dns_cfg)
inbounds = (
  $ins{ type = \"socks\"; tag = \"c-bad\"; listen = \"$RB_DP_CLI_IP4\"; listen_port = 1090; },
  { type = \"socks\"; tag = \"c-rec\"; listen = \"$RB_DP_CLI_IP4\"; listen_port = 1091; },
  { type = \"socks\"; tag = \"c-ua\"; listen = \"$RB_DP_CLI_IP4\"; listen_port = 1092; },
  { type = \"socks\"; tag = \"c-ub\"; listen = \"$RB_DP_CLI_IP4\"; listen_port = 1093; },
  { type = \"socks\"; tag = \"c-uc\"; listen = \"$RB_DP_CLI_IP4\"; listen_port = 1094; },
  { type = \"shadowsocks\"; tag = \"s-mu\"; listen = \"$RB_DP_SRV_IP4\"; listen_port = 18392;
    method = \"2022-blake3-aes-256-gcm\"; password = \"$IPSK\"; network = \"udp\";
    users = ( { username = \"a\"; password = \"$UA\"; }, { username = \"b\"; password = \"$UB\"; } ); },
  { type = \"socks\"; tag = \"c-d\"; listen = \"$RB_DP_CLI_IP4\"; listen_port = 1095; },
  { type = \"shadowsocks\"; tag = \"s-d\"; listen = \"$RB_DP_SRV_IP4\"; listen_port = 18393;
    method = \"2022-blake3-aes-128-gcm\"; password = \"$KD\"; network = \"udp\"; }
);
outbounds = (
  $outs{ type = \"direct\"; tag = \"direct\"; },
  { type = \"shadowsocks\"; tag = \"o-bad\"; server = \"$RB_SRV_IP4\"; server_port = 8388;
    method = \"${METHODS[0]}\"; password = \"$BADKEY\"; },
  { type = \"shadowsocks\"; tag = \"o-rec\"; server = \"$RB_SRV_IP4\"; server_port = 8398;
    method = \"${METHODS[0]}\"; password = \"${KEY[0]}\"; },
  { type = \"shadowsocks\"; tag = \"o-ua\"; server = \"$RB_SRV_IP4\"; server_port = 8392;
    method = \"2022-blake3-aes-256-gcm\"; password = \"$IPSK:$UA\"; },
  { type = \"shadowsocks\"; tag = \"o-ub\"; server = \"$RB_SRV_IP4\"; server_port = 8392;
    method = \"2022-blake3-aes-256-gcm\"; password = \"$IPSK:$UB\"; },
  { type = \"shadowsocks\"; tag = \"o-uc\"; server = \"$RB_SRV_IP4\"; server_port = 8392;
    method = \"2022-blake3-aes-256-gcm\"; password = \"$IPSK:$UC\"; },
  { type = \"shadowsocks\"; tag = \"o-d\"; server = \"$RB_SRV_IP4\"; server_port = 8393;
    method = \"2022-blake3-aes-128-gcm\"; password = \"$KD\"; },
  { type = \"socks\"; tag = \"dante\"; server = \"$RB_SRV_IP4\"; server_port = 1085; }
);
route = {
  rules = (
    $rules{ inbound = \"c-bad\"; outbound = \"o-bad\"; },
    { inbound = \"c-rec\"; outbound = \"o-rec\"; },
    { inbound = \"c-ua\"; outbound = \"o-ua\"; },
    { inbound = \"c-ub\"; outbound = \"o-ub\"; },
    { inbound = \"c-uc\"; outbound = \"o-uc\"; },
    { inbound = \"c-d\"; outbound = \"o-d\"; },
    { inbound = \"s-d\"; outbound = \"dante\"; }
  );
  final = \"direct\";
};
"
px_start
px_dnsmasq_start
px_wait_rules
ss_udp_relay_start 8388:18388 8389:18389 8390:18390 8392:18392 8398:18388 8393:18393
E="$RB_SRV_IP4:7007"

for i in "${!METHODS[@]}"; do
	m=${METHODS[i]}
	out=$(px_udp_client $((1080 + i)) "echo:$E:1" "echo:$E:100" "echo:$E:1000" "echo:$E:1400" \
		"dns:$RB_SRV_IP4:53:m$i.example.test:$RB_SRV_IP4" 2>&1) || rb_fail "$m: $out"
	grep -q "query\[A\] m$i.example.test from $RB_DP_SRV_IP4" "$RB_TMP/dnsmasq.log" ||
		rb_fail "$m: dnsmasq did not see the query from the appliance"
	rb_note "$m: 1..1400-byte datagrams byte-exact, DNS ok"
done
rb_assert_ge "$(ss_metric 'ringbox_proxy_conns_total{inbound="s2"}')" 2 "flows of the 2022 inbound s2"

# ---- an independent client (ss22_udp_probe.py: 2022-blake3-chacha20-poly1305
# from the spec with python3-cryptography) to the chacha inbound: a reply
# that opens there (type 1, its session id echoed, the server's own id and
# packet ids 0, 1), the same packet again silent (window), timestamps 40 s
# off silent (ss_udp_time), 29 s off accepted
r=$(ip netns exec "$RB_NS_SRV" "$RB_PY" "$RB_LIB_DIR/ss22_udp_probe.py" "$RB_DP_SRV_IP4" 18390 \
	"${KEY[2]}" "$RB_SRV_IP4" 7007 send:0 again send:-40 send:40 send:29 2>&1)
rc=$?
if [ "$rc" = 2 ]; then
	rb_note "python3-cryptography missing: the independent client's check is skipped"
	PROBED=0
else
	rb_assert_eq "$(echo "$r" | tr '\n' ',')" \
		"reply ok (server packet id 0),silent,silent,silent,reply ok (server packet id 1)," \
		"independent 2022 client (replay, skew -40/+40/+29)"
	rb_note "independent chacha client: reply opened, replay and 40 s skew refused"
	PROBED=1
fi

# ---- a domain target: the inbound resolves it (dnsmasq) and goes direct
out=$(px_udp_client 1080 "dns:ns.example.test:53:dom.example.test:$RB_SRV_IP4" 2>&1) ||
	rb_fail "domain target: $out"
grep -q "query\[A\] ns.example.test from $RB_DP_SRV_IP4" "$RB_TMP/dnsmasq.log" ||
	rb_fail "domain target: the dataplane did not resolve ns.example.test"
grep -q "query\[A\] dom.example.test from $RB_DP_SRV_IP4" "$RB_TMP/dnsmasq.log" ||
	rb_fail "domain target: the query did not reach dnsmasq"
rb_note "domain target resolved by the inbound, DNS ok"

# ---- the inbound's flows through a socks outbound (dante, UDP ASSOCIATE)
px_dante_start 1085 "$RB_SRV_IP4"
out=$(px_udp_client 1095 "echo:$E:1" "echo:$E:1400" "dns:$RB_SRV_IP4:53:via-dante.example.test:$RB_SRV_IP4" 2>&1) ||
	rb_fail "through dante: $out"
px_dante_children
grep -q "query\[A\] via-dante.example.test from $RB_SRV_IP4" "$RB_TMP/dnsmasq.log" ||
	rb_fail "through dante: dnsmasq did not see the query from dante's address"
rb_note "inbound -> socks outbound (dante): byte-exact"

# ---- multi-user: users a and b through identity headers, c refused
for u in a b; do
	[ "$u" = a ] && port=1092 || port=1093
	out=$(px_udp_client $port "echo:$E:1" "echo:$E:1400" \
		"dns:$RB_SRV_IP4:53:user-$u.example.test:$RB_SRV_IP4" 2>&1) ||
		rb_fail "multi-user: user $u: $out"
done
mu0=$(ss_metric 'ringbox_proxy_auth_failures_total{inbound="s-mu"}')
PX_UDP_TIMEOUT=15 px_udp_client 1094 "dns:$RB_SRV_IP4:53:nouser.example.test:$RB_SRV_IP4" \
	>/dev/null 2>&1 && rb_fail "multi-user: a key of no user got an answer"
grep -q "nouser.example.test" "$RB_TMP/dnsmasq.log" && rb_fail "multi-user: the unknown user's query went through"
[ "$(ss_metric 'ringbox_proxy_auth_failures_total{inbound="s-mu"}')" -gt "$mu0" ] ||
	rb_fail "multi-user: the unknown user was not counted"

# ---- wrong key: nothing reaches dnsmasq, counted
auth0=$(ss_metric 'ringbox_proxy_auth_failures_total{inbound="s0"}')
PX_UDP_TIMEOUT=15 px_udp_client 1090 "dns:$RB_SRV_IP4:53:wrongkey.example.test:$RB_SRV_IP4" \
	>/dev/null 2>&1 && rb_fail "wrong key: answered"
grep -q "wrongkey.example.test" "$RB_TMP/dnsmasq.log" && rb_fail "wrong key: the query went through"
[ "$(ss_metric 'ringbox_proxy_auth_failures_total{inbound="s0"}')" -gt "$auth0" ] ||
	rb_fail "wrong key: auth failures of s0 did not move from $auth0"

# ---- replay: the relay on 8398 kept the last packet up; sent again
out=$(px_udp_client 1091 "dns:$RB_SRV_IP4:53:replayed.example.test:$RB_SRV_IP4" 2>&1) ||
	rb_fail "recorded query: $out"
rb_wait_for 5 test -s "$RB_TMP/8398.bin" || rb_fail "the relay recorded nothing"
rep0=$(ss_metric 'ringbox_proxy_handshake_errors_total{inbound="s0",reason="replay"}')
r=$(ip netns exec "$RB_NS_SRV" "$RB_PY" - "$RB_DP_SRV_IP4" 18388 "$RB_TMP/8398.bin" <<'PY'
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(1.5)
s.sendto(open(sys.argv[3], "rb").read(), (sys.argv[1], int(sys.argv[2])))
try:
    s.recv(4096)
    print("answered")
except socket.timeout:
    print("silent")
PY
)
rb_assert_eq "$r" silent "replayed 2022 UDP packet"
rb_assert_eq "$(grep -c 'query\[A\] replayed.example.test' "$RB_TMP/dnsmasq.log")" 1 \
	"replayed packet: queries that reached dnsmasq"
[ "$(ss_metric 'ringbox_proxy_handshake_errors_total{inbound="s0",reason="replay"}')" -gt "$rep0" ] ||
	rb_fail "replay: the inbound's replay errors did not move from $rep0"

# ---- idle flows end: s0 has udp_timeout = 3 s
rb_wait_for 20 sh -c "[ \"\$(curl -s http://127.0.0.1:$PX_MPORT/metrics | awk '\$1 == \"ringbox_proxy_conns_active{inbound=\\\"s0\\\"}\" { print \$2 }')\" = 0 ]" ||
	rb_fail "the 2022 inbound's flows did not expire: $(curl -s "http://127.0.0.1:$PX_MPORT/metrics" | grep 'conns_active{inbound="s0"')"

rb_dp_stop
rb_assert_stat_ge drop.ss_udp_auth 1
rb_assert_stat_ge drop.ss_udp_user 1
rb_assert_stat_ge drop.ss_udp_replay 1
rb_assert_stat_ge event.proxy_udp_timeout 1
[ "$PROBED" = 1 ] && rb_assert_stat_ge drop.ss_udp_time 2
rb_pass "${#METHODS[@]} 2022 methods over UDP ringbox <-> ringbox, 1..1400 B, multi-user, wrong key, replay, idle expiry, domain target, via dante"
