#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# ringbox-control + ringboxctl against a stand-in dataplane (shm_fake, no
# EAL, no NIC): ctl commands, `promtool check metrics` on /metrics, a
# counter rising between scrapes, hostile ctl clients, reload valid and
# invalid (ctl and SIGHUP), dataplane exit / kill -9 / restart.
# usage: test_control_fake.sh BUILD_DIR   (exit 77 = skipped)
set -u
B=${1:?build dir}
CTL_BIN=$B/control/ringbox-control
FAKE=$B/control/shm_fake
RBCTL=$B/tools/ringboxctl
command -v promtool >/dev/null || { echo "SKIP: promtool missing (apt-get install prometheus)"; exit 77; }
command -v curl >/dev/null || { echo "SKIP: curl missing"; exit 77; }
PY=/usr/bin/python3

T=$(mktemp -d /tmp/rbctl-test.XXXXXX)
SHM=/rbtf_$$
PORT=$((20000 + RANDOM % 30000))
SOCK=$T/run/ctl.sock
FAKE_PID= CTL_PID=
fails=0

cleanup() {
	[ -n "$CTL_PID" ] && kill "$CTL_PID" 2>/dev/null
	[ -n "$FAKE_PID" ] && kill "$FAKE_PID" 2>/dev/null
	wait 2>/dev/null
	rm -f "/dev/shm${SHM}" "/dev/shm${SHM}.metrics"
	rm -rf "$T"
}
trap cleanup EXIT

ok() { echo "ok   - $*"; }
bad() { echo "FAIL - $*"; fails=$((fails + 1)); }
check() { local what=$1; shift; if "$@" >/dev/null; then ok "$what"; else bad "$what"; fi; }

write_cfg() {
	cat > "$T/ringbox.cfg" <<CFG
log = { level = "info"; };
dataplane = {
  lcores = 2;
  shm_name = "$SHM";
  ports = (
    { name = "lan"; device = "net_null0"; addresses = [ "10.77.0.1/24" ]; },
    { name = "wan1"; device = "net_null1"; addresses = [ "10.77.1.1/24" ]; }
  );
  routes = (
    { prefix = "0.0.0.0/0"; via = "10.77.0.2"; port = "lan"; },
    { prefix = "192.168.0.0/16"; via = "10.77.1.2"; port = "wan1"; }
  );
};
control = { ctl_socket = "$SOCK"; metrics_listen = "127.0.0.1:$PORT"; };
CFG
}

start_fake() {
	"$FAKE" "$SHM" -w 2 -p 2 -t 300 "$@" 2>>"$T/fake.log" &
	FAKE_PID=$!
}

rbctl() { "$RBCTL" -s "$SOCK" "$@"; }
metrics() { curl -sf --max-time 5 "http://127.0.0.1:$PORT/metrics"; }
metric() { metrics | awk -v m="$1" '$1 == m { print $2 }'; }
wait_for() { # seconds cmd...
	local t=$(( $1 * 10 )); shift
	while [ $t -gt 0 ]; do "$@" >/dev/null 2>&1 && return 0; sleep 0.1; t=$((t - 1)); done
	return 1
}
dp_up() { rbctl --json status | grep -q '"dataplane_up":true'; }
dp_down() { rbctl --json status | grep -q '"dataplane_up":false'; }

write_cfg
start_fake
"$CTL_BIN" -c "$T/ringbox.cfg" 2>"$T/ctl.log" &
CTL_PID=$!
check "control starts, ctl socket answers" wait_for 5 rbctl status
check "dataplane seen up" wait_for 5 dp_up
check "ctl socket mode 0600" [ "$(stat -c %a "$SOCK")" = 600 ]
check "ctl socket dir mode 0700" [ "$(stat -c %a "$T/run")" = 700 ]

# --- commands ---
for c in status stats "stats -a" ports neigh routes ping "log level" help "help stats"; do
	# shellcheck disable=SC2086
	check "ringboxctl $c" rbctl $c >/dev/null
done
check "status has config hash" sh -c "\"$RBCTL\" -s \"$SOCK\" status | grep -q \"$(sha256sum "$T/ringbox.cfg" | cut -d' ' -f1)\""
check "ports lists lan" sh -c "\"$RBCTL\" -s \"$SOCK\" ports | grep -q '^lan .*02:00:00:00:00:01'"
check "neigh shows entries" sh -c "\"$RBCTL\" -s \"$SOCK\" neigh | grep -q reachable"
check "routes were published and acked" sh -c "\"$RBCTL\" -s \"$SOCK\" --json routes | grep -q '\"acked\":true'"
check "log level debug" rbctl log level debug
check "log level reads back" sh -c "\"$RBCTL\" -s \"$SOCK\" log level | grep -q debug"
check "bad log level is an error (exit 1)" sh -c "! \"$RBCTL\" -s \"$SOCK\" log level loud 2>/dev/null"
check "unknown command is an error" sh -c "! \"$RBCTL\" -s \"$SOCK\" frobnicate 2>/dev/null"
check "check FILE (valid)" rbctl check "$T/ringbox.cfg"
echo 'dataplane = { lcores = "x"; ' > "$T/broken.cfg"
out=$(rbctl check "$T/broken.cfg" 2>&1); rc=$?
check "check FILE (invalid) exits 1 with file:line" sh -c "[ $rc = 1 ] && echo \"$out\" | grep -q 'broken.cfg:[0-9]'"

# --- metrics ---
metrics > "$T/m1.txt"
check "promtool check metrics" promtool check metrics < "$T/m1.txt"
check "ringbox_dataplane_up 1" grep -qx 'ringbox_dataplane_up 1' "$T/m1.txt"
check "port rx metric per port and lcore" grep -q '^ringbox_port_rx_packets_total{port="lan",lcore="1"} ' "$T/m1.txt"
check "drops by reason from the X-macro" grep -q '^ringbox_drops_total{reason="ttl_expired",lcore="2"} ' "$T/m1.txt"
check "every drop reason exported" [ "$(grep -c '^ringbox_drops_total{.*lcore="1"}' "$T/m1.txt")" -gt 40 ]
check "events exported" grep -q '^ringbox_events_total{event="ip4_forward",lcore="1"} ' "$T/m1.txt"
check "build info" grep -q '^ringbox_build_info{version=' "$T/m1.txt"
check "neighbor gauge" grep -q '^ringbox_neighbors{lcore="1"} 1$' "$T/m1.txt"
a=$(metric 'ringbox_port_rx_packets_total{port="lan",lcore="1"}'); sleep 0.3
b=$(metric 'ringbox_port_rx_packets_total{port="lan",lcore="1"}')
check "counter rose between scrapes ($a -> $b)" [ "${b:-0}" -gt "${a:-0}" ]
check "404 for other paths" sh -c "[ \"\$(curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:$PORT/x)\" = 404 ]"

# --- hostile clients ---
$PY - "$SOCK" <<'PYEOF'
import socket, sys, os
path = sys.argv[1]
def conn():
    s = socket.socket(socket.AF_UNIX); s.settimeout(5); s.connect(path); return s
def reply(s):
    b = b""
    while not b.endswith(b"\n"):
        d = s.recv(65536)
        if not d: break
        b += d
    return b
# oversized request without newline: error reply, then closed
s = conn(); s.sendall(b"x" * 5000)
r = reply(s); assert b'"ok":false' in r and b"too long" in r, r
s.close()
# binary junk
s = conn(); s.sendall(bytes(range(1, 32)) + b"\n"); r = reply(s); assert b'"ok":false' in r, r; s.close()
# several requests in one write, pipelined
s = conn(); s.sendall(b"status\nhelp\n/stats,all\n")
got = b""
while got.count(b"\n") < 3:
    d = s.recv(1 << 20); assert d; got += d
assert got.count(b'"ok":true') == 3, got[:200]; s.close()
# disconnect midway: half a request, and a request whose reply is never read
s = conn(); s.sendall(b"sta"); s.close()
s = conn(); s.sendall(b"stats all\n"); s.close()
# many clients at once
ss = [conn() for _ in range(40)]
for s in ss: s.sendall(b"ping\n")
for s in ss: assert b'"ok":true' in reply(s)
for s in ss: s.close()
# more clients than the limit: refused cleanly, not crashed
ss = []
for _ in range(80):
    try: ss.append(conn())
    except OSError: pass
for s in ss: s.close()
print("hostile clients done")
PYEOF
check "hostile clients handled" [ $? = 0 ]
check "control still alive" kill -0 "$CTL_PID"
check "status still answers" rbctl status

# --- reload ---
cp "$T/ringbox.cfg" "$T/good.cfg"
gen0=$(rbctl --json routes | sed -n 's/.*"generation":\([0-9]*\).*/\1/p')
check "reload (valid)" rbctl reload
gen1=$(rbctl --json routes | sed -n 's/.*"generation":\([0-9]*\).*/\1/p')
check "reload published a new generation ($gen0 -> $gen1)" [ "$gen1" -gt "$gen0" ]
echo 'dataplane = { ports = ( { name = 5; } ) ' >> "$T/ringbox.cfg"
out=$(rbctl reload 2>&1); rc=$?
check "reload (invalid) exits 1 and reports file:line" sh -c "[ $rc = 1 ] && echo \"$out\" | grep -q 'ringbox.cfg:[0-9]'"
gen2=$(rbctl --json routes | sed -n 's/.*"generation":\([0-9]*\).*/\1/p')
check "invalid reload kept the running table ($gen2)" [ "$gen2" = "$gen1" ]
check "reload failures counted" [ "$(metric ringbox_config_reload_failures_total)" = 1 ]
cp "$T/good.cfg" "$T/ringbox.cfg"
kill -HUP "$CTL_PID"
check "SIGHUP reload publishes" wait_for 5 sh -c "\"$RBCTL\" -s \"$SOCK\" --json routes | grep -q '\"generation\":$((gen1 + 1)),'"

# --- dataplane exits, is killed, restarts ---
kill "$FAKE_PID"; wait "$FAKE_PID" 2>/dev/null; FAKE_PID=
check "clean dataplane exit -> down" wait_for 3 dp_down
check "metrics: ringbox_dataplane_up 0" sh -c "[ \"\$(curl -s http://127.0.0.1:$PORT/metrics | awk '\$1==\"ringbox_dataplane_up\"{print \$2}')\" = 0 ]"
check "promtool check metrics while down" sh -c "curl -s http://127.0.0.1:$PORT/metrics | promtool check metrics"
check "stats while down is an error" sh -c "! \"$RBCTL\" -s \"$SOCK\" stats 2>/dev/null"
start_fake
check "restarted dataplane -> up" wait_for 5 dp_up
check "routes republished to the new dataplane" wait_for 3 sh -c "\"$RBCTL\" -s \"$SOCK\" --json routes | grep -q '\"acked\":true'"
kill -STOP "$FAKE_PID"
check "stopped dataplane -> down (heartbeat stale > 2 s)" wait_for 5 dp_down
check "reason names the heartbeat" sh -c "\"$RBCTL\" -s \"$SOCK\" status | grep -q 'heartbeat stale'"
kill -CONT "$FAKE_PID"
check "continued dataplane -> up" wait_for 3 dp_up
kill -9 "$FAKE_PID"; wait "$FAKE_PID" 2>/dev/null; FAKE_PID=
check "kill -9 dataplane -> down (pid gone)" wait_for 4 dp_down
start_fake -r
check "dataplane back after kill -9" wait_for 5 dp_up
out=$(rbctl reload 2>&1); rc=$?
check "routes rejected by the dataplane -> reload error" sh -c "[ $rc = 1 ] && echo \"$out\" | grep -q rejected"

# --- control restart (kill -9) keeps the dataplane untouched ---
fpid=$FAKE_PID
kill -9 "$CTL_PID"; wait "$CTL_PID" 2>/dev/null
"$CTL_BIN" -c "$T/ringbox.cfg" 2>>"$T/ctl.log" &
CTL_PID=$!
check "control restarts over its stale socket" wait_for 5 rbctl status
check "dataplane still up after control kill -9" wait_for 3 dp_up
check "same dataplane process" kill -0 "$fpid"

# --- config errors at start: exit 2 ---
"$CTL_BIN" -c "$T/broken.cfg" -s "$T/other.sock" 2>"$T/start-err.log"; rc=$?
check "invalid config at start exits 2" [ $rc = 2 ]
check "loader's file:line error printed" grep -q 'broken.cfg:[0-9]' "$T/start-err.log"

if [ $fails -gt 0 ]; then
	echo "--- ctl.log"; cat "$T/ctl.log"; echo "--- fake.log"; cat "$T/fake.log"
	echo "$fails check(s) failed"
	exit 1
fi
echo "all checks passed"
