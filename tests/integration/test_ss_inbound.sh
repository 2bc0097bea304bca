#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# The `shadowsocks` inbound (dataplane/ss/ss_in.c) with shadowsocks-libev's
# ss-local as the client:
#   curl --socks5-hostname -> ss-local (cli ns) -> ringbox shadowsocks inbound
#   -> direct -> nginx (srv ns)
# for each AEAD method (sha256 of a download: RB_SS_BIG MiB for aes-128-gcm,
# RB_SS_SMALL MiB for the others) and `none` (our own client: it is plain).
# Probe resistance: ss-local with a wrong password never reaches nginx and
# the failure is counted (ringbox_proxy_auth_failures_total); random bytes
# get no answer, no FIN and no RST for 1.5 s; a recorded valid stream sent
# again (replayed salt) gets no answer either and is counted as `replay`.
# Ports on lib.sh's default driver (af_xdp; RB_DRIVER=af_packet for the
# other).  The af_packet default of 3256bfc (an af_xdp TX stall after
# 40..230 MB) went with 956f0ee (mbuf pool inside the af_xdp UMEM).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/proxy_lib.sh"
rb_init
rb_require_cmd curl nginx ss-local
BIG=${RB_SS_BIG:-100}
SMALL=${RB_SS_SMALL:-16}
rb_topo_two_hosts
METHODS=(aes-128-gcm aes-256-gcm chacha20-ietf-poly1305 xchacha20-ietf-poly1305)
PW=()
ins=
for i in "${!METHODS[@]}"; do
	PW[i]="pw-$i-$RANDOM$RANDOM"
	ins+="{ type = \"shadowsocks\"; tag = \"ss$i\"; listen = \"$RB_DP_CLI_IP4\";
    listen_port = $((8388 + i)); method = \"${METHODS[i]}\"; password = \"${PW[i]}\"; },
  "
done
PX_MPORT=$((20000 + RANDOM % 20000))
PX_CTL=$(px_control_cfg)
PX_SOCK=$RB_TMP/run/ctl.sock
px_config "
$PX_CTL
inbounds = (
  $ins{ type = \"shadowsocks\"; tag = \"ssnone\"; listen = \"$RB_DP_CLI_IP4\"; listen_port = 8400;
    method = \"none\"; network = \"tcp\"; probe_timeout = \"20s\"; }
);
outbounds = ( { type = \"direct\"; tag = \"direct\"; } );
route = { final = \"direct\"; };
"
rb_dp_start --eal "-m 768"
px_control_start
PX_BIG=$BIG px_nginx_start
head -c "$((SMALL << 20))" "$RB_TMP/www/big.bin" >"$RB_TMP/www/small.bin"
SMALL_SHA=$(sha256sum <"$RB_TMP/www/small.bin" | cut -d' ' -f1)
C() { ip netns exec "$RB_NS_CLI" "$@"; }
PY=/usr/bin/python3
metric() { # name{labels} -> value (0 when absent)
	curl -s "http://127.0.0.1:$PX_MPORT/metrics" | awk -v k="$1" '$1 == k { v = $2 } END { print v + 0 }'
}
wait_local() { rb_wait_for 5 ip netns exec "$RB_NS_CLI" bash -c "exec 3<>/dev/tcp/127.0.0.1/$1"; }

SSL_PORT=1090
ss_local() { # method password server-port -> SSL (its SOCKS5 port)
	SSL=$SSL_PORT
	SSL_PORT=$((SSL_PORT + 1))
	rb_bg "$RB_TMP/ss-local-$SSL.log" ip netns exec "$RB_NS_CLI" ss-local -s "$RB_DP_CLI_IP4" \
		-p "$3" -b 127.0.0.1 -l "$SSL" -m "$1" -k "$2" -t 30
	wait_local "$SSL" || rb_fail "ss-local ($1) did not start: $(tail -3 "$RB_TMP/ss-local-$SSL.log")"
}

# ---- each AEAD method: a download, byte-exact
for i in "${!METHODS[@]}"; do
	m=${METHODS[i]}
	ss_local "$m" "${PW[i]}" $((8388 + i))
	rb_wait_for 10 ip netns exec "$RB_NS_CLI" curl -sf -o /dev/null --max-time 3 \
		--socks5-hostname "127.0.0.1:$SSL" "http://$RB_SRV_IP4:8080/" || rb_fail "$m: no answer"
	if [ "$i" = 0 ]; then f=big.bin want=$PX_BIG_SHA mib=$BIG; else f=small.bin want=$SMALL_SHA mib=$SMALL; fi
	t0=$(date +%s.%N)
	got=$(C curl -sf --max-time 60 --socks5-hostname "127.0.0.1:$SSL" \
		"http://$RB_SRV_IP4:8080/$f" | sha256sum | cut -d' ' -f1)
	t1=$(date +%s.%N)
	[ "$got" = "$want" ] || rb_fail "$m: $mib MiB download through the inbound is not byte-exact"
	rb_note "$m: $mib MiB byte-exact ($(awk -v m="$mib" -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", m / (b - a) }') MiB/s)"
	PX_TIMEOUT=10 px_curl --socks5-hostname "127.0.0.1:$SSL" "http://$RB_SRV_IP4:8080/index.html"
	[ "$PX_OUT" = "hello from srv" ] || rb_fail "$m: small GET: $PX_OUT"
	# an IPv6 destination (the inbound dials it over the srv port's IPv6)
	PX_TIMEOUT=10 px_curl --socks5 "127.0.0.1:$SSL" "http://[$RB_SRV_IP6]:8080/index.html"
	[ "$PX_OUT" = "hello from srv" ] || rb_fail "$m: GET to an IPv6 destination: $PX_OUT"
done

# ---- method none: the SOCKS5-form address, then the plain stream
out=$(C $PY - "$RB_DP_CLI_IP4" 8400 "$RB_SRV_IP4" <<'EOF'
import socket, sys
s = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=5)
s.sendall(bytes([1]) + socket.inet_aton(sys.argv[3]) + (8080).to_bytes(2, "big") +
          b"GET /index.html HTTP/1.0\r\n\r\n")
d = b""
while True:
    b = s.recv(4096)
    if not b:
        break
    d += b
print(d.split(b"\r\n\r\n", 1)[1].decode().strip())
EOF
) || rb_fail "method none: client failed"
[ "$out" = "hello from srv" ] || rb_fail "method none: got '$out'"

# ---- wrong password: nothing reaches nginx, counted
auth0=$(metric 'ringbox_proxy_auth_failures_total{inbound="ss1"}')
ss_local aes-256-gcm "not-${PW[1]}" 8389
cp "$RB_TMP/www/index.html" "$RB_TMP/www/wrongpw"
C curl -sf -o /dev/null --max-time 3 --socks5-hostname "127.0.0.1:$SSL" \
	"http://$RB_SRV_IP4:8080/wrongpw" && rb_fail "wrong password: the request went through"
rb_wait_for 5 sh -c "[ \"\$(curl -s http://127.0.0.1:$PX_MPORT/metrics | awk '\$1 == \"ringbox_proxy_auth_failures_total{inbound=\\\"ss1\\\"}\" { print \$2 }')\" -gt $auth0 ]" ||
	rb_fail "wrong password: ringbox_proxy_auth_failures_total{inbound=\"ss1\"} did not move from $auth0"
rb_assert_eq "$(px_hit access /wrongpw)" 0 "wrong password: requests that reached nginx"
# counted once: the drained connection's end is not another handshake error
rb_assert_eq "$(metric 'ringbox_proxy_handshake_errors_total{inbound="ss1",reason="malformed"}')" 0 \
	"wrong password: also counted as malformed"

# ---- probes: random bytes get no answer, no FIN, no RST (for 1.5 s)
probe() { # port what [file with the bytes to send]
	C $PY - "$RB_DP_CLI_IP4" "$1" "${3:-}" <<'EOF'
import os, socket, sys
s = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=5)
s.sendall(open(sys.argv[3], "rb").read() if sys.argv[3] else os.urandom(300))
s.settimeout(1.5)
try:
    d = s.recv(100)
    print("answered" if d else "closed")
except socket.timeout:
    print("silent")
except ConnectionResetError:
    print("reset")
EOF
}
for p in 8388 8391; do
	r=$(probe $p) || rb_fail "probe client failed"
	rb_assert_eq "$r" silent "random bytes to port $p"
done

# ---- replay: record what ss-local sends for one request, send it again
rb_bg "$RB_TMP/rec.log" ip netns exec "$RB_NS_CLI" $PY "$RB_LIB_DIR/rec_relay.py" 127.0.0.1 8500 "$RB_DP_CLI_IP4" 8388 \
	"$RB_TMP/rec.bin"
wait_local 8500 || rb_fail "recorder did not start"
SSL=$SSL_PORT
rb_bg "$RB_TMP/ss-local-rec.log" ip netns exec "$RB_NS_CLI" ss-local -s 127.0.0.1 -p 8500 \
	-b 127.0.0.1 -l "$SSL" -m aes-128-gcm -k "${PW[0]}"
wait_local "$SSL" || rb_fail "ss-local (recorded) did not start"
cp "$RB_TMP/www/index.html" "$RB_TMP/www/replayed"
PX_TIMEOUT=10 px_curl --socks5-hostname "127.0.0.1:$SSL" "http://$RB_SRV_IP4:8080/replayed"
[ "$PX_OUT" = "hello from srv" ] || rb_fail "recorded request: $PX_OUT"
[ -s "$RB_TMP/rec.bin" ] || rb_fail "nothing recorded"
rep0=$(metric 'ringbox_proxy_handshake_errors_total{inbound="ss0",reason="replay"}')
r=$(probe 8388 replay "$RB_TMP/rec.bin") || rb_fail "replay client failed"
rb_assert_eq "$r" silent "replayed stream"
rb_wait_for 5 sh -c "[ \"\$(curl -s http://127.0.0.1:$PX_MPORT/metrics | awk '\$1 == \"ringbox_proxy_handshake_errors_total{inbound=\\\"ss0\\\",reason=\\\"replay\\\"}\" { print \$2 }')\" -gt $rep0 ]" ||
	rb_fail "replay not counted"
rb_assert_eq "$(px_hit access /replayed)" 1 "replayed request: hits at nginx"

rb_dp_stop
rb_pass "${#METHODS[@]} methods + none, ${BIG}/${SMALL} MiB"
