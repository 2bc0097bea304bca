/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * SOCKS wire constants.
 *   SOCKS4:  "SOCKS: A protocol for TCP proxy across firewalls" (Ying-Da Lee)
 *   SOCKS4a: "SOCKS 4A: A Simple Extension to SOCKS 4 Protocol"
 *   SOCKS5:  RFC 1928; username/password: RFC 1929
 */
#ifndef SOCKS_WIRE_H
#define SOCKS_WIRE_H

/* SOCKS4 request: VN CD DSTPORT(2) DSTIP(4) USERID NUL [DOMAIN NUL] */
#define SOCKS4_VER          4
#define SOCKS4_REPLY_VER    0
#define SOCKS4_CMD_CONNECT  1
#define SOCKS4_CMD_BIND     2
#define SOCKS4_GRANTED      90
#define SOCKS4_REJECTED     91
#define SOCKS4_NO_IDENTD    92
#define SOCKS4_BAD_USERID   93

/* RFC 1928 3: VER NMETHODS METHODS[1..255] */
#define SOCKS5_VER          5
#define SOCKS5_AUTH_NONE    0x00
#define SOCKS5_AUTH_GSSAPI  0x01
#define SOCKS5_AUTH_USERPASS 0x02
#define SOCKS5_AUTH_NO_ACCEPTABLE 0xff

/* RFC 1929 2: VER(1) ULEN UNAME PLEN PASSWD; reply VER STATUS */
#define SOCKS5_UP_VER       1
#define SOCKS5_UP_OK        0
#define SOCKS5_UP_FAIL      1

/* RFC 1928 4: VER CMD RSV ATYP DST.ADDR DST.PORT */
#define SOCKS5_CMD_CONNECT  1
#define SOCKS5_CMD_BIND     2
#define SOCKS5_CMD_UDP      3
#define SOCKS5_ATYP_IPV4    1
#define SOCKS5_ATYP_DOMAIN  3
#define SOCKS5_ATYP_IPV6    4

/* RFC 1928 6: REP */
#define SOCKS5_REP_OK               0
#define SOCKS5_REP_FAILURE          1
#define SOCKS5_REP_NOT_ALLOWED      2
#define SOCKS5_REP_NET_UNREACH      3
#define SOCKS5_REP_HOST_UNREACH     4
#define SOCKS5_REP_REFUSED          5
#define SOCKS5_REP_TTL_EXPIRED      6
#define SOCKS5_REP_CMD_UNSUPPORTED  7
#define SOCKS5_REP_ATYP_UNSUPPORTED 8

/* RFC 1928 7: UDP request header: RSV(2) FRAG ATYP DST.ADDR DST.PORT DATA */
#define SOCKS5_UDP_HDR_MIN  8   /* RFC 1928 7: RSV FRAG ATYP, a 1-octet domain (2), PORT */

#endif
