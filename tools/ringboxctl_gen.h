/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ringboxctl generate: commands answered locally, without the ctl socket
 * (as `sing-box generate ...`).
 *
 *   generate ss-key [METHOD]   random base64 PSK for a shadowsocks 2022
 *                              method (SIP022 3.1: the PSK is the method's
 *                              key length: 16 bytes for
 *                              2022-blake3-aes-128-gcm, 32 otherwise)
 */
#ifndef RB_CTL_GEN_H
#define RB_CTL_GEN_H

#include <stdio.h>

#define RB_CTL_GEN_SS_DEFAULT "2022-blake3-aes-128-gcm"

/* Key length in bytes of a 2022 method, or 0 when the name is not one. */
unsigned rb_ctl_gen_ss_key_len(const char *method);

/*
 * `generate ss-key`: args are the words after "ss-key" (nargs 0 or 1).
 * Prints the key and a newline to out; errors to err.  Returns the exit
 * status: 0 ok, 2 usage (unknown method, extra words), 1 no randomness.
 */
int rb_ctl_gen_ss_key(int nargs, char **args, FILE *out, FILE *err);

#endif
