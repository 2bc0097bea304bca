#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# WireGuard on two worker lcores (lcores = [1, 1] -> --lcores=0@0,1@1,2@1:
# both workers on CPU 1, per shared/notes/testbed.md; correctness only, never
# timing).  A terminated endpoint with two wireguard-go peers in cli (peer
# ids 0 and 1: owners worker 0 and worker 1): both handshake, ping the
# endpoint address through the tunnel and fetch from nginx in srv (terminated
# and dialled direct, so proxy sessions live on both workers and the direct
# dials' replies are handed to their owners); both ping srv (the echo relay:
# sessions on both workers, replies handed to their owners).
# /metrics must show WireGuard data and terminated segments on both lcores.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/proxy_lib.sh"
. "$(dirname "$0")/../../dataplane/wireguard/wg_itest.sh"
rb_init
rb_require_cmd curl
RB_LCORES='[1, 1]'
RB_LOG_LEVEL=debug # the EAL arguments are logged at debug
wg_keys
P2_PRIV=$(wg genkey)
P2_PUB=$(echo "$P2_PRIV" | wg pubkey)
rb_topo_two_hosts
PX_SOCK=$RB_TMP/run/ctl.sock
MPORT=$((20000 + RANDOM % 20000))
px_config "endpoints = ( { type = \"wireguard\"; tag = \"wg0\"; mode = \"terminated\";
  address = [ \"10.99.0.1/24\" ]; private_key = \"$RB_WG_DP_PRIV\"; listen_port = $WG_PORT;
  peers = ( { public_key = \"$RB_WG_PEER_PUB\"; pre_shared_key = \"$RB_WG_PSK\";
              allowed_ips = [ \"10.99.0.2/32\", \"fd99::2/128\" ]; },
            { public_key = \"$P2_PUB\"; allowed_ips = [ \"10.99.0.3/32\" ]; } ); } );
control = { ctl_socket = \"$PX_SOCK\"; metrics_listen = \"127.0.0.1:$MPORT\"; };
outbounds = ( { type = \"direct\"; tag = \"direct\"; } );
route = { rules = ( { inbound = [ \"wg0\" ]; outbound = \"direct\"; } ); final = \"direct\"; };
"
rb_dp_start
grep -q -- '--lcores=0@0,1@1,2@1' "$RB_TMP/dp.err" ||
	rb_fail "EAL not started with --lcores=0@0,1@1,2@1: $(grep -m1 'EAL:' "$RB_TMP/dp.err")"
px_control_start
wg_peer_up 1

# Peer 2: a second wireguard-go in cli, tunnel address 10.99.0.3; srv gets
# a second address that only this tunnel routes to.
IF2=${RB_ID}x
echo "$P2_PRIV" >"$RB_TMP/peer2.key"
rb_bg "$RB_TMP/wggo2.out" ip netns exec "$RB_NS_CLI" env WG_PROCESS_FOREGROUND=1 \
	LOG_LEVEL=error wireguard-go "$IF2"
rb_wait_for 10 test -S "/var/run/wireguard/$IF2.sock" || rb_fail "wireguard-go 2 did not start"
rb_ns "$RB_NS_CLI" wg set "$IF2" listen-port 51822 private-key "$RB_TMP/peer2.key" \
	peer "$RB_WG_DP_PUB" endpoint "$RB_DP_CLI_IP4:$WG_PORT" \
	allowed-ips "10.99.0.1/32,10.$RB_NET.2.3/32" || rb_fail "wg set (peer 2)"
ip -n "$RB_NS_CLI" addr add 10.99.0.3/32 dev "$IF2"
ip -n "$RB_NS_CLI" link set "$IF2" mtu 1420 up
ip -n "$RB_NS_CLI" route add "10.$RB_NET.2.3/32" dev "$IF2"
ip -n "$RB_NS_SRV" addr add "10.$RB_NET.2.3/24" dev "$RB_IF_SRV"
SRV2=10.$RB_NET.2.3

# Handshakes for both peers: pings to the endpoint's address are answered
# through each tunnel (answered by the dataplane itself); the
# first echo of each waits for its handshake.
for ifn in "$RB_WG_IF" "$IF2"; do
	rb_wait_for 10 ip netns exec "$RB_NS_CLI" ping -c 1 -W 1 -I "$ifn" 10.99.0.1 ||
		rb_fail "no handshake through $ifn"
	rb_check_ping "$RB_NS_CLI" 10.99.0.1 3 -I "$ifn"
done
[ "$(wg_peer_handshake)" != 0 ] || rb_fail "peer 1 saw no handshake"
[ "$(rb_ns "$RB_NS_CLI" wg show "$IF2" latest-handshakes | awk '{print $2}')" != 0 ] ||
	rb_fail "peer 2 saw no handshake"

# TCP through both tunnels, terminated, proxied and dialled direct: 20
# fetches of 256 KiB per peer, byte-exact, the peers' fetches interleaved.
# (Before drivers/pool.c packed the mbuf pool, bulk transfers on two
# workers sharing one CPU stalled: 2 runs of 9 timed out here.)
wg_nginx_start "$RB_NS_SRV" web "$RB_SRV_IP4:8080" "$SRV2:8080"
head -c 262144 /dev/urandom >"$RB_TMP/web/www/q.bin"
want=$(sha256sum <"$RB_TMP/web/www/q.bin" | cut -d' ' -f1)
for i in $(seq 1 20); do
	for dst in "$RB_SRV_IP4" "$SRV2"; do
		rc=0
		ip netns exec "$RB_NS_CLI" curl -sS --max-time 10 -o "$RB_TMP/q.out" \
			"http://$dst:8080/q.bin" 2>"$RB_TMP/curl.err" || rc=$?
		got=$(sha256sum <"$RB_TMP/q.out" | cut -d' ' -f1)
		[ "$got" = "$want" ] || rb_fail "fetch $i from $dst through the tunnel: wrong sha256" \
			"(curl rc $rc, $(stat -c %s "$RB_TMP/q.out") bytes: $(cat "$RB_TMP/curl.err"))"
	done
done

# Bulk upload, 4 streams through peer 1 (terminated): the workload that froze
# the cli port (fill ring drained by mbufs outside the af_xdp UMEM).  The
# port must still answer pings afterwards and every stream must have moved
# data; iperf3 finishing in time is the check, its rate is only logged.
if command -v iperf3 >/dev/null; then
	rb_bg "$RB_TMP/iperf_srv.out" ip netns exec "$RB_NS_SRV" iperf3 -s -1 -B "$RB_SRV_IP4" -p 5201
	sleep 0.5
	RB_OUT=$(rb_ns "$RB_NS_CLI" timeout 25 iperf3 -c "$RB_SRV_IP4" -p 5201 -t 4 -P 4 -f m 2>&1) ||
		rb_fail "iperf3 -P 4 upload through the tunnel: $(echo "$RB_OUT" | tail -n 3 | tr '\n' ' ')"
	rb_note "iperf3 -P 4 upload: $(echo "$RB_OUT" | awk '/SUM.*receiver/ {print $(NF-2), $(NF-1)}')"
	rb_check_ping "$RB_NS_CLI" "$RB_DP_CLI_IP4" 3
	rb_check_ping "$RB_NS_CLI" 10.99.0.1 3 -I "$RB_WG_IF"
fi

# ICMP echo relayed through both tunnels (network icmp -> direct): each
# peer's sessions live on its owner worker, whose id the echo carries; srv's
# replies reach whichever worker polls the srv port and are handed to the
# owner when that is the other one.
rb_check_ping "$RB_NS_CLI" "$RB_SRV_IP4" 3 -I "$RB_WG_IF"
rb_check_ping "$RB_NS_CLI" "$SRV2" 3 -I "$IF2"

# Per-lcore counters from /metrics: both workers decrypted, terminated and
# encrypted WireGuard traffic, and relayed echo replies.
curl -sf --max-time 5 "http://127.0.0.1:$MPORT/metrics" >"$RB_TMP/metrics.txt" ||
	rb_fail "GET /metrics"
ev() { # event lcore
	sed -n "s/^ringbox_events_total{event=\"$1\",lcore=\"$2\"} \([0-9]*\)$/\1/p" \
		"$RB_TMP/metrics.txt"
}
for l in 1 2; do
	for e in wg_rx_data wg_terminated wg_tx_data proxy_accept wg_icmp_reply; do
		v=$(ev "$e" "$l")
		rb_note "lcore $l: $e ${v:-absent}"
		rb_assert_ge "${v:-0}" 2 "$e on lcore $l"
	done
done
rb_dp_stats
rb_assert_stat_ge event.wg_hs_completed 2
rb_assert_stat_ge event.handoff_tx 1
rb_assert_eq "$(rb_stat drop.wg_decrypt)" 0 "data messages failing authentication"
rb_assert_eq "$(rb_stat drop.wg_replay)" 0 "data messages seen as replays"

rb_dp_stop
rb_pass
