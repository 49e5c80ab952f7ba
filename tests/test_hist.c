/* SPDX-License-Identifier: MIT */
/* Tests for lc_hist: exact small values, bounded error on large ones, nearest-rank percentiles. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>

#include "lc_hist.h"

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return (x > y) - (x < y);
}

Test(hist, small_values_give_exact_nearest_rank_percentiles)
{
	lc_hist h;

	lc_hist_init(&h);
	for (uint64_t v = 1; v <= 100; v++)
		cr_assert_eq(lc_hist_add(&h, v), LC_OK);
	cr_assert_eq(h.count, 100);
	cr_assert_eq(h.sum, 5050);
	cr_assert_eq(lc_hist_percentile(&h, 50), 50);
	cr_assert_eq(lc_hist_percentile(&h, 90), 90);
	cr_assert_eq(lc_hist_percentile(&h, 99), 99);
	cr_assert_eq(lc_hist_percentile(&h, 100), 100);
	cr_assert_eq(lc_hist_percentile(&h, 0.5), 1);
	cr_assert_eq(lc_hist_count_le(&h, 37), 37);
	lc_hist_free(&h);
}

Test(hist, empty_histogram_answers_zero)
{
	lc_hist h;

	lc_hist_init(&h);
	cr_assert_eq(lc_hist_percentile(&h, 50), 0);
	cr_assert_eq(lc_hist_count_le(&h, 10), 0);
	lc_hist_free(&h);
}

Test(hist, large_values_stay_within_a_tenth_of_a_percent)
{
	enum { N = 20000 };
	static uint64_t v[N];
	lc_hist h;
	uint64_t x = 88172645463325252ull;

	lc_hist_init(&h);
	for (int i = 0; i < N; i++) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		v[i] = x % 5000000000ull;       /* up to 5000 s in microseconds */
		cr_assert_eq(lc_hist_add(&h, v[i]), LC_OK);
	}
	qsort(v, N, sizeof(v[0]), cmp_u64);
	cr_assert_eq(h.min, v[0]);
	cr_assert_eq(h.max, v[N - 1]);
	for (double p = 1; p <= 100; p += 7.5) {
		size_t rank = (size_t)ceil(p / 100.0 * N);
		double exact = (double)v[rank - 1], got = (double)lc_hist_percentile(&h, p);
		cr_assert(fabs(got - exact) <= exact / 1000.0 + 1, "p%.1f: got %.0f, exact %.0f", p, got, exact);
	}
	lc_hist_free(&h);
}
