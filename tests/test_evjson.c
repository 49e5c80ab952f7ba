/* SPDX-License-Identifier: MIT */
/* test_evjson: cx_event <-> JSON line, lossless both ways, strict on bad input. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "event_assert.h"
#include "lc_evjson.h"

/* Write ev, parse the line back, compare every field. */
static void
roundtrip(const cx_event *ev)
{
	lc_buf line;
	lc_evjson_parser *p = NULL;
	lc_err err = LC_ERR_INIT;
	cx_event back;

	lc_buf_init(&line, LC_EVJSON_LINE_MAX);
	cr_assert_eq(lc_evjson_append(&line, ev), LC_OK);
	cr_assert_eq(line.ptr[line.len - 1], '\n', "a line ends with a newline");
	cr_assert_null(memchr(line.ptr, '\n', line.len - 1), "exactly one line");
	cr_assert_eq(lc_evjson_parser_new(&p, &err), LC_OK);
	cr_assert_eq(lc_evjson_parse(p, line.ptr, line.len, &back, &err), LC_OK, "%s: %s",
	    lc_err_text(&err), (const char *)line.ptr);
	ev_assert_event_eq(ev, &back);
	lc_evjson_parser_free(p);
	lc_buf_free(&line);
}

Test(evjson, every_field_survives_a_round_trip)
{
	static const uint8_t bin[] = {0, 1, 2, 0xff, 0xfe, '"', '\\', 0x80};
	cx_header hs[3] = {
		{lc_bytes_str("Retry-After"), lc_bytes_str("2")},
		{lc_bytes_str("X-Bin"), lc_bytes_make("\xc3\x28", 2)},
		{lc_bytes_str("Authorization"), lc_bytes_str("Bearer [redacted:0badc0de]")},
	};
	cx_event ev = {
		.seq = 18446744073709551615ULL, .kind = CX_HTTP_RESPONSE,
		.flags = CX_F_REDACTED | CX_F_IMPORTED, .wall_ns = 1698765432123456789LL,
		.mono_ns = -42, .session = lc_bytes_str("s-20231031T150000Z-0000abcd"),
		.conversation = lc_bytes_str("c-\xe2\x82\xac-1"), .raw = lc_bytes_make(bin, sizeof bin),
		.exchange = 77, .method = lc_bytes_str("PUT"),
		.path = lc_bytes_str("/api/v2/presence/users/u-1?x=\"y\""), .status = 429,
		.close_code = -2147483647 - 1, .reason = lc_bytes_str("tab\there\nnewline \x01"),
		.n_headers = 3, .headers = hs,
	};

	roundtrip(&ev);
}

/* A parsed header whose value was null is {NULL, 0}, and it writes back as "". fuzz_evjson found
 * the writer doing NULL + 0 on it (clang's UBSan flags that, gcc's does not); the input that found
 * it is in tests/fuzz/corpus/fuzz_evjson/regress-null-header-value. */
Test(evjson, empty_fields_without_a_pointer_round_trip)
{
	cx_header hs[2] = {{lc_bytes_str("Retry-After"), {NULL, 0}}, {{NULL, 0}, lc_bytes_str("x")}};
	cx_event ev = {.seq = 2, .kind = CX_HTTP_RESPONSE, .status = 429, .n_headers = 2, .headers = hs};

	roundtrip(&ev);
}

Test(evjson, text_frames_stay_readable_json_strings)
{
	cx_event ev = {.seq = 3, .kind = CX_FRAME_IN, .wall_ns = 1,
	    .raw = lc_bytes_str("{\"type\":\"message\",\"text\":\"caf\xc3\xa9 \xf0\x9f\x98\x80\"}")};
	lc_buf line;

	lc_buf_init(&line, 1 << 16);
	cr_assert_eq(lc_evjson_append(&line, &ev), LC_OK);
	cr_assert_str_eq((const char *)line.ptr,
	    "{\"seq\":3,\"kind\":\"frame_in\",\"wall_ns\":1,"
	    "\"raw\":\"{\\\"type\\\":\\\"message\\\",\\\"text\\\":\\\"caf\xc3\xa9 \xf0\x9f\x98\x80\\\"}\"}\n");
	lc_buf_free(&line);
	roundtrip(&ev);
}

Test(evjson, binary_and_invalid_utf8_go_as_base64)
{
	cx_event ev = {.seq = 1, .kind = CX_FRAME_IN, .flags = CX_F_BINARY, .wall_ns = 5,
	    .raw = lc_bytes_make("\xed\xa0\x80" "ab", 5)};   /* an encoded surrogate is not UTF-8 */
	lc_buf line;

	lc_buf_init(&line, 1 << 16);
	cr_assert_eq(lc_evjson_append(&line, &ev), LC_OK);
	cr_assert_not_null(strstr((const char *)line.ptr, "\"raw\":{\"b64\":\"7aCAYWI=\"}"),
	    "got %s", (const char *)line.ptr);
	lc_buf_free(&line);
	roundtrip(&ev);
	for (size_t n = 0; n < 5; n++) {     /* every padding length */
		ev.raw = lc_bytes_make("\x00\xff\x00\xff\x00", n);
		roundtrip(&ev);
	}
}

Test(evjson, unknown_kind_number_round_trips)
{
	cx_event ev = {.seq = 1, .kind = (cx_kind)4000, .wall_ns = 0};
	roundtrip(&ev);
}

static lc_status
parse_str(const char *s, cx_event *ev, lc_err *err)
{
	static lc_evjson_parser *p;   /* one per test process, freed by the OS: tests are short */
	lc_err e2 = LC_ERR_INIT;

	if (p == NULL)
		cr_assert_eq(lc_evjson_parser_new(&p, &e2), LC_OK);
	return lc_evjson_parse(p, s, strlen(s), ev, err);
}

Test(evjson, escapes_and_surrogate_pairs_decode)
{
	cx_event ev;
	lc_err err = LC_ERR_INIT;

	cr_assert_eq(parse_str("{\"kind\":\"annotation\",\"wall_ns\":-5,"
	    "\"raw\":\"\\u00e9\\ud83d\\ude00\\/\\\"\",\"future\":{\"a\":[1,2.5e3,true,null]}}\r\n",
	    &ev, &err), LC_OK, "%s", lc_err_text(&err));
	cr_assert_eq(ev.kind, CX_ANNOTATION);
	cr_assert_eq(ev.wall_ns, -5);
	ev_assert_bytes_eq(ev.raw, lc_bytes_str("\xc3\xa9\xf0\x9f\x98\x80/\""), "raw", 0);
}

Test(evjson, bad_lines_are_parse_errors_naming_the_column)
{
	static const char *bad[] = {
		"", "[]", "{", "{\"kind\":\"frame_in\"}",                 /* no wall_ns */
		"{\"wall_ns\":1}",                                         /* no kind */
		"{\"kind\":\"nope\",\"wall_ns\":1}",
		"{\"kind\":\"frame_in\",\"wall_ns\":1.5}",
		"{\"kind\":\"frame_in\",\"wall_ns\":99999999999999999999}",
		"{\"kind\":\"frame_in\",\"wall_ns\":1,\"status\":70000}",
		"{\"kind\":\"frame_in\",\"wall_ns\":1,\"flags\":-1}",
		"{\"kind\":0,\"wall_ns\":1}",
		"{\"kind\":\"frame_in\",\"wall_ns\":1,\"raw\":{\"b64\":\"abc\"}}",
		"{\"kind\":\"frame_in\",\"wall_ns\":1,\"raw\":{\"b64\":\"ab=c\"}}",
		"{\"kind\":\"frame_in\",\"wall_ns\":1,\"raw\":{\"hex\":\"00\"}}",
		"{\"kind\":\"frame_in\",\"wall_ns\":1,\"raw\":\"\\ud800\"}",
		"{\"kind\":\"frame_in\",\"wall_ns\":1,\"raw\":\"a\tb\"}",
		"{\"kind\":\"frame_in\",\"wall_ns\":1,\"raw\":\"\\q\"}",
		"{\"kind\":\"frame_in\",\"wall_ns\":1} trailing",
		"{\"kind\":\"frame_in\",\"wall_ns\":1,\"headers\":[[\"a\"]]}",
		"{\"kind\":\"frame_in\",\"wall_ns\":1,\"x\":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}",
	};
	cx_event ev;

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		lc_err err = LC_ERR_INIT;
		cr_assert_eq(parse_str(bad[i], &ev, &err), LC_EPARSE, "accepted: %s", bad[i]);
		cr_assert(strlen(err.msg) > 0, "no message for %s", bad[i]);
	}
}

Test(evjson, more_headers_than_the_cap_is_too_big)
{
	lc_buf line;
	cx_event ev;
	lc_err err = LC_ERR_INIT;

	lc_buf_init(&line, 1 << 16);
	cr_assert_eq(lc_buf_append_str(&line, "{\"kind\":\"http_request\",\"wall_ns\":1,\"headers\":["), LC_OK);
	for (int i = 0; i <= CX_HEADERS_MAX; i++)
		cr_assert_eq(lc_buf_printf(&line, "%s[\"h%d\",\"v\"]", i ? "," : "", i), LC_OK);
	cr_assert_eq(lc_buf_append_str(&line, "]}"), LC_OK);
	cr_assert_eq(parse_str((const char *)line.ptr, &ev, &err), LC_ETOOBIG);
	cr_assert_not_null(strstr(err.msg, "headers"));
	lc_buf_free(&line);
}

Test(evjson, every_prefix_of_a_good_line_fails_cleanly)
{
	static const uint8_t bin[] = {9, 0, 200};
	cx_header h = {lc_bytes_str("k"), lc_bytes_str("v\xe2\x82\xac")};
	cx_event ev = {.seq = 9, .kind = CX_STREAM_CLOSE, .wall_ns = 123, .raw = lc_bytes_make(bin, 3),
	    .close_code = 1006, .reason = lc_bytes_str("gone \\u"), .n_headers = 1, .headers = &h};
	lc_buf line;
	lc_evjson_parser *p = NULL;
	lc_err err = LC_ERR_INIT;
	cx_event back;

	lc_buf_init(&line, 1 << 16);
	cr_assert_eq(lc_evjson_append(&line, &ev), LC_OK);
	cr_assert_eq(lc_evjson_parser_new(&p, &err), LC_OK);
	for (size_t n = 0; n < line.len - 2; n++) {   /* the whole line minus "}\n" and shorter */
		lc_err e = LC_ERR_INIT;
		cr_assert_neq(lc_evjson_parse(p, line.ptr, n, &back, &e), LC_OK, "prefix %zu parsed", n);
	}
	lc_evjson_parser_free(p);
	lc_buf_free(&line);
}

Test(evjson, a_full_output_buffer_is_left_unchanged)
{
	cx_event ev = {.seq = 1, .kind = CX_FRAME_IN, .wall_ns = 1, .raw = lc_bytes_str("0123456789")};
	lc_buf line;

	lc_buf_init(&line, 40);
	cr_assert_eq(lc_buf_append_str(&line, "keep"), LC_OK);
	cr_assert_eq(lc_evjson_append(&line, &ev), LC_ETOOBIG);
	cr_assert_eq(line.len, 4);
	cr_assert_str_eq((const char *)line.ptr, "keep");
	lc_buf_free(&line);
}
