/* SPDX-License-Identifier: BSD-3-Clause */
/* Umbrella header for the crypto layer (see crypto/README.md). */
#ifndef RB_CRYPTO_H
#define RB_CRYPTO_H

#include "rb_aead.h"
#include "rb_blake2s.h"
#include "rb_blake3.h"
#include "rb_chacha.h"
#include "rb_hash.h"
#include "rb_rand.h"
#include "rb_tai64n.h"
#include "rb_x25519.h"

#endif
