/* SPDX-License-Identifier: MIT */
/* lc_record: the tape's one msgpack codec: records (hand-written, zero-copy), summaries and meta values. */
/*
 * Why not msgpack-c here: its unpacker builds a msgpack_object tree in a zone
 * (allocation plus a copy per record) and then we would walk it again; a
 * record uses a dozen msgpack type bytes, so decoding them by hand straight
 * into a cx_event keeps lc_bytes pointing into the LMDB page. Measured
 * (docs/internals/tape.md): the same record codec on msgpack-c scanned 15%
 * slower in bench_tape. So this file is the tape's only msgpack codec, for
 * the session summaries and meta values too, and msgpack-c is not used.
 * Any msgpack decoder still reads what it writes (tests/tape_interop.py).
 */
#include <inttypes.h>
#include <string.h>

#include "lc_crc32c.h"
#include "lc_record.h"
#include "lc_utf8.h"

/* Fuzz builds skip the CRC verdict so the fuzzer reaches the parser behind it. */
#ifdef CXTAPE_FUZZING
#define LC_RECORD_FUZZING 1
#else
#define LC_RECORD_FUZZING 0
#endif

/* ---- encoding --------------------------------------------------------- */

static uint8_t *
put_be(uint8_t *p, uint64_t v, int n)
{
	for (int i = n - 1; i >= 0; i--) {
		p[i] = (uint8_t)v;
		v >>= 8;
	}
	return p + n;
}

static uint8_t *
put_uint(uint8_t *p, uint64_t v)
{
	if (v < 0x80) {
		*p++ = (uint8_t)v;
		return p;
	}
	if (v <= UINT8_MAX) {
		*p++ = 0xcc;
		return put_be(p, v, 1);
	}
	if (v <= UINT16_MAX) {
		*p++ = 0xcd;
		return put_be(p, v, 2);
	}
	if (v <= UINT32_MAX) {
		*p++ = 0xce;
		return put_be(p, v, 4);
	}
	*p++ = 0xcf;
	return put_be(p, v, 8);
}

static uint8_t *
put_int(uint8_t *p, int64_t v)
{
	if (v >= 0)
		return put_uint(p, (uint64_t)v);
	if (v >= -32) {
		*p++ = (uint8_t)(int8_t)v;
		return p;
	}
	if (v >= INT8_MIN) {
		*p++ = 0xd0;
		return put_be(p, (uint64_t)v, 1);
	}
	if (v >= INT16_MIN) {
		*p++ = 0xd1;
		return put_be(p, (uint64_t)v, 2);
	}
	if (v >= INT32_MIN) {
		*p++ = 0xd2;
		return put_be(p, (uint64_t)v, 4);
	}
	*p++ = 0xd3;
	return put_be(p, (uint64_t)v, 8);
}

/* b as a msgpack str (is_str) or bin: head and body. */
static uint8_t *
put_strbin(uint8_t *p, lc_bytes b, int is_str)
{
	size_t n = b.len;

	if (!is_str) {
		if (n <= UINT8_MAX) {
			*p++ = 0xc4;
			p = put_be(p, n, 1);
		} else if (n <= UINT16_MAX) {
			*p++ = 0xc5;
			p = put_be(p, n, 2);
		} else {
			*p++ = 0xc6;
			p = put_be(p, n, 4);
		}
	} else if (n < 32) {
		*p++ = (uint8_t)(0xa0 | n);
	} else if (n <= UINT8_MAX) {
		*p++ = 0xd9;
		p = put_be(p, n, 1);
	} else if (n <= UINT16_MAX) {
		*p++ = 0xda;
		p = put_be(p, n, 2);
	} else {
		*p++ = 0xdb;
		p = put_be(p, n, 4);
	}
	if (n)
		memcpy(p, b.ptr, n);
	return p + n;
}

static uint8_t *
put_bytes(uint8_t *p, lc_bytes b, int force_bin)
{
	return put_strbin(p, b, !force_bin && lc_utf8_valid(b.ptr, b.len));
}

/* An upper bound of the encoded size, or SIZE_MAX when some length is absurd. */
static size_t
record_bound(const cx_event *ev)
{
	const lc_bytes f[] = {ev->session, ev->conversation, ev->raw, ev->method, ev->path, ev->reason};
	size_t n = 3 + 8 * 10 + LC_RECORD_CRC_LEN + 1 + 5;

	for (size_t i = 0; i < sizeof f / sizeof f[0]; i++) {
		if (f[i].len > LC_RECORD_MAX)
			return SIZE_MAX;
		n += 1 + 5 + f[i].len;
	}
	for (uint32_t i = 0; i < ev->n_headers; i++) {
		if (ev->headers[i].name.len > LC_RECORD_MAX || ev->headers[i].value.len > LC_RECORD_MAX)
			return SIZE_MAX;
		n += 1 + 10 + 3 + ev->headers[i].name.len + ev->headers[i].value.len;
		if (n > 2 * LC_RECORD_MAX)
			return SIZE_MAX;
	}
	return n;
}

static int
event_field_count(const cx_event *ev)
{
	return 3 /* seq kind wall */ + !!ev->flags + !!ev->mono_ns + !!ev->session.len +
	    !!ev->conversation.len + !!ev->raw.len + !!ev->exchange + !!ev->method.len +
	    !!ev->path.len + !!ev->status + !!ev->close_code + !!ev->reason.len + !!ev->n_headers +
	    1 /* crc */;
}

static uint8_t *
put_fields(uint8_t *p, const cx_event *ev)
{
#define KEY(f) (*p++ = (uint8_t)(f))
	KEY(LC_RF_SEQ), p = put_uint(p, ev->seq);
	KEY(LC_RF_KIND), p = put_uint(p, (uint64_t)ev->kind);
	if (ev->flags)
		KEY(LC_RF_FLAGS), p = put_uint(p, ev->flags);
	KEY(LC_RF_WALL_NS), p = put_int(p, ev->wall_ns);
	if (ev->mono_ns)
		KEY(LC_RF_MONO_NS), p = put_int(p, ev->mono_ns);
	if (ev->session.len)
		KEY(LC_RF_SESSION), p = put_bytes(p, ev->session, 0);
	if (ev->conversation.len)
		KEY(LC_RF_CONVERSATION), p = put_bytes(p, ev->conversation, 0);
	if (ev->raw.len)
		KEY(LC_RF_RAW), p = put_bytes(p, ev->raw, 1);
	if (ev->exchange)
		KEY(LC_RF_EXCHANGE), p = put_uint(p, ev->exchange);
	if (ev->method.len)
		KEY(LC_RF_METHOD), p = put_bytes(p, ev->method, 0);
	if (ev->path.len)
		KEY(LC_RF_PATH), p = put_bytes(p, ev->path, 0);
	if (ev->status)
		KEY(LC_RF_STATUS), p = put_uint(p, ev->status);
	if (ev->close_code)
		KEY(LC_RF_CLOSE_CODE), p = put_int(p, ev->close_code);
	if (ev->reason.len)
		KEY(LC_RF_REASON), p = put_bytes(p, ev->reason, 0);
	if (ev->n_headers) {
		KEY(LC_RF_HEADERS);
		if (ev->n_headers < 16) {
			*p++ = (uint8_t)(0x90 | ev->n_headers);
		} else {
			*p++ = 0xdc;
			p = put_be(p, ev->n_headers, 2);
		}
		for (uint32_t i = 0; i < ev->n_headers; i++) {
			*p++ = 0x92;
			p = put_bytes(p, ev->headers[i].name, 0);
			p = put_bytes(p, ev->headers[i].value, 0);
		}
	}
#undef KEY
	return p;
}

lc_status
lc_record_encode(const cx_event *ev, lc_buf *out, lc_err *err)
{
	size_t bound, len;
	int nf;
	uint8_t *start, *p;
	lc_status rc;

	if (ev->seq == 0)
		return lc_err_set(err, LC_EINVAL, "record encode: seq 0 (the tape assigns seq from 1)");
	if ((int)ev->kind < 1 || (int)ev->kind > 65535)
		return lc_err_set(err, LC_EINVAL, "record seq %" PRIu64 ": kind %d out of range",
		    ev->seq, (int)ev->kind);
	if (ev->n_headers > CX_HEADERS_MAX || (ev->n_headers && ev->headers == NULL))
		return lc_err_set(err, LC_EINVAL, "record seq %" PRIu64 ": %u headers (at most %d)",
		    ev->seq, ev->n_headers, CX_HEADERS_MAX);
	bound = record_bound(ev);
	if (bound == SIZE_MAX || (rc = lc_buf_reserve(out, bound)) != LC_OK)
		return lc_err_set(err, bound == SIZE_MAX ? LC_ETOOBIG : rc,
		    "record seq %" PRIu64 ": event too big for a tape record (cap %zu bytes)",
		    ev->seq, (size_t)LC_RECORD_MAX);
	start = p = out->ptr + out->len;
	nf = event_field_count(ev);
	if (nf < 16) {
		*p++ = (uint8_t)(0x80 | nf);
	} else {
		*p++ = 0xde;
		p = put_be(p, (uint64_t)nf, 2);
	}
	p = put_fields(p, ev);
	len = (size_t)(p - start);
	if (len + LC_RECORD_CRC_LEN > LC_RECORD_MAX)
		return lc_err_set(err, LC_ETOOBIG, "record seq %" PRIu64 ": %zu bytes, over the "
		    "record cap of %zu; shorten the payload", ev->seq, len, (size_t)LC_RECORD_MAX);
	*p++ = LC_RF_CRC;
	*p++ = 0xce;
	p = put_be(p, lc_crc32c(0, start, len), 4);
	out->len += (size_t)(p - start);
	out->ptr[out->len] = 0;
	return LC_OK;
}

/* ---- decoding --------------------------------------------------------- */

typedef struct rd {
	const uint8_t *p;
	const uint8_t *end;
} rd;

static uint64_t
get_be(const uint8_t *p, int n)
{
	uint64_t v = 0;

	for (int i = 0; i < n; i++)
		v = (v << 8) | p[i];
	return v;
}

/* Take n bytes from the reader; 0 when fewer remain. */
static int
rd_take(rd *r, size_t n, const uint8_t **out)
{
	if ((size_t)(r->end - r->p) < n)
		return 0;
	*out = r->p;
	r->p += n;
	return 1;
}

typedef enum mp_kind { MP_BAD, MP_UINT, MP_INT, MP_BYTES, MP_ARRAY, MP_MAP, MP_OTHER } mp_kind;

/*
 * Read one msgpack item head. For ints *u holds the value (as uint64 bits for
 * MP_INT); for bytes *u is the length and *data the payload (already bounds
 * checked); for array/map *u is the element count; MP_OTHER items (nil, bool,
 * float, ext) are consumed whole.
 */
static mp_kind
rd_head(rd *r, uint64_t *u, const uint8_t **data)
{
	const uint8_t *b;
	uint8_t c;
	int w = 0;

	if (!rd_take(r, 1, &b))
		return MP_BAD;
	c = b[0];
	if (c < 0x80) {
		*u = c;
		return MP_UINT;
	}
	if (c >= 0xe0) {
		*u = (uint64_t)(int64_t)(int8_t)c;
		return MP_INT;
	}
	if ((c & 0xf0) == 0x80 || (c & 0xf0) == 0x90) {
		*u = c & 0x0f;
		return (c & 0xf0) == 0x80 ? MP_MAP : MP_ARRAY;
	}
	if ((c & 0xe0) == 0xa0) {
		*u = c & 0x1f;
		return rd_take(r, (size_t)*u, data) ? MP_BYTES : MP_BAD;
	}
	switch (c) {
	case 0xc0: case 0xc2: case 0xc3:
		return MP_OTHER;
	case 0xcc: case 0xcd: case 0xce: case 0xcf:
		w = 1 << (c - 0xcc);
		if (!rd_take(r, (size_t)w, &b))
			return MP_BAD;
		*u = get_be(b, w);
		return MP_UINT;
	case 0xd0: case 0xd1: case 0xd2: case 0xd3:
		w = 1 << (c - 0xd0);
		if (!rd_take(r, (size_t)w, &b))
			return MP_BAD;
		*u = get_be(b, w);
		if (w < 8 && (*u >> (8 * w - 1)))   /* sign-extend */
			*u |= ~0ull << (8 * w);
		return MP_INT;
	case 0xc4: case 0xc5: case 0xc6: case 0xd9: case 0xda: case 0xdb:
		w = (c >= 0xd9) ? 1 << (c - 0xd9) : 1 << (c - 0xc4);
		if (!rd_take(r, (size_t)w, &b))
			return MP_BAD;
		*u = get_be(b, w);
		return rd_take(r, (size_t)*u, data) ? MP_BYTES : MP_BAD;
	case 0xca: case 0xcb:
		return rd_take(r, c == 0xca ? 4 : 8, &b) ? MP_OTHER : MP_BAD;
	case 0xdc: case 0xdd: case 0xde: case 0xdf:
		w = (c == 0xdc || c == 0xde) ? 2 : 4;
		if (!rd_take(r, (size_t)w, &b))
			return MP_BAD;
		*u = get_be(b, w);
		return (c <= 0xdd) ? MP_ARRAY : MP_MAP;
	case 0xd4: case 0xd5: case 0xd6: case 0xd7: case 0xd8:   /* fixext 1..16 */
		return rd_take(r, 1 + ((size_t)1 << (c - 0xd4)), &b) ? MP_OTHER : MP_BAD;
	case 0xc7: case 0xc8: case 0xc9:                           /* ext 8/16/32 */
		w = 1 << (c - 0xc7);
		if (!rd_take(r, (size_t)w, &b))
			return MP_BAD;
		*u = get_be(b, w);
		return rd_take(r, (size_t)*u + 1, &b) ? MP_OTHER : MP_BAD;
	default:   /* 0xc1 is never used */
		return MP_BAD;
	}
}

/* Skip one item of any type (an unknown field from a newer writer). */
static int
rd_skip(rd *r, int depth)
{
	uint64_t u = 0;
	const uint8_t *d;
	mp_kind k = rd_head(r, &u, &d);

	if (k == MP_BAD)
		return 0;
	if (k != MP_ARRAY && k != MP_MAP)
		return 1;
	if (depth >= LC_RECORD_DEPTH_MAX)
		return 0;
	/* every element needs at least one byte: a huge count on a short buffer fails fast */
	if (u > (uint64_t)(r->end - r->p))
		return 0;
	if (k == MP_MAP)
		u *= 2;
	for (uint64_t i = 0; i < u; i++)
		if (!rd_skip(r, depth + 1))
			return 0;
	return 1;
}

int
lc_record_crc_ok(const void *rec, size_t len)
{
	const uint8_t *b = rec;

	if (len < 1 + LC_RECORD_CRC_LEN)
		return 0;
	b += len - LC_RECORD_CRC_LEN;
	return b[0] == LC_RF_CRC && b[1] == 0xce &&
	    (uint32_t)get_be(b + 2, 4) == lc_crc32c(0, rec, len - LC_RECORD_CRC_LEN);
}

#define BAD(what) do { why = (what); goto bad; } while (0)

static int
rd_bytes(rd *r, lc_bytes *out)
{
	uint64_t n;
	const uint8_t *d;

	if (rd_head(r, &n, &d) != MP_BYTES)
		return 0;
	*out = lc_bytes_make(d, (size_t)n);
	return 1;
}

/* An integer field within [lo, hi] (signed view). */
static int
rd_int(rd *r, int64_t lo, int64_t hi, int64_t *out)
{
	uint64_t u;
	const uint8_t *d;
	mp_kind k = rd_head(r, &u, &d);

	if (k == MP_UINT) {
		if (u > (uint64_t)INT64_MAX || (int64_t)u > hi || (int64_t)u < lo)
			return 0;
	} else if (k == MP_INT) {
		if ((int64_t)u < lo || (int64_t)u > hi)
			return 0;
	} else {
		return 0;
	}
	*out = (int64_t)u;
	return 1;
}

static int
rd_uint64(rd *r, uint64_t *out)
{
	const uint8_t *d;

	return rd_head(r, out, &d) == MP_UINT;
}

static int
rd_headers(rd *r, cx_event *ev, cx_header *headers)
{
	uint64_t n, two;
	const uint8_t *d;

	if (rd_head(r, &n, &d) != MP_ARRAY || n > CX_HEADERS_MAX)
		return 0;
	for (uint64_t i = 0; i < n; i++) {
		if (rd_head(r, &two, &d) != MP_ARRAY || two != 2 ||
		    !rd_bytes(r, &headers[i].name) || !rd_bytes(r, &headers[i].value))
			return 0;
	}
	ev->n_headers = (uint32_t)n;
	ev->headers = n ? headers : NULL;
	return 1;
}

/* One known field's value into ev; 0 with *why set when it is malformed. */
static int
rd_field(rd *r, uint64_t key, cx_event *ev, cx_header *headers, const char **why)
{
	int64_t v;

	switch (key) {
	case LC_RF_SEQ:
		*why = "bad seq";
		return rd_uint64(r, &ev->seq) && ev->seq != 0;
	case LC_RF_KIND:
		*why = "bad kind";
		if (!rd_int(r, 1, 65535, &v))
			return 0;
		ev->kind = (cx_kind)v;
		return 1;
	case LC_RF_FLAGS:
		*why = "bad flags";
		if (!rd_int(r, 0, UINT32_MAX, &v))
			return 0;
		ev->flags = (uint32_t)v;
		return 1;
	case LC_RF_WALL_NS:
		*why = "bad wall_ns";
		return rd_int(r, INT64_MIN, INT64_MAX, &ev->wall_ns);
	case LC_RF_MONO_NS:
		*why = "bad mono_ns";
		return rd_int(r, INT64_MIN, INT64_MAX, &ev->mono_ns);
	case LC_RF_SESSION:
		*why = "bad session";
		return rd_bytes(r, &ev->session);
	case LC_RF_CONVERSATION:
		*why = "bad conversation";
		return rd_bytes(r, &ev->conversation);
	case LC_RF_RAW:
		*why = "bad raw";
		return rd_bytes(r, &ev->raw);
	case LC_RF_EXCHANGE:
		*why = "bad exchange";
		return rd_uint64(r, &ev->exchange);
	case LC_RF_METHOD:
		*why = "bad method";
		return rd_bytes(r, &ev->method);
	case LC_RF_PATH:
		*why = "bad path";
		return rd_bytes(r, &ev->path);
	case LC_RF_STATUS:
		*why = "bad status";
		if (!rd_int(r, 0, UINT16_MAX, &v))
			return 0;
		ev->status = (uint16_t)v;
		return 1;
	case LC_RF_CLOSE_CODE:
		*why = "bad close_code";
		if (!rd_int(r, INT32_MIN, INT32_MAX, &v))
			return 0;
		ev->close_code = (int32_t)v;
		return 1;
	case LC_RF_REASON:
		*why = "bad reason";
		return rd_bytes(r, &ev->reason);
	case LC_RF_HEADERS:
		*why = "bad headers";
		return rd_headers(r, ev, headers);
	default:
		*why = "unreadable unknown field";
		return rd_skip(r, 1);
	}
}

lc_status
lc_record_decode(const void *rec, size_t len, uint64_t key_seq, cx_event *ev,
    cx_header headers[CX_HEADERS_MAX], lc_err *err)
{
	rd r;
	uint64_t n, key, seen = 0;
	const uint8_t *d;
	const char *why = "";

	memset(ev, 0, sizeof *ev);
	if (rec == NULL || len < 1 + LC_RECORD_CRC_LEN)
		BAD("too short for a record");
	if (!lc_record_crc_ok(rec, len) && !LC_RECORD_FUZZING)
		BAD("checksum mismatch (the bytes on disk changed)");
	r.p = rec;
	r.end = r.p + len - LC_RECORD_CRC_LEN;
	if (rd_head(&r, &n, &d) != MP_MAP || n < 1)
		BAD("not a msgpack map");
	for (uint64_t i = 0; i + 1 < n; i++) {
		if (rd_head(&r, &key, &d) != MP_UINT || key == LC_RF_CRC)
			BAD("field key is not a field number");
		if (key < 64) {
			if (seen & (1ull << key))
				BAD("duplicate field");
			seen |= 1ull << key;
		}
		if (!rd_field(&r, key, ev, headers, &why))
			goto bad;
	}
	if (r.p != r.end)
		BAD("map entry count does not match its bytes");
	if (!(seen & (1ull << LC_RF_SEQ)) || !(seen & (1ull << LC_RF_KIND)))
		BAD("seq or kind missing");
	if (key_seq && ev->seq != key_seq)
		BAD("stored under another seq");
	return LC_OK;
bad:
	{
		uint64_t s = key_seq ? key_seq : ev->seq;
		memset(ev, 0, sizeof *ev);
		if (s)
			return lc_err_set(err, LC_ECORRUPT, "record seq %" PRIu64 ": %s", s, why);
		return lc_err_set(err, LC_ECORRUPT, "record (seq unknown): %s", why);
	}
}

/* ---- summaries and meta values ------------------------------------------------ */

/* Room for one scalar's head: a str of n bytes needs 5 more, an integer at most 9. */
#define SCALAR_HEAD_MAX 9

static uint8_t *
put_value(uint8_t *p, const lc_record_value *v)
{
	switch (v->type) {
	case LC_RV_UINT: return put_uint(p, v->u);
	case LC_RV_INT: return put_int(p, v->i);
	case LC_RV_STR: return put_strbin(p, v->s, 1);
	default: *p++ = 0xc0; return p;   /* nil */
	}
}

static size_t
value_bound(const lc_record_value *v)
{
	return SCALAR_HEAD_MAX + (v->type == LC_RV_STR ? v->s.len : 0);
}

/* Reserve n bytes, encode with put_value, commit what was written. */
static lc_status
values_put(lc_buf *out, size_t bound, const lc_record_kv *kv, size_t n, const lc_record_value *one)
{
	uint8_t *start, *p;
	lc_status rc = lc_buf_reserve(out, bound);

	if (rc != LC_OK)
		return rc;
	start = p = out->ptr + out->len;
	if (one != NULL) {
		p = put_value(p, one);
	} else {
		if (n < 16) {
			*p++ = (uint8_t)(0x80 | n);
		} else if (n <= UINT16_MAX) {
			*p++ = 0xde;
			p = put_be(p, n, 2);
		} else {
			*p++ = 0xdf;
			p = put_be(p, n, 4);
		}
		for (size_t i = 0; i < n; i++) {
			p = put_uint(p, kv[i].key);
			p = put_value(p, &kv[i].v);
		}
	}
	out->len += (size_t)(p - start);
	out->ptr[out->len] = 0;
	return LC_OK;
}

lc_status
lc_record_value_encode(const lc_record_value *v, lc_buf *out)
{
	return values_put(out, value_bound(v), NULL, 0, v);
}

lc_status
lc_record_map_encode(const lc_record_kv *kv, size_t n, lc_buf *out)
{
	size_t bound = 5;

	for (size_t i = 0; i < n; i++) {
		if (kv[i].v.type == LC_RV_STR && kv[i].v.s.len > out->max)
			return LC_ETOOBIG;
		bound += SCALAR_HEAD_MAX + value_bound(&kv[i].v);
	}
	return values_put(out, bound, kv, n, NULL);
}

/* One scalar at r into *v; a nested array or map is skipped whole (LC_RV_OTHER). */
static int
rd_value(rd *r, lc_record_value *v)
{
	rd save = *r;
	const uint8_t *d = NULL;
	uint64_t u = 0;
	mp_kind k = rd_head(r, &u, &d);

	memset(v, 0, sizeof *v);
	switch (k) {
	case MP_UINT:
		v->type = LC_RV_UINT, v->u = u;
		return 1;
	case MP_INT:   /* a signed format holding a value >= 0 reads as unsigned, as msgpack-c does */
		if ((int64_t)u >= 0)
			v->type = LC_RV_UINT, v->u = u;
		else
			v->type = LC_RV_INT, v->i = (int64_t)u;
		return 1;
	case MP_BYTES:   /* str or bin: which one is in the head byte */
		v->type = (*save.p & 0xe0) == 0xa0 || (*save.p >= 0xd9 && *save.p <= 0xdb) ?
		    LC_RV_STR : LC_RV_BIN;
		v->s = lc_bytes_make(d, (size_t)u);
		return 1;
	case MP_OTHER:
		v->type = LC_RV_OTHER;
		return 1;
	case MP_ARRAY: case MP_MAP:
		*r = save;
		v->type = LC_RV_OTHER;
		return rd_skip(r, 1);
	default:
		return 0;
	}
}

lc_status
lc_record_value_decode(const void *p, size_t len, lc_record_value *v)
{
	rd r = {p, (const uint8_t *)p + len};

	return len > 0 && rd_value(&r, v) ? LC_OK : LC_ECORRUPT;
}

lc_status
lc_record_map_decode(const void *p, size_t len, lc_record_kv *kv, size_t cap, size_t *n)
{
	rd r = {p, (const uint8_t *)p + len};
	const uint8_t *d;
	uint64_t count;

	*n = 0;
	if (len == 0 || rd_head(&r, &count, &d) != MP_MAP)
		return LC_ECORRUPT;
	if (count > cap)
		return LC_ETOOBIG;
	for (uint64_t i = 0; i < count; i++) {
		lc_record_value key;

		if (!rd_value(&r, &key) || !rd_value(&r, &kv[i].v))
			return LC_ECORRUPT;
		kv[i].key = key.type == LC_RV_UINT ? key.u : 0;
	}
	*n = (size_t)count;
	return LC_OK;
}
