/* SPDX-License-Identifier: MIT */
/* lc_jsonw: the one JSON writer: values appended to an lc_buf, with a sticky status. */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "lc_base64.h"
#include "lc_jsonw.h"
#include "lc_utf8.h"

void
lc_jsonw_init(lc_jsonw *w, lc_buf *out)
{
	w->out = out;
	w->mark = out->len;
	w->status = LC_OK;
}

void
lc_jsonw_fail(lc_jsonw *w, lc_status st)
{
	if (w->status != LC_OK || st == LC_OK)
		return;
	w->status = st;
	if (w->out->ptr != NULL) {
		w->out->len = w->mark;
		w->out->ptr[w->mark] = 0;
	}
}

/* One append, checked: the only place a status turns sticky. */
static inline void
put(lc_jsonw *w, const void *s, size_t n)
{
	if (w->status == LC_OK)
		lc_jsonw_fail(w, lc_buf_append(w->out, s, n));
}

void
lc_jsonw_raw(lc_jsonw *w, const char *s)
{
	put(w, s, strlen(s));
}

void
lc_jsonw_raw_n(lc_jsonw *w, const void *s, size_t n)
{
	put(w, s, n);
}

void
lc_jsonw_printf(lc_jsonw *w, const char *fmt, ...)
{
	char small[64];
	va_list ap;
	int n;

	if (w->status != LC_OK)
		return;
	va_start(ap, fmt);
	n = vsnprintf(small, sizeof small, fmt, ap);
	va_end(ap);
	if (n < 0) {
		lc_jsonw_fail(w, LC_EINVAL);
	} else if ((size_t)n < sizeof small) {
		put(w, small, (size_t)n);
	} else {
		lc_jsonw_fail(w, lc_buf_reserve(w->out, (size_t)n));
		if (w->status != LC_OK)
			return;
		va_start(ap, fmt);
		vsnprintf((char *)w->out->ptr + w->out->len, (size_t)n + 1, fmt, ap);
		va_end(ap);
		w->out->len += (size_t)n;
	}
}

void
lc_jsonw_i64(lc_jsonw *w, int64_t v)
{
	lc_jsonw_printf(w, "%" PRId64, v);
}

void
lc_jsonw_u64(lc_jsonw *w, uint64_t v)
{
	lc_jsonw_printf(w, "%" PRIu64, v);
}

/* The escape of a byte below 0x20, '"' or '\\' into esc; its length. */
static size_t
escape_byte(uint8_t c, char esc[6])
{
	static const char hex[] = "0123456789abcdef";

	esc[0] = '\\';
	switch (c) {
	case '"':  esc[1] = '"'; return 2;
	case '\\': esc[1] = '\\'; return 2;
	case '\n': esc[1] = 'n'; return 2;
	case '\r': esc[1] = 'r'; return 2;
	case '\t': esc[1] = 't'; return 2;
	default:
		esc[1] = 'u', esc[2] = '0', esc[3] = '0', esc[4] = hex[c >> 4], esc[5] = hex[c & 15];
		return 6;
	}
}

void
lc_jsonw_str_body(lc_jsonw *w, lc_bytes s)
{
	size_t i = 0, n = s.len;

	while (i < n && w->status == LC_OK) {
		size_t j = i, k;
		char esc[6];

		while (j < n && s.ptr[j] >= 0x20 && s.ptr[j] < 0x80 && s.ptr[j] != '"' && s.ptr[j] != '\\')
			j++;
		put(w, s.ptr + i, j - i);
		if (j == n)
			break;
		if (s.ptr[j] >= 0x80) {
			k = lc_utf8_len(s.ptr + j, n - j);
			if (k)
				put(w, s.ptr + j, k);
			else
				put(w, "\\ufffd", 6);
			i = j + (k ? k : 1);
			continue;
		}
		put(w, esc, escape_byte(s.ptr[j], esc));
		i = j + 1;
	}
}

void
lc_jsonw_str(lc_jsonw *w, lc_bytes s)
{
	put(w, "\"", 1);
	lc_jsonw_str_body(w, s);
	put(w, "\"", 1);
}

void
lc_jsonw_base64(lc_jsonw *w, lc_bytes s)
{
	put(w, "\"", 1);
	if (w->status == LC_OK)
		lc_jsonw_fail(w, lc_base64_append(w->out, s));
	put(w, "\"", 1);
}

lc_status
lc_jsonw_end(const lc_jsonw *w)
{
	return w->status;
}
