# shellcheck shell=bash
# SPDX-License-Identifier: BSD-3-Clause
# Helpers shared by tests/integration/test_proxy_*.sh (sourced after lib.sh):
# an nginx origin in the srv namespace, curl through the appliance's proxy
# inbounds, upstream proxies.

# nginx-light in srv on $RB_SRV_IP4:8080 (HTTP) serving $RB_TMP/www.
# PX_BIG: size in MiB of www/big.bin (default 0 = none).
# PX_NGINX_VHOSTS: "NAME=ADDR ..." extra servers on ADDR:8080 (same root),
# each logging to $RB_TMP/nginx/NAME.log; px_hit NAME PATH counts its hits.
px_nginx_start() {
	rb_require_cmd nginx
	mkdir -p "$RB_TMP/www" "$RB_TMP/nginx"
	echo "hello from srv" >"$RB_TMP/www/index.html"
	if [ "${PX_BIG:-0}" -gt 0 ]; then
		head -c "$((PX_BIG << 20))" /dev/urandom >"$RB_TMP/www/big.bin"
		PX_BIG_SHA=$(sha256sum "$RB_TMP/www/big.bin" | cut -d' ' -f1)
	fi
	cat >"$RB_TMP/nginx/nginx.conf" <<EOF
daemon off;
user root root;
worker_processes 1;
pid $RB_TMP/nginx/nginx.pid;
error_log $RB_TMP/nginx/error.log;
events { worker_connections 4096; }
http {
  access_log $RB_TMP/nginx/access.log;
  client_body_temp_path $RB_TMP/nginx/body;
  proxy_temp_path $RB_TMP/nginx/proxy;
  fastcgi_temp_path $RB_TMP/nginx/fastcgi;
  uwsgi_temp_path $RB_TMP/nginx/uwsgi;
  scgi_temp_path $RB_TMP/nginx/scgi;
  server {
    listen $RB_SRV_IP4:8080 backlog=4096;
    listen [$RB_SRV_IP6]:8080;
    root $RB_TMP/www;
    keepalive_requests 100000;
  }
$(px__vhosts)
}
EOF
	rb_bg "$RB_TMP/nginx.out" ip netns exec "$RB_NS_SRV" nginx -c "$RB_TMP/nginx/nginx.conf" \
		-e "$RB_TMP/nginx/error.log"
	rb_wait_for 5 ip netns exec "$RB_NS_SRV" curl -sf -o /dev/null "http://$RB_SRV_IP4:8080/" ||
		rb_fail "nginx did not come up: $(tail -3 "$RB_TMP/nginx/error.log" 2>/dev/null)"
}

px__vhosts() {
	local v
	for v in ${PX_NGINX_VHOSTS:-}; do
		printf '  server { listen %s:8080; root %s; access_log %s; }\n' \
			"${v#*=}" "$RB_TMP/www" "$RB_TMP/nginx/${v%%=*}.log"
	done
}

# Requests for PATH (exact) in vhost NAME's access log ("access" = main).
px_hit() { # name path
	awk -v p="$2" '$7 == p { n++ } END { print n + 0 }' "$RB_TMP/nginx/$1.log" 2>/dev/null || echo 0
}

# curl in the cli namespace; output in PX_OUT, status returned.
px_curl() {
	PX_OUT=$(ip netns exec "$RB_NS_CLI" curl -sS --max-time "${PX_TIMEOUT:-20}" "$@" 2>&1)
}

# Rewrite the config with RB_CFG_EXTRA (inbounds/outbounds) now that the
# topology's addresses are known.
px_config() { # extra-config-text
	RB_CFG_EXTRA=$1
	rb_dp_config "$RB_CFG"
}

# Wait until the proxy port answers (ARP warm-up, listeners up).
px_wait_proxy() { # url
	rb_wait_for 10 ip netns exec "$RB_NS_CLI" curl -s -o /dev/null --max-time 2 -x "$1" \
		"http://$RB_SRV_IP4:8080/" || rb_fail "proxy $1 never answered"
}

# ringbox-control beside the dataplane: it compiles route.* and publishes the
# route table the proxy needs (without one every request is rejected).
# The config must carry: control = { ctl_socket = "$PX_SOCK"; };
PX_SOCK=${PX_SOCK:-}
px_control_start() {
	local bin=${RB_CTL_BIN:-$RB_BUILD/control/ringbox-control}
	local cli=${RB_CTLCLI:-$RB_BUILD/tools/ringboxctl}

	[ -x "$bin" ] && [ -x "$cli" ] || rb_fail "ringbox-control/ringboxctl not built in $RB_BUILD"
	rb_bg "$RB_TMP/ctl.log" "$bin" -c "$RB_CFG"
	rb_wait_for 30 sh -c "'$cli' -s '$PX_SOCK' --json status | grep -q '\"dataplane_up\":true'" ||
		rb_fail "control did not see the dataplane up: $(tail -n 5 "$RB_TMP/ctl.log" | tr '\n' ' ')"
}

# The control group for px_config: ctl socket in RB_TMP, and a random
# metrics port (control runs in the root namespace, where other tests'
# controls may hold 9273).  px_control_init sets PX_SOCK, PX_MPORT and
# PX_CTL (the group's text) in the caller's shell; px_control_cfg prints
# the text (in $(...) the variables do not reach the caller: set PX_SOCK
# yourself, or use px_control_init).
px_control_init() {
	PX_SOCK=$RB_TMP/run/ctl.sock
	PX_MPORT=${PX_MPORT:-$((20000 + RANDOM % 20000))}
	PX_CTL="control = { ctl_socket = \"$PX_SOCK\"; metrics_listen = \"127.0.0.1:$PX_MPORT\"; };"
}
px_control_cfg() {
	px_control_init
	echo "$PX_CTL"
}

# Four nginx vhosts A-D on $PX_VH.3-.6 (extra srv addresses, PX_VH =
# 10.$RB_NET.2), each behind one direct outbound a-d (override_address, port
# 8080): a test tells which outbound carried a request by the vhost that
# logged it (px_hit).  Call before px_start; PX_VH_OUTBOUNDS holds the four
# outbounds for the config's `outbounds` list.
px_vhosts_four() {
	local a=3 t
	PX_VH=10.$RB_NET.2
	PX_NGINX_VHOSTS="A=$PX_VH.3 B=$PX_VH.4 C=$PX_VH.5 D=$PX_VH.6"
	PX_VH_OUTBOUNDS=
	for t in a b c d; do
		ip -n "$RB_NS_SRV" addr add "$PX_VH.$a/24" dev "$RB_IF_SRV" || rb_fail "addr $PX_VH.$a"
		PX_VH_OUTBOUNDS+="${PX_VH_OUTBOUNDS:+, }{ type = \"direct\"; tag = \"$t\"; override_address = \"$PX_VH.$a\"; override_port = 8080; }"
		a=$((a + 1))
	done
}

# ringboxctl against this test's control.
px_rbctl() { "${RB_CTLCLI:-$RB_BUILD/tools/ringboxctl}" -s "$PX_SOCK" "$@"; }

# The dataplane (768 MB, enough for the proxy tables) and control; with
# "nginx", the origin too.
px_start() { # [nginx]
	rb_dp_start --eal "-m 768"
	px_control_start
	if [ "${1:-}" = nginx ]; then px_nginx_start; fi
}

# Until the route table control compiled is in the dataplane (a session
# routed before it would be rejected).
px_wait_rules() {
	rb_wait_for 10 sh -c "grep -q 'route: rule table [0-9]* applied' '$RB_TMP/dp.out' '$RB_TMP/dp.err'" ||
		rb_fail "no rule table applied"
}

# The `dns` group: the router's resolver asks dnsmasq in srv (px_dnsmasq_start).
px_dns_cfg() { # [strategy, default ipv4_only]
	echo "dns = {
  servers = ( { tag = \"lan\"; type = \"udp\"; server = \"$RB_SRV_IP4\"; server_port = 53; } );
  strategy = \"${1:-ipv4_only}\";
};"
}

# A proxy test's config after $PX_CTL: one inbound of TYPE tagged TAG on
# $RB_DP_CLI_IP4:PORT, outbound "direct" then EXTRA_OUTBOUNDS (list items,
# "" for none), route RULES (e.g. "rules = ( ... );") with final "direct".
px__one_inbound_cfg() { # type tag port [extra-outbounds] [rules]
	echo "inbounds = (
  { type = \"$1\"; tag = \"$2\"; listen = \"$RB_DP_CLI_IP4\"; listen_port = $3; }
);
outbounds = ( { type = \"direct\"; tag = \"direct\"; }${4:+, $4} );
route = {${5:+
  $5
} final = \"direct\"; };"
}
# the http tests': inbound "http-in" on port 3128
px_http_cfg() { px__one_inbound_cfg http http-in 3128 "$@"; } # [extra-outbounds] [rules]
# the socks tests': inbound "socks-in" on port 1080
px_socks_cfg() { px__one_inbound_cfg socks socks-in 1080 "$@"; } # [extra-outbounds] [rules]

# dnsmasq in srv on $RB_SRV_IP4:53: every name under example.test is
# $RB_SRV_IP4; queries are logged in $RB_TMP/dnsmasq.log.
px_dnsmasq_start() { # [extra dnsmasq args]
	rb_require_cmd dnsmasq
	rb_bg "$RB_TMP/dnsmasq.log" ip netns exec "$RB_NS_SRV" dnsmasq --no-daemon --user=root \
		--no-resolv --no-hosts --bind-interfaces --listen-address="$RB_SRV_IP4" --port=53 \
		--pid-file="$RB_TMP/dnsmasq.pid" --log-queries --log-facility=- \
		--address=/example.test/"$RB_SRV_IP4" "$@"
	rb_wait_for 5 grep -q "started" "$RB_TMP/dnsmasq.log" || rb_fail "dnsmasq did not start"
}

# /metrics (control's, PX_MPORT) into FILE, once it has the proxy families
# (absent while control sees the dataplane down, e.g. a late heartbeat on a
# loaded machine: retried).  px_val FILE KEY: a sample (0 when absent);
# px_delta KEY: $RB_TMP/m2.txt minus $RB_TMP/m1.txt.
px_scrape() { # file
	local i
	for ((i = 0; i < 20; i++)); do
		curl -sf --max-time 5 "http://127.0.0.1:$PX_MPORT/metrics" >"$1" || rb_fail "GET /metrics"
		grep -q '^ringbox_proxy_conns_total' "$1" && return 0
		sleep 0.25
	done
	rb_fail "no proxy families in /metrics"
}
px_val() { awk -v k="$2" '$1 == k { print $2; f = 1 } END { if (!f) print 0 }' "$1"; }
px_delta() { echo $(($(px_val "$RB_TMP/m2.txt" "$1") - $(px_val "$RB_TMP/m1.txt" "$1"))); }
# Scrapes /metrics into $RB_TMP/m2.txt until INBOUND has no active
# connection (5 s at most; the caller asserts on m2.txt).
px_scrape_idle() { # inbound
	local i
	for ((i = 0; i < 20; i++)); do
		px_scrape "$RB_TMP/m2.txt"
		[ "$(px_val "$RB_TMP/m2.txt" "ringbox_proxy_conns_active{inbound=\"$1\"}")" = 0 ] && break
		sleep 0.25
	done
	return 0
}

# The SOCKS5 UDP ASSOCIATE client (socks5_udp.py) in cli against the
# dataplane's cli address; PX_UDP_ENV: extra environment (SOCKS5_UDP_ANNOUNCE=1).
px_udp_client() { # port steps...
	ip netns exec "$RB_NS_CLI" env ${PX_UDP_ENV:-} timeout "${PX_UDP_TIMEOUT:-40}" "$RB_PY" \
		"$RB_LIB_DIR/socks5_udp.py" "$RB_DP_CLI_IP4" "$@"
}

# The socks, http and mixed inbounds on 1080, 3128 and 2080 (the
# appliance's cli address), each with the extra fields given.
px_inbounds_shm() { # socks-extra http-extra mixed-extra
	echo "inbounds = (
  { type = \"socks\"; tag = \"socks-in\"; listen = \"$RB_DP_CLI_IP4\"; listen_port = 1080; $1 },
  { type = \"http\"; tag = \"http-in\"; listen = \"$RB_DP_CLI_IP4\"; listen_port = 3128; $2 },
  { type = \"mixed\"; tag = \"mixed-in\"; listen = \"$RB_DP_CLI_IP4\"; listen_port = 2080; $3 }
);"
}

# danted (dante-server) in srv on $RB_SRV_IP4:PORT, no auth, going out from
# EXT (an address of srv); logs connects and errors in $RB_TMP/danted.log.
# PX_DANTE_PID: the master.  It forks children that serve the sessions and
# outlive the master for a while: px_dante_children [PID] adds those of
# PID (default: the last started) there now to the processes the cleanup
# stops.  px_dante_at starts another: NAME (files $RB_TMP/danteNAME.*) in
# namespace NS on ADDR:PORT, going out from EXT (default ADDR).
px_dante_at() { # name ns addr port [external-address]
	rb_require_cmd danted
	cat >"$RB_TMP/dante$1.conf" <<CONF
logoutput: $RB_TMP/dante$1.log
internal: $3 port = $4
external: ${5:-$3}
clientmethod: none
socksmethod: none
user.privileged: root
user.unprivileged: root
client pass { from: 0.0.0.0/0 to: 0.0.0.0/0 log: connect error }
socks pass { from: 0.0.0.0/0 to: 0.0.0.0/0 log: connect disconnect error }
CONF
	rb_bg "$RB_TMP/dante$1.out" ip netns exec "$2" danted -f "$RB_TMP/dante$1.conf" \
		-p "$RB_TMP/dante$1.pid" -N 1
	PX_DANTE_PID=$RB_BG_PID
	rb_wait_for 5 ip netns exec "$2" bash -c "exec 3<>/dev/tcp/$3/$4" ||
		rb_fail "danted $1 did not come up: $(tail -5 "$RB_TMP/dante$1.out" | tr '\n' ' ')"
}
px_dante_start() { # port external-address
	px_dante_at d "$RB_NS_SRV" "$RB_SRV_IP4" "$1" "$2"
}
px_dante_children() { # [master pid]
	local p
	for p in $(pgrep -P "${1:-$PX_DANTE_PID}"); do RB_PIDS+=("$p"); done
}

# UDP echo servers (udp_echo.py) in srv on $RB_SRV_IP4:PORT..., each
# logging "from IP:PORT LEN" per datagram in $RB_TMP/echoPORT.log.
px_udp_echo_start() { # port...
	local p
	for p in "$@"; do
		rb_bg "$RB_TMP/echo$p.log" ip netns exec "$RB_NS_SRV" "$RB_PY" "$RB_LIB_DIR/udp_echo.py" \
			"$RB_SRV_IP4" "$p"
		rb_wait_for 5 grep -q ready "$RB_TMP/echo$p.log" || rb_fail "echo server $p did not start"
	done
}

# Established TCP connections to PORT in namespace NS: their peers'
# addresses, sorted, each followed by a space (px_estab), or their number
# (px_n_estab).
px_estab() { # ns port
	ip netns exec "$1" ss -Htn state established "( sport = :$2 )" | awk '{ print $4 }' |
		sed 's/:[0-9]*$//' | sort | tr '\n' ' '
}
px_n_estab() { ip netns exec "$1" ss -Htn state established "( sport = :$2 )" | wc -l; }
