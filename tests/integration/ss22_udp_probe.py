#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""An independent Shadowsocks 2022 UDP client for 2022-blake3-chacha20-poly1305
(SIP022 4.1), written from the spec with python3-cryptography (XChaCha20 =
HChaCha20 subkey + ChaCha20-Poly1305; HChaCha20 recovered from one raw
ChaCha20 block).  Sends request packets to a server and checks its replies.

  ss22_udp_probe.py SERVER PORT PSK_B64 TARGET_IP TARGET_PORT STEP...

Steps (one client session, packet ids counted from 0):
  send:SKEW      a packet "probe-<id>" with timestamp now+SKEW: prints
                 "reply ok" (a reply that opens under the PSK, type 1, our
                 client session id, a server session id not ours, the echo
                 of our payload from TARGET) or "silent" (nothing in 1.5 s)
  again          the last packet sent once more, same output
Exits 2 when python3-cryptography is missing, 1 on a malformed reply.
"""
import base64
import os
import socket
import struct
import sys
import time

try:
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms
    from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305
except ImportError:
    print("no python3-cryptography")
    sys.exit(2)

SIGMA = struct.unpack("<4I", b"expand 32-byte k")


def hchacha20(key, n16):
    # one ChaCha20 block with state words 12..15 = n16 is (rounds(state) +
    # state); HChaCha20 is rounds(state) words 0..3 and 12..15
    ks = Cipher(algorithms.ChaCha20(key, n16), mode=None).encryptor().update(b"\0" * 64)
    w = struct.unpack("<16I", ks)
    inp = struct.unpack("<4I", n16)
    out = [(w[i] - SIGMA[i]) & 0xFFFFFFFF for i in range(4)]
    out += [(w[12 + i] - inp[i]) & 0xFFFFFFFF for i in range(4)]
    return struct.pack("<8I", *out)


def xseal(key, nonce, pt):
    return ChaCha20Poly1305(hchacha20(key, nonce[:16])).encrypt(b"\0" * 4 + nonce[16:], pt, None)


def xopen(key, nonce, ct):
    return ChaCha20Poly1305(hchacha20(key, nonce[:16])).decrypt(b"\0" * 4 + nonce[16:], ct, None)


def addr(ip, port):
    return b"\x01" + socket.inet_aton(ip) + struct.pack(">H", port)


def main():
    server, port, psk = sys.argv[1], int(sys.argv[2]), base64.b64decode(sys.argv[3])
    tip, tport = sys.argv[4], int(sys.argv[5])
    csid, pid, last = os.urandom(8), 0, None
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(1.5)
    for step in sys.argv[6:]:
        kind, _, arg = step.partition(":")
        if kind == "send":
            payload = b"probe-%d" % pid
            body = csid + struct.pack(">QBQH", pid, 0, int(time.time()) + int(arg), 0)
            body += addr(tip, tport) + payload
            nonce = os.urandom(24)
            last = (nonce + xseal(psk, nonce, body), payload)
            pid += 1
        elif kind != "again":
            print("unknown step " + step)
            sys.exit(1)
        s.sendto(last[0], (server, port))
        try:
            d = s.recv(65536)
        except socket.timeout:
            print("silent")
            continue
        pt = xopen(psk, d[:24], d[24:])
        ssid, spid, typ, ts, rcsid, plen = struct.unpack(">8sQBQ8sH", pt[:35])
        rest = pt[35 + plen:]
        if typ != 1 or rcsid != csid or ssid == csid or abs(ts - time.time()) > 30:
            print("bad reply header type %d" % typ)
            sys.exit(1)
        if rest[:7] != addr(tip, tport) or rest[7:] != last[1]:
            print("bad reply body %r" % rest[:40])
            sys.exit(1)
        print("reply ok (server packet id %d)" % spid)


if __name__ == "__main__":
    main()
