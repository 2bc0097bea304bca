#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Upstream proxy outbounds: the router sends each inbound's requests to a
# `socks` outbound (dante-server, no auth; microsocks, username/password),
# an `http` outbound (tinyproxy, CONNECT with Basic auth) or a `detour`
# chain (socks to microsocks reached through tinyproxy).  Each upstream
# dials nginx from its own extra address in srv, so nginx's access log tells
# which upstream carried each request; the upstreams' own logs show the
# appliance as their client.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/proxy_lib.sh"
rb_init
rb_require_cmd curl danted microsocks tinyproxy
rb_topo_two_hosts
N=10.$RB_NET.2
DANTE_EXT=$N.3 MICRO_EXT=$N.4 TINY_EXT=$N.5
for a in $DANTE_EXT $MICRO_EXT $TINY_EXT; do
	ip -n "$RB_NS_SRV" addr add "$a/24" dev "$RB_IF_SRV" || rb_fail "addr $a"
done
PX_CTL=$(px_control_cfg)
PX_SOCK=$RB_TMP/run/ctl.sock
px_config "
$PX_CTL
inbounds = (
  { type = \"socks\"; tag = \"to-dante\"; listen = \"$RB_DP_CLI_IP4\"; listen_port = 1080; },
  { type = \"socks\"; tag = \"to-micro\"; listen = \"$RB_DP_CLI_IP4\"; listen_port = 1081; },
  { type = \"http\"; tag = \"to-tiny\"; listen = \"$RB_DP_CLI_IP4\"; listen_port = 1082; },
  { type = \"mixed\"; tag = \"to-chain\"; listen = \"$RB_DP_CLI_IP4\"; listen_port = 1083; },
  { type = \"socks\"; tag = \"to-badauth\"; listen = \"$RB_DP_CLI_IP4\"; listen_port = 1084; },
  { type = \"socks\"; tag = \"to-direct\"; listen = \"$RB_DP_CLI_IP4\"; listen_port = 1085; }
);
outbounds = (
  { type = \"direct\"; tag = \"direct\"; },
  { type = \"socks\"; tag = \"dante\"; server = \"$RB_SRV_IP4\"; server_port = 1090; },
  { type = \"socks\"; tag = \"micro\"; server = \"$RB_SRV_IP4\"; server_port = 1091;
    username = \"carol\"; password = \"s3cret\"; },
  { type = \"http\"; tag = \"tiny\"; server = \"$RB_SRV_IP4\"; server_port = 1092;
    username = \"dave\"; password = \"p4ss\"; },
  { type = \"socks\"; tag = \"micro-via-tiny\"; server = \"$RB_SRV_IP4\"; server_port = 1091;
    username = \"carol\"; password = \"s3cret\"; detour = \"tiny\"; },
  { type = \"socks\"; tag = \"micro-badauth\"; server = \"$RB_SRV_IP4\"; server_port = 1091;
    username = \"carol\"; password = \"wrong\"; }
);
route = {
  rules = (
    { inbound = \"to-dante\"; outbound = \"dante\"; },
    { inbound = \"to-micro\"; outbound = \"micro\"; },
    { inbound = \"to-tiny\"; outbound = \"tiny\"; },
    { inbound = \"to-chain\"; outbound = \"micro-via-tiny\"; },
    { inbound = \"to-badauth\"; outbound = \"micro-badauth\"; }
  );
  final = \"direct\";
};
"
rb_dp_start --eal "-m 768"
px_control_start
px_nginx_start

# dante: no auth, logs each connect
px_dante_start 1090 "$DANTE_EXT"
# microsocks: username/password, binds its outgoing sockets to MICRO_EXT
rb_bg "$RB_TMP/micro.log" ip netns exec "$RB_NS_SRV" microsocks -i "$RB_SRV_IP4" -p 1091 \
	-b "$MICRO_EXT" -u carol -P s3cret
# tinyproxy: CONNECT only to nginx and microsocks, Basic auth
cat >"$RB_TMP/tinyproxy.conf" <<CONF
Port 1092
Listen $RB_SRV_IP4
Bind $TINY_EXT
Timeout 60
LogFile "$RB_TMP/tinyproxy.log"
LogLevel Connect
MaxClients 64
BasicAuth dave p4ss
ConnectPort 8080
ConnectPort 1091
CONF
rb_bg "$RB_TMP/tinyproxy.out" ip netns exec "$RB_NS_SRV" tinyproxy -d -c "$RB_TMP/tinyproxy.conf"
for port in 1090 1091 1092; do
	rb_wait_for 5 ip netns exec "$RB_NS_SRV" bash -c "exec 3<>/dev/tcp/$RB_SRV_IP4/$port" ||
		rb_fail "upstream on $port did not come up: $(cat "$RB_TMP"/danted.out "$RB_TMP"/micro.log \
			"$RB_TMP"/tinyproxy.out 2>/dev/null | tail -5 | tr '\n' ' ')"
done

P=$RB_DP_CLI_IP4
px_wait_proxy "socks5://$P:1085"
rb_dp_stats
rb_stats_mark
# the client address nginx logged for a unique path
seen_by() { awk -v p="/$1" '$7 == p { print $1 }' "$RB_TMP/nginx/access.log" | sort -u | tr '\n' ' '; }
n=0
via() { # proxy expected-nginx-client what [curl args]
	local proxy=$1 want=$2 what=$3
	shift 3
	n=$((n + 1))
	cp "$RB_TMP/www/index.html" "$RB_TMP/www/u$n"
	px_curl "$@" -x "$proxy" "http://$RB_SRV_IP4:8080/u$n" || rb_fail "$what: $PX_OUT"
	[ "$PX_OUT" = "hello from srv" ] || rb_fail "$what: got '$PX_OUT'"
	rb_assert_eq "$(seen_by "u$n")" "$want " "$what: client address in nginx's log"
}
via "socks5h://$P:1080" "$DANTE_EXT" "via dante (socks outbound)"
via "socks5://$P:1081" "$MICRO_EXT" "via microsocks (socks outbound, auth)"
via "http://$P:1082" "$TINY_EXT" "via tinyproxy (http outbound, forwarded)"
via "http://$P:1082" "$TINY_EXT" "via tinyproxy (http outbound, CONNECT)" -p
via "socks5h://$P:1083" "$MICRO_EXT" "chain micro<-tiny (socks)"
via "http://$P:1083" "$MICRO_EXT" "chain micro<-tiny (http)" -p
via "socks5://$P:1085" "$RB_DP_SRV_IP4" "direct"
px_dante_children # stopped at cleanup too

# the upstreams' logs: dante and tinyproxy saw the appliance's address as
# their client; tinyproxy's CONNECT of the chain went to microsocks
grep -q "$RB_DP_SRV_IP4" "$RB_TMP/danted.log" ||
	rb_fail "dante's log never names $RB_DP_SRV_IP4: $(tail -3 "$RB_TMP/danted.log" | tr '\n' ' ')"
grep -q "$RB_DP_SRV_IP4" "$RB_TMP/tinyproxy.log" ||
	rb_fail "tinyproxy's log never names $RB_DP_SRV_IP4"
grep -qE "CONNECT $RB_SRV_IP4:1091" "$RB_TMP/tinyproxy.log" ||
	rb_fail "tinyproxy never carried the chain's CONNECT to microsocks: $(grep -i connect "$RB_TMP/tinyproxy.log" | tail -3 | tr '\n' ' ')"

# the upstream refuses the outbound's credentials: the client gets an error,
# nginx sees nothing, the dial failure is counted
n=$((n + 1))
cp "$RB_TMP/www/index.html" "$RB_TMP/www/u$n"
px_curl -x "socks5://$P:1084" "http://$RB_SRV_IP4:8080/u$n" && rb_fail "wrong upstream password: got through"
rb_assert_eq "$(seen_by "u$n")" "" "wrong upstream password: nginx log"
rb_dp_stats
rb_assert_stat_delta_ge event.proxy_dial_fail 1
rb_assert_stat_delta_ge event.proxy_relay 7
rb_dp_stop
rb_pass "dante, microsocks (auth), tinyproxy (auth), detour chain, bad upstream auth"
