#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Plain-HTTP proxy with kept upstreams: a response head, or the start of a
# body that came with it, that the client's send queue cannot take at once
# waits for room instead of ending the session.  dataplane.tcp.sndbuf is
# 4096 bytes and the scripted origin's /bighead answers with a 6000-byte
# header field (http_pipeline.py), so every head is a short write: one at a
# time and pipelined (the same wait a pipelining client meets when the last
# of a large body still fills the send queue as the next head comes: seen
# once in a loaded full run of test_http_pipeline, "Connection reset by
# peer" under f3m).  Checked: every response 200 and byte-exact, one origin
# connection for each run, the upstream reused, no session left; an
# interim 100 Continue with such a head reaches curl, which only then sends
# its body; 6000 bytes pipelined behind an upgrade request go up after the
# 101 (in two writes) and come back from the echoing origin; a 12 kB PUT
# that the proxy sends again from its copy, after its kept upstream closed,
# goes through the new upstream's 4 KiB send queue on the client's one
# connection, byte-exact.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/proxy_lib.sh"
rb_init
rb_require_cmd python3 curl
RB_CFG_DP_EXTRA="tcp = { sndbuf = 4096; };"
rb_topo_two_hosts
px_control_init
px_config "
$PX_CTL
$(px_http_cfg)
"
PY=$(dirname "$0")/http_pipeline.py
O=http://$RB_SRV_IP4:8082
px_start
rb_bg "$RB_TMP/origin.out" ip netns exec "$RB_NS_SRV" python3 "$PY" origin "$RB_SRV_IP4" 8082 \
	"$RB_TMP/origin.log"
rb_wait_for 5 ip netns exec "$RB_NS_SRV" python3 -c "import socket; socket.create_connection(('$RB_SRV_IP4', 8082), 1)" ||
	rb_fail "origin did not come up: $(cat "$RB_TMP/origin.out")"
P=http://$RB_DP_CLI_IP4:3128
px_wait_proxy "$P"

ev() { awk -v k="ringbox_events_total{event=\"$2\"," 'index($1, k) == 1 { s += $2 } END { print s + 0 }' "$1"; }
evd() { echo $(($(ev "$RB_TMP/m2.txt" "$1") - $(ev "$RB_TMP/m1.txt" "$1"))); }

for mode in seq pipe; do
	: >"$RB_TMP/origin.log"
	px_scrape "$RB_TMP/m1.txt"
	ip netns exec "$RB_NS_CLI" python3 "$PY" client "$RB_DP_CLI_IP4" 3128 "$mode" "$RB_TMP" \
		"$O/bighead?1" "$O/bighead?2" "$O/chunked" "$O/bighead?3" "$O/bighead?4" \
		>"$RB_TMP/$mode.out" 2>&1 || rb_fail "$mode: $(grep -v '^200 ' "$RB_TMP/$mode.out" | head -3)"
	px_scrape "$RB_TMP/m2.txt"
	rb_assert_eq "$(grep -c '^200 ' "$RB_TMP/$mode.out")" 5 "$mode: answers"
	rb_assert_eq "$(awk '{ print $1 }' "$RB_TMP/origin.log" | sort -u | wc -l)" 1 "$mode: origin connections"
	rb_assert_eq "$(awk '{ print $2 }' "$RB_TMP/origin.log" | tr '\n' ' ')" "1 2 3 4 5 " "$mode: requests on it"
	rb_assert_eq "$(evd proxy_http_reuse)" 4 "$mode: reuses"
done
# an interim 100 Continue with such a head: it waits for room like any
# other, and must reach the client while the final head is still to come
# (curl sends the body only after it; its own wait is longer than
# --max-time, so a 100 that stayed behind would fail the request)
head -c 3000 /dev/urandom >"$RB_TMP/cbody"
ip netns exec "$RB_NS_CLI" curl -sS --max-time 15 --expect100-timeout 60 -x "$P" \
	-H 'Expect: 100-continue' --data-binary @"$RB_TMP/cbody" "$O/continue" >"$RB_TMP/cont.out" 2>&1 ||
	rb_fail "100 Continue behind a full send queue: $(tail -2 "$RB_TMP/cont.out")"
rb_assert_eq "$(cat "$RB_TMP/cont.out")" "3000 $(sha256sum <"$RB_TMP/cbody" | cut -d' ' -f1)" \
	"100 Continue: the body reached the origin"
# a 101 with 6000 tunnel bytes sent behind the request at once: they wait
# in the proxy (pipelined) until the 101 ends the keep-alive, then go up
# through the 4 KiB send queue in two writes; the origin echoes them back
printf 'GET %s/upgrade HTTP/1.1\r\nHost: o\r\nUpgrade: echo\r\nConnection: Upgrade\r\nX-Echo-Len: 6000\r\n\r\n' \
	"$O" >"$RB_TMP/up.req"
for ((i = 0; i < 750; i++)); do printf 'echo-me '; done >>"$RB_TMP/up.req"
ip netns exec "$RB_NS_CLI" python3 "$PY" raw "$RB_DP_CLI_IP4" 3128 "$RB_TMP/up.req" >"$RB_TMP/up.out"
out=$(cat "$RB_TMP/up.out")
rb_assert_match "$out" "^b'HTTP/1.1 101 " "upgrade: 101"
rb_assert_eq "$(grep -o 'echo-me' <<<"$out" | wc -l)" 750 "upgrade: pipelined tunnel bytes echoed (8-byte words)"
# a request sent again from the proxy's copy (12000-byte PUT, idempotent,
# under the 16.7 kB copy) after its kept upstream closed under it
# (http_chunked.py --drop-after 1): the whole request is what goes to the
# new upstream at once (s->early), three times its 4 KiB send queue; the
# rest waits for room (it used to end the session: curl saw the reset)
F=http://$RB_SRV_IP4:8083
rb_bg "$RB_TMP/f.out" ip netns exec "$RB_NS_SRV" python3 "$(dirname "$0")/http_chunked.py" origin \
	"$RB_SRV_IP4" 8083 "$RB_TMP/f.log" --drop-after 1
rb_wait_for 5 ip netns exec "$RB_NS_SRV" curl -s -o /dev/null "$F/up" ||
	rb_fail "dropping origin did not come up: $(cat "$RB_TMP/f.out")"
: >"$RB_TMP/f.log"
head -c 12000 /dev/urandom >"$RB_TMP/pbody"
px_scrape "$RB_TMP/m1.txt"
ip netns exec "$RB_NS_CLI" curl -sS -v --max-time 20 -x "$P" "$F/a" --next -x "$P" -H 'Expect:' \
	-T "$RB_TMP/pbody" "$F/put" >"$RB_TMP/put.out" 2>"$RB_TMP/put.err" ||
	rb_fail "12 kB PUT sent again: $(grep -E '^curl|^< HTTP' "$RB_TMP/put.err" | tr '\n' ' ')"
px_scrape "$RB_TMP/m2.txt"
rb_assert_eq "$(awk '$5 == "dropped" { print $3 $4 }' "$RB_TMP/f.log")" "PUT/put" \
	"12 kB PUT: dropped by the origin on the kept upstream"
rb_assert_eq "$(evd proxy_http_retry)" 1 "12 kB PUT: sent again"
# by the proxy, on the client's one connection: curl itself sends a request
# again on a fresh connection when a reused one dies under it, which would
# hide a reset
rb_assert_eq "$(grep -c '^\* Connected to' "$RB_TMP/put.err")" 1 "12 kB PUT: client connections"
rb_assert_eq "$(grep -c 'Connection died' "$RB_TMP/put.err")" 0 "12 kB PUT: curl's own retries"
rb_assert_eq "$(awk '$3 == "PUT" && $5 == "length" { print $6 }' "$RB_TMP/f.log")" \
	"$(sha256sum <"$RB_TMP/pbody" | cut -d' ' -f1)" "12 kB PUT: its body at the origin, byte-exact"
px_scrape_idle http-in
rb_assert_eq "$(px_val "$RB_TMP/m2.txt" 'ringbox_proxy_conns_active{inbound="http-in"}')" 0 "sessions left"
rb_dp_stop
rb_pass "6 kB response heads through a 4 KiB send buffer: 5 answers byte-exact one at a time and pipelined, one origin connection each; a 6 kB 100 Continue delivered before the final head, 6000 pipelined tunnel bytes after a 101 echoed; a 12 kB PUT sent again from its copy reached the origin byte-exact"
