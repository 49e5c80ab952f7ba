/* SPDX-License-Identifier: MIT */
/* lc_json: chat envelopes scanned in one pass without allocating; builders; REST bodies via cJSON. */
#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "lc_jsonw.h"
#include "lc_utf8.h"
#include "lc_json.h"

#define KEY_PATH_MAX 128     /* a dotted key path for lc_json_doc_* */

struct lc_json_parser {
	lc_buf scratch;         /* the last frame's unescaped strings; capped at LC_FRAME_MAX */
	cJSON *ref_root;        /* the reference path's last tree: its strings point into it */
	lc_buf ref_text;        /* the reference path's last text, capped at LC_ENV_TEXT_MAX */
};

struct lc_json_doc {
	cJSON *root;
	const cJSON *cursor;    /* lc_json_doc_next: the element to give next */
	char cursor_key[KEY_PATH_MAX];
	bool iterating;
	lc_buf text;
};

static const char *const type_names[LC_ENV_TYPE_COUNT] = {
	[LC_ENV_UNKNOWN] = "unknown", [LC_ENV_ROUTING] = "routing", [LC_ENV_MESSAGE] = "message",
	[LC_ENV_STATUS] = "status", [LC_ENV_ACK] = "ack", [LC_ENV_ERROR] = "error",
	[LC_ENV_TYPING] = "typing",
};

const char *
lc_env_type_name(lc_env_type t)
{
	return (unsigned)t < LC_ENV_TYPE_COUNT ? type_names[t] : "unknown";
}

const char *
lc_env_from_name(lc_env_from f)
{
	switch (f) {
	case LC_FROM_CUSTOMER: return "customer";
	case LC_FROM_AGENT:    return "agent";
	case LC_FROM_SYSTEM:   return "system";
	case LC_FROM_OTHER:    return "other";
	default:               return "none";
	}
}

static lc_env_type
type_parse(const char *s)
{
	for (int t = 1; t < LC_ENV_TYPE_COUNT; t++)
		if (strcmp(s, type_names[t]) == 0)
			return (lc_env_type)t;
	return LC_ENV_UNKNOWN;
}

static lc_env_from
from_parse(const char *s)
{
	if (strcmp(s, "customer") == 0)
		return LC_FROM_CUSTOMER;
	if (strcmp(s, "agent") == 0)
		return LC_FROM_AGENT;
	if (strcmp(s, "system") == 0)
		return LC_FROM_SYSTEM;
	return LC_FROM_OTHER;
}

/* ---- filling an envelope from a cJSON object ------------------------------------------ */

/* A string field: set it, or count a wrong type (null counts as absent). */
static bool
field_str(const cJSON *c, lc_bytes *dst, uint32_t bit, lc_envelope *env)
{
	if (cJSON_IsString(c) && c->valuestring != NULL) {
		*dst = lc_bytes_str(c->valuestring);
		env->present |= bit;
		return true;
	}
	if (!cJSON_IsNull(c))
		env->wrong_types++;
	return false;
}

/* A number field within [lo, hi]; anything else counts as a wrong type. */
static bool
field_num(const cJSON *c, double lo, double hi, double *dst, uint32_t bit, lc_envelope *env)
{
	if (cJSON_IsNumber(c) && isfinite(c->valuedouble) && c->valuedouble >= lo &&
	    c->valuedouble <= hi) {
		*dst = c->valuedouble;
		env->present |= bit;
		return true;
	}
	if (!cJSON_IsNull(c))
		env->wrong_types++;
	return false;
}

static void
field_from(const cJSON *c, lc_envelope *env)
{
	if (!cJSON_IsObject(c)) {
		if (!cJSON_IsNull(c))
			env->wrong_types++;
		return;
	}
	env->present |= LC_ENVF_FROM;
	env->from = LC_FROM_OTHER;
	for (const cJSON *f = c->child; f != NULL; f = f->next) {
		if (f->string == NULL)
			continue;
		if (strcmp(f->string, "type") == 0) {
			if (field_str(f, &env->from_type, 0, env))
				env->from = from_parse(f->valuestring);
		} else if (strcmp(f->string, "id") == 0) {
			field_str(f, &env->from_id, 0, env);
		}
	}
}

/* Copy the text into the capped buffer, cutting at a UTF-8 character boundary. */
static lc_status
field_text(const cJSON *c, lc_buf *text, lc_envelope *env)
{
	size_t n;
	lc_status rc;

	if (!cJSON_IsString(c) || c->valuestring == NULL) {
		if (!cJSON_IsNull(c))
			env->wrong_types++;
		return LC_OK;
	}
	n = strlen(c->valuestring);
	if (n > LC_ENV_TEXT_MAX) {
		n = lc_utf8_cut((const uint8_t *)c->valuestring, n, LC_ENV_TEXT_MAX);
		env->text_truncated = true;
	}
	lc_buf_reset(text);
	rc = lc_buf_append(text, c->valuestring, n);
	if (rc != LC_OK)
		return rc;
	env->text = lc_buf_bytes(text);
	env->present |= LC_ENVF_TEXT;
	return LC_OK;
}

static void
field_timestamp(const cJSON *c, lc_envelope *env)
{
	double v;

	/* +-2^62 ms: far beyond any date, and safely inside int64_t */
	if (field_num(c, -4.6e18, 4.6e18, &v, LC_ENVF_TIMESTAMP, env))
		env->timestamp_ms = (int64_t)v;
}

static void
field_code(const cJSON *c, lc_envelope *env)
{
	double v;

	if (field_num(c, -1e9, 1e9, &v, LC_ENVF_CODE, env))
		env->code = (int)v;
}

/* One pass over the object's members: a frame has few, and lookups by name would rescan. */
static lc_status
envelope_fill(const cJSON *obj, lc_buf *text, lc_envelope *env)
{
	lc_status rc = LC_OK;

	memset(env, 0, sizeof(*env));
	for (const cJSON *c = obj->child; c != NULL && rc == LC_OK; c = c->next) {
		const char *k = c->string;

		if (k == NULL)
			continue;
		if (strcmp(k, "type") == 0) {
			if (field_str(c, &env->type_name, LC_ENVF_TYPE, env))
				env->type = type_parse(c->valuestring);
		} else if (strcmp(k, "conversationId") == 0) {
			field_str(c, &env->conversation_id, LC_ENVF_CONVERSATION, env);
		} else if (strcmp(k, "messageId") == 0) {
			field_str(c, &env->message_id, LC_ENVF_MESSAGE_ID, env);
		} else if (strcmp(k, "from") == 0) {
			field_from(c, env);
		} else if (strcmp(k, "text") == 0) {
			rc = field_text(c, text, env);
		} else if (strcmp(k, "timestamp") == 0) {
			field_timestamp(c, env);
		} else if (strcmp(k, "status") == 0) {
			field_str(c, &env->status, LC_ENVF_STATUS, env);
		} else if (strcmp(k, "skill") == 0) {
			field_str(c, &env->skill, LC_ENVF_SKILL, env);
		} else if (strcmp(k, "queue") == 0) {
			field_str(c, &env->queue, LC_ENVF_QUEUE, env);
		} else if (strcmp(k, "code") == 0) {
			field_code(c, env);
		} else if (strcmp(k, "retryAfter") == 0) {
			field_num(c, 0, 1e9, &env->retry_after_s, LC_ENVF_RETRY_AFTER, env);
		}
	}
	return rc;
}

/* The JSON value filling all of data..data+len, or NULL: cJSON alone accepts trailing bytes. */
static cJSON *
parse_whole(const void *data, size_t len)
{
	const char *end = NULL, *stop = (const char *)data + len;
	cJSON *j = cJSON_ParseWithLengthOpts(data, len, &end, 0);

	while (j != NULL && end < stop && (*end == ' ' || *end == '\t' || *end == '\r' ||
	    *end == '\n'))
		end++;
	if (j != NULL && end != stop) {
		cJSON_Delete(j);
		j = NULL;
	}
	return j;
}

/* ---- the stream parser ------------------------------------------------------------------ */

lc_status
lc_json_parser_new(lc_json_parser **out, lc_err *err)
{
	lc_json_parser *p = calloc(1, sizeof(*p));

	*out = NULL;
	if (p == NULL)
		return lc_err_set(err, LC_ENOMEM, "out of memory making a JSON parser");
	lc_buf_init(&p->scratch, LC_FRAME_MAX);
	lc_buf_init(&p->ref_text, LC_ENV_TEXT_MAX);
	*out = p;
	return LC_OK;
}

void
lc_json_parser_free(lc_json_parser *p)
{
	if (p == NULL)
		return;
	lc_buf_free(&p->scratch);
	cJSON_Delete(p->ref_root);
	lc_buf_free(&p->ref_text);
	free(p);
}

lc_status
lc_json_envelope_parse_reference(lc_json_parser *p, const void *data, size_t len,
    lc_envelope *env)
{
	memset(env, 0, sizeof(*env));
	cJSON_Delete(p->ref_root);
	p->ref_root = NULL;
	if (len > LC_FRAME_MAX)
		return LC_ETOOBIG;
	if (data == NULL || len == 0)
		return LC_EPARSE;
	p->ref_root = parse_whole(data, len);
	if (p->ref_root == NULL || !cJSON_IsObject(p->ref_root))
		return LC_EPARSE;
	return envelope_fill(p->ref_root, &p->ref_text, env);
}

/*
 * ---- the envelope scanner ------------------------------------------------------------------
 *
 * One pass over the frame and no allocation per frame: strings without escapes are handed out
 * as views into the frame, escaped ones are unescaped into p->scratch, which is sized once per
 * frame (so views into it never move) and kept for the next frame.
 *
 * It accepts exactly what the cJSON path above accepts and fills the envelope the same way
 * (tests/fuzz/fuzz_envelope_diff.c checks that). The cJSON 1.7.15 habits it keeps on purpose:
 *  - inside the frame any byte <= 0x20 is whitespace (NUL and control bytes too); after the
 *    closing brace only space, tab, CR and LF (parse_whole's rule);
 *  - a UTF-8 BOM is skipped, but only in a frame of 5 bytes or more;
 *  - a number is the longest run of [0-9+-.eE] and strtod must take all of it, so "01", "1.",
 *    "-.5" and "1.e5" are numbers and 1e400 is an infinity (a wrong type for our fields);
 *  - in a string, raw bytes pass as they are (control bytes, invalid UTF-8); \u with a bad hex
 *    digit reads as U+0000; a lone low surrogate, or a high one without a low one after it,
 *    fails the frame; the unescaping walk steps over 6 or 12 bytes per \u whatever they are;
 *  - keys and string values end at their first NUL (cJSON hands out C strings);
 *  - members apply in order: for a repeated key the last good value wins, every bad one counts
 *    in wrong_types, and a cut text leaves text_truncated set;
 *  - at most CJSON_NESTING_LIMIT (1000) containers are open at once, the frame's own included.
 */

#define NEST_MAX 1000   /* cJSON's CJSON_NESTING_LIMIT */

/* The scanner's small steps, inlined into the member loop: calls were a third of its time. */
#if defined(__GNUC__)
#define HOT static inline __attribute__((always_inline))
#else
#define HOT static inline
#endif
#define KEY_MAX 16      /* a key is unescaped this far: ours are shorter */

typedef struct scan {
	const uint8_t *p;       /* next byte to read */
	const uint8_t *end;
	size_t len;             /* the whole frame's length */
	unsigned depth;         /* containers open at p */
	bool scratch_ready;     /* p->scratch has room for every string of this frame */
	lc_status rc;           /* LC_ENOMEM when the scratch could not grow, else LC_OK */
	lc_json_parser *jp;
} scan;

/* A string's raw body between its quotes, found by str_span. */
typedef struct jstr {
	const uint8_t *body;
	size_t len;
	size_t nul;             /* offset of the first raw NUL byte, or len */
	bool escaped;
} jstr;

/* A number's span, and its value when num_span could work it out exactly. */
typedef struct jnum {
	const uint8_t *start;
	size_t len;
	double v;
	bool quick;
} jnum;

enum value_kind { VK_BAD, VK_NULL, VK_TRUE, VK_FALSE, VK_STR, VK_NUM, VK_ARR, VK_OBJ };

enum key_id {
	K_OTHER, K_TYPE, K_CONVERSATION, K_MESSAGE_ID, K_FROM, K_TEXT, K_TIMESTAMP, K_STATUS,
	K_SKILL, K_QUEUE, K_CODE, K_RETRY_AFTER, K_ID
};

/* Bytes that stop the plain run of a string: its end, an escape, a NUL. */
static const uint8_t str_stop[256] = {[0] = 1, ['"'] = 1, ['\\'] = 1};

/* Bytes cJSON gathers into a number before handing it to strtod. */
static const uint8_t num_byte[256] = {
	['0'] = 1, ['1'] = 1, ['2'] = 1, ['3'] = 1, ['4'] = 1, ['5'] = 1, ['6'] = 1, ['7'] = 1,
	['8'] = 1, ['9'] = 1, ['+'] = 1, ['-'] = 1, ['e'] = 1, ['E'] = 1, ['.'] = 1,
};

HOT void
ws_skip(scan *s)
{
	while (s->p < s->end && *s->p <= 0x20)
		s->p++;
}

HOT enum value_kind
value_kind(const scan *s)
{
	size_t left = (size_t)(s->end - s->p);

	if (left == 0)
		return VK_BAD;
	switch (*s->p) {
	case '"': return VK_STR;
	case '{': return VK_OBJ;
	case '[': return VK_ARR;
	case 'n': return left >= 4 && memcmp(s->p, "null", 4) == 0 ? VK_NULL : VK_BAD;
	case 't': return left >= 4 && memcmp(s->p, "true", 4) == 0 ? VK_TRUE : VK_BAD;
	case 'f': return left >= 5 && memcmp(s->p, "false", 5) == 0 ? VK_FALSE : VK_BAD;
	case '-': return VK_NUM;
	default:  return *s->p >= '0' && *s->p <= '9' ? VK_NUM : VK_BAD;
	}
}

/* The first '"', '\\' or NUL byte in [q, end), or end: 16 bytes a step where SSE2 is there. */
static inline const uint8_t *
str_stop_find(const uint8_t *q, const uint8_t *end)
{
#ifdef __SSE2__
	const __m128i dq = _mm_set1_epi8('"'), bs = _mm_set1_epi8('\\'), z = _mm_setzero_si128();

	while (end - q >= 16) {
		__m128i v = _mm_loadu_si128((const __m128i *)(const void *)q);
		unsigned m = (unsigned)_mm_movemask_epi8(_mm_or_si128(_mm_or_si128(
		    _mm_cmpeq_epi8(v, dq), _mm_cmpeq_epi8(v, bs)), _mm_cmpeq_epi8(v, z)));

		if (m != 0)
			return q + __builtin_ctz(m);
		q += 16;
	}
#endif
	while (q < end && !str_stop[*q])
		q++;
	return q;
}

/* The string at s->p: find its closing quote (a backslash hides the byte after it), step past. */
HOT bool
str_span(scan *s, jstr *j)
{
	const uint8_t *q = s->p + 1, *end = s->end;

	j->body = q;
	j->escaped = false;
	j->nul = SIZE_MAX;
	for (;;) {
		q = str_stop_find(q, end);
		if (q >= end)
			return false;
		if (*q == '"')
			break;
		if (*q == 0) {
			if (j->nul == SIZE_MAX)
				j->nul = (size_t)(q - j->body);
			q++;
			continue;
		}
		if (end - q < 2)
			return false;       /* a backslash as the frame's last byte */
		j->escaped = true;
		q += 2;
	}
	j->len = (size_t)(q - j->body);
	if (j->nul == SIZE_MAX)
		j->nul = j->len;
	s->p = q + 1;
	return true;
}

/* Four hex digits, or 0 if any is not one (cJSON's parse_hex4). */
static unsigned
hex4(const uint8_t *h)
{
	unsigned v = 0;

	for (int i = 0; i < 4; i++) {
		uint8_t c = h[i];

		if (c >= '0' && c <= '9')
			v = v << 4 | (unsigned)(c - '0');
		else if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f')
			v = v << 4 | (unsigned)((c | 0x20) - 'a' + 10);
		else
			return 0;
	}
	return v;
}

/*
 * The \u escape at q (before end): its code point in *cp and how many bytes it takes (6, or 12
 * for a surrogate pair), or 0 when cJSON refuses it.
 */
static size_t
utf16_escape(const uint8_t *q, const uint8_t *end, uint32_t *cp)
{
	unsigned hi, lo;

	if (end - q < 6)
		return 0;
	hi = hex4(q + 2);
	if (hi >= 0xdc00 && hi <= 0xdfff)
		return 0;
	if (hi < 0xd800 || hi > 0xdbff) {
		*cp = hi;
		return 6;
	}
	if (end - q < 12 || q[6] != '\\' || q[7] != 'u')
		return 0;
	lo = hex4(q + 8);
	if (lo < 0xdc00 || lo > 0xdfff)
		return 0;
	*cp = 0x10000 + ((uint32_t)(hi & 0x3ff) << 10 | (lo & 0x3ff));
	return 12;
}

/*
 * cJSON's unescaping walk over an escaped body: the unescaped length, or SIZE_MAX when it
 * refuses an escape. The first `cap` bytes of the result go to out (out may be NULL, cap 0, to
 * only check). The walk may read body[len], the closing quote, as cJSON's does.
 */
static size_t
str_unescape(const uint8_t *b, size_t len, uint8_t *out, size_t cap)
{
	const uint8_t *q = b, *end = b + len;
	uint8_t tmp[LC_UTF8_MAX];
	size_t n = 0, k;
	uint32_t cp;

	while (q < end) {
		const uint8_t *run = q;
		uint8_t c;

		q = memchr(q, '\\', (size_t)(end - q));
		if (q == NULL)
			q = end;
		if (n < cap)
			memcpy(out + n, run, (size_t)(q - run) < cap - n ? (size_t)(q - run) : cap - n);
		n += (size_t)(q - run);
		if (q >= end)
			break;
		switch (q[1]) {
		case 'b': c = '\b'; break;
		case 'f': c = '\f'; break;
		case 'n': c = '\n'; break;
		case 'r': c = '\r'; break;
		case 't': c = '\t'; break;
		case '"': case '\\': case '/': c = q[1]; break;
		case 'u':
			if ((k = utf16_escape(q, end, &cp)) == 0)
				return SIZE_MAX;
			q += k;
			k = lc_utf8_encode(cp, tmp);
			for (size_t i = 0; i < k; i++, n++)
				if (n < cap)
					out[n] = tmp[i];
			continue;
		default:
			return SIZE_MAX;
		}
		if (n < cap)
			out[n] = c;
		n++;
		q += 2;
	}
	return n;
}

/* Make room in p->scratch for every string of this frame, once, so views into it never move. */
static bool
scratch_ready(scan *s)
{
	if (!s->scratch_ready) {
		s->rc = lc_buf_reserve(&s->jp->scratch, s->len);
		if (s->rc != LC_OK)
			return false;
		s->scratch_ready = true;
	}
	return true;
}

/* The string value at s->p, unescaped and cut at its first NUL, into *out. */
HOT bool
str_value(scan *s, lc_bytes *out)
{
	lc_buf *sc = &s->jp->scratch;
	uint8_t *o, *nul;
	size_t n;
	jstr j;

	if (!str_span(s, &j))
		return false;
	if (!j.escaped) {
		*out = lc_bytes_make(j.body, j.nul);
		return true;
	}
	if (!scratch_ready(s))
		return false;
	o = sc->ptr + sc->len;
	n = str_unescape(j.body, j.len, o, j.len);
	if (n == SIZE_MAX)
		return false;
	sc->len += n;
	sc->ptr[sc->len] = 0;
	nul = memchr(o, 0, n);
	*out = lc_bytes_make(o, nul != NULL ? (size_t)(nul - o) : n);
	return true;
}

/* A key we know from its unescaped bytes (cut at the first NUL). */
HOT enum key_id
key_lookup(const uint8_t *k, size_t n)
{
#define KEY_IS(lit) (n == sizeof(lit) - 1 && memcmp(k, lit, n) == 0)
	switch (n) {
	case 2:  return KEY_IS("id") ? K_ID : K_OTHER;
	case 4:
		if (KEY_IS("type"))
			return K_TYPE;
		if (KEY_IS("from"))
			return K_FROM;
		if (KEY_IS("text"))
			return K_TEXT;
		return KEY_IS("code") ? K_CODE : K_OTHER;
	case 5:
		if (KEY_IS("skill"))
			return K_SKILL;
		return KEY_IS("queue") ? K_QUEUE : K_OTHER;
	case 6:  return KEY_IS("status") ? K_STATUS : K_OTHER;
	case 9:
		if (KEY_IS("messageId"))
			return K_MESSAGE_ID;
		return KEY_IS("timestamp") ? K_TIMESTAMP : K_OTHER;
	case 10: return KEY_IS("retryAfter") ? K_RETRY_AFTER : K_OTHER;
	case 14: return KEY_IS("conversationId") ? K_CONVERSATION : K_OTHER;
	default: return K_OTHER;
	}
#undef KEY_IS
}

/* A member's key and its colon, leaving s->p on the value. */
HOT bool
member_key(scan *s, enum key_id *id)
{
	uint8_t kb[KEY_MAX];
	uint8_t *nul;
	size_t n;
	jstr j;

	if (s->p >= s->end || *s->p != '"' || !str_span(s, &j))
		return false;
	if (!j.escaped) {
		*id = key_lookup(j.body, j.nul);
	} else {
		if ((n = str_unescape(j.body, j.len, kb, sizeof(kb))) == SIZE_MAX)
			return false;
		nul = memchr(kb, 0, n < sizeof(kb) ? n : sizeof(kb));
		if (nul != NULL)
			n = (size_t)(nul - kb);
		*id = n <= sizeof(kb) ? key_lookup(kb, n) : K_OTHER;
	}
	ws_skip(s);
	if (s->p >= s->end || *s->p != ':')
		return false;
	s->p++;
	ws_skip(s);
	return true;
}

/*
 * The number at s->p: cJSON's run of number bytes, which must all be strtod's. Its value comes
 * the quick way when that is exact: a mantissa up to 2^53 and a power of ten up to 1e22 are
 * exact doubles, so one multiply or divide rounds once, as strtod does.
 */
static bool
num_span(scan *s, jnum *out)
{
	static const double p10[] = {1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
	    1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
	const uint8_t *q = s->p, *end = s->end, *b, *d;
	uint64_t m = 0;
	int nd = 0, frac = 0, e = 0, scale;
	bool neg, eneg = false;

	neg = *q == '-';
	q += neg;
	for (; q < end && *q >= '0' && *q <= '9'; q++, nd++)
		m = m * 10 + (uint64_t)(*q - '0');
	if (q < end && *q == '.')
		for (q++; q < end && *q >= '0' && *q <= '9'; q++, nd++, frac++)
			m = m * 10 + (uint64_t)(*q - '0');
	if (nd == 0)
		return false;
	if (q < end && (*q | 0x20) == 'e') {
		q++;
		if (q < end && (*q == '+' || *q == '-'))
			eneg = *q++ == '-';
		for (d = q; q < end && *q >= '0' && *q <= '9'; q++)
			if (e < 100000)
				e = e * 10 + (*q - '0');
		if (q == d)
			return false;
	}
	if (q < end && num_byte[*q])
		return false;           /* the run goes on past what strtod takes */
	b = q;
	out->start = s->p;
	out->len = (size_t)(b - s->p);
	scale = frac + (eneg ? e : -e);
	out->quick = nd <= 19 && m <= (uint64_t)1 << 53 && scale >= -22 && scale <= 22;
	if (out->quick) {
		out->v = scale >= 0 ? (double)m / p10[scale] : (double)m * p10[-scale];
		out->v = neg ? -out->v : out->v;
	}
	s->p = b;
	return true;
}

/* A number's value as cJSON's strtod gives it (with the locale's decimal point, as cJSON does). */
static bool
num_value(scan *s, const jnum *j, double *v)
{
	lc_buf *sc = &s->jp->scratch;
	char *c, point;

	if (j->quick) {
		*v = j->v;
		return true;
	}
	if (!scratch_ready(s))
		return false;
	c = (char *)sc->ptr + sc->len;
	memcpy(c, j->start, j->len);
	c[j->len] = 0;
	point = localeconv()->decimal_point[0];
	for (size_t i = 0; i < j->len; i++)
		if (c[i] == '.')
			c[i] = point;
	*v = strtod(c, NULL);
	c[0] = 0;
	return true;
}

static bool value_skip(scan *s);

/* A string member: set *dst on a string, nothing on null, count a wrong type otherwise. */
static bool
scan_str_field(scan *s, lc_bytes *dst, uint32_t bit, lc_envelope *env, bool *set)
{
	*set = false;
	switch (value_kind(s)) {
	case VK_STR:
		if (!str_value(s, dst))
			return false;
		env->present |= bit;
		*set = true;
		return true;
	case VK_NULL:
		s->p += 4;
		return true;
	default:
		env->wrong_types++;
		return value_skip(s);
	}
}

/* A number member within [lo, hi]: anything else but null counts as a wrong type. */
static bool
scan_num_field(scan *s, double lo, double hi, double *dst, uint32_t bit, lc_envelope *env,
    bool *set)
{
	jnum j;
	double v;

	*set = false;
	switch (value_kind(s)) {
	case VK_NUM:
		if (!num_span(s, &j) || !num_value(s, &j, &v))
			return false;
		if (isfinite(v) && v >= lo && v <= hi) {
			*dst = v;
			env->present |= bit;
			*set = true;
		} else {
			env->wrong_types++;
		}
		return true;
	case VK_NULL:
		s->p += 4;
		return true;
	default:
		env->wrong_types++;
		return value_skip(s);
	}
}

/* The text member: a string member, cut at LC_ENV_TEXT_MAX on a character boundary. */
static bool
scan_text_field(scan *s, lc_envelope *env)
{
	lc_bytes t;
	size_t n;
	bool set;

	if (!scan_str_field(s, &t, LC_ENVF_TEXT, env, &set))
		return false;
	if (set) {
		n = t.len;
		if (n > LC_ENV_TEXT_MAX) {
			n = lc_utf8_cut(t.ptr, n, LC_ENV_TEXT_MAX);
			env->text_truncated = true;
		}
		env->text = lc_bytes_make(t.ptr, n);
	}
	return true;
}

static lc_env_type
type_of(lc_bytes b)
{
	for (int t = 1; t < LC_ENV_TYPE_COUNT; t++)
		if (b.len > 0 && b.ptr[0] == (uint8_t)type_names[t][0] && lc_bytes_eq_str(b, type_names[t]))
			return (lc_env_type)t;
	return LC_ENV_UNKNOWN;
}

static lc_env_from
from_of(lc_bytes b)
{
	if (lc_bytes_eq_str(b, "customer"))
		return LC_FROM_CUSTOMER;
	if (lc_bytes_eq_str(b, "agent"))
		return LC_FROM_AGENT;
	if (lc_bytes_eq_str(b, "system"))
		return LC_FROM_SYSTEM;
	return LC_FROM_OTHER;
}

static bool object_members(scan *s, bool root, lc_envelope *env);

/* One member of the frame's object (root) or of its "from" object. */
static bool
member_value(scan *s, bool root, enum key_id k, lc_envelope *env)
{
	double v;
	bool set;

	if (!root) {
		if (k == K_TYPE) {
			if (!scan_str_field(s, &env->from_type, 0, env, &set))
				return false;
			if (set)
				env->from = from_of(env->from_type);
			return true;
		}
		if (k == K_ID)
			return scan_str_field(s, &env->from_id, 0, env, &set);
		return value_skip(s);
	}
	switch (k) {
	case K_TYPE:
		if (!scan_str_field(s, &env->type_name, LC_ENVF_TYPE, env, &set))
			return false;
		if (set)
			env->type = type_of(env->type_name);
		return true;
	case K_CONVERSATION:
		return scan_str_field(s, &env->conversation_id, LC_ENVF_CONVERSATION, env, &set);
	case K_MESSAGE_ID:
		return scan_str_field(s, &env->message_id, LC_ENVF_MESSAGE_ID, env, &set);
	case K_STATUS:
		return scan_str_field(s, &env->status, LC_ENVF_STATUS, env, &set);
	case K_SKILL:
		return scan_str_field(s, &env->skill, LC_ENVF_SKILL, env, &set);
	case K_QUEUE:
		return scan_str_field(s, &env->queue, LC_ENVF_QUEUE, env, &set);
	case K_TEXT:
		return scan_text_field(s, env);
	case K_TIMESTAMP:
		/* +-2^62 ms: far beyond any date, and safely inside int64_t */
		if (!scan_num_field(s, -4.6e18, 4.6e18, &v, LC_ENVF_TIMESTAMP, env, &set))
			return false;
		if (set)
			env->timestamp_ms = (int64_t)v;
		return true;
	case K_CODE:
		if (!scan_num_field(s, -1e9, 1e9, &v, LC_ENVF_CODE, env, &set))
			return false;
		if (set)
			env->code = (int)v;
		return true;
	case K_RETRY_AFTER:
		return scan_num_field(s, 0, 1e9, &env->retry_after_s, LC_ENVF_RETRY_AFTER, env, &set);
	case K_FROM:
		if (value_kind(s) == VK_OBJ) {
			env->present |= LC_ENVF_FROM;
			env->from = LC_FROM_OTHER;
			return object_members(s, false, env);
		}
		if (value_kind(s) == VK_NULL) {
			s->p += 4;
			return true;
		}
		env->wrong_types++;
		return value_skip(s);
	default:
		return value_skip(s);
	}
}

/* The object at s->p (the frame's, or its "from"), member by member, in order. */
static bool
object_members(scan *s, bool root, lc_envelope *env)
{
	enum key_id k;

	if (s->depth >= NEST_MAX)
		return false;
	s->depth++;
	s->p++;
	ws_skip(s);
	if (s->p < s->end && *s->p == '}')
		goto close;
	for (;;) {
		if (!member_key(s, &k) || !member_value(s, root, k, env))
			return false;
		ws_skip(s);
		if (s->p >= s->end)
			return false;
		if (*s->p == '}')
			goto close;
		if (*s->p != ',')
			return false;
		s->p++;
		ws_skip(s);
	}
close:
	s->p++;
	s->depth--;
	return true;
}

/*
 * Check and step over the value at s->p, however deep, without recursion: a bit per open
 * container says whether it is an object.
 */
static bool
value_skip(scan *s)
{
	uint64_t is_obj[(NEST_MAX + 63) / 64];
	unsigned base = s->depth, lvl;
	enum key_id k;
	jnum num;
	jstr j;

	for (;;) {
		/* a value */
		switch (value_kind(s)) {
		case VK_NULL: case VK_TRUE: s->p += 4; break;
		case VK_FALSE: s->p += 5; break;
		case VK_STR:
			if (!str_span(s, &j) ||
			    (j.escaped && str_unescape(j.body, j.len, NULL, 0) == SIZE_MAX))
				return false;
			break;
		case VK_NUM:
			if (!num_span(s, &num))
				return false;
			break;
		case VK_ARR:
		case VK_OBJ: {
			bool obj = *s->p == '{';
			uint64_t bit;

			if (s->depth >= NEST_MAX)
				return false;
			lvl = s->depth - base;
			bit = (uint64_t)1 << (lvl % 64);
			is_obj[lvl / 64] = obj ? is_obj[lvl / 64] | bit : is_obj[lvl / 64] & ~bit;
			s->depth++;
			s->p++;
			ws_skip(s);
			if (s->p < s->end && *s->p == (obj ? '}' : ']')) {
				s->p++;
				s->depth--;
				break;
			}
			if (obj && !member_key(s, &k))
				return false;
			continue;
		}
		default:
			return false;
		}
		/* after a value: close what ends here, or go on to the next element */
		for (;;) {
			bool obj;

			if (s->depth == base)
				return true;
			lvl = s->depth - 1 - base;
			obj = is_obj[lvl / 64] >> (lvl % 64) & 1;
			ws_skip(s);
			if (s->p >= s->end)
				return false;
			if (*s->p == (obj ? '}' : ']')) {
				s->p++;
				s->depth--;
				continue;
			}
			if (*s->p != ',')
				return false;
			s->p++;
			ws_skip(s);
			if (obj && !member_key(s, &k))
				return false;
			break;
		}
	}
}

lc_status
lc_json_envelope_parse(lc_json_parser *p, const void *data, size_t len, lc_envelope *env)
{
	scan s;

	memset(env, 0, sizeof(*env));
	lc_buf_reset(&p->scratch);
	if (len > LC_FRAME_MAX)
		return LC_ETOOBIG;
	if (data == NULL || len == 0)
		return LC_EPARSE;
	memset(&s, 0, sizeof(s));
	s.p = data;
	s.end = s.p + len;
	s.len = len;
	s.jp = p;
	if (len >= 5 && memcmp(s.p, "\xef\xbb\xbf", 3) == 0)
		s.p += 3;
	ws_skip(&s);
	if (s.p >= s.end || *s.p != '{' || !object_members(&s, true, env))
		goto bad;
	while (s.p < s.end && (*s.p == ' ' || *s.p == '\t' || *s.p == '\r' || *s.p == '\n'))
		s.p++;
	if (s.p != s.end)
		goto bad;
	return LC_OK;
bad:
	memset(env, 0, sizeof(*env));
	return s.rc != LC_OK ? s.rc : LC_EPARSE;
}

/* ---- builders ------------------------------------------------------------------------------ */

lc_status
lc_json_append_string(lc_buf *out, lc_bytes s)
{
	lc_jsonw w;

	lc_jsonw_init(&w, out);
	lc_jsonw_str(&w, s);
	return lc_jsonw_end(&w);
}

lc_status
lc_json_build_message(lc_buf *out, lc_bytes conversation_id, lc_bytes message_id, lc_bytes text,
    int64_t timestamp_ms)
{
	lc_jsonw w;

	lc_jsonw_init(&w, out);
	lc_jsonw_raw(&w, "{\"type\":\"message\",\"conversationId\":");
	lc_jsonw_str(&w, conversation_id);
	lc_jsonw_raw(&w, ",\"messageId\":");
	lc_jsonw_str(&w, message_id);
	lc_jsonw_raw(&w, ",\"text\":");
	lc_jsonw_str(&w, text);
	lc_jsonw_raw(&w, ",\"timestamp\":");
	lc_jsonw_i64(&w, timestamp_ms);
	lc_jsonw_raw(&w, "}");
	return lc_jsonw_end(&w);
}

lc_status
lc_json_build_typing(lc_buf *out, lc_bytes conversation_id, int64_t timestamp_ms)
{
	lc_jsonw w;

	lc_jsonw_init(&w, out);
	lc_jsonw_raw(&w, "{\"type\":\"typing\",\"conversationId\":");
	lc_jsonw_str(&w, conversation_id);
	lc_jsonw_raw(&w, ",\"timestamp\":");
	lc_jsonw_i64(&w, timestamp_ms);
	lc_jsonw_raw(&w, "}");
	return lc_jsonw_end(&w);
}

/* ---- REST bodies ------------------------------------------------------------------------------ */

lc_status
lc_json_doc_parse(const void *data, size_t len, lc_json_doc **out, lc_err *err)
{
	lc_json_doc *d;

	*out = NULL;
	if (len > LC_JSON_DOC_MAX)
		return lc_err_set(err, LC_ETOOBIG, "JSON body of %zu bytes is over the %zu-byte limit",
		    len, LC_JSON_DOC_MAX);
	d = calloc(1, sizeof(*d));
	if (d == NULL)
		return lc_err_set(err, LC_ENOMEM, "out of memory reading a JSON body");
	lc_buf_init(&d->text, LC_ENV_TEXT_MAX);
	d->root = data != NULL && len > 0 ? parse_whole(data, len) : NULL;
	if (d->root == NULL) {
		lc_json_doc_free(d);
		return lc_err_set(err, LC_EPARSE, "response body is not valid JSON (%zu bytes)", len);
	}
	*out = d;
	return LC_OK;
}

/* Wipe string values before freeing: a token response holds a live secret. */
static void
wipe_strings(cJSON *c)
{
	for (; c != NULL; c = c->next) {
		if (cJSON_IsString(c) && c->valuestring != NULL)
			explicit_bzero(c->valuestring, strlen(c->valuestring));
		wipe_strings(c->child);
	}
}

void
lc_json_doc_free(lc_json_doc *d)
{
	if (d == NULL)
		return;
	wipe_strings(d->root);
	cJSON_Delete(d->root);
	lc_buf_free(&d->text);
	free(d);
}

/* The item at a dotted key path, or NULL. */
static const cJSON *
doc_find(const lc_json_doc *d, const char *key)
{
	char seg[KEY_PATH_MAX];
	const cJSON *c = d->root;

	while (c != NULL && *key) {
		const char *dot = strchr(key, '.');
		size_t n = dot ? (size_t)(dot - key) : strlen(key);

		if (n >= sizeof(seg) || !cJSON_IsObject(c))
			return NULL;
		memcpy(seg, key, n);
		seg[n] = 0;
		c = cJSON_GetObjectItemCaseSensitive(c, seg);
		key += n + (dot != NULL);
	}
	return c;
}

lc_status
lc_json_doc_string(const lc_json_doc *d, const char *key, lc_bytes *out)
{
	const cJSON *c = doc_find(d, key);

	*out = LC_BYTES_NULL;
	if (c == NULL || cJSON_IsNull(c))
		return LC_ENOTFOUND;
	if (!cJSON_IsString(c) || c->valuestring == NULL)
		return LC_EPARSE;
	*out = lc_bytes_str(c->valuestring);
	return LC_OK;
}

lc_status
lc_json_doc_number(const lc_json_doc *d, const char *key, double *out)
{
	const cJSON *c = doc_find(d, key);

	*out = 0;
	if (c == NULL || cJSON_IsNull(c))
		return LC_ENOTFOUND;
	if (!cJSON_IsNumber(c) || !isfinite(c->valuedouble))
		return LC_EPARSE;
	*out = c->valuedouble;
	return LC_OK;
}

lc_status
lc_json_doc_next(lc_json_doc *d, const char *key, lc_envelope *env, size_t *skipped)
{
	lc_status rc;

	memset(env, 0, sizeof(*env));
	if (!d->iterating || strcmp(d->cursor_key, key) != 0) {
		const cJSON *arr = doc_find(d, key);

		if (!cJSON_IsArray(arr) || strlen(key) >= sizeof(d->cursor_key))
			return LC_ENOTFOUND;
		snprintf(d->cursor_key, sizeof(d->cursor_key), "%s", key);
		d->cursor = arr->child;
		d->iterating = true;
	}
	while (d->cursor != NULL && !cJSON_IsObject(d->cursor)) {
		if (skipped != NULL)
			(*skipped)++;
		d->cursor = d->cursor->next;
	}
	if (d->cursor == NULL)
		return LC_DONE;
	rc = envelope_fill(d->cursor, &d->text, env);
	if (rc == LC_OK && !(env->present & LC_ENVF_TYPE))
		env->type = LC_ENV_MESSAGE;
	d->cursor = d->cursor->next;
	return rc;
}
