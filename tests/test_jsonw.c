/* SPDX-License-Identifier: MIT */
/* test_jsonw: the one JSON writer: escaping, integers, base64, and its sticky status. */
#include <criterion/criterion.h>
#include <stdint.h>
#include <string.h>

#include "lc_jsonw.h"

/* One string through the writer into a fresh buffer; the caller frees it. */
static lc_buf
str_of(const void *s, size_t n)
{
	lc_buf b;
	lc_jsonw w;

	lc_buf_init(&b, 1 << 16);
	lc_jsonw_init(&w, &b);
	lc_jsonw_str(&w, lc_bytes_make(s, n));
	cr_assert_eq(lc_jsonw_end(&w), LC_OK);
	return b;
}

static void
assert_str(const void *in, size_t n, const char *want)
{
	lc_buf b = str_of(in, n);

	cr_assert_eq(b.len, strlen(want), "length %zu for %s", b.len, want);
	cr_assert_str_eq((const char *)b.ptr, want);
	lc_buf_free(&b);
}

Test(jsonw, quotes_backslash_and_control_chars_are_escaped)
{
	assert_str("a\"b\\c", 5, "\"a\\\"b\\\\c\"");
	assert_str("\n\r\t", 3, "\"\\n\\r\\t\"");
	assert_str("\b\f\x01\x1f\x7f", 5, "\"\\u0008\\u000c\\u0001\\u001f\x7f\"");
	assert_str("a\0b", 3, "\"a\\u0000b\"");
	assert_str("/", 1, "\"/\"");
	assert_str("", 0, "\"\"");
}

Test(jsonw, valid_utf8_is_kept_and_each_bad_byte_becomes_fffd)
{
	assert_str("caf\xc3\xa9 \xf0\x9f\x98\x80", 10, "\"caf\xc3\xa9 \xf0\x9f\x98\x80\"");
	/* a lone continuation, an overlong, a surrogate, a cut sequence */
	assert_str("a\x80" "b\xc0\xaf" "c\xed\xa0\x80" "d\xe2\x82", 12,
	    "\"a\\ufffdb\\ufffd\\ufffdc\\ufffd\\ufffd\\ufffdd\\ufffd\\ufffd\"");
}

Test(jsonw, str_body_has_no_quotes)
{
	lc_buf b;
	lc_jsonw w;

	lc_buf_init(&b, 256);
	lc_jsonw_init(&w, &b);
	lc_jsonw_raw(&w, "\"wss://h");
	lc_jsonw_str_body(&w, lc_bytes_str("/p?q=\"x\""));
	lc_jsonw_raw(&w, "\"");
	cr_assert_eq(lc_jsonw_end(&w), LC_OK);
	cr_assert_str_eq((const char *)b.ptr, "\"wss://h/p?q=\\\"x\\\"\"");
	lc_buf_free(&b);
}

Test(jsonw, integers_are_written_in_full)
{
	lc_buf b;
	lc_jsonw w;

	lc_buf_init(&b, 256);
	lc_jsonw_init(&w, &b);
	lc_jsonw_u64(&w, UINT64_MAX);
	lc_jsonw_raw(&w, ",");
	lc_jsonw_i64(&w, INT64_MIN);
	lc_jsonw_raw(&w, ",");
	lc_jsonw_i64(&w, 1698765432000000001);
	cr_assert_eq(lc_jsonw_end(&w), LC_OK);
	cr_assert_str_eq((const char *)b.ptr,
	    "18446744073709551615,-9223372036854775808,1698765432000000001");
	lc_buf_free(&b);
}

Test(jsonw, base64_is_a_quoted_string)
{
	lc_buf b;
	lc_jsonw w;

	lc_buf_init(&b, 256);
	lc_jsonw_init(&w, &b);
	lc_jsonw_base64(&w, lc_bytes_make("\xff\x00", 2));
	cr_assert_eq(lc_jsonw_end(&w), LC_OK);
	cr_assert_str_eq((const char *)b.ptr, "\"/wA=\"");
	lc_buf_free(&b);
}

Test(jsonw, printf_longer_than_its_small_buffer)
{
	char big[300];
	lc_buf b;
	lc_jsonw w;

	memset(big, 'x', sizeof big - 1);
	big[sizeof big - 1] = 0;
	lc_buf_init(&b, 1024);
	lc_jsonw_init(&w, &b);
	lc_jsonw_raw(&w, "[");
	lc_jsonw_printf(&w, "\"%s\",%d", big, 7);
	lc_jsonw_raw(&w, "]");
	cr_assert_eq(lc_jsonw_end(&w), LC_OK);
	cr_assert_eq(b.len, sizeof big - 1 + 6);
	cr_assert_eq(memcmp(b.ptr + b.len - 4, "\",7]", 4), 0);
	cr_assert_eq(b.ptr[b.len], 0, "NUL-terminated");
	lc_buf_free(&b);
}

/*
 * The sticky status: an append past the cap in the middle fails the writer;
 * the later appends (which would fit) are no-ops, the error comes out at the
 * end, and the buffer holds what it held before the writer began.
 */
Test(jsonw, an_error_in_the_middle_sticks_and_the_buffer_is_left_as_it_was)
{
	char big[64];
	lc_buf b;
	lc_jsonw w;

	memset(big, 'y', sizeof big);
	lc_buf_init(&b, 40);
	cr_assert_eq(lc_buf_append_str(&b, "kept,"), LC_OK);
	lc_jsonw_init(&w, &b);
	lc_jsonw_raw(&w, "{\"a\":");
	lc_jsonw_str(&w, lc_bytes_make(big, sizeof big));    /* past the 40-byte cap */
	cr_assert_eq(w.status, LC_ETOOBIG);
	lc_jsonw_raw(&w, ",\"b\":1}");                        /* would fit: must be a no-op */
	lc_jsonw_i64(&w, 5);
	lc_jsonw_printf(&w, "%d", 6);
	lc_jsonw_str(&w, lc_bytes_str("z"));
	lc_jsonw_base64(&w, lc_bytes_str("z"));
	cr_assert_eq(lc_jsonw_end(&w), LC_ETOOBIG);
	cr_assert_eq(b.len, 5);
	cr_assert_str_eq((const char *)b.ptr, "kept,");
	lc_buf_free(&b);
}

Test(jsonw, the_first_error_wins)
{
	lc_buf b;
	lc_jsonw w;

	lc_buf_init(&b, 64);
	lc_jsonw_init(&w, &b);
	lc_jsonw_raw(&w, "[1");
	lc_jsonw_fail(&w, LC_EINVAL);
	lc_jsonw_fail(&w, LC_ENOMEM);
	lc_jsonw_fail(&w, LC_OK);
	cr_assert_eq(lc_jsonw_end(&w), LC_EINVAL);
	cr_assert_eq(b.len, 0);
	lc_buf_free(&b);
}

Test(jsonw, a_failure_on_an_unallocated_buffer_leaves_it_empty)
{
	lc_buf b;
	lc_jsonw w;

	lc_buf_init(&b, 3);
	lc_jsonw_init(&w, &b);
	lc_jsonw_printf(&w, "%s", "four");
	lc_jsonw_raw(&w, "ok");
	cr_assert_eq(lc_jsonw_end(&w), LC_ETOOBIG);
	cr_assert_eq(b.len, 0);
	cr_assert(b.ptr == NULL || b.ptr[0] == 0);
	lc_buf_free(&b);
}
