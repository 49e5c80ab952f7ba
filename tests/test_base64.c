/* SPDX-License-Identifier: MIT */
/* test_base64: RFC 4648 vectors both ways, round trips, and the refusals of strict decoding. */
#include <criterion/criterion.h>
#include <string.h>

#include "lc_base64.h"

static const char *const rfc4648[][2] = {   /* section 10 */
	{"", ""}, {"f", "Zg=="}, {"fo", "Zm8="}, {"foo", "Zm9v"},
	{"foob", "Zm9vYg=="}, {"fooba", "Zm9vYmE="}, {"foobar", "Zm9vYmFy"},
};

Test(base64, rfc4648_vectors_encode)
{
	for (size_t i = 0; i < sizeof rfc4648 / sizeof rfc4648[0]; i++) {
		lc_buf b;

		lc_buf_init(&b, 64);
		cr_assert_eq(lc_base64_append(&b, lc_bytes_str(rfc4648[i][0])), LC_OK);
		cr_assert_eq(b.len, strlen(rfc4648[i][1]));
		cr_assert_eq(b.len, lc_base64_len(strlen(rfc4648[i][0])));
		cr_assert(b.len == 0 || strcmp((const char *)b.ptr, rfc4648[i][1]) == 0,
		    "\"%s\" -> \"%s\"", rfc4648[i][0], (const char *)b.ptr);
		lc_buf_free(&b);
	}
}

Test(base64, rfc4648_vectors_decode)
{
	for (size_t i = 0; i < sizeof rfc4648 / sizeof rfc4648[0]; i++) {
		uint8_t out[16];
		size_t n = 99;

		cr_assert_eq(lc_base64_decode(rfc4648[i][1], strlen(rfc4648[i][1]), out, &n, NULL),
		    LC_OK);
		cr_assert_eq(n, strlen(rfc4648[i][0]));
		cr_assert_eq(memcmp(out, rfc4648[i][0], n), 0);
	}
}

Test(base64, every_byte_value_and_length_round_trips_in_place)
{
	uint8_t src[256];

	for (size_t i = 0; i < sizeof src; i++)
		src[i] = (uint8_t)(255 - i);
	for (size_t len = 0; len <= sizeof src; len += 1 + len / 8) {
		lc_buf b;
		size_t n;

		lc_buf_init(&b, 1024);
		cr_assert_eq(lc_base64_append(&b, lc_bytes_make(src, len)), LC_OK);
		cr_assert_eq(lc_base64_decode(b.ptr, b.len, b.ptr, &n, NULL), LC_OK);
		cr_assert_eq(n, len);
		cr_assert(len == 0 || memcmp(b.ptr, src, len) == 0, "length %zu", len);
		lc_buf_free(&b);
	}
}

Test(base64, append_past_the_cap_leaves_the_buffer_unchanged)
{
	lc_buf b;

	lc_buf_init(&b, 8);
	cr_assert_eq(lc_buf_append_str(&b, "ab"), LC_OK);
	cr_assert_eq(lc_base64_append(&b, lc_bytes_str("foobar")), LC_ETOOBIG);   /* 2 + 8 > 8 */
	cr_assert_eq(b.len, 2);
	cr_assert_str_eq((const char *)b.ptr, "ab");
	lc_buf_free(&b);
}

Test(base64, bad_input_is_refused_with_a_reason)
{
	static const char *const bad[][2] = {
		{"abc", "multiple of 4"}, {"ab=c", "misplaced"}, {"a===", "misplaced"},
		{"====", "misplaced"}, {"Zm9v\n", "multiple of 4"}, {"Zm9 ", "bad character"},
		{"Zm-v", "bad character"}, {"Zm_v", "bad character"}, {"Zh==", "stray bits"},
		{"Zm9=", "stray bits"}, {"Zg==Zg==", "misplaced"},
	};

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		uint8_t out[16];
		const char *why = NULL;
		size_t n = 99;

		cr_assert_eq(lc_base64_decode(bad[i][0], strlen(bad[i][0]), out, &n, &why), LC_EPARSE,
		    "\"%s\" is refused", bad[i][0]);
		cr_assert_not_null(why);
		cr_assert_not_null(strstr(why, bad[i][1]), "\"%s\": %s", bad[i][0], why);
		cr_assert_eq(n, 0);
	}
}
