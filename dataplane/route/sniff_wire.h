/* SPDX-License-Identifier: BSD-3-Clause */
/* Wire constants the sniffers read (sniff.c). */
#ifndef RB_SNIFF_WIRE_H
#define RB_SNIFF_WIRE_H

/* RFC 8446 5.1: TLSPlaintext { ContentType type; ProtocolVersion
 * legacy_record_version; uint16 length; opaque fragment[length]; } */
#define TLS_REC_HDR          5
#define TLS_CT_HANDSHAKE     22
#define TLS_REC_MAX          (16384 + 2048)  /* 2^14 plus TLSCiphertext expansion */
/* RFC 8446 4: Handshake { HandshakeType msg_type; uint24 length; ... } */
#define TLS_HS_HDR           4
#define TLS_HS_CLIENT_HELLO  1
/* RFC 8446 4.1.2 ClientHello: legacy_version(2) random(32) then the
 * length-prefixed legacy_session_id<0..32>, cipher_suites<2..2^16-2>,
 * legacy_compression_methods<1..2^8-1>, extensions<8..2^16-1>. */
#define TLS_CH_FIXED         (2 + 32)
/* RFC 6066 3: server_name extension; ServerNameList of { NameType (0 =
 * host_name); HostName<1..2^16-1> } */
#define TLS_EXT_SERVER_NAME  0
#define TLS_SNI_HOST_NAME    0
/* draft-ietf-tls-esni: encrypted_client_hello; the outer ClientHello still
 * carries the public name in server_name, which is what we report. */
#define TLS_EXT_ECH          0xfe0d
/* ClientHello we are willing to reassemble from several records */
#define TLS_CH_MAX           (64 * 1024)

/* RFC 9112 3 / 5: request-line and header fields */
#define HTTP_HDR_MAX         8192

#endif
