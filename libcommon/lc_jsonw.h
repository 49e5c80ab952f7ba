/* SPDX-License-Identifier: MIT */
/* lc_jsonw: the one JSON writer: values appended to an lc_buf, with a sticky status. */
#ifndef LC_JSONW_H
#define LC_JSONW_H

#include <stdint.h>

#include "lc_buf.h"
#include "lc_err.h"

/*
 * A writer appends JSON text to a caller's buffer and keeps the first error:
 * once an append fails (LC_ETOOBIG past the buffer's cap, LC_ENOMEM), the
 * buffer is cut back to where it was at lc_jsonw_init and every later call is
 * a no-op, so a caller writes a whole object without a check per field and
 * asks lc_jsonw_end once. The writer does not check structure (commas,
 * nesting): the caller writes punctuation with lc_jsonw_raw.
 *
 *	lc_jsonw w;
 *	lc_jsonw_init(&w, out);
 *	lc_jsonw_raw(&w, "{\"id\":");
 *	lc_jsonw_str(&w, id);
 *	lc_jsonw_printf(&w, ",\"n\":%d}", n);
 *	return lc_jsonw_end(&w);   // LC_OK, or the first error with out as it was
 *
 * out is borrowed for the writer's life; the writer itself owns nothing (no
 * free). Not shared between threads.
 */
typedef struct lc_jsonw {
	lc_buf *out;        /* borrowed */
	size_t mark;        /* out->len at init: where a failure cuts back to */
	lc_status status;   /* the first error, LC_OK until then */
} lc_jsonw;

void lc_jsonw_init(lc_jsonw *w, lc_buf *out);

/* Verbatim text: punctuation, keys known to need no escape, numbers already formatted. */
void lc_jsonw_raw(lc_jsonw *w, const char *s);
void lc_jsonw_raw_n(lc_jsonw *w, const void *s, size_t n);
void lc_jsonw_printf(lc_jsonw *w, const char *fmt, ...) LC_PRINTF(2, 3);

/*
 * s as a JSON string, quotes included. '"', '\\', '\n', '\r' and '\t' take
 * their short escapes, every other byte below 0x20 (NUL included) \u00XX, and
 * each byte that does not start a well-formed UTF-8 sequence \ufffd, so the
 * result is always valid JSON whatever s holds.
 */
void lc_jsonw_str(lc_jsonw *w, lc_bytes s);
/* The same without the quotes: one JSON string built from pieces (a URL from base and path). */
void lc_jsonw_str_body(lc_jsonw *w, lc_bytes s);

/* Integers in full (never through a double). */
void lc_jsonw_i64(lc_jsonw *w, int64_t v);
void lc_jsonw_u64(lc_jsonw *w, uint64_t v);

/* s as a JSON string holding its standard base64 (lc_base64), quotes included. */
void lc_jsonw_base64(lc_jsonw *w, lc_bytes s);

/* Fail the writer from outside (a caller's own check): sticks like any other error. */
void lc_jsonw_fail(lc_jsonw *w, lc_status st);

/* The first error, or LC_OK; after an error out holds what it held at init. */
lc_status lc_jsonw_end(const lc_jsonw *w) LC_MUST_CHECK;

#endif
