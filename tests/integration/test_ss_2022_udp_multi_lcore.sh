#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Shadowsocks 2022 UDP client sessions across workers (ss_udp_in.c: one
# owner worker per client session, ss22_usess_owner of its id), two worker
# lcores (lcores = [1, 1], both on CPU 1: correctness only):
#   socks5_udp.py (cli) -> socks inbound -> 2022 outbound (aes-128-gcm, and
#   chacha20-poly1305) -> ss_udp_relay.py (srv: one source port per client)
#   -> 2022 inbound -> direct -> UDP echo / dnsmasq (srv)
# Checks: 16 associations (16 client sessions, random ids) with 3 datagrams
# each, byte-exact; the inbound opened exactly one client session per
# association (a packet of a session never starts a second one on another
# worker, whatever its nonce), sessions were opened on both workers, and
# datagrams that arrived at the other worker were handed to the owner
# (ss_udp_handoff).  Replays: a recorded DNS query sent again from fresh
# source ports (the flow hash spreads them over the workers) until one was
# handed over from the worker it arrived at; every one is silent and
# counted (ss_udp_replay), dnsmasq sees the query once.  With per-worker
# sessions the replay reaching the other worker opened a new session
# there and reached dnsmasq.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/proxy_lib.sh"
. "$(dirname "$0")/ss_lib.sh"
rb_init
rb_require_cmd dnsmasq openssl curl
RB_LCORES='[1, 1]'
rb_topo_two_hosts
KA=$(openssl rand -base64 16) KC=$(openssl rand -base64 32)
px_control_init
px_config "
$PX_CTL
inbounds = (
  { type = \"socks\"; tag = \"ca\"; listen = \"$RB_DP_CLI_IP4\"; listen_port = 1080; },
  { type = \"socks\"; tag = \"cc\"; listen = \"$RB_DP_CLI_IP4\"; listen_port = 1081; },
  { type = \"socks\"; tag = \"crec\"; listen = \"$RB_DP_CLI_IP4\"; listen_port = 1082; },
  { type = \"shadowsocks\"; tag = \"sa\"; listen = \"$RB_DP_SRV_IP4\"; listen_port = 18388;
    method = \"2022-blake3-aes-128-gcm\"; password = \"$KA\"; network = \"udp\"; },
  { type = \"shadowsocks\"; tag = \"sc\"; listen = \"$RB_DP_SRV_IP4\"; listen_port = 18390;
    method = \"2022-blake3-chacha20-poly1305\"; password = \"$KC\"; network = \"udp\"; }
);
outbounds = (
  { type = \"shadowsocks\"; tag = \"oa\"; server = \"$RB_SRV_IP4\"; server_port = 8388;
    method = \"2022-blake3-aes-128-gcm\"; password = \"$KA\"; network = \"udp\"; },
  { type = \"shadowsocks\"; tag = \"oc\"; server = \"$RB_SRV_IP4\"; server_port = 8390;
    method = \"2022-blake3-chacha20-poly1305\"; password = \"$KC\"; network = \"udp\"; },
  { type = \"shadowsocks\"; tag = \"orec\"; server = \"$RB_SRV_IP4\"; server_port = 8398;
    method = \"2022-blake3-aes-128-gcm\"; password = \"$KA\"; network = \"udp\"; },
  { type = \"direct\"; tag = \"direct\"; }
);
route = {
  rules = (
    { inbound = \"ca\"; outbound = \"oa\"; }, { inbound = \"cc\"; outbound = \"oc\"; },
    { inbound = \"crec\"; outbound = \"orec\"; }
  );
  final = \"direct\";
};
"
px_start
px_dnsmasq_start
px_wait_rules
ss_udp_relay_start 8388:18388 8390:18390 8398:18388
E="$RB_SRV_IP4:7007"

# ---- 16 client sessions, 8 per method, 3 datagrams each
s0=$(ss_lcore_sum "$(ss_lcore_counts events ss_udp_session_new)")
for ((i = 0; i < 16; i++)); do
	port=$((1080 + i % 2))
	out=$(px_udp_client $port "echo:$E:$((1 + i))" "echo:$E:700" "echo:$E:1400" 2>&1) ||
		rb_fail "association $i (port $port): $out"
done
per=$(ss_lcore_counts events ss_udp_session_new)
rb_note "client sessions opened per worker: $per; handed over: $(ss_lcore_counts events ss_udp_handoff)"
rb_assert_eq "$(($(ss_lcore_sum "$per") - s0))" 16 "client sessions opened (one per association)"
rb_assert_eq "$(echo "$per" | wc -w)" 2 "workers that opened client sessions"
rb_assert_ge "$(ss_lcore_sum "$(ss_lcore_counts events ss_udp_handoff)")" 1 \
	"datagrams handed to their session's owner"

# ---- replays from fresh source ports until one arrived at the other worker
out=$(px_udp_client 1082 "dns:$RB_SRV_IP4:53:replayed.example.test:$RB_SRV_IP4" 2>&1) ||
	rb_fail "recorded query: $out"
rb_wait_for 5 test -s "$RB_TMP/8398.bin" || rb_fail "the relay recorded nothing"
rb_dp_stats
rb_stats_mark
n=0 handed=
for ((i = 1; i <= 24; i++)); do
	h0=$(ss_lcore_sum "$(ss_lcore_counts events ss_udp_handoff)")
	r=$(ip netns exec "$RB_NS_SRV" "$RB_PY" "$RB_LIB_DIR/replay_send.py" -u "$RB_DP_SRV_IP4" 18388 \
		"$RB_TMP/8398.bin") || rb_fail "replay client failed"
	rb_assert_eq "$r" silent "replay $i"
	n=$i
	h1=$h0
	for _ in $(seq 10); do # the counters reach control within a tick
		h1=$(ss_lcore_sum "$(ss_lcore_counts events ss_udp_handoff)")
		[ "$h1" != "$h0" ] && break
		sleep 0.1
	done
	if [ "$h1" != "$h0" ]; then
		handed=$i
		break
	fi
done
[ -n "$handed" ] || rb_fail "24 replays, none arrived at the worker not owning the session"
rb_note "replay $handed arrived at the other worker and was handed to the owner"
for i in $(seq 20); do
	rb_dp_stats
	[ "$(rb_stat_delta drop.ss_udp_replay)" -ge "$n" ] && break
	sleep 0.25
done
rb_assert_eq "$(rb_stat_delta drop.ss_udp_replay)" "$n" "replays refused (ss_udp_replay)"
rb_assert_eq "$(grep -c 'query\[A\] replayed.example.test' "$RB_TMP/dnsmasq.log")" 1 \
	"replayed query: times it reached dnsmasq"

rb_dp_stop
rb_pass "2 workers: 16 2022 UDP sessions (aes, chacha) one owner each, byte-exact; $n replay(s) from fresh ports refused, one handed over from the other worker"
