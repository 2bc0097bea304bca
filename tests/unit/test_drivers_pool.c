/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_drivers_pool: drivers/pool.c.  Without hugepages (as every test and
 * the af_xdp testbed run), the pool rb_pool_create makes for vdev-only
 * configs must be packed back to back, so that the UMEM DPDK 22.11's
 * net_af_xdp registers (populated_size x object size from the first chunk)
 * covers every mbuf: rb_pool_umem_check passes.  The layout
 * rte_pktmbuf_pool_create gives (objects kept inside 4 KiB pages) and the
 * one kept for PCI ports must be refused by the check: that layout lost
 * fill-ring buffers until af_xdp ports stopped receiving.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <CUnit/Basic.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_mbuf.h>
#include "drivers/rb_port.h"

struct pool_case {
	const char *name;
	const char *device;     /* the one port's device */
	unsigned n;             /* mbufs */
	uint16_t data_room;
	int want_ok;            /* rb_pool_umem_check on rb_pool_create's pool */
	int legacy_ok;          /* ... on rte_pktmbuf_pool_create's pool */
};

static const struct pool_case cases[] = {
	/* the dataplane's default size (MTU 1500) and a jumbo one */
	{"af_xdp 2176", "net_af_xdp0,iface=veth0", 4095, RTE_PKTMBUF_HEADROOM + 2048, 1, 0},
	{"af_xdp 3200", "net_af_xdp0,iface=veth0", 2047, RTE_PKTMBUF_HEADROOM + 3072, 1, 0},
	{"af_packet", "net_af_packet0,iface=veth0", 1023, RTE_PKTMBUF_HEADROOM + 2048, 1, 0},
	{"small odd", "net_null0", 777, 1000, 1, 0},
	/* PCI: IOVA-contiguous objects are kept (DMA); no hugepages here, so the
	 * af_xdp check must refuse the layout rather than let a port lose mbufs */
	{"pci", "0000:3b:00.0", 4095, RTE_PKTMBUF_HEADROOM + 2048, 0, 0},
};

static void one_case(const struct pool_case *c, unsigned idx)
{
	struct rb_config *cfg = calloc(1, sizeof(*cfg));
	struct rte_mempool *mp, *legacy;
	char name[32], err[512];
	int rc;

	CU_ASSERT_PTR_NOT_NULL_FATAL(cfg);
	cfg->dp.n_ports = 1;
	snprintf(cfg->dp.ports[0].device, sizeof(cfg->dp.ports[0].device), "%s", c->device);
	snprintf(name, sizeof(name), "tp_%u", idx);
	mp = rb_pool_create(cfg, name, c->n, 32, c->data_room, (int)rte_socket_id());
	CU_ASSERT_PTR_NOT_NULL_FATAL(mp);
	CU_ASSERT_EQUAL(mp->populated_size, c->n);
	CU_ASSERT_EQUAL(rte_pktmbuf_data_room_size(mp), c->data_room);
	CU_ASSERT_EQUAL(rte_pktmbuf_priv_size(mp), 0);
	err[0] = '\0';
	rc = rb_pool_umem_check(mp, err, sizeof(err));
	if ((rc == 0) != c->want_ok)
		fprintf(stderr, "case %s: check %d: %s\n", c->name, rc, err);
	CU_ASSERT_EQUAL(rc == 0, c->want_ok);
	if (rc != 0)
		CU_ASSERT_PTR_NOT_NULL(strstr(err, "outside the UMEM"));
	/* an mbuf from it is usable */
	{
		struct rte_mbuf *m = rte_pktmbuf_alloc(mp);

		CU_ASSERT_PTR_NOT_NULL_FATAL(m);
		CU_ASSERT_EQUAL(rte_pktmbuf_tailroom(m), c->data_room - RTE_PKTMBUF_HEADROOM);
		rte_pktmbuf_free(m);
	}
	rte_mempool_free(mp);

	snprintf(name, sizeof(name), "tl_%u", idx);
	legacy = rte_pktmbuf_pool_create(name, c->n, 32, 0, c->data_room, (int)rte_socket_id());
	CU_ASSERT_PTR_NOT_NULL_FATAL(legacy);
	rc = rb_pool_umem_check(legacy, err, sizeof(err));
	CU_ASSERT_EQUAL(rc == 0, c->legacy_ok);
	rte_mempool_free(legacy);
	free(cfg);
}

static void test_pool_table(void)
{
	for (unsigned i = 0; i < RTE_DIM(cases); i++)
		one_case(&cases[i], i);
}

/* rb_dev_eal_vdev: af_xdp devices get busy_budget=0 unless they set it
 * (drivers/port.c: preferred busy polling costs an empty recvfrom per poll). */
static void test_vdev_arg(void)
{
	static const struct { const char *in, *want; } rows[] = {
		{"net_af_xdp0,iface=veth0", "net_af_xdp0,iface=veth0,busy_budget=0"},
		{"net_af_xdp1,iface=v1,start_queue=0,queue_count=1",
		 "net_af_xdp1,iface=v1,start_queue=0,queue_count=1,busy_budget=0"},
		{"net_af_xdp0,iface=veth0,busy_budget=64", "net_af_xdp0,iface=veth0,busy_budget=64"},
		{"net_af_xdp0,busy_budget=0,iface=veth0", "net_af_xdp0,busy_budget=0,iface=veth0"},
		{"net_af_packet0,iface=veth0", "net_af_packet0,iface=veth0"},
		{"net_ring_x", "net_ring_x"},
	};

	for (unsigned i = 0; i < RTE_DIM(rows); i++) {
		char *got = rb_dev_eal_vdev(rows[i].in);

		CU_ASSERT_PTR_NOT_NULL_FATAL(got);
		if (strcmp(got, rows[i].want) != 0)
			fprintf(stderr, "vdev %s: got %s, want %s\n", rows[i].in, got, rows[i].want);
		CU_ASSERT_STRING_EQUAL(got, rows[i].want);
		free(got);
	}
}

int main(void)
{
	char *argv[] = {"test_drivers_pool", "--no-huge", "--no-pci", "-m", "256", "--no-shconf",
			"--no-telemetry", "-l", "0", NULL};
	CU_pSuite s;
	unsigned fails;

	if (rte_eal_init((int)RTE_DIM(argv) - 1, argv) < 0) {
		fprintf(stderr, "test_drivers_pool: EAL init failed: %s\n", rte_strerror(rte_errno));
		return 1;
	}
	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("drivers_pool", NULL, NULL);
	CU_add_test(s, "pool layout vs the af_xdp UMEM", test_pool_table);
	CU_add_test(s, "af_xdp vdev arguments: busy_budget=0 by default", test_vdev_arg);
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	fails = CU_get_number_of_failures() + CU_get_number_of_tests_failed();
	CU_cleanup_registry();
	rte_eal_cleanup();
	return fails ? 1 : 0;
}
