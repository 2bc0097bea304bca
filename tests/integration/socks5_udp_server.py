#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""A scripted SOCKS5 server for UDP ASSOCIATE (RFC 1928 sections 3-7) that
misbehaves on purpose, to test a SOCKS5 UDP client (ringbox's socks
outbound).  One listener per mode, on consecutive ports from PORT:

  PORT+0 refuse   the ASSOCIATE reply has REP=1 (general failure)
  PORT+1 garbage  the method reply has version 9
  PORT+2 relay    BND.ADDR 0.0.0.0 (= this server), a UDP relay that answers
                  each datagram (header DST, DATA) with, in order: a
                  fragment (FRAG=1), a header with ATYP 9, 2 bytes, then the
                  echo of DATA with a header naming DST
  PORT+3 closer   like relay, but closes the control connection 1 s after
                  the first datagram

  socks5_udp_server.py ADDR PORT
Prints "ready" once listening, then one line per event.
"""
import socket
import struct
import sys
import threading
import time


def log(msg):
    print(msg, flush=True)


def recv_exact(c, n):
    b = b""
    while len(b) < n:
        d = c.recv(n - len(b))
        if not d:
            raise EOFError
        b += d
    return b


def read_request(c):
    ver, n = recv_exact(c, 2)
    recv_exact(c, n)
    return ver


def relay(addr, ctl, mode):
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    u.bind((addr, 0))
    port = u.getsockname()[1]
    ctl.sendall(b"\x05\x00\x00\x01" + socket.inet_aton("0.0.0.0") + struct.pack("!H", port))
    log("%s: relay on %d" % (mode, port))
    u.settimeout(0.5)
    first = None
    while True:
        if mode == "closer" and first and time.time() - first > 1:
            ctl.close()
            log("closer: control connection closed")
            return
        try:
            d, peer = u.recvfrom(65536)
        except socket.timeout:
            continue
        if first is None:
            first = time.time()
        if len(d) < 10 or d[3] != 1:
            log("%s: unexpected datagram %r" % (mode, d[:12]))
            continue
        hdr, data = d[:10], d[10:]
        log("%s: datagram of %d bytes for %s:%d" % (mode, len(data), socket.inet_ntoa(hdr[4:8]),
                                                   struct.unpack("!H", hdr[8:10])[0]))
        u.sendto(b"\x00\x00\x01" + hdr[3:] + data, peer)      # FRAG=1
        u.sendto(b"\x00\x00\x00\x09" + hdr[4:] + data, peer)  # ATYP 9
        u.sendto(b"\x00\x00", peer)                           # too short
        u.sendto(hdr + data, peer)                            # the echo


def serve(addr, port, mode):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((addr, port))
    s.listen(16)
    while True:
        c, peer = s.accept()
        threading.Thread(target=session, args=(addr, c, peer, mode), daemon=True).start()


def session(addr, c, peer, mode):
    try:
        read_request(c)
        if mode == "garbage":
            c.sendall(b"\x09\x00")
            log("garbage: bad version sent to %s" % peer[0])
            time.sleep(0.5)
            return
        c.sendall(b"\x05\x00")
        req = recv_exact(c, 4)
        if req[3] == 1:
            recv_exact(c, 6)
        elif req[3] == 4:
            recv_exact(c, 18)
        else:
            recv_exact(c, recv_exact(c, 1)[0] + 2)
        log("%s: request cmd %d from %s" % (mode, req[1], peer[0]))
        if mode == "refuse":
            c.sendall(b"\x05\x01\x00\x01\x00\x00\x00\x00\x00\x00")
            time.sleep(0.5)
            return
        relay(addr, c, mode)
        if mode == "relay":
            while c.recv(4096):
                pass
    except (EOFError, OSError) as e:
        log("%s: %s" % (mode, e))
    finally:
        c.close()


def main():
    addr, port = sys.argv[1], int(sys.argv[2])
    for i, mode in enumerate(("refuse", "garbage", "relay", "closer")):
        threading.Thread(target=serve, args=(addr, port + i, mode), daemon=True).start()
    time.sleep(0.3)
    log("ready")
    while True:
        time.sleep(3600)


if __name__ == "__main__":
    main()
