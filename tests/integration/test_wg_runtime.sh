#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# WireGuard peers at run time through ringbox-control: while pings flow
# through the tunnel of a configured peer, a second wireguard-go peer is
# added with `ringboxctl wg add` (its allowed IPs are a prefix new to the
# FIB, so the routes must be rebuilt), handshakes and reaches srv; `wg show`
# and /metrics (promtool) show both peers; `wg remove` takes it away again,
# and the first peer's traffic never stops.  `generate wg-keypair` gives a
# pair that wg(8) agrees with.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/../../dataplane/wireguard/wg_itest.sh"
rb_init
RB_CTL_BIN=${RB_CTL_BIN:-$RB_BUILD/control/ringbox-control}
RB_CTLCLI=${RB_CTLCLI:-$RB_BUILD/tools/ringboxctl}
[ -x "$RB_CTL_BIN" ] && [ -x "$RB_CTLCLI" ] || rb_fail "ringbox-control/ringboxctl not built in $RB_BUILD"
wg_keys
MPORT=$((20000 + RANDOM % 20000))
SOCK=$RB_TMP/run/ctl.sock
wg_endpoint_cfg
RB_CFG_EXTRA="$RB_CFG_EXTRA
control = { ctl_socket = \"$SOCK\"; metrics_listen = \"127.0.0.1:$MPORT\"; };"
rb_topo_two_hosts
rb_dp_start --eal "-m 768"
rbctl() { "$RB_CTLCLI" -s "$SOCK" "$@"; }
rb_bg "$RB_TMP/ctl.log" "$RB_CTL_BIN" -c "$RB_CFG"
rb_wait_for 10 sh -c "'$RB_CTLCLI' -s '$SOCK' --json routes | grep -q '\"acked\":true,\"status\":0'" ||
	rb_fail "control: route table not applied: $(tail -n 5 "$RB_TMP/ctl.log" | tr '\n' ' ')"

# generate wg-keypair: the public key is the one wg(8) derives.
rb_expect_ok "generate wg-keypair" rbctl --json generate wg-keypair
priv=$(echo "$RB_OUT" | sed -n 's/.*"private_key":"\([^"]*\)".*/\1/p')
pub=$(echo "$RB_OUT" | sed -n 's/.*"public_key":"\([^"]*\)".*/\1/p')
rb_assert_eq "$(echo "$priv" | wg pubkey)" "$pub" "public key of the generated pair"

wg_peer_up 1
rb_check_ping "$RB_NS_CLI" "$RB_SRV_IP4" 3

# Peer 1 keeps pinging srv through the tunnel during everything below:
# 240 echoes 50 ms apart; -w waits for their replies (a deadline alone
# cut the last ones in flight on a loaded machine and counted them lost)
# and sends more in place of any lost, which the transmitted count shows.
rb_bg "$RB_TMP/ping1.out" ip netns exec "$RB_NS_CLI" ping -n -i 0.05 -c 240 -w 20 "$RB_SRV_IP4"
PING1=$RB_BG_PID

# Peer 2: a second wireguard-go, tunnel address 10.98.0.2 (a new prefix).
IF2=${RB_ID}x
P2_PRIV=$priv
P2_PUB=$pub
echo "$P2_PRIV" >"$RB_TMP/peer2.key"
rb_bg "$RB_TMP/wggo2.out" ip netns exec "$RB_NS_CLI" env WG_PROCESS_FOREGROUND=1 \
	LOG_LEVEL=error wireguard-go "$IF2"
rb_wait_for 10 test -S "/var/run/wireguard/$IF2.sock" || rb_fail "wireguard-go 2 did not start"
rb_ns "$RB_NS_CLI" wg set "$IF2" listen-port 51822 private-key "$RB_TMP/peer2.key" \
	peer "$RB_WG_DP_PUB" endpoint "$RB_DP_CLI_IP4:$WG_PORT" \
	allowed-ips "10.99.0.1/32,10.$RB_NET.2.0/24" || rb_fail "wg set (peer 2)"
ip -n "$RB_NS_CLI" addr add 10.98.0.2/32 dev "$IF2"
ip -n "$RB_NS_CLI" link set "$IF2" mtu 1420 up
ip -n "$RB_NS_SRV" route add 10.98.0.0/24 via "$RB_DP_SRV_IP4"

# Not a peer yet: its initiations are unknown.
rb_ping "$RB_NS_CLI" "$RB_SRV_IP4" 1 -I "$IF2" -W 1
rb_expect_ok "wg add" rbctl --json wg add wg0 "$P2_PUB" allowed-ips 10.98.0.2/32 keepalive 0
rb_assert_match "$RB_OUT" '"routes":"rebuilt"' "FIB rebuilt after the add"
rb_wait_for 10 ip netns exec "$RB_NS_CLI" ping -n -c 1 -W 1 -I "$IF2" "$RB_SRV_IP4" ||
	rb_fail "peer added at run time: no ping through it to srv"
rb_check_ping "$RB_NS_CLI" 10.99.0.1 3 -I "$IF2"

rb_expect_ok "wg show" rbctl wg show
rb_note "wg show:
$RB_OUT"
# keys hold + and /: fixed-string matches
grep -qF "peer: $P2_PUB" <<<"$RB_OUT" || rb_fail "wg show does not list the new peer"
grep -qF "peer: $RB_WG_PEER_PUB" <<<"$RB_OUT" || rb_fail "wg show does not list the configured peer"
rb_assert_match "$RB_OUT" "allowed ips: 10.98.0.2/32" "allowed IPs of the new peer"
rb_assert_match "$RB_OUT" "latest handshake: [0-9]+ seconds? ago" "latest handshake"
rb_assert_match "$RB_OUT" "transfer: .* received, .* sent" "transfer"
rb_expect_ok "wg show --json" rbctl --json wg show wg0
grep -qF "\"public_key\":\"$P2_PUB\"" <<<"$RB_OUT" || rb_fail "wg show --json lacks the new peer"

if command -v promtool >/dev/null; then
	curl -sf --max-time 5 "http://127.0.0.1:$MPORT/metrics" >"$RB_TMP/metrics.txt" || rb_fail "GET /metrics"
	rb_expect_ok "promtool check metrics" sh -c "promtool check metrics <'$RB_TMP/metrics.txt'"
	grep -F "ringbox_wg_peer_handshakes_completed_total{endpoint=\"wg0\",peer=\"$P2_PUB\"}" \
		"$RB_TMP/metrics.txt" | grep -qE ' [1-9][0-9]*$' ||
		rb_fail "no completed handshake of peer 2 in /metrics"
	grep -qE '^ringbox_wg_peers\{endpoint="wg0"\} 2$' "$RB_TMP/metrics.txt" ||
		rb_fail "ringbox_wg_peers is not 2"
fi

# Errors: a duplicate key, an unknown endpoint, a bad key.
rb_expect_fail "duplicate peer" rbctl wg add wg0 "$P2_PUB" allowed-ips 10.98.0.3/32
rb_expect_fail "unknown endpoint" rbctl wg add nowg "$P2_PUB" allowed-ips 10.98.0.3/32
rb_expect_fail "bad key" rbctl wg remove wg0 notakey

# Remove it: its traffic stops, peer 1's goes on.
rb_expect_ok "wg remove" rbctl wg remove wg0 "$P2_PUB"
rb_expect_fail "ping through a removed peer" ip netns exec "$RB_NS_CLI" ping -n -c 2 -W 1 -I "$IF2" "$RB_SRV_IP4"
rb_expect_ok "wg show after remove" rbctl wg show
grep -qF "peer: $P2_PUB" <<<"$RB_OUT" && rb_fail "removed peer still listed"

wait "$PING1"
sent=$(sed -n 's/^\([0-9]*\) packets transmitted.*/\1/p' "$RB_TMP/ping1.out")
recv=$(sed -n 's/.* \([0-9]*\) received.*/\1/p' "$RB_TMP/ping1.out")
rb_note "peer 1 during add/remove: $recv/$sent echo replies"
rb_assert_ge "$recv" $((sent - 2)) "peer 1 replies while peer 2 came and went (of $sent)"
rb_check_ping "$RB_NS_CLI" "$RB_SRV_IP4" 3

rb_dp_stop
rb_pass
