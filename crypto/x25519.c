/* SPDX-License-Identifier: BSD-3-Clause */
/* X25519 over OpenSSL 3 EVP_PKEY (RFC 7748). */
#include <string.h>
#include <sys/random.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "rb_x25519.h"

int rb_x25519_public(uint8_t pub[RB_X25519_KEY_LEN], const uint8_t priv[RB_X25519_KEY_LEN])
{
	EVP_PKEY *pk = EVP_PKEY_new_raw_private_key(EVP_PKEY_X25519, NULL, priv, RB_X25519_KEY_LEN);
	size_t len = RB_X25519_KEY_LEN;
	int rc = -1;

	if (pk != NULL && EVP_PKEY_get_raw_public_key(pk, pub, &len) == 1 &&
	    len == RB_X25519_KEY_LEN)
		rc = 0;
	EVP_PKEY_free(pk); /* cleanses the private key */
	if (rc != 0)
		memset(pub, 0, RB_X25519_KEY_LEN);
	return rc;
}

int rb_x25519_keypair(uint8_t priv[RB_X25519_KEY_LEN], uint8_t pub[RB_X25519_KEY_LEN])
{
	size_t got = 0;

	while (got < RB_X25519_KEY_LEN) {
		ssize_t n = getrandom(priv + got, RB_X25519_KEY_LEN - got, 0);

		if (n <= 0) {
			OPENSSL_cleanse(priv, RB_X25519_KEY_LEN);
			memset(pub, 0, RB_X25519_KEY_LEN);
			return -1;
		}
		got += (size_t)n;
	}
	/* RFC 7748 5: clear bits 0-2 and 255, set bit 254 */
	priv[0] &= 248;
	priv[31] &= 127;
	priv[31] |= 64;
	if (rb_x25519_public(pub, priv) != 0) {
		OPENSSL_cleanse(priv, RB_X25519_KEY_LEN);
		return -1;
	}
	return 0;
}

int rb_x25519_shared(uint8_t shared[RB_X25519_KEY_LEN], const uint8_t priv[RB_X25519_KEY_LEN],
		     const uint8_t peer[RB_X25519_KEY_LEN])
{
	EVP_PKEY *pk = EVP_PKEY_new_raw_private_key(EVP_PKEY_X25519, NULL, priv, RB_X25519_KEY_LEN);
	EVP_PKEY *pp = EVP_PKEY_new_raw_public_key(EVP_PKEY_X25519, NULL, peer, RB_X25519_KEY_LEN);
	EVP_PKEY_CTX *c = NULL;
	size_t len = RB_X25519_KEY_LEN;
	int rc = -1;

	if (pk == NULL || pp == NULL)
		goto out;
	c = EVP_PKEY_CTX_new_from_pkey(NULL, pk, NULL);
	/* OpenSSL's derive fails on an all-zero result (low-order peer point) */
	if (c != NULL && EVP_PKEY_derive_init(c) == 1 && EVP_PKEY_derive_set_peer(c, pp) == 1 &&
	    EVP_PKEY_derive(c, shared, &len) == 1 && len == RB_X25519_KEY_LEN)
		rc = 0;
out:
	EVP_PKEY_CTX_free(c);
	EVP_PKEY_free(pk);
	EVP_PKEY_free(pp);
	if (rc == 0) {
		/* belt and braces: never hand out an all-zero secret */
		uint8_t acc = 0;

		for (int i = 0; i < RB_X25519_KEY_LEN; i++)
			acc |= shared[i];
		if (acc == 0)
			rc = -1;
	}
	if (rc != 0)
		OPENSSL_cleanse(shared, RB_X25519_KEY_LEN);
	return rc;
}
