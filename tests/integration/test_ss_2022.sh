#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Shadowsocks 2022 (SIP022), ringbox <-> ringbox: no 2022 peer is packaged in
# Debian, so one dataplane is both ends.  Per method:
#   curl (cli) -> socks inbound -> shadowsocks 2022 outbound -> socat (srv,
#   a plain TCP relay back to the dataplane's srv-side address) ->
#   shadowsocks 2022 inbound -> direct -> nginx (srv)
# checks: a download (RB_SS22_MIB MiB) and an upload byte-exact (sha256), a
# domain target (resolved by the dataplane through dnsmasq); a multi-user
# inbound (SIP023 identity headers: two users' uploads byte-exact, a key of
# no user refused and counted); then a wrong key (refused, counted as an auth failure,
# nothing reaches nginx) and a replayed request (socat recorded the
# client's bytes; sent again: no answer, counted as a replay).
# Ports on lib.sh's default driver (af_xdp; RB_DRIVER=af_packet for the
# other).  The af_packet default of 3256bfc (an af_xdp TX stall after
# 40..230 MB) went with 956f0ee (mbuf pool inside the af_xdp UMEM).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/proxy_lib.sh"
. "$(dirname "$0")/ss_lib.sh"
rb_init
rb_require_cmd curl nginx socat openssl dnsmasq
MIB=${RB_SS22_MIB:-16}
rb_topo_two_hosts
METHODS=(2022-blake3-aes-128-gcm 2022-blake3-aes-256-gcm 2022-blake3-chacha20-poly1305)
KLEN=(16 32 32)
KEY=() ins= outs= rules=
for i in "${!METHODS[@]}"; do
	KEY[i]=$(openssl rand -base64 "${KLEN[i]}")
	ins+="{ type = \"socks\"; tag = \"c$i\"; listen = \"$RB_DP_CLI_IP4\"; listen_port = $((1080 + i)); },
  { type = \"shadowsocks\"; tag = \"s$i\"; listen = \"$RB_DP_SRV_IP4\"; listen_port = $((18388 + i));
    method = \"${METHODS[i]}\"; password = \"${KEY[i]}\"; network = \"tcp\"; },
  "
	outs+="{ type = \"shadowsocks\"; tag = \"o$i\"; server = \"$RB_SRV_IP4\"; server_port = $((8388 + i));
    method = \"${METHODS[i]}\"; password = \"${KEY[i]}\"; network = \"tcp\"; },
  "
	rules+="{ inbound = \"c$i\"; outbound = \"o$i\"; },
    "
done
BADKEY=$(openssl rand -base64 16)
# multi-user (SIP023): iPSK on the inbound, users A and B; C is no user
IPSK=$(openssl rand -base64 32) UA=$(openssl rand -base64 32) UB=$(openssl rand -base64 32)
UC=$(openssl rand -base64 32)
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
    method = \"2022-blake3-aes-256-gcm\"; password = \"$IPSK\"; network = \"tcp\";
    users = ( { username = \"a\"; password = \"$UA\"; }, { username = \"b\"; password = \"$UB\"; } ); }
);
outbounds = (
  $outs{ type = \"direct\"; tag = \"direct\"; },
  { type = \"shadowsocks\"; tag = \"o-bad\"; server = \"$RB_SRV_IP4\"; server_port = 8388;
    method = \"${METHODS[0]}\"; password = \"$BADKEY\"; network = \"tcp\"; },
  { type = \"shadowsocks\"; tag = \"o-rec\"; server = \"$RB_SRV_IP4\"; server_port = 8398;
    method = \"${METHODS[0]}\"; password = \"${KEY[0]}\"; network = \"tcp\"; },
  { type = \"shadowsocks\"; tag = \"o-ua\"; server = \"$RB_SRV_IP4\"; server_port = 8392;
    method = \"2022-blake3-aes-256-gcm\"; password = \"$IPSK:$UA\"; network = \"tcp\"; },
  { type = \"shadowsocks\"; tag = \"o-ub\"; server = \"$RB_SRV_IP4\"; server_port = 8392;
    method = \"2022-blake3-aes-256-gcm\"; password = \"$IPSK:$UB\"; network = \"tcp\"; },
  { type = \"shadowsocks\"; tag = \"o-uc\"; server = \"$RB_SRV_IP4\"; server_port = 8392;
    method = \"2022-blake3-aes-256-gcm\"; password = \"$IPSK:$UC\"; network = \"tcp\"; }
);
route = {
  rules = (
    $rules{ inbound = \"c-bad\"; outbound = \"o-bad\"; },
    { inbound = \"c-rec\"; outbound = \"o-rec\"; },
    { inbound = \"c-ua\"; outbound = \"o-ua\"; },
    { inbound = \"c-ub\"; outbound = \"o-ub\"; },
    { inbound = \"c-uc\"; outbound = \"o-uc\"; }
  );
  final = \"direct\";
};
"
rb_dp_start --eal "-m 768"
px_control_start
PX_BIG=$MIB px_nginx_start
px_dnsmasq_start
C() { ip netns exec "$RB_NS_CLI" "$@"; }
ss_hash_server_start
# the relays back to the dataplane; on 8398 one connection, recorded
for i in "${!METHODS[@]}"; do
	rb_bg "$RB_TMP/socat-$i.log" ip netns exec "$RB_NS_SRV" socat \
		"TCP-LISTEN:$((8388 + i)),bind=$RB_SRV_IP4,reuseaddr,fork" \
		"TCP:$RB_DP_SRV_IP4:$((18388 + i))"
done
rb_bg "$RB_TMP/socat-mu.log" ip netns exec "$RB_NS_SRV" socat \
	"TCP-LISTEN:8392,bind=$RB_SRV_IP4,reuseaddr,fork" "TCP:$RB_DP_SRV_IP4:18392"
rb_bg "$RB_TMP/socat-rec.log" ip netns exec "$RB_NS_SRV" socat -r "$RB_TMP/rec.bin" \
	"TCP-LISTEN:8398,bind=$RB_SRV_IP4,reuseaddr" "TCP:$RB_DP_SRV_IP4:18388"
ss_wait_srv_ports 8388 8389 8390 8392 9000
px_wait_proxy "socks5://$RB_DP_CLI_IP4:1080"
head -c "$((4 << 20))" "$RB_TMP/www/big.bin" >"$RB_TMP/up.bin"
UP_SHA=$(sha256sum <"$RB_TMP/up.bin" | cut -d' ' -f1)

for i in "${!METHODS[@]}"; do
	m=${METHODS[i]}
	ss_transfer_check "$m" "socks5h://$RB_DP_CLI_IP4:$((1080 + i))" big.bin "$PX_BIG_SHA" "$MIB" \
		"$RB_TMP/up.bin" "$UP_SHA" "http://origin.example.test:8080/index.html"
done

# ---- multi-user inbound: users A and B through identity headers, C refused
for u in a b; do
	[ "$u" = a ] && port=1092 || port=1093
	got=$(C curl -sf --max-time 60 -x "socks5h://$RB_DP_CLI_IP4:$port" --data-binary @"$RB_TMP/up.bin" \
		-H "Expect:" "http://$RB_SRV_IP4:9000/up")
	[ "$got" = "$UP_SHA" ] || rb_fail "multi-user: user $u: 4 MiB upload is not byte-exact ($got)"
	PX_TIMEOUT=10 px_curl -x "socks5h://$RB_DP_CLI_IP4:$port" "http://$RB_SRV_IP4:8080/index.html"
	[ "$PX_OUT" = "hello from srv" ] || rb_fail "multi-user: user $u: $PX_OUT"
done
mu0=$(ss_metric 'ringbox_proxy_auth_failures_total{inbound="s-mu"}')
cp "$RB_TMP/www/index.html" "$RB_TMP/www/nouser"
C curl -sf -o /dev/null --max-time 3 -x "socks5h://$RB_DP_CLI_IP4:1094" \
	"http://$RB_SRV_IP4:8080/nouser" && rb_fail "multi-user: a key of no user went through"
ss_metric_wait_gt 'ringbox_proxy_auth_failures_total{inbound="s-mu"}' "$mu0" "multi-user: the unknown user"
rb_assert_eq "$(px_hit access /nouser)" 0 "multi-user: unknown user's requests that reached nginx"

# ---- wrong key: the inbound says nothing, counts it, nginx sees nothing
auth0=$(ss_metric 'ringbox_proxy_auth_failures_total{inbound="s0"}')
cp "$RB_TMP/www/index.html" "$RB_TMP/www/wrongkey"
C curl -sf -o /dev/null --max-time 3 -x "socks5h://$RB_DP_CLI_IP4:1090" \
	"http://$RB_SRV_IP4:8080/wrongkey" && rb_fail "wrong key: the request went through"
ss_metric_wait_gt 'ringbox_proxy_auth_failures_total{inbound="s0"}' "$auth0" "wrong key"
rb_assert_eq "$(px_hit access /wrongkey)" 0 "wrong key: requests that reached nginx"

# ---- replay: a recorded request (through socat on 8398), sent again
cp "$RB_TMP/www/index.html" "$RB_TMP/www/replayed"
PX_TIMEOUT=10 px_curl -x "socks5h://$RB_DP_CLI_IP4:1091" "http://$RB_SRV_IP4:8080/replayed"
[ "$PX_OUT" = "hello from srv" ] || rb_fail "recorded request: $PX_OUT"
rb_wait_for 5 test -s "$RB_TMP/rec.bin" || rb_fail "socat recorded nothing"
rep0=$(ss_metric 'ringbox_proxy_handshake_errors_total{inbound="s0",reason="replay"}')
r=$(ip netns exec "$RB_NS_SRV" /usr/bin/python3 "$RB_LIB_DIR/replay_send.py" "$RB_DP_SRV_IP4" 18388 \
	"$RB_TMP/rec.bin" 1.5) || rb_fail "replay client failed"
rb_assert_eq "$r" silent "replayed request"
ss_metric_wait_gt 'ringbox_proxy_handshake_errors_total{inbound="s0",reason="replay"}' "$rep0" "replay"
rb_assert_eq "$(px_hit access /replayed)" 1 "replayed request: hits at nginx"

rb_dp_stop
rb_pass "${#METHODS[@]} 2022 methods ringbox <-> ringbox, $MIB MiB, multi-user, wrong key, replay"
