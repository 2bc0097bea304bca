/* SPDX-License-Identifier: BSD-3-Clause */
/* ringboxctl generate ss-key (ringboxctl_gen.h). */
#include <errno.h>
#include <string.h>
#include <sys/random.h>

#include "ringboxctl_gen.h"

#define SS_KEY_MAX 32u

/* SIP022 (shadowsocks-specs 2022-1), 3.1: key length = PSK length. */
static const struct {
	const char *name;
	unsigned len;
} ss_methods[] = {
	{ "2022-blake3-aes-128-gcm", 16 },
	{ "2022-blake3-aes-256-gcm", 32 },
	{ "2022-blake3-chacha20-poly1305", 32 },
};

unsigned rb_ctl_gen_ss_key_len(const char *method)
{
	size_t i;

	for (i = 0; i < sizeof(ss_methods) / sizeof(ss_methods[0]); i++)
		if (!strcmp(method, ss_methods[i].name))
			return ss_methods[i].len;
	return 0;
}

/* RFC 4648 section 4 base64 with padding; out holds 4 * ceil(n / 3) + 1. */
static void b64_encode(const unsigned char *in, size_t n, char *out)
{
	static const char tab[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t i, o = 0;

	for (i = 0; i + 2 < n; i += 3) {
		unsigned v = (unsigned)in[i] << 16 | (unsigned)in[i + 1] << 8 | in[i + 2];

		out[o++] = tab[v >> 18 & 63];
		out[o++] = tab[v >> 12 & 63];
		out[o++] = tab[v >> 6 & 63];
		out[o++] = tab[v & 63];
	}
	if (i < n) {
		unsigned v = (unsigned)in[i] << 16;

		if (i + 1 < n)
			v |= (unsigned)in[i + 1] << 8;
		out[o++] = tab[v >> 18 & 63];
		out[o++] = tab[v >> 12 & 63];
		out[o++] = i + 1 < n ? tab[v >> 6 & 63] : '=';
		out[o++] = '=';
	}
	out[o] = 0;
}

static int fill_random(unsigned char *buf, size_t n)
{
	size_t got = 0;

	while (got < n) {
		ssize_t r = getrandom(buf + got, n - got, 0);

		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		got += (size_t)r;
	}
	return 0;
}

int rb_ctl_gen_ss_key(int nargs, char **args, FILE *out, FILE *err)
{
	const char *method = nargs > 0 ? args[0] : RB_CTL_GEN_SS_DEFAULT;
	unsigned char key[SS_KEY_MAX];
	char text[(SS_KEY_MAX + 2) / 3 * 4 + 1];
	unsigned len;
	int rc = 0;

	if (nargs > 1) {
		fprintf(err, "ringboxctl: usage: generate ss-key [METHOD]\n");
		return 2;
	}
	len = rb_ctl_gen_ss_key_len(method);
	if (!len) {
		fprintf(err, "ringboxctl: generate ss-key: unknown method '%s' "
			"(2022-blake3-aes-128-gcm, 2022-blake3-aes-256-gcm, "
			"2022-blake3-chacha20-poly1305)\n", method);
		return 2;
	}
	if (fill_random(key, len) < 0) {
		fprintf(err, "ringboxctl: generate ss-key: getrandom: %s\n", strerror(errno));
		rc = 1;
		goto out;
	}
	b64_encode(key, len, text);
	if (fprintf(out, "%s\n", text) < 0 || fflush(out) != 0)
		rc = 1;
out:
	explicit_bzero(key, sizeof(key));
	explicit_bzero(text, sizeof(text));
	return rc;
}
