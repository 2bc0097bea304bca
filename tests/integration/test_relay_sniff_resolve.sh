#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# The relay carries out the router's `sniff` and `resolve` actions:
#   rules: 0 socks-tls: sniff with sniffer [tls] · 1 sniff ·
#          2 domain sniffed.example -> direct3 · 3 resolve ·
#          4 ip_cidr <srv>/32 -> direct2 · final direct
# A: socks5h to www.example.test: nothing to sniff, rule 3 resolves the name
#    through the dataplane (dnsmasq in srv), rule 4 matches the address.
# B: the http inbound forwarding http://<srv ip>/ with "Host: sniffed.example":
#    the forwarded request is sniffed (HTTP Host), rule 2 matches.
# C: socks5 to the IP: nothing to sniff, nothing to resolve, rule 4.
# D: a socks5 tunnel: answered early, the first bytes (HTTP Host) sniffed.
# E: an HTTP CONNECT tunnel carrying TLS: the ClientHello's SNI sniffed.
# F: tunnels whose client waits: within the rule's timeout (1.5 s) still
#    sniffed; after it the address decides.
# G: the sniffer list: a socks tunnel on socks-tls (rule 0 runs only the TLS
#    sniffer) carrying HTTP with Host: sniffed.example is not sniffed (the
#    address decides, no http sniff result), while TLS on it is.
# Each is checked by the body at the client, nginx's log, and the per-rule
# and per-outbound counters in /metrics.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/proxy_lib.sh"
rb_init
rb_require_cmd curl dnsmasq nginx
rb_topo_two_hosts
px_control_init
px_config "
$PX_CTL
inbounds = (
  { type = \"socks\"; tag = \"socks-in\"; listen = \"$RB_DP_CLI_IP4\"; listen_port = 1080; },
  { type = \"socks\"; tag = \"socks-tls\"; listen = \"$RB_DP_CLI_IP4\"; listen_port = 1081; },
  { type = \"http\"; tag = \"http-in\"; listen = \"$RB_DP_CLI_IP4\"; listen_port = 3128; }
);
outbounds = ( { type = \"direct\"; tag = \"direct\"; }, { type = \"direct\"; tag = \"direct2\"; },
              { type = \"direct\"; tag = \"direct3\"; } );
route = {
  rules = (
    { inbound = [\"socks-tls\"]; action = \"sniff\"; sniffer = [\"tls\"]; },
    { action = \"sniff\"; timeout = \"1500ms\"; },
    { domain = [\"sniffed.example\"]; outbound = \"direct3\"; },
    { action = \"resolve\"; strategy = \"ipv4_only\"; },
    { ip_cidr = [\"$RB_SRV_IP4/32\"]; outbound = \"direct2\"; }
  );
  final = \"direct\";
};
$(px_dns_cfg)
"
px_start nginx
px_dnsmasq_start
px_wait_rules
P=$RB_DP_CLI_IP4
px_wait_proxy "socks5://$P:1080"

check() { # what rule outbound
	rb_assert_eq "$(px_delta "ringbox_proxy_rule_conns_total{rule=\"$2\"}")" 1 "$1: rule $2"
	rb_assert_eq "$(px_delta "ringbox_proxy_outbound_conns_total{outbound=\"$3\"}")" 1 "$1: outbound $3"
}

# A: resolve rule
px_scrape "$RB_TMP/m1.txt"
PX_TIMEOUT=10 px_curl -x "socks5h://$P:1080" "http://www.example.test:8080/index.html" ||
	rb_fail "A: $PX_OUT"
px_scrape "$RB_TMP/m2.txt"
rb_assert_eq "$PX_OUT" "hello from srv" "A: body"
check A 4 direct2
grep -q "query\[A\] www.example.test from $RB_DP_SRV_IP4" "$RB_TMP/dnsmasq.log" ||
	rb_fail "A: the name was not resolved through the dataplane"

# B: sniffed Host of a forwarded request
px_scrape "$RB_TMP/m1.txt"
px_curl -x "http://$P:3128" -H "Host: sniffed.example" "http://$RB_SRV_IP4:8080/index.html" ||
	rb_fail "B: $PX_OUT"
px_scrape "$RB_TMP/m2.txt"
rb_assert_eq "$PX_OUT" "hello from srv" "B: body"
check B 2 direct3

# C: an address, nothing to sniff or resolve (curl sends its request only
# after the answer: the tunnel sniff sees HTTP without a known Host)
px_scrape "$RB_TMP/m1.txt"
px_curl -x "socks5://$P:1080" "http://$RB_SRV_IP4:8080/index.html" || rb_fail "C: $PX_OUT"
px_scrape "$RB_TMP/m2.txt"
rb_assert_eq "$PX_OUT" "hello from srv" "C: body"
check C 4 direct2
rb_assert_eq "$(px_delta 'ringbox_proxy_outbound_conns_total{outbound="direct"}')" 0 "C: not route.final"

# D: a SOCKS5 tunnel to the IP: answered at once, the client's first bytes
# (HTTP, Host: sniffed.example) are sniffed, rule 2 decides
px_scrape "$RB_TMP/m1.txt"
px_curl -x "socks5://$P:1080" -H "Host: sniffed.example" "http://$RB_SRV_IP4:8080/index.html" ||
	rb_fail "D: $PX_OUT"
px_scrape "$RB_TMP/m2.txt"
rb_assert_eq "$PX_OUT" "hello from srv" "D: body"
check D 2 direct3
[ "$(px_delta 'ringbox_sniff_results_total{protocol="http"}')" -ge 1 ] || rb_fail "D: no http sniff result in /metrics"

# E: TLS through an HTTP CONNECT tunnel: the ClientHello's SNI decides (the
# origin speaks plain HTTP, so the TLS handshake itself fails)
px_scrape "$RB_TMP/m1.txt"
px_curl -p -x "http://$P:3128" --connect-to "sniffed.example:443:$RB_SRV_IP4:8080" \
	-k "https://sniffed.example/" && rb_fail "E: TLS to a plain-HTTP origin succeeded"
px_scrape "$RB_TMP/m2.txt"
check E 2 direct3
[ "$(px_delta 'ringbox_sniff_results_total{protocol="tls"}')" -ge 1 ] || rb_fail "E: no tls sniff result in /metrics"

# F: tunnels whose client says nothing at first: within the rule's sniff
# timeout (1.5 s) the late bytes are still sniffed (rule 2); after it the
# address decides (rule 4); the bytes go through in both cases
late_tunnel() { # seconds to wait before the request
	ip netns exec "$RB_NS_CLI" "$RB_PY" - "$P" "$RB_SRV_IP4" "$1" <<'PY'
import socket, sys, time
t = socket.create_connection((sys.argv[1], 1080), timeout=5)
t.sendall(b"\x05\x01\x00")
assert t.recv(2) == b"\x05\x00"
t.sendall(b"\x05\x01\x00\x01" + socket.inet_aton(sys.argv[2]) + (8080).to_bytes(2, "big"))
rep = t.recv(10)
assert rep[1] == 0, rep
time.sleep(float(sys.argv[3]))
t.sendall(b"GET /index.html HTTP/1.0\r\nHost: sniffed.example\r\n\r\n")
d = b""
while True:
    c = t.recv(4096)
    if not c:
        break
    d += c
print(d.split(b"\r\n\r\n", 1)[1].decode().strip())
PY
}
px_scrape "$RB_TMP/m1.txt"
out=$(late_tunnel 0.7) || rb_fail "F (0.7 s): $out"
px_scrape "$RB_TMP/m2.txt"
rb_assert_eq "$out" "hello from srv" "F (0.7 s): body"
check "F (0.7 s, within the timeout)" 2 direct3
px_scrape "$RB_TMP/m1.txt"
out=$(late_tunnel 2.2) || rb_fail "F (2.2 s): $out"
px_scrape "$RB_TMP/m2.txt"
rb_assert_eq "$out" "hello from srv" "F (2.2 s): body"
check "F (2.2 s, after the timeout)" 4 direct2

# G: sniffer = ["tls"] on socks-tls: the HTTP Host is not looked at (the
# address decides, rule 4), TLS SNI still is (rule 2)
px_scrape "$RB_TMP/m1.txt"
px_curl -x "socks5://$P:1081" -H "Host: sniffed.example" "http://$RB_SRV_IP4:8080/index.html" ||
	rb_fail "G: $PX_OUT"
px_scrape "$RB_TMP/m2.txt"
rb_assert_eq "$PX_OUT" "hello from srv" "G: body"
check "G (http, sniffer [tls])" 4 direct2
rb_assert_eq "$(px_delta 'ringbox_sniff_results_total{protocol="http"}')" 0 "G: no http sniff"
rb_assert_eq "$(px_delta 'ringbox_proxy_rule_conns_total{rule="2"}')" 0 "G: the Host did not decide"
px_scrape "$RB_TMP/m1.txt"
px_curl -x "socks5h://$P:1081" --connect-to "sniffed.example:443:$RB_SRV_IP4:8080" \
	-k "https://sniffed.example/" && rb_fail "G: TLS to a plain-HTTP origin succeeded"
px_scrape "$RB_TMP/m2.txt"
check "G (tls, sniffer [tls])" 2 direct3
[ "$(px_delta 'ringbox_sniff_results_total{protocol="tls"}')" -ge 1 ] || rb_fail "G: no tls sniff result"

rb_dp_stop
rb_pass "resolve rule, HTTP Host sniffed from a forwarded request and from a SOCKS tunnel, TLS SNI from a CONNECT tunnel, sniff timeout, sniffer list"
