#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Hostile input for ringbox-dataplane, table-driven.

Each case builds malformed frames with scapy, sends them from the client
namespace on its veth (run this script inside that namespace), then asks
the dataplane for its stats block (SIGUSR1, parsed from its stdout file)
and checks that the frames were received and counted under the expected
drop reason (rb_counters.h names).  Run with Debian's /usr/bin/python3,
which sees python3-scapy.

    hostile.py --list
    hostile.py --iface IF --src-mac M --dst-mac M --src4 A --dp4 A --far4 A \\
               --src6 A --dp6 A --far6 A --dp-pid PID --dp-out FILE [--only NAME ...]

Exit status: 0 when every case passed, 1 otherwise.
"""
import argparse
import os
import signal
import sys
import time

import logging
logging.getLogger("scapy.runtime").setLevel(logging.ERROR)
from scapy.all import (ARP, ICMP, IP, UDP, Dot1Q, Ether, ICMPv6EchoRequest,  # noqa: E402
                       ICMPv6ND_NS, ICMPv6NDOptSrcLLAddr, IPOption_LSRR, IPv6,
                       IPv6ExtHdrDestOpt, IPv6ExtHdrFragment, IPv6ExtHdrHopByHop,
                       Raw, conf, in6_getnsma, in6_getnsmac, inet_pton, inet_ntop,
                       sendp)
import socket  # noqa: E402

conf.verb = 0


class Ctx:
    """Addresses of the test topology (filled from the command line)."""

    def __init__(self, a):
        self.a = a
        self.ident = 0x4000 + (os.getpid() & 0x3fff)

    def eth(self, **kw):
        kw.setdefault("src", self.a.src_mac)
        kw.setdefault("dst", self.a.dst_mac)
        return Ether(**kw)

    def ip4(self, **kw):
        kw.setdefault("src", self.a.src4)
        kw.setdefault("dst", self.a.dp4)
        return self.eth() / IP(**kw)

    def ip6(self, **kw):
        kw.setdefault("src", self.a.src6)
        kw.setdefault("dst", self.a.dp6)
        return self.eth() / IPv6(**kw)

    def next_id(self):
        self.ident += 1
        return self.ident


def ip4_hdr_bytes(pkt):
    """Built IPv4 packet (without Ethernet) as a bytearray."""
    return bytearray(bytes(pkt[IP]))


def csum16(b):
    if len(b) % 2:
        b = b + b"\0"
    s = sum(int.from_bytes(b[i:i + 2], "big") for i in range(0, len(b), 2))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return (~s) & 0xffff


def raw_eth(c, ethertype, payload):
    return bytes(c.eth(type=ethertype)) + bytes(payload)


# --- builders: each returns a list of frames (scapy packets or bytes) -------

def b_eth_short(c):
    # 802.1Q EtherType with no room for the tag: 15 bytes on the wire.
    e = bytes(c.eth(type=0x8100))
    return [e + b"\x00"]


def b_eth_bad_src_mcast(c):
    return [c.eth(src="01:00:5e:00:00:01") / IP(src=c.a.src4, dst=c.a.dp4) / ICMP()]


def b_eth_bad_src_zero(c):
    return [c.eth(src="00:00:00:00:00:00") / IP(src=c.a.src4, dst=c.a.dp4) / ICMP()]


def b_eth_not_for_us(c):
    return [c.eth(dst="02:00:00:00:00:99") / IP(src=c.a.src4, dst=c.a.dp4) / ICMP()]


def b_eth_unknown_type(c):
    return [raw_eth(c, 0x88B5, b"\x00" * 46)]


def b_vlan_unknown(c):
    return [c.eth() / Dot1Q(vlan=42) / IP(src=c.a.src4, dst=c.a.dp4) / ICMP()]


def b_arp_truncated(c):
    arp = bytes(ARP(op=1, hwsrc=c.a.src_mac, psrc=c.a.src4, pdst=c.a.dp4))
    return [raw_eth(c, 0x0806, arp[:12])]


def b_arp_bad_ptype(c):
    return [c.eth(dst="ff:ff:ff:ff:ff:ff") /
            ARP(op=1, ptype=0x86DD, hwsrc=c.a.src_mac, psrc=c.a.src4, pdst=c.a.dp4)]


def b_arp_bad_hwlen(c):
    arp = bytearray(bytes(ARP(op=1, hwsrc=c.a.src_mac, psrc=c.a.src4, pdst=c.a.dp4)))
    arp[4] = 8  # hardware address length 8 (Ethernet is 6)
    return [raw_eth(c, 0x0806, arp)]


def b_arp_not_for_us(c):
    other = c.a.dp4.rsplit(".", 1)[0] + ".99"
    return [c.eth(dst="ff:ff:ff:ff:ff:ff") /
            ARP(op=1, hwsrc=c.a.src_mac, psrc=c.a.src4, pdst=other)] * 50


def b_arp_many_senders(c):
    # Requests for a host that is not us, from 100 different senders.  RFC 826
    # merges the sender only when it is already known or we are the target,
    # so none of them may enter the neighbor table.
    net = c.a.dp4.rsplit(".", 1)[0]
    return [c.eth(dst="ff:ff:ff:ff:ff:ff") /
            ARP(op=1, hwsrc="02:aa:00:00:00:%02x" % i, psrc="%s.%d" % (net, 100 + i),
                pdst=net + ".99") for i in range(100)]


def b_arp_garp_ours(c):
    # Gratuitous ARP claiming the appliance's own address.
    return [c.eth(dst="ff:ff:ff:ff:ff:ff") /
            ARP(op=1, hwsrc=c.a.src_mac, psrc=c.a.dp4, pdst=c.a.dp4)]


def b_arp_garp_bcast_mac(c):
    # Garbage gratuitous reply: sender hardware address is broadcast.
    other = c.a.dp4.rsplit(".", 1)[0] + ".77"
    return [c.eth(dst="ff:ff:ff:ff:ff:ff") /
            ARP(op=2, hwsrc="ff:ff:ff:ff:ff:ff", psrc=other, pdst=other,
                hwdst="ff:ff:ff:ff:ff:ff")]


def b_ip4_short(c):
    return [raw_eth(c, 0x0800, bytes(IP(src=c.a.src4, dst=c.a.dp4))[:12])]


def b_ip4_bad_version(c):
    h = ip4_hdr_bytes(c.ip4() / ICMP())
    h[0] = 0x65
    h[10:12] = b"\0\0"
    h[10:12] = csum16(bytes(h[:20])).to_bytes(2, "big")
    return [raw_eth(c, 0x0800, h)]


def b_ip4_ihl_small(c):
    return [c.ip4(ihl=4) / ICMP()]


def b_ip4_ihl_past_data(c):
    h = ip4_hdr_bytes(c.ip4() / ICMP())  # 28 bytes
    h[0] = 0x4F                          # claims a 60-byte header
    return [raw_eth(c, 0x0800, h)]


def b_ip4_len_past_frame(c):
    return [c.ip4(len=200) / ICMP()]


def b_ip4_len_below_ihl(c):
    return [c.ip4(len=16) / ICMP()]


def b_ip4_bad_csum(c):
    h = ip4_hdr_bytes(c.ip4() / ICMP())
    h[10] ^= 0x5A
    return [raw_eth(c, 0x0800, h)] * 10


def b_ip4_bad_src(c):
    return [c.ip4(src=s) / ICMP() for s in ("255.255.255.255", "127.0.0.1", "224.0.0.5")]


def b_ip4_lsrr(c):
    return [c.ip4(dst=c.a.far4, options=[IPOption_LSRR(routers=[c.a.far4])]) / ICMP()]


def b_icmp_bad_csum(c):
    return [c.ip4() / ICMP(type=8, chksum=0xDEAD) / Raw(b"x" * 8)]


def b_icmp_truncated(c):
    return [c.ip4(proto=1) / Raw(b"\x08\x00")]


def b_ttl_expired(c):
    return [c.ip4(dst=c.a.far4, ttl=1) / ICMP(), c.ip4(dst=c.a.far4, ttl=0) / ICMP()]


def b_no_route4(c):
    return [c.ip4(dst="198.51.100.7") / ICMP()]


def b_proto_unreach(c):
    return [c.ip4(proto=253) / Raw(b"\0" * 8)]


def b_udp_closed(c):
    return [c.ip4() / UDP(sport=40000, dport=33999) / Raw(b"hello")]


def b_frag4_overlap(c):
    i = c.next_id()
    icmp = bytes(ICMP(type=8, id=i, seq=1) / Raw(b"A" * 24))  # 32 bytes
    return [c.ip4(id=i, flags="MF", frag=0, proto=1) / Raw(icmp[:24]),
            c.ip4(id=i, flags=0, frag=2, proto=1) / Raw(icmp[16:32])]  # bytes 16..31 again


def b_frag4_oversized(c):
    i = c.next_id()
    return [c.ip4(id=i, flags="MF", frag=0, proto=1) / Raw(bytes(ICMP(type=8)) + b"B" * 16),
            c.ip4(id=i, flags=0, frag=8189, proto=1) / Raw(b"C" * 48)]  # ends at 65560


def b_frag4_odd_len(c):
    i = c.next_id()
    return [c.ip4(id=i, flags="MF", frag=0, proto=1) / Raw(bytes(ICMP(type=8)) + b"D" * 5)]


def b_ip6_short(c):
    return [raw_eth(c, 0x86DD, bytes(IPv6(src=c.a.src6, dst=c.a.dp6))[:20])]


def b_ip6_bad_version(c):
    h = bytearray(bytes((c.ip6() / ICMPv6EchoRequest())[IPv6]))
    h[0] = (h[0] & 0x0F) | 0x40
    return [raw_eth(c, 0x86DD, h)]


def b_ip6_len_past_frame(c):
    return [c.ip6(plen=400) / ICMPv6EchoRequest()]


def b_ip6_bad_src(c):
    return [c.ip6(src=s) / ICMPv6EchoRequest() for s in ("ff02::1", "::1")]


def b_ip6_long_chain(c):
    p = c.ip6()
    for _ in range(24):
        p = p / IPv6ExtHdrDestOpt()
    return [p / ICMPv6EchoRequest()]


def b_ip6_truncated_exthdr(c):
    # Destination options header claims 48 bytes; 8 are present (plen 8).
    return [c.ip6(nh=60) / Raw(b"\x3a\x05" + b"\x01\x04\0\0\0\0")]


def b_ip6_hbh_not_first(c):
    return [c.ip6() / IPv6ExtHdrDestOpt() / IPv6ExtHdrHopByHop() / ICMPv6EchoRequest()]


def b_ip6_exthdr_past_plen(c):
    # Header length runs past the payload length, frame padded beyond it.
    p = bytearray(bytes((c.ip6() / IPv6ExtHdrDestOpt() / ICMPv6EchoRequest())[IPv6]))
    p[41] = 3   # the dest-opts header now claims 32 bytes, plen is 16
    return [raw_eth(c, 0x86DD, bytes(p) + b"\0" * 32)]


def b_hlim_expired(c):
    return [c.ip6(dst=c.a.far6, hlim=1) / ICMPv6EchoRequest()]


def b_no_route6(c):
    return [c.ip6(dst="2001:db8::1") / ICMPv6EchoRequest()]


def b_icmp6_bad_csum(c):
    return [c.ip6() / ICMPv6EchoRequest(cksum=0x1234)]


def _ns(c, dst, tgt, dst_mac=None):
    return (c.eth(dst=dst_mac or c.a.dst_mac) / IPv6(src=c.a.src6, dst=dst, hlim=255) /
            ICMPv6ND_NS(tgt=tgt) / ICMPv6NDOptSrcLLAddr(lladdr=c.a.src_mac))


def _v6(s):
    return inet_ntop(socket.AF_INET6, inet_pton(socket.AF_INET6, s))


def _nsma(addr):
    return _v6(inet_ntop(socket.AF_INET6, in6_getnsma(inet_pton(socket.AF_INET6, addr))))


def b_nd_not_for_us(c):
    # NS for a target that is not ours, sent (a) to the solicited-node group
    # we have joined for our own address (the foreign target collides in its
    # low 24 bits, RFC 4291 2.7.1), and (b) unicast to our address.
    net = c.a.dp6.rsplit(":", 1)[0]
    ours = _v6(c.a.dp6)
    low = int.from_bytes(inet_pton(socket.AF_INET6, ours)[13:], "big")
    tgt = _v6("%s:ab%02x:%x" % (net, low >> 16, low & 0xffff))
    assert _nsma(tgt) == _nsma(ours)
    grp = _nsma(ours)
    return [_ns(c, grp, tgt, in6_getnsmac(inet_pton(socket.AF_INET6, grp))),
            _ns(c, ours, _v6(net + ":99"))]


def b_nd_foreign_group(c):
    # NS to a solicited-node group we have not joined: not for us at IPv6.
    tgt = _v6(c.a.dp6.rsplit(":", 1)[0] + ":99")
    grp = _nsma(tgt)
    return [_ns(c, grp, tgt, in6_getnsmac(inet_pton(socket.AF_INET6, grp)))]


def b_nd_bad_hlim(c):
    # RFC 4861 7.1.1: hop limit must be 255.
    return [c.ip6(hlim=64) / ICMPv6ND_NS(tgt=c.a.dp6) / ICMPv6NDOptSrcLLAddr(lladdr=c.a.src_mac)]


def b_frag6_overlap(c):
    i = c.next_id()
    icmp = bytes(ICMPv6EchoRequest(id=i & 0xffff, data=b"E" * 24))
    # The checksum is wrong for the reassembled whole, but overlap must be
    # detected (RFC 5722) before anything looks at the ICMPv6 header.
    return [c.ip6() / IPv6ExtHdrFragment(nh=58, id=i, offset=0, m=1) / Raw(icmp[:24]),
            c.ip6() / IPv6ExtHdrFragment(nh=58, id=i, offset=2, m=0) / Raw(icmp[16:32])]


def b_frag6_oversized(c):
    i = c.next_id()
    return [c.ip6() / IPv6ExtHdrFragment(nh=58, id=i, offset=0, m=1) /
            Raw(bytes(ICMPv6EchoRequest()) + b"F" * 16),
            c.ip6() / IPv6ExtHdrFragment(nh=58, id=i, offset=8189, m=0) / Raw(b"G" * 48)]


def b_icmp_echo_flood(c):
    return [bytes(c.ip4() / ICMP(type=8, id=7, seq=s) / Raw(b"f" * 56)) for s in range(2000)]


def b_icmp6_echo_flood(c):
    return [bytes(c.ip6() / ICMPv6EchoRequest(id=7, seq=s, data=b"f" * 56)) for s in range(1000)]


def b_icmp_error_flood(c):
    inner = bytes(IP(src=c.a.dp4, dst=c.a.src4) / UDP(sport=1234, dport=33434))
    return [bytes(c.ip4() / ICMP(type=3, code=3) / Raw(inner)) for _ in range(500)]


# (name, builder, accepted counters, minimum total delta over them
#  [, counters that must not grow])
# "drop.X" / "event.X" are the dataplane's stats keys.  A case passes when
# the frames reached the port (rx_packets), the accepted counters grew by at
# least the minimum in sum, and none of the forbidden counters grew.  The
# test makes cli's neighbor entries permanent first, so that its kernel
# sends no ARP/ND of its own meanwhile.
CASES = [
    ("eth_short_vlan", b_eth_short, ["drop.eth_short"], 1),
    ("eth_src_multicast", b_eth_bad_src_mcast, ["drop.eth_bad_src"], 1),
    ("eth_src_zero", b_eth_bad_src_zero, ["drop.eth_bad_src"], 1),
    ("eth_other_unicast_dst", b_eth_not_for_us, ["drop.eth_not_for_us"], 1),
    ("eth_unknown_ethertype", b_eth_unknown_type, ["drop.eth_unknown_type"], 1),
    ("vlan_tag_unknown", b_vlan_unknown, ["drop.vlan_unknown"], 1),
    ("arp_truncated", b_arp_truncated, ["drop.arp_malformed"], 1),
    ("arp_bad_ptype", b_arp_bad_ptype, ["drop.arp_malformed"], 1),
    ("arp_bad_hwlen", b_arp_bad_hwlen, ["drop.arp_malformed"], 1),
    ("arp_request_other_host", b_arp_not_for_us, ["drop.arp_not_for_us"], 50),
    ("arp_other_host_100_senders", b_arp_many_senders, ["drop.arp_not_for_us"], 100,
     ["event.neigh_learned"]),
    ("garp_claims_our_ip", b_arp_garp_ours, ["drop.arp_bad_sender"], 1, ["event.neigh_learned"]),
    ("garp_garbage_bcast_mac", b_arp_garp_bcast_mac, ["drop.arp_bad_sender"], 1),
    ("ip4_truncated_header", b_ip4_short, ["drop.ip4_short"], 1),
    ("ip4_version_6_in_4", b_ip4_bad_version, ["drop.ip4_bad_version"], 1),
    ("ip4_ihl_below_5", b_ip4_ihl_small, ["drop.ip4_bad_ihl"], 1),
    ("ip4_ihl_past_data", b_ip4_ihl_past_data, ["drop.ip4_bad_ihl"], 1),
    ("ip4_total_len_past_frame", b_ip4_len_past_frame, ["drop.ip4_bad_len"], 1),
    ("ip4_total_len_below_ihl", b_ip4_len_below_ihl, ["drop.ip4_bad_len"], 1),
    ("ip4_bad_checksum", b_ip4_bad_csum, ["drop.ip4_bad_csum"], 10),
    ("ip4_bad_source", b_ip4_bad_src, ["drop.ip4_bad_src"], 3),
    ("ip4_lsrr_option", b_ip4_lsrr, ["drop.ip4_options"], 1),
    ("icmp_bad_checksum", b_icmp_bad_csum, ["drop.icmp_malformed"], 1),
    ("icmp_truncated", b_icmp_truncated, ["drop.icmp_malformed"], 1),
    ("ip4_ttl_expired", b_ttl_expired, ["drop.ttl_expired"], 2),
    ("ip4_no_route", b_no_route4, ["drop.no_route"], 1),
    ("ip4_unknown_protocol", b_proto_unreach, ["drop.proto_unreach"], 1),
    ("udp_closed_port", b_udp_closed, ["drop.port_unreach", "drop.udp_no_listener"], 1),
    ("frag4_overlapping", b_frag4_overlap, ["drop.frag_bad"], 1),
    ("frag4_past_65535", b_frag4_oversized, ["drop.frag_bad"], 1),
    ("frag4_not_multiple_of_8", b_frag4_odd_len, ["drop.frag_bad"], 1),
    ("ip6_truncated_header", b_ip6_short, ["drop.ip6_short"], 1),
    ("ip6_version_4_in_6", b_ip6_bad_version, ["drop.ip6_bad_version"], 1),
    ("ip6_payload_len_past_frame", b_ip6_len_past_frame, ["drop.ip6_bad_len"], 1),
    ("ip6_bad_source", b_ip6_bad_src, ["drop.ip6_bad_src"], 2),
    ("ip6_exthdr_chain_24_long", b_ip6_long_chain,
     ["drop.ip6_exthdr_limit", "drop.ip6_bad_exthdr"], 1),
    ("ip6_exthdr_truncated", b_ip6_truncated_exthdr, ["drop.ip6_bad_exthdr"], 1),
    ("ip6_exthdr_past_payload_len", b_ip6_exthdr_past_plen, ["drop.ip6_bad_exthdr"], 1),
    ("ip6_hbh_not_first", b_ip6_hbh_not_first, ["drop.ip6_hbh_not_first"], 1),
    ("ip6_hop_limit_expired", b_hlim_expired, ["drop.ttl_expired"], 1),
    ("ip6_no_route", b_no_route6, ["drop.no_route"], 1),
    ("icmp6_bad_checksum", b_icmp6_bad_csum, ["drop.icmp6_malformed"], 1),
    ("nd_ns_other_target", b_nd_not_for_us, ["drop.nd_not_for_us"], 2, ["event.nd_na_tx"]),
    ("nd_ns_foreign_group", b_nd_foreign_group, ["drop.ip6_not_for_us"], 1, ["event.nd_na_tx"]),
    ("nd_ns_hop_limit_64", b_nd_bad_hlim, ["drop.nd_malformed"], 1),
    ("frag6_overlapping", b_frag6_overlap, ["drop.frag_bad"], 1),
    ("frag6_past_65535", b_frag6_oversized, ["drop.frag_bad"], 1),
    # Floods: at least 95 % answered, the dataplane stays up.
    ("icmp_echo_flood_2000", b_icmp_echo_flood, ["event.icmp_echo_reply"], 1900),
    ("icmp6_echo_flood_1000", b_icmp6_echo_flood, ["event.icmp6_echo_reply"], 950),
    # Errors nobody asked for: received, never answered with an error.
    ("icmp_error_flood_500", b_icmp_error_flood, [], 0),
]


class Dataplane:
    def __init__(self, pid, out):
        self.pid = pid
        self.out = out

    def alive(self):
        try:
            os.kill(self.pid, 0)
            return True
        except ProcessLookupError:
            return False

    def stats(self, timeout=5.0):
        off = os.path.getsize(self.out)
        os.kill(self.pid, signal.SIGUSR1)
        end = time.time() + timeout
        while time.time() < end:
            with open(self.out, "rb") as f:
                f.seek(off)
                text = f.read().decode(errors="replace")
            if "\nstats: end" in "\n" + text:
                return parse_stats(text.split("stats: end")[0])
            time.sleep(0.05)
        raise RuntimeError("no stats block %.0f s after SIGUSR1" % timeout)


def parse_stats(text):
    st = {}
    for line in text.splitlines():
        f = line.split()
        if len(f) < 3 or f[0] != "stats:":
            continue
        if f[1] == "port":
            for k, v in zip(f[3::2], f[4::2]):
                st["port.%s.%s" % (f[2], k)] = int(v)
        elif len(f) >= 4:
            st["%s.%s" % (f[1], f[2])] = int(f[3])
    return st


def delta(after, before):
    keys = set(after) | set(before)
    return {k: after.get(k, 0) - before.get(k, 0) for k in keys
            if after.get(k, 0) != before.get(k, 0)}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--list", action="store_true", help="print the case table and exit")
    ap.add_argument("--iface")
    ap.add_argument("--src-mac")
    ap.add_argument("--dst-mac")
    ap.add_argument("--src4")
    ap.add_argument("--dp4")
    ap.add_argument("--far4")
    ap.add_argument("--src6")
    ap.add_argument("--dp6")
    ap.add_argument("--far6")
    ap.add_argument("--port", default="cli", help="dataplane port name of --iface")
    ap.add_argument("--dp-pid", type=int)
    ap.add_argument("--dp-out")
    ap.add_argument("--only", nargs="*", default=[])
    a = ap.parse_args()

    if a.list:
        for name, _, keys, n, *forbid in CASES:
            print("%-30s %-45s >= %d%s" % (name, " | ".join(keys) or "(survive)", n,
                                           "".join("  %s +0" % f
                                                   for f in (forbid[0] if forbid else []))))
        return 0
    for req in ("iface", "src_mac", "dst_mac", "src4", "dp4", "far4", "src6", "dp6",
                "far6", "dp_pid", "dp_out"):
        if getattr(a, req) is None:
            ap.error("--%s is required" % req.replace("_", "-"))

    c = Ctx(a)
    dp = Dataplane(a.dp_pid, a.dp_out)
    rx_key = "port.%s.rx_packets" % a.port
    failed = []
    byname = {cs[0]: cs for cs in CASES}
    unknown = [n for n in a.only if n not in byname]
    if unknown:
        print("unknown case(s): %s" % " ".join(unknown), file=sys.stderr)
        return 2
    cases = [byname[n] for n in a.only] if a.only else CASES
    before = dp.stats()
    for name, build, keys, need, *forbid in cases:
        forbid = forbid[0] if forbid else []
        frames = build(c)
        sendp(frames, iface=a.iface, verbose=0)
        # Settle: all frames polled and counted.  Floods take longer.
        time.sleep(0.3 if len(frames) < 100 else 1.0)
        if not dp.alive():
            print("FAIL %s: dataplane died" % name)
            failed.append(name)
            break
        after = dp.stats()
        d = delta(after, before)
        got = sum(d.get(k, 0) for k in keys)
        rx = d.get(rx_key, 0)
        detail = " ".join("%s+%d" % (k, v) for k, v in sorted(d.items())
                          if k.startswith(("drop.", "event.")))
        if rx < len(frames):
            print("FAIL %s: port rx_packets +%d for %d frames sent [%s]"
                  % (name, rx, len(frames), detail))
            failed.append(name)
        elif got < need:
            print("FAIL %s: expected %s >= %d, got %d [%s]"
                  % (name, " | ".join(keys), need, got, detail))
            failed.append(name)
        elif any(d.get(k, 0) for k in forbid):
            print("FAIL %s: %s must not grow [%s]"
                  % (name, " ".join("%s+%d" % (k, d.get(k, 0)) for k in forbid), detail))
            failed.append(name)
        else:
            print("ok   %s: %s +%d (%d frames) [%s]"
                  % (name, " | ".join(keys) or "survived", got, len(frames), detail))
        sys.stdout.flush()
        before = after
    print("hostile: %d cases, %d failed%s" % (len(cases), len(failed),
                                              (": " + " ".join(failed)) if failed else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
