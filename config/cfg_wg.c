/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * `endpoints` of type "wireguard": declarative tables (config/schema.h),
 * base64 keys, and the cross checks (unique tags, listen ports and peer
 * keys; a peer's own key is not ours).
 */
#include <libconfig.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "rb_cfg_proxy.h"
#include "rb_cfg_wg.h"
#include "rb_config.h"
#include "schema.h"

#define PATHLEN 256

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static int b64val(char c)
{
	const char *p = c ? strchr(b64, c) : NULL;

	return p ? (int)(p - b64) : -1;
}

int rb_cfg_wg_key(const char *s, uint8_t key[32])
{
	int o = 0;

	if (s == NULL || strlen(s) != 44 || s[43] != '=')
		return -1;
	for (int i = 0; i < 44; i += 4) {
		int a = b64val(s[i]), b = b64val(s[i + 1]), c = b64val(s[i + 2]);
		int d = i == 40 ? 0 : b64val(s[i + 3]);
		uint32_t v;

		if (a < 0 || b < 0 || c < 0 || d < 0)
			return -1;
		v = (uint32_t)a << 18 | (uint32_t)b << 12 | (uint32_t)c << 6 | (uint32_t)d;
		key[o++] = (uint8_t)(v >> 16);
		key[o++] = (uint8_t)(v >> 8);
		if (i != 40)
			key[o++] = (uint8_t)v;
	}
	return (b64val(s[42]) & 3) ? -1 : 0;
}

static int h_key(const config_setting_t *s, void *dst, const struct rb_schema_field *f,
		 const char *path, struct rb_cfg_err *e)
{
	uint8_t k[32];

	(void)f;
	if (s == NULL)
		return 0;
	if (config_setting_type(s) != CONFIG_TYPE_STRING ||
	    rb_cfg_wg_key(config_setting_get_string(s), k) != 0) {
		rb_cfg_error(e, s, path, "expected a base64 key of 32 bytes (as `wg genkey` prints)");
		return -1;
	}
	if (dst)
		memcpy(dst, k, 32);
	explicit_bzero(k, sizeof(k));
	return 0;
}

#define WG_KEY(k, T, m, fl)                                                               \
	{ .key = (k), .type = RB_SCHEMA_CUSTOM, .flags = (fl), .offset = offsetof(T, m),    \
	  .handler = h_key }

static const struct rb_schema_field cidr_el[] = {
	{.type = RB_SCHEMA_CIDR, .size = sizeof(struct rb_cidr)},
};
static const struct rb_schema_field byte_el[] = {
	{.type = RB_SCHEMA_INT, .min = 0, .max = 255, .size = sizeof(int)},
};

static const char *const wg_modes[] = {"routed", "terminated", NULL};

/* clang-format off */
static const struct rb_schema_field peer_tbl[] = {
	RB_SCHEMA_CIDR_F("address", struct rb_cfg_wg_peer, address, RB_SF_HOST),
	RB_SCHEMA_INT("port", struct rb_cfg_wg_peer, port, 1, 65535, 51820, 0),
	WG_KEY("public_key", struct rb_cfg_wg_peer, public_key, RB_SF_REQUIRED),
	WG_KEY("pre_shared_key", struct rb_cfg_wg_peer, psk, 0),
	{.key = "allowed_ips", .type = RB_SCHEMA_ARRAY, .max = RB_WG_MAX_AIPS,
	 .offset = offsetof(struct rb_cfg_wg_peer, allowed_ips),
	 .count_off = offsetof(struct rb_cfg_wg_peer, n_allowed), .sub = cidr_el},
	RB_SCHEMA_INT("persistent_keepalive_interval", struct rb_cfg_wg_peer, keepalive, 0, 65535,
		      0, 0),
	{.key = "reserved", .type = RB_SCHEMA_ARRAY, .min = 3, .max = 3,
	 .offset = offsetof(struct rb_cfg_wg_peer, reserved),
	 .count_off = offsetof(struct rb_cfg_wg_peer, n_reserved), .sub = byte_el},
	RB_SCHEMA_LINE_F(struct rb_cfg_wg_peer, line),
	RB_SCHEMA_TABLE_END,
};

static const struct rb_schema_field wg_tbl[] = {
	{.key = "type", .type = RB_SCHEMA_STRING, .flags = RB_SF_NOSTORE, .max = 63},
	RB_SCHEMA_STR("tag", struct rb_cfg_wg, tag, 1, 0, NULL, 0), /* presence: config/tables.c */
	{.key = "address", .type = RB_SCHEMA_ARRAY, .max = RB_MAX_ADDRS,
	 .offset = offsetof(struct rb_cfg_wg, address),
	 .count_off = offsetof(struct rb_cfg_wg, n_addrs), .sub = cidr_el},
	WG_KEY("private_key", struct rb_cfg_wg, private_key, RB_SF_REQUIRED),
	RB_SCHEMA_INT("listen_port", struct rb_cfg_wg, listen_port, 1, 65535, 0, RB_SF_REQUIRED),
	RB_SCHEMA_INT("mtu", struct rb_cfg_wg, mtu, 576, 9000, 1408, 0),
	RB_SCHEMA_INT("time_divisor", struct rb_cfg_wg, time_divisor, 1, 10000, 1, 0),
	RB_SCHEMA_INT("cookie_threshold", struct rb_cfg_wg, cookie_threshold, 1, 1000000, 1000, 0),
	RB_SCHEMA_ENUM("mode", struct rb_cfg_wg, mode, wg_modes, 0, 0),
	{.key = "peers", .type = RB_SCHEMA_LIST, .flags = RB_SF_ALLOC, .max = RB_WG_MAX_PEERS,
	 .offset = offsetof(struct rb_cfg_wg, peers), .size = sizeof(struct rb_cfg_wg_peer),
	 .count_off = offsetof(struct rb_cfg_wg, n_peers), .sub = peer_tbl},
	RB_SCHEMA_LINE_F(struct rb_cfg_wg, line),
	RB_SCHEMA_TABLE_END,
};
/* clang-format on */

static int is_zero(const uint8_t *k)
{
	uint8_t acc = 0;

	for (int i = 0; i < 32; i++)
		acc |= k[i];
	return acc == 0;
}

static void check_endpoint(struct rb_cfg_wgs *w, int i, const config_setting_t *el,
			   const char *path, struct rb_cfg_err *e)
{
	struct rb_cfg_wg *ep = &w->ep[i];
	const config_setting_t *peers = config_setting_get_member(el, "peers");
	char pp[PATHLEN];

	if (is_zero(ep->private_key))
		rb_cfg_error(e, config_setting_get_member(el, "private_key"), path,
			     "private_key is all zero");
	for (int j = 0; j < i; j++) {
		if (strcmp(w->ep[j].tag, ep->tag) == 0)
			rb_cfg_error(e, el, path, "tag '%s' is used twice", ep->tag);
		if (w->ep[j].listen_port == ep->listen_port)
			rb_cfg_error(e, el, path, "listen_port %u is used by endpoints.[%d] too",
				     ep->listen_port, j);
	}
	for (int p = 0; p < ep->n_peers; p++) {
		struct rb_cfg_wg_peer *pr = &ep->peers[p];
		const config_setting_t *pe = peers ? config_setting_get_elem(peers, (unsigned)p)
						   : NULL;

		rb_schema_path_idx(pp, sizeof(pp), path, p);
		if (pr->address.family == 0 && config_setting_get_member(pe, "port") != NULL)
			rb_cfg_error(e, pe, pp, "port without address");
		for (int q = 0; q < p; q++)
			if (memcmp(ep->peers[q].public_key, pr->public_key, 32) == 0)
				rb_cfg_error(e, pe, pp, "public_key is the one of peers.[%d] too", q);
		for (int a = 0; a < pr->n_allowed; a++)
			rb_cidr_network(&pr->allowed_ips[a], &pr->allowed_ips[a]);
	}
}

/* The wireguard endpoints of the tree, in order, as rb_cfg_wg_load keeps
 * them (groups of type "wireguard", at most RB_WG_MAX_ENDPOINTS). */
static int wg_elems(const config_t *c, const config_setting_t *out[RB_WG_MAX_ENDPOINTS])
{
	const config_setting_t *ls = c ? config_lookup(c, "endpoints") : NULL;
	int len = ls && config_setting_is_list(ls) ? config_setting_length(ls) : 0, n = 0;

	for (int i = 0; i < len && n < RB_WG_MAX_ENDPOINTS; i++) {
		const config_setting_t *el = config_setting_get_elem(ls, (unsigned)i);
		const char *type = NULL;

		if (config_setting_is_group(el) && config_setting_lookup_string(el, "type", &type) &&
		    strcmp(type, "wireguard") == 0)
			out[n++] = el;
	}
	return n;
}

static int elem_terminated(const config_setting_t *el)
{
	const char *m = NULL;

	return config_setting_lookup_string(el, "mode", &m) && strcmp(m, "terminated") == 0;
}

int rb_cfg_wg_proxy_tags(const void *tree, int inbound, int n_cfg,
			 void (*fn)(void *arg, const char *tag), void *arg)
{
	const config_setting_t *el[RB_WG_MAX_ENDPOINTS];
	int n = wg_elems(tree, el), k = 0;

	for (int i = 0; i < n; i++) {
		const char *tag = "";

		if (inbound && !elem_terminated(el[i]))
			continue;
		if (!inbound && n_cfg == 0 && k == 0) {
			fn(arg, "direct");
			k++;
		}
		config_setting_lookup_string(el[i], "tag", &tag);
		fn(arg, tag);
		k++;
	}
	return k;
}

/* The endpoints as proxy inbounds (terminated ones) and outbounds (all). */
static void add_proxy_entries(struct rb_config *cfg, const struct rb_cfg_wgs *w,
			      struct rb_cfg_err *e)
{
	struct rb_cfg_proxy *p = cfg->proxy;
	int n_in = 0, n_out = w->n, direct;
	struct rb_cfg_inbound *ins;
	struct rb_cfg_outbound *outs;

	if (p == NULL) {
		p = calloc(1, sizeof(*p));
		if (p == NULL)
			goto oom;
		cfg->proxy = p;
	}
	for (int i = 0; i < w->n; i++)
		n_in += w->ep[i].mode == RB_WG_MODE_TERMINATED;
	direct = p->n_outbounds == 0;
	if (p->n_inbounds + n_in > RB_MAX_INBOUNDS ||
	    p->n_outbounds + n_out + direct > RB_MAX_OUTBOUNDS) {
		rb_cfg_error(e, NULL, "endpoints", "inbounds or outbounds with the endpoints exceed %d",
			     RB_MAX_INBOUNDS);
		return;
	}
	ins = realloc(p->inbounds, sizeof(*ins) * (size_t)(p->n_inbounds + n_in + 1));
	if (ins == NULL)
		goto oom;
	p->inbounds = ins;
	outs = realloc(p->outbounds, sizeof(*outs) * (size_t)(p->n_outbounds + n_out + direct));
	if (outs == NULL)
		goto oom;
	p->outbounds = outs;
	if (direct) {
		struct rb_cfg_outbound *o = &outs[p->n_outbounds++];

		memset(o, 0, sizeof(*o));
		o->type = RB_OUT_DIRECT;
		snprintf(o->type_name, sizeof(o->type_name), "direct");
		snprintf(o->tag, sizeof(o->tag), "direct");
		o->detour_idx = -1;
		o->connect_timeout_ms = 5000;
	}
	for (int i = 0; i < w->n; i++) {
		const struct rb_cfg_wg *ep = &w->ep[i];
		struct rb_cfg_outbound *o = &outs[p->n_outbounds++];

		memset(o, 0, sizeof(*o));
		o->type = RB_OUT_WIREGUARD;
		snprintf(o->type_name, sizeof(o->type_name), "wireguard");
		snprintf(o->tag, sizeof(o->tag), "%s", ep->tag);
		o->detour_idx = -1;
		o->connect_timeout_ms = 5000;
		o->line = ep->line;
		for (int a = ep->n_addrs - 1; a >= 0; a--) /* the first of each family */
			if (ep->address[a].family == AF_INET)
				memcpy(o->inet4_bind, ep->address[a].addr, 4);
			else
				memcpy(o->inet6_bind, ep->address[a].addr, 16);
		if (ep->mode == RB_WG_MODE_TERMINATED) {
			struct rb_cfg_inbound *in = &ins[p->n_inbounds++];

			memset(in, 0, sizeof(*in));
			in->type = RB_IN_WIREGUARD;
			snprintf(in->type_name, sizeof(in->type_name), "wireguard");
			snprintf(in->tag, sizeof(in->tag), "%s", ep->tag);
			in->handshake_timeout_ms = 10000;
			in->udp_timeout_s = 300;
			in->line = ep->line;
		}
	}
	return;
oom:
	rb_cfg_error(e, NULL, "endpoints", "out of memory");
}

void rb_cfg_wg_load(struct rb_config *cfg, const void *tree, struct rb_cfg_err *e)
{
	int before = e->count;

	const config_setting_t *ls = config_lookup((const config_t *)tree, "endpoints");
	struct rb_cfg_wgs *w;
	char path[PATHLEN];
	int len;

	cfg->wg = NULL;
	if (ls == NULL || !config_setting_is_list(ls) || config_setting_length(ls) == 0)
		return;
	len = config_setting_length(ls);
	w = calloc(1, sizeof(*w));
	if (w == NULL) {
		rb_cfg_error(e, NULL, "endpoints", "out of memory");
		return;
	}
	cfg->wg = w;
	for (int i = 0; i < len; i++) {
		const config_setting_t *el = config_setting_get_elem(ls, (unsigned)i);
		const char *type = NULL;

		rb_schema_path_idx(path, sizeof(path), "endpoints", i);
		if (!config_setting_is_group(el))
			continue; /* reported by the loader's generic check */
		if (!config_setting_lookup_string(el, "type", &type))
			continue; /* missing or not a string: the loader's generic check */
		if (strcmp(type, "wireguard") != 0) {
			rb_cfg_error(e, el, path, "endpoint type '%s' is not supported (types: wireguard)",
				     type ? type : "");
			continue;
		}
		if (w->n == RB_WG_MAX_ENDPOINTS) {
			rb_cfg_error(e, el, path, "more than %d wireguard endpoints",
				     RB_WG_MAX_ENDPOINTS);
			break;
		}
		if (rb_schema_load(el, wg_tbl, &w->ep[w->n], path, e) == 0)
			check_endpoint(w, w->n, el, path, e);
		w->n++;
	}
	if (e->count == before)
		add_proxy_entries(cfg, w, e);
}

void rb_cfg_wg_free(struct rb_config *cfg)
{
	struct rb_cfg_wgs *w = cfg ? cfg->wg : NULL;

	if (w == NULL)
		return;
	for (int i = 0; i < w->n; i++) {
		if (w->ep[i].peers)
			explicit_bzero(w->ep[i].peers,
				       sizeof(*w->ep[i].peers) * (size_t)w->ep[i].n_peers);
		rb_schema_free(wg_tbl, &w->ep[i]);
	}
	explicit_bzero(w, sizeof(*w));
	free(w);
	cfg->wg = NULL;
}
