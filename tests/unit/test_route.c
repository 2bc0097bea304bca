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
 *  - 3000 seeded random rules with every item, group and action over a
 *    small vocabulary against a naive reference (seed printed,
 *    RB_TEST_SEED replays), with the keyword DFA, without it, and with a
 *    DFA for the shallow states only.
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

#define TAGS                                                                               \
	"inbounds = ( { type = \"socks\"; tag = \"in1\"; }, { type = \"mixed\"; tag = \"in2\"; } );\n" \
	"outbounds = ( { type = \"direct\"; tag = \"direct\"; }, { type = \"block\"; tag = "   \
	"\"block\"; }, { type = \"socks\"; tag = \"up\"; } );\n"

struct built {
	config_t c;
	struct rb_cfg_routing r;
	void *blob;
	size_t len;
	struct rb_rt_view v;
	char err[4096];
};

/* Parse text, validate route/dns, compile and view.  0 ok, -1 config
 * errors (in b->err), -2 compile/view error. */
static int build(struct built *b, const char *text)
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

static void unbuild(struct built *b)
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
		rc = build(&b, hdr);
		if (rc) {
			fprintf(stderr, "case '%s': build %d: %s\n", c->name, rc, b.err);
			failed++;
			unbuild(&b);
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
		unbuild(&b);
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
		rc = build(&b, text);
		if (rc != -1 || !strstr(b.err, bads[i].want) || !strstr(b.err, "t.cfg:")) {
			fprintf(stderr, "bad config %zu: rc %d, want '%s', got: %s\n", i, rc,
				bads[i].want, b.err);
			failed++;
		}
		unbuild(&b);
	}
	CU_ASSERT_EQUAL(failed, 0);
}

/* ------------------------------------------------------------ explain */

static void t_explain(void)
{
	struct built b;
	struct rb_route_req req;
	char buf[1024];

	CU_ASSERT_EQUAL_FATAL(build(&b, TAGS "route = { rules = ( { domain_suffix = \"a.com\"; port = 443; outbound = \"up\"; } ); };"), 0);
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
	unbuild(&b);
}

/* ------------------------------------------------------------ corruption */

static void t_corrupt(void)
{
	struct built b;
	char err[256];
	uint8_t *copy;
	unsigned seed = 1, refused = 0;

	CU_ASSERT_EQUAL_FATAL(build(&b, TAGS "route = { rules = ( { domain_suffix = [\"a.com\", \".b.org\"]; domain_keyword = \"kw\"; ip_cidr = [\"10.0.0.0/8\", \"2001:db8::/32\"]; source_ip_cidr = \"1.2.3.0/24\"; domain_regex = \"x+\"; outbound = \"up\"; }, { type = \"logical\"; mode = \"or\"; rules = ( { port = 1; }, { network = \"udp\"; } ); action = \"reject\"; } ); };"), 0);
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
	unbuild(&b);
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

static int ref_ports(const struct rb_cfg_ports *a, const struct rb_cfg_ports *b, uint16_t p)
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
		ok &= ref_ports(&x->port, &x->port_range, q->dst.port);
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

static uint16_t find_out(const struct built *b, const char *tag)
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
		if (build(&b, text))
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
				   res.outbound != find_out(&b, b.r.rules[want].outbound)))) {
			if (failed++ < 10)
				fprintf(stderr, "query %d (%s port %u): want rule %d, got %u\n", q,
					req.dst.domain, req.dst.port, want, res.rule);
		}
	}
	CU_ASSERT_EQUAL(failed, 0);
	unbuild(&b);
}

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
	return ref_ports(a, b, p);
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
	if (build(&b, text))
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
				  res.outbound != find_out(&b, b.r.final);
		} else {
			const struct rb_cfg_rule *x = &b.r.rules[want.rule];

			bad_res = res.rule != want.rule ||
				  (x->action == RB_RA_REJECT
					   ? res.action != RB_ACT_REJECT || res.reject != x->method
					   : res.action != RB_ACT_ROUTE ||
						     res.outbound != find_out(&b, x->outbound));
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
	unbuild(&b);
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
	rb_route_kwq_min = 1;    /* build(): the q-gram index */
	if (build(&b, text))
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
	unbuild(&b);
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
	CU_ASSERT_EQUAL_FATAL(build(&b, text), 0);
	/* and through the q-gram index */
	rb_route_kwq_min = 1;
	CU_ASSERT_EQUAL_FATAL(build(&bq, text), 0);
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
	unbuild(&b);
	unbuild(&bq);
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
	CU_add_test(s, "seeded random rules vs naive reference", t_seeded);
	CU_add_test(s, "keyword-heavy tables: q-grams vs automaton vs naive", t_kw_heavy);
	CU_add_test(s, "more keyword hits than tracked", t_kw_overflow);
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	fails = CU_get_number_of_failures();
	CU_cleanup_registry();
	return fails ? 1 : 0;
}
