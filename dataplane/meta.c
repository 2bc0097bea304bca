/* SPDX-License-Identifier: BSD-3-Clause */
/* The ringbox mbuf dynfield (struct rb_mbuf_meta). */
#include <rte_mbuf_dyn.h>
#include "rb_lcore.h"

int rb_meta_offset = -1;

int rb_meta_register(void)
{
	static const struct rte_mbuf_dynfield desc = {
		.name = "ringbox_meta",
		.size = sizeof(struct rb_mbuf_meta),
		.align = __alignof__(struct rb_mbuf_meta),
	};

	rb_meta_offset = rte_mbuf_dynfield_register(&desc);
	return rb_meta_offset < 0 ? -1 : 0;
}
