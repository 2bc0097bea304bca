#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Load: 1000 concurrent proxied transfers, every one byte-exact.  An asyncio
# client in cli opens 1000 connections at once (socks5 CONNECT on a socks
# inbound, HTTP CONNECT on an http inbound, absolute-URI GET on a mixed
# inbound), completes every handshake, waits until all 1000 are open, then
# fetches one of four files from nginx in srv on each and checks its
# SHA-256; then 200 curl processes (50 at a time) do the same.  nginx's log
# must hold every request, from the appliance's address; the dataplane
# counts the sessions and ends with none open.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/proxy_lib.sh"
rb_init
rb_require_cmd curl xargs
ulimit -n 16384 || rb_skip "cannot raise the open-files limit"
rb_topo_two_hosts
px_control_init
HS='handshake_timeout = "60s";'
px_config "
$PX_CTL
$(px_inbounds_shm "$HS" "$HS" "$HS")
outbounds = ( { type = \"direct\"; tag = \"direct\"; } );
"
px_start nginx
P=$RB_DP_CLI_IP4
S=$RB_SRV_IP4
px_wait_proxy "socks5://$P:1080"
# The largest file: PX_LOAD_MAX bytes (default 200 KB, 1000 of them in
# flight at once).  Before the af_xdp UMEM fix (drivers, rb_pool_umem_check)
# and TCP's pool-bounded memory, 200 KB stalled a quarter of the transfers.
sizes=(16 1500 32768 "${PX_LOAD_MAX:-204800}")
for i in 0 1 2 3; do
	head -c "${sizes[i]}" /dev/urandom >"$RB_TMP/www/f$i"
done
SUMS=$(cd "$RB_TMP/www" && sha256sum f0 f1 f2 f3 | awk '{ printf "%s=%s ", $2, $1 }')
N0=$(wc -l <"$RB_TMP/nginx/access.log")
rb_dp_stats
rb_stats_mark

cat >"$RB_TMP/load.py" <<'PY'
import asyncio, hashlib, ipaddress, struct, sys, time
proxy, srv, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
sums = dict(kv.split("=") for kv in sys.argv[4:])
ready = failed = 0
go = asyncio.Event()

async def one(i):
    global ready, failed
    counted = False
    kind, f = ("socks", "http", "fwd")[i % 3], "f%d" % (i % 4)
    port = {"socks": 1080, "http": 3128, "fwd": 2080}[kind]
    try:
        r, w = await asyncio.wait_for(asyncio.open_connection(proxy, port), 60)
        if kind == "socks":
            w.write(b"\x05\x01\x00")
            assert await r.readexactly(2) == b"\x05\x00"
            w.write(b"\x05\x01\x00\x01" + ipaddress.ip_address(srv).packed + struct.pack(">H", 8080))
            rep = await r.readexactly(10)
            assert rep[:2] == b"\x05\x00", rep
        elif kind == "http":
            w.write(b"CONNECT %s:8080 HTTP/1.1\r\nHost: %s:8080\r\n\r\n" % (srv.encode(), srv.encode()))
            head = await r.readuntil(b"\r\n\r\n")
            assert head.split()[1] == b"200", head
        ready += 1
        counted = True
        if ready + failed == n:
            go.set()
        await asyncio.wait_for(go.wait(), 120)
        target = ("http://%s:8080/%s" % (srv, f)) if kind == "fwd" else "/" + f
        w.write(b"GET %s HTTP/1.1\r\nHost: %s:8080\r\nConnection: close\r\n\r\n" % (target.encode(), srv.encode()))
        data = await asyncio.wait_for(r.read(), 120)
        w.close()
        head, _, body = data.partition(b"\r\n\r\n")
        assert head.split()[1] == b"200", head[:60]
        h = hashlib.sha256(body).hexdigest()
        return "ok" if h == sums[f] else "bad %s %d bytes" % (f, len(body))
    except Exception as e:
        if not counted:
            failed += 1
            if ready + failed == n:
                go.set()
        return "%s: %r" % (kind, e)

async def main():
    t = time.monotonic()
    res = await asyncio.gather(*(one(i) for i in range(n)))
    bad = [x for x in res if x != "ok"]
    print("%d/%d ok, all %d open at once, %.1f s" % (n - len(bad), n, ready, time.monotonic() - t))
    for x in bad[:5]:
        print("  ", x)
    return 1 if bad or ready != n else 0

sys.exit(asyncio.run(main()))
PY
out=$(ip netns exec "$RB_NS_CLI" "$RB_PY" "$RB_TMP/load.py" "$P" "$S" 1000 $SUMS 2>&1) ||
	rb_fail "asyncio clients: $out"
rb_note "asyncio: $out"

# 200 curl processes, 50 at a time, through all three inbounds
cat >"$RB_TMP/one.sh" <<SH
f=f\$((\$1 % 4))
case \$((\$1 % 4)) in
0) set -- -x socks5h://$P:1080 ;;
1) set -- -x http://$P:3128 ;;
2) set -- -x socks5://$P:2080 ;;
3) set -- -p -x http://$P:2080 ;;
esac
echo "\$f=\$(curl -sS --max-time 60 "\$@" http://$S:8080/\$f | sha256sum | cut -d' ' -f1)"
SH
seq 0 199 | ip netns exec "$RB_NS_CLI" xargs -P 50 -n 1 sh "$RB_TMP/one.sh" >"$RB_TMP/curl.out" 2>&1
bad=0
while read -r line; do
	case " $SUMS " in *" $line "*) ;; *) bad=$((bad + 1)) ;; esac
done <"$RB_TMP/curl.out"
rb_assert_eq "$(wc -l <"$RB_TMP/curl.out") $bad" "200 0" "curl transfers (lines, mismatches)"

# at the server: every request, all from the appliance, all 200
N1=$(wc -l <"$RB_TMP/nginx/access.log")
rb_assert_eq "$((N1 - N0))" 1200 "requests in nginx's log"
rb_assert_eq "$(tail -n 1200 "$RB_TMP/nginx/access.log" | awk -v a="$RB_DP_SRV_IP4" '$1 != a || $9 != 200' | wc -l)" 0 \
	"log lines not from the appliance or not 200"
rb_dp_stats
rb_assert_stat_delta_ge event.proxy_relay 1200
for ((i = 0; i < 50; i++)); do
	rb_dp_stats
	[ "$(rb_stat event.proxy_accept)" = "$(rb_stat event.proxy_closed)" ] && break
	sleep 0.2
done
rb_assert_eq "$(rb_stat event.proxy_accept)" "$(rb_stat event.proxy_closed)" "accepted vs closed sessions"
rb_dp_stop
rb_pass "$out; 200 curl byte-exact"
