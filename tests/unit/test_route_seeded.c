/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of the router, part two (test_route.c has the rest):
 *  - 3000 seeded random rules with every item, group and action over a
 *    small vocabulary against a naive reference (seed printed,
 *    RB_TEST_SEED replays), with the keyword DFA, without it, and with a
 *    DFA for the shallow states only;
 *  - keyword-heavy tables: the q-gram index against the automaton and the
 *    naive reference;
 *  - a name with more keyword hits than the matcher tracks.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/socket.h>
#include <regex.h>
#include <CUnit/Basic.h>
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "config/schema.h"
#include "control/rb_route_ctl.h"
#include "test_route.h"

/* ------------------------------------------------------------ seeded random vs naive reference */

/*
 * Thousands of random rules over a small vocabulary (so that names,
 * suffixes and keywords collide often), every item and group, invert and
 * nested logical rules, against a naive matcher that reads the config
 * structs with strcmp/strstr/POSIX regex and bit compares: sing-box's
 * semantics written out once more, independent of the compiler's indexes.
 * The seed is printed; RB_TEST_SEED=N replays one.  The same queries go
 * through the table with its keyword DFA removed (the sparse walk) and
 * through one compiled with a DFA of a few rows (the sparse walk below). 
 */
static uint64_t xs;

static uint32_t xr(uint32_t n)
{
	xs ^= xs << 13;
	xs ^= xs >> 7;
	xs ^= xs << 17;
	return (uint32_t)(xs % n);
}

static const char *const vlab[] = {"a", "b", "ab", "ba", "cdn", "www", "x-y", "q_1", "com", "org", "c0m"};
#define NVLAB (sizeof(vlab) / sizeof(vlab[0]))
/* ERE and PCRE2 agree on these (searched, not anchored unless ^/$) */
static const char *const vrx[] = {"^ab\\\\.", "x-y\\\\.b$", "c[a-d]n\\\\.org", "(ab|ba)\\\\.www\\\\.",
				  "^w+\\\\.q_1", "[0-9]m\\\\.com$"};
static const char *const vrx_plain[] = {"^ab\\.", "x-y\\.b$", "c[a-d]n\\.org", "(ab|ba)\\.www\\.",
					"^w+\\.q_1", "[0-9]m\\.com$"};
#define NVRX (sizeof(vrx) / sizeof(vrx[0]))

static void vname(char *b, size_t len, int min, int max)
{
	int n = min + (int)xr((uint32_t)(max - min + 1));
	size_t o = 0;

	b[0] = 0;
	for (int i = 0; i < n && o < len; i++)
		o += (size_t)snprintf(b + o, len - o, "%s%s", i ? "." : "", vlab[xr(NVLAB)]);
}

/* v4 in 10/8, 172.16/12, 192.168/16 (private), 1.2/16, 9/8 (public);
 * v6 in 2001:db8::/32, fd00::/8 */
static void vaddr(uint8_t *fam, uint8_t *a)
{
	static const uint8_t pre4[][2] = {{10, 0}, {172, 16}, {192, 168}, {1, 2}, {9, 9}};
	uint32_t k = xr(7);

	memset(a, 0, 16);
	if (k < 5) {
		*fam = AF_INET;
		a[0] = pre4[k][0];
		a[1] = (uint8_t)(pre4[k][1] | (k == 1 ? xr(16) : 0));
		a[2] = (uint8_t)xr(32);
		a[3] = (uint8_t)xr(256);
	} else {
		*fam = AF_INET6;
		if (k == 5) {
			a[0] = 0x20, a[1] = 0x01, a[2] = 0x0d, a[3] = 0xb8;
		} else {
			a[0] = 0xfd;
		}
		a[4] = (uint8_t)xr(4);
		a[15] = (uint8_t)xr(256);
	}
}

static void vcidr(FILE *f)
{
	uint8_t fam, a[16];
	char s[64];

	vaddr(&fam, a);
	inet_ntop(fam, a, s, sizeof(s));
	fprintf(f, "\"%s/%u\"", s, fam == AF_INET ? 24 + xr(9) : 104 + xr(25));
}

static void vstrs(FILE *f, const char *key, int dot)
{
	int n = 1 + (int)xr(3);
	char b[80];

	fprintf(f, "%s = [", key);
	for (int i = 0; i < n; i++) {
		vname(b, sizeof(b), xr(100) ? 2 : 1, 3);
		if (xr(8) == 0 && b[0] >= 'a' && b[0] <= 'z')
			b[0] = (char)(b[0] - 32); /* the config lower-cases rule values */
		fprintf(f, "%s\"%s%s\"", i ? ", " : "", dot && xr(3) == 0 ? "." : "", b);
	}
	fprintf(f, "]; ");
}

static void vkeywords(FILE *f)
{
	int n = 1 + (int)xr(2);
	char b[80];

	fprintf(f, "domain_keyword = [");
	for (int i = 0; i < n; i++) {
		size_t l, st, k;

		vname(b, sizeof(b), 2, 3);
		l = strlen(b);
		k = 4 + xr(3); /* short ones are in most names of this vocabulary */
		st = l > k ? xr((uint32_t)(l - k + 1)) : 0;
		if (st + k < l)
			b[st + k] = 0;
		fprintf(f, "%s\"%s\"", i ? ", " : "", b + st);
	}
	fprintf(f, "]; ");
}

/* Returns 2 when the rule has a destination item (or is logical), 1 when
 * it has only other items, 0 when none (it matches everything). */
static int vrule(FILE *f, int depth)
{
	int dst = 0, other = 0;

	if (depth < 2 && xr(100) < 8) {
		int n = 2 + (int)xr(2);

		fprintf(f, "type = \"logical\"; mode = \"%s\"; %srules = (", xr(2) ? "and" : "or",
			xr(5) == 0 ? "invert = true; " : "");
		for (int i = 0; i < n; i++) {
			fprintf(f, "%s{ ", i ? ", " : "");
			vrule(f, depth + 1);
			fprintf(f, "}");
		}
		fprintf(f, "); ");
		return 2;
	}
	/* most rules carry a destination item (the indexed path); the other
	 * groups narrow them */
	while ((depth || xr(100) < 92) && !dst) {
		if (xr(100) < 35)
			vstrs(f, "domain", 0), dst = 1;
		if (xr(100) < 45)
			vstrs(f, "domain_suffix", 1), dst = 1;
		if (xr(100) < 10)
			vkeywords(f), dst = 1;
		if (xr(100) < 3)
			fprintf(f, "domain_regex = \"%s\"; ", vrx[xr(NVRX)]), dst = 1;
		if (xr(100) < 20) {
			fprintf(f, "ip_cidr = [");
			vcidr(f);
			if (xr(2))
				fprintf(f, ", "), vcidr(f);
			fprintf(f, "]; ");
			dst = 1;
		}
		if (xr(1000) < 5)
			fprintf(f, "ip_is_private = true; "), dst = 1;
	}
	if (xr(100) < 10)
		fprintf(f, "port = [%u, 443]; ", 80 + xr(3)), other = 1;
	if (xr(100) < 4)
		fprintf(f, "port_range = \"%u:%u\"; ", 400 + xr(40), 440 + xr(20)), other = 1;
	if (xr(100) < 5) {
		fprintf(f, "source_ip_cidr = ");
		vcidr(f);
		fprintf(f, "; ");
		other = 1;
	}
	if (xr(100) < 3)
		fprintf(f, "source_ip_is_private = true; "), other = 1;
	if (xr(100) < 3)
		fprintf(f, "source_port_range = \"%u:%u\"; ", 5000 + xr(3), 5002 + xr(3)), other = 1;
	if (xr(100) < 5)
		fprintf(f, "network = \"%s\"; ", xr(2) ? "udp" : "tcp"), other = 1;
	if (xr(100) < 4)
		fprintf(f, "inbound = \"in%u\"; ", 1 + xr(2)), other = 1;
	if (xr(100) < 3)
		fprintf(f, "auth_user = [\"u%u\"]; ", xr(2)), other = 1;
	if (xr(100) < 3)
		fprintf(f, "protocol = \"%s\"; ", xr(2) ? "tls" : "http"), other = 1;
	if (xr(100) < 3)
		fprintf(f, "ip_version = %u; ", xr(2) ? 4 : 6), other = 1;
	if (xr(100) < 6)
		fprintf(f, "invert = true; ");
	return dst ? 2 : other;
}

/* -- the naive reference -- */

static int nv_prefix(const uint8_t *a, const uint8_t *b, unsigned plen)
{
	for (unsigned i = 0; i < plen; i++)
		if (((a[i / 8] >> (7 - i % 8)) ^ (b[i / 8] >> (7 - i % 8))) & 1)
			return 0;
	return 1;
}

static int nv_cidrs(const struct rb_cfg_cidrs *l, int fam, const uint8_t *a)
{
	for (int i = 0; i < l->n; i++)
		if (l->v[i].family == fam && nv_prefix(l->v[i].addr, a, l->v[i].plen))
			return 1;
	return 0;
}

/* Go's netip: private, loopback, multicast, link-local unicast,
 * unspecified; IPv4-mapped addresses count as IPv4 */
static int nv_private(int fam, const uint8_t *a)
{
	static const struct { uint8_t fam, plen, a[16]; } pr[] = {
		{AF_INET, 8, {10}}, {AF_INET, 12, {172, 16}}, {AF_INET, 16, {192, 168}},
		{AF_INET, 8, {127}}, {AF_INET, 4, {224}}, {AF_INET, 16, {169, 254}},
		{AF_INET, 32, {0}}, {AF_INET6, 7, {0xfc}}, {AF_INET6, 8, {0xff}},
		{AF_INET6, 10, {0xfe, 0x80}}, {AF_INET6, 128, {0}}, {AF_INET6, 128, {[15] = 1}},
	};
	static const uint8_t mapped[12] = {[10] = 0xff, [11] = 0xff};

	if (fam == AF_INET6 && memcmp(a, mapped, 12) == 0)
		return nv_private(AF_INET, a + 12);
	for (size_t i = 0; i < sizeof(pr) / sizeof(pr[0]); i++)
		if (pr[i].fam == fam && nv_prefix(pr[i].a, a, pr[i].plen))
			return 1;
	return 0;
}

static int nv_ports(const struct rb_cfg_ports *a, const struct rb_cfg_ports *b, uint16_t p)
{
	return trt_ref_ports(a, b, p);
}

static int nv_rule(const struct rb_cfg_rule *x, const struct rb_route_req *q, const char *d,
		   regex_t *rx)
{
	size_t dl = strlen(d);
	int items = 0, ok = 1, m;

	if (x->type == RB_RULE_LOGICAL) {
		int r = x->mode == RB_RULE_AND;

		for (int i = 0; i < x->n_rules; i++) {
			m = nv_rule(&x->rules[i], q, d, rx);
			if (x->mode == RB_RULE_AND)
				r &= m;
			else
				r |= m;
		}
		return r ^ !!x->invert;
	}
	/* destination address group */
	if (x->domain.n || x->domain_suffix.n || x->domain_keyword.n || x->domain_regex.n ||
	    x->ip_cidr.n || x->ip_is_private) {
		m = 0;
		for (int i = 0; dl && i < x->domain.n; i++)
			m |= strcmp(x->domain.v[i], d) == 0;
		for (int i = 0; dl && i < x->domain_suffix.n; i++) {
			const char *s = x->domain_suffix.v[i];
			size_t sl = strlen(s);

			if (s[0] == '.')
				m |= dl >= sl && strcmp(d + dl - sl, s) == 0;
			else
				m |= strcmp(d, s) == 0 ||
				     (dl > sl && d[dl - sl - 1] == '.' && strcmp(d + dl - sl, s) == 0);
		}
		for (int i = 0; dl && i < x->domain_keyword.n; i++)
			m |= strstr(d, x->domain_keyword.v[i]) != NULL;
		for (int i = 0; dl && i < x->domain_regex.n; i++)
			for (size_t k = 0; k < NVRX; k++)
				if (strcmp(x->domain_regex.v[i], vrx_plain[k]) == 0)
					m |= regexec(&rx[k], d, 0, NULL, 0) == 0;
		if (q->dst.family) {
			m |= nv_cidrs(&x->ip_cidr, q->dst.family, q->dst.addr);
			m |= x->ip_is_private && nv_private(q->dst.family, q->dst.addr);
		}
		ok &= m, items++;
	}
	if (x->port.n || x->port_range.n)
		ok &= nv_ports(&x->port, &x->port_range, q->dst.port), items++;
	if (x->source_ip_cidr.n || x->source_ip_is_private)
		ok &= nv_cidrs(&x->source_ip_cidr, q->src_family, q->src_addr) ||
		      (x->source_ip_is_private && nv_private(q->src_family, q->src_addr)),
		items++;
	if (x->source_port.n || x->source_port_range.n)
		ok &= nv_ports(&x->source_port, &x->source_port_range, q->src_port), items++;
	if (x->network)
		ok &= !!(x->network & q->network), items++;
	if (x->inbound.n) {
		m = 0;
		for (int i = 0; i < x->inbound.n; i++)
			m |= (int)(x->inbound.v[i][2] - '1') == q->inbound; /* "in1", "in2" */
		ok &= m, items++;
	}
	if (x->auth_user.n) {
		m = 0;
		for (int i = 0; i < x->auth_user.n; i++)
			m |= strcmp(x->auth_user.v[i], q->user) == 0;
		ok &= m, items++;
	}
	if (x->protocol.n) {
		m = 0;
		for (int i = 0; i < x->protocol.n; i++)
			m |= (strcmp(x->protocol.v[i], "tls") == 0 && q->sniff.proto == RB_SNIFF_TLS) ||
			     (strcmp(x->protocol.v[i], "http") == 0 && q->sniff.proto == RB_SNIFF_HTTP);
		ok &= m, items++;
	}
	if (x->ip_version)
		ok &= q->dst.family && (q->dst.family == AF_INET6) == (x->ip_version == 6), items++;
	if (!items)
		return 1; /* sing-box: no items, match (invert not applied) */
	return ok ^ !!x->invert;
}

struct nv_res {
	int rule;               /* -1: final */
	uint16_t override_port;
};

static struct nv_res nv_match(const struct rb_cfg_routing *r, const struct rb_route_req *q,
			      regex_t *rx)
{
	struct nv_res res = {-1, 0};
	const char *src = q->sniff.domain[0] ? q->sniff.domain : q->dst.domain;
	char d[RB_DOMAIN_MAX + 1];
	size_t n = 0;

	for (; src[n] && n < RB_DOMAIN_MAX; n++)
		d[n] = (char)(src[n] >= 'A' && src[n] <= 'Z' ? src[n] + 32 : src[n]);
	if (n && d[n - 1] == '.')
		n--;
	d[n] = 0;
	for (int k = 0; k < r->n_rules; k++) {
		const struct rb_cfg_rule *x = &r->rules[k];

		if (!nv_rule(x, q, d, rx))
			continue;
		if (x->action == RB_RA_ROUTE_OPTIONS) {
			if (x->override_port)
				res.override_port = x->override_port;
			continue;
		}
		res.rule = k;
		return res;
	}
	return res;
}

static void vquery(struct rb_route_req *q)
{
	char b[200];

	memset(q, 0, sizeof(*q));
	q->inbound = (uint16_t)xr(2);
	q->network = xr(4) ? RB_NET_TCP : RB_NET_UDP;
	if (xr(4) == 0)
		snprintf(q->user, sizeof(q->user), "u%u", xr(3));
	q->dst.port = (uint16_t)(xr(2) ? 443 : 79 + xr(4));
	q->src_port = (uint16_t)(5000 + xr(6));
	vaddr(&q->src_family, q->src_addr);
	if (xr(5)) {
		vname(b, sizeof(b), 1, 5);
		for (char *p = b; *p; p++)
			if (xr(10) == 0 && *p >= 'a' && *p <= 'z')
				*p = (char)(*p - 32);
		snprintf(q->dst.domain, sizeof(q->dst.domain), "%s%s", b, xr(10) ? "" : ".");
	}
	if (!q->dst.domain[0] || xr(4) == 0)
		vaddr(&q->dst.family, q->dst.addr);
	if (xr(8) == 0) {
		q->sniff.proto = (uint8_t)(xr(2) ? RB_SNIFF_TLS : RB_SNIFF_HTTP);
		if (xr(2)) {
			vname(b, sizeof(b), 1, 4);
			snprintf(q->sniff.domain, sizeof(q->sniff.domain), "%s", b);
		}
	}
}

/* blob with its keyword DFA taken out (the matcher falls back to the
 * sparse automaton walk) */
static void *without_dfa(const struct built *b)
{
	uint8_t *c = malloc(b->len);
	struct rb_rt_hdr *h = (struct rb_rt_hdr *)c;

	if (!c)
		return NULL;
	memcpy(c, b->blob, b->len);
	h->kw_dfa_off = 0;
	h->checksum = rb_rt_checksum(c, b->len);
	return c;
}

#define NV_RULES   3000
#define NV_QUERIES 20000

static void t_seeded(void)
{
	const char *env = getenv("RB_TEST_SEED");
	uint64_t seed = env ? strtoull(env, NULL, 0) : (uint64_t)time(NULL);
	const char *outs[] = {"direct", "block", "up"};
	char *text = NULL, err[256];
	size_t tlen = 0;
	FILE *f;
	struct built b;
	struct rb_rt_view v2, v3, v4;
	void *blob2, *blob3, *blob4;
	size_t len3, len4;
	regex_t rx[NVRX];
	int failed = 0, matched = 0, winners = 0, have_kw_dfa;
	static uint16_t winner[NV_RULES];

	printf("\n  seed %llu (RB_TEST_SEED=%llu replays it)\n", (unsigned long long)seed,
	       (unsigned long long)seed);
	xs = seed * 0x9e3779b97f4a7c15ULL + 1;
	for (size_t k = 0; k < NVRX; k++)
		CU_ASSERT_EQUAL_FATAL(regcomp(&rx[k], vrx_plain[k], REG_EXTENDED | REG_NOSUB), 0);
	f = open_memstream(&text, &tlen);
	fprintf(f, TAGS "route = { final = \"direct\"; rules = (\n");
	for (int i = 0; i < NV_RULES; i++) {
		uint32_t act = xr(100);
		char *rt = NULL;
		size_t rl = 0;
		FILE *rf = open_memstream(&rt, &rl);
		int kind = vrule(rf, 0);

		fclose(rf);
		/* rules that match much (no destination item, inverted) would end
		 * most walks early: they only set options and go on */
		if (kind < 2 || strstr(rt, "invert"))
			act = 10;
		fprintf(f, "%s{ %s", i ? "," : "", rt);
		free(rt);
		if (act < 8)
			fprintf(f, "action = \"reject\"; %s", xr(2) ? "method = \"drop\"; " : "");
		else if (act < 12)
			fprintf(f, "action = \"route-options\"; override_port = %u; ", 1000 + xr(1000));
		else
			fprintf(f, "outbound = \"%s\"; ", outs[xr(3)]);
		fprintf(f, "}\n");
	}
	fprintf(f, "); };\n");
	fclose(f);
	if (getenv("RB_TEST_DUMP"))
		fputs(text, stderr);
	if (trt_build(&b, text))
		fprintf(stderr, "build: %.800s\n", b.err);
	free(text);
	CU_ASSERT_PTR_NOT_NULL_FATAL(b.blob);
	have_kw_dfa = ((const struct rb_rt_hdr *)b.blob)->kw_dfa_off != 0;
	CU_ASSERT(have_kw_dfa);
	blob2 = without_dfa(&b);
	CU_ASSERT_PTR_NOT_NULL_FATAL(blob2);
	CU_ASSERT_EQUAL_FATAL(rb_rt_view_init(&v2, blob2, b.len, err, sizeof(err)), 0);
	/* and with a DFA for the shallowest states only (256 bytes: a few
	 * rows), the sparse walk below them */
	rb_route_kw_dfa_max = 256;
	CU_ASSERT_EQUAL_FATAL(rb_route_compile(&b.r, 7, 0x1234567887654321ULL, &blob3, &len3, err,
					       sizeof(err)), 0);
	rb_route_kw_dfa_max = RB_RT_KW_DFA_MAX;
	CU_ASSERT(((const struct rb_rt_hdr *)blob3)->n_kw_dense <
		  ((const struct rb_rt_hdr *)blob3)->n_ac);
	CU_ASSERT_EQUAL_FATAL(rb_rt_view_init(&v3, blob3, len3, err, sizeof(err)), 0);
	/* and with the keyword q-gram index instead of the automaton */
	rb_route_kwq_min = 1;
	CU_ASSERT_EQUAL_FATAL(rb_route_compile(&b.r, 7, 0x1234567887654321ULL, &blob4, &len4, err,
					       sizeof(err)), 0);
	rb_route_kwq_min = RB_ROUTE_KWQ_MIN;
	CU_ASSERT(((const struct rb_rt_hdr *)blob4)->kwq_off != 0);
	CU_ASSERT_EQUAL_FATAL(rb_rt_view_init(&v4, blob4, len4, err, sizeof(err)), 0);
	for (int i = 0; i < NV_QUERIES; i++) {
		struct rb_route_req q;
		struct rb_route_result res, res2, res3, res4;
		struct nv_res want;
		int bad_res;

		vquery(&q);
		want = nv_match(&b.r, &q, rx);
		memset(&res, 0, sizeof(res));
		memset(&res2, 0, sizeof(res2));
		memset(&res3, 0, sizeof(res3));
		memset(&res4, 0, sizeof(res4));
		rb_rt_match(&v4, &q, &res4);
		rb_rt_match(&b.v, &q, &res);
		rb_rt_match(&v2, &q, &res2);
		rb_rt_match(&v3, &q, &res3);
		matched += want.rule >= 0;
		if (want.rule >= 0 && !winner[want.rule]++)
			winners++;
		if (want.rule < 0) {
			bad_res = res.rule != RB_RULE_FINAL || res.action != RB_ACT_ROUTE ||
				  res.outbound != trt_find_out(&b, b.r.final);
		} else {
			const struct rb_cfg_rule *x = &b.r.rules[want.rule];

			bad_res = res.rule != want.rule ||
				  (x->action == RB_RA_REJECT
					   ? res.action != RB_ACT_REJECT || res.reject != x->method
					   : res.action != RB_ACT_ROUTE ||
						     res.outbound != trt_find_out(&b, x->outbound));
		}
		bad_res |= res.override_port != want.override_port;
		bad_res |= memcmp(&res, &res2, sizeof(res)) != 0 || memcmp(&res, &res3, sizeof(res)) != 0 ||
			   memcmp(&res, &res4, sizeof(res)) != 0;
		if (bad_res && failed++ < 10) {
			char da[64] = "-", sa[64] = "-";

			if (q.dst.family)
				inet_ntop(q.dst.family, q.dst.addr, da, sizeof(da));
			inet_ntop(q.src_family, q.src_addr, sa, sizeof(sa));
			fprintf(stderr, "seed %llu query %d (in%u net %u user '%s' proto %u domain '%s' "
					"sniffed '%s' dst %s port %u src %s port %u): want rule %d "
					"port %u, got %u port %u (sparse walk: %u, partial DFA: %u, q-grams: %u)\n",
				(unsigned long long)seed, i, q.inbound + 1, q.network, q.user,
				q.sniff.proto, q.dst.domain, q.sniff.domain, da, q.dst.port, sa,
				q.src_port, want.rule, want.override_port, res.rule,
				res.override_port, res2.rule, res3.rule, res4.rule);
		}
	}
	printf("  %d rules, %d queries: %d matched a rule (%d different rules), %d mismatches\n",
	       NV_RULES, NV_QUERIES, matched, winners, failed);
	/* a test that cannot fail proves nothing: the queries must end at
	 * many different rules, not at a few broad ones */
	if (getenv("RB_TEST_DUMP"))
		for (int k = 0; k < NV_RULES; k++)
			if (winner[k] > NV_QUERIES / 100)
				fprintf(stderr, "rule %d won %u queries\n", k, winner[k]);
	CU_ASSERT(matched > NV_QUERIES / 4 && winners > NV_RULES / 20);
	CU_ASSERT_EQUAL(failed, 0);
	rb_rt_view_fini(&v2);
	free(blob2);
	rb_rt_view_fini(&v3);
	free(blob3);
	rb_rt_view_fini(&v4);
	free(blob4);
	for (size_t k = 0; k < NVRX; k++)
		regfree(&rx[k]);
	trt_unbuild(&b);
}

/* ------------------------------------------------------------ keyword-heavy tables */

/* A keyword over a small alphabet (so that keywords overlap, nest and
 * share q-grams), 1..maxlen bytes. */
static void kh_word(char *b, uint32_t maxlen)
{
	static const char abc[] = "abcdefghijklmnop.-1";
	uint32_t n = 1 + xr(maxlen);

	for (uint32_t i = 0; i < n; i++)
		b[i] = abc[xr(xr(8) ? sizeof(abc) - 1 : 4)]; /* some from 4 letters: overlaps */
	b[n] = 0;
}

/* Thousands of keyword rules (short ones, overlapping ones, some with a
 * port or a domain_suffix beside, some rejecting), names built from the
 * keywords and random bytes (some long enough to hit more keywords than
 * the matcher tracks): the q-gram index, the automaton and the naive
 * reference (strstr in rule order) must agree. */
static void kh_run(int n_rules, uint32_t maxlen, int n_queries)
{
	char *text = NULL, err[256], (*kws)[16];
	size_t tlen = 0, len2;
	FILE *f = open_memstream(&text, &tlen);
	struct built b;
	struct rb_rt_view v2;
	void *blob2;
	int n_kw = 0, failed = 0, matched = 0, overflowed = 0, winners = 0;
	uint8_t *won = calloc((size_t)n_rules, 1);

	kws = calloc((size_t)n_rules * 3, sizeof(*kws));
	CU_ASSERT_PTR_NOT_NULL_FATAL(kws);
	fprintf(f, TAGS "route = { final = \"direct\"; rules = (\n");
	for (int i = 0; i < n_rules; i++) {
		uint32_t nk = 1 + xr(3);

		fprintf(f, "%s{ domain_keyword = [", i ? "," : "");
		for (uint32_t k = 0; k < nk; k++) {
			/* short keywords only now and then, or they would end every walk */
			kh_word(kws[n_kw], xr(200) ? maxlen : 3);
			while (strlen(kws[n_kw]) < 4 && xr(100))
				kh_word(kws[n_kw], maxlen); /* mostly q bytes or more */
			fprintf(f, "%s\"%s\"", k ? ", " : "", kws[n_kw++]);
		}
		fprintf(f, "]; ");
		if (xr(3) == 0)
			fprintf(f, "port = %u; ", xr(2) ? 443 : 80);
		if (xr(10) == 0)
			fprintf(f, "domain_suffix = \"%c%c.com\"; ", 'a' + xr(5), 'a' + xr(5));
		if (xr(5) == 0)
			fprintf(f, "action = \"reject\"; }\n");
		else
			fprintf(f, "outbound = \"%s\"; }\n", xr(2) ? "up" : "block");
	}
	fprintf(f, "); };\n");
	fclose(f);
	rb_route_kwq_min = 1;    /* trt_build(): the q-gram index */
	if (trt_build(&b, text))
		fprintf(stderr, "build: %.800s\n", b.err);
	rb_route_kwq_min = RB_ROUTE_KWQ_MIN;
	free(text);
	CU_ASSERT_PTR_NOT_NULL_FATAL(b.blob);
	CU_ASSERT(((const struct rb_rt_hdr *)b.blob)->kwq_off != 0);
	rb_route_kwq_min = SIZE_MAX; /* the automaton */
	CU_ASSERT_EQUAL_FATAL(rb_route_compile(&b.r, 7, 99, &blob2, &len2, err, sizeof(err)), 0);
	rb_route_kwq_min = RB_ROUTE_KWQ_MIN;
	CU_ASSERT(((const struct rb_rt_hdr *)blob2)->n_ac != 0);
	CU_ASSERT_EQUAL_FATAL(rb_rt_view_init(&v2, blob2, len2, err, sizeof(err)), 0);
	for (int i = 0; i < n_queries; i++) {
		struct rb_route_req q;
		struct rb_route_result res, res2;
		struct nv_res want;
		char name[RB_DOMAIN_MAX + 1] = "";
		size_t o = 0;
		/* most names a few pieces; some long (many hits), up to 253 bytes */
		uint32_t pieces = xr(10) ? 1 + xr(4) : 20 + xr(40);

		memset(&q, 0, sizeof(q));
		for (uint32_t p = 0; p < pieces && o + 20 < 250; p++) {
			char w[16];

			if (xr(4) == 0)
				snprintf(w, sizeof(w), "%s", kws[xr((uint32_t)n_kw)]);
			else
				kh_word(w, 6);
			if (xr(20) == 0 && w[0] >= 'a' && w[0] <= 'z')
				w[0] = (char)(w[0] - 32); /* names are matched lower-cased */
			o += (size_t)snprintf(name + o, sizeof(name) - o, "%s%s", w,
					      xr(3) ? "" : xr(2) ? "." : "x");
		}
		if (xr(4) == 0)
			o += (size_t)snprintf(name + o, sizeof(name) - o, ".com");
		snprintf(q.dst.domain, sizeof(q.dst.domain), "%s", name);
		q.dst.port = (uint16_t)(xr(2) ? 443 : 80);
		q.network = RB_NET_TCP;
		want = nv_match(&b.r, &q, NULL);
		memset(&res, 0, sizeof(res));
		memset(&res2, 0, sizeof(res2));
		rb_rt_match(&b.v, &q, &res);
		rb_rt_match(&v2, &q, &res2);
		matched += want.rule >= 0;
		if (want.rule >= 0 && !won[want.rule]++)
			winners++;
		overflowed += pieces >= 20;
		if ((want.rule >= 0 ? res.rule != want.rule : res.rule != RB_RULE_FINAL) ||
		    memcmp(&res, &res2, sizeof(res)) != 0) {
			if (failed++ < 10)
				fprintf(stderr, "keyword-heavy: '%s' port %u: want rule %d, q-grams %u, automaton %u\n",
					name, q.dst.port, want.rule, res.rule, res2.rule);
		}
	}
	printf("  %d rules (%d keywords, up to %u bytes), %d queries (%d long): %d matched a rule (%d different), %d mismatches\n",
	       n_rules, n_kw, maxlen, n_queries, overflowed, matched, winners, failed);
	/* the queries must end at many rules (97-350 different ones over the
	 * seeds seen), and some at none */
	CU_ASSERT(matched > n_queries / 4 && matched < n_queries && winners > 50);
	free(won);
	CU_ASSERT_EQUAL(failed, 0);
	rb_rt_view_fini(&v2);
	free(blob2);
	free(kws);
	trt_unbuild(&b);
}

static void t_kw_heavy(void)
{
	const char *env = getenv("RB_TEST_SEED");
	uint64_t seed = env ? strtoull(env, NULL, 0) : (uint64_t)time(NULL);

	printf("\n  seed %llu (RB_TEST_SEED=%llu replays it)\n", (unsigned long long)seed,
	       (unsigned long long)seed);
	xs = seed * 0x9e3779b97f4a7c15ULL + 7;
	kh_run(2000, 6, 4000);   /* short, heavily overlapping keywords */
	kh_run(6000, 12, 3000);  /* thousands of longer ones */
}

/* ------------------------------------------------------------ many keywords in one name */

/* A name that contains more keyword states than the matcher tracks per
 * lookup: the keyword rules found after the limit must still win in rule
 * order (all keyword rules become candidates, checked directly). */
static void t_kw_overflow(void)
{
	static const char name[] = "abcdefghijklmnopqrstuvwxyz0123456789.bcdefghijklmnopqrstuvwxyz";
	char *text = NULL;
	size_t tlen = 0;
	FILE *f = open_memstream(&text, &tlen);
	struct built b, bq;
	int nkw = 0;

	fprintf(f, TAGS "route = { final = \"direct\"; rules = (\n");
	/* every 2- and 3-byte substring of the first label: 69 keywords, all
	 * found in the name; only the last rule can match (port) */
	for (int len = 2; len <= 3; len++)
		for (int i = 0; i + len <= 36; i++, nkw++)
			fprintf(f, "%s{ domain_keyword = \"%.*s\"; port = %d; outbound = \"up\"; }\n",
				nkw ? "," : "", len, name + i, i == 36 - len && len == 3 ? 443 : 1);
	fprintf(f, "); };\n");
	fclose(f);
	CU_ASSERT_EQUAL_FATAL(trt_build(&b, text), 0);
	/* and through the q-gram index */
	rb_route_kwq_min = 1;
	CU_ASSERT_EQUAL_FATAL(trt_build(&bq, text), 0);
	rb_route_kwq_min = RB_ROUTE_KWQ_MIN;
	CU_ASSERT(((const struct rb_rt_hdr *)bq.blob)->kwq_off != 0);
	free(text);
	for (int run = 0; run < 4; run++) {
		struct rb_route_req q;
		struct rb_route_result res;

		memset(&q, 0, sizeof(q));
		memset(&res, 0, sizeof(res));
		snprintf(q.dst.domain, sizeof(q.dst.domain), "%s", run & 1 ? "x789y" : name);
		q.dst.port = 443;
		q.network = RB_NET_TCP;
		CU_ASSERT_EQUAL(rb_rt_match(run < 2 ? &b.v : &bq.v, &q, &res), 0);
		CU_ASSERT_EQUAL(res.rule, nkw - 1);  /* "789" */
	}
	trt_unbuild(&b);
	trt_unbuild(&bq);
}

void test_route_seeded_register(CU_pSuite s)
{
	CU_add_test(s, "seeded random rules vs naive reference", t_seeded);
	CU_add_test(s, "keyword-heavy tables: q-grams vs automaton vs naive", t_kw_heavy);
	CU_add_test(s, "more keyword hits than tracked", t_kw_overflow);
}
