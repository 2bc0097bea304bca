/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The forwarding table: rte_lpm (IPv4) and rte_lpm6 (IPv6) whose next hops
 * index an array of struct rb_nexthop.  Our own addresses are /32 and /128
 * LOCAL routes, so one lookup decides between local delivery and
 * forwarding; each port subnet is a CONNECTED route; configured routes are
 * GATEWAY (with via) or CONNECTED (without).
 *
 * A FIB is immutable once built.  rb_fib_publish swaps dp->fib; the old
 * version is freed by rb_fib_reclaim once every worker has reported a
 * quiescent state (rte_rcu_qsbr tokens, never a blocking wait).
 */
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <rte_errno.h>
#include <rte_lpm.h>
#include <rte_lpm6.h>
#include <rte_malloc.h>
#include "../rb_dp.h"
#include "../rb_log.h"

#define FIB_TBL8S 1024

static uint32_t fib_serial;

uint64_t rb_fib_footprint(int n_routes)
{
	uint64_t tbl24 = (1ull << 24) * 4;	  /* 4-byte entries, lpm and lpm6 alike */
	uint64_t tbl8s = (uint64_t)FIB_TBL8S * 256 * 4;
	uint64_t rules = (uint64_t)(n_routes + 1024) * (8 + 64 + sizeof(struct rb_nexthop));

	return 2 * (tbl24 + tbl8s) + rules + (1ull << 20);
}

static int nh_add(struct rb_fib *fib, uint32_t cap, const struct rb_nexthop *nh)
{
	for (uint32_t i = 0; i < fib->n_nh; i++)
		if (memcmp(&fib->nh[i], nh, sizeof(*nh)) == 0)
			return (int)i;
	if (fib->n_nh == cap)
		return -1;
	fib->nh[fib->n_nh] = *nh;
	return (int)fib->n_nh++;
}

static int fib_add(struct rb_fib *fib, uint32_t cap, const struct rb_cidr *pfx,
		   const struct rb_nexthop *nh, char *err, size_t errlen)
{
	int idx = nh_add(fib, cap, nh);
	int rc;
	char buf[64];

	if (idx < 0) {
		snprintf(err, errlen, "too many next hops");
		return -1;
	}
	if (pfx->plen == 0) {
		/* rte_lpm takes depths from 1: the default route lives beside it. */
		if (pfx->family == AF_INET)
			fib->def4 = idx;
		else
			fib->def6 = idx;
		return 0;
	}
	if (pfx->family == AF_INET) {
		uint32_t a;

		memcpy(&a, pfx->addr, 4);
		rc = rte_lpm_add(fib->lpm4, rte_be_to_cpu_32(a), pfx->plen, (uint32_t)idx);
	} else {
		rc = rte_lpm6_add(fib->lpm6, pfx->addr, pfx->plen, (uint32_t)idx);
	}
	if (rc < 0) {
		snprintf(err, errlen, "cannot add route %s: %s", rb_cidr_format(pfx, buf, sizeof(buf)),
			 rte_strerror(-rc));
		return -1;
	}
	return 0;
}

/* The network of an address/prefix. */
static struct rb_cidr cidr_net(const struct rb_port_addr *a)
{
	struct rb_cidr c = {.family = a->family, .plen = a->plen};
	int bytes = a->family == AF_INET ? 4 : 16;

	memcpy(c.addr, a->addr, bytes);
	for (int b = a->plen; b < bytes * 8; b++)
		c.addr[b / 8] &= (uint8_t) ~(0x80 >> (b % 8));
	return c;
}

struct rb_fib *rb_fib_build(const struct rb_dp *dp, const struct rb_cfg_route *routes, int n_routes,
			    uint32_t generation, char *err, size_t errlen)
{
	uint32_t cap = (uint32_t)(n_routes + dp->n_ports * (RB_MAX_ADDRS * 2 + 1) + 8 +
				  dp->n_ep_routes);
	struct rte_lpm_config c4 = {
		.max_rules = cap + 64, .number_tbl8s = FIB_TBL8S, .flags = 0};
	struct rte_lpm6_config c6 = {.max_rules = cap + 64, .number_tbl8s = FIB_TBL8S, .flags = 0};
	struct rb_fib *fib;
	char name[RTE_LPM_NAMESIZE];
	uint32_t serial;

	fib = rte_zmalloc("rb_fib", sizeof(*fib) + cap * sizeof(struct rb_nexthop), 64);
	if (fib == NULL) {
		snprintf(err, errlen, "out of memory for FIB");
		return NULL;
	}
	fib->generation = generation;
	fib->def4 = fib->def6 = -1;
	/* LPM names must be unique while old versions wait for reclaim. */
	serial = __atomic_add_fetch(&fib_serial, 1, __ATOMIC_RELAXED);
	snprintf(name, sizeof(name), "fib4_%u", serial);
	fib->lpm4 = rte_lpm_create(name, SOCKET_ID_ANY, &c4);
	snprintf(name, sizeof(name), "fib6_%u", serial);
	fib->lpm6 = rte_lpm6_create(name, SOCKET_ID_ANY, &c6);
	if (fib->lpm4 == NULL || fib->lpm6 == NULL) {
		snprintf(err, errlen, "cannot create LPM tables: %s", rte_strerror(rte_errno));
		goto fail;
	}
	for (int p = 0; p < dp->n_ports; p++) {
		const struct rb_port *port = &dp->ports[p];

		for (int a = 0; a < port->n_addrs; a++) {
			const struct rb_port_addr *pa = &port->addrs[a];
			struct rb_cidr host = {.family = pa->family,
					       .plen = (uint8_t)(pa->family == AF_INET ? 32 : 128)};
			struct rb_cidr net = cidr_net(pa);
			struct rb_nexthop local = {.kind = RB_NH_LOCAL, .port = (uint16_t)p};
			struct rb_nexthop conn = {.kind = RB_NH_CONNECTED, .port = (uint16_t)p};

			memcpy(host.addr, pa->addr, 16);
			if (fib_add(fib, cap, &net, &conn, err, errlen) < 0 ||
			    fib_add(fib, cap, &host, &local, err, errlen) < 0)
				goto fail;
		}
		{
			struct rb_cidr ll = {.family = AF_INET6, .plen = 128};
			struct rb_nexthop local = {.kind = RB_NH_LOCAL, .port = (uint16_t)p};

			memcpy(ll.addr, port->ll6, 16);
			if (fib_add(fib, cap, &ll, &local, err, errlen) < 0)
				goto fail;
		}
	}
	for (int r = 0; r < n_routes; r++) {
		const struct rb_cfg_route *rt = &routes[r];
		struct rb_nexthop nh = {.kind = rt->has_via ? RB_NH_GATEWAY : RB_NH_CONNECTED,
					.family = rt->prefix.family,
					.port = (uint16_t)rt->port};

		if (rt->port < 0 || rt->port >= dp->n_ports) {
			snprintf(err, errlen, "route through unknown port %d", rt->port);
			goto fail;
		}
		if (rt->has_via)
			memcpy(nh.gw, rt->via.addr, 16);
		else
			nh.family = 0;
		if (fib_add(fib, cap, &rt->prefix, &nh, err, errlen) < 0)
			goto fail;
	}
	/* WireGuard endpoints (dataplane/wireguard): address prefixes, allowed IPs. */
	for (int r = 0; r < dp->n_ep_routes; r++) {
		const struct rb_ep_route *er = &dp->ep_routes[r];
		struct rb_nexthop nh = {.kind = er->local ? RB_NH_LOCAL : RB_NH_ENDPOINT,
					.port = er->local ? 0 : er->ep};

		if (fib_add(fib, cap, &er->prefix, &nh, err, errlen) < 0)
			goto fail;
	}
	return fib;
fail:
	rb_fib_free(fib);
	return NULL;
}

void rb_fib_free(struct rb_fib *fib)
{
	if (fib == NULL)
		return;
	rte_lpm_free(fib->lpm4);
	rte_lpm6_free(fib->lpm6);
	rte_free(fib);
}

/*
 * Retired FIBs wait here for their grace period: the main lcore never blocks
 * on the workers (its heartbeat must keep ticking); rb_fib_reclaim() frees
 * each one once every worker has passed a quiescent state after the swap.
 */
#define FIB_RETIRED_MAX 8
static struct {
	struct rb_fib *fib;
	uint64_t token;
} retired[FIB_RETIRED_MAX];
static int n_retired;

void rb_fib_reclaim(struct rb_dp *dp, int wait)
{
	int keep = 0;

	for (int i = 0; i < n_retired; i++) {
		if (dp->qsbr == NULL || rte_rcu_qsbr_check(dp->qsbr, retired[i].token, wait) == 1)
			rb_fib_free(retired[i].fib);
		else
			retired[keep++] = retired[i];
	}
	n_retired = keep;
}

int rb_fib_publish(struct rb_dp *dp, struct rb_fib *fib)
{
	struct rb_fib *old = dp->fib;

	rb_fib_reclaim(dp, 0);
	if (n_retired == FIB_RETIRED_MAX) {
		/* Too many swaps in flight: refuse this one, the caller retries. */
		rb_fib_reclaim(dp, 0);
		if (n_retired == FIB_RETIRED_MAX)
			return -1;
	}
	__atomic_store_n(&dp->fib, fib, __ATOMIC_RELEASE);
	if (old != NULL) {
		retired[n_retired].fib = old;
		retired[n_retired].token = dp->qsbr ? rte_rcu_qsbr_start(dp->qsbr) : 0;
		n_retired++;
	}
	return 0;
}

const struct rb_nexthop *rb_fib_lookup4(const struct rb_fib *fib, uint32_t addr)
{
	uint32_t idx;

	if (unlikely(rte_lpm_lookup(fib->lpm4, rte_be_to_cpu_32(addr), &idx) != 0))
		return fib->def4 >= 0 ? &fib->nh[fib->def4] : NULL;
	return &fib->nh[idx];
}

const struct rb_nexthop *rb_fib_lookup6(const struct rb_fib *fib, const uint8_t addr[16])
{
	uint32_t idx;

	if (rte_lpm6_lookup(fib->lpm6, addr, &idx) != 0)
		return fib->def6 >= 0 ? &fib->nh[fib->def6] : NULL;
	return &fib->nh[idx];
}

/* ---- port addresses ---- */

bool rb_port_has_addr4(const struct rb_port *p, uint32_t addr)
{
	for (int i = 0; i < p->n_addrs; i++)
		if (p->addrs[i].family == AF_INET && memcmp(p->addrs[i].addr, &addr, 4) == 0)
			return true;
	return false;
}

bool rb_port_has_addr6(const struct rb_port *p, const uint8_t addr[16])
{
	if (memcmp(p->ll6, addr, 16) == 0)
		return true;
	for (int i = 0; i < p->n_addrs; i++)
		if (p->addrs[i].family == AF_INET6 && memcmp(p->addrs[i].addr, addr, 16) == 0)
			return true;
	return false;
}

static bool prefix_match(const uint8_t *a, const uint8_t *b, int plen)
{
	int full = plen / 8, rest = plen % 8;

	if (memcmp(a, b, full) != 0)
		return false;
	return rest == 0 || ((a[full] ^ b[full]) & (uint8_t)(0xff << (8 - rest))) == 0;
}

bool rb_port_is_bcast4(const struct rb_port *p, uint32_t addr)
{
	uint32_t a = rte_be_to_cpu_32(addr);

	for (int i = 0; i < p->n_addrs; i++) {
		const struct rb_port_addr *pa = &p->addrs[i];
		uint32_t net, host_mask;

		if (pa->family != AF_INET || pa->plen >= 31) /* RFC 3021: /31 has none */
			continue;
		memcpy(&net, pa->addr, 4);
		host_mask = 0xffffffffu >> pa->plen;
		net = rte_be_to_cpu_32(net) & ~host_mask;
		if ((a & ~host_mask) == net && ((a & host_mask) == host_mask || (a & host_mask) == 0))
			return true;
	}
	return false;
}

uint32_t rb_port_src4(const struct rb_port *p, uint32_t dst)
{
	uint32_t first = 0;

	for (int i = 0; i < p->n_addrs; i++) {
		const struct rb_port_addr *a = &p->addrs[i];

		if (a->family != AF_INET)
			continue;
		if (prefix_match(a->addr, (const uint8_t *)&dst, a->plen)) {
			uint32_t v;

			memcpy(&v, a->addr, 4);
			return v;
		}
		if (first == 0)
			memcpy(&first, a->addr, 4);
	}
	return first;
}

bool rb_port_src6(const struct rb_port *p, const uint8_t dst[16], uint8_t out[16])
{
	const uint8_t *first = NULL;

	if (dst[0] == 0xfe && (dst[1] & 0xc0) == 0x80) {
		memcpy(out, p->ll6, 16);
		return true;
	}
	for (int i = 0; i < p->n_addrs; i++) {
		const struct rb_port_addr *a = &p->addrs[i];

		if (a->family != AF_INET6)
			continue;
		if (prefix_match(a->addr, dst, a->plen)) {
			memcpy(out, a->addr, 16);
			return true;
		}
		if (first == NULL)
			first = a->addr;
	}
	memcpy(out, first ? first : p->ll6, 16);
	return true;
}
