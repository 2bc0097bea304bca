#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Plain-HTTP proxy: upstream reuse and pipelining (RFC 9112 9.3, 9.3.2).
# A raw-socket client (http_pipeline.py) sends absolute-URI GETs on one
# connection to the http inbound, one at a time and pipelined, to one
# origin and alternating two (nginx on two ports in srv, logging
# $connection and $connection_requests), plus a scripted origin (chunked
# with extensions and trailers, a response without framing, an invalid
# Content-Length).  Checked: every response byte-exact and in order;
# nginx saw same-origin requests on one connection and every origin switch
# on a new one; the proxy_http_reuse / proxy_http_dial / proxy_http_pipelined
# counters agree with nginx.  Hostile: CL+TE and repeated CL (400, counted,
# nothing reaches nginx), a pipeline over the bound (reset, counted).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/proxy_lib.sh"
rb_init
rb_require_cmd nginx python3
rb_topo_two_hosts
px_control_init
px_config "
$PX_CTL
$(px_http_cfg)
"
PY=$(dirname "$0")/http_pipeline.py
W=$RB_TMP/www
A=http://$RB_SRV_IP4:8080
B=http://$RB_SRV_IP4:8081
O=http://$RB_SRV_IP4:8082
mkdir -p "$W" "$RB_TMP/nginx"
echo "hello from srv" >"$W/index.html"
: >"$W/f0"
printf x >"$W/f1"
head -c 100000 /dev/urandom >"$W/f100k"
head -c $((3 << 20)) /dev/urandom >"$W/f3m"
for i in 1 2 3 4 5 6 7 8 9; do head -c $((i * 977)) /dev/urandom >"$W/s$i"; done
cat >"$RB_TMP/nginx/nginx.conf" <<EOF
daemon off;
user root root;
worker_processes 1;
pid $RB_TMP/nginx/nginx.pid;
error_log $RB_TMP/nginx/error.log;
events { worker_connections 1024; }
http {
  log_format conn '\$server_port \$connection \$connection_requests \$request_method \$request_uri \$status';
  access_log $RB_TMP/nginx/access.log conn;
  client_body_temp_path $RB_TMP/nginx/body;
  proxy_temp_path $RB_TMP/nginx/proxy;
  fastcgi_temp_path $RB_TMP/nginx/fastcgi;
  uwsgi_temp_path $RB_TMP/nginx/uwsgi;
  scgi_temp_path $RB_TMP/nginx/scgi;
  keepalive_requests 100000;
  keepalive_timeout 120s;
  if_modified_since before;
  server { listen $RB_SRV_IP4:8080; root $W; }
  server { listen $RB_SRV_IP4:8081; root $W; }
}
EOF
px_start
rb_bg "$RB_TMP/nginx.out" ip netns exec "$RB_NS_SRV" nginx -c "$RB_TMP/nginx/nginx.conf" \
	-e "$RB_TMP/nginx/error.log"
rb_bg "$RB_TMP/origin.out" ip netns exec "$RB_NS_SRV" python3 "$PY" origin "$RB_SRV_IP4" 8082 \
	"$RB_TMP/origin.log"
rb_wait_for 5 ip netns exec "$RB_NS_SRV" curl -sf -o /dev/null "$A/" ||
	rb_fail "nginx did not come up: $(tail -3 "$RB_TMP/nginx/error.log" 2>/dev/null)"
P=http://$RB_DP_CLI_IP4:3128
px_wait_proxy "$P"

# event counter summed over lcores
ev() { awk -v k="ringbox_events_total{event=\"$2\"," 'index($1, k) == 1 { s += $2 } END { print s + 0 }' "$1"; }
evd() { echo $(($(ev "$RB_TMP/m2.txt" "$1") - $(ev "$RB_TMP/m1.txt" "$1"))); }

# run NAME MODE URL...: the client on one connection, nginx's log lines of
# the run in $RB_TMP/NAME.log, counters before/after in m1/m2
run() {
	local name=$1 mode=$2
	shift 2
	local from
	from=$(($(wc -l <"$RB_TMP/nginx/access.log") + 1))
	px_scrape "$RB_TMP/m1.txt"
	ip netns exec "$RB_NS_CLI" python3 "$PY" client "$RB_DP_CLI_IP4" 3128 "$mode" "$W" "$@" \
		>"$RB_TMP/$name.out" 2>&1 || rb_fail "$name: $(grep -v '^200 ' "$RB_TMP/$name.out" | head -5)"
	# nginx writes its log line after the response: wait for all of them
	rb_wait_for 5 sh -c "[ \$(tail -n +$from '$RB_TMP/nginx/access.log' | wc -l) -ge $NG ]" ||
		rb_fail "$name: nginx logged $(tail -n +"$from" "$RB_TMP/nginx/access.log" | wc -l) of $NG"
	tail -n +"$from" "$RB_TMP/nginx/access.log" >"$RB_TMP/$name.log"
	px_scrape "$RB_TMP/m2.txt"
}
conns() { awk '{ print $1 "/" $2 }' "$RB_TMP/$1.log" | sort -u | wc -l; }

SAME=("$A/s1" "$A/f0" "$A/s2" "$A/f100k" "$A/f1" "$A/s3" "$A/f3m" "$A/s4" "$A/index.html" "$A/s5")

# 1. ten requests to one origin, one at a time: one upstream connection
NG=10 run seq seq "${SAME[@]}"
rb_assert_eq "$(conns seq)" 1 "seq: nginx connections for 10 requests"
rb_assert_eq "$(awk '{ print $3 }' "$RB_TMP/seq.log" | tr '\n' ' ')" "1 2 3 4 5 6 7 8 9 10 " \
	"seq: \$connection_requests"
rb_assert_eq "$(evd proxy_http_reuse)" 9 "seq: reuses"
rb_assert_eq "$(evd proxy_http_dial)" 1 "seq: dials"
grep -q 'keep-alive' "$RB_TMP/seq.out" || rb_fail "seq: no Connection: keep-alive to the client"

# 2. the same, pipelined: responses in order, one upstream connection
NG=10 run pipe pipe "${SAME[@]}"
rb_assert_eq "$(conns pipe)" 1 "pipe: nginx connections for 10 pipelined requests"
rb_assert_eq "$(awk '{ print $5 }' "$RB_TMP/pipe.log" | tr '\n' ' ')" \
	"$(printf '%s\n' "${SAME[@]}" | sed 's|.*:8080||' | tr '\n' ' ')" "pipe: order at nginx"
rb_assert_eq "$(evd proxy_http_reuse)" 9 "pipe: reuses"
rb_assert_eq "$(evd proxy_http_dial)" 1 "pipe: dials"
rb_assert_ge "$(evd proxy_http_pipelined)" 1 "pipe: requests parsed from pipelined bytes"

# the same, the client half-closing after its requests: all answered
NG=3 run pipefin pipefin "$A/s1" "$A/f100k" "$A/s2"
rb_assert_eq "$(conns pipefin)" 1 "pipefin: nginx connections"
rb_assert_eq "$(grep -c '^200 ' "$RB_TMP/pipefin.out")" 3 "pipefin: responses after the client's FIN"

# 3. alternating two origins: every switch closes the upstream and dials
ALT=("$A/s1" "$B/s2" "$A/s3" "$B/s4" "$A/s5" "$B/s6")
for mode in seq pipe; do
	NG=6 run "alt-$mode" "$mode" "${ALT[@]}"
	rb_assert_eq "$(conns "alt-$mode")" 6 "alt-$mode: nginx connections"
	rb_assert_eq "$(awk '$3 != 1' "$RB_TMP/alt-$mode.log" | wc -l)" 0 "alt-$mode: reused connections"
	rb_assert_eq "$(evd proxy_http_reuse)" 0 "alt-$mode: reuses"
	rb_assert_eq "$(evd proxy_http_dial)" 6 "alt-$mode: dials"
done

# 4. runs of each origin, pipelined: one connection per run
NG=7 run runs pipe "$A/s1" "$A/s2" "$A/s3" "$B/s4" "$B/f100k" "$A/s5" "$A/s6"
rb_assert_eq "$(conns runs)" 3 "runs: nginx connections (A A A | B B | A A)"
rb_assert_eq "$(evd proxy_http_reuse)" 4 "runs: reuses"
rb_assert_eq "$(evd proxy_http_dial)" 3 "runs: dials"

# 5. no bodies: HEAD, 304, then a GET on the same upstream
NG=4 run nobody pipe "HEAD:$A/f100k" "IMS:$A/s7" "$A/s8" "HEAD:$A/f0"
rb_assert_eq "$(conns nobody)" 1 "nobody: nginx connections (HEAD, 304, GET, HEAD)"
rb_assert_eq "$(awk '{ print $6 }' "$RB_TMP/nobody.log" | tr '\n' ' ')" "200 304 200 200 " "nobody: statuses"

# 6. the scripted origin: chunked bodies with extensions and trailers keep
# the upstream; a response without framing is read until the close
: >"$RB_TMP/origin.log"
NG=0 run chunked pipe "$O/chunked" "$O/chunked?2" "$O/chunked?3" "$O/close"
rb_assert_eq "$(awk '{ print $1 }' "$RB_TMP/origin.log" | sort -u | wc -l)" 1 "chunked: origin connections"
rb_assert_eq "$(awk '{ print $2 }' "$RB_TMP/origin.log" | tr '\n' ' ')" "1 2 3 4 " "chunked: requests on it"
rb_assert_eq "$(evd proxy_http_reuse)" 3 "chunked: reuses"
rb_assert_eq "$(tail -1 "$RB_TMP/chunked.out" | awk '{ print $3 }')" close \
	"unframed response: Connection: close to the client"
NG=0 run badlen seq "$O/badlen"
rb_assert_eq "$(evd proxy_http_bad_resp)" 1 "invalid Content-Length from the origin: 502, counted"

# 7. smuggling: Content-Length with Transfer-Encoding, two Content-Lengths
printf 'POST %s/s1 HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET %s/smuggled HTTP/1.1\r\nHost: x\r\n\r\n' \
	"$A" "$A" >"$RB_TMP/sm1"
printf 'POST %s/s1 HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nContent-Length: 44\r\n\r\nGET %s/smuggled HTTP/1.1\r\nHost: x\r\n\r\n' \
	"$A" "$A" >"$RB_TMP/sm2"
px_scrape "$RB_TMP/m1.txt"
for f in sm1 sm2; do
	out=$(ip netns exec "$RB_NS_CLI" python3 "$PY" raw "$RB_DP_CLI_IP4" 3128 "$RB_TMP/$f")
	rb_assert_match "$out" "^b'HTTP/1.1 400 Bad Request" "$f: answer"
	rb_assert_eq "$(grep -o 'HTTP/1' <<<"$out" | wc -l)" 1 "$f: responses"
done
px_scrape "$RB_TMP/m2.txt"
rb_assert_eq "$(evd proxy_http_framing)" 2 "smuggling attempts counted"
grep -q smuggled "$RB_TMP/nginx/access.log" && rb_fail "a smuggled request reached nginx"

# 8. a pipeline over the bound: the client reads nothing, the first response
# (3 MiB) stalls, the requests behind it pile up.  The proxy bounds what
# waits (64 KiB, PROXY_HTTP_PIPE_MAX): past it the connection is reset and
# counted; a TCP receive window sized from the lcore's memory may hold the
# client back first: then what the proxy's TCP took (the client's
# tcpi_bytes_acked) stays within the bound, the head buffer (8 KiB) and a
# segment
px_scrape "$RB_TMP/m1.txt"
out=$(ip netns exec "$RB_NS_CLI" python3 "$PY" flood "$RB_DP_CLI_IP4" 3128 "$A/f3m" 20000) ||
	rb_fail "oversized pipeline neither reset nor held back: $out"
px_scrape "$RB_TMP/m2.txt"
rb_note "flood: $out"
case $out in
reset*) rb_assert_ge "$(evd proxy_http_pipe_full)" 1 "oversized pipelines reset" ;;
*)
	acked=$(sed -n 's/.* acked=\([0-9]*\).*/\1/p' <<<"$out")
	[ "${acked:-999999}" -le $((65536 + 8192 + 1500)) ] ||
		rb_fail "the proxy took $acked bytes of a stalled pipeline (bound 64 KiB + head)"
	;;
esac

# nothing left open
px_scrape_idle http-in
rb_assert_eq "$(px_val "$RB_TMP/m2.txt" 'ringbox_proxy_conns_active{inbound="http-in"}')" 0 "sessions left"
rb_dp_stop
rb_pass "reuse (9/10 seq and pipelined, nginx: one connection), origin switches redial, chunked+trailers reused, unframed read to close, 400 on CL+TE / 2xCL, oversized pipeline reset"
