/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of the configuration loader (config/): a table of bad configs
 * with the error lines each must produce (and how many), good configs
 * checked field by field, every file in config/examples (argv[1]) and the
 * embedded default. The dataplane.tcp tests are in test_config_tcp.c; the
 * CIDR helpers, log levels and the exported schema walker in
 * test_config_api.c.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include <CUnit/Basic.h>

#include "config/rb_cfg_proxy.h"
#include "config/rb_config.h"
#include "config/schema.h"
#include "test_config.h"

static const char *examples_dir = "config/examples";

/* Load text as "t.cfg"; return rc and the error output (caller frees). */
int test_config_load(const char *text, struct rb_config *cfg, char **errs)
{
	size_t len = 0;
	FILE *f = open_memstream(errs, &len);
	int rc;

	rc = rb_config_load_string(cfg, text, "t.cfg", f);
	fclose(f);
	return rc;
}

static int count_lines(const char *s)
{
	int n = 0;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

/* Every line is "t.cfg:LINE: ..." or "t.cfg: ...". */
int test_config_lines_well_formed(const char *s)
{
	while (*s) {
		const char *nl = strchr(s, '\n');

		if (strncmp(s, "t.cfg:", 6) != 0 || nl == NULL)
			return 0;
		s = nl + 1;
	}
	return 1;
}

#define PORT_WAN "{ name = \"wan\"; device = \"net_null1\"; addresses = [\"192.0.2.2/29\"]; }"
#define DP2(x)   "dataplane = { ports = ( " PORT_LAN ", " PORT_WAN " ); " x " };\n"
#define PORTS(x) "dataplane = { ports = ( " x " ); };\n"
#define ROUTE(x) DP2("routes = ( " x " );")
#define NEIGH(x) DP2("neighbors = ( " x " );")

static const struct bad_case {
	const char *text;
	int n_lines;            /* exact number of error lines */
	const char *want[4];    /* substrings that must appear */
} bad[] = {
	/* top level, types, required keys */
	{ DP("") "foo = 1;\n", 1, { "t.cfg:2: foo: unknown key" } },
	{ "log = { levle = \"info\"; };\n" DP(""), 1,
	  { "t.cfg:1: log.levle: unknown key (did you mean 'level'?)" } },
	{ "log = { level = \"loud\"; };\n" DP(""), 1,
	  { "log.level: 'loud' is not one of: error, warn, info, debug, trace" } },
	{ "log = { timestamp = \"yes\"; };\n" DP(""), 1,
	  { "log.timestamp: expected a boolean (true or false), got a string" } },
	{ "log = { output = \"a\\tb\"; };\n" DP(""), 1, { "log.output: 'a?b' contains a control character" } },
	{ "log = { level = \"info\"; };\n", 1, { "t.cfg: dataplane: missing required key" } },
	{ "dataplane = { lcores = 1; };\n", 1, { "t.cfg:1: dataplane.ports: missing required key" } },
	{ "dataplane = { ports = (); };\n", 1, { "dataplane.ports: must not be empty" } },
	{ "dataplane = { ports = { name = \"x\"; }; };\n", 1,
	  { "dataplane.ports: expected a list ( ... ), got a group" } },
	{ "dataplane = { ports = ( \"lan\" ); };\n", 1,
	  { "dataplane.ports.[0]: expected a group { ... }, got a string" } },
	{ DP("burst = 1.5;"), 1, { "dataplane.burst: expected an integer, got a float" } },
	{ "log = 3;\n" DP(""), 1, { "t.cfg:1: log: expected a group { ... }, got an integer" } },
	/* syntax */
	{ "log = {\n  level = ;\n};\n", 1, { "t.cfg:2: syntax error" } },
	{ "log = { level = \"info\"; level = \"warn\"; };\n", 1, { "t.cfg:1: duplicate setting name" } },
	/* strings where libconfig 1.5 would leak them are refused up front */
	{ DP("") "\"stray\";\n", 1, { "t.cfg:2: syntax error (unexpected string)" } },
	{ DP("") "log = { output = \"/x\", \"y\"; };\n", 1, { "t.cfg:2: syntax error (unexpected string)" } },
	{ DP("routes = ( {} \"x\" );"), 1, { "t.cfg:1: syntax error (unexpected string)" } },
	/* ranges */
	{ "dataplane = {\n ports = (\n " PORT_LAN ",\n { name = \"wan\"; device = \"net_null1\"; mtu = 70000; }\n );\n};\n",
	  1, { "t.cfg:4: dataplane.ports.[1].mtu: 70000 is out of range 68..9216" } },
	{ PORTS("{ name = \"a\"; device = \"d\"; mtu = 67; queues = 0; vlan = 4095; }"), 3,
	  { "dataplane.ports.[0].mtu: 67 is out of range 68..9216",
	    "dataplane.ports.[0].queues: 0 is out of range 1..16",
	    "dataplane.ports.[0].vlan: 4095 is out of range 1..4094" } },
	{ PORTS("{ name = \"a\"; device = \"d\"; queues = 17; vlan = 0; }"), 2,
	  { "queues: 17 is out of range 1..16", "vlan: 0 is out of range 1..4094" } },
	{ DP("lcores = 0;"), 1, { "dataplane.lcores: 0 is out of range 1..16" } },
	{ DP("lcores = 17;"), 1, { "dataplane.lcores: 17 is out of range 1..16" } },
	{ DP("lcores = [1, 1, 2000];"), 1,
	  { "dataplane.lcores.[2]: CPU 2000 is out of range 0..1023" } },
	{ DP("lcores = \"all\";"), 1,
	  { "dataplane.lcores: expected a worker count or an array of CPU ids, got a string" } },
	{ DP("lcores = [];"), 1, { "dataplane.lcores: has 0 CPU ids, want 1..16" } },
	{ DP("burst = 0; tx_drain_us = 0; idle_sleep_us = 10001; neigh_timeout_s = 0;"), 4,
	  { "burst: 0 is out of range 1..64", "tx_drain_us: 0 is out of range 1..100000",
	    "idle_sleep_us: 10001 is out of range 0..10000",
	    "neigh_timeout_s: 0 is out of range 1..86400" } },
	{ DP("burst = 65; frag_max_flows = 0; frag_timeout_ms = 60001; icmp_rate = 0;"), 4,
	  { "burst: 65 is out of range 1..64", "frag_max_flows: 0 is out of range",
	    "frag_timeout_ms: 60001 is out of range", "icmp_rate: 0 is out of range" } },
	{ DP("main_cpu = -1;"), 1, { "dataplane.main_cpu: -1 is out of range 0..1023" } },
	{ DP("max_sessions = 15;"), 1, { "dataplane.max_sessions: 15 is out of range 16..1048576" } },
	{ DP("max_sessions = 1048577;"), 1, { "max_sessions: 1048577 is out of range" } },
	{ DP("mbufs = 100;"), 1, { "dataplane.mbufs: 100 is too small (0 = derived, or at least 1024)" } },
	/* libconfig 1.5 would read 4294968796 as 1500: must be caught in the text */
	{ "dataplane = {\n ports = ( { name = \"a\"; device = \"d\";\n mtu = 4294968796; } );\n};\n", 1,
	  { "t.cfg:3: integer 4294968796 does not fit in 32 bits" } },
	{ DP("mbufs = 0x100000000;"), 1, { "integer 0x100000000 does not fit in 32 bits" } },
	/* strings and names */
	{ DP("shm_name = \"ringbox\";"), 1, { "dataplane.shm_name: 'ringbox' is not a POSIX shm name" } },
	{ DP("shm_name = \"/a/b\";"), 1, { "'/a/b' is not a POSIX shm name" } },
	{ DP("eal_args = [ \"--log-level=8\", \"-l\", \"--lcores=0@0\" ];"), 2,
	  { "dataplane.eal_args.[1]: '-l' conflicts with", "dataplane.eal_args.[2]: '--lcores' conflicts" } },
	{ DP("eal_args = [ 1 ];"), 1, { "dataplane.eal_args.[0]: expected a string, got an integer" } },
	{ DP("eal_args = [ \"\" ];"), 1, { "dataplane.eal_args.[0]: must not be empty" } },
	{ PORTS("{ name = \"Bad Name\"; device = \"d\"; }"), 1,
	  { "dataplane.ports.[0].name: 'Bad Name' is not a valid name (use a-z, 0-9, '_' and '-')" } },
	{ PORTS("{ name = \"abcdefghijklmnopqrstuvwxyz012345\"; device = \"d\"; }"), 1,
	  { "is too long (32 characters, at most 31)" } },
	{ PORTS("{ name = \"a\"; }"), 1, { "dataplane.ports.[0].device: missing required key" } },
	{ PORTS("{ name = \"a\"; device = \"net null\"; }"), 1,
	  { "dataplane.ports.[0].device: 'net null' contains white space" } },
	{ PORTS(PORT_LAN ", { name = \"lan\"; device = \"net_null1\"; }"), 1,
	  { "dataplane.ports.[1].name: duplicate port name 'lan' (also dataplane.ports.[0])" } },
	{ PORTS(PORT_LAN ", { name = \"b\"; device = \"net_null0\"; }"), 1,
	  { "dataplane.ports.[1].device: device 'net_null0' is already used by port 'lan'" } },
	{ PORTS("{name=\"p0\";device=\"d0\";},{name=\"p1\";device=\"d1\";},{name=\"p2\";device=\"d2\";},"
		"{name=\"p3\";device=\"d3\";},{name=\"p4\";device=\"d4\";},{name=\"p5\";device=\"d5\";},"
		"{name=\"p6\";device=\"d6\";},{name=\"p7\";device=\"d7\";},{name=\"p8\";device=\"d8\";}"), 1,
	  { "dataplane.ports: has 9 entries, at most 8 allowed" } },
	/* addresses */
	{ PORTS("{ name = \"a\"; device = \"d\"; addresses = [\"10.0.0.1/33\", \"10.0.0.1/24x\", \"\", \"fd00::1/129\"]; }"),
	  4, { "addresses.[0]: '10.0.0.1/33' is not a valid address/prefix: prefix length exceeds 32",
	       "addresses.[1]: '10.0.0.1/24x' is not a valid address/prefix: prefix length is not a decimal number",
	       "addresses.[2]: '' is not a valid address/prefix: empty address",
	       "addresses.[3]: 'fd00::1/129' is not a valid address/prefix: prefix length exceeds 128" } },
	{ PORTS("{ name = \"a\"; device = \"d\"; addresses = [\"10.0.0.1 /24\", \"10.0.0.1/024\", \"10.0.0.256\", \"/24\"]; }"),
	  4, { "'10.0.0.1 /24' is not a valid address/prefix: not an IPv4 or IPv6 address",
	       "'10.0.0.1/024' is not a valid address/prefix: prefix length has a leading zero",
	       "'10.0.0.256' is not a valid", "'/24' is not a valid address/prefix: missing address" } },
	{ PORTS(PORT_LAN ", { name = \"b\"; device = \"d\"; addresses = [\"10.0.0.2/24\"]; }"), 1,
	  { "dataplane.ports.[1].addresses.[0]: 10.0.0.2/24 overlaps 10.0.0.1/24 on port 'lan'" } },
	{ PORTS(PORT_LAN ", { name = \"b\"; device = \"d\"; addresses = [\"10.0.0.2/8\", \"fd00::1:2/112\"]; }"), 2,
	  { "addresses.[0]: 10.0.0.2/8 overlaps 10.0.0.1/24 on port 'lan'",
	    "addresses.[1]: fd00::1:2/112 overlaps fd00::1/64 on port 'lan'" } },
	{ PORTS("{ name = \"a\"; device = \"d\"; addresses = [\"10.0.0.1/24\", \"10.0.0.1/25\"]; }"), 1,
	  { "dataplane.ports.[0].addresses.[1]: duplicate address 10.0.0.1 (also on port 'a')" } },
	{ PORTS("{ name = \"a\"; device = \"d\"; addresses = [\"10.1.0.0/24\", \"10.2.0.255/24\", \"224.0.0.1/24\", \"::1/128\"]; }"),
	  4, { "addresses.[0]: 10.1.0.0/24 is the network address of its subnet",
	       "addresses.[1]: 10.2.0.255/24 is the broadcast address of its subnet",
	       "addresses.[2]: 224.0.0.1/24 is a multicast or reserved address",
	       "addresses.[3]: ::1 is the loopback address" } },
	{ PORTS("{ name = \"a\"; device = \"d\"; addresses = [\"127.0.0.1/8\", \"ff02::1/64\", \"fd00::/64\", \"::/0\"]; }"),
	  4, { "127.0.0.1/8 is a loopback address", "ff02::1/64 is a multicast address",
	       "fd00::/64 is the subnet-router anycast address", "::/0 is the unspecified address" } },
	{ PORTS("{ name = \"a\"; device = \"d\"; addresses = [\"10.0.0.1/30\",\"10.0.1.1/30\",\"10.0.2.1/30\","
		"\"10.0.3.1/30\",\"10.0.4.1/30\",\"10.0.5.1/30\",\"10.0.6.1/30\",\"10.0.7.1/30\",\"10.0.8.1/30\"]; }"),
	  1, { "dataplane.ports.[0].addresses: has 9 entries, at most 8 allowed" } },
	/* routes */
	{ ROUTE("{ prefix = \"10.1.0.0/16\"; via = \"10.0.0.9\"; port = \"nope\"; }"), 1,
	  { "dataplane.routes.[0].port: unknown port 'nope' (ports: lan, wan)" } },
	{ ROUTE("{ prefix = \"10.1.0.0/16\"; via = \"10.9.9.9\"; port = \"lan\"; }"), 1,
	  { "dataplane.routes.[0].via: 10.9.9.9 is not on-link for port 'lan' (its subnets: 10.0.0.0/24)" } },
	{ ROUTE("{ prefix = \"10.1.0.0/16\"; via = \"192.0.2.1\"; port = \"lan\"; }"), 1,
	  { "192.0.2.1 is not on-link for port 'lan'" } },
	{ ROUTE("{ prefix = \"10.1.0.1/16\"; port = \"lan\"; }"), 1,
	  { "dataplane.routes.[0].prefix: '10.1.0.1/16' has host bits set (the prefix is 10.1.0.0/16)" } },
	{ ROUTE("{ via = \"10.0.0.9\"; }"), 2,
	  { "dataplane.routes.[0].prefix: missing required key",
	    "dataplane.routes.[0].port: missing required key" } },
	{ ROUTE("{ prefix = \"::/0\"; via = \"10.0.0.9\"; port = \"lan\"; }"), 1,
	  { "dataplane.routes.[0].via: 10.0.0.9 is IPv4 but the prefix is IPv6" } },
	{ ROUTE("{ prefix = \"0.0.0.0/0\"; via = \"10.0.0.1\"; port = \"lan\"; }"), 1,
	  { "via: 10.0.0.1 is one of our own addresses" } },
	{ ROUTE("{ prefix = \"10.1.0.0/16\"; port = \"lan\"; },\n{ prefix = \"10.1.0.0/16\"; port = \"wan\"; }"), 1,
	  { "t.cfg:2: dataplane.routes.[1].prefix: duplicate route 10.1.0.0/16 (also dataplane.routes.[0], line 1)" } },
	{ ROUTE("{ prefix = \"10.1.0.0/16\"; port = \"lan\"; }, { prefix = \"10.1.0.0/17\"; port = \"lan\"; },"
		"{ prefix = \"10.1.0.0/16\"; port = \"wan\"; }, { prefix = \"fd01::/64\"; port = \"lan\"; },"
		"{ prefix = \"10.1.0.0/16\"; port = \"lan\"; }, { prefix = \"fd01:0::/64\"; port = \"lan\"; }"), 3,
	  { "dataplane.routes.[2].prefix: duplicate route 10.1.0.0/16 (also dataplane.routes.[0]",
	    "dataplane.routes.[4].prefix: duplicate route 10.1.0.0/16 (also dataplane.routes.[0]",
	    "dataplane.routes.[5].prefix: duplicate route fd01::/64 (also dataplane.routes.[3]" } },
	{ ROUTE("{ prefix = \"10.1.0.0/16\"; via = \"10.0.0.9/32\"; port = \"lan\"; }"), 1,
	  { "dataplane.routes.[0].via: '10.0.0.9/32': expected an address without a prefix length" } },
	{ ROUTE("{ prefix = \"10.1.0.0/16\"; port = \"lan\"; gateway = \"10.0.0.9\"; }"), 1,
	  { "dataplane.routes.[0].gateway: unknown key" } },
	/* neighbors */
	{ NEIGH("{ ip = \"10.0.0.5\"; mac = \"02:00:00:00:00:05\"; port = \"x\"; }"), 1,
	  { "dataplane.neighbors.[0].port: unknown port 'x' (ports: lan, wan)" } },
	{ NEIGH("{ ip = \"10.0.0.5\"; mac = \"aa:bb:cc:dd:ee\"; port = \"lan\"; },"
		"{ ip = \"10.0.0.6\"; mac = \"aa-bb-cc-dd-ee-ff\"; port = \"lan\"; },"
		"{ ip = \"10.0.0.7\"; mac = \"gg:bb:cc:dd:ee:ff\"; port = \"lan\"; }"), 3,
	  { "neighbors.[0].mac: 'aa:bb:cc:dd:ee' is not a MAC address (want aa:bb:cc:dd:ee:ff)",
	    "neighbors.[1].mac: 'aa-bb-cc-dd-ee-ff' is not a MAC address",
	    "neighbors.[2].mac: 'gg:bb:cc:dd:ee:ff' is not a MAC address" } },
	{ NEIGH("{ ip = \"10.0.0.5\"; mac = \"01:00:5e:00:00:01\"; port = \"lan\"; },"
		"{ ip = \"10.0.0.6\"; mac = \"00:00:00:00:00:00\"; port = \"lan\"; }"), 2,
	  { "neighbors.[0].mac: '01:00:5e:00:00:01' is not a unicast MAC address",
	    "neighbors.[1].mac: '00:00:00:00:00:00' is not a unicast MAC address" } },
	{ NEIGH("{ ip = \"192.0.2.3\"; mac = \"02:00:00:00:00:05\"; port = \"lan\"; }"), 1,
	  { "neighbors.[0].ip: 192.0.2.3 is not on-link for port 'lan' (its subnets: 10.0.0.0/24)" } },
	{ NEIGH("{ ip = \"10.0.0.5\"; mac = \"02:00:00:00:00:05\"; port = \"lan\"; },"
		"{ ip = \"10.0.0.5\"; mac = \"02:00:00:00:00:06\"; port = \"lan\"; }"), 1,
	  { "neighbors.[1].ip: duplicate neighbor 10.0.0.5 on port 'lan' (also dataplane.neighbors.[0])" } },
	{ NEIGH("{ ip = \"10.0.0.5/24\"; mac = \"02:00:00:00:00:05\"; port = \"lan\"; }"), 1,
	  { "neighbors.[0].ip: '10.0.0.5/24': expected an address without a prefix length" } },
	/* control */
	{ DP("") "control = { metrics_listen = \"localhost:9273\"; };\n", 1,
	  { "control.metrics_listen: 'localhost:9273': bad IPv4 address" } },
	{ DP("") "control = { metrics_listen = \"[::1]:0\"; };\n", 1,
	  { "control.metrics_listen: '[::1]:0': port is out of range 1..65535" } },
	{ DP("") "control = { metrics_listen = \"127.0.0.1\"; ctl_socket = \"\"; };\n", 2,
	  { "metrics_listen: '127.0.0.1': missing ':PORT'", "control.ctl_socket: must not be empty" } },
	{ DP("") "control = { ctl_socket = \"/run/xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"; };\n",
	  1, { "control.ctl_socket: '/run/xxx", "is too long (110 characters, at most 107)" } },
	/* services */
	{ DP("") "services = ( { type = \"dig\"; echo = 7; } );\n", 1,
	  { "services.[0].type: 'dig' is not one of: diag" } },
	{ DP("") "services = ( { type = \"diag\"; listen = \"10.0.0.99\"; echo = 7; } );\n", 1,
	  { "services.[0].listen: 10.0.0.99 is not an address of any port" } },
	{ DP("") "services = ( { type = \"diag\"; } );\n", 1,
	  { "services.[0]: enables none of echo, discard, chargen" } },
	{ DP("") "services = ( { type = \"diag\"; echo = 7; discard = 7; chargen = 70000; } );\n", 2,
	  { "services.[0].discard: port 7 is also used by echo",
	    "services.[0].chargen: 70000 is out of range 0..65535" } },
	{ DP("") "services = ( { type = \"diag\"; echo = 7; }, { type = \"diag\"; listen = \"10.0.0.1\"; discard = 7; } );\n",
	  1, { "services.[1].discard: port 7 is also used by services.[0]" } },
	{ DP("") "services = ( { type = \"diag\"; fetch = 8007; } );\n", 1,
	  { "services.[0].fetch: needs fetch_server and fetch_server_port" } },
	{ DP("") "services = ( { type = \"diag\"; echo = 7; fetch_server = \"10.0.0.9\"; }, { type = \"diag\"; echo = 8; fetch_server_port = 80; } );\n", 2,
	  { "services.[0].fetch_server: set without fetch (the trigger port)",
	    "services.[1].fetch_server_port: set without fetch (the trigger port)" } },
	{ DP("") "services = ( { type = \"diag\"; echo = 7; fetch = 7; fetch_server = \"10.0.0.9/24\"; fetch_server_port = 0; } );\n", 4,
	  { "services.[0].fetch: port 7 is also used by echo",
	    "services.[0].fetch_server: '10.0.0.9/24': expected an address without a prefix length",
	    "services.[0].fetch_server_port: 0 is out of range 1..65535",
	    "services.[0].fetch: needs fetch_server and fetch_server_port" } },
	/* inbounds / outbounds / endpoints / route / dns */
	{ DP("") "inbounds = ( { type = \"socks\"; listen_port = 1080; }, { tag = \"b\"; } );\n", 2,
	  { "inbounds.[0].tag: missing required key", "inbounds.[1].type: missing required key" } },
	{ DP("") "inbounds = ( { type = \"socks\"; tag = \"a\"; listen_port = 1080; } );\noutbounds = ( { type = \"direct\"; tag = \"a\"; } );\n",
	  1, { "t.cfg:3: outbounds.[0].tag: duplicate tag 'a' (also inbounds.[0])" } },
	{ DP("") "outbounds = ( { type = \"direct\"; tag = \"diag-x\"; } );\nservices = ( { type = \"diag\"; tag = \"diag-x\"; echo = 7; } );\n",
	  1, { "services.[0].tag: duplicate tag 'diag-x' (also outbounds.[0])" } },
	{ DP("") "inbounds = { type = \"socks\"; };\n", 1, { "inbounds: expected a list ( ... ), got a group" } },
	{ DP("") "outbounds = ( \"direct\" );\n", 1, { "outbounds.[0]: expected a group { ... }, got a string" } },
	/* shadowsocks inbound / outbound (config/cfg_proxy.c ss_methods[]) */
#define SSIN(x) "inbounds = ( { type = \"shadowsocks\"; tag = \"ss\"; listen_port = 8388; " x " } );\n"
	{ DP("") SSIN("method = \"rc4-md5\"; password = \"p\";"), 1,
	  { "t.cfg:2: inbounds.[0].method: unknown method 'rc4-md5' (known: none, aes-128-gcm, aes-256-gcm, chacha20-ietf-poly1305, xchacha20-ietf-poly1305, 2022-blake3-aes-128-gcm, 2022-blake3-aes-256-gcm, 2022-blake3-chacha20-poly1305)" } },
	/* Shadowsocks 2022: base64 keys of the method's size; TCP and UDP */
	{ DP("") SSIN("method = \"2022-blake3-aes-128-gcm\"; password = \"p\";"), 1,
	  { "inbounds.[0].password: method '2022-blake3-aes-128-gcm': each key must be 16 bytes in base64" } },
	/* a relay inbound (destinations) carries TCP and UDP (no network
	 * error: the only one is the destination's key) */
	{ DP("") SSIN("method = \"2022-blake3-aes-128-gcm\"; password = \"AAECAwQFBgcICQoLDA0ODw==\"; destinations = ( { name = \"d\"; server = \"10.0.0.3\"; server_port = 8388; password = \"AAECAwQFBgcICQoLDA0ODw==\"; } );"), 1,
	  { "t.cfg:2: inbounds.[0].destinations.[0].password: the relay's own key (password) cannot name a destination" } },
	{ DP("") SSIN("method = \"2022-blake3-aes-128-gcm\"; password = \"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\"; network = \"tcp\";"), 1,
	  { "inbounds.[0].password: method '2022-blake3-aes-128-gcm': each key must be 16 bytes" } },
	{ DP("") SSIN("method = \"2022-blake3-aes-256-gcm\"; password = \"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\"; network = \"tcp\";"), 1,
	  { "inbounds.[0].password: method '2022-blake3-aes-256-gcm': one key on an inbound" } },
	{ DP("") "outbounds = ( { type = \"shadowsocks\"; tag = \"a\"; server = \"10.0.0.2\"; server_port = 8388; method = \"2022-blake3-chacha20-poly1305\"; password = \"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\"; network = \"tcp\"; },\n"
	  "  { type = \"shadowsocks\"; tag = \"b\"; server = \"10.0.0.2\"; server_port = 8388; method = \"2022-blake3-aes-128-gcm\"; password = \"AAECAwQFBgcICQoLDA0ODw==:AAECAwQFBgcICQoLDA0ODw==:AAECAwQFBgcICQoLDA0ODw==:AAECAwQFBgcICQoLDA0ODw==:AAECAwQFBgcICQoLDA0ODw==\"; network = \"tcp\"; },\n"
	  "  { type = \"shadowsocks\"; tag = \"c\"; server = \"10.0.0.2\"; server_port = 8388; method = \"2022-blake3-aes-128-gcm\"; password = \"AAECAwQFBgcICQoLDA0ODw==:AAECAwQFBgcICQoLDA0ODw==\"; } );\n", 2,
	  { "outbounds.[0].password: method '2022-blake3-chacha20-poly1305': at most 4 keys",
	    "outbounds.[1].password: method '2022-blake3-aes-128-gcm': at most 4 keys" } },
	{ DP("") SSIN("password = \"p\";"), 1, { "inbounds.[0].method: missing required key" } },
	{ DP("") SSIN("method = \"aes-256-gcm\";"), 1,
	  { "inbounds.[0].password: missing required key (method 'aes-256-gcm' needs a password)" } },
	{ DP("") "outbounds = ( { type = \"shadowsocks\"; tag = \"ss\"; server = \"10.0.0.2\"; server_port = 8388; method = \"aes-128-gcm\"; password = \"p\"; network = \"quic\"; } );\n", 1,
	  { "outbounds.[0].network: 'quic' is not one of" } },
	/* udp_over_tcp (sing-box UoT): true/false or { enabled; version 1..2 } */
#define SSOUT(x) "outbounds = ( { type = \"shadowsocks\"; tag = \"ss\"; server = \"10.0.0.2\"; server_port = 8388; method = \"aes-128-gcm\"; password = \"p\"; " x " } );\n"
	{ DP("") SSOUT("udp_over_tcp = { enabled = true; versoin = 2; };"), 1,
	  { "t.cfg:2: outbounds.[0].udp_over_tcp.versoin: unknown key" } },
	{ DP("") SSOUT("udp_over_tcp = { enabled = true; version = 3; };"), 1,
	  { "t.cfg:2: outbounds.[0].udp_over_tcp.version: 3 is out of range 1..2" } },
	{ DP("") SSOUT("udp_over_tcp = \"yes\";"), 1,
	  { "t.cfg:2: outbounds.[0].udp_over_tcp: must be true, false or a group" } },
	{ DP("") SSOUT("udp_over_tcp = { enabled = true; version = 1; connect = true; };"), 1,
	  { "t.cfg:2: outbounds.[0].udp_over_tcp.connect: is a version 2 mode (version is 1)" } },
	{ DP("") SSOUT("udp_over_tcp = { enabled = true; connect = 1; };"), 1,
	  { "t.cfg:2: outbounds.[0].udp_over_tcp.connect:" } },
	{ DP("") SSOUT("udp_over_tcp = true; network = \"tcp\";"), 1,
	  { "t.cfg:2: outbounds.[0].udp_over_tcp: carries UDP, but network is \"tcp\"" } },
	{ DP("") SSIN("method = \"aes-128-gcm\"; password = \"p\"; users = ( { username = \"u\"; password = \"p\"; } );"), 1,
	  { "inbounds.[0].users: users (identity headers, SIP023) need 2022-blake3-aes-128-gcm or" } },
	{ DP("") SSIN("method = \"2022-blake3-aes-128-gcm\"; password = \"AAECAwQFBgcICQoLDA0ODw==\"; network = \"tcp\"; users = ( { username = \"a\"; password = \"AAECAwQFBgcICQoLDA0ODw==\"; }, { username = \"b\"; password = \"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\"; }, { username = \"c\"; password = \"AAECAwQFBgcICQoLDA0ODw==\"; } );"), 2,
	  { "inbounds.[0].users.[1].password: must be one key of 16 bytes",
	    "inbounds.[0].users.[2].password: the same key as another user" } },
	/* relay inbounds (destinations, SIP023): AES 2022 methods, no users,
	 * one key of the method's size each, all different, not the relay's */
	{ DP("") SSIN("method = \"2022-blake3-chacha20-poly1305\"; password = \"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\"; network = \"tcp\"; destinations = ( { name = \"d\"; server = \"10.0.0.3\"; server_port = 8388; password = \"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\"; } );"), 1,
	  { "t.cfg:2: inbounds.[0].destinations: destinations (a SIP023 relay) need 2022-blake3-aes-128-gcm or" } },
	{ DP("") SSIN("method = \"2022-blake3-aes-128-gcm\"; password = \"AAECAwQFBgcICQoLDA0ODw==\"; network = \"tcp\"; users = ( { username = \"u\"; password = \"AAECAwQFBgcICQoLDA0OEA==\"; } ); destinations = ( { name = \"d\"; server = \"10.0.0.3\"; server_port = 8388; password = \"AAECAwQFBgcICQoLDA0OEA==\"; } );"), 1,
	  { "inbounds.[0].destinations: an inbound has users or destinations, not both" } },
	{ DP("") SSIN("method = \"2022-blake3-aes-128-gcm\"; password = \"AAECAwQFBgcICQoLDA0ODw==\"; network = \"tcp\";\n  destinations = ( { name = \"x\"; server = \"10.0.0.3\"; server_port = 8388; password = \"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\"; },\n  { name = \"b\"; server = \"10.0.0.3\"; server_port = 8388; password = \"AAECAwQFBgcICQoLDA0OEA==\"; },\n  { name = \"b2\"; server = \"10.0.0.3\"; server_port = 8388; password = \"AAECAwQFBgcICQoLDA0OEA==\"; },\n  { name = \"b\"; server = \"10.0.0.3\"; server_port = 8388; password = \"AAECAwQFBgcICQoLDA0OEQ==\"; } );"), 3,
	  { "t.cfg:3: inbounds.[0].destinations.[0].password: must be one key of 16 bytes in base64",
	    "t.cfg:5: inbounds.[0].destinations.[2].password: the same key as another destination",
	    "t.cfg:6: inbounds.[0].destinations.[3].name: the same name as another destination" } },
	{ DP("") SSIN("method = \"2022-blake3-aes-128-gcm\"; password = \"AAECAwQFBgcICQoLDA0ODw==\"; network = \"tcp\";\n  destinations = ( { name = \"o\"; server = \"10.0.0.3\"; server_port = 8388; password = \"AAECAwQFBgcICQoLDA0ODw==\"; },\n  { name = \"np\"; server = \"10.0.0.3\"; password = \"AAECAwQFBgcICQoLDA0OEg==\"; } );"), 2,
	  { "t.cfg:3: inbounds.[0].destinations.[0].password: the relay's own key (password) cannot name",
	    "inbounds.[0].destinations.[1].server_port: missing required key" } },
	{ DP("") SSIN("method = \"aes-128-gcm\"; password = \"p\"; replay_capacity = 10;"), 1,
	  { "inbounds.[0].replay_capacity: 10 is out of range 64..268435456" } },
	{ DP("") SSIN("method = 5; password = \"p\"; probe_timeout = \"soon\";"), 2,
	  { "inbounds.[0].method: expected a method name, got an integer",
	    "inbounds.[0].probe_timeout: 'soon' is not a duration" } },
#undef SSIN
	/* protocol outbounds stack through shadowsocks hops (socks over ss over
	 * socks ...), up to 8 of them; a ninth, and loops through one, are errors */
	{ DP("") "outbounds = ( { type = \"shadowsocks\"; tag = \"ss\"; server = \"10.0.0.2\"; server_port = 8388; method = \"none\"; },\n"
	  "  { type = \"socks\"; tag = \"s0\"; server = \"10.0.0.3\"; server_port = 1080; detour = \"s1\"; },\n"
	  "  { type = \"socks\"; tag = \"s1\"; server = \"10.0.0.4\"; server_port = 1080; detour = \"s2\"; },\n"
	  "  { type = \"socks\"; tag = \"s2\"; server = \"10.0.0.5\"; server_port = 1080; detour = \"s3\"; },\n"
	  "  { type = \"socks\"; tag = \"s3\"; server = \"10.0.0.6\"; server_port = 1080; detour = \"s4\"; },\n"
	  "  { type = \"socks\"; tag = \"s4\"; server = \"10.0.0.7\"; server_port = 1080; detour = \"s5\"; },\n"
	  "  { type = \"socks\"; tag = \"s5\"; server = \"10.0.0.8\"; server_port = 1080; detour = \"s6\"; },\n"
	  "  { type = \"socks\"; tag = \"s6\"; server = \"10.0.0.9\"; server_port = 1080; detour = \"s7\"; },\n"
	  "  { type = \"socks\"; tag = \"s7\"; server = \"10.0.0.10\"; server_port = 1080; detour = \"ss\"; },\n"
	  "  { type = \"http\"; tag = \"h\"; server = \"10.0.0.20\"; server_port = 3128; detour = \"ss2\"; },\n"
	  "  { type = \"shadowsocks\"; tag = \"ss2\"; server = \"10.0.0.21\"; server_port = 8388; method = \"aes-128-gcm\"; password = \"p\"; detour = \"h\"; } );\n", 2,
	  { "t.cfg:3: outbounds.[1].detour: detour chain of 's0' has more than 8 proxy outbounds",
	    "t.cfg:11: outbounds.[9].detour: detour chain of 'h' loops" } },
	{ DP("") "outbounds = ( { type = \"shadowsocks\"; tag = \"ss\"; server = \"10.0.0.2\"; method = \"aes-128-gcm\"; password = \"\"; } );\n", 2,
	  { "outbounds.[0].server_port: missing required key", "outbounds.[0].password: must not be empty" } },
	{ DP("") "route = ( );\ndns = 1;\n", 2,
	  { "t.cfg:2: route: expected a group { ... }, got a list", "t.cfg:3: dns: expected a group { ... }, got an integer" } },
	/* dataplane.tcp: unknown key, ranges, types, RTO bounds out of order */
	{ "dataplane = {\n ports = ( " PORT_LAN " );\n tcp = {\n  rto_mni_ms = 10;\n };\n};\n", 1,
	  { "t.cfg:4: dataplane.tcp.rto_mni_ms: unknown key (did you mean 'rto_min_ms'?)" } },
	{ DP("tcp = { rto_min_ms = 0; delack_ms = 501; sndbuf = 100; zc_tx = 3; };"), 4,
	  { "dataplane.tcp.rto_min_ms: 0 is out of range 1..60000",
	    "dataplane.tcp.delack_ms: 501 is out of range 1..500",
	    "dataplane.tcp.sndbuf: 100 is out of range 4096..268435456",
	    "dataplane.tcp.zc_tx: 3 is out of range 0..2" } },
	{ DP("tcp = { mtu_probing = 2; };"), 1,
	  { "dataplane.tcp.mtu_probing: 2 is out of range 0..1" } },
	{ DP("tcp = { mtu_probing = true; };"), 1,
	  { "dataplane.tcp.mtu_probing: expected an integer, got a boolean" } },
	{ DP("tcp = { sack = 1; tso = \"on\"; };"), 2,
	  { "dataplane.tcp.sack: expected a boolean", "dataplane.tcp.tso: expected a boolean" } },
	{ DP("tcp = { rto_min_ms = 500; rto_max_ms = 400; };"), 1,
	  { "t.cfg:1: dataplane.tcp.rto_min_ms: 500 is above rto_max_ms (400)" } },
	{ DP("tcp = { rto_max_ms = 150; };"), 1,
	  { "dataplane.tcp.rto_max_ms: 150 is below rto_min_ms (200)" } },
	{ DP("tcp = { rto_min_ms = 10; rto_init_ms = 5; };"), 1,
	  { "dataplane.tcp.rto_init_ms: 5 is outside rto_min_ms..rto_max_ms (10..60000)" } },
	{ DP("tcp = 1;"), 1, { "dataplane.tcp: expected a group { ... }, got an integer" } },
	/* congestion control and SYN cookies: dataplane.tcp and per inbound */
	{ "dataplane = {\n ports = ( " PORT_LAN " );\n tcp = {\n  congestion_control = \"bbr\";\n"
	  "  syn_cookies = \"sometimes\";\n };\n};\n", 2,
	  { "t.cfg:4: dataplane.tcp.congestion_control: 'bbr' is not one of: cubic, newreno",
	    "t.cfg:5: dataplane.tcp.syn_cookies: 'sometimes' is not one of: auto, always, never" } },
	{ DP("tcp = { congestion_control = 1; syn_cookies = true; };"), 2,
	  { "dataplane.tcp.congestion_control: expected a string, got an integer",
	    "dataplane.tcp.syn_cookies: expected a string, got a boolean" } },
	{ DP("tcp = { congestion_contorl = \"newreno\"; };"), 1,
	  { "t.cfg:1: dataplane.tcp.congestion_contorl: unknown key (did you mean 'congestion_control'?)" } },
	{ DP("") SOCKSIN("tcp_congestion_control = \"vegas\"; tcp_syn_cookies = \"off\";"), 2,
	  { "t.cfg:4: inbounds.[0].tcp_congestion_control: 'vegas' is not one of: cubic, newreno",
	    "t.cfg:4: inbounds.[0].tcp_syn_cookies: 'off' is not one of: auto, always, never" } },
	{ DP("") SOCKSIN("tcp_backlog = 0; tcp_congestion_control = \"\";"), 2,
	  { "t.cfg:4: inbounds.[0].tcp_backlog: 0 is out of range 1..1048576",
	    "t.cfg:4: inbounds.[0].tcp_congestion_control: '' is not one of: cubic, newreno" } },
	{ DP("") SOCKSIN("tcp_cc = \"cubic\";"), 1, { "t.cfg:4: inbounds.[0].tcp_cc: unknown key" } },
	{ DP("") "inbounds = ( { type = \"direct\"; tag = \"d\"; listen_port = 53; network = \"udp\";\n"
	  " override_address = \"10.0.0.9\"; tcp_syn_cookies = \"never\"; } );\n", 1,
	  { "t.cfg:3: inbounds.[0].tcp_syn_cookies: the inbound has no TCP listener (network = \"udp\")" } },
	/* all errors, in line order */
	{ "log = { level = \"x\"; };\n"
	  "dataplane = {\n"
	  "  lcores = 99;\n"
	  "  ports = ( { name = \"lan\"; device = \"d\"; mtu = 1; addresses = [\"10.0.0.1/24\"]; } );\n"
	  "  routes = ( { prefix = \"10.1.0.0/16\"; via = \"10.2.0.1\"; port = \"lan\"; } );\n"
	  "};\n"
	  "bogus = true;\n", 5,
	  { "t.cfg:1: log.level:", "t.cfg:3: dataplane.lcores: 99 is out of range 1..16",
	    "t.cfg:4: dataplane.ports.[0].mtu: 1 is out of range 68..9216",
	    "t.cfg:5: dataplane.routes.[0].via: 10.2.0.1 is not on-link" } },
};

static void test_bad_table(void)
{
	int nbad = (int)(sizeof(bad) / sizeof(bad[0]));

	CU_ASSERT(nbad >= 25);
	for (int i = 0; i < nbad; i++) {
		struct rb_config cfg;
		char *errs = NULL;
		int rc = test_config_load(bad[i].text, &cfg, &errs);
		int ok = rc == -1 && count_lines(errs) == bad[i].n_lines &&
			 test_config_lines_well_formed(errs);

		for (int k = 0; k < 4 && bad[i].want[k]; k++)
			ok &= strstr(errs, bad[i].want[k]) != NULL;
		/* A failed load leaves nothing to free, and free is harmless. */
		ok &= cfg.tree == NULL && cfg.dp.routes == NULL && cfg.dp.n_eal_args == 0;
		if (!ok)
			fprintf(stderr, "\nbad[%d]: rc %d, want %d line(s), got:\n%s", i, rc,
				bad[i].n_lines, errs);
		CU_ASSERT(ok);
		rb_config_free(&cfg);
		free(errs);
	}
}

/* The last error case must come out in line order. */
static void test_error_order(void)
{
	const struct bad_case *b = &bad[sizeof(bad) / sizeof(bad[0]) - 1];
	struct rb_config cfg;
	char *errs = NULL;
	const char *prev = NULL;

	CU_ASSERT_EQUAL(test_config_load(b->text, &cfg, &errs), -1);
	for (int k = 0; k < 4 && b->want[k]; k++) {
		const char *p = strstr(errs, b->want[k]);

		CU_ASSERT_PTR_NOT_NULL(p);
		if (p && prev)
			CU_ASSERT(p > prev);
		prev = p;
	}
	CU_ASSERT_PTR_NOT_NULL(strstr(errs, "t.cfg:7: bogus: unknown key\n"));
	free(errs);
}

int test_config_cidr_is(const struct rb_cidr *c, const char *text)
{
	char b[64];

	return strcmp(rb_cidr_format(c, b, sizeof(b)), text) == 0;
}

static void test_defaults(void)
{
	struct rb_config cfg;
	char *errs = NULL;
	const struct rb_cfg_dataplane *d = &cfg.dp;

	CU_ASSERT_EQUAL_FATAL(test_config_load(DP(""), &cfg, &errs), 0);
	CU_ASSERT_STRING_EQUAL(errs, "");
	CU_ASSERT_STRING_EQUAL(cfg.path, "t.cfg");
	CU_ASSERT_EQUAL(cfg.log.level, RB_LOG_INFO);
	CU_ASSERT_EQUAL(cfg.log.timestamp, 0);
	CU_ASSERT_STRING_EQUAL(cfg.log.output, "");
	CU_ASSERT_EQUAL(d->n_lcores, 1);
	CU_ASSERT_EQUAL(d->lcores[0], 1);
	CU_ASSERT_EQUAL(d->main_cpu, 0);
	CU_ASSERT_EQUAL(d->n_eal_args, 0);
	CU_ASSERT_EQUAL(d->mbufs, 0);
	CU_ASSERT_EQUAL(d->burst, 32);
	CU_ASSERT_EQUAL(d->tx_drain_us, 100);
	CU_ASSERT_EQUAL(d->neigh_timeout_s, 300);
	CU_ASSERT_EQUAL(d->frag_max_flows, 4096);
	CU_ASSERT_EQUAL(d->frag_timeout_ms, 2000);
	CU_ASSERT_EQUAL(d->icmp_rate, 100);
	CU_ASSERT_EQUAL(d->idle_sleep_us, 0);
	CU_ASSERT_EQUAL(d->max_sessions, 16384);
	CU_ASSERT_STRING_EQUAL(d->shm_name, "/ringbox");
	CU_ASSERT_EQUAL(d->n_ports, 1);
	CU_ASSERT_STRING_EQUAL(d->ports[0].name, "lan");
	CU_ASSERT_STRING_EQUAL(d->ports[0].device, "net_null0");
	CU_ASSERT_EQUAL(d->ports[0].queues, 1);
	CU_ASSERT_EQUAL(d->ports[0].mtu, 1500);
	CU_ASSERT_EQUAL(d->ports[0].vlan, 0);
	CU_ASSERT_EQUAL(d->ports[0].line, 1);
	CU_ASSERT_EQUAL(d->ports[0].n_addrs, 2);
	CU_ASSERT(test_config_cidr_is(&d->ports[0].addrs[0], "10.0.0.1/24"));
	CU_ASSERT_EQUAL(d->ports[0].addrs[0].family, AF_INET);
	CU_ASSERT(test_config_cidr_is(&d->ports[0].addrs[1], "fd00::1/64"));
	CU_ASSERT_EQUAL(d->ports[0].addrs[1].family, AF_INET6);
	CU_ASSERT_EQUAL(d->n_routes, 0);
	CU_ASSERT_PTR_NULL(d->routes);
	CU_ASSERT_EQUAL(d->n_neighbors, 0);
	CU_ASSERT_STRING_EQUAL(cfg.control.ctl_socket, "/run/ringbox/ctl.sock");
	CU_ASSERT_STRING_EQUAL(cfg.control.metrics_listen, "127.0.0.1:9273");
	CU_ASSERT_EQUAL(cfg.n_services, 0);
	CU_ASSERT_PTR_NOT_NULL(cfg.tree);
	rb_config_free(&cfg);
	CU_ASSERT_PTR_NULL(cfg.tree);
	rb_config_free(&cfg); /* twice is harmless */
	free(errs);
}

static const char full_cfg[] =
	"log = { level = \"trace\"; timestamp = true; output = \"/var/log/ringbox.log\"; };\n"
	"dataplane = {\n"
	"  lcores = [3, 5, 7];\n"
	"  main_cpu = 2;\n"
	"  eal_args = [\"--file-prefix=rb\", \"--log-level=lib.eal:8\"];\n"
	"  mbufs = 65535L;\n"
	"  burst = 64; tx_drain_us = 50; neigh_timeout_s = 60; frag_max_flows = 1024;\n"
	"  frag_timeout_ms = 500; icmp_rate = 10; idle_sleep_us = 20; shm_name = \"/rb-test\";\n"
	"  max_sessions = 100000;"
	"  ports = (\n"
	"    { name = \"lan\"; device = \"net_null0\"; queues = 4; mtu = 9000; addresses = [\"10.0.0.1/24\", \"fd00::1/64\"]; },\n"
	"    { name = \"wan-1\"; device = \"0000:3b:00.1\"; vlan = 4094; mtu = 68; addresses = [\"192.0.2.2/31\"]; }\n"
	"  );\n"
	"  routes = (\n"
	"    { prefix = \"0.0.0.0/0\"; via = \"192.0.2.3\"; port = \"wan-1\"; },\n"
	"    { prefix = \"fd01::/48\"; via = \"fe80::1\"; port = \"lan\"; },\n"
	"    { prefix = \"198.51.100.0/24\"; port = \"lan\"; }\n"
	"  );\n"
	"  neighbors = ( { ip = \"10.0.0.9\"; mac = \"02:AB:cd:00:00:09\"; port = \"lan\"; },\n"
	"                { ip = \"fe80::1\"; mac = \"02:00:00:00:00:01\"; port = \"lan\"; } );\n"
	"};\n"
	"control = { ctl_socket = \"/tmp/rb.sock\"; metrics_listen = \"[::1]:9100\"; };\n"
	"services = ( { type = \"diag\"; echo = 7; discard = 9; chargen = 19; fetch = 8007; fetch_server = \"192.0.2.9\"; fetch_server_port = 8000; },\n"
	"             { type = \"diag\"; tag = \"d2\"; listen = \"fd00::1\"; echo = 1007; } );\n"
	"inbounds = ( { type = \"socks\"; tag = \"socks-in\"; listen = \"0.0.0.0\"; listen_port = 1080; } );\n"
	"outbounds = ( { type = \"direct\"; tag = \"direct\"; }, { type = \"block\"; tag = \"block\"; } );\n"
	"endpoints = ();\n"
	"route = { final = \"direct\"; rules = ( { ip_cidr = [\"10.0.0.0/8\"]; outbound = \"block\"; } ); };\n"
	"dns = { servers = (); };\n";

static void test_full(void)
{
	struct rb_config cfg;
	const struct rb_cfg_dataplane *d = &cfg.dp;
	const uint8_t mac0[6] = {0x02, 0xab, 0xcd, 0, 0, 9};
	char *errs = NULL;

	CU_ASSERT_EQUAL_FATAL(test_config_load(full_cfg, &cfg, &errs), 0);
	CU_ASSERT_STRING_EQUAL(errs, "");
	CU_ASSERT_EQUAL(cfg.log.level, RB_LOG_TRACE);
	CU_ASSERT_EQUAL(cfg.log.timestamp, 1);
	CU_ASSERT_STRING_EQUAL(cfg.log.output, "/var/log/ringbox.log");
	CU_ASSERT_EQUAL(d->n_lcores, 3);
	CU_ASSERT(d->lcores[0] == 3 && d->lcores[1] == 5 && d->lcores[2] == 7);
	CU_ASSERT_EQUAL(d->main_cpu, 2);
	CU_ASSERT_EQUAL_FATAL(d->n_eal_args, 2);
	CU_ASSERT_STRING_EQUAL(d->eal_args[0], "--file-prefix=rb");
	CU_ASSERT_STRING_EQUAL(d->eal_args[1], "--log-level=lib.eal:8");
	CU_ASSERT_EQUAL(d->mbufs, 65535);
	CU_ASSERT_EQUAL(d->burst, 64);
	CU_ASSERT_EQUAL(d->tx_drain_us, 50);
	CU_ASSERT_EQUAL(d->neigh_timeout_s, 60);
	CU_ASSERT_EQUAL(d->frag_max_flows, 1024);
	CU_ASSERT_EQUAL(d->frag_timeout_ms, 500);
	CU_ASSERT_EQUAL(d->icmp_rate, 10);
	CU_ASSERT_EQUAL(d->idle_sleep_us, 20);
	CU_ASSERT_EQUAL(d->max_sessions, 100000);
	CU_ASSERT_STRING_EQUAL(d->shm_name, "/rb-test");
	CU_ASSERT_EQUAL_FATAL(d->n_ports, 2);
	CU_ASSERT_EQUAL(d->ports[0].queues, 4);
	CU_ASSERT_EQUAL(d->ports[0].mtu, 9000);
	CU_ASSERT_EQUAL(d->ports[0].line, 10);
	CU_ASSERT_STRING_EQUAL(d->ports[1].name, "wan-1");
	CU_ASSERT_STRING_EQUAL(d->ports[1].device, "0000:3b:00.1");
	CU_ASSERT_EQUAL(d->ports[1].vlan, 4094);
	CU_ASSERT_EQUAL(d->ports[1].mtu, 68);
	CU_ASSERT_EQUAL(d->ports[1].n_addrs, 1);
	CU_ASSERT(test_config_cidr_is(&d->ports[1].addrs[0], "192.0.2.2/31"));
	CU_ASSERT_EQUAL(d->ports[1].line, 11);
	CU_ASSERT_EQUAL_FATAL(d->n_routes, 3);
	CU_ASSERT(test_config_cidr_is(&d->routes[0].prefix, "0.0.0.0/0"));
	CU_ASSERT(d->routes[0].has_via && test_config_cidr_is(&d->routes[0].via, "192.0.2.3"));
	CU_ASSERT_EQUAL(d->routes[0].via.plen, 32);
	CU_ASSERT_EQUAL(d->routes[0].port, 1);
	CU_ASSERT_EQUAL(d->routes[0].line, 14);
	CU_ASSERT(test_config_cidr_is(&d->routes[1].prefix, "fd01::/48"));
	CU_ASSERT(d->routes[1].has_via && test_config_cidr_is(&d->routes[1].via, "fe80::1"));
	CU_ASSERT_EQUAL(d->routes[1].via.plen, 128);
	CU_ASSERT_EQUAL(d->routes[1].port, 0);
	CU_ASSERT_EQUAL(d->routes[2].has_via, 0);
	CU_ASSERT_EQUAL(d->routes[2].port, 0);
	CU_ASSERT_EQUAL_FATAL(d->n_neighbors, 2);
	CU_ASSERT(test_config_cidr_is(&d->neighbors[0].ip, "10.0.0.9"));
	CU_ASSERT_EQUAL(memcmp(d->neighbors[0].mac, mac0, 6), 0);
	CU_ASSERT_EQUAL(d->neighbors[0].port, 0);
	CU_ASSERT_EQUAL(d->neighbors[1].ip.family, AF_INET6);
	CU_ASSERT_STRING_EQUAL(cfg.control.ctl_socket, "/tmp/rb.sock");
	CU_ASSERT_STRING_EQUAL(cfg.control.metrics_listen, "[::1]:9100");
	CU_ASSERT_EQUAL_FATAL(cfg.n_services, 2);
	CU_ASSERT_STRING_EQUAL(cfg.services[0].type, "diag");
	CU_ASSERT_STRING_EQUAL(cfg.services[0].tag, "diag0");
	CU_ASSERT_EQUAL(cfg.services[0].listen.family, 0);
	CU_ASSERT(cfg.services[0].echo_port == 7 && cfg.services[0].discard_port == 9 &&
		  cfg.services[0].chargen_port == 19);
	CU_ASSERT(cfg.services[0].fetch_port == 8007 && cfg.services[0].fetch_server_port == 8000);
	CU_ASSERT(test_config_cidr_is(&cfg.services[0].fetch_server, "192.0.2.9"));
	CU_ASSERT(cfg.services[1].fetch_port == 0 && cfg.services[1].fetch_server.family == 0);
	CU_ASSERT_STRING_EQUAL(cfg.services[1].tag, "d2");
	CU_ASSERT(test_config_cidr_is(&cfg.services[1].listen, "fd00::1"));
	CU_ASSERT(cfg.services[1].echo_port == 1007 && cfg.services[1].discard_port == 0);
	CU_ASSERT_EQUAL(cfg.services[1].line, 23);
	/* The later modules' sections are kept in the tree. */
	CU_ASSERT_PTR_NOT_NULL(config_lookup(cfg.tree, "route.rules.[0].outbound"));
	CU_ASSERT_PTR_NOT_NULL(config_lookup(cfg.tree, "inbounds.[0].listen_port"));
	rb_config_free(&cfg);
	free(errs);
}

/* udp_over_tcp as stored: off unless enabled; `true` and a group without
 * version mean version 2 (sing-box's default). */
static void test_uot_values(void)
{
	static const char *const forms[] = {"", "udp_over_tcp = false;", "udp_over_tcp = true;",
					    "udp_over_tcp = { enabled = true; version = 1; };",
					    "udp_over_tcp = { enabled = true; };",
					    "udp_over_tcp = { enabled = false; version = 1; };",
					    "udp_over_tcp = { enabled = true; connect = true; };",
					    "udp_over_tcp = { enabled = true; version = 2; connect = false; };",
					    "udp_over_tcp = { enabled = false; connect = true; };"};
	static const int want[] = {0, 0, 2, 1, 2, 0, 2, 2, 0};
	static const int want_connect[] = {0, 0, 0, 0, 0, 0, 1, 0, 0};
	char text[1024];
	struct rb_config cfg;
	char *errs = NULL;

	for (size_t i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
		snprintf(text, sizeof(text),
			 DP("") "outbounds = ( { type = \"shadowsocks\"; tag = \"ss\"; "
				"server = \"10.0.0.2\"; server_port = 8388; method = \"aes-128-gcm\"; "
				"password = \"p\"; %s } );\n",
			 forms[i]);
		CU_ASSERT_EQUAL_FATAL(test_config_load(text, &cfg, &errs), 0);
		CU_ASSERT_STRING_EQUAL(errs, "");
		CU_ASSERT_PTR_NOT_NULL_FATAL(cfg.proxy);
		CU_ASSERT_EQUAL(cfg.proxy->outbounds[0].uot_version, want[i]);
		CU_ASSERT_EQUAL(cfg.proxy->outbounds[0].uot_connect, want_connect[i]);
		free(errs);
		errs = NULL;
		rb_config_free(&cfg);
	}
}

/* Many routes: exactly RB_MAX_ROUTES is fine, one more is an error. */
static char *routes_cfg(int n)
{
	size_t cap = 256 + (size_t)n * 80, off;
	char *t = malloc(cap);

	off = (size_t)snprintf(t, cap, "dataplane = { ports = ( " PORT_LAN " ); routes = (\n");
	for (int i = 0; i < n; i++)
		off += (size_t)snprintf(t + off, cap - off,
					"{ prefix = \"172.%d.%d.0/24\"; via = \"10.0.0.%d\"; port = \"lan\"; }%s\n",
					16 + i / 256, i % 256, 2 + i % 200, i + 1 < n ? "," : "");
	snprintf(t + off, cap - off, "); };\n");
	return t;
}

static void test_route_limit(void)
{
	struct rb_config cfg;
	char *errs = NULL, *t = routes_cfg(RB_MAX_ROUTES);

	CU_ASSERT_EQUAL(test_config_load(t, &cfg, &errs), 0);
	CU_ASSERT_EQUAL(cfg.dp.n_routes, RB_MAX_ROUTES);
	CU_ASSERT(test_config_cidr_is(&cfg.dp.routes[RB_MAX_ROUTES - 1].prefix, "172.19.255.0/24"));
	rb_config_free(&cfg);
	free(errs);
	free(t);
	t = routes_cfg(RB_MAX_ROUTES + 1);
	CU_ASSERT_EQUAL(test_config_load(t, &cfg, &errs), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(errs, "dataplane.routes: has 1025 entries, at most 1024 allowed"));
	CU_ASSERT_EQUAL(count_lines(errs), 1);
	free(errs);
	free(t);
}

static int load_file(const char *path, struct rb_config *cfg, char **errs)
{
	size_t len = 0;
	FILE *f = open_memstream(errs, &len);
	int rc = rb_config_load(cfg, path, f);

	fclose(f);
	return rc;
}

static void test_examples(void)
{
	char path[1024], *errs;
	struct dirent *de;
	struct rb_config cfg;
	DIR *dir = opendir(examples_dir);
	int n = 0;

	CU_ASSERT_PTR_NOT_NULL_FATAL(dir);
	while ((de = readdir(dir)) != NULL) {
		size_t l = strlen(de->d_name);

		if (l < 5 || strcmp(de->d_name + l - 4, ".cfg") != 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", examples_dir, de->d_name);
		errs = NULL;
		if (load_file(path, &cfg, &errs) != 0)
			fprintf(stderr, "\n%s:\n%s", path, errs);
		else
			n++;
		CU_ASSERT_STRING_EQUAL(errs, "");
		CU_ASSERT_STRING_EQUAL(cfg.path, path);
		rb_config_free(&cfg);
		free(errs);
	}
	closedir(dir);
	CU_ASSERT(n >= 3);

	/* router.cfg, field by field */
	snprintf(path, sizeof(path), "%s/router.cfg", examples_dir);
	errs = NULL;
	CU_ASSERT_EQUAL_FATAL(load_file(path, &cfg, &errs), 0);
	CU_ASSERT_EQUAL(cfg.dp.n_ports, 2);
	CU_ASSERT_STRING_EQUAL(cfg.dp.ports[1].name, "wan");
	CU_ASSERT_EQUAL(cfg.dp.ports[1].vlan, 100);
	CU_ASSERT_EQUAL(cfg.dp.n_lcores, 2);
	CU_ASSERT(cfg.dp.lcores[0] == 1 && cfg.dp.lcores[1] == 2);
	CU_ASSERT_EQUAL(cfg.dp.n_routes, 5);
	CU_ASSERT_EQUAL(cfg.dp.routes[2].port, 1);
	CU_ASSERT_EQUAL(cfg.dp.n_neighbors, 2);
	CU_ASSERT_EQUAL(cfg.n_services, 1);
	CU_ASSERT_EQUAL(cfg.services[0].chargen_port, 19);
	rb_config_free(&cfg);
	free(errs);

	snprintf(path, sizeof(path), "%s/multicore.cfg", examples_dir);
	errs = NULL;
	CU_ASSERT_EQUAL_FATAL(load_file(path, &cfg, &errs), 0);
	CU_ASSERT_EQUAL(cfg.dp.n_lcores, 4);
	CU_ASSERT(cfg.dp.lcores[0] == 2 && cfg.dp.lcores[3] == 5 && cfg.dp.main_cpu == 1);
	CU_ASSERT_EQUAL(cfg.dp.ports[0].queues, 4);
	CU_ASSERT_STRING_EQUAL(cfg.dp.ports[0].device, "0000:3b:00.0");
	rb_config_free(&cfg);
	free(errs);
}

static void test_default(void)
{
	struct rb_config cfg;
	size_t len = 0;
	char *errs = NULL;
	FILE *f = open_memstream(&errs, &len);

	CU_ASSERT_EQUAL_FATAL(rb_config_load_string(&cfg, rb_config_default, "<default>", f), 0);
	fclose(f);
	CU_ASSERT_STRING_EQUAL(errs, "");
	CU_ASSERT_STRING_EQUAL(cfg.path, "<default>");
	CU_ASSERT_EQUAL(cfg.dp.n_ports, 1);
	CU_ASSERT_STRING_EQUAL(cfg.dp.ports[0].name, "lan");
	CU_ASSERT_PTR_NOT_NULL(strstr(cfg.dp.ports[0].device, "iface=rbdemo-dp"));
	CU_ASSERT_EQUAL(cfg.dp.ports[0].n_addrs, 2);
	CU_ASSERT(test_config_cidr_is(&cfg.dp.ports[0].addrs[0], "10.77.0.1/24"));
	CU_ASSERT(test_config_cidr_is(&cfg.dp.ports[0].addrs[1], "fd77::1/64"));
	rb_config_free(&cfg);
	free(errs);
	/* rb_config_load(NULL) is the default too */
	CU_ASSERT_EQUAL(rb_config_load(&cfg, NULL, NULL), 0);
	CU_ASSERT_STRING_EQUAL(cfg.path, "<default>");
	rb_config_free(&cfg);
}

static void write_file(const char *path, const char *text, size_t len)
{
	if (len == 0)
		len = strlen(text);
	FILE *f = fopen(path, "w");

	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	fwrite(text, 1, len, f);
	fclose(f);
}

static void test_files(void)
{
	char dir[] = "/tmp/rb_test_config.XXXXXX", p[256], q[256], want[512], *errs = NULL;
	static const char nul[] = "log = {};\0dataplane = {};\n";
	struct rb_config cfg;

	CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(dir));
	snprintf(p, sizeof(p), "%s/missing.cfg", dir);
	CU_ASSERT_EQUAL(load_file(p, &cfg, &errs), -1);
	snprintf(want, sizeof(want), "%s: cannot open: No such file or directory\n", p);
	CU_ASSERT_STRING_EQUAL(errs, want);
	free(errs);

	/* @include is relative to the including file; errors name the included file */
	snprintf(q, sizeof(q), "%s/ports.inc", dir);
	write_file(q, "ports = (\n  { name = \"lan\"; device = \"d\"; mtu = 5; }\n);\n", 0);
	snprintf(p, sizeof(p), "%s/main.cfg", dir);
	write_file(p, "dataplane = {\n@include \"ports.inc\"\n};\n", 0);
	CU_ASSERT_EQUAL(load_file(p, &cfg, &errs), -1);
	snprintf(want, sizeof(want), "%s:2: dataplane.ports.[0].mtu: 5 is out of range 68..9216\n", q);
	CU_ASSERT_STRING_EQUAL(errs, want);
	free(errs);
	unlink(q);

	write_file(p, nul, sizeof(nul) - 1);
	CU_ASSERT_EQUAL(load_file(p, &cfg, &errs), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(errs, "contains a NUL byte"));
	free(errs);

	write_file(p, "dataplane = {\n  ports = (\n", 0);
	CU_ASSERT_EQUAL(load_file(p, &cfg, &errs), -1);
	snprintf(want, sizeof(want), "%s:3: syntax error\n", p);
	CU_ASSERT_STRING_EQUAL(errs, want);
	free(errs);
	unlink(p);

	CU_ASSERT_EQUAL(load_file(dir, &cfg, &errs), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(errs, "cannot"));
	free(errs);
	rmdir(dir);
}

int main(int argc, char **argv)
{
	CU_pSuite s;
	unsigned fails;

	if (argc > 1)
		examples_dir = argv[1];
	if (CU_initialize_registry() != CUE_SUCCESS)
		return 2;
	s = CU_add_suite("config", NULL, NULL);
	if (s == NULL || !CU_add_test(s, "bad configs (table)", test_bad_table) ||
	    !CU_add_test(s, "errors in line order", test_error_order) ||
	    !CU_add_test(s, "defaults", test_defaults) ||
	    test_config_tcp_register(s) != 0 ||
	    !CU_add_test(s, "every field set", test_full) ||
	    !CU_add_test(s, "route limit", test_route_limit) ||
	    !CU_add_test(s, "udp_over_tcp values", test_uot_values) ||
	    !CU_add_test(s, "config/examples", test_examples) ||
	    !CU_add_test(s, "embedded default", test_default) ||
	    !CU_add_test(s, "files: missing, include, NUL, syntax", test_files) ||
	    test_config_api_register(s) != 0) {
		CU_cleanup_registry();
		return 2;
	}
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	fails = CU_get_number_of_failures();
	CU_cleanup_registry();
	return fails ? 1 : 0;
}
