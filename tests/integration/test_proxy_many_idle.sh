#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# The proxy's periodic work is done in bounded slices and still reaches
# every session (dataplane/proxy/README.md, "Connections segment"): with
# RB_PROXY_WALK_SLICE=50 (the poll visits 50 sessions every 10 ms) and
# RB_CONNS_ROWS_SLICE=20 (20 `conns` TCP rows a millisecond), a python
# client in cli holds N relayed SOCKS5 connections to nginx idle; every
# one's TCP rows (tcp, up_tcp) must show ESTABLISHED in `conns --json`
# within the bound, then M more connections that send nothing must all be
# closed by the inbound's handshake_timeout (1 s), none before it and none
# later than the walk's bound (ceil((N + M) / 50) polls of 10 ms) plus
# slack for a loaded machine.  A walk or sweep that stops at its first
# slice leaves rows empty and connections open.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/proxy_lib.sh"
rb_init
rb_require_cmd nginx
N=${RB_IDLE_HELD:-300}   # relayed connections held open
M=${RB_IDLE_MUTE:-300}   # connections that never send
export RB_PROXY_WALK_SLICE=50 RB_CONNS_ROWS_SLICE=20
rb_topo_two_hosts
px_control_init
px_config "
$PX_CTL
inbounds = (
  { type = \"socks\"; tag = \"socks-in\"; listen = \"$RB_DP_CLI_IP4\"; listen_port = 1080;
    handshake_timeout = \"1s\"; }
);
outbounds = ( { type = \"direct\"; tag = \"direct\"; } );
"
px_start nginx
P=$RB_DP_CLI_IP4
px_wait_proxy "socks5://$P:1080"
rbctl() { px_rbctl "$@"; }

cli_py() { # mode args...
	ip netns exec "$RB_NS_CLI" "$RB_PY" - "$@" <<'PY'
import asyncio, ipaddress, resource, socket, struct, sys, time
resource.setrlimit(resource.RLIMIT_NOFILE, (8192, 8192))
mode, proxy, n = sys.argv[1], sys.argv[2], int(sys.argv[3])

async def held(srv):
    r, w = await asyncio.open_connection(proxy, 1080)
    w.write(b"\x05\x01\x00")
    assert await r.readexactly(2) == b"\x05\x00"
    w.write(b"\x05\x01\x00\x01" + ipaddress.ip_address(srv).packed + struct.pack(">H", 8080))
    assert (await r.readexactly(10))[1] == 0
    return r, w

async def mute():
    t0 = time.monotonic()
    r, w = await asyncio.open_connection(proxy, 1080)
    try:
        await asyncio.wait_for(r.read(), 15)   # EOF (or a reset) from the dataplane
    except (ConnectionResetError, asyncio.TimeoutError):
        pass
    return time.monotonic() - t0

async def main():
    if mode == "hold":
        conns = []
        for i in range(0, n, 50):
            conns += await asyncio.gather(*(held(sys.argv[4]) for _ in range(min(50, n - i))))
        print("ready %d" % len(conns), flush=True)
        await asyncio.sleep(3600)
    else:
        d = sorted(await asyncio.gather(*(mute() for _ in range(n))))
        print("%d %.3f %.3f" % (len(d), d[0], d[-1]))

asyncio.run(main())
PY
}

rb_bg "$RB_TMP/hold.out" cli_py hold "$P" "$N" "$RB_SRV_IP4"
rb_wait_for 30 grep -q "^ready $N" "$RB_TMP/hold.out" ||
	rb_fail "$N relayed connections not held: $(tail -3 "$RB_TMP/hold.out")"

# 1. every held session's TCP rows, within max(100 ms, N / 20 ms) + 10 ms:
# asked after 1 s
rows() {
	rbctl conns --json | "$RB_PY" -c "
import json, sys
d = [c for c in json.load(sys.stdin)['data'] if c['state'] == 'relay']
st = lambda t: (t or {}).get('state') or '-'
print(len(d), sum(st(c.get('tcp')) == 'ESTABLISHED' and st(c.get('up_tcp')) == 'ESTABLISHED' for c in d))"
}
sleep 1
read -r n_relay n_rows <<<"$(rows)"
rb_assert_eq "$n_relay" "$N" "relayed sessions in conns"
rb_assert_eq "$n_rows" "$N" "sessions whose tcp and up_tcp rows show ESTABLISHED"

# 2. M silent connections: each closed by its 1 s handshake timeout, no
# later than the walk's bound ceil((N + M) / 50) x 10 ms (+ 1.5 s slack)
out=$(cli_py mute "$P" "$M") || rb_fail "silent connections: $out"
read -r closed first last <<<"$out"
bound=$(awk -v n=$((N + M)) 'BEGIN { printf "%.2f", 1 + int((n + 49) / 50) * 0.01 + 1.5 }')
rb_note "$closed silent connections closed after $first .. $last s (bound $bound s)"
rb_assert_eq "$closed" "$M" "silent connections closed"
awk -v f="$first" 'BEGIN { exit !(f >= 0.95) }' || rb_fail "a silent connection closed after $first s, before the 1 s timeout"
awk -v l="$last" -v b="$bound" 'BEGIN { exit !(l <= b) }' ||
	rb_fail "the last silent connection closed after $last s, past $bound s"
read -r n_relay _ <<<"$(rows)"
rb_assert_eq "$n_relay" "$N" "held sessions still relayed"
rb_dp_stats
rb_assert_stat_ge event.proxy_err_timeout "$M"
rb_dp_stop
rb_pass "$N idle relayed sessions' TCP rows filled at 20 rows/ms, $M silent connections timed out after $first-$last s with the walk at 50 sessions a poll"
