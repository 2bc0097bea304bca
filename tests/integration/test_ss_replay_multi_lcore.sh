#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# The salt replay filter shared by the workers (dataplane/ss/ss_replay_shared.h),
# two worker lcores (lcores = [1, 1], both on CPU 1: correctness only).
# A request is recorded on its way to the shadowsocks inbound, then sent
# again from new source ports: the flow hash spreads those connections
# over the workers, and each one is refused (silence, no reset, nothing at
# nginx, counted as a replay) whichever worker owns it.  Sent again until
# a worker other than the one that took the original refused it:
#   SIP004 (aes-256-gcm): ss-local -> recorder (cli) -> inbound; before this
#     filter a replay to the other worker went through;
#   SIP022 (2022-blake3-aes-128-gcm): ringbox's own 2022 outbound ->
#     recorder (srv) -> inbound; the worker's exact 60 s cache sees only
#     its own salts, the shared filter (event ss_replay) the other's.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/proxy_lib.sh"
. "$(dirname "$0")/ss_lib.sh"
rb_init
rb_require_cmd curl nginx ss-local openssl
RB_LCORES='[1, 1]'
rb_topo_two_hosts
PW=pw-$RANDOM$RANDOM
K22=$(openssl rand -base64 16)
PX_MPORT=$((20000 + RANDOM % 20000))
PX_CTL=$(px_control_cfg)
PX_SOCK=$RB_TMP/run/ctl.sock
px_config "
$PX_CTL
inbounds = (
  { type = \"shadowsocks\"; tag = \"ss\"; listen = \"$RB_DP_CLI_IP4\"; listen_port = 8388;
    method = \"aes-256-gcm\"; password = \"$PW\"; probe_timeout = \"5s\"; },
  { type = \"socks\"; tag = \"c22\"; listen = \"$RB_DP_CLI_IP4\"; listen_port = 1080; },
  { type = \"shadowsocks\"; tag = \"ss22\"; listen = \"$RB_DP_SRV_IP4\"; listen_port = 18389;
    method = \"2022-blake3-aes-128-gcm\"; password = \"$K22\"; network = \"tcp\";
    probe_timeout = \"5s\"; replay_capacity = 4096; }
);
outbounds = (
  { type = \"shadowsocks\"; tag = \"o22\"; server = \"$RB_SRV_IP4\"; server_port = 8500;
    method = \"2022-blake3-aes-128-gcm\"; password = \"$K22\"; network = \"tcp\"; },
  { type = \"direct\"; tag = \"direct\"; }
);
route = { rules = ( { inbound = \"c22\"; outbound = \"o22\"; } ); final = \"direct\"; };
"
rb_dp_start --eal "-m 768"
px_control_start
px_nginx_start
grep -q "replay filter shared by the workers: 524288 salts" "$RB_TMP/dp.err" ||
	rb_fail "shared replay filter not sized by the largest replay_capacity"
PY=/usr/bin/python3
metric() { ss_metric "$1"; } # name{labels} -> value (0 when absent)
# per-worker count of an event: "lcore:count ..." of the non-zero ones
per_lcore() { ss_lcore_counts events "$1"; }
# accepted connections per worker, before and after one request: its worker
accept_worker() { # before-string after-string -> lcore whose count moved
	"$PY" -c "
import sys
b = dict(x.split(':') for x in sys.argv[1].split())
a = dict(x.split(':') for x in sys.argv[2].split())
print(' '.join(k for k in a if int(a[k]) - int(b.get(k, 0)) == 1))" "$1" "$2"
}
# Replay until the shared filter refused one on a worker other than $1
# (every SIP004 replay is its to refuse: must_count 1); REPLAYS: how many sent.
replay_until_other() { # orig-lcore ns addr port file what must_count
	local orig=$1 ns=$2 i r b a moved
	for ((i = 1; i <= 24; i++)); do
		b=$(per_lcore ss_replay)
		r=$(ip netns exec "$ns" "$PY" "$RB_LIB_DIR/replay_send.py" "$3" "$4" "$5") ||
			rb_fail "$6: replay client failed"
		[ "$r" = silent ] || rb_fail "$6: replay $i was $r"
		for _ in $(seq 20); do
			a=$(per_lcore ss_replay)
			[ "$a" != "$b" ] && break
			sleep 0.1
		done
		moved=$(accept_worker "$b" "$a")
		[ -n "$moved" ] || [ "$7" = 0 ] || rb_fail "$6: replay $i not counted (ss_replay: $b -> $a)"
		if [ -n "$moved" ] && [ "$moved" != "$orig" ]; then
			REPLAYS=$i
			return 0
		fi
	done
	rb_fail "$6: 24 replays, none refused by a worker other than $orig"
}

# ---- SIP004: ss-local through a recorder in cli
rb_bg "$RB_TMP/rec.log" ip netns exec "$RB_NS_CLI" "$PY" "$RB_LIB_DIR/rec_relay.py" 127.0.0.1 8500 \
	"$RB_DP_CLI_IP4" 8388 "$RB_TMP/rec.bin"
rb_wait_for 5 ip netns exec "$RB_NS_CLI" bash -c "exec 3<>/dev/tcp/127.0.0.1/8500" ||
	rb_fail "recorder did not start"
rb_bg "$RB_TMP/ss-local.log" ip netns exec "$RB_NS_CLI" ss-local -s 127.0.0.1 -p 8500 \
	-b 127.0.0.1 -l 1090 -m aes-256-gcm -k "$PW"
rb_wait_for 5 ip netns exec "$RB_NS_CLI" bash -c "exec 3<>/dev/tcp/127.0.0.1/1090" ||
	rb_fail "ss-local did not start"
ip netns exec "$RB_NS_CLI" ping -c 1 -W 1 "$RB_DP_CLI_IP4" >/dev/null 2>&1
cp "$RB_TMP/www/index.html" "$RB_TMP/www/replayed"
b=$(per_lcore proxy_accept)
PX_TIMEOUT=10 px_curl --socks5-hostname 127.0.0.1:1090 "http://$RB_SRV_IP4:8080/replayed"
[ "$PX_OUT" = "hello from srv" ] || rb_fail "recorded request: $PX_OUT"
orig=$(accept_worker "$b" "$(per_lcore proxy_accept)")
[ -n "$orig" ] || rb_fail "SIP004: the recorded connection's worker is unknown"
rb_wait_for 5 test -s "$RB_TMP/rec.bin" || rb_fail "nothing recorded"
rep0=$(metric 'ringbox_proxy_handshake_errors_total{inbound="ss",reason="replay"}')
replay_until_other "$orig" "$RB_NS_CLI" "$RB_DP_CLI_IP4" 8388 "$RB_TMP/rec.bin" SIP004 1
n=$REPLAYS
rb_note "SIP004: original on worker $orig, $n replay(s) until another worker refused one"
rb_wait_for 5 sh -c "[ \"\$(curl -s http://127.0.0.1:$PX_MPORT/metrics | awk '\$1 == \"ringbox_proxy_handshake_errors_total{inbound=\\\"ss\\\",reason=\\\"replay\\\"}\" { print \$2 }')\" -eq $((rep0 + n)) ]" ||
	rb_fail "SIP004: replays counted $(metric 'ringbox_proxy_handshake_errors_total{inbound="ss",reason="replay"}'), want $((rep0 + n))"
rb_assert_eq "$(px_hit access /replayed)" 1 "SIP004: replayed request's hits at nginx"

# ---- SIP022: ringbox's 2022 outbound through a recorder in srv
rb_bg "$RB_TMP/rec22.log" ip netns exec "$RB_NS_SRV" "$PY" "$RB_LIB_DIR/rec_relay.py" "$RB_SRV_IP4" 8500 \
	"$RB_DP_SRV_IP4" 18389 "$RB_TMP/rec22.bin"
rb_wait_for 5 ip netns exec "$RB_NS_SRV" bash -c "exec 3<>/dev/tcp/$RB_SRV_IP4/8500" ||
	rb_fail "recorder (2022) did not start"
cp "$RB_TMP/www/index.html" "$RB_TMP/www/replayed22"
b=$(per_lcore proxy_accept)
PX_TIMEOUT=10 px_curl -x "socks5h://$RB_DP_CLI_IP4:1080" "http://$RB_SRV_IP4:8080/replayed22"
[ "$PX_OUT" = "hello from srv" ] || rb_fail "recorded 2022 request: $PX_OUT"
rb_wait_for 5 test -s "$RB_TMP/rec22.bin" || rb_fail "nothing recorded (2022)"
# a 2022 replay on the original's worker stops at that worker's exact cache
# (counted as a replay, not seen by the shared filter); one the shared
# filter refuses (ss_replay) was on the other worker
rep0=$(metric 'ringbox_proxy_handshake_errors_total{inbound="ss22",reason="replay"}')
ev0=$(per_lcore ss_replay)
replay_until_other none "$RB_NS_SRV" "$RB_DP_SRV_IP4" 18389 "$RB_TMP/rec22.bin" SIP022 0
n=$REPLAYS
rb_note "SIP022: $n replay(s) until the shared filter refused one (ss_replay: $ev0 -> $(per_lcore ss_replay))"
rb_wait_for 5 sh -c "[ \"\$(curl -s http://127.0.0.1:$PX_MPORT/metrics | awk '\$1 == \"ringbox_proxy_handshake_errors_total{inbound=\\\"ss22\\\",reason=\\\"replay\\\"}\" { print \$2 }')\" -eq $((rep0 + n)) ]" ||
	rb_fail "SIP022: replays counted $(metric 'ringbox_proxy_handshake_errors_total{inbound="ss22",reason="replay"}'), want $((rep0 + n))"
rb_assert_eq "$(px_hit access /replayed22)" 1 "SIP022: replayed request's hits at nginx"

rb_dp_stop
rb_assert_ge "$(rb_stat event.ss_replay)" 2 "event ss_replay (refused by the shared filter)"
rb_pass "2 workers: SIP004 replay refused by the other worker, SIP022 cross-worker replay by the shared filter"
