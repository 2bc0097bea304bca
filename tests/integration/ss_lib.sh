# shellcheck shell=bash
# SPDX-License-Identifier: BSD-3-Clause
# Helpers shared by the shadowsocks tests (test_ss_outbound.sh,
# test_ss_2022.sh, test_ss_2022_udp.sh, test_proxy_chain.sh,
# test_udp_socks_over_ss.sh, test_ss_relay.sh, test_ss_relay_udp.sh);
# sourced after lib.sh and proxy_lib.sh.

# hash_server.py in srv on $RB_SRV_IP4:9000: a POST is answered with the
# sha256 of its body (upload checks).
ss_hash_server_start() {
	rb_bg "$RB_TMP/hashsrv.log" ip netns exec "$RB_NS_SRV" "$RB_PY" \
		"$RB_LIB_DIR/hash_server.py" "$RB_SRV_IP4" 9000
}

# Until each TCP port of $RB_SRV_IP4 in srv accepts (the peers started).
ss_wait_srv_ports() { # port...
	local p
	for p in "$@"; do
		rb_wait_for 5 ip netns exec "$RB_NS_SRV" bash -c "exec 3<>/dev/tcp/$RB_SRV_IP4/$p" ||
			rb_fail "peer on port $p did not start"
	done
}

# Through PROXY (a curl -x URL; the client in cli): a download of nginx's
# FILE whose sha256 must be WANT (MIB MiB; the rate is noted), an upload
# of UPFILE (sha256 UPSHA) to hash_server.py, and a GET of URL (a domain
# target) that must answer "hello from srv".  NAME prefixes the failures.
ss_transfer_check() { # name proxy file want mib upfile upsha url
	local got t0 t1
	t0=$(date +%s.%N)
	got=$(ip netns exec "$RB_NS_CLI" curl -sf --max-time 90 -x "$2" "http://$RB_SRV_IP4:8080/$3" |
		sha256sum | cut -d' ' -f1)
	t1=$(date +%s.%N)
	[ "$got" = "$4" ] || rb_fail "$1: $5 MiB download is not byte-exact"
	rb_note "$1: $5 MiB byte-exact ($(awk -v m="$5" -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", m / (b - a) }') MiB/s)"
	got=$(ip netns exec "$RB_NS_CLI" curl -sf --max-time 60 -x "$2" --data-binary @"$6" \
		-H "Expect:" "http://$RB_SRV_IP4:9000/up")
	[ "$got" = "$7" ] || rb_fail "$1: upload is not byte-exact ($got)"
	PX_TIMEOUT=10 px_curl -x "$2" "$8"
	[ "$PX_OUT" = "hello from srv" ] || rb_fail "$1: domain target: $PX_OUT"
}

# A sample of control's /metrics (PX_MPORT), 0 when absent.
ss_metric() { # name{labels}
	curl -s "http://127.0.0.1:$PX_MPORT/metrics" | awk -v k="$1" '$1 == k { v = $2 } END { print v + 0 }'
}

# Until the sample rises above OLD (up to 5 s), else fail with WHAT.
ss_metric_wait_gt() { # name{labels} old what
	local i
	for ((i = 0; i < 50; i++)); do
		[ "$(ss_metric "$1")" -gt "$2" ] && return 0
		sleep 0.1
	done
	rb_fail "$3: $1 did not move from $2"
}

# ss-server (shadowsocks-libev) in srv on $RB_SRV_IP4:PORT, going out from
# EXT (an address of srv), verbose, log in $RB_TMP/ss-NAME.log; extra
# arguments follow (-u: UDP too).  SS_SERVER_PID: its process.
ss_server_start() { # name port method password ext [args...]
	local name=$1 port=$2 m=$3 pw=$4 ext=$5
	shift 5
	rb_require_cmd ss-server
	rb_bg "$RB_TMP/ss-$name.log" ip netns exec "$RB_NS_SRV" ss-server -s "$RB_SRV_IP4" \
		-p "$port" -m "$m" -k "$pw" -b "$ext" -t 30 -v "$@"
	SS_SERVER_PID=$RB_BG_PID
	ss_wait_srv_ports "$port"
}

# Per-worker counts of a dataplane event or drop reason (ringboxctl --json
# stats, PX_SOCK): "lcore:count ..." of the non-zero ones.
ss_lcore_counts() { # events|drops name
	local i j
	for ((i = 0; i < 20; i++)); do
		j=$(px_rbctl --json stats 2>/dev/null)
		/usr/bin/python3 -c "
import json, sys
rows = json.loads(sys.argv[3])['data'][sys.argv[1]]
key = 'event' if sys.argv[1] == 'events' else 'reason'
print(' '.join('%s:%s' % (r['lcore'], r['count']) for r in rows if r[key] == sys.argv[2] and r['count']))" \
			"$1" "$2" "$j" 2>/dev/null && return 0
		sleep 0.1 # control not attached yet
	done
	rb_fail "ringboxctl --json stats: $j"
}

# The sum of "lcore:count ..." (ss_lcore_counts).
ss_lcore_sum() { # counts
	local x n=0
	for x in $1; do n=$((n + ${x#*:})); done
	echo "$n"
}

# The relay test's config (test_ss_relay.sh, test_ss_relay_udp.sh), after
# $PX_CTL: SIP023 relay "relay" on $RB_DP_SRV_IP4:18400 with destinations
# dest-a (srv 8401 -> inbound "sa" on 18401, multi-user) and dest-b (8402
# -> "sb" on 18402, single key); per client tag, in order, a socks inbound
# c-<tag> on $RB_DP_CLI_IP4:1080.. routed to a 2022 outbound o-<tag> to
# srv 8400 (-> the relay) whose key is: a R:IA:UA, b R:PB, x R:X (no
# destination), w R:IA:UX (wrong user), d R:PD (adds dest-dead, srv 8409).
# Every shadowsocks inbound gets network = NETWORK and OPTS.  Fresh keys.
ss_relay_cfg() { # network opts tag...
	local net=$1 opts=$2 M=2022-blake3-aes-256-gcm R IA UA PB PD X UX
	local t i=0 dead="" cin="" cout="" rules="" pw
	shift 2
	k() { openssl rand -base64 32; }
	R=$(k) IA=$(k) UA=$(k) PB=$(k) PD=$(k) X=$(k) UX=$(k)
	for t in "$@"; do
		case $t in
		a) pw="$R:$IA:$UA" ;;
		b) pw="$R:$PB" ;;
		x) pw="$R:$X" ;;
		w) pw="$R:$IA:$UX" ;;
		d) pw="$R:$PD" dead=",
      { name = \"dest-dead\"; server = \"$RB_SRV_IP4\"; server_port = 8409; password = \"$PD\"; }" ;;
		*) rb_fail "ss_relay_cfg: tag $t" ;;
		esac
		cin+="  { type = \"socks\"; tag = \"c-$t\"; listen = \"$RB_DP_CLI_IP4\"; listen_port = $((1080 + i)); },
"
		cout+="  { type = \"shadowsocks\"; tag = \"o-$t\"; server = \"$RB_SRV_IP4\"; server_port = 8400;
    method = \"$M\"; password = \"$pw\"; network = \"$net\"; },
"
		rules+="${rules:+, }{ inbound = \"c-$t\"; outbound = \"o-$t\"; }"
		i=$((i + 1))
	done
	echo "inbounds = (
$cin  { type = \"shadowsocks\"; tag = \"relay\"; listen = \"$RB_DP_SRV_IP4\"; listen_port = 18400;
    method = \"$M\"; password = \"$R\"; network = \"$net\";$opts
    destinations = (
      { name = \"dest-a\"; server = \"$RB_SRV_IP4\"; server_port = 8401; password = \"$IA\"; },
      { name = \"dest-b\"; server = \"$RB_SRV_IP4\"; server_port = 8402; password = \"$PB\"; }$dead
    ); },
  { type = \"shadowsocks\"; tag = \"sa\"; listen = \"$RB_DP_SRV_IP4\"; listen_port = 18401;
    method = \"$M\"; password = \"$IA\"; network = \"$net\";$opts
    users = ( { username = \"ua\"; password = \"$UA\"; } ); },
  { type = \"shadowsocks\"; tag = \"sb\"; listen = \"$RB_DP_SRV_IP4\"; listen_port = 18402;
    method = \"$M\"; password = \"$PB\"; network = \"$net\";$opts }
);
outbounds = (
$cout  { type = \"direct\"; tag = \"direct\"; }
);
route = {
  rules = ( $rules );
  final = \"direct\";
};"
}

# ss_udp_relay.py in srv: the UDP echo on $RB_SRV_IP4:7007 and, per
# SRVPORT:DPPORT, a relay from $RB_SRV_IP4:SRVPORT to $RB_DP_SRV_IP4:DPPORT
# (the dataplane cannot send to its own addresses; packets recorded in
# $RB_TMP); waits until it is ready, then pings the dataplane from cli and
# srv so neither side's first datagram waits for a neighbour entry.
ss_udp_relay_start() { # srvport:dpport...
	local a=() s
	for s in "$@"; do a+=("${s%%:*}:$RB_DP_SRV_IP4:${s#*:}"); done
	rb_bg "$RB_TMP/relay.log" ip netns exec "$RB_NS_SRV" "$RB_PY" "$RB_LIB_DIR/ss_udp_relay.py" \
		"$RB_SRV_IP4" 7007 "$RB_TMP" "${a[@]}"
	rb_wait_for 5 grep -q ready "$RB_TMP/relay.log" || rb_fail "UDP relay did not start"
	ip netns exec "$RB_NS_CLI" ping -c 1 -W 1 "$RB_DP_CLI_IP4" >/dev/null 2>&1
	ip netns exec "$RB_NS_SRV" ping -c 1 -W 1 "$RB_DP_SRV_IP4" >/dev/null 2>&1
}
