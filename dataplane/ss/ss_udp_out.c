/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The `shadowsocks` outbound's UDP (SIP004 AEAD UDP, `none`, and SIP022
 * 2022-blake3-*): one socket per NAT session (udp_relay.c, udp_out.h) from
 * udp_open() to the server, so that its replies hash back to this lcore.
 *
 * 2022 (ss_udp22_sess.h): one client session per NAT session, its id drawn
 * at random, packet ids counted from 0; identity headers for an
 * `iPSK:...:uPSK` password (SIP023).  Replies: the server session learnt
 * from them (a new one refused while the old one is less than 60 s quiet,
 * SIP022 3.2.4), each with its packet-id window; drops counted
 * (ss_udp_auth, ss_udp_time, ss_udp_replay, ss_udp_session: another
 * client session or a refused server session, ss_udp_malformed).
 *
 *   send: [salt][sealed: SOCKS5 address of the destination + payload][tag],
 *         a fresh salt per packet (a domain destination goes as a domain:
 *         the server resolves it, needs_ip = 0)
 *   recv: opened; the address inside is the one that answered (what the
 *         client's SOCKS5 header will name); packets that do not open or
 *         carry no valid address are dropped and counted (ss_udp_auth,
 *         ss_udp_malformed)
 *
 * Over a detour (udp_policy.h rb_udp_chain: socks5 and shadowsocks hops down
 * to `direct`) the packets go inside the detour's UDP session toward the
 * server (udp_out.h proxy_udp_via: Shadowsocks UDP in SOCKS5 UDP, in
 * Shadowsocks UDP, ...), and the server may be a name (the hop below
 * carries it).  Without one, a server name is resolved first by the
 * control's resolver (rb_resolve_start, the `dns` strategy; cancelled when
 * the session ends first); open answers 1 meanwhile, so udp_relay.c holds
 * the client's datagrams (UDP_PENDING_MAX, beyond: proxy_udp_pending).  A
 * name that does not resolve ends the session (ss_udp_resolve).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "../proxy/proxy_priv.h"
#include "../proxy/rb_route_api.h"
#include "../proxy/udp_out.h"
#include "../proxy/udp_policy.h"
#include "../rb_lcore.h"
#include "../udp/udp.h"
#include "ss_proxy.h"
#include "ss_relay.h"
#include "ss_udp.h"
#include "ss_udp22_sess.h"
#include "ss_uot_dp.h"

struct ss_uo {
	void *uot;                 /* udp_over_tcp: ss_uot_out.c's stream instead */
	struct proxy_udp_via via;  /* toward the server (direct, or the detour's UDP) */
	struct udp_nat *n;
	const struct ss_method *m; /* NULL: none */
	uint8_t master[SS_MAX_KEY];
	struct ss22_ucli *cli22;   /* 2022 methods: the client session */
	struct rb_dest server;     /* no detour, a name: resolved into here */
	uint8_t resolving, in_open;
	int res_err;
};

/* 2022: open a reply in place; the payload and who answered, or -1
 * (dropped and counted). */
static int open22(struct rb_lcore *lc, struct ss_uo *u, uint8_t *pkt, uint32_t len,
		  struct rb_dest *src, const uint8_t **data, uint32_t *data_len)
{
	struct ss22_udp_in in;

	switch (ss22_ucli_open(lc->aead, u->cli22, pkt, len, ss22_udp_now(), &in)) {
	case SS_OK:
		break;
	case SS2022_ERR_TIME:
		return rb_drop_count(lc, RB_DROP_SS_UDP_TIME), -1;
	case SS2022_ERR_REPLAY:
		return rb_drop_count(lc, RB_DROP_SS_UDP_REPLAY), -1;
	case SS2022_ERR_SALT:
		return rb_drop_count(lc, RB_DROP_SS_UDP_SESSION), -1;
	case SS2022_ERR_TYPE:
	case SS2022_ERR_PADDING:
	case SS2022_ERR_ADDR:
		return rb_drop_count(lc, RB_DROP_SS_UDP_MALFORMED), -1;
	default:
		return rb_drop_count(lc, RB_DROP_SS_UDP_AUTH), -1;
	}
	memset(src, 0, sizeof(*src));
	src->family = (uint8_t)in.target.family;
	memcpy(src->addr, in.target.addr, 16);
	src->port = in.target.port;
	if (in.target.family == 0)
		snprintf(src->domain, sizeof(src->domain), "%s", in.target.host);
	*data = in.data;
	*data_len = in.data_len;
	return 0;
}

static struct ss_lcore *lcore_of(struct udp_nat *n)
{
	return ss_lcore_get(proxy_udp_nat_lcore(n), proxy_udp_nat_cfg(n));
}

/* The payload data[0..dlen) of reply m (taken) to the client from src: in
 * m itself when it is one segment (the payload is shorter), else (a
 * reassembled reply, a chain) in a new chain. */
static void deliver(struct ss_uo *u, struct rte_mbuf *m, const uint8_t *data, uint32_t dlen,
		    const struct rb_dest *src)
{
	struct rb_lcore *lc = proxy_udp_nat_lcore(u->n);

	if (m->nb_segs == 1) {
		memmove(rte_pktmbuf_mtod(m, uint8_t *), data, dlen);
		rte_pktmbuf_trim(m, (uint16_t)(m->pkt_len - dlen));
	} else {
		rte_pktmbuf_free(m);
		m = proxy_mbuf_from(lc, data, dlen); /* counts no_mbuf */
		if (m == NULL)
			return;
	}
	proxy_udp_out_recv(u->n, m, src);
}

static void uo_recv(void *arg, struct rte_mbuf *m)
{
	struct ss_uo *u = arg;
	struct rb_lcore *lc = proxy_udp_nat_lcore(u->n);
	struct ss_lcore *sl = lcore_of(u->n);
	uint32_t len = m->pkt_len;
	const uint8_t *plain;
	struct rb_dest src;
	char host[RB_DOMAIN_MAX + 1];
	int family = 0, alen;

	if (sl == NULL || len > sizeof(sl->tmp_in)) {
		rb_drop(lc, m, RB_DROP_SS_UDP_MALFORMED);
		return;
	}
	/* contiguous: a reassembled reply (a chain) is copied out */
	plain = rte_pktmbuf_read(m, 0, len, sl->tmp_out);
	if (plain == NULL) {
		rb_drop(lc, m, RB_DROP_SS_UDP_MALFORMED);
		return;
	}
	if (u->cli22) {
		/* opened in place, in tmp_in */
		const uint8_t *data;
		uint32_t dlen;

		memcpy(sl->tmp_in, plain, len);
		if (open22(lc, u, sl->tmp_in, len, &src, &data, &dlen) != 0) {
			rte_pktmbuf_free(m);
			return;
		}
		deliver(u, m, data, dlen, &src);
		return;
	}
	if (u->m) {
		struct ss_udp_pkt p = {.in = plain, .len = len, .out = sl->tmp_in};

		if (ss_udp_open(lc->aead, &sl->ub, u->m, u->master, &p, 1) != 0) {
			rb_drop(lc, m, RB_DROP_SS_UDP_AUTH);
			return;
		}
		plain = sl->tmp_in;
		len = (uint32_t)p.out_len;
	}
	memset(&src, 0, sizeof(src));
	alen = ss_addr_parse(plain, len, &family, src.addr, host, sizeof(host), &src.port);
	if (alen <= 0) {
		rb_drop(lc, m, RB_DROP_SS_UDP_MALFORMED);
		return;
	}
	src.family = (uint8_t)family;
	if (family == 0)
		snprintf(src.domain, sizeof(src.domain), "%s", host);
	deliver(u, m, plain + alen, len - (uint32_t)alen, &src);
}

/* The server name's answer: the direct socket toward it, then ready
 * (unless still inside open, which returns the result itself). */
static void uo_resolved(void *arg, int family, const uint8_t *addr, int err)
{
	struct ss_uo *u = arg;

	u->resolving = 0;
	if (err == 0 && (family == AF_INET || family == AF_INET6)) {
		u->server.family = (uint8_t)family;
		memset(u->server.addr, 0, sizeof(u->server.addr));
		memcpy(u->server.addr, addr, family == AF_INET ? 4 : 16);
		err = proxy_udp_via_open(&u->via, u->n, -1, &u->server, uo_recv, u);
	} else {
		rb_drop_count(proxy_udp_nat_lcore(u->n), RB_DROP_SS_UDP_RESOLVE);
		err = -EHOSTUNREACH;
	}
	u->res_err = err;
	if (!u->in_open)
		proxy_udp_out_ready(u->n, err); /* may close u */
}

/* 1: under way; 0 or < 0: answered at once (cache) or could not start. */
static int uo_resolve(struct ss_uo *u)
{
	u->resolving = u->in_open = 1;
	if (rb_resolve_start(proxy_udp_nat_lcore(u->n), u->server.domain, 0, uo_resolved, u) < 0) {
		u->resolving = 0;
		rb_drop_count(proxy_udp_nat_lcore(u->n), RB_DROP_SS_UDP_RESOLVE);
		u->res_err = -EHOSTUNREACH;
	}
	u->in_open = 0;
	return u->resolving ? 1 : u->res_err;
}

static int uo_open(struct udp_nat *n, uint16_t ob)
{
	const struct rb_cfg_proxy *p = proxy_udp_nat_cfg(n);
	const struct rb_cfg_outbound *o = &p->outbounds[ob];
	uint16_t hops[RB_MAX_CHAIN_HOPS];
	struct ss_uo *u;
	int k, err;

	if (o->uot_version) { /* sing-box UDP over TCP: one stream per session */
		int rc;

		u = calloc(1, sizeof(*u));
		if (u == NULL)
			return -ENOMEM;
		u->n = n;
		*proxy_udp_nat_state(n) = u;
		rc = ss_uot_out_open(n, ob, &u->uot);
		if (rc < 0) {
			*proxy_udp_nat_state(n) = NULL;
			free(u);
		}
		return rc;
	}
	k = rb_udp_chain(p, ob, hops, RB_MAX_CHAIN_HOPS);
	if (k < 0)
		return k == -EACCES ? -EACCES : -EOPNOTSUPP; /* a hop below carries no UDP */
	u = calloc(1, sizeof(*u));
	if (u == NULL)
		return -ENOMEM;
	u->n = n;
	if (ss_kind_of(o->ss_method, &u->m) == SS_KIND_UNWIRED) {
		const struct ss_method *m22 =
			o->ss_method >= RB_SS_2022_BLAKE3_AES_128_GCM
				? ss2022_method_find(rb_cfg_ss_method_name(o->ss_method))
				: NULL;
		uint8_t sid[8];

		u->cli22 = m22 ? calloc(1, sizeof(*u->cli22)) : NULL;
		if (u->cli22 == NULL ||
		    rb_rand_bytes(&proxy_udp_nat_lcore(n)->rand, sid, sizeof(sid)) != 0 ||
		    ss22_ucli_init(u->cli22, m22, o->password, sid) != SS_OK) {
			free(u->cli22);
			free(u);
			return m22 ? -ENOMEM : -EINVAL;
		}
	} else if (u->m && ss_master_key(u->m, o->password, u->master) != 0) {
		free(u);
		return -EINVAL;
	}
	{
		struct rb_dest *server = &u->server;

		server->family = o->server.family;
		memcpy(server->addr, o->server.addr, 16);
		if (o->server.family == 0)
			snprintf(server->domain, sizeof(server->domain), "%s", o->server.name);
		server->port = o->server_port;
		/* state first: a detour's session may call back before open returns */
		*proxy_udp_nat_state(n) = u;
		if (k <= 1 && server->family == 0)
			err = uo_resolve(u);
		else
			err = proxy_udp_via_open(&u->via, n, k > 1 ? hops[k - 2] : -1, server, uo_recv,
						 u);
	}
	if (err < 0) {
		*proxy_udp_nat_state(n) = NULL;
		if (u->cli22) {
			ss22_ucli_free(u->cli22);
			free(u->cli22);
		}
		explicit_bzero(u, sizeof(*u));
		free(u);
		return err;
	}
	return err; /* 1: the detour's session is opening */
}

static int uo_send(struct udp_nat *n, struct rte_mbuf *m, const struct rb_dest *dst)
{
	struct ss_uo *u = *proxy_udp_nat_state(n);
	struct rb_lcore *lc = proxy_udp_nat_lcore(n);
	struct ss_lcore *sl = lcore_of(n);
	uint32_t len = m->pkt_len;
	uint8_t salt[SS_MAX_SALT];
	const uint8_t *src;
	struct rte_mbuf *o;
	size_t plen;
	int alen;

	if (u && u->uot)
		return ss_uot_out_send(u->uot, m, dst);
	if (sl == NULL) {
		rte_pktmbuf_free(m);
		return -ENOMEM;
	}
	alen = dst->domain[0] ? ss_addr_write(sl->tmp_in, 0, dst->addr, dst->domain, dst->port)
			      : ss_addr_write(sl->tmp_in, dst->family, dst->addr, NULL, dst->port);
	if (alen < 0 || (size_t)alen + len + SS_MAX_SALT + SS_TAG_LEN > sizeof(sl->tmp_in)) {
		rte_pktmbuf_free(m);
		return -EMSGSIZE;
	}
	src = rte_pktmbuf_read(m, 0, len, sl->tmp_in + alen);
	if (src != sl->tmp_in + alen)
		memcpy(sl->tmp_in + alen, src, len);
	rte_pktmbuf_free(m);
	plen = (size_t)alen + len;
	if (u->cli22) {
		uint8_t rnd[SS22_UDP_XNONCE + 4];
		uint16_t pad;
		int r;

		if (rb_rand_bytes(&lc->rand, rnd, sizeof(rnd)) != 0)
			return -EIO;
		pad = ss22_udp_pad(dst->port, len, (uint32_t)rnd[24] << 8 | rnd[25]);
		if (ss22_ucli_seal_size(u->cli22, (size_t)alen, pad, len) > sizeof(sl->tmp_out))
			return -EMSGSIZE;
		r = ss22_ucli_seal(lc->aead, u->cli22, sl->tmp_in, (uint16_t)alen, pad,
				   sl->tmp_in + alen, len, rnd, sl->tmp_out, ss22_udp_now());
		if (r < 0)
			return -EIO;
		src = sl->tmp_out;
		plen = (size_t)r;
	} else if (u->m) {
		struct ss_udp_pkt p = {.in = sl->tmp_in, .len = (uint32_t)plen, .out = sl->tmp_out,
				       .salt = salt};

		if (rb_rand_bytes(&lc->rand, salt, u->m->key_len) != 0 ||
		    ss_udp_seal(lc->aead, &sl->ub, u->m, u->master, &p, 1) != 0)
			return -EIO;
		src = sl->tmp_out;
		plen = (size_t)p.out_len;
	} else {
		src = sl->tmp_in;
	}
	o = rte_pktmbuf_alloc(lc->dp->pool);
	if (o == NULL) {
		rb_drop_count(lc, RB_DROP_NO_MBUF);
		return -ENOBUFS;
	}
	if (rte_pktmbuf_tailroom(o) < plen) {
		rte_pktmbuf_free(o);
		return -EMSGSIZE;
	}
	memcpy(rte_pktmbuf_append(o, (uint16_t)plen), src, plen);
	return proxy_udp_via_send(&u->via, o);
}

static void uo_close(struct udp_nat *n)
{
	void **st = proxy_udp_nat_state(n);
	struct ss_uo *u = *st;

	if (u == NULL)
		return;
	if (u->resolving)
		rb_resolve_cancel(proxy_udp_nat_lcore(n), uo_resolved, u);
	if (u->uot)
		ss_uot_out_close(u->uot);
	else
		proxy_udp_via_close(&u->via);
	if (u->cli22) {
		ss22_ucli_free(u->cli22);
		free(u->cli22);
	}
	explicit_bzero(u, sizeof(*u));
	free(u);
	*st = NULL;
}

const struct rb_udp_outbound_ops rb_ss_udp_outbound_ops = {
	.name = "shadowsocks",
	.needs_ip = 0,
	.open = uo_open,
	.send = uo_send,
	.close = uo_close,
};
