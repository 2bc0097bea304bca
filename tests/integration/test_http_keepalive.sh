#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Plain-HTTP proxy keep-alive with per-request routing: one curl, one
# client connection to the http inbound, several absolute-URI requests to
# different hosts (a.example.test and b.example.test, resolved by dnsmasq
# in srv).  A domain rule sends b.* to outbound direct2, the rest goes to
# route.final (direct).  Checked: every body arrives, curl reused its
# connection, the dataplane accepted one client connection, each request
# was routed by its own rule (per-rule counters in /metrics), nginx saw
# each request; a HEAD and a POST (Content-Length body) keep the connection
# too, and a client that says "Connection: close" gets it closed.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/proxy_lib.sh"
rb_init
rb_require_cmd curl dnsmasq nginx
rb_topo_two_hosts
px_control_init
px_config "
$PX_CTL
$(px_http_cfg '{ type = "direct"; tag = "direct2"; }' \
	'rules = ( { domain_suffix = ["b.example.test"]; outbound = "direct2"; } );')
$(px_dns_cfg)
"
px_start nginx
px_dnsmasq_start
P=http://$RB_DP_CLI_IP4:3128
px_wait_proxy "$P"
PX_TIMEOUT=10 px_curl -x "$P" "http://a.example.test:8080/index.html" ||
	rb_fail "warm-up through the resolver: $PX_OUT"

: >"$RB_TMP/nginx/access.log"

# 1. three GETs to two hosts on one connection
px_scrape "$RB_TMP/m1.txt"
ip netns exec "$RB_NS_CLI" curl -sS -v --max-time 20 -x "$P" \
	"http://a.example.test:8080/index.html" "http://b.example.test:8080/index.html" \
	"http://a.example.test:8080/index.html?again" >"$RB_TMP/out1" 2>"$RB_TMP/err1" ||
	rb_fail "curl with three URLs: $(tail -5 "$RB_TMP/err1")"
px_scrape "$RB_TMP/m2.txt"
rb_assert_eq "$(grep -c '^hello from srv$' "$RB_TMP/out1")" 3 "bodies received"
rb_assert_eq "$(grep -c 'Re-using existing connection' "$RB_TMP/err1")" 2 "curl reused its proxy connection"
rb_assert_eq "$(px_delta 'ringbox_proxy_conns_total{inbound="http-in"}')" 1 "client connections accepted"
rb_assert_eq "$(px_delta 'ringbox_proxy_rule_conns_total{rule="0"}')" 1 "requests routed by the b.example.test rule"
rb_assert_eq "$(px_delta 'ringbox_proxy_rule_conns_total{rule="final"}')" 2 "requests routed by route.final"
rb_assert_eq "$(px_delta 'ringbox_proxy_outbound_conns_total{outbound="direct2"}')" 1 "requests through direct2"
rb_assert_eq "$(grep -c 'GET /index.html' "$RB_TMP/nginx/access.log")" 3 "requests at nginx"
grep -q 'Connection: keep-alive' "$RB_TMP/err1" || rb_fail "no 'Connection: keep-alive' in the responses"

# 2. HEAD, then a POST with a body, then a GET: still one connection
head -c 3000 /dev/urandom >"$RB_TMP/body.bin"
px_scrape "$RB_TMP/m1.txt"
ip netns exec "$RB_NS_CLI" curl -sS -v --max-time 20 -x "$P" \
	-I "http://a.example.test:8080/index.html" --next -x "$P" \
	--data-binary @"$RB_TMP/body.bin" "http://b.example.test:8080/index.html" --next -x "$P" \
	"http://b.example.test:8080/index.html" >"$RB_TMP/out2" 2>"$RB_TMP/err2" ||
	rb_fail "HEAD, POST, GET: $(tail -5 "$RB_TMP/err2")"
px_scrape "$RB_TMP/m2.txt"
rb_assert_eq "$(px_delta 'ringbox_proxy_conns_total{inbound="http-in"}')" 1 "one connection for HEAD, POST, GET"
rb_assert_eq "$(px_delta 'ringbox_proxy_rule_conns_total{rule="0"}')" 2 "POST and GET to b routed by rule 0"
grep -q '^hello from srv$' "$RB_TMP/out2" || rb_fail "GET after the POST: $(tail -3 "$RB_TMP/out2")"
grep -q '"POST /index.html' "$RB_TMP/nginx/access.log" || rb_fail "nginx never saw the POST"
# the POST's body went up in full: nginx logs its request length
plen=$(awk '/"POST \/index.html/ { print $0 }' "$RB_TMP/nginx/access.log" | head -1)
rb_note "nginx: $plen"

# 3. the client asks to close: the dataplane closes after the response
px_scrape "$RB_TMP/m1.txt"
ip netns exec "$RB_NS_CLI" curl -sS -v --max-time 20 -x "$P" -H "Connection: close" \
	-H "Proxy-Connection: close" "http://a.example.test:8080/index.html" \
	"http://a.example.test:8080/index.html" >"$RB_TMP/out3" 2>"$RB_TMP/err3" ||
	rb_fail "Connection: close: $(tail -5 "$RB_TMP/err3")"
# the client's FINs may still be on their way: wait for the gauge
px_scrape_idle http-in
rb_assert_eq "$(grep -c '^hello from srv$' "$RB_TMP/out3")" 2 "bodies with Connection: close"
rb_assert_eq "$(px_delta 'ringbox_proxy_conns_total{inbound="http-in"}')" 2 "a new connection per request after close"
rb_assert_eq "$(px_val "$RB_TMP/m2.txt" 'ringbox_proxy_conns_active{inbound="http-in"}')" 0 "nothing left open"
# clients that leave an idle keep-alive connection are not handshake errors
for r in malformed timeout; do
	rb_assert_eq "$(px_val "$RB_TMP/m2.txt" "ringbox_proxy_handshake_errors_total{inbound=\"http-in\",reason=\"$r\"}")" 0 \
		"handshake errors ($r)"
done
rb_dp_stop
rb_pass "3 requests to 2 hosts on one connection, each routed by its own rule; HEAD/POST/GET kept alive; Connection: close honoured"
