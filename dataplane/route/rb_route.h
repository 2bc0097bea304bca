/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The router's core, shared by the dataplane and control (no DPDK):
 * validation of a compiled rule table (rt_wire.h), a per-process view of
 * it (PCRE2 regexes compiled with JIT), the matcher that follows
 * sing-box's rule semantics, and an explanation of one rule's verdict for
 * `ringboxctl route test`.
 *
 * sing-box semantics (route/rule/rule_default.go): a default rule is the
 * AND of its item groups, where the destination-address items (domain,
 * domain_suffix, domain_keyword, domain_regex, ip_cidr, ip_is_private)
 * are one OR group, port/port_range another, source_ip_cidr/
 * source_ip_is_private another, source_port/source_port_range another,
 * and every other item is its own group (OR over its values).  invert
 * negates the verdict; a rule with no items matches everything.  Logical
 * rules combine sub-rules with and/or.  Rules are tried in order; the
 * first one that matches with a final action (route, reject) decides;
 * sniff / resolve / route-options matches act and go on with the next
 * rule; no match: route.final.
 */
#ifndef RB_ROUTE_H
#define RB_ROUTE_H

#include <stddef.h>
#include <stdint.h>
#include "rt_wire.h"
#include "../proxy/rb_route_api.h"

struct rb_rt_view {
	const struct rb_rt_hdr *h;  /* the blob (read only) */
	const uint8_t *base;
	uint32_t generation;
	uint32_t n_rx;
	void **rx;                  /* pcre2_code * per regex (NULL: failed to compile) */
	uint64_t rx_errors;         /* matches that hit the PCRE2 match limit */
};

/* Checksum of a blob (what rb_rt_hdr.checksum holds). */
uint64_t rb_rt_checksum(const void *blob, size_t len);
/* Check every offset, length and id in a blob of len bytes: 0, or -EBADMSG
 * with a reason in err. */
int rb_rt_validate(const void *blob, size_t len, char *err, size_t errlen);
/* Validate and build a view (compiles the regexes): 0 or -errno + err. */
int rb_rt_view_init(struct rb_rt_view *v, const void *blob, size_t len, char *err,
		    size_t errlen);
void rb_rt_view_fini(struct rb_rt_view *v);

/* Match req against the table (rb_route_match's semantics). 0, -EINVAL. */
int rb_rt_match(struct rb_rt_view *v, const struct rb_route_req *req,
		struct rb_route_result *res);

/* Why node (top-level rule index) does or does not match req: one line
 * per item group into buf.  Returns 1 match, 0 no match. */
int rb_rt_explain(struct rb_rt_view *v, const struct rb_route_req *req, uint32_t node,
		  char *buf, size_t len);

/* Names from the table (inbound / outbound tags). "" when out of range. */
const char *rb_rt_inbound_tag(const struct rb_rt_view *v, uint32_t i);
const char *rb_rt_outbound_tag(const struct rb_rt_view *v, uint32_t i);
int rb_rt_find_inbound(const struct rb_rt_view *v, const char *tag);

/* Is addr (network order) non-public (sing-box's !IsPublicAddr)? */
int rb_rt_ip_is_private(int family, const uint8_t *addr);

/* The head of a top-level node (the compiler writes it, validation
 * compares it). */
void rb_rt_nhead_of(const struct rb_rt_node *n, struct rb_rt_nhead *out);

/* Hash of a domain key as the table stores it (compiler and matcher):
 * right to left, so the matcher gets every label suffix's in one pass. */
uint64_t rb_rt_dom_hash(uint64_t seed, const char *s, size_t len);

#endif
