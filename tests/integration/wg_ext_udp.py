#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""A UDP datagram in IPv6 fragments behind a Destination Options header
(RFC 8200 4.1 order: fixed header, Destination Options, Fragment, UDP),
written onto a WireGuard peer's tun interface (an AF_PACKET socket: the
peer encrypts the fragments as it would its own), and the reply that comes
back on that interface, reassembled here.  For
tests/integration/test_wg_terminated_udp.sh: terminated mode walks the
unfragmentable part, reassembles (net/ip6.c) and terminates the datagram.

    wg_ext_udp.py IFACE SRC DST DPORT SPORT FRAGSIZE < payload

Prints the reply's UDP payload (from DST:DPORT to SRC:SPORT, in fragments
or not) on stdout and the number of reply fragments on stderr; exit 1
with no reply within 4 s.  Scapy builds the packets (python3-scapy)."""
import select
import socket
import sys
import time

from scapy.all import IPv6, IPv6ExtHdrDestOpt, IPv6ExtHdrFragment, PadN, UDP, conf, fragment6

conf.verb = 0
ETH_P_IPV6 = 0x86DD
PACKET_OUTGOING = 4


def main():
    iface, src, dst = sys.argv[1:4]
    dport, sport, fsize = (int(a) for a in sys.argv[4:7])
    payload = sys.stdin.buffer.read()
    s = socket.socket(socket.AF_PACKET, socket.SOCK_DGRAM, socket.htons(ETH_P_IPV6))
    s.bind((iface, ETH_P_IPV6))
    pkt = (IPv6(src=src, dst=dst, hlim=64) /
           IPv6ExtHdrDestOpt(options=[PadN(optdata=b"\0\0\0\0")]) /
           IPv6ExtHdrFragment(id=0x5eed0000 | sport) /
           UDP(sport=sport, dport=dport) / payload)
    frags = fragment6(pkt, fsize)
    if len(frags) < 2:
        sys.exit("not fragmented: FRAGSIZE too large")
    for f in frags:
        s.sendto(bytes(f), (iface, ETH_P_IPV6))
    parts, total, whole = {}, None, None
    end = time.time() + 4
    while whole is None and time.time() < end:
        if not select.select([s], [], [], max(0.0, end - time.time()))[0]:
            break
        data, addr = s.recvfrom(65535)
        if addr[2] == PACKET_OUTGOING:
            continue
        r = IPv6(data)
        if r.src != dst or r.dst != src:
            continue
        if IPv6ExtHdrFragment in r:
            fh = r[IPv6ExtHdrFragment]
            body = bytes(fh.payload)
            parts[fh.offset * 8] = (body, fh.nh)
            if not fh.m:
                total = fh.offset * 8 + len(body)
            if total is not None and sum(len(b) for b, _ in parts.values()) == total:
                buf = b"".join(parts[o][0] for o in sorted(parts))
                if parts[0][1] == 17:
                    whole = UDP(buf)
        elif UDP in r:
            whole = r[UDP]
        if whole is not None and (whole.sport != dport or whole.dport != sport):
            whole, parts, total = None, {}, None
    if whole is None:
        sys.exit("no reply")
    print(len(parts) or 1, "reply fragments", file=sys.stderr)
    sys.stdout.buffer.write(bytes(whole.payload))


if __name__ == "__main__":
    main()
