/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target for drivers/af_packet.c's parsers: the net_af_packet
 * device string (rb_afp_geom_parse) and a /proc/self/maps line
 * (rb_afp_map_line).
 *
 * Input: [ino byte][device string]\0[maps line]: either part may be empty.
 * A parsed geometry must be one the PMD accepts (1..16 queues, a frame
 * within a block, at least one block, the ring length it maps); a matched
 * line must give a non-empty range.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "drivers/rb_afp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rb_afp_geom g;
	char err[128], *buf, *line;
	unsigned long ino;
	uintptr_t addr = 0;
	size_t len = 0, n;

	if (size < 1)
		return 0;
	ino = data[0];
	buf = malloc(size + 1);
	if (buf == NULL)
		return 0;
	memcpy(buf, data + 1, size - 1);
	buf[size - 1] = '\0';
	buf[size] = '\0';
	n = strlen(buf);
	line = buf + n + (n < size - 1 ? 1 : 0);
	if (rb_afp_geom_parse(buf, &g, err, sizeof(err)) == 0) {
		if (g.qpairs < 1 || g.qpairs > RB_AFP_MAX_QUEUES || g.frame_size == 0 ||
		    g.frame_size > g.block_size || g.block_nr == 0 || g.iface[0] == '\0' ||
		    rb_afp_ring_len(&g) != 2 * (size_t)g.block_size * g.block_nr)
			abort();
	} else if (memchr(err, '\0', sizeof(err)) == NULL || err[0] == '\0') {
		abort();
	}
	if (rb_afp_map_line(line, ino, &addr, &len) && len == 0)
		abort();
	free(buf);
	return 0;
}
