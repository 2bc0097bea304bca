/* SPDX-License-Identifier: BSD-3-Clause */
/* A vdev's key=value arguments ("net_af_packet0,iface=eth1,qpairs=2"). */
#ifndef RB_DRIVERS_DEVARG_H
#define RB_DRIVERS_DEVARG_H

#include <string.h>

/* The value of key= in the device string dev into out (cut to len - 1
 * bytes): 1 if the key is there, else 0 with out "". */
static inline int rb_devarg(const char *dev, const char *key, char *out, size_t len)
{
	size_t kl = strlen(key);
	const char *p = strchr(dev, ',');

	out[0] = '\0';
	while (p != NULL) {
		p++;
		if (strncmp(p, key, kl) == 0 && p[kl] == '=') {
			size_t n = strcspn(p + kl + 1, ",");

			if (n >= len)
				n = len - 1;
			memcpy(out, p + kl + 1, n);
			out[n] = '\0';
			return 1;
		}
		p = strchr(p, ',');
	}
	return 0;
}

#endif
