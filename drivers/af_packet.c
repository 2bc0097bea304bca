/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * net_af_packet without the kernel's IP reassembly.
 *
 * DPDK 22.11's net_af_packet joins each queue's packet socket to a
 * PACKET_FANOUT group with PACKET_FANOUT_FLAG_DEFRAG, and has no device
 * argument to leave it out.  With that flag the kernel reassembles IPv4
 * fragments (ip_check_defrag) before it writes them into the socket's
 * TPACKET_V2 ring, whose frames hold 2048 bytes (framesz) less the 66-byte
 * header: any datagram of more than ~1968 bytes that came as fragments
 * reached the dataplane as one frame cut to 1982 bytes (drop ip4_bad_len),
 * the fragments themselves never; nor did the dataplane's own reassembly
 * limits and counters (frag_too_many, frag_timeout) ever see them.
 *
 * rb_afp_nodefrag finds the port's queue sockets (AF_PACKET sockets bound to
 * its interface in a fanout group with the flag, through /proc/self/fd) and
 * their rings (/proc/self/maps), opens a new socket per queue set up as the
 * PMD sets up its own (net/af_packet/rte_eth_af_packet.c,
 * rte_pmd_init_internals), moves the new ring onto the old one's address
 * (mremap) and the new socket onto the old one's descriptor (dup2), then
 * joins them to the same fanout group without the flag.  The PMD keeps its
 * pointers and descriptors and never notices.  It must run before the port
 * starts (nothing read from the rings yet).  No DPDK here: the unit test
 * runs it on sockets it made the PMD's way.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <linux/ethtool.h>
#include <linux/if_packet.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include "rb_afp.h"
#include "devarg.h"

#define FANOUT_FLAGS_SHIFT 24 /* PACKET_FANOUT: id | type << 16 | flags << 24 */
#define FLAG_DEFRAG (PACKET_FANOUT_FLAG_DEFRAG >> 8)

__attribute__((format(printf, 3, 4)))
static int fail(char *err, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, len, fmt, ap);
	va_end(ap);
	return -1;
}

static int kv_uint(const char *dev, const char *key, unsigned *v, char *err, size_t len)
{
	char s[32], *end;
	unsigned long x;

	if (!rb_devarg(dev, key, s, sizeof(s)))
		return 0;
	errno = 0;
	x = strtoul(s, &end, 10);
	if (s[0] == '\0' || *end != '\0' || errno != 0 || x > 1u << 30)
		return fail(err, len, "%s=%s is not a number", key, s);
	*v = (unsigned)x;
	return 0;
}

int rb_afp_geom_parse(const char *dev, struct rb_afp_geom *g, char *err, size_t len)
{
	unsigned per_block;

	memset(g, 0, sizeof(*g));
	/* the PMD's defaults (rte_eth_af_packet.c, rte_eth_from_packet) */
	g->qpairs = 1;
	g->block_size = (unsigned)getpagesize();
	g->frame_size = 1u << 11;
	g->frame_nr = 1u << 9;
	g->qdisc_bypass = 1;
	if (!rb_devarg(dev, "iface", g->iface, sizeof(g->iface)) || g->iface[0] == '\0')
		return fail(err, len, "no iface=");
	if (kv_uint(dev, "qpairs", &g->qpairs, err, len) ||
	    kv_uint(dev, "blocksz", &g->block_size, err, len) ||
	    kv_uint(dev, "framesz", &g->frame_size, err, len) ||
	    kv_uint(dev, "framecnt", &g->frame_nr, err, len) ||
	    kv_uint(dev, "qdisc_bypass", &g->qdisc_bypass, err, len))
		return -1;
	if (g->qpairs < 1 || g->qpairs > RB_AFP_MAX_QUEUES)
		return fail(err, len, "qpairs %u out of 1..%d", g->qpairs, RB_AFP_MAX_QUEUES);
	if (g->block_size == 0 || g->frame_size == 0 || g->frame_nr == 0 || g->qdisc_bypass > 1 ||
	    g->frame_size > g->block_size)
		return fail(err, len, "ring parameters the PMD refuses");
	per_block = g->block_size / g->frame_size;
	g->block_nr = g->frame_nr / per_block;
	if (g->block_nr == 0)
		return fail(err, len, "ring parameters the PMD refuses");
	return 0;
}

size_t rb_afp_ring_len(const struct rb_afp_geom *g)
{
	return 2 * (size_t)g->block_size * g->block_nr; /* RX ring, then TX ring */
}

int rb_afp_map_line(const char *line, unsigned long ino, uintptr_t *addr, size_t *len)
{
	unsigned long lo, hi, off, node;
	unsigned maj, min;
	char perm[8], want[48];
	int n = 0;

	if (sscanf(line, "%lx-%lx %7s %lx %x:%x %lu %n", &lo, &hi, perm, &off, &maj, &min, &node,
		   &n) != 7 || n == 0)
		return 0;
	snprintf(want, sizeof(want), "socket:[%lu]", ino);
	if (node != ino || strncmp(line + n, want, strlen(want)) != 0 ||
	    (line[n + strlen(want)] != '\0' && line[n + strlen(want)] != '\n') || hi <= lo ||
	    off != 0)
		return 0;
	*addr = (uintptr_t)lo;
	*len = hi - lo;
	return 1;
}

struct afp_sock {
	int fd;
	unsigned long ino;
	uint32_t fanout;
	uintptr_t addr;
	size_t len;
};

/* The AF_PACKET sockets of this process bound to ifindex whose fanout group
 * reassembles; returns how many (at most max) or -1. */
static int find_socks(int ifindex, struct afp_sock *s, int max, char *err, size_t len)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int n = 0;

	if (d == NULL)
		return fail(err, len, "/proc/self/fd: %s", strerror(errno));
	while ((e = readdir(d)) != NULL) {
		struct sockaddr_ll sll;
		socklen_t sl = sizeof(sll), ol;
		struct stat st;
		int fd, dom, ver;
		uint32_t fo;

		if (e->d_name[0] < '0' || e->d_name[0] > '9')
			continue;
		fd = atoi(e->d_name);
		ol = sizeof(dom);
		if (fd == dirfd(d) || fstat(fd, &st) != 0 || !S_ISSOCK(st.st_mode) ||
		    getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &dom, &ol) != 0 || dom != AF_PACKET)
			continue;
		memset(&sll, 0, sizeof(sll));
		ol = sizeof(fo);
		if (getsockname(fd, (struct sockaddr *)&sll, &sl) != 0 ||
		    sll.sll_ifindex != ifindex ||
		    getsockopt(fd, SOL_PACKET, PACKET_FANOUT, &fo, &ol) != 0 ||
		    !((fo >> FANOUT_FLAGS_SHIFT) & FLAG_DEFRAG))
			continue;
		ol = sizeof(ver);
		if (getsockopt(fd, SOL_PACKET, PACKET_VERSION, &ver, &ol) != 0 || ver != TPACKET_V2)
			continue;
		if (n == max) {
			closedir(d);
			return fail(err, len, "more than %d reassembling packet sockets", max);
		}
		s[n].fd = fd;
		s[n].ino = (unsigned long)st.st_ino;
		s[n].fanout = fo;
		s[n].addr = 0;
		s[n].len = 0;
		n++;
	}
	closedir(d);
	return n;
}

static int find_maps(struct afp_sock *s, int n, char *err, size_t len)
{
	FILE *f = fopen("/proc/self/maps", "r");
	char *line = NULL;
	size_t cap = 0;

	if (f == NULL)
		return fail(err, len, "/proc/self/maps: %s", strerror(errno));
	while (getline(&line, &cap, f) > 0)
		for (int i = 0; i < n; i++)
			if (s[i].addr == 0)
				rb_afp_map_line(line, s[i].ino, &s[i].addr, &s[i].len);
	free(line);
	fclose(f);
	return 0;
}

static int set(int fd, int opt, const void *v, socklen_t l)
{
	return setsockopt(fd, SOL_PACKET, opt, v, l);
}

/* A socket set up as the PMD's, its ring moved onto s->addr and the socket
 * onto s->fd.  0, or -1 with nothing changed. */
static int reopen(struct afp_sock *s, const struct rb_afp_geom *g, int ifindex, char *err,
		  size_t len)
{
	struct tpacket_req req = {.tp_block_size = g->block_size, .tp_block_nr = g->block_nr,
				  .tp_frame_size = g->frame_size, .tp_frame_nr = g->frame_nr};
	struct sockaddr_ll sll = {.sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ALL),
				  .sll_ifindex = ifindex};
	int ver = TPACKET_V2, one = 1, bypass = (int)g->qdisc_bypass;
	size_t rl = rb_afp_ring_len(g);
	void *m = MAP_FAILED;
	int fd = socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL));

	if (fd < 0)
		return fail(err, len, "socket: %s", strerror(errno));
	if (set(fd, PACKET_VERSION, &ver, sizeof(ver)) || set(fd, PACKET_LOSS, &one, sizeof(one)) ||
	    (bypass && set(fd, PACKET_QDISC_BYPASS, &bypass, sizeof(bypass))) ||
	    set(fd, PACKET_RX_RING, &req, sizeof(req)) || set(fd, PACKET_TX_RING, &req, sizeof(req))) {
		fail(err, len, "socket options: %s", strerror(errno));
		goto out;
	}
	m = mmap(NULL, rl, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_LOCKED, fd, 0);
	if (m == MAP_FAILED) {
		fail(err, len, "mmap: %s", strerror(errno));
		goto out;
	}
	if (bind(fd, (const struct sockaddr *)&sll, sizeof(sll)) != 0) {
		fail(err, len, "bind: %s", strerror(errno));
		goto out;
	}
	/* replaces the old ring's mapping in one step (its socket lives on in
	 * s->fd until dup2) */
	if (mremap(m, rl, rl, MREMAP_MAYMOVE | MREMAP_FIXED, (void *)s->addr) == MAP_FAILED) {
		fail(err, len, "mremap: %s", strerror(errno));
		goto out;
	}
	m = MAP_FAILED;
	if (dup2(fd, s->fd) < 0) {
		/* the ring at s->addr is the new socket's: keep that one */
		fail(err, len, "dup2: %s (queue socket left without its ring)", strerror(errno));
		return -1;
	}
	close(fd);
	return 0;
out:
	if (m != MAP_FAILED)
		munmap(m, rl);
	close(fd);
	return -1;
}

static int join(const struct afp_sock *s, int n, uint32_t fanout)
{
	int arg = (int)fanout;

	for (int i = 0; i < n; i++)
		if (set(s[i].fd, PACKET_FANOUT, &arg, sizeof(arg)) != 0)
			return -1;
	return 0;
}

int rb_afp_nodefrag(const char *dev, char *err, size_t len)
{
	struct afp_sock s[RB_AFP_MAX_QUEUES];
	struct rb_afp_geom g;
	uint32_t old, neu;
	int ifindex, n, i;
	char why[160];

	if (rb_afp_geom_parse(dev, &g, why, sizeof(why)) != 0)
		return fail(err, len, "device '%s': %s", dev, why);
	ifindex = (int)if_nametoindex(g.iface);
	if (ifindex == 0)
		return fail(err, len, "interface '%s': %s", g.iface, strerror(errno));
	n = find_socks(ifindex, s, RB_AFP_MAX_QUEUES, err, len);
	if (n <= 0)
		return n; /* none reassembles: nothing to do */
	if ((unsigned)n != g.qpairs)
		return fail(err, len, "%d reassembling packet sockets on %s, %u queues", n, g.iface,
			    g.qpairs);
	if (find_maps(s, n, err, len) != 0)
		return -1;
	old = s[0].fanout;
	for (i = 0; i < n; i++) {
		if (s[i].addr == 0)
			return fail(err, len, "no ring mapped for socket %d", s[i].fd);
		if (s[i].len != rb_afp_ring_len(&g))
			return fail(err, len, "ring of %zu bytes, %zu expected from '%s'", s[i].len,
				    rb_afp_ring_len(&g), dev);
		if (s[i].fanout != old)
			return fail(err, len, "queue sockets in different fanout groups");
	}
	/* the same group id, type and flags but DEFRAG: the PMD's group is
	 * gone once its last socket is closed (a group's flags are fixed).
	 * setsockopt takes id | (type | flags << 8) << 16: getsockopt's layout */
	neu = old & ~((uint32_t)(FLAG_DEFRAG | PACKET_FANOUT_FLAG_UNIQUEID >> 8) << FANOUT_FLAGS_SHIFT);
	for (i = 0; i < n; i++)
		if (reopen(&s[i], &g, ifindex, why, sizeof(why)) != 0)
			break;
	if (i < n) {
		/* back to the PMD's group, reassembly included, as it was */
		int rc = join(s, i, old);

		return fail(err, len, "queue %d: %s%s", i, why,
			    rc ? "; reopened queues left outside the fanout group" : "");
	}
	if (join(s, n, neu) != 0) {
		int e = errno;

		if (join(s, n, old) != 0)
			return fail(err, len, "fanout: %s; queue sockets outside any group",
				    strerror(e));
		return fail(err, len, "fanout without DEFRAG: %s (kept the PMD's)", strerror(e));
	}
	return n;
}

/*
 * GRO (and LRO) on the interface merge received TCP segments (and, with
 * rx-udp-gro-forwarding, UDP datagrams) into super-packets of up to 64 KiB
 * before packet sockets see them; a TPACKET ring cuts them to its frame
 * (drop ip4_bad_len) and TCP sends them again, to be merged again.  The
 * kernel segments them for no packet socket (without PACKET_VNET_HDR, which
 * the PMD does not set).  Turned off while the port runs, restored at stop.
 */
static struct {
	char iface[IF_NAMESIZE];
	int done; /* RB_AFP_GRO | RB_AFP_LRO: turned off here, back on at stop */
} nogro[RB_AFP_MAX_PORTS];
static int n_nogro;

static int ethtool(int s, const char *iface, uint32_t cmd, uint32_t *v)
{
	struct ethtool_value ev = {.cmd = cmd, .data = *v};
	struct ifreq ifr;

	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", iface);
	ifr.ifr_data = (void *)&ev;
	if (ioctl(s, SIOCETHTOOL, &ifr) != 0)
		return -1;
	*v = ev.data;
	return 0;
}

int rb_afp_nogro(const char *iface, char *err, size_t len)
{
	uint32_t gro = 0, flags = 0, v = 0;
	int s, rc = 0, done = 0;

	if (n_nogro == RB_AFP_MAX_PORTS)
		return fail(err, len, "more than %d af_packet ports", RB_AFP_MAX_PORTS);
	s = socket(AF_INET, SOCK_DGRAM, 0);
	if (s < 0)
		return fail(err, len, "socket: %s", strerror(errno));
	if (ethtool(s, iface, ETHTOOL_GGRO, &gro) != 0) {
		if (errno != EOPNOTSUPP)
			rc = fail(err, len, "reading GRO of %s: %s", iface, strerror(errno));
	} else if (gro) {
		if (ethtool(s, iface, ETHTOOL_SGRO, &v) != 0)
			rc = fail(err, len, "turning GRO off on %s: %s", iface, strerror(errno));
		else
			done |= RB_AFP_GRO;
	}
	if (rc == 0 && ethtool(s, iface, ETHTOOL_GFLAGS, &flags) == 0 && (flags & ETH_FLAG_LRO)) {
		v = flags & ~(uint32_t)ETH_FLAG_LRO;
		if (ethtool(s, iface, ETHTOOL_SFLAGS, &v) != 0)
			rc = fail(err, len, "turning LRO off on %s: %s", iface, strerror(errno));
		else
			done |= RB_AFP_LRO;
	}
	close(s);
	if (done) {
		snprintf(nogro[n_nogro].iface, sizeof(nogro[n_nogro].iface), "%s", iface);
		nogro[n_nogro++].done = done;
	}
	return rc ? rc : done;
}

void rb_afp_restore(void)
{
	int s = socket(AF_INET, SOCK_DGRAM, 0);

	for (int i = 0; s >= 0 && i < n_nogro; i++) {
		uint32_t v = 1, flags = 0;

		if (nogro[i].done & RB_AFP_GRO)
			ethtool(s, nogro[i].iface, ETHTOOL_SGRO, &v);
		if ((nogro[i].done & RB_AFP_LRO) &&
		    ethtool(s, nogro[i].iface, ETHTOOL_GFLAGS, &flags) == 0) {
			flags |= ETH_FLAG_LRO;
			ethtool(s, nogro[i].iface, ETHTOOL_SFLAGS, &flags);
		}
	}
	n_nogro = 0;
	if (s >= 0)
		close(s);
}
