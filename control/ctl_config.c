/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Config helpers shared by startup, SIGHUP / ctl reload and `check FILE`:
 * all of them go through the loader's rb_config_load(), so the errors are
 * the loader's own "file:line: ..." lines.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/evp.h>

#include "rb_ctl.h"

int rb_ctl_load_config(const char *path, struct rb_config *cfg, char **errs)
{
	size_t len = 0;
	FILE *f;
	int rc;

	*errs = NULL;
	f = open_memstream(errs, &len);
	if (!f) {
		*errs = strdup("out of memory\n");
		return -1;
	}
	memset(cfg, 0, sizeof(*cfg));
	rc = rb_config_load(cfg, path, f);
	fclose(f);
	if (rc == 0) {
		free(*errs);
		*errs = NULL;
		return 0;
	}
	if (*errs && !(*errs)[0]) {
		free(*errs);
		*errs = strdup("config invalid (no detail from the loader)");
	}
	return -1;
}

int rb_ctl_sha256_file(const char *path, char hex[65])
{
	unsigned char md[EVP_MAX_MD_SIZE], buf[16384];
	unsigned mdlen = 0, i;
	EVP_MD_CTX *x;
	FILE *f;
	size_t n;

	hex[0] = 0;
	f = fopen(path, "rb");
	if (!f)
		return -1;
	x = EVP_MD_CTX_new();
	if (!x || EVP_DigestInit_ex(x, EVP_sha256(), NULL) != 1) {
		EVP_MD_CTX_free(x);
		fclose(f);
		return -1;
	}
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		EVP_DigestUpdate(x, buf, n);
	fclose(f);
	EVP_DigestFinal_ex(x, md, &mdlen);
	EVP_MD_CTX_free(x);
	for (i = 0; i < mdlen && i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
	return 0;
}
