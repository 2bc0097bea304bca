#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# The `shadowsocks` outbound (dataplane/ss/ss_out.c) with shadowsocks-libev's
# ss-server as the server:
#   curl (cli ns) -> ringbox socks inbound -> ringbox shadowsocks outbound
#   -> ss-server (srv ns) -> nginx (srv ns)
# for each AEAD method: sha256 of a download (RB_SS_BIG MiB for
# chacha20-ietf-poly1305, RB_SS_SMALL MiB for the others) and of an upload
# (RB_SS_SMALL MiB POST to a hashing server in srv).
# Also: a detour chain (shadowsocks outbound dialled through a socks
# outbound to microsocks), a domain target, and a wrong password (ss-server
# refuses, nothing reaches nginx).
# Ports on lib.sh's default driver (af_xdp; RB_DRIVER=af_packet for the
# other).  The af_packet default of 3256bfc (an af_xdp TX stall after
# 40..230 MB) went with 956f0ee (mbuf pool inside the af_xdp UMEM).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/proxy_lib.sh"
rb_init
rb_require_cmd curl nginx ss-server microsocks
BIG=${RB_SS_BIG:-100}
SMALL=${RB_SS_SMALL:-16}
rb_topo_two_hosts
METHODS=(chacha20-ietf-poly1305 aes-128-gcm aes-256-gcm xchacha20-ietf-poly1305)
PW=()
ins= outs= rules=
for i in "${!METHODS[@]}"; do
	PW[i]="pw-$i-$RANDOM$RANDOM"
	ins+="{ type = \"socks\"; tag = \"in$i\"; listen = \"$RB_DP_CLI_IP4\"; listen_port = $((1080 + i)); },
  "
	outs+="{ type = \"shadowsocks\"; tag = \"ss$i\"; server = \"$RB_SRV_IP4\"; server_port = $((8388 + i));
    method = \"${METHODS[i]}\"; password = \"${PW[i]}\"; },
  "
	rules+="{ inbound = \"in$i\"; outbound = \"ss$i\"; },
    "
done
PX_MPORT=$((20000 + RANDOM % 20000))
PX_CTL=$(px_control_cfg)
PX_SOCK=$RB_TMP/run/ctl.sock
px_config "
$PX_CTL
inbounds = (
  $ins{ type = \"socks\"; tag = \"in-detour\"; listen = \"$RB_DP_CLI_IP4\"; listen_port = 1090; },
  { type = \"socks\"; tag = \"in-bad\"; listen = \"$RB_DP_CLI_IP4\"; listen_port = 1091; }
);
outbounds = (
  $outs{ type = \"direct\"; tag = \"direct\"; },
  { type = \"socks\"; tag = \"micro\"; server = \"$RB_SRV_IP4\"; server_port = 1099; },
  { type = \"shadowsocks\"; tag = \"ss-via-micro\"; server = \"$RB_SRV_IP4\"; server_port = 8389;
    method = \"${METHODS[1]}\"; password = \"${PW[1]}\"; detour = \"micro\"; },
  { type = \"shadowsocks\"; tag = \"ss-bad\"; server = \"$RB_SRV_IP4\"; server_port = 8390;
    method = \"${METHODS[2]}\"; password = \"not-${PW[2]}\"; }
);
route = {
  rules = (
    $rules{ inbound = \"in-detour\"; outbound = \"ss-via-micro\"; },
    { inbound = \"in-bad\"; outbound = \"ss-bad\"; }
  );
  final = \"direct\";
};
"
rb_dp_start --eal "-m 768"
px_control_start
PX_BIG=$BIG px_nginx_start
head -c "$((SMALL << 20))" "$RB_TMP/www/big.bin" >"$RB_TMP/www/small.bin"
SMALL_SHA=$(sha256sum <"$RB_TMP/www/small.bin" | cut -d' ' -f1)
# A domain target is resolved by ss-server: a name in the srv namespace's
# /etc/hosts (ip netns exec bind-mounts /etc/netns/NS/hosts).
mkdir -p "/etc/netns/$RB_NS_SRV"
echo "$RB_SRV_IP4 origin.ss.test" >"/etc/netns/$RB_NS_SRV/hosts"
trap 'rc=$?; rm -rf "/etc/netns/$RB_NS_SRV"; (exit $rc); rb__on_exit' EXIT
C() { ip netns exec "$RB_NS_CLI" "$@"; }

for i in "${!METHODS[@]}"; do
	rb_bg "$RB_TMP/ss-server-$i.log" ip netns exec "$RB_NS_SRV" ss-server -s "$RB_SRV_IP4" \
		-p $((8388 + i)) -m "${METHODS[i]}" -k "${PW[i]}" -t 30
done
rb_bg "$RB_TMP/micro.log" ip netns exec "$RB_NS_SRV" microsocks -i "$RB_SRV_IP4" -p 1099
cat >"$RB_TMP/hashsrv.py" <<'EOF'
# answers each POST with the sha256 of its body
import hashlib, sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
class H(BaseHTTPRequestHandler):
    def do_POST(self):
        n, h = int(self.headers["Content-Length"]), hashlib.sha256()
        while n:
            b = self.rfile.read(min(n, 65536))
            if not b:
                break
            h.update(b)
            n -= len(b)
        out = h.hexdigest().encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)
    def log_message(self, *a):
        pass
ThreadingHTTPServer((sys.argv[1], 9000), H).serve_forever()
EOF
rb_bg "$RB_TMP/hashsrv.log" ip netns exec "$RB_NS_SRV" /usr/bin/python3 "$RB_TMP/hashsrv.py" "$RB_SRV_IP4"
for p in 8388 8389 8390 8391 1099 9000; do
	rb_wait_for 5 ip netns exec "$RB_NS_SRV" bash -c "exec 3<>/dev/tcp/$RB_SRV_IP4/$p" ||
		rb_fail "peer on port $p did not start: $(cat "$RB_TMP"/ss-server-*.log | tail -3)"
done
px_wait_proxy "socks5://$RB_DP_CLI_IP4:1080"

for i in "${!METHODS[@]}"; do
	m=${METHODS[i]}
	P=socks5h://$RB_DP_CLI_IP4:$((1080 + i))
	if [ "$i" = 0 ]; then f=big.bin want=$PX_BIG_SHA mib=$BIG; else f=small.bin want=$SMALL_SHA mib=$SMALL; fi
	t0=$(date +%s.%N)
	got=$(C curl -sf --max-time 90 -x "$P" "http://$RB_SRV_IP4:8080/$f" | sha256sum | cut -d' ' -f1)
	t1=$(date +%s.%N)
	[ "$got" = "$want" ] || rb_fail "$m: $mib MiB download through ss-server is not byte-exact"
	rb_note "$m: $mib MiB byte-exact ($(awk -v m="$mib" -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", m / (b - a) }') MiB/s)"
	# upward: the POST body arrives byte-exact
	got=$(C curl -sf --max-time 60 -x "$P" --data-binary @"$RB_TMP/www/small.bin" \
		-H "Expect:" "http://$RB_SRV_IP4:9000/up")
	[ "$got" = "$SMALL_SHA" ] || rb_fail "$m: $SMALL MiB upload through ss-server is not byte-exact ($got)"
	# a domain target (ATYP 3), resolved by ss-server
	PX_TIMEOUT=10 px_curl -x "$P" "http://origin.ss.test:8080/index.html"
	[ "$PX_OUT" = "hello from srv" ] || rb_fail "$m: domain target: $PX_OUT"
done

# detour: shadowsocks outbound dialled through the socks outbound (microsocks)
cp "$RB_TMP/www/index.html" "$RB_TMP/www/detour"
PX_TIMEOUT=10 px_curl -x "socks5h://$RB_DP_CLI_IP4:1090" "http://$RB_SRV_IP4:8080/detour"
[ "$PX_OUT" = "hello from srv" ] || rb_fail "detour via microsocks: $PX_OUT"
got=$(C curl -sf --max-time 60 -x "socks5h://$RB_DP_CLI_IP4:1090" \
	"http://$RB_SRV_IP4:8080/small.bin" | sha256sum | cut -d' ' -f1)
[ "$got" = "$SMALL_SHA" ] || rb_fail "detour: download is not byte-exact"

# wrong password: ss-server cannot authenticate us; nothing reaches nginx
cp "$RB_TMP/www/index.html" "$RB_TMP/www/wrongpw"
C curl -sf -o /dev/null --max-time 5 -x "socks5h://$RB_DP_CLI_IP4:1091" \
	"http://$RB_SRV_IP4:8080/wrongpw" && rb_fail "wrong password: the request went through"
rb_assert_eq "$(px_hit access /wrongpw)" 0 "wrong password: requests that reached nginx"

rb_dp_stop
rb_pass "${#METHODS[@]} methods, ${BIG}/${SMALL} MiB, detour"
