/* SPDX-License-Identifier: BSD-3-Clause */
/* libFuzzer target: the route table's validator and matcher
 * (dataplane/route/rt_view.c, rt_match.c) against corrupt tables.  A real
 * table is compiled once from a config with every index (domain hash with
 * exact / suffix / dot-suffix keys, keyword automaton and DFA, v4/v6
 * interval maps, regex, logical and inverted rules); each input is a list
 * of (4-byte offset, xor byte) patches applied to a copy (the offset's top
 * 4 bits pick a section of the table: header, rule heads, nodes, pool,
 * strings, domain entries, tags, automaton, DFA, address intervals, or
 * anywhere).  The table is compiled twice, with the keyword automaton and
 * with the keyword q-gram index instead (its entries, buckets and bitmap
 * take the automaton's section numbers); an input whose length is not a
 * multiple of 5 with the low bit of its first byte past the patches set
 * patches the q-gram one.  Its checksum is then recomputed so that the structural checks, not the checksum, must
 * catch the damage.  A table that validates must match without reading
 * out of bounds (ASan) and answer a rule or route.final with an outbound
 * in range. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <libconfig.h>

#include "config/rb_cfg_route.h"
#include "config/schema.h"
#include "control/rb_route_ctl.h"
#include "dataplane/route/rb_route.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char cfg[] =
	"inbounds = ( { type = \"socks\"; tag = \"in\"; } );\n"
	"outbounds = ( { type = \"direct\"; tag = \"direct\"; }, { type = \"block\"; tag = \"block\"; } );\n"
	"route = { final = \"direct\"; rules = (\n"
	" { domain = [\"a.example.com\", \"b.example\"]; outbound = \"block\"; },\n"
	" { domain_suffix = [\"ads.example\", \".cdn.example\", \"x.y.z\"]; port = 443; outbound = \"block\"; },\n"
	" { domain_keyword = [\"track\", \"ad\", \"kx\"]; outbound = \"block\"; },\n"
	" { domain_regex = \"^w+[0-9]\\\\.\"; action = \"reject\"; },\n"
	" { ip_cidr = [\"10.0.0.0/8\", \"192.0.2.1\", \"2001:db8::/32\", \"2001:db8::99\"]; outbound = \"block\"; },\n"
	" { source_ip_cidr = \"198.51.100.0/24\"; network = \"udp\"; outbound = \"block\"; },\n"
	" { type = \"logical\"; mode = \"or\"; rules = ( { domain_suffix = \"l.example\"; }, { port = 22; invert = true; } ); outbound = \"block\"; },\n"
	" { domain_suffix = \"inv.example\"; invert = true; action = \"route-options\"; override_port = 8080; },\n"
	" { ip_is_private = true; outbound = \"direct\"; }\n"
	"); };\n";

static void *bases[2];
static size_t base_lens[2];
static struct { uint32_t off, len; } sects[2][16];

/* the sections of base table t, from its header */
static void find_sections(int t)
{
	void *base = bases[t];
	size_t base_len = base_lens[t];
	const struct rb_rt_hdr *h = base;
	__typeof__(sects[0]) *sp = &sects[t], sect;
	uint32_t v6 = sizeof(struct rb_rt_iv6), v4 = sizeof(struct rb_rt_iv4);

	memset(&sect, 0, sizeof(sect));

	sect[0].len = sizeof(*h);
	sect[1].off = h->nhead_off, sect[1].len = h->n_rules * (uint32_t)sizeof(struct rb_rt_nhead);
	sect[2].off = h->nodes_off, sect[2].len = h->n_nodes * (uint32_t)sizeof(struct rb_rt_node);
	sect[3].off = h->pool_off, sect[3].len = h->pool_n * 4;
	sect[4].off = h->str_off, sect[4].len = h->str_len;
	sect[5].off = h->dom_off, sect[5].len = (h->dom_mask + 1) * (uint32_t)sizeof(struct rb_rt_dom);
	sect[6].off = h->dom_tag_off, sect[6].len = h->dom_mask + 1;
	sect[7].off = h->ac_off, sect[7].len = h->n_ac * (uint32_t)sizeof(struct rb_rt_ac);
	sect[8].off = h->kw_dfa_off, sect[8].len = h->n_kw_dense * h->n_kw_cls * 4;
	sect[9].off = h->kw_map_off, sect[9].len = h->n_kw_dense * 8; /* map, row_of */
	sect[10].off = h->kw_cls_off, sect[10].len = 256;
	if (t == 1) { /* the q-gram index instead of the automaton */
		sect[7].off = h->kwq_off, sect[7].len = h->n_kwq * (uint32_t)sizeof(struct rb_rt_kwq);
		sect[8].off = h->kwq_start_off, sect[8].len = (h->kwq_mask + 2) * 4;
		sect[9].off = h->kwq_bits_off, sect[9].len = (h->kwq_mask + 1) / 8;
		sect[10] = sect[3];
	}
	sect[11].off = h->imap[RB_RT_DST4].iv_off, sect[11].len = h->imap[RB_RT_DST4].n_iv * v4;
	sect[12].off = h->imap[RB_RT_DST6].iv_off, sect[12].len = h->imap[RB_RT_DST6].n_iv * v6;
	sect[13].off = h->imap[RB_RT_SRC4].iv_off, sect[13].len = h->imap[RB_RT_SRC4].n_iv * v4;
	sect[14].off = h->rx_off, sect[14].len = h->n_rx * (uint32_t)sizeof(struct rb_rt_rx);
	sect[15].len = (uint32_t)base_len;
	for (int i = 0; i < 16; i++)
		if (!sect[i].len || (uint64_t)sect[i].off + sect[i].len > base_len)
			abort(); /* the config above has every section */
	memcpy(sp, &sect, sizeof(sect));
}

static void build_base(int t)
{
	struct rb_cfg_err e = RB_CFG_ERR_INIT(NULL, "fuzz.cfg");
	struct rb_cfg_routing r;
	config_t c;
	char err[256];

	config_init(&c);
	memset(&r, 0, sizeof(r));
	if (config_read_string(&c, cfg) != CONFIG_TRUE || rb_cfg_route_load(&c, &r, &e) ||
	    (rb_route_kwq_min = t ? 1 : RB_ROUTE_KWQ_MIN,
	     rb_route_compile(&r, 1, 0x0123456789abcdefULL, &bases[t], &base_lens[t], err,
			      sizeof(err))))
		abort();
	rb_route_kwq_min = RB_ROUTE_KWQ_MIN;
	if ((((const struct rb_rt_hdr *)bases[t])->kwq_off != 0) != t)
		abort();
	rb_cfg_route_free(&r);
	config_destroy(&c);
	find_sections(t);
}

static void query(struct rb_rt_view *v, const char *dom, int fam, uint8_t a0, uint16_t port)
{
	struct rb_route_req q;
	struct rb_route_result res;

	memset(&q, 0, sizeof(q));
	memset(&res, 0, sizeof(res));
	q.network = RB_NET_TCP;
	q.dst.port = port;
	q.src_family = AF_INET;
	q.src_addr[0] = 198;
	q.src_addr[1] = 51;
	q.src_addr[2] = 100;
	strcpy(q.dst.domain, dom);
	if (fam) {
		q.dst.family = (uint8_t)fam;
		q.dst.addr[0] = a0;
		q.dst.addr[1] = fam == AF_INET6 ? 0x01 : 0;
	}
	if (rb_rt_match(v, &q, &res) != 0)
		__builtin_trap();
	if (res.rule != RB_RULE_FINAL && res.rule >= v->h->n_rules && res.rule != 0xfffe)
		__builtin_trap();
	if (res.action == RB_ACT_ROUTE && res.outbound >= v->h->n_outbounds)
		__builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rb_rt_view v;
	struct rb_rt_hdr *h;
	uint8_t *t;
	char err[256];
	int which = size % 5 && (data[size - size % 5] & 1);
	size_t base_len;
	__typeof__(sects[0]) *sect;

	if (!bases[0]) {
		build_base(0);
		build_base(1);
	}
	base_len = base_lens[which];
	sect = &sects[which];
	t = malloc(base_len);
	if (!t)
		return 0;
	memcpy(t, bases[which], base_len);
	for (size_t i = 0; i + 5 <= size; i += 5) {
		uint32_t off;

		memcpy(&off, data + i, 4);
		t[(*sect)[off >> 28].off + (off & 0x0fffffff) % (*sect)[off >> 28].len] ^= data[i + 4];
	}
	h = (struct rb_rt_hdr *)t;
	h->checksum = rb_rt_checksum(t, base_len);
	if (rb_rt_view_init(&v, t, base_len, err, sizeof(err)) == 0) {
		query(&v, "a.example.com", 0, 0, 80);
		query(&v, "w.x.ads.example", 0, 0, 443);
		query(&v, "Trackkx.cdn.example.", 0, 0, 443);
		query(&v, "kxadtrackadkxtrack.track.ad", 0, 0, 80);
		query(&v, "ww7.l.example", AF_INET, 10, 22);
		query(&v, "q.inv.example", AF_INET6, 0x20, 53);
		query(&v, "", AF_INET, 192, 53);
		rb_rt_view_fini(&v);
	} else if (size < 5) {
		__builtin_trap(); /* the unpatched table must validate */
	}
	free(t);
	return 0;
}
