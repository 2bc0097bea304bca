/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * X25519 (RFC 7748 section 5) over OpenSSL EVP_PKEY.  All functions return 0
 * on success and -1 on failure; outputs are zeroed on failure.
 */
#ifndef RB_X25519_H
#define RB_X25519_H

#include <stdint.h>

#define RB_X25519_KEY_LEN 32

/* A fresh private key (clamped per RFC 7748 section 5, as WireGuard stores
 * it) from getrandom(), and its public key. */
int rb_x25519_keypair(uint8_t priv[RB_X25519_KEY_LEN], uint8_t pub[RB_X25519_KEY_LEN]);
/* pub = X25519(priv, 9). */
int rb_x25519_public(uint8_t pub[RB_X25519_KEY_LEN], const uint8_t priv[RB_X25519_KEY_LEN]);
/* shared = X25519(priv, peer).  Fails (-1) when the result is all zero, i.e.
 * the peer sent a low-order point (RFC 7748 section 6.1). */
int rb_x25519_shared(uint8_t shared[RB_X25519_KEY_LEN], const uint8_t priv[RB_X25519_KEY_LEN],
		     const uint8_t peer[RB_X25519_KEY_LEN]);

#endif
