#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Either process may die without harming the other:
#  - kill -9 of ringbox-control during a ping flood loses no packet, and a
#    restarted control takes over its socket and sees the dataplane up;
#  - kill -9 of the dataplane is reported down (pid gone) within seconds;
#    a new dataplane is attached (new boot id) and gets the routes again;
#  - a clean dataplane stop is reported as an exit;
#  - /metrics scraped every 0.1 s throughout (flood, control kill -9 and
#    restart, dataplane kill -9 and restart): no "_total" series ever goes
#    back (metrics_mono_check.py; control/README.md "Metrics").
. "$(dirname "$0")/lib.sh"
rb_init
RB_CTL_BIN=${RB_CTL_BIN:-$RB_BUILD/control/ringbox-control}
RB_CTLCLI=${RB_CTLCLI:-$RB_BUILD/tools/ringboxctl}
[ -x "$RB_CTL_BIN" ] && [ -x "$RB_CTLCLI" ] || rb_fail "ringbox-control/ringboxctl not built in $RB_BUILD"

MPORT=$((20000 + RANDOM % 20000))
SOCK=$RB_TMP/run/ctl.sock
RB_CFG_EXTRA="control = { ctl_socket = \"$SOCK\"; metrics_listen = \"127.0.0.1:$MPORT\"; };"
rb_topo_two_hosts
# Two FIBs coexist while control's table replaces the start-up one.
rb_dp_start --eal "-m 768"

rbctl() { "$RB_CTLCLI" -s "$SOCK" "$@"; }
status_field() { rbctl --json status | sed -n "s/.*\"$1\":\"\\{0,1\\}\\([^,\"]*\\).*/\\1/p"; }
dp_up() { rbctl --json status | grep -q '"dataplane_up":true'; }
dp_down() { rbctl --json status | grep -q '"dataplane_up":false'; }
routes_ok() { rbctl --json routes | grep -q '"acked":true,"status":0'; }
start_ctl() {
	rb_bg "$RB_TMP/ctl.log.$1" "$RB_CTL_BIN" -c "$RB_CFG"
	CTL_PID=$RB_BG_PID
}

start_ctl 1
rb_wait_for 10 dp_up || rb_fail "control did not see the dataplane up"
rb_wait_for 10 routes_ok || rb_fail "routes not applied: $(rbctl --json routes)"
boot1=$(status_field boot_id)
rb_check_ping "$RB_NS_CLI" "$RB_SRV_IP4" 2

# Scrape /metrics every 0.1 s until the end (the files, in order, are checked
# last; a scrape while control is down leaves no file).
mkdir -p "$RB_TMP/scrapes"
scraper() {
	local i=0
	while [ ! -e "$RB_TMP/scrapes/stop" ]; do
		i=$((i + 1))
		curl -sf --max-time 2 -o "$RB_TMP/scrapes/$(printf %05d $i)" \
			"http://127.0.0.1:$MPORT/metrics" || rm -f "$RB_TMP/scrapes/$(printf %05d $i)"
		sleep 0.1
	done
}
rb_bg "$RB_TMP/scraper.log" scraper
SCRAPER=$RB_BG_PID

# 1. kill -9 control under traffic; restart it.
COUNT=1500
rb_bg "$RB_TMP/flood.txt" ip netns exec "$RB_NS_CLI" ping -n -q -i 0.002 -c $COUNT -W 2 "$RB_SRV_IP4"
FLOOD=$RB_BG_PID
sleep 0.5
kill -9 "$CTL_PID"
wait "$CTL_PID" 2>/dev/null
sleep 0.5
start_ctl 2
rb_wait_for 10 dp_up || rb_fail "restarted control does not see the dataplane: $(tail -n 3 "$RB_TMP/ctl.log.2")"
rb_assert_eq "$(status_field boot_id)" "$boot1" "same dataplane after the control restart"
wait "$FLOOD"
rcvd=$(sed -n 's/.* \([0-9]*\) received.*/\1/p' "$RB_TMP/flood.txt")
rb_note "flood across control kill -9: $(grep transmitted "$RB_TMP/flood.txt")"
rb_assert_eq "${rcvd:-0}" "$COUNT" "echo replies while control was killed and restarted"
rb_wait_for 10 routes_ok || rb_fail "restarted control's table not applied: $(rbctl --json routes)"

# 2. kill -9 the dataplane.
old_dp=$RB_DP_PID
kill -9 "$RB_DP_PID"
wait "$RB_DP_PID" 2>/dev/null
RB_DP_PID=
rb_wait_for 5 dp_down || rb_fail "dataplane kill -9 not reported down"
rb_expect_ok "status while down" rbctl status
rb_assert_match "$RB_OUT" "dataplane_reason +dataplane pid $old_dp is gone" "down reason"
curl -sf --max-time 5 "http://127.0.0.1:$MPORT/metrics" | grep -qx 'ringbox_dataplane_up 0' ||
	rb_fail "metrics do not say the dataplane is down"
rb_expect_fail "stats while down" rbctl stats

# 3. A new dataplane: XDP programs left by the killed one are detached first.
ip -n "$RB_NS_DP" link set dev "$RB_IF_DP_CLI" xdp off 2>/dev/null
ip -n "$RB_NS_DP" link set dev "$RB_IF_DP_SRV" xdp off 2>/dev/null
rb_dp_start --eal "-m 768"
rb_wait_for 10 dp_up || rb_fail "new dataplane not attached: $(tail -n 3 "$RB_TMP/ctl.log.2")"
boot2=$(status_field boot_id)
[ "$boot2" != "$boot1" ] || rb_fail "boot id did not change across the dataplane restart"
rb_wait_for 10 routes_ok || rb_fail "routes not republished to the new dataplane: $(rbctl --json routes)"
rb_check_ping "$RB_NS_CLI" "$RB_SRV_IP4" 3
attaches=$(curl -sf "http://127.0.0.1:$MPORT/metrics" | awk '$1 == "ringbox_dataplane_attaches_total" { print $2 }')
rb_assert_eq "$attaches" 2 "attaches by the second control (old and new dataplane)"

# 4. A clean stop is an exit, not a crash.
rb_dp_stop
rb_wait_for 3 dp_down || rb_fail "clean dataplane stop not reported down"
rb_expect_ok "status after stop" rbctl status
rb_assert_match "$RB_OUT" "dataplane_reason +(dataplane exited|no segment)" "reason after a clean stop"
touch "$RB_TMP/scrapes/stop"
wait "$SCRAPER"
kill "$CTL_PID"
mono=$(python3 "$(dirname "$0")/metrics_mono_check.py" "$RB_TMP"/scrapes/[0-9]*) ||
	rb_fail "a counter went back on /metrics: $mono"
rb_note "metrics: ${mono##*$'\n'}"
rb_pass "$COUNT/$COUNT echo replies across control kill -9; dataplane restart detected; counters monotonic"
