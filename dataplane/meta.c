/* SPDX-License-Identifier: BSD-3-Clause */
/* The ringbox mbuf dynfield (struct rb_mbuf_meta). */
#include <rte_mbuf_dyn.h>
#include "rb_lcore.h"

int rb_meta_offset = -1;
uint64_t rb_psum_flag;

int rb_meta_register(void)
{
	static const struct rte_mbuf_dynfield desc = {
		.name = "ringbox_meta",
		.size = sizeof(struct rb_mbuf_meta),
		.align = __alignof__(struct rb_mbuf_meta),
	};

	static const struct rte_mbuf_dynflag psum = {.name = "ringbox_psum"};
	int bit;

	rb_meta_offset = rte_mbuf_dynfield_register(&desc);
	if (rb_meta_offset < 0)
		return -1;
	/* optional: without it payload sums are never reused */
	bit = rte_mbuf_dynflag_register(&psum);
	rb_psum_flag = bit < 0 ? 0 : 1ull << bit;
	return 0;
}
