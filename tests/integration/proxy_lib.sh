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
# controls may hold 9273).
px_control_cfg() {
	PX_SOCK=$RB_TMP/run/ctl.sock
	PX_MPORT=${PX_MPORT:-$((20000 + RANDOM % 20000))}
	echo "control = { ctl_socket = \"$PX_SOCK\"; metrics_listen = \"127.0.0.1:$PX_MPORT\"; };"
}
