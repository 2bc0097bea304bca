#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# SOCKS5 UDP ASSOCIATE with three worker lcores (lcores = [1, 1, 1], all on
# CPU 1: correctness only).  Eight clients announce their UDP source port in
# the request (RFC 1928 7), so the relay port is picked on the worker that
# owns the TCP connection such that the client's datagrams hash to that
# worker too.  Eight more send 0.0.0.0:0: their relay port is an ephemeral
# port claimed for all workers, and a datagram that the flow hash gives to
# another worker is handed to the association's owner (handoff ring).
# Every DNS query through the relay to dnsmasq in srv is answered, the
# associations were served by more than one worker, and datagrams were
# handed over.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/proxy_lib.sh"
rb_init
RB_LCORES='[1, 1, 1]'
rb_topo_two_hosts
px_control_init
px_config "
$PX_CTL
$(px_socks_cfg)
"
px_start
px_dnsmasq_start
px_wait_rules
ip netns exec "$RB_NS_CLI" ping -c 1 -W 1 "$RB_DP_CLI_IP4" >/dev/null 2>&1

# (the close check waits 3 s for silence: only the first of each kind)
for ((i = 1; i <= 16; i++)); do
	announce=$((i <= 8))
	last=
	[ "$i" = 1 ] || [ "$i" = 9 ] && last=close
	PX_UDP_ENV=SOCKS5_UDP_ANNOUNCE=$announce PX_UDP_TIMEOUT=20 \
		rb_expect_ok "association $i (announced source port: $announce)" px_udp_client 1080 \
		"dns:$RB_SRV_IP4:53:q$i.example.test:$RB_SRV_IP4" \
		"dns:$RB_SRV_IP4:53:r$i.example.test:$RB_SRV_IP4" $last
done
# which workers served associations
rb_expect_ok "stats" px_rbctl --json stats
lcores=$(echo "$RB_OUT" | "$RB_PY" -c "
import json, sys
ev = json.load(sys.stdin)['data']['events']
print(len({e['lcore'] for e in ev if e['event'] == 'proxy_udp_assoc' and e['count'] > 0}))")
rb_note "associations served by $lcores worker(s)"
rb_assert_ge "$lcores" 2 "workers that served associations"
rb_dp_stats
rb_assert_stat_ge event.proxy_udp_assoc 16
rb_assert_stat_ge event.proxy_udp_down 32
# unannounced clients: about 2 in 3 reach another worker first
rb_assert_stat_ge event.udp_claim_handoff 1
rb_dp_stop
rb_pass "16 associations (8 announced, 8 with 0.0.0.0:0) over 3 workers, every datagram answered ($lcores workers served them, none lost)"
