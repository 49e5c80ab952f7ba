/* SPDX-License-Identifier: MIT */
/* lc_evjson: cx_event as one JSON line and back, with a small strict parser of its own. */
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lc_base64.h"
#include "lc_evjson.h"
#include "lc_jsonw.h"
#include "lc_utf8.h"

/*
 * Why a parser of our own and not cJSON: cJSON reads numbers as doubles, and
 * a nanosecond wall time (19 digits) does not survive a double. The format is
 * flat, so the parser is small; it is fuzzed (tests/fuzz/fuzz_evjson.c).
 */

#define SKIP_DEPTH_MAX 32   /* nesting of an unknown value we skip */

struct lc_evjson_parser {
	lc_buf store;                       /* decoded bytes the event points into */
	cx_header headers[CX_HEADERS_MAX];
};

/* ---------------------------------------------------------------- writing */

/* A bytes value goes as a JSON string when it is valid UTF-8 without NUL. */
static bool
utf8_plain(lc_bytes b)
{
	return b.len == 0 || (memchr(b.ptr, 0, b.len) == NULL && lc_utf8_valid(b.ptr, b.len));
}

static void
put_bytes(lc_jsonw *w, lc_bytes b)
{
	if (utf8_plain(b)) {
		lc_jsonw_str(w, b);
		return;
	}
	lc_jsonw_raw(w, "{\"b64\":");
	lc_jsonw_base64(w, b);
	lc_jsonw_raw(w, "}");
}

/* ,"key": then the bytes, when b is not empty. */
static void
put_field_bytes(lc_jsonw *w, const char *key, lc_bytes b)
{
	if (b.len == 0)
		return;
	lc_jsonw_printf(w, ",\"%s\":", key);
	put_bytes(w, b);
}

static void
put_headers(lc_jsonw *w, const cx_event *ev)
{
	if (ev->n_headers == 0 || ev->headers == NULL)
		return;
	lc_jsonw_raw(w, ",\"headers\":[");
	for (uint32_t i = 0; i < ev->n_headers; i++) {
		lc_jsonw_raw(w, i ? ",[" : "[");
		put_bytes(w, ev->headers[i].name);
		lc_jsonw_raw(w, ",");
		put_bytes(w, ev->headers[i].value);
		lc_jsonw_raw(w, "]");
	}
	lc_jsonw_raw(w, "]");
}

/* ,"key":v when v is not zero. */
static void
put_field_u64(lc_jsonw *w, const char *key, uint64_t v)
{
	if (v == 0)
		return;
	lc_jsonw_printf(w, ",\"%s\":", key);
	lc_jsonw_u64(w, v);
}

static void
put_event(lc_jsonw *w, const cx_event *ev)
{
	const char *kn = cx_kind_name(ev->kind);

	lc_jsonw_raw(w, "{\"seq\":");
	lc_jsonw_u64(w, ev->seq);
	if (strcmp(kn, "unknown") != 0)
		lc_jsonw_printf(w, ",\"kind\":\"%s\"", kn);
	else
		lc_jsonw_printf(w, ",\"kind\":%u", (unsigned)ev->kind);
	put_field_u64(w, "flags", ev->flags);
	lc_jsonw_raw(w, ",\"wall_ns\":");
	lc_jsonw_i64(w, ev->wall_ns);
	if (ev->mono_ns) {
		lc_jsonw_raw(w, ",\"mono_ns\":");
		lc_jsonw_i64(w, ev->mono_ns);
	}
	put_field_bytes(w, "session", ev->session);
	put_field_bytes(w, "conversation", ev->conversation);
	put_field_bytes(w, "raw", ev->raw);
	put_field_u64(w, "exchange", ev->exchange);
	put_field_bytes(w, "method", ev->method);
	put_field_bytes(w, "path", ev->path);
	put_field_u64(w, "status", ev->status);
	if (ev->close_code)
		lc_jsonw_printf(w, ",\"close_code\":%" PRId32, ev->close_code);
	put_field_bytes(w, "reason", ev->reason);
	put_headers(w, ev);
	lc_jsonw_raw(w, "}\n");
}

lc_status
lc_evjson_append(lc_buf *out, const cx_event *ev)
{
	lc_jsonw w;

	lc_jsonw_init(&w, out);
	put_event(&w, ev);
	return lc_jsonw_end(&w);
}

/* ---------------------------------------------------------------- parsing */

typedef struct pstate {
	const uint8_t *s;
	size_t len, pos;
	lc_buf *store;      /* reserved up front: appends never move it */
	lc_err *err;
} pstate;

static lc_status LC_PRINTF(3, 4)
perr(pstate *p, lc_status st, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	return lc_err_set(p->err, st, "column %zu: %s", p->pos + 1, msg);
}

static void
skip_ws(pstate *p)
{
	while (p->pos < p->len && (p->s[p->pos] == ' ' || p->s[p->pos] == '\t' ||
	    p->s[p->pos] == '\n' || p->s[p->pos] == '\r'))
		p->pos++;
}

static bool
eat(pstate *p, char c)
{
	skip_ws(p);
	if (p->pos < p->len && p->s[p->pos] == c) {
		p->pos++;
		return true;
	}
	return false;
}

static int
hexval(uint8_t c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static lc_status
read_hex4(pstate *p, uint32_t *out)
{
	uint32_t v = 0;

	if (p->len - p->pos < 4)
		return perr(p, LC_EPARSE, "short \\u escape");
	for (int i = 0; i < 4; i++) {
		int h = hexval(p->s[p->pos + i]);
		if (h < 0)
			return perr(p, LC_EPARSE, "bad hex digit in \\u escape");
		v = v << 4 | (uint32_t)h;
	}
	p->pos += 4;
	*out = v;
	return LC_OK;
}

static void
store_put(pstate *p, const void *b, size_t n)
{
	memcpy(p->store->ptr + p->store->len, b, n);
	p->store->len += n;
}

static void
store_utf8(pstate *p, uint32_t cp)
{
	uint8_t u[LC_UTF8_MAX];

	store_put(p, u, lc_utf8_encode(cp, u));
}

/* A \u escape after the backslash and 'u': surrogate pairs join, a lone one is an error. */
static lc_status
read_unicode(pstate *p)
{
	uint32_t cp, lo;
	lc_status rc = read_hex4(p, &cp);

	if (rc != LC_OK)
		return rc;
	if (cp >= 0xdc00 && cp <= 0xdfff)
		return perr(p, LC_EPARSE, "lone low surrogate in \\u escape");
	if (cp >= 0xd800 && cp <= 0xdbff) {
		if (p->len - p->pos < 2 || p->s[p->pos] != '\\' || p->s[p->pos + 1] != 'u')
			return perr(p, LC_EPARSE, "high surrogate without its low half");
		p->pos += 2;
		rc = read_hex4(p, &lo);
		if (rc != LC_OK)
			return rc;
		if (lo < 0xdc00 || lo > 0xdfff)
			return perr(p, LC_EPARSE, "high surrogate without its low half");
		cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
	}
	store_utf8(p, cp);
	return LC_OK;
}

/* A JSON string at pos (after whitespace), unescaped into the store; *out points at it. */
static lc_status
read_string(pstate *p, lc_bytes *out)
{
	size_t start = p->store->len;

	if (!eat(p, '"'))
		return perr(p, LC_EPARSE, "expected a string");
	for (;;) {
		size_t run = p->pos;
		uint8_t c = 0;

		while (p->pos < p->len && (c = p->s[p->pos]) != '"' && c != '\\' && c >= 0x20)
			p->pos++;
		store_put(p, p->s + run, p->pos - run);
		if (p->pos >= p->len)
			return perr(p, LC_EPARSE, "unterminated string");
		if (c < 0x20)
			return perr(p, LC_EPARSE, "control character in a string");
		p->pos++;
		if (c == '"')
			break;
		if (p->pos >= p->len)
			return perr(p, LC_EPARSE, "unterminated escape");
		c = p->s[p->pos++];
		switch (c) {
		case '"': case '\\': case '/': store_put(p, &c, 1); break;
		case 'n': store_put(p, "\n", 1); break;
		case 'r': store_put(p, "\r", 1); break;
		case 't': store_put(p, "\t", 1); break;
		case 'b': store_put(p, "\b", 1); break;
		case 'f': store_put(p, "\f", 1); break;
		case 'u': {
			lc_status rc = read_unicode(p);
			if (rc != LC_OK)
				return rc;
			break;
		}
		default:
			p->pos--;
			return perr(p, LC_EPARSE, "unknown escape \\%c", c >= 0x20 && c < 0x7f ? c : '?');
		}
	}
	*out = lc_bytes_make(p->store->ptr + start, p->store->len - start);
	return LC_OK;
}

/* Decode base64 in place inside the store: io points at the text just read. */
static lc_status
decode_b64(pstate *p, lc_bytes *io)
{
	const char *why = NULL;
	size_t o;

	/* the store is ours to rewrite, and decoding never overtakes its input */
	if (lc_base64_decode(io->ptr, io->len, (uint8_t *)io->ptr, &o, &why) != LC_OK)
		return perr(p, LC_EPARSE, "%s", why);
	p->store->len -= io->len - o;
	io->len = o;
	return LC_OK;
}

/* A bytes value: a string, {"b64":"..."}, or null (empty). */
static lc_status
read_bytes(pstate *p, lc_bytes *out)
{
	lc_bytes key;
	lc_status rc;

	skip_ws(p);
	if (p->len - p->pos >= 4 && memcmp(p->s + p->pos, "null", 4) == 0) {
		p->pos += 4;
		*out = LC_BYTES_NULL;
		return LC_OK;
	}
	if (p->pos < p->len && p->s[p->pos] == '"')
		return read_string(p, out);
	if (!eat(p, '{'))
		return perr(p, LC_EPARSE, "expected a string or {\"b64\":...}");
	rc = read_string(p, &key);
	if (rc != LC_OK)
		return rc;
	p->store->len -= key.len;
	if (!lc_bytes_eq_str(key, "b64"))
		return perr(p, LC_EPARSE, "a bytes object holds only \"b64\"");
	if (!eat(p, ':'))
		return perr(p, LC_EPARSE, "expected ':'");
	rc = read_string(p, out);
	if (rc == LC_OK)
		rc = decode_b64(p, out);
	if (rc == LC_OK && !eat(p, '}'))
		rc = perr(p, LC_EPARSE, "expected '}' after the base64 string");
	return rc;
}

/* An integer in [lo, hi]; fractions, exponents and overflow are errors. */
static lc_status
read_int(pstate *p, const char *what, int64_t lo, uint64_t hi, uint64_t *mag, bool *neg)
{
	uint64_t v = 0;
	size_t digits = 0;

	skip_ws(p);
	*neg = p->pos < p->len && p->s[p->pos] == '-';
	if (*neg)
		p->pos++;
	while (p->pos < p->len && p->s[p->pos] >= '0' && p->s[p->pos] <= '9') {
		unsigned d = p->s[p->pos] - '0';
		if (v > (UINT64_MAX - d) / 10)
			return perr(p, LC_EPARSE, "%s is out of range", what);
		v = v * 10 + d;
		p->pos++;
		digits++;
	}
	if (digits == 0)
		return perr(p, LC_EPARSE, "%s must be an integer", what);
	if (p->pos < p->len && (p->s[p->pos] == '.' || p->s[p->pos] == 'e' || p->s[p->pos] == 'E'))
		return perr(p, LC_EPARSE, "%s must be an integer, not a fraction", what);
	if ((*neg && v > (uint64_t)(-(lo + 1)) + 1) || (!*neg && v > hi))
		return perr(p, LC_EPARSE, "%s is out of range", what);
	if (*neg && v == 0)
		*neg = false;
	*mag = v;
	return LC_OK;
}

static lc_status
read_u64(pstate *p, const char *what, uint64_t hi, uint64_t *out)
{
	bool neg;
	return read_int(p, what, 0, hi, out, &neg);
}

static lc_status
read_i64(pstate *p, const char *what, int64_t lo, int64_t hi, int64_t *out)
{
	uint64_t mag;
	bool neg;
	lc_status rc = read_int(p, what, lo, (uint64_t)hi, &mag, &neg);

	if (rc == LC_OK)
		*out = neg ? (int64_t)(0 - mag) : (int64_t)mag;
	return rc;
}

/* Skip any JSON value (an unknown key's), nesting at most SKIP_DEPTH_MAX deep. */
static lc_status
skip_value(pstate *p, int depth)
{
	lc_bytes tmp;
	size_t mark = p->store->len;
	lc_status rc = LC_OK;

	if (depth > SKIP_DEPTH_MAX)
		return perr(p, LC_EPARSE, "value nested too deep");
	skip_ws(p);
	if (p->pos >= p->len)
		return perr(p, LC_EPARSE, "expected a value");
	switch (p->s[p->pos]) {
	case '"':
		rc = read_string(p, &tmp);
		p->store->len = mark;
		return rc;
	case '{':
	case '[': {
		char close = p->s[p->pos] == '{' ? '}' : ']';
		bool obj = close == '}';
		p->pos++;
		if (eat(p, close))
			return LC_OK;
		do {
			if (obj) {
				rc = read_string(p, &tmp);
				p->store->len = mark;
				if (rc == LC_OK && !eat(p, ':'))
					rc = perr(p, LC_EPARSE, "expected ':'");
			}
			if (rc == LC_OK)
				rc = skip_value(p, depth + 1);
		} while (rc == LC_OK && eat(p, ','));
		if (rc == LC_OK && !eat(p, close))
			rc = perr(p, LC_EPARSE, "expected ',' or '%c'", close);
		return rc;
	}
	default:
		break;
	}
	/* number, true, false, null: a run of their characters, checked loosely */
	{
		size_t start = p->pos;
		while (p->pos < p->len && strchr("0123456789+-.eEtruefalsn", p->s[p->pos]) != NULL &&
		    p->s[p->pos] != 0)
			p->pos++;
		if (p->pos == start)
			return perr(p, LC_EPARSE, "unexpected character");
	}
	return LC_OK;
}

static lc_status
read_headers(pstate *p, cx_event *ev, cx_header *hs)
{
	lc_status rc = LC_OK;

	ev->n_headers = 0;
	ev->headers = NULL;
	if (!eat(p, '['))
		return perr(p, LC_EPARSE, "headers must be an array of [name, value] pairs");
	if (eat(p, ']'))
		return LC_OK;
	do {
		if (ev->n_headers >= CX_HEADERS_MAX)
			return perr(p, LC_ETOOBIG, "more than %d headers", CX_HEADERS_MAX);
		if (!eat(p, '['))
			return perr(p, LC_EPARSE, "a header must be a [name, value] pair");
		rc = read_bytes(p, &hs[ev->n_headers].name);
		if (rc == LC_OK && !eat(p, ','))
			rc = perr(p, LC_EPARSE, "a header must be a [name, value] pair");
		if (rc == LC_OK)
			rc = read_bytes(p, &hs[ev->n_headers].value);
		if (rc == LC_OK && !eat(p, ']'))
			rc = perr(p, LC_EPARSE, "a header must be a [name, value] pair");
		ev->n_headers++;
	} while (rc == LC_OK && eat(p, ','));
	if (rc == LC_OK && !eat(p, ']'))
		rc = perr(p, LC_EPARSE, "expected ',' or ']' in headers");
	if (rc == LC_OK)
		ev->headers = hs;
	return rc;
}

static lc_status
read_kind(pstate *p, cx_event *ev)
{
	lc_bytes name;
	uint64_t v;
	lc_status rc;

	skip_ws(p);
	if (p->pos < p->len && p->s[p->pos] != '"') {
		rc = read_u64(p, "kind", 65535, &v);
		if (rc == LC_OK && v == 0)
			rc = perr(p, LC_EPARSE, "kind 0 does not exist");
		ev->kind = (cx_kind)v;
		return rc;
	}
	rc = read_string(p, &name);
	if (rc != LC_OK)
		return rc;
	p->store->len -= name.len;
	for (int k = 1; k <= CX_KIND_MAX; k++) {
		if (lc_bytes_eq_str(name, cx_kind_name((cx_kind)k))) {
			ev->kind = (cx_kind)k;
			return LC_OK;
		}
	}
	return perr(p, LC_EPARSE, "unknown kind \"%.*s\"", (int)(name.len > 40 ? 40 : name.len),
	    (const char *)name.ptr);
}

/* One "key": value of the object; *seen gets bits for kind (1) and wall_ns (2). */
static lc_status
read_member(pstate *p, cx_event *ev, cx_header *hs, unsigned *seen)
{
	lc_bytes key;
	uint64_t u = 0;
	int64_t i = 0;
	lc_status rc = read_string(p, &key);
	char k[16] = {0};

	if (rc != LC_OK)
		return rc;
	p->store->len -= key.len;
	if (key.len < sizeof k)
		memcpy(k, key.ptr, key.len);
	if (!eat(p, ':'))
		return perr(p, LC_EPARSE, "expected ':' after a key");
	if (strcmp(k, "seq") == 0) {
		rc = read_u64(p, "seq", UINT64_MAX, &ev->seq);
	} else if (strcmp(k, "kind") == 0) {
		rc = read_kind(p, ev);
		*seen |= 1;
	} else if (strcmp(k, "flags") == 0) {
		rc = read_u64(p, "flags", UINT32_MAX, &u);
		ev->flags = (uint32_t)u;
	} else if (strcmp(k, "wall_ns") == 0) {
		rc = read_i64(p, "wall_ns", INT64_MIN, INT64_MAX, &ev->wall_ns);
		*seen |= 2;
	} else if (strcmp(k, "mono_ns") == 0) {
		rc = read_i64(p, "mono_ns", INT64_MIN, INT64_MAX, &ev->mono_ns);
	} else if (strcmp(k, "session") == 0) {
		rc = read_bytes(p, &ev->session);
	} else if (strcmp(k, "conversation") == 0) {
		rc = read_bytes(p, &ev->conversation);
	} else if (strcmp(k, "raw") == 0) {
		rc = read_bytes(p, &ev->raw);
		if (rc == LC_OK && ev->raw.len > LC_FRAME_MAX)
			rc = perr(p, LC_ETOOBIG, "raw is %zu bytes, over the %zu-byte frame cap",
			    ev->raw.len, LC_FRAME_MAX);
	} else if (strcmp(k, "exchange") == 0) {
		rc = read_u64(p, "exchange", UINT64_MAX, &ev->exchange);
	} else if (strcmp(k, "method") == 0) {
		rc = read_bytes(p, &ev->method);
	} else if (strcmp(k, "path") == 0) {
		rc = read_bytes(p, &ev->path);
	} else if (strcmp(k, "status") == 0) {
		rc = read_u64(p, "status", UINT16_MAX, &u);
		ev->status = (uint16_t)u;
	} else if (strcmp(k, "close_code") == 0) {
		rc = read_i64(p, "close_code", INT32_MIN, INT32_MAX, &i);
		ev->close_code = (int32_t)i;
	} else if (strcmp(k, "reason") == 0) {
		rc = read_bytes(p, &ev->reason);
	} else if (strcmp(k, "headers") == 0) {
		rc = read_headers(p, ev, hs);
	} else {
		rc = skip_value(p, 1);
	}
	return rc;
}

lc_status
lc_evjson_parser_new(lc_evjson_parser **out, lc_err *err)
{
	lc_evjson_parser *p = calloc(1, sizeof *p);

	*out = NULL;
	if (p == NULL)
		return lc_err_set(err, LC_ENOMEM, "out of memory for a JSON-lines parser");
	lc_buf_init(&p->store, LC_EVJSON_LINE_MAX);
	*out = p;
	return LC_OK;
}

void
lc_evjson_parser_free(lc_evjson_parser *p)
{
	if (p == NULL)
		return;
	lc_buf_free(&p->store);
	free(p);
}

lc_status
lc_evjson_parse(lc_evjson_parser *ep, const void *line, size_t len, cx_event *ev, lc_err *err)
{
	pstate p = {line, len, 0, &ep->store, err};
	unsigned seen = 0;
	lc_status rc;

	memset(ev, 0, sizeof *ev);
	if (len > LC_EVJSON_LINE_MAX)
		return lc_err_set(err, LC_ETOOBIG, "line of %zu bytes is over the %zu-byte cap",
		    len, LC_EVJSON_LINE_MAX);
	lc_buf_reset(&ep->store);
	/* Decoding never makes text longer, so one reservation covers every string. */
	rc = lc_buf_reserve(&ep->store, len);
	if (rc != LC_OK)
		return lc_err_set(err, rc, "no memory for a %zu-byte line", len);
	if (!eat(&p, '{'))
		return perr(&p, LC_EPARSE, "a line must be one JSON object");
	if (!eat(&p, '}')) {
		do {
			rc = read_member(&p, ev, ep->headers, &seen);
		} while (rc == LC_OK && eat(&p, ','));
		if (rc != LC_OK)
			return rc;
		if (!eat(&p, '}'))
			return perr(&p, LC_EPARSE, "expected ',' or '}'");
	}
	skip_ws(&p);
	if (p.pos != len)
		return perr(&p, LC_EPARSE, "text after the object");
	if (!(seen & 1))
		return lc_err_set(err, LC_EPARSE, "the event has no \"kind\"");
	if (!(seen & 2))
		return lc_err_set(err, LC_EPARSE, "the event has no \"wall_ns\"");
	return LC_OK;
}
