#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
# Hostile WireGuard traffic for tests/integration/test_wg_hostile.sh.
#   wg_hostile.py random DST PORT N          random datagrams of every size/type
#   wg_hostile.py flood DST PORT N PUB_B64   initiations with a valid mac1
#   wg_hostile.py replay DST PORT PCAP       resend captured data messages
import base64, hashlib, os, socket, struct, sys


def mac1_key(pub):
    return hashlib.blake2s(b"mac1----" + pub).digest()


def main():
    mode, dst, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
    fam = socket.AF_INET6 if ":" in dst else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_DGRAM)
    sent = 0
    if mode == "random":
        for i in range(int(sys.argv[4])):
            n = os.urandom(1)[0] % 200 if i % 3 else 148
            b = bytearray(os.urandom(n))
            if n and i % 2:
                b[0] = 1 + i % 4       # a plausible type byte
            s.sendto(bytes(b), (dst, port))
            sent += 1
    elif mode == "flood":
        key = mac1_key(base64.b64decode(sys.argv[5]))
        for _ in range(int(sys.argv[4])):
            body = struct.pack("<I", 1) + os.urandom(4 + 32 + 48 + 28)
            m1 = hashlib.blake2s(body, digest_size=16, key=key).digest()
            s.sendto(body + m1 + bytes(16), (dst, port))
            sent += 1
    elif mode == "replay":
        from scapy.all import rdpcap, UDP
        for p in rdpcap(sys.argv[4]):
            if UDP in p and bytes(p[UDP].payload)[:1] == b"\x04":
                s.sendto(bytes(p[UDP].payload), (dst, port))
                sent += 1
    print(sent)


main()
