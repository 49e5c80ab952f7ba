/* SPDX-License-Identifier: MIT */
/* fuzz_cards: no standalone Luhn-valid card run survives redaction in text, JSON, form or query. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "lc_redact.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/*
 * The oracle is written apart from lc_redact.c, from the rule in
 * docs/internals/redaction.md: a run is digit groups joined by runs of 1-6
 * separator units; it is a card when it stands alone (no letter, digit or '_'
 * next to it, no mark between it and one), has 13-19 digits, groups of 3+ or
 * fours and a shorter last one, passes Luhn, and is not a bare 1-prefixed
 * number of other than 15 digits. No such run may be left in the output.
 */
enum { T_DIGIT, T_BLANK, T_MARK, T_WORD, T_OTHER };

static const unsigned long blanks[] = {0x20, 0x09, 0x2b, 0xa0, 0x1680, 0x2000, 0x2001, 0x2002,
	0x2003, 0x2004, 0x2005, 0x2006, 0x2007, 0x2008, 0x2009, 0x200a, 0x200b, 0x202f, 0x205f,
	0x3000};
static const unsigned long marks[] = {0x2d, 0x2e, 0x2f, 0x2010, 0x2011, 0x2012, 0x2013, 0x2014,
	0x2015, 0x2212};

static size_t
utf8_of(unsigned long cp, uint8_t *u)
{
	if (cp < 0x80) {
		u[0] = (uint8_t)cp;
		return 1;
	}
	if (cp < 0x800) {
		u[0] = (uint8_t)(0xc0 | cp >> 6), u[1] = (uint8_t)(0x80 | (cp & 63));
		return 2;
	}
	u[0] = (uint8_t)(0xe0 | cp >> 12), u[1] = (uint8_t)(0x80 | (cp >> 6 & 63));
	u[2] = (uint8_t)(0x80 | (cp & 63));
	return 3;
}

static int
hexdig(uint8_t c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c |= 0x20;
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* How long a spelling of cp is at p: raw UTF-8, percent-encoded, or (json) \uXXXX. */
static size_t
spelled(const uint8_t *p, size_t n, unsigned long cp, bool json)
{
	uint8_t u[3];
	size_t k = utf8_of(cp, u), i;

	if (n >= k && memcmp(p, u, k) == 0)
		return k;
	for (i = 0; i < k && 3 * i + 2 < n + 0 && p[3 * i] == '%' && hexdig(p[3 * i + 1]) >= 0 &&
	    hexdig(p[3 * i + 2]) >= 0 &&
	    (unsigned)(hexdig(p[3 * i + 1]) * 16 + hexdig(p[3 * i + 2])) == u[i]; i++)
		;
	if (i == k)
		return 3 * k;
	if (json && n >= 6 && p[0] == '\\' && p[1] == 'u') {
		unsigned long v = 0;
		for (i = 2; i < 6 && hexdig(p[i]) >= 0; i++)
			v = v * 16 + (unsigned long)hexdig(p[i]);
		if (i == 6 && v == cp)
			return 6;
	}
	return 0;
}

/* The token at p: its class and length. */
static int
token(const uint8_t *p, size_t n, bool json, size_t *len)
{
	size_t best = 0;
	int cls = T_OTHER;

	if (p[0] >= '0' && p[0] <= '9') {
		*len = 1;
		return T_DIGIT;
	}
	if (json && n >= 2 && p[0] == '\\' && (p[1] == 't' || p[1] == '/')) {
		*len = 2;
		return p[1] == 't' ? T_BLANK : T_MARK;
	}
	for (size_t i = 0; i < sizeof(blanks) / sizeof(blanks[0]); i++) {
		size_t l = spelled(p, n, blanks[i], json);
		if (l > best)
			best = l, cls = T_BLANK;
	}
	for (size_t i = 0; i < sizeof(marks) / sizeof(marks[0]); i++) {
		size_t l = spelled(p, n, marks[i], json);
		if (l > best)
			best = l, cls = T_MARK;
	}
	if (best > 0) {
		*len = best;
		return cls;
	}
	*len = 1;
	if (json && p[0] == '\\' && n >= 2)
		*len = p[1] == 'u' && n >= 6 ? 6 : 2;
	else if (p[0] == '%' && n >= 3 && hexdig(p[1]) >= 0 && hexdig(p[2]) >= 0)
		*len = 3;
	else if ((p[0] >= 'a' && p[0] <= 'z') || (p[0] >= 'A' && p[0] <= 'Z') || p[0] == '_')
		return T_WORD;
	return T_OTHER;
}

#define TOK_MAX 32768

typedef struct toks {
	uint8_t cls[TOK_MAX];
	uint32_t at[TOK_MAX];
	size_t n;
} toks;

static void
tokenize(const uint8_t *s, size_t n, bool json, toks *t)
{
	size_t i = 0, len;

	t->n = 0;
	while (i < n && t->n < TOK_MAX) {
		t->cls[t->n] = (uint8_t)token(s + i, n - i, json, &len);
		t->at[t->n++] = (uint32_t)i;
		i += len;
	}
}

/* Separator tokens from k on while at most 6; returns the index after them. */
static size_t
seps_from(const toks *t, size_t k, int step, bool *mark, size_t *units)
{
	*mark = false, *units = 0;
	while (*units < 6 && k < t->n && (t->cls[k] == T_BLANK || t->cls[k] == T_MARK)) {
		*mark = *mark || t->cls[k] == T_MARK;
		(*units)++;
		k = (size_t)((long)k + step);
	}
	return k;
}

static bool
edge_ok(const toks *t, size_t k, int step)
{
	bool mark;
	size_t units, j = seps_from(t, k, step, &mark, &units);

	if (j >= t->n)             /* the field's edge (k - 1 wrapped to SIZE_MAX too) */
		return true;
	if (t->cls[j] != T_WORD && t->cls[j] != T_DIGIT)
		return true;
	return units > 0 && !mark;
}

static bool
run_is_card(const uint8_t *s, const toks *t, size_t a, size_t b)
{
	char d[32];
	int groups[32], ng = 0, sum = 0;
	size_t nd = 0;

	for (size_t k = a; k < b; k++) {
		if (t->cls[k] != T_DIGIT) {
			if (t->cls[k - 1] == T_DIGIT)
				ng++;
			continue;
		}
		if (nd >= 19 || ng >= 31)
			return false;
		d[nd++] = (char)s[t->at[k]];
		groups[ng] = (k == a || t->cls[k - 1] != T_DIGIT) ? 1 : groups[ng] + 1;
	}
	ng++;
	if (nd < 13)
		return false;
	if (ng == 1 && d[0] == '1' && nd != 15)
		return false;
	for (int g = 0, all3 = 1, fours = 1; g < ng; g++) {
		all3 = all3 && groups[g] >= 3;
		fours = fours && (g == ng - 1 || groups[g] == 4);
		if (g == ng - 1 && !all3 && !fours)
			return false;
	}
	for (size_t i = nd, pos = 0; i-- > 0; pos++) {
		int v = d[i] - '0';
		if (pos & 1)
			v = v * 2 > 9 ? v * 2 - 9 : v * 2;
		sum += v;
	}
	return sum % 10 == 0;
}

static toks tk;

/* Abort when a standalone card run is in s. */
static void
assert_no_card(const uint8_t *s, size_t n, bool json, const char *what)
{
	tokenize(s, n, json, &tk);
	for (size_t k = 0; k < tk.n;) {
		size_t e = k, units;
		bool mark;

		if (tk.cls[k] != T_DIGIT) {
			k++;
			continue;
		}
		for (;;) {          /* the run: groups joined by 1-6 separators */
			size_t j;
			while (e < tk.n && tk.cls[e] == T_DIGIT)
				e++;
			j = seps_from(&tk, e, 1, &mark, &units);
			if (units == 0 || j >= tk.n || tk.cls[j] != T_DIGIT)
				break;
			e = j;
		}
		if (edge_ok(&tk, k - 1, -1) && edge_ok(&tk, e, 1) && run_is_card(s, &tk, k, e)) {
			fprintf(stderr, "card left in %s: %.*s\n", what, (int)n, (const char *)s);
			abort();
		}
		k = e;
	}
}

/* The JSON value filling all of p..p+n, or NULL. */
static cJSON *
parse_whole(const void *p, size_t n)
{
	const char *end = NULL, *stop = (const char *)p + n;
	cJSON *j = cJSON_ParseWithLengthOpts(p, n, &end, 0);

	while (j != NULL && end < stop && strchr(" \t\r\n", *end) != NULL && *end)
		end++;
	if (j != NULL && end != stop) {
		cJSON_Delete(j);
		j = NULL;
	}
	return j;
}

/* Can p be the contents of a JSON string as it is? */
static bool
json_string_ok(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (p[i] == '"' || p[i] < 0x20)
			return false;
		if (p[i] != '\\')
			continue;
		if (i + 1 >= n)
			return false;
		if (p[i + 1] == 'u') {
			for (size_t k = 2; k < 6; k++)
				if (i + k >= n || hexdig(p[i + k]) < 0)
					return false;
			i += 5;
		} else if (strchr("\"\\/bfnrt", p[i + 1]) == NULL || p[i + 1] == 0) {
			return false;
		} else {
			i++;
		}
	}
	return true;
}

/* {"text":"<data>"}: data as it is when it is string contents, else escaped. */
static size_t
json_frame(uint8_t *out, const uint8_t *p, size_t n)
{
	size_t o = (size_t)sprintf((char *)out, "{\"text\":\"");

	if (json_string_ok(p, n)) {
		memcpy(out + o, p, n);
		o += n;
	} else {
		for (size_t i = 0; i < n; i++) {
			if (p[i] == '"' || p[i] == '\\' || p[i] < 0x20)
				o += (size_t)sprintf((char *)out + o, "\\u%04x", p[i]);
			else
				out[o++] = p[i];
		}
	}
	memcpy(out + o, "\"}", 2);
	return o + 2;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char key[] = "fuzz-key-0123456789abcdef-fuzzing";
	static uint8_t buf[6 * 4096 + 64];
	lc_redactor *r = NULL;
	lc_redact_scratch s;
	cx_event in, out;
	unsigned ctx;
	size_t n = 0, skip = 0;
	cJSON *before = NULL, *after;

	if (size < 1 || size > 4096)
		return 0;
	ctx = data[0] % 4;
	data++, size--;
	if (lc_redactor_from_key(key, sizeof(key) - 1, 0, &r, NULL) != LC_OK)
		abort();
	memset(&in, 0, sizeof(in));
	in.kind = ctx == 0 || ctx == 1 ? CX_FRAME_IN : CX_HTTP_REQUEST;
	if (ctx == 1) {           /* a JSON frame: the string's contents are scanned */
		n = json_frame(buf, data, size);
		skip = 9;
		before = parse_whole(buf, n);
	} else {                  /* text frame, form body, query: a fixed lead, then the data */
		n = (size_t)sprintf((char *)buf, "%s", ctx == 3 ? "/p?c=" : "c=");
		memcpy(buf + n, data, size);
		skip = n;
		n += size;
	}
	if (ctx == 3)
		in.path = lc_bytes_make(buf, n);
	else
		in.raw = lc_bytes_make(buf, n);
	lc_redact_scratch_init(&s);
	if (lc_redact_event(r, &in, &out, &s) != LC_OK)
		abort();
	if (ctx == 3)
		assert_no_card(out.path.ptr + skip, out.path.len - skip, false, "query");
	else if (ctx == 1)
		assert_no_card(out.raw.ptr + skip, out.raw.len - skip - 2, true, "JSON string");
	else
		assert_no_card(out.raw.ptr + skip, out.raw.len - skip, false, "text");
	if (before != NULL) {
		after = parse_whole(out.raw.ptr, out.raw.len);
		if (after == NULL)
			abort();     /* redaction broke valid JSON */
		cJSON_Delete(after);
		cJSON_Delete(before);
	}
	lc_redact_scratch_free(&s);
	lc_redactor_free(r);
	return 0;
}
