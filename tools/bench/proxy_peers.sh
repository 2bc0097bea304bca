#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# tools/bench/proxy_peers.sh: ringbox's proxy against kernel proxies on the
# veth testbed, in one run, with the same clients (curl and a python
# asyncio client in cli), the same origin (nginx in srv) and the same
# namespaces (tests/integration/lib.sh's two-host topology):
#
#   ringbox socks5 inbound   vs  dante (danted) and microsocks  (SOCKS5)
#   ringbox http inbound     vs  tinyproxy                       (HTTP CONNECT)
#
# ringbox runs as the dataplane in the dp namespace (worker on CPU 1); the
# peers run in the same dp namespace with the kernel forwarding instead
# (RB_DP_KERNEL=1), pinned to CPU 1 with taskset.  Figures per proxy:
#   MB/s   curl download of BENCH_MB MiB (default 100), best byte-exact run of
#          BENCH_RUNS (3); stalled or corrupt runs are shown as not ok
#   core MB/s  that download's MiB per CPU second of the proxy: ringbox's
#          worker busy seconds, a peer's process-tree CPU time
#   conn/s connect + handshake + one GET + close, BENCH_CONC (8) at a time,
#          for BENCH_SECS (5) seconds
# then ratios ringbox/peer.  Informational: no pass/fail.  Needs root, nginx,
# danted, microsocks, tinyproxy, curl; RB_BUILD picks the build directory.
# The driver, the download measure and the ringbox set-up are peers_lib.sh's.
#   RB_BUILD=build tools/bench/proxy_peers.sh
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/peers_lib.sh"

if [ "${1:-}" != --one ]; then
	pl_main "$0" '
	$1 == "RESULT" { mbps[$2] = $3; okr[$2] = $4; core[$2] = $5; cps[$2] = $7; n++ }
	function ratio(a, b) { return (b + 0 > 0 && a + 0 > 0) ? sprintf("%.2fx", a / b) : "n/a" }
	END {
		if (!n) { print "no results"; exit 1 }
		printf "%-18s %10s %8s %10s %10s\n", "proxy", "MB/s", "runs ok", "core MB/s", "conn/s"
		for (k in mbps) printf "%-18s %10s %8s %10s %10s\n", k, mbps[k], okr[k], core[k], cps[k]
		print "(core MB/s: MiB per CPU second of the proxy: ringbox, the smaller of the busy seconds and the CPU time of its worker lcore; a peer, the user + system time of its process tree)"
		printf "\nringbox-socks5 / dante:      throughput %s (per core %s), conn/s %s\n",
			ratio(mbps["ringbox-socks5"], mbps["dante"]), ratio(core["ringbox-socks5"], core["dante"]),
			ratio(cps["ringbox-socks5"], cps["dante"])
		printf "ringbox-socks5 / microsocks: throughput %s, conn/s %s\n",
			ratio(mbps["ringbox-socks5"], mbps["microsocks"]), ratio(cps["ringbox-socks5"], cps["microsocks"])
		printf "ringbox-http / tinyproxy:    throughput %s, conn/s %s\n",
			ratio(mbps["ringbox-http"], mbps["tinyproxy"]), ratio(cps["ringbox-http"], cps["tinyproxy"])
	}' ringbox peers
	exit $?
fi

MODE=$2
[ "$MODE" = peers ] && export RB_DP_KERNEL=1
. "$PL_LIB/lib.sh"
. "$PL_LIB/proxy_lib.sh"
rb_init
rb_require_cmd curl nginx taskset
PX_BIG=${BENCH_MB:-100}
RUNS=${BENCH_RUNS:-3}
SECS=${BENCH_SECS:-5}
CONC=${BENCH_CONC:-8}
rb_topo_two_hosts
P=$RB_DP_CLI_IP4
URL=http://$RB_SRV_IP4:8080

# connections per second: connect, handshake (socks5 or http CONNECT), GET /, close
cps() { # kind port
	ip netns exec "$RB_NS_CLI" "$RB_PY" - "$P" "$2" "$RB_SRV_IP4" "$1" "$SECS" "$CONC" <<'PY'
import asyncio, ipaddress, struct, sys, time
proxy, port, srv, kind, secs, conc = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], float(sys.argv[5]), int(sys.argv[6])
done = fails = 0
async def once():
    r, w = await asyncio.open_connection(proxy, port)
    if kind == "socks5":
        w.write(b"\x05\x01\x00")
        assert await r.readexactly(2) == b"\x05\x00"
        w.write(b"\x05\x01\x00\x01" + ipaddress.ip_address(srv).packed + struct.pack(">H", 8080))
        assert (await r.readexactly(10))[1] == 0
    else:
        w.write(b"CONNECT %s:8080 HTTP/1.1\r\nHost: %s:8080\r\n\r\n" % (srv.encode(), srv.encode()))
        assert b" 200" in (await r.readuntil(b"\r\n\r\n"))
    w.write(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    data = await r.read()
    w.close()
    assert data.startswith(b"HTTP/1.1 200")
async def worker(end):
    global done, fails
    while time.monotonic() < end:
        try:
            await asyncio.wait_for(once(), 5)
            done += 1
        except Exception:
            fails += 1
async def main():
    end = time.monotonic() + secs
    await asyncio.gather(*(worker(end) for _ in range(conc)))
asyncio.run(main())
print("%.0f" % (done / secs))
if fails:
    print("failures %d" % fails, file=sys.stderr)
PY
}

if [ "$MODE" = ringbox ]; then
	pl_ringbox_start "inbounds = (
  { type = \"socks\"; tag = \"socks-in\"; listen = \"$P\"; listen_port = 1080; },
  { type = \"http\"; tag = \"http-in\"; listen = \"$P\"; listen_port = 3128; }
);
outbounds = ( { type = \"direct\"; tag = \"direct\"; } );"
	px_wait_proxy "socks5://$P:1080"
	PL_COST=pl_rb_cost
	# conn/s first: a stalled download can leave the dataplane unable to
	# serve anyone (see the notes on issue 5)
	c5=$(cps socks5 1080)
	ch=$(cps http 3128)
	echo "RESULT ringbox-socks5 $(pl_tput ringbox-socks5 -x "socks5://$P:1080") $c5"
	echo "RESULT ringbox-http $(pl_tput ringbox-http -p -x "http://$P:3128") $ch"
	rb_dp_stop
	rb_pass "ringbox measured"
fi

rb_require_cmd danted microsocks tinyproxy
px_nginx_start
cat >"$RB_TMP/danted.conf" <<CONF
logoutput: $RB_TMP/danted.log
internal: $P port = 1090
external: $RB_DP_SRV_IP4
clientmethod: none
socksmethod: none
user.privileged: root
user.unprivileged: root
client pass { from: 0.0.0.0/0 to: 0.0.0.0/0 }
socks pass { from: 0.0.0.0/0 to: 0.0.0.0/0 }
CONF
cat >"$RB_TMP/tinyproxy.conf" <<CONF
Port 1092
Listen $P
Timeout 60
LogFile "$RB_TMP/tinyproxy.log"
LogLevel Critical
MaxClients 256
ConnectPort 8080
CONF
rb_bg "$RB_TMP/danted.out" ip netns exec "$RB_NS_DP" taskset -c 1 danted -f "$RB_TMP/danted.conf" \
	-p "$RB_TMP/danted.pid"
D_PID=$RB_BG_PID
rb_bg "$RB_TMP/micro.out" ip netns exec "$RB_NS_DP" taskset -c 1 microsocks -i "$P" -p 1091
M_PID=$RB_BG_PID
rb_bg "$RB_TMP/tiny.out" ip netns exec "$RB_NS_DP" taskset -c 1 tinyproxy -d -c "$RB_TMP/tinyproxy.conf"
T_PID=$RB_BG_PID
for port in 1090 1091 1092; do
	rb_wait_for 5 ip netns exec "$RB_NS_CLI" bash -c "exec 3<>/dev/tcp/$P/$port" ||
		rb_fail "peer on $port did not come up"
done
# core MB/s: the CPU of the peer's whole process tree (dante forks children)
PL_COST="rb_proc_cpu_seconds $D_PID"
echo "RESULT dante $(pl_tput dante -x "socks5://$P:1090") $(cps socks5 1090)"
PL_COST="rb_proc_cpu_seconds $M_PID"
echo "RESULT microsocks $(pl_tput microsocks -x "socks5://$P:1091") $(cps socks5 1091)"
PL_COST="rb_proc_cpu_seconds $T_PID"
echo "RESULT tinyproxy $(pl_tput tinyproxy -p -x "http://$P:1092") $(cps http 1092)"
rb_pass "peers measured"
