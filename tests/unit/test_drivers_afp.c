/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_drivers_afp: drivers/af_packet.c.  DPDK 22.11's net_af_packet puts
 * its queue sockets in a PACKET_FANOUT group with PACKET_FANOUT_FLAG_DEFRAG:
 * the kernel reassembles IPv4 fragments for them and writes the datagram
 * into a 2048-byte ring frame, cut short.  The live cases make sockets the
 * PMD's way on the loopback of a network namespace of their own (root
 * only; skipped with a note otherwise), send a 3000-byte datagram as two
 * fragments and read the ring at the PMD's address:
 *   - as the PMD left it, one frame cut short comes (the kernel behaviour
 *     the fix is for: if this case fails, the premise changed);
 *   - after rb_afp_nodefrag, both fragments come whole, the fanout group is
 *     the same but for the flag, and the TX ring at the PMD's address sends;
 *   - two queues: both reopened, in one group;
 *   - a device string whose ring does not match the mapping: refused,
 *     sockets left as they were.
 * And GRO turned off on an interface and back on (rb_afp_nogro).
 * Tables: the device-string parse (the PMD's defaults and checks) and the
 * /proc/self/maps line match.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/ethtool.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <linux/sockios.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <CUnit/Basic.h>
#include "drivers/rb_afp.h"

struct geom_case {
	const char *dev;
	int ok;
	unsigned qpairs, block_size, block_nr, frame_size, frame_nr, bypass;
};

static const struct geom_case geom_cases[] = {
	{"net_af_packet0,iface=veth0", 1, 1, 4096, 256, 2048, 512, 1},
	{"net_af_packet1,iface=eth1,qpairs=4,qdisc_bypass=0", 1, 4, 4096, 256, 2048, 512, 0},
	{"net_af_packet0,iface=x,blocksz=16384,framesz=4096,framecnt=64", 1, 1, 16384, 16, 4096, 64,
	 1},
	{"net_af_packet0,iface=x,framecnt=16", 1, 1, 4096, 8, 2048, 16, 1},
	{"net_af_packet0,iface=x,framesz=8192", 0, 0, 0, 0, 0, 0, 0},   /* frame > block */
	{"net_af_packet0,iface=x,framecnt=1", 0, 0, 0, 0, 0, 0, 0},     /* no whole block */
	{"net_af_packet0,iface=x,qpairs=0", 0, 0, 0, 0, 0, 0, 0},
	{"net_af_packet0,iface=x,qpairs=17", 0, 0, 0, 0, 0, 0, 0},
	{"net_af_packet0,iface=x,framesz=2k", 0, 0, 0, 0, 0, 0, 0},
	{"net_af_packet0,iface=x,qdisc_bypass=2", 0, 0, 0, 0, 0, 0, 0},
	{"net_af_packet0,qpairs=1", 0, 0, 0, 0, 0, 0, 0},              /* no iface */
	{"net_af_packet0,iface=", 0, 0, 0, 0, 0, 0, 0},
};

static void test_geom(void)
{
	for (size_t i = 0; i < sizeof(geom_cases) / sizeof(geom_cases[0]); i++) {
		const struct geom_case *c = &geom_cases[i];
		struct rb_afp_geom g;
		char err[128] = "";
		int rc = rb_afp_geom_parse(c->dev, &g, err, sizeof(err));

		if (getpagesize() != 4096 && c->block_size == 4096)
			continue;
		if ((rc == 0) != c->ok)
			printf("\n  %s: rc %d (%s)\n", c->dev, rc, err);
		CU_ASSERT_EQUAL(rc == 0, c->ok);
		if (!c->ok) {
			CU_ASSERT(err[0] != '\0');
			continue;
		}
		CU_ASSERT_EQUAL(g.qpairs, c->qpairs);
		CU_ASSERT_EQUAL(g.block_size, c->block_size);
		CU_ASSERT_EQUAL(g.block_nr, c->block_nr);
		CU_ASSERT_EQUAL(g.frame_size, c->frame_size);
		CU_ASSERT_EQUAL(g.frame_nr, c->frame_nr);
		CU_ASSERT_EQUAL(g.qdisc_bypass, c->bypass);
		CU_ASSERT_EQUAL(rb_afp_ring_len(&g), 2 * (size_t)c->block_size * c->block_nr);
	}
}

struct map_case {
	const char *line;
	unsigned long ino;
	int match;
	uintptr_t addr;
	size_t len;
};

static const struct map_case map_cases[] = {
	{"7f3a1c000000-7f3a1c200000 rw-s 00000000 00:08 123456                     socket:[123456]\n",
	 123456, 1, 0x7f3a1c000000, 0x200000},
	{"7f3a1c000000-7f3a1c200000 rw-s 00000000 00:08 123456 socket:[123456]", 123456, 1,
	 0x7f3a1c000000, 0x200000},
	{"7f3a1c000000-7f3a1c200000 rw-s 00000000 00:08 1234567 socket:[1234567]\n", 123456, 0, 0, 0},
	{"7f3a1c000000-7f3a1c200000 rw-s 00000000 00:08 12345 socket:[12345]\n", 123456, 0, 0, 0},
	{"7f3a1c000000-7f3a1c200000 rw-s 00000000 00:08 123456 socket:[1234567]\n", 123456, 0, 0, 0},
	{"7f3a1c000000-7f3a1c200000 rw-s 00001000 00:08 123456 socket:[123456]\n", 123456, 0, 0, 0},
	{"7f3a1c000000-7f3a1c200000 r--p 00000000 08:01 123456 /usr/lib/libc.so.6\n", 123456, 0, 0, 0},
	{"7ffd0000-7ffd1000 rw-p 00000000 00:00 0                          [stack]\n", 0, 0, 0, 0},
	{"garbage", 1, 0, 0, 0},
	{"", 1, 0, 0, 0},
};

static void test_map_line(void)
{
	for (size_t i = 0; i < sizeof(map_cases) / sizeof(map_cases[0]); i++) {
		const struct map_case *c = &map_cases[i];
		uintptr_t a = 0;
		size_t l = 0;

		CU_ASSERT_EQUAL(rb_afp_map_line(c->line, c->ino, &a, &l), c->match);
		if (c->match) {
			CU_ASSERT_EQUAL(a, c->addr);
			CU_ASSERT_EQUAL(l, c->len);
		}
	}
}

/* ---- live cases: the loopback of a private network namespace ---- */

#define RING_DEV "net_af_packet0,iface=lo,framecnt=16"
#define DGRAM 3000 /* IP payload: UDP header and data, two fragments */
#define FRAG1 1480

static int live = -1; /* unknown, 0 skipped, 1 ready */
static int lo_ifindex;

static int live_ready(void)
{
	struct ifreq ifr;
	int s;

	if (live >= 0)
		return live;
	live = 0;
	if (unshare(CLONE_NEWNET) != 0) {
		printf("\n  skipped: unshare(CLONE_NEWNET): %s (needs root)\n", strerror(errno));
		return 0;
	}
	s = socket(AF_INET, SOCK_DGRAM, 0);
	memset(&ifr, 0, sizeof(ifr));
	strcpy(ifr.ifr_name, "lo");
	if (s < 0 || ioctl(s, SIOCGIFFLAGS, &ifr) != 0)
		return 0;
	ifr.ifr_flags |= IFF_UP;
	if (ioctl(s, SIOCSIFFLAGS, &ifr) != 0)
		return 0;
	close(s);
	lo_ifindex = (int)if_nametoindex("lo");
	live = lo_ifindex > 0;
	return live;
}

struct pmd_q {
	int fd;
	uint8_t *map;
	size_t len;
	unsigned next; /* next RX frame to read, as the PMD's framenum */
};

/* A queue socket as net_af_packet 22.11 makes it (rte_pmd_init_internals),
 * with the ring of RING_DEV. */
static int pmd_open(struct pmd_q *q, uint16_t group)
{
	struct rb_afp_geom g;
	char err[128];
	struct tpacket_req req;
	struct sockaddr_ll sll = {.sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ALL),
				  .sll_ifindex = lo_ifindex};
	int ver = TPACKET_V2, one = 1;
	/* the PMD's int shift overflows (DEFRAG is bit 31 of the argument) */
	int fo = (int)(group | (uint32_t)(PACKET_FANOUT_HASH | PACKET_FANOUT_FLAG_DEFRAG |
					 PACKET_FANOUT_FLAG_ROLLOVER) << 16);

	if (rb_afp_geom_parse(RING_DEV, &g, err, sizeof(err)) != 0)
		return -1;
	req = (struct tpacket_req){g.block_size, g.block_nr, g.frame_size, g.frame_nr};
	q->fd = socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL));
	q->len = rb_afp_ring_len(&g);
	q->next = 0;
	if (q->fd < 0 ||
	    setsockopt(q->fd, SOL_PACKET, PACKET_VERSION, &ver, sizeof(ver)) ||
	    setsockopt(q->fd, SOL_PACKET, PACKET_LOSS, &one, sizeof(one)) ||
	    setsockopt(q->fd, SOL_PACKET, PACKET_QDISC_BYPASS, &one, sizeof(one)) ||
	    setsockopt(q->fd, SOL_PACKET, PACKET_RX_RING, &req, sizeof(req)) ||
	    setsockopt(q->fd, SOL_PACKET, PACKET_TX_RING, &req, sizeof(req)))
		return -1;
	q->map = mmap(NULL, q->len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_LOCKED, q->fd, 0);
	if (q->map == MAP_FAILED)
		return -1;
	if (bind(q->fd, (struct sockaddr *)&sll, sizeof(sll)) != 0 ||
	    setsockopt(q->fd, SOL_PACKET, PACKET_FANOUT, &fo, sizeof(fo)) != 0)
		return -1;
	return 0;
}

static void pmd_close(struct pmd_q *q)
{
	munmap(q->map, q->len);
	close(q->fd);
}

static uint32_t fanout_of(int fd)
{
	uint32_t v = 0;
	socklen_t l = sizeof(v);

	if (getsockopt(fd, SOL_PACKET, PACKET_FANOUT, &v, &l) != 0)
		return 0;
	return v;
}

static uint16_t ip_sum(const uint8_t *h)
{
	uint32_t s = 0;

	for (int i = 0; i < 20; i += 2)
		s += (uint32_t)h[i] << 8 | h[i + 1];
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

/* One Ethernet frame of IPv4 fragment (offset off, MF mf) of datagram id. */
static size_t frag_frame(uint8_t *f, uint16_t id, unsigned off, unsigned n, int mf)
{
	uint8_t *ip = f + 14;
	uint16_t fo = (uint16_t)(off / 8) | (mf ? 0x2000 : 0);
	uint16_t s;

	memset(f, 0, 14);
	f[12] = 0x08;
	memset(ip, 0, 20);
	ip[0] = 0x45;
	ip[2] = (uint8_t)((20 + n) >> 8);
	ip[3] = (uint8_t)(20 + n);
	ip[4] = (uint8_t)(id >> 8);
	ip[5] = (uint8_t)id;
	ip[6] = (uint8_t)(fo >> 8);
	ip[7] = (uint8_t)fo;
	ip[8] = 64;
	ip[9] = IPPROTO_UDP;
	ip[12] = ip[16] = 127;
	ip[15] = ip[19] = 1;
	s = ip_sum(ip);
	ip[10] = (uint8_t)(s >> 8);
	ip[11] = (uint8_t)s;
	for (unsigned i = 0; i < n; i++)
		ip[20 + i] = (uint8_t)(off + i);
	if (off == 0) { /* UDP 40000 -> 9, length, no checksum */
		ip[20] = 0x9c;
		ip[21] = 0x40;
		ip[22] = 0;
		ip[23] = 9;
		ip[24] = (uint8_t)(DGRAM >> 8);
		ip[25] = (uint8_t)DGRAM;
		ip[26] = ip[27] = 0;
	}
	return 14 + 20 + n;
}

static int send_frame(const uint8_t *f, size_t n)
{
	struct sockaddr_ll sll = {.sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_IP),
				  .sll_ifindex = lo_ifindex, .sll_halen = 6};
	int s = socket(AF_PACKET, SOCK_RAW, htons(ETH_P_IP));
	ssize_t w;

	if (s < 0)
		return -1;
	w = sendto(s, f, n, 0, (struct sockaddr *)&sll, sizeof(sll));
	close(s);
	return w == (ssize_t)n ? 0 : -1;
}

static void send_datagram(uint16_t id)
{
	uint8_t f[2048];

	CU_ASSERT_EQUAL(send_frame(f, frag_frame(f, id, 0, FRAG1, 1)), 0);
	CU_ASSERT_EQUAL(send_frame(f, frag_frame(f, id, FRAG1, DGRAM - FRAG1, 0)), 0);
}

struct seen {
	int frags;     /* whole fragments of the datagram */
	int cut;       /* frames of it cut short by the ring */
	int reasm;     /* the datagram in one frame */
	int any;       /* frames of datagram id */
};

/* Read q's RX ring as the PMD does (frame after frame from where it left
 * off) for 300 ms, counting frames of datagram id. */
static void ring_read(struct pmd_q *q, uint16_t id, struct seen *sn)
{
	struct timespec t0, t;

	memset(sn, 0, sizeof(*sn));
	clock_gettime(CLOCK_MONOTONIC, &t0);
	do {
		struct tpacket2_hdr *h = (struct tpacket2_hdr *)(q->map + (size_t)q->next * 2048);

		if (!(__atomic_load_n(&h->tp_status, __ATOMIC_ACQUIRE) & TP_STATUS_USER)) {
			struct pollfd p = {.fd = q->fd, .events = POLLIN};

			poll(&p, 1, 20);
		} else {
			const uint8_t *e = (const uint8_t *)h + h->tp_mac;

			if (h->tp_snaplen >= 34 && e[12] == 0x08 && e[13] == 0 &&
			    (e[18] << 8 | e[19]) == id) {
				unsigned tl = (unsigned)(e[16] << 8 | e[17]);
				int frag = (e[20] & 0x3f) || e[21];

				sn->any++;
				if (h->tp_len != h->tp_snaplen)
					sn->cut++;
				else if (frag && h->tp_len == 14 + tl)
					sn->frags++;
				if (!frag && tl == 20 + DGRAM)
					sn->reasm++;
			}
			__atomic_store_n(&h->tp_status, TP_STATUS_KERNEL, __ATOMIC_RELEASE);
			q->next = (q->next + 1) % 16;
		}
		clock_gettime(CLOCK_MONOTONIC, &t);
	} while ((t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000 < 300);
}

static void test_pmd_reassembles(void)
{
	struct pmd_q q;
	struct seen sn;

	if (!live_ready())
		return;
	CU_ASSERT_FATAL(pmd_open(&q, 0x1234) == 0);
	send_datagram(0x4101);
	ring_read(&q, 0x4101, &sn);
	/* sent once, seen twice on lo (out and in), reassembled both times */
	CU_ASSERT(sn.cut >= 1);
	CU_ASSERT_EQUAL(sn.frags, 0);
	pmd_close(&q);
}

static void test_nodefrag(void)
{
	struct pmd_q q, cap;
	struct seen sn;
	uint8_t *addr;
	uint32_t fo;
	char err[256] = "";
	int rc, fd;

	if (!live_ready())
		return;
	CU_ASSERT_FATAL(pmd_open(&q, 0x2345) == 0);
	addr = q.map;
	fd = q.fd;
	fo = fanout_of(q.fd);
	CU_ASSERT(fo >> 24 & PACKET_FANOUT_FLAG_DEFRAG >> 8);
	rc = rb_afp_nodefrag(RING_DEV, err, sizeof(err));
	if (rc != 1)
		printf("\n  rb_afp_nodefrag: %d %s\n", rc, err);
	CU_ASSERT_EQUAL_FATAL(rc, 1);
	/* same descriptor, same ring address, same group but the flag */
	CU_ASSERT_EQUAL(fanout_of(fd), fo & ~((uint32_t)PACKET_FANOUT_FLAG_DEFRAG >> 8 << 24));
	CU_ASSERT_EQUAL(rb_afp_nodefrag(RING_DEV, err, sizeof(err)), 0); /* nothing left to do */
	send_datagram(0x4102);
	ring_read(&q, 0x4102, &sn);
	CU_ASSERT(sn.frags >= 2);
	CU_ASSERT_EQUAL(sn.cut, 0);
	CU_ASSERT_EQUAL(sn.reasm, 0);

	/* the TX ring (after the RX ring, as the PMD's) sends from the same
	 * address: a capture socket, not in the group, sees the frame */
	CU_ASSERT_FATAL(pmd_open(&cap, 0x2346) == 0);
	ring_read(&cap, 0x4103, &sn); /* drain */
	{
		struct tpacket2_hdr *h = (struct tpacket2_hdr *)(addr + q.len / 2);
		uint8_t *d = (uint8_t *)h + TPACKET2_HDRLEN - sizeof(struct sockaddr_ll);
		size_t n = frag_frame(d, 0x4103, 0, 200, 0); /* not a fragment */

		h->tp_len = (uint32_t)n;
		__atomic_store_n(&h->tp_status, TP_STATUS_SEND_REQUEST, __ATOMIC_RELEASE);
		CU_ASSERT(sendto(fd, NULL, 0, MSG_DONTWAIT, NULL, 0) >= 0);
	}
	ring_read(&cap, 0x4103, &sn);
	CU_ASSERT(sn.any >= 1);
	CU_ASSERT_EQUAL(sn.cut, 0);
	pmd_close(&cap);
	pmd_close(&q);
}

static void test_nodefrag_queues(void)
{
	struct pmd_q q[2];
	char err[256] = "";
	const char *dev = RING_DEV ",qpairs=2";
	int rc;

	if (!live_ready())
		return;
	CU_ASSERT_FATAL(pmd_open(&q[0], 0x3456) == 0);
	CU_ASSERT_FATAL(pmd_open(&q[1], 0x3456) == 0);
	/* the ring does not match the device string: refused, nothing changed */
	rc = rb_afp_nodefrag("net_af_packet0,iface=lo,framecnt=32,qpairs=2", err, sizeof(err));
	CU_ASSERT_EQUAL(rc, -1);
	CU_ASSERT(strstr(err, "ring of") != NULL);
	CU_ASSERT(fanout_of(q[0].fd) >> 24 & PACKET_FANOUT_FLAG_DEFRAG >> 8);
	/* one queue named, two sockets found: refused */
	CU_ASSERT_EQUAL(rb_afp_nodefrag(RING_DEV, err, sizeof(err)), -1);
	rc = rb_afp_nodefrag(dev, err, sizeof(err));
	if (rc != 2)
		printf("\n  rb_afp_nodefrag: %d %s\n", rc, err);
	CU_ASSERT_EQUAL(rc, 2);
	CU_ASSERT_EQUAL(fanout_of(q[0].fd), fanout_of(q[1].fd));
	CU_ASSERT_EQUAL(fanout_of(q[0].fd) & 0xffff, 0x3456);
	CU_ASSERT_FALSE(fanout_of(q[0].fd) >> 24 & PACKET_FANOUT_FLAG_DEFRAG >> 8);
	pmd_close(&q[0]);
	pmd_close(&q[1]);
}

static int gro_of(const char *iface, int set)
{
	struct ethtool_value ev = {.cmd = set >= 0 ? ETHTOOL_SGRO : ETHTOOL_GGRO,
				   .data = set > 0};
	struct ifreq ifr;
	int s = socket(AF_INET, SOCK_DGRAM, 0), rc;

	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", iface);
	ifr.ifr_data = (void *)&ev;
	rc = ioctl(s, SIOCETHTOOL, &ifr);
	close(s);
	return rc != 0 ? -1 : set >= 0 ? 0 : (int)ev.data;
}

/* GRO off while the port runs, back on at stop; a missing interface is an
 * error.  (End to end: test_foundation_af_packet_gro.) */
static void test_nogro(void)
{
	char err[256] = "";

	if (!live_ready())
		return;
	CU_ASSERT_EQUAL_FATAL(gro_of("lo", 1), 0);
	CU_ASSERT_EQUAL(gro_of("lo", -1), 1);
	CU_ASSERT_EQUAL(rb_afp_nogro("lo", err, sizeof(err)), RB_AFP_GRO);
	CU_ASSERT_EQUAL(gro_of("lo", -1), 0);
	CU_ASSERT_EQUAL(rb_afp_nogro("lo", err, sizeof(err)), 0); /* already off */
	CU_ASSERT_EQUAL(rb_afp_nogro("rbafp-none0", err, sizeof(err)), -1);
	CU_ASSERT(strstr(err, "rbafp-none0") != NULL);
	rb_afp_restore();
	CU_ASSERT_EQUAL(gro_of("lo", -1), 1);
	rb_afp_restore(); /* nothing left to restore */
	CU_ASSERT_EQUAL(gro_of("lo", -1), 1);
}

int main(void)
{
	CU_pSuite s;
	unsigned fails;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("drivers_afp", NULL, NULL);
	CU_add_test(s, "device string geometry", test_geom);
	CU_add_test(s, "maps line", test_map_line);
	CU_add_test(s, "PMD socket reassembles (premise)", test_pmd_reassembles);
	CU_add_test(s, "reopened without DEFRAG", test_nodefrag);
	CU_add_test(s, "two queues, mismatched ring", test_nodefrag_queues);
	CU_add_test(s, "GRO off, restored", test_nogro);
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	fails = CU_get_number_of_failures();
	CU_cleanup_registry();
	return fails ? 1 : 0;
}
