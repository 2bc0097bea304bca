#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# TCP checksum offload through a real PMD: net_tap offers TX IPv4/TCP
# checksum offload and RX checksum offload (the PMD sums in software what a
# NIC would in hardware, from the mbuf's l2_len/l3_len and flags).  A Linux
# client behind the tap streams to the dataplane's echo service (RFC 862)
# over IPv4 and IPv6: what came back must hash as what went out, the
# client's kernel (which verifies every segment the offload finished) must
# count no TCP checksum error, and the dataplane must drop none for a bad
# checksum.
# TCP segmentation offload on the same port: net_tap offers TSO, which it
# does for IPv4 with rte_gso (the dataplane hands it super-segments of up
# to 64 KiB: tcp_tso_out), and not for IPv6 (rb_port.tso6: the IPv6 echo's
# super-segments are cut in software by net/tso.c: tcp_tso_soft); both
# echoes must hash right and the client's kernel count no checksum error.
# The relay on the same port: curl fetches a file from nginx (both in the
# client's namespace, behind the tap) through the dataplane's socks
# inbound; the relay splices what nginx sent and sends it on as
# super-segments that reference those buffers (tcp_tso_zc, the default
# zc_tx 2), within net_tap's mbufs per frame: the file must hash right.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/proxy_lib.sh"
rb_init
rb_require_cmd curl
[ "$RB_DP_KERNEL" = 1 ] && rb_skip "needs the dataplane"
rb_require_cmd nstat
BYTES=${RB_TCP_TAP_BYTES:-16777216}
RB_NS_DP=$RB_ID-dp
RB_NS_CLI=$RB_ID-cli
rb_netns_add "$RB_NS_DP"
rb_netns_add "$RB_NS_CLI"
rb_ns "$RB_NS_DP" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
TAP=${RB_ID}t
DP4=10.$RB_NET.1.1
CLI4=10.$RB_NET.1.2
DP6=$RB_NET6:1::1
CLI6=$RB_NET6:1::2
WWW4=10.$RB_NET.1.3 # nginx, beside the client
RB_CFG=$RB_TMP/ringbox.cfg
px_control_init
cat >"$RB_CFG" <<CFG
$PX_CTL
log = { level = "info"; };
dataplane = {
  lcores = 1;
  shm_name = "/$RB_ID";
  ports = ( { name = "cli"; device = "net_tap0,iface=$TAP";
              addresses = [ "$DP4/24", "$DP6/64" ]; } );
};
services = ( { type = "diag"; tag = "diag"; echo = 7; chargen = 19; } );
inbounds = ( { type = "socks"; tag = "socks-in"; listen = "$DP4"; listen_port = 1080; } );
outbounds = ( { type = "direct"; tag = "direct"; } );
CFG
rb_dp_start
px_control_start
# The PMD created the tap in the dataplane's namespace: hand it to the client.
ip -n "$RB_NS_DP" link set "$TAP" netns "$RB_NS_CLI" || rb_fail "cannot move $TAP"
ip -n "$RB_NS_CLI" addr add "$CLI4/24" dev "$TAP"
ip -n "$RB_NS_CLI" -6 addr add "$CLI6/64" dev "$TAP" nodad
ip -n "$RB_NS_CLI" addr add "$WWW4/24" dev "$TAP"
ip -n "$RB_NS_CLI" link set "$TAP" up

offl=$(sed -n 's/.*port cli: .* offloads tx \(0x[0-9a-f]*\) rx \(0x[0-9a-f]*\).*/\1 \2/p' \
	"$RB_TMP/dp.out" "$RB_TMP/dp.err" | head -n 1)
read -r txo rxo <<<"$offl"
[ -n "$txo" ] || rb_fail "no offloads in the port's log line"
# RTE_ETH_TX_OFFLOAD_TCP_CKSUM (0x8), RTE_ETH_RX_OFFLOAD_TCP_CKSUM (0x8)
rb_assert_eq $((txo & 0x8)) 8 "net_tap's TX TCP checksum offload enabled (tx $txo)"
rb_assert_eq $((rxo & 0x8)) 8 "net_tap's RX TCP checksum offload enabled (rx $rxo)"
# RTE_ETH_TX_OFFLOAD_TCP_TSO (0x20)
rb_assert_eq $((txo & 0x20)) 32 "net_tap's TCP segmentation offload enabled (tx $txo)"

rb_ns "$RB_NS_CLI" nstat -n >/dev/null
rb_dp_stats
rb_stats_mark
echo_run() { rb_tcp_echo_check "$1" "$2" "$3" net_tap; } # addr bytes timeout
echo_run "$DP4" "$BYTES" 40
echo_run "$DP6" $((BYTES / 4)) 30
# Bulk from the dataplane: chargen (RFC 864) read by the client, every
# byte checked against the pattern; the dataplane's send queue stays full,
# so it sends super-segments.
chargen_run() { # addr bytes
	rb_ns "$RB_NS_CLI" timeout 40 "$RB_PY" - "$1" "$2" "$RB_LIB_DIR" >>"$RB_TMP/client.out" 2>&1 <<'PY' ||
import socket, sys, time
sys.path.insert(0, sys.argv[3])
from tcp_peer import chargen_check, read_n
addr, n = sys.argv[1], int(sys.argv[2])
s = socket.create_connection((addr, 19), timeout=20)
data = read_n(s, n, time.monotonic() + 30)
s.close()
bad = chargen_check(data)
print("chargen %s: %d bytes %s" % (addr, len(data), "ok" if bad is None else "mismatch at %d" % bad))
sys.exit(bad is not None)
PY
		rb_fail "chargen of $2 bytes from $1: $(tail -n 2 "$RB_TMP/client.out" | tr '\n' ' ')"
	rb_note "$(tail -n 1 "$RB_TMP/client.out")"
}
rb_dp_stats
rb_assert_eq "$(rb_stat_delta drop.tcp_bad_csum)" 0 "echo segments dropped for a bad checksum"
rb_stats_mark
chargen_run "$DP4" "$BYTES"
rb_dp_stats
tso4=$(rb_stat_delta event.tcp_tso_out)
soft4=$(rb_stat_delta event.tcp_tso_soft)
rb_assert_ge "$tso4" 16 "IPv4 super-segments handed to net_tap (tcp_tso_out)"
rb_assert_eq "$soft4" 0 "IPv4 super-segments cut in software (tcp_tso_soft)"
rb_note "IPv4 chargen: tcp_tso_out $tso4, tcp_seg_out $(rb_stat_delta event.tcp_seg_out), tx_full $(rb_stat_delta drop.tx_full)"
rb_assert_eq "$(rb_stat_delta drop.tx_full)" 0 "frames net_tap refused (tx_full)"
chargen_run "$DP6" $((BYTES / 4))
rb_dp_stats
rb_assert_ge $(($(rb_stat_delta event.tcp_tso_soft) - soft4)) 16 \
	"IPv6 super-segments cut in software (tcp_tso_soft; net_tap has no IPv6 TSO)"
rb_assert_eq "$(rb_stat_delta drop.tso_bad)" 0 "super-segments dropped as malformed"
rb_note "IPv6 chargen: tcp_tso_soft $(rb_stat_delta event.tcp_tso_soft)"
csum_err=$(rb_ns "$RB_NS_CLI" nstat -az TcpInCsumErrors | awk '/TcpInCsumErrors/ { print $2 }')
rb_assert_eq "${csum_err:-0}" 0 "TCP checksum errors counted by the client's kernel"
rb_dp_stats
rb_assert_stat_delta_ge event.tcp_passive_open 2
rb_assert_eq "$(rb_stat_delta drop.tcp_bad_csum)" 0 "segments the dataplane dropped for a bad checksum"
# The relay: nginx -> tap -> splice -> referenced super-segments -> tap -> curl
PX_BIG=${PX_BIG:-32}
RB_NS_SRV=$RB_NS_CLI RB_SRV_IP4=$WWW4 RB_SRV_IP6=$CLI6 px_nginx_start
rb_stats_mark
got=$(ip netns exec "$RB_NS_CLI" curl -sS --max-time 60 -x "socks5://$DP4:1080" \
	"http://$WWW4:8080/big.bin" | sha256sum | cut -d' ' -f1)
[ "$got" = "$PX_BIG_SHA" ] || rb_fail "$PX_BIG MiB via the socks relay: sha256 $got != $PX_BIG_SHA"
rb_dp_stats
zc=$(rb_stat_delta event.tcp_tso_zc)
rb_note "relay of $PX_BIG MiB: tcp_tso_out $(rb_stat_delta event.tcp_tso_out), tcp_tso_zc $zc, tcp_tso_seg_max $(rb_stat_delta event.tcp_tso_seg_max), tcp_zc_inplace $(rb_stat_delta event.tcp_zc_inplace)"
rb_assert_ge "$zc" 16 "relayed super-segments sent with their payload referenced (tcp_tso_zc)"
rb_assert_eq "$(rb_stat_delta drop.tx_full)" 0 "frames net_tap refused (tx_full)"
csum_err=$(rb_ns "$RB_NS_CLI" nstat -az TcpInCsumErrors | awk '/TcpInCsumErrors/ { print $2 }')
rb_assert_eq "${csum_err:-0}" 0 "TCP checksum errors counted by the client's kernel after the relay"
rb_dp_stop
rb_pass
