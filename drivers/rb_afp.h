/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * net_af_packet's queue sockets reopened without the kernel's IPv4
 * reassembly (PACKET_FANOUT_FLAG_DEFRAG), which handed the dataplane
 * reassembled datagrams cut to the ring's frame size (af_packet.c).
 */
#ifndef RB_AFP_H
#define RB_AFP_H

#include <net/if.h>
#include <stddef.h>
#include <stdint.h>

#define RB_AFP_MAX_QUEUES 16
#define RB_AFP_MAX_PORTS 32
#define RB_AFP_GRO 1
#define RB_AFP_LRO 2

/* The ring the PMD makes for a device string (its defaults and its checks). */
struct rb_afp_geom {
	char iface[IF_NAMESIZE];
	unsigned qpairs, block_size, block_nr, frame_size, frame_nr, qdisc_bypass;
};

/* Parse "net_af_packetN,iface=...[,qpairs=][,blocksz=][,framesz=][,framecnt=]
 * [,qdisc_bypass=]" as net_af_packet (DPDK 22.11) does.  0, or -1 and a message. */
int rb_afp_geom_parse(const char *dev, struct rb_afp_geom *g, char *err, size_t len);
/* Bytes the PMD maps per queue socket: its RX ring and then its TX ring. */
size_t rb_afp_ring_len(const struct rb_afp_geom *g);
/* Is `line` of /proc/self/maps the ring of the socket with inode `ino`?  Then
 * 1 and its address and length. */
int rb_afp_map_line(const char *line, unsigned long ino, uintptr_t *addr, size_t *len);
/* Reopen the queue sockets of af_packet device `dev` (probed, not started)
 * without PACKET_FANOUT_FLAG_DEFRAG.  Returns how many, 0 when no socket on
 * the interface reassembles, or -1 and a message (the PMD's sockets then
 * work as before, reassembly included, unless the message says otherwise). */
int rb_afp_nodefrag(const char *dev, char *err, size_t len);
/* Turn GRO and LRO off on `iface` (super-packets a ring cuts short);
 * returns what was turned off (RB_AFP_GRO | RB_AFP_LRO, 0: both were off),
 * or -1 and a message. */
int rb_afp_nogro(const char *iface, char *err, size_t len);
/* Turn back on what rb_afp_nogro turned off, on every interface. */
void rb_afp_restore(void);

#endif
