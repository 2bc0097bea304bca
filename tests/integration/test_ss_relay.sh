#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Shadowsocks 2022 relay (sing-box `destinations`, SIP023), ringbox <->
# ringbox (no 2022 peer is packaged in Debian): one dataplane is every hop.
#   curl (cli) -> socks inbound -> 2022 shadowsocks outbound (iPSK_relay:...)
#     -> socat (srv) -> relay inbound (destinations) -> direct -> socat (srv)
#     -> destination inbound (2022) -> direct -> nginx / a hash server (srv)
# Destinations: "dest-a" (a multi-user inbound: client key
# R:iPSK_A:uPSK_A) and "dest-b" (a single-key inbound: R:PSK_B), chosen by
# the identity header alone; "dest-dead" (nothing listens).
# Checks: download and upload byte-exact (sha256) through both
# destinations, each landing on its own inbound; the relay's connection
# rows show the destination (name as user, the destination's address) and
# never the final target, while the destination's row shows nginx; an
# identity naming no destination is refused silently and counted
# (ss_relay_unknown, the relay's auth failures); a wrong user key behind a
# good relay identity passes the relay untouched and is refused by the
# destination; an unreachable destination is counted (ss_relay_dial).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/proxy_lib.sh"
. "$(dirname "$0")/ss_lib.sh"
rb_init
rb_require_cmd curl nginx socat openssl
MIB=${RB_SS_RELAY_MIB:-8}
rb_topo_two_hosts
PX_MPORT=$((20000 + RANDOM % 20000)) # before px_control_cfg: it runs in a subshell
PX_CTL=$(px_control_cfg)
PX_SOCK=$RB_TMP/run/ctl.sock
px_config "
$PX_CTL
$(ss_relay_cfg tcp " probe_timeout = \"3s\";" a b x d w)
"
rb_dp_start --eal "-m 768"
px_control_start
PX_BIG=$MIB px_nginx_start
C() { ip netns exec "$RB_NS_CLI" "$@"; }
metric() { # name{labels} -> value (0 when absent)
	curl -s "http://127.0.0.1:$PX_MPORT/metrics" | awk -v k="$1" '$1 == k { v = $2 } END { print v + 0 }'
}
rb_bg "$RB_TMP/hashsrv.log" ip netns exec "$RB_NS_SRV" /usr/bin/python3 "$RB_LIB_DIR/hash_server.py" "$RB_SRV_IP4"
# socat: the dataplane cannot dial its own addresses, so each hop leaves
# and comes back through srv (-T: a forked child whose peer vanished with
# the dataplane still ends)
for p in 8400 8401 8402; do
	rb_bg "$RB_TMP/socat-$p.log" ip netns exec "$RB_NS_SRV" socat -T 10 \
		"TCP-LISTEN:$p,bind=$RB_SRV_IP4,reuseaddr,fork" "TCP:$RB_DP_SRV_IP4:$((p + 10000))"
done
for p in 8400 8401 8402 9000; do
	rb_wait_for 5 ip netns exec "$RB_NS_SRV" bash -c "exec 3<>/dev/tcp/$RB_SRV_IP4/$p" ||
		rb_fail "port $p did not start"
done
px_wait_proxy "socks5://$RB_DP_CLI_IP4:1080"
head -c "$((2 << 20))" "$RB_TMP/www/big.bin" >"$RB_TMP/up.bin"
UP_SHA=$(sha256sum <"$RB_TMP/up.bin" | cut -d' ' -f1)

rb_note "both destinations: ${SECONDS}s"
# ---- both destinations: byte-exact both ways, each on its own inbound
r0=$(metric 'ringbox_proxy_conns_total{inbound="relay"}')
for d in a b; do
	[ "$d" = a ] && port=1080 || port=1081
	P=socks5h://$RB_DP_CLI_IP4:$port
	n0=$(metric "ringbox_proxy_conns_total{inbound=\"s$d\"}")
	got=$(C curl -sf --max-time 90 -x "$P" "http://$RB_SRV_IP4:8080/big.bin" | sha256sum | cut -d' ' -f1)
	[ "$got" = "$PX_BIG_SHA" ] || rb_fail "dest-$d: $MIB MiB download is not byte-exact"
	got=$(C curl -sf --max-time 60 -x "$P" --data-binary @"$RB_TMP/up.bin" -H "Expect:" \
		"http://$RB_SRV_IP4:9000/up")
	[ "$got" = "$UP_SHA" ] || rb_fail "dest-$d: 2 MiB upload is not byte-exact ($got)"
	rb_assert_eq "$(($(metric "ringbox_proxy_conns_total{inbound=\"s$d\"}") - n0))" 2 \
		"connections that reached inbound s$d through the relay"
done
rb_assert_eq "$(($(metric 'ringbox_proxy_conns_total{inbound="relay"}') - r0))" 4 "relay connections"

rb_note "what the relay saw: ${SECONDS}s"
# ---- what the relay saw: the destination, never the target
rb_bg "$RB_TMP/slow.log" ip netns exec "$RB_NS_CLI" curl -sf -o /dev/null --max-time 60 \
	--limit-rate 100k -x "socks5h://$RB_DP_CLI_IP4:1080" "http://$RB_SRV_IP4:8080/big.bin"
SLOW=$RB_BG_PID
rows() { px_rbctl conns --json 2>/dev/null; }
chk='
import json, sys
rows = json.load(sys.stdin)["data"]
rel = [r for r in rows if r["inbound"] == "relay"]
fin = [r for r in rows if r["inbound"] == "sa"]
ok = (len(rel) == 1 and rel[0]["user"] == "dest-a" and rel[0]["dst"] == sys.argv[1] + ":8401"
      and rel[0]["outbound"] == "direct" and len(fin) == 1 and fin[0]["dst"] == sys.argv[1] + ":8080"
      and fin[0]["user"] == "ua")
print("ok" if ok else json.dumps([r for r in rows if r["inbound"] in ("relay", "sa")]))'
seen=
for _ in $(seq 40); do
	seen=$(rows | "$RB_PY" -c "$chk" "$RB_SRV_IP4" 2>&1)
	[ "$seen" = ok ] && break
	sleep 0.25
done
rb_assert_eq "$seen" ok "conns rows of the relay (destination) and of dest-a (target)"
kill "$SLOW" 2>/dev/null
wait "$SLOW" 2>/dev/null

rb_note "identity naming no d: ${SECONDS}s"
# ---- identity naming no destination: silence, counted, nothing at nginx
rb_dp_stats
rb_stats_mark
a0=$(metric 'ringbox_proxy_auth_failures_total{inbound="relay"}')
cp "$RB_TMP/www/index.html" "$RB_TMP/www/unknown"
C curl -sf -o /dev/null --max-time 3 -x "socks5h://$RB_DP_CLI_IP4:1082" \
	"http://$RB_SRV_IP4:8080/unknown" && rb_fail "unknown identity: the request went through"
rb_wait_for 5 sh -c "[ \"\$(curl -s http://127.0.0.1:$PX_MPORT/metrics | awk '\$1 == \"ringbox_proxy_auth_failures_total{inbound=\\\"relay\\\"}\" { print \$2 }')\" -gt $a0 ]" ||
	rb_fail "unknown identity: the relay's auth failures did not move from $a0"
rb_dp_stats
rb_assert_eq "$(rb_stat_delta drop.ss_relay_unknown)" 1 "unknown identities counted"
rb_assert_eq "$(px_hit access /unknown)" 0 "unknown identity: requests that reached nginx"

rb_note "a wrong user key: ${SECONDS}s"
# ---- a wrong user key behind a good relay identity: the relay passes the
# bytes on (it cannot read them), dest-a refuses them
rb_stats_mark
w0=$(metric 'ringbox_proxy_auth_failures_total{inbound="sa"}')
cp "$RB_TMP/www/index.html" "$RB_TMP/www/wronguser"
C curl -sf -o /dev/null --max-time 3 -x "socks5h://$RB_DP_CLI_IP4:1084" \
	"http://$RB_SRV_IP4:8080/wronguser" && rb_fail "wrong user key: the request went through"
rb_wait_for 5 sh -c "[ \"\$(curl -s http://127.0.0.1:$PX_MPORT/metrics | awk '\$1 == \"ringbox_proxy_auth_failures_total{inbound=\\\"sa\\\"}\" { print \$2 }')\" -gt $w0 ]" ||
	rb_fail "wrong user key: dest-a's auth failures did not move from $w0"
rb_dp_stats
rb_assert_eq "$(rb_stat_delta drop.ss_relay_unknown)" 0 "wrong user key: refused by the relay"
rb_assert_eq "$(px_hit access /wronguser)" 0 "wrong user key: requests that reached nginx"

rb_note "a destination nobody: ${SECONDS}s"
# ---- a destination nobody listens at: counted
rb_stats_mark
C curl -sf -o /dev/null --max-time 5 -x "socks5h://$RB_DP_CLI_IP4:1083" \
	"http://$RB_SRV_IP4:8080/index.html" && rb_fail "dead destination: the request went through"
for i in $(seq 20); do
	rb_dp_stats
	[ "$(rb_stat_delta drop.ss_relay_dial)" -ge 1 ] && break
	[ "$i" = 20 ] && rb_fail "dead destination: ss_relay_dial did not move"
	sleep 0.25
done
rb_assert_ge "$(metric 'ringbox_proxy_dial_failures_total{outbound="direct"}')" 1 \
	"dead destination: direct's dial failures"

rb_note "rb_dp_stop: ${SECONDS}s"
rb_dp_stop
rb_note "stopped: ${SECONDS}s"
rb_pass "relay to 2 destinations by identity, $MIB MiB + 2 MiB byte-exact, rows, unknown, wrong user, dead"
