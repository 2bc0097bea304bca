/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Shadowsocks SIP004 AEAD UDP (shadowsocks.org "AEAD ciphers", UDP):
 *   packet = [salt][encrypted (SOCKS5 address + payload)][tag]
 * subkey = HKDF-SHA1(master, salt, "ss-subkey") per packet, nonce all zero.
 * A burst of packets is sealed/opened with one AEAD batch.
 */
#ifndef SS_UDP_H
#define SS_UDP_H

#include "ss_aead.h"

#define SS_UDP_BURST 32

struct ss_udp_pkt {
	const uint8_t *in; /* seal: plaintext (address + payload); open: packet */
	uint32_t len;
	uint8_t *out;	     /* seal: salt + len + 16 bytes; open: len - salt - 16 */
	const uint8_t *salt; /* seal only: m->key_len fresh random bytes */
	int32_t out_len;     /* result: bytes written, or SS_ERR_* */
};

/* Scratch for one burst (keys are ~1.1 KB each: keep it per lcore). */
struct ss_udp_burst {
	struct rb_aead_key key[SS_UDP_BURST];
	struct rb_aead_batch b;
};

/* Seal or open n <= SS_UDP_BURST packets.  Returns how many failed (each
 * packet's out_len tells which: SS_ERR_AUTH for a bad tag, SS_ERR_LEN for
 * a packet shorter than salt + tag). */
unsigned ss_udp_seal(struct rb_aead_ctx *ctx, struct ss_udp_burst *w, const struct ss_method *m,
		     const uint8_t *master, struct ss_udp_pkt *p, unsigned n);
unsigned ss_udp_open(struct rb_aead_ctx *ctx, struct ss_udp_burst *w, const struct ss_method *m,
		     const uint8_t *master, struct ss_udp_pkt *p, unsigned n);
void ss_udp_burst_wipe(struct ss_udp_burst *w);

#endif
