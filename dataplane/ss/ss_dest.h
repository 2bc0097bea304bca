/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Shadowsocks 2022 relay inbounds (sing-box `destinations`; SIP023,
 * Shadowsocks-NET shadowsocks-specs 2022-2 "Scenarios": a relay server
 * holds an iPSK and forwards to the next server).
 *
 * A client whose path goes through the relay holds iPSK_relay : ... : uPSK
 * and sends (TCP, SIP022 3.1 with SIP023 3.1):
 *
 *   salt | EIH_relay | [EIH_next ...] | header chunks | payload chunks ...
 *
 *   EIH_relay = AES-ECB(identity_subkey(iPSK_relay, salt),
 *                       BLAKE3(next key)[0..16])
 *
 * The relay decrypts EIH_relay, finds the destination whose key has that
 * hash, and sends the next server `salt` followed by everything after
 * EIH_relay, byte for byte: the next server sees a client with one identity
 * header fewer (or none).  Replies pass back unchanged.  The relay holds no
 * session key: it cannot read or change the stream, only pick the hop.
 *
 * UDP (SIP023 "UDP" and "Scenarios"): a request packet is
 *
 *   AES-ECB(iPSK_relay, sep) | EIH_relay | [EIH_next ...] | AEAD body
 *   sep = session id || packet id
 *   EIH_relay = AES-ECB(iPSK_relay, BLAKE3(next key)[0..16] XOR sep)
 *
 * The relay decrypts sep, finds the destination from EIH_relay, writes
 * AES-ECB(next key, sep) into EIH_relay's place and sends the packet from
 * there (16 bytes shorter).  Response packets carry no identity header
 * and pass back unchanged.
 */
#ifndef SS_DEST_H
#define SS_DEST_H

#include <stddef.h>
#include <stdint.h>

struct rb_lcore;
struct rb_cfg_proxy;

/* Bytes the relay reads before it can choose: salt + one identity header
 * (0 for an inbound without destinations). */
size_t ss_dest_hdr_len(const struct rb_cfg_proxy *p, int inbound);
/* Build this worker's destination tables (from the main lcore, before the
 * workers run).  0 or -1 (a key that does not decode, no memory). */
int ss_dest_lcore_init(struct rb_lcore *lc, const struct rb_cfg_proxy *p);
void ss_dest_lcore_fini(struct rb_lcore *lc);
/* The destination (index into the inbound's dests) that hdr (salt and
 * identity header, ss_dest_hdr_len bytes) names, or -1. */
int ss_dest_identify(struct rb_lcore *lc, int inbound, const uint8_t *hdr);
/* UDP: rewrite the request packet pkt (len bytes) for the destination it
 * names; the packet to send is then pkt + SS_DEST_UDP_STRIP (len - 16).
 * The destination's index, or -1 (shorter than two blocks, or naming no
 * destination: pkt is left as it was). */
#define SS_DEST_UDP_STRIP 16
int ss_dest_udp_relay(struct rb_lcore *lc, int inbound, uint8_t *pkt, size_t len);

#endif
