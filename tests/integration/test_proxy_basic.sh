#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Proxy: socks, http and mixed inbounds with the direct outbound, curl in
# cli to nginx in srv through socks5://, socks5h://, socks4://, socks4a://,
# http:// (CONNECT and absolute-URI forwarding) and mixed; a 100 MiB
# download byte-exact (sha256); counters checked at the dataplane, the
# result checked at the server (nginx's access log sees the appliance's
# address as the client).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/proxy_lib.sh"
rb_init
rb_require_cmd curl
# PX_BIG: MiB of the byte-exact download (default 100, the issue's size).
PX_BIG=${PX_BIG:-100}
rb_topo_two_hosts
PX_CTL=$(px_control_cfg)
PX_SOCK=$RB_TMP/run/ctl.sock
px_config "
$PX_CTL
inbounds = (
  { type = \"socks\"; tag = \"socks-in\"; listen = \"$RB_DP_CLI_IP4\"; listen_port = 1080; },
  { type = \"http\"; tag = \"http-in\"; listen = \"$RB_DP_CLI_IP4\"; listen_port = 3128; },
  { type = \"mixed\"; tag = \"mixed-in\"; listen = \"$RB_DP_CLI_IP4\"; listen_port = 2080; }
);
outbounds = ( { type = \"direct\"; tag = \"direct\"; } );
"
rb_dp_start
px_control_start
px_nginx_start
P=$RB_DP_CLI_IP4
URL=http://$RB_SRV_IP4:8080/index.html
px_wait_proxy "socks5://$P:1080"
rb_stats_mark 2>/dev/null || true

for proxy in "socks5://$P:1080" "socks5h://$P:1080" "socks4://$P:1080" "socks4a://$P:1080" \
	"http://$P:3128" "socks5://$P:2080" "socks5h://$P:2080" "socks4a://$P:2080" \
	"http://$P:2080"; do
	px_curl -x "$proxy" "$URL" || rb_fail "curl via $proxy: $PX_OUT"
	[ "$PX_OUT" = "hello from srv" ] || rb_fail "curl via $proxy: got '$PX_OUT'"
	# CONNECT through the http proxies
	case $proxy in
	http://*)
		px_curl -p -x "$proxy" "$URL" || rb_fail "CONNECT via $proxy: $PX_OUT"
		[ "$PX_OUT" = "hello from srv" ] || rb_fail "CONNECT via $proxy: got '$PX_OUT'"
		;;
	esac
done
# the origin saw the appliance's egress address, not the client
grep -q "^$RB_DP_SRV_IP4 " "$RB_TMP/nginx/access.log" ||
	rb_fail "nginx never saw $RB_DP_SRV_IP4: $(tail -2 "$RB_TMP/nginx/access.log")"
grep -q "^$RB_CLI_IP4 " "$RB_TMP/nginx/access.log" &&
	rb_fail "nginx saw the client address: the proxy was bypassed"

# 100 MiB byte-exact through socks5 and through HTTP CONNECT
for proxy in "socks5h://$P:1080" "http://$P:2080"; do
	flag=
	case $proxy in http://*) flag=-p ;; esac
	got=$(ip netns exec "$RB_NS_CLI" curl -sS --max-time 120 $flag -x "$proxy" \
		"http://$RB_SRV_IP4:8080/big.bin" | sha256sum | cut -d' ' -f1)
	[ "$got" = "$PX_BIG_SHA" ] || rb_fail "$PX_BIG MiB via $proxy: sha256 $got != $PX_BIG_SHA"
done

rb_dp_stats
rb_assert_stat_ge event.proxy_accept 12
rb_assert_stat_ge event.proxy_relay 12
rb_dp_stop
rb_pass "9 proxy URLs, CONNECT, ${PX_BIG} MiB x2 byte-exact"
