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
