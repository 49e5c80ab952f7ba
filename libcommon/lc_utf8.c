/* SPDX-License-Identifier: MIT */
/* lc_utf8: UTF-8 validation, decoding and encoding; the tree's one UTF-8 codec. */
#include <string.h>

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

bool
lc_utf8_valid(const uint8_t *s, size_t n)
{
	size_t i = 0, k;

	while (i < n) {
		if (i + 8 <= n) {
			uint64_t w;

			memcpy(&w, s + i, 8);
			if ((w & 0x8080808080808080ull) == 0) {
				i += 8;
				continue;
			}
		}
		if (s[i] < 0x80) {
			i++;
			continue;
		}
		if ((k = lc_utf8_len(s + i, n - i)) == 0)
			return false;
		i += k;
	}
	return true;
}

size_t
lc_utf8_cut(const uint8_t *s, size_t len, size_t max)
{
	size_t n = max;

	if (max >= len)
		return len;
	while (n > 0 && (s[n] & 0xc0) == 0x80)
		n--;
	return n;
}

size_t
lc_utf8_encode(uint32_t cp, uint8_t o[LC_UTF8_MAX])
{
	if (cp < 0x80) {
		o[0] = (uint8_t)cp;
		return 1;
	}
	if (cp < 0x800) {
		o[0] = (uint8_t)(0xc0 | cp >> 6);
		o[1] = (uint8_t)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		o[0] = (uint8_t)(0xe0 | cp >> 12);
		o[1] = (uint8_t)(0x80 | (cp >> 6 & 0x3f));
		o[2] = (uint8_t)(0x80 | (cp & 0x3f));
		return 3;
	}
	o[0] = (uint8_t)(0xf0 | cp >> 18);
	o[1] = (uint8_t)(0x80 | (cp >> 12 & 0x3f));
	o[2] = (uint8_t)(0x80 | (cp >> 6 & 0x3f));
	o[3] = (uint8_t)(0x80 | (cp & 0x3f));
	return 4;
}
