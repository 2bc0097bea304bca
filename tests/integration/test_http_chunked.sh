#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Plain-HTTP proxy: chunked request bodies (RFC 9112 7.1) keep both
# connections, and a request on a kept upstream that the origin closes
# before answering is sent again (idempotent) or answered 502 (RFC 9112
# 9.3.1).  The origin is python's http.server with its own chunked decoder
# (http_chunked.py: the sha256 of each body and of its wire bytes, a number
# per TCP connection); the client is curl (-H 'Transfer-Encoding: chunked'
# --data-binary @file through -x http://) or a raw pipelining client.
# Checked: bodies byte-exact and passed on as sent (extensions, trailers,
# data that looks like an end and a request), curl and the proxy reuse
# their connections (one origin connection for three chunked uploads, the
# proxy_http_reuse / proxy_http_dial counters), pipelined requests behind
# a chunked body; broken chunked framing (huge size, bad hex, missing
# CRLF, in the head's bytes or later) is 400, counted, and nothing behind
# it reaches the origin.  Retry: an origin that reads the second request
# of each connection and closes (FIN, or a reset) without a byte: GETs
# and a chunked PUT are answered from a new connection (proxy_http_retry),
# a POST gets 502 and reaches the origin once (proxy_http_no_retry); a
# short PUT goes again, a PUT longer than the copy kept for that (16.7 kB)
# gets 502 (proxy_http_no_retry_long) and reaches the origin once.
# An origin with a 1 s keep-alive timeout and a client pausing about that
# long between GETs: all answered 200.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/proxy_lib.sh"
rb_init
rb_require_cmd curl python3
rb_topo_two_hosts
px_control_init
px_config "
$PX_CTL
$(px_http_cfg)
"
PY=$(dirname "$0")/http_chunked.py
px_start
O=http://$RB_SRV_IP4:8080   # keeps its connections
F=http://$RB_SRV_IP4:8081   # closes each connection at its 2nd request (FIN)
R=http://$RB_SRV_IP4:8082   # the same with a reset
I=http://$RB_SRV_IP4:8083   # closes connections idle for 1 s (a keep-alive timeout)
rb_bg "$RB_TMP/o.out" ip netns exec "$RB_NS_SRV" python3 "$PY" origin "$RB_SRV_IP4" 8080 "$RB_TMP/o.log"
rb_bg "$RB_TMP/f.out" ip netns exec "$RB_NS_SRV" python3 "$PY" origin "$RB_SRV_IP4" 8081 "$RB_TMP/f.log" \
	--drop-after 1
rb_bg "$RB_TMP/r.out" ip netns exec "$RB_NS_SRV" python3 "$PY" origin "$RB_SRV_IP4" 8082 "$RB_TMP/r.log" \
	--drop-after 1 --rst
rb_bg "$RB_TMP/i.out" ip netns exec "$RB_NS_SRV" python3 "$PY" origin "$RB_SRV_IP4" 8083 "$RB_TMP/i.log" \
	--idle 1
for p in 8080 8081 8082 8083; do
	rb_wait_for 5 ip netns exec "$RB_NS_SRV" curl -s -o /dev/null "http://$RB_SRV_IP4:$p/up" ||
		rb_fail "origin on $p did not come up: $(cat "$RB_TMP"/*.out)"
done
P=http://$RB_DP_CLI_IP4:3128
px_wait_proxy "$P"
: >"$RB_TMP/o.log"
: >"$RB_TMP/f.log"
: >"$RB_TMP/r.log"

ev() { awk -v k="ringbox_events_total{event=\"$2\"," 'index($1, k) == 1 { s += $2 } END { print s + 0 }' "$1"; }
evd() { echo $(($(ev "$RB_TMP/m2.txt" "$1") - $(ev "$RB_TMP/m1.txt" "$1"))); }
sha() { sha256sum "$1" | cut -d' ' -f1; }
cli() { ip netns exec "$RB_NS_CLI" "$@"; }

# 1. curl: three chunked uploads on one client connection (with and without
# Expect: 100-continue), then a GET: one origin connection for all four
head -c 0 /dev/urandom >"$RB_TMP/b0"
head -c 100000 /dev/urandom >"$RB_TMP/b1"
head -c $((3 << 20)) /dev/urandom >"$RB_TMP/b2"
px_scrape "$RB_TMP/m1.txt"
cli curl -sS -v --max-time 30 -x "$P" -H 'Transfer-Encoding: chunked' --data-binary @"$RB_TMP/b1" \
	"$O/hash" --next -x "$P" -H 'Transfer-Encoding: chunked' -H 'Expect:' \
	--data-binary @"$RB_TMP/b2" "$O/hash" --next -x "$P" -H 'Transfer-Encoding: chunked' \
	--data-binary @"$RB_TMP/b0" -X PUT "$O/hash" --next -x "$P" "$O/after" \
	>"$RB_TMP/out1" 2>"$RB_TMP/err1" || rb_fail "curl chunked uploads: $(tail -5 "$RB_TMP/err1")"
px_scrape "$RB_TMP/m2.txt"
rb_assert_eq "$(awk 'NR <= 3 { print $1 }' "$RB_TMP/out1" | tr '\n' ' ')" \
	"$(sha "$RB_TMP/b1") $(sha "$RB_TMP/b2") $(sha "$RB_TMP/b0") " "bodies at the origin (sha256)"
rb_assert_eq "$(awk '{ print $5 }' "$RB_TMP/o.log" | tr '\n' ' ')" "chunked chunked chunked none " \
	"framing at the origin (passed on chunked)"
rb_assert_eq "$(awk '{ print $1 }' "$RB_TMP/o.log" | sort -u | wc -l)" 1 "origin connections for 4 requests"
rb_assert_eq "$(awk '{ print $2 }' "$RB_TMP/o.log" | tr '\n' ' ')" "1 2 3 4 " "requests on it"
rb_assert_eq "$(grep -c 'Re-using existing connection' "$RB_TMP/err1")" 3 "curl reused its proxy connection"
rb_assert_eq "$(px_delta 'ringbox_proxy_conns_total{inbound="http-in"}')" 1 "client connections accepted"
rb_assert_eq "$(evd proxy_http_reuse)" 3 "upstream reuses"
rb_assert_eq "$(evd proxy_http_dial)" 1 "upstream dials"
grep -q '^conn=[0-9]* req=4$' "$RB_TMP/out1" || rb_fail "GET after the uploads: $(tail -2 "$RB_TMP/out1")"

# 2. pipelined: a chunked POST (extensions, trailers, data that reads as an
# end and a request), a GET, a chunked PUT, sent at once in odd pieces
: >"$RB_TMP/o.log"
px_scrape "$RB_TMP/m1.txt"
cli python3 "$PY" pipe "$RB_DP_CLI_IP4" 3128 "$O" >"$RB_TMP/out2" 2>&1 ||
	rb_fail "pipelined chunked requests: $(cat "$RB_TMP/out2")"
px_scrape "$RB_TMP/m2.txt"
rb_assert_eq "$(awk '{ print $3 "/" $5 "/" $7 }' "$RB_TMP/o.log" | tr '\n' ' ')" \
	"POST/chunked/X-Sum,X-Two GET/none/- PUT/chunked/- " "requests, framing, trailers at the origin"
rb_assert_eq "$(awk '{ print $1 }' "$RB_TMP/o.log" | sort -u | wc -l)" 1 "origin connections (pipelined)"
rb_assert_eq "$(evd proxy_http_reuse)" 2 "pipelined: upstream reuses"
rb_assert_ge "$(evd proxy_http_pipelined)" 1 "requests read from pipelined bytes"
grep -q smuggled "$RB_TMP/o.log" && rb_fail "chunk data was taken for a request"

# 3. broken chunked framing: 400, counted, the pipelined GET behind it never
# reaches the origin.  In the bytes that came with the head (a size of
# 2^64, bad hex, no CRLF after the data), and after a valid chunk that went
# up (bad hex, a 2^60 size)
hx() { printf '%b' "$1" | od -An -v -tx1 | tr -d ' \n'; }
H=$(hx "POST $O/hash HTTP/1.1\r\nHost: o\r\nTransfer-Encoding: chunked\r\n\r\n")
G=$(hx "GET $O/smuggled HTTP/1.1\r\nHost: o\r\n\r\n")
: >"$RB_TMP/o.log"
px_scrape "$RB_TMP/m1.txt"
n=0
for body in '10000000000000000\r\nx\r\n0\r\n\r\n' '5x\r\nhello\r\n0\r\n\r\n' '5\r\nhelloX0\r\n\r\n'; do
	out=$(cli python3 "$PY" raw "$RB_DP_CLI_IP4" 3128 "$H$(hx "$body")$G")
	rb_assert_match "$out" "^b'HTTP/1.1 400 Bad Request" "broken chunks with the head ($body)"
	n=$((n + 1))
done
for late in 'zz\r\n' '1000000000000000\r\n'; do
	out=$(cli python3 "$PY" raw "$RB_DP_CLI_IP4" 3128 "$H$(hx '3\r\nabc\r\n')" "$(hx "$late")$G")
	rb_assert_match "$out" "^b'HTTP/1.1 400 Bad Request" "broken chunks after a chunk went up ($late)"
	n=$((n + 1))
done
px_scrape "$RB_TMP/m2.txt"
rb_assert_eq "$(evd proxy_http_bad_chunk)" "$n" "broken chunked bodies counted"
grep -q smuggled "$RB_TMP/o.log" && rb_fail "a request behind a broken chunked body reached the origin"

# 4. the kept upstream closed under the next request (FIN, then a reset):
# GET, GET, GET and a chunked PUT on one client connection; the origin
# drops the second request of each of its connections: the last three are
# each sent on a kept upstream, dropped, and sent again; no 502
for o in f r; do
	U=$F
	[ $o = r ] && U=$R
	: >"$RB_TMP/$o.log"
	printf 'put body %s\n' "$o" >"$RB_TMP/pb"
	px_scrape "$RB_TMP/m1.txt"
	cli curl -sS -v --max-time 20 -x "$P" "$U/a" "$U/b" --next -x "$P" "$U/c" --next -x "$P" \
		-H 'Transfer-Encoding: chunked' -H 'Expect:' -T "$RB_TMP/pb" "$U/put" \
		>"$RB_TMP/out4$o" 2>"$RB_TMP/err4$o" || rb_fail "$o: retried requests: $(tail -5 "$RB_TMP/err4$o")"
	px_scrape "$RB_TMP/m2.txt"
	grep -q ' 502 ' "$RB_TMP/err4$o" && rb_fail "$o: a 502 reached the client"
	rb_assert_eq "$(grep -c '^< HTTP/1.1 200' "$RB_TMP/err4$o")" 4 "$o: answers"
	rb_assert_eq "$(grep -c 'Re-using existing connection' "$RB_TMP/err4$o")" 3 "$o: curl kept its connection"
	rb_assert_eq "$(awk '$5 == "dropped" { print $3 $4 }' "$RB_TMP/$o.log" | tr '\n' ' ')" \
		"GET/b GET/c PUT/put " "$o: requests dropped by the origin"
	rb_assert_eq "$(awk '$5 != "dropped" { print $3 $4 }' "$RB_TMP/$o.log" | tr '\n' ' ')" \
		"GET/a GET/b GET/c PUT/put " "$o: requests answered"
	rb_assert_eq "$(evd proxy_http_retry)" 3 "$o: retries"
	rb_assert_eq "$(evd proxy_http_reuse)" 3 "$o: reuses"
	rb_assert_eq "$(evd proxy_http_no_retry)" 0 "$o: 502s"
	rb_assert_eq "$(awk '$3 == "PUT" && $5 == "chunked" { print $6 }' "$RB_TMP/$o.log")" \
		"$(sha "$RB_TMP/pb")" "$o: the retried chunked PUT's body"
done

# 5. a POST on the kept upstream that closes: not sent again, 502
: >"$RB_TMP/f.log"
head -c 5000 /dev/urandom >"$RB_TMP/b3"
px_scrape "$RB_TMP/m1.txt"
cli curl -sS -v --max-time 20 -x "$P" "$F/a" --next -x "$P" --data-binary @"$RB_TMP/b3" "$F/post" \
	>"$RB_TMP/out5" 2>"$RB_TMP/err5"
px_scrape "$RB_TMP/m2.txt"
rb_assert_eq "$(grep -c '^< HTTP/1.1 502' "$RB_TMP/err5")" 1 "POST on a closed kept upstream: 502"
rb_assert_eq "$(grep -c 'POST /post' "$RB_TMP/f.log")" 1 "the POST reached the origin once"
rb_assert_eq "$(evd proxy_http_no_retry)" 1 "502s counted"
rb_assert_eq "$(evd proxy_http_retry)" 0 "no retry of a POST"

# 5b. a PUT (idempotent, Content-Length) on the kept upstream that closes:
# a short one (all of it in the copy kept for a second try) is sent again;
# a long one (20 kB: past the copy, 2 x max_header_size + 320 = 16.7 kB) is
# not: 502, counted in proxy_http_no_retry and proxy_http_no_retry_long,
# and it reached the origin once
head -c 2000 /dev/urandom >"$RB_TMP/short"
head -c 20000 /dev/urandom >"$RB_TMP/long"
for sz in short long; do
	: >"$RB_TMP/f.log"
	px_scrape "$RB_TMP/m1.txt"
	cli curl -sS -v --max-time 20 -x "$P" "$F/a" --next -x "$P" -H 'Expect:' -T "$RB_TMP/$sz" \
		"$F/$sz" >"$RB_TMP/out5$sz" 2>"$RB_TMP/err5$sz"
	px_scrape "$RB_TMP/m2.txt"
	rb_assert_eq "$(grep -c 'Re-using existing connection' "$RB_TMP/err5$sz")" 1 \
		"$sz PUT: curl kept its connection"
	rb_assert_eq "$(awk '$5 == "dropped" { print $3 $4 }' "$RB_TMP/f.log")" "PUT/$sz" \
		"$sz PUT: dropped by the origin on the kept upstream"
	if [ $sz = short ]; then
		rb_assert_eq "$(grep -c '^< HTTP/1.1 200' "$RB_TMP/err5$sz")" 2 "short PUT: answers"
		rb_assert_eq "$(awk '$3 == "PUT" && $5 == "length" { print $6 }' "$RB_TMP/f.log")" \
			"$(sha "$RB_TMP/$sz")" "short PUT: sent again, its body byte-exact"
		rb_assert_eq "$(evd proxy_http_retry)" 1 "short PUT: retried"
		rb_assert_eq "$(evd proxy_http_no_retry)" 0 "short PUT: 502s"
	else
		rb_assert_eq "$(grep -c '^< HTTP/1.1 502' "$RB_TMP/err5$sz")" 1 "long PUT: 502"
		rb_assert_eq "$(grep -c 'PUT /long' "$RB_TMP/f.log")" 1 "long PUT: reached the origin once"
		rb_assert_eq "$(evd proxy_http_retry)" 0 "long PUT: not retried"
		rb_assert_eq "$(evd proxy_http_no_retry)" 1 "long PUT: 502s counted"
	fi
	rb_assert_eq "$(evd proxy_http_no_retry_long)" "$([ $sz = long ] && echo 1 || echo 0)" \
		"$sz PUT: counted too long to send again"
done

# 5c. a 20 kB PUT whose body is still on its way when the kept upstream
# closes (the origin drops /early... as soon as it has read the head; the
# client sends 2000 body bytes with the head, the other 18000 0.3 s later):
# all that went up is in the copy, so it goes again on a new connection,
# the rest follows there, and the origin gets the body byte-exact
: >"$RB_TMP/f.log"
px_scrape "$RB_TMP/m1.txt"
cli python3 "$PY" slowput "$RB_DP_CLI_IP4" 3128 "$F/a" "$F/early-long" "$RB_TMP/long" 2000 \
	>"$RB_TMP/out5c" 2>&1 || rb_fail "PUT still sending when the kept upstream closed: $(cat "$RB_TMP/out5c")"
px_scrape "$RB_TMP/m2.txt"
rb_assert_eq "$(awk '$5 == "dropped" { print $3 $4 }' "$RB_TMP/f.log")" "PUT/early-long" \
	"early close: dropped by the origin on the kept upstream"
rb_assert_eq "$(awk '$3 == "PUT" && $5 == "length" { print $6 }' "$RB_TMP/f.log")" \
	"$(sha "$RB_TMP/long")" "early close: sent again, its body byte-exact"
rb_assert_eq "$(evd proxy_http_retry)" 1 "early close: retried"
rb_assert_eq "$(evd proxy_http_no_retry)" 0 "early close: 502s"

# 6. an origin's keep-alive timeout (1 s) against a client that pauses
# about that long between GETs: the kept upstream closes before, after or
# as a request goes out; every answer is a 200 (a close seen first
# redials, one under a request retries)
px_scrape "$RB_TMP/m1.txt"
cli python3 "$PY" idle "$RB_DP_CLI_IP4" 3128 "$I/t" 0.9 0.95 0.97 0.98 0.99 1.0 1.0 1.01 1.02 1.03 1.05 \
	>"$RB_TMP/out6" 2>&1 || rb_fail "GETs across the origin's idle timeout: $(grep -v '^200' "$RB_TMP/out6")"
px_scrape "$RB_TMP/m2.txt"
rb_assert_eq "$(grep -c '^200 ' "$RB_TMP/out6")" 12 "answers across the idle timeout"
rb_assert_eq "$(evd proxy_http_no_retry)" 0 "idle timeout: 502s"
rb_note "idle timeout: $(evd proxy_http_reuse) reuses, $(evd proxy_http_dial) dials, $(evd proxy_http_retry) retries for 12 GETs"

# nothing left open
px_scrape_idle http-in
rb_assert_eq "$(px_val "$RB_TMP/m2.txt" 'ringbox_proxy_conns_active{inbound="http-in"}')" 0 "sessions left"
rb_dp_stop
rb_pass "chunked uploads byte-exact on one origin connection (curl 3 reuses), pipelined chunked with trailers, $n broken bodies 400, kept-upstream close: GETs and chunked PUT retried (FIN and reset), POST 502, short PUT retried, 20 kB PUT 502 (too long), 20 kB PUT closed under early retried byte-exact, GETs across a 1 s origin idle timeout all 200"
