#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""IPv6 packets behind extension headers, written onto a WireGuard peer's
tun interface (an AF_PACKET socket: the peer encrypts them as it would its
own), and what comes back on that interface.  For the terminated-mode tests
(dataplane/wireguard/README.md "Terminated mode": the chain is walked as
its destination would, fragments reassembled first).

    wg_ext.py udp IFACE SRC DST DPORT SPORT FRAGSIZE CHAIN < payload
    wg_ext.py tcp IFACE SRC DST DPORT SPORT FRAGSIZE CHAIN < payload
    wg_ext.py ping IFACE SRC DST

CHAIN names the extension headers in order, F the Fragment header (what
comes before it is the unfragmentable part, RFC 8200 4.5): D Destination
Options (a PadN), R Routing (type 0, nothing left), H Hop-by-Hop; "DF": the
headers before the fragments, "FD": the fragmentable part begins with one.

udp: one datagram, in fragments of FRAGSIZE when CHAIN has F; prints the
reply's payload (from DST:DPORT to SRC:SPORT, reassembled here) on stdout
and the number of its fragments on stderr; exit 1 with none within 4 s.

tcp: a connection to DST:DPORT from SRC:SPORT (the peer's kernel must not
answer for SPORT: the test drops its resets), every segment we send behind
CHAIN: the SYN in 32-octet fragments, the payload (one segment) in
fragments of FRAGSIZE, ACKs as atomic fragments; the SYN-ACK's and every
data segment's checksum is checked, the data is acknowledged and printed on
stdout until the server's FIN, answered with ours; stderr: the SYN-ACK's
MSS and the segments; exit 1 without a SYN-ACK or a FIN.

ping: one line per case: `NAME reply` (an echo reply from DST with the
request's id, sequence and data), `NAME pp CODE POINTER` (a Parameter
Problem from DST quoting that request), or `NAME none`.

Scapy builds and parses the packets (python3-scapy: run /usr/bin/python3)."""
import select
import socket
import struct
import sys
import time

from scapy.all import (IPv6, UDP, TCP, Raw, ICMPv6EchoRequest, ICMPv6EchoReply,
                       ICMPv6ParamProblem, IPv6ExtHdrHopByHop, IPv6ExtHdrDestOpt,
                       IPv6ExtHdrRouting, IPv6ExtHdrFragment, HBHOptUnknown, PadN, conf,
                       fragment6, in6_chksum)

conf.verb = 0
ETH_P_IPV6 = 0x86DD
PACKET_OUTGOING = 4


# ---- the tun side -------------------------------------------------------

def tun(iface):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_DGRAM, socket.htons(ETH_P_IPV6))
    s.bind((iface, ETH_P_IPV6))
    return s


def send(s, iface, pkts):
    for p in pkts:
        s.sendto(bytes(p), (iface, ETH_P_IPV6))


def replies(s, src, dst, secs):
    """IPv6 packets from dst to src arriving within secs."""
    end = time.time() + secs
    while time.time() < end:
        if not select.select([s], [], [], max(0.0, end - time.time()))[0]:
            return
        data, addr = s.recvfrom(65535)
        if addr[2] == PACKET_OUTGOING:
            continue
        r = IPv6(data)
        if r.src == dst and r.dst == src:
            yield r


class Reasm:
    """Upper-layer messages from packets that may be fragments (a Fragment
    header right after the fixed one, as ringbox sends them)."""

    def __init__(self):
        self.parts, self.nfrags = {}, 0

    def add(self, r):
        """(next header, bytes) once a message is whole, else None."""
        if IPv6ExtHdrFragment not in r:
            return r.nh, bytes(r.payload)
        fh = r[IPv6ExtHdrFragment]
        ent = self.parts.setdefault(fh.id, {"total": None, "bits": {}})
        ent["bits"][fh.offset * 8] = (bytes(fh.payload), fh.nh)
        if not fh.m:
            ent["total"] = fh.offset * 8 + len(bytes(fh.payload))
        bits = ent["bits"]
        if ent["total"] is None or sum(len(b) for b, _ in bits.values()) != ent["total"] \
                or 0 not in bits:
            return None
        del self.parts[fh.id]
        self.nfrags = len(bits)
        return bits[0][1], b"".join(bits[o][0] for o in sorted(bits))


def chain(spec, ident):
    hdrs = {"D": lambda: IPv6ExtHdrDestOpt(options=[PadN(optdata=b"\0\0\0\0")]),
            "H": lambda: IPv6ExtHdrHopByHop(options=[PadN(optdata=b"\0\0\0\0")]),
            "R": lambda: IPv6ExtHdrRouting(type=0, segleft=0, addresses=[]),
            "F": lambda: IPv6ExtHdrFragment(id=ident)}
    out = None
    for c in spec:
        out = hdrs[c]() if out is None else out / hdrs[c]()
    return out


def build(src, dst, spec, upper, fsize, ident):
    pkt = IPv6(src=src, dst=dst, hlim=64)
    if spec:
        pkt = pkt / chain(spec, ident)
    pkt = pkt / upper
    # what fits in fsize stays whole: an atomic fragment (RFC 6946)
    return fragment6(pkt, fsize) if "F" in spec else [pkt]


# ---- udp ----------------------------------------------------------------

def udp(iface, src, dst, dport, sport, fsize, spec):
    s = tun(iface)
    payload = sys.stdin.buffer.read()
    pkts = build(src, dst, spec, UDP(sport=sport, dport=dport) / payload, fsize,
                 0x5EED0000 | sport)
    if "F" in spec and len(pkts) < 2:
        sys.exit("not fragmented: FRAGSIZE too large")
    send(s, iface, pkts)
    ra = Reasm()
    for r in replies(s, src, dst, 4):
        got = ra.add(r)
        if got is None or got[0] != 17:
            continue
        u = UDP(got[1])
        if u.sport == dport and u.dport == sport:
            print(ra.nfrags or 1, "reply fragments", file=sys.stderr)
            sys.stdout.buffer.write(bytes(u.payload))
            return
    sys.exit("no reply")


# ---- tcp ----------------------------------------------------------------

def tcp_ok(src, dst, raw):
    """Is the TCP checksum of segment raw (from src to dst) right?"""
    return in6_chksum(6, IPv6(src=src, dst=dst), raw) == 0


def tcp(iface, src, dst, dport, sport, fsize, spec):
    s = tun(iface)
    data = sys.stdin.buffer.read()
    isn, n = 0x1000, [0]

    def seg(flags, seq, ack, payload=b"", opts=None, size=fsize):
        n[0] += 1
        t = TCP(sport=sport, dport=dport, flags=flags, seq=seq, ack=ack, window=65535,
                options=opts or [])
        send(s, iface, build(src, dst, spec, t / payload if payload else t, size,
                             0x7C900000 | n[0]))

    def segs(secs):
        ra = Reasm()
        for r in replies(s, src, dst, secs):
            got = ra.add(r)
            if got is None or got[0] != 6:
                continue
            t = TCP(got[1])
            if t.sport != dport or t.dport != sport:
                continue
            if not tcp_ok(dst, src, got[1]):
                sys.exit("a segment with a wrong checksum: %r" % t)
            yield t

    # the SYN, its options padded with NOPs to 40 octets, in fragments of
    # 32 octets (the first holds the chain and the TCP header's 20, RFC
    # 7112); ACKs and the FIN fit in one: atomic fragments
    seg("S", isn, 0, opts=[("MSS", 1200)] + [("NOP", None)] * 36,
        size=40 + 8 * sum(c != "F" for c in spec[:spec.index("F")]) + 8 + 32
        if "F" in spec else fsize)
    synack = next((t for t in segs(4) if t.flags & 0x12 == 0x12), None)
    if synack is None:
        sys.exit("no SYN-ACK")
    if synack.ack != isn + 1:
        sys.exit("SYN-ACK acks %d, not %d" % (synack.ack, isn + 1))
    mss = dict((k, v) for k, v in synack.options if isinstance(k, str)).get("MSS")
    print("SYN-ACK mss", mss, file=sys.stderr)
    rcv = synack.seq + 1
    seg("A", isn + 1, rcv)
    seg("PA", isn + 1, rcv, data)
    snd = isn + 1 + len(data)
    got, nseg, fin = b"", 0, False
    for t in segs(6):
        body = bytes(t.payload)
        if t.seq == rcv and body:
            got += body
            rcv += len(body)
            nseg += 1
        if t.flags & 0x01 and t.seq + len(body) == rcv:
            rcv += 1
            fin = True
        # every segment acknowledged; after the server's FIN, ours
        seg("FA" if fin else "A", snd, rcv)
        if fin:
            break
    print(nseg, "data segments", "fin" if fin else "no fin", file=sys.stderr)
    sys.stdout.buffer.write(got)
    if not fin:
        sys.exit("no FIN")


# ---- ping ---------------------------------------------------------------

def data_of(i, n):
    return bytes((i + k) & 0xFF for k in range(n))


def cases(src, dst):
    def ip():
        return IPv6(src=src, dst=dst, hlim=64)

    def echo(i, n=48):
        return ICMPv6EchoRequest(id=0x4e00 + i, seq=i, data=data_of(i, n))

    def unknown(t):
        return IPv6ExtHdrDestOpt(options=[HBHOptUnknown(otype=t, optdata=b"\0\0\0\0")])

    def frag(i):
        return IPv6ExtHdrFragment(id=0x9E000000 | i)

    def nine(p):
        for _ in range(9):
            p = p / IPv6ExtHdrDestOpt()
        return p

    big = 1100   # in 600-octet fragments: three of them
    # the first fragment ends inside the Destination Options header that
    # begins the fragmentable part (it claims 48 octets, 16 follow in all)
    past = [ip() / IPv6ExtHdrFragment(nh=60, offset=0, m=1, id=0x9E00000F) /
            Raw(b"\x3a\x05" + b"\0" * 6),
            ip() / IPv6ExtHdrFragment(nh=60, offset=1, m=0, id=0x9E00000F) / Raw(b"\0" * 8)]
    return [
        # relayed: taken from behind the chain, answered from dst
        ("hbh", [ip() / IPv6ExtHdrHopByHop(options=[PadN(optdata=b"\0\0\0\0")]) / echo(1)]),
        ("dstopts", [ip() / IPv6ExtHdrDestOpt() / echo(2)]),
        ("hbh_dst_rt0_dst", [ip() / IPv6ExtHdrHopByHop() / IPv6ExtHdrDestOpt() /
                             IPv6ExtHdrRouting(type=0, segleft=0, addresses=[]) /
                             IPv6ExtHdrDestOpt() / echo(3)]),
        ("dst_then_fragments", fragment6(ip() / IPv6ExtHdrDestOpt() / frag(4) /
                                         echo(4, big), 600)),
        # refused as the destination would (RFC 8200 4.2, 4.4, 4.1)
        ("routing_segleft", [ip() / IPv6ExtHdrRouting(type=0, segleft=1, addresses=[dst]) /
                             echo(5)]),
        ("option_action_10", [ip() / unknown(0x9E) / echo(6)]),
        ("option_action_01", [ip() / unknown(0x5E) / echo(7)]),
        ("hbh_not_first", [ip() / IPv6ExtHdrDestOpt() / IPv6ExtHdrHopByHop() / echo(8)]),
        ("nine_headers", [nine(ip()) / echo(9)]),
        # the fragmentable part begins with extension headers (RFC 8200
        # 4.5): reassembled, then walked
        ("fragments_then_dst", fragment6(ip() / frag(10) / IPv6ExtHdrDestOpt() /
                                         echo(10, big), 600)),
        ("fragments_then_dst_rt0", fragment6(ip() / frag(11) / IPv6ExtHdrDestOpt() /
                                             IPv6ExtHdrRouting(type=0, segleft=0,
                                                               addresses=[]) /
                                             echo(11, big), 600)),
        ("fragments_then_option_10", fragment6(ip() / frag(12) / unknown(0x9E) /
                                               echo(12, big), 600)),
        ("fragments_then_hbh", fragment6(ip() / frag(13) / IPv6ExtHdrHopByHop() /
                                         echo(13, big), 600)),
        ("fragments_then_nine", fragment6(nine(ip() / frag(14)) / echo(14, big), 600)),
        ("fragments_chain_past_first", past),
        ("fragments_then_unknown_nh", fragment6(ip() / frag(16) / IPv6ExtHdrDestOpt(nh=253) /
                                                Raw(data_of(16, big)), 600)),
    ]


def ping(iface, src, dst):
    s = tun(iface)
    for i, (name, pkts) in enumerate(cases(src, dst), 1):
        want = data_of(i, 1100 if len(pkts) > 1 else 48)
        tag = struct.pack("!HH", 0x4E00 + i, i)   # the echo's id and sequence
        send(s, iface, pkts)
        got = "none"
        for r in replies(s, src, dst, 2 if i > 14 else 3):
            if ICMPv6EchoReply in r and r[ICMPv6EchoReply].id == 0x4E00 + i:
                e = r[ICMPv6EchoReply]
                got = "reply" if bytes(e.data) == want and e.seq == i else "reply-wrong-data"
            elif ICMPv6ParamProblem in r and tag in bytes(r[ICMPv6ParamProblem].payload):
                got = "pp %d %d" % (r[ICMPv6ParamProblem].code, r[ICMPv6ParamProblem].ptr)
            if got != "none":
                break
        print(name, got, flush=True)


def main():
    mode, args = sys.argv[1], sys.argv[2:]
    if mode in ("udp", "tcp"):
        iface, src, dst = args[:3]
        dport, sport, fsize = (int(a) for a in args[3:6])
        (udp if mode == "udp" else tcp)(iface, src, dst, dport, sport, fsize, args[6])
    elif mode == "ping":
        ping(*args[:3])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
