/* SPDX-License-Identifier: MIT */
/* lc_utf8: UTF-8 validation, decoding and encoding; the tree's one UTF-8 codec. */
#ifndef LC_UTF8_H
#define LC_UTF8_H

#include <stdbool.h>
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

/*
 * True when s[0..n) is well-formed UTF-8 throughout (by lc_utf8_len's rules;
 * NUL is a character like any other). ASCII runs go 8 bytes at a time: the
 * tape record calls this for every text field it writes.
 */
bool lc_utf8_valid(const uint8_t *s, size_t n);

/*
 * Where to cut s[0..len) to keep at most max bytes without splitting a
 * sequence: len when it fits, else max moved back over continuation bytes.
 */
size_t lc_utf8_cut(const uint8_t *s, size_t len, size_t max);

#define LC_UTF8_MAX 4   /* longest sequence lc_utf8_encode writes */

/*
 * Write the UTF-8 form of cp (at most U+10FFFF; a surrogate is written as
 * its 3-byte form, as the JSON unescapers need) into out; returns its length.
 */
size_t lc_utf8_encode(uint32_t cp, uint8_t out[LC_UTF8_MAX]);

#endif
