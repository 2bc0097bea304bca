#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# The `shadowsocks` outbound (dataplane/ss/ss_out.c) with shadowsocks-libev's
# ss-server as the server:
#   curl (cli ns) -> ringbox socks inbound -> ringbox shadowsocks outbound
#   -> ss-server (srv ns) -> nginx (srv ns)
# for each AEAD method: sha256 of a download (RB_SS_BIG MiB for
# chacha20-ietf-poly1305, RB_SS_SMALL MiB for the others) and of an upload
# (RB_SS_SMALL MiB POST to a hashing server in srv).
# Also: a detour chain (shadowsocks outbound dialled through a socks
# outbound to microsocks), a domain target, and a wrong password (ss-server
# refuses, nothing reaches nginx).
# Ports on lib.sh's default driver (af_xdp; RB_DRIVER=af_packet for the
# other).  The af_packet default of 3256bfc (an af_xdp TX stall after
# 40..230 MB) went with 956f0ee (mbuf pool inside the af_xdp UMEM).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/proxy_lib.sh"
. "$(dirname "$0")/ss_lib.sh"
rb_init
rb_require_cmd curl nginx ss-server microsocks
BIG=${RB_SS_BIG:-100}
SMALL=${RB_SS_SMALL:-16}
rb_topo_two_hosts
METHODS=(chacha20-ietf-poly1305 aes-128-gcm aes-256-gcm xchacha20-ietf-poly1305)
PW=()
ins= outs= rules=
for i in "${!METHODS[@]}"; do
	PW[i]="pw-$i-$RANDOM$RANDOM"
	ins+="{ type = \"socks\"; tag = \"in$i\"; listen = \"$RB_DP_CLI_IP4\"; listen_port = $((1080 + i)); },
  "
	outs+="{ type = \"shadowsocks\"; tag = \"ss$i\"; server = \"$RB_SRV_IP4\"; server_port = $((8388 + i));
    method = \"${METHODS[i]}\"; password = \"${PW[i]}\"; },
  "
	rules+="{ inbound = \"in$i\"; outbound = \"ss$i\"; },
    "
done
PX_MPORT=$((20000 + RANDOM % 20000))
PX_CTL=$(px_control_cfg)
PX_SOCK=$RB_TMP/run/ctl.sock
px_config "
$PX_CTL
inbounds = (
  $ins{ type = \"socks\"; tag = \"in-detour\"; listen = \"$RB_DP_CLI_IP4\"; listen_port = 1090; },
  { type = \"socks\"; tag = \"in-bad\"; listen = \"$RB_DP_CLI_IP4\"; listen_port = 1091; }
);
outbounds = (
  $outs{ type = \"direct\"; tag = \"direct\"; },
  { type = \"socks\"; tag = \"micro\"; server = \"$RB_SRV_IP4\"; server_port = 1099; },
  { type = \"shadowsocks\"; tag = \"ss-via-micro\"; server = \"$RB_SRV_IP4\"; server_port = 8389;
    method = \"${METHODS[1]}\"; password = \"${PW[1]}\"; detour = \"micro\"; },
  { type = \"shadowsocks\"; tag = \"ss-bad\"; server = \"$RB_SRV_IP4\"; server_port = 8390;
    method = \"${METHODS[2]}\"; password = \"not-${PW[2]}\"; }
);
route = {
  rules = (
    $rules{ inbound = \"in-detour\"; outbound = \"ss-via-micro\"; },
    { inbound = \"in-bad\"; outbound = \"ss-bad\"; }
  );
  final = \"direct\";
};
"
rb_dp_start --eal "-m 768"
px_control_start
PX_BIG=$BIG px_nginx_start
head -c "$((SMALL << 20))" "$RB_TMP/www/big.bin" >"$RB_TMP/www/small.bin"
SMALL_SHA=$(sha256sum <"$RB_TMP/www/small.bin" | cut -d' ' -f1)
# A domain target is resolved by ss-server: a name in the srv namespace's
# /etc/hosts (ip netns exec bind-mounts /etc/netns/NS/hosts).
mkdir -p "/etc/netns/$RB_NS_SRV"
echo "$RB_SRV_IP4 origin.ss.test" >"/etc/netns/$RB_NS_SRV/hosts"
trap 'rc=$?; rm -rf "/etc/netns/$RB_NS_SRV"; (exit $rc); rb__on_exit' EXIT
C() { ip netns exec "$RB_NS_CLI" "$@"; }

for i in "${!METHODS[@]}"; do
	rb_bg "$RB_TMP/ss-server-$i.log" ip netns exec "$RB_NS_SRV" ss-server -s "$RB_SRV_IP4" \
		-p $((8388 + i)) -m "${METHODS[i]}" -k "${PW[i]}" -t 30
done
rb_bg "$RB_TMP/micro.log" ip netns exec "$RB_NS_SRV" microsocks -i "$RB_SRV_IP4" -p 1099
ss_hash_server_start
ss_wait_srv_ports 8388 8389 8390 8391 1099 9000
px_wait_proxy "socks5://$RB_DP_CLI_IP4:1080"

for i in "${!METHODS[@]}"; do
	m=${METHODS[i]}
	if [ "$i" = 0 ]; then f=big.bin want=$PX_BIG_SHA mib=$BIG; else f=small.bin want=$SMALL_SHA mib=$SMALL; fi
	# download, upload (POST body byte-exact), a domain target (ATYP 3)
	# resolved by ss-server
	ss_transfer_check "$m through ss-server" "socks5h://$RB_DP_CLI_IP4:$((1080 + i))" "$f" "$want" \
		"$mib" "$RB_TMP/www/small.bin" "$SMALL_SHA" "http://origin.ss.test:8080/index.html"
done

# detour: shadowsocks outbound dialled through the socks outbound (microsocks)
cp "$RB_TMP/www/index.html" "$RB_TMP/www/detour"
PX_TIMEOUT=10 px_curl -x "socks5h://$RB_DP_CLI_IP4:1090" "http://$RB_SRV_IP4:8080/detour"
[ "$PX_OUT" = "hello from srv" ] || rb_fail "detour via microsocks: $PX_OUT"
got=$(C curl -sf --max-time 60 -x "socks5h://$RB_DP_CLI_IP4:1090" \
	"http://$RB_SRV_IP4:8080/small.bin" | sha256sum | cut -d' ' -f1)
[ "$got" = "$SMALL_SHA" ] || rb_fail "detour: download is not byte-exact"

# wrong password: ss-server cannot authenticate us; nothing reaches nginx
cp "$RB_TMP/www/index.html" "$RB_TMP/www/wrongpw"
C curl -sf -o /dev/null --max-time 5 -x "socks5h://$RB_DP_CLI_IP4:1091" \
	"http://$RB_SRV_IP4:8080/wrongpw" && rb_fail "wrong password: the request went through"
rb_assert_eq "$(px_hit access /wrongpw)" 0 "wrong password: requests that reached nginx"

rb_dp_stop
rb_pass "${#METHODS[@]} methods, ${BIG}/${SMALL} MiB, detour"
