/* SPDX-License-Identifier: MIT */
/* lc_buf: growable byte buffer with a cap. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "lc_buf.h"

void
lc_buf_init(lc_buf *b, size_t max)
{
	b->ptr = NULL;
	b->len = 0;
	b->cap = 0;
	b->max = max;
}

void
lc_buf_free(lc_buf *b)
{
	if (b == NULL)
		return;
	free(b->ptr);
	b->ptr = NULL;
	b->len = 0;
	b->cap = 0;
}

lc_status
lc_buf_reserve(lc_buf *b, size_t extra)
{
	size_t need, ncap;
	uint8_t *p;

	if (extra > b->max || b->len > b->max - extra)
		return LC_ETOOBIG;
	need = b->len + extra + 1;      /* +1: the trailing NUL */
	if (need <= b->cap)
		return LC_OK;
	ncap = b->cap ? b->cap : 64;
	while (ncap < need)
		ncap = ncap > SIZE_MAX / 2 ? need : ncap * 2;
	p = realloc(b->ptr, ncap);
	if (p == NULL)
		return LC_ENOMEM;
	b->ptr = p;
	b->cap = ncap;
	return LC_OK;
}

lc_status
lc_buf_append_slow(lc_buf *b, const void *p, size_t n)
{
	lc_status rc = lc_buf_reserve(b, n);

	if (rc != LC_OK)
		return rc;
	if (n)
		memcpy(b->ptr + b->len, p, n);
	b->len += n;
	b->ptr[b->len] = 0;
	return LC_OK;
}

lc_status
lc_buf_printf(lc_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;
	size_t avail;
	lc_status rc;

	/* One pass when the text fits in what is already allocated (the usual case). */
	if ((rc = lc_buf_reserve(b, b->max - b->len < 64 ? b->max - b->len : 64)) != LC_OK)
		return rc;
	avail = b->cap - b->len;
	va_start(ap, fmt);
	n = vsnprintf((char *)b->ptr + b->len, avail, fmt, ap);
	va_end(ap);
	if (n < 0) {
		b->ptr[b->len] = 0;
		return LC_EINVAL;
	}
	if ((size_t)n < avail) {
		if ((size_t)n > b->max - b->len) {
			b->ptr[b->len] = 0;
			return LC_ETOOBIG;
		}
		b->len += (size_t)n;
		return LC_OK;
	}
	b->ptr[b->len] = 0;
	rc = lc_buf_reserve(b, (size_t)n);
	if (rc != LC_OK)
		return rc;
	va_start(ap, fmt);
	vsnprintf((char *)b->ptr + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
	return LC_OK;
}
