/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sing-box's UDP over TCP ("UoT"), wire format.  Not part of Shadowsocks:
 * a SagerNet protocol carried inside any proxied TCP stream.  Sources read
 * (facts only): sing-box docs/configuration/shared/udp-over-tcp.md
 * ("Protocol details") and SagerNet/sing common/uot/protocol.go, conn.go,
 * server.go, common/metadata/serializer.go.
 *
 * The client opens a proxied TCP stream to a magic domain (port 0 in
 * sing's Socksaddr; the port is not looked at):
 *   v1  "sp.udp-over-tcp.arpa"      (sing LegacyMagicAddress)
 *   v2  "sp.v2.udp-over-tcp.arpa"   (sing MagicAddress; the default)
 *
 * v2 first sends a request (client -> server only, once):
 *   isConnect u8 (0: non-connect; non-zero: connect, as Go's binary.Read
 *   of a bool) | ATYP u8 | address | port u16be
 *   with the SOCKS5 address types (1 IPv4, 3 domain: u8 length + name,
 *   4 IPv6; ss_wire.h SS_ATYP_*).
 *
 * Then both directions are a sequence of packets:
 *   v1, and v2 non-connect:  ATYP u8 | address | port u16be | length u16be | data
 *   v2 connect:              length u16be | data
 * with this stream's OWN address types (sing's AddrParser), NOT SOCKS5's:
 *   0x00 IPv4 (4 bytes), 0x01 IPv6 (16 bytes), 0x02 domain (u8 length +
 *   name).  Client -> server the address names the destination; server ->
 *   client it names the address that answered.  A connect stream's packets
 *   all go to / come from the request's destination.
 * length is the datagram's payload size (0..65535); there is no padding,
 * no fragmentation, and the stream ends with the TCP connection.
 */
#ifndef UOT_WIRE_H
#define UOT_WIRE_H

#define UOT_MAGIC_V1 "sp.udp-over-tcp.arpa"
#define UOT_MAGIC_V2 "sp.v2.udp-over-tcp.arpa"

/* packet address types (sing common/uot AddrParser) */
#define UOT_ATYP_IPV4   0x00
#define UOT_ATYP_IPV6   0x01
#define UOT_ATYP_DOMAIN 0x02

/* v2 request: isConnect values as sing writes them */
#define UOT_REQ_NONCONNECT 0
#define UOT_REQ_CONNECT    1

#define UOT_LEN_LEN      2
/* the longest packet header: ATYP, domain length, 255 bytes, port, length */
#define UOT_HDR_MAX      (1 + 1 + 255 + 2 + UOT_LEN_LEN)
/* the longest v2 request: isConnect, SOCKS5 domain address, port */
#define UOT_REQ_MAX      (1 + 1 + 1 + 255 + 2)

#endif
