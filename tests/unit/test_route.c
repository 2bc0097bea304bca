/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of the router: config validation of `route`/`dns`
 * (config/cfg_route.c), the compiler (control/route_compile.c), table
 * validation (rt_view.c) and the matcher (rt_match.c).
 *  - a table of cases, one or more per rule item, logical rules, invert,
 *    first match, the actions (reject, sniff, resolve, route-options) and
 *    route.final;
 *  - bad configs and the error each must produce;
 *  - corrupt tables refused by rb_rt_validate (every byte of a header
 *    flipped, random corruption);
 *  - 100 k random rules (domains, suffixes, keywords, CIDRs, ports,
 *    logical, invert) against a brute-force reference matcher that works
 *    on the config structs directly;
 *  - test_route_seeded.c: seeded random rules against a naive reference,
 *    keyword-heavy tables, more keyword hits than tracked.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/socket.h>
#include <regex.h>
#include <libconfig.h>
#include <CUnit/Basic.h>
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "config/rb_cfg_route.h"
#include "config/schema.h"
#include "control/rb_route_ctl.h"
#include "dataplane/route/rb_route.h"
#include "test_route.h"

/* Parse text, validate route/dns, compile and view.  0 ok, -1 config
 * errors (in b->err), -2 compile/view error. */
int trt_build(struct built *b, const char *text)
{
	struct rb_cfg_err e = RB_CFG_ERR_INIT(NULL, "t.cfg");
	size_t elen = 0;
	char *ebuf = NULL;
	FILE *f = open_memstream(&ebuf, &elen);
	int rc;

	memset(b, 0, sizeof(*b));
	config_init(&b->c);
	if (config_read_string(&b->c, text) != CONFIG_TRUE) {
		snprintf(b->err, sizeof(b->err), "syntax: %s line %d", config_error_text(&b->c),
			 config_error_line(&b->c));
		fclose(f);
		free(ebuf);
		return -1;
	}
	e.out = f;
	rc = rb_cfg_route_load(&b->c, &b->r, &e);
	fclose(f);
	snprintf(b->err, sizeof(b->err), "%s", ebuf ? ebuf : "");
	free(ebuf);
	if (rc)
		return -1;
	if (rb_route_compile(&b->r, 7, 0x1234567887654321ULL, &b->blob, &b->len, b->err,
			     sizeof(b->err)))
		return -2;
	if (rb_rt_view_init(&b->v, b->blob, b->len, b->err, sizeof(b->err)))
		return -2;
	return 0;
}

void trt_unbuild(struct built *b)
{
	rb_rt_view_fini(&b->v);
	free(b->blob);
	rb_cfg_route_free(&b->r);
	config_destroy(&b->c);
}

static void set_ip(const char *s, uint8_t *fam, uint8_t *addr)
{
	memset(addr, 0, 16);
	*fam = 0;
	if (!s || !*s)
		return;
	if (inet_pton(AF_INET, s, addr) == 1)
		*fam = AF_INET;
	else if (inet_pton(AF_INET6, s, addr) == 1)
		*fam = AF_INET6;
}

/* ------------------------------------------------------------ table of cases */

struct mcase {
	const char *name;
	const char *route;      /* the route = { ... } body */
	/* request */
	int inbound;
	int net;                /* RB_NET_* */
	const char *user;
	int proto;              /* enum rb_sniff_proto */
	const char *domain;     /* dst domain (or sniffed, when proto set) */
	const char *dst;        /* dst ip */
	uint16_t dport;
	const char *src;
	uint16_t sport;
	/* expected */
	int rule;               /* RB_RULE_FINAL for final */
	const char *out;        /* outbound tag; NULL when rejected / need_* */
	int reject;             /* -1 not rejected, else method */
	int need;               /* 0, 1 sniff, 2 resolve */
};

#define NF RB_RULE_FINAL
#define TCP RB_NET_TCP
#define UDP RB_NET_UDP
#define ICMP RB_NET_ICMP
#define R1(items, out) "rules = ( { " items " outbound = \"" out "\"; } ); final = \"direct\";"

static const struct mcase cases[] = {
	/* domain: exact only */
	{"domain exact", R1("domain = \"example.com\";", "up"), 0, TCP, "", 0, "example.com", NULL, 443, "10.0.0.2", 5000, 0, "up", -1, 0},
	{"domain case", R1("domain = \"Example.COM\";", "up"), 0, TCP, "", 0, "EXAMPLE.com.", NULL, 443, "10.0.0.2", 5000, 0, "up", -1, 0},
	{"domain sub no", R1("domain = [\"example.com\"];", "up"), 0, TCP, "", 0, "www.example.com", NULL, 443, "10.0.0.2", 5000, NF, "direct", -1, 0},
	/* suffix: root form matches itself and subdomains, not aexample.com */
	{"suffix self", R1("domain_suffix = \"example.com\";", "up"), 0, TCP, "", 0, "example.com", NULL, 80, "10.0.0.2", 5000, 0, "up", -1, 0},
	{"suffix sub", R1("domain_suffix = \"example.com\";", "up"), 0, TCP, "", 0, "a.b.example.com", NULL, 80, "10.0.0.2", 5000, 0, "up", -1, 0},
	{"suffix label", R1("domain_suffix = \"example.com\";", "up"), 0, TCP, "", 0, "aexample.com", NULL, 80, "10.0.0.2", 5000, NF, "direct", -1, 0},
	{"dot suffix sub", R1("domain_suffix = \".example.com\";", "up"), 0, TCP, "", 0, "w.example.com", NULL, 80, "10.0.0.2", 5000, 0, "up", -1, 0},
	{"dot suffix self", R1("domain_suffix = \".example.com\";", "up"), 0, TCP, "", 0, "example.com", NULL, 80, "10.0.0.2", 5000, NF, "direct", -1, 0},
	{"suffix tld", R1("domain_suffix = [\"cn\", \"org\"];", "up"), 0, TCP, "", 0, "www.gov.cn", NULL, 80, "10.0.0.2", 5000, 0, "up", -1, 0},
	/* keyword */
	{"keyword", R1("domain_keyword = [\"goo\", \"zzz\"];", "up"), 0, TCP, "", 0, "www.google.com", NULL, 80, "10.0.0.2", 5000, 0, "up", -1, 0},
	{"keyword no", R1("domain_keyword = \"goo\";", "up"), 0, TCP, "", 0, "www.gogle.com", NULL, 80, "10.0.0.2", 5000, NF, "direct", -1, 0},
	{"keyword overlap", R1("domain_keyword = [\"abcd\", \"bc\"];", "up"), 0, TCP, "", 0, "xabcx.com", NULL, 80, "10.0.0.2", 5000, 0, "up", -1, 0},
	/* regex: unanchored search like Go's MatchString */
	{"regex", R1("domain_regex = \"^ad[0-9]+\\\\.\";", "up"), 0, TCP, "", 0, "ad12.example.com", NULL, 80, "10.0.0.2", 5000, 0, "up", -1, 0},
	{"regex search", R1("domain_regex = \"exam\";", "up"), 0, TCP, "", 0, "www.example.com", NULL, 80, "10.0.0.2", 5000, 0, "up", -1, 0},
	{"regex no", R1("domain_regex = \"^ad[0-9]+\\\\.\";", "up"), 0, TCP, "", 0, "add.example.com", NULL, 80, "10.0.0.2", 5000, NF, "direct", -1, 0},
	/* domain items never match an address-only destination */
	{"domain vs ip", R1("domain_suffix = \"com\";", "up"), 0, TCP, "", 0, "", "1.2.3.4", 80, "10.0.0.2", 5000, NF, "direct", -1, 0},
	/* ip_cidr */
	{"cidr4", R1("ip_cidr = [\"192.0.2.0/24\"];", "up"), 0, TCP, "", 0, "", "192.0.2.77", 80, "10.0.0.2", 5000, 0, "up", -1, 0},
	{"cidr4 out", R1("ip_cidr = [\"192.0.2.0/24\"];", "up"), 0, TCP, "", 0, "", "192.0.3.1", 80, "10.0.0.2", 5000, NF, "direct", -1, 0},
	{"cidr4 host bits", R1("ip_cidr = \"192.0.2.9/24\";", "up"), 0, TCP, "", 0, "", "192.0.2.200", 80, "10.0.0.2", 5000, 0, "up", -1, 0},
	{"cidr4 /32", R1("ip_cidr = \"8.8.8.8\";", "up"), 0, TCP, "", 0, "", "8.8.8.8", 53, "10.0.0.2", 5000, 0, "up", -1, 0},
	{"cidr4 /0", R1("ip_cidr = \"0.0.0.0/0\";", "up"), 0, TCP, "", 0, "", "255.255.255.255", 53, "10.0.0.2", 5000, 0, "up", -1, 0},
	{"cidr6", R1("ip_cidr = [\"2001:db8::/32\"];", "up"), 0, TCP, "", 0, "", "2001:db8:1::5", 80, "10.0.0.2", 5000, 0, "up", -1, 0},
	{"cidr6 out", R1("ip_cidr = [\"2001:db8::/32\"];", "up"), 0, TCP, "", 0, "", "2001:db9::5", 80, "10.0.0.2", 5000, NF, "direct", -1, 0},
	{"cidr6 /128", R1("ip_cidr = [\"2001:db8::99\"];", "up"), 0, TCP, "", 0, "", "2001:db8::99", 80, "10.0.0.2", 5000, 0, "up", -1, 0},
	{"cidr6 /128 above", R1("ip_cidr = [\"2001:db8::99\"];", "up"), 0, TCP, "", 0, "", "fd00::1", 80, "10.0.0.2", 5000, NF, "direct", -1, 0},
	{"cidr6 /128 next", R1("ip_cidr = [\"2001:db8::99/128\"];", "up"), 0, TCP, "", 0, "", "2001:db8::9a", 80, "10.0.0.2", 5000, NF, "direct", -1, 0},
	{"cidr family", R1("ip_cidr = [\"0.0.0.0/0\"];", "up"), 0, TCP, "", 0, "", "::1", 80, "10.0.0.2", 5000, NF, "direct", -1, 0},
	{"cidr vs domain", R1("ip_cidr = [\"0.0.0.0/0\"];", "up"), 0, TCP, "", 0, "a.com", NULL, 80, "10.0.0.2", 5000, NF, "direct", -1, 0},
	/* ip_is_private */
	{"private 10", R1("ip_is_private = true;", "up"), 0, TCP, "", 0, "", "10.1.2.3", 80, "10.0.0.2", 5000, 0, "up", -1, 0},
	{"private 172.31", R1("ip_is_private = true;", "up"), 0, TCP, "", 0, "", "172.31.0.1", 80, "10.0.0.2", 5000, 0, "up", -1, 0},
	{"private 172.32", R1("ip_is_private = true;", "up"), 0, TCP, "", 0, "", "172.32.0.1", 80, "10.0.0.2", 5000, NF, "direct", -1, 0},
	{"private ula", R1("ip_is_private = true;", "up"), 0, TCP, "", 0, "", "fd00::1", 80, "10.0.0.2", 5000, 0, "up", -1, 0},
	{"private ll", R1("ip_is_private = true;", "up"), 0, TCP, "", 0, "", "fe80::1", 80, "10.0.0.2", 5000, 0, "up", -1, 0},
	{"private mapped", R1("ip_is_private = true;", "up"), 0, TCP, "", 0, "", "::ffff:192.168.1.1", 80, "10.0.0.2", 5000, 0, "up", -1, 0},
	{"public", R1("ip_is_private = true;", "up"), 0, TCP, "", 0, "", "1.1.1.1", 80, "10.0.0.2", 5000, NF, "direct", -1, 0},
	/* source address */
	{"src cidr", R1("source_ip_cidr = \"10.0.0.0/30\";", "up"), 0, TCP, "", 0, "", "1.1.1.1", 80, "10.0.0.2", 5000, 0, "up", -1, 0},
	{"src cidr out", R1("source_ip_cidr = \"10.0.0.0/30\";", "up"), 0, TCP, "", 0, "", "1.1.1.1", 80, "10.0.0.9", 5000, NF, "direct", -1, 0},
	{"src private", R1("source_ip_is_private = true;", "up"), 0, TCP, "", 0, "", "1.1.1.1", 80, "192.168.3.3", 5000, 0, "up", -1, 0},
	{"src public", R1("source_ip_is_private = true;", "up"), 0, TCP, "", 0, "", "1.1.1.1", 80, "9.9.9.9", 5000, NF, "direct", -1, 0},
	/* ports */
	{"port", R1("port = [80, 443];", "up"), 0, TCP, "", 0, "", "1.1.1.1", 443, "10.0.0.2", 5000, 0, "up", -1, 0},
	{"port no", R1("port = 80;", "up"), 0, TCP, "", 0, "", "1.1.1.1", 81, "10.0.0.2", 5000, NF, "direct", -1, 0},
	{"port range", R1("port_range = [\"1000:2000\"];", "up"), 0, TCP, "", 0, "", "1.1.1.1", 2000, "10.0.0.2", 5000, 0, "up", -1, 0},
	{"port range open lo", R1("port_range = \":100\";", "up"), 0, TCP, "", 0, "", "1.1.1.1", 0, "10.0.0.2", 5000, 0, "up", -1, 0},
	{"port range open hi", R1("port_range = \"60000:\";", "up"), 0, TCP, "", 0, "", "1.1.1.1", 59999, "10.0.0.2", 5000, NF, "direct", -1, 0},
	{"port or range", R1("port = 22; port_range = \"8000:8080\";", "up"), 0, TCP, "", 0, "", "1.1.1.1", 8001, "10.0.0.2", 5000, 0, "up", -1, 0},
	{"src port", R1("source_port = 5000;", "up"), 0, TCP, "", 0, "", "1.1.1.1", 80, "10.0.0.2", 5000, 0, "up", -1, 0},
	{"src port range", R1("source_port_range = \"6000:7000\";", "up"), 0, TCP, "", 0, "", "1.1.1.1", 80, "10.0.0.2", 5000, NF, "direct", -1, 0},
	/* other items */
	{"inbound", R1("inbound = [\"in2\"];", "up"), 1, TCP, "", 0, "", "1.1.1.1", 80, "10.0.0.2", 5000, 0, "up", -1, 0},
	{"inbound no", R1("inbound = \"in2\";", "up"), 0, TCP, "", 0, "", "1.1.1.1", 80, "10.0.0.2", 5000, NF, "direct", -1, 0},
	{"network udp", R1("network = \"udp\";", "up"), 0, UDP, "", 0, "", "1.1.1.1", 53, "10.0.0.2", 5000, 0, "up", -1, 0},
	{"network udp no", R1("network = \"udp\";", "up"), 0, TCP, "", 0, "", "1.1.1.1", 53, "10.0.0.2", 5000, NF, "direct", -1, 0},
	{"network both", R1("network = [\"tcp\", \"udp\"];", "up"), 0, TCP, "", 0, "", "1.1.1.1", 53, "10.0.0.2", 5000, 0, "up", -1, 0},
	/* icmp: WireGuard terminated mode's echo sessions (ports 0) */
	{"network icmp", R1("network = \"icmp\";", "up"), 0, ICMP, "", 0, "", "1.1.1.1", 0, "10.0.0.2", 0, 0, "up", -1, 0},
	{"network icmp no udp", R1("network = \"icmp\";", "up"), 0, UDP, "", 0, "", "1.1.1.1", 53, "10.0.0.2", 5000, NF, "direct", -1, 0},
	{"network tcp+udp no icmp", R1("network = [\"tcp\", \"udp\"];", "up"), 0, ICMP, "", 0, "", "1.1.1.1", 0, "10.0.0.2", 0, NF, "direct", -1, 0},
	{"network udp+icmp", R1("network = [\"udp\", \"icmp\"];", "up"), 0, ICMP, "", 0, "", "1.1.1.1", 0, "10.0.0.2", 0, 0, "up", -1, 0},
	{"auth_user", R1("auth_user = [\"bob\", \"alice\"];", "up"), 0, TCP, "alice", 0, "", "1.1.1.1", 80, "10.0.0.2", 5000, 0, "up", -1, 0},
	{"auth_user no", R1("auth_user = \"bob\";", "up"), 0, TCP, "", 0, "", "1.1.1.1", 80, "10.0.0.2", 5000, NF, "direct", -1, 0},
	{"protocol tls", R1("protocol = \"tls\";", "up"), 0, TCP, "", RB_SNIFF_TLS, "x.com", "1.1.1.1", 443, "10.0.0.2", 5000, 0, "up", -1, 0},
	{"protocol http no", R1("protocol = \"http\";", "up"), 0, TCP, "", RB_SNIFF_TLS, "x.com", "1.1.1.1", 443, "10.0.0.2", 5000, NF, "direct", -1, 0},
	{"protocol unsniffed", R1("protocol = \"tls\";", "up"), 0, TCP, "", 0, "", "1.1.1.1", 443, "10.0.0.2", 5000, NF, "direct", -1, 0},
	{"ip_version 6", R1("ip_version = 6;", "up"), 0, TCP, "", 0, "", "2001:db8::1", 80, "10.0.0.2", 5000, 0, "up", -1, 0},
	{"ip_version 4 no", R1("ip_version = 4;", "up"), 0, TCP, "", 0, "", "2001:db8::1", 80, "10.0.0.2", 5000, NF, "direct", -1, 0},
	{"ip_version domain", R1("ip_version = 4;", "up"), 0, TCP, "", 0, "a.com", NULL, 80, "10.0.0.2", 5000, NF, "direct", -1, 0},
	/* groups: OR inside the destination group, AND across groups */
	{"or dst group", R1("domain = \"a.com\"; ip_cidr = \"1.0.0.0/8\";", "up"), 0, TCP, "", 0, "", "1.2.3.4", 80, "10.0.0.2", 5000, 0, "up", -1, 0},
	{"and groups", R1("domain = \"a.com\"; port = 443;", "up"), 0, TCP, "", 0, "a.com", NULL, 80, "10.0.0.2", 5000, NF, "direct", -1, 0},
	{"and groups ok", R1("domain = \"a.com\"; port = 443; network = \"tcp\";", "up"), 0, TCP, "", 0, "a.com", NULL, 443, "10.0.0.2", 5000, 0, "up", -1, 0},
	{"sniffed domain wins", R1("domain = \"sni.com\";", "up"), 0, TCP, "", RB_SNIFF_TLS, "sni.com", "1.1.1.1", 443, "10.0.0.2", 5000, 0, "up", -1, 0},
	/* invert */
	{"invert", R1("domain_suffix = \"a.com\"; invert = true;", "up"), 0, TCP, "", 0, "b.com", NULL, 80, "10.0.0.2", 5000, 0, "up", -1, 0},
	{"invert no", R1("domain_suffix = \"a.com\"; invert = true;", "up"), 0, TCP, "", 0, "x.a.com", NULL, 80, "10.0.0.2", 5000, NF, "direct", -1, 0},
	{"empty rule", R1("", "up"), 0, TCP, "", 0, "b.com", NULL, 80, "10.0.0.2", 5000, 0, "up", -1, 0},
	/* first match */
	{"first match", "rules = ( { domain_suffix = \"com\"; outbound = \"block\"; }, { domain = \"a.com\"; outbound = \"up\"; } ); final = \"direct\";",
	 0, TCP, "", 0, "a.com", NULL, 80, "10.0.0.2", 5000, 0, "block", -1, 0},
	{"first match 2", "rules = ( { port = 1; outbound = \"block\"; }, { domain = \"a.com\"; outbound = \"up\"; }, { domain_suffix = \"com\"; outbound = \"direct\"; } ); final = \"block\";",
	 0, TCP, "", 0, "a.com", NULL, 80, "10.0.0.2", 5000, 1, "up", -1, 0},
	{"linear before indexed", "rules = ( { domain_suffix = \"x.org\"; outbound = \"direct\"; }, { network = \"tcp\"; outbound = \"block\"; }, { domain = \"a.com\"; outbound = \"up\"; } );",
	 0, TCP, "", 0, "a.com", NULL, 80, "10.0.0.2", 5000, 1, "block", -1, 0},
	{"final default first outbound", "rules = ( { port = 1; outbound = \"block\"; } );",
	 0, TCP, "", 0, "a.com", NULL, 80, "10.0.0.2", 5000, NF, "direct", -1, 0},
	/* logical */
	{"logical and", "rules = ( { type = \"logical\"; mode = \"and\"; rules = ( { domain_suffix = \"a.com\"; }, { port = 443; } ); outbound = \"up\"; } ); final = \"direct\";",
	 0, TCP, "", 0, "w.a.com", NULL, 443, "10.0.0.2", 5000, 0, "up", -1, 0},
	{"logical and no", "rules = ( { type = \"logical\"; mode = \"and\"; rules = ( { domain_suffix = \"a.com\"; }, { port = 443; } ); outbound = \"up\"; } ); final = \"direct\";",
	 0, TCP, "", 0, "w.a.com", NULL, 80, "10.0.0.2", 5000, NF, "direct", -1, 0},
	{"logical or", "rules = ( { type = \"logical\"; mode = \"or\"; rules = ( { domain = \"b.com\"; }, { port = 80; } ); outbound = \"up\"; } ); final = \"direct\";",
	 0, TCP, "", 0, "w.a.com", NULL, 80, "10.0.0.2", 5000, 0, "up", -1, 0},
	{"logical invert", "rules = ( { type = \"logical\"; mode = \"or\"; invert = true; rules = ( { domain = \"b.com\"; }, { port = 80; } ); outbound = \"up\"; } ); final = \"direct\";",
	 0, TCP, "", 0, "w.a.com", NULL, 81, "10.0.0.2", 5000, 0, "up", -1, 0},
	{"logical sub invert", "rules = ( { type = \"logical\"; mode = \"and\"; rules = ( { domain_suffix = \"a.com\"; }, { port = 80; invert = true; } ); outbound = \"up\"; } ); final = \"direct\";",
	 0, TCP, "", 0, "w.a.com", NULL, 81, "10.0.0.2", 5000, 0, "up", -1, 0},
	{"logical nested", "rules = ( { type = \"logical\"; mode = \"and\"; rules = ( { type = \"logical\"; mode = \"or\"; rules = ( { port = 1; }, { port = 2; } ); }, { network = \"udp\"; } ); outbound = \"up\"; } ); final = \"direct\";",
	 0, UDP, "", 0, "", "1.1.1.1", 2, "10.0.0.2", 5000, 0, "up", -1, 0},
	/* actions */
	{"reject default", "rules = ( { domain = \"ads.com\"; action = \"reject\"; } ); final = \"direct\";",
	 0, TCP, "", 0, "ads.com", NULL, 80, "10.0.0.2", 5000, 0, NULL, 0, 0},
	{"reject drop", "rules = ( { domain = \"ads.com\"; action = \"reject\"; method = \"drop\"; } ); final = \"direct\";",
	 0, TCP, "", 0, "ads.com", NULL, 80, "10.0.0.2", 5000, 0, NULL, 1, 0},
	{"sniff first", "rules = ( { action = \"sniff\"; timeout = \"500ms\"; }, { protocol = \"tls\"; outbound = \"up\"; } ); final = \"direct\";",
	 0, TCP, "", 0, "", "1.1.1.1", 443, "10.0.0.2", 5000, 0, NULL, -1, 1},
	{"sniff done", "rules = ( { action = \"sniff\"; }, { protocol = \"tls\"; outbound = \"up\"; } ); final = \"direct\";",
	 0, TCP, "", RB_SNIFF_TLS, "x.com", "1.1.1.1", 443, "10.0.0.2", 5000, 1, "up", -1, 0},
	{"sniff failed", "rules = ( { action = \"sniff\"; }, { protocol = \"tls\"; outbound = \"up\"; } ); final = \"direct\";",
	 0, TCP, "", RB_SNIFF_UNKNOWN, "", "1.1.1.1", 443, "10.0.0.2", 5000, NF, "direct", -1, 0},
	{"resolve", "rules = ( { action = \"resolve\"; strategy = \"ipv4_only\"; }, { ip_cidr = \"1.0.0.0/8\"; outbound = \"up\"; } ); final = \"direct\";",
	 0, TCP, "", 0, "a.com", NULL, 443, "10.0.0.2", 5000, 0, NULL, -1, 2},
	{"resolve done", "rules = ( { action = \"resolve\"; }, { ip_cidr = \"1.0.0.0/8\"; outbound = \"up\"; } ); final = \"direct\";",
	 0, TCP, "", 0, "a.com", "1.2.3.4", 443, "10.0.0.2", 5000, 1, "up", -1, 0},
	{"route-options", "rules = ( { port = 443; action = \"route-options\"; override_port = 8443; }, { port = 443; outbound = \"up\"; } ); final = \"direct\";",
	 0, TCP, "", 0, "a.com", NULL, 443, "10.0.0.2", 5000, 1, "up", -1, 0},
	/* sing-box's domain matcher (sing common/domain): "a.b" is the name
	 * and every name under it, ".a.b" only the names under it; a label
	 * boundary is needed; the query is lower-cased (and one trailing dot
	 * dropped), the rule values are lower-cased by the config */
	{"sfx deep", R1("domain_suffix = \"a.b\";", "up"), 0, TCP, "", 0, "x.y.z.a.b", NULL, 80, "10.0.0.2", 5000, 0, "up", -1, 0},
	{"sfx not label", R1("domain_suffix = \"a.b\";", "up"), 0, TCP, "", 0, "xa.b", NULL, 80, "10.0.0.2", 5000, NF, "direct", -1, 0},
	{"sfx shorter query", R1("domain_suffix = \"a.b\";", "up"), 0, TCP, "", 0, "b", NULL, 80, "10.0.0.2", 5000, NF, "direct", -1, 0},
	{"sfx is not keyword", R1("domain_suffix = \"a.b\";", "up"), 0, TCP, "", 0, "a.b.c", NULL, 80, "10.0.0.2", 5000, NF, "direct", -1, 0},
	{"dotsfx deep", R1("domain_suffix = \".a.b\";", "up"), 0, TCP, "", 0, "x.y.a.b", NULL, 80, "10.0.0.2", 5000, 0, "up", -1, 0},
	{"dotsfx not label", R1("domain_suffix = \".a.b\";", "up"), 0, TCP, "", 0, "xa.b", NULL, 80, "10.0.0.2", 5000, NF, "direct", -1, 0},
	{"dotsfx upper trailing dot", R1("domain_suffix = \".A.b\";", "up"), 0, TCP, "", 0, "W.a.B.", NULL, 80, "10.0.0.2", 5000, 0, "up", -1, 0},
	{"domain is not suffix", R1("domain = \"a.b\";", "up"), 0, TCP, "", 0, "x.a.b", NULL, 80, "10.0.0.2", 5000, NF, "direct", -1, 0},
	{"domain + dotsfx = suffix (self)", R1("domain = \"a.b\"; domain_suffix = \".a.b\";", "up"), 0, TCP, "", 0, "a.b", NULL, 80, "10.0.0.2", 5000, 0, "up", -1, 0},
	{"domain + dotsfx = suffix (sub)", R1("domain = \"a.b\"; domain_suffix = \".a.b\";", "up"), 0, TCP, "", 0, "c.a.b", NULL, 80, "10.0.0.2", 5000, 0, "up", -1, 0},
	{"same key: exact vs dotsfx order (self)", "rules = ( { domain_suffix = \".a.b\"; outbound = \"block\"; }, { domain = \"a.b\"; outbound = \"up\"; } ); final = \"direct\";",
	 0, TCP, "", 0, "a.b", NULL, 80, "10.0.0.2", 5000, 1, "up", -1, 0},
	{"same key: exact vs dotsfx order (sub)", "rules = ( { domain_suffix = \".a.b\"; outbound = \"block\"; }, { domain = \"a.b\"; outbound = \"up\"; } ); final = \"direct\";",
	 0, TCP, "", 0, "c.a.b", NULL, 80, "10.0.0.2", 5000, 0, "block", -1, 0},
	{"same key: later suffix", "rules = ( { domain = \"a.b\"; port = 1; outbound = \"block\"; }, { domain_suffix = \"a.b\"; outbound = \"up\"; } ); final = \"direct\";",
	 0, TCP, "", 0, "a.b", NULL, 80, "10.0.0.2", 5000, 1, "up", -1, 0},
	{"parent and child suffix: first wins", "rules = ( { domain_suffix = \"b\"; port = 1; outbound = \"block\"; }, { domain_suffix = \"a.b\"; outbound = \"up\"; }, { domain_suffix = \"b\"; outbound = \"block\"; } ); final = \"direct\";",
	 0, TCP, "", 0, "x.a.b", NULL, 80, "10.0.0.2", 5000, 1, "up", -1, 0},
	{"tld suffix self", R1("domain_suffix = \"com\";", "up"), 0, TCP, "", 0, "com", NULL, 80, "10.0.0.2", 5000, 0, "up", -1, 0},
	{"tld dotsfx self", R1("domain_suffix = \".com\";", "up"), 0, TCP, "", 0, "com", NULL, 80, "10.0.0.2", 5000, NF, "direct", -1, 0},
	{"keyword whole name", R1("domain_keyword = \"a.b\";", "up"), 0, TCP, "", 0, "a.b", NULL, 80, "10.0.0.2", 5000, 0, "up", -1, 0},
	{"keyword across labels", R1("domain_keyword = \"e.c\";", "up"), 0, TCP, "", 0, "www.example.com", NULL, 80, "10.0.0.2", 5000, 0, "up", -1, 0},
	{"keyword at end", R1("domain_keyword = [\"zz\", \"om\"];", "up"), 0, TCP, "", 0, "a.com", NULL, 80, "10.0.0.2", 5000, 0, "up", -1, 0},
	{"keyword upper rule", R1("domain_keyword = \"GOO\";", "up"), 0, TCP, "", 0, "www.Google.com", NULL, 80, "10.0.0.2", 5000, 0, "up", -1, 0},
	{"keyword suffix of another", "rules = ( { domain_keyword = \"xab\"; outbound = \"block\"; }, { domain_keyword = \"ab\"; outbound = \"up\"; } ); final = \"direct\";",
	 0, TCP, "", 0, "zab.c", NULL, 80, "10.0.0.2", 5000, 1, "up", -1, 0},
	{"keyword inside another", "rules = ( { domain_keyword = \"b\"; port = 1; outbound = \"block\"; }, { domain_keyword = [\"qq\", \"abc\"]; outbound = \"up\"; } ); final = \"direct\";",
	 0, TCP, "", 0, "xabcx", NULL, 80, "10.0.0.2", 5000, 1, "up", -1, 0},
	/* OR within the destination group, AND across groups */
	{"dst or: keyword", R1("domain = \"q.com\"; domain_keyword = \"zz\"; ip_cidr = \"9.0.0.0/8\";", "up"), 0, TCP, "", 0, "a.zz.org", NULL, 80, "10.0.0.2", 5000, 0, "up", -1, 0},
	{"dst or: regex", R1("domain = \"q.com\"; domain_regex = \"^ad\";", "up"), 0, TCP, "", 0, "ad.org", NULL, 80, "10.0.0.2", 5000, 0, "up", -1, 0},
	{"dst or: private", R1("domain = \"q.com\"; ip_is_private = true;", "up"), 0, TCP, "", 0, "", "192.168.0.1", 80, "10.0.0.2", 5000, 0, "up", -1, 0},
	{"dst or: ip after resolve", R1("domain = \"q.com\"; ip_cidr = \"9.0.0.0/8\";", "up"), 0, TCP, "", 0, "x.org", "9.9.9.9", 80, "10.0.0.2", 5000, 0, "up", -1, 0},
	{"dst and port", R1("domain_suffix = \"a.b\"; port = 443;", "up"), 0, TCP, "", 0, "x.a.b", NULL, 80, "10.0.0.2", 5000, NF, "direct", -1, 0},
	{"dst and port range", R1("domain_suffix = \"a.b\"; port = 1; port_range = \"440:450\";", "up"), 0, TCP, "", 0, "x.a.b", NULL, 443, "10.0.0.2", 5000, 0, "up", -1, 0},
	{"src or", R1("source_ip_cidr = \"1.0.0.0/8\"; source_ip_is_private = true;", "up"), 0, TCP, "", 0, "a.b", NULL, 80, "10.9.9.9", 5000, 0, "up", -1, 0},
	{"src and dst", R1("source_ip_cidr = \"1.0.0.0/8\"; domain = \"a.b\";", "up"), 0, TCP, "", 0, "a.b", NULL, 80, "10.9.9.9", 5000, NF, "direct", -1, 0},
	{"all groups", R1("inbound = \"in2\"; network = \"tcp\"; auth_user = \"al\"; domain_suffix = \"a.b\"; port = 443; source_ip_cidr = \"10.0.0.0/8\"; source_port_range = \"5000:5001\";", "up"),
	 1, TCP, "al", 0, "x.a.b", NULL, 443, "10.0.0.2", 5001, 0, "up", -1, 0},
	{"all groups but one", R1("inbound = \"in2\"; network = \"tcp\"; auth_user = \"al\"; domain_suffix = \"a.b\"; port = 443; source_ip_cidr = \"10.0.0.0/8\"; source_port_range = \"5000:5001\";", "up"),
	 1, TCP, "al", 0, "x.a.b", NULL, 443, "10.0.0.2", 5002, NF, "direct", -1, 0},
	/* invert negates the whole rule (all groups), not one item */
	{"invert and groups", R1("domain_suffix = \"a.b\"; port = 443; invert = true;", "up"), 0, TCP, "", 0, "x.a.b", NULL, 80, "10.0.0.2", 5000, 0, "up", -1, 0},
	{"invert and groups no", R1("domain_suffix = \"a.b\"; port = 443; invert = true;", "up"), 0, TCP, "", 0, "x.a.b", NULL, 443, "10.0.0.2", 5000, NF, "direct", -1, 0},
	{"invert domain vs ip-only request", R1("domain = \"a.b\"; invert = true;", "up"), 0, TCP, "", 0, "", "1.2.3.4", 80, "10.0.0.2", 5000, 0, "up", -1, 0},
	{"invert before indexed", "rules = ( { domain = \"a.b\"; invert = true; outbound = \"block\"; }, { domain = \"c.d\"; outbound = \"up\"; } ); final = \"direct\";",
	 0, TCP, "", 0, "c.d", NULL, 80, "10.0.0.2", 5000, 0, "block", -1, 0},
	/* logical rules: sub-rules keep their own groups and invert */
	{"logical or of domains", "rules = ( { type = \"logical\"; mode = \"or\"; rules = ( { domain = \"a.b\"; }, { domain_suffix = \".c.d\"; } ); outbound = \"up\"; } ); final = \"direct\";",
	 0, TCP, "", 0, "x.c.d", NULL, 80, "10.0.0.2", 5000, 0, "up", -1, 0},
	{"logical and of domain and keyword", "rules = ( { type = \"logical\"; mode = \"and\"; rules = ( { domain_suffix = \"c.d\"; }, { domain_keyword = \"zz\"; } ); outbound = \"up\"; } ); final = \"direct\";",
	 0, TCP, "", 0, "zz.c.d", NULL, 80, "10.0.0.2", 5000, 0, "up", -1, 0},
	{"logical and of domain and keyword no", "rules = ( { type = \"logical\"; mode = \"and\"; rules = ( { domain_suffix = \"c.d\"; }, { domain_keyword = \"zz\"; } ); outbound = \"up\"; } ); final = \"direct\";",
	 0, TCP, "", 0, "z.c.d", NULL, 80, "10.0.0.2", 5000, NF, "direct", -1, 0},
	{"logical and with inverted sub", "rules = ( { type = \"logical\"; mode = \"and\"; rules = ( { domain_suffix = \"c.d\"; }, { domain = \"x.c.d\"; invert = true; } ); outbound = \"up\"; } ); final = \"direct\";",
	 0, TCP, "", 0, "x.c.d", NULL, 80, "10.0.0.2", 5000, NF, "direct", -1, 0},
	{"logical inverted or", "rules = ( { type = \"logical\"; mode = \"or\"; invert = true; rules = ( { domain = \"a.b\"; }, { port = 80; } ); outbound = \"up\"; }, { domain = \"a.b\"; outbound = \"block\"; } ); final = \"direct\";",
	 0, TCP, "", 0, "a.b", NULL, 443, "10.0.0.2", 5000, 1, "block", -1, 0},
	{"reject stops the walk", "rules = ( { domain_suffix = \"b\"; action = \"reject\"; }, { domain = \"a.b\"; outbound = \"up\"; } ); final = \"direct\";",
	 0, TCP, "", 0, "a.b", NULL, 80, "10.0.0.2", 5000, 0, NULL, 0, 0},
	{"route-options goes on", "rules = ( { domain_suffix = \"b\"; action = \"route-options\"; override_port = 8443; }, { domain = \"a.b\"; outbound = \"up\"; } ); final = \"direct\";",
	 0, TCP, "", 0, "a.b", NULL, 443, "10.0.0.2", 5000, 1, "up", -1, 0},
};

static void t_cases(void)
{
	char hdr[64 * 1024];
	int failed = 0;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct mcase *c = &cases[i];
		struct rb_route_req req;
		struct rb_route_result res;
		struct built b;
		int rc;

		snprintf(hdr, sizeof(hdr), TAGS "route = { %s };\n", c->route);
		rc = trt_build(&b, hdr);
		if (rc) {
			fprintf(stderr, "case '%s': build %d: %s\n", c->name, rc, b.err);
			failed++;
			trt_unbuild(&b);
			continue;
		}
		memset(&req, 0, sizeof(req));
		memset(&res, 0, sizeof(res));
		req.inbound = (uint16_t)c->inbound;
		req.network = (uint8_t)c->net;
		snprintf(req.user, sizeof(req.user), "%s", c->user);
		req.sniff.proto = (uint8_t)c->proto;
		if (c->proto && c->proto != RB_SNIFF_UNKNOWN)
			snprintf(req.sniff.domain, sizeof(req.sniff.domain), "%s", c->domain);
		else
			snprintf(req.dst.domain, sizeof(req.dst.domain), "%s", c->domain);
		set_ip(c->dst, &req.dst.family, req.dst.addr);
		req.dst.port = c->dport;
		set_ip(c->src, &req.src_family, req.src_addr);
		req.src_port = c->sport;
		rc = rb_rt_match(&b.v, &req, &res);
		if (rc || res.rule != c->rule ||
		    (c->out && (res.action != RB_ACT_ROUTE ||
				strcmp(rb_rt_outbound_tag(&b.v, res.outbound), c->out))) ||
		    (c->reject >= 0 && (res.action != RB_ACT_REJECT || res.reject != c->reject)) ||
		    (c->need == 1) != !!res.need_sniff || (c->need == 2) != !!res.need_resolve) {
			fprintf(stderr, "case '%s': rc %d rule %u action %u out %s reject %u sniff %u "
					"resolve %u\n", c->name, rc, res.rule, res.action,
				rb_rt_outbound_tag(&b.v, res.outbound), res.reject, res.need_sniff,
				res.need_resolve);
			failed++;
		}
		if (strcmp(c->name, "route-options") == 0 && res.override_port != 8443) {
			fprintf(stderr, "case '%s': override_port %u\n", c->name, res.override_port);
			failed++;
		}
		if (strcmp(c->name, "resolve") == 0 && res.resolve_strategy != RB_RESOLVE_IPV4_ONLY) {
			fprintf(stderr, "case '%s': strategy %u\n", c->name, res.resolve_strategy);
			failed++;
		}
		trt_unbuild(&b);
	}
	CU_ASSERT_EQUAL(failed, 0);
}

/* ------------------------------------------------------------ bad configs */

struct bad {
	const char *route;   /* whole route/dns text after TAGS */
	const char *want;    /* substring of the error output */
};

static const struct bad bads[] = {
	{"route = { rules = ( { domain = \"a..com\"; outbound = \"up\"; } ); };", "empty label"},
	{"route = { rules = ( { domain = \"a com\"; outbound = \"up\"; } ); };", "not allowed in a domain"},
	{"route = { rules = ( { domain_regex = \"(\"; outbound = \"up\"; } ); };", "regex \"(\""},
	{"route = { rules = ( { ip_cidr = \"1.2.3.4/33\"; outbound = \"up\"; } ); };", "ip_cidr"},
	{"route = { rules = ( { port = 70000; outbound = \"up\"; } ); };", "out of range 0..65535"},
	{"route = { rules = ( { port_range = \"9:1\"; outbound = \"up\"; } ); };", "not a port range"},
	{"route = { rules = ( { port_range = \"80\"; outbound = \"up\"; } ); };", "not a range"},
	{"route = { rules = ( { network = \"sctp\"; outbound = \"up\"; } ); };", "unknown value \"sctp\""},
	{"route = { rules = ( { protocol = \"gopher\"; outbound = \"up\"; } ); };", "unknown value \"gopher\""},
	{"route = { rules = ( { ip_version = 5; outbound = \"up\"; } ); };", "not an IP version"},
	{"route = { rules = ( { domain = \"a.com\"; outbound = \"nope\"; } ); };", "outbound 'nope' is not the tag"},
	{"route = { rules = ( { domain = \"a.com\"; } ); };", "needs 'outbound'"},
	{"route = { rules = ( { inbound = \"nope\"; outbound = \"up\"; } ); };", "inbound 'nope'"},
	{"route = { final = \"nope\"; };", "route.final: outbound 'nope'"},
	{"route = { rules = ( { domian = \"a.com\"; outbound = \"up\"; } ); };", "domian"},
	{"route = { rules = ( { type = \"logical\"; rules = ( { port = 1; } ); outbound = \"up\"; } ); };", "needs 'mode'"},
	{"route = { rules = ( { type = \"logical\"; mode = \"and\"; outbound = \"up\"; } ); };", "non-empty 'rules'"},
	{"route = { rules = ( { type = \"logical\"; mode = \"and\"; port = 1; rules = ( { port = 1; } ); outbound = \"up\"; } ); };", "not allowed in a logical rule"},
	{"route = { rules = ( { type = \"logical\"; mode = \"and\"; rules = ( { port = 1; outbound = \"up\"; } ); outbound = \"up\"; } ); };", "not allowed in a sub-rule"},
	{"route = { rules = ( { port = 1; mode = \"and\"; outbound = \"up\"; } ); };", "only for logical"},
	{"route = { rules = ( { port = 1; action = \"reject\"; outbound = \"up\"; } ); };", "does not apply to action 'reject'"},
	{"route = { rules = ( { port = 1; action = \"sniff\"; timeout = \"fast\"; } ); };", "not a duration"},
	{"route = { rules = ( { port = 1; action = \"resolve\"; strategy = \"ipv5\"; } ); };", "unknown strategy"},
	{"route = { rules = ( { domain = [ ]; outbound = \"up\"; } ); };", "must not be empty"},
	/* sing-box would take "" as a keyword that every name contains */
	{"route = { rules = ( { domain_keyword = [ \"\" ]; outbound = \"up\"; } ); };", "must not be empty"},
	{"route = { rules = ( { domain = [ 1 ]; outbound = \"up\"; } ); };", "expected a string"},
	{"dns = { servers = ( { type = \"tls\"; server = \"1.1.1.1\"; } ); };", "not supported"},
	{"dns = { servers = ( { server = \"1.1.1.1/24\"; } ); };", "server"},
	{"dns = { strategy = \"ipv4\"; };", "unknown strategy"},
};

static void t_bad(void)
{
	char text[4096];
	int failed = 0;

	for (size_t i = 0; i < sizeof(bads) / sizeof(bads[0]); i++) {
		struct built b;
		int rc;

		snprintf(text, sizeof(text), TAGS "%s\n", bads[i].route);
		rc = trt_build(&b, text);
		if (rc != -1 || !strstr(b.err, bads[i].want) || !strstr(b.err, "t.cfg:")) {
			fprintf(stderr, "bad config %zu: rc %d, want '%s', got: %s\n", i, rc,
				bads[i].want, b.err);
			failed++;
		}
		trt_unbuild(&b);
	}
	CU_ASSERT_EQUAL(failed, 0);
}

/* ------------------------------------------------------------ explain */

static void t_explain(void)
{
	struct built b;
	struct rb_route_req req;
	char buf[1024];

	CU_ASSERT_EQUAL_FATAL(trt_build(&b, TAGS "route = { rules = ( { domain_suffix = \"a.com\"; port = 443; outbound = \"up\"; } ); };"), 0);
	memset(&req, 0, sizeof(req));
	snprintf(req.dst.domain, sizeof(req.dst.domain), "x.a.com");
	req.dst.port = 80;
	req.network = RB_NET_TCP;
	CU_ASSERT_EQUAL(rb_rt_explain(&b.v, &req, 0, buf, sizeof(buf)), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(buf, "destination address"));
	CU_ASSERT_PTR_NOT_NULL(strstr(buf, "port/port_range does not match"));
	req.dst.port = 443;
	CU_ASSERT_EQUAL(rb_rt_explain(&b.v, &req, 0, buf, sizeof(buf)), 1);
	CU_ASSERT_EQUAL(rb_rt_find_inbound(&b.v, "in2"), 1);
	CU_ASSERT_STRING_EQUAL(rb_rt_outbound_tag(&b.v, 2), "up");
	trt_unbuild(&b);
}

/* ------------------------------------------------------------ corruption */

static void t_corrupt(void)
{
	struct built b;
	char err[256];
	uint8_t *copy;
	unsigned seed = 1, refused = 0;

	CU_ASSERT_EQUAL_FATAL(trt_build(&b, TAGS "route = { rules = ( { domain_suffix = [\"a.com\", \".b.org\"]; domain_keyword = \"kw\"; ip_cidr = [\"10.0.0.0/8\", \"2001:db8::/32\"]; source_ip_cidr = \"1.2.3.0/24\"; domain_regex = \"x+\"; outbound = \"up\"; }, { type = \"logical\"; mode = \"or\"; rules = ( { port = 1; }, { network = \"udp\"; } ); action = \"reject\"; } ); };"), 0);
	CU_ASSERT_EQUAL(rb_rt_validate(b.blob, b.len, err, sizeof(err)), 0);
	CU_ASSERT_NOT_EQUAL(rb_rt_validate(b.blob, b.len - 8, err, sizeof(err)), 0);
	copy = malloc(b.len);
	CU_ASSERT_PTR_NOT_NULL_FATAL(copy);
	/* any changed byte after the header: checksum */
	for (size_t i = sizeof(struct rb_rt_hdr); i < b.len; i += 7) {
		memcpy(copy, b.blob, b.len);
		copy[i] ^= 0x5a;
		refused += rb_rt_validate(copy, b.len, err, sizeof(err)) != 0;
	}
	CU_ASSERT_EQUAL(refused, (b.len - sizeof(struct rb_rt_hdr) + 6) / 7);
	/* header fields with a valid checksum: bounds checks must catch them */
	for (size_t i = 0; i < sizeof(struct rb_rt_hdr); i++) {
		struct rb_rt_view v;

		if (i >= offsetof(struct rb_rt_hdr, checksum) &&
		    i < offsetof(struct rb_rt_hdr, checksum) + 8)
			continue;
		for (int k = 0; k < 8; k++) {
			memcpy(copy, b.blob, b.len);
			seed = seed * 1103515245 + 12345;
			copy[i] = (uint8_t)(seed >> 16);
			if (rb_rt_view_init(&v, copy, b.len, err, sizeof(err)) == 0) {
				/* accepted: must be usable without reading out of bounds
				 * (ASan build checks) */
				struct rb_route_req req;
				struct rb_route_result res;

				memset(&req, 0, sizeof(req));
				snprintf(req.dst.domain, sizeof(req.dst.domain), "kw.a.com");
				req.dst.family = AF_INET;
				req.dst.addr[0] = 10;
				req.src_family = AF_INET;
				memset(&res, 0, sizeof(res));
				rb_rt_match(&v, &req, &res);
				rb_rt_view_fini(&v);
			}
		}
	}
	free(copy);
	trt_unbuild(&b);
}

/* ------------------------------------------------------------ 100k random vs reference */

/* The reference: sing-box's semantics written directly on the config
 * structs, no index. */
static int ref_domain(const struct rb_cfg_rule *x, const char *d)
{
	size_t dl = strlen(d);

	if (!dl)
		return 0;
	for (int i = 0; i < x->domain.n; i++)
		if (strcmp(x->domain.v[i], d) == 0)
			return 1;
	for (int i = 0; i < x->domain_suffix.n; i++) {
		const char *s = x->domain_suffix.v[i];
		size_t sl = strlen(s);

		if (s[0] == '.') {
			if (dl > sl && strcmp(d + dl - sl, s) == 0)
				return 1;
		} else if (strcmp(d, s) == 0 ||
			   (dl > sl && d[dl - sl - 1] == '.' && strcmp(d + dl - sl, s) == 0)) {
			return 1;
		}
	}
	for (int i = 0; i < x->domain_keyword.n; i++)
		if (strstr(d, x->domain_keyword.v[i]))
			return 1;
	return 0;
}

static int ref_cidr(const struct rb_cfg_cidrs *l, int fam, const uint8_t *a)
{
	struct rb_cidr c = {.family = (uint8_t)fam, .plen = fam == AF_INET ? 32 : 128};

	memcpy(c.addr, a, 16);
	for (int i = 0; i < l->n; i++)
		if (l->v[i].family == fam && rb_cidr_contains(&l->v[i], &c))
			return 1;
	return 0;
}

int trt_ref_ports(const struct rb_cfg_ports *a, const struct rb_cfg_ports *b, uint16_t p)
{
	for (int i = 0; i < a->n; i++)
		if (p >= a->v[i][0] && p <= a->v[i][1])
			return 1;
	for (int i = 0; i < b->n; i++)
		if (p >= b->v[i][0] && p <= b->v[i][1])
			return 1;
	return 0;
}

static int ref_rule(const struct rb_cfg_rule *x, const struct rb_route_req *q)
{
	int ok = 1;

	if (x->type == RB_RULE_LOGICAL) {
		int r = x->mode == RB_RULE_AND;

		for (int i = 0; i < x->n_rules; i++) {
			int m = ref_rule(&x->rules[i], q);

			if (x->mode == RB_RULE_AND && !m)
				r = 0;
			if (x->mode == RB_RULE_OR && m)
				r = 1;
		}
		return r ^ x->invert;
	}
	if (x->domain.n || x->domain_suffix.n || x->domain_keyword.n || x->ip_cidr.n)
		ok &= ref_domain(x, q->dst.domain) ||
		      (q->dst.family && ref_cidr(&x->ip_cidr, q->dst.family, q->dst.addr));
	if (x->port.n || x->port_range.n)
		ok &= trt_ref_ports(&x->port, &x->port_range, q->dst.port);
	if (x->source_ip_cidr.n)
		ok &= ref_cidr(&x->source_ip_cidr, q->src_family, q->src_addr);
	if (x->network)
		ok &= !!(x->network & q->network);
	return ok ^ x->invert;
}

static uint64_t rng = 88172645463325252ULL;

static uint32_t rnd(uint32_t n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng % n);
}

static void rnd_label(char *b, int min)
{
	static const char al[] = "abcdefghij";
	int n = min + (int)rnd(4);

	for (int i = 0; i < n; i++)
		b[i] = al[rnd(10)];
	b[n] = 0;
}

#define NRULES 100000

uint16_t trt_find_out(const struct built *b, const char *tag)
{
	for (int i = 0; i < b->r.n_outbounds; i++)
		if (strcmp(b->r.outbounds[i], tag) == 0)
			return (uint16_t)i;
	return 0xffff;
}

static void t_random(void)
{
	FILE *f;
	char *text = NULL, lab[16], lab2[16];
	size_t tlen = 0;
	struct built b;
	int failed = 0;
	static char doms[NRULES][40];
	static uint32_t v4[NRULES];

	f = open_memstream(&text, &tlen);
	fprintf(f, TAGS "route = { final = \"direct\"; rules = (\n");
	for (int i = 0; i < NRULES; i++) {
		const char *outs[] = {"direct", "block", "up"};
		int kind = (int)rnd(100);

		rnd_label(lab, 2);
		rnd_label(lab2, 3);
		snprintf(doms[i], sizeof(doms[i]), "%s.%s.com", lab, lab2);
		v4[i] = rnd(0xffffffffu);
		fprintf(f, "%s{ ", i ? "," : "");
		if (kind < 35) {
			fprintf(f, "domain = \"%s\"; ", doms[i]);
		} else if (kind < 60) {
			fprintf(f, "domain_suffix = \"%s%s\"; ", rnd(4) ? "" : ".", doms[i] + strlen(lab) + 1);
		} else if (kind < 62) {
			fprintf(f, "domain_keyword = \"%s\"; ", lab2);
		} else if (kind < 92) {
			fprintf(f, "ip_cidr = \"%u.%u.%u.%u/%u\"; ", v4[i] >> 24, (v4[i] >> 16) & 255,
				(v4[i] >> 8) & 255, v4[i] & 255, 8 + rnd(25));
		} else if (kind < 94) {
			fprintf(f, "ip_cidr = \"2001:db8:%x::/%u\"; ", rnd(65536), 40 + rnd(60));
		} else if (kind < 96) {
			fprintf(f, "source_ip_cidr = \"10.%u.0.0/16\"; ", rnd(256));
		} else if (kind < 98) {
			fprintf(f, "type = \"logical\"; mode = \"%s\"; rules = ( { domain_suffix = \"%s.com\"; }, { port = %u; invert = %s; } ); ",
				rnd(2) ? "and" : "or", lab2, rnd(3) + 80, rnd(2) ? "true" : "false");
		} else {
			fprintf(f, "domain_suffix = \"%s.com\"; invert = true; ", lab2);
		}
		if (kind >= 96 && kind < 98) {
			/* logical: items belong to the sub-rules */
		} else if (rnd(10) == 0)
			fprintf(f, "port = [%u, 443]; ", 80 + rnd(3));
		else if (rnd(20) == 0)
			fprintf(f, "network = \"udp\"; ");
		fprintf(f, "outbound = \"%s\"; }\n", outs[rnd(3)]);
	}
	fprintf(f, "); };\n");
	fclose(f);
	{
		struct timespec t0, t1;

		clock_gettime(CLOCK_MONOTONIC, &t0);
		if (trt_build(&b, text))
			fprintf(stderr, "build: %.500s\n", b.err);
		CU_ASSERT_EQUAL_FATAL(b.blob != NULL, 1);
		clock_gettime(CLOCK_MONOTONIC, &t1);
		printf("\n  100k rules: config+compile+view %.0f ms, table %zu KiB\n",
		       (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6,
		       b.len / 1024);
	}
	free(text);
	for (int q = 0; q < 6000; q++) {
		struct rb_route_req req;
		struct rb_route_result res;
		int want = -1, i = (int)rnd(NRULES);

		memset(&req, 0, sizeof(req));
		memset(&res, 0, sizeof(res));
		req.network = rnd(4) ? RB_NET_TCP : RB_NET_UDP;
		req.dst.port = (uint16_t)(rnd(2) ? 443 : 79 + rnd(4));
		req.src_family = AF_INET;
		req.src_addr[0] = 10;
		req.src_addr[1] = (uint8_t)rnd(256);
		switch (rnd(4)) {
		case 0: snprintf(req.dst.domain, sizeof(req.dst.domain), "%s", doms[i]); break;
		case 1:
			rnd_label(lab, 1);
			snprintf(req.dst.domain, sizeof(req.dst.domain), "%s.%s", lab, doms[i]);
			break;
		case 2: {
			uint32_t a = v4[i] ^ (rnd(2) ? 0 : rnd(1u << 20));

			req.dst.family = AF_INET;
			req.dst.addr[0] = (uint8_t)(a >> 24);
			req.dst.addr[1] = (uint8_t)(a >> 16);
			req.dst.addr[2] = (uint8_t)(a >> 8);
			req.dst.addr[3] = (uint8_t)a;
			break;
		}
		default:
			req.dst.family = AF_INET6;
			req.dst.addr[0] = 0x20;
			req.dst.addr[1] = 0x01;
			req.dst.addr[2] = 0x0d;
			req.dst.addr[3] = 0xb8;
			req.dst.addr[4] = (uint8_t)rnd(256);
			req.dst.addr[5] = (uint8_t)rnd(256);
			break;
		}
		for (int k = 0; k < b.r.n_rules; k++)
			if (ref_rule(&b.r.rules[k], &req)) {
				want = k;
				break;
			}
		rb_rt_match(&b.v, &req, &res);
		if ((want < 0 && res.rule != RB_RULE_FINAL) ||
		    (want >= 0 && (res.rule != (want < 0xfffe ? want : 0xfffe) ||
				   res.outbound != trt_find_out(&b, b.r.rules[want].outbound)))) {
			if (failed++ < 10)
				fprintf(stderr, "query %d (%s port %u): want rule %d, got %u\n", q,
					req.dst.domain, req.dst.port, want, res.rule);
		}
	}
	CU_ASSERT_EQUAL(failed, 0);
	trt_unbuild(&b);
}

int main(void)
{
	CU_pSuite s;
	unsigned fails;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 2;
	s = CU_add_suite("route", NULL, NULL);
	CU_add_test(s, "rule items, logical, invert, actions", t_cases);
	CU_add_test(s, "bad configs", t_bad);
	CU_add_test(s, "explain", t_explain);
	CU_add_test(s, "corrupt tables", t_corrupt);
	CU_add_test(s, "100k random rules vs reference", t_random);
	test_route_seeded_register(s); /* test_route_seeded.c */
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	fails = CU_get_number_of_failures();
	CU_cleanup_registry();
	return fails ? 1 : 0;
}
