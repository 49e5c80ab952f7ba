/* SPDX-License-Identifier: MIT */
/* lc_hist: a log-linear histogram of durations for percentiles in bounded memory. */
#ifndef LC_HIST_H
#define LC_HIST_H

#include <stdint.h>

#include "lc_err.h"

/*
 * Values are non-negative integers (the analyzer records microseconds).
 * Values below 2048 are kept exactly; above, each power of two is split into
 * 1024 buckets, so a reported percentile is within 0.1% of the true value.
 * Memory grows with the range of values seen (8 KiB per power of two in
 * use), never with their count. count, sum, min and max are exact.
 */
#define LC_HIST_SUB_BITS 10
#define LC_HIST_GROUPS   (64 - LC_HIST_SUB_BITS)

typedef struct lc_hist {
	uint64_t count;
	uint64_t sum;
	uint64_t min, max;
	uint64_t *group[LC_HIST_GROUPS];  /* lazily allocated, 2^SUB_BITS counters each (group 0: 2x) */
} lc_hist;

void lc_hist_init(lc_hist *h);
void lc_hist_free(lc_hist *h);          /* accepts NULL; leaves h empty */
lc_status lc_hist_add(lc_hist *h, uint64_t v) LC_MUST_CHECK;

/*
 * The p-th percentile (0 < p <= 100) by nearest rank: the smallest recorded
 * value (to bucket precision, never outside [min, max]) with at least
 * ceil(p/100 * count) values at or below it. 0 when empty.
 */
uint64_t lc_hist_percentile(const lc_hist *h, double p);

/* How many recorded values are <= v, exactly when v < 2048 or v >= max, else to bucket precision. */
uint64_t lc_hist_count_le(const lc_hist *h, uint64_t v);

#endif
