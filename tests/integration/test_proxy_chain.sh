#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Outbound chains through Shadowsocks hops (dataplane/proxy/proxy_layer.c):
# the handshakes and payload of the outer protocol are sealed by the
# shadowsocks outbound below it, and the replies opened by it.
#   (a) curl -> ringbox socks inbound -> `socks` outbound (danted) whose
#       detour is a `shadowsocks` outbound -> ss-server A -> danted -> nginx
#   (b) shadowsocks over shadowsocks: ss-server A -> ss-server B -> nginx
#   (c) `http` outbound (tinyproxy, CONNECT) over ss-server A
#   (e) socks (danted) over ss B over ss A: three levels
#   (f) ss A alone (the baseline)
#   (g) ss-local -> ringbox's shadowsocks inbound -> socks over ss A:
#       transforms on both sides of the relay
#   (d) socks over a shadowsocks hop with the wrong password: the client
#       gets a SOCKS failure, nothing reaches nginx, the dial failure is
#       counted (event and routed outbound), no session is left
# Every peer dials from its own extra address in srv (ss-server -b, dante
# `external`, tinyproxy `Bind`), so nginx's log names the last hop of each
# chain, and danted's/tinyproxy's logs name the hop below them.  Downloads
# and uploads (a hashing server) are checked by sha256 both ways; while
# three rate-limited transfers run, `ringboxctl conns` shows each with its
# routed outbound.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/proxy_lib.sh"
. "$(dirname "$0")/ss_lib.sh"
rb_init
rb_require_cmd curl nginx ss-server ss-local danted tinyproxy
MIB=${RB_CHAIN_MIB:-16}
rb_topo_two_hosts
N=10.$RB_NET.2
SSA_EXT=$N.11 SSB_EXT=$N.12 DANTE_EXT=$N.21 TINY_EXT=$N.31
for a in $SSA_EXT $SSB_EXT $DANTE_EXT $TINY_EXT; do
	ip -n "$RB_NS_SRV" addr add "$a/24" dev "$RB_IF_SRV" || rb_fail "addr $a"
done
PW_A="pw-a-$RANDOM$RANDOM" PW_B="pw-b-$RANDOM$RANDOM" PW_G="pw-g-$RANDOM$RANDOM"
S=$RB_SRV_IP4
px_control_init
px_config "
$PX_CTL
inbounds = (
  { type = \"socks\"; tag = \"in-a\"; listen = \"$RB_DP_CLI_IP4\"; listen_port = 1080; },
  { type = \"socks\"; tag = \"in-b\"; listen = \"$RB_DP_CLI_IP4\"; listen_port = 1081; },
  { type = \"socks\"; tag = \"in-c\"; listen = \"$RB_DP_CLI_IP4\"; listen_port = 1082; },
  { type = \"socks\"; tag = \"in-d\"; listen = \"$RB_DP_CLI_IP4\"; listen_port = 1083; },
  { type = \"socks\"; tag = \"in-e\"; listen = \"$RB_DP_CLI_IP4\"; listen_port = 1084; },
  { type = \"socks\"; tag = \"in-f\"; listen = \"$RB_DP_CLI_IP4\"; listen_port = 1085; },
  { type = \"shadowsocks\"; tag = \"in-g\"; listen = \"$RB_DP_CLI_IP4\"; listen_port = 8400;
    method = \"aes-128-gcm\"; password = \"$PW_G\"; network = \"tcp\"; }
);
outbounds = (
  { type = \"direct\"; tag = \"direct\"; },
  { type = \"shadowsocks\"; tag = \"ss-a\"; server = \"$S\"; server_port = 8388;
    method = \"aes-256-gcm\"; password = \"$PW_A\"; },
  { type = \"shadowsocks\"; tag = \"ss-b-over-a\"; server = \"$S\"; server_port = 8389;
    method = \"chacha20-ietf-poly1305\"; password = \"$PW_B\"; detour = \"ss-a\"; },
  { type = \"socks\"; tag = \"dante-over-ss\"; server = \"$S\"; server_port = 1090; detour = \"ss-a\"; },
  { type = \"http\"; tag = \"tiny-over-ss\"; server = \"$S\"; server_port = 3130; detour = \"ss-a\"; },
  { type = \"socks\"; tag = \"dante-over-ss2\"; server = \"$S\"; server_port = 1090;
    detour = \"ss-b-over-a\"; },
  { type = \"shadowsocks\"; tag = \"ss-bad\"; server = \"$S\"; server_port = 8388;
    method = \"aes-256-gcm\"; password = \"not-$PW_A\"; },
  { type = \"socks\"; tag = \"dante-over-bad\"; server = \"$S\"; server_port = 1090;
    detour = \"ss-bad\"; connect_timeout = \"3s\"; }
);
route = {
  rules = (
    { inbound = \"in-a\"; outbound = \"dante-over-ss\"; },
    { inbound = \"in-b\"; outbound = \"ss-b-over-a\"; },
    { inbound = \"in-c\"; outbound = \"tiny-over-ss\"; },
    { inbound = \"in-d\"; outbound = \"dante-over-bad\"; },
    { inbound = \"in-e\"; outbound = \"dante-over-ss2\"; },
    { inbound = \"in-f\"; outbound = \"ss-a\"; },
    { inbound = \"in-g\"; outbound = \"dante-over-ss\"; }
  );
  final = \"direct\";
};
"
rb_dp_start --eal "-m 768"
px_control_start
PX_BIG=$MIB px_nginx_start
BIG_SHA=$PX_BIG_SHA
C() { ip netns exec "$RB_NS_CLI" "$@"; }

ss_server_start a 8388 aes-256-gcm "$PW_A" "$SSA_EXT"
ss_server_start b 8389 chacha20-ietf-poly1305 "$PW_B" "$SSB_EXT"
px_dante_start 1090 "$DANTE_EXT"
cat >"$RB_TMP/tinyproxy.conf" <<CONF
Port 3130
Listen $S
Bind $TINY_EXT
Timeout 60
LogFile "$RB_TMP/tinyproxy.log"
LogLevel Connect
MaxClients 32
ConnectPort 8080
ConnectPort 9000
CONF
rb_bg "$RB_TMP/tinyproxy.out" ip netns exec "$RB_NS_SRV" tinyproxy -d -c "$RB_TMP/tinyproxy.conf"
rb_bg "$RB_TMP/hashsrv.log" ip netns exec "$RB_NS_SRV" /usr/bin/python3 "$RB_LIB_DIR/hash_server.py" --peer "$S"
rb_bg "$RB_TMP/ss-local.log" ip netns exec "$RB_NS_CLI" ss-local -s "$RB_DP_CLI_IP4" -p 8400 \
	-b 127.0.0.1 -l 1086 -m aes-128-gcm -k "$PW_G" -t 30
for p in 8388 8389 3130 9000; do
	rb_wait_for 5 ip netns exec "$RB_NS_SRV" bash -c "exec 3<>/dev/tcp/$S/$p" ||
		rb_fail "peer on port $p did not start: $(tail -3 "$RB_TMP"/ss-*.log "$RB_TMP/tinyproxy.out" 2>/dev/null | tr '\n' ' ')"
done
rb_wait_for 5 ip netns exec "$RB_NS_CLI" bash -c "exec 3<>/dev/tcp/127.0.0.1/1086" ||
	rb_fail "ss-local did not start: $(tail -3 "$RB_TMP/ss-local.log" | tr '\n' ' ')"
px_wait_rules
rb_wait_for 10 ip netns exec "$RB_NS_CLI" curl -sf -o /dev/null --max-time 3 \
	-x "socks5://$RB_DP_CLI_IP4:1080" "http://$S:8080/" ||
	rb_fail "no answer through the socks-over-ss chain: $(tail -3 "$RB_TMP/danted.log" | tr '\n' ' ')"
px_dante_children
head -c "$((MIB << 19))" "$RB_TMP/www/big.bin" >"$RB_TMP/up.bin"
UP_SHA=$(sha256sum <"$RB_TMP/up.bin" | cut -d' ' -f1)

# the client address nginx logged for a unique path
seen_by() { awk -v p="/$1" '$7 == p { print $1 }' "$RB_TMP/nginx/access.log" | sort -u | tr '\n' ' '; }
# chain PORT LAST-HOP-ADDRESS WHAT [PROXY]: a small file (its path unique),
# a download and an upload, byte-exact, each seen from the chain's last hop;
# through the socks inbound on PORT (or PROXY)
chain() {
	local port=$1 last=$2 what=$3 px=${4:-socks5://$RB_DP_CLI_IP4:$1} got
	cp "$RB_TMP/www/index.html" "$RB_TMP/www/$port"
	PX_TIMEOUT=10 px_curl -x "$px" "http://$S:8080/$port" ||
		rb_fail "$what: $PX_OUT"
	[ "$PX_OUT" = "hello from srv" ] || rb_fail "$what: got '$PX_OUT'"
	rb_assert_eq "$(seen_by "$port")" "$last " "$what: client address in nginx's log"
	t0=$(date +%s.%N)
	got=$(C curl -sf --max-time 60 -x "$px" "http://$S:8080/big.bin" |
		sha256sum | cut -d' ' -f1)
	t1=$(date +%s.%N)
	[ "$got" = "$BIG_SHA" ] || rb_fail "$what: $MIB MiB download is not byte-exact"
	rate=$(awk -v m="$MIB" -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", m / (b - a) }')
	got=$(C curl -sf --max-time 60 -x "$px" -H "Expect:" \
		--data-binary @"$RB_TMP/up.bin" "http://$S:9000/up")
	[ "$got" = "$UP_SHA $last" ] ||
		rb_fail "$what: $((MIB / 2)) MiB upload is not byte-exact or not from $last ($got)"
	rb_note "$what: byte-exact both ways, origin sees $last (download $rate MiB/s, informational)"
}
chain 1085 "$SSA_EXT" "(f) ss alone (the baseline)"
chain 1080 "$DANTE_EXT" "(a) socks over ss"
chain 1081 "$SSB_EXT" "(b) ss over ss"
chain 1082 "$TINY_EXT" "(c) http over ss"
chain 1084 "$DANTE_EXT" "(e) socks over ss over ss"
# (g) transforms on both sides: ss-local (cli) -> the shadowsocks inbound
# -> socks over ss; the client's records opened, the chain's sealed
chain 8400 "$DANTE_EXT" "(g) ss inbound to socks over ss" "socks5://127.0.0.1:1086"
# the hop below each protocol server: danted's clients were ss-server A
# (a) and B (e), tinyproxy's was A; none of them saw the appliance
grep -q "$SSA_EXT\.[0-9]* " "$RB_TMP/danted.log" ||
	rb_fail "(a) danted never saw ss-server A ($SSA_EXT) as its client: $(tail -3 "$RB_TMP/danted.log" | tr '\n' ' ')"
grep -q "$SSB_EXT\.[0-9]* " "$RB_TMP/danted.log" ||
	rb_fail "(e) danted never saw ss-server B ($SSB_EXT) as its client"
grep -q "$SSA_EXT" "$RB_TMP/tinyproxy.log" ||
	rb_fail "(c) tinyproxy never saw ss-server A ($SSA_EXT): $(tail -3 "$RB_TMP/tinyproxy.log" | tr '\n' ' ')"
# (dante writes ADDR.PORT, tinyproxy ADDR; a prefix of the .11 address is not it)
grep -qE "(^|[^0-9.])${RB_DP_SRV_IP4//./\\.}(\.[0-9]+)?([^0-9.]|\.?$)" "$RB_TMP/danted.log" \
	"$RB_TMP/tinyproxy.log" && rb_fail "danted or tinyproxy saw the appliance ($RB_DP_SRV_IP4) directly"

# conns: three slow transfers at once, each row with its routed outbound
pids=()
for port in 1080 1081 1082; do
	rb_bg "$RB_TMP/slow-$port.log" ip netns exec "$RB_NS_CLI" curl -sSf --max-time 60 \
		--limit-rate 3M -o "$RB_TMP/slow-$port.bin" -x "socks5://$RB_DP_CLI_IP4:$port" \
		"http://$S:8080/big.bin"
	pids+=("$RB_BG_PID")
done
relayed() {
	px_rbctl conns --json | "$RB_PY" -c "
import json, sys
print(' '.join(sorted(c['outbound'] for c in json.load(sys.stdin)['data'] if c['state'] == 'relay')))"
}
want="dante-over-ss ss-b-over-a tiny-over-ss"
relayed_all() { [ "$(relayed)" = "$want" ]; }
rb_wait_for 15 relayed_all || rb_fail "conns: the relayed rows' outbounds are '$(relayed)', not '$want'"
rb_note "conns: $(px_rbctl conns | tr -s ' ' | tr '\n' '|')"
for i in "${!pids[@]}"; do
	wait "${pids[i]}" || rb_fail "slow download $i: $(cat "$RB_TMP"/slow-*.log | tr '\n' ' ')"
done
for port in 1080 1081 1082; do
	rb_assert_eq "$(sha256sum <"$RB_TMP/slow-$port.bin" | cut -d' ' -f1)" "$BIG_SHA" \
		"slow download on $port"
done

# (d) the wrong password on the ss hop: ss-server A cannot open the records
# (a socks greeting sealed under the wrong key); the client gets a SOCKS
# failure, nginx nothing; counted as a dial failure of the routed outbound
px_scrape "$RB_TMP/m1.txt"
rb_dp_stats
rb_stats_mark
cp "$RB_TMP/www/index.html" "$RB_TMP/www/bad"
PX_TIMEOUT=10 px_curl -x "socks5://$RB_DP_CLI_IP4:1083" "http://$S:8080/bad" &&
	rb_fail "(d) wrong ss password: the request went through"
rb_assert_match "$PX_OUT" "SOCKS|proxy|Recv failure|reset|closed" "(d) the client's error"
rb_assert_eq "$(seen_by bad)" "" "(d) requests that reached nginx"
px_scrape "$RB_TMP/m2.txt"
rb_assert_eq "$(px_delta 'ringbox_proxy_dial_failures_total{outbound="dante-over-bad"}')" 1 \
	"(d) dial failures of dante-over-bad"
rb_assert_eq "$(px_delta 'ringbox_proxy_outbound_conns_total{outbound="dante-over-bad"}')" 1 \
	"(d) sessions routed to dante-over-bad"
rb_assert_eq "$(px_val "$RB_TMP/m2.txt" 'ringbox_proxy_outbound_conns_active{outbound="dante-over-bad"}')" 0 \
	"(d) sessions left open on dante-over-bad"
rb_dp_stats
rb_assert_stat_delta_ge event.proxy_dial_fail 1
rb_assert_eq "$(px_val "$RB_TMP/m2.txt" 'ringbox_proxy_dial_failures_total{outbound="dante-over-ss"}')" 0 \
	"dial failures of the good chains"
# ss-server A itself refused the records (it holds such a connection open
# against probing: the outbound's connect_timeout ends it)
grep -q "authentication error" "$RB_TMP/ss-a.log" ||
	rb_fail "(d) ss-server A logged no authentication error: $(tail -2 "$RB_TMP/ss-a.log" | tr '\n' ' ')"

rb_dp_stop
rb_pass "socks/ss/http over ss, socks over ss over ss, ss inbound to socks over ss: byte-exact both ways, last hops seen; conns rows; wrong ss password refused and counted"
