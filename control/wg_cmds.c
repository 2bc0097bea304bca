/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * WireGuard ctl commands (dataplane/wireguard/README.md, "ctl"):
 *   wg show [TAG]                 endpoints and peers, like wg(8) `show`
 *   wg add TAG PUBKEY allowed-ips CIDR[,CIDR...] [endpoint IP:PORT]
 *          [psk KEY] [keepalive S] [reserved A,B,C]
 *   wg remove TAG PUBKEY
 *   generate wg-keypair           a fresh X25519 key pair (base64)
 * and the per-peer metrics.  Peer state comes from the dataplane one peer
 * per RB_MSG_WG_GET reply; adds and removes are RB_MSG_WG_PEER_ADD/REMOVE,
 * followed by a route-table publication so that the FIB is rebuilt with
 * the new allowed-IPs prefixes.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "rb_wg_ctl.h"
#include "config/rb_cfg_wg.h"

#define WG_CTL_MAX_PEERS 4096
#define WG_CTL_MAX_AIPS  64

struct wg_peer_info {
	struct rb_msg_wg_peer p;                 /* first reply (aips ignored) */
	struct rb_msg_wg_aip aips[WG_CTL_MAX_AIPS];
	int n_aips;
};

struct wg_ep_info {
	struct rb_msg_wg_peer e;
	int n;
	struct wg_peer_info *peers;
};

static void key_b64(char out[45], const uint8_t k[32])
{
	EVP_EncodeBlock((unsigned char *)out, k, 32);
	out[44] = 0;
}

/* Canonical base64 of 32 bytes; 0 or -1. */
static int key_parse(uint8_t k[32], const char *s)
{
	unsigned char buf[48];
	char back[45];

	if (strlen(s) != 44 || s[43] != '=' || EVP_DecodeBlock(buf, (const unsigned char *)s, 44) != 33)
		return -1;
	memcpy(k, buf, 32);
	key_b64(back, k);
	OPENSSL_cleanse(buf, sizeof(buf));
	if (strcmp(back, s)) {
		OPENSSL_cleanse(back, sizeof(back));
		return -1;
	}
	OPENSSL_cleanse(back, sizeof(back));
	return 0;
}

static void reply_err(struct rb_json *j, const char *cmd, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void reply_err(struct rb_json *j, const char *cmd, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	rb_ctl_error_reply(j, cmd, msg);
}

static int ep_index(const struct rb_ctl *c, const char *tag)
{
	if (!c->cfg_loaded || !c->cfg.wg)
		return -1;
	for (int e = 0; e < c->cfg.wg->n; e++)
		if (!strcmp(c->cfg.wg->ep[e].tag, tag))
			return e;
	return -1;
}

static const char *ep_tag(const struct rb_ctl *c, int e, char *b, size_t n)
{
	if (c->cfg_loaded && c->cfg.wg && e < c->cfg.wg->n)
		return c->cfg.wg->ep[e].tag;
	snprintf(b, n, "wg%d", e);
	return b;
}

/* One RB_MSG_WG_GET round trip; 0, -errno, or 1 (no such peer/endpoint). */
static int get(struct rb_ctl *c, uint32_t ep, uint32_t peer, uint32_t off, struct rb_msg *rep,
	       char *err, size_t errlen)
{
	struct rb_msg m;
	int rc;

	rb_msg_init(&m, RB_MSG_WG_GET, 0);
	m.u.wg_get.ep = ep;
	m.u.wg_get.peer = peer;
	m.u.wg_get.aip_off = off;
	m.length = sizeof(m.u.wg_get);
	rc = rb_ctl_dp_request(c, &m, rep);
	if (rc < 0) {
		snprintf(err, errlen, "dataplane: %s", strerror(-rc));
		return rc;
	}
	if (rep->status == RB_MSG_ST_INVALID)
		return 1;
	if (rep->status != RB_MSG_ST_OK) {
		snprintf(err, errlen, "dataplane: %.200s", rep->u.text);
		return -EPROTO;
	}
	return 0;
}

static void free_eps(struct wg_ep_info *eps, int n)
{
	for (int e = 0; e < n; e++)
		free(eps[e].peers);
	free(eps);
}

/* Every endpoint and peer of the dataplane.  Returns the endpoint count
 * (*out set, free with free_eps) or -1 with err. */
static int collect(struct rb_ctl *c, struct wg_ep_info **out, char *err, size_t errlen)
{
	struct wg_ep_info *eps = NULL;
	struct rb_msg rep;
	uint32_t n_eps;
	int rc;

	rc = get(c, 0, RB_WG_GET_ENDPOINT, 0, &rep, err, errlen);
	if (rc == 1) {
		*out = NULL;
		return 0;
	}
	if (rc < 0)
		return -1;
	n_eps = rep.u.wg_peer.n_eps;
	if (n_eps == 0 || n_eps > RB_WG_MAX_ENDPOINTS) {
		snprintf(err, errlen, "dataplane: bad endpoint count %u", n_eps);
		return -1;
	}
	eps = calloc(n_eps, sizeof(*eps));
	if (!eps) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (uint32_t e = 0; e < n_eps; e++) {
		struct wg_ep_info *ei = &eps[e];
		uint32_t np;

		if (get(c, e, RB_WG_GET_ENDPOINT, 0, &rep, err, errlen) != 0)
			goto fail;
		ei->e = rep.u.wg_peer;
		np = ei->e.n_peers < WG_CTL_MAX_PEERS ? ei->e.n_peers : WG_CTL_MAX_PEERS;
		ei->peers = calloc(np ? np : 1, sizeof(*ei->peers));
		if (!ei->peers) {
			snprintf(err, errlen, "out of memory");
			goto fail;
		}
		for (uint32_t k = 0; k < np; k++) {
			struct wg_peer_info *pi = &ei->peers[ei->n];
			uint32_t off = 0;

			rc = get(c, e, k, 0, &rep, err, errlen);
			if (rc == 1)
				break;          /* removed meanwhile */
			if (rc < 0)
				goto fail;
			pi->p = rep.u.wg_peer;
			for (;;) {
				const struct rb_msg_wg_peer *r = &rep.u.wg_peer;

				for (int i = 0; i < r->n_aips_here && pi->n_aips < WG_CTL_MAX_AIPS; i++)
					pi->aips[pi->n_aips++] = r->aips[i];
				off += r->n_aips_here;
				if (r->n_aips_here == 0 || off >= r->n_aips || off >= WG_CTL_MAX_AIPS)
					break;
				if (get(c, e, k, off, &rep, err, errlen) != 0)
					break;
				if (memcmp(rep.u.wg_peer.pub, pi->p.pub, 32))
					break;  /* the peer at k changed */
			}
			ei->n++;
		}
	}
	*out = eps;
	return (int)n_eps;
fail:
	free_eps(eps, (int)n_eps);
	return -1;
}

static void fmt_endpoint(const struct rb_msg_wg_peer *p, char *b, size_t n)
{
	char a[INET6_ADDRSTRLEN];

	if (!p->ep_family) {
		snprintf(b, n, "(none)");
		return;
	}
	inet_ntop(p->ep_family == AF_INET6 ? AF_INET6 : AF_INET, p->ep_addr, a, sizeof(a));
	snprintf(b, n, p->ep_family == AF_INET6 ? "[%s]:%u" : "%s:%u", a, p->ep_port);
}

static void fmt_aip(const struct rb_msg_wg_aip *x, char *b, size_t n)
{
	char a[INET6_ADDRSTRLEN];

	inet_ntop(x->family == AF_INET6 ? AF_INET6 : AF_INET, x->addr, a, sizeof(a));
	snprintf(b, n, "%s/%u", a, x->plen);
}

/* Bytes as wg(8) prints them. */
static void fmt_bytes(uint64_t v, char *b, size_t n)
{
	static const char *const u[] = {"B", "KiB", "MiB", "GiB", "TiB"};
	double d = (double)v;
	int i = 0;

	while (d >= 1024 && i < 4) {
		d /= 1024;
		i++;
	}
	if (i == 0)
		snprintf(b, n, "%llu B", (unsigned long long)v);
	else
		snprintf(b, n, "%.2f %s", d, u[i]);
}

struct text {
	char *b;
	size_t len, cap;
};

static void tf(struct text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void tf(struct text *t, const char *fmt, ...)
{
	char line[1024];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(line))
		n = sizeof(line) - 1;
	if (t->len + (size_t)n + 1 > t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 4096;
		char *nb;

		while (cap < t->len + (size_t)n + 1)
			cap *= 2;
		nb = realloc(t->b, cap);
		if (!nb)
			return;
		t->b = nb;
		t->cap = cap;
	}
	memcpy(t->b + t->len, line, (size_t)n + 1);
	t->len += (size_t)n;
}

int rb_wg_cmd_show(struct rb_ctl *c, const struct rb_ctl_req *req, struct rb_json *j)
{
	uint64_t now = rb_shm_real_ns() / 1000000000ull;
	struct wg_ep_info *eps = NULL;
	struct text t = {0};
	char err[256], b[128], tb[RB_NAME_LEN];
	int n, only = -1;

	if (req->argc == 1 && (only = ep_index(c, req->argv[0])) < 0) {
		reply_err(j, "/wg/show", "no wireguard endpoint '%.64s'", req->argv[0]);
		return -1;
	}
	n = collect(c, &eps, err, sizeof(err));
	if (n < 0) {
		rb_ctl_error_reply(j, "/wg/show", err);
		return -1;
	}
	rb_json_obj(j, NULL);
	rb_json_str(j, "command", "/wg/show");
	rb_json_bool(j, "ok", 1);
	rb_json_obj(j, "data");
	rb_json_arr(j, "endpoints");
	for (int e = 0; e < n; e++) {
		const struct wg_ep_info *ei = &eps[e];
		const char *tag = ep_tag(c, e, tb, sizeof(tb));

		if (only >= 0 && e != only)
			continue;
		rb_json_obj(j, NULL);
		rb_json_str(j, "interface", tag);
		key_b64(b, ei->e.pub);
		rb_json_str(j, "public_key", b);
		rb_json_u64(j, "listening_port", ei->e.listen_port);
		rb_json_u64(j, "mtu", ei->e.keepalive);
		tf(&t, "%sinterface: %s\n  public key: %s\n  private key: (hidden)\n"
		       "  listening port: %u\n", e && only < 0 ? "\n" : "", tag, b, ei->e.listen_port);
		rb_json_arr(j, "peers");
		for (int k = 0; k < ei->n; k++) {
			const struct wg_peer_info *pi = &ei->peers[k];
			const struct rb_msg_wg_peer *p = &pi->p;
			char ep[64], rx[32], tx[32];

			rb_json_obj(j, NULL);
			key_b64(b, p->pub);
			rb_json_str(j, "public_key", b);
			rb_json_u64(j, "id", p->id);
			fmt_endpoint(p, ep, sizeof(ep));
			if (p->ep_family)
				rb_json_str(j, "endpoint", ep);
			else
				rb_json_null(j, "endpoint");
			tf(&t, "\npeer: %s\n", b);
			if (p->ep_family)
				tf(&t, "  endpoint: %s\n", ep);
			rb_json_arr(j, "allowed_ips");
			tf(&t, "  allowed ips: ");
			for (int i = 0; i < pi->n_aips; i++) {
				fmt_aip(&pi->aips[i], b, sizeof(b));
				rb_json_str(j, NULL, b);
				tf(&t, "%s%s", i ? ", " : "", b);
			}
			tf(&t, "%s\n", pi->n_aips ? "" : "(none)");
			rb_json_arr_end(j);
			rb_json_u64(j, "latest_handshake", p->last_handshake);
			if (p->last_handshake) {
				uint64_t ago = now > p->last_handshake ? now - p->last_handshake : 0;

				rb_json_u64(j, "latest_handshake_ago_s", ago);
				tf(&t, "  latest handshake: %llu second%s ago\n",
				   (unsigned long long)ago, ago == 1 ? "" : "s");
			}
			rb_json_u64(j, "transfer_rx", p->rx_bytes);
			rb_json_u64(j, "transfer_tx", p->tx_bytes);
			rb_json_u64(j, "rx_packets", p->rx_packets);
			rb_json_u64(j, "tx_packets", p->tx_packets);
			rb_json_u64(j, "handshakes_initiated", p->hs_initiated);
			rb_json_u64(j, "handshakes_completed", p->hs_completed);
			rb_json_u64(j, "handshakes_failed", p->hs_failed);
			rb_json_u64(j, "persistent_keepalive", p->keepalive);
			fmt_bytes(p->rx_bytes, rx, sizeof(rx));
			fmt_bytes(p->tx_bytes, tx, sizeof(tx));
			if (p->rx_bytes || p->tx_bytes)
				tf(&t, "  transfer: %s received, %s sent\n", rx, tx);
			if (p->keepalive)
				tf(&t, "  persistent keepalive: every %u seconds\n", p->keepalive);
			rb_json_obj_end(j);
		}
		rb_json_arr_end(j);
		rb_json_obj_end(j);
	}
	rb_json_arr_end(j);
	rb_json_str(j, "text", t.b ? t.b : "");
	rb_json_obj_end(j);
	rb_json_obj_end(j);
	free(t.b);
	free_eps(eps, n);
	return 0;
}

static int parse_endpoint(const char *s, struct rb_msg_wg_add *a)
{
	char host[64];
	const char *colon = strrchr(s, ':');
	unsigned long port;
	char *end;
	size_t hl;

	if (!colon)
		return -1;
	hl = (size_t)(colon - s);
	if (s[0] == '[') {
		if (hl < 2 || s[hl - 1] != ']')
			return -1;
		s++;
		hl -= 2;
	}
	if (hl == 0 || hl >= sizeof(host))
		return -1;
	memcpy(host, s, hl);
	host[hl] = 0;
	port = strtoul(colon + 1, &end, 10);
	if (*end || port == 0 || port > 65535)
		return -1;
	if (inet_pton(AF_INET, host, a->ep_addr) == 1)
		a->ep_family = AF_INET;
	else if (inet_pton(AF_INET6, host, a->ep_addr) == 1)
		a->ep_family = AF_INET6;
	else
		return -1;
	a->ep_port = (uint16_t)port;
	return 0;
}

static int parse_aips(char *list, struct rb_msg_wg_add *a)
{
	char *save = NULL;

	for (char *p = strtok_r(list, ",", &save); p; p = strtok_r(NULL, ",", &save)) {
		struct rb_cidr cd;

		if (a->n_aips == RB_WG_MSG_AIPS_ADD || rb_cidr_parse(p, &cd) != 0)
			return -1;
		a->aips[a->n_aips].family = cd.family;
		a->aips[a->n_aips].plen = cd.plen;
		memcpy(a->aips[a->n_aips].addr, cd.addr, 16);
		a->n_aips++;
	}
	return 0;
}

/* Send an add/remove, then republish the routes (FIB rebuild). */
static int peer_change(struct rb_ctl *c, struct rb_msg *m, const char *cmd, struct rb_json *j)
{
	struct rb_msg rep;
	int rc = rb_ctl_dp_request(c, m, &rep), st;

	OPENSSL_cleanse(&m->u, sizeof(m->u));
	if (rc < 0) {
		reply_err(j, cmd, "dataplane: %s", strerror(-rc));
		return -1;
	}
	if (rep.status != RB_MSG_ST_OK) {
		reply_err(j, cmd, "dataplane: %.200s", rep.u.text);
		return -1;
	}
	st = rb_ctl_publish_routes(c);
	rb_json_obj(j, NULL);
	rb_json_str(j, "command", cmd);
	rb_json_bool(j, "ok", 1);
	rb_json_obj(j, "data");
	rb_json_str(j, "routes", st == 0 ? "rebuilt" : st > 0 ? "pending" : "rejected");
	rb_json_u64(j, "routes_generation", c->published_gen);
	rb_json_obj_end(j);
	rb_json_obj_end(j);
	return 0;
}

int rb_wg_cmd_add(struct rb_ctl *c, const struct rb_ctl_req *req, struct rb_json *j)
{
	static const char cmd[] = "/wg/add";
	struct rb_msg m;
	struct rb_msg_wg_add *a = &m.u.wg_add;
	int e = ep_index(c, req->argv[0]), i;
	char buf[RB_CTL_MAX_REQ];

	if (e < 0) {
		reply_err(j, cmd, "no wireguard endpoint '%.64s'", req->argv[0]);
		return -1;
	}
	rb_msg_init(&m, RB_MSG_WG_PEER_ADD, 0);
	a->ep = (uint32_t)e;
	if (key_parse(a->pub, req->argv[1]) != 0) {
		reply_err(j, cmd, "public key: not base64 of 32 bytes");
		return -1;
	}
	if ((req->argc - 2) % 2) {
		reply_err(j, cmd, "usage: %s", rb_ctl_cmds[RB_CTL_WG_ADD].usage);
		return -1;
	}
	for (i = 2; i + 1 < req->argc; i += 2) {
		const char *k = req->argv[i], *v = req->argv[i + 1];
		char *end;
		unsigned long n;

		snprintf(buf, sizeof(buf), "%s", v);
		if (!strcmp(k, "allowed-ips")) {
			if (parse_aips(buf, a) != 0) {
				reply_err(j, cmd, "allowed-ips: bad prefix or more than %d",
					  RB_WG_MSG_AIPS_ADD);
				goto bad;
			}
		} else if (!strcmp(k, "endpoint")) {
			if (parse_endpoint(v, a) != 0) {
				reply_err(j, cmd, "endpoint: want IP:PORT or [IPv6]:PORT");
				goto bad;
			}
		} else if (!strcmp(k, "psk") || !strcmp(k, "preshared-key")) {
			if (key_parse(a->psk, v) != 0) {
				reply_err(j, cmd, "psk: not base64 of 32 bytes");
				goto bad;
			}
			a->has_psk = 1;
		} else if (!strcmp(k, "keepalive") || !strcmp(k, "persistent-keepalive")) {
			n = strtoul(v, &end, 10);
			if (*end || n > 65535) {
				reply_err(j, cmd, "keepalive: seconds 0..65535");
				goto bad;
			}
			a->keepalive = (uint16_t)n;
		} else if (!strcmp(k, "reserved")) {
			const char *p = v;

			for (int r = 0; r < 3; r++) {
				n = strtoul(p, &end, 10);
				if (end == p || n > 255 || (r < 2 && *end != ',') || (r == 2 && *end)) {
					reply_err(j, cmd, "reserved: three bytes A,B,C");
					goto bad;
				}
				a->reserved[r] = (uint8_t)n;
				p = end + 1;
			}
		} else {
			reply_err(j, cmd, "unknown option '%.32s' (allowed-ips endpoint psk keepalive reserved)", k);
			goto bad;
		}
	}
	m.length = sizeof(*a);
	return peer_change(c, &m, cmd, j);
bad:
	OPENSSL_cleanse(&m, sizeof(m));
	return -1;
}

int rb_wg_cmd_remove(struct rb_ctl *c, const struct rb_ctl_req *req, struct rb_json *j)
{
	static const char cmd[] = "/wg/remove";
	int e = ep_index(c, req->argv[0]);
	struct rb_msg m;

	if (e < 0) {
		reply_err(j, cmd, "no wireguard endpoint '%.64s'", req->argv[0]);
		return -1;
	}
	rb_msg_init(&m, RB_MSG_WG_PEER_REMOVE, 0);
	m.u.wg_add.ep = (uint32_t)e;
	if (key_parse(m.u.wg_add.pub, req->argv[1]) != 0) {
		reply_err(j, cmd, "public key: not base64 of 32 bytes");
		return -1;
	}
	m.length = sizeof(m.u.wg_add);
	return peer_change(c, &m, cmd, j);
}

int rb_wg_cmd_keypair(struct rb_json *j)
{
	EVP_PKEY_CTX *pc = EVP_PKEY_CTX_new_id(EVP_PKEY_X25519, NULL);
	EVP_PKEY *k = NULL;
	uint8_t priv[32], pub[32];
	size_t lp = 32, lq = 32;
	char bp[45], bq[45];
	int ok;

	ok = pc && EVP_PKEY_keygen_init(pc) == 1 && EVP_PKEY_keygen(pc, &k) == 1 &&
	     EVP_PKEY_get_raw_private_key(k, priv, &lp) == 1 &&
	     EVP_PKEY_get_raw_public_key(k, pub, &lq) == 1 && lp == 32 && lq == 32;
	EVP_PKEY_free(k);
	EVP_PKEY_CTX_free(pc);
	if (!ok) {
		OPENSSL_cleanse(priv, sizeof(priv));
		rb_ctl_error_reply(j, "/generate/wg-keypair", "X25519 key generation failed");
		return -1;
	}
	key_b64(bp, priv);
	key_b64(bq, pub);
	rb_json_obj(j, NULL);
	rb_json_str(j, "command", "/generate/wg-keypair");
	rb_json_bool(j, "ok", 1);
	rb_json_obj(j, "data");
	rb_json_str(j, "private_key", bp);
	rb_json_str(j, "public_key", bq);
	rb_json_obj_end(j);
	rb_json_obj_end(j);
	OPENSSL_cleanse(priv, sizeof(priv));
	OPENSSL_cleanse(bp, sizeof(bp));
	return 0;
}

/* ---- metrics ---- */


static const struct {
	const char *name, *type, *help;
	size_t off;
} fams[] = {
	{"ringbox_wg_peer_rx_bytes_total", "counter", "Inner bytes received from the peer",
	 offsetof(struct rb_msg_wg_peer, rx_bytes)},
	{"ringbox_wg_peer_tx_bytes_total", "counter", "Inner bytes sent to the peer",
	 offsetof(struct rb_msg_wg_peer, tx_bytes)},
	{"ringbox_wg_peer_rx_packets_total", "counter", "Inner packets received from the peer",
	 offsetof(struct rb_msg_wg_peer, rx_packets)},
	{"ringbox_wg_peer_tx_packets_total", "counter", "Inner packets sent to the peer",
	 offsetof(struct rb_msg_wg_peer, tx_packets)},
	{"ringbox_wg_peer_handshakes_initiated_total", "counter",
	 "Handshake initiations sent to the peer", offsetof(struct rb_msg_wg_peer, hs_initiated)},
	{"ringbox_wg_peer_handshakes_completed_total", "counter",
	 "Handshakes completed with the peer", offsetof(struct rb_msg_wg_peer, hs_completed)},
	{"ringbox_wg_peer_handshakes_failed_total", "counter",
	 "Handshake messages from the peer that failed (decrypt, replay, flood)",
	 offsetof(struct rb_msg_wg_peer, hs_failed)},
	{"ringbox_wg_peer_latest_handshake_seconds", "gauge",
	 "Unix time of the latest completed handshake (0 = never)",
	 offsetof(struct rb_msg_wg_peer, last_handshake)},
};

void rb_wg_metrics_render(struct rb_ctl *c, struct rb_json *o)
{
	struct wg_ep_info *eps = NULL;
	char err[256], tb[RB_NAME_LEN], pub[45];
	int n;

	if (!c->dp_up || !c->shm || !c->cfg_loaded || !c->cfg.wg || !c->cfg.wg->n)
		return;
	n = collect(c, &eps, err, sizeof(err));
	if (n <= 0)
		return;
	rb_metrics_out(o, "# HELP ringbox_wg_peers Peers of the WireGuard endpoint\n"
	      "# TYPE ringbox_wg_peers gauge\n");
	for (int e = 0; e < n; e++)
		rb_metrics_out(o, "ringbox_wg_peers{endpoint=\"%s\"} %d\n", ep_tag(c, e, tb, sizeof(tb)),
		   eps[e].n);
	for (size_t f = 0; f < sizeof(fams) / sizeof(fams[0]); f++) {
		rb_metrics_out(o, "# HELP %s %s\n# TYPE %s %s\n", fams[f].name, fams[f].help, fams[f].name,
		   fams[f].type);
		for (int e = 0; e < n; e++)
			for (int k = 0; k < eps[e].n; k++) {
				uint64_t v;

				memcpy(&v, (const char *)&eps[e].peers[k].p + fams[f].off, 8);
				key_b64(pub, eps[e].peers[k].p.pub);
				rb_metrics_out(o, "%s{endpoint=\"%s\",peer=\"%s\"} %llu\n", fams[f].name,
				   ep_tag(c, e, tb, sizeof(tb)), pub, (unsigned long long)v);
			}
	}
	free_eps(eps, n);
}
