#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# TCP/ICMP: path MTU discovery (RFC 1191, RFC 8201) and ICMP hard errors
# (RFC 1122 4.2.3.9) against Linux routers and hosts.
#
#   cli --- dp (ringbox) --- srv (a Linux router) ===(1280)=== far
#
# srv forwards between the dataplane's srv port and a far namespace; its
# veth end towards far has MTU 1280, far's end 1500, so far's TCP still
# announces MSS 1460 and srv answers the dataplane's full-sized DF
# segments with Fragmentation Needed (MTU 1280) / Packet Too Big.
#  (a) far reads 3 MB from the dataplane's diag chargen over IPv4 and IPv6
#      (pattern checked byte for byte) and downloads 8 MiB from an origin
#      in cli through the socks inbound (sha256); tcp_pmtu_lowered moves,
#      and the socks connections to far start lowered (tcp_pmtu_cache_hit).
#      With a dataplane that ignores the ICMP (RB_DP_BIN of an older
#      build) the reads stall and the test fails.
#  (0) before (a), the same reads (1 MiB each) through a black hole: srv's
#      nftables drops the ICMP errors it sends (output hook); the dataplane
#      halves its MSS after three RTOs in a row (tcp_pmtu_blackhole >= 2,
#      tcp_icmp_rcvd 0) and the pattern still checks.
#  (b) cli connects through the socks and http inbounds to far ports that
#      far's nftables rejects with ICMP port unreachable and srv's with
#      administratively prohibited: the socks reply is 5 (refused) / 4
#      (host unreachable) and the http answer 502, each well under the
#      1 s of the first SYN retransmission.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/proxy_lib.sh"
rb_init
rb_require_cmd nft
rb_require_cmd curl
rb_topo_two_hosts

NS_FAR=$RB_ID-far
IF_RF=${RB_ID}r      # srv's end, MTU 1280
IF_FR=${RB_ID}f      # far's end, MTU 1500
FAR4=10.$RB_NET.3.2
RTR_FAR4=10.$RB_NET.3.1
FAR6=$RB_NET6:3::2
RTR_FAR6=$RB_NET6:3::1
rb_netns_add "$NS_FAR"
rb_veth "$RB_NS_SRV" "$IF_RF" "$NS_FAR" "$IF_FR"
ip -n "$RB_NS_SRV" link set "$IF_RF" mtu 1280 || rb_fail "mtu 1280 on $IF_RF"
ip -n "$RB_NS_SRV" addr add "$RTR_FAR4/24" dev "$IF_RF"
ip -n "$RB_NS_SRV" -6 addr add "$RTR_FAR6/64" dev "$IF_RF" nodad
ip -n "$NS_FAR" addr add "$FAR4/24" dev "$IF_FR"
ip -n "$NS_FAR" -6 addr add "$FAR6/64" dev "$IF_FR" nodad
ip -n "$NS_FAR" route add default via "$RTR_FAR4"
ip -n "$NS_FAR" -6 route add default via "$RTR_FAR6"
rb_ns "$RB_NS_SRV" sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1 >/dev/null ||
	rb_fail "forwarding in srv"
# (b): far refuses port 7001 with ICMP port unreachable, srv forbids 7002
rb_ns "$NS_FAR" nft -f - <<EOF || rb_fail "nft in far"
table inet rbpmtu {
  chain c_in {
    type filter hook input priority 0;
    tcp dport 7001 reject with icmpx type port-unreachable
  }
}
EOF
rb_ns "$RB_NS_SRV" nft -f - <<EOF || rb_fail "nft in srv"
table inet rbpmtu {
  chain c_fwd {
    type filter hook forward priority 0;
    tcp dport 7002 reject with icmpx type admin-prohibited
  }
}
EOF

PX_CTL=$(px_control_cfg)
PX_SOCK=$RB_TMP/run/ctl.sock
RB_CFG_DP_EXTRA="routes = (
  { prefix = \"10.$RB_NET.3.0/24\"; via = \"$RB_SRV_IP4\"; port = \"srv\"; },
  { prefix = \"$RB_NET6:3::/64\"; via = \"$RB_SRV_IP6\"; port = \"srv\"; } );"
px_config "
$PX_CTL
services = ( { type = \"diag\"; tag = \"diag\"; echo = 7; discard = 9; chargen = 19; } );
inbounds = (
  { type = \"socks\"; tag = \"socks-in\"; listen_port = 1080; },
  { type = \"http\"; tag = \"http-in\"; listen = \"$RB_DP_CLI_IP4\"; listen_port = 3128; }
);
outbounds = ( { type = \"direct\"; tag = \"direct\"; } );
route = { final = \"direct\"; };
"
rb_dp_start --eal "-m 768"
px_control_start
px_wait_rules

# the origin in cli: 8 MiB over HTTP
mkdir -p "$RB_TMP/www"
head -c $((8 << 20)) /dev/urandom >"$RB_TMP/www/big.bin"
BIG_SHA=$(sha256sum "$RB_TMP/www/big.bin" | cut -d' ' -f1)
rb_bg "$RB_TMP/origin.out" ip netns exec "$RB_NS_CLI" "$RB_PY" -m http.server --bind "$RB_CLI_IP4" \
	--directory "$RB_TMP/www" 8000
rb_wait_for 5 ip netns exec "$RB_NS_CLI" curl -sf -o /dev/null "http://$RB_CLI_IP4:8000/" ||
	rb_fail "origin did not come up"

# far -> dataplane through the router (warms ARP/ND on every hop)
rb_check_ping "$NS_FAR" "$RB_DP_SRV_IP4" 2
rb_check_ping "$NS_FAR" "$RB_DP_SRV_IP6" 2
rb_dp_stats
rb_stats_mark

# (a) chargen over the 1280 link: far's kernel reads N bytes and checks RFC 864's pattern
CHARGEN=$RB_TMP/chargen.py
cat >"$CHARGEN" <<'PY'
import socket, sys, time
addr, n = sys.argv[1], int(sys.argv[2])
t0 = time.monotonic()
s = socket.create_connection((addr, 19), timeout=10)
buf = bytearray()
try:
    while len(buf) < n:
        b = s.recv(65536)
        if not b:
            break
        buf.extend(b)
except socket.timeout:
    print("chargen", addr, "STALLED after", len(buf), "bytes")
    sys.exit(1)
s.close()
want = bytes((32 + (i // 74 + i % 74) % 95) if i % 74 < 72 else (13 if i % 74 == 72 else 10)
             for i in range(n))
ok = bytes(buf[:n]) == want
print("chargen", addr, len(buf), "ok" if ok else "BAD-PATTERN", "%.2f s" % (time.monotonic() - t0))
sys.exit(0 if ok else 1)
PY

# (0) a PMTU black hole first (far's addresses not yet in the destination
# cache): srv's nftables drops the Fragmentation Needed / Packet Too Big it
# sends, so the dataplane's full-sized segments vanish without a word; three
# RTOs in a row halve the MSS (mtu_probing, default 1) and the reads finish
rb_ns "$RB_NS_SRV" nft -f - <<EOF || rb_fail "nft black hole in srv"
table inet rbbh {
  chain c_out {
    type filter hook output priority 0;
    icmp type destination-unreachable icmp code frag-needed counter drop
    icmpv6 type packet-too-big counter drop
  }
}
EOF
for dst in "$RB_DP_SRV_IP4" "$RB_DP_SRV_IP6"; do
	out=$(rb_ns "$NS_FAR" timeout 20 "$RB_PY" "$CHARGEN" "$dst" $((1 << 20)) 2>&1) ||
		{ rb_tcp_diag "$NS_FAR"; rb_fail "chargen from $dst through the black hole: $out"; }
	rb_note "black hole: $out"
done
bh_drops=$(rb_ns "$RB_NS_SRV" nft list table inet rbbh | grep -o 'packets [0-9]*' | awk '{ s += $2 } END { print s + 0 }')
rb_ns "$RB_NS_SRV" nft delete table inet rbbh || rb_fail "nft delete rbbh"
rb_dp_stats
rb_note "black hole: ICMP errors dropped by srv $bh_drops, tcp_pmtu_blackhole $(rb_stat_delta event.tcp_pmtu_blackhole), RTOs $(rb_stat_delta event.tcp_rto)"
rb_assert_ge "$bh_drops" 2 "ICMP errors srv dropped"
rb_assert_stat_delta_ge event.tcp_pmtu_blackhole 2
[ "$RB_DP_KERNEL" = 1 ] || rb_assert_eq "$(rb_stat_delta event.tcp_icmp_rcvd)" 0 "ICMP errors to TCP in the black hole"
rb_stats_mark

for dst in "$RB_DP_SRV_IP4" "$RB_DP_SRV_IP6"; do
	out=$(rb_ns "$NS_FAR" timeout 30 "$RB_PY" "$CHARGEN" "$dst" $((3 << 20)) 2>&1) ||
		{ rb_tcp_diag "$NS_FAR"; rb_fail "chargen from $dst over the 1280 link: $out"; }
	rb_note "$out"
done
rb_dp_stats
rb_assert_stat_delta_ge event.tcp_pmtu_lowered 2
rb_assert_stat_delta_ge event.tcp_icmp_rcvd 2

# (a) through the socks inbound: far downloads from the origin in cli
for p in "$RB_DP_SRV_IP4" "[$RB_DP_SRV_IP6]"; do
	got=$(rb_ns "$NS_FAR" curl -sS --max-time 30 -x "socks5h://$p:1080" \
		"http://$RB_CLI_IP4:8000/big.bin" 2>"$RB_TMP/curl.err" | sha256sum | cut -d' ' -f1)
	[ "$got" = "$BIG_SHA" ] ||
		rb_fail "8 MiB via socks5 $p over the 1280 link: sha256 $got ($(tr '\n' ' ' <"$RB_TMP/curl.err"))"
done
rb_dp_stats
# far's addresses are in the destination cache since the chargen reads: the
# proxy's connections to far start with the learnt MSS (tcp_pmtu.c) where
# they run on the lcore that learnt it (the cache is per lcore; one lcore:
# always), else they learn it themselves
rb_assert_ge $(($(rb_stat_delta event.tcp_pmtu_cache_hit) + $(rb_stat_delta event.tcp_pmtu_lowered))) 4 \
	"connections that learnt the path or found it cached"
[ "$RB_LCORES" = 1 ] && rb_assert_stat_delta_ge event.tcp_pmtu_cache_hit 2
rb_note "pmtu: lowered $(rb_stat_delta event.tcp_pmtu_lowered), cache hits $(rb_stat_delta event.tcp_pmtu_cache_hit), icmp to tcp $(rb_stat_delta event.tcp_icmp_rcvd), ignored $(rb_stat_delta drop.tcp_icmp_pmtu_ignored), retransmits $(rb_stat_delta event.tcp_retransmit), RTOs $(rb_stat_delta event.tcp_rto)"

# (b) a SOCKS5 CONNECT's reply code and how long it took
SOCKS=$RB_TMP/socks_connect.py
cat >"$SOCKS" <<'PY'
import socket, struct, sys, time
proxy, dst, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
fam = socket.AF_INET6 if ":" in dst else socket.AF_INET
s = socket.create_connection((proxy, 1080), timeout=10)
s.sendall(b"\x05\x01\x00")
assert s.recv(2) == b"\x05\x00"
t0 = time.monotonic()
atyp = 4 if fam == socket.AF_INET6 else 1
s.sendall(b"\x05\x01\x00" + bytes([atyp]) + socket.inet_pton(fam, dst) + struct.pack("!H", port))
r = s.recv(64)
print(r[1] if len(r) > 1 else -1, "%.3f" % (time.monotonic() - t0))
PY
check_socks() { # dst port want-rep what
	local out rep secs
	out=$(rb_ns "$RB_NS_CLI" timeout 20 "$RB_PY" "$SOCKS" "$RB_DP_CLI_IP4" "$1" "$2" 2>&1) ||
		rb_fail "socks connect to $1:$2 ($4): $out"
	read -r rep secs <<<"$out"
	rb_assert_eq "$rep" "$3" "socks5 reply for $4 ($1:$2)"
	awk -v s="$secs" 'BEGIN { exit !(s < 0.8) }' ||
		rb_fail "socks5 reply for $4 ($1:$2) took $secs s (SYN retransmission: 1 s)"
	rb_note "socks $4 $1:$2: reply $rep after $secs s"
}
check_socks "$FAR4" 7001 5 "port unreachable"
check_socks "$FAR6" 7001 5 "port unreachable v6"
check_socks "$FAR4" 7002 4 "admin prohibited"
check_socks "$FAR6" 7002 4 "admin prohibited v6"
out=$(rb_ns "$RB_NS_CLI" curl -s -o /dev/null -w '%{http_code} %{time_total}' --max-time 10 \
	-x "http://$RB_DP_CLI_IP4:3128" "http://$FAR4:7001/" 2>&1)
read -r code secs <<<"$out"
rb_assert_eq "$code" 502 "http proxy answer for a refused origin"
awk -v s="$secs" 'BEGIN { exit !(s < 0.8) }' || rb_fail "http 502 took $secs s"
rb_note "http via proxy to $FAR4:7001: $code after $secs s"
rb_dp_stats
rb_assert_stat_delta_ge event.tcp_icmp_hard 5

rb_dp_stop
rb_pass
