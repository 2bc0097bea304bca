#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# SOCKS5 UDP ASSOCIATE with three worker lcores (lcores = [1, 1, 1], all on
# CPU 1: correctness only).  Ten clients announce their UDP source port in
# the request (RFC 1928 7), so the relay port is picked on the worker that
# owns the TCP connection such that the client's datagrams hash to that
# worker too.  Ten more send 0.0.0.0:0: their relay port is an ephemeral
# port claimed for all workers, and a datagram that the flow hash gives to
# another worker is handed to the association's owner (handoff ring).
# Every DNS query through the relay to dnsmasq in srv is answered, the
# associations were served by more than one worker, and datagrams were
# handed over.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/proxy_lib.sh"
rb_init
rb_require_cmd dnsmasq
RB_LCORES='[1, 1, 1]'
MPORT=$((20000 + RANDOM % 20000))
rb_topo_two_hosts
PX_SOCK=$RB_TMP/run/ctl.sock
px_config "
control = { ctl_socket = \"$PX_SOCK\"; metrics_listen = \"127.0.0.1:$MPORT\"; };
inbounds = (
  { type = \"socks\"; tag = \"socks-in\"; listen = \"$RB_DP_CLI_IP4\"; listen_port = 1080; }
);
outbounds = ( { type = \"direct\"; tag = \"direct\"; } );
route = { final = \"direct\"; };
"
rb_dp_start --eal "-m 768"
px_control_start
rb_bg "$RB_TMP/dnsmasq.log" ip netns exec "$RB_NS_SRV" dnsmasq --no-daemon --user=root \
	--no-resolv --no-hosts --bind-interfaces --listen-address="$RB_SRV_IP4" --port=53 \
	--pid-file="$RB_TMP/dnsmasq.pid" --log-facility=- --address=/example.test/"$RB_SRV_IP4"
rb_wait_for 5 grep -q "started" "$RB_TMP/dnsmasq.log" || rb_fail "dnsmasq did not start"
rb_wait_for 10 sh -c "grep -q 'route: rule table [0-9]* applied' '$RB_TMP/dp.out' '$RB_TMP/dp.err'" ||
	rb_fail "no rule table applied"
ip netns exec "$RB_NS_CLI" ping -c 1 -W 1 "$RB_DP_CLI_IP4" >/dev/null 2>&1
rbctl() { "${RB_CTLCLI:-$RB_BUILD/tools/ringboxctl}" -s "$PX_SOCK" "$@"; }

for ((i = 1; i <= 20; i++)); do
	announce=$((i <= 10))
	rb_expect_ok "association $i (announced source port: $announce)" \
		ip netns exec "$RB_NS_CLI" env SOCKS5_UDP_ANNOUNCE=$announce \
		timeout 20 "$RB_PY" "$RB_LIB_DIR/socks5_udp.py" "$RB_DP_CLI_IP4" 1080 \
		"dns:$RB_SRV_IP4:53:q$i.example.test:$RB_SRV_IP4" \
		"dns:$RB_SRV_IP4:53:r$i.example.test:$RB_SRV_IP4" close
done
# which workers served associations
rb_expect_ok "stats" rbctl --json stats
lcores=$(echo "$RB_OUT" | "$RB_PY" -c "
import json, sys
ev = json.load(sys.stdin)['data']['events']
print(len({e['lcore'] for e in ev if e['event'] == 'proxy_udp_assoc' and e['count'] > 0}))")
rb_note "associations served by $lcores worker(s)"
rb_assert_ge "$lcores" 2 "workers that served associations"
rb_dp_stats
rb_assert_stat_ge event.proxy_udp_assoc 20
rb_assert_stat_ge event.proxy_udp_down 40
# unannounced clients: about 2 in 3 reach another worker first
rb_assert_stat_ge event.udp_claim_handoff 1
rb_dp_stop
rb_pass "20 associations (10 announced, 10 with 0.0.0.0:0) over 3 workers, every datagram answered ($lcores workers served them, none lost)"
