/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Counters on /metrics never go back: the worker's busy-time accumulation
 * (rb_stats.h), cycles to seconds, and control's "_total" guard
 * (control/metrics_mono.c): resets across control restarts (the table kept
 * in memory that outlives the handle), re-attaches and dataplane restarts,
 * glitches held within one generation, and the exposition filter.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <CUnit/Basic.h>

#include "control/metrics_mono.h"
#include "dataplane/rb_stats.h"

static void test_busy_add(void)
{
	static const struct {
		uint64_t before, start, end, after;
	} t[] = {
		{ 0, 100, 150, 50 },
		{ 1000, 5, 6, 1001 },
		{ 1000, 150, 100, 1000 },          /* TSC behind the start: nothing */
		{ 1000, 150, 150, 1000 },
		{ 7, UINT64_MAX - 10, UINT64_MAX, 17 },
		{ 7, UINT64_MAX, 3, 7 },           /* the old code added 2^64 - 4 */
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct rb_lcore_stats s = { .busy_cycles = t[i].before };

		rb_stats_busy_add(&s, t[i].start, t[i].end);
		CU_ASSERT_EQUAL(s.busy_cycles, t[i].after);
		if (s.busy_cycles != t[i].after)
			printf("busy row %zu: %llu\n", i, (unsigned long long)s.busy_cycles);
	}
}

static void test_tsc_seconds(void)
{
	static const struct {
		uint64_t cycles, hz;
		double sec;
	} t[] = {
		{ 0, 2000000000ull, 0.0 },
		{ 3000000000ull, 2000000000ull, 1.5 },
		{ 123, 0, 0.0 },                   /* rate not known yet */
		{ 1ull << 62, 1000000000ull, 4611686018.427387904 },
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		CU_ASSERT_DOUBLE_EQUAL(rb_stats_tsc_seconds(t[i].cycles, t[i].hz), t[i].sec, 1e-6);
	/* monotonic in cycles around a big value at a fixed rate */
	for (uint64_t c = (1ull << 53) - 4; c < (1ull << 53) + 4; c++)
		CU_ASSERT(rb_stats_tsc_seconds(c + 1, 2994000000ull) >= rb_stats_tsc_seconds(c, 2994000000ull));
}

/* Steps of one series: (gen, raw) -> emitted; restart = a new handle on
 * the same memory before the step (control restarted). */
static void test_u64_rows(void)
{
	static const struct {
		int restart;
		uint64_t gen, raw, want;
	} t[] = {
		{ 0, 1, 5, 5 },
		{ 0, 1, 9, 9 },
		{ 0, 1, 8, 9 },      /* glitch within a generation: held */
		{ 0, 1, 10, 10 },
		{ 1, 2, 1, 11 },     /* control restart: counter from 1 again */
		{ 0, 2, 4, 14 },
		{ 0, 3, 0, 14 },     /* re-attach, source reset to 0 */
		{ 0, 3, 6, 20 },
		{ 1, 4, 6, 20 },     /* restart, the source did not reset */
		{ 0, 4, 7, 21 },
	};
	size_t sz = rb_mono_size();
	void *mem = calloc(1, sz);
	struct rb_mono *m = rb_mono_init(mem, sz);

	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		uint64_t v;

		if (t[i].restart) {
			rb_mono_close(m);
			m = rb_mono_init(mem, sz);
		}
		v = rb_mono_u64(m, 42, t[i].gen, t[i].raw);
		CU_ASSERT_EQUAL(v, t[i].want);
		if (v != t[i].want)
			printf("u64 row %zu: %llu\n", i, (unsigned long long)v);
	}
	CU_ASSERT_EQUAL(rb_mono_get_stats(m).held, 1);
	CU_ASSERT_EQUAL(rb_mono_get_stats(m).resets, 2);
	/* another layout in the memory: cleared, not trusted */
	memset(mem, 0x5a, 64);
	rb_mono_close(m);
	m = rb_mono_init(mem, sz);
	CU_ASSERT_EQUAL(rb_mono_u64(m, 42, 9, 3), 3);
	CU_ASSERT_PTR_NULL(rb_mono_init(mem, sz - 1));
	rb_mono_close(m);
	free(mem);
}

static void test_dbl_rows(void)
{
	static const struct {
		uint64_t gen;
		double raw, want;
	} t[] = {
		{ 1, 0.5, 0.5 },
		{ 1, 2.25, 2.25 },
		{ 1, 2.0, 2.25 },
		{ 2, 0.125, 2.375 },
		{ 2, 1.0, 3.25 },
	};
	size_t sz = rb_mono_size();
	void *mem = calloc(1, sz);
	struct rb_mono *m = rb_mono_init(mem, sz);

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		CU_ASSERT_DOUBLE_EQUAL(rb_mono_dbl(m, 7, t[i].gen, t[i].raw), t[i].want, 1e-12);
	rb_mono_close(m);
	free(mem);
}

static char *filter(struct rb_mono *m, uint64_t gen, const char *in)
{
	struct rb_json o;

	rb_json_init(&o);
	rb_mono_filter(m, gen, in, strlen(in), &o);
	CU_ASSERT_FALSE(o.err);
	return o.buf;
}

static void test_filter(void)
{
	static const struct {
		uint64_t gen;
		const char *in, *want;
	} t[] = {
		{ 1, "# TYPE a_total counter\na_total 10\nb_total{x=\"1\"} 3\nup 1\n",
		     "# TYPE a_total counter\na_total 10\nb_total{x=\"1\"} 3\nup 1\n" },
		/* control restarted: a_total from 2; gauges untouched; b's other label new */
		{ 2, "a_total 2\nb_total{x=\"1\"} 1\nb_total{x=\"2\"} 1\nup 0\n",
		     "a_total 12\nb_total{x=\"1\"} 4\nb_total{x=\"2\"} 1\nup 0\n" },
		/* same generation: a decrease is held */
		{ 2, "a_total 1\nbusy_seconds_total{l=\"1\"} 1.500000\n",
		     "a_total 12\nbusy_seconds_total{l=\"1\"} 1.500000\n" },
		{ 3, "busy_seconds_total{l=\"1\"} 0.250000\n",
		     "busy_seconds_total{l=\"1\"} 1.750000\n" },
		/* labels holding '}' and spaces, a timestamp, no final newline */
		{ 3, "c_total{r=\"a} b\",q=\"\\\"\"} 4 1700000000\nc_total{r=\"a} b\",q=\"\\\"\"} 4",
		     "c_total{r=\"a} b\",q=\"\\\"\"} 4 1700000000\nc_total{r=\"a} b\",q=\"\\\"\"} 4" },
		/* not counters, or not numbers: copied */
		{ 3, "total 1\nx_totals 3\nd_total -1\ne_total abc\nf_total\n\n",
		     "total 1\nx_totals 3\nd_total -1\ne_total abc\nf_total\n\n" },
	};
	size_t sz = rb_mono_size();
	void *mem = calloc(1, sz);
	struct rb_mono *m = rb_mono_init(mem, sz);

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		char *got = filter(m, t[i].gen, t[i].in);

		CU_ASSERT_STRING_EQUAL(got, t[i].want);
		if (strcmp(got, t[i].want))
			printf("filter row %zu:\n%s---\n%s\n", i, got, t[i].want);
		free(got);
	}
	CU_ASSERT_EQUAL(rb_mono_get_stats(m).bad, 2);
	/* NULL guard: a plain copy */
	{
		char *got = filter(NULL, 1, "a_total 0\n");

		CU_ASSERT_STRING_EQUAL(got, "a_total 0\n");
		free(got);
	}
	rb_mono_close(m);
	free(mem);
}

static void test_full(void)
{
	size_t sz = rb_mono_size();
	void *mem = calloc(1, sz);
	struct rb_mono *m = rb_mono_init(mem, sz);

	for (uint64_t k = 1; k <= RB_MONO_SLOTS; k++)
		rb_mono_u64(m, k, 1, 1);
	CU_ASSERT_EQUAL(rb_mono_u64(m, RB_MONO_SLOTS + 1, 1, 5), 5);
	CU_ASSERT_EQUAL(rb_mono_get_stats(m).full, 1);
	CU_ASSERT_EQUAL(rb_mono_u64(m, 3, 2, 0), 1);   /* still guarded */
	rb_mono_close(m);
	free(mem);
}

int main(void)
{
	CU_pSuite s;
	unsigned fails;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("metrics_mono", NULL, NULL);
	CU_add_test(s, "busy time per iteration", test_busy_add);
	CU_add_test(s, "TSC cycles to seconds", test_tsc_seconds);
	CU_add_test(s, "u64 series across restarts", test_u64_rows);
	CU_add_test(s, "float series", test_dbl_rows);
	CU_add_test(s, "exposition filter", test_filter);
	CU_add_test(s, "table full", test_full);
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	fails = CU_get_number_of_failures();
	CU_cleanup_registry();
	return fails ? 1 : 0;
}
