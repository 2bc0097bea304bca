#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# dataplane.max_sessions bounds the proxy's session table per worker
# (config/README.md): with max_sessions = 16 a python client in cli holds 16
# relayed SOCKS5 connections to nginx; 4 more are refused (closed or reset
# before the SOCKS5 greeting is answered) and counted in proxy_sess_full;
# `conns` shows the 16.  Once the held ones close, the freed slots take new
# connections again: curl through the proxy fetches nginx's page.  Before
# the key, the table was a fixed 16384 and none of this held for 16.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/proxy_lib.sh"
rb_init
rb_require_cmd nginx
N=16
RB_CFG_DP_EXTRA="  max_sessions = $N;"
rb_topo_two_hosts
px_control_init
px_config "
$PX_CTL
$(px_socks_cfg)
"
px_start nginx
P=$RB_DP_CLI_IP4
px_wait_proxy "socks5://$P:1080"

cli_py() { # mode args...
	ip netns exec "$RB_NS_CLI" "$RB_PY" - "$@" <<'PY'
import asyncio, ipaddress, socket, struct, sys
mode, proxy, n, srv = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]

async def socks(srv):
    r, w = await asyncio.open_connection(proxy, 1080)
    w.write(b"\x05\x01\x00")
    assert await asyncio.wait_for(r.readexactly(2), 5) == b"\x05\x00"
    w.write(b"\x05\x01\x00\x01" + ipaddress.ip_address(srv).packed + struct.pack(">H", 8080))
    assert (await asyncio.wait_for(r.readexactly(10), 5))[1] == 0
    return r, w

async def refused():
    try:
        await socks(srv)
    except (ConnectionError, asyncio.IncompleteReadError, asyncio.TimeoutError, OSError):
        return 1
    return 0

async def main():
    held = [await socks(srv) for _ in range(n)]
    print("ready %d" % len(held), flush=True)
    await asyncio.sleep(0.5)
    extra = [await refused() for _ in range(int(sys.argv[5]))]
    print("refused %d" % sum(extra), flush=True)
    await asyncio.sleep(float(sys.argv[6]))
    for r, w in held:
        w.close()
    print("closed", flush=True)

asyncio.run(main())
PY
}

rb_bg "$RB_TMP/hold.out" cli_py hold "$P" "$N" "$RB_SRV_IP4" 4 3
rb_wait_for 20 grep -q "^refused" "$RB_TMP/hold.out" ||
	rb_fail "the held connections or the extra ones stalled: $(tail -3 "$RB_TMP/hold.out")"
grep -q "^ready $N" "$RB_TMP/hold.out" || rb_fail "$N connections not held: $(cat "$RB_TMP/hold.out")"
rb_assert_eq "$(sed -n 's/^refused //p' "$RB_TMP/hold.out")" 4 "connections refused beyond max_sessions"
n_relay=$(px_rbctl conns --json | "$RB_PY" -c "
import json, sys
print(sum(c['state'] == 'relay' for c in json.load(sys.stdin)['data']))")
rb_assert_eq "$n_relay" "$N" "relayed sessions in conns"
rb_dp_stats
rb_assert_stat_ge event.proxy_sess_full 4

rb_wait_for 15 grep -q "^closed" "$RB_TMP/hold.out" || rb_fail "the client did not close its connections"
# freed slots serve again (sessions end once both sides have closed)
rb_wait_for 10 ip netns exec "$RB_NS_CLI" curl -sf -o /dev/null --max-time 3 \
	-x "socks5://$P:1080" "http://$RB_SRV_IP4:8080/" ||
	rb_fail "no new connection through the proxy after the held ones closed"
rb_dp_stop
rb_pass "max_sessions $N: $N relayed, 4 refused and counted ($(rb_stat event.proxy_sess_full) in proxy_sess_full), slots reused after close"
