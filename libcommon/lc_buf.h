/* SPDX-License-Identifier: MIT */
/* lc_buf: a growable byte buffer with a named cap, and the borrowed byte view lc_bytes. */
#ifndef LC_BUF_H
#define LC_BUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "lc_err.h"

/* A borrowed view of bytes (not NUL-terminated). Plain value, like MDB_val. */
typedef struct lc_bytes {
	const uint8_t *ptr;
	size_t len;
} lc_bytes;

#define LC_BYTES_NULL ((lc_bytes){NULL, 0})

static inline lc_bytes
lc_bytes_str(const char *s)
{
	return (lc_bytes){(const uint8_t *)s, s ? strlen(s) : 0};
}

static inline lc_bytes
lc_bytes_make(const void *p, size_t len)
{
	return (lc_bytes){(const uint8_t *)p, len};
}

static inline bool
lc_bytes_eq_str(lc_bytes b, const char *s)
{
	size_t n = strlen(s);
	return b.len == n && (n == 0 || memcmp(b.ptr, s, n) == 0);
}

/*
 * A growable buffer. `max` is the cap: an append that would pass it fails
 * with LC_ETOOBIG and leaves the buffer unchanged, so a hostile 2 GB input is
 * an error, not an allocation. The contents are always NUL-terminated one byte
 * past len (not counted), so text can be used as a C string.
 */
typedef struct lc_buf {
	uint8_t *ptr;
	size_t len;
	size_t cap;
	size_t max;
} lc_buf;

void lc_buf_init(lc_buf *b, size_t max);
void lc_buf_free(lc_buf *b);                 /* accepts NULL; leaves b empty, reusable */
static inline void lc_buf_reset(lc_buf *b) { b->len = 0; if (b->ptr) b->ptr[0] = 0; }
lc_status lc_buf_reserve(lc_buf *b, size_t extra) LC_MUST_CHECK;
lc_status lc_buf_append_slow(lc_buf *b, const void *p, size_t n) LC_MUST_CHECK;

/* Append n bytes; inline when they fit in what is allocated (hot in every output path). */
LC_MUST_CHECK static inline lc_status
lc_buf_append(lc_buf *b, const void *p, size_t n)
{
	if (n < b->cap - b->len && n <= b->max - b->len) {   /* cap > len always once allocated */
		if (n)
			memcpy(b->ptr + b->len, p, n);
		b->len += n;
		b->ptr[b->len] = 0;
		return LC_OK;
	}
	return lc_buf_append_slow(b, p, n);
}

LC_MUST_CHECK static inline lc_status
lc_buf_append_str(lc_buf *b, const char *s)
{
	return lc_buf_append(b, s, strlen(s));
}
lc_status lc_buf_printf(lc_buf *b, const char *fmt, ...) LC_PRINTF(2, 3) LC_MUST_CHECK;
static inline lc_bytes lc_buf_bytes(const lc_buf *b) { return (lc_bytes){b->ptr, b->len}; }

/* Caps used across the tree. */
#define LC_FRAME_MAX   ((size_t)1 << 20)   /* one WebSocket frame or HTTP body: 1 MiB */
#define LC_LINE_MAX    ((size_t)1 << 20)   /* one input line */

#endif
