/* SPDX-License-Identifier: MIT */
/* lc_utf8: UTF-8 validation and decoding, one sequence at a time. */
#ifndef LC_UTF8_H
#define LC_UTF8_H

#include <stddef.h>
#include <stdint.h>

/*
 * Length of the well-formed UTF-8 sequence at s (1 for ASCII, 2-4 otherwise;
 * n > 0 bytes available), or 0 when it is not one: a stray continuation byte,
 * an overlong form, a surrogate, a code point past U+10FFFF or a cut sequence.
 */
size_t lc_utf8_len(const uint8_t *s, size_t n);

/* The same, also giving the code point in *cp when the sequence is well formed. */
size_t lc_utf8_decode(const uint8_t *s, size_t n, uint32_t *cp);

#endif
