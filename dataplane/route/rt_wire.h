/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The compiled rule table: one flat, pointer-free blob (offsets from its
 * start only), written by control (control/route_compile.c) into the
 * route segment and read in place by the dataplane and by control's
 * `route test` (rt_match.c).  Nothing in it is trusted before
 * rb_rt_validate() has checked every offset and length.
 *
 *   struct rb_rt_hdr
 *   nhead      struct rb_rt_nhead[n_rules]: what the matcher's candidate
 *              loop reads of a top-level rule, 8 bytes each (the nodes of
 *              100 k rules are 10 MiB, their heads 0.8 MiB)
 *   nodes      struct rb_rt_node[n_nodes]: top-level rules are nodes
 *              0..n_rules-1, sub-rules of logical rules follow
 *   pool       uint32_t[]: node-id lists (sorted), values of items
 *   strtab     NUL-terminated strings (tags, keys, regex patterns)
 *   domhash    struct rb_rt_dom[dom_mask + 1], linear probing, with a tag
 *              byte per slot (uint8_t[dom_mask + 1] at dom_tag_off: 0
 *              empty, else 0x80 | the hash's top 7 bits) that answers most
 *              misses from a small array.  One key per distinct name
 *              (without a leading dot); its ids carry flags: WHOLE (the
 *              query is the key: `domain`, `domain_suffix` "a.com") and
 *              SUB (the key is a label suffix of the query: `domain_suffix`
 *              "a.com" and ".a.com").  Keys are hashed right to left, so
 *              one pass over the query yields the hash of every label
 *              suffix, and each suffix costs one probe.
 *   ac         Aho-Corasick automaton of the reversed domain_keyword
 *              strings (the matcher reads names right to left), plus (when
 *              for its shallowest states, as many as fit in
 *              RB_RT_KW_DFA_MAX bytes) a transition table over byte
 *              classes, states without output first: one load per byte
 *   kwq        instead of the automaton when there are many distinct
 *              keywords (control's rb_route_kwq_min): a q-gram index
 *              (q = RB_RT_KWQ_Q).  Each keyword is one struct rb_rt_kwq
 *              filed under one of its q-grams (the one fewest keywords
 *              contain), a keyword shorter than q under itself, zero-padded;
 *              entries are grouped by bucket (hash of the gram), bucket b
 *              holds entries start[b]..start[b+1]-1 (uint32_t[mask + 2] at
 *              kwq_start_off) and bit b of a bitmap (uint64_t[(mask + 1) / 64]
 *              at kwq_bits_off) says whether it is non-empty.  A lookup
 *              hashes every q-gram of the name (and every 1..3-gram when
 *              kwq_lens says keywords that short exist): independent loads,
 *              then each candidate is verified by its gram and its bytes.
 *   kw nodes   pool list of the keyword rules, the candidates when a name
 *              hits more keywords (states) than the matcher tracks
 *   imap[4]    dst v4, dst v6, src v4, src v6: disjoint sorted intervals
 *              covering the address space, each with the sorted list of
 *              nodes whose CIDR contains it, plus a 65536-entry index by
 *              the top 16 bits
 *   regex      struct rb_rt_rx[n_rx]: node and pattern (each process
 *              compiles them with PCRE2 + JIT when it adopts the table)
 */
#ifndef RB_RT_WIRE_H
#define RB_RT_WIRE_H

#include <stdint.h>

#define RB_RT_MAGIC    0x31425452u   /* "RTB1" */
#define RB_RT_VERSION  8
#define RB_RT_NO_OUTBOUND 0xffffu
/* The keyword DFA covers the shallowest states that fit in this size
 * (all of them unless there are tens of thousands of keywords); a DFA
 * entry with RB_RT_KW_SPARSE is a deeper automaton state, walked sparse. */
#define RB_RT_KW_DFA_MAX (8u << 20)
#define RB_RT_KW_SPARSE  0x80000000u

/* A domain index id: node << RB_RT_DOM_SHIFT | flags. */
#define RB_RT_DOM_WHOLE 1u   /* matches when the query is the key */
#define RB_RT_DOM_SUB   2u   /* matches when the key is a proper label suffix of the query */
#define RB_RT_DOM_SHIFT 2
#define RB_RT_DOM_KEY_MAX 255 /* key length (rb_rt_dom.n's top byte) */
#define RB_RT_DOM_TAG(h) ((uint8_t)(0x80u | (uint32_t)((uint64_t)(h) >> 57)))

enum rb_rt_imap_id { RB_RT_DST4 = 0, RB_RT_DST6, RB_RT_SRC4, RB_RT_SRC6, RB_RT_NIMAP };

/* A list in the pool: n uint32_t at pool[off]. */
struct rb_rt_list {
	uint32_t off, n;
};

/* node.items bits: which items a rule has (for `route test` and checks) */
enum rb_rt_item {
	RB_RTI_INBOUND = 1u << 0,
	RB_RTI_NETWORK = 1u << 1,
	RB_RTI_AUTH_USER = 1u << 2,
	RB_RTI_PROTOCOL = 1u << 3,
	RB_RTI_DOMAIN = 1u << 4,
	RB_RTI_SUFFIX = 1u << 5,
	RB_RTI_KEYWORD = 1u << 6,
	RB_RTI_REGEX = 1u << 7,
	RB_RTI_IP_CIDR = 1u << 8,
	RB_RTI_IP_PRIVATE = 1u << 9,
	RB_RTI_SRC_CIDR = 1u << 10,
	RB_RTI_SRC_PRIVATE = 1u << 11,
	RB_RTI_PORT = 1u << 12,        /* port or port_range */
	RB_RTI_SRC_PORT = 1u << 13,    /* source_port or source_port_range */
	RB_RTI_IP_VERSION = 1u << 14,
};
#define RB_RTI_DST_ADDR (RB_RTI_DOMAIN | RB_RTI_SUFFIX | RB_RTI_KEYWORD | RB_RTI_REGEX |   \
			 RB_RTI_IP_CIDR | RB_RTI_IP_PRIVATE)
#define RB_RTI_DST_INDEXED (RB_RTI_DOMAIN | RB_RTI_SUFFIX | RB_RTI_KEYWORD | RB_RTI_IP_CIDR)
#define RB_RTI_SRC_ADDR (RB_RTI_SRC_CIDR | RB_RTI_SRC_PRIVATE)

enum rb_rt_node_kind { RB_RT_DEFAULT = 0, RB_RT_LOGICAL = 1 };

struct rb_rt_node {
	uint8_t kind;               /* enum rb_rt_node_kind */
	uint8_t mode;               /* logical: 0 and, 1 or */
	uint8_t invert;
	uint8_t action;             /* enum rb_rule_action (config/rb_cfg_route.h) */
	uint32_t items;             /* RB_RTI_* */
	uint8_t network;            /* RB_RULE_NET_* bits */
	uint8_t ip_version;         /* 4 / 6 */
	uint16_t protocol;          /* bit (1 << enum rb_sniff_proto) */
	struct rb_rt_list inbound;  /* inbound indexes */
	struct rb_rt_list auth_user; /* strtab offsets */
	struct rb_rt_list port;     /* lo << 16 | hi */
	struct rb_rt_list src_port;
	struct rb_rt_list keyword;  /* strtab offsets (direct check on AC overflow) */
	struct rb_rt_list regex;    /* indexes into the regex table */
	struct rb_rt_list children; /* logical: node ids */
	/* action */
	uint16_t outbound;          /* route: outbound index */
	uint8_t reject_method;      /* 0 default, 1 drop */
	uint8_t strategy;           /* resolve: enum rb_resolve_strategy */
	uint16_t sniffers;          /* sniff: protocol bits, 0 = all */
	uint16_t override_port;     /* route / route-options: 0 = keep */
	uint32_t sniff_timeout_ms;
	uint8_t override_family;    /* 0 = keep */
	uint8_t pad[3];
	uint8_t override_addr[16];
	uint32_t line;              /* in the config file */
	uint32_t parent;            /* sub-rule: parent node id; top level: itself */
};

/* 16 bytes: a slot with tag 0 is empty and its entry is all zero. */
struct rb_rt_dom {
	uint32_t chk;               /* the hash's top 32 bits */
	uint32_t key;               /* strtab offset of the key (NUL-terminated) */
	uint32_t ids;               /* count 1: the flagged id itself, else pool offset */
	uint32_t n;                 /* key length << 24 | count of flagged ids (sorted) */
};

/* Aho-Corasick state: sorted edges (byte << 24 | target), fail link,
 * output: this state's keyword nodes and the next state with output. */
struct rb_rt_ac {
	uint32_t edge_off;          /* into pool */
	uint32_t n_edges;
	uint32_t fail;
	uint32_t out_next;          /* next state on the fail chain with output, 0 none */
	struct rb_rt_list ids;      /* nodes whose keyword ends here */
};

/* q-gram index entry: one distinct keyword. */
#define RB_RT_KWQ_Q 4
struct rb_rt_kwq {
	uint32_t gram;              /* bytes [gpos, gpos + min(len, q)) of the key,
				     * little-endian, zero-padded */
	uint32_t key;               /* strtab offset of the keyword (len bytes + NUL) */
	uint16_t len;               /* 1..RB_RT_KWQ_LEN_MAX */
	uint16_t gpos;              /* gpos + min(len, q) <= len */
	struct rb_rt_list ids;      /* nodes with this keyword, sorted */
};
#define RB_RT_KWQ_LEN_MAX 255       /* longer keywords match no name */

/* The bucket of a gram (mask + 1 buckets, a power of two >= 64). */
static inline uint32_t rb_rt_kwq_bucket(uint32_t gram, uint32_t mask)
{
	return (uint32_t)(((uint64_t)gram * 0x9e3779b97f4a7c15ULL) >> 32) & mask;
}

struct rb_rt_iv4 {
	uint32_t start;             /* host order */
	struct rb_rt_list ids;
};

struct rb_rt_iv6 {
	uint64_t hi, lo;            /* host order */
	struct rb_rt_list ids;
};

struct rb_rt_imap {
	uint32_t idx_off;           /* uint32_t[65537] in the pool: first interval of each /16 */
	uint32_t iv_off;            /* byte offset of the interval array */
	uint32_t n_iv;
	uint32_t pad;
};

/* rb_rt_nhead.flags */
#define RB_RT_NH_PROVEN   1u  /* default, not inverted, only indexed destination
			       * items: a hit in an index is a match */
#define RB_RT_NH_OVERRIDE 2u  /* override address or port: read the node */

/* A top-level rule as the candidate loop needs it; rb_rt_validate() checks
 * that it says what its node says. */
struct rb_rt_nhead {
	uint16_t items;             /* rb_rt_node.items (RB_RTI_* fit in 16 bits) */
	uint16_t outbound;
	uint8_t action;
	uint8_t flags;              /* RB_RT_NH_* */
	uint8_t reject_method;
	uint8_t pad;
};

struct rb_rt_rx {
	uint32_t node;
	uint32_t pattern;           /* strtab offset */
};

struct rb_rt_hdr {
	uint32_t magic;             /* RB_RT_MAGIC */
	uint32_t version;           /* RB_RT_VERSION */
	uint32_t size;              /* of the whole blob */
	uint32_t generation;
	uint64_t checksum;          /* FNV-1a 64 of the bytes after the header */
	uint64_t seed;              /* domain hash key */
	uint32_t n_rules, n_nodes;
	uint32_t nodes_off;
	uint32_t pool_off, pool_n;  /* uint32_t entries */
	uint32_t str_off, str_len;
	uint32_t dom_off, dom_mask;
	uint32_t ac_off, n_ac;
	uint32_t linear_off, n_linear; /* pool: top-level nodes evaluated always */
	uint32_t rx_off, n_rx;
	uint32_t final_outbound;
	uint32_t n_inbounds, n_outbounds;
	uint32_t tags_off;          /* pool: strtab offsets, inbounds then outbounds */
	uint32_t has_src_cidr;
	uint32_t ac_root_off;       /* pool: uint32_t[256], the root's transitions */
	uint32_t kw_cls_off;        /* uint8_t[256]: byte -> class (0: in no keyword) */
	uint32_t kw_dfa_off;        /* uint32_t[n_kw_dense * n_kw_cls]: the next state's
				     * row offset, or RB_RT_KW_SPARSE | automaton state */
	uint32_t kw_map_off;        /* uint32_t[n_kw_dense]: DFA state -> automaton state */
	uint32_t kw_row_of_off;     /* uint32_t[n_kw_dense]: automaton state -> row offset */
	uint32_t n_kw_dense;        /* automaton states 0..n_kw_dense-1 have a row */
	uint32_t kw_out_row;        /* rows >= this one have keyword output */
	uint32_t nhead_off;         /* struct rb_rt_nhead[n_rules] */
	uint32_t n_kw_cls;
	uint32_t dom_tag_off;       /* uint8_t[dom_mask + 1] */
	uint32_t kw_nodes_off;      /* pool: top-level indexed rules with a keyword, */
	uint32_t n_kw_nodes;        /* the candidates when a name hits too many keywords */
	struct rb_rt_imap imap[RB_RT_NIMAP];
	/* keyword q-gram index (kwq_off 0: none) */
	uint32_t kwq_off, n_kwq;    /* struct rb_rt_kwq[n_kwq], grouped by bucket */
	uint32_t kwq_mask;          /* buckets - 1 */
	uint32_t kwq_start_off;     /* uint32_t[kwq_mask + 2] */
	uint32_t kwq_bits_off;      /* uint64_t[(kwq_mask + 1) / 64] */
	uint32_t kwq_lens;          /* bit L (1..3): keywords of length L; bit 4: >= q */
};

#endif
