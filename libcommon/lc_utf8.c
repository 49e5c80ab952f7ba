/* SPDX-License-Identifier: MIT */
/* lc_utf8: UTF-8 validation and decoding, one sequence at a time. */
#include "lc_utf8.h"

size_t
lc_utf8_len(const uint8_t *s, size_t n)
{
	uint32_t cp;

	return lc_utf8_decode(s, n, &cp);
}

size_t
lc_utf8_decode(const uint8_t *s, size_t n, uint32_t *out)
{
	uint32_t c = s[0], cp, min;
	size_t len;

	if (c < 0x80) {
		*out = c;
		return 1;
	}
	if (c >= 0xc2 && c <= 0xdf)
		len = 2, cp = c & 0x1f, min = 0x80;
	else if (c >= 0xe0 && c <= 0xef)
		len = 3, cp = c & 0x0f, min = 0x800;
	else if (c >= 0xf0 && c <= 0xf4)
		len = 4, cp = c & 0x07, min = 0x10000;
	else
		return 0;
	if (n < len)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	*out = cp;
	return len;
}
