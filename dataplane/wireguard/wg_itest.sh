# shellcheck shell=bash
# SPDX-License-Identifier: BSD-3-Clause
# Helpers for tests/integration/test_wg_*.sh (sourced after lib.sh):
# a wireguard-go peer in the cli namespace against a ringbox endpoint.
#
#   wg_keys                      # RB_WG_*: keys for ringbox and the peer
#   wg_endpoint_cfg [extra]      # RB_CFG_EXTRA: endpoint "wg0" on port 51820
#   rb_topo_two_hosts; rb_dp_start
#   wg_peer_up [endpoint?]       # wireguard-go in cli, routes to srv via it
#
# Tunnel addresses: ringbox 10.99.0.1/24 fd99::1/64, peer 10.99.0.2 fd99::2.

WG_PORT=51820
WG_PEER_PORT=51821

wg_keys() {
	rb_require_cmd wg
	rb_require_cmd wireguard-go
	RB_WG_DP_PRIV=$(wg genkey)
	RB_WG_DP_PUB=$(echo "$RB_WG_DP_PRIV" | wg pubkey)
	RB_WG_PEER_PRIV=$(wg genkey)
	RB_WG_PEER_PUB=$(echo "$RB_WG_PEER_PRIV" | wg pubkey)
	RB_WG_PSK=$(wg genpsk)
}

# $1: extra keys for the peer group (e.g. an address); $2: endpoint extras.
wg_endpoint_cfg() {
	RB_CFG_EXTRA="endpoints = ( { type = \"wireguard\"; tag = \"wg0\";
  address = [ \"10.99.0.1/24\", \"fd99::1/64\" ];
  private_key = \"$RB_WG_DP_PRIV\"; listen_port = $WG_PORT; ${2:-}
  peers = ( { public_key = \"$RB_WG_PEER_PUB\"; pre_shared_key = \"$RB_WG_PSK\";
              allowed_ips = [ \"10.99.0.2/32\", \"fd99::2/128\" ]; ${1:-} } ); } );"
	export RB_CFG_EXTRA
}

# wireguard-go in cli; $1 = 1: give it ringbox's endpoint (it initiates).
wg_peer_up() {
	local ifn=${RB_ID}w psk=${2:-$RB_WG_PSK}
	RB_WG_IF=$ifn
	echo "$RB_WG_PEER_PRIV" >"$RB_TMP/peer.key"
	echo "$psk" >"$RB_TMP/peer.psk"
	rb_bg "$RB_TMP/wggo.out" ip netns exec "$RB_NS_CLI" env WG_PROCESS_FOREGROUND=1 \
		LOG_LEVEL=error wireguard-go "$ifn"
	RB_WG_GO_PID=$RB_BG_PID
	rb_wait_for 10 test -S "/var/run/wireguard/$ifn.sock" || rb_fail "wireguard-go did not start"
	local ep=()
	[ "${1:-1}" = 1 ] && ep=(endpoint "$RB_DP_CLI_IP4:$WG_PORT")
	rb_ns "$RB_NS_CLI" wg set "$ifn" listen-port "$WG_PEER_PORT" private-key "$RB_TMP/peer.key" \
		peer "$RB_WG_DP_PUB" preshared-key "$RB_TMP/peer.psk" "${ep[@]}" \
		allowed-ips "10.99.0.0/24,fd99::/64,10.$RB_NET.2.0/24,$RB_NET6:2::/64" ||
		rb_fail "wg set"
	ip -n "$RB_NS_CLI" addr add 10.99.0.2/24 dev "$ifn"
	ip -n "$RB_NS_CLI" -6 addr add fd99::2/64 dev "$ifn" nodad
	ip -n "$RB_NS_CLI" link set "$ifn" mtu 1420 up
	ip -n "$RB_NS_CLI" route add "10.$RB_NET.2.0/24" dev "$ifn"
	ip -n "$RB_NS_CLI" -6 route add "$RB_NET6:2::/64" dev "$ifn"
	# srv answers the tunnel addresses through the appliance.
	ip -n "$RB_NS_SRV" route add 10.99.0.0/24 via "$RB_DP_SRV_IP4"
	ip -n "$RB_NS_SRV" -6 route add fd99::/64 via "$RB_DP_SRV_IP6"
}

# The peer's latest handshake (UNIX seconds, 0 = none) as wireguard-go sees it.
wg_peer_handshake() {
	rb_ns "$RB_NS_CLI" wg show "$RB_WG_IF" latest-handshakes | awk '{print $2}'
}

# nginx in namespace $1 serving $RB_TMP/$2/www on the listen lines $3...
# (ADDR:PORT each); its access log is $RB_TMP/$2/access.log.
wg_nginx_start() { # ns name listen...
	local ns=$1 d=$RB_TMP/$2 l lines=
	shift 2
	rb_require_cmd nginx
	mkdir -p "$d/www"
	for l in "$@"; do lines="$lines  listen $l;
"; done
	cat >"$d/nginx.conf" <<NG
daemon off;
user root root;
worker_processes 1;
pid $d/nginx.pid;
error_log $d/error.log;
events { worker_connections 256; }
http {
  access_log $d/access.log;
  client_body_temp_path $d/body;
  proxy_temp_path $d/proxy;
  fastcgi_temp_path $d/fastcgi;
  uwsgi_temp_path $d/uwsgi;
  scgi_temp_path $d/scgi;
  server {
$lines    root $d/www;
  }
}
NG
	rb_bg "$d.out" ip netns exec "$ns" nginx -c "$d/nginx.conf" -e "$d/error.log"
	echo "hello from $ns" >"$d/www/index.html"
	rb_wait_for 5 ip netns exec "$ns" curl -sf -o /dev/null "http://$1/" ||
		rb_fail "nginx in $ns did not come up: $(tail -2 "$d/error.log" 2>/dev/null)"
}
