/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * `endpoints` of type "wireguard": declarative tables (config/schema.h),
 * base64 keys, and the cross checks (unique tags, listen ports and peer
 * keys; a peer's own key is not ours).
 */
#include <libconfig.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

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

void rb_cfg_wg_load(struct rb_config *cfg, const void *tree, struct rb_cfg_err *e)
{
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
