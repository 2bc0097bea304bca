/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The `shadowsocks` outbound's UDP (SIP004 AEAD UDP, and `none`): one
 * socket per NAT session (udp_relay.c, udp_out.h) from udp_open() to the
 * server, so that its replies hash back to this lcore.
 *
 *   send: [salt][sealed: SOCKS5 address of the destination + payload][tag],
 *         a fresh salt per packet (a domain destination goes as a domain:
 *         the server resolves it, needs_ip = 0)
 *   recv: opened; the address inside is the one that answered (what the
 *         client's SOCKS5 header will name); packets that do not open or
 *         carry no valid address are dropped and counted (ss_udp_auth,
 *         ss_udp_malformed)
 *
 * The server must be an IP address, and the outbound may detour only
 * through `direct` (UDP through another proxy hop is not done).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "../proxy/udp_out.h"
#include "../rb_lcore.h"
#include "../udp/udp.h"
#include "ss_proxy.h"
#include "ss_relay.h"
#include "ss_udp.h"

struct ss_uo {
	struct udp_sock *sock;
	struct udp_nat *n;
	const struct ss_method *m; /* NULL: none */
	uint8_t master[SS_MAX_KEY];
};

static struct ss_lcore *lcore_of(struct udp_nat *n)
{
	return ss_lcore_get(proxy_udp_nat_lcore(n), proxy_udp_nat_cfg(n));
}

static void uo_recv(struct udp_sock *sock, struct rte_mbuf *m, const struct udp_peer *from,
		    void *arg)
{
	struct ss_uo *u = arg;
	struct rb_lcore *lc = proxy_udp_nat_lcore(u->n);
	struct ss_lcore *sl = lcore_of(u->n);
	uint32_t len = m->pkt_len;
	const uint8_t *plain;
	struct rb_dest src;
	char host[RB_DOMAIN_MAX + 1];
	int family = 0, alen;

	(void)sock;
	(void)from;
	if (sl == NULL || len > sizeof(sl->tmp_in) || m->nb_segs != 1) {
		rb_drop(lc, m, RB_DROP_SS_UDP_MALFORMED);
		return;
	}
	plain = rte_pktmbuf_mtod(m, const uint8_t *);
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
	/* the payload into the mbuf it came in (it is shorter) */
	memmove(rte_pktmbuf_mtod(m, uint8_t *), plain + alen, len - (uint32_t)alen);
	rte_pktmbuf_trim(m, (uint16_t)(m->pkt_len - (len - (uint32_t)alen)));
	proxy_udp_out_recv(u->n, m, &src);
}

static int uo_open(struct udp_nat *n, uint16_t ob)
{
	const struct rb_cfg_proxy *p = proxy_udp_nat_cfg(n);
	const struct rb_cfg_outbound *o = &p->outbounds[ob];
	struct ss_uo *u;
	int err = 0;

	if (o->detour_idx >= 0 &&
	    (o->detour_idx >= p->n_outbounds || p->outbounds[o->detour_idx].type != RB_OUT_DIRECT))
		return -EOPNOTSUPP; /* UDP through another proxy hop: not done */
	if (o->server.family != AF_INET && o->server.family != AF_INET6)
		return -EHOSTUNREACH; /* a server name is not resolved on this path */
	u = calloc(1, sizeof(*u));
	if (u == NULL)
		return -ENOMEM;
	u->n = n;
	if (ss_kind_of(o->ss_method, &u->m) == SS_KIND_UNWIRED ||
	    (u->m && ss_master_key(u->m, o->password, u->master) != 0)) {
		free(u);
		return -EINVAL;
	}
	u->sock = udp_open(proxy_udp_nat_lcore(n), o->server.family, o->server.addr,
			   o->server_port, uo_recv, u, &err);
	if (u->sock == NULL) {
		explicit_bzero(u, sizeof(*u));
		free(u);
		return err ? err : -ENOMEM;
	}
	*proxy_udp_nat_state(n) = u;
	return 0;
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
	if (u->m) {
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
	return udp_send(u->sock, o, NULL);
}

static void uo_close(struct udp_nat *n)
{
	void **st = proxy_udp_nat_state(n);
	struct ss_uo *u = *st;

	if (u == NULL)
		return;
	udp_close(u->sock);
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
