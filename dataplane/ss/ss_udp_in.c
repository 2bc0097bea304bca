/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The `shadowsocks` inbound's UDP (SIP004 AEAD UDP, `none`, and SIP022
 * 2022-blake3-* with SIP023 multi-user identity headers).
 *
 *   client --UDP--> listen_port: [salt][sealed: SOCKS5 address + payload][tag]
 *                   -> session (client address and port, destination):
 *                      routed once (network udp), then a socket from
 *                      udp_open() to the destination carries the payload
 *   client <-UDP--  listen_port: sealed (address that answered + payload),
 *                   a fresh salt per packet
 *
 * Every datagram is opened/sealed through the burst AEAD (ss_udp_open /
 * ss_udp_seal).  Sessions live on the lcore the client's datagrams hash to
 * (the socket from udp_open() brings the replies back there), at most
 * SS_UDP_SESS_MAX per lcore (more are refused, proxy_udp_table_full), and
 * end after the idle time (destination port 53: 10 s as sing-box, else the
 * inbound's udp_timeout, default 5 min; the shorter wins).
 *
 * Carried: `direct` to IP destinations on a socket of its own per flow;
 * domain destinations (direct resolves them, the route's default
 * strategy) and every other outbound with UDP ops (socks, shadowsocks;
 * block refuses: proxy_udp_rejected) through the outbound's ops
 * (../proxy/udp_out.h, proxy_udp_host_open), one upstream per flow; an
 * outbound without UDP drops and counts (proxy_udp_unsupported).  A packet that does
 * not open (wrong key, tampered, short) is dropped without an answer and
 * counted (ss_udp_auth, and the inbound's `auth` errors); so is one whose
 * salt the lcore's replay filter has seen (ss_udp_replay, `replay`).
 *
 * Shadowsocks 2022 (ss_udp22_sess.h): the inbound keeps client sessions
 * (keyed by client session id, and user) per lcore; a flow here is (client
 * session, destination), and replies go to the address the client session
 * last sent an accepted packet from (SIP022 3.2.4), sealed in the server
 * session drawn for it.  Drops: ss_udp_auth (tag, short), ss_udp_user
 * (identity header of no user), ss_udp_time (timestamp over 30 s off),
 * ss_udp_replay (packet id seen or behind the 1984-id window),
 * ss_udp_session (no room for a new client session), ss_udp_malformed;
 * the inbound's `auth` / `replay` / `address` errors likewise.  A client
 * session outlives its flows by max(udp_timeout, 60 s), so a replay inside
 * the timestamp window always meets its window.
 *
 * One worker owns each 2022 client session: ss22_usess_owner(client
 * session id) (ss_udp22_sess.h).  A packet that the NIC or the 4-tuple
 * hash gave to another worker is handed to the owner over its handoff ring
 * (rb_handoff, counted ss_udp_handoff) before anything is decrypted but the
 * session id, so one session has one packet-id window and one server
 * session whatever the client's address and port, and a replay sent from
 * elsewhere meets the window that saw the original.
 *
 * Relay inbounds (`destinations`, SIP023; ss_dest.h): a request packet's
 * separate header is re-encrypted for the destination its identity header
 * names (ss_dest_udp_relay) and the packet, 16 bytes shorter, goes there
 * as the payload of a flow (client address and port, destination), routed
 * like any; what the destination answers goes back to the client byte for
 * byte.  The relay cannot authenticate (no session key), so it keeps no
 * sessions of its own.  Drops: ss_udp_relay_unknown (identity of no
 * destination, or shorter than two blocks; the inbound's `auth` errors).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <rte_cycles.h>

#include "../proxy/proxy_priv.h"
#include "../proxy/udp_out.h"
#include "../udp/udp.h"
#include "../udp/udp_wire.h"
#include "ss_dest.h"
#include "ss_proxy.h"
#include "ss_relay.h"
#include "ss_udp.h"
#include "ss_udp22_sess.h"

#define SS_UDP_SESS_MAX  4096
#define SS_UDP_BUCKETS   1024
#define SS_UDP_DNS_IDLE  10          /* seconds, destination port 53 */
#define SS_UDP_MAX       65535
#define SS22_SESS_MAX    1024        /* 2022 client sessions per inbound per lcore */

_Static_assert(sizeof(struct udp_peer) <= SS22_USRV_APP, "client address in a 2022 session");

struct ss_uin;

struct ss_usess {
	struct ss_usess *next;          /* bucket chain, or free list */
	struct ss_uin *in;
	struct udp_sock *up;            /* toward the destination */
	struct udp_peer cli;            /* the client, and our address it wrote to */
	struct rb_dest dst;             /* as the client asked (hash key) */
	struct ss22_usess *s22;         /* 2022: the client session (hash key, not cli) */
	struct udp_nat *nat;            /* through an outbound's UDP ops (not up) */
	uint8_t gone;                   /* nat's upstream ended: freed by the poll */
	uint16_t outbound, rule_slot;
	uint32_t hash;
	uint64_t last, idle;            /* TSC */
};

struct ss_uin {
	struct ss_ulcore *ul;
	struct udp_sock *sock;          /* the inbound's listen_port */
	uint16_t inbound;
	const struct ss_method *m;      /* NULL: none */
	uint8_t master[SS_MAX_KEY];
	uint32_t idle_s;
	struct ss22_usrv *srv22;        /* 2022 methods: client sessions */
	uint8_t relay;                  /* destinations (SIP023 relay): no sessions */
	struct ss_eih_users *users;     /* 2022 multi-user (SIP023): the uPSKs */
};

struct ss_ulcore {
	struct rb_lcore *lc;
	const struct rb_cfg_proxy *cfg;
	struct rb_conn_worker *wk;
	struct ss_uin in[RB_MAX_INBOUNDS];
	struct ss_usess *bucket[SS_UDP_BUCKETS];
	struct ss_usess *free;
	uint64_t next_scan;
	struct ss_udp_burst burst;
	uint8_t plain[SS_UDP_MAX + 64];
	uint8_t pkt[SS_UDP_MAX + 64];
	struct ss_usess sess[SS_UDP_SESS_MAX];
};

static struct ss_ulcore *ss_ulcores[RB_MAX_LCORES];

/* Flows: (client address, destination), or for 2022 (client session,
 * destination). */
static uint32_t sess_hash(const struct udp_peer *cli, const struct ss22_usess *s22,
			  const struct rb_dest *d)
{
	uint32_t h = 2166136261u;
	const uint8_t *parts[2] = {cli->addr, d->addr};

	for (int k = s22 ? 1 : 0; k < 2; k++)
		for (int i = 0; i < 16; i++)
			h = (h ^ parts[k][i]) * 16777619u;
	if (s22) {
		uintptr_t v = (uintptr_t)s22;

		for (unsigned i = 0; i < sizeof(v); i++, v >>= 8)
			h = (h ^ (uint8_t)v) * 16777619u;
	} else {
		h = (h ^ cli->port) * 16777619u;
	}
	h = (h ^ d->port) * 16777619u;
	for (const char *c = d->domain; *c; c++)
		h = (h ^ (uint8_t)*c) * 16777619u;
	return h;
}

static int sess_match(const struct ss_usess *s, const struct ss_uin *in, const struct udp_peer *cli,
		      const struct ss22_usess *s22, const struct rb_dest *d)
{
	if (s->in != in || s->s22 != s22)
		return 0;
	if (s22 == NULL && (s->cli.family != cli->family || s->cli.port != cli->port ||
			    memcmp(s->cli.addr, cli->addr, 16) != 0))
		return 0;
	return s->dst.family == d->family && s->dst.port == d->port &&
	       memcmp(s->dst.addr, d->addr, 16) == 0 && strcmp(s->dst.domain, d->domain) == 0;
}

static void sess_free(struct ss_ulcore *ul, struct ss_usess *s)
{
	struct ss_usess **pp = &ul->bucket[s->hash % SS_UDP_BUCKETS];

	while (*pp && *pp != s)
		pp = &(*pp)->next;
	if (*pp)
		*pp = s->next;
	if (s->up)
		udp_close(s->up);
	if (s->nat)
		proxy_udp_host_close(s->nat);
	if (s->s22)
		ss22_usrv_unref(s->s22);
	if (s->outbound < RB_CONN_MAX_TAGS)
		ul->wk->out[s->outbound].active--;
	ul->wk->in[s->in->inbound].active--;
	memset(s, 0, sizeof(*s));
	s->next = ul->free;
	ul->free = s;
}

/* Sends m to the client at `to` from the inbound's port and counts len
 * payload bytes down for the session's inbound and outbound. */
static void down_send(struct ss_usess *s, struct rte_mbuf *m, const struct udp_peer *to,
		      uint32_t len)
{
	struct ss_ulcore *ul = s->in->ul;
	struct rb_lcore *lc = ul->lc;

	if (udp_send(s->in->sock, m, to) != 0) {
		rb_count(lc, RB_EV_PROXY_UDP_SEND_FAIL);
		return;
	}
	s->last = lc->now;
	rb_count(lc, RB_EV_PROXY_UDP_DOWN);
	ul->wk->in[s->in->inbound].bytes_down += len;
	if (s->outbound < RB_CONN_MAX_TAGS)
		ul->wk->out[s->outbound].bytes_down += len;
}

/* A datagram for the client: seal [address of `from` + payload] and send it
 * from the inbound's port. */
static void reply(struct ss_usess *s, struct rte_mbuf *m, const struct rb_dest *from)
{
	struct ss_uin *in = s->in;
	struct ss_ulcore *ul = in->ul;
	struct rb_lcore *lc = ul->lc;
	uint32_t len = m->pkt_len;
	uint8_t salt[SS_MAX_SALT];
	struct rte_mbuf *o;
	int alen;
	size_t n;
	const uint8_t *src;

	if (in->relay) { /* the destination's packet, as it came */
		down_send(s, m, &s->cli, len);
		return;
	}
	alen = from->family ? ss_addr_write(ul->plain, from->family, from->addr, NULL, from->port)
			    : ss_addr_write(ul->plain, 0, from->addr, from->domain, from->port);
	if (alen < 0 || (size_t)alen + len + SS_MAX_SALT + SS_TAG_LEN > sizeof(ul->pkt)) {
		rb_drop(lc, m, RB_DROP_PROXY_UDP_MALFORMED);
		return;
	}
	src = rte_pktmbuf_read(m, 0, len, ul->plain + alen);
	if (src != ul->plain + alen)
		memcpy(ul->plain + alen, src, len);
	rte_pktmbuf_free(m);
	n = (size_t)alen + len;
	if (in->srv22) {
		uint8_t rnd[SS22_UDP_XNONCE + 4];
		uint16_t pad;
		int r;

		if (rb_rand_bytes(&lc->rand, rnd, sizeof(rnd)) != 0) {
			rb_count(lc, RB_EV_PROXY_UDP_SEND_FAIL);
			return;
		}
		pad = ss22_udp_pad(from->port, len, (uint32_t)rnd[24] << 8 | rnd[25]);
		if (ss22_usrv_seal_size(in->srv22, (size_t)alen, pad, len) > sizeof(ul->pkt) ||
		    (r = ss22_usrv_seal(lc->aead, in->srv22, s->s22, ul->plain, (uint16_t)alen, pad,
					ul->plain + alen, len, rnd, ul->pkt, ss22_udp_now())) < 0) {
			rb_count(lc, RB_EV_PROXY_UDP_SEND_FAIL);
			return;
		}
		n = (size_t)r;
	} else if (in->m) {
		struct ss_udp_pkt p = {.in = ul->plain, .len = (uint32_t)n, .out = ul->pkt, .salt = salt};

		if (rb_rand_bytes(&lc->rand, salt, in->m->key_len) != 0 ||
		    ss_udp_seal(lc->aead, &ul->burst, in->m, in->master, &p, 1) != 0) {
			rb_count(lc, RB_EV_PROXY_UDP_SEND_FAIL);
			return;
		}
		n = (size_t)p.out_len;
	} else {
		memcpy(ul->pkt, ul->plain, n);
	}
	/* over one mbuf (a reassembled reply): a chain, fragmented on output */
	o = proxy_mbuf_from(lc, ul->pkt, n); /* counts no_mbuf */
	if (o == NULL)
		return;
	/* 2022: to where the client session last sent from (SIP022 3.2.4) */
	down_send(s, o, s->s22 ? (const struct udp_peer *)s->s22->app : &s->cli, len);
}

/* A datagram from the destination (direct flows). */
static void up_recv(struct udp_sock *sock, struct rte_mbuf *m, const struct udp_peer *from,
		    void *arg)
{
	struct rb_dest d;

	(void)sock;
	memset(&d, 0, sizeof(d));
	d.family = (uint8_t)from->family;
	memcpy(d.addr, from->addr, 16);
	d.port = from->port;
	reply(arg, m, &d);
}

/* Flows through an outbound's UDP ops (udp_out.h): replies, and the end
 * of the upstream (freed by the next poll, not inside the outbound's call). */
static void nat_recv(void *arg, struct rte_mbuf *m, const struct rb_dest *from)
{
	struct ss_usess *s = arg;

	if (s->gone) {
		rte_pktmbuf_free(m);
		return;
	}
	reply(s, m, from);
}

static void nat_gone(void *arg, int err)
{
	struct ss_usess *s = arg;

	(void)err;
	s->gone = 1;
}

static const struct proxy_udp_host nat_host = {.recv = nat_recv, .gone = nat_gone};

/* Route a new session; returns it, or NULL (dropped and counted). */
static struct ss_usess *sess_new(struct ss_ulcore *ul, struct ss_uin *in,
				 const struct udp_peer *cli, struct ss22_usess *s22,
				 const struct rb_dest *d, uint32_t h)
{
	const struct rb_cfg_proxy *p = ul->cfg;
	struct rb_lcore *lc = ul->lc;
	struct rb_route_req rq;
	struct rb_route_result r;
	const struct rb_cfg_outbound *o;
	struct rb_dest to = *d;
	struct ss_usess *s;
	int err = 0;

	memset(&rq, 0, sizeof(rq));
	memset(&r, 0, sizeof(r));
	rq.inbound = in->inbound;
	rq.network = RB_NET_UDP;
	rq.src_family = (uint8_t)cli->family;
	memcpy(rq.src_addr, cli->addr, 16);
	rq.src_port = cli->port;
	rq.dst = *d;
	if (rb_route_match(lc, &rq, &r) == 0 && r.need_sniff) {
		rq.sniff.proto = RB_SNIFF_UNKNOWN; /* datagrams are not sniffed here */
		memset(&r, 0, sizeof(r));
		if (rb_route_match(lc, &rq, &r) != 0)
			r.action = RB_ACT_REJECT;
	} else if (r.outbound >= p->n_outbounds && r.action == RB_ACT_ROUTE) {
		r.action = RB_ACT_REJECT;
	}
	if (r.action == RB_ACT_REJECT || r.outbound >= p->n_outbounds ||
	    p->outbounds[r.outbound].type == RB_OUT_BLOCK) {
		ul->wk->in[in->inbound].rejected++;
		rb_drop_count(lc, RB_DROP_PROXY_UDP_REJECTED);
		return NULL;
	}
	o = &p->outbounds[r.outbound];
	if (o->network == RB_CFG_NET_TCP) {
		rb_drop_count(lc, RB_DROP_PROXY_UDP_UNSUPPORTED);
		return NULL;
	}
	if (r.override_family) {
		to.family = r.override_family;
		memcpy(to.addr, r.override_addr, 16);
	}
	if (r.override_port)
		to.port = r.override_port;
	if (o->override_address.family) {
		to.family = o->override_address.family;
		memcpy(to.addr, o->override_address.addr, 16);
	}
	if (o->override_port)
		to.port = o->override_port;
	s = ul->free;
	if (s == NULL) {
		rb_drop_count(lc, RB_DROP_PROXY_UDP_TABLE_FULL);
		return NULL;
	}
	ul->free = s->next;
	memset(s, 0, sizeof(*s));
	s->in = in;
	if (o->type == RB_OUT_DIRECT && (to.family == AF_INET || to.family == AF_INET6)) {
		s->up = udp_open(lc, to.family, to.addr, to.port, up_recv, s, &err);
	} else {
		/* a domain (direct resolves it), or another outbound's UDP ops:
		 * socks, shadowsocks, block (refuses: -EACCES) */
		s->nat = proxy_udp_host_open(lc, p, r.outbound, &to, &nat_host, s, &err);
	}
	if (s->up == NULL && s->nat == NULL) {
		s->next = ul->free;
		ul->free = s;
		if (err == -EACCES) {
			ul->wk->in[in->inbound].rejected++;
			rb_drop_count(lc, RB_DROP_PROXY_UDP_REJECTED);
		} else {
			rb_drop_count(lc, err == -EOPNOTSUPP ? RB_DROP_PROXY_UDP_UNSUPPORTED
							     : RB_DROP_PROXY_UDP_NO_ROUTE);
		}
		return NULL;
	}
	s->cli = *cli;
	s->dst = *d;
	s->hash = h;
	s->s22 = s22;
	if (s22)
		ss22_usrv_ref(s22);
	s->outbound = r.outbound;
	s->rule_slot = (uint16_t)rb_conn_rule_slot(r.rule);
	s->idle = rte_get_tsc_hz() * (d->port == 53 && in->idle_s > SS_UDP_DNS_IDLE ? SS_UDP_DNS_IDLE
										   : in->idle_s);
	s->next = ul->bucket[h % SS_UDP_BUCKETS];
	ul->bucket[h % SS_UDP_BUCKETS] = s;
	rb_count(lc, RB_EV_PROXY_UDP_SESSION);
	ul->wk->in[in->inbound].conns++;
	ul->wk->in[in->inbound].active++;
	if (s->outbound < RB_CONN_MAX_TAGS) {
		ul->wk->out[s->outbound].conns++;
		ul->wk->out[s->outbound].active++;
	}
	ul->wk->rules[s->rule_slot].conns++;
	return s;
}

/* 2022: open a client packet (copied to ul->pkt, decrypted in place).
 * 0 with *s22, the destination and the payload (inside ul->pkt), or -1
 * (dropped and counted; m is left to the caller). */
static int open22(struct ss_ulcore *ul, struct ss_uin *in, struct rte_mbuf *m, uint32_t len,
		  const struct udp_peer *from, struct ss22_usess **s22, struct rb_dest *d,
		  const uint8_t **data, uint32_t *data_len)
{
	struct rb_lcore *lc = ul->lc;
	uint64_t *err = ul->wk->in[in->inbound].errors;
	struct ss22_udp_in p;
	const uint8_t *src;
	uint64_t created;
	uint8_t rnd[8];
	int rc;

	src = rte_pktmbuf_read(m, 0, len, ul->pkt);
	if (src != ul->pkt)
		memcpy(ul->pkt, src, len);
	if (rb_rand_bytes(&lc->rand, rnd, sizeof(rnd)) != 0)
		return rb_drop_count(lc, RB_DROP_NO_MBUF), -1;
	created = in->srv22->created;
	rc = ss22_usrv_open(lc->aead, in->srv22, ul->pkt, len, ss22_udp_now(), rnd, &p, s22);
	explicit_bzero(rnd, sizeof(rnd));
	switch (rc) {
	case SS_OK:
		if (in->srv22->created != created)
			rb_count(lc, RB_EV_SS_UDP_SESSION_NEW);
		break;
	case SS2022_ERR_USER:
		err[RB_PERR_AUTH]++;
		return rb_drop_count(lc, RB_DROP_SS_UDP_USER), -1;
	case SS2022_ERR_TIME:
		err[RB_PERR_AUTH]++;
		return rb_drop_count(lc, RB_DROP_SS_UDP_TIME), -1;
	case SS2022_ERR_REPLAY:
		err[RB_PERR_REPLAY]++;
		return rb_drop_count(lc, RB_DROP_SS_UDP_REPLAY), -1;
	case SS2022_ERR_FULL:
		return rb_drop_count(lc, RB_DROP_SS_UDP_SESSION), -1;
	case SS2022_ERR_TYPE:
	case SS2022_ERR_PADDING:
	case SS2022_ERR_ADDR:
		err[RB_PERR_ADDRESS]++;
		return rb_drop_count(lc, RB_DROP_SS_UDP_MALFORMED), -1;
	default: /* SS_ERR_AUTH, SS_ERR_LEN, internal */
		err[RB_PERR_AUTH]++;
		return rb_drop_count(lc, RB_DROP_SS_UDP_AUTH), -1;
	}
	/* the client may have moved: replies follow it (SIP022 3.2.4) */
	memcpy((*s22)->app, from, sizeof(*from));
	memset(d, 0, sizeof(*d));
	d->family = (uint8_t)p.target.family;
	memcpy(d->addr, p.target.addr, 16);
	d->port = p.target.port;
	if (p.target.family == 0)
		snprintf(d->domain, sizeof(d->domain), "%s", p.target.host);
	*data = p.data;
	*data_len = p.data_len;
	return 0;
}

/* Relay: rewrite a request for the destination it names (copied to
 * ul->pkt).  0 with the destination and the packet for it, or -1 (dropped
 * and counted; m is left to the caller). */
static int relay_open(struct ss_ulcore *ul, struct ss_uin *in, struct rte_mbuf *m, uint32_t len,
		      struct rb_dest *d, const uint8_t **data, uint32_t *data_len)
{
	const struct rb_cfg_inbound *c = &ul->cfg->inbounds[in->inbound];
	const uint8_t *src = rte_pktmbuf_read(m, 0, len, ul->pkt);
	int k;

	if (src != ul->pkt)
		memcpy(ul->pkt, src, len);
	k = ss_dest_udp_relay(ul->lc, in->inbound, ul->pkt, len);
	if (k < 0 || k >= c->n_dests) {
		ul->wk->in[in->inbound].errors[RB_PERR_AUTH]++;
		return rb_drop_count(ul->lc, RB_DROP_SS_UDP_RELAY_UNKNOWN), -1;
	}
	memset(d, 0, sizeof(*d));
	proxy_cfg_host_dest(&c->dests[k].server, c->dests[k].server_port, d);
	*data = ul->pkt + SS_DEST_UDP_STRIP;
	*data_len = len - SS_DEST_UDP_STRIP;
	return 0;
}

/* 2022: hand m to the worker owning its client session; 1 if handed (or
 * dropped there), 0 if it is ours. */
static int owner_handoff(struct ss_ulcore *ul, struct ss_uin *in, struct rte_mbuf *m,
			 uint32_t len)
{
	struct rb_lcore *lc = ul->lc;
	unsigned nw = lc->dp ? (unsigned)lc->dp->n_workers : 1, owner;
	const uint8_t *src;
	uint8_t sid[8];

	if (nw <= 1)
		return 0;
	/* the first bytes only: the separate header, or the ChaCha nonce and
	 * the session id's ciphertext */
	src = rte_pktmbuf_read(m, 0, len < 64 ? len : 64, ul->pkt);
	if (src == NULL || ss22_usrv_peek_sid(in->srv22, src, len, sid) != 0)
		return 0; /* too short: open22 drops and counts it */
	owner = ss22_usess_owner(sid, nw);
	if (owner == lc->worker)
		return 0;
	/* back to the IP header: rb_handoff's owner delivers it as it came */
	if (rte_pktmbuf_prepend(m, (uint16_t)(m->l3_len + UDP_HDR_LEN)) == NULL) {
		rb_drop(lc, m, RB_DROP_PROXY_UDP_MALFORMED);
		return 1;
	}
	rb_count(lc, RB_EV_SS_UDP_HANDOFF);
	rb_handoff(lc, owner, m);
	return 1;
}

/* A datagram from a client on the inbound's port. */
static void in_recv(struct udp_sock *sock, struct rte_mbuf *m, const struct udp_peer *from,
		    void *arg)
{
	struct ss_uin *in = arg;
	struct ss_ulcore *ul = in->ul;
	struct rb_lcore *lc = ul->lc;
	const uint8_t *plain, *data;
	uint32_t len = m->pkt_len, data_len;
	struct rb_dest d;
	struct ss_usess *s;
	struct ss22_usess *s22 = NULL;
	char host[RB_DOMAIN_MAX + 1];
	int family = 0, alen;
	uint32_t h;

	(void)sock;
	if (len > SS_UDP_MAX) {
		rb_drop(lc, m, RB_DROP_PROXY_UDP_MALFORMED);
		return;
	}
	if (in->relay) {
		if (relay_open(ul, in, m, len, &d, &data, &data_len) != 0) {
			rte_pktmbuf_free(m);
			return;
		}
		goto forward;
	}
	if (in->srv22) {
		if (owner_handoff(ul, in, m, len))
			return;
		if (open22(ul, in, m, len, from, &s22, &d, &data, &data_len) != 0) {
			rte_pktmbuf_free(m);
			return;
		}
		goto forward;
	}
	plain = rte_pktmbuf_read(m, 0, len, ul->pkt);
	if (in->m) {
		struct ss_udp_pkt p = {.in = plain, .len = len, .out = ul->plain};

		struct ss_lcore *sl;

		if (ss_udp_open(lc->aead, &ul->burst, in->m, in->master, &p, 1) != 0) {
			ul->wk->in[in->inbound].errors[RB_PERR_AUTH]++;
			rb_drop(lc, m, RB_DROP_SS_UDP_AUTH);
			return;
		}
		/* the salt through the lcore's replay filter (shared with TCP),
		 * once the packet authenticated, as shadowsocks-libev does */
		sl = ss_lcore_get(lc, ul->cfg);
		if (sl == NULL || ss_replay_seen(sl, plain, in->m->key_len) != 0) {
			ul->wk->in[in->inbound].errors[RB_PERR_REPLAY]++;
			rb_drop(lc, m, RB_DROP_SS_UDP_REPLAY);
			return;
		}
		plain = ul->plain;
		len = (uint32_t)p.out_len;
	}
	memset(&d, 0, sizeof(d));
	alen = ss_addr_parse(plain, len, &family, d.addr, host, sizeof(host), &d.port);
	if (alen <= 0) {
		ul->wk->in[in->inbound].errors[RB_PERR_ADDRESS]++;
		rb_drop(lc, m, RB_DROP_SS_UDP_MALFORMED);
		return;
	}
	d.family = (uint8_t)family;
	if (family == 0)
		snprintf(d.domain, sizeof(d.domain), "%s", host);
	data = plain + alen;
	data_len = len - (uint32_t)alen;
forward:
	h = sess_hash(from, s22, &d);
	for (s = ul->bucket[h % SS_UDP_BUCKETS]; s; s = s->next)
		if (s->hash == h && sess_match(s, in, from, s22, &d))
			break;
	if (s == NULL && (s = sess_new(ul, in, from, s22, &d, h)) == NULL) {
		rte_pktmbuf_free(m);
		return;
	}
	if (s->gone) { /* its upstream ended; the poll frees it */
		rb_drop(lc, m, RB_DROP_PROXY_UDP_NO_ROUTE);
		return;
	}
	/* the payload into the mbuf we got (it fits: it came out of it); a
	 * reassembled chain into a fresh one (2022: data is in ul->pkt) */
	if (m->nb_segs != 1 && (in->srv22 || in->relay)) {
		rte_pktmbuf_free(m);
		m = rte_pktmbuf_alloc(lc->dp->pool);
		if (m == NULL) {
			rb_drop_count(lc, RB_DROP_NO_MBUF);
			return;
		}
		if (rte_pktmbuf_tailroom(m) < data_len) {
			rb_drop(lc, m, RB_DROP_PROXY_UDP_MALFORMED);
			return;
		}
		rte_pktmbuf_append(m, (uint16_t)data_len);
	}
	if (rte_pktmbuf_trim(m, (uint16_t)(m->pkt_len - data_len)) != 0 || m->nb_segs != 1) {
		rb_drop(lc, m, RB_DROP_PROXY_UDP_MALFORMED);
		return;
	}
	memmove(rte_pktmbuf_mtod(m, uint8_t *), data, data_len);
	if (s->nat) {
		if (proxy_udp_host_send(s->nat, m) != 0)
			return; /* counted there (send_fail, pending) */
	} else if (udp_send(s->up, m, NULL) != 0) {
		rb_count(lc, RB_EV_PROXY_UDP_SEND_FAIL);
		return;
	}
	s->last = lc->now;
	rb_count(lc, RB_EV_PROXY_UDP_UP);
	ul->wk->in[in->inbound].bytes_up += data_len;
	if (s->outbound < RB_CONN_MAX_TAGS)
		ul->wk->out[s->outbound].bytes_up += data_len;
}

/* A 2022 inbound: PSK (the iPSK with users), its own users table (not the
 * TCP side's, which a reload may rebuild), the client session table. */
static int in22_init(struct rb_lcore *lc, struct ss_uin *in, const struct rb_cfg_inbound *c,
		     const struct ss_method *m)
{
	uint8_t key[SS_MAX_KEY];
	uint64_t seed;
	int rc = -EINVAL;

	if (ss2022_psk_decode(m, c->password, in->master) != 0)
		return -EINVAL;
	if (c->n_users > 0) {
		in->users = calloc(1, sizeof(*in->users));
		if (in->users == NULL)
			return -ENOMEM;
		if (ss_eih_users_init(in->users, m, in->master) != 0) {
			free(in->users);
			in->users = NULL;
			return -EINVAL;
		}
		for (int u = 0; u < c->n_users; u++) {
			rc = ss2022_psk_decode(m, c->users[u].password, key) == 0 &&
					     ss_eih_users_add(in->users, key, (uint32_t)u) == 0
				     ? 0
				     : -EINVAL;
			if (rc != 0)
				goto out;
		}
	}
	in->srv22 = calloc(1, sizeof(*in->srv22));
	if (in->srv22 == NULL || rb_rand_bytes(&lc->rand, &seed, sizeof(seed)) != 0) {
		rc = -ENOMEM;
		goto out;
	}
	rc = ss22_usrv_init(in->srv22, m, in->master, in->users, SS22_SESS_MAX, seed) == SS_OK
		     ? 0
		     : -ENOMEM;
	if (rc != 0) {
		free(in->srv22);
		in->srv22 = NULL;
	}
out:
	explicit_bzero(key, sizeof(key));
	return rc; /* on failure, rb_ss_udp_lcore_fini frees the rest */
}

static void in22_fini(struct ss_uin *in)
{
	if (in->srv22) {
		ss22_usrv_free(in->srv22);
		free(in->srv22);
		in->srv22 = NULL;
	}
	if (in->users) {
		ss_eih_users_free(in->users);
		free(in->users);
		in->users = NULL;
	}
}

int rb_ss_udp_lcore_init(struct rb_lcore *lc, const struct rb_cfg_proxy *p,
			 struct rb_conn_worker *wk)
{
	struct ss_ulcore *ul = NULL;
	int err = 0;

	if (lc->worker >= RB_MAX_LCORES)
		return 0;
	for (int i = 0; i < p->n_inbounds; i++) {
		const struct rb_cfg_inbound *c = &p->inbounds[i];
		struct ss_uin *in;

		if (c->type != RB_IN_SHADOWSOCKS || c->network == RB_CFG_NET_TCP)
			continue;
		if (ul == NULL) {
			ul = aligned_alloc(64, (sizeof(*ul) + 63) & ~(size_t)63);
			if (ul == NULL)
				return -ENOMEM;
			memset(ul, 0, sizeof(*ul));
			ul->lc = lc;
			ul->cfg = p;
			ul->wk = wk;
			for (int k = SS_UDP_SESS_MAX - 1; k >= 0; k--) {
				ul->sess[k].next = ul->free;
				ul->free = &ul->sess[k];
			}
			ss_ulcores[lc->worker] = ul;
		}
		in = &ul->in[i];
		in->ul = ul;
		in->inbound = (uint16_t)i;
		in->idle_s = c->udp_timeout_s ? c->udp_timeout_s : 300;
		if (c->n_dests > 0) {
			in->relay = 1; /* keys: ss_dest.c's per-worker tables */
		} else if (ss_kind_of(c->ss_method, &in->m) == SS_KIND_UNWIRED) {
			const struct ss_method *m22 =
				c->ss_method >= RB_SS_2022_BLAKE3_AES_128_GCM
					? ss2022_method_find(rb_cfg_ss_method_name(c->ss_method))
					: NULL;

			if (m22 == NULL)
				return -EINVAL;
			if ((err = in22_init(lc, in, c, m22)) != 0)
				return err;
		} else if (in->m && ss_master_key(in->m, c->password, in->master) != 0) {
			return -EINVAL;
		}
		in->sock = udp_bind(lc, c->listen.family, c->listen.family ? c->listen.addr : NULL,
				    c->listen_port, in_recv, in, &err);
		if (in->sock == NULL)
			return err ? err : -ENOMEM;
	}
	return 0;
}

void rb_ss_udp_lcore_poll(struct rb_lcore *lc)
{
	struct ss_ulcore *ul = lc->worker < RB_MAX_LCORES ? ss_ulcores[lc->worker] : NULL;

	if (ul == NULL || lc->now < ul->next_scan)
		return;
	ul->next_scan = lc->now + rte_get_tsc_hz() / 4;
	for (unsigned k = 0; k < SS_UDP_SESS_MAX; k++) {
		struct ss_usess *s = &ul->sess[k];

		if (s->in && (lc->now - s->last > s->idle || s->gone ||
			      (s->nat && proxy_udp_host_expired(s->nat)))) {
			rb_count(lc, RB_EV_PROXY_UDP_TIMEOUT);
			sess_free(ul, s);
		}
	}
	/* 2022 client sessions without flows, quiet for max(idle, 60 s) */
	for (int i = 0; i < RB_MAX_INBOUNDS; i++)
		if (ul->in[i].srv22 && ul->in[i].srv22->live)
			ss22_usrv_expire(ul->in[i].srv22, ss22_udp_now(), ul->in[i].idle_s);
}

void rb_ss_udp_lcore_fini(struct rb_lcore *lc)
{
	struct ss_ulcore *ul = lc->worker < RB_MAX_LCORES ? ss_ulcores[lc->worker] : NULL;

	if (ul == NULL)
		return;
	for (unsigned k = 0; k < SS_UDP_SESS_MAX; k++)
		if (ul->sess[k].in)
			sess_free(ul, &ul->sess[k]);
	for (int i = 0; i < RB_MAX_INBOUNDS; i++) {
		if (ul->in[i].sock)
			udp_close(ul->in[i].sock);
		in22_fini(&ul->in[i]);
	}
	ss_udp_burst_wipe(&ul->burst);
	explicit_bzero(ul, sizeof(*ul));
	free(ul);
	ss_ulcores[lc->worker] = NULL;
}
