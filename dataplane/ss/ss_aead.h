/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Shadowsocks SIP004 AEAD stream codec (no DPDK): methods, master key,
 * per-direction subkeys, and a streaming encoder/decoder whose AEAD work
 * goes through the burst interface (crypto/rb_aead.h): one batch per call
 * for the seals, and for the decoder's payload opens (a chunk's length
 * must be opened before its payload can be found, so lengths are opened
 * one at a time; their payloads are queued and run together).
 */
#ifndef SS_AEAD_H
#define SS_AEAD_H

#include <stddef.h>
#include <stdint.h>

#include "../../crypto/rb_aead.h"
#include "ss_wire.h"

enum ss_method_id {
	SS_M_AES_128_GCM = 0,
	SS_M_AES_256_GCM,
	SS_M_CHACHA20_IETF_POLY1305,
	SS_M_XCHACHA20_IETF_POLY1305,
	SS_M_COUNT
};

struct ss_method {
	const char *name; /* config name, as shadowsocks-libev */
	uint8_t alg;	  /* enum rb_aead_alg */
	uint8_t key_len;  /* = salt length */
	uint8_t nonce_len;
	uint16_t max_payload; /* chunk payload limit: 0x3FFF (SIP004), 0xFFFF (SIP022) */
};

/* NULL for an unknown name. */
const struct ss_method *ss_method_find(const char *name);
const struct ss_method *ss_method_get(enum ss_method_id id);

/* EVP_BytesToKey(MD5) of the password into key (m->key_len bytes). */
int ss_master_key(const struct ss_method *m, const char *password, uint8_t *key);

enum ss_err {
	SS_OK = 0,
	SS_ERR_AUTH = -1,     /* a tag did not verify (first chunk: probe) */
	SS_ERR_LEN = -2,      /* payload length 0 or over m->max_payload */
	SS_ERR_INTERNAL = -3, /* key derivation / backend failure */
};

#define SS_BATCH_CHUNKS (RB_AEAD_BATCH_MAX / 2)

/* A codec layered behind ss_enc / ss_dec / ss_enc_size / ss_cipher_wipe
 * (SIP022: ss2022_compat.h).  A cipher with a layer hands every call to
 * it: one branch per call, none per chunk. */
struct ss_layer;
struct ss_layer_ops {
	long (*enc)(struct rb_aead_ctx *ctx, struct ss_layer *l, const uint8_t *in, size_t len,
		    uint8_t *out);
	size_t (*enc_size)(const struct ss_layer *l, size_t len);
	int (*dec)(struct rb_aead_ctx *ctx, struct ss_layer *l, const uint8_t *in, size_t len,
		   size_t *used, uint8_t *out, size_t outcap, size_t *produced);
	void (*destroy)(struct ss_layer *l); /* wipe and free */
};
struct ss_layer {
	const struct ss_layer_ops *ops;
};

/* One direction of one connection. */
struct ss_cipher {
	struct rb_aead_key key; /* the subkey */
	const struct ss_method *m;
	uint8_t master[SS_MAX_KEY];
	uint8_t salt[SS_MAX_SALT];
	uint8_t nonce[SS_MAX_NONCE]; /* next nonce (little-endian counter) */
	uint8_t keyed;		     /* the salt is known, subkey ready */
	uint8_t salt_sent;	     /* encoder: the salt went out */
	/* decoder state */
	uint8_t st; /* SALT, LEN, PAYLOAD */
	uint8_t failed;
	uint16_t plen; /* payload length of the current chunk */
	uint32_t pend_len;
	uint64_t chunks; /* chunks opened/sealed so far */
	struct ss_layer *layer; /* non-NULL: every call goes to it (ss_cipher_wipe frees it) */
	uint8_t *pend;	 /* reassembly buffer: pend_buf, or the layered codec's */
	uint8_t pend_buf[SS_MAX_PAYLOAD + SS_TAG_LEN];
	uint8_t nonces[RB_AEAD_BATCH_MAX][SS_MAX_NONCE];
	struct rb_aead_batch batch;
};

/* Chunks are at most m->max_payload bytes.
 * Encoder: salt = m->key_len random bytes chosen by the caller (tests pass
 * fixed ones).  Decoder: the salt comes from the stream. */
int ss_enc_init(struct ss_cipher *c, const struct ss_method *m, const uint8_t *master,
		const uint8_t *salt);
void ss_dec_init(struct ss_cipher *c, const struct ss_method *m, const uint8_t *master);
void ss_cipher_wipe(struct ss_cipher *c);
/* For a codec layered on this one (SIP022 after its headers): a cipher
 * whose salt was handled elsewhere, keyed with subkey, nonce counter at
 * `nonce`; the encoder writes no salt, the decoder expects a length chunk.
 * pend: a reassembly buffer of m->max_payload + SS_TAG_LEN bytes for a
 * decoder, or NULL: the inline one when m->max_payload <= SS_MAX_PAYLOAD,
 * else none (an encoder; ss_dec then fails with SS_ERR_INTERNAL). */
int ss_cipher_init_keyed(struct ss_cipher *c, const struct ss_method *m, const uint8_t *subkey,
			 uint64_t nonce, uint8_t *pend);

/* Bytes the encoder writes for len bytes of plaintext (salt included the
 * first time). */
size_t ss_enc_size(const struct ss_cipher *c, size_t len);
/* Seal in[0..len) into out (ss_enc_size(c, len) bytes).  Returns that size
 * or SS_ERR_*.  len 0 writes nothing (not even the salt). */
long ss_enc(struct rb_aead_ctx *ctx, struct ss_cipher *c, const uint8_t *in, size_t len,
	    uint8_t *out);

/* Feed ciphertext.  Consumes what it can of in[0..len) (*used), writes
 * plaintext to out (at most outcap; *produced).  Bytes of an incomplete
 * unit are kept inside.  Returns SS_OK or SS_ERR_* (then the stream is
 * dead: every later call fails too).  Stops early only when out is full;
 * outcap >= m->max_payload guarantees progress. */
int ss_dec(struct rb_aead_ctx *ctx, struct ss_cipher *c, const uint8_t *in, size_t len,
	   size_t *used, uint8_t *out, size_t outcap, size_t *produced);

/* For the mbuf-chain codec (ss_chain.c), which seals and opens chunk
 * payloads straight between mbufs with AEAD streams: the decoder's state
 * (c->st) and the next nonce (copied to out, then the counter steps). */
enum { SS_ST_SALT = 0, SS_ST_LEN, SS_ST_PAYLOAD };
void ss_nonce_take(struct ss_cipher *c, uint8_t *out);

/* Derive a subkey: HKDF-SHA1(master, salt, "ss-subkey"). */
int ss_subkey(const struct ss_method *m, const uint8_t *master, const uint8_t *salt,
	      uint8_t *subkey);

/* Parse a SOCKS5-form address (ATYP..port).  Returns its length, 0 when
 * more bytes are needed, -1 when malformed.  host: dotted/literal text or
 * the domain (NUL-terminated, hostcap >= 256); family 4/6 or 0 = domain. */
int ss_addr_parse(const uint8_t *b, size_t len, int *family, uint8_t addr[16], char *host,
		  size_t hostcap, uint16_t *port);
/* Write one; returns its length (<= 259) or -1. */
int ss_addr_write(uint8_t *out, int family, const uint8_t addr[16], const char *host,
		  uint16_t port);

#endif
