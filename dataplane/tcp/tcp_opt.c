/* SPDX-License-Identifier: BSD-3-Clause */
/* TCP option parsing (RFC 9293 3.1/3.2, RFC 7323 2-3, RFC 2018 2-3). */
#include <string.h>
#include "tcp_priv.h"

static uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

int tcp_opts_parse(const uint8_t *p, unsigned len, int syn, struct tcp_opts *o)
{
	unsigned i = 0;

	memset(o, 0, sizeof(*o));
	while (i < len) {
		uint8_t kind = p[i], olen;

		if (kind == TCPOPT_EOL)
			break;
		if (kind == TCPOPT_NOP) {
			i++;
			continue;
		}
		if (i + 1 >= len)
			return -1;
		olen = p[i + 1];
		if (olen < 2 || i + olen > len)
			return -1;
		switch (kind) {
		case TCPOPT_MSS:
			/* RFC 9293 3.2: only in SYN segments */
			if (olen == 4 && syn) {
				o->has_mss = 1;
				o->mss = rd16(p + i + 2);
			}
			break;
		case TCPOPT_WSCALE:
			/* RFC 7323 2.2/2.3: only in SYN; clamp shift to 14 */
			if (olen == 3 && syn) {
				o->has_ws = 1;
				o->ws = p[i + 2] > TCP_WSCALE_MAX ? TCP_WSCALE_MAX : p[i + 2];
			}
			break;
		case TCPOPT_SACK_PERM:
			if (olen == 2 && syn)
				o->sack_perm = 1;
			break;
		case TCPOPT_SACK:
			/* RFC 2018 3: 2 + 8n bytes */
			if (!syn && (olen - 2) % 8 == 0) {
				unsigned n = (unsigned)(olen - 2) / 8;

				for (unsigned b = 0; b < n && o->n_sack < TCP_SACK_MAX_BLOCKS; b++) {
					o->sack[o->n_sack].start = rd32(p + i + 2 + 8 * b);
					o->sack[o->n_sack].end = rd32(p + i + 6 + 8 * b);
					o->n_sack++;
				}
			}
			break;
		case TCPOPT_TS:
			if (olen == 10) {
				o->has_ts = 1;
				o->tsval = rd32(p + i + 2);
				o->tsecr = rd32(p + i + 6);
			}
			break;
		default:
			break;
		}
		i += olen;
	}
	return 0;
}
