#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Hostile clients against the socks, http and mixed inbounds: malformed
# SOCKS greetings and requests, bad commands, garbage and oversized HTTP
# heads, a slowloris trickle and a flood of half-open connections that send
# nothing.  Each case must end with an error reply or a close at the client
# (python in cli) and move its named counter; afterwards the dataplane still
# serves a normal curl, every session is gone (ringboxctl conns is empty,
# accepted == closed) and nginx never saw a hostile request.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/proxy_lib.sh"
rb_init
rb_require_cmd curl
rb_topo_two_hosts
px_control_init
HS='handshake_timeout = "2s";'
px_config "
$PX_CTL
$(px_inbounds_shm "$HS" "$HS max_header_size = 4096;" "$HS")
outbounds = ( { type = \"direct\"; tag = \"direct\"; } );
"
px_start nginx
P=$RB_DP_CLI_IP4
CTL=$RB_BUILD/tools/ringboxctl
px_wait_proxy "socks5://$P:1080"
NGINX0=$(wc -l <"$RB_TMP/nginx/access.log")

# hostile.py PORT MODE: sends MODE's bytes, prints what came back and how
# the connection ended ("closed", "reset", "open" after 8 s), exits 0.
cat >"$RB_TMP/hostile.py" <<'PY'
import socket, sys, time
host, port, mode = sys.argv[1], int(sys.argv[2]), sys.argv[3]
CASES = {
    "socks_badver":   [b"\x06\x01\x00"],                     # no such version
    "socks5_nomethod": [b"\x05\x00"],                        # NMETHODS = 0
    "socks5_badcmd":  [b"\x05\x01\x00", b"\x05\x09\x00\x01\x0a\x00\x00\x01\x00\x50"],
    "socks5_badatyp": [b"\x05\x01\x00", b"\x05\x01\x00\x07\x0a\x00\x00\x01\x00\x50"],
    "socks5_badrsv":  [b"\x05\x01\x00", b"\x05\x01\x07\x01\x0a\x00\x00\x01\x00\x50"],
    "socks5_dom0":    [b"\x05\x01\x00", b"\x05\x01\x00\x03\x00\x00\x50"],
    "socks4_bind":    [b"\x04\x02\x00\x50\x0a\x00\x00\x01u\x00"],
    "http_garbage":   [b"\x01\x02 BLAH\r\n\r\n"],
    "http_badver":    [b"GET http://x.test/ HTTP/7.3\r\nHost: x.test\r\n\r\n"],
    "http_noport":    [b"CONNECT x.test HTTP/1.1\r\n\r\n"],
    "http_huge":      [b"GET http://x.test/ HTTP/1.1\r\nHost: x.test\r\n" +
                       b"".join(b"X-Pad-%d: %s\r\n" % (i, b"a" * 200) for i in range(40)) + b"\r\n"],
    "http_longline":  [b"GET http://x.test/" + b"a" * 9000 + b" HTTP/1.1\r\n\r\n"],
}
s = socket.create_connection((host, port), timeout=5)
got = b""
t0 = time.monotonic()
end = "open"
try:
    if mode == "slowloris":               # a request head, one byte every 0.4 s
        for c in b"CONNECT x.test:8080 HTTP/1.1\r\nHost: x.test\r\n":
            s.sendall(bytes([c]))
            time.sleep(0.4)
    elif mode == "silent":
        pass
    else:
        for part in CASES[mode]:
            s.sendall(part)
            time.sleep(0.1)
    s.settimeout(8)
    while True:
        b = s.recv(4096)
        if not b:
            end = "closed"
            break
        got += b
except (ConnectionResetError, BrokenPipeError):
    end = "reset"
except socket.timeout:
    end = "open"
print("%s %.1f %s" % (end, time.monotonic() - t0, got[:80]))
PY
hostile() { # port mode expected-reply-regex counter
	local port=$1 mode=$2 re=$3 ctr=$4 out
	rb_dp_stats
	rb_stats_mark
	out=$(ip netns exec "$RB_NS_CLI" "$RB_PY" "$RB_TMP/hostile.py" "$P" "$port" "$mode" 2>&1) ||
		rb_fail "$mode: client failed: $out"
	[[ $out =~ ^(closed|reset) ]] || rb_fail "$mode on $port: connection not closed: $out"
	[[ $out =~ $re ]] || rb_fail "$mode on $port: reply '$out' does not match /$re/"
	rb_dp_stats
	rb_assert_stat_delta_ge "event.$ctr" 1
	rb_log "$mode on $port: $out"
}
# SOCKS (RFC 1928 / SOCKS4): reply codes where the protocol has one
hostile 1080 socks_badver "" proxy_err_malformed
hostile 1080 socks5_nomethod "" proxy_err_malformed      # NMETHODS is 1..255
hostile 1080 socks5_badcmd "x05.x07" proxy_err_command   # 07: command not supported
hostile 1080 socks5_badatyp "" proxy_err_malformed
hostile 1080 socks5_badrsv "" proxy_err_malformed
hostile 1080 socks5_dom0 "" proxy_err_malformed
hostile 1080 socks4_bind "" proxy_err_command
hostile 2080 socks5_badcmd "x05.x07" proxy_err_command
hostile 2080 socks_badver "" proxy_err_malformed
# HTTP: 400 / 431 answers
hostile 3128 http_garbage "HTTP/1.1 400" proxy_err_malformed
hostile 3128 http_badver "HTTP/1.1 400" proxy_err_malformed
hostile 3128 http_noport "HTTP/1.1 400" proxy_err_malformed
# Over the limit the client is still sending: closing with unread data
# resets (RFC 9293 3.6.1), which may overtake the 431 at the client.
hostile 3128 http_huge "^reset|HTTP/1.1 431" proxy_err_too_large
hostile 3128 http_longline "^reset|HTTP/1.1 431" proxy_err_too_large
hostile 2080 http_huge "" proxy_err_too_large          # mixed: default 8192 limit
# slowloris: the 2 s handshake timeout closes it mid-trickle
rb_dp_stats
rb_stats_mark
out=$(ip netns exec "$RB_NS_CLI" "$RB_PY" "$RB_TMP/hostile.py" "$P" 3128 slowloris 2>&1)
[[ $out =~ ^(closed|reset) ]] || rb_fail "slowloris: $out"
rb_dp_stats
rb_assert_stat_delta_ge event.proxy_err_timeout 1

# half-open flood: 300 connections that send nothing, on all three inbounds
rb_dp_stats
rb_stats_mark
ip netns exec "$RB_NS_CLI" "$RB_PY" - "$P" >"$RB_TMP/flood.out" 2>&1 <<'PY' || rb_fail "flood: $(tail -3 "$RB_TMP/flood.out")"
import selectors, socket, sys, time
host = sys.argv[1]
socks = []
for i in range(300):
    s = socket.socket()
    s.setblocking(False)
    s.connect_ex((host, (1080, 3128, 2080)[i % 3]))
    socks.append(s)
sel = selectors.DefaultSelector()
for s in socks:
    sel.register(s, selectors.EVENT_READ)
closed, deadline = 0, time.monotonic() + 15
while closed < len(socks) and time.monotonic() < deadline:
    for key, _ in sel.select(0.5):
        try:
            b = key.fileobj.recv(64)
        except OSError:
            b = b""
        if not b:
            sel.unregister(key.fileobj)
            key.fileobj.close()
            closed += 1
print("closed", closed, "of", len(socks))
sys.exit(0 if closed == len(socks) else 1)
PY
rb_dp_stats
rb_assert_stat_delta_ge event.proxy_err_timeout 300
rb_dp_alive || rb_fail "dataplane died"

# still serving, nothing leaked, nothing hostile reached the origin
px_curl -x "socks5h://$P:1080" "http://$RB_SRV_IP4:8080/index.html" || rb_fail "curl after: $PX_OUT"
[ "$PX_OUT" = "hello from srv" ] || rb_fail "curl after: got '$PX_OUT'"
px_curl -x "http://$P:3128" "http://$RB_SRV_IP4:8080/index.html" || rb_fail "curl after: $PX_OUT"
rb_assert_eq "$(($(wc -l <"$RB_TMP/nginx/access.log") - NGINX0))" 2 "requests nginx saw after the warm-up"
left=
for ((i = 0; i < 30; i++)); do
	left=$("$CTL" -s "$PX_SOCK" --json conns | "$RB_PY" -c 'import json,sys; print(len(json.load(sys.stdin)["data"]))')
	[ "$left" = 0 ] && break
	sleep 0.2
done
rb_assert_eq "$left" 0 "sessions in ringboxctl conns after the attacks"
rb_dp_stats
rb_assert_eq "$(rb_stat event.proxy_accept)" "$(rb_stat event.proxy_closed)" "accepted vs closed sessions"
rb_dp_stop
rb_pass "16 malformed/oversized/slow cases and 300 half-open connections closed and counted, no leak"
