/* SPDX-License-Identifier: MIT */
/* lc_base64: standard base64 (RFC 4648 section 4, padded), the tree's one base64 codec. */
#ifndef LC_BASE64_H
#define LC_BASE64_H

#include <stddef.h>

#include "lc_buf.h"
#include "lc_err.h"

/* Length of the encoding of n bytes (a multiple of 4, padding included). */
static inline size_t lc_base64_len(size_t n) { return (n + 2) / 3 * 4; }

/*
 * Append the base64 of b to out (no quotes, no line breaks). LC_ETOOBIG past
 * out's cap or LC_ENOMEM; out is then unchanged.
 */
lc_status lc_base64_append(lc_buf *out, lc_bytes b) LC_MUST_CHECK;

/*
 * Decode in[0..n) into out, strictly: the length is a multiple of 4, '='
 * only as one or two final pad characters, only the 64 letters of the
 * standard alphabet, and no stray bits before the padding. out must hold
 * n / 4 * 3 bytes; it may be in itself (decoding in place: the output never
 * overtakes the input). *out_len gets the decoded length. LC_EPARSE on bad
 * input, with *why (may be NULL) set to a static sentence saying what is wrong.
 */
lc_status lc_base64_decode(const void *in, size_t n, void *out, size_t *out_len,
    const char **why) LC_MUST_CHECK;

#endif
