#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# TCP/UDP stack: the diag services (RFC 862/863/864) answered by the
# dataplane, from the kernel TCP of the cli namespace over AF_XDP: echo
# integrity (SHA-256) over IPv4 and IPv6, clean and with 5 % random loss
# injected by nftables in cli (both directions), discard, chargen, UDP echo,
# RST for a closed port and ICMP port unreachable for UDP.
. "$(dirname "$0")/lib.sh"
rb_init
rb_require_cmd nft
RB_CFG_EXTRA='services = ( { type = "diag"; tag = "diag"; echo = 7; discard = 9; chargen = 19; } );'
rb_topo_two_hosts
rb_dp_start

CLIENT=$RB_TMP/diag_client.py
cat >"$CLIENT" <<'PY'
import hashlib, os, socket, sys, threading, time

def fam(a):
    return socket.AF_INET6 if ":" in a else socket.AF_INET

def echo(addr, n):
    data = os.urandom(n)
    t0 = time.monotonic()
    s = socket.create_connection((addr, 7), timeout=30)
    got = bytearray()
    def rd():
        while True:
            b = s.recv(65536)
            if not b:
                break
            got.extend(b)
    t = threading.Thread(target=rd); t.start()
    s.sendall(data); s.shutdown(socket.SHUT_WR)
    t.join(60); s.close()
    ok = hashlib.sha256(data).hexdigest() == hashlib.sha256(bytes(got)).hexdigest()
    dt = time.monotonic() - t0
    print("echo", addr, n, len(got), "ok" if ok else "MISMATCH", "%.1f MB/s each way" % (n / dt / 1e6))
    return ok

def discard(addr, n):
    s = socket.create_connection((addr, 9), timeout=30)
    s.sendall(os.urandom(n)); s.shutdown(socket.SHUT_WR)
    rest = s.recv(10)
    s.close()
    print("discard", addr, n, "ok" if rest == b"" else "GOT-DATA")
    return rest == b""

def chargen(addr, n):
    s = socket.create_connection((addr, 19), timeout=30)
    buf = bytearray()
    while len(buf) < n:
        b = s.recv(65536)
        if not b:
            break
        buf.extend(b)
    s.close()
    want = bytes(bytearray((32 + (i // 74 + i % 74) % 95) if i % 74 < 72 else (13 if i % 74 == 72 else 10) for i in range(n)))
    ok = bytes(buf[:n]) == want
    print("chargen", addr, n, "ok" if ok else "BAD-PATTERN")
    return ok

def refused(addr):
    try:
        socket.create_connection((addr, 4444), timeout=10)
    except ConnectionRefusedError:
        print("refused", addr, "ok"); return True
    except Exception as e:
        print("refused", addr, "UNEXPECTED", e); return False
    print("refused", addr, "CONNECTED"); return False

def udp(addr):
    s = socket.socket(fam(addr), socket.SOCK_DGRAM); s.settimeout(2)
    s.connect((addr, 7))
    ok = False
    for _ in range(5):
        s.send(b"udp-echo-test")
        try:
            ok = s.recv(100) == b"udp-echo-test"; break
        except socket.timeout:
            pass
    u = socket.socket(fam(addr), socket.SOCK_DGRAM); u.settimeout(2)
    u.connect((addr, 4444)); unreach = False
    for _ in range(5):
        u.send(b"x")
        try:
            u.recv(10)
        except ConnectionRefusedError:
            unreach = True; break
        except socket.timeout:
            pass
    print("udp", addr, "echo", ok, "unreachable", unreach)
    return ok and unreach

cmd, addr = sys.argv[1], sys.argv[2]
n = int(sys.argv[3]) if len(sys.argv) > 3 else 0
r = {"echo": lambda: echo(addr, n), "discard": lambda: discard(addr, n),
     "chargen": lambda: chargen(addr, n), "refused": lambda: refused(addr),
     "udp": lambda: udp(addr)}[cmd]()
sys.exit(0 if r else 1)
PY

run() { # what args...
	rb_ns "$RB_NS_CLI" timeout 120 "$RB_PY" "$CLIENT" "$@" >>"$RB_TMP/client.out" 2>&1 ||
		rb_fail "$*: $(tail -n 2 "$RB_TMP/client.out" | tr '\n' ' ')"
}

rb_dp_stats
rb_stats_mark
for a in "$RB_DP_CLI_IP4" "$RB_DP_CLI_IP6"; do
	run echo "$a" 4000000
	run discard "$a" 2000000
	run chargen "$a" 200000
	run refused "$a"
	run udp "$a"
done
rb_dp_stats
rb_assert_stat_delta_ge event.tcp_passive_open 6
rb_assert_stat_delta_ge drop.tcp_no_listener 2
rb_assert_stat_delta_ge drop.udp_no_listener 2
rb_assert_stat_delta_ge event.udp_rx 2
rb_stats_mark

# 5 % loss each way, injected in the client namespace.
rb_ns "$RB_NS_CLI" nft -f - 2>"$RB_TMP/nft.err" <<NFT || rb_fail "nft setup failed: $(head -c 300 "$RB_TMP/nft.err")"
table inet ${RB_ID}loss {
  chain out { type filter hook output priority 0; meta l4proto tcp numgen random mod 100 < 5 drop; }
  chain in { type filter hook input priority 0; meta l4proto tcp numgen random mod 100 < 5 drop; }
}
NFT
for a in "$RB_DP_CLI_IP4" "$RB_DP_CLI_IP6"; do
	run echo "$a" 2000000
done
rb_dp_stats
rb_assert_stat_delta_ge event.tcp_retransmit 1
rb_assert_stat_delta_ge event.tcp_passive_open 2
rb_ns "$RB_NS_CLI" nft delete table inet "${RB_ID}loss"
rb_note "$(grep '^echo' "$RB_TMP/client.out" | tr '\n' ';') retransmits $(rb_stat_delta event.tcp_retransmit) rto $(rb_stat_delta event.tcp_rto) fast_recovery $(rb_stat_delta event.tcp_fast_recovery)"
rb_dp_stop
rb_pass
