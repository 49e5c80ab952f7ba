/* SPDX-License-Identifier: MIT */
/* test_utf8: the one UTF-8 codec: validation (whole strings), decoding and encoding. */
#include <criterion/criterion.h>
#include <string.h>

#include "lc_utf8.h"

static bool
valid(const char *s, size_t n)
{
	return lc_utf8_valid((const uint8_t *)s, n);
}

Test(utf8, valid_accepts_ascii_nul_and_every_sequence_length)
{
	cr_assert(valid("", 0));
	cr_assert(valid("plain ascii longer than eight bytes", 35));
	cr_assert(valid("a\0b", 3), "NUL is a character");
	cr_assert(valid("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 \xf4\x8f\xbf\xbf", 19));
	cr_assert(valid("12345678\xc3\xa9" "12345678", 18), "a sequence after an 8-byte run");
}

Test(utf8, valid_refuses_what_lc_utf8_len_refuses_anywhere_in_the_string)
{
	static const char *const bad[] = {
		"\x80", "\xc0\xaf", "\xc1\xbf", "\xe0\x80\xaf", "\xed\xa0\x80", "\xf4\x90\x80\x80",
		"\xf5\x80\x80\x80", "\xff", "\xc3", "\xe2\x82", "\xf0\x9f\x98",
	};

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		char s[32];
		size_t n = strlen(bad[i]);

		cr_assert_not(valid(bad[i], n), "case %zu alone", i);
		memcpy(s, "0123456789", 10);          /* after an ASCII run the fast path skips */
		memcpy(s + 10, bad[i], n);
		cr_assert_not(valid(s, 10 + n), "case %zu after ASCII", i);
		cr_assert_eq(lc_utf8_len((const uint8_t *)bad[i], n), 0, "case %zu", i);
	}
}

Test(utf8, encode_then_decode_gives_the_code_point_back)
{
	static const uint32_t cps[] = {0, 0x41, 0x7f, 0x80, 0x7ff, 0x800, 0xfffd, 0xffff,
	    0x10000, 0x1f600, 0x10ffff};

	for (size_t i = 0; i < sizeof cps / sizeof cps[0]; i++) {
		uint8_t u[LC_UTF8_MAX];
		uint32_t back = 0xdeadbeef;
		size_t n = lc_utf8_encode(cps[i], u);

		cr_assert_eq(n, cps[i] < 0x80 ? 1u : cps[i] < 0x800 ? 2u : cps[i] < 0x10000 ? 3u : 4u);
		cr_assert_eq(lc_utf8_decode(u, n, &back), n, "U+%04X", cps[i]);
		cr_assert_eq(back, cps[i]);
		cr_assert(lc_utf8_valid(u, n));
	}
}

Test(utf8, encode_writes_a_lone_surrogate_in_its_three_byte_form)
{
	uint8_t u[LC_UTF8_MAX];

	cr_assert_eq(lc_utf8_encode(0xd800, u), 3);
	cr_assert_eq(memcmp(u, "\xed\xa0\x80", 3), 0);
	cr_assert_eq(lc_utf8_len(u, 3), 0, "and the decoder refuses it");
}

Test(utf8, cut_never_splits_a_sequence)
{
	const uint8_t *s = (const uint8_t *)"ab\xc3\xa9\xf0\x9f\x98\x80z";   /* a b é 😀 z: 9 bytes */

	cr_assert_eq(lc_utf8_cut(s, 9, 9), 9);
	cr_assert_eq(lc_utf8_cut(s, 9, 100), 9);
	cr_assert_eq(lc_utf8_cut(s, 9, 2), 2);
	cr_assert_eq(lc_utf8_cut(s, 9, 3), 2, "inside é");
	cr_assert_eq(lc_utf8_cut(s, 9, 4), 4);
	cr_assert_eq(lc_utf8_cut(s, 9, 5), 4, "inside the emoji");
	cr_assert_eq(lc_utf8_cut(s, 9, 7), 4);
	cr_assert_eq(lc_utf8_cut(s, 9, 8), 8);
	cr_assert_eq(lc_utf8_cut(s, 9, 0), 0);
}
