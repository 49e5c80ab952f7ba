/* SPDX-License-Identifier: MIT */
/* an_vader_case: Python str.isupper()/isspace() character classes beyond ASCII (generated tables). */
#ifndef AN_VADER_CASE_H
#define AN_VADER_CASE_H

#include <stddef.h>
#include <stdint.h>

typedef struct an_cp_range {
	uint32_t lo, hi;   /* inclusive */
} an_cp_range;

/* Sorted, disjoint; code points >= 0x80 only. */
extern const an_cp_range an_case_upper[];     /* Python: chr(c).isupper() */
extern const size_t an_case_upper_count;
extern const an_cp_range an_case_breaker[];   /* lowercase or titlecase: isupper() false */
extern const size_t an_case_breaker_count;
extern const an_cp_range an_case_space[];     /* Python: chr(c).isspace() */
extern const size_t an_case_space_count;

#endif
