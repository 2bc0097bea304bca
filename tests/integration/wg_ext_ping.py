#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""ICMPv6 echo requests behind IPv6 extension headers, written onto a
WireGuard peer's tun interface (an AF_PACKET socket: the peer encrypts them
as it would its own), and what comes back on that interface.  For
tests/integration/test_wg_terminated_icmp.sh (terminated mode walks the
chain as the destination would, dataplane/net/ip6_ext.h).

    wg_ext_ping.py IFACE SRC DST

One line per case: `NAME reply` (an echo reply from DST with the request's
id, sequence and data), `NAME pp CODE POINTER` (a Parameter Problem from
DST quoting the request), or `NAME none`.  Scapy builds and parses the
packets (python3-scapy: run with /usr/bin/python3)."""
import select
import socket
import sys
import time

from scapy.all import (IPv6, ICMPv6EchoRequest, ICMPv6EchoReply, ICMPv6ParamProblem,
                       IPv6ExtHdrHopByHop, IPv6ExtHdrDestOpt, IPv6ExtHdrRouting,
                       IPv6ExtHdrFragment, HBHOptUnknown, PadN, conf, fragment6)

conf.verb = 0
ETH_P_IPV6 = 0x86DD
PACKET_OUTGOING = 4


def data_of(i, n):
    return bytes((i + k) & 0xFF for k in range(n))


def cases(src, dst):
    def ip():
        return IPv6(src=src, dst=dst, hlim=64)

    def echo(i, n=48):
        return ICMPv6EchoRequest(id=0x4e00 + i, seq=i, data=data_of(i, n))

    def unknown(t):
        return IPv6ExtHdrDestOpt(options=[HBHOptUnknown(otype=t, optdata=b"\0\0\0\0")])

    nine = ip()
    for _ in range(9):
        nine = nine / IPv6ExtHdrDestOpt()
    return [
        # relayed: taken from behind the chain, answered from dst
        ("hbh", [ip() / IPv6ExtHdrHopByHop(options=[PadN(optdata=b"\0\0\0\0")]) / echo(1)]),
        ("dstopts", [ip() / IPv6ExtHdrDestOpt() / echo(2)]),
        ("hbh_dst_rt0_dst", [ip() / IPv6ExtHdrHopByHop() / IPv6ExtHdrDestOpt() /
                             IPv6ExtHdrRouting(type=0, segleft=0, addresses=[]) /
                             IPv6ExtHdrDestOpt() / echo(3)]),
        ("dst_then_fragments", fragment6(ip() / IPv6ExtHdrDestOpt() / IPv6ExtHdrFragment() /
                                         echo(4, 1100), 600)),
        # refused as the destination would (RFC 8200 4.2, 4.4, 4.1)
        ("routing_segleft", [ip() / IPv6ExtHdrRouting(type=0, segleft=1, addresses=[dst]) /
                             echo(5)]),
        ("option_action_10", [ip() / unknown(0x9E) / echo(6)]),
        ("option_action_01", [ip() / unknown(0x5E) / echo(7)]),
        ("hbh_not_first", [ip() / IPv6ExtHdrDestOpt() / IPv6ExtHdrHopByHop() / echo(8)]),
        ("nine_headers", [nine / echo(9)]),
    ]


def main():
    iface, src, dst = sys.argv[1:4]
    s = socket.socket(socket.AF_PACKET, socket.SOCK_DGRAM, socket.htons(ETH_P_IPV6))
    s.bind((iface, ETH_P_IPV6))
    sent = []
    for name, pkts in cases(src, dst):
        want_id = 0x4E00 + len(sent) + 1
        want = data_of(len(sent) + 1, 1100 if len(pkts) > 1 else 48)
        sent.append(name)
        for p in pkts:
            s.sendto(bytes(p), (iface, ETH_P_IPV6))
        got = "none"
        end = time.time() + 3
        while got == "none" and time.time() < end:
            if not select.select([s], [], [], max(0.0, end - time.time()))[0]:
                break
            data, addr = s.recvfrom(65535)
            if addr[2] == PACKET_OUTGOING:
                continue
            r = IPv6(data)
            if r.src != dst or r.dst != src:
                continue
            if ICMPv6EchoReply in r and r[ICMPv6EchoReply].id == want_id:
                ok = bytes(r[ICMPv6EchoReply].data) == want and r[ICMPv6EchoReply].seq == want_id - 0x4E00
                got = "reply" if ok else "reply-wrong-data"
            elif ICMPv6ParamProblem in r:
                got = "pp %d %d" % (r[ICMPv6ParamProblem].code, r[ICMPv6ParamProblem].ptr)
        print(name, got, flush=True)


if __name__ == "__main__":
    main()
