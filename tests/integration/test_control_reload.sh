#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Route reload through ringbox-control on the real dataplane:
#  - a route added by `ringboxctl reload` makes a new prefix reachable
#    (control -> arena -> rb_fib_build/rb_fib_publish -> ack);
#  - an invalid file is refused with file:line and the running table stays;
#  - valid, invalid and SIGHUP reloads during a ping flood lose no packet.
. "$(dirname "$0")/lib.sh"
rb_init
RB_CTL_BIN=${RB_CTL_BIN:-$RB_BUILD/control/ringbox-control}
RB_CTLCLI=${RB_CTLCLI:-$RB_BUILD/tools/ringboxctl}
[ -x "$RB_CTL_BIN" ] && [ -x "$RB_CTLCLI" ] || rb_fail "ringbox-control/ringboxctl not built in $RB_BUILD"

MPORT=$((20000 + RANDOM % 20000))
SOCK=$RB_TMP/run/ctl.sock
RB_CFG_EXTRA="control = { ctl_socket = \"$SOCK\"; metrics_listen = \"127.0.0.1:$MPORT\"; };"
rb_topo_two_hosts
FAR=10.$RB_NET.99.1
ip -n "$RB_NS_SRV" addr add "$FAR/32" dev lo
# Two FIBs coexist during a swap (rte_lpm tbl24 alone is 64 MiB): give EAL room.
rb_dp_start --eal "-m 768"

rbctl() { "$RB_CTLCLI" -s "$SOCK" "$@"; }
gen() { rbctl --json routes | sed -n 's/.*"generation":\([0-9]*\).*/\1/p'; }
rb_bg "$RB_TMP/ctl.log" "$RB_CTL_BIN" -c "$RB_CFG"
CTL_PID=$RB_BG_PID
rb_wait_for 10 sh -c "'$RB_CTLCLI' -s '$SOCK' --json routes | grep -q '\"acked\":true'" ||
	rb_fail "control did not publish to the dataplane: $(tail -n 5 "$RB_TMP/ctl.log" | tr '\n' ' ')"

# 1. No route to $FAR yet.
rb_check_ping "$RB_NS_CLI" "$RB_SRV_IP4" 2
rb_ping "$RB_NS_CLI" "$FAR" 2 && rb_fail "$FAR reachable before its route exists"
# 2. Add the route and reload.
RB_CFG_DP_EXTRA="routes = ( { prefix = \"10.$RB_NET.99.0/24\"; via = \"$RB_SRV_IP4\"; port = \"srv\"; } );"
rb_dp_config "$RB_CFG"
g0=$(gen)
rb_expect_ok "reload with a new route" rbctl reload
rb_assert_match "$RB_OUT" "generation +$((g0 + 1))" "generation after reload"
# The ack comes after rb_fib_publish's RCU grace period (it can take ~1 s).
rb_wait_for 10 sh -c "'$RB_CTLCLI' -s '$SOCK' --json routes | grep -q '\"acked\":true,\"status\":0'" ||
	rb_fail "route table $((g0 + 1)) not acked: $(rbctl --json routes)"
rb_check_ping "$RB_NS_CLI" "$FAR" 3
rb_expect_ok "routes lists it" rbctl routes
rb_assert_match "$RB_OUT" "10.$RB_NET.99.0/24 +$RB_SRV_IP4" "routes output"
# 3. An invalid file: refused, running table kept.
cp "$RB_CFG" "$RB_TMP/good.cfg"
printf 'dataplane = { lcores = "many"; };\n' >"$RB_TMP/bad.cfg"
cp "$RB_TMP/bad.cfg" "$RB_CFG"
rb_expect_fail "invalid reload" rbctl reload
rb_assert_match "$RB_OUT" "ringbox.cfg:[0-9]+" "invalid reload reports file:line"
cp "$RB_TMP/good.cfg" "$RB_CFG"
rb_check_ping "$RB_NS_CLI" "$FAR" 2

# 4. Reloads of every kind during a ping flood: no loss.
COUNT=2000
rb_bg "$RB_TMP/flood.txt" ip netns exec "$RB_NS_CLI" ping -n -q -i 0.002 -c $COUNT -W 2 "$FAR"
FLOOD=$RB_BG_PID
sleep 0.3
ok=0 bad=0 hup=0
for i in 1 2 3 4 5; do
	rbctl reload >/dev/null && ok=$((ok + 1))
	cp "$RB_TMP/bad.cfg" "$RB_CFG"
	rbctl reload >/dev/null 2>&1 || bad=$((bad + 1))
	# SIGHUPs are not queued: let each one be handled before the next.
	kill -HUP "$CTL_PID" && hup=$((hup + 1))   # invalid file: refused
	sleep 0.3
	cp "$RB_TMP/good.cfg" "$RB_CFG"
	kill -HUP "$CTL_PID" && hup=$((hup + 1))   # valid file: published
	sleep 0.3
done
wait "$FLOOD"
rb_assert_eq "$ok/$bad/$hup" "5/5/10" "valid/invalid reloads and SIGHUPs sent"
rcvd=$(sed -n 's/.* \([0-9]*\) received.*/\1/p' "$RB_TMP/flood.txt")
rb_note "flood: $(grep -E 'transmitted' "$RB_TMP/flood.txt")"
rb_assert_eq "${rcvd:-0}" "$COUNT" "echo replies during reloads"
fails=$(rbctl --json status | sed -n 's/.*"config_reload_failures":\([0-9]*\).*/\1/p')
rb_assert_eq "$fails" 11 "reload failures counted (1 + 5 ctl + 5 SIGHUP)"
rb_assert_ge "$(gen)" "$((g0 + 11))" "generations published (1 + 5 ctl + 5 SIGHUP)"

kill "$CTL_PID"
rb_dp_stop
rb_assert_stat_ge drop.no_route 1
rb_pass "$COUNT/$COUNT echo replies across 10 valid and 10 invalid reloads"
