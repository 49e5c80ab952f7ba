/* SPDX-License-Identifier: MIT */
/* Tests for lc_record and lc_crc32c: round trips, checksums, hostile bytes, forward compatibility. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "event_assert.h"
#include "lc_crc32c.h"
#include "lc_record.h"

static cx_event
full_event(cx_kind kind, cx_header *h)
{
	cx_event e;

	memset(&e, 0, sizeof e);
	h[0] = (cx_header){lc_bytes_str("Content-Type"), lc_bytes_str("application/json")};
	h[1] = (cx_header){lc_bytes_str("Retry-After"), lc_bytes_str("2")};
	e.seq = 4242;
	e.kind = kind;
	e.flags = CX_F_BINARY | CX_F_IMPORTED;
	e.wall_ns = 1718000000123456789LL;
	e.mono_ns = 98765432100LL;
	e.session = lc_bytes_str("s-20240610T060000Z-0badf00d");
	e.conversation = lc_bytes_str("conv-77");
	e.raw = lc_bytes_str("{\"type\":\"message\",\"text\":\"hello\"}");
	e.exchange = 99;
	e.method = lc_bytes_str("PUT");
	e.path = lc_bytes_str("/api/v2/agent/state?x=1");
	e.status = 429;
	e.close_code = -1006;
	e.reason = lc_bytes_str("going away");
	e.n_headers = 2;
	e.headers = h;
	return e;
}

static void
round_trip(const cx_event *in)
{
	lc_buf b;
	lc_err err = LC_ERR_INIT;
	cx_event out;
	cx_header hd[CX_HEADERS_MAX];

	lc_buf_init(&b, LC_RECORD_MAX * 2);
	cr_assert_eq(lc_record_encode(in, &b, &err), LC_OK, "%s", lc_err_text(&err));
	cr_assert_eq(lc_record_decode(b.ptr, b.len, in->seq, &out, hd, &err), LC_OK, "%s",
	    lc_err_text(&err));
	ev_assert_event_eq(in, &out);
	/* zero-copy: raw points into the record buffer */
	if (out.raw.len)
		cr_assert(out.raw.ptr > b.ptr && out.raw.ptr + out.raw.len <= b.ptr + b.len);
	lc_buf_free(&b);
}

Test(record, every_kind_round_trips_with_all_fields)
{
	cx_header h[2];

	for (int k = 1; k <= CX_KIND_MAX; k++) {
		cx_event e = full_event((cx_kind)k, h);
		round_trip(&e);
	}
}

Test(record, minimal_event_round_trips_and_omits_empty_fields)
{
	cx_event e;
	lc_buf b;
	lc_err err = LC_ERR_INIT;

	memset(&e, 0, sizeof e);
	e.seq = 1;
	e.kind = CX_GAP;
	round_trip(&e);
	lc_buf_init(&b, 4096);
	cr_assert_eq(lc_record_encode(&e, &b, &err), LC_OK);
	/* fixmap(4) seq kind wall crc: 1 + 2 + 2 + 2 + 6 bytes */
	cr_assert_eq(b.len, 13);
	cr_assert_eq(b.ptr[0], 0x84);
	lc_buf_free(&b);
}

Test(record, large_raw_and_extreme_integers_round_trip)
{
	cx_event e;
	cx_header h[CX_HEADERS_MAX];
	uint8_t *big = malloc(LC_FRAME_MAX);
	char names[CX_HEADERS_MAX][16];

	for (size_t i = 0; i < LC_FRAME_MAX; i++)
		big[i] = (uint8_t)(i * 131 + 7);
	for (int i = 0; i < CX_HEADERS_MAX; i++) {
		snprintf(names[i], sizeof names[i], "X-H%d", i);
		h[i] = (cx_header){lc_bytes_str(names[i]), lc_bytes_str(i % 2 ? "" : "v")};
	}
	memset(&e, 0, sizeof e);
	e.seq = UINT64_MAX;
	e.kind = CX_FRAME_IN;
	e.flags = UINT32_MAX;
	e.wall_ns = INT64_MIN;
	e.mono_ns = INT64_MAX;
	e.raw = lc_bytes_make(big, LC_FRAME_MAX);
	e.exchange = UINT64_MAX;
	e.status = UINT16_MAX;
	e.close_code = INT32_MIN;
	e.n_headers = CX_HEADERS_MAX;
	e.headers = h;
	round_trip(&e);
	e.close_code = -5;
	e.wall_ns = -200;
	e.mono_ns = -40000;
	round_trip(&e);
	free(big);
}

Test(record, invalid_utf8_text_is_written_as_bin_and_read_back)
{
	cx_event e;
	cx_header h[2];
	const char bad[] = {'a', (char)0xff, (char)0xc0, (char)0x80, 'z'};

	e = full_event(CX_STREAM_CLOSE, h);
	e.reason = lc_bytes_make(bad, sizeof bad);
	h[1].value = lc_bytes_make(bad, sizeof bad);
	round_trip(&e);
}

Test(record, encode_refuses_seq_zero_too_many_headers_and_oversized_raw)
{
	cx_event e;
	cx_header h[2];
	lc_buf b;
	lc_err err = LC_ERR_INIT;
	static uint8_t big[LC_RECORD_MAX + 1];

	lc_buf_init(&b, LC_RECORD_MAX * 2);
	e = full_event(CX_FRAME_IN, h);
	e.seq = 0;
	cr_assert_eq(lc_record_encode(&e, &b, &err), LC_EINVAL);
	e = full_event(CX_FRAME_IN, h);
	e.n_headers = CX_HEADERS_MAX + 1;
	cr_assert_eq(lc_record_encode(&e, &b, NULL), LC_EINVAL);
	e = full_event(CX_FRAME_IN, h);
	e.raw = lc_bytes_make(big, sizeof big);
	cr_assert_eq(lc_record_encode(&e, &b, NULL), LC_ETOOBIG);
	cr_assert_eq(b.len, 0, "a failed encode leaves the buffer unchanged");
	lc_buf_free(&b);
}

static lc_buf
encoded(void)
{
	cx_header h[2];
	cx_event e = full_event(CX_HTTP_RESPONSE, h);
	lc_buf b;

	lc_buf_init(&b, 1 << 20);
	cr_assert_eq(lc_record_encode(&e, &b, NULL), LC_OK);
	return b;
}

Test(record, any_flipped_bit_is_reported_corrupt_with_its_seq)
{
	lc_buf b = encoded();
	cx_event out;
	cx_header hd[CX_HEADERS_MAX];

	for (size_t i = 0; i < b.len; i++) {
		for (int bit = 0; bit < 8; bit++) {
			lc_err err = LC_ERR_INIT;
			b.ptr[i] ^= (uint8_t)(1u << bit);
			cr_assert_eq(lc_record_decode(b.ptr, b.len, 4242, &out, hd, &err), LC_ECORRUPT,
			    "byte %zu bit %d", i, bit);
			cr_assert(strstr(err.msg, "seq 4242") != NULL, "message: %s", err.msg);
			b.ptr[i] ^= (uint8_t)(1u << bit);
		}
	}
	lc_buf_free(&b);
}

Test(record, every_truncation_is_corrupt_not_a_crash)
{
	lc_buf b = encoded();
	cx_event out;
	cx_header hd[CX_HEADERS_MAX];

	for (size_t n = 0; n < b.len; n++) {
		/* copy to an exact-size heap block so ASan catches any over-read */
		uint8_t *p = malloc(n ? n : 1);
		memcpy(p, b.ptr, n);
		cr_assert_eq(lc_record_decode(p, n, 0, &out, hd, NULL), LC_ECORRUPT, "len %zu", n);
		free(p);
	}
	lc_buf_free(&b);
}

Test(record, mismatched_key_seq_is_corrupt)
{
	lc_buf b = encoded();
	cx_event out;
	cx_header hd[CX_HEADERS_MAX];
	lc_err err = LC_ERR_INIT;

	cr_assert_eq(lc_record_decode(b.ptr, b.len, 17, &out, hd, &err), LC_ECORRUPT);
	cr_assert(strstr(err.msg, "seq 17") && strstr(err.msg, "another seq"), "%s", err.msg);
	lc_buf_free(&b);
}

/* Rebuild a record with extra entries a newer writer might add, CRC recomputed. */
static size_t
with_unknown_fields(const lc_buf *b, uint8_t *out)
{
	static const uint8_t extra[] = {
		0x30, 0x82, 0xa1, 'a', 0x93, 0x01, 0xc3, 0xcb, 0, 0, 0, 0, 0, 0, 0, 0,
		      0xa1, 'b', 0xd6, 0x01, 1, 2, 3, 4,            /* field 48: nested map, ext */
		0xcc, 0xc8, 0xc0,                                    /* field 200: nil */
	};
	size_t body = b->len - LC_RECORD_CRC_LEN;
	uint32_t crc;

	cr_assert_eq(b->ptr[0], 0xde, "the full event has 16 entries: a map16");
	out[0] = 0xde;
	out[1] = 0;
	out[2] = (uint8_t)(b->ptr[2] + 2);
	memcpy(out + 3, b->ptr + 3, body - 3);
	memcpy(out + body, extra, sizeof extra);
	body += sizeof extra;
	crc = lc_crc32c(0, out, body);
	out[body] = LC_RF_CRC;
	out[body + 1] = 0xce;
	out[body + 2] = (uint8_t)(crc >> 24);
	out[body + 3] = (uint8_t)(crc >> 16);
	out[body + 4] = (uint8_t)(crc >> 8);
	out[body + 5] = (uint8_t)crc;
	return body + LC_RECORD_CRC_LEN;
}

Test(record, unknown_fields_from_a_newer_writer_are_skipped)
{
	lc_buf b = encoded();
	uint8_t rec[1024];
	size_t n = with_unknown_fields(&b, rec);
	cx_event out, ref;
	cx_header hd[CX_HEADERS_MAX], hd2[CX_HEADERS_MAX];
	lc_err err = LC_ERR_INIT;

	cr_assert_eq(lc_record_decode(rec, n, 4242, &out, hd, &err), LC_OK, "%s", err.msg);
	cr_assert_eq(lc_record_decode(b.ptr, b.len, 4242, &ref, hd2, &err), LC_OK);
	ev_assert_event_eq(&out, &ref);
	lc_buf_free(&b);
}

Test(record, deeply_nested_unknown_field_is_refused_not_recursed_forever)
{
	uint8_t rec[256];
	size_t n = 0;
	uint32_t crc;
	cx_event out;
	cx_header hd[CX_HEADERS_MAX];

	rec[n++] = 0x84;
	rec[n++] = LC_RF_SEQ, rec[n++] = 1;
	rec[n++] = LC_RF_KIND, rec[n++] = 1;
	rec[n++] = 0x40;
	for (int i = 0; i < 100; i++)
		rec[n++] = 0x91;   /* [[[[...]]]] */
	rec[n++] = 0xc0;
	crc = lc_crc32c(0, rec, n);
	rec[n++] = LC_RF_CRC, rec[n++] = 0xce;
	for (int i = 3; i >= 0; i--)
		rec[n++] = (uint8_t)(crc >> (8 * i));
	cr_assert_eq(lc_record_decode(rec, n, 1, &out, hd, NULL), LC_ECORRUPT);
}

Test(crc32c, hardware_and_table_agree_and_match_the_standard_vector)
{
	uint8_t buf[1000];

	cr_assert_eq(lc_crc32c(0, "123456789", 9), 0xe3069283u);
	cr_assert_eq(lc_crc32c_sw(0, "123456789", 9), 0xe3069283u);
	for (size_t i = 0; i < sizeof buf; i++)
		buf[i] = (uint8_t)(i * 7 + 3);
	for (size_t off = 0; off < 9; off++)
		for (size_t n = 0; n + off <= sizeof buf; n += 37)
			cr_assert_eq(lc_crc32c(0, buf + off, n), lc_crc32c_sw(0, buf + off, n));
	/* continuation: crc(a||b) == crc(crc(a), b) */
	cr_assert_eq(lc_crc32c(lc_crc32c(0, buf, 100), buf + 100, 900), lc_crc32c(0, buf, 1000));
}

/* ---- summaries and meta values: the same codec ---------------------------------- */

Test(record, a_summary_map_round_trips_with_every_scalar_type)
{
	const lc_record_kv in[] = {
		{LC_SF_ID, {.type = LC_RV_STR, .s = LC_BYTES_NULL}},
		{LC_SF_AGENT, {.type = LC_RV_STR, .s = {(const uint8_t *)"agent \xff not utf-8", 17}}},
		{LC_SF_START, {.type = LC_RV_INT, .i = INT64_MIN}},
		{LC_SF_END, {.type = LC_RV_INT, .i = -1}},
		{LC_SF_FIRST, {.type = LC_RV_UINT, .u = UINT64_MAX}},
		{LC_SF_LAST, {.type = LC_RV_UINT, .u = 0}},
		{200, {.type = LC_RV_UINT, .u = 300}},
	};
	lc_record_kv out[8];
	size_t n = 0;
	lc_buf b;

	lc_buf_init(&b, 1024);
	cr_assert_eq(lc_record_map_encode(in, 7, &b), LC_OK);
	cr_assert_eq(b.ptr[0], 0x87, "a fixmap of 7");
	cr_assert_eq(lc_record_map_decode(b.ptr, b.len, out, 8, &n), LC_OK);
	cr_assert_eq(n, 7);
	for (size_t i = 0; i < n; i++) {
		cr_assert_eq(out[i].key, in[i].key);
		cr_assert_eq(out[i].v.type, in[i].v.type, "entry %zu", i);
		cr_assert_eq(out[i].v.u, in[i].v.u);
		cr_assert_eq(out[i].v.i, in[i].v.i);
		cr_assert_eq(out[i].v.s.len, in[i].v.s.len);
		cr_assert(in[i].v.s.len == 0 || memcmp(out[i].v.s.ptr, in[i].v.s.ptr, in[i].v.s.len) == 0);
	}
	cr_assert_eq(lc_record_map_decode(b.ptr, b.len, out, 6, &n), LC_ETOOBIG, "more than cap");
	lc_buf_free(&b);
}

/* What msgpack-c wrote for older tapes: any integer format, str8, bin, nested values. */
Test(record, a_map_in_other_msgpack_encodings_is_read)
{
	static const uint8_t m[] = {
		0x86,
		0x01, 0xd9, 0x02, 's', '1',                         /* str8 */
		0x05, 0xd3, 0, 0, 0, 0, 0, 0, 0x01, 0x00,           /* int64 holding 256: unsigned */
		0x06, 0xd0, 0xfe,                                    /* int8 -2 */
		0x07, 0xc4, 0x01, 'b',                               /* bin */
		0x63, 0x92, 0x81, 0x01, 0x02, 0xc3,                  /* unknown 99: [{1:2}, true] */
		0xff, 0x05,                                          /* key -1: not a field number */
	};
	lc_record_kv kv[8];
	size_t n = 0;

	cr_assert_eq(lc_record_map_decode(m, sizeof m, kv, 8, &n), LC_OK);
	cr_assert_eq(n, 6);
	cr_assert_eq(kv[0].v.type, LC_RV_STR);
	cr_assert_eq(kv[0].v.s.len, 2);
	cr_assert_eq(kv[1].v.type, LC_RV_UINT);
	cr_assert_eq(kv[1].v.u, 256);
	cr_assert_eq(kv[2].v.type, LC_RV_INT);
	cr_assert_eq(kv[2].v.i, -2);
	cr_assert_eq(kv[3].v.type, LC_RV_BIN);
	cr_assert_eq(kv[4].key, 99);
	cr_assert_eq(kv[4].v.type, LC_RV_OTHER, "a nested value is skipped whole");
	cr_assert_eq(kv[5].key, 0, "a key that is not a field number reads as 0");
	cr_assert_eq(kv[5].v.u, 5);
}

Test(record, a_cut_or_malformed_map_or_value_is_corrupt)
{
	static const uint8_t m[] = {0x82, 0x01, 0xa3, 'a', 'b', 'c', 0x02, 0xcd, 0x01, 0x00};
	lc_record_kv kv[4];
	lc_record_value v;
	size_t n = 9;

	cr_assert_eq(lc_record_map_decode(m, sizeof m, kv, 4, &n), LC_OK);
	for (size_t cut = 0; cut < sizeof m; cut++)
		cr_assert_eq(lc_record_map_decode(m, cut, kv, 4, &n), LC_ECORRUPT, "cut at %zu", cut);
	cr_assert_eq(lc_record_map_decode("\x91\x01", 2, kv, 4, &n), LC_ECORRUPT, "an array");
	cr_assert_eq(lc_record_value_decode("\xc1", 1, &v), LC_ECORRUPT, "0xc1 is never used");
	cr_assert_eq(lc_record_value_decode("\xcd\x01", 2, &v), LC_ECORRUPT);
	cr_assert_eq(lc_record_value_decode("", 0, &v), LC_ECORRUPT);
}

Test(record, a_meta_value_uses_the_smallest_encoding)
{
	const lc_record_value vals[] = {
		{.type = LC_RV_UINT, .u = 1}, {.type = LC_RV_INT, .i = -33},
		{.type = LC_RV_UINT, .u = 1700000000000000000ull},
		{.type = LC_RV_STR, .s = {(const uint8_t *)"cxtape", 6}},
	};
	static const uint8_t want0[] = {0x01}, want1[] = {0xd0, 0xdf},
	    want2[] = {0xcf, 0x17, 0x97, 0x9c, 0xfe, 0x36, 0x2a, 0x00, 0x00},
	    want3[] = {0xa6, 'c', 'x', 't', 'a', 'p', 'e'};
	const uint8_t *want[] = {want0, want1, want2, want3};
	const size_t wlen[] = {sizeof want0, sizeof want1, sizeof want2, sizeof want3};

	for (size_t i = 0; i < 4; i++) {
		lc_record_value back;
		lc_buf b;

		lc_buf_init(&b, 64);
		cr_assert_eq(lc_record_value_encode(&vals[i], &b), LC_OK);
		cr_assert_eq(b.len, wlen[i], "value %zu: %zu bytes", i, b.len);
		cr_assert_eq(memcmp(b.ptr, want[i], wlen[i]), 0, "value %zu", i);
		cr_assert_eq(lc_record_value_decode(b.ptr, b.len, &back), LC_OK);
		cr_assert_eq(back.type, vals[i].type);
		cr_assert_eq(back.u, vals[i].u);
		cr_assert_eq(back.i, vals[i].i);
		lc_buf_free(&b);
	}
}
