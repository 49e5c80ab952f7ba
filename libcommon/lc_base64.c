/* SPDX-License-Identifier: MIT */
/* lc_base64: standard base64 (RFC 4648 section 4, padded), the tree's one base64 codec. */
#include <stdint.h>

#include "lc_base64.h"

/*
 * Written by hand rather than taken from OpenSSL's EVP_EncodeBlock/DecodeBlock:
 * OpenSSL is the redaction module's dependency (lc_redact.c includes it and
 * nothing else may), EVP_DecodeBlock accepts what we refuse (whitespace, a
 * result padded with zero bytes instead of cut) and says nothing of what is
 * wrong. Forty lines here cost less than a second owner of OpenSSL.
 */

static const char b64_tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

lc_status
lc_base64_append(lc_buf *out, lc_bytes b)
{
	size_t n = lc_base64_len(b.len), i;
	lc_status rc = lc_buf_reserve(out, n);
	char *o;

	if (rc != LC_OK)
		return rc;
	o = (char *)out->ptr + out->len;
	for (i = 0; i + 2 < b.len; i += 3) {
		uint32_t v = (uint32_t)b.ptr[i] << 16 | (uint32_t)b.ptr[i + 1] << 8 | b.ptr[i + 2];
		*o++ = b64_tab[v >> 18]; *o++ = b64_tab[(v >> 12) & 63];
		*o++ = b64_tab[(v >> 6) & 63]; *o++ = b64_tab[v & 63];
	}
	if (i < b.len) {
		uint32_t v = (uint32_t)b.ptr[i] << 16 | (i + 1 < b.len ? (uint32_t)b.ptr[i + 1] << 8 : 0);
		*o++ = b64_tab[v >> 18]; *o++ = b64_tab[(v >> 12) & 63];
		*o++ = i + 1 < b.len ? b64_tab[(v >> 6) & 63] : '=';
		*o++ = '=';
	}
	out->len += n;
	out->ptr[out->len] = 0;
	return LC_OK;
}

static int
b64_val(uint8_t c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

static lc_status
b64_bad(const char **why, const char *what)
{
	if (why != NULL)
		*why = what;
	return LC_EPARSE;
}

lc_status
lc_base64_decode(const void *in, size_t n, void *out, size_t *out_len, const char **why)
{
	const uint8_t *s = in;
	uint8_t *dst = out;
	size_t o = 0, pad = 0;
	uint32_t acc = 0;
	int bits = 0;

	*out_len = 0;
	if (n % 4 != 0)
		return b64_bad(why, "base64 length is not a multiple of 4");
	for (size_t i = 0; i < n; i++) {
		int v;

		if (s[i] == '=') {
			if (i < n - 2 || (i == n - 2 && s[n - 1] != '='))
				return b64_bad(why, "misplaced '=' in base64");
			pad++;
			continue;
		}
		if ((v = b64_val(s[i])) < 0)
			return b64_bad(why, "bad character in base64");
		acc = acc << 6 | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			dst[o++] = (uint8_t)(acc >> bits);
		}
	}
	if (pad > 0 && (acc & ((1u << bits) - 1)) != 0)
		return b64_bad(why, "base64 has stray bits before its padding");
	*out_len = o;
	return LC_OK;
}
