#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""A SOCKS5 UDP ASSOCIATE client (RFC 1928 sections 4-7) for the tests:
asks a DNS server, through the proxy's UDP relay, for A records.

  socks5_udp.py PROXY_IP PROXY_PORT STEP...

With SOCKS5_UDP_ANNOUNCE=1 in the environment the request names the UDP
source port the client will use (RFC 1928 7: DST.ADDR/DST.PORT), instead of
0.0.0.0:0.

Steps, run in order over one association (one TCP connection):
  dns:SERVER:PORT:NAME:WANT   A query for NAME to SERVER (an IP, or a name
                              the proxy resolves); the answer must hold WANT
  echo:SERVER:PORT:SIZE       SIZE random bytes to a UDP echo server: the
                              reply must be byte-exact, from SERVER:PORT
  big:SERVER:PORT:SIZE:WANT   ask udp_echo.py for a SIZE-byte reply ("big:SIZE"):
                              WANT "exact": it must come byte-exact; "none": it
                              must not come (a limit drops it)
  bad:HEX                     send raw datagram bytes (no answer expected)
  foreign:IP:SERVER:PORT:NAME a valid query sent from another local address
                              IP: the relay must not answer it
  sleep:SECONDS
  close                       close the TCP connection, then check that the
                              relay port no longer answers
Prints one line per step; exits 1 at the first failed step.
"""
import os
import socket
import struct
import sys
import time

from udp_echo import big_reply


def fail(msg):
    print("FAIL " + msg)
    sys.exit(1)


def recv_exact(s, n):
    b = b""
    while len(b) < n:
        c = s.recv(n - len(b))
        if not c:
            fail("proxy closed the TCP connection")
        b += c
    return b


def associate(ip, port, u):
    t = socket.create_connection((ip, port), timeout=5)
    t.sendall(b"\x05\x01\x00")
    if recv_exact(t, 2) != b"\x05\x00":
        fail("method selection refused")
    uport = 0
    if os.environ.get("SOCKS5_UDP_ANNOUNCE") == "1":
        u.bind((t.getsockname()[0], 0))
        uport = u.getsockname()[1]
    t.sendall(b"\x05\x03\x00\x01" + socket.inet_aton("0.0.0.0") + struct.pack("!H", uport))
    rep = recv_exact(t, 4)
    if rep[1] != 0:
        fail("UDP ASSOCIATE refused, REP=%d" % rep[1])
    if rep[3] == 1:
        addr = socket.inet_ntoa(recv_exact(t, 4))
    elif rep[3] == 4:
        addr = socket.inet_ntop(socket.AF_INET6, recv_exact(t, 16))
    else:
        fail("unexpected ATYP %d in the reply" % rep[3])
    (bport,) = struct.unpack("!H", recv_exact(t, 2))
    return t, addr, bport


def header(host, port):
    try:
        return b"\x00\x00\x00\x01" + socket.inet_aton(host) + struct.pack("!H", port)
    except OSError:
        h = host.encode()
        return b"\x00\x00\x00\x03" + bytes([len(h)]) + h + struct.pack("!H", port)


def dns_query(name, qid):
    q = struct.pack("!HHHHHH", qid, 0x0100, 1, 0, 0, 0)
    for label in name.split("."):
        q += bytes([len(label)]) + label.encode()
    return q + b"\x00" + struct.pack("!HH", 1, 1)


def dns_answers(msg):
    qd, an = struct.unpack("!HH", msg[4:8])
    off = 12
    for _ in range(qd):
        while msg[off]:
            off += msg[off] + 1
        off += 5
    out = []
    for _ in range(an):
        if msg[off] & 0xC0 == 0xC0:
            off += 2
        else:
            while msg[off]:
                off += msg[off] + 1
            off += 1
        typ, _cls, _ttl, rdlen = struct.unpack("!HHIH", msg[off:off + 10])
        off += 10
        if typ == 1:
            out.append(socket.inet_ntoa(msg[off:off + 4]))
        off += rdlen
    return out


def main():
    ip, port = sys.argv[1], int(sys.argv[2])
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    t, raddr, rport = associate(ip, port, u)
    print("associated: relay %s:%d" % (raddr, rport))
    u.settimeout(3)
    relay = (raddr, rport)
    qid = os.getpid() & 0xFFFF
    for step in sys.argv[3:]:
        kind, _, arg = step.partition(":")
        if kind == "dns":
            server, sport, name, want = arg.split(":")
            qid = (qid + 1) & 0xFFFF
            u.sendto(header(server, int(sport)) + dns_query(name, qid), relay)
            try:
                d, frm = u.recvfrom(4096)
            except socket.timeout:
                fail("dns %s via %s: no answer" % (name, server))
            if frm != relay:
                fail("answer from %s, not the relay" % (frm,))
            if d[:3] != b"\x00\x00\x00" or d[3] != 1:
                fail("reply header %r" % d[:10])
            src = socket.inet_ntoa(d[4:8])
            (sp,) = struct.unpack("!H", d[8:10])
            body = d[10:]
            (rid,) = struct.unpack("!H", body[:2])
            if rid != qid:
                fail("DNS id %d, expected %d" % (rid, qid))
            ans = dns_answers(body)
            if want not in ans:
                fail("dns %s: answers %s, expected %s" % (name, ans, want))
            print("dns %s -> %s (reply from %s:%d)" % (name, ",".join(ans), src, sp))
        elif kind == "echo":
            server, sport, size = arg.split(":")
            data = os.urandom(int(size))
            u.sendto(header(server, int(sport)) + data, relay)
            try:
                d, frm = u.recvfrom(65536)
            except socket.timeout:
                fail("echo %s bytes via %s: no answer" % (size, server))
            if frm != relay:
                fail("answer from %s, not the relay" % (frm,))
            want = header(server, int(sport))
            if d[:len(want)] != want:
                fail("echo reply header %r, expected %r" % (d[:len(want)], want))
            if d[len(want):] != data:
                fail("echo %s bytes: %d bytes back, not the same" % (size, len(d) - len(want)))
            print("echo %s bytes from %s:%s: byte-exact" % (size, server, sport))
        elif kind == "big":
            server, sport, size, want = arg.split(":")
            hdr = header(server, int(sport))
            u.sendto(hdr + b"big:%d" % int(size), relay)
            try:
                d, frm = u.recvfrom(65536)
            except socket.timeout:
                d = None
            if want == "none":
                if d is not None:
                    fail("big %s bytes: %d bytes came back" % (size, len(d) - len(hdr)))
                print("big %s bytes from %s:%s: none came" % (size, server, sport))
                continue
            if d is None:
                fail("big %s bytes via %s: no answer" % (size, server))
            if d[:len(hdr)] != hdr or d[len(hdr):] != big_reply(int(size)):
                fail("big %s bytes: %d bytes back, not the same" % (size, len(d) - len(hdr)))
            print("big %s bytes from %s:%s: byte-exact" % (size, server, sport))
        elif kind == "bad":
            u.sendto(bytes.fromhex(arg), relay)
            print("sent %d bad bytes" % (len(arg) // 2))
        elif kind == "foreign":
            fip, server, sport, name = arg.split(":")
            f = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            f.bind((fip, 0))
            f.settimeout(1.5)
            f.sendto(header(server, int(sport)) + dns_query(name, 7), relay)
            try:
                f.recvfrom(4096)
                fail("the relay answered a datagram from %s" % fip)
            except socket.timeout:
                print("foreign %s: no answer" % fip)
            f.close()
        elif kind == "sleep":
            time.sleep(float(arg))
            print("slept %s s" % arg)
        elif kind == "close":
            t.close()
            time.sleep(0.3)
            u.sendto(header("127.0.0.1", 53) + dns_query("x.test", 1), relay)
            try:
                u.recvfrom(4096)
                fail("the relay still answers after the TCP connection closed")
            except (socket.timeout, ConnectionRefusedError):
                print("closed: the relay port is gone")
        else:
            fail("unknown step " + step)
    print("OK")


if __name__ == "__main__":
    main()
