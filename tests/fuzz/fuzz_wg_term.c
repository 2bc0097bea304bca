/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target for terminated mode's packet check
 * (dataplane/wireguard/term_parse.c): any bytes as a decrypted inner
 * packet.  What it accepts must be self-consistent: headers and lengths
 * inside the buffer, UDP ports non-zero and its length within the packet;
 * what wg_term_is_icmp calls ICMP has its IP header inside the buffer.
 * IPv6 extension header chains (net/ip6_ext.c): every walk mode on the
 * exact-size bytes stays inside them and within its bounds; what is taken
 * lies behind a chain the structure-only walk accepts too; a refusal names
 * its reason.  The same bytes as a chain whose first segment holds only a
 * prefix (wg_term_classify_seg, a reassembled datagram): every header it
 * accepts lies in that prefix, and a UDP checksum it did not verify is
 * flagged for the caller.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dataplane/net/ip6_ext.h"
#include "dataplane/wireguard/term_parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t buf[65536];
	struct wg_term_pkt p;
	enum wg_term_kind k;

	if (size > sizeof(buf))
		return 0;
	memcpy(buf, data, size); /* an exact-size copy lets ASan see overreads */
	{
		uint8_t *b = malloc(size ? size : 1);

		if (b == NULL)
			return 0;
		memcpy(b, buf, size);
		k = wg_term_classify(b, (uint32_t)size, &p);
		if (size >= 40 && (b[0] >> 4) == 6) {
			static const unsigned modes[] = {0, RB_IP6W_NO_OPTS, RB_IP6W_HBH_ONLY,
							 RB_IP6W_AH, RB_IP6W_NO_OPTS | RB_IP6W_AH};

			for (unsigned i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
				struct rb_ip6_walk w;
				int rc = rb_ip6_walk(b, (uint32_t)size, 40, 6, modes[i], &w);

				if (w.n_ext > RB_IP6_MAX_EXT + 1 || w.off > 40 + RB_IP6_MAX_EXT_LEN ||
				    (rc == RB_IP6W_OK && w.off > size) ||
				    (rc == RB_IP6W_FRAG && w.off + 8u > size) ||
				    ((rc == RB_IP6W_BAD || rc == RB_IP6W_LIMIT) &&
				     (w.why == RB_IP6W_WHY_NONE || w.why > RB_IP6W_WHY_LEN)) ||
				    (rc == RB_IP6W_BAD && w.pp_code >= 0 && w.pointer >= size))
					abort();
				/* taken: the chain's structure holds without options too */
				if ((k == WG_TERM_TCP || k == WG_TERM_UDP) && modes[i] == RB_IP6W_NO_OPTS &&
				    (rc != RB_IP6W_OK || w.off != p.hl))
					abort();
			}
		}
		/* a first segment of seg bytes (from the last byte, 20 at least) */
		if (size >= 21) {
			uint32_t seg = 20 + b[size - 1] % (uint32_t)(size - 19);
			struct wg_term_pkt q;
			enum wg_term_kind ks = wg_term_classify_seg(b, seg, (uint32_t)size, &q);

			if ((ks == WG_TERM_TCP && (uint32_t)q.hl + 20 > seg) ||
			    (ks == WG_TERM_UDP && ((uint32_t)q.hl + 8 > seg ||
						   q.cksum_todo != ((uint32_t)q.hl + q.ulen > seg))) ||
			    ((ks == WG_TERM_TCP || ks == WG_TERM_UDP) && q.tot > size) ||
			    (seg == size && ks != k))
				abort();
		}
		free(b);
	}
	if (k == WG_TERM_BAD_EXT && (p.v4 || p.w.why == RB_IP6W_WHY_NONE))
		abort();
	if (k == WG_TERM_TCP || k == WG_TERM_UDP) {
		if (p.hl < 20 || p.tot > size || p.hl > p.tot)
			abort();
		if (k == WG_TERM_TCP && (uint32_t)p.hl + 20 > p.tot)
			abort();
		if (k == WG_TERM_UDP && (p.sport == 0 || p.dport == 0 || p.ulen < 8 ||
					 (uint32_t)p.hl + p.ulen > p.tot))
			abort();
	}
	/* ICMP left to routing (dropped unless ours): its IP header inside the buffer */
	if (k == WG_TERM_PASS && wg_term_is_icmp(&p) &&
	    (p.hl < 20 || p.hl > p.tot || p.tot > size ||
	     (!p.v4 && (p.hl < 40 || (p.frag && p.hl + 8u > p.tot)))))
		abort();
	return 0;
}
