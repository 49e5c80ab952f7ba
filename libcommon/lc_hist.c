/* SPDX-License-Identifier: MIT */
/* lc_hist: log-linear histogram (HDR-style, 10 bits of precision). */
#include <math.h>
#include <stdlib.h>

#include "lc_hist.h"

#define SUB      (1u << LC_HIST_SUB_BITS)

/* Group 0 holds values [0, 2*SUB) exactly; group g >= 1 holds [SUB << g, SUB << (g+1)) in steps of 1 << g. */
static void
hist_locate(uint64_t v, unsigned *g, unsigned *i)
{
	unsigned bits;

	if (v < 2 * (uint64_t)SUB) {
		*g = 0;
		*i = (unsigned)v;
		return;
	}
	bits = 63u - (unsigned)__builtin_clzll(v);      /* v in [2^bits, 2^(bits+1)) */
	*g = bits - LC_HIST_SUB_BITS;
	*i = (unsigned)((v >> *g) - SUB);
}

/* The lowest value that falls in bucket (g, i). */
static uint64_t
hist_value(unsigned g, unsigned i)
{
	if (g == 0)
		return i;
	return ((uint64_t)SUB + i) << g;
}

static unsigned
group_size(unsigned g)
{
	return g == 0 ? 2 * SUB : SUB;
}

void
lc_hist_init(lc_hist *h)
{
	*h = (lc_hist){0};
}

void
lc_hist_free(lc_hist *h)
{
	if (h == NULL)
		return;
	for (unsigned g = 0; g < LC_HIST_GROUPS; g++)
		free(h->group[g]);
	lc_hist_init(h);
}

lc_status
lc_hist_add(lc_hist *h, uint64_t v)
{
	unsigned g, i;

	hist_locate(v, &g, &i);
	if (h->group[g] == NULL) {
		h->group[g] = calloc(group_size(g), sizeof(uint64_t));
		if (h->group[g] == NULL)
			return LC_ENOMEM;
	}
	h->group[g][i]++;
	if (h->count == 0 || v < h->min)
		h->min = v;
	if (v > h->max)
		h->max = v;
	h->count++;
	h->sum += v;
	return LC_OK;
}

static uint64_t
clamp(const lc_hist *h, uint64_t v)
{
	if (v < h->min)
		return h->min;
	if (v > h->max)
		return h->max;
	return v;
}

uint64_t
lc_hist_percentile(const lc_hist *h, double p)
{
	uint64_t rank, seen = 0;

	if (h->count == 0)
		return 0;
	if (p >= 100.0)
		return h->max;
	rank = (uint64_t)ceil(p / 100.0 * (double)h->count);
	if (rank == 0)
		rank = 1;
	for (unsigned g = 0; g < LC_HIST_GROUPS; g++) {
		if (h->group[g] == NULL)
			continue;
		for (unsigned i = 0; i < group_size(g); i++) {
			seen += h->group[g][i];
			if (seen >= rank)
				return clamp(h, hist_value(g, i));
		}
	}
	return h->max;
}

uint64_t
lc_hist_count_le(const lc_hist *h, uint64_t v)
{
	unsigned vg, vi;
	uint64_t n = 0;

	if (h->count == 0)
		return 0;
	if (v >= h->max)
		return h->count;
	hist_locate(v, &vg, &vi);
	for (unsigned g = 0; g <= vg; g++) {
		unsigned end = g == vg ? vi + 1 : group_size(g);

		if (h->group[g] == NULL)
			continue;
		for (unsigned i = 0; i < end; i++)
			n += h->group[g][i];
	}
	return n;
}
